"""Before/after comparison of a plan proposal (stadsrum.measures.compare, stadsrum compare)."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from helpers import X0, Y0, make_lines
from typer.testing import CliRunner

from stadsrum import InputError, prepare_network
from stadsrum.cli import app
from stadsrum.measures.accessibility import attraction_accessibility
from stadsrum.measures.compare import compare, match_segments, proposal_network
from stadsrum.measures.proximity import place_distances
from stadsrum.measures.segment import segment_analysis
from stadsrum.network.barriers import add_links


def pts(coords, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in coords], crs="EPSG:3006"
    )


def river():
    """Two banks of a river joined by one bridge at x = 500; the plan adds one at x = 100.

    y=100  +-------+--------+----------------+   north bank
                   :        |  bridge
                   : new    |
    y=0    +-------+--------+----------------+   south bank
           0      100      500              1000

    The new footbridge's ends fall inside the two bank streets west of the
    old bridge, so each is split in two ("split" segments), the bridge itself
    is "new", and every other segment is "unchanged".
    """
    net = prepare_network(
        make_lines(
            [
                [(0, 0), (500, 0)],
                [(500, 0), (1000, 0)],
                [(0, 100), (500, 100)],
                [(500, 100), (1000, 100)],
                [(500, 0), (500, 100)],
            ]
        )
    )
    bridge = make_lines([[(100, 0), (100, 100)]], name=["new footbridge"])
    return net, bridge


PLACE = pts([(100, -5)], place_id=["torget"])
NODE = pts([(100, 105)], node_id=["skolan"])


def _key(geom):
    return shapely.to_wkb(shapely.normalize(geom))


def test_segment_differences_equal_two_separate_runs():
    net, bridge = river()
    settings = {"cost": "angular,metric", "radii": "300,n"}
    before = segment_analysis(net, **settings)
    after = segment_analysis(add_links(net, bridge), **settings)
    result = compare(net, bridge, **settings)
    diff = result.layers["segments_diff"]

    assert sorted(diff["status"].value_counts().items()) == [
        ("new", 1),
        ("split", 4),
        ("unchanged", 3),
    ]
    assert diff["new"].tolist() == (diff["status"] == "new").astype(int).tolist()
    before_by_geom = {_key(g): i for i, g in enumerate(before.geometry)}
    after_by_geom = {_key(g): i for i, g in enumerate(after.geometry)}
    west_south = before_by_geom[_key(shapely.LineString([(X0, Y0), (X0 + 500, Y0)]))]
    columns = [c.removesuffix("_change") for c in diff.columns if c.endswith("_change")]
    assert len(columns) == 3 * 2 * 2  # integration, choice, reach length; 2 costs; 2 radii
    assert set(columns) <= set(after.columns)
    for row in diff.itertuples():
        a = after_by_geom[_key(row.geometry)]
        if row.status == "unchanged":
            b = before_by_geom[_key(row.geometry)]
        elif row.status == "split":
            b = int(row.segment_id_before)
            assert shapely.covers(before.geometry[b].buffer(0.01), row.geometry)
        else:
            b = None
        for col in columns:
            got = getattr(row, f"{col}_change")
            after_value = after.loc[a, col]
            assert getattr(row, f"{col}_after") == pytest.approx(after_value)
            if b is None:
                assert np.isnan(got)
                continue
            assert getattr(row, f"{col}_before") == pytest.approx(before.loc[b, col])
            assert got == pytest.approx(after_value - before.loc[b, col], abs=1e-9)
    split = diff[diff["status"] == "split"]
    assert (split["segment_id_before"] == west_south).sum() == 2
    # the new bridge brings the other bank within 300 m of the split streets' west pieces
    assert diff["reach_length_metric_r300_change"].max() > 0


def test_place_distance_differences_equal_two_separate_runs():
    """Torget → skolan: 400 + 100 + 400 m round by the old bridge, 100 m over the new one."""
    net, bridge = river()
    before = place_distances(net, PLACE, NODE).od
    after = place_distances(add_links(net, bridge), PLACE, NODE).od
    result = compare(net, bridge, places=PLACE, nodes=NODE, segments=False)
    od = result.layers["od_diff"]
    assert len(od) == 1
    row = od.iloc[0]
    assert row["total_m_before"] == pytest.approx(before["total_m"].iloc[0])
    assert row["total_m_after"] == pytest.approx(after["total_m"].iloc[0])
    assert row["total_m_change"] == pytest.approx(
        after["total_m"].iloc[0] - before["total_m"].iloc[0]
    )
    assert row["total_m_change"] == pytest.approx(-800.0)
    assert row["walk_min_change"] == pytest.approx(
        after["walk_min"].iloc[0] - before["walk_min"].iloc[0]
    )
    places = result.layers["places_diff"]
    assert places["pairs_shorter"].tolist() == [1]
    assert places["mean_walk_min_change"].iloc[0] == pytest.approx(row["walk_min_change"])
    assert "segments_diff" not in result.layers


def test_accessibility_differences_equal_two_separate_runs():
    net, bridge = river()
    attractions = pts([(100, 105), (900, 5)])
    before = attraction_accessibility(net, attractions, radii="300,n")
    after = attraction_accessibility(add_links(net, bridge), attractions, radii="300,n")
    result = compare(net, bridge, attractions=attractions, access_radii="300,n", segments=False)
    diff = result.layers["accessibility_diff"]
    after_by_geom = {_key(g): i for i, g in enumerate(after.geometry)}
    before_by_geom = {_key(g): i for i, g in enumerate(before.geometry)}
    unchanged = diff[diff["status"] == "unchanged"]
    assert len(unchanged) == 3
    for row in unchanged.itertuples():
        a, b = after_by_geom[_key(row.geometry)], before_by_geom[_key(row.geometry)]
        for col in ("nearest_m", "reach_r300", "reach_rn"):
            assert getattr(row, f"{col}_change") == pytest.approx(
                after.loc[a, col] - before.loc[b, col], nan_ok=True
            )


def test_removed_streets_are_listed_and_matched_by_geometry():
    net, _ = river()
    plan = make_lines([[(500, 100), (1000, 100)], [(100, 0), (100, 100)]], action=["remove", "add"])
    after, removed = proposal_network(net, plan)
    assert removed.sum() == 1
    assert after.n_edges == net.n_edges - 1 + 1 + 2  # one removed, one added, two split
    result = compare(net, plan, radii="n", cost="metric")
    diff = result.layers["segments_diff"]
    gone = diff[diff["status"] == "removed"]
    assert len(gone) == 1
    assert gone["removed"].tolist() == [1]
    assert shapely.equals(
        gone.geometry.iloc[0], shapely.LineString([(X0 + 500, Y0 + 100), (X0 + 1000, Y0 + 100)])
    )
    assert np.isnan(gone["integration_metric_rn_after"].iloc[0])
    assert not np.isnan(gone["integration_metric_rn_before"].iloc[0])
    assert result.summary["segments_removed"] == 1


def test_match_segments_is_direction_free():
    lines = make_lines([[(0, 0), (10, 0)], [(10, 0), (20, 5)]])
    flipped = lines.copy()
    flipped["geometry"] = shapely.reverse(np.asarray(lines.geometry.array))
    match = match_segments(lines, flipped.iloc[::-1].reset_index(drop=True))
    assert match["status"].tolist() == ["unchanged", "unchanged"]
    assert match["before_row"].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            make_lines([[(100, 0), (100, 100)]], action=["demolish"]),
            "column 'action' has values 'demolish'",
        ),
        (
            make_lines([[(0, 50), (1000, 50)]], action=["remove"], name=["ån"]),
            "the removal 'ån' runs along no street",
        ),
        (make_lines([[(100, 30), (100, 100)]]), "from the nearest street"),
    ],
)
def test_bad_proposals_say_what_is_wrong(plan, message):
    net, _ = river()
    with pytest.raises(InputError, match=message):
        proposal_network(net, plan, label="name")


def test_compare_command_writes_styled_diff_layers(tmp_path):
    net, bridge = river()
    network = tmp_path / "net.gpkg"
    plan = tmp_path / "plan.gpkg"
    net.edges[["id", "geometry"]].to_file(network, layer="streets")
    bridge.to_file(plan, layer="proposal")
    PLACE.to_file(plan, layer="places")
    NODE.to_file(plan, layer="nodes")
    out = tmp_path / "compare.gpkg"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "compare",
            "--base",
            f"{network}|layername=streets",
            "--proposal",
            f"{plan}|layername=proposal",
            "--places",
            f"{plan}|layername=places",
            "--nodes",
            f"{plan}|layername=nodes",
            "--radii",
            "300,n",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "links added: 1" in result.output
    names = set(pyogrio.list_layers(out)[:, 0])
    assert {"segments_diff", "od_diff", "places_diff", "proposal", "run_metadata"} <= names
    with sqlite3.connect(out) as con:
        styles = dict(
            con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault = 1")
        )
    assert {"segments_diff", "od_diff", "places_diff", "proposal"} <= set(styles)
    assert 'type="RuleRenderer"' in styles["segments_diff"]
    assert "integration_angular_rn_change" in styles["segments_diff"]
    assert "&quot;status&quot; = 'new'" in styles["segments_diff"]
    meta = pyogrio.read_dataframe(out, layer="run_metadata")
    assert "compare" in meta["value"].tolist()

    bad = runner.invoke(
        app,
        [
            "compare",
            "-q",
            "--base",
            str(network),
            "--proposal",
            f"{plan}|layername=places",
            "--out",
            str(tmp_path / "bad.gpkg"),
        ],
    )
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines()[-1].startswith("error: proposal: expected lines")
    assert not (tmp_path / "bad.gpkg").exists()


def test_od_diff_keeps_pairs_unlinked_on_one_side():
    net, bridge = river()
    far = pd.concat([NODE, pts([(5000, 5000)], node_id=["far"])], ignore_index=True)
    result = compare(net, bridge, places=PLACE, nodes=gpd.GeoDataFrame(far), segments=False)
    od = result.layers["od_diff"].set_index("node_id")
    assert set(od.index) == {"skolan", "far"}
    assert od.loc["far", "status_after"] != "ok"
    assert np.isnan(od.loc["far", "total_m_change"])


def test_a_doubtful_route_the_proposal_leaves_alone_is_warned_of_once():
    """The river town with two place-node pairs straight across the water:

        n2 (900, 105) and skolan (100, 105) on the north bank,
        p2 (900, -5) and torget (100, -5) on the south bank.

    Before: both pairs walk 5 + 400 + 100 + 400 + 5 = 910 m round by the old bridge
    for 110 m as the crow flies (ratio 8.3, over 4 and 800 m extra): two detours.
    After the new bridge at x = 100, torget -> skolan is 110 m (no warning);
    p2 -> n2 still walks 910 m (the new bridge is farther away): the same doubtful
    route, so it is listed once, as before and after, not twice.
    """
    from stadsrum.workflows import run_compare

    net, bridge = river()
    places = pts([(100, -5), (900, -5)], place_id=["torget", "p2"])
    nodes = pts([(100, 105), (900, 105)], node_id=["skolan", "n2"])
    result = run_compare(net, bridge, None, places=places, nodes=nodes, segments=False)
    detours = result.layers["warnings"]
    detours = detours[detours["kind"] == "detour"]
    got = sorted(zip(detours["place_id"], detours["node_id"], detours["layer"], strict=True))
    assert got == [
        ("p2", "n2", "od_diff (before and after)"),
        ("torget", "skolan", "od_diff (before)"),
    ]
    assert detours["value"].to_numpy() == pytest.approx([910 / 110] * 2)

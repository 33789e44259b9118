"""Plausibility warnings: hand-made frames, and the sample city's warnings layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.io.styles import WARNING_KINDS, layer_qml
from stadsrum.measures.naming import WARNING_COLUMNS
from stadsrum.measures.plausibility import (
    detour_limit,
    detour_warnings,
    link_warnings,
    warnings_summary,
)
from stadsrum.workflows import run_distances, sample_data_dir


def test_detour_limit_steps_with_straight_distance():
    assert detour_limit([0, 499.9, 500, 1999, 2000, 10_000]).tolist() == [4, 4, 3, 3, 2.5, 2.5]


def test_detour_pairs_flagged_by_ratio_and_extra_walk():
    """ratio = total / straight, extra = total − straight:

    a  50 →  300 m: ratio 6.0  > 4, extra 250 ≥ 200  → flagged
    b  20 →  100 m: ratio 5.0  > 4, extra  80 < 200  → not (crossing a street)
    c 800 → 2000 m: ratio 2.5 ≤ 3                    → not
    d 800 → 2600 m: ratio 3.25 > 3, extra 1800       → flagged
    e 3000 → 8000 m: ratio 2.67 > 2.5                → flagged
    f like a but unreachable (status not ok)         → not
    """
    total = np.array([300, 100, 2000, 2600, 8000, 300.0])
    straight = np.array([50, 20, 800, 800, 3000, 50.0])
    od = gpd.GeoDataFrame(
        {
            "place_id": list("abcdef"),
            "node_id": ["n"] * 6,
            "total_m": total,
            "straight_m": straight,
            "detour_ratio": total / straight,
            "status": ["ok"] * 5 + ["not connected"],
        },
        geometry=[shapely.LineString([(0, 0), (1, 1)])] * 6,
        crs=3006,
    )
    w = detour_warnings(od)
    assert list(w.columns) == [*WARNING_COLUMNS, "geometry"]
    assert w["place_id"].tolist() == ["a", "d", "e"]
    assert (w["kind"] == "detour").all()
    assert w["value"].to_numpy() == pytest.approx([6.0, 3.25, 8 / 3])
    assert w["limit"].tolist() == [4, 3, 2.5]
    assert w.crs == od.crs


def _links(link_m, off=None, level=None):
    n = len(link_m)
    return gpd.GeoDataFrame(
        {
            "node_id": [f"n{i}" for i in range(n)],
            "link_m": np.asarray(link_m, float),
            "network_level": np.zeros(n, int) if level is None else np.asarray(level),
            "off_level": np.zeros(n, bool) if off is None else np.asarray(off),
        },
        geometry=[shapely.LineString([(0, 0), (max(m, 1), 0)]) for m in link_m],
        crs=3006,
    )


def test_long_links_beyond_the_fence_or_the_fixed_limit():
    """Twelve links: 0 2 4 5 6 7 8 9 10 12 60 120 m. Quartiles (linear, as numpy):
    Q1 at 11·0.25 = 2.75 → 4 + 0.75·1 = 4.75; Q3 at 8.25 → 10 + 0.25·2 = 10.5;
    fence 10.5 + 3·5.75 = 27.75, raised to the 50 m floor: 60 and 120 flagged."""
    w = link_warnings(
        _links([0, 2, 4, 5, 6, 7, 8, 9, 10, 12, 60, 120]), id_column="node_id", layer="nodes"
    )
    assert w["feature_id"].tolist() == ["n10", "n11"]
    assert w["limit"].tolist() == [50, 50]
    assert (w["kind"] == "long_link").all()


def test_far_links_everywhere_still_flag_above_the_fixed_limit():
    """All links 80-130 m: the fence is far above, the fixed 100 m limit decides."""
    w = link_warnings(_links([80, 90, 100, 110, 130]), id_column="node_id", layer="nodes")
    assert w["feature_id"].tolist() == ["n3", "n4"]
    assert w["limit"].tolist() == [100, 100]


def test_tunnel_and_bridge_links():
    links = _links([5, 5, 5, 5], off=[True, False, True, False], level=[-1, 0, 1, 0])
    w = link_warnings(links, id_column="node_id", layer="nodes")
    assert w.set_index("feature_id")["kind"].to_dict() == {
        "n0": "tunnel_link",
        "n2": "bridge_link",
    }
    text = warnings_summary(w)
    assert "2 warnings," in text
    assert "joined to a tunnel" in text
    assert warnings_summary(w.iloc[0:0]) == "plausibility: no warnings"


def test_styles_know_every_kind():
    """The style's fixed legend holds each kind the checks can write."""
    kinds = set()
    for frame in (
        detour_warnings(
            pd.DataFrame(
                {
                    "place_id": ["a"],
                    "node_id": ["n"],
                    "total_m": [300.0],
                    "straight_m": [50.0],
                    "detour_ratio": [6.0],
                }
            )
        ),
        link_warnings(
            _links([0, 1, 2, 300, 5, 5], off=[0, 0, 0, 0, 1, 1], level=[0, 0, 0, 0, -1, 1]),
            id_column="node_id",
            layer="nodes",
        ),
    ):
        kinds |= set(frame["kind"])
    assert kinds == set(WARNING_KINDS)


def test_warnings_layer_written_empty_when_all_is_plausible(tmp_path):
    """One straight 200 m street, place and node 10 and 5 m off it: nothing to warn."""
    net = prepare_network(make_lines([[(0, 0), (200, 0)]]))
    places = gpd.GeoDataFrame(
        {"place_id": ["p"]}, geometry=[shapely.Point(X0 + 100, Y0 + 10)], crs=3006
    )
    nodes = gpd.GeoDataFrame(
        {"node_id": ["n"]}, geometry=[shapely.Point(X0 + 180, Y0 - 5)], crs=3006
    )
    out = tmp_path / "d.gpkg"
    result = run_distances(net, places, nodes, out)
    assert result.summary == "plausibility: no warnings"
    layer = pyogrio.read_dataframe(out, layer="warnings")
    assert len(layer) == 0
    assert set(WARNING_COLUMNS) <= set(layer.columns)


@pytest.fixture(scope="module")
def sample_distances(tmp_path_factory, sample_network):
    data = sample_data_dir() / "helsinki.gpkg"
    out = tmp_path_factory.mktemp("plausibility") / "distances.gpkg"
    return run_distances(
        sample_network,
        f"{data}|layername=places",
        f"{data}|layername=nodes",
        out,
        node_category="category",
    )


def test_sample_city_warnings_layer(sample_distances):
    """The sample city: no tunnel or bridge links; the squares that went through
    the service tunnel are not flagged; every flagged pair really exceeds its limit
    and every warning is drawn as a line with a QGIS style."""
    w = pyogrio.read_dataframe(sample_distances.path, layer="warnings")
    assert not w["kind"].isin(["tunnel_link", "bridge_link"]).any()
    pairs = set(zip(w["place_id"], w["node_id"], strict=True))
    assert ("rautatientori", "square-kolmensepanaukio") not in pairs
    assert ("lasipalatsinaukio", "square-kolmensepanaukio") not in pairs
    od = sample_distances.layers["od"].set_index(["place_id", "node_id"])
    for row in w[w["kind"] == "detour"].itertuples():
        pair = od.loc[(row.place_id, row.node_id)]
        assert pair.total_m / pair.straight_m > detour_limit(pair.straight_m)
        assert pair.total_m - pair.straight_m >= 200
    # a handful to look at, not a flood
    assert len(w) <= 5
    assert set(w.geometry.geom_type) <= {"LineString"}
    assert f"plausibility: {len(w)} warning" in sample_distances.summary
    qml = layer_qml("warnings", w)
    assert qml is not None
    assert all(k in qml for k in WARNING_KINDS)


def test_accessibility_warns_of_an_attraction_joined_to_a_tunnel(tmp_path):
    """A ground street (y = 0) and a tunnel (y = 30, layer -1) joined by ramps at
    x = 0 and 200. An attraction at (100, 25) is 25 m from the street, 5 m from the
    tunnel: with max_link 20 m only the tunnel is in reach, so it joins the tunnel
    and the warnings layer says so (value −1: below ground)."""
    from stadsrum.workflows import run_accessibility

    net = prepare_network(
        make_lines(
            [[(0, 0), (200, 0)], [(0, 30), (200, 30)], [(0, 0), (0, 30)], [(200, 0), (200, 30)]],
            tunnel=[None, "yes", None, None],
            layer=[0, -1, 0, 0],
        ),
        merge_pass_through=False,
    )
    attractions = gpd.GeoDataFrame(
        {"id": ["kiosk"]}, geometry=[shapely.Point(X0 + 100, Y0 + 25)], crs=3006
    )
    out = tmp_path / "a.gpkg"
    result = run_accessibility(net, attractions, out, max_link=20)
    layer = pyogrio.read_dataframe(out, layer="warnings")
    assert layer[["kind", "layer", "feature_id", "value"]].values.tolist() == [
        ["tunnel_link", "attractions", "kiosk", -1.0]
    ]
    assert layer.geometry.iloc[0].length == pytest.approx(5)
    assert "joined to a tunnel" in result.summary

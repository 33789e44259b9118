"""Accessibility barriers: crossings, detours, barrier effect, new crossings, scenarios."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import InputError, prepare_network
from stadsrum.measures.barriers import (
    barrier_analysis,
    barrier_effect,
    barrier_inventory,
    candidate_links,
    od_matrix,
    permeable_links,
    rank_candidates,
)
from stadsrum.measures.proximity import place_distances
from stadsrum.network.barriers import add_links, read_barrier_layer


def pts(coords, crs="EPSG:3006", **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in coords], crs=crs
    )


def river(**cols):
    """A river along y = 50 between two banks joined by one bridge at x = 500:

    y=100  +----------------+----------------+   north bank
                            |  bridge (100 m)
    ~~~~~~~~~~~~~~~~~~~~~~~~|~~~~~~~~~~~~~~~~~~  river, y = 50, x -50 .. 1050
    y=0    +----------------+----------------+   south bank
           0               500              1000
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
    water = make_lines([[(-50, 50), (1050, 50)]], category=["water"], **cols)
    return net, water


PLACE = pts([(100, -5)], place_id=["torget"])
NODE = pts([(100, 105)], node_id=["skolan"])


def test_river_crossing_inventory():
    """One bridge over a 1,100 m river: 1 crossing (a bridge, water at grade),
    0.909 per km, two stretches of 550 m each side of it."""
    net, water = river()
    bset = read_barrier_layer(water, net)
    crossings, summary, stretches = barrier_inventory(net, bset)
    assert len(crossings) == 1
    c = crossings.iloc[0]
    assert c.crossing_type == "bridge"
    assert c.barrier_id == "water-1"
    assert (c.geometry.x - X0, c.geometry.y - Y0) == pytest.approx((500, 50))
    s = summary.iloc[0]
    assert s.length_m == pytest.approx(1100)
    assert s.n_crossings == 1
    assert s.crossings_per_km == pytest.approx(1 / 1.1)
    assert s.longest_stretch_m == pytest.approx(550)
    assert sorted(stretches["stretch_m"]) == pytest.approx([550, 550])
    assert stretches["longest"].sum() == 1


def test_crossing_types_and_stretches():
    """A railway along y = 50 crossed by three streets: at grade at x = 0, on a
    bridge (bridge=yes, layer 1) at x = 100 and in a tunnel at x = 200.
    Track from x = -100 to 300: four 100 m stretches between the crossings."""
    lines = make_lines(
        [
            [(0, 0), (0, 100)],
            [(100, 0), (100, 100)],
            [(200, 0), (200, 100)],
            [(0, 0), (100, 0)],
            [(100, 0), (200, 0)],
            [(0, 100), (100, 100)],
            [(100, 100), (200, 100)],
            [(200, 0), (250, 0)],
            [(200, 100), (250, 100)],
        ],
        bridge=[None, "yes", None, None, None, None, None, None, None],
        tunnel=[None, None, "yes", None, None, None, None, None, None],
        layer=[0, 1, -1, 0, 0, 0, 0, 0, 0],
    )
    net = prepare_network(lines)
    rail = make_lines([[(-100, 50), (300, 50)]], category=["railway"])
    crossings, summary, stretches = barrier_inventory(net, read_barrier_layer(rail, net))
    kinds = crossings.assign(x=crossings.geometry.x - X0).sort_values("x")["crossing_type"]
    assert kinds.tolist() == ["level_crossing", "bridge", "tunnel"]
    assert summary.iloc[0].n_crossings == 3
    assert summary.iloc[0].crossings_per_km == pytest.approx(7.5)
    assert sorted(stretches["stretch_m"]) == pytest.approx([100, 100, 100, 100])


def test_polygon_barrier_counts_each_street_once():
    """A 20 m wide water polygon: a street enters and leaves it, two outline
    points that are one crossing even when merge_gap is smaller than 20 m."""
    net, _ = river()
    lake = gpd.GeoDataFrame(
        {"category": ["water"]},
        geometry=[shapely.box(X0 - 50, Y0 + 40, X0 + 1050, Y0 + 60)],
        crs="EPSG:3006",
    )
    crossings, _, _ = barrier_inventory(
        net, read_barrier_layer(lake, net, merge_gap=5), merge_gap=5
    )
    assert len(crossings) == 1
    assert crossings.iloc[0].crossing_type == "bridge"
    assert crossings.iloc[0].geometry.y - Y0 == pytest.approx(40, abs=20.1)


def test_detour_across_the_river():
    """Place at (100, -5), node at (100, 105): 400 m to the bridge, 100 m over
    it, 400 m back plus 5 + 5 m access = 910 m; straight 110 m."""
    net, water = river()
    bset = read_barrier_layer(water, net)
    od = od_matrix(net, PLACE, NODE)
    assert od.total_m[0, 0] == pytest.approx(910)
    res = barrier_analysis(net, bset, places=PLACE, nodes=NODE, effect=False, grid_spacing=100)
    pair = res.layers["detour_pairs"].iloc[0]
    assert pair.total_m == pytest.approx(910)
    assert pair.straight_m == pytest.approx(110)
    assert pair.detour_ratio == pytest.approx(910 / 110)
    assert pair.extra_m == pytest.approx(800)
    assert bool(pair.crosses_barrier)
    assert pair.barriers == "water-1"
    per_place = res.layers["detour_places"].iloc[0]
    assert per_place.share_crossing == 1.0
    surface = res.layers["detour"]
    assert len(surface) > 0
    assert (surface["detour_ratio"].dropna() >= 1 - 1e-9).all()


def test_obvious_crossing_ranks_first_with_the_hand_computed_gain():
    """Candidates across the river: (0,0)-(0,100) and (1000,0)-(1000,100),
    100 m each (the bridge itself saves nothing and is dropped). With a link at
    x = 0 the route is 5 + 100 + 100 + 100 + 5 = 310 m: a gain of 600 m, and
    the node comes within 10 minutes (780 m); the link at x = 1000 gains 0."""
    net, water = river()
    bset = read_barrier_layer(water, net)
    cands = candidate_links(net, bset, max_length=150)
    assert len(cands) == 3
    od = od_matrix(net, PLACE, NODE)
    ranked = rank_candidates(net, od, cands, best_k=2)
    assert len(ranked) == 2
    best = ranked.iloc[0]
    xy = net.node_xy[[best.from_node, best.to_node]] - [X0, Y0]
    assert sorted(map(tuple, xy.round(6))) == [(0, 0), (0, 100)]
    assert best.gain_m == pytest.approx(600)
    assert best["rank"] == 1
    assert best.reach_gain_10min == 1
    assert best.reach_gain_15min == 0
    assert best.network_m == pytest.approx(1100)
    assert best.saving_m == pytest.approx(1000)
    assert ranked.iloc[1].gain_m == pytest.approx(0)
    assert ranked["greedy_step"].tolist() == [1, 0]
    assert ranked.iloc[0].greedy_gain_m == pytest.approx(600)


def test_scenario_with_a_link_ending_mid_street():
    """A footbridge from (250, 0) to (250, 100) splits both banks' streets:
    5 + 150 + 100 + 150 + 5 = 410 m instead of 910 m."""
    net, water = river()
    bridge = make_lines([[(250, 0), (250, 100)]], proposal_id=["gangbro"])
    res = barrier_analysis(
        net,
        water,
        places=PLACE,
        nodes=NODE,
        proposal=bridge,
        effect=False,
        proposal_id="proposal_id",
    )
    row = res.layers["scenario"].iloc[0]
    assert row.before_m == pytest.approx(910)
    assert row.after_m == pytest.approx(410)
    assert row.change_m == pytest.approx(-500)
    place = res.layers["scenario_places"].iloc[0]
    assert place.reach_10min_change == 1
    assert res.scenario_network is not None
    assert res.scenario_network.n_edges == net.n_edges + 3  # two streets split, one link


def _banks(continuous: bool):
    """Four streets running north to the water at y = 50 from both banks
    (ends at y = 40 and y = 60), joined along y = 0 and y = 100; only the
    street at x = 300 crosses (on a bridge). ``continuous``: every street
    crosses, as if there were no water.
    """
    lines = [[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(200, 0), (300, 0)]]
    lines += [[(0, 100), (100, 100)], [(100, 100), (200, 100)], [(200, 100), (300, 100)]]
    lines.append([(300, 0), (300, 100)])
    for x in (0, 100, 200):
        if continuous:
            lines.append([(x, 0), (x, 100)])
        else:
            lines += [[(x, 0), (x, 40)], [(x, 60), (x, 100)]]
    return prepare_network(make_lines(lines))


def test_permeable_barrier_equals_no_barrier():
    """With crossings everywhere (links of 20 m joining the street ends across
    the water, gap 25 m) every distance equals that of the network without it."""
    net = _banks(continuous=False)
    water = make_lines([[(-50, 50), (350, 50)]], category=["water"])
    bset = read_barrier_layer(water, net)
    links = permeable_links(net, bset, 0, gap=25)
    assert len(links) == 3
    assert links.length.to_numpy() == pytest.approx([20, 20, 20])
    places = pts([(50, -5), (150, 105), (250, 20)], place_id=["a", "b", "c"])
    nodes = pts([(50, 105), (150, -5), (0, 80), (260, 70)], node_id=["w", "x", "y", "z"])
    cf = od_matrix(add_links(net, links), places, nodes)
    free = od_matrix(_banks(continuous=True), places, nodes)
    np.testing.assert_allclose(cf.total_m, free.total_m)
    real = od_matrix(net, places, nodes)
    assert (real.total_m >= free.total_m - 1e-9).all()
    eff, segs = barrier_effect(net, bset, places, nodes, gap=25, thresholds=(3.0,))
    assert eff["mean_m_loss"].to_numpy() == pytest.approx(
        real.total_m.mean(axis=1) - free.total_m.mean(axis=1)
    )
    assert (eff["reach_3min_loss"] >= 0).all()
    assert segs is not None
    assert len(segs) == net.n_edges
    assert (segs["nearest_m_loss"].dropna() >= -1e-9).all()


def test_od_matrix_matches_place_distances(sample_network):
    g = "sample_data/helsinki.gpkg"
    places = gpd.read_file(g, layer="places")
    nodes = gpd.read_file(g, layer="nodes")
    od = od_matrix(sample_network, places, nodes)
    ref = place_distances(sample_network, places, nodes, routes=False).od
    np.testing.assert_allclose(od.total_m.ravel(), ref["total_m"].to_numpy(), rtol=1e-9)


@pytest.fixture(scope="module")
def sample_layers():
    g = "sample_data/helsinki.gpkg"
    return {n: gpd.read_file(g, layer=n) for n in ("places", "nodes", "barriers", "proposal")}


def test_fast_gain_equals_rebuilt_network(sample_network, sample_layers):
    """For random candidates on the sample city, the min formula's gain equals
    the total shortening measured on the network rebuilt with the link; and
    two greedy steps together equal the network with both links."""
    net = sample_network
    places, nodes = sample_layers["places"], sample_layers["nodes"]
    bset = read_barrier_layer(sample_layers["barriers"], net).select(["railway", "water"])
    cands = candidate_links(net, bset, max_length=150)
    od = od_matrix(net, places, nodes)
    ranked = rank_candidates(net, od, cands, best_k=2)
    rng = np.random.default_rng(6)
    picks = [0, *rng.choice(np.arange(1, len(ranked)), size=5, replace=False).tolist()]
    old = od.total_m
    for i in picks:
        row = ranked.iloc[[i]]
        after = od_matrix(add_links(net, row[["geometry"]]), places, nodes).total_m
        ok = np.isfinite(old)
        assert ranked.iloc[i].gain_m == pytest.approx((old - after)[ok].sum(), abs=1e-6)
        assert (
            ranked.iloc[i].reach_gain_10min
            == (after <= 780 + 1e-9).sum() - (old <= 780 + 1e-9).sum()
        )
    both = ranked[ranked["greedy_step"] > 0]
    assert len(both) == 2
    after = od_matrix(add_links(net, both[["geometry"]]), places, nodes).total_m
    assert both["greedy_gain_m"].sum() == pytest.approx((old - after).sum(), abs=1e-6)


def test_sample_city_end_to_end(sample_network, sample_layers, tmp_path):
    from stadsrum.workflows import run_barriers

    layers = sample_layers
    res = run_barriers(
        sample_network,
        layers["barriers"],
        tmp_path / "barriers.gpkg",
        places=layers["places"],
        nodes=layers["nodes"],
        proposal=layers["proposal"],
        categories="railway,water",
        node_category="category",
        proposal_id="proposal_id",
    )
    names = set(pyogrio.list_layers(res.path)[:, 0])
    assert {
        "crossings",
        "barrier_stretches",
        "detour",
        "barrier_effect",
        "candidate_links",
        "scenario",
        "run_metadata",
    } <= names
    out = res.layers
    assert set(out["crossings"]["crossing_type"]) <= {"bridge", "tunnel", "level_crossing"}
    assert (out["crossings"]["category"] == "water").any()
    cand = out["candidate_links"]
    assert cand["rank"].tolist() == list(range(1, len(cand) + 1))
    assert (np.diff(cand["gain_m"].to_numpy()) <= 1e-6).all()
    assert (cand["length_m"] <= 150 + 1e-9).all()
    # the railyard footbridge shortens routes; no route gets longer
    sc = out["scenario"]
    assert (sc["change_m"] <= 1e-6).all()
    assert (sc["change_m"] < -1).any()
    eff = out["barrier_effect"]
    assert (eff.loc[eff["barrier_id"] == "railway-1", "reach_15min_loss"] >= 0).all()


# --- clear errors -------------------------------------------------------------------


def test_barrier_layer_of_points_is_refused():
    net, _ = river()
    with pytest.raises(InputError, match="expected lines or polygons, found points"):
        read_barrier_layer(pts([(0, 50)], category=["water"]), net)


def test_empty_barrier_layer_is_refused():
    net, water = river()
    with pytest.raises(InputError, match="empty"):
        read_barrier_layer(water.iloc[0:0], net)


def test_barrier_layer_without_crs_is_refused():
    net, water = river()
    with pytest.raises(InputError, match="no coordinate reference system"):
        read_barrier_layer(water.set_crs(None, allow_override=True), net)


def test_barrier_layer_in_the_wrong_crs_is_refused():
    """Swedish coordinates declared as Finnish ones land far from the network."""
    net, water = river()
    with pytest.raises(InputError, match="no feature overlaps the street network"):
        read_barrier_layer(water.set_crs("EPSG:3067", allow_override=True), net)


def test_missing_category_column_is_refused():
    net, water = river()
    with pytest.raises(InputError, match="no column 'kind'"):
        read_barrier_layer(water, net, category="kind")


def test_proposal_far_from_the_network_is_refused():
    net, _ = river()
    far = make_lines([[(0, 300), (0, 400)]], proposal_id=["luftbro"])
    with pytest.raises(InputError, match=r"'luftbro' is 200\.0 m from the nearest street"):
        add_links(net, far, label="proposal_id")


def test_cli_barriers_error_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from stadsrum.cli import app

    net, _ = river()
    net_path = tmp_path / "net.gpkg"
    net.edges[["geometry"]].to_file(net_path, layer="network")
    bad = tmp_path / "bad.gpkg"
    pts([(0, 50)], category=["water"]).to_file(bad)
    result = CliRunner().invoke(
        app,
        [
            "barriers",
            "--network",
            str(net_path),
            "--barriers",
            str(bad),
            "--out",
            str(tmp_path / "o.gpkg"),
        ],
    )
    assert result.exit_code == 1
    assert "error: barriers: expected lines or polygons" in result.output
    assert not (tmp_path / "o.gpkg").exists()

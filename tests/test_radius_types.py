"""Radius types for segment analysis (issue 16): walking, straight, steps, angular.

Checked three ways: PST's own outputs on the peer networks (``tests/data/peers``,
``pst_radius_types_*.csv``, provenance in its README), a brute-force networkx oracle
on seeded grids, and values derived by hand on ``tiny.gpkg``.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import reference
import shapely
from reference import MEASURE_NAMES, grid_state_graph, reference_measures

from stadsrum import InputError, read_network
from stadsrum.cli import main
from stadsrum.measures.naming import (
    Radius,
    metric_radii,
    parse_radii,
    parse_radius_specs,
    radius_label,
    reach_column,
    segment_column,
)
from stadsrum.measures.segment import segment_analysis, segment_measures
from stadsrum.network.segments import SegmentGraph
from stadsrum.options import number_problem

PEERS = Path(__file__).parent / "data" / "peers"
NETS = ("tiny", "grid", "irregular")


# --- the spec: parsing, order, labels ----------------------------------------------


def test_typed_radii_parse_sort_and_name_their_columns():
    specs = parse_radius_specs("angular:90, 800,steps:2,n,straight:500,400,walking:400,steps:0")
    assert specs == [
        Radius("walking", 400.0),
        Radius("walking", 800.0),
        Radius("walking", math.inf),
        Radius("straight", 500.0),
        Radius("steps", 0.0),
        Radius("steps", 2.0),
        Radius("angular", 90.0),
    ]
    assert [radius_label(r) for r in specs] == [
        "400",
        "800",
        "n",
        "500_straight",
        "0_steps",
        "2_steps",
        "90_angular",
    ]
    assert [r.spec for r in specs][3:] == ["straight:500", "steps:0", "steps:2", "angular:90"]
    assert segment_column("integration", "angular", Radius("straight", 500)) == (
        "integration_angular_r500_straight"
    )
    assert segment_column("choice", "metric", 800.0) == "choice_metric_r800"  # floats as before
    assert reach_column(Radius("angular", 22.5)) == "reach_r22_5_angular"
    # every type without a limit is the whole component: one radius n
    assert parse_radius_specs(["straight:n", "n", Radius("walking", math.inf)]) == [
        Radius("walking", math.inf)
    ]
    # the analyses that take metres only read them as before, and name what they refuse
    assert parse_radii("800,400,n") == [400.0, 800.0, math.inf]
    with pytest.raises(InputError, match=r"^compare takes walking radii only .* steps:2"):
        parse_radii("400,steps:2", "compare")
    with pytest.raises(InputError, match="straight:500, angular:90"):
        metric_radii(parse_radius_specs("straight:500,angular:90"), "distances")


@pytest.mark.parametrize(
    ("radii", "fragment"),
    [
        ("400,crow:500", "radius 'crow:500' has an unknown type 'crow': choose from walking"),
        ("steps:2.5", "radius 'steps:2.5' must be a whole number of steps"),
        ("steps:-1", "radius 'steps:-1' must be a whole number of steps"),
        ("angular:0", "radius 'angular:0' must be more than 0"),
        ("straight:-5", "radius 'straight:-5' must be more than 0"),
        ("angular:nan", "radius 'angular:nan' must be more than 0"),
        ("straight:far", "radius 'straight:far' is not a number or 'n', e.g. straight:2"),
        ("walking:-400", "radius walking:-400 must be positive"),
        ("400,,steps:2", "has an empty item"),
    ],
)
def test_a_bad_typed_radius_is_one_named_error(radii, fragment):
    with pytest.raises(InputError, match=None) as info:
        parse_radius_specs(radii)
    assert fragment in str(info.value)
    # the command line and study files check the same way, before any work
    assert fragment in (number_problem("radii", radii) or "")


# --- PST's Reach on the peer networks ----------------------------------------------


def _pst_reach(name):
    return pd.read_csv(PEERS / f"pst_radius_types_{name}.csv").set_index("id")


def _peer_result(name, radii, **options):
    net = read_network(PEERS / f"{name}.gpkg", prepare="none")
    res = segment_analysis(net, radii=radii, **options)
    return res.set_index("id").sort_index()


@pytest.mark.parametrize("name", NETS)
def test_steps_and_angular_reach_equal_pst(name):
    """PST's Reach with a steps or angular radius counts the segments whose least
    number of moves (every move from one segment to the next is a step, PST's count
    on a segment map and our steps cost's with step_threshold 0) or least sum of
    turns (degrees, to the segment's midpoint) is within the limit: our catchment,
    equal in count on every segment and in length to float32."""
    pst = _pst_reach(name)
    kinds = [("steps", k) for k in (0, 1, 2, 4)] + [("angular", d) for d in (30, 60, 90, 180)]
    radii = ",".join(f"{kind}:{value}" for kind, value in kinds)
    res = _peer_result(name, radii, cost="metric", measures=["node_count", "reach_length"])
    for kind, value in kinds:
        label = f"r{value}_{kind}"
        np.testing.assert_array_equal(
            res[f"node_count_metric_{label}"], pst[f"{kind}_{value}_N"], err_msg=label
        )
        np.testing.assert_allclose(
            res[f"reach_length_metric_{label}"], pst[f"{kind}_{value}_L"], rtol=1e-6
        )


def _disc_components(name, radius):
    """Per origin: the segments whose midpoint is within ``radius`` m as the crow flies
    (PST's straight Reach), and those of them the origin reaches without leaving the
    disc (ours), by networkx over segments that share an end point."""
    gdf = gpd.read_file(PEERS / f"{name}.gpkg").set_index("id").sort_index()
    coords = [list(g.coords) for g in gdf.geometry]
    mids = np.array([[(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] for a, b in coords])
    at_end: dict[tuple[float, float], list[int]] = {}
    for i, ends in enumerate(coords):
        for end in ends:
            at_end.setdefault(tuple(end), []).append(i)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(coords)))
    graph.add_edges_from((a, b) for segs in at_end.values() for a in segs for b in segs if a < b)
    out = []
    for o in range(len(coords)):
        disc = set(np.flatnonzero(np.hypot(*(mids - mids[o]).T) <= radius).tolist())
        out.append((disc, nx.node_connected_component(graph.subgraph(disc), o)))
    return out, gdf.geometry.length.to_numpy()


@pytest.mark.parametrize("name", NETS)
def test_straight_reach_differs_from_pst_by_the_segments_cut_off_inside_the_disc(name):
    """PST's Reach with only a straight radius counts every segment whose midpoint is
    within R of the origin's midpoint, connected or not (an island, the far bank of
    a river). Ours counts those the origin reaches without leaving the disc, so the
    catchment is a street network on which depths and choice exist. The difference
    is exactly the segments of the disc outside the origin's part: nothing else."""
    pst = _pst_reach(name)
    res = _peer_result(
        name,
        "100,150,300,straight:100,straight:150,straight:300",
        cost="metric",
        measures=["node_count", "reach_length"],
    )
    cut_off = 0
    for radius in (100, 150, 300):
        # a walk is never shorter than the crow's line: the walking catchment lies inside
        walking = res[f"node_count_metric_r{radius}"]
        assert (walking <= res[f"node_count_metric_r{radius}_straight"]).all()
        parts, length = _disc_components(name, radius)
        disc_n = np.array([len(d) for d, _ in parts])
        part_n = np.array([len(p) for _, p in parts])
        part_len = np.array([length[list(p)].sum() for _, p in parts])
        np.testing.assert_array_equal(pst[f"straight_{radius}_N"], disc_n)
        np.testing.assert_array_equal(res[f"node_count_metric_r{radius}_straight"], part_n)
        np.testing.assert_allclose(res[f"reach_length_metric_r{radius}_straight"], part_len)
        cut_off += int((disc_n != part_n).sum())
    if name != "grid":  # the grid's discs are whole; the others show the difference
        assert cut_off > 0


def test_straight_on_tiny_by_hand():
    """Origin id 0 (A–B, midpoint (1050, 2000)), straight:150: id 1 (100 m to (1150,
    2000)) and the stem id 3 (70.7 m to (1100, 1950)) and itself: 3 segments, 300 m,
    as PST. ids 4 and 5 (midpoints (1200, 2050), (1200, 1950)) are 158.1 m away.
    Origin id 7 (midpoint (1343.3, 2025)), straight:300: the isolated id 13 (midpoint
    (1525, 1800)) is 289.3 m away; PST counts it (14 segments, 1310 m), we leave it
    out (13 segments, 1260 m: every other segment, within 294.4 m): it cannot be
    reached at all."""
    res = _peer_result(
        "tiny", "straight:150,straight:300", cost="metric", measures=["node_count", "reach_length"]
    )
    pst = _pst_reach("tiny")
    assert res.loc[
        0, ["node_count_metric_r150_straight", "reach_length_metric_r150_straight"]
    ].tolist() == [3, 300]
    assert (pst.loc[0, "straight_150_N"], pst.loc[0, "straight_150_L"]) == (3, 300)
    assert res.loc[
        7, ["node_count_metric_r300_straight", "reach_length_metric_r300_straight"]
    ].tolist() == [13, 1260]
    assert (pst.loc[7, "straight_300_N"], pst.loc[7, "straight_300_L"]) == (14, 1310)


def test_steps_and_angular_on_tiny_by_hand():
    """Origin id 0 (A–B). steps:1: at B the straight id 1 and the stem id 3, at A
    nothing: {0, 1, 3}, 300 m. steps:2: from id 1 at C, id 2 straight and the arms
    id 4, id 5: 6 segments, 600 m. angular:30: ids 1, 2 straight on (0°), then the 30°
    left turn onto id 7: {0, 1, 2, 7}, 400 m (id 8 is 30 + 60 = 90° away). angular:90:
    adds the stem id 3 (90°), the arms id 4, 5 (90°), id 6 and id 12 straight on from
    them (90°) and id 8 (90°): 10 segments, 9·100 + 60 = 960 m; the ring beyond id 4
    (ids 9, 11: 180°, id 10: 270°) and the isolated id 13 stay out. Total depth at
    angular:30 by metric cost: 100 + 200 + 300 = 600 m (midpoint to midpoint)."""
    res = _peer_result("tiny", "steps:1,steps:2,angular:30,angular:90", cost="metric")
    got = {
        label: res.loc[0, [f"node_count_metric_{label}", f"reach_length_metric_{label}"]].tolist()
        for label in ("r1_steps", "r2_steps", "r30_angular", "r90_angular")
    }
    assert got == {
        "r1_steps": [3, 300],
        "r2_steps": [6, 600],
        "r30_angular": [4, pytest.approx(400)],  # id 7 is 100 m less 6e-14
        "r90_angular": [10, pytest.approx(960)],
    }
    assert res.loc[0, "total_depth_metric_r30_angular"] == pytest.approx(600.0)


@pytest.mark.parametrize("radius_mode", ["catchment", "route"])
def test_typed_radii_on_tiny_equal_pst_angular_integration(radius_mode):
    """PST's AngularIntegration takes every radius type along its least-angle route
    (route mode). On tiny, whose turns are whole degrees (PST orders its search by
    turns rounded to 1°) and whose least-angle routes are also the shortest, fewest-
    steps and inside every disc, both our modes equal it: node count and total depth
    (θ/90) for walking, straight, steps and angular radii. On grid and irregular the
    rounding changes PST's routes (see the README), so no comparison there."""
    pst = pd.read_csv(PEERS / "pst_radius_types_ai_tiny.csv").set_index("id")
    kinds = [c.removeprefix("AIN_") for c in pst.columns if c.startswith("AIN_")]
    radii = ",".join(k.replace("walking_", "").replace("_", ":") for k in kinds)
    res = _peer_result(
        "tiny", radii, radius_mode=radius_mode, measures=["node_count", "total_depth"]
    )
    for k in kinds:
        kind, value = k.split("_")
        label = radius_label(Radius(kind, float(value)))
        ours = res[f"node_count_angular_r{label}"].to_numpy()
        same = np.ones(len(ours), dtype=bool)
        if kind == "straight":
            same = _straight_by_junctions_differs_only_there(ours, pst[f"AIN_{k}"], float(value))
        np.testing.assert_array_equal(ours[same], pst[f"AIN_{k}"][same], err_msg=k)
        # PST writes 0 where we write NaN (nothing but the origin reached)
        depth = res[f"total_depth_angular_r{label}"].fillna(0.0)[same]
        np.testing.assert_allclose(depth, pst[f"AIT_{k}"][same], rtol=1e-6, atol=1e-6, err_msg=k)


def _straight_by_junctions_differs_only_there(ours, pst_n, radius):
    """PST's AngularIntegration passes a junction only when it, too, lies within the
    straight radius; ours asks it of the midpoints only. On tiny: origin id 7
    (midpoint (1343.3, 2025)) at straight:150 reaches ids 9 and 10 (midpoints 119.8
    and 132.3 m away) through the junction (1200, 2100), 161.7 m away: 6 segments
    for us, 4 for PST. networkx with each rule gives each count exactly; returns
    where the two agree."""
    gdf = gpd.read_file(PEERS / "tiny.gpkg").set_index("id").sort_index()
    coords = [list(g.coords) for g in gdf.geometry]
    mids = np.array([np.mean(c, axis=0) for c in coords])
    joins = [
        (a, b, end)
        for a in range(len(coords))
        for b in range(a + 1, len(coords))
        for end in set(map(tuple, coords[a])) & set(map(tuple, coords[b]))
    ]
    for o in range(len(coords)):
        disc = set(np.flatnonzero(np.hypot(*(mids - mids[o]).T) <= radius).tolist())
        by_mid = nx.Graph([(a, b) for a, b, _ in joins if {a, b} <= disc])
        by_junction = nx.Graph(
            [(a, b) for a, b, j in joins if {a, b} <= disc and math.dist(j, mids[o]) <= radius]
        )
        by_mid.add_node(o)
        by_junction.add_node(o)
        assert ours[o] == len(nx.node_connected_component(by_mid, o))
        assert pst_n.iloc[o] == len(nx.node_connected_component(by_junction, o))
    same = ours == pst_n.to_numpy()
    assert radius != 150 or not same[7]
    return same


# --- brute force: networkx catchments per type, every measure ----------------------


def _graph_with_geometry(lengths, src, dst, turn, coordinates) -> SegmentGraph:
    n = len(lengths)
    order = np.lexsort((dst, src))
    src, dst, turn = np.asarray(src)[order], np.asarray(dst)[order], np.asarray(turn)[order]
    indptr = np.zeros(2 * n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=2 * n), out=indptr[1:])
    return SegmentGraph(
        length=np.asarray(lengths, float),
        edge=np.arange(n),
        end_node=np.zeros((n, 2), dtype=np.int64),
        indptr=indptr,
        dst=dst.astype(np.int64),
        turn_deg=turn.astype(float),
        geometry=shapely.linestrings(coordinates),
        crs=None,
        split="edge",
    )


def _oracle_catchment(kind, limit, src, dst, turn, coordinates, step_threshold):
    """The catchment of one radius type, by networkx, in reference's ``_catchment`` form."""
    mids = coordinates.mean(axis=1)
    moves = nx.DiGraph()
    for s, t, a in zip(src.tolist(), dst.tolist(), turn.tolist(), strict=True):
        moves.add_edge(s, t, steps=1 if a >= step_threshold else 0, angular=a)

    def catchment(graph, origin, radius):
        sources = {2 * origin, 2 * origin + 1}
        if kind == "straight":
            inside = {
                s
                for s in graph.nodes
                if math.dist(mids[s // 2], mids[origin]) <= limit + reference.TOLERANCE
            }
            reached = set().union(*(nx.descendants(graph.subgraph(inside), s) for s in sources))
            return {s // 2 for s in reached | sources}
        cut = limit + reference.TOLERANCE * (1 + limit)
        dist = nx.multi_source_dijkstra_path_length(moves, sources, cutoff=cut, weight=kind)
        return {s // 2 for s in dist} | {origin}

    return catchment


GRIDS = {
    "straight 4x4 (exact ties)": grid_state_graph(4, 4, spacing=100.0, jitter=0.0, seed=0),
    "jittered 5x4": grid_state_graph(5, 4, spacing=80.0, jitter=5.0, seed=1),
    "rough 4x5": grid_state_graph(4, 5, spacing=60.0, jitter=20.0, seed=3),
}
TYPED = [Radius("straight", 130.0), Radius("steps", 2.0), Radius("angular", 90.0)]


@pytest.mark.parametrize("grid", list(GRIDS))
@pytest.mark.parametrize(
    ("cost", "options"),
    [("angular", {}), ("metric", {}), ("steps", {}), ("steps", {"step_threshold": 30.0})],
)
def test_typed_catchments_equal_the_brute_force_oracle(grid, cost, options, monkeypatch):
    """Every measure at straight:130, steps:2 and angular:90 (90 is a tie on the
    straight grid: a right turn is exactly in) equals the oracle's: networkx finds
    each catchment (fewest steps as the steps cost counts them, least degrees, the
    part of the disc the origin reaches inside it) and reference.py every measure
    on it."""
    lengths, src, dst, turn, coordinates = GRIDS[grid]
    threshold = options.get("step_threshold", 0.0)
    mine = segment_measures(
        _graph_with_geometry(lengths, src, dst, turn, coordinates),
        cost=cost,
        radii=TYPED,
        **options,
    )
    for radius in TYPED:
        monkeypatch.setattr(
            reference,
            "_catchment",
            _oracle_catchment(radius.kind, radius.limit, src, dst, turn, coordinates, threshold),
        )
        ref = reference_measures(
            lengths, src, dst, turn, cost=cost, radius=None, step_threshold_deg=threshold
        )
        for name in MEASURE_NAMES:
            col = segment_column(name, cost, radius)
            np.testing.assert_allclose(
                mine[col], ref[name], rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=col
            )
    # each catchment leaves part of the grid out (two steps of 30° or more reach all)
    for r in TYPED:
        if not (r.kind == "steps" and threshold):
            assert (mine[segment_column("node_count", cost, r)] < len(lengths)).any()


def test_route_mode_carries_steps_and_degrees_along_the_least_cost_route():
    """Route mode with a steps radius drops what the least-angle route makes more than
    two moves long, as PST does, though a route of fewer moves exists: it counts no
    more than the catchment, and fewer on this grid (the least-angle route to a
    segment often zigzags less but moves more). An angular radius carried along the
    least-angle route is its least angle: there both modes agree, as does a straight
    radius (the disc holds no route)."""
    lengths, src, dst, turn, coordinates = GRIDS["rough 4x5"]
    graph = _graph_with_geometry(lengths, src, dst, turn, coordinates)
    radii = [Radius("steps", 2.0), Radius("angular", 90.0), Radius("straight", 130.0)]
    catch = segment_measures(graph, cost="angular", radii=radii)
    route = segment_measures(graph, cost="angular", radii=radii, radius_mode="route")
    steps = segment_column("node_count", "angular", radii[0])
    assert (route[steps] <= catch[steps]).all()
    assert (route[steps] < catch[steps]).sum() >= 10
    for r in radii[1:]:
        for name in MEASURE_NAMES:
            col = segment_column(name, "angular", r)
            np.testing.assert_allclose(route[col], catch[col], rtol=1e-12, equal_nan=True)


# --- the command line, and what cannot take types ----------------------------------


def test_segments_command_writes_typed_columns(tmp_path, capsys):
    out = tmp_path / "seg.gpkg"
    args = ["segments", str(PEERS / "tiny.gpkg"), "--out", str(out), "--prepare", "none"]
    args += ["--radii", "300,straight:150,steps:2,angular:90", "--cost", "metric", "-q"]
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0, capsys.readouterr().err
    res = gpd.read_file(out, layer="segments").set_index("id").sort_index()
    assert res.loc[0, "node_count_metric_r2_steps"] == 6
    assert res.loc[0, "node_count_metric_r90_angular"] == 10
    assert res.loc[0, "node_count_metric_r150_straight"] == 3
    assert "integration_metric_r300" in res.columns


def test_a_typed_radius_on_a_cluster_is_refused():
    """The cluster's tiles bound their halos in walking metres; a type is refused
    before any work, naming it."""
    net = read_network(PEERS / "tiny.gpkg", prepare="none")
    with pytest.raises(InputError, match=r"radius types \(steps:2\) run on this machine only"):
        segment_analysis(net, radii="400,steps:2", client=object())

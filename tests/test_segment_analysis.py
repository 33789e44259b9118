"""Segment analysis engine against the brute-force oracle, hand derivations and peers."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from helpers import make_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import MEASURE_NAMES, grid_state_graph, reference_measures

from stadsrum import CancelledError, InputError, Progress, prepare_network, read_network
from stadsrum.measures.naming import radius_label
from stadsrum.measures.segment import segment_analysis, segment_measures
from stadsrum.network.segments import SegmentGraph

PEERS = Path(__file__).parent / "data" / "peers"


def state_graph(lengths, src, dst, turn) -> SegmentGraph:
    """A SegmentGraph straight from the oracle's arrays (no geometry needed)."""
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
        geometry=np.empty(n, dtype=object),
        crs=None,
        split="edge",
    )


GRIDS = {
    "straight 4x4 (many ties)": grid_state_graph(4, 4, spacing=100.0, jitter=0.0, seed=0)[:4],
    "jittered 5x4": grid_state_graph(5, 4, spacing=80.0, jitter=5.0, seed=1)[:4],
    "rough 4x5": grid_state_graph(4, 5, spacing=60.0, jitter=20.0, seed=3)[:4],
}
RADII = [100.0, 170.0, 260.0, math.inf]


@pytest.mark.parametrize("grid", list(GRIDS))
@pytest.mark.parametrize(
    ("cost", "options"),
    [
        ("angular", {}),
        ("angular", {"tulip_bins": 1024}),
        ("angular", {"tulip_bins": 8}),
        ("metric", {}),
        ("time", {"speed": 1.1}),
        ("steps", {}),
        ("steps", {"step_threshold": 30.0}),
    ],
)
def test_all_measures_equal_the_brute_force_oracle(grid, cost, options):
    """Every measure, every radius in one call, catchment mode, to 1e-9."""
    lengths, src, dst, turn = GRIDS[grid]
    names = {"speed": "speed_m_per_s", "step_threshold": "step_threshold_deg"}
    oracle_options = {names.get(k, k): v for k, v in options.items()}
    mine = segment_measures(state_graph(lengths, src, dst, turn), cost=cost, radii=RADII, **options)
    for radius in RADII:
        ref = reference_measures(
            lengths,
            src,
            dst,
            turn,
            cost=cost,
            radius=None if math.isinf(radius) else radius,
            **oracle_options,
        )
        for name in MEASURE_NAMES:
            col = f"{name}_{cost}_r{radius_label(radius)}"
            np.testing.assert_allclose(
                mine[col], ref[name], rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=col
            )


def test_weighted_origins_and_destinations_equal_the_oracle():
    lengths, src, dst, turn = GRIDS["jittered 5x4"]
    weights = np.random.default_rng(2).uniform(0.2, 4.0, len(lengths))
    for cost in ("angular", "metric"):
        mine = segment_measures(
            state_graph(lengths, src, dst, turn), cost=cost, radii=RADII, weights=weights
        )
        for radius in RADII:
            ref = reference_measures(
                lengths,
                src,
                dst,
                turn,
                cost=cost,
                weights=weights,
                radius=None if math.isinf(radius) else radius,
            )
            for name in MEASURE_NAMES:
                col = f"{name}_{cost}_r{radius_label(radius)}"
                np.testing.assert_allclose(mine[col], ref[name], rtol=1e-9, equal_nan=True)


# --- hand-derived cases -------------------------------------------------------


def test_straight_line_of_three_segments():
    """A -- B -- C, 100 m each, collinear.

    Angular: every move is straight on (cost 0), so all depths are 0:
    total depth 0 and integration undefined (NaN); node count 3.
    Harmonic adds 1/(0 + 1) per other segment: 2.
    Choice: the pairs (A, C) and (C, A) pass B: choice(B) = 2, ends 0.
    Metric from A: B at 100 m, C at 200 m: total depth 300, mean 150.
    choice_wl(B) = 2 pairs × 100·100 = 20000; A gets half of 100·100 for
    each of its 4 ordered pairs (with B and C, both ways): 4 × 5000 = 20000.
    """
    gdf = make_lines([[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(200, 0), (300, 0)]])
    net = prepare_network(gdf, prepare="none")
    res = segment_analysis(net, cost="angular,metric", radii="n")
    np.testing.assert_array_equal(res.node_count_angular_rn, [3, 3, 3])
    np.testing.assert_array_equal(res.total_depth_angular_rn, [0, 0, 0])
    assert res.integration_angular_rn.isna().all()
    np.testing.assert_array_equal(res.harmonic_angular_rn, [2, 2, 2])
    np.testing.assert_array_equal(res.choice_angular_rn, [0, 2, 0])
    np.testing.assert_array_equal(res.total_depth_metric_rn, [300, 200, 300])
    np.testing.assert_array_equal(res.mean_depth_metric_rn, [150, 100, 150])
    np.testing.assert_array_equal(res.choice_wl_metric_rn, [20000, 20000 + 20000, 20000])


def test_plus_crossing():
    """Four 50 m arms meeting at one junction:

          N
          |
     W ---+--- E
          |
          S

    From W: E is straight on (0), N and S are right angles (1 each):
    total depth 2, mean depth 2/3, integration 4²/2 = 8. No segment lies
    between two others, so choice is 0 everywhere.
    """
    gdf = make_lines(
        [[(0, 0), (50, 0)], [(50, 0), (100, 0)], [(50, 0), (50, 50)], [(50, 0), (50, -50)]]
    )
    res = segment_analysis(prepare_network(gdf, prepare="none"), radii=["n"])
    np.testing.assert_allclose(res.total_depth_angular_rn, 2)
    np.testing.assert_allclose(res.integration_angular_rn, 8)
    np.testing.assert_allclose(res.mean_depth_angular_rn, 2 / 3)
    np.testing.assert_array_equal(res.choice_angular_rn, 0)


def _detour_network():
    """Six straight streets (metres), used for the interface tests."""
    return make_lines(
        [
            [(0, 0), (100, 0)],
            [(100, 0), (200, 0)],
            [(200, 0), (300, 0)],
            [(0, 0), (0, 60)],
            [(0, 60), (300, 60)],
            [(300, 60), (300, 0)],
        ]
    )


def test_route_mode_drops_what_the_least_angle_route_makes_too_long():
    """Two ways from O to T (road-centre-line segments, metres):

        C: a 700 m loop road, straight on at both ends (0 turns)
          (200,200)----(300,200)
              |            |
     O ---(100,0)         (300,0)--- T
     0..100   |   (no road)    |   400..500
              B1              B3        B1, B3: 50 m verticals, 90° turns at each end
              |                |
           (100,-50)------(400,-50)     B2: 300 m

    (C leaves (100,0) heading east, loops up, and arrives at (400,0) heading
    east; B1 goes down at x=100, B3 up at x=400.)

    Metric, midpoint to midpoint from O (midpoint at 50): C 50 + 350 = 400,
    B1 50 + 25 = 75, B2 50 + 50 + 150 = 250, B3 via B 425, T via B
    50 + 50 + 300 + 50 + 50 = 500 (via C: 800). At R = 600 the catchment
    holds all 6 segments: node count 6; angular depths on it: C 0, T 0 (straight
    along C), B1 1, B2 2, B3 1 (C then a right angle): total depth 4.

    Route mode follows the least-angle route to each directed state and its
    length: T (heading east, its only reachable state) is reached at cost 0
    along C with 800 m > 600: dropped, and not reopened by the shorter, costlier
    way round B. B3 heading south is reached at cost 1 along C with
    50 + 700 + 25 = 775 m: dropped too; B3 heading north is its own state,
    reached round B at cost 3 with 425 m: kept, at depth 3. Node count 5
    (O, C, B1, B2, B3), total depth 0 + 1 + 2 + 3 = 6.
    """
    loop = [(100, 0), (200, 0), (200, 200), (300, 200), (300, 0), (400, 0)]
    gdf = make_lines(
        [
            [(0, 0), (100, 0)],
            loop,
            [(100, 0), (100, -50)],
            [(100, -50), (400, -50)],
            [(400, -50), (400, 0)],
            [(400, 0), (500, 0)],
        ]
    )
    net = prepare_network(gdf, prepare="none")
    opts = {"radii": [600], "measures": ["node_count", "total_depth"]}
    catchment = segment_analysis(net, **opts)
    route = segment_analysis(net, radius_mode="route", **opts)
    assert catchment.node_count_angular_r600[0] == 6
    assert catchment.total_depth_angular_r600[0] == pytest.approx(4)
    assert route.node_count_angular_r600[0] == 5
    assert route.total_depth_angular_r600[0] == pytest.approx(6)
    assert (catchment.node_count_angular_r600 >= route.node_count_angular_r600).all()


# --- peers ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tiny", "grid", "irregular"])
def test_tulip_1024_at_radius_n_equals_depthmapx(name):
    """depthmapX 0.8 tulip 1024 at radius n: node count, total depth, integration,
    reach length and the length-weighted totals, to float32 precision."""
    net = read_network(PEERS / f"{name}.gpkg", prepare="none")
    res = segment_analysis(
        net,
        radii="n",
        tulip_bins=1024,
        measures=[
            "node_count",
            "total_depth",
            "integration",
            "reach_length",
            "total_depth_wl",
            "integration_wl",
        ],
    )
    dmx = pd.read_csv(PEERS / f"depthmapx_{name}.csv").set_index("id").loc[res["id"]]
    alone = dmx["T1024 Node Count"].to_numpy() <= 1  # depthmapX writes -1 there, we NaN
    np.testing.assert_array_equal(res.node_count_angular_rn, dmx["T1024 Node Count"])
    pairs = {
        "total_depth_angular_rn": "T1024 Total Depth",
        "integration_angular_rn": "T1024 Integration",
        "reach_length_angular_rn": "T1024 Total Segment Length",
        "total_depth_wl_angular_rn": "T1024 Total Depth [Segment Length Wgt]",
        "integration_wl_angular_rn": "T1024 Integration [Segment Length Wgt]",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(
            res[ours][~alone], dmx[theirs][~alone], rtol=2e-6, atol=1e-5, err_msg=ours
        )
        if ours != "reach_length_angular_rn":
            assert res[ours][alone].isna().all()


@pytest.mark.parametrize("name", ["tiny", "grid", "irregular"])
def test_metric_catchment_equals_pst_reach(name):
    """PST's Reach (segments and length within R by the shortest route) equals our
    metric node count and reach length at R = 100, 300, 600 m."""
    net = read_network(PEERS / f"{name}.gpkg", prepare="none")
    res = segment_analysis(
        net, cost="metric", radii=[100, 300, 600], measures=["node_count", "reach_length"]
    )
    pst = pd.read_csv(PEERS / f"pst_{name}.csv").set_index("id").loc[res["id"]]
    for r in (100, 300, 600):
        np.testing.assert_array_equal(res[f"node_count_metric_r{r}"], pst[f"Rw{r}N"])
        np.testing.assert_allclose(res[f"reach_length_metric_r{r}"], pst[f"Rw{r}L"], rtol=1e-6)


def test_angular_choice_on_tiny_equals_pst():
    """On the hand-drawn network PST's tie splitting is exact: choice and
    length-weighted choice at radius n agree with PST's."""
    net = read_network(PEERS / "tiny.gpkg", prepare="none")
    res = segment_analysis(net, radii="n", measures=["choice", "choice_wl", "node_count"])
    pst = pd.read_csv(PEERS / "pst_tiny.csv").set_index("id").loc[res["id"]]
    np.testing.assert_allclose(res.node_count_angular_rn, pst.AIN)
    np.testing.assert_allclose(res.choice_angular_rn, pst.AC, rtol=1e-6)
    np.testing.assert_allclose(res.choice_wl_angular_rn, pst.ACwl, rtol=1e-6)


# --- properties ------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nx_=st.integers(3, 5), ny_=st.integers(3, 5))
def test_integration_is_invariant_to_segment_order(seed, nx_, ny_):
    coords = grid_state_graph(nx_, ny_, spacing=50.0, jitter=8.0, seed=seed)[4]
    lines = [[tuple(a), tuple(b)] for a, b in coords]
    gdf = gpd.GeoDataFrame(
        {"key": range(len(lines))},
        geometry=gpd.GeoSeries.from_wkt(
            [f"LINESTRING ({a[0]} {a[1]}, {b[0]} {b[1]})" for a, b in lines]
        ),
        crs="EPSG:3006",
    )
    perm = np.random.default_rng(seed).permutation(len(gdf))
    opts = {"radii": "120,n", "cost": "angular,metric", "measures": ["integration", "choice"]}
    a = segment_analysis(prepare_network(gdf, prepare="none"), **opts).set_index("key")
    b = (
        segment_analysis(prepare_network(gdf.iloc[perm], prepare="none"), **opts)
        .set_index("key")
        .loc[a.index]
    )
    cols = [c for c in a.columns if c.startswith(("integration", "choice"))]
    np.testing.assert_allclose(
        a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-9, equal_nan=True
    )


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_radius_n_equals_a_radius_beyond_the_diameter_and_catchment_covers_route(seed):
    lengths, src, dst, turn, _ = grid_state_graph(4, 4, spacing=70.0, jitter=15.0, seed=seed)
    g = state_graph(lengths, src, dst, turn)
    big = 1e6
    for cost in ("angular", "steps"):
        res = segment_measures(g, cost=cost, radii=[150.0, big, math.inf])
        for name in MEASURE_NAMES:
            np.testing.assert_allclose(
                res[f"{name}_{cost}_r{int(big)}"],
                res[f"{name}_{cost}_rn"],
                rtol=1e-12,
                equal_nan=True,
            )
        route = segment_measures(
            g, cost=cost, radii=[150.0], radius_mode="route", measures=["node_count"]
        )
        assert (res[f"node_count_{cost}_r150"] >= route[f"node_count_{cost}_r150"]).all()


def test_results_do_not_depend_on_threads_or_batch_size():
    lengths, src, dst, turn, _ = grid_state_graph(6, 6, spacing=60.0, jitter=10.0, seed=9)
    g = state_graph(lengths, src, dst, turn)
    base = segment_measures(g, radii=[100.0, math.inf], threads=1, batch_size=1000)
    for threads, batch in [(2, 7), (2, 1), (1, 5)]:
        other = segment_measures(g, radii=[100.0, math.inf], threads=threads, batch_size=batch)
        for col, values in base.items():
            if col.startswith(("choice", "nach")):
                # sums over origins: only the order of additions changes
                np.testing.assert_allclose(other[col], values, rtol=1e-12, err_msg=col)
            else:
                np.testing.assert_array_equal(other[col], values, err_msg=col)


# --- interface -----------------------------------------------------------------


def test_columns_keep_the_input_attributes_and_follow_the_naming():
    gdf = _detour_network()
    gdf["name"] = list("abcdef")
    res = segment_analysis(
        prepare_network(gdf, prepare="none"), cost=["angular", "metric"], radii=[400, "n"]
    )
    assert list(res["name"]) == list("abcdef")
    for cost in ("angular", "metric"):
        for r in ("400", "n"):
            for m in MEASURE_NAMES:
                assert f"{m}_{cost}_r{r}" in res.columns
    assert res.crs.to_epsg() == 3006


def test_cancel_stops_between_batches():
    lengths, src, dst, turn, _ = grid_state_graph(6, 6, spacing=60.0, jitter=10.0, seed=9)
    g = state_graph(lengths, src, dst, turn)
    progress = Progress()
    seen = []

    def update(label, done, total):
        seen.append(done)
        if done >= 10:
            progress.cancel()

    progress._on_update = update
    with pytest.raises(CancelledError):
        segment_measures(g, batch_size=10, progress=progress)
    assert max(seen) < g.n_segments


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cost": "euclid"}, "unknown cost"),
        ({"radii": "400,far"}, "radius 'far'"),
        ({"radii": "-5"}, "must be positive"),
        ({"weight": "population"}, "weight column 'population' is not in the network"),
        ({"measures": ["integration", "charm"]}, "unknown measures"),
        ({"radius_mode": "circle"}, "unknown radius_mode"),
        ({"tulip_bins": 7}, "tulip_bins"),
    ],
)
def test_bad_options_are_named(kwargs, match):
    net = prepare_network(_detour_network(), prepare="none")
    with pytest.raises(InputError, match=match):
        segment_analysis(net, **kwargs)


def test_weight_column_weights_counts():
    gdf = _detour_network()
    gdf["pop"] = [1, 2, 3, 4, 5, 6]
    net = prepare_network(gdf, prepare="none")
    res = segment_analysis(net, weight="pop", radii="n", measures=["node_count"])
    np.testing.assert_array_equal(res.node_count_angular_rn, 21)

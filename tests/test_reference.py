"""Tests of the brute-force oracle itself, on networks small enough to derive by hand.

Notation in the sketches: ``o`` marks a junction, numbers are segment indices, ``[L]`` a
length in metres, ``<θ>`` a turn in degrees off straight-on. Segment end 0 is written
first in each join ``(i, end_i, j, end_j, turn)``.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import (
    COSTS,
    MEASURE_NAMES,
    grid_state_graph,
    joins_to_transitions,
    reference_depths,
    reference_measures,
)

NAN = math.nan


def measures(lengths, joins, **options):
    src, dst, turn = joins_to_transitions(joins)
    return reference_measures(lengths, src, dst, turn, **options)


def assert_columns(result, **expected):
    for name, values in expected.items():
        np.testing.assert_allclose(
            result[name],
            np.asarray(values, dtype=float),
            rtol=1e-12,
            atol=1e-12,
            equal_nan=True,
            err_msg=name,
        )


# --------------------------------------------------------------------------- line
LINE_LENGTHS = [10.0, 20.0, 30.0]
LINE_JOINS = [(0, 1, 1, 0, 0.0), (1, 1, 2, 0, 0.0)]


def test_line_angular():
    """Three collinear segments: every move is straight on, so every depth is 0.

        0 [10]   1 [20]   2 [30]
       o------o--------o------------o
              <0>      <0>

    Angular from any origin: depths 0, 0 → node_count 3, total_depth 0, mean 0/2 = 0,
    integration 9/0 undefined (NaN), nain 3^1.2/(0+2), harmonic 1/(0+1)·2 = 2.
    Choice: 1 lies between 0 and 2 on the only route, in both directions → 2; nach(1) =
    log 3 / log(0+3) = 1. total_depth_wl 0 → integration_wl NaN.
    choice_wl: 1 gets 10·30 from (0,2) and (2,0) = 600, plus half of each pair it ends:
    (0,1),(1,0): 2·100, (1,2),(2,1): 2·300 → 1400. Segment 0 ends pairs with 1 (2·100)
    and 2 (2·150) → 500; segment 2: 2·150 + 2·300 → 900.
    """
    result = measures(LINE_LENGTHS, LINE_JOINS, cost="angular", radius=None)
    assert_columns(
        result,
        node_count=[3, 3, 3],
        total_depth=[0, 0, 0],
        mean_depth=[0, 0, 0],
        integration=[NAN] * 3,
        nain=[3**1.2 / 2] * 3,
        choice=[0, 2, 0],
        nach=[0, 1, 0],
        reach_length=[60, 60, 60],
        total_depth_wl=[0, 0, 0],
        integration_wl=[NAN] * 3,
        choice_wl=[500, 1400, 900],
        harmonic=[2, 2, 2],
    )


def test_line_metric_steps_time():
    """The same line with metric, steps and time costs.

        0 [10]   1 [20]   2 [30]
       o------o--------o------------o

    Metric, midpoint to midpoint: 0→1 = (10+20)/2 = 15, 1→2 = (20+30)/2 = 25, 0→2 = 40.
    total_depth: 0: 15+40 = 55, 1: 15+25 = 40, 2: 25+40 = 65; mean = TD/2.
    total_depth_wl: 0: 20·15 + 30·40 = 1500, 1: 10·15 + 30·25 = 900, 2: 20·25 + 10·40 = 900;
    integration_wl = 60²/TD_wl. Harmonic 0: 1/15 + 1/40 (plain 1/depth for metric).
    Steps: 0: 1+2 = 3, 1: 1+1 = 2, 2: 3; harmonic 0 = 1/2 + 1/3 (depth + 1).
    Time: metric / 1.3 m/s / 60 → minutes.
    """
    metric = measures(LINE_LENGTHS, LINE_JOINS, cost="metric", radius="n")
    assert_columns(
        metric,
        total_depth=[55, 40, 65],
        mean_depth=[27.5, 20, 32.5],
        integration=[9 / 55, 9 / 40, 9 / 65],
        nain=[3**1.2 / 57, 3**1.2 / 42, 3**1.2 / 67],
        choice=[0, 2, 0],
        nach=[0, math.log(3) / math.log(43), 0],
        total_depth_wl=[1500, 900, 900],
        integration_wl=[3600 / 1500, 4, 4],
        harmonic=[1 / 15 + 1 / 40, 1 / 15 + 1 / 25, 1 / 25 + 1 / 40],
        choice_wl=[500, 1400, 900],
    )
    steps = measures(LINE_LENGTHS, LINE_JOINS, cost="steps", radius=None)
    assert_columns(
        steps,
        total_depth=[3, 2, 3],
        integration=[3, 4.5, 3],
        harmonic=[1 / 2 + 1 / 3, 1, 1 / 2 + 1 / 3],
        total_depth_wl=[20 + 60, 10 + 30, 20 + 20],
    )
    time = measures(LINE_LENGTHS, LINE_JOINS, cost="time", radius=None, speed_m_per_s=1.3)
    per_minute = 1.3 * 60
    assert_columns(
        time,
        total_depth=np.array([55, 40, 65]) / per_minute,
        harmonic=[
            per_minute * (1 / 15 + 1 / 40),
            per_minute * (1 / 15 + 1 / 25),
            per_minute * (1 / 25 + 1 / 40),
        ],
        choice=[0, 2, 0],
    )


# --------------------------------------------------------------------------- plus
def test_plus_crossing():
    """Four arms of 10 m meeting at one junction: two straight pairs.

                 0
                 |
           3 ----o---- 1        0–2 and 1–3 straight <0>, every other pair <90>
                 |
                 2

    Angular from any arm: its opposite arm 0, the two side arms 1 each → total_depth 2,
    node_count 4, mean 2/3, integration 16/2 = 8, nain 4^1.2/4, harmonic 1 + ½ + ½ = 2.
    No segment lies between any two arms → choice 0, nach 0. choice_wl: each arm ends 6
    ordered pairs, half of 10·10 each → 300. total_depth_wl = 10·2 → integration_wl
    40²/20 = 80. Metric: every other arm is 10 m away → total_depth 30.
    """
    joins = [
        (0, 0, 2, 0, 0.0),
        (1, 0, 3, 0, 0.0),
        (0, 0, 1, 0, 90.0),
        (0, 0, 3, 0, 90.0),
        (2, 0, 1, 0, 90.0),
        (2, 0, 3, 0, 90.0),
    ]
    angular = measures([10.0] * 4, joins, cost="angular", radius=None)
    assert_columns(
        angular,
        node_count=[4] * 4,
        total_depth=[2] * 4,
        mean_depth=[2 / 3] * 4,
        integration=[8] * 4,
        nain=[4**1.2 / 4] * 4,
        choice=[0] * 4,
        nach=[0] * 4,
        reach_length=[40] * 4,
        total_depth_wl=[20] * 4,
        integration_wl=[80] * 4,
        choice_wl=[300] * 4,
        harmonic=[2] * 4,
    )
    metric = measures([10.0] * 4, joins, cost="metric", radius=None)
    assert_columns(metric, total_depth=[30] * 4, harmonic=[0.3] * 4, choice=[0] * 4)


# --------------------------------------------------------------------------- T
def test_t_junction_with_two_segment_stem():
    """A T: bar 0–1 straight, stem 2 at right angles, 3 continuing the stem.

        0 [10]     1 [10]
       o-------o-------o        0–1 <0>, 0–2 <90>, 1–2 <90>, 2–3 <0>
               |
               | 2 [20]
               o
               | 3 [20]
               o

    Angular: from 0: 1 at 0, 2 at 1, 3 at 1 (straight on from 2) → TD 2; from 2: 0, 1
    at 1, 3 at 0 → TD 2; likewise 1 and 3 → TD 2 everywhere, harmonic 1 + ½ + ½ = 2.
    Choice: only 2 lies between anything: (0,3), (3,0), (1,3), (3,1) → 4; nach(2) =
    log 5 / log(2+3) = 1. Metric from 0: 1 at 10, 2 at 15, 3 at 15+20 = 35 → TD 60;
    from 2: 15 + 15 + 20 = 50; from 3: 20 + 35 + 35 = 90.
    choice_wl(2): between on 2·(10·20) + 2·(10·20) = 800, plus halves of the pairs it
    ends: with 0 and 1: 2·2·(20·10/2) = 400, with 3: 2·(20·20/2) = 400 → 1600.
    """
    lengths = [10.0, 10.0, 20.0, 20.0]
    joins = [(0, 1, 1, 0, 0.0), (0, 1, 2, 0, 90.0), (1, 0, 2, 0, 90.0), (2, 1, 3, 0, 0.0)]
    angular = measures(lengths, joins, cost="angular", radius=None)
    assert_columns(
        angular,
        total_depth=[2] * 4,
        harmonic=[2] * 4,
        choice=[0, 0, 4, 0],
        nach=[0, 0, 1, 0],
    )
    assert angular["choice_wl"][2] == pytest.approx(1600)
    metric = measures(lengths, joins, cost="metric", radius=None)
    assert_columns(metric, total_depth=[60, 60, 50, 90], choice=[0, 0, 4, 0])


# --------------------------------------------------------------------------- ring
RING_LENGTHS = [10.0, 20.0, 10.0, 20.0]
RING_JOINS = [(0, 1, 1, 0, 90.0), (1, 1, 2, 0, 90.0), (2, 1, 3, 0, 90.0), (3, 1, 0, 0, 90.0)]


def test_ring_of_four_splits_ties():
    """A rectangular block of four segments, right angles at the corners.

          0 [10]
        o-------o
        |       |
      3 |[20]   | 1 [20]
        |       |
        o-------o
          2 [10]

    Angular from 0: 1 and 3 at 1, 2 at 2 by two routes (via 1 and via 3, arriving in
    each of 2's two directions) → TD 4, NC 4, mean 4/3, integration 4, harmonic
    ½ + ½ + ⅓. Each pair of opposite sides splits ½ / ½ over the two sides between,
    both ways → every segment's choice = 2·½ + ... = 1 (from (1,3) and (3,1) for 0);
    nach = log 2 / log 7. Metric from 0: 1 and 3 at 15, 2 at 30 either way → TD 60, the
    same tie and the same choice. choice_wl(0): between (1,3),(3,1) at ½ → 20·20 = 400,
    ends: with 1 and 3: 2·2·(10·20/2) = 400, with 2: 2·(10·10/2) = 100 → 900;
    choice_wl(1): between (0,2),(2,0) at ½ → 100, ends with 0 and 2 → 400, with 3 →
    400 → 900.
    """
    angular = measures(RING_LENGTHS, RING_JOINS, cost="angular", radius=None)
    assert_columns(
        angular,
        node_count=[4] * 4,
        total_depth=[4] * 4,
        mean_depth=[4 / 3] * 4,
        integration=[4] * 4,
        harmonic=[4 / 3] * 4,
        choice=[1] * 4,
        nach=[math.log(2) / math.log(7)] * 4,
        choice_wl=[900] * 4,
    )
    metric = measures(RING_LENGTHS, RING_JOINS, cost="metric", radius=None)
    assert_columns(metric, total_depth=[60] * 4, choice=[1] * 4)


def test_zero_cost_cycle_counts_simple_routes():
    """The same block with steps and a 100° threshold: every move is free.

        o---0---o
        |       |       all turns <90> < 100 → cost 0, a zero-cost cycle
        3       1
        |       |
        o---2---o

    All depths 0. The least-cost routes are the simple ones (no state twice, origin only
    at the start, destination only at the end). From 0: to 1 directly or round 3, 2
    (½ each to 3 and 2); to 2 via 1 or via 3 (½ each); to 3 directly or round 1, 2 (½ each
    to 1 and 2). So each other segment gets ½ + ½ = 1 per origin, from 3 origins → 3.
    With threshold 0 (every move counts) it is the angular case: choice 1.
    """
    free = measures(RING_LENGTHS, RING_JOINS, cost="steps", radius=None, step_threshold_deg=100)
    assert_columns(free, total_depth=[0] * 4, choice=[3] * 4, harmonic=[3] * 4)
    counted = measures(RING_LENGTHS, RING_JOINS, cost="steps", radius=None)
    assert_columns(counted, total_depth=[4] * 4, choice=[1] * 4)


def test_turning_loop_credits_a_segment_once_per_route():
    r"""Steps with a 45° threshold: turning round a loop beats one sharp turn.

                                   2
                              .-----------o P
            0           1    /            |
        o-------o J---------o K           | 3
               /             \            |
            5 /               `-----------o Q
             o                     4

    At J: 0–1 straight (0°), 0–5 150° (a step), 1–5 30°. At K: 1–2 30°, 1–4 30°,
    2–4 100°; 2–3 40° at P, 3–4 40° at Q. 0 → 5 directly costs 1 step; going on along
    1, round the loop either way (2, 3, 4 or 4, 3, 2) and back along 1 into 5 turns
    only below 45° → 0 steps. So two routes, each crossing 1 in both directions and
    each of 2, 3, 4 once. With weights on 0 and 5 only, both ways: choice 2 on each of
    1, 2, 3, 4 (a segment counts once per route, not once per direction); depth 0.
    """
    joins = [
        (0, 1, 1, 0, 0.0),
        (0, 1, 5, 0, 150.0),
        (1, 0, 5, 0, 30.0),
        (1, 1, 2, 0, 30.0),
        (1, 1, 4, 1, 30.0),
        (2, 0, 4, 1, 100.0),
        (2, 1, 3, 0, 40.0),
        (3, 1, 4, 0, 40.0),
    ]
    result = measures(
        [50.0, 100.0, 30.0, 30.0, 30.0, 50.0],
        joins,
        cost="steps",
        radius=None,
        step_threshold_deg=45.0,
        weights=_pair_weights(6, 0, 5),
    )
    assert_columns(result, choice=[0, 2, 2, 2, 2, 0])
    assert result["total_depth"][0] == 0
    assert result["node_count"][0] == 2


def _pair_weights(n, *segments):
    weights = np.zeros(n)
    weights[list(segments)] = 1.0
    return weights


# --------------------------------------------------------------------------- grid
def test_grid_state_graph_structure():
    """3×3 junctions 100 m apart, no jitter: 6 horizontal + 6 vertical segments.

        4 ---- 5          segments: horizontal row by row 0..5, vertical column by
        |7  |9  |11       column 6..11 (6, 7 on x = 0; 8, 9 on x = 1; 10, 11 on x = 2)
        2 ---- 3
        |6  |8  |10
        0 ---- 1

    Transitions: a junction of degree k has k(k−1): 4 corners · 2 + 4 edge middles · 6
    + centre 12 = 44. Straight (0°): 2 per edge middle and 4 at the centre = 12; the other
    32 are right angles. Every transition has its reverse with the same turn.
    """
    lengths, src, dst, turn, xy = grid_state_graph(3, 3, 100.0, 0.0, 0)
    assert lengths.shape == (12,)
    assert xy.shape == (12, 2, 2)
    np.testing.assert_allclose(lengths, 100.0)
    assert src.size == dst.size == turn.size == 44
    assert sorted(np.unique(turn).tolist()) == [0.0, 90.0]
    assert int(np.sum(turn == 0.0)) == 12
    forward = {(s, d): t for s, d, t in zip(src.tolist(), dst.tolist(), turn.tolist(), strict=True)}
    for (s, d), t in forward.items():
        assert forward[(d ^ 1, s ^ 1)] == t
    np.testing.assert_allclose(xy[0], [[0, 0], [100, 0]])
    np.testing.assert_allclose(xy[6], [[0, 0], [0, 100]])

    jittered = grid_state_graph(3, 3, 100.0, 10.0, 7)
    again = grid_state_graph(3, 3, 100.0, 10.0, 7)
    for a, b in zip(jittered, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all((jittered[0] > 100 - 2 * 10 * math.sqrt(2)) & (jittered[0] < 100 + 40))
    assert np.all((jittered[3] > 0) & (jittered[3] < 180))


def test_grid_equal_cost_routes_split_choice():
    """2×2 blocks; weights 1 on 0 and 4 only, so choice holds just the pairs (0,4), (4,0).

        o--4---o--5---o
        |7     |9     |11
        o--2---o--3---o
        |6     |8     |10
        o--0---o--1---o

    Angular (and steps with a 45° threshold, counting only the right angles): 0 → 4 takes
    two turns by three routes: up column x=0 (6, 7), up column x=1 (8, 9), or straight
    on along 1, up 10, 11, left into 5 and straight on into 4. Each carries ⅓, both ways →
    2/3 for 6, 7, 8, 9, 1, 10, 11, 5; 2 and 3 get nothing (a third turn). 4 is reached in
    both its directions (east-bound via column 0, west-bound otherwise): both count.
    Metric (and steps without threshold): three moves of 100 m by the first two routes
    only (the third has five moves) → 2·½ = 1 for 6, 7, 8, 9.
    Weighted node_count from 0: w(0) + w(4) = 2; angular total_depth 1·2 = 2, mean 2/1.
    """
    lengths, src, dst, turn, _ = grid_state_graph(3, 3, 100.0, 0.0, 0)
    weights = _pair_weights(12, 0, 4)
    by_three = np.zeros(12)
    by_three[[6, 7, 8, 9, 1, 10, 11, 5]] = 2 / 3
    by_two = np.zeros(12)
    by_two[[6, 7, 8, 9]] = 1.0
    for options, expected in [
        ({"cost": "angular"}, by_three),
        ({"cost": "steps", "step_threshold_deg": 45.0}, by_three),
        ({"cost": "metric"}, by_two),
        ({"cost": "steps"}, by_two),
    ]:
        result = reference_measures(
            lengths, src, dst, turn, radius=None, weights=weights, **options
        )
        np.testing.assert_allclose(result["choice"], expected, atol=1e-12, err_msg=str(options))
    angular = reference_measures(
        lengths, src, dst, turn, cost="angular", radius=None, weights=weights
    )
    assert angular["node_count"][0] == 2
    assert angular["total_depth"][0] == 2
    assert angular["mean_depth"][0] == 2


def test_grid_metric_symmetry_and_choice_total():
    """2×2 blocks, metric, unit weights: symmetry and a count of route segments.

        o--4---o--5---o
        |7     |9     |11       inner segments (touching the centre): 2, 3, 8, 9
        o--2---o--3---o         outer: the other 8
        |6     |8     |10
        o--0---o--1---o

    The square's symmetries map inner to inner and outer to outer segments, so choice
    and total depth take one value on each class. Every move costs 100 m, so each
    least-cost route o → d has depth/100 moves and depth/100 − 1 segments strictly between;
    summing over routes, Σ_v choice(v) = Σ_o (TD(o)/100 − 11).
    """
    lengths, src, dst, turn, _ = grid_state_graph(3, 3, 100.0, 0.0, 0)
    result = reference_measures(lengths, src, dst, turn, cost="metric", radius=None)
    inner = [2, 3, 8, 9]
    outer = [0, 1, 4, 5, 6, 7, 10, 11]
    for name in ("choice", "total_depth", "choice_wl"):
        for group in (inner, outer):
            np.testing.assert_allclose(result[name][group], result[name][group[0]], rtol=1e-12)
    assert result["choice"].sum() == pytest.approx((result["total_depth"] / 100 - 11).sum())
    assert result["choice"][inner[0]] > result["choice"][outer[0]]


# --------------------------------------------------------------------------- radius
DETOUR_LENGTHS = [10.0, 10.0, 10.0, 100.0]
DETOUR_JOINS = [
    # J1: ends 0.1, 1.0, 3.0
    (0, 1, 1, 0, 90.0),
    (0, 1, 3, 0, 10.0),
    (1, 0, 3, 0, 100.0),
    # J2: ends 1.1, 3.1, 2.0
    (1, 1, 2, 0, 90.0),
    (3, 1, 2, 0, 10.0),
    (1, 1, 3, 1, 100.0),
]


def test_radius_catchment_cuts_out_the_angular_shortcut():
    """A short road with two right angles beside a long, almost straight detour.

                  1 [10]
        0 [10]   .-------.   2 [10]
       o--------J1       J2--------o      0–1 <90>, 1–2 <90>, 0–3 <10>, 3–2 <10>,
                 `-------'                1–3 <100> at both J1 and J2
                  3 [100]

    Metric from 0: 1 at (10+10)/2 = 10, 2 at 10 + 10 = 20, 3 at (10+100)/2 = 55.
    Radius 20 (inclusive) → catchment {0, 1, 2}: angular depths 1 → 1, 2 → 2 via 1
    (3 is cut out) → TD 3. Radius 19.99 → {0, 1}: TD 1. Radius n: 3 at 10/90, 2 at
    20/90 via 3, 1 at 1 (via 3 would be 110/90) → TD 4/3.
    Choice r20: 1 between 0 and 2, from 0 (catchment {0,1,2}) and from 2 (2 → 1 at 10,
    0 at 20, 3 at 55) → 2; from 3 nothing else is within 20 (all at 55) → node_count 1,
    depth measures NaN, harmonic 0. Choice rn: 0 ↔ 2 go round 3 → choice(3) = 2.
    """
    r20 = measures(DETOUR_LENGTHS, DETOUR_JOINS, cost="angular", radius=20.0)
    assert_columns(
        r20,
        node_count=[3, 3, 3, 1],
        total_depth=[3, 2, 3, NAN],
        mean_depth=[1.5, 1, 1.5, NAN],
        integration=[3, 4.5, 3, NAN],
        nain=[3**1.2 / 5, 3**1.2 / 4, 3**1.2 / 5, NAN],
        choice=[0, 2, 0, 0],
        nach=[0, math.log(3) / math.log(5), 0, NAN],
        reach_length=[30, 30, 30, 100],
        total_depth_wl=[30, 20, 30, NAN],
        integration_wl=[30, 45, 30, NAN],
        harmonic=[1 / 2 + 1 / 3, 1, 1 / 2 + 1 / 3, 0],
    )
    just_short = measures(DETOUR_LENGTHS, DETOUR_JOINS, cost="angular", radius=19.99)
    assert just_short["node_count"][0] == 2
    assert just_short["total_depth"][0] == pytest.approx(1)
    whole = measures(DETOUR_LENGTHS, DETOUR_JOINS, cost="angular", radius="n")
    assert whole["total_depth"][0] == pytest.approx(1 + 10 / 90 + 20 / 90)
    assert_columns(whole, node_count=[4] * 4, choice=[0, 0, 0, 2])


@pytest.mark.parametrize("cost", COSTS)
def test_radius_n_equals_radius_beyond_the_diameter(cost):
    """Jittered 3×3-junction grid: no two midpoints are more than ~500 m apart by road.

    Radius 10 km therefore holds the whole grid for every origin, and must give the same
    numbers as radius n (spelt None and "n"), and as route mode at radius n.
    """
    lengths, src, dst, turn, _ = grid_state_graph(3, 3, 100.0, 15.0, 3)
    whole = reference_measures(lengths, src, dst, turn, cost=cost, radius=None)
    for radius, mode in [("n", "catchment"), (10_000.0, "catchment"), ("n", "route")]:
        other = reference_measures(
            lengths, src, dst, turn, cost=cost, radius=radius, radius_mode=mode
        )
        for name in MEASURE_NAMES:
            np.testing.assert_allclose(
                other[name],
                whole[name],
                rtol=1e-12,
                equal_nan=True,
                err_msg=f"{name} {radius} {mode}",
            )
    np.testing.assert_allclose(whole["node_count"], 12)


# --------------------------------------------------------------------------- tulip
def test_tulip_binning():
    """A chain turning 30° and then 0.3°, in exact angles and with 1024 tulip bins.

        0 [10]   1 [10]   2 [10]
       o------o<30>---o<0.3>---o

    tb = 1024/2 + 1 = 513; a turn θ costs floor(θ·513/180) steps, a depth is steps/256.
    30° → floor(85.5) = 85 → 85/256; 0.3° → floor(0.855) = 0, a free move; 90° →
    floor(256.5) = 256 → exactly 1; 60° → floor(171.0) = 171 (not 170 by rounding).
    From 0: 1 and 2 at 85/256 → TD 170/256, harmonic 2/(1 + 85/256); from 1: 0 at
    85/256, 2 at 0 → TD 85/256. Exact angles from 0: 1 at 30/90, 2 at 30.3/90.
    """
    joins = [(0, 1, 1, 0, 30.0), (1, 1, 2, 0, 0.3)]
    tulip = measures([10.0] * 3, joins, cost="angular", radius=None, tulip_bins=1024)
    assert tulip["total_depth"][0] == pytest.approx(170 / 256)
    assert tulip["harmonic"][0] == pytest.approx(2 / (1 + 85 / 256))
    assert tulip["total_depth"][1] == 85 / 256
    exact = measures([10.0] * 3, joins, cost="angular", radius=None)
    assert exact["total_depth"][0] == pytest.approx((30 + 30.3) / 90)
    right = measures([10.0] * 2, [(0, 1, 1, 0, 90.0)], cost="angular", radius=None, tulip_bins=1024)
    assert right["total_depth"][0] == 1.0
    sixty = measures([10.0] * 2, [(0, 1, 1, 0, 60.0)], cost="angular", radius=None, tulip_bins=1024)
    assert sixty["total_depth"][0] == 171 / 256


def test_tulip_ties_are_exact():
    """Two routes 0 → 4 whose turns add to one right angle; weights on 0 and 4 only.

               1 [10]
          .--<30>----------.<60>
       0 J1                  J2---- 4
          `--<90>---.<0>----'<0>
              2 [10]   3 [10]

    Via 1: 30° + 60° → 85 + 171 = 256 steps; via 2, 3: 90° + 0 + 0 → 256 steps. An exact
    tie in integers, so each route carries ½ both ways → choice 1 on 1, 2 and 3, and
    depth(0 → 4) = 1. With exact angles 30/90 + 60/90 = 90/90 within the tolerance: the
    same split. (1–2 at J1 and 1–3 at J2 turn 120°.)
    """
    joins = [
        (0, 1, 1, 0, 30.0),
        (0, 1, 2, 0, 90.0),
        (1, 0, 2, 0, 120.0),
        (2, 1, 3, 0, 0.0),
        (1, 1, 4, 0, 60.0),
        (3, 1, 4, 0, 0.0),
        (1, 1, 3, 1, 120.0),
    ]
    weights = _pair_weights(5, 0, 4)
    for bins in (1024, 0):
        result = measures(
            [10.0] * 5, joins, cost="angular", radius=None, tulip_bins=bins, weights=weights
        )
        assert_columns(result, choice=[0, 1, 1, 1, 0])
        assert result["total_depth"][0] == pytest.approx(1.0)


def test_exact_angle_ties_use_a_tolerance():
    """Two routes 0 → 5 that both turn one right angle to the left; weights on 0 and 5.

               1         2
          .--<1>----.<49>----.<40>
       0 J1                   J2---- 5
          `--<90>---.<0>-----'<0>
               3         4

    In real numbers 1/90 + 49/90 + 40/90 = 1 = 90/90 + 0 + 0, as for any two routes
    whose turns all go the same way (their sum is the net change of heading); in floats
    the first sum is 0.9999999999999999. Within the tolerance they tie, so each carries ½
    both ways → choice 1 on 1, 2, 3 and 4. (Turns 1–3 at J1 91°, 2–4 at J2 140°.)
    """
    assert 1 / 90 + 49 / 90 + 40 / 90 != 90 / 90
    joins = [
        (0, 1, 1, 0, 1.0),
        (0, 1, 3, 0, 90.0),
        (1, 0, 3, 0, 91.0),
        (1, 1, 2, 0, 49.0),
        (3, 1, 4, 0, 0.0),
        (2, 1, 5, 0, 40.0),
        (4, 1, 5, 0, 0.0),
        (2, 1, 4, 1, 140.0),
    ]
    result = measures(
        [10.0] * 6, joins, cost="angular", radius=None, weights=_pair_weights(6, 0, 5)
    )
    assert_columns(result, choice=[0, 1, 1, 1, 1, 0])
    assert result["total_depth"][0] == pytest.approx(1.0)


# --------------------------------------------------------------------------- weights
def test_weights():
    """The 10/20/30 m line with weights 2, 1, 3 and metric cost.

        0 [10] w2   1 [20] w1   2 [30] w3
       o---------o------------o---------------o

    node_count = 2+1+3 = 6 everywhere. total_depth: 0: 1·15 + 3·40 = 135, 1: 2·15 + 3·25
    = 105, 2: 1·25 + 2·40 = 105. mean = TD/(6 − w(o)): 135/4, 105/5, 105/3 (the weighted
    mean over the others). integration 36/TD; nain 6^1.2/(TD+2). harmonic 0: 1/15 + 3/40.
    choice(1) = w(0)·w(2), both ways = 12. The length-weighted family ignores weights:
    reach 60, TD_wl 1500/900/900, choice_wl 500/1400/900 as without weights.
    """
    result = measures(LINE_LENGTHS, LINE_JOINS, cost="metric", radius=None, weights=[2.0, 1.0, 3.0])
    assert_columns(
        result,
        node_count=[6, 6, 6],
        total_depth=[135, 105, 105],
        mean_depth=[135 / 4, 105 / 5, 105 / 3],
        integration=[36 / 135, 36 / 105, 36 / 105],
        nain=[6**1.2 / 137, 6**1.2 / 107, 6**1.2 / 107],
        choice=[0, 12, 0],
        nach=[0, math.log(13) / math.log(108), 0],
        harmonic=[1 / 15 + 3 / 40, 2 / 15 + 3 / 25, 1 / 25 + 2 / 40],
        reach_length=[60, 60, 60],
        total_depth_wl=[1500, 900, 900],
        choice_wl=[500, 1400, 900],
    )


# --------------------------------------------------------------------------- steps
@pytest.mark.parametrize(
    ("threshold", "depths"),
    [(0.0, [1, 2, 3]), (30.0, [0, 1, 2]), (45.0, [0, 0, 1]), (91.0, [0, 0, 0])],
)
def test_steps_threshold(threshold, depths):
    """A chain of four turning 0°, 30°, 90°; a move counts when turn >= threshold.

        0     1       2       3
       o---o<0>---o<30>---o<90>---o

    Depths of 1, 2, 3 from 0: threshold 0 → 1, 2, 3 (every move); 30 → 0, 1, 2 (30 counts,
    inclusive); 45 → 0, 0, 1; 91 → all 0, so integration is undefined (NaN).
    harmonic = Σ 1/(depth + 1).
    """
    joins = [(0, 1, 1, 0, 0.0), (1, 1, 2, 0, 30.0), (2, 1, 3, 0, 90.0)]
    result = measures([10.0] * 4, joins, cost="steps", radius=None, step_threshold_deg=threshold)
    assert result["total_depth"][0] == sum(depths)
    assert result["harmonic"][0] == pytest.approx(sum(1 / (d + 1) for d in depths))
    if sum(depths) == 0:
        assert math.isnan(result["integration"][0])
    else:
        assert result["integration"][0] == pytest.approx(16 / sum(depths))


# --------------------------------------------------------------------------- inputs
def test_invalid_input_is_refused():
    """Bad options raise ValueError; route mode at a finite radius is not implemented."""
    src, dst, turn = joins_to_transitions(LINE_JOINS)
    call = {"lengths": LINE_LENGTHS, "src_state": src, "dst_state": dst, "turn_deg": turn}
    with pytest.raises(ValueError, match="cost"):
        reference_measures(**call, cost="crow", radius=None)
    with pytest.raises(ValueError, match="radius"):
        reference_measures(**call, cost="metric", radius=-1.0)
    with pytest.raises(ValueError, match="tulip"):
        reference_measures(**call, cost="angular", radius=None, tulip_bins=7)
    with pytest.raises(ValueError, match="U-turn"):
        reference_measures(LINE_LENGTHS, [0], [1], [180.0], cost="metric", radius=None)
    with pytest.raises(NotImplementedError):
        reference_measures(**call, cost="metric", radius=100.0, radius_mode="route")


# --------------------------------------------------------------------------- properties
grids = st.tuples(
    st.integers(2, 4),
    st.integers(2, 3),
    st.sampled_from([0.0, 12.0, 25.0]),
    st.integers(0, 10_000),
)


def networkx_brandes(lengths, src, dst, turn, cost, step_threshold_deg=0.0):
    """Radius-n depths and choice by networkx's all_shortest_paths, super source and sink.

    Valid where no zero-cost moves lead back into an origin or between the two states of
    a destination, and costs add up exactly (or ties are absent) — true on the grids used.
    """
    n = len(lengths)
    graph = nx.DiGraph()
    for s, d, t in zip(src.tolist(), dst.tolist(), turn.tolist(), strict=True):
        metric = (lengths[s // 2] + lengths[d // 2]) / 2
        weight = {"angular": t / 90, "metric": metric, "steps": int(t >= step_threshold_deg)}[cost]
        graph.add_edge(s, d, weight=weight)
    for seg in range(n):
        for state in (2 * seg, 2 * seg + 1):
            graph.add_edge(("source", seg), state, weight=0)
            graph.add_edge(state, ("sink", seg), weight=0)
    depths = np.full((n, n), np.nan)
    choice = np.zeros(n)
    for o in range(n):
        dist = nx.single_source_dijkstra_path_length(graph, ("source", o), weight="weight")
        for d in range(n):
            if d == o or ("sink", d) not in dist:
                continue
            depths[o, d] = dist[("sink", d)]
            paths = list(nx.all_shortest_paths(graph, ("source", o), ("sink", d), weight="weight"))
            for path in paths:
                for v in {state // 2 for state in path[2:-2]}:
                    choice[v] += 1 / len(paths)
    return depths, choice


@settings(max_examples=20, deadline=None)
@given(grid=grids, cost=st.sampled_from(["angular", "metric", "steps"]))
def test_agrees_with_networkx_all_shortest_paths(grid, cost):
    """On grids, depths and choice at radius n match networkx's own shortest paths.

    networkx finds ties by exact float equality, so angular runs on straight grids only
    (turns 0 and 1): on jittered ones, routes that turn the same way throughout tie
    exactly in real numbers but not in floats (see the test of exact-angle ties).
    """
    jitter = 0.0 if cost == "angular" else grid[2]
    lengths, src, dst, turn, _ = grid_state_graph(grid[0], grid[1], 100.0, jitter, grid[3])
    depths, choice = networkx_brandes(lengths, src, dst, turn, cost)
    ours = reference_measures(lengths, src, dst, turn, cost=cost, radius=None)
    np.testing.assert_allclose(ours["choice"], choice, rtol=1e-9, atol=1e-9)
    ours_depths = reference_depths(lengths, src, dst, turn, cost=cost, radius=None)
    np.fill_diagonal(ours_depths, np.nan)
    np.testing.assert_allclose(ours_depths, depths, rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(ours["total_depth"], np.nansum(depths, axis=1), rtol=1e-9)


@settings(max_examples=20, deadline=None)
@given(grid=grids, radius=st.floats(0.0, 400.0), threshold=st.sampled_from([0.0, 45.0]))
def test_steps_choice_totals_route_lengths(grid, radius, threshold):
    """Steps without threshold: a least-cost route o → d has depth(d) moves, hence
    depth(d) − 1 distinct segments strictly between (a repeated segment could be cut
    out, every pair of ends at a junction being joined). Summed over pairs,
    Σ choice = Σ_o (TD(o) − (NC(o) − 1)) at any radius in catchment mode. Both
    measures grow with the radius. With a 45° threshold only monotonicity is checked.
    """
    lengths, src, dst, turn, _ = grid_state_graph(grid[0], grid[1], 100.0, grid[2], grid[3])
    near = reference_measures(
        lengths, src, dst, turn, cost="steps", radius=radius, step_threshold_deg=threshold
    )
    far = reference_measures(
        lengths, src, dst, turn, cost="steps", radius=radius + 150.0, step_threshold_deg=threshold
    )
    assert np.all(near["node_count"] <= far["node_count"])
    assert np.all(near["reach_length"] <= far["reach_length"] + 1e-9)
    if threshold == 0.0:
        reached = near["node_count"] > 1
        expected = np.sum(near["total_depth"][reached] - (near["node_count"][reached] - 1))
        assert near["choice"].sum() == pytest.approx(expected)


@settings(max_examples=15, deadline=None)
@given(grid=grids)
def test_metric_depths_are_symmetric(grid):
    """With every transition listed both ways, a route reversed costs the same metres."""
    lengths, src, dst, turn, _ = grid_state_graph(grid[0], grid[1], 100.0, grid[2], grid[3])
    depths = reference_depths(lengths, src, dst, turn, cost="metric", radius=None)
    np.testing.assert_allclose(depths, depths.T, rtol=1e-12)
    np.testing.assert_allclose(np.diag(depths), 0.0)

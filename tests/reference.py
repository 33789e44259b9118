"""Brute-force reference for the segment measures: the oracle the engine is tested against.

Written straight from ``shared/MEASURES.md`` for clarity, not speed: one networkx
Dijkstra per origin over the directed states, then an explicit enumeration of every
least-cost route. Keep the networks handed to it tiny (tens of segments); the route
enumeration grows with the number of tied routes.

The segment graph as directed states
------------------------------------
Segment ``i`` has two states: ``2*i`` travels along ``i`` towards its end 1 and
``2*i + 1`` towards its end 0. Transition ``k`` goes from state ``src_state[k]``
(arriving at the end it heads for) into state ``dst_state[k]`` (leaving that junction
along another segment) with a turn of ``turn_deg[k]`` degrees off straight-on. The caller
lists every transition, both directions included; nothing is added here.

Readings of the definitions fixed here (where ``MEASURES.md`` leaves room)
--------------------------------------------------------------------------
- A *route* from ``o`` to ``d`` is a sequence of states without a repeated state, along
  transitions of ``o``'s catchment, starting in a state of ``o``, ending in a state of
  ``d`` at ``d``'s depth, and touching ``o`` only at its start and ``d`` only at its end.
  Its cost is then the least cost, so it follows tight transitions only. Unless
  zero-cost moves lead from one state of a segment back to its other state, these are
  exactly the paths Brandes counts from a super-source to a per-destination super-sink.
  Zero-cost cycles (steps with a threshold round a roundabout; all moves free) have
  infinitely many least-cost walks but finitely many such routes, all of them counted.
- A route credits each segment strictly between once, even if it crosses that segment
  in both directions (a U-turn round a turning loop, cheaper in steps than a sharp
  turn). Brandes' per-state dependencies summed over a segment's two states would
  credit it twice.
- ``weights`` weigh origins and destinations of ``node_count``, ``total_depth``,
  ``mean_depth``, ``integration``, ``nain``, ``harmonic``, ``choice`` and ``nach``;
  the length-weighted family (``reach_length``, ``*_wl``) uses lengths only.
- ``mean_depth`` = total_depth / (node_count - w(o)): the weighted mean over the other
  reached segments (node_count - 1 when unweighted).
- Measures of depth (``total_depth``, ``mean_depth``, ``integration``, ``nain``,
  ``total_depth_wl``, ``integration_wl``, hence ``nach``) are NaN when the origin reaches
  no other segment, or when their denominator is zero; ``harmonic`` and ``choice`` are
  then 0 (empty sums).
- Tulip steps are ``floor(turn * tb / 180 + 1e-9)``: the same as ``floor((turn/90)*tb/2)``
  but without the rounding that turns 60° into 170 steps instead of 171.
- Steps count a move when ``turn >= step_threshold_deg`` (so threshold 0 counts all).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import networkx as nx
import numpy as np

COSTS = ("angular", "metric", "steps", "time")
RADIUS_MODES = ("catchment", "route")
MEASURE_NAMES = (
    "node_count",
    "total_depth",
    "mean_depth",
    "integration",
    "nain",
    "choice",
    "nach",
    "reach_length",
    "total_depth_wl",
    "integration_wl",
    "choice_wl",
    "harmonic",
)
# Costs (and metric distances against a radius) closer than this are equal.
TOLERANCE = 1e-9

__all__ = [
    "COSTS",
    "MEASURE_NAMES",
    "RADIUS_MODES",
    "TOLERANCE",
    "grid_state_graph",
    "joins_to_transitions",
    "reference_depths",
    "reference_measures",
    "state_graph_from_segments",
]


# ----------------------------------------------------------------------------- inputs
def _validate(
    lengths: Any,
    src_state: Any,
    dst_state: Any,
    turn_deg: Any,
    cost: str,
    radius: Any,
    radius_mode: str,
    tulip_bins: int,
    weights: Any,
    step_threshold_deg: float,
    speed_m_per_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float | None]:
    lengths = np.asarray(lengths, dtype=float)
    if lengths.ndim != 1 or lengths.size == 0:
        raise ValueError("lengths must be a non-empty 1-d array of segment lengths in metres")
    if not np.all(np.isfinite(lengths)) or np.any(lengths < 0):
        raise ValueError("lengths must be finite and non-negative")
    n = lengths.size
    src = np.asarray(src_state, dtype=np.int64).ravel()
    dst = np.asarray(dst_state, dtype=np.int64).ravel()
    turn = np.asarray(turn_deg, dtype=float).ravel()
    if not (src.size == dst.size == turn.size):
        raise ValueError("src_state, dst_state and turn_deg must have the same length")
    if src.size and (src.min() < 0 or dst.min() < 0 or src.max() >= 2 * n or dst.max() >= 2 * n):
        raise ValueError(f"states must lie in [0, {2 * n}) for {n} segments")
    if np.any(src // 2 == dst // 2):
        raise ValueError("a transition must join two different segments (no U-turn inside one)")
    if len(set(zip(src.tolist(), dst.tolist(), strict=True))) != src.size:
        raise ValueError("each (src_state, dst_state) transition may be listed only once")
    if not np.all(np.isfinite(turn)) or np.any(turn < 0) or np.any(turn > 180):
        raise ValueError("turn_deg must be finite degrees in [0, 180]")
    if cost not in COSTS:
        raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
    if radius_mode not in RADIUS_MODES:
        raise ValueError(f"radius_mode must be one of {RADIUS_MODES}, got {radius_mode!r}")
    if radius is None or (isinstance(radius, str) and radius == "n"):
        r: float | None = None
    elif isinstance(radius, int | float | np.integer | np.floating) and not isinstance(
        radius, bool
    ):
        r = float(radius)
        if not math.isfinite(r) or r < 0:
            raise ValueError(f"radius must be a finite number of metres >= 0 or 'n', got {radius}")
    else:
        raise ValueError(f"radius must be metres or 'n'/None, got {radius!r}")
    if radius_mode == "route" and r is not None:
        raise NotImplementedError("the reference implements route mode only at radius n")
    if tulip_bins and (cost != "angular" or tulip_bins < 4 or tulip_bins % 2):
        raise ValueError("tulip_bins must be 0, or an even number >= 4 with angular cost")
    if weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("weights must be n finite, non-negative numbers")
    if not (0 <= step_threshold_deg <= 180):
        raise ValueError("step_threshold_deg must lie in [0, 180]")
    if not speed_m_per_s > 0:
        raise ValueError("speed_m_per_s must be positive")
    return lengths, src, dst, turn, w, r


def _transition_cost(
    turn: float, metric: float, cost: str, tulip_bins: int, step_threshold_deg: float
) -> float | int:
    """Cost of one segment-to-segment move; integers where ties must be exact."""
    if cost == "angular":
        if tulip_bins:
            tb = tulip_bins // 2 + 1
            return math.floor(turn * tb / 180.0 + 1e-9)
        return turn / 90.0
    if cost == "steps":
        return 1 if turn >= step_threshold_deg else 0
    return metric  # metric, and time (converted to minutes when reported)


def _build_state_graph(
    lengths: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    turn: np.ndarray,
    cost: str,
    tulip_bins: int,
    step_threshold_deg: float,
) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(2 * lengths.size))
    for s, t, a in zip(src.tolist(), dst.tolist(), turn.tolist(), strict=True):
        metric = (lengths[s // 2] + lengths[t // 2]) / 2.0
        graph.add_edge(
            s,
            t,
            metric=metric,
            cost=_transition_cost(a, metric, cost, tulip_bins, step_threshold_deg),
        )
    return graph


def _depth_unit(cost: str, tulip_bins: int, speed_m_per_s: float) -> float:
    """Raw search cost per reported depth unit."""
    if cost == "angular" and tulip_bins:
        return (tulip_bins // 2) / 2.0  # (tb - 1) / 2 tulip steps per right angle
    if cost == "time":
        return speed_m_per_s * 60.0  # metres per minute
    return 1.0


# ----------------------------------------------------------------------------- search
def _per_segment_min(dist: dict[int, float]) -> dict[int, float]:
    best: dict[int, float] = {}
    for state, d in dist.items():
        seg = state // 2
        if seg not in best or d < best[seg]:
            best[seg] = d
    return best


def _catchment(graph: nx.DiGraph, origin: int, radius: float | None) -> set[int]:
    """Segments whose midpoint lies within ``radius`` metres of the origin's midpoint."""
    cutoff = None if radius is None else radius + TOLERANCE
    dist = nx.multi_source_dijkstra_path_length(
        graph, {2 * origin, 2 * origin + 1}, cutoff=cutoff, weight="metric"
    )
    return set(_per_segment_min(dist))


def _origin_search(
    graph: nx.DiGraph, origin: int, radius: float | None
) -> tuple[nx.DiGraph, dict[int, float], dict[int, float]]:
    """The catchment sub-graph, each reached state's least cost and each segment's depth."""
    catchment = _catchment(graph, origin, radius)
    sub = graph.subgraph([s for seg in catchment for s in (2 * seg, 2 * seg + 1)])
    dist = nx.multi_source_dijkstra_path_length(sub, {2 * origin, 2 * origin + 1}, weight="cost")
    depth = _per_segment_min(dist)
    # Every catchment segment is reachable inside the catchment: the segments on its
    # shortest metric route are all nearer, hence inside too.
    assert set(depth) == catchment
    return sub, dist, depth


def _least_cost_routes(
    sub: nx.DiGraph,
    origin: int,
    dist: dict[int, float],
    depth: dict[int, float],
    tol: float,
) -> Iterator[tuple[int, frozenset[int]]]:
    """Yield ``(destination, segments strictly between)`` once per least-cost route.

    Depth-first enumeration of every simple path of tight transitions (``dist[u] + c ==
    dist[v]``) from either origin state, recording a route whenever a path first enters
    a destination segment in a state at that segment's depth. Paths never re-enter the
    origin, and a destination already on the path is not recorded again.
    """
    tight: dict[int, list[int]] = {
        u: [
            v
            for v, attrs in sub[u].items()
            if v in dist and dist[u] + attrs["cost"] <= dist[v] + tol
        ]
        for u in dist
    }
    for start in (2 * origin, 2 * origin + 1):
        path = [start]
        on_path = {start}
        segments_on_path: Counter[int] = Counter({origin: 1})
        stack = [iter(tight[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                left = path.pop()
                on_path.discard(left)
                segments_on_path[left // 2] -= 1
                continue
            seg = nxt // 2
            if nxt in on_path or seg == origin:
                continue
            if segments_on_path[seg] == 0 and dist[nxt] <= depth[seg] + tol:
                yield seg, frozenset(s // 2 for s in path[1:])
            path.append(nxt)
            on_path.add(nxt)
            segments_on_path[seg] += 1
            stack.append(iter(tight[nxt]))


# ----------------------------------------------------------------------------- public
def reference_depths(
    lengths: Sequence[float] | np.ndarray,
    src_state: Sequence[int] | np.ndarray,
    dst_state: Sequence[int] | np.ndarray,
    turn_deg: Sequence[float] | np.ndarray,
    *,
    cost: str,
    radius: float | str | None,
    radius_mode: str = "catchment",
    tulip_bins: int = 0,
    step_threshold_deg: float = 0.0,
    speed_m_per_s: float = 1.3,
) -> np.ndarray:
    """Depth of every segment from every origin, in the cost's reported unit.

    Returns an ``(n, n)`` array: row = origin, column = destination, NaN where the
    destination is outside the origin's catchment. Units: angular in right angles
    (tulip depths as ``steps / ((tb - 1) / 2)``), metric in metres, steps in moves, time
    in minutes.
    """
    lengths_a, src, dst, turn, _, r = _validate(
        lengths,
        src_state,
        dst_state,
        turn_deg,
        cost,
        radius,
        radius_mode,
        tulip_bins,
        None,
        step_threshold_deg,
        speed_m_per_s,
    )
    graph = _build_state_graph(lengths_a, src, dst, turn, cost, tulip_bins, step_threshold_deg)
    unit = _depth_unit(cost, tulip_bins, speed_m_per_s)
    n = lengths_a.size
    out = np.full((n, n), np.nan)
    for o in range(n):
        _, _, depth = _origin_search(graph, o, r)
        for d, value in depth.items():
            out[o, d] = value / unit
    return out


def reference_measures(
    lengths: Sequence[float] | np.ndarray,
    src_state: Sequence[int] | np.ndarray,
    dst_state: Sequence[int] | np.ndarray,
    turn_deg: Sequence[float] | np.ndarray,
    *,
    cost: str,
    radius: float | str | None,
    radius_mode: str = "catchment",
    tulip_bins: int = 0,
    weights: Sequence[float] | np.ndarray | None = None,
    step_threshold_deg: float = 0.0,
    speed_m_per_s: float = 1.3,
) -> dict[str, np.ndarray]:
    """Every segment measure of ``MEASURES.md`` for one cost and one radius, by brute force.

    Parameters
    ----------
    lengths
        Segment lengths in metres, one per segment.
    src_state, dst_state, turn_deg
        The transitions between directed states and their turns in degrees off
        straight-on (0 straight, 90 right angle, 180 reversal), both directions listed.
    cost
        ``"angular"`` (turn / 90 per move), ``"metric"`` (metres, midpoint to midpoint),
        ``"steps"`` (moves with ``turn >= step_threshold_deg``) or ``"time"`` (metric
        metres / ``speed_m_per_s`` / 60, minutes).
    radius
        Metres, midpoint to midpoint by the shortest walking route, inclusive; ``None``
        or ``"n"`` for the whole component reached.
    radius_mode
        ``"catchment"``: every measure of an origin is computed on the sub-graph of the
        segments within the radius. ``"route"`` is implemented only at radius n, where
        it equals catchment.
    tulip_bins
        0 for exact angles, or an even number >= 4 (1024 as depthmapX).
    weights
        Origin/destination weights, one per segment (default 1).

    Returns
    -------
    dict of str to numpy.ndarray
        One float array of length n per name in ``MEASURE_NAMES``.
    """
    lengths_a, src, dst, turn, w, r = _validate(
        lengths,
        src_state,
        dst_state,
        turn_deg,
        cost,
        radius,
        radius_mode,
        tulip_bins,
        weights,
        step_threshold_deg,
        speed_m_per_s,
    )
    graph = _build_state_graph(lengths_a, src, dst, turn, cost, tulip_bins, step_threshold_deg)
    exact = cost == "steps" or (cost == "angular" and tulip_bins > 0)
    tol = 0.0 if exact else TOLERANCE
    unit = _depth_unit(cost, tulip_bins, speed_m_per_s)
    n = lengths_a.size

    out = {name: np.full(n, np.nan) for name in MEASURE_NAMES}
    choice = np.zeros(n)
    choice_wl = np.zeros(n)
    for o in range(n):
        sub, dist, raw_depth = _origin_search(graph, o, r)
        depth = {d: value / unit for d, value in raw_depth.items()}
        others = sorted(d for d in depth if d != o)

        node_count = sum(w[d] for d in depth)
        reach_length = sum(lengths_a[d] for d in depth)
        out["node_count"][o] = node_count
        out["reach_length"][o] = reach_length
        if cost in ("angular", "steps"):
            out["harmonic"][o] = sum(w[d] / (depth[d] + 1.0) for d in others)
        else:
            out["harmonic"][o] = sum(w[d] / depth[d] for d in others if depth[d] > 0)
        if others:
            total_depth = sum(w[d] * depth[d] for d in others)
            total_depth_wl = sum(lengths_a[d] * depth[d] for d in others)
            others_weight = node_count - w[o]
            out["total_depth"][o] = total_depth
            out["mean_depth"][o] = total_depth / others_weight if others_weight > 0 else np.nan
            out["integration"][o] = node_count**2 / total_depth if total_depth > 0 else np.nan
            out["nain"][o] = node_count**1.2 / (total_depth + 2.0)
            out["total_depth_wl"][o] = total_depth_wl
            out["integration_wl"][o] = (
                reach_length**2 / total_depth_wl if total_depth_wl > 0 else np.nan
            )

        route_count: Counter[int] = Counter()
        through: defaultdict[int, Counter[int]] = defaultdict(Counter)
        for d, between in _least_cost_routes(sub, o, dist, raw_depth, tol):
            route_count[d] += 1
            through[d].update(between)
        for d in others:
            assert route_count[d] >= 1, "every reached segment has a least-cost route"
            pair_length = lengths_a[o] * lengths_a[d]
            for v, k in through[d].items():
                share = k / route_count[d]
                choice[v] += w[o] * w[d] * share
                choice_wl[v] += pair_length * share
            choice_wl[o] += pair_length / 2.0
            choice_wl[d] += pair_length / 2.0

    out["choice"] = choice
    out["choice_wl"] = choice_wl
    out["nach"] = np.log(choice + 1.0) / np.log(out["total_depth"] + 3.0)
    return out


# ----------------------------------------------------------------------------- builders
def joins_to_transitions(
    joins: Sequence[tuple[int, int, int, int, float]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transitions, both directions, from joins ``(i, end_i, j, end_j, turn_deg)``.

    A join says segment ``i``'s end ``end_i`` meets segment ``j``'s end ``end_j`` with the
    given turn. Arriving at end ``e`` of ``i`` is state ``2*i + 1 - e``; leaving from end
    ``e`` of ``j`` is state ``2*j + e``. The turn is the same both ways.
    """
    src: list[int] = []
    dst: list[int] = []
    turns: list[float] = []
    for i, end_i, j, end_j, turn in joins:
        src += [2 * i + 1 - end_i, 2 * j + 1 - end_j]
        dst += [2 * j + end_j, 2 * i + end_i]
        turns += [float(turn), float(turn)]
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), np.array(turns)


def state_graph_from_segments(
    coordinates: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lengths and transitions of straight segments that join where end points are equal.

    ``coordinates`` has shape ``(n, 2, 2)``: segment, end (0 or 1), x/y in metres. Every
    pair of segment ends at a junction gets a transition each way; the turn is the angle
    between the arriving and the leaving direction of travel, in degrees.
    """
    coordinates = np.asarray(coordinates, dtype=float)
    lengths = np.hypot(*(coordinates[:, 1] - coordinates[:, 0]).T)
    ends_at: defaultdict[tuple[float, float], list[tuple[int, int]]] = defaultdict(list)
    for i in range(coordinates.shape[0]):
        for end in (0, 1):
            x, y = coordinates[i, end]
            ends_at[(float(x), float(y))].append((i, end))
    src: list[int] = []
    dst: list[int] = []
    turns: list[float] = []
    for ends in ends_at.values():
        for i, end_i in ends:
            arriving = coordinates[i, end_i] - coordinates[i, 1 - end_i]
            for j, end_j in ends:
                if j == i:
                    continue
                leaving = coordinates[j, 1 - end_j] - coordinates[j, end_j]
                cross = arriving[0] * leaving[1] - arriving[1] * leaving[0]
                dot = arriving[0] * leaving[0] + arriving[1] * leaving[1]
                src.append(2 * i + 1 - end_i)
                dst.append(2 * j + end_j)
                turns.append(math.degrees(math.atan2(abs(cross), dot)))
    return (
        lengths,
        np.array(src, dtype=np.int64),
        np.array(dst, dtype=np.int64),
        np.array(turns),
    )


def grid_state_graph(
    nx: int, ny: int, spacing: float = 100.0, jitter: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A jittered grid of straight segments as ``(lengths, src, dst, turn_deg, coordinates)``.

    ``nx`` by ``ny`` junctions ``spacing`` metres apart, each moved by up to ``jitter``
    metres in x and in y (uniform, reproducible from ``seed``); one segment per pair of
    neighbouring junctions, horizontal ones first (row by row), then vertical ones.
    ``coordinates`` has shape ``(n, 2, 2)`` (segment, end, x/y); see
    :func:`state_graph_from_segments` for the transitions.
    """
    if nx < 1 or ny < 1 or nx * ny < 2:
        raise ValueError("a grid needs at least two junctions")
    rng = np.random.default_rng(seed)
    points = np.stack(
        np.meshgrid(np.arange(nx) * spacing, np.arange(ny) * spacing, indexing="ij"), axis=-1
    )
    points = points + rng.uniform(-jitter, jitter, size=points.shape)
    segments = [(points[x, y], points[x + 1, y]) for y in range(ny) for x in range(nx - 1)]
    segments += [(points[x, y], points[x, y + 1]) for x in range(nx) for y in range(ny - 1)]
    coordinates = np.array(segments, dtype=float)
    lengths, src, dst, turns = state_graph_from_segments(coordinates)
    return lengths, src, dst, turns, coordinates

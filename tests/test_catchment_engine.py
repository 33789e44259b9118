"""The walking catchment searched per segment (issue 19) against the state search.

Catchment mode with a non-metric cost (angular, steps, topological) first finds
every segment's walking metres from the origin, midpoint to midpoint, the least
over its two directed states. ``kernels.search.segment_catchment`` finds them on
one node per segment instead; ``undirected_exact`` says when that is the same.
Why it is: a segment route that enters ``b`` at a junction and leaves ``b`` by
the same junction (a U-turn at ``b``'s midpoint, which no state route makes)
costs ``len(a)/2 + len(b) + len(c)/2``, while the junction also joins ``a`` to
``c`` directly for ``len(a)/2 + len(c)/2`` (every pair of segment ends at a
junction has a transition), so cutting U-turns out never lengthens a route.

Independent references: scipy's Dijkstra over the directed states (least over
a segment's two states), and hand-counted metres on a turn-ban graph where the
two searches must differ. End to end, the kernel with the segment search and
with the state search must give bit-identical sums and choice.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from stadsrum.kernels.search import (
    SETTLED,
    segment_catchment,
    state_search,
    undirected_exact,
)
from stadsrum.kernels.segment import (
    N_SUMS,
    SegmentSettings,
    _analyse_origin,
    segment_scratch,
)
from stadsrum.measures.segment import transition_costs
from stadsrum.network.segments import SegmentGraph


def clique_graph(end_node: np.ndarray, length: np.ndarray, turn_seed: int) -> SegmentGraph:
    """States and transitions as the network builder makes them, written out afresh:
    every ordered pair of distinct segment ends meeting at one junction is a move
    (self-loops, zero-length and parallel segments included); turns are random
    but the same both ways round a move."""
    n = len(length)
    rng = np.random.default_rng(turn_seed)
    moves: dict[tuple[int, int], float] = {}
    ends = end_node.ravel()
    for p in range(2 * n):
        for q in range(2 * n):
            if p != q and ends[p] == ends[q]:
                s = 2 * (p // 2) + (1 - p % 2)  # arriving at end p % 2
                t = 2 * (q // 2) + q % 2  # leaving from end q % 2
                back = (t ^ 1, s ^ 1)  # the same move walked the other way
                moves[(s, t)] = moves.get(back, float(rng.uniform(0.0, 180.0)))
    src = np.array([m[0] for m in moves], dtype=np.int64)
    dst = np.array([m[1] for m in moves], dtype=np.int64)
    turn = np.array(list(moves.values()))
    order = np.lexsort((dst, src))
    indptr = np.zeros(2 * n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=2 * n), out=indptr[1:])
    return SegmentGraph(
        length=np.asarray(length, float),
        edge=np.arange(n),
        end_node=end_node,
        indptr=indptr,
        dst=dst[order],
        turn_deg=turn[order],
        geometry=np.empty(n, dtype=object),
        crs=None,
        split="edge",
    )


def messy_grid(seed: int) -> SegmentGraph:
    """A seeded 6 x 5 street grid, 100 m blocks (many equal routes, catchment edges
    landing exactly on a radius), with streets taken out (dead ends, a split-off
    piece), parallel streets between the same two junctions, zero-length
    segments (a junction drawn as a dot), self-loops (a cul-de-sac ring), and
    unlinked crossings (two streets that cross on a bridge: no shared junction)."""
    rng = np.random.default_rng(seed)
    nx_, ny = 6, 5
    node = np.arange(nx_ * ny).reshape(ny, nx_)
    pairs = [(node[j, i], node[j, i + 1]) for j in range(ny) for i in range(nx_ - 1)]
    pairs += [(node[j, i], node[j + 1, i]) for j in range(ny - 1) for i in range(nx_)]
    keep = rng.random(len(pairs)) > 0.15
    ends = [p for p, k in zip(pairs, keep, strict=True) if k]
    length = [100.0] * len(ends)
    extra = nx_ * ny
    for _ in range(4):  # parallel streets, a little longer than the block
        a, b = ends[int(rng.integers(len(ends)))]
        ends.append((a, b))
        length.append(float(rng.choice([100.0, 120.0, 141.5])))
    for _ in range(3):  # zero-length segments at a junction (a dot), or joining two
        a = int(rng.integers(nx_ * ny))
        ends.append((a, a) if rng.random() < 0.5 else (a, extra))
        length.append(0.0)
        extra += 1
    for _ in range(2):  # self-loops
        a = int(rng.integers(nx_ * ny))
        ends.append((a, a))
        length.append(float(rng.uniform(30.0, 90.0)))
    for _ in range(3):  # bridges over the grid: junctions of their own, unlinked
        ends.append((extra, extra + 1))
        length.append(float(rng.uniform(40.0, 250.0)))
        a, b = (int(x) for x in rng.integers(nx_ * ny, size=2))
        ends += [(a, extra), (extra + 1, b)]
        length += [60.0, 60.0]
        extra += 2
    return clique_graph(np.array(ends, dtype=np.int64), np.array(length), turn_seed=seed)


def turn_ban() -> SegmentGraph:
    """A T junction (segments 0, 1, 2 at junction 0) where the move from 0 into 2
    is banned both ways; 1 is a 10 m stub. Walking from 0 to 2 must then go round
    by 3 (0 -> 3 -> 2: 50 + 50 + 50 + 50 = 200 m via a far junction), while a
    segment search would U-turn on the stub: 0 -> 1 -> 2 at 50 + 10 + 50 = 110 m."""
    g = clique_graph(
        np.array([[0, 1], [0, 9], [0, 2], [1, 2]]), np.array([100.0, 10.0, 100.0, 100.0]), 0
    )
    src = np.repeat(np.arange(8), np.diff(g.indptr))
    banned = {(1, 4), (5, 0)}  # 0 arriving at junction 0 -> 2 leaving it, and back
    keep = np.array([(int(s), int(t)) not in banned for s, t in zip(src, g.dst, strict=True)])
    indptr = np.zeros(9, dtype=np.int64)
    np.cumsum(np.bincount(src[keep], minlength=8), out=indptr[1:])
    return SegmentGraph(**{**g.__dict__, "indptr": indptr, "dst": g.dst[keep]})


def as_arrays(g: SegmentGraph):
    tlen = 0.5 * (g.length[g.src >> 1] + g.length[g.dst >> 1])
    return g.indptr.astype(np.int32), g.dst.astype(np.int32), tlen


def state_metres(indptr, dst, tlen, origin, r):
    """The kernel's state search: each segment's metres, settled within ``r`` only."""
    n_states = len(indptr) - 1
    d, rl = np.full(n_states, np.inf), np.full(n_states, np.inf)
    pred, settled = np.full(n_states, -1, np.int32), np.zeros(n_states, np.int32)
    order, hkey, hval = (
        np.zeros(n_states, np.int32),
        np.empty(len(dst) + 2),
        np.empty(len(dst) + 2, np.int32),
    )
    src = np.array([2 * origin, 2 * origin + 1], np.int32)
    zero = np.zeros(2)
    segdist = np.full(n_states // 2, np.inf)
    n = state_search(
        src, zero, zero, 2, r, np.inf, segdist, indptr, dst, tlen, tlen, d, rl, pred, settled,
        order, hkey, hval,
    )  # fmt: skip
    out = np.full(n_states // 2, np.inf)
    for s in order[:n]:
        if settled[s] == SETTLED:
            out[s >> 1] = min(out[s >> 1], d[s])
    return out


def segment_metres(indptr, dst, tlen, origin, r, scratch=None):
    n_states = len(indptr) - 1
    order, hkey, hval = (
        np.zeros(n_states, np.int32),
        np.empty(len(dst) + 2),
        np.empty(len(dst) + 2, np.int32),
    )
    out = np.full(n_states // 2, np.inf)
    mseg = np.full(n_states // 2, np.inf)
    n = segment_catchment(origin, r, indptr, dst, tlen, out, mseg, order, hkey, hval)
    # every segment listed once, as its state 2i; the settled ones are those given metres
    listed = order[:n] >> 1
    assert len(set(listed.tolist())) == n
    assert (order[:n] % 2 == 0).all()
    assert set(np.flatnonzero(np.isfinite(out)).tolist()) <= set(listed.tolist())
    # the search leaves nothing behind once reset over its list
    mseg[listed] = np.inf
    assert np.isinf(mseg).all()
    return out


def scipy_metres(indptr, dst, tlen, origin):
    n_states = len(indptr) - 1
    m = csr_matrix((tlen + 1e-300, dst, indptr), shape=(n_states, n_states))  # keep 0 m moves
    d = dijkstra(m, directed=True, indices=[2 * origin, 2 * origin + 1], min_only=True)
    return np.minimum(d[0::2], d[1::2])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_segment_search_equals_state_search(seed):
    g = messy_grid(seed)
    indptr, dst, tlen = as_arrays(g)
    assert undirected_exact(indptr, dst, tlen)
    lim = 300.0 + 1e-9 * 301.0  # the kernel's radius test, 300 m lands on block lengths
    for origin in range(g.n_segments):
        old = state_metres(indptr, dst, tlen, origin, 300.0)
        new = segment_metres(indptr, dst, tlen, origin, 300.0)
        ref = scipy_metres(indptr, dst, tlen, origin)
        inside = ref <= lim
        assert ((old <= lim) == inside).all()
        assert ((new <= lim) == inside).all()
        assert np.isinf(new[~inside]).all()
        np.testing.assert_allclose(new[inside], ref[inside], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(new[inside], old[inside], rtol=1e-12, atol=1e-9)


def test_turn_ban_is_detected():
    g = turn_ban()
    indptr, dst, tlen = as_arrays(g)
    assert not undirected_exact(indptr, dst, tlen)
    # the reason: 0 -> 2 is 200 m on states (round by 3), 110 m with a U-turn on the stub
    assert state_metres(indptr, dst, tlen, 0, 1000.0)[2] == 200.0
    assert scipy_metres(indptr, dst, tlen, 0)[2] == 200.0
    assert segment_metres(indptr, dst, tlen, 0, 1000.0)[2] == 110.0


def analyse(g: SegmentGraph, radii, undirected: bool):
    from stadsrum.kernels.search import StateGraph

    indptr, dst, tlen = as_arrays(g)
    costs = transition_costs(g, "angular")
    n = g.n_segments
    settings = SegmentSettings(
        radii=np.asarray(radii, float),
        weight=np.linspace(0.5, 2.0, n),
        catchment=True,
        metric_cost=costs.metric,
        has_free_moves=bool((costs.tcost <= 1e-9).any()),
        depth_scale=costs.depth_scale,
        harmonic_offset=costs.harmonic_offset,
        want_choice=True,
    )
    graph = StateGraph(indptr, dst, costs.tcost, tlen, g.length)
    scratch = segment_scratch(len(indptr) - 1, len(dst))
    sums = np.zeros((n, len(radii), N_SUMS))
    choice, choice_wl = np.zeros((n, len(radii))), np.zeros((n, len(radii)))
    for o in range(n):
        _analyse_origin(o, graph, settings, scratch, sums, o, choice, choice_wl, undirected)
    # every scratch array back at its starting value
    assert np.isinf(scratch.mdist).all()
    assert (scratch.msettled == 0).all()
    assert np.isinf(scratch.segdist).all()
    return sums, choice, choice_wl


@pytest.mark.parametrize("seed", [1, 5])
def test_kernel_bit_identical(seed):
    """Angular integration and choice with the segment search and with the state search."""
    g = messy_grid(seed)
    radii = [150.0, 300.0, 450.0]
    new = analyse(g, radii, undirected=True)
    old = analyse(g, radii, undirected=False)
    for a, b in zip(new, old, strict=True):
        assert np.array_equal(a, b)
    assert new[0][:, :, 5].max() > 10  # catchments of some size were compared


def worker(g: SegmentGraph, radii, undirected: int):
    from stadsrum.kernels.search import StateGraph
    from stadsrum.kernels.segment import segment_worker

    indptr, dst, tlen = as_arrays(g)
    costs = transition_costs(g, "angular")
    n = g.n_segments
    settings = SegmentSettings(
        radii=np.asarray(radii, float),
        weight=np.ones(n),
        catchment=True,
        metric_cost=costs.metric,
        has_free_moves=bool((costs.tcost <= 1e-9).any()),
        depth_scale=costs.depth_scale,
        harmonic_offset=costs.harmonic_offset,
        want_choice=True,
        undirected=undirected,
    )
    sums = np.zeros((n, len(radii), N_SUMS))
    choice, choice_wl = np.zeros((n, len(radii))), np.zeros((n, len(radii)))
    graph = StateGraph(indptr, dst, costs.tcost, tlen, g.length)
    segment_worker(np.arange(n, dtype=np.int64), 0, 1, graph, settings, sums, choice, choice_wl)
    return sums, choice, choice_wl


def test_settings_flag():
    """-1 checks the graph in the kernel: the segment search on the messy grid, the
    state search on the turn-ban graph (where the segment search would reach 2
    from 0 at 110 m instead of 200 m, inside a 150 m radius)."""
    g = messy_grid(3)
    for a, b in zip(worker(g, [250.0], -1), worker(g, [250.0], 0), strict=True):
        assert np.array_equal(a, b)
    t = turn_ban()
    state, unknown, forced = (worker(t, [150.0], u)[0] for u in (0, -1, 1))
    assert np.array_equal(state, unknown)
    # within 150 m of segment 0: itself, the stub 1 (55 m) and 3 (100 m); 2 is 200 m away
    assert state[0, 0, 5] == 3.0
    assert forced[0, 0, 5] == 4.0  # 2 at 110 m: what the check guards against

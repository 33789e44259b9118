"""The segment kernel's route DAG and its several catchments per search (issue 19).

``kernels.search.dag_search`` lists, per state, the states with a tight move
into it while it searches, so route counts and choice follow those lists
instead of testing every out-move again. Reference: the definition itself,
brute force over the final costs (every move ``s -> t`` between settled states
with ``dist[s] + cost <= dist[t]`` within the tolerance, none into a source),
and whether such a move points back in the pop order (the ``late`` flag).

Several catchments in one call: the largest radius is searched and each smaller
catchment is made from the larger one's search (``segment._repair``), only its
states whose least-cost route leaves it searched again. Reference: the same
kernel with that radius alone (a search of its own), for every measure; and
``_repair`` itself against a fresh ``dag_search`` on the smaller catchment.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_catchment_engine import messy_grid, turn_ban

from stadsrum.kernels.search import (
    BEYOND,
    SETTLED,
    TOL,
    dag_search,
    reset_states,
    search_scratch,
)
from stadsrum.kernels.segment import _repair, reverse_moves
from stadsrum.measures.segment import segment_measures, transition_costs, transition_lengths

COSTS = [("angular", {}), ("angular", {"tulip_bins": 4}), ("steps", {}), ("metric", {})]


def arrays(g, cost, kw):
    indptr = np.ascontiguousarray(g.indptr, dtype=np.int32)
    dst = np.ascontiguousarray(g.dst, dtype=np.int32)
    return indptr, dst, transition_costs(g, cost, **kw).tcost, transition_lengths(g)


def run_dag(indptr, dst, tcost, tlen, origin, len_limit=math.inf, segdist=None, allowed=math.inf):
    n_states = len(indptr) - 1
    sc = search_scratch(n_states, len(dst), 1)
    # the segment kernel's index type (int32) throughout
    sc = sc._replace(
        **{k: getattr(sc, k).astype(np.int32) for k in ("pred", "settled", "order", "hval")}
    )
    segdist = np.full(n_states // 2, np.inf) if segdist is None else segdist
    phead = np.full(n_states, -1, dtype=np.int32)
    pfrom = np.empty(2 * len(dst) + 2, dtype=np.int32)
    pnext = np.empty_like(pfrom)
    src = np.array([2 * origin, 2 * origin + 1], dtype=np.int32)
    zero = np.zeros(2)
    n_order, late, n_entries = dag_search(
        src, zero, zero, 2, len_limit, allowed, segdist, indptr, dst, tcost, tlen,
        sc.dist, sc.rlen, sc.pred, sc.settled, sc.order, sc.hkey, sc.hval,
        phead, pfrom, pnext, True,
    )  # fmt: skip
    return sc, n_order, late, n_entries, phead, pfrom, pnext


def lists(phead, pfrom, pnext, states):
    out = {}
    for t in states:
        e, got = phead[t], []
        while e >= 0:
            got.append(int(pfrom[e]))
            e = pnext[e]
        out[int(t)] = sorted(got)
    return out


@pytest.mark.parametrize("seed", [1, 3, 5])
@pytest.mark.parametrize(("cost", "kw"), COSTS)
@pytest.mark.parametrize("len_limit", [math.inf, 230.0])
def test_tight_move_lists(seed, cost, kw, len_limit):
    """Every settled state's list is exactly its tight moves in from settled states
    (route mode: from states within the length limit), and ``late`` says whether one
    of them comes from a state popped after it (or from itself: a zero-length
    dead-end segment's zero-cost U-turn)."""
    g = messy_grid(seed)
    indptr, dst, tcost, tlen = arrays(g, cost, kw)
    src_of = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    lates = 0
    for origin in range(g.n_segments):
        sc, n_order, late, _, phead, pfrom, pnext = run_dag(
            indptr, dst, tcost, tlen, origin, len_limit
        )
        order = sc.order[:n_order]
        pos = {int(s): i for i, s in enumerate(order)}
        done = [int(s) for s in order if sc.settled[s] == SETTLED]
        d = sc.dist
        want: dict[int, list[int]] = {t: [] for t in done}
        back = False
        for k in range(len(dst)):
            s, t = int(src_of[k]), int(dst[k])
            if s not in want or t not in want or sc.pred[t] == -1:
                continue
            if d[s] + tcost[k] <= d[t] + TOL * (1.0 + abs(d[t])):
                want[t].append(s)
                back |= pos[s] >= pos[t]  # a zero-cost move back, or onto itself
        assert lists(phead, pfrom, pnext, done) == {t: sorted(v) for t, v in want.items()}
        assert bool(late) == back
        lates += back
        if math.isfinite(len_limit):
            assert (sc.settled[order] == BEYOND).sum() == sum(sc.rlen[order] > len_limit + 1e-6)
    if kw:  # tulip bins: zero-cost moves, some popped the other way round
        assert lates > 0


def measures(g, cost, kw, radii, mode="catchment"):
    return segment_measures(g, cost=cost, radii=radii, radius_mode=mode, threads=1, **kw)


@pytest.mark.parametrize("seed", [1, 2, 5])
@pytest.mark.parametrize(("cost", "kw"), COSTS[:3])
@pytest.mark.parametrize(
    "radii",
    [
        [100.0, 150.0, 250.0, 400.0, math.inf],
        ["angular:45", "angular:100", "angular:300"],
        ["steps:1", "steps:2", "steps:5"],
    ],
)
def test_several_catchments_as_each_alone(seed, cost, kw, radii):
    """Every measure at every radius of one call equals that radius's own call."""
    g = messy_grid(seed)
    together = measures(g, cost, kw, radii)
    for r in radii:
        alone = measures(g, cost, kw, [r])
        assert alone.keys() <= together.keys()
        for name, values in alone.items():
            np.testing.assert_allclose(together[name], values, rtol=1e-11, atol=1e-11)
    assert max(np.nanmax(v) for k, v in together.items() if k.startswith("choice_")) > 0


def test_several_catchments_turn_ban():
    """The same on a graph whose moves are not the same both ways (a banned turn)."""
    g = turn_ban()
    radii = [60.0, 120.0, 160.0, 250.0]
    together = measures(g, "angular", {}, radii)
    for r in radii:
        for name, values in measures(g, "angular", {}, [r]).items():
            np.testing.assert_allclose(together[name], values, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("seed", [1, 4])
def test_repair_equals_search(seed):
    """A smaller catchment made from a larger one's search has the least costs, tight
    moves and a topological order of its own search; and some states were searched
    again (the repair did work, rather than every state keeping its cost)."""
    g = messy_grid(seed)
    indptr, dst, tcost, tlen = arrays(g, "angular", {})
    moves_in = reverse_moves(indptr, dst)
    rin = [moves_in[k] for k in ("rindptr", "rfrom", "rtrans")]
    n_states = len(indptr) - 1
    # catchment: segments within a radius, by the metres of a metric search
    big, small = 450.0, 200.0
    searched_again = 0
    for origin in range(g.n_segments):
        metres, n_m, *_ = run_dag(indptr, dst, tlen, tlen, origin)
        segdist = np.full(g.n_segments, np.inf)
        for s in metres.order[:n_m]:
            segdist[s >> 1] = min(segdist[s >> 1], metres.dist[s])
        sc, n_order, late, n_entries, phead, pfrom, pnext = run_dag(
            indptr, dst, tcost, tlen, origin, segdist=segdist, allowed=big + 1e-6
        )
        assert late == 0
        base = np.array([s for s in sc.order[:n_order] if sc.settled[s] == SETTLED], dtype=np.int32)
        include = np.zeros(n_states, dtype=np.int32)
        topo = np.empty(n_states, dtype=np.int32)
        hold = np.empty(n_states, dtype=np.int32)
        hkey, hval = np.empty(2 * len(dst) + 2), np.empty(2 * len(dst) + 2, dtype=np.int32)
        dist = sc.dist.copy()
        n_topo, _, ok = _repair(
            len(base), base, segdist, small + 1e-6, dist, phead, pfrom, pnext, n_entries,
            include, topo, hold, indptr, dst, tcost, *rin, hkey, hval,
        )  # fmt: skip
        assert ok
        searched_again += int((include == 3).sum())
        ref, n_ref, _, _, rhead, rfrom, rnext = run_dag(
            indptr, dst, tcost, tlen, origin, segdist=segdist, allowed=small + 1e-6
        )
        got = topo[:n_topo]
        assert sorted(got.tolist()) == sorted(ref.order[:n_ref].tolist())
        np.testing.assert_allclose(dist[got], ref.dist[got], rtol=1e-12)
        assert lists(phead, pfrom, pnext, got) == lists(rhead, rfrom, rnext, got)
        pos = {int(s): i for i, s in enumerate(got)}
        for t, froms in lists(phead, pfrom, pnext, got).items():
            assert all(pos[u] < pos[t] for u in froms)  # every tight move goes forward
        reset_states(n_order, sc.order, sc.dist, sc.rlen, sc.pred, sc.settled)
    assert searched_again > 0


def test_stale_kernel_cache_dropped(tmp_path):
    """A change to any kernel file drops every cached kernel of the package (numba
    would otherwise keep ``segment.py``'s kernels with an old ``search.py`` inside)."""
    from stadsrum.kernel_cache import drop_stale_cache

    (tmp_path / "search.py").write_text("HEAP = 2\n")
    (tmp_path / "segment.py").write_text("pass\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    kept = [cache / "segment._analyse_origin-1.py311.nbi", cache / "segment.x-2.py311.1.nbc"]
    for f in kept:
        f.write_bytes(b"compiled")
    assert drop_stale_cache(tmp_path)  # no stamp yet: compiled from unknown sources
    assert not any(f.exists() for f in kept)
    for f in kept:
        f.write_bytes(b"compiled")
    assert not drop_stale_cache(tmp_path)  # the same sources: the cache stays
    assert all(f.exists() for f in kept)
    (tmp_path / "search.py").write_text("HEAP = 4\n")  # segment.py itself unchanged
    assert drop_stale_cache(tmp_path)
    assert not any(f.exists() for f in kept)
    assert (cache / "stadsrum-kernels.stamp").is_file()


def test_renumbered_graph_is_the_same_graph():
    """Renumbering the segments keeps every move, in its place among its state's moves,
    between the renumbered states (``2j``, ``2j + 1`` for segment ``perm[j]``)."""
    from stadsrum.measures.segment import _renumbered

    g = messy_grid(2)
    indptr, dst = g.indptr.astype(np.int32), g.dst.astype(np.int32)
    perm = np.random.default_rng(3).permutation(g.n_segments)
    new_indptr, new_dst, moved = _renumbered(indptr, dst, perm)
    new_of_old = np.argsort(perm)
    assert len(new_dst) == len(dst)
    assert sorted(moved.tolist()) == list(range(len(dst)))
    for s in range(2 * g.n_segments):
        s_new = 2 * new_of_old[s >> 1] + (s & 1)
        old_moves = [2 * new_of_old[t >> 1] + (t & 1) for t in dst[indptr[s] : indptr[s + 1]]]
        assert new_dst[new_indptr[s_new] : new_indptr[s_new + 1]].tolist() == old_moves
        assert moved[new_indptr[s_new] : new_indptr[s_new + 1]].tolist() == list(
            range(indptr[s], indptr[s + 1])
        )


def test_locality_order_same_results(monkeypatch):
    """A 40 x 40 street grid with diagonal shortcuts, drawn in row order: every measure
    is the same with the kernel run on the Hilbert-renumbered segments and without."""
    from helpers import make_lines

    import stadsrum.measures.segment as seg
    from stadsrum.network.prepare import prepare_network

    rng = np.random.default_rng(8)
    step, k = 60.0, 40
    jit = rng.uniform(-9, 9, size=(k, k, 2))

    def p(i, j):
        return (i * step + jit[i, j, 0], j * step + jit[i, j, 1])

    lines = [[p(i, j), p(i + 1, j)] for j in range(k) for i in range(k - 1)]
    lines += [[p(i, j), p(i, j + 1)] for i in range(k) for j in range(k - 1)]
    lines += [[p(i, i), p(i + 1, i + 1)] for i in range(k - 1)]
    graph = prepare_network(make_lines(lines), prepare="none").segment_graph()
    assert graph.n_segments > 2_000
    assert seg._locality_order(graph) is not None
    radii = [300.0, 700.0, "angular:120", "steps:3"]
    kw = {"radii": radii, "threads": 2}
    for cost, mode in [("angular", "catchment"), ("angular", "route"), ("metric", "catchment")]:
        renumbered = seg.segment_measures(graph, cost=cost, radius_mode=mode, **kw)
        with monkeypatch.context() as m:
            m.setattr(seg, "_locality_order", lambda g: None)
            plain = seg.segment_measures(graph, cost=cost, radius_mode=mode, **kw)
        assert renumbered.keys() == plain.keys()
        for name, values in plain.items():
            np.testing.assert_allclose(renumbered[name], values, rtol=1e-12, atol=1e-12)

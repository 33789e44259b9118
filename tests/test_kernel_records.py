"""The kernels' shared pieces: route counting over tight moves, and the named-tuple records."""

from __future__ import annotations

import numpy as np

from stadsrum.kernels.search import BEYOND, SETTLED, StateGraph, search_scratch, topological

# A hand-made search result, states 0..5 (A..F) in pop order:
#   A, B  sources (pred -1), cost 0; a free move A -> B (a route never re-enters a source)
#   C     cost 1, reached from A and from B (1 + 0 = 1 both: two routes)
#   D, E  cost 1: C -> D free, and a free cycle D <-> E
#   F     cost 2, reached from D and from E (1 + 1)
A, B, C, D, E, F = range(6)
MOVES = [(A, B, 0.0), (A, C, 1.0), (B, C, 1.0), (C, D, 0.0), (D, E, 0.0), (D, F, 1.0),
         (E, D, 0.0), (E, F, 1.0)]  # fmt: skip
DIST = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 2.0])
PRED = np.array([-1, -1, 1, 3, 4, 5])  # any move for the others: only "-1 or not" matters


def _csr():
    indptr = np.zeros(7, dtype=np.int64)
    for s, _, _ in MOVES:
        indptr[s + 1] += 1
    indptr = np.cumsum(indptr)
    dst = np.array([t for _, t, _ in MOVES], dtype=np.int64)  # MOVES is sorted by source
    tcost = np.array([c for _, _, c in MOVES])
    return indptr, dst, tcost


def _run(include):
    indptr, dst, tcost = _csr()
    order = np.arange(6, dtype=np.int64)
    sigma = np.zeros(6)
    indeg = np.zeros(6, dtype=np.int64)
    rank = np.full(6, -1, dtype=np.int64)
    topo = np.empty(6, dtype=np.int64)
    n = topological(6, order, include, PRED, indptr, dst, tcost, DIST, sigma, indeg, rank, topo)
    return n, topo[:n].tolist(), sigma


def test_topological_counts_routes_through_a_free_cycle():
    """Hand count: A and B start one route each and the free move A -> B adds none
    (B is a source). C gets both (2). D gets C's 2; the cycle D <-> E has no order,
    so D, the first waiting state in pop order, is released with what it has (2),
    and E gets D's 2. F gets D's 2 and E's 2 = 4. F is BEYOND (reached, not left):
    ordered and counted, never walked on from."""
    include = np.array([SETTLED] * 5 + [BEYOND], dtype=np.int64)
    n, topo, sigma = _run(include)
    assert n == 6
    assert topo == [A, B, C, D, E, F]
    assert sigma.tolist() == [1.0, 1.0, 2.0, 2.0, 2.0, 4.0]


def test_topological_leaves_out_what_the_mask_leaves_out():
    """Without E (not in this radius), D has C's 2 routes only and F gets D's 2;
    E is neither ordered nor counted."""
    include = np.array([SETTLED, SETTLED, SETTLED, SETTLED, 0, SETTLED], dtype=np.int64)
    n, topo, sigma = _run(include)
    assert n == 5
    assert topo == [A, B, C, D, F]
    assert sigma.tolist() == [1.0, 1.0, 2.0, 2.0, 0.0, 2.0]


def test_records_are_plain_named_tuples_of_the_callers_arrays():
    """The records hold the caller's arrays themselves (no copies), so a kernel's
    writes land in them, and they unpack in field order."""
    indptr, dst, tcost = _csr()
    graph = StateGraph(indptr, dst, tcost, tcost, np.ones(3))
    assert graph.tlen is tcost
    first, *_ = graph
    assert first is indptr
    scratch = search_scratch(6, len(dst), 2)
    assert len(scratch.src) == 4
    assert len(scratch.segdist) == 3
    assert len(scratch.hkey) >= len(dst) + 2 * 2  # each move and each start pushes once
    assert np.isinf(scratch.dist).all()
    assert (scratch.pred == -1).all()

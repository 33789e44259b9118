"""The one least-cost search over directed segment states, shared by every analysis.

Segment analysis (one origin segment at a time), place-to-node distances and
attraction accessibility (points on segments, with their access distances as
starting costs) all run :func:`state_search`. States are as in
:mod:`stadsrum.network.segments`: ``2*i`` travels segment ``i`` towards its
end 1, ``2*i + 1`` towards its end 0; transitions are a CSR (``indptr``,
``dst``) with a cost and a length (metres) each.

The kernels take their arrays bundled in named tuples of flat arrays
(:class:`StateGraph` for the network, :class:`SearchScratch` for one worker's
search arrays), which numba passes as plainly as separate arguments. The
primitives here (:func:`state_search`, :func:`topological`,
:func:`reset_states`) keep flat arguments, so that a kernel may search with
arrays of its own (a second search's, another cost). No wrapper over them
takes the records: each one is code numba compiles once more per caller.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

# Explicit signatures compile these helpers once per index type, when the module is first
# imported (or load them from the cache), instead of once per caller and per literal
# argument (a call with ``size=0`` or ``n_sources=2`` is its own specialisation otherwise).
# Arrays the search only reads are typed read-only, which every array converts to.


def array(dtype: types.Type, *, readonly: bool = False, ndim: int = 1) -> types.Array:
    """A C-contiguous numba array type (read-only ones also accept writable arrays)."""
    return types.Array(dtype, ndim, "C", readonly=readonly)


F8, IDX = array(types.float64), (types.int32, types.int64)

# Costs closer than TOL * (1 + cost) are equal.
TOL = 1e-9


@njit(cache=True, nogil=True)
def tight(ds, c, dt):
    """Whether the move ``ds + c`` reaches a state at its least cost ``dt`` (within TOL):
    a move on a least-cost route, as choice and betweenness count them. ``abs``: a
    route that starts part way along a segment may carry a negative cost."""
    return ds + c <= dt + TOL * (1.0 + abs(dt))


# values of ``settled``
OPEN = 0
SETTLED = 1
BEYOND = 2  # settled, but its route is longer than the length limit: left out


class StateGraph(NamedTuple):
    """The directed-state CSR a search walks, as the kernels take it."""

    indptr: (
        np.ndarray
    )  # int32/int64 [n_states + 1]: transitions of state s at indptr[s]:indptr[s+1]
    dst: np.ndarray  # int32/int64 [n_transitions]: the state a transition enters
    tcost: np.ndarray  # float64 [n_transitions]: the search's cost of the transition
    tlen: np.ndarray  # float64 [n_transitions]: its metres (what a length limit bounds)
    seglen: np.ndarray  # float64 [n_segments]: segment metres


class SearchScratch(NamedTuple):
    """One worker's arrays for :func:`state_search`, reused search after search.

    Per state ``dist, rlen`` (inf), ``pred`` (-1), ``settled`` (:data:`OPEN`),
    ``order``; the heap ``hkey, hval``; the start states ``src, src_cost``;
    per segment ``segdist`` (inf: no catchment). A kernel leaves them as found.
    """

    dist: np.ndarray
    rlen: np.ndarray
    pred: np.ndarray
    settled: np.ndarray
    order: np.ndarray
    hkey: np.ndarray
    hval: np.ndarray
    src: np.ndarray
    src_cost: np.ndarray
    segdist: np.ndarray


def search_scratch(n_states: int, n_transitions: int, max_sources: int) -> SearchScratch:
    """Fresh :class:`SearchScratch` for a graph (up to ``max_sources`` start points)."""
    n_heap = n_transitions + 2 * max_sources + 2  # every transition pushes at most once
    return SearchScratch(
        dist=np.full(n_states, np.inf),
        rlen=np.full(n_states, np.inf),
        pred=np.full(n_states, -1, dtype=np.int64),
        settled=np.zeros(n_states, dtype=np.int64),
        order=np.empty(n_states, dtype=np.int64),
        hkey=np.empty(n_heap),
        hval=np.empty(n_heap, dtype=np.int64),
        src=np.empty(2 * max_sources, dtype=np.int64),
        src_cost=np.empty(2 * max_sources),
        segdist=np.full(n_states // 2, np.inf),
    )


@njit(
    [(F8, array(i), types.int64, types.float64, i) for i in IDX],
    cache=True,
    nogil=True,
)
def heap_push(hkey, hval, size, key, val):
    # A 4-ary heap (children of i at 4i + 1 .. 4i + 4): half the levels of a binary
    # one, and a node's children side by side in memory; 13% less time than binary
    # in a catchment search. The new entry moves up through a hole and is written
    # once (the same as swapping it up, in about half the writes).
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hval[i] = hval[parent]
        i = parent
    hkey[i] = key
    hval[i] = val
    return size + 1


@njit([(F8, array(i), types.int64) for i in IDX], cache=True, nogil=True)
def heap_pop(hkey, hval, size):
    key = hkey[0]
    val = hval[0]
    size -= 1
    last_key = hkey[size]  # the last entry sinks from the root through a hole
    last_val = hval[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        small = first
        small_key = hkey[first]
        for c in range(first + 1, min(first + 4, size)):
            if hkey[c] < small_key:
                small = c
                small_key = hkey[c]
        if last_key <= small_key:
            break
        hkey[i] = small_key
        hval[i] = hval[small]
        i = small
    hkey[i] = last_key
    hval[i] = last_val
    return key, val, size


def _search_signature(i: types.Integer) -> tuple[types.Type, ...]:
    ro_i, ro_f = array(i, readonly=True), array(types.float64, readonly=True)
    f8, ai = types.float64, array(i)
    inputs = (ro_i, ro_f, ro_f, types.int64, f8, f8, ro_f, ro_i, ro_i, ro_f, ro_f)
    scratch = (F8, F8, ai, ai, ai, F8, ai)  # dist, rlen, pred, settled, order, hkey, hval
    return (*inputs, *scratch)


@njit([_search_signature(i) for i in IDX], cache=True, nogil=True)
def state_search(
    sources,
    source_cost,
    source_len,
    n_sources,
    len_limit,
    allowed_limit,
    segdist,
    indptr,
    dst,
    tcost,
    tlen,
    dist,
    rlen,
    pred,
    settled,
    order,
    hkey,
    hval,
):
    """Multi-source least-cost search over directed states.

    Parameters
    ----------
    sources, source_cost, source_len : arrays, first ``n_sources`` used
        Start states with their starting cost and route length (metres);
        a starting cost may be negative (a point past a segment's midpoint).
    len_limit : float
        A state whose route (the one that first reached it at least cost)
        is longer than this is settled as ``BEYOND`` and not expanded
        (depthmapX/PST's radius; ``inf`` for none).
    allowed_limit : float
        Only states of segments with ``segdist <= allowed_limit`` are entered
        (a catchment; ``inf`` with ``segdist`` all ``inf`` for none).
    dist, rlen, pred, settled : per-state scratch, ``inf``/``inf``/-1/0 on entry
        Least cost, route length, the transition that reached the state
        (-1 for a source) and the settle flag, written for every state listed.
    order : int array
        Receives the settled states in pop order (``BEYOND`` ones included).

    Returns
    -------
    int
        Number of states in ``order``; reset exactly those afterwards.
    """
    size = 0
    n_order = 0
    for i in range(n_sources):
        s = sources[i]
        c = source_cost[i]
        if c < dist[s]:
            dist[s] = c
            rlen[s] = source_len[i]
            pred[s] = -1
            size = heap_push(hkey, hval, size, c, s)
    while size > 0:
        d, s, size = heap_pop(hkey, hval, size)
        if settled[s] != OPEN or d > dist[s]:
            continue
        if rlen[s] > len_limit + TOL * (1.0 + len_limit):
            settled[s] = BEYOND
            order[n_order] = s
            n_order += 1
            continue
        settled[s] = SETTLED
        order[n_order] = s
        n_order += 1
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if settled[t] != OPEN or segdist[t >> 1] > allowed_limit:
                continue
            nd = d + tcost[k]
            if nd < dist[t] - TOL * (1.0 + abs(nd)):
                dist[t] = nd
                rlen[t] = rlen[s] + tlen[k]
                pred[t] = k
                size = heap_push(hkey, hval, size, nd, t)
    return n_order


@njit(cache=True, nogil=True)
def add_move_in(phead, pfrom, pnext, n_entries, t, s, first):
    """List the tight move ``s -> t`` among ``t``'s moves in (entry ``n_entries``):
    as the first and only one (``first``: a strictly better route to ``t``
    empties its list) or one more. Returns the next free entry."""
    pfrom[n_entries] = s
    pnext[n_entries] = -1 if first else phead[t]
    phead[t] = n_entries
    return n_entries + 1


def _dag_signature(i: types.Integer) -> tuple[types.Type, ...]:
    ai = array(i)
    # state_search's arguments, then per state phead, per transition pfrom, pnext
    return (*_search_signature(i), ai, ai, ai, types.boolean)


@njit(
    # int32 indices only: the segment kernel's (each signature is compiled on import)
    [types.UniTuple(types.int64, 3)(*_dag_signature(types.int32))],
    cache=True,
    nogil=True,
)
def dag_search(
    sources,
    source_cost,
    source_len,
    n_sources,
    len_limit,
    allowed_limit,
    segdist,
    indptr,
    dst,
    tcost,
    tlen,
    dist,
    rlen,
    pred,
    settled,
    order,
    hkey,
    hval,
    phead,
    pfrom,
    pnext,
    record,
):
    """:func:`state_search` that also lists every state's tight moves in (its DAG).

    The same search, states and results as :func:`state_search`; with
    ``record`` it keeps, per state ``t``, the settled states ``u`` with a tight
    move into ``t`` (:func:`tight` on their final costs): a linked list from
    ``phead[t]`` (-1: none) through ``pfrom`` (the state ``u``) and ``pnext``
    (the next entry, -1 at the end), entries numbered from 0 in the order they
    were made (at most one per transition relaxed). A strictly better route
    to ``t`` empties its list; the sources (``pred`` -1) get none. Route
    counts and choice then follow these lists instead of rescanning every
    out-move with its cost test, twice.

    A tight move found into a state already settled (a zero-cost move between
    two states of equal cost popped the other way round) makes the pop order
    no topological order of the DAG: the second value returned says so (1),
    and the caller orders the states (:func:`topological`) before counting.

    ``phead`` is per-state scratch (-1 on entry; :func:`reset_states` does
    not touch it: reset it over ``order``). Returns ``(n_order, late,
    n_entries)``, the last the number of list entries made.
    """
    size = 0
    n_order = 0
    n_entries = 0
    late = 0
    for i in range(n_sources):
        s = sources[i]
        c = source_cost[i]
        if c < dist[s]:
            dist[s] = c
            rlen[s] = source_len[i]
            pred[s] = -1
            size = heap_push(hkey, hval, size, c, s)
    while size > 0:
        d, s, size = heap_pop(hkey, hval, size)
        if settled[s] != OPEN or d > dist[s]:
            continue
        if rlen[s] > len_limit + TOL * (1.0 + len_limit):
            settled[s] = BEYOND
            order[n_order] = s
            n_order += 1
            continue
        settled[s] = SETTLED
        order[n_order] = s
        n_order += 1
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if segdist[t >> 1] > allowed_limit:
                continue
            nd = d + tcost[k]
            dt = dist[t]
            if settled[t] != OPEN:
                # only a tight move into a settled state is news: one more route
                if (
                    record
                    and settled[t] == SETTLED
                    and pred[t] != -1
                    and nd <= dt + TOL * (1.0 + abs(dt))
                ):
                    n_entries = add_move_in(phead, pfrom, pnext, n_entries, t, s, False)
                    late = 1
                continue
            if nd < dt - TOL * (1.0 + abs(nd)):
                dist[t] = nd
                rlen[t] = rlen[s] + tlen[k]
                pred[t] = k
                size = heap_push(hkey, hval, size, nd, t)
                if record:
                    n_entries = add_move_in(phead, pfrom, pnext, n_entries, t, s, True)
            elif record and pred[t] != -1 and nd <= dt + TOL * (1.0 + abs(dt)):
                n_entries = add_move_in(phead, pfrom, pnext, n_entries, t, s, False)
    return n_order, late, n_entries


@njit(
    [(types.int64, array(i, readonly=True), F8, F8, array(i), array(i)) for i in IDX],
    cache=True,
    nogil=True,
)
def reset_states(n_order, order, dist, rlen, pred, settled):
    """Undo a search on the states it settled (``order``)."""
    for i in range(n_order):
        s = order[i]
        dist[s] = np.inf
        rlen[s] = np.inf
        pred[s] = -1
        settled[s] = OPEN


@njit(cache=True, nogil=True)
def topological(n_order, order, include, pred, indptr, dst, tcost, dist, sigma, indeg, rank, topo):
    """Order a search's states so every tight move goes forward; count routes (``sigma``).

    Choice and betweenness count least-cost routes over the tight moves
    (:func:`tight`); zero-cost moves (angular straight on, turns under one
    tulip bin, steps under the threshold) make the heap's pop order no
    topological order of them, so this builds one (Kahn's algorithm).

    ``include[s]`` says which states take part: 0 none, :data:`SETTLED` a state
    routes pass through, :data:`BEYOND` one they reach but never leave (a
    search's ``settled`` array works as it is). The sources are the included
    states the search started from (``pred[s] == -1``), possibly part way along
    their segments: each starts one route (``sigma`` 1), in pop order, and no
    route re-enters one. A cycle of zero-cost moves has no topological order:
    its first state in pop order is released, as if its remaining in-moves
    were not tight.

    ``order[:n_order]`` is the search's pop order; ``sigma`` (0), ``indeg`` (0)
    and ``rank`` (-1) are per-state scratch, written for the ordered states.
    Returns the number of ordered states in ``topo``; ``rank`` gives positions.
    """
    n_topo = 0
    for i in range(n_order):
        s = order[i]
        if include[s] == 0:
            continue
        if pred[s] == -1:
            sigma[s] = 1.0
            rank[s] = n_topo
            topo[n_topo] = s
            n_topo += 1
        if include[s] != SETTLED:
            continue
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if include[t] != 0 and pred[t] != -1 and tight(dist[s], tcost[k], dist[t]):
                indeg[t] += 1
    head = 0
    scan = 0
    while True:
        while head < n_topo:
            s = topo[head]
            head += 1
            if include[s] != SETTLED:
                continue
            for k in range(indptr[s], indptr[s + 1]):
                t = dst[k]
                if include[t] == 0 or rank[t] >= 0 or pred[t] == -1:
                    continue
                if tight(dist[s], tcost[k], dist[t]):
                    sigma[t] += sigma[s]
                    indeg[t] -= 1
                    if indeg[t] == 0:
                        rank[t] = n_topo
                        topo[n_topo] = t
                        n_topo += 1
        found = -1
        while scan < n_order:
            s = order[scan]
            if include[s] != 0 and rank[s] < 0:
                found = s
                break
            scan += 1
        if found < 0:
            break
        rank[found] = n_topo
        topo[n_topo] = found
        n_topo += 1
    return n_topo


@njit(cache=True, nogil=True)
def undirected_exact(indptr, dst, tlen):
    """Whether midpoint-to-midpoint metres on the segments, searched with no regard to
    the direction of travel (:func:`segment_catchment`), equal those of the state search.

    The segment graph joins segments ``a`` and ``b`` wherever a state of ``a`` has
    a transition into a state of ``b``. Its routes may do what states cannot: enter
    ``b`` at a junction and leave ``b`` by the same junction (a U-turn at ``b``'s
    midpoint). Such a route is never the shortest when the state ``s`` that entered
    ``b`` (by ``k1``) has a move of its own into the state ``u`` left to (by ``k2``,
    from ``b``'s reversed state), at most ``tlen[k1] + tlen[k2]`` long: the U-turn
    is then cut out, route after route, until the route is one of states. The
    segment graph of :func:`~stadsrum.network.segments.build_segment_graph` joins
    every pair of segment ends at a junction, at half of each segment, so this
    holds there; a graph with some moves taken away (a turn ban, a tile's edge)
    may break it, and is then searched over its states.
    """
    n_states = len(indptr) - 1
    best = np.full(n_states, np.inf)  # per target state: s's shortest move into it
    for s in range(n_states):
        for k in range(indptr[s], indptr[s + 1]):
            if tlen[k] < best[dst[k]]:
                best[dst[k]] = tlen[k]
        ok = True
        for k1 in range(indptr[s], indptr[s + 1]):
            b = dst[k1] ^ 1  # b travelling back to the junction s entered it from
            for k2 in range(indptr[b], indptr[b + 1]):
                u = dst[k2]
                if (u >> 1) == (s >> 1):
                    continue  # back onto s's own segment: no shortest route does that
                if best[u] > tlen[k1] + tlen[k2]:
                    ok = False
        for k in range(indptr[s], indptr[s + 1]):
            best[dst[k]] = np.inf
        if not ok:
            return False
    return True


@njit(cache=True, nogil=True)
def segment_catchment(origin, len_limit, indptr, dst, tlen, segdist, mseg, order, hkey, hval):
    """Midpoint-to-midpoint metres from segment ``origin``, on segments rather than states.

    The walking catchment of segment analysis needs only each segment's metres
    from the origin, the least over its two states, which no direction of
    travel changes: so this searches one node per segment (half the states of
    :func:`state_search`), its moves those of both states (``indptr[2i]`` to
    ``indptr[2i + 2]``). Exact where :func:`undirected_exact` holds: the same
    least metres, relaxed and settled with the same ``TOL`` rules; the segments
    within ``len_limit`` (+ ``TOL``) get theirs in ``segdist``.

    ``mseg`` is per-segment scratch (``inf`` on entry): a segment's metres while
    it waits, -1 once settled (so nothing improves it and no settle flag is read:
    one array, one cache line per look). ``order`` receives ``2i`` for every
    segment given metres, in the order they were first reached, settled or not;
    the caller resets ``mseg`` and ``segdist`` at ``order[j] >> 1``. Returns
    their number.
    """
    lim = len_limit + TOL * (1.0 + len_limit)
    mseg[origin] = 0.0
    order[0] = 2 * origin
    n_order = 1
    size = heap_push(hkey, hval, 0, 0.0, origin)
    while size > 0:
        d, a, size = heap_pop(hkey, hval, size)
        if d > mseg[a] or mseg[a] < 0.0:
            continue  # a stale entry, or settled
        if d > lim:
            break  # keys pop in ascending order: everything left is beyond too
        mseg[a] = -1.0
        segdist[a] = d
        for k in range(indptr[2 * a], indptr[2 * a + 2]):
            b = dst[k] >> 1
            nd = d + tlen[k]
            mb = mseg[b]
            if nd < mb - TOL * (1.0 + abs(nd)):
                if mb == np.inf:
                    order[n_order] = 2 * b
                    n_order += 1
                mseg[b] = nd
                size = heap_push(hkey, hval, size, nd, b)
    return n_order

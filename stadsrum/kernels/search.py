"""The one least-cost search over directed segment states, shared by every analysis.

Segment analysis (one origin segment at a time), place-to-node distances and
attraction accessibility (points on segments, with their access distances as
starting costs) all run :func:`state_search`. States are as in
:mod:`stadsrum.network.segments`: ``2*i`` travels segment ``i`` towards its
end 1, ``2*i + 1`` towards its end 0; transitions are a CSR (``indptr``,
``dst``) with a cost and a length (metres) each.
"""

from __future__ import annotations

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


@njit(
    [(F8, array(i), types.int64, types.float64, i) for i in IDX],
    cache=True,
    nogil=True,
)
def heap_push(hkey, hval, size, key, val):
    i = size
    hkey[i] = key
    hval[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if hkey[parent] <= hkey[i]:
            break
        hkey[parent], hkey[i] = hkey[i], hkey[parent]
        hval[parent], hval[i] = hval[i], hval[parent]
        i = parent
    return size + 1


@njit([(F8, array(i), types.int64) for i in IDX], cache=True, nogil=True)
def heap_pop(hkey, hval, size):
    key = hkey[0]
    val = hval[0]
    size -= 1
    hkey[0] = hkey[size]
    hval[0] = hval[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        small = left
        right = left + 1
        if right < size and hkey[right] < hkey[left]:
            small = right
        if hkey[i] <= hkey[small]:
            break
        hkey[small], hkey[i] = hkey[i], hkey[small]
        hval[small], hval[i] = hval[i], hval[small]
        i = small
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

"""Catchments of typed radii (steps, angular) from segments, on the shared state search.

A steps or angular radius (PST's ``DistanceType``) bounds the least number of
direction changes or the least degrees of turning on the way from the
segments a feature joins to another segment. Cost is paid at junctions only:
every point of a segment reached at cost ``c`` is at ``c``, and the start
segments are at 0 in both directions, as PST's attraction reach counts them.
The search is :func:`~stadsrum.kernels.search.state_search` with the move cost
as its route length too, so its length limit is the radius itself.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stadsrum.kernels.search import SETTLED, reset_states, state_search


@njit(cache=True, nogil=True)
def cost_catchment(edges, limit, graph, sc, seg_best):
    """Segments within ``limit`` (inclusive) of the start segments, by ``graph.tcost``.

    Parameters
    ----------
    edges
        Start segments (a feature's access points' segments; repeats allowed,
        at most ``len(sc.src) // 2`` of them).
    limit
        The radius in the cost's units (steps, degrees).
    graph
        :class:`~stadsrum.kernels.search.StateGraph` whose ``tcost`` and
        ``tlen`` are both the cost of each move (1 per step, or degrees): the
        limit bounds the cost itself.
    sc
        :class:`~stadsrum.kernels.search.SearchScratch` (its ``segdist`` all
        ``inf``: no catchment restriction); left as found.
    seg_best
        Per segment, all ``inf``; left as found.

    Returns
    -------
    segments : int64[k]
        The segments reached within ``limit``.
    cost : float64[k]
        Least cost of each (the lesser of its two directions).
    """
    src, src_cost, dist, order, settled = sc.src, sc.src_cost, sc.dist, sc.order, sc.settled
    n_src = 0
    for i in range(len(edges)):
        e = edges[i]
        src[n_src] = 2 * e
        src_cost[n_src] = 0.0
        src[n_src + 1] = 2 * e + 1
        src_cost[n_src + 1] = 0.0
        n_src += 2
    n_order = state_search(
        src,
        src_cost,
        src_cost,
        n_src,
        limit,
        np.inf,
        sc.segdist,
        graph.indptr,
        graph.dst,
        graph.tcost,
        graph.tlen,
        dist,
        sc.rlen,
        sc.pred,
        settled,
        order,
        sc.hkey,
        sc.hval,
    )
    segs = np.empty(n_order, dtype=np.int64)
    k = 0
    for i in range(n_order):
        s = order[i]
        if settled[s] != SETTLED:
            continue  # past the radius
        g = s >> 1
        if seg_best[g] == np.inf:
            segs[k] = g
            k += 1
            seg_best[g] = dist[s]
        elif dist[s] < seg_best[g]:
            seg_best[g] = dist[s]
    cost = np.empty(k)
    for j in range(k):
        cost[j] = seg_best[segs[j]]
        seg_best[segs[j]] = np.inf
    reset_states(n_order, order, dist, sc.rlen, sc.pred, settled)
    return segs[:k], cost

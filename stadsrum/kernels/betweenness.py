"""Attraction and OD betweenness of street segments, one bounded search per origin (numba).

The search is the shared :func:`~stadsrum.kernels.search.state_search` over
directed segment states (``2e`` walks segment ``e`` towards its end 1,
``2e + 1`` back). An origin starts at its access points, part-way along
their segments; a destination is reached where a state walks past one of its
access points. Routes of equal least cost are counted as in ``choice``: the
least-cost ("tight") moves form a DAG, each route to a destination carries
an equal share of the destination's flow, and Brandes' back-propagation adds
each state's flow to its segment. A segment is credited with the whole flow
of every route that walks any part of it, the partial walks on the origin's
and the destination's segments included (PST credits the lines of a route
the same way).

Cost at a point on a segment: with ``along`` (metric cost), a state's cost is
the cost at the end it heads for and a point ``rem`` metres before that end
costs ``dist - rem``; otherwise (angular, steps) cost is paid at junctions
only and every point of a state's segment costs ``dist``. ``rlen`` (metres of
the route that first reached a state) is measured the same way and bounds the
radius, link distances at both ends included.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stadsrum.kernels.search import SETTLED, TOL, reset_states, state_search, tight

#: destination modes
ATTRACTION = 0  # every attraction within reach gets W(o)·w(d)
OD_ALL = 1  # W(o) shared over the reachable destinations in proportion to w(d)
OD_CLOSEST = 2  # W(o) to the closest destination (ties share in proportion to w(d))


@njit(cache=True, nogil=True)
def _at_point(s, j, spos, dist, rlen, pred, seglen, d_pos, d_link, along):
    """(ok, cost, metres) of reaching destination access point ``j`` through state ``s``."""
    f = s >> 1
    q = d_pos[j]
    if pred[s] == -1:
        # a start state walks only the part of its segment beyond its start point
        if s % 2 == 0:
            if q < spos[s] - 1e-9:
                return False, 0.0, 0.0
        elif q > spos[s] + 1e-9:
            return False, 0.0, 0.0
    rem = seglen[f] - q if s % 2 == 0 else q
    length = rlen[s] - rem + d_link[j]
    cost = dist[s] - rem + d_link[j] if along else dist[s]
    return True, cost, length


@njit(cache=True, nogil=True)
def betweenness_origin(
    a_edge,
    a_pos,
    a_link,
    w_origin,
    self_dest,
    mode,
    radius,
    along,
    indptr,
    dst,
    tcost,
    tlen,
    seglen,
    d_ptr,
    d_owner,
    d_pos,
    d_link,
    d_weight,
    out,
    dist,
    rlen,
    pred,
    settled,
    order,
    hkey,
    hval,
    src,
    src_cost,
    src_len,
    segdist,
    spos,
    sigma,
    ghat,
    h,
    indeg,
    rank,
    topo,
    dbest,
    dlen,
    dsig,
    dflow,
    dtouched,
):
    """Add one origin's routes to ``out`` (per segment); returns destinations reached.

    Parameters
    ----------
    a_edge, a_pos, a_link
        The origin's access points: segment, metres along it, link metres.
    w_origin
        The origin's weight.
    self_dest
        A destination not to route to (the origin itself, when the origins are
        the attractions), or -1.
    mode
        :data:`ATTRACTION`, :data:`OD_ALL` or :data:`OD_CLOSEST`.
    radius
        Most metres of a route, links included (``inf``: none).
    along
        Whether cost accrues along segments (metric cost).
    indptr, dst, tcost, tlen, seglen
        State CSR, transition cost, entered segment's metres, segment metres.
    d_ptr, d_owner, d_pos, d_link
        Destination access points by segment (CSR over segments): owner
        destination, metres along, link metres.
    d_weight
        Destination weights (``<= 0``: never a destination).
    out
        Per-segment sums of this worker, added to.
    the rest
        Per-worker scratch: per state ``dist, rlen`` (inf), ``pred`` (-1),
        ``settled`` (0), ``spos`` (nan), ``sigma, ghat, h`` (0), ``indeg`` (0),
        ``rank`` (-1), ``order, topo``; heap ``hkey, hval``; sources ``src,
        src_cost, src_len``; ``segdist`` (inf, per segment); per destination
        ``dbest, dlen`` (inf), ``dsig, dflow`` (0), ``dtouched``. Left as found.
    """
    # start states: each access point starts both directions of its segment
    n_src = 0
    for i in range(len(a_edge)):
        e = a_edge[i]
        for side in range(2):
            s = 2 * e + side
            part = seglen[e] - a_pos[i] if side == 0 else a_pos[i]
            cost = a_link[i] + part if along else 0.0
            length = a_link[i] + part
            # one start per state: the cheapest (then shortest) access point
            k = -1
            for m in range(n_src):
                if src[m] == s:
                    k = m
            if k < 0:
                src[n_src] = s
                src_cost[n_src] = cost
                src_len[n_src] = length
                spos[s] = a_pos[i]
                n_src += 1
            elif cost < src_cost[k] or (cost == src_cost[k] and length < src_len[k]):
                src_cost[k] = cost
                src_len[k] = length
                spos[s] = a_pos[i]
    n_order = state_search(
        src,
        src_cost,
        src_len,
        n_src,
        radius,
        np.inf,
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
    )

    # least-cost routes: topological order of the tight moves, path counts (sigma)
    for i in range(n_order):
        s = order[i]
        if settled[s] != SETTLED:
            continue  # beyond the radius: reached, but not walked on from
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if settled[t] != 0 and pred[t] != -1 and tight(dist[s], tcost[k], dist[t]):
                indeg[t] += 1
    n_topo = 0
    head = 0
    for i in range(n_order):
        s = order[i]
        if pred[s] == -1:
            sigma[s] = 1.0
            rank[s] = n_topo
            topo[n_topo] = s
            n_topo += 1
    scan = 0
    while True:
        while head < n_topo:
            s = topo[head]
            head += 1
            if settled[s] != SETTLED:
                continue
            for k in range(indptr[s], indptr[s + 1]):
                t = dst[k]
                if settled[t] == 0 or pred[t] == -1 or rank[t] >= 0:
                    continue
                if tight(dist[s], tcost[k], dist[t]):
                    sigma[t] += sigma[s]
                    indeg[t] -= 1
                    if indeg[t] == 0:
                        rank[t] = n_topo
                        topo[n_topo] = t
                        n_topo += 1
        # a cycle of free moves (angular straight on, steps under the threshold)
        # has no topological order: release its first state in pop order
        found = -1
        while scan < n_order:
            s = order[scan]
            if rank[s] < 0:
                found = s
                break
            scan += 1
        if found < 0:
            break
        rank[found] = n_topo
        topo[n_topo] = found
        n_topo += 1

    # the least cost (and its metres) of each destination within the radius
    n_dest = 0
    for i in range(n_order):
        s = order[i]
        f = s >> 1
        for j in range(d_ptr[f], d_ptr[f + 1]):
            d = d_owner[j]
            if d == self_dest or not d_weight[d] > 0:
                continue
            ok, cost, length = _at_point(s, j, spos, dist, rlen, pred, seglen, d_pos, d_link, along)
            if not ok or length > radius + TOL * (1.0 + radius):
                continue
            if dbest[d] == np.inf:
                dtouched[n_dest] = d
                n_dest += 1
            if cost < dbest[d] - TOL * (1.0 + abs(cost)):
                dbest[d] = cost
                dlen[d] = length
            elif cost <= dbest[d] + TOL * (1.0 + abs(cost)) and length < dlen[d]:
                dlen[d] = length

    # each destination's flow
    if n_dest > 0:
        if mode == ATTRACTION:
            for i in range(n_dest):
                d = dtouched[i]
                dflow[d] = w_origin * d_weight[d]
        else:
            best = np.inf
            best_len = np.inf
            if mode == OD_CLOSEST:
                for i in range(n_dest):
                    best = min(best, dbest[dtouched[i]])
                for i in range(n_dest):
                    d = dtouched[i]
                    if dbest[d] <= best + TOL * (1.0 + abs(best)):
                        best_len = min(best_len, dlen[d])
            total = 0.0
            for i in range(n_dest):
                d = dtouched[i]
                if mode == OD_ALL or (
                    dbest[d] <= best + TOL * (1.0 + abs(best))
                    and dlen[d] <= best_len + TOL * (1.0 + best_len)
                ):
                    dflow[d] = d_weight[d]
                    total += d_weight[d]
            for i in range(n_dest):
                d = dtouched[i]
                dflow[d] = w_origin * dflow[d] / total

        # routes to a destination: its tight arrivals, each with sigma routes
        for sweep in range(2):
            for i in range(n_order):
                s = order[i]
                f = s >> 1
                for j in range(d_ptr[f], d_ptr[f + 1]):
                    d = d_owner[j]
                    if dflow[d] == 0.0:
                        continue
                    ok, cost, length = _at_point(
                        s, j, spos, dist, rlen, pred, seglen, d_pos, d_link, along
                    )
                    if not ok or length > radius + TOL * (1.0 + radius):
                        continue
                    if cost > dbest[d] + TOL * (1.0 + abs(cost)):
                        continue
                    if sweep == 0:
                        dsig[d] += sigma[s]
                    else:
                        ghat[s] += dflow[d] / dsig[d]

        # Brandes: h(s) = flow per route through s; the segment gets sigma(s)·h(s)
        for i in range(n_topo - 1, -1, -1):
            s = topo[i]
            a = ghat[s]
            if settled[s] == SETTLED:
                rs = rank[s]
                for k in range(indptr[s], indptr[s + 1]):
                    t = dst[k]
                    if (
                        settled[t] != 0
                        and pred[t] != -1
                        and rank[t] > rs
                        and tight(dist[s], tcost[k], dist[t])
                    ):
                        a += h[t]
            h[s] = a
            if a != 0.0:
                out[s >> 1] += sigma[s] * a

    reached = n_dest
    for i in range(n_dest):
        d = dtouched[i]
        dbest[d] = np.inf
        dlen[d] = np.inf
        dsig[d] = 0.0
        dflow[d] = 0.0
    for i in range(n_order):
        s = order[i]
        spos[s] = np.nan
        sigma[s] = 0.0
        ghat[s] = 0.0
        h[s] = 0.0
        indeg[s] = 0
        rank[s] = -1
    for i in range(n_src):
        spos[src[i]] = np.nan
    reset_states(n_order, order, dist, rlen, pred, settled)
    return reached

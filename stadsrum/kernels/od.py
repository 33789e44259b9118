"""Point-to-point distances on the street network, on the shared state search.

Here a state's cost is the distance at the *end* it heads for: entering a
segment costs its full length. A point at ``pos`` metres along segment ``e``
starts the two states of ``e`` at ``pos`` (towards end 0) and
``length - pos`` (towards end 1), plus its access distance. A target point at
``q`` on segment ``f`` is reached by arriving at one of ``f``'s ends from
another segment and walking to ``q``, or directly along ``f`` from a start
point on it. Arrivals at an end are read through the transitions' symmetry:
the moves into state ``2f`` are the reverses of the moves out of ``2f + 1``.

The kernels take the network as a :class:`~stadsrum.kernels.search.StateGraph`
(``tcost`` and ``tlen``: the entered segment's metres, or midpoint to
midpoint for :func:`attraction_group`) and one worker's search arrays as a
:class:`~stadsrum.kernels.search.SearchScratch`, left as found.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stadsrum.kernels.search import SETTLED, reset_states, state_search


@njit(cache=True, nogil=True)
def search_from_points(a_edge, a_pos, a_cost, len_limit, graph, scratch):
    """The shared state search started from points on segments.

    A point ``a_pos`` metres along segment ``e`` with starting cost ``c``
    starts state ``2e`` at ``c + length - a_pos`` and ``2e + 1`` at
    ``c + a_pos``; the graph's ``tcost`` is the entered segment's length (its
    ``tlen`` the same). Returns the number of states in ``scratch.order``.
    """
    seglen = graph.seglen
    src = scratch.src
    src_cost = scratch.src_cost
    n_src = 0
    for i in range(len(a_edge)):
        e = a_edge[i]
        src[n_src] = 2 * e
        src_cost[n_src] = a_cost[i] + seglen[e] - a_pos[i]
        n_src += 1
        src[n_src] = 2 * e + 1
        src_cost[n_src] = a_cost[i] + a_pos[i]
        n_src += 1
    return state_search(
        src,
        src_cost,
        src_cost,
        n_src,
        len_limit,
        np.inf,
        scratch.segdist,
        graph.indptr,
        graph.dst,
        graph.tcost,
        graph.tlen,
        scratch.dist,
        scratch.rlen,
        scratch.pred,
        scratch.settled,
        scratch.order,
        scratch.hkey,
        scratch.hval,
    )


@njit(cache=True, nogil=True)
def _arrival(f, end, indptr, dst, dist, settled):
    """Least cost of arriving at ``end`` of segment ``f`` from a neighbour.

    Returns the cost, the arriving state and the transition index whose
    reverse is the move into ``f`` (same turn).
    """
    out_state = 2 * f + 1 if end == 0 else 2 * f
    best = np.inf
    best_s = -1
    best_k = -1
    for k in range(indptr[out_state], indptr[out_state + 1]):
        s = dst[k] ^ 1
        if settled[s] == SETTLED and dist[s] < best:
            best = dist[s]
            best_s = s
            best_k = k
    return best, best_s, best_k


@njit(cache=True, nogil=True)
def _best_way(t_edge, t_pos, a_edge, a_pos, a_cost, indptr, dst, dist, settled, seglen):
    """Cheapest way to a target point: (cost, arriving state, transition, start index).

    ``start index`` >= 0 means directly along the segment from that start point.
    """
    f = t_edge
    q = t_pos
    best = np.inf
    best_s = -1
    best_k = -1
    best_a = -1
    c0, s0, k0 = _arrival(f, 0, indptr, dst, dist, settled)
    if c0 + q < best:
        best, best_s, best_k = c0 + q, s0, k0
    c1, s1, k1 = _arrival(f, 1, indptr, dst, dist, settled)
    if c1 + seglen[f] - q < best:
        best, best_s, best_k = c1 + seglen[f] - q, s1, k1
    for i in range(len(a_edge)):
        if a_edge[i] == f:
            c = a_cost[i] + abs(q - a_pos[i])
            if c < best:
                best, best_s, best_k, best_a = c, -1, -1, i
    return best, best_s, best_k, best_a


@njit(cache=True, nogil=True)
def _start_of(s, a_edge, a_pos, a_cost, dist, seglen):
    """The start point whose starting cost set source state ``s``."""
    e = s >> 1
    for i in range(len(a_edge)):
        if a_edge[i] == e:
            c = a_cost[i] + (seglen[e] - a_pos[i] if s % 2 == 0 else a_pos[i])
            if abs(c - dist[s]) <= 1e-9 * (1.0 + abs(c)):
                return i
    return -1


@njit(cache=True, nogil=True)
def od_group(
    a_edge, a_pos, a_cost, t_edge, t_pos, len_limit, graph, tsrc, turn, turn_threshold,
    want_routes, scratch,
):  # fmt: skip
    """Distances (and routes) from one group of start points to every target point.

    Parameters
    ----------
    a_edge, a_pos, a_cost
        The group's start points (a place's access points): segment, metres
        along it, starting cost (its access distance).
    t_edge, t_pos
        Target points (segment, metres along it).
    len_limit
        Search no farther than this many metres (``inf``: everywhere).
    graph
        State graph, cost and length the entered segment's metres.
    tsrc, turn
        Per transition: the state it leaves, its turn in degrees.
    turn_threshold
        Turns of at least this many degrees count in ``turns``.
    want_routes
        Whether to return the routes' pieces.
    scratch
        This worker's search arrays (``segdist`` all ``inf``).

    Returns
    -------
    net, angle, turns : float64[n_targets]
        Network metres (without the targets' access), degrees of turning at
        junctions along the route, number of turns of at least the threshold.
    route_ptr, piece_seg, piece_from, piece_to
        CSR of route pieces per target: segment and positions (metres from
        the segment's first vertex) to walk between, in walking order.
    """
    n_order = search_from_points(a_edge, a_pos, a_cost, len_limit, graph, scratch)
    indptr, dst, seglen = graph.indptr, graph.dst, graph.seglen
    dist, pred, settled = scratch.dist, scratch.pred, scratch.settled
    n_t = len(t_edge)
    net = np.full(n_t, np.inf)
    angle = np.full(n_t, np.nan)
    turns = np.zeros(n_t, dtype=np.int64)
    n_pieces = np.zeros(n_t, dtype=np.int64)
    way_s = np.full(n_t, -1, dtype=np.int64)
    way_k = np.full(n_t, -1, dtype=np.int64)
    way_a = np.full(n_t, -1, dtype=np.int64)
    for j in range(n_t):
        c, s, k, a = _best_way(
            t_edge[j], t_pos[j], a_edge, a_pos, a_cost, indptr, dst, dist, settled, seglen
        )
        if c == np.inf:
            continue
        net[j] = c
        way_s[j] = s
        way_k[j] = k
        way_a[j] = a
        if a >= 0:
            angle[j] = 0.0
            n_pieces[j] = 1
            continue
        total = turn[k]
        count = 1 if turn[k] >= turn_threshold else 0
        pieces = 2
        while pred[s] >= 0:
            kk = pred[s]
            total += turn[kk]
            if turn[kk] >= turn_threshold:
                count += 1
            s = tsrc[kk]
            pieces += 1
        angle[j] = total
        turns[j] = count
        n_pieces[j] = pieces
    route_ptr = np.zeros(n_t + 1, dtype=np.int64)
    if want_routes:
        for j in range(n_t):
            route_ptr[j + 1] = route_ptr[j] + n_pieces[j]
    m = route_ptr[n_t]
    piece_seg = np.empty(m, dtype=np.int64)
    piece_from = np.empty(m)
    piece_to = np.empty(m)
    if want_routes:
        for j in range(n_t):
            if net[j] == np.inf:
                continue
            f = t_edge[j]
            q = t_pos[j]
            hi = route_ptr[j + 1] - 1
            if way_a[j] >= 0:
                piece_seg[hi] = f
                piece_from[hi] = a_pos[way_a[j]]
                piece_to[hi] = q
                continue
            s = way_s[j]
            # the last piece: into f from the end s arrives at (the transition
            # found leaves state 2f + 1 for end 0 and state 2f for end 1)
            end = 0 if way_k[j] >= indptr[2 * f + 1] else 1
            piece_seg[hi] = f
            piece_from[hi] = 0.0 if end == 0 else seglen[f]
            piece_to[hi] = q
            hi -= 1
            while True:
                g = s >> 1
                piece_seg[hi] = g
                if pred[s] < 0:
                    a = _start_of(s, a_edge, a_pos, a_cost, dist, seglen)
                    piece_from[hi] = a_pos[a]
                    piece_to[hi] = seglen[g] if s % 2 == 0 else 0.0
                    break
                piece_from[hi] = 0.0 if s % 2 == 0 else seglen[g]
                piece_to[hi] = seglen[g] if s % 2 == 0 else 0.0
                hi -= 1
                s = tsrc[pred[s]]
    reset_states(n_order, scratch.order, scratch.dist, scratch.rlen, scratch.pred, scratch.settled)
    return net, angle, turns, route_ptr, piece_seg, piece_from, piece_to


@njit(cache=True, nogil=True)
def reach_group(a_edge, a_pos, a_cost, len_limit, graph, scratch):
    """Arrival costs at both ends of every segment reached within ``len_limit``.

    Returns ``(segments, at_end0, at_end1)``: for each reached segment the least
    cost of arriving at its end 0 and end 1 from a neighbour (``inf`` if none);
    start points lying on a segment are handled by the caller.
    """
    n_order = search_from_points(a_edge, a_pos, a_cost, len_limit, graph, scratch)
    indptr, dst = graph.indptr, graph.dst
    dist, settled, order = scratch.dist, scratch.settled, scratch.order
    # candidate segments: those a settled state leads into, and the start segments
    size = len(a_edge)
    for i in range(n_order):
        s = order[i]
        size += indptr[s + 1] - indptr[s]
    cand = np.empty(size, dtype=np.int64)
    n_c = 0
    for i in range(n_order):
        s = order[i]
        if settled[s] != SETTLED:
            continue
        for k in range(indptr[s], indptr[s + 1]):
            cand[n_c] = dst[k] >> 1
            n_c += 1
    for i in range(len(a_edge)):
        cand[n_c] = a_edge[i]
        n_c += 1
    segs = np.unique(cand[:n_c])
    at0 = np.empty(len(segs))
    at1 = np.empty(len(segs))
    for i in range(len(segs)):
        at0[i] = _arrival(segs[i], 0, indptr, dst, dist, settled)[0]
        at1[i] = _arrival(segs[i], 1, indptr, dst, dist, settled)[0]
    reset_states(n_order, scratch.order, scratch.dist, scratch.rlen, scratch.pred, scratch.settled)
    return segs, at0, at1


@njit(cache=True, nogil=True)
def attraction_group(edge, pos, link, radius, use_cost, graph, tcost, scratch, cost_scratch):
    """Distances from one attraction to the midpoints of the segments around it.

    The attraction sits ``pos`` metres along segment ``edge``, ``link`` metres
    off it. Metric distances run midpoint to midpoint (the graph's ``tcost``
    and ``tlen``), access included, within ``radius`` metres (inclusive;
    ``inf`` for no limit). With ``use_cost``, the least ``tcost`` distance
    (per transition: angular, steps) is searched too, on the segments within
    the radius, from 0 on the attraction's segment, with ``cost_scratch``'s
    per-state arrays (its heap and sources are not used).

    Returns ``(segments, metric, cost)`` for the segments reached.
    """
    seglen, segdist, order = graph.seglen, scratch.segdist, scratch.order
    dist, settled, src, src_cost = scratch.dist, scratch.settled, scratch.src, scratch.src_cost
    half = 0.5 * seglen[edge]
    src[0] = 2 * edge
    src[1] = 2 * edge + 1
    # a start past the midpoint gives a virtual cost below the access distance;
    # moves onward from it are exact, and the segment itself is set below
    src_cost[0] = link + half - pos
    src_cost[1] = link + pos - half
    n_order = state_search(
        src,
        src_cost,
        src_cost,
        2,
        radius,
        np.inf,
        scratch.segdist,
        graph.indptr,
        graph.dst,
        graph.tcost,
        graph.tlen,
        scratch.dist,
        scratch.rlen,
        scratch.pred,
        scratch.settled,
        scratch.order,
        scratch.hkey,
        scratch.hval,
    )
    own = link + abs(pos - half)
    limit = radius + 1e-9 * (1.0 + radius)
    segs = np.empty(n_order + 1, dtype=np.int64)
    k = 0
    if own <= limit:
        segs[0] = edge
        k = 1
    for i in range(n_order):
        s = order[i]
        g = s >> 1
        if settled[s] != SETTLED or g == edge:
            continue
        if segdist[g] == np.inf:
            segs[k] = g
            k += 1
            segdist[g] = dist[s]
        elif dist[s] < segdist[g]:
            segdist[g] = dist[s]
    if own <= limit:
        segdist[edge] = own
    metric = np.empty(k)
    for j in range(k):
        metric[j] = segdist[segs[j]]
    cost = np.full(k, np.nan)
    if use_cost and k > 0:
        src_cost[0] = 0.0
        src_cost[1] = 0.0
        c = cost_scratch
        m_order = state_search(
            src,
            src_cost,
            src_cost,
            2,
            np.inf,
            limit,
            segdist,
            graph.indptr,
            graph.dst,
            tcost,
            tcost,
            c.dist,
            c.rlen,
            c.pred,
            c.settled,
            c.order,
            scratch.hkey,
            scratch.hval,
        )
        for j in range(k):
            g = segs[j]
            a = c.dist[2 * g] if c.settled[2 * g] == SETTLED else np.inf
            b = c.dist[2 * g + 1] if c.settled[2 * g + 1] == SETTLED else np.inf
            cost[j] = min(a, b)
        reset_states(m_order, c.order, c.dist, c.rlen, c.pred, c.settled)
    for i in range(n_order):
        segdist[order[i] >> 1] = np.inf
    segdist[edge] = np.inf
    reset_states(n_order, scratch.order, scratch.dist, scratch.rlen, scratch.pred, scratch.settled)
    return segs[:k], metric[:k], cost[:k]

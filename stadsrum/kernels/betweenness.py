"""Attraction and OD betweenness of street segments, one bounded search per origin (numba).

The search (:func:`destination_search`) is the least-cost search of
:func:`~stadsrum.kernels.search.state_search` over directed segment states
(``2e`` walks segment ``e`` towards its end 1, ``2e + 1`` back). An origin
starts at its access points, part-way along
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
radius, link distances at both ends included. A typed radius (:class:`Limit`)
puts steps or degrees in ``rlen`` instead (paid at junctions only), or keeps
routes inside a straight-line disc round the origin.

Work per origin follows the routes, not the search: only the states on a
least-cost route to a destination that receives flow (found backwards from
the destinations over the incoming tight moves, :class:`Incoming`) get path
counts and back-propagation. Those are counted in the heap's pop order when
every tight move among them goes forward in it (always with metric cost);
otherwise (zero-cost moves) in :func:`~stadsrum.kernels.search.topological`
order. The search stops once the destinations' least costs are settled: in
:data:`OD_CLOSEST` mode the closest one's, otherwise every destination's (all
found; with many destinations that is most of the radius).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from stadsrum.kernels.search import (
    BEYOND,
    OPEN,
    SETTLED,
    TOL,
    heap_pop,
    heap_push,
    reset_states,
    tight,
    topological,
)

#: destination modes
ATTRACTION = 0  # every attraction within reach gets W(o)·w(d)
OD_ALL = 1  # W(o) shared over the reachable destinations in proportion to w(d)
OD_CLOSEST = 2  # W(o) to the closest destination (ties share in proportion to w(d))

# The search stops this many TOL (relative) beyond the destinations' cost: a
# tight move may arrive up to TOL above a state's cost, so the states on routes
# to every destination of that cost (ties included) are all settled by then.
_STOP_MARGIN = 16.0


class Incoming(NamedTuple):
    """The state CSR's transitions by the state they enter (back-propagation)."""

    ptr: np.ndarray  # int64 [n_states + 1]: moves into state t at move[ptr[t]:ptr[t+1]]
    move: np.ndarray  # int64 [n_transitions]: transition indices (into dst, tcost)
    source: np.ndarray  # int64 [n_transitions]: the state each transition leaves


class Origins(NamedTuple):
    """Weighted origins and their access points (CSR by origin)."""

    start_of: np.ndarray  # int64 [n + 1]: access points of origin i at start_of[i]:start_of[i+1]
    edge: np.ndarray  # int64 [n_points]: segment
    pos: np.ndarray  # float64 [n_points]: metres along it
    link: np.ndarray  # float64 [n_points]: link metres
    weight: np.ndarray  # float64 [n]: the origins' weights
    xy: np.ndarray  # float64 [n_points, 2]: the origin's own point (straight radius)
    foot: np.ndarray  # float64 [n_points, 2]: the access point on the street


class Targets(NamedTuple):
    """Destinations (or attractions) and their access points, by segment."""

    ptr: np.ndarray  # int64 [n_segments + 1]: access points of segment f at ptr[f]:ptr[f+1]
    owner: np.ndarray  # int64 [n_points]: the destination of each access point
    pos: np.ndarray  # float64 [n_points]: metres along the segment
    link: np.ndarray  # float64 [n_points]: link metres
    seg: np.ndarray  # int64 [n_points]: the segment of each access point
    weight: np.ndarray  # float64 [n_destinations]: weights (<= 0: never a destination)
    # metres by which an arrival can cost less than the state that walks past it:
    # max(pos, seglen - pos) - link over the access points (0 without ``along``)
    slack: float
    n_positive: int  # destinations with a weight above 0
    pxy: np.ndarray  # float64 [n_points, 2]: the destination's own point (straight radius)
    fxy: np.ndarray  # float64 [n_points, 2]: the access point (foot) on the street


class Limit(NamedTuple):
    """What a route's radius bounds, besides ``radius`` on ``rlen`` (one origin).

    ``along``: the bounded length accrues along segments (walking metres: the
    partial walks and links count); otherwise it is steps or degrees, paid at
    junctions only (``StateGraph.tlen`` holds them), 0 on the origin's and the
    destination's own segments. ``disc`` (straight radius, ``inf``: none):
    routes pass only junctions within ``disc`` metres of ``(x, y)``, the
    origin's point, and both ends (points and access points) lie within it.
    Scalars only: it is passed to every arrival's helper (an array in it
    would be reference-counted on each call).
    ``prune``: states beyond the radius are not searched on. Exact where the
    bounded length grows with cost along every route (walking metres with
    metric cost, steps with steps cost, degrees with angular cost); otherwise
    (metric routes under a steps radius, …) a route beyond the radius may be
    the least-cost one to a destination, which then does not count, and the
    search goes on through such states to find the least costs.
    """

    along: bool
    prune: bool
    disc: float
    x: float
    y: float


class BetweennessScratch(NamedTuple):
    """One worker's arrays, O(states + destinations), reset after every origin.

    Per state ``dist, rlen`` (inf), ``pred`` (-1), ``settled`` (0), ``spos``
    (nan), ``sigma, h`` (0), ``indeg, mark`` (0), ``rank`` (-1), ``order,
    topo, stack``; heap ``hkey, hval``; start states ``src, src_cost,
    src_len``; ``segdist`` (inf, per segment: no catchment); arrivals
    ``arr_s, arr_j`` (2 per access point); per destination ``dbest, dlen``
    (inf), ``dsig, dflow`` (0), ``dtouched``. ``out`` (per segment) is the
    worker's sum, added to.
    """

    out: np.ndarray
    dist: np.ndarray
    rlen: np.ndarray
    pred: np.ndarray
    settled: np.ndarray
    order: np.ndarray
    hkey: np.ndarray
    hval: np.ndarray
    src: np.ndarray
    src_cost: np.ndarray
    src_len: np.ndarray
    segdist: np.ndarray
    spos: np.ndarray
    sigma: np.ndarray
    h: np.ndarray
    indeg: np.ndarray
    rank: np.ndarray
    topo: np.ndarray
    mark: np.ndarray
    stack: np.ndarray
    arr_s: np.ndarray
    arr_j: np.ndarray
    dbest: np.ndarray
    dlen: np.ndarray
    dsig: np.ndarray
    dflow: np.ndarray
    dtouched: np.ndarray


def betweenness_scratch(
    n_states: int, n_transitions: int, n_points: int, n_dest: int, max_access: int
) -> BetweennessScratch:
    """Fresh :class:`BetweennessScratch` for a graph and its targets."""
    i8 = np.int64
    n_src = 2 * max_access
    return BetweennessScratch(
        out=np.zeros(n_states // 2),
        dist=np.full(n_states, np.inf),
        rlen=np.full(n_states, np.inf),
        pred=np.full(n_states, -1, dtype=i8),
        settled=np.zeros(n_states, dtype=i8),
        order=np.empty(n_states, dtype=i8),
        hkey=np.empty(n_transitions + n_src + 2),
        hval=np.empty(n_transitions + n_src + 2, dtype=i8),
        src=np.empty(n_src, dtype=i8),
        src_cost=np.empty(n_src),
        src_len=np.empty(n_src),
        segdist=np.full(n_states // 2, np.inf),
        spos=np.full(n_states, np.nan),
        sigma=np.zeros(n_states),
        h=np.zeros(n_states),
        indeg=np.zeros(n_states, dtype=i8),
        rank=np.full(n_states, -1, dtype=i8),
        topo=np.empty(n_states, dtype=i8),
        mark=np.zeros(n_states, dtype=i8),
        stack=np.empty(n_states, dtype=i8),
        arr_s=np.empty(2 * n_points + 1, dtype=i8),
        arr_j=np.empty(2 * n_points + 1, dtype=i8),
        dbest=np.full(n_dest, np.inf),
        dlen=np.full(n_dest, np.inf),
        dsig=np.zeros(n_dest),
        dflow=np.zeros(n_dest),
        dtouched=np.empty(max(n_dest, 1), dtype=i8),
    )


@njit(cache=True, nogil=True)
def _at_point(s, j, spos, dist, rlen, pred, seglen, d_pos, d_link, along, len_along):
    """(ok, cost, length) of reaching destination access point ``j`` through state ``s``.

    ``length`` is what the radius bounds: metres (``len_along``) or the steps or
    degrees of ``s`` itself (none are paid on the destination's segment).
    """
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
    length = rlen[s] - rem + d_link[j] if len_along else rlen[s]
    cost = dist[s] - rem + d_link[j] if along else dist[s]
    return True, cost, length


@njit(cache=True, nogil=True)
def _in_disc(px, py, limit):
    """Whether ``(px, py)`` lies within the straight radius of the origin (inclusive)."""
    r = limit.disc
    return (px - limit.x) ** 2 + (py - limit.y) ** 2 <= (r + TOL * (1.0 + r)) ** 2


@njit(cache=True, nogil=True)
def _end_in_disc(j, targets, limit):
    """A destination access point inside the straight radius: its point and its foot."""
    if limit.disc == np.inf:
        return True
    return _in_disc(targets.pxy[j, 0], targets.pxy[j, 1], limit) and _in_disc(
        targets.fxy[j, 0], targets.fxy[j, 1], limit
    )


@njit(cache=True, nogil=True)
def _least_cost(s, j, n_dest, self_dest, radius, along, seglen, targets, sc, limit):
    """Fold access point ``j`` reached through state ``s`` into its destination's least cost."""
    d = targets.owner[j]
    if d == self_dest or not targets.weight[d] > 0 or not _end_in_disc(j, targets, limit):
        return n_dest
    # without pruning, an arrival beyond the radius is folded too (the destination's
    # least cost may be beyond it; its flow is left out after the search)
    lim = radius if limit.prune else np.inf
    ok, cost, length = _at_point(
        s,
        j,
        sc.spos,
        sc.dist,
        sc.rlen,
        sc.pred,
        seglen,
        targets.pos,
        targets.link,
        along,
        limit.along,
    )
    if not ok or length > lim + TOL * (1.0 + lim):
        return n_dest
    dbest, dlen = sc.dbest, sc.dlen
    if dbest[d] == np.inf:
        sc.dtouched[n_dest] = d
        n_dest += 1
    if cost < dbest[d] - TOL * (1.0 + abs(cost)):
        dbest[d] = cost
        dlen[d] = length
    elif cost <= dbest[d] + TOL * (1.0 + abs(cost)) and length < dlen[d]:
        dlen[d] = length
    return n_dest


@njit(cache=True, nogil=True)
def destination_search(n_src, radius, self_dest, mode, along, graph, targets, sc, limit, head):
    """The least-cost search of one origin, which stops once its destinations are settled.

    As :func:`~stadsrum.kernels.search.state_search` (no catchment), and it
    folds each popped state's destination access points into the
    destinations' least costs (``sc.dbest, sc.dlen, sc.dtouched``). An
    arrival at a destination costs at least the cost of the state that walks
    past it less ``targets.slack``, so once the heap's least cost exceeds a
    destination's least cost by the slack (and a margin of tolerance), no
    route to it of that cost is left to find and every state on such a route
    is settled. The search stops there: in :data:`OD_CLOSEST` mode at the
    closest destination (all those equally close included), otherwise once
    every destination has been found. Returns ``(states in sc.order,
    destinations reached)``; the states the search touched but never popped
    are reset here (``reset_states`` undoes the popped ones).

    ``limit`` (:class:`Limit`), a typed radius: with steps or degrees in
    ``rlen``, a state's ``rlen`` is the least over its equal-cost routes found
    before it is popped (all of them with metric cost); with a straight radius
    no move leaves a junction outside the disc (``head``: float64 [n_states, 2],
    the junction each state heads for).
    """
    indptr, dst, tcost, tlen = graph.indptr, graph.dst, graph.tcost, graph.tlen
    dist, rlen, pred, settled = sc.dist, sc.rlen, sc.pred, sc.settled
    hkey, hval = sc.hkey, sc.hval
    # the radius's type, read once (walking radii take neither branch below)
    fewest = not limit.along
    in_disc = limit.disc != np.inf
    prune = limit.prune
    size = 0
    n_order = 0
    for i in range(n_src):
        s = sc.src[i]
        c = sc.src_cost[i]
        if c < dist[s]:
            dist[s] = c
            rlen[s] = sc.src_len[i]
            pred[s] = -1
            size = heap_push(hkey, hval, size, c, s)
    n_all = targets.n_positive
    if self_dest >= 0 and targets.weight[self_dest] > 0:
        n_all -= 1
    n_dest = np.int64(0)  # typed: a literal 0 would compile the helpers twice
    settled_at = np.inf  # the cost up to which every destination sought is found
    while size > 0:
        d, s, size = heap_pop(hkey, hval, size)
        if settled[s] != OPEN or d > dist[s]:
            continue
        if d - targets.slack > settled_at + _STOP_MARGIN * TOL * (1.0 + abs(settled_at)):
            size = heap_push(hkey, hval, size, d, s)  # left open: reset below
            break
        settled[s] = BEYOND if rlen[s] > radius + TOL * (1.0 + radius) else SETTLED
        sc.order[n_order] = s
        n_order += 1
        f = s >> 1
        for j in range(targets.ptr[f], targets.ptr[f + 1]):
            n_dest = _least_cost(
                s, j, n_dest, self_dest, radius, along, graph.seglen, targets, sc, limit
            )
            if mode == OD_CLOSEST and sc.dlen[targets.owner[j]] <= radius + TOL * (1.0 + radius):
                # the least cost found so far (an arrival found later may cost less
                # than one found earlier: a state's cost is at its segment's end)
                settled_at = min(settled_at, sc.dbest[targets.owner[j]])
        if mode != OD_CLOSEST and n_dest == n_all and n_dest > 0 and settled_at == np.inf:
            # every destination found: their least costs only fall from here,
            # so the largest now bounds them all
            settled_at = -np.inf
            for i in range(n_dest):
                settled_at = max(settled_at, sc.dbest[sc.dtouched[i]])
        if settled[s] != SETTLED and prune:
            continue
        if in_disc and not _in_disc(head[s, 0], head[s, 1], limit):
            continue  # every move out of s passes its far junction, outside the disc
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if settled[t] != OPEN:
                continue
            nd = d + tcost[k]
            if nd < dist[t] - TOL * (1.0 + abs(nd)):
                dist[t] = nd
                rlen[t] = rlen[s] + tlen[k]
                pred[t] = k
                size = heap_push(hkey, hval, size, nd, t)
            elif fewest and nd <= dist[t] + TOL * (1.0 + abs(nd)):
                # steps or degrees: an equal-cost route with fewer of them counts
                # (with metric cost every such route is found before t is popped)
                rlen[t] = min(rlen[t], rlen[s] + tlen[k])
    for i in range(size):
        t = hval[i]
        if settled[t] == OPEN:
            dist[t] = np.inf
            rlen[t] = np.inf
            pred[t] = -1
    return n_order, n_dest


@njit(cache=True, nogil=True)
def _arrival(s, j, n_arr, n_stack, radius, along, seglen, targets, sc, limit):
    """Record a least-cost arrival at access point ``j`` through ``s`` (if it is one)."""
    d = targets.owner[j]
    if sc.dflow[d] == 0.0 or not _end_in_disc(j, targets, limit):
        return n_arr, n_stack
    ok, cost, length = _at_point(
        s,
        j,
        sc.spos,
        sc.dist,
        sc.rlen,
        sc.pred,
        seglen,
        targets.pos,
        targets.link,
        along,
        limit.along,
    )
    if not ok or length > radius + TOL * (1.0 + radius):
        return n_arr, n_stack
    if cost > sc.dbest[d] + TOL * (1.0 + abs(cost)):
        return n_arr, n_stack
    sc.arr_s[n_arr] = s
    sc.arr_j[n_arr] = j
    if sc.mark[s] == 0:
        sc.mark[s] = sc.settled[s]
        sc.stack[n_stack] = s
        n_stack += 1
    return n_arr + 1, n_stack


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
    graph,
    incoming,
    targets,
    sc,
    limit,
    a_foot,
    head,
):
    """Add one origin's routes to ``sc.out`` (per segment); returns destinations reached.

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
        Most metres of a route, links included, or most steps or degrees
        (``limit.along`` false); ``inf``: none.
    along
        Whether cost accrues along segments (metric cost).
    graph
        The :class:`~stadsrum.kernels.search.StateGraph`: ``tcost`` the
        route's cost, ``tlen`` the entered segment's metres.
    incoming
        The same transitions by the state they enter (:class:`Incoming`).
    targets
        The destinations (:class:`Targets`).
    sc
        This worker's :class:`BetweennessScratch`; left as found but ``out``.
    limit
        The radius's type (:class:`Limit`).
    a_foot
        The access points' coordinates on the street (float64 [k, 2]).
    head
        The junction each state heads for (float64 [n_states, 2]; straight radius).
    """
    indptr, dst, tcost, seglen = graph.indptr, graph.dst, graph.tcost, graph.seglen
    dist, pred, settled, order = sc.dist, sc.pred, sc.settled, sc.order
    sigma, h, rank, topo, mark, stack = sc.sigma, sc.h, sc.rank, sc.topo, sc.mark, sc.stack
    src, src_cost, src_len, spos = sc.src, sc.src_cost, sc.src_len, sc.spos
    # start states: each access point starts both directions of its segment
    n_src = np.int64(0)  # typed: a literal 0 would compile the callees twice
    for i in range(len(a_edge)):
        e = a_edge[i]
        if limit.disc != np.inf and not _in_disc(a_foot[i, 0], a_foot[i, 1], limit):
            continue  # the walk to this street leaves the disc
        for side in range(2):
            s = 2 * e + side
            part = seglen[e] - a_pos[i] if side == 0 else a_pos[i]
            cost = a_link[i] + part if along else 0.0
            length = a_link[i] + part if limit.along else 0.0
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
    n_order, n_dest = destination_search(
        n_src, radius, self_dest, mode, along, graph, targets, sc, limit, head
    )
    # arrivals are found from the destinations' access points or from the states
    # reached, whichever are fewer (a few destinations in a large search, or the reverse)
    by_point = len(targets.owner) < n_order
    if not limit.prune:
        # keep the destinations whose least-cost routes include one within the radius
        n_in = 0
        for i in range(n_dest):
            d = sc.dtouched[i]
            if sc.dlen[d] <= radius + TOL * (1.0 + radius):
                sc.dtouched[n_in] = d
                n_in += 1
            else:
                sc.dbest[d] = np.inf
                sc.dlen[d] = np.inf
        n_dest = n_in

    n_topo = 0
    if n_dest > 0:
        # each destination's flow
        dbest, dlen, dflow, dtouched = sc.dbest, sc.dlen, sc.dflow, sc.dtouched
        if mode == ATTRACTION:
            for i in range(n_dest):
                d = dtouched[i]
                dflow[d] = w_origin * targets.weight[d]
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
                    dflow[d] = targets.weight[d]
                    total += targets.weight[d]
            for i in range(n_dest):
                d = dtouched[i]
                dflow[d] = w_origin * dflow[d] / total

        # arrivals: the states through which a destination is reached at its least cost
        n_arr = np.int64(0)
        n_stack = np.int64(0)
        if by_point:
            for j in range(len(targets.owner)):
                for s in range(2 * targets.seg[j], 2 * targets.seg[j] + 2):
                    if settled[s] != OPEN:
                        n_arr, n_stack = _arrival(
                            s, j, n_arr, n_stack, radius, along, seglen, targets, sc, limit
                        )
        else:
            for i in range(n_order):
                s = order[i]
                f = s >> 1
                for j in range(targets.ptr[f], targets.ptr[f + 1]):
                    n_arr, n_stack = _arrival(
                        s, j, n_arr, n_stack, radius, along, seglen, targets, sc, limit
                    )

        # the states on least-cost routes to them: back from the arrivals over tight moves
        # (moves leave settled states only; no route re-enters a start state)
        while n_stack > 0:
            n_stack -= 1
            t = stack[n_stack]
            if pred[t] == -1:
                continue
            for m in range(incoming.ptr[t], incoming.ptr[t + 1]):
                s = incoming.source[m]
                if (
                    mark[s] == 0
                    and settled[s] == SETTLED
                    and tight(dist[s], tcost[incoming.move[m]], dist[t])
                ):
                    mark[s] = SETTLED
                    stack[n_stack] = s
                    n_stack += 1

        # route counts (sigma) in pop order, which is topological when every tight
        # move among these states goes forward in it
        in_order = True
        for i in range(n_order):
            t = order[i]
            if mark[t] == 0:
                continue
            rank[t] = n_topo
            topo[n_topo] = t
            n_topo += 1
            if pred[t] == -1:
                sigma[t] = 1.0
                continue
            count = 0.0
            for m in range(incoming.ptr[t], incoming.ptr[t + 1]):
                s = incoming.source[m]
                if mark[s] == SETTLED and tight(dist[s], tcost[incoming.move[m]], dist[t]):
                    if rank[s] < 0:
                        in_order = False  # a zero-cost move back in pop order
                        break
                    count += sigma[s]
            if not in_order:
                break
            sigma[t] = count
        if not in_order:
            for i in range(n_topo):
                rank[topo[i]] = -1
                sigma[topo[i]] = 0.0
            n_topo = topological(
                n_order, order, mark, pred, indptr, dst, tcost, dist, sigma, sc.indeg, rank, topo
            )

        # each route to a destination carries an equal share of its flow
        dsig = sc.dsig
        for i in range(n_arr):
            dsig[targets.owner[sc.arr_j[i]]] += sigma[sc.arr_s[i]]
        for i in range(n_arr):
            d = targets.owner[sc.arr_j[i]]
            h[sc.arr_s[i]] += dflow[d] / dsig[d]

        # Brandes: h(s) = flow per route through s (its own arrivals and its tight
        # successors'); the segment gets sigma(s)·h(s)
        for i in range(n_topo - 1, -1, -1):
            t = topo[i]
            a = h[t]
            if a == 0.0:
                continue
            sc.out[t >> 1] += sigma[t] * a
            if pred[t] == -1:
                continue
            rt = rank[t]
            for m in range(incoming.ptr[t], incoming.ptr[t + 1]):
                s = incoming.source[m]
                if (
                    mark[s] == SETTLED
                    and rank[s] < rt
                    and tight(dist[s], tcost[incoming.move[m]], dist[t])
                ):
                    h[s] += a

        for i in range(n_dest):
            d = dtouched[i]
            dbest[d] = np.inf
            dlen[d] = np.inf
            dsig[d] = 0.0
            dflow[d] = 0.0
    for i in range(n_topo):
        s = topo[i]
        sigma[s] = 0.0
        h[s] = 0.0
        sc.indeg[s] = 0
        rank[s] = -1
        mark[s] = 0
    for i in range(n_src):
        spos[src[i]] = np.nan
    reset_states(n_order, order, dist, sc.rlen, pred, settled)
    return n_dest


@njit(cache=True, nogil=True)
def betweenness_chunk(
    chunk,
    origins,
    same,
    mode,
    radius,
    along,
    graph,
    incoming,
    targets,
    sc,
    len_along,
    prune,
    disc,
    head,
):
    """:func:`betweenness_origin` for each origin in ``chunk`` (indices into ``origins``).

    ``len_along, prune, disc, head``: the radius's type (:class:`Limit`; ``disc`` is
    centred on each origin's point in turn).

    One call per chunk keeps Python's per-call cost out of small searches
    (closest mode, short radii). ``same``: the origins are the targets (an
    origin never routes to itself). Returns how many origins reached no
    destination.
    """
    none = 0
    for i in chunk:
        a = origins.start_of[i]
        b = origins.start_of[i + 1]
        limit = Limit(len_along, prune, disc, origins.xy[a, 0], origins.xy[a, 1])
        reached = betweenness_origin(
            origins.edge[a:b],
            origins.pos[a:b],
            origins.link[a:b],
            origins.weight[i],
            i if same else -1,
            mode,
            radius,
            along,
            graph,
            incoming,
            targets,
            sc,
            limit,
            origins.foot[a:b],
            head,
        )
        if reached == 0:
            none += 1
    return none

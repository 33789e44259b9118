"""Compiled segment-analysis kernels over flat arrays (numba).

The graph is a CSR over directed states (see :mod:`stadsrum.network.segments`),
a :class:`~stadsrum.kernels.search.StateGraph`: ``indptr`` (2n + 1), ``dst``
and per-transition ``tcost`` (the analysis cost) and ``tlen`` (metres,
midpoint to midpoint); what to compute is a :class:`SegmentSettings`. One call
analyses one worker's share of a batch of origins, without the GIL, so the
caller runs the workers on threads; per-origin results go to rows of the
output arrays and the choice sums to one partial per worker, which the caller
adds up. Scratch arrays (:class:`SegmentScratch`) are per worker, O(n),
allocated once per batch and reset through the list of states a search
touched, so work per origin follows what it reaches.

Search per origin and radius (``MEASURES.md``):
- catchment mode: a metric search bounded by the largest radius gives each
  segment's distance (midpoint to midpoint); for each radius the cost search
  runs on the segments within it only (for metric cost one search serves all).
  Those metres do not depend on the direction of travel, so the metric search
  runs on one node per segment (:func:`~stadsrum.kernels.search.segment_catchment`)
  wherever that gives the same metres (``SegmentSettings.undirected``);
- route mode: the cost search carries the metric length of the route that
  first reached a state at least cost, and drops states whose length exceeds
  the radius, as depthmapX and PST do;
- radius types (one type per call, ``SegmentSettings.radius_kind``): steps
  and angular radii search moves or degrees (``tcatch``) where walking radii
  search metres, in both modes; a straight radius is the segments reached
  without leaving the disc (:func:`_straight_catchment`), in both modes;
- several catchments of one call: the largest radius is searched, and each
  smaller catchment is made from the larger one's search (:func:`_repair`: only
  the states whose least-cost route leaves it are searched again), the same as a
  search of its own;
- the cost search lists every state's tight moves in as it goes
  (:func:`~stadsrum.kernels.search.dag_search`); path counts and Brandes'
  back-propagation follow those lists in the pop order, which is topological
  unless a zero-cost move (a straight continuation, a turn under one tulip bin)
  joins two states of equal cost the other way round: then the states are
  ordered first (:func:`~stadsrum.kernels.search.topological`), so ties are
  counted right either way.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from stadsrum.kernels.search import (
    SETTLED,
    TOL,
    add_move_in,
    dag_search,
    heap_pop,
    heap_push,
    reset_states,
    segment_catchment,
    state_search,
    topological,
    undirected_exact,
)

# per-origin sums, per radius (columns of the ``sums`` output)
S_COUNT = 0  # Σ w(d), origin included
S_DEPTH = 1  # Σ w(d) · depth(d)
S_REACH = 2  # Σ len(d), origin included
S_DEPTH_WL = 3  # Σ len(d) · depth(d)
S_HARMONIC = 4  # Σ w(d) / (depth(d) + offset), d ≠ origin
S_SEGMENTS = 5  # number of segments reached, origin included
N_SUMS = 6


class SegmentSettings(NamedTuple):
    """What one segment analysis computes (the same for every origin)."""

    radii: np.ndarray  # float64[r]: ascending radii in metres; inf for radius n
    weight: np.ndarray  # float64[n]: segment weights (origins and destinations)
    catchment: bool  # catchment mode (True) or route mode (False)
    metric_cost: bool  # whether tcost is proportional to tlen (metric or time cost)
    has_free_moves: bool  # whether some transition costs (about) nothing
    depth_scale: float  # reported depth = cost * depth_scale
    harmonic_offset: float  # added to the depth in the harmonic sum
    want_choice: bool  # whether to run the back-propagation for choice
    # The radii's type (measures.naming.RADIUS_KINDS; one type per call): what the
    # catchment bounds. WALKING: metres (tlen); STEPS, ANGULAR: ``tcatch`` per
    # transition (moves, degrees), searched like metres; STRAIGHT: metres as the
    # crow flies between ``mid`` points, the segments the origin reaches inside the disc.
    radius_kind: int = 0
    tcatch: np.ndarray = np.zeros(0)  # float64[n_transitions] for STEPS and ANGULAR
    mid: np.ndarray = np.zeros((0, 2))  # float64[n, 2] segment midpoints for STRAIGHT
    # Whether the walking catchment of a non-metric cost may search one node per
    # segment (search.segment_catchment, half the states) for the same metres:
    # 1 yes, 0 no, -1 unknown (the kernel runs search.undirected_exact on every
    # call; a caller with many calls on one graph checks once and says).
    undirected: int = -1
    # The moves into each state (a CSR over the states moved into: the state moved
    # from and the transition), for a smaller catchment made from a larger one's
    # search (_repair); empty: every catchment is searched on its own.
    rindptr: np.ndarray = np.zeros(0, dtype=np.int32)
    rfrom: np.ndarray = np.zeros(0, dtype=np.int32)
    rtrans: np.ndarray = np.zeros(0, dtype=np.int32)


def reverse_moves(indptr: np.ndarray, dst: np.ndarray) -> dict[str, Any]:
    """The moves into each state, as :class:`SegmentSettings` takes them (int32).

    ``rindptr[t]:rindptr[t + 1]`` index the moves into state ``t``: ``rfrom``
    the state each comes from, ``rtrans`` its transition.
    """
    n_states = len(indptr) - 1
    src = np.repeat(np.arange(n_states, dtype=np.int32), np.diff(indptr))
    by_dst = np.argsort(dst, kind="stable")
    rindptr = np.zeros(n_states + 1, dtype=np.int32)
    np.cumsum(np.bincount(dst, minlength=n_states), out=rindptr[1:])
    return {
        "rindptr": rindptr,
        "rfrom": np.ascontiguousarray(src[by_dst], dtype=np.int32),
        "rtrans": by_dst.astype(np.int32),
    }


# values of SegmentSettings.radius_kind, in the order of measures.naming.RADIUS_KINDS
WALKING = 0
STRAIGHT = 1
STEPS = 2
ANGULAR = 3


class SegmentScratch(NamedTuple):
    """One worker's arrays: per state unless marked per segment; reset after each origin."""

    dist: np.ndarray  # cost search: least cost (inf)
    rlen: np.ndarray  # cost search: metres of the route that set dist (inf)
    pred: np.ndarray  # cost search: transition that set dist (-1)
    settled: np.ndarray  # cost search: settle flag (OPEN)
    order: np.ndarray  # cost search: pop order
    mdist: np.ndarray  # catchment (metric) search: the same four
    mrlen: np.ndarray
    mpred: np.ndarray
    msettled: np.ndarray
    touched: np.ndarray  # catchment search: pop order
    hkey: np.ndarray  # the heap, shared by the searches
    hval: np.ndarray
    src: np.ndarray  # the origin's two states
    src_cost: np.ndarray
    segdist: np.ndarray  # per segment: metric distance (inf: no limit)
    include: np.ndarray  # states of this radius (0/1)
    sigma: np.ndarray  # routes (0)
    indeg: np.ndarray  # tight moves in, while ordering (0)
    rank: np.ndarray  # position in topo (-1)
    topo: np.ndarray  # topological order of the tight moves
    h1: np.ndarray  # back-propagated choice (0)
    h2: np.ndarray  # back-propagated length-weighted choice (0)
    segdepth: np.ndarray  # per segment: least cost (inf)
    mseg: np.ndarray  # per segment: metres of the segment catchment search (inf)
    segsig: np.ndarray  # per segment: routes to its least-cost states (0)
    segmark: np.ndarray  # per segment: counted (0)
    phead: np.ndarray  # cost search: first entry of the state's tight moves in (-1)
    pfrom: np.ndarray  # per entry (room for two per transition): the state moved from
    pnext: np.ndarray  # per entry: the next entry of the same state (-1: none)
    base: np.ndarray  # a larger catchment's states, for the next smaller one
    hold: np.ndarray  # states a smaller catchment searches again


@njit(cache=True, nogil=True)
def segment_scratch(n_states, n_transitions):
    """Fresh :class:`SegmentScratch`, each array at its documented starting value.

    Rows of a few blocks rather than 25 allocations: each ``np.full`` is code of
    its own, and they made up a tenth of this kernel's first-run compile time.
    """
    n = n_states // 2
    f = np.full((4, n_states), np.inf)
    z = np.zeros((3, n_states))
    i = np.zeros((13, n_states), dtype=np.int32)
    i[:3] = -1
    i[10] = -1
    g = np.full((3, n), np.inf)
    return SegmentScratch(
        dist=f[0],
        rlen=f[1],
        pred=i[0],
        settled=i[3],
        order=i[4],
        mdist=f[2],
        mrlen=f[3],
        mpred=i[1],
        msettled=i[5],
        touched=i[6],
        hkey=np.empty(n_transitions + 2),
        hval=np.empty(n_transitions + 2, dtype=np.int32),
        src=np.zeros(2, dtype=np.int32),
        src_cost=np.zeros(2),
        segdist=g[0],
        include=i[7],
        sigma=z[0],
        indeg=i[8],
        rank=i[2],
        topo=i[9],
        h1=z[1],
        h2=z[2],
        segdepth=g[1],
        mseg=g[2],
        segsig=np.zeros(n),
        segmark=np.zeros(n, dtype=np.int32),
        phead=i[10],
        pfrom=np.empty(2 * n_transitions + 2, dtype=np.int32),
        pnext=np.empty(2 * n_transitions + 2, dtype=np.int32),
        base=i[11],
        hold=i[12],
    )


@njit(cache=True, nogil=True)
def _accumulate(
    origin,
    n_topo,
    topo,
    ranked,
    rank,
    phead,
    pfrom,
    pnext,
    dist,
    sigma,
    seglen,
    weight,
    depth_scale,
    harmonic_offset,
    want_choice,
    segdepth,
    segsig,
    segmark,
    h1,
    h2,
    sums_row,
    choice_col,
    choice_wl_col,
):
    """Per-origin sums and choice contributions for one radius; resets its scratch.

    ``topo[:n_topo]`` are the radius's states in an order where every tight
    move goes forward. Its tight moves are the lists of
    :func:`~stadsrum.kernels.search.dag_search` (``phead``, ``pfrom``,
    ``pnext``), whose every entry comes from a state of ``topo``. Unless
    ``ranked`` (:func:`~stadsrum.kernels.search.topological` has ordered them
    and counted ``sigma``, its positions in ``rank``), ``topo`` is the pop
    order, every entry comes from an earlier state, and the route counts are
    made here, in the same pass that finds each segment's least cost.
    """
    for i in range(n_topo):
        s = topo[i]
        if not ranked and want_choice:
            e = phead[s]
            if e < 0:
                sigma[s] = 1.0  # a source: one route starts here
            else:
                acc = 0.0
                while e >= 0:
                    acc += sigma[pfrom[e]]
                    e = pnext[e]
                sigma[s] = acc
        if dist[s] < segdepth[s >> 1]:
            segdepth[s >> 1] = dist[s]
    w_o = weight[origin]
    len_o = seglen[origin]
    for i in range(n_topo):
        s = topo[i]
        seg = s >> 1
        if dist[s] <= segdepth[seg] + TOL * (1.0 + segdepth[seg]):
            segsig[seg] += sigma[s]  # routes to a segment end in its least-cost states
        if segmark[seg] != 0:
            continue
        segmark[seg] = 1
        depth = segdepth[seg] * depth_scale
        sums_row[S_COUNT] += weight[seg]
        sums_row[S_DEPTH] += weight[seg] * depth
        sums_row[S_REACH] += seglen[seg]
        sums_row[S_DEPTH_WL] += seglen[seg] * depth
        sums_row[S_SEGMENTS] += 1.0
        if seg != origin:
            if depth + harmonic_offset > 0:
                sums_row[S_HARMONIC] += weight[seg] / (depth + harmonic_offset)
            if want_choice:
                # each ordered pair adds half of len(o)·len(d) to its two ends
                half = 0.5 * len_o * seglen[seg]
                choice_wl_col[seg] += half
                choice_wl_col[origin] += half
    if want_choice:
        # Brandes' back-propagation: h[v] sums, over the destinations d routes from v
        # reach, w(o)·w(d)/σ(d) per route; each state passes its h to the states its
        # tight moves come from, so h[v] is complete when v's turn comes
        for i in range(n_topo - 1, -1, -1):
            v = topo[i]
            seg = v >> 1
            a1 = h1[v]
            a2 = h2[v]
            if seg != origin:
                choice_col[seg] += sigma[v] * a1
                choice_wl_col[seg] += sigma[v] * a2
                if segsig[seg] > 0 and dist[v] <= segdepth[seg] + TOL * (1.0 + segdepth[seg]):
                    a1 += w_o * weight[seg] / segsig[seg]
                    a2 += len_o * seglen[seg] / segsig[seg]
            e = phead[v]
            if ranked:
                rv = rank[v]
                while e >= 0:
                    u = pfrom[e]
                    if rank[u] >= 0 and rank[u] < rv:
                        h1[u] += a1
                        h2[u] += a2
                    e = pnext[e]
            else:
                while e >= 0:
                    u = pfrom[e]
                    h1[u] += a1
                    h2[u] += a2
                    e = pnext[e]
    for i in range(n_topo):
        s = topo[i]
        seg = s >> 1
        segdepth[seg] = np.inf
        segsig[seg] = 0.0
        segmark[seg] = 0
        h1[s] = 0.0
        h2[s] = 0.0


@njit(cache=True, nogil=True)
def _analyse_origin(origin, graph, settings, scratch, sums, row, choice, choice_wl, undirected):
    indptr, dst, tcost, tlen, seglen = graph
    radii = settings.radii
    weight = settings.weight
    catchment = settings.catchment
    metric_cost = settings.metric_cost
    depth_scale = settings.depth_scale
    harmonic_offset = settings.harmonic_offset
    want_choice = settings.want_choice
    kind = settings.radius_kind
    # what a radius bounds along a route: metres, or the type's moves or degrees
    tcatch = settings.tcatch if kind >= STEPS else tlen  # STEPS, ANGULAR
    # a straight radius is a catchment in either mode: nothing to carry along a route
    catchment = catchment or kind == STRAIGHT
    # every field, in SegmentScratch's order
    (
        dist,
        rlen,
        pred,
        settled,
        order,
        mdist,
        mrlen,
        mpred,
        msettled,
        touched,
        hkey,
        hval,
        src,
        src_cost,
        segdist,
        include,
        sigma,
        indeg,
        rank,
        topo,
        h1,
        h2,
        segdepth,
        mseg,
        segsig,
        segmark,
        phead,
        pfrom,
        pnext,
        base,
        hold,
    ) = scratch
    src_cost[0] = 0.0
    src_cost[1] = 0.0
    src[0] = 2 * origin
    src[1] = 2 * origin + 1
    n_r = len(radii)
    r_max = radii[n_r - 1]
    big = np.inf

    # Catchments. Metric cost: the cost search itself, bounded by the largest
    # radius, gives the metric distances, so one search serves every radius.
    # Other costs: a metric search first, then a cost search per radius on
    # the segments within it (skipped when a catchment equals the previous one).
    # Typed radii (steps, angular: the same search in moves or degrees; straight: the
    # segments reached without leaving the disc) each have a catchment search of their own.
    one_search = catchment and metric_cost and kind == WALKING
    use_catchment = catchment and (radii[0] < big or metric_cost)
    n_touched = 0
    n_order = 0
    late = 0
    n_entries = 0
    if one_search:
        n_order, late, n_entries = dag_search(
            src,
            src_cost,
            src_cost,
            2,
            r_max,
            big,
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
            want_choice,
        )
        # (no per-segment metres needed: a radius takes the states of the pop order
        # up to it, whose segments are then within it too)
    elif use_catchment and kind == STRAIGHT:
        r_lim = r_max + TOL * (1.0 + r_max)
        n_touched = _straight_catchment(
            origin, r_lim, settings.mid, indptr, dst, segdist, touched, msettled
        )
    elif use_catchment and undirected:
        # walking metres need no direction of travel: one node per segment, each
        # listed (and settled) at its state 2i, so the loops below read it as it is
        n_touched = segment_catchment(
            origin, r_max, indptr, dst, tlen, segdist, mseg, touched, hkey, hval
        )
    elif use_catchment:
        # the catchment: metric (or the type's) distances within the largest radius
        # (segdist is all inf here, so nothing is held back)
        n_touched = state_search(
            src,
            src_cost,
            src_cost,
            2,
            r_max,
            big,
            segdist,
            indptr,
            dst,
            tcatch,
            tcatch,
            mdist,
            mrlen,
            mpred,
            msettled,
            touched,
            hkey,
            hval,
        )
        for i in range(n_touched):
            s = touched[i]
            if msettled[s] == SETTLED and mdist[s] < segdist[s >> 1]:
                segdist[s >> 1] = mdist[s]

    searched = one_search
    prev_count = -1
    n_topo = 0
    n_prefix = 0
    n_base = 0
    ranked = False
    # whether ranks, in-degrees or include marks were written (the common path writes
    # none of them, and sigma only where it sets it before reading it)
    dirty = False
    # Several catchments: the largest radius is searched first, and each smaller
    # one is made from the one before (_repair: the states whose least-cost route
    # leaves it are searched again, on it only), the same as searching it anew.
    reuse = use_catchment and not one_search and n_r > 1 and len(settings.rindptr) > 0
    record = want_choice or reuse
    for step in range(n_r):
        r_i = n_r - 1 - step if reuse else step
        radius = radii[r_i]
        limit = radius + TOL * (1.0 + radius)
        same = False
        # (made from the larger one's search, a catchment the same as it is found so
        # by _repair at no cost: no count then)
        if use_catchment and not one_search and not reuse:
            count = 0
            for i in range(n_touched):
                s = touched[i]
                seg = s >> 1
                if segmark[seg] == 0 and segdist[seg] <= limit:
                    segmark[seg] = 1
                    count += 1
            for i in range(n_touched):
                segmark[touched[i] >> 1] = 0
            same = count == prev_count
            prev_count = count
        # the same catchment as the previous radius: the same search and paths
        if same and n_base > 0:
            topo, base = base, topo  # the previous radius's states, handed over as base
            n_topo = n_base
        if not same:
            n_use = n_order
            made = False
            if one_search:
                # the states within this radius lead the pop order (costs grow with
                # metres); a segment's other state beyond it changes no measure
                while n_prefix < n_order and rlen[order[n_prefix]] <= limit:
                    n_prefix += 1
                n_use = n_prefix
            else:
                if reuse and n_base > 0:
                    dirty = True  # include marks
                    _reset_include(n_base, base, include)
                    n_topo, n_entries, made = _repair(
                        n_base,
                        base,
                        segdist,
                        limit,
                        dist,
                        phead,
                        pfrom,
                        pnext,
                        n_entries,
                        include,
                        topo,
                        hold,
                        indptr,
                        dst,
                        tcost,
                        settings.rindptr,
                        settings.rfrom,
                        settings.rtrans,
                        hkey,
                        hval,
                    )
                if not made:
                    if searched:
                        _reset_search(
                            n_order,
                            order,
                            dist,
                            rlen,
                            pred,
                            sigma,
                            settled,
                            indeg,
                            rank,
                            include,
                            dirty,
                        )
                        _reset_heads(n_order, order, phead)
                    n_order, late, n_entries = dag_search(
                        src,
                        src_cost,
                        src_cost,
                        2,
                        big if catchment else radius,
                        limit if catchment else big,
                        segdist,
                        indptr,
                        dst,
                        tcost,
                        tcatch,
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
                    )
                    searched = True
                    n_use = n_order
            if not made:
                # every tight move goes forward in the pop order unless the search
                # found one the other way round (a zero-cost move between equal
                # costs): then the states are ordered first (and their routes
                # counted there, from zero)
                now_ranked = want_choice and late != 0
                if ranked or now_ranked:
                    _reset_paths(n_use, order, sigma, indeg, rank, include)
                ranked = now_ranked
                dirty = dirty or ranked
                n_topo = 0
                for i in range(n_use):
                    s = order[i]
                    # the cost search entered no segment beyond the largest radius, and
                    # the states of one metric search up to a radius lie within it
                    if settled[s] == SETTLED and (
                        not use_catchment
                        or one_search
                        or radius == r_max
                        or segdist[s >> 1] <= limit
                    ):
                        if ranked:
                            include[s] = 1
                        else:
                            topo[n_topo] = s
                            n_topo += 1
                if ranked:
                    n_topo = topological(
                        n_use,
                        order,
                        include,
                        pred,
                        indptr,
                        dst,
                        tcost,
                        dist,
                        sigma,
                        indeg,
                        rank,
                        topo,
                    )
        _accumulate(
            origin,
            n_topo,
            topo,
            ranked,
            rank,
            phead,
            pfrom,
            pnext,
            dist,
            sigma,
            seglen,
            weight,
            depth_scale,
            harmonic_offset,
            want_choice,
            segdepth,
            segsig,
            segmark,
            h1,
            h2,
            sums[row, r_i],
            choice[:, r_i],
            choice_wl[:, r_i],
        )
        if reuse and step < n_r - 1:
            if ranked:
                n_base = 0  # its order is no pop order: the next one searches anew
            else:
                # this catchment's states in order: the next smaller one starts there
                topo, base = base, topo
                n_base = n_topo
    _reset_search(n_order, order, dist, rlen, pred, sigma, settled, indeg, rank, include, dirty)
    _reset_heads(n_order, order, phead)
    for i in range(n_touched):
        segdist[touched[i] >> 1] = big
    if use_catchment and undirected:  # the segment catchment search's own array
        for i in range(n_touched):
            mseg[touched[i] >> 1] = big
    else:
        reset_states(n_touched, touched, mdist, mrlen, mpred, msettled)


@njit(cache=True, nogil=True)
def _straight_catchment(origin, limit, mid, indptr, dst, segdist, touched, visited):
    """The segments the origin reaches without leaving the disc of radius ``limit``.

    A flood over states from the origin's two states that enters a segment only
    when its midpoint lies within ``limit`` metres of the origin's midpoint as the
    crow flies; each segment reached gets that distance in ``segdist``. The cost
    search then runs on these segments only, so a street inside the disc that is
    reached only through streets outside it (across a river) is no part of the
    catchment. Returns the number of states listed in ``touched``, marked in
    ``visited`` (both reset by the caller).
    """
    ox = mid[origin, 0]
    oy = mid[origin, 1]
    n = 0
    for s in (2 * origin, 2 * origin + 1):
        visited[s] = 1
        touched[n] = s
        n += 1
    segdist[origin] = 0.0
    head = 0
    while head < n:
        s = touched[head]
        head += 1
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if visited[t] != 0:
                continue
            seg = t >> 1
            d = np.hypot(mid[seg, 0] - ox, mid[seg, 1] - oy)
            if d <= limit:
                visited[t] = 1
                touched[n] = t
                n += 1
                segdist[seg] = d
    return n


@njit(cache=True, nogil=True)
def _reset_paths(n_order, order, sigma, indeg, rank, include):
    for i in range(n_order):
        s = order[i]
        sigma[s] = 0.0
        indeg[s] = 0
        rank[s] = -1
        include[s] = 0


@njit(cache=True, nogil=True)
def _repair(
    n_base,
    base,
    segdist,
    limit,
    dist,
    phead,
    pfrom,
    pnext,
    n_entries,
    include,
    topo,
    hold,
    indptr,
    dst,
    tcost,
    rindptr,
    rfrom,
    rtrans,
    hkey,
    hval,
):
    """A catchment's cost search, made from a larger catchment's (``base``).

    ``base[:n_base]`` are the larger catchment's states in an order where every
    tight move goes forward, with their least costs ``dist`` and tight moves in
    (the lists of :func:`~stadsrum.kernels.search.dag_search`). A state within
    ``limit`` keeps its cost where a least-cost route to it stays within the
    smaller catchment: a source, or a state with a tight move in from such a
    state (walked in ``base`` order, marked ``include`` 1, listed in ``topo``).
    Its list keeps only those moves: a move in from a state that lost its cost
    is no longer tight. The other states within ``limit`` (``include`` 2, listed
    in ``hold``) are searched again, on the smaller catchment only: each starts
    from its moves in from the kept states (the reversed CSR ``rindptr``,
    ``rfrom``, ``rtrans``: the state and transition of each move in), then
    Dijkstra among them, their lists made anew (``include`` 3, appended to
    ``topo`` in pop order; one not reached is set back to 0). The result is the
    smaller catchment's own search: the same least costs and tight moves, and
    ``topo`` in an order where those go forward, so it serves as the next
    smaller radius's ``base``.

    Returns ``(n_topo, n_entries, ok)``. ``ok`` is False where this cannot give
    the same result as a search (a tight move from a searched-again state into
    one already ordered: an equal cost both ways, e.g. a zero-cost move; or no
    room left for list entries): the caller then searches the catchment anew
    (``include`` reset over ``base``).
    """
    n_topo = 0
    n_hold = 0
    for i in range(n_base):
        s = base[i]
        if segdist[s >> 1] > limit:
            continue
        e = phead[s]
        held = e < 0  # a source (no move in at all)
        prev = -1
        while e >= 0:
            nxt = pnext[e]
            if include[pfrom[e]] == 1:
                held = True
                prev = e
            elif prev < 0:  # unlink a move in from a state that is not kept
                phead[s] = nxt
            else:
                pnext[prev] = nxt
            e = nxt
        if held:
            include[s] = 1
            topo[n_topo] = s
            n_topo += 1
        else:
            include[s] = 2
            hold[n_hold] = s
            n_hold += 1
    if n_hold == 0:
        return n_topo, n_entries, True
    cap = len(pfrom)
    size = 0
    for j in range(n_hold):
        t = hold[j]
        dist[t] = np.inf
        phead[t] = -1
        for q in range(rindptr[t], rindptr[t + 1]):
            u = rfrom[q]
            if include[u] != 1:
                continue
            if n_entries >= cap:
                return n_topo, n_entries, False
            nd = dist[u] + tcost[rtrans[q]]
            dt = dist[t]
            if nd < dt - TOL * (1.0 + abs(nd)):
                dist[t] = nd
                n_entries = add_move_in(phead, pfrom, pnext, n_entries, t, u, True)
            elif nd <= dt + TOL * (1.0 + abs(dt)):
                n_entries = add_move_in(phead, pfrom, pnext, n_entries, t, u, False)
        if dist[t] < np.inf:
            size = heap_push(hkey, hval, size, dist[t], t)
    while size > 0:
        d, t, size = heap_pop(hkey, hval, size)
        if include[t] != 2 or d > dist[t]:
            continue
        include[t] = 3
        topo[n_topo] = t
        n_topo += 1
        for k in range(indptr[t], indptr[t + 1]):
            v = dst[k]
            iv = include[v]
            if iv == 0:
                continue
            nd = d + tcost[k]
            dv = dist[v]
            if iv != 2:
                if nd <= dv + TOL * (1.0 + abs(dv)):
                    return n_topo, n_entries, False  # a tight move into an ordered state
                continue
            if n_entries >= cap:
                return n_topo, n_entries, False
            if nd < dv - TOL * (1.0 + abs(nd)):
                dist[v] = nd
                n_entries = add_move_in(phead, pfrom, pnext, n_entries, v, t, True)
                size = heap_push(hkey, hval, size, nd, v)
            elif nd <= dv + TOL * (1.0 + abs(dv)):
                n_entries = add_move_in(phead, pfrom, pnext, n_entries, v, t, False)
    for j in range(n_hold):
        if include[hold[j]] == 2:
            include[hold[j]] = 0  # not reached within the smaller catchment
    return n_topo, n_entries, True


@njit(cache=True, nogil=True)
def _reset_include(n_order, order, include):
    for i in range(n_order):
        include[order[i]] = 0


@njit(cache=True, nogil=True)
def _reset_heads(n_order, order, phead):
    for i in range(n_order):
        phead[order[i]] = -1


@njit(cache=True, nogil=True)
def _reset_search(n_order, order, dist, rlen, pred, sigma, settled, indeg, rank, include, dirty):
    if dirty:
        _reset_paths(n_order, order, sigma, indeg, rank, include)
    reset_states(n_order, order, dist, rlen, pred, settled)


@njit(cache=True, nogil=True)
def _segment_catchment_ok(graph, settings):
    """Whether the walking catchment may search segments rather than states."""
    return (
        settings.catchment
        and not settings.metric_cost
        and settings.radius_kind == WALKING
        and settings.radii[0] < np.inf
        and settings.undirected != 0
        and (settings.undirected == 1 or undirected_exact(graph.indptr, graph.dst, graph.tlen))
    )


@njit(cache=True, nogil=True)
def segment_chunk(origins, graph, settings, scratch, sums, choice, choice_wl):
    """Analyse ``origins`` with a worker's own ``scratch`` (:func:`segment_scratch`,
    made once per worker and handed back as found); row ``j`` of ``sums`` is
    ``origins[j]``'s, the choice sums are added to ``choice``, ``choice_wl``.

    The local engine runs many small chunks on each worker thread (no waiting
    for the slowest worker of a batch, no arrays made per batch); set
    ``settings.undirected`` (0 or 1), or every call checks the graph again.
    """
    undirected = _segment_catchment_ok(graph, settings)
    for j in range(len(origins)):
        _analyse_origin(
            origins[j], graph, settings, scratch, sums, j, choice, choice_wl, undirected
        )


@njit(cache=True, nogil=True)
def segment_worker(origins, worker, n_workers, graph, settings, sums, choice, choice_wl):
    """Analyse ``origins[worker::n_workers]``; one worker's share of a batch.

    The caller runs the ``n_workers`` shares on its own threads (the kernel
    holds no GIL); :func:`segment_chunk` is the same with the caller's scratch.
    Plain threads rather than numba's ``prange``: the parallel compiler pass
    tripled this kernel's first-run compile time (about 4 s sequential against
    8 to 12 s), for the same run time.

    Parameters
    ----------
    origins : int64[k]
        Segment ids of the batch.
    worker, n_workers : int
        This worker's number and the number of workers (origins dealt in turn).
    graph : StateGraph
        State CSR (int32), transition cost and length (metres), segment lengths.
    settings : SegmentSettings
        Radii, weights and what to compute.
    sums : float64[k, r, N_SUMS]
        Per-origin sums of the batch; this worker writes its origins' rows.
    choice, choice_wl : float64[n or 1, r]
        This worker's own partial choice sums, added to.
    """
    scratch = segment_scratch(len(graph.indptr) - 1, len(graph.dst))
    # a walking catchment searched per segment rather than per state (half the
    # states) where that gives the same metres: checked once per call
    undirected = _segment_catchment_ok(graph, settings)
    for j in range(worker, len(origins), n_workers):
        _analyse_origin(
            origins[j], graph, settings, scratch, sums, j, choice, choice_wl, undirected
        )

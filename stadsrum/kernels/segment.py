"""Compiled segment-analysis kernels over flat arrays (numba).

The graph is a CSR over directed states (see :mod:`stadsrum.network.segments`):
``indptr`` (2n + 1), ``dst`` and per-transition ``tcost`` (the analysis cost)
and ``tlen`` (metres, midpoint to midpoint). One call analyses one worker's
share of a batch of origins, without the GIL, so the caller runs the workers
on threads; per-origin results go to rows of the output arrays and the
choice sums to one partial per worker, which the caller adds up. Scratch
arrays are per worker, O(n), allocated once per batch and reset through the
list of states a search touched, so work per origin follows what it reaches.

Search per origin and radius (``MEASURES.md``):
- catchment mode: a metric search bounded by the largest radius gives each
  segment's distance (midpoint to midpoint); for each radius the cost search
  runs on the segments within it only (for metric cost one search serves all);
- route mode: the cost search carries the metric length of the route that
  first reached a state at least cost, and drops states whose length exceeds
  the radius, as depthmapX and PST do;
- path counts and Brandes' back-propagation follow a topological order of
  the least-cost ("tight") transitions, not the heap's pop order, so zero-cost
  moves (straight continuations, turns under one tulip bin) are counted right.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stadsrum.kernels.search import SETTLED, TOL, reset_states, state_search, tight

# per-origin sums, per radius (columns of the ``sums`` output)
S_COUNT = 0  # Σ w(d), origin included
S_DEPTH = 1  # Σ w(d) · depth(d)
S_REACH = 2  # Σ len(d), origin included
S_DEPTH_WL = 3  # Σ len(d) · depth(d)
S_HARMONIC = 4  # Σ w(d) / (depth(d) + offset), d ≠ origin
S_SEGMENTS = 5  # number of segments reached, origin included
N_SUMS = 6


@njit(cache=True, nogil=True)
def _topological(
    origin, n_order, order, include, indptr, dst, tcost, dist, sigma, indeg, rank, topo
):
    """Order the included states so every tight transition goes forward; count paths.

    ``include[s]`` marks the states that take part. Routes start at the two
    origin states (sigma 1) and never re-enter them. Zero-cost cycles, which
    have no topological order, are broken at their least-cost state.
    Returns the number of ordered states (``topo``); ``rank`` gives positions.
    """
    o0 = 2 * origin
    for i in range(n_order):
        s = order[i]
        if include[s] == 0:
            continue
        for k in range(indptr[s], indptr[s + 1]):
            t = dst[k]
            if include[t] != 0 and t != o0 and t != o0 + 1 and tight(dist[s], tcost[k], dist[t]):
                indeg[t] += 1
    head = 0
    tail = 0
    for s in (o0, o0 + 1):
        if include[s] != 0:
            sigma[s] = 1.0
            rank[s] = tail
            topo[tail] = s
            tail += 1
    scan = 0
    while True:
        while head < tail:
            s = topo[head]
            head += 1
            for k in range(indptr[s], indptr[s + 1]):
                t = dst[k]
                if include[t] == 0 or rank[t] >= 0 or t == o0 or t == o0 + 1:
                    continue
                if tight(dist[s], tcost[k], dist[t]):
                    sigma[t] += sigma[s]
                    indeg[t] -= 1
                    if indeg[t] == 0:
                        rank[t] = tail
                        topo[tail] = t
                        tail += 1
        # a zero-cost cycle left states waiting: release the first in pop order
        found = -1
        while scan < n_order:
            s = order[scan]
            if include[s] != 0 and rank[s] < 0:
                found = s
                break
            scan += 1
        if found < 0:
            break
        rank[found] = tail
        topo[tail] = found
        tail += 1
    return tail


@njit(cache=True, nogil=True)
def _accumulate(
    origin,
    n_topo,
    topo,
    rank,
    include,
    indptr,
    dst,
    tcost,
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
    """Per-origin sums and choice contributions for one radius; resets its scratch."""
    for i in range(n_topo):
        s = topo[i]
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
        for i in range(n_topo - 1, -1, -1):
            v = topo[i]
            seg = v >> 1
            g1 = 0.0
            g2 = 0.0
            if (
                seg != origin
                and segsig[seg] > 0
                and dist[v] <= segdepth[seg] + TOL * (1.0 + segdepth[seg])
            ):
                g1 = w_o * weight[seg] / segsig[seg]
                g2 = len_o * seglen[seg] / segsig[seg]
            a1 = g1
            a2 = g2
            rv = rank[v]
            for k in range(indptr[v], indptr[v + 1]):
                t = dst[k]
                if include[t] != 0 and rank[t] > rv and tight(dist[v], tcost[k], dist[t]):
                    a1 += h1[t]
                    a2 += h2[t]
            h1[v] = a1
            h2[v] = a2
            if seg != origin:
                choice_col[seg] += sigma[v] * (a1 - g1)
                choice_wl_col[seg] += sigma[v] * (a2 - g2)
    for i in range(n_topo):
        s = topo[i]
        seg = s >> 1
        segdepth[seg] = np.inf
        segsig[seg] = 0.0
        segmark[seg] = 0
        h1[s] = 0.0
        h2[s] = 0.0


@njit(cache=True, nogil=True)
def _pop_order(n_order, order, include, indptr, dst, tcost, dist, sigma, rank, topo, count_paths):
    """Included states in pop order, which is topological when no move is free.

    Without zero-cost transitions every tight move leads to a strictly deeper
    state, popped later; path counts then follow in one forward pass.
    """
    n_topo = 0
    for i in range(n_order):
        s = order[i]
        if include[s] != 0:
            rank[s] = n_topo
            topo[n_topo] = s
            n_topo += 1
    if count_paths:
        for i in range(n_topo):
            s = topo[i]
            if dist[s] == 0.0 and sigma[s] == 0.0:
                sigma[s] = 1.0  # an origin state (nothing else is at depth 0 here)
            for k in range(indptr[s], indptr[s + 1]):
                t = dst[k]
                if include[t] != 0 and rank[t] > i and tight(dist[s], tcost[k], dist[t]):
                    sigma[t] += sigma[s]
    return n_topo


@njit(cache=True, nogil=True)
def _analyse_origin(
    origin,
    radii,
    catchment,
    metric_cost,
    has_free_moves,
    indptr,
    dst,
    tcost,
    tlen,
    seglen,
    weight,
    depth_scale,
    harmonic_offset,
    want_choice,
    sums,
    row,
    choice,
    choice_wl,
    scratch_f,
    scratch_i,
    hkey,
    hval,
):
    mdist = scratch_f[0]
    dist = scratch_f[1]
    rlen = scratch_f[2]
    sigma = scratch_f[3]
    h1 = scratch_f[4]
    h2 = scratch_f[5]
    segdist = scratch_f[6]  # first n entries: segment metric distance (inf = no limit)
    segdepth = scratch_f[7]
    segsig = scratch_f[8]
    touched = scratch_i[0]
    order = scratch_i[1]
    topo = scratch_i[2]
    settled = scratch_i[3]
    indeg = scratch_i[4]
    rank = scratch_i[5]
    include = scratch_i[6]
    segmark = scratch_i[7]
    pred = scratch_i[8]
    mpred = scratch_i[9]
    msettled = scratch_i[10]
    mrlen = scratch_f[9]
    src = scratch_i[11, :2]
    src_cost = scratch_f[10, :2]
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
    one_search = catchment and metric_cost
    use_catchment = catchment and (radii[0] < big or metric_cost)
    n_touched = 0
    n_order = 0
    if one_search:
        n_order = state_search(
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
        )
        for i in range(n_order):
            s = order[i]
            if settled[s] == SETTLED and rlen[s] < segdist[s >> 1]:
                segdist[s >> 1] = rlen[s]
    elif use_catchment:
        # the catchment: metric distances within the largest radius (segdist is
        # all inf here, so nothing is held back)
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
            tlen,
            tlen,
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
    for r_i in range(n_r):
        radius = radii[r_i]
        limit = radius + TOL * (1.0 + radius)
        same = False
        if use_catchment and not one_search:
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
        if not same:
            n_use = n_order
            if one_search:
                if r_i > 0:
                    _reset_paths(n_prefix, order, sigma, indeg, rank, include)
                # the states within this radius lead the pop order (costs grow with
                # metres); a segment's other state beyond it changes no measure
                while n_prefix < n_order and rlen[order[n_prefix]] <= limit:
                    n_prefix += 1
                n_use = n_prefix
            else:
                if searched:
                    _reset_search(
                        n_order, order, dist, rlen, pred, sigma, settled, indeg, rank, include
                    )
                n_order = state_search(
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
                    tlen,
                    dist,
                    rlen,
                    pred,
                    settled,
                    order,
                    hkey,
                    hval,
                )
                searched = True
                n_use = n_order
            for i in range(n_use):
                s = order[i]
                if settled[s] == SETTLED and (not use_catchment or segdist[s >> 1] <= limit):
                    include[s] = 1
            if want_choice and has_free_moves:
                n_topo = _topological(
                    origin,
                    n_use,
                    order,
                    include,
                    indptr,
                    dst,
                    tcost,
                    dist,
                    sigma,
                    indeg,
                    rank,
                    topo,
                )
            else:
                n_topo = _pop_order(
                    n_use, order, include, indptr, dst, tcost, dist, sigma, rank, topo, want_choice
                )
        _accumulate(
            origin,
            n_topo,
            topo,
            rank,
            include,
            indptr,
            dst,
            tcost,
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
    _reset_search(n_order, order, dist, rlen, pred, sigma, settled, indeg, rank, include)
    if one_search:
        for i in range(n_order):
            segdist[order[i] >> 1] = big
    for i in range(n_touched):
        segdist[touched[i] >> 1] = big
    reset_states(n_touched, touched, mdist, mrlen, mpred, msettled)


@njit(cache=True, nogil=True)
def _reset_paths(n_order, order, sigma, indeg, rank, include):
    for i in range(n_order):
        s = order[i]
        sigma[s] = 0.0
        indeg[s] = 0
        rank[s] = -1
        include[s] = 0


@njit(cache=True, nogil=True)
def _reset_search(n_order, order, dist, rlen, pred, sigma, settled, indeg, rank, include):
    _reset_paths(n_order, order, sigma, indeg, rank, include)
    reset_states(n_order, order, dist, rlen, pred, settled)


@njit(cache=True, nogil=True)
def segment_worker(
    origins,
    worker,
    n_workers,
    radii,
    catchment,
    metric_cost,
    has_free_moves,
    indptr,
    dst,
    tcost,
    tlen,
    seglen,
    weight,
    depth_scale,
    harmonic_offset,
    want_choice,
    sums,
    choice,
    choice_wl,
):
    """Analyse ``origins[worker::n_workers]``; one worker's share of a batch.

    The caller runs the ``n_workers`` shares on its own threads (the kernel
    holds no GIL). Plain threads rather than numba's ``prange``: the parallel
    compiler pass tripled this kernel's first-run compile time (about 4 s
    sequential against 8 to 12 s), for the same run time.

    Parameters
    ----------
    origins : int64[k]
        Segment ids of the batch.
    worker, n_workers : int
        This worker's number and the number of workers (origins dealt in turn).
    radii : float64[r]
        Ascending radii in metres; ``inf`` for radius n.
    catchment : bool
        Catchment mode (True) or route mode (False).
    metric_cost : bool
        Whether ``tcost`` is proportional to ``tlen`` (metric or time cost).
    has_free_moves : bool
        Whether some transition costs (about) nothing.
    indptr, dst, tcost, tlen
        State CSR, transition cost and transition length (metres).
    seglen, weight : float64[n]
        Segment lengths and origin/destination weights.
    depth_scale, harmonic_offset : float
        Reported depth = cost · depth_scale; harmonic adds the offset.
    want_choice : bool
        Whether to run the back-propagation for choice.
    sums : float64[k, r, N_SUMS]
        Per-origin sums of the batch; this worker writes its origins' rows.
    choice, choice_wl : float64[n or 1, r]
        This worker's own partial choice sums, added to.
    """
    n_states = len(indptr) - 1
    scratch_f = np.full((11, n_states), np.inf)
    scratch_f[3, :] = 0.0
    scratch_f[4, :] = 0.0
    scratch_f[5, :] = 0.0
    scratch_f[8, :] = 0.0
    scratch_i = np.zeros((12, n_states), dtype=np.int32)
    scratch_i[5, :] = -1
    scratch_i[8, :] = -1
    scratch_i[9, :] = -1
    hkey = np.empty(len(dst) + 2)
    hval = np.empty(len(dst) + 2, dtype=np.int32)
    for j in range(worker, len(origins), n_workers):
        _analyse_origin(
            origins[j],
            radii,
            catchment,
            metric_cost,
            has_free_moves,
            indptr,
            dst,
            tcost,
            tlen,
            seglen,
            weight,
            depth_scale,
            harmonic_offset,
            want_choice,
            sums,
            j,
            choice,
            choice_wl,
            scratch_f,
            scratch_i,
            hkey,
            hval,
        )

"""Distances between residents, and to street midpoints, from searches at segment ends.

The residents living along one segment ``e`` (ends ``u`` and ``v``, length
``L``) share their routes: a resident ``q`` metres along ``e`` with access
distance ``l`` leaves it through ``u`` (``q`` metres) or through ``v``
(``L - q`` metres), so its distance to any junction ``x`` is
``min(q + D_u(x), L - q + D_v(x))``, where ``D_u`` and ``D_v`` are the
junction distances from the two ends. A point ``r`` metres along another
segment ``f`` is then reached through one of ``f``'s ends; on ``e`` itself
also directly (``|q - r|``). One search per segment end thus serves all the
residents of the segment, and neighbouring segments share their ends: the
caller hands over chunks of neighbouring populated segments, and each chunk
searches once from each of its junctions, or once from each resident where
it has fewer residents than junctions (a search seeded at both ends).

The searches run over junctions (``metres`` along the streets, every street
walkable both ways): for lengths alone a route never turns back inside a
segment, so these are the distances of the segment-state search in
:mod:`stadsrum.kernels.search`, to float rounding.

:func:`resident_chunk` adds up, for a chunk of populated segments, every
resident's local environments, its contribution to the co-presence of every
street midpoint within the largest threshold and, when asked, its row of the
area-to-area distance sums; it touches only what the searches reached, except
the area sums, which visit every resident (one row per source, never a
residents x residents table).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class JunctionGraph(NamedTuple):
    """The walking graph over junctions, every street both ways (int64, float64)."""

    nptr: np.ndarray  # [n_nodes + 1]: the arcs of junction x at nptr[x]:nptr[x + 1]
    nnbr: np.ndarray  # per arc: the junction it leads to
    nedge: np.ndarray  # per arc: its segment
    seg_u: np.ndarray  # per segment: its end junctions
    seg_v: np.ndarray
    seglen: np.ndarray  # per segment: metres


class Residents(NamedTuple):
    """The linked residents sorted by segment and position, and the areas' segments.

    Those on segment ``f`` are rows ``pt_ptr[f]:pt_ptr[f + 1]``: position along
    it, access distance, people, people per group (rows x groups), area (-1:
    none) and input row. ``seg_area``: the area of each segment's midpoint (-1:
    none); ``pop_segs``: every populated segment, ascending.
    """

    pt_ptr: np.ndarray
    r_pos: np.ndarray
    r_link: np.ndarray
    r_p: np.ndarray
    r_g: np.ndarray
    r_area: np.ndarray
    r_orig: np.ndarray
    seg_area: np.ndarray
    pop_segs: np.ndarray


class ResidentScratch(NamedTuple):
    """One worker's search and bookkeeping arrays, left as found (see :func:`resident_chunk`)."""

    dj: np.ndarray  # (slots, junctions) distances, inf
    tj: np.ndarray  # (slots, junctions) junctions each search touched
    n_tj: np.ndarray  # per slot: how many
    hkey: np.ndarray  # the heap
    hval: np.ndarray
    seed_node: np.ndarray  # a search's (up to two) seeds
    seed_cost: np.ndarray
    seg_stamp: np.ndarray  # per segment: the search that listed it (counter[0] numbers them)
    counter: np.ndarray
    cand: np.ndarray  # segments within reach of the current resident
    chunk_mark: np.ndarray  # per segment: the call that gave it a sum (chunk_id)
    chunk_list: np.ndarray  # the segments given a sum in this call
    seen_area: np.ndarray  # per segment: (area, first threshold) last recorded this call
    seen_t0: np.ndarray
    seen_mark: np.ndarray
    env_b: np.ndarray  # (environments, groups): one resident's counts by first radius
    s_m: np.ndarray  # per area + 1: one resident's sums of p d and p
    s_w: np.ndarray


class ResidentSums(NamedTuple):
    """One worker's sums, added to (the caller reads and zeroes them)."""

    acc_p: np.ndarray  # (thresholds, segments): people by first threshold within
    acc_g: np.ndarray  # (thresholds, segments, groups)
    acc_o: np.ndarray  # (thresholds, segments): people from other areas
    pair_m: np.ndarray  # (areas + 1)^2: sums of p_i p_j d(i, j)
    pair_w: np.ndarray  # (areas + 1)^2: sums of p_i p_j


@njit(cache=True, nogil=True)
def _push(hkey, hval, size, key, val):
    """Binary min-heap insert (inlined here: the search spends its time in the heap)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hval[i] = hval[parent]
        i = parent
    hkey[i] = key
    hval[i] = val
    return size + 1


@njit(cache=True, nogil=True)
def node_search(
    seed_node, seed_cost, n_seeds, bound, nptr, nnbr, nedge, seglen, dist, touched, hkey, hval
):
    """Metres from the seeds to every junction within ``bound`` (Dijkstra).

    ``dist`` must be ``inf`` everywhere on entry; on return it holds the
    distances of the junctions listed in ``touched[:n]`` (``n`` returned),
    which the caller resets. Junctions beyond ``bound`` stay ``inf``.
    """
    size = 0
    n_t = 0
    for s in range(n_seeds):
        x = seed_node[s]
        c = seed_cost[s]
        if c <= bound and c < dist[x]:
            if dist[x] == np.inf:
                touched[n_t] = x
                n_t += 1
            dist[x] = c
            size = _push(hkey, hval, size, c, x)
    while size > 0:
        key = hkey[0]
        x = hval[0]
        size -= 1
        # sift the last entry down from the root
        last_k = hkey[size]
        last_v = hval[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and hkey[child + 1] < hkey[child]:
                child += 1
            if last_k <= hkey[child]:
                break
            hkey[i] = hkey[child]
            hval[i] = hval[child]
            i = child
        hkey[i] = last_k
        hval[i] = last_v
        if key > dist[x]:
            continue  # an older, longer entry of a junction settled since
        for k in range(nptr[x], nptr[x + 1]):
            y = nnbr[k]
            nd = key + seglen[nedge[k]]
            if nd < dist[y] and nd <= bound:
                if dist[y] == np.inf:
                    touched[n_t] = y
                    n_t += 1
                dist[y] = nd
                size = _push(hkey, hval, size, nd, y)
    return n_t


@njit(cache=True, nogil=True)
def _collect(touched, n_t, dist, bound, nptr, nedge, seg_stamp, stamp, cand, n_c):
    """Add the segments at junctions within ``bound`` to ``cand`` (each once per stamp)."""
    for i in range(n_t):
        x = touched[i]
        if dist[x] > bound:
            continue
        for k in range(nptr[x], nptr[x + 1]):
            f = nedge[k]
            if seg_stamp[f] != stamp:
                seg_stamp[f] = stamp
                cand[n_c] = f
                n_c += 1
    return n_c


@njit(cache=True, nogil=True)
def _reset(touched, n_t, dist):
    for i in range(n_t):
        dist[touched[i]] = np.inf


@njit(cache=True, nogil=True)
def _first_within(d, limits):
    """Index of the first (smallest) limit that ``d`` is within (tolerance 1e-9 relative)."""
    for t in range(len(limits)):
        if d <= limits[t] + 1e-9 * (1.0 + limits[t]):
            return t
    return len(limits)


@njit(cache=True, nogil=True)
def _grow(buf, n):
    if n < len(buf):
        return buf
    out = np.empty(2 * len(buf), dtype=buf.dtype)
    out[: len(buf)] = buf
    return out


@njit(cache=True, nogil=True)
def _one_point(
    idx, e, two, a0, a1, n_c, full, t_m, r_m, graph, residents, d0, d1, scratch, sums, env_out,
    n_out, chunk_id, tri, n_tri,
):  # fmt: skip
    """One resident's co-presence contributions, environments and area sums."""
    seg_u, seg_v, seglen = graph.seg_u, graph.seg_v, graph.seglen
    pt_ptr, r_pos, r_link, r_p, r_g, r_area, r_orig, seg_area, pop_segs = residents
    cand, chunk_mark, chunk_list = scratch.cand, scratch.chunk_mark, scratch.chunk_list
    seen_area, seen_t0, seen_mark = scratch.seen_area, scratch.seen_t0, scratch.seen_mark
    env_b, s_m, s_w = scratch.env_b, scratch.s_m, scratch.s_w
    acc_p, acc_g, acc_o, pair_m, pair_w = sums
    n_t = len(t_m)
    n_r = len(r_m)
    n_g = r_g.shape[1]
    li = r_link[idx]
    qi = r_pos[idx]
    pi = r_p[idx]
    ai = r_area[idx]
    # co-presence: the midpoints of the segments in reach
    for c in range(n_c):
        f = cand[c]
        if two:
            du = min(a0 + d0[seg_u[f]], a1 + d1[seg_u[f]])
            dv = min(a0 + d0[seg_v[f]], a1 + d1[seg_v[f]])
        else:
            du = d0[seg_u[f]]
            dv = d0[seg_v[f]]
        half = 0.5 * seglen[f]
        net = min(du, dv) + half
        if f == e:
            net = min(net, abs(qi - half))
        t0 = _first_within(li + net, t_m)
        if t0 == n_t:
            continue
        if chunk_mark[f] != chunk_id:
            chunk_mark[f] = chunk_id
            chunk_list[n_out] = f
            n_out += 1
        acc_p[t0, f] += pi
        for g in range(n_g):
            acc_g[t0, f, g] += r_g[idx, g]
        sa = seg_area[f]
        if sa >= 0 and sa != ai:
            acc_o[t0, f] += pi
        # one (segment, area, threshold) record per first sight in this chunk
        if ai >= 0 and (seen_mark[f] != chunk_id or seen_area[f] != ai or seen_t0[f] > t0):
            seen_mark[f] = chunk_id
            seen_area[f] = ai
            seen_t0[f] = t0
            tri = _grow(tri, 3 * n_tri + 3)
            tri[3 * n_tri] = f
            tri[3 * n_tri + 1] = ai
            tri[3 * n_tri + 2] = t0
            n_tri += 1
    # environments (and, with ``full``, the area sums) over the residents in reach
    env_b[:, :] = 0.0
    if full:
        s_m[:] = 0.0
        s_w[:] = 0.0
    n_f = len(pop_segs) if full else n_c
    for c in range(n_f):
        f = pop_segs[c] if full else cand[c]
        j0 = pt_ptr[f]
        j1 = pt_ptr[f + 1]
        if j0 == j1:
            continue
        if two:
            du = min(a0 + d0[seg_u[f]], a1 + d1[seg_u[f]])
            dv = min(a0 + d0[seg_v[f]], a1 + d1[seg_v[f]])
        else:
            du = d0[seg_u[f]]
            dv = d0[seg_v[f]]
        lf = seglen[f]
        for j in range(j0, j1):
            if j == idx:
                d = 0.0  # a point and itself: the people of one address are together
            else:
                q = r_pos[j]
                net = min(du + q, dv + lf - q)
                if f == e:
                    net = min(net, abs(qi - q))
                d = li + net + r_link[j]
                if d == np.inf:
                    continue
            if full:
                col = r_area[j] + 1
                s_m[col] += r_p[j] * d
                s_w[col] += r_p[j]
            r0 = _first_within(d, r_m)
            if r0 < n_r:
                for g in range(n_g):
                    env_b[r0, g] += r_g[j, g]
    o = r_orig[idx]
    for g in range(n_g):
        run = 0.0
        for r in range(n_r):
            run += env_b[r, g]
            env_out[r, o, g] = run
    if full:
        row = ai + 1
        for col in range(len(s_m)):
            pair_m[row, col] += pi * s_m[col]
            pair_w[row, col] += pi * s_w[col]
    return n_out, tri, n_tri


@njit(cache=True, nogil=True)
def resident_chunk(
    chunk_segs, by_junction, junctions, jbound, slot0, slot1, full, reach_m, t_m, r_m,
    graph, residents, scratch, sums, env_out, chunk_id, tri,
):  # fmt: skip
    """Searches from the residents of a chunk of populated segments, and their sums.

    Parameters
    ----------
    chunk_segs
        The populated segments of this chunk (neighbours, mostly).
    by_junction
        True: one search from each of ``junctions`` (the chunk's segment
        ends; segment ``chunk_segs[s]`` has its ends in slots ``slot0[s]``
        and ``slot1[s]``, searched to ``jbound``); False: one search from each
        resident (fewer residents than junctions).
    full
        True: every resident is a target (area-to-area sums; unbounded
        searches); False: the searches stop at ``reach_m``.
    reach_m
        The largest threshold or environment, metres: co-presence and
        environments need nothing farther.
    t_m, r_m
        Thresholds and environments, metres, ascending.
    graph : JunctionGraph
        Junction CSR (the neighbours and the connecting segment of each
        junction), each segment's end junctions and length.
    residents : Residents
        The linked residents by segment, the areas of the segments' midpoints
        and the populated segments (the targets with ``full``).
    scratch : ResidentScratch
        This worker's arrays: ``dj`` (``inf`` on entry and return) and ``tj``
        hold the junction distances and the junctions each search touched, one
        row per slot; ``counter[0]`` numbers the searches for ``seg_stamp``;
        ``chunk_list[:n]`` lists the segments given a sum in this call.
    sums : ResidentSums
        This worker's sums by segment and by the first threshold within which
        the resident is (``acc_*[t0, f]``; the caller reads and zeroes the
        listed segments), and the ``(areas + 1)²`` sums of ``p_i p_j d(i, j)``
        and ``p_i p_j`` (row/column 0: no area), added to with ``full``.
    env_out
        ``(environments, residents, groups)``: each resident's environment
        counts, written at its input row.
    chunk_id
        A new number per call.
    tri
        Buffer for the ``(segment, area, first threshold)`` records.

    Returns
    -------
    (n, tri, n_tri)
        Segments with co-presence sums, and ``n_tri`` records ``(segment, area,
        first threshold)`` in ``tri`` (maybe a grown copy) for ``reach_areas``.
    """
    nptr, nnbr, nedge, seg_u, seg_v, seglen = graph
    pt_ptr, r_pos, r_link = residents.pt_ptr, residents.r_pos, residents.r_link
    dj, tj, n_tj, hkey, hval = scratch.dj, scratch.tj, scratch.n_tj, scratch.hkey, scratch.hval
    seed_node, seed_cost, seg_stamp = scratch.seed_node, scratch.seed_cost, scratch.seg_stamp
    counter, cand = scratch.counter, scratch.cand
    n_out = 0
    n_tri = 0
    eps = 1e-6 * (1.0 + reach_m)  # searches reach a little farther than any limit
    if by_junction:
        for k in range(len(junctions)):
            seed_node[0] = junctions[k]
            seed_cost[0] = 0.0
            n_tj[k] = node_search(
                seed_node, seed_cost, 1, np.inf if full else jbound[k],
                nptr, nnbr, nedge, seglen, dj[k], tj[k], hkey, hval,
            )  # fmt: skip
    for s in range(len(chunk_segs)):
        e = chunk_segs[s]
        p0 = pt_ptr[e]
        p1 = pt_ptr[e + 1]
        length = seglen[e]
        if by_junction:
            su = slot0[s]
            sv = slot1[s]
            lo0 = np.inf
            lo1 = np.inf
            for i in range(p0, p1):
                lo0 = min(lo0, r_link[i] + r_pos[i])
                lo1 = min(lo1, r_link[i] + length - r_pos[i])
            counter[0] += 1
            stamp = counter[0]
            seg_stamp[e] = stamp
            cand[0] = e
            n_c = _collect(
                tj[su],
                n_tj[su],
                dj[su],
                reach_m - lo0 + eps,
                nptr,
                nedge,
                seg_stamp,
                stamp,
                cand,
                1,
            )
            n_c = _collect(
                tj[sv], n_tj[sv], dj[sv], reach_m - lo1 + eps, nptr, nedge, seg_stamp, stamp, cand,
                n_c,
            )  # fmt: skip
            cand[:n_c].sort()
            for i in range(p0, p1):
                n_out, tri, n_tri = _one_point(
                    i, e, True, r_pos[i], length - r_pos[i], n_c, full, t_m, r_m, graph,
                    residents, dj[su], dj[sv], scratch, sums, env_out, n_out, chunk_id, tri,
                    n_tri,
                )  # fmt: skip
        else:
            d0 = dj[0]
            for i in range(p0, p1):
                seed_node[0] = seg_u[e]
                seed_cost[0] = r_pos[i]
                seed_node[1] = seg_v[e]
                seed_cost[1] = length - r_pos[i]
                b0 = reach_m - r_link[i] + eps
                n0 = node_search(
                    seed_node, seed_cost, 2, np.inf if full else b0,
                    nptr, nnbr, nedge, seglen, d0, tj[0], hkey, hval,
                )  # fmt: skip
                counter[0] += 1
                stamp = counter[0]
                seg_stamp[e] = stamp
                cand[0] = e
                n_c = _collect(tj[0], n0, d0, b0, nptr, nedge, seg_stamp, stamp, cand, 1)
                cand[:n_c].sort()
                n_out, tri, n_tri = _one_point(
                    i, e, False, 0.0, 0.0, n_c, full, t_m, r_m, graph, residents, d0, d0,
                    scratch, sums, env_out, n_out, chunk_id, tri, n_tri,
                )  # fmt: skip
                _reset(tj[0], n0, d0)
    if by_junction:
        for k in range(len(junctions)):
            _reset(tj[k], n_tj[k], dj[k])
    return n_out, tri, n_tri

"""Distances from one resident point to the residents and street midpoints around it.

The search itself is :func:`stadsrum.kernels.od.reach_group` (the shared state
search started from a point on a segment); this reads its arrival costs at the
two ends of every reached segment and turns them into distances to the points
that lie on those segments, without visiting any segment the search did not
reach. A point ``q`` metres along segment ``f`` is reached through end 0
(``at0 + q``), through end 1 (``at1 + length - q``) or, on the start's own
segment, directly (``link + |q - pos|``); the smallest of the three counts.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _best(f, q, at0, at1, seglen, edge, pos, link):
    d = min(at0 + q, at1 + seglen[f] - q)
    if f == edge:
        d = min(d, link + abs(q - pos))
    return d


@njit(cache=True, nogil=True)
def resident_targets(
    segs,
    at0,
    at1,
    edge,
    pos,
    link,
    limit,
    seglen,
    pt_ptr,
    pt_index,
    pt_pos,
    pt_link,
):
    """Residents and segment midpoints within ``limit`` metres of one resident.

    Parameters
    ----------
    segs, at0, at1
        :func:`~stadsrum.kernels.od.reach_group`'s result for the start point
        (arrival costs include the start's access distance ``link``).
    edge, pos, link
        The start point: its segment, metres along it, its access distance.
    limit
        Largest distance kept, metres, inclusive (``inf``: every reached one).
    seglen
        Segment lengths.
    pt_ptr, pt_index, pt_pos, pt_link
        The resident points grouped by segment: those on segment ``f`` are
        ``pt_index[pt_ptr[f]:pt_ptr[f + 1]]`` with their positions and access
        distances at the same places.

    Returns
    -------
    (targets, target_m, mid_segs, mid_m)
        Resident points (their row numbers) and their distances
        ``link + network + link_target``; segments and the distances to their
        midpoints (no access distance at the midpoint's end).
    """
    tol = 1e-9 * (1.0 + limit) if limit < np.inf else 0.0
    n_t = 0
    for i in range(len(segs)):
        f = segs[i]
        n_t += pt_ptr[f + 1] - pt_ptr[f]
    targets = np.empty(n_t, dtype=np.int64)
    target_m = np.empty(n_t)
    mid_segs = np.empty(len(segs), dtype=np.int64)
    mid_m = np.empty(len(segs))
    k = 0
    m = 0
    for i in range(len(segs)):
        f = segs[i]
        half = 0.5 * seglen[f]
        d = _best(f, half, at0[i], at1[i], seglen, edge, pos, link)
        if d <= limit + tol:
            mid_segs[m] = f
            mid_m[m] = d
            m += 1
        for j in range(pt_ptr[f], pt_ptr[f + 1]):
            d = _best(f, pt_pos[j], at0[i], at1[i], seglen, edge, pos, link) + pt_link[j]
            if d <= limit + tol:
                targets[k] = pt_index[j]
                target_m[k] = d
                k += 1
    return targets[:k], target_m[:k], mid_segs[:m], mid_m[:m]

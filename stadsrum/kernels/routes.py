"""Route lines from walked pieces of streets, as flat coordinate arrays (numba)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class Polylines(NamedTuple):
    """The segments' vertices as a CSR: segment ``s`` is ``coords[ptr[s]:ptr[s + 1]]``."""

    ptr: np.ndarray  # int64 [n_segments + 1]
    coords: np.ndarray  # float64 [n_vertices, 2]
    cum: np.ndarray  # float64 [n_vertices]: each vertex's metres along its segment


@njit(cache=True)
def _emit(out, n, x, y):
    """Append a point unless it repeats the previous one."""
    if n > 0 and out[n - 1, 0] == x and out[n - 1, 1] == y:
        return n
    out[n, 0] = x
    out[n, 1] = y
    return n + 1


@njit(cache=True)
def route_coordinates(route_ptr, seg, a, b, start_xy, end_xy, lines, bound):
    """Coordinates of every route: start point, walked pieces, end point.

    Parameters
    ----------
    route_ptr
        CSR over routes into the pieces ``seg``, ``a``, ``b`` (walk segment
        ``seg`` from ``a`` to ``b`` metres along it; ``a > b`` walks backwards).
    start_xy, end_xy
        Per route, the points before and after the pieces (NaN: none).
    lines
        The segments' polylines (:class:`Polylines`).
    bound
        An upper bound of the number of points written.

    Returns
    -------
    (ptr, xy)
        CSR over routes into ``xy``; a route of one point repeats it.
    """
    coord_ptr, coords, cum = lines
    n_routes = len(route_ptr) - 1
    out = np.empty((bound, 2))
    ptr = np.zeros(n_routes + 1, dtype=np.int64)
    n = 0
    for r in range(n_routes):
        first = n
        if not np.isnan(start_xy[r, 0]):
            n = _emit(out, n, start_xy[r, 0], start_xy[r, 1])
        for p in range(route_ptr[r], route_ptr[r + 1]):
            s = seg[p]
            lo = coord_ptr[s]
            hi = coord_ptr[s + 1]
            x, y = _point_at(coords, cum, lo, hi, a[p])
            n = _emit(out, n, x, y)
            if a[p] <= b[p]:
                for v in range(lo, hi):
                    if a[p] < cum[v] < b[p]:
                        n = _emit(out, n, coords[v, 0], coords[v, 1])
            else:
                for v in range(hi - 1, lo - 1, -1):
                    if b[p] < cum[v] < a[p]:
                        n = _emit(out, n, coords[v, 0], coords[v, 1])
            x, y = _point_at(coords, cum, lo, hi, b[p])
            n = _emit(out, n, x, y)
        if not np.isnan(end_xy[r, 0]):
            n = _emit(out, n, end_xy[r, 0], end_xy[r, 1])
        if n - first == 1:
            out[n, 0] = out[n - 1, 0]
            out[n, 1] = out[n - 1, 1]
            n += 1
        ptr[r + 1] = n
    return ptr, out[:n]


@njit(cache=True)
def _point_at(coords, cum, lo, hi, d):
    """The point ``d`` metres along the polyline ``coords[lo:hi]``."""
    if d <= cum[lo]:
        return coords[lo, 0], coords[lo, 1]
    for v in range(lo + 1, hi):
        if d <= cum[v]:
            span = cum[v] - cum[v - 1]
            t = 0.0 if span <= 0 else (d - cum[v - 1]) / span
            x = coords[v - 1, 0] + t * (coords[v, 0] - coords[v - 1, 0])
            y = coords[v - 1, 1] + t * (coords[v, 1] - coords[v - 1, 1])
            return x, y
    return coords[hi - 1, 0], coords[hi - 1, 1]

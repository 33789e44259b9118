"""Spatial tiles with halos: the part of the network a task needs at local radii.

At a finite radius an origin's search stays near the origin, so a Dask task
analysing a group of nearby origins (a *tile*) needs only the segments around
them (its *halo*), not the whole network: memory per worker then grows with
the tile and its halo, not with the country. :mod:`stadsrum.distributed` uses
this for the segment analysis; this module only chooses the tiles and cuts
out their sub-networks.

Tiles: origins are ordered along a Hilbert curve through their segments'
midpoints (nearby on the curve means nearby on the map, with no long jumps)
and cut into runs of ``tile_size`` consecutive origins. A network without
geometry keeps segment-id order: still correct (the halo is found on the
network, not on the map), only less compact.

Halo: every segment within ``halo_m`` metres *along the network* of one of the
tile's origins (midpoint to midpoint, the metres the radius counts), plus the
segments one move beyond those. See :meth:`HaloFinder.halo_segments` for why that is
enough for every search the segment kernel makes, whatever the cost (metric,
angular, steps, time) and radius mode, as long as the radius is in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "HaloFinder",
    "SubNetwork",
    "halo_metres",
    "hilbert_keys",
    "segment_points",
    "sub_network",
    "tile_origins",
]

#: Added to the largest radius (metres) for the halo: the halo search adds the
#: same lengths in another order than an origin's own search and breaks cost ties
#: within the kernel's TOL, so its distances may differ from the origin's by
#: rounding (far below a millimetre); a larger halo never changes a result.
HALO_SLACK_M = 1.0
#: Bits per axis of the Hilbert curve's grid (2**16 × 2**16 cells): far finer than a tile.
HILBERT_BITS = 16


def halo_metres(r_max: float) -> float:
    """The halo's width for a largest radius ``r_max`` (metres): the radius as the kernel
    compares it (``r + TOL·(1 + r)``), a relative margin for rounding, and
    :data:`HALO_SLACK_M`."""
    from stadsrum.kernels.search import TOL

    return r_max + TOL * (1.0 + r_max) + 1e-6 * r_max + HALO_SLACK_M


def segment_points(geometry: np.ndarray | None) -> np.ndarray | None:
    """One point per segment (the centre of its bounding box), ``(n, 2)``; ``None``
    when some segment has no geometry (a graph built from arrays)."""
    import shapely

    if geometry is None or len(geometry) == 0:
        return None
    try:
        bounds = shapely.bounds(np.asarray(geometry, dtype=object))
    except (TypeError, shapely.errors.GEOSException):
        return None
    if not np.isfinite(bounds).all():
        return None
    return np.column_stack(
        [0.5 * (bounds[:, 0] + bounds[:, 2]), 0.5 * (bounds[:, 1] + bounds[:, 3])]
    )


def hilbert_keys(xy: np.ndarray, bits: int = HILBERT_BITS) -> np.ndarray:
    """Each point's position along a Hilbert curve over the points' bounding square."""
    xy = np.asarray(xy, dtype=np.float64)
    lo = xy.min(axis=0)
    span = float((xy.max(axis=0) - lo).max())
    side = 1 << bits
    scale = (side - 1) / span if span > 0 else 0.0
    x = ((xy[:, 0] - lo[0]) * scale).astype(np.int64)
    y = ((xy[:, 1] - lo[1]) * scale).astype(np.int64)
    d = np.zeros(len(xy), dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # rotate the quadrant so the curve's pieces join end to end
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    return d


def tile_origins(n: int, tile_size: int, xy: np.ndarray | None) -> list[np.ndarray]:
    """The origins ``0..n-1`` in tiles of up to ``tile_size``, each sorted by id.

    Consecutive runs along the Hilbert curve of ``xy`` (segment-id order without it).
    """
    if tile_size < 1:
        raise ValueError("tile_size must be at least 1")
    if xy is None:
        order = np.arange(n, dtype=np.int64)
    else:
        order = np.argsort(hilbert_keys(xy), kind="stable").astype(np.int64)
    return [np.sort(order[i : i + tile_size]) for i in range(0, n, tile_size)]


@dataclass(frozen=True)
class SubNetwork:
    """A tile's sub-network, renumbered: local segment ``i`` is global ``segments[i]``.

    States keep their direction (local state ``2i + d`` is global
    ``2·segments[i] + d``) and each state keeps its transitions in their
    global order, less those leaving the sub-network.
    """

    segments: np.ndarray  # int64, ascending global ids
    origins: np.ndarray  # int64, local ids of the tile's origins
    indptr: np.ndarray  # int32
    dst: np.ndarray  # int32
    tcost: np.ndarray
    tlen: np.ndarray
    seglen: np.ndarray
    weight: np.ndarray

    @property
    def nbytes(self) -> int:
        return sum(
            a.nbytes
            for a in (
                self.segments,
                self.origins,
                self.indptr,
                self.dst,
                self.tcost,
                self.tlen,
                self.seglen,
                self.weight,
            )
        )


class HaloFinder:
    """Finds tiles' halos on the whole network; scratch kept between tiles.

    Runs on the client (which read the whole network anyway), never on a worker.
    """

    def __init__(self, indptr: np.ndarray, dst: np.ndarray, tlen: np.ndarray) -> None:
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int32)
        self.dst = np.ascontiguousarray(dst, dtype=np.int32)
        self.tlen = np.ascontiguousarray(tlen, dtype=np.float64)
        n_states = len(self.indptr) - 1
        self.n_segments = n_states // 2
        self.dist = np.full(n_states, np.inf)
        self.rlen = np.full(n_states, np.inf)
        self.pred = np.full(n_states, -1, dtype=np.int32)
        self.settled = np.zeros(n_states, dtype=np.int32)
        self.order = np.zeros(n_states, dtype=np.int32)
        self.segdist = np.full(self.n_segments, np.inf)  # no catchment: nothing held back
        self.local = np.full(self.n_segments, -1, dtype=np.int32)
        # the heap: one push per transition and per start state at most; grown when a
        # larger tile needs it, not made afresh for every tile (Sweden: ~0.6 GB)
        self.hkey = np.empty(0)
        self.hval = np.empty(0, dtype=np.int32)

    def halo_segments(self, origins: np.ndarray, halo_m: float) -> np.ndarray:
        """Global ids (ascending) of the segments a tile's searches can touch.

        Claim: for every origin ``o`` of the tile and every radius ``r`` in
        metres with ``r + TOL·(1 + r) <= halo_m``, each search the segment
        kernel makes from ``o`` pushes only states of these segments, and
        meets a transition leaving them only from states it never expands.

        Proof. Let ``m(s)`` be the least metres (sum of transition lengths,
        midpoint to midpoint) from the tile's origin states to state ``s``;
        this method returns the segments of the states with ``m(s) <=
        halo_m`` (*inner* states) and of every state one transition after an
        inner state (it runs one multi-source search over lengths, bounded by
        ``halo_m``: it expands exactly the inner states and settles their
        successors as beyond). The kernel's searches from ``o`` are:

        1. a search bounded by route length ``<= r + TOL·(1 + r)``: the metric
           catchment search, the metric-cost search of catchment mode (cost
           proportional to length), and route mode's cost search for any
           cost (angular, steps, time), which drops states whose route is
           longer than the radius. A state it expands has a route from
           ``o`` of at most that length, so ``m(s) <= halo_m``: it is inner.
           What it pushes is an expanded state's successor: in the halo.
        2. catchment mode's cost search for a non-metric cost (angular,
           steps): it enters only states of segments whose metric distance
           from search 1 is within the radius; such a segment has an inner
           state, so it is in the halo, both states included. A transition
           to a segment outside the halo leads to a segment outside the
           catchment, which the search skips on the whole network too.

        So every transition a search follows, and every transition it
        examines from a state it expands, is inside the sub-network, in the
        same order (each state keeps its transitions in order); the rest of
        the kernel (path counts, back-propagation) looks only at states the
        search settled. The sub-network's searches therefore make the same
        pushes and pops with the same keys as on the whole network (the heap
        compares costs only, never state ids), so every per-origin sum is
        bit-identical and each choice contribution is the same number, added
        up on the client in another order. A halo larger than this changes
        nothing (its extra states are never pushed); radius n has no halo
        smaller than the origin's whole connected part, hence no tiles.
        """
        from stadsrum.kernels.search import reset_states, state_search

        states = np.empty(2 * len(origins), dtype=np.int32)
        states[0::2] = 2 * origins
        states[1::2] = 2 * origins + 1
        zeros = np.zeros(len(states))
        if len(self.hkey) < len(self.dst) + len(states):
            self.hkey = np.empty(len(self.dst) + len(states))
            self.hval = np.empty(len(self.dst) + len(states), dtype=np.int32)
        n_order = state_search(
            states,
            zeros,
            zeros,
            len(states),
            float(halo_m),
            np.inf,
            self.segdist,
            self.indptr,
            self.dst,
            self.tlen,
            self.tlen,
            self.dist,
            self.rlen,
            self.pred,
            self.settled,
            self.order,
            self.hkey,
            self.hval,
        )
        # ``order`` lists the expanded (inner) states and the successors settled beyond
        reached = self.order[:n_order].copy()
        reset_states(n_order, reached, self.dist, self.rlen, self.pred, self.settled)
        return np.unique(reached >> 1).astype(np.int64)

    def sub_network(
        self,
        origins: np.ndarray,
        segments: np.ndarray,
        tcost: np.ndarray,
        seglen: np.ndarray,
        weight: np.ndarray,
    ) -> SubNetwork:
        """The sub-network on ``segments`` (ascending global ids) for ``origins``."""
        return sub_network(
            origins,
            segments,
            self.indptr,
            self.dst,
            tcost,
            self.tlen,
            seglen,
            weight,
            local=self.local,
        )


def sub_network(
    origins: np.ndarray,
    segments: np.ndarray,
    indptr: np.ndarray,
    dst: np.ndarray,
    tcost: np.ndarray,
    tlen: np.ndarray,
    seglen: np.ndarray,
    weight: np.ndarray,
    *,
    local: np.ndarray | None = None,
) -> SubNetwork:
    """Cut out and renumber the sub-network on ``segments`` (ascending global ids).

    ``local``: scratch of ``-1`` per global segment, restored on return (saves an
    O(network) allocation per tile).
    """
    segments = np.asarray(segments, dtype=np.int64)
    if local is None:
        local = np.full(len(seglen), -1, dtype=np.int32)
    local[segments] = np.arange(len(segments), dtype=np.int32)
    try:
        if (local[origins] < 0).any():
            raise ValueError("every origin must be in the sub-network")
        states = np.empty(2 * len(segments), dtype=np.int64)
        states[0::2] = 2 * segments
        states[1::2] = 2 * segments + 1
        first = indptr[states].astype(np.int64)
        counts = indptr[states + 1].astype(np.int64) - first
        # every transition of the kept states, state by state, in their global order
        starts = np.repeat(first - np.cumsum(counts) + counts, counts)
        edges = starts + np.arange(int(counts.sum()), dtype=np.int64)
        target = dst[edges].astype(np.int64)
        target_local = local[target >> 1]
        keep = target_local >= 0
        owner = np.repeat(np.arange(len(states)), counts)[keep]
        sub_indptr = np.zeros(len(states) + 1, dtype=np.int32)
        sub_indptr[1:] = np.cumsum(np.bincount(owner, minlength=len(states)))
        kept = edges[keep]
        sub_dst = (2 * target_local[keep].astype(np.int64) + (target[keep] & 1)).astype(np.int32)
        return SubNetwork(
            segments=segments,
            origins=local[origins].astype(np.int64),
            indptr=sub_indptr,
            dst=sub_dst,
            tcost=np.ascontiguousarray(tcost[kept]),
            tlen=np.ascontiguousarray(tlen[kept]),
            seglen=np.ascontiguousarray(seglen[segments]),
            weight=np.ascontiguousarray(weight[segments]),
        )
    finally:
        local[segments] = -1

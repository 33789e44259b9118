"""New crossings: candidate links across barriers, ranked by exact gains.

Gains are exact without a search per candidate: with ``D(s, x)`` the shortest
distance from place ``s`` to junction ``x`` and ``D(t, x)`` from node ``t``, a
link ``a–b`` of length ``L`` gives the pair the distance

    new(s, t) = min(old(s, t), D(s, a) + L + D(t, b), D(s, b) + L + D(t, a))

since a shortest route uses a new link at most once. One search per place and
per node (:func:`~stadsrum.measures.access_graph.od_matrix`) thus prices
every candidate. The greedy ``best k together`` updates the distance rows the
same way after each chosen link.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.measures.access_graph import AccessGraph, LinkedSide, ODMatrix, Starts
from stadsrum.measures.barriers.inventory import crossed_barriers
from stadsrum.measures.naming import minutes_column
from stadsrum.network.barriers import BarrierSet
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED
from stadsrum.progress import Progress, ProgressLike, as_progress, check_cancelled

__all__ = [
    "ALONG_MAX_M",
    "ALONG_TOLERANCE_M",
    "JUNCTION_TOLERANCE_M",
    "candidate_links",
    "rank_candidates",
]

#: Metres: a candidate link passing this close to a junction other than its ends goes
#: through it, so it is two shorter links (each a candidate of its own) laid end to end.
JUNCTION_TOLERANCE_M = 2.0
#: Metres: a candidate link within this distance of a street runs along it ...
ALONG_TOLERANCE_M = 1.0
#: ... and is dropped when it does so along one street for more than this many
#: metres: it duplicates the street and is dominated by the shorter link it contains.
#: Crossing a street, or leaving a junction, at more than 12 degrees keeps a link
#: within 1 m of that street for less than 10 m.
ALONG_MAX_M = 10.0


def candidate_links(
    network: StreetNetwork,
    barriers: BarrierSet,
    *,
    max_length: float = 150.0,
    buildings: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Straight links between junctions on opposite sides of a barrier.

    A candidate joins two junctions at most ``max_length`` metres apart whose
    straight line crosses a barrier's line (or outline), and passes through
    no building (if ``buildings`` polygons are given; touching is allowed).
    A line passing within :data:`JUNCTION_TOLERANCE_M` metres of another
    junction, or running within :data:`ALONG_TOLERANCE_M` of existing streets
    for more than :data:`ALONG_MAX_M` metres, is no candidate: it is never
    what a planner would build, and the shorter link it contains is a
    candidate of its own.

    Returns
    -------
    geopandas.GeoDataFrame
        ``from_node``, ``to_node`` (junction ids), ``length_m``, ``barrier_id``
        (the barriers crossed, ``;``-separated) and the line.
    """
    if not max_length > 0:
        raise InputError("max link length must be a positive number of metres")
    node_pts = shapely.points(network.node_xy)
    node_tree = shapely.STRtree(node_pts)
    pairs: set[tuple[int, int]] = set()
    for g in range(barriers.n_barriers):
        lines = barriers.barrier_lines(g)
        near = np.unique(node_tree.query(lines, predicate="dwithin", distance=max_length))
        if len(near) < 2:
            continue
        sub_tree = shapely.STRtree(node_pts[near])
        a, b = sub_tree.query(node_pts[near], predicate="dwithin", distance=max_length)
        keep = a < b
        a, b = near[a[keep]], near[b[keep]]
        segs = shapely.linestrings(
            np.stack([network.node_xy[a], network.node_xy[b]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(a)), 2),
        )
        shapely.prepare(lines)
        hit = shapely.intersects(lines, segs)
        pairs.update(zip(a[hit].tolist(), b[hit].tolist(), strict=True))
    a_arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    segs = (
        shapely.linestrings(
            np.stack([network.node_xy[a_arr[:, 0]], network.node_xy[a_arr[:, 1]]], axis=1).reshape(
                -1, 2
            ),
            indices=np.repeat(np.arange(len(a_arr)), 2),
        )
        if len(a_arr)
        else np.empty(0, dtype=object)
    )
    keep = np.ones(len(a_arr), dtype=bool)
    if buildings is not None and len(a_arr):
        from stadsrum.network.projection import align_crs

        if len(buildings) == 0:
            raise InputError("buildings: the layer is empty (no features)")
        bld, _ = align_crs(buildings, network.crs, what="buildings")
        bgeom = np.asarray(bld.geometry.array, dtype=object)
        if not np.isin(shapely.get_type_id(bgeom), [3, 6]).all():
            raise InputError("buildings: expected polygons (building footprints)")
        si, bi = shapely.STRtree(bgeom).query(segs, predicate="intersects")
        inside = shapely.length(shapely.intersection(segs[si], bgeom[bi])) > 0.01
        keep[si[inside]] = False
    if len(a_arr):
        keep &= ~_on_streets(network, a_arr, segs)
    a_arr, segs = a_arr[keep], segs[keep]
    crossed = crossed_barriers(segs, barriers) if len(segs) else []
    return gpd.GeoDataFrame(
        {
            "from_node": a_arr[:, 0],
            "to_node": a_arr[:, 1],
            "length_m": shapely.length(segs) if len(segs) else np.empty(0),
            "barrier_id": [";".join(c) for c in crossed],
        },
        geometry=list(segs),
        crs=network.edges.crs,
    )


def _on_streets(network: StreetNetwork, ends: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Whether each link goes through another junction or runs along a street.

    ``ends``: the links' end junctions, shape ``(n, 2)``.
    """
    node_pts = shapely.points(network.node_xy)
    si, ni = shapely.STRtree(node_pts).query(
        segs, predicate="dwithin", distance=JUNCTION_TOLERANCE_M
    )
    through = (ni != ends[si, 0]) & (ni != ends[si, 1])
    out = np.zeros(len(segs), dtype=bool)
    out[si[through]] = True
    edges = np.asarray(network.edges.geometry.array, dtype=object)
    si, ei = shapely.STRtree(edges).query(segs, predicate="dwithin", distance=ALONG_TOLERANCE_M)
    todo = ~out[si]
    si, ei = si[todo], ei[todo]
    if len(si) == 0:
        return out
    # per street, not summed: a link crossing a dozen footways is near each for 2 m
    along = shapely.length(
        shapely.intersection(segs[si], shapely.buffer(edges[ei], ALONG_TOLERANCE_M))
    )
    out[si[along > ALONG_MAX_M]] = True
    return out


def _node_starts(network: StreetNetwork, junctions: np.ndarray) -> list[Starts | None]:
    """Start points at junctions: an end of one of their segments."""
    indptr, ends = network.node_csr
    out: list[Starts | None] = []
    for x in junctions:
        end = ends[indptr[x]]
        e = end // 2
        pos = 0.0 if end % 2 == 0 else float(network.length[e])
        out.append((np.array([e]), np.array([pos]), np.array([0.0])))
    return out


def _gains(
    d_p: np.ndarray,
    d_n: np.ndarray,
    old: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    length: np.ndarray,
    weight: np.ndarray,
    reach_m: Sequence[float],
    progress: ProgressLike,
    chunk: int = 512,
    counted: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Exact effect of each candidate link alone, by the min formula.

    A chunk is places x nodes x ``chunk`` candidates of arithmetic; in a large
    city that is seconds, so the user's cancel is checked between chunks.
    ``counted``: the pairs that count (places x nodes, bool; default all):
    the others add to no sum and no count.
    """
    n_c = len(a)
    # several arrays of places x nodes x chunk floats are alive at once: keep
    # each near 32 MB however many pairs there are (resident-to-resident pairs)
    chunk = max(1, min(chunk, 4_000_000 // max(1, old.size)))
    valid = np.ones(old.shape, dtype=bool) if counted is None else counted
    out: dict[str, np.ndarray] = {
        "gain_m": np.zeros(n_c),
        "pairs_improved": np.zeros(n_c, dtype=np.int64),
        "max_reduction_m": np.zeros(n_c),
        "pairs_connected": np.zeros(n_c, dtype=np.int64),
    }
    for r in reach_m:
        out[f"_reach_{r}"] = np.zeros(n_c, dtype=np.int64)
    finite_old = np.isfinite(old) & valid
    old_safe = np.where(finite_old, old, np.inf)
    within_old = {r: ((old <= r + 1e-9) & valid).sum() for r in reach_m}
    for lo in range(0, n_c, chunk):
        check_cancelled(progress)
        hi = min(n_c, lo + chunk)
        ln = length[lo:hi]
        pa, pb = d_p[:, a[lo:hi]], d_p[:, b[lo:hi]]  # P x C
        na, nb = d_n[:, a[lo:hi]], d_n[:, b[lo:hi]]  # N x C
        with np.errstate(invalid="ignore"):
            via = np.minimum(
                pa[:, None, :] + ln[None, None, :] + nb[None, :, :],
                pb[:, None, :] + ln[None, None, :] + na[None, :, :],
            )
        new = np.minimum(old_safe[:, :, None], via)
        with np.errstate(invalid="ignore"):
            red = old_safe[:, :, None] - new
        red[~np.broadcast_to(finite_old[:, :, None], red.shape)] = 0.0
        out["gain_m"][lo:hi] = (red * weight[:, :, None]).sum(axis=(0, 1))
        out["pairs_improved"][lo:hi] = (red > 1e-6).sum(axis=(0, 1))
        out["max_reduction_m"][lo:hi] = red.max(axis=(0, 1)) if red.size else 0.0
        out["pairs_connected"][lo:hi] = (
            (~finite_old[:, :, None]) & valid[:, :, None] & np.isfinite(new)
        ).sum(axis=(0, 1))
        for r in reach_m:
            out[f"_reach_{r}"][lo:hi] = ((new <= r + 1e-9) & valid[:, :, None]).sum(
                axis=(0, 1)
            ) - within_old[r]
    return out


def _apply_link(
    rows: np.ndarray, a: int, b: int, length: float, row_a: np.ndarray, row_b: np.ndarray
) -> np.ndarray:
    """Junction distance rows after adding the link ``a–b`` (rows of a and b given)."""
    return np.minimum(
        rows,
        np.minimum(
            rows[:, a, None] + length + row_b[None, :], rows[:, b, None] + length + row_a[None, :]
        ),
    )


def rank_candidates(
    network: StreetNetwork,
    od: ODMatrix,
    candidates: gpd.GeoDataFrame,
    *,
    place_weight: str | None = None,
    node_weight: str | None = None,
    pair_weight: np.ndarray | None = None,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    best_k: int = 0,
    candidate_spacing: float = 100.0,
    min_saving: float = 1.0,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame:
    """Rank candidate links by how much they shorten place→node routes.

    Parameters
    ----------
    network, od
        The network and its :func:`od_matrix`.
    candidates
        Links between junctions (``from_node``, ``to_node``, ``length_m``),
        e.g. from :func:`candidate_links`.
    place_weight, node_weight
        Columns of the places/nodes weighting each pair (a pair's weight is
        the product; default 1).
    pair_weight
        Optional places x nodes array of weights of each pair, multiplied with
        the above; pairs of weight 0 count nowhere (no gain, no pair counts).
        E.g. ``p_i p_j`` for residents of different areas, 0 within an area
        (:func:`~stadsrum.measures.barriers.segregation.barrier_segregation`).
    thresholds
        Minutes of walking at ``speed`` for the reach gains.
    best_k
        Also choose the best ``best_k`` links *together*, greedily: each step
        takes the link with the largest gain given the links already chosen.
    candidate_spacing
        Metres: a link closer than this to a better-ranked link kept on the
        same barrier (sharing a barrier id) is left out, so the list offers
        distinct places to build rather than variants of one (0: keep all).
        The distance is between the lines (0 where they share an end or
        cross). The greedy choice is made among the links kept.
    min_saving
        Candidates whose ends are already joined by a route at most this many
        metres longer than the link are dropped: no route can gain more.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidates kept, best first, with ``network_m`` (today's route
        between the ends), ``saving_m`` (= ``network_m`` − ``length_m``, the
        most any route can gain), ``gain_m`` (total reduction of route
        distance over all place→node pairs, weighted if weights are given),
        ``pairs_improved``, ``max_reduction_m``, ``pairs_connected`` (pairs
        with no route before), ``reach_gain_{T}min`` (place→node pairs newly
        within T minutes), ``rank`` (1 = largest gain) and, with ``best_k``,
        ``greedy_step`` (1..k, 0 for the others) and ``greedy_gain_m`` (the
        gain of that step given the earlier ones).
    """
    progress = as_progress(progress)
    if not candidate_spacing >= 0:
        raise InputError("candidate spacing must be zero or a positive number of metres")
    n_p, n_n = od.total_m.shape
    wp = _weights(od.places, place_weight, n_p, what="places")
    wn = _weights(od.nodes, node_weight, n_n, what="nodes")
    weight = wp[:, None] * wn[None, :]
    counted = None
    if pair_weight is not None:
        pw = np.asarray(pair_weight, dtype=float)
        if pw.shape != (n_p, n_n) or not (np.isfinite(pw).all() and (pw >= 0).all()):
            raise InputError(
                f"pair weights must be {n_p} x {n_n} numbers of zero or more (places x nodes)"
            )
        weight = weight * pw
        counted = pw > 0
    reach_m = [float(t) * 60.0 * speed for t in thresholds]
    cand = candidates.reset_index(drop=True)
    if len(cand) == 0:
        return _empty_ranking(cand, thresholds, best_k)
    a = cand["from_node"].to_numpy(np.int64)
    b = cand["to_node"].to_numpy(np.int64)
    length = cand["length_m"].to_numpy(float)
    graph = od.extra.get("graph") or AccessGraph(network)
    ends = np.unique(np.concatenate([a, b]))
    rows = graph.junction_rows(
        _node_starts(network, ends),
        threads=threads,
        progress=progress,
        label="distances between candidate ends",
    )
    where = np.searchsorted(ends, a)
    net_ab = rows[where, b]
    keep = net_ab - length > min_saving
    cand = cand[keep].reset_index(drop=True)
    a, b, length, net_ab = a[keep], b[keep], length[keep], net_ab[keep]
    cand["network_m"] = net_ab
    cand["saving_m"] = net_ab - length
    if len(cand) == 0:
        return _empty_ranking(cand, thresholds, best_k)
    progress.message(f"pricing {len(cand):,} candidate links")
    g = _gains(
        od.to_junction_places,
        od.to_junction_nodes,
        od.total_m,
        a,
        b,
        length,
        weight,
        reach_m,
        progress,
        counted=counted,
    )
    for key in ("gain_m", "pairs_improved", "max_reduction_m", "pairs_connected"):
        cand[key] = g[key]
    for t, r in zip(thresholds, reach_m, strict=True):
        cand[minutes_column("reach_gain", t)] = g[f"_reach_{r}"]
    reach_cols = [minutes_column("reach_gain", t) for t in thresholds]
    order = np.lexsort(
        (
            cand["length_m"].to_numpy(),
            *[-cand[c].to_numpy() for c in reach_cols[::-1]],
            -np.round(cand["gain_m"].to_numpy(), 6),
        )
    )
    cand = cand.iloc[order].reset_index(drop=True)
    if candidate_spacing > 0:
        n_all = len(cand)
        cand = cand[_distinct(cand, candidate_spacing)].reset_index(drop=True)
        progress.message(
            f"{len(cand):,} of {n_all:,} candidate links at least {candidate_spacing:g} m "
            "from a better one"
        )
    cand["rank"] = np.arange(1, len(cand) + 1)
    if best_k > 0:
        a = cand["from_node"].to_numpy(np.int64)
        b = cand["to_node"].to_numpy(np.int64)
        length = cand["length_m"].to_numpy(float)
        step = np.zeros(len(cand), dtype=np.int64)
        step_gain = np.full(len(cand), np.nan)
        d_p, d_n, old = od.to_junction_places, od.to_junction_nodes, od.total_m
        chosen: list[tuple[int, int, float, np.ndarray, np.ndarray]] = []
        # the greedy steps draw no bar of their own, but a cancel reaches every search
        quiet = Progress(is_cancelled=progress.is_cancelled)
        for k in range(1, min(best_k, len(cand)) + 1):
            g = _gains(d_p, d_n, old, a, b, length, weight, [], progress, counted=counted)
            gain = np.where(step > 0, -np.inf, g["gain_m"])
            best = int(np.argmax(gain))
            if not gain[best] > 1e-9:
                break
            step[best], step_gain[best] = k, gain[best]
            # rows of the link's ends in the network with the links chosen so far
            fresh = graph.junction_rows(
                _node_starts(network, np.array([a[best], b[best]])),
                threads=1,
                progress=quiet,
                label="greedy",
            )
            for ca, cb, cl, ra, rb in chosen:
                fresh = _apply_link(fresh, ca, cb, cl, ra, rb)
            ra, rb = fresh[0], fresh[1]
            via = np.minimum(
                d_p[:, a[best], None] + length[best] + d_n[None, :, b[best]],
                d_p[:, b[best], None] + length[best] + d_n[None, :, a[best]],
            )
            old = np.minimum(old, via)
            d_p = _apply_link(d_p, a[best], b[best], length[best], ra, rb)
            d_n = _apply_link(d_n, a[best], b[best], length[best], ra, rb)
            chosen.append((int(a[best]), int(b[best]), float(length[best]), ra, rb))
        cand["greedy_step"] = step
        cand["greedy_gain_m"] = step_gain
    return cand


def _distinct(cand: gpd.GeoDataFrame, spacing: float) -> np.ndarray:
    """Which links (in rank order) are at least ``spacing`` metres from every better one kept.

    Only links sharing a barrier compete: a bridge over the river does not
    hide a footbridge over the railway next to it.
    """
    geoms = np.asarray(cand.geometry.array, dtype=object)
    # links made elsewhere may not say what they cross: then all of them compete
    barrier = cand["barrier_id"] if "barrier_id" in cand.columns else pd.Series("", cand.index)
    ids = barrier.astype(str).str.split(";")
    names = sorted({b for row in ids for b in row})
    on = np.zeros((len(cand), len(names)), dtype=bool)
    col = {b: k for k, b in enumerate(names)}
    for i, row in enumerate(ids):
        on[i, [col[b] for b in row]] = True
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=spacing)
    # j better than i, closer than the spacing, on a common barrier
    pair = (j < i) & (shapely.distance(geoms[i], geoms[j]) < spacing)
    i, j = i[pair], j[pair]
    pair = (on[i] & on[j]).any(axis=1)
    i, j = i[pair], j[pair]
    order = np.argsort(i, kind="stable")
    i, j = i[order], j[order]
    first, starts = np.unique(i, return_index=True)
    stops = np.append(starts[1:], len(i))[: len(starts)]
    keep = np.ones(len(cand), dtype=bool)
    # in rank order, so every better link's fate is settled before it is asked
    for x, lo, hi in zip(first, starts, stops, strict=True):
        keep[x] = not keep[j[lo:hi]].any()
    return keep


def _empty_ranking(
    cand: gpd.GeoDataFrame, thresholds: Sequence[float], best_k: int
) -> gpd.GeoDataFrame:
    cand = cand.iloc[0:0].copy()
    for key in (
        "network_m",
        "saving_m",
        "gain_m",
        "pairs_improved",
        "max_reduction_m",
        "pairs_connected",
        *[minutes_column("reach_gain", t) for t in thresholds],
        "rank",
        *(("greedy_step", "greedy_gain_m") if best_k > 0 else ()),
    ):
        cand[key] = pd.Series(dtype=float)
    return cand


def _weights(side: LinkedSide, column: str | None, n: int, *, what: str) -> np.ndarray:
    if column is None:
        return np.ones(n)
    if column not in side.gdf.columns:
        raise InputError(f"{what}: no weight column '{column}'")
    w = pd.to_numeric(side.gdf[column], errors="coerce").to_numpy(float)
    if np.isnan(w).any() or (w < 0).any():
        raise InputError(f"{what}: weight column '{column}' must hold numbers of zero or more")
    return w

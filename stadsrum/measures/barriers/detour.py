"""Detour: network versus straight-line distance across barriers, pairs and surface."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.measures.access_graph import ODMatrix, od_matrix
from stadsrum.measures.barriers.inventory import crossed_barriers
from stadsrum.network.barriers import BarrierSet
from stadsrum.network.links import PolygonMode
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED
from stadsrum.progress import ProgressLike, as_progress, check_cancelled

__all__ = ["COMPARABLE_FACTOR", "MIN_COMPARABLE", "detour_pairs", "detour_surface"]

#: Detour reference: a crossing route is compared with the place's routes that cross no
#: barrier and are between 1/2 and 2 times as long as the crow flies ...
COMPARABLE_FACTOR = 2.0
#: ... and only where there are at least this many of them.
MIN_COMPARABLE = 3


def detour_pairs(
    od: ODMatrix,
    barriers: BarrierSet,
    *,
    crs: object,
    speed: float = DEFAULT_SPEED,
    progress: ProgressLike | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Network versus straight-line distance for every place→node pair.

    Parameters
    ----------
    od
        The place→node distances (:func:`~stadsrum.measures.access_graph.od_matrix`).
    barriers
        The barriers whose crossing by a straight line is told.
    crs
        Coordinate system of the layers returned.
    speed
        Walking speed, metres per second, for ``walk_min``.
    progress
        Optional progress reporter; checked for a cancel once per place.

    Returns
    -------
    (pairs, per_place)
        ``pairs``: one row per place and node with ``total_m`` (as in the OD
        table), ``straight_m``, ``detour_ratio``, ``extra_m`` (= ``total_m``
        − ``straight_m``), ``crosses_barrier`` (the straight line crosses a
        barrier), ``barriers`` (their ids, ``;``-separated); geometry the
        straight line; for a crossing pair also ``reference_ratio`` and
        ``barrier_excess_m`` (below). ``per_place``: the place's geometry with
        ``n_routes``, ``n_crossing``, ``share_crossing`` (of its routes,
        those whose straight line crosses a barrier), ``detour_crossing`` and
        ``detour_other`` (mean detour ratios), ``extra_m_crossing`` and
        ``extra_m_other`` (mean metres beyond the straight line),
        ``n_compared`` (crossing routes with a reference) and
        ``barrier_excess_m``, their mean.

    Notes
    -----
    A crossing route's ``barrier_excess_m`` is ``total_m − straight_m × R``:
    the metres it walks beyond what the same place's routes that cross no
    barrier need for a similar straight distance. ``R`` (``reference_ratio``)
    is the median detour ratio of those between ``1 / COMPARABLE_FACTOR`` and
    ``COMPARABLE_FACTOR`` times the route's straight distance, and only
    where there are at least :data:`MIN_COMPARABLE` (else empty). Like for
    like, because detour ratios fall with distance: the walk to and from the
    street does not grow with it, so a ratio taken from short routes (or
    from a node inside the place, 0 m as the crow flies) predicts far too
    much for long ones and makes the excess wrongly negative. The median, so
    that one doubtful route (a point joined to a tunnel) does not set the
    reference. A negative excess that remains is real: that route across
    the barrier is straighter than the place's comparable routes (a bridge
    in line with it).
    """
    progress = as_progress(progress)
    place, node = od.places, od.nodes
    n_p, n_n = len(place.ids), len(node.ids)
    rows_p = np.repeat(np.arange(n_p), n_n)
    rows_n = np.tile(np.arange(n_n), n_p)
    pg = np.asarray(place.gdf.geometry.array, dtype=object)
    ng = np.asarray(node.gdf.geometry.array, dtype=object)
    lines = shapely.shortest_line(pg[rows_p], ng[rows_n])
    straight = shapely.length(lines)
    total = od.total_m.ravel()
    total = np.where(np.isfinite(total), total, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(straight > 0, total / straight, np.nan)
    crossed = crossed_barriers(lines, barriers)
    pairs = pd.DataFrame(
        {
            "place_id": place.ids[rows_p],
            "node_id": node.ids[rows_n],
        }
    )
    if node.category is not None:
        pairs["node_category"] = node.category[rows_n]
    pairs["total_m"] = total
    pairs["walk_min"] = total / speed / 60.0
    pairs["straight_m"] = straight
    pairs["detour_ratio"] = ratio
    pairs["extra_m"] = total - straight
    pairs["crosses_barrier"] = np.array([bool(c) for c in crossed])
    pairs["barriers"] = [";".join(c) for c in crossed]
    reference = _reference_ratio(
        total.reshape(n_p, n_n),
        straight.reshape(n_p, n_n),
        pairs["crosses_barrier"].to_numpy().reshape(n_p, n_n),
        progress,
    ).ravel()
    pairs["reference_ratio"] = reference
    pairs["barrier_excess_m"] = total - straight * reference
    pairs_gdf = gpd.GeoDataFrame(pairs, geometry=lines, crs=crs)

    recs = []
    for p in range(n_p):
        check_cancelled(progress)  # a few milliseconds a place: seconds in a large city
        sub = pairs.iloc[p * n_n : (p + 1) * n_n]
        ok = sub[np.isfinite(sub["total_m"])]
        cross = ok[ok["crosses_barrier"]]
        other = ok[~ok["crosses_barrier"]]
        excess = cross["barrier_excess_m"].dropna()
        recs.append(
            {
                "place_id": place.ids[p],
                "n_routes": len(ok),
                "n_crossing": len(cross),
                "share_crossing": len(cross) / len(ok) if len(ok) else np.nan,
                "detour_crossing": float(cross["detour_ratio"].mean()) if len(cross) else np.nan,
                "detour_other": float(other["detour_ratio"].mean()) if len(other) else np.nan,
                "extra_m_crossing": float(cross["extra_m"].mean()) if len(cross) else np.nan,
                "extra_m_other": float(other["extra_m"].mean()) if len(other) else np.nan,
                "n_compared": len(excess),
                "barrier_excess_m": float(excess.mean()) if len(excess) else np.nan,
            }
        )
    per_place = gpd.GeoDataFrame(pd.DataFrame(recs), geometry=list(pg), crs=crs)
    return pairs_gdf, per_place


def _reference_ratio(
    total: np.ndarray, straight: np.ndarray, crosses: np.ndarray, progress: ProgressLike
) -> np.ndarray:
    """Per crossing pair: the detour ratio of the place's comparable non-crossing routes.

    Arrays are ``(places, nodes)``; ``total`` is NaN where there is no route.
    A comparable route crosses no barrier and is between ``1 / COMPARABLE_FACTOR``
    and ``COMPARABLE_FACTOR`` times as long as the crow flies; the ratio is the
    median of theirs, NaN with fewer than ``MIN_COMPARABLE`` of them.
    """
    out = np.full(total.shape, np.nan)
    for p in range(total.shape[0]):
        check_cancelled(progress)
        other = ~crosses[p] & np.isfinite(total[p]) & (straight[p] > 0)
        ss = straight[p, other]
        ratio = total[p, other] / ss
        for t in np.where(crosses[p] & np.isfinite(total[p]) & (straight[p] > 0))[0]:
            d = straight[p, t]
            near = (ss >= d / COMPARABLE_FACTOR) & (ss <= d * COMPARABLE_FACTOR)
            if near.sum() >= MIN_COMPARABLE:
                out[p, t] = float(np.median(ratio[near]))
    return out


def _grid_points(network: StreetNetwork, spacing: float) -> gpd.GeoDataFrame:
    """A regular grid over the network, kept where a street is within half a spacing."""
    minx, miny, maxx, maxy = network.edges.total_bounds
    xs = np.arange(np.floor(minx / spacing) * spacing + spacing / 2, maxx, spacing)
    ys = np.arange(np.floor(miny / spacing) * spacing + spacing / 2, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    tree = shapely.STRtree(np.asarray(network.edges.geometry.array, dtype=object))
    near = np.unique(tree.query(pts, predicate="dwithin", distance=spacing / 2)[0])
    pts = pts[near]
    return gpd.GeoDataFrame({"origin_id": np.arange(len(pts))}, geometry=pts, crs=network.edges.crs)


def detour_surface(
    network: StreetNetwork,
    targets: gpd.GeoDataFrame,
    barriers: BarrierSet | None = None,
    *,
    origins: str = "grid",
    grid_spacing: float = 100.0,
    target_id: str = "place_id",
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame:
    """Detour ratio from a grid of points (or segment midpoints) to the targets.

    Parameters
    ----------
    network
        The street network.
    targets
        The places (or one centre point) with an id column ``target_id``.
    barriers
        When given, ``share_crossing`` tells how many straight lines to the
        targets cross a barrier.
    origins
        ``"grid"``: points every ``grid_spacing`` metres, kept where a street
        is within half a spacing; ``"segments"``: every segment's midpoint.

    Returns
    -------
    geopandas.GeoDataFrame
        One point per origin with ``network_m`` and ``straight_m`` (means over
        the targets reached), ``detour_ratio`` (mean of the per-target ratios
        network / straight), ``detour_ratio_max`` and ``share_crossing``.
    """
    progress = as_progress(progress)
    if origins == "grid":
        if not grid_spacing > 0:
            raise InputError("grid spacing must be a positive number of metres")
        origin_gdf = _grid_points(network, grid_spacing)
    elif origins == "segments":
        mids = shapely.line_interpolate_point(
            np.asarray(network.edges.geometry.array, dtype=object), 0.5, normalized=True
        )
        origin_gdf = gpd.GeoDataFrame(
            {"origin_id": np.arange(network.n_edges), "edge_id": np.arange(network.n_edges)},
            geometry=mids,
            crs=network.edges.crs,
        )
    else:
        raise InputError(f"unknown detour origins '{origins}': choose 'grid' or 'segments'")
    od = od_matrix(
        network,
        targets,
        origin_gdf,
        place_id=target_id,
        node_id="origin_id",
        max_link=max_link,
        polygons=polygons,
        threads=threads,
        progress=progress,
    )
    tg = np.asarray(od.places.gdf.geometry.array, dtype=object)
    og = np.asarray(od.nodes.gdf.geometry.array, dtype=object)
    net_m = od.total_m.T  # origins x targets
    straight = shapely.distance(og[:, None], tg[None, :])
    reached = np.isfinite(net_m) & (straight > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(reached, net_m / np.where(straight > 0, straight, 1.0), np.nan)
        out = origin_gdf.copy()
        out["n_targets"] = reached.sum(axis=1)
        out["network_m"] = np.nanmean(np.where(reached, net_m, np.nan), axis=1)
        out["straight_m"] = np.nanmean(np.where(reached, straight, np.nan), axis=1)
        out["detour_ratio"] = np.nanmean(ratio, axis=1)
        out["detour_ratio_max"] = np.nanmax(np.where(reached, ratio, -np.inf), axis=1)
    out.loc[out["n_targets"] == 0, "detour_ratio_max"] = np.nan
    if barriers is not None:
        lines = shapely.shortest_line(np.repeat(og, len(tg)), np.tile(tg, len(og)))
        crosses = np.array([bool(c) for c in crossed_barriers(lines, barriers)]).reshape(
            len(og), -1
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share_crossing"] = np.where(
                out["n_targets"] > 0, (crosses & reached).sum(axis=1) / out["n_targets"], np.nan
            )
    return out

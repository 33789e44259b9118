"""Barrier effect: accessibility on the real network versus the barrier made permeable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.measures.access_graph import ODMatrix, linked_od_matrix, od_matrix
from stadsrum.measures.naming import minutes_column, nearest_column, reach_column
from stadsrum.network.barriers import BarrierSet, add_links
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED
from stadsrum.progress import ProgressLike, as_progress, check_cancelled

__all__ = ["barrier_effect", "permeable_links"]


def permeable_links(
    network: StreetNetwork, barriers: BarrierSet, barrier: int, *, gap: float = 150.0
) -> gpd.GeoDataFrame:
    """Links making one barrier permeable: across it wherever streets meet it on both sides.

    Every junction within ``gap`` metres of the barrier is joined to its
    nearest junction within ``gap`` metres whose straight line crosses this
    barrier and no other.
    """
    if not gap > 0:
        raise InputError("gap must be a positive number of metres")
    lines = barriers.barrier_lines(barrier)
    others = barriers.lines[barriers.group != barrier]
    node_pts = shapely.points(network.node_xy)
    near = np.unique(shapely.STRtree(node_pts).query(lines, predicate="dwithin", distance=gap))
    pairs: set[tuple[int, int]] = set()
    if len(near) >= 2:
        a, b = shapely.STRtree(node_pts[near]).query(
            node_pts[near], predicate="dwithin", distance=gap
        )
        a, b = near[a[a != b]], near[b[a != b]]
        segs = shapely.linestrings(
            np.stack([network.node_xy[a], network.node_xy[b]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(a)), 2),
        )
        ok = shapely.intersects(lines, segs)
        if len(others):
            hit_other = np.zeros(len(segs), dtype=bool)
            si, _ = shapely.STRtree(others).query(segs, predicate="intersects")
            hit_other[si] = True
            ok &= ~hit_other
        d = shapely.length(segs)
        best: dict[int, tuple[float, int]] = {}
        for x, y, dd in zip(a[ok], b[ok], d[ok], strict=True):
            if x not in best or dd < best[x][0]:
                best[int(x)] = (float(dd), int(y))
        for x, (_, y) in best.items():
            pairs.add((min(x, y), max(x, y)))
    pa = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    geoms = [shapely.LineString(network.node_xy[[x, y]]) for x, y in pa]
    return gpd.GeoDataFrame(
        {"from_node": pa[:, 0], "to_node": pa[:, 1], "barrier_id": barriers.ids[barrier]},
        geometry=geoms,
        crs=network.edges.crs,
    )


def _place_accessibility(od: ODMatrix, thresholds: Sequence[float], speed: float) -> pd.DataFrame:
    out = pd.DataFrame({"place_id": od.places.ids})
    for t in thresholds:
        out[minutes_column("reach", t)] = od.within(float(t) * 60.0 * speed)
    total = np.where(np.isfinite(od.total_m), od.total_m, np.nan)
    with np.errstate(invalid="ignore"):
        out["mean_m"] = _nanmean_rows(total)
    if od.nodes.category is not None:
        for cat in pd.unique(od.nodes.category):
            cols = od.nodes.category == cat
            out[nearest_column(cat)] = _nanmin_rows(total[:, cols])
    return out


def _nanmean_rows(x: np.ndarray) -> np.ndarray:
    n = np.isfinite(x).sum(axis=1)
    s = np.where(np.isfinite(x), x, 0.0).sum(axis=1)
    return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _nanmin_rows(x: np.ndarray) -> np.ndarray:
    m = np.where(np.isfinite(x), x, np.inf).min(axis=1) if x.shape[1] else np.full(len(x), np.inf)
    return np.where(np.isfinite(m), m, np.nan)


def barrier_effect(
    network: StreetNetwork,
    barriers: BarrierSet,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    gap: float = 150.0,
    real: ODMatrix | None = None,
    node_category: str | None = None,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    segments: bool = True,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    **od_options: Any,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Accessibility lost to each barrier: the real network vs the barrier made permeable.

    For each barrier the counterfactual network adds :func:`permeable_links`
    (``gap`` metres) once; place→node distances and, with ``segments``,
    every segment's accessibility to the nodes are computed on both.

    Returns
    -------
    (places, segments)
        ``places``: one row per place and barrier (place geometry) with
        ``reach_{T}min`` today, ``reach_{T}min_loss`` (nodes within T
        minutes that the barrier costs), ``mean_m_loss`` (mean metres more to
        a node), ``nearest_{category}_m_loss`` and ``links_added``.
        ``segments``: one row per segment and barrier (segment geometry) with
        ``nearest_m_loss`` and ``reach_{T}min_loss`` (from
        :func:`~stadsrum.measures.accessibility.attraction_accessibility`,
        walking radii T minutes at ``speed``), or ``None``.
    """
    from stadsrum.measures.accessibility import attraction_accessibility

    progress = as_progress(progress)
    opts = dict(od_options)
    opts["node_category"] = node_category
    if real is None:
        real = od_matrix(network, places, nodes, threads=threads, progress=progress, **opts)
    base = _place_accessibility(real, thresholds, speed)
    radii = [float(t) * 60.0 * speed for t in thresholds]
    max_link = float(opts.get("max_link", 200.0))
    seg_real = None
    if segments:
        seg_real = attraction_accessibility(
            network, nodes, radii=radii, max_link=max_link, threads=threads, progress=progress
        )
    place_rows, seg_rows = [], []
    pg = list(real.places.gdf.geometry.array)
    for g in range(barriers.n_barriers):
        check_cancelled(progress)
        links = permeable_links(network, barriers, g, gap=gap)
        if len(links) == 0:
            continue
        cf_net = add_links(network, links, what="permeable links")
        # links between junctions leave the streets as they are: the places and
        # nodes joined to the real network stand as they are on this one
        if real.places.joined_to(cf_net) and real.nodes.joined_to(cf_net):
            cf = linked_od_matrix(
                cf_net, real.places, real.nodes, threads=threads, progress=progress
            )
        else:
            cf = od_matrix(cf_net, places, nodes, threads=threads, progress=progress, **opts)
        cfa = _place_accessibility(cf, thresholds, speed)
        rows = pd.DataFrame(
            {
                "place_id": real.places.ids,
                "barrier_id": barriers.ids[g],
                "category": barriers.categories[g],
                "links_added": len(links),
            }
        )
        for t in thresholds:
            col = minutes_column("reach", t)
            rows[col] = base[col].to_numpy()
            rows[f"{col}_loss"] = cfa[col].to_numpy() - base[col].to_numpy()
        rows["mean_m_loss"] = base["mean_m"].to_numpy() - cfa["mean_m"].to_numpy()
        for col in base.columns:
            if col.startswith("nearest_"):
                rows[f"{col}_loss"] = base[col].to_numpy() - cfa[col].to_numpy()
        place_rows.append(gpd.GeoDataFrame(rows, geometry=pg, crs=network.edges.crs))
        if seg_real is not None:
            seg_cf = attraction_accessibility(
                cf_net,
                nodes,
                radii=radii,
                max_link=max_link,
                threads=threads,
                progress=progress,
            )
            # add_links keeps the existing segments first and in order
            seg_cf = seg_cf.iloc[: network.n_edges]
            srow = pd.DataFrame(
                {
                    "edge_id": np.arange(network.n_edges),
                    "barrier_id": barriers.ids[g],
                    "category": barriers.categories[g],
                }
            )
            srow["nearest_m"] = seg_real["nearest_m"].to_numpy()
            srow["nearest_m_loss"] = (
                seg_real["nearest_m"].to_numpy() - seg_cf["nearest_m"].to_numpy()
            )
            for t, r in zip(thresholds, radii, strict=True):
                col = reach_column(r)
                srow[minutes_column("reach", t)] = seg_real[col].to_numpy()
                srow[f"{minutes_column('reach', t)}_loss"] = (
                    seg_cf[col].to_numpy() - seg_real[col].to_numpy()
                )
            seg_rows.append(
                gpd.GeoDataFrame(
                    srow, geometry=list(network.edges.geometry.array), crs=network.edges.crs
                )
            )
    crs = network.edges.crs
    place_out = (
        gpd.GeoDataFrame(pd.concat(place_rows, ignore_index=True), geometry="geometry", crs=crs)
        if place_rows
        else gpd.GeoDataFrame({"place_id": [], "barrier_id": []}, geometry=[], crs=crs)
    )
    seg_out = None
    if segments:
        seg_out = (
            gpd.GeoDataFrame(pd.concat(seg_rows, ignore_index=True), geometry="geometry", crs=crs)
            if seg_rows
            else gpd.GeoDataFrame({"edge_id": [], "barrier_id": []}, geometry=[], crs=crs)
        )
    return place_out, seg_out

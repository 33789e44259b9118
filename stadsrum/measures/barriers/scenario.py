"""Scenario: proposed links (a new bridge, a path from a plan), before vs after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.measures.access_graph import ODMatrix, od_matrix
from stadsrum.measures.naming import minutes_column
from stadsrum.network.barriers import add_links
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED
from stadsrum.progress import ProgressLike, as_progress

__all__ = ["compare_od", "evaluate_scenario"]


def compare_od(
    before: ODMatrix,
    after: ODMatrix,
    *,
    crs: object,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Per place→node pair and per place: before, after and the change.

    Returns ``(pairs, places)``: ``pairs`` with ``before_m``, ``after_m``,
    ``change_m`` (after − before; negative is shorter), ``before_min``,
    ``after_min`` and the straight place→node line; ``places`` with the
    place geometry, ``reach_{T}min_before``/``_after``/``_change`` (nodes
    within T minutes) and ``mean_change_m``, ``total_change_m``,
    ``pairs_shorter``.
    """
    place, node = before.places, before.nodes
    n_p, n_n = before.total_m.shape
    rows_p = np.repeat(np.arange(n_p), n_n)
    rows_n = np.tile(np.arange(n_n), n_p)
    b = np.where(np.isfinite(before.total_m), before.total_m, np.nan)
    a = np.where(np.isfinite(after.total_m), after.total_m, np.nan)
    pg = np.asarray(place.gdf.geometry.array, dtype=object)
    ng = np.asarray(node.gdf.geometry.array, dtype=object)
    pairs = pd.DataFrame({"place_id": place.ids[rows_p], "node_id": node.ids[rows_n]})
    if node.category is not None:
        pairs["node_category"] = node.category[rows_n]
    pairs["before_m"] = b.ravel()
    pairs["after_m"] = a.ravel()
    pairs["change_m"] = (a - b).ravel()
    pairs["before_min"] = pairs["before_m"] / speed / 60.0
    pairs["after_min"] = pairs["after_m"] / speed / 60.0
    pairs_gdf = gpd.GeoDataFrame(
        pairs, geometry=shapely.shortest_line(pg[rows_p], ng[rows_n]), crs=crs
    )
    per = pd.DataFrame({"place_id": place.ids})
    for t in thresholds:
        r = float(t) * 60.0 * speed
        col = minutes_column("reach", t)
        rb, ra = before.within(r), after.within(r)
        per[f"{col}_before"] = rb
        per[f"{col}_after"] = ra
        per[f"{col}_change"] = ra - rb
    change = a - b
    with np.errstate(invalid="ignore"):
        per["mean_change_m"] = (
            np.nanmean(np.where(np.isnan(change), np.nan, change), axis=1) if n_n else np.nan
        )
    per["total_change_m"] = np.nansum(change, axis=1)
    per["pairs_shorter"] = (change < -1e-6).sum(axis=1)
    return pairs_gdf, gpd.GeoDataFrame(per, geometry=list(pg), crs=crs)


def evaluate_scenario(
    network: StreetNetwork,
    proposal: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    before: ODMatrix | None = None,
    snap_tolerance: float = 1.0,
    proposal_id: str | None = None,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    **od_options: Any,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, StreetNetwork]:
    """Proposed links (a new bridge, a path from a plan), before vs after.

    The proposal's lines are added to the network once
    (:func:`~stadsrum.network.barriers.add_links`: ends within
    ``snap_tolerance`` metres of the streets join them) and every
    place→node distance is computed on both networks; places and nodes join
    the existing streets in both.

    Returns
    -------
    (pairs, places, network_after)
        See :func:`compare_od`.
    """
    progress = as_progress(progress)
    if before is None:
        before = od_matrix(network, places, nodes, threads=threads, progress=progress, **od_options)
    after_net = add_links(
        network, proposal, snap_tolerance=snap_tolerance, what="proposal", label=proposal_id
    )
    progress.message(after_net.report.notes[-1])
    after = od_matrix(after_net, places, nodes, threads=threads, progress=progress, **od_options)
    pairs, per = compare_od(
        before, after, crs=network.edges.crs, thresholds=thresholds, speed=speed
    )
    return pairs, per, after_net

"""Place-to-node distances: OD tables with routes, service areas, place summaries.

Distances run along the streets between the points where a place and a node
join the network (``network_m``); the straight access distances at both ends
are reported apart (``link_m``) and added (``total_m``). Routes are the
shortest walks; the turning along them is summed at the junctions they pass.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from stadsrum.distributed import takes_client
from stadsrum.errors import InputError
from stadsrum.measures._parallel import Scratch, run_groups, thread_count
from stadsrum.measures.access_graph import (
    AccessGraph,
    LinkedSide,
    link_places_and_nodes,
    link_side,
    validate_ids,
)
from stadsrum.measures.naming import (
    Radius,
    input_renames,
    mean_column,
    minutes_column,
    nearest_column,
    parse_radius_specs,
    renamed_note,
)
from stadsrum.measures.typed_radius import TypedCatchments, TypedScratch
from stadsrum.messages import count
from stadsrum.network.inputs import check_layer, check_network
from stadsrum.network.links import PolygonMode
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED, checked_options
from stadsrum.progress import ProgressLike, as_progress

__all__ = [
    "OD_COLUMNS",
    "DistanceResult",
    "place_distances",
    "place_summary",
    "service_areas",
    "validate_ids",
]

log = logging.getLogger(__name__)

OD_COLUMNS = (
    "place_id",
    "node_id",
    "node_category",
    "network_m",
    "link_m",
    "total_m",
    "walk_min",
    "straight_m",
    "detour_ratio",
    "angular_deg",
    "turns",
    "status",
)


@dataclass
class DistanceResult:
    """Outputs of :func:`place_distances`."""

    od: gpd.GeoDataFrame
    place_links: gpd.GeoDataFrame
    node_links: gpd.GeoDataFrame


@checked_options  # every option before the graph is built (issue 13)
@takes_client
def place_distances(
    network: StreetNetwork,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    place_group: str | None = None,
    place_entrances: gpd.GeoDataFrame | None = None,
    node_entrances: gpd.GeoDataFrame | None = None,
    building_id: str | None = None,
    speed: float = DEFAULT_SPEED,
    turn_threshold: float = 30.0,
    nearest: int | None = None,
    nearest_per_category: bool = False,
    routes: bool = True,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> DistanceResult:
    """Network distances from every place to every node, with routes.

    Parameters
    ----------
    network
        The prepared street network.
    places, nodes
        Points or polygons with an id column each (``place_id``, ``node_id``).
        Polygons join at their entrances (see :mod:`stadsrum.network.links`).
    node_category
        Column of ``nodes`` with a category (station, school, ...).
    max_link
        Largest access distance in metres; farther places or nodes are
        reported as unlinked.
    polygons
        ``"entrances"``, ``"centroid"`` or ``"boundary:N"`` (a point every N
        metres round the outline) for polygon places and nodes without
        entrance points.
    place_group
        Column of a point layer of places: the points sharing a value are one
        place (a point group, e.g. a building's entrances), ``place_id`` in
        the table is that value, and its distance to a node is the least over
        its points.
    place_entrances, node_entrances
        Entrance points of polygon places or nodes (see
        :func:`stadsrum.read_buildings`): a feature with entrances joins the
        streets through them alone, its distance the least over them.
    building_id
        Column naming the feature in both the layer and its entrances
        (default: ``place_id`` or ``node_id``).
    speed
        Walking speed, metres per second, for ``walk_min``.
    turn_threshold
        Turns of at least this many degrees count in ``turns``.
    nearest
        Keep only the ``nearest`` nodes of each place (by ``total_m``).
    nearest_per_category
        Keep only the nearest node of each category for each place.
    routes
        Whether to draw the route lines (otherwise straight place-node lines).
    threads
        Worker threads (default: all cores).
    progress
        Optional progress reporter.
    client
        A ``dask.distributed.Client``: run the searches as tasks on its cluster
        (:mod:`stadsrum.distributed`).

    Returns
    -------
    DistanceResult
        ``od``: one row per place and node (long format) with the columns
        :data:`OD_COLUMNS`, the route as geometry, and the places' own
        attributes prefixed ``place_``/nodes' ``node_`` (one that clashes
        with a column of the table, from an earlier result, as ``*_input``,
        unless it holds the same values: the id and category columns);
        unlinked or unreachable pairs have empty distances and a ``status``
        saying why.
    """
    check_network(network, function="place_distances")
    check_layer(places, function="place_distances", argument="places")
    check_layer(nodes, function="place_distances", argument="nodes")
    progress = as_progress(progress)
    if not speed > 0:
        raise InputError("speed must be positive (metres per second)")
    place, node = link_places_and_nodes(
        network,
        places,
        nodes,
        place_id=place_id,
        node_id=node_id,
        node_category=node_category,
        max_link=max_link,
        polygons=polygons,
        place_group=place_group,
        place_entrances=place_entrances,
        node_entrances=node_entrances,
        building_id=building_id,
    )
    graph = AccessGraph(network)
    progress.message(
        f"distances: {count(place.links.linked.sum(), 'place')} x "
        f"{count(node.links.linked.sum(), 'node')} "
        "linked to the network"
    )
    # search from the side with fewer features; distances are symmetric
    swap = len(node.ids) < len(place.ids)
    src, tgt = (node, place) if swap else (place, node)
    max_sources = int(np.max(np.diff(src.start_of))) if len(src.ids) else 1
    t_edge, t_pos = tgt.links.edge, tgt.links.pos
    threshold = float(turn_threshold)

    def work(i: int, scratch: Scratch) -> tuple[np.ndarray, ...] | None:
        sl = src.access(i)
        if sl.stop == sl.start:
            return None
        if not src.separate_starts(i) or len(t_edge) == 0:
            start = np.full(len(t_edge), sl.start if sl.stop - sl.start == 1 else -1)
            return (*search(sl, scratch), start)
        # one search per access point, the best kept per target
        runs = [search(slice(k, k + 1), scratch) for k in range(sl.start, sl.stop)]
        nets = np.stack([r[0] for r in runs])
        pick = np.argmin(nets, axis=0)
        columns = np.arange(len(t_edge))
        parts = []
        for j, k in enumerate(pick):
            ptr, pseg, pfrom, pto = runs[k][3:7]
            a, b = ptr[j], ptr[j + 1]
            parts.append((pseg[a:b], pfrom[a:b], pto[a:b]))
        counts = np.array([len(x[0]) for x in parts], dtype=np.int64)
        return (
            nets[pick, columns],
            np.stack([r[1] for r in runs])[pick, columns],
            np.stack([r[2] for r in runs])[pick, columns],
            np.r_[0, np.cumsum(counts)],
            np.concatenate([x[0] for x in parts]).astype(np.int64),
            np.concatenate([x[1] for x in parts]),
            np.concatenate([x[2] for x in parts]),
            sl.start + pick,
        )

    def search(sl: slice, scratch: Scratch) -> tuple[np.ndarray, ...]:
        starts = (src.links.edge[sl], src.links.pos[sl], src.links.link_m[sl])
        return graph.od_search(
            starts, t_edge, t_pos, scratch, turn_threshold=threshold, routes=routes
        )

    results = run_groups(
        range(len(src.ids)),
        work,
        lambda: graph.scratch(max(max_sources, 1)),
        threads=thread_count(threads),
        progress=progress,
        label="distances",
        total=len(src.ids),
    )
    renamed: dict[str, str] = {}
    od = _assemble(place, node, src, tgt, swap, results, graph, speed, routes, renamed)
    if renamed:
        progress.message(renamed_note("distances (od)", renamed))
    od = _filter_nearest(od, nearest, nearest_per_category)
    crs = network.edges.crs
    return DistanceResult(
        od=gpd.GeoDataFrame(od, geometry="geometry", crs=crs),
        place_links=_links_layer(place, "place_id", crs),
        node_links=_links_layer(node, "node_id", crs),
    )


def _links_layer(side: LinkedSide, name: str, crs: object) -> gpd.GeoDataFrame:
    layer = side.links.access_lines(crs)
    layer.insert(0, name, side.ids[layer["owner"].to_numpy()])
    return layer.drop(columns="owner")


def _assemble(
    place: LinkedSide,
    node: LinkedSide,
    src: LinkedSide,
    tgt: LinkedSide,
    swap: bool,
    results: list,
    graph: AccessGraph,
    speed: float,
    routes: bool,
    renamed: dict[str, str],
) -> pd.DataFrame:
    """One row per (place, node) from the per-source results.

    ``renamed`` receives the input columns kept under another name.
    """
    n_p, n_n = len(place.ids), len(node.ids)
    rows_p = np.repeat(np.arange(n_p), n_n)
    rows_n = np.tile(np.arange(n_n), n_p)
    network_m = np.full(n_p * n_n, np.nan)
    link_m = np.full(n_p * n_n, np.nan)
    angle = np.full(n_p * n_n, np.nan)
    turns = np.full(n_p * n_n, np.nan)
    status = np.full(n_p * n_n, "ok", dtype=object)
    geoms = np.empty(n_p * n_n, dtype=object)
    tgt_owner = tgt.links.owner

    pieces: list[tuple[np.ndarray, ...]] = []  # per routed pair: rows and pieces
    for i, res in enumerate(results):
        if res is None:
            continue
        net, ang, trn, ptr, pseg, pfrom, pto, start_at = res
        total_per_target = net + tgt.links.link_m
        # best access point of each target feature
        order = np.lexsort((total_per_target, tgt_owner))
        first = np.r_[True, tgt_owner[order][1:] != tgt_owner[order][:-1]]
        best = order[first]
        t = tgt_owner[best]
        r = t * n_n + i if swap else i * n_n + t
        reached = np.isfinite(net[best])
        status[r[~reached]] = "not connected: no street route between place and node"
        best, r = best[reached], r[reached]
        # where the route starts: the access point, or -1 for a polygon's
        # entrances (access distance 0; the route starts at the entrance)
        start_k = start_at[best]
        start_link = np.where(start_k >= 0, src.links.link_m[np.maximum(start_k, 0)], 0.0)
        network_m[r] = net[best] - start_link
        link_m[r] = start_link + tgt.links.link_m[best]
        angle[r] = ang[best]
        turns[r] = trn[best]
        if routes and len(best):
            counts = ptr[best + 1] - ptr[best]
            idx = np.repeat(ptr[best] - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(
                counts.sum()
            )
            start = np.where(
                (start_k >= 0)[:, None],
                src.links.origin_xy[np.maximum(start_k, 0)],
                np.nan,  # polygon entrances: the route starts there
            )
            pieces.append(
                (
                    r,
                    counts,
                    pseg[idx],
                    pfrom[idx],
                    pto[idx],
                    start,
                    tgt.links.origin_xy[best],
                )
            )
    if routes and pieces:
        rows, counts, seg, a, b, start_xy, end_xy = (
            np.concatenate(x) for x in zip(*pieces, strict=True)
        )
        lines = graph.route_lines(np.r_[0, np.cumsum(counts)], seg, a, b, start_xy, end_xy)
        geoms[rows] = shapely.reverse(lines) if swap else lines

    for side, label, mine in ((place, "place", rows_p), (node, "node", rows_n)):
        bad = ~side.links.linked
        for f in np.where(bad)[0]:
            mask = mine == f
            status[mask] = f"{label} {side.links.status[f]}"
            network_m[mask] = link_m[mask] = angle[mask] = turns[mask] = np.nan

    place_geom = np.asarray(place.gdf.geometry.array, dtype=object)
    node_geom = np.asarray(node.gdf.geometry.array, dtype=object)
    straight = shapely.distance(place_geom[rows_p], node_geom[rows_n])
    missing = np.array([g is None for g in geoms])
    geoms[missing] = shapely.shortest_line(place_geom[rows_p[missing]], node_geom[rows_n[missing]])
    total = network_m + link_m
    with np.errstate(divide="ignore", invalid="ignore"):
        detour = np.where(straight > 0, total / straight, np.nan)
    od = pd.DataFrame(
        {
            "place_id": place.ids[rows_p],
            "node_id": node.ids[rows_n],
            "node_category": node.category[rows_n] if node.category is not None else None,
            "network_m": network_m,
            "link_m": link_m,
            "total_m": total,
            "walk_min": total / speed / 60.0,
            "straight_m": straight,
            "detour_ratio": detour,
            "angular_deg": angle,
            "turns": turns,
            "status": status,
        }
    )
    if node.category is None:
        od = od.drop(columns="node_category")
    for side, prefix, mine, side_name in (
        (place, "place_", rows_p, "places"),
        (node, "node_", rows_n, "nodes"),
    ):
        extra = side.gdf.drop(columns=[side.gdf.geometry.name]).reset_index(drop=True)
        for col in extra.columns:
            name = str(col) if str(col).startswith(prefix) else f"{prefix}{col}"
            values = extra[col].to_numpy()[mine]
            if name in od.columns:
                if _same_values(od[name], values):
                    continue  # the id or category column itself, already in the table
                # an earlier result as input: kept as *_input, the rule of every analysis
                kept = input_renames([name], od.columns)[name]
                renamed[f"{side_name}:{col}"] = kept
                name = kept
            od[name] = values
    od["geometry"] = geoms
    return od


def _same_values(column: pd.Series, values: np.ndarray) -> bool:
    """Whether an input column holds what the table's column of that name holds."""
    ours = pd.Series(column.to_numpy(), dtype=object).astype("string")
    theirs = pd.Series(values, dtype=object).astype("string")
    return bool(ours.equals(theirs))


def _filter_nearest(od: pd.DataFrame, nearest: int | None, per_category: bool) -> pd.DataFrame:
    if nearest is not None:
        if nearest < 1:
            raise InputError("nearest must be at least 1")
        od = od.sort_values(["place_id", "total_m"], kind="stable")
        od = od.groupby("place_id", sort=False, group_keys=False).head(nearest)
    if per_category:
        if "node_category" not in od.columns:
            raise InputError("nearest per category needs a node category column")
        od = od.sort_values(["place_id", "node_category", "total_m"], kind="stable")
        od = od.groupby(["place_id", "node_category"], sort=False, group_keys=False).head(1)
    return od.reset_index(drop=True)


def place_summary(
    od: pd.DataFrame, *, thresholds: Sequence[float] = (5, 10, 15, 30)
) -> pd.DataFrame:
    """Whole-city summary per place from an OD table.

    Columns: ``place_id``, ``nodes_within_{T}min`` for each threshold,
    ``mean_walk_min`` (to all reachable nodes), ``nearest_{category}_m`` and
    ``mean_{category}_m`` per node category, and ``rank`` (1 = the shortest
    mean walk among all places).
    """
    ok = od[od["status"] == "ok"]
    out = pd.DataFrame({"place_id": pd.unique(od["place_id"])}).set_index("place_id")
    for t in thresholds:
        within = ok[ok["walk_min"] <= t].groupby("place_id").size()
        out[minutes_column("nodes_within", t)] = within.reindex(out.index).fillna(0).astype(int)
    out["mean_walk_min"] = ok.groupby("place_id")["walk_min"].mean().reindex(out.index)
    if "node_category" in ok.columns:
        for cat, grp in ok.groupby("node_category"):
            by_place = grp.groupby("place_id")["total_m"]
            out[nearest_column(cat)] = by_place.min().reindex(out.index)
            out[mean_column(cat)] = by_place.mean().reindex(out.index)
    out["rank"] = out["mean_walk_min"].rank(method="min").astype("Int64")
    return out.reset_index()


@takes_client
def service_areas(
    network: StreetNetwork,
    places: gpd.GeoDataFrame,
    *,
    place_id: str = "place_id",
    thresholds: Sequence[float] = (5, 10, 15),
    speed: float = DEFAULT_SPEED,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    place_group: str | None = None,
    place_entrances: gpd.GeoDataFrame | None = None,
    building_id: str | None = None,
    buffer_m: float = 25.0,
    radii: str | Sequence[float | str | Radius] | None = None,
    step_threshold: float = 0.0,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Walking service areas (isochrones) around places.

    The street network reachable within each threshold (minutes at ``speed``)
    is returned as lines, with partly reached streets cut where the time runs
    out, and as polygons: those lines buffered by ``buffer_m`` metres (not a
    convex hull). The place's access distance counts against the time; a
    place that joins at several points (entrances, a point group; see
    :func:`place_distances` for ``polygons``, ``place_group``,
    ``place_entrances`` and ``building_id``) reaches as far as its best one.
    A Dask ``client`` runs the searches on its cluster (:mod:`stadsrum.distributed`).

    ``radii`` adds areas within radii besides the minutes, e.g.
    ``"400,straight:500,steps:2,angular:90"`` (see
    :mod:`~stadsrum.measures.typed_radius`): walking metres (cut where they
    run out, as minutes), the streets within straight metres of the place
    (cut at the circle), or the whole segments within steps (direction
    changes, a move counting where it turns at least ``step_threshold``
    degrees) or degrees of turning from the segments the place joins.

    Returns
    -------
    (areas, lines)
        Polygons and lines with ``place_id``, ``threshold_min`` and
        ``length_m`` (lines) / ``area_m2`` (polygons); with ``radii``, also
        ``radius`` (the radius as written, e.g. ``steps:2``; empty on the
        minutes' rows, whose ``threshold_min`` it replaces).
    """
    check_network(network, function="service_areas")
    check_layer(places, function="service_areas", argument="places")
    progress = as_progress(progress)
    if not thresholds or min(thresholds) <= 0:
        raise InputError("thresholds must be positive minutes, e.g. 5,10,15")
    specs = None if radii is None else parse_radius_specs(radii)
    if specs is not None and not 0 <= step_threshold <= 180:
        raise InputError("step_threshold must be between 0 and 180 degrees")
    place = link_side(
        network,
        places,
        place_id,
        what="places",
        option="--place-id",
        max_link=max_link,
        polygons=polygons,
        group=place_group,
        entrances=place_entrances,
        building_id=building_id,
    )
    graph = AccessGraph(network)
    limits = np.asarray(sorted(thresholds), dtype=float) * 60.0 * speed
    max_sources = place.max_access

    def work(i: int, scratch: Scratch):
        a = place.starts(i)
        if a is None:
            return None
        return (a, *graph.reach_search(a, limits[-1], scratch))

    results = run_groups(
        range(len(place.ids)),
        work,
        lambda: graph.scratch(max_sources),
        threads=thread_count(threads),
        progress=progress,
        label="service areas",
        total=len(place.ids),
    )
    line_rows, area_rows = [], []
    for i, res in enumerate(results):
        if res is None:
            continue
        starts, segs, at0, at1 = res
        for t_min, limit in zip(sorted(thresholds), limits, strict=True):
            parts = _cut_reach(graph, starts, segs, at0, at1, limit)
            if not parts:
                continue
            lines = shapely.line_merge(shapely.multilinestrings(parts))
            line_rows.append((place.ids[i], float(t_min), float(shapely.length(lines)), lines))
            # buffering the pieces and merging them is far faster than
            # buffering one multi-part line
            area = shapely.union_all(shapely.buffer(np.asarray(parts), buffer_m, quad_segs=4))
            area_rows.append((place.ids[i], float(t_min), float(shapely.area(area)), area))
    crs = network.edges.crs
    lines_gdf = gpd.GeoDataFrame(
        line_rows, columns=["place_id", "threshold_min", "length_m", "geometry"], crs=crs
    )
    areas_gdf = gpd.GeoDataFrame(
        area_rows, columns=["place_id", "threshold_min", "area_m2", "geometry"], crs=crs
    )
    if specs is None:
        return areas_gdf, lines_gdf
    more_lines, more_areas = _radius_areas(
        network, graph, place, specs, step_threshold, buffer_m, threads, progress
    )
    return _with_radius_rows(areas_gdf, more_areas), _with_radius_rows(lines_gdf, more_lines)


def _with_radius_rows(minutes: gpd.GeoDataFrame, rows: list[tuple]) -> gpd.GeoDataFrame:
    """The minutes' rows with an empty ``radius`` column, then the radius rows."""
    minutes.insert(2, "radius", pd.Series([None] * len(minutes), dtype=object))
    more = gpd.GeoDataFrame(rows, columns=list(minutes.columns), crs=minutes.crs)
    if not len(more):
        return minutes
    if not len(minutes):
        return more
    return gpd.GeoDataFrame(
        pd.concat([minutes, more], ignore_index=True), geometry="geometry", crs=minutes.crs
    )


def _radius_areas(
    network: StreetNetwork,
    graph: AccessGraph,
    place: LinkedSide,
    specs: list[Radius],
    step_threshold: float,
    buffer_m: float,
    threads: int | None,
    progress: ProgressLike,
) -> tuple[list[tuple], list[tuple]]:
    """Service-area rows ``(place_id, nan, radius, size, geometry)`` for every place and radius."""
    catch = TypedCatchments(network, step_threshold=step_threshold)
    walking = [r.limit for r in specs if r.is_walking]
    tree = shapely.STRtree(graph.geometry)

    def work(i: int, scratch: TypedScratch):
        a = place.starts(i)
        if a is None:
            return None
        out = []
        reached = graph.reach_search(a, walking[-1], scratch.base) if walking else None
        for radius in specs:
            if radius.is_walking:
                assert reached is not None
                parts = _cut_reach(graph, a, *reached, radius.limit)
            elif radius.kind == "straight":
                # the streets as the crow flies: everything within the circles round
                # the place's own points, whether or not a street leads there
                xy = place.links.origin_xy[place.access(i)]
                pt, seg_of = tree.query(
                    shapely.points(xy), predicate="dwithin", distance=radius.limit
                )
                order = np.argsort(seg_of, kind="stable")
                pt, seg_of = pt[order], seg_of[order]
                cuts = np.flatnonzero(np.r_[True, seg_of[1:] != seg_of[:-1]])
                parts = [
                    shapely.ops.substring(graph.geometry[seg], lo, hi)
                    for seg, centres in zip(seg_of[cuts], np.split(pt, cuts[1:]), strict=True)
                    for lo, hi in _within_circles(graph.geometry[seg], xy[centres], radius.limit)
                    if hi > lo
                ]
            else:
                segs, _ = catch.network_catchment(radius, a[0], scratch)
                parts = list(graph.geometry[np.sort(segs)])
            out.append(parts)
        return out

    results = run_groups(
        range(len(place.ids)),
        work,
        lambda: catch.scratch(place.max_access),
        threads=thread_count(threads),
        progress=progress,
        label="service areas (radii)",
        total=len(place.ids),
    )
    line_rows: list[tuple] = []
    area_rows: list[tuple] = []
    for i, res in enumerate(results):
        if res is None:
            continue
        for radius, parts in zip(specs, res, strict=True):
            if not parts:
                continue
            lines = shapely.line_merge(shapely.multilinestrings(parts))
            line_rows.append((place.ids[i], np.nan, radius.spec, float(lines.length), lines))
            area = shapely.union_all(shapely.buffer(np.asarray(parts), buffer_m, quad_segs=4))
            area_rows.append((place.ids[i], np.nan, radius.spec, float(area.area), area))
    return line_rows, area_rows


def _within_circles(line: shapely.LineString, centres: np.ndarray, r: float) -> list:
    """Spans (metres along ``line``) within ``r`` of any of ``centres``, exactly:
    each straight piece of the line meets each circle where a quadratic says."""
    xy = shapely.get_coordinates(line)
    a, v = xy[:-1], np.diff(xy, axis=0)
    piece = np.hypot(v[:, 0], v[:, 1])
    start = np.r_[0.0, np.cumsum(piece)[:-1]]
    w = a[:, None, :] - np.asarray(centres, dtype=float).reshape(1, -1, 2)  # piece × centre
    qa = np.maximum((v * v).sum(1), 1e-300)[:, None]
    qb = 2 * (v[:, None, :] * w).sum(2)
    qc = (w * w).sum(2) - r * r
    disc = qb * qb - 4 * qa * qc
    root = np.sqrt(np.maximum(disc, 0.0))
    t0 = np.clip((-qb - root) / (2 * qa), 0.0, 1.0)
    t1 = np.clip((-qb + root) / (2 * qa), 0.0, 1.0)
    k, _ = np.nonzero((disc >= 0) & (t1 > t0))
    ok = (disc >= 0) & (t1 > t0)
    lo = start[k] + t0[ok] * piece[k]
    hi = start[k] + t1[ok] * piece[k]
    return _union(list(zip(lo.tolist(), hi.tolist(), strict=True)))


def _cut_reach(
    graph: AccessGraph,
    starts: tuple[np.ndarray, np.ndarray, np.ndarray],
    segs: np.ndarray,
    at0: np.ndarray,
    at1: np.ndarray,
    limit: float,
) -> list:
    """The street pieces within ``limit`` metres, cut where the distance runs out."""
    parts = []
    for seg, c0, c1 in zip(segs, at0, at1, strict=True):
        length = graph.length[seg]
        spans = []
        if c0 < limit:
            spans.append((0.0, min(length, limit - c0)))
        if c1 < limit:
            spans.append((max(0.0, length - (limit - c1)), length))
        for e, p, c in zip(*starts, strict=True):
            if e == seg and c < limit:
                spans.append((max(0.0, p - (limit - c)), min(length, p + (limit - c))))
        for lo, hi in _union(spans):
            if hi > lo:
                parts.append(shapely.ops.substring(graph.geometry[seg], lo, hi))
    return parts


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Merge overlapping intervals."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out

"""People and areas on the street network (definitions: ``docs/areas.md``).

Every resident point joins the network like a place (foot of the
perpendicular, access distance ``link_m``). The distance between two resident
points i and j is ``link_i + network + link_j`` (0 from a point to itself);
to a segment it is measured to the segment's midpoint. Residents on one
segment leave it through its two ends, so the searches run from segment ends
(chunks of neighbouring populated segments share them; see
:mod:`stadsrum.kernels.population`), bounded by the largest threshold or
environment (the whole connected network when areas are given, for the
area-to-area distances). They yield at once every resident's local
environments, its contribution to the co-presence of every street it reaches
and its row of the area-to-area sums. Nothing of size residents × residents
is held: a worker keeps one chunk's searches and sums.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.distributed import takes_client
from stadsrum.errors import InputError, NetworkError
from stadsrum.io.population import Population, read_population
from stadsrum.measures._parallel import Scratch, run_groups, thread_count
from stadsrum.measures.access_graph import AccessGraph, link_side, street_view, validate_ids
from stadsrum.measures.areas.criteria import Criteria, criteria_flags, parse_criteria
from stadsrum.measures.areas.indices import segregation_indices
from stadsrum.measures.naming import input_renames, minutes_label, name_slug, people_column
from stadsrum.messages import count
from stadsrum.network.inputs import check_layer, check_network
from stadsrum.network.model import StreetNetwork
from stadsrum.network.projection import align_crs
from stadsrum.options import DEFAULT_SPEED, checked_options
from stadsrum.progress import ProgressLike, as_progress

__all__ = ["AREA_ID_NAMES", "AreaResult", "area_analysis"]

log = logging.getLogger(__name__)

#: Area id columns recognised when none is named: SCB's DeSO and RegSO codes.
AREA_ID_NAMES = ("deso", "regso", "area_id")


@dataclass
class AreaResult:
    """The layers of :func:`area_analysis` (names as in the GeoPackage).

    ``area_matrix`` and ``segregation`` are tables; the rest are spatial.
    ``method`` says how the population became points; ``notes`` holds one
    line per count a planner should know (unlinked residents, rounding).
    """

    population: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    area_matrix: pd.DataFrame
    copresence: gpd.GeoDataFrame
    meeting_sites: gpd.GeoDataFrame
    segregation: pd.DataFrame
    method: str = "points"
    notes: list[str] = field(default_factory=list)

    @property
    def layers(self) -> dict[str, pd.DataFrame]:
        return {
            "population": self.population,
            "areas": self.areas,
            "area_matrix": self.area_matrix,
            "copresence": self.copresence,
            "segregation": self.segregation,
            **_site_layers(self.meeting_sites),
        }


def _site_layers(sites: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The ranked candidates as ``meeting_sites`` and today's places as ``meeting_places``.

    A GeoPackage layer holds one geometry type: street segments (lines) listed with
    squares (polygons) and stops (points) make a layer of type Unknown that QGIS
    splits into sublayers. Each layer keeps the same columns, the places ranked
    among the candidates; one that still mixes types (a site layer of points and
    polygons) is drawn as points (a line at its midpoint, a polygon inside it).
    """
    existing = sites["existing"].fillna(False).astype(bool).to_numpy()
    out = {"meeting_sites": _one_geometry_kind(sites[~existing].reset_index(drop=True))}
    if existing.any():
        out["meeting_places"] = _one_geometry_kind(sites[existing].reset_index(drop=True))
    return out


def _one_geometry_kind(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geoms = np.asarray(frame.geometry.array, dtype=object)
    # point, line or polygon, single or multi alike (the writer promotes to multi)
    if len(set(shapely.get_dimensions(geoms[~shapely.is_missing(geoms)]).tolist())) <= 1:
        return frame
    lines = np.isin(shapely.get_type_id(geoms), (1, 5))
    points = shapely.point_on_surface(geoms)
    points[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    return frame.set_geometry(gpd.GeoSeries(points, index=frame.index, crs=frame.crs))


def _minutes_list(values: Sequence[float] | float | str, what: str) -> list[float]:
    items: list[Any]
    if isinstance(values, str):
        items = [v for v in values.split(",") if v.strip()]
    elif isinstance(values, int | float):
        items = [values]
    else:
        items = list(values)
    try:
        out = sorted({float(v) for v in items})
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be minutes such as 5,10,15 ({exc})") from exc
    if not out or not all(math.isfinite(v) and v > 0 for v in out):
        raise InputError(f"{what} must be positive minutes such as 5,10,15")
    return out


@checked_options  # every option before any search (issue 13)
@takes_client
def area_analysis(
    net: StreetNetwork,
    population: gpd.GeoDataFrame | Population,
    *,
    population_column: str | None = None,
    groups: Sequence[str] | str | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    area_id: str | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    node_category: str | None = None,
    sites: gpd.GeoDataFrame | None = None,
    meeting_places: gpd.GeoDataFrame | None = None,
    thresholds: Sequence[float] | str = (5, 10, 15),
    environment: Sequence[float] | float | str = (10,),
    speed: float = DEFAULT_SPEED,
    max_link: float = 200.0,
    criteria: str | dict[str, str] | Criteria | None = None,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> AreaResult:
    """Who reaches what, which areas the streets keep apart, where people could meet.

    Parameters
    ----------
    net
        The prepared street network (metres).
    population
        Resident points, or polygons (DeSO, grid squares) to spread over
        ``buildings`` by footprint area or over the streets inside by length,
        with a total column and optional group columns.
    population_column
        The total column (default: ``population``, ``pop``, ``total``, ... where
        present, else the groups' sum).
    groups
        Two or more group columns that add up to the total, e.g.
        ``["born_sweden", "born_abroad"]`` (or ``"born_sweden,born_abroad"``).
    buildings
        Footprints to spread polygon population over.
    areas, area_id
        Area polygons and their id column (default: ``deso``, ``regso`` or
        ``area_id``). Without areas the whole city is one area, ``city``.
    nodes, node_category
        Key nodes (points or polygons, joined at their entrances) and their
        category column, for ``mean_min_{c}``, ``share_{c}_{T}min``, ...
    sites, meeting_places
        Candidate meeting sites (points or polygons; default every street
        segment) and existing meeting places, ranked by balanced reach.
    thresholds
        Walking minutes for shares, co-presence and reach (default 5, 10, 15).
    environment
        Minutes of the local environments for the network segregation indices.
    speed
        Walking speed in metres per second.
    max_link
        Largest access distance in metres; residents farther from every street
        are counted as unreached and reported, never dropped.
    criteria
        Indicator columns of ``areas`` for the 2012 criteria,
        ``"employment=COL,income_support=COL,eligibility=COL"``.
    threads, progress
        Worker threads (default all cores); progress reporter (cancellable).
    client
        A ``dask.distributed.Client``: run the searches as tasks on its cluster
        (:mod:`stadsrum.distributed`).

    Returns
    -------
    AreaResult
        ``population``, ``areas``, ``area_matrix``, ``copresence``,
        ``meeting_sites`` and ``segregation``, columns as in ``docs/areas.md``.
        ``areas`` (when given) and ``population`` (from points) keep the
        caller's index, a row per input feature.

    Examples
    --------
    The sample city's synthetic residents by place of birth, in its districts:

    >>> import geopandas as gpd, stadsrum as sr
    >>> data = sr.sample_data_dir()
    >>> net = sr.read_network(data / "helsinki.osm.pbf")
    >>> people = gpd.read_file(data / "population.gpkg", layer="population")
    >>> districts = gpd.read_file(data / "population.gpkg", layer="districts")
    >>> result = sr.area_analysis(
    ...     net, people, population_column="population",
    ...     groups=["born_sweden", "born_abroad"], areas=districts,
    ... )

    Every resident counts in one district, on the districts' own rows:

    >>> bool(result.areas["population"].sum() == people["population"].sum())
    True
    >>> result.areas.index.equals(districts.index)
    True

    With two groups, a group's isolation and its exposure to the other add up to 1:

    >>> index = result.segregation.set_index(["index", "group", "scale"])["value"]
    >>> isolation = index["isolation", "born_sweden", "areas"]
    >>> exposure = index["exposure", "born_sweden:born_abroad", "areas"]
    >>> round(float(isolation + exposure), 9)
    1.0
    """
    check_network(net, function="area_analysis")
    progress = as_progress(progress)
    if not (isinstance(speed, int | float) and speed > 0 and math.isfinite(speed)):
        raise InputError("speed must be a positive number of metres per second")
    limits = _minutes_list(thresholds, "thresholds")
    envs = _minutes_list(environment, "environment")
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    if not isinstance(criteria, Criteria):
        criteria = parse_criteria(criteria)
    if isinstance(population, Population):
        pop = population
    else:
        check_layer(population, function="area_analysis", argument="population")
        pop = read_population(
            population,
            crs=net.crs,
            total=population_column,
            groups=groups,
            buildings=buildings,
            streets=street_view(net).edges,
        )
    for note in pop.notes:
        progress.message(note)
    notes = list(pop.notes)
    # every layer and column is checked before the first search starts
    for layer, name in ((sites, "sites"), (meeting_places, "meeting_places")):
        check_layer(layer, function="area_analysis", argument=name, optional=True)
        if layer is not None and len(layer) == 0:
            raise InputError(f"{name.replace('_', ' ')}: the layer is empty (no features)")
    area_gdf, ids = _read_areas(areas, area_id, net, progress)
    flags = criteria_flags(area_gdf, criteria) if criteria is not None else None
    ctx = _Context.build(net, pop, max_link, speed, notes, progress)
    ctx.assign_areas(area_gdf, whole_city=areas is None)
    node_times = _node_times(ctx, nodes, node_category, max_link, threads, progress)
    walk = _resident_searches(
        ctx, limits, envs, need_matrix=areas is not None, threads=threads, progress=progress
    )
    areas_layer = _areas_layer(ctx, area_gdf, ids, node_times, limits, flags)
    matrix = _matrix_layer(ctx, ids, walk, speed) if areas is not None else _empty_matrix()
    copresence = _copresence_layer(ctx, ids, walk, limits)
    sites_layer = _sites_layer(
        ctx, copresence, sites, meeting_places, limits, max_link, threads, progress
    )
    segregation = _segregation_table(ctx, walk, envs, areas is not None)
    population_layer = _population_layer(ctx, ids, walk, envs)
    if areas is not None:  # a row per area given: on the caller's index, so results join back
        areas_layer.index = areas.index
    if isinstance(population, gpd.GeoDataFrame) and pop.method == "points":
        population_layer.index = population.index  # likewise a row per resident point
    return AreaResult(
        population=population_layer,
        areas=areas_layer,
        area_matrix=matrix,
        copresence=copresence,
        meeting_sites=sites_layer,
        segregation=segregation,
        method=pop.method,
        notes=notes,
    )


@dataclass
class _Context:
    """Resident points on the network and the search graph, built once."""

    net: StreetNetwork
    pop: Population
    total: np.ndarray  # (N,) people per point
    group_counts: np.ndarray  # (N, G) people per group (the total alone without groups)
    group_names: list[str]
    linked: np.ndarray  # (N,) bool
    edge: np.ndarray
    pos: np.ndarray
    link: np.ndarray  # NaN where unlinked
    status: np.ndarray
    graph: AccessGraph
    streets: StreetNetwork  # the network without added links: what features join
    pt_ptr: np.ndarray  # resident points grouped by segment (CSR)
    pt_index: np.ndarray
    speed: float
    area_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    seg_area: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_areas: int = 1

    @classmethod
    def build(
        cls,
        net: StreetNetwork,
        pop: Population,
        max_link: float,
        speed: float,
        notes: list[str],
        progress: ProgressLike,
    ) -> _Context:
        pts = pop.points
        streets = street_view(net)
        side = link_side(
            streets, pts, None, what="population", max_link=max_link, polygons="centroid"
        )
        links = side.links
        n = len(pts)
        edge = np.zeros(n, dtype=np.int64)
        pos = np.zeros(n)
        link = np.full(n, np.nan)
        edge[links.owner] = links.edge
        pos[links.owner] = links.pos
        link[links.owner] = links.link_m
        linked = np.zeros(n, dtype=bool)
        linked[links.owner] = True
        total = pts[pop.total].to_numpy(dtype=float)
        if not linked.any():
            raise NetworkError(
                f"population: none of the {count(n, 'point')} is within {max_link:g} m of a "
                "street; check the layers' coordinate systems or raise --max-link"
            )
        if not linked.all():
            note = (
                f"population: {count(int((~linked).sum()), 'point')} "
                f"({total[~linked].sum():g} people) farther than {max_link:g} m from every "
                "street: counted as unreached in every result, not dropped"
            )
            notes.append(note)
            progress.message(note)
        if pop.groups:
            groups = pts[pop.groups].to_numpy(dtype=float)
            names = list(pop.groups)
        else:
            groups = total[:, None].copy()
            names = [pop.total]
        graph = AccessGraph(net)
        n_segments = len(graph.length)
        order = np.where(linked)[0]
        order = order[np.lexsort((pos[order], edge[order]))]
        pt_ptr = np.zeros(n_segments + 1, dtype=np.int64)
        np.cumsum(np.bincount(edge[order], minlength=n_segments), out=pt_ptr[1:])
        return cls(
            net=net,
            pop=pop,
            total=total,
            group_counts=groups,
            group_names=names,
            linked=linked,
            edge=edge,
            pos=pos,
            link=link,
            status=np.asarray(links.status, dtype=object),
            graph=graph,
            streets=streets,
            pt_ptr=pt_ptr,
            pt_index=order,
            speed=speed,
        )

    @property
    def n_points(self) -> int:
        return len(self.total)

    @property
    def n_segments(self) -> int:
        return len(self.graph.length)

    def assign_areas(self, area_gdf: gpd.GeoDataFrame, *, whole_city: bool) -> None:
        """The area of each resident point and of each segment's midpoint (-1: none)."""
        polys = np.asarray(area_gdf.geometry.array, dtype=object)
        self.n_areas = len(polys)
        if whole_city:  # everybody lives in the one area, whatever its outline
            self.area_of = np.zeros(self.n_points, dtype=np.int64)
            self.seg_area = np.zeros(self.n_segments, dtype=np.int64)
            return
        pts = np.asarray(self.pop.points.geometry.array, dtype=object)
        pts = np.where(shapely.get_type_id(pts) == 0, pts, shapely.centroid(pts))
        mids = shapely.line_interpolate_point(
            np.asarray(self.net.edges.geometry.array, dtype=object), 0.5, normalized=True
        )
        self.area_of = _first_containing(polys, pts)
        self.seg_area = _first_containing(polys, mids)

    def scratch(self, max_sources: int = 1) -> Scratch:
        return self.graph.scratch(max_sources)


def _first_containing(polys: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Row of the first polygon that covers each point (on the boundary too), else -1."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(polys) == 0:
        return out
    tree = shapely.STRtree(polys)
    pt_i, poly_i = tree.query(points, predicate="intersects")
    order = np.lexsort((poly_i, pt_i))
    pt_i, poly_i = pt_i[order], poly_i[order]
    first = np.r_[True, pt_i[1:] != pt_i[:-1]] if len(pt_i) else np.zeros(0, dtype=bool)
    out[pt_i[first]] = poly_i[first]
    return out


def _read_areas(
    areas: gpd.GeoDataFrame | None,
    area_id: str | None,
    net: StreetNetwork,
    progress: ProgressLike,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The areas layer in the network's CRS and its ids; the city as one area without one."""
    if areas is None:
        # the outline drawn for the city: its streets' convex hull, widened by a link
        hull = shapely.convex_hull(shapely.union_all(np.asarray(net.edges.geometry.array)))
        city = gpd.GeoDataFrame({"area_id": ["city"]}, geometry=[hull.buffer(50.0)], crs=net.crs)
        return city, np.array(["city"], dtype=object)
    check_layer(areas, function="area_analysis", argument="areas", accepts="polygons")
    if area_id is None:
        lower = {str(c).lower(): str(c) for c in areas.columns}
        found = [lower[n] for n in AREA_ID_NAMES if n in lower]
        if not found:
            cols = ", ".join(str(c) for c in areas.columns if c != areas.geometry.name)
            raise InputError(
                f"areas: no id column; name it with --area-id (columns: {cols or 'none'})"
            )
        area_id = found[0]
    ids = validate_ids(areas, area_id, what="areas", option="--area-id")
    kinds = shapely.get_type_id(np.asarray(areas.geometry.array, dtype=object))
    if not np.isin(kinds, [3, 6]).all():
        raise InputError(
            f"areas: expected polygons, found other geometries in rows "
            f"{', '.join(map(str, np.where(~np.isin(kinds, [3, 6]))[0][:10]))}"
        )
    gdf, note = align_crs(areas, net.crs, what="areas")
    if note:
        progress.message(note)
    return gdf.reset_index(drop=True), ids.astype(str).to_numpy(dtype=object)


# --- key nodes ----------------------------------------------------------------------


def _node_times(
    ctx: _Context,
    nodes: gpd.GeoDataFrame | None,
    category: str | None,
    max_link: float,
    threads: int | None,
    progress: ProgressLike,
) -> dict[str, np.ndarray]:
    """Minutes from each resident point to the nearest node of each category (inf: none).

    Distances are symmetric, so one search from all of a category's access
    points at once (each starting at its access distance) reaches every
    resident at the distance of its nearest node of that category.
    """
    if nodes is None:
        return {}
    check_layer(nodes, function="area_analysis", argument="nodes")
    if len(nodes) == 0:
        raise InputError("nodes: the layer is empty (no features)")
    if category is not None and category not in nodes.columns:
        cols = ", ".join(str(c) for c in nodes.columns if c != nodes.geometry.name)
        raise InputError(f"nodes: no column '{category}' for the node category (columns: {cols})")
    side = link_side(
        ctx.streets, nodes, None, what="nodes", max_link=max_link, polygons="entrances"
    )
    links = side.links
    cats = (
        nodes[category].astype("string").fillna("").map(name_slug).to_numpy(dtype=object)
        if category is not None
        else np.full(len(nodes), "node", dtype=object)
    )
    names = sorted(set(cats))
    unlinked = int(len(nodes) - len(np.unique(links.owner)))
    if unlinked:
        progress.message(
            f"nodes: {count(unlinked, 'node')} farther than {max_link:g} m from every street, "
            "left out of the nearest-node times"
        )
    targets = np.where(ctx.linked)[0]
    t_edge, t_pos = ctx.edge[targets], ctx.pos[targets]

    def work(name: str, scratch: Scratch) -> np.ndarray:
        mine = cats[links.owner] == name
        out = np.full(ctx.n_points, np.inf)
        if not mine.any():
            return out
        starts = (links.edge[mine], links.pos[mine], links.link_m[mine])
        net_m = ctx.graph.od_search(starts, t_edge, t_pos, scratch)[0]
        out[targets] = (net_m + ctx.link[targets]) / ctx.speed / 60.0
        return out

    results = run_groups(
        names,
        work,
        lambda: ctx.scratch(max(len(links.owner), 1)),
        threads=thread_count(threads),
        progress=progress,
        label="areas: nearest nodes",
        total=len(names),
    )
    return dict(zip(names, results, strict=True))


# --- searches from the residents ------------------------------------------------------


@dataclass
class _Walk:
    """What the resident searches add up."""

    env: np.ndarray  # (n_env, N, G) people of each group within R of each point
    reach: np.ndarray  # (n_T, S) people within T of each segment's midpoint
    reach_g: np.ndarray  # (n_T, S, G)
    other: np.ndarray  # (n_T, S) of them living outside the segment's area
    seen: np.ndarray  # (n_T, S, A) bool: someone of area a within T
    pair_m: np.ndarray  # (A+1, A+1) sum p_i p_j d(i, j); row/column 0: no area
    pair_w: np.ndarray  # (A+1, A+1) sum p_i p_j over pairs with a path


def _ordered(consume: Callable[[int, Any], None]) -> Callable[[int, Any], None]:
    """Hand results to ``consume`` in input order, whatever order threads finish in.

    Sums of floats depend on their order; adding the searches' results in
    one fixed order makes every thread count give the same bits. Only the
    results finished ahead of a slower one wait here (a few per thread).
    """
    waiting: dict[int, Any] = {}
    state = {"next": 0}

    def take(i: int, value: Any) -> None:
        waiting[i] = value
        while state["next"] in waiting:
            consume(state["next"], waiting.pop(state["next"]))
            state["next"] += 1

    return take


#: Residents per chunk of work at most (a segment with more is a chunk of its own), and
#: the most segment ends one chunk searches from, memory allowing. Chunks are fixed by
#: the input alone, so their sums (and the numbers' last bits) never depend on the
#: thread count.
CHUNK_POINTS = 128
CHUNK_JUNCTIONS = 32


class _ResidentScratch(Scratch):
    """One worker's arrays for :func:`stadsrum.kernels.population.resident_chunk`.

    The junction searches need none of :class:`Scratch`'s state arrays; all of
    these are sized by the network (and by thresholds x groups for the sums),
    never by the number of residents.
    """

    def __init__(
        self,
        n_nodes: int,
        n_segments: int,
        n_limits: int,
        n_env: int,
        n_groups: int,
        n_areas: int,
        n_slots: int,
    ) -> None:
        s = n_segments
        self.dj = np.full((n_slots, n_nodes), np.inf)
        self.tj = np.empty((n_slots, n_nodes), dtype=np.int64)
        self.n_tj = np.zeros(n_slots, dtype=np.int64)
        # each junction is expanded once, so each arc is pushed at most once
        self.hkey = np.empty(2 * s + 4)
        self.hval = np.empty(2 * s + 4, dtype=np.int64)
        self.seed_node = np.empty(2, dtype=np.int64)
        self.seed_cost = np.empty(2)
        self.seg_stamp = np.full(s, -1, dtype=np.int64)
        self.counter = np.zeros(1, dtype=np.int64)
        self.cand = np.empty(s, dtype=np.int64)
        self.acc_p = np.zeros((n_limits, s))
        self.acc_g = np.zeros((n_limits, s, n_groups))
        self.acc_o = np.zeros((n_limits, s))
        self.chunk_mark = np.full(s, -1, dtype=np.int64)
        self.chunk_list = np.empty(s, dtype=np.int64)
        self.chunk_id = 0
        self.seen_area = np.full(s, -1, dtype=np.int64)
        self.seen_t0 = np.zeros(s, dtype=np.int64)
        self.seen_mark = np.full(s, -1, dtype=np.int64)
        self.tri = np.empty(3 * 1024, dtype=np.int64)
        self.env_b = np.zeros((n_env, n_groups))
        self.s_m = np.zeros(n_areas + 1)
        self.s_w = np.zeros(n_areas + 1)
        self.pair_m = np.zeros((n_areas + 1, n_areas + 1))
        self.pair_w = np.zeros((n_areas + 1, n_areas + 1))
        self.arrays, self.sums = self._records()

    def _records(self) -> tuple[Any, Any]:
        """The same arrays bundled as the kernel takes them (named tuples)."""
        from stadsrum.kernels.population import ResidentScratch, ResidentSums

        arrays = ResidentScratch(
            self.dj, self.tj, self.n_tj, self.hkey, self.hval, self.seed_node, self.seed_cost,
            self.seg_stamp, self.counter, self.cand, self.chunk_mark, self.chunk_list,
            self.seen_area, self.seen_t0, self.seen_mark, self.env_b, self.s_m, self.s_w,
        )  # fmt: skip
        return arrays, ResidentSums(self.acc_p, self.acc_g, self.acc_o, self.pair_m, self.pair_w)


def _hilbert(xy: np.ndarray, order: int = 16) -> np.ndarray:
    """Position of each point along a Hilbert curve over the points' bounding box.

    Sorting by it puts neighbouring segments next to each other, so that a chunk
    of consecutive segments shares most of its segment ends.
    """
    lo = xy.min(axis=0)
    span = max(float((xy.max(axis=0) - lo).max()), 1e-9)
    n = 1 << order
    cells = np.minimum(((xy - lo) / span * (n - 1)).astype(np.int64), n - 1)
    x, y = cells[:, 0].copy(), cells[:, 1].copy()
    d = np.zeros(len(xy), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, n - 1 - x, x)
        y = np.where(flip, n - 1 - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
        s >>= 1
    return d


def _junction_csr(ctx: _Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each junction's neighbours and the segments leading there (both directions)."""
    s = ctx.n_segments
    u, v = ctx.graph.u, ctx.graph.v
    ends = np.concatenate([u, v])
    other = np.concatenate([v, u])
    seg = np.concatenate([np.arange(s), np.arange(s)])
    order = np.lexsort((seg, ends))
    nptr = np.zeros(ctx.graph.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=ctx.graph.n_nodes), out=nptr[1:])
    return nptr, np.ascontiguousarray(other[order]), np.ascontiguousarray(seg[order])


def _chunks(ctx: _Context, pt_ptr: np.ndarray, max_junctions: int) -> tuple[np.ndarray, np.ndarray]:
    """Populated segments in Hilbert order of their midpoints, cut into chunks.

    A chunk holds consecutive segments while they have at most ``max_junctions``
    ends and ``CHUNK_POINTS`` residents between them. Returns the ordered
    segments and the chunks' CSR offsets into them.
    """
    counts = np.diff(pt_ptr)
    segs = np.flatnonzero(counts).astype(np.int64)
    mids = shapely.get_coordinates(
        shapely.line_interpolate_point(ctx.graph.geometry[segs], 0.5, normalized=True)
    )
    segs = segs[np.lexsort((segs, _hilbert(mids)))]
    u, v = ctx.graph.u[segs], ctx.graph.v[segs]
    ptr = [0]
    ends: set[int] = set()
    held = 0
    for k in range(len(segs)):
        new = ends | {int(u[k]), int(v[k])}
        c = int(counts[segs[k]])
        if held and (len(new) > max_junctions or held + c > CHUNK_POINTS):
            ptr.append(k)
            new, held = {int(u[k]), int(v[k])}, 0
        ends = new
        held += c
    ptr.append(len(segs))
    return segs, np.asarray(ptr, dtype=np.int64)


def _resident_searches(
    ctx: _Context,
    limits: list[float],
    envs: list[float],
    *,
    need_matrix: bool,
    threads: int | None,
    progress: ProgressLike,
) -> _Walk:
    """Environments, co-presence and area sums: two searches per populated segment.

    See :mod:`stadsrum.kernels.population`. Without areas the searches stop at
    the largest threshold or environment; with areas (``need_matrix``) they
    cover the connected network, and each resident's area sums visit every
    other resident (time N², memory per worker independent of N).
    """
    from stadsrum.kernels.population import JunctionGraph, Residents, resident_chunk

    n, s, g = ctx.n_points, ctx.n_segments, ctx.group_counts.shape[1]
    n_t = len(limits)
    a1 = ctx.n_areas + 1
    t_m = np.asarray(limits, dtype=np.float64) * 60.0 * ctx.speed
    r_m = np.asarray(envs, dtype=np.float64) * 60.0 * ctx.speed
    reach_m = float(max(t_m[-1], r_m[-1]))
    walk = _Walk(
        env=np.zeros((len(envs), n, g)),
        reach=np.zeros((n_t, s)),
        reach_g=np.zeros((n_t, s, g)),
        other=np.zeros((n_t, s)),
        seen=np.zeros((n_t, s, ctx.n_areas), dtype=bool),
        pair_m=np.zeros((a1, a1)),
        pair_w=np.zeros((a1, a1)),
    )
    # a resident beyond max_link reaches nobody but is somebody: its own environment
    for r in range(len(envs)):
        walk.env[r, ~ctx.linked] = ctx.group_counts[~ctx.linked]
    order = ctx.pt_index
    r_pos = np.ascontiguousarray(ctx.pos[order])
    r_link = np.ascontiguousarray(ctx.link[order])
    r_p = np.ascontiguousarray(ctx.total[order], dtype=np.float64)
    r_g = np.ascontiguousarray(ctx.group_counts[order], dtype=np.float64)
    r_area = np.ascontiguousarray(ctx.area_of[order], dtype=np.int64)
    r_orig = np.ascontiguousarray(order, dtype=np.int64)
    nptr, nnbr, nedge = _junction_csr(ctx)
    seg_u = np.ascontiguousarray(ctx.graph.u, dtype=np.int64)
    seg_v = np.ascontiguousarray(ctx.graph.v, dtype=np.int64)
    seglen = np.ascontiguousarray(ctx.graph.length, dtype=np.float64)
    seg_area = np.ascontiguousarray(ctx.seg_area, dtype=np.int64)
    pt_ptr = np.ascontiguousarray(ctx.pt_ptr, dtype=np.int64)
    pop_segs = np.flatnonzero(np.diff(pt_ptr)).astype(np.int64)  # the targets, ascending
    # segment ends searched per chunk: up to CHUNK_JUNCTIONS, 32 MB of them per worker
    n_slots = int(np.clip(2_000_000 // max(ctx.graph.n_nodes, 1), 2, CHUNK_JUNCTIONS))
    chunk_segs, chunk_ptr = _chunks(ctx, pt_ptr, n_slots)
    lo_u = np.full(s, np.inf)  # per segment: least link + walk to its end u, to its end v
    lo_v = np.full(s, np.inf)
    owner = np.repeat(np.arange(s), np.diff(pt_ptr))
    np.minimum.at(lo_u, owner, r_link + r_pos)
    np.minimum.at(lo_v, owner, r_link + seglen[owner] - r_pos)
    eps = 1e-6 * (1.0 + reach_m)  # as the kernel: searches reach a little farther
    graph = JunctionGraph(nptr, nnbr, nedge, seg_u, seg_v, seglen)
    residents = Residents(pt_ptr, r_pos, r_link, r_p, r_g, r_area, r_orig, seg_area, pop_segs)

    def work(c: int, scr: Scratch) -> tuple[np.ndarray, ...]:
        assert isinstance(scr, _ResidentScratch)
        segs = chunk_segs[chunk_ptr[c] : chunk_ptr[c + 1]]
        scr.chunk_id += 1
        junctions, slots = np.unique(
            np.concatenate([seg_u[segs], seg_v[segs]]), return_inverse=True
        )
        slot0, slot1 = slots[: len(segs)], slots[len(segs) :]
        mine = np.concatenate([np.arange(pt_ptr[e], pt_ptr[e + 1]) for e in segs])
        # a junction search per segment end, unless the chunk has fewer residents
        by_junction = len(junctions) <= len(mine)
        lo = np.full(len(junctions), np.inf)
        np.minimum.at(lo, slot0, lo_u[segs])
        np.minimum.at(lo, slot1, lo_v[segs])
        n_out, tri, n_tri = resident_chunk(
            segs, by_junction, junctions.astype(np.int64), reach_m - lo + eps,
            slot0.astype(np.int64), slot1.astype(np.int64), need_matrix, reach_m, t_m, r_m,
            graph, residents, scr.arrays, scr.sums, walk.env, scr.chunk_id, scr.tri,
        )  # fmt: skip
        scr.tri = tri
        f = scr.chunk_list[:n_out].copy()
        # sums by first threshold reached -> sums within each threshold
        vals_p = np.cumsum(scr.acc_p[:, f], axis=0)
        vals_g = np.cumsum(scr.acc_g[:, f], axis=0)
        vals_o = np.cumsum(scr.acc_o[:, f], axis=0)
        scr.acc_p[:, f] = 0.0
        scr.acc_g[:, f] = 0.0
        scr.acc_o[:, f] = 0.0
        seen = tri[: 3 * n_tri].reshape(-1, 3).copy()
        # the kernel wrote these residents' environments into walk.env: on a Dask
        # worker that is the worker's copy, so they travel back with the chunk
        who = r_orig[mine]
        env = walk.env[:, who].copy()
        if not need_matrix:
            return f, vals_p, vals_g, vals_o, seen, who, env
        rows = np.unique(r_area[mine] + 1)  # the chunk's residents' area rows
        pm, pw = scr.pair_m[rows], scr.pair_w[rows]  # copies (fancy indexing)
        scr.pair_m[rows] = 0.0
        scr.pair_w[rows] = 0.0
        return f, vals_p, vals_g, vals_o, seen, who, env, rows, pm, pw

    def consume(k: int, res: tuple[np.ndarray, ...]) -> None:
        f, vals_p, vals_g, vals_o, seen, who, env = res[:7]
        walk.env[:, who] = env
        walk.reach[:, f] += vals_p
        walk.reach_g[:, f] += vals_g
        walk.other[:, f] += vals_o
        for t in range(n_t):
            sel = seen[:, 2] <= t
            walk.seen[t, seen[sel, 0], seen[sel, 1]] = True
        if need_matrix:
            rows, pm, pw = res[7:]
            walk.pair_m[rows] += pm
            walk.pair_w[rows] += pw

    run_groups(
        range(len(chunk_ptr) - 1),
        work,
        lambda: _ResidentScratch(ctx.graph.n_nodes, s, n_t, len(envs), g, ctx.n_areas, n_slots),
        threads=thread_count(threads),
        progress=progress,
        label="areas: resident searches",
        total=len(chunk_ptr) - 1,
        consume=_ordered(consume),
    )
    return walk


# --- layers ---------------------------------------------------------------------------


def _weighted_mean(
    values: np.ndarray, weights: np.ndarray, owner: np.ndarray, n: int
) -> np.ndarray:
    num = np.bincount(owner, weights=weights * values, minlength=n)
    den = np.bincount(owner, weights=weights, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _areas_layer(
    ctx: _Context,
    area_gdf: gpd.GeoDataFrame,
    ids: np.ndarray,
    node_times: dict[str, np.ndarray],
    limits: list[float],
    flags: pd.DataFrame | None,
) -> gpd.GeoDataFrame:
    a = ctx.n_areas
    inside = ctx.area_of >= 0
    owner = ctx.area_of[inside]
    p = ctx.total[inside]
    cols: dict[str, Any] = {"area_id": ids}
    population = np.bincount(owner, weights=p, minlength=a)
    cols["population"] = population
    with_groups = bool(ctx.pop.groups)
    weights: dict[str | None, np.ndarray] = {None: p}
    if with_groups:
        for j, name in enumerate(ctx.group_names):
            pg = ctx.group_counts[inside, j]
            weights[name] = pg
            cols[people_column("pop", group=name)] = np.bincount(owner, weights=pg, minlength=a)
        group_sum = sum(cols[people_column("pop", group=g)] for g in ctx.group_names)
        for name in ctx.group_names:
            with np.errstate(invalid="ignore", divide="ignore"):
                cols[people_column("share", group=name)] = np.where(
                    group_sum > 0, cols[people_column("pop", group=name)] / group_sum, np.nan
                )
    for cat, minutes in node_times.items():
        t = minutes[inside]
        ok = np.isfinite(t)
        for group, w in weights.items():
            cols[people_column(f"mean_min_{cat}", group=group)] = _weighted_mean(
                np.where(ok, t, 0.0), w * ok, owner, a
            )
            # per group too, so that a city-wide mean per group can weight by the reached
            cols[people_column(f"unreached_{cat}", group=group)] = np.bincount(
                owner, weights=w * ~ok, minlength=a
            )
            base = np.bincount(owner, weights=w, minlength=a)
            for limit in limits:
                within = np.bincount(owner, weights=w * (t <= limit + 1e-9), minlength=a)
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols[people_column(f"share_{cat}", minutes=limit, group=group)] = np.where(
                        base > 0, within / np.where(base > 0, base, 1.0), np.nan
                    )
    table = pd.DataFrame(cols)
    if flags is not None:
        table = pd.concat([table, flags.reset_index(drop=True)], axis=1)
    extra = pd.DataFrame(area_gdf.drop(columns=area_gdf.geometry.name)).reset_index(drop=True)
    if "area_id" in extra.columns and extra["area_id"].astype(str).tolist() == list(ids):
        extra = extra.drop(columns="area_id")  # the id column itself, already the first column
    renames = input_renames(extra.columns, table.columns)
    extra = extra.rename(columns=renames).drop(
        columns=[c for c in extra.columns if c in table.columns], errors="ignore"
    )
    out = pd.concat([table, extra], axis=1)
    return gpd.GeoDataFrame(out, geometry=np.asarray(area_gdf.geometry.array), crs=ctx.net.crs)


def _empty_matrix() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "from_area": pd.Series(dtype=object),
            "to_area": pd.Series(dtype=object),
            "mean_m": pd.Series(dtype=float),
            "mean_min": pd.Series(dtype=float),
            "unreached_share": pd.Series(dtype=float),
        }
    )


def _matrix_layer(ctx: _Context, ids: np.ndarray, walk: _Walk, speed: float) -> pd.DataFrame:
    """Population-weighted mean distance for every ordered pair of areas."""
    a = ctx.n_areas
    inside = ctx.area_of >= 0
    people = np.bincount(ctx.area_of[inside], weights=ctx.total[inside], minlength=a)
    pair_m, pair_w = walk.pair_m[1:, 1:], walk.pair_w[1:, 1:]
    all_pairs = np.outer(people, people)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_m = np.where(pair_w > 0, pair_m / np.where(pair_w > 0, pair_w, 1.0), np.nan)
        unreached = np.where(
            all_pairs > 0, 1.0 - pair_w / np.where(all_pairs > 0, all_pairs, 1.0), np.nan
        )
    unreached = np.clip(unreached, 0.0, 1.0)
    fa, ta = np.meshgrid(np.arange(a), np.arange(a), indexing="ij")
    return pd.DataFrame(
        {
            "from_area": ids[fa.ravel()],
            "to_area": ids[ta.ravel()],
            "mean_m": mean_m.ravel(),
            "mean_min": mean_m.ravel() / speed / 60.0,
            "unreached_share": unreached.ravel(),
        }
    )


def _copresence_layer(
    ctx: _Context, ids: np.ndarray, walk: _Walk, limits: list[float]
) -> gpd.GeoDataFrame:
    """Potential co-presence per segment (Legeby 2013)."""
    cols: dict[str, Any] = {"segment_id": np.arange(ctx.n_segments)}
    seg_ids = np.full(ctx.n_segments, None, dtype=object)
    has = ctx.seg_area >= 0
    seg_ids[has] = ids[ctx.seg_area[has]]
    cols["area_id"] = seg_ids
    g = len(ctx.group_names)
    for t, limit in enumerate(limits):
        reach = walk.reach[t]
        cols[people_column("reach_pop", minutes=limit)] = reach
        if ctx.pop.groups:
            for j, name in enumerate(ctx.group_names):
                cols[people_column(f"reach_{name}", minutes=limit)] = walk.reach_g[t, :, j]
        cols[people_column("reach_areas", minutes=limit)] = walk.seen[t].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[people_column("other_area_share", minutes=limit)] = np.where(
                has & (reach > 0), walk.other[t] / np.where(reach > 0, reach, 1.0), np.nan
            )
        if ctx.pop.groups:
            rg = walk.reach_g[t]
            tot = rg.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = rg / np.where(tot > 0, tot, 1.0)[:, None]
                terms = np.where(share > 0, share * np.log(np.where(share > 0, share, 1.0)), 0.0)
            cols[people_column("mix", minutes=limit)] = np.where(
                tot > 0, -terms.sum(axis=1) / np.log(g), np.nan
            )
    return gpd.GeoDataFrame(
        cols, geometry=np.asarray(ctx.net.edges.geometry.array), crs=ctx.net.crs
    )


def _balanced(reach_g: np.ndarray, city_g: np.ndarray) -> np.ndarray:
    """min over groups of reach_g / P_g (each group's share of its whole population)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = reach_g / np.where(city_g > 0, city_g, np.nan)
    return (
        np.nanmin(shares, axis=-1) if np.isfinite(shares).any() else np.full(len(reach_g), np.nan)
    )


def _sites_layer(
    ctx: _Context,
    copresence: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None,
    meeting_places: gpd.GeoDataFrame | None,
    limits: list[float],
    max_link: float,
    threads: int | None,
    progress: ProgressLike,
) -> gpd.GeoDataFrame:
    """Candidate sites (segments by default) and existing meeting places, ranked."""
    city_g = ctx.group_counts.sum(axis=0)
    names = ctx.group_names
    frames = []
    if sites is None:
        reach_g = np.stack(
            [
                np.column_stack([copresence[people_column(f"reach_{g}", minutes=t)] for g in names])
                if ctx.pop.groups
                else copresence[people_column("reach_pop", minutes=t)].to_numpy()[:, None]
                for t in limits
            ]
        )
        cand = gpd.GeoDataFrame(
            {"site_id": copresence["segment_id"].astype(str), "existing": False},
            geometry=copresence.geometry.to_numpy(),
            crs=ctx.net.crs,
        )
        if "name" in ctx.net.edges.columns:
            # a planner looks for the street, not for segment 1673 (copresence is one row
            # per network edge, in the edges' order)
            cand.insert(2, "street_name", ctx.net.edges["name"].to_numpy())
        frames.append((cand, reach_g))
    else:
        frames.append(_site_reach(ctx, sites, limits, max_link, threads, progress, "sites", False))
    if meeting_places is not None:
        frames.append(
            _site_reach(
                ctx, meeting_places, limits, max_link, threads, progress, "meeting places", True
            )
        )
    out = []
    for gdf, reach_g in frames:
        gdf = gdf.copy()
        for t, limit in enumerate(limits):
            gdf[people_column("reach_pop", minutes=limit)] = reach_g[t].sum(axis=1)
            if ctx.pop.groups:
                for j, name in enumerate(names):
                    gdf[people_column(f"reach_{name}", minutes=limit)] = reach_g[t, :, j]
            gdf[people_column("balanced_reach", minutes=limit)] = _balanced(reach_g[t], city_g)
        out.append(gdf)
    cand = out[0]
    # ranked at the middle threshold (10 of 5, 10, 15): a walk most will take
    for limit in limits:
        b_col = people_column("balanced_reach", minutes=limit)
        r_col = people_column("reach_pop", minutes=limit)
        key_b = cand[b_col].fillna(-1.0).to_numpy()
        key_r = cand[r_col].to_numpy()
        order = np.lexsort((-key_r, -key_b))
        ranks = np.empty(len(cand), dtype=np.int64)
        sorted_keys = np.column_stack((key_b[order], key_r[order]))
        new = np.r_[True, np.any(sorted_keys[1:] != sorted_keys[:-1], axis=1)]
        positions = np.arange(1, len(cand) + 1)
        ranks[order] = np.maximum.accumulate(np.where(new, positions, 0))
        cand[people_column("rank", minutes=limit)] = ranks
        for other in out[1:]:
            ob = other[b_col].fillna(-1.0).to_numpy()
            orr = other[r_col].to_numpy()
            better = (key_b[None, :] > ob[:, None]) | (
                (key_b[None, :] == ob[:, None]) & (key_r[None, :] > orr[:, None])
            )
            other[people_column("rank", minutes=limit)] = 1 + better.sum(axis=1)
    middle = limits[len(limits) // 2] if len(limits) > 1 else limits[0]
    for frame in out:
        frame["rank"] = frame[people_column("rank", minutes=middle)]
    result = pd.concat(out, ignore_index=True)
    result = result.sort_values(["existing", "rank"], ascending=[False, True], kind="stable")
    return gpd.GeoDataFrame(result.reset_index(drop=True), geometry="geometry", crs=ctx.net.crs)


def _site_reach(
    ctx: _Context,
    layer: gpd.GeoDataFrame,
    limits: list[float],
    max_link: float,
    threads: int | None,
    progress: ProgressLike,
    what: str,
    existing: bool,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """People of each group within each threshold of each site (one search per site)."""
    check_layer(layer, function="area_analysis", argument=what.replace(" ", "_"))
    if len(layer) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    side = link_side(ctx.streets, layer, None, what=what, max_link=max_link, polygons="entrances")
    start = side.start_of
    targets = np.where(ctx.linked)[0]
    t_m = np.asarray(limits) * 60.0 * ctx.speed
    unlinked = int((np.diff(start) == 0).sum())
    if unlinked:
        progress.message(
            f"{what}: {count(unlinked, 'feature')} farther than {max_link:g} m from every "
            "street reach nobody (kept with zero reach)"
        )

    def work(i: int, scratch: Scratch) -> np.ndarray:
        out = np.zeros((len(limits), ctx.group_counts.shape[1]))
        starts = side.starts(i)
        if starts is None:
            return out
        net_m = ctx.graph.od_search(
            starts, ctx.edge[targets], ctx.pos[targets], scratch, limit=float(t_m[-1])
        )[0]
        d = net_m + ctx.link[targets]
        for t, limit in enumerate(t_m):
            inside = targets[d <= limit + 1e-9 * (1 + limit)]
            out[t] = ctx.group_counts[inside].sum(axis=0)
        return out

    results = run_groups(
        range(len(layer)),
        work,
        lambda: ctx.scratch(side.max_access),
        threads=thread_count(threads),
        progress=progress,
        label=f"areas: {what}",
        total=len(layer),
    )
    reach_g = np.stack(results, axis=1)  # (n_T, sites, G)
    gdf = side.gdf
    id_col = next((c for c in ("site_id", "id", "name") if c in gdf.columns), None)
    site_ids = gdf[id_col].astype(str) if id_col else pd.Series(np.arange(len(gdf))).astype(str)
    frame = gpd.GeoDataFrame(
        {"site_id": site_ids.to_numpy(), "existing": existing},
        geometry=np.asarray(gdf.geometry.array),
        crs=ctx.net.crs,
    )
    return frame, reach_g


def _segregation_table(
    ctx: _Context, walk: _Walk, envs: list[float], by_area: bool
) -> pd.DataFrame:
    rows: list[tuple[str, str, str, float]] = []
    if len(ctx.pop.groups) >= 2:
        names = ctx.group_names
        if by_area:
            inside = ctx.area_of >= 0
            counts = np.zeros((ctx.n_areas, len(names)))
            np.add.at(counts, ctx.area_of[inside], ctx.group_counts[inside])
            rows += [(i, g, "areas", v) for i, g, v in segregation_indices(counts, names)]
        linked = ctx.linked
        for r, minutes in enumerate(envs):
            scale = f"network_{minutes_label(minutes)}min"
            values = segregation_indices(
                ctx.group_counts[linked], names, environment=walk.env[r][linked]
            )
            rows += [(i, g, scale, v) for i, g, v in values]
    return pd.DataFrame(rows, columns=["index", "group", "scale", "value"])


def _population_layer(
    ctx: _Context, ids: np.ndarray, walk: _Walk, envs: list[float]
) -> gpd.GeoDataFrame:
    out = ctx.pop.points.copy()
    area_ids = np.full(ctx.n_points, None, dtype=object)
    has = ctx.area_of >= 0
    area_ids[has] = ids[ctx.area_of[has]]
    cols: dict[str, Any] = {"area_id": area_ids, "link_m": ctx.link, "status": ctx.status}
    if ctx.pop.groups:
        for r, minutes in enumerate(envs):
            env = walk.env[r]
            tot = env.sum(axis=1)
            for j, name in enumerate(ctx.group_names):
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols[people_column(f"local_share_{name}", minutes=minutes)] = np.where(
                        tot > 0, env[:, j] / np.where(tot > 0, tot, 1.0), np.nan
                    )
    renames = input_renames(out.columns, cols)
    out = out.rename(columns=renames)
    for name, values in cols.items():
        out[name] = values
    return out

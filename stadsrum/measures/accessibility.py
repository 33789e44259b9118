"""Attraction accessibility (place syntax): distance to and reach of attractions.

Conventions follow the Place Syntax Tool (``docs/accessibility.md``): an
attraction point joins the network at the foot of the perpendicular on its
closest street (of its own street level: see :mod:`stadsrum.network.links`),
and that access distance is added to walking distances;
distances from a segment are measured from its midpoint; a radius is a
walking distance in metres, inclusive, or a typed radius (straight metres,
steps, angular degrees: :mod:`stadsrum.measures.typed_radius`) that bounds
reach alone.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from stadsrum.distributed import takes_client
from stadsrum.errors import InputError
from stadsrum.measures._parallel import Scratch, TwoSearches, run_groups, thread_count
from stadsrum.measures.access_graph import AccessGraph, LinkedSide, link_side
from stadsrum.measures.naming import (
    Radius,
    input_renames,
    nearest_column,
    parse_radius_specs,
    reach_column,
    renamed_note,
)
from stadsrum.measures.segment import transition_lengths
from stadsrum.measures.typed_radius import (
    TypedCatchments,
    TypedScratch,
    decay_scale,
    straight_distances,
    within,
)
from stadsrum.network.inputs import check_layer, check_network
from stadsrum.network.links import Links, PolygonMode
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED, checked_options
from stadsrum.progress import ProgressLike, as_progress

__all__ = ["ACCESS_COSTS", "DECAYS", "attraction_accessibility", "decay_weight"]

log = logging.getLogger(__name__)

DECAYS = ("none", "linear", "pow", "curve", "divide", "exponential", "gaussian")
ACCESS_COSTS = ("metric", "time", "angular", "steps")


def decay_weight(d: np.ndarray, radius: float, decay: str, constant: float = 1.0) -> np.ndarray:
    """Weight of an attraction ``d`` metres away under a distance decay.

    ``none``: 1. ``linear`` and ``pow``: 1 − (d/R)^c (PST's "pow"; linear is
    c = 1). ``curve``: PST's S-curve, 1 − ½(2d/R)^c below R/2, ½(2 − 2d/R)^c
    above. ``divide``: (d + 1)^−c. ``exponential``: exp(−4d/R), 0.018 at R.
    ``gaussian``: exp(−4.5 (d/R)²), 0.011 at R. At radius n (R infinite) all
    but ``divide`` are 1.
    """
    d = np.asarray(d, dtype=float)
    if decay == "none":
        return np.ones_like(d)
    if decay == "divide":
        return (d + 1.0) ** (-constant)
    x = np.zeros_like(d) if math.isinf(radius) else d / radius
    if decay in ("linear", "pow"):
        c = 1.0 if decay == "linear" else constant
        return 1.0 - x**c
    if decay == "curve":
        return np.where(x < 0.5, 1.0 - 0.5 * (2 * x) ** constant, 0.5 * (2 - 2 * x) ** constant)
    if decay == "exponential":
        return np.exp(-4.0 * x)
    if decay == "gaussian":
        return np.exp(-4.5 * x**2)
    raise InputError(f"unknown decay '{decay}': choose from {', '.join(DECAYS)}")


@checked_options  # every option before the graph is built (issue 13)
@takes_client
def attraction_accessibility(
    network: StreetNetwork,
    attractions: gpd.GeoDataFrame,
    *,
    radii: str | Iterable[float | int | str] = ("n",),
    cost: str | Sequence[str] = ("metric",),
    decay: str = "none",
    decay_constant: float = 1.0,
    value: str | None = None,
    category: str | None = None,
    origins: gpd.GeoDataFrame | None = None,
    max_link: float = 200.0,
    speed: float = DEFAULT_SPEED,
    step_threshold: float = 0.0,
    polygons: PolygonMode = "centroid",
    attraction_group: str | None = None,
    origin_group: str | None = None,
    attraction_entrances: gpd.GeoDataFrame | None = None,
    origin_entrances: gpd.GeoDataFrame | None = None,
    building_id: str | None = None,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> gpd.GeoDataFrame:
    """Distance to the nearest attraction and attraction reach from every origin.

    Parameters
    ----------
    network
        The prepared street network. By default every segment is an origin,
        measured from its midpoint.
    attractions
        Points, point groups or polygons (joined as ``polygons`` says) with
        optional ``value`` and ``category`` columns. An attraction that joins
        at several points (a building's entrances, a point group) is as far
        from an origin as its nearest point, and its value counts once.
    radii
        Walking radii in metres and/or ``n``, e.g. ``"300,600,n"``, and typed
        radii as PST's: ``straight:500`` (metres as the crow flies),
        ``steps:2`` (direction changes), ``angular:90`` (degrees of turning),
        each a catchment for reach (``reach_r500_straight``, ...; see
        :mod:`~stadsrum.measures.typed_radius`). The nearest-attraction
        columns are bounded by the largest walking radius (none if only
        typed radii are given).
    cost
        ``metric`` (metres, ``nearest_m``), ``time`` (minutes at ``speed``,
        ``nearest_min``), ``angular`` (degrees of turning, ``nearest_angular_deg``)
        and/or ``steps`` (``nearest_steps``), each to the nearest attraction
        within the largest walking radius. Reach counts by walking distance,
        or by a typed radius's own distance.
    decay
        Distance decay of reach: one of :data:`DECAYS` (see
        :func:`decay_weight`), applied to the walking distance; under a typed
        radius to that radius's own distance over its limit (straight metres,
        steps, degrees), as PST does (:func:`~stadsrum.measures.typed_radius.decay_scale`).
    decay_constant
        The exponent c of ``pow``, ``curve`` and ``divide``.
    value
        Column of attraction values (e.g. floor area); reach then sums values.
    category
        Column of attraction categories; adds ``nearest_{category}_m``.
    origins
        Points (address points, places; polygons at their centroid) to use as
        origins instead of the segments; each joins the network like an
        attraction, and both access distances count. Metric and time costs only
        (every radius type).
    max_link
        Attractions (and origins) farther than this from every street are
        left out (logged; such origins get empty values).
    speed, step_threshold
        Walking speed (m/s) for ``time``; degrees a move must turn to count as
        a step (``steps`` cost and ``steps:K`` radii; 0: every move, as PST).
    polygons
        How polygon attractions and origins without entrances join the
        streets: ``"centroid"`` (default), ``"entrances"`` (where streets
        meet them) or ``"boundary:N"`` (points every N metres round the
        outline, a point group).
    attraction_group, origin_group
        Column of a point layer whose points sharing a value form one
        attraction (origin): a point group, its value taken once (the points
        of a group must agree on it).
    attraction_entrances, origin_entrances
        Entrance points of polygon attractions (origins), naming their
        feature in the column ``building_id`` (default ``building_id``): a
        feature with entrances joins through them alone.
    threads, progress
        Worker threads (default all cores); optional progress reporter.
    client
        A ``dask.distributed.Client``: run the searches as tasks on its cluster
        (:mod:`stadsrum.distributed`).

    Returns
    -------
    geopandas.GeoDataFrame
        The network's segments with their columns, plus ``nearest_m`` (NaN
        where no attraction is within the largest radius), ``reach_r{R}`` per
        radius, and the per-cost and per-category nearest columns. With
        ``origins``: the origins with their columns, on their own index (with
        ``origin_group``: a row per group, numbered from 0).

    Examples
    --------
    Key nodes (stations, schools, libraries ...) as attractions in the sample city:

    >>> import geopandas as gpd, stadsrum as sr
    >>> data = sr.sample_data_dir()
    >>> net = sr.read_network(data / "helsinki.osm.pbf")
    >>> nodes = gpd.read_file(data / "helsinki.gpkg", layer="nodes")
    >>> acc = sr.attraction_accessibility(net, nodes, category="category", radii="400,800")
    >>> len(acc) == net.n_edges
    True

    A wider radius reaches at least as much, and the nearest of one kind is
    never nearer than the nearest of all:

    >>> bool((acc["reach_r800"] >= acc["reach_r400"]).all())
    True
    >>> school = acc["nearest_school_m"].notna()
    >>> bool((acc.loc[school, "nearest_school_m"] >= acc.loc[school, "nearest_m"]).all())
    True

    From the places (squares, parks) instead of the segments, one row each:

    >>> places = gpd.read_file(data / "helsinki.gpkg", layer="places")
    >>> from_places = sr.attraction_accessibility(net, nodes, origins=places, radii="800")
    >>> from_places.index.equals(places.index)
    True
    """
    check_network(network, function="attraction_accessibility")
    check_layer(attractions, function="attraction_accessibility", argument="attractions")
    check_layer(
        origins,
        function="attraction_accessibility",
        argument="origins",
        accepts="points",
        optional=True,
    )
    progress = as_progress(progress)
    specs = parse_radius_specs(radii)
    radii_list = [r.limit for r in specs if r.is_walking]
    typed = [r for r in specs if not r.is_walking]
    costs = [c.strip() for c in cost.split(",")] if isinstance(cost, str) else list(cost)
    for c in costs:
        if c not in ACCESS_COSTS:
            raise InputError(f"unknown cost '{c}': choose from {', '.join(ACCESS_COSTS)}")
    if decay not in DECAYS:
        raise InputError(f"unknown decay '{decay}': choose from {', '.join(DECAYS)}")
    if len(attractions) == 0:
        raise InputError("attractions: the layer is empty (no features)")
    values = np.ones(len(attractions))
    if value is not None:
        if value not in attractions.columns:
            raise InputError(f"attractions: no column '{value}' for the value")
        col = pd.to_numeric(attractions[value], errors="coerce")
        if col.isna().any():
            raise InputError(f"attractions: column '{value}' has missing or non-numeric values")
        values = col.to_numpy(float)
        if attraction_group is not None:
            _check_group_values(attractions, attraction_group, value, values)
    if category is not None and category not in attractions.columns:
        raise InputError(f"attractions: no column '{category}' for the category")
    if typed and not 0 <= step_threshold <= 180:
        raise InputError("step_threshold must be between 0 and 180 degrees")

    side = link_side(
        network,
        attractions,
        None,
        what="attractions",
        max_link=max_link,
        polygons=polygons,
        group=attraction_group,
        entrances=attraction_entrances,
        building_id=building_id or "building_id",
    )
    if attraction_group is not None:
        # one value per group: its first point's, which every point of it shares
        values = values[_first_rows(attractions, attraction_group)]
    cats = None
    if category is not None:
        cats = side.gdf[category].astype("string").fillna("").to_numpy(dtype=object)
    if origins is not None:
        origin_side = link_side(
            network,
            origins,
            None,
            what="origins",
            max_link=max_link,
            polygons=polygons,
            group=origin_group,
            entrances=origin_entrances,
            building_id=building_id or "building_id",
        )
        result = _point_origins(
            network,
            origin_side,
            side,
            values,
            cats,
            radii_list,
            typed,
            costs,
            decay,
            decay_constant,
            speed,
            step_threshold,
            threads,
            progress,
        )
        if origin_group is None:  # a row per origin: on the caller's index, so results join back
            result.index = origins.index
        return result
    links = side.links
    if not links.linked.all():
        log.info("attractions: %d not linked to the network", int((~links.linked).sum()))
    graph = network.segment_graph(split="edge")
    n = graph.n_segments
    tmid = transition_lengths(graph)
    extra = [c for c in costs if c in ("angular", "steps")]
    # the nearest columns are bounded by the largest walking radius; typed radii bound reach only
    r_max = radii_list[-1] if radii_list else math.inf

    def tcost_for(c: str) -> np.ndarray:
        if c == "angular":
            return graph.turn_deg
        return (graph.turn_deg >= step_threshold).astype(np.float64)

    nearest = np.full(n, np.inf)
    reach = np.zeros((n, len(radii_list)))
    near_cost = {c: np.full(n, np.inf) for c in extra}
    cat_names = sorted(set(cats)) if cats is not None else []
    near_cat = {k: np.full(n, np.inf) for k in cat_names}
    n_states = 2 * n

    def make_scratch() -> Scratch:
        return TwoSearches(n_states, len(graph.dst), 1)

    def search(i: int, s: Scratch, tcost: np.ndarray, use_cost: bool):
        from stadsrum.kernels.od import attraction_group
        from stadsrum.kernels.search import StateGraph

        assert isinstance(s, TwoSearches)
        metric = StateGraph(graph.indptr, graph.dst, tmid, tmid, graph.length)
        return attraction_group(
            links.edge[i],
            links.pos[i],
            links.link_m[i],
            r_max,
            use_cost,
            metric,
            tcost,
            s.search,
            s.cost,
        )

    def group_search(a: int, s: Scratch, tcost: np.ndarray, use_cost: bool):
        # a feature with several access points (entrances, a point group) is
        # as far from a segment as its nearest point: the least over them
        sl = side.access(a)
        runs = [search(k, s, tcost, use_cost) for k in range(sl.start, sl.stop)]
        if len(runs) == 1:
            return runs[0]
        if not runs:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        segs = np.concatenate([r[0] for r in runs])
        order = np.argsort(segs, kind="stable")
        segs = segs[order]
        first = np.r_[True, segs[1:] != segs[:-1]]
        starts = np.where(first)[0]
        metric = np.minimum.reduceat(np.concatenate([r[1] for r in runs])[order], starts)
        cost = np.fmin.reduceat(np.concatenate([r[2] for r in runs])[order], starts)
        return segs[first], metric, cost

    def consume_metric(a: int, res) -> None:
        segs, metric, _ = res
        np.minimum.at(nearest, segs, metric)
        if cats is not None:
            np.minimum.at(near_cat[cats[a]], segs, metric)
        for r_i, radius in enumerate(radii_list):
            inside = metric <= radius + 1e-9 * (1 + radius)
            w = values[a] * decay_weight(metric[inside], radius, decay, decay_constant)
            np.add.at(reach[:, r_i], segs[inside], w)

    run_groups(
        range(len(side)),
        lambda a, s: group_search(a, s, tmid, False),
        make_scratch,
        threads=thread_count(threads),
        progress=progress,
        label="accessibility",
        total=len(side),
        consume=consume_metric,
    )
    typed_reach = _typed_reach(
        network,
        side,
        values,
        typed,
        decay,
        decay_constant,
        step_threshold,
        threads,
        progress,
        origin_links=None,
    )
    for c in extra:
        target = near_cost[c]
        tc = tcost_for(c)

        def consume_cost(i: int, res, target: np.ndarray = target) -> None:
            segs, _, cost_d = res
            np.minimum.at(target, segs, cost_d)

        def cost_search(a: int, s: Scratch, tc: np.ndarray = tc):
            return group_search(a, s, tc, True)

        run_groups(
            range(len(side)),
            cost_search,
            make_scratch,
            threads=thread_count(threads),
            progress=progress,
            label=f"accessibility ({c})",
            total=len(side),
            consume=consume_cost,
        )

    out = network.edges.copy()
    columns: dict[str, np.ndarray] = {}
    if "metric" in costs or "time" in costs or not extra:
        columns["nearest_m"] = _missing(nearest)
    if "time" in costs:
        columns["nearest_min"] = _missing(nearest) / speed / 60.0
    for c in extra:
        columns["nearest_angular_deg" if c == "angular" else "nearest_steps"] = _missing(
            near_cost[c]
        )
    for r_i, radius in enumerate(radii_list):
        columns[reach_column(radius)] = reach[:, r_i]
    for typed_radius, got in zip(typed, typed_reach, strict=True):
        columns[reach_column(typed_radius)] = got
    for k in cat_names:
        columns[nearest_column(k)] = _missing(near_cat[k])
    out = _keep_input_columns(out, columns, progress)
    result = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    return gpd.GeoDataFrame(result, geometry=out.geometry.name, crs=out.crs)


def _keep_input_columns(
    out: gpd.GeoDataFrame, columns: dict[str, np.ndarray], progress: ProgressLike
) -> gpd.GeoDataFrame:
    """An earlier result as input holds the output names already: keep its columns as
    ``*_input`` (see :func:`~stadsrum.measures.naming.input_renames`)."""
    renames = input_renames(out.columns, columns)
    if not renames:
        return out
    as_progress(progress).message(renamed_note("accessibility", renames))
    return out.rename(columns=renames)


def _missing(a: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(a), a, np.nan)


def _check_group_values(
    attractions: gpd.GeoDataFrame, group: str, value: str, values: np.ndarray
) -> None:
    """Refuse a group whose points disagree on the value (it counts once)."""
    if group not in attractions.columns:
        return  # link_side names the missing column
    spread = pd.Series(values).groupby(attractions[group].to_numpy()).agg(["min", "max"])
    differ = spread.index[(spread["max"] - spread["min"]).abs() > 1e-9].tolist()
    if differ:
        raise InputError(
            f"attractions: the points of group {', '.join(map(str, differ[:5]))} "
            f"('{group}') have different values in '{value}'; a group is one attraction and "
            "its value counts once: give every point of a group the group's value"
        )


def _first_rows(gdf: gpd.GeoDataFrame, group: str) -> np.ndarray:
    """Row position of each group's first point, in the order of :func:`group_points`."""
    codes, _ = pd.factorize(gdf[group], sort=False)
    first: np.ndarray = np.unique(codes, return_index=True)[1]
    return first


def _point_origins(
    network: StreetNetwork,
    origin_side: LinkedSide,
    side: LinkedSide,
    values: np.ndarray,
    cats: np.ndarray | None,
    radii_list: list[float],
    typed: list[Radius],
    costs: list[str],
    decay: str,
    decay_constant: float,
    speed: float,
    step_threshold: float,
    threads: int | None,
    progress: ProgressLike,
) -> gpd.GeoDataFrame:
    """Accessibility from points: one search per attraction to every origin's access points.

    An attraction with several access points is searched from all of them at
    once (each starting at its link distance), so it counts once, at its
    nearest point; an origin takes its best access point.
    """
    if set(costs) - {"metric", "time"}:
        raise InputError("point origins take the metric and time costs only")
    olinks = origin_side.links
    graph = AccessGraph(network)
    n_o = olinks.n_features
    nearest = np.full(n_o, np.inf)
    reach = np.zeros((n_o, len(radii_list)))
    cat_names = sorted(set(cats)) if cats is not None else []
    near_cat = {k: np.full(n_o, np.inf) for k in cat_names}
    r_max = radii_list[-1] if radii_list else math.inf

    def work(a: int, s: Scratch) -> np.ndarray | None:
        start = side.starts(a)
        if start is None:
            return None
        net, *_ = graph.od_search(start, olinks.edge, olinks.pos, s, limit=r_max)
        best = np.full(n_o, np.inf)
        np.minimum.at(best, olinks.owner, net + olinks.link_m)
        return best

    def consume(a: int, best: np.ndarray | None) -> None:
        if best is None:
            return
        np.minimum(nearest, best, out=nearest)
        if cats is not None:
            np.minimum(near_cat[cats[a]], best, out=near_cat[cats[a]])
        for r_i, radius in enumerate(radii_list):
            inside = best <= radius + 1e-9 * (1 + radius)
            reach[inside, r_i] += values[a] * decay_weight(
                best[inside], radius, decay, decay_constant
            )

    run_groups(
        range(len(side)),
        work,
        lambda: graph.scratch(side.max_access),
        threads=thread_count(threads),
        progress=progress,
        label="accessibility",
        total=len(side),
        consume=consume,
    )
    typed_reach = _typed_reach(
        network,
        side,
        values,
        typed,
        decay,
        decay_constant,
        step_threshold,
        threads,
        progress,
        origin_links=olinks,
    )
    in_reach = np.where(nearest <= r_max + 1e-9 * (1 + r_max), nearest, np.inf)
    columns: dict[str, np.ndarray] = {"nearest_m": _missing(in_reach)}
    if "time" in costs:
        columns["nearest_min"] = columns["nearest_m"] / speed / 60.0
    for r_i, radius in enumerate(radii_list):
        columns[reach_column(radius)] = reach[:, r_i]
    for typed_radius, got in zip(typed, typed_reach, strict=True):
        columns[reach_column(typed_radius)] = got
    for k in cat_names:
        near = np.where(near_cat[k] <= r_max + 1e-9 * (1 + r_max), near_cat[k], np.inf)
        columns[nearest_column(k)] = _missing(near)
    columns["status"] = olinks.status
    out = origin_side.gdf
    out = _keep_input_columns(out, columns, progress)
    result = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    return gpd.GeoDataFrame(result, geometry=out.geometry.name, crs=network.edges.crs)


def _typed_reach(
    network: StreetNetwork,
    side: LinkedSide,
    values: np.ndarray,
    typed: list[Radius],
    decay: str,
    decay_constant: float,
    step_threshold: float,
    threads: int | None,
    progress: ProgressLike,
    *,
    origin_links: Links | None,
) -> list[np.ndarray]:
    """Reach within each typed radius, one array per radius.

    The origins are the segments (``origin_links`` ``None``: a segment is at its
    midpoint for ``straight``) or the access points of point origins (their
    :class:`~stadsrum.network.links.Links`; an origin takes its best access
    point). An attraction counts once per origin, at its nearest member,
    weighted by ``decay`` over the radius's own distance (:func:`decay_scale`).
    """
    if not typed:
        return []
    catch = TypedCatchments(network, step_threshold=step_threshold)
    return [
        _reach_within(
            radius, catch, side, values, decay, decay_constant, origin_links, threads, progress
        )
        for radius in typed
    ]


def _reach_within(
    radius: Radius,
    catch: TypedCatchments,
    side: LinkedSide,
    values: np.ndarray,
    decay: str,
    decay_constant: float,
    olinks: Links | None,
    threads: int | None,
    progress: ProgressLike,
) -> np.ndarray:
    """Reach within one typed radius: one search (or straight distances) per attraction."""
    n_out = catch.n_segments if olinks is None else olinks.n_features
    reach = np.zeros(n_out)
    scale = decay_scale(radius)
    links = side.links
    # the origins' points: segments at their midpoints, or the origins' access points
    targets = catch.midpoints if olinks is None else olinks.origin_xy

    def work(a: int, s: TypedScratch) -> tuple[np.ndarray, np.ndarray] | None:
        """The targets within the radius of attraction ``a`` and their distances."""
        sl = side.access(a)
        if sl.stop == sl.start:
            return None  # not joined to the streets: left out, as everywhere
        if radius.kind == "straight":
            d = straight_distances(links.origin_xy[sl], targets)
            idx = np.flatnonzero(within(d, radius.limit))
            return idx, d[idx]
        segs, cost = catch.network_catchment(radius, links.edge[sl], s)
        if olinks is None:
            return segs, cost
        at_seg = np.full(catch.n_segments, np.inf)
        at_seg[segs] = cost
        at_access = at_seg[olinks.edge]
        idx = np.flatnonzero(np.isfinite(at_access))
        return idx, at_access[idx]

    def consume(a: int, res: tuple[np.ndarray, np.ndarray] | None) -> None:
        if res is None:
            return
        idx, d = res
        if olinks is not None:  # an origin takes its best access point
            best = np.full(n_out, np.inf)
            np.minimum.at(best, olinks.owner[idx], d)
            idx = np.flatnonzero(np.isfinite(best))
            d = best[idx]
        reach[idx] += values[a] * decay_weight(d, scale, decay, decay_constant)

    run_groups(
        range(len(side)),
        work,
        lambda: catch.scratch(side.max_access),
        threads=thread_count(threads),
        progress=progress,
        label=f"accessibility ({radius.spec})",
        total=len(side),
        consume=consume,
    )
    return reach

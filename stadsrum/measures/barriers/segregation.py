"""Barriers and segregation: what each barrier does to the meeting of areas.

Two questions a planner working against segregation asks of a railway or a
river (``docs/areas.md``, "Barriers and segregation"):

1. *Per barrier*: if it were permeable (the counterfactual of
   :func:`~stadsrum.measures.barriers.effect.permeable_links`), how much
   closer would the areas on its two sides be (``mean_m`` of the area
   matrix) and how much lower the network segregation indices (``D~``,
   ``H~`` within R minutes)? :func:`~stadsrum.measures.areas.area_analysis`
   is run once on the real network and once per barrier on the permeable
   one: one full areas run per barrier.
2. *Per candidate crossing*: how much shorter do the routes between residents
   of **different** areas become? The pair weight ``p_i p_j`` for residents
   ``i``, ``j`` in different areas (0 within an area) is no product of a
   place weight and a node weight, so the residents are both the places and
   the nodes of one :func:`~stadsrum.measures.access_graph.od_matrix` and the
   weight is given per pair to
   :func:`~stadsrum.measures.barriers.candidates.rank_candidates`: the same
   exact min formula as the distance ranking. Residents at the same spot and
   in the same area are first merged (exact: they share every distance), so
   the pairs are those of distinct resident points.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.io.population import Population, read_population
from stadsrum.measures.access_graph import od_matrix, street_view
from stadsrum.measures.areas.analysis import area_analysis
from stadsrum.measures.barriers.candidates import candidate_links, rank_candidates
from stadsrum.measures.barriers.effect import permeable_links
from stadsrum.measures.naming import minutes_label
from stadsrum.network.barriers import BarrierSet, add_links, read_barrier_layer
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED, checked_options
from stadsrum.progress import ProgressLike, as_progress, check_cancelled

__all__ = ["MAX_RESIDENT_POINTS", "NETWORK_INDICES", "barrier_segregation"]

#: Most distinct resident points the ranking between areas takes: it holds every
#: resident-to-resident distance (and works through them per candidate), so 3,000
#: points are 9 million pairs, some 70 MB per array.
MAX_RESIDENT_POINTS = 3000

#: The network-scale indices reported per barrier (``D~`` and ``H~``).
NETWORK_INDICES = ("dissimilarity", "information")


@checked_options  # every option before any search (issue 13)
def barrier_segregation(
    network: StreetNetwork,
    barriers: gpd.GeoDataFrame | BarrierSet,
    population: gpd.GeoDataFrame | Population,
    areas: gpd.GeoDataFrame,
    *,
    area_id: str | None = None,
    population_column: str | None = None,
    groups: Sequence[str] | str | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    environment: Sequence[float] | float = (10.0,),
    gap: float = 150.0,
    max_link_length: float = 150.0,
    candidate_spacing: float = 100.0,
    best_k: int = 0,
    speed: float = DEFAULT_SPEED,
    max_link: float = 200.0,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Barriers between areas: their cost to the areas' meeting, and crossings that help.

    Parameters
    ----------
    network, barriers
        The street network and the barriers (a layer read with
        :func:`~stadsrum.network.barriers.read_barrier_layer`, or a set).
    population, areas, area_id, population_column, groups, buildings
        As in :func:`~stadsrum.measures.areas.area_analysis`; ``buildings``
        also keeps candidate links out of buildings.
    candidates
        Candidate links (default :func:`candidate_links` up to
        ``max_link_length`` metres).
    environment
        Minutes of the local environments of the network indices.
    gap
        Widest gap bridged by the permeable counterfactual, metres.
    candidate_spacing, best_k
        As in :func:`rank_candidates`.

    Returns
    -------
    (barrier_segregation, candidate_links_segregation)
        ``barrier_segregation``: per barrier and pair of different areas
        joined by its permeable links (one row with no areas when all links
        stay in one area; barriers without permeable links are left out, as
        in the barrier effect), barrier geometry: ``barrier_id``,
        ``category``, ``links_added``, ``from_area``, ``to_area``,
        ``area_links`` (links joining the two), ``mean_m`` (today's
        population-weighted mean walking distance between their residents),
        ``mean_m_after`` (barrier permeable), ``mean_m_change`` (after −
        today: negative is closer) and, with two or more groups, per index
        ``{index}_{R}min``, ``{index}_{R}min_after`` and
        ``{index}_{R}min_change`` for the city's network-scale
        ``dissimilarity`` (D~) and ``information`` (H~).
        ``candidate_links_segregation``: the ranking of :func:`rank_candidates`
        with pair weight ``p_i p_j`` over unordered pairs of residents of
        different areas: ``gain_m`` (person-pair metres saved),
        ``mean_m_reduction`` (= ``gain_m`` / the weight of the pairs with a
        route today: how much the mean distance between residents of
        different areas falls), ``pairs_improved`` and ``pairs_connected``
        (unordered pairs of resident points in different areas), ``rank``.
    """
    progress = as_progress(progress)
    bset = barriers if isinstance(barriers, BarrierSet) else read_barrier_layer(barriers, network)
    if isinstance(population, Population):
        pop = population
    else:
        if isinstance(groups, str):
            groups = [g.strip() for g in groups.split(",") if g.strip()]
        pop = read_population(
            population,
            crs=network.crs,
            total=population_column,
            groups=groups,
            buildings=buildings,
            streets=street_view(network).edges,
        )
    envs = sorted({float(v) for v in np.atleast_1d(environment)})
    run_opts = {
        "areas": areas,
        "area_id": area_id,
        "thresholds": envs,
        "environment": envs,
        "speed": speed,
        "max_link": max_link,
        "threads": threads,
    }
    progress.message("areas on the real network")
    base = area_analysis(network, pop, progress=progress, **run_opts)
    # the areas as the areas run read them: ids as text, in the network's CRS
    ids = base.areas["area_id"].astype(str).to_numpy(dtype=object)
    polys = np.asarray(base.areas.geometry.array, dtype=object)
    base_mean = _pair_means(base.area_matrix)
    base_idx = _network_indices(base.segregation, envs)
    rows: list[dict[str, object]] = []
    geoms: list[shapely.Geometry] = []
    for g in range(bset.n_barriers):
        check_cancelled(progress)
        links = permeable_links(network, bset, g, gap=gap)
        if len(links) == 0:
            continue
        progress.message(f"areas with barrier {bset.ids[g]} permeable ({len(links)} links)")
        cf_net = add_links(network, links, what="permeable links")
        after = area_analysis(cf_net, pop, progress=progress, **run_opts)
        after_mean = _pair_means(after.area_matrix)
        after_idx = _network_indices(after.segregation, envs)
        ends = np.stack(
            [
                _first_containing(polys, shapely.points(network.node_xy[links[c].to_numpy()]))
                for c in ("from_node", "to_node")
            ],
            axis=1,
        )
        ends = ends[(ends >= 0).all(axis=1) & (ends[:, 0] != ends[:, 1])]
        pairs: dict[tuple[str, str], int] = {}
        for x, y in ends:
            lo, hi = sorted((str(ids[x]), str(ids[y])))
            pairs[lo, hi] = pairs.get((lo, hi), 0) + 1
        common: dict[str, object] = {
            "barrier_id": bset.ids[g],
            "category": bset.categories[g],
            "links_added": len(links),
        }
        for col, value in base_idx.items():
            common[col] = value
            common[f"{col}_after"] = after_idx[col]
            common[f"{col}_change"] = after_idx[col] - value
        line = shapely.union_all(np.atleast_1d(bset.barrier_lines(g)))
        for (fa, ta), n in sorted(pairs.items()) or [((None, None), 0)]:  # type: ignore[list-item]
            before_m = base_mean.get((fa, ta), np.nan)
            after_m = after_mean.get((fa, ta), np.nan)
            rows.append(
                {
                    **common,
                    "from_area": fa,
                    "to_area": ta,
                    "area_links": n,
                    "mean_m": before_m,
                    "mean_m_after": after_m,
                    "mean_m_change": after_m - before_m,
                }
            )
            geoms.append(line)
    crs = network.edges.crs
    order = ["barrier_id", "category", "links_added", "from_area", "to_area", "area_links"]
    order += ["mean_m", "mean_m_after", "mean_m_change"]
    for col in base_idx:
        order += [col, f"{col}_after", f"{col}_change"]
    table = pd.DataFrame(rows, columns=order)
    barrier_layer = gpd.GeoDataFrame(table, geometry=geoms, crs=crs)
    # each resident's area as the areas run assigned it (row for row with the points)
    resident_area = pd.Series(base.population["area_id"]).map({a: k for k, a in enumerate(ids)})
    ranking = _rank_between_areas(
        network,
        bset,
        pop,
        resident_area.fillna(-1).to_numpy(np.int64),
        candidates=candidates,
        buildings=buildings,
        max_link_length=max_link_length,
        candidate_spacing=candidate_spacing,
        best_k=best_k,
        speed=speed,
        max_link=max_link,
        threads=threads,
        progress=progress,
    )
    return barrier_layer, ranking


def _first_containing(polys: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Row of the first polygon covering each point (boundary included), else -1.

    The rule of the areas analysis for residents, here for the permeable links' ends.
    """
    out = np.full(len(points), -1, dtype=np.int64)
    if len(polys) == 0 or len(points) == 0:
        return out
    pt_i, poly_i = shapely.STRtree(polys).query(points, predicate="intersects")
    # lowest polygon row per point: visit hits from the highest row down, last write wins
    order = np.argsort(-poly_i, kind="stable")
    out[pt_i[order]] = poly_i[order]
    return out


def _pair_means(matrix: pd.DataFrame) -> dict[tuple[str, str], float]:
    """``mean_m`` by (from_area, to_area); the matrix is symmetric (walking both ways)."""
    return {
        (str(f), str(t)): float(m)
        for f, t, m in zip(matrix["from_area"], matrix["to_area"], matrix["mean_m"], strict=True)
    }


def _network_indices(table: pd.DataFrame, envs: list[float]) -> dict[str, float]:
    """``{index}_{R}min`` → the city's network-scale D~ and H~ (none without groups)."""
    out: dict[str, float] = {}
    for minutes in envs:
        scale = f"network_{minutes_label(minutes)}min"
        for index in NETWORK_INDICES:
            hit = table[(table["index"] == index) & (table["scale"] == scale)]
            if len(hit):
                out[f"{index}_{minutes_label(minutes)}min"] = float(hit["value"].iloc[0])
    return out


def _rank_between_areas(
    network: StreetNetwork,
    bset: BarrierSet,
    pop: Population,
    area: np.ndarray,
    *,
    candidates: gpd.GeoDataFrame | None,
    buildings: gpd.GeoDataFrame | None,
    max_link_length: float,
    candidate_spacing: float,
    best_k: int,
    speed: float,
    max_link: float,
    threads: int | None,
    progress: ProgressLike,
) -> gpd.GeoDataFrame:
    """Candidate links ranked by the shortening of routes between residents of different areas."""
    pts = np.asarray(pop.points.geometry.array, dtype=object)
    # residents join the streets at their point, polygons at their centre (as the areas run)
    pts = np.where(shapely.get_type_id(pts) == 0, pts, shapely.centroid(pts))
    people = pop.points[pop.total].to_numpy(dtype=float)
    keep = (area >= 0) & (people > 0)
    xy = np.round(shapely.get_coordinates(pts[keep]), 3)
    # one resident point per spot and area: exact, they share every distance
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "area": area[keep], "p": people[keep]})
    merged = frame.groupby(["x", "y", "area"], as_index=False, sort=True)["p"].sum()
    if merged["area"].nunique() < 2:
        raise InputError(
            "areas: residents live in fewer than two of the areas; the crossings between "
            "areas need residents in at least two"
        )
    if len(merged) > MAX_RESIDENT_POINTS:
        raise InputError(
            f"population: {len(merged):,} resident points; the ranking of crossings between "
            f"areas compares every pair and takes at most {MAX_RESIDENT_POINTS:,}: give "
            "coarser population (e.g. per grid square or per building block), or cut the "
            "study area with --where/--clip"
        )
    res = gpd.GeoDataFrame(
        {"place_id": np.arange(len(merged)), "node_id": np.arange(len(merged))},
        geometry=shapely.points(merged[["x", "y"]].to_numpy()),
        crs=network.edges.crs,
    )
    progress.message(f"routes between {len(res):,} resident points")
    od = od_matrix(
        network,
        res,
        res,
        max_link=max_link,
        polygons="centroid",
        threads=threads,
        progress=progress,
    )
    # the od matrix keeps the rows of the linked points; look their areas and people up
    p_id = np.asarray(od.places.ids, dtype=np.int64)
    n_id = np.asarray(od.nodes.ids, dtype=np.int64)
    p = merged["p"].to_numpy(float)
    a = merged["area"].to_numpy(np.int64)
    # unordered pairs: each appears twice in the places x nodes matrix
    pair_w = 0.5 * p[p_id][:, None] * p[n_id][None, :] * (a[p_id][:, None] != a[n_id][None, :])
    reached = float(pair_w[np.isfinite(od.total_m)].sum())
    cands = (
        candidates
        if candidates is not None
        else candidate_links(network, bset, max_length=max_link_length, buildings=buildings)
    )
    ranking = rank_candidates(
        network,
        od,
        cands,
        pair_weight=pair_w,
        thresholds=(),
        speed=speed,
        best_k=best_k,
        candidate_spacing=candidate_spacing,
        threads=threads,
        progress=progress,
    )
    # distances are the same both ways: each resident pair was counted twice
    for col in ("pairs_improved", "pairs_connected"):
        ranking[col] = ranking[col] // 2
    ranking.insert(
        ranking.columns.get_loc("gain_m") + 1,
        "mean_m_reduction",
        ranking["gain_m"] / reached if reached > 0 else np.nan,
    )
    return ranking

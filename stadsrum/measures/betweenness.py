"""Attraction betweenness and OD betweenness of street segments (PST's place syntax).

How many trips between weighted origins and destinations pass along each
street segment, when every trip takes a least-cost route (``docs/betweenness.md``):

- **attraction betweenness**: every origin sends ``W(o)·w(d)`` to every
  attraction ``d`` within the radius (without origins, the attractions are the
  origins and each pair of attractions counts once, as PST's Attraction
  Betweenness);
- **OD betweenness**, ``mode="all"``: an origin's weight ``W(o)`` is shared
  over the destinations within the radius in proportion to their weights,
  ``W(o)·w(d)/Σw``; ``mode="closest"``: all of ``W(o)`` goes to the closest
  destination (PST's OD Betweenness, both destination modes).

Origins and destinations join the streets as places do
(:func:`~stadsrum.measures.access_graph.link_side`); a route walks both links
and the radius is metres along the whole route, links included, or a typed
radius: the steps or degrees of the least-cost route, or routes kept within a
straight-line disc round the origin (``docs/betweenness.md``). Equal-cost
routes share a trip equally, as in ``choice``. A segment is credited with
every trip whose route walks any part of it, the partial walks on the
origin's and the destination's segments included.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from stadsrum.distributed import takes_client
from stadsrum.errors import InputError, NetworkError
from stadsrum.measures._parallel import run_groups_summed, thread_count
from stadsrum.measures.access_graph import AccessGraph, LinkedSide, link_side, street_view
from stadsrum.measures.naming import Radius, parse_costs, parse_radius_specs, segment_column
from stadsrum.network.links import PolygonMode
from stadsrum.network.model import StreetNetwork
from stadsrum.options import checked_options
from stadsrum.progress import ProgressLike, as_progress

__all__ = ["BETWEENNESS_COSTS", "betweenness", "betweenness_columns"]

log = logging.getLogger(__name__)

#: Costs a betweenness route can minimise.
BETWEENNESS_COSTS = ("metric", "angular", "steps")

Mode = Literal["all", "closest"]


def betweenness_columns(
    kind: str, costs: list[str], radii: list[float] | list[Radius]
) -> list[str]:
    """Output column names, ``{kind}_betweenness_{cost}_r{radius}`` (``r2_steps``, …)."""
    return [segment_column(f"{kind}_betweenness", c, r) for c in costs for r in radii]


def _weights(side: LinkedSide, column: str | None, *, what: str, option: str) -> np.ndarray:
    """Each feature's weight from ``column`` (1 each without one), checked."""
    if column is None:
        return np.ones(len(side))
    gdf = side.gdf
    if column not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(
            f"{what}: no column '{column}' for the weight ({option}); columns: {cols or 'none'}"
        )
    values = pd.to_numeric(gdf[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(float, na_value=np.nan))
    if bad.any():
        rows = ", ".join(map(str, np.where(bad.to_numpy())[0][:10]))
        raise InputError(
            f"{what}: column '{column}' ({option}) has missing or non-numeric weights "
            f"(rows {rows}); give every feature a number (0 leaves it out)"
        )
    out = values.to_numpy(float)
    if (out < 0).any():
        rows = ", ".join(map(str, np.where(out < 0)[0][:10]))
        raise InputError(
            f"{what}: column '{column}' ({option}) has negative weights (rows {rows}); "
            "weights are counts of people or trips, 0 or more"
        )
    return out


def _transition_costs(graph: AccessGraph, cost: str, step_threshold: float) -> np.ndarray:
    """Per-transition cost: metres of the entered segment, degrees turned, or steps."""
    if cost == "metric":
        return np.ascontiguousarray(graph.tcost, dtype=np.float64)
    if cost == "angular":
        # degrees, as PST's angular distance (choice's angular scale is degrees/90)
        return np.ascontiguousarray(graph.turn, dtype=np.float64)
    if not 0 <= step_threshold <= 180:
        raise InputError("step_threshold must be between 0 and 180 degrees")
    return (np.asarray(graph.turn) >= step_threshold).astype(np.float64)


def _radius_lengths(
    graph: AccessGraph, radius: Radius, step_threshold: float
) -> tuple[np.ndarray, float, bool, float]:
    """``(tlen, limit, along, disc)``: what a radius bounds, as the kernel takes it.

    Walking: the route's metres, links included, at most ``limit``. Steps and
    angular: the steps or degrees of the least-cost route (``tlen`` per move,
    ``along`` false: nothing is paid on the origin's or destination's own
    segment). Straight: no length limit; routes stay within ``disc`` metres of
    the origin's point (:class:`~stadsrum.kernels.betweenness.Limit`).
    """
    metres = np.ascontiguousarray(graph.tcost, dtype=np.float64)  # the entered segment's
    if radius.kind in ("steps", "angular"):
        return _transition_costs(graph, radius.kind, step_threshold), radius.limit, False, np.inf
    if radius.kind == "straight":
        return metres, np.inf, True, radius.limit
    return metres, radius.limit, True, np.inf


@checked_options  # every option before any search (issue 13)
@takes_client
def betweenness(
    network: StreetNetwork,
    origins: gpd.GeoDataFrame | None = None,
    destinations: gpd.GeoDataFrame | None = None,
    *,
    attractions: gpd.GeoDataFrame | None = None,
    origin_weight: str | None = None,
    destination_weight: str | None = None,
    radii: str | list[float | int | str] = "n",
    cost: str | list[str] = "metric",
    mode: Mode = "all",
    max_link: float = 200.0,
    polygons: PolygonMode = "centroid",
    step_threshold: float = 0.0,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> gpd.GeoDataFrame:
    """Attraction or OD betweenness of every street segment.

    Parameters
    ----------
    network
        The street network.
    origins
        Where trips start (points, polygons); weighted by ``origin_weight``.
        May be left out with ``attractions``: the attractions are then the
        origins too, and each pair of them counts once (PST).
    destinations
        OD betweenness: where trips end, weighted by ``destination_weight``;
        each origin's weight is shared over them as ``mode`` says.
    attractions
        Attraction betweenness (instead of ``destinations``): each origin
        sends ``W(o)·w(d)`` to every attraction within the radius.
    origin_weight, destination_weight
        Weight columns (people, jobs, visits); 1 each when left out. Weights
        of 0 leave a feature out.
    radii
        Most metres of a route, its links included (``"400,800,n"``), or a
        typed radius (``straight:500``, ``steps:2``, ``angular:90``,
        ``docs/betweenness.md``): the steps or degrees of the least-cost route
        (0 on the origin's and the destination's own segments), or routes
        within that many metres of the origin's point as the crow flies.
    cost
        What a route minimises: ``metric`` (metres), ``angular`` (degrees
        turned), ``steps`` (turns of at least ``step_threshold`` degrees,
        every change of segment with 0); a list for several.
    mode
        OD betweenness only: ``all`` reachable destinations or the ``closest``
        one (by cost, then metres; equally close ones share in proportion to
        their weights).
    max_link, polygons
        How features join the streets (:func:`~stadsrum.measures.access_graph.link_side`).
    threads, progress
        Worker threads (default all cores); progress and cancel.
    client
        A ``dask.distributed.Client``: run the origins as tasks on its cluster
        (:mod:`stadsrum.distributed`); the flows agree with the local engine's
        to float rounding (their sums are added in another order).

    Returns
    -------
    geopandas.GeoDataFrame
        The network's segments with one column per cost and radius:
        ``od_betweenness_{cost}_r{radius}`` or
        ``attraction_betweenness_{cost}_r{radius}`` (trips, as weights).
    """
    from stadsrum.kernels.betweenness import (
        ATTRACTION,
        OD_ALL,
        OD_CLOSEST,
        Incoming,
        Origins,
        Targets,
        betweenness_chunk,
        betweenness_scratch,
    )
    from stadsrum.kernels.search import StateGraph

    progress = as_progress(progress)
    if (destinations is None) == (attractions is None):
        raise InputError(
            "betweenness: give either destinations (OD betweenness) or attractions "
            "(attraction betweenness), not both or neither"
        )
    kind = "od" if destinations is not None else "attraction"
    if kind == "od" and origins is None:
        raise InputError("betweenness: OD betweenness needs origins (--origins)")
    if mode not in ("all", "closest"):
        raise InputError(f"betweenness: unknown mode '{mode}': choose all or closest")
    if kind == "attraction" and mode != "all":
        raise InputError(
            "betweenness: --mode closest is for OD betweenness (--destinations); "
            "attraction betweenness routes to every attraction within the radius"
        )
    costs = parse_costs(cost)
    for c in costs:
        if c not in BETWEENNESS_COSTS:
            raise InputError(
                f"betweenness: cost '{c}' is not supported here; choose from "
                f"{', '.join(BETWEENNESS_COSTS)}"
            )
    radii_list = parse_radius_specs(radii)
    if not 0 <= step_threshold <= 180:  # before any search (steps cost or radius)
        raise InputError("step_threshold must be between 0 and 180 degrees")
    if not max_link > 0:
        raise InputError("max_link must be positive (metres)")

    streets = street_view(network)
    target_gdf = destinations if destinations is not None else attractions
    assert target_gdf is not None
    target_what = "destinations" if kind == "od" else "attractions"
    target = link_side(
        streets, target_gdf, None, what=target_what, max_link=max_link, polygons=polygons
    )
    w_target = _weights(target, destination_weight, what=target_what, option="--destination-weight")
    same = origins is None
    if same:
        source, w_source = target, w_target
    else:
        source = link_side(
            streets, origins, None, what="origins", max_link=max_link, polygons=polygons
        )
        w_source = _weights(source, origin_weight, what="origins", option="--origin-weight")
    if not source.links.linked.any():
        raise NetworkError(
            f"origins: none of the {len(source)} is within {max_link:g} m of a street; "
            "check the layers' coordinate systems or raise --max-link"
        )
    unlinked = int(len(source) - len(np.unique(source.links.owner)))
    if unlinked:
        log.info(
            "origins: %d of %d are not joined to a street and send no trips", unlinked, len(source)
        )

    graph = AccessGraph(network)
    n_edges = len(graph.length)
    n_states = 2 * n_edges
    seglen = np.ascontiguousarray(graph.length, dtype=np.float64)
    indptr = np.ascontiguousarray(graph.indptr, dtype=np.int64)
    dst = np.ascontiguousarray(graph.dst, dtype=np.int64)
    links = target.links
    order = np.argsort(links.edge, kind="stable")
    d_ptr = np.zeros(n_edges + 1, dtype=np.int64)
    np.cumsum(np.bincount(links.edge, minlength=n_edges), out=d_ptr[1:])
    d_pos = np.ascontiguousarray(links.pos[order], dtype=np.float64)
    d_link = np.ascontiguousarray(links.link_m[order], dtype=np.float64)
    d_edge = np.ascontiguousarray(links.edge[order], dtype=np.int64)
    d_weight = np.ascontiguousarray(w_target, dtype=np.float64)
    # the most an arrival can cost less than the state walking past its access point
    # (metric cost): the longer part of its segment less its link (closest mode stops by it)
    slack = np.maximum(d_pos, seglen[d_edge] - d_pos) - d_link
    targets_by_cost = {
        along: Targets(
            d_ptr,
            np.ascontiguousarray(links.owner[order], dtype=np.int64),
            d_pos,
            d_link,
            d_edge,
            d_weight,
            float(max(slack.max(initial=0.0), 0.0)) if along else 0.0,
            int((d_weight > 0).sum()),
            np.ascontiguousarray(links.origin_xy[order], dtype=np.float64).reshape(-1, 2),
            np.ascontiguousarray(links.xy[order], dtype=np.float64).reshape(-1, 2),
        )
        for along in (False, True)
    }
    # the transitions by the state they enter: back-propagation follows routes backwards
    moves_in = np.argsort(dst, kind="stable").astype(np.int64)
    in_ptr = np.zeros(n_states + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n_states), out=in_ptr[1:])
    move_source = np.repeat(np.arange(n_states, dtype=np.int64), np.diff(indptr))
    incoming = Incoming(in_ptr, moves_in, np.ascontiguousarray(move_source[moves_in]))
    sources = [i for i in range(len(source)) if w_source[i] > 0 and source.starts(i) is not None]
    origins_arr = Origins(
        np.ascontiguousarray(source.start_of, dtype=np.int64),
        np.ascontiguousarray(source.links.edge, dtype=np.int64),
        np.ascontiguousarray(source.links.pos, dtype=np.float64),
        np.ascontiguousarray(source.links.link_m, dtype=np.float64),
        np.ascontiguousarray(w_source, dtype=np.float64),
        np.ascontiguousarray(source.links.origin_xy, dtype=np.float64).reshape(-1, 2),
        np.ascontiguousarray(source.links.xy, dtype=np.float64).reshape(-1, 2),
    )
    # the junction each state heads for (straight radius: the disc it must stay in)
    head_xy = np.ascontiguousarray(np.asarray(network.node_xy, dtype=np.float64)[graph.head])
    kernel_mode = ATTRACTION if kind == "attraction" else (OD_ALL if mode == "all" else OD_CLOSEST)
    n_threads = thread_count(threads)
    # origins go to the kernel in chunks: one call per origin would cost more than a
    # short search; enough chunks remain to share among the threads and to cancel between
    size = max(1, min(64, len(sources) // (8 * n_threads)))
    chunks = [
        np.asarray(sources[k : k + size], dtype=np.int64) for k in range(0, len(sources), size)
    ]

    out = gpd.GeoDataFrame(network.edges.copy(), geometry=network.edges.geometry.name)
    for c in costs:
        tcost = _transition_costs(graph, c, step_threshold)
        along = c == "metric"
        targets = targets_by_cost[along]
        for spec in radii_list:
            r_tlen, radius, len_along, disc = _radius_lengths(graph, spec, step_threshold)
            # a steps or degrees radius under another cost: the least-cost route may
            # run beyond it, so the search goes on past it (Limit.prune)
            prune = len_along or spec.kind == c
            state_graph = StateGraph(indptr, dst, tcost, r_tlen, seglen)

            def make() -> Any:
                return betweenness_scratch(
                    n_states, len(dst), len(d_pos), len(target), source.max_access
                )

            def work(
                chunk: np.ndarray,
                s: Any,
                radius: float = radius,
                along: bool = along,
                state_graph: Any = state_graph,
                targets: Any = targets,
                len_along: bool = len_along,
                prune: bool = prune,
                disc: float = disc,
            ) -> int:
                return int(
                    betweenness_chunk(
                        chunk,
                        origins_arr,
                        same,
                        kernel_mode,
                        float(radius),
                        along,
                        state_graph,
                        incoming,
                        targets,
                        s,
                        len_along,
                        prune,
                        float(disc),
                        head_xy,
                    )
                )

            column = segment_column(f"{kind}_betweenness", c, spec)
            reached, flows = run_groups_summed(
                chunks,
                work,
                make,
                lambda s: s.out,
                threads=n_threads,
                progress=progress,
                label=f"{kind} betweenness ({c}, r{column.rsplit('_r', 1)[1]})",
                total=len(chunks),
            )
            total = np.zeros(n_edges)
            if flows is not None:
                total += flows
            if same:
                total *= 0.5  # each pair of attractions was routed both ways
            out[column] = total
            none = int(sum(reached))
            if none:
                progress.message(
                    f"{column}: {none} of {len(sources)} origins reach no "
                    f"{target_what[:-1]} within the radius and add nothing"
                )
    return out

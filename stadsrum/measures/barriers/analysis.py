"""The whole barrier analysis (``stadsrum barriers``) in one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely

from stadsrum.errors import InputError
from stadsrum.measures.access_graph import od_matrix
from stadsrum.measures.barriers.candidates import candidate_links, rank_candidates
from stadsrum.measures.barriers.detour import detour_pairs, detour_surface
from stadsrum.measures.barriers.effect import barrier_effect
from stadsrum.measures.barriers.inventory import barrier_inventory
from stadsrum.measures.barriers.scenario import evaluate_scenario
from stadsrum.messages import count
from stadsrum.network.barriers import BarrierSet, read_barrier_layer
from stadsrum.network.model import StreetNetwork
from stadsrum.options import DEFAULT_SPEED, checked_options
from stadsrum.progress import ProgressLike, as_progress

__all__ = ["BarrierResult", "barrier_analysis"]


@dataclass
class BarrierResult:
    """Outputs of :func:`barrier_analysis`, keyed by GeoPackage layer name."""

    layers: dict[str, gpd.GeoDataFrame]
    barriers: BarrierSet
    scenario_network: StreetNetwork | None = None


@checked_options  # every option before anything is linked or searched (issue 13)
def barrier_analysis(
    network: StreetNetwork,
    barriers: gpd.GeoDataFrame | BarrierSet,
    *,
    places: gpd.GeoDataFrame | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    proposal: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    category: str | None = None,
    categories: Sequence[str] | None = None,
    barrier_id: str | None = None,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    proposal_id: str | None = None,
    place_weight: str | None = None,
    node_weight: str | None = None,
    merge_gap: float = 25.0,
    max_link_length: float = 150.0,
    gap: float = 150.0,
    best_k: int = 5,
    candidate_spacing: float = 100.0,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    max_link: float = 200.0,
    snap_tolerance: float = 1.0,
    detour_origins: str = "grid",
    grid_spacing: float = 100.0,
    centre: tuple[float, float] | None = None,
    effect: bool = True,
    effect_segments: bool = True,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> BarrierResult:
    """The whole barrier analysis (``stadsrum barriers``) in one call.

    Parameters
    ----------
    network
        The street network.
    barriers
        Barrier lines or polygons (see
        :func:`~stadsrum.network.barriers.read_barrier_layer` for
        ``category``, ``barrier_id`` and ``merge_gap``).
    places, nodes
        Places and key nodes (points or polygons). Without them only the
        crossing inventory (and a detour surface to ``centre``) is made.
    proposal
        Proposed links, evaluated before vs after (layers ``scenario``,
        ``scenario_places``).
    buildings
        Building polygons no candidate link may pass through.
    categories
        Only barriers of these categories (e.g. ``["railway", "water"]``).
    max_link_length
        Longest candidate link, metres.
    gap
        Widest gap bridged by the permeable counterfactual, metres.
    best_k
        Number of links chosen greedily together (0: none).
    candidate_spacing
        Metres: candidate links closer than this to a better one on the same
        barrier are left out of the ranking (0: keep all).
    thresholds
        Walking minutes for reach.
    centre
        ``(x, y)`` in the network's CRS: the detour surface measures to this
        point instead of to the places.
    effect, effect_segments
        Whether to compute the barrier effect, and per segment too.

    Returns
    -------
    BarrierResult
        ``layers``: ``crossings``, ``barriers``, ``barrier_stretches``;
        with places and nodes ``detour`` (the surface), ``detour_pairs``,
        ``detour_places``, ``candidate_links``, ``barrier_effect`` (per place),
        ``barrier_effect_segments``; with a proposal ``scenario`` (per pair) and
        ``scenario_places``.
    """
    progress = as_progress(progress)
    bset = (
        barriers
        if isinstance(barriers, BarrierSet)
        else read_barrier_layer(
            barriers, network, category=category, barrier_id=barrier_id, merge_gap=merge_gap
        )
    )
    if categories:
        bset = bset.select(list(categories))
    if not speed > 0:
        raise InputError("speed must be positive (metres per second)")
    progress.message(f"barriers: {count(bset.n_barriers, 'barrier')}")
    crossings, summary, stretches = barrier_inventory(network, bset, merge_gap=merge_gap)
    layers: dict[str, gpd.GeoDataFrame] = {
        "crossings": crossings,
        "barriers": summary,
        "barrier_stretches": stretches,
    }
    result = BarrierResult(layers=layers, barriers=bset)
    if (places is None) != (nodes is None):
        raise InputError("give both places and nodes (or neither) for detours and rankings")
    if centre is not None:
        target = gpd.GeoDataFrame(
            {"place_id": ["centre"]}, geometry=[shapely.Point(centre)], crs=network.edges.crs
        )
        layers["detour"] = detour_surface(
            network,
            target,
            bset,
            origins=detour_origins,
            grid_spacing=grid_spacing,
            max_link=max_link,
            threads=threads,
            progress=progress,
        )
    if places is None or nodes is None:
        if proposal is not None:
            raise InputError("a proposal is evaluated on place→node routes: give places and nodes")
        return result
    opts: dict[str, Any] = {"place_id": place_id, "node_id": node_id, "max_link": max_link}
    real = od_matrix(
        network,
        places,
        nodes,
        node_category=node_category,
        threads=threads,
        progress=progress,
        **opts,
    )
    pairs, per_place = detour_pairs(
        real, bset, crs=network.edges.crs, speed=speed, progress=progress
    )
    layers["detour_pairs"] = pairs
    layers["detour_places"] = per_place
    if centre is None:
        layers["detour"] = detour_surface(
            network,
            places,
            bset,
            origins=detour_origins,
            grid_spacing=grid_spacing,
            target_id=place_id,
            max_link=max_link,
            threads=threads,
            progress=progress,
        )
    cands = candidate_links(network, bset, max_length=max_link_length, buildings=buildings)
    progress.message(f"candidate links: {len(cands):,}")
    layers["candidate_links"] = rank_candidates(
        network,
        real,
        cands,
        place_weight=place_weight,
        node_weight=node_weight,
        thresholds=thresholds,
        speed=speed,
        best_k=best_k,
        candidate_spacing=candidate_spacing,
        threads=threads,
        progress=progress,
    )
    if effect:
        eff_places, eff_segments = barrier_effect(
            network,
            bset,
            places,
            nodes,
            gap=gap,
            real=real,
            node_category=node_category,
            thresholds=thresholds,
            speed=speed,
            segments=effect_segments,
            threads=threads,
            progress=progress,
            **opts,
        )
        layers["barrier_effect"] = eff_places
        if eff_segments is not None:
            layers["barrier_effect_segments"] = eff_segments
    if proposal is not None:
        sc_pairs, sc_places, after = evaluate_scenario(
            network,
            proposal,
            places,
            nodes,
            before=real,
            snap_tolerance=snap_tolerance,
            proposal_id=proposal_id,
            thresholds=thresholds,
            speed=speed,
            threads=threads,
            progress=progress,
            node_category=node_category,
            **opts,
        )
        layers["scenario"] = sc_pairs
        layers["scenario_places"] = sc_places
        result.scenario_network = after
    return result

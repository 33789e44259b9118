"""Accessibility barriers: crossings, detours, barrier effect, new crossings, scenarios.

Railways, motorways and water cut a city; crossings are its gates. This package
answers, on the walking network:

1. *crossing inventory* (:func:`barrier_inventory`): where streets cross each
   barrier (bridge, tunnel, level crossing), and per barrier its length,
   crossings per km and the longest stretch without a crossing;
2. *detour* (:func:`detour_pairs`, :func:`detour_surface`): network versus
   straight-line distance for place→node pairs whose straight line crosses a
   barrier, and a detour-ratio surface;
3. *barrier effect* (:func:`barrier_effect`): accessibility on the real
   network versus a counterfactual in which a barrier is permeable;
4. *new crossings* (:func:`candidate_links`, :func:`rank_candidates`): links
   across barriers ranked by the total shortening of place→node routes;
5. *scenario* (:func:`evaluate_scenario`): proposed links, before vs after;
6. *barriers and segregation* (:func:`barrier_segregation`): per barrier the
   change in the areas' mean distance and the network segregation indices
   when it is permeable, and candidate links ranked by the shortening of
   routes between residents of different areas.

Each concern is a module of its own: :mod:`.inventory`, :mod:`.detour`,
:mod:`.effect`, :mod:`.candidates`, :mod:`.scenario`, and :mod:`.analysis`
runs them all. Places and nodes join the streets, and are searched from,
through :mod:`stadsrum.measures.access_graph`.
"""

from stadsrum.measures.access_graph import ODMatrix, od_matrix
from stadsrum.measures.barriers.analysis import BarrierResult, barrier_analysis
from stadsrum.measures.barriers.candidates import (
    ALONG_MAX_M,
    ALONG_TOLERANCE_M,
    JUNCTION_TOLERANCE_M,
    candidate_links,
    rank_candidates,
)
from stadsrum.measures.barriers.detour import (
    COMPARABLE_FACTOR,
    MIN_COMPARABLE,
    detour_pairs,
    detour_surface,
)
from stadsrum.measures.barriers.effect import barrier_effect, permeable_links
from stadsrum.measures.barriers.inventory import (
    CROSSING_TYPES,
    WATER_CATEGORIES,
    barrier_inventory,
)
from stadsrum.measures.barriers.scenario import compare_od, evaluate_scenario
from stadsrum.measures.barriers.segregation import barrier_segregation

__all__ = [
    "ALONG_MAX_M",
    "ALONG_TOLERANCE_M",
    "COMPARABLE_FACTOR",
    "CROSSING_TYPES",
    "JUNCTION_TOLERANCE_M",
    "MIN_COMPARABLE",
    "WATER_CATEGORIES",
    "BarrierResult",
    "ODMatrix",
    "barrier_analysis",
    "barrier_effect",
    "barrier_inventory",
    "barrier_segregation",
    "candidate_links",
    "compare_od",
    "detour_pairs",
    "detour_surface",
    "evaluate_scenario",
    "od_matrix",
    "permeable_links",
    "rank_candidates",
]

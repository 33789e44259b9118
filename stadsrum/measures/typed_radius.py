"""Catchments of typed radii for place syntax: straight, steps and angular.

A radius other than walking metres (``straight:500``, ``steps:2``,
``angular:90``; see :func:`~stadsrum.measures.naming.parse_radius_specs`)
bounds a different distance between two points joined to the streets:

* ``straight``: metres as the crow flies between the features' own points
  (a segment origin: its midpoint); no street is walked.
* ``steps``: the least number of moves from the segment one feature joins to
  the segment the other joins, a move counting as a step where it turns at
  least ``step_threshold`` degrees (0: every move to another segment, as
  PST's segment graphs count them).
* ``angular``: the least degrees of turning on the way between those segments.

Steps and angular are paid at junctions only, so they are the same for every
point of a segment, and 0 between points on one segment. A feature with
several points (a point group, a building's entrances) is as near as its
nearest point. Limits are inclusive, as walking radii.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import shapely

from stadsrum.kernels.search import StateGraph
from stadsrum.measures._parallel import Scratch
from stadsrum.measures.naming import Radius
from stadsrum.network.model import StreetNetwork

__all__ = ["TypedCatchments", "TypedScratch", "decay_scale"]

#: relative tolerance of an inclusive limit, as the walking radii's
_TOL = 1e-9


def decay_scale(radius: Radius) -> float:
    """The R of a distance decay under a typed radius, in the radius's own units.

    The limit itself, as for walking radii and as PST computes it (an
    attraction at the limit weighs 0 under ``linear``); ``steps:0`` has
    nothing to decay over: every attraction in it is at 0 steps and weighs 1
    (R taken as infinite).
    """
    return radius.limit if radius.limit > 0 else math.inf


class TypedScratch(NamedTuple):
    """One worker's arrays for :meth:`TypedCatchments.network_catchment`.

    ``base`` is a plain worker scratch over the same states, so a walking search of
    the same network (:meth:`AccessGraph.reach_search`) can share it.
    """

    base: Scratch
    seg_best: np.ndarray  # per segment, all inf between searches


class TypedCatchments:
    """Steps, angular and straight catchments on one network, built once per analysis."""

    def __init__(self, network: StreetNetwork, *, step_threshold: float = 0.0) -> None:
        graph = network.segment_graph(split="edge")
        self.n_segments = graph.n_segments
        self.n_transitions = len(graph.dst)
        seglen = np.ascontiguousarray(graph.length, dtype=np.float64)
        costs = {
            "steps": (graph.turn_deg >= step_threshold).astype(np.float64),
            "angular": np.ascontiguousarray(graph.turn_deg, dtype=np.float64),
        }
        # the move's cost is also what the radius bounds (its "length")
        self.graphs = {
            kind: StateGraph(graph.indptr, graph.dst, cost, cost, seglen)
            for kind, cost in costs.items()
        }
        geoms = np.asarray(network.edges.geometry.array, dtype=object)
        mid = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
        self.midpoints = shapely.get_coordinates(mid)

    def scratch(self, max_sources: int) -> TypedScratch:
        """Search arrays for one worker (``max_sources``: most start segments)."""
        return TypedScratch(
            Scratch(2 * self.n_segments, self.n_transitions, max_sources),
            np.full(self.n_segments, np.inf),
        )

    def network_catchment(
        self, radius: Radius, edges: np.ndarray, scratch: TypedScratch
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(segments, cost)`` within a steps or angular ``radius`` of the segments ``edges``."""
        from stadsrum.kernels.radius import cost_catchment

        segs: np.ndarray
        cost: np.ndarray
        segs, cost = cost_catchment(
            np.asarray(edges, dtype=np.int64),
            float(radius.limit),
            self.graphs[radius.kind],
            scratch.base.search,
            scratch.seg_best,
        )
        return segs, cost


def straight_distances(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least straight distance (m) from any of ``points`` (k, 2) to each of ``targets`` (n, 2)."""
    best = np.full(len(targets), np.inf)
    for x, y in np.asarray(points, dtype=float).reshape(-1, 2):
        np.minimum(best, np.hypot(targets[:, 0] - x, targets[:, 1] - y), out=best)
    return best


def within(d: np.ndarray, limit: float) -> np.ndarray:
    """Inclusive limit with the walking radii's tolerance."""
    return np.asarray(d <= limit + _TOL * (1.0 + limit))

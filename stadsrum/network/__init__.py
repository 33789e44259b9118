"""Street network model, preparation and the segment graph."""

from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import PreparationReport, prepare_network
from stadsrum.network.segments import SegmentGraph, build_segment_graph

__all__ = [
    "PreparationReport",
    "SegmentGraph",
    "StreetNetwork",
    "build_segment_graph",
    "prepare_network",
]

"""One module per algorithm; :data:`ALGORITHMS` lists them for the provider."""

from .accessibility import AccessibilityAlgorithm
from .barriers import BarriersAlgorithm
from .compare import CompareAlgorithm
from .distances import DistancesAlgorithm
from .network import NetworkAlgorithm
from .nodes_from_gtfs import NodesFromGtfsAlgorithm
from .segments import SegmentsAlgorithm

ALGORITHMS = (
    NetworkAlgorithm,
    SegmentsAlgorithm,
    DistancesAlgorithm,
    AccessibilityAlgorithm,
    BarriersAlgorithm,
    CompareAlgorithm,
    NodesFromGtfsAlgorithm,
)

__all__ = [
    "ALGORITHMS",
    "AccessibilityAlgorithm",
    "BarriersAlgorithm",
    "CompareAlgorithm",
    "DistancesAlgorithm",
    "NetworkAlgorithm",
    "NodesFromGtfsAlgorithm",
    "SegmentsAlgorithm",
]

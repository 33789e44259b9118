"""One module per algorithm; :data:`ALGORITHMS` lists them for the provider."""

from .accessibility import AccessibilityAlgorithm
from .areas import AreasAlgorithm
from .barriers import BarriersAlgorithm
from .betweenness import BetweennessAlgorithm
from .compare import CompareAlgorithm
from .distances import DistancesAlgorithm
from .network import NetworkAlgorithm
from .nodes_from_gtfs import NodesFromGtfsAlgorithm
from .report import ReportAlgorithm
from .run import RunAlgorithm
from .segments import SegmentsAlgorithm

ALGORITHMS = (
    NetworkAlgorithm,
    SegmentsAlgorithm,
    DistancesAlgorithm,
    AccessibilityAlgorithm,
    BetweennessAlgorithm,
    BarriersAlgorithm,
    CompareAlgorithm,
    AreasAlgorithm,
    NodesFromGtfsAlgorithm,
    ReportAlgorithm,
    RunAlgorithm,
)

__all__ = [
    "ALGORITHMS",
    "AccessibilityAlgorithm",
    "AreasAlgorithm",
    "BarriersAlgorithm",
    "BetweennessAlgorithm",
    "CompareAlgorithm",
    "DistancesAlgorithm",
    "NetworkAlgorithm",
    "NodesFromGtfsAlgorithm",
    "ReportAlgorithm",
    "RunAlgorithm",
    "SegmentsAlgorithm",
]

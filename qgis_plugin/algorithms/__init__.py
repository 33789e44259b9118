"""One module per algorithm; :data:`ALGORITHMS` lists them for the provider."""

from .network import NetworkAlgorithm
from .segments import SegmentsAlgorithm

ALGORITHMS = (NetworkAlgorithm, SegmentsAlgorithm)

__all__ = ["ALGORITHMS", "NetworkAlgorithm", "SegmentsAlgorithm"]

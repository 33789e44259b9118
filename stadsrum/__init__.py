"""stadsrum: urban space analysis in a whole-city perspective.

Read a street network, prepare it, and analyse how places relate to the whole
city: space syntax segment measures, place-to-node distances, barriers.

>>> import stadsrum as sr
>>> net = sr.read_network(sr.sample_data_dir() / "helsinki.osm.pbf")  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from stadsrum.errors import CancelledError, InputError, InputFileError, NetworkError, StadsrumError
from stadsrum.io.readers import from_graph, read_layer, read_lines
from stadsrum.io.writers import write_csv, write_gpkg
from stadsrum.measures.segment import SEGMENT_MEASURES, segment_analysis
from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import PreparationReport, prepare_network
from stadsrum.network.segments import SegmentGraph
from stadsrum.progress import Progress
from stadsrum.workflows import (
    read_network,
    run_accessibility,
    run_barriers,
    run_demo,
    run_distances,
    run_network,
    run_segments,
    sample_data_dir,
)

# Analyses imported on first use, so `import stadsrum` stays light.
_LAZY = {
    "place_distances": "stadsrum.measures.proximity",
    "place_summary": "stadsrum.measures.proximity",
    "service_areas": "stadsrum.measures.proximity",
    "attraction_accessibility": "stadsrum.measures.accessibility",
    "barrier_analysis": "stadsrum.measures.barriers",
    "link_features": "stadsrum.network.links",
    "compare": "stadsrum.measures.compare",
    "write_report": "stadsrum.report",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stadsrum' has no attribute '{name}'")


try:  # the copy bundled in the QGIS plugin zip has its version stamped (plugin_zip.py)
    from stadsrum._version import __version__
except ImportError:
    try:
        __version__ = version("stadsrum")
    except PackageNotFoundError:  # running from a source tree without installing
        __version__ = "0.0.0+unknown"

__all__ = [
    "SEGMENT_MEASURES",
    "CancelledError",
    "InputError",
    "InputFileError",
    "NetworkError",
    "PreparationReport",
    "Progress",
    "SegmentGraph",
    "StadsrumError",
    "StreetNetwork",
    "__version__",
    "attraction_accessibility",
    "barrier_analysis",
    "compare",
    "from_graph",
    "link_features",
    "place_distances",
    "place_summary",
    "prepare_network",
    "read_layer",
    "read_lines",
    "read_network",
    "run_accessibility",
    "run_barriers",
    "run_demo",
    "run_distances",
    "run_network",
    "run_segments",
    "sample_data_dir",
    "segment_analysis",
    "service_areas",
    "write_csv",
    "write_gpkg",
    "write_report",
]

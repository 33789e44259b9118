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
    run_demo,
    run_network,
    run_segments,
    sample_data_dir,
)

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
    "from_graph",
    "prepare_network",
    "read_layer",
    "read_lines",
    "read_network",
    "run_demo",
    "run_network",
    "run_segments",
    "sample_data_dir",
    "segment_analysis",
    "write_csv",
    "write_gpkg",
]

"""stadsrum: urban space analysis in a whole-city perspective.

Read a street network, prepare it, and analyse how places relate to the whole
city: space syntax segment measures, place-to-node distances, barriers.

The walk from each square and park of the sample city (central Helsinki) to
each of its key nodes, along the streets:

>>> import geopandas as gpd, stadsrum as sr
>>> data = sr.sample_data_dir()
>>> net = sr.read_network(data / "helsinki.osm.pbf")
>>> places = gpd.read_file(data / "helsinki.gpkg", layer="places")
>>> nodes = gpd.read_file(data / "helsinki.gpkg", layer="nodes")
>>> od = sr.place_distances(net, places, nodes, node_category="category").od
>>> len(od) == len(places) * len(nodes)  # a row for every pair, never silently missing
True
>>> ok = od[od["status"] == "ok"]
>>> bool((ok["total_m"] >= ok["straight_m"]).all())  # no walk beats the crow
True
"""

from typing import TYPE_CHECKING

from stadsrum.errors import CancelledError, InputError, InputFileError, NetworkError, StadsrumError
from stadsrum.progress import Progress

if TYPE_CHECKING:  # the names below, for type checkers and editors
    __version__: str
    from stadsrum.io.buildings import read_buildings
    from stadsrum.io.readers import from_graph, read_layer, read_lines
    from stadsrum.io.writers import write_csv, write_gpkg
    from stadsrum.measures.accessibility import attraction_accessibility
    from stadsrum.measures.areas import area_analysis
    from stadsrum.measures.barriers import barrier_analysis
    from stadsrum.measures.betweenness import betweenness
    from stadsrum.measures.compare import compare
    from stadsrum.measures.proximity import place_distances, place_summary, service_areas
    from stadsrum.measures.segment import SEGMENT_MEASURES, segment_analysis
    from stadsrum.network.links import link_features
    from stadsrum.network.model import StreetNetwork
    from stadsrum.network.prepare import PreparationReport, prepare_network
    from stadsrum.network.segments import SegmentGraph
    from stadsrum.report import write_report
    from stadsrum.workflows import (
        read_network,
        run_accessibility,
        run_areas,
        run_barriers,
        run_betweenness,
        run_buildings,
        run_demo,
        run_distances,
        run_network,
        run_segments,
        sample_data_dir,
    )

# Everything that needs numpy, pandas or geopandas is imported on first use, so
# `import stadsrum` and `stadsrum --help` stay instant (about 0.6 s less per command).
_LAZY = {
    "from_graph": "stadsrum.io.readers",
    "read_buildings": "stadsrum.io.buildings",
    "run_buildings": "stadsrum.workflows",
    "read_layer": "stadsrum.io.readers",
    "read_lines": "stadsrum.io.readers",
    "nodes_from_gtfs": "stadsrum.io.gtfs",
    "read_areas": "stadsrum.io.scb",
    "read_scb_table": "stadsrum.io.scb",
    "write_csv": "stadsrum.io.writers",
    "write_gpkg": "stadsrum.io.writers",
    "SEGMENT_MEASURES": "stadsrum.measures.segment",
    "segment_analysis": "stadsrum.measures.segment",
    "StreetNetwork": "stadsrum.network.model",
    "PreparationReport": "stadsrum.network.prepare",
    "prepare_network": "stadsrum.network.prepare",
    "SegmentGraph": "stadsrum.network.segments",
    "read_network": "stadsrum.workflows",
    "run_accessibility": "stadsrum.workflows",
    "run_areas": "stadsrum.workflows",
    "area_analysis": "stadsrum.measures.areas",
    "run_barriers": "stadsrum.workflows",
    "run_demo": "stadsrum.workflows",
    "run_distances": "stadsrum.workflows",
    "run_network": "stadsrum.workflows",
    "run_segments": "stadsrum.workflows",
    "sample_data_dir": "stadsrum.workflows",
    "place_distances": "stadsrum.measures.proximity",
    "place_summary": "stadsrum.measures.proximity",
    "service_areas": "stadsrum.measures.proximity",
    "attraction_accessibility": "stadsrum.measures.accessibility",
    "barrier_analysis": "stadsrum.measures.barriers",
    "betweenness": "stadsrum.measures.betweenness",
    "run_betweenness": "stadsrum.workflows",
    "link_features": "stadsrum.network.links",
    "compare": "stadsrum.measures.compare",
    "write_report": "stadsrum.report",
}


def __getattr__(name: str) -> object:
    if name == "__version__":  # read on demand: importlib.metadata is slow to import
        from stadsrum._version import __version__

        globals()[name] = __version__
        return __version__
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module 'stadsrum' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, "__version__"})


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
    "area_analysis",
    "attraction_accessibility",
    "barrier_analysis",
    "betweenness",
    "compare",
    "from_graph",
    "link_features",
    "nodes_from_gtfs",
    "place_distances",
    "place_summary",
    "prepare_network",
    "read_areas",
    "read_buildings",
    "read_layer",
    "read_lines",
    "read_network",
    "read_scb_table",
    "run_accessibility",
    "run_areas",
    "run_barriers",
    "run_betweenness",
    "run_buildings",
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

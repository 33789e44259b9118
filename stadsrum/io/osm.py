"""Read street centre lines from OpenStreetMap files, fully offline.

Both ``.osm`` (XML) and ``.osm.pbf`` are read with pyosmium. Ways are kept by
a travel-mode filter, their node references resolved to coordinates
(references to nodes missing from a clipped extract are dropped and counted),
and every way is split at the nodes it shares with other kept ways, so the
lines come out noded exactly as the mapper connected them: two ways that
cross without a shared node (a bridge, a tunnel) stay unconnected.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from stadsrum.errors import InputError, InputFileError

__all__ = ["OSM_MODES", "OSM_TAGS", "is_osm_path", "read_osm_lines"]

log = logging.getLogger(__name__)

#: Way tags kept as columns (``name:sv`` becomes ``name_sv``).
OSM_TAGS = (
    "highway",
    "name",
    "name:sv",
    "bridge",
    "tunnel",
    "layer",
    "footway",
    "cycleway",
    "service",
    "surface",
    "access",
    "foot",
    "bicycle",
    "oneway",
    "maxspeed",
    "lit",
)

OSM_MODES = ("walk", "bike", "drive", "all")

_NEVER = {
    "proposed",
    "construction",
    "abandoned",
    "disused",
    "razed",
    "planned",
    "raceway",
    "bus_guideway",
    "platform",
    "elevator",
    "escape",
    "rest_area",
    "services",
    "emergency_bay",
    "no",
}
_MOTOR_ONLY = {"motorway", "motorway_link", "trunk", "trunk_link"}
_DRIVE = {
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
}
_NO = {"no", "private"}
_YES = {"yes", "designated", "permissive", "official", "destination"}
# foot=use_sidepath: walkers must use the sidewalk mapped beside the road as
# its own way, so the road itself is not part of the walking network.
_FOOT_NO = _NO | {"use_sidepath"}
# Access values that admit only some traffic (OSM wiki, Key:access): fine for
# a walker going to a door on the street, but a road tunnel has no doors.
_RESTRICTED = {
    "destination",
    "delivery",
    "customers",
    "service",
    "permit",
    "agricultural",
    "forestry",
    "military",
}
_NOT_TUNNEL = {"no", "building_passage", "avalanche_protector"}


def _keep_way(tags: dict[str, str], mode: str) -> bool:
    """Whether a way with these tags belongs to the network of ``mode``."""
    highway = tags.get("highway")
    if highway is None or highway in _NEVER:
        return False
    if tags.get("area") == "yes":
        return False
    if mode == "all":
        return True
    access = tags.get("access")
    if mode == "walk":
        # osmnx's walk filter (osmnx/_overpass.py, 2.x) drops highway=cycleway,
        # motorways, foot=no, service=private and access=private, and keeps
        # access=destination everywhere. We follow it, but read access as the
        # OSM wiki defines it: access=no or private with no foot=yes-like
        # override shuts walkers out too, and foot=use_sidepath sends them to
        # the separate sidewalk. Unlike osmnx, cycleways stay unless tagged
        # foot=no (unchanged from before; a shared path is often mapped as one).
        foot = tags.get("foot")
        if foot in _FOOT_NO:
            return False
        if highway in {"corridor"}:
            return False
        if highway in _MOTOR_ONLY and foot not in _YES:
            return False
        if access in _NO and foot not in _YES:
            return False
        if highway == "service" and tags.get("service") == "private":
            return False
        # A road tunnel open only to some vehicles (Helsinki's city-centre
        # service tunnel is highway=service, tunnel=yes, access=destination,
        # motorcar=no, hgv=yes) is a goods-vehicle route a walker cannot use:
        # "destination" there serves loading bays, not front doors. Keeping
        # it joined squares 250 m apart by a 1.7 km walk at layer -4.
        # Footways, steps and pedestrian streets in tunnels (subway passages)
        # are walkable and stay.
        tunnel = tags.get("tunnel", "no")
        return not (
            tunnel not in _NOT_TUNNEL
            and highway in _DRIVE
            and (access in _RESTRICTED or tags.get("motor_vehicle") in _RESTRICTED)
            and foot not in _YES
        )
    if mode == "bike":
        bicycle = tags.get("bicycle")
        if bicycle in _NO:
            return False
        if highway in _MOTOR_ONLY and bicycle not in _YES:
            return False
        if highway in {"footway", "pedestrian", "steps", "corridor"} and bicycle not in _YES:
            return False
        return not (access in _NO and bicycle not in _YES)
    # drive
    if highway not in _DRIVE:
        return False
    if access in _NO or tags.get("motor_vehicle") in _NO:
        return False
    return tags.get("service") not in {"parking_aisle", "driveway", "private", "emergency_access"}


def is_osm_path(path: str | Path) -> bool:
    """Whether ``path`` names an OpenStreetMap file by its extension."""
    name = str(path).lower()
    return name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".o5m"))


@dataclass
class _Way:
    osm_id: int
    node_ids: np.ndarray
    xy: np.ndarray
    tags: dict[str, str]


def _collect_ways(path: Path, mode: str) -> tuple[list[_Way], int]:
    import osmium

    ways: list[_Way] = []
    missing = 0
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        for obj in processor.with_locations():
            if not isinstance(obj, osmium.osm.Way):
                continue
            tags = {t.k: t.v for t in obj.tags}
            if not _keep_way(tags, mode):
                continue
            ids, xy = [], []
            for nd in obj.nodes:
                if nd.location.valid():
                    ids.append(nd.ref)
                    xy.append((nd.location.lon, nd.location.lat))
                else:
                    missing += 1
            if len(ids) >= 2:
                ways.append(
                    _Way(obj.id, np.asarray(ids, dtype=np.int64), np.asarray(xy, float), tags)
                )
    except RuntimeError as exc:
        raise InputFileError(
            f"could not read OpenStreetMap file '{path}': {exc}. "
            "Is the file complete (not truncated) and in .osm or .osm.pbf format?"
        ) from exc
    return ways, missing


def read_osm_lines(path: str | Path, *, mode: str = "walk") -> gpd.GeoDataFrame:
    """Read the street network of one travel mode from an OSM file.

    Parameters
    ----------
    path
        An ``.osm`` (XML) or ``.osm.pbf`` file.
    mode
        ``"walk"``, ``"bike"``, ``"drive"`` or ``"all"`` (every highway that
        exists and is not under construction).

    Returns
    -------
    geopandas.GeoDataFrame
        One LineString per way piece between junctions, in EPSG:4326, with the
        columns ``osm_id`` and the tags in :data:`OSM_TAGS` (``name:sv`` as
        ``name_sv``). ``attrs["stadsrum_noded"]`` is ``True``: the lines meet
        exactly where the mapper joined them.
    """
    path = Path(path)
    if mode not in OSM_MODES:
        raise InputError(f"unknown mode '{mode}': choose one of {', '.join(OSM_MODES)}")
    if not path.exists():
        raise InputFileError(f"file not found: '{path}'")
    ways, missing = _collect_ways(path, mode)
    if not ways:
        raise InputError(
            f"OpenStreetMap file '{path}' holds no ways for mode '{mode}' "
            "(is it empty, or the wrong area?)"
        )
    if missing:
        log.info("dropped %d references to nodes missing from the extract", missing)

    use: Counter[int] = Counter()
    for way in ways:
        use.update(way.node_ids.tolist())
        # a way's own end points are always junction candidates
        use[int(way.node_ids[0])] += 1
        use[int(way.node_ids[-1])] += 1

    geoms, rows = [], []
    columns = ["osm_id", *[t.replace(":", "_") for t in OSM_TAGS]]
    for way in ways:
        cut = [i for i in range(1, len(way.node_ids) - 1) if use[int(way.node_ids[i])] > 1]
        bounds = [0, *cut, len(way.node_ids) - 1]
        attrs = [way.osm_id, *[way.tags.get(t) for t in OSM_TAGS]]
        for a, b in itertools.pairwise(bounds):
            geoms.append(shapely.linestrings(way.xy[a : b + 1]))
            rows.append(attrs)
    gdf = gpd.GeoDataFrame(rows, columns=columns, geometry=geoms, crs="EPSG:4326")
    gdf["layer"] = gdf["layer"].map(_layer_value)
    gdf.attrs["stadsrum_noded"] = True
    gdf.attrs["stadsrum_missing_node_refs"] = missing
    log.info("read %d ways as %d line pieces from '%s' (mode %s)", len(ways), len(gdf), path, mode)
    return gdf


def _layer_value(value: object) -> int:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return 0

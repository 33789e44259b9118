"""One function per user task: the only entry point for the CLI and the QGIS plugin.

Each workflow reads its inputs, runs the analysis, and writes its outputs
atomically; it returns the in-memory results too, so scripts can go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from stadsrum.distributed import takes_scheduler
from stadsrum.errors import InputError
from stadsrum.io.outputs_check import check_writable, note_written
from stadsrum.io.readers import NO_CRS, assign_crs, read_layer, read_lines, split_layer_spec
from stadsrum.io.writers import check_not_an_input, run_metadata, write_gpkg
from stadsrum.messages import count
from stadsrum.network.inputs import check_layer, check_network, check_paths
from stadsrum.network.links import parse_polygon_mode
from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import parse_split_crossings, prepare_network
from stadsrum.options import checked_options, parse_minutes
from stadsrum.progress import ProgressLike, as_progress
from stadsrum.records import (
    AccessibilityOptions,
    AreaOptions,
    BarrierOptions,
    BetweennessOptions,
    CompareOptions,
    DistanceOptions,
    NetworkOptions,
    PrepareOptions,
    SegmentOptions,
    takes_options,
)

__all__ = [
    "AccessibilityResult",
    "BarriersResult",
    "CompareResult",
    "DistancesResult",
    "NetworkResult",
    "SegmentsResult",
    "check_scheduler",
    "read_network",
    "run_accessibility",
    "run_barriers",
    "run_compare",
    "run_demo",
    "run_distances",
    "run_export",
    "run_network",
    "run_nodes_from_gtfs",
    "run_report",
    "run_segments",
    "sample_data_dir",
]

log = logging.getLogger(__name__)


def check_scheduler(scheduler: str | None) -> None:
    """Refuse a ``scheduler`` the analyses cannot use, in one line (:class:`InputError`):
    ``local``, ``local-cluster``, a Dask scheduler address or a scheduler file. The faces
    (the command line, QGIS's setting) check it here before any work; only a cluster
    imports Dask."""
    from stadsrum.distributed import check_scheduler as check

    check(scheduler)


def sample_data_dir() -> Path:
    """Folder of the embedded sample data (central Helsinki, OpenStreetMap).

    The installed package carries it as ``stadsrum/sample_data/`` (see
    ``setup.py``); a source checkout, editable installs included, has it at
    the top as ``sample_data/``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample_data", here.parent / "sample_data"):
        if (candidate / "helsinki.osm.pbf").exists() and (candidate / "helsinki.gpkg").exists():
            return candidate
    raise InputError(
        "the sample data (helsinki.osm.pbf, helsinki.gpkg) is missing from "
        f"'{here / 'sample_data'}': reinstall stadsrum with "
        "'pip install --force-reinstall stadsrum', or in a source checkout restore "
        "sample_data/ with 'git checkout -- sample_data'"
    )


def _is_prepared_gpkg(source: str | Path, layer: str | None) -> bool:
    """Whether ``source`` is a network GeoPackage written by stadsrum."""
    import pyogrio

    path, layer = split_layer_spec(source, layer, what="network")
    if path.suffix.lower() != ".gpkg" or not path.exists():
        return False
    try:
        names = {str(n) for n in pyogrio.list_layers(path)[:, 0]}
    except Exception:
        return False
    return "run_metadata" in names and (layer or "network") == "network" and "network" in names


@checked_options
def read_network(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    mode: str = "walk",
    prepare: str | None = None,
    split_crossings: str | bool | None = "auto",
    where: str | None = None,
    clip: Any = None,
    unlinks: str | Path | gpd.GeoDataFrame | None = None,
    snap_tolerance: float = 0.5,
    components: str | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> StreetNetwork:
    """Read and prepare a street network from a file or a GeoDataFrame.

    Parameters
    ----------
    source
        An OGR line layer (GeoPackage, Shapefile, GeoJSON, ... or
        ``FILE|layername=NAME``), an ``.osm``/``.osm.pbf`` file, a network
        GeoPackage written by ``stadsrum network``, or a GeoDataFrame.
    layer
        Layer name in a multi-layer file.
    mode
        Travel mode for OSM input: ``walk``, ``bike``, ``drive`` or ``all``.
    prepare
        ``"full"`` (clean and node) or ``"none"`` (every input line kept as
        one segment). Default: ``"none"`` for a stadsrum network GeoPackage
        (already prepared), ``"full"`` otherwise.
    unlinks
        Point layer (path or GeoDataFrame) of crossings that must not join.
    snap_tolerance
        Metres within which line ends join ("full" only).
    split_crossings
        ``"auto"`` (default), ``"yes"`` or ``"no"``: whether lines that cross
        without a shared vertex are split into a junction; ``"auto"`` decides
        from the data (see :func:`~stadsrum.network.prepare.prepare_network`).
    where
        SQL filter on the network layer's columns, evaluated as it is read,
        such as ``"highway <> 'motorway'"`` (see :func:`~stadsrum.io.readers.read_layer`).
    clip
        Read only lines meeting this area: a polygon file (the municipality
        boundary) or ``"minx,miny,maxx,maxy"`` in the layer's CRS.
    components
        ``"largest"`` or ``"all"`` connected components.
    crs
        Coordinate reference system of input layers that have none, such as
        ``"EPSG:3006"`` (a layer with one keeps it).
    progress
        Optional progress reporter.

    Examples
    --------
    >>> import stadsrum as sr
    >>> net = sr.read_network(sr.sample_data_dir() / "helsinki.osm.pbf")
    >>> net.n_edges > 3000
    True
    """
    check_layer(
        source,
        function="read_network",
        argument="source",
        accepts="street lines",
        paths=True,
        files="GeoPackage, Shapefile, GeoJSON, .osm.pbf, ...",
    )
    check_layer(
        unlinks,
        function="read_network",
        argument="unlinks",
        accepts="points",
        paths=True,
        optional=True,
    )
    parse_split_crossings(split_crossings)  # a wrong word is said before the layer is read
    progress = as_progress(progress)
    already = not isinstance(source, gpd.GeoDataFrame) and _is_prepared_gpkg(source, layer)
    if prepare is None:
        prepare = "none" if already else "full"
    if already and layer is None:
        layer = "network"
    progress.message(f"reading network from {_describe(source)}")
    lines = read_lines(source, layer=layer, mode=mode, crs=crs, where=where, clip=clip)
    unlink_gdf = None
    if unlinks is not None:
        unlink_gdf = (
            assign_crs(unlinks, crs, what="unlinks")
            if isinstance(unlinks, gpd.GeoDataFrame)
            else read_layer(unlinks, what="unlinks", crs=crs)
        )
        if len(unlink_gdf) and not set(unlink_gdf.geom_type) <= {"Point", "MultiPoint"}:
            raise InputError("unlinks: expected a point layer")
    net = prepare_network(
        lines,
        prepare=prepare,  # type: ignore[arg-type]
        snap_tolerance=snap_tolerance,
        split_crossings=split_crossings,  # type: ignore[arg-type]
        unlinks=unlink_gdf,
        components=components,  # type: ignore[arg-type]
        progress=progress,
    )
    for note in net.report.notes:
        progress.message(note)
    return net


def _describe(source: object) -> str:
    return "a GeoDataFrame" if isinstance(source, gpd.GeoDataFrame) else f"'{source}'"


@dataclass
class NetworkResult:
    """A prepared network and where it was written."""

    network: StreetNetwork
    path: Path | None
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


def network_layers(net: StreetNetwork) -> dict[str, gpd.GeoDataFrame]:
    """The ``network`` and ``diagnostics`` layers of a prepared network."""
    return {"network": net.edges, "diagnostics": net.diagnostics()}


@checked_options
def run_network(
    source: str | Path | gpd.GeoDataFrame,
    out: str | Path | None,
    *,
    layer: str | None = None,
    mode: str = "walk",
    prepare: str | None = None,
    split_crossings: str | bool | None = "auto",
    where: str | None = None,
    clip: Any = None,
    unlinks: str | Path | None = None,
    snap_tolerance: float = 0.5,
    components: str | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> NetworkResult:
    """Read, prepare and write a street network (``stadsrum network``).

    Writes the GeoPackage ``out`` with the layers ``network`` (the prepared
    lines with the input's attributes), ``diagnostics`` (points to check) and
    ``run_metadata``.
    """
    check_layer(
        source,
        function="run_network",
        argument="source",
        accepts="street lines",
        paths=True,
        files="GeoPackage, Shapefile, GeoJSON, .osm.pbf, ...",
    )
    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(out, {"network": source, "unlinks": unlinks})
    params: dict[str, Any] = {
        "layer": layer,
        "mode": mode,
        "prepare": prepare,
        "unlinks": str(unlinks) if unlinks else None,
        "snap_tolerance": snap_tolerance,
        "split_crossings": split_crossings,
        "where": where,
        "clip": _clip_text(clip),
        "components": components,
        "crs": _crs_text(crs),
    }
    net = read_network(
        source,
        layer=layer,
        mode=mode,
        prepare=prepare,
        unlinks=unlinks,
        snap_tolerance=snap_tolerance,
        split_crossings=split_crossings,
        where=where,
        clip=clip,
        components=components,
        crs=crs,
        progress=progress,
    )
    layers = network_layers(net)
    meta = run_metadata(
        "network",
        params | {"prepare": net.prepare},
        inputs={
            "network": None if isinstance(source, gpd.GeoDataFrame) else source,
            "unlinks": unlinks,
        },
        extra={"summary": net.summary(), "preparation": net.report.as_dict()},
    )
    # out=None: the prepared network in memory only, as the other run_* functions allow
    path = write_gpkg(out, layers, metadata=meta) if out is not None else None
    return NetworkResult(network=net, path=path, layers=layers)


@dataclass
class SegmentsResult:
    """Segment analysis results and where they were written."""

    network: StreetNetwork
    segments: gpd.GeoDataFrame
    path: Path | None


@checked_options
@takes_options(network_options=NetworkOptions, options=SegmentOptions)
def run_segments(
    source: str | Path | gpd.GeoDataFrame | StreetNetwork,
    out: str | Path | None,
    *,
    layer: str | None = None,
    network_options: NetworkOptions,
    unlinks: str | Path | None = None,
    options: SegmentOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
    scheduler: str | None = "local",
    client: Any = None,
) -> SegmentsResult:
    """Space syntax segment analysis of a network (``stadsrum segments``).

    ``source`` is anything :func:`read_network` reads, or a prepared
    :class:`StreetNetwork`. Writes the layer ``segments`` (the segments with
    the input's columns and one column per measure, cost and radius) and
    ``run_metadata`` to ``out`` when given. ``scheduler`` (``local``,
    ``local-cluster``, a Dask scheduler address or scheduler file) or a Dask
    ``client`` runs the analysis on a cluster (``docs/scale.md``).
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.SegmentOptions`).
    """
    from stadsrum.distributed import check_scheduler, connect
    from stadsrum.measures.segment import segment_analysis

    netopts = network_options

    check_network(source, function="run_segments", argument="source", sources=True)
    check_scheduler(scheduler)
    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(out, {"network": source, "unlinks": unlinks})
    if isinstance(source, StreetNetwork):
        net = source
    else:
        net = read_network(
            source,
            layer=layer,
            **netopts.values(),
            unlinks=unlinks,
            crs=crs,
            progress=progress,
        )
    # the cluster starts (or is reached) after the network is read: a bad input
    # fails before any worker process is started
    with connect(None if client is not None else scheduler) as started:
        segments = segment_analysis(
            net,
            **options.values(),
            threads=threads,
            progress=progress,
            client=client if client is not None else started,
        )
    path = None
    if out is not None:
        params = {
            **options.metadata(),
            "scheduler": "client" if client is not None else (scheduler or "local"),
            **_network_metadata(net, netopts),
            "layer": layer,
            "mode": netopts.mode,
            "crs": _crs_text(crs),
        }
        inputs = {"network": source if isinstance(source, str | Path) else None}
        meta = run_metadata(
            "segments", params, inputs=inputs, extra={"network_summary": net.summary()}
        )
        path = write_gpkg(out, {"segments": segments}, metadata=meta)
    return SegmentsResult(network=net, segments=segments, path=path)


def _network(
    source: str | Path | gpd.GeoDataFrame | StreetNetwork,
    *,
    layer: str | None,
    mode: str,
    prepare: str | None,
    progress: ProgressLike,
    crs: Any = None,
    split_crossings: str | bool | None = "auto",
    where: str | None = None,
    clip: Any = None,
) -> StreetNetwork:
    check_network(source, sources=True)
    if isinstance(source, StreetNetwork):
        return source
    return read_network(
        source,
        layer=layer,
        mode=mode,
        prepare=prepare,
        crs=crs,
        split_crossings=split_crossings,
        where=where,
        clip=clip,
        progress=progress,
    )


#: What each feature layer holds, for the message when something else is given.
_GEOMETRIES = {
    "barriers": "lines or polygons",
    "proposal": "lines",
    "buildings": "polygons",
    "origins": "points",
    "entrances": "points",
}


def _optional_features(
    source: str | Path | gpd.GeoDataFrame | None,
    *,
    layer: str | None,
    what: str,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame | None:
    """:func:`_features` for an input that may be left out (``None``)."""
    if source is None:
        return None
    return _features(source, layer=layer, what=what, crs=crs, progress=progress)


def _with_entrances(
    source: str | Path | gpd.GeoDataFrame,
    entrances: str | Path | gpd.GeoDataFrame | None,
    *,
    layer: str | None,
    what: str,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, bool]:
    """A layer of places (attractions, origins) and its entrance points, if any.

    An OpenStreetMap file stands for its buildings, each with the entrances
    mapped on it (:func:`stadsrum.io.buildings.read_buildings`); the third
    value says so (their ids are then in ``building_id``).
    """
    from stadsrum.io.osm import is_osm_path

    if (
        not isinstance(source, gpd.GeoDataFrame)
        and not _is_feed(source, what)  # FEED|date=… is no layer spec: _features reads it
        and is_osm_path(split_layer_spec(source, what=what)[0])
    ):
        from stadsrum.io.buildings import read_buildings

        if entrances is not None:
            raise InputError(
                f"{what}: an OpenStreetMap file brings its own entrances (entrance=* nodes); "
                f"leave out --{what.rstrip('s')}-entrances"
            )
        found = read_buildings(source)
        as_progress(progress).message(
            f"{what}: {count(len(found.buildings), 'building')} from '{source}', "
            f"{int((found.buildings['entrances'] > 0).sum())} with mapped entrances"
        )
        return found.buildings, found.entrances, True
    gdf = _features(source, layer=layer, what=what, crs=crs, progress=progress)
    ent = _optional_features(entrances, layer=None, what="entrances", crs=crs)
    return gdf, ent, False


#: Inputs that may be a GTFS feed instead of a layer (its stations become points).
_GTFS_INPUTS = {"nodes", "attractions"}


def _is_feed(source: object, what: str) -> bool:
    """Whether ``source``, given for ``what``, is a GTFS feed (read as its stations)."""
    if what not in _GTFS_INPUTS or isinstance(source, gpd.GeoDataFrame):
        return False
    from stadsrum.io.gtfs import is_gtfs

    return is_gtfs(source)


def _features(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None,
    what: str,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame:
    check_layer(
        source, argument=what, accepts=_GEOMETRIES.get(what, "points or polygons"), paths=True
    )
    if _is_feed(source, what):
        from stadsrum.io.gtfs import read_gtfs_nodes

        return read_gtfs_nodes(source, progress=progress)
    if isinstance(source, gpd.GeoDataFrame):
        return assign_crs(source, crs, what=what)
    gdf = read_layer(source, layer=layer, what=what, crs=crs)
    if len(gdf) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    if gdf.crs is None:
        raise InputError(f"{what}: {NO_CRS}")
    return gdf


def _say_reprojections(
    net: StreetNetwork, progress: ProgressLike, **layers: gpd.GeoDataFrame | None
) -> None:
    """Say which layers the analysis reprojects to the network's CRS (one line each)."""
    from stadsrum.network.projection import reprojection_note

    for what, gdf in layers.items():
        if gdf is not None and gdf.crs is not None:
            note = reprojection_note(gdf, net.crs, what=what)
            if note:
                progress.message(note)


def _crs_text(crs: Any) -> str | None:
    """How ``crs`` is recorded in ``run_metadata``."""
    return None if crs is None else str(crs)


def _network_metadata(net: StreetNetwork, options: NetworkOptions) -> dict[str, Any]:
    """``run_metadata``'s record of how the network was read: ``prepare`` as it was
    prepared (a stadsrum GeoPackage is read as it is), ``clip`` as text."""
    return {**options.metadata(), "prepare": net.prepare, "clip": _clip_text(options.clip)}


def _clip_text(clip: Any) -> str | None:
    """How ``clip`` (a path, a box, an area) is recorded in ``run_metadata``."""
    if clip is None or isinstance(clip, str | Path):
        return None if clip is None else str(clip)
    if isinstance(clip, tuple | list):
        return ",".join(str(v) for v in clip)
    return "an area given in Python"


def _source_name(source: object) -> str | Path | None:
    return source if isinstance(source, str | Path) else None


@dataclass
class DistancesResult:
    """Place-to-node results and where they were written."""

    network: StreetNetwork
    layers: dict[str, Any]
    path: Path | None
    summary: str = ""  # plausibility warnings, as printed


@checked_options
@takes_scheduler
@takes_options(network_options=NetworkOptions, options=DistanceOptions)
def run_distances(
    network: str | Path | gpd.GeoDataFrame | StreetNetwork,
    places: str | Path | gpd.GeoDataFrame,
    nodes: str | Path | gpd.GeoDataFrame,
    out: str | Path | None,
    *,
    place_entrances: str | Path | gpd.GeoDataFrame | None = None,
    node_entrances: str | Path | gpd.GeoDataFrame | None = None,
    network_layer: str | None = None,
    places_layer: str | None = None,
    nodes_layer: str | None = None,
    network_options: NetworkOptions,
    options: DistanceOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
    scheduler: str | None = "local",
    client: Any = None,
) -> DistancesResult:
    """Place-to-node distances, routes and service areas (``stadsrum distances``).

    Writes the layers ``od`` (one route line per place and node with the OD
    columns), ``service_areas`` and ``service_area_lines`` (per place and
    threshold in minutes), ``place_summary`` (a table) and ``run_metadata``.
    ``service_radii`` (e.g. ``"straight:500,steps:2"``) adds service areas
    within those radii, with a ``radius`` column (see
    :func:`~stadsrum.measures.proximity.service_areas`).

    Places may be a point layer grouped by ``place_group`` (one place per
    value), polygons with ``place_entrances`` (points naming their place in
    the column ``building_id``, default ``place_id``), or an OpenStreetMap
    file: its buildings, joined through the entrances mapped on them, with
    ids in ``building_id``. Polygons without entrances join as ``polygons``
    says (``entrances``, ``centroid`` or ``boundary:N``). Polygon nodes (a
    station building) likewise join through ``node_entrances``, points naming
    their node in ``building_id`` (default ``node_id``).

    ``scheduler`` (``local``, ``local-cluster``, a Dask scheduler address or
    scheduler file) or a Dask ``client`` runs the searches on a cluster
    (``docs/scale.md``).
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.DistanceOptions`).
    """
    from stadsrum.measures.access_graph import group_points
    from stadsrum.measures.naming import parse_radius_specs
    from stadsrum.measures.proximity import place_distances, place_summary, service_areas

    opts = options
    place_group, polygons, building_id = opts.place_group, opts.polygons, opts.building_id
    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(
        out,
        {
            "network": network,
            "places": places,
            "nodes": nodes,
            "place_entrances": place_entrances,
            "node_entrances": node_entrances,
        },
    )
    parse_polygon_mode(polygons)  # before any layer is read
    if opts.service_radii is not None:
        parse_radius_specs(opts.service_radii)  # likewise
    # the other layers first: a mistake in one is found before the network is prepared
    place_gdf, entrance_gdf, from_osm = _with_entrances(
        places, place_entrances, layer=places_layer, what="places", crs=crs, progress=progress
    )
    place_id = opts.place_id
    if from_osm and place_id == "place_id":
        place_id = "building_id"
    node_gdf = _features(nodes, layer=nodes_layer, what="nodes", crs=crs, progress=progress)
    node_entrance_gdf = _optional_features(
        node_entrances, layer=None, what="node entrances", crs=crs
    )
    net = _network(
        network, layer=network_layer, crs=crs, progress=progress, **network_options.values()
    )
    _say_reprojections(net, progress, places=place_gdf, nodes=node_gdf)
    limits = _minutes(opts.thresholds)
    dist = place_distances(
        net,
        place_gdf,
        node_gdf,
        place_id=place_id,
        node_id=opts.node_id,
        node_category=opts.node_category,
        max_link=opts.max_link,
        polygons=polygons,
        place_group=place_group,
        place_entrances=entrance_gdf,
        node_entrances=node_entrance_gdf,
        building_id=building_id,
        speed=opts.speed,
        nearest=opts.nearest,
        nearest_per_category=opts.nearest_per_category,
        routes=opts.routes,
        threads=threads,
        progress=progress,
    )
    areas, lines = service_areas(
        net,
        place_gdf,
        place_id=place_id,
        thresholds=limits,
        speed=opts.speed,
        max_link=opts.max_link,
        polygons=polygons,
        place_group=place_group,
        place_entrances=entrance_gdf,
        building_id=building_id,
        radii=opts.service_radii,
        step_threshold=opts.step_threshold,
        threads=threads,
        progress=progress,
    )
    summary = place_summary(dist.od, thresholds=sorted({*limits, 30.0}))
    layers: dict[str, Any] = {
        "od": dist.od,
        "service_areas": areas,
        "service_area_lines": lines,
        "place_summary": summary,
    }
    layers["warnings"] = _distance_warnings(
        net,
        dist,
        place_gdf if place_group is None else group_points(place_gdf, place_group, what="places"),
        node_gdf,
        place_id=place_id if place_group is None else place_group,
        node_id=opts.node_id,
    )
    checked = _announce_warnings(layers["warnings"], progress)
    path = None
    if out is not None:
        params = {
            "scheduler": "client" if client is not None else (scheduler or "local"),
            **opts.metadata(),
            "place_id": place_id,  # building_id for an OpenStreetMap file's buildings
            "thresholds": limits,
            **_network_metadata(net, network_options),
            "crs": _crs_text(crs),
        }
        inputs = {
            "network": _source_name(network),
            "places": _source_name(places),
            "nodes": _source_name(nodes),
            "place_entrances": _source_name(place_entrances),
        }
        meta = run_metadata("distances", params, inputs=inputs, extra={"plausibility": checked})
        path = write_gpkg(out, layers, metadata=meta)
    return DistancesResult(network=net, layers=layers, path=path, summary=checked)


def _minutes(thresholds: str | list[float], *, what: str = "thresholds") -> list[float]:
    # the rules of the command line and the options check (an empty item refused)
    return parse_minutes(thresholds, what=what)


@dataclass
class AccessibilityResult:
    """Attraction accessibility results and where they were written."""

    network: StreetNetwork
    accessibility: gpd.GeoDataFrame
    path: Path | None
    summary: str = ""  # plausibility warnings, as printed
    warnings: gpd.GeoDataFrame | None = None  # the same, as the ``warnings`` layer


@checked_options
@takes_scheduler
@takes_options(network_options=NetworkOptions, options=AccessibilityOptions)
def run_accessibility(
    network: str | Path | gpd.GeoDataFrame | StreetNetwork,
    attractions: str | Path | gpd.GeoDataFrame,
    out: str | Path | None,
    *,
    origins: str | Path | gpd.GeoDataFrame | None = None,
    attraction_entrances: str | Path | gpd.GeoDataFrame | None = None,
    origin_entrances: str | Path | gpd.GeoDataFrame | None = None,
    network_layer: str | None = None,
    attractions_layer: str | None = None,
    origins_layer: str | None = None,
    network_options: NetworkOptions,
    options: AccessibilityOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
    scheduler: str | None = "local",
    client: Any = None,
) -> AccessibilityResult:
    """Attraction distance and reach (``stadsrum accessibility``).

    ``origins`` is ``None`` or ``"segments"`` for every segment, or a point
    layer. Writes the layer ``accessibility`` and ``run_metadata``.

    Attractions and origins may be point layers grouped by
    ``attraction_group``/``origin_group`` (one feature per value, as far as
    its nearest point; an attraction's value counts once), polygons with
    entrance points (naming their feature in ``building_id``, default
    ``building_id``), or an OpenStreetMap file: its buildings with the
    entrances mapped on them. Polygons without entrances join as
    ``polygons`` says (``centroid``, ``entrances`` or ``boundary:N``).

    ``scheduler`` (``local``, ``local-cluster``, a Dask scheduler address or
    scheduler file) or a Dask ``client`` runs the searches on a cluster
    (``docs/scale.md``).
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.AccessibilityOptions`).
    """
    from stadsrum.measures.accessibility import attraction_accessibility

    opts = options
    polygons, building_id = opts.polygons, opts.building_id
    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(
        out,
        {
            "network": network,
            "attractions": attractions,
            "origins": origins,
            "attraction_entrances": attraction_entrances,
            "origin_entrances": origin_entrances,
        },
    )
    parse_polygon_mode(polygons)  # before any layer is read
    # the other layers first: a mistake in one is found before the network is prepared
    att, att_entrances, _ = _with_entrances(
        attractions,
        attraction_entrances,
        layer=attractions_layer,
        what="attractions",
        crs=crs,
        progress=progress,
    )
    origin_gdf = origin_ent = None
    if origins is not None and not (isinstance(origins, str) and origins == "segments"):
        origin_gdf, origin_ent, _ = _with_entrances(
            origins,
            origin_entrances,
            layer=origins_layer,
            what="origins",
            crs=crs,
            progress=progress,
        )
    elif origin_entrances is not None or opts.origin_group is not None:
        raise InputError(
            "origins: --origin-entrances and --origin-group need origins from a layer "
            "(--origins FILE), not the segments"
        )
    net = _network(
        network, layer=network_layer, crs=crs, progress=progress, **network_options.values()
    )
    _say_reprojections(net, progress, attractions=att, origins=origin_gdf)
    result = attraction_accessibility(
        net,
        att,
        origins=origin_gdf,
        attraction_entrances=att_entrances,
        origin_entrances=origin_ent,
        **opts.values(),
        threads=threads,
        progress=progress,
    )
    warnings = _combine(
        [
            _link_warnings(
                net,
                att,
                layer="attractions",
                max_link=opts.max_link,
                polygons=polygons,
                group=opts.attraction_group,
                entrances=att_entrances,
                building_id=building_id,
            ),
            *(
                [
                    _link_warnings(
                        net,
                        origin_gdf,
                        layer="origins",
                        max_link=opts.max_link,
                        polygons=polygons,
                        group=opts.origin_group,
                        entrances=origin_ent,
                        building_id=building_id,
                    )
                ]
                if origin_gdf is not None
                else []
            ),
        ],
        net,
    )
    checked = _announce_warnings(warnings, progress)
    path = None
    if out is not None:
        params = {
            "scheduler": "client" if client is not None else (scheduler or "local"),
            **opts.metadata(),
            "origins": "segments" if origin_gdf is None else "points",
            **_network_metadata(net, network_options),
            "crs": _crs_text(crs),
        }
        inputs = {
            "network": _source_name(network),
            "attractions": _source_name(attractions),
            "origins": _source_name(origins) if origin_gdf is not None else None,
            "attraction_entrances": _source_name(attraction_entrances),
            "origin_entrances": _source_name(origin_entrances),
        }
        meta = run_metadata("accessibility", params, inputs=inputs, extra={"plausibility": checked})
        path = write_gpkg(out, {"accessibility": result, "warnings": warnings}, metadata=meta)
    return AccessibilityResult(
        network=net, accessibility=result, path=path, summary=checked, warnings=warnings
    )


@dataclass
class BetweennessResult:
    """Attraction or OD betweenness per segment and where it was written."""

    network: StreetNetwork
    betweenness: gpd.GeoDataFrame
    path: Path | None
    warnings: gpd.GeoDataFrame | None = None  # link checks of the layers, as written


@checked_options
@takes_scheduler
@takes_options(network_options=NetworkOptions, options=BetweennessOptions)
def run_betweenness(
    network: str | Path | gpd.GeoDataFrame | StreetNetwork,
    out: str | Path | None,
    *,
    origins: str | Path | gpd.GeoDataFrame | None = None,
    destinations: str | Path | gpd.GeoDataFrame | None = None,
    attractions: str | Path | gpd.GeoDataFrame | None = None,
    network_layer: str | None = None,
    origins_layer: str | None = None,
    destinations_layer: str | None = None,
    options: BetweennessOptions,
    network_options: NetworkOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
    scheduler: str | None = "local",
    client: Any = None,
) -> BetweennessResult:
    """Attraction or OD betweenness (``stadsrum betweenness``, ``docs/betweenness.md``).

    ``destinations`` gives OD betweenness (``betweenness_mode`` ``all`` or
    ``closest``), ``attractions`` attraction betweenness (origins may then be
    left out: the attractions route to each other). Writes the layer
    ``betweenness`` (the network's segments with one column per cost and
    radius), ``warnings`` and ``run_metadata``.

    ``scheduler`` (``local``, ``local-cluster``, a Dask scheduler address or
    scheduler file) or a Dask ``client`` runs the searches on a cluster
    (``docs/scale.md``).
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.BetweennessOptions`).
    """
    from stadsrum.measures.betweenness import betweenness

    opts = options
    max_link, polygons = opts.max_link, opts.polygons
    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(
        out,
        {
            "network": network,
            "origins": origins,
            "destinations": destinations,
            "attractions": attractions,
        },
    )
    parse_polygon_mode(polygons)
    if (destinations is None) == (attractions is None):
        raise InputError(
            "betweenness: give either --destinations (OD betweenness) or --attractions "
            "(attraction betweenness)"
        )
    what = "destinations" if destinations is not None else "attractions"
    target_source = destinations if destinations is not None else attractions
    assert target_source is not None
    # the other layers first: a mistake in one is found before the network is prepared
    target = _features(
        target_source, layer=destinations_layer, what=what, crs=crs, progress=progress
    )
    origin_gdf = _optional_features(
        origins, layer=origins_layer, what="origins", crs=crs, progress=progress
    )
    net = _network(
        network, layer=network_layer, crs=crs, progress=progress, **network_options.values()
    )
    _say_reprojections(net, progress, origins=origin_gdf, **{what: target})
    measured = opts.values()
    measured["mode"] = measured.pop("betweenness_mode")  # the measure's word for it
    result = betweenness(
        net,
        origin_gdf,
        target if what == "destinations" else None,
        attractions=target if what == "attractions" else None,
        **measured,
        threads=threads,
        progress=progress,
    )
    layers = [_link_warnings(net, target, layer=what, max_link=max_link, polygons=polygons)]
    if origin_gdf is not None:
        layers.append(
            _link_warnings(net, origin_gdf, layer="origins", max_link=max_link, polygons=polygons)
        )
    warnings = _combine(layers, net)
    _announce_warnings(warnings, progress)
    path = None
    if out is not None:
        params = {
            "scheduler": "client" if client is not None else (scheduler or "local"),
            "kind": "od" if what == "destinations" else "attraction",
            **opts.metadata(),
            **_network_metadata(net, network_options),
            "crs": _crs_text(crs),
        }
        inputs = {
            "network": _source_name(network),
            "origins": _source_name(origins) if origins is not None else None,
            what: _source_name(target_source),
        }
        meta = run_metadata("betweenness", params, inputs=inputs)
        path = write_gpkg(out, {"betweenness": result, "warnings": warnings}, metadata=meta)
    return BetweennessResult(network=net, betweenness=result, path=path, warnings=warnings)


@dataclass
class BarriersResult:
    """Barrier analysis results and where they were written."""

    network: StreetNetwork
    layers: dict[str, Any]
    path: Path | None
    summary: str = ""  # plausibility warnings, as printed


@checked_options
@takes_options(network_options=NetworkOptions, options=BarrierOptions)
def run_barriers(
    network: str | Path | gpd.GeoDataFrame | StreetNetwork,
    barriers: str | Path | gpd.GeoDataFrame,
    out: str | Path | None,
    *,
    places: str | Path | gpd.GeoDataFrame | None = None,
    nodes: str | Path | gpd.GeoDataFrame | None = None,
    proposal: str | Path | gpd.GeoDataFrame | None = None,
    buildings: str | Path | gpd.GeoDataFrame | None = None,
    population: str | Path | gpd.GeoDataFrame | None = None,
    areas: str | Path | gpd.GeoDataFrame | None = None,
    network_layer: str | None = None,
    barriers_layer: str | None = None,
    places_layer: str | None = None,
    nodes_layer: str | None = None,
    proposal_layer: str | None = None,
    buildings_layer: str | None = None,
    population_layer: str | None = None,
    areas_layer: str | None = None,
    network_options: NetworkOptions,
    options: BarrierOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> BarriersResult:
    """Crossings, detours, barrier effect, new-crossing ranking, scenario (``stadsrum barriers``).

    Writes the layers ``crossings``, ``barriers``, ``barrier_stretches``
    and, with places and nodes, ``detour``, ``detour_pairs``,
    ``detour_places``, ``candidate_links``, ``barrier_effect``,
    ``barrier_effect_segments``, with a proposal ``scenario`` and
    ``scenario_places``, with population and areas ``barrier_segregation``
    and ``candidate_links_segregation``
    (:func:`~stadsrum.measures.barriers.barrier_segregation`), and
    ``run_metadata`` (see ``docs/barriers.md``).
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.BarrierOptions`).
    """
    from stadsrum.measures.barriers import barrier_analysis

    opts = options

    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(
        out,
        {
            "network": network,
            "barriers": barriers,
            "places": places,
            "nodes": nodes,
            "proposal": proposal,
            "buildings": buildings,
            "population": population,
            "areas": areas,
        },
    )
    if (population is None) != (areas is None):
        raise InputError("barriers and segregation need both --population and --areas (or neither)")
    env_minutes = _minutes(opts.environment, what="environment") if population is not None else None
    # the other layers first: a mistake in one is found before the network is prepared
    barrier_gdf = _features(barriers, layer=barriers_layer, what="barriers", crs=crs)
    pop_gdf = _optional_features(population, layer=population_layer, what="population", crs=crs)
    area_gdf = _optional_features(areas, layer=areas_layer, what="areas", crs=crs)
    place_gdf = _optional_features(places, layer=places_layer, what="places", crs=crs)
    node_gdf = _optional_features(
        nodes, layer=nodes_layer, what="nodes", crs=crs, progress=progress
    )
    proposal_gdf = _optional_features(proposal, layer=proposal_layer, what="proposal", crs=crs)
    building_gdf = _optional_features(buildings, layer=buildings_layer, what="buildings", crs=crs)
    net = _network(
        network, layer=network_layer, crs=crs, progress=progress, **network_options.values()
    )
    _say_reprojections(
        net,
        progress,
        barriers=barrier_gdf,
        places=place_gdf,
        nodes=node_gdf,
        proposal=proposal_gdf,
        buildings=building_gdf,
    )
    cats = (
        [c.strip() for c in opts.categories.split(",") if c.strip()]
        if isinstance(opts.categories, str)
        else opts.categories
    )
    limits = _minutes(opts.thresholds)
    # the options read here, and those of barriers and segregation only, go as read
    analysed = {k: v for k, v in opts.values().items() if k not in BarrierOptions.SEGREGATION}
    result = barrier_analysis(
        net,
        barrier_gdf,
        places=place_gdf,
        nodes=node_gdf,
        proposal=proposal_gdf,
        buildings=building_gdf,
        **(analysed | {"categories": cats, "thresholds": limits}),
        threads=threads,
        progress=progress,
    )
    if pop_gdf is not None and area_gdf is not None:
        from stadsrum.measures.barriers import barrier_segregation

        seg_barriers, seg_links = barrier_segregation(
            net,
            result.barriers,
            pop_gdf,
            area_gdf,
            area_id=opts.area_id,
            population_column=opts.population_column,
            groups=opts.groups,
            buildings=building_gdf,
            environment=env_minutes or [10.0],
            gap=opts.gap,
            max_link_length=opts.max_link_length,
            candidate_spacing=opts.candidate_spacing,
            speed=opts.speed,
            max_link=opts.max_link,
            threads=threads,
            progress=progress,
        )
        result.layers["barrier_segregation"] = seg_barriers
        result.layers["candidate_links_segregation"] = seg_links
    checked = ""
    if place_gdf is not None or node_gdf is not None:
        result.layers["warnings"] = _barrier_warnings(
            net,
            result.layers,
            place_gdf,
            node_gdf,
            place_id=opts.place_id,
            node_id=opts.node_id,
            max_link=opts.max_link,
        )
        checked = _announce_warnings(result.layers["warnings"], progress)
    path = None
    if out is not None:
        params = {
            **opts.metadata(),
            "categories": cats,
            "thresholds": limits,
            "centre": list(opts.centre) if opts.centre is not None else None,
            "environment": env_minutes,
            **_network_metadata(net, network_options),
            "crs": _crs_text(crs),
        }
        inputs = {
            "network": _source_name(network),
            "barriers": _source_name(barriers),
            "places": _source_name(places),
            "nodes": _source_name(nodes),
            "proposal": _source_name(proposal),
            "buildings": _source_name(buildings),
            "population": _source_name(population),
            "areas": _source_name(areas),
        }
        meta = run_metadata(
            "barriers", params, inputs=inputs, extra={"plausibility": checked} if checked else None
        )
        path = write_gpkg(out, result.layers, metadata=meta)
    return BarriersResult(network=net, layers=result.layers, path=path, summary=checked)


@dataclass
class CompareResult:
    """A before/after comparison of a proposal and where it was written."""

    comparison: Any
    layers: dict[str, Any]
    path: Path | None
    summary: str = ""  # plausibility warnings, as printed
    areas_summary: dict[str, Any] = field(default_factory=dict)  # see compare_areas


@checked_options
@takes_options(network_options=NetworkOptions, options=CompareOptions)
def run_compare(
    network: str | Path | gpd.GeoDataFrame | StreetNetwork | None,
    proposal: str | Path | gpd.GeoDataFrame | None,
    out: str | Path | None,
    *,
    areas_before: str | Path | dict[str, Any] | None = None,
    areas_after: str | Path | dict[str, Any] | None = None,
    places: str | Path | gpd.GeoDataFrame | None = None,
    nodes: str | Path | gpd.GeoDataFrame | None = None,
    attractions: str | Path | gpd.GeoDataFrame | None = None,
    network_layer: str | None = None,
    proposal_layer: str | None = None,
    places_layer: str | None = None,
    nodes_layer: str | None = None,
    attractions_layer: str | None = None,
    network_options: NetworkOptions,
    options: CompareOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> CompareResult:
    """Before/after comparison of a plan proposal (``stadsrum compare``).

    Runs segment analysis (and place-to-node distances with ``places`` and
    ``nodes``, accessibility with ``attractions``) on the network before and
    after the proposal, and writes the difference layers ``segments_diff``,
    ``od_diff``, ``places_diff``, ``accessibility_diff``, the ``proposal``
    lines and ``run_metadata`` to ``out`` (see
    :mod:`stadsrum.measures.compare`).

    ``areas_before`` and ``areas_after`` are two files written by ``stadsrum
    areas`` (or their layers as a dict) on the network before and after: they
    add ``areas_diff``, ``area_matrix_diff``, ``copresence_diff`` and
    ``segregation_diff`` (see :func:`stadsrum.measures.compare.compare_areas`).
    With them, ``network`` and ``proposal`` may be left out (``None``): then
    only the area layers are compared.
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.CompareOptions`).
    """
    from stadsrum.measures.compare import COMPARE_MEASURES, compare, compare_areas

    opts = options

    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    if (areas_before is None) != (areas_after is None):
        raise InputError("compare: give both --areas-before and --areas-after, or neither")
    if (network is None) != (proposal is None):
        raise InputError("compare: give both --base and --proposal, or neither")
    if network is None and areas_before is None:
        raise InputError(
            "compare: nothing to compare; give --base and --proposal, or two areas files "
            "(--areas-before and --areas-after)"
        )
    area_layers: dict[str, Any] = {}
    area_summary: dict[str, Any] = {}
    if areas_before is not None and areas_after is not None:
        check_not_an_input(out, {"areas_before": areas_before, "areas_after": areas_after})
        area_layers, area_summary = compare_areas(
            _area_run(areas_before, "areas_before"), _area_run(areas_after, "areas_after")
        )
    if network is None or proposal is None:
        path = None
        if out is not None:
            inputs = {"areas_before": _source_name(areas_before)}
            inputs["areas_after"] = _source_name(areas_after)
            meta = run_metadata(
                "compare", {}, inputs=inputs, extra={"summary": {"areas": area_summary}}
            )
            path = write_gpkg(out, area_layers, metadata=meta)
        return CompareResult(
            comparison=None,
            layers=area_layers,
            path=path,
            areas_summary=area_summary,
        )
    check_not_an_input(
        out,
        {
            "network": network,
            "proposal": proposal,
            "places": places,
            "nodes": nodes,
            "attractions": attractions,
        },
    )
    # the other layers first: a mistake in one is found before the network is prepared
    proposal_gdf = _features(proposal, layer=proposal_layer, what="proposal", crs=crs)
    place_gdf = _optional_features(places, layer=places_layer, what="places", crs=crs)
    node_gdf = _optional_features(
        nodes, layer=nodes_layer, what="nodes", crs=crs, progress=progress
    )
    attraction_gdf = _optional_features(
        attractions, layer=attractions_layer, what="attractions", crs=crs
    )
    net = _network(
        network, layer=network_layer, crs=crs, progress=progress, **network_options.values()
    )
    _say_reprojections(
        net,
        progress,
        proposal=proposal_gdf,
        places=place_gdf,
        nodes=node_gdf,
        attractions=attraction_gdf,
    )
    measure_list = (
        [m.strip() for m in opts.measures.split(",") if m.strip()]
        if isinstance(opts.measures, str)
        else list(opts.measures or COMPARE_MEASURES)
    )
    limits = _minutes(opts.thresholds)
    # the options as compare reads them: the measures and minutes read, and the
    # proposal's id column, which compare calls its label (it names lines in messages)
    analysed = opts.values() | {"measures": measure_list, "thresholds": limits}
    analysed["proposal_label"] = analysed.pop("proposal_id")
    result = compare(
        net,
        proposal_gdf,
        places=place_gdf,
        nodes=node_gdf,
        attractions=attraction_gdf,
        **analysed,
        threads=threads,
        progress=progress,
    )
    if area_layers:
        result.layers.update(area_layers)
        result.summary["areas"] = area_summary
    checked = ""
    if "od_diff" in result.layers or attraction_gdf is not None:
        result.layers["warnings"] = _compare_warnings(
            net,
            result.layers,
            place_gdf,
            node_gdf,
            attraction_gdf,
            place_id=opts.place_id,
            node_id=opts.node_id,
            max_link=opts.max_link,
        )
        checked = _announce_warnings(result.layers["warnings"], progress)
    path = None
    if out is not None:
        params = {
            **opts.metadata(),
            "measures": measure_list,
            "thresholds": limits,
            **_network_metadata(net, network_options),
            "crs": _crs_text(crs),
        }
        inputs = {
            "network": _source_name(network),
            "proposal": _source_name(proposal),
            "places": _source_name(places),
            "nodes": _source_name(nodes),
            "attractions": _source_name(attractions),
            "areas_before": _source_name(areas_before),
            "areas_after": _source_name(areas_after),
        }
        extra: dict[str, Any] = {"summary": result.summary}
        if checked:
            extra["plausibility"] = checked
        meta = run_metadata("compare", params, inputs=inputs, extra=extra)
        path = write_gpkg(out, result.layers, metadata=meta)
    return CompareResult(
        comparison=result,
        layers=result.layers,
        path=path,
        summary=checked,
        areas_summary=area_summary,
    )


#: The layers of a ``stadsrum areas`` file that compare reads.
_AREA_RUN_LAYERS = ("areas", "area_matrix", "copresence", "segregation", "meeting_places")


def _area_run(source: str | Path | dict[str, Any], what: str) -> dict[str, Any]:
    """The layers of one areas run: a file written by ``stadsrum areas`` or a dict."""
    if isinstance(source, dict):
        return {k: v for k, v in source.items() if k in _AREA_RUN_LAYERS}
    import pyogrio

    path = Path(str(source))
    option = "--" + what.replace("_", "-")
    if not path.is_file():
        raise InputError(f"{option}: no such file '{path}'")
    try:
        names = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio's own errors: not a file GDAL can read
        raise InputError(f"{option}: '{path}' cannot be read as a GeoPackage ({exc})") from exc
    if "segregation" not in names or "areas" not in names:
        raise InputError(
            f"{option}: '{path}' has no areas or segregation layer; give a file written "
            "by stadsrum areas"
        )
    layers: dict[str, Any] = {}
    for name in _AREA_RUN_LAYERS:
        if name in names:
            frame = pyogrio.read_dataframe(path, layer=name)
            layers[name] = frame
    return layers


def area_summary_line(summary: dict[str, Any]) -> str:
    """One line on what a proposal does to the areas: distance between areas, indices."""
    parts = []
    if "between_areas_mean_min_before" in summary:
        parts.append(
            "mean walk between residents of different areas "
            f"{summary['between_areas_mean_min_before']:.1f} → "
            f"{summary['between_areas_mean_min_after']:.1f} min "
            f"({summary['area_pairs_closer']} of {summary['area_pairs']} area pairs closer)"
        )
    for row in summary.get("segregation", []):
        if row["index"] == "dissimilarity" and row["scale"] != "areas":
            parts.append(
                "dissimilarity along the streets "
                f"({row['scale'].removeprefix('network_').replace('min', ' min')}) "
                f"{row['before']:.3f} → {row['after']:.3f}"
            )
    if "warning" in summary:
        parts.append("note: " + summary["warning"])
    return "areas: " + ("; ".join(parts) if parts else "compared")


def run_report(
    sources: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    lang: str = "sv",
    title: str | None = None,
    progress: ProgressLike | None = None,
) -> Any:
    """HTML and PDF report of result GeoPackages (``stadsrum report``).

    ``sources`` are GeoPackages written by stadsrum, or folders holding them;
    writes ``report.html`` (self-contained, images embedded) and
    ``report.pdf`` to ``out_dir`` and returns a
    :class:`stadsrum.report.ReportResult`.
    """
    from stadsrum.report import write_report

    check_paths(
        sources, function="run_report", argument="sources", accepts="result GeoPackages or folders"
    )
    progress = as_progress(progress)
    check_writable(out_dir, folder=True)
    progress.message(f"writing the report ({lang})")
    return write_report(sources, out_dir, lang=lang, title=title)


def run_export(
    sources: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    formats: str | list[str] = "csv",
) -> list[Path]:
    """Every layer of result GeoPackages as CSV (tables) and/or GeoParquet, for researchers.

    Files are named ``{file stem}_{layer}.csv`` / ``.parquet``; CSV drops the
    geometry, GeoParquet keeps it with its CRS (needs pyarrow).
    """
    import pyogrio

    from stadsrum.io.writers import write_csv, write_parquet
    from stadsrum.report import collect_sources

    check_paths(
        sources, function="run_export", argument="sources", accepts="result GeoPackages or folders"
    )
    wanted = [f.strip() for f in formats.split(",")] if isinstance(formats, str) else list(formats)
    unknown = sorted(set(wanted) - {"csv", "parquet"})
    if unknown:
        raise InputError(f"export formats must be csv and/or parquet, not {', '.join(unknown)}")
    out = Path(out_dir)
    check_writable(out, folder=True)
    written: list[Path] = []
    for path in collect_sources(sources):
        for name in (str(n) for n in pyogrio.list_layers(path)[:, 0]):
            if name in ("layer_styles",):
                continue
            frame = pyogrio.read_dataframe(path, layer=name)
            if "csv" in wanted:
                written.append(write_csv(out / f"{path.stem}_{name}.csv", frame))
            if "parquet" in wanted and name != "run_metadata":
                written.append(write_parquet(out / f"{path.stem}_{name}.parquet", frame))
    return written


def run_demo(
    out_dir: str | Path = "stadsrum-demo", *, progress: ProgressLike | None = None
) -> dict[str, Any]:
    """Run the whole chain on the embedded sample data and write it to ``out_dir``.

    Returns a dictionary with the network result and the paths written. An error
    or interrupt part way carries a note naming the files already written (see
    :func:`stadsrum.io.outputs_check.written_before`).
    """
    progress = as_progress(progress)
    out_dir = Path(out_dir)
    check_writable(out_dir, folder=True)  # made with its first file, not before
    started = time.time() - 1.0  # file times may lag the clock by a tick
    try:
        return _demo(out_dir, progress)
    except (Exception, KeyboardInterrupt) as exc:
        # the results of the steps before a failure or an interrupt are whole and stay
        outputs = [
            *(out_dir / f"{n}.gpkg" for n in ("network", "segments", "distances")),
            *(out_dir / f"{n}.gpkg" for n in ("accessibility", "areas", "barriers", "compare")),
            out_dir / "tables",
            out_dir / "report" / "report.html",
            out_dir / "report" / "report.pdf",
            out_dir / "summary.txt",
        ]
        note_written(exc, "demo", outputs, started)
        raise


def _demo(out_dir: Path, progress: ProgressLike) -> dict[str, Any]:
    data = sample_data_dir()
    result = run_network(data / "helsinki.osm.pbf", out_dir / "network.gpkg", progress=progress)
    progress.message("segment analysis of the sample city (angular and metric, 400 m, 800 m, n)")
    seg = run_segments(
        result.network,
        out_dir / "segments.gpkg",
        cost="angular,metric",
        radii="400,800,n",
        progress=progress,
    )
    progress.message("distances from the sample places to the key nodes, service areas")
    layers = data / "helsinki.gpkg"
    dist = run_distances(
        result.network,
        f"{layers}|layername=places",
        f"{layers}|layername=nodes",
        out_dir / "distances.gpkg",
        node_category="category",
        progress=progress,
    )
    progress.message("accessibility of the key nodes from every street segment")
    access = run_accessibility(
        result.network,
        f"{layers}|layername=nodes",
        out_dir / "accessibility.gpkg",
        radii="300,600,n",
        category="category",
        progress=progress,
    )
    progress.message("people and areas: a SYNTHETIC population on the sample city's buildings")
    people = data / "population.gpkg"  # made up by sample_data/make_population.py
    areas = run_areas(
        result.network,
        f"{people}|layername=population",
        out_dir / "areas.gpkg",
        groups="born_sweden,born_abroad",
        areas=f"{people}|layername=districts",
        nodes=f"{layers}|layername=nodes",
        node_category="category",
        meeting_places=f"{layers}|layername=places",
        environment="5,10",
        progress=progress,
    )
    progress.message("barriers of the sample city: railway yard and water, two footbridges")
    barriers = run_barriers(
        result.network,
        f"{layers}|layername=barriers",
        out_dir / "barriers.gpkg",
        places=f"{layers}|layername=places",
        nodes=f"{layers}|layername=nodes",
        proposal=f"{layers}|layername=proposal",
        categories="railway,water",
        node_category="category",
        proposal_id="proposal_id",
        progress=progress,
    )
    progress.message("before/after the sample proposal (two footbridges)")
    comparison = run_compare(
        result.network,
        f"{layers}|layername=proposal",
        out_dir / "compare.gpkg",
        places=f"{layers}|layername=places",
        nodes=f"{layers}|layername=nodes",
        attractions=f"{layers}|layername=nodes",
        cost="angular",
        radii="800,n",
        node_category="category",
        category="category",
        access_radii="300,600,n",
        proposal_id="proposal_id",
        progress=progress,
    )
    gpkgs = [
        p
        for p in (
            result.path,
            seg.path,
            dist.path,
            access.path,
            areas.path,
            barriers.path,
            comparison.path,
        )
        if p is not None
    ]
    researcher = [p for p in (dist.path, comparison.path) if p is not None]
    tables = run_export(researcher, out_dir / "tables", formats="csv")
    report = run_report(gpkgs, out_dir / "report", lang="sv", progress=progress)
    summary = "\n".join(
        [
            result.network.summary(),
            _segments_summary(seg.segments),
            _distances_summary(dist.layers["place_summary"]),
            _areas_summary(areas.layers),
            _compare_summary(comparison.comparison.summary),
            *(
                f"{name}: {text}"
                for name, text in (
                    ("distances", dist.summary),
                    ("accessibility", access.summary),
                    ("areas", "; ".join(areas.notes)),
                    ("barriers", barriers.summary),
                    ("compare", comparison.summary),
                )
                if text
            ),
        ]
    )
    summary_path = out_dir / "summary.txt"
    from stadsrum.io.writers import atomic_path

    with atomic_path(summary_path, suffix=".txt") as tmp:
        tmp.write_text(
            "stadsrum demo: central Helsinki (OpenStreetMap, ODbL)\n\n" + summary + "\n",
            encoding="utf-8",
        )
    return {
        "network": result,
        "segments": seg,
        "distances": dist,
        "accessibility": access,
        "areas": areas,
        "barriers": barriers,
        "compare": comparison,
        "report": report,
        "paths": [
            result.path,
            seg.path,
            dist.path,
            access.path,
            areas.path,
            barriers.path,
            comparison.path,
            report.html,
            report.pdf,
            out_dir / "tables",
            summary_path,
        ],
        "tables": tables,
        "summary": summary,
    }


def _compare_summary(summary: dict[str, Any]) -> str:
    """Lines on what the sample proposal changes."""
    return (
        f"proposal: {count(summary['links_added'], 'link')} added; "
        f"{summary.get('od_pairs_shorter', 0)} of {summary.get('od_pairs', 0)} place-node routes "
        f"shorter, by up to {summary.get('od_largest_saving_min') or 0:.1f} min"
    )


def _distances_summary(summary: gpd.GeoDataFrame) -> str:
    """A line per place: nodes within 10 minutes' walk and the mean walk."""
    lines = ["places (key nodes within a 10-minute walk, mean walk to all nodes):"]
    for row in summary.sort_values("rank").itertuples():
        lines.append(
            f"  {row.rank}. {row.place_id}: {count(row.nodes_within_10min, 'node')}, "
            f"{row.mean_walk_min:.1f} min"
        )
    return "\n".join(lines)


def _areas_summary(layers: dict[str, Any]) -> str:
    """The demo's people and areas in two lines: who lives where, and the dissimilarity."""
    pop, seg = layers["population"], layers["segregation"]
    d = seg[(seg["index"] == "dissimilarity") & (seg["group"] == "all")]
    scales = ", ".join(
        f"{v:.2f} {'over the districts' if s == 'areas' else 'within a ' + s[8:-3] + ' min walk'}"
        for s, v in zip(d["scale"], d["value"], strict=True)
    )
    return (
        f"people and areas (SYNTHETIC population, made up for the demo): "
        f"{int(pop['population'].sum()):,} residents at {len(pop):,} buildings "
        f"in {len(layers['areas'])} grid districts\n  dissimilarity D: {scales}"
    )


def _segments_summary(segments: gpd.GeoDataFrame) -> str:
    """A line per key measure: its range over the segments."""
    lines = ["segment analysis:"]
    for col in ("integration_angular_rn", "choice_angular_rn", "integration_angular_r800"):
        if col in segments:
            values = segments[col].dropna()
            lines.append(
                f"  {col}: min {values.min():,.1f}, median {values.median():,.1f}, "
                f"max {values.max():,.1f}"
            )
    return "\n".join(lines)


# --- plausibility warnings (stadsrum.measures.plausibility) ---------------------------------


def _announce_warnings(warnings: gpd.GeoDataFrame, progress: ProgressLike) -> str:
    """The warnings as summary text, also shown as a progress message."""
    from stadsrum.measures.plausibility import warnings_summary

    text = warnings_summary(warnings)
    progress.message(text)
    return text


def _combine(parts: list[gpd.GeoDataFrame], net: StreetNetwork) -> gpd.GeoDataFrame:
    from stadsrum.measures.plausibility import combine_warnings

    return combine_warnings(parts, crs=net.edges.crs)


def _by_id(gdf: gpd.GeoDataFrame, net: StreetNetwork, id_column: str | None) -> gpd.GeoSeries:
    """The features' geometries in the network's CRS, indexed by their ids."""
    from stadsrum.network.projection import align_crs

    gdf, _ = align_crs(gdf, net.crs, what="features")
    ids = (
        gdf[id_column].to_numpy()
        if id_column is not None and id_column in gdf.columns
        else np.arange(len(gdf))
    )
    return gpd.GeoSeries(gdf.geometry.to_numpy(), index=ids, crs=net.edges.crs)


def _link_warnings(
    net: StreetNetwork,
    gdf: gpd.GeoDataFrame,
    *,
    layer: str,
    max_link: float,
    id_column: str | None = None,
    polygons: str = "centroid",
    group: str | None = None,
    entrances: gpd.GeoDataFrame | None = None,
    building_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Link checks of a layer, joined as the analysis joins it."""
    from stadsrum.measures.plausibility import link_warnings
    from stadsrum.network.links import link_features

    if group is not None or entrances is not None:
        # point groups and entrances: the side as the analysis links it
        from stadsrum.measures.access_graph import link_side

        side = link_side(
            net,
            gdf,
            None,
            what=layer,
            max_link=max_link,
            polygons=polygons,
            group=group,
            entrances=entrances,
            building_id=building_id or "building_id",
        )
        geoms = gpd.GeoSeries(
            side.gdf.geometry.to_numpy(), index=np.asarray(side.ids), crs=net.edges.crs
        )
        links = side.links
    else:
        geoms = _by_id(gdf, net, id_column if id_column is not None else _id_column(gdf))
        links = link_features(net, gdf, max_link=max_link, polygons=polygons, what=layer)
    lines = links.access_lines(net.edges.crs)
    lines.insert(0, "feature_id", geoms.index.to_numpy()[lines.pop("owner").to_numpy()])
    return link_warnings(lines, id_column="feature_id", layer=layer, features=geoms)


def _id_column(gdf: gpd.GeoDataFrame) -> str | None:
    """The layer's id column where it has a usual one (else rows are numbered from 0)."""
    for name in ("id", "node_id", "place_id", "attraction_id", "origin_id", "fid"):
        if name in gdf.columns and not gdf[name].duplicated().any():
            return name
    return None


def _distance_warnings(
    net: StreetNetwork,
    dist: Any,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    place_id: str,
    node_id: str,
) -> gpd.GeoDataFrame:
    from stadsrum.measures.plausibility import detour_warnings, link_warnings

    return _combine(
        [
            detour_warnings(dist.od, layer="od"),
            link_warnings(
                dist.place_links,
                id_column="place_id",
                layer="places",
                features=_by_id(places, net, place_id),
            ),
            link_warnings(
                dist.node_links,
                id_column="node_id",
                layer="nodes",
                features=_by_id(nodes, net, node_id),
            ),
        ],
        net,
    )


def _barrier_warnings(
    net: StreetNetwork,
    layers: dict[str, Any],
    places: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    *,
    place_id: str,
    node_id: str,
    max_link: float,
) -> gpd.GeoDataFrame:
    """A long detour across a barrier is what the analysis measures, not a doubt:
    only pairs whose straight line crosses no barrier are checked."""
    from stadsrum.measures.plausibility import detour_warnings

    parts = []
    pairs = layers.get("detour_pairs")
    if pairs is not None and len(pairs):
        if "crosses_barrier" in pairs.columns:
            pairs = pairs[~pairs["crosses_barrier"].fillna(False).astype(bool)]
        parts.append(detour_warnings(pairs, layer="detour_pairs"))
    for gdf, layer, column in ((places, "places", place_id), (nodes, "nodes", node_id)):
        if gdf is not None:
            parts.append(
                _link_warnings(
                    net,
                    gdf,
                    layer=layer,
                    max_link=max_link,
                    id_column=column,
                    polygons="entrances",
                )
            )
    return _combine(parts, net)


def _once_if_unchanged(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> list[gpd.GeoDataFrame]:
    """A pair whose doubtful route the proposal leaves as it was is listed once."""
    if not len(before) or not len(after):
        return [before, after]

    def keys(frame: gpd.GeoDataFrame) -> list[tuple[str, str, float]]:
        return [
            (str(p), str(n), round(float(v), 6))
            for p, n, v in zip(frame["place_id"], frame["node_id"], frame["value"], strict=True)
        ]

    same = set(keys(before)) & set(keys(after))
    before = before.copy()
    both = [k in same for k in keys(before)]
    before.loc[both, "layer"] = "od_diff (before and after)"
    after = after.loc[[k not in same for k in keys(after)]]
    return [before, after]


def _compare_warnings(
    net: StreetNetwork,
    layers: dict[str, Any],
    places: gpd.GeoDataFrame | None,
    nodes: gpd.GeoDataFrame | None,
    attractions: gpd.GeoDataFrame | None,
    *,
    place_id: str,
    node_id: str,
    max_link: float,
) -> gpd.GeoDataFrame:
    """Detours before and after the proposal; links on the network before it."""
    import pandas as pd

    from stadsrum.measures.plausibility import detour_warnings

    parts = []
    od = layers.get("od_diff")
    if od is not None and len(od):
        for when in ("before", "after"):
            total = pd.to_numeric(od[f"total_m_{when}"], errors="coerce")
            ratio = pd.to_numeric(od[f"detour_ratio_{when}"], errors="coerce")
            frame = gpd.GeoDataFrame(
                {
                    "place_id": od["place_id"],
                    "node_id": od["node_id"],
                    "total_m": total,
                    "straight_m": total / ratio,
                    "detour_ratio": ratio,
                    "status": od[f"status_{when}"],
                },
                geometry=od.geometry,
                crs=od.crs,
            )
            parts.append(detour_warnings(frame, layer=f"od_diff ({when})"))
        parts = _once_if_unchanged(parts[0], parts[1])
    for gdf, layer, column, mode in (
        (places, "places", place_id, "entrances"),
        (nodes, "nodes", node_id, "entrances"),
        (attractions, "attractions", None, "centroid"),
    ):
        if gdf is not None:
            parts.append(
                _link_warnings(
                    net, gdf, layer=layer, max_link=max_link, id_column=column, polygons=mode
                )
            )
    return _combine(parts, net)


# --- key nodes from a GTFS feed -------------------------------------------------------------
@dataclass
class GtfsNodesResult:
    """Key nodes read from a GTFS feed and where they were written."""

    nodes: gpd.GeoDataFrame
    path: Path | None


def run_nodes_from_gtfs(
    feed: str | Path,
    out: str | Path | None,
    *,
    date: str | None = None,
    window: str = "07:00-09:00",
    modes: str | Sequence[str] | None = None,
    progress: ProgressLike | None = None,
) -> GtfsNodesResult:
    """Stations and stops of a GTFS feed as key nodes (``stadsrum nodes-from-gtfs``).

    Writes the layer ``nodes`` (see :func:`stadsrum.io.gtfs.nodes_from_gtfs` for
    its columns) and ``run_metadata`` with the service day and window used.
    """
    from stadsrum.io.gtfs import nodes_from_gtfs

    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(out, {"feed": feed})
    nodes = nodes_from_gtfs(feed, date=date, window=window, modes=modes, progress=progress)
    path = None
    if out is not None:
        meta = run_metadata("nodes-from-gtfs", dict(nodes.attrs["gtfs"]), inputs={"feed": feed})
        path = write_gpkg(out, {"nodes": nodes}, metadata=meta)
    return GtfsNodesResult(nodes=nodes, path=path)


# --- buildings and entrances (stadsrum buildings) -------------------------------------


@dataclass
class BuildingsResult:
    """Buildings with their entrances and where they were written."""

    buildings: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    path: Path | None


@checked_options
def run_buildings(
    source: str | Path | gpd.GeoDataFrame,
    out: str | Path | None,
    *,
    entrances: str | Path | gpd.GeoDataFrame | None = None,
    layer: str | None = None,
    entrances_layer: str | None = None,
    building_id: str | None = None,
    tolerance: float = 2.0,
    crs: Any = None,
    progress: ProgressLike | None = None,
) -> BuildingsResult:
    """Buildings and their entrances (``stadsrum buildings``).

    Writes the layers ``buildings`` (``building_id``, ``entrances``: how many)
    and ``entrances`` (``building_id``, ``matched``), see
    :func:`stadsrum.io.buildings.read_buildings`, and ``run_metadata``.
    """
    from stadsrum.io.buildings import read_buildings

    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    check_not_an_input(out, {"buildings": source, "entrances": entrances})
    found = read_buildings(
        source,
        entrances=entrances,
        layer=layer,
        entrances_layer=entrances_layer,
        building_id=building_id,
        tolerance=tolerance,
        crs=crs,
    )
    with_doors = int((found.buildings["entrances"] > 0).sum())
    unmatched = int(found.entrances["building_id"].isna().sum())
    progress.message(
        f"buildings: {count(len(found.buildings), 'building')}, {with_doors} with entrances; "
        f"{count(len(found.entrances), 'entrance')}"
        + (f", {unmatched} on no building (left without building_id)" if unmatched else "")
    )
    path = None
    if out is not None:
        params = {"building_id": building_id, "tolerance": tolerance, "crs": _crs_text(crs)}
        inputs = {"buildings": _source_name(source), "entrances": _source_name(entrances)}
        meta = run_metadata("buildings", params, inputs=inputs)
        path = write_gpkg(out, found.layers(), metadata=meta)
    return BuildingsResult(found.buildings, found.entrances, path)


# --- people and areas (stadsrum areas) -------------------------------------------------


@dataclass
class AreasResult:
    """People-and-areas layers and where they were written."""

    network: StreetNetwork
    layers: dict[str, Any]
    path: Path | None
    notes: list[str] = field(default_factory=list)


@checked_options
@takes_scheduler
@takes_options(network_options=PrepareOptions, options=AreaOptions)
def run_areas(
    network: str | Path | gpd.GeoDataFrame | StreetNetwork,
    population: str | Path | gpd.GeoDataFrame,
    out: str | Path | None,
    *,
    areas: str | Path | gpd.GeoDataFrame | None = None,
    buildings: str | Path | gpd.GeoDataFrame | None = None,
    nodes: str | Path | gpd.GeoDataFrame | None = None,
    sites: str | Path | gpd.GeoDataFrame | None = "segments",
    meeting_places: str | Path | gpd.GeoDataFrame | None = None,
    area_stats: str | Path | Sequence[str | Path] | None = None,
    proposal: str | Path | gpd.GeoDataFrame | None = None,
    network_layer: str | None = None,
    population_layer: str | None = None,
    areas_layer: str | None = None,
    buildings_layer: str | None = None,
    nodes_layer: str | None = None,
    proposal_layer: str | None = None,
    network_options: PrepareOptions,
    options: AreaOptions,
    threads: int | None = None,
    crs: Any = None,
    progress: ProgressLike | None = None,
    scheduler: str | None = "local",
    client: Any = None,
) -> AreasResult:
    """People and areas (``stadsrum areas``): see ``docs/areas.md``.

    Writes the layers ``population``, ``areas``, ``area_matrix`` (a table),
    ``copresence``, ``meeting_sites``, ``meeting_places`` (today's places, when
    given: their own layer so that each holds one geometry type) and
    ``segregation`` (a table), styled,
    with ``run_metadata`` saying how the population became points.

    ``area_stats`` are SCB statistics tables (CSV or JSON-stat 2.0, a comma
    list or a sequence; ``PREFIX=FILE`` puts a prefix before a table's
    columns) joined to ``areas`` by area code with
    :func:`stadsrum.io.scb.read_areas` (see ``docs/scb.md``): their columns
    can then be named in ``criteria``, and, when ``population`` is the areas
    layer itself, in ``groups`` and ``population_column``.

    ``proposal`` (lines a plan adds, rows with ``action = remove`` removing
    streets; see :func:`stadsrum.measures.compare.proposal_network`) runs the
    analysis on the network after the plan, for ``stadsrum compare
    --areas-before/--areas-after``.

    ``scheduler`` (``local``, ``local-cluster``, a Dask scheduler address or
    scheduler file) or a Dask ``client`` runs the searches on a cluster
    (``docs/scale.md``).
    Options are keywords, or records given as ``options`` and ``network_options``
    (:class:`~stadsrum.records.AreaOptions`).
    """
    from stadsrum.measures.areas import area_analysis

    opts = options
    area_id = opts.area_id
    progress = as_progress(progress)
    check_writable(out, suffix=".gpkg")
    inputs_given = {
        "network": network,
        "population": population,
        "areas": areas,
        "buildings": buildings,
        "nodes": nodes,
        "meeting_places": meeting_places,
        "proposal": proposal,
    }
    if isinstance(sites, str | Path) and str(sites) != "segments":
        inputs_given["sites"] = sites
    check_not_an_input(out, {k: v for k, v in inputs_given.items() if v is not None})
    pop_gdf = _features(population, layer=population_layer, what="population", crs=crs)
    area_gdf = _optional_features(areas, layer=areas_layer, what="areas", crs=crs)
    stats = _area_stats_list(area_stats)
    if stats:
        from stadsrum.io.scb import read_areas

        if area_gdf is None:
            raise InputError(
                "--area-stats: statistics need the areas they describe; give --areas "
                "(SCB's DeSO or RegSO layer)"
            )
        same_layer = _same_source(population, population_layer, areas, areas_layer)
        for table in stats:  # one at a time: each may have its own prefix
            area_gdf = read_areas(area_gdf, stats=table, area_id=area_id)
            area_id = "area_id"  # read_areas puts the code there, as text
        if same_layer:
            # DeSO polygons as the population: the joined counts are its group columns
            pop_gdf = area_gdf
        progress.message(f"SCB statistics: {len(stats)} table(s) joined to {len(area_gdf):,} areas")
    building_gdf = _optional_features(buildings, layer=buildings_layer, what="buildings", crs=crs)
    node_gdf = _optional_features(
        nodes, layer=nodes_layer, what="nodes", crs=crs, progress=progress
    )
    site_gdf = None
    if sites is not None and not (isinstance(sites, str) and sites == "segments"):
        site_gdf = _features(sites, layer=None, what="sites", crs=crs)
    place_gdf = _optional_features(meeting_places, layer=None, what="meeting places", crs=crs)
    proposal_gdf = _optional_features(proposal, layer=proposal_layer, what="proposal", crs=crs)
    net = _network(
        network, layer=network_layer, crs=crs, progress=progress, **network_options.values()
    )
    _say_reprojections(net, progress, population=pop_gdf, areas=area_gdf, nodes=node_gdf)
    if proposal_gdf is not None:
        from stadsrum.measures.compare import proposal_network

        net, removed = proposal_network(net, proposal_gdf)
        edges = net.edges
        added = int((edges["added_link"] >= 0).sum()) if "added_link" in edges else 0
        progress.message(
            f"proposal: {count(added, 'link')} added, {count(int(removed.sum()), 'street segment')}"
            " removed; the analysis runs on the network after it"
        )
    limits = _minutes(opts.thresholds)
    envs = _minutes(opts.environment, what="environment")
    result = area_analysis(
        net,
        pop_gdf,
        buildings=building_gdf,
        areas=area_gdf,
        nodes=node_gdf,
        sites=site_gdf,
        meeting_places=place_gdf,
        **(opts.values() | {"area_id": area_id, "thresholds": limits, "environment": envs}),
        threads=threads,
        progress=progress,
    )
    layers: dict[str, Any] = dict(result.layers)
    path = None
    if out is not None:
        params = {
            "scheduler": "client" if client is not None else (scheduler or "local"),
            **opts.metadata(),
            "area_id": area_id,  # area_id for SCB tables joined by code
            "sites": "segments" if site_gdf is None else "layer",
            "thresholds": limits,
            "environment": envs,
            "area_stats": [
                "".join(f"{k}={v}" for k, v in t.items()) if isinstance(t, dict) else str(t)
                for t in stats
            ],
            **network_options.metadata(),
            "prepare": net.prepare,
            "crs": _crs_text(crs),
        }
        inputs = {k: _source_name(v) for k, v in inputs_given.items() if v is not None}
        for number, table in enumerate(stats, start=1):  # each with its checksum
            inputs[f"area_stats_{number}"] = (
                next(iter(table.values())) if isinstance(table, dict) else table
            )
        extra = {"population_method": result.method, "notes": result.notes}
        meta = run_metadata("areas", params, inputs=inputs, extra=extra)
        path = write_gpkg(out, layers, metadata=meta)
    return AreasResult(network=net, layers=layers, path=path, notes=result.notes)


def _area_stats_list(
    area_stats: str | Path | Sequence[str | Path] | None,
) -> list[Any]:
    """SCB tables from ``--area-stats``: a comma list, ``PREFIX=FILE`` for a prefix."""
    if area_stats is None:
        return []
    if isinstance(area_stats, Path):
        area_stats = [area_stats]
    items = area_stats.split(",") if isinstance(area_stats, str) else list(area_stats)
    tables: list[Any] = []
    for item in items:
        text = str(item).strip()
        if not text:
            raise InputError("--area-stats: an empty item in the list of tables")
        prefix, sep, path = text.partition("=")
        if sep and prefix and "/" not in prefix and "\\" not in prefix:
            tables.append({prefix: path.strip()})
            file = Path(path.strip())
        else:
            tables.append(Path(text))
            file = Path(text)
        if not file.is_file():
            raise InputError(f"--area-stats: no such file '{file}'")
    return tables


def _same_source(
    first: object, first_layer: str | None, second: object, second_layer: str | None
) -> bool:
    """Whether two inputs name the same layer (the same frame, or file and layer)."""
    if first is None or second is None:
        return False
    if isinstance(first, gpd.GeoDataFrame) or isinstance(second, gpd.GeoDataFrame):
        return first is second
    try:
        same_file = Path(str(first)).resolve() == Path(str(second)).resolve()
    except OSError:
        return False
    return same_file and first_layer == second_layer

"""Buildings and their entrances: a building layer with a stable id, and an entrance
layer that carries it.

A building joins the street network through its entrances (its doors): its
distance to anything is the least over its entrances, PST's point groups (see
:mod:`stadsrum.network.links`). This module only reads and matches; the
analyses take the two layers with ``--place-entrances``,
``--attraction-entrances`` or ``--origin-entrances``.

Sources
-------
OpenStreetMap (``.osm``, ``.osm.pbf``; read with pyosmium)
    Buildings are closed ways and multipolygon relations tagged
    ``building=*`` (not ``building=no``); their id is ``w<way id>`` or
    ``r<relation id>``, stable as long as the object exists in OSM.
    Entrances are nodes tagged ``entrance=*`` (not ``entrance=no``). Mappers
    put the entrance node on the building's outline, so an entrance belongs
    to every building whose outline holds that very node (``matched =
    "shared_node"``); one drawn beside its wall is matched to the nearest
    building within ``tolerance`` metres (``"within_tolerance"``); others
    (a subway entrance in a square) keep an empty ``building_id``.
Any pair of layers (Lantmäteriet's *Byggnad* with a layer of entrances, a
municipality's base map)
    Buildings are polygons; their id is the column ``building_id`` (default:
    ``building_id``, else Lantmäteriet's ``objektidentitet``, else a row
    number). Entrance points that carry the building's id in a column of the
    same name are matched on it; the others, spatially, as OSM's drawn
    beside a wall.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError, InputFileError
from stadsrum.io.osm import is_osm_path
from stadsrum.io.readers import read_layer, split_layer_spec
from stadsrum.network.projection import align_crs, to_metric

__all__ = ["BUILDING_ID_NAMES", "ENTRANCE_TOLERANCE_M", "Buildings", "read_buildings"]

log = logging.getLogger(__name__)

#: Metres from a building within which an entrance point not on its outline
#: still belongs to it: a door drawn a little beside the wall (mapping
#: accuracy), never the house across the street.
ENTRANCE_TOLERANCE_M = 2.0

#: Id columns recognised in a building layer when none is named, in this order
#: (``objektidentitet``: Lantmäteriet's UUID of a building).
BUILDING_ID_NAMES = ("building_id", "objektidentitet", "id", "fid")

#: OSM tags kept as columns of the buildings (``addr:street`` as ``addr_street``).
BUILDING_TAGS = ("building", "name", "addr:street", "addr:housenumber", "building:levels")
#: OSM tags kept as columns of the entrances.
ENTRANCE_TAGS = ("entrance", "name", "ref", "addr:street", "addr:housenumber", "wheelchair")


@dataclass
class Buildings:
    """Buildings and their entrances.

    Attributes
    ----------
    buildings
        Polygons with ``building_id`` (unique text), ``entrances`` (how many
        were matched to it) and the source's columns.
    entrances
        Points with ``building_id`` (empty where no building holds or is near
        the entrance), ``matched`` (``shared_node``, ``id``,
        ``within_tolerance`` or ``none``) and the source's columns.
    """

    buildings: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The two layers by their GeoPackage names."""
        return {"buildings": self.buildings, "entrances": self.entrances}


def read_buildings(
    source: str | Path | gpd.GeoDataFrame,
    *,
    entrances: str | Path | gpd.GeoDataFrame | None = None,
    layer: str | None = None,
    entrances_layer: str | None = None,
    building_id: str | None = None,
    tolerance: float = ENTRANCE_TOLERANCE_M,
    crs: Any = None,
) -> Buildings:
    """Read buildings and their entrances, each entrance carrying its building's id.

    Parameters
    ----------
    source
        An ``.osm``/``.osm.pbf`` file (buildings and entrances both come from
        it), a polygon layer (``FILE``, ``FILE|layername=NAME``) or a GeoDataFrame.
    entrances
        Entrance points for a polygon layer (not for OSM input); without them
        the buildings have no entrances, and the analyses join them by
        ``--polygons`` (their outline every N metres, or their centroid).
    layer, entrances_layer
        Layer names in multi-layer files.
    building_id
        The buildings' id column (also looked for in the entrances); default
        the first of :data:`BUILDING_ID_NAMES` present, else row numbers.
    tolerance
        Metres from a building within which an entrance not matched by node
        or id still belongs to it (the nearest such building).
    crs
        CRS of layers that have none.

    Returns
    -------
    Buildings
        The two layers, in the buildings' CRS (EPSG:4326 for OSM input).

    Raises
    ------
    InputError
        No buildings, an id column that is missing, empty or not unique, or
        entrances given for an OSM file.
    """
    if not tolerance >= 0:
        raise InputError("tolerance must be 0 or more metres")
    if not isinstance(source, gpd.GeoDataFrame) and is_osm_path(
        split_layer_spec(source, what="buildings")[0]
    ):
        if entrances is not None:
            raise InputError(
                "buildings: an OpenStreetMap file brings its own entrances (entrance=* "
                "nodes); leave out --entrances"
            )
        return _read_osm(split_layer_spec(source)[0], tolerance)
    if isinstance(source, gpd.GeoDataFrame):
        bld = source.copy()
    else:
        bld = read_layer(source, layer=layer, what="buildings", crs=crs)
    bld = _check_polygons(bld)
    key = _id_column(bld, building_id)
    if key is None:
        bld.insert(0, "building_id", [str(i) for i in range(len(bld))])
    else:
        ids = bld[key]
        if ids.isna().any():
            raise InputError(f"buildings: column '{key}' has empty ids; fill them in")
        if ids.duplicated().any():
            shown = ", ".join(map(str, pd.unique(ids[ids.duplicated(keep=False)])[:5]))
            raise InputError(
                f"buildings: column '{key}' has duplicate ids ({shown}); name a unique "
                "id column with --building-id"
            )
        if key != "building_id":
            if "building_id" in bld.columns:
                raise InputError(
                    "buildings: has a column 'building_id' besides the id column "
                    f"'{key}'; rename one of them"
                )
            bld.insert(0, "building_id", ids.astype(str).to_numpy())
        else:
            bld["building_id"] = ids.astype(str)
    if entrances is None:
        ent = gpd.GeoDataFrame(
            {"building_id": pd.Series(dtype="string"), "matched": pd.Series(dtype=str)},
            geometry=gpd.GeoSeries([], crs=bld.crs),
            crs=bld.crs,
        )
        bld["entrances"] = 0
        return Buildings(bld.reset_index(drop=True), ent)
    if isinstance(entrances, gpd.GeoDataFrame):
        ent = entrances.copy()
    else:
        ent = read_layer(entrances, layer=entrances_layer, what="entrances", crs=crs)
    ent, _ = align_crs(ent, bld.crs, what="entrances")
    kinds = set(ent.geom_type)
    if not kinds <= {"Point"}:
        raise InputError(
            f"entrances: expected points, found {', '.join(sorted(map(str, kinds - {'Point'})))}"
        )
    ent = ent.reset_index(drop=True)
    owner = np.full(len(ent), None, dtype=object)
    matched = np.full(len(ent), "none", dtype=object)
    if key is not None and key in ent.columns:
        known = set(bld["building_id"])
        given = ent[key].astype("string")
        hit = given.isin(known).fillna(False).to_numpy(dtype=bool)
        owner[hit] = given[hit].to_numpy(dtype=object)
        matched[hit] = "id"
    todo = np.where(matched == "none")[0]
    if len(todo):
        found = _nearest_building(bld, ent.iloc[todo], tolerance)
        ok = found >= 0
        owner[todo[ok]] = bld["building_id"].to_numpy()[found[ok]]
        matched[todo[ok]] = "within_tolerance"
    ent["building_id"] = pd.array(owner, dtype="string")
    ent["matched"] = matched
    return _finish(bld.reset_index(drop=True), ent)


def _check_polygons(bld: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if len(bld) == 0:
        raise InputError("buildings: the layer is empty (no features)")
    geoms = np.asarray(bld.geometry.array, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygon = np.isin(shapely.get_type_id(geoms), [3, 6])
    if (~polygon & ~bad).any():
        raise InputError(
            "buildings: expected polygons (building footprints), found "
            + ", ".join(sorted(set(bld.geom_type[~polygon & ~bad].astype(str))))
        )
    if bad.any():
        log.info("buildings: %d features without geometry left out", int(bad.sum()))
        bld = bld[~bad]
    return bld


def _id_column(bld: gpd.GeoDataFrame, building_id: str | None) -> str | None:
    if building_id is not None:
        if building_id not in bld.columns:
            cols = ", ".join(str(c) for c in bld.columns if c != bld.geometry.name)
            raise InputError(
                f"buildings: no column '{building_id}' for the building id (columns: {cols})"
            )
        return building_id
    lower = {str(c).lower(): str(c) for c in bld.columns}
    return next((lower[n] for n in BUILDING_ID_NAMES if n in lower), None)


def _nearest_building(bld: gpd.GeoDataFrame, ent: gpd.GeoDataFrame, tolerance: float) -> np.ndarray:
    """Row of the building nearest each entrance within ``tolerance`` metres, else -1."""
    out = np.full(len(ent), -1, dtype=np.int64)
    if len(ent) == 0 or len(bld) == 0:
        return out
    # metres: the tolerance means the same in any CRS the layers come in
    metric, _ = to_metric(bld[[bld.geometry.name]], what="buildings")
    ent_m = ent[[ent.geometry.name]].to_crs(metric.crs)
    tree = shapely.STRtree(np.asarray(metric.geometry.array, dtype=object))
    (e_i, b_i), _ = tree.query_nearest(
        np.asarray(ent_m.geometry.array, dtype=object),
        max_distance=tolerance,
        return_distance=True,
        all_matches=False,
    )
    out[e_i] = b_i
    return out


def _finish(bld: gpd.GeoDataFrame, ent: gpd.GeoDataFrame) -> Buildings:
    counts = ent["building_id"].dropna().value_counts()
    bld["entrances"] = bld["building_id"].map(counts).fillna(0).astype(np.int64)
    cols = ["building_id", "matched"]
    ent = ent[cols + [c for c in ent.columns if c not in cols]]
    n_with = int((bld["entrances"] > 0).sum())
    log.info(
        "buildings: %d, of which %d with entrances; entrances: %d, of which %d matched",
        len(bld),
        n_with,
        len(ent),
        int(ent["building_id"].notna().sum()),
    )
    return Buildings(bld, gpd.GeoDataFrame(ent, geometry=ent.geometry.name, crs=ent.crs))


def _read_osm(path: Path, tolerance: float) -> Buildings:
    import osmium

    if not path.exists():
        raise InputFileError(f"buildings: file not found: '{path}'")
    b_rows: list[list[Any]] = []
    b_geoms: list[shapely.Geometry] = []
    ring_nodes: list[set[int]] = []
    e_rows: list[list[Any]] = []
    e_xy: list[tuple[float, float]] = []
    e_ids: list[int] = []
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_areas(osmium.filter.KeyFilter("building"))
        )
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                value = obj.tags.get("entrance")
                if value is None or value == "no" or not obj.location.valid():
                    continue
                e_ids.append(obj.id)
                e_xy.append((obj.location.lon, obj.location.lat))
                e_rows.append([f"n{obj.id}", obj.id, *[obj.tags.get(t) for t in ENTRANCE_TAGS]])
            elif isinstance(obj, osmium.osm.Area):
                value = obj.tags.get("building")
                if value is None or value == "no":
                    continue
                polygon, nodes = _area_polygon(obj)
                if polygon is None:
                    continue
                kind = "w" if obj.from_way() else "r"
                b_rows.append(
                    [
                        f"{kind}{obj.orig_id()}",
                        obj.orig_id(),
                        *[obj.tags.get(t) for t in BUILDING_TAGS],
                    ]
                )
                b_geoms.append(polygon)
                ring_nodes.append(nodes)
    except RuntimeError as exc:
        raise InputFileError(
            f"could not read OpenStreetMap file '{path}': {exc}. "
            "Is the file complete (not truncated) and in .osm or .osm.pbf format?"
        ) from exc
    if not b_rows:
        raise InputError(
            f"buildings: OpenStreetMap file '{path}' holds no building=* outlines "
            "(is it the right area?)"
        )
    b_cols = ["building_id", "osm_id", *[t.replace(":", "_") for t in BUILDING_TAGS]]
    bld = gpd.GeoDataFrame(b_rows, columns=b_cols, geometry=b_geoms, crs="EPSG:4326")
    e_cols = ["entrance_id", "osm_id", *[t.replace(":", "_") for t in ENTRANCE_TAGS]]
    points = shapely.points(np.asarray(e_xy, dtype=float).reshape(-1, 2))
    ent = gpd.GeoDataFrame(e_rows, columns=e_cols, geometry=np.asarray(points), crs="EPSG:4326")

    # an entrance node on a building's outline belongs to it: the mapper joined them
    on_outline: dict[int, list[int]] = {}
    wanted = set(e_ids)
    for b, nodes in enumerate(ring_nodes):
        for n in nodes & wanted:
            on_outline.setdefault(n, []).append(b)
    rows: list[int] = []
    owners: list[str | None] = []
    matched: list[str] = []
    ids = bld["building_id"].to_numpy()
    loose: list[int] = []
    for i, n in enumerate(e_ids):
        hits = on_outline.get(n)
        if hits:
            # a door on the wall two buildings share opens into both
            for b in hits:
                rows.append(i)
                owners.append(str(ids[b]))
                matched.append("shared_node")
        else:
            loose.append(i)
    if loose:
        found = _nearest_building(bld, ent.iloc[loose], tolerance)
        for i, b in zip(loose, found, strict=True):
            rows.append(i)
            owners.append(str(ids[b]) if b >= 0 else None)
            matched.append("within_tolerance" if b >= 0 else "none")
    order = np.argsort(np.asarray(rows, dtype=np.int64), kind="stable")
    out = ent.iloc[np.asarray(rows, dtype=np.int64)[order]].reset_index(drop=True)
    out.insert(0, "building_id", pd.array(np.asarray(owners, dtype=object)[order], dtype="string"))
    out.insert(1, "matched", np.asarray(matched, dtype=object)[order])
    log.info("buildings: read %d outlines and %d entrances from '%s'", len(bld), len(ent), path)
    return _finish(bld, out)


def _area_polygon(area: Any) -> tuple[shapely.Geometry | None, set[int]]:
    """An osmium area as a (multi)polygon, and the ids of the nodes on its rings."""
    nodes: set[int] = set()
    polygons = []
    for outer in area.outer_rings():
        shell = [(n.lon, n.lat) for n in outer]
        nodes.update(n.ref for n in outer)
        holes = []
        for inner in area.inner_rings(outer):
            holes.append([(n.lon, n.lat) for n in inner])
            nodes.update(n.ref for n in inner)
        if len(shell) >= 4:
            polygons.append(shapely.Polygon(shell, holes))
    if not polygons:
        return None, nodes
    geom = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    return geom, nodes

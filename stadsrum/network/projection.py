"""Choose a metric CRS and project layers to it."""

from __future__ import annotations

import functools
import logging

import geopandas as gpd
import pyproj
import shapely

from stadsrum.errors import InputError

__all__ = [
    "NATIONAL_GRIDS",
    "align_crs",
    "metric_crs_for",
    "national_grid_for",
    "reprojection_note",
    "to_metric",
]

log = logging.getLogger(__name__)

#: National metric grids that stadsrum prefers to UTM, by EPSG code, each with the EPSG
#: codes of its country's local zones. The grids are those of Sweden and its
#: neighbours that have one transverse Mercator grid for the whole country: SWEREF 99
#: TM (Sweden), ETRS-TM35FIN (Finland), L-EST97 (Estonia), LKS-92 (Latvia) and LKS94
#: (Lithuania). Norway and Denmark map in ETRS89 UTM zones, which the UTM fallback
#: gives. A grid's own area of use is a box that reaches far into the neighbour
#: (SWEREF 99 TM's covers Turku, ETRS-TM35FIN's covers Kiruna), so a country is
#: traced by the areas of use of its local zones instead: SWEREF 99 12 00 ... 23 15
#: (EPSG:3007-3018) and ETRS-GK19FIN ... GK31FIN (EPSG:3126-3138), all from PROJ's
#: database; a grid without local zones is traced by its own area of use.
NATIONAL_GRIDS: dict[int, tuple[int, ...]] = {
    3006: tuple(range(3007, 3019)),
    3067: tuple(range(3126, 3139)),
    3301: (),
    3059: (),
    3346: (),
}


@functools.cache
def _outline(grid: int) -> tuple[tuple[float, float, float, float], ...]:
    """Lon/lat boxes (west, south, east, north) tracing a national grid's country."""
    boxes: list[tuple[float, float, float, float]] = []
    for code in NATIONAL_GRIDS[grid] or (grid,):
        area = pyproj.CRS.from_epsg(code).area_of_use
        if area is not None:
            west, south, east, north = (float(v) for v in area.bounds)
            boxes.append((west, south, east, north))
    return tuple(boxes)


def national_grid_for(bounds: tuple[float, float, float, float]) -> pyproj.CRS | None:
    """The national grid whose country holds the whole lon/lat extent ``bounds``, or None.

    A grid qualifies when the union of its country's boxes (see
    :data:`NATIONAL_GRIDS`) covers the extent. Where two qualify (the border
    of Sweden and Finland around the Gulf of Bothnia, Åland), the smallest box
    holding the extent's centre decides: the more specific area of use.
    """
    west, south, east, north = bounds
    extent = shapely.box(west, south, east, north)
    centre = shapely.Point((west + east) / 2, (south + north) / 2)
    best: tuple[float, int] | None = None
    for grid in NATIONAL_GRIDS:
        boxes = [shapely.box(*b) for b in _outline(grid)]
        if not boxes or not shapely.union_all(boxes).covers(extent):
            continue
        holding = [b.area for b in boxes if b.covers(centre)]
        size = min(holding) if holding else float("inf")
        if best is None or size < best[0]:
            best = (size, grid)
    return None if best is None else pyproj.CRS.from_epsg(best[1])


def metric_crs_for(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """Pick a metric CRS for geographic data: the national grid, else UTM.

    The national grid (see :func:`national_grid_for`) whose country, by the
    areas of use in PROJ's database, holds the data's whole extent: SWEREF
    99 TM (EPSG:3006) in Sweden, ETRS-TM35FIN (EPSG:3067) in Finland, and the
    Baltic states' grids; otherwise the UTM zone of the data's centre.
    """
    lonlat = gdf.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = (float(v) for v in lonlat.total_bounds)
    grid = national_grid_for((minx, miny, maxx, maxy))
    if grid is not None:
        return grid
    utm = lonlat.estimate_utm_crs()
    if utm is None:
        raise InputError("could not find a metric coordinate system for the data's location")
    return utm


def to_metric(gdf: gpd.GeoDataFrame, *, what: str = "layer") -> tuple[gpd.GeoDataFrame, str]:
    """Return ``gdf`` in a projected metric CRS and a note on what was done.

    Projected layers in metres are returned as they are. Geographic layers are
    reprojected (see :func:`metric_crs_for`), and the note says so.
    """
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.is_projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
        if unit not in ("metre", "meter", "m"):
            raise InputError(
                f"{what}: CRS {crs.to_string()} is in {unit}; stadsrum measures in metres, "
                "reproject the layer to a metric CRS first"
            )
        return gdf, ""
    target = metric_crs_for(gdf)
    note = (
        f"{what}: geographic coordinates ({crs.to_string()}) reprojected to "
        f"{target.to_string()} ({target.name}) so distances are in metres"
    )
    log.info(note)
    out = gdf.to_crs(target)
    out.attrs.update(gdf.attrs)
    return out, note


def reprojection_note(gdf: gpd.GeoDataFrame, crs: pyproj.CRS, *, what: str) -> str:
    """What :func:`align_crs` will say about ``gdf``: '' when it stays as it is."""
    if gdf.crs is None:
        raise InputError(f"{what}: the layer has no coordinate reference system; set one first")
    if pyproj.CRS.from_user_input(gdf.crs) == pyproj.CRS.from_user_input(crs):
        return ""
    target = pyproj.CRS.from_user_input(crs)
    return f"{what}: reprojected from {gdf.crs.to_string()} to the network's {target.to_string()}"


def align_crs(gdf: gpd.GeoDataFrame, crs: pyproj.CRS, *, what: str) -> tuple[gpd.GeoDataFrame, str]:
    """Reproject ``gdf`` to ``crs`` when it differs, returning a note saying so."""
    note = reprojection_note(gdf, crs, what=what)
    if not note:
        return gdf, ""
    from stadsrum.io.readers import check_coordinates

    # metres in a layer tagged EPSG:4326 would reproject to infinities or nowhere, and
    # fail later with a message (or an IndexError) that does not say why
    check_coordinates(gdf, what=what)
    log.info(note)
    out = gdf.to_crs(crs)
    out.attrs.update(gdf.attrs)
    return out, note

"""Choose a metric CRS and project layers to it."""

from __future__ import annotations

import logging

import geopandas as gpd
import pyproj

from stadsrum.errors import InputError

__all__ = ["align_crs", "metric_crs_for", "reprojection_note", "to_metric"]

log = logging.getLogger(__name__)

# National grids preferred over UTM where the data lies inside the country's
# extent (lon/lat bounds, generous); checked in this order.
_NATIONAL = (
    ("EPSG:3006", (10.0, 55.0, 24.2, 69.1)),  # SWEREF 99 TM, Sweden
    ("EPSG:3067", (19.0, 59.3, 31.6, 70.1)),  # ETRS-TM35FIN, Finland
)


def metric_crs_for(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """Pick a metric CRS for geographic data: SWEREF 99 TM inside Sweden, else local.

    EPSG:3006 is used when the data's centre lies in Sweden's extent,
    EPSG:3067 in Finland's, otherwise the UTM zone of the centre.
    """
    lonlat = gdf.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = lonlat.total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    for code, (x0, y0, x1, y1) in _NATIONAL:
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            return pyproj.CRS.from_user_input(code)
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
    log.info(note)
    out = gdf.to_crs(crs)
    out.attrs.update(gdf.attrs)
    return out, note

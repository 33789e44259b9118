"""Helpers for the tests: tiny hand-drawn networks in a real SWEREF 99 TM area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

SWEREF = "EPSG:3006"
# Hand-drawn networks sit in a real SWEREF 99 TM area (Trollhättan), away from (0, 0).
X0, Y0 = 335_000.0, 6_460_000.0


def make_lines(
    coords: list[list[tuple[float, float]]], crs: str = SWEREF, **columns: list[object]
) -> gpd.GeoDataFrame:
    """Lines from lists of (x, y) relative to (X0, Y0), with optional attribute columns."""
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in line]) for line in coords]
    data = {"id": list(range(len(geoms)))} | columns
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def local(xy: np.ndarray) -> np.ndarray:
    """Coordinates back relative to (X0, Y0)."""
    return np.asarray(xy) - np.array([X0, Y0])

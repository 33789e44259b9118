"""Population as points: a total and group counts per resident point.

Points (address points, building centroids or entrances) are taken as they
are. Polygons (DeSO, grid squares) are spread first: over the buildings whose
representative point lies inside, in proportion to footprint area, when a
building layer is given, otherwise over the pieces of street inside them, in
proportion to length (a point at the middle of each piece). A polygon with
neither keeps its count at its representative point, and says so. The
method is written into ``run_metadata`` by the workflow.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.messages import count
from stadsrum.network.projection import align_crs

__all__ = ["TOTAL_NAMES", "Population", "read_population"]

log = logging.getLogger(__name__)

#: Total columns recognised when none is named (SCB tables use ``Folkmangd``).
TOTAL_NAMES = ("population", "pop", "total", "befolkning", "folkmangd", "antal")


@dataclass
class Population:
    """Resident points ready to join the network.

    Attributes
    ----------
    points
        Point geometries in the network's CRS with the total column, the group
        columns and the input's other attributes; ``source_row`` is the row of
        the input feature each point comes from.
    total, groups
        Names of the total and group columns.
    method
        ``points``, ``buildings (footprint area)`` or ``streets (length)``.
    notes
        One line per thing a planner should know (counts of polygons spread
        at their centre, rows whose groups differ from the total by rounding).
    """

    points: gpd.GeoDataFrame
    total: str
    groups: list[str]
    method: str
    notes: list[str] = field(default_factory=list)


def _rows(mask: np.ndarray) -> str:
    shown = ", ".join(map(str, np.where(mask)[0][:10]))
    more = int(mask.sum()) - min(int(mask.sum()), 10)
    return shown + (f" and {more} more" if more else "")


def _numeric(gdf: gpd.GeoDataFrame, column: str, what: str, role: str) -> np.ndarray:
    if column not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(f"{what}: no column '{column}' for the {role} (columns: {cols or 'none'})")
    values = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise InputError(
            f"{what}: column '{column}' ({role}) has missing, negative or non-numeric "
            f"values in rows {_rows(bad)}; fill them in or remove those rows"
        )
    return values


def read_population(
    population: gpd.GeoDataFrame,
    *,
    crs: Any,
    total: str | None = None,
    groups: Sequence[str] | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    what: str = "population",
) -> Population:
    """Check a population layer and turn it into resident points.

    Parameters
    ----------
    population
        Points or polygons with a total column and optional group columns.
    crs
        The network's CRS; the layer is reprojected to it (and said so).
    total
        The total column; by default the first of :data:`TOTAL_NAMES` present,
        else the groups' sum (as ``population``).
    groups
        Group columns (e.g. born in Sweden, born abroad). They must add up to
        the total within rounding (half a person per group); otherwise the
        rows at fault are named.
    buildings
        Building footprints to spread polygon population over (by area).
    streets
        The network's lines, to spread polygon population over (by length)
        where no building layer is given.
    """
    if len(population) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    gdf, _ = align_crs(population, crs, what=what)
    gdf = gdf.reset_index(drop=True)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise InputError(
            f"{what}: {count(int(missing.sum()), 'feature')} without geometry (rows "
            f"{_rows(missing)}); remove them or give them a location"
        )
    kinds = shapely.get_type_id(geoms)
    lines = np.isin(kinds, [1, 2, 5])
    if lines.any():
        raise InputError(f"{what}: expected points or polygons, found lines (rows {_rows(lines)})")
    groups = [str(g) for g in (groups or [])]
    if len(set(groups)) != len(groups):
        raise InputError(f"{what}: a group column is named twice in {', '.join(groups)}")
    if len(groups) == 1:
        raise InputError(
            f"{what}: one group column ({groups[0]}) given; name every group, at least two, "
            "that together make up the total (e.g. born_sweden,born_abroad)"
        )
    group_values = {g: _numeric(gdf, g, what, "group") for g in groups}
    notes: list[str] = []
    if total is None:
        lower = {str(c).lower(): str(c) for c in gdf.columns}
        found = [lower[n] for n in TOTAL_NAMES if n in lower and lower[n] not in groups]
        if found:  # a total beside the groups: they are checked against it below
            total = found[0]
        elif groups:
            total = "population"
            gdf[total] = np.sum([group_values[g] for g in groups], axis=0)
        else:
            cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
            raise InputError(
                f"{what}: no population column; name it with --population-column "
                f"(columns: {cols or 'none'})"
            )
    if total in groups:
        raise InputError(f"{what}: column '{total}' is both the total and a group")
    totals = _numeric(gdf, total, what, "population total")
    if groups:
        gap = np.abs(np.sum([group_values[g] for g in groups], axis=0) - totals)
        off = gap > 0.5 * len(groups) + 1e-9 * (1 + totals)
        if off.any():
            raise InputError(
                f"{what}: groups {'+'.join(groups)} do not add up to '{total}' in rows "
                f"{_rows(off)} (largest gap {gap.max():g}); fix the counts or name every group"
            )
        rounded = gap > 1e-9 * (1 + totals)
        if rounded.any():
            notes.append(
                f"{what}: in {count(int(rounded.sum()), 'row')} the groups differ from "
                f"'{total}' by rounding (at most {gap.max():g}); totals are used for "
                "population counts, groups for shares and indices"
            )
    gdf[total] = totals
    for g in groups:
        gdf[g] = group_values[g]
    polygon = np.isin(kinds, [3, 6])
    multi = (kinds == 4) & (shapely.get_num_geometries(geoms) > 1)
    if multi.any():
        # elsewhere a MultiPoint is a point group joined through every member; the areas
        # analysis joins each resident point at one place, so a group stands at its centre
        gdf = gdf.copy()  # never the caller's frame
        geoms = np.where(multi, shapely.centroid(geoms), geoms)
        gdf[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
        notes.append(
            f"{what}: {count(int(multi.sum()), 'multi-part point')} placed at the centre "
            f"of its parts (rows {_rows(multi)}); give one point per resident location"
        )
    if not polygon.any():
        gdf["source_row"] = np.arange(len(gdf))
        return Population(gdf, total, groups, "points", notes)
    if not polygon.all():
        raise InputError(
            f"{what}: mixes points and polygons (polygons in rows {_rows(polygon)}); "
            "give one kind per layer"
        )
    return _spread(gdf, total, groups, buildings, streets, crs, what, notes)


def _spread(
    gdf: gpd.GeoDataFrame,
    total: str,
    groups: list[str],
    buildings: gpd.GeoDataFrame | None,
    streets: gpd.GeoDataFrame | None,
    crs: Any,
    what: str,
    notes: list[str],
) -> Population:
    """Polygon counts spread over buildings (by area) or street pieces (by length)."""
    polys = np.asarray(gdf.geometry.array, dtype=object)
    if buildings is not None:
        b, _ = align_crs(buildings, crs, what="buildings")
        bgeom = np.asarray(b.geometry.array, dtype=object)
        ok = np.isin(shapely.get_type_id(bgeom), [3, 6]) & ~shapely.is_empty(bgeom)
        if not ok.any():
            raise InputError("buildings: no polygon footprints in the layer")
        bgeom = bgeom[ok]
        anchor = shapely.point_on_surface(bgeom)
        tree = shapely.STRtree(anchor)
        poly_i, item = tree.query(polys, predicate="contains_properly")
        # a building on the line between two polygons goes to the first only
        first = ~pd.Series(item).duplicated().to_numpy()
        poly_i, item = poly_i[first], item[first]
        weight = shapely.area(bgeom[item])
        where = anchor[item]
        method = "buildings (footprint area)"
    else:
        if streets is None:
            raise InputError(f"{what}: polygons need the network's streets to spread over")
        lines = np.asarray(streets.geometry.array, dtype=object)
        tree = shapely.STRtree(lines)
        poly_i, item = tree.query(polys, predicate="intersects")
        pieces = shapely.intersection(lines[item], polys[poly_i])
        parts, owner = shapely.get_parts(pieces, return_index=True)
        linear = np.isin(shapely.get_type_id(parts), [1, 2])
        parts, owner = parts[linear], owner[linear]
        poly_i = poly_i[owner]
        weight = shapely.length(parts)
        keep = weight > 0
        poly_i, parts, weight = poly_i[keep], parts[keep], weight[keep]
        where = shapely.line_interpolate_point(parts, 0.5, normalized=True)
        method = "streets (length)"
    share_sum = np.bincount(poly_i, weights=weight, minlength=len(gdf))
    # a polygon where nobody lives needs nothing inside to spread over
    empty = (share_sum <= 0) & (gdf[total].to_numpy(dtype=float) > 0)
    nobody = (share_sum <= 0) & ~empty
    share_sum[nobody] = 1.0
    if empty.any():
        # nothing inside to spread over: the count stays whole at the polygon's centre
        centre = shapely.point_on_surface(polys[empty])
        poly_i = np.r_[poly_i, np.where(empty)[0]]
        weight = np.r_[weight, np.ones(int(empty.sum()))]
        where = np.r_[where, centre]
        share_sum[empty] = 1.0
        notes.append(
            f"{what}: {count(int(empty.sum()), 'polygon')} with people but no "
            f"{'building' if buildings is not None else 'street'} inside: their population "
            f"stays at their centre (rows {_rows(empty)})"
        )
    share = weight / share_sum[poly_i]
    order = np.argsort(poly_i, kind="stable")
    poly_i, share, where = poly_i[order], share[order], where[order]
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).iloc[poly_i].reset_index(drop=True)
    for col in [total, *groups]:
        attrs[col] = gdf[col].to_numpy()[poly_i] * share
    attrs["source_row"] = poly_i
    points = gpd.GeoDataFrame(attrs, geometry=np.asarray(where), crs=gdf.crs)
    notes.append(
        f"{what}: {count(len(gdf), 'polygon')} spread over "
        f"{count(len(points), 'point')} by {method}"
    )
    return Population(points, total, groups, method, notes)

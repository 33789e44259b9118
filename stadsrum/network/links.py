"""Join places, nodes and attractions to the street network.

A point joins the network at the nearest point of the nearest street (the foot
of the perpendicular, not the nearest junction); the straight access distance
is kept and added to every route. A polygon joins at its entrances: every
point where a street crosses or touches its boundary, and every junction
inside it, each at access distance 0. A polygon that no street reaches joins
at the point of its boundary nearest to a street. Features farther than
``max_link`` metres from every street stay unlinked and are reported, never
dropped or joined across a river.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely

from stadsrum.errors import InputError
from stadsrum.network.model import StreetNetwork
from stadsrum.network.projection import align_crs

__all__ = ["Links", "link_features"]

log = logging.getLogger(__name__)

PolygonMode = Literal["entrances", "centroid"]


@dataclass
class Links:
    """Access points of features on the network.

    One row per access point; a polygon can have several (its entrances).

    Attributes
    ----------
    owner
        Row position (0..n-1) of the feature each access point belongs to.
    edge, pos
        Network edge and distance along it from its first vertex (metres).
    link_m
        Straight access distance from the feature to the network point (m).
    xy
        Network point coordinates, shape ``(k, 2)``.
    origin_xy
        Where each access line starts (the feature's point, or the boundary
        point of a polygon), shape ``(k, 2)``.
    status
        Per feature: ``"linked"`` or why it is not.
    n_features
        Number of features.
    """

    owner: np.ndarray
    edge: np.ndarray
    pos: np.ndarray
    link_m: np.ndarray
    xy: np.ndarray
    origin_xy: np.ndarray
    status: np.ndarray
    n_features: int

    @property
    def linked(self) -> np.ndarray:
        """Boolean per feature."""
        return self.status == "linked"

    def access_lines(self, crs: object) -> gpd.GeoDataFrame:
        """The access lines (feature → network) as a layer, for maps and checks."""
        lines = shapely.linestrings(
            np.stack([self.origin_xy, self.xy], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(self.owner)), 2),
        )
        return gpd.GeoDataFrame(
            {"owner": self.owner, "edge": self.edge, "link_m": self.link_m},
            geometry=lines,
            crs=crs,
        )


def link_features(
    net: StreetNetwork,
    features: gpd.GeoDataFrame,
    *,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    what: str = "places",
) -> Links:
    """Join points or polygons to the network.

    Parameters
    ----------
    net
        The street network.
    features
        Points, polygons (or multi-parts) in any CRS (reprojected to the
        network's, and said so in the log).
    max_link
        Largest access distance in metres; farther features stay unlinked.
    polygons
        ``"entrances"`` (default): where streets meet the polygon;
        ``"centroid"``: the polygon's centroid, joined like a point.
    what
        Name of the layer in messages.
    """
    if not max_link > 0:
        raise InputError("max_link must be a positive number of metres")
    if polygons not in ("entrances", "centroid"):
        raise InputError(f"unknown polygon mode '{polygons}': choose 'entrances' or 'centroid'")
    if len(features) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    features, _ = align_crs(features, net.crs, what=what)
    geoms = np.asarray(features.geometry.array, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise InputError(
            f"{what}: {int(bad.sum())} features have empty or missing geometry "
            f"(rows {', '.join(map(str, np.where(bad)[0][:10]))})"
        )
    kinds = shapely.get_type_id(geoms)
    lines_kind = np.isin(kinds, [1, 2, 5])
    if lines_kind.any():
        raise InputError(f"{what}: expected points or polygons, found lines")
    is_polygon = np.isin(kinds, [3, 6])
    if polygons == "centroid":
        geoms = np.where(is_polygon, shapely.centroid(geoms), geoms)
        is_polygon = np.zeros(len(geoms), dtype=bool)
    multipoint = kinds == 4
    geoms = np.where(multipoint, shapely.centroid(geoms), geoms)

    edges = np.asarray(net.edges.geometry.array, dtype=object)
    tree = shapely.STRtree(edges)
    rows: list[tuple[int, int, float, float, float, float, float, float]] = []
    status = np.full(len(geoms), "linked", dtype=object)

    points = np.where(~is_polygon)[0]
    if len(points):
        (pi, ei), dist = tree.query_nearest(
            geoms[points], max_distance=max_link, return_distance=True, all_matches=False
        )
        seen = np.zeros(len(points), dtype=bool)
        for p, e, d in zip(pi, ei, dist, strict=True):
            if seen[p]:
                continue
            seen[p] = True
            feature = points[p]
            pos = float(shapely.line_locate_point(edges[e], geoms[feature]))
            at = shapely.get_coordinates(shapely.line_interpolate_point(edges[e], pos))[0]
            src = shapely.get_coordinates(geoms[feature])[0]
            rows.append((feature, int(e), pos, float(d), at[0], at[1], src[0], src[1]))
        for p in np.where(~seen)[0]:
            status[points[p]] = f"unlinked: farther than {max_link:g} m from the network"

    for feature in np.where(is_polygon)[0]:
        found = _polygon_entrances(geoms[feature], edges, tree, net)
        if found:
            rows.extend((feature, e, pos, 0.0, x, y, x, y) for e, pos, x, y in found)
            continue
        boundary = shapely.boundary(geoms[feature])
        near = tree.query_nearest(boundary, max_distance=max_link, all_matches=False)
        if len(near) == 0:
            status[feature] = f"unlinked: farther than {max_link:g} m from the network"
            continue
        e = int(near[0])
        line = shapely.shortest_line(boundary, edges[e])
        a, b = shapely.get_coordinates(line)
        pos = float(shapely.line_locate_point(edges[e], shapely.Point(b)))
        rows.append((feature, e, pos, float(np.hypot(*(b - a))), b[0], b[1], a[0], a[1]))

    arr = np.array(rows, dtype=float).reshape(-1, 8)
    order = np.lexsort((arr[:, 2], arr[:, 1], arr[:, 0])) if len(arr) else np.arange(0)
    arr = arr[order]
    unlinked = int((status != "linked").sum())
    if unlinked:
        log.info("%s: %d of %d features not linked to the network", what, unlinked, len(status))
    return Links(
        owner=arr[:, 0].astype(np.int64),
        edge=arr[:, 1].astype(np.int64),
        pos=arr[:, 2],
        link_m=arr[:, 3],
        xy=arr[:, 4:6],
        origin_xy=arr[:, 6:8],
        status=status.astype(str),
        n_features=len(geoms),
    )


def _polygon_entrances(
    polygon: shapely.Geometry, edges: np.ndarray, tree: shapely.STRtree, net: StreetNetwork
) -> list[tuple[int, float, float, float]]:
    """Entrances of a polygon: boundary crossings and junctions inside it."""
    found: list[tuple[int, float, float, float]] = []
    boundary = shapely.boundary(polygon)
    shapely.prepare(polygon)
    for e in tree.query(polygon, predicate="intersects"):
        line = edges[e]
        length = float(net.length[e])
        for part in _points(shapely.intersection(line, boundary)):
            pos = float(shapely.line_locate_point(line, part))
            found.append((int(e), pos, part.x, part.y))
        for end, pos in ((0, 0.0), (-1, length)):
            pt = shapely.get_point(line, end)
            if shapely.contains(polygon, pt):
                found.append((int(e), pos, pt.x, pt.y))
    return found


def _points(g: shapely.Geometry) -> list[shapely.Point]:
    if g is None or g.is_empty:
        return []
    kind = shapely.get_type_id(g)
    if kind == 0:
        return [g]
    if kind in (1, 2):  # a street running along the boundary: its ends
        return [shapely.get_point(g, 0), shapely.get_point(g, -1)]
    out: list[shapely.Point] = []
    for part in shapely.get_parts(g):
        out.extend(_points(part))
    return out

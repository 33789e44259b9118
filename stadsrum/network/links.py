"""Join places, nodes and attractions to the street network.

A point joins the network at the nearest point of the nearest street (the foot
of the perpendicular, not the nearest junction); the straight access distance
is kept and added to every route. A **point group** (PST's term: a MultiPoint,
the entrances of a building, points every N metres round a polygon's outline)
joins through every member point, each like a point with its own access
distance; a route from the group starts at whichever member serves it best, so
the group's distance to anything is the least over its members. A polygon
joins at its entrances (``polygons="entrances"``): every
point where a street crosses or touches its boundary (within
:data:`TOUCH_TOLERANCE_M`, so a corner shared with a street survives a
reprojection), and every junction inside it, each at access distance 0. A
polygon that no street reaches joins the street nearest to its boundary, and
every other street that comes within :data:`ENTRANCE_SLACK_M` metres more,
each at its own access distance.
Features farther than ``max_link`` metres from every street stay unlinked and
are reported, never dropped or joined across a river.

Street level. A point joins a street on its own level: ground level unless
the point says otherwise (see :func:`feature_levels`). Streets are classed
by :func:`edge_levels` from the OpenStreetMap tags ``tunnel``, ``bridge`` and
``layer`` that the network's lines carry. "Within reach" is ``max_link``: a
ground-level point joins the nearest ground-level street within ``max_link``
metres, and only where there is none does it fall back to the nearest street
of any level (a tunnel or a bridge), so a square above a service tunnel joins
the square's own streets, not the tunnel at layer -4 beneath it. A polygon's
entrances are likewise those on its own level where it has any. A network
without these columns (most non-OSM data) is all ground level, so linking
there is plain nearest-street.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from stadsrum.errors import InputError
from stadsrum.messages import count
from stadsrum.network.model import StreetNetwork
from stadsrum.network.projection import align_crs

__all__ = [
    "DEFAULT_BOUNDARY_INTERVAL_M",
    "ENTRANCE_SLACK_M",
    "LEVEL_ANY",
    "POLYGON_MODES",
    "TOUCH_TOLERANCE_M",
    "Links",
    "PolygonMode",
    "boundary_points",
    "edge_levels",
    "feature_levels",
    "link_features",
    "parse_polygon_mode",
]

log = logging.getLogger(__name__)

#: How polygons join the network: ``"entrances"`` (where streets meet them),
#: ``"centroid"`` or ``"boundary:N"`` (a point group every N metres round the
#: outline); see :func:`parse_polygon_mode`.
PolygonMode = str

POLYGON_MODES = ("entrances", "centroid", "boundary:N")


def parse_polygon_mode(mode: str) -> tuple[str, float]:
    """``(kind, interval_m)`` of a polygon mode; ``interval_m`` is 0 but for ``boundary``.

    ``"boundary"`` alone is every 20 m.

    Raises
    ------
    InputError
        For any other text, or an interval that is not a positive number of metres.
    """
    text = str(mode).strip().lower()
    if text in ("entrances", "centroid"):
        return text, 0.0
    kind, _, value = text.partition(":")
    if kind == "boundary":
        try:
            interval = float(value) if value.strip() else DEFAULT_BOUNDARY_INTERVAL_M
        except ValueError:
            interval = float("nan")
        if not (np.isfinite(interval) and interval > 0):
            raise InputError(
                f"polygon mode '{mode}': the interval after 'boundary:' must be a positive "
                "number of metres, e.g. boundary:20"
            )
        return "boundary", interval
    raise InputError(
        f"unknown polygon mode '{mode}': choose entrances, centroid or boundary:N "
        "(a point every N metres round the outline, e.g. boundary:20)"
    )


#: Metres between the points of ``boundary`` when no interval is given.
DEFAULT_BOUNDARY_INTERVAL_M = 20.0


def boundary_points(polygons: np.ndarray, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Points round each polygon's outer ring(s), at most ``interval`` metres apart.

    Each ring gets ``ceil(length / interval)`` points spaced evenly along it
    (at least one), so a 10 m wide house with ``interval=20`` has two points
    on opposite sides and no two points crowd at the ring's closing vertex.
    The rings are normalised first (clockwise from their lowest-left vertex,
    as GEOS's ``normalize``), so the points do not depend on where or in which
    direction the outline was digitised. Returns ``(owner, points)``: the
    position in ``polygons`` of each point's polygon, and the points.
    """
    parts, owner = shapely.get_parts(polygons, return_index=True)
    parts = shapely.normalize(parts)
    rings = shapely.get_exterior_ring(parts)
    length = shapely.length(rings)
    n = np.maximum(1, np.ceil(length / interval - 1e-9)).astype(np.int64)
    ring_of = np.repeat(np.arange(len(rings)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    points = shapely.line_interpolate_point(rings[ring_of], k * (length / n)[ring_of])
    return owner[ring_of], np.asarray(points, dtype=object)


#: A feature's level when it may join a street of any level (a station entrance).
LEVEL_ANY = 2

#: Metres beyond its nearest street within which a polygon that no street
#: enters also joins the other streets beside it (a carriageway's width: far
#: enough to reach the sidewalks round a square, too short to cross a river).
ENTRANCE_SLACK_M = 15.0

#: Metres within which a polygon's boundary counts as touching a street. A
#: square and its streets share vertices (OpenStreetMap nodes); reprojecting
#: either layer moves those by nanometres, and an exact test would then turn
#: a shared corner into a near miss and drop the entrance. One millimetre is
#: far below any mapping accuracy, so a feature is never joined across a gap.
TOUCH_TOLERANCE_M = 1e-3

# Tag values that do not lift a way off the ground: a building passage runs
# through a building at street level, a boardwalk lies on the ground.
_NOT_TUNNEL = {"", "no", "false", "0", "building_passage", "avalanche_protector", "nan", "none"}
_NOT_BRIDGE = {"", "no", "false", "0", "boardwalk", "nan", "none"}
# A point tagged as one of these is where the levels meet: any level will do.
_ENTRANCE_TAGS = {"subway_entrance", "train_station_entrance"}


def _text(values: object, n: int) -> np.ndarray:
    """A column as lower-case strings ('' for missing); all '' when absent."""
    if values is None:
        return np.full(n, "", dtype=object)
    arr = np.asarray(values, dtype=object)
    out = np.full(n, "", dtype=object)
    ok = np.array([v is not None and v == v for v in arr], dtype=bool)  # v == v: not NaN
    out[ok] = [str(v).strip().lower() for v in arr[ok]]
    return out


def _numbers(values: object, n: int) -> np.ndarray:
    """Leading number of each value (OSM ``level=-1;0`` → -1), NaN where none."""
    out = np.full(n, np.nan)
    for i, v in enumerate(_text(values, n)):
        head = v.split(";")[0].strip()
        try:
            out[i] = float(head)
        except ValueError:
            continue
    return out


def edge_levels(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Level class of each street: -1 below ground, 0 ground, +1 above ground.

    A ``tunnel`` (other than a building passage) is below ground and a
    ``bridge`` (other than a boardwalk) above, whatever its ``layer``; an
    untagged way takes the sign of its ``layer`` (an indoor walkway mapped
    only with ``layer=-1`` under a station, ``layer=1`` in an upper storey).
    Columns that are absent count as ground level.
    """
    n = len(edges)
    cols = edges.columns
    tunnel = _text(edges["tunnel"] if "tunnel" in cols else None, n)
    bridge = _text(edges["bridge"] if "bridge" in cols else None, n)
    layer = _numbers(edges["layer"] if "layer" in cols else None, n)
    level = np.sign(np.nan_to_num(layer)).astype(np.int8)
    level[~np.isin(bridge, list(_NOT_BRIDGE))] = 1
    level[~np.isin(tunnel, list(_NOT_TUNNEL))] = -1
    return level


def feature_levels(features: gpd.GeoDataFrame) -> np.ndarray:
    """Level class a point or polygon stands on: -1, 0, +1, or :data:`LEVEL_ANY`.

    Ground level (0) unless the feature says otherwise: a numeric ``layer``
    or ``level`` column (OSM's keys; the sign counts, ``level=-2`` is below
    ground), ``location=underground`` or ``station=subway`` (below ground),
    or a station entrance (``railway=subway_entrance`` or
    ``train_station_entrance``, or an ``entrance`` tag), which may join a
    street of any level.
    """
    n = len(features)
    cols = features.columns
    level = np.zeros(n, dtype=np.int8)
    for key in ("level", "layer"):  # layer wins: it is what the ways carry
        if key in cols:
            value = _numbers(features[key], n)
            known = np.isfinite(value)
            level[known] = np.sign(value[known]).astype(np.int8)
    underground = np.zeros(n, dtype=bool)
    if "location" in cols:
        underground |= _text(features["location"], n) == "underground"
    if "station" in cols:
        underground |= _text(features["station"], n) == "subway"
    level[underground & (level == 0)] = -1
    entrance = np.zeros(n, dtype=bool)
    if "railway" in cols:
        entrance |= np.isin(_text(features["railway"], n), list(_ENTRANCE_TAGS))
    if "entrance" in cols:
        entrance |= ~np.isin(_text(features["entrance"], n), ["", "no"])
    level[entrance] = LEVEL_ANY
    return level


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
    network_level
        Level class (:func:`edge_levels`) of the street at each access point.
    level
        Per feature: the level class it stands on (:func:`feature_levels`).
    """

    owner: np.ndarray
    edge: np.ndarray
    pos: np.ndarray
    link_m: np.ndarray
    xy: np.ndarray
    origin_xy: np.ndarray
    status: np.ndarray
    n_features: int
    network_level: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    level: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    @property
    def off_level(self) -> np.ndarray:
        """Per access point: joined to a street on another level than its feature's."""
        if len(self.network_level) != len(self.owner) or len(self.level) != self.n_features:
            return np.zeros(len(self.owner), dtype=bool)
        mine = self.level[self.owner]
        return (mine != LEVEL_ANY) & (self.network_level != mine)

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
        columns: dict[str, np.ndarray] = {
            "owner": self.owner,
            "edge": self.edge,
            "link_m": self.link_m,
        }
        if len(self.network_level) == len(self.owner):
            columns["network_level"] = self.network_level
            columns["off_level"] = self.off_level
        return gpd.GeoDataFrame(columns, geometry=lines, crs=crs)


def link_features(
    net: StreetNetwork,
    features: gpd.GeoDataFrame,
    *,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    what: str = "places",
    members: tuple[np.ndarray, np.ndarray] | None = None,
) -> Links:
    """Join points, point groups or polygons to the network.

    Parameters
    ----------
    net
        The street network.
    features
        Points, MultiPoints (point groups), polygons (or multi-parts) in any
        CRS (reprojected to the network's, and said so in the log).
    max_link
        Largest access distance in metres; farther features stay unlinked.
    polygons
        ``"entrances"`` (default): where streets meet the polygon;
        ``"centroid"``: the polygon's centroid, joined like a point;
        ``"boundary:N"``: a point group every N metres round its outline
        (see :func:`boundary_points`).
    what
        Name of the layer in messages.
    members
        ``(owner, points)``: point groups given apart from the features'
        geometry (a building's entrances): ``owner[k]`` is the row position
        of the feature that point ``k`` (in the network's CRS) belongs to.
        A feature with members joins through them alone, whatever its
        geometry; the others as above.

    Notes
    -----
    Each feature joins a street on its own level (:func:`feature_levels`;
    ground level unless it says otherwise) when one is within ``max_link``,
    and the nearest street of any level only when none is: see the module
    notes. :attr:`Links.off_level` marks the access points where that
    happened. A point group is linked when any of its members is.
    """
    if not max_link > 0:
        raise InputError("max_link must be a positive number of metres")
    kind, interval = parse_polygon_mode(polygons)
    if len(features) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    features, _ = align_crs(features, net.crs, what=what)
    geoms = np.asarray(features.geometry.array, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise InputError(
            f"{what}: {count(bad.sum(), 'feature')} with empty or missing geometry "
            f"(rows {', '.join(map(str, np.where(bad)[0][:10]))})"
        )
    kinds = shapely.get_type_id(geoms)
    lines_kind = np.isin(kinds, [1, 2, 5])
    if lines_kind.any():
        raise InputError(f"{what}: expected points or polygons, found lines")
    grouped = np.zeros(len(geoms), dtype=bool)
    group_owner: list[np.ndarray] = []
    group_points: list[np.ndarray] = []
    if members is not None:
        m_owner = np.asarray(members[0], dtype=np.int64)
        grouped[m_owner] = True
        group_owner.append(m_owner)
        group_points.append(np.asarray(members[1], dtype=object))
    is_polygon = np.isin(kinds, [3, 6]) & ~grouped
    if kind == "centroid":
        geoms = np.where(is_polygon, shapely.centroid(geoms), geoms)
        is_polygon = np.zeros(len(geoms), dtype=bool)
    elif kind == "boundary" and is_polygon.any():
        rows_b = np.where(is_polygon)[0]
        owner_b, points_b = boundary_points(geoms[rows_b], interval)
        group_owner.append(rows_b[owner_b])
        group_points.append(points_b)
        grouped[rows_b] = True
        is_polygon[:] = False
    multipoint = (kinds == 4) & ~grouped
    if multipoint.any():
        # PST's point group: every member joins, the group's distance is its best member's
        parts, owner_m = shapely.get_parts(geoms[multipoint], return_index=True)
        group_owner.append(np.where(multipoint)[0][owner_m])
        group_points.append(np.asarray(parts, dtype=object))
        grouped |= multipoint

    edges = np.asarray(net.edges.geometry.array, dtype=object)
    finder = _Nearest(edges, edge_levels(net.edges), max_link)
    wanted = feature_levels(features)
    rows: list[tuple[int, int, float, float, float, float, float, float]] = []
    status = np.full(len(geoms), "linked", dtype=object)
    unreached = f"unlinked: farther than {max_link:g} m from the network"

    # every point that joins on its own: plain points and the members of point groups
    single = np.where(~is_polygon & ~grouped)[0]
    pt_owner = np.concatenate([single, *group_owner]).astype(np.int64)
    pt_geom = np.concatenate([geoms[single], *group_points]) if len(pt_owner) else geoms[:0]
    reached = np.zeros(len(geoms), dtype=bool)
    for level in np.unique(wanted[pt_owner]):
        group = np.where(wanted[pt_owner] == level)[0]
        found = finder.nearest(pt_geom[group], int(level))
        for p, (e, d) in found.items():
            point = pt_geom[group[p]]
            feature = int(pt_owner[group[p]])
            pos = float(shapely.line_locate_point(edges[e], point))
            at = shapely.get_coordinates(shapely.line_interpolate_point(edges[e], pos))[0]
            src = shapely.get_coordinates(point)[0]
            rows.append((feature, e, pos, d, at[0], at[1], src[0], src[1]))
            reached[feature] = True
    status[np.unique(pt_owner[~reached[pt_owner]])] = unreached

    for feature in np.where(is_polygon)[0]:
        level = int(wanted[feature])
        entrances = _polygon_entrances(geoms[feature], edges, finder.tree, net)
        own = [x for x in entrances if level == LEVEL_ANY or finder.level[x[0]] == level]
        if own:
            rows.extend((feature, e, pos, 0.0, x, y, x, y) for e, pos, x, y in own)
            continue
        boundary = shapely.boundary(geoms[feature])
        near = finder.nearest(np.array([boundary]), level, fallback=False)
        if not near and entrances:
            # only streets of another level enter the polygon and none of its
            # own level is within reach: its entrances are the best there is
            rows.extend((feature, e, pos, 0.0, x, y, x, y) for e, pos, x, y in entrances)
            continue
        near = near or finder.nearest(np.array([boundary]), LEVEL_ANY)
        if not near:
            status[feature] = unreached
            continue
        e, d = near[0]
        # A polygon no street enters (a square mapped as an area, a park
        # without paths) is entered from every side a street runs beside,
        # not only at its single nearest point: join each street of the
        # nearest one's level that comes within ENTRANCE_SLACK_M of that.
        reach = min(max_link, d + ENTRANCE_SLACK_M)
        beside = finder.tree.query(boundary, predicate="dwithin", distance=reach)
        for side in sorted({e, *beside[finder.level[beside] == finder.level[e]].tolist()}):
            line = shapely.shortest_line(boundary, edges[side])
            a, b = shapely.get_coordinates(line)
            pos = float(shapely.line_locate_point(edges[side], shapely.Point(b)))
            rows.append((feature, side, pos, float(np.hypot(*(b - a))), b[0], b[1], a[0], a[1]))

    arr = np.array(rows, dtype=float).reshape(-1, 8)
    order = np.lexsort((arr[:, 2], arr[:, 1], arr[:, 0])) if len(arr) else np.arange(0)
    arr = arr[order]
    unlinked = int((status != "linked").sum())
    if unlinked:
        log.info("%s: %d of %d features not linked to the network", what, unlinked, len(status))
    edge = arr[:, 1].astype(np.int64)
    links = Links(
        owner=arr[:, 0].astype(np.int64),
        edge=edge,
        # contiguous: the kernels take them, and a strided view compiles each a second time
        pos=np.ascontiguousarray(arr[:, 2]),
        link_m=np.ascontiguousarray(arr[:, 3]),
        xy=arr[:, 4:6],
        origin_xy=arr[:, 6:8],
        status=status.astype(str),
        n_features=len(geoms),
        network_level=finder.level[edge],
        level=wanted,
    )
    off = np.unique(links.owner[links.off_level])
    if len(off):
        log.info(
            "%s: %d features joined to a tunnel or bridge (no street of their own level "
            "within %g m)",
            what,
            len(off),
            max_link,
        )
    return links


class _Nearest:
    """Nearest street of a level within ``max_link``, falling back to any level."""

    def __init__(self, edges: np.ndarray, level: np.ndarray, max_link: float) -> None:
        self.edges = edges
        self.level = level
        self.max_link = max_link
        self.tree = shapely.STRtree(edges)
        self._trees: dict[int, tuple[shapely.STRtree, np.ndarray]] = {}

    def _tree(self, level: int) -> tuple[shapely.STRtree, np.ndarray]:
        if level == LEVEL_ANY or (self.level == level).all():
            return self.tree, np.arange(len(self.edges))
        if level not in self._trees:
            index = np.where(self.level == level)[0]
            self._trees[level] = (shapely.STRtree(self.edges[index]), index)
        return self._trees[level]

    def nearest(
        self, geoms: np.ndarray, level: int, *, fallback: bool = True
    ) -> dict[int, tuple[int, float]]:
        """Position in ``geoms`` → (edge, distance) of its nearest street in reach.

        Streets of ``level`` first; with ``fallback``, geometries that have
        none within reach take the nearest street of any level.
        """
        found: dict[int, tuple[int, float]] = {}
        levels = [level, LEVEL_ANY] if fallback and level != LEVEL_ANY else [level]
        for lv in levels:
            todo = np.array([i for i in range(len(geoms)) if i not in found], dtype=np.int64)
            if len(todo) == 0:
                break
            tree, index = self._tree(lv)
            if len(index) == 0:
                continue
            (pi, ei), dist = tree.query_nearest(
                geoms[todo], max_distance=self.max_link, return_distance=True, all_matches=False
            )
            for p, e, d in zip(pi, ei, dist, strict=True):
                found.setdefault(int(todo[p]), (int(index[e]), float(d)))
        return found


def _polygon_entrances(
    polygon: shapely.Geometry, edges: np.ndarray, tree: shapely.STRtree, net: StreetNetwork
) -> list[tuple[int, float, float, float]]:
    """Entrances of a polygon: boundary crossings and junctions inside it.

    Streets within :data:`TOUCH_TOLERANCE_M` of the polygon count, and the
    polygon is first snapped onto their vertices within that distance, so a
    corner shared with a street stays shared after a reprojection.
    """
    candidates = tree.query(polygon, predicate="dwithin", distance=TOUCH_TOLERANCE_M)
    if len(candidates) == 0:
        return []
    snapped = shapely.snap(polygon, shapely.multilinestrings(edges[candidates]), TOUCH_TOLERANCE_M)
    if shapely.is_valid(polygon) and not shapely.is_valid(snapped):
        snapped = polygon  # snapping folded a sliver: the exact shape is the better guess
    found: list[tuple[int, float, float, float]] = []
    boundary = shapely.boundary(snapped)
    shapely.prepare(snapped)
    for e in candidates:
        line = edges[e]
        length = float(net.length[e])
        here: list[tuple[float, float, float]] = []
        for part in _points(shapely.intersection(line, boundary)):
            here.append((float(shapely.line_locate_point(line, part)), part.x, part.y))
        for end, pos in ((0, 0.0), (-1, length)):
            pt = shapely.get_point(line, end)
            if shapely.contains(snapped, pt):
                here.append((pos, pt.x, pt.y))
        # one entrance per place along the street: a crossing at a vertex can
        # come back twice, once from each segment meeting there
        last = -np.inf
        for pos, x, y in sorted(here):
            if pos - last > TOUCH_TOLERANCE_M:
                found.append((int(e), pos, x, y))
                last = pos
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

"""Barrier layers (railways, motorways, water) and links added across them.

A barrier is read from lines or polygons (a polygon counts by its outline)
with a category per feature. Features of one category lying within
``merge_gap`` metres of each other form one barrier (the tracks of a rail yard,
the two shores of a canal), unless the layer names its own barrier ids.

:func:`add_links` builds the network of a scenario: the existing streets plus
new lines (a footbridge, a path from a detailed plan) joined where their end
points meet the network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.messages import count
from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import NETWORK_COLUMNS, cut_line, prepare_network
from stadsrum.network.projection import align_crs

__all__ = ["BarrierSet", "add_links", "feature_levels", "read_barrier_layer"]

log = logging.getLogger(__name__)

#: Default category when the layer has no category column.
DEFAULT_CATEGORY = "barrier"

_NOT_TAGGED = {"", "no", "false", "0", "none"}


@dataclass(eq=False)
class BarrierSet:
    """Barrier features grouped into barriers, in the network's CRS.

    Attributes
    ----------
    features
        The input rows (index reset) with ``barrier_id`` and ``category``.
    lines
        Per feature, the line to cross: the line itself, or a polygon's outline.
    polygon
        Per feature, whether it is a polygon (an area: water, a fenced yard).
    level
        Per feature, its vertical level (OSM ``layer``; +1 for an untagged
        ``bridge``, -1 for a ``tunnel``), to tell bridges from level crossings.
    group
        Per feature, the row of its barrier in ``ids``.
    ids, categories
        Per barrier: its id and category.
    """

    features: gpd.GeoDataFrame
    lines: np.ndarray
    polygon: np.ndarray
    level: np.ndarray
    group: np.ndarray
    ids: np.ndarray
    categories: np.ndarray

    @property
    def n_barriers(self) -> int:
        return len(self.ids)

    def barrier_lines(self, g: int) -> shapely.Geometry:
        """All lines of barrier ``g``, noded where they touch or cross."""
        parts = shapely.get_parts(self.lines[self.group == g])
        return shapely.line_merge(shapely.union_all(parts))

    def select(self, categories: list[str]) -> BarrierSet:
        """Only the barriers of the given categories."""
        keep_g = np.isin(self.categories, categories)
        if not keep_g.any():
            found = ", ".join(sorted(set(self.categories)))
            raise InputError(
                f"barriers: no barrier of category {', '.join(categories)} (found: {found})"
            )
        new_index = np.cumsum(keep_g) - 1
        keep = keep_g[self.group]
        return BarrierSet(
            features=self.features[keep].reset_index(drop=True),
            lines=self.lines[keep],
            polygon=self.polygon[keep],
            level=self.level[keep],
            group=new_index[self.group[keep]],
            ids=self.ids[keep_g],
            categories=self.categories[keep_g],
        )


def _tagged(values: pd.Series, *, ignore: tuple[str, ...] = ()) -> np.ndarray:
    text = values.astype("string").str.strip().str.lower()
    return (text.notna() & ~text.isin([*_NOT_TAGGED, *ignore])).to_numpy(bool)


def feature_levels(frame: pd.DataFrame) -> np.ndarray:
    """Vertical level of each row from OSM-style ``layer``, ``bridge``, ``tunnel``.

    The ``layer`` value where it is set and not 0; otherwise +1 for a bridge,
    -1 for a tunnel (a ``building_passage`` is at street level), else 0.
    """
    n = len(frame)
    level = np.zeros(n)
    if "layer" in frame.columns:
        level = pd.to_numeric(frame["layer"], errors="coerce").fillna(0).to_numpy(float)
    bridge = _tagged(frame["bridge"]) if "bridge" in frame.columns else np.zeros(n, bool)
    tunnel = (
        _tagged(frame["tunnel"], ignore=("building_passage",))
        if "tunnel" in frame.columns
        else np.zeros(n, bool)
    )
    flat = level == 0
    level = np.where(flat & bridge, 1.0, level)
    level = np.where(flat & ~bridge & tunnel, -1.0, level)
    return level


def read_barrier_layer(
    barriers: gpd.GeoDataFrame,
    network: StreetNetwork,
    *,
    category: str | None = None,
    barrier_id: str | None = None,
    merge_gap: float = 25.0,
    what: str = "barriers",
) -> BarrierSet:
    """Check a barrier layer and group its features into barriers.

    Parameters
    ----------
    barriers
        Lines or polygons (or their multi-part forms) in any CRS; reprojected
        to the network's (and said so in the log).
    network
        The street network the barriers cut.
    category
        Column with each feature's category (``railway``, ``water``, ...).
        Default: ``category`` when the layer has it, else one category
        ``barrier`` for all.
    barrier_id
        Column naming the barrier each feature belongs to. Default: features
        of one category within ``merge_gap`` metres of each other form one
        barrier, named ``{category}-{k}`` (1 = the longest).
    merge_gap
        Metres; see ``barrier_id``.
    what
        Name of the layer in messages.

    Raises
    ------
    InputError
        For an empty layer, a layer without a CRS, points or other geometry
        that cannot be a barrier, empty geometries, a missing column, or a
        layer that does not overlap the network (usually a wrong CRS).
    """
    if not merge_gap >= 0:
        raise InputError("merge_gap must be zero or a positive number of metres")
    if len(barriers) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    if barriers.crs is None:
        raise InputError(f"{what}: the layer has no coordinate reference system; set one first")
    gdf, note = align_crs(barriers, network.crs, what=what)
    if note:
        log.info(note)
    gdf = gdf.reset_index(drop=True)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise InputError(
            f"{what}: {count(bad.sum(), 'feature')} with empty or missing geometry "
            f"(rows {_rows(bad)}); remove them or give them a geometry"
        )
    kinds = shapely.get_type_id(geoms)
    wrong = ~np.isin(kinds, [1, 2, 3, 5, 6])
    if wrong.any():
        names = sorted({str(t) for t in shapely.get_type_id(geoms[wrong])})
        type_names = {"0": "points", "4": "multipoints", "7": "geometry collections"}
        found = ", ".join(type_names.get(n, n) for n in names)
        raise InputError(
            f"{what}: expected lines or polygons, found {found} (rows {_rows(wrong)}); "
            "a barrier is a line to cross (railway, road, shore) or an area (water, yard)"
        )
    minx, miny, maxx, maxy = network.edges.total_bounds
    extent = shapely.box(minx - merge_gap, miny - merge_gap, maxx + merge_gap, maxy + merge_gap)
    if not shapely.intersects(geoms, extent).any():
        bx = ", ".join(f"{v:.0f}" for v in gdf.total_bounds)
        nx = ", ".join(f"{v:.0f}" for v in (minx, miny, maxx, maxy))
        raise InputError(
            f"{what}: no feature overlaps the street network (barriers {bx}; network {nx} in "
            f"{network.crs.to_string()}); check that the layer's coordinate reference "
            "system is declared correctly"
        )
    polygon = np.isin(kinds, [3, 6])
    lines = np.where(polygon, shapely.boundary(geoms), geoms)

    if category is None:
        category = "category" if "category" in gdf.columns else None
        if category is None:
            log.info("%s: no 'category' column; every feature is a '%s'", what, DEFAULT_CATEGORY)
    elif category not in gdf.columns:
        raise InputError(
            f"{what}: no column '{category}' for the barrier category (columns: {_columns(gdf)})"
        )
    if category is None:
        cats = np.full(len(gdf), DEFAULT_CATEGORY, dtype=object)
    else:
        cats = gdf[category].astype("string").fillna(DEFAULT_CATEGORY).to_numpy(dtype=object)
        cats = np.where(cats == "", DEFAULT_CATEGORY, cats)

    if barrier_id is not None:
        if barrier_id not in gdf.columns:
            raise InputError(
                f"{what}: no column '{barrier_id}' for the barrier id (columns: {_columns(gdf)})"
            )
        labels = gdf[barrier_id]
        if labels.isna().any():
            raise InputError(
                f"{what}: column '{barrier_id}' has empty ids (rows {_rows(labels.isna())})"
            )
        keys = labels.astype(str).to_numpy(dtype=object)
        ids, group = np.unique(keys, return_inverse=True)
        group_cat = np.empty(len(ids), dtype=object)
        for g in range(len(ids)):
            group_cat[g] = cats[group == g][0]
    else:
        ids, group, group_cat = _group_by_proximity(lines, cats, merge_gap)

    out = gdf.copy()
    out["barrier_id"] = ids[group]
    out["category"] = cats
    return BarrierSet(
        features=out,
        lines=lines,
        polygon=polygon,
        level=feature_levels(gdf),
        group=group.astype(np.int64),
        ids=ids.astype(object),
        categories=group_cat.astype(object),
    )


def _group_by_proximity(
    lines: np.ndarray, cats: np.ndarray, gap: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of one category within ``gap`` metres: one barrier, longest first."""
    n = len(lines)
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return int(x)

    tree = shapely.STRtree(lines)
    a, b = tree.query(lines, predicate="dwithin", distance=max(gap, 1e-9))
    for x, y in zip(a, b, strict=True):
        if x < y and cats[x] == cats[y]:
            rx, ry = find(x), find(y)
            if rx != ry:
                parent[max(rx, ry)] = min(rx, ry)
    roots = np.array([find(k) for k in range(n)])
    _, group = np.unique(roots, return_inverse=True)
    group = group.ravel()
    length = np.bincount(group, weights=shapely.length(lines))
    ids = np.empty(len(length), dtype=object)
    group_cat = np.empty(len(length), dtype=object)
    for g in range(len(length)):
        group_cat[g] = cats[group == g][0]
    for cat in pd.unique(group_cat):
        mine = np.where(group_cat == cat)[0]
        for k, g in enumerate(mine[np.argsort(-length[mine], kind="stable")]):
            ids[g] = f"{cat}-{k + 1}"
    # barrier rows ordered by category, then longest first
    order = np.lexsort((-length, group_cat.astype(str)))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return ids[order], rank[group], group_cat[order]


def _rows(mask: np.ndarray | pd.Series) -> str:
    return ", ".join(map(str, np.where(np.asarray(mask))[0][:10]))


def _columns(gdf: gpd.GeoDataFrame) -> str:
    return ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name) or "none"


def add_links(
    network: StreetNetwork,
    lines: gpd.GeoDataFrame,
    *,
    snap_tolerance: float = 1.0,
    what: str = "proposal",
    label: str | None = None,
) -> StreetNetwork:
    """The network with new lines added, joined where their ends meet it.

    Each line end within ``snap_tolerance`` metres of a junction is moved
    onto it; otherwise it joins the nearest street at the foot of the
    perpendicular, which is split there. The line's interior joins nothing
    (a footbridge passes over what it crosses). The result is built once
    through :func:`~stadsrum.network.prepare.prepare_network` (``"none"``:
    existing segments kept as they are); its ``edges`` have
    ``source_edge`` (the existing segment a row comes from, -1 for an added
    line) and ``added_link`` (row of ``lines``, -1 for existing streets).

    Parameters
    ----------
    network
        The street network.
    lines
        LineStrings (multi-parts are split) in any CRS.
    snap_tolerance
        Metres: the farthest a line end may be from the network.
    what
        Name of the layer in messages.
    label
        Column of ``lines`` used to name features in messages.

    Raises
    ------
    InputError
        For an empty layer, no CRS, non-line geometry, or an end point farther
        than ``snap_tolerance`` from every street.
    """
    if not snap_tolerance >= 0:
        raise InputError("snap_tolerance must be zero or a positive number of metres")
    if len(lines) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    if lines.crs is None:
        raise InputError(f"{what}: the layer has no coordinate reference system; set one first")
    gdf, note = align_crs(lines, network.crs, what=what)
    if note:
        log.info(note)
    gdf = gdf.reset_index(drop=True)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise InputError(f"{what}: features with empty or missing geometry (rows {_rows(bad)})")
    kinds = shapely.get_type_id(geoms)
    if not np.isin(kinds, [1, 5]).all():
        raise InputError(
            f"{what}: expected lines (the new links), found other geometry in rows "
            f"{_rows(~np.isin(kinds, [1, 5]))}"
        )
    parts, owner = shapely.get_parts(geoms, return_index=True)
    names = gdf[label].astype(str).to_numpy() if label and label in gdf.columns else None

    edges = np.asarray(network.edges.geometry.array, dtype=object)
    edge_tree = shapely.STRtree(edges)
    node_pts = shapely.points(network.node_xy)
    node_tree = shapely.STRtree(node_pts)
    ends = np.concatenate([shapely.get_point(parts, 0), shapely.get_point(parts, -1)])
    end_owner = np.concatenate([owner, owner])
    # where each end joins: ("node", id) or ("cut", edge, position)
    joins: list[tuple[str, int, float]] = []
    for k, pt in enumerate(ends):
        near_node = node_tree.query_nearest(pt, max_distance=snap_tolerance, all_matches=False)
        if len(near_node):
            joins.append(("node", int(near_node[0]), 0.0))
            continue
        near = edge_tree.query_nearest(pt, max_distance=snap_tolerance, all_matches=False)
        if len(near) == 0:
            d = float(shapely.distance(pt, edges[edge_tree.query_nearest(pt)[0]]))
            who = f"'{names[end_owner[k]]}'" if names is not None else f"row {end_owner[k]}"
            raise InputError(
                f"{what}: an end of {who} is {d:.1f} m from the nearest street, farther "
                f"than the snap tolerance ({snap_tolerance:g} m); move it onto the network "
                "or raise the snap tolerance"
            )
        e = int(near[0])
        joins.append(("cut", e, float(shapely.line_locate_point(edges[e], pt))))

    cuts: dict[int, list[float]] = {}
    for kind, e, pos in joins:
        if kind == "cut":
            cuts.setdefault(e, []).append(pos)
    cut_xy: dict[tuple[int, float], np.ndarray] = {}
    new_geoms: list[shapely.Geometry] = []
    source: list[int] = []
    for e in range(len(edges)):
        if e not in cuts:
            new_geoms.append(edges[e])
            source.append(e)
            continue
        dists = sorted(set(cuts[e]))
        inner = [d for d in dists if 0 < d < network.length[e]]
        pieces = cut_line(edges[e], inner) if inner else [edges[e]]
        for d in dists:
            if d <= 0:
                cut_xy[(e, d)] = shapely.get_coordinates(edges[e])[0]
            elif d >= network.length[e]:
                cut_xy[(e, d)] = shapely.get_coordinates(edges[e])[-1]
        for d, piece in zip(inner, pieces, strict=False):
            cut_xy[(e, d)] = shapely.get_coordinates(piece)[-1]
        new_geoms.extend(pieces)
        source.extend([e] * len(pieces))

    def end_xy(k: int) -> np.ndarray:
        kind, ref, pos = joins[k]
        if kind == "node":
            return network.node_xy[ref]
        return cut_xy[(ref, pos)]

    n_parts = len(parts)
    link_geoms = []
    for i, part in enumerate(parts):
        c = shapely.get_coordinates(part)
        c[0] = end_xy(i)
        c[-1] = end_xy(n_parts + i)
        link_geoms.append(shapely.linestrings(c))

    drop = [c for c in (*NETWORK_COLUMNS, "source_edge", "added_link") if c in network.edges]
    street_attrs = network.edges.drop(columns=[*drop, network.edges.geometry.name])
    street_attrs = street_attrs.iloc[source].reset_index(drop=True)
    street_attrs["source_edge"] = np.asarray(source, dtype=np.int64)
    street_attrs["added_link"] = -1
    link_attrs = gdf.drop(columns=[c for c in (*drop, gdf.geometry.name) if c in gdf]).iloc[owner]
    link_attrs = link_attrs.reset_index(drop=True)
    link_attrs["source_edge"] = -1
    link_attrs["added_link"] = owner.astype(np.int64)
    attrs = pd.concat([street_attrs, link_attrs], ignore_index=True)
    combined = gpd.GeoDataFrame(attrs, geometry=[*new_geoms, *link_geoms], crs=network.edges.crs)
    new = prepare_network(combined, prepare="none", components="all")
    new.report.notes.append(
        f"{what}: {count(n_parts, 'link')} added, {count(len(cuts), 'street')} split where a "
        "link joins"
    )
    return new

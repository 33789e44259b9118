"""Crossing inventory: where streets cross each barrier, and its stretches without one.

A street crosses a barrier where its centre line meets the barrier's line (or
a polygon's outline); the crossing's type compares the two levels.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from stadsrum.network.barriers import BarrierSet, feature_levels
from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import cut_line

__all__ = ["CROSSING_TYPES", "WATER_CATEGORIES", "barrier_inventory", "crossed_barriers"]

log = logging.getLogger(__name__)

#: Values of ``crossing_type``.
CROSSING_TYPES = ("bridge", "tunnel", "level_crossing")

#: Categories a street can only cross on a bridge or in a tunnel.
WATER_CATEGORIES = frozenset({"water", "river", "canal", "stream", "lake", "sea", "coastline"})


def _point_parts(g: shapely.Geometry) -> list[shapely.Point]:
    """The points where a street meets a barrier line (overlaps are not crossings)."""
    if g is None or g.is_empty:
        return []
    return [p for p in shapely.get_parts(g) if shapely.get_type_id(p) == 0]


def _crossing_points(network: StreetNetwork, barriers: BarrierSet) -> pd.DataFrame:
    """Every point where a street segment meets a barrier feature, with its type."""
    edges = np.asarray(network.edges.geometry.array, dtype=object)
    tree = shapely.STRtree(barriers.lines)
    e_idx, f_idx = tree.query(edges, predicate="intersects")
    inter = shapely.intersection(edges[e_idx], barriers.lines[f_idx])
    edge_level = feature_levels(network.edges)
    rows = []
    for e, f, g in zip(e_idx, f_idx, inter, strict=True):
        for p in _point_parts(g):
            rows.append((int(e), int(f), float(shapely.line_locate_point(edges[e], p)), p.x, p.y))
    raw = pd.DataFrame(rows, columns=["edge", "feature", "pos", "x", "y"])
    raw["group"] = barriers.group[raw["feature"].to_numpy(np.int64)]
    e_lvl = edge_level[raw["edge"].to_numpy(np.int64)]
    b_lvl = barriers.level[raw["feature"].to_numpy(np.int64)]
    cats = barriers.categories[raw["group"].to_numpy(np.int64)]
    water = np.array([str(c).lower() in WATER_CATEGORIES for c in cats], dtype=bool)
    kind = np.where(
        e_lvl > b_lvl,
        "bridge",
        np.where(e_lvl < b_lvl, "tunnel", np.where(water, "bridge", "level_crossing")),
    )
    raw["crossing_type"] = kind.astype(object)
    return raw


def _cluster(raw: pd.DataFrame, barriers: BarrierSet, edges: np.ndarray, gap: float) -> np.ndarray:
    """Crossing label of every raw point: one crossing per place where streets cross.

    Points of one barrier and type within ``gap`` metres are one crossing (a
    tunnel under a rail yard's many tracks); so are the two shore points of a
    street crossing a water polygon.
    """
    n = len(raw)
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return int(x)

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    if n == 0:
        return parent
    pts = shapely.points(raw[["x", "y"]].to_numpy())
    group = raw["group"].to_numpy()
    kind = raw["crossing_type"].to_numpy()
    a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=max(gap, 1e-9))
    for x, y in zip(a, b, strict=True):
        if x < y and group[x] == group[y] and kind[x] == kind[y]:
            union(int(x), int(y))
    polygons = np.asarray(barriers.features.geometry.array, dtype=object)
    for (_e, g), idx in raw.groupby(["edge", "group"]).indices.items():
        mine = barriers.polygon & (barriers.group == g)
        if len(idx) < 2 or not mine.any():
            continue
        area = shapely.union_all(polygons[mine])
        idx = idx[np.argsort(raw["pos"].to_numpy()[idx])]
        for x, y in itertools.pairwise(idx):
            mid = 0.5 * (raw["pos"].iat[x] + raw["pos"].iat[y])
            if shapely.contains(area, shapely.line_interpolate_point(edges[_e], mid)):
                union(int(x), int(y))
    return np.array([find(k) for k in range(n)])


def _crossings_layer(
    network: StreetNetwork, barriers: BarrierSet, raw: pd.DataFrame, label: np.ndarray
) -> gpd.GeoDataFrame:
    edges = network.edges
    names = edges["name"].to_numpy(dtype=object) if "name" in edges.columns else None
    rows = []
    for _, idx in pd.Series(np.arange(len(raw))).groupby(label).indices.items():
        sub = raw.iloc[idx]
        xy = sub[["x", "y"]].to_numpy()
        centre = xy.mean(axis=0)
        rep = int(np.argmin(np.hypot(*(xy - centre).T)))
        g = int(sub["group"].iat[0])
        street = ""
        if names is not None:
            found = [str(v) for v in names[sub["edge"].to_numpy()] if isinstance(v, str) and v]
            street = ";".join(dict.fromkeys(found))
        rows.append(
            {
                "barrier_id": barriers.ids[g],
                "category": barriers.categories[g],
                "crossing_type": sub["crossing_type"].iat[0],
                "lines_crossed": int(sub["feature"].nunique()),
                "edge_ids": ",".join(map(str, sorted(set(sub["edge"].tolist())))),
                "street": street,
                "geometry": shapely.Point(xy[rep]),
                "_group": g,
            }
        )
    cols = ["barrier_id", "category", "crossing_type", "lines_crossed", "edge_ids", "street"]
    if not rows:
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in ["crossing_id", *cols]},
            geometry=gpd.GeoSeries([], crs=network.edges.crs),
            crs=network.edges.crs,
        )
        return empty
    out = pd.DataFrame(rows).sort_values(["_group", "crossing_type"], kind="stable")
    out = out.drop(columns="_group").reset_index(drop=True)
    out.insert(0, "crossing_id", np.arange(1, len(out) + 1))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=network.edges.crs)


def _barrier_graph(
    lines: shapely.Geometry, cuts: np.ndarray
) -> tuple[nx.Graph, dict[tuple[Any, Any], np.ndarray]]:
    """Graph of the barrier's lines, cut (and disconnected) at the crossing points."""
    graph = nx.Graph()
    coords: dict[tuple[Any, Any], np.ndarray] = {}
    cut_pts = shapely.points(cuts) if len(cuts) else np.empty(0, dtype=object)
    fresh = 0
    for part in shapely.get_parts(lines):
        if shapely.get_type_id(part) != 1 or part.length == 0:
            continue
        dists: list[float] = []
        if len(cut_pts):
            near = cut_pts[shapely.dwithin(cut_pts, part, 0.01)]
            dists = sorted(
                {
                    d
                    for d in shapely.line_locate_point(part, near).tolist()
                    if 1e-6 < d < part.length - 1e-6
                }
            )
        pieces = cut_line(part, dists) if dists else [part]
        for k, piece in enumerate(pieces):
            c = shapely.get_coordinates(piece)
            if k == 0:
                start: Any = tuple(np.round(c[0], 3))
            else:
                start, fresh = ("cut", fresh), fresh + 1
            if k == len(pieces) - 1:
                end: Any = tuple(np.round(c[-1], 3))
            else:
                end, fresh = ("cut", fresh), fresh + 1
            length = float(piece.length)
            if graph.has_edge(start, end) and graph[start][end]["weight"] <= length:
                continue
            if start == end:
                continue
            graph.add_edge(start, end, weight=length)
            coords[(start, end)] = c
            coords[(end, start)] = c[::-1]
    return graph, coords


def _longest_paths(
    graph: nx.Graph, coords: dict[tuple[Any, Any], np.ndarray]
) -> list[tuple[float, float, shapely.LineString]]:
    """Per connected part: (length of its longest route, total length, that route).

    The longest route is found by a double sweep (farthest point from any
    point, then farthest from that): exact on a chain or a tree, which is what
    a barrier's lines between crossings nearly always are.
    """
    out = []
    for comp in nx.connected_components(graph):
        sub = graph.subgraph(comp)
        total = float(sum(d["weight"] for _, _, d in sub.edges(data=True)))
        # a set's order follows the hashes of its junction keys, and those of the
        # ("cut", k) keys change from run to run: start from the least key, so that
        # every run draws each stretch in the same direction
        start = min(comp, key=repr)
        far = nx.single_source_dijkstra_path_length(sub, start, weight="weight")
        a = max(far, key=far.__getitem__)
        dist, paths = nx.single_source_dijkstra(sub, a, weight="weight")
        b = max(dist, key=dist.__getitem__)
        path = paths[b]
        if len(path) < 2:
            continue
        xy = np.vstack(
            [
                coords[(p, q)] if k == 0 else coords[(p, q)][1:]
                for k, (p, q) in enumerate(itertools.pairwise(path))
            ]
        )
        out.append((float(dist[b]), total, shapely.linestrings(xy)))
    return out


def barrier_inventory(
    network: StreetNetwork,
    barriers: BarrierSet,
    *,
    merge_gap: float = 25.0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Crossings of every barrier, the barriers' summary and their uncrossed stretches.

    A street crosses a barrier where its centre line meets the barrier's
    line (or a polygon's outline). The crossing's type compares levels (OSM
    ``layer``, ``bridge`` and ``tunnel`` of street and barrier, see
    :func:`~stadsrum.network.barriers.feature_levels`): a street above the
    barrier crosses on a ``bridge``, below it in a ``tunnel``; at the same
    level water is crossed on a (untagged) ``bridge`` and anything else at a
    ``level_crossing``. Points of one barrier and type within ``merge_gap``
    metres count as one crossing.

    Returns
    -------
    (crossings, barriers, stretches)
        ``crossings``: points with ``crossing_id``, ``barrier_id``,
        ``category``, ``crossing_type`` (:data:`CROSSING_TYPES`),
        ``lines_crossed`` (barrier features, e.g. tracks), ``edge_ids`` and
        ``street`` (names). ``barriers``: one row per barrier with
        ``length_m`` (along its course: the longest route through each of its
        connected parts, summed), ``line_length_m`` (all its lines),
        ``n_crossings``, ``crossings_per_km`` (per km of ``length_m``),
        ``longest_stretch_m``; geometry its lines. ``stretches``: every part
        of a barrier between crossings, as its longest route (metres in
        ``stretch_m``), with ``longest`` = 1 on each barrier's longest and
        the barrier's figures repeated.
    """
    edges = np.asarray(network.edges.geometry.array, dtype=object)
    raw = _crossing_points(network, barriers)
    label = _cluster(raw, barriers, edges, merge_gap)
    crossings = _crossings_layer(network, barriers, raw, label)
    crs = network.edges.crs
    summary_rows, stretch_rows = [], []
    for g in range(barriers.n_barriers):
        lines = barriers.barrier_lines(g)
        mine = raw[raw["group"] == g]
        course = _longest_paths(*_barrier_graph(lines, np.empty((0, 2))))
        length = sum(c[0] for c in course)
        cut = _longest_paths(*_barrier_graph(lines, mine[["x", "y"]].to_numpy()))
        n_cross = int((crossings["barrier_id"] == barriers.ids[g]).sum()) if len(crossings) else 0
        longest = max((c[0] for c in cut), default=0.0)
        stats = {
            "barrier_id": barriers.ids[g],
            "category": barriers.categories[g],
            "length_m": length,
            "line_length_m": float(shapely.length(lines)),
            "n_crossings": n_cross,
            "crossings_per_km": n_cross / (length / 1000.0) if length > 0 else np.nan,
            "longest_stretch_m": longest,
        }
        summary_rows.append(stats | {"geometry": lines})
        best = int(np.argmax([c[0] for c in cut])) if cut else -1
        for k, (stretch, total, geom) in enumerate(cut):
            stretch_rows.append(
                stats
                | {
                    "stretch_m": stretch,
                    "stretch_line_m": total,
                    "longest": int(k == best),
                    "geometry": geom,
                }
            )
    summary = gpd.GeoDataFrame(summary_rows, geometry="geometry", crs=crs)
    stretches = gpd.GeoDataFrame(stretch_rows, geometry="geometry", crs=crs)
    log.info(
        "barriers: %d barriers, %d crossings, %d stretches",
        barriers.n_barriers,
        len(crossings),
        len(stretches),
    )
    return crossings, summary, stretches


def crossed_barriers(lines: np.ndarray, barriers: BarrierSet) -> list[list[str]]:
    """Ids of the barriers each line crosses, in the order met, once each."""
    tree = shapely.STRtree(barriers.lines)
    li, fi = tree.query(lines, predicate="intersects")
    out: list[list[str]] = [[] for _ in range(len(lines))]
    for i, f in zip(li, fi, strict=True):
        bid = barriers.ids[barriers.group[f]]
        if bid not in out[i]:
            out[i].append(bid)
    return out

"""Accessibility barriers: crossings, detours, barrier effect, new crossings, scenarios.

Railways, motorways and water cut a city; crossings are its gates. This module
answers, on the walking network:

1. *crossing inventory* (:func:`barrier_inventory`): where streets cross each
   barrier (bridge, tunnel, level crossing), and per barrier its length,
   crossings per km and the longest stretch without a crossing;
2. *detour* (:func:`detour_pairs`, :func:`detour_surface`): network versus
   straight-line distance for place→node pairs whose straight line crosses a
   barrier, and a detour-ratio surface;
3. *barrier effect* (:func:`barrier_effect`): accessibility on the real
   network versus a counterfactual in which a barrier is permeable;
4. *new crossings* (:func:`candidate_links`, :func:`rank_candidates`): links
   across barriers ranked by the total shortening of place→node routes;
5. *scenario* (:func:`evaluate_scenario`): proposed links, before vs after.

Gains are exact without a search per candidate: with ``D(s, x)`` the shortest
distance from place ``s`` to junction ``x`` and ``D(t, x)`` from node ``t``, a
link ``a–b`` of length ``L`` gives the pair the distance

    new(s, t) = min(old(s, t), D(s, a) + L + D(t, b), D(s, b) + L + D(t, a))

since a shortest route uses a new link at most once. One search per place and
per node (kernel :func:`stadsrum.kernels.barriers.junction_distances`) thus
prices every candidate. The greedy ``best k together`` updates the distance
rows the same way after each chosen link.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError, NetworkError
from stadsrum.measures._parallel import Scratch, run_groups, thread_count
from stadsrum.measures.proximity import DEFAULT_SPEED, _Graph, _Side, _side
from stadsrum.messages import count
from stadsrum.network.barriers import BarrierSet, add_links, feature_levels, read_barrier_layer
from stadsrum.network.links import PolygonMode
from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import _cut_line
from stadsrum.progress import ProgressLike, as_progress

__all__ = [
    "CROSSING_TYPES",
    "BarrierResult",
    "ODMatrix",
    "barrier_analysis",
    "barrier_effect",
    "barrier_inventory",
    "candidate_links",
    "detour_pairs",
    "detour_surface",
    "evaluate_scenario",
    "od_matrix",
    "permeable_links",
    "rank_candidates",
]

log = logging.getLogger(__name__)

#: Values of ``crossing_type``.
CROSSING_TYPES = ("bridge", "tunnel", "level_crossing")

#: Categories a street can only cross on a bridge or in a tunnel.
WATER_CATEGORIES = frozenset({"water", "river", "canal", "stream", "lake", "sea", "coastline"})

#: Metres: a candidate link passing this close to a junction other than its ends goes
#: through it, so it is two shorter links (each a candidate of its own) laid end to end.
JUNCTION_TOLERANCE_M = 2.0
#: Metres: a candidate link within this distance of a street runs along it ...
ALONG_TOLERANCE_M = 1.0
#: ... and is dropped when it does so along one street for more than this many
#: metres: it duplicates the street and is dominated by the shorter link it contains.
#: Crossing a street, or leaving a junction, at more than 12 degrees keeps a link
#: within 1 m of that street for less than 10 m.
ALONG_MAX_M = 10.0
#: Detour reference: a crossing route is compared with the place's routes that cross no
#: barrier and are between 1/2 and 2 times as long as the crow flies ...
COMPARABLE_FACTOR = 2.0
#: ... and only where there are at least this many of them.
MIN_COMPARABLE = 3


# --- 1. crossing inventory -----------------------------------------------------------


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
        pieces = _cut_line(part, dists) if dists else [part]
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
        start = next(iter(comp))
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


# --- distances to every junction --------------------------------------------------


@dataclass(eq=False)
class ODMatrix:
    """Place→node distances with each side's distances to every junction.

    Attributes
    ----------
    places, nodes
        The linked sides (ids, access points).
    to_junction_places, to_junction_nodes
        ``D(s, x)`` and ``D(t, x)``: metres from each place/node (its access
        distance included) to each junction ``x``; ``inf`` where unlinked or
        unreachable. Shapes ``(P, J)`` and ``(N, J)``.
    total_m
        Place→node distances along the streets plus both access distances,
        shape ``(P, N)``, ``inf`` where there is no route.
    """

    places: _Side
    nodes: _Side
    to_junction_places: np.ndarray
    to_junction_nodes: np.ndarray
    total_m: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def _head(network: StreetNetwork) -> np.ndarray:
    """Junction each directed state heads for (state ``2e`` → ``v``, ``2e + 1`` → ``u``)."""
    head = np.empty(2 * network.n_edges, dtype=np.int64)
    head[0::2] = network.v
    head[1::2] = network.u
    return head


def _junction_rows(
    network: StreetNetwork,
    graph: _Graph,
    starts: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None],
    *,
    threads: int | None,
    progress: ProgressLike,
    label: str,
) -> np.ndarray:
    """One row of junction distances per start group (``None``: a row of ``inf``)."""
    from stadsrum.kernels.barriers import junction_distances

    head = _head(network)
    n_nodes = network.n_nodes
    max_sources = max((len(s[0]) for s in starts if s is not None), default=1)

    def work(i: int, scratch: Scratch) -> np.ndarray | None:
        s = starts[i]
        if s is None:
            return None
        out: np.ndarray = junction_distances(
            s[0],
            s[1],
            s[2],
            head,
            n_nodes,
            graph.indptr,
            graph.dst,
            graph.tcost,
            graph.length,
            scratch.segdist,
            *scratch.args(),
        )
        return out

    results = run_groups(
        range(len(starts)),
        work,
        lambda: graph.scratch(max(max_sources, 1)),
        threads=thread_count(threads),
        progress=progress,
        label=label,
        total=len(starts),
    )
    rows = np.full((len(starts), n_nodes), np.inf)
    for i, r in enumerate(results):
        if r is not None:
            rows[i] = r
    return rows


def _side_starts(side: _Side) -> list[tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
    for i in range(len(side.ids)):
        sl = side.access(i)
        if sl.stop == sl.start:
            out.append(None)
        else:
            out.append((side.links.edge[sl], side.links.pos[sl], side.links.link_m[sl]))
    return out


def _node_starts(
    network: StreetNetwork, junctions: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """Start points at junctions: an end of one of their segments."""
    indptr, ends = network.node_csr
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
    for x in junctions:
        end = ends[indptr[x]]
        e = end // 2
        pos = 0.0 if end % 2 == 0 else float(network.length[e])
        out.append((np.array([e]), np.array([pos]), np.array([0.0])))
    return out


def _to_targets(
    network: StreetNetwork, rows: np.ndarray, source: _Side, target: _Side
) -> np.ndarray:
    """Distances from each source (junction rows) to each target feature.

    A target access point at ``q`` on segment ``f`` (ends ``u``, ``v``) is
    reached from an end, ``D(u) + q`` or ``D(v) + len - q``, or directly
    along ``f`` from a source access point on it; its access distance is
    added, and each target takes its best access point.
    """
    u, v, length = network.u, network.v, network.length
    links = target.links
    f, q = links.edge, links.pos
    via = np.minimum(rows[:, u[f]] + q[None, :], rows[:, v[f]] + (length[f] - q)[None, :])
    for i in range(len(source.ids)):
        sl = source.access(i)
        for e, p, c in zip(
            source.links.edge[sl], source.links.pos[sl], source.links.link_m[sl], strict=True
        ):
            same = f == e
            if same.any():
                via[i, same] = np.minimum(via[i, same], c + np.abs(q[same] - p))
    via = via + links.link_m[None, :]
    out = np.full((rows.shape[0], len(target.ids)), np.inf)
    if len(links.owner):
        np.minimum.at(out.T, links.owner, via.T)
    return out


def _street_view(network: StreetNetwork) -> StreetNetwork:
    """The network without added links, for joining places (not onto a footbridge)."""
    if "added_link" not in network.edges.columns:
        return network
    streets = network.edges["added_link"].to_numpy() < 0
    n = int(streets.sum())
    if not streets[:n].all():  # add_links puts the existing streets first
        raise NetworkError("added links must follow the streets in the network's edges")
    return StreetNetwork(
        edges=network.edges.iloc[:n], node_xy=network.node_xy, report=network.report
    )


def od_matrix(
    network: StreetNetwork,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> ODMatrix:
    """Place→node distances and both sides' distances to every junction.

    One search per place and per node. Places and nodes join the streets as
    in :func:`~stadsrum.measures.proximity.place_distances` (``total_m``
    equals its column of that name); on a network with added links
    (:func:`~stadsrum.network.barriers.add_links`) they join the existing
    streets only, never a new footbridge.
    """
    progress = as_progress(progress)
    view = _street_view(network)
    place = _side(
        view,
        places,
        place_id,
        what="places",
        option="--place-id",
        max_link=max_link,
        polygons=polygons,
    )
    node = _side(
        view,
        nodes,
        node_id,
        what="nodes",
        option="--node-id",
        max_link=max_link,
        polygons=polygons,
        category=node_category,
    )
    if not place.links.linked.any():
        raise NetworkError(
            f"places: none of the {len(place.ids)} places is within {max_link:g} m of the "
            "network; check the layers' coordinate systems or raise --max-link"
        )
    graph = _Graph(network)
    d_p = _junction_rows(
        network,
        graph,
        _side_starts(place),
        threads=threads,
        progress=progress,
        label="distances from places",
    )
    d_n = _junction_rows(
        network,
        graph,
        _side_starts(node),
        threads=threads,
        progress=progress,
        label="distances from nodes",
    )
    total = _to_targets(network, d_p, place, node)
    return ODMatrix(place, node, d_p, d_n, total, extra={"graph": graph})


# --- 2. detour ---------------------------------------------------------------------


def _crossed(lines: np.ndarray, barriers: BarrierSet) -> list[list[str]]:
    """Barrier ids each line crosses."""
    tree = shapely.STRtree(barriers.lines)
    li, fi = tree.query(lines, predicate="intersects")
    out: list[list[str]] = [[] for _ in range(len(lines))]
    for i, f in zip(li, fi, strict=True):
        bid = barriers.ids[barriers.group[f]]
        if bid not in out[i]:
            out[i].append(bid)
    return out


def detour_pairs(
    od: ODMatrix,
    barriers: BarrierSet,
    *,
    crs: object,
    speed: float = DEFAULT_SPEED,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Network versus straight-line distance for every place→node pair.

    Returns
    -------
    (pairs, per_place)
        ``pairs``: one row per place and node with ``total_m`` (as in the OD
        table), ``straight_m``, ``detour_ratio``, ``extra_m`` (= ``total_m``
        − ``straight_m``), ``crosses_barrier`` (the straight line crosses a
        barrier), ``barriers`` (their ids, ``;``-separated); geometry the
        straight line; for a crossing pair also ``reference_ratio`` and
        ``barrier_excess_m`` (below). ``per_place``: the place's geometry with
        ``n_routes``, ``n_crossing``, ``share_crossing`` (of its routes,
        those whose straight line crosses a barrier), ``detour_crossing`` and
        ``detour_other`` (mean detour ratios), ``extra_m_crossing`` and
        ``extra_m_other`` (mean metres beyond the straight line),
        ``n_compared`` (crossing routes with a reference) and
        ``barrier_excess_m``, their mean.

    Notes
    -----
    A crossing route's ``barrier_excess_m`` is ``total_m − straight_m × R``:
    the metres it walks beyond what the same place's routes that cross no
    barrier need for a similar straight distance. ``R`` (``reference_ratio``)
    is the median detour ratio of those between ``1 / COMPARABLE_FACTOR`` and
    ``COMPARABLE_FACTOR`` times the route's straight distance, and only
    where there are at least :data:`MIN_COMPARABLE` (else empty). Like for
    like, because detour ratios fall with distance: the walk to and from the
    street does not grow with it, so a ratio taken from short routes (or
    from a node inside the place, 0 m as the crow flies) predicts far too
    much for long ones and makes the excess wrongly negative. The median, so
    that one doubtful route (a point joined to a tunnel) does not set the
    reference. A negative excess that remains is real: that route across
    the barrier is straighter than the place's comparable routes (a bridge
    in line with it).
    """
    place, node = od.places, od.nodes
    n_p, n_n = len(place.ids), len(node.ids)
    rows_p = np.repeat(np.arange(n_p), n_n)
    rows_n = np.tile(np.arange(n_n), n_p)
    pg = np.asarray(place.gdf.geometry.array, dtype=object)
    ng = np.asarray(node.gdf.geometry.array, dtype=object)
    lines = shapely.shortest_line(pg[rows_p], ng[rows_n])
    straight = shapely.length(lines)
    total = od.total_m.ravel()
    total = np.where(np.isfinite(total), total, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(straight > 0, total / straight, np.nan)
    crossed = _crossed(lines, barriers)
    pairs = pd.DataFrame(
        {
            "place_id": place.ids[rows_p],
            "node_id": node.ids[rows_n],
        }
    )
    if node.category is not None:
        pairs["node_category"] = node.category[rows_n]
    pairs["total_m"] = total
    pairs["walk_min"] = total / speed / 60.0
    pairs["straight_m"] = straight
    pairs["detour_ratio"] = ratio
    pairs["extra_m"] = total - straight
    pairs["crosses_barrier"] = np.array([bool(c) for c in crossed])
    pairs["barriers"] = [";".join(c) for c in crossed]
    reference = _reference_ratio(
        total.reshape(n_p, n_n),
        straight.reshape(n_p, n_n),
        pairs["crosses_barrier"].to_numpy().reshape(n_p, n_n),
    ).ravel()
    pairs["reference_ratio"] = reference
    pairs["barrier_excess_m"] = total - straight * reference
    pairs_gdf = gpd.GeoDataFrame(pairs, geometry=lines, crs=crs)

    recs = []
    for p in range(n_p):
        sub = pairs.iloc[p * n_n : (p + 1) * n_n]
        ok = sub[np.isfinite(sub["total_m"])]
        cross = ok[ok["crosses_barrier"]]
        other = ok[~ok["crosses_barrier"]]
        excess = cross["barrier_excess_m"].dropna()
        recs.append(
            {
                "place_id": place.ids[p],
                "n_routes": len(ok),
                "n_crossing": len(cross),
                "share_crossing": len(cross) / len(ok) if len(ok) else np.nan,
                "detour_crossing": float(cross["detour_ratio"].mean()) if len(cross) else np.nan,
                "detour_other": float(other["detour_ratio"].mean()) if len(other) else np.nan,
                "extra_m_crossing": float(cross["extra_m"].mean()) if len(cross) else np.nan,
                "extra_m_other": float(other["extra_m"].mean()) if len(other) else np.nan,
                "n_compared": len(excess),
                "barrier_excess_m": float(excess.mean()) if len(excess) else np.nan,
            }
        )
    per_place = gpd.GeoDataFrame(pd.DataFrame(recs), geometry=list(pg), crs=crs)
    return pairs_gdf, per_place


def _reference_ratio(total: np.ndarray, straight: np.ndarray, crosses: np.ndarray) -> np.ndarray:
    """Per crossing pair: the detour ratio of the place's comparable non-crossing routes.

    Arrays are ``(places, nodes)``; ``total`` is NaN where there is no route.
    A comparable route crosses no barrier and is between ``1 / COMPARABLE_FACTOR``
    and ``COMPARABLE_FACTOR`` times as long as the crow flies; the ratio is the
    median of theirs, NaN with fewer than ``MIN_COMPARABLE`` of them.
    """
    out = np.full(total.shape, np.nan)
    for p in range(total.shape[0]):
        other = ~crosses[p] & np.isfinite(total[p]) & (straight[p] > 0)
        ss = straight[p, other]
        ratio = total[p, other] / ss
        for t in np.where(crosses[p] & np.isfinite(total[p]) & (straight[p] > 0))[0]:
            d = straight[p, t]
            near = (ss >= d / COMPARABLE_FACTOR) & (ss <= d * COMPARABLE_FACTOR)
            if near.sum() >= MIN_COMPARABLE:
                out[p, t] = float(np.median(ratio[near]))
    return out


def _grid_points(network: StreetNetwork, spacing: float) -> gpd.GeoDataFrame:
    """A regular grid over the network, kept where a street is within half a spacing."""
    minx, miny, maxx, maxy = network.edges.total_bounds
    xs = np.arange(np.floor(minx / spacing) * spacing + spacing / 2, maxx, spacing)
    ys = np.arange(np.floor(miny / spacing) * spacing + spacing / 2, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    tree = shapely.STRtree(np.asarray(network.edges.geometry.array, dtype=object))
    near = np.unique(tree.query(pts, predicate="dwithin", distance=spacing / 2)[0])
    pts = pts[near]
    return gpd.GeoDataFrame({"origin_id": np.arange(len(pts))}, geometry=pts, crs=network.edges.crs)


def detour_surface(
    network: StreetNetwork,
    targets: gpd.GeoDataFrame,
    barriers: BarrierSet | None = None,
    *,
    origins: str = "grid",
    grid_spacing: float = 100.0,
    target_id: str = "place_id",
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame:
    """Detour ratio from a grid of points (or segment midpoints) to the targets.

    Parameters
    ----------
    network
        The street network.
    targets
        The places (or one centre point) with an id column ``target_id``.
    barriers
        When given, ``share_crossing`` tells how many straight lines to the
        targets cross a barrier.
    origins
        ``"grid"``: points every ``grid_spacing`` metres, kept where a street
        is within half a spacing; ``"segments"``: every segment's midpoint.

    Returns
    -------
    geopandas.GeoDataFrame
        One point per origin with ``network_m`` and ``straight_m`` (means over
        the targets reached), ``detour_ratio`` (mean of the per-target ratios
        network / straight), ``detour_ratio_max`` and ``share_crossing``.
    """
    progress = as_progress(progress)
    if origins == "grid":
        if not grid_spacing > 0:
            raise InputError("grid spacing must be a positive number of metres")
        origin_gdf = _grid_points(network, grid_spacing)
    elif origins == "segments":
        mids = shapely.line_interpolate_point(
            np.asarray(network.edges.geometry.array, dtype=object), 0.5, normalized=True
        )
        origin_gdf = gpd.GeoDataFrame(
            {"origin_id": np.arange(network.n_edges), "edge_id": np.arange(network.n_edges)},
            geometry=mids,
            crs=network.edges.crs,
        )
    else:
        raise InputError(f"unknown detour origins '{origins}': choose 'grid' or 'segments'")
    od = od_matrix(
        network,
        targets,
        origin_gdf,
        place_id=target_id,
        node_id="origin_id",
        max_link=max_link,
        polygons=polygons,
        threads=threads,
        progress=progress,
    )
    tg = np.asarray(od.places.gdf.geometry.array, dtype=object)
    og = np.asarray(od.nodes.gdf.geometry.array, dtype=object)
    net_m = od.total_m.T  # origins x targets
    straight = shapely.distance(og[:, None], tg[None, :])
    reached = np.isfinite(net_m) & (straight > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(reached, net_m / np.where(straight > 0, straight, 1.0), np.nan)
        out = origin_gdf.copy()
        out["n_targets"] = reached.sum(axis=1)
        out["network_m"] = np.nanmean(np.where(reached, net_m, np.nan), axis=1)
        out["straight_m"] = np.nanmean(np.where(reached, straight, np.nan), axis=1)
        out["detour_ratio"] = np.nanmean(ratio, axis=1)
        out["detour_ratio_max"] = np.nanmax(np.where(reached, ratio, -np.inf), axis=1)
    out.loc[out["n_targets"] == 0, "detour_ratio_max"] = np.nan
    if barriers is not None:
        lines = shapely.shortest_line(np.repeat(og, len(tg)), np.tile(tg, len(og)))
        crosses = np.array([bool(c) for c in _crossed(lines, barriers)]).reshape(len(og), -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share_crossing"] = np.where(
                out["n_targets"] > 0, (crosses & reached).sum(axis=1) / out["n_targets"], np.nan
            )
    return out


# --- 4. candidate links and their gains ---------------------------------------------


def candidate_links(
    network: StreetNetwork,
    barriers: BarrierSet,
    *,
    max_length: float = 150.0,
    buildings: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Straight links between junctions on opposite sides of a barrier.

    A candidate joins two junctions at most ``max_length`` metres apart whose
    straight line crosses a barrier's line (or outline), and passes through
    no building (if ``buildings`` polygons are given; touching is allowed).
    A line passing within :data:`JUNCTION_TOLERANCE_M` metres of another
    junction, or running within :data:`ALONG_TOLERANCE_M` of existing streets
    for more than :data:`ALONG_MAX_M` metres, is no candidate: it is never
    what a planner would build, and the shorter link it contains is a
    candidate of its own.

    Returns
    -------
    geopandas.GeoDataFrame
        ``from_node``, ``to_node`` (junction ids), ``length_m``, ``barrier_id``
        (the barriers crossed, ``;``-separated) and the line.
    """
    if not max_length > 0:
        raise InputError("max link length must be a positive number of metres")
    node_pts = shapely.points(network.node_xy)
    node_tree = shapely.STRtree(node_pts)
    pairs: set[tuple[int, int]] = set()
    for g in range(barriers.n_barriers):
        lines = barriers.barrier_lines(g)
        near = np.unique(node_tree.query(lines, predicate="dwithin", distance=max_length))
        if len(near) < 2:
            continue
        sub_tree = shapely.STRtree(node_pts[near])
        a, b = sub_tree.query(node_pts[near], predicate="dwithin", distance=max_length)
        keep = a < b
        a, b = near[a[keep]], near[b[keep]]
        segs = shapely.linestrings(
            np.stack([network.node_xy[a], network.node_xy[b]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(a)), 2),
        )
        shapely.prepare(lines)
        hit = shapely.intersects(lines, segs)
        pairs.update(zip(a[hit].tolist(), b[hit].tolist(), strict=True))
    a_arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    segs = (
        shapely.linestrings(
            np.stack([network.node_xy[a_arr[:, 0]], network.node_xy[a_arr[:, 1]]], axis=1).reshape(
                -1, 2
            ),
            indices=np.repeat(np.arange(len(a_arr)), 2),
        )
        if len(a_arr)
        else np.empty(0, dtype=object)
    )
    keep = np.ones(len(a_arr), dtype=bool)
    if buildings is not None and len(a_arr):
        from stadsrum.network.projection import align_crs

        if len(buildings) == 0:
            raise InputError("buildings: the layer is empty (no features)")
        bld, _ = align_crs(buildings, network.crs, what="buildings")
        bgeom = np.asarray(bld.geometry.array, dtype=object)
        if not np.isin(shapely.get_type_id(bgeom), [3, 6]).all():
            raise InputError("buildings: expected polygons (building footprints)")
        si, bi = shapely.STRtree(bgeom).query(segs, predicate="intersects")
        inside = shapely.length(shapely.intersection(segs[si], bgeom[bi])) > 0.01
        keep[si[inside]] = False
    if len(a_arr):
        keep &= ~_on_streets(network, a_arr, segs)
    a_arr, segs = a_arr[keep], segs[keep]
    crossed = _crossed(segs, barriers) if len(segs) else []
    return gpd.GeoDataFrame(
        {
            "from_node": a_arr[:, 0],
            "to_node": a_arr[:, 1],
            "length_m": shapely.length(segs) if len(segs) else np.empty(0),
            "barrier_id": [";".join(c) for c in crossed],
        },
        geometry=list(segs),
        crs=network.edges.crs,
    )


def _on_streets(network: StreetNetwork, ends: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Whether each link goes through another junction or runs along a street.

    ``ends``: the links' end junctions, shape ``(n, 2)``.
    """
    node_pts = shapely.points(network.node_xy)
    si, ni = shapely.STRtree(node_pts).query(
        segs, predicate="dwithin", distance=JUNCTION_TOLERANCE_M
    )
    through = (ni != ends[si, 0]) & (ni != ends[si, 1])
    out = np.zeros(len(segs), dtype=bool)
    out[si[through]] = True
    edges = np.asarray(network.edges.geometry.array, dtype=object)
    si, ei = shapely.STRtree(edges).query(segs, predicate="dwithin", distance=ALONG_TOLERANCE_M)
    todo = ~out[si]
    si, ei = si[todo], ei[todo]
    if len(si) == 0:
        return out
    # per street, not summed: a link crossing a dozen footways is near each for 2 m
    along = shapely.length(
        shapely.intersection(segs[si], shapely.buffer(edges[ei], ALONG_TOLERANCE_M))
    )
    out[si[along > ALONG_MAX_M]] = True
    return out


def _gains(
    d_p: np.ndarray,
    d_n: np.ndarray,
    old: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    length: np.ndarray,
    weight: np.ndarray,
    reach_m: Sequence[float],
    chunk: int = 512,
) -> dict[str, np.ndarray]:
    """Exact effect of each candidate link alone, by the min formula."""
    n_c = len(a)
    out: dict[str, np.ndarray] = {
        "gain_m": np.zeros(n_c),
        "pairs_improved": np.zeros(n_c, dtype=np.int64),
        "max_reduction_m": np.zeros(n_c),
        "pairs_connected": np.zeros(n_c, dtype=np.int64),
    }
    for r in reach_m:
        out[f"_reach_{r}"] = np.zeros(n_c, dtype=np.int64)
    finite_old = np.isfinite(old)
    old_safe = np.where(finite_old, old, np.inf)
    within_old = {r: (old <= r + 1e-9).sum() for r in reach_m}
    for lo in range(0, n_c, chunk):
        hi = min(n_c, lo + chunk)
        ln = length[lo:hi]
        pa, pb = d_p[:, a[lo:hi]], d_p[:, b[lo:hi]]  # P x C
        na, nb = d_n[:, a[lo:hi]], d_n[:, b[lo:hi]]  # N x C
        with np.errstate(invalid="ignore"):
            via = np.minimum(
                pa[:, None, :] + ln[None, None, :] + nb[None, :, :],
                pb[:, None, :] + ln[None, None, :] + na[None, :, :],
            )
        new = np.minimum(old_safe[:, :, None], via)
        with np.errstate(invalid="ignore"):
            red = old_safe[:, :, None] - new
        red[~np.broadcast_to(finite_old[:, :, None], red.shape)] = 0.0
        out["gain_m"][lo:hi] = (red * weight[:, :, None]).sum(axis=(0, 1))
        out["pairs_improved"][lo:hi] = (red > 1e-6).sum(axis=(0, 1))
        out["max_reduction_m"][lo:hi] = red.max(axis=(0, 1)) if red.size else 0.0
        out["pairs_connected"][lo:hi] = ((~finite_old[:, :, None]) & np.isfinite(new)).sum(
            axis=(0, 1)
        )
        for r in reach_m:
            out[f"_reach_{r}"][lo:hi] = (new <= r + 1e-9).sum(axis=(0, 1)) - within_old[r]
    return out


def _apply_link(
    rows: np.ndarray, a: int, b: int, length: float, row_a: np.ndarray, row_b: np.ndarray
) -> np.ndarray:
    """Junction distance rows after adding the link ``a–b`` (rows of a and b given)."""
    return np.minimum(
        rows,
        np.minimum(
            rows[:, a, None] + length + row_b[None, :], rows[:, b, None] + length + row_a[None, :]
        ),
    )


def rank_candidates(
    network: StreetNetwork,
    od: ODMatrix,
    candidates: gpd.GeoDataFrame,
    *,
    place_weight: str | None = None,
    node_weight: str | None = None,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    best_k: int = 0,
    candidate_spacing: float = 100.0,
    min_saving: float = 1.0,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame:
    """Rank candidate links by how much they shorten place→node routes.

    Parameters
    ----------
    network, od
        The network and its :func:`od_matrix`.
    candidates
        Links between junctions (``from_node``, ``to_node``, ``length_m``),
        e.g. from :func:`candidate_links`.
    place_weight, node_weight
        Columns of the places/nodes weighting each pair (a pair's weight is
        the product; default 1).
    thresholds
        Minutes of walking at ``speed`` for the reach gains.
    best_k
        Also choose the best ``best_k`` links *together*, greedily: each step
        takes the link with the largest gain given the links already chosen.
    candidate_spacing
        Metres: a link closer than this to a better-ranked link kept on the
        same barrier (sharing a barrier id) is left out, so the list offers
        distinct places to build rather than variants of one (0: keep all).
        The distance is between the lines (0 where they share an end or
        cross). The greedy choice is made among the links kept.
    min_saving
        Candidates whose ends are already joined by a route at most this many
        metres longer than the link are dropped: no route can gain more.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidates kept, best first, with ``network_m`` (today's route
        between the ends), ``saving_m`` (= ``network_m`` − ``length_m``, the
        most any route can gain), ``gain_m`` (total reduction of route
        distance over all place→node pairs, weighted if weights are given),
        ``pairs_improved``, ``max_reduction_m``, ``pairs_connected`` (pairs
        with no route before), ``reach_gain_{T}min`` (place→node pairs newly
        within T minutes), ``rank`` (1 = largest gain) and, with ``best_k``,
        ``greedy_step`` (1..k, 0 for the others) and ``greedy_gain_m`` (the
        gain of that step given the earlier ones).
    """
    progress = as_progress(progress)
    if not candidate_spacing >= 0:
        raise InputError("candidate spacing must be zero or a positive number of metres")
    n_p, n_n = od.total_m.shape
    wp = _weights(od.places, place_weight, n_p, what="places")
    wn = _weights(od.nodes, node_weight, n_n, what="nodes")
    weight = wp[:, None] * wn[None, :]
    reach_m = [float(t) * 60.0 * speed for t in thresholds]
    cand = candidates.reset_index(drop=True)
    if len(cand) == 0:
        return _empty_ranking(cand, thresholds, best_k)
    a = cand["from_node"].to_numpy(np.int64)
    b = cand["to_node"].to_numpy(np.int64)
    length = cand["length_m"].to_numpy(float)
    graph = od.extra.get("graph") or _Graph(network)
    ends = np.unique(np.concatenate([a, b]))
    rows = _junction_rows(
        network,
        graph,
        _node_starts(network, ends),
        threads=threads,
        progress=progress,
        label="distances between candidate ends",
    )
    where = np.searchsorted(ends, a)
    net_ab = rows[where, b]
    keep = net_ab - length > min_saving
    cand = cand[keep].reset_index(drop=True)
    a, b, length, net_ab = a[keep], b[keep], length[keep], net_ab[keep]
    cand["network_m"] = net_ab
    cand["saving_m"] = net_ab - length
    if len(cand) == 0:
        return _empty_ranking(cand, thresholds, best_k)
    progress.message(f"pricing {len(cand):,} candidate links")
    g = _gains(
        od.to_junction_places, od.to_junction_nodes, od.total_m, a, b, length, weight, reach_m
    )
    for key in ("gain_m", "pairs_improved", "max_reduction_m", "pairs_connected"):
        cand[key] = g[key]
    for t, r in zip(thresholds, reach_m, strict=True):
        cand[f"reach_gain_{_minutes_label(t)}min"] = g[f"_reach_{r}"]
    reach_cols = [f"reach_gain_{_minutes_label(t)}min" for t in thresholds]
    order = np.lexsort(
        (
            cand["length_m"].to_numpy(),
            *[-cand[c].to_numpy() for c in reach_cols[::-1]],
            -np.round(cand["gain_m"].to_numpy(), 6),
        )
    )
    cand = cand.iloc[order].reset_index(drop=True)
    if candidate_spacing > 0:
        n_all = len(cand)
        cand = cand[_distinct(cand, candidate_spacing)].reset_index(drop=True)
        progress.message(
            f"{len(cand):,} of {n_all:,} candidate links at least {candidate_spacing:g} m "
            "from a better one"
        )
    cand["rank"] = np.arange(1, len(cand) + 1)
    if best_k > 0:
        a = cand["from_node"].to_numpy(np.int64)
        b = cand["to_node"].to_numpy(np.int64)
        length = cand["length_m"].to_numpy(float)
        step = np.zeros(len(cand), dtype=np.int64)
        step_gain = np.full(len(cand), np.nan)
        d_p, d_n, old = od.to_junction_places, od.to_junction_nodes, od.total_m
        chosen: list[tuple[int, int, float, np.ndarray, np.ndarray]] = []
        for k in range(1, min(best_k, len(cand)) + 1):
            g = _gains(d_p, d_n, old, a, b, length, weight, [])
            gain = np.where(step > 0, -np.inf, g["gain_m"])
            best = int(np.argmax(gain))
            if not gain[best] > 1e-9:
                break
            step[best], step_gain[best] = k, gain[best]
            # rows of the link's ends in the network with the links chosen so far
            fresh = _junction_rows(
                network,
                graph,
                _node_starts(network, np.array([a[best], b[best]])),
                threads=1,
                progress=as_progress(None),
                label="greedy",
            )
            for ca, cb, cl, ra, rb in chosen:
                fresh = _apply_link(fresh, ca, cb, cl, ra, rb)
            ra, rb = fresh[0], fresh[1]
            via = np.minimum(
                d_p[:, a[best], None] + length[best] + d_n[None, :, b[best]],
                d_p[:, b[best], None] + length[best] + d_n[None, :, a[best]],
            )
            old = np.minimum(old, via)
            d_p = _apply_link(d_p, a[best], b[best], length[best], ra, rb)
            d_n = _apply_link(d_n, a[best], b[best], length[best], ra, rb)
            chosen.append((int(a[best]), int(b[best]), float(length[best]), ra, rb))
        cand["greedy_step"] = step
        cand["greedy_gain_m"] = step_gain
    return cand


def _distinct(cand: gpd.GeoDataFrame, spacing: float) -> np.ndarray:
    """Which links (in rank order) are at least ``spacing`` metres from every better one kept.

    Only links sharing a barrier compete: a bridge over the river does not
    hide a footbridge over the railway next to it.
    """
    geoms = np.asarray(cand.geometry.array, dtype=object)
    # links made elsewhere may not say what they cross: then all of them compete
    barrier = cand["barrier_id"] if "barrier_id" in cand.columns else pd.Series("", cand.index)
    ids = barrier.astype(str).str.split(";")
    names = sorted({b for row in ids for b in row})
    on = np.zeros((len(cand), len(names)), dtype=bool)
    col = {b: k for k, b in enumerate(names)}
    for i, row in enumerate(ids):
        on[i, [col[b] for b in row]] = True
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=spacing)
    # j better than i, closer than the spacing, on a common barrier
    pair = (j < i) & (shapely.distance(geoms[i], geoms[j]) < spacing)
    i, j = i[pair], j[pair]
    pair = (on[i] & on[j]).any(axis=1)
    i, j = i[pair], j[pair]
    order = np.argsort(i, kind="stable")
    i, j = i[order], j[order]
    first, starts = np.unique(i, return_index=True)
    stops = np.append(starts[1:], len(i))[: len(starts)]
    keep = np.ones(len(cand), dtype=bool)
    # in rank order, so every better link's fate is settled before it is asked
    for x, lo, hi in zip(first, starts, stops, strict=True):
        keep[x] = not keep[j[lo:hi]].any()
    return keep


def _minutes_label(t: float) -> str:
    return f"{t:g}".replace(".", "_")


def _empty_ranking(
    cand: gpd.GeoDataFrame, thresholds: Sequence[float], best_k: int
) -> gpd.GeoDataFrame:
    cand = cand.iloc[0:0].copy()
    for key in (
        "network_m",
        "saving_m",
        "gain_m",
        "pairs_improved",
        "max_reduction_m",
        "pairs_connected",
        *[f"reach_gain_{_minutes_label(t)}min" for t in thresholds],
        "rank",
        *(("greedy_step", "greedy_gain_m") if best_k > 0 else ()),
    ):
        cand[key] = pd.Series(dtype=float)
    return cand


def _weights(side: _Side, column: str | None, n: int, *, what: str) -> np.ndarray:
    if column is None:
        return np.ones(n)
    if column not in side.gdf.columns:
        raise InputError(f"{what}: no weight column '{column}'")
    w = pd.to_numeric(side.gdf[column], errors="coerce").to_numpy(float)
    if np.isnan(w).any() or (w < 0).any():
        raise InputError(f"{what}: weight column '{column}' must hold numbers of zero or more")
    return w


# --- 5. scenario --------------------------------------------------------------------


def _reach(total: np.ndarray, reach_m: float) -> np.ndarray:
    return (total <= reach_m + 1e-9).sum(axis=1)


def compare_od(
    before: ODMatrix,
    after: ODMatrix,
    *,
    crs: object,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Per place→node pair and per place: before, after and the change.

    Returns ``(pairs, places)``: ``pairs`` with ``before_m``, ``after_m``,
    ``change_m`` (after − before; negative is shorter), ``before_min``,
    ``after_min`` and the straight place→node line; ``places`` with the
    place geometry, ``reach_{T}min_before``/``_after``/``_change`` (nodes
    within T minutes) and ``mean_change_m``, ``total_change_m``,
    ``pairs_shorter``.
    """
    place, node = before.places, before.nodes
    n_p, n_n = before.total_m.shape
    rows_p = np.repeat(np.arange(n_p), n_n)
    rows_n = np.tile(np.arange(n_n), n_p)
    b = np.where(np.isfinite(before.total_m), before.total_m, np.nan)
    a = np.where(np.isfinite(after.total_m), after.total_m, np.nan)
    pg = np.asarray(place.gdf.geometry.array, dtype=object)
    ng = np.asarray(node.gdf.geometry.array, dtype=object)
    pairs = pd.DataFrame({"place_id": place.ids[rows_p], "node_id": node.ids[rows_n]})
    if node.category is not None:
        pairs["node_category"] = node.category[rows_n]
    pairs["before_m"] = b.ravel()
    pairs["after_m"] = a.ravel()
    pairs["change_m"] = (a - b).ravel()
    pairs["before_min"] = pairs["before_m"] / speed / 60.0
    pairs["after_min"] = pairs["after_m"] / speed / 60.0
    pairs_gdf = gpd.GeoDataFrame(
        pairs, geometry=shapely.shortest_line(pg[rows_p], ng[rows_n]), crs=crs
    )
    per = pd.DataFrame({"place_id": place.ids})
    for t in thresholds:
        r = float(t) * 60.0 * speed
        lab = _minutes_label(t)
        rb, ra = _reach(before.total_m, r), _reach(after.total_m, r)
        per[f"reach_{lab}min_before"] = rb
        per[f"reach_{lab}min_after"] = ra
        per[f"reach_{lab}min_change"] = ra - rb
    change = a - b
    with np.errstate(invalid="ignore"):
        per["mean_change_m"] = (
            np.nanmean(np.where(np.isnan(change), np.nan, change), axis=1) if n_n else np.nan
        )
    per["total_change_m"] = np.nansum(change, axis=1)
    per["pairs_shorter"] = (change < -1e-6).sum(axis=1)
    return pairs_gdf, gpd.GeoDataFrame(per, geometry=list(pg), crs=crs)


def evaluate_scenario(
    network: StreetNetwork,
    proposal: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    before: ODMatrix | None = None,
    snap_tolerance: float = 1.0,
    proposal_id: str | None = None,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    **od_options: Any,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, StreetNetwork]:
    """Proposed links (a new bridge, a path from a plan), before vs after.

    The proposal's lines are added to the network once
    (:func:`~stadsrum.network.barriers.add_links`: ends within
    ``snap_tolerance`` metres of the streets join them) and every
    place→node distance is computed on both networks; places and nodes join
    the existing streets in both.

    Returns
    -------
    (pairs, places, network_after)
        See :func:`compare_od`.
    """
    progress = as_progress(progress)
    if before is None:
        before = od_matrix(network, places, nodes, threads=threads, progress=progress, **od_options)
    after_net = add_links(
        network, proposal, snap_tolerance=snap_tolerance, what="proposal", label=proposal_id
    )
    progress.message(after_net.report.notes[-1])
    after = od_matrix(after_net, places, nodes, threads=threads, progress=progress, **od_options)
    pairs, per = compare_od(
        before, after, crs=network.edges.crs, thresholds=thresholds, speed=speed
    )
    return pairs, per, after_net


# --- 3. barrier effect ----------------------------------------------------------------


def permeable_links(
    network: StreetNetwork, barriers: BarrierSet, barrier: int, *, gap: float = 150.0
) -> gpd.GeoDataFrame:
    """Links making one barrier permeable: across it wherever streets meet it on both sides.

    Every junction within ``gap`` metres of the barrier is joined to its
    nearest junction within ``gap`` metres whose straight line crosses this
    barrier and no other.
    """
    if not gap > 0:
        raise InputError("gap must be a positive number of metres")
    lines = barriers.barrier_lines(barrier)
    others = barriers.lines[barriers.group != barrier]
    node_pts = shapely.points(network.node_xy)
    near = np.unique(shapely.STRtree(node_pts).query(lines, predicate="dwithin", distance=gap))
    pairs: set[tuple[int, int]] = set()
    if len(near) >= 2:
        a, b = shapely.STRtree(node_pts[near]).query(
            node_pts[near], predicate="dwithin", distance=gap
        )
        a, b = near[a[a != b]], near[b[a != b]]
        segs = shapely.linestrings(
            np.stack([network.node_xy[a], network.node_xy[b]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(a)), 2),
        )
        ok = shapely.intersects(lines, segs)
        if len(others):
            hit_other = np.zeros(len(segs), dtype=bool)
            si, _ = shapely.STRtree(others).query(segs, predicate="intersects")
            hit_other[si] = True
            ok &= ~hit_other
        d = shapely.length(segs)
        best: dict[int, tuple[float, int]] = {}
        for x, y, dd in zip(a[ok], b[ok], d[ok], strict=True):
            if x not in best or dd < best[x][0]:
                best[int(x)] = (float(dd), int(y))
        for x, (_, y) in best.items():
            pairs.add((min(x, y), max(x, y)))
    pa = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    geoms = [shapely.LineString(network.node_xy[[x, y]]) for x, y in pa]
    return gpd.GeoDataFrame(
        {"from_node": pa[:, 0], "to_node": pa[:, 1], "barrier_id": barriers.ids[barrier]},
        geometry=geoms,
        crs=network.edges.crs,
    )


def _place_accessibility(od: ODMatrix, thresholds: Sequence[float], speed: float) -> pd.DataFrame:
    out = pd.DataFrame({"place_id": od.places.ids})
    for t in thresholds:
        out[f"reach_{_minutes_label(t)}min"] = _reach(od.total_m, float(t) * 60.0 * speed)
    total = np.where(np.isfinite(od.total_m), od.total_m, np.nan)
    with np.errstate(invalid="ignore"):
        out["mean_m"] = _nanmean_rows(total)
    if od.nodes.category is not None:
        for cat in pd.unique(od.nodes.category):
            slug = str(cat).strip().replace(" ", "_") or "uncategorised"
            cols = od.nodes.category == cat
            out[f"nearest_{slug}_m"] = _nanmin_rows(total[:, cols])
    return out


def _nanmean_rows(x: np.ndarray) -> np.ndarray:
    n = np.isfinite(x).sum(axis=1)
    s = np.where(np.isfinite(x), x, 0.0).sum(axis=1)
    return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _nanmin_rows(x: np.ndarray) -> np.ndarray:
    m = np.where(np.isfinite(x), x, np.inf).min(axis=1) if x.shape[1] else np.full(len(x), np.inf)
    return np.where(np.isfinite(m), m, np.nan)


def barrier_effect(
    network: StreetNetwork,
    barriers: BarrierSet,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    gap: float = 150.0,
    real: ODMatrix | None = None,
    node_category: str | None = None,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    segments: bool = True,
    threads: int | None = None,
    progress: ProgressLike | None = None,
    **od_options: Any,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Accessibility lost to each barrier: the real network vs the barrier made permeable.

    For each barrier the counterfactual network adds :func:`permeable_links`
    (``gap`` metres) once; place→node distances and, with ``segments``,
    every segment's accessibility to the nodes are computed on both.

    Returns
    -------
    (places, segments)
        ``places``: one row per place and barrier (place geometry) with
        ``reach_{T}min`` today, ``reach_{T}min_loss`` (nodes within T
        minutes that the barrier costs), ``mean_m_loss`` (mean metres more to
        a node), ``nearest_{category}_m_loss`` and ``links_added``.
        ``segments``: one row per segment and barrier (segment geometry) with
        ``nearest_m_loss`` and ``reach_{T}min_loss`` (from
        :func:`~stadsrum.measures.accessibility.attraction_accessibility`,
        walking radii T minutes at ``speed``), or ``None``.
    """
    from stadsrum.measures.accessibility import attraction_accessibility

    progress = as_progress(progress)
    opts = dict(od_options)
    opts["node_category"] = node_category
    if real is None:
        real = od_matrix(network, places, nodes, threads=threads, progress=progress, **opts)
    base = _place_accessibility(real, thresholds, speed)
    radii = [float(t) * 60.0 * speed for t in thresholds]
    max_link = float(opts.get("max_link", 200.0))
    seg_real = None
    if segments:
        seg_real = attraction_accessibility(
            network, nodes, radii=radii, max_link=max_link, threads=threads, progress=progress
        )
    place_rows, seg_rows = [], []
    pg = list(real.places.gdf.geometry.array)
    for g in range(barriers.n_barriers):
        links = permeable_links(network, barriers, g, gap=gap)
        if len(links) == 0:
            continue
        cf_net = add_links(network, links, what="permeable links")
        cf = od_matrix(cf_net, places, nodes, threads=threads, progress=progress, **opts)
        cfa = _place_accessibility(cf, thresholds, speed)
        rows = pd.DataFrame(
            {
                "place_id": real.places.ids,
                "barrier_id": barriers.ids[g],
                "category": barriers.categories[g],
                "links_added": len(links),
            }
        )
        for t in thresholds:
            col = f"reach_{_minutes_label(t)}min"
            rows[col] = base[col].to_numpy()
            rows[f"{col}_loss"] = cfa[col].to_numpy() - base[col].to_numpy()
        rows["mean_m_loss"] = base["mean_m"].to_numpy() - cfa["mean_m"].to_numpy()
        for col in base.columns:
            if col.startswith("nearest_"):
                rows[f"{col}_loss"] = base[col].to_numpy() - cfa[col].to_numpy()
        place_rows.append(gpd.GeoDataFrame(rows, geometry=pg, crs=network.edges.crs))
        if seg_real is not None:
            seg_cf = attraction_accessibility(
                cf_net,
                nodes,
                radii=radii,
                max_link=max_link,
                threads=threads,
                progress=progress,
            )
            # add_links keeps the existing segments first and in order
            seg_cf = seg_cf.iloc[: network.n_edges]
            srow = pd.DataFrame(
                {
                    "edge_id": np.arange(network.n_edges),
                    "barrier_id": barriers.ids[g],
                    "category": barriers.categories[g],
                }
            )
            srow["nearest_m"] = seg_real["nearest_m"].to_numpy()
            srow["nearest_m_loss"] = (
                seg_real["nearest_m"].to_numpy() - seg_cf["nearest_m"].to_numpy()
            )
            for t, r in zip(thresholds, radii, strict=True):
                col = _reach_column(seg_real, r)
                srow[f"reach_{_minutes_label(t)}min"] = seg_real[col].to_numpy()
                srow[f"reach_{_minutes_label(t)}min_loss"] = (
                    seg_cf[col].to_numpy() - seg_real[col].to_numpy()
                )
            seg_rows.append(
                gpd.GeoDataFrame(
                    srow, geometry=list(network.edges.geometry.array), crs=network.edges.crs
                )
            )
    crs = network.edges.crs
    place_out = (
        gpd.GeoDataFrame(pd.concat(place_rows, ignore_index=True), geometry="geometry", crs=crs)
        if place_rows
        else gpd.GeoDataFrame({"place_id": [], "barrier_id": []}, geometry=[], crs=crs)
    )
    seg_out = None
    if segments:
        seg_out = (
            gpd.GeoDataFrame(pd.concat(seg_rows, ignore_index=True), geometry="geometry", crs=crs)
            if seg_rows
            else gpd.GeoDataFrame({"edge_id": [], "barrier_id": []}, geometry=[], crs=crs)
        )
    return place_out, seg_out


def _reach_column(frame: pd.DataFrame, radius: float) -> str:
    from stadsrum.measures.naming import radius_label

    return f"reach_r{radius_label(radius)}"


# --- everything at once ----------------------------------------------------------------


@dataclass
class BarrierResult:
    """Outputs of :func:`barrier_analysis`, keyed by GeoPackage layer name."""

    layers: dict[str, gpd.GeoDataFrame]
    barriers: BarrierSet
    scenario_network: StreetNetwork | None = None


def barrier_analysis(
    network: StreetNetwork,
    barriers: gpd.GeoDataFrame | BarrierSet,
    *,
    places: gpd.GeoDataFrame | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    proposal: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    category: str | None = None,
    categories: Sequence[str] | None = None,
    barrier_id: str | None = None,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    proposal_id: str | None = None,
    place_weight: str | None = None,
    node_weight: str | None = None,
    merge_gap: float = 25.0,
    max_link_length: float = 150.0,
    gap: float = 150.0,
    best_k: int = 5,
    candidate_spacing: float = 100.0,
    thresholds: Sequence[float] = (10.0, 15.0),
    speed: float = DEFAULT_SPEED,
    max_link: float = 200.0,
    snap_tolerance: float = 1.0,
    detour_origins: str = "grid",
    grid_spacing: float = 100.0,
    centre: tuple[float, float] | None = None,
    effect: bool = True,
    effect_segments: bool = True,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> BarrierResult:
    """The whole barrier analysis (``stadsrum barriers``) in one call.

    Parameters
    ----------
    network
        The street network.
    barriers
        Barrier lines or polygons (see
        :func:`~stadsrum.network.barriers.read_barrier_layer` for
        ``category``, ``barrier_id`` and ``merge_gap``).
    places, nodes
        Places and key nodes (points or polygons). Without them only the
        crossing inventory (and a detour surface to ``centre``) is made.
    proposal
        Proposed links, evaluated before vs after (layers ``scenario``,
        ``scenario_places``).
    buildings
        Building polygons no candidate link may pass through.
    categories
        Only barriers of these categories (e.g. ``["railway", "water"]``).
    max_link_length
        Longest candidate link, metres.
    gap
        Widest gap bridged by the permeable counterfactual, metres.
    best_k
        Number of links chosen greedily together (0: none).
    candidate_spacing
        Metres: candidate links closer than this to a better one on the same
        barrier are left out of the ranking (0: keep all).
    thresholds
        Walking minutes for reach.
    centre
        ``(x, y)`` in the network's CRS: the detour surface measures to this
        point instead of to the places.
    effect, effect_segments
        Whether to compute the barrier effect, and per segment too.

    Returns
    -------
    BarrierResult
        ``layers``: ``crossings``, ``barriers``, ``barrier_stretches``;
        with places and nodes ``detour`` (the surface), ``detour_pairs``,
        ``detour_places``, ``candidate_links``, ``barrier_effect`` (per place),
        ``barrier_effect_segments``; with a proposal ``scenario`` (per pair) and
        ``scenario_places``.
    """
    progress = as_progress(progress)
    bset = (
        barriers
        if isinstance(barriers, BarrierSet)
        else read_barrier_layer(
            barriers, network, category=category, barrier_id=barrier_id, merge_gap=merge_gap
        )
    )
    if categories:
        bset = bset.select(list(categories))
    if not speed > 0:
        raise InputError("speed must be positive (metres per second)")
    progress.message(f"barriers: {count(bset.n_barriers, 'barrier')}")
    crossings, summary, stretches = barrier_inventory(network, bset, merge_gap=merge_gap)
    layers: dict[str, gpd.GeoDataFrame] = {
        "crossings": crossings,
        "barriers": summary,
        "barrier_stretches": stretches,
    }
    result = BarrierResult(layers=layers, barriers=bset)
    if (places is None) != (nodes is None):
        raise InputError("give both places and nodes (or neither) for detours and rankings")
    if centre is not None:
        target = gpd.GeoDataFrame(
            {"place_id": ["centre"]}, geometry=[shapely.Point(centre)], crs=network.edges.crs
        )
        layers["detour"] = detour_surface(
            network,
            target,
            bset,
            origins=detour_origins,
            grid_spacing=grid_spacing,
            max_link=max_link,
            threads=threads,
            progress=progress,
        )
    if places is None or nodes is None:
        if proposal is not None:
            raise InputError("a proposal is evaluated on place→node routes: give places and nodes")
        return result
    opts: dict[str, Any] = {"place_id": place_id, "node_id": node_id, "max_link": max_link}
    real = od_matrix(
        network,
        places,
        nodes,
        node_category=node_category,
        threads=threads,
        progress=progress,
        **opts,
    )
    pairs, per_place = detour_pairs(real, bset, crs=network.edges.crs, speed=speed)
    layers["detour_pairs"] = pairs
    layers["detour_places"] = per_place
    if centre is None:
        layers["detour"] = detour_surface(
            network,
            places,
            bset,
            origins=detour_origins,
            grid_spacing=grid_spacing,
            target_id=place_id,
            max_link=max_link,
            threads=threads,
            progress=progress,
        )
    cands = candidate_links(network, bset, max_length=max_link_length, buildings=buildings)
    progress.message(f"candidate links: {len(cands):,}")
    layers["candidate_links"] = rank_candidates(
        network,
        real,
        cands,
        place_weight=place_weight,
        node_weight=node_weight,
        thresholds=thresholds,
        speed=speed,
        best_k=best_k,
        candidate_spacing=candidate_spacing,
        threads=threads,
        progress=progress,
    )
    if effect:
        eff_places, eff_segments = barrier_effect(
            network,
            bset,
            places,
            nodes,
            gap=gap,
            real=real,
            node_category=node_category,
            thresholds=thresholds,
            speed=speed,
            segments=effect_segments,
            threads=threads,
            progress=progress,
            **opts,
        )
        layers["barrier_effect"] = eff_places
        if eff_segments is not None:
            layers["barrier_effect_segments"] = eff_segments
    if proposal is not None:
        sc_pairs, sc_places, after = evaluate_scenario(
            network,
            proposal,
            places,
            nodes,
            before=real,
            snap_tolerance=snap_tolerance,
            proposal_id=proposal_id,
            thresholds=thresholds,
            speed=speed,
            threads=threads,
            progress=progress,
            node_category=node_category,
            **opts,
        )
        layers["scenario"] = sc_pairs
        layers["scenario_places"] = sc_places
        result.scenario_network = after
    return result

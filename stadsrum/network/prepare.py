"""Turn raw centre lines into a clean, noded, projected street network.

Each step is optional and reports what it changed (:class:`PreparationReport`):
projection to metres, splitting where lines cross at grade (never at bridges,
tunnels, different ``layer`` values or user unlink points), snapping of end
points, removal of zero-length and duplicate lines, merging of pass-through
(degree-2) junctions, connected components and dangling ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.messages import count
from stadsrum.network.model import StreetNetwork
from stadsrum.network.projection import align_crs, to_metric
from stadsrum.progress import ProgressLike, as_progress, check_cancelled

__all__ = ["PreparationReport", "prepare_network"]

log = logging.getLogger(__name__)

Prepare = Literal["full", "none"]
Components = Literal["largest", "all"]

#: Columns stadsrum adds to the network layer.
NETWORK_COLUMNS = ("edge_id", "line_id", "u", "v", "length_m", "component", "n_merged")


@dataclass
class PreparationReport:
    """What preparation found and changed, step by step (counts)."""

    input_lines: int = 0
    multipart_parts_added: int = 0
    reprojected: str = ""
    zero_length_dropped: int = 0
    crossing_splits: int = 0
    crossings_not_split: int = 0
    unlinked_crossings: int = 0
    near_miss_splits: int = 0
    snapped_endpoints: int = 0
    duplicates_dropped: int = 0
    pass_through_merged: int = 0
    components: int = 0
    component_edges: list[int] = field(default_factory=list)
    dropped_component_edges: int = 0
    dangles: int = 0
    edges: int = 0
    nodes: int = 0
    total_length_m: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few plain lines for the console and the diagnostics."""
        largest = self.component_edges[0] if self.component_edges else 0
        lines = [
            f"segments: {self.edges:,} between {self.nodes:,} junctions and ends",
            f"total length: {self.total_length_m / 1000:,.2f} km",
            f"components: {self.components} (largest has {count(largest, 'segment')}"
            + (
                f"; {count(self.dropped_component_edges, 'segment')} in smaller ones dropped)"
                if self.dropped_component_edges
                else ")"
            ),
            f"dangling ends: {self.dangles:,}",
            f"input lines: {self.input_lines:,}; split at crossings: {self.crossing_splits:,}"
            f" (+{self.near_miss_splits:,} near misses); crossings left unsplit (bridge, tunnel,"
            f" layer or unlink): {self.crossings_not_split + self.unlinked_crossings:,}",
            f"end points snapped: {self.snapped_endpoints:,}; zero-length dropped: "
            f"{self.zero_length_dropped:,}; duplicates dropped: {self.duplicates_dropped:,};"
            f" pass-through junctions merged: {self.pass_through_merged:,}",
        ]
        return "\n".join(lines + self.notes)

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}


def prepare_network(
    lines: gpd.GeoDataFrame,
    *,
    prepare: Prepare = "full",
    snap_tolerance: float = 0.5,
    split_crossings: bool | None = None,
    unlinks: gpd.GeoDataFrame | None = None,
    unlink_tolerance: float = 1.0,
    merge_pass_through: bool | None = None,
    components: Components | None = None,
    progress: ProgressLike | None = None,
) -> StreetNetwork:
    """Clean and node validated centre lines into a :class:`StreetNetwork`.

    Parameters
    ----------
    lines
        Single-part LineStrings (see :func:`stadsrum.io.readers.read_lines`).
        Columns ``bridge``, ``tunnel`` and ``layer`` (OSM's tags) are honoured
        when present.
    prepare
        ``"full"`` runs every step below; ``"none"`` keeps each input line as
        one segment, unchanged, joined to others only where end points are
        identical (what a depthmapX comparison needs).
    snap_tolerance
        End points closer than this (metres) become one junction; a line end
        this close to another line's interior splits it there ("full" only).
    split_crossings
        Split lines where they cross at grade. Default: on, except for input
        that is already noded (OSM, where junctions are shared nodes).
    unlinks
        Points (e.g. Space Syntax Toolkit unlinks) marking crossings that must
        not become junctions; matched within ``unlink_tolerance`` metres.
    merge_pass_through
        Merge lines meeting at a junction of exactly two lines into one
        road-centre-line segment. Default: on for "full".
    components
        ``"largest"`` keeps only the largest connected component (default for
        "full"), ``"all"`` keeps every component (default for "none").
    progress
        Optional progress reporter.
    """
    if prepare not in ("full", "none"):
        raise InputError(f"unknown prepare '{prepare}': choose 'full' or 'none'")
    if snap_tolerance < 0:
        raise InputError("snap_tolerance must be zero or positive (metres)")
    progress = as_progress(progress)
    full = prepare == "full"
    report = PreparationReport(input_lines=len(lines))
    noded = bool(lines.attrs.get("stadsrum_noded", False))
    if split_crossings is None:
        split_crossings = full and not noded
    if merge_pass_through is None:
        merge_pass_through = full
    if components is None:
        components = "largest" if full else "all"
    if components not in ("largest", "all"):
        raise InputError(f"unknown components '{components}': choose 'largest' or 'all'")

    gdf, note = to_metric(lines, what="network")
    if note:
        report.reprojected = note
        report.notes.append(note)
    gdf = gdf.reset_index(drop=True)
    if "line_id" not in gdf.columns:
        gdf["line_id"] = np.arange(len(gdf))
    crs = gdf.crs
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    attrs = gdf.drop(columns=gdf.geometry.name)

    progress.start("preparing network", 6)
    keep = shapely.length(geoms) > 0
    report.zero_length_dropped += int((~keep).sum())
    geoms, attrs = geoms[keep], attrs[keep].reset_index(drop=True)
    if len(geoms) == 0:
        raise InputError("network: every line has zero length")
    progress.advance()
    check_cancelled(progress)

    if split_crossings:
        unlink_points = None
        if unlinks is not None and len(unlinks):
            unlinks, _ = align_crs(unlinks, crs, what="unlinks")
            unlink_points = np.asarray(unlinks.geometry.array, dtype=object)
        geoms, attrs = _split_at_crossings(
            geoms, attrs, report, snap_tolerance, unlink_points, unlink_tolerance
        )
    progress.advance()
    check_cancelled(progress)

    geoms, u, v, node_xy = _node(geoms, snap_tolerance if full else 0.0, report, move=full)
    short = np.zeros(len(geoms), bool)
    if full:
        short = (u == v) & (shapely.length(geoms) <= max(snap_tolerance, 1e-9) * 2)
        report.zero_length_dropped += int(short.sum())
    keep = ~short
    if full:
        keep &= ~_duplicates(geoms, u, v, snap_tolerance)
        report.duplicates_dropped = int((~keep).sum() - short.sum())
    geoms, attrs, u, v = geoms[keep], attrs[keep].reset_index(drop=True), u[keep], v[keep]
    progress.advance()
    check_cancelled(progress)

    n_merged = np.ones(len(geoms), dtype=np.int64)
    if merge_pass_through:
        geoms, attrs, u, v, n_merged = _merge_pass_through(geoms, attrs, u, v, report)
    progress.advance()
    check_cancelled(progress)

    comp = _components(u, v, len(node_xy))
    sizes = np.bincount(comp)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    comp = rank[comp]  # component 0 is the largest
    report.components = int((sizes > 0).sum())
    report.component_edges = [int(s) for s in sizes[order] if s > 0]
    if components == "largest" and report.components > 1:
        keep = comp == 0
        report.dropped_component_edges = int((~keep).sum())
        geoms, attrs, u, v = geoms[keep], attrs[keep].reset_index(drop=True), u[keep], v[keep]
        n_merged, comp = n_merged[keep], comp[keep]
    progress.advance()

    # renumber the nodes still used
    used, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    node_xy = node_xy[used]
    u, v = inverse[: len(u)], inverse[len(u) :]
    degree = np.bincount(np.concatenate([u, v]), minlength=len(node_xy))
    report.dangles = int((degree == 1).sum())
    report.edges = len(geoms)
    report.nodes = len(node_xy)
    lengths = shapely.length(geoms)
    report.total_length_m = float(lengths.sum())

    for name in NETWORK_COLUMNS:
        if name in attrs.columns and name != "line_id":
            # a result prepared before may hold name_input already: never two equal names
            kept, n = f"{name}_input", 2
            while kept in attrs.columns:
                kept, n = f"{name}_input{n}", n + 1
            attrs = attrs.rename(columns={name: kept})
    edges = gpd.GeoDataFrame(attrs, geometry=list(geoms), crs=crs)
    edges["edge_id"] = np.arange(len(edges))
    edges["u"] = u
    edges["v"] = v
    edges["length_m"] = lengths
    edges["component"] = comp
    edges["n_merged"] = n_merged
    progress.finish()
    log.info("prepared network: %d segments, %.1f km", report.edges, report.total_length_m / 1000)
    return StreetNetwork(edges=edges, node_xy=node_xy, report=report, prepare=prepare)


# --- steps -------------------------------------------------------------------


def _level_keys(attrs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per line: whether it is a bridge/tunnel, and its OSM layer."""
    n = len(attrs)
    structure = np.zeros(n, dtype=bool)
    for col in ("bridge", "tunnel"):
        if col in attrs.columns:
            val = attrs[col].astype("string").str.lower()
            structure |= (val.notna() & ~val.isin(["no", "false", "0", ""])).to_numpy(bool)
    layer = np.zeros(n, dtype=np.int64)
    if "layer" in attrs.columns:
        layer = pd.to_numeric(attrs["layer"], errors="coerce").fillna(0).to_numpy().astype(np.int64)
    return structure, layer


def _split_at_crossings(
    geoms: np.ndarray,
    attrs: pd.DataFrame,
    report: PreparationReport,
    tol: float,
    unlink_points: np.ndarray | None,
    unlink_tol: float,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Split lines where they cross or touch at grade."""
    structure, layer = _level_keys(attrs)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    pair = i < j
    i, j = i[pair], j[pair]
    at_grade = ~structure[i] & ~structure[j] & (layer[i] == layer[j])
    cuts: dict[int, list[float]] = {}
    lengths = shapely.length(geoms)

    def add_cut(line: int, point: shapely.Point) -> bool:
        d = float(shapely.line_locate_point(geoms[line], point))
        if tol < d < lengths[line] - tol or (1e-9 < d < lengths[line] - 1e-9 and tol == 0):
            cuts.setdefault(line, []).append(d)
            return True
        return False

    unlink_tree = shapely.STRtree(unlink_points) if unlink_points is not None else None
    inter = shapely.intersection(geoms[i], geoms[j])
    for a, b, ok, g in zip(i, j, at_grade, inter, strict=True):
        pts = _points_of(g)
        for p in pts:
            interior = _is_interior(geoms[a], p, lengths[a]) or _is_interior(
                geoms[b], p, lengths[b]
            )
            if not interior:
                continue  # the lines only touch at end points: already a junction
            if not ok:
                report.crossings_not_split += 1
                continue
            if unlink_tree is not None and len(
                unlink_tree.query(p, predicate="dwithin", distance=unlink_tol)
            ):
                report.unlinked_crossings += 1
                continue
            hit = add_cut(a, p) | add_cut(b, p)
            report.crossing_splits += int(hit)

    if tol > 0:
        # line ends that stop just short of (or just beyond) another line
        ends = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
        owner = np.concatenate([np.arange(len(geoms)), np.arange(len(geoms))])
        e, line = tree.query(ends, predicate="dwithin", distance=tol)
        for k, ln in zip(e, line, strict=True):
            own = owner[k]
            if ln == own or structure[own] or structure[ln] or layer[own] != layer[ln]:
                continue
            if shapely.intersects(ends[k], geoms[ln]) and not _is_interior(
                geoms[ln], ends[k], lengths[ln]
            ):
                continue
            if add_cut(ln, ends[k]):
                report.near_miss_splits += 1

    if not cuts:
        return geoms, attrs
    new_geoms, rows = [], []
    for idx in range(len(geoms)):
        pieces = _cut_line(geoms[idx], sorted(set(cuts[idx]))) if idx in cuts else [geoms[idx]]
        new_geoms.extend(pieces)
        rows.extend([idx] * len(pieces))
    return np.asarray(new_geoms, dtype=object), attrs.iloc[rows].reset_index(drop=True)


def _points_of(g: shapely.Geometry) -> list[shapely.Point]:
    """Points where two lines meet: intersection points and overlap ends."""
    if g is None or g.is_empty:
        return []
    kind = shapely.get_type_id(g)
    if kind == 0:
        return [g]
    if kind in (1, 2):
        return [shapely.get_point(g, 0), shapely.get_point(g, -1)]
    out: list[shapely.Point] = []
    for part in shapely.get_parts(g):
        out.extend(_points_of(part))
    return out


def _is_interior(line: shapely.LineString, p: shapely.Point, length: float) -> bool:
    d = float(shapely.line_locate_point(line, p))
    return 1e-9 < d < length - 1e-9


def _cut_line(line: shapely.LineString, dists: list[float]) -> list[shapely.LineString]:
    """Cut a line at distances along it (metres, sorted, strictly inside)."""
    coords = shapely.get_coordinates(line)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    pieces, start = [], 0.0
    for d in [*dists, cum[-1]]:
        if d - start <= 0:
            continue
        inside = (cum > start) & (cum < d)
        a = np.interp(start, cum, coords[:, 0]), np.interp(start, cum, coords[:, 1])
        b = np.interp(d, cum, coords[:, 0]), np.interp(d, cum, coords[:, 1])
        pts = np.vstack([a, coords[inside], b])
        pieces.append(shapely.linestrings(pts))
        start = d
    return pieces


def _node(
    geoms: np.ndarray, tol: float, report: PreparationReport, *, move: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Give every line end a junction id; ends within ``tol`` share one.

    Returns the (possibly snapped) lines, start and end node ids and node
    coordinates. With ``tol == 0`` only identical coordinates join.
    """
    n = len(geoms)
    starts = shapely.get_coordinates(shapely.get_point(geoms, 0))
    ends = shapely.get_coordinates(shapely.get_point(geoms, -1))
    pts = np.vstack([starts, ends])
    uniq_xy, label = np.unique(pts, axis=0, return_inverse=True)
    label = label.ravel()
    if tol > 0:
        tree = shapely.STRtree(shapely.points(uniq_xy))
        a, b = tree.query(shapely.points(uniq_xy), predicate="dwithin", distance=tol)
        parent = np.arange(len(uniq_xy))
        for x, y in zip(a[a < b], b[a < b], strict=True):
            rx, ry = _find(parent, x), _find(parent, y)
            if rx != ry:
                parent[max(rx, ry)] = min(rx, ry)
        roots = np.array([_find(parent, k) for k in range(len(parent))])
        _, cluster = np.unique(roots, return_inverse=True)
        cluster = cluster.ravel()
        # a junction lies at the mean of the distinct points snapped into it,
        # so a point that is alone keeps its exact coordinates
        count = np.bincount(cluster)
        node_xy = np.zeros((len(count), 2))
        np.add.at(node_xy, cluster, uniq_xy)
        node_xy /= count[:, None]
        label = cluster[label]
    else:
        node_xy = uniq_xy
    u, v = label[:n], label[n:]
    if tol > 0 and move:
        moved = np.any(node_xy[label] != pts, axis=1)
        report.snapped_endpoints = int(moved.sum())
        if moved.any():
            geoms = geoms.copy()
            for k in np.unique(np.where(moved)[0] % n):
                c = shapely.get_coordinates(geoms[k])
                c[0], c[-1] = node_xy[u[k]], node_xy[v[k]]
                geoms[k] = shapely.linestrings(c)
    return geoms, u, v, node_xy


def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return int(x)


def _duplicates(geoms: np.ndarray, u: np.ndarray, v: np.ndarray, tol: float) -> np.ndarray:
    """Mark lines that repeat an earlier line between the same two junctions."""
    dup = np.zeros(len(geoms), dtype=bool)
    key = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v)})
    for _, idx in key.groupby(["a", "b"]).indices.items():
        if len(idx) < 2:
            continue
        for pos, k in enumerate(idx):
            for m in idx[:pos]:
                if dup[m]:
                    continue
                g = geoms[m]
                if shapely.equals_exact(geoms[k], g, max(tol, 1e-9)) or shapely.equals_exact(
                    shapely.reverse(geoms[k]), g, max(tol, 1e-9)
                ):
                    dup[k] = True
                    break
    return dup


def _grade_key(attrs: pd.DataFrame) -> np.ndarray:
    """Per line: one integer for its grade (bridge, tunnel and OSM layer together)."""
    key = np.zeros(len(attrs), dtype=np.int64)
    for bit, col in ((1, "bridge"), (2, "tunnel")):
        if col in attrs.columns:
            val = attrs[col].astype("string").str.lower()
            flag = (val.notna() & ~val.isin(["no", "false", "0", ""])).to_numpy(bool)
            key |= np.where(flag, bit, 0)
    if "layer" in attrs.columns:
        layer = pd.to_numeric(attrs["layer"], errors="coerce").fillna(0).to_numpy()
        key += 4 * layer.astype(np.int64)
    return key


def _merge_pass_through(
    geoms: np.ndarray,
    attrs: pd.DataFrame,
    u: np.ndarray,
    v: np.ndarray,
    report: PreparationReport,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Merge chains of lines through junctions of exactly two distinct lines."""
    n_nodes = int(max(u.max(), v.max())) + 1
    degree = np.bincount(np.concatenate([u, v]), minlength=n_nodes)
    incident: list[list[int]] = [[] for _ in range(n_nodes)]
    for e, (a, b) in enumerate(zip(u, v, strict=True)):
        incident[a].append(e)
        incident[b].append(e)
    passthrough = (degree == 2) & np.array([len(set(x)) == 2 for x in incident])
    # where a street goes into a tunnel or onto a bridge (or changes OSM layer) the
    # junction stays: a merged line would carry one piece's tags for both, and points
    # would then be linked to a "tunnel" at street level or to the street above a tunnel
    grade = _grade_key(attrs)
    for node in np.where(passthrough)[0]:
        a, b = incident[node]
        if grade[a] != grade[b]:
            passthrough[node] = False
    if not passthrough.any():
        return geoms, attrs, u, v, np.ones(len(geoms), dtype=np.int64)
    lengths = shapely.length(geoms)
    visited = np.zeros(len(geoms), dtype=bool)
    out_geoms, out_rows, out_u, out_v, out_n = [], [], [], [], []

    def walk(e0: int, start: int) -> None:
        chain, node, e = [], start, e0
        coords_all: list[np.ndarray] = []
        while True:
            visited[e] = True
            chain.append(e)
            c = shapely.get_coordinates(geoms[e])
            if u[e] == node:
                nxt = v[e]
            else:
                c, nxt = c[::-1], u[e]
            coords_all.append(c if not coords_all else c[1:])
            node = nxt
            if not passthrough[node] or node == start:
                break
            e = next(x for x in incident[node] if x != e)
            if visited[e]:
                break
        out_geoms.append(shapely.linestrings(np.vstack(coords_all)))
        out_rows.append(chain[int(np.argmax(lengths[chain]))])
        out_u.append(start)
        out_v.append(node)
        out_n.append(len(chain))

    for node in np.where(~passthrough)[0]:
        for e in incident[node]:
            if not visited[e]:
                walk(e, node)
    for e in range(len(geoms)):  # isolated rings made only of pass-through junctions
        if not visited[e]:
            walk(e, int(u[e]))
    report.pass_through_merged = int(len(geoms) - len(out_geoms))
    return (
        np.asarray(out_geoms, dtype=object),
        attrs.iloc[out_rows].reset_index(drop=True),
        np.asarray(out_u, dtype=np.int64),
        np.asarray(out_v, dtype=np.int64),
        np.asarray(out_n, dtype=np.int64),
    )


def _components(u: np.ndarray, v: np.ndarray, n_nodes: int) -> np.ndarray:
    """Component label of every edge (connected through shared junctions)."""
    parent = np.arange(n_nodes)
    for a, b in zip(u, v, strict=True):
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([_find(parent, int(a)) for a in u], dtype=np.int64)
    _, label = np.unique(roots, return_inverse=True)
    return label.ravel()

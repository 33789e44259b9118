"""Turn raw centre lines into a clean, noded, projected street network.

Each step is optional and reports what it changed (:class:`PreparationReport`):
projection to metres, splitting where lines cross at grade (never at bridges,
tunnels, different ``layer`` values or user unlink points; for a layer whose
lines already meet at shared vertices, only there: see :func:`prepare_network`'s
``split_crossings``), snapping of end points, removal of zero-length and
duplicate lines, merging of pass-through (degree-2) junctions, connected
components and dangling ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError, NetworkError
from stadsrum.messages import count
from stadsrum.network.model import StreetNetwork
from stadsrum.network.projection import align_crs, to_metric
from stadsrum.progress import ProgressLike, as_progress, check_cancelled

__all__ = ["PreparationReport", "parse_split_crossings", "prepare_network"]

log = logging.getLogger(__name__)

Prepare = Literal["full", "none"]
Components = Literal["largest", "all"]
SplitCrossings = Literal["auto", "yes", "no"]

#: ``split_crossings="auto"`` splits a layer at crossings without a shared vertex
#: only when more than this share of the places where its lines meet lack one.
#: In a noded layer (NVDB, most municipal centre lines, OSM) the lines meet at shared
#: end points or vertices, and only grade separations (bridges, tunnels) and the odd
#: noding error lack one: a few per cent of the meeting places (3.9 % in the sample
#: city's OSM network of central Helsinki, measured: 114 of 2,934, every one a bridge,
#: tunnel or other layer). In a drawing whose lines run
#: across each other nearly every crossing lacks one (the share nears 100 %). 20 %
#: lies well between the two; a layer above it is mostly un-noded, and its missing
#: junctions would do more harm than the few bridges a split joins (they are listed
#: in the diagnostics as ``split_crossing`` to check).
AUTO_SPLIT_SHARE = 0.2

#: Columns that mark a line as grade separated, besides OSM's ``bridge``/``tunnel``/
#: ``layer`` (lower-case names; see docs/network.md for the sources): NVDB's
#: "Bro och tunnel/Konstruktion" as Trafikverket's "Vägnät med attribut" export
#: names it (``Konst_190``, codes 1 and 4 on a bridge, 2 and 3 under one or in a
#: tunnel) and INSPIRE Transport Networks' ``verticalPosition``.
NVDB_STRUCTURE_COLUMNS = ("konst_190", "bro och tunnel/konstruktion")
INSPIRE_VERTICAL_COLUMNS = ("verticalposition", "vertical_position")

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
    split_crossings: str = ""
    split_decision: str = ""
    meeting_places: int = 0
    meeting_places_unshared: int = 0
    unshared_share: float | None = None
    unjoined_crossings: int = 0
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
    #: ``(x, y, issue, description)`` of every crossing left unjoined or joined by a
    #: split, in the network's CRS, for the diagnostics layer (not in :meth:`as_dict`).
    crossing_points: list[tuple[float, float, str, str]] = field(default_factory=list, repr=False)

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
            f"crossings: {self.split_decision}" if self.split_decision else "",
            f"end points snapped: {self.snapped_endpoints:,}; zero-length dropped: "
            f"{self.zero_length_dropped:,}; duplicates dropped: {self.duplicates_dropped:,};"
            f" pass-through junctions merged: {self.pass_through_merged:,}",
        ]
        return "\n".join([line for line in lines if line] + self.notes)

    def as_dict(self) -> dict[str, object]:
        return {
            k: (list(v) if isinstance(v, list) else v)
            for k, v in self.__dict__.items()
            if k != "crossing_points"
        }


def prepare_network(
    lines: gpd.GeoDataFrame,
    *,
    prepare: Prepare = "full",
    snap_tolerance: float = 0.5,
    split_crossings: SplitCrossings | bool | None = "auto",
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
        Where lines cross without a shared vertex: ``"yes"`` splits them there
        (a junction), ``"no"`` never does, ``"auto"`` (default) decides from
        the data. It measures, among the places where two lines touch or
        cross, the share without a shared vertex; up to
        :data:`AUTO_SPLIT_SHARE` the layer is taken as noded (NVDB, municipal
        centre lines): two lines that cross without a shared vertex are a
        bridge or tunnel and stay unjoined, while a line ending on another (or
        within ``snap_tolerance`` of it) still joins it. Above it the
        layer is a drawing and is split at every crossing. OSM input (already
        noded at its shared nodes) is never split. Crossings at different
        levels (OSM ``bridge``/``tunnel``/``layer``, NVDB ``Konst_190``,
        INSPIRE ``verticalPosition``) or at an unlink point are never split.
        Every crossing left unjoined and every one joined by a split is listed
        in :meth:`StreetNetwork.diagnostics`. ``True``/``False`` mean
        ``"yes"``/``"no"``; ``None`` means ``"auto"``.
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
    split_mode = parse_split_crossings(split_crossings)
    report.split_crossings = split_mode
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

    # with prepare="none" the lines stay as they are unless a split is asked for
    if full or split_mode == "yes":
        unlink_points = None
        if unlinks is not None and len(unlinks):
            unlinks, _ = align_crs(unlinks, crs, what="unlinks")
            unlink_points = np.asarray(unlinks.geometry.array, dtype=object)
        meetings = _meetings(geoms)
        how = _decide_split(split_mode, meetings, report, noded=noded)
        geoms, attrs = _split_at_crossings(
            geoms, attrs, report, snap_tolerance, unlink_points, unlink_tolerance, meetings, how
        )
    else:
        report.split_decision = "not looked for (prepare none: every line kept as it is)"
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
    if not len(geoms):  # every line was a point within the snap tolerance, or a duplicate
        raise NetworkError(
            "network: no line is left after preparation: each is no longer than the snap "
            f"tolerance ({snap_tolerance:g} m) or a duplicate; check the layer's units and CRS"
        )
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


def parse_split_crossings(value: object) -> str:
    """``"auto"``, ``"yes"`` or ``"no"`` from the option (booleans and None as documented)."""
    if value is None:
        return "auto"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    text = str(value).strip().lower()
    if text not in ("auto", "yes", "no"):
        raise InputError(f"--split-crossings: unknown value '{value}'; choose auto, yes or no")
    return text


def _flag(values: pd.Series) -> np.ndarray:
    """True where an OSM-style yes/no column says yes (any value but no/false/0/empty)."""
    val = values.astype("string").str.strip().str.lower()
    return (val.notna() & ~val.isin(["no", "false", "0", ""])).to_numpy(bool)


def _structure_kinds(attrs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line: on a bridge, in a tunnel (or under a bridge), and its level.

    Reads OSM's ``bridge``/``tunnel``/``layer``, NVDB's "Bro och tunnel/
    Konstruktion" (``Konst_190``: 1 and 4 on a bridge, 2 and 3 under a bridge or
    in a tunnel; as text, words starting bro/över/mellan or tunnel/under/genom)
    and INSPIRE's ``verticalPosition`` (``suspendedOrElevated``, ``underground``).
    """
    n = len(attrs)
    bridge = np.zeros(n, dtype=bool)
    tunnel = np.zeros(n, dtype=bool)
    lower = {str(c).lower(): c for c in attrs.columns}
    if "bridge" in attrs.columns:
        bridge |= _flag(attrs["bridge"])
    if "tunnel" in attrs.columns:
        tunnel |= _flag(attrs["tunnel"])
    for name in NVDB_STRUCTURE_COLUMNS:
        if name not in lower:
            continue
        raw = attrs[lower[name]]
        code = pd.to_numeric(raw, errors="coerce")
        text = raw.astype("string").str.strip().str.lower().fillna("")
        up = code.isin([1, 4]).to_numpy(bool) | text.str.match(r"^(bro|över|mellan)").to_numpy(bool)
        down = code.isin([2, 3]).to_numpy(bool) | text.str.match(r"^(tunnel|under|genom)").to_numpy(
            bool
        )
        # any other value but none/0/-1 still marks a construction: keep it unjoined
        other = (
            code.isna().to_numpy(bool)
            & ~text.isin(["", "0", "-1", "nej", "no", "none", "<na>"]).to_numpy(bool)
            & ~up
            & ~down
        ) | (code.notna() & ~code.isin([0, -1, 1, 2, 3, 4])).to_numpy(bool)
        bridge |= up | other
        tunnel |= down
    for name in INSPIRE_VERTICAL_COLUMNS:
        if name in lower:
            # the value or its code-list URI (.../VerticalPositionValue/underground)
            text = attrs[lower[name]].astype("string").str.strip().str.lower()
            text = text.str.rsplit("/", n=1).str[-1]
            bridge |= (text == "suspendedorelevated").fillna(False).to_numpy(bool)
            tunnel |= (text == "underground").fillna(False).to_numpy(bool)
    layer = np.zeros(n, dtype=np.int64)
    if "layer" in attrs.columns:
        layer = pd.to_numeric(attrs["layer"], errors="coerce").fillna(0).to_numpy().astype(np.int64)
    return bridge, tunnel, layer


def _level_keys(attrs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per line: whether it is a bridge/tunnel, and its OSM layer."""
    bridge, tunnel, layer = _structure_kinds(attrs)
    return bridge | tunnel, layer


@dataclass
class _Meetings:
    """Every point where two input lines touch or cross (one row per pair and point)."""

    a: np.ndarray
    b: np.ndarray
    xy: np.ndarray
    interior_a: np.ndarray
    interior_b: np.ndarray
    shared: np.ndarray  # the point is a vertex (or end point) of both lines


def _meetings(geoms: np.ndarray) -> _Meetings:
    """Find where lines meet, and whether each meeting is at a vertex of both."""
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    pair = i < j
    i, j = i[pair], j[pair]
    lengths = shapely.length(geoms)
    inter = shapely.intersection(geoms[i], geoms[j])
    rows_a, rows_b, xs, ys, ia, ib, sh = [], [], [], [], [], [], []
    coords: dict[int, np.ndarray] = {}

    def is_vertex(line: int, x: float, y: float) -> bool:
        if line not in coords:
            coords[line] = shapely.get_coordinates(geoms[line])
        c = coords[line]
        # the same input coordinate gives the same projected one: a shared vertex
        # is exact up to floating-point noise, never a question of tolerance
        return bool((np.abs(c[:, 0] - x) + np.abs(c[:, 1] - y) < 1e-6).any())

    for a, b, g in zip(i, j, inter, strict=True):
        for p in _points_of(g):
            x, y = shapely.get_x(p), shapely.get_y(p)
            in_a = _is_interior(geoms[a], p, lengths[a])
            in_b = _is_interior(geoms[b], p, lengths[b])
            shared = not (in_a or in_b) or (is_vertex(a, x, y) and is_vertex(b, x, y))
            rows_a.append(a)
            rows_b.append(b)
            xs.append(x)
            ys.append(y)
            ia.append(in_a)
            ib.append(in_b)
            sh.append(shared)
    return _Meetings(
        a=np.asarray(rows_a, dtype=np.int64),
        b=np.asarray(rows_b, dtype=np.int64),
        xy=np.column_stack([xs, ys]) if xs else np.zeros((0, 2)),
        interior_a=np.asarray(ia, dtype=bool),
        interior_b=np.asarray(ib, dtype=bool),
        shared=np.asarray(sh, dtype=bool),
    )


def _decide_split(mode: str, meetings: _Meetings, report: PreparationReport, *, noded: bool) -> str:
    """How to treat crossings without a shared vertex: ``"all"``, ``"shared"`` or ``"none"``.

    ``"all"`` splits every crossing at grade; ``"shared"`` leaves two lines that
    cross without a shared vertex apart but still joins a line that ends on
    another (a T); ``"none"`` splits nowhere. Records the
    measured share and the choice in ``report``.
    """
    if len(meetings.xy):
        # one meeting place per location, however many lines meet there (rounded to a
        # millimetre); it lacks a shared vertex if any pair meeting there does
        key = np.round(meetings.xy, 3)
        _, place = np.unique(key, axis=0, return_inverse=True)
        place = place.ravel()
        n_places = int(place.max()) + 1
        unshared = np.zeros(n_places, dtype=bool)
        np.logical_or.at(unshared, place, ~meetings.shared)
        report.meeting_places = n_places
        report.meeting_places_unshared = int(unshared.sum())
        report.unshared_share = round(report.meeting_places_unshared / n_places, 4)
    measured = (
        f"{report.meeting_places_unshared:,} of {report.meeting_places:,} places where lines "
        f"meet ({100 * (report.unshared_share or 0):.1f} %) lack a shared vertex"
    )
    if mode == "yes":
        report.split_decision = (
            f"split wherever lines cross at grade (--split-crossings yes); {measured}"
        )
        return "all"
    if mode == "no":
        report.split_decision = f"never split (--split-crossings no); {measured}"
        return "none"
    if noded:
        report.split_decision = (
            f"auto: OSM input, already noded at its shared nodes, so none split; {measured}"
        )
        return "none"
    if report.unshared_share is None:
        report.split_decision = (
            "auto: no two lines meet, so nothing shows whether the layer is noded; line "
            "ends near another line are joined to it"
        )
        return "all"
    if report.unshared_share <= AUTO_SPLIT_SHARE:
        report.split_decision = (
            f"auto: a noded layer ({measured}, at most {AUTO_SPLIT_SHARE:.0%}), so a crossing "
            "without a shared vertex is taken as a bridge or tunnel and left unjoined"
        )
        return "shared"
    report.split_decision = (
        f"auto: an un-noded drawing ({measured}, more than {AUTO_SPLIT_SHARE:.0%}), so lines "
        "are split wherever they cross at grade; check the split_crossing points for bridges "
        "(add unlinks there, or use --split-crossings no)"
    )
    return "all"


def _split_at_crossings(
    geoms: np.ndarray,
    attrs: pd.DataFrame,
    report: PreparationReport,
    tol: float,
    unlink_points: np.ndarray | None,
    unlink_tol: float,
    meetings: _Meetings,
    how: str,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Split lines where they cross or touch at grade, as ``how`` says (see :func:`_decide_split`).

    Every crossing left unjoined, and every crossing without a shared vertex
    that a split joins, is recorded in ``report.crossing_points``.
    """
    structure, layer = _level_keys(attrs)
    cuts: dict[int, list[float]] = {}
    lengths = shapely.length(geoms)
    seen: set[tuple[float, float, str]] = set()

    def mark(x: float, y: float, issue: str, why: str) -> None:
        key = (round(x, 3), round(y, 3), issue)
        if key not in seen:
            seen.add(key)
            report.crossing_points.append((x, y, issue, why))
            if issue == "unjoined_crossing":
                report.unjoined_crossings += 1

    def add_cut(line: int, point: shapely.Point) -> bool:
        d = float(shapely.line_locate_point(geoms[line], point))
        if tol < d < lengths[line] - tol or (1e-9 < d < lengths[line] - 1e-9 and tol == 0):
            cuts.setdefault(line, []).append(d)
            return True
        return False

    unlink_tree = shapely.STRtree(unlink_points) if unlink_points is not None else None
    for k in range(len(meetings.xy)):
        if not (meetings.interior_a[k] or meetings.interior_b[k]):
            continue  # the lines only touch at end points: already a junction
        a, b = int(meetings.a[k]), int(meetings.b[k])
        x, y = meetings.xy[k]
        p = shapely.Point(x, y)
        if structure[a] or structure[b]:
            report.crossings_not_split += 1
            mark(x, y, "unjoined_crossing", "lines cross without a junction: a bridge or tunnel")
            continue
        if layer[a] != layer[b]:
            report.crossings_not_split += 1
            mark(x, y, "unjoined_crossing", "lines cross without a junction: different layer")
            continue
        if unlink_tree is not None and len(
            unlink_tree.query(p, predicate="dwithin", distance=unlink_tol)
        ):
            report.unlinked_crossings += 1
            mark(x, y, "unjoined_crossing", "lines cross without a junction: an unlink point")
            continue
        # two interiors crossing without a shared vertex: a bridge or tunnel in a noded
        # layer; a line that ends on another is a junction in any layer (a T)
        crossing = bool(meetings.interior_a[k] and meetings.interior_b[k])
        if how == "none" or (how == "shared" and crossing and not meetings.shared[k]):
            why = (
                "lines cross without a shared vertex in a noded layer: taken as a bridge or "
                "tunnel (add a join if they meet)"
                if how == "shared"
                else "lines cross without a junction (crossings are not split)"
            )
            mark(x, y, "unjoined_crossing", why)
            continue
        hit = add_cut(a, p) | add_cut(b, p)
        report.crossing_splits += int(hit)
        if hit and not meetings.shared[k]:
            what = "lines crossed" if crossing else "a line ended on another"
            mark(x, y, "split_crossing", f"{what} without a shared vertex and was joined here")

    if tol > 0 and how != "none":
        # line ends that stop just short of (or just beyond) another line
        tree = shapely.STRtree(geoms)
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
        pieces = cut_line(geoms[idx], sorted(set(cuts[idx]))) if idx in cuts else [geoms[idx]]
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


def cut_line(line: shapely.LineString, dists: list[float]) -> list[shapely.LineString]:
    """Cut a line into pieces at distances along it.

    ``dists`` are metres from the line's first vertex, ascending, strictly
    inside the line; each piece keeps the line's vertices between its ends,
    which are interpolated exactly (no snapping). Used wherever a line is cut:
    streets at crossings here, streets at a new link's end
    (:func:`~stadsrum.network.barriers.add_links`), barrier lines at crossings.
    """
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
    bridge, tunnel, layer = _structure_kinds(attrs)
    return np.where(bridge, 1, 0) + np.where(tunnel, 2, 0) + 4 * layer


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

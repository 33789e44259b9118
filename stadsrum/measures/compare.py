"""Before and after a plan proposal: the same analyses on both networks, and their differences.

A proposal is a line layer of streets or paths a plan adds (a footbridge, a
new street in a detailed plan) and, optionally, streets it removes (rows whose
``action`` column says ``remove``). :func:`proposal_network` builds the network
after the plan; :func:`compare` runs segment analysis (and, when given,
place-to-node distances and attraction accessibility) on the network before
and after, and returns difference layers:

``segments_diff``
    One row per segment after the plan, plus one per removed segment, with
    ``{measure}_before``, ``{measure}_after`` and ``{measure}_change``
    (after − before) for every compared measure column, and ``status``:
    ``unchanged`` (the same line in both), ``split`` (part of a segment the
    plan cut where a new link joins; compared with that whole segment),
    ``new`` (an added link, ``new = 1``) or ``removed`` (``removed = 1``,
    drawn with its old line). Segments are matched by geometry.
``od_diff``
    One row per place and node: ``total_m``, ``walk_min`` and
    ``detour_ratio`` before, after and their change, on the route after.
``places_diff``
    One row per place: mean walk to all nodes and nodes within each
    threshold, before, after and change.
``accessibility_diff``
    Per segment as ``segments_diff``: ``nearest_m``, ``reach_r{R}`` and
    ``nearest_{category}_m`` before, after and change.

:func:`compare_areas` compares two runs of the people-and-areas analysis
(``stadsrum areas`` on the network before and after): ``areas_diff`` (per
area), ``area_matrix_diff`` (per pair of areas), ``copresence_diff`` (per
street segment, matched as ``segments_diff``), ``segregation_diff`` (per
index, group and scale) and ``meeting_places_diff`` (per meeting place of
today, matched on ``site_id``).

A change is exactly the difference of two separate runs of the same analysis
on the two networks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError
from stadsrum.measures.naming import minutes_column, parse_costs, parse_radii, segment_column
from stadsrum.network.barriers import add_links
from stadsrum.network.model import StreetNetwork
from stadsrum.network.prepare import NETWORK_COLUMNS, prepare_network
from stadsrum.network.projection import align_crs
from stadsrum.options import DEFAULT_SPEED, checked_options
from stadsrum.progress import ProgressLike, as_progress

__all__ = [
    "COMPARE_MEASURES",
    "ComparisonResult",
    "compare",
    "compare_areas",
    "diff_frames",
    "match_segments",
    "proposal_network",
]

log = logging.getLogger(__name__)

#: Segment measures compared by default.
COMPARE_MEASURES = ("integration", "choice", "reach_length")

_ADD = {"add", "added", "new", "ny", "nytt", "lägg till", "läggs till"}
_REMOVE = {"remove", "removed", "delete", "ta bort", "tas bort", "borttagen", "rivs"}


@dataclass
class ComparisonResult:
    """The networks before and after a proposal, both runs and their differences.

    Attributes
    ----------
    before, after
        The street networks.
    layers
        The difference layers (``segments_diff``, ``od_diff``,
        ``places_diff``, ``accessibility_diff``) and ``proposal`` (the
        proposal's lines, in the network's CRS).
    runs_before, runs_after
        The results of each analysis on each network (``segments``, ``od``,
        ``accessibility``), as separate runs would give them.
    summary
        Counts and headline changes, for reports.
    """

    before: StreetNetwork
    after: StreetNetwork
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    runs_before: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    runs_after: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def _actions(proposal: gpd.GeoDataFrame, action: str | None) -> np.ndarray:
    """Per row: ``True`` to remove, ``False`` to add."""
    if action is None or action not in proposal.columns:
        return np.zeros(len(proposal), dtype=bool)
    text = proposal[action].fillna("add").astype(str).str.strip().str.lower()
    unknown = sorted(set(text) - _ADD - _REMOVE)
    if unknown:
        raise InputError(
            f"proposal: column '{action}' has values {', '.join(repr(u) for u in unknown)}; "
            "use 'add' for new streets or paths and 'remove' for streets the plan removes"
        )
    return text.isin(_REMOVE).to_numpy()


def proposal_network(
    network: StreetNetwork,
    proposal: gpd.GeoDataFrame,
    *,
    action: str | None = "action",
    snap_tolerance: float = 1.0,
    match_tolerance: float = 1.0,
    label: str | None = None,
) -> tuple[StreetNetwork, np.ndarray]:
    """The network after a proposal, and which of its streets the proposal removes.

    Parameters
    ----------
    network
        The network before (prepared).
    proposal
        Lines in any CRS. Rows whose ``action`` is ``remove`` (or ``ta bort``)
        remove the streets they run along; all others are new links, joined
        where their ends meet the network (within ``snap_tolerance`` metres;
        see :func:`~stadsrum.network.barriers.add_links`).
    action
        Column saying ``add`` or ``remove``; without it every row is added.
    snap_tolerance
        Metres: the farthest a new link's end may be from the network.
    match_tolerance
        Metres: a street is removed when it lies entirely within this
        distance of a removal line.
    label
        Column naming features in messages.

    Returns
    -------
    (StreetNetwork, numpy.ndarray)
        The network after, and a boolean mask over ``network.edges`` rows of
        the removed streets.
    """
    if len(proposal) == 0:
        raise InputError("proposal: the layer is empty (no features)")
    if proposal.crs is None:
        raise InputError("proposal: the layer has no coordinate reference system; set one first")
    gdf, note = align_crs(proposal, network.crs, what="proposal")
    if note:
        log.info(note)
    gdf = gdf.reset_index(drop=True)
    remove = _actions(gdf, action)
    removed = np.zeros(network.n_edges, dtype=bool)
    net = network
    if remove.any():
        edges = np.asarray(network.edges.geometry.array, dtype=object)
        tree = shapely.STRtree(edges)
        for row in np.flatnonzero(remove):
            zone = shapely.buffer(gdf.geometry.iloc[row], match_tolerance)
            hits = tree.query(zone, predicate="covers")
            if len(hits) == 0:
                who = (
                    f"'{gdf[label].iloc[row]}'" if label and label in gdf.columns else f"row {row}"
                )
                raise InputError(
                    f"proposal: the removal {who} runs along no street (none lies within "
                    f"{match_tolerance:g} m of it); draw it along the streets to remove"
                )
            removed[hits] = True
        drop = [c for c in (*NETWORK_COLUMNS, "source_edge", "added_link") if c in network.edges]
        kept = network.edges.loc[~removed].drop(columns=drop).reset_index(drop=True)
        net = prepare_network(kept, prepare="none", components="all")
        net.report.notes.append(f"proposal: {int(removed.sum())} street segment(s) removed")
    if (~remove).any():
        adds = gdf.loc[~remove]
        if action is not None and action in adds.columns:
            adds = adds.drop(columns=[action])
        net = add_links(net, adds, snap_tolerance=snap_tolerance, label=label)
    return net, removed


def _geometry_keys(geoms: np.ndarray) -> list[bytes]:
    """Direction-free exact keys of line geometries."""
    return list(shapely.to_wkb(shapely.normalize(geoms)))


def match_segments(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, *, tolerance: float = 0.01
) -> pd.DataFrame:
    """Match segments after a change to segments before it, by geometry.

    Returns one row per segment after (``after_row``), with ``before_row``
    (-1 for none) and ``status``: ``unchanged`` (the same line, either
    direction), ``split`` (lies within ``tolerance`` metres of one segment
    before: a piece of a street the change cut) or ``new``; then one row per
    segment before that matched nothing (``after_row`` -1, ``removed``).
    """
    g_before = np.asarray(before.geometry.array, dtype=object)
    g_after = np.asarray(after.geometry.array, dtype=object)
    index = {key: i for i, key in enumerate(_geometry_keys(g_before))}
    before_row = np.full(len(after), -1, dtype=np.int64)
    status = np.full(len(after), "new", dtype=object)
    for j, key in enumerate(_geometry_keys(g_after)):
        i = index.get(key)
        if i is not None:
            before_row[j] = i
            status[j] = "unchanged"
    used = np.zeros(len(before), dtype=bool)
    used[before_row[before_row >= 0]] = True
    open_after = np.flatnonzero(before_row < 0)
    open_before = np.flatnonzero(~used)
    if len(open_after) and len(open_before):
        zones = shapely.buffer(g_before[open_before], tolerance)
        tree = shapely.STRtree(zones)
        a_idx, z_idx = tree.query(g_after[open_after], predicate="within")
        for a, z in zip(a_idx, z_idx, strict=True):
            j = open_after[a]
            if before_row[j] < 0:
                before_row[j] = open_before[z]
                status[j] = "split"
        used[before_row[before_row >= 0]] = True
    removed = np.flatnonzero(~used)
    return pd.DataFrame(
        {
            "after_row": np.r_[np.arange(len(after)), np.full(len(removed), -1)].astype(np.int64),
            "before_row": np.r_[before_row, removed].astype(np.int64),
            "status": np.r_[status, np.full(len(removed), "removed", dtype=object)],
        }
    )


def diff_frames(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    columns: Sequence[str],
    *,
    match: pd.DataFrame | None = None,
    keep: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Per-segment differences of two runs on the networks before and after.

    Parameters
    ----------
    before, after
        Results with one row per segment (segment analysis, accessibility).
    columns
        Measure columns present in both: each gives ``{col}_before``,
        ``{col}_after`` and ``{col}_change`` (after − before).
    match
        From :func:`match_segments` (computed when not given).
    keep
        Attribute columns to carry (taken from the row after, or before for
        removed segments); default: the columns of ``after`` that are not
        measures.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ``match`` row, with ``status``, ``new``, ``removed``,
        ``segment_id`` (after; -1 for removed), ``segment_id_before`` (-1 for
        new) when the runs have a ``segment_id``, and the measure columns.
    """
    if match is None:
        match = match_segments(before, after)
    geom_name = after.geometry.name
    if keep is None:
        skip = {*columns, geom_name, "segment_id"}
        keep = [c for c in after.columns if c not in skip and c in before.columns]
    a_rows = match["after_row"].to_numpy()
    b_rows = match["before_row"].to_numpy()
    has_a, has_b = a_rows >= 0, b_rows >= 0
    g_after = np.asarray(after.geometry.array, dtype=object)
    g_before = np.asarray(before.geometry.array, dtype=object)
    geoms = np.where(has_a, g_after[np.maximum(a_rows, 0)], g_before[np.maximum(b_rows, 0)])
    out: dict[str, Any] = {}
    if "segment_id" in after.columns and "segment_id" in before.columns:
        out["segment_id"] = np.where(
            has_a, after["segment_id"].to_numpy()[np.maximum(a_rows, 0)], -1
        )
        out["segment_id_before"] = np.where(
            has_b, before["segment_id"].to_numpy()[np.maximum(b_rows, 0)], -1
        )
    status = match["status"].to_numpy()
    out["status"] = status
    out["new"] = (status == "new").astype(np.int64)
    out["removed"] = (status == "removed").astype(np.int64)
    for col in keep:
        a_val = after[col].to_numpy(dtype=object)[np.maximum(a_rows, 0)]
        b_val = before[col].to_numpy(dtype=object)[np.maximum(b_rows, 0)] if col in before else None
        values = a_val if b_val is None else np.where(has_a, a_val, b_val)
        out[col] = pd.Series(values).infer_objects().to_numpy()
    for col in columns:
        if col not in before.columns or col not in after.columns:
            raise InputError(f"compare: column '{col}' is missing from one of the runs")
        b = pd.to_numeric(before[col], errors="coerce").to_numpy(np.float64)
        a = pd.to_numeric(after[col], errors="coerce").to_numpy(np.float64)
        vb = np.where(has_b, b[np.maximum(b_rows, 0)], np.nan)
        va = np.where(has_a, a[np.maximum(a_rows, 0)], np.nan)
        out[f"{col}_before"] = vb
        out[f"{col}_after"] = va
        out[f"{col}_change"] = va - vb
    return gpd.GeoDataFrame(out, geometry=list(geoms), crs=after.crs)


def _od_diff(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    keys = ["place_id", "node_id"]
    measures = ["total_m", "walk_min", "detour_ratio"]
    attrs = [
        c
        for c in after.columns
        if c not in {*keys, *measures, after.geometry.name, "status"}
        and c not in {"network_m", "link_m", "straight_m", "angular_deg", "turns"}
    ]
    b = pd.DataFrame(before[[*keys, *measures, "status"]])
    merged = pd.DataFrame(after).merge(b, on=keys, how="outer", suffixes=("", "__before"))
    out = merged[keys + attrs].copy()
    out["status_before"] = merged["status__before"]
    out["status_after"] = merged["status"]
    for col in measures:
        vb = pd.to_numeric(merged[f"{col}__before"], errors="coerce").astype(np.float64)
        va = pd.to_numeric(merged[col], errors="coerce").astype(np.float64)
        out[f"{col}_before"] = vb
        out[f"{col}_after"] = va
        out[f"{col}_change"] = va - vb
    geom = gpd.GeoSeries(merged[after.geometry.name], crs=after.crs)
    return gpd.GeoDataFrame(out, geometry=geom.values, crs=after.crs)


def _places_diff(
    od: pd.DataFrame,
    places: gpd.GeoDataFrame,
    *,
    place_id: str,
    thresholds: Sequence[float],
    crs: Any,
) -> gpd.GeoDataFrame:
    rows = []
    for pid, group in od.groupby("place_id", sort=True):
        row: dict[str, Any] = {"place_id": pid}
        for when in ("before", "after"):
            walk = group[f"walk_min_{when}"]
            row[f"mean_walk_min_{when}"] = float(walk.mean()) if walk.notna().any() else np.nan
        row["mean_walk_min_change"] = row["mean_walk_min_after"] - row["mean_walk_min_before"]
        change = group["walk_min_change"]
        row["pairs_shorter"] = int((change < -1e-9).sum())
        row["pairs_longer"] = int((change > 1e-9).sum())
        row["largest_saving_min"] = float(-change.min()) if change.notna().any() else np.nan
        for t in thresholds:
            col = minutes_column("nodes_within", t)
            nb = int((group["walk_min_before"] <= t).sum())
            na = int((group["walk_min_after"] <= t).sum())
            row[f"{col}_before"] = nb
            row[f"{col}_after"] = na
            row[f"{col}_change"] = na - nb
        rows.append(row)
    table = pd.DataFrame(rows)
    shapes = places[[place_id, places.geometry.name]].rename(columns={place_id: "place_id"})
    shapes = shapes.to_crs(crs) if shapes.crs is not None and crs is not None else shapes
    shapes["place_id"] = shapes["place_id"].astype(str)
    table["place_id"] = table["place_id"].astype(str)
    merged = shapes.merge(table, on="place_id", how="right")
    return gpd.GeoDataFrame(merged, geometry=shapes.geometry.name, crs=crs)


def _segment_columns(
    frame: pd.DataFrame, measures: Iterable[str], costs: list[str], radii: list[float]
) -> list[str]:
    return [
        segment_column(m, c, r)
        for c in costs
        for r in radii
        for m in measures
        if segment_column(m, c, r) in frame.columns
    ]


@checked_options
def compare(
    network: StreetNetwork,
    proposal: gpd.GeoDataFrame,
    *,
    places: gpd.GeoDataFrame | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    attractions: gpd.GeoDataFrame | None = None,
    cost: str | Iterable[str] = "angular",
    radii: str | Iterable[float | int | str] = "n",
    measures: Iterable[str] = COMPARE_MEASURES,
    radius_mode: str = "catchment",
    segments: bool = True,
    action: str | None = "action",
    snap_tolerance: float = 1.0,
    match_tolerance: float = 1.0,
    proposal_label: str | None = None,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    max_link: float = 200.0,
    speed: float = DEFAULT_SPEED,
    thresholds: Sequence[float] = (10.0, 15.0),
    access_cost: str = "metric",
    access_radii: str | Iterable[float | int | str] = "n",
    decay: str = "none",
    value: str | None = None,
    category: str | None = None,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> ComparisonResult:
    """Run the same analyses before and after a proposal and return their differences.

    Parameters
    ----------
    network
        The street network before (prepared, metric CRS).
    proposal
        Lines the plan adds (and, with ``action = 'remove'``, removes); see
        :func:`proposal_network`.
    places, nodes
        Optional: place-to-node distances before and after (``od_diff``,
        ``places_diff``).
    attractions
        Optional: attraction accessibility from every segment, before and
        after (``accessibility_diff``).
    cost, radii, measures, radius_mode
        Segment analysis settings (see
        :func:`~stadsrum.measures.segment.segment_analysis`); ``measures``
        are the ones compared (integration, choice and reach length by
        default).
    segments
        Run the segment analysis (``segments_diff``).
    action, snap_tolerance, match_tolerance, proposal_label
        How the proposal is applied (see :func:`proposal_network`).
    place_id, node_id, node_category, max_link, speed
        Place-to-node settings (see
        :func:`~stadsrum.measures.proximity.place_distances`).
    thresholds
        Minutes of walking: nodes within each, per place, before and after.
    access_cost, access_radii, decay, value, category
        Accessibility settings (see
        :func:`~stadsrum.measures.accessibility.attraction_accessibility`).
    threads
        Worker threads.
    progress
        Optional progress reporter.

    Returns
    -------
    ComparisonResult

    Examples
    --------
    >>> import geopandas as gpd, stadsrum as sr
    >>> from stadsrum.measures.compare import compare
    >>> data = sr.sample_data_dir()
    >>> net = sr.read_network(data / "helsinki.osm.pbf")
    >>> bridges = gpd.read_file(data / "helsinki.gpkg", layer="proposal")
    >>> result = compare(net, bridges, radii="400")
    >>> int(result.layers["segments_diff"]["new"].sum())
    2
    """
    from stadsrum.measures.segment import segment_analysis

    progress = as_progress(progress)
    if segments is False and places is None and attractions is None:
        raise InputError("compare: nothing to compare; enable segments or give places and nodes")
    if (places is None) != (nodes is None):
        raise InputError("compare: give both places and nodes for distances, or neither")
    costs = parse_costs(cost)
    radii_list = parse_radii(radii, "compare")
    measures = list(measures)
    progress.message("building the network after the proposal")
    after, removed = proposal_network(
        network,
        proposal,
        action=action,
        snap_tolerance=snap_tolerance,
        match_tolerance=match_tolerance,
        label=proposal_label,
    )
    result = ComparisonResult(before=network, after=after)
    geoms_match: pd.DataFrame | None = None
    if segments:
        for when, net in (("before", network), ("after", after)):
            progress.message(f"segment analysis {when} the proposal")
            seg = segment_analysis(
                net,
                cost=costs,
                radii=radii_list,
                radius_mode=radius_mode,  # type: ignore[arg-type]
                measures=measures,
                threads=threads,
                progress=progress,
            )
            (result.runs_before if when == "before" else result.runs_after)["segments"] = seg
        seg_b, seg_a = result.runs_before["segments"], result.runs_after["segments"]
        geoms_match = match_segments(seg_b, seg_a)
        cols = _segment_columns(seg_a, measures, costs, radii_list)
        keep = [c for c in seg_a.columns if c in network.edges.columns and c != seg_a.geometry.name]
        keep = [c for c in keep if c not in ("u", "v", "component", "line_id")]
        result.layers["segments_diff"] = diff_frames(
            seg_b,
            seg_a,
            cols,
            match=geoms_match,
            keep=[*keep, "added_link"] if "added_link" in seg_a else keep,
        )
    if places is not None and nodes is not None:
        from stadsrum.measures.proximity import place_distances

        for when, net in (("before", network), ("after", after)):
            progress.message(f"place-to-node distances {when} the proposal")
            dist = place_distances(
                net,
                places,
                nodes,
                place_id=place_id,
                node_id=node_id,
                node_category=node_category,
                max_link=max_link,
                speed=speed,
                routes=True,
                threads=threads,
                progress=progress,
            )
            (result.runs_before if when == "before" else result.runs_after)["od"] = dist.od
        od = _od_diff(result.runs_before["od"], result.runs_after["od"])
        result.layers["od_diff"] = od
        result.layers["places_diff"] = _places_diff(
            od, places, place_id=place_id, thresholds=thresholds, crs=network.crs
        )
    if attractions is not None:
        from stadsrum.measures.accessibility import attraction_accessibility

        for when, net in (("before", network), ("after", after)):
            progress.message(f"accessibility {when} the proposal")
            acc = attraction_accessibility(
                net,
                attractions,
                radii=access_radii,
                cost=access_cost,
                decay=decay,
                value=value,
                category=category,
                max_link=max_link,
                speed=speed,
                threads=threads,
                progress=progress,
            )
            (result.runs_before if when == "before" else result.runs_after)["accessibility"] = acc
        acc_b, acc_a = result.runs_before["accessibility"], result.runs_after["accessibility"]
        cols = [
            c
            for c in acc_a.columns
            if (c == "nearest_m" or c.startswith("reach_r") or c.startswith("nearest_"))
            and c in acc_b.columns
            and pd.api.types.is_numeric_dtype(acc_a[c])
        ]
        match = match_segments(acc_b, acc_a)
        keep = [c for c in ("edge_id", "osm_id", "name", "highway") if c in acc_a and c in acc_b]
        result.layers["accessibility_diff"] = diff_frames(
            acc_b, acc_a, cols, match=match, keep=keep
        )
    prop, _ = align_crs(proposal, network.crs, what="proposal")
    result.layers["proposal"] = gpd.GeoDataFrame(prop.reset_index(drop=True))
    result.summary = _summary(result, removed)
    return result


def _summary(result: ComparisonResult, removed: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {
        "links_added": int(
            (result.after.edges.get("added_link", pd.Series([], dtype=int)) >= 0).sum()
        ),
        "segments_removed": int(removed.sum()),
        "segments_before": result.before.n_edges,
        "segments_after": result.after.n_edges,
    }
    seg = result.layers.get("segments_diff")
    if seg is not None:
        for col in seg.columns:
            if col.endswith("_change"):
                values = seg.loc[seg["status"] != "new", col].dropna()
                out[col] = {
                    "mean": float(values.mean()) if len(values) else None,
                    "max": float(values.max()) if len(values) else None,
                    "min": float(values.min()) if len(values) else None,
                    "segments_up": int((values > 1e-9).sum()),
                    "segments_down": int((values < -1e-9).sum()),
                }
    od = result.layers.get("od_diff")
    if od is not None:
        change = od["walk_min_change"].dropna()
        out["od_pairs"] = len(od)
        out["od_pairs_shorter"] = int((change < -1e-9).sum())
        out["od_pairs_longer"] = int((change > 1e-9).sum())
        out["od_largest_saving_min"] = float(-change.min()) if len(change) else None
        out["od_mean_change_min"] = float(change.mean()) if len(change) else None
    return out


# --- people and areas: two runs of the areas analysis -------------------------------------

#: Result columns of the ``areas`` layer (docs/areas.md); the areas' own attributes follow
#: them and are not compared (a column of the input with a result's name ends in ``_input``).
_AREA_RESULT_PREFIXES = ("pop_", "share_", "mean_min_", "unreached_", "crit_")
_AREA_KEYS = ("index", "group", "scale")


def _area_result_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if (c in ("population", "criteria_met") or str(c).startswith(_AREA_RESULT_PREFIXES))
        and not str(c).endswith("_input")
        and pd.api.types.is_numeric_dtype(frame[c])
    ]


def _keyed_diff(
    before: pd.DataFrame,
    after: pd.DataFrame,
    keys: Sequence[str],
    columns: Sequence[str],
    *,
    what: str,
) -> pd.DataFrame:
    """Rows matched on ``keys`` (outer): ``{col}_before``, ``_after``, ``_change`` and
    ``status`` (``both``, ``before_only``, ``after_only``)."""
    for frame, when in ((before, "before"), (after, "after")):
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            raise InputError(
                f"compare: the {what} layer {when} has no column {', '.join(missing)}; "
                "give the files written by stadsrum areas"
            )
        if frame.duplicated(list(keys)).any():
            raise InputError(
                f"compare: the {what} layer {when} repeats a {'/'.join(keys)}; give the "
                "files written by stadsrum areas"
            )
    # a column one run lacks (a threshold only one run used) is empty on that side
    b = pd.DataFrame(before).reindex(columns=[*keys, *columns])
    a = pd.DataFrame(after).reindex(columns=[*keys, *columns])
    for frame in (a, b):
        for k in keys:
            frame[k] = frame[k].astype(str)
    merged = a.merge(
        b, on=list(keys), how="outer", suffixes=("__after", "__before"), indicator=True
    )
    # rows in the order of the run after (areas, thresholds as given), then those before only
    pos_a = {t: i for i, t in enumerate(a[list(keys)].itertuples(index=False, name=None))}
    pos_b = {t: i for i, t in enumerate(b[list(keys)].itertuples(index=False, name=None))}
    rank = [
        pos_a.get(t, len(a) + pos_b.get(t, 0))
        for t in merged[list(keys)].itertuples(index=False, name=None)
    ]
    merged = merged.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    out = merged[list(keys)].copy()
    out["status"] = (
        merged["_merge"]
        .map({"both": "both", "left_only": "after_only", "right_only": "before_only"})
        .astype(str)
    )
    values: dict[str, np.ndarray] = {}  # gathered first: one concat, not a column at a time
    for col in columns:
        vb = pd.to_numeric(merged[f"{col}__before"], errors="coerce").to_numpy(np.float64)
        va = pd.to_numeric(merged[f"{col}__after"], errors="coerce").to_numpy(np.float64)
        values[f"{col}_before"] = vb
        values[f"{col}_after"] = va
        values[f"{col}_change"] = va - vb
    out = pd.concat([out, pd.DataFrame(values, index=out.index)], axis=1)
    return out.reset_index(drop=True)


def _meeting_places_diff(before: pd.DataFrame, after: pd.DataFrame) -> gpd.GeoDataFrame:
    """Today's meeting places matched on ``site_id``: who reaches each before and after.

    A plan that opens a street to a square changes how many residents of each group
    reach it; the place itself keeps its id and outline, so rows match by id (the
    outline after, or before for a place the run after lacks).
    """
    cols = [
        str(c)
        for c in after.columns
        if str(c).startswith(("reach_", "balanced_reach_"))
        and c in before.columns
        and pd.api.types.is_numeric_dtype(after[c])
    ]
    table = _keyed_diff(before, after, ["site_id"], cols, what="meeting_places")
    extra = [c for c in ("street_name",) if c in after.columns]
    shapes = pd.concat(
        [
            pd.DataFrame(
                {
                    "site_id": f["site_id"].astype(str),
                    **{c: f[c].to_numpy() for c in extra if c in f.columns},
                    "geometry": np.asarray(f.geometry.array),
                }
            )
            for f in (after, before)
        ],
        ignore_index=True,
    ).drop_duplicates("site_id")
    merged = table.merge(shapes, on="site_id", how="left")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=getattr(after, "crs", None))


def compare_areas(
    before: dict[str, pd.DataFrame],
    after: dict[str, pd.DataFrame],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Differences between two runs of the people-and-areas analysis.

    Parameters
    ----------
    before, after
        The layers of :func:`~stadsrum.measures.areas.area_analysis` (or of the
        files ``stadsrum areas`` writes) on the network before and after a
        proposal, with the same population, areas and options: ``areas``,
        ``area_matrix``, ``copresence``, ``segregation`` and ``meeting_places``; a layer missing
        from either run is skipped.

    Returns
    -------
    (dict, dict)
        The layers ``areas_diff`` (one row per area, with the area after, and
        ``{col}_before``, ``{col}_after``, ``{col}_change`` = after − before
        for every result column), ``area_matrix_diff`` (a table per pair of
        areas: ``mean_m``, ``mean_min``, ``unreached_share``),
        ``copresence_diff`` (per street segment, matched by geometry as
        :func:`match_segments` does, with ``status`` ``unchanged``, ``split``,
        ``new`` or ``removed``) and ``segregation_diff`` (a table: ``index``,
        ``group``, ``scale``, ``value_before``, ``value_after``,
        ``value_change``), and ``meeting_places_diff`` (today's meeting
        places, matched on ``site_id``: ``reach_*`` and ``balanced_reach_*``
        before, after and their change) when both runs have
        ``meeting_places``; and a summary of the headline changes. Rows found
        in one run only have ``status`` ``before_only`` or ``after_only`` and
        empty values on the other side.
    """
    layers: dict[str, pd.DataFrame] = {}
    summary: dict[str, Any] = {}
    if "areas" in before and "areas" in after:
        a_after, a_before = after["areas"], before["areas"]
        cols = [c for c in _area_result_columns(a_after) if c in a_before.columns]
        table = _keyed_diff(a_before, a_after, ["area_id"], cols, what="areas")
        # the area's outline after, or before for an area the run after lacks
        shapes = pd.concat(
            [
                pd.DataFrame({"area_id": a.astype(str), "geometry": np.asarray(g.array)})
                for a, g in (
                    (a_after["area_id"], a_after.geometry),
                    (a_before["area_id"], a_before.geometry),
                )
            ],
            ignore_index=True,
        ).drop_duplicates("area_id")
        merged = table.merge(shapes, on="area_id", how="left")
        layers["areas_diff"] = gpd.GeoDataFrame(merged, geometry="geometry", crs=a_after.crs)
        summary["areas"] = len(table)
        # a plan changes streets, not people: other residents or areas mean other inputs
        people = [float(pd.to_numeric(f["population"]).sum()) for f in (a_before, a_after)]
        if abs(people[1] - people[0]) > 0.5 or (table["status"] != "both").any():
            summary["warning"] = (
                f"the two runs differ in their residents ({people[0]:,.0f} before, "
                f"{people[1]:,.0f} after) or areas ({int((table['status'] != 'both').sum())} "
                "in one run only): the changes mix the plan with other inputs"
            )
    if "area_matrix" in before and "area_matrix" in after and len(after["area_matrix"]):
        matrix = _keyed_diff(
            before["area_matrix"],
            after["area_matrix"],
            ["from_area", "to_area"],
            ["mean_m", "mean_min", "unreached_share"],
            what="area_matrix",
        )
        layers["area_matrix_diff"] = matrix
        between = matrix[(matrix["from_area"] != matrix["to_area"]) & (matrix["status"] == "both")]
        if len(between):
            summary["between_areas_mean_min_before"] = float(between["mean_min_before"].mean())
            summary["between_areas_mean_min_after"] = float(between["mean_min_after"].mean())
            summary["area_pairs_closer"] = int((between["mean_m_change"] < -1e-9).sum())
            summary["area_pairs"] = len(between)
    if "copresence" in before and "copresence" in after:
        c_before, c_after = before["copresence"], after["copresence"]
        cols = [
            str(c)
            for c in c_after.columns
            if str(c).startswith(("reach_", "other_area_share_", "mix_")) and c in c_before.columns
        ]
        match = match_segments(c_before, c_after)
        keep = [c for c in ("area_id",) if c in c_after.columns and c in c_before.columns]
        layers["copresence_diff"] = diff_frames(c_before, c_after, cols, match=match, keep=keep)
    if "meeting_places" in before and "meeting_places" in after:
        layers["meeting_places_diff"] = _meeting_places_diff(
            before["meeting_places"], after["meeting_places"]
        )
    if "segregation" in before and "segregation" in after:
        seg = _keyed_diff(
            before["segregation"],
            after["segregation"],
            list(_AREA_KEYS),
            ["value"],
            what="segregation",
        )
        layers["segregation_diff"] = seg
        summary["segregation"] = [
            {
                "index": row["index"],
                "group": row["group"],
                "scale": row["scale"],
                "before": row["value_before"],
                "after": row["value_after"],
            }
            for _, row in seg.iterrows()
            if row["group"] == "all"
        ]
    return layers, summary

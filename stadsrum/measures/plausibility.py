"""Plausibility checks on distance results: numbers to look at before a decision rests on them.

Three checks, each a plain function on a result frame that returns one row
per doubtful item (the columns of :data:`~stadsrum.measures.naming.WARNING_COLUMNS`):

``detour``
    A place-node pair whose walk is implausibly long for its straight
    distance. Flagged when ``detour_ratio`` exceeds the limit for the pair's
    straight distance (:data:`DETOUR_LIMITS`: 4 below 500 m, 3 below 2 km,
    2.5 beyond) *and* the walk is at least :data:`MIN_EXTRA_M` (200 m) longer
    than the straight line. A route directness of about 1.2-1.5 is read as
    a well-connected walking network (Randall & Baetz 2001; Dill 2004), and
    a square street grid alone gives at most √2 between far-apart points;
    near neighbours on either side of a block or a street reach much higher
    ratios for a few tens of metres, hence the looser limit for short pairs
    and the absolute floor (about 2.5 minutes' walk). What remains is a
    missing link, a wrong join (a tunnel, a private way), or a real barrier
    (a rail yard, water): worth a look.
``long_link``
    A feature joined to the network much farther away than the layer's
    others: more than :data:`LONG_LINK_M` (100 m, half the default
    ``max_link``), or more than :data:`OUTLIER_FLOOR_M` (50 m) and beyond the
    layer's far-out fence Q3 + 3·IQR of access distances (Tukey's rule,
    robust to the many near-zero links of polygon entrances). Its access
    line may cross buildings or water.
``tunnel_link`` / ``bridge_link``
    A feature joined to a street below or above its own level (a tunnel, a
    bridge, an upper walkway: see :mod:`stadsrum.network.links`), which
    happens only where no street of its own level is within ``max_link``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.measures.naming import WARNING_COLUMNS
from stadsrum.messages import count

__all__ = [
    "DETOUR_LIMITS",
    "LONG_LINK_M",
    "MIN_EXTRA_M",
    "OUTLIER_FLOOR_M",
    "combine_warnings",
    "detour_limit",
    "detour_warnings",
    "empty_warnings",
    "link_warnings",
    "warnings_summary",
]

#: (straight distance below, in metres; largest plausible detour ratio).
DETOUR_LIMITS: tuple[tuple[float, float], ...] = ((500.0, 4.0), (2000.0, 3.0), (np.inf, 2.5))
#: A detour shorter than this (metres, walk minus straight line) is never flagged.
MIN_EXTRA_M = 200.0
#: An access distance above this (metres) is always flagged.
LONG_LINK_M = 100.0
#: An access distance at or below this (metres) is never flagged as an outlier.
OUTLIER_FLOOR_M = 50.0


def detour_limit(straight_m: np.ndarray | Sequence[float] | float) -> np.ndarray:
    """The largest plausible detour ratio for pairs this far apart (metres)."""
    straight = np.asarray(straight_m, dtype=float)
    limit = np.full(straight.shape, DETOUR_LIMITS[-1][1])
    for below, ratio in reversed(DETOUR_LIMITS):
        limit = np.where(straight < below, ratio, limit)
    return limit


def _frame(rows: dict[str, object], geometry: object, crs: object) -> gpd.GeoDataFrame:
    data = pd.DataFrame(rows)
    for col in WARNING_COLUMNS:
        if col not in data.columns:
            data[col] = None
    data = data[list(WARNING_COLUMNS)]
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


def empty_warnings(crs: object = None) -> gpd.GeoDataFrame:
    """A warnings layer with no rows (the layer is written even when all is well)."""
    frame = _frame({c: [] for c in WARNING_COLUMNS}, np.empty(0, dtype=object), crs)
    frame["value"] = frame["value"].astype(float)
    frame["limit"] = frame["limit"].astype(float)
    return frame


def detour_warnings(
    od: pd.DataFrame, *, min_extra_m: float = MIN_EXTRA_M, layer: str = "od"
) -> gpd.GeoDataFrame:
    """Place-node pairs whose detour ratio is implausible for their straight distance.

    Parameters
    ----------
    od
        A frame with ``place_id``, ``node_id``, ``total_m``, ``straight_m`` and
        ``detour_ratio`` (an OD table, ``detour_pairs``); rows whose
        ``status`` is other than ``"ok"`` are skipped. Its geometry (the
        route) becomes the warning's.
    min_extra_m
        Detours (``total_m − straight_m``) shorter than this are not flagged.
    layer
        Name of the checked layer, written in the ``layer`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per flagged pair, ``value`` = the detour ratio and ``limit``
        the ratio allowed at its straight distance.
    """
    crs = getattr(od, "crs", None)
    if len(od) == 0 or not {"total_m", "straight_m", "detour_ratio"} <= set(od.columns):
        return empty_warnings(crs)
    ratio = pd.to_numeric(od["detour_ratio"], errors="coerce").to_numpy(float)
    straight = pd.to_numeric(od["straight_m"], errors="coerce").to_numpy(float)
    total = pd.to_numeric(od["total_m"], errors="coerce").to_numpy(float)
    limit = detour_limit(straight)
    with np.errstate(invalid="ignore"):
        flag = (ratio > limit) & (total - straight >= min_extra_m)
    if "status" in od.columns:
        flag &= (od["status"].astype(str) == "ok").to_numpy()
    hit = od[flag]
    geometry = (
        np.asarray(hit.geometry.array, dtype=object)
        if isinstance(hit, gpd.GeoDataFrame)
        else np.full(len(hit), None, dtype=object)
    )
    messages = [
        f"walk of {t:,.0f} m for {s:,.0f} m as the crow flies (detour ratio {r:.1f}, "
        f"plausible up to {lim:g} at this distance): look for a missing link or a wrong "
        "join in the network; a barrier such as a railway or water can also explain it"
        for t, s, r, lim in zip(total[flag], straight[flag], ratio[flag], limit[flag], strict=True)
    ]
    rows = {
        "kind": ["detour"] * len(hit),
        "layer": [layer] * len(hit),
        "feature_id": [None] * len(hit),
        "place_id": hit["place_id"].to_numpy() if "place_id" in hit else None,
        "node_id": hit["node_id"].to_numpy() if "node_id" in hit else None,
        "value": ratio[flag],
        "limit": limit[flag],
        "message": messages,
    }
    return _frame(rows, geometry, crs)


def link_warnings(
    links: gpd.GeoDataFrame,
    *,
    id_column: str,
    layer: str,
    features: gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Features joined to the network unusually far away, or to a tunnel or bridge.

    Parameters
    ----------
    links
        Access lines, one row per access point, with ``id_column``,
        ``link_m`` and, where the network carries levels, ``network_level``
        and ``off_level`` (as :meth:`stadsrum.network.links.Links.access_lines`
        gives them, with the feature id added).
    id_column
        The feature id column (``place_id``, ``node_id``, ...).
    layer
        Name of the linked layer (``places``, ``nodes``, ``attractions``).
    features
        The features' geometries indexed by id, to draw a warning for a
        polygon entrance (where the access line has no length) from the
        polygon's inside to the entrance.

    Returns
    -------
    geopandas.GeoDataFrame
        ``long_link`` rows (``value`` = access distance in metres, ``limit``
        the distance allowed) and ``tunnel_link``/``bridge_link`` rows
        (``value`` = the street's level class, −1 or +1), one per feature.
    """
    crs = links.crs
    if len(links) == 0:
        return empty_warnings(crs)
    link_m = links["link_m"].to_numpy(float)
    ids = links[id_column].to_numpy()
    geoms = np.asarray(links.geometry.array, dtype=object)
    # a feature's access distance is its shortest one (polygons have several)
    by_id = pd.Series(link_m).groupby(pd.Series(ids, dtype=object), sort=False)
    per_feature = by_id.min()
    nearest_row = by_id.idxmin()
    q1, q3 = np.percentile(per_feature.to_numpy(), [25, 75])
    fence = max(OUTLIER_FLOOR_M, q3 + 3.0 * (q3 - q1))
    allowed = min(fence, LONG_LINK_M)
    out: list[gpd.GeoDataFrame] = []
    long = per_feature[per_feature > allowed]
    if len(long):
        rows_at = nearest_row[long.index].to_numpy(np.int64)
        median = float(np.median(per_feature.to_numpy()))
        out.append(
            _frame(
                {
                    "kind": ["long_link"] * len(long),
                    "layer": [layer] * len(long),
                    "feature_id": list(long.index),
                    "value": long.to_numpy(float),
                    "limit": [allowed] * len(long),
                    "message": [
                        f"joined to the network {m:,.1f} m away (this layer's median is "
                        f"{median:,.1f} m; flagged above {allowed:,.1f} m): check that the "
                        "access line does not cross a building or water, or that a street "
                        "or path is missing"
                        for m in long.to_numpy(float)
                    ],
                },
                geoms[rows_at],
                crs,
            )
        )
    if "off_level" in links.columns and "network_level" in links.columns:
        off = links["off_level"].to_numpy(bool)
        level = links["network_level"].to_numpy(int)
        seen: set[object] = set()
        rows_at = []
        for i in np.where(off)[0]:
            if ids[i] not in seen:
                seen.add(ids[i])
                rows_at.append(int(i))
        if rows_at:
            where = np.asarray(rows_at)
            lines = geoms[where].copy()
            if features is not None:
                flat = shapely.length(lines) == 0
                for k in np.where(flat)[0]:
                    inner = shapely.point_on_surface(features.loc[ids[where[k]]])
                    end = shapely.get_point(lines[k], 0)
                    lines[k] = shapely.linestrings([*shapely.get_coordinates([inner, end])])
            below = level[where] < 0
            out.append(
                _frame(
                    {
                        "kind": np.where(below, "tunnel_link", "bridge_link"),
                        "layer": [layer] * len(where),
                        "feature_id": ids[where],
                        "value": level[where].astype(float),
                        "limit": [0.0] * len(where),
                        "message": [
                            (
                                "joined to a street below ground (a tunnel): no street of its "
                                "own level is within reach; give the feature a layer or level "
                                "if it is underground, or check the network"
                            )
                            if b
                            else (
                                "joined to a street above ground (a bridge or upper walkway): "
                                "no street of its own level is within reach; give the feature "
                                "a layer or level if it is up there, or check the network"
                            )
                            for b in below
                        ],
                    },
                    lines,
                    crs,
                )
            )
    if not out:
        return empty_warnings(crs)
    return gpd.GeoDataFrame(pd.concat(out, ignore_index=True), crs=crs)


def combine_warnings(parts: Sequence[gpd.GeoDataFrame], crs: object = None) -> gpd.GeoDataFrame:
    """One warnings layer from several checks (empty when there are none)."""
    kept = [p for p in parts if len(p)]
    if not kept:
        return empty_warnings(crs if crs is not None else (parts[0].crs if parts else None))
    frame = pd.concat(kept, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=kept[0].crs)


_KIND_TEXT: Mapping[str, str] = {
    "detour": "place-node pairs with an implausible detour",
    "long_link": "features joined to the network unusually far away",
    "tunnel_link": "features joined to a tunnel",
    "bridge_link": "features joined to a bridge or upper walkway",
}


def warnings_summary(warnings: pd.DataFrame, *, limit: int = 10) -> str:
    """Plain-text lines for a run summary: counts by kind and the first items."""
    if len(warnings) == 0:
        return "plausibility: no warnings"
    lines = [f"plausibility: {count(len(warnings), 'warning')}, see the 'warnings' layer"]
    for kind, group in warnings.groupby("kind", sort=False):
        text = _KIND_TEXT.get(str(kind), str(kind))
        if len(group) == 1:
            text = text.replace("pairs with", "pair with").replace(
                "features joined", "feature joined"
            )
        lines.append(f"  {len(group)} {text}:")
        for row in group.head(limit).itertuples():
            if kind == "detour":
                where = "" if row.layer == "od" else f" ({row.layer})"
                who = f"{row.place_id} -> {row.node_id}{where}"
            else:
                who = f"{row.layer} {row.feature_id}"
            lines.append(f"    {who}: {row.message}")
        if len(group) > limit:
            lines.append(f"    ... and {len(group) - limit} more")
    return "\n".join(lines)

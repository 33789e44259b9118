"""Default map styles for result layers, as QGIS QML text.

The one place that decides how a result looks: the QGIS plugin applies these
styles to its output layers, the GeoPackage writer stores the same text in the
file's ``layer_styles`` table (so QGIS opens the file styled), and the report
draws its maps with the same measures and colours. Plain XML, no QGIS needed.

Segment layers are coloured by integration in classes of equal counts
(quantiles), from blue (segregated) to red (integrated), drawn with the most
integrated streets on top: the look planners know from depthmapX maps. Other
measures get a sequential ramp with quantile or natural-breaks classes
(Fisher–Jenks, :mod:`stadsrum.io.classify`), thicker lines for higher values where
width helps reading, and labels for places. Difference layers (``*_diff``)
get a diverging ramp centred on zero, blue where the proposal improves things
and red where it makes them worse.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from stadsrum.io.classify import fisher_jenks
from stadsrum.measures.naming import COSTS

__all__ = [
    "DIVERGING",
    "GAIN",
    "LOSS",
    "RAMP",
    "REACH",
    "TIME",
    "LayerStyle",
    "categorized_qml",
    "class_breaks",
    "diff_column",
    "diverging_breaks",
    "diverging_qml",
    "graduated_line_qml",
    "graduated_qml",
    "layer_qml",
    "layer_style",
    "point_qml",
    "simple_line_qml",
    "single_qml",
    "style_column",
]

RAMP = (
    "#2c7bb6",
    "#00a6ca",
    "#00ccbc",
    "#90eb9d",
    "#ffff8c",
    "#f9d057",
    "#f29e2e",
    "#e76818",
    "#d7191c",
)
"""Blue (low) to red (high), nine steps, evenly resampled for fewer classes."""

TIME = ("#1a9850", "#66bd63", "#a6d96a", "#d9ef8b", "#fee08b", "#fdae61", "#f46d43", "#d73027")
"""Green (near, short) to red (far, long): distances and walking times."""

REACH = ("#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725")
"""Dark violet (little in reach) to yellow (much in reach), viridis."""

LOSS = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
"""Pale yellow to dark red: detours, losses, barrier stretches."""

GAIN = ("#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b")
"""Pale to dark green: gains of a new link."""

DIVERGING = (
    "#b2182b",
    "#d6604d",
    "#f4a582",
    "#fddbc7",
    "#e6e6e6",
    "#d1e5f0",
    "#92c5de",
    "#4393c3",
    "#2166ac",
)
"""Red (worse) through light grey (no change) to blue (better)."""

#: Outlines of service areas, nearest threshold first: dark enough to read as thin
#: lines on a white or grey background (the light middle of TIME is not).
OUTLINES = ("#1a9850", "#2c7bb6", "#e08214", "#d7191c", "#7b3294", "#4d4d4d")

#: The kinds of the ``warnings`` layer (stadsrum.measures.plausibility), each
#: always in the legend so an empty layer still says what it would show.
WARNING_KINDS = ("detour", "long_link", "tunnel_link", "bridge_link")
#: Strong colours that stand out over the result layers: red, orange, purple, blue.
WARNING_COLOURS = ("#d7191c", "#fd8d3c", "#7b3294", "#2c7bb6")

#: Issues of the network's ``diagnostics`` points, each with its own colour: dead ends
#: red; crossings left unjoined (bridges, tunnels, unlinks) blue, the level apart;
#: crossings joined by a split orange, the ones to check for a false junction.
DIAGNOSTIC_ISSUES = {
    "dangling_end": "#e31a1c",
    "unjoined_crossing": "#1f78b4",
    "split_crossing": "#ff7f00",
}

_QML_VERSION = "3.22.0"

Geometry = Literal["line", "marker", "fill"]
Method = Literal["quantiles", "natural_breaks"]


def style_column(columns: Iterable[str], measure: str = "integration") -> str | None:
    """The column a segment layer is coloured by.

    Prefers angular over metric, steps and time cost, and the whole network
    (``rn``) over the largest metric radius: ``integration_angular_rn`` when
    present. ``None`` when no column of ``measure`` exists.
    """
    names = list(columns)
    best: tuple[int, float, str] | None = None
    for cost_rank, cost in enumerate(COSTS):
        prefix = f"{measure}_{cost}_r"
        for name in names:
            if not name.startswith(prefix):
                continue
            label = name[len(prefix) :]
            if label == "n":
                radius = math.inf
            else:
                try:
                    radius = float(label.replace("_", "."))
                except ValueError:
                    continue
            key = (cost_rank, -radius, name)
            if best is None or key < best:
                best = key
    return None if best is None else best[2]


def diff_column(columns: Iterable[str], measure: str = "integration") -> str | None:
    """The ``*_change`` column of a segment difference layer to colour by.

    Same preference as :func:`style_column` on the measure names before their
    ``_change`` suffix: ``integration_angular_rn_change`` when present.
    """
    names = [c[: -len("_change")] for c in columns if c.endswith("_change")]
    found = style_column(names, measure)
    return None if found is None else f"{found}_change"


# --- class breaks ----------------------------------------------------------------------------


def class_breaks(
    values: Sequence[float] | np.ndarray, classes: int = 7, method: Method = "quantiles"
) -> list[float]:
    """Class limits (lowest value first, ``classes + 1`` at most) over ``values``.

    ``"quantiles"``: classes of equal counts; ``"natural_breaks"``:
    Fisher–Jenks optimal breaks (:func:`stadsrum.io.classify.fisher_jenks`)
    computed on 1,000 evenly spaced quantiles of the values, so large layers
    classify fast and the same data always gives the same classes, in a bare
    QGIS as on the command line. Missing values are ignored; fewer classes
    come out when the values have fewer distinct levels.
    """
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return [0.0, 1.0]
    k = max(int(classes), 1)
    if method == "natural_breaks" and np.unique(data).size > k:
        sample = np.quantile(data, np.linspace(0.0, 1.0, min(data.size, 1000)))
        bins = fisher_jenks(sample, k)
        breaks = sorted({float(data.min()), *(float(b) for b in bins)})
    elif method in ("quantiles", "natural_breaks"):
        qs = np.quantile(data, np.linspace(0.0, 1.0, k + 1))
        breaks = sorted({float(q) for q in qs})
    else:
        raise ValueError(f"unknown classification method '{method}'")
    if len(breaks) == 1:
        breaks = [breaks[0], breaks[0]]
    return breaks


def diverging_breaks(
    values: Sequence[float] | np.ndarray, classes_per_side: int = 4
) -> tuple[list[float], float]:
    """Symmetric class limits centred on zero, and the "no change" tolerance.

    Returns ``(limits, tol)``: ``limits`` ascending from ``-m`` to ``m``
    (``m`` the largest absolute value) with a middle class ``[-tol, tol]``
    for values that did not change (``tol`` is a millionth of ``m``, to absorb
    rounding). The limits on each side are quantiles of the absolute
    changes, mirrored, so equal colours mean equal amounts either way.
    """
    data = np.asarray(values, dtype=np.float64)
    data = np.abs(data[np.isfinite(data)])
    top = float(data.max()) if data.size else 0.0
    if top <= 0:
        return [-1.0, -0.0, 0.0, 1.0], 0.0
    tol = top * 1e-6
    changed = data[data > tol]
    k = max(int(classes_per_side), 1)
    inner = np.quantile(changed, np.linspace(0.0, 1.0, k + 1)[1:-1]) if changed.size else None
    side = sorted({float(q) for q in (inner if inner is not None else []) if tol < q < top})
    positive = [tol, *side, top]
    return [-v for v in reversed(positive)] + positive, tol


# --- QML documents -------------------------------------------------------------------------


def graduated_line_qml(
    column: str,
    values: Sequence[float] | np.ndarray,
    *,
    classes: int = 7,
    width_mm: float = 0.6,
    ramp: Sequence[str] = RAMP,
    max_width_mm: float | None = None,
    method: Method = "quantiles",
) -> str:
    """QML of a graduated line style on ``column``, quantile classes over ``values``.

    Parameters
    ----------
    column
        Attribute to colour by.
    values
        The column's values, to place the class breaks (missing values ignored).
    classes
        Number of classes (fewer when the values have fewer distinct levels).
    width_mm
        Line width in millimetres on the map (of the lowest class when
        ``max_width_mm`` is given).
    ramp
        Colours from low to high as ``#rrggbb``.
    max_width_mm
        Width of the highest class: widths grow evenly from ``width_mm``.
    method
        ``"quantiles"`` or ``"natural_breaks"``, see :func:`class_breaks`.
    """
    return graduated_qml(
        column,
        values,
        geometry="line",
        classes=classes,
        method=method,
        ramp=ramp,
        size_mm=width_mm,
        max_size_mm=max_width_mm,
    )


def graduated_qml(
    column: str,
    values: Sequence[float] | np.ndarray,
    *,
    geometry: Geometry = "line",
    classes: int = 7,
    method: Method = "quantiles",
    ramp: Sequence[str] = RAMP,
    size_mm: float = 0.6,
    max_size_mm: float | None = None,
    fill_opacity: float = 0.6,
    descending: bool = False,
    label: str | None = None,
    label_filter: str | None = None,
) -> str:
    """QML of a graduated style: classes of ``column`` over ``values``, one colour each.

    Parameters
    ----------
    column
        Attribute to colour by.
    values
        The column's values, to place the class breaks (missing values ignored).
    geometry
        ``"line"``, ``"marker"`` (points) or ``"fill"`` (polygons).
    classes, method
        Number of classes and ``"quantiles"`` or ``"natural_breaks"``.
    ramp
        Colours from low to high as ``#rrggbb``.
    size_mm
        Line width, marker size or polygon outline width, millimetres.
    max_size_mm
        Width or size of the highest class (lines and markers grow evenly).
    fill_opacity
        Opacity of polygon fills, 0–1.
    descending
        Draw the highest values first (under the rest); by default they are
        drawn last, on top.
    label
        Field (or expression, when it is not a column name) to label with.
    label_filter
        Expression; only features where it is true get a label.
    """
    breaks = class_breaks(values, classes, method)
    colours = _resample(ramp, len(breaks) - 1)
    sizes = _sizes(size_mm, max_size_mm, len(breaks) - 1)
    root, renderer = _renderer(
        "graduatedSymbol",
        attr=column,
        graduatedMethod="GraduatedColor",
        symbollevels="0",
        forceraster="0",
        enableorderby="1",
    )
    ranges = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    digits = _digits(breaks)
    for i, (low, high) in enumerate(itertools.pairwise(breaks)):
        ET.SubElement(
            ranges,
            "range",
            lower=repr(float(low)),
            upper=repr(float(high)),
            symbol=str(i),
            label=f"{low:.{digits}f} – {high:.{digits}f}",
            render="true",
        )
        symbols.append(_symbol(geometry, str(i), colours[i], sizes[i], fill_opacity))
    ET.SubElement(renderer, "classificationMethod", id=_method_id(method))
    orderby = ET.SubElement(renderer, "orderby")
    clause = ET.SubElement(orderby, "orderByClause", asc="0" if descending else "1", nullsFirst="1")
    clause.text = _quote_field(column)
    if label is not None:
        _add_labels(root, label, geometry, label_filter)
    return _to_text(root)


def diverging_qml(
    column: str,
    values: Sequence[float] | np.ndarray,
    *,
    geometry: Geometry = "line",
    higher_is_better: bool = True,
    classes_per_side: int = 4,
    size_mm: float = 0.5,
    max_size_mm: float | None = 1.6,
    fill_opacity: float = 0.7,
    unit: str = "",
    extra_rules: Sequence[tuple[str, str, str, float]] = (),
    label: str | None = None,
    lang: str | None = None,
) -> str:
    """QML of a diverging style centred on zero, for a change (after − before).

    A rule-based renderer: symmetric classes either side of a light grey
    "no change" class (see :func:`diverging_breaks`), blue for improvements
    and red for the opposite; larger changes are drawn wider and on top.

    Parameters
    ----------
    column
        The change column.
    values
        Its values (missing ignored).
    geometry
        ``"line"``, ``"marker"`` or ``"fill"``.
    higher_is_better
        Whether an increase is an improvement (integration, reach) or a
        decrease is (distance, walking time).
    classes_per_side
        Classes on each side of zero.
    size_mm, max_size_mm
        Width (size) of the smallest and of the largest change.
    fill_opacity
        Opacity of polygon fills.
    unit
        Appended to the legend's numbers (`` m``, `` min``).
    extra_rules
        ``(filter expression, legend label, colour, width)`` drawn before the
        classes (e.g. new links); features they match are not classed.
    label
        Field or expression to label with.
    lang
        Language of the legend (``"sv"``: Swedish words and decimal commas);
        ``None`` or ``"en"``: English.

    The class limits are rounded to units that mean something for the
    measure (whole metres, tenths of minutes, else two significant digits),
    so the legend never reads "−0 – −0"; classes that rounding merges are
    dropped, and the outermost limit is rounded up so every value is classed.
    """
    limits, tol = diverging_breaks(values, classes_per_side)
    limits = _readable_limits(limits, tol, unit)
    n_side = (len(limits) - 2) // 2
    ramp = DIVERGING if higher_is_better else tuple(reversed(DIVERGING))
    neg = _resample(ramp[:4], n_side) if n_side > 1 else [ramp[1]]
    pos = _resample(ramp[5:], n_side) if n_side > 1 else [ramp[7]]
    colours = [*neg, ramp[4], *pos]
    field = _quote_field(column)
    top = max(abs(limits[0]), abs(limits[-1]), 1e-300)

    def span_text(lo: float, hi: float) -> str:
        # the "no change" tolerance is shown as the zero it stands for
        lo, hi = (0.0 if abs(v) <= tol else v for v in (lo, hi))
        return f"{_limit_text(lo, lang)} – {_limit_text(hi, lang)}{unit}"

    classes: list[tuple[str, str, str, float]] = []
    for i in range(n_side):
        lo, hi = limits[i], limits[i + 1]
        rel = max(abs(lo), abs(hi)) / top
        classes.append(
            (
                f"{field} >= {lo!r} AND {field} < {hi!r}",
                span_text(lo, hi),
                colours[i],
                _lerp(size_mm, max_size_mm, rel),
            )
        )
    classes.append(
        (
            f"{field} >= {-tol!r} AND {field} <= {tol!r}",
            f"0{unit} ({_word('no change', lang)})",
            colours[n_side],
            size_mm * (0.6 if geometry == "line" else 1.0),
        )
    )
    for j in range(n_side):
        lo, hi = limits[n_side + 1 + j], limits[n_side + 2 + j]
        rel = max(abs(lo), abs(hi)) / top
        classes.append(
            (
                f"{field} > {lo!r} AND {field} <= {hi!r}",
                span_text(lo, hi),
                colours[n_side + 1 + j],
                _lerp(size_mm, max_size_mm, rel),
            )
        )
    root, renderer = _renderer("RuleRenderer", symbollevels="0", forceraster="0", enableorderby="1")
    rules = ET.SubElement(renderer, "rules", key="{stadsrum-root}")
    symbols = ET.SubElement(renderer, "symbols")
    idx = 0
    extra_filters = []
    for filt, text, colour, width in extra_rules:
        ET.SubElement(rules, "rule", key=f"{{stadsrum-{idx}}}", filter=filt, label=text)
        rules[-1].set("symbol", str(idx))
        symbols.append(_symbol(geometry, str(idx), colour, width, 1.0, dashed=True))
        extra_filters.append(f"({filt})")
        idx += 1
    exclude = f"NOT ({' OR '.join(extra_filters)}) AND " if extra_filters else ""
    for filt, text, colour, width in classes:
        ET.SubElement(
            rules,
            "rule",
            key=f"{{stadsrum-{idx}}}",
            filter=exclude + filt,
            label=text,
            symbol=str(idx),
        )
        symbols.append(_symbol(geometry, str(idx), colour, width, fill_opacity))
        idx += 1
    orderby = ET.SubElement(renderer, "orderby")
    clause = ET.SubElement(orderby, "orderByClause", asc="1", nullsFirst="1")
    clause.text = f"abs({field})"
    if label is not None:
        _add_labels(root, label, geometry, None)
    return _to_text(root)


def categorized_qml(
    column: str,
    categories: Sequence[Any],
    *,
    geometry: Geometry = "line",
    colours: Sequence[str] | None = None,
    size_mm: float = 0.8,
    label: str | None = None,
    descending: bool = False,
    labels: Sequence[str] | None = None,
    outline: bool = False,
) -> str:
    """QML of a categorized style: one colour per value of ``column``.

    ``descending`` draws the highest values first (under the rest), as for
    nested service areas. ``labels`` are the legend texts of the categories
    (default: the values). ``outline`` draws polygons as coloured outlines
    without a fill, wider for the first categories, so that overlapping
    areas stay apart.
    """
    palette = colours or (
        "#1f78b4",
        "#e31a1c",
        "#33a02c",
        "#6a3d9a",
        "#ff7f00",
        "#b15928",
        "#a6cee3",
        "#fb9a99",
        "#b2df8a",
        "#cab2d6",
    )
    root, renderer = _renderer(
        "categorizedSymbol",
        attr=column,
        symbollevels="0",
        forceraster="0",
        enableorderby="1" if descending else "0",
    )
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, value in enumerate(categories):
        text = _category_text(value)
        shown = labels[i] if labels is not None else text
        ET.SubElement(cats, "category", value=text, symbol=str(i), label=shown, render="true")
        colour = palette[i % len(palette)]
        if outline and geometry == "fill":
            symbols.append(_outline_symbol(str(i), colour, size_mm, i))
        else:
            symbols.append(_symbol(geometry, str(i), colour, size_mm, 0.35))
    if descending:
        orderby = ET.SubElement(renderer, "orderby")
        clause = ET.SubElement(orderby, "orderByClause", asc="0", nullsFirst="1")
        clause.text = _quote_field(column)
    if label is not None:
        _add_labels(root, label, geometry, None)
    return _to_text(root)


def single_qml(
    geometry: Geometry,
    colour: str,
    size_mm: float,
    *,
    fill_opacity: float = 0.4,
    label: str | None = None,
) -> str:
    """QML of a single-symbol style for lines, points or polygons."""
    root, renderer = _renderer("singleSymbol", symbollevels="0", forceraster="0")
    symbols = ET.SubElement(renderer, "symbols")
    symbols.append(_symbol(geometry, "0", colour, size_mm, fill_opacity))
    if label is not None:
        _add_labels(root, label, geometry, None)
    return _to_text(root)


def simple_line_qml(colour: str = "#5a5a5a", width_mm: float = 0.4) -> str:
    """QML of a single-colour line style."""
    root, renderer = _renderer("singleSymbol", symbollevels="0", forceraster="0")
    symbols = ET.SubElement(renderer, "symbols")
    symbols.append(_line_symbol("0", colour, width_mm))
    return _to_text(root)


def point_qml(colour: str = "#e31a1c", size_mm: float = 2.4) -> str:
    """QML of a single-colour circle marker style."""
    root, renderer = _renderer("singleSymbol", symbollevels="0", forceraster="0")
    symbols = ET.SubElement(renderer, "symbols")
    symbols.append(_marker_symbol("0", colour, size_mm))
    return _to_text(root)


# --- the style of each result layer -------------------------------------------------------


@dataclass(frozen=True)
class LayerStyle:
    """How a result layer is drawn: by the report's maps and, as QML, in QGIS.

    Attributes
    ----------
    column
        The measure it is coloured by, ``None`` for a single colour.
    kind
        ``"graduated"``, ``"diverging"``, ``"categorized"`` or ``"single"``.
    ramp
        Colours from low to high (for ``diverging``: from worse to better).
    method
        Class breaks: ``"quantiles"`` or ``"natural_breaks"``.
    higher_is_better
        For ``diverging``: whether an increase is an improvement.
    size_mm, max_size_mm
        Width (lines) or size (points) of the lowest and highest class.
    label
        Field or expression labelling features (places), or ``None``.
    label_filter
        Expression: only these features are labelled.
    unit
        Unit of ``column`` for legends (``m``, ``min``, ...).
    """

    column: str | None
    kind: str = "graduated"
    ramp: tuple[str, ...] = RAMP
    method: Method = "quantiles"
    higher_is_better: bool = True
    size_mm: float = 0.5
    max_size_mm: float | None = None
    label: str | None = None
    label_filter: str | None = None
    unit: str = ""
    descending: bool = False


def _first(columns: Sequence[str], *candidates: str) -> str | None:
    return next((c for c in candidates if c in columns), None)


def _reach_column(columns: Sequence[str], suffix: str = "") -> str | None:
    """``reach_r{R}{suffix}`` at the largest finite radius, else at n."""
    best: tuple[float, str] | None = None
    for name in columns:
        if not (name.startswith("reach_r") and name.endswith(suffix)):
            continue
        label = name[len("reach_r") : len(name) - len(suffix)]
        if label == "n":
            radius = -1.0
        else:
            try:
                radius = float(label.replace("_", "."))
            except ValueError:
                continue
        if best is None or radius > best[0]:
            best = (radius, name)
    return None if best is None else best[1]


def _segments(cols: Sequence[str]) -> LayerStyle | None:
    column = style_column(cols)
    if column is None:
        return None
    return LayerStyle(column, size_mm=0.6)


def _accessibility(cols: Sequence[str]) -> LayerStyle | None:
    reach = _reach_column(cols)
    if reach is not None:
        return LayerStyle(reach, ramp=REACH, size_mm=0.35, max_size_mm=1.0)
    if "nearest_m" in cols:
        return LayerStyle(
            "nearest_m", ramp=TIME, method="natural_breaks", size_mm=0.5, unit="m", descending=True
        )
    return None


def _segments_diff(cols: Sequence[str]) -> LayerStyle | None:
    column = diff_column(cols) or diff_column(cols, "choice") or diff_column(cols, "reach_length")
    return None if column is None else LayerStyle(column, kind="diverging", size_mm=0.35)


def _accessibility_diff(cols: Sequence[str]) -> LayerStyle | None:
    reach = _reach_column(cols, "_change")
    if reach is not None:
        return LayerStyle(reach, kind="diverging", size_mm=0.35)
    if "nearest_m_change" in cols:
        return LayerStyle(
            "nearest_m_change", kind="diverging", higher_is_better=False, size_mm=0.35, unit=" m"
        )
    return None


def _loss(cols: Sequence[str]) -> str | None:
    losses = [c for c in cols if c.startswith("reach_") and c.endswith("_loss")]
    return _first(cols, "mean_m_loss") or (losses[0] if losses else _first(cols, "nearest_m_loss"))


_PLACE_LABEL = "place_id"

_STYLES: dict[str, Callable[[Sequence[str]], LayerStyle | None]] = {
    "segments": _segments,
    "od": lambda c: LayerStyle(
        _first(c, "walk_min", "total_m"),
        ramp=TIME,
        method="natural_breaks",
        size_mm=0.4,
        unit="min",
        descending=True,
    ),
    "service_areas": lambda c: LayerStyle(
        _first(c, "threshold_min"),
        kind="categorized",
        ramp=OUTLINES,
        size_mm=0.7,
        unit="min",
        descending=True,
    ),
    "service_area_lines": lambda c: LayerStyle(
        _first(c, "threshold_min"),
        kind="categorized",
        ramp=TIME,
        size_mm=0.6,
        unit="min",
        descending=True,
    ),
    "accessibility": _accessibility,
    "crossings": lambda c: LayerStyle(
        _first(c, "crossing_type"), kind="categorized", ramp=(), size_mm=2.6
    ),
    "barriers": lambda c: LayerStyle(
        _first(c, "category"), kind="categorized", ramp=(), size_mm=1.2
    ),
    "barrier_stretches": lambda c: LayerStyle(
        _first(c, "stretch_m"),
        ramp=LOSS,
        method="natural_breaks",
        size_mm=0.8,
        max_size_mm=2.4,
        unit="m",
    ),
    "detour": lambda c: LayerStyle(
        _first(c, "detour_ratio"), ramp=LOSS, size_mm=1.6, max_size_mm=3.6
    ),
    "detour_pairs": lambda c: LayerStyle(_first(c, "detour_ratio"), ramp=LOSS, size_mm=0.4),
    "detour_places": lambda c: LayerStyle(
        _first(c, "barrier_excess_m", "detour_crossing"),
        ramp=LOSS,
        size_mm=0.3,
        label=_first(c, _PLACE_LABEL),
        unit="m",
    ),
    "candidate_links": lambda c: LayerStyle(
        _first(c, "gain_m"),
        ramp=GAIN,
        method="natural_breaks",
        size_mm=0.4,
        max_size_mm=2.0,
        label="rank" if "rank" in c else None,
        label_filter='"rank" <= 10' if "rank" in c else None,
        unit="m",
    ),
    "barrier_effect": lambda c: LayerStyle(
        _loss(c), ramp=LOSS, size_mm=0.3, label=_first(c, _PLACE_LABEL)
    ),
    "barrier_effect_segments": lambda c: LayerStyle(
        _first(c, "nearest_m_loss"), ramp=LOSS, method="natural_breaks", size_mm=0.5, unit="m"
    ),
    "scenario": lambda c: LayerStyle(
        _first(c, "change_m"), kind="diverging", higher_is_better=False, size_mm=0.3, unit=" m"
    ),
    "scenario_places": lambda c: LayerStyle(
        _first(c, "mean_change_m"),
        kind="diverging",
        higher_is_better=False,
        size_mm=0.3,
        label=_first(c, _PLACE_LABEL),
        unit=" m",
    ),
    # key nodes from a GTFS feed: bigger and yellower where more departs; the names
    # of rail and ferry stations and of bus stops served every 3 minutes or more
    # often, which a city's hundreds of other bus stops would hide
    "nodes": lambda c: LayerStyle(
        _first(c, "departures_per_hour"),
        ramp=REACH,
        method="natural_breaks",
        size_mm=1.6,
        max_size_mm=4.4,
        label=_first(c, "name"),
        label_filter=(
            "\"category\" IN ('train', 'metro', 'tram', 'ferry') OR \"departures_per_hour\" >= 20"
            if {"category", "departures_per_hour"} <= set(c)
            else None
        ),
    ),
    "segments_diff": _segments_diff,
    "accessibility_diff": _accessibility_diff,
    "od_diff": lambda c: LayerStyle(
        _first(c, "walk_min_change", "total_m_change"),
        kind="diverging",
        higher_is_better=False,
        size_mm=0.3,
        unit=" min",
    ),
    "places_diff": lambda c: LayerStyle(
        _first(c, "mean_walk_min_change"),
        kind="diverging",
        higher_is_better=False,
        size_mm=0.3,
        label=_first(c, _PLACE_LABEL),
        unit=" min",
    ),
    "proposal": lambda c: LayerStyle(None, kind="single", ramp=("#111111",), size_mm=1.4),
    "warnings": lambda c: LayerStyle(
        _first(c, "kind"), kind="categorized", ramp=WARNING_COLOURS, size_mm=0.9
    ),
}


# --- betweenness (stadsrum betweenness): trips along each street ----------------------


def _betweenness(cols: Sequence[str]) -> LayerStyle | None:
    """The first cost's betweenness at its largest radius (the columns come ordered
    by cost, then ascending radius, n last), wider and hotter where more trips pass.

    Natural breaks rather than quantiles: most streets carry few trips and a few
    carry most, so quantile classes would all sit near zero.
    """
    found = [c for c in cols if "_betweenness_" in c]
    if not found:
        return None
    first_cost = found[0].rsplit("_r", 1)[0]
    column = [c for c in found if c.rsplit("_r", 1)[0] == first_cost][-1]
    return LayerStyle(column, ramp=RAMP, method="natural_breaks", size_mm=0.3, max_size_mm=2.4)


_STYLES["betweenness"] = _betweenness


# --- people and areas (AREAS.md): area choropleth, co-presence lines, ranked sites ---


def _middle(columns: Sequence[str], prefix: str) -> str | None:
    """The middle one of the ``{prefix}{T}min`` columns (10 of 5, 10, 15 minutes):
    the threshold the meeting-site ranking uses too."""
    found = [c for c in columns if c.startswith(prefix) and c.endswith("min")]
    return found[len(found) // 2] if found else None


def _areas_choropleth(columns: Sequence[str]) -> LayerStyle:
    minutes = next((c for c in columns if c.startswith("mean_min_")), None)
    if minutes is not None:
        return LayerStyle(minutes, ramp=TIME, size_mm=0.3, unit="min", label="area_id")
    share = next((c for c in columns if c.startswith("share_")), None)
    return LayerStyle(
        share or _first(columns, "population"), ramp=REACH, size_mm=0.3, label="area_id"
    )


def _copresence(columns: Sequence[str]) -> LayerStyle:
    mix = _middle(columns, "mix_")
    if mix is not None:  # dark where one group is alone, yellow where groups mix evenly
        return LayerStyle(mix, ramp=REACH, size_mm=0.3, max_size_mm=1.4)
    return LayerStyle(_middle(columns, "reach_pop_"), ramp=REACH, size_mm=0.3, max_size_mm=1.4)


def _meeting_sites(columns: Sequence[str]) -> LayerStyle:
    return LayerStyle(
        _middle(columns, "balanced_reach_"),
        ramp=GAIN,
        size_mm=0.4,
        max_size_mm=2.0,
        label="rank" if "rank" in columns else None,
        label_filter='"rank" <= 10' if "rank" in columns else None,
    )


def _population(columns: Sequence[str]) -> LayerStyle | None:
    local = [c for c in columns if c.startswith("local_share_")]
    if not local:
        return None
    return LayerStyle(local[-1], ramp=RAMP, size_mm=1.2)


def _areas_diff(columns: Sequence[str]) -> LayerStyle | None:
    # the walk to the first node category: shorter (negative) is better
    minutes = next(
        (c for c in columns if c.startswith("mean_min_") and c.endswith("_change")), None
    )
    if minutes is not None:
        return LayerStyle(
            minutes, kind="diverging", higher_is_better=False, size_mm=0.3, unit=" min",
            label="area_id",
        )  # fmt: skip
    share = next((c for c in columns if c.startswith("share_") and c.endswith("min_change")), None)
    return None if share is None else LayerStyle(share, kind="diverging", size_mm=0.3)


def _copresence_diff(columns: Sequence[str]) -> LayerStyle | None:
    # more residents of other areas within reach of a street: more potential to meet
    found = [c for c in columns if c.startswith("reach_pop_") and c.endswith("min_change")]
    if not found:
        return None
    return LayerStyle(found[len(found) // 2], kind="diverging", size_mm=0.35)


def _meeting_places_diff(columns: Sequence[str]) -> LayerStyle | None:
    # a place both groups reach more evenly after the plan gains (balanced reach up)
    found = [c for c in columns if c.startswith("balanced_reach_") and c.endswith("min_change")]
    if not found:
        return None
    return LayerStyle(found[len(found) // 2], kind="diverging", size_mm=1.2, label="site_id")


_STYLES.update(
    {
        "areas": _areas_choropleth,
        "copresence": _copresence,
        "meeting_sites": _meeting_sites,
        "meeting_places": _meeting_sites,  # today's places, ranked among the candidates
        "population": _population,
        "areas_diff": _areas_diff,
        "copresence_diff": _copresence_diff,
        "meeting_places_diff": _meeting_places_diff,
    }
)


def layer_style(layer: str, frame: object) -> LayerStyle | None:
    """How result layer ``layer`` is drawn, from its name and columns.

    ``None`` for a table without geometry. Layers without a known measure
    get a single colour.
    """
    columns = [str(c) for c in getattr(frame, "columns", [])]
    if _geometry_kind(frame) is None:
        return None
    rule = _STYLES.get(layer)
    style = rule(columns) if rule is not None else None
    if style is not None and style.column is None and style.kind != "single":
        style = None
    if style is not None:
        return style
    if layer == "diagnostics":
        return LayerStyle(None, kind="single", ramp=("#e31a1c",), size_mm=2.4)
    kind = _geometry_kind(frame)
    colour = {"line": "#5a5a5a", "marker": "#e31a1c", "fill": "#9ecae1"}[kind or "line"]
    size = {"line": 0.4, "marker": 2.4, "fill": 0.3}[kind or "line"]
    if layer.endswith("_diff"):
        changes = [c for c in columns if c.endswith("_change")]
        if changes:
            return LayerStyle(changes[0], kind="diverging", size_mm=0.35)
    return LayerStyle(None, kind="single", ramp=(colour,), size_mm=size)


def layer_qml(layer: str, frame: object, lang: str | None = None) -> str | None:
    """The default style of a result layer by its layer name, or ``None``.

    ``network`` lines are grey, ``diagnostics`` points red, ``segments`` are
    coloured by integration (see :func:`style_column`), and every other
    result layer of stadsrum by its key measure (see :func:`layer_style`);
    ``*_diff`` layers diverge around zero. ``frame`` is the layer's
    (Geo)DataFrame, used to place class breaks; a table without geometry
    gets no style (``None``).

    ``lang`` is the language of legend texts: ``None`` keeps the values as
    they are in the data (``bridge``, ``dangling_end``: what the command line
    writes), ``"sv"`` gives Swedish words (``bro``, ``återvändsgränd``) and
    decimal commas, ``"en"`` English words. Service areas are drawn as
    outlines, one colour and line pattern per threshold, so that dozens of
    overlapping areas stay apart and each threshold can be switched off in
    the legend.
    """
    if layer == "network":
        return simple_line_qml()
    if layer == "diagnostics" and "issue" not in getattr(frame, "columns", []):
        return point_qml()
    if layer == "segments":
        columns = [str(c) for c in getattr(frame, "columns", [])]
        column = style_column(columns)
        if column is None:
            return simple_line_qml()
        values = np.asarray(frame[column], dtype=np.float64)  # type: ignore[index]
        return graduated_line_qml(column, values, max_width_mm=1.0, width_mm=0.4)
    if layer == "warnings" and "kind" in getattr(frame, "columns", []):
        return categorized_qml(
            "kind",
            list(WARNING_KINDS),
            geometry="line",
            colours=WARNING_COLOURS,
            size_mm=0.9,
            labels=None if lang is None else [_category_label(k, lang) for k in WARNING_KINDS],
        )
    style = layer_style(layer, frame)
    kind = _geometry_kind(frame)
    if style is None or kind is None:
        return None
    if layer == "diagnostics":
        found = {str(v) for v in frame["issue"].dropna().unique()}  # type: ignore[index]
        issues = [k for k in DIAGNOSTIC_ISSUES if k in found]
        issues += sorted(found - set(DIAGNOSTIC_ISSUES))
        spare = ("#6a3d9a", "#33a02c", "#b15928")
        marks = [DIAGNOSTIC_ISSUES.get(c) or spare[i % 3] for i, c in enumerate(issues)]
        return categorized_qml(
            "issue",
            issues,
            geometry="marker",
            colours=marks,
            size_mm=2.4,
            labels=None if lang is None else [_category_label(c, lang) for c in issues],
        )
    if style.kind == "single" or style.column is None:
        return single_qml(kind, style.ramp[0], style.size_mm, label=style.label)
    if style.kind == "categorized":
        cats = _categories(frame, style.column)
        colours = _resample(style.ramp, len(cats)) if style.ramp else None
        if style.ramp is OUTLINES:  # distinct colours in order, not spread over a ramp
            colours = [OUTLINES[i % len(OUTLINES)] for i in range(len(cats))]
        labels: list[str] | None
        if style.unit:  # thresholds: "10 min"
            labels = [f"{_limit_text(float(c), lang).lstrip('+')} {style.unit}" for c in cats]
        else:
            labels = None if lang is None else [_category_label(c, lang) for c in cats]
        return categorized_qml(
            style.column,
            cats,
            geometry=kind,
            colours=colours,
            size_mm=style.size_mm,
            descending=style.descending,
            labels=labels,
            outline=layer == "service_areas",
        )
    values = _numbers(frame, style.column)
    if style.kind == "diverging":
        extra: list[tuple[str, str, str, float]] = []
        columns = list(getattr(frame, "columns", []))
        if "status" in columns and kind == "line":
            extra = [
                ("\"status\" = 'new'", _word("new link", lang), "#1b1b1b", 1.4),
                ("\"status\" = 'removed'", _word("removed", lang), "#8c8c8c", 0.8),
            ]
        return diverging_qml(
            style.column,
            values,
            geometry=kind,
            higher_is_better=style.higher_is_better,
            size_mm=style.size_mm,
            max_size_mm=style.size_mm * 4 if kind == "line" else style.size_mm,
            unit=style.unit,
            extra_rules=extra,
            label=style.label,
            lang=lang,
        )
    return graduated_qml(
        style.column,
        values,
        geometry=kind,
        method=style.method,
        ramp=style.ramp,
        size_mm=style.size_mm,
        max_size_mm=style.max_size_mm,
        descending=style.descending,
        label=style.label,
        label_filter=style.label_filter,
    )


def _category_text(value: Any) -> str:
    """A category value as QGIS prints it (``5.0`` → ``5``)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _categories(frame: Any, column: str) -> list[Any]:
    values = frame[column].dropna().unique()
    try:
        return sorted(values.tolist())
    except TypeError:
        return sorted(str(v) for v in values)


def _numbers(frame: Any, column: str) -> np.ndarray:
    import pandas as pd

    return pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64, na_value=np.nan)


def _geometry_kind(frame: object) -> Geometry | None:
    """``"line"``, ``"marker"`` or ``"fill"`` from a GeoDataFrame's geometry; else ``None``."""
    try:
        geoms = frame.geometry  # type: ignore[attr-defined]
        types = geoms.geom_type.dropna()
    except (AttributeError, ValueError):
        return None
    kind = str(types.iloc[0]) if len(types) else ""
    if "Point" in kind:
        return "marker"
    if "Polygon" in kind:
        return "fill"
    return "line"


# --- XML helpers ---------------------------------------------------------------------------


def _method_id(method: str) -> str:
    return {"quantiles": "Quantile", "natural_breaks": "Jenks"}[method]


def _sizes(low: float, high: float | None, n: int) -> list[float]:
    if high is None or n <= 1:
        return [low] * n if high is None else [high] * n
    return [round(low + (high - low) * i / (n - 1), 3) for i in range(n)]


def _lerp(low: float, high: float | None, t: float) -> float:
    return round(low if high is None else low + (high - low) * min(max(t, 0.0), 1.0), 3)


#: Finest step a legend limit is rounded to, by the unit of the measure: a
#: change of 0.3 m or 2 seconds is no change a planner can act on.
_RESOLUTION = {"m": 1.0, "min": 0.1}

#: Legend words of the styles, English → Swedish.
_WORDS_SV = {
    "no change": "ingen förändring",
    "new link": "ny länk",
    "removed": "borttagen",
    "level_crossing": "plankorsning",
    "bridge": "bro",
    "tunnel": "tunnel",
}


def _word(text: str, lang: str | None) -> str:
    """A legend word in ``lang`` (English unless ``"sv"``)."""
    return _WORDS_SV.get(text, text) if lang == "sv" else text


def _category_label(value: Any, lang: str | None) -> str:
    """A category's legend text: the value itself without a language, else words."""
    text = _category_text(value)
    if lang is None:
        return text
    if text in _WORDS_SV:
        return _word(text, lang).replace("_", " ")
    from stadsrum.report.labels import category_label

    return category_label(text, lang)


def _readable_limits(limits: Sequence[float], tol: float, unit: str) -> list[float]:
    """Diverging limits rounded to meaningful units, still symmetric around zero.

    ``limits`` and ``tol`` as from :func:`diverging_breaks`. Inner limits are
    rounded to two significant digits and to the unit's resolution (whole
    metres, a tenth of a minute; else a thousandth of the largest change);
    duplicates and limits that round to zero are dropped; the outermost is
    rounded up to two significant digits, so it still holds the largest change.
    """
    top = float(limits[-1])
    if top <= tol or top <= 0:
        return list(limits)
    magnitude = math.floor(math.log10(top))
    step = _RESOLUTION.get(unit.strip(), 10.0 ** (magnitude - 2))
    top_step = max(step, 10.0 ** (magnitude - 1))
    top_r = _clean(math.ceil(top / top_step - 1e-9) * top_step)
    inner: list[float] = []
    for q in limits[len(limits) // 2 + 1 : -1]:
        v = _clean(round(float(f"{q:.2g}") / step) * step)
        # many changes below the resolution: one class for them, "0 – +1 m"
        v = v if v > 0 else step
        if v < top_r and v not in inner:
            inner.append(v)
    positive = [tol, *sorted(inner), top_r]
    return [-v for v in reversed(positive)] + positive


def _clean(value: float) -> float:
    """``value`` without the binary noise of a multiplication (``0.30000000000000004``)."""
    return float(f"{value:.10g}")


def _limit_text(value: float, lang: str | None) -> str:
    """A signed legend limit with the decimals it needs (at most 4)."""
    from stadsrum.report.labels import format_signed

    digits = next((d for d in range(5) if abs(round(value, d) - value) < 1e-9), 4)
    return format_signed(value, lang or "en", digits)


def _digits(breaks: Sequence[float]) -> int:
    """Decimals that tell the class limits apart (at most 3)."""
    span = max(breaks) - min(breaks)
    if span <= 0 or span >= 100:
        return 0
    return min(3, max(0, 2 - math.floor(math.log10(span))))


def _resample(ramp: Sequence[str], n: int) -> list[str]:
    if n <= 1:
        return [ramp[-1]]
    return [ramp[round(i * (len(ramp) - 1) / (n - 1))] for i in range(n)]


def _rgba(colour: str, alpha: float = 1.0) -> str:
    text = colour.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * alpha)}"


def _quote_field(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _renderer(kind: str, **attrs: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("qgis", version=_QML_VERSION, styleCategories="Symbology")
    renderer = ET.SubElement(root, "renderer-v2", {"type": kind, **attrs})
    return root, renderer


def _symbol(
    geometry: Geometry,
    name: str,
    colour: str,
    size_mm: float,
    fill_opacity: float = 0.6,
    *,
    dashed: bool = False,
) -> ET.Element:
    if geometry == "marker":
        return _marker_symbol(name, colour, size_mm)
    if geometry == "fill":
        return _fill_symbol(name, colour, size_mm, fill_opacity)
    return _line_symbol(name, colour, size_mm, style="dash" if dashed else "solid")


def _line_symbol(name: str, colour: str, width_mm: float, style: str = "solid") -> ET.Element:
    symbol = ET.Element(
        "symbol", type="line", name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    _symbol_layer(
        symbol,
        "SimpleLine",
        {
            "line_color": _rgba(colour),
            "line_width": repr(float(width_mm)),
            "line_width_unit": "MM",
            "line_style": style,
            "capstyle": "round",
            "joinstyle": "round",
        },
    )
    return symbol


def _outline_symbol(name: str, colour: str, width_mm: float, index: int) -> ET.Element:
    """A polygon drawn as its outline only: a solid line for the first category,
    then dashed and dotted ones, so that categories differ in more than colour."""
    symbol = ET.Element(
        "symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    pattern = ("solid", "dash", "dot", "dash dot")[index % 4]
    _symbol_layer(
        symbol,
        "SimpleFill",
        {
            "color": _rgba(colour, 0.0),
            "style": "no",
            "outline_color": _rgba(colour),
            "outline_width": f"{width_mm:g}",
            "outline_width_unit": "MM",
            "outline_style": pattern,
            "joinstyle": "round",
        },
    )
    return symbol


def _marker_symbol(name: str, colour: str, size_mm: float) -> ET.Element:
    symbol = ET.Element(
        "symbol", type="marker", name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    _symbol_layer(
        symbol,
        "SimpleMarker",
        {
            "name": "circle",
            "color": _rgba(colour),
            "outline_color": "255,255,255,255",
            "outline_width": "0.2",
            "outline_width_unit": "MM",
            "size": repr(float(size_mm)),
            "size_unit": "MM",
        },
    )
    return symbol


def _fill_symbol(name: str, colour: str, outline_mm: float, opacity: float) -> ET.Element:
    symbol = ET.Element(
        "symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    _symbol_layer(
        symbol,
        "SimpleFill",
        {
            "color": _rgba(colour, opacity),
            "style": "solid",
            "outline_color": _rgba(colour),
            "outline_style": "solid",
            "outline_width": repr(float(outline_mm)),
            "outline_width_unit": "MM",
            "joinstyle": "round",
        },
    )
    return symbol


def _symbol_layer(symbol: ET.Element, kind: str, props: dict[str, str]) -> None:
    layer = ET.SubElement(symbol, "layer", {"class": kind, "enabled": "1", "pass": "0"})
    layer.set("locked", "0")
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", type="QString", name=key, value=value)
    # QGIS before 3.10 read <prop> elements only; 3.22 still writes both
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def _add_labels(root: ET.Element, label: str, geometry: Geometry, where: str | None) -> None:
    """Simple labelling on a field (or an expression), with a white halo."""
    root.set("labelsEnabled", "1")
    root.set("styleCategories", "Symbology|Labeling")
    is_expression = not label.isidentifier()
    labeling = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    style = ET.SubElement(
        settings,
        "text-style",
        fieldName=label,
        isExpression="1" if is_expression else "0",
        fontFamily="Sans Serif",
        fontSize="8",
        fontSizeUnit="Point",
        fontWeight="75",
        namedStyle="Bold",
        textColor="40,40,40,255",
        textOpacity="1",
        multilineHeight="1",
        allowHtml="0",
    )
    ET.SubElement(
        style,
        "text-buffer",
        bufferDraw="1",
        bufferSize="0.8",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="0.85",
        bufferNoFill="1",
        bufferJoinStyle="128",
        bufferBlendMode="0",
    )
    placement = {"marker": "0", "line": "2", "fill": "1"}[geometry]
    ET.SubElement(
        settings,
        "placement",
        placement=placement,
        dist="1",
        distUnits="MM",
        placementFlags="10",
        centroidWhole="0",
        centroidInside="1",
        fitInPolygonOnly="0",
        priority="5",
        overrunDistance="0",
    )
    ET.SubElement(
        settings,
        "rendering",
        obstacle="1",
        obstacleType="1",
        displayAll="0",
        labelPerPart="0",
        mergeLines="0",
        minFeatureSize="0",
        limitNumLabels="0",
        maxNumLabels="2000",
        scaleVisibility="0",
        drawLabels="1",
        upsidedownLabels="0",
    )
    if where is not None:
        dd = ET.SubElement(settings, "dd_properties")
        option = ET.SubElement(dd, "Option", type="Map")
        ET.SubElement(option, "Option", type="QString", name="name", value="")
        props = ET.SubElement(option, "Option", type="Map", name="properties")
        show = ET.SubElement(props, "Option", type="Map", name="Show")
        ET.SubElement(show, "Option", type="bool", name="active", value="true")
        ET.SubElement(show, "Option", type="QString", name="expression", value=where)
        ET.SubElement(show, "Option", type="int", name="type", value="3")
        ET.SubElement(option, "Option", type="QString", name="type", value="collection")


def _to_text(root: ET.Element) -> str:
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"

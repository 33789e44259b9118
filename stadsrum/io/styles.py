"""Default map styles for result layers, as QGIS QML text.

The one place that decides how a result looks: the QGIS plugin applies these
styles to its output layers, and the GeoPackage writer can store the same
text in a ``layer_styles`` table. Plain XML, no QGIS needed to make it.

Segment layers are coloured by integration in classes of equal counts
(quantiles), from blue (segregated) to red (integrated), drawn with the most
integrated streets on top: the look planners know from depthmapX maps.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

import numpy as np

from stadsrum.measures.naming import COSTS

__all__ = [
    "RAMP",
    "graduated_line_qml",
    "layer_qml",
    "point_qml",
    "simple_line_qml",
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

_QML_VERSION = "3.22.0"


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


def graduated_line_qml(
    column: str,
    values: Sequence[float] | np.ndarray,
    *,
    classes: int = 7,
    width_mm: float = 0.6,
    ramp: Sequence[str] = RAMP,
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
        Line width in millimetres on the map.
    ramp
        Colours from low to high as ``#rrggbb``.
    """
    breaks = _quantile_breaks(values, classes)
    colours = _resample(ramp, len(breaks) - 1)
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
        symbols.append(_line_symbol(str(i), colours[i], width_mm))
    ET.SubElement(renderer, "classificationMethod", id="Quantile")
    orderby = ET.SubElement(renderer, "orderby")
    clause = ET.SubElement(orderby, "orderByClause", asc="1", nullsFirst="1")
    clause.text = _quote_field(column)
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
    symbol = ET.SubElement(
        symbols, "symbol", type="marker", name="0", alpha="1", clip_to_extent="1", force_rhr="0"
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
    return _to_text(root)


def layer_qml(layer: str, frame: object) -> str | None:
    """The default style of a result layer by its layer name, or ``None``.

    ``network`` lines are grey, ``diagnostics`` points red, and ``segments``
    are coloured by integration (see :func:`style_column`). ``frame`` is the
    layer's (Geo)DataFrame, used to place class breaks.
    """
    if layer == "network":
        return simple_line_qml()
    if layer == "diagnostics":
        return point_qml()
    if layer == "segments":
        columns = [str(c) for c in getattr(frame, "columns", [])]
        column = style_column(columns)
        if column is None:
            return simple_line_qml()
        values = np.asarray(frame[column], dtype=np.float64)  # type: ignore[index]
        return graduated_line_qml(column, values)
    return None


def _quantile_breaks(values: Sequence[float] | np.ndarray, classes: int) -> list[float]:
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return [0.0, 1.0]
    qs = np.quantile(data, np.linspace(0.0, 1.0, max(int(classes), 1) + 1))
    breaks = sorted(set(float(q) for q in qs))
    if len(breaks) == 1:
        breaks = [breaks[0], breaks[0]]
    return breaks


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


def _rgba(colour: str) -> str:
    text = colour.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},255"


def _quote_field(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _renderer(kind: str, **attrs: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("qgis", version=_QML_VERSION, styleCategories="Symbology")
    renderer = ET.SubElement(root, "renderer-v2", {"type": kind, **attrs})
    return root, renderer


def _line_symbol(name: str, colour: str, width_mm: float) -> ET.Element:
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
            "line_style": "solid",
            "capstyle": "round",
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


def _to_text(root: ET.Element) -> str:
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"

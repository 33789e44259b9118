"""Maps and charts of result layers with matplotlib: no pyplot, no web tiles.

Every map draws a layer with the same measure, classes and colours as its
QGIS style (:func:`stadsrum.io.styles.layer_style`), over the street network
in light grey, with a legend and a scale bar.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.io.styles import (
    DIVERGING,
    LayerStyle,
    class_breaks,
    diverging_breaks,
)
from stadsrum.report.labels import category_label, format_number, format_signed

__all__ = [
    "A4",
    "contents_pages",
    "draw_layer",
    "histogram_figure",
    "map_figure",
    "png_bytes",
    "service_area_figures",
    "text_pages",
]

A4 = (8.27, 11.69)
"""A4 portrait in inches: every figure is one report page."""

_MM_TO_PT = 72 / 25.4
_CONTEXT = "#c8c8c8"


def new_figure(size: tuple[float, float] = A4) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Any, dpi: int = 90) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _kind(geoms: np.ndarray) -> str:
    types = shapely.get_type_id(geoms[~shapely.is_missing(geoms)])
    if len(types) == 0:
        return "line"
    t = int(np.bincount(types).argmax())
    return {0: "marker", 4: "marker", 3: "fill", 6: "fill"}.get(t, "line")


def draw(
    ax: Any,
    geoms: np.ndarray,
    colour: str,
    size_mm: float,
    *,
    kind: str,
    zorder: float,
    dashed: bool = False,
    alpha: float = 1.0,
    fill_alpha: float = 0.3,
) -> None:
    from matplotlib.collections import LineCollection, PathCollection

    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return
    width = max(size_mm * _MM_TO_PT * 0.7, 0.3)
    if kind == "marker":
        xy = shapely.get_coordinates(shapely.centroid(geoms))
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=(size_mm * _MM_TO_PT * 0.8) ** 2,
            c=colour,
            edgecolors="white",
            linewidths=0.4,
            zorder=zorder,
            alpha=alpha,
        )
        return
    if kind == "fill":
        from matplotlib.path import Path as MplPath

        paths = []
        for poly in shapely.get_parts(geoms):
            rings = [poly.exterior, *poly.interiors]
            verts, codes = [], []
            for ring in rings:
                c = np.asarray(ring.coords)
                verts.append(c)
                codes.extend(
                    [MplPath.MOVETO] + [MplPath.LINETO] * (len(c) - 2) + [MplPath.CLOSEPOLY]
                )
            paths.append(MplPath(np.concatenate(verts), codes))
        ax.add_collection(
            PathCollection(
                paths,
                facecolors=colour,
                edgecolors=colour,
                linewidths=0.6,
                alpha=fill_alpha * alpha,
                zorder=zorder,
            )
        )
        return
    parts = shapely.get_parts(shapely.boundary(geoms) if kind == "fill" else geoms)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return
    cuts = np.flatnonzero(np.diff(index)) + 1
    ax.add_collection(
        LineCollection(
            np.split(coords, cuts),
            colors=colour,
            linewidths=width,
            linestyles=(0, (3, 2)) if dashed else "solid",
            capstyle="round",
            zorder=zorder,
            alpha=alpha,
        )
    )


def resample(ramp: Sequence[str], n: int) -> list[str]:
    if n <= 1:
        return [ramp[-1]]
    return [ramp[round(i * (len(ramp) - 1) / (n - 1))] for i in range(n)]


def _digits(low: float, high: float) -> int:
    span = abs(high - low)
    if span <= 0 or span >= 100:
        return 0
    return min(3, max(0, 2 - math.floor(math.log10(span))))


def draw_layer(
    ax: Any,
    frame: gpd.GeoDataFrame,
    style: LayerStyle,
    *,
    zorder: float = 2.0,
    words: dict[str, str] | None = None,
    lang: str = "en",
) -> list[tuple[str, str, float, str]]:
    """Draw ``frame`` in ``style``; returns legend entries ``(label, colour, size, kind)``.

    Legend numbers are written as ``lang`` writes them, categories in its words.
    """
    words = words or {}
    geoms = np.asarray(frame.geometry.array, dtype=object)
    kind = _kind(geoms)
    legend: list[tuple[str, str, float, str]] = []
    column = style.column
    if style.kind == "single" or column is None or column not in frame.columns:
        draw(ax, geoms, style.ramp[0], style.size_mm, kind=kind, zorder=zorder)
        return legend
    if style.kind == "categorized":
        values = frame[column].astype(str).to_numpy()
        cats = sorted(set(values) - {"nan", "None"}, key=_category_order)
        palette = (
            resample(style.ramp, len(cats))
            if style.ramp
            else ["#1f78b4", "#e31a1c", "#33a02c", "#6a3d9a", "#ff7f00", "#b15928"]
        )
        order = list(reversed(cats)) if style.descending else cats
        for i, cat in enumerate(order):
            colour = palette[cats.index(cat) % len(palette)]
            draw(
                ax, geoms[values == cat], colour, style.size_mm, kind=kind, zorder=zorder + i * 0.01
            )
        for i, cat in enumerate(cats):
            text = _category_text(cat, lang)
            legend.append(
                (
                    f"{text} {style.unit.strip()}".strip(),
                    palette[i % len(palette)],
                    style.size_mm,
                    kind,
                )
            )
        return legend
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)
    if style.kind == "diverging":
        extra = np.zeros(len(frame), dtype=bool)
        if "status" in frame.columns:
            status = frame["status"].astype(str).to_numpy()
            for name, colour, size, dashed in (
                ("removed", "#8c8c8c", 0.8, True),
                ("new", "#1b1b1b", 1.4, True),
            ):
                mask = status == name
                if mask.any():
                    draw(ax, geoms[mask], colour, size, kind=kind, zorder=zorder + 2, dashed=dashed)
                    legend.append((words.get(name, name), colour, size, kind))
                    extra |= mask
        limits, tol = diverging_breaks(values[~extra])
        n_side = (len(limits) - 2) // 2
        ramp = DIVERGING if style.higher_is_better else tuple(reversed(DIVERGING))
        neg = resample(ramp[:4], n_side) if n_side > 1 else [ramp[1]]
        pos = resample(ramp[5:], n_side) if n_side > 1 else [ramp[7]]
        top = max(abs(limits[0]), abs(limits[-1]), 1e-300)
        digits = _digits(0.0, top)
        base = style.size_mm
        # (mask, colour, size, label) from the largest decrease to the largest increase
        classes: list[tuple[np.ndarray, str, float, str]] = []
        for i in range(2 * n_side + 1):
            lo, hi = limits[i], limits[i + 1]
            if i < n_side:
                mask, colour = (values >= lo) & (values < hi), neg[i]
            elif i == n_side:
                mask, colour = (values >= -tol) & (values <= tol), ramp[4]
            else:
                mask, colour = (values > lo) & (values <= hi), pos[i - n_side - 1]
            if i == n_side:
                size, label = base * 0.6, words.get("no_change", "no change")
            else:
                rel = max(abs(lo), abs(hi)) / top
                size = base + 3 * base * rel if kind == "line" else base
                unit = f" {style.unit.strip()}" if style.unit.strip() else ""
                label = f"{_signed(lo, digits, lang)} – {_signed(hi, digits, lang)}{unit}"
            classes.append((mask & ~extra, colour, size, label))
        for mask, colour, size, _label in sorted(classes, key=lambda c: c[2]):
            draw(ax, geoms[mask], colour, size, kind=kind, zorder=zorder + size / 100)
        legend.extend((label, colour, size, kind) for _m, colour, size, label in classes)
        return legend
    breaks = class_breaks(values, 7, style.method)
    n = len(breaks) - 1
    colours = resample(style.ramp, n)
    sizes = (
        [style.size_mm] * n
        if style.max_size_mm is None or n <= 1
        else [style.size_mm + (style.max_size_mm - style.size_mm) * i / (n - 1) for i in range(n)]
    )
    digits = _digits(breaks[0], breaks[-1])
    sequence = range(n - 1, -1, -1) if style.descending else range(n)
    for rank, i in enumerate(sequence):
        lo, hi = breaks[i], breaks[i + 1]
        mask = (values >= lo) & ((values < hi) if i < n - 1 else (values <= hi))
        draw(ax, geoms[mask], colours[i], sizes[i], kind=kind, zorder=zorder + rank * 0.01)
    unit = f" {style.unit.strip()}" if style.unit.strip() else ""
    for i in range(n):
        legend.append(
            (
                f"{format_number(breaks[i], lang, digits)} – "
                f"{format_number(breaks[i + 1], lang, digits)}{unit}",
                colours[i],
                sizes[i],
                kind,
            )
        )
    return legend


def _signed(value: float, digits: int, lang: str) -> str:
    if value == 0:
        return "0"
    return format_signed(value, lang, digits)


def _category_order(value: str) -> tuple[int, float, str]:
    """Numbers in numeric order (5, 10, 15 minutes), then words alphabetically."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def _category_text(value: str, lang: str) -> str:
    try:
        return format_number(float(value), lang)
    except ValueError:
        return category_label(value, lang)


def scale_bar(
    ax: Any, bounds: tuple[float, float, float, float], lang: str = "en", *, fontsize: float = 8
) -> None:
    x0, y0, x1, y1 = bounds
    width = x1 - x0
    target = width / 5
    nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000]
    length = max([n for n in nice if n <= target] or [nice[0]])
    bx, by = x0 + width * 0.04, y0 + (y1 - y0) * 0.03
    ax.plot(
        [bx, bx + length], [by, by], color="black", linewidth=2.5, solid_capstyle="butt", zorder=50
    )
    label = (
        f"{format_number(length / 1000, lang)} km"
        if length >= 1000
        else f"{format_number(length, lang)} m"
    )
    ax.text(
        bx + length / 2,
        by + (y1 - y0) * 0.012,
        label,
        ha="center",
        va="bottom",
        fontsize=fontsize,
        zorder=50,
    )


def map_figure(
    title: str,
    layers: Sequence[tuple[gpd.GeoDataFrame, LayerStyle]],
    *,
    context: gpd.GeoDataFrame | None = None,
    legend_title: str = "",
    caption: str = "",
    words: dict[str, str] | None = None,
    labels: tuple[gpd.GeoDataFrame, str] | None = None,
    lang: str = "en",
) -> Any:
    """An A4 page: a map of ``layers`` (the last is the one with the legend) over ``context``."""
    from matplotlib.lines import Line2D

    fig = new_figure()
    fig.suptitle(title, x=0.06, ha="left", fontsize=15, fontweight="bold", y=0.975)
    ax = fig.add_axes((0.04, 0.17, 0.92, 0.77))
    ax.set_aspect("equal")
    ax.set_axis_off()
    frames = [f for f, _ in layers if len(f)]
    all_bounds = np.array([f.total_bounds for f in frames]) if frames else None
    if context is not None and len(context):
        draw(
            ax,
            np.asarray(context.geometry.array, dtype=object),
            _CONTEXT,
            0.25,
            kind="line",
            zorder=1,
        )
        if all_bounds is None:
            all_bounds = np.array([context.total_bounds])
    legend: list[tuple[str, str, float, str]] = []
    for z, (frame, style) in enumerate(layers):
        if len(frame):
            legend = draw_layer(ax, frame, style, zorder=2 + z * 3, words=words, lang=lang)
    if labels is not None:
        frame, column = labels
        if column in frame.columns and 0 < len(frame) <= 60:
            points = shapely.point_on_surface(np.asarray(frame.geometry.array, dtype=object))
            for pt, text in zip(points, frame[column].astype(str), strict=True):
                if not text:  # a feature drawn but left unlabelled
                    continue
                ax.annotate(
                    text,
                    (pt.x, pt.y),
                    fontsize=7,
                    ha="center",
                    va="center",
                    zorder=60,
                    fontweight="bold",
                    color="#282828",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
                )
    if all_bounds is not None:
        x0, y0 = all_bounds[:, 0].min(), all_bounds[:, 1].min()
        x1, y1 = all_bounds[:, 2].max(), all_bounds[:, 3].max()
        pad = max(x1 - x0, y1 - y0) * 0.03 + 1
        bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        scale_bar(ax, bounds, lang)
    if legend:
        handles = [
            Line2D(
                [],
                [],
                color=colour,
                linewidth=max(size * _MM_TO_PT * 0.7, 0.8) if kind == "line" else 0,
                marker="o" if kind == "marker" else ("s" if kind == "fill" else None),
                markersize=7,
                markerfacecolor=colour,
                markeredgecolor=colour,
                label=label,
            )
            for label, colour, size, kind in legend
        ]
        fig.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.05, 0.035),
            ncol=3 if len(handles) > 6 else 2,
            fontsize=8,
            title=legend_title,
            title_fontsize=8,
            frameon=False,
            alignment="left",
        )
    if caption:
        fig.text(0.06, 0.012, caption, fontsize=7, color="#555555")
    return fig


def number_formatter(lang: str) -> Any:
    """Axis tick labels as ``lang`` writes numbers, with the decimals the tick step needs."""
    from matplotlib.ticker import Formatter

    class NumberFormatter(Formatter):
        digits = 0

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            steps = np.diff(np.sort(np.asarray(values, dtype=np.float64)))
            step = float(steps[steps > 0].min()) if (steps > 0).any() else 1.0
            self.digits = min(3, max(0, -math.floor(math.log10(step) + 1e-9)))
            return [self(v, i) for i, v in enumerate(values)]

        def __call__(self, x: float, pos: int | None = None) -> str:
            return format_number(x, lang, self.digits)

    return NumberFormatter()


def histogram_figure(
    title: str,
    series: Sequence[tuple[str, np.ndarray, str]],
    *,
    ylabel: str = "",
    centre_zero: bool = False,
    lang: str = "en",
) -> Any:
    """An A4 page of histograms: ``(label, values, colour)`` each, stacked."""
    fig = new_figure()
    fig.suptitle(title, x=0.06, ha="left", fontsize=15, fontweight="bold", y=0.975)
    n = max(len(series), 1)
    height = 0.8 / max(n, 3)
    for i, (name, values, colour) in enumerate(series):
        data = np.asarray(values, dtype=np.float64)
        data = data[np.isfinite(data)]
        ax = fig.add_axes((0.12, 0.9 - (i + 1) * height + 0.04, 0.8, height - 0.08))
        if centre_zero:
            data = data[np.abs(data) > max(np.abs(data).max(initial=0.0) * 1e-6, 1e-12)]
        if len(data):
            ax.hist(data, bins=30, color=colour, edgecolor="white", linewidth=0.4)
        if centre_zero:
            ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_xlabel(name, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.xaxis.set_major_formatter(number_formatter(lang))
        ax.yaxis.set_major_formatter(number_formatter(lang))
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig


# Text pages are laid out in inches from the page's lower left corner.
_MARGIN = 0.6
_TOP = A4[1] - 0.5
_BOTTOM = 0.55
_WIDTH = A4[0] - 2 * _MARGIN
_NUMERIC = re.compile(r"^[−+\-]?\d[\d\u202f,.]*( ?%)?$|^–$")


@functools.lru_cache(maxsize=1)
def _renderer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72)


@functools.lru_cache(maxsize=20000)
def _text_width(text: str, size: float, bold: bool = False, mono: bool = False) -> float:
    """Width of ``text`` in inches, as matplotlib will draw it."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(
        family="monospace" if mono else "sans-serif",
        size=size,
        weight="bold" if bold else "normal",
    )
    width, _h, _d = _renderer().get_text_width_height_descent(text or " ", prop, ismath=False)
    return float(width) / 72


def _wrap(
    text: str, width: float, size: float, *, bold: bool = False, mono: bool = False
) -> list[str]:
    """Lines of ``text`` no wider than ``width`` inches: at spaces, or inside a word too long."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if _text_width(trial, size, bold, mono) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            line = ""
            # a word wider than the column is broken, never cut off
            while _text_width(word, size, bold, mono) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and _text_width(word[:cut], size, bold, mono) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _column_widths(
    table: pd.DataFrame, size: float, pad: float, total: float, mono: Sequence[bool]
) -> list[float]:
    """Column widths (inches) filling at most ``total``: each at least its longest word."""
    cols = [str(c) for c in table.columns]
    natural, least, header = [], [], []
    for j, col in enumerate(cols):
        cells = [str(v) for v in table.iloc[:, j]]
        natural.append(max([_text_width(c, size, mono=mono[j]) for c in cells] or [0.0]) + 2 * pad)
        words = [w for c in cells for w in c.split(" ")] + col.split(" ")
        least.append(
            max(_text_width(w, size, bold=w in col.split(" "), mono=mono[j]) for w in words)
            + 2 * pad
        )
        header.append(_text_width(col, size, bold=True) + 2 * pad)
    target = [max(n, m) for n, m in zip(natural, least, strict=True)]
    if sum(least) >= total:
        return [total * m / sum(least) for m in least]
    if sum(target) <= total:
        widths = list(target)
        # room left: give it to headers that would wrap, then spread it evenly
        room = total - sum(widths)
        want = [max(h - w, 0.0) for h, w in zip(header, widths, strict=True)]
        if sum(want) > 0:
            share = min(1.0, room / sum(want))
            widths = [w + x * share for w, x in zip(widths, want, strict=True)]
        return widths
    extra = total - sum(least)
    need = [t - m for t, m in zip(target, least, strict=True)]
    return [m + extra * x / sum(need) for m, x in zip(least, need, strict=True)]


def _breaks_words(
    table: pd.DataFrame, widths: Sequence[float], size: float, pad: float, mono: Sequence[bool]
) -> bool:
    """Whether some word of a cell or header is wider than its column."""
    for j, column in enumerate(table.columns):
        room = widths[j] - 2 * pad + 1e-9
        if any(_text_width(w, size, bold=True) > room for w in str(column).split(" ")):
            return True
        for value in table.iloc[:, j]:
            if any(_text_width(w, size, mono=mono[j]) > room for w in str(value).split(" ")):
                return True
    return False


class _PageWriter:
    """Lays text and tables out on as many A4 pages as they need."""

    def __init__(self, heading: str, continued: str) -> None:
        self.heading = heading
        self.continued = continued
        self.pages: list[Any] = []
        self.fig: Any = None
        self.y = _TOP

    def new_page(self) -> None:
        self.fig = new_figure()
        self.pages.append(self.fig)
        self.y = _TOP
        heading = self.heading if len(self.pages) == 1 else f"{self.heading} {self.continued}"
        self.text(heading, 16, bold=True, gap=0.12)

    def text(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: str = "#222222",
        gap: float = 0.08,
        x: float = _MARGIN,
        width: float = _WIDTH,
    ) -> None:
        line_h = size * 1.4 / 72
        for line in _wrap(text, width, size, bold=bold):
            if self.fig is None or self.y - line_h < _BOTTOM:
                self.new_page()
            self._put(x, self.y, line, size, bold=bold, colour=colour)
            self.y -= line_h
        self.y -= gap

    def _put(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: str = "#222222",
        mono: bool = False,
        right: bool = False,
    ) -> None:
        self.fig.text(
            x,
            y,
            text,
            transform=self.fig.dpi_scale_trans,
            fontsize=size,
            fontweight="bold" if bold else "normal",
            family="monospace" if mono else "sans-serif",
            color=colour,
            va="top",
            ha="right" if right else "left",
        )

    def _row(
        self,
        cells: list[list[str]],
        widths: list[float],
        size: float,
        pad: float,
        *,
        header: bool,
        numeric: list[bool],
        mono: list[bool],
    ) -> float:
        from matplotlib.patches import Rectangle

        line_h = size * 1.3 / 72
        height = max(len(c) for c in cells) * line_h + 2 * pad * 0.6
        x = _MARGIN
        for j, (lines, width) in enumerate(zip(cells, widths, strict=True)):
            self.fig.add_artist(
                Rectangle(
                    (x, self.y - height),
                    width,
                    height,
                    transform=self.fig.dpi_scale_trans,
                    facecolor="#eeeeee" if header else "white",
                    edgecolor="#cccccc",
                    linewidth=0.4,
                )
            )
            right = numeric[j] and not header
            for k, line in enumerate(lines):
                self._put(
                    x + width - pad if right else x + pad,
                    self.y - pad * 0.6 - k * line_h,
                    line,
                    size,
                    bold=header,
                    mono=mono[j] and not header,
                    right=right,
                )
            x += width
        return height

    def table(self, table: pd.DataFrame, title: str = "", mono: Sequence[bool] = ()) -> None:
        """A table of strings, every cell in full: long text wraps, rows continue overleaf."""
        if title:
            if self.fig is None or self.y - 0.6 < _BOTTOM:
                self.new_page()
            self.text(title, 11, bold=True, gap=0.06)
        ncol = len(table.columns)
        mono_cols = [bool(m) for m in mono] or [False] * ncol
        size, pad = (7.5, 3 / 72) if ncol <= 6 else (6.5, 2.5 / 72)
        # a smaller font before breaking words: down to 5.5 pt, still legible on paper
        while True:
            widths = _column_widths(table, size, pad, _WIDTH, mono_cols)
            if size <= 5.5 or not _breaks_words(table, widths, size, pad, mono_cols):
                break
            size -= 0.5
        body = [[str(v) for v in row] for row in table.itertuples(index=False)]
        numeric = [
            bool(body) and all(_NUMERIC.match(r[j]) is not None for r in body) for j in range(ncol)
        ]
        head = [
            _wrap(str(c), w - 2 * pad, size, bold=True)
            for c, w in zip(table.columns, widths, strict=True)
        ]
        line_h = size * 1.3 / 72

        def header_row() -> None:
            self.y -= self._row(
                head, widths, size, pad, header=True, numeric=numeric, mono=mono_cols
            )

        if self.fig is None:
            self.new_page()
        header_row()
        for row in body:
            cells = [
                _wrap(v, w - 2 * pad, size, mono=mono_cols[j])
                for j, (v, w) in enumerate(zip(row, widths, strict=True))
            ]
            height = max(len(c) for c in cells) * line_h + 2 * pad * 0.6
            if self.y - height < _BOTTOM:
                self.new_page()
                if title:
                    self.text(f"{title} {self.continued}", 11, bold=True, gap=0.06)
                header_row()
            self.y -= self._row(
                cells, widths, size, pad, header=False, numeric=numeric, mono=mono_cols
            )
        self.y -= 0.2


def text_pages(
    heading: str,
    paragraphs: Sequence[str] = (),
    *,
    subheading: str = "",
    tables: Sequence[tuple[str, pd.DataFrame, Sequence[bool]]] = (),
    continued: str = "(forts.)",
) -> list[Any]:
    """A4 pages: a heading, wrapped paragraphs and tables ``(title, table of strings, mono)``.

    Nothing is cut: paragraphs and cells wrap at the measured width of their
    text, and a long table continues on the next page under its header row.
    """
    writer = _PageWriter(heading, continued)
    writer.new_page()
    if subheading:
        writer.text(subheading, 10, colour="#555555", gap=0.12)
    for para in paragraphs:
        writer.text(para, 9.5, gap=0.12)
    for title, table, mono in tables:
        if len(table):
            writer.table(table, title, mono)
    return writer.pages


def contents_pages(
    title: str,
    subtitle: str,
    heading: str,
    entries: Sequence[tuple[int, str, int]],
) -> list[Any]:
    """The title page with contents: ``(level, text, page)`` with dot leaders to the page number."""
    writer = _PageWriter(title, "")
    writer.new_page()
    writer.text(subtitle, 10, colour="#555555", gap=0.25)
    writer.text(heading, 13, bold=True, gap=0.08)
    right = _MARGIN + _WIDTH
    for level, text, page in entries:
        size = 10.5 if level == 0 else 9
        indent = _MARGIN + (0 if level == 0 else 0.3)
        line_h = size * 1.55 / 72
        if writer.y - line_h < _BOTTOM:
            writer.new_page()
        number = str(page)
        room = right - indent - _text_width(number, size) - 0.15
        label = _wrap(text, room, size, bold=level == 0)[0]
        writer._put(indent, writer.y, label, size, bold=level == 0)
        start = indent + _text_width(label, size, bold=level == 0) + 0.05
        dots = max(
            int((right - _text_width(number, size) - 0.05 - start) / _text_width(".", size)), 0
        )
        writer._put(start, writer.y, "." * dots, size, colour="#999999")
        writer._put(right, writer.y, number, size, bold=level == 0, right=True)
        writer.y -= line_h + (0.04 if level == 0 else 0)
    return writer.pages


_AREA_RAMP = ("#00441b", "#1b7837", "#4dac26", "#a6d96a", "#d9f0a3")
"""One green ramp for service areas: the darker, the nearer the place."""


def service_area_figures(
    areas: gpd.GeoDataFrame,
    *,
    title: str,
    names: dict[str, str],
    lang: str,
    context: gpd.GeoDataFrame | None = None,
    places: dict[str, Any] | None = None,
    legend_title: str = "",
    caption: str = "",
    place_word: str = "",
    per_page: int = 12,
) -> list[Any]:
    """Service areas as small maps, one per place, same scale and extent: a readable page.

    Each place's areas are nested (5 min inside 10 min inside 15 min), so one
    map per place in one colour ramp shows them without overlap; drawn over
    one another, a dozen places would hide each other. The legend runs from
    the shortest time to the longest.
    """
    from matplotlib.patches import Patch

    frame = areas[~(shapely.is_missing(areas.geometry.array) | areas.geometry.is_empty)]
    minutes = pd.to_numeric(frame["threshold_min"], errors="coerce").to_numpy(np.float64)
    levels = sorted({float(m) for m in minutes if np.isfinite(m)})
    colours = resample(_AREA_RAMP[:4], len(levels)) if len(levels) > 1 else [_AREA_RAMP[1]]
    ids = sorted({str(p) for p in frame["place_id"]}, key=lambda p: str(names.get(p) or p).lower())
    x0, y0, x1, y1 = frame.total_bounds
    pad = max(x1 - x0, y1 - y0) * 0.03 + 1
    bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    context_geoms = (
        np.asarray(context.clip_by_rect(*bounds).geometry.array, dtype=object)
        if context is not None and len(context)
        else None
    )
    place_ids = frame["place_id"].astype(str).to_numpy()
    geoms = np.asarray(frame.geometry.array, dtype=object)
    pages = []
    ncol = 3
    for start in range(0, len(ids), per_page):
        chunk = ids[start : start + per_page]
        fig = new_figure()
        fig.suptitle(title, x=0.06, ha="left", fontsize=15, fontweight="bold", y=0.975)
        nrow = max(math.ceil(len(chunk) / ncol), 1)
        cell_w, cell_h = 0.92 / ncol, min(0.8 / nrow, 0.26)
        for k, place in enumerate(chunk):
            r, c = divmod(k, ncol)
            ax = fig.add_axes(
                (0.04 + c * cell_w, 0.93 - (r + 1) * cell_h, cell_w - 0.01, cell_h - 0.03)
            )
            ax.set_aspect("equal")
            ax.set_axis_off()
            ax.set_xlim(bounds[0], bounds[2])
            ax.set_ylim(bounds[1], bounds[3])
            if context_geoms is not None:
                draw(ax, context_geoms, _CONTEXT, 0.12, kind="line", zorder=1)
            for level, colour in reversed(list(zip(levels, colours, strict=True))):
                mask = (place_ids == place) & (minutes == level)
                draw(
                    ax,
                    geoms[mask],
                    colour,
                    0.3,
                    kind="fill",
                    zorder=2 + 1 / (1 + level),
                    fill_alpha=0.8,
                )
            shape = (places or {}).get(place)
            if shape is not None and not shapely.is_empty(shape):
                kind = "fill" if shape.geom_type in ("Polygon", "MultiPolygon") else "marker"
                draw(
                    ax,
                    np.array([shape], dtype=object),
                    "#111111",
                    1.6,
                    kind=kind,
                    zorder=6,
                    fill_alpha=1.0,
                )
            ax.set_title(
                names.get(place, place), fontsize=8.5, fontweight="bold", loc="left", pad=2
            )
            if k == 0:
                scale_bar(ax, bounds, lang, fontsize=6.5)
        handles = [
            Patch(facecolor=colour, edgecolor=colour, label=f"{format_number(level, lang)} min")
            for level, colour in zip(levels, colours, strict=True)
        ]
        if places:
            handles.append(Patch(facecolor="#111111", edgecolor="#111111", label=place_word))
        fig.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.05, 0.035),
            ncol=len(handles),
            fontsize=8,
            title=legend_title,
            title_fontsize=8,
            frameon=False,
            alignment="left",
        )
        if caption:
            fig.text(0.06, 0.012, caption, fontsize=7, color="#555555")
        pages.append(fig)
    return pages

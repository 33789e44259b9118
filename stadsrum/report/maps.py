"""Maps and charts of result layers with matplotlib: no pyplot, no web tiles.

Every map draws a layer with the same measure, classes and colours as its
QGIS style (:func:`stadsrum.io.styles.layer_style`), over the street network
in light grey, with a legend and a scale bar.
"""

from __future__ import annotations

import io
import math
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

__all__ = ["A4", "draw_layer", "histogram_figure", "map_figure", "png_bytes", "text_figure"]

A4 = (8.27, 11.69)
"""A4 portrait in inches: every figure is one report page."""

_MM_TO_PT = 72 / 25.4
_CONTEXT = "#c8c8c8"


def _new_figure(size: tuple[float, float] = A4) -> Any:
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


def _draw(
    ax: Any,
    geoms: np.ndarray,
    colour: str,
    size_mm: float,
    *,
    kind: str,
    zorder: float,
    dashed: bool = False,
    alpha: float = 1.0,
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
                alpha=0.3 * alpha,
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


def _resample(ramp: Sequence[str], n: int) -> list[str]:
    if n <= 1:
        return [ramp[-1]]
    return [ramp[round(i * (len(ramp) - 1) / (n - 1))] for i in range(n)]


def _fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


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
) -> list[tuple[str, str, float, str]]:
    """Draw ``frame`` in ``style``; returns legend entries ``(label, colour, size, kind)``."""
    words = words or {}
    geoms = np.asarray(frame.geometry.array, dtype=object)
    kind = _kind(geoms)
    legend: list[tuple[str, str, float, str]] = []
    column = style.column
    if style.kind == "single" or column is None or column not in frame.columns:
        _draw(ax, geoms, style.ramp[0], style.size_mm, kind=kind, zorder=zorder)
        return legend
    if style.kind == "categorized":
        values = frame[column].astype(str).to_numpy()
        cats = sorted(set(values) - {"nan", "None"})
        palette = (
            _resample(style.ramp, len(cats))
            if style.ramp
            else ["#1f78b4", "#e31a1c", "#33a02c", "#6a3d9a", "#ff7f00", "#b15928"]
        )
        order = list(reversed(cats)) if style.descending else cats
        for i, cat in enumerate(order):
            colour = palette[cats.index(cat) % len(palette)]
            _draw(
                ax, geoms[values == cat], colour, style.size_mm, kind=kind, zorder=zorder + i * 0.01
            )
        for i, cat in enumerate(cats):
            legend.append(
                (f"{cat} {style.unit}".strip(), palette[i % len(palette)], style.size_mm, kind)
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
                    _draw(
                        ax, geoms[mask], colour, size, kind=kind, zorder=zorder + 2, dashed=dashed
                    )
                    legend.append((words.get(name, name), colour, size, kind))
                    extra |= mask
        limits, tol = diverging_breaks(values[~extra])
        n_side = (len(limits) - 2) // 2
        ramp = DIVERGING if style.higher_is_better else tuple(reversed(DIVERGING))
        neg = _resample(ramp[:4], n_side) if n_side > 1 else [ramp[1]]
        pos = _resample(ramp[5:], n_side) if n_side > 1 else [ramp[7]]
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
                label = f"{_signed(lo, digits)} – {_signed(hi, digits)}{style.unit}"
            classes.append((mask & ~extra, colour, size, label))
        for mask, colour, size, _label in sorted(classes, key=lambda c: c[2]):
            _draw(ax, geoms[mask], colour, size, kind=kind, zorder=zorder + size / 100)
        legend.extend((label, colour, size, kind) for _m, colour, size, label in classes)
        return legend
    breaks = class_breaks(values, 7, style.method)
    n = len(breaks) - 1
    colours = _resample(style.ramp, n)
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
        _draw(ax, geoms[mask], colours[i], sizes[i], kind=kind, zorder=zorder + rank * 0.01)
    unit = f" {style.unit}" if style.unit else ""
    for i in range(n):
        legend.append(
            (
                f"{_fmt(breaks[i], digits)} – {_fmt(breaks[i + 1], digits)}{unit}",
                colours[i],
                sizes[i],
                kind,
            )
        )
    return legend


def _signed(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    return f"{value:+,.{digits}f}".replace(",", " ").replace("-", "−")


def _scale_bar(ax: Any, bounds: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = bounds
    width = x1 - x0
    target = width / 5
    nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000]
    length = max([n for n in nice if n <= target] or [nice[0]])
    bx, by = x0 + width * 0.04, y0 + (y1 - y0) * 0.03
    ax.plot(
        [bx, bx + length], [by, by], color="black", linewidth=2.5, solid_capstyle="butt", zorder=50
    )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ax.text(
        bx + length / 2,
        by + (y1 - y0) * 0.012,
        label,
        ha="center",
        va="bottom",
        fontsize=8,
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
) -> Any:
    """An A4 page: a map of ``layers`` (the last is the one with the legend) over ``context``."""
    from matplotlib.lines import Line2D

    fig = _new_figure()
    fig.suptitle(title, x=0.06, ha="left", fontsize=15, fontweight="bold", y=0.975)
    ax = fig.add_axes((0.04, 0.17, 0.92, 0.77))
    ax.set_aspect("equal")
    ax.set_axis_off()
    frames = [f for f, _ in layers if len(f)]
    all_bounds = np.array([f.total_bounds for f in frames]) if frames else None
    if context is not None and len(context):
        _draw(
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
            legend = draw_layer(ax, frame, style, zorder=2 + z * 3, words=words)
    if labels is not None:
        frame, column = labels
        if column in frame.columns and 0 < len(frame) <= 60:
            points = shapely.point_on_surface(np.asarray(frame.geometry.array, dtype=object))
            for pt, text in zip(points, frame[column].astype(str), strict=True):
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
        _scale_bar(ax, bounds)
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


def histogram_figure(
    title: str,
    series: Sequence[tuple[str, np.ndarray, str]],
    *,
    ylabel: str = "",
    centre_zero: bool = False,
) -> Any:
    """An A4 page of histograms: ``(column, values, colour)`` each, stacked."""
    fig = _new_figure()
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
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig


def text_figure(
    heading: str,
    paragraphs: Sequence[str],
    *,
    rows: Sequence[tuple[str, str]] = (),
    rows_title: str = "",
    table: pd.DataFrame | None = None,
    table_title: str = "",
    subheading: str = "",
) -> Any:
    """An A4 page with a heading, wrapped paragraphs, key–value rows and a table."""
    import textwrap

    fig = _new_figure()
    y = 0.955
    fig.text(0.07, y, heading, fontsize=16, fontweight="bold", va="top")
    y -= 0.035
    if subheading:
        fig.text(0.07, y, subheading, fontsize=10, color="#555555", va="top")
        y -= 0.03
    for para in paragraphs:
        lines = textwrap.wrap(para, 95) or [""]
        fig.text(0.07, y, "\n".join(lines), fontsize=9.5, va="top", linespacing=1.45)
        y -= 0.0165 * len(lines) + 0.02
    if rows:
        if rows_title:
            fig.text(0.07, y, rows_title, fontsize=11, fontweight="bold", va="top")
            y -= 0.025
        for key, value in rows:
            text = textwrap.shorten(str(value), 90, placeholder=" …")
            fig.text(0.07, y, key, fontsize=7.5, va="top", color="#333333")
            fig.text(0.33, y, text, fontsize=7.5, va="top", family="monospace")
            y -= 0.0145
            if y < 0.05:
                break
        y -= 0.015
    if table is not None and len(table) and y > 0.15:
        if table_title:
            fig.text(0.07, y, table_title, fontsize=11, fontweight="bold", va="top")
            y -= 0.02
        ax = fig.add_axes((0.07, 0.04, 0.86, max(y - 0.05, 0.05)))
        ax.set_axis_off()
        cells = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
        tab = ax.table(
            cellText=cells,
            colLabels=[str(c) for c in table.columns],
            loc="upper left",
            cellLoc="left",
            colLoc="left",
        )
        tab.auto_set_font_size(False)
        tab.set_fontsize(6.5 if len(table.columns) > 6 else 7.5)
        tab.scale(1.0, 1.25)
        for (r, _c), cell in tab.get_celld().items():
            cell.set_edgecolor("#dddddd")
            if r == 0:
                cell.set_facecolor("#eeeeee")
                cell.set_text_props(fontweight="bold")
    return fig


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float | np.floating):
        return f"{value:,.1f}".replace(",", " ")
    return str(value)

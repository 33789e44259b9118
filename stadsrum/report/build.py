"""Build the report: read result GeoPackages, make sections of maps, tables and text.

The HTML is one self-contained file (PNG maps embedded as base64); the PDF has
the same content as A4 pages, drawn by matplotlib (no system libraries).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from stadsrum.errors import InputError, InputFileError
from stadsrum.io.styles import (
    GAIN,
    LOSS,
    RAMP,
    REACH,
    TIME,
    LayerStyle,
    layer_style,
    style_column,
)
from stadsrum.io.writers import atomic_path
from stadsrum.report import maps
from stadsrum.report.labels import (
    NameBook,
    barrier_label,
    category_label,
    column_label,
    format_number,
    format_value,
    parameter_label,
)
from stadsrum.report.texts import CAPTIONS, LANGUAGES, section_text, word

__all__ = [
    "Block",
    "ReportResult",
    "Section",
    "collect_sources",
    "display_table",
    "name_book",
    "read_sections",
    "write_report",
]

log = logging.getLogger(__name__)

#: Order of the sections in the report, by the command that wrote the file.
ORDER = ("network", "segments", "distances", "accessibility", "areas", "barriers", "compare")


@dataclass
class Block:
    """One piece of a section: a figure (an A4 page) or a table of display strings."""

    title: str
    figure: Any = None
    table: pd.DataFrame | None = None
    caption: str = ""
    #: a short table the PDF prints on the section's first page, above the parameters
    intro: bool = False


@dataclass
class Section:
    """The results of one GeoPackage, with their explanation."""

    command: str
    heading: str
    text: str
    source: Path
    metadata: dict[str, str]
    parameters: dict[str, Any]
    layers: list[str]
    blocks: list[Block] = field(default_factory=list)


@dataclass
class ReportResult:
    """Where the report was written, its sections, and the PDF's contents (level, text, page)."""

    html: Path
    pdf: Path
    sections: list[Section]
    contents: list[tuple[int, str, int]] = field(default_factory=list)


def collect_sources(sources: str | Path | Iterable[str | Path]) -> list[Path]:
    """GeoPackages from files and folders (a folder gives every ``*.gpkg`` in it)."""
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.gpkg") if not p.name.startswith(".")))
        elif path.is_file():
            if path.suffix.lower() != ".gpkg":
                raise InputError(f"report: '{path}' is not a GeoPackage (.gpkg)")
            found.append(path)
        else:
            raise InputFileError(f"report: '{path}' does not exist")
    if not found:
        raise InputError(
            "report: no GeoPackage found; give result files (.gpkg) or a folder holding them"
        )
    return list(dict.fromkeys(found))


def _metadata(path: Path) -> dict[str, str]:
    import pyogrio

    try:
        names = {str(n) for n in pyogrio.list_layers(path)[:, 0]}
    except Exception as exc:  # pyogrio's DataSourceError: cut short, overwritten, not SQLite
        raise InputFileError(
            f"report: '{path}' is damaged or not a GeoPackage (GDAL could not open it: "
            f"{str(exc).split(';')[-1].strip()}); run the analysis again to write it anew"
        ) from exc
    if "run_metadata" not in names:
        return {}
    table = pyogrio.read_dataframe(path, layer="run_metadata")
    return {str(k): str(v) for k, v in zip(table["key"], table["value"], strict=True)}


def _layer_names(path: Path) -> list[str]:
    import pyogrio

    skip = {"run_metadata", "layer_styles"}
    return [str(n) for n in pyogrio.list_layers(path)[:, 0] if str(n) not in skip]


class _Reader:
    """Reads layers of one GeoPackage once."""

    def __init__(self, path: Path, names: Sequence[str]) -> None:
        self.path = path
        self.names = list(names)
        self._cache: dict[str, Any] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __call__(self, name: str) -> Any:
        import pyogrio

        if name not in self._cache:
            self._cache[name] = pyogrio.read_dataframe(self.path, layer=name)
        return self._cache[name]


def read_sections(
    sources: Sequence[Path], lang: str
) -> tuple[list[Section], gpd.GeoDataFrame | None]:
    """A section per GeoPackage (in the order of a study), and the street network for context."""
    sections: list[Section] = []
    context = None
    for path in sources:
        meta = _metadata(path)
        command = meta.get("command", "other")
        if command not in ORDER:
            command = "other"
        try:
            params = json.loads(meta.get("parameters", "{}"))
        except ValueError:
            params = {}
        heading, text = section_text(command, lang)
        sections.append(
            Section(
                command=command,
                heading=heading,
                text=text,
                source=path,
                metadata=meta,
                parameters=params if isinstance(params, dict) else {},
                layers=_layer_names(path),
            )
        )
    sections.sort(key=lambda s: ORDER.index(s.command) if s.command in ORDER else 99)
    for wanted in ("network", "segments", "accessibility", "copresence"):
        for s in sections:
            if wanted in s.layers and context is None:
                import pyogrio

                context = pyogrio.read_dataframe(s.source, layer=wanted, columns=[])
    return sections, context


def _words(lang: str) -> dict[str, str]:
    return {k: word(k, lang) for k in ("no_change", "new_link", "removed")} | {
        "new": word("new_link", lang)
    }


def _input_layer(spec: str) -> tuple[Path, str | None]:
    """``path|layername=NAME`` as run metadata records an input."""
    path, _, rest = spec.partition("|")
    layer = rest.split("=", 1)[1] if rest.startswith("layername=") else None
    return Path(path), layer


def _read_input(section: Section, kind: str, columns: Sequence[str] | None = None) -> Any:
    """The input layer ``kind`` (``places``, ``nodes``) of a run, if it is still where it was."""
    import pyogrio

    spec = section.metadata.get(f"input:{kind}")
    if not spec:
        return None
    path, layer = _input_layer(spec)
    if not path.is_file():
        return None
    try:
        fields = set(pyogrio.read_info(path, layer=layer)["fields"])
        wanted = [c for c in (columns or []) if c in fields] if columns is not None else None
        return pyogrio.read_dataframe(
            path, layer=layer, columns=wanted, read_geometry=columns is None
        )
    except Exception:  # an input moved or changed since the run: names from the results only
        log.debug("report: cannot read %s", spec, exc_info=True)
        return None


def name_book(sections: Sequence[Section], lang: str) -> NameBook:
    """Names of places and nodes from the results (``place_name_sv``, …) and the run's inputs."""
    import pyogrio

    book = NameBook(lang)
    order = ("name_en", "name", "name_sv")
    for s in sections:
        for layer in ("od", "od_diff"):
            if layer not in s.layers:
                continue
            fields = set(pyogrio.read_info(s.source, layer=layer)["fields"])
            for kind, prefix in (("places", "place"), ("nodes", "node")):
                names = [f"{prefix}_{n}" for n in order if f"{prefix}_{n}" in fields]
                if f"{prefix}_id" not in fields or not names:
                    continue
                table = pyogrio.read_dataframe(
                    s.source, layer=layer, columns=[f"{prefix}_id", *names], read_geometry=False
                )
                book.add(
                    kind,
                    table[f"{prefix}_id"],
                    {c[len(prefix) + 1 :]: table[c] for c in names},
                )
    for s in sections:
        for kind, key in (("places", "place_id"), ("nodes", "node_id")):
            id_column = str(s.parameters.get(key) or key)
            table = _read_input(s, kind, [id_column, *order])
            if table is not None and id_column in table.columns:
                book.add(kind, table[id_column], {c: table[c] for c in order if c in table})
    return book


def _place_shapes(section: Section, crs: Any) -> dict[str, Any]:
    """Place geometries from the run's input, in ``crs``; empty when the input is gone."""
    frame = _read_input(section, "places")
    id_column = str(section.parameters.get("place_id") or "place_id")
    if frame is None or id_column not in frame.columns or frame.crs is None or crs is None:
        return {}
    frame = frame.to_crs(crs)
    return {str(k): g for k, g in zip(frame[id_column], frame.geometry, strict=True)}


def _digits(values: pd.Series) -> int:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    numbers = numbers[np.isfinite(numbers)]
    return 0 if len(numbers) == 0 or bool(np.all(numbers == np.round(numbers))) else 1


def display_table(
    frame: pd.DataFrame, lang: str, names: NameBook, *, digits: dict[str, int] | None = None
) -> pd.DataFrame:
    """A result table as the reader sees it: labelled headers, names, words and numbers as text.

    Ids become names, categories words, and each numeric column gets one
    number of decimals (none where every value is whole).
    """
    digits = digits or {}
    out: dict[str, list[str]] = {}
    for column in frame.columns:
        values = frame[column]
        if column == "geometry":
            continue
        if column == "place_id":
            cells = [names.place(v) for v in values]
        elif column == "node_id":
            cells = [names.node(v) for v in values]
        elif column in ("node_category", "category"):
            cells = [category_label(v, lang, capital=True) for v in values]
        elif column == "barrier_id":
            cells = [barrier_label(v, lang) for v in values]
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            d = digits.get(column, _digits(values))
            cells = [format_value(float(v), lang, d) for v in values]
        else:
            cells = [format_value(v, lang) for v in values]
        out[column_label(str(column), lang)] = cells
    return pd.DataFrame(out)


def _map(
    section: Section,
    read: _Reader,
    layer: str,
    lang: str,
    context: gpd.GeoDataFrame | None,
    *,
    style: LayerStyle | None = None,
    extra: Sequence[tuple[Any, LayerStyle]] = (),
    caption_key: str | None = None,
    label: Any = None,
    subset: Any = None,
) -> None:
    if layer not in read:
        return
    frame = read(layer)
    if subset is not None:
        frame = subset(frame)
    style = style or layer_style(layer, frame)
    if style is None:
        return
    key = caption_key or layer
    title = CAPTIONS.get(key, {}).get(lang, column_label(layer, lang))
    crs = frame.crs.to_string() if getattr(frame, "crs", None) is not None else "?"
    legend_title = column_label(style.column, lang) if style.column else title
    labels = None
    if label is not None:
        frame = frame.assign(report_label=label(frame))
        labels = (frame, "report_label")
    fig = maps.map_figure(
        title,
        [*extra, (frame, style)],
        context=context,
        legend_title=legend_title,
        caption=word("generated", lang, crs=crs) + f" {section.source.name}",
        words=_words(lang),
        labels=labels,
        lang=lang,
    )
    section.blocks.append(Block(title=title, figure=fig, caption=legend_title))


def _service_areas(
    section: Section,
    read: _Reader,
    lang: str,
    context: gpd.GeoDataFrame | None,
    names: NameBook,
) -> None:
    if "service_areas" not in read:
        return
    areas = read("service_areas")
    if "radius" in areas.columns:  # areas within radii (--service-radii): not a walking time
        areas = areas[areas["radius"].isna()]
    if not len(areas) or not {"place_id", "threshold_min"} <= set(areas.columns):
        return
    title = CAPTIONS["service_areas"][lang]
    crs = areas.crs.to_string() if areas.crs is not None else "?"
    ids = {str(p) for p in areas["place_id"]}
    figures = maps.service_area_figures(
        areas,
        title=title,
        names={p: names.place(p) for p in ids},
        lang=lang,
        context=context,
        places=_place_shapes(section, areas.crs),
        legend_title=word("walk_time", lang),
        caption=word("generated", lang, crs=crs) + f" {section.source.name}",
        place_word=word("the_place", lang),
    )
    for i, fig in enumerate(figures, 1):
        page = f" ({i}/{len(figures)})" if len(figures) > 1 else ""
        section.blocks.append(
            Block(title=title + page, figure=fig, caption=word("service_area_note", lang))
        )


def _histograms(
    section: Section, lang: str, series: list[tuple[str, Any, str]], *, centre_zero: bool = False
) -> None:
    series = [
        (column_label(n, lang), np.asarray(v, dtype=np.float64), c)
        for n, v, c in series
        if v is not None
    ]
    if not series:
        return
    title = f"{word('histogram', lang)}: {section.heading.lower()}"
    fig = maps.histogram_figure(
        title, series, ylabel=word("count", lang), centre_zero=centre_zero, lang=lang
    )
    section.blocks.append(Block(title=title, figure=fig))


def _num(frame: pd.DataFrame, column: str | None) -> Any:
    if column is None or column not in frame.columns:
        return None
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)


def _od_table(od: pd.DataFrame, lang: str, names: NameBook) -> pd.DataFrame | None:
    """Per place and node category: walking minutes to the nearest node, and its name."""
    if not {"place_id", "node_id", "walk_min"} <= set(od.columns):
        return None
    ok = od[pd.to_numeric(od["walk_min"], errors="coerce").notna()].copy()
    ok["walk_min"] = pd.to_numeric(ok["walk_min"])
    if "node_category" not in ok.columns:
        ok["node_category"] = "all"
    best = ok.sort_values("walk_min").groupby(["place_id", "node_category"], sort=True).head(1)
    best = best.assign(
        cell=[
            f"{format_number(m, lang, 1)} ({names.node(n)})"
            for m, n in zip(best["walk_min"], best["node_id"], strict=True)
        ],
        place=[names.place(p) for p in best["place_id"]],
        category=[category_label(c, lang, capital=True) for c in best["node_category"]],
    )
    table = best.pivot(index="place", columns="category", values="cell").fillna("–")
    table = table.sort_index(key=lambda i: i.str.lower()).reset_index()
    table = table.rename(columns={"place": word("place", lang)})
    table.columns.name = None
    return table


def _place_summary(frame: pd.DataFrame, lang: str, names: NameBook) -> pd.DataFrame:
    cols = ["place_id"] + [c for c in frame.columns if c.startswith("nodes_within_")]
    cols += [c for c in ("mean_walk_min", "rank") if c in frame.columns]
    out = pd.DataFrame(frame[cols])
    if "rank" in out.columns:
        out = out.sort_values("rank")
    return display_table(out, lang, names)


#: The most plausibility warnings listed in the report; the layer holds them all.
MAX_WARNINGS = 40


#: A compare result's warning rows: (English, Swedish) for when the route is doubtful.
_WHEN = {
    "od_diff (before)": ("before", "före"),
    "od_diff (after)": ("after", "efter"),
    "od_diff (before and after)": ("before and after", "före och efter"),
}


def _warnings_block(frame: pd.DataFrame, lang: str, names: NameBook) -> Block | None:
    """The ``warnings`` layer (plausibility checks) as a table at the head of its section."""
    if not len(frame) or "kind" not in frame.columns:
        return None
    frame = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")

    def where(row: pd.Series) -> str:
        place, node = row.get("place_id"), row.get("node_id")
        if pd.notna(place) and pd.notna(node):
            pair = f"{names.place(place)} → {names.node(node)}"
            when = _WHEN.get(str(row.get("layer", "")))  # compare: before, after or both
            return f"{pair} ({when[lang == 'sv']})" if when else pair
        feature = row.get("feature_id")
        layer = str(row.get("layer", ""))
        if layer in ("places", "nodes", "attractions") and pd.notna(feature):
            return names.place(feature) if layer == "places" else names.node(feature)
        return format_value(feature, lang)

    def what(row: pd.Series) -> str:
        value = pd.to_numeric(pd.Series([row.get("value")]), errors="coerce").iloc[0]
        limit = pd.to_numeric(pd.Series([row.get("limit")]), errors="coerce").iloc[0]
        v2, l2 = format_number(value, lang, 2), format_number(limit, lang, 2)
        v0, l0 = format_number(value, lang, 0), format_number(limit, lang, 0)
        if v0 == l0:  # 63.3 m against a limit of 62.6 m must not read "63 m, over 63 m"
            v0, l0 = format_number(value, lang, 1), format_number(limit, lang, 1)
        sv = lang == "sv"
        kind = str(row.get("kind"))
        if kind == "detour":
            return (
                f"omvägskvot {v2}, rimlig upp till {l2}"
                if sv
                else f"detour ratio {v2}, plausible up to {l2}"
            )
        if kind == "long_link":
            return (
                f"{v0} m ut till gatan, flaggas över {l0} m"
                if sv
                else f"{v0} m out to the street, flagged above {l0} m"
            )
        if kind in ("tunnel_link", "bridge_link"):
            return f"gatan ligger på nivå {v0}" if sv else f"the street is at level {v0}"
        return f"{v2} ({l2})"

    shown = frame.head(MAX_WARNINGS)
    table = pd.DataFrame(
        {
            word("warning", lang): [category_label(k, lang, capital=True) for k in shown["kind"]],
            word("where", lang): [where(r) for _i, r in shown.iterrows()],
            word("message", lang): [what(r) for _i, r in shown.iterrows()],
        }
    )
    title = f"{word('warnings', lang)} ({format_value(len(frame), lang)})"
    if len(frame) > len(shown):
        title += ": " + word("warnings_shown", lang, shown=len(shown), total=len(frame))
    return Block(title=title, table=table, intro=True)


def _fill_section(
    section: Section, lang: str, context: gpd.GeoDataFrame | None, names: NameBook
) -> None:
    read = _Reader(section.source, section.layers)
    command = section.command
    if "warnings" in read:
        block = _warnings_block(read("warnings"), lang, names)
        if block is not None:
            section.blocks.append(block)

    def table(title: str, frame: pd.DataFrame | None) -> None:
        if frame is not None and len(frame):
            section.blocks.append(Block(title=title, table=frame))

    if command == "network":
        extra = []
        if "network" in read:
            extra.append(
                (read("network"), LayerStyle(None, kind="single", ramp=("#5a5a5a",), size_mm=0.3))
            )
        if "diagnostics" in read:
            _map(
                section,
                read,
                "diagnostics",
                lang,
                None,
                extra=extra,
                caption_key="network",
                style=LayerStyle("issue", kind="categorized", ramp=("#e31a1c",), size_mm=1.6),
            )
    elif command == "segments" and "segments" in read:
        seg = read("segments")
        _map(section, read, "segments", lang, None)
        choice = style_column(seg.columns, "choice")
        if choice:
            _map(
                section,
                read,
                "segments",
                lang,
                None,
                caption_key="segments_choice",
                style=LayerStyle(choice, ramp=RAMP, size_mm=0.25, max_size_mm=1.4),
            )
        integ = style_column(seg.columns)
        _histograms(
            section,
            lang,
            [(c, _num(seg, c), col) for c, col in ((integ, RAMP[-1]), (choice, RAMP[0])) if c],
        )
    elif command == "distances":
        _map(section, read, "od", lang, context)
        _service_areas(section, read, lang, context, names)
        if "od" in read:
            table(word("od_table", lang), _od_table(read("od"), lang, names))
        if "place_summary" in read:
            table(word("place_summary", lang), _place_summary(read("place_summary"), lang, names))
        if "od" in read:
            od = read("od")
            _histograms(
                section,
                lang,
                [(c, _num(od, c), TIME[-2]) for c in ("walk_min", "detour_ratio") if c in od],
            )
    elif command == "accessibility" and "accessibility" in read:
        acc = read("accessibility")
        _map(section, read, "accessibility", lang, None)
        style = layer_style("accessibility", acc)
        _histograms(
            section,
            lang,
            [
                (c, _num(acc, c), colour)
                for c, colour in (
                    ("nearest_m", TIME[1]),
                    (style.column if style else None, REACH[3]),
                )
                if c and c in acc
            ],
        )
    elif command == "barriers":
        extra = []
        if "barriers" in read:
            extra.append(
                (read("barriers"), LayerStyle(None, kind="single", ramp=("#7a7a7a",), size_mm=0.6))
            )
        _map(section, read, "barrier_stretches", lang, context, extra=extra)
        if "candidate_links" in read:
            _map(
                section,
                read,
                "candidate_links",
                lang,
                context,
                extra=extra,
                subset=lambda f: (
                    f[pd.to_numeric(f["rank"], errors="coerce") <= 25] if "rank" in f else f
                ),
            )
            links = read("candidate_links")
            if "rank" in links:
                cols = [
                    c
                    for c in ("rank", "gain_m", "length_m", "barrier_id", "pairs_improved")
                    if c in links
                ]
                top = pd.DataFrame(links.sort_values("rank")[cols].head(10))
                table(word("top_links", lang), display_table(top, lang, names))
        _map(section, read, "detour", lang, context)
        if "scenario" in read:
            _map(section, read, "scenario", lang, context)
        if "scenario_places" in read:
            sp = pd.DataFrame(read("scenario_places")).drop(columns="geometry", errors="ignore")
            table(word("proposal_places", lang), display_table(sp, lang, names))
        if "candidate_links" in read:
            links = read("candidate_links")
            _histograms(
                section,
                lang,
                [
                    (c, _num(links, c), LOSS[4] if c != "gain_m" else GAIN[4])
                    for c in ("gain_m", "length_m")
                    if c in links
                ],
            )
    elif command == "areas":
        from stadsrum.report.areas import fill_areas

        fill_areas(
            section,
            read,
            section.layers,
            lang,
            context,
            lambda layer, **kw: _map(section, read, layer, lang, context, **kw),
        )
    elif command == "compare":
        table(word("summary", lang), _compare_summary(section, lang))
        _map(section, read, "segments_diff", lang, context)
        _map(
            section,
            read,
            "places_diff",
            lang,
            context,
            label=lambda f: [names.place(p) for p in f["place_id"]],
        )
        _map(
            section,
            read,
            "od_diff",
            lang,
            context,
            subset=lambda f: (
                f[pd.to_numeric(f.get("walk_min_change"), errors="coerce").abs() > 1e-9]
                if "walk_min_change" in f
                else f
            ),
        )
        _map(section, read, "accessibility_diff", lang, context)
        if "places_diff" in read:
            pdiff = pd.DataFrame(read("places_diff")).drop(columns="geometry", errors="ignore")
            keep = ["place_id", "mean_walk_min_before", "mean_walk_min_after"]
            keep += ["mean_walk_min_change", "pairs_shorter", "largest_saving_min"]
            keep += [c for c in pdiff.columns if c.startswith("nodes_within_") and "change" in c]
            pdiff = pdiff[[c for c in keep if c in pdiff.columns]]
            table(word("proposal_places", lang), display_table(pdiff, lang, names))
        series = []
        if "segments_diff" in read:
            seg = read("segments_diff")
            style = layer_style("segments_diff", seg)
            if style is not None and style.column:
                series.append((style.column, _num(seg, style.column), "#4393c3"))
        if "od_diff" in read:
            series.append(("walk_min_change", _num(read("od_diff"), "walk_min_change"), "#4393c3"))
        _histograms(section, lang, series, centre_zero=True)
    else:
        for layer in section.layers:
            frame = read(layer)
            if isinstance(frame, gpd.GeoDataFrame):
                _map(section, read, layer, lang, context)


def _compare_summary(section: Section, lang: str) -> pd.DataFrame | None:
    try:
        summary = json.loads(section.metadata.get("summary", "{}"))
    except ValueError:
        return None
    rows = []
    for key, label in (
        ("links_added", "links_added"),
        ("segments_removed", "segments_removed"),
        ("od_pairs_shorter", "pairs_shorter"),
        ("od_largest_saving_min", "largest_saving"),
    ):
        if key in summary and summary[key] is not None:
            value = format_value(summary[key], lang)
            if key == "od_pairs_shorter" and "od_pairs" in summary:
                value = f"{value} {word('of', lang)} {format_value(summary['od_pairs'], lang)}"
            rows.append((word(label, lang), value))
    if not rows:
        return None
    return pd.DataFrame(rows, columns=[word("key", lang), word("value", lang)])


def _parameter_rows(section: Section, lang: str) -> list[tuple[str, str]]:
    """Run parameters and inputs: a label in words, the value as the run recorded it."""
    rows = [
        (parameter_label(k, lang), format_value(v, lang)) for k, v in section.parameters.items()
    ]
    for key in ("stadsrum_version", "created_utc"):
        if key in section.metadata:
            rows.append((parameter_label(key, lang), section.metadata[key]))
    for key, value in section.metadata.items():
        if key.startswith("input:"):
            rows.append((parameter_label(key, lang), value))
    return rows


_CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; max-width: 1120px; margin: 2em auto;
       color: #222; line-height: 1.5; padding: 0 1em; }
p, nav, figure, details { max-width: 860px; }
h1 { font-size: 2em; margin-bottom: 0.1em; }
h2 { border-bottom: 2px solid #2166ac; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
.subtitle { color: #555; margin-top: 0; }
figure { margin: 1em 0; }
figure img { width: 100%; max-width: 760px; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.4em; text-align: left; vertical-align: top;
         overflow-wrap: break-word; hyphens: auto; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
details { margin: 1em 0; }
summary { cursor: pointer; font-weight: bold; }
td.mono { font-family: 'DejaVu Sans Mono', monospace; word-break: break-all; }
code { overflow-wrap: anywhere; }
footer { margin-top: 3em; font-size: 0.8em; color: #666; }
"""

_NUMERIC = re.compile(r"^[−+\-]?\d[\d\u202f,.]*$|^–$")


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    cells = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    numeric = [
        bool(cells) and all(_NUMERIC.match(r[j]) for r in cells) for j in range(len(frame.columns))
    ]
    body = []
    for row in cells:
        tds = "".join(
            f'<td class="num">{html.escape(v)}</td>' if numeric[j] else f"<td>{html.escape(v)}</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr>{tds}</tr>")
    # the wrapper scrolls a table too wide for any screen by itself, never the page
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _html(sections: list[Section], lang: str, title: str, subtitle: str, crs: str) -> str:
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style>\n</head>\n<body>",
        f"<header><h1>{html.escape(title)}</h1>",
        f'<p class="subtitle">{html.escape(subtitle)}</p></header>',
        f"<nav><h2>{word('contents', lang)}</h2><ol>",
    ]
    for i, s in enumerate(sections, 1):
        parts.append(f'<li><a href="#section-{i}">{html.escape(s.heading)}</a></li>')
    parts.append("</ol></nav>")
    for i, s in enumerate(sections, 1):
        parts.append(f'<section id="section-{i}"><h2>{html.escape(s.heading)}</h2>')
        layers = ", ".join(f"<code>{html.escape(n)}</code>" for n in s.layers)
        parts.append(
            f'<p class="file">{word("file", lang)}: <code>{html.escape(s.source.name)}</code> '
            f"({word('layers', lang).lower()}: {layers})</p>"
        )
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in s.text.split("\n\n"))
        parts.append(f"<h3>{word('how_to_read', lang)}</h3>{paragraphs}")
        for block in s.blocks:
            parts.append(f"<h3>{html.escape(block.title)}</h3>")
            if block.figure is not None:
                data = base64.b64encode(maps.png_bytes(block.figure)).decode("ascii")
                parts.append(
                    f'<figure><img alt="{html.escape(block.title)}" '
                    f'src="data:image/png;base64,{data}">'
                    f"<figcaption>{html.escape(block.caption)}</figcaption></figure>"
                )
            if block.table is not None:
                parts.append(_html_table(block.table))
        rows = _parameter_rows(s, lang)
        if rows:
            cells = "".join(
                f'<tr><td>{html.escape(k)}</td><td class="mono">{html.escape(v)}</td></tr>'
                for k, v in rows
            )
            parts.append(
                f"<details open><summary>{word('parameters', lang)}</summary>"
                f"<table><tbody>{cells}</tbody></table></details>"
            )
        parts.append("</section>")
    parts.append(
        "<footer>stadsrum — "
        + html.escape(word("generated", lang, crs=crs))
        + "</footer>\n</body>\n</html>\n"
    )
    return "\n".join(parts)


def _pdf(
    path: Path, sections: list[Section], lang: str, title: str, subtitle: str
) -> list[tuple[int, str, int]]:
    """Write the PDF; returns its contents ``(level, text, page)`` as printed on page 1."""
    from matplotlib.backends.backend_pdf import PdfPages

    more = word("continued", lang)
    pages: list[Any] = []
    entries: list[tuple[int, str, int]] = []
    for i, s in enumerate(sections, 1):
        entries.append((0, f"{i}. {s.heading}", len(pages)))
        params = pd.DataFrame(
            _parameter_rows(s, lang), columns=[word("parameter", lang), word("value", lang)]
        )
        layers = ", ".join(s.layers)
        intro = [b for b in s.blocks if b.intro and b.table is not None]
        for block in intro:
            entries.append((1, block.title, len(pages)))
        pages += maps.text_pages(
            s.heading,
            s.text.split("\n\n"),  # paragraphs: an areas section adds its reading
            subheading=f"{word('file', lang)}: {s.source.name} — {layers}",
            tables=[
                *((b.title, b.table, ()) for b in intro if b.table is not None),
                (word("parameters", lang), params, (False, True)),
            ],
            continued=more,
        )
        for block in s.blocks:
            if block.intro:
                continue
            entries.append((1, block.title, len(pages)))
            if block.figure is not None:
                pages.append(block.figure)
            if block.table is not None:
                pages += maps.text_pages(
                    s.heading, tables=[(block.title, block.table, ())], continued=more
                )
    # the contents come first, so their own length shifts every page number
    heading = word("contents", lang)
    n_contents = len(maps.contents_pages(title, subtitle, heading, entries))
    numbered = [(level, text, page + n_contents + 1) for level, text, page in entries]
    contents = maps.contents_pages(title, subtitle, heading, numbered)
    everything = contents + pages
    with PdfPages(path, metadata={"Title": title, "Creator": "stadsrum"}) as pdf:
        for n, fig in enumerate(everything, 1):
            # the page number goes on for the PDF only: the HTML shows the same figures
            mark = fig.text(0.94, 0.012, f"{n} / {len(everything)}", ha="right", fontsize=7)
            pdf.savefig(fig)
            mark.remove()
    return numbered


def write_report(
    sources: str | Path | Iterable[str | Path],
    out_dir: str | Path,
    *,
    lang: str = "sv",
    title: str | None = None,
    name: str = "report",
) -> ReportResult:
    """Write ``report.html`` (self-contained) and ``report.pdf`` about result GeoPackages.

    Parameters
    ----------
    sources
        Result GeoPackages written by stadsrum, or folders holding them.
    out_dir
        Folder for the report (created when the first file is written).
    lang
        ``"sv"`` (Swedish) or ``"en"`` (English).
    title
        The report's title (default: "Stadsrumsanalys" / "Urban space analysis").
    name
        File name stem.
    """
    if lang not in LANGUAGES:
        raise InputError(f"report: unknown language '{lang}'; choose sv or en")
    paths = collect_sources(sources)
    # the folder is made with the first file written: a report that fails leaves none
    out = Path(out_dir)
    sections, context = read_sections(paths, lang)
    names = name_book(sections, lang)
    for section in sections:
        log.info("report: %s (%s)", section.heading, section.source.name)
        _fill_section(section, lang, context, names)
    from stadsrum._version import __version__

    title = title or word("title", lang)
    subtitle = word("subtitle", lang, version=__version__, date=_dt.date.today().isoformat())
    html_path, pdf_path = out / f"{name}.html", out / f"{name}.pdf"
    crs = context.crs.to_string() if context is not None and context.crs is not None else "?"
    text = _html(sections, lang, title, subtitle, crs)
    with atomic_path(pdf_path, suffix=".pdf") as tmp:
        contents = _pdf(tmp, sections, lang, title, subtitle)
    with atomic_path(html_path, suffix=".html") as tmp:
        tmp.write_text(text, encoding="utf-8")
    return ReportResult(html=html_path, pdf=pdf_path, sections=sections, contents=contents)

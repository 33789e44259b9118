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
from stadsrum.report.texts import CAPTIONS, LANGUAGES, section_text, word

__all__ = ["Block", "ReportResult", "Section", "collect_sources", "read_sections", "write_report"]

log = logging.getLogger(__name__)

#: Order of the sections in the report, by the command that wrote the file.
ORDER = ("network", "segments", "distances", "accessibility", "barriers", "compare")


@dataclass
class Block:
    """One piece of a section: a figure (an A4 page) or a table."""

    title: str
    figure: Any = None
    table: pd.DataFrame | None = None
    caption: str = ""


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
    """Where the report was written, and its sections."""

    html: Path
    pdf: Path
    sections: list[Section]


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

    names = {str(n) for n in pyogrio.list_layers(path)[:, 0]}
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
    for wanted in ("network", "segments", "accessibility"):
        for s in sections:
            if wanted in s.layers and context is None:
                import pyogrio

                context = pyogrio.read_dataframe(s.source, layer=wanted, columns=[])
    return sections, context


def _words(lang: str) -> dict[str, str]:
    return {k: word(k, lang) for k in ("no_change", "new_link", "removed")} | {
        "new": word("new_link", lang)
    }


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
    label: str | None = None,
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
    title = CAPTIONS.get(key, {}).get(lang, layer)
    crs = frame.crs.to_string() if getattr(frame, "crs", None) is not None else "?"
    legend_title = f"{layer}: {style.column}" if style.column else layer
    fig = maps.map_figure(
        title,
        [*extra, (frame, style)],
        context=context,
        legend_title=legend_title,
        caption=word("generated", lang, crs=crs) + f" {section.source.name}",
        words=_words(lang),
        labels=(frame, label) if label else None,
    )
    section.blocks.append(Block(title=title, figure=fig, caption=legend_title))


def _histograms(
    section: Section, lang: str, series: list[tuple[str, Any, str]], *, centre_zero: bool = False
) -> None:
    series = [(n, np.asarray(v, dtype=np.float64), c) for n, v, c in series if v is not None]
    if not series:
        return
    title = f"{word('histogram', lang)}: {section.heading.lower()}"
    fig = maps.histogram_figure(title, series, ylabel=word("count", lang), centre_zero=centre_zero)
    section.blocks.append(Block(title=title, figure=fig))


def _num(frame: pd.DataFrame, column: str | None) -> Any:
    if column is None or column not in frame.columns:
        return None
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)


def _od_table(od: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    """Per place and node category: walking minutes to the nearest node (and its name)."""
    if not {"place_id", "node_id", "walk_min"} <= set(od.columns):
        return None
    category = "node_category" if "node_category" in od.columns else None
    name = next(
        (c for c in (f"node_name_{lang}", "node_name_sv", "node_name") if c in od.columns), None
    )
    ok = od[pd.to_numeric(od["walk_min"], errors="coerce").notna()].copy()
    ok["walk_min"] = pd.to_numeric(ok["walk_min"])
    if category is None:
        ok["node_category"] = "all"
        category = "node_category"
    best = ok.sort_values("walk_min").groupby(["place_id", category], sort=True).head(1)
    label = best[name].fillna(best["node_id"]) if name else best["node_id"]
    best = best.assign(
        cell=[f"{m:.1f} ({str(n)[:22]})" for m, n in zip(best["walk_min"], label, strict=True)]
    )
    table = best.pivot(index="place_id", columns=category, values="cell").fillna("–")
    table = table.reset_index().rename(columns={"place_id": word("place", lang)})
    table.columns.name = None
    return table


def _place_summary(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    cols = ["place_id"] + [c for c in frame.columns if c.startswith("nodes_within_")]
    cols += [c for c in ("mean_walk_min", "rank") if c in frame.columns]
    out = pd.DataFrame(frame[cols])
    rename = {
        "place_id": word("place", lang),
        "mean_walk_min": word("mean_walk", lang),
        "rank": word("rank", lang),
    }
    for c in cols:
        if c.startswith("nodes_within_") and c.endswith("min"):
            rename[c] = word("nodes_within", lang, t=c[len("nodes_within_") : -3])
    if "rank" in out.columns:
        out = out.sort_values("rank")
    return out.rename(columns=rename)


def _fill_section(section: Section, lang: str, context: gpd.GeoDataFrame | None) -> None:
    read = _Reader(section.source, section.layers)
    command = section.command
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
        _map(section, read, "service_areas", lang, context)
        if "od" in read:
            table = _od_table(read("od"), lang)
            if table is not None:
                section.blocks.append(Block(title=word("od_table", lang), table=table))
        if "place_summary" in read:
            section.blocks.append(
                Block(
                    title=word("place_summary", lang),
                    table=_place_summary(read("place_summary"), lang),
                )
            )
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
                section.blocks.append(Block(title=word("top_links", lang), table=top))
        _map(section, read, "detour", lang, context)
        if "scenario" in read:
            _map(section, read, "scenario", lang, context)
        if "scenario_places" in read:
            sp = pd.DataFrame(read("scenario_places")).drop(columns="geometry", errors="ignore")
            section.blocks.append(Block(title=word("proposal_places", lang), table=sp))
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
    elif command == "compare":
        summary = _compare_summary(section, lang)
        if summary is not None:
            section.blocks.append(Block(title=word("summary", lang), table=summary))
        _map(section, read, "segments_diff", lang, context)
        _map(section, read, "places_diff", lang, context, label="place_id")
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
            section.blocks.append(Block(title=word("proposal_places", lang), table=pdiff))
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
            value = summary[key]
            if key == "od_pairs_shorter" and "od_pairs" in summary:
                value = f"{value} / {summary['od_pairs']}"
            elif isinstance(value, float):
                value = f"{value:.1f}"
            rows.append((word(label, lang), str(value)))
    if not rows:
        return None
    return pd.DataFrame(rows, columns=[word("key", lang), word("value", lang)])


def _parameter_rows(section: Section) -> list[tuple[str, str]]:
    rows = [
        (
            k,
            ""
            if v is None
            else (json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else str(v)),
        )
        for k, v in section.parameters.items()
    ]
    for key in ("stadsrum_version", "created_utc"):
        if key in section.metadata:
            rows.append((key, section.metadata[key]))
    for key, value in section.metadata.items():
        if key.startswith("input:"):
            rows.append((key, value[:16] + "…" if key.endswith(":sha256") else value))
    return rows


_CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; max-width: 900px; margin: 2em auto;
       color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 2em; margin-bottom: 0.1em; }
h2 { border-bottom: 2px solid #2166ac; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
.subtitle { color: #555; margin-top: 0; }
figure { margin: 1em 0; }
figure img { width: 100%; max-width: 760px; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
details { margin: 1em 0; }
summary { cursor: pointer; font-weight: bold; }
td.mono { font-family: 'DejaVu Sans Mono', monospace; word-break: break-all; }
footer { margin-top: 3em; font-size: 0.8em; color: #666; }
"""


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(maps._cell(v))}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html(sections: list[Section], lang: str, title: str, subtitle: str) -> str:
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">',
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
        parts.append(
            f'<p class="file">{word("file", lang)}: <code>{html.escape(s.source.name)}</code> '
            f"({word('layers', lang).lower()}: {html.escape(', '.join(s.layers))})</p>"
        )
        parts.append(f"<h3>{word('how_to_read', lang)}</h3><p>{html.escape(s.text)}</p>")
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
        rows = _parameter_rows(s)
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
        + html.escape(word("generated", lang, crs=_crs_text(sections)))
        + "</footer>\n</body>\n</html>\n"
    )
    return "\n".join(parts)


def _crs_text(sections: list[Section]) -> str:
    return "EPSG" if not sections else "(see each map)"


def _pdf(path: Path, sections: list[Section], lang: str, title: str, subtitle: str) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path, metadata={"Title": title, "Creator": "stadsrum"}) as pdf:
        contents = [f"{i}. {s.heading}" for i, s in enumerate(sections, 1)]
        pdf.savefig(
            maps.text_figure(title, [subtitle, "", word("contents", lang) + ":", *contents])
        )
        for s in sections:
            pdf.savefig(
                maps.text_figure(
                    s.heading,
                    [s.text],
                    subheading=f"{word('file', lang)}: {s.source.name} — {', '.join(s.layers)}",
                    rows=_parameter_rows(s),
                    rows_title=word("parameters", lang),
                )
            )
            for block in s.blocks:
                if block.figure is not None:
                    pdf.savefig(block.figure)
                if block.table is not None:
                    table = block.table
                    for start in range(0, max(len(table), 1), 40):
                        pdf.savefig(
                            maps.text_figure(
                                s.heading,
                                [],
                                table=table.iloc[start : start + 40],
                                table_title=block.title,
                            )
                        )


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
        Folder for the report (created if needed).
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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections, context = read_sections(paths, lang)
    for section in sections:
        log.info("report: %s (%s)", section.heading, section.source.name)
        _fill_section(section, lang, context)
    from stadsrum import __version__

    title = title or word("title", lang)
    subtitle = word("subtitle", lang, version=__version__, date=_dt.date.today().isoformat())
    html_path, pdf_path = out / f"{name}.html", out / f"{name}.pdf"
    text = _html(sections, lang, title, subtitle)
    with atomic_path(pdf_path, suffix=".pdf") as tmp:
        _pdf(tmp, sections, lang, title, subtitle)
    with atomic_path(html_path, suffix=".html") as tmp:
        tmp.write_text(text, encoding="utf-8")
    return ReportResult(html=html_path, pdf=pdf_path, sections=sections)

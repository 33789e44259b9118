"""The report's section on people and areas (the GeoPackage of ``stadsrum areas``).

What a planner asks first comes first: how segregated the city is, read in plain
words (on the section's first page, with the indices); who reaches the key nodes,
group by group; how far apart the areas' residents live; where residents of
different groups could meet. Every number is read from the result layers; the
plain-language reading only chooses words from them (see ``docs/areas.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.io.styles import LOSS, TIME, class_breaks
from stadsrum.report import maps
from stadsrum.report.labels import category_label, format_number, group_label
from stadsrum.report.texts import word

__all__ = ["fill_areas", "reading", "segregation_table"]

#: The most rows of the per-area table and the most areas labelled on a map: a city of
#: hundreds of DeSO keeps its tables readable (every row is in the GeoPackage).
MAX_AREA_ROWS = 50
MAX_AREA_LABELS = 40
#: Two dissimilarity values closer than this read as "about the same" in the text.
SAME_D = 0.02


def _pct(share: float, lang: str) -> str:
    return f"{format_number(100 * share, lang, 0)}\u00a0%"


def _groups(areas: pd.DataFrame) -> list[str]:
    """Group columns, from the ``pop_{g}`` counts of the areas layer (in the run's order)."""
    return [c[4:] for c in areas.columns if c.startswith("pop_")]


def _minutes(columns: Sequence[str], prefix: str) -> list[int]:
    """The thresholds of ``{prefix}{T}min`` columns, ascending."""
    found = [re.fullmatch(re.escape(prefix) + r"(\d+)min", c) for c in columns]
    return sorted({int(m.group(1)) for m in found if m})


def _categories(areas: pd.DataFrame) -> list[str]:
    found = [c[len("unreached_") :] for c in areas.columns if c.startswith("unreached_")]
    # unreached_{c}_{g} per group is not a category of its own
    per_group = {f"{c}_{g}" for c in found for g in _groups(areas)}
    return [c for c in found if c not in per_group]


def _scale_minutes(scale: str) -> float | None:
    match = re.fullmatch(r"network_(\d+(?:\.\d+)?)min", scale)
    return float(match.group(1)) if match else None


def _value(seg: pd.DataFrame, index: str, group: str, scale: str) -> float | None:
    rows = seg[(seg["index"] == index) & (seg["group"] == group) & (seg["scale"] == scale)]
    return float(rows["value"].iloc[0]) if len(rows) else None


def _index_label(index: str, group: str, lang: str) -> str:
    sv = lang == "sv"
    if index == "dissimilarity":
        return "Olikhetsindex D" if sv else "Dissimilarity D"
    if index == "information":
        return "Informationsindex H (Theil)" if sv else "Information theory index H (Theil)"
    if index == "diversity":
        return "Relativ mångfald R" if sv else "Relative diversity R"
    if index == "isolation":
        return f"{'Isolering' if sv else 'Isolation'}: {group_label(group, lang)}"
    if index == "exposure" and ":" in group:
        m, n = group.split(":", 1)
        a, b = group_label(m, lang), group_label(n, lang)
        return f"Exponering: {a} för {b}" if sv else f"Exposure: {a} to {b}"
    return f"{index} ({group})"


def segregation_table(seg: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Indices as rows, scales as columns (over the areas first, then by minutes)."""
    scales = sorted(
        {str(s) for s in seg["scale"]},
        key=lambda s: (s != "areas", _scale_minutes(s) or 0.0, s),
    )
    heads = {
        s: word("over_areas", lang)
        if s == "areas"
        else word("along_streets", lang, t=format_number(_scale_minutes(s) or 0.0, lang))
        for s in scales
    }
    rows: list[list[str]] = []
    keys = list(dict.fromkeys(zip(seg["index"].astype(str), seg["group"].astype(str), strict=True)))
    for index, group in keys:
        cells = [_index_label(index, group, lang)]
        for s in scales:
            v = _value(seg, index, group, s)
            cells.append("–" if v is None or not np.isfinite(v) else format_number(v, lang, 2))
        rows.append(cells)
    return pd.DataFrame(rows, columns=[word("index", lang), *(heads[s] for s in scales)])


def reading(seg: pd.DataFrame, shares: dict[str, float], lang: str) -> list[str]:
    """Plain-language paragraphs on the indices, in planners' words, with the run's numbers.

    ``shares`` are the groups' shares of the city's residents.
    """
    sv = lang == "sv"
    out: list[str] = []
    d_areas = _value(seg, "dissimilarity", "all", "areas")
    nets = sorted(
        (m, str(s)) for s in set(seg["scale"].astype(str)) if (m := _scale_minutes(s)) is not None
    )
    two = len(shares) == 2
    if d_areas is not None and np.isfinite(d_areas):
        d = format_number(d_areas, lang, 2)
        if sv:
            text = f"Olikhetsindex D över områdena är {d}. "
            text += (
                f"Det betyder att {_pct(d_areas, lang)} av de boende i den ena gruppen skulle "
                "behöva flytta till ett annat område för att båda grupperna skulle vara fördelade "
                "över områdena som i staden som helhet. "
                if two
                else "0 betyder att varje område har samma blandning av grupper som staden, 1 att "
                "varje område bara har en grupp. "
            )
            text += (
                "D går från 0 (samma blandning överallt) till 1 (grupperna bor helt åtskilda); "
                "som tumregel räknas under 0,3 som låg, 0,3–0,6 som måttlig och över 0,6 som "
                "hög segregation. Värdet beror på hur områdena är avgränsade: mindre områden ger "
                "oftast högre D."
            )
        else:
            text = f"The dissimilarity index D over the areas is {d}. "
            text += (
                f"It means that {_pct(d_areas, lang)} of the residents of either group would "
                "have to move to another area for both groups to be spread over the areas as in "
                "the city as a whole. "
                if two
                else "0 means every area has the city's mix of groups, 1 that every area holds "
                "one group only. "
            )
            text += (
                "D runs from 0 (the same mix everywhere) to 1 (the groups live wholly apart); as "
                "a rule of thumb, below 0.3 counts as low, 0.3–0.6 as moderate and above 0.6 as "
                "high segregation. The value depends on how the areas are drawn: smaller areas "
                "usually give a higher D."
            )
        out.append(text)
    values = [
        (m, v)
        for m, s in nets
        if (v := _value(seg, "dissimilarity", "all", s)) is not None and np.isfinite(v)
    ]
    if values:
        parts = [
            f"{format_number(v, lang, 2)} {'inom' if sv else 'within'} "
            f"{format_number(m, lang)} {'minuter' if sv else 'minutes'}"
            for m, v in values
        ]
        joined = (
            parts[0]
            if len(parts) == 1
            else ", ".join(parts[:-1]) + (" och " if sv else " and ") + parts[-1]
        )
        m, v = values[-1]
        mins = format_number(m, lang)
        if sv:
            text = (
                "Längs gatorna jämförs varje boende med alla som bor inom några minuters gång, "
                f"oavsett områdesgränser. Där är D = {joined}. "
            )
        else:
            text = (
                "Along the streets each resident is compared with everybody living within a few "
                f"minutes' walk, whatever the area boundaries. There D = {joined}. "
            )
        if d_areas is not None and np.isfinite(d_areas):
            if v < d_areas - SAME_D:
                text += (
                    f"Inom {mins} minuters gång är segregationen alltså lägre än "
                    "områdesindelningen visar: gatorna för samman boende från olika områden, och "
                    "områdesgränserna skiljer mer än gångvägarna gör. "
                    if sv
                    else f"Within {mins} minutes' walk segregation is thus lower than the areas "
                    "show: the streets bring residents of different areas together, and the area "
                    "boundaries divide more than the walking routes do. "
                )
            elif v > d_areas + SAME_D:
                text += (
                    f"Inom {mins} minuters gång är segregationen alltså högre än "
                    "områdesindelningen visar: gatunätet håller grupperna isär mer än "
                    "områdesgränserna, till exempel genom barriärer och omvägar. "
                    if sv
                    else f"Within {mins} minutes' walk segregation is thus higher than the areas "
                    "show: the street network keeps the groups apart more than the area "
                    "boundaries do, for example through barriers and detours. "
                )
            else:
                text += (
                    f"Inom {mins} minuters gång är segregationen ungefär lika stor som över "
                    "områdena. "
                    if sv
                    else f"Within {mins} minutes' walk segregation is about as high as over the "
                    "areas. "
                )
        text += (
            "Ett längre gångavstånd tar med mer av staden i varje boendes omgivning och ger "
            "lägre värden; jämför därför bara värden för samma antal minuter."
            if sv
            else "A longer walk takes in more of the city around each resident and gives lower "
            "values, so compare values for the same minutes only."
        )
        out.append(text)
    if shares:
        group = min(shares, key=lambda g: shares[g])  # the smaller group: whose isolation matters
        name = group_label(group, lang)
        iso_a = _value(seg, "isolation", group, "areas")
        iso_n = _value(seg, "isolation", group, nets[-1][1]) if nets else None
        bits = []
        if iso_a is not None and np.isfinite(iso_a):
            bits.append(
                f"{_pct(iso_a, lang)} {name} i sitt eget område"
                if sv
                else f"{_pct(iso_a, lang)} {name} in their own area"
            )
        if iso_n is not None and np.isfinite(iso_n):
            mins = format_number(nets[-1][0], lang)
            bits.append(
                f"{_pct(iso_n, lang)} bland dem som bor inom {mins} minuters gång"
                if sv
                else f"{_pct(iso_n, lang)} among those living within {mins} minutes' walk"
            )
        if bits:
            city = _pct(shares[group], lang)
            both = (" och " if sv else " and ").join(bits)
            out.append(
                f"Isolering: boende {name} har i genomsnitt {both}, mot {city} i staden som "
                "helhet. Ju mer värdet ligger över stadens andel, desto mer bor gruppen för sig. "
                "Informationsindex H och relativ mångfald R läses som D (0 = samma blandning "
                "överallt) men väger in alla grupper på en gång."
                if sv
                else f"Isolation: residents {name} have on average {both}, against {city} in "
                "the city as a whole. The further above the city's share, the more the group "
                "lives apart. The information theory index H and relative diversity R read like "
                "D (0 = the same mix everywhere) but weigh all groups at once."
            )
    return out


def city_mean_walk(areas: pd.DataFrame, category: str, group: str) -> float:
    """Mean minutes to the nearest ``category`` node over the city's residents of ``group``
    who reach one: each area's ``mean_min_{c}_{g}`` weighted by its reached residents,
    ``pop_{g}`` less ``unreached_{c}_{g}`` (files without that column: by ``pop_{g}``)."""
    weight = pd.to_numeric(areas[f"pop_{group}"], errors="coerce").to_numpy(np.float64)
    lost = areas.get(f"unreached_{category}_{group}")
    if lost is not None:  # an area's mean is over its reached residents only
        weight = weight - pd.to_numeric(lost, errors="coerce").fillna(0).to_numpy(np.float64)
    mean = pd.to_numeric(areas.get(f"mean_min_{category}_{group}"), errors="coerce")
    values = mean.to_numpy(np.float64)
    ok = np.isfinite(values) & (weight > 0)
    return float(np.sum(weight[ok] * values[ok]) / weight[ok].sum()) if ok.any() else np.nan


def _group_access(
    areas: pd.DataFrame, groups: Sequence[str], categories: Sequence[str], lang: str
) -> tuple[pd.DataFrame | None, str | None]:
    """City-wide walk per category and group, from the areas' population-weighted values.

    Returns the table and the category where the groups' mean walks differ most.
    """
    if not groups or not categories:
        return None, None
    limits = _minutes(areas.columns, f"share_{categories[0]}_")
    t = limits[len(limits) // 2] if limits else None
    rows, gaps = [], {}
    for c in categories:
        row = [category_label(c, lang, capital=True)]
        means = []
        for g in groups:
            m = city_mean_walk(areas, c, g)
            means.append(m)
            row.append(format_number(m, lang, 1) if np.isfinite(m) else "–")
        if t is not None:
            for g in groups:
                weight = pd.to_numeric(areas[f"pop_{g}"], errors="coerce").to_numpy(np.float64)
                share = pd.to_numeric(areas.get(f"share_{c}_{t}min_{g}"), errors="coerce")
                s = share.to_numpy(np.float64)
                ok = np.isfinite(s) & (weight > 0)
                v = float(np.sum(weight[ok] * s[ok]) / weight.sum()) if weight.sum() > 0 else np.nan
                row.append(_pct(v, lang) if np.isfinite(v) else "–")
        unreached = pd.to_numeric(areas[f"unreached_{c}"], errors="coerce").fillna(0).sum()
        row.append(format_number(float(unreached), lang, 0))
        rows.append(row)
        finite = [m for m in means if np.isfinite(m)]
        gaps[c] = max(finite) - min(finite) if len(finite) > 1 else -1.0
    sv = lang == "sv"
    heads = ["Kategori" if sv else "Category"]
    heads += [
        f"{'Medelgångtid (min)' if sv else 'Mean walk (min)'}, {group_label(g, lang)}"
        for g in groups
    ]
    if t is not None:
        heads += [
            f"{'Andel inom' if sv else 'Share within'} {t} min, {group_label(g, lang)}"
            for g in groups
        ]
    heads.append("Når ingen (boende)" if sv else "Reach none (residents)")
    best = max(gaps, key=lambda c: gaps[c]) if gaps else None
    return pd.DataFrame(rows, columns=heads), best


def _panel_figure(
    title: str,
    areas: gpd.GeoDataFrame,
    panels: Sequence[tuple[str, str]],
    *,
    context: gpd.GeoDataFrame | None,
    legend_title: str,
    caption: str,
    lang: str,
) -> Any:
    """One A4 page: the areas in one colour scale, a panel per ``(subtitle, column)``."""
    from matplotlib.patches import Patch

    fig = maps.new_figure()
    fig.suptitle(title, x=0.06, ha="left", fontsize=15, fontweight="bold", y=0.975)
    values = np.concatenate(
        [pd.to_numeric(areas[c], errors="coerce").to_numpy(np.float64) for _s, c in panels]
    )
    breaks = class_breaks(values, 5, "natural_breaks")
    n = max(len(breaks) - 1, 1)
    colours = maps.resample(TIME, n)
    digits = 1 if len(breaks) < 2 or breaks[-1] - breaks[0] < 20 else 0
    cols = min(len(panels), 3)
    rows = -(-len(panels) // cols)
    x0, y0, x1, y1 = areas.total_bounds
    pad = max(x1 - x0, y1 - y0) * 0.03 + 1
    bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    geoms = np.asarray(areas.geometry.array, dtype=object)
    label = len(areas) <= MAX_AREA_LABELS
    width, height = 0.92 / cols, 0.74 / rows
    for k, (subtitle, column) in enumerate(panels):
        r, c = divmod(k, cols)
        ax = fig.add_axes((0.04 + c * width, 0.2 + (rows - 1 - r) * height, width, height - 0.03))
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(subtitle, fontsize=11, fontweight="bold")
        if context is not None and len(context):  # streets over the colours, faint
            maps.draw(
                ax,
                np.asarray(context.geometry.array, dtype=object),
                "#3c3c3c",
                0.15,
                kind="line",
                zorder=3,
                alpha=0.45,
            )
        v = pd.to_numeric(areas[column], errors="coerce").to_numpy(np.float64)
        empty = ~np.isfinite(v)
        maps.draw(ax, geoms[empty], "#f0f0f0", 0.3, kind="fill", zorder=1, fill_alpha=1.0)
        for i in range(n):
            lo, hi = breaks[i], breaks[i + 1]
            mask = ~empty & (v >= lo) & ((v < hi) if i < n - 1 else (v <= hi))
            maps.draw(ax, geoms[mask], colours[i], 0.3, kind="fill", zorder=2, fill_alpha=0.85)
        maps.draw(ax, geoms, "#555555", 0.3, kind="line", zorder=4)
        if label:
            points = areas.geometry.representative_point()
            ids = areas["area_id"].astype(str) if "area_id" in areas else areas.index.astype(str)
            for pt, name, value in zip(points, ids, v, strict=True):
                text = (
                    name if not np.isfinite(value) else f"{name}\n{format_number(value, lang, 1)}"
                )
                ax.annotate(
                    text,
                    (pt.x, pt.y),
                    fontsize=7,
                    ha="center",
                    va="center",
                    zorder=60,
                    color="#222222",
                    bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.6},
                )
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        if k == 0:
            maps.scale_bar(ax, bounds, lang, fontsize=7)
    handles = [
        Patch(
            facecolor=colours[i],
            edgecolor="#555555",
            label=f"{format_number(breaks[i], lang, digits)} – "
            f"{format_number(breaks[i + 1], lang, digits)} min",
        )
        for i in range(n)
        if len(breaks) > 1
    ]
    handles.append(
        Patch(facecolor="#f0f0f0", edgecolor="#555555", label=word("no_residents", lang))
    )
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.05, 0.04),
        ncol=3,
        fontsize=8,
        title=legend_title,
        title_fontsize=8,
        frameon=False,
        alignment="left",
    )
    fig.text(0.06, 0.012, caption, fontsize=7, color="#555555")
    return fig


def _matrix_figure(matrix: pd.DataFrame, title: str, caption: str, lang: str) -> Any:
    """The area-to-area mean walk as a heat map, minutes written in the cells when few."""
    from matplotlib.colors import LinearSegmentedColormap

    fig = maps.new_figure()
    fig.suptitle(title, x=0.06, ha="left", fontsize=15, fontweight="bold", y=0.975)
    ids = sorted(set(matrix["from_area"].astype(str)) | set(matrix["to_area"].astype(str)))
    grid = (
        matrix.assign(
            from_area=matrix["from_area"].astype(str), to_area=matrix["to_area"].astype(str)
        )
        .pivot(index="from_area", columns="to_area", values="mean_min")
        .reindex(index=ids, columns=ids)
        .to_numpy(np.float64)
    )
    # a square of 76 % of the page's width, below the title and the column labels
    width = 0.76
    height = width * maps.A4[0] / maps.A4[1]
    ax = fig.add_axes((0.14, 0.86 - height, width, height))
    cmap = LinearSegmentedColormap.from_list("stadsrum_loss", LOSS).with_extremes(bad="#e0e0e0")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, aspect="equal")
    n = len(ids)
    fontsize = 8 if n <= 12 else (6.5 if n <= 20 else 0)
    ax.set_xticks(range(n), ids, rotation=90 if n > 12 else 0, fontsize=7 if n <= 30 else 5)
    ax.set_yticks(range(n), ids, fontsize=7 if n <= 30 else 5)
    ax.set_xlabel(word("to_area", lang), fontsize=9)
    ax.set_ylabel(word("from_area", lang), fontsize=9)
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    if fontsize:
        top = np.nanmax(grid) if np.isfinite(grid).any() else 1.0
        for i in range(n):
            for j in range(n):
                if np.isfinite(grid[i, j]):
                    ax.text(
                        j,
                        i,
                        format_number(grid[i, j], lang, 0),
                        ha="center",
                        va="center",
                        fontsize=fontsize,
                        color="white" if grid[i, j] > 0.6 * top else "#222222",
                    )
    bar = fig.colorbar(
        image, cax=fig.add_axes((0.14, 0.8 - height, width, 0.012)), orientation="horizontal"
    )
    bar.set_label("min", fontsize=8)
    bar.ax.xaxis.set_major_formatter(maps.number_formatter(lang))
    bar.ax.tick_params(labelsize=7)
    fig.text(0.06, 0.012, caption, fontsize=7, color="#555555")
    return fig


def fill_areas(
    section: Any,
    read: Callable[[str], Any],
    layers: Sequence[str],
    lang: str,
    context: gpd.GeoDataFrame | None,
    add_map: Callable[..., None],
) -> None:
    """Add the blocks of an areas section to ``section`` (see :mod:`stadsrum.report.build`)."""
    from stadsrum.report.build import Block

    sv = lang == "sv"
    areas = read("areas") if "areas" in layers else None
    pop = read("population") if "population" in layers else None
    seg = read("segregation") if "segregation" in layers else None
    groups = _groups(areas) if areas is not None else []
    synthetic = any(
        frame is not None
        and "synthetic" in frame.columns
        and len(frame)
        and bool(frame["synthetic"].fillna(False).astype(bool).all())
        for frame in (pop, areas)
    )
    paragraphs = [word("synthetic", lang)] if synthetic else []
    paragraphs.append(section.text)
    shares: dict[str, float] = {}
    if pop is not None and groups and all(g in pop.columns for g in groups):
        counts = {g: float(pd.to_numeric(pop[g], errors="coerce").sum()) for g in groups}
    elif areas is not None and groups:
        counts = {g: float(pd.to_numeric(areas[f"pop_{g}"], errors="coerce").sum()) for g in groups}
    else:
        counts = {}
    total = sum(counts.values())
    if total > 0:
        shares = {g: v / total for g, v in counts.items()}
    if seg is not None and len(seg):
        paragraphs += reading(pd.DataFrame(seg), shares, lang)
        section.blocks.append(
            Block(
                title=word("segregation", lang),
                table=segregation_table(pd.DataFrame(seg), lang),
                intro=True,
            )
        )
    section.text = "\n\n".join(paragraphs)
    note = f" {word('synthetic_short', lang)}" if synthetic else ""
    crs = areas.crs.to_string() if areas is not None and areas.crs is not None else "?"
    caption = word("generated", lang, crs=crs) + f" {section.source.name}." + note

    categories = _categories(areas) if areas is not None else []
    access, best = (
        _group_access(areas, groups, categories, lang) if areas is not None else (None, None)
    )
    if access is not None:
        section.blocks.append(Block(title=word("group_access", lang), table=access))
    if areas is not None and best is not None and len(groups) >= 1:
        what = category_label(best, lang)
        title = word("area_access", lang, what=what)
        panels = [(group_label(g, lang, capital=True), f"mean_min_{best}_{g}") for g in groups]
        fig = _panel_figure(
            title,
            areas,
            panels,
            context=context,
            legend_title=(
                "Medelgångtid för gruppens boende i området (kategorin där grupperna skiljer sig "
                "mest)"
                if sv
                else "Mean walk of the group's residents in the area (the category where the "
                "groups differ most)"
            ),
            caption=caption,
            lang=lang,
        )
        section.blocks.append(
            Block(title=title, figure=fig, caption=word("area_access_note", lang))
        )
    if "area_matrix" in layers:
        matrix = read("area_matrix")
        if len(matrix) and {"from_area", "to_area", "mean_min"} <= set(matrix.columns):
            title = word("area_matrix", lang)
            fig = _matrix_figure(pd.DataFrame(matrix), title, caption, lang)
            section.blocks.append(
                Block(title=title, figure=fig, caption=word("area_matrix_note", lang))
            )
    if areas is not None and len(areas):
        section.blocks.append(_areas_block(areas, groups, best, lang))
    if "copresence" in layers:
        add_map("copresence", caption_key="copresence")
        if note and section.blocks and section.blocks[-1].figure is not None:
            section.blocks[-1].caption += "." + note
            _stamp(section.blocks[-1].figure, note)
    if "meeting_sites" in layers:
        sites = read("meeting_sites")
        if "meeting_places" in layers:  # today's places, their own layer: shown with the best
            places = read("meeting_places")
            sites = gpd.GeoDataFrame(
                pd.concat([places, sites], ignore_index=True), geometry="geometry", crs=sites.crs
            )
        if "rank" in sites.columns and _minutes(sites.columns, "balanced_reach_"):
            add_map(
                "meeting_sites",
                caption_key="meeting_sites",
                subset=lambda _candidates: _sites_as_lines(sites),
                label=lambda f: [_site_name(r, lang, short=True) for _i, r in f.iterrows()],
            )
            if note and section.blocks and section.blocks[-1].figure is not None:
                section.blocks[-1].caption += "." + note
                _stamp(section.blocks[-1].figure, note)
            section.blocks.append(_sites_block(sites, counts, lang))


def _shown_sites(frame: pd.DataFrame) -> pd.DataFrame:
    rank = pd.to_numeric(frame["rank"], errors="coerce")
    existing = frame["existing"].fillna(False).astype(bool) if "existing" in frame else False
    return frame[existing | (~existing & (rank <= 10))]


def _stamp(fig: Any, note: str) -> None:
    """The synthetic-population note on a map page, above its caption line."""
    fig.text(0.06, 0.028, note.strip(), fontsize=8, color="#b2182b", fontweight="bold")


def _sites_as_lines(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The shown sites with today's places (squares, parks) as their outlines, so that one
    map layer holds lines only and is coloured like the candidate streets."""
    shown = _shown_sites(frame).copy()
    geoms = np.asarray(shown.geometry.array, dtype=object)
    areal = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms[areal] = shapely.boundary(geoms[areal])
    return shown.set_geometry(gpd.GeoSeries(geoms, index=shown.index, crs=shown.crs))


def _site_name(row: pd.Series, lang: str, *, short: bool = False) -> str:
    if bool(row.get("existing")):
        return str(row.get("site_id"))
    if short:  # the best candidates crowd one block: the map names the top three
        rank = float(row["rank"])
        return f"#{format_number(rank, lang, 0)}" if rank <= 3 else ""
    segment = word("street_segment", lang, id=row.get("site_id"))
    street = row.get("street_name")
    return f"{street} ({segment.lower()})" if isinstance(street, str) and street else segment


def _sites_block(sites: pd.DataFrame, counts: dict[str, float], lang: str) -> Any:
    """Today's meeting places and the ten best candidate streets, with each group's reach."""
    from stadsrum.report.build import Block

    sv = lang == "sv"
    shown = pd.DataFrame(_shown_sites(sites)).drop(columns="geometry", errors="ignore")
    shown = shown.assign(_e=~shown["existing"].astype(bool)).sort_values(["_e", "rank"])
    limits = _minutes(shown.columns, "balanced_reach_")
    t = limits[len(limits) // 2]
    rows = []
    for _i, r in shown.iterrows():
        row = [
            _site_name(r, lang),
            ("ja" if sv else "yes") if bool(r["existing"]) else ("nej" if sv else "no"),
            format_number(float(r[f"reach_pop_{t}min"]), lang, 0),
        ]
        for g, total in counts.items():
            reach = float(r.get(f"reach_{g}_{t}min", np.nan))
            row.append(_pct(reach / total, lang) if total > 0 and np.isfinite(reach) else "–")
        row.append(format_number(float(r[f"balanced_reach_{t}min"]), lang, 2))
        row.append(format_number(float(r["rank"]), lang, 0))
        rows.append(row)
    heads = [word("site", lang), word("existing", lang)]
    heads.append(f"{'Boende inom' if sv else 'Residents within'} {t} min")
    heads += [
        f"{'Andel av' if sv else 'Share of'} {group_label(g, lang)} {'inom' if sv else 'within'} "
        f"{t} min"
        for g in counts
    ]
    heads.append(f"{'Balanserad räckvidd' if sv else 'Balanced reach'} ({t} min)")
    heads.append("Rang" if sv else "Rank")
    return Block(title=word("top_sites", lang), table=pd.DataFrame(rows, columns=heads))


def _areas_block(areas: pd.DataFrame, groups: Sequence[str], best: str | None, lang: str) -> Any:
    """Per area: residents, each group's share, and the walk to the mapped category."""
    from stadsrum.report.build import Block

    sv = lang == "sv"
    frame = pd.DataFrame(areas).sort_values("area_id", key=lambda s: s.astype(str))
    total = len(frame)
    frame = frame.head(MAX_AREA_ROWS)
    out: dict[str, list[str]] = {
        ("Område" if sv else "Area"): [str(v) for v in frame["area_id"]],
        ("Boende" if sv else "Residents"): [
            format_number(float(v), lang, 0) for v in pd.to_numeric(frame["population"])
        ],
    }
    for g in groups:
        values = pd.to_numeric(frame.get(f"share_{g}"), errors="coerce")
        out[f"{'Andel' if sv else 'Share'} {group_label(g, lang)}"] = [
            _pct(v, lang) if np.isfinite(v) else "–" for v in values
        ]
    if best is not None:
        what = category_label(best, lang)
        for g in groups:
            values = pd.to_numeric(frame.get(f"mean_min_{best}_{g}"), errors="coerce")
            head = (
                f"Till {what} (min), {group_label(g, lang)}"
                if sv
                else f"To {what} (min), {group_label(g, lang)}"
            )
            out[head] = [format_number(v, lang, 1) if np.isfinite(v) else "–" for v in values]
    title = word("areas_table", lang)
    if total > len(frame):
        title += f" ({len(frame)} {word('of', lang)} {total})"
    return Block(title=title, table=pd.DataFrame(out))

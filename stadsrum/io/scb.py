"""DeSO and RegSO areas with statistics from SCB's Statistical Database.

SCB (Statistics Sweden) publishes its small-area divisions as GeoPackages, DeSO
(demografiska statistikområden, about 6 000 areas of 700-2 700 residents) and
RegSO (regionala statistikområden, groups of DeSO), and their statistics in the
Statistical Database (Statistikdatabasen), exported as CSV or, through its PxWeb
API, as JSON-stat 2.0. :func:`read_areas` reads an area layer and joins any
number of such tables by area code, in one step::

    areas = read_areas("DeSO_2025.gpkg", stats=["folkmangd.csv", "bakgrund.json"])

A DeSO code has nine positions (SCB): the county and municipality code (four
digits, ``0180`` Stockholm, whose first two are the county ``01``), the
category letter ``A``, ``B`` or ``C``, a three-digit serial number and one
reserve position, such as ``0180C1090``. Tables for the 2025 revision write
``0180C1090_DeSO2025``; the suffix is dropped when codes are matched.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from stadsrum.errors import InputError, InputFileError

__all__ = [
    "AREA_ID_COLUMNS",
    "DESO_CATEGORIES",
    "DesoCode",
    "area_code",
    "parse_deso_code",
    "read_areas",
    "read_scb_table",
]

log = logging.getLogger(__name__)

#: What the category letter of a DeSO code says (SCB's definition), in English.
DESO_CATEGORIES = {
    "A": "mainly outside larger population concentrations and urban areas",
    "B": "mainly in a population concentration or urban area, not the municipality's "
    "central locality",
    "C": "mainly in the municipality's central locality",
}

#: Id columns of SCB's area layers, the first found is used (case-insensitive):
#: ``deso`` (DeSO 2018), ``desokod`` (DeSO 2025), and RegSO's the same way.
AREA_ID_COLUMNS = ("deso", "desokod", "deso_kod", "regso", "regsokod", "regso_kod")

_DESO = re.compile(r"^(\d{2})(\d{2})([ABC])(\d{3})(\w)$")
# county 01, municipality 0180, DeSO 0180C1090, RegSO 0180R001, optionally with the
# revision suffix of SCB's tables (0180C1090_DeSO2025)
_CODE = re.compile(r"^(\d{2}(?:\d{2}(?:[A-Z]\d{3,4})?)?)(?:_[A-Za-z0-9]+)?$")
_MISSING = {"", "..", ".", "-", "–", "x", "X"}  # SCB's marks for no value
_TIME_NAMES = {"år", "year", "tid", "time", "månad", "month", "kvartal", "quarter"}


class DesoCode(NamedTuple):
    """The parts of a DeSO code."""

    deso: str
    lan: str
    kommun: str
    category: str


def parse_deso_code(code: str) -> DesoCode:
    """Split a DeSO code into county, municipality and category.

    Examples
    --------
    >>> parse_deso_code("0180C1090")
    DesoCode(deso='0180C1090', lan='01', kommun='0180', category='C')
    >>> parse_deso_code("1480B0230_DeSO2025").kommun
    '1480'
    """
    text = area_code(code)
    match = _DESO.match(text)
    if not match:
        raise InputError(
            f"'{code}' is not a DeSO code: nine positions, four digits of county and "
            "municipality, the category A, B or C and four more, such as 0180C1090"
        )
    county, municipality, category = match.group(1), match.group(2), match.group(3)
    return DesoCode(text, county, county + municipality, category)


def area_code(cell: Any) -> str:
    """The area code at the start of an SCB region cell.

    SCB's exports write the region as a code (``0180C1090``), a code and a name
    (``0180C1090 Stockholm``) or a code with the division's revision
    (``0180C1090_DeSO2025``); all give ``0180C1090``. A cell that does not start
    with a code is returned stripped.
    """
    text = str(cell).strip()
    first = text.split(maxsplit=1)[0] if text else ""
    match = _CODE.match(first)
    return match.group(1) if match else text


def _is_code(cell: Any) -> bool:
    text = str(cell).strip()
    return bool(text) and bool(_CODE.match(text.split(maxsplit=1)[0]))


# --- numbers ------------------------------------------------------------------------------
def _number(text: Any) -> float | None:
    """A cell as a number: Swedish decimal comma and spaces between thousands
    accepted, SCB's missing marks as NaN; ``None`` when it is not a number."""
    if text is None:
        return np.nan
    if isinstance(text, int | float | np.integer | np.floating):
        return float(text)
    value = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if value in _MISSING:
        return np.nan
    if "," in value:
        # 1.234,5 (thousands with dots) or 52,3 (decimal comma)
        value = value.replace(".", "").replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def _slug(parts: Sequence[str]) -> str:
    """A column name from labels: lower case, words joined by ``_`` (å, ä, ö kept)."""
    text = "_".join(str(p) for p in parts if str(p).strip())
    text = re.sub(r"[^\w]+", "_", text.lower(), flags=re.UNICODE).strip("_")
    return text or "value"


# --- tables -------------------------------------------------------------------------------
def read_scb_table(source: str | Path, *, prefix: str = "") -> pd.DataFrame:
    """A statistics table exported from SCB's Statistical Database, one row per area.

    Parameters
    ----------
    source
        A ``.csv`` (or ``.txt``) file as the database exports it, with ``;``,
        ``,`` or tab between values, title lines above the header and notes
        below allowed, region cells as codes or as ``code name``, decimal commas
        and SCB's ``..`` for missing values; or a ``.json`` file in JSON-stat
        2.0, as the PxWeb API returns with ``"response": {"format": "json-stat2"}``.
    prefix
        Put before every column name (to keep two tables' columns apart).

    Returns
    -------
    DataFrame
        Indexed by area code (``area_id``), one float column per statistic. A
        table with one row per area and group (long format) is pivoted: the
        column names join the group labels (``utrikes_födda_2023``).
    """
    path = Path(source)
    if not path.is_file():
        raise InputFileError(f"statistics table: file not found: '{path}'")
    if path.suffix.lower() in (".xlsx", ".xls", ".px"):
        raise InputError(
            f"statistics table '{path}': {path.suffix} files are not read; download the "
            "table from the Statistical Database as CSV (comma or semicolon separated, with "
            "heading) or JSON-stat 2.0"
        )
    raw = path.read_bytes()
    if path.suffix.lower() == ".json" or raw.lstrip()[:1] == b"{":
        table = _from_json_stat(raw, path)
    else:
        table = _from_csv(raw, path)
    if prefix:
        table = table.add_prefix(prefix)
    table.index.name = "area_id"
    return table


def _decode(raw: bytes) -> str:
    # the database's downloads have been UTF-8 and Windows-1252 (ISO 8859-1) over
    # the years; a Windows-1252 file is never valid UTF-8 once it holds å, ä or ö
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _from_csv(raw: bytes, path: Path) -> pd.DataFrame:
    text = _decode(raw)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"statistics table '{path}': the file is empty")
    delimiter = max((";", "\t", ","), key=lambda d: sum(line.count(d) for line in lines[:50]))
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    widths = pd.Series([len(r) for r in rows])
    width = int(widths[widths > 1].mode().iloc[0]) if (widths > 1).any() else 1
    body = [r for r in rows if len(r) == width]
    # title lines and notes have another width; a data row must not (it would be lost)
    odd = [r for r in rows if len(r) not in (1, width) and any(map(_is_code, r))]
    if odd:
        raise InputError(
            f"statistics table '{path}': the row starting {odd[0][0]!r} has {len(odd[0])} "
            f"values where the table has {width}; check the separator and quotes"
        )
    if width < 2 or len(body) < 2:
        raise InputError(
            f"statistics table '{path}': no table with a region column and values was "
            "found; export it from the Statistical Database as CSV (comma or semicolon "
            "separated, with heading)"
        )
    # title lines (fewer fields) above the header and notes below are skipped
    header, data = [h.strip() for h in body[0]], body[1:]
    frame = pd.DataFrame(data, columns=header)
    return _tidy(frame, path, header)


def _tidy(frame: pd.DataFrame, path: Path, header: Sequence[str]) -> pd.DataFrame:
    """Region column → index, value columns → floats, group columns → pivoted."""
    codes = {c: frame[c].map(_is_code).mean() for c in frame.columns}
    region = max(codes, key=codes.__getitem__)
    if codes[region] < 0.5:
        raise InputError(
            f"statistics table '{path}': no column holds area codes (such as 0180C1090 "
            f"or '0180C1090 Stockholm'); its columns are {', '.join(header)}. Export the "
            "region as code, or as code and name"
        )
    frame = frame[frame[region].map(_is_code)].copy()
    frame["_area"] = frame[region].map(area_code)
    values: list[str] = []
    groups: list[str] = []
    for column in frame.columns:
        if column in (region, "_area"):
            continue
        # a list, not Series.map: pandas would turn the None of a text cell into NaN
        parsed = [_number(v) for v in frame[column]]
        numeric = all(v is not None for v in parsed)
        if (
            numeric
            and str(column).strip().lower() not in _TIME_NAMES
            and not np.isnan(np.asarray(parsed, dtype=float)).all()
        ):
            frame[column] = np.asarray(parsed, dtype=float)
            values.append(column)
        else:
            groups.append(column)
    if not values:
        raise InputError(
            f"statistics table '{path}': no column holds numbers; its columns are "
            f"{', '.join(header)}"
        )
    return _wide(frame, values, groups, path)


def _wide(frame: pd.DataFrame, values: list[str], groups: list[str], path: Path) -> pd.DataFrame:
    """One row per area; long tables pivoted with the varying groups in the names."""
    varying = [g for g in groups if frame[g].nunique() > 1]
    keys = ["_area", *varying]
    duplicated = frame.duplicated(keys, keep=False)
    if duplicated.any():
        first = frame.loc[duplicated, "_area"].iloc[0]
        raise InputError(
            f"statistics table '{path}': area {first} has several rows for the same "
            "groups; export one value per area and group"
        )
    out: dict[str, pd.Series] = {}
    if not varying:
        table = frame.set_index("_area")[values]
        return table.rename(columns={v: _slug([v]) for v in values})
    for labels, part in frame.groupby(varying, sort=False):
        labels = labels if isinstance(labels, tuple) else (labels,)
        for value in values:
            # the value column's own name (often the year) ends the name
            name = _slug([*labels, value])
            if name in out:
                raise InputError(f"statistics table '{path}': two columns would be '{name}'")
            out[name] = part.set_index("_area")[value]
    return pd.DataFrame(out)


def _from_json_stat(raw: bytes, path: Path) -> pd.DataFrame:
    """JSON-stat 2.0: ``id`` and ``size`` order the dimensions, ``value`` runs in
    row-major order (the last dimension fastest), as an array or an object of
    positions; a category's ``index`` is a list of codes or code → position."""
    try:
        data = json.loads(_decode(raw))
    except json.JSONDecodeError as exc:
        raise InputError(f"statistics table '{path}': not valid JSON ({exc})") from exc
    if isinstance(data, dict) and data.get("class") == "collection":
        raise InputError(f"statistics table '{path}': a JSON-stat collection; save one dataset")
    if not isinstance(data, dict) or "dimension" not in data or "value" not in data:
        raise InputError(
            f"statistics table '{path}': not a JSON-stat 2.0 dataset (no 'dimension' and "
            "'value'); ask the PxWeb API for format json-stat2"
        )
    ids = list(data.get("id") or data["dimension"].keys())
    sizes = [int(s) for s in data.get("size") or []]
    codes: list[list[str]] = []
    labels: list[list[str]] = []
    for dim in ids:
        category = data["dimension"][dim].get("category", {})
        index = category.get("index")
        label = category.get("label", {})
        if index is None:
            order = list(label)
        elif isinstance(index, list):
            order = [str(c) for c in index]
        else:
            order = [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
        codes.append(order)
        labels.append([str(label.get(c, c)) for c in order])
    if not sizes:
        sizes = [len(c) for c in codes]
    if [len(c) for c in codes] != sizes:
        raise InputError(f"statistics table '{path}': 'size' does not match the categories")
    total = int(np.prod(sizes))
    raw_values = data["value"]
    values = np.full(total, np.nan)
    if isinstance(raw_values, list):
        if len(raw_values) != total:
            raise InputError(
                f"statistics table '{path}': {len(raw_values)} values for {total} cells"
            )
        values[:] = [np.nan if v is None else float(v) for v in raw_values]
    else:
        for position, v in raw_values.items():
            values[int(position)] = np.nan if v is None else float(v)
    geo = (data.get("role") or {}).get("geo") or []
    region_dim = next(
        (d for d in ids if d in geo),
        next((d for d in ids if d.lower() == "region"), None),
    )
    if region_dim is None:
        share = {d: np.mean([_is_code(c) for c in codes[i]]) for i, d in enumerate(ids)}
        region_dim = max(share, key=share.__getitem__)
        if share[region_dim] < 0.5:
            raise InputError(f"statistics table '{path}': no region dimension")
    grid = np.array(np.unravel_index(np.arange(total), sizes)).T
    r = ids.index(region_dim)
    roles = data.get("role") or {}
    # the year of a one-year table ends every name, as the year column does in CSV
    time = [i for i, d in enumerate(ids) if d in (roles.get("time") or []) and sizes[i] == 1]
    others = [i for i in range(len(ids)) if i != r and sizes[i] > 1]
    if not others:  # one value per area: named after the contents (and year)
        metric = [i for i, d in enumerate(ids) if d in (roles.get("metric") or [])]
        named = [*metric, *time] or [i for i in range(len(ids)) if i != r]
        name_parts = [labels[i][0] for i in named] or [str(data.get("label", "value"))]
        column_of = np.zeros(total, dtype=np.int64)
        names = [_slug(name_parts)]
    else:
        ordered = sorted({tuple(row[others]) for row in grid})
        lookup = {combo: k for k, combo in enumerate(ordered)}
        suffix = [labels[i][0] for i in time]
        names = [
            _slug([*(labels[i][c] for i, c in zip(others, combo, strict=True)), *suffix])
            for combo in ordered
        ]
        column_of = np.array([lookup[tuple(row[others])] for row in grid])
    if len(set(names)) != len(names):
        raise InputError(f"statistics table '{path}': two columns would have the same name")
    regions = [area_code(c) for c in codes[r]]
    if len(set(regions)) != len(regions):
        raise InputError(f"statistics table '{path}': an area code is in the table twice")
    matrix = np.full((len(regions), len(names)), np.nan)
    matrix[grid[:, r], column_of] = values
    return pd.DataFrame(matrix, index=pd.Index(regions), columns=names)


# --- areas --------------------------------------------------------------------------------
def read_areas(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    stats: Sequence[str | Path | pd.DataFrame] | Mapping[str, str | Path] = (),
    area_id: str | None = None,
    missing: str = "error",
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """An area layer (DeSO, RegSO or any polygons with a code) with statistics joined.

    Parameters
    ----------
    source
        A polygon layer (path, ``FILE|layername=NAME``, or a GeoDataFrame).
    layer
        Layer name in a multi-layer file.
    stats
        Statistics tables (see :func:`read_scb_table`): paths or DataFrames
        indexed by area code, or ``{prefix: path}`` to put a prefix before each
        table's columns.
    area_id
        The code column; default: the first of :data:`AREA_ID_COLUMNS`.
    missing
        ``"error"`` (default): refuse areas that a table has no row for, naming
        them; ``"keep"``: keep them with empty values.
    crs
        For a layer without a coordinate reference system.

    Returns
    -------
    GeoDataFrame
        The layer's own columns after ``area_id`` (the code as text); for DeSO
        codes ``lan`` (county), ``kommun`` (municipality) and ``deso_category``
        (A, B, C; ``deso_category_meaning`` says what it means), for other codes
        starting with four digits ``lan`` and ``kommun``, where the layer lacks
        them; then the tables' columns. Rows of a table for areas outside the
        layer (other municipalities, totals) are left out.
    """
    from stadsrum.io.readers import assign_crs, read_layer

    if missing not in ("error", "keep"):
        raise InputError(f"missing must be 'error' or 'keep', not '{missing}'")
    if isinstance(source, gpd.GeoDataFrame):
        gdf = assign_crs(source.copy(), crs, what="areas")
    else:
        gdf = read_layer(source, layer=layer, what="areas", crs=crs)
    if len(gdf) == 0:
        raise InputError("areas: the layer is empty (no features)")
    kinds = set(gdf.geometry.geom_type.dropna()) - {"Polygon", "MultiPolygon"}
    if kinds:
        raise InputError(
            f"areas: the layer holds {', '.join(sorted(kinds))} geometries; areas must be "
            "polygons (SCB's DeSO and RegSO layers are)"
        )
    column = _id_column(gdf, area_id)
    ids = gdf[column].map(lambda v: "" if pd.isna(v) else area_code(v))
    blank = ids == ""
    if blank.any():
        raise InputError(
            f"areas: {int(blank.sum())} area(s) have no code in column '{column}' "
            f"(rows {', '.join(str(i) for i in gdf.index[blank][:5])})"
        )
    doubled = ids[ids.duplicated()]
    if len(doubled):
        raise InputError(
            f"areas: the code {doubled.iloc[0]} is in column '{column}' more than once "
            f"({len(doubled)} repeated); dissolve the layer by '{column}' or choose "
            "another id column"
        )
    out = gdf.copy()
    if "area_id" in out.columns:  # the codes are in ids already, as text
        out = out.drop(columns="area_id")
    out.insert(0, "area_id", ids.to_numpy())
    _add_code_parts(out, column)
    tables = _tables(stats)
    for name, table in tables:
        out = _join(out, table, name, missing)
    return out


def _id_column(gdf: gpd.GeoDataFrame, area_id: str | None) -> str:
    if area_id is not None:
        if area_id not in gdf.columns:
            raise InputError(
                f"areas: no column '{area_id}'; the layer's columns are "
                f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}"
            )
        return area_id
    lower = {str(c).lower(): str(c) for c in gdf.columns}
    for name in (*AREA_ID_COLUMNS, "area_id"):
        if name in lower:
            return lower[name]
    raise InputError(
        "areas: no area code column (deso, desokod, regso, regsokod) was found; name it "
        "with --area-id. The layer's columns are "
        f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}"
    )


def _add_code_parts(out: gpd.GeoDataFrame, column: str) -> None:
    ids = out["area_id"]
    deso = ids.map(lambda c: bool(_DESO.match(c)))
    if column.lower().startswith("deso") and not deso.all():
        bad = ids[~deso]
        raise InputError(
            f"areas: {len(bad)} code(s) in column '{column}' are not DeSO codes, such as "
            f"'{bad.iloc[0]}'; a DeSO code looks like 0180C1090"
        )
    four = ids.str.match(r"^\d{4}")
    if four.all():
        if "lan" not in out.columns:
            out.insert(1, "lan", ids.str[:2].to_numpy())
        if "kommun" not in out.columns:
            out.insert(2, "kommun", ids.str[:4].to_numpy())
    if deso.all():
        category = ids.str[4]
        position = list(out.columns).index("kommun") + 1 if "kommun" in out.columns else 1
        if "deso_category" not in out.columns:
            out.insert(position, "deso_category", category.to_numpy())
            out.insert(
                position + 1, "deso_category_meaning", category.map(DESO_CATEGORIES).to_numpy()
            )


def _tables(
    stats: Sequence[str | Path | pd.DataFrame] | Mapping[str, str | Path],
) -> list[tuple[str, pd.DataFrame]]:
    if isinstance(stats, str | Path | pd.DataFrame):
        stats = [stats]
    if isinstance(stats, Mapping):
        return [(str(path), read_scb_table(path, prefix=prefix)) for prefix, path in stats.items()]
    tables = []
    for item in stats:
        if isinstance(item, pd.DataFrame):
            table = item.copy()
            table.index = table.index.map(area_code)
            tables.append(("a DataFrame", table))
        else:
            tables.append((str(item), read_scb_table(item)))
    return tables


def _join(out: gpd.GeoDataFrame, table: pd.DataFrame, name: str, missing: str) -> gpd.GeoDataFrame:
    clash = [c for c in table.columns if c in out.columns]
    if clash:
        raise InputError(
            f"statistics table {name}: the column(s) {', '.join(clash)} are already in the "
            "areas or in an earlier table; give the tables prefixes ({'pop_': 'file.csv'} "
            "in Python) or rename the columns"
        )
    if table.index.has_duplicates:
        raise InputError(f"statistics table {name}: an area code has several rows")
    area = pd.Index(out["area_id"])
    found = area.isin(table.index)
    if not found.any():
        raise InputError(
            f"statistics table {name}: none of its {len(table)} area codes (such as "
            f"{', '.join(map(str, table.index[:3]))}) matches the areas' codes (such as "
            f"{', '.join(area[:3])}); check that both are the same division and revision "
            "(DeSO 2018 and DeSO 2025 codes differ in places)"
        )
    if not found.all() and missing == "error":
        absent = area[~found]
        raise InputError(
            f"statistics table {name}: {len(absent)} of {len(area)} areas have no row, "
            f"such as {', '.join(absent[:5])}; export the table for all of them, or keep "
            "them with empty values (missing='keep')"
        )
    extra = int((~table.index.isin(area)).sum())
    if extra:
        log.info("statistics table %s: %d rows outside the areas left out", name, extra)
    joined = table.reindex(area)
    for column in table.columns:
        out[column] = joined[column].to_numpy()
    return out

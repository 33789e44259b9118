"""DeSO/RegSO areas and SCB statistics tables (CSV and JSON-stat 2.0).

The tables are hand-made fixtures in ``tests/data/scb`` (sources in
``tests/data/README.md``); their numbers are invented but consistent: for each
area, the population by background (CSV) and by birth region (JSON-stat) add up
to the same total::

    area        utländsk  svensk   | inrikes  utrikes   | total
    0114A0010      312     1288    |  1376      224     | 1600
    0114C1010     1450      650    |  1390      710     | 2100
    0114C1020      802     1011    |  1405      ..      | 1813
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import SWEREF, X0, Y0

from stadsrum.errors import InputError
from stadsrum.io.scb import DESO_CATEGORIES, area_code, parse_deso_code, read_areas, read_scb_table

DATA = Path(__file__).parent / "data" / "scb"
CODES = ["0114A0010", "0114C1010", "0114C1020"]


def deso_layer(path: Path, codes=CODES, column: str = "deso") -> Path:
    """Three 500 m squares side by side, as SCB's DeSO GeoPackage names its columns."""
    squares = [shapely.box(X0 + 500 * i, Y0, X0 + 500 * (i + 1), Y0 + 500) for i in range(3)]
    gdf = gpd.GeoDataFrame(
        {column: codes, "kommunnamn": ["Upplands Väsby"] * 3}, geometry=squares, crs=SWEREF
    )
    gdf.to_file(path, layer="DeSO")
    return path


def test_deso_codes():
    """0180C1090: county 01, municipality 0180, category C (SCB's nine positions)."""
    assert parse_deso_code("0180C1090") == ("0180C1090", "01", "0180", "C")
    assert parse_deso_code(" 2480A0040_DeSO2025 ") == ("2480A0040", "24", "2480", "A")
    for bad in ("0180D1090", "0180C109", "180C10900", "Stockholm"):
        with pytest.raises(InputError, match="not a DeSO code"):
            parse_deso_code(bad)
    assert set(DESO_CATEGORIES) == {"A", "B", "C"}


def test_region_cells():
    assert area_code("0180C1090 Stockholm") == "0180C1090"
    assert area_code("0180C1090_DeSO2025") == "0180C1090"
    assert area_code("0114 Upplands Väsby") == "0114"
    assert area_code("01 Stockholms län") == "01"
    assert area_code("0180R001") == "0180R001"
    assert area_code("Riket") == "Riket"


def test_csv_long_format_with_code_and_name():
    """Comma CSV with a title line, 'code name' cells, one row per area and
    background, a footnote: pivoted to one row per area, the year ending the
    names; the municipality total (0114) and Vallentuna stay as rows."""
    table = read_scb_table(DATA / "folkmangd_bakgrund.csv")
    assert table.index.name == "area_id"
    assert list(table.columns) == ["utländsk_bakgrund_2023", "svensk_bakgrund_2023"]
    assert set(table.index) == {"0114", *CODES, "0115A0010"}
    assert table.loc["0114C1010"].tolist() == [1450.0, 650.0]
    assert table.loc["0114"].tolist() == [19830.0, 28204.0]


def test_csv_semicolons_decimal_commas_and_windows_1252():
    """Semicolon CSV in Windows-1252 (å, ä, ö), decimal commas, '..' = missing."""
    table = read_scb_table(DATA / "kriterier.csv")
    assert list(table.columns) == [
        "förvärvsfrekvens_2022",
        "långvarigt_försörjningsstöd_2022",
        "gymnasiebehörighet_2022",
    ]
    assert table.loc["0114A0010"].tolist() == [81.5, 0.9, 88.2]
    assert table.loc["0114C1010", "förvärvsfrekvens_2022"] == 49.8
    assert np.isnan(table.loc["0114C1020", "långvarigt_försörjningsstöd_2022"])


def test_json_stat2():
    """Values run in row-major order over id = Region, Fodelseregion (2),
    ContentsCode (1), Tid (1): [A0010 inrikes, A0010 utrikes, C1010 inrikes, ...];
    the Region index is an object, Fodelseregion's a list; null is missing."""
    table = read_scb_table(DATA / "bakgrund.json")
    assert list(table.columns) == ["inrikes_född_2023", "utrikes_född_2023"]
    assert table.loc["0114A0010"].tolist() == [1376.0, 224.0]
    assert table.loc["0114C1010"].tolist() == [1390.0, 710.0]
    assert table.loc["0114C1020", "inrikes_född_2023"] == 1405.0
    assert np.isnan(table.loc["0114C1020", "utrikes_född_2023"])
    assert table.loc["0115A0010"].tolist() == [1500.0, 130.0]


def test_json_stat2_sparse_values_and_one_column(tmp_path):
    """``value`` as an object of positions (JSON-stat's sparse form), and a table
    with one value per area, named after its contents and year."""
    data = json.loads((DATA / "bakgrund.json").read_text(encoding="utf-8"))
    dense = data["value"]
    data["value"] = {str(i): v for i, v in enumerate(dense) if v is not None}
    (tmp_path / "sparse.json").write_text(json.dumps(data), encoding="utf-8")
    sparse = read_scb_table(tmp_path / "sparse.json")
    pd.testing.assert_frame_equal(sparse, read_scb_table(DATA / "bakgrund.json"))

    data["size"][1] = 1
    data["dimension"]["Fodelseregion"]["category"] = {
        "index": {"tot": 0},
        "label": {"tot": "totalt"},
    }
    data["value"] = [1600, 2100, 1813, 1630]
    (tmp_path / "one.json").write_text(json.dumps(data), encoding="utf-8")
    one = read_scb_table(tmp_path / "one.json")
    assert list(one.columns) == ["antal_2023"]
    assert one["antal_2023"].tolist() == [1600.0, 2100.0, 1813.0, 1630.0]


def test_read_areas_joins_every_table(tmp_path):
    """DeSO 2018 layer (column ``deso``) + the three tables. Vallentuna and the
    municipality total are outside the layer and left out; the two population
    tables agree on each area's total (see the module docstring)."""
    layer = deso_layer(tmp_path / "deso.gpkg")
    areas = read_areas(
        layer,
        stats=[
            DATA / "folkmangd_bakgrund.csv",
            DATA / "bakgrund.json",
            DATA / "kriterier.csv",
        ],
    )
    assert isinstance(areas, gpd.GeoDataFrame)
    assert list(areas.columns[:6]) == [
        "area_id",
        "lan",
        "kommun",
        "deso_category",
        "deso_category_meaning",
        "deso",
    ]
    assert areas["area_id"].tolist() == CODES
    assert areas["lan"].tolist() == ["01"] * 3
    assert areas["kommun"].tolist() == ["0114"] * 3
    assert areas["deso_category"].tolist() == ["A", "C", "C"]
    assert areas.loc[0, "deso_category_meaning"] == DESO_CATEGORIES["A"]
    assert areas["kommunnamn"].tolist() == ["Upplands Väsby"] * 3  # own columns kept
    by_background = areas["utländsk_bakgrund_2023"] + areas["svensk_bakgrund_2023"]
    by_birth = areas["inrikes_född_2023"] + areas["utrikes_född_2023"]
    assert by_background.tolist() == [1600.0, 2100.0, 1813.0]
    assert by_birth[:2].tolist() == [1600.0, 2100.0]
    assert areas["förvärvsfrekvens_2022"].tolist() == [81.5, 49.8, 58.3]
    assert areas.crs.to_epsg() == 3006


def test_deso_2025_layer_and_an_explicit_id(tmp_path):
    """DeSO 2025 names its code ``desokod``; ``area_id`` picks any column."""
    areas = read_areas(deso_layer(tmp_path / "d.gpkg", column="desokod"))
    assert areas["area_id"].tolist() == CODES
    renamed = read_areas(deso_layer(tmp_path / "e.gpkg", column="omrade"), area_id="omrade")
    assert renamed["deso_category"].tolist() == ["A", "C", "C"]
    with pytest.raises(InputError, match=r"no area code column.*omrade"):
        read_areas(tmp_path / "e.gpkg")


def test_codes_that_do_not_match_are_reported(tmp_path):
    """A layer with an area the tables lack (0114C1030): refused with the count
    and the code, or kept with empty values; a table for another division
    matches nothing; a clash of column names asks for prefixes."""
    layer = deso_layer(tmp_path / "deso.gpkg", codes=[*CODES[:2], "0114C1030"])
    with pytest.raises(InputError, match=r"1 of 3 areas have no row, such as 0114C1030"):
        read_areas(layer, stats=[DATA / "kriterier.csv"])
    kept = read_areas(layer, stats=[DATA / "kriterier.csv"], missing="keep")
    assert np.isnan(kept.loc[2, "förvärvsfrekvens_2022"])
    assert kept.loc[0, "förvärvsfrekvens_2022"] == 81.5

    other = pd.DataFrame({"x": [1.0]}, index=["0180C1090"])
    with pytest.raises(InputError, match="none of its 1 area codes"):
        read_areas(layer, stats=[other])

    full = deso_layer(tmp_path / "full.gpkg")
    with pytest.raises(InputError, match="already in the areas"):
        read_areas(full, stats=[DATA / "kriterier.csv", DATA / "kriterier.csv"])
    both = read_areas(full, stats={"a_": DATA / "kriterier.csv", "b_": DATA / "kriterier.csv"})
    assert both["a_förvärvsfrekvens_2022"].tolist() == both["b_förvärvsfrekvens_2022"].tolist()


def test_bad_layers_and_tables(tmp_path):
    twice = deso_layer(tmp_path / "twice.gpkg", codes=[CODES[0], CODES[0], CODES[1]])
    with pytest.raises(InputError, match="0114A0010 is in column 'deso' more than once"):
        read_areas(twice)
    wrong = deso_layer(tmp_path / "wrong.gpkg", codes=["0114A0010", "0114X1010", "x"])
    with pytest.raises(InputError, match="not DeSO codes"):
        read_areas(wrong)
    text = tmp_path / "notes.csv"
    text.write_text("just a note\nand another\n", encoding="utf-8")
    with pytest.raises(InputError, match="no table"):
        read_scb_table(text)
    names = tmp_path / "names.csv"
    names.write_text("område,antal\nNorr,5\nSöder,6\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column holds area codes"):
        read_scb_table(names)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("region;kön;antal\n0114A0010;1;5\n0114A0010;k;6\n", encoding="utf-8")
    assert list(read_scb_table(mixed).columns) == ["1_antal", "k_antal"]  # kön is a group
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("region,antal\n0114A0010,5\n0114C1010,6,7\n0114C1020,8\n", encoding="utf-8")
    with pytest.raises(InputError, match="row starting '0114C1010' has 3 values"):
        read_scb_table(ragged)
    (tmp_path / "table.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError, match="as CSV"):
        read_scb_table(tmp_path / "table.xlsx")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_scb_table(tmp_path / "broken.json")

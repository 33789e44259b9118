"""SCB statistics on the areas command: DeSO polygons get their tables' columns.

The town: one straight street from x = 0 to 900 m (three pieces), and three DeSO
polygons of Upplands Väsby side by side, each holding 300 m of it::

    | 0114A0010       | 0114C1010       | 0114C1020       |
    0 -------------- 300 ------------- 600 ------------- 900

The tables are the hand-made fixtures of ``tests/data/scb/`` (see its README): the
CSV download ``folkmangd_bakgrund.csv`` (foreign / Swedish background, 2023) with a
municipality total and a Vallentuna area that are not in the layer, the Windows-1252
``kriterier.csv`` with decimal commas and a ``..``, and the JSON-stat 2.0
``bakgrund.json``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines
from typer.testing import CliRunner

from stadsrum.cli import app

SCB = Path(__file__).resolve().parent / "data" / "scb"
CODES = ["0114A0010", "0114C1010", "0114C1020"]
# from folkmangd_bakgrund.csv: (foreign background, Swedish background) per area
COUNTS = {"0114A0010": (312, 1288), "0114C1010": (1450, 650), "0114C1020": (802, 1011)}
GROUPS = "utländsk_bakgrund_2023,svensk_bakgrund_2023"


def _town(tmp_path: Path) -> tuple[Path, Path]:
    lines = [[(0, 0), (300, 0)], [(300, 0), (600, 0)], [(600, 0), (900, 0)]]
    make_lines(lines).to_file(tmp_path / "streets.gpkg")
    boxes = [shapely.box(X0 + x, Y0 - 100, X0 + x + 300, Y0 + 100) for x in (0, 300, 600)]
    deso = gpd.GeoDataFrame({"deso": CODES, "kommun": ["0114"] * 3}, geometry=boxes, crs=SWEREF)
    deso.to_file(tmp_path / "deso.gpkg")
    return tmp_path / "streets.gpkg", tmp_path / "deso.gpkg"


def _areas(tmp_path: Path, *extra: str) -> CliRunner:
    streets, deso = _town(tmp_path)
    args = ["areas", "--network", str(streets), "--areas", str(deso)]
    args += ["--thresholds", "5", "--environment", "5", "--out", str(tmp_path / "o.gpkg")]
    return CliRunner().invoke(app, [*args, *extra, "-q"])


def test_deso_population_and_criteria_from_scb_tables(tmp_path) -> None:
    """The DeSO layer is both the areas and the population: its joined counts are the
    groups. Each area's 300 m of street gets all its residents, so each area's
    population is the table's sum: 1600, 2100 and 1813 (5513 in all, 2564 of foreign
    background).

    Aspatial dissimilarity by Duncan and Duncan's two-group formula,
    D = ½ Σ_j |a_j / A − b_j / B| with A = 2564, B = 2949:
    |312/2564 − 1288/2949| = |0.121685 − 0.436758| = 0.315073,
    |1450/2564 − 650/2949| = 0.345109, |802/2564 − 1011/2949| = 0.030036,
    D = 0.690218 / 2 = 0.345109.

    The 2012 criteria from kriterier.csv (employment < 52, income support > 4.8,
    eligibility < 70): 0114A0010 81.5 / 0.9 / 88.2 → none; 0114C1010 49.8 / 6.1 / 64.0
    → all three; 0114C1020 58.3 / .. / 71.4 → none true, income support empty.
    """
    crit = (
        "employment=förvärvsfrekvens_2022,income_support=långvarigt_försörjningsstöd_2022,"
        "eligibility=gymnasiebehörighet_2022"
    )
    stats = f"{SCB / 'folkmangd_bakgrund.csv'},{SCB / 'kriterier.csv'}"
    deso = str(tmp_path / "deso.gpkg")
    result = _areas(
        tmp_path, "--population", deso, "--groups", GROUPS, "--area-stats", stats,
        "--criteria", crit,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = tmp_path / "o.gpkg"
    areas = pyogrio.read_dataframe(out, layer="areas").set_index("area_id")
    for code, (foreign, swedish) in COUNTS.items():
        assert areas.loc[code, "population"] == pytest.approx(foreign + swedish)
        assert areas.loc[code, "pop_utländsk_bakgrund_2023"] == pytest.approx(foreign)
        assert areas.loc[code, "share_utländsk_bakgrund_2023"] == pytest.approx(
            foreign / (foreign + swedish)
        )
    assert areas.loc["0114C1010", "deso_category"] == "C"
    assert areas.loc["0114A0010", "förvärvsfrekvens_2022"] == pytest.approx(81.5)
    assert areas["criteria_met"].tolist() == [0, 3, 0]
    assert areas.loc["0114C1010", "crit_income_support"] == 1
    assert pd.isna(areas.loc["0114C1020", "crit_income_support"])
    seg = pyogrio.read_dataframe(out, layer="segregation")
    d = seg[(seg["index"] == "dissimilarity") & (seg["scale"] == "areas")]["value"]
    assert d.tolist() == pytest.approx([0.345109], abs=1e-6)
    with sqlite3.connect(out) as con:
        meta = dict(con.execute("select key, value from run_metadata").fetchall())
    assert "kriterier.csv" in meta["parameters"]
    assert meta["input:area_stats_2"].endswith("kriterier.csv")
    assert len(meta["input:area_stats_2:sha256"]) == 64


def test_json_stat_table_with_a_prefix_and_points_as_population(tmp_path) -> None:
    """A JSON-stat table joined under a prefix (``bef_=bakgrund.json``): its columns
    land on the areas (0114C1010: 1390 born in Sweden, 710 abroad) while the
    population is a separate point layer (one point of 10 people at x = 450, in
    0114C1010), so the statistics do not become residents."""
    pts = gpd.GeoDataFrame(
        {"population": [10.0]}, geometry=[shapely.Point(X0 + 450, Y0 + 5)], crs=SWEREF
    )
    pts.to_file(tmp_path / "pts.gpkg")
    stats = f"bef_={SCB / 'bakgrund.json'}"
    result = _areas(tmp_path, "--population", str(tmp_path / "pts.gpkg"), "--area-stats", stats)
    assert result.exit_code == 0, result.output
    areas = pyogrio.read_dataframe(tmp_path / "o.gpkg", layer="areas").set_index("area_id")
    assert areas.loc["0114C1010", "bef_inrikes_född_2023"] == pytest.approx(1390)
    assert areas.loc["0114C1010", "bef_utrikes_född_2023"] == pytest.approx(710)
    assert areas.loc["0114C1010", "population"] == pytest.approx(10)
    assert areas.loc["0114A0010", "population"] == pytest.approx(0)


def test_area_stats_refusals_are_one_line(tmp_path) -> None:
    """Without --areas, with a missing file, and with groups the table leaves empty
    (bakgrund.json has no count of people born abroad in 0114C1020): each stops with
    one line naming what to do."""
    streets, deso = _town(tmp_path)
    runner = CliRunner()
    base = ["areas", "--network", str(streets), "--population", str(deso)]
    base += ["--out", str(tmp_path / "o.gpkg"), "-q"]
    result = runner.invoke(app, [*base, "--area-stats", str(SCB / "kriterier.csv")])
    assert result.exit_code != 0
    assert "give --areas" in result.output
    result = _areas(tmp_path, "--population", str(deso), "--area-stats", "nope.csv")
    assert result.exit_code != 0
    assert "--area-stats: no such file 'nope.csv'" in result.output
    result = _areas(
        tmp_path, "--population", str(deso), "--area-stats", str(SCB / "bakgrund.json"),
        "--groups", "inrikes_född_2023,utrikes_född_2023",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "utrikes_född_2023" in result.output
    assert "Traceback" not in result.output

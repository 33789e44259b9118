"""The report's section on people and areas, on a drawn town whose indices are known by hand."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum.report import write_report
from stadsrum.report.areas import reading
from stadsrum.report.labels import format_number
from stadsrum.workflows import run_areas

STREETS = make_lines(
    [[(x, 0), (x + 100, 0)] for x in range(0, 500, 100)]
    + [[(x, 100), (x + 100, 100)] for x in range(0, 500, 100)]
    + [[(x, 0), (x, 100)] for x in (0, 300, 500)]
)
"""A ladder of two streets 500 m long with three rungs."""


def _town(synthetic: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Four houses, two areas split at x = 250 m: west 30 + 10, east 10 + 30 (se + abroad)."""
    pop = gpd.GeoDataFrame(
        {
            "born_sweden": [15, 15, 5, 5],
            "born_abroad": [5, 5, 15, 15],
        },
        geometry=[
            shapely.Point(X0 + x, Y0 + y) for x, y in [(50, 20), (150, 80), (350, 20), (450, 80)]
        ],
        crs="EPSG:3006",
    )
    pop["population"] = pop["born_sweden"] + pop["born_abroad"]
    if synthetic:
        pop["synthetic"] = True
    areas = gpd.GeoDataFrame(
        {"area_id": ["west", "east"]},
        geometry=[
            shapely.box(X0 - 10, Y0 - 10, X0 + 250, Y0 + 110),
            shapely.box(X0 + 250, Y0 - 10, X0 + 510, Y0 + 110),
        ],
        crs="EPSG:3006",
    )
    nodes = gpd.GeoDataFrame(
        {"node_id": ["s", "l"], "category": ["school", "library"]},
        geometry=[shapely.Point(X0 + 20, Y0 - 5), shapely.Point(X0 + 480, Y0 + 105)],
        crs="EPSG:3006",
    )
    return pop, areas, nodes


@pytest.fixture(scope="module")
def areas_gpkg(tmp_path_factory):
    folder = tmp_path_factory.mktemp("areas")
    paths = {}
    for synthetic in (True, False):
        pop, areas, nodes = _town(synthetic)
        out = folder / f"areas_{'synthetic' if synthetic else 'real'}.gpkg"
        run_areas(
            STREETS,
            pop,
            out,
            groups="born_sweden,born_abroad",
            areas=areas,
            nodes=nodes,
            node_category="category",
            environment="5",
        )
        paths[synthetic] = out
    return paths


@pytest.fixture(scope="module")
def reports(areas_gpkg, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    return {
        (lang, synthetic): write_report(
            [areas_gpkg[synthetic]], folder / f"{lang}{synthetic}", lang=lang
        )
        for lang in ("sv", "en")
        for synthetic in (True, False)
    }


def _text(report) -> str:
    return html.unescape(report.html.read_text(encoding="utf-8"))


def test_section_reads_the_hand_derived_dissimilarity(reports):
    """D over the two areas, by hand (Duncan's two-group formula, equal to AREAS.md's for G = 2).

    West holds 30 of the 40 born in Sweden and 10 of the 40 born abroad, east the reverse:
    D = ½ (|30/40 − 10/40| + |10/40 − 30/40|) = ½ (0.5 + 0.5) = 0.50, read as "50 % of
    either group would have to move". The smaller group is born abroad at 40/80 = 50 %
    (a tie: the reading names one of them), isolation over areas
    = (10/40)(10/40) + (30/40)(30/40) = 0.625.
    """
    sv, en = _text(reports["sv", False]), _text(reports["en", False])
    assert "Människor och områden" in sv
    assert "People and areas" in en
    assert "Olikhetsindex D över områdena är 0,50." in sv
    assert "50\u00a0% av de boende i den ena gruppen" in sv
    assert "The dissimilarity index D over the areas is 0.50." in en
    assert "0,625" not in sv  # shares are read as whole percent, never three decimals
    # the areas table: each area's share of those born abroad, by hand 10/40 and 30/40
    assert "25\u00a0%" in sv
    assert "75\u00a0%" in sv


def test_tables_carry_the_runs_numbers(areas_gpkg, reports):
    """Every index of the run's segregation table appears, as a Swedish reader writes it."""
    seg = pyogrio.read_dataframe(areas_gpkg[False], layer="segregation")
    sv = _text(reports["sv", False])
    for value in seg["value"]:
        assert f">{format_number(float(value), 'sv', 2)}<" in sv
    # maps: group panels, the area matrix, co-presence, meeting places
    images = re.findall(r'<img alt="([^"]+)"', sv)
    assert any("per område och grupp" in t for t in images)
    assert any("mellan de boende i två områden" in t for t in images)
    assert any("Potentiell samvaro" in t for t in images)
    assert any("Mötesplatser" in t for t in images)


def test_synthetic_population_is_said_in_both_languages(reports):
    assert "påhittad (syntetisk)" in _text(reports["sv", True])
    assert "made up (synthetic)" in _text(reports["en", True])
    assert "syntetisk" not in _text(reports["sv", False])
    assert "synthetic" not in _text(reports["en", False]).lower()


def test_pdf_section_renders(reports, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed to read the PDF")
    text = subprocess.run(
        ["pdftotext", str(reports["sv", True].pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Människor och områden" in text
    assert "Olikhetsindex D över områdena är 0,50." in text
    assert "påhittad (syntetisk)" in text


@pytest.mark.parametrize(
    ("network", "word_sv"),
    [(0.20, "lägre än"), (0.60, "högre än"), (0.51, "ungefär lika")],
)
def test_network_scale_is_compared_with_the_areas(network, word_sv):
    """The text says whether the streets mix more, less or about as much as the areas."""
    import pandas as pd

    seg = pd.DataFrame(
        {
            "index": ["dissimilarity", "dissimilarity"],
            "group": ["all", "all"],
            "scale": ["areas", "network_10min"],
            "value": [0.5, network],
        }
    )
    text = " ".join(reading(seg, {"a": 0.7, "b": 0.3}, "sv"))
    assert f"Där är D = {format_number(network, 'sv', 2)} inom 10 minuter." in text
    assert word_sv in text
    assert np.isfinite(network)


def test_a_run_without_groups_or_areas_still_renders(tmp_path):
    """Only a total column, no areas and no nodes: the section says what it can, no error."""
    pop, _areas, _nodes = _town(False)
    out = tmp_path / "areas.gpkg"
    run_areas(STREETS, pop[["population", "geometry"]], out, environment="5")
    report = write_report([out], tmp_path / "report", lang="sv")
    text = _text(report)
    assert "Människor och områden" in text
    assert "Olikhetsindex" not in text  # one group: no index to read

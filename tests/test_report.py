"""The report: HTML and PDF render, with the expected headings, maps and tables.

The rendering is checked by screenshot: headless Chromium for the HTML and
pdftoppm (poppler-utils) for the PDF; each check is skipped, saying why, when
its program is not installed.
"""

from __future__ import annotations

import base64
import html.parser
import io
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, make_lines
from PIL import Image
from typer.testing import CliRunner

from stadsrum import InputError
from stadsrum.cli import app
from stadsrum.report import collect_sources, write_report
from stadsrum.workflows import run_compare, run_distances, run_network, run_segments

STREETS = make_lines(
    [[(x, 0), (x + 100, 0)] for x in range(0, 500, 100)]
    + [[(x, 100), (x + 100, 100)] for x in range(0, 500, 100)]
    + [[(x, 0), (x, 100)] for x in (0, 300, 500)]
)
"""A ladder of two streets 500 m long with three rungs; the proposal adds one at x = 150."""


def _pts(coords, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in coords], crs="EPSG:3006"
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    places = _pts([(150, -10), (450, 110)], place_id=["torget", "parken"])
    nodes = _pts([(150, 110), (20, -5), (480, -5)], node_id=["skolan", "stationen", "biblioteket"])
    nodes["category"] = ["school", "station", "library"]
    proposal = make_lines([[(150, 0), (150, 100)]], name=["ny gångbro"])
    net = run_network(STREETS, folder / "network.gpkg").network
    run_segments(net, folder / "segments.gpkg", cost="angular,metric", radii="200,n")
    run_distances(net, places, nodes, folder / "distances.gpkg", node_category="category")
    run_compare(
        net,
        proposal,
        folder / "compare.gpkg",
        places=places,
        nodes=nodes,
        node_category="category",
        radii="200,n",
    )
    return folder


class _Headings(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.images: list[str] = []
        self.tables = 0
        self._tag: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self._tag = tag
            self.headings.append((tag, ""))
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "table":
            self.tables += 1

    def handle_endtag(self, tag):
        if tag == self._tag:
            self._tag = None

    def handle_data(self, data):
        if self._tag:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)


def _not_blank(image: Image.Image) -> float:
    """Share of pixels that are not (nearly) white."""
    grey = np.asarray(image.convert("L"), dtype=np.float64)
    return float((grey < 235).mean())


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Urban space analysis",
                "The street network",
                "Spatial integration (space syntax)",
                "Distances from places to key nodes",
                "What the proposal changes",
            ],
        ),
        (
            "sv",
            [
                "Stadsrumsanalys",
                "Gatunätet",
                "Rumslig integration (space syntax)",
                "Avstånd från platser till målpunkter",
                "Vad förslaget förändrar",
            ],
        ),
    ],
)
def test_report_command_writes_html_and_pdf(results, tmp_path, lang, expected):
    out = tmp_path / "report"
    run = CliRunner().invoke(app, ["report", str(results), "--out", str(out), "--lang", lang, "-q"])
    assert run.exit_code == 0, run.output
    text = (out / "report.html").read_text(encoding="utf-8")
    parser = _Headings()
    parser.feed(text)
    headings = [h for _, h in parser.headings]
    assert headings[0] == expected[0]
    for heading in expected[1:]:
        assert heading in headings
    assert f'<html lang="{lang}">' in text
    assert 'src="http' not in text  # self-contained: no external images or scripts
    assert len(parser.images) >= 8
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert _not_blank(image) > 0.002
    assert parser.tables >= 4  # OD per place, place summary, change per place, parameters
    assert "integration_angular_rn_change" in text
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_html_screenshot_in_chromium(results, tmp_path):
    browser = next(
        (
            shutil.which(b)
            for b in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(b)
        ),
        None,
    )
    if browser is None:
        pytest.skip(
            "no headless Chromium installed (apt-get install chromium) to screenshot the HTML"
        )
    report = write_report(results, tmp_path, lang="en")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1000,2400",
            report.html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists(), "Chromium wrote no screenshot"
    image = Image.open(shot)
    assert image.size == (1000, 2400)
    assert _not_blank(image) > 0.02
    # the first map (a figure well below the headings) is drawn: coloured pixels
    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    assert (saturation > 60).mean() > 0.001


def test_pdf_pages_render_with_the_headings(results, tmp_path):
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed to render the PDF")
    report = write_report(results, tmp_path, lang="sv")
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(report.pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 10
    for page in pages:
        assert _not_blank(Image.open(page)) > 0.001, page.name
    text = subprocess.run(
        ["pdftotext", str(report.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in ("Stadsrumsanalys", "Gatunätet", "Vad förslaget förändrar", "Parametrar"):
        assert heading in text


def test_sources_are_files_or_folders(results, tmp_path):
    assert [p.name for p in collect_sources(results)] == [
        "compare.gpkg",
        "distances.gpkg",
        "network.gpkg",
        "segments.gpkg",
    ]
    with pytest.raises(InputError, match="no GeoPackage found"):
        collect_sources(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        collect_sources(tmp_path / "nothing.gpkg")
    run = CliRunner().invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r")])
    assert run.exit_code == 1
    assert run.output.strip().splitlines()[-1].startswith("error: report: no GeoPackage found")

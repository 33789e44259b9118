"""The report: HTML and PDF render, with the expected headings, maps and tables.

The rendering is checked by screenshot: headless Chromium for the HTML and
pdftoppm (poppler-utils) for the PDF; each check is skipped, saying why, when
its program is not installed.
"""

from __future__ import annotations

import base64
import html.parser
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from helpers import X0, Y0, make_lines
from PIL import Image
from typer.testing import CliRunner

from stadsrum import InputError
from stadsrum.cli import app
from stadsrum.report import collect_sources, maps, write_report
from stadsrum.report.labels import column_label, format_number, format_value
from stadsrum.workflows import run_compare, run_distances, run_network, run_segments

STREETS = make_lines(
    [[(x, 0), (x + 100, 0)] for x in range(0, 500, 100)]
    + [[(x, 100), (x + 100, 100)] for x in range(0, 500, 100)]
    + [[(x, 0), (x, 100)] for x in (0, 300, 500)]
)
"""A ladder of two streets 500 m long with three rungs; the proposal adds one at x = 150."""

NODE_IDS = ("school-ressun-lukio", "station-helsinki", "library-rikhardinkadun-kirjasto")
"""A school, a station and a library of the sample city; the library has no ``name_sv``."""


def _pts(coords, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in coords], crs="EPSG:3006"
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    # ids, names and categories of real places and nodes of the sample city (central Helsinki)
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "helsinki.gpkg"
    real_places = pyogrio.read_dataframe(sample, layer="places", read_geometry=False)
    real_nodes = pyogrio.read_dataframe(sample, layer="nodes", read_geometry=False)
    place_rows = real_places.set_index("place_id").loc[["kolmensepanaukio", "kaisaniemen-puisto"]]
    node_rows = real_nodes.set_index("node_id").loc[list(NODE_IDS)]
    places = _pts(
        [(150, -10), (450, 110)],
        place_id=list(place_rows.index),
        name=list(place_rows["name"]),
        name_sv=list(place_rows["name_sv"]),
    )
    nodes = _pts(
        [(150, 110), (20, -5), (480, -5)],
        node_id=list(node_rows.index),
        name=list(node_rows["name"]),
        name_sv=list(node_rows["name_sv"]),
    )
    nodes["category"] = list(node_rows["category"])
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
    # the change map's legend title is the measure in words, not the column name
    change = {
        "sv": "Integration (vinkel, hela staden), förändring",
        "en": "Integration (angular, whole city), change",
    }[lang]
    assert f"<figcaption>{change}</figcaption>" in text
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


# -- the report in the reader's language ------------------------------------------------------

THIN = "\u202f"


def test_numbers_written_as_swedish_and_english_readers_write_them():
    """Hand values: Swedish uses a decimal comma and a narrow no-break space between thousands
    (Språkrådet's thin space, U+202F so a number never breaks across lines); English a decimal
    point and commas. Both use the minus sign U+2212; a value that rounds to zero has no sign."""
    assert format_number(1234567.891, "sv") == f"1{THIN}234{THIN}567,9"
    assert format_number(1234567.891, "en") == "1,234,567.9"
    assert format_number(1234567.891, "sv", 2) == f"1{THIN}234{THIN}567,89"
    assert format_number(-1922.44, "sv") == f"\u22121{THIN}922,4"
    assert format_number(999.96, "sv") == f"1{THIN}000,0"  # rounding carries into the thousands
    assert format_number(15.0, "sv") == "15"
    assert format_number(0.5, "sv") == "0,5"
    assert format_number(-0.04, "sv") == "0,0"
    assert format_number(float("nan"), "sv") == "–"
    assert format_value(True, "sv") == "ja"
    assert format_value([10.0, 15.0], "sv") == "10, 15"
    assert format_value([1.5, 2.5], "sv") == "1,5; 2,5"  # commas between decimals would mislead
    assert format_value([1.5, 2.5], "en") == "1.5, 2.5"
    assert format_value(np.int64(43), "sv") == "43"


@pytest.mark.parametrize(
    ("column", "sv", "en"),
    [
        (
            "integration_angular_rn",
            "Integration (vinkel, hela staden)",
            "Integration (angular, whole city)",
        ),
        (
            "choice_metric_r800_change",
            "Genomströmning (meter, 800 m), förändring",
            "Choice (metric, 800 m), change",
        ),
        ("reach_10min_before", "Målpunkter inom 10 min, före", "Nodes within 10 min, before"),
        ("reach_r600", "Målpunkter inom 600 m", "Nodes within 600 m"),
        (
            "nearest_tram_stop_m",
            "Avstånd till närmaste spårvagnshållplats (m)",
            "Nearest tram stop (m)",
        ),
        ("walk_min", "Gångtid (min)", "Walking time (min)"),
    ],
)
def test_columns_are_named_in_words(column, sv, en):
    assert column_label(column, "sv") == sv
    assert column_label(column, "en") == en


class _Visible(html.parser.HTMLParser):
    """Text a reader sees: outside the parameters (``details``) and file/layer names (``code``)."""

    SKIP = frozenset({"details", "code", "style", "script", "title"})

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        if tag in ("td", "th", "figcaption") and not self.depth:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.depth -= 1
        if tag in ("td", "th", "figcaption") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if not self.depth:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)


@pytest.fixture(scope="module")
def reports(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return {lang: write_report(results, out / lang, lang=lang) for lang in ("sv", "en")}


def _visible(report) -> _Visible:
    parser = _Visible()
    parser.feed(report.html.read_text(encoding="utf-8"))
    return parser


def test_swedish_report_speaks_swedish(reports, results):
    """Names, categories, headers and legends in words; no column name or id slug shown."""
    seen = _visible(reports["sv"])
    text = " ".join(seen.text)
    # every result column with an underscore is a machine name: none may reach the reader
    columns = {
        str(c)
        for path in sorted(results.glob("*.gpkg"))
        for layer, _geom in pyogrio.list_layers(path)
        for c in pyogrio.read_info(path, layer=str(layer))["fields"]
    }
    raw = sorted(
        c for c in columns if "_" in c and re.search(rf"(?<!\w){re.escape(c)}(?!\w)", text)
    )
    assert raw == [], raw
    assert re.findall(r"\S*_\S*", text) == []
    # names: name_sv first, then name; never the id
    assert "Tre smedersplatsen" in text
    assert "Kajsaniemiparken" in text
    assert "Helsingfors järnvägsstation" in text
    assert "Gymnasiet Ressu" in text
    assert "Rikhardinkadun kirjasto" in text  # no name_sv: its name
    for slug in ("kolmensepanaukio", "kaisaniemen-puisto", *NODE_IDS):
        assert slug not in text
    # categories and headers in Swedish
    for header in ("Plats", "Skola", "Station", "Bibliotek", "Medelgångtid (min)", "Rang"):
        assert header in seen.cells
    assert "Genomströmning per gatusegment" in text
    assert "Valbarhet" not in text
    assert "valbarhet" not in text


def test_english_report_uses_local_names_and_english_numbers(reports):
    seen = _visible(reports["en"])
    text = " ".join(seen.text)
    assert "Kolmensepänaukio" in text
    assert "Kaisaniemen puisto" in text
    assert "Rikhardinkadun kirjasto" in text
    assert re.findall(r"\S*_\S*", text) == []
    assert any(re.search(r"\d\.\d", c) for c in seen.cells)
    assert not any(re.search(r"\d,\d", c) for c in seen.cells)


def test_swedish_numbers_throughout(reports):
    """Every table cell and legend title: decimal comma, never a decimal point; and the figures
    (PNG legends, axis ticks) are drawn with the same formatter, checked in the PDF text."""
    cells = _visible(reports["sv"]).cells
    assert any(re.search(r"\d,\d", c) for c in cells)
    assert [c for c in cells if re.search(r"\d\.\d", c)] == []
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed to read the PDF")
    text = subprocess.run(
        ["pdftotext", str(reports["sv"].pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # legends and ticks: "0,5 – 1,2 min"; only the run's version and times use points
    dotted = [
        w
        for w in re.findall(r"\S*\d\.\d\S*", text)
        if not re.fullmatch(r"\d+\.\d+\.\d+,?|\d{4}-\d\d-\d\dT[\d:.+]+", w)
    ]
    assert dotted == [], dotted
    assert re.search(r"\d,\d", text)


def test_pdf_contents_give_the_right_page_numbers(reports):
    """Every heading listed on page 1 is found, by pdftotext, on the page it names."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed to read the PDF")
    pdf = reports["sv"].pdf

    def page_text(first: int, last: int | None = None) -> str:
        return subprocess.run(
            ["pdftotext", "-layout", "-f", str(first), "-l", str(last or first), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    toc = page_text(1)
    listed = re.findall(r"^\s*(\S.*?)\s*\.{4,}\s*(\d+)\s*$", toc, flags=re.M)
    assert len(listed) == len(reports["sv"].contents) >= 10
    assert [int(p) for _t, p in listed] == sorted(int(p) for _t, p in listed)
    total = int(re.search(r"1 / (\d+)", toc).group(1))
    for title, page in listed:
        text = page_text(int(page))
        heading = re.sub(r"^\d+\. ", "", " ".join(title.split()))  # "1. Gatunätet"
        assert heading in " ".join(text.split()), (title, page)
        assert f"{page} / {total}" in text


def test_pdf_tables_show_every_cell_in_full(reports, tmp_path):
    """Long names wrap inside their cell instead of being cut: every word of every cell of a
    wide table (nine columns of the sample city's longest names) is in the PDF's text."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed to read the PDF")
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "helsinki.gpkg"
    names = pyogrio.read_dataframe(sample, layer="nodes", read_geometry=False)["name_sv"]
    longest = sorted(names.dropna().astype(str), key=len)[-9:]
    table = pd.DataFrame(
        {
            f"Avstånd till närmaste {n.lower()}": [f"{k},{k} ({m})" for m in longest]
            for k, n in enumerate(longest)
        }
    )
    from matplotlib.backends.backend_pdf import PdfPages

    path = tmp_path / "table.pdf"
    with PdfPages(path) as pdf:
        for fig in maps.text_pages("Tabell", tables=[("Bred tabell", table, ())]):
            pdf.savefig(fig)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    for value in [*table.columns, *table.to_numpy().ravel()]:
        assert re.sub(r"\s+", "", value) in flat, value
    # and the sample-city names of the report's own tables
    report_text = re.sub(
        r"\s+",
        "",
        subprocess.run(
            ["pdftotext", str(reports["sv"].pdf), "-"], capture_output=True, text=True, check=True
        ).stdout,
    )
    for name in ("Rikhardinkadunkirjasto", "Helsingforsjärnvägsstation", "Tresmedersplatsen"):
        assert name in report_text


def _browser() -> str | None:
    return next(
        (
            shutil.which(b)
            for b in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(b)
        ),
        None,
    )


def _overflow(browser: str, page: Path, width: int) -> dict:
    """Chromium lays the page out ``width`` px wide; a script reports what sticks out."""
    probe = page.with_name(page.stem + "-probe.html")
    script = """<script>
window.addEventListener('load', function () {
  var d = document.documentElement;
  var wide = Array.prototype.slice.call(document.querySelectorAll('body *'))
    .filter(function (e) { return e.getBoundingClientRect().right > d.clientWidth + 0.5; })
    .map(function (e) { return e.tagName + ': ' + (e.textContent || '').slice(0, 40); });
  var out = document.createElement('pre');
  out.id = 'overflow-probe';
  out.textContent = JSON.stringify({scroll: d.scrollWidth, client: d.clientWidth, wide: wide});
  document.body.appendChild(out);
});
</script>"""
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8"
    )
    run = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--window-size={width},2000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'<pre id="overflow-probe">(.*?)</pre>', run.stdout, flags=re.S)
    assert found, f"Chromium ran no script: {run.stderr[-400:]}"
    return json.loads(html.unescape(found.group(1)))


def test_html_fits_1200_px_without_horizontal_scroll(reports, tmp_path):
    """At 1200 px the page never scrolls sideways: the report itself, and a stress page of the
    widest table the sample city's barrier run writes (ten columns of long labels) plus long
    unbroken values, laid out by the report's own HTML writer (such a table may scroll in its
    own box; the page does not)."""
    browser = _browser()
    if browser is None:
        pytest.skip("no headless Chromium installed (apt-get install chromium) to lay out the HTML")
    from stadsrum.report.build import Block, Section, _html

    for lang in ("sv", "en"):
        result = _overflow(browser, reports[lang].html, 1200)
        assert result["client"] == 1200
        assert result["scroll"] <= result["client"], result["wide"][:5]
        assert result["wide"] == []  # every table fits: none scrolls inside its box either
    columns = ["place_id", "reach_10min_before", "reach_10min_after", "reach_10min_change"]
    columns += ["reach_15min_before", "reach_15min_after", "reach_15min_change"]
    columns += ["mean_change_m", "total_change_m", "pairs_shorter", "nearest_university_m_loss"]
    wide = pd.DataFrame(
        [[f"{format_number(1922.4 * (i + 1), 'sv')}" for i in range(len(columns))]] * 3,
        columns=[column_label(c, "sv") for c in columns],
    )
    wide.iloc[:, 0] = "Högstadieskolan Kruununhaan yläasteen koulu " + "x" * 80
    section = Section(
        command="barriers",
        heading="Barriärer",
        text="",
        source=tmp_path / "barriers.gpkg",
        metadata={"input:places": "/" + "mycket_lång_sökväg/" * 12 + "places.gpkg"},
        parameters={"categories": ["railway", "water"]},
        layers=["barrier_effect_segments"] * 12,
        blocks=[Block(title="Förändring per plats", table=wide)],
    )
    stress = tmp_path / "stress.html"
    stress.write_text(_html([section], "sv", "Test", "", "EPSG:3067"), encoding="utf-8")
    result = _overflow(browser, stress, 1200)
    assert result["scroll"] <= result["client"], result["wide"][:5]


def test_service_area_map_one_ramp_legend_by_minutes(results):
    """One small map per place at one scale, areas nested in one green ramp, the legend from
    the shortest time to the longest (the old legend read 10, 15, 5 min: sorted as text)."""
    areas = pyogrio.read_dataframe(results / "distances.gpkg", layer="service_areas")
    figures = maps.service_area_figures(
        areas,
        title="Gångavstånd",
        names={"kolmensepanaukio": "Tre smedersplatsen", "kaisaniemen-puisto": "Kajsaniemiparken"},
        lang="sv",
    )
    assert len(figures) == 1
    fig = figures[0]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    minutes = sorted({float(m) for m in areas["threshold_min"]})
    assert labels == [f"{format_number(m, 'sv')} min" for m in minutes]
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == ["Kajsaniemiparken", "Tre smedersplatsen"]
    assert len({ax.get_xlim() for ax in panels}) == 1  # same extent, same scale
    colours = [h.get_facecolor() for h in fig.legends[0].legend_handles]
    lightness = [sum(c[:3]) for c in colours]
    assert lightness == sorted(lightness)  # one ramp: darker is nearer


def test_plausibility_warnings_head_their_section(results, tmp_path):
    """A ``warnings`` layer (the plausibility checks) is listed at the head of its section,
    with names instead of ids and Swedish numbers; the layer's rows are made up here."""
    folder = tmp_path / "results"
    folder.mkdir()
    shutil.copy(results / "distances.gpkg", folder / "distances.gpkg")
    warnings = gpd.GeoDataFrame(
        {
            "kind": ["detour", "long_link"],
            "layer": ["od", "nodes"],
            "feature_id": [None, "library-rikhardinkadun-kirjasto"],
            "place_id": ["kolmensepanaukio", None],
            "node_id": ["school-ressun-lukio", None],
            "value": [4.5, 123.456],
            "limit": [4.0, 100.0],
            "message": ["detour ratio 4.5 above 4 for 300 m", "joined 123 m away"],
        },
        geometry=[shapely.Point(X0, Y0)] * 2,
        crs="EPSG:3006",
    )
    pyogrio.write_dataframe(
        warnings, folder / "distances.gpkg", layer="warnings", layer_options={"OVERWRITE": "YES"}
    )
    report = write_report(folder, tmp_path / "report", lang="sv")
    section = report.sections[0]
    block = section.blocks[0]
    assert block.title == "Värden att kontrollera (2)"
    assert block.table.to_numpy().tolist() == [
        ["Omväg", "Tre smedersplatsen → Gymnasiet Ressu", "omvägskvot 4,50, rimlig upp till 4,00"],
        [
            "Lång väg ut till gatan",
            "Rikhardinkadun kirjasto",
            "123 m ut till gatan, flaggas över 100 m",
        ],
    ]
    assert "Tre smedersplatsen → Gymnasiet Ressu" in report.html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("lang", "want"),
    [
        ("sv", ["Torget → Skolan (före och efter)", "Torget → Parken (före)"]),
        ("en", ["Torget → Skolan (before and after)", "Torget → Parken (before)"]),
    ],
)
def test_compare_warnings_say_before_or_after(lang, want):
    """A compare result's doubtful pairs say whether the route is so before the
    proposal, after it, or both (one row when the proposal leaves it alone)."""
    from stadsrum.report.build import _warnings_block
    from stadsrum.report.labels import NameBook

    names = NameBook(lang, places={"t": "Torget"}, nodes={"s": "Skolan", "p": "Parken"})
    frame = pd.DataFrame(
        {
            "kind": ["detour", "detour"],
            "layer": ["od_diff (before and after)", "od_diff (before)"],
            "feature_id": [None, None],
            "place_id": ["t", "t"],
            "node_id": ["s", "p"],
            "value": [8.27, 5.0],
            "limit": [4.0, 4.0],
            "message": ["", ""],
        }
    )
    block = _warnings_block(frame, lang, names)
    assert block is not None
    assert block.table.iloc[:, 1].tolist() == want


def test_a_long_link_just_over_its_limit_shows_the_difference():
    """63.3 m against a limit of 62.6 m (the sample city's Lasipalatsinaukio) rounds to
    "63 m, flagged above 63 m"; the report then gives one decimal so the reader sees why."""
    from stadsrum.report.build import _warnings_block
    from stadsrum.report.labels import NameBook

    frame = pd.DataFrame(
        {
            "kind": ["long_link"],
            "layer": ["nodes"],
            "feature_id": ["sq"],
            "place_id": [None],
            "node_id": [None],
            "value": [63.3],
            "limit": [62.6],
            "message": [""],
        }
    )
    block = _warnings_block(frame, "sv", NameBook("sv", nodes={"sq": "Glaspalatstorget"}))
    assert block is not None
    assert block.table.iloc[0, 2] == "63,3 m ut till gatan, flaggas över 62,6 m"

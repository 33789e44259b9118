"""Every result layer is written with its default QGIS style in the GeoPackage's layer_styles."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from helpers import X0, Y0

from stadsrum.io.styles import class_breaks, diverging_breaks, layer_qml, layer_style
from stadsrum.io.writers import write_csv, write_gpkg, write_parquet

#: As QGIS 3.22 creates the table when a style is saved to a GeoPackage (through OGR).
QGIS_DDL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT '
    'NULL, "f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)

RNG = np.random.default_rng(7)


def _lines(n, **cols):
    geoms = [shapely.LineString([(X0 + i, Y0), (X0 + i + 5, Y0 + 5)]) for i in range(n)]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3006")


def _points(n, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + i, Y0) for i in range(n)], crs="EPSG:3006"
    )


def _polygons(n, **cols):
    geoms = [shapely.box(X0 + 10 * i, Y0, X0 + 10 * i + 8, Y0 + 8) for i in range(n)]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3006")


N = 40
LAYERS = {
    "network": (_lines(N, edge_id=np.arange(N)), "singleSymbol", None),
    "diagnostics": (
        _points(3, issue=["dangling_end", "near_miss", "dangling_end"]),
        "categorizedSymbol",
        "issue",
    ),
    "segments": (
        _lines(N, integration_angular_rn=RNG.random(N), choice_angular_rn=RNG.random(N)),
        "graduatedSymbol",
        "integration_angular_rn",
    ),
    "od": (
        _lines(N, walk_min=RNG.gamma(2, 4, N), total_m=RNG.random(N)),
        "graduatedSymbol",
        "walk_min",
    ),
    "service_areas": (
        _polygons(3, place_id=["a"] * 3, threshold_min=[5.0, 10.0, 15.0]),
        "categorizedSymbol",
        "threshold_min",
    ),
    "service_area_lines": (
        _lines(3, threshold_min=[5.0, 10.0, 15.0]),
        "categorizedSymbol",
        "threshold_min",
    ),
    "accessibility": (
        _lines(
            N,
            nearest_m=RNG.random(N),
            reach_r300=RNG.integers(0, 9, N),
            reach_r600=RNG.integers(0, 20, N),
            reach_rn=np.full(N, 53),
        ),
        "graduatedSymbol",
        "reach_r600",
    ),
    "crossings": (
        _points(3, crossing_type=["bridge", "tunnel", "level"]),
        "categorizedSymbol",
        "crossing_type",
    ),
    "barrier_stretches": (_lines(N, stretch_m=RNG.random(N) * 900), "graduatedSymbol", "stretch_m"),
    "detour": (_points(N, detour_ratio=1 + RNG.random(N)), "graduatedSymbol", "detour_ratio"),
    "barrier_effect": (
        _polygons(4, place_id=list("abcd"), mean_m_loss=[0.0, 5.0, 80.0, 12.0]),
        "graduatedSymbol",
        "mean_m_loss",
    ),
    "candidate_links": (
        _lines(N, gain_m=RNG.gamma(1, 300, N), rank=np.arange(1, N + 1)),
        "graduatedSymbol",
        "gain_m",
    ),
    "scenario": (_lines(N, change_m=-RNG.random(N) * 500), "RuleRenderer", "change_m"),
    "segments_diff": (
        _lines(
            N,
            status=["new"] + ["unchanged"] * (N - 1),
            integration_angular_rn_change=RNG.normal(size=N),
        ),
        "RuleRenderer",
        "integration_angular_rn_change",
    ),
    "od_diff": (_lines(N, walk_min_change=-RNG.random(N) * 5), "RuleRenderer", "walk_min_change"),
    "places_diff": (
        _polygons(4, place_id=list("abcd"), mean_walk_min_change=[0.0, -1.0, -0.5, 0.2]),
        "RuleRenderer",
        "mean_walk_min_change",
    ),
    "accessibility_diff": (
        _lines(N, reach_r600_change=RNG.integers(-2, 5, N)),
        "RuleRenderer",
        "reach_r600_change",
    ),
}


def _root(qml):
    return ET.fromstring(qml.split("\n", 1)[1])


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    path = tmp_path_factory.mktemp("styles") / "all.gpkg"
    layers = {name: frame for name, (frame, _, _) in LAYERS.items()}
    layers["place_summary"] = pd.DataFrame({"place_id": ["a"], "mean_walk_min": [4.0]})
    write_gpkg(path, layers)
    return path


def test_layer_styles_table_is_the_one_qgis_writes(styled):
    with sqlite3.connect(styled) as con:
        (ddl,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'layer_styles'").fetchone()
        contents = con.execute(
            "SELECT data_type, identifier, srs_id FROM gpkg_contents "
            "WHERE table_name = 'layer_styles'"
        ).fetchone()
        rows = con.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
            "useAsDefault, owner FROM layer_styles"
        ).fetchall()
        geom = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        (count,) = con.execute(
            "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    assert " ".join(ddl.split()) == " ".join(QGIS_DDL.replace(" IF NOT EXISTS", "").split())
    assert contents == ("attributes", "layer_styles", 0)
    assert {r[2] for r in rows} == set(LAYERS)  # every spatial layer, not the table
    for catalog, schema, table, column, name, default, owner in rows:
        assert (catalog, schema, owner) == ("", "", "")
        assert column == geom[table]
        assert name == table
        assert default == 1
    assert count == len(LAYERS)
    info = pyogrio.read_info(styled, layer="layer_styles")
    assert info["geometry_type"] is None
    assert "styleQML" in list(info["fields"])


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_has_its_renderer_and_measure(styled, layer):
    _, renderer_type, column = LAYERS[layer]
    with sqlite3.connect(styled) as con:
        (qml,) = con.execute(
            "SELECT styleQML FROM layer_styles WHERE f_table_name = ?", (layer,)
        ).fetchone()
    renderer = _root(qml).find("renderer-v2")
    assert renderer is not None
    assert renderer.get("type") == renderer_type
    if renderer_type in ("graduatedSymbol", "categorizedSymbol"):
        assert renderer.get("attr") == column
    elif column is not None:
        assert f'"{column}"' in qml.replace("&quot;", '"')


def test_places_are_labelled_and_wider_lines_for_higher_gains(styled):
    with sqlite3.connect(styled) as con:
        styles = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    for layer in ("barrier_effect", "places_diff"):
        root = _root(styles[layer])
        assert root.get("labelsEnabled") == "1"
        assert root.find("labeling/settings/text-style").get("fieldName") == "place_id"
    widths = [
        float(o.get("value"))
        for o in _root(styles["candidate_links"]).iter("Option")
        if o.get("name") == "line_width"
    ]
    assert widths == sorted(widths)
    assert widths[-1] > widths[0]


def test_diverging_classes_are_symmetric_around_zero():
    values = np.r_[np.linspace(-3, 10, 50), 0.0, 0.0]
    limits, tol = diverging_breaks(values, classes_per_side=3)
    assert limits == [-v for v in reversed(limits)]
    assert limits[-1] == 10.0
    assert tol == pytest.approx(1e-5)
    qml = layer_qml("od_diff", _lines(52, walk_min_change=values))
    rules = _root(qml).findall("renderer-v2/rules/rule")
    labels = [r.get("label") for r in rules]
    assert "0 (no change)" in [label.replace(" min", "") for label in labels]
    colours = [o.get("value") for o in _root(qml).iter("Option") if o.get("name") == "line_color"]
    # distances: shorter is better, so the most negative class is blue
    assert colours[0] == "33,102,172,255"
    assert colours[-1] == "178,24,43,255"


def test_natural_breaks_are_deterministic_and_cover_the_values():
    values = RNG.lognormal(size=5000)
    first = class_breaks(values, 6, "natural_breaks")
    assert first == class_breaks(values, 6, "natural_breaks")
    assert first[0] == values.min()
    assert first[-1] == values.max()
    assert len(first) == 7


def test_tables_get_no_style_and_unknown_layers_a_plain_one():
    assert layer_qml("place_summary", pd.DataFrame({"x": [1]})) is None
    assert layer_style("something_else", _points(2)).kind == "single"


def test_csv_and_geoparquet_for_researchers(tmp_path):
    frame, _, _ = LAYERS["od"]
    write_csv(tmp_path / "od.csv", frame)
    assert pd.read_csv(tmp_path / "od.csv").shape == (N, 2)
    pytest.importorskip("pyarrow")
    write_parquet(tmp_path / "od.parquet", frame)
    back = gpd.read_parquet(tmp_path / "od.parquet")
    assert back.crs == frame.crs
    assert back.geometry.geom_equals(frame.geometry).all()


QGIS_CHECK = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
for name in sys.argv[2:]:
    layer = QgsVectorLayer(f"{sys.argv[1]}|layername={name}", name, "ogr")
    print(name, layer.renderer().type(), int(layer.labelsEnabled()))
"""


def test_qgis_opens_the_file_styled(styled, tmp_path):
    python = shutil.which("python3", path="/usr/bin")
    if (
        python is None
        or subprocess.run([python, "-c", "import qgis.core"], capture_output=True).returncode
    ):
        pytest.skip("QGIS's Python (python3-qgis) is not installed")
    names = ["segments", "candidate_links", "segments_diff", "places_diff", "crossings"]
    run = subprocess.run(
        [python, "-c", QGIS_CHECK, str(styled), *names],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)},
    )
    found = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines() if line.strip()}
    assert found == {
        "segments": ["graduatedSymbol", "0"],
        "candidate_links": ["graduatedSymbol", "1"],
        "segments_diff": ["RuleRenderer", "0"],
        "places_diff": ["RuleRenderer", "1"],
        "crossings": ["categorizedSymbol", "0"],
    }, run.stderr

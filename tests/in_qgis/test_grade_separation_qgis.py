"""``stadsrum:network`` in QGIS on an NVDB-like layer: the crossing rule and the filters."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from test_grade_separation import nvdb_layer


@pytest.fixture
def nvdb_path(tmp_path):
    path = tmp_path / "nvdb.gpkg"
    nvdb_layer().to_file(path, layer="vagnat")
    return f"{path}|layername=vagnat"


def _issues(layer):
    return sorted(f["issue"] for f in layer.getFeatures())


def test_auto_keeps_the_bridge_apart_and_lists_the_crossings(plugin, nvdb_path):
    import processing
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(nvdb_path, "nvdb", "ogr")
    params = {"INPUT": layer, "OUTPUT": "TEMPORARY_OUTPUT", "DIAGNOSTICS": "TEMPORARY_OUTPUT"}
    result = processing.run("stadsrum:network", params)
    assert _issues(result["DIAGNOSTICS"]) == ["unjoined_crossing"] * 8
    # yes (option 1) on the same layer: Konst_190 still keeps all 8 apart
    forced = processing.run("stadsrum:network", params | {"SPLIT_CROSSINGS": 1})
    assert _issues(forced["DIAGNOSTICS"]) == ["unjoined_crossing"] * 8


def test_where_and_clip_filter_the_lines(plugin, nvdb_path, tmp_path):
    import geopandas as gpd
    import processing
    import shapely
    from helpers import X0, Y0
    from qgis.core import QgsVectorLayer

    box = shapely.box(X0 - 1, Y0 - 1, X0 + 301, Y0 + 301)
    area = tmp_path / "area.gpkg"
    gpd.GeoDataFrame(geometry=[box], crs="EPSG:3006").to_file(area)
    layer = QgsVectorLayer(nvdb_path, "nvdb", "ogr")
    params = {
        "INPUT": layer,
        "WHERE": "Konst_190 IS NULL",
        "CLIP": QgsVectorLayer(str(area), "area", "ogr"),
        "COMPONENTS": 2,
        "OUTPUT": "TEMPORARY_OUTPUT",
        "DIAGNOSTICS": "TEMPORARY_OUTPUT",
    }
    result = processing.run("stadsrum:network", params)
    lines = result["OUTPUT"]
    xs = [f.geometry().boundingBox() for f in lines.getFeatures()]
    assert xs
    assert all(b.xMinimum() >= X0 - 101 and b.yMaximum() <= Y0 + 401 for b in xs)
    assert not any(f["Konst_190"] for f in lines.getFeatures())

"""Layers ⇄ GeoDataFrames through WKB: geometry, CRS, attribute types and NULLs survive."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import (
    NULL,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QVariant

pytestmark = pytest.mark.qgis


@pytest.fixture
def adapters(plugin):
    """The adapters module of the installed plugin (imported when an algorithm runs)."""
    return importlib.import_module("stadsrum_plugin.adapters")


def make_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("LineStringZ?crs=EPSG:3006", "lines", "memory")
    provider = layer.dataProvider()
    provider.addAttributes(
        [
            QgsField("fid", QVariant.LongLong),
            QgsField("id", QVariant.Int),
            QgsField("name", QVariant.String, len=20),
            QgsField("width", QVariant.Double),
            QgsField("lit", QVariant.Bool),
            QgsField("built", QVariant.Date),
        ]
    )
    layer.updateFields()
    rows = [
        (7, 1, "Storgatan", 12.5, True, QDate(1901, 5, 1), "LineStringZ (0 0 1, 100 0 2)"),
        (8, NULL, NULL, NULL, NULL, NULL, "LineStringZ (100 0 2, 100 50 3)"),
    ]
    features = []
    for *attrs, wkt in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes(list(attrs))
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    provider.addFeatures(features)
    return layer


def test_layer_to_frame_keeps_types_nulls_geometry_and_crs(adapters):
    frame = adapters.source_to_geodataframe(make_layer())
    assert frame.crs.to_epsg() == 3006
    assert list(frame.columns) == ["input_fid", "id", "name", "width", "lit", "built", "geometry"]
    assert str(frame["id"].dtype) == "Int64"
    assert frame["id"].isna().tolist() == [False, True]
    assert frame["name"].tolist()[0] == "Storgatan"
    assert frame["name"].isna().tolist() == [False, True]
    assert frame["width"].isna().tolist() == [False, True]
    assert str(frame["lit"].dtype) == "boolean"
    assert frame["built"].iloc[0] == dt.datetime(1901, 5, 1)
    assert frame.geometry.iloc[0].has_z
    assert frame.geometry.length.tolist() == [100.0, 50.0]


def test_frame_to_sink_maps_field_types(adapters):
    source = make_layer()
    frame = adapters.source_to_geodataframe(source)
    frame["integration_angular_rn"] = [1.5, float("nan")]
    frame["segment_id"] = [0, 1]
    fields = adapters.qgis_fields(frame, source.fields())
    types = {fields.at(i).name(): fields.at(i).type() for i in range(fields.count())}
    assert types["id"] == QVariant.Int  # the input's own definition
    assert fields.at(fields.indexOf("name")).length() == 20
    assert types["input_fid"] == QVariant.LongLong
    assert types["integration_angular_rn"] == QVariant.Double
    assert types["segment_id"] == QVariant.LongLong
    assert types["lit"] == QVariant.Bool
    assert types["built"] == QVariant.Date
    out = QgsVectorLayer("LineStringZ?crs=EPSG:3006", "out", "memory")
    out.dataProvider().addAttributes(fields.toList())
    out.updateFields()
    assert adapters.write_frame(frame, out.dataProvider(), fields) == 2
    first, second = out.getFeatures()
    assert first["id"] == 1
    assert first["name"] == "Storgatan"
    assert first["built"] == QDate(1901, 5, 1)
    assert first["integration_angular_rn"] == 1.5
    assert second["integration_angular_rn"] == NULL
    assert second["id"] == NULL
    assert second["name"] == NULL
    assert first.geometry().constGet().is3D()
    assert adapters.wkb_type(frame) == out.wkbType()

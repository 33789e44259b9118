"""Swedish in QGIS: the UI language QGIS uses, core errors in it, naming the dialog's parameters,
and GeoPackage outputs with the standard layer name and run_metadata."""

from __future__ import annotations

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QLocale, QVariant

pytestmark = pytest.mark.qgis


@pytest.fixture
def swedish_translation(qgis_app):
    """QGIS started as ``qgis --lang sv``: main() hands the code to setTranslation."""
    qgis_app.setTranslation("sv")
    yield
    qgis_app.setTranslation("")


def _grid_layer():
    """Six 200 m streets in a 3 x 3 grid, SWEREF 99 TM."""
    layer = QgsVectorLayer("LineString?crs=EPSG:3006", "gator", "memory")
    feats = []
    for k in (0, 100, 200):
        for a, b in (((0, k), (200, k)), ((k, 0), (k, 200))):
            f = QgsFeature()
            f.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(*a), QgsPointXY(*b)]))
            feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def _points(name, crs, rows, field):
    layer = QgsVectorLayer(f"Point?crs={crs}", name, "memory")
    layer.dataProvider().addAttributes([QgsField(field, QVariant.String)])
    layer.updateFields()
    feats = []
    for (x, y), value in rows:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        f[field] = value
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def test_language_is_the_one_qgis_uses(plugin, qgis_app):
    """``qgis --lang sv`` sets the translation while QgsApplication.locale() still gives
    the system's locale; without it the user's override in the settings decides."""
    from stadsrum_plugin.i18n import language

    system = QLocale.system().name()[:2].lower()
    system = system if len(system) == 2 and system.isalpha() else "en"
    settings = QgsSettings()
    try:
        qgis_app.setTranslation("sv")
        assert language() == "sv"
        if system != "sv":  # the reported bug: locale() was read, and it says otherwise
            assert QgsApplication.locale()[:2].lower() != "sv"
        qgis_app.setTranslation("")
        assert language() == system
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", "sv_SE")
        assert language() == "sv"
        settings.setValue("locale/overrideFlag", False)
        assert language() == system
    finally:
        qgis_app.setTranslation("")
        settings.setValue("locale/overrideFlag", False)
        settings.remove("locale/userLocale")


def test_swedish_error_names_the_dialog_parameter(swedish_plugin, tmp_path):
    """A nodes layer without ``node_id``: the core says ``--node-id``; the dialog says
    its NODE_ID parameter's label, in Swedish."""
    from qgis import processing

    alg = QgsApplication.processingRegistry().createAlgorithmById("stadsrum:distances")
    label = alg.parameterDefinition("NODE_ID").description()
    nodes = _points("noder", "EPSG:3006", [((100, 100), "torget")], "namn")
    places = _points("platser", "EPSG:3006", [((0, 0), "a")], "place_id")
    params = {
        "NETWORK": _grid_layer(),
        "PLACES": places,
        "NODES": nodes,
        "OUTPUT": str(tmp_path / "od.gpkg"),
        **{
            sink: "TEMPORARY_OUTPUT"
            for sink in ("SERVICE_AREAS", "SERVICE_AREA_LINES", "PLACE_SUMMARY", "WARNINGS")
        },
    }
    with pytest.raises(QgsProcessingException) as info:
        processing.run("stadsrum:distances", params)
    text = str(info.value)
    assert "\n" not in text
    assert "--node-id" not in text
    assert text.startswith("noderna: ingen kolumn 'node_id'; ange id-kolumnen med ")
    assert f"\u201c{label}\u201d" in text
    assert "namn" in text  # the columns the layer has
    assert not (tmp_path / "od.gpkg").exists()


def test_metres_tagged_wgs84_is_one_swedish_line(plugin, swedish_translation, tmp_path):
    """A layer in metres wrongly tagged EPSG:4326: one line that says so and how to fix it
    in QGIS (not ``--crs``), no traceback."""
    from qgis import processing

    layer = QgsVectorLayer("LineString?crs=EPSG:4326", "fel", "memory")
    f = QgsFeature()
    f.setGeometry(
        QgsGeometry.fromPolylineXY([QgsPointXY(384000, 6672000), QgsPointXY(384100, 6672000)])
    )
    layer.dataProvider().addFeatures([f])
    with pytest.raises(QgsProcessingException) as info:
        processing.run(
            "stadsrum:segments",
            {"INPUT": layer, "OUTPUT": str(tmp_path / "s.gpkg"), "RADII": "400"},
        )
    text = str(info.value)
    assert "\n" not in text
    assert "Traceback" not in text
    assert "koordinaterna når (384100, 6672000)" in text
    assert "EPSG:4326" in text
    assert "Lageregenskaper" in text
    assert "--crs" not in text


def test_gpkg_output_has_the_standard_layer_and_run_metadata(plugin, tmp_path):
    """``stadsrum report`` reads a plugin run's file as the segment analysis."""
    import pyogrio
    from qgis import processing

    from stadsrum.report.build import _metadata

    out = tmp_path / "min_analys.gpkg"
    out.write_bytes(b"an earlier, unrelated file")  # replaced, as QGIS always did
    processing.run(
        "stadsrum:segments",
        {"INPUT": _grid_layer(), "OUTPUT": str(out), "RADII": "n", "COST": [0]},
    )
    names = sorted(str(n) for n in pyogrio.list_layers(out)[:, 0])
    assert "segments" in names
    assert "run_metadata" in names
    assert "min_analys" not in names
    meta = _metadata(out)
    assert meta["command"] == "segments"
    assert "QGIS plugin" in meta["written_by"]
    segments = pyogrio.read_dataframe(out, layer="segments")
    assert len(segments) == 8  # 12 pieces, the 4 corner pass-throughs merged (as the CLI)
    # and it opens styled: the default style is stored for the named layer
    styles = pyogrio.read_dataframe(out, layer="layer_styles")
    assert set(styles["f_table_name"]) == {"segments"}


def test_named_gpkg_layers_are_kept_and_get_run_metadata(plugin, tmp_path):
    """A layer the user named (``ogr:dbname=... table=...``) keeps its name, and the
    file's other layers stay; the run_metadata table is added all the same."""
    import pyogrio
    from qgis import processing

    out = tmp_path / "plan.gpkg"
    processing.run(
        "stadsrum:segments",
        {
            "INPUT": _grid_layer(),
            "OUTPUT": f"ogr:dbname='{out}' table=\"före\" (geom)",
            "RADII": "n",
        },
    )
    processing.run(
        "stadsrum:segments",
        {
            "INPUT": _grid_layer(),
            "OUTPUT": f"ogr:dbname='{out}' table=\"efter\" (geom)",
            "RADII": "n",
        },
    )
    names = {str(n) for n in pyogrio.list_layers(out)[:, 0]}
    assert {"före", "efter", "run_metadata"} <= names


def test_nodes_in_metres_tagged_wgs84_no_traceback(plugin, swedish_translation, tmp_path):
    """The reported case: a nodes layer in metres tagged EPSG:4326 ended in an IndexError
    and QGIS's traceback; now one Swedish line naming the layer."""
    from qgis import processing

    nodes = _points(
        "noder", "EPSG:4326", [((100, 150), "torget"), ((150, 120), "skolan")], "node_id"
    )
    places = _points("platser", "EPSG:3006", [((0, 0), "a")], "place_id")
    params = {
        "NETWORK": _grid_layer(),
        "PLACES": places,
        "NODES": nodes,
        "OUTPUT": "TEMPORARY_OUTPUT",
        **{
            sink: "TEMPORARY_OUTPUT"
            for sink in ("SERVICE_AREAS", "SERVICE_AREA_LINES", "PLACE_SUMMARY", "WARNINGS")
        },
    }
    with pytest.raises(QgsProcessingException) as info:
        processing.run("stadsrum:distances", params)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("noderna: koordinaterna når (150, 150)")
    assert "EPSG:4326" in text

"""The plugin loads as QGIS loads it: provider, algorithms, translations, styles, dependencies."""

from __future__ import annotations

import sys

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import (
    QgsApplication,
    QgsProcessing,
    QgsProcessingFeedback,
    QgsProcessingParameterDefinition,
    QgsProject,
)

pytestmark = pytest.mark.qgis

FLAG_OPTIONAL = QgsProcessingParameterDefinition.FlagOptional

PARAMETERS = {
    "network": {
        "INPUT",
        "MODE",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "WHERE",
        "CLIP",
        "UNLINKS",
        "SNAP_TOLERANCE",
        "COMPONENTS",
        "OUTPUT",
        "DIAGNOSTICS",
    },
    "segments": {
        "INPUT",
        "COST",
        "RADII",
        "RADIUS_MODE",
        "TULIP_BINS",
        "STEP_THRESHOLD",
        "MEASURES",
        "NORMALISATION",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "WEIGHT",
        "SPLIT",
        "OUTPUT",
    },
    "distances": {
        "NETWORK",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "PLACES",
        "PLACE_ID",
        "PLACE_ENTRANCES",
        "PLACE_GROUP",
        "NODES",
        "NODE_ID",
        "NODE_CATEGORY",
        "NODE_ENTRANCES",
        "THRESHOLDS",
        "SERVICE_RADII",
        "STEP_THRESHOLD",
        "NEAREST",
        "NEAREST_PER_CATEGORY",
        "MAX_LINK",
        "SPEED",
        "POLYGONS",
        "ROUTES",
        "OUTPUT",
        "SERVICE_AREAS",
        "SERVICE_AREA_LINES",
        "PLACE_SUMMARY",
        "WARNINGS",
    },
    "accessibility": {
        "NETWORK",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "ATTRACTIONS",
        "ORIGINS",
        "COST",
        "RADII",
        "DECAY",
        "DECAY_CONSTANT",
        "VALUE",
        "CATEGORY",
        "MAX_LINK",
        "SPEED",
        "STEP_THRESHOLD",
        "POLYGONS",
        "ATTRACTION_ENTRANCES",
        "ORIGIN_ENTRANCES",
        "OUTPUT",
        "WARNINGS",
    },
    "betweenness": {
        "NETWORK",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "ORIGINS",
        "DESTINATIONS",
        "KIND",
        "ORIGIN_WEIGHT",
        "DESTINATION_WEIGHT",
        "DESTINATIONS_MODE",
        "COST",
        "RADII",
        "MAX_LINK",
        "POLYGONS",
        "STEP_THRESHOLD",
        "OUTPUT",
        "WARNINGS",
    },
    "barriers": {
        "NETWORK",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "BARRIERS",
        "CATEGORY",
        "CATEGORIES",
        "PLACES",
        "PLACE_ID",
        "NODES",
        "NODE_ID",
        "NODE_CATEGORY",
        "PROPOSAL",
        "PROPOSAL_ID",
        "BUILDINGS",
        "MAX_LINK_LENGTH",
        "BEST_K",
        "CANDIDATE_SPACING",
        "CANDIDATES_KEEP",
        "THRESHOLDS",
        "EFFECT",
        "GAP",
        "MERGE_GAP",
        "BARRIER_ID",
        "PLACE_WEIGHT",
        "NODE_WEIGHT",
        "MAX_LINK",
        "SNAP_TOLERANCE",
        "DETOUR_ORIGINS",
        "GRID_SPACING",
        "SPEED",
        "CROSSINGS",
        "BARRIER_STRETCHES",
        "DETOUR",
        "DETOUR_PLACES",
        "BARRIER_EFFECT",
        "CANDIDATE_LINKS",
        "SCENARIO",
        "SCENARIO_PLACES",
        "WARNINGS",
    },
    "compare": {
        "NETWORK",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "PROPOSAL",
        "ACTION",
        "SEGMENTS",
        "COST",
        "RADII",
        "MEASURES",
        "RADIUS_MODE",
        "PLACES",
        "PLACE_ID",
        "NODES",
        "NODE_ID",
        "NODE_CATEGORY",
        "THRESHOLDS",
        "ATTRACTIONS",
        "CATEGORY",
        "VALUE",
        "ACCESS_RADII",
        "DECAY",
        "MAX_LINK",
        "SNAP_TOLERANCE",
        "SPEED",
        "AREAS_BEFORE",
        "AREAS_AFTER",
        "SEGMENTS_DIFF",
        "OD_DIFF",
        "PLACES_DIFF",
        "ACCESSIBILITY_DIFF",
        "AREAS_DIFF",
        "AREA_MATRIX_DIFF",
        "COPRESENCE_DIFF",
        "SEGREGATION_DIFF",
        "MEETING_PLACES_DIFF",
        "WARNINGS",
    },
    "areas": {
        "NETWORK",
        "PREPARE",
        "SPLIT_CROSSINGS",
        "POPULATION",
        "POPULATION_COLUMN",
        "GROUPS",
        "AREAS",
        "AREA_ID",
        "AREA_STATS",
        "NODES",
        "NODE_CATEGORY",
        "SITES",
        "MEETING_PLACES",
        "THRESHOLDS",
        "ENVIRONMENT",
        "CRITERIA",
        "BUILDINGS",
        "MAX_LINK",
        "SPEED",
        "OUTPUT",
        "AREA_MATRIX",
        "COPRESENCE",
        "MEETING_SITES",
        "SEGREGATION",
        "RESIDENTS",
        "EXISTING_PLACES",
    },
    "nodes_from_gtfs": {"INPUT", "DATE", "WINDOW", "MODES", "OUTPUT"},
    "report": {"INPUT", "FOLDER", "LANG", "TITLE", "OUTPUT"},
    "run": {"INPUT"},
}


def test_provider_and_algorithms_are_registered(plugin):
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("stadsrum")
    assert provider is plugin.provider
    assert provider.name() == "Stadsrum"
    assert {a.id() for a in provider.algorithms()} == {f"stadsrum:{name}" for name in PARAMETERS}
    for name, expected in PARAMETERS.items():
        alg = registry.algorithmById(f"stadsrum:{name}")
        assert {p.name() for p in alg.parameterDefinitions()} == expected
        assert alg.canExecute()[0]
        assert "<p>" in alg.shortHelpString()
        assert not alg.icon().isNull()
    segments = registry.algorithmById("stadsrum:segments")
    assert segments.parameterDefinition("COST").allowMultiple()
    assert segments.parameterDefinition("RADII").defaultValue() == "400,800,n"
    accessibility = registry.algorithmById("stadsrum:accessibility")
    assert accessibility.parameterDefinition("COST").allowMultiple()
    assert accessibility.parameterDefinition("ORIGINS").flags() & FLAG_OPTIONAL
    barriers = registry.algorithmById("stadsrum:barriers")
    optional = {
        p.name() for p in barriers.destinationParameterDefinitions() if p.flags() & FLAG_OPTIONAL
    }
    assert optional == {
        "DETOUR",
        "DETOUR_PLACES",
        "BARRIER_EFFECT",
        "CANDIDATE_LINKS",
        "SCENARIO",
        "SCENARIO_PLACES",
        "WARNINGS",
    }
    summary = registry.algorithmById("stadsrum:distances").parameterDefinition("PLACE_SUMMARY")
    assert summary.dataType() == QgsProcessing.TypeVector  # a table, no geometry


def test_plugin_modules_come_from_the_installed_zip(plugin, plugin_dir):
    module = sys.modules[type(plugin).__module__]
    assert module.__file__.startswith(str(plugin_dir / "stadsrum_plugin"))


def test_unload_removes_the_provider_and_init_brings_it_back(plugin):
    registry = QgsApplication.processingRegistry()
    plugin.unload()
    assert registry.providerById("stadsrum") is None
    plugin.initGui()
    assert registry.providerById("stadsrum") is not None


def test_labels_and_help_follow_qgis_locale(plugin, swedish_plugin):
    registry = QgsApplication.processingRegistry()
    segments = registry.algorithmById("stadsrum:segments")
    assert segments.displayName() == "Segmentanalys (space syntax)"
    assert segments.parameterDefinition("COST").description() == "Avståndstyper"
    assert "vinkel (svängar)" in segments.parameterDefinition("COST").options()
    assert "genomströmning" in segments.shortHelpString()
    network = registry.algorithmById("stadsrum:network")
    assert network.displayName() == "Förbered gatunät"
    assert network.group() == "Gatunät"
    barriers = registry.algorithmById("stadsrum:barriers")
    assert barriers.displayName() == "Barriäranalys"
    assert barriers.parameterDefinition("CANDIDATE_LINKS").description() == (
        "Tänkbara nya passager, rangordnade"
    )
    assert "Barriärsträckor" in barriers.shortHelpString()
    distances = registry.algorithmById("stadsrum:distances")
    assert distances.group() == "Avstånd och tillgänglighet"
    assert "Serviceområden" in distances.shortHelpString()
    accessibility = registry.algorithmById("stadsrum:accessibility")
    assert "gaussisk: håller sig hög, faller sedan mot radien" in (
        accessibility.parameterDefinition("DECAY").options()
    )


def test_labels_are_english_by_default(plugin):
    segments = QgsApplication.processingRegistry().algorithmById("stadsrum:segments")
    assert segments.displayName() == "Segment analysis (space syntax)"
    assert "to-movement" in segments.shortHelpString()


def test_missing_packages_give_one_clear_message_and_block_runs(plugin, monkeypatch):
    import qgis.utils
    import stadsrum_plugin
    import stadsrum_plugin.deps as deps

    problems = (deps.Problem("numba", "0.59", None),)
    monkeypatch.setattr(deps, "cached_problems", lambda: problems)
    plugin.unload()
    try:
        broken = stadsrum_plugin.classFactory(qgis.utils.iface)
        broken.initGui()  # must not raise
        bar = qgis.utils.iface.messageBar()
        assert bar.currentItem() is not None
        assert "Python" in bar.currentItem().text()
        ok, message = (
            QgsApplication.processingRegistry().algorithmById("stadsrum:segments").canExecute()
        )
        assert not ok
        assert "Install Python packages" in message
        assert "numba (missing)" in message
        assert "pip install" not in message
        bar.clearWidgets()
        broken.unload()
    finally:
        monkeypatch.undo()
        plugin.initGui()


def test_output_layers_get_the_default_style(plugin, network_layer):
    import processing

    params = {
        "INPUT": network_layer,
        "COST": [1],
        "RADII": "400",
        "PREPARE": 1,
        "OUTPUT": "TEMPORARY_OUTPUT",
    }
    result = processing.runAndLoadResults("stadsrum:segments", params)
    layer = QgsProject.instance().mapLayer(result["OUTPUT"])
    try:
        renderer = layer.renderer()
        assert renderer.type() == "graduatedSymbol"
        assert renderer.classAttribute() == "integration_metric_r400"
        assert len(renderer.ranges()) == 7
        first, last = renderer.ranges()[0], renderer.ranges()[-1]
        assert first.symbol().color().name() == "#2c7bb6"
        assert last.symbol().color().name() == "#d7191c"
        assert renderer.orderByEnabled()
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_a_geopackage_output_opens_styled_later(plugin, network_layer, tmp_path):
    """Written by processing.run without loading it (as qgis_process does), then opened
    as a planner opens the file another day: the default style comes from the file's
    layer_styles table, as in the command line's GeoPackages."""
    import sqlite3

    import processing
    from qgis.core import QgsVectorLayer

    out = tmp_path / "segments.gpkg"
    params = {
        "INPUT": network_layer,
        "COST": [1],
        "RADII": "400",
        "PREPARE": 1,
        "OUTPUT": str(out),
    }
    processing.run("stadsrum:segments", params)
    con = sqlite3.connect(out)
    try:
        rows = con.execute(
            'SELECT "f_table_name", "f_geometry_column", "useAsDefault", "styleQML" '
            'FROM "layer_styles"'
        ).fetchall()
        (geometry_column,) = con.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'segments'"
        ).fetchone()
    finally:
        con.close()
    assert len(rows) == 1
    table, geometry, default, qml = rows[0]
    assert (table, geometry, default) == ("segments", geometry_column, 1)
    assert 'attr="integration_metric_r400"' in qml
    later = QgsVectorLayer(str(out), "opened later", "ogr")
    assert later.isValid()
    renderer = later.renderer()
    assert renderer.type() == "graduatedSymbol"
    assert renderer.classAttribute() == "integration_metric_r400"
    assert len(renderer.ranges()) == 7
    assert renderer.ranges()[0].symbol().color().name() == "#2c7bb6"


def test_a_failing_style_never_fails_the_analysis(plugin, network_layer, monkeypatch):
    import processing

    import stadsrum.io.styles

    def broken(layer, frame, lang=None):
        raise ImportError("No module named 'mapclassify'")

    monkeypatch.setattr(stadsrum.io.styles, "layer_qml", broken)
    warnings = []

    class Feedback(QgsProcessingFeedback):
        def pushWarning(self, warning: str) -> None:  # noqa: N802  (QGIS's name)
            warnings.append(warning)

    params = {
        "INPUT": network_layer,
        "COST": [1],
        "RADII": "400",
        "PREPARE": 1,
        "OUTPUT": "TEMPORARY_OUTPUT",
    }
    result = processing.runAndLoadResults("stadsrum:segments", params, feedback=Feedback())
    try:
        layer = QgsProject.instance().mapLayer(result["OUTPUT"])
        assert layer.featureCount() > 3000
        assert warnings == ["No default style for segments: No module named 'mapclassify'"]
    finally:
        QgsProject.instance().removeAllMapLayers()

"""The provider's Dask scheduler setting (Settings > Options > Processing > Providers >
Stadsrum): registered with ``local``, read by the analyses, checked before any work,
gone when the plugin unloads."""

from __future__ import annotations

import sys

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsSettings,
    QgsVectorLayer,
)

pytestmark = pytest.mark.qgis

KEY = "STADSRUM_SCHEDULER"


def base_module():
    return sys.modules["stadsrum_plugin.algorithms.base"]


@pytest.fixture
def config(plugin):
    """Processing's configuration, with the setting back at ``local`` after the test."""
    from processing.core.ProcessingConfig import ProcessingConfig

    yield ProcessingConfig
    QgsSettings().remove(f"Processing/Configuration/{KEY}")
    if KEY in ProcessingConfig.settings:
        ProcessingConfig.settings[KEY].value = "local"


def lines_layer(lines: dict[str, list[tuple[float, float]]]) -> QgsVectorLayer:
    layer = QgsVectorLayer("LineString?crs=EPSG:3006&field=name:string", "streets", "memory")
    features = []
    for name, points in lines.items():
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in points]))
        feature["name"] = name
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def zigzag() -> QgsVectorLayer:
    """A (0,0)-(100,0), B (100,0)-(100,100), C (100,100)-(200,100).

    By hand, angular cost (90° = 1) at radius n: from A, B is 1 away and C 2, so
    TD(A) = 3; from B, A and C are 1 away: TD(B) = 2. Choice: only B lies between
    two others, on A→C and C→A (ordered pairs): 2.
    """
    return lines_layer(
        {"A": [(0, 0), (100, 0)], "B": [(100, 0), (100, 100)], "C": [(100, 100), (200, 100)]}
    )


def grid(n: int = 5, block: float = 100.0) -> QgsVectorLayer:
    """An n × n grid of streets, one line per block side, with a diagonal shortcut so
    routes are not all ties."""
    lines = {}
    for i in range(n + 1):
        for j in range(n):
            lines[f"h{i}_{j}"] = [(j * block, i * block), ((j + 1) * block, i * block)]
            lines[f"v{i}_{j}"] = [(i * block, j * block), (i * block, (j + 1) * block)]
    lines["diagonal"] = [(0.0, 0.0), (block, block)]
    return lines_layer(lines)


def run_segments(layer: QgsVectorLayer, feedback=None, **params) -> dict[str, dict]:
    import processing

    base = {
        "INPUT": layer,
        "COST": [0, 1],  # angular, metric
        "RADII": "250,n",
        "PREPARE": 1,  # none: each line a segment of its own
        "OUTPUT": "TEMPORARY_OUTPUT",
    }
    out = processing.run("stadsrum:segments", base | params, feedback=feedback)["OUTPUT"]
    if isinstance(out, str):  # a file: its path
        out = QgsVectorLayer(out, "segments", "ogr")
    names = out.fields().names()
    return {f["name"]: dict(zip(names, f.attributes(), strict=True)) for f in out.getFeatures()}


def test_the_setting_is_registered_with_local(config):
    base = base_module()
    setting = config.settings[KEY]
    assert setting.group == "Stadsrum"
    assert setting.default == "local"
    assert config.getSetting(KEY) == "local"
    assert setting.description == base.scheduler_label()
    assert "local-cluster" in setting.description
    assert base.scheduler_setting() == "local"


def test_the_options_dialog_refuses_a_value_the_analyses_cannot_use(config):
    """QGIS's options dialog calls the setting's validator and shows its ValueError."""
    setting = config.settings[KEY]
    with pytest.raises(ValueError, match="unknown scheduler 'my-cluster'"):
        setting.setValue("my-cluster")
    setting.setValue("local-cluster")  # accepted, nothing started
    setting.setValue("tcp://10.0.0.5:8786")
    assert setting.value == "tcp://10.0.0.5:8786"


def test_a_run_on_a_dask_cluster_gives_the_local_layer(config, client, make_feedback, tmp_path):
    """The same layer from QGIS's threads and from the test's LocalCluster of two worker
    processes: every value identical, choice to float rounding (its sums are added in
    another order); the cluster really ran tasks, and the log says where."""
    import pyogrio
    from distributed import get_task_stream

    local = run_segments(grid())
    address = client.scheduler.address
    config.setSettingValue(KEY, address)
    feedback = make_feedback()
    target = tmp_path / "segments.gpkg"
    with get_task_stream(client=client) as tasks:
        remote = run_segments(grid(), feedback, OUTPUT=str(target))
    assert len(tasks.data) > 0
    metadata = pyogrio.read_dataframe(target, layer="run_metadata").set_index("key")["value"]
    assert metadata["scheduler"] == address
    assert any(address in line and "Dask" in line for line in feedback.infos)
    assert remote.keys() == local.keys()
    assert len(local) == 61
    columns = [c for c in next(iter(local.values())) if c.endswith(("_r250", "_rn"))]
    assert any(c.startswith("choice_angular") for c in columns)
    for name, want in local.items():
        for column in columns:
            got, expected = remote[name][column], want[column]
            if column.startswith(("choice", "nach")):
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (name, column)
            else:
                assert got == expected, (name, column)
    # an anchor independent of the local engine: the zigzag's hand derivation
    hand = run_segments(zigzag(), COST=[0], RADII="n")
    assert hand["A"]["total_depth_angular_rn"] == pytest.approx(3)
    assert hand["B"]["total_depth_angular_rn"] == pytest.approx(2)
    assert hand["B"]["choice_angular_rn"] == pytest.approx(2)
    assert hand["A"]["choice_angular_rn"] == pytest.approx(0)


def test_cancel_stops_a_run_on_the_cluster(config, client, make_feedback, tmp_path):
    """Cancel once the chunks are on the cluster (the log says how many): the run stops
    at once, writes nothing, and the cluster's tasks are let go."""
    import time

    config.setSettingValue(KEY, client.scheduler.address)
    feedback = make_feedback()
    cancelled_at = []
    log = feedback.pushInfo

    def cancel_when_sent(text: str) -> None:
        log(text)
        if "chunks" in text and not cancelled_at:
            cancelled_at.append(time.perf_counter())
            feedback.cancel()

    feedback.pushInfo = cancel_when_sent
    target = tmp_path / "segments.gpkg"
    with pytest.raises(QgsProcessingException, match=r"(?i)cancelled by the user"):
        run_segments(grid(30), feedback, COST=[0], RADII="n", OUTPUT=str(target))
    assert cancelled_at, feedback.infos
    assert time.perf_counter() - cancelled_at[0] < 5.0
    assert not target.exists()
    deadline = time.perf_counter() + 10
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
        assert time.perf_counter() < deadline, "the cluster kept the cancelled run's tasks"
        time.sleep(0.1)


def points_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:3006&field=people:integer", "points", "memory")
    features = []
    for x, y in ((50, 5), (150, 95)):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature["people"] = 10
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


ANALYSES = {
    "segments": ("run_segments", {"INPUT": zigzag}),
    "distances": (
        "run_distances",
        {"NETWORK": zigzag, "PLACES": points_layer, "NODES": points_layer},
    ),
    "accessibility": ("run_accessibility", {"NETWORK": zigzag, "ATTRACTIONS": points_layer}),
    "areas": ("run_areas", {"NETWORK": zigzag, "POPULATION": points_layer}),
    "betweenness": ("run_betweenness", {"NETWORK": zigzag, "DESTINATIONS": points_layer}),
}


@pytest.mark.parametrize("name", list(ANALYSES))
@pytest.mark.parametrize("value", ["local", "tcp://127.0.0.1:8786"])
def test_every_analysis_on_dask_is_given_the_setting(config, monkeypatch, name, value):
    """Each algorithm whose workflow takes ``scheduler=`` passes the setting on (the
    workflow is replaced by one that notes its keywords and stops the run)."""
    import processing
    from qgis.core import QgsApplication

    from stadsrum import workflows
    from stadsrum.errors import InputError

    function, inputs = ANALYSES[name]
    given = []

    def note(*_args, **kwargs):
        given.append(kwargs.get("scheduler"))
        raise InputError("stopped by the test")

    monkeypatch.setattr(workflows, function, note)
    config.setSettingValue(KEY, value)
    algorithm = QgsApplication.processingRegistry().algorithmById(f"stadsrum:{name}")
    params = {key: make() for key, make in inputs.items()}
    params |= {d.name(): "TEMPORARY_OUTPUT" for d in algorithm.destinationParameterDefinitions()}
    with pytest.raises(QgsProcessingException, match="stopped by the test"):
        processing.run(f"stadsrum:{name}", params)
    assert given == [value]


def test_a_bad_value_stops_the_run_before_any_layer_is_read(config, monkeypatch):
    """A value from an edited settings file (the options dialog would refuse it): one
    line that names the setting, where it is, and what to give."""
    QgsSettings().setValue(f"Processing/Configuration/{KEY}", "my-cluster")
    config.readSettings()
    read = []
    algorithm = base_module().StadsrumAlgorithm
    original = algorithm.input_frame
    monkeypatch.setattr(
        algorithm, "input_frame", lambda self, *a, **k: read.append(a) or original(self, *a, **k)
    )
    with pytest.raises(QgsProcessingException) as info:
        run_segments(zigzag())
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Stadsrum's setting “Dask scheduler for large analyses")
    assert "Settings > Options > Processing > Providers > Stadsrum" in message
    assert "unknown scheduler 'my-cluster': use local, local-cluster, an address" in message
    assert read == []


def test_local_needs_no_dask_and_a_cluster_without_dask_says_so(config, monkeypatch):
    """``local`` runs as always with Dask not importable; a cluster then gets one line."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    out = run_segments(zigzag(), COST=[0], RADII="n")
    assert out["B"]["choice_angular_rn"] == pytest.approx(2)
    QgsSettings().setValue(f"Processing/Configuration/{KEY}", "local-cluster")
    config.readSettings()
    with pytest.raises(QgsProcessingException) as info:
        run_segments(zigzag())
    message = str(info.value)
    assert "\n" not in message
    assert "“Dask scheduler for large analyses" in message
    assert "local-cluster needs Dask distributed" in message
    assert "--scheduler" not in message


def test_worker_processes_start_with_python_not_with_qgis(plugin, monkeypatch):
    """Inside QGIS ``sys.executable`` is QGIS itself; a local cluster's workers must be
    started with QGIS's Python (the same version) instead."""
    import multiprocessing
    import subprocess

    chosen = []
    monkeypatch.setattr(sys, "executable", "/usr/bin/qgis")
    monkeypatch.setattr(multiprocessing, "set_executable", chosen.append)
    base_module()._python_for_worker_processes()
    assert len(chosen) == 1
    version = subprocess.run(
        [chosen[0], "-c", "import sys; print(sys.version)"], capture_output=True, text=True
    ).stdout.strip()
    assert version == sys.version


def test_the_setting_goes_with_the_provider(plugin, config):
    """Unloading the plugin removes the setting; loading it again reads the saved value."""
    plugin.unload()
    try:
        assert KEY not in config.settings
        assert base_module().scheduler_setting() == "local"  # unregistered: local
        QgsSettings().setValue(f"Processing/Configuration/{KEY}", "local-cluster")
    finally:
        plugin.initGui()
    assert config.settings[KEY].default == "local"
    assert config.getSetting(KEY) == "local-cluster"


def test_the_setting_and_its_message_in_swedish(swedish_plugin):
    """QGIS in Swedish: the label in the options, and the message with QGIS's own Swedish
    names for the menus (Inställningar > Alternativ > Geobearbetning > Dataplugin)."""
    from processing.core.ProcessingConfig import ProcessingConfig

    label = "Dask-schemaläggare för stora analyser"
    assert ProcessingConfig.settings[KEY].description.startswith(label)
    QgsSettings().setValue(f"Processing/Configuration/{KEY}", "my-cluster")
    ProcessingConfig.readSettings()
    try:
        with pytest.raises(QgsProcessingException) as info:
            run_segments(zigzag())
    finally:
        QgsSettings().remove(f"Processing/Configuration/{KEY}")
        ProcessingConfig.settings[KEY].value = "local"
    message = str(info.value)
    assert message.startswith(f"Stadsrums inställning ”{label}")
    assert "Inställningar > Alternativ > Geobearbetning > Dataplugin > Stadsrum" in message
    assert "okänd schemaläggare 'my-cluster'" in message


def test_the_options_page_shows_it_under_providers(config):
    """QGIS's own Processing options page: Providers → Stadsrum → the setting, at local;
    a bad value typed there is refused with the one line and the old value kept."""
    import qgis.utils

    # Processing's menus module, which the page imports, reads the main window's menus
    qgis.utils.iface.vectorMenu.return_value.title.return_value = "&Vector"
    qgis.utils.iface.rasterMenu.return_value.title.return_value = "&Raster"
    from processing.gui.ConfigDialog import ConfigDialog
    from qgis.PyQt.QtWidgets import QMessageBox

    dialog = ConfigDialog(showSearch=False)
    root = dialog.model.invisibleRootItem()
    tops = {root.child(i).text(): root.child(i) for i in range(root.rowCount())}
    providers = tops[dialog.tr("Providers")]
    groups = {providers.child(i).text(): providers.child(i) for i in range(providers.rowCount())}
    stadsrum = groups["Stadsrum"]
    rows = {stadsrum.child(i, 0).text(): stadsrum.child(i, 1) for i in range(stadsrum.rowCount())}
    item = rows[base_module().scheduler_label()]
    assert item.text() == "local"

    warnings = []
    QMessageBox_warning = QMessageBox.warning
    try:
        QMessageBox.warning = lambda _parent, _title, text, *a: warnings.append(text)
        item.setText("my-cluster")
        # only this row: another provider's row (OTB's folder) fails here without OTB
        dialog.items = {config.settings[KEY]: item}
        dialog.accept()
    finally:
        QMessageBox.warning = QMessageBox_warning
    assert len(warnings) == 1
    assert "unknown scheduler 'my-cluster'" in warnings[0]
    assert config.getSetting(KEY) == "local"

"""A real, headless QGIS for the plugin tests, and the plugin installed from its zip.

Every test module here starts with ``pytest.importorskip("qgis.core")``, so
without QGIS's Python bindings they are reported as skipped, with the reason.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def qgis_app(tmp_path_factory):
    """QgsApplication with Processing, offscreen, with a throwaway profile."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    runtime = tmp_path_factory.mktemp("xdg-runtime")
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import qgis.utils
    from qgis.core import QgsApplication

    profile = tmp_path_factory.mktemp("qgis-profile")
    app = QgsApplication([], False, str(profile))
    app.initQgis()
    qgis.utils.iface = fake_iface()  # before Processing's GUI modules import it
    plugins = Path(QgsApplication.pkgDataPath()) / "python" / "plugins"
    if str(plugins) not in sys.path:
        sys.path.append(str(plugins))
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


def fake_iface():
    """A stand-in for QGIS's main window interface, as QGIS's own tests use."""
    from unittest import mock

    from qgis.gui import QgisInterface, QgsBrowserGuiModel, QgsMapCanvas, QgsMessageBar
    from qgis.PyQt.QtWidgets import QMainWindow

    iface = mock.Mock(spec=QgisInterface)
    window = QMainWindow()
    canvas = QgsMapCanvas(window)
    bar = QgsMessageBar(window)
    iface.mainWindow.return_value = window
    iface.mapCanvas.return_value = canvas
    iface.messageBar.return_value = bar
    browser = QgsBrowserGuiModel(window)
    iface.browserModel.return_value = browser
    iface.activeLayer.return_value = None
    iface.keep = (window, canvas, bar, browser)
    return iface


@pytest.fixture(scope="session")
def plugin_zip(tmp_path_factory):
    """The zip built by ``stadsrum plugin-zip``."""
    from stadsrum.plugin_zip import build_plugin_zip

    return build_plugin_zip(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def plugin_dir(plugin_zip, tmp_path_factory):
    """A QGIS plugin folder with the zip unpacked into it, as the Plugin Manager does."""
    folder = tmp_path_factory.mktemp("plugins")
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(folder)
    return folder


@pytest.fixture(scope="session")
def plugin(qgis_app, plugin_dir):
    """The installed plugin loaded as QGIS loads it: classFactory, initGui."""
    import qgis.utils

    sys.path.insert(0, str(plugin_dir))
    import stadsrum_plugin

    instance = stadsrum_plugin.classFactory(qgis.utils.iface)
    instance.initGui()
    yield instance
    instance.unload()
    sys.path.remove(str(plugin_dir))


@pytest.fixture(scope="session")
def sample_layer_path(sample_pbf):
    """QGIS's data source string of the sample city's OSM lines."""
    return f"{sample_pbf}|layername=lines"


def _recording_feedback():
    from qgis.core import QgsProcessingFeedback

    class RecordingFeedback(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.infos: list[str] = []
            self.progress_values: list[float] = []
            self.progressChanged.connect(self.progress_values.append)

        def pushInfo(self, info: str) -> None:  # noqa: N802  (QGIS's name)
            self.infos.append(info)
            super().pushInfo(info)

    return RecordingFeedback()


@pytest.fixture(scope="session")
def make_feedback():
    """Makes processing feedbacks that keep what the algorithm reported."""
    return _recording_feedback


@pytest.fixture(scope="session")
def network_run(plugin, sample_layer_path, tmp_path_factory):
    """stadsrum:network on the sample city's OSM layer, written to a GeoPackage."""
    import processing
    from qgis.core import QgsVectorLayer

    out = tmp_path_factory.mktemp("network") / "network.gpkg"
    layer = QgsVectorLayer(sample_layer_path, "helsinki", "ogr")
    assert layer.isValid()
    feedback = _recording_feedback()
    result = processing.run(
        "stadsrum:network",
        {"INPUT": layer, "OUTPUT": str(out), "DIAGNOSTICS": "TEMPORARY_OUTPUT"},
        feedback=feedback,
    )
    return result, out, feedback


@pytest.fixture(scope="session")
def network_layer(network_run):
    """The prepared sample network as a data source string."""
    return f"{network_run[1]}|layername=network"


@pytest.fixture
def swedish_plugin(plugin):
    """The plugin reloaded with QGIS's user interface in Swedish."""
    import qgis.utils
    import stadsrum_plugin
    from qgis.core import QgsSettings

    settings = QgsSettings()
    plugin.unload()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "sv_SE")
    swedish = stadsrum_plugin.classFactory(qgis.utils.iface)
    swedish.initGui()
    yield swedish
    swedish.unload()
    settings.setValue("locale/overrideFlag", False)
    settings.remove("locale/userLocale")
    plugin.initGui()

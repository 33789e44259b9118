"""The plugin's "Install Python packages" action: a background task, then the algorithms enabled.

pip itself is replaced here (the real offline install into QGIS's Python is
tests/test_qgis_installer.py): this checks the plumbing in a real QGIS.
"""

from __future__ import annotations

import sys
import time

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

pytestmark = pytest.mark.qgis


def _wait_for(plugin, seconds=30):
    deadline = time.monotonic() + seconds
    while plugin.task is not None and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)
    assert plugin.task is None, "the install task did not finish"


def test_menu_action_is_there(plugin):
    assert plugin.install_action is not None
    assert plugin.install_action.text() == "Install Python packages…"


def test_install_task_runs_the_installer_and_enables_the_algorithms(plugin, monkeypatch, tmp_path):
    import qgis.utils
    import stadsrum_plugin.deps as deps
    import stadsrum_plugin.installer as installer

    folder = tmp_path / "profile" / "stadsrum" / "python-x"
    calls = {}

    def fake_install(target, **kwargs):
        calls.update(kwargs, target=target)
        kwargs["progress"](50)
        kwargs["log"]("Successfully installed nothing")
        target.mkdir(parents=True)
        return installer.InstallResult(target, installed=["geopandas==1.1.4"])

    monkeypatch.setattr(installer, "install", fake_install)
    monkeypatch.setattr(deps, "install_folder", folder)
    monkeypatch.setattr(sys, "path", list(sys.path))
    problems = (deps.Problem("numba", "0.59", None),)
    monkeypatch.setattr(deps, "cached_problems", lambda: problems)
    plugin.problems = problems
    segments = QgsApplication.processingRegistry().algorithmById("stadsrum:segments")
    assert not segments.canExecute()[0]

    # the install makes the packages importable: the check then finds nothing missing
    cleared = []
    monkeypatch.setattr(deps, "cached_problems", lambda: ())
    deps.cached_problems.cache_clear = lambda: cleared.append(True)  # type: ignore[attr-defined]
    # pandas & co. imported earlier in a session can only be swapped by restarting QGIS
    import pandas  # noqa: F401

    assert "pandas" in plugin._stale_modules(folder)
    monkeypatch.setattr(type(plugin), "_stale_modules", staticmethod(lambda _folder: []))
    task = plugin.start_install(find_links=str(tmp_path), ask=False)
    assert task is not None
    _wait_for(plugin)
    assert calls["target"] == folder
    assert calls["find_links"] == str(tmp_path)
    assert calls["offline"] is True
    assert task.lines == ["Successfully installed nothing"]
    assert str(folder) in sys.path
    assert cleared
    assert plugin.problems == ()
    segments = QgsApplication.processingRegistry().algorithmById("stadsrum:segments")
    assert segments.canExecute() == (True, "")
    bar = qgis.utils.iface.messageBar()
    assert "installed" in bar.currentItem().text()
    bar.clearWidgets()


def test_a_failed_install_says_why_and_changes_nothing(plugin, monkeypatch, tmp_path):
    import stadsrum_plugin.deps as deps
    import stadsrum_plugin.installer as installer
    from qgis.PyQt.QtWidgets import QMessageBox

    def failing(target, **kwargs):
        raise installer.InstallError("pip could not install the packages: no network")

    shown = []
    monkeypatch.setattr(installer, "install", failing)
    monkeypatch.setattr(deps, "install_folder", tmp_path / "deps")
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[-1]))
    monkeypatch.setattr(sys, "path", list(sys.path))
    plugin.start_install(ask=False)
    _wait_for(plugin)
    assert len(shown) == 1
    assert "failed; nothing was changed" in shown[0]
    assert "no network" in shown[0]
    assert str(tmp_path / "deps") not in sys.path
    assert not (tmp_path / "deps").exists()


def test_the_dialog_offers_the_internet_or_a_folder_of_wheels(plugin, monkeypatch, tmp_path):
    """The real question box, answered by clicking its buttons once it is open."""
    import stadsrum_plugin.deps as deps
    import stadsrum_plugin.installer as installer
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QApplication, QFileDialog, QMessageBox

    calls = []
    shown: list[str] = []

    def fake_install(target, **kwargs):
        calls.append(kwargs)
        raise installer.InstallError("no network")

    def answer(label):
        def click():
            boxes = [
                w for w in QApplication.allWidgets() if isinstance(w, QMessageBox) and w.isVisible()
            ]
            if not boxes:  # not open yet
                QTimer.singleShot(20, click)
                return
            box = boxes[0]
            shown.append(box.text())
            wanted = [b for b in box.buttons() if b.text().replace("&", "") == label]
            (wanted or box.buttons())[0].click()

        QTimer.singleShot(20, click)

    monkeypatch.setattr(installer, "install", fake_install)
    monkeypatch.setattr(deps, "install_folder", tmp_path / "deps")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(tmp_path))
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: None)
    answer("From a folder of wheels…")
    plugin.start_install()
    _wait_for(plugin)
    answer("From the internet")
    plugin.start_install()
    _wait_for(plugin)
    answer("Cancel")
    assert plugin.start_install() is None
    assert [(c["find_links"], c["offline"]) for c in calls] == [
        (str(tmp_path), True),
        (None, False),
    ]
    assert len(shown) == 3
    assert str(tmp_path / "deps") in shown[0]  # the user sees where the packages go

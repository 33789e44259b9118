"""The plugin object QGIS holds: registers the provider, checks and installs dependencies."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsTask

from . import deps, installer
from .i18n import install_translator, remove_translator, tr

LOG_TAG = "Stadsrum"
BUNDLED = Path(__file__).resolve().parent / "bundled"


class InstallTask(QgsTask):
    """Runs :func:`installer.install` in the background, cancellable from QGIS's task bar."""

    def __init__(
        self, folder: Path, find_links: str | None, on_done: Any, *, python: str | None = None
    ) -> None:
        super().__init__(tr("Stadsrum: installing Python packages"), QgsTask.Flag.CanCancel)
        self.folder = folder
        self.find_links = find_links
        self.python = python
        self.on_done = on_done
        self.lines: list[str] = []
        self.result: installer.InstallResult | None = None
        self.error = ""

    def run(self) -> bool:
        try:
            self.result = installer.install(
                self.folder,
                python=self.python,
                find_links=self.find_links,
                offline=self.find_links is not None,
                bundled=BUNDLED if (BUNDLED / "stadsrum").is_dir() else None,
                log=self.lines.append,
                progress=self.setProgress,
                cancelled=self.isCanceled,
            )
        except installer.InstallError as exc:
            self.error = str(exc)
            return False
        except Exception:  # shown to the user, never raised into QGIS's task manager
            self.error = traceback.format_exc()
            return False
        return True

    def finished(self, ok: bool) -> None:
        QgsMessageLog.logMessage("\n".join(self.lines), LOG_TAG, Qgis.MessageLevel.Info)
        self.on_done(self, ok)


class StadsrumPlugin:
    """Created by :func:`classFactory`; ``iface`` is ``None`` under ``qgis_process``."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: Any = None
        self.problems: tuple[deps.Problem, ...] = ()
        self.install_action: Any = None
        self.task: InstallTask | None = None

    def initProcessing(self) -> None:
        """Register the provider (QGIS calls this alone under ``qgis_process``)."""
        if self.provider is not None:
            return
        try:
            install_translator()
            self.problems = deps.cached_problems()
            if self.problems:
                QgsMessageLog.logMessage(
                    deps.message(self.problems, tr=tr), LOG_TAG, Qgis.MessageLevel.Critical
                )
            from .provider import StadsrumProvider

            provider = StadsrumProvider()
            QgsApplication.processingRegistry().addProvider(provider)
            self.provider = provider
        except Exception:  # never take QGIS down with the plugin
            QgsMessageLog.logMessage(
                tr("Stadsrum could not start:") + "\n" + traceback.format_exc(),
                LOG_TAG,
                Qgis.MessageLevel.Critical,
            )

    def initGui(self) -> None:
        self.initProcessing()
        if self.iface is not None:
            try:
                from qgis.PyQt.QtWidgets import QAction

                self.install_action = QAction(
                    tr("Install Python packages…"), self.iface.mainWindow()
                )
                self.install_action.triggered.connect(self.start_install)
                self.iface.addPluginToMenu("Stadsrum", self.install_action)
            except Exception:
                QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Warning)
        if self.problems and self.iface is not None:
            try:
                self.show_dependency_message()
            except Exception:
                QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Warning)

    def show_dependency_message(self) -> None:
        """One message in QGIS's message bar, with the install button beside it."""
        from qgis.PyQt.QtWidgets import QPushButton

        bar = self.iface.messageBar()
        item = bar.createMessage("Stadsrum", tr("Some Python packages are missing or too old."))
        button = QPushButton(tr("Install Python packages…"))
        button.clicked.connect(self.start_install)
        item.layout().addWidget(button)
        bar.pushWidget(item, Qgis.MessageLevel.Critical)

    # --- the installer -----------------------------------------------------------------------
    def install_folder(self) -> Path:
        return deps.install_folder or installer.deps_folder(QgsApplication.qgisSettingsDirPath())

    def start_install(self, *_args: Any, find_links: str | None = None, ask: bool = True) -> Any:
        """Ask where from (internet or a folder of wheels), then install in a background task."""
        if self.task is not None:
            return self.task
        if ask and self.iface is not None:
            from qgis.PyQt.QtWidgets import QFileDialog, QMessageBox

            window = self.iface.mainWindow()
            box = QMessageBox(window)
            box.setWindowTitle("Stadsrum")
            box.setIcon(QMessageBox.Icon.Question)
            box.setText(
                tr(
                    "Install the Python packages Stadsrum needs into a folder of its own, "
                    "matched to the numpy QGIS already has? QGIS's own packages are left "
                    "as they are; removing the folder undoes it."
                )
                + "\n\n"
                + str(self.install_folder())
            )
            online = box.addButton(tr("From the internet"), QMessageBox.ButtonRole.AcceptRole)
            offline = box.addButton(
                tr("From a folder of wheels…"), QMessageBox.ButtonRole.ActionRole
            )
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is offline:
                find_links = QFileDialog.getExistingDirectory(
                    window, tr("Folder of wheels (.whl files)")
                )
                if not find_links:
                    return None
            elif box.clickedButton() is not online:
                return None
        task = InstallTask(self.install_folder(), find_links, self._install_done)
        self.task = task
        QgsApplication.taskManager().addTask(task)
        if self.iface is not None:
            self.iface.messageBar().pushMessage(
                "Stadsrum",
                tr("Installing Python packages: progress and Cancel are in the task bar below."),
                Qgis.MessageLevel.Info,
            )
        return task

    def _install_done(self, task: InstallTask, ok: bool) -> None:
        self.task = None
        folder = task.folder
        if ok and task.result is not None:
            stale = self._stale_modules(folder)
            if not task.result.pending and not stale:
                installer.activate(folder, after=str(BUNDLED))
                deps.cached_problems.cache_clear()
                self.problems = deps.cached_problems()
                self._reload_provider()
            if task.result.pending or stale or self.problems:
                text = tr("Python packages installed. Restart QGIS to use them.")
            else:
                text = tr("Python packages installed and checked: Stadsrum is ready.")
            level = Qgis.MessageLevel.Success
        elif task.isCanceled():
            text, level = (
                tr("Installing cancelled; nothing was changed."),
                Qgis.MessageLevel.Warning,
            )
        else:
            text = tr("Installing the Python packages failed; nothing was changed.")
            text += "\n" + task.error
            level = Qgis.MessageLevel.Critical
        QgsMessageLog.logMessage(text, LOG_TAG, level)
        if self.iface is not None:
            bar = self.iface.messageBar()
            bar.clearWidgets()
            bar.pushMessage("Stadsrum", text.splitlines()[0], level)
            if level == Qgis.MessageLevel.Critical:
                from qgis.PyQt.QtWidgets import QMessageBox

                QMessageBox.warning(self.iface.mainWindow(), "Stadsrum", text)

    @staticmethod
    def _stale_modules(folder: Path) -> list[str]:
        """Packages this QGIS already imported from elsewhere: only a restart swaps them."""
        stale = []
        for name in ("pandas", "geopandas", "shapely", "pyproj", "pyogrio", "numba", "osmium"):
            module = sys.modules.get(name)
            where = getattr(module, "__file__", None) or ""
            if module is not None and not where.startswith(str(folder)):
                stale.append(name)
        return stale

    def _reload_provider(self) -> None:
        """Register the provider afresh, so the Toolbox enables the algorithms."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        self.initProcessing()

    def unload(self) -> None:
        try:
            if self.install_action is not None and self.iface is not None:
                self.iface.removePluginMenu("Stadsrum", self.install_action)
                self.install_action = None
            if self.provider is not None:
                QgsApplication.processingRegistry().removeProvider(self.provider)
        finally:
            self.provider = None
            remove_translator()

"""The plugin object QGIS holds: registers the provider, checks dependencies."""

from __future__ import annotations

import traceback
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsMessageLog

from . import deps
from .i18n import install_translator, remove_translator, tr

LOG_TAG = "Stadsrum"


class StadsrumPlugin:
    """Created by :func:`classFactory`; ``iface`` is ``None`` under ``qgis_process``."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: Any = None
        self.problems: tuple[deps.Problem, ...] = ()

    def initProcessing(self) -> None:
        """Register the provider (QGIS calls this alone under ``qgis_process``)."""
        if self.provider is not None:
            return
        try:
            install_translator()
            self.problems = deps.cached_problems()
            if self.problems:
                QgsMessageLog.logMessage(deps.message(self.problems, tr=tr), LOG_TAG, Qgis.Critical)
            from .provider import StadsrumProvider

            provider = StadsrumProvider()
            QgsApplication.processingRegistry().addProvider(provider)
            self.provider = provider
        except Exception:  # never take QGIS down with the plugin
            QgsMessageLog.logMessage(
                tr("Stadsrum could not start:") + "\n" + traceback.format_exc(),
                LOG_TAG,
                Qgis.Critical,
            )

    def initGui(self) -> None:
        self.initProcessing()
        if self.problems and self.iface is not None:
            try:
                self.show_dependency_message()
            except Exception:
                QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.Warning)

    def show_dependency_message(self) -> None:
        """One message in QGIS's message bar, with the full text a click away."""
        from qgis.PyQt.QtWidgets import QMessageBox, QPushButton

        text = deps.message(self.problems, tr=tr)
        bar = self.iface.messageBar()
        item = bar.createMessage("Stadsrum", tr("Some Python packages are missing or too old."))
        button = QPushButton(tr("Show how to install them"))
        button.clicked.connect(
            lambda: QMessageBox.information(self.iface.mainWindow(), "Stadsrum", text)
        )
        item.layout().addWidget(button)
        bar.pushWidget(item, Qgis.Critical)

    def unload(self) -> None:
        try:
            if self.provider is not None:
                QgsApplication.processingRegistry().removeProvider(self.provider)
        finally:
            self.provider = None
            remove_translator()

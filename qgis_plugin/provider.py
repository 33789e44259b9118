"""The Processing provider ``stadsrum``: the plugin's algorithms in the Toolbox."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS
from .algorithms.base import ICON
from .i18n import tr
from .metadata import plugin_version


class StadsrumProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "stadsrum"

    def name(self) -> str:
        return "Stadsrum"

    def longName(self) -> str:
        return tr("Stadsrum: urban space analysis") + f" {plugin_version()}"

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def svgIconPath(self) -> str:
        return str(ICON)

    def versionInfo(self) -> str:
        return plugin_version()

    def loadAlgorithms(self) -> None:
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())

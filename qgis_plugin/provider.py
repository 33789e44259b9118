"""The Processing provider ``stadsrum``: the plugin's algorithms in the Toolbox."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS
from .algorithms.base import ICON, SCHEDULER_SETTING, check_scheduler_setting, scheduler_label
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

    def load(self) -> bool:
        """Register the provider's setting, then the algorithms (as QGIS's own Python
        providers do): Settings > Options > Processing > Providers > Stadsrum."""
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting
        except ImportError:  # no Processing plugin: the analyses run locally
            return super().load()
        setting = Setting(
            self.name(),
            SCHEDULER_SETTING,
            scheduler_label(),
            "local",
            valuetype=Setting.STRING,
            validator=_validate_scheduler,
        )
        setting.read()  # the value saved in QGIS's settings, unchecked: a run checks it
        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(setting)
        return super().load()

    def unload(self) -> None:
        try:
            from processing.core.ProcessingConfig import ProcessingConfig
        except ImportError:
            return
        # pop, not removeSetting: a load that failed half-way registered nothing
        ProcessingConfig.settings.pop(SCHEDULER_SETTING, None)
        ProcessingConfig.settingIcons.pop(self.name(), None)

    def loadAlgorithms(self) -> None:
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())


def _validate_scheduler(value: str) -> None:
    """Refuse a value the analyses cannot use when it is typed into QGIS's options (the
    dialog shows the message and keeps the old value). An algorithm checks again when
    it runs: the value may also come from an edited settings file."""
    problem = check_scheduler_setting(str(value))
    if problem:
        raise ValueError(problem)

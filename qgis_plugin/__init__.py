"""Stadsrum: urban space analysis in QGIS's Processing Toolbox.

QGIS calls :func:`classFactory` when it loads the plugin. The installable zip
carries the ``stadsrum`` core under ``bundled/``; it goes first on
``sys.path`` so the plugin always runs the core it was built with. The
packages the plugin's installer put into its own folder (see ``installer.py``)
come right after it, before anything imports them.
"""

import sys
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "bundled"


def use_bundled_core() -> None:
    """Put the bundled ``stadsrum`` core first on ``sys.path`` (once)."""
    if (BUNDLED / "stadsrum" / "__init__.py").is_file() and str(BUNDLED) not in sys.path:
        sys.path.insert(0, str(BUNDLED))


def use_installed_packages() -> None:
    """Put the plugin-owned package folder of this QGIS profile on ``sys.path``."""
    try:
        from qgis.core import QgsApplication

        from . import deps
        from .installer import activate, deps_folder

        folder = deps_folder(QgsApplication.qgisSettingsDirPath())
        deps.install_folder = folder
        activate(folder, after=str(BUNDLED))
    except Exception:  # never keep QGIS from loading the plugin; the dependency check reports
        pass


def classFactory(iface):
    """Create the plugin for QGIS (``iface`` is ``None`` under ``qgis_process``)."""
    use_bundled_core()
    use_installed_packages()
    from .plugin import StadsrumPlugin

    return StadsrumPlugin(iface)

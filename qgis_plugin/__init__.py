"""Stadsrum: urban space analysis in QGIS's Processing Toolbox.

QGIS calls :func:`classFactory` when it loads the plugin. The installable zip
carries the ``stadsrum`` core under ``bundled/``; it goes first on
``sys.path`` so the plugin always runs the core it was built with.
"""

import sys
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "bundled"


def use_bundled_core() -> None:
    """Put the bundled ``stadsrum`` core first on ``sys.path`` (once)."""
    if (BUNDLED / "stadsrum" / "__init__.py").is_file() and str(BUNDLED) not in sys.path:
        sys.path.insert(0, str(BUNDLED))


def classFactory(iface):
    """Create the plugin for QGIS (``iface`` is ``None`` under ``qgis_process``)."""
    use_bundled_core()
    from .plugin import StadsrumPlugin

    return StadsrumPlugin(iface)

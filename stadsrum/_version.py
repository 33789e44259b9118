"""The running stadsrum's version: the one module that ``__version__`` is read from.

The number itself is kept only in ``pyproject.toml`` (the house style); an
installed package, editable or not, knows it from its distribution metadata.
The writers (``run_metadata``, style descriptions), the report and the plugin
zip import it from here rather than from the package top, so no layer reaches
up to :mod:`stadsrum` for it.

The QGIS plugin zip replaces this file in its bundled copy with one that states
the number (:func:`stadsrum.plugin_zip.version_module`): that copy is no
installed distribution.
"""

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("stadsrum")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0+unknown"


__version__ = _installed_version()

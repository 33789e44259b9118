"""Tests of the QGIS plugin in a real, headless QGIS.

A package, so that its ``conftest`` is not imported as the top-level
``conftest`` module the core tests import their helpers from.
"""

QGIS_MISSING = (
    "QGIS's Python bindings are not importable: apt-get install python3-qgis qgis-providers "
    "qgis, then `make clean test` (see .ci/run)"
)

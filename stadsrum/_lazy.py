"""A module imported on first use: keeps ``import stadsrum`` and ``stadsrum --help`` instant.

The analyses need numpy, pandas, geopandas and numba, together about half a
second to a few seconds to import; a command that only prints help, or
fails on its arguments, should not pay for them.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module ``name``, importing it when an attribute is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"

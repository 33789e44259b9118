"""Check that QGIS's Python has the packages the stadsrum core needs.

Pure Python (no QGIS import), so it runs, and is tested, anywhere. Versions
are read from package metadata without importing the packages, which keeps
QGIS's start-up fast and safe.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

# distribution → (import name, minimum version); kept equal to pyproject.toml by a test
REQUIREMENTS: dict[str, tuple[str, str]] = {
    "numpy": ("numpy", "1.24"),
    "pandas": ("pandas", "2.0"),
    "shapely": ("shapely", "2.0"),
    "geopandas": ("geopandas", "0.14"),
    "pyogrio": ("pyogrio", "0.7"),
    "pyproj": ("pyproj", "3.6"),
    "networkx": ("networkx", "3.0"),
    "numba": ("numba", "0.59"),
    "osmium": ("osmium", "3.7"),
}


# packages whose pip wheels bundle their own C/C++ libraries (GEOS, PROJ, GDAL, LLVM, ...)
NATIVE_PACKAGES = ("numpy", "shapely", "pyproj", "pyogrio", "osmium", "numba")


def import_native_packages() -> None:
    """Import the packages with bundled C libraries so each uses its own copies (Linux).

    QGIS's executable links GDAL, PROJ and GEOS, and on Linux their symbols
    come first for every library loaded later: the copies in pip's wheels
    (pyogrio's GDAL, pyproj's PROJ, shapely's GEOS) would then call QGIS's
    versions and crash, as ``qgis_process`` does. ``RTLD_DEEPBIND`` binds each
    bundled library to its own symbols. Call before the core is imported;
    packages imported earlier, or missing, are left alone.
    """
    deepbind = getattr(os, "RTLD_DEEPBIND", 0)
    if not sys.platform.startswith("linux") or not deepbind:
        return
    flags = sys.getdlopenflags()
    sys.setdlopenflags(flags | deepbind)
    try:
        for name in NATIVE_PACKAGES:
            if name not in sys.modules:
                with contextlib.suppress(ImportError):  # the dependency check reports it
                    importlib.import_module(name)
    finally:
        sys.setdlopenflags(flags)


@dataclass(frozen=True)
class Problem:
    """One package that is missing or too old."""

    package: str
    minimum: str
    found: str | None

    @property
    def requirement(self) -> str:
        return f"{self.package}>={self.minimum}"

    def describe(self, tr: Callable[[str], str] = str) -> str:
        if self.found is None:
            return tr("{package} (missing)").format(package=self.package)
        return tr("{package} {found} (needs {minimum} or newer)").format(
            package=self.package, found=self.found, minimum=self.minimum
        )


def version_tuple(text: str) -> tuple[int, ...]:
    """``"2.0.1rc1"`` → ``(2, 0, 1)``: the leading numeric parts of a version."""
    parts = []
    for piece in text.split("."):
        match = re.match(r"\d+", piece)
        if match is None:
            break
        parts.append(int(match.group()))
        if match.end() != len(piece):
            break
    return tuple(parts)


def find_problems(
    requirements: dict[str, tuple[str, str]] | None = None,
    *,
    version_of: Callable[[str], str | None] | None = None,
) -> list[Problem]:
    """Packages that are missing or older than required, in requirement order."""
    requirements = REQUIREMENTS if requirements is None else requirements
    lookup = _installed_version if version_of is None else version_of
    problems = []
    for dist, (module, minimum) in requirements.items():
        found = lookup(dist) if version_of is not None or find_spec(module) else None
        if found is None or version_tuple(found) < version_tuple(minimum):
            problems.append(Problem(dist, minimum, found))
    return problems


@functools.cache
def cached_problems() -> tuple[Problem, ...]:
    """:func:`find_problems` once per QGIS session."""
    return tuple(find_problems())


def _installed_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


# The plugin-owned package folder in use (set at start-up by the plugin's ``__init__``).
install_folder: Path | None = None


def message(
    problems: list[Problem] | tuple[Problem, ...],
    *,
    tr: Callable[[str], str] = str,
    folder: Path | None = None,
) -> str:
    """One clear message: what is missing, and the plugin's button that installs it.

    No pip command to type: the old advice (``pip install --user --upgrade
    numpy>=...``) put a numpy beside QGIS's that broke GDAL's and scipy's
    bindings. The button (see ``installer.py``) keeps QGIS's own packages.
    """
    folder = folder or install_folder
    listed = ", ".join(p.describe(tr) for p in problems)
    text = (
        tr("Stadsrum needs these Python packages in QGIS's Python: {packages}.").format(
            packages=listed
        )
        + "\n\n"
        + tr(
            "Install them with Plugins > Stadsrum > Install Python packages (or the button "
            "in the message bar). They go into a folder of the plugin's own, matched to the "
            "numpy QGIS already has; QGIS's own packages are left as they are."
        )
    )
    if folder is not None:
        text += "\n\n" + tr("Folder: {folder}").format(folder=folder)
    return text

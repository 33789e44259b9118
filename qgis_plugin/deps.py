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
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

# distribution → (import name, minimum version); kept equal to pyproject.toml by a test
REQUIREMENTS: dict[str, tuple[str, str]] = {
    "numpy": ("numpy", "1.26"),
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


def qgis_python(platform: str = sys.platform) -> str:
    """The Python interpreter of this QGIS, as a command to type.

    Inside QGIS ``sys.executable`` is often QGIS itself, so look beside the
    Python prefix for the real interpreter.
    """
    exe = Path(sys.executable)
    if exe.name.lower().startswith("python"):
        return str(exe)
    names = ["python.exe", "python3.exe"] if platform == "win32" else ["python3", "python"]
    for folder in (Path(sys.exec_prefix) / "bin", Path(sys.exec_prefix), exe.parent / "bin"):
        for name in names:
            if (folder / name).is_file():
                return str(folder / name)
    return "python" if platform == "win32" else "python3"


def _externally_managed() -> bool:
    """Whether pip refuses to install here without ``--break-system-packages`` (PEP 668)."""
    if sys.prefix != sys.base_prefix:  # a virtual environment
        return False
    return (Path(sysconfig.get_paths()["stdlib"]) / "EXTERNALLY-MANAGED").exists()


def pip_command(
    problems: list[Problem] | tuple[Problem, ...],
    *,
    platform: str = sys.platform,
    python: str | None = None,
    externally_managed: bool | None = None,
) -> str:
    """The exact pip command that installs or upgrades the packages in ``problems``."""
    specs = " ".join(f'"{p.requirement}"' for p in problems)
    if platform == "win32":
        # the OSGeo4W Shell sets up QGIS's Python as `python`
        return f"python -m pip install --upgrade {specs}"
    exe = python or qgis_python(platform)
    if " " in exe:
        exe = f'"{exe}"'
    managed = _externally_managed() if externally_managed is None else externally_managed
    extra = " --break-system-packages" if managed and platform != "darwin" else ""
    return f"{exe} -m pip install --user --upgrade{extra} {specs}"


def message(
    problems: list[Problem] | tuple[Problem, ...],
    *,
    platform: str = sys.platform,
    tr: Callable[[str], str] = str,
    python: str | None = None,
    externally_managed: bool | None = None,
) -> str:
    """One clear message: what is missing, where to type what, and to restart QGIS."""
    listed = ", ".join(p.describe(tr) for p in problems)
    if platform == "win32":
        where = tr(
            "Close QGIS, open the OSGeo4W Shell from the Start menu (right-click, "
            "Run as administrator) and run:"
        )
    else:
        where = tr("Close QGIS, open a terminal and run:")
    command = pip_command(
        problems, platform=platform, python=python, externally_managed=externally_managed
    )
    return (
        tr("Stadsrum needs these Python packages in QGIS's Python: {packages}.").format(
            packages=listed
        )
        + "\n"
        + where
        + "\n\n"
        + command
        + "\n\n"
        + tr("Then start QGIS again.")
    )

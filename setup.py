"""Build hook: the wheel carries the sample city and the QGIS plugin.

Everything else is declared in ``pyproject.toml``. In a source checkout the
sample data (``sample_data/``) and the plugin (``qgis_plugin/``,
``metadata.txt``) sit at the top, where the README, the examples and QGIS's
plugin tools look for them. An installed package has no checkout beside it,
so ``build_py`` copies them into the package: ``stadsrum/sample_data/`` (what
``stadsrum demo`` reads) and ``stadsrum/qgis-plugin/`` (what ``stadsrum
plugin-zip`` packs; the hyphen keeps that folder data, never an importable
module that would pull in QGIS). ``MANIFEST.in`` puts the same files in the
sdist, so a wheel built from the sdist carries them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

# folder inside the installed package → files and folders of the checkout copied into it
SHIPPED: dict[str, tuple[str, ...]] = {
    "sample_data": (
        "sample_data/helsinki.osm.pbf",
        "sample_data/helsinki.gpkg",
        "sample_data/population.gpkg",  # synthetic residents for the demo's areas run
        "sample_data/README.md",  # the ODbL attribution travels with the data
    ),
    "qgis-plugin": ("qgis_plugin", "metadata.txt", "LICENSE"),
}

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*_cache", "*.qm")


class BuildWithData(build_py):
    """``build_py`` that also copies :data:`SHIPPED` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install finds them in the checkout itself
        package = Path(self.build_lib) / "stadsrum"
        for folder, sources in SHIPPED.items():
            target = package / folder
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for name in sources:
                source = HERE / name
                if source.is_dir():
                    shutil.copytree(source, target, ignore=_IGNORE, dirs_exist_ok=True)
                else:
                    shutil.copy2(source, target / source.name)


setup(cmdclass={"build_py": BuildWithData})

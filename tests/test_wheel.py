"""The built wheel: what it carries, and that an installed (non-editable) package works.

The wheel is built offline from a copy of the checkout (the build backend,
setuptools>=77, comes with the test extra) and installed with ``--no-deps``
into a fresh venv that borrows this environment's dependencies through a
``.pth`` line, so nothing is downloaded; ``.ci/run`` repeats the check with a
real ``pip install`` from the registry. Every installed command runs from a
folder outside the checkout, where no ``sample_data/`` or ``qgis_plugin/`` is
in reach.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from stadsrum.plugin_zip import PLUGIN_FOLDER, build_plugin_zip
from stadsrum.progress import COMPILING

ROOT = Path(__file__).resolve().parents[1]
# what the build reads: the package, setup.py's shipped data and the metadata's files
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "metadata.txt")
BUILD_FOLDERS = ("stadsrum", "sample_data", "qgis_plugin")
PIP = (sys.executable, "-m", "pip")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*_cache", "build", "*.egg-info")


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    setuptools_version = tuple(int(p) for p in version("setuptools").split(".")[:2])
    if setuptools_version < (77, 0):
        pytest.skip("building the wheel offline needs setuptools>=77: pip install -e '.[test]'")
    src = tmp_path_factory.mktemp("src")
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, src / name)
    for name in BUILD_FOLDERS:
        shutil.copytree(ROOT / name, src / name, ignore=IGNORE)
    out = tmp_path_factory.mktemp("dist")
    _run(
        [
            *PIP,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        cwd=src,
    )
    (path,) = out.glob("stadsrum-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; its dependencies are this environment's."""
    env = tmp_path_factory.mktemp("venv")
    # the same base Python, and its system packages (QGIS's Python may provide some)
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env)
    python = env / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    ).stdout.strip()
    # Our site-packages, appended after the new venv's own: a plain path line, so its .pth
    # files (the editable install's finder for the checkout) stay unprocessed, and
    # `import stadsrum` finds only the installed wheel.
    (Path(purelib) / "borrowed-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    _run(
        [*PIP, "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(wheel)]
    )
    return env


def test_wheel_carries_the_sample_city_and_the_plugin(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        pbf = zf.read("stadsrum/sample_data/helsinki.osm.pbf")
        meta = email.message_from_bytes(zf.read(f"{_dist_info(names)}/METADATA"))
    assert pbf == (ROOT / "sample_data" / "helsinki.osm.pbf").read_bytes()
    # the README holds the ODbL attribution; population.gpkg the demo's synthetic residents
    for name in ("helsinki.gpkg", "population.gpkg", "README.md"):
        assert f"stadsrum/sample_data/{name}" in names
    for script in ("build_sample_data.py", "make_population.py"):  # a maintainer's scripts
        assert f"stadsrum/sample_data/{script}" not in names
    # tool caches (.ruff_cache, __pycache__) are no part of the plugin
    files = [p.relative_to(ROOT / "qgis_plugin") for p in (ROOT / "qgis_plugin").rglob("*")]
    plugin = {
        f.as_posix()
        for f in files
        if (ROOT / "qgis_plugin" / f).is_file()
        and not any(part.startswith((".", "__pycache__")) for part in f.parts)
        and f.suffix != ".pyc"
    }
    assert {"provider.py", "algorithms/segments.py", "i18n/stadsrum_sv.ts"} <= plugin
    assert {f"stadsrum/qgis-plugin/{p}" for p in plugin} <= names
    for name in ("metadata.txt", "LICENSE"):
        assert f"stadsrum/qgis-plugin/{name}" in names
    # every module of the package (no subpackage left behind), and no build debris
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "stadsrum").rglob("*.py")}
    assert modules <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # the weight trimmed from a clean install (both unused by the core)
    requires = " ".join(r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r)
    assert "matplotlib" in requires  # the demo writes the report
    assert "osmnx" not in requires
    assert "mapclassify" not in requires


def _dist_info(names: set[str]) -> str:
    (folder,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    return folder


def test_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    code = (
        "import stadsrum; print(stadsrum.__file__); print(stadsrum.sample_data_dir()); "
        "from stadsrum.io.writers import run_metadata; "
        "print(stadsrum.__version__); print(dict(run_metadata('x', {}).values)['stadsrum_version'])"
    )
    out = _run([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path).stdout.split()
    package = Path(out[0]).parent
    assert package.is_relative_to(installed)
    assert Path(out[1]) == package / "sample_data"
    # the version, kept only in pyproject.toml, reaches the package and every run_metadata
    with open(ROOT / "pyproject.toml", "rb") as fh:
        assert out[2] == out[3] == tomllib.load(fh)["project"]["version"]


@pytest.mark.slow
def test_installed_package_runs_the_demo_outside_the_checkout(installed, tmp_path):
    # a new machine: no compiled kernels yet, so the first analysis says it compiles them
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    result = _run(
        [str(installed / "bin" / "stadsrum"), "demo", "--out", "tmp"], cwd=tmp_path, env=env
    )
    assert result.stderr.count(COMPILING) >= 1
    out = tmp_path / "tmp"
    for name in ("network.gpkg", "segments.gpkg", "distances.gpkg", "areas.gpkg", "barriers.gpkg"):
        assert (out / name).stat().st_size > 10_000, name
    assert (out / "report" / "report.html").is_file()
    assert (out / "report" / "report.pdf").stat().st_size > 10_000
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "central Helsinki" in summary
    assert "Traceback" not in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_installed_package_builds_the_same_plugin_zip(installed, tmp_path):
    """The zip from the wheel's copy of the plugin equals the checkout's, file for file."""
    _run([str(installed / "bin" / "stadsrum"), "plugin-zip", "--out", "dist"], cwd=tmp_path)
    (from_wheel,) = (tmp_path / "dist").glob(f"{PLUGIN_FOLDER}-*.zip")
    from_checkout = build_plugin_zip(tmp_path / "checkout")
    assert from_wheel.name == from_checkout.name
    with zipfile.ZipFile(from_wheel) as a, zipfile.ZipFile(from_checkout) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def test_missing_sample_data_and_plugin_say_how_to_get_them(tmp_path, monkeypatch):
    """An installation without its data names the folder and the pip command."""
    import stadsrum.plugin_zip
    import stadsrum.workflows
    from stadsrum.errors import InputError

    fake = tmp_path / "site-packages" / "stadsrum"
    fake.mkdir(parents=True)
    monkeypatch.setattr(stadsrum.workflows, "__file__", str(fake / "workflows.py"))
    monkeypatch.setattr(stadsrum.plugin_zip, "__file__", str(fake / "plugin_zip.py"))
    with pytest.raises(InputError, match="pip install --force-reinstall stadsrum") as exc:
        stadsrum.workflows.sample_data_dir()
    assert str(fake / "sample_data") in str(exc.value)
    with pytest.raises(InputError, match="pip install --force-reinstall stadsrum") as exc:
        stadsrum.plugin_zip.build_plugin_zip(tmp_path)
    assert str(fake / "qgis-plugin") in str(exc.value)

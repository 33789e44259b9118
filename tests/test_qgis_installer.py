"""The plugin's package installer: it must leave QGIS's own Python working.

The real test installs, offline, from the wheel folder ``make wheelhouse``
downloads once (``.wheelhouse/``; tests never download) into a throwaway
plugin-owned folder, with the Python QGIS runs here (Debian's, numpy 1.24),
and then checks in a fresh process that GDAL's numpy bindings, scipy and
matplotlib still work, that QGIS's numpy is the one imported, and that the
stadsrum core computes a hand-derived distance with the installed packages.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = Path(os.environ.get("STADSRUM_WHEELHOUSE", ROOT / ".wheelhouse"))


def _installer():
    """``qgis_plugin/installer.py`` (and the ``deps`` beside it) without QGIS."""
    plugin = str(ROOT / "qgis_plugin")
    sys.path.insert(0, plugin)
    try:
        spec = importlib.util.spec_from_file_location(
            "stadsrum_plugin_installer", ROOT / "qgis_plugin" / "installer.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(plugin)
    return module


inst = _installer()


def _qgis_python() -> str:
    """The interpreter QGIS embeds here, or skip."""
    try:
        info = inst.find_python()
    except inst.InstallError as exc:
        pytest.skip(str(exc))
    done = subprocess.run([info.executable, "-c", "import qgis.core"], capture_output=True)
    if done.returncode != 0:
        pytest.skip("QGIS's Python bindings are not installed (Debian: python3-qgis)")
    return info.executable


# --- the parts, without pip ------------------------------------------------------------------


def test_finds_the_python_qgis_runs_not_a_shim(tmp_path):
    """A pyenv/conda shim first on PATH is a Python too, but not this one: it is passed over."""
    shim = tmp_path / "python3"
    shim.write_text(
        '#!/bin/sh\nexec /bin/echo \'{"version": "3.99", "prefix": "/x", '
        '"base_prefix": "/x", "executable": "/x"}\'\n'
    )
    shim.chmod(0o755)
    info = inst.find_python([shim, *inst.python_candidates()])
    assert info.executable != str(shim)
    assert info.version == sys.version
    assert os.path.realpath(info.base_prefix) == os.path.realpath(sys.base_prefix)
    with pytest.raises(inst.InstallError, match="could not find the Python interpreter"):
        inst.find_python([shim])


def _dist(name, version, *, compiled=False, user=False, requires=()):
    return inst.Installed(name, version, "/usr/lib/python3/dist-packages", compiled, user, requires)


def test_constraints_pin_qgis_compiled_packages_and_refuse_an_old_numpy():
    installed = {
        "numpy": _dist("numpy", "1.24.2", compiled=True),
        "scipy": _dist("scipy", "1.10.1", compiled=True),
        "gdal": _dist("GDAL", "3.6.2"),  # Debian's egg-info lists no files: known by name
        "kiwisolver": _dist("kiwisolver", "0.0.0", compiled=True),  # Debian's: no such release
        "pyproj": _dist("pyproj", "3.4.1", compiled=True),  # older than stadsrum needs
        "packaging": _dist("packaging", "23.0"),  # pure Python: left to prune()
        "pip": _dist("pip", "23.0.1"),
        # left by the old `pip install --user` advice: not QGIS's, the folder's copy wins
        "pandas": _dist("pandas", "2.2.0", compiled=True, user=True),
    }
    reqs = {"numpy": ("numpy", "1.24"), "pyproj": ("pyproj", "3.6")}
    lines, notes = inst.constraints(installed, reqs)
    assert lines == ["GDAL==3.6.2", "numpy==1.24.2", "scipy==1.10.1"]
    assert len(notes) == 1
    assert "pyproj 3.4.1" in notes[0]
    with pytest.raises(inst.InstallError, match=r"QGIS's numpy is 1\.24\.2, older than the 1\.26"):
        inst.constraints(installed, {"numpy": ("numpy", "1.26")})
    assert inst.pin_version("1.2.3+ds") == "1.2.3"
    assert inst.pin_version("0.0.0") is None
    assert inst.requirement_lines(reqs) == ["numpy>=1.24", "pyproj>=3.6"]


def _wheel(folder: Path, name: str, version: str, requires=()):
    """A minimal installed wheel in a ``--target`` folder: one module, METADATA, RECORD."""
    package = folder / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "RECORD").write_text(
        f"{name}/__init__.py,,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n"
    )


def test_prune_keeps_only_what_qgis_cannot_provide(tmp_path):
    """pip put everything into the folder; QGIS's copies take over wherever they serve.

    - numpy 1.24.2: the same release as QGIS's, so QGIS's.
    - requests 2.28.1 (QGIS's) meets osmium's bare ``requests``; its own
      ``urllib3<1.27`` is met once QGIS's urllib3 1.26 stays too, and urllib3
      1.26 meets the folder's requests' ``urllib3<3`` (both go).
    - pyproj 3.4.1 (QGIS's) is older than stadsrum's 3.6: the folder's stays.
    - tzdata is not in QGIS: stays.
    """
    _wheel(tmp_path, "numpy", "1.24.2")
    _wheel(tmp_path, "osmium", "4.3.2", ["requests"])
    _wheel(tmp_path, "requests", "2.34.2", ["urllib3<3,>=1.21.1"])
    _wheel(tmp_path, "urllib3", "2.8.0")
    _wheel(tmp_path, "pyproj", "3.7.2")
    _wheel(tmp_path, "tzdata", "2026.6")
    installed = {
        "numpy": _dist("numpy", "1.24.2", compiled=True),
        "requests": _dist("requests", "2.28.1", requires=("urllib3<1.27,>=1.21.1",)),
        "urllib3": _dist("urllib3", "1.26.12"),
        "pyproj": _dist("pyproj", "3.4.1", compiled=True),
    }
    reqs = {"numpy": ("numpy", "1.24"), "osmium": ("osmium", "3.7"), "pyproj": ("pyproj", "3.6")}
    kept = inst.prune(tmp_path, installed, reqs, log=lambda _line: None)
    assert kept == ["numpy==1.24.2", "requests==2.28.1", "urllib3==1.26.12"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [
        "osmium",
        "osmium-4.3.2.dist-info",
        "pyproj",
        "pyproj-3.7.2.dist-info",
        "tzdata",
        "tzdata-2026.6.dist-info",
    ]


def test_a_pending_install_takes_over_at_start_up(tmp_path, monkeypatch):
    """Windows keeps a loaded folder locked: the new one waits as .pending for the next start."""
    folder = tmp_path / "python3.11-linux-x86_64"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    pending = tmp_path / "python3.11-linux-x86_64.pending"
    pending.mkdir()
    (pending / "new.txt").write_text("new")
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert inst.activate(folder)
    assert sys.path[0] == str(folder)
    assert (folder / "new.txt").is_file()
    assert not (folder / "old.txt").exists()
    assert not pending.exists()
    assert inst.activate(folder)  # once only
    assert sys.path.count(str(folder)) == 1
    assert not inst.activate(tmp_path / "missing")


def test_cancel_stops_pip_at_once():
    start = time.monotonic()
    with pytest.raises(inst.InstallCancelledError):
        inst.run_streaming(
            [sys.executable, "-c", "import time\nprint('working', flush=True)\ntime.sleep(60)"],
            cancelled=lambda: time.monotonic() - start > 0.5,
        )
    assert time.monotonic() - start < 10


def test_numpy_in_the_user_site_is_refused_with_what_to_do():
    """The old advice (pip install --user numpy>=1.26) left a numpy 2 that hides QGIS's."""
    installed = {"numpy": _dist("numpy", "2.1.0", compiled=True, user=True)}
    info = inst.PythonInfo("/usr/bin/python3", sys.version, "/usr", "/usr")
    with pytest.raises(inst.InstallError, match="pip uninstall numpy"):
        inst._refuse_user_site_numpy(installed, info)


# --- the real install ------------------------------------------------------------------------

CHECK = textwrap.dedent(
    """
    import json, sys
    sys.path[:0] = [sys.argv[1], sys.argv[2]]  # the bundled core, then the plugin's folder
    import numpy
    from osgeo import gdal, gdal_array
    import scipy.stats
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # GDAL's numpy bindings round-trip an array through an in-memory raster
    ds = gdal.GetDriverByName("MEM").Create("", 3, 2, 1, gdal.GDT_Float64)
    gdal_array.BandWriteArray(ds.GetRasterBand(1), numpy.arange(6.0).reshape(2, 3))
    raster_sum = float(ds.GetRasterBand(1).ReadAsArray().sum())
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fig.canvas.draw()

    # the core on the installed packages: see test_distances.test_place_and_node_on_one_street
    import geopandas as gpd, shapely, pandas, numba, pyproj, pyogrio
    from stadsrum import prepare_network
    from stadsrum.measures.proximity import place_distances
    x0, y0 = 674000.0, 6580000.0
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(x0, y0), (x0 + 200, y0)])],
                             crs="EPSG:3006")
    def pts(xy, **cols):
        return gpd.GeoDataFrame(cols, geometry=[shapely.Point(x0 + x, y0 + y) for x, y in xy],
                                crs="EPSG:3006")
    od = place_distances(prepare_network(lines), pts([(100, 10)], place_id=["torget"]),
                         pts([(180, -5)], node_id=["station"])).od
    print(json.dumps({
        "numpy": numpy.__file__, "numpy_version": numpy.__version__,
        "gdal_sum": raster_sum, "norm_cdf_0": float(scipy.stats.norm.cdf(0.0)),
        "pandas": pandas.__file__, "numba": numba.__file__, "pyproj": pyproj.__version__,
        "total_m": float(od.iloc[0].total_m),
    }))
    """
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The real install, offline, into a plugin folder under a throwaway QGIS profile."""
    python = _qgis_python()
    if not (WHEELHOUSE / ".complete").is_file():
        pytest.skip(f"no wheel folder at {WHEELHOUSE}: run 'make wheelhouse' first")
    profile = tmp_path_factory.mktemp("qgis-config") / "profiles" / "default"
    folder = inst.deps_folder(profile)
    steps: list[float] = []
    result = inst.install(
        folder,
        python=python,
        find_links=WHEELHOUSE,
        offline=True,
        bundled=ROOT,  # the checkout holds the stadsrum core, as the zip's bundled/ does
        log=lambda _line: None,
        progress=steps.append,
    )
    return python, folder, result, steps


@pytest.mark.slow
def test_offline_install_leaves_qgis_python_working(installed):
    python, folder, result, steps = installed
    own = inst.installed_packages(python, exclude=[folder])
    assert folder.is_dir()
    assert not result.pending
    assert steps[0] < steps[-1] == 100
    names = {line.split("==")[0].lower() for line in result.installed}
    # what QGIS's Python lacks (or has too old: Debian's pyproj 3.4.1) comes into the folder
    assert {"geopandas", "numba", "pandas", "shapely", "pyogrio", "osmium"} <= names
    if inst._version_tuple(own["pyproj"].version) < (3, 6):
        assert "pyproj" in names
    # ...and nothing QGIS has and can use: never numpy, scipy, matplotlib or GDAL
    assert not names & {"numpy", "scipy", "matplotlib", "gdal", "pillow"}
    assert not list(folder.glob("numpy*"))
    assert f"numpy=={own['numpy'].version}" in result.kept
    verification = result.verification
    assert verification is not None
    assert verification.ok, verification.describe()
    assert "stadsrum.workflows" in verification.after
    # nothing left beside the folder: no staging, no user site touched
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]

    done = subprocess.run(
        [python, "-c", CHECK, str(ROOT), str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert os.path.realpath(got["numpy"]).startswith(os.path.realpath(own["numpy"].location))
    assert got["numpy_version"] == own["numpy"].version
    assert got["gdal_sum"] == 15.0  # 0 + 1 + ... + 5
    assert got["norm_cdf_0"] == 0.5
    assert got["pandas"].startswith(str(folder))
    assert got["numba"].startswith(str(folder))
    assert got["total_m"] == pytest.approx(95)  # 80 m along the street + 10 + 5 m access

    # a second install replaces the folder in place (what the button's "repair" does)
    again = inst.install(
        folder,
        python=python,
        find_links=WHEELHOUSE,
        offline=True,
        bundled=ROOT,
        log=lambda _line: None,
        verify_after=False,
    )
    assert again.installed == result.installed
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]


# Debian's /usr/bin/qgis_process wrapper adds an option qgis_process 3.22 rejects
QGIS_PROCESS = shutil.which("qgis_process.bin") or shutil.which("qgis_process")


@pytest.mark.slow
def test_qgis_process_runs_the_plugin_on_the_installed_packages(installed, tmp_path):
    """The real QGIS, with nothing but its own Python and the plugin's folder: no .venv.

    A 2 x 2 grid of 100 m blocks (3 x 3 junctions); segment analysis at 400 m
    in QGIS must equal the core run here, in the test's own environment.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    import stadsrum as sr
    from stadsrum.plugin_zip import build_plugin_zip

    _python, folder, _result, _steps = installed
    if QGIS_PROCESS is None:
        pytest.skip("qgis_process is not installed (Debian package: qgis)")
    config = folder.parents[3]  # QGIS_CUSTOM_CONFIG_PATH/profiles/default/stadsrum/<folder>
    plugins = tmp_path / "plugins"
    import zipfile

    with zipfile.ZipFile(build_plugin_zip(tmp_path / "dist")) as zf:
        zf.extractall(plugins)
    x0, y0 = 674000.0, 6580000.0
    # each street already cut at its junctions: 12 segments of 100 m, none to prepare
    lines = [
        ((x0 + j * 100, y0 + i * 100), (x0 + j * 100 + 100, y0 + i * 100))
        for i in range(3)
        for j in range(2)
    ]
    lines += [
        ((x0 + i * 100, y0 + j * 100), (x0 + i * 100, y0 + j * 100 + 100))
        for i in range(3)
        for j in range(2)
    ]
    streets = gpd.GeoDataFrame(
        {"name": [f"s{i}" for i in range(12)]},
        geometry=[shapely.LineString(c) for c in lines],
        crs="EPSG:3006",
    )
    network = tmp_path / "grid.gpkg"
    streets.to_file(network, layer="grid", driver="GPKG")
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "QGIS_PLUGINPATH": str(plugins),
        "QGIS_CUSTOM_CONFIG_PATH": str(config),
        "PYTHONWARNINGS": "ignore",
    }

    def run(*args):
        return subprocess.run(
            [QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300
        )

    assert run("plugins", "enable", "stadsrum_plugin").returncode == 0
    out = tmp_path / "segments.gpkg"
    done = run(
        "--json",
        "run",
        "stadsrum:segments",
        "--",
        f"INPUT={network}|layername=grid",
        "COST=1",
        "RADII=400",
        "PREPARE=1",
        f"OUTPUT={out}",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    got = sr.read_layer(out).sort_values("segment_id")
    want = sr.run_segments(
        f"{network}|layername=grid", None, prepare="none", cost="metric", radii="400"
    ).segments.sort_values("segment_id")
    assert len(got) == len(want) == 12
    column = "integration_metric_r400"
    assert (got[column] > 0).all()  # every segment reaches others within 400 m
    assert np.allclose(got[column].to_numpy(float), want[column].to_numpy(float), equal_nan=True)


def test_the_zip_carries_the_installer_and_it_runs_on_its_own(tmp_path):
    """An administrator runs the zip's installer.py with QGIS's Python, without QGIS."""
    import zipfile

    from stadsrum.plugin_zip import PLUGIN_FOLDER, build_plugin_zip

    with zipfile.ZipFile(build_plugin_zip(tmp_path / "dist")) as zf:
        zf.extractall(tmp_path / "plugins")
    script = tmp_path / "plugins" / PLUGIN_FOLDER / "installer.py"
    assert script.is_file()
    assert (script.parent / "bundled" / "stadsrum" / "workflows.py").is_file()
    done = subprocess.run(
        [sys.executable, str(script), "folder-name"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == inst.folder_name()
    assert done.stdout.startswith(f"python{sys.version_info[0]}.{sys.version_info[1]}-")


def test_the_import_check_blames_the_install_only_for_what_it_broke():
    """A QGIS without scipy is not the install's doing; a broken gdal_array or core is."""
    failed = "ModuleNotFoundError: No module named 'scipy'"
    before = {"numpy": "ok", "scipy.stats": failed, "osgeo.gdal_array": "ok"}
    fine = inst.VerifyResult(
        before, before | {"stadsrum.workflows": "ok"}, "/usr/np 1.24.2", "/usr/np 1.24.2"
    )
    assert fine.ok
    assert fine.failing == {}
    broken_gdal = "ImportError: numpy.core.multiarray failed to import"
    broken = inst.VerifyResult(
        before,
        before | {"osgeo.gdal_array": broken_gdal, "stadsrum.workflows": "ok"},
        "/usr/np 1.24.2",
        "/usr/np 1.24.2",
    )
    assert not broken.ok
    assert broken.broken == ["osgeo.gdal_array"]
    assert "osgeo.gdal_array (QGIS's own: it worked before)" in broken.describe()
    core = inst.VerifyResult(before, before | {"stadsrum.workflows": "ImportError: x"}, "a", "a")
    assert list(core.failing) == ["stadsrum.workflows"]
    other_numpy = inst.VerifyResult(before, before, "/usr/np 1.24.2", "/plugin/np 2.1.0")
    assert not other_numpy.ok
    assert "numpy changed" in other_numpy.describe()

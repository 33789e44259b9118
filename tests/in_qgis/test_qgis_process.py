"""``qgis_process run stadsrum:segments`` with the plugin zip installed in a throwaway profile."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sysconfig

import numpy as np
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

import stadsrum as sr

pytestmark = pytest.mark.qgis

# Debian's /usr/bin/qgis_process wrapper adds --noversioncheck (from /etc/default/qgis),
# which qgis_process 3.22 rejects; the binary beside it works
QGIS_PROCESS = shutil.which("qgis_process.bin") or shutil.which("qgis_process")


@pytest.fixture(scope="module")
def qgis_process(plugin_dir, tmp_path_factory):
    """Run qgis_process with the unpacked plugin zip as its only extra plugin."""
    if QGIS_PROCESS is None:
        pytest.skip("qgis_process is not installed (Debian package: qgis)")
    config = tmp_path_factory.mktemp("qgis-config")
    runtime = tmp_path_factory.mktemp("xdg")
    runtime.chmod(0o700)
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "QGIS_PLUGINPATH": str(plugin_dir),
        "QGIS_CUSTOM_CONFIG_PATH": str(config),
        # QGIS embeds the system Python: give it this environment's packages (as a user's
        # `pip install --user` would), but not the source checkout: the zip's bundled core runs
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "PYTHONWARNINGS": "ignore",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=240
        )

    enabled = run("plugins", "enable", "stadsrum_plugin")
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    return run


def test_qgis_process_lists_and_runs_segments(qgis_process, network_layer, tmp_path):
    listed = qgis_process("list")
    assert "stadsrum:segments" in listed.stdout, listed.stdout[-2000:] + listed.stderr
    out = tmp_path / "segments.gpkg"
    done = qgis_process(
        "--json",
        "run",
        "stadsrum:segments",
        "--",
        f"INPUT={network_layer}",
        "COST=1",
        "RADII=400",
        "PREPARE=1",
        f"OUTPUT={out}",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert report["results"]["OUTPUT"].startswith(str(out))
    # qgis_process loads nothing, yet the file carries its default style (layer_styles)
    con = sqlite3.connect(out)
    try:
        styles = con.execute('SELECT "f_table_name", "useAsDefault" FROM "layer_styles"').fetchall()
    finally:
        con.close()
    assert styles == [("segments", 1)]
    result = sr.read_layer(out)
    core = sr.run_segments(network_layer, None, prepare="none", cost="metric", radii="400")
    got = result.sort_values("segment_id")["integration_metric_r400"].to_numpy(float)
    want = core.segments.sort_values("segment_id")["integration_metric_r400"].to_numpy(float)
    assert np.allclose(got, want, equal_nan=True)

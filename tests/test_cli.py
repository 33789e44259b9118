"""The command line: outputs, one-line errors, atomic writes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pyogrio
import pytest
from helpers import make_lines
from typer.testing import CliRunner

from stadsrum.cli import app

runner = CliRunner()


@pytest.fixture
def streets(tmp_path):
    path = tmp_path / "streets.gpkg"
    make_lines(
        [[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(100, 0), (150, 0)]],
        name=["Storgatan", "Kyrkogatan", "Torget"],
    ).to_file(path, layer="streets")
    return path


def test_network_command_writes_layers_and_keeps_columns(streets, tmp_path):
    out = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", str(streets), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    layers = {str(n) for n in pyogrio.list_layers(out)[:, 0]}
    assert {"network", "diagnostics", "run_metadata"} <= layers
    net = pyogrio.read_dataframe(out, layer="network")
    assert {"id", "name", "length_m", "u", "v"} <= set(net.columns)
    assert len(net) == 4  # split at the crossing; Storgatan's two pieces east of it merge
    meta = pyogrio.read_dataframe(out, layer="run_metadata")
    keys = set(meta.key)
    assert {"stadsrum_version", "command", "parameters", "input:network:sha256"} <= keys


def test_network_command_prints_the_summary(streets, tmp_path):
    out = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", str(streets), "--out", str(out)])
    assert result.exit_code == 0
    assert "segments: 4" in result.output
    assert "dangling ends: 4" in result.output


def test_prepare_none_from_the_cli(streets, tmp_path):
    out = tmp_path / "net.gpkg"
    args = ["network", f"{streets}|layername=streets", "--out", str(out), "--prepare", "none", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert len(pyogrio.read_dataframe(out, layer="network")) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["network", "missing.gpkg"], "error: network: file not found"),
        (["network", "{streets}", "--layer", "roads"], "error: network: layer 'roads' is not in"),
    ],
)
def test_errors_are_one_line_and_write_nothing(streets, tmp_path, args, message):
    out = tmp_path / "net.gpkg"
    args = [a.format(streets=streets) for a in args] + ["--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith(message)
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".net.gpkg")]


def test_failed_run_leaves_an_existing_output_untouched(streets, tmp_path):
    out = tmp_path / "net.gpkg"
    assert runner.invoke(app, ["network", str(streets), "--out", str(out), "-q"]).exit_code == 0
    before = out.read_bytes()
    empty = tmp_path / "empty.gpkg"
    make_lines([]).iloc[:0].to_file(empty, layer="streets")
    result = runner.invoke(app, ["network", str(empty), "--out", str(out), "-q"])
    assert result.exit_code == 1
    assert "empty" in result.output
    assert out.read_bytes() == before


def test_console_script_runs_without_traceback(tmp_path):
    """The installed entry point, as a user runs it."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    exe = os.path.join(os.path.dirname(sys.executable), "stadsrum")
    proc = subprocess.run(
        [exe, "network", str(tmp_path / "x.shp"), "--out", str(tmp_path / "o.gpkg")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: network: file not found")
    assert "Traceback" not in proc.stderr
    help_ = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    assert "network" in help_.stdout
    assert "demo" in help_.stdout


def test_distances_and_accessibility_commands_on_the_sample_city(tmp_path):
    """The planner's commands on the sample data: layer and column names as the
    interface contract says."""
    from stadsrum.workflows import sample_data_dir

    data = sample_data_dir()
    layers = data / "helsinki.gpkg"
    out = tmp_path / "dist.gpkg"
    args = [
        "distances",
        "--network",
        str(data / "helsinki.osm.pbf"),
        "--places",
        f"{layers}|layername=places",
        "--nodes",
        f"{layers}|layername=nodes",
        "--node-category",
        "category",
        "--thresholds",
        "5,10",
        "--out",
        str(out),
        "-q",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    names = {str(n) for n in pyogrio.list_layers(out)[:, 0]}
    assert {"od", "service_areas", "service_area_lines", "place_summary", "run_metadata"} <= names
    od = pyogrio.read_dataframe(out, layer="od")
    for col in (
        "place_id",
        "node_id",
        "node_category",
        "network_m",
        "link_m",
        "total_m",
        "walk_min",
        "straight_m",
        "detour_ratio",
        "angular_deg",
        "turns",
        "status",
    ):
        assert col in od.columns
    assert (od.total_m >= od.straight_m - 1e-6).all()
    np.testing.assert_allclose(od.total_m, od.network_m + od.link_m)
    areas = pyogrio.read_dataframe(out, layer="service_areas")
    assert set(areas.threshold_min) == {5.0, 10.0}

    acc = tmp_path / "acc.gpkg"
    result = runner.invoke(
        app,
        [
            "accessibility",
            str(data / "helsinki.osm.pbf"),
            "--attractions",
            f"{layers}|layername=nodes",
            "--radii",
            "300,n",
            "--decay",
            "linear",
            "--category",
            "category",
            "--out",
            str(acc),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pyogrio.read_dataframe(acc, layer="accessibility")
    assert {"nearest_m", "reach_r300", "reach_rn", "nearest_station_m"} <= set(table.columns)
    assert (table.reach_rn <= 53).all()


def test_distances_command_errors_name_the_column(tmp_path):
    from stadsrum.workflows import sample_data_dir

    data = sample_data_dir()
    layers = data / "helsinki.gpkg"
    out = tmp_path / "dist.gpkg"
    result = runner.invoke(
        app,
        [
            "distances",
            "--network",
            str(data / "helsinki.osm.pbf"),
            "--places",
            f"{layers}|layername=places",
            "--nodes",
            f"{layers}|layername=nodes",
            "--place-id",
            "namn",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: places: no column 'namn'; name the id column with --place-id")
    )
    assert not out.exists()

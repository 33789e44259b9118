"""The command line: outputs, one-line errors, atomic writes."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import typer
from helpers import SWEREF, X0, Y0, make_lines
from typer.testing import CliRunner

from stadsrum.cli import app
from stadsrum.progress import TqdmProgress

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


# --- what a first-time user meets: messages, options, help and logs (issue 11, 7 and 8) ---


def _error_line(result):
    """The last non-empty line on standard error: the one-line ``error: ...``."""
    return [ln for ln in result.stderr.splitlines() if ln.strip()][-1]


def _points(xy, **columns):
    geoms = gpd.GeoSeries.from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy], crs=SWEREF)
    return gpd.GeoDataFrame({"id": list(range(len(xy)))} | columns, geometry=geoms)


@pytest.fixture
def project(tmp_path):
    """One GeoPackage holding streets, places and nodes, as a planner's project file."""
    path = tmp_path / "project.gpkg"
    make_lines(
        [[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(100, 0), (150, 0)]],
    ).to_file(path, layer="streets")
    _points([(10, 5), (140, -5)], place_id=["torget", "parken"]).to_file(path, layer="places")
    _points([(50, 45)], node_id=["station"]).to_file(path, layer="nodes")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["distances", "--network", "{p}|layername=streets", "--places", "{p}"],
            "error: places: '{p}' has several layers (streets, places, nodes): choose one "
            "with --places-layer or FILE|layername=NAME",
        ),
        (
            ["distances", "--network", "{p}|layername=streets", "--places-layer", "places"],
            "error: nodes: '{p}' has several layers (streets, places, nodes): choose one "
            "with --nodes-layer or FILE|layername=NAME",
        ),
        (
            [
                "distances",
                "--network",
                "{p}",
                "--places-layer",
                "places",
                "--nodes-layer",
                "nodes",
            ],
            "error: network: '{p}' has several layers (streets, places, nodes): choose one "
            "with --network-layer or FILE|layername=NAME",
        ),
    ],
)
def test_a_file_with_several_layers_asks_which_one(project, tmp_path, args, message):
    """Not the first layer read silently and a misleading hint about --node-id later."""
    out = tmp_path / "out.gpkg"
    args = [a.format(p=project) for a in args]
    if "--places" not in args:
        args += ["--places", str(project)]
    args += ["--nodes", str(project), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert _error_line(result) == message.format(p=project)
    assert "node-id" not in result.output
    assert not out.exists()


def test_the_layer_options_of_the_message_exist(project, tmp_path):
    """The options the message names work, on the command whose network is positional too."""
    out = tmp_path / "acc.gpkg"
    args = ["accessibility", str(project), "--attractions", str(project), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "choose one with --attractions-layer or" in _error_line(result)
    result = runner.invoke(app, [*args, "--attractions-layer", "nodes"])
    assert result.exit_code == 1
    assert "choose one with --network-layer or" in _error_line(result)
    args += ["--network-layer", "streets", "--attractions-layer", "nodes", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert len(pyogrio.read_dataframe(out, layer="accessibility")) == 4


def test_one_layer_beside_tables_needs_no_layer_name(tmp_path):
    """Tables (run_metadata, a QGIS style in layer_styles) do not count as layers to choose."""
    from stadsrum.io.writers import run_metadata, write_gpkg

    streets = tmp_path / "streets.gpkg"
    lines = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]])
    write_gpkg(streets, {"streets": lines}, metadata=run_metadata("test", {}))
    tables = {str(n) for n, g in pyogrio.list_layers(streets) if g is None}
    assert tables == {"run_metadata", "layer_styles"}
    out = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", str(streets), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert len(pyogrio.read_dataframe(out, layer="network")) == 4
    # a network GeoPackage (network and diagnostics) is found without a name even when
    # preparation is asked for
    seg = tmp_path / "seg.gpkg"
    args = ["segments", str(out), "--out", str(seg), "--prepare", "full", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(pyogrio.read_dataframe(seg, layer="segments")) == 4


def test_a_result_prepared_twice_is_read_again(streets, tmp_path):
    """segments.gpkg from a re-prepared network already holds edge_id and edge_id_input:
    preparing it once more keeps every column, under names that differ."""
    net, seg, again = (tmp_path / f"{n}.gpkg" for n in ("net", "seg", "again"))
    assert runner.invoke(app, ["network", str(streets), "--out", str(net), "-q"]).exit_code == 0
    args = ["segments", str(net), "--out", str(seg), "--prepare", "full", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, ["network", str(seg), "--out", str(again), "-q"])
    assert result.exit_code == 0, result.output
    columns = list(pyogrio.read_dataframe(again, layer="network").columns)
    assert len(columns) == len(set(columns))
    assert {"edge_id", "edge_id_input", "edge_id_input2", "integration_angular_rn"} <= set(columns)


def _write_without_crs(frame, path):
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        pyogrio.write_dataframe(frame.set_crs(None, allow_override=True), path)
    assert not path.with_suffix(".prj").exists()


def _no_crs_streets(tmp_path):
    """Streets in SWEREF 99 TM coordinates, written as a Shapefile without its .prj."""
    path = tmp_path / "streets.shp"
    lines = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(100, 0), (150, 0)]])
    _write_without_crs(lines, path)
    return path


def test_crs_option_for_a_layer_without_one(tmp_path):
    streets = _no_crs_streets(tmp_path)
    out = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", str(streets), "--out", str(out)])
    assert result.exit_code == 1
    assert _error_line(result) == (
        "error: network: the layer has no coordinate reference system; give it with --crs "
        "(e.g. --crs EPSG:3006 for SWEREF 99 TM) or set it in QGIS"
    )
    assert not out.exists()
    for crs in ("EPSG:3006", "3006"):
        result = runner.invoke(app, ["network", str(streets), "--out", str(out), "--crs", crs])
        assert result.exit_code == 0, result.output
        net = pyogrio.read_dataframe(out, layer="network")
        assert net.crs.to_epsg() == 3006
        # no reprojection: the coordinates are the file's own
        assert net.total_bounds[0] == pytest.approx(X0)
        assert len(net) == 4
    meta = pyogrio.read_dataframe(out, layer="run_metadata")
    assert '"crs": "3006"' in meta.set_index("key").loc["parameters", "value"]


def test_crs_option_never_overrides_a_layers_own(streets, tmp_path):
    out = tmp_path / "net.gpkg"
    args = ["network", str(streets), "--out", str(out), "--crs", "EPSG:3067", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert pyogrio.read_dataframe(out, layer="network").crs.to_epsg() == 3006


def test_crs_option_applies_to_point_layers_too(tmp_path):
    streets = _no_crs_streets(tmp_path)
    places = tmp_path / "places.shp"
    nodes = tmp_path / "nodes.shp"
    for path, pts in (
        (places, _points([(10, 5)], place_id=["torget"])),
        (nodes, _points([(140, -5)], node_id=["station"])),
    ):
        _write_without_crs(pts, path)
    out = tmp_path / "dist.gpkg"
    args = ["distances", "--network", str(streets), "--places", str(places)]
    args += ["--nodes", str(nodes), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    # the point layers are read first, so a mistake there comes before preparing the network
    assert _error_line(result).startswith("error: places: the layer has no coordinate reference")
    result = runner.invoke(app, [*args, "--crs", "EPSG:3006", "-q"])
    assert result.exit_code == 0, result.output
    od = pyogrio.read_dataframe(out, layer="od")
    # torget (10, 5) joins the street y=0 at (10, 0): 5 m; the station (140, -5) at (140, 0): 5 m;
    # along the street from x=10 to x=140: 130 m
    assert od.network_m.iloc[0] == pytest.approx(130.0)
    assert od.total_m.iloc[0] == pytest.approx(140.0)


@pytest.mark.parametrize("crs", ["EPSG:99999", "SWEREF", "sweref99tm"])
def test_a_crs_pyproj_does_not_know_is_one_line(tmp_path, crs):
    """A bare name is refused too: pyproj would take "SWEREF" for the geographic SWEREF99."""
    streets = _no_crs_streets(tmp_path)
    out = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", str(streets), "--out", str(out), "--crs", crs])
    assert result.exit_code == 1
    assert _error_line(result) == (
        f"error: --crs: '{crs}' is not a coordinate reference system; give an EPSG code such "
        "as EPSG:3006 (SWEREF 99 TM)"
    )


def test_a_geographic_crs_for_metres_is_one_line(tmp_path):
    streets = _no_crs_streets(tmp_path)
    out = tmp_path / "net.gpkg"
    args = ["network", str(streets), "--out", str(out), "--crs", "EPSG:4326"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert _error_line(result) == (
        "error: network: --crs EPSG:4326 is in degrees, but the coordinates reach "
        "(335150, 6460050); give the layer's projected CRS, such as EPSG:3006"
    )


NETWORK_COMMANDS = ("network", "segments", "distances", "accessibility", "barriers", "compare")


@pytest.mark.parametrize("name", NETWORK_COMMANDS)
def test_every_command_reading_a_network_takes_prepare_and_crs(name):
    command = typer.main.get_command(app).commands[name]
    options = {opt for param in command.params for opt in param.opts}
    assert {"--prepare", "--crs"} <= options


def test_accessibility_on_raw_lines_with_prepare_none(streets, tmp_path):
    """As PST takes lines: no split where two lines cross without a shared vertex.

    The streets fixture: Storgatan (0,0)-(100,0), Kyrkogatan (50,-50)-(50,50) crossing it
    at (50,0) with no vertex there, and Torget (100,0)-(150,0). Prepared (full), the crossing
    is split and Storgatan's east half merges with Torget: 4 segments. Raw (none): the three
    lines as they are, Kyrkogatan joined to nothing.
    """
    rows = {}
    for prepare in ("full", "none"):
        out = tmp_path / f"acc_{prepare}.gpkg"
        attractions = tmp_path / "att.gpkg"
        _points([(150, 0)]).to_file(attractions)
        args = ["accessibility", str(streets), "--attractions", str(attractions)]
        args += ["--prepare", prepare, "--out", str(out), "-q"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        rows[prepare] = pyogrio.read_dataframe(out, layer="accessibility")
        meta = pyogrio.read_dataframe(out, layer="run_metadata").set_index("key")
        assert f'"prepare": "{prepare}"' in meta.loc["parameters", "value"]
    assert len(rows["full"]) == 4
    assert len(rows["none"]) == 3
    # raw lines: Kyrkogatan (line 1) cannot reach the attraction at Torget's end
    raw = rows["none"].sort_values("id")
    assert raw.nearest_m.isna().tolist() == [False, True, False]


def test_counts_agree_with_their_nouns(tmp_path):
    """Preparation drops one stray line: "1 segment", never "1 segments"."""
    path = tmp_path / "streets.gpkg"
    make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(500, 500), (520, 500)]]).to_file(path)
    result = runner.invoke(app, ["network", str(path), "--out", str(tmp_path / "n.gpkg")])
    assert result.exit_code == 0, result.output
    assert "components: 2 (largest has 4 segments; 1 segment in smaller ones dropped)" in (
        result.stdout.splitlines()
    )
    assert "1 segments" not in result.output


def test_reprojection_note_printed_once(tmp_path):
    path = tmp_path / "lonlat.gpkg"
    make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]]).to_crs("EPSG:4326").to_file(path)
    result = runner.invoke(app, ["network", str(path), "--out", str(tmp_path / "n.gpkg")])
    assert result.exit_code == 0, result.output
    assert result.output.count("reprojected to") == 1
    # a layer in Sweden goes to SWEREF 99 TM
    assert "reprojected to EPSG:3006" in result.stderr


def test_progress_in_a_log_is_plain_lines(streets, tmp_path):
    """Standard error is not a terminal here: lines a log keeps, no carriage-return bars."""
    result = runner.invoke(app, ["network", str(streets), "--out", str(tmp_path / "n.gpkg")])
    assert result.exit_code == 0
    assert "\r" not in result.stderr
    assert "it/s" not in result.stderr
    assert re.search(r"^preparing network: done in \d+\.\d s$", result.stderr, re.M)


def test_plain_progress_writes_a_line_per_tenth_and_at_the_end(capsys):
    progress = TqdmProgress(plain=True, interval=0.0)
    progress.start("segment analysis (angular)", 200)
    for _ in range(200):
        progress.advance()
    progress.finish()
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split(" after ")[0] for ln in lines[:-1]] == [
        f"segment analysis (angular): {p}%" for p in range(10, 100, 10)
    ]
    assert re.fullmatch(r"segment analysis \(angular\): done in \d+\.\d s", lines[-1])


def test_plain_progress_is_sparse_in_time(capsys):
    """At most one line per interval: a quick step writes only its last line."""
    progress = TqdmProgress(plain=True, interval=60.0)
    progress.start("preparing network", 6)
    for _ in range(6):
        progress.advance()
    progress.finish()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("preparing network: done in ")


def test_quiet_progress_writes_nothing(capsys):
    progress = TqdmProgress(disable=True, plain=True, interval=0.0)
    progress.start("step", 10)
    progress.advance(10)
    progress.message("a note")
    progress.finish()
    assert capsys.readouterr().err == ""


def _console(*args, env=None):
    exe = os.path.join(os.path.dirname(sys.executable), "stadsrum")
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, check=True)


def test_help_is_plain_text_when_not_a_terminal():
    """`stadsrum --help | cat`, COLUMNS unset: no boxes, no clipped names or summaries."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    top = _console("--help", env=env).stdout
    assert not set(top) & set("─│╭╮╰╯")
    names = list(typer.main.get_command(app).commands)
    listed = top.split("Commands:")[1].splitlines()
    assert [ln.split()[0] for ln in listed if ln.strip()] == names
    assert not [ln for ln in listed if ln.rstrip().endswith("...")]
    for name in ("distances", "barriers"):
        text = _console(name, "--help", env=env).stdout
        assert not set(text) & set("─│╭╮╰╯…")
        assert max(len(ln) for ln in text.splitlines()) <= 80
    assert "--nearest-per-category" in _console("distances", "--help", env=env).stdout


def _gdal_warnings(path):
    """What Debian's GDAL (the one its QGIS uses) says when it opens ``path``; None without it."""
    if shutil.which("ogrinfo"):
        run = subprocess.run(
            ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stderr
    python = "/usr/bin/python3"
    if not os.path.exists(python):
        return None
    code = (
        "import sys; from osgeo import gdal; gdal.UseExceptions(); "
        "ds = gdal.OpenEx(sys.argv[1]); print(ds.GetLayerCount())"
    )
    run = subprocess.run([python, "-c", code, str(path)], capture_output=True, text=True)
    return run.stderr if run.returncode == 0 else None


def test_geopackages_open_without_a_version_warning(streets, tmp_path):
    """GDAL 3.7+ writes GeoPackage 1.4, which GDAL 3.6 says "may only be partially
    supported"; the outputs are 1.2, layer_styles (written through sqlite) included."""
    out = tmp_path / "net.gpkg"
    assert runner.invoke(app, ["network", str(streets), "--out", str(out), "-q"]).exit_code == 0
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
        assert con.execute("SELECT count(*) FROM layer_styles").fetchone()[0] == 2
    said = _gdal_warnings(out)
    if said is None:
        pytest.skip("no system GDAL (ogrinfo or python3-gdal) to open the file with")
    assert "partially supported" not in said
    assert "Warning" not in said

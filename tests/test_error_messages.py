"""Failures that used to print "unexpected ...": each gives one ``error:`` line that
says what is wrong and what to do, exits 1 and leaves no file or folder behind.

Every case builds its own input. The full-disk cases write to a real 200 kB
tmpfs when the tests may mount one (root on Linux) and otherwise make the
lowest write call fail the way GDAL does on a full disk.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from helpers import X0, Y0, make_lines
from typer.testing import CliRunner

from stadsrum.cli import app

runner = CliRunner()

#: Three streets: a 100 m street, a 100 m cross street through its middle and a 50 m
#: continuation, 250 m in all (the crossing splits lines but adds no length).
#:
#:          |
#:     -----+-----.-----
#:          |
STREETS = [[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(100, 0), (150, 0)]]
STREETS_M = 250.0


def _one_error_line(result, code: int = 1) -> str:
    """The error line, after checking the exit code and that it is the only one."""
    assert result.exit_code == code, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    assert "Traceback" not in result.output
    assert "unexpected" not in errors[0]
    return errors[0]


def _streets(tmp_path: Path) -> Path:
    path = tmp_path / "streets.gpkg"
    make_lines(STREETS).to_file(path, layer="streets")
    return path


def _metre_geojson(tmp_path: Path) -> Path:
    """SWEREF 99 TM metres in a GeoJSON without a "crs" member (GDAL reads it as WGS 84)."""
    lines = make_lines(STREETS)
    features = [
        {"type": "Feature", "properties": {"id": i}, "geometry": shapely.geometry.mapping(g)}
        for i, g in enumerate(lines.geometry)
    ]
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _huge(tmp_path: Path) -> Path:
    """The streets moved to about 1e300: GEOS fails on them without a message."""
    lines = make_lines(STREETS)
    lines["geometry"] = shapely.transform(lines.geometry.array, lambda xy: 1e300 + xy * 1e290)
    path = tmp_path / "huge.gpkg"
    lines.to_file(path, layer="streets")
    return path


def _huge_places(tmp_path: Path) -> Path:
    path = tmp_path / "places.gpkg"
    gpd.GeoDataFrame(
        {"place_id": [1, 2]},
        geometry=[shapely.Point(X0 + 10, Y0 + 5), shapely.Point(1e300, 1e300)],
        crs="EPSG:3006",
    ).to_file(path, layer="places")
    return path


def _nodes(tmp_path: Path) -> Path:
    path = tmp_path / "nodes.gpkg"
    gpd.GeoDataFrame(
        {"node_id": [1]}, geometry=[shapely.Point(X0 + 140, Y0 + 5)], crs="EPSG:3006"
    ).to_file(path, layer="nodes")
    return path


def _truncated(tmp_path: Path) -> Path:
    """A result GeoPackage cut short, as by a copy interrupted half way."""
    whole = tmp_path / "whole.gpkg"
    make_lines(STREETS).to_file(whole, layer="segments")
    path = tmp_path / "segments.gpkg"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    return path


def _text_as_gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "notes.gpkg"
    path.write_text("not a GeoPackage, just notes\n")
    return path


# (case, builder of the input, command with {input} and {out}, what the line must say)
BAD_INPUTS = [
    (
        "metres in a GeoJSON without a crs member",
        _metre_geojson,
        ["network", "{input}", "--out", "{out}/net.gpkg"],
        ["network:", "not longitudes/latitudes", "EPSG:4326", "--crs EPSG:3006"],
    ),
    (
        "network coordinates near 1e300",
        _huge,
        ["network", "{input}", "--out", "{out}/net.gpkg"],
        ["network: coordinates out of range in feature ids 0, 1, 2", "1e+300"],
    ),
    (
        "a place near 1e300",
        _huge_places,
        [
            "distances",
            "--network",
            "{streets}",
            "--places",
            "{input}",
            "--nodes",
            "{nodes}",
            "--out",
            "{out}/od.gpkg",
        ],
        ["places: coordinates out of range in feature ids 1:", "1e+300"],
    ),
    (
        "a truncated GeoPackage to report",
        _truncated,
        ["report", "{input}", "--out", "{out}/report"],
        ["report:", "segments.gpkg' is damaged or not a GeoPackage"],
    ),
    (
        "a text file named .gpkg to report",
        _text_as_gpkg,
        ["report", "{input}", "--out", "{out}/report"],
        ["report:", "notes.gpkg' is damaged or not a GeoPackage"],
    ),
]


@pytest.mark.parametrize(
    ("build", "args", "says"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_gives_one_clear_line_and_writes_nothing(tmp_path, build, args, says):
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "new" / "folder"  # missing: a failing run must not create it
    values = {
        "input": build(data),
        "out": out,
        "streets": _streets(data),
        "nodes": _nodes(data),
    }
    line = _one_error_line(runner.invoke(app, [a.format(**values) for a in args]))
    for text in says:
        assert text in line
    assert not (tmp_path / "new").exists()


def test_crs_option_fixes_metres_in_a_geojson(tmp_path):
    """The --crs the message asks for is used: 250 m of streets, in SWEREF 99 TM."""
    out = tmp_path / "net.gpkg"
    args = ["network", str(_metre_geojson(tmp_path)), "--out", str(out), "--crs", "EPSG:3006"]
    result = runner.invoke(app, [*args, "-q"])
    assert result.exit_code == 0, result.output
    net = pyogrio.read_dataframe(out, layer="network")
    assert net.crs.to_epsg() == 3006
    assert net.length_m.sum() == pytest.approx(STREETS_M)
    assert net.geometry.length.sum() == pytest.approx(STREETS_M)


def test_empty_geos_message_is_explained(tmp_path, monkeypatch):
    """The handler's fallback, for an empty GEOS message from a place no check covers."""
    from shapely.errors import GEOSException

    from stadsrum import workflows

    def fail(*args, **kwargs):
        raise GEOSException("")

    monkeypatch.setattr(workflows, "run_network", fail)
    line = _one_error_line(
        runner.invoke(app, ["network", str(_streets(tmp_path)), "--out", str(tmp_path / "x.gpkg")])
    )
    assert "coordinates out of range" in line


# ---------------------------------------------------------------- outputs checked early


def test_output_problems_are_found_before_any_work(tmp_path):
    """The network file does not exist: an output problem is reported first, which
    shows it was checked before the input was even opened."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "afolder.gpkg").mkdir()
    missing = str(tmp_path / "missing.gpkg")
    cases = [
        (tmp_path / "net.shp", "must end in .gpkg"),
        (tmp_path / "afile" / "net.gpkg", "is a file, not a folder"),
        (tmp_path / "afolder.gpkg", "is a folder; give a file name"),
    ]
    for out, says in cases:
        line = _one_error_line(runner.invoke(app, ["network", missing, "--out", str(out)]))
        assert says in line, line
        assert str(out) in line


@contextlib.contextmanager
def _mounted_tmpfs(path: Path, options: str):
    """A real tmpfs at ``path`` when this process may mount one, else nothing (None)."""
    path.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        yield None
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if done.returncode != 0:
        yield None
        return
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_read_only_output_folder_is_refused_before_computing(tmp_path):
    streets = _streets(tmp_path)
    with _mounted_tmpfs(tmp_path / "ro", "ro,size=64k") as mounted:
        ro = tmp_path / "ro"
        if mounted is None:
            if os.geteuid() == 0:
                pytest.skip("root ignores folder permissions and cannot mount a read-only disk")
            ro.chmod(0o555)
        try:
            out = ro / "sub" / "segments.gpkg"
            result = runner.invoke(app, ["segments", str(streets), "--out", str(out)])
            line = _one_error_line(result)
            assert f"the folder '{ro}' is not writable" in line
            assert not (ro / "sub").exists()
        finally:
            if mounted is None:
                ro.chmod(0o755)


# -------------------------------------------------------------------------- full disk


@pytest.fixture(params=["real", "simulated"])
def full_disk(request, tmp_path, monkeypatch):
    """A folder on a disk with 30 kB left: a real 200 kB tmpfs ("real", where this
    process may mount one), or the lowest write call (pyogrio's) failing as GDAL does
    when SQLite cannot commit ("simulated")."""
    if request.param == "simulated":
        from pyogrio.errors import DataSourceError

        disk = tmp_path / "disk"
        write = pyogrio.write_dataframe

        def no_space(frame, path, *args, **kwargs):
            if Path(path).is_relative_to(disk):
                raise DataSourceError("Failed to commit transaction")
            return write(frame, path, *args, **kwargs)

        monkeypatch.setattr(pyogrio, "write_dataframe", no_space)
        disk.mkdir()
        yield disk, "simulated"
        return
    with _mounted_tmpfs(tmp_path / "disk", "size=200k") as mounted:
        if mounted is None:
            pytest.skip("cannot mount a small tmpfs here (needs root on Linux)")
        with open(mounted / "filler", "wb") as fh:
            fh.write(b"\0" * (170 * 1024))
        yield mounted, "real"


def test_full_disk_says_so_and_where(tmp_path, full_disk):
    disk, kind = full_disk
    out = disk / "results" / "net.gpkg"
    result = runner.invoke(app, ["network", str(_streets(tmp_path)), "--out", str(out), "-q"])
    line = _one_error_line(result)
    assert line.startswith(f"error: the disk is full: could not write '{out}'"), (kind, line)
    assert "free on the disk mounted at" in line
    # neither the file, nor its temporary file, nor the folder made for it is left
    assert sorted(p.name for p in disk.iterdir()) == (["filler"] if kind == "real" else [])


def test_disk_full_errno_is_recognised(tmp_path):
    """ENOSPC as the C library gives it (CSV, PDF and HTML writes), and nothing else."""
    from stadsrum.io.outputs_check import disk_full_error

    err = OSError(errno.ENOSPC, "No space left on device")
    made = disk_full_error(err, tmp_path / "x.csv")
    assert made is not None
    assert "the disk is full: could not write" in str(made)
    assert disk_full_error(ValueError("bad column"), tmp_path / "x.csv") is None


# ------------------------------------------------------------------------------ study


def _study(tmp_path: Path, out: str, distances: dict[str, str]) -> Path:
    folder = tmp_path / "study"
    folder.mkdir()
    _streets(folder)
    _nodes(folder)
    gpd.GeoDataFrame(
        {"place_id": [1]}, geometry=[shapely.Point(X0 + 10, Y0 + 5)], crs="EPSG:3006"
    ).to_file(folder / "places.gpkg", layer="places")
    lines = [
        f'out = "{out}"',
        "[network]",
        'source = "streets.gpkg"',
        "[segments]",
        'radii = ["n"]',
        "[distances]",
        'places = "places.gpkg"',
        'nodes = "nodes.gpkg"',
        *(f'{k} = "{v}"' for k, v in distances.items()),
    ]
    path = folder / "analysis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_study_says_where_outputs_go_outside_its_folder(tmp_path):
    study = _study(tmp_path, "../elsewhere/results", {})
    result = runner.invoke(app, ["run", str(study)])
    assert result.exit_code == 0, result.output
    target = (tmp_path / "elsewhere" / "results").resolve()
    assert f"outputs go to {target} (outside the study's folder" in result.output
    for name in ("segments.gpkg", "distances.gpkg", "analysis.toml"):
        assert str(target / name) in result.output
        assert (target / name).is_file()


def test_study_failing_part_way_says_what_was_written(tmp_path):
    study = _study(tmp_path, "results", {"place_id": "no_such_column"})
    result = runner.invoke(app, ["run", str(study)])
    line = _one_error_line(result)
    assert "no_such_column" in line
    written = (tmp_path / "study" / "results" / "segments.gpkg").resolve()
    assert f"analysis.toml: written before it failed: {written}\n" in result.stderr
    assert sorted(p.name for p in written.parent.iterdir()) == ["segments.gpkg"]

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


# --- an interrupt part way through a study or the demo ----------------------------------


def _run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``stadsrum ARGS`` through main() (it prints the interrupt's line): exit code and
    standard error; pytest's signal handlers are put back."""
    import signal

    from stadsrum import cli

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as info:
            cli.main(args)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        cli._interrupted.clear()
    code = info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def _ctrl_c() -> None:
    raise KeyboardInterrupt  # what the command line's handler raises for SIGINT and SIGTERM


def _cancel() -> None:
    from stadsrum.errors import CancelledError

    raise CancelledError("cancelled by the user; nothing was written")  # a progress step


def _boxed() -> None:
    """An interrupt inside a compiled kernel: numba hands it on as a SystemError, and
    the handler has set the command line's flag."""
    from stadsrum import cli

    cli._interrupted.set()
    raise SystemError("CPUDispatcher(<function k>) returned a result with an exception set")


INTERRUPTS = [("ctrl-c", _ctrl_c), ("cancelled", _cancel), ("in-a-kernel", _boxed)]


def _interrupting(monkeypatch, name: str, interrupt) -> None:
    """Make ``workflows.<name>`` interrupt the run when it is called; it keeps its
    signature, which a study checks its options against."""
    import functools

    from stadsrum import workflows

    original = getattr(workflows, name)

    @functools.wraps(original)
    def stop(*args, **kwargs):
        interrupt()

    monkeypatch.setattr(workflows, name, stop)


@pytest.mark.parametrize("interrupt", [i[1] for i in INTERRUPTS], ids=[i[0] for i in INTERRUPTS])
def test_study_interrupted_part_way_names_what_it_wrote(tmp_path, monkeypatch, capsys, interrupt):
    """Interrupted at its distances, after its segments were written: exit 130, and the
    one line names segments.gpkg (whole, and kept) instead of "nothing was written"."""
    study = _study(tmp_path, "results", {})
    _interrupting(monkeypatch, "run_distances", interrupt)
    code, err = _run_main(["run", str(study), "-q"], capsys)
    written = (tmp_path / "study" / "results" / "segments.gpkg").resolve()
    assert code == 130, err
    assert err.splitlines() == [
        f"cancelled; written before the interrupt: {written}; nothing else was written"
    ]
    assert sorted(p.name for p in written.parent.iterdir()) == ["segments.gpkg"]


def test_study_interrupted_before_any_output_says_nothing_was_written(
    tmp_path, monkeypatch, capsys
):
    from stadsrum.cli import CANCELLED_LINE

    study = _study(tmp_path, "results", {})
    _interrupting(monkeypatch, "run_segments", _ctrl_c)
    code, err = _run_main(["run", str(study), "-q"], capsys)
    assert (code, err.splitlines()) == (130, [CANCELLED_LINE])
    assert not (tmp_path / "study" / "results").exists()


def test_python_study_interrupted_keeps_the_written_files_on_the_exception(tmp_path, monkeypatch):
    from stadsrum.io.outputs_check import written_before
    from stadsrum.study import run_study

    study = _study(tmp_path, "results", {})
    _interrupting(monkeypatch, "run_distances", _ctrl_c)
    with pytest.raises(KeyboardInterrupt) as info:
        run_study(study)
    written = (tmp_path / "study" / "results" / "segments.gpkg").resolve()
    assert written_before(info.value) == [written]
    assert info.value.__notes__ == [f"analysis.toml: written before it was interrupted: {written}"]


def test_demo_interrupted_part_way_names_what_it_wrote(tmp_path, monkeypatch, capsys):
    """The demo interrupted at its segment analysis, after its network was written."""
    _interrupting(monkeypatch, "run_segments", _ctrl_c)
    out = tmp_path / "demo"
    code, err = _run_main(["demo", "--out", str(out), "-q"], capsys)
    assert code == 130, err
    assert err.splitlines() == [
        f"cancelled; written before the interrupt: {out / 'network.gpkg'}; nothing else was written"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["network.gpkg"]


@pytest.mark.slow
def test_sigterm_to_a_study_part_way(tmp_path, sample_pbf):
    """A real SIGTERM, sent while a study's compare step runs (seconds of segment
    analysis before and after the proposal on the sample city), after its segments
    were written: exit 130, the one line names segments.gpkg, no other file."""
    import signal
    import time

    folder = tmp_path / "study"
    folder.mkdir()
    data = Path(sample_pbf).parent
    (folder / "analysis.toml").write_text(
        "\n".join(
            [
                'out = "results"',
                "[network]",
                f'source = "{sample_pbf}"',
                "[segments]",
                'radii = ["400"]',
                'cost = ["metric"]',
                "[compare]",
                f'proposal = "{data / "helsinki.gpkg"}|layername=proposal"',
                'radii = ["n"]',
                'cost = ["angular", "metric"]',
            ]
        )
        + "\n"
    )
    exe = Path(sys.executable).with_name("stadsrum")
    proc = subprocess.Popen(
        [str(exe) if exe.exists() else "stadsrum", "run", str(folder / "analysis.toml")],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("analysis.toml: compare"):
            break
    else:
        pytest.fail("the study ended before its compare step")
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=120)
    results = (folder / "results").resolve()
    if proc.returncode == 0:  # a very fast machine: the run rightly ended well
        assert (results / "compare.gpkg").is_file()
        return
    assert proc.returncode == 130, rest
    lines = [ln for ln in rest.splitlines() if ln.strip()]
    assert lines[-1] == (
        f"cancelled; written before the interrupt: {results / 'segments.gpkg'}; "
        "nothing else was written"
    )
    assert sorted(p.name for p in results.iterdir()) == ["segments.gpkg"]


# --- a layer named in the file name: QGIS's FILE|layername=NAME and its look-alikes ---------


@pytest.fixture(scope="module")
def layer_project(tmp_path_factory) -> Path:
    """One GeoPackage with every kind of input layer a command reads."""
    path = tmp_path_factory.mktemp("project") / "project.gpkg"
    make_lines(STREETS).to_file(path, layer="streets")
    point = [shapely.Point(X0 + 10, Y0 + 5)]
    gpd.GeoDataFrame({"place_id": [1]}, geometry=point, crs="EPSG:3006").to_file(
        path, layer="places"
    )
    gpd.GeoDataFrame({"node_id": [1]}, geometry=point, crs="EPSG:3006").to_file(path, layer="nodes")
    make_lines([[(120, -60), (120, 60)]]).to_file(path, layer="barriers")
    make_lines([[(50, -50), (150, 0)]]).to_file(path, layer="proposal")
    gpd.GeoDataFrame(
        geometry=[shapely.box(X0 + 60, Y0 + 10, X0 + 80, Y0 + 30)], crs="EPSG:3006"
    ).to_file(path, layer="buildings")
    return path


#: Every option that takes a file, with the least its command needs besides it (P: the
#: project, L: the layer under test's spelling) and the input's name in messages.
FILE_OPTIONS = [
    ("network", ["network", "SPEC", "--out", "OUT"], "network", "streets"),
    (
        "network --unlinks",
        ["network", "P|layername=streets", "--unlinks", "SPEC"],
        "unlinks",
        "nodes",
    ),
    ("segments", ["segments", "SPEC", "--out", "OUT"], "network", "streets"),
    (
        "distances --places",
        [
            "distances",
            "--network",
            "P|layername=streets",
            "--places",
            "SPEC",
            "--nodes",
            "P|layername=nodes",
        ],
        "places",
        "places",
    ),
    (
        "distances --nodes",
        [
            "distances",
            "--network",
            "P|layername=streets",
            "--places",
            "P|layername=places",
            "--nodes",
            "SPEC",
        ],
        "nodes",
        "nodes",
    ),
    (
        "distances --network",
        [
            "distances",
            "--network",
            "SPEC",
            "--places",
            "P|layername=places",
            "--nodes",
            "P|layername=nodes",
        ],
        "network",
        "streets",
    ),
    (
        "accessibility --attractions",
        ["accessibility", "P|layername=streets", "--attractions", "SPEC"],
        "attractions",
        "nodes",
    ),
    (
        "accessibility --origins",
        [
            "accessibility",
            "P|layername=streets",
            "--attractions",
            "P|layername=nodes",
            "--origins",
            "SPEC",
        ],
        "origins",
        "places",
    ),
    (
        "barriers --barriers",
        ["barriers", "--network", "P|layername=streets", "--barriers", "SPEC"],
        "barriers",
        "barriers",
    ),
    (
        "barriers --buildings",
        [
            "barriers",
            "--network",
            "P|layername=streets",
            "--barriers",
            "P|layername=barriers",
            "--buildings",
            "SPEC",
        ],
        "buildings",
        "buildings",
    ),
    (
        "barriers --proposal",
        [
            "barriers",
            "--network",
            "P|layername=streets",
            "--barriers",
            "P|layername=barriers",
            "--proposal",
            "SPEC",
        ],
        "proposal",
        "proposal",
    ),
    (
        "compare --base",
        ["compare", "--base", "SPEC", "--proposal", "P|layername=proposal"],
        "network",
        "streets",
    ),
    (
        "compare --proposal",
        ["compare", "--base", "P|layername=streets", "--proposal", "SPEC"],
        "proposal",
        "proposal",
    ),
    (
        "compare --attractions",
        [
            "compare",
            "--base",
            "P|layername=streets",
            "--proposal",
            "P|layername=proposal",
            "--attractions",
            "SPEC",
        ],
        "attractions",
        "nodes",
    ),
]

#: Spellings a planner may use for "layer L of file P", and what the one line must say.
SPELLINGS = [
    ("colon", "{p}:{layer}", ["file not found", "write '{p}|layername={layer}'"]),
    (
        "subset",
        '{p}|layername={layer}|subset="id" = 1',
        ["only '|layername=NAME' is understood", "subset="],
    ),
    (
        "missing-relative",
        "no_such.gpkg|layername={layer}",
        ["file not found: 'no_such.gpkg' (looked for in the current folder"],
    ),
]


@pytest.mark.parametrize(
    ("spelling", "says"), [s[1:] for s in SPELLINGS], ids=[s[0] for s in SPELLINGS]
)
@pytest.mark.parametrize(
    ("args", "what", "layer"), [o[1:] for o in FILE_OPTIONS], ids=[o[0] for o in FILE_OPTIONS]
)
def test_every_file_option_answers_a_layer_spelling_the_same_way(
    tmp_path, monkeypatch, layer_project, args, what, layer, spelling, says
):
    """The readers take ``FILE|layername=NAME`` for every option (issue 13's unreproduced
    "file not found" for --attractions was not the form itself); what they cannot take
    is said in one line naming the input, the same way for every option."""
    monkeypatch.chdir(tmp_path)
    project = layer_project
    spec = spelling.format(p=project, layer=layer)
    out = tmp_path / "out.gpkg"
    values = {"SPEC": spec, "OUT": str(out)}
    argv = [values.get(a, a.replace("P|", f"{project}|")) for a in args]
    if "--out" not in argv:
        argv += ["--out", str(out)]
    line = _one_error_line(runner.invoke(app, argv))
    assert line.startswith(f"error: {what}: "), line
    for text in says:
        assert text.format(p=project, layer=layer) in line, line
    if spelling.startswith("{p}|") and what != "unlinks":  # unlinks has no --unlinks-layer
        assert f"--{what}-layer" in line, line
    assert not out.exists()


def test_layer_specs_are_read_as_qgis_writes_them(tmp_path):
    """Spaces around the parts, ~ for the home folder, QGIS's layerid beside a name."""
    from stadsrum.io.readers import split_layer_spec

    home = Path("~/x.gpkg").expanduser()
    cases = [
        ("x.gpkg|layername=nodes", (Path("x.gpkg"), "nodes")),
        (" x.gpkg | layername = nodes ", (Path("x.gpkg"), "nodes")),
        ("x.gpkg|layerid=0", (Path("x.gpkg"), None)),
        ("x.gpkg|layername=nodes|layerid=1", (Path("x.gpkg"), "nodes")),
        ("~/x.gpkg|layername=nodes", (home, "nodes")),
        ("x.gpkg", (Path("x.gpkg"), None)),
    ]
    for spec, expected in cases:
        assert split_layer_spec(spec) == expected, spec


# --- hostile geometry: a clear line, or a result -------------------------------------------


def _with(geoms, crs="EPSG:3006", **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": list(range(len(geoms)))} | columns, geometry=geoms, crs=crs)


def _line(*xy) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


_GOOD = [_line((0, 0), (100, 0)), _line((50, -50), (50, 50))]


def _nan_line() -> shapely.LineString:
    import numpy as np

    with np.errstate(invalid="ignore"):  # shapely warns of the nan: that is the point
        return shapely.LineString([(np.nan, 0), (X0, Y0)])


# (case, the network layer, what the one line says; None: the run succeeds)
HOSTILE_NETWORKS = [
    ("empty", lambda: _with(gpd.GeoSeries([], crs="EPSG:3006")), "network: the layer is empty"),
    (
        "a missing geometry",
        lambda: _with([*_GOOD, None]),
        "empty or missing geometry: feature ids 2",
    ),
    (
        "a nan coordinate",
        lambda: _with([_nan_line(), _GOOD[0]]),
        "non-finite coordinates",
    ),
    ("points", lambda: _with([shapely.Point(X0, Y0)]), "expected lines but found Point"),
    ("no crs", lambda: _with(_GOOD, crs=None), "has no coordinate reference system"),
    ("only a 1 mm line", lambda: _with([_line((0, 0), (0.001, 0))]), "no line is left"),
    ("a zero-length line among good ones", lambda: _with([*_GOOD, _line((5, 5), (5, 5))]), None),
    ("a duplicate line", lambda: _with([*_GOOD, _GOOD[0]]), None),
    (
        "3D lines",
        lambda: _with([shapely.force_3d(g, 12.5) for g in _GOOD]),
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "says"),
    [c[1:] for c in HOSTILE_NETWORKS],
    ids=[c[0] for c in HOSTILE_NETWORKS],
)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # shapely on nan
@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")  # the no-crs case
def test_hostile_network_geometry(tmp_path, build, says):
    src = tmp_path / "streets.gpkg"
    pyogrio.write_dataframe(build(), src, layer="streets")
    out = tmp_path / "new" / "net.gpkg"
    result = runner.invoke(app, ["network", str(src), "--out", str(out), "-q"])
    if says is None:
        assert result.exit_code == 0, result.output
        assert "network" in {str(n) for n in pyogrio.list_layers(out)[:, 0]}
        return
    assert says in _one_error_line(result)
    assert not (tmp_path / "new").exists()


# (case, the places layer, what the one line says; None: the run succeeds)
HOSTILE_PLACES = [
    (
        "empty",
        lambda: _with(gpd.GeoSeries([], crs="EPSG:3006"), place_id=[]),
        "places: the layer is empty",
    ),
    (
        "a missing geometry",
        lambda: _with([shapely.Point(X0 + 10, Y0 + 5), None], place_id=[1, 2]),
        "places: 1 feature with empty or missing geometry",
    ),
    ("lines", lambda: _with([_GOOD[0]], place_id=[1]), "places: expected points or polygons"),
    (
        "duplicate ids",
        lambda: _with([shapely.Point(X0 + 10, Y0 + 5)] * 2, place_id=[1, 1]),
        "column 'place_id' has duplicate ids",
    ),
    (
        "a self-crossing polygon",
        lambda: _with(
            [shapely.Polygon([(X0, Y0 + 5), (X0 + 20, Y0 + 25), (X0 + 20, Y0 + 5), (X0, Y0 + 25)])],
            place_id=[1],
        ),
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "says"), [c[1:] for c in HOSTILE_PLACES], ids=[c[0] for c in HOSTILE_PLACES]
)
def test_hostile_place_geometry(tmp_path, build, says):
    places = tmp_path / "places.gpkg"
    pyogrio.write_dataframe(build(), places, layer="places")
    out = tmp_path / "new" / "od.gpkg"
    args = ["distances", "--network", str(_streets(tmp_path)), "--places", str(places)]
    args += ["--nodes", str(_nodes(tmp_path)), "--out", str(out), "-q"]
    result = runner.invoke(app, args)
    if says is None:
        assert result.exit_code == 0, result.output
        assert out.is_file()
        return
    assert says in _one_error_line(result)
    assert not (tmp_path / "new").exists()


# --- bad values in a study file: found before anything is read -----------------------------

# (case, the section and its lines, what the message says)
BAD_STUDY_VALUES = [
    ("thresholds empty item", '[distances]\nthresholds = "5,,10"', "'5,,10' has an empty item"),
    ("thresholds inf", "[distances]\nthresholds = [5, inf]", "threshold inf in '5,inf'"),
    ("radii nan", "[segments]\nradii = [400, nan]", "radius nan must be positive"),
    ("threads zero", "[segments]\nthreads = 0", "[segments] threads: must be more than 0"),
    ("threads as text", '[segments]\nthreads = "2"', "[segments] threads must be a whole number"),
    (
        "threads a fraction",
        "[segments]\nthreads = 1.5",
        "[segments] threads must be a whole number",
    ),
    ("speed negative", "[segments]\nspeed = -1.3", "[segments] speed: must be more than 0"),
    ("max_link nan", "[distances]\nmax_link = nan", "[distances] max_link: nan is not a finite"),
    ("cost unknown", '[segments]\ncost = ["angle"]', "unknown cost 'angle'"),
]


@pytest.mark.parametrize(
    ("section", "says"), [c[1:] for c in BAD_STUDY_VALUES], ids=[c[0] for c in BAD_STUDY_VALUES]
)
def test_bad_values_in_a_study_are_refused_before_it_runs(tmp_path, section, says):
    folder = tmp_path / "study"
    folder.mkdir()
    _streets(folder)
    _nodes(folder)
    study = folder / "analysis.toml"
    lines = ["[network]", 'source = "streets.gpkg"', section]
    if section.startswith("[distances]"):
        lines += ['places = "nodes.gpkg"', 'nodes = "nodes.gpkg"', 'place_id = "node_id"']
    study.write_text("\n".join(lines) + "\n")
    line = _one_error_line(runner.invoke(app, ["run", str(study)]))
    assert line.startswith("error: analysis.toml: "), line
    assert says in line, line
    assert sorted(p.name for p in folder.iterdir()) == [
        "analysis.toml",
        "nodes.gpkg",
        "streets.gpkg",
    ]


def test_an_output_folder_that_cannot_be_made_is_one_line_and_leaves_nothing(tmp_path):
    """/proc looks writable to root, yet no folder can be made in it: the write says so
    as an OutputError naming the folder (not a bare [Errno 2])."""
    import pandas as pd

    from stadsrum.errors import OutputError
    from stadsrum.io.writers import write_gpkg

    if not Path("/proc/self").exists():
        pytest.skip("needs Linux's /proc")
    with pytest.raises(OutputError, match=r"cannot create the folder '/proc/stadsrum-test'"):
        write_gpkg("/proc/stadsrum-test/a/r.gpkg", {"t": pd.DataFrame({"a": [1]})}, styles=False)
    assert not Path("/proc/stadsrum-test").exists()

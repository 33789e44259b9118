"""Nothing lost, nothing stray: outputs never replace an input, earlier results can be
inputs, and no temporary file outlives its run (issue 13, items 1, 2 and 4).

Each case builds its own files from a tiny hand-drawn project (helpers.make_lines) or the
sample city; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from helpers import SWEREF, X0, Y0, make_lines
from typer.testing import CliRunner

from stadsrum.cli import app
from stadsrum.errors import InputError
from stadsrum.io.writers import (
    TEMP_MARK,
    _pid_alive,
    _pid_alive_windows,
    atomic_path,
    check_not_an_input,
    remove_stale_temp_files,
    write_gpkg,
)
from stadsrum.measures.naming import input_renames

runner = CliRunner()


def _points(xy, **columns):
    geoms = gpd.GeoSeries.from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy], crs=SWEREF)
    return gpd.GeoDataFrame({"id": list(range(len(xy)))} | columns, geometry=geoms)


@pytest.fixture
def project(tmp_path):
    """A planner's project file: streets, places, nodes, a barrier and a proposal.

    ::

                        (50,50) station        the railway runs north-south at x = 120
                           |                    and cuts Torget; the proposal is a path
        (0,0)-----------(50,0)------(100,0)--(150,0)   from (50,-50) to Torget's end (150,0)
                           |
                        (50,-50)
    """
    path = tmp_path / "project.gpkg"
    make_lines(
        [[(0, 0), (50, 0)], [(50, 0), (100, 0)], [(100, 0), (150, 0)], [(50, -50), (50, 50)]],
        name=["Storgatan", "Storgatan", "Torget", "Kyrkogatan"],
    ).to_file(path, layer="streets")
    _points([(10, 5), (140, -5)], place_id=["torget", "parken"], name=["Torget", "Parken"]).to_file(
        path, layer="places"
    )
    _points([(50, 45), (150, 10)], node_id=["station", "skola"], category=["st", "sk"]).to_file(
        path, layer="nodes"
    )
    make_lines([[(120, -60), (120, 60)]], category=["railway"]).to_file(path, layer="barriers")
    make_lines([[(50, -50), (150, 0)]], proposal_id=["bro"]).to_file(path, layer="proposal")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stderr_lines(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.strip()]


# --- item 1: --out equal to an input ---------------------------------------------------------

#: Every command that takes --out and an input file; {p} is the project, {o} the output.
COMMANDS = {
    "network": (["network", "{p}|layername=streets", "--out", "{o}"], "network"),
    "segments": (["segments", "{p}|layername=streets", "--out", "{o}"], "network"),
    "distances": (
        [
            "distances",
            "--network",
            "{p}|layername=streets",
            "--places",
            "{p}|layername=places",
            "--nodes",
            "{p}|layername=nodes",
            "--out",
            "{o}",
        ],
        "network",
    ),
    "accessibility": (
        [
            "accessibility",
            "{p}|layername=streets",
            "--attractions",
            "{p}|layername=nodes",
            "--out",
            "{o}",
        ],
        "network",
    ),
    "barriers": (
        [
            "barriers",
            "--network",
            "{p}|layername=streets",
            "--barriers",
            "{p}|layername=barriers",
            "--out",
            "{o}",
        ],
        "network",
    ),
    "compare": (
        [
            "compare",
            "--base",
            "{p}|layername=streets",
            "--proposal",
            "{p}|layername=proposal",
            "--out",
            "{o}",
        ],
        "network",
    ),
}


def _same_file_by(how: str, project: Path) -> Path:
    """The project file named another way: the same path, another spelling, links."""
    if how == "same path":
        return project
    if how == "other spelling":
        return project.parent / "sub" / ".." / project.name
    link = project.parent / f"{how.replace(' ', '_')}.gpkg"
    if how == "hard link":
        os.link(project, link)
    else:
        link.symlink_to(project)
    return link


@pytest.mark.parametrize("how", ["same path", "other spelling", "hard link", "symbolic link"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_equal_to_an_input_is_refused_before_anything_is_read(project, command, how):
    """The input file keeps every layer, byte for byte, and the one line says what to do.

    Nothing else is printed: the refusal comes before the network is read."""
    (project.parent / "sub").mkdir()
    out = _same_file_by(how, project)
    before = _digest(project)
    template, which = COMMANDS[command]
    args = [a.replace("{p}", str(project)).replace("{o}", str(out)) for a in template]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = _stderr_lines(result)
    assert lines == [
        f"error: the output '{Path(out)}' is the {which} input '{project}|layername=streets': "
        "writing it would replace that file and all its layers; give --out another file name"
    ]
    assert _digest(project) == before
    assert [str(n) for n in pyogrio.list_layers(project)[:, 0]] == [
        "streets",
        "places",
        "nodes",
        "barriers",
        "proposal",
    ]
    assert not [p for p in project.parent.iterdir() if TEMP_MARK in p.name]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_same_command_with_another_out_runs(project, tmp_path, command):
    """The control of the refusal above: the inputs themselves are fine."""
    out = tmp_path / f"{command}.gpkg"
    template, _ = COMMANDS[command]
    args = [a.replace("{p}", str(project)).replace("{o}", str(out)) for a in template]
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_out_equal_to_another_input_than_the_network_names_it(project, tmp_path):
    """A separate places file as --out: the message names the places input."""
    places = tmp_path / "places.gpkg"
    gpd.read_file(project, layer="places").to_file(places)
    result = runner.invoke(
        app,
        [
            "distances",
            "--network",
            f"{project}|layername=streets",
            "--places",
            str(places),
            "--nodes",
            f"{project}|layername=nodes",
            "--out",
            str(places),
        ],
    )
    assert result.exit_code == 1
    assert _stderr_lines(result)[-1].startswith(f"error: the output '{places}' is the places input")


def test_a_study_whose_result_file_is_an_input_is_refused_before_it_runs(project, tmp_path):
    """The study reads its network first and would then replace it with segments.gpkg
    (and a later analysis would read a result in place of its input)."""
    results = tmp_path / "results"
    results.mkdir()
    network = results / "segments.gpkg"
    network.write_bytes(project.read_bytes())
    before = _digest(network)
    study = tmp_path / "study.toml"
    study.write_text(
        textwrap.dedent(
            """
            out = "results"
            [network]
            source = "results/segments.gpkg|layername=streets"
            [segments]
            radii = [100]
            """
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["run", str(study), "--quiet"])
    assert result.exit_code == 1, result.output
    assert _stderr_lines(result)[-1].startswith(
        f"error: the output '{network}' is the [network] network input "
    )
    assert _stderr_lines(result)[-1].endswith(f"give the study another out folder than '{results}'")
    assert _digest(network) == before


def test_python_api_refuses_too(project):
    from stadsrum.workflows import run_network

    with pytest.raises(InputError, match="is the network input"):
        run_network(f"{project}|layername=streets", project)
    # in-memory inputs are not files: nothing to compare, nothing refused
    check_not_an_input(project, {"network": gpd.read_file(project, layer="streets")})


# --- item 2: input columns named like output columns ------------------------------------------


def test_input_renames_follow_the_preparation_rule():
    """``{name}_input``, then ``_input2``, …: never two equal names, nothing dropped."""
    renames = input_renames(
        ["segment_id", "a", "integration_angular_rn", "integration_angular_rn_input"],
        ["segment_id", "integration_angular_rn"],
    )
    assert renames == {
        "segment_id": "segment_id_input",
        "integration_angular_rn": "integration_angular_rn_input2",
    }


def _segments_run(src: str, out: Path, *extra: str):
    result = runner.invoke(app, ["segments", src, "--out", str(out), "--radii", "80,n", *extra])
    assert result.exit_code == 0, result.output
    return result, pyogrio.read_dataframe(out, layer="segments")


def test_segments_run_on_its_own_result(project, tmp_path):
    """Run 2 on run 1's file writes the same numbers under the plain names (the network is
    the same four streets) and keeps run 1's as ``*_input``; run 3 adds ``*_input2``.

    The reference for run 2's values is run 1 on the plain streets, whose input had no
    result columns; rows are matched by run 1's ``segment_id`` (``segment_id_input``)."""
    _, first = _segments_run(f"{project}|layername=streets", tmp_path / "s1.gpkg")
    measures = [c for c in first.columns if re.search(r"_angular_r(80|n)$", c)]
    assert len(measures) == 24  # 12 measures at two radii
    result, second = _segments_run(str(tmp_path / "s1.gpkg"), tmp_path / "s2.gpkg")
    assert "kept as *_input" in result.stderr
    assert len(second) == len(first)
    by_old_id = second.set_index("segment_id_input").loc[first["segment_id"]]
    for col in measures:
        np.testing.assert_allclose(by_old_id[col].to_numpy(float), first[col].to_numpy(float))
        np.testing.assert_array_equal(
            by_old_id[f"{col}_input"].to_numpy(float), first[col].to_numpy(float)
        )
    assert second["segment_id"].tolist() == list(range(len(second)))
    _, third = _segments_run(str(tmp_path / "s2.gpkg"), tmp_path / "s3.gpkg")
    assert {f"{c}_input2" for c in measures} <= set(third.columns)
    assert third.columns.is_unique


def test_a_network_column_named_like_a_measure_is_kept(project, tmp_path):
    """The probe's case: a column ``integration_angular_rn`` in the network."""
    streets = gpd.read_file(project, layer="streets")
    streets["integration_angular_rn"] = [1.5, 2.5, 3.5, 4.5]
    path = tmp_path / "streets.gpkg"
    streets.to_file(path)
    _, out = _segments_run(str(path), tmp_path / "s.gpkg")
    # Storgatan's east half and Torget merge at a pass-through node: one row keeps its first
    kept = out.groupby("id")["integration_angular_rn_input"].first()
    assert kept.to_dict() == {0: 1.5, 1: 2.5, 3: 4.5}
    assert out["integration_angular_rn"].notna().all()


def test_distances_run_on_its_own_result(project, tmp_path):
    """Run 1's service areas are run 2's places; run 2 carries their columns, prefixed."""
    base = ["distances", "--network", f"{project}|layername=streets", "--quiet"]
    nodes = ["--nodes", f"{project}|layername=nodes", "--node-category", "category"]
    first_out = tmp_path / "d1.gpkg"
    places = ["--places", f"{project}|layername=places"]
    result = runner.invoke(
        app, [*base, *places, *nodes, "--thresholds", "1", "--out", str(first_out)]
    )
    assert result.exit_code == 0, result.output
    areas = pyogrio.read_dataframe(first_out, layer="service_areas")
    assert areas["place_id"].is_unique
    second_out = tmp_path / "d2.gpkg"
    places = ["--places", f"{first_out}|layername=service_areas"]
    result = runner.invoke(
        app, [*base, *places, *nodes, "--thresholds", "1", "--out", str(second_out)]
    )
    assert result.exit_code == 0, result.output
    od = pyogrio.read_dataframe(second_out, layer="od")
    assert od.columns.is_unique
    assert set(od["place_threshold_min"]) == {1.0}
    area = dict(zip(areas["place_id"], areas["area_m2"], strict=True))
    assert all(area[p] == a for p, a in zip(od["place_id"], od["place_area_m2"], strict=True))


def test_distances_keeps_clashing_place_columns_as_input(project, tmp_path):
    """Places from an earlier result: ``id`` and ``place_id`` (both ``place_id`` in the
    table) when another column is the id, and a ``place_name`` beside ``name`` (which
    becomes ``place_name``) were dropped silently; now they are kept as ``*_input``,
    ``*_input2``, said once. The category column itself (nodes'
    ``category`` → ``node_category``) is the same data and is not repeated."""
    places = gpd.read_file(project, layer="places")
    places["place_name"] = ["Gamla torget", "Gamla parken"]
    path = tmp_path / "places.gpkg"
    places.to_file(path)
    out = tmp_path / "d.gpkg"
    result = runner.invoke(
        app,
        [
            "distances",
            "--network",
            f"{project}|layername=streets",
            "--places",
            str(path),
            "--place-id",
            "name",
            "--nodes",
            f"{project}|layername=nodes",
            "--node-category",
            "category",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "kept as *_input" in result.stderr
    od = pyogrio.read_dataframe(out, layer="od")
    rows = od.drop_duplicates("place_id").set_index("place_id")
    # in column order: 'id' (prefixed: place_id) first, then the layer's own 'place_id'
    assert rows["place_id_input"].to_dict() == {"Torget": 0, "Parken": 1}
    assert rows["place_id_input2"].to_dict() == {"Torget": "torget", "Parken": "parken"}
    assert rows["place_name"].to_dict() == {"Torget": "Torget", "Parken": "Parken"}
    assert rows["place_name_input"].to_dict() == {
        "Torget": "Gamla torget",
        "Parken": "Gamla parken",
    }
    assert "node_category_input" not in od.columns


def test_accessibility_run_on_its_own_result(project, tmp_path):
    base = ["--attractions", f"{project}|layername=nodes", "--radii", "100,n", "--quiet"]
    first, second = tmp_path / "a1.gpkg", tmp_path / "a2.gpkg"
    result = runner.invoke(
        app, ["accessibility", f"{project}|layername=streets", *base, "--out", str(first)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["accessibility", f"{first}|layername=accessibility", *base, "--out", str(second)]
    )
    assert result.exit_code == 0, result.output
    a1 = pyogrio.read_dataframe(first, layer="accessibility")
    a2 = pyogrio.read_dataframe(second, layer="accessibility")
    assert a2.columns.is_unique
    for col in ("nearest_m", "reach_r100", "reach_rn"):
        np.testing.assert_allclose(a2[col], a1[col])
        np.testing.assert_array_equal(a2[f"{col}_input"], a1[col])


def test_writer_keeps_columns_of_the_same_name_apart(tmp_path):
    """The writers' last line of the rule: a finished result is never lost to a clash."""
    frame = pd.DataFrame([[1, 2, 3]], columns=["x", "y", "x"])
    out = write_gpkg(tmp_path / "t.gpkg", {"t": frame}, styles=False)
    back = pyogrio.read_dataframe(out, layer="t")
    assert back[["x_input", "y", "x"]].iloc[0].tolist() == [1, 2, 3]


# --- item 4: temporary files --------------------------------------------------------------------


def test_temporary_names_carry_the_writer(tmp_path):
    with atomic_path(tmp_path / "out.gpkg") as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(f".out.gpkg{TEMP_MARK}")
        assert f"-{os.getpid()}-" in tmp.name
        tmp.write_text("done", encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_stale_temporary_files_of_our_own_are_removed(tmp_path):
    """Dead writer on this machine: removed, with its journal. A live writer, another
    machine's (a shared drive) and files stadsrum did not name: kept."""
    with atomic_path(tmp_path / "probe.gpkg") as tmp:
        host = tmp.name.split(TEMP_MARK)[1].split("-")[0]
        tmp.write_text("done", encoding="utf-8")
    (tmp_path / "probe.gpkg").unlink()
    dead = _dead_pid()
    stale = tmp_path / f".a.gpkg{TEMP_MARK}{host}-{dead}-abc123.gpkg"
    journal = Path(f"{stale}-journal")
    live = tmp_path / f".b.gpkg{TEMP_MARK}{host}-{os.getppid()}-abc123.gpkg"
    foreign = tmp_path / f".c.gpkg{TEMP_MARK}otherhost-{dead}-abc123.gpkg"
    unrelated = tmp_path / ".d.gpkg.abc123.gpkg"
    for p in (stale, journal, live, foreign, unrelated):
        p.write_bytes(b"x")
    assert sorted(remove_stale_temp_files(tmp_path)) == sorted([stale, journal])
    assert {p.name for p in tmp_path.iterdir()} == {live.name, foreign.name, unrelated.name}


def test_a_process_id_beyond_any_is_a_stale_name_not_a_crash(tmp_path):
    """os.kill raises OverflowError (no OSError) for an id past the C int: the write
    beside such a name must go on, and the name, which no run can have written, goes."""
    with atomic_path(tmp_path / "probe.gpkg") as tmp:
        host = tmp.name.split(TEMP_MARK)[1].split("-")[0]
        tmp.write_text("done", encoding="utf-8")
    odd = tmp_path / f".a.gpkg{TEMP_MARK}{host}-{10**30}-abc123.gpkg"
    odd.write_bytes(b"x")
    write_gpkg(tmp_path / "next.gpkg", {"t": pd.DataFrame({"a": [1]})}, styles=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next.gpkg", "probe.gpkg"]


def test_pid_alive_here():
    """The POSIX branch: this process and its parent run, a reaped child does not."""
    assert _pid_alive(os.getpid())
    assert _pid_alive(os.getppid())
    assert not _pid_alive(_dead_pid())
    assert not _pid_alive(2**80)


class _FakeProcesses:
    """kernel32 as _pid_alive_windows sees it: OpenProcess gives a handle or fails with
    an error code; GetExitCodeProcess gives a code or fails (None)."""

    def __init__(self, handle, error, code):
        self.handle, self.error, self.code = handle, error, code
        self.opened: list[int] = []
        self.closed: list[object] = []

    def open(self, pid):
        self.opened.append(pid)
        return self.handle

    def last_error(self):
        return self.error

    def exit_code(self, handle):
        assert handle == self.handle
        return self.code

    def close(self, handle):
        self.closed.append(handle)


# (case, pid, OpenProcess's handle, its error code, the exit code, alive?) from the
# Windows API documentation: STILL_ACTIVE is 259; OpenProcess fails with
# ERROR_INVALID_PARAMETER (87) for an id no process has, with ERROR_ACCESS_DENIED (5) for
# a process of another user or a protected one
WINDOWS_CASES = [
    ("running", 4242, 0x7FF0_0000_1234, 0, 259, True),  # a 64-bit handle value
    ("ended, handle still held", 4242, 8, 0, 0, False),
    ("ended with an error code", 4242, 8, 0, 1, False),
    ("exit code unreadable", 4242, 8, 0, None, True),
    ("no such process", 4242, None, 87, None, False),
    ("another user's process", 4242, None, 5, None, True),
    ("any other failure", 4242, None, 6, None, True),
    ("id 0, the idle process", 0, 8, 0, 259, False),
    ("beyond a DWORD", 2**32, 8, 0, 259, False),
]


@pytest.mark.parametrize(
    ("pid", "handle", "error", "code", "alive"),
    [case[1:] for case in WINDOWS_CASES],
    ids=[case[0] for case in WINDOWS_CASES],
)
def test_pid_alive_on_windows(pid, handle, error, code, alive):
    """When unsure the answer is "alive": a live writer's file must never be removed.
    Every handle opened is closed."""
    processes = _FakeProcesses(handle, error, code)
    assert _pid_alive_windows(pid, processes) is alive
    assert processes.closed == ([handle] if processes.opened and handle else [])
    if not 0 < pid < 2**32:
        assert processes.opened == []  # never handed to ctypes, which would cut it


WRITER = textwrap.dedent(
    """
    import signal, sys
    import geopandas as gpd, numpy as np
    from stadsrum.io.writers import write_gpkg

    def interrupt(signum, frame):  # what the command line does with SIGTERM
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    n = 400_000
    rng = np.random.default_rng(0)
    frame = gpd.GeoDataFrame(
        {f"v{i}": rng.random(n) for i in range(8)},
        geometry=gpd.points_from_xy(rng.random(n) * 1e4, rng.random(n) * 1e4),
        crs="EPSG:3006",
    )
    print("ready", flush=True)
    try:
        write_gpkg(sys.argv[1], {"big": frame}, styles=False)
    except KeyboardInterrupt:
        sys.exit(130)
    """
)


def _kill_while_writing(tmp_path: Path, sig: int) -> subprocess.Popen:
    """Start a writer of a large GeoPackage and send ``sig`` once its temporary file exists."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    out = tmp_path / "big.gpkg"
    proc = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if TEMP_MARK in p.name]:
        assert proc.poll() is None, "the writer finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.05)  # well inside the write, which takes seconds
    proc.send_signal(sig)
    proc.wait(timeout=60)
    proc.stdout.close()
    assert not out.exists()
    return proc


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    proc = _kill_while_writing(tmp_path, signal.SIGTERM)
    assert proc.returncode == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["writer.py"]


def test_after_sigkill_the_next_write_removes_the_stale_temporary_file(tmp_path):
    proc = _kill_while_writing(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    stale = [p for p in tmp_path.iterdir() if TEMP_MARK in p.name]
    assert stale, "SIGKILL cannot be handled: the half-written file is still there"
    write_gpkg(tmp_path / "next.gpkg", {"t": pd.DataFrame({"a": [1]})}, styles=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next.gpkg", "writer.py"]


#: The command line with every layer write followed by two seconds' pause, so that a
#: signal sent once the temporary file exists surely lands inside the write (the sample
#: network is written in a few tenths of a second: a race the test would sometimes lose).
SLOW_WRITE_CLI = textwrap.dedent(
    """
    import sys, time
    import pyogrio

    _write = pyogrio.write_dataframe

    def slow_write(*args, **kwargs):
        _write(*args, **kwargs)
        time.sleep(2)

    pyogrio.write_dataframe = slow_write
    from stadsrum.cli import main

    main(sys.argv[1:])
    """
)


def test_sigterm_to_the_command_line_while_it_writes(tmp_path, sample_pbf):
    """The command line turns SIGTERM into KeyboardInterrupt (stadsrum.cli): exit 130, one
    line, and the writer's cleanup runs, so no temporary file is left beside --out."""
    folder = tmp_path / "run"
    folder.mkdir()
    out = folder / "net.gpkg"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE_CLI, "network", str(sample_pbf), "--out", str(out)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 240
    while not [p for p in folder.iterdir() if TEMP_MARK in p.name]:
        assert proc.poll() is None, "the run ended before it wrote"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert [ln for ln in err.splitlines() if ln.strip()][-1] == "cancelled; nothing was written"
    assert list(folder.iterdir()) == []

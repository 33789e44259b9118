"""Usage errors and interrupts on the command line (issue 13, items 3 and 7).

A usage error (an option value that is no number, one that means nothing such
as ``nan`` metres or a negative distance, an empty radius, a choice not on the
list, an unknown option, a missing ``--out``) exits 2 with one ``error:`` line
naming the option, before anything is read. Ctrl-C and SIGTERM, at any moment,
exit 130 with the one line "cancelled; nothing was written" and leave no file.
Every case is built here from the sample city and ``tmp_path``.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import typing
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from helpers import make_lines

import stadsrum as sr
from stadsrum import cli
from stadsrum.errors import InputError
from stadsrum.measures._parallel import thread_count
from stadsrum.measures.naming import parse_radii

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PBF = str(SAMPLE / "helsinki.osm.pbf")
GPKG = str(SAMPLE / "helsinki.gpkg")
LINE = cli.CANCELLED_LINE


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``stadsrum ARGS`` in this process: exit code, stdout, stderr.

    main() sets its own SIGINT/SIGTERM handlers (it is the console entry point);
    the test puts pytest's back.
    """
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as info:
            cli.main(args)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    captured = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


#: The least a command needs besides the option under test; ``OUT`` is the output.
REQUIRED = {
    "network": [PBF, "--out", "OUT"],
    "segments": [PBF, "--out", "OUT"],
    "distances": ["--network", PBF, "--places", GPKG, "--nodes", GPKG, "--out", "OUT"],
    "accessibility": [PBF, "--attractions", GPKG, "--out", "OUT"],
    "barriers": ["--network", PBF, "--barriers", GPKG, "--out", "OUT"],
    "compare": ["--base", PBF, "--proposal", GPKG, "--out", "OUT"],
    "areas": ["--network", PBF, "--population", GPKG, "--out", "OUT"],
    "buildings": [PBF, "--out", "OUT"],
    "betweenness": [PBF, "--origins", GPKG, "--destinations", GPKG, "--out", "OUT"],
}

# (case id, command, extra arguments, a fragment the error line must hold)
USAGE_CASES = [
    ("threads-not-a-number", "segments", ["--threads", "abc"], "'--threads'"),
    ("decay-not-a-choice", "accessibility", ["--decay", "bogus"], "'bogus' is not one of"),
    ("mode-not-a-choice", "network", ["--mode", "fly"], "'fly' is not one of"),
    ("unknown-option", "segments", ["--radius", "400"], "No such option: --radius"),
    ("radii-empty-item", "segments", ["--radii", "400,,800"], "'400,,800' has an empty item"),
    ("radii-trailing-comma", "segments", ["--radii", "400,800,"], "has an empty item"),
    ("radii-nan", "segments", ["--radii", "400,nan"], "radius nan must be positive"),
    ("radii-negative", "accessibility", ["--radii", "-400"], "radius -400 must be positive"),
    ("access-radii-zero", "compare", ["--access-radii", "0"], "'--access-radii'"),
    ("snap-tolerance-nan", "network", ["--snap-tolerance", "nan"], "nan is not a finite"),
    ("snap-tolerance-inf", "network", ["--snap-tolerance", "inf"], "inf is not a finite"),
    ("step-threshold-negative", "segments", ["--step-threshold", "-10"], "0 or more, got -10"),
    ("step-threshold-over-180", "segments", ["--step-threshold", "200"], "at most 180"),
    ("speed-zero", "segments", ["--speed", "0"], "more than 0, got 0"),
    ("tulip-bins-negative", "segments", ["--tulip-bins", "-1"], "'--tulip-bins'"),
    ("max-link-negative", "distances", ["--max-link", "-5"], "'--max-link'"),
    ("nearest-zero", "distances", ["--nearest", "0"], "'--nearest'"),
    ("thresholds-empty-item", "distances", ["--thresholds", "5,,10"], "'5,,10' has an empty item"),
    ("thresholds-nan", "barriers", ["--thresholds", "10,nan"], "nan in '10,nan'"),
    ("grid-spacing-zero", "barriers", ["--grid-spacing", "0"], "'--grid-spacing'"),
    ("gap-infinite", "barriers", ["--gap", "inf"], "'--gap'"),
    ("centre-not-finite", "barriers", ["--centre", "nan,6670000"], "two finite coordinates"),
    ("centre-one-number", "barriers", ["--centre", "385000"], "X,Y"),
    ("decay-constant-nan", "accessibility", ["--decay-constant", "nan"], "not a finite"),
    ("betweenness-radii-empty", "betweenness", ["--radii", "400,,n"], "has an empty item"),
    ("betweenness-mode", "betweenness", ["--destinations-mode", "some"], "'some' is not one of"),
]


@pytest.mark.parametrize(
    ("command", "extra", "fragment"),
    [case[1:] for case in USAGE_CASES],
    ids=[case[0] for case in USAGE_CASES],
)
def test_a_usage_error_is_one_error_line(command, extra, fragment, tmp_path, capsys):
    out = tmp_path / "out.gpkg"
    args = [command, *(str(out) if a == "OUT" else a for a in REQUIRED[command]), *extra]
    code, stdout, stderr = run_main(args, capsys)
    assert code == 2, stderr
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert f"see stadsrum {command} --help" in lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no folder, no temporary file


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["segments", PBF], "Missing option '--out'"),
        (["segments"], "Missing argument"),
        (["segment", PBF], "No such command 'segment'"),
    ],
    ids=["missing-out", "missing-input", "unknown-command"],
)
def test_a_missing_or_unknown_name_is_one_error_line(args, fragment, capsys):
    code, stdout, stderr = run_main(args, capsys)
    assert (code, stdout) == (2, "")
    assert stderr.count("\n") == 1
    assert stderr.startswith("error: ")
    assert fragment in stderr


def _numeric_options() -> list[tuple[str, str, type]]:
    """Every int and float option of every command, from the commands' signatures."""
    found = []
    for info in cli.app.registered_commands:
        assert info.callback is not None
        func = inspect.unwrap(info.callback)
        command = info.name or func.__name__.replace("_", "-")
        for name, hint in typing.get_type_hints(func, include_extras=True).items():
            base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
            kinds = set(typing.get_args(base)) or {base}
            kinds.discard(type(None))
            if kinds in ({int}, {float}):
                found.append((command, name, kinds.pop()))
    return found


NUMERIC = _numeric_options()


def test_the_numeric_options_are_all_found():
    """The table below is built from the signatures: make sure that found them."""
    names = {(c, n) for c, n, _ in NUMERIC}
    assert {("network", "snap_tolerance"), ("segments", "threads"), ("barriers", "gap")} <= names
    assert len(NUMERIC) >= 25
    assert {c for c, _, _ in NUMERIC} <= set(REQUIRED)


@pytest.mark.parametrize(
    ("command", "name", "kind"), NUMERIC, ids=[f"{c}-{n}" for c, n, _ in NUMERIC]
)
def test_every_numeric_option_refuses_negative_and_non_finite(
    command, name, kind, tmp_path, capsys
):
    """No count or distance of stadsrum's is negative; nan and inf are no numbers
    of metres, minutes or degrees either."""
    out = tmp_path / "out.gpkg"
    base = [command, *(str(out) if a == "OUT" else a for a in REQUIRED[command])]
    option = "--" + name.replace("_", "-")
    bad = ["-1"] + (["nan", "inf", "-inf"] if kind is float else [])
    for value in bad:
        code, stdout, stderr = run_main([*base, option, value], capsys)
        assert code == 2, (value, stderr)
        assert stdout == ""
        assert stderr.count("\n") == 1, stderr
        assert stderr.startswith(f"error: Invalid value for '{option}'"), stderr
    assert not out.exists()


def test_sensible_values_pass_the_checks():
    assert cli._number_problem("speed", 1.3) is None
    assert cli._number_problem("snap_tolerance", 0.0) is None  # 0: join exact ends only
    assert cli._number_problem("step_threshold", 180.0) is None
    assert cli._number_problem("radii", "400,800,n") is None
    assert cli._number_problem("thresholds", "5, 10,15") is None
    assert cli._number_problem("centre", "385000,6672000") is None
    assert cli._number_problem("quiet", True) is None  # a flag is no number


# --- the Python API --------------------------------------------------------------------


def test_parse_radii_refuses_an_empty_item_naming_radii():
    with pytest.raises(InputError, match=r"radii '400,,800' has an empty item"):
        parse_radii("400,,800")
    with pytest.raises(InputError, match="empty item"):
        parse_radii([400, " "])
    assert parse_radii("800, 400,n") == [400.0, 800.0, math.inf]


@pytest.fixture(scope="module")
def cross():
    """A + of two 100 m streets, in SWEREF 99 TM."""
    return sr.read_network(make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]]))


def test_segment_analysis_refuses_empty_radii_and_threads_as_text(cross):
    with pytest.raises(InputError, match="radii '400,,800'"):
        sr.segment_analysis(cross, radii="400,,800")
    with pytest.raises(TypeError, match=r"threads must be a whole number.*'2'"):
        sr.segment_analysis(cross, threads="2")  # type: ignore[arg-type]
    four = sr.segment_analysis(cross, threads=1)
    assert len(four) == 4  # the + splits into four segments; one thread is fine


# (case id, keyword arguments, the error's kind, a fragment of its message)
SEGMENT_OPTION_CASES = [
    ("threads-text", {"threads": "2"}, TypeError, "threads must be a whole number"),
    ("threads-zero", {"threads": 0}, InputError, "threads must be more than 0"),
    ("threads-fraction", {"threads": 1.5}, TypeError, "threads must be a whole number"),
    ("speed-nan", {"cost": "time", "speed": math.nan}, InputError, "speed nan is not a finite"),
    ("speed-inf", {"cost": "time", "speed": math.inf}, InputError, "speed inf is not a finite"),
    ("speed-text", {"speed": "1.3"}, TypeError, "speed must be a number"),
    ("step-negative", {"step_threshold": -10}, InputError, "step_threshold must be 0 or more"),
    ("step-over-180", {"step_threshold": 200.0}, InputError, "must be at most 180"),
    ("tulip-odd", {"tulip_bins": 5}, InputError, "tulip_bins must be an even number"),
    ("batch-zero", {"batch_size": 0}, InputError, "batch_size must be more than 0"),
    ("radius-mode", {"radius_mode": "circle"}, InputError, "unknown radius_mode 'circle'"),
    ("measure", {"measures": ["integraton"]}, InputError, "unknown measures ['integraton']"),
    ("split", {"split": "both"}, InputError, "unknown split 'both'"),
    ("weight-column", {"weight": "people"}, InputError, "weight column 'people' is not"),
    ("radii-none-item", {"radii": [400, None]}, InputError, "radius 'None' is not a number"),
    ("cost-unknown", {"cost": "angle"}, InputError, "unknown cost 'angle'"),
]


@pytest.mark.parametrize(
    ("kwargs", "kind", "fragment"),
    [case[1:] for case in SEGMENT_OPTION_CASES],
    ids=[case[0] for case in SEGMENT_OPTION_CASES],
)
def test_segment_analysis_checks_every_option_before_building_the_graph(
    cross, monkeypatch, kwargs, kind, fragment
):
    """The segment graph takes seconds on a city: a bad option must be refused before
    it is built, not after (issue 13: threads was checked only after the graph)."""

    def built(*args, **kw):
        raise AssertionError("the segment graph was built before the options were checked")

    monkeypatch.setattr(type(cross), "segment_graph", built)
    with pytest.raises(kind, match=re.escape(fragment)):
        sr.segment_analysis(cross, **kwargs)


# (case id, public function, keyword arguments, the error's kind, a fragment of its message)
MEASURE_OPTION_CASES = [
    ("distances-threads-zero", "place_distances", {"threads": 0}, InputError, "threads must be"),
    ("distances-speed-nan", "place_distances", {"speed": math.nan}, InputError, "not a finite"),
    (
        "distances-turn-over-180",
        "place_distances",
        {"turn_threshold": 200.0},
        InputError,
        "at most",
    ),
    ("distances-nearest-text", "place_distances", {"nearest": "3"}, TypeError, "whole number"),
    ("accessibility-threads", "attraction_accessibility", {"threads": 0}, InputError, "threads"),
    ("accessibility-radii", "attraction_accessibility", {"radii": "300,,n"}, InputError, "empty"),
    ("compare-threads", "compare", {"threads": 0}, InputError, "threads must be more than 0"),
    ("compare-thresholds", "compare", {"thresholds": [10, None]}, InputError, "empty item"),
]


@pytest.mark.parametrize(
    ("function", "kwargs", "kind", "fragment"),
    [case[1:] for case in MEASURE_OPTION_CASES],
    ids=[case[0] for case in MEASURE_OPTION_CASES],
)
def test_the_analyses_check_their_options_at_the_boundary(cross, function, kwargs, kind, fragment):
    """The message starts with the function's name: it comes from the check at the
    boundary (stadsrum.options), before any graph is built or layer linked."""
    import geopandas as gpd
    import shapely
    from helpers import X0, Y0

    point = gpd.GeoDataFrame(
        {"place_id": ["p"], "node_id": ["n"]},
        geometry=[shapely.Point(X0 + 10, Y0 + 5)],
        crs="EPSG:3006",
    )
    line = make_lines([[(0, 10), (100, 10)]])
    args = {
        "place_distances": (cross, point, point),
        "attraction_accessibility": (cross, point),
        "compare": (cross, line),
    }[function]
    with pytest.raises(kind) as info:
        getattr(sr, function)(*args, **kwargs)
    assert str(info.value).startswith(f"{function}: "), info.value
    assert fragment in str(info.value)


# (case id, run_* function, keyword arguments, a fragment of the message); the inputs
# do not exist: the options are checked before anything is read
API_OPTION_CASES = [
    ("distances-thresholds-empty", "run_distances", {"thresholds": "5,,10"}, "has an empty item"),
    ("distances-thresholds-none", "run_distances", {"thresholds": [5, None]}, "empty item"),
    ("distances-thresholds-nan", "run_distances", {"thresholds": [5, math.nan]}, "nan in"),
    ("distances-thresholds-zero", "run_distances", {"thresholds": "0,10"}, "threshold 0 in"),
    ("distances-thresholds-word", "run_distances", {"thresholds": "5,ten"}, "'ten' in"),
    ("distances-max-link-neg", "run_distances", {"max_link": -5.0}, "max_link must be 0 or"),
    ("distances-nearest-zero", "run_distances", {"nearest": 0}, "nearest must be more than"),
    ("distances-speed-text", "run_distances", {"speed": "1.3"}, "speed must be a number"),
    ("distances-threads-text", "run_distances", {"threads": "2"}, "threads must be a whole"),
    ("barriers-thresholds-empty", "run_barriers", {"thresholds": "10,"}, "has an empty item"),
    ("barriers-gap-inf", "run_barriers", {"gap": math.inf}, "gap inf is not a finite"),
    ("compare-thresholds-none", "run_compare", {"thresholds": [None]}, "empty item"),
    ("compare-access-radii", "run_compare", {"access_radii": "300,,n"}, "has an empty item"),
    ("compare-cost", "run_compare", {"cost": "angle"}, "unknown cost 'angle'"),
    ("accessibility-radii-nan", "run_accessibility", {"radii": "nan"}, "radius nan must"),
    ("accessibility-speed-zero", "run_accessibility", {"speed": 0.0}, "speed must be more"),
    ("segments-radii-number", "run_segments", {"radii": 400}, "radii must be text"),
    ("segments-step-nan", "run_segments", {"step_threshold": math.nan}, "not a finite"),
    ("network-snap-neg", "run_network", {"snap_tolerance": -1.0}, "must be 0 or more"),
]

_API_INPUTS = {
    "run_network": ["missing.gpkg"],
    "run_segments": ["missing.gpkg"],
    "run_distances": ["missing.gpkg", "missing.gpkg", "missing.gpkg"],
    "run_accessibility": ["missing.gpkg", "missing.gpkg"],
    "run_barriers": ["missing.gpkg", "missing.gpkg"],
    "run_compare": ["missing.gpkg", "missing.gpkg"],
}


@pytest.mark.parametrize(
    ("function", "kwargs", "fragment"),
    [case[1:] for case in API_OPTION_CASES],
    ids=[case[0] for case in API_OPTION_CASES],
)
def test_the_python_api_refuses_a_bad_option_before_reading(function, kwargs, fragment, tmp_path):
    """As the command line does, in one message naming the function and the option
    (the inputs named here do not exist: 'file not found' would mean they were read)."""
    from stadsrum import workflows

    inputs = [str(tmp_path / name) for name in _API_INPUTS[function]]
    with pytest.raises((InputError, TypeError)) as info:
        getattr(workflows, function)(*inputs, tmp_path / "out.gpkg", **kwargs)
    assert str(info.value).startswith(f"{function}: "), info.value
    assert fragment in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_thread_count_takes_whole_numbers_only():
    assert thread_count(np.int64(2)) == 2
    for wrong in ("2", 2.0, True):
        with pytest.raises(TypeError, match="threads"):
            thread_count(wrong)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least 1"):
        thread_count(0)


# --- interrupts --------------------------------------------------------------------------


def test_an_interrupt_numba_wraps_in_a_system_error_exits_130():
    """A signal handler that raises while numba code runs on the main thread
    leaves its KeyboardInterrupt set while the dispatcher boxes the result: the
    caller sees ``SystemError: CPUDispatcher(...) returned a result with an
    exception set`` from the KeyboardInterrupt. That must read as an interrupt."""
    import numba
    import typer

    @numba.njit(cache=False)
    def spin(n):
        total = np.zeros(3)
        for i in range(n):
            total[i % 3] += np.sqrt(i)
        return total, (1, 2.0)  # a tuple to box, as the kernels return

    spin(10)
    previous = signal.signal(signal.SIGALRM, cli._interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.005)
        with pytest.raises(SystemError) as wrapped:
            spin(40_000_000)
        assert isinstance(wrapped.value.__cause__, KeyboardInterrupt)
        cli._interrupted.clear()
        assert cli._interrupted_by(wrapped.value)  # from the chain, the flag aside

        @cli._guarded
        def command(debug: bool = False) -> None:
            signal.setitimer(signal.ITIMER_REAL, 0.005)
            spin(40_000_000)

        with pytest.raises(typer.Exit) as info:
            command()
        assert info.value.exit_code == 130
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        cli._interrupted.clear()
    assert not cli._interrupted_by(ValueError("a plain error"))


def _exe() -> str:
    exe = Path(sys.executable).with_name("stadsrum")
    return str(exe) if exe.exists() else shutil.which("stadsrum") or "stadsrum"


def _segments(out: Path, *more: str) -> subprocess.Popen[str]:
    # a fresh process group, so that the signal reaches only this run
    return subprocess.Popen(
        [_exe(), "segments", PBF, "--out", str(out), "--radii", "n", *more],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """One whole run first: it compiles (or loads) the kernels into numba's cache,
    and shows the command finishes when nobody interrupts it."""
    out = tmp_path_factory.mktemp("warm") / "x.gpkg"
    proc = _segments(out, "-q")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert out.exists()
    return out


def _after(proc: subprocess.Popen[str], sig: int) -> tuple[int, list[str]]:
    os.kill(proc.pid, sig)
    _, rest = proc.communicate(timeout=120)
    return proc.returncode, rest.splitlines()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("delay", [0.2, 0.6, 1.5], ids=["imports", "reading", "preparing"])
def test_an_interrupt_at_a_moment_exits_130_with_one_line(warm, sig, delay, tmp_path):
    """0.2 s: Python is loading typer and stadsrum; 0.6 s: numpy, geopandas, numba;
    1.5 s: reading or preparing the network (about 2 s from the start here)."""
    out = tmp_path / "x.gpkg"
    started = time.monotonic()
    proc = _segments(out, "-q")
    _wait_for_handler(proc)
    time.sleep(max(0.0, delay - (time.monotonic() - started)))
    code, lines = _after(proc, sig)
    assert code == 130, lines
    assert lines == [LINE]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _wait_for_handler(proc: subprocess.Popen[str], timeout: float = 20.0) -> None:
    """Wait until the process catches SIGTERM: stadsrum.cli's handler is in place.

    Before that, Python itself is starting (tens of milliseconds, longer on a loaded
    machine), and no program can print its own line for a signal then. Read from
    the kernel's record of the process's caught signals, so the test does not
    depend on the machine's speed.
    """
    status = Path(f"/proc/{proc.pid}/status")
    if not status.exists():
        time.sleep(0.2)
        return
    bit = 1 << (signal.SIGTERM - 1)
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        for row in status.read_text().splitlines():
            if row.startswith("SigCgt:") and int(row.split()[1], 16) & bit:
                return
        time.sleep(0.005)
    pytest.fail("the run never installed its signal handler")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    ("after", "wait"),
    [("segment analysis: angular cost", 1.0), ("segment analysis (angular): done", 0.0)],
    ids=["kernels", "writing"],
)
def test_an_interrupt_while_computing_or_writing_exits_130(warm, sig, after, wait, tmp_path):
    """Sent a second after the segment analysis starts (it takes several seconds on
    the sample city), while the kernels run on worker threads; or as soon as it is
    done, while the results are assembled and written (0.1 to 0.8 s after that line
    here, with the machine's load: a signal after the write is no interrupt, and that
    run rightly exits 0 with its file, so the test cannot wait longer)."""
    out = tmp_path / "x.gpkg"
    proc = _segments(out)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(after):
            break
    else:
        pytest.fail(f"the run ended before '{after}': {seen}")
    time.sleep(wait)
    started = time.monotonic()
    code, lines = _after(proc, sig)
    if code == 0 and after.endswith("done"):
        # the write finished before the signal arrived (a loaded machine): then the
        # run rightly ends well, with its whole file and no stray temp file
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x.gpkg"]
        assert "segments" in {str(n) for n in pyogrio.list_layers(out)[:, 0]}
        return
    assert code == 130, lines
    # a progress line may have been on its way when the signal came
    assert [x for x in lines if not x.startswith("segment analysis (angular):")] == [LINE]
    assert time.monotonic() - started < 10  # the workers stop after their chunk
    assert sorted(p.name for p in tmp_path.iterdir()) == []

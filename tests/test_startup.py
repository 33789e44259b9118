"""Start-up: a light ``import stadsrum`` and ``--help``, and the first-run compile notice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from numba import njit

from stadsrum.progress import COMPILING, Progress, compile_notice

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "geopandas", "shapely", "numba", "pyproj", "matplotlib", "osmium")


def test_help_and_import_load_no_scientific_package():
    """``import stadsrum`` and ``stadsrum --help`` load none of the scientific stack."""
    code = (
        "import sys; sys.argv = ['stadsrum', '--help']\n"
        "import stadsrum, stadsrum.cli\n"
        "try:\n    stadsrum.cli.main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "demo" in out  # the help was printed
    assert out.strip().splitlines()[-1] == "[]"


def test_lazy_names_are_the_real_ones():
    import stadsrum
    from stadsrum.measures.segment import segment_analysis
    from stadsrum.workflows import read_network

    assert stadsrum.segment_analysis is segment_analysis
    assert stadsrum.read_network is read_network
    assert set(stadsrum.__all__) <= set(dir(stadsrum))


class Recorder(Progress):
    def __init__(self) -> None:
        super().__init__(on_message=self.messages_append)
        self.messages: list[str] = []
        self.restarts = 0

    def messages_append(self, text: str) -> None:
        self.messages.append(text)

    def restart_clock(self) -> None:
        self.restarts += 1


def test_compiling_is_announced_once_and_only_when_it_happens():
    """A kernel compiled inside the block (it calls a second one): one notice, one restart."""

    @njit
    def inner(x):
        return x * 2.0

    @njit
    def outer(a):
        total = 0.0
        for v in a:
            total += inner(v)
        return total

    progress = Recorder()
    with compile_notice(progress):
        assert outer(np.arange(4.0)) == 12.0
        assert outer(np.arange(3.0)) == 6.0  # same types: compiled already
    assert progress.messages == [COMPILING]
    assert progress.restarts == 1
    again = Recorder()
    with compile_notice(again):
        assert outer(np.arange(5.0)) == 20.0
    assert again.messages == []  # nothing compiled, nothing said
    assert again.restarts == 0


def test_bar_is_paced_from_the_end_of_compiling(monkeypatch):
    """After ``restart_clock`` the bar keeps its count but times the work from then on."""
    from stadsrum.progress import TqdmProgress

    clock = [100.0]
    monkeypatch.setattr("tqdm.std.time", lambda: clock[0])
    progress = TqdmProgress(plain=False)
    progress.start("segment analysis (angular)", 100)
    clock[0] = 130.0  # 30 s of compiling in the first chunk
    progress.advance(2)
    progress.restart_clock()
    bar = progress._bar
    assert bar.n == 2
    assert bar.start_t == 130.0
    progress.finish()

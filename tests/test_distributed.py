"""The segment analysis on a real Dask cluster: two worker processes on loopback.

The reference is the local threaded engine, itself checked against the
brute-force oracle in ``test_segment_analysis.py``; one test here also checks
the cluster's numbers against that oracle directly. Every measure except
choice is computed per origin by the same kernel wherever the origin runs, so
it must be bit-identical. Choice (and choice_wl, nach) is a sum over origins
whose order of additions depends on how origins were chunked and merged: each
addition rounds by at most half an ulp (2**-53 ≈ 1.1e-16 relative) of the
running sum, so over the ~100 origins here the relative difference is bounded
by ~1e-14; ``rtol=1e-12`` leaves room and still catches a lost or doubled
chunk (an error of at least one origin's share, far above 1e-12).
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections import Counter

import numpy as np
import pytest
from helpers import make_lines
from reference import grid_state_graph, reference_measures
from test_segment_analysis import state_graph
from typer.testing import CliRunner

from stadsrum import CancelledError, InputError, Progress, prepare_network
from stadsrum.cli import app
from stadsrum.distributed import check_scheduler, connect
from stadsrum.measures.segment import segment_analysis, segment_measures

distributed = pytest.importorskip("distributed")

RADII = [150.0, math.inf]
CHOICE = ("choice", "choice_wl", "nach")


@pytest.fixture(scope="module")
def grid():
    """A jittered 8×8 grid (112 segments): fractional choice from split ties."""
    lengths, src, dst, turn, _ = grid_state_graph(8, 8, spacing=60.0, jitter=10.0, seed=9)
    return (lengths, src, dst, turn), state_graph(lengths, src, dst, turn)


def assert_same(mine: dict, base: dict) -> None:
    assert mine.keys() == base.keys()
    for col, values in base.items():
        if col.startswith(CHOICE):
            np.testing.assert_allclose(mine[col], values, rtol=1e-12, atol=0, err_msg=col)
        else:
            np.testing.assert_array_equal(mine[col], values, err_msg=col)


def _chunks_started_twice(dask_scheduler) -> int:
    starts: Counter[str] = Counter(
        str(t[0])
        for t in dask_scheduler.transition_log
        if t[2] == "processing" and str(t[0]).startswith("stadsrum-segment-chunk")
    )
    return sum(1 for n in starts.values() if n > 1)


def worker_pids(client) -> set[int]:
    return set(client.run(os.getpid).values())


@pytest.mark.parametrize("cost", ["angular", "metric"])
def test_cluster_equals_the_local_engine(client, grid, cost):
    """Chunks of 10 origins: 12 tasks and a two-level merge tree (fan-in 8)."""
    arrays, g = grid
    base = segment_measures(g, cost=cost, radii=RADII, threads=1)
    progress = Progress()
    mine = segment_measures(
        g, cost=cost, radii=RADII, batch_size=10, client=client, progress=progress
    )
    assert_same(mine, base)
    assert progress.done == g.n_segments  # every origin reported once
    # and against the brute-force oracle directly, not only against the local engine
    ref = reference_measures(*arrays, cost=cost, radius=None)
    for name in ("node_count", "integration", "choice"):
        np.testing.assert_allclose(mine[f"{name}_{cost}_rn"], ref[name], rtol=1e-9, atol=1e-9)
    # the local engine's own choice differs from a single-threaded run in order only
    assert any(np.any(mine[c] % 1 != 0) for c in mine if c.startswith("choice_"))


def test_weighted_and_route_mode_runs_equal_the_local_engine(client, grid):
    """Weights travel with the scattered network; route mode takes the other kernel path."""
    _, g = grid
    weights = np.random.default_rng(4).uniform(0.0, 30.0, g.n_segments)
    for opts in ({"weights": weights}, {"radius_mode": "route", "cost": "metric"}):
        base = segment_measures(g, radii=RADII, threads=1, **opts)
        assert_same(segment_measures(g, radii=RADII, batch_size=16, client=client, **opts), base)


def test_segment_analysis_with_a_client_keeps_columns_and_values(client):
    gdf = make_lines(
        [[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 90)], [(100, 90), (0, 0)]],
        name=list("abcd"),
    )
    net = prepare_network(gdf, prepare="none")
    opts = {"cost": ["angular", "metric"], "radii": [120, "n"]}
    base = segment_analysis(net, **opts)
    mine = segment_analysis(net, client=client, batch_size=1, **opts)
    assert list(mine.columns) == list(base.columns)
    assert list(mine["name"]) == list("abcd")
    measures = [c for c in base.columns if c.endswith(("_r120", "_rn"))]
    assert len(measures) == 2 * 2 * 12
    assert_same(
        {c: mine[c].to_numpy() for c in measures}, {c: base[c].to_numpy() for c in measures}
    )


def test_cancel_cancels_the_tasks_on_the_cluster(client, grid):
    """Cancelled as the run starts (the reporter's first update, 0 done): the first
    check after the 28 chunk tasks and their merges went to the cluster stops it."""
    _, g = grid
    progress = Progress()
    progress._on_update = lambda label, done, total: progress.cancel()
    with pytest.raises(CancelledError):
        segment_measures(g, radii=RADII, batch_size=4, client=client, progress=progress)
    assert progress.done == 0
    # the scheduler forgets the run's tasks: nothing is left computing or held
    deadline = time.monotonic() + 10
    left = -1
    while time.monotonic() < deadline:
        left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if left == 0:
            break
        time.sleep(0.1)
    assert left == 0


def test_a_worker_killed_mid_run_is_replaced_and_the_result_is_identical(client, grid, tmp_path):
    """The first chunk to start kills its own worker process (SIGKILL, no clean-up)
    through a worker plugin, once (a marker file shared by the processes): the
    running chunk and what the worker held are lost, its nanny starts a new
    process, and the scheduler reruns the lost work from the scattered network
    the other worker still holds."""
    _, g = grid
    base = segment_measures(g, radii=RADII, threads=1)
    marker = tmp_path / "killed"

    class KillOnce(distributed.WorkerPlugin):
        # defined in the test: cloudpickle sends the class itself to the workers
        def transition(self, key, start, finish, **kwargs):
            if finish == "executing" and str(key).startswith("stadsrum-segment-chunk"):
                try:
                    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)

    client.register_plugin(KillOnce(), name="kill-once")
    try:
        progress = Progress()
        mine = segment_measures(g, radii=RADII, batch_size=4, client=client, progress=progress)
    finally:
        client.unregister_worker_plugin("kill-once")
    victim = int(marker.read_text())
    assert_same(mine, base)
    assert progress.done == g.n_segments  # a rerun chunk is not counted twice
    # the lost work really was redone: a chunk went to a worker twice (the
    # scheduler's log of state changes: key, from, to, ...)
    assert client.run_on_scheduler(_chunks_started_twice) > 0
    client.wait_for_workers(2, timeout=60)
    after = worker_pids(client)
    assert victim not in after  # a new process took its place
    assert len(after) == 2


def test_a_run_waits_for_the_first_worker_of_a_starting_cluster(grid):
    """A batch cluster (SLURM) may have no worker yet: the run says so, waits
    (cancellably) and starts when one joins. Thread workers: no process start-up."""
    _, g = grid
    base = segment_measures(g, radii=RADII, threads=1)
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cl,
        distributed.Client(cl) as empty,
    ):
        said: list[str] = []
        progress = Progress(on_message=said.append, is_cancelled=lambda: len(said) > 0)
        with pytest.raises(CancelledError):
            segment_measures(g, radii=RADII, client=empty, progress=progress)
        assert any("waiting for the first worker" in m for m in said)
        timer = threading.Timer(0.5, cl.scale, args=(1,))
        timer.start()
        try:
            mine = segment_measures(g, radii=RADII, batch_size=20, client=empty)
        finally:
            timer.join()
    assert_same(mine, base)


def test_scheduler_values_are_checked_before_any_work():
    check_scheduler("local")
    check_scheduler("local-cluster")
    check_scheduler("tcp://10.0.0.5:8786")
    with pytest.raises(InputError, match="unknown scheduler 'slurm'"):
        check_scheduler("slurm")
    with (
        pytest.raises(InputError, match=r"scheduler file 'nowhere\.json' does not exist"),
        connect("nowhere.json"),
    ):
        pass
    with connect("local") as c:
        assert c is None


def test_an_unreachable_scheduler_is_one_clear_error():
    with (
        pytest.raises(
            InputError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9'"
        ),
        connect("tcp://127.0.0.1:9", timeout="1s"),
    ):
        pass


def test_cli_runs_on_a_scheduler_address(client, tmp_path):
    """`--scheduler tcp://…` reaches the running cluster; the layer equals a local run."""
    import geopandas as gpd

    streets = tmp_path / "streets.gpkg"
    make_lines([[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 90)]]).to_file(
        streets, layer="streets"
    )
    runner = CliRunner()
    args = ["segments", str(streets), "--prepare", "none", "--radii", "n", "--quiet"]
    local = runner.invoke(app, [*args, "-o", str(tmp_path / "local.gpkg")])
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        app, [*args, "-o", str(tmp_path / "dask.gpkg"), "--scheduler", client.scheduler.address]
    )
    assert remote.exit_code == 0, remote.output
    a = gpd.read_file(tmp_path / "local.gpkg", layer="segments")
    b = gpd.read_file(tmp_path / "dask.gpkg", layer="segments")
    cols = [c for c in a.columns if c.endswith("_rn")]
    assert cols
    assert_same({c: b[c].to_numpy() for c in cols}, {c: a[c].to_numpy() for c in cols})


def test_run_segments_on_a_local_cluster_of_processes(tmp_path):
    """`--scheduler local-cluster`: stadsrum starts and stops its own LocalCluster."""
    from stadsrum.workflows import run_segments

    gdf = make_lines([[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 90)]])
    net = prepare_network(gdf, prepare="none")
    base = run_segments(net, None, radii="n")
    mine = run_segments(net, tmp_path / "lc.gpkg", radii="n", scheduler="local-cluster")
    cols = [c for c in base.segments.columns if c.endswith("_rn")]
    assert_same(
        {c: mine.segments[c].to_numpy() for c in cols},
        {c: base.segments[c].to_numpy() for c in cols},
    )
    assert mine.path is not None


def test_cli_scheduler_option(tmp_path):
    streets = tmp_path / "streets.gpkg"
    make_lines([[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 90)]]).to_file(
        streets, layer="streets"
    )
    runner = CliRunner()
    bad = runner.invoke(
        app,
        [
            "segments",
            str(streets),
            "-o",
            str(tmp_path / "a.gpkg"),
            "--prepare",
            "none",
            "--scheduler",
            "slurm",
        ],
    )
    assert bad.exit_code != 0
    assert "unknown scheduler 'slurm'" in bad.output
    assert not (tmp_path / "a.gpkg").exists()

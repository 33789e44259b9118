"""Accessibility, distances, areas and betweenness on a real Dask cluster.

Two single-threaded worker processes on loopback, one cluster for the module.
The reference is the local threaded engine (itself checked against hand
derivations, PST and networkx in the analyses' own test files); one test here
also checks the cluster's betweenness against the networkx oracle directly.

What must be bit-identical and what may round differently:

- Nearest distances, OD distances, routes, service areas, site reach and the
  per-resident environments are computed per origin by the same kernel
  wherever the origin runs: identical (``assert_array_equal``).
- The areas' co-presence and area sums are handed to the consumer in input
  order whatever order the tasks finish in (``_ordered``): identical.
- Accessibility reach is a sum over attractions added as results arrive, and
  betweenness flows are per-task sums added up in a tree on the cluster: only
  the order of the additions differs from a one-thread local run. Each
  addition rounds by at most half an ulp (2**-53 ≈ 1.1e-16 relative) of the
  running sum, so over the few dozen origins here the relative difference is
  below ~1e-14; ``rtol=1e-12`` leaves room and still catches a lost or doubled
  task (at least one origin's share, far above 1e-12).
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import SWEREF, X0, Y0
from test_betweenness import _oracle, _points_on_streets, _random_network
from typer.testing import CliRunner

from stadsrum import CancelledError, InputError, Progress
from stadsrum.cli import app
from stadsrum.distributed import on_cluster
from stadsrum.measures.accessibility import attraction_accessibility
from stadsrum.measures.areas import area_analysis
from stadsrum.measures.betweenness import betweenness
from stadsrum.measures.proximity import place_distances, service_areas

distributed = pytest.importorskip("distributed")

SUMMED = ("reach_", "od_betweenness_", "attraction_betweenness_")


@pytest.fixture(scope="module")
def town():
    """A 5×5 grid with 30 % of its 100 m streets removed (connected, seed 7), 30 origins
    and 16 destinations on random streets with weights 0–4 (some 0: left out)."""
    net, rng = _random_network(7)
    origins = _points_on_streets(net, rng, 30)
    dests = _points_on_streets(net, rng, 16)
    dests["kind"] = np.where(np.arange(16) % 3 == 0, "school", "shop")
    dests["id"] = [f"d{i}" for i in range(16)]
    origins["id"] = [f"o{i}" for i in range(30)]
    return net, origins, dests


def assert_same(mine: pd.DataFrame, base: pd.DataFrame, summed: tuple[str, ...] = ()) -> None:
    """Same columns and rows; numbers identical, except sums of floats (rtol 1e-12)."""
    assert list(mine.columns) == list(base.columns)
    assert len(mine) == len(base)
    for col in base.columns:
        a, b = mine[col], base[col]
        if isinstance(b.dtype, gpd.array.GeometryDtype) or col == "geometry":
            assert shapely.equals_exact(
                np.asarray(a.array, dtype=object), np.asarray(b.array, dtype=object), 0
            ).all(), col
        elif str(col).startswith(summed):
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=0, err_msg=col)
        elif pd.api.types.is_numeric_dtype(b.dtype):
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy(), err_msg=col)
        else:
            assert a.tolist() == b.tolist(), col


def tasks_started_twice(dask_scheduler) -> int:
    """Chunks the scheduler sent to a worker more than once (its log of state changes:
    key, from, to, ...)."""
    starts: Counter[str] = Counter(
        str(t[0])
        for t in dask_scheduler.transition_log
        if t[2] == "processing" and str(t[0]).startswith("stadsrum-groups-chunk")
    )
    return sum(1 for n in starts.values() if n > 1)


def test_accessibility_from_segments_equals_the_local_engine(client, town):
    """Metric, angular and steps searches, categories and decay; reach summed."""
    net, _, dests = town
    opts = {
        "radii": "150,400,n",
        "cost": "metric,angular,steps",
        "value": "w",
        "category": "kind",
        "decay": "linear",
        "step_threshold": 30.0,
    }
    base = attraction_accessibility(net, dests, threads=1, **opts)
    progress = Progress()
    mine = attraction_accessibility(net, dests, client=client, progress=progress, **opts)
    assert_same(mine, base, SUMMED)
    assert {"nearest_m", "nearest_angular_deg", "nearest_steps", "nearest_school_m"} <= set(
        mine.columns
    )
    assert np.isfinite(mine["nearest_m"].to_numpy(dtype=float)).any()
    assert mine["reach_r400"].sum() > 0
    assert progress.done == len(dests)  # the last pass (steps): one per attraction


def test_accessibility_from_points_equals_the_local_engine(client, town):
    net, origins, dests = town
    opts = {"radii": "200,n", "cost": "metric,time", "value": "w", "category": "kind"}
    base = attraction_accessibility(net, dests, origins=origins, threads=1, **opts)
    mine = attraction_accessibility(net, dests, origins=origins, client=client, **opts)
    assert_same(mine, base, SUMMED)
    assert (mine["reach_r200"] > 0).any()


def test_distances_and_service_areas_equal_the_local_engine(client, town):
    """OD rows with their routes, and service-area lines and polygons: per place."""
    net, origins, dests = town
    places = origins.rename(columns={"id": "place_id"})
    nodes = dests.rename(columns={"id": "node_id"})
    base = place_distances(net, places, nodes, node_category="kind", threads=1)
    mine = place_distances(net, places, nodes, node_category="kind", client=client)
    assert len(base.od) == 30 * 16
    assert_same(mine.od, base.od)
    assert_same(mine.place_links, base.place_links)
    b_areas, b_lines = service_areas(net, places, thresholds=(1, 3), threads=1)
    m_areas, m_lines = service_areas(net, places, thresholds=(1, 3), client=client)
    assert len(b_lines) == 60
    assert_same(m_areas, b_areas)
    assert_same(m_lines, b_lines)


def _people(net, seed: int, n: int) -> gpd.GeoDataFrame:
    """``n`` residents 5–30 m off random streets, with people of groups a and b."""
    rng = np.random.default_rng(seed)
    geoms = net.edges.geometry.to_numpy()
    pts = []
    for e, f, off in zip(
        rng.integers(0, len(geoms), n),
        rng.uniform(0.1, 0.9, n),
        rng.uniform(5, 30, n),
        strict=True,
    ):
        p = geoms[e].interpolate(f, normalized=True)
        pts.append(shapely.Point(p.x + off, p.y + off))
    return gpd.GeoDataFrame(
        {"a": rng.integers(0, 9, n).astype(float), "b": rng.integers(0, 9, n).astype(float)},
        geometry=pts,
        crs=SWEREF,
    )


def test_areas_equal_the_local_engine(client, town):
    """300 residents on 100 m streets: several resident chunks (each ≤ 128 residents,
    segment ends ≤ 32), two districts, key nodes by category, candidate sites and
    today's meeting places; every layer of the result, bit for bit."""
    net, origins, dests = town
    people = _people(net, 3, 300)
    west = shapely.box(X0 - 100, Y0 - 100, X0 + 200, Y0 + 500)
    east = shapely.box(X0 + 200, Y0 - 100, X0 + 500, Y0 + 500)
    districts = gpd.GeoDataFrame({"district": ["W", "E"]}, geometry=[west, east], crs=SWEREF)
    opts = {
        "groups": ["a", "b"],
        "areas": districts,
        "area_id": "district",
        "nodes": dests,
        "node_category": "kind",
        "sites": origins.iloc[:10],
        "meeting_places": origins.iloc[10:14],
        "thresholds": (2, 4),
        "environment": (2, 4),
        "speed": 100 / 60,
    }
    base = area_analysis(net, people, threads=1, **opts)
    progress = Progress()
    mine = area_analysis(net, people, client=client, progress=progress, **opts)
    assert base.layers.keys() == mine.layers.keys()
    for name, layer in base.layers.items():
        assert_same(mine.layers[name], layer)
    assert base.copresence["reach_pop_4min"].sum() > 0
    assert base.area_matrix["mean_m"].notna().all()


@pytest.mark.parametrize("kind", ["all", "closest", "attraction"])
def test_betweenness_equals_the_local_engine_and_networkx(client, town, kind):
    net, origins, dests = town
    radii = [250.0, np.inf]
    target = {"attractions": dests} if kind == "attraction" else {"destinations": dests}
    mode = "all" if kind == "attraction" else kind
    opts = {"origin_weight": "w", "destination_weight": "w", "radii": radii, **target}
    base = betweenness(net, origins, mode=mode, threads=1, **opts)  # type: ignore[arg-type]
    progress = Progress()
    mine = betweenness(net, origins, mode=mode, client=client, progress=progress, **opts)  # type: ignore[arg-type]
    assert_same(mine, base, SUMMED)
    assert progress.done == int((origins["w"] > 0).sum())  # each origin reported once
    stem = "attraction" if kind == "attraction" else "od"
    w_o, w_d = origins["w"].to_numpy(), dests["w"].to_numpy()
    for r, label in zip(radii, ["250", "n"], strict=True):
        want = _oracle(net, origins, dests, w_o, w_d, r, mode, kind == "attraction")
        assert want.sum() > 0
        got = mine[f"{stem}_betweenness_metric_r{label}"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_attractions_as_their_own_origins_on_the_cluster(client, town):
    """Each pair of attractions once (the flows halved after the tree's sum)."""
    net, _, dests = town
    base = betweenness(net, attractions=dests, destination_weight="w", cost="angular", threads=1)
    mine = betweenness(
        net, attractions=dests, destination_weight="w", cost="angular", client=client
    )
    assert_same(mine, base, SUMMED)
    assert mine["attraction_betweenness_angular_rn"].sum() > 0


def test_a_worker_killed_mid_betweenness_is_replaced_and_the_flows_are_identical(
    client, town, tmp_path
):
    """The first chunk to start kills its own worker process (SIGKILL, no clean-up),
    once (a marker file shared by the processes). The lost chunk, and any chunk
    whose result lived only on that worker, is rerun from the scattered work the
    other worker holds; each chunk's flows are its own fresh scratch's, so a rerun
    adds them once and the tree's sum is still the local engine's."""
    net, origins, dests = town
    opts = {"origin_weight": "w", "destination_weight": "w", "radii": [250.0, np.inf]}
    base = betweenness(net, origins, dests, threads=1, **opts)  # type: ignore[arg-type]
    marker = tmp_path / "killed"

    class KillOnce(distributed.WorkerPlugin):
        # defined in the test: cloudpickle sends the class itself to the workers
        def transition(self, key, start, finish, **kwargs):
            if finish == "executing" and str(key).startswith("stadsrum-groups-chunk"):
                try:
                    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)

    client.register_plugin(KillOnce(), name="kill-once-groups")
    try:
        progress = Progress()
        mine = betweenness(net, origins, dests, client=client, progress=progress, **opts)  # type: ignore[arg-type]
    finally:
        client.unregister_worker_plugin("kill-once-groups")
    victim = int(marker.read_text())
    assert_same(mine, base, SUMMED)
    assert progress.done == int((origins["w"] > 0).sum())  # a rerun chunk counted once
    assert client.run_on_scheduler(tasks_started_twice) > 0  # the lost work was redone
    client.wait_for_workers(2, timeout=60)
    after = set(client.run(os.getpid).values())
    assert victim not in after
    assert len(after) == 2


def test_cancel_lets_go_of_every_task(client, town):
    """Cancelled at the reporter's first update (0 done): the first check after the
    chunks, their result takers and the sum tree went to the cluster stops the run,
    and the scheduler forgets every task of it."""
    net, origins, dests = town

    def keys(dask_scheduler) -> set[str]:
        return {str(k) for k in dask_scheduler.tasks}

    # tasks of earlier tests that the garbage collector has not yet let go of are not
    # this run's: only what the run put on the scheduler must be gone
    gc.collect()
    before = client.run_on_scheduler(keys)
    progress = Progress()
    progress._on_update = lambda label, done, total: progress.cancel()
    with pytest.raises(CancelledError):
        betweenness(net, origins, dests, origin_weight="w", client=client, progress=progress)
    assert progress.done == 0
    deadline = time.monotonic() + 10
    left: set[str] = set()
    while time.monotonic() < deadline:
        left = client.run_on_scheduler(keys) - before
        if not left:
            break
        time.sleep(0.1)
    assert not left, sorted(left)[:5]


def _runs(dask_scheduler) -> set[str]:
    """The runs the scheduler has seen: their chunks' keys less the chunk number."""
    return {
        str(t[0]).rsplit("-", 1)[0]
        for t in dask_scheduler.transition_log
        if str(t[0]).startswith("stadsrum-groups-chunk")
    }


def test_on_cluster_is_left_behind_on_leaving(client, town):
    """Inside ``on_cluster`` the searches run on the cluster; after it, locally again
    (no new task reaches the scheduler)."""
    net, _, dests = town
    before = client.run_on_scheduler(_runs)
    with on_cluster(client):
        a = attraction_accessibility(net, dests, radii="n")
    middle = client.run_on_scheduler(_runs)
    b = attraction_accessibility(net, dests, radii="n", threads=1)
    after = client.run_on_scheduler(_runs)
    assert len(middle - before) == 1
    assert after == middle
    assert_same(a, b, SUMMED)


def _write(tmp_path, net, origins, dests):
    streets = tmp_path / "streets.gpkg"
    net.edges[[net.edges.geometry.name]].to_file(streets, layer="streets")
    o, d = tmp_path / "o.gpkg", tmp_path / "d.gpkg"
    origins.to_file(o)
    dests.to_file(d)
    return streets, o, d


def test_cli_betweenness_and_accessibility_on_a_scheduler_address(client, town, tmp_path):
    """`--scheduler tcp://…` reaches the running cluster; the layers equal local runs
    and the run's metadata says where it ran."""
    import json
    import sqlite3

    net, origins, dests = town
    streets, o, d = _write(tmp_path, net, origins, dests)
    runner = CliRunner()
    commands = {
        "betweenness": [
            "betweenness", str(streets), "--origins", str(o), "--destinations", str(d),
            "--origin-weight", "w", "--prepare", "none", "--quiet",
        ],
        "accessibility": [
            "accessibility", str(streets), "--attractions", str(d),
            "--radii", "300,n", "--prepare", "none", "--quiet",
        ],
    }  # fmt: skip
    for layer, args in commands.items():
        local = runner.invoke(app, [*args, "-o", str(tmp_path / f"{layer}-local.gpkg")])
        assert local.exit_code == 0, local.output
        out = tmp_path / f"{layer}-dask.gpkg"
        remote = runner.invoke(
            app, [*args, "-o", str(out), "--scheduler", client.scheduler.address]
        )
        assert remote.exit_code == 0, remote.output
        a = gpd.read_file(tmp_path / f"{layer}-local.gpkg", layer=layer)
        b = gpd.read_file(out, layer=layer)
        assert_same(b, a, SUMMED)
        with sqlite3.connect(out) as db:
            (params,) = db.execute(
                "SELECT value FROM run_metadata WHERE key = 'parameters'"
            ).fetchone()
        assert json.loads(params)["scheduler"] == client.scheduler.address


def test_a_bad_scheduler_is_one_clear_line_before_any_work(town, tmp_path):
    """Every command with --scheduler refuses an unknown one before reading its inputs:
    one error line, nothing written."""
    net, origins, dests = town
    streets, o, d = _write(tmp_path, net, origins, dests)
    people = tmp_path / "people.gpkg"
    _people(net, 3, 20).to_file(people)
    runner = CliRunner()
    commands = {
        "distances": ["--network", str(streets), "--places", str(o), "--nodes", str(d)],
        "accessibility": [str(streets), "--attractions", str(d)],
        "betweenness": [str(streets), "--origins", str(o), "--destinations", str(d)],
        "areas": ["--network", str(streets), "--population", str(people)],
    }
    for command, args in commands.items():
        out = tmp_path / f"{command}.gpkg"
        res = runner.invoke(app, [command, *args, "-o", str(out), "--scheduler", "slurm"])
        assert res.exit_code != 0, command
        assert "error: unknown scheduler 'slurm'" in res.output, (command, res.output)
        assert "Traceback" not in res.output
        assert not out.exists()


def test_run_functions_check_the_scheduler_first(town, monkeypatch):
    """An unknown scheduler fails at once; a bad input fails before any cluster is
    started or reached (the connection is made at the first search)."""
    import stadsrum.distributed
    from stadsrum.workflows import run_accessibility, run_betweenness

    net, origins, dests = town
    with pytest.raises(InputError, match="unknown scheduler 'slurm'"):
        run_accessibility(net, dests, None, scheduler="slurm")
    with pytest.raises(InputError, match="unknown scheduler 'slurm'"):
        run_betweenness(net, None, origins=origins, destinations=dests, scheduler="slurm")
    reached: list[str] = []
    monkeypatch.setattr(stadsrum.distributed, "connect", lambda s, **k: reached.append(s))
    with pytest.raises(InputError, match="nope"):
        run_accessibility(net, dests, None, value="nope", scheduler="local-cluster")
    with pytest.raises(InputError, match="nope"):
        run_betweenness(
            net, None, origins=origins, destinations=dests, origin_weight="nope",
            scheduler="tcp://127.0.0.1:9",
        )  # fmt: skip
    assert reached == []


def test_run_accessibility_on_a_local_cluster_it_starts_and_stops(town, tmp_path):
    """`scheduler="local-cluster"`: the cluster starts at the first search (after the
    inputs are read) and is closed when the run ends; the layer equals a local run."""
    from stadsrum.distributed import active_client
    from stadsrum.workflows import run_accessibility

    net, _, dests = town
    base = run_accessibility(net, dests, None, radii="300,n", value="w", threads=1)
    mine = run_accessibility(
        net, dests, tmp_path / "lc.gpkg", radii="300,n", value="w", scheduler="local-cluster"
    )
    assert_same(mine.accessibility, base.accessibility, SUMMED)
    assert mine.accessibility["reach_r300"].sum() > 0
    assert active_client() is None  # nothing left in force after the run

"""Spatial tiles with halos (stadsrum.tiles) and the tiled segment analysis on Dask.

Three layers of checks, each against an independent reference:

- the halo against a brute-force networkx search over the same state graph;
- the kernel on a tile's sub-network against the kernel on the whole network,
  origin by origin: one origin's search adds its numbers in the same order on
  both, so every per-origin sum *and* that origin's choice contributions must
  be bit-identical (``tiles.HaloFinder.halo_segments`` proves why);
- the whole tiled run on a LocalCluster of two worker processes against the
  local threaded engine, as tests/test_distributed.py does: choice to
  rtol 1e-12 (tiles are added up on the client in another order: at most
  ~100 origins × 1.1e-16 relative), every other measure identical.
"""

from __future__ import annotations

import math
import os
import signal

import networkx as nx
import numpy as np
import pytest
from reference import grid_state_graph
from shapely.geometry import LineString
from test_distributed import assert_same
from test_segment_analysis import state_graph

from stadsrum import Progress
from stadsrum.kernels.search import StateGraph
from stadsrum.kernels.segment import N_SUMS, SegmentSettings, segment_worker
from stadsrum.measures.segment import segment_measures, transition_costs, transition_lengths
from stadsrum.network.segments import SegmentGraph
from stadsrum.tiles import (
    HaloFinder,
    halo_metres,
    hilbert_keys,
    segment_points,
    sub_network,
    tile_origins,
)

distributed = pytest.importorskip("distributed")


def with_geometry(nx_: int, ny: int, *, spacing: float, jitter: float, seed: int) -> SegmentGraph:
    """A seeded jittered grid as a SegmentGraph with its segments' geometry (for tiles)."""
    lengths, src, dst, turn, coords = grid_state_graph(
        nx_, ny, spacing=spacing, jitter=jitter, seed=seed
    )
    g = state_graph(lengths, src, dst, turn)
    geometry = np.array([LineString(c) for c in coords], dtype=object)
    return SegmentGraph(**{**g.__dict__, "geometry": geometry})


def two_parts() -> SegmentGraph:
    """Two grids 5 km apart with no street between them, plus a lone segment:
    three connected parts, no geometry (tiles follow segment ids)."""
    a = grid_state_graph(5, 4, spacing=70.0, jitter=8.0, seed=5)
    b = grid_state_graph(4, 4, spacing=50.0, jitter=5.0, seed=6)
    coords = np.concatenate(
        [a[4], b[4] + [5000.0, 0.0], np.array([[[0.0, 9000.0], [80.0, 9000.0]]])]
    )
    from reference import state_graph_from_segments

    lengths, src, dst, turn = state_graph_from_segments(coords)
    return state_graph(lengths, src, dst, turn)


def test_hilbert_order_steps_to_a_neighbouring_cell_every_time():
    """On a 2^k grid of points the Hilbert curve is a path of unit steps through every
    cell once (its defining property), unlike row order's jumps back to column 0."""
    side = 16
    xy = np.array([(x, y) for x in range(side) for y in range(side)], dtype=float)
    keys = hilbert_keys(xy, bits=4)
    assert sorted(keys) == list(range(side * side))
    path = xy[np.argsort(keys)]
    steps = np.abs(np.diff(path, axis=0)).sum(axis=1)
    assert (steps == 1).all()


def test_tiles_cover_every_origin_once_and_stay_compact():
    g = with_geometry(12, 12, spacing=50.0, jitter=5.0, seed=2)
    xy = segment_points(g.geometry)
    tiles = tile_origins(g.n_segments, 30, xy)
    assert sorted(np.concatenate(tiles)) == list(range(g.n_segments))
    # a tile of 30 segments of a 50 m grid spans a few blocks, not the whole 550 m city
    # as segment-id order (row after row) does
    spans = [np.ptp(xy[t], axis=0).max() for t in tiles]
    by_id = [np.ptp(xy[t], axis=0).max() for t in tile_origins(g.n_segments, 30, None)]
    assert max(spans) < 400 < min(by_id)
    assert np.mean(spans) < 0.6 * np.mean(by_id)
    # without geometry: id order, still every origin once
    assert segment_points(np.empty(3, dtype=object)) is None
    assert [list(t) for t in tile_origins(5, 2, None)] == [[0, 1], [2, 3], [4]]


def brute_force_halo(g: SegmentGraph, origins: np.ndarray, halo: float) -> set[int]:
    """networkx Dijkstra over states (midpoint-to-midpoint metres) from the origins'
    states: segments of states within ``halo``, and of their successors."""
    tlen = transition_lengths(g)
    digraph = nx.DiGraph()
    digraph.add_nodes_from(range(2 * g.n_segments))
    for s in range(2 * g.n_segments):
        for k in range(g.indptr[s], g.indptr[s + 1]):
            t = int(g.dst[k])
            w = float(tlen[k])
            if not digraph.has_edge(s, t) or digraph[s][t]["weight"] > w:
                digraph.add_edge(s, t, weight=w)
    sources = {int(2 * o) for o in origins} | {int(2 * o + 1) for o in origins}
    dist = nx.multi_source_dijkstra_path_length(digraph, sources, weight="weight")
    inner = {s for s, d in dist.items() if d <= halo}
    beyond = {t for s in inner for t in digraph.successors(s)}
    return {s // 2 for s in inner | beyond}


def test_halo_equals_a_brute_force_search():
    g = with_geometry(9, 9, spacing=60.0, jitter=10.0, seed=9)
    finder = HaloFinder(g.indptr, g.dst, transition_lengths(g))
    tiles = tile_origins(g.n_segments, 12, segment_points(g.geometry))
    for tile in tiles[::3]:
        for halo in (50.0, 130.0, 400.0):
            mine = finder.halo_segments(tile, halo)
            assert set(mine.tolist()) == brute_force_halo(g, tile, halo)
            assert set(tile.tolist()) <= set(mine.tolist())
    # the finder's scratch is left clean: the same tile again gives the same halo
    again = finder.halo_segments(tiles[0], 130.0)
    assert set(again.tolist()) == brute_force_halo(g, tiles[0], 130.0)


def run_kernel(graph, tcost, tlen, seglen, weight, origins, radii, costs, catchment):
    r = len(radii)
    sums = np.zeros((len(origins), r, N_SUMS))
    choice = np.zeros((len(seglen), r))
    choice_wl = np.zeros_like(choice)
    settings = SegmentSettings(
        radii=np.asarray(radii, float),
        weight=weight,
        catchment=catchment,
        metric_cost=costs.metric,
        has_free_moves=bool((tcost <= 1e-9).any()),
        depth_scale=costs.depth_scale,
        harmonic_offset=costs.harmonic_offset,
        want_choice=True,
    )
    state = StateGraph(graph[0], graph[1], tcost, tlen, seglen)
    segment_worker(np.asarray(origins, np.int64), 0, 1, state, settings, sums, choice, choice_wl)
    return sums, choice, choice_wl


@pytest.mark.parametrize("cost", ["angular", "metric", "steps", "time"])
@pytest.mark.parametrize("mode", ["catchment", "route"])
def test_each_origin_on_its_tile_equals_the_whole_network_bit_for_bit(cost, mode):
    """Tiles vs the whole graph on a seeded grid, origin by origin, every cost and
    radius mode, three radii (the halo is cut for the largest)."""
    g = with_geometry(10, 10, spacing=55.0, jitter=12.0, seed=21)
    costs = transition_costs(g, cost)
    tlen = transition_lengths(g)
    indptr, dst = g.indptr.astype(np.int32), g.dst.astype(np.int32)
    weight = np.random.default_rng(3).uniform(0.5, 3.0, g.n_segments)
    radii = [90.0, 160.0, 250.0]
    finder = HaloFinder(indptr, dst, tlen)
    tiles = tile_origins(g.n_segments, 16, segment_points(g.geometry))
    smaller = 0
    for tile in tiles:
        sub = finder.sub_network(
            tile, finder.halo_segments(tile, halo_metres(radii[-1])), costs.tcost, g.length, weight
        )
        smaller += len(sub.segments) < g.n_segments
        for o_local, o in zip(sub.origins, tile, strict=True):
            whole = run_kernel(
                (indptr, dst), costs.tcost, tlen, g.length, weight, [o], radii, costs,
                mode == "catchment",
            )  # fmt: skip
            part = run_kernel(
                (sub.indptr, sub.dst), sub.tcost, sub.tlen, sub.seglen, sub.weight, [o_local],
                radii, costs, mode == "catchment",
            )  # fmt: skip
            np.testing.assert_array_equal(part[0], whole[0])
            for w, p in zip(whole[1:], part[1:], strict=True):
                back = np.zeros_like(w)
                back[sub.segments] = p
                np.testing.assert_array_equal(back, w)  # nothing outside the halo either
    assert smaller == len(tiles)  # no tile needed the whole network


def test_sub_network_keeps_states_directions_and_transition_order():
    """Hand-made: a path 0-1-2-3 (each 10 m); the sub-network on segments {1, 2}."""
    coords = np.array(
        [[[0, 0], [10, 0]], [[10, 0], [20, 0]], [[20, 0], [30, 0]], [[30, 0], [40, 0]]], float
    )
    from reference import state_graph_from_segments

    g = state_graph(*state_graph_from_segments(coords))
    tlen = transition_lengths(g)
    sub = sub_network(np.array([1]), np.array([1, 2]), g.indptr, g.dst, tlen, tlen, g.length,
                      np.arange(4.0))  # fmt: skip
    assert list(sub.origins) == [0]
    assert list(sub.seglen) == [10.0, 10.0]
    assert list(sub.weight) == [1.0, 2.0]
    # state 2 (segment 1 towards its end 1 at x=20) goes on to state 4 (segment 2
    # onwards): local 0 -> 2; the move back onto segment 0 is cut
    edges = {(s, int(t)) for s in range(4) for t in sub.dst[sub.indptr[s] : sub.indptr[s + 1]]}
    whole = {
        (s, int(t)) for s in range(2, 6) for t in g.dst[g.indptr[s] : g.indptr[s + 1]] if 2 <= t < 6
    }
    assert edges == {(s - 2, t - 2) for s, t in whole}
    assert (0, 2) in edges
    assert (3, 1) in edges


@pytest.mark.parametrize(("cost", "mode"), [("angular", "catchment"), ("metric", "route")])
def test_tiled_cluster_run_equals_the_local_engine(client, cost, mode):
    """24×24 jittered grid (1,104 segments, 1.15 km across), tiles of 20 origins,
    radii up to 200 m: no task holds the whole network."""
    from stadsrum.distributed import LAST_TILED_RUN

    g = with_geometry(24, 24, spacing=50.0, jitter=9.0, seed=17)
    radii = [100.0, 200.0]
    base = segment_measures(g, cost=cost, radii=radii, radius_mode=mode, threads=1)
    said: list[str] = []
    progress = Progress(on_message=said.append)
    mine = segment_measures(
        g, cost=cost, radii=radii, radius_mode=mode, batch_size=20, client=client,
        progress=progress,
    )  # fmt: skip
    assert_same(mine, base)
    assert progress.done == g.n_segments
    n_tiles = math.ceil(g.n_segments / 20)
    assert any(f"{n_tiles} tiles of up to 20 origins" in m for m in said), said
    assert LAST_TILED_RUN["tiles"] == n_tiles
    assert LAST_TILED_RUN["largest_sub_segments"] < 0.3 * g.n_segments
    # an origin whose 300 m catchment crosses several tiles (tile edges)
    xy = segment_points(g.geometry)
    tiles = tile_origins(g.n_segments, 20, xy)
    tile_of = np.empty(g.n_segments, int)
    for i, t in enumerate(tiles):
        tile_of[t] = i
    centre = int(np.argmin(np.hypot(*(xy - xy.mean(axis=0)).T)))
    finder = HaloFinder(g.indptr, g.dst, transition_lengths(g))
    reach = finder.halo_segments(np.array([centre]), 200.0)
    assert len(set(tile_of[reach])) >= 4
    assert mine[f"node_count_{cost}_r200"][centre] == base[f"node_count_{cost}_r200"][centre]


def test_disconnected_parts_and_no_geometry(client):
    """Three connected parts, tiles in segment-id order (no geometry): a tile may hold
    origins of two parts; the lone segment reaches only itself."""
    g = two_parts()
    radii = [100.0, 200.0]
    for cost in ("angular", "metric"):
        base = segment_measures(g, cost=cost, radii=radii, threads=1)
        mine = segment_measures(g, cost=cost, radii=radii, batch_size=7, client=client)
        assert_same(mine, base)
        assert mine[f"node_count_{cost}_r200"][-1] == 1.0


def test_radius_n_uses_the_whole_network_and_says_how_much_memory(client):
    g = with_geometry(6, 6, spacing=60.0, jitter=5.0, seed=4)
    radii = [150.0, math.inf]
    said: list[str] = []
    base = segment_measures(g, radii=radii, threads=1)
    mine = segment_measures(
        g, radii=radii, batch_size=10, client=client, progress=Progress(on_message=said.append)
    )
    assert_same(mine, base)
    note = [m for m in said if "every worker holds the whole network" in m]
    assert len(note) == 1
    assert " GB per worker thread" in note[0]
    assert not any("tiles" in m for m in said)


def test_a_worker_killed_mid_tile_is_replaced_and_the_result_is_identical(client, tmp_path):
    """A tile's data travels in its task, so the scheduler can rerun a tile lost with
    its worker (SIGKILL through a worker plugin, once) on the other worker."""
    g = with_geometry(10, 10, spacing=50.0, jitter=6.0, seed=8)
    radii = [100.0, 200.0]
    base = segment_measures(g, radii=radii, threads=1)
    marker = tmp_path / "killed"

    class KillOnce(distributed.WorkerPlugin):
        def transition(self, key, start, finish, **kwargs):
            if finish == "executing" and str(key).startswith("stadsrum-segment-tile"):
                try:
                    fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)

    client.register_plugin(KillOnce(), name="kill-once-tile")
    try:
        progress = Progress()
        mine = segment_measures(g, radii=radii, batch_size=9, client=client, progress=progress)
    finally:
        client.unregister_worker_plugin("kill-once-tile")
    assert marker.exists()
    assert_same(mine, base)
    assert progress.done == g.n_segments
    client.wait_for_workers(2, timeout=60)

    def started_twice(dask_scheduler) -> int:
        from collections import Counter

        starts = Counter(
            str(t[0])
            for t in dask_scheduler.transition_log
            if t[2] == "processing" and str(t[0]).startswith("stadsrum-segment-tile")
        )
        return sum(1 for n in starts.values() if n > 1)

    assert client.run_on_scheduler(started_twice) > 0  # the lost tile really ran again


def test_a_sample_of_origins_gives_their_rows_of_the_full_run(client):
    """``sample`` (the benchmark's way to time part of a region): the sampled origins'
    rows equal the local engine's, the others stay 0; choice sums only the sample's
    searches, checked against the local kernel run on the same origins."""
    from stadsrum.distributed import segment_sums
    from stadsrum.kernels.search import TOL

    g = with_geometry(12, 12, spacing=50.0, jitter=6.0, seed=12)
    costs = transition_costs(g, "angular")
    tlen = transition_lengths(g)
    indptr, dst = g.indptr.astype(np.int32), g.dst.astype(np.int32)
    weight = np.ones(g.n_segments)
    sample = np.zeros(g.n_segments, dtype=bool)
    sample[::5] = True
    radii = np.array([100.0, 200.0])
    progress = Progress()
    progress.start("sample", int(sample.sum()))
    sums, choice, _ = segment_sums(
        client,
        n_segments=g.n_segments,
        radii=radii,
        catchment=True,
        metric_cost=False,
        has_free_moves=bool((costs.tcost <= TOL).any()),
        indptr=indptr,
        dst=dst,
        tcost=costs.tcost,
        tlen=tlen,
        seglen=g.length,
        weight=weight,
        depth_scale=costs.depth_scale,
        harmonic_offset=costs.harmonic_offset,
        want_choice=True,
        chunk_size=15,
        progress=progress,
        xy=segment_points(g.geometry),
        sample=sample,
    )
    assert progress.done == sample.sum()
    ref = run_kernel(
        (indptr, dst), costs.tcost, tlen, g.length, weight, np.flatnonzero(sample), radii,
        costs, True,
    )  # fmt: skip
    np.testing.assert_array_equal(sums[sample], ref[0])
    assert not sums[~sample].any()
    np.testing.assert_allclose(choice, ref[1], rtol=1e-12, atol=0)
    assert choice.any()


def test_cancel_cancels_the_tiles_on_the_cluster(client):
    """Cancelled at the reporter's first update: the tiles already sent are cancelled
    and the scheduler forgets every task of the run."""
    import time

    from stadsrum import CancelledError

    g = with_geometry(10, 10, spacing=50.0, jitter=6.0, seed=3)
    progress = Progress()
    progress._on_update = lambda label, done, total: progress.cancel()
    with pytest.raises(CancelledError):
        segment_measures(g, radii=[100.0, 200.0], batch_size=5, client=client, progress=progress)
    assert progress.done == 0
    deadline = time.monotonic() + 10
    left = -1
    while time.monotonic() < deadline:
        left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if left == 0:
            break
        time.sleep(0.1)
    assert left == 0

"""The segment analysis of a generated 1,000,000-segment region on a Dask LocalCluster.

Measures, for radii 400, 800 and 1200 m, angular and metric cost, with 1 and 2
single-threaded worker processes:

- throughput: origins per second of wall time and CPU seconds per origin,
  summed over the worker processes (``client.run(time.process_time)`` before
  and after), and the client's own CPU (cutting tiles out of the network);
- peak memory per worker: each worker process's peak resident set during
  the run (Linux VmHWM, reset before each run), beside its resident set after
  a warm-up on a tiny network (Python, Dask and the compiled kernels), and the
  largest tile task's own arrays as it counts them;
- angular cost at the three radii in one run, with tiles and with the whole
  network on every worker (no tiles), each on a fresh cluster of 2 workers:
  the memory comparison.

On a shared machine a full run of a million origins is out of reach, so by
default a *sample* of origins is analysed: ``--per-tile`` origins spread
along each tile (every tile represented), over the full network, with every
tile and its halo cut and sent exactly as in a full run (only the kernel skips
the other origins). Per-origin cost is then what the cost model needs.

Run: ``python benchmarks/bench_scale.py [--segments 1000000] [--per-tile 30]
[--workers 1,2] [--out benchmarks/scale.json]``; ``--memory-only`` runs only
the tiles vs whole-network pair. Results: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def peak_rss_mb() -> float:
    """This process's peak resident set since :func:`reset_peak`, MB (run on each worker
    by ``client.run``). Linux's VmHWM, not ``ru_maxrss``: a worker process is forked
    from this one (the client, which holds the whole network) before it execs, and
    ``ru_maxrss`` keeps that fork's size; VmHWM starts afresh with the new program."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def rss_mb() -> float:
    """This process's resident set now, MB (Linux VmRSS)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    """Start a new peak (Linux: writing 5 to /proc/self/clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def cpu_s() -> float:
    return time.process_time()


def arrays_for(graph, cost: str) -> dict:
    """The arrays segment_measures hands to segment_sums, for one cost."""
    from stadsrum.kernels.search import TOL
    from stadsrum.measures.segment import transition_costs, transition_lengths

    costs = transition_costs(graph, cost)
    return {
        "catchment": True,
        "metric_cost": costs.metric,
        "has_free_moves": bool((costs.tcost <= TOL).any()),
        "indptr": graph.indptr.astype(np.int32),
        "dst": graph.dst.astype(np.int32),
        "tcost": costs.tcost,
        "tlen": transition_lengths(graph),
        "seglen": graph.length,
        "weight": np.ones(graph.n_segments),
        "depth_scale": costs.depth_scale,
        "harmonic_offset": costs.harmonic_offset,
        "want_choice": True,
    }


def start_cluster(n_workers: int):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=n_workers,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=":0",
        memory_limit=0,  # measure, never pause or spill
    )
    return cluster, Client(cluster)


def warm_up(client) -> None:
    """Load the compiled kernels on every worker (a tiny run of each cost)."""
    from networks import generated_city, to_gdf

    from stadsrum.measures.segment import segment_measures
    from stadsrum.network.prepare import prepare_network

    tiny = prepare_network(to_gdf(generated_city(400, seed=1), "EPSG:3006"), prepare="none")
    g = tiny.segment_graph()
    for cost in ("angular", "metric"):
        for radii in ([300.0], [300.0, math.inf]):
            segment_measures(g, cost=cost, radii=radii, client=client, batch_size=20)


def run_once(client, graph, xy, arrays, radii, sample, tiles, tile_size) -> dict:
    from stadsrum.distributed import LAST_TILED_RUN, segment_sums
    from stadsrum.progress import Progress

    LAST_TILED_RUN.clear()
    client.run(reset_peak)
    before = client.run(cpu_s)
    load0 = os.getloadavg()[0]
    c0, w0 = time.process_time(), time.perf_counter()
    progress = Progress()
    progress.start("bench", int(sample.sum()))
    sums, _, _ = segment_sums(
        client,
        n_segments=graph.n_segments,
        radii=np.asarray(radii, float),
        chunk_size=tile_size if tiles else None,
        progress=progress,
        xy=xy,
        tiles=tiles,
        sample=sample,
        **arrays,
    )
    wall = time.perf_counter() - w0
    client_cpu = time.process_time() - c0
    after = client.run(cpu_s)
    worker_cpu = sum(after[k] - before[k] for k in after)
    n = int(sample.sum())
    # segments within each radius, averaged over the sampled origins: what the
    # per-origin cost scales with (the cost model rescales by it)
    reached = sums[sample][:, :, 5].mean(axis=0)
    return {
        "mean_segments_reached": [round(float(v)) for v in reached],
        "origins": n,
        "wall_s": round(wall, 2),
        "worker_cpu_s": round(worker_cpu, 2),
        "client_cpu_s": round(client_cpu, 2),
        "origins_per_wall_s": round(n / wall, 1),
        "worker_cpu_ms_per_origin": round(1000 * worker_cpu / n, 3),
        "peak_rss_mb_per_worker": sorted(round(v) for v in client.run(peak_rss_mb).values()),
        "load_1min": [round(load0, 2), round(os.getloadavg()[0], 2)],
        **{f"tiled_{k}": v for k, v in LAST_TILED_RUN.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=1_000_000)
    ap.add_argument("--per-tile", type=int, default=30, help="origins analysed per tile")
    ap.add_argument("--tile-size", type=int, default=10_000, help="origins per tile")
    ap.add_argument("--radii", default="400,800,1200")
    ap.add_argument("--costs", default="angular,metric")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--out", type=Path, default=HERE / "scale.json")
    ap.add_argument(
        "--memory-only", action="store_true", help="only the tiles vs whole-network pair"
    )
    args = ap.parse_args()

    from networks import generated_city, to_gdf

    from stadsrum.distributed import _quiet_dask_logs, whole_network_bytes
    from stadsrum.network.prepare import prepare_network
    from stadsrum.tiles import segment_points, tile_origins

    radii = [float(r) for r in args.radii.split(",")]
    costs = args.costs.split(",")
    workers = [int(w) for w in args.workers.split(",")]
    record: dict = {
        "command": "python benchmarks/bench_scale.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}",
    }
    t0 = time.perf_counter()
    coords = generated_city(args.segments, seed=42)
    graph = prepare_network(to_gdf(coords, "EPSG:3006"), prepare="none").segment_graph()
    xy = segment_points(graph.geometry)
    n = graph.n_segments
    span = np.ptp(xy, axis=0) / 1000
    record["network"] = {
        "segments": n,
        "transitions": graph.n_transitions,
        "extent_km": [round(float(span[0]), 1), round(float(span[1]), 1)],
        "build_s": round(time.perf_counter() - t0, 1),
    }
    tiles = tile_origins(n, args.tile_size, xy)
    sample = np.zeros(n, dtype=bool)
    for t in tiles:
        step = max(1, len(t) // args.per_tile)
        sample[t[step // 2 :: step][: args.per_tile]] = True
    record["sample"] = {
        "tiles": len(tiles),
        "tile_size": args.tile_size,
        "origins": int(sample.sum()),
    }
    net_b, search_b = whole_network_bytes(n, graph.n_transitions, 3)
    record["whole_network_estimate_gb"] = {
        "network": net_b / 1e9,
        "search_per_thread": search_b / 1e9,
    }
    print(json.dumps(record, indent=1), flush=True)
    arrays = {cost: arrays_for(graph, cost) for cost in costs}
    runs: list[dict] = []

    def emit(entry: dict) -> None:
        print(json.dumps(entry), flush=True)
        runs.append(entry)
        args.out.write_text(json.dumps({**record, "runs": runs}, indent=1) + "\n")

    with _quiet_dask_logs():
        for w in [] if args.memory_only else workers:
            cluster, client = start_cluster(w)
            with cluster, client:
                warm_up(client)
                idle = sorted(round(v) for v in client.run(rss_mb).values())
                for cost in costs:
                    for group in [[r] for r in radii] + [radii]:
                        entry = run_once(
                            client, graph, xy, arrays[cost], group, sample, True, args.tile_size
                        )
                        emit({"workers": w, "cost": cost, "radii": group, "tiles": True,
                              "warm_rss_mb_per_worker": idle, **entry})  # fmt: skip
        # memory, tiles vs the whole network on every worker, each on a fresh cluster
        for tiles_on in (True, False):
            cluster, client = start_cluster(2)
            with cluster, client:
                warm_up(client)
                idle = sorted(round(v) for v in client.run(rss_mb).values())
                entry = run_once(
                    client, graph, xy, arrays["angular"], radii, sample, tiles_on, args.tile_size
                )
                emit({"workers": 2, "cost": "angular", "radii": radii, "tiles": tiles_on,
                      "fresh_cluster": True, "warm_rss_mb_per_worker": idle, **entry})  # fmt: skip


if __name__ == "__main__":
    main()

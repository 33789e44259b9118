"""Benchmark: OD betweenness (issue 16's speed target) beside PST's pstalgo.

Weighted origins (1-40 people each) and weighted destinations (1-5 each) are
random points 2-30 m off random streets of the generated city of
``benchmarks/networks.py``. stadsrum's :func:`stadsrum.betweenness` runs with
1 and 2 threads (and ``--threads`` more), PST's ``ODBetweenness`` (single
core: its multi-core path is compiled out) on the same segments, points and
weights, in the same process one after the other. Run on demand, not in the
tests:

    .venv/bin/python benchmarks/bench_betweenness.py [--segments 100000]
        [--origins 10000] [--destinations 500] [--mode all|closest]
        [--radius n|METRES] [--threads 1,2] [--pst DIR] [--sample 2000]

PST is never built or shipped here: ``--pst DIR`` (or the environment
variable ``STADSRUM_PSTALGO``) names the folder holding an already built
``pstalgo`` Python package (PST's own ctypes wrapper); without one, or when
it does not import, the PST column is left out. Times are wall and CPU
seconds (the process's, all threads) of the analysis alone, numba's
compilation excluded (a small first run). The check compares both tools'
betweenness on a random sample of segments to float32 precision (PST keeps
float32 costs and sums).
"""

from __future__ import annotations

import argparse
import array
import importlib
import json
import math
import os
import sys
import time
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from networks import generated_city, to_gdf

import stadsrum
from stadsrum.network.prepare import prepare_network


class StageClock:
    """A progress reporter that keeps the wall and CPU seconds of the searches alone."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self._t = self._c = 0.0

    def start(self, label: str, total: int) -> None:
        self._t, self._c = time.perf_counter(), time.process_time()

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        self.wall += time.perf_counter() - self._t
        self.cpu += time.process_time() - self._c

    def message(self, text: str) -> None:
        print(f"  {text}")

    def is_cancelled(self) -> bool:
        return False


def points_near_streets(coords: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points 2-30 m to either side of random places along random segments."""
    seg = rng.integers(0, len(coords), n)
    a, b = coords[seg, :2], coords[seg, 2:]
    t = rng.uniform(0.1, 0.9, n)[:, None]
    d = b - a
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    off = rng.uniform(2.0, 30.0, n) * rng.choice([-1.0, 1.0], n)
    return a + t * d + normal * off[:, None]


def load_pst(path: str | None) -> Any:
    """PST's ``pstalgo`` wrapper from ``path`` (or the environment), or None."""
    path = path or os.environ.get("STADSRUM_PSTALGO")
    if not path:
        return None
    sys.path.insert(0, path)
    try:
        return importlib.import_module("pstalgo")
    except Exception as exc:  # a missing or unbuilt library: no PST column
        print(f"PST not available from {path}: {exc}")
        return None


def run_pst(pst: Any, coords, o_xy, o_w, d_xy, d_w, mode: str, radius: float) -> dict:
    """PST's OD betweenness (one call, single core); scores per segment and times."""
    lines = array.array("d", coords.ravel())
    t, c = time.perf_counter(), time.process_time()
    graph = pst.CreateGraph(lines, None, None, array.array("d", d_xy.ravel()), None)
    graph_wall, graph_cpu = time.perf_counter() - t, time.process_time() - c
    out = array.array("f", bytes(4 * len(coords)))
    radii = pst.Radii() if math.isinf(radius) else pst.Radii(walking=radius)
    t, c = time.perf_counter(), time.process_time()
    pst.ODBetweenness(
        graph,
        array.array("d", o_xy.ravel()),
        array.array("f", o_w.astype(np.float32)),
        array.array("f", d_w.astype(np.float32)),
        0 if mode == "all" else 1,
        pst.DistanceType.WALKING,
        radii,
        None,
        out,
    )
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    pst.FreeGraph(graph)
    return {
        "scores": np.frombuffer(out, dtype=np.float32).astype(float),
        "wall_s": wall,
        "cpu_s": cpu,
        "graph_wall_s": graph_wall,
        "graph_cpu_s": graph_cpu,
    }


def compare(ours: np.ndarray, peer: np.ndarray, sample: np.ndarray) -> dict:
    """Agreement on ``sample``: equal to float32 precision, relative to the largest score."""
    a, b = ours[sample], peer[sample]
    scale = max(float(np.abs(ours).max()), 1.0)
    # float32 sums of up to ~10^4 trips: a few float32 ulps of the segment's own
    # value, or of the largest score for sums that cancel nothing (1e-5 of it)
    tol = np.maximum(1e-5 * np.abs(a), 1e-6 * scale) + 1e-6
    close = np.abs(a - b) <= tol
    rel = np.abs(a - b) / np.maximum(np.abs(a), 1e-12)
    return {
        "sampled": len(sample),
        "nonzero_ours": int((a > 0).sum()),
        "nonzero_pst": int((b > 0).sum()),
        "equal": int(close.sum()),
        "max_rel_diff_where_equal": float(rel[close & (a > 0)].max())
        if (close & (a > 0)).any()
        else 0.0,
        "differ": [int(i) for i in sample[~close][:20]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--origins", type=int, default=10_000)
    parser.add_argument("--destinations", type=int, default=500)
    parser.add_argument("--mode", choices=["all", "closest"], default="all")
    parser.add_argument("--radius", default="n", help="walking metres, or n (none)")
    parser.add_argument("--threads", default="1,2", help="comma list of thread counts")
    parser.add_argument("--pst", default=None, help="folder holding PST's pstalgo package")
    parser.add_argument("--sample", type=int, default=2000, help="segments compared")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", default=None, help="write the row here too")
    parser.add_argument("--save", default=None, help="write both tools' scores here (.npz)")
    args = parser.parse_args()
    radius = math.inf if args.radius == "n" else float(args.radius)

    t0 = time.perf_counter()
    coords = generated_city(args.segments)
    net = prepare_network(to_gdf(coords, "EPSG:3006"), prepare="none")
    assert net.n_edges == len(coords), "prepare='none' keeps one edge per segment"
    rng = np.random.default_rng(args.seed)
    o_xy = points_near_streets(coords, args.origins, rng)
    o_w = rng.integers(1, 41, args.origins).astype(float)
    d_xy = points_near_streets(coords, args.destinations, rng)
    d_w = rng.integers(1, 6, args.destinations).astype(float)
    origins = gpd.GeoDataFrame({"w": o_w}, geometry=shapely.points(o_xy), crs=net.crs)
    dests = gpd.GeoDataFrame({"w": d_w}, geometry=shapely.points(d_xy), crs=net.crs)
    print(
        f"network {net.n_edges:,} segments; {len(origins):,} origins, {len(dests):,} "
        f"destinations; mode {args.mode}, radius {args.radius}; built in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    kw = dict(
        origin_weight="w",
        destination_weight="w",
        radii=args.radius,
        cost="metric",
        mode=args.mode,
        max_link=200.0,
    )
    stadsrum.betweenness(net, origins.iloc[:20], dests.iloc[:20], threads=1, **kw)  # compiles

    row: dict[str, Any] = {
        "segments": net.n_edges,
        "origins": args.origins,
        "destinations": args.destinations,
        "mode": args.mode,
        "radius": args.radius,
        "load_before": os.getloadavg(),
    }
    column = None
    ours = None
    for n in (int(x) for x in args.threads.split(",")):
        clock = StageClock()
        t, c = time.perf_counter(), time.process_time()
        res = stadsrum.betweenness(net, origins, dests, threads=n, progress=clock, **kw)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        column = column or next(k for k in res.columns if k.startswith("od_betweenness"))
        values = res[column].to_numpy(float)
        if ours is not None:
            assert np.allclose(values, ours, rtol=1e-9, atol=1e-9), "threads change the result"
        ours = values
        row[f"stadsrum_{n}"] = {
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "searches_wall_s": round(clock.wall, 2),
            "searches_cpu_s": round(clock.cpu, 2),
            "load_after": os.getloadavg(),
        }
        print(
            f"stadsrum, {n} thread(s): wall {wall:.2f} s, CPU {cpu:.2f} s (searches: wall "
            f"{clock.wall:.2f} s, CPU {clock.cpu:.2f} s); load {os.getloadavg()}",
            flush=True,
        )

    pst = load_pst(args.pst)
    if pst is None:
        row["pst"] = None
        print("PST: not run (give --pst DIR or STADSRUM_PSTALGO)")
    else:
        r = run_pst(pst, coords, o_xy, o_w, d_xy, d_w, args.mode, radius)
        row["pst"] = {
            "wall_s": round(r["wall_s"], 2),
            "cpu_s": round(r["cpu_s"], 2),
            "graph_wall_s": round(r["graph_wall_s"], 2),
        }
        print(f"PST, single core: wall {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s", flush=True)
        assert ours is not None
        sample = np.sort(rng.choice(len(ours), min(args.sample, len(ours)), replace=False))
        row["agreement"] = compare(ours, r["scores"], sample)
        if args.save:
            np.savez(args.save, ours=ours, pst=r["scores"], sample=sample)
        print(f"agreement on {len(sample)} sampled segments: {row['agreement']}")
    row["load_after"] = os.getloadavg()
    print(json.dumps(row, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(row, f, indent=1)


if __name__ == "__main__":
    main()

"""Benchmark: people and areas (issue 15's speed target) on the generated city.

Synthetic address points on the generated city of ``benchmarks/networks.py``:
residential streets (a smooth pattern over the city, about half of the
segments) get residents at random places along them, 0-30 m off the street;
each point holds 1-40 people split into the groups with shares that drift
across the city (so that the segregation indices are not zero). Key nodes are
random points in four categories, areas a square grid over the city. All
layers at thresholds 5, 10, 15 min and a 10 min environment, on all cores.
Run on demand, not in the tests:

    .venv/bin/python benchmarks/bench_areas.py [--segments 100000] [--residents 50000]
        [--groups 5] [--nodes 200] [--areas 100] [--threads N]

``--areas 0`` runs without areas (the city is one area, no area-to-area matrix):
every search then stops at 15 minutes. Prints wall time, CPU time (all
threads) and peak memory of the analysis, the time of each stage and the
numba compile time (a first small run, reported apart).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time

import geopandas as gpd
import numpy as np
import shapely
from networks import generated_city, to_gdf

from stadsrum.measures.areas import area_analysis
from stadsrum.network.prepare import prepare_network


class StageClock:
    """A progress reporter that records how long each stage ran (wall seconds)."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._label = ""
        self._t0 = 0.0

    def start(self, label: str, total: int) -> None:
        self._label, self._t0 = label, time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        self.stages[self._label] = self.stages.get(self._label, 0.0) + (
            time.perf_counter() - self._t0
        )

    def message(self, text: str) -> None:
        print(f"  {text}")

    def is_cancelled(self) -> bool:
        return False


def residents(net, n: int, n_groups: int, seed: int) -> gpd.GeoDataFrame:
    """Synthetic address points along the residential half of the streets."""
    rng = np.random.default_rng(seed)
    lines = np.asarray(net.edges.geometry.array)
    mids = shapely.get_coordinates(shapely.line_interpolate_point(lines, 0.5, normalized=True))
    x0, y0 = mids.min(axis=0)
    x1, y1 = mids.max(axis=0)
    u, v = (mids[:, 0] - x0) / (x1 - x0), (mids[:, 1] - y0) / (y1 - y0)
    residential = np.flatnonzero(np.sin(9 * u) * np.cos(7 * v) + 0.3 * np.sin(23 * u * v) > -0.1)
    seg = rng.choice(residential, n)
    on = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[seg], rng.uniform(0.05, 0.95, n), normalized=True)
    )
    xy = on + rng.uniform(-30, 30, (n, 2))
    total = rng.integers(1, 41, n)
    # group shares drift across the city: group k is strongest around its own corner
    pu, pv = u[seg], v[seg]
    angles = 2 * math.pi * np.arange(n_groups) / n_groups
    logits = 2.5 * (
        np.cos(angles)[None, :] * (pu[:, None] - 0.5)
        + np.sin(angles)[None, :] * (pv[:, None] - 0.5)
    )
    shares = np.exp(logits)
    shares /= shares.sum(axis=1, keepdims=True)
    counts = np.array([rng.multinomial(t, s) for t, s in zip(total, shares, strict=True)])
    cols = {f"group{k + 1}": counts[:, k].astype(float) for k in range(n_groups)}
    return gpd.GeoDataFrame(cols, geometry=shapely.points(xy), crs=net.crs)


def key_nodes(net, n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = net.edges.total_bounds
    kinds = np.array(["school", "shop", "health", "transit"])
    xy = rng.uniform([x0, y0], [x1, y1], (n, 2))
    return gpd.GeoDataFrame(
        {"kind": kinds[np.arange(n) % 4]}, geometry=shapely.points(xy), crs=net.crs
    )


def grid_areas(net, n: int) -> gpd.GeoDataFrame:
    k = max(1, round(math.sqrt(n)))
    x0, y0, x1, y1 = net.edges.total_bounds
    bx, by = np.linspace(x0 - 1, x1 + 1, k + 1), np.linspace(y0 - 1, y1 + 1, k + 1)
    boxes = [shapely.box(bx[i], by[j], bx[i + 1], by[j + 1]) for i in range(k) for j in range(k)]
    ids = [f"A{i:02d}{j:02d}" for i in range(k) for j in range(k)]
    return gpd.GeoDataFrame({"area_id": ids}, geometry=boxes, crs=net.crs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--areas", type=int, default=100)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    t0 = time.perf_counter()
    net = prepare_network(to_gdf(generated_city(args.segments), "EPSG:3006"), prepare="none")
    pop = residents(net, args.residents, args.groups, seed=1)
    nodes = key_nodes(net, args.nodes, seed=2)
    areas = grid_areas(net, args.areas) if args.areas else None
    groups = [c for c in pop.columns if c.startswith("group")]
    print(
        f"network {net.n_edges:,} segments, {net.n_nodes:,} junctions; {len(pop):,} resident "
        f"points ({int(pop[groups].to_numpy().sum()):,} people, {len(groups)} groups); "
        f"{len(nodes)} key nodes; {0 if areas is None else len(areas)} areas; "
        f"built in {time.perf_counter() - t0:.1f} s"
    )
    kw = dict(
        groups=groups,
        areas=areas,
        area_id="area_id" if areas is not None else None,
        node_category="kind",
        thresholds=(5, 10, 15),
        environment=(10,),
        threads=args.threads,
    )
    t, c = time.perf_counter(), time.process_time()
    area_analysis(net, pop.iloc[:50], nodes=nodes.iloc[:8], **kw)  # compiles the kernels
    compile_wall, compile_cpu = time.perf_counter() - t, time.process_time() - c

    clock = StageClock()
    t, c = time.perf_counter(), time.process_time()
    result = area_analysis(net, pop, nodes=nodes, progress=clock, **kw)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {
        "segments": net.n_edges,
        "residents": len(pop),
        "groups": len(groups),
        "nodes": len(nodes),
        "areas": 0 if areas is None else len(areas),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": round(peak),
        "stages_wall_s": {k: round(v, 2) for k, v in clock.stages.items()},
        "compile_wall_s": round(compile_wall, 2),
        "compile_cpu_s": round(compile_cpu, 2),
        "rows": {name: len(layer) for name, layer in result.layers.items()},
    }
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()

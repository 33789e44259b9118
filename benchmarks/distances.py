"""Benchmark: place-to-node distances at city scale (issue 5's performance target).

1,000 places x 200 nodes on a generated ~100k-segment network: one search per
node (the smaller side), run on all cores. Run on demand, not in the tests:

    .venv/bin/python benchmarks/distances.py [--segments 100000] [--places 1000] [--nodes 200]
"""

from __future__ import annotations

import argparse
import resource
import time

import geopandas as gpd
import numpy as np
import shapely
from networks import generated_city, to_gdf

from stadsrum.measures.proximity import place_distances
from stadsrum.network.prepare import prepare_network


def random_points(net, n: int, seed: int, column: str) -> gpd.GeoDataFrame:
    """Points 0-30 m off random streets."""
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, net.n_edges, n)
    geoms = np.asarray(net.edges.geometry.array)[edges]
    on = shapely.get_coordinates(
        shapely.line_interpolate_point(geoms, rng.uniform(0.1, 0.9, n), normalized=True)
    )
    off = on + rng.uniform(-30, 30, (n, 2))
    return gpd.GeoDataFrame({column: np.arange(n)}, geometry=shapely.points(off), crs=net.crs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    t0 = time.perf_counter()
    net = prepare_network(to_gdf(generated_city(args.segments), "EPSG:3006"), prepare="none")
    print(f"network: {net.n_edges:,} segments, built in {time.perf_counter() - t0:.1f} s")
    places = random_points(net, args.places, 1, "place_id")
    nodes = random_points(net, args.nodes, 2, "node_id")
    small = place_distances(net, places.iloc[:2], nodes.iloc[:2], routes=True)  # compile
    assert len(small.od) == 4
    for routes in (False, True):
        t, c = time.perf_counter(), time.process_time()
        od = place_distances(net, places, nodes, routes=routes, threads=args.threads).od
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        ok = int((od.status == "ok").sum())
        print(
            f"{args.places} places x {args.nodes} nodes, routes={routes}: "
            f"wall {wall:.1f} s, CPU {cpu:.1f} s, {ok:,} of {len(od):,} pairs with a route"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()

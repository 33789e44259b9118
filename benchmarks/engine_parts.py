"""Benchmark: where the segment kernel's CPU goes, per reached pair (issue 19).

For one network and radius, angular cost with choice, one thread: the whole
``segment_measures`` call in catchment mode and in route mode (and metric cost,
whose one search serves every radius), and inside it
the searches alone, each run over every origin in a compiled loop with the
kernel's own functions and scratch (in the kernel's segment order, the Hilbert
order of :func:`stadsrum.measures.segment._locality_order`):

- the metric catchment search (``kernels.search.segment_catchment``, catchment mode);
- the cost search (``kernels.search.dag_search``, with its route lists): restricted
  to the catchment, or bounded by the route length;
- the rest of the call (route counts, sums and choice, resets, Python) by difference.

Each is given in CPU seconds and in nanoseconds per reached pair (the call's
node counts summed over origins, origin included) and per state the cost search
settled. Run on demand, not in the tests:

    .venv/bin/python benchmarks/engine_parts.py [--segments 100000] [--radius 800]
        [--repeats 2]

Times are the minimum over ``--repeats`` runs of each part, numba's
compilation excluded (a small first run).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from networks import CRS, generated_city, to_gdf

from stadsrum.kernels.search import dag_search, reset_states, segment_catchment
from stadsrum.kernels.segment import segment_scratch
from stadsrum.measures import segment as seg
from stadsrum.network.prepare import prepare_network

MEASURES = ["node_count", "total_depth", "integration", "choice"]


@njit(cache=True)
def _searches(n, radius, indptr, dst, tcost, tlen, sc, catchment, cost_search):
    """Every origin's catchment search and/or cost search; the states settled."""
    settled_states = 0
    for o in range(n):
        k = 0
        if catchment:
            k = segment_catchment(
                o, radius, indptr, dst, tlen, sc.segdist, sc.mseg, sc.touched, sc.hkey, sc.hval
            )
        if cost_search:
            sc.src[0] = 2 * o
            sc.src[1] = 2 * o + 1
            sc.src_cost[0] = 0.0
            sc.src_cost[1] = 0.0
            limit = radius + 1e-9 * (1.0 + radius)
            m, _, _ = dag_search(
                sc.src,
                sc.src_cost,
                sc.src_cost,
                2,
                np.inf if catchment else radius,
                limit if catchment else np.inf,
                sc.segdist,
                indptr,
                dst,
                tcost,
                tlen,
                sc.dist,
                sc.rlen,
                sc.pred,
                sc.settled,
                sc.order,
                sc.hkey,
                sc.hval,
                sc.phead,
                sc.pfrom,
                sc.pnext,
                True,
            )
            settled_states += m
            reset_states(m, sc.order, sc.dist, sc.rlen, sc.pred, sc.settled)
            for i in range(m):
                sc.phead[sc.order[i]] = -1
        for i in range(k):
            sc.segdist[sc.touched[i] >> 1] = np.inf
            sc.mseg[sc.touched[i] >> 1] = np.inf
    return settled_states


def cpu_min(fn, repeats: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeats):
        c0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - c0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--radius", type=float, default=800.0)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)

    graph = prepare_network(to_gdf(generated_city(args.segments), CRS), prepare="none")
    graph = graph.segment_graph()
    n = graph.n_segments
    costs = seg.transition_costs(graph, "angular")
    tlen = seg.transition_lengths(graph)
    indptr, dst = graph.indptr.astype(np.int32), graph.dst.astype(np.int32)
    tcost = costs.tcost
    perm = seg._locality_order(graph)
    if perm is not None:  # the kernel's own segment order
        indptr, dst, moved = seg._renumbered(indptr, dst, perm)
        tcost, tlen = tcost[moved], tlen[moved]
    sc = segment_scratch(len(indptr) - 1, len(dst))
    r = args.radius
    # compile (or load) everything once, on a few origins
    _searches(5, r, indptr, dst, tcost, tlen, sc, True, True)
    _searches(5, r, indptr, dst, tcost, tlen, sc, False, True)
    for mode in ("catchment", "route"):
        seg.segment_measures(graph, cost="angular", radii=[r], radius_mode=mode, threads=1)
    seg.segment_measures(graph, cost="metric", radii=[r], threads=1)

    print(f"city of {n} segments, angular + choice at {r:g} m, one thread, CPU (min of "
          f"{args.repeats}); load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print("| mode | whole call | pairs / origin | catchment search | cost search | "
          "route counts, sums, choice, rest |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for mode in ("catchment", "route", "metric"):
        catchment = mode == "catchment"
        cost = "metric" if mode == "metric" else "angular"
        t_all, res = cpu_min(
            lambda m=mode, c=cost: seg.segment_measures(
                graph,
                cost=c,
                radii=[r],
                radius_mode="route" if m == "route" else "catchment",
                measures=MEASURES,
                threads=1,
            ),
            args.repeats,
        )
        pairs = float(np.nansum(res[f"node_count_{cost}_r{r:g}"]))  # type: ignore[index]
        # metric cost: one search bounded by metres, its cost the metres themselves
        move_cost = tlen if mode == "metric" else tcost
        t_catch = 0.0
        if catchment:
            t_catch, _ = cpu_min(
                lambda: _searches(n, r, indptr, dst, tcost, tlen, sc, True, False), args.repeats
            )
        t_both, states = cpu_min(
            lambda c=catchment, mc=move_cost: _searches(n, r, indptr, dst, mc, tlen, sc, c, True),
            args.repeats,
        )
        t_cost = t_both - t_catch
        t_rest = t_all - t_both

        def cell(t: float, pairs: float = pairs, t_all: float = t_all) -> str:
            return f"{t:.2f} s, {1e9 * t / pairs:.0f} ns/pair ({100 * t / t_all:.0f} %)"

        print(
            f"| {mode} | {t_all:.2f} s, {1e9 * t_all / pairs:.0f} ns/pair | {pairs / n:.0f} | "
            f"{cell(t_catch) if catchment else '–'} | {cell(t_cost)}, "
            f"{1e9 * t_cost / float(states):.0f} ns/state, {float(states) / pairs:.2f} states/pair"
            f" | {cell(t_rest)} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark stadsrum's segment analysis beside cityseer and PST (pstalgo): issue 19's table.

For every network, cost (angular, metric) and case, each tool runs in its own
subprocess per network and cost, so that peak memory (``ru_maxrss``) is its own;
wall time, CPU time (process + children, all threads) and peak memory are
recorded around the compute call only (graph builds are timed apart).

Cases: every radius alone (400, 800, 1200, 2000, n) and the local radii in one
call. stadsrum runs angular cost in catchment mode (its default) and in route
mode (``radius_mode="route"``, the peers' definition); metric cost has one
mode. PST runs Angular Choice alone (it returns node count, total depth and
choice: the ratio is taken against it) with Angular Integration timed beside it
as context, and Reach for metric cost. cityseer runs ``centrality_simplest`` /
``centrality_shortest`` (closeness + betweenness). For every single-radius call
the CPU per reached pair is CPU / sum of node counts (origin included). One case
is then rerun with 1 and with --threads threads, in turn, for thread scaling.

Output: a JSON file and markdown (stdout and the run.py section of
``benchmarks/README.md``): issue 19's goal table (measured, goal, met), CPU
per reached pair, the full table, then one agreement line per comparison of
values that share a definition.

    python benchmarks/run.py --sizes 5k,20k --peers cityseer,pst --threads 2
    python benchmarks/run.py --sizes 5k --radii 400 --no-helsinki \\
        --python cityseer=/tmp/venv/bin/python --readme '' --out /tmp/r.json

This is a benchmark, not a test: nothing fails when a ratio or a value is off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PEERS_DIR = Path(os.environ.get("STADSRUM_PEERS_DIR", "/work/peers"))
MEASURES = ["node_count", "total_depth", "integration", "choice"]
COSTS = ("angular", "metric")
MODES = ("catchment", "route")
README_BEGIN = "<!-- run.py: begin (written by benchmarks/run.py; edit run.py, not this) -->"
README_END = "<!-- run.py: end -->"
# the settings that decide how numba's workers wait: recorded with the results
THREAD_ENV = ("NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY", "OMP_NUM_THREADS")


# --------------------------------------------------------------------------- helpers
def _rusage() -> tuple[float, float]:
    """CPU seconds of this process and its waited-for children, all threads."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime, s.ru_maxrss / 1024.0


class Meter:
    """Wall time, CPU time and the peak-RSS high-water mark around a block."""

    def __enter__(self) -> Meter:
        self.cpu0, self.rss0 = _rusage()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        cpu1, self.peak_mb = _rusage()
        self.cpu = cpu1 - self.cpu0

    def as_dict(self) -> dict[str, float]:
        return {
            "wall_s": self.wall,
            "cpu_s": self.cpu,
            "peak_mb": self.peak_mb,
            "start_peak_mb": self.rss0,
        }


def radius_key(r: float) -> str:
    return "n" if math.isinf(r) else str(int(r))


def parse_radii(text: str) -> list[float]:
    return [math.inf if r.strip().lower() == "n" else float(r) for r in text.split(",") if r]


def parse_pairs(items: list[str], what: str) -> dict[str, str]:
    """``["cityseer=/x/python", "pst=..."]`` (or comma lists) as a dict."""
    out = {}
    for item in items:
        for part in item.split(","):
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not sep or not key or not value:
                raise SystemExit(f"error: {what} '{part}': write TOOL=VALUE, e.g. cityseer=...")
            out[key.strip()] = value.strip()
    return out


def case_tag(case: dict) -> str:
    """Suffix of a case's value keys: '' for catchment alone, '@route', '@group', ..."""
    mode = case.get("mode") or ""
    tag = "" if mode in ("", "catchment") else f"@{mode}"
    return tag + ("@group" if len(case["radii"]) > 1 else "")


def radii_label(radii: list[float]) -> str:
    return ",".join(map(radius_key, radii))


def cases_for(tool: str, cost: str, radii: list[float], modes: list[str]) -> list[dict]:
    """The calls one tool makes on one network and cost: each radius alone, then together."""
    local = [r for r in radii if not math.isinf(r)]
    alone = [[r] for r in radii]
    together = [local] if len(local) > 1 else []
    if tool == "stadsrum":
        tool_modes = modes if cost == "angular" else ["catchment"]  # metric has one mode
        return [{"radii": g, "mode": m} for m in tool_modes for g in alone + together]
    if tool == "cityseer":
        return [{"radii": g, "mode": ""} for g in alone + together]
    if cost == "angular":  # pst: Angular Choice per radius (its route mode)
        return [{"radii": g, "mode": ""} for g in alone]
    return [{"radii": [r], "mode": ""} for r in local]  # PST's Reach needs a radius


# --------------------------------------------------------------------------- workers
def _emit(out: Path, record: dict) -> None:
    with out.open("a") as f:
        f.write(json.dumps(record) + "\n")


def _save(out: Path, ci: int, values: dict[str, Any]) -> None:
    np.savez(out.with_suffix(f".{ci}.npz"), **values)


def _pairs(node_count: np.ndarray) -> float:
    """Reached (origin, segment) pairs: the node counts summed, the origin included."""
    return float(np.nansum(node_count))


def worker_stadsrum(spec: dict, coords: np.ndarray, out: Path) -> None:
    from networks import generated_city, to_gdf

    import stadsrum as sr  # noqa: F401  (import time is not measured)
    from stadsrum.measures.segment import segment_measures
    from stadsrum.network.prepare import prepare_network

    threads = spec["threads"]
    # first call of each mode: numba compiles (or loads its on-disk cache) -- measured apart
    tiny = prepare_network(to_gdf(generated_city(60, seed=1), spec["crs"]), prepare="none")
    with Meter() as m:
        for mode in sorted({c["mode"] for c in spec["cases"]}):
            segment_measures(
                tiny.segment_graph(),
                cost=spec["cost"],
                radii=[400.0, 800.0, math.inf],
                radius_mode=mode,
                measures=MEASURES,
                threads=threads,
            )
    _emit(out, {"event": "compile", **m.as_dict()})
    with Meter() as m:
        graph = prepare_network(to_gdf(coords, spec["crs"]), prepare="none").segment_graph()
    _emit(out, {"event": "graph", **m.as_dict(), "n_segments": graph.n_segments})
    if graph.n_segments != len(coords):
        raise RuntimeError("stadsrum's segment graph does not keep the input lines one to one")
    for ci, case in enumerate(spec["cases"]):
        if ci in spec["skip"]:
            continue
        radii = case["radii"]
        with Meter() as m:
            res = segment_measures(
                graph,
                cost=spec["cost"],
                radii=radii,
                radius_mode=case["mode"],
                measures=MEASURES,
                threads=threads,
            )
        values = {}
        for r in radii:
            tag = f"{spec['cost']}_r{radius_key(r)}"
            for name in MEASURES:
                values[f"{name}_{radius_key(r)}"] = res[f"{name}_{tag}"]
        pairs = {radius_key(r): _pairs(values[f"node_count_{radius_key(r)}"]) for r in radii}
        _emit(out, {"event": "case", "case": ci, **m.as_dict(), "pairs": pairs})
        _save(out, ci, values)


def worker_cityseer(spec: dict, coords: np.ndarray, out: Path) -> None:
    os.environ.setdefault("CITYSEER_QUIET_MODE", "1")
    import logging

    from cityseer import config
    from cityseer.metrics import networks as csn
    from cityseer.tools import graphs, io
    from networks import to_gdf

    logging.getLogger("cityseer").setLevel(logging.WARNING)
    logging.disable(logging.INFO)
    gdf = to_gdf(coords, spec["crs"])
    with Meter() as m:
        g = io.nx_from_generic_geopandas(gdf)
        g = graphs.nx_to_dual(g)
        nodes, _edges, ns = io.network_structure_from_nx(g)
    _emit(out, {"event": "graph", **m.as_dict(), "n_segments": len(nodes)})
    # dual nodes -> input rows, by the end points of each node's primal edge
    key = {tuple(sorted([(r[0], r[1]), (r[2], r[3])])): i for i, r in enumerate(coords.tolist())}
    ends = [tuple(sorted([c[0], c[-1]])) for c in (list(p.coords) for p in nodes["primal_edge"])]
    row = np.array([key.get(e, -1) for e in ends])
    angular = spec["cost"] == "angular"
    span = np.ptp(coords[:, [0, 2]]) + np.ptp(coords[:, [1, 3]])
    big = int(20 * span + 10_000)  # radius n: further than any route in the network
    for ci, case in enumerate(spec["cases"]):
        if ci in spec["skip"]:
            continue
        radii = case["radii"]
        dists = [big if math.isinf(r) else int(r) for r in radii]
        kw = {
            "distances": dists,
            "closeness": {"density": "1", "farness": "c / 90" if angular else "c"},
            "betweenness": {"betweenness": "1"},
            "postprocess": {},
        }
        with Meter() as m:
            if angular:
                res = csn.centrality_simplest(ns, nodes, **kw)
            else:
                res = csn.centrality_shortest(ns, nodes, cycles=False, **kw)
        values = {}
        for r, d in zip(radii, dists, strict=True):
            for name in ("density", "farness", "betweenness"):
                col = res[config.prep_gdf_key(name, d, angular=angular)].to_numpy(np.float64)
                v = np.full(len(coords), np.nan)
                v[row[row >= 0]] = col[row >= 0]
                values[f"{name}_{radius_key(r)}"] = v
        # cityseer's density leaves the origin out: +1 per matched origin, as for the others
        pairs = {radius_key(r): _pairs(values[f"density_{radius_key(r)}"] + 1.0) for r in radii}
        _emit(out, {"event": "case", "case": ci, **m.as_dict(), "pairs": pairs})
        _save(out, ci, values)


def worker_pst(spec: dict, coords: np.ndarray, out: Path) -> None:
    sys.path.insert(0, str(PEERS_DIR))
    import pst_runner

    angular = spec["cost"] == "angular"
    graph = None
    build = getattr(pst_runner, "_seg_graph", None)  # an older runner builds it in every call
    if angular and build is not None:
        # Angular Choice's own time, as stadsrum's, leaves out building the segment graph
        with Meter() as m:
            graph = build(coords)
        _emit(out, {"event": "graph", **m.as_dict(), "n_segments": len(coords)})
    for ci, case in enumerate(spec["cases"]):
        if ci in spec["skip"]:
            continue
        (r,) = case["radii"]
        rad = None if math.isinf(r) else float(r)
        k = radius_key(r)
        values: dict[str, np.ndarray] = {}
        parts: dict[str, dict] = {}
        if angular:
            with Meter() as m:
                ac = pst_runner.angular_choice(coords, radius_m=rad, graph=graph)
            parts["choice"] = m.as_dict()
            with Meter() as m:  # context: integration as its own call (graph built inside)
                ai = pst_runner.angular_integration(coords, radius_m=rad)
            parts["integration"] = m.as_dict()
            values[f"node_count_{k}"] = ai["node_count"]
            values[f"total_depth_{k}"] = ai["total_depth"]
            values[f"choice_{k}"] = ac["choice"]
            values[f"choice_node_count_{k}"] = ac["node_count"]
            values[f"choice_total_depth_{k}"] = ac["total_depth"]
            main, pairs = parts["choice"], {k: _pairs(ac["node_count"])}
        else:
            with Meter() as m:
                re = pst_runner.reach(coords, walking=rad)
            parts["reach"] = m.as_dict()
            values[f"reach_count_{k}"] = re["reached_count"]
            values[f"reach_length_{k}"] = re["reached_length"]
            main, pairs = parts["reach"], {k: _pairs(re["reached_count"])}
        _emit(out, {"event": "case", "case": ci, **main, "parts": parts, "pairs": pairs})
        _save(out, ci, values)
    if graph is not None:
        pst_runner.pstalgo.FreeSegmentGraph(graph)


def worker_compile_cold(spec: dict, out: Path) -> None:
    """Compile time with an empty numba cache (NUMBA_CACHE_DIR set by the parent)."""
    from networks import generated_city, to_gdf

    from stadsrum.measures.segment import segment_measures
    from stadsrum.network.prepare import prepare_network

    tiny = prepare_network(to_gdf(generated_city(60, seed=1), spec["crs"]), prepare="none")
    for cost in COSTS:
        with Meter() as m:
            segment_measures(
                tiny.segment_graph(), cost=cost, radii=[400.0, math.inf], measures=MEASURES
            )
        _emit(out, {"event": "compile_cold", "cost": cost, **m.as_dict()})


WORKERS = {"stadsrum": worker_stadsrum, "cityseer": worker_cityseer, "pst": worker_pst}


def worker_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    out = Path(spec["out"])
    if spec["tool"] == "compile_cold":
        worker_compile_cold(spec, out)
        return
    coords = np.load(spec["coords"])
    for case in spec["cases"]:
        case["radii"] = [float(r) for r in case["radii"]]  # "inf" -> inf
    spec["skip"] = set(spec["skip"])
    WORKERS[spec["tool"]](spec, coords, out)


# --------------------------------------------------------------------------- parent
def interpreter(tool: str, pythons: dict[str, str]) -> str:
    return pythons.get(tool, sys.executable)


def _probe(py: str, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    return subprocess.run([py, "-c", code], capture_output=True, text=True, check=False, env=env)


def tool_available(tool: str, py: str) -> str | None:
    """None when the tool can run under ``py``, else why not."""
    if tool == "cityseer":
        probe = "import cityseer, geopandas"
    elif tool == "pst":
        probe = f"import sys; sys.path.insert(0, {str(PEERS_DIR)!r}); import pst_runner"
    else:
        return None
    try:
        r = _probe(py, probe)
    except OSError as exc:
        return f"cannot run {py}: {exc}"
    if r.returncode:
        return (r.stderr.strip().splitlines() or ["not importable"])[-1][:120]
    return None


def tool_version(tool: str, py: str) -> str:
    where = "" if py == sys.executable else f" under {py}"
    if tool == "pst":
        code = (
            f"import sys; sys.path.insert(0, {str(PEERS_DIR)!r}); import pst_runner; "
            "print(pst_runner.pstalgo.__file__)"
        )
        r = _probe(py, code)
        lib = Path(r.stdout.strip()).resolve().parents[2] if r.returncode == 0 else None
        head = ""
        if lib is not None:
            head = subprocess.run(
                ["git", "-C", str(lib), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        built = f" at {lib}" if lib else ""
        return f"pstalgo (PST {head or 'local build'}{built}, C++)"
    code = f"from importlib.metadata import version; print(version({tool!r}))"
    r = _probe(py, code)
    found = r.stdout.strip() if r.returncode == 0 else "(not installed)"
    return f"{tool} {found}{where}"


def run_worker(spec: dict, workdir: Path, timeout: float, py: str) -> tuple[list[dict], str]:
    """Run one worker; returns its records and a note ('' or why it stopped)."""
    spec_path = workdir / f"{spec['name']}.spec.json"
    out = Path(spec["out"])
    out.unlink(missing_ok=True)
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ)
    env.update(spec.get("env", {}))
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    cmd = [py, str(Path(__file__).resolve()), "--worker", str(spec_path)]
    note = ""
    try:
        r = subprocess.run(cmd, env=env, timeout=timeout, capture_output=True, text=True)
        if r.returncode:
            tail = (r.stderr.strip().splitlines() or ["?"])[-1]
            note = f"failed: {tail[:160]}"
    except subprocess.TimeoutExpired:
        note = f"stopped after {timeout:.0f} s time box"
    records = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
    return records, note


def predict(history: dict, family: str, key: tuple, radii: list[float], n: int) -> float | None:
    """Seconds a case should take, from the same tool's time on a smaller network."""
    best = None
    for (f, k, n0), secs in history.items():
        if f == family and k == key and n0 < n:
            power = 2.0 if math.isinf(radii[-1]) else 1.1  # radius n is quadratic
            est = secs * (n / n0) ** power
            if best is None or n0 > best[0]:
                best = (n0, est)
    return None if best is None else best[1]


def count_crossings(coords: np.ndarray) -> int:
    """Pairs of segments that cross without a junction (bridges, tunnels)."""
    import shapely

    lines = shapely.linestrings(coords.reshape(-1, 2, 2))
    a, b = shapely.STRtree(lines).query(lines, predicate="crosses")
    return int((a < b).sum())


def agreement(
    name: str, cost: str, radii: list[float], vals: dict, crossings: int = 0
) -> list[str]:
    """One line per comparison of values that share a definition."""
    lines: list[str] = []
    s = vals.get("stadsrum")
    if s is None:
        return lines

    def q(a: np.ndarray, p: float) -> float:
        return float(np.percentile(a, p)) if len(a) else math.nan

    def rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(a - b) / np.maximum(np.abs(b), 1e-12)

    def ours(k: str, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """node count, total depth, choice of one mode: alone, else from the call of all radii."""
        for t in (tag, tag + "@group"):
            if f"node_count_{k}{t}" in s:
                return s[f"node_count_{k}{t}"], s[f"total_depth_{k}{t}"], s[f"choice_{k}{t}"]
        return None

    p = vals.get("pst")
    c = vals.get("cityseer")
    for r in radii:
        k = radius_key(r)
        both = [("", "catchment")] + ([("@route", "route")] if cost == "angular" else [])
        for tag, mode in both:
            got = ours(k, tag)
            if got is None:
                continue
            nc, td, ch = got
            label = "" if not tag else f" {mode} mode"
            if p is not None and cost == "metric" and f"reach_count_{k}" in p:
                eq = np.mean(p[f"reach_count_{k}"] == nc)
                lines.append(
                    f"{name} metric r{k}: node_count = PST Reach count for {eq:.2%} of segments"
                    + (
                        f" (PST's Reach joins the {crossings} crossings without a junction)"
                        if crossings
                        else ""
                    )
                )
            if p is not None and cost == "angular" and f"node_count_{k}" in p:
                eq = np.mean(p[f"node_count_{k}"] == nc)
                ok = (nc > 1) & (p[f"node_count_{k}"] == nc)
                d = rel(p[f"total_depth_{k}"][ok], td[ok])
                big = ch > np.percentile(ch, 50)
                cc = np.corrcoef(p[f"choice_{k}"], ch)[0, 1]
                cr = np.median(p[f"choice_{k}"][big] / ch[big]) if big.any() else np.nan
                note = ""
                if not math.isinf(r):
                    note = f" [radius: stadsrum {mode}, PST route]"
                lines.append(
                    f"{name} angular r{k}{label} vs PST: node_count equal {eq:.2%}; total_depth "
                    f"rel. diff median {q(d, 50):.2e} p99 {q(d, 99):.2e} max {q(d, 100):.2e} "
                    f"(PST rounds turns to 1°); choice corr {cc:.4f}, median PST/ours "
                    f"(top half) {cr:.3f}{note}"
                )
            if c is not None and f"density_{k}" in c:
                dens = c[f"density_{k}"] + 1.0  # cityseer leaves the origin out
                found = np.isfinite(dens)
                eq = np.mean(dens[found] == nc[found])
                ok = found & (dens == nc) & (nc > 1)
                d = rel(c[f"farness_{k}"][ok], td[ok])
                cb = c[f"betweenness_{k}"]
                cc = np.corrcoef(np.nan_to_num(cb), ch)[0, 1]
                big = found & (ch > np.percentile(ch, 50))
                cr = np.median(cb[big] / ch[big]) if big.any() else np.nan
                lines.append(
                    f"{name} {cost} r{k}{label} vs cityseer: matched {found.mean():.2%} of "
                    f"segments; node_count equal {eq:.2%}; total_depth rel. diff median "
                    f"{q(d, 50):.2e} max {q(d, 100):.2e};"
                    f" choice corr {cc:.4f}, median cityseer/ours (top half) {cr:.3f} (cityseer"
                    " counts each pair once: 0.5 expected)"
                )
    # the call of all local radii should give each radius's values alone (cityseer's
    # need not: one search pruned at the largest distance may find other simplest routes)
    checks = [("stadsrum", "", " catchment mode"), ("stadsrum", "@route", " route mode")]
    checks += [("cityseer", "", " (cityseer)")]
    names = {"stadsrum": ("node_count", "total_depth", "choice")}
    names["cityseer"] = ("density", "farness", "betweenness")
    for tool, tag, label in checks:
        got, diffs, differ = vals.get(tool, {}), [], []
        for r in radii:
            k = radius_key(r)
            for m in names[tool]:
                a, b = got.get(f"{m}_{k}{tag}"), got.get(f"{m}_{k}{tag}@group")
                if a is not None and b is not None:
                    ok = np.isfinite(a) & np.isfinite(b)  # cityseer: NaN where unmatched
                    d = rel(b[ok], a[ok])
                    diffs.append(float(np.max(d, initial=0.0)))
                    differ.append(f"{m} r{k} {np.mean(d > 1e-9):.1%}")
        if diffs:
            lines.append(
                f"{name} {cost}{label if cost == 'angular' or tool != 'stadsrum' else ''}: "
                f"local radii in one call vs each radius alone, max rel. diff {max(diffs):.1e}"
                + ("" if max(diffs) <= 1e-9 else "; segments that differ: " + ", ".join(differ))
            )
    return lines


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def thread_scaling(args, results: dict, workdir: Path) -> None:
    """One stadsrum case with 1 thread and with --threads threads, in turn (A B A B ...)."""
    import networks as nets

    net, cost, radius, mode = args.scaling.split(":")
    coords, crs = nets.network(net)
    cpath = workdir / f"scaling.{net}.npy"
    np.save(cpath, coords)
    runs: dict[int, list[dict]] = {1: [], args.threads: []}
    print(f"\n== thread scaling: {args.scaling}, 1 vs {args.threads} threads", flush=True)
    for rep in range(args.scaling_repeats):
        for threads in (1, args.threads):
            name = f"scaling.{rep}.{threads}"
            spec = {
                "name": name,
                "tool": "stadsrum",
                "coords": str(cpath),
                "crs": crs,
                "cost": cost,
                "cases": [{"radii": [float(parse_radii(radius)[0])], "mode": mode}],
                "skip": [],
                "threads": threads,
                "out": str(workdir / f"{name}.jsonl"),
            }
            recs, note = run_worker(spec, workdir, args.time_box + 600, sys.executable)
            case = [r for r in recs if r["event"] == "case"]
            if not case:
                results["scaling"] = {"case": args.scaling, "note": note or "not run"}
                return
            runs[threads].append(case[0])
            print(
                f"  {threads} thread(s): wall {case[0]['wall_s']:.2f} s, "
                f"CPU {case[0]['cpu_s']:.2f} s",
                flush=True,
            )
    one, many = runs[1], runs[args.threads]
    results["scaling"] = {
        "case": args.scaling,
        "segments": len(coords),
        "threads": args.threads,
        "runs": {"1": one, str(args.threads): many},
        "cpu_ratio": statistics.median(
            b["cpu_s"] / a["cpu_s"] for a, b in zip(one, many, strict=True)
        ),
        "wall_speedup": statistics.median(
            a["wall_s"] / b["wall_s"] for a, b in zip(one, many, strict=True)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument(
        "--sizes",
        default="5k,20k",
        help="generated-city sizes among 5k,20k,100k (default 5k,20k); 'helsinki' adds the sample",
    )
    ap.add_argument("--no-helsinki", action="store_true", help="leave out the sample city")
    ap.add_argument(
        "--radii", default="400,800,1200,2000,n", help="each alone, local ones together"
    )
    ap.add_argument("--costs", default="angular,metric")
    ap.add_argument(
        "--modes",
        default="catchment,route",
        help="stadsrum's radius modes for angular cost (metric cost has one mode)",
    )
    ap.add_argument("--peers", default="cityseer,pst", help="comma list, '' for none")
    ap.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="TOOL=PATH",
        help="interpreter for a peer's worker, e.g. cityseer=/tmp/venv/bin/python\n"
        "(default: this one; stadsrum always runs under this one)",
    )
    ap.add_argument("--threads", type=int, default=2, help="threads for stadsrum (default 2)")
    ap.add_argument("--out", default=str(HERE / "results.json"), help="results as JSON")
    ap.add_argument(
        "--readme",
        default=str(HERE / "README.md"),
        help="'' to skip writing it; only the run.py section is replaced",
    )
    ap.add_argument(
        "--append", action="store_true", help="add this run's table to the README, keep the rest"
    )
    ap.add_argument(
        "--time-box",
        type=float,
        default=900.0,
        help="seconds one tool may spend on one call; predicted overruns are skipped",
    )
    ap.add_argument(
        "--max-n-segments",
        type=int,
        default=30_000,
        help="no radius n above this many segments (too slow for everyone on 2 cores)",
    )
    ap.add_argument(
        "--max-segments",
        action="append",
        default=[],
        metavar="TOOL=N",
        help="run TOOL only on networks of at most N segments, e.g. cityseer=30000\n"
        "(cityseer's local calls grow quadratically at 100k)",
    )
    ap.add_argument(
        "--max-reach-segments",
        type=int,
        default=30_000,
        help="PST Reach (metric context, not in the goal table) only up to this size",
    )
    ap.add_argument(
        "--scaling",
        default="city20k:angular:800:catchment",
        help="NETWORK:COST:RADIUS:MODE run with 1 and --threads threads; '' to skip",
    )
    ap.add_argument("--scaling-repeats", type=int, default=2, help="pairs of thread-scaling runs")
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return 0

    argv_used = sys.argv[1:] if argv is None else argv
    command = "python benchmarks/run.py " + shlex.join(argv_used)
    radii = parse_radii(args.radii)
    costs = [c for c in args.costs.split(",") if c]
    modes = [m for m in args.modes.split(",") if m]
    if bad := [m for m in modes if m not in MODES]:
        raise SystemExit(f"error: --modes {','.join(bad)}: choose among {','.join(MODES)}")
    if args.scaling:
        parts = args.scaling.split(":")
        if len(parts) != 4 or parts[1] not in COSTS or parts[3] not in MODES:
            raise SystemExit(
                f"error: --scaling '{args.scaling}': write NETWORK:COST:RADIUS:MODE, e.g. "
                "city20k:angular:800:catchment, or '' to skip it"
            )
    peers = [p for p in args.peers.split(",") if p]
    pythons = parse_pairs(args.python, "--python")
    limits = {t: int(v) for t, v in parse_pairs(args.max_segments, "--max-segments").items()}
    tools = ["stadsrum", *peers]
    unavailable = {t: why for t in peers if (why := tool_available(t, interpreter(t, pythons)))}
    networks_wanted = [f"city{s}" for s in args.sizes.split(",") if s and s != "helsinki"]
    networks_wanted += [] if args.no_helsinki else ["helsinki"]

    import networks as nets

    workdir = Path(tempfile.mkdtemp(prefix="stadsrum-bench-"))
    results: dict = {
        "command": command,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_start": loadavg(),
            "env": {k: os.environ[k] for k in THREAD_ENV if k in os.environ},
        },
        "versions": {t: tool_version(t, interpreter(t, pythons)) for t in tools},
        "threads": args.threads,
        "radii": [radius_key(r) for r in radii],
        "modes": modes,
        "costs": costs,
        "unavailable": unavailable,
        "compile": {},
        "networks": {},
        "rows": [],
        "agreement": [],
    }
    import numba

    results["versions"]["stadsrum"] += f" (numba {numba.__version__})"

    # compile time with an empty cache, once
    cold = workdir / "cold.jsonl"
    spec: dict[str, Any] = {"name": "cold", "tool": "compile_cold", "out": str(cold)}
    spec["crs"] = nets.CRS
    spec["env"] = {"NUMBA_CACHE_DIR": str(workdir / "numba-cache")}
    recs, note = run_worker(spec, workdir, 1800, sys.executable)
    results["compile"]["cold"] = {r["cost"]: r["wall_s"] for r in recs}  # 2nd: reuses kernels
    results["compile"]["cold_note"] = note
    print(f"numba compile, empty cache: {results['compile']['cold']} {note}", flush=True)

    history: dict = {}
    for name in networks_wanted:
        coords, crs = nets.network(name)
        n = len(coords)
        family = "city" if name.startswith("city") else name
        crossings = count_crossings(coords)
        cpath = workdir / f"{name}.npy"
        np.save(cpath, coords)
        results["networks"][name] = {"segments": n, "crs": crs, "crossings": crossings}
        print(f"\n== {name}: {n} segments", flush=True)
        for cost in costs:
            values: dict[str, dict[str, np.ndarray]] = {}
            for tool in tools:
                if tool in unavailable:
                    continue
                cases = cases_for(tool, cost, radii, modes)
                skip, notes = [], {}
                for ci, case in enumerate(cases):
                    g = case["radii"]
                    key = (tool, cost, case["mode"], tuple(g))
                    if tool in limits and n > limits[tool]:
                        skip.append(ci)
                        notes[ci] = f"{tool} not run above {limits[tool]} segments"
                    elif tool == "pst" and cost == "metric" and n > args.max_reach_segments:
                        skip.append(ci)
                        notes[ci] = f"PST Reach not run above {args.max_reach_segments} segments"
                    elif math.isinf(g[-1]) and n > args.max_n_segments:
                        skip.append(ci)
                        notes[ci] = f"radius n not run above {args.max_n_segments} segments"
                    elif (est := predict(history, family, key, g, n)) and est > args.time_box:
                        skip.append(ci)
                        notes[ci] = f"skipped: predicted {est:.0f} s > {args.time_box:.0f} s box"
                if not cases or len(skip) == len(cases):
                    for ci, case in enumerate(cases):
                        results["rows"].append(_row(name, cost, tool, case, {"note": notes[ci]}))
                    continue
                out = workdir / f"{name}.{cost}.{tool}.jsonl"
                spec = {
                    "name": f"{name}.{cost}.{tool}",
                    "tool": tool,
                    "coords": str(cpath),
                    "crs": crs,
                    "cost": cost,
                    "cases": cases,
                    "skip": skip,
                    "threads": args.threads,
                    "out": str(out),
                }
                timeout = args.time_box * (len(cases) - len(skip)) + 600
                t0 = time.perf_counter()
                recs, note = run_worker(spec, workdir, timeout, interpreter(tool, pythons))
                print(f"  {cost:8s} {tool:9s} {time.perf_counter() - t0:7.1f} s {note}", flush=True)
                vals: dict[str, np.ndarray] = {}
                done = set()
                for rec in recs:
                    if rec["event"] == "compile":
                        results["compile"].setdefault(cost, {})[name] = rec["wall_s"]
                    elif rec["event"] == "graph":
                        results["rows"].append(
                            {"network": name, "cost": cost, "tool": tool, "mode": ""}
                            | {"radii": "graph", **rec}
                        )
                    elif rec["event"] == "case":
                        ci = rec["case"]
                        done.add(ci)
                        case = cases[ci]
                        key = (tool, cost, case["mode"], tuple(case["radii"]))
                        history[(family, key, n)] = rec["wall_s"]
                        results["rows"].append(_row(name, cost, tool, case, rec))
                        f = out.with_suffix(f".{ci}.npz")
                        if f.exists():
                            tag = case_tag(case)
                            with np.load(f) as z:
                                vals.update({k + tag: z[k] for k in z.files})
                for ci, case in enumerate(cases):
                    if ci not in done:
                        why = notes.get(ci) or note or "not run"
                        results["rows"].append(_row(name, cost, tool, case, {"note": why}))
                if vals:
                    values[tool] = vals
            try:
                lines = agreement(name, cost, radii, values, crossings)
            except Exception as exc:  # a benchmark: report, do not lose the timings
                lines = [f"{name} {cost}: agreement check failed: {exc!r}"]
            for line in lines:
                print("  agree: " + line, flush=True)
            results["agreement"] += lines
            Path(args.out).write_text(json.dumps(results, indent=1))
        if args.readme and not args.append:  # after every network: a stopped run leaves its table
            write_readme(Path(args.readme), results, markdown(results, tools, unavailable))

    if args.scaling and args.threads > 1:
        thread_scaling(args, results, workdir)
    results["machine"]["load_end"] = loadavg()
    table = markdown(results, tools, unavailable)
    print("\n" + table)
    Path(args.out).write_text(json.dumps(results, indent=1))
    if args.readme:
        write_readme(Path(args.readme), results, table, append=args.append)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _row(net: str, cost: str, tool: str, case: dict, rec: dict) -> dict:
    """A result row: the call (network, cost, tool, mode, radii) and its record."""
    rec = {k: v for k, v in rec.items() if k not in ("event", "case")}
    return {
        "network": net,
        "cost": cost,
        "tool": tool,
        "mode": case["mode"] or "",
        "radii": radii_label(case["radii"]),
        **rec,
    }


# --------------------------------------------------------------------------- markdown
class Rows:
    """Look-ups in the result rows."""

    def __init__(self, results: dict) -> None:
        self.rows = results["rows"]

    def get(self, net: str, cost: str, tool: str, radii: str, mode: str = "") -> dict | None:
        for r in self.rows:
            if (r["network"], r["cost"], r["tool"], r["radii"]) == (net, cost, tool, radii) and (
                tool != "stadsrum" or radii == "graph" or r["mode"] == (mode or "catchment")
            ):
                return r
        return None

    def cpu(self, *key: str) -> float | None:
        r = self.get(*key)
        return r["cpu_s"] if r is not None and "cpu_s" in r else None

    def ns_per_pair(self, *key: str) -> float | None:
        r = self.get(*key)
        if r is None or "cpu_s" not in r or not r.get("pairs"):
            return None
        pairs = sum(r["pairs"].values())
        return 1e9 * r["cpu_s"] / pairs if pairs else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _goal_row(
    what: str, net: str, cells: list[tuple[str, float | None]], goal: str, unit: str = "×"
) -> str:
    """One goal row: the values (in radius order), the goal, and met (or where not)."""
    limit = float(goal.split()[-1].rstrip("×"))
    above = goal.startswith("≥")

    def show(v: float | None) -> str:
        return "–" if v is None else f"{v:.0f} ns" if unit == "ns" else f"{v:.2f}{unit}"

    if len(cells) == 1:
        shown = f"{cells[0][0]}: {show(cells[0][1])}"
    else:
        shown = " / ".join(show(v) for _, v in cells)
    measured = [(k, v) for k, v in cells if v is not None]
    if not measured:
        met = "–"
    else:
        missed = [k for k, v in measured if (v < limit if above else v > limit)]
        met = "yes" if not missed else "no (" + ", ".join(missed) + ")"
        if len(measured) < len(cells):
            met += ", not all measured"
    return f"| {what} | {net} | {shown} | {goal} | {met} |"


def goal_table(results: dict) -> str:
    """Issue 19's goals, one row per goal and network, the ratios on CPU seconds."""
    rows = Rows(results)
    keys = results["radii"]
    local = [k for k in keys if k != "n"]
    group = ",".join(local)
    nets = [n for n in results["networks"] if n.startswith("city")] or list(results["networks"])
    costs = results.get("costs", COSTS)
    modes = results.get("modes", list(MODES)) if "angular" in costs else []
    out = [
        f"| goal (issue 19), on CPU | network | measured (r {' / '.join(keys)}) | goal | met |",
        "|---|---|---|---|---|",
    ]

    def per_radius(net: str, cost: str, num: tuple, den: tuple) -> list[tuple[str, float | None]]:
        """CPU of (tool, mode) over (tool, mode) at every radius alone."""
        return [
            (
                k,
                _ratio(
                    rows.cpu(net, cost, num[0], k, num[1]), rows.cpu(net, cost, den[0], k, den[1])
                ),
            )
            for k in keys
        ]

    if "route" in modes:
        for net in nets:
            cells = per_radius(net, "angular", ("stadsrum", "route"), ("pst", ""))
            what = "angular + choice: stadsrum route / PST Angular Choice"
            out.append(_goal_row(what, net, cells, "≤ 1.00×"))
    if "route" in modes and "catchment" in modes:
        for net in nets:
            cells = per_radius(net, "angular", ("stadsrum", "catchment"), ("stadsrum", "route"))
            out.append(_goal_row("angular + choice: catchment / route mode", net, cells, "≤ 1.25×"))
    if len(local) > 1:
        for net in nets:
            for mode in modes:
                r = _ratio(
                    rows.cpu(net, "angular", "stadsrum", group, mode),
                    rows.cpu(net, "angular", "stadsrum", local[-1], mode),
                )
                what = f"angular, {mode}: radii {group} in one call / {local[-1]} alone"
                out.append(_goal_row(what, net, [(group, r)], "≤ 1.15×"))
    for net in nets if "metric" in costs else []:
        cells = per_radius(net, "metric", ("stadsrum", ""), ("cityseer", ""))
        what = "metric closeness + betweenness: stadsrum / cityseer"
        out.append(_goal_row(what, net, cells, "≤ 0.67×"))
    if "800" in keys:
        for net in nets:
            for mode in modes:
                ns = rows.ns_per_pair(net, "angular", "stadsrum", "800", mode)
                what = f"CPU per reached pair, angular + choice 800 m, {mode}"
                what += "" if net == "city100k" else " (goal set for city100k)"
                out.append(_goal_row(what, net, [("800", ns)], "≤ 200", unit="ns"))
    sc = results.get("scaling")
    if sc and "cpu_ratio" in sc:
        case, vs = sc["case"], f"1 vs {sc['threads']}"
        what = f"CPU of {sc['threads']} threads / 1 thread"
        out.append(_goal_row(what, case, [(vs, sc["cpu_ratio"])], "≤ 1.05×"))
        what = f"wall speedup of {sc['threads']} threads over 1 (goal on a quiet machine)"
        out.append(_goal_row(what, case, [(vs, sc["wall_speedup"])], "≥ 1.85×"))
    elif sc:
        out.append(f"| thread scaling | {sc['case']} | {sc.get('note', '–')} | – | – |")
    out.append(
        "| validation suite (oracle, depthmapX, PST fixtures, hypothesis) stays green | – | "
        "not measured here: run the tests | same tolerances | – |"
    )
    return "\n".join(out)


def pairs_table(results: dict, tools: list[str]) -> str:
    """CPU nanoseconds per reached (origin, segment) pair, every single-radius call."""
    rows = Rows(results)
    cols: list[tuple[str, tuple[str, str, str]]] = []
    for mode in results.get("modes", list(MODES)):
        cols.append((f"stadsrum {mode}", ("angular", "stadsrum", mode)))
    if "pst" in tools:
        cols.append(("PST Angular Choice", ("angular", "pst", "")))
    if "cityseer" in tools:
        cols.append(("cityseer simplest", ("angular", "cityseer", "")))
    cols.append(("stadsrum metric", ("metric", "stadsrum", "")))
    if "cityseer" in tools:
        cols.append(("cityseer shortest", ("metric", "cityseer", "")))
    body = []
    for net in results["networks"]:
        for k in results["radii"]:
            cells = [rows.ns_per_pair(net, cost, tool, k, mode) for _, (cost, tool, mode) in cols]
            if any(c is not None for c in cells):
                body.append((net, k, cells))
    # a column no call filled (a tool not run or not available) is left out
    keep = [i for i in range(len(cols)) if any(cells[i] is not None for *_, cells in body)]
    out = [
        "| network | radius | " + " | ".join(cols[i][0] for i in keep) + " |",
        "|" + "---|" * (2 + len(keep)),
    ]
    for net, k, cells in body:
        shown = ["–" if cells[i] is None else f"{cells[i]:.0f}" for i in keep]
        out.append(f"| {net} | {k} | " + " | ".join(shown) + " |")
    return "\n".join(out)


def full_table(results: dict, tools: list[str], unavailable: dict) -> str:
    rows = Rows(results)
    peers = [t for t in tools if t != "stadsrum"]
    modes = results.get("modes", list(MODES))
    head = ["network", "segments", "cost", "radii"]
    head += [f"stadsrum {m} wall / CPU s, peak MB" for m in modes]
    head += [f"{p} wall / CPU s, peak MB" for p in peers]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cell(r: dict | None) -> str:
        if r is None:
            return "–"
        if "wall_s" not in r:
            return r.get("note", "–")
        return f"{fmt_s(r['wall_s'])} / {fmt_s(r['cpu_s'])}, {r['peak_mb']:.0f}"

    for net, info in results["networks"].items():
        for cost in COSTS:
            radii_seen: list[str] = []
            for r in rows.rows:
                if r["network"] == net and r["cost"] == cost and r["radii"] not in radii_seen:
                    radii_seen.append(r["radii"])
            for radii in radii_seen:
                cells = [net, str(info["segments"]), cost, radii]
                for m in modes:
                    if cost == "metric" and m != modes[0]:
                        cells.append("(metric: one mode)")
                    elif radii == "graph" and m != modes[0]:
                        cells.append("(the same graph)")
                    else:
                        cells.append(cell(rows.get(net, cost, "stadsrum", radii, m)))
                for p in peers:
                    if p in unavailable:
                        cells.append(f"not available ({unavailable[p][:60]})")
                        continue
                    r = rows.get(net, cost, p, radii)
                    c = cell(r)
                    parts = (r or {}).get("parts", {})
                    if "reach" in parts:
                        c += " (Reach: node count only)"
                    elif "choice" in parts:
                        ai = parts["integration"]
                        c += f" (AC alone; AI as its own call {fmt_s(ai['cpu_s'])} CPU s)"
                    elif p == "pst" and cost == "metric" and radii == "n":
                        c = "PST's Reach needs a finite radius"
                    cells.append(c)
                out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def markdown(results: dict, tools: list[str], unavailable: dict) -> str:
    lines = [
        "Goal table (issue 19): ratios of CPU seconds of the compute call, same run; each "
        "value is listed in radius order.",
        "",
        goal_table(results),
        "",
    ]
    if results["networks"]:
        lines += [
            "CPU nanoseconds per reached pair (CPU of the call / sum of node counts over "
            "origins, origin included; each tool its own count; each radius alone):",
            "",
            pairs_table(results, tools),
            "",
            "All calls:",
            "",
            full_table(results, tools, unavailable),
            "",
        ]
    comp = results["compile"]
    cold = comp.get("cold", {})
    warm = [(cost, v) for cost, v in comp.items() if cost in COSTS and v]
    if cold and warm:
        lines.append(
            "numba compile time with an empty cache (tiny network, first call in a fresh process): "
            + f"{sum(cold.values()):.1f} s for both costs"
            + "; with the on-disk cache (first call in a fresh process, every mode): "
            + ", ".join(f"{cost} {min(v.values()):.1f}–{max(v.values()):.1f} s" for cost, v in warm)
            + ". Neither is included in the times above."
        )
    sc = results.get("scaling")
    if sc and "runs" in sc:
        one, many = sc["runs"]["1"], sc["runs"][str(sc["threads"])]
        lines += [
            "",
            f"Thread scaling, {sc['case']} ({sc['segments']} segments), separate processes in "
            "turn: 1 thread "
            + ", ".join(f"{fmt_s(r['wall_s'])} / {fmt_s(r['cpu_s'])}" for r in one)
            + f"; {sc['threads']} threads "
            + ", ".join(f"{fmt_s(r['wall_s'])} / {fmt_s(r['cpu_s'])}" for r in many)
            + " (wall / CPU s); medians of the pairs above.",
        ]
    if results["agreement"]:
        lines += ["", "Agreement of values (where the definitions agree):", ""]
        lines += [f"- {a}" for a in results["agreement"]]
    return "\n".join(lines)


INTRO = """# Segment-analysis benchmark

{begin}
`benchmarks/run.py` times stadsrum's segment analysis (node count, total depth,
integration and choice; angular and metric cost) beside cityseer and PST's pstalgo on the
same networks, each tool in its own subprocess per network and cost (wall time, CPU time
of the process and its threads, peak RSS of that process: Python, libraries and data
included). Only the compute call is timed; graph builds are the `graph` rows.
`benchmarks/networks.py` builds the networks: the sample city split at every vertex, and
a seeded generated city (perturbed grid, two diagonal avenues, a river crossed by a few
bridges, a railway with a few level crossings) of about 5k, 20k and 100k straight
segments. Every tool gets the same straight 2-point segments, joined only at identical
end points.

The calls: every radius alone, and the local radii (400, 800, 1200, 2000 m) in one call.
stadsrum runs angular cost in catchment mode (its default: a segment counts when it lies
within the radius of the origin) and in route mode (`radius_mode="route"`: the radius is
carried along the least-angle route, as PST and cityseer do); metric cost has one mode.
PST runs Angular Choice alone per radius: it returns node count, total depth and choice,
all that stadsrum computes, so the ratio is taken against it (its segment graph built
once, apart); Angular Integration is timed beside it as its own call, as context only.
PST has no metric integration or choice: its metric rows are Reach (node count), for the
agreement lines, not a ratio. cityseer runs `centrality_simplest` / `centrality_shortest`
on its dual graph (closeness density + farness and betweenness) and prunes at the largest
radius of a call (so its values at the smaller radii of such a call need not be those of
each radius alone: an agreement line compares them, as it does for stadsrum's).
CPU per reached pair divides a call's CPU by the sum of its node counts
over all origins (the origin included; each tool its own count, so route and catchment
mode differ). Thread scaling reruns one stadsrum case with 1 and {threads} threads in
separate processes, in turn. Ratios are on CPU seconds, all from the same run: on a busy
machine compare ratios, not seconds.

- Command: `{command}`
- Date: {date}
- Machine: {cpus} cores, {platform}, Python {python}; threads: {threads}; load average
  (1, 5, 15 min) at the start {load_start}, at the end {load_end}; {env}
- Versions: {versions}

"""


def write_readme(path: Path, results: dict, table: str, append: bool = False) -> None:
    """Write the run.py section of the README; the sections after it are kept as they are."""
    m = results["machine"]
    old = path.read_text() if path.exists() else ""
    if README_BEGIN in old and README_END in old:
        head, rest = old.split(README_BEGIN, 1)
        section, tail = rest.split(README_END, 1)
    else:  # the first section (up to the next "## ") is run.py's
        cut = old.find("\n## ")
        head, section, tail = "", "", ("\n" + old[cut + 1 :] if cut >= 0 else "")
    if append:
        extra = (
            f"\n## `{results['command']}`\n\n{results['date']}, {m['cpus']} cores, threads "
            f"{results['threads']}.\n\n{table}\n"
        )
        if not section:
            raise SystemExit(f"error: --append: {path} has no run.py section to add to")
        path.write_text(head + README_BEGIN + section + extra + README_END + tail)
        return
    env = ", ".join(f"{k}={v}" for k, v in m.get("env", {}).items())
    text = INTRO.format(
        begin=README_BEGIN,
        command=results["command"],
        date=results["date"],
        cpus=m["cpus"],
        platform=m["platform"],
        python=m["python"],
        threads=results["threads"],
        load_start=m.get("load_start", "?"),
        load_end=m.get("load_end", "(run stopped)"),
        env=env or "no NUMBA_/OMP_ thread settings in the environment",
        versions="; ".join(results["versions"].values()),
    )
    rest = "\n" + tail.lstrip("\n") if tail.strip() else ""
    path.write_text(text + table + "\n" + README_END + "\n" + rest)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark stadsrum's segment analysis beside cityseer and PST (pstalgo).

For every network, cost (angular, metric) and radius group (the local radii in
one call, radius n in another), each tool runs in its own subprocess so that
peak memory (``ru_maxrss``) is its own; wall time, CPU time (process +
children, all threads) and peak memory are recorded. Results go to a JSON
file and a markdown table (stdout and ``benchmarks/README.md``), followed by
one agreement line per comparison of values that share a definition.

    python benchmarks/run.py --sizes 5k,20k --peers cityseer,pst --threads 2

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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PEERS_DIR = Path(os.environ.get("STADSRUM_PEERS_DIR", "/work/peers"))
MEASURES = ["node_count", "total_depth", "integration", "choice"]
COSTS = ("angular", "metric")


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


def groups_of(radii: list[float]) -> list[list[float]]:
    """Local radii in one call, radius n in another (that is how the peers are timed too)."""
    local = [r for r in radii if not math.isinf(r)]
    return [g for g in (local, [math.inf] if any(map(math.isinf, radii)) else []) if g]


# --------------------------------------------------------------------------- workers
def _emit(out: Path, record: dict) -> None:
    with out.open("a") as f:
        f.write(json.dumps(record) + "\n")


def _save(out: Path, gi: int, values: dict[str, np.ndarray]) -> None:
    np.savez(out.with_suffix(f".{gi}.npz"), **values)


def worker_stadsrum(spec: dict, coords: np.ndarray, out: Path) -> None:
    from networks import generated_city, to_gdf

    import stadsrum as sr  # noqa: F401  (import time is not measured)
    from stadsrum.measures.segment import segment_measures
    from stadsrum.network.prepare import prepare_network

    threads = spec["threads"]
    # first call: numba compiles (or loads its on-disk cache) -- measured apart
    tiny = prepare_network(to_gdf(generated_city(60, seed=1), spec["crs"]), prepare="none")
    with Meter() as m:
        segment_measures(
            tiny.segment_graph(),
            cost=spec["cost"],
            radii=[400.0, math.inf],
            measures=MEASURES,
            threads=threads,
        )
    _emit(out, {"event": "compile", **m.as_dict()})
    with Meter() as m:
        graph = prepare_network(to_gdf(coords, spec["crs"]), prepare="none").segment_graph()
    _emit(out, {"event": "graph", **m.as_dict(), "n_segments": graph.n_segments})
    if graph.n_segments != len(coords):
        raise RuntimeError("stadsrum's segment graph does not keep the input lines one to one")
    for gi, radii in enumerate(spec["groups"]):
        if gi in spec["skip"]:
            continue
        with Meter() as m:
            res = segment_measures(
                graph, cost=spec["cost"], radii=radii, measures=MEASURES, threads=threads
            )
        _emit(out, {"event": "group", "group": gi, **m.as_dict()})
        values = {}
        for r in radii:
            tag = f"{spec['cost']}_r{radius_key(r)}"
            for name in MEASURES:
                values[f"{name}_{radius_key(r)}"] = res[f"{name}_{tag}"]
        _save(out, gi, values)


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
    for gi, radii in enumerate(spec["groups"]):
        if gi in spec["skip"]:
            continue
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
        _emit(out, {"event": "group", "group": gi, **m.as_dict()})
        values = {}
        for r, d in zip(radii, dists, strict=True):
            for name in ("density", "farness", "betweenness"):
                col = res[config.prep_gdf_key(name, d, angular=angular)].to_numpy(np.float64)
                v = np.full(len(coords), np.nan)
                v[row[row >= 0]] = col[row >= 0]
                values[f"{name}_{radius_key(r)}"] = v
        _save(out, gi, values)


def worker_pst(spec: dict, coords: np.ndarray, out: Path) -> None:
    sys.path.insert(0, str(PEERS_DIR))
    import pst_runner

    for gi, radii in enumerate(spec["groups"]):
        if gi in spec["skip"]:
            continue
        values: dict[str, np.ndarray] = {}
        parts: dict[str, dict] = {}
        for r in radii:
            rad = None if math.isinf(r) else float(r)
            k = radius_key(r)
            if spec["cost"] == "angular":
                with Meter() as m:
                    ai = pst_runner.angular_integration(coords, radius_m=rad)
                parts.setdefault("integration", []).append(m.as_dict())
                with Meter() as m:
                    ac = pst_runner.angular_choice(coords, radius_m=rad)
                parts.setdefault("choice", []).append(m.as_dict())
                values[f"node_count_{k}"] = ai["node_count"]
                values[f"total_depth_{k}"] = ai["total_depth"]
                values[f"choice_{k}"] = ac["choice"]
                values[f"choice_node_count_{k}"] = ac["node_count"]
            else:
                if rad is None:
                    continue  # PST's reach needs a radius; at n it is the component
                with Meter() as m:
                    re = pst_runner.reach(coords, walking=rad)
                parts.setdefault("reach", []).append(m.as_dict())
                values[f"reach_count_{k}"] = re["reached_count"]
                values[f"reach_length_{k}"] = re["reached_length"]
        if not parts:
            continue
        summary = {}
        for what, ms in parts.items():
            summary[what] = {
                "wall_s": sum(x["wall_s"] for x in ms),
                "cpu_s": sum(x["cpu_s"] for x in ms),
                "peak_mb": max(x["peak_mb"] for x in ms),
            }
        total = {
            "wall_s": sum(s["wall_s"] for s in summary.values()),
            "cpu_s": sum(s["cpu_s"] for s in summary.values()),
            "peak_mb": max(s["peak_mb"] for s in summary.values()),
        }
        _emit(out, {"event": "group", "group": gi, **total, "parts": summary})
        _save(out, gi, values)


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
    spec["groups"] = [[float(r) for r in g] for g in spec["groups"]]
    spec["skip"] = set(spec["skip"])
    WORKERS[spec["tool"]](spec, coords, out)


# --------------------------------------------------------------------------- parent
def tool_available(tool: str) -> str | None:
    """None when the tool can run, else why not."""
    py = sys.executable
    if tool == "cityseer":
        probe = "import cityseer"
    elif tool == "pst":
        probe = f"import sys; sys.path.insert(0, {str(PEERS_DIR)!r}); import pst_runner"
    else:
        return None
    r = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=False)
    if r.returncode:
        return (r.stderr.strip().splitlines() or ["not importable"])[-1][:120]
    return None


def tool_version(tool: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    if tool == "pst":
        commit = PEERS_DIR / "src" / "PST" / ".git"
        try:
            head = subprocess.run(
                ["git", "-C", str(commit.parent), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        except OSError:
            head = ""
        return f"pstalgo (PST {head or 'local build'}, C++)"
    try:
        return f"{tool} {version(tool)}"
    except PackageNotFoundError:
        return f"{tool} (not installed)"


def run_worker(spec: dict, workdir: Path, timeout: float) -> tuple[list[dict], str]:
    """Run one worker; returns its records and a note ('' or why it stopped)."""
    spec_path = workdir / f"{spec['name']}.spec.json"
    out = Path(spec["out"])
    out.unlink(missing_ok=True)
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ)
    env.update(spec.get("env", {}))
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)]
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


def predict(
    history: dict, family: str, tool: str, cost: str, radii: list[float], n: int
) -> float | None:
    """Seconds a group should take, from the same tool's time on a smaller network."""
    best = None
    for (f, t, c, g, n0), secs in history.items():
        if f == family and t == tool and c == cost and g == tuple(radii) and n0 < n:
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
    lines = []
    s = vals.get("stadsrum")
    if s is None:
        return lines

    def q(a: np.ndarray, p: float) -> float:
        return float(np.percentile(a, p)) if len(a) else math.nan

    def rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(a - b) / np.maximum(np.abs(b), 1e-12)

    for r in radii:
        k = radius_key(r)
        if f"node_count_{k}" not in s:
            continue
        nc, td, ch = s[f"node_count_{k}"], s[f"total_depth_{k}"], s[f"choice_{k}"]
        p = vals.get("pst")
        c = vals.get("cityseer")
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
            note = "" if math.isinf(r) else " [radius: stadsrum catchment, PST route]"
            lines.append(
                f"{name} angular r{k} vs PST: node_count equal {eq:.2%}; total_depth rel. diff "
                f"median {q(d, 50):.2e} p99 {q(d, 99):.2e} max {q(d, 100):.2e} "
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
                f"{name} {cost} r{k} vs cityseer: matched {found.mean():.2%} of segments; "
                f"node_count equal {eq:.2%}; total_depth rel. diff median "
                f"{q(d, 50):.2e} max {q(d, 100):.2e};"
                f" choice corr {cc:.4f}, median cityseer/ours (top half) {cr:.3f} (cityseer counts"
                " each pair once: 0.5 expected)"
            )
    return lines


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument(
        "--sizes",
        default="5k,20k",
        help="generated-city sizes among 5k,20k,100k (default 5k,20k); 'helsinki' adds the sample",
    )
    ap.add_argument("--no-helsinki", action="store_true", help="leave out the sample city")
    ap.add_argument("--radii", default="400,800,1200,2000,n")
    ap.add_argument("--costs", default="angular,metric")
    ap.add_argument("--peers", default="cityseer,pst", help="comma list, '' for none")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(HERE / "results.json"))
    ap.add_argument("--readme", default=str(HERE / "README.md"), help="'' to skip writing it")
    ap.add_argument(
        "--append", action="store_true", help="add this run's table to the README, keep the rest"
    )
    ap.add_argument(
        "--time-box",
        type=float,
        default=900.0,
        help="seconds one tool may spend on one group; predicted overruns are skipped",
    )
    ap.add_argument(
        "--max-n-segments",
        type=int,
        default=30_000,
        help="no radius n above this many segments (too slow for everyone on 2 cores)",
    )
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return 0

    argv_used = sys.argv[1:] if argv is None else argv
    command = "python benchmarks/run.py " + " ".join(argv_used)
    radii = parse_radii(args.radii)
    costs = [c for c in args.costs.split(",") if c]
    peers = [p for p in args.peers.split(",") if p]
    tools = ["stadsrum", *peers]
    unavailable = {t: why for t in peers if (why := tool_available(t))}
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
        },
        "versions": {t: tool_version(t) for t in tools},
        "threads": args.threads,
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
    spec = {"name": "cold", "tool": "compile_cold", "out": str(cold), "crs": nets.CRS}
    spec["env"] = {"NUMBA_CACHE_DIR": str(workdir / "numba-cache")}
    recs, note = run_worker(spec, workdir, 1800)
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
            groups = groups_of(radii)
            values: dict[str, dict[str, np.ndarray]] = {}
            for tool in tools:
                if tool in unavailable:
                    continue
                skip, notes = [], {}
                for gi, g in enumerate(groups):
                    if math.isinf(g[-1]) and n > args.max_n_segments:
                        skip.append(gi)
                        notes[gi] = f"radius n not run above {args.max_n_segments} segments"
                    elif (
                        est := predict(history, family, tool, cost, g, n)
                    ) and est > args.time_box:
                        skip.append(gi)
                        notes[gi] = f"skipped: predicted {est:.0f} s > {args.time_box:.0f} s box"
                if tool == "pst" and cost == "metric":
                    for gi, g in enumerate(groups):
                        if math.isinf(g[-1]) and gi not in skip:
                            skip.append(gi)
                            notes[gi] = "PST's Reach needs a finite radius"
                out = workdir / f"{name}.{cost}.{tool}.jsonl"
                spec = {
                    "name": f"{name}.{cost}.{tool}",
                    "tool": tool,
                    "coords": str(cpath),
                    "crs": crs,
                    "cost": cost,
                    "groups": [[r if math.isfinite(r) else "inf" for r in g] for g in groups],
                    "skip": skip,
                    "threads": args.threads,
                    "out": str(out),
                }
                spec["groups"] = [[float(r) for r in g] for g in spec["groups"]]
                timeout = args.time_box * (len(groups) - len(skip)) + 600
                t0 = time.perf_counter()
                recs, note = run_worker(spec, workdir, timeout)
                print(f"  {cost:8s} {tool:9s} {time.perf_counter() - t0:7.1f} s {note}", flush=True)
                vals: dict[str, np.ndarray] = {}
                done = set()
                for rec in recs:
                    if rec["event"] == "compile":
                        results["compile"].setdefault(cost, {})[name] = rec["wall_s"]
                    elif rec["event"] == "graph":
                        results["rows"].append(
                            {"network": name, "cost": cost, "tool": tool, "radii": "graph", **rec}
                        )
                    elif rec["event"] == "group":
                        gi = rec["group"]
                        done.add(gi)
                        g = groups[gi]
                        history[(family, tool, cost, tuple(g), n)] = rec["wall_s"]
                        results["rows"].append(
                            {
                                "network": name,
                                "cost": cost,
                                "tool": tool,
                                "radii": ",".join(map(radius_key, g)),
                                **rec,
                            }
                        )
                        f = out.with_suffix(f".{gi}.npz")
                        if f.exists():
                            with np.load(f) as z:
                                vals.update({k: z[k] for k in z.files})
                for gi, g in enumerate(groups):
                    if gi not in done:
                        why = notes.get(gi) or note or "not run"
                        results["rows"].append(
                            {
                                "network": name,
                                "cost": cost,
                                "tool": tool,
                                "radii": ",".join(map(radius_key, g)),
                                "note": why,
                            }
                        )
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

    table = markdown(results, tools, unavailable)
    print("\n" + table)
    Path(args.out).write_text(json.dumps(results, indent=1))
    if args.readme:
        write_readme(Path(args.readme), results, table, append=args.append)
    return 0


def markdown(results: dict, tools: list[str], unavailable: dict) -> str:
    rows = results["rows"]

    def find(net: str, cost: str, tool: str, radii: str) -> dict | None:
        for r in rows:
            if (r["network"], r["cost"], r["tool"], r["radii"]) == (net, cost, tool, radii):
                return r
        return None

    peers = [t for t in tools if t != "stadsrum"]
    head = ["network", "segments", "cost", "radii", "stadsrum wall / CPU s, peak MB"]
    for p in peers:
        head.append(f"{p} wall / CPU s, peak MB")
        head.append(f"{p} / stadsrum (wall)")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for net, info in results["networks"].items():
        for cost in COSTS:
            radii_seen = []
            for r in rows:
                if r["network"] == net and r["cost"] == cost and r["radii"] not in radii_seen:
                    radii_seen.append(r["radii"])
            for radii in radii_seen:
                s = find(net, cost, "stadsrum", radii)
                cells = [net, str(info["segments"]), cost, radii]

                def cell(r: dict | None) -> str:
                    if r is None:
                        return "–"
                    if "wall_s" not in r:
                        return r.get("note", "–")
                    return f"{fmt_s(r['wall_s'])} / {fmt_s(r['cpu_s'])}, {r['peak_mb']:.0f}"

                cells.append(cell(s))
                for p in peers:
                    if p in unavailable:
                        cells += [f"not available ({unavailable[p][:60]})", "–"]
                        continue
                    r = find(net, cost, p, radii)
                    c = cell(r)
                    what = ""
                    if p == "pst" and r is not None and "parts" in r:
                        parts = r["parts"]
                        if "reach" in parts:
                            c += " (Reach only: node count)"
                        elif "choice" in parts:
                            c += f" (AI {fmt_s(parts['integration']['wall_s'])} + AC "
                            c += f"{fmt_s(parts['choice']['wall_s'])})"
                            ac = parts["choice"]["wall_s"]
                            if s and "wall_s" in s and radii != "graph":
                                what = f"; AC alone {ac / s['wall_s']:.2f}×"
                    ratio = "–"
                    if (
                        s
                        and r
                        and "wall_s" in s
                        and "wall_s" in r
                        and not (p == "pst" and cost == "metric")
                    ):
                        ratio = f"{r['wall_s'] / s['wall_s']:.2f}×" + what
                    elif p == "pst" and cost == "metric" and r and "wall_s" in r and s:
                        ratio = "n/a (different measure)"
                    cells += [c, ratio]
                out.append("| " + " | ".join(cells) + " |")
    comp = results["compile"]
    lines = ["\n".join(out), ""]
    cold = comp.get("cold", {})
    if cold:
        lines.append(
            "numba compile time with an empty cache (tiny network, first call in a fresh process): "
            + f"{sum(cold.values()):.1f} s for both costs"
            + "; with the on-disk cache (first call in a fresh process): "
            + ", ".join(
                f"{cost} {min(v.values()):.1f}–{max(v.values()):.1f} s"
                for cost, v in comp.items()
                if cost in COSTS and v
            )
            + ". Neither is included in the times above."
        )
    if results["agreement"]:
        lines += ["", "Agreement of values (where the definitions agree):", ""]
        lines += [f"- {a}" for a in results["agreement"]]
    return "\n".join(lines)


def write_readme(path: Path, results: dict, table: str, append: bool = False) -> None:
    m = results["machine"]
    if append and path.exists():
        extra = (
            f"\n## `{results['command']}`\n\n{results['date']}, {m['cpus']} cores, threads "
            f"{results['threads']}.\n\n{table}\n"
        )
        path.write_text(path.read_text() + extra)
        return
    versions = "; ".join(results["versions"].values())
    text = f"""# Segment-analysis benchmark

`benchmarks/run.py` times stadsrum's segment analysis (integration and choice, angular
and metric cost) beside cityseer and PST's pstalgo on the same networks, each tool in its
own subprocess (wall time, CPU time of the process and its threads, peak RSS of that
process: Python, libraries and data included). `benchmarks/networks.py` builds the
networks: the sample city split at every vertex, and a seeded generated city (perturbed
grid, two diagonal avenues, a river crossed by a few bridges, a railway with a few level
crossings) of about 5k, 20k and 100k straight segments. Every tool gets the same straight
2-point segments, joined only at identical end points.

How the work is grouped: the local radii (400, 800, 1200, 2000 m) in one call and radius
n in another, for every tool. stadsrum computes node count, total depth, integration and
choice in catchment mode (its default); cityseer (`centrality_simplest` /
`centrality_shortest` on its dual graph, closeness density + farness and betweenness)
carries the radius along its routes and prunes at the largest radius of a call; PST runs
Angular Integration and Angular Choice once per radius (route mode; Angular Choice alone
also yields node count and total depth, so both "AI + AC" and "AC alone" ratios are
given). PST has no metric integration or choice on the segment graph: its metric row is
Reach (node count and length), timed but not a ratio. cityseer's graph build (geopandas
-> networkx -> dual -> Rust structure) and stadsrum's (`prepare_network(prepare="none")`
+ segment graph) are reported in the `graph` rows. Ratios above 1 mean the peer is slower.

- Command: `{results["command"]}`
- Date: {results["date"]}
- Machine: {m["cpus"]} cores, {m["platform"]}, Python {m["python"]}; threads: {results["threads"]}
- Versions: {versions}

"""
    path.write_text(text + table + "\n")


if __name__ == "__main__":
    sys.exit(main())

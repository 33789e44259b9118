"""Weight and start-up of an installed stadsrum: install size, ``--help`` time, compile time.

Three numbers a new user meets before any result:

- **install size**: a clean venv (``python -m venv``), then ``pip install WHEEL``
  with its dependencies from the package index; the venv's size on disk, and
  what the install added to the empty venv (pip, setuptools);
- **``stadsrum --help``**: median wall and CPU time over several runs of the
  installed console script (warm file cache: the first run after an install is
  slower and not counted);
- **first-run compile**: ``stadsrum.run_demo`` in a fresh process with an empty
  ``NUMBA_CACHE_DIR``, then again with the cache it filled. numba's own
  compile events give the compile time, wall and CPU time of the compiling
  thread (outermost compilations, so a kernel's callees count once), and the
  number of specialisations compiled; wall and CPU time of both whole runs are
  recorded beside it. On a shared machine the CPU times are the ones to
  compare.

    python benchmarks/startup.py --wheel dist/stadsrum-0.1.0-py3-none-any.whl --label after
    python benchmarks/startup.py --venv /tmp/old-venv --source /tmp/old-checkout --label before

``--venv`` measures an existing venv instead of installing (``--source``: a
checkout put first on ``PYTHONPATH``, for code whose wheel cannot run the demo).
Results are merged into ``benchmarks/startup.json`` under their label. This is a
benchmark, not a test: nothing fails when a number is off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Runs inside the measured venv: the demo, with numba's compile events recorded.
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from numba.core import event
import stadsrum

class Compiles(event.Listener):
    # outermost compilations only; each runs on one thread, so its thread CPU time is its own
    depth = n = 0
    wall = cpu = 0.0
    def on_start(self, ev):
        self.n += 1
        if self.depth == 0:
            self.t, self.c = time.perf_counter(), time.thread_time()
        self.depth += 1
    def on_end(self, ev):
        self.depth -= 1
        if self.depth == 0:
            self.wall += time.perf_counter() - self.t
            self.cpu += time.thread_time() - self.c

compiles = Compiles()
with event.install_listener("numba:compile", compiles):
    stadsrum.run_demo(sys.argv[1])
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall_s": time.perf_counter() - t0, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "compile_wall_s": compiles.wall, "compile_cpu_s": compiles.cpu,
                  "compiled": compiles.n}))
"""


def du_mb(path: Path) -> float:
    """Size on disk (allocated blocks, as ``du``), MB."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            p = Path(root) / name
            if not p.is_symlink():
                total += p.stat().st_blocks * 512
    return total / 1e6


def largest(site: Path, n: int = 8) -> list[tuple[str, float]]:
    sizes = [(p.name, du_mb(p)) for p in site.iterdir() if p.is_dir()]
    return sorted(sizes, key=lambda x: -x[1])[:n]


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
    cpu0, t0 = children_cpu(), time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out, wall, cpu


def install(wheel: Path, base_python: str, where: Path) -> dict:
    empty = where / "empty"
    subprocess.run([base_python, "-m", "venv", str(empty)], check=True)
    env_dir = where / "venv"
    subprocess.run([base_python, "-m", "venv", str(env_dir)], check=True)
    _, wall, _ = timed([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    total, bare = du_mb(env_dir), du_mb(empty)
    return {
        "venv": str(env_dir),
        "venv_mb": round(total, 1),
        "added_mb": round(total - bare, 1),
        "empty_venv_mb": round(bare, 1),
        "pip_install_wall_s": round(wall, 1),
        "largest_mb": [(name, round(mb, 1)) for name, mb in largest(site)],
        "packages": sorted(
            p.name.split("-")[0] for p in site.iterdir() if p.name.endswith(".dist-info")
        ),
    }


def help_time(env_dir: Path, env: dict[str, str], runs: int) -> dict:
    script = [str(env_dir / "bin" / "stadsrum"), "--help"]
    timed(script, env)  # warm the file cache
    walls, cpus = [], []
    for _ in range(runs):
        _, wall, cpu = timed(script, env)
        walls.append(wall)
        cpus.append(cpu)
    return {
        "runs": runs,
        "median_wall_s": round(statistics.median(walls), 3),
        "median_cpu_s": round(statistics.median(cpus), 3),
        "min_wall_s": round(min(walls), 3),
    }


def compile_time(env_dir: Path, env: dict[str, str], work: Path) -> dict:
    env = {**env, "NUMBA_CACHE_DIR": str(work / "numba-cache")}
    python = str(env_dir / "bin" / "python")
    result = {}
    for run in ("cold", "warm"):
        out, _, _ = timed([python, "-c", CHILD, str(work / run)], env, cwd=work)
        result[run] = {k: round(v, 2) for k, v in json.loads(out.stdout.splitlines()[-1]).items()}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--wheel", type=Path, help="install this wheel into a clean venv")
    what.add_argument("--venv", type=Path, help="measure this existing venv")
    ap.add_argument("--source", type=Path, help="checkout put first on PYTHONPATH (with --venv)")
    ap.add_argument("--label", required=True, help="key in the results, e.g. before / after")
    ap.add_argument("--base-python", default="/usr/bin/python3", help="Python of the clean venv")
    ap.add_argument("--runs", type=int, default=7, help="--help runs (median)")
    ap.add_argument("--no-compile", action="store_true", help="skip the demo runs")
    ap.add_argument("--out", type=Path, default=HERE / "startup.json")
    args = ap.parse_args(argv)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NUMBA_CACHE_DIR")}
    # numba's waiting OpenMP threads spin unless told otherwise, which inflates CPU time
    env["OMP_WAIT_POLICY"] = "passive"
    with tempfile.TemporaryDirectory(prefix="stadsrum-startup-") as tmp:
        work = Path(tmp)
        row: dict = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "load_average": os.getloadavg(),
            },
            "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        }
        if args.wheel is not None:
            row["install"] = install(args.wheel.resolve(), args.base_python, work)
            env_dir = Path(row["install"]["venv"])
        else:
            env_dir = args.venv.resolve()
            row["install"] = {"venv": str(env_dir), "venv_mb": round(du_mb(env_dir), 1)}
            if args.source is not None:
                env["PYTHONPATH"] = str(args.source.resolve())
        version = subprocess.run(
            [str(env_dir / "bin" / "python"), "-c", "import stadsrum; print(stadsrum.__file__)"],
            capture_output=True,
            text=True,
            env=env,
            cwd=work,  # not the checkout: the package measured is the one installed
            check=True,
        )
        row["stadsrum_file"] = version.stdout.strip()
        row["help"] = help_time(env_dir, env, args.runs)
        if not args.no_compile:
            row["compile"] = compile_time(env_dir, env, work)
        row["machine"]["load_average_after"] = os.getloadavg()

    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results[args.label] = row
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(row, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

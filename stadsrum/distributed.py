"""The segment analysis on a Dask cluster: origins in chunks as Dask tasks.

The same compiled kernel as the local engine (:func:`segment_worker`) runs on
the workers. The network's arrays go to every worker once (a broadcast
scatter); each task analyses one chunk of origins and returns the chunk's
per-origin sums and its partial choice sums over all segments. Partial
results are merged in a tree of tasks on the cluster, so the client receives
one result, not one per chunk: per-origin rows are placed by origin index and
choice, a sum over origins, is added up. Only the order of those additions
differs from the local engine, so choice agrees to float rounding and every
other measure is identical.

Dask is optional (``pip install 'stadsrum[distributed]'``); nothing here
imports it until a cluster is asked for.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stadsrum.errors import InputError, StadsrumError
from stadsrum.progress import ProgressLike, check_cancelled

__all__ = ["check_scheduler", "connect", "segment_sums"]

#: Chunks per worker thread by default: enough that a fast worker takes more of them
#: and a lost worker costs little rework, few enough that each result (one partial
#: choice array over all segments) is worth sending.
CHUNKS_PER_THREAD = 8
#: Largest default chunk, so progress moves and a retried chunk costs minutes, not hours.
MAX_CHUNK = 10_000
#: How often the client looks for finished chunks and for a cancel, in seconds.
POLL_S = 0.1
#: Chunk results merged by one reduction task.
FAN_IN = 8
#: How long to wait for a cluster's first worker (a batch queue may be slow).
WAIT_FOR_WORKERS_S = 1800


@dataclass(frozen=True)
class _Network:
    """The network and options as the kernel takes them; sent to every worker once."""

    radii: np.ndarray
    catchment: bool
    metric_cost: bool
    has_free_moves: bool
    indptr: np.ndarray
    dst: np.ndarray
    tcost: np.ndarray
    tlen: np.ndarray
    seglen: np.ndarray
    weight: np.ndarray
    depth_scale: float
    harmonic_offset: float
    want_choice: bool


@dataclass(frozen=True)
class _Part:
    """Result of some chunks: their origins' rows and their partial choice sums."""

    origins: np.ndarray
    sums: np.ndarray
    choice: np.ndarray
    choice_wl: np.ndarray


def _analyse_chunk(net: _Network, origins: np.ndarray) -> _Part:
    """One task: every origin of the chunk, on this worker's thread."""
    from stadsrum.kernels.segment import N_SUMS, segment_worker

    n = len(net.seglen)
    r = len(net.radii)
    sums = np.zeros((len(origins), r, N_SUMS))
    choice = np.zeros((n if net.want_choice else 1, r))
    choice_wl = np.zeros_like(choice)
    segment_worker(
        origins,
        0,
        1,
        net.radii,
        net.catchment,
        net.metric_cost,
        net.has_free_moves,
        net.indptr,
        net.dst,
        net.tcost,
        net.tlen,
        net.seglen,
        net.weight,
        net.depth_scale,
        net.harmonic_offset,
        net.want_choice,
        sums,
        choice,
        choice_wl,
    )
    return _Part(origins, sums, choice, choice_wl)


def _merge(*parts: _Part) -> _Part:
    """One reduction task. New arrays, never in place: a retried task (after a
    worker loss) may see the same inputs again."""
    choice = parts[0].choice.copy()
    choice_wl = parts[0].choice_wl.copy()
    for p in parts[1:]:
        choice += p.choice
        choice_wl += p.choice_wl
    return _Part(
        np.concatenate([p.origins for p in parts]),
        np.concatenate([p.sums for p in parts]),
        choice,
        choice_wl,
    )


def segment_sums(
    client: Any,
    *,
    n_segments: int,
    radii: np.ndarray,
    catchment: bool,
    metric_cost: bool,
    has_free_moves: bool,
    indptr: np.ndarray,
    dst: np.ndarray,
    tcost: np.ndarray,
    tlen: np.ndarray,
    seglen: np.ndarray,
    weight: np.ndarray,
    depth_scale: float,
    harmonic_offset: float,
    want_choice: bool,
    chunk_size: int | None,
    progress: ProgressLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-origin sums ``(n, r, N_SUMS)`` and choice, choice_wl ``(n, r)`` on ``client``.

    The caller has started ``progress`` with the number of segments; this
    advances it by each chunk's origins as chunks finish (in any order) and
    cancels every task of the run when the user cancels or anything fails.
    """
    from distributed import as_completed

    from stadsrum.kernels.segment import N_SUMS

    n = n_segments
    r = len(radii)
    _wait_for_a_worker(client, progress)
    # nthreads() lists every worker (scheduler_info() only the first few in recent Dask)
    threads = sum(client.nthreads().values())
    if chunk_size is None:
        chunk_size = min(MAX_CHUNK, max(1, math.ceil(n / (CHUNKS_PER_THREAD * max(threads, 1)))))
    starts = range(0, n, chunk_size)
    progress.message(
        f"segment analysis on Dask: {len(starts)} chunks of up to {chunk_size:,} origins, "
        f"{threads} worker threads now"
    )
    net = _Network(
        radii=radii,
        catchment=catchment,
        metric_cost=metric_cost,
        has_free_moves=has_free_moves,
        indptr=indptr,
        dst=dst,
        tcost=tcost,
        tlen=tlen,
        seglen=seglen,
        weight=weight,
        depth_scale=depth_scale,
        harmonic_offset=harmonic_offset,
        want_choice=want_choice,
    )
    # only the scattered network, the root of the tree and the chunks not yet seen are
    # held here: a finished chunk's result is released once its merge has used it
    held: list[Any] = []
    done: Any = None
    try:
        # hash=False: a fresh key per run, so a cancelled run never shares data with the next
        net_future = client.scatter(net, broadcast=True, hash=False)
        held.append(net_future)
        origins = np.arange(n, dtype=np.int64)
        chunks = [
            client.submit(
                _analyse_chunk,
                net_future,
                origins[s : s + chunk_size],
                pure=False,
                key=f"stadsrum-segment-chunk-{net_future.key}-{i}",
            )
            for i, s in enumerate(starts)
        ]
        level = list(chunks)
        depth = 0
        while len(level) > 1:
            depth += 1
            level = [
                client.submit(
                    _merge,
                    *level[i : i + FAN_IN],
                    pure=False,
                    key=f"stadsrum-segment-merge-{net_future.key}-{depth}-{i}",
                )
                if len(level[i : i + FAN_IN]) > 1
                else level[i]
                for i in range(0, len(level), FAN_IN)
            ]
        root = level[0]
        held.append(root)
        sizes = {
            c.key: len(range(s, min(s + chunk_size, n)))
            for c, s in zip(chunks, starts, strict=True)
        }
        done = as_completed(chunks)
        del chunks, level  # the tree holds what it needs; finished chunks can go
        while not done.is_empty():
            check_cancelled(progress)
            batch = done.next_batch(block=False)
            if not batch:
                time.sleep(POLL_S)
                continue
            for fut in batch:
                if fut.status == "error":
                    fut.result()  # raises the task's own error here
                progress.advance(sizes[fut.key])
        check_cancelled(progress)
        part: _Part = root.result()
    except BaseException as exc:
        # Stop the run by letting go of every future: the scheduler then forgets each
        # task nobody wants, and tells workers to drop those they are running.
        # client.cancel() is no good here: cancelling a key whose dependents (the
        # merges) no client holds trips an assertion in the scheduler (Dask 2026.8).
        if done is not None:
            done.clear()
        if len(held) > 1:
            client.cancel(held[1:])  # the root: wanted by this client only, no dependents
        # the traceback keeps this frame alive: drop its futures now, not when it goes
        held.clear()
        net_future = root = None
        if type(exc).__name__ == "KilledWorker":
            raise StadsrumError(
                f"Dask workers died repeatedly running the segment analysis ({exc}); "
                "they may be short of memory: use fewer threads per worker or more memory "
                "per worker"
            ) from exc
        raise
    del held, net_future, root  # released: the cluster forgets the network and the tree
    sums = np.zeros((n, r, N_SUMS))
    sums[part.origins] = part.sums
    if not want_choice:
        return sums, np.zeros((n, r)), np.zeros((n, r))
    return sums, part.choice, part.choice_wl


def _wait_for_a_worker(client: Any, progress: ProgressLike) -> None:
    """Wait, cancellably, until the cluster has a worker: a batch cluster (SLURM) starts
    its workers when the queue lets it, and a scatter with none fails at once."""
    if client.nthreads():
        return
    progress.message("segment analysis on Dask: waiting for the first worker to start")
    deadline = time.monotonic() + WAIT_FOR_WORKERS_S
    while not client.nthreads():
        check_cancelled(progress)
        if time.monotonic() > deadline:
            raise StadsrumError(
                f"no Dask worker joined the scheduler in {WAIT_FOR_WORKERS_S // 60} minutes: "
                "check that workers were started (for a SLURM cluster: its jobs in squeue)"
            )
        time.sleep(POLL_S)


def _looks_like_address(text: str) -> bool:
    """``tcp://host:port``, ``tls://…``, ``host:port`` or ``ucx://…``."""
    return "://" in text or (":" in text and text.rsplit(":", 1)[1].isdigit())


def check_scheduler(scheduler: str | None) -> None:
    """Raise :class:`InputError` for a ``--scheduler`` value :func:`connect` cannot use.

    Checked before the network is read; reaching the scheduler is left to
    :func:`connect`.
    """
    if scheduler is None or scheduler == "local":
        return
    if not isinstance(scheduler, str):
        raise InputError(f"scheduler must be a text, got {type(scheduler).__name__}")
    if scheduler != "local-cluster" and not (
        scheduler.endswith(".json") or _looks_like_address(scheduler)
    ):
        raise InputError(
            f"unknown scheduler '{scheduler}': use local, local-cluster, an address such as "
            "tcp://10.0.0.5:8786, or a scheduler file (.json)"
        )
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"--scheduler {scheduler} needs Dask distributed: "
            "pip install 'stadsrum[distributed]' (or use --scheduler local)"
        ) from exc


@contextmanager
def connect(scheduler: str | None, *, timeout: str = "30s") -> Iterator[Any]:
    """A Dask client for a ``--scheduler`` value, closed on leaving; ``None`` for local.

    ``local`` (or ``None``): the threaded engine, no Dask. ``local-cluster``: a
    ``LocalCluster`` of one single-threaded worker process per core on this
    machine. An address (``tcp://host:8786``): a running scheduler. A path to
    a ``.json`` file: the scheduler file that ``dask scheduler
    --scheduler-file`` (or dask-mpi) writes on a shared file system.
    ``timeout``: how long to keep trying to reach a scheduler.
    """
    check_scheduler(scheduler)
    if scheduler is None or scheduler == "local":
        yield None
        return
    with _quiet_dask_logs():
        yield from _connect(scheduler, timeout)


@contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Dask logs each worker and scheduler event at INFO (dozens of lines per run);
    a planner needs its warnings only, unless the root logger asks for debug output."""
    dask_log = logging.getLogger("distributed")
    level = dask_log.level
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        dask_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        dask_log.setLevel(level)


def _connect(scheduler: str, timeout: str) -> Generator[Any, None, None]:
    """The body of :func:`connect` for a cluster."""
    from distributed import Client, LocalCluster

    if scheduler == "local-cluster":
        # dashboard on a free port: a second run on the machine must not collide
        with (
            LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    if scheduler.endswith(".json"):
        if not Path(scheduler).is_file():
            raise InputError(
                f"scheduler file '{scheduler}' does not exist: start the scheduler with "
                "`dask scheduler --scheduler-file` on a shared disk first"
            )
        kwargs: dict[str, Any] = {"scheduler_file": scheduler}
    else:
        kwargs = {"address": scheduler}
    try:
        client = Client(timeout=timeout, **kwargs)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at '{scheduler}' ({exc}): check that it runs "
            "and that this machine can reach its port"
        ) from exc
    with client:
        yield client

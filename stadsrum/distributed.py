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

At local radii (all finite) the segment analysis runs in spatial tiles
instead (:mod:`stadsrum.tiles`): each task carries its tile's origins and
only the sub-network within a halo of the largest radius, so no worker holds
the whole network; each tile's result comes back to the client and is added
there. Radius n needs the whole network on every worker: the run says how
much memory that takes before it starts.

Dask is optional (``pip install 'stadsrum[distributed]'``); nothing here
imports it until a cluster is asked for.
"""

from __future__ import annotations

import copyreg
import functools
import logging
import math
import sys
import threading
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np

from stadsrum.errors import InputError, StadsrumError
from stadsrum.progress import ProgressLike, check_cancelled

__all__ = [
    "active_client",
    "check_scheduler",
    "connect",
    "map_groups",
    "on_cluster",
    "segment_sums",
    "takes_client",
    "takes_scheduler",
]

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


def _segment_kernel(
    origins: np.ndarray, graph: Any, opts: _Network | _Tile
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel on ``origins`` of ``graph`` (the whole network or a tile's
    sub-network: ``indptr, dst, tcost, tlen, seglen, weight``) with the options of
    ``opts``, on this worker's thread: per-origin sums, choice, choice_wl."""
    from stadsrum.kernels.search import StateGraph
    from stadsrum.kernels.segment import N_SUMS, SegmentSettings, reverse_moves, segment_worker

    r = len(opts.radii)
    sums = np.zeros((len(origins), r, N_SUMS))
    choice = np.zeros((len(graph.seglen) if opts.want_choice else 1, r))
    choice_wl = np.zeros_like(choice)
    settings = SegmentSettings(
        radii=opts.radii,
        weight=graph.weight,
        catchment=opts.catchment,
        metric_cost=opts.metric_cost,
        has_free_moves=opts.has_free_moves,
        depth_scale=opts.depth_scale,
        harmonic_offset=opts.harmonic_offset,
        want_choice=opts.want_choice,
        # several catchments: each smaller one made from the larger one's search
        **(
            reverse_moves(graph.indptr, graph.dst)
            if opts.catchment and not opts.metric_cost and r > 1
            else {}
        ),
    )
    state_graph = StateGraph(graph.indptr, graph.dst, graph.tcost, graph.tlen, graph.seglen)
    segment_worker(origins, 0, 1, state_graph, settings, sums, choice, choice_wl)
    return sums, choice, choice_wl


def _analyse_chunk(net: _Network, origins: np.ndarray) -> _Part:
    """One task: every origin of the chunk, on this worker's thread."""
    return _Part(origins, *_segment_kernel(origins, net, net))


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
    xy: np.ndarray | None = None,
    tiles: bool = True,
    sample: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-origin sums ``(n, r, N_SUMS)`` and choice, choice_wl ``(n, r)`` on ``client``.

    The caller has started ``progress`` with the number of segments; this
    advances it by each chunk's origins as chunks finish (in any order) and
    cancels every task of the run when the user cancels or anything fails.

    ``radii`` ascending, metres. When all are finite and ``tiles`` is on, the
    origins run in spatial tiles with halos (:func:`_tiled_sums`; ``xy``, one
    point per segment, orders them along a Hilbert curve; ``chunk_size`` is
    then origins per tile); otherwise every worker gets the whole network.

    ``sample`` (a boolean per segment) analyses only those origins, in the
    tiles and halos of the whole run; the other rows stay 0: how
    ``benchmarks/bench_scale.py`` times a sample of a region with the memory
    of a full run.
    """
    from distributed import as_completed

    from stadsrum.kernels.segment import N_SUMS

    n = n_segments
    r = len(radii)
    _wait_for_a_worker(client, progress)
    # nthreads() lists every worker (scheduler_info() only the first few in recent Dask)
    threads = sum(client.nthreads().values())
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
    if tiles and math.isfinite(float(radii[-1])):
        return _tiled_sums(
            client,
            net,
            threads=threads,
            tile_size=chunk_size,
            xy=xy,
            sample=sample,
            progress=progress,
        )
    network_b, search_b = whole_network_bytes(n, len(dst), r, want_choice=want_choice)
    progress.message(
        f"segment analysis on Dask: every worker holds the whole network, about "
        f"{_gb(network_b)} GB, and {_gb(search_b)} GB per worker thread for its searches"
    )
    origins = np.arange(n, dtype=np.int64) if sample is None else np.flatnonzero(sample)
    n_origins = len(origins)
    if chunk_size is None:
        chunk_size = min(
            MAX_CHUNK, max(1, math.ceil(n_origins / (CHUNKS_PER_THREAD * max(threads, 1))))
        )
    starts = range(0, n_origins, chunk_size)
    progress.message(
        f"segment analysis on Dask: {len(starts)} chunks of up to {chunk_size:,} origins, "
        f"{threads} worker threads now"
    )
    # only the scattered network, the root of the tree and the chunks not yet seen are
    # held here: a finished chunk's result is released once its merge has used it
    held: list[Any] = []
    done: Any = None
    try:
        # hash=False: a fresh key per run, so a cancelled run never shares data with the next
        net_future = client.scatter(net, broadcast=True, hash=False)
        held.append(net_future)
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
            c.key: len(range(s, min(s + chunk_size, n_origins)))
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


def whole_network_bytes(
    n_segments: int, n_transitions: int, n_radii: int, *, want_choice: bool = True
) -> tuple[int, int]:
    """Bytes a worker needs without tiles: the network's arrays (held once per worker)
    and one running chunk's search arrays and partial choice (per worker thread)."""
    n_states = 2 * n_segments
    network = 4 * (n_states + 1) + 20 * n_transitions + 16 * n_segments
    # segment_worker: 11 float and 12 int32 arrays per state, the heap per transition
    search = (11 * 8 + 12 * 4) * n_states + 12 * (n_transitions + 2)
    if want_choice:
        search += 2 * 8 * n_segments * n_radii
    return network, search


def _gb(n_bytes: float) -> str:
    # two significant digits below 0.1 GB: a small network is "0.0031", not "0.00"
    if n_bytes < 1e8:
        return f"{n_bytes / 1e9:.2g}"
    return f"{n_bytes / 1e9:.2f}" if n_bytes < 1e10 else f"{n_bytes / 1e9:.0f}"


@dataclass(frozen=True)
class _Tile:
    """One task of a tiled run: the tile's sub-network and the kernel's options."""

    sub: Any  # stadsrum.tiles.SubNetwork (imported lazily, as Dask is)
    origins: np.ndarray  # global ids, in the order of sub.origins
    radii: np.ndarray
    catchment: bool
    metric_cost: bool
    has_free_moves: bool
    depth_scale: float
    harmonic_offset: float
    want_choice: bool


@dataclass(frozen=True)
class _TileResult:
    """A tile's rows (global origin ids) and its choice over its sub-network's segments."""

    origins: np.ndarray
    segments: np.ndarray
    sums: np.ndarray
    choice: np.ndarray
    choice_wl: np.ndarray
    peak_bytes: int  # the task's own arrays: sub-network, search scratch, results


def _analyse_tile(tile: _Tile) -> _TileResult:
    """One task: every origin of the tile, on its sub-network, on this worker's thread."""
    sub = tile.sub
    sums, choice, choice_wl = _segment_kernel(sub.origins, sub, tile)
    _, search = whole_network_bytes(
        len(sub.seglen), len(sub.dst), len(tile.radii), want_choice=tile.want_choice
    )
    return _TileResult(
        tile.origins,
        sub.segments,
        sums,
        choice,
        choice_wl,
        sub.nbytes + search + sums.nbytes,
    )


#: Tiles on the cluster beyond one per worker thread: a thread that finishes one
#: starts the next at once while the client cuts another (tens of milliseconds,
#: against seconds per tile). Few, because the scheduler keeps each tile's data
#: until it has run (to rerun it if its worker dies).
TILES_QUEUED = 2


def _tiled_sums(
    client: Any,
    net: _Network,
    *,
    threads: int,
    tile_size: int | None,
    xy: np.ndarray | None,
    sample: np.ndarray | None,
    progress: ProgressLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`segment_sums` in spatial tiles with halos (all radii finite).

    The client cuts each tile's sub-network out of the whole network
    (:class:`stadsrum.tiles.HaloFinder`, whose docstring proves the halo
    enough) while the workers run earlier tiles; a tile travels inside its
    task, so a worker holds only the tiles it runs, and a tile lost with its
    worker is rerun elsewhere from the task the scheduler keeps. Results come
    back tile by tile and are added into the client's arrays: per-origin rows
    are placed, choice (a sum over origins) is added.
    """
    import uuid

    from distributed import as_completed

    from stadsrum.kernels.segment import N_SUMS
    from stadsrum.tiles import HaloFinder, halo_metres, tile_origins

    radii, want_choice = net.radii, net.want_choice
    n = len(net.seglen)
    r = len(radii)
    if tile_size is None:
        tile_size = min(MAX_CHUNK, max(1, math.ceil(n / (CHUNKS_PER_THREAD * max(threads, 1)))))
    tiles = tile_origins(n, tile_size, xy)
    r_max = float(radii[-1])
    halo_m = halo_metres(r_max)
    progress.message(
        f"segment analysis on Dask: {len(tiles)} tiles of up to {tile_size:,} origins, "
        f"each with the network within {r_max:,.0f} m of it, {threads} worker threads now"
    )
    finder = HaloFinder(net.indptr, net.dst, net.tlen)
    pending = iter(enumerate(tiles))
    run = uuid.uuid4().hex
    sums = np.zeros((n, r, N_SUMS))
    choice = np.zeros((n if want_choice else 1, r))
    choice_wl = np.zeros_like(choice)
    sizes: dict[str, int] = {}
    futures: dict[str, Any] = {}
    done = as_completed()
    # the largest sub-network and task footprint seen, for the benchmark
    largest = [0, 0]

    def submit_next() -> bool:
        item = next(pending, None)
        if item is None:
            return False
        i, origins = item
        segments = finder.halo_segments(origins, halo_m)
        if sample is not None:
            origins = origins[sample[origins]]
        sub = finder.sub_network(origins, segments, net.tcost, net.seglen, net.weight)
        tile = _Tile(
            sub,
            origins,
            radii,
            net.catchment,
            net.metric_cost,
            net.has_free_moves,
            net.depth_scale,
            net.harmonic_offset,
            want_choice,
        )
        key = f"stadsrum-segment-tile-{run}-{i}"
        with warnings.catch_warnings():
            # Dask warns of a task carrying data (over 10 MB: a large tile and halo)
            # and advises scattering it; each tile is sent once, and in its task
            # the scheduler can rerun it when a worker dies, as a scattered one cannot
            warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
            fut = client.submit(_analyse_tile, tile, pure=False, key=key)
        futures[key] = fut
        sizes[key] = len(origins)
        done.add(fut)
        largest[0] = max(largest[0], len(segments))
        return True

    try:
        for _ in range(max(threads, 1) + TILES_QUEUED):
            if not submit_next():
                break
        while futures:
            check_cancelled(progress)
            batch = done.next_batch(block=False)
            if not batch:
                time.sleep(POLL_S)
                continue
            for fut in batch:
                part: _TileResult = fut.result()  # raises the task's own error here
                sums[part.origins] = part.sums
                if want_choice:
                    # np.add.at is not needed: a tile's segments are distinct
                    choice[part.segments] += part.choice
                    choice_wl[part.segments] += part.choice_wl
                largest[1] = max(largest[1], part.peak_bytes)
                progress.advance(sizes[fut.key])
                del futures[fut.key]
                submit_next()
        check_cancelled(progress)
    except BaseException as exc:
        done.clear()
        if futures:
            client.cancel(list(futures.values()))  # no task depends on a tile's
        futures.clear()
        if type(exc).__name__ == "KilledWorker":
            raise StadsrumError(
                f"Dask workers died repeatedly running the segment analysis ({exc}); "
                "they may be short of memory: use fewer threads per worker or more memory "
                "per worker"
            ) from exc
        raise
    LAST_TILED_RUN.update(
        tiles=len(tiles),
        tile_size=tile_size,
        halo_m=halo_m,
        largest_sub_segments=largest[0],
        largest_task_bytes=largest[1],
    )
    if not want_choice:
        return sums, np.zeros((n, r)), np.zeros((n, r))
    return sums, choice, choice_wl


#: Facts of the latest tiled run in this process (tile count, largest sub-network in
#: segments, largest task's own arrays in bytes): for tests and the benchmark.
LAST_TILED_RUN: dict[str, float] = {}


def _wait_for_a_worker(client: Any, progress: ProgressLike) -> None:
    """Wait, cancellably, until the cluster has a worker: a batch cluster (SLURM) starts
    its workers when the queue lets it, and a scatter with none fails at once."""
    if client.nthreads():
        return
    # every analysis waits here, not only the segment analysis
    progress.message("Dask: waiting for the first worker to start")
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


# --- every other analysis: groups of searches as Dask tasks ---------------------------
#
# Accessibility, distances, service areas, areas and betweenness all run their searches
# through :func:`stadsrum.measures._parallel.run_groups`: a list of groups (origins,
# places, chunks of residents), a ``work(group, scratch)`` closure that calls the
# compiled kernel, and per-thread scratch arrays. On a cluster the same closure runs on
# the workers: it and everything it holds (the graph's arrays, the linked places) are
# sent to every worker once, each task runs a chunk of groups, and the results come
# back to the calling thread where the local engine's ``consume`` takes them as
# before. Sums that accumulate in the scratch arrays (betweenness flows) are added up
# in a tree of tasks on the cluster. A run asks for the cluster through a context
# (:func:`on_cluster`) rather than a ``client`` argument threaded through every
# helper, so the measures' code is the local engine's, line for line.


class _Cluster:
    """A client, or a ``--scheduler`` to reach when the first search asks for it (so a
    bad input fails before any worker process is started)."""

    def __init__(self, client: Any, scheduler: str | None) -> None:
        self.client = client
        self.scheduler = scheduler
        self.stack = ExitStack()

    def get(self) -> Any:
        if self.client is None:
            self.client = self.stack.enter_context(connect(self.scheduler))
        return self.client


_CLUSTER: ContextVar[_Cluster | None] = ContextVar("stadsrum_cluster", default=None)


@contextmanager
def on_cluster(client: Any = None, *, scheduler: str | None = None) -> Iterator[None]:
    """Run the searches started inside on ``client``'s cluster, or on ``scheduler``'s.

    ``client=None`` with ``scheduler`` ``None`` or ``local`` changes nothing (an
    enclosing cluster, if any, stays in force). A ``scheduler`` is reached, or a
    ``local-cluster`` started, at the first search and closed on leaving.
    """
    check_scheduler(scheduler)
    if client is None and (scheduler is None or scheduler == "local"):
        yield
        return
    cluster = _Cluster(client, scheduler)
    token = _CLUSTER.set(cluster)
    try:
        with cluster.stack:
            yield
    finally:
        _CLUSTER.reset(token)


def active_client() -> Any:
    """The Dask client that searches run on now, or ``None`` for the local engine."""
    cluster = _CLUSTER.get()
    return None if cluster is None else cluster.get()


P = ParamSpec("P")
R = TypeVar("R")


def takes_client(func: Callable[P, R]) -> Callable[P, R]:
    """Let a measure with a ``client`` parameter run its searches on that cluster.

    The measure itself ignores its ``client``: this wrapper puts it in force
    (:func:`on_cluster`) for the call.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        client = kwargs.get("client")
        if client is None:
            return func(*args, **kwargs)
        with on_cluster(client):
            return func(*args, **kwargs)

    return wrapper


def takes_scheduler(func: Callable[P, R]) -> Callable[P, R]:
    """Let a ``run_*`` workflow with ``scheduler`` and ``client`` parameters run its
    searches there: the value is checked at once, the cluster reached when needed."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        scheduler = kwargs.get("scheduler")
        client = kwargs.get("client")
        check_scheduler(scheduler)  # type: ignore[arg-type]
        with on_cluster(client, scheduler=None if client is not None else scheduler):  # type: ignore[arg-type]
            return func(*args, **kwargs)

    return wrapper


def _dispatcher_by_name(module: str, name: str) -> Any:
    """A compiled kernel on a worker: its module's own, so numba's disk cache serves it."""
    import importlib

    return getattr(importlib.import_module(module), name)


def _reduce_dispatcher(kernel: Any) -> Any:
    """Pickle a numba kernel by its module and name where it is one of a module's.

    numba pickles a kernel as its Python source, and a worker rebuilding it
    from that compiles it afresh, without the disk cache: a minute or two per
    worker process for the population kernels. By name, the worker imports
    the module and loads the kernel cached the first time this machine (or the
    shared disk of a cluster) compiled it.
    """
    func = getattr(kernel, "py_func", None)
    module = sys.modules.get(getattr(func, "__module__", None) or "")
    name = getattr(func, "__name__", "")
    if module is not None and getattr(module, name, None) is kernel:
        return _dispatcher_by_name, (module.__name__, name)
    return kernel.__reduce__()


@contextmanager
def _kernels_by_name() -> Iterator[None]:
    """:func:`_reduce_dispatcher` for the numba kernels pickled inside (a scatter)."""
    from numba.core.registry import CPUDispatcher

    before = copyreg.dispatch_table.get(CPUDispatcher)
    copyreg.pickle(CPUDispatcher, _reduce_dispatcher)
    try:
        yield
    finally:
        if before is None:
            copyreg.dispatch_table.pop(CPUDispatcher, None)
        else:
            copyreg.dispatch_table[CPUDispatcher] = before


class _Kernel:
    """A run's groups, its ``work`` and scratch maker: sent to every worker once."""

    def __init__(
        self,
        items: list[Any],
        work: Callable[[Any, Any], Any],
        make_scratch: Callable[[], Any],
        part: Callable[[Any], np.ndarray] | None,
    ) -> None:
        self.items = items
        self.work = work
        self.make_scratch = make_scratch
        self.part = part
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_local"]  # per-thread scratch stays on its worker
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()
        # on a worker: Dask copies the kernel on to the other workers by pickling
        # it again there, and it must go by name then too (a worker runs nothing else)
        from numba.core.registry import CPUDispatcher

        copyreg.pickle(CPUDispatcher, _reduce_dispatcher)

    def scratch(self) -> Any:
        """Scratch for this task. Each worker thread keeps its own, as the local
        engine's threads do, except where the scratch gathers sums (``part``):
        then a fresh one per task, so a chunk rerun after a lost worker adds its
        sums once."""
        if self.part is not None:
            return self.make_scratch()
        s = getattr(self._local, "scratch", None)
        if s is None:
            s = self._local.scratch = self.make_scratch()
        return s


@dataclass(frozen=True)
class _Chunk:
    """What one task sends back: its first group's index, each group's result, and
    the sums its scratch gathered (``None`` without ``part``)."""

    first: int
    results: list[Any]
    part: np.ndarray | None


def _run_chunk(kernel: _Kernel, first: int, stop: int) -> _Chunk:
    """One task: groups ``first`` to ``stop`` on this worker's thread."""
    s = kernel.scratch()
    results = [kernel.work(kernel.items[i], s) for i in range(first, stop)]
    part = None if kernel.part is None else np.array(kernel.part(s), copy=True)
    return _Chunk(first, results, part)


def _results_of(chunk: _Chunk) -> _Chunk:
    """The chunk without its sums: what the client fetches (the sums go up the tree)."""
    return _Chunk(chunk.first, chunk.results, None)


def _add_parts(*parts: _Chunk | np.ndarray) -> np.ndarray:
    """One reduction task; a new array, never in place (a retried task sees its
    inputs again)."""
    arrays = [p.part if isinstance(p, _Chunk) else p for p in parts]
    total = np.array(arrays[0], copy=True)
    for a in arrays[1:]:
        total += a
    return total


def map_groups(
    client: Any,
    items: list[Any],
    work: Callable[[Any, Any], Any],
    make_scratch: Callable[[], Any],
    *,
    progress: ProgressLike,
    label: str,
    consume: Callable[[int, Any], None] | None = None,
    part: Callable[[Any], np.ndarray] | None = None,
    chunk_size: int | None = None,
) -> tuple[list[Any], np.ndarray | None]:
    """:func:`~stadsrum.measures._parallel.run_groups` on ``client``'s cluster.

    Returns the results in input order (``None`` each with ``consume``, which
    takes them on this thread as chunks finish, in any order) and, with
    ``part``, the sum over tasks of ``part(scratch)``. Progress advances by each
    chunk's groups; a cancel, an error or a lost run lets go of every task.
    """
    from distributed import as_completed

    n = len(items)
    results: list[Any] = [None] * n
    progress.start(label, n)
    _wait_for_a_worker(client, progress)
    threads = sum(client.nthreads().values())
    if chunk_size is None:
        chunk_size = min(MAX_CHUNK, max(1, math.ceil(n / (CHUNKS_PER_THREAD * max(threads, 1)))))
    starts = range(0, n, chunk_size)
    held: list[Any] = []
    done: Any = None
    total: np.ndarray | None = None
    # every name that may hold a future, so that the except clause can drop them all
    chunks: list[Any] = []
    fetch: list[Any] = []
    level: list[Any] = []
    batch: list[Any] = []
    fut: Any = None
    try:
        with _kernels_by_name():  # pickled (and sent) before scatter returns
            kernel = client.scatter(
                _Kernel(items, work, make_scratch, part), broadcast=True, hash=False
            )
        held.append(kernel)
        tag = f"{kernel.key}"
        chunks = [
            client.submit(
                _run_chunk,
                kernel,
                s,
                min(s + chunk_size, n),
                pure=False,
                key=f"stadsrum-groups-chunk-{tag}-{i}",
            )
            for i, s in enumerate(starts)
        ]
        if part is None:
            fetch = chunks
        else:
            fetch = [
                client.submit(_results_of, c, pure=False, key=f"stadsrum-groups-take-{tag}-{i}")
                for i, c in enumerate(chunks)
            ]
            level = list(chunks)
            depth = 0
            while True:
                depth += 1
                level = [
                    client.submit(
                        _add_parts,
                        *level[i : i + FAN_IN],
                        pure=False,
                        key=f"stadsrum-groups-sum-{tag}-{depth}-{i}",
                    )
                    for i in range(0, len(level), FAN_IN)
                ]
                if len(level) <= 1:
                    break
            held.extend(level)  # the root (none without groups)
        done = as_completed(fetch)
        chunks = fetch = level = []  # the tree and `done` hold what they need
        while not done.is_empty():
            check_cancelled(progress)
            batch = done.next_batch(block=False)
            if not batch:
                time.sleep(POLL_S)
                continue
            for fut in batch:
                chunk: _Chunk = fut.result()  # a task's own error is raised here
                fut.release()
                for j, value in enumerate(chunk.results):
                    if consume is None:
                        results[chunk.first + j] = value
                    else:
                        consume(chunk.first + j, value)
                progress.advance(len(chunk.results))
        check_cancelled(progress)
        if len(held) > 1:
            total = held[1].result()
    except BaseException as exc:
        # as in segment_sums: let go of every future, cancel only those without
        # dependents (the tree's root), and say plainly when workers keep dying
        if done is not None:
            done.clear()
        if len(held) > 1:
            client.cancel(held[1:])
        # the traceback keeps this frame alive: drop its futures now, not when it goes
        held.clear()
        chunks = fetch = level = batch = []
        kernel = fut = None
        if type(exc).__name__ == "KilledWorker":
            raise StadsrumError(
                f"Dask workers died repeatedly running {label} ({exc}); they may be short "
                "of memory: use fewer threads per worker or more memory per worker"
            ) from exc
        raise
    del held, kernel
    progress.finish()
    return results, total

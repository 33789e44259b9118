"""Run per-group searches on worker threads (the kernels release the GIL).

Each worker owns O(n) scratch arrays for the whole run; progress and cancel
are handled between groups on the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, TypeVar

import numpy as np

from stadsrum.progress import ProgressLike, check_cancelled, compile_notice

__all__ = ["Scratch", "TwoSearches", "run_groups", "run_groups_summed", "thread_count"]

T = TypeVar("T")
S = TypeVar("S")  # a worker's scratch: Scratch, or an analysis's own record


class Scratch:
    """Per-worker arrays for :func:`stadsrum.kernels.search.state_search`.

    ``search`` bundles them as the kernels take them
    (:class:`~stadsrum.kernels.search.SearchScratch`); the attributes are the
    same arrays, for kernels that take them one by one.
    """

    def __init__(self, n_states: int, n_transitions: int, max_sources: int) -> None:
        from stadsrum.kernels.search import search_scratch

        self.search = search_scratch(n_states, n_transitions, max_sources)
        (
            self.dist,
            self.rlen,
            self.pred,
            self.settled,
            self.order,
            self.hkey,
            self.hval,
            self.src,
            self.src_cost,
            self.segdist,
        ) = self.search

    def args(self) -> tuple[np.ndarray, ...]:
        """The scratch arrays in the kernels' argument order."""
        return (
            self.dist,
            self.rlen,
            self.pred,
            self.settled,
            self.order,
            self.hkey,
            self.hval,
            self.src,
            self.src_cost,
        )


class TwoSearches(Scratch):
    """:class:`Scratch` plus a second search's per-state arrays (``cost``), for a
    kernel that runs two searches over the same states in turn (sharing the
    first one's heap and start states)."""

    def __init__(self, n_states: int, n_transitions: int, max_sources: int) -> None:
        from stadsrum.kernels.search import search_scratch

        super().__init__(n_states, n_transitions, max_sources)
        self.cost = search_scratch(n_states, 0, 1)


def thread_count(threads: int | None) -> int:
    """Worker threads: the given number, or numba's thread count (all cores)."""
    import numba

    # int("2") would pass a text through; bool is an int that means no count
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int | np.integer)
    ):
        raise TypeError(
            f"threads must be a whole number (int) or None, got {type(threads).__name__} "
            f"{threads!r}"
        )
    n = numba.get_num_threads() if threads is None else int(threads)
    if n < 1:
        from stadsrum.errors import InputError

        raise InputError("threads must be at least 1")
    return n


def run_groups(
    groups: Iterable[T],
    work: Callable[[T, S], Any],
    make_scratch: Callable[[], S],
    *,
    threads: int,
    progress: ProgressLike,
    label: str,
    total: int,
    consume: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Apply ``work(group, scratch)`` to every group; results in input order.

    With ``consume``, each result is handed to ``consume(index, result)`` on
    the calling thread as it arrives and not kept (the list holds ``None``).
    Inside :func:`stadsrum.distributed.on_cluster` the groups run as tasks on
    its Dask cluster instead (``threads`` is then the cluster's).
    """
    from stadsrum.distributed import active_client, map_groups

    items = list(groups)
    client = active_client()
    if client is not None:
        return map_groups(
            client, items, work, make_scratch, progress=progress, label=label, consume=consume
        )[0]
    results: list[Any] = [None] * len(items)

    def keep(i: int, value: Any) -> None:
        if consume is None:
            results[i] = value
        else:
            consume(i, value)

    progress.start(label, total)
    local = threading.local()
    stop = threading.Event()

    def job(i: int) -> tuple[int, Any]:
        if stop.is_set():
            return i, None
        if not hasattr(local, "scratch"):
            local.scratch = make_scratch()
        return i, work(items[i], local.scratch)

    with compile_notice(progress):  # the first chunk may compile its kernel
        if threads <= 1:
            for i in range(len(items)):
                check_cancelled(progress)
                keep(i, job(i)[1])
                progress.advance()
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                pending: set[Any] = set()
                nxt = 0
                try:
                    while nxt < len(items) or pending:
                        while nxt < len(items) and len(pending) < 2 * threads:
                            pending.add(pool.submit(job, nxt))
                            nxt += 1
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in done:
                            i, value = fut.result()
                            keep(i, value)
                            progress.advance()
                        check_cancelled(progress)
                except BaseException:
                    stop.set()
                    raise
    progress.finish()
    return results


def run_groups_summed(
    groups: Iterable[T],
    work: Callable[[T, Any], Any],
    make_scratch: Callable[[], Any],
    part: Callable[[Any], np.ndarray],
    *,
    threads: int,
    progress: ProgressLike,
    label: str,
    total: int,
) -> tuple[list[Any], np.ndarray | None]:
    """:func:`run_groups` for work that adds into its scratch: the results and the
    sum of ``part(scratch)`` over every scratch used (``None`` when none was).

    Locally the scratches are added in the order they were made; on a cluster
    (:func:`stadsrum.distributed.on_cluster`) each task's sums are added up in a
    tree of tasks, so only the order of the additions differs.
    """
    from stadsrum.distributed import active_client, map_groups

    client = active_client()
    if client is not None:
        return map_groups(
            client, list(groups), work, make_scratch, progress=progress, label=label, part=part
        )
    made: list[Any] = []

    def make() -> Any:
        s = make_scratch()
        made.append(s)  # list.append is atomic: worker threads may make theirs at once
        return s

    results = run_groups(
        groups, work, make, threads=threads, progress=progress, label=label, total=total
    )
    summed: np.ndarray | None = None
    for s in made:
        summed = np.array(part(s), copy=True) if summed is None else summed + part(s)
    return results, summed

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

__all__ = ["Scratch", "run_groups", "thread_count"]

T = TypeVar("T")


class Scratch:
    """Per-worker arrays for :func:`stadsrum.kernels.search.state_search`."""

    def __init__(self, n_states: int, n_transitions: int, max_sources: int) -> None:
        self.dist = np.full(n_states, np.inf)
        self.rlen = np.full(n_states, np.inf)
        self.pred = np.full(n_states, -1, dtype=np.int64)
        self.settled = np.zeros(n_states, dtype=np.int64)
        self.order = np.empty(n_states, dtype=np.int64)
        self.hkey = np.empty(n_transitions + 2 * max_sources + 2)
        self.hval = np.empty(n_transitions + 2 * max_sources + 2, dtype=np.int64)
        self.src = np.empty(2 * max_sources, dtype=np.int64)
        self.src_cost = np.empty(2 * max_sources)
        self.segdist = np.full(n_states // 2, np.inf)

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
    work: Callable[[T, Scratch], Any],
    make_scratch: Callable[[], Scratch],
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
    """
    items = list(groups)
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

"""Progress and cancellation, shared by the CLI (tqdm), QGIS (feedback) and scripts.

Long steps call :meth:`Progress.step` between chunks of work, never inside
compiled kernels. A step reports how far it is and raises
:class:`~stadsrum.errors.CancelledError` when the user asked to stop, so work
ends between chunks and no partial output is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from stadsrum.errors import CancelledError
from stadsrum.i18n import translate

__all__ = [
    "COMPILING",
    "Progress",
    "ProgressLike",
    "TqdmProgress",
    "as_progress",
    "compile_notice",
]

log = logging.getLogger(__name__)


class ProgressLike(Protocol):
    """What a progress reporter offers; any object with these methods will do."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def finish(self) -> None: ...

    def message(self, text: str) -> None: ...

    def is_cancelled(self) -> bool: ...


class Progress:
    """Silent reporter that tracks counts and can be cancelled.

    Subclass it, or pass callables, to forward progress elsewhere.

    Parameters
    ----------
    on_update
        Called with ``(label, done, total)`` after every advance.
    on_message
        Called with one line of text for each pipeline step.
    is_cancelled
        Returns ``True`` when the user asked to stop.
    """

    def __init__(
        self,
        *,
        on_update: Callable[[str, int, int], None] | None = None,
        on_message: Callable[[str], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.label = ""
        self.total = 0
        self.done = 0
        self._on_update = on_update
        self._on_message = on_message
        self._is_cancelled = is_cancelled
        self._cancel_requested = False

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(int(total), 0), 0
        self._update()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._update()

    def finish(self) -> None:
        self.done = self.total
        self._update()

    def message(self, text: str) -> None:
        log.info(text)
        if self._on_message is not None:
            self._on_message(text)

    def cancel(self) -> None:
        """Ask the running work to stop at the next check."""
        self._cancel_requested = True

    def is_cancelled(self) -> bool:
        if self._cancel_requested:
            return True
        return bool(self._is_cancelled is not None and self._is_cancelled())

    def _update(self) -> None:
        if self._on_update is not None:
            self._on_update(self.label, self.done, self.total)


class TqdmProgress(Progress):
    """Progress on standard error: a tqdm bar per step on a terminal, plain lines otherwise.

    A bar redraws itself with carriage returns, which a log file or a CI console
    keeps as one ever longer line. When standard error is not a terminal, a step
    instead writes a line each time it passes another tenth of its work (at most
    one per ``interval`` seconds) and one when it is done.

    Parameters
    ----------
    disable
        Show nothing (``--quiet``).
    plain
        Write plain lines instead of bars. Default: when standard error is not a
        terminal, except in a Jupyter kernel (its stderr is no terminal, but tqdm
        draws a widget there).
    interval
        Least number of seconds between two plain lines of a step, its last line excepted.
    """

    def __init__(
        self, *, disable: bool = False, plain: bool | None = None, interval: float = 5.0
    ) -> None:
        import sys

        super().__init__()
        self._disable = disable
        if plain is None:
            plain = not sys.stderr.isatty() and "ipykernel" not in sys.modules
        self._plain = plain
        self._interval = interval
        self._bar: Any = None
        self._started = 0.0
        self._last_line = 0.0
        self._tenths = 0

    def start(self, label: str, total: int) -> None:
        self._close()
        super().start(label, total)
        if self._disable:
            return
        if self._plain:
            self._started = self._last_line = time.monotonic()
            self._tenths = 0
            return
        from tqdm.auto import tqdm

        self._bar = tqdm(total=self.total, desc=label, leave=False)

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self._bar is not None:
            self._bar.update(n)
        elif self._plain and not self._disable and self.total > 0:
            tenths = min(10 * self.done // self.total, 9)
            now = time.monotonic()
            if tenths > self._tenths and now - self._last_line >= self._interval:
                self._tenths, self._last_line = tenths, now
                self._write(
                    translate(f"{self.label}: {10 * tenths}% after {_seconds(now - self._started)}")
                )

    def finish(self) -> None:
        super().finish()
        if self._plain and not self._disable and self.label:
            self._write(
                translate(f"{self.label}: done in {_seconds(time.monotonic() - self._started)}")
            )
            self.label = ""
        self._close()

    def message(self, text: str) -> None:
        log.info(text)
        if not self._disable:
            self._write(text)

    def restart_clock(self) -> None:
        """Pace the bar from now on: kernels compiled in its first chunk (see
        :func:`compile_notice`) would make its estimate of the time left far too long."""
        if self._bar is not None:
            done = self._bar.n
            self._bar.reset(total=self.total)
            self._bar.update(done)

    def _write(self, text: str) -> None:
        import sys

        if self._plain:
            print(text, file=sys.stderr, flush=True)
        else:
            from tqdm.auto import tqdm

            tqdm.write(text, file=sys.stderr)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _seconds(elapsed: float) -> str:
    if elapsed < 60:
        return f"{elapsed:.1f} s"
    minutes, seconds = divmod(round(elapsed), 60)
    return f"{minutes} min {seconds:02d} s"


COMPILING = "compiling kernels (first run only)"
"""What a user sees while numba compiles; the compiled kernels are cached for later runs."""


@contextmanager
def compile_notice(progress: ProgressLike) -> Iterator[None]:
    """Say :data:`COMPILING` when a kernel is compiled inside the block, once.

    The first analysis on a machine compiles its kernels for a while inside
    its first chunk of work; a bar would take that for the pace of the work
    and estimate many minutes. numba reports real compilations only (not
    loads from its cache), so a later run stays silent. When the compilation
    ends, a reporter with a ``restart_clock()`` method is told to pace its bar
    from then on.
    """
    from numba.core import event

    class Listener(event.Listener):
        """Compilations nest (a kernel compiles its callees); numba calls these on the
        compiling thread, under its global compiler lock: one compilation at a time."""

        depth = 0
        announced = False

        def on_start(self, ev: Any) -> None:
            self.depth += 1
            if self.depth == 1 and not self.announced:
                self.announced = True
                progress.message(COMPILING)

        def on_end(self, ev: Any) -> None:
            self.depth -= 1
            restart = getattr(progress, "restart_clock", None)
            if self.depth == 0 and callable(restart):
                restart()

    with event.install_listener("numba:compile", Listener()):
        yield


def as_progress(progress: ProgressLike | None) -> ProgressLike:
    """Return ``progress`` or a silent reporter when it is ``None``."""
    return Progress() if progress is None else progress


def check_cancelled(progress: ProgressLike) -> None:
    """Raise :class:`CancelledError` when the user asked to stop."""
    if progress.is_cancelled():
        raise CancelledError("cancelled by the user; nothing was written")

"""Progress and cancellation, shared by the CLI (tqdm), QGIS (feedback) and scripts.

Long steps call :meth:`Progress.step` between chunks of work, never inside
compiled kernels. A step reports how far it is and raises
:class:`~stadsrum.errors.CancelledError` when the user asked to stop, so work
ends between chunks and no partial output is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from stadsrum.errors import CancelledError

__all__ = ["Progress", "ProgressLike", "TqdmProgress", "as_progress"]

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
    """Progress shown as tqdm bars on standard error, one bar per step."""

    def __init__(self, *, disable: bool = False) -> None:
        super().__init__()
        self._disable = disable
        self._bar = None

    def start(self, label: str, total: int) -> None:
        from tqdm.auto import tqdm

        self._close()
        super().start(label, total)
        self._bar = tqdm(total=self.total, desc=label, disable=self._disable, leave=False)

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        super().finish()
        self._close()

    def message(self, text: str) -> None:
        log.info(text)
        if not self._disable:
            import sys

            from tqdm.auto import tqdm

            tqdm.write(text, file=sys.stderr)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def as_progress(progress: ProgressLike | None) -> ProgressLike:
    """Return ``progress`` or a silent reporter when it is ``None``."""
    return Progress() if progress is None else progress


def check_cancelled(progress: ProgressLike) -> None:
    """Raise :class:`CancelledError` when the user asked to stop."""
    if progress.is_cancelled():
        raise CancelledError("cancelled by the user; nothing was written")

"""Check an output path before the work starts, and explain write failures.

An analysis can run for minutes; a read-only folder, a file where a folder
should be or a wrong extension found only when the result is written wastes
all of it. :func:`check_writable` finds these at the start, without creating
anything: missing folders are made only when a result is actually written
(:func:`make_parents`), and removed again when that write fails
(:func:`remove_empty`), so a failing run leaves no new folder behind.

:func:`disk_full_message` recognises the many shapes a full disk takes (an
``OSError`` with ``ENOSPC``, GDAL's "Failed to commit transaction", SQLite's
"database or disk is full") and says so in a planner's words.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from stadsrum.errors import CancelledError, InputTypeError, OutputError

__all__ = [
    "check_writable",
    "disk_full_error",
    "disk_full_message",
    "is_disk_full",
    "make_parents",
    "note_written",
    "remove_empty",
    "written_before",
]

#: Texts by which GDAL, SQLite and the C library report a full disk (or quota).
_FULL_TEXTS = (
    "no space left on device",
    "disk is full",
    "disk quota exceeded",
    "failed to commit transaction",
)


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def check_writable(
    path: str | Path | None, *, folder: bool = False, suffix: str | None = None
) -> Path | None:
    """Refuse an output that cannot be written, before any work is done.

    Creates nothing: folders that are missing are made when the output is
    written (see :func:`make_parents`).

    Parameters
    ----------
    path
        The output file, or with ``folder=True`` the output folder; None (no
        output) passes.
    folder
        ``path`` is a folder that will hold several outputs.
    suffix
        The extension the output must have, such as ``".gpkg"``.

    Raises
    ------
    OutputError
        When ``path`` has the wrong extension, is a folder where a file is
        wanted (or the reverse), lies under a file, or its nearest existing
        folder cannot be written to.
    """
    if path is None:
        return None
    if not isinstance(path, str | os.PathLike):
        raise InputTypeError(
            f"the output must be a path (str or pathlib.Path), not {type(path).__name__}"
        )
    path = Path(path)
    what = "output folder" if folder else "output"
    if suffix is not None and not folder and path.suffix.lower() != suffix:
        raise OutputError(f"{what} '{path}' must end in {suffix}")
    if path.exists():
        if folder and not path.is_dir():
            raise OutputError(f"{what} '{path}' is a file; give a folder")
        if not folder and path.is_dir():
            raise OutputError(
                f"{what} '{path}' is a folder; give a file name such as "
                f"'{path / ('result' + (suffix or ''))}'"
            )
    # a file is written beside its target and renamed over it, so its folder must
    # be writable; a missing folder will be made inside the nearest existing one
    start = path if folder else path.parent
    existing = _nearest_existing(start.absolute())
    if not existing.is_dir():
        raise OutputError(
            f"{what} '{path}': '{existing}' is a file, not a folder; choose another output"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"{what} '{path}': the folder '{existing}' is not writable (permission denied "
            "or a read-only disk); choose another output folder"
        )
    return path


def make_parents(path: str | Path) -> list[Path]:
    """Create the missing folders above ``path``; return those created, outermost first."""
    parent = Path(path).absolute().parent
    missing = [p for p in (parent, *parent.parents) if not p.exists()][::-1]
    made: list[Path] = []
    for folder in missing:
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            # a place that looks writable but is not (/proc, a full or read-only
            # mount seen only by the kernel): say so, and leave none of the new folders
            remove_empty(made)
            raise OutputError(
                f"output '{path}': cannot create the folder '{folder}' ({exc.strerror or exc}); "
                "choose another output folder"
            ) from exc
        made.append(folder)
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Remove the folders :func:`make_parents` created if they are still empty, innermost first."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:  # not empty (the write succeeded) or already gone
            return


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) means the disk is full."""
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(seen).lower()
        if any(t in text for t in _FULL_TEXTS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _free_bytes(path: Path) -> int | None:
    existing = _nearest_existing(path.absolute())
    try:
        return shutil.disk_usage(existing if existing.is_dir() else existing.parent).free
    except OSError:
        return None


def _free_space(path: Path) -> str:
    """Free space on the disk holding ``path``, as text ("12 kB free on /mnt")."""
    existing = _nearest_existing(path.absolute())
    mount = existing if existing.is_dir() else existing.parent
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    free = _free_bytes(path)
    if free is None:
        return f"on the disk mounted at {mount}"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if free >= size:
            return f"{free / size:.0f} {unit} free on the disk mounted at {mount}"
    return f"{free} bytes free on the disk mounted at {mount}"


def disk_full_message(
    exc: BaseException, output: str | Path | None, *, known: bool = False
) -> str | None:
    """One line saying the disk is full and where, or None when ``exc`` is something else
    (``known``: the caller has found it is the disk)."""
    if not (known or is_disk_full(exc)):
        return None
    if output is None:
        return "the disk is full: the output could not be written; free some space and run again"
    output = Path(output)
    return (
        f"the disk is full: could not write '{output}' ({_free_space(output)}); nothing "
        "unfinished was left there: free some space or choose another output folder"
    )


#: A write that fails with less than this free on the disk failed because the disk is full.
NEARLY_FULL_BYTES = 1 << 20

#: Errors that GDAL and SQLite raise for a failed write (names: pyogrio is imported late).
_WRITE_ERRORS = {"FeatureError", "DataSourceError", "DataLayerError", "OperationalError"}


def disk_full_error(exc: BaseException, target: str | Path) -> OutputError | None:
    """An :class:`OutputError` saying the disk is full, or None when it is not that.

    Call it while the failed write's temporary file still takes its space: GDAL
    often reports a full disk only as a later "no such table", so a write error
    from GDAL or SQLite with under :data:`NEARLY_FULL_BYTES` left counts too.
    """
    if isinstance(exc, OutputError):
        return None
    target = Path(target)
    if not is_disk_full(exc):
        free = _free_bytes(target)
        if type(exc).__name__ not in _WRITE_ERRORS or free is None or free >= NEARLY_FULL_BYTES:
            return None
    return OutputError(disk_full_message(exc, target, known=True))


def _interrupt_in(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised from, an interrupt or a cancellation (numba
    boxes a KeyboardInterrupt raised in a kernel in a ``SystemError``)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt | CancelledError):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def note_written(
    exc: BaseException, label: str, outputs: Iterable[Path], since: float
) -> list[Path]:
    """Record on ``exc`` which of ``outputs`` a run of several outputs (a study, the
    demo) had written when it failed or was interrupted.

    A run that stops after its first results must not say "nothing was written":
    those files are whole (each was renamed into place when complete) and stay.
    ``outputs`` are the files the run may write, folders standing for the files in
    them; those changed at or after ``since`` (a ``time.time()``) count. The list is
    added to ``exc`` as a note (shown under a traceback, printed by the command line
    before its error line) and kept for :func:`written_before`. Returns the list.
    """
    done: list[Path] = []
    for path in outputs:
        files = (
            sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if path.is_dir()
            else [path]
        )
        done += [p for p in files if p.is_file() and p.stat().st_mtime >= since]
    how = "was interrupted" if _interrupt_in(exc) else "failed"
    listed = ", ".join(str(p) for p in done) if done else "nothing"
    exc.add_note(f"{label}: written before it {how}: {listed}")
    exc.written_before = done  # type: ignore[attr-defined]
    return done


def written_before(exc: BaseException) -> list[Path]:
    """The files :func:`note_written` recorded on ``exc`` or an exception it was raised
    from (empty when none were, or nothing recorded)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        done = getattr(link, "written_before", None)
        if done is not None:
            return list(done)
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return []

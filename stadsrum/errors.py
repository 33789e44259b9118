"""Exceptions raised by stadsrum.

Every error derives from :class:`StadsrumError`, and each subclass also
inherits the builtin exception it refines, so ``except ValueError`` keeps
working for callers that do not know stadsrum. Messages name the layer,
column or feature at fault and what to do next; the CLI prints them as a
single ``error: ...`` line and the QGIS plugin as a processing exception.
"""

from __future__ import annotations

__all__ = [
    "CancelledError",
    "InputError",
    "InputFileError",
    "InputTypeError",
    "NetworkError",
    "OutputError",
    "StadsrumError",
]


class StadsrumError(Exception):
    """Root of every error stadsrum raises on purpose.

    ``where`` names the Python function whose argument is at fault; it leads the
    text (``run_segments: radius 'far' …``) for a script's author, while
    :attr:`message` is the text without it, for the QGIS dialog and the command
    line, where the function's name means nothing to the user.
    """

    def __init__(self, *args: object, where: str | None = None) -> None:
        self.where = where
        self.message = str(args[0]) if args else ""
        if where and args:
            args = (f"{where}: {args[0]}", *args[1:])
        super().__init__(*args)


class InputError(StadsrumError, ValueError):
    """Input data or a parameter is unusable (empty layer, missing CRS, bad column, ...)."""


class InputFileError(InputError, OSError):
    """An input file does not exist, cannot be read, or is not a supported format."""


class InputTypeError(StadsrumError, TypeError):
    """A Python argument is of the wrong kind (a list or a DataFrame where a layer is due)."""


class NetworkError(StadsrumError, ValueError):
    """The street network cannot support the requested analysis."""


class OutputError(StadsrumError, OSError):
    """An output cannot be written (unwritable folder, wrong extension, full disk, ...)."""


class CancelledError(StadsrumError):
    """The user cancelled a running analysis; no output was written."""

"""Write results atomically: GeoPackage (styled, with run_metadata), CSV, GeoParquet.

Every writer builds the whole file under a temporary name beside the target
and renames it into place only when it is complete, so a failed or cancelled
run leaves no half-written file and never damages an earlier result.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import socket
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from stadsrum.errors import InputError
from stadsrum.io.outputs_check import disk_full_error, make_parents, remove_empty

__all__ = [
    "atomic_path",
    "check_not_an_input",
    "file_checksum",
    "remove_stale_temp_files",
    "run_metadata",
    "write_csv",
    "write_gpkg",
    "write_layer_styles",
    "write_parquet",
]

log = logging.getLogger(__name__)

#: GeoPackage version written. GDAL 3.7 and later write 1.4 by default, which GDAL 3.6
#: (the one Debian bookworm's QGIS 3.22 uses) opens with a warning that it "may only be
#: partially supported". 1.2 is what GDAL 3.6 writes itself; stadsrum uses nothing newer.
GPKG_VERSION = "1.2"


#: Temporary files are named ``.{target}.stadsrum-tmp-{host}-{pid}-{random}{suffix}`` so
#: that a later run can tell its own leftovers from anyone else's files, and whether the
#: process that wrote one is still running (see :func:`remove_stale_temp_files`).
TEMP_MARK = ".stadsrum-tmp-"
_TEMP_NAME = re.compile(r"^\..+\.stadsrum-tmp-(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-[^.]+\..+$")


def _host() -> str:
    """This machine's name as it appears in temporary file names (letters, digits, _)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40] or "host"


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (True when unsure: a live
    writer's file must never be taken for a stale one)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return _pid_alive_windows(pid, _WindowsProcesses())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):  # beyond any process id: a name no run wrote
        return False
    except OSError:  # another user's process (EPERM): alive
        return True
    return True


#: Windows' process ids are DWORDs; ``GetExitCodeProcess`` gives this while a process runs.
_MAX_WINDOWS_PID = 0xFFFFFFFF
_STILL_ACTIVE = 259
#: ``OpenProcess`` fails with this for an id no process has; any other failure
#: (access denied: a process of another user or a protected one) means it exists.
_ERROR_INVALID_PARAMETER = 87


class _WindowsProcesses:
    """The three kernel32 calls :func:`_pid_alive_windows` needs, typed.

    Declared argument and result types matter: by default ctypes takes a result
    for a C ``int``, which cuts a 64-bit ``HANDLE``, and the error code must be
    read with ``use_last_error`` (another call may overwrite ``GetLastError``).
    """

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes = ctypes
        k = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
        k.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        k.OpenProcess.restype = wintypes.HANDLE
        k.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        k.GetExitCodeProcess.restype = wintypes.BOOL
        k.CloseHandle.argtypes = (wintypes.HANDLE,)
        k.CloseHandle.restype = wintypes.BOOL
        self._k = k
        self._dword = wintypes.DWORD

    def open(self, pid: int) -> Any:
        """A handle to query the process, or None (see :meth:`last_error`)."""
        return self._k.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION

    def last_error(self) -> int:
        return int(self._ctypes.get_last_error())  # type: ignore[attr-defined,unused-ignore]

    def exit_code(self, handle: Any) -> int | None:
        """The process's exit code (:data:`_STILL_ACTIVE` while it runs), None on failure."""
        code = self._dword()
        ok = self._k.GetExitCodeProcess(handle, self._ctypes.byref(code))
        return int(code.value) if ok else None

    def close(self, handle: Any) -> None:
        self._k.CloseHandle(handle)


def _pid_alive_windows(pid: int, processes: Any) -> bool:
    """:func:`_pid_alive` on Windows, through ``processes`` (a :class:`_WindowsProcesses`,
    or a stand-in with its methods in a test)."""
    if not 0 < pid <= _MAX_WINDOWS_PID:  # 0 is the idle process, never a writer
        return False
    handle = processes.open(pid)
    if not handle:
        return processes.last_error() != _ERROR_INVALID_PARAMETER
    try:
        code = processes.exit_code(handle)
    finally:
        processes.close(handle)
    # a process that ended is still there while a handle to it is open: its exit
    # code says so; a failed query is no proof that it ended
    return code is None or code == _STILL_ACTIVE


def remove_stale_temp_files(folder: str | Path) -> list[Path]:
    """Remove stadsrum's temporary files in ``folder`` left by processes that are gone.

    A run killed outright (SIGKILL, power cut) cannot clean up after itself;
    its half-written file keeps the writer's host and process id in its name,
    so the next write to the same folder removes it once that process no
    longer runs on this machine. Files of live processes, of other machines
    (a shared drive) and anything not named by stadsrum are left alone.
    """
    removed: list[Path] = []
    host = _host()
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        for extra in ("-journal", "-wal", "-shm"):
            name = name.removesuffix(extra)
        match = _TEMP_NAME.match(name)
        if match is None or match["host"] != host or _pid_alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    if removed:
        log.info("removed %d stale temporary file(s) in %s", len(removed), folder)
    return removed


@contextlib.contextmanager
def atomic_path(target: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception, ``KeyboardInterrupt`` (Ctrl-C, and SIGTERM as the CLI
    turns it into one) included, the temporary file is removed and ``target``
    is untouched. Stale temporary files of killed runs in the same folder are
    removed first.
    """
    target = Path(target)
    created = make_parents(target)  # removed again below if the write fails
    remove_stale_temp_files(target.parent)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}{TEMP_MARK}{_host()}-{os.getpid()}-",
        suffix=suffix or "".join(target.suffixes) or ".tmp",
        dir=target.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except Exception as exc:
        # GDAL often hides ENOSPC behind "no such table"; free space is measured
        # before the temporary file below gives it back
        full = disk_full_error(exc, target)
        if full is not None:
            raise full from exc
        raise
    finally:
        for leftover in (
            tmp_path,
            Path(f"{tmp_path}-journal"),
            Path(f"{tmp_path}-wal"),
            Path(f"{tmp_path}-shm"),
        ):
            if leftover.exists():
                leftover.unlink()
        remove_empty(created)


def check_not_an_input(
    out: str | Path | None,
    inputs: Mapping[str, object],
    *,
    remedy: str = "give --out another file name",
) -> None:
    """Refuse an output file that is one of the inputs, before anything is computed.

    Writing replaces the output file as a whole, so ``--out`` naming an input
    (by the same path, a symbolic link or a hard link to it) would destroy
    that input and every layer in it. Inputs that are not files (GeoDataFrames,
    a prepared network) are skipped; ``FILE|layername=NAME`` counts as ``FILE``.
    ``remedy`` is the advice that ends the message.

    Raises
    ------
    InputError
        Naming the input and asking for another output file.
    """
    if out is None:
        return
    target = Path(out)
    for name, source in inputs.items():
        if not isinstance(source, str | Path):
            continue
        # as the readers take it: spaces around the file name dropped, ~ expanded
        path = Path(str(source).split("|")[0].strip()).expanduser()
        if _same_file(target.expanduser(), path):
            raise InputError(
                f"the output '{target}' is the {name} input '{source}': writing it would "
                f"replace that file and all its layers; {remedy}"
            )


def _same_file(a: Path, b: Path) -> bool:
    """Same path, or the same file through a link (same device and inode)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def file_checksum(path: str | Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_metadata(
    command: str,
    parameters: Mapping[str, Any],
    inputs: Mapping[str, str | Path | None] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The ``run_metadata`` table: what was run, with what, on which files, when.

    Input files are recorded with their SHA-256 so a result can be traced and
    reproduced.
    """
    from stadsrum._version import __version__

    rows: list[tuple[str, str]] = [
        ("stadsrum_version", __version__),
        ("command", command),
        ("created_utc", _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")),
        ("parameters", json.dumps(dict(parameters), default=str, ensure_ascii=False)),
    ]
    for name, source in (inputs or {}).items():
        if source is None:
            continue
        path = Path(str(source).split("|")[0])
        rows.append((f"input:{name}", str(source)))
        if path.is_file():
            rows.append((f"input:{name}:sha256", file_checksum(path)))
    for key, value in (extra or {}).items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append((key, text))
    return pd.DataFrame(rows, columns=["key", "value"])


def write_gpkg(
    path: str | Path,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    *,
    metadata: pd.DataFrame | None = None,
    styles: bool = True,
) -> Path:
    """Write layers (and a ``run_metadata`` table) to one GeoPackage, atomically.

    Every spatial layer gets its default QGIS style (:func:`stadsrum.io.styles.layer_qml`)
    in the file's ``layer_styles`` table, so QGIS opens it styled.

    Parameters
    ----------
    path
        Target ``.gpkg``; replaced as a whole if it exists.
    layers
        Layer name → GeoDataFrame (spatial layer) or DataFrame (table).
    metadata
        Table from :func:`run_metadata`, written as ``run_metadata``.
    styles
        Store the default styles (``layer_styles``).
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"output '{path}' must end in .gpkg")
    if not layers:
        raise InputError("nothing to write: no result layers")
    tables = dict(layers)
    if metadata is not None:
        tables["run_metadata"] = metadata
    with atomic_path(path, suffix=".gpkg") as tmp:
        for i, (name, frame) in enumerate(tables.items()):
            # The version is fixed when the file is created, by its first layer.
            options = {"VERSION": GPKG_VERSION} if i == 0 else None
            pyogrio.write_dataframe(
                _plain(frame), tmp, layer=name, driver="GPKG", dataset_options=options
            )
        if styles:
            from stadsrum.io.styles import layer_qml

            qml = {name: layer_qml(name, frame) for name, frame in layers.items()}
            write_layer_styles(tmp, {k: v for k, v in qml.items() if v is not None})
    log.info("wrote %s (%s)", path, ", ".join(layers))
    return path


#: ``layer_styles`` exactly as QGIS creates it in a GeoPackage (through OGR, QGIS 3.22).
_LAYER_STYLES_DDL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"


def write_layer_styles(path: str | Path, styles: Mapping[str, str]) -> None:
    """Store QML styles as the layers' default styles in a GeoPackage's ``layer_styles``.

    The table, its registration in ``gpkg_contents`` and the row values follow
    what QGIS writes when a style is saved to the database (empty catalog and
    schema, the layer's geometry column, ``useAsDefault = 1``), so QGIS
    applies the style as soon as the layer is added. An earlier default style
    of the same layer stops being the default. Writes in place: call it on a
    file that is not yet in its final place (as :func:`write_gpkg` does).
    """
    import sqlite3

    if not styles:
        return
    from stadsrum._version import __version__

    con = sqlite3.connect(path)
    try:
        with con:
            geom_cols = dict(
                con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
            )
            con.execute(_LAYER_STYLES_DDL)
            has_count = bool(
                con.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'"
                ).fetchone()
            )
            if not con.execute(
                "SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles'"
            ).fetchone():
                con.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                    f"last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                    f"'', {_NOW}, 0)"
                )
            for name, qml in styles.items():
                if name not in geom_cols:
                    continue
                con.execute(
                    'UPDATE "layer_styles" SET "useAsDefault" = 0 WHERE "f_table_name" = ? '
                    'AND "f_geometry_column" = ?',
                    (name, geom_cols[name]),
                )
                con.execute(
                    'INSERT INTO "layer_styles" ("f_table_catalog", "f_table_schema", '
                    '"f_table_name", "f_geometry_column", "styleName", "styleQML", "styleSLD", '
                    '"useAsDefault", "description", "owner") VALUES '
                    "('', '', ?, ?, ?, ?, '', 1, ?, '')",
                    (name, geom_cols[name], name, qml, f"stadsrum {__version__} default style"),
                )
            if has_count:
                (count,) = con.execute('SELECT count(*) FROM "layer_styles"').fetchone()
                con.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'")
                con.execute(
                    "INSERT INTO gpkg_ogr_contents (table_name, feature_count) "
                    "VALUES ('layer_styles', ?)",
                    (count,),
                )
                # GDAL keeps the count with these triggers; QGIS saving a style relies on them
                for when, sign in (("INSERT", "+"), ("DELETE", "-")):
                    con.execute(
                        "CREATE TRIGGER IF NOT EXISTS "
                        f'"trigger_{when.lower()}_feature_count_layer_styles" AFTER {when} ON '
                        '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = '
                        f"feature_count {sign} 1 WHERE lower(table_name) = lower('layer_styles'); "
                        "END"
                    )
    finally:
        con.close()


def write_parquet(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a layer as GeoParquet (a table without geometry as Parquet), atomically.

    Needs ``pyarrow`` (``pip install pyarrow``); the CRS is stored in the file.
    """
    path = Path(path)
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"writing '{path.name}' needs pyarrow for GeoParquet: pip install pyarrow"
        ) from exc
    with atomic_path(path, suffix=".parquet") as tmp:
        table = _plain(frame)
        if isinstance(table, gpd.GeoDataFrame):
            table.to_parquet(tmp, index=False)
        else:
            pd.DataFrame(table).to_parquet(tmp, index=False)
    return path


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a table (geometry dropped) as UTF-8 CSV, atomically."""
    path = Path(path)
    table = pd.DataFrame(_plain(frame).drop(columns="geometry", errors="ignore"))
    with atomic_path(path, suffix=".csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    return path


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns GDAL can store: lists and dicts become JSON text, names made unique."""
    out = frame.copy()
    if out.columns.duplicated().any():
        out.columns = _unique_names([str(c) for c in out.columns])
    for col in out.columns:
        if out[col].dtype == object and col != getattr(out, "_geometry_column_name", None):
            sample = out[col].dropna()
            if len(sample) and isinstance(sample.iloc[0], list | dict | tuple):
                out[col] = out[col].map(
                    lambda x: json.dumps(x, default=str) if x is not None else None
                )
    return out


def _unique_names(names: list[str]) -> list[str]:
    """Every name once: an earlier column of a repeated name is kept as ``{name}_input``.

    The analyses rename input columns that clash with their results before
    computing (:func:`stadsrum.measures.naming.input_renames`); this is the
    writers' last line of the same rule, for frames built otherwise, so a
    finished computation is never lost to a clash. Results come after the
    input's columns, so the last column of a name keeps it.
    """
    taken = set(names)
    out = list(names)
    for i, name in enumerate(names):
        if name in names[i + 1 :]:
            kept, n = f"{name}_input", 2
            while kept in taken:
                kept, n = f"{name}_input{n}", n + 1
            taken.add(kept)
            out[i] = kept
    log.warning("columns of the same name kept apart: %s", ", ".join(sorted(set(out) - set(names))))
    return out

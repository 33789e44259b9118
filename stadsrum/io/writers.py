"""Write results atomically: GeoPackage (with a run_metadata table) and CSV.

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
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from stadsrum.errors import InputError

__all__ = ["atomic_path", "file_checksum", "run_metadata", "write_csv", "write_gpkg"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def atomic_path(target: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.",
        suffix=suffix or "".join(target.suffixes) or ".tmp",
        dir=target.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        for leftover in (tmp_path, Path(f"{tmp_path}-journal"), Path(f"{tmp_path}-wal")):
            if leftover.exists():
                leftover.unlink()


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
    from stadsrum import __version__

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
) -> Path:
    """Write layers (and a ``run_metadata`` table) to one GeoPackage, atomically.

    Parameters
    ----------
    path
        Target ``.gpkg``; replaced as a whole if it exists.
    layers
        Layer name → GeoDataFrame (spatial layer) or DataFrame (table).
    metadata
        Table from :func:`run_metadata`, written as ``run_metadata``.
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"output '{path}' must end in .gpkg")
    if not layers:
        raise InputError("nothing to write: no result layers")
    with atomic_path(path, suffix=".gpkg") as tmp:
        for name, frame in layers.items():
            pyogrio.write_dataframe(_plain(frame), tmp, layer=name, driver="GPKG")
        if metadata is not None:
            pyogrio.write_dataframe(metadata, tmp, layer="run_metadata", driver="GPKG")
    log.info("wrote %s (%s)", path, ", ".join(layers))
    return path


def write_csv(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a table (geometry dropped) as UTF-8 CSV, atomically."""
    path = Path(path)
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    with atomic_path(path, suffix=".csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    return path


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns GDAL can store: lists and dicts become JSON text."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and col != getattr(out, "_geometry_column_name", None):
            sample = out[col].dropna()
            if len(sample) and isinstance(sample.iloc[0], list | dict | tuple):
                out[col] = out[col].map(
                    lambda x: json.dumps(x, default=str) if x is not None else None
                )
    return out

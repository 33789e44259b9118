"""numba's on-disk cache of :mod:`stadsrum.kernels`, kept in step with its sources.

numba keys a cached kernel on its own source file alone, while a kernel compiles
in the helpers it calls from other files (every search runs
:mod:`~stadsrum.kernels.search`'s heap): after a change to ``search.py`` alone,
``segment.py``'s cached kernels would still run the old heap. So the cache of
the kernels is dropped whole whenever any of their files changes (checked when
:mod:`stadsrum.kernels` is first imported, before any kernel is loaded).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

KERNELS = Path(__file__).resolve().parent / "kernels"


def drop_stale_cache(here: Path = KERNELS) -> bool:
    """Remove numba's cached kernels of the package in ``here`` when its sources
    differ from those they were compiled from (a stamp beside them); True if any
    were removed. Looks where numba keeps them: ``__pycache__`` beside the
    sources, or under ``NUMBA_CACHE_DIR``. A folder it cannot write is left as it
    is (numba then cannot cache there either)."""
    digest = hashlib.sha256()
    for source in sorted(here.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    stamp_text = digest.hexdigest()
    places = [here / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        mirrored = os.path.splitdrive(str(here.resolve()))[1].lstrip("/\\")
        places.append(Path(os.environ["NUMBA_CACHE_DIR"]) / mirrored)
    removed = False
    for place in places:
        stamp = place / "stadsrum-kernels.stamp"
        try:
            if stamp.is_file() and stamp.read_text() == stamp_text:
                continue
            for cached in [*place.glob("*.nbi"), *place.glob("*.nbc")]:
                cached.unlink()
                removed = True
            if place.is_dir():
                stamp.write_text(stamp_text)
        except OSError:
            continue
    return removed

"""Build the installable QGIS plugin zip (``stadsrum plugin-zip``).

The zip holds one folder, :data:`PLUGIN_FOLDER`, with the plugin from
``qgis_plugin/``, the top-level ``metadata.txt`` (its ``version`` stamped from
``pyproject.toml``), the licence, the Swedish translation compiled to Qt's
``.qm`` format, and a copy of the ``stadsrum`` core under ``bundled/``, which
the plugin puts first on ``sys.path`` (with its version stamped into
``stadsrum/_version.py``). It is built from a source checkout, or from an
installed package, whose wheel carries the plugin as data in
``stadsrum/qgis-plugin/`` (see ``setup.py``): both give the same zip. Only
the files :data:`PLUGIN_FILES` and :data:`CORE_FILES` name are packed, and no
link is followed out of the folder it is in.

The ``.qm`` writer here is a small re-implementation of Qt's ``lrelease``
(the format QTranslator reads), so packaging needs no Qt tools.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import struct
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stadsrum.errors import InputError
from stadsrum.io.writers import atomic_path

__all__ = [
    "CORE_FILES",
    "PLUGIN_FILES",
    "PLUGIN_FOLDER",
    "PluginSources",
    "build_plugin_zip",
    "compile_ts",
    "plugin_sources",
    "project_version",
    "source_root",
    "stamp_version",
    "version_module",
]

log = logging.getLogger(__name__)

PLUGIN_FOLDER = "stadsrum_plugin"
"""Folder name of the plugin inside the zip, and so in QGIS's plugin folder."""
VERSION_MODULE = "stadsrum/_version.py"
"""Module stamped into the bundled core with the version (``stadsrum.__version__``)."""
SHIPPED_PLUGIN = "qgis-plugin"
"""Folder of the installed package that holds the plugin, its metadata.txt and LICENSE."""
SHIPPED_DATA = frozenset({SHIPPED_PLUGIN, "sample_data"})
"""Data folders of the installed package, left out of the bundled core."""

# What the zip may hold, as paths relative to the plugin folder and to the core
# package ("*" matches within one folder). An allow-list, not a deny-list: a
# checkout or an installed package can hold anything beside the plugin (a
# .env, a virtual environment, editor backups, tests), and none of it ships.
# A new kind of plugin file is added here; test_plugin_packaging checks that
# every file git tracks in qgis_plugin/ is in the zip.
PLUGIN_FILES = (
    "*.py",
    "icon.png",
    "icon.svg",
    "algorithms/*.py",
    "help/*/*.html",
    "i18n/*.ts",
)
"""Files of ``qgis_plugin/`` packed into the zip (``metadata.txt`` and the licence apart)."""
CORE_FILES = ("*.py", "py.typed", "*/*.py", "*/*/*.py", "locale/*.po")
"""Files of the ``stadsrum`` package bundled into the zip (in it and its subpackages, two
deep: ``measures/barriers/``; the message catalogue ``locale/<lang>.po``)."""
_NOT_SHIPPED = ("test_*.py", "*_test.py", "conftest.py")


@dataclass(frozen=True)
class PluginSources:
    """Where the parts of the zip are read from."""

    plugin: Path
    """Folder with the plugin's code, help, icons and translations (``qgis_plugin/``)."""
    metadata: Path
    """The plugin's ``metadata.txt``."""
    licence: Path
    """The ``LICENSE`` copied into the zip (may be missing)."""
    core: Path
    """The ``stadsrum`` package bundled into the zip."""
    version: str


def source_root() -> Path:
    """The source checkout holding ``stadsrum/``, ``qgis_plugin/`` and ``metadata.txt``."""
    root = Path(__file__).resolve().parent.parent
    missing = [
        name
        for name in ("qgis_plugin", "metadata.txt", "pyproject.toml")
        if not (root / name).exists()
    ]
    if missing:
        raise InputError(
            f"the plugin zip is built from a stadsrum source checkout, but {', '.join(missing)} "
            f"is missing beside '{root / 'stadsrum'}'"
        )
    return root


def plugin_sources(root: str | Path | None = None) -> PluginSources:
    """The plugin's parts in the checkout ``root``; by default here or in the installed package.

    A checkout (``qgis_plugin/`` beside this package) comes first, so a
    developer's edits are what gets packed; else the copy the wheel carries.
    """
    if root is not None:
        return _checkout_sources(Path(root))
    package = Path(__file__).resolve().parent
    try:
        return _checkout_sources(source_root())
    except InputError:
        shipped = package / SHIPPED_PLUGIN
        if not (shipped / "metadata.txt").is_file():
            raise InputError(
                f"the QGIS plugin is missing from this stadsrum installation ('{shipped}' not "
                "found): reinstall it with 'pip install --force-reinstall stadsrum', or run "
                "'stadsrum plugin-zip' in a source checkout"
            ) from None
    from stadsrum._version import __version__

    return PluginSources(
        shipped, shipped / "metadata.txt", shipped / "LICENSE", package, __version__
    )


def _checkout_sources(root: Path) -> PluginSources:
    return PluginSources(
        root / "qgis_plugin",
        root / "metadata.txt",
        root / "LICENSE",
        root / "stadsrum",
        project_version(root),
    )


def project_version(root: Path) -> str:
    """The version in ``pyproject.toml`` (the only place it is kept)."""
    with open(root / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def stamp_version(metadata: str, version: str) -> str:
    """``metadata.txt`` text with its ``version=`` line set to ``version``."""
    text, n = re.subn(r"(?m)^version\s*=.*$", f"version={version}", metadata)
    if n != 1:
        raise InputError("metadata.txt must have exactly one 'version=' line")
    return text


def version_module(version: str) -> str:
    """Text of the ``stadsrum/_version.py`` written into the bundled core."""
    return f'"""Written by stadsrum plugin-zip."""\n\n__version__ = {version!r}\n'


def build_plugin_zip(out_dir: str | Path, *, root: str | Path | None = None) -> Path:
    """Write ``stadsrum_plugin-VERSION.zip`` into ``out_dir`` and return its path.

    Parameters
    ----------
    out_dir
        Folder for the zip (created if missing). An existing zip of the same
        version is replaced, atomically.
    root
        Source checkout to package; default: the checkout this module lives
        in, else the plugin the installed package carries.
    """
    src = plugin_sources(root)
    target = Path(out_dir) / f"{PLUGIN_FOLDER}-{src.version}.zip"
    metadata = stamp_version(src.metadata.read_text(encoding="utf-8"), src.version)
    with (
        atomic_path(target, suffix=".zip") as tmp,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        for path in _files(src.plugin, PLUGIN_FILES):
            rel = path.relative_to(src.plugin).as_posix()
            zf.write(path, f"{PLUGIN_FOLDER}/{rel}")
            if path.suffix == ".ts":
                qm = compile_ts(path.read_text(encoding="utf-8"))
                zf.writestr(f"{PLUGIN_FOLDER}/{rel[:-3]}.qm", qm)
        zf.writestr(f"{PLUGIN_FOLDER}/metadata.txt", metadata)
        if src.licence.is_file() and _inside(src.licence, src.licence.parent):
            zf.write(src.licence, f"{PLUGIN_FOLDER}/LICENSE")
        for path in _files(src.core, CORE_FILES, packages=True):
            rel = path.relative_to(src.core).as_posix()
            if rel.split("/")[0] in SHIPPED_DATA or f"stadsrum/{rel}" == VERSION_MODULE:
                continue
            zf.write(path, f"{PLUGIN_FOLDER}/bundled/stadsrum/{rel}")
        # the bundled copy is not an installed distribution: it reads its version from here
        zf.writestr(f"{PLUGIN_FOLDER}/bundled/{VERSION_MODULE}", version_module(src.version))
    log.info("wrote %s", target)
    return target


def _files(folder: Path, patterns: tuple[str, ...], *, packages: bool = False) -> Iterator[Path]:
    """The files under ``folder`` that match ``patterns``, in a stable order.

    Hidden files and folders never match. Links are not followed out of
    ``folder``: a linked file whose target lies elsewhere (``/etc/hostname``)
    is left out with a warning, and linked folders are not entered. With
    ``packages``, files in a subfolder count only where it holds an
    ``__init__.py`` (a Python package, not a stray virtual environment).
    """
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if packages and here != folder and not (here / "__init__.py").is_file():
            dirnames[:] = []
            continue
        for name in filenames:
            path = here / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith(".") or not _allowed(rel, patterns):
                continue
            if not _inside(path, folder):
                log.warning("plugin zip: left out %s, a link to a file outside %s", path, folder)
                continue
            if path.is_file():
                found.append(path)
    yield from sorted(found)


def _allowed(rel: str, patterns: tuple[str, ...]) -> bool:
    parts = rel.split("/")
    if any(fnmatch.fnmatchcase(parts[-1], p) for p in _NOT_SHIPPED):
        return False
    for pattern in patterns:
        wanted = pattern.split("/")
        if len(wanted) == len(parts) and all(
            fnmatch.fnmatchcase(part, want) for part, want in zip(parts, wanted, strict=True)
        ):
            return True
    return False


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links resolved, lies in ``folder`` (links resolved too)."""
    return path.resolve().is_relative_to(folder.resolve())


# --- Qt .qm translation files --------------------------------------------------------------

_QM_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")
_TAG_END, _TAG_TRANSLATION, _TAG_SOURCE, _TAG_CONTEXT, _TAG_COMMENT = 1, 3, 6, 7, 8
_SECTION_HASHES, _SECTION_MESSAGES, _SECTION_LANGUAGE = 0x42, 0x69, 0xA7


def compile_ts(ts_text: str) -> bytes:
    """Compile a Qt Linguist ``.ts`` file (text) to ``.qm`` bytes, as ``lrelease`` would.

    Messages without a translation, and obsolete or vanished ones, are left
    out, so the source text shows instead. Plural forms are not supported.
    """
    root = ET.fromstring(ts_text)
    messages: list[tuple[str, str, str, str]] = []
    for context_element in root.iter("context"):
        name = context_element.findtext("name") or ""
        for message in context_element.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("obsolete", "vanished"):
                continue
            if message.get("numerus") == "yes":
                raise InputError("compile_ts: plural (numerus) messages are not supported")
            text = translation.text or ""
            if not text:
                continue
            source = message.findtext("source") or ""
            comment = message.findtext("comment") or ""
            messages.append((name, source, comment, text))

    block = bytearray()
    hashes: list[tuple[int, int]] = []
    for context, source, comment, text in messages:
        hashes.append((_elf_hash((source + comment).encode("utf-8")), len(block)))
        encoded = text.encode("utf-16-be")
        block += struct.pack(">BI", _TAG_TRANSLATION, len(encoded)) + encoded
        for tag, value in ((_TAG_COMMENT, comment), (_TAG_SOURCE, source), (_TAG_CONTEXT, context)):
            raw = value.encode("utf-8")
            block += struct.pack(">BI", tag, len(raw)) + raw
        block += bytes([_TAG_END])
    table = b"".join(struct.pack(">II", h, offset) for h, offset in sorted(hashes))
    language = (root.get("language") or "").encode("utf-8")
    out = bytearray(_QM_MAGIC)
    for section, data in (
        (_SECTION_LANGUAGE, language),
        (_SECTION_HASHES, table),
        (_SECTION_MESSAGES, bytes(block)),
    ):
        out += struct.pack(">BI", section, len(data)) + data
    return bytes(out)


def _elf_hash(data: bytes) -> int:
    """Qt's ``elfHash`` of the source text and comment, the key of the ``.qm`` table."""
    h = 0
    for byte in data:
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1

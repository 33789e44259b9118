"""Install the stadsrum core's Python packages for QGIS without breaking QGIS's own Python.

Pure Python (no QGIS import): the plugin's button runs :func:`install` in a
background task, and an administrator can run this file directly with QGIS's
Python (``python3 installer.py --help``), e.g. to prepare an offline wheel folder.

What makes it safe:

* The packages go into a folder the plugin owns (:func:`deps_folder`, one per
  Python minor version and platform), never the user site or QGIS's own
  site-packages; the plugin puts it on ``sys.path`` at start-up
  (:func:`activate`). Removing that folder undoes everything.
* pip is run by the interpreter QGIS really embeds (:func:`find_python`),
  checked by running it and comparing ``sys.version`` and ``sys.base_prefix``;
  inside QGIS ``sys.executable`` may be QGIS itself or a pyenv/conda shim.
* A constraints file pins every compiled package QGIS's Python already has
  (numpy, scipy, matplotlib, GDAL's bindings, ...) to the version found, so
  pip must choose versions of pandas, numba, shapely, ... built for them. A
  first attempt pins QGIS's pure-Python packages too, so that nothing QGIS has
  is shadowed; only where that cannot be resolved are newer ones allowed.
* Wheels only (``--only-binary :all:``): nothing is compiled on the machine.
* pip installs into a staging folder; packages QGIS already has at the same
  version are removed from it, and it replaces the old folder only when pip
  succeeded. Afterwards :func:`verify` imports QGIS's numpy, scipy.stats,
  osgeo.gdal_array, matplotlib and every stadsrum module in a fresh process
  with the folder on ``sys.path``, and compares that with the same imports
  before the install.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # inside the plugin package
    from .deps import REQUIREMENTS
except ImportError:  # run as a script: python3 installer.py
    from deps import REQUIREMENTS  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent

# Compiled packages that share numpy's C interface (or link GDAL/PROJ/Qt): QGIS's own copies
# must stay the ones imported, so pip is told to keep exactly these versions.
ABI_PACKAGES = frozenset(
    {
        "numpy",
        "scipy",
        "matplotlib",
        "contourpy",
        "kiwisolver",
        "pillow",
        "gdal",
        "h5py",
        "netcdf4",
        "cftime",
        "pandas",
        "shapely",
        "pyproj",
        "fiona",
        "rasterio",
        "numba",
        "llvmlite",
        "scikit-learn",
        "scikit-image",
        "pyarrow",
        "numexpr",
        "bottleneck",
        "psycopg2",
        "pyqt5",
        "pyqt6",
        "sip",
    }
)
# Never replaced, whatever stadsrum asks: another numpy breaks everything built against QGIS's.
NEVER_REPLACED = frozenset({"numpy"})
# pip's own packages are not pinned (pip may be newer than QGIS's Debian package of it).
NOT_PINNED = frozenset({"pip", "setuptools", "wheel", "distribute"})
# QGIS's own modules that must import after the install whenever they imported before it.
QGIS_MODULES = ("numpy", "scipy.stats", "osgeo.gdal", "osgeo.gdal_array", "matplotlib.pyplot")
EXPECTED_LINES = 40  # roughly how many lines pip prints for a full install (progress only)


class InstallError(Exception):
    """The install could not be done; the message says why and what to do."""


class InstallCancelledError(InstallError):
    """The user cancelled the install; nothing was changed."""


@dataclass(frozen=True)
class PythonInfo:
    """An interpreter, as it reported itself when run."""

    executable: str
    version: str
    prefix: str
    base_prefix: str


@dataclass(frozen=True)
class Installed:
    """One distribution in QGIS's Python."""

    name: str
    version: str
    location: str
    compiled: bool
    user_site: bool = False
    """In the user's site-packages (``pip install --user``), not QGIS's own."""
    requires: tuple[str, ...] = ()
    """Its ``Requires-Dist`` lines."""


@dataclass
class InstallResult:
    """What :func:`install` did."""

    folder: Path
    installed: list[str] = field(default_factory=list)
    """``name==version`` of each distribution now in the folder."""
    kept: list[str] = field(default_factory=list)
    """QGIS's own distributions the install relies on (``name==version``)."""
    pinned: list[str] = field(default_factory=list)
    """The constraints pip was given."""
    pending: bool = False
    """The new folder waits for the next QGIS start (the old one was in use)."""
    verification: VerifyResult | None = None


@dataclass
class VerifyResult:
    """Imports in a fresh QGIS Python before and after the plugin's folder is added."""

    before: dict[str, str]
    """module → ``"ok"`` or the error, without the folder."""
    after: dict[str, str]
    """module → ``"ok"`` or the error, with the folder (and the bundled core) first."""
    numpy_before: str
    numpy_after: str

    @property
    def broken(self) -> list[str]:
        """QGIS's modules that imported before and fail now."""
        return [m for m in QGIS_MODULES if self.before.get(m) == "ok" and self.after.get(m) != "ok"]

    @property
    def failing(self) -> dict[str, str]:
        """Every module that fails with the folder, and why.

        One of QGIS's own modules that failed before too (a QGIS without scipy)
        is not the install's doing and does not count.
        """
        return {
            m: e
            for m, e in self.after.items()
            if e != "ok" and not (m in QGIS_MODULES and self.before.get(m, "ok") != "ok")
        }

    @property
    def ok(self) -> bool:
        return not self.failing and self.numpy_before == self.numpy_after

    def describe(self) -> str:
        lines = []
        if self.numpy_before != self.numpy_after:
            lines.append(f"numpy changed: {self.numpy_before} -> {self.numpy_after}")
        for module, error in self.failing.items():
            where = " (QGIS's own: it worked before)" if module in self.broken else ""
            lines.append(f"{module}{where}: {error}")
        return "\n".join(lines) or "every import works"


# --- where ---------------------------------------------------------------------------------


def folder_name(version: Sequence[int] | None = None, platform: str | None = None) -> str:
    """``python3.11-linux-x86_64``: wheels differ by Python minor version and platform."""
    major, minor = version[:2] if version is not None else sys.version_info[:2]
    tag = (platform or sysconfig.get_platform()).replace(".", "_").replace(" ", "_")
    return f"python{major}.{minor}-{tag}"


def deps_folder(settings_dir: str | Path, **kwargs: object) -> Path:
    """The plugin-owned package folder under a QGIS profile's settings folder."""
    return Path(settings_dir) / "stadsrum" / folder_name(**kwargs)  # type: ignore[arg-type]


def activate(folder: str | Path, *, after: str | None = None) -> bool:
    """Put ``folder`` on ``sys.path`` (once), right after ``after`` or first.

    A new install that could not replace the folder while QGIS was using it
    (Windows keeps loaded libraries locked) waits beside it as ``.pending``
    and takes its place here, before anything from it is imported. Returns
    whether the folder is on ``sys.path``.
    """
    folder = Path(folder)
    _promote_pending(folder)
    if not folder.is_dir():
        return False
    text = str(folder)
    if text not in sys.path:
        index = sys.path.index(after) + 1 if after in sys.path else 0
        sys.path.insert(index, text)
        import importlib

        importlib.invalidate_caches()
    return True


def _promote_pending(folder: Path) -> None:
    pending = folder.with_name(folder.name + ".pending")
    old = folder.with_name(folder.name + ".old")
    with contextlib.suppress(OSError):
        if old.exists():
            shutil.rmtree(old)
        if pending.is_dir():
            if folder.exists():
                folder.rename(old)
            pending.rename(folder)
            shutil.rmtree(old, ignore_errors=True)


# --- which Python ---------------------------------------------------------------------------

_DESCRIBE = (
    "import json, sys; print(json.dumps({'version': sys.version, 'prefix': sys.prefix, "
    "'base_prefix': sys.base_prefix, 'executable': sys.executable}))"
)


def python_candidates(platform: str = sys.platform) -> list[Path]:
    """Where QGIS's interpreter may be, most likely first."""
    base = Path(sys.base_prefix)
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found: list[Path] = []
    base_exe = getattr(sys, "_base_executable", "")
    if base_exe:
        found.append(Path(base_exe))
    if platform == "win32":
        # OSGeo4W and the standalone installer: apps\Python3xx\python.exe is the base prefix
        found += [base / "python.exe", base / "python3.exe"]
        found += [
            base.parent.parent / "bin" / "python3.exe",
            base.parent.parent / "bin" / "python.exe",
        ]
    else:
        # Linux packages (/usr), the macOS bundle's Python.framework, conda and pyenv builds
        found += [
            base / "bin" / f"python{minor}",
            base / "bin" / "python3",
            base / "bin" / "python",
        ]
        if platform == "darwin":
            exe = Path(sys.executable)
            found += [
                exe.parent / "bin" / "python3",
                exe.parent.parent / "MacOS" / "bin" / "python3",
            ]
    found.append(Path(sys.executable))
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def describe_python(executable: str | Path, *, timeout: float = 60) -> PythonInfo | None:
    """Run ``executable`` and ask who it is; ``None`` when it is no working Python."""
    try:
        done = subprocess.run(
            [str(executable), "-c", _DESCRIBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(),
            creationflags=NO_WINDOW,
        )
        info = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
    return PythonInfo(str(executable), info["version"], info["prefix"], info["base_prefix"])


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def find_python(candidates: Iterable[str | Path] | None = None) -> PythonInfo:
    """The interpreter this process embeds: same ``sys.version``, same base prefix.

    In a virtual environment that is the Python the environment was made
    from (the one QGIS runs, when the environment sits on QGIS's Python).
    """
    tried = []
    for path in python_candidates() if candidates is None else candidates:
        if not Path(path).is_file():
            continue
        info = describe_python(path)
        tried.append(str(path))
        if (
            info is not None
            and info.version == sys.version
            and _same_path(info.base_prefix, sys.base_prefix)
            and _same_path(info.prefix, info.base_prefix)  # the base itself, not another venv
        ):
            return info
    raise InstallError(
        "could not find the Python interpreter QGIS runs (Python "
        f"{sys.version.split()[0]} in {sys.base_prefix}); tried: {', '.join(tried) or 'nothing'}. "
        "Install the packages by hand as docs/qgis.md describes."
    )


# --- what QGIS's Python has ----------------------------------------------------------------

_INVENTORY = r"""
import importlib.machinery, json, os, site, sys
from importlib import metadata
try:
    user = os.path.normcase(os.path.realpath(site.getusersitepackages()))
except Exception:
    user = None
skip = [os.path.normcase(os.path.realpath(p)) for p in json.loads(sys.argv[1])]
suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
out = {}
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    key = name.lower().replace("_", "-").replace(".", "-")
    if key in out:
        continue  # the first on sys.path is the one imported
    location = str(dist.locate_file(""))
    if os.path.normcase(os.path.realpath(location)).startswith(tuple(skip)) and skip:
        continue
    files = dist.files or []
    compiled = any(str(f).endswith(suffixes) or str(f).endswith((".so", ".pyd")) for f in files)
    if not files:  # Debian's .egg-info lists no files: look into the packages
        top = (dist.read_text("top_level.txt") or "").split()
        for module in top:
            folder = os.path.join(location, module)
            for _root, _dirs, names in os.walk(folder):
                if any(n.endswith(suffixes) or n.endswith((".so", ".pyd")) for n in names):
                    compiled = True
                    break
            if compiled or os.path.isfile(os.path.join(location, module + suffixes[0])):
                compiled = True
                break
    in_user = bool(user) and os.path.normcase(os.path.realpath(location)).startswith(user)
    out[key] = [name, dist.version, location, compiled, in_user, dist.requires or []]
print(json.dumps(out))
"""


def normalise(name: str) -> str:
    """PEP 503 name: ``Pillow`` → ``pillow``, ``python_dateutil`` → ``python-dateutil``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages(python: str, *, exclude: Iterable[str | Path] = ()) -> dict[str, Installed]:
    """QGIS's distributions (normalised name → :class:`Installed`), leaving out ``exclude``."""
    done = _run_quiet(
        [python, "-c", _INVENTORY, json.dumps([str(p) for p in exclude])], timeout=180
    )
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        key: Installed(name, version, location, bool(compiled), bool(user), tuple(requires))
        for key, (name, version, location, compiled, user, requires) in raw.items()
    }


_RELEASE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?$")


def pin_version(version: str) -> str | None:
    """The version to pin, or ``None`` where no index has it (``0.0.0``, ``1.2+ds``→``1.2``)."""
    public = version.split("+")[0]
    if not _RELEASE.match(public) or not any(c in "123456789" for c in public):
        return None
    return public


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        match = re.match(r"\d+", piece)
        if match is None:
            break
        parts.append(int(match.group()))
        if match.end() != len(piece):
            break
    return tuple(parts)


def constraints(
    installed: Mapping[str, Installed],
    requirements: Mapping[str, tuple[str, str]] = REQUIREMENTS,
) -> tuple[list[str], list[str]]:
    """Constraint lines for pip, and notes on packages stadsrum needs newer than QGIS has.

    Compiled packages QGIS has are pinned to its versions, except one that
    stadsrum needs newer, which is left to pip (and goes into the plugin's
    folder, first on ``sys.path``). numpy is never left to pip: an older numpy
    than stadsrum needs is an error. Pure-Python packages are not pinned here
    (Debian's own set does not always agree with the versions' published
    requirements, which sends pip's resolver into a long search); where
    QGIS's copy serves, :func:`prune` uses it instead after the install.
    """
    minimums = {normalise(dist): minimum for dist, (_module, minimum) in requirements.items()}
    lines, notes = [], []
    for key, dist in sorted(installed.items()):
        if key in NOT_PINNED or not (dist.compiled or key in ABI_PACKAGES):
            continue
        if dist.user_site and key not in NEVER_REPLACED:
            continue  # left by an earlier pip install --user: the folder's copy comes first
        minimum = minimums.get(key)
        too_old = minimum is not None and _version_tuple(dist.version) < _version_tuple(minimum)
        if too_old and key in NEVER_REPLACED:
            raise InstallError(
                f"QGIS's {dist.name} is {dist.version}, older than the {minimum} stadsrum needs; "
                f"a newer {dist.name} beside it would break QGIS's own packages. Use a newer "
                "QGIS (or ask for a stadsrum that supports this one)."
            )
        if too_old:
            notes.append(
                f"{dist.name} {dist.version} in QGIS's Python is older than the {minimum} "
                "stadsrum needs: a newer one goes into the plugin's folder"
            )
            continue
        pinned = pin_version(dist.version)
        if pinned is not None:
            lines.append(f"{dist.name}=={pinned}")
    return lines, notes


def requirement_lines(requirements: Mapping[str, tuple[str, str]] = REQUIREMENTS) -> list[str]:
    return [f"{dist}>={minimum}" for dist, (_module, minimum) in requirements.items()]


# --- pip ------------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    # QGIS may run with the plugin's folder or a user's PYTHONPATH: pip must see QGIS's Python
    env.pop("PYTHONPATH", None)
    for key in ("PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_REQUIRE_VIRTUALENV"):
        env.pop(key, None)
    return env


# No console window flashing up on Windows (CREATE_NO_WINDOW)
NO_WINDOW = 0x08000000 if sys.platform == "win32" else 0


def _run_quiet(cmd: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(),
            creationflags=NO_WINDOW,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise InstallError(f"could not run {cmd[0]}: {exc}") from exc
    if done.returncode != 0:
        raise InstallError(f"{cmd[0]} failed:\n{_tail(done.stdout + done.stderr)}")
    return done


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def pip_command(python: str, find_links: str | Path | None = None) -> list[str]:
    """How to run pip: ``python -m pip``, or a ``pip*.pyz`` from the wheel folder."""
    if find_links is not None:
        zipapps = sorted(Path(find_links).glob("pip*.pyz"))
        if zipapps:
            return [python, str(zipapps[-1])]
    return [python, "-m", "pip"]


def pip_options(
    *,
    constraints_file: str | Path,
    find_links: str | Path | None = None,
    offline: bool = False,
) -> list[str]:
    options = [
        "--only-binary",
        ":all:",
        "--no-input",
        "--progress-bar",
        "off",
        "--constraint",
        str(constraints_file),
    ]
    if find_links is not None:
        options += ["--find-links", str(find_links)]
    if offline:
        options.append("--no-index")
    return options


def run_streaming(
    cmd: Sequence[str],
    *,
    on_line: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    timeout: float = 3600,
) -> tuple[int, str]:
    """Run ``cmd``, passing each output line on as it comes; stops it when ``cancelled()``."""
    try:
        proc = subprocess.Popen(
            list(cmd),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_environment(),
            creationflags=NO_WINDOW,
        )
    except OSError as exc:
        raise InstallError(f"could not run {cmd[0]}: {exc}") from exc
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    out: list[str] = []
    start = time.monotonic()
    try:
        while True:
            stop = cancelled is not None and cancelled()
            if stop or time.monotonic() - start > timeout:
                proc.terminate()
                try:
                    # short: a parent that ignores SIGTERM (QGIS's own handlers, a shell's
                    # background job) passes the ignoring on to pip, and Cancel must be prompt
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                if stop:
                    raise InstallCancelledError("cancelled; nothing was changed")
                raise InstallError(f"pip took longer than {timeout:.0f} s and was stopped")
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                break
            out.append(line)
            if on_line is not None:
                on_line(line)
    finally:
        proc.wait()
        reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    return proc.wait(), "\n".join(out)


# --- the install ----------------------------------------------------------------------------


def _dist_infos(folder: Path) -> dict[str, tuple[Path, str]]:
    """Normalised name → (its ``.dist-info`` folder, version) of the wheels in ``folder``."""
    found = {}
    for info in folder.glob("*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        found[normalise(name)] = (info, version)
    return found


def remove_distribution(folder: Path, info: Path) -> None:
    """Delete one wheel's files (as its ``RECORD`` lists them) from a ``--target`` folder."""
    record = info / "RECORD"
    paths = []
    if record.is_file():
        for row in record.read_text(encoding="utf-8").splitlines():
            rel = row.split(",")[0]
            if rel:
                paths.append((folder / rel).resolve())
    root = folder.resolve()
    parents = set()
    for path in paths:
        if path.is_relative_to(root) and path.is_file():
            path.unlink()
            parents.add(path.parent)
    shutil.rmtree(info, ignore_errors=True)
    # empty package folders (and __pycache__ left over) go too, deepest first
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        while parent != root and parent.is_relative_to(root):
            pycache = parent / "__pycache__"
            if pycache.is_dir() and not any(p.suffix != ".pyc" for p in pycache.iterdir()):
                shutil.rmtree(pycache, ignore_errors=True)
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent


def _requirement_class() -> Any:
    """``packaging``'s ``Requirement`` (QGIS's copy, else the one inside pip)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement  # type: ignore[assignment]
    return Requirement


def _parse(lines: Iterable[str]) -> list[Any]:
    """Requirements that apply here (markers evaluated, extras' left out)."""
    requirement = _requirement_class()
    out = []
    for line in lines:
        try:
            req = requirement(line)
        except Exception:  # a malformed line in an old egg-info: not ours to judge
            continue
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        out.append(req)
    return out


def _metadata_requires(info: Path) -> list[str]:
    """``Requires-Dist`` lines of a wheel's ``.dist-info``."""
    meta = info / "METADATA"
    if not meta.is_file():
        return []
    from email.parser import Parser

    message = Parser().parsestr(meta.read_text(encoding="utf-8", errors="replace"))
    return message.get_all("Requires-Dist") or []


def prune(
    staging: Path,
    installed: Mapping[str, Installed],
    requirements: Mapping[str, tuple[str, str]] = REQUIREMENTS,
    *,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Remove from ``staging`` every package QGIS's own copy can stand in for.

    pip with ``--target`` installs every dependency afresh. A package QGIS
    has goes out again when QGIS's version meets what stadsrum and every
    package left in ``staging`` ask of it, and its own requirements are met
    by what will be imported (or by what QGIS had anyway). So QGIS keeps its
    own ``requests``, ``packaging``, ``python-dateutil`` ... wherever that
    works, and the folder holds only what stadsrum truly adds. Repeated until
    nothing changes; returns the QGIS packages used (``name==version``).
    """
    staged = {
        key: (info, version, _parse(_metadata_requires(info)))
        for key, (info, version) in _dist_infos(staging).items()
    }
    ours = _parse(requirement_lines(requirements))
    own_requires = {key: _parse(dist.requires) for key, dist in installed.items()}
    use_own: set[str] = set()

    def final_version(key: str) -> str | None:
        if key in staged and key not in use_own:
            return staged[key][1]
        dist = installed.get(key)
        return dist.version if dist is not None else None

    def serves(key: str) -> bool:
        version = installed[key].version
        asking = ours + [
            r for k, (_i, _v, reqs) in staged.items() if k not in use_own for r in reqs
        ]
        for req in asking:
            if normalise(req.name) == key and not req.specifier.contains(version, prereleases=True):
                return False
        for req in own_requires.get(key, []):
            dep = normalise(req.name)
            now = final_version(dep)
            unchanged = dep not in staged or dep in use_own
            if (
                now is not None
                and not unchanged
                and not req.specifier.contains(now, prereleases=True)
            ):
                return False
        return True

    changed = True
    while changed:
        changed = False
        for key in sorted(staged):
            if key in use_own or key not in installed or installed[key].user_site:
                continue
            if pin_version(installed[key].version) == staged[key][1] or serves(key):
                use_own.add(key)
                changed = True
    for key in sorted(use_own):
        remove_distribution(staging, staged[key][0])
    # QGIS's packages that ask for another version of one the folder now shadows: say so
    for key, reqs in own_requires.items():
        if key in staged and key not in use_own:
            continue
        for req in reqs:
            dep = normalise(req.name)
            shadowed = dep in staged and dep not in use_own and dep in installed
            if shadowed and not req.specifier.contains(staged[dep][1], prereleases=True):
                log(
                    f"note: QGIS's {installed[key].name} {installed[key].version} asks for "
                    f"{req}; the plugin's folder has {dep} {staged[dep][1]}"
                )
    return [f"{installed[k].name}=={installed[k].version}" for k in sorted(use_own)]


def install(
    folder: str | Path,
    *,
    python: str | None = None,
    find_links: str | Path | None = None,
    offline: bool = False,
    requirements: Mapping[str, tuple[str, str]] = REQUIREMENTS,
    bundled: str | Path | None = None,
    log: Callable[[str], None] = print,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    verify_after: bool = True,
) -> InstallResult:
    """Install ``requirements`` into ``folder`` for QGIS's Python, then verify the imports.

    Parameters
    ----------
    folder
        The plugin-owned folder (:func:`deps_folder`); replaced only on success.
    python
        QGIS's interpreter; default :func:`find_python`.
    find_links, offline
        A folder of wheels to install from (``--find-links``); with ``offline``
        nothing else (``--no-index``), for machines without internet.
    bundled
        Folder holding the ``stadsrum`` core to verify (the plugin's
        ``bundled/``); default: wherever ``stadsrum`` is found.
    log, progress, cancelled
        Called with each line of output, with 0–100, and polled to stop.

    Raises :class:`InstallError` (or :class:`InstallCancelledError`) and leaves the old
    folder as it was when anything fails before the swap.
    """
    folder = Path(folder)
    report = progress or (lambda _value: None)
    report(1)
    info = find_python() if python is None else describe_python(python)
    if info is None:
        raise InstallError(f"{python} is not a working Python interpreter")
    log(f"QGIS's Python: {info.executable} ({info.version.split()[0]}, {info.base_prefix})")
    exclude = [
        folder,
        folder.with_name(folder.name + ".new"),
        folder.with_name(folder.name + ".pending"),
    ]
    installed = installed_packages(info.executable, exclude=exclude)
    _refuse_user_site_numpy(installed, info)
    pip = pip_command(info.executable, find_links)
    _run_quiet([*pip, "--version"], timeout=120)
    before = (
        verify(info.executable, None, bundled=bundled, modules=QGIS_MODULES)
        if verify_after
        else None
    )
    report(5)

    staging = folder.with_name(folder.name + ".new")
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = InstallResult(folder)
    seen = [0]

    def on_line(line: str) -> None:
        log(line)
        seen[0] += 1
        report(5 + 70 * min(seen[0], EXPECTED_LINES) / EXPECTED_LINES)

    lines, notes = constraints(installed, requirements)
    for note in notes:
        log(note)
    log("keeping QGIS's compiled packages: " + ", ".join(lines))
    shutil.rmtree(staging, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="stadsrum-pip-") as tmp:
        constraints_file = Path(tmp) / "constraints.txt"
        constraints_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [
            *pip,
            "install",
            "--target",
            str(staging),
            "--no-warn-script-location",
            *pip_options(constraints_file=constraints_file, find_links=find_links, offline=offline),
            *requirement_lines(requirements),
        ]
        try:
            code, output = run_streaming(cmd, on_line=on_line, cancelled=cancelled)
        except InstallError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if code != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise InstallError("pip could not install the packages:\n" + _tail(output))
    result.pinned = lines

    report(78)
    result.kept = prune(staging, installed, requirements, log=log)
    result.installed = sorted(
        f"{path.name[: -len('.dist-info')].split('-')[0]}=={version}"
        for _key, (path, version) in _dist_infos(staging).items()
    )
    log("installed into the plugin's folder: " + ", ".join(result.installed))
    log("QGIS's own packages kept: " + ", ".join(result.kept))
    if cancelled is not None and cancelled():
        shutil.rmtree(staging, ignore_errors=True)
        raise InstallCancelledError("cancelled; nothing was changed")

    if verify_after:
        report(85)
        after = verify(
            info.executable,
            staging,
            bundled=bundled,
            modules=(*QGIS_MODULES, *core_modules(bundled)),
        )
        assert before is not None
        result.verification = VerifyResult(
            before.before, after.after, before.numpy_before, after.numpy_after
        )
        if not result.verification.ok:
            shutil.rmtree(staging, ignore_errors=True)
            raise InstallError(
                "the installed packages did not pass the import check, so they were removed "
                "again and nothing changed:\n" + result.verification.describe()
            )
    report(95)
    result.pending = _swap(staging, folder)
    report(100)
    return result


def _refuse_user_site_numpy(installed: Mapping[str, Installed], info: PythonInfo) -> None:
    """A numpy in the user site (the old ``pip install --user`` advice) shadows QGIS's."""
    numpy = installed.get("numpy")
    if numpy is None:
        raise InstallError(
            f"QGIS's Python ({info.executable}) has no numpy: install QGIS's numpy first"
        )
    if numpy.user_site:
        raise InstallError(
            f"numpy {numpy.version} in your user folder ({numpy.location}) hides the numpy "
            "QGIS was built with. Remove it first (close QGIS, then run: "
            f'"{info.executable}" -m pip uninstall numpy), and start QGIS again.'
        )


def _swap(staging: Path, folder: Path) -> bool:
    """Put ``staging`` in place of ``folder``; ``True`` when it must wait for a restart."""
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    try:
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
    except OSError:  # Windows: the old folder's libraries are loaded in this QGIS
        pending = folder.with_name(folder.name + ".pending")
        shutil.rmtree(pending, ignore_errors=True)
        staging.rename(pending)
        return True
    shutil.rmtree(old, ignore_errors=True)
    return False


# --- offline wheel folder -------------------------------------------------------------------


def download(
    dest: str | Path,
    *,
    python: str | None = None,
    find_links: str | Path | None = None,
    requirements: Mapping[str, tuple[str, str]] = REQUIREMENTS,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Fill ``dest`` with the wheels :func:`install` needs offline on a machine like this one.

    The wheels of packages QGIS already has are fetched too: pip resolves
    with them before :func:`prune` drops them again.
    """
    info = find_python() if python is None else describe_python(python)
    if info is None:
        raise InstallError(f"{python} is not a working Python interpreter")
    installed = installed_packages(info.executable)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    pip = pip_command(info.executable)
    lines, _notes = constraints(installed, requirements)
    with tempfile.TemporaryDirectory(prefix="stadsrum-pip-") as tmp:
        constraints_file = Path(tmp) / "constraints.txt"
        constraints_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [
            *pip,
            "download",
            "--dest",
            str(dest),
            *pip_options(constraints_file=constraints_file, find_links=find_links),
            *requirement_lines(requirements),
        ]
        code, output = run_streaming(cmd, on_line=log)
    if code != 0:
        raise InstallError("pip could not download the packages:\n" + _tail(output))
    return sorted(dest.glob("*.whl"))


# --- the import check -----------------------------------------------------------------------

_VERIFY = r"""
import importlib, json, os, sys, warnings
folder, bundled, deps_file, modules = json.loads(sys.argv[1])
if bundled:
    sys.path.insert(0, bundled)
if folder:
    sys.path.insert(1 if bundled else 0, folder)
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.simplefilter("ignore")
out = {}
# QGIS's GDAL is loaded first in QGIS; the plugin then loads the wheels' own libraries
try:
    import osgeo.gdal
except Exception:
    pass
if deps_file and folder:
    import importlib.util
    spec = importlib.util.spec_from_file_location("_stadsrum_deps", deps_file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    mod.import_native_packages()
for name in modules:
    try:
        importlib.import_module(name)
        out[name] = "ok"
    except BaseException as exc:
        out[name] = (type(exc).__name__ + ": " + str(exc)).strip()[:400]
if folder and out.get("numba") == "ok":
    try:  # the compiler really works with this numpy
        import numba, numpy
        assert numba.njit(lambda a: a.sum())(numpy.arange(4.0)) == 6.0
    except BaseException as exc:
        out["numba (compiling)"] = (type(exc).__name__ + ": " + str(exc))[:400]
try:
    import numpy
    where = os.path.realpath(numpy.__file__) + " " + numpy.__version__
except BaseException as exc:
    where = "numpy failed: " + str(exc)
print("\n" + json.dumps({"modules": out, "numpy": where}))
"""


def core_modules(bundled: str | Path | None = None) -> list[str]:
    """The stadsrum modules the plugin's algorithms use (the CLI and report apart)."""
    root = Path(bundled) / "stadsrum" if bundled is not None else None
    if root is None or not root.is_dir():
        import importlib.util

        spec = importlib.util.find_spec("stadsrum")
        if spec is None or spec.origin is None:
            return ["stadsrum", "stadsrum.workflows"]
        root = Path(spec.origin).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1].startswith("_") and len(parts) > 1:
            continue
        # typer and the report's matplotlib are the command line's, not the plugin's
        if parts[1:2] in (["cli"], ["report"], ["__main__"]):
            continue
        names.append(".".join(parts))
    return names


def verify(
    python: str,
    folder: str | Path | None,
    *,
    bundled: str | Path | None = None,
    modules: Sequence[str] = QGIS_MODULES,
    timeout: float = 600,
) -> VerifyResult:
    """Import ``modules`` in a fresh ``python`` with ``folder`` (and ``bundled``) first on the path.

    The result's ``before`` and ``after`` are the same mapping (one run);
    :func:`install` combines a run without the folder with one with it.
    """
    deps_file = HERE / "deps.py"
    args = json.dumps(
        [
            str(folder) if folder is not None else None,
            str(bundled) if bundled is not None else _core_parent(),
            str(deps_file) if deps_file.is_file() else None,
            list(modules),
        ]
    )
    try:
        done = subprocess.run(
            [python, "-c", _VERIFY, args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment() | {"QT_QPA_PLATFORM": "offscreen"},
            creationflags=NO_WINDOW,
        )
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        raise InstallError(f"the import check could not run in {python}: {exc}") from exc
    return VerifyResult(data["modules"], data["modules"], data["numpy"], data["numpy"])


def _core_parent() -> str | None:
    bundled = HERE / "bundled"
    if (bundled / "stadsrum").is_dir():
        return str(bundled)
    return None


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="installer.py",
        description="Install stadsrum's Python packages for QGIS into a plugin-owned folder "
        "(never the user site), pinned to QGIS's own numpy and other compiled packages.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="install into a folder, then check the imports")
    inst.add_argument("--target", required=True, help="the plugin's folder (see docs/qgis.md)")
    inst.add_argument("--find-links", help="a folder of wheels to use")
    inst.add_argument("--offline", action="store_true", help="use only --find-links (no internet)")
    inst.add_argument("--python", help="QGIS's Python (default: this one, checked)")
    dl = sub.add_parser("download", help="fill a folder with wheels for offline installs")
    dl.add_argument("--dest", required=True)
    dl.add_argument("--python", help="QGIS's Python (default: this one, checked)")
    sub.add_parser("folder-name", help="print the folder name for this Python")
    args = parser.parse_args(argv)
    try:
        if args.command == "folder-name":
            print(folder_name())
        elif args.command == "download":
            wheels = download(args.dest, python=args.python)
            print(f"{len(wheels)} wheels in {args.dest}")
        else:
            result = install(
                args.target, python=args.python, find_links=args.find_links, offline=args.offline
            )
            print("done: " + ("restart QGIS to use them" if result.pending else "ready"))
    except InstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

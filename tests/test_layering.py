"""Architecture rules: layers import only what they may, import sets no global state."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "stadsrum"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_kernels_import_only_numpy_and_numba():
    allowed = {"numpy", "numba", "math", "__future__", "stadsrum", "typing"}
    for path in (PACKAGE / "kernels").glob("*.py"):
        assert _imports(path) <= allowed, path


def test_core_never_imports_qgis():
    for path in PACKAGE.rglob("*.py"):
        assert "qgis" not in _imports(path), path


def test_import_is_warning_free_and_sets_no_global_state():
    code = (
        "import logging, os, numpy as np\n"
        "env = dict(os.environ); err = np.geterr(); handlers = list(logging.getLogger().handlers)\n"
        "import stadsrum\n"
        "assert dict(os.environ) == env\n"
        "assert np.geterr() == err\n"
        "assert logging.getLogger().handlers == handlers\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


ROOT = PACKAGE.parent
#: The faces: they translate a planner's request (command line, study file, QGIS
#: Toolbox) into calls of the workflows and never reach into the analyses themselves.
FACES = (PACKAGE / "cli.py", PACKAGE / "study.py", *sorted((ROOT / "qgis_plugin").rglob("*.py")))
#: What a face may import from the core: the workflows, the error tree, progress and
#: io (reading and writing layers); besides these, modules that import nothing heavy
#: and decide no result: option rules, defaults and records (options, records), the
#: message language (i18n), the lazy-import helper that keeps `stadsrum --help` instant
#: (_lazy), and the other faces (a study file run from the command line or the
#: Toolbox, the plugin zip).
FACE_IMPORTS = ("workflows", "errors", "progress", "io")
FACE_LIGHT = ("options", "records", "i18n", "_lazy")
OTHER_FACES = ("study", "plugin_zip")


def _core_imports(path: Path) -> list[tuple[int, str]]:
    """``stadsrum.…`` modules that ``path`` imports, with the line (names of
    ``from stadsrum import x`` resolved to ``stadsrum.x``; ``LazyModule("…")`` counted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("stadsrum")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "stadsrum":
                found += [(node.lineno, f"stadsrum.{a.name}") for a in node.names]
            elif node.module.startswith("stadsrum."):
                found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "LazyModule"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_faces_import_only_workflows_errors_progress_and_io():
    """The command line, the study file and the QGIS plugin reach the analyses only
    through ``stadsrum.workflows``: never measures, network, kernels or report, so an
    analysis can change inside without any face changing with it."""
    allowed = {f"stadsrum.{name}" for name in (*FACE_IMPORTS, *FACE_LIGHT, *OTHER_FACES)}
    bad = []
    checked = 0
    for path in FACES:
        for line, module in _core_imports(path):
            checked += 1
            top = ".".join(module.split(".")[:2])
            if top not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert checked > 20  # the faces were read (their imports are spread over functions)
    assert not bad, "\n".join(bad)


def test_light_modules_a_face_may_import_stay_light():
    """The modules a face may import besides the four stay free of the analyses: the
    plugin reads its defaults from them before numpy or geopandas are installed."""
    code = (
        "import sys\n"
        f"import {', '.join(f'stadsrum.{m}' for m in FACE_LIGHT)}\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'pandas', 'geopandas', 'shapely', 'numba') "
        "or m.startswith(('stadsrum.measures', 'stadsrum.network', 'stadsrum.kernels')))\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _private_uses(path: Path) -> list[str]:
    """Private names (``_x``, not dunders) that ``path`` takes from another module:
    imported (``from m import _x``) or read off an imported module (``m._x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to our own modules
    found = []

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(
                (a.asname or a.name.split(".")[0])
                for a in node.names
                if a.name.startswith("stadsrum")
            )
        elif isinstance(node, ast.ImportFrom):
            ours = node.level > 0 or (node.module or "").startswith("stadsrum")
            if not ours:
                continue
            for a in node.names:
                # a private *module* (stadsrum._version, measures._parallel) is a
                # package's own machinery, imported by name; its names are public
                if private(a.name) and not _is_module(path, node, a.name):
                    found.append(f"{node.lineno}: from {node.module} import {a.name}")
                modules.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def _is_module(path: Path, node: ast.ImportFrom, name: str) -> bool:
    if node.level > 0:
        base = path.parent
        for _ in range(node.level - 1):
            base = base.parent
        parts = (node.module or "").split(".") if node.module else []
    else:
        base = ROOT
        parts = (node.module or "").split(".")
    folder = base.joinpath(*parts)
    return (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()


def test_no_private_name_is_imported_across_modules():
    """Shared machinery has a public home (``from proximity import _Graph`` was the
    debt): a private name is used only in the module that defines it."""
    paths = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "qgis_plugin").rglob("*.py")])
    assert len(paths) > 60
    bad = [f"{p.relative_to(ROOT)}:{use}" for p in paths for use in _private_uses(p)]
    assert not bad, "\n".join(bad)


def test_the_private_name_rule_sees_both_forms(tmp_path):
    """The rule above catches an import and an attribute read, and lets a private
    module (imported by name) and a dunder pass."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from stadsrum.measures.proximity import _Graph\n"
        "from stadsrum.report import maps\n"
        "from stadsrum.measures import _parallel\n"
        "from stadsrum import __version__\n"
        "maps._draw(1)\n"
        "_parallel.thread_count()\n",
        encoding="utf-8",
    )
    assert _private_uses(sample) == [
        "1: from stadsrum.measures.proximity import _Graph",
        "5: maps._draw",
    ]


def test_no_layer_imports_upward_from_the_package_top():
    """``from stadsrum import x`` takes a submodule, never a name the package top
    re-exports: the top imports the layers lazily, so a layer that reads a name from
    it (the writers once took ``__version__`` there) depends on everything above it."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "stadsrum":
                for a in node.names:
                    if not _is_module(path, node, a.name):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {a.name}")
            elif isinstance(node, ast.Import):
                bad += [
                    f"{path.relative_to(ROOT)}:{node.lineno} import stadsrum"
                    for a in node.names
                    if a.name == "stadsrum"
                ]
    assert not bad, "\n".join(bad)

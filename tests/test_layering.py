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

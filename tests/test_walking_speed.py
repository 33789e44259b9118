"""The walking speed is written once (``stadsrum.options.DEFAULT_SPEED``) and every face shows it.

It was the literal ``1.3`` in sixteen places (the CLI's options, the workflows,
the measures, the QGIS parameter, the report's text); a change in one would have
left the others stating a speed the analysis no longer used.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stadsrum.cli import app
from stadsrum.options import DEFAULT_SPEED

ROOT = Path(__file__).resolve().parents[1]
CODE = sorted([*(ROOT / "stadsrum").rglob("*.py"), *(ROOT / "qgis_plugin").rglob("*.py")])


def _speed_defaults(path: Path) -> list[tuple[int, ast.expr]]:
    """Defaults of parameters named ``speed`` and the QGIS ``SPEED`` default value."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            pairs = list(
                zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
            )
            pairs += [
                (a, d)
                for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                if d is not None
            ]
            found += [(d.lineno, d) for a, d in pairs if a.arg == "speed"]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.target.id == "speed" and node.value is not None:  # a record's field
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Call) and any(
            isinstance(a, ast.Constant) and a.value == "SPEED" for a in node.args
        ):
            found += [(k.value.lineno, k.value) for k in node.keywords if k.arg == "defaultValue"]
    return found


def test_every_speed_default_is_the_one_constant():
    """No default walking speed is written as a number outside ``options.py``."""
    seen, bad = 0, []
    for path in CODE:
        for line, value in _speed_defaults(path):
            seen += 1
            # the constant itself, or a record's option(DEFAULT_SPEED, help) around it
            names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            if "option_of" in names and "default" not in {k.arg for k in value.keywords}:
                continue  # another record's speed option, its default checked there
            numbers = [
                n
                for n in ast.walk(value)
                if isinstance(n, ast.Constant) and isinstance(n.value, int | float)
            ]
            if "DEFAULT_SPEED" not in names or numbers:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {ast.unparse(value)}")
    # the CLI's six commands, the workflows, the measures and the QGIS parameter
    assert seen >= 16, seen
    assert not bad, "\n".join(bad)


def test_the_constant_is_a_planners_walking_speed():
    """1.3 m/s is about 4.7 km/h, the pace the docs state (between a slow 1.1 and a brisk 1.5)."""
    assert DEFAULT_SPEED == 1.3
    assert round(DEFAULT_SPEED * 3.6, 1) == 4.7


@pytest.mark.parametrize(
    "command", ["segments", "distances", "accessibility", "barriers", "compare", "areas"]
)
def test_cli_help_shows_the_default_speed(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # the help is wrapped to the terminal's width (and boxed where rich draws it): read
    # the option's text, up to the next option, as one line
    text = " ".join(result.output.replace("\u2502", " ").split())
    text = text[text.index("--speed") :]
    text = text[: text.find(" --", 2) if " --" in text[2:] else len(text)]
    assert f"[default: {DEFAULT_SPEED:g}]" in text, text


def test_the_docs_state_the_default_speed():
    """Every speed the docs and README give as the default is the constant's."""
    pattern = re.compile(
        r"(\d+(?:[.,]\d+)?)(?= m/s)|--speed (\d+(?:[.,]\d+)?)|\((\d+(?:[.,]\d+)?) by default"
    )
    stated = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "speed" in line.lower():
                stated += [
                    (path.name, next(g for g in m.groups() if g)) for m in pattern.finditer(line)
                ]
    assert len(stated) >= 4, stated
    wrong = [(name, v) for name, v in stated if float(v.replace(",", ".")) != DEFAULT_SPEED]
    assert not wrong, wrong


def test_the_report_states_the_default_speed():
    from stadsrum.report.texts import section_text

    assert f"{DEFAULT_SPEED:g} m/s" in section_text("distances", "en")[1]
    assert f"{DEFAULT_SPEED:g}".replace(".", ",") + " m/s" in section_text("distances", "sv")[1]

"""The README says what the package does: its example runs and its lists are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from stadsrum.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of a ``## title`` section, up to the next section of that level."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


@pytest.mark.slow
def test_python_example_runs_verbatim(monkeypatch, capsys):
    """Every line as printed, from the repository root, with warnings as errors."""
    (code,) = _blocks(_section("Python"), "python")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    exec(compile(code, "README.md (Python)", "exec"), namespace)
    printed = capsys.readouterr().out
    net, raw, od, seg = (namespace[k] for k in ("net", "raw", "od", "seg"))
    # both summaries were printed
    assert printed.count("total length:") == 2
    # prepare="none" keeps every way piece the OSM reader gives, so more segments than
    # the prepared network, whose pass-through junctions are merged
    assert raw.prepare == "none"
    assert raw.n_edges > net.n_edges
    assert {"place_id", "node_id", "total_m", "detour_ratio"} <= set(od.columns)
    assert len(seg) == net.n_edges


def _synopsis() -> dict[str, str]:
    """Command name → its synopsis text (continuation lines joined)."""
    (block,) = [b for b in _blocks(_section("Command line"), "sh") if "stadsrum network" in b]
    joined = block.replace("\\\n", " ")
    return {line.split()[1]: line for line in joined.splitlines() if line.startswith("stadsrum ")}


def _commands() -> dict[str, set[str]]:
    group = typer.main.get_command(app)
    return {
        name: {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        for name, command in group.commands.items()
    }


def test_cli_synopsis_lists_every_command():
    assert set(_synopsis()) == set(_commands())


def test_cli_synopsis_options_exist():
    """An option the README shows is one the command takes (nothing renamed or invented)."""
    commands = _commands()
    for name, line in _synopsis().items():
        shown = set(re.findall(r"(--[a-z][a-z-]*|-[a-z]\b)", line))
        assert shown <= commands[name], (name, shown - commands[name])


def test_qgis_section_names_every_algorithm():
    """The algorithm ids in the README are those of the plugin's algorithm classes."""
    names = set()
    for path in (ROOT / "qgis_plugin" / "algorithms").glob("*.py"):
        names.update(re.findall(r'^\s+NAME = "(\w+)"', path.read_text(), re.M))
    assert names, "no algorithm found in qgis_plugin/algorithms"
    listed = set(re.findall(r"^- `stadsrum:(\w+)`", _section("QGIS plugin"), re.M))
    assert listed == names

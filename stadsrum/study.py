"""A whole study from one TOML file (``stadsrum run analysis.toml``).

The file names the street network, the analyses to run with their options,
and the outputs; paths are relative to the file. ``out`` may lead out of the
file's folder (``../x``, an absolute path): where each output goes is printed
before anything runs, and a study that fails part way says which outputs it
had written. Everything is checked before
anything runs: unknown sections or keys (with the nearest known name),
missing files and bad values are reported together in one message.

.. code-block:: toml

    title = "Helsingfors centrum"
    out = "results"                  # folder for every output
    lang = "sv"                      # report language, sv or en

    [network]
    source = "../sample_data/helsinki.osm.pbf"

    [segments]
    cost = ["angular", "metric"]
    radii = [400, 800, "n"]

    [distances]
    places = "../sample_data/helsinki.gpkg|layername=places"
    nodes = "../sample_data/helsinki.gpkg|layername=nodes"
    node_category = "category"

    [compare]
    proposal = "../sample_data/helsinki.gpkg|layername=proposal"

    [report]

Each analysis section takes the options of its command (``stadsrum segments
--help`` and so on, with ``-`` written ``_``). ``[compare]`` reuses the places
and nodes of ``[distances]`` and the attractions of ``[accessibility]`` unless
it names its own. ``[export] formats = ["csv", "parquet"]`` also writes every
layer as CSV and GeoParquet.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import shutil
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stadsrum.errors import InputError, InputFileError
from stadsrum.progress import ProgressLike, as_progress

__all__ = ["Study", "load_study", "run_study"]

log = logging.getLogger(__name__)

#: Analyses in the order they run, with their output file names.
ANALYSES = ("segments", "distances", "accessibility", "barriers", "compare")
SECTIONS = ("network", *ANALYSES, "report", "export")
TOP_KEYS = ("title", "out", "lang")

#: Options naming input files (resolved relative to the TOML file, checked to exist).
PATH_KEYS = {
    "source",
    "unlinks",
    "clip",
    "places",
    "nodes",
    "attractions",
    "origins",
    "barriers",
    "proposal",
    "buildings",
}
#: Options that take a comma list: a TOML list is accepted too.
LIST_KEYS = {"cost", "radii", "thresholds", "categories", "measures", "access_radii", "formats"}
#: Options of the analyses decided by the study itself (the network is read once).
_FIXED = {
    "source",
    "network",
    "out",
    "progress",
    "layer",
    "network_layer",
    "mode",
    "prepare",
    "unlinks",
    "split_crossings",
    "where",
    "clip",
    "client",  # a live Dask client is Python-only; a study names a scheduler instead
    "options",  # records (stadsrum.records): a study gives their options one by one
    "network_options",
}


@dataclass
class Study:
    """A validated study: what to run, with which options, where to write."""

    path: Path
    out: Path
    title: str | None
    lang: str
    network: dict[str, Any]
    analyses: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    export: list[str] = field(default_factory=list)


def _workflow(section: str) -> Callable[..., Any]:
    from stadsrum import workflows

    return {
        "network": workflows.read_network,
        "segments": workflows.run_segments,
        "distances": workflows.run_distances,
        "accessibility": workflows.run_accessibility,
        "barriers": workflows.run_barriers,
        "compare": workflows.run_compare,
    }[section]  # type: ignore[return-value]


def _options(section: str) -> dict[str, inspect.Parameter]:
    """Options of a section: its workflow's parameters, less those the study decides."""
    params = inspect.signature(_workflow(section)).parameters
    skip = {"progress"} if section == "network" else _FIXED
    return {k: p for k, p in params.items() if k not in skip}


def _check_type(value: Any, param: inspect.Parameter, key: str) -> str | None:
    default = param.default
    numeric = str(param.annotation)  # postponed annotations: text such as "int | None"
    if numeric in ("int", "int | None"):
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole else "a whole number"
    if numeric in ("float", "float | None"):
        real = isinstance(value, int | float) and not isinstance(value, bool)
        return None if real else "a number"
    if key in LIST_KEYS and isinstance(value, list):
        if all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            return None
        return "a list of numbers or words"
    if default is inspect.Parameter.empty or default is None:
        if isinstance(value, str | int | float | bool):
            return None
        return "a word, number or true/false"
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        return None if isinstance(value, int) and not isinstance(value, bool) else "a whole number"
    if isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "text in quotes"
    return None


def _is_bbox_text(value: str) -> bool:
    from stadsrum.io.readers import clip_is_box

    return clip_is_box(value)


def _resolve(value: str, base: Path) -> tuple[str, Path]:
    """``FILE`` or ``FILE|layername=X`` relative to ``base``; returns the text and the file."""
    file_part, sep, rest = value.partition("|")
    path = Path(file_part.strip()).expanduser()  # as the readers take it
    if not path.is_absolute():
        path = (base / path).resolve()
    return (f"{path}{sep}{rest}" if sep else str(path)), path


def _near(key: str, known: Any) -> str:
    match = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def load_study(path: str | Path) -> Study:
    """Read and check a study file; raise one :class:`InputError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"study file '{path}' does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path.name}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text ({exc})") from exc
    base = path.resolve().parent
    problems: list[str] = []
    for key, value in data.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                problems.append(f"[{key}] must be a section (a table), not a value")
        elif key not in TOP_KEYS:
            problems.append(f"unknown key '{key}'{_near(key, [*SECTIONS, *TOP_KEYS])}")
    for key in TOP_KEYS:
        if key in data and not isinstance(data[key], str):
            problems.append(f"'{key}' must be text in quotes")
    lang = data.get("lang", "sv")
    report_opts = data.get("report")
    if isinstance(report_opts, dict):
        for key in report_opts:
            if key not in ("lang", "title"):
                problems.append(f"[report] unknown key '{key}'{_near(key, ['lang', 'title'])}")
        lang = report_opts.get("lang", lang)
    if lang not in ("sv", "en"):
        problems.append(f"lang must be 'sv' or 'en', not {lang!r}")
    export: list[str] = []
    export_opts = data.get("export")
    if isinstance(export_opts, dict):
        for key in export_opts:
            if key != "formats":
                problems.append(f"[export] unknown key '{key}'{_near(key, ['formats'])}")
        formats = export_opts.get("formats", ["csv"])
        export = [formats] if isinstance(formats, str) else list(formats)
        for f in export:
            if f not in ("csv", "parquet"):
                problems.append(f"[export] formats: {f!r} is not csv or parquet")
    if "network" not in data:
        problems.append('[network] is missing: name the street network with source = "FILE"')
    sections: dict[str, dict[str, Any]] = {}
    for section in ("network", *ANALYSES):
        raw = data.get(section)
        if not isinstance(raw, dict):
            continue
        options = _options(section)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in options:
                problems.append(f"[{section}] unknown key '{key}'{_near(key, options)}")
                continue
            wrong = _check_type(value, options[key], key)
            if wrong:
                problems.append(f"[{section}] {key} must be {wrong}, not {value!r}")
                continue
            if key in PATH_KEYS and isinstance(value, str):
                if key == "origins" and value == "segments":
                    values[key] = value
                    continue
                if key == "clip" and _is_bbox_text(value):
                    values[key] = value  # minx,miny,maxx,maxy, not a file
                    continue
                value, file = _resolve(value, base)
                if not file.exists():
                    problems.append(f"[{section}] {key}: file '{file}' does not exist")
            if key in LIST_KEYS and isinstance(value, list):
                value = ",".join(str(v) for v in value)
            values[key] = value
        for key, param in options.items():
            if param.default is inspect.Parameter.empty and key not in values:
                problems.append(f"[{section}] '{key}' is missing")
        sections[section] = values
    problems.extend(_check_values(sections))
    if "compare" in sections:
        comp = sections["compare"]
        for key, donor in (("places", "distances"), ("nodes", "distances")):
            if key not in comp and key in sections.get(donor, {}):
                comp[key] = sections[donor][key]
        if "attractions" not in comp and "attractions" in sections.get("accessibility", {}):
            comp["attractions"] = sections["accessibility"]["attractions"]
        if "node_category" not in comp and "node_category" in sections.get("distances", {}):
            comp["node_category"] = sections["distances"]["node_category"]
    analyses = {k: v for k, v in sections.items() if k in ANALYSES}
    if not analyses and report_opts is None:
        problems.append("nothing to run: add a section such as [segments] or [distances]")
    if problems:
        listed = "; ".join(problems)
        many = f"{len(problems)} problems: " if len(problems) > 1 else ""
        raise InputError(f"{path.name}: {many}{listed}")
    out_text = data.get("out", "results")
    out = Path(out_text) if Path(out_text).is_absolute() else base / out_text
    return Study(
        path=path,
        out=out,
        title=(report_opts or {}).get("title", data.get("title")),
        lang=str(lang),
        network=sections.get("network", {}),
        analyses=analyses,
        report=report_opts if isinstance(report_opts, dict) else None,
        export=export,
    )


def _check_values(sections: dict[str, dict[str, Any]]) -> list[str]:
    """Values the workflows would reject later: numbers, radii, minutes, costs, choices
    (by the rules of the command line, :mod:`stadsrum.options`), so that none is
    found only after the network is prepared."""
    from stadsrum.options import number_problem
    from stadsrum.records import RECORDS

    problems = []
    for section, values in sections.items():
        for key, value in values.items():
            problem = number_problem(key, value)
            if problem:
                problems.append(f"[{section}] {key}: {problem}")
    choices = {name: words for record in RECORDS for name, words in record.choices().items()}
    for section, values in sections.items():
        for key, allowed in choices.items():
            if key in values and values[key] not in allowed:
                problems.append(
                    f"[{section}] {key} must be one of {', '.join(allowed)}, not {values[key]!r}"
                )
    return problems


def run_study(path: str | Path, *, progress: ProgressLike | None = None) -> dict[str, Any]:
    """Run the study in a TOML file: every analysis it names, then the report.

    Returns the results by section and ``paths``, every file written. The
    study file is copied into the output folder beside the results. Where each
    output goes is said before anything runs (``out`` may point anywhere, even
    outside the study's folder); an error or interrupt (``KeyboardInterrupt``)
    raised part way carries a note naming the files already written (see
    :func:`stadsrum.io.outputs_check.written_before`).
    """
    from stadsrum.io.outputs_check import check_writable, note_written

    study = load_study(path)
    progress = as_progress(progress)
    for line in output_plan(study):
        progress.message(line)
    # the folder is made with the first result written: a study that fails first makes none
    check_writable(study.out, folder=True)
    _check_outputs_are_not_inputs(study)
    started = time.time() - 1.0  # file times may lag the clock by a tick
    try:
        return _run(study, progress)
    except (Exception, KeyboardInterrupt) as exc:
        # an interrupt (Ctrl-C, SIGTERM) too: the results of the analyses before it
        # are whole and stay, and a failure inside the export or the report can leave
        # some of its files written
        note_written(exc, study.path.name, _outputs(study), started)
        raise


def _check_outputs_are_not_inputs(study: Study) -> None:
    """Refuse, before anything runs, a result file that is an input of any section: it
    would be replaced, and a later analysis would read the new file instead."""
    from stadsrum.io.writers import check_not_an_input

    inputs: dict[str, object] = {}
    for section, opts in (("network", study.network), *study.analyses.items()):
        for key, value in opts.items():
            if key in PATH_KEYS and value != "segments":
                inputs[f"[{section}] {'network' if key == 'source' else key}"] = value
    for name in study.analyses:
        check_not_an_input(
            study.out / f"{name}.gpkg",
            inputs,
            remedy=f"give the study another out folder than '{study.out}'",
        )


def _outputs(study: Study) -> list[Path]:
    """Every file ``study`` may write, in the order it writes them."""
    out = study.out.resolve()
    gpkgs = [out / f"{name}.gpkg" for name in ANALYSES if name in study.analyses]
    tables = out / "tables"
    exported = (
        sorted(p for p in tables.iterdir() if not p.name.startswith("."))
        if (study.export and tables.is_dir())
        else []
    )
    report = [out / "report" / f"report.{ext}" for ext in ("pdf", "html")]
    return [
        *gpkgs,
        *exported,
        *(report if study.report is not None else []),
        out / study.path.name,
    ]


def output_plan(study: Study) -> list[str]:
    """Where each output of ``study`` goes, one line each; outputs outside the study's
    folder (an ``out`` such as ``../../x`` or an absolute path) are pointed out."""
    names = [f"{name}.gpkg" for name in ANALYSES if name in study.analyses]
    if study.export:
        names += [f"tables/*.{ext}" for ext in study.export]
    if study.report is not None:
        names += ["report/report.html", "report/report.pdf"]
    names.append(f"{study.path.name} (a copy of the study file)")
    folder = study.out.resolve()
    home = study.path.resolve().parent
    outside = "" if folder.is_relative_to(home) else f" (outside the study's folder {home})"
    return [f"{study.path.name}: outputs go to {folder}{outside}"] + [
        f"  {folder / name}" for name in names
    ]


def _run(study: Study, progress: ProgressLike) -> dict[str, Any]:
    from stadsrum import workflows
    from stadsrum.io.writers import atomic_path

    written: list[Path] = []
    net_opts = dict(study.network)
    source = net_opts.pop("source")
    net = workflows.read_network(source, progress=progress, **net_opts)
    results: dict[str, Any] = {"network": net}
    for name in ANALYSES:
        if name not in study.analyses:
            continue
        opts = dict(study.analyses[name])
        out = study.out / f"{name}.gpkg"
        progress.message(f"{study.path.name}: {name}")
        func = _workflow(name)
        if name == "segments":
            result = func(net, out, **opts)
        elif name == "distances":
            result = func(net, opts.pop("places"), opts.pop("nodes"), out, **opts)
        elif name == "accessibility":
            result = func(net, opts.pop("attractions"), out, **opts)
        elif name == "barriers":
            result = func(net, opts.pop("barriers"), out, **opts)
        else:
            result = func(net, opts.pop("proposal"), out, **opts)
        results[name] = result
        if result.path is not None:
            written.append(result.path)
    if study.export and written:
        written.extend(workflows.run_export(written, study.out / "tables", formats=study.export))
    if study.report is not None:
        gpkgs = [p for p in written if p.suffix == ".gpkg"]
        report = workflows.run_report(
            gpkgs, study.out / "report", lang=study.lang, title=study.title, progress=progress
        )
        results["report"] = report
        written.extend([report.html, report.pdf])
    copy = study.out / study.path.name
    if copy.resolve() != study.path.resolve():
        with atomic_path(copy, suffix=".toml") as tmp:
            shutil.copyfile(study.path, tmp)
        written.append(copy)
    results["paths"] = written
    return results

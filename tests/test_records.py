"""One options record per analysis (stadsrum.records): each option declared once.

The faces that used to spell every option again — the command line, the
workflows' keywords, study files, QGIS and ``run_metadata`` — are built from
the records. These tests hold the faces to the records: every option of a
record is a keyword of its workflow with the record's default, a command-line
option with the record's help text, and a ``run_metadata`` key; the keyword
API and a record given whole run the same analysis; and an option added to a
record appears on every face without being written anywhere else.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math

import pyogrio
import pytest
from helpers import make_lines

from stadsrum import cli, workflows
from stadsrum.errors import InputError
from stadsrum.records import (
    RECORDS,
    AccessibilityOptions,
    AreaOptions,
    BarrierOptions,
    BetweennessOptions,
    DistanceOptions,
    NetworkOptions,
    Options,
    PrepareOptions,
    SegmentOptions,
    option,
    spec_of,
    takes_options,
)

#: workflow → the records its options come from
WORKFLOWS = {
    "run_segments": (NetworkOptions, SegmentOptions),
    "run_distances": (NetworkOptions, DistanceOptions),
    "run_accessibility": (NetworkOptions, AccessibilityOptions),
    "run_betweenness": (NetworkOptions, BetweennessOptions),
    "run_barriers": (NetworkOptions, BarrierOptions),
    "run_areas": (PrepareOptions, AreaOptions),
}
#: command → its workflow
COMMANDS = {
    "segments": "run_segments",
    "distances": "run_distances",
    "accessibility": "run_accessibility",
    "betweenness": "run_betweenness",
    "barriers": "run_barriers",
    "areas": "run_areas",
}


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_option_is_a_keyword_of_its_workflow_with_the_records_default(name):
    params = inspect.signature(getattr(workflows, name)).parameters
    for record in WORKFLOWS[name]:
        for f in record.fields():
            assert f.name in params, (name, f.name)
            assert params[f.name].kind is inspect.Parameter.KEYWORD_ONLY
            assert params[f.name].default == f.default, (name, f.name)
            # as text, as the workflows' own annotations: checked_options and study read them
            assert params[f.name].annotation == str(f.type)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_line_option_comes_from_the_record(command):
    """``--help``'s options of the record: the record's names and help texts, and
    the callback's signature (which typer builds the command from) has each."""
    info = next(c for c in cli.app.registered_commands if c.callback.__name__ == command)
    params = inspect.signature(info.callback).parameters
    for record in WORKFLOWS[COMMANDS[command]]:
        for f in record.fields():
            spec = spec_of(f)
            assert (f.name in params) == spec.cli, f.name
            if spec.cli:
                typer_option = params[f.name].annotation.__metadata__[0]
                assert typer_option.help == spec.help


def test_a_record_refuses_an_unknown_option_naming_the_nearest():
    with pytest.raises(TypeError, match=r"SegmentOptions has no option 'radius'.*'radii'"):
        SegmentOptions.from_kwargs(radius="800")


def test_a_record_is_frozen_and_checked_when_made():
    opts = SegmentOptions(radii="400,n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.radii = "800"  # type: ignore[misc]
    with pytest.raises(InputError, match="run_segments: speed nan is not a finite number"):
        SegmentOptions(speed=math.nan)
    with pytest.raises(InputError, match="run_barriers: gap must be 0 or more, got -1"):
        BarrierOptions(gap=-1.0)
    with pytest.raises(TypeError, match="best_k must be a whole number"):
        BarrierOptions(best_k=2.5)  # type: ignore[arg-type]


def test_every_option_has_its_spec_and_none_is_in_two_records_of_one_workflow():
    for records in WORKFLOWS.values():
        names = [f.name for record in records for f in record.fields()]
        assert len(names) == len(set(names))
    for record in RECORDS:
        for f in record.fields():
            assert spec_of(f).help.endswith((".", ")")), (record.__name__, f.name)


@pytest.fixture(scope="module")
def cross():
    """A + of two 100 m streets: four segments of 50 m meeting at the middle."""
    return workflows.read_network(make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]]))


def test_keywords_and_a_record_run_the_same_analysis(cross):
    """``cost="metric", radii="60,n"`` as keywords, as a record, and as a record with
    one keyword on top: one and the same table. At 60 m a segment reaches (centre to
    centre, 25 m + 25 m) the other three, so node_count is 4 at both radii."""
    by_keywords = workflows.run_segments(cross, None, cost="metric", radii="60,n")
    record = SegmentOptions(cost="metric", radii="60,n")
    by_record = workflows.run_segments(cross, None, options=record)
    on_top = workflows.run_segments(
        cross, None, options=SegmentOptions(cost="metric"), radii="60,n"
    )
    for result in (by_record, on_top):
        assert result.segments.equals(by_keywords.segments)
    assert by_keywords.segments["node_count_metric_r60"].tolist() == [4, 4, 4, 4]


def test_the_workflow_refuses_a_record_of_the_wrong_analysis(cross):
    with pytest.raises(TypeError, match="options must be a SegmentOptions, not BarrierOptions"):
        workflows.run_segments(cross, None, options=BarrierOptions())


def test_run_metadata_records_the_options_under_their_names(cross, tmp_path):
    """The keys the segments file recorded before the records (written out here,
    not taken from the code under test), and the values given."""
    out = tmp_path / "seg.gpkg"
    workflows.run_segments(cross, out, cost="metric", radii="60,n", split="vertex")
    meta = pyogrio.read_dataframe(out, layer="run_metadata")
    params = json.loads(meta.set_index("key").loc["parameters", "value"])
    assert set(params) == {
        "cost", "radii", "radius_mode", "measures", "weight", "tulip_bins", "split",
        "step_threshold", "speed", "scheduler", "prepare", "split_crossings", "where",
        "clip", "layer", "mode", "crs",
    }  # fmt: skip
    assert (params["cost"], params["radii"], params["split"]) == ("metric", "60,n", "vertex")


def test_the_command_line_hands_the_workflow_one_record(monkeypatch, tmp_path):
    """Text read as the record holds it: a comma list of measures as a list, an
    enum as its word, ``--centre`` as a point."""
    seen = {}

    def fake(*args, **kwargs):
        seen.update(kwargs)
        raise InputError("stop here")

    monkeypatch.setattr(workflows, "run_segments", fake)
    monkeypatch.setattr(workflows, "run_barriers", fake)
    out = str(tmp_path / "x.gpkg")
    args = ["segments", "in.gpkg", "-o", out, "--radii", "400,n", "--split", "vertex"]
    with pytest.raises(SystemExit):
        cli.main([*args, "--measures", "integration, choice", "--mode", "bike", "-q"])
    assert seen["options"] == SegmentOptions(
        radii="400,n", split="vertex", measures=["integration", "choice"]
    )
    assert seen["network_options"] == NetworkOptions(mode="bike")
    assert type(seen["options"].split) is str
    args = ["barriers", "--network", "n.gpkg", "--barriers", "b.gpkg", "-o", out]
    with pytest.raises(SystemExit):
        cli.main([*args, "--centre", "385000,6672000", "--detour-origins", "segments", "-q"])
    assert seen["options"] == BarrierOptions(
        centre=(385000.0, 6672000.0), detour_origins="segments"
    )


def test_an_option_added_to_a_record_is_on_every_face():
    """The point of the records: one field, and the command line, the workflow's
    keywords, the record's metadata and QGIS's parameter name all have it."""

    @dataclasses.dataclass(frozen=True)
    class Wider(SegmentOptions):
        detail: int = option(3, "How much detail, a count.")

    @takes_options(options=Wider)
    def run(source, *, options: Wider):
        return options

    assert "detail" in inspect.signature(run).parameters  # the workflow's keyword
    assert run(None, detail=5).detail == 5  # the keyword reaches the record
    assert run(None).metadata()["detail"] == 3  # run_metadata
    assert Wider.qgis_parameters()["detail"] == "DETAIL"  # the dialog's parameter
    (param,) = [p for p in cli._option_parameters(Wider) if p.name == "detail"]
    assert param.default == 3  # the command line's --detail, with its help
    assert param.annotation.__metadata__[0].help == "How much detail, a count."
    assert issubclass(Wider, Options)


def test_a_study_file_checks_the_words_of_every_record(tmp_path):
    """The allowed words come from the records: a detour origin, a decay or a radius
    mode that is no word of theirs is refused before anything is read (the files
    need only exist: a study is checked before any of them is opened)."""
    from stadsrum.study import load_study

    for name in ("net.gpkg", "b.gpkg", "a.gpkg"):
        (tmp_path / name).write_bytes(b"")
    study = tmp_path / "study.toml"
    study.write_text(
        '[network]\nsource = "net.gpkg"\n'
        '[segments]\nradius_mode = "routes"\n'
        '[accessibility]\nattractions = "a.gpkg"\ndecay = "cubic"\n'
        '[barriers]\nbarriers = "b.gpkg"\ndetour_origins = "grid2"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_study(study)
    text = str(info.value)
    assert "[segments] radius_mode must be one of catchment, route, not 'routes'" in text
    assert "[accessibility] decay must be one of none, linear, exponential" in text
    assert "[barriers] detour_origins must be one of grid, segments, not 'grid2'" in text

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
import typer
from helpers import X0, Y0, make_lines

from stadsrum import cli, workflows
from stadsrum.errors import InputError
from stadsrum.records import (
    RECORDS,
    AccessibilityOptions,
    AreaOptions,
    BarrierOptions,
    BetweennessOptions,
    CompareOptions,
    DistanceOptions,
    NetworkOptions,
    Options,
    PrepareOptions,
    SegmentOptions,
    option,
    option_of,
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
    "run_compare": (NetworkOptions, CompareOptions),
}
#: command → its workflow
COMMANDS = {
    "segments": "run_segments",
    "distances": "run_distances",
    "accessibility": "run_accessibility",
    "betweenness": "run_betweenness",
    "barriers": "run_barriers",
    "areas": "run_areas",
    "compare": "run_compare",
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

    for name in ("net.gpkg", "b.gpkg", "a.gpkg", "p.gpkg"):
        (tmp_path / name).write_bytes(b"")
    study = tmp_path / "study.toml"
    study.write_text(
        '[network]\nsource = "net.gpkg"\n'
        '[segments]\nradius_mode = "routes"\n'
        '[accessibility]\nattractions = "a.gpkg"\ndecay = "cubic"\n'
        '[barriers]\nbarriers = "b.gpkg"\ndetour_origins = "grid2"\n'
        '[compare]\nproposal = "p.gpkg"\ndecay = "cubic"\nsegments = false\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_study(study)
    text = str(info.value)
    assert "[segments] radius_mode must be one of catchment, route, not 'routes'" in text
    assert "[accessibility] decay must be one of none, linear, exponential" in text
    assert "[barriers] detour_origins must be one of grid, segments, not 'grid2'" in text
    assert "[compare] decay must be one of none, linear, exponential" in text
    assert "[compare]" not in text.replace("[compare] decay", "")  # segments = false is fine


# --- compare: the analyses it runs before and after, one record ---------------------------

#: ``stadsrum compare``'s options of the record as they were before it (flag, default as
#: ``--help`` shows it, help text), written out from ``git show 60f5c5a:stadsrum/cli.py``
COMPARE_COMMAND_LINE = {
    "cost": ("--cost", "angular", "Segment analysis costs: angular, metric, steps, time."),
    "radii": ("--radii", "n", "Segment analysis radii in metres, n for the whole network."),
    "measures": (
        "--measures",
        "integration,choice,reach_length",
        "Segment measures compared (comma list).",
    ),
    "radius_mode": ("--radius-mode", "catchment", "catchment or route (see stadsrum segments)."),
    "segments": ("--no-segments", False, "Skip the segment analysis."),
    "action": ("--action", "action", "Column of the proposal saying add or remove."),
    "proposal_id": ("--proposal-id", None, "Id column of the proposal (for messages)."),
    "snap_tolerance": (
        "--snap-tolerance",
        1.0,
        "Largest distance (m) from a proposal's end to the network.",
    ),
    "place_id": ("--place-id", "place_id", "Id column of the places."),
    "node_id": ("--node-id", "node_id", "Id column of the nodes."),
    "node_category": ("--node-category", None, "Category column of the nodes."),
    "thresholds": (
        "--thresholds",
        "10,15",
        "Minutes of walking: nodes within each, per place.",
    ),
    "access_radii": ("--access-radii", "n", "Accessibility radii in metres, n for no limit."),
    "category": ("--category", None, "Category column of the attractions."),
    "max_link": (
        "--max-link",
        200.0,
        "Largest distance (m) from a place or node to the network.",
    ),
    "speed": ("--speed", 1.3, "Walking speed, metres per second."),
}
#: ``run_compare``'s keywords and defaults before the record (the Python API's
#: ``measures=None``: compare's own measures; ``segments=True``, not the flag's False)
COMPARE_KEYWORDS = {
    "cost": "angular",
    "radii": "n",
    "measures": None,
    "radius_mode": "catchment",
    "segments": True,
    "action": "action",
    "snap_tolerance": 1.0,
    "proposal_id": None,
    "place_id": "place_id",
    "node_id": "node_id",
    "node_category": None,
    "max_link": 200.0,
    "speed": 1.3,
    "thresholds": "10,15",
    "access_cost": "metric",
    "access_radii": "n",
    "decay": "none",
    "value": None,
    "category": None,
    "mode": "walk",
    "prepare": None,
    "split_crossings": "auto",
    "where": None,
    "clip": None,
}


def test_compare_keeps_its_command_line_and_keywords():
    """Every option of ``stadsrum compare`` as before the record, in the same order
    (its ``--help`` is unchanged), and ``run_compare``'s keywords with their defaults;
    access_cost, decay and value are the Python API's and QGIS's only."""
    command = typer.main.get_command(cli.app).commands["compare"]
    shown = {
        p.name: (p.opts[0], p.default, p.help)
        for p in command.params
        if p.name in CompareOptions.names()
    }
    assert shown == COMPARE_COMMAND_LINE
    assert list(shown) == list(COMPARE_COMMAND_LINE)
    params = inspect.signature(workflows.run_compare).parameters
    assert {k: params[k].default for k in COMPARE_KEYWORDS} == COMPARE_KEYWORDS
    assert set(CompareOptions.names()) | set(NetworkOptions.names()) == set(COMPARE_KEYWORDS)


def test_the_command_line_hands_compare_one_record(monkeypatch, tmp_path):
    """``--no-segments`` turns the option off; without it the record's True. The
    command line's measures are compare's three, as text (run_compare reads it)."""
    seen = {}

    def fake(*args, **kwargs):
        seen.update(kwargs)
        raise InputError("stop here")

    monkeypatch.setattr(workflows, "run_compare", fake)
    args = ["compare", "--base", "n.gpkg", "--proposal", "p.gpkg", "-o", str(tmp_path / "x.gpkg")]
    with pytest.raises(SystemExit):
        cli.main([*args, "-q"])
    assert seen["options"] == CompareOptions(measures="integration,choice,reach_length")
    assert seen["options"].segments is True
    assert seen["network_options"] == NetworkOptions()
    with pytest.raises(SystemExit):
        cli.main([*args, "--no-segments", "--radius-mode", "route", "--mode", "bike", "-q"])
    assert seen["options"].segments is False
    assert type(seen["options"].radius_mode) is str
    assert seen["options"].radius_mode == "route"
    assert seen["network_options"] == NetworkOptions(mode="bike")


def test_compare_shares_the_options_of_the_analyses_it_runs():
    """An option compare hands an analysis is that analysis's: a word added to the
    decays or the radius modes reaches compare's study check and dialog too; where
    compare says otherwise it says so once (``option_of``'s changes)."""
    assert CompareOptions.choices() == {
        "radius_mode": SegmentOptions.choices()["radius_mode"],
        "decay": AccessibilityOptions.choices()["decay"],
    }
    fields = {f.name: f for f in CompareOptions.fields()}
    sources = {f.name: f for f in DistanceOptions.fields()}
    for name in ("place_id", "node_id", "max_link", "speed"):
        assert spec_of(fields[name]) == spec_of(sources[name])
        assert fields[name].default == sources[name].default
    assert fields["thresholds"].default == "10,15"  # distances' is 5,10,15
    assert spec_of(fields["access_cost"]).cli is False
    with pytest.raises(TypeError, match="DistanceOptions has no option 'radius'"):
        option_of(DistanceOptions, "radius")


def test_the_command_lines_measures_are_compares_own():
    """``--measures``' default names what ``measures=None`` compares."""
    from stadsrum.measures.compare import COMPARE_MEASURES

    (field,) = [f for f in CompareOptions.fields() if f.name == "measures"]
    assert spec_of(field).cli_default.split(",") == list(COMPARE_MEASURES)


@pytest.fixture(scope="module")
def bay():
    """A U of streets and a plan closing it, with a place and a node at its tips:

        (0, 100) +-----------------+ (200, 100)    node at (200, 105)
                 |                 :  the plan: (200, 0) - (200, 100)
          (0, 0) +-----------------+ (200, 0)      place at (200, -5)

    Before, the place walks 5 m to the street, 200 + 100 + 200 m round the U and
    5 m to the node: 510 m. After, 5 + 100 + 5 = 110 m across the new link.
    """
    import geopandas as gpd
    import shapely

    net = workflows.read_network(
        make_lines([[(200, 0), (0, 0)], [(0, 0), (0, 100)], [(0, 100), (200, 100)]])
    )
    plan = make_lines([[(200, 0), (200, 100)]])

    def point(x, y, **cols):
        return gpd.GeoDataFrame(cols, geometry=[shapely.Point(X0 + x, Y0 + y)], crs=plan.crs)

    return net, plan, point(200, -5, place_id=["tip"]), point(200, 105, node_id=["school"])


def test_compare_by_keywords_and_by_record_is_one_comparison(bay, tmp_path):
    """Keywords, a record, and a record with a keyword on top: the same layers; the
    routes as drawn (510 m before, 110 m after); ``run_metadata`` with the keys it
    had before the record (written out) and the values given."""
    net, plan, place, node = bay
    given = {"places": place, "nodes": node}
    out = tmp_path / "compare.gpkg"
    by_keywords = workflows.run_compare(
        net, plan, out, **given, cost="metric", radii="150,n", thresholds="10", segments=True
    )
    record = CompareOptions(cost="metric", radii="150,n", thresholds="10")
    by_record = workflows.run_compare(net, plan, None, **given, options=record)
    on_top = workflows.run_compare(
        net, plan, None, **given, options=CompareOptions(cost="metric"), radii="150,n",
        thresholds="10",
    )  # fmt: skip
    for result in (by_record, on_top):
        for name in ("segments_diff", "od_diff", "places_diff"):
            assert result.layers[name].equals(by_keywords.layers[name]), name
    od = by_keywords.layers["od_diff"]
    assert od["total_m_before"].tolist() == pytest.approx([510.0])
    assert od["total_m_after"].tolist() == pytest.approx([110.0])
    meta = pyogrio.read_dataframe(out, layer="run_metadata")
    params = json.loads(meta.set_index("key").loc["parameters", "value"])
    assert set(params) == {
        "cost", "radii", "measures", "radius_mode", "segments", "action", "snap_tolerance",
        "proposal_id", "place_id", "node_id", "node_category", "max_link", "speed",
        "thresholds", "access_cost", "access_radii", "decay", "value", "category",
        "prepare", "split_crossings", "where", "clip", "crs",
    }  # fmt: skip
    assert params["measures"] == ["integration", "choice", "reach_length"]
    assert (params["cost"], params["radii"], params["thresholds"]) == ("metric", "150,n", [10.0])


def test_compare_refuses_a_bad_option_as_before(bay):
    """Checked when the record is made, in run_compare's name as before."""
    net, plan, _, _ = bay
    with pytest.raises(InputError, match="run_compare: snap_tolerance must be 0 or more"):
        workflows.run_compare(net, plan, None, snap_tolerance=-1.0)
    with pytest.raises(TypeError, match="options must be a CompareOptions, not SegmentOptions"):
        workflows.run_compare(net, plan, None, options=SegmentOptions())

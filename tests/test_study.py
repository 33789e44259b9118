"""A whole study from one TOML file (stadsrum.study, stadsrum run)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stadsrum import InputError
from stadsrum.cli import app
from stadsrum.study import load_study, run_study

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "helsinki.toml"


@pytest.fixture
def study_dir(tmp_path):
    """The shipped example beside a link to the sample data, so its relative paths hold."""
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "examples" / "helsinki.toml")
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    return tmp_path / "examples"


def test_example_study_is_valid_and_resolves_paths():
    study = load_study(EXAMPLE)
    assert list(study.analyses) == ["segments", "distances", "accessibility", "barriers", "compare"]
    assert study.out == EXAMPLE.parent / "helsinki-results"
    places = study.analyses["distances"]["places"]
    assert places == f"{ROOT / 'sample_data' / 'helsinki.gpkg'}|layername=places"
    assert study.analyses["segments"]["radii"] == "400,800"
    # compare reuses the places and nodes of [distances], the attractions of [accessibility]
    assert study.analyses["compare"]["places"] == places
    assert "attractions" in study.analyses["compare"]
    assert study.export == ["csv"]


@pytest.mark.slow
def test_example_study_runs(study_dir):
    result = run_study(study_dir / "helsinki.toml")
    out = study_dir / "helsinki-results"
    for name in ("segments", "distances", "accessibility", "barriers", "compare"):
        assert (out / f"{name}.gpkg").exists()
    assert (out / "report" / "report.html").exists()
    assert (out / "report" / "report.pdf").exists()
    assert (out / "tables" / "distances_place_summary.csv").exists()
    assert (out / "helsinki.toml").read_text() == EXAMPLE.read_text()
    with sqlite3.connect(out / "compare.gpkg") as con:
        styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
    assert {"segments_diff", "od_diff", "places_diff", "accessibility_diff"} <= styled
    assert result["compare"].comparison.summary["links_added"] == 2


BAD = """
out = "results"
colour = "red"

[network]
source = "missing.osm.pbf"

[segments]
radii = [400, "far"]
cost = "angular"
tulip_bin = 1024

[distances]
places = "places.gpkg|layername=places"
speed = "fast"
"""


def test_a_bad_study_gives_one_clear_error_and_runs_nothing(tmp_path):
    path = tmp_path / "analysis.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_study(path)
    message = str(info.value)
    assert message.startswith("analysis.toml: 7 problems: ")
    for part in (
        "unknown key 'colour'",
        f"[network] source: file '{tmp_path / 'missing.osm.pbf'}' does not exist",
        "[segments] unknown key 'tulip_bin' (did you mean 'tulip_bins'?)",
        "[segments] radii: radius 'far' is not a number of metres or 'n'",
        "[distances] places: file",
        "[distances] speed must be a number, not 'fast'",
        "[distances] 'nodes' is missing",
    ):
        assert part in message
    run = CliRunner().invoke(app, ["run", str(path)])
    assert run.exit_code == 1
    lines = run.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: analysis.toml: 7 problems")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[segments]\n", "[network] is missing"),
        ('[network]\nsource = "x"\n[segments\n', "not valid TOML"),
        ('lang = "fi"\n[network]\nsource = "x"\n', "lang must be 'sv' or 'en'"),
        ('[network]\nsource = "x"\n', "nothing to run"),
        ('[network]\nsource = "x"\nmode = "boat"\n[segments]\n', "mode must be one of walk"),
        ('[network]\nsource = "x"\n[export]\nformats = ["xlsx"]\n', "'xlsx' is not csv"),
    ],
)
def test_study_file_problems(tmp_path, text, message):
    (tmp_path / "x").write_text("")
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        load_study(path)

"""`stadsrum compare` on two runs of `stadsrum areas`: a new bridge brings two areas closer.

The town before the plan: a west and an east street joined only by a detour south
(500 m between the bridge ends); the proposal is a 100 m footbridge across::

                         300,60           400,60            (stubs keep the junctions)
    W1 .      W2 .        |     E1 .      |   E2 .              (10 m north)
    0 ------------------ 300 ~~ bridge ~~ 400 ------------------ 700   school at 700
                          |                |
                          |                |       detour: 200 + 100 + 200 = 500 m
                         300,-200 ------- 400,-200

W1 at x = 100 and W2 at 200 (area W, 10 people each, all group x); E1 at 500 and E2
at 600 (area E, 10 people each, all group y). Every point joins its street 10 m away.
Speed 100 m a minute.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines
from typer.testing import CliRunner

from stadsrum import prepare_network
from stadsrum.cli import app
from stadsrum.io.styles import layer_style
from stadsrum.workflows import run_areas

SPEED = 100 / 60


def _points(xy, **columns) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=SWEREF)


def _runs(tmp_path):
    lines = [
        [(0, 0), (300, 0)],
        [(400, 0), (700, 0)],
        [(300, 0), (300, -200)],
        [(300, -200), (400, -200)],
        [(400, -200), (400, 0)],
        [(300, 0), (300, 60)],
        [(400, 0), (400, 60)],
    ]
    before = prepare_network(make_lines(lines))
    bridge = gpd.GeoDataFrame(
        {"name": ["bridge"]},
        geometry=[shapely.LineString([(X0 + 300, Y0), (X0 + 400, Y0)])],
        crs=SWEREF,
    )
    pop = _points([(100, 10), (200, 10), (500, 10), (600, 10)], x=[10, 10, 0, 0], y=[0, 0, 10, 10])
    boxes = [shapely.box(X0 - 50, Y0 - 300, X0 + 350, Y0 + 100)]
    boxes.append(shapely.box(X0 + 350, Y0 - 300, X0 + 750, Y0 + 100))
    areas = gpd.GeoDataFrame({"area_id": ["W", "E"]}, geometry=boxes, crs=SWEREF)
    school = _points([(700, 0)], kind=["school"])
    square = _points([(550, 10)], name=["torget"])  # today's meeting place, east street
    paths = {}
    # the run after applies the proposal itself (stadsrum areas --proposal)
    for when, plan in (("before", None), ("after", bridge)):
        paths[when] = tmp_path / f"areas_{when}.gpkg"
        run_areas(
            before,
            pop,
            paths[when],
            proposal=plan,
            groups="x,y",
            areas=areas,
            nodes=school,
            node_category="kind",
            meeting_places=square,
            thresholds="2,4",
            environment="5",
            speed=SPEED,
            threads=1,
        )
    return paths


def test_bridge_brings_the_areas_closer(tmp_path) -> None:
    """Between the areas, before: W1-E1 = 10 + 200 + 500 + 100 + 10 = 820 m, W1-E2 920,
    W2-E1 720, W2-E2 820: mean 820 m = 8.2 min. After, each pair is 400 m shorter
    (100 m of bridge for 500 m of detour): 420, 520, 320, 420, mean 420 m = 4.2 min.
    area_matrix_diff W→E: mean_m 820 → 420, change −400; W→W unchanged (60 m).

    School at x = 700: W1 10 + 200 + 500 + 300 = 1010 m = 10.1 min before, 6.1 after;
    W2 9.1 → 5.1; W's mean 9.6 → 5.6 min (change −4.0), E's 1.6 unchanged.

    Co-presence on the west street (0-300, midpoint 150, unchanged by the plan): within
    4 min (400 m) W1 and W2 (60 m each) before; after also E1 at 10 + 100 + 100 + 150 =
    360 m (before 760 m); E2 at 460 m stays out. reach_pop_4min 20 → 30, reach_y_4min
    0 → 10, reach_areas_4min 1 → 2. The bridge itself is a new segment.

    Segregation along the streets with a 5 min (500 m) environment. Before every
    environment holds one group only (W1-W2 120 m, the nearest other-area pair 720 m):
    D̃ = 1 and the isolation of x is 1. After: W1 sees W1, W2, E1 (420) → x share 2/3;
    W2 sees all but none beyond 420 → 20 x, 20 y → 1/2; E1 likewise 1/2; E2 sees W2
    (420), E1, itself → 1/3. Isolation of x = ½·⅔ + ½·½ = 7/12. With π = ½ and
    I = ½, D̃ = Σ_j τ_j Σ_m |p_jm − π_m| / (2 T I) = (10·⅓ + 0 + 0 + 10·⅓) / 40 = 1/6.
    The aspatial D over the two areas stays 1.
    """
    paths = _runs(tmp_path)
    out = tmp_path / "diff.gpkg"
    args = ["compare", "--areas-before", str(paths["before"]), "--areas-after"]
    result = CliRunner().invoke(app, [*args, str(paths["after"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "mean walk between residents of different areas 8.2 → 4.2 min" in result.output
    assert "(2 of 2 area pairs closer)" in result.output  # W→E and E→W
    assert "dissimilarity along the streets (5 min) 1.000 → 0.167" in result.output

    matrix = pyogrio.read_dataframe(out, layer="area_matrix_diff")
    m = matrix.set_index(["from_area", "to_area"])
    assert m.loc[("W", "E"), "mean_m_before"] == pytest.approx(820.0)
    assert m.loc[("W", "E"), "mean_m_after"] == pytest.approx(420.0)
    assert m.loc[("E", "W"), "mean_m_change"] == pytest.approx(-400.0)
    assert m.loc[("W", "E"), "mean_min_change"] == pytest.approx(-4.0)
    assert m.loc[("W", "W"), "mean_m_change"] == pytest.approx(0.0)
    assert (m["status"] == "both").all()

    areas = pyogrio.read_dataframe(out, layer="areas_diff").set_index("area_id")
    assert areas.loc["W", "mean_min_school_before"] == pytest.approx(9.6)
    assert areas.loc["W", "mean_min_school_after"] == pytest.approx(5.6)
    assert areas.loc["W", "mean_min_school_change"] == pytest.approx(-4.0)
    assert areas.loc["E", "mean_min_school_change"] == pytest.approx(0.0)
    assert areas.loc["W", "population_change"] == 0
    assert areas.geometry.notna().all()

    cop = pyogrio.read_dataframe(out, layer="copresence_diff")
    mids = shapely.line_interpolate_point(np.asarray(cop.geometry.array), 0.5, normalized=True)
    xs, ys = shapely.get_x(mids) - X0, shapely.get_y(mids) - Y0
    west = cop[np.isclose(xs, 150) & np.isclose(ys, 0)].iloc[0]
    assert west["status"] == "unchanged"
    assert (west["reach_pop_4min_before"], west["reach_pop_4min_after"]) == (20, 30)
    assert west["reach_pop_4min_change"] == 10
    assert west["reach_y_4min_change"] == 10
    assert (west["reach_areas_4min_before"], west["reach_areas_4min_after"]) == (1, 2)
    bridge = cop[np.isclose(xs, 350) & np.isclose(ys, 0)]
    assert bridge["status"].tolist() == ["new"]
    assert np.isnan(bridge["reach_pop_4min_before"].iloc[0])

    seg = pyogrio.read_dataframe(out, layer="segregation_diff")
    s = seg.set_index(["index", "group", "scale"])
    assert s.loc[("dissimilarity", "all", "network_5min"), "value_before"] == pytest.approx(1.0)
    assert s.loc[("dissimilarity", "all", "network_5min"), "value_after"] == pytest.approx(1 / 6)
    assert s.loc[("dissimilarity", "all", "network_5min"), "value_change"] == pytest.approx(
        1 / 6 - 1
    )
    assert s.loc[("isolation", "x", "network_5min"), "value_after"] == pytest.approx(7 / 12)
    assert s.loc[("dissimilarity", "all", "areas"), "value_change"] == pytest.approx(0.0)

    # the square at x = 550 joins the east street 10 m away. Within 4 min (400 m) before:
    # E1 and E2 (10 + 50 + 10 = 70 m); W2 is 10 + 100 + 500 + 150 + 10 = 770 m away.
    # After, W2 is 10 + 100 + 100 + 150 + 10 = 370 m away and W1 470 m (still out):
    # reach_pop_4min 20 → 30, all of the gain group x; within 2 min no change.
    places = pyogrio.read_dataframe(out, layer="meeting_places_diff").set_index("site_id")
    torget = places.loc["torget"]
    assert torget["status"] == "both"
    assert (torget["reach_pop_4min_before"], torget["reach_pop_4min_after"]) == (20, 30)
    assert torget["reach_x_4min_change"] == 10
    assert torget["reach_y_4min_change"] == 0
    assert torget["reach_pop_2min_change"] == 0
    assert torget["balanced_reach_4min_change"] > 0  # both groups now reach it
    assert places.geometry.notna().all()

    with sqlite3.connect(out) as con:
        styled = {r[0] for r in con.execute("select f_table_name from layer_styles")}
    assert {"areas_diff", "copresence_diff", "meeting_places_diff"} <= styled
    assert layer_style("meeting_places_diff", places).column == "balanced_reach_4min_change"
    # drawn by what changed: the walk to the school, people within reach of each street
    assert layer_style("areas_diff", areas).column == "mean_min_school_change"
    assert layer_style("copresence_diff", cop).column == "reach_pop_4min_change"


def test_area_compare_refusals(tmp_path) -> None:
    """One file alone, and a file that is not an areas run: one line each."""
    paths = _runs(tmp_path)
    out = str(tmp_path / "diff.gpkg")
    runner = CliRunner()
    result = runner.invoke(app, ["compare", "--areas-before", str(paths["before"]), "-o", out])
    assert result.exit_code != 0
    assert "give both --areas-before and --areas-after" in result.output
    make_lines([[(0, 0), (1, 0)]]).to_file(tmp_path / "lines.gpkg")
    bad = ["compare", "--areas-before", str(paths["before"]), "--areas-after"]
    result = runner.invoke(app, [*bad, str(tmp_path / "lines.gpkg"), "-o", out])
    assert result.exit_code != 0
    assert "has no areas or segregation layer" in result.output
    result = runner.invoke(app, ["compare", "-o", out])
    assert result.exit_code != 0
    assert "nothing to compare" in result.output
    assert "Traceback" not in result.output


def test_runs_with_other_residents_are_flagged(tmp_path) -> None:
    """A plan changes streets, not people: when the run after has 10 more residents the
    summary says the changes mix the plan with other inputs (40 before, 50 after)."""
    import pandas as pd

    from stadsrum.measures.compare import compare_areas
    from stadsrum.workflows import _area_run, area_summary_line

    paths = _runs(tmp_path)
    before, after = _area_run(paths["before"], "b"), _area_run(paths["after"], "a")
    assert "warning" not in compare_areas(before, after)[1]
    after["areas"] = after["areas"].assign(population=after["areas"]["population"] + 5)
    layers, summary = compare_areas(before, after)
    assert "40 before, 50 after" in summary["warning"]
    assert "note: the two runs differ" in area_summary_line(summary)
    assert pd.api.types.is_float_dtype(layers["areas_diff"]["population_change"])

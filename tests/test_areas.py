"""People and areas on hand-made towns, every number derived in the docstrings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines

from stadsrum import InputError, prepare_network
from stadsrum.measures.areas import area_analysis

# 100 metres a minute keeps the minutes readable
SPEED = 100 / 60


def _points(xy: list[tuple[float, float]], **columns: list[float]) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=SWEREF)


def _boxes(**boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    geoms = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes.values()]
    return gpd.GeoDataFrame({"district": list(boxes)}, geometry=geoms, crs=SWEREF)


def _bridge_town():
    """Two areas joined by one bridge::

        W1 .      W2 .              E1 .      E2 .         (10 m north of the street)
        0 ------------------ 300 ====== 400 ------------------ 700   school at 700
                              |          |
                             300,-50    400,-50             (stubs keep the junctions)

    West (x < 350): W1 at x = 100 and W2 at x = 200, 10 people each, all group x.
    East: E1 at 500 and E2 at 600, 10 people each, all group y. Every point joins its
    street 10 m away (link_m = 10).
    """
    lines = [
        [(0, 0), (300, 0)],
        [(300, 0), (400, 0)],
        [(400, 0), (700, 0)],
        [(300, 0), (300, -50)],
        [(400, 0), (400, -50)],
    ]
    net = prepare_network(make_lines(lines))
    pop = _points([(100, 10), (200, 10), (500, 10), (600, 10)], x=[10, 10, 0, 0], y=[0, 0, 10, 10])
    areas = _boxes(W=(-50, -100, 350, 100), E=(350, -100, 750, 100))
    school = _points([(700, 0)], kind=["school"])
    return net, pop, areas, school


def _run(net, pop, **kw):
    kw.setdefault("groups", ["x", "y"])
    kw.setdefault("speed", SPEED)
    kw.setdefault("threads", 1)
    return area_analysis(net, pop, **kw)


def test_bridge_town_areas_and_matrix() -> None:
    """Distances (metres): W1-W2 = 10 + 100 + 10 = 120; W1-E1 = 10 + 400 + 10 = 420,
    W1-E2 = 520, W2-E1 = 320, W2-E2 = 420; a point to itself 0.

    mean_m(W, E) = (420 + 520 + 320 + 420) / 4 = 420 (equal weights 10 x 10), 4.2 min.
    mean_m(W, W) = (0 + 120 + 120 + 0) / 4 = 60: people of one area are 60 m apart on
    average, counting each point's own residents at distance 0.

    School at x = 700 on the street (link 0): W1 10 + 600 = 610 m = 6.1 min, W2 5.1,
    E1 2.1, E2 1.1. West: mean 5.6 min, nobody within 4 min; East: mean 1.6 min,
    share within 2 min = 10/20 = 0.5 (E2), within 4 min = 1.
    """
    net, pop, areas, school = _bridge_town()
    r = _run(
        net,
        pop,
        areas=areas,
        area_id="district",
        nodes=school,
        node_category="kind",
        thresholds=(2, 4),
        environment=(2,),
    )
    m = r.area_matrix.set_index(["from_area", "to_area"])
    assert m.loc[("W", "E"), "mean_m"] == pytest.approx(420.0)
    assert m.loc[("E", "W"), "mean_m"] == pytest.approx(420.0)
    assert m.loc[("W", "E"), "mean_min"] == pytest.approx(4.2)
    assert m.loc[("W", "W"), "mean_m"] == pytest.approx(60.0)
    assert m.loc[("E", "E"), "mean_m"] == pytest.approx(60.0)
    assert (m["unreached_share"] == 0).all()
    a = r.areas.set_index("area_id")
    assert a.loc["W", "population"] == 20
    assert a.loc["W", "share_x"] == 1.0
    assert a.loc["W", "mean_min_school"] == pytest.approx(5.6)
    assert a.loc["E", "mean_min_school"] == pytest.approx(1.6)
    assert a.loc["W", "share_school_4min"] == 0.0
    assert a.loc["E", "share_school_2min"] == pytest.approx(0.5)
    assert a.loc["E", "share_school_4min"] == pytest.approx(1.0)
    assert a.loc["E", "mean_min_school_y"] == pytest.approx(1.6)
    assert np.isnan(a.loc["E", "mean_min_school_x"])  # nobody of group x lives there
    assert (a["unreached_school"] == 0).all()
    assert set(r.population["area_id"]) == {"W", "E"}
    assert r.population["link_m"].tolist() == pytest.approx([10.0] * 4)


def test_bridge_town_copresence_and_sites() -> None:
    """The bridge (300-400, midpoint 350): W2 10 + 150 = 160 m, E1 160 m, W1 and E2
    260 m. Within 2 min (200 m): W2 and E1, 10 x + 10 y: reach_pop 20, two areas, mix
    = 1 (equal shares), other_area_share = 10/20 (the midpoint x = 350 lies on the
    boundary both boxes share, and the first area, W, takes it: E1's 10 live outside).
    The west street (midpoint 150): W1 60, W2 60, E1 10 + 200 + 150 = 360: within
    2 min only group x, mix 0, one area.

    Balanced reach at 2 min: the bridge reaches 10/20 of x and 10/20 of y → 0.5; every
    other segment reaches one group only → 0. The bridge ranks first.
    """
    net, pop, areas, _ = _bridge_town()
    r = _run(net, pop, areas=areas, area_id="district", thresholds=(2, 4), environment=(2,))
    mids = shapely.line_interpolate_point(r.copresence.geometry.array, 0.5, normalized=True)
    xs = shapely.get_x(np.asarray(mids)) - X0
    ys = shapely.get_y(np.asarray(mids)) - Y0
    bridge = int(np.where(np.isclose(xs, 350) & np.isclose(ys, 0))[0][0])
    west = int(np.where(np.isclose(xs, 150))[0][0])
    c = r.copresence
    assert c.loc[bridge, "reach_pop_2min"] == 20
    assert c.loc[bridge, "reach_x_2min"] == 10
    assert c.loc[bridge, "reach_areas_2min"] == 2
    assert c.loc[bridge, "mix_2min"] == pytest.approx(1.0)
    assert c.loc[bridge, "other_area_share_2min"] == pytest.approx(0.5)
    assert c.loc[west, "reach_pop_2min"] == 20
    assert c.loc[west, "reach_y_2min"] == 0
    assert c.loc[west, "mix_2min"] == 0.0
    assert c.loc[west, "reach_areas_2min"] == 1
    assert c.loc[west, "reach_pop_4min"] == 30  # E1 at 360 m
    s = r.meeting_sites
    best = s[s["rank_2min"] == 1]
    assert best["site_id"].tolist() == [str(bridge)]
    assert best["balanced_reach_2min"].iloc[0] == pytest.approx(0.5)
    assert (s.loc[s["site_id"] != str(bridge), "balanced_reach_2min"] == 0).all()


def test_bridge_town_indices() -> None:
    """Aspatial over W and E: each area holds one group only: D = H = R = 1, isolation 1.

    Network, 2 min (200 m) environments: W1 reaches W2 (120 m), not E1 (420 m); W2
    reaches W1 and nobody east (E1 at 320 m): every environment holds one group, so the
    network indices also say 1. With 10 min (1000 m) environments everybody reaches
    everybody (largest distance 520 m): every local share is the city's 1/2, so
    D~ = H~ = R~ = 0 and isolation = the group's city share, 0.5.
    """
    net, pop, areas, _ = _bridge_town()
    r = _run(net, pop, areas=areas, area_id="district", thresholds=(2,), environment=(2, 10))
    seg = r.segregation.set_index(["index", "group", "scale"])["value"]
    for scale in ("areas", "network_2min"):
        for index in ("dissimilarity", "information", "diversity"):
            assert seg[index, "all", scale] == pytest.approx(1.0)
        assert seg["isolation", "x", scale] == pytest.approx(1.0)
        assert seg["exposure", "x:y", scale] == pytest.approx(0.0)
    for index in ("dissimilarity", "information", "diversity"):
        assert seg[index, "all", "network_10min"] == pytest.approx(0.0, abs=1e-12)
    assert seg["isolation", "x", "network_10min"] == pytest.approx(0.5)
    assert seg["isolation", "y", "network_10min"] == pytest.approx(0.5)
    assert r.population["local_share_x_10min"].tolist() == pytest.approx([0.5] * 4)
    assert r.population["local_share_x_2min"].tolist() == pytest.approx([1, 1, 0, 0])


def test_evenly_mixed_town_has_no_segregation() -> None:
    """Every point holds 3 of x and 1 of y: whatever the environment, each local share
    is (3/4, 1/4) = the city's: D = D~ = 0, H = R = 0, isolation of x = 3/4 everywhere,
    and every street's mix is the entropy of (3/4, 1/4) in base 2 = 0.811278."""
    net, _, areas, _ = _bridge_town()
    xy = [(50, 10), (150, -10), (250, 10), (450, 10), (650, -10)]
    pop = _points(xy, x=[3.0] * 5, y=[1.0] * 5)
    r = _run(net, pop, areas=areas, area_id="district", thresholds=(3,), environment=(1, 3))
    seg = r.segregation.set_index(["index", "group", "scale"])["value"]
    for scale in ("areas", "network_1min", "network_3min"):
        assert seg["dissimilarity", "all", scale] == pytest.approx(0.0, abs=1e-12)
        assert seg["information", "all", scale] == pytest.approx(0.0, abs=1e-12)
        assert seg["diversity", "all", scale] == pytest.approx(0.0, abs=1e-12)
        assert seg["isolation", "x", scale] == pytest.approx(0.75)
    reached = r.copresence["reach_pop_3min"] > 0
    expected = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    assert r.copresence.loc[reached, "mix_3min"].to_numpy() == pytest.approx(expected)


def test_without_areas_the_city_is_one_area() -> None:
    """No areas: one row 'city' with everybody (40), no area matrix, network indices."""
    net, pop, _, _ = _bridge_town()
    r = _run(net, pop, thresholds=(2,), environment=(2,))
    assert r.areas["area_id"].tolist() == ["city"]
    assert r.areas["population"].tolist() == [40.0]
    assert len(r.area_matrix) == 0
    assert set(r.segregation["scale"]) == {"network_2min"}


def test_unlinked_residents_are_counted_not_dropped() -> None:
    """A fifth point 500 m north with 7 people is beyond max_link (200 m): it stays in
    the population layer (link_m empty), in its area's population (W: 27) and is
    unreached for the school (unreached_school = 7), and the notes say so."""
    net, pop, areas, school = _bridge_town()
    far = _points([(100, 500)], x=[7.0], y=[0.0])
    pop = pd.concat([pop, far], ignore_index=True)
    areas = _boxes(W=(-50, -100, 350, 600), E=(350, -100, 750, 100))
    r = _run(
        net,
        pop,
        areas=areas,
        area_id="district",
        nodes=school,
        node_category="kind",
        thresholds=(2,),
        environment=(2,),
    )
    assert len(r.population) == 5
    assert np.isnan(r.population["link_m"].iloc[4])
    a = r.areas.set_index("area_id")
    assert a.loc["W", "population"] == 27
    assert a.loc["W", "unreached_school"] == 7
    assert a.loc["W", "mean_min_school"] == pytest.approx(5.6)  # of those who reach it
    assert any("1 point (7 people) farther than 200 m" in n for n in r.notes)
    m = r.area_matrix.set_index(["from_area", "to_area"])
    # W holds 27 people; pairs W x E: 27 * 20, of which 20 * 20 have a path
    assert m.loc[("W", "E"), "unreached_share"] == pytest.approx(1 - 400 / 540)


def test_unreached_per_group_and_the_city_mean_walk() -> None:
    """The bridge town with x people in both areas and 20 x 500 m north, beyond max_link:
    W1 (x 10, 6.1 min to the school), W2 (x 10, 5.1), the far point (x 20, unreached),
    E1 (y 10, 2.1), E2 (x 10, 1.1).

    W: pop_x = 40, unreached_school_x = 20, mean_min_school_x = (6.1 + 5.1) / 2 = 5.6;
    unreached_school_y = 0. E: pop_x = 10, unreached_school_x = 0, mean 1.1.
    City-wide mean walk of x over those who reach the school: (10 * 6.1 + 10 * 5.1 +
    10 * 1.1) / 30 = 123 / 30 = 4.1 min; weighting the areas by pop_x instead would give
    (40 * 5.6 + 10 * 1.1) / 50 = 4.7, wrong. Of y: 2.1 (E1 alone).
    """
    from stadsrum.report.areas import city_mean_walk

    net, _pop, _areas, school = _bridge_town()
    pop = _points(
        [(100, 10), (200, 10), (100, 500), (500, 10), (600, 10)],
        x=[10, 10, 20, 0, 10],
        y=[0, 0, 0, 10, 0],
    )
    areas = _boxes(W=(-50, -100, 350, 600), E=(350, -100, 750, 100))
    r = _run(
        net, pop, areas=areas, area_id="district", nodes=school, node_category="kind",
        thresholds=(2,), environment=(2,),
    )  # fmt: skip
    a = r.areas.set_index("area_id")
    assert a.loc["W", "pop_x"] == 40
    assert a.loc["W", "unreached_school_x"] == 20
    assert a.loc["W", "unreached_school_y"] == 0
    assert a.loc["W", "unreached_school"] == 20
    assert a.loc["E", "unreached_school_x"] == 0
    assert a.loc["W", "mean_min_school_x"] == pytest.approx(5.6)
    assert a.loc["E", "mean_min_school_x"] == pytest.approx(1.1)
    assert city_mean_walk(r.areas, "school", "x") == pytest.approx(4.1)
    assert city_mean_walk(r.areas, "school", "y") == pytest.approx(2.1)


def test_existing_places_written_as_their_own_layer() -> None:
    """A square by the bridge as today's meeting place: the written ``meeting_sites`` holds
    the 5 street segments (lines) only, ``meeting_places`` the square (a polygon, kept as
    drawn since it is the only type), with the same columns; together they are the
    analysis' ranked list."""
    net, pop, areas, _school = _bridge_town()
    park = _boxes(park=(330, 20, 370, 40)).rename(columns={"district": "site_id"})
    r = _run(net, pop, areas=areas, area_id="district", meeting_places=park, thresholds=(2,))
    layers = r.layers
    sites, places = layers["meeting_sites"], layers["meeting_places"]
    assert set(sites.geom_type) == {"LineString"}
    assert len(sites) == 5
    assert set(places.geom_type) == {"Polygon"}
    assert places["site_id"].tolist() == ["park"]
    assert list(places.columns) == list(sites.columns)
    assert len(sites) + len(places) == len(r.meeting_sites)
    without = _run(net, pop, areas=areas, area_id="district", thresholds=(2,)).layers
    assert "meeting_places" not in without


def test_polygon_population_spread_over_streets_by_length() -> None:
    """One square (x -10..300, y -20..20) holds 60 people (40 x, 20 y). Inside it lie
    the whole west street (x 0..300, 300 m) and 20 m of the stub (300,0)-(300,-50),
    which runs along the square's east edge down to y = -20; the bridge only touches
    it at x = 300 (length 0). 320 m in all: the west street gets 60 * 300/320 = 56.25
    people (x: 37.5) at its middle, the stub 60 * 20/320 = 3.75 (x: 2.5), both on the
    street (link 0)."""
    net, _, _, _ = _bridge_town()
    sq = gpd.GeoDataFrame(
        {"x": [40.0], "y": [20.0]},
        geometry=[shapely.box(X0 - 10, Y0 - 20, X0 + 300, Y0 + 20)],
        crs=SWEREF,
    )
    r = _run(net, sq, thresholds=(2,), environment=(2,))
    p = r.population.sort_values("population")
    assert p["population"].tolist() == pytest.approx([3.75, 56.25])
    assert p["x"].tolist() == pytest.approx([2.5, 37.5])
    assert r.method == "streets (length)"
    assert p["link_m"].tolist() == pytest.approx([0.0, 0.0])


def test_polygon_population_spread_over_buildings_by_area() -> None:
    """Two buildings inside the first square: 10 x 10 m and 20 x 10 m (areas 100 and
    200): its 60 people go 20 and 40, each at its building's middle, 25 m from the
    street; a building outside gets nobody. The second square (x 600..680, y 20..60)
    holds 5 people and no building: they stay at its centre (640, 40), 40 m from the
    street, and the notes say so. The third holds nobody and adds no point."""
    net, _, _, _ = _bridge_town()
    sq = gpd.GeoDataFrame(
        {"population": [60.0, 5.0, 0.0]},
        geometry=[
            shapely.box(X0, Y0 + 5, X0 + 300, Y0 + 60),
            shapely.box(X0 + 600, Y0 + 20, X0 + 680, Y0 + 60),
            shapely.box(X0 + 400, Y0 + 70, X0 + 450, Y0 + 90),
        ],
        crs=SWEREF,
    )
    b = [
        shapely.box(X0 + 50, Y0 + 20, X0 + 60, Y0 + 30),
        shapely.box(X0 + 150, Y0 + 20, X0 + 170, Y0 + 30),
    ]
    b.append(shapely.box(X0 + 500, Y0 + 20, X0 + 510, Y0 + 30))
    buildings = gpd.GeoDataFrame(geometry=b, crs=SWEREF)
    r = area_analysis(
        net, sq, buildings=buildings, speed=SPEED, threads=1, thresholds=(2,), environment=(2,)
    )
    p = r.population.sort_values("population")
    assert p["population"].tolist() == pytest.approx([5.0, 20.0, 40.0])
    assert r.method == "buildings (footprint area)"
    assert p["link_m"].tolist() == pytest.approx([40.0, 25.0, 25.0])
    assert p["source_row"].tolist() == [1, 0, 0]
    assert any("1 polygon with people but no building inside" in n for n in r.notes)


def test_groups_that_do_not_add_up_are_refused_naming_rows() -> None:
    net, pop, _, _ = _bridge_town()
    pop["population"] = [10, 10, 10, 15]
    with pytest.raises(
        InputError, match=r"do not add up to 'population' in rows 3 \(largest gap 5\)"
    ):
        _run(net, pop, population_column="population")
    pop["population"] = [10, 10, 10, 10.4]  # rounding: accepted and said
    r = _run(net, pop, population_column="population", thresholds=(2,), environment=(2,))
    assert any("by rounding" in n for n in r.notes)


def test_bad_inputs_one_clear_line() -> None:
    net, pop, areas, _ = _bridge_town()
    with pytest.raises(InputError, match="one group column"):
        _run(net, pop, groups=["x"])
    with pytest.raises(InputError, match="no column 'z'"):
        _run(net, pop, groups=["x", "z"])
    with pytest.raises(InputError, match="no id column; name it with --area-id"):
        _run(net, pop, areas=areas.rename(columns={"district": "namn"}))
    # refused at the boundary (stadsrum.options), before anything is linked
    with pytest.raises(InputError, match=r"threshold 0 in .* not a positive"):
        _run(net, pop, thresholds=(0,))
    pop.loc[1, "x"] = -3
    with pytest.raises(InputError, match=r"column 'x' \(group\) has missing, negative"):
        _run(net, pop)


def test_deso_code_recognised_as_area_id() -> None:
    net, pop, areas, _ = _bridge_town()
    areas = areas.rename(columns={"district": "deso"})
    r = _run(net, pop, areas=areas, thresholds=(2,), environment=(2,))
    assert r.areas["area_id"].tolist() == ["W", "E"]


def test_cli_writes_styled_layers_and_metadata(tmp_path) -> None:
    """`stadsrum areas` on the bridge town's files: every layer, the styles of the spatial
    result layers, the population method in run_metadata, and the one-line refusal of
    groups that do not add up."""
    import sqlite3

    import pyogrio
    from typer.testing import CliRunner

    from stadsrum.cli import app

    net, pop, areas, school = _bridge_town()
    net.edges.to_file(tmp_path / "net.gpkg", layer="streets")
    pop.to_file(tmp_path / "pop.gpkg")
    areas.to_file(tmp_path / "areas.gpkg")
    school.to_file(tmp_path / "school.gpkg")
    out = tmp_path / "people.gpkg"
    args = [
        "areas",
        "--network",
        str(tmp_path / "net.gpkg"),
        "--population",
        str(tmp_path / "pop.gpkg"),
        "--groups",
        "x,y",
        "--areas",
        str(tmp_path / "areas.gpkg"),
        "--area-id",
        "district",
        "--nodes",
        str(tmp_path / "school.gpkg"),
        "--node-category",
        "kind",
        "--thresholds",
        "2,4",
        "--environment",
        "2",
        "--speed",
        str(SPEED),
        "--out",
        str(out),
        "-q",
    ]
    # today's places: a square by the bridge and the school, a polygon and a point
    park = _boxes(park=(330, 20, 370, 40)).rename(columns={"district": "site_id"})
    places = pd.concat([park, school.assign(site_id="school")[["site_id", "geometry"]]])
    places.to_file(tmp_path / "places.gpkg")
    result = CliRunner().invoke(app, [*args, "--meeting-places", str(tmp_path / "places.gpkg")])
    assert result.exit_code == 0, result.output
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {
        "population",
        "areas",
        "area_matrix",
        "copresence",
        "meeting_sites",
        "meeting_places",
        "segregation",
        "run_metadata",
    } <= layers
    with sqlite3.connect(out) as con:
        rows = con.execute("select table_name, geometry_type_name from gpkg_geometry_columns")
        kinds = dict(rows.fetchall())
    # one geometry type a layer, so QGIS opens each as one layer: the candidates are the
    # street segments; the places, a polygon and a point, are drawn as points
    assert kinds["meeting_sites"] == "LINESTRING"
    assert kinds["meeting_places"] == "POINT"
    assert "GEOMETRY" not in kinds.values(), kinds
    sites = pyogrio.read_dataframe(out, layer="meeting_sites", read_geometry=False)
    found = pyogrio.read_dataframe(out, layer="meeting_places", read_geometry=False)
    assert list(found.columns) == list(sites.columns)
    assert sorted(found["site_id"]) == ["park", "school"]
    assert found["existing"].all()
    assert not sites["existing"].any()
    matrix = pyogrio.read_dataframe(out, layer="area_matrix")
    w_e = matrix[(matrix["from_area"] == "W") & (matrix["to_area"] == "E")]
    assert w_e["mean_m"].tolist() == pytest.approx([420.0])
    with sqlite3.connect(out) as con:
        styled = {r[0] for r in con.execute("select f_table_name from layer_styles")}
        meta = dict(con.execute("select key, value from run_metadata").fetchall())
    assert {"areas", "copresence", "meeting_sites", "meeting_places"} <= styled
    assert meta["command"] == "areas"
    assert meta["population_method"] == "points"
    pop.loc[0, "x"] = 15  # row 0: 15 + 0 against a total column of 10
    pop["population"] = 10.0
    pop.to_file(tmp_path / "bad.gpkg")
    bad = [a if a != str(tmp_path / "pop.gpkg") else str(tmp_path / "bad.gpkg") for a in args]
    bad += ["--population-column", "population"]
    result = CliRunner().invoke(app, bad)
    assert result.exit_code != 0
    assert "do not add up to 'population' in rows 0" in result.output
    assert "Traceback" not in result.output


def test_criteria_columns_on_areas() -> None:
    """W: employment 48 % (< 52: true), income support 3.0 % (not > 4.8: false); E:
    60 % and 6.1 % (false, true). Eligibility is not given: empty flags. One criterion
    met in each area. A named column the layer lacks is refused, naming it."""
    net, pop, areas, _ = _bridge_town()
    areas["ff"] = [48.0, 60.0]
    areas["fs"] = [3.0, 6.1]
    kw = dict(areas=areas, area_id="district", thresholds=(2,), environment=(2,))
    r = _run(net, pop, criteria="employment=ff,income_support=fs", **kw)
    a = r.areas.set_index("area_id")
    assert a["crit_employment"].tolist() == [True, False]
    assert a["crit_income_support"].tolist() == [False, True]
    assert a["crit_eligibility"].isna().all()
    assert a["criteria_met"].tolist() == [1, 1]
    assert a["ff"].tolist() == [48.0, 60.0]  # the areas' own columns follow
    with pytest.raises(InputError, match="no column 'gb' for the eligibility criterion"):
        _run(net, pop, criteria="eligibility=gb", **kw)

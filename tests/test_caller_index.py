"""Results with a row per input feature stay on the caller's index (as momepy's measures do).

A planner's layer often carries its own index (property ids, a filtered
selection whose labels have gaps); a result on a fresh 0..n-1 index joins back
to the wrong rows, silently. Where a result has exactly one row per input row,
its index is the input's.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines

from stadsrum import attraction_accessibility, prepare_network
from stadsrum.measures.areas import area_analysis


def _points(xy, index=None, **columns) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=SWEREF, index=index)


def test_point_origins_keep_the_callers_index():
    """One street (0,0)–(200,0), one attraction at (170, 10) joining at x = 170, 10 m off.

    Origin ``a`` at (20, -5): 150 m along + 5 m + 10 m access = 165 m.
    Origin ``c`` at (60, 5): 110 m along + 5 m + 10 m = 125 m.
    Origin ``far`` at (20, -900): beyond --max-link, unlinked (empty).
    The layer's labels are given out of order and with gaps; each row keeps its own.
    """
    net = prepare_network(make_lines([[(0, 0), (200, 0)]]))
    att = _points([(170, 10)])
    index = pd.Index([707, 12, 33], name="fastighet")
    origins = _points([(60, 5), (20, -900), (20, -5)], index=index, label=["c", "far", "a"])
    res = attraction_accessibility(net, att, origins=origins, radii="200,n", threads=1)
    pd.testing.assert_index_equal(res.index, origins.index)
    assert res.loc[707, "nearest_m"] == pytest.approx(125)
    assert res.loc[33, "nearest_m"] == pytest.approx(165)
    assert pd.isna(res.loc[12, "nearest_m"])
    assert res.loc[12, "status"].startswith("unlinked")
    assert list(res["label"]) == ["c", "far", "a"]  # the input's columns, on the same rows
    assert origins.index.equals(index)  # and the caller's frame untouched
    assert list(origins.columns) == ["label", "geometry"]


def test_point_groups_are_new_rows_on_a_fresh_index():
    """Grouped origins (--origin-group) are one row per group, not per input row: no
    input label belongs to them, so they are numbered 0..n-1 (the group id is a column)."""
    net = prepare_network(make_lines([[(0, 0), (200, 0)]]))
    att = _points([(170, 10)])
    origins = _points([(20, -5), (60, 5), (100, 5)], index=[5, 6, 7], block=["x", "x", "y"])
    res = attraction_accessibility(
        net, att, origins=origins, origin_group="block", radii="n", threads=1
    )
    assert list(res.index) == [0, 1]
    # block x: its nearest point (60, 5) at 125 m; block y (100, 5): 70 + 5 + 10 = 85 m
    assert dict(zip(res["block"], res["nearest_m"], strict=True)) == pytest.approx(
        {"x": 125, "y": 85}
    )


def test_areas_keep_the_callers_index():
    """Two districts over a street (0,0)–(400,0); a resident 10 m north in each.

    The areas layer has one row per district given, on the districts' own labels
    (here "deso" codes as the index), and the same numbers as with a plain index;
    the population layer one row per resident point, on the points' labels.
    """
    net = prepare_network(make_lines([[(0, 0), (200, 0)], [(200, 0), (400, 0)]]))
    pop = _points([(100, 10), (300, 10)], index=pd.Index([8, 3], name="adress"), people=[10, 20])
    geoms = [
        shapely.box(X0 - 50, Y0 - 50, X0 + 200, Y0 + 50),
        shapely.box(X0 + 200, Y0 - 50, X0 + 450, Y0 + 50),
    ]
    areas = gpd.GeoDataFrame(
        {"district": ["W", "E"]},
        geometry=geoms,
        crs=SWEREF,
        index=pd.Index(["0180C1090", "0180C1010"], name="deso"),
    )
    kw = {"population_column": "people", "area_id": "district", "threads": 1}
    res = area_analysis(net, pop, areas=areas, **kw)
    plain = area_analysis(net, pop, areas=areas.reset_index(drop=True), **kw)
    pd.testing.assert_index_equal(res.areas.index, areas.index)
    pd.testing.assert_frame_equal(
        pd.DataFrame(res.areas).reset_index(drop=True), pd.DataFrame(plain.areas)
    )
    assert res.areas.loc["0180C1010", "area_id"] == "E"
    # the resident points likewise: one row each, on their own labels
    pd.testing.assert_index_equal(res.population.index, pop.index)
    assert res.population.loc[3, "area_id"] == "E"
    assert res.population.loc[8, "area_id"] == "W"

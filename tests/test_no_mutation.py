"""No analysis changes what it was given: the network, the layers, their index and dtypes.

A measure that writes a column into the caller's frame, resets its index or
casts a column changes the planner's data behind their back, and the next
analysis on the same frame measures something else. Every public measure and
workflow is called here on a small town, its inputs compared afterwards with
deep copies taken before (values, index, column order and dtypes).

The town, a river between two banks and one bridge::

    y=100  +----------------+----------------+   north bank      school (node) at (100, 105)
                            |  bridge
    ~~~~~~~~~~~~~~~~~~~~~~~~|~~~~~~~~~~~~~~~~~~  river (barrier), y = 50
    y=0    +----------------+----------------+   south bank      square (place) at (100, -5)
           0               500              1000

Every input layer has an index of its own (labels with gaps, a name) and
columns of several dtypes, so a reset index or a cast would show.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from helpers import SWEREF, X0, Y0, make_lines

import stadsrum as sr
from stadsrum import workflows
from stadsrum.measures.areas import area_analysis


def _points(xy, index, **columns) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=SWEREF, index=pd.Index(index, name="fid"))


def _lines() -> gpd.GeoDataFrame:
    lines = make_lines(
        [
            [(0, 0), (500, 0)],
            [(500, 0), (1000, 0)],
            [(0, 100), (500, 100)],
            [(500, 100), (1000, 100)],
            [(500, 0), (500, 100)],
        ],
        name=["Södra", "Södra", "Norra", "Norra", "Bron"],
        lanes=np.array([2, 2, 1, 1, 1], dtype="int32"),
    )
    lines.index = pd.Index([11, 13, 17, 19, 23], name="gid")
    return lines


def _inputs() -> dict[str, Any]:
    places = _points([(100, -5), (900, -5)], [40, 7], place_id=["torget", "parken"], w=[2.0, 1.0])
    nodes = _points(
        [(100, 105), (900, 105)], [3, 9], node_id=["skolan", "stationen"], kind=["school", "rail"]
    )
    attractions = _points(
        [(100, 105), (600, 5), (950, 95)],
        [5, 6, 8],
        kind=pd.Categorical(["shop", "shop", "school"]),
        value=[1.0, 2.5, 1.0],
    )
    river = make_lines([[(-50, 50), (1050, 50)]], category=["water"])
    river.index = pd.Index([2], name="bid")
    proposal = make_lines([[(100, 0), (100, 100)]], name=["ny gångbro"])
    proposal.index = pd.Index([99])
    population = _points(
        [(100, 10), (300, 10), (700, 90), (900, 90)],
        [101, 102, 103, 104],
        total=[10, 10, 10, 10],
        x=[10, 6, 2, 0],
        y=[0, 4, 8, 10],
    )
    areas = gpd.GeoDataFrame(
        {"district": ["Väst", "Öst"]},
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 500, Y0 + 200),
            shapely.box(X0 + 500, Y0 - 100, X0 + 1100, Y0 + 200),
        ],
        crs=SWEREF,
        index=pd.Index(["A", "B"], name="deso"),
    )
    return {
        "lines": _lines(),
        "places": places,
        "nodes": nodes,
        "attractions": attractions,
        "river": river,
        "proposal": proposal,
        "population": population,
        "areas": areas,
    }


def _prepared() -> sr.StreetNetwork:
    return sr.prepare_network(_lines())


# (name, call): each takes the network and the inputs; threads=1 keeps the run small
CALLS: list[tuple[str, Callable[..., Any]]] = [
    ("prepare_network", lambda net, i: sr.prepare_network(i["lines"])),
    ("read_network", lambda net, i: sr.read_network(i["lines"])),
    (
        "segment_analysis",
        lambda net, i: sr.segment_analysis(
            net, cost="angular,metric", radii="300,n", weight="lanes", threads=1
        ),
    ),
    (
        "place_distances",
        lambda net, i: sr.place_distances(
            net, i["places"], i["nodes"], node_category="kind", threads=1
        ),
    ),
    (
        "service_areas",
        lambda net, i: sr.service_areas(net, i["places"], thresholds=(5, 10), threads=1),
    ),
    (
        "attraction_accessibility",
        lambda net, i: sr.attraction_accessibility(
            net, i["attractions"], category="kind", value="value", radii="300,n", threads=1
        ),
    ),
    (
        "attraction_accessibility(origins)",
        lambda net, i: sr.attraction_accessibility(
            net, i["attractions"], origins=i["places"], radii="300,n", threads=1
        ),
    ),
    (
        "betweenness",
        lambda net, i: sr.betweenness(
            net, i["places"], i["nodes"], origin_weight="w", radii="n", threads=1
        ),
    ),
    (
        "barrier_analysis",
        lambda net, i: sr.barrier_analysis(
            net, i["river"], places=i["places"], nodes=i["nodes"], grid_spacing=100, threads=1
        ),
    ),
    (
        "compare",
        lambda net, i: sr.compare(
            net, i["proposal"], places=i["places"], nodes=i["nodes"], radii="n", threads=1
        ),
    ),
    (
        "area_analysis",
        lambda net, i: area_analysis(
            net,
            i["population"],
            population_column="total",
            groups=["x", "y"],
            areas=i["areas"],
            area_id="district",
            nodes=i["nodes"],
            node_category="kind",
            threads=1,
        ),
    ),
    ("link_features", lambda net, i: sr.link_features(net, i["places"])),
    (
        "run_segments",
        lambda net, i: workflows.run_segments(i["lines"], None, radii="n", threads=1),
    ),
    (
        "run_distances",
        lambda net, i: workflows.run_distances(
            net, i["places"], i["nodes"], None, node_category="kind", threads=1
        ),
    ),
    (
        "run_accessibility",
        lambda net, i: workflows.run_accessibility(
            net, i["attractions"], None, origins=i["places"], threads=1
        ),
    ),
    (
        "run_barriers",
        lambda net, i: workflows.run_barriers(
            net, i["river"], None, places=i["places"], nodes=i["nodes"], threads=1
        ),
    ),
    (
        "run_areas",
        lambda net, i: workflows.run_areas(
            net, i["population"], None, population_column="total", groups="x,y", threads=1
        ),
    ),
]


def _same_frame(got: pd.DataFrame, want: pd.DataFrame, name: str) -> None:
    """Equal values, index (labels, name, type), column order and dtypes; the CRS too."""
    assert list(got.columns) == list(want.columns), name
    assert dict(got.dtypes) == dict(want.dtypes), name
    if isinstance(want, gpd.GeoDataFrame):
        assert_geodataframe_equal(
            got, want, check_dtype=True, check_index_type=True, check_crs=True
        )
    else:
        pd.testing.assert_frame_equal(got, want, check_dtype=True, check_index_type=True)


@pytest.fixture(scope="module")
def network() -> sr.StreetNetwork:
    return _prepared()


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
def test_no_analysis_mutates_its_input(name, call, network):
    inputs = _inputs()
    before = copy.deepcopy(inputs)
    edges, node_xy = network.edges.copy(deep=True), network.node_xy.copy()
    call(network, inputs)
    for key, frame in inputs.items():
        _same_frame(frame, before[key], f"{name} changed its {key}")
    _same_frame(network.edges, edges, f"{name} changed the network's segments")
    np.testing.assert_array_equal(network.node_xy, node_xy)


def test_every_public_analysis_is_called_here():
    """A new measure or workflow in ``stadsrum``'s public names is added to CALLS."""
    called = {name.split("(")[0] for name, _ in CALLS}
    public = {
        name
        for name in sr.__all__
        if name.endswith(("_analysis", "_distances", "_accessibility", "_areas"))
        or name in {"betweenness", "compare", "prepare_network", "read_network", "link_features"}
    } - {"run_demo", "read_areas"}  # a reader of SCB's areas, not an analysis
    public |= {n for n in sr.__all__ if n.startswith("run_")} & {
        "run_segments",
        "run_distances",
        "run_accessibility",
        "run_barriers",
        "run_areas",
    }
    assert public <= called, sorted(public - called)


def test_the_check_sees_a_mutation():
    """The comparison is not vacuous: a cast, a reset index or a new column fails it."""
    inputs = _inputs()
    for change in (
        lambda f: f.__setitem__("w", f["w"].astype("float32")),
        lambda f: setattr(f, "index", pd.RangeIndex(len(f))),
        lambda f: f.__setitem__("new", 1),
    ):
        places = inputs["places"].copy(deep=True)
        change(places)
        with pytest.raises(AssertionError):
            _same_frame(places, inputs["places"], "mutated")

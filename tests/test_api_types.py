"""The Python API refuses inputs of the wrong kind at once, naming the argument.

Each case passes one wrong value (a plain DataFrame, a list, an int, a dict)
where a network or a layer is due and leaves the other arguments valid, so
the error can only come from the boundary check, before any work is done.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from helpers import X0, Y0, make_lines

import stadsrum as sr
from stadsrum import prepare_network
from stadsrum.errors import InputTypeError, StadsrumError
from stadsrum.measures.accessibility import attraction_accessibility
from stadsrum.measures.proximity import place_distances, service_areas
from stadsrum.measures.segment import segment_analysis
from stadsrum.workflows import (
    read_network,
    run_accessibility,
    run_barriers,
    run_compare,
    run_distances,
    run_export,
    run_network,
    run_report,
    run_segments,
)

#: wrong value → how the message describes it
WRONG = {
    "dataframe": (
        pd.DataFrame({"place_id": [1], "x": [X0], "y": [Y0]}),
        "a pandas DataFrame without geometry",
    ),
    "list": ([(X0, Y0), (X0 + 10, Y0)], "a list"),
    "int": (5, "an int (5)"),
    "dict": ({"place_id": 1}, "a dict"),
}


@pytest.fixture(scope="module")
def good():
    """A street 0-100 m with a branch, a place and a node beside it (SWEREF 99 TM)."""
    lines = make_lines([[(0, 0), (50, 0)], [(50, 0), (100, 0)], [(50, 0), (50, 40)]])

    def points(name, *xy):
        geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
        ids = [f"{name}{i}" for i in range(len(geoms))]
        return gpd.GeoDataFrame({f"{name}_id": ids}, geometry=geoms, crs="EPSG:3006")

    barrier = gpd.GeoDataFrame(
        {"name": ["wall"]},
        geometry=[shapely.LineString([(X0 + 75, Y0 - 10), (X0 + 75, Y0 + 10)])],
        crs="EPSG:3006",
    )
    return {
        "lines": lines,
        "net": prepare_network(lines),
        "places": points("place", (10, 5), (90, -5)),
        "nodes": points("node", (55, 30)),
        "barriers": barrier,
    }


# (call, argument named in the message); ``bad`` is the wrong value, ``g`` the valid inputs
CASES = {
    "segment_analysis network": (lambda g, bad: segment_analysis(bad), "network"),
    "place_distances network": (
        lambda g, bad: place_distances(bad, g["places"], g["nodes"]),
        "network",
    ),
    "place_distances places": (
        lambda g, bad: place_distances(g["net"], bad, g["nodes"]),
        "places",
    ),
    "place_distances nodes": (lambda g, bad: place_distances(g["net"], g["places"], bad), "nodes"),
    "service_areas network": (lambda g, bad: service_areas(bad, g["places"]), "network"),
    "service_areas places": (lambda g, bad: service_areas(g["net"], bad), "places"),
    "attraction_accessibility network": (
        lambda g, bad: attraction_accessibility(bad, g["nodes"]),
        "network",
    ),
    "attraction_accessibility attractions": (
        lambda g, bad: attraction_accessibility(g["net"], bad),
        "attractions",
    ),
    "attraction_accessibility origins": (
        lambda g, bad: attraction_accessibility(g["net"], g["nodes"], origins=bad),
        "origins",
    ),
    "read_network source": (lambda g, bad: read_network(bad), "source"),
    "read_network unlinks": (lambda g, bad: read_network(g["lines"], unlinks=bad), "unlinks"),
    "run_network source": (lambda g, bad: run_network(bad, g["out"]), "source"),
    "run_segments source": (lambda g, bad: run_segments(bad, g["out"]), "source"),
    "run_distances network": (
        lambda g, bad: run_distances(bad, g["places"], g["nodes"], g["out"]),
        "network",
    ),
    "run_distances places": (
        lambda g, bad: run_distances(g["net"], bad, g["nodes"], g["out"]),
        "places",
    ),
    "run_distances nodes": (
        lambda g, bad: run_distances(g["net"], g["places"], bad, g["out"]),
        "nodes",
    ),
    "run_accessibility network": (
        lambda g, bad: run_accessibility(bad, g["nodes"], g["out"]),
        "network",
    ),
    "run_accessibility attractions": (
        lambda g, bad: run_accessibility(g["net"], bad, g["out"]),
        "attractions",
    ),
    "run_accessibility origins": (
        lambda g, bad: run_accessibility(g["net"], g["nodes"], g["out"], origins=bad),
        "origins",
    ),
    "run_barriers barriers": (lambda g, bad: run_barriers(g["net"], bad, g["out"]), "barriers"),
    "run_barriers places": (
        lambda g, bad: run_barriers(g["net"], g["barriers"], g["out"], places=bad),
        "places",
    ),
    "run_compare proposal": (lambda g, bad: run_compare(g["net"], bad, g["out"]), "proposal"),
}


@pytest.mark.parametrize("wrong", list(WRONG))
@pytest.mark.parametrize("case", list(CASES))
def test_a_wrong_kind_of_input_is_a_type_error_naming_the_argument(good, tmp_path, case, wrong):
    call, argument = CASES[case]
    bad, described = WRONG[wrong]
    out = tmp_path / "out.gpkg"
    with pytest.raises(InputTypeError) as exc:
        call(good | {"out": out}, bad)
    message = str(exc.value)
    assert isinstance(exc.value, TypeError)
    assert isinstance(exc.value, StadsrumError)  # the CLI prints it as one error: line
    assert f"{argument} must be " in message
    assert message.endswith(described) or f"{described};" in message
    assert "\n" not in message
    if wrong == "dataframe":
        assert "geopandas.GeoDataFrame(" in message  # how to make the right thing
    assert not out.exists()


@pytest.mark.parametrize("function", [run_report, run_export])
@pytest.mark.parametrize(
    ("bad", "described"),
    [
        (pd.DataFrame({"a": [1]}), "a pandas DataFrame without geometry"),
        ({"a": 1}, "a dict"),  # was read as the file name 'a': "'a' does not exist"
        (5, "an int (5)"),
        (["ok.gpkg", 1], "a list holding an int (1)"),
        ([], "an empty list"),
    ],
)
def test_report_and_export_sources_must_be_paths(tmp_path, function, bad, described):
    out = tmp_path / "report"
    with pytest.raises(InputTypeError) as exc:
        function(bad, out)
    assert str(exc.value) == (
        f"{function.__name__}: sources must be result GeoPackages or folders: a path or a "
        f"list of paths; got {described}"
    )
    assert not out.exists()


def test_a_layer_where_a_prepared_network_is_due_says_how_to_prepare_it(good):
    with pytest.raises(InputTypeError, match=r"prepare it first with stadsrum\.read_network\("):
        segment_analysis(good["lines"])
    with pytest.raises(InputTypeError, match=r"stadsrum\.read_network\('streets\.gpkg'\)"):
        place_distances("streets.gpkg", good["places"], good["nodes"])


def test_a_path_where_a_layer_is_due_in_a_measure_says_how_to_read_it(good):
    with pytest.raises(InputTypeError, match=r"stadsrum\.read_layer\('places\.gpkg'\)"):
        place_distances(good["net"], "places.gpkg", good["nodes"])


def test_the_right_kinds_still_work(good):
    """The checks let through what the functions document (a control for the table)."""
    od = place_distances(good["net"], good["places"], good["nodes"], routes=False).od
    # place0 (10, 5) joins at (10, 0): 5 m; node0 (55, 30) at (50, 30): 5 m; 40 + 30 along
    assert od["total_m"].iloc[0] == pytest.approx(5 + 40 + 30 + 5)
    assert isinstance(sr.read_network(good["lines"]), sr.StreetNetwork)
    assert len(segment_analysis(good["net"])) == good["net"].n_edges

"""Results do not depend on the CRS places come in, and every reprojection is said."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.measures.proximity import place_distances
from stadsrum.network.links import TOUCH_TOLERANCE_M, link_features
from stadsrum.progress import Progress
from stadsrum.workflows import run_distances, sample_data_dir


@pytest.fixture(scope="module")
def sample_layers():
    path = sample_data_dir() / "helsinki.gpkg"
    return {name: gpd.read_file(path, layer=name) for name in ("places", "nodes")}


def _square_between_two_streets():
    """A square S touching streets at two corners only; N is beyond the north-east one.

        (-100,100) +-------------------------+ (40,100)
                   |                         |  N at (40,101): 1 m access
                   |                         |
                   |          (0,30) +-------+ C2 (40,30)
                   |                 |   S   |
        (-100,0)   +-----------------+-------+ (40,0)
                                     C1 (0,0)

    Streets: C1 west to (-100,0), north to (-100,100), east to (40,100), south to C2.
    S enters the network at C1 and C2 (corners shared with the streets, access 0).
    From C2 to N: 70 m along the street + 1 m access = 71 m. Without the C2
    entrance the walk starts at C1: 100 + 100 + 140 = 340 m + 1 m = 341 m.
    """
    lines = [
        [(0, 0), (-100, 0)],
        [(-100, 0), (-100, 100)],
        [(-100, 100), (40, 100)],
        [(40, 100), (40, 30)],
    ]
    net = prepare_network(make_lines(lines), merge_pass_through=False)
    node = gpd.GeoDataFrame(
        {"node_id": ["N"]}, geometry=[shapely.Point(X0 + 40, Y0 + 101)], crs="EPSG:3006"
    )
    return net, node


def _square(gap: float) -> gpd.GeoDataFrame:
    """S with its corner C2 moved ``gap`` metres south-west, away from the street end."""
    ring = [(0, 0), (40, 0), (40 - gap, 30 - gap), (0, 30)]
    poly = shapely.Polygon([(X0 + x, Y0 + y) for x, y in ring])
    return gpd.GeoDataFrame({"place_id": ["S"]}, geometry=[poly], crs="EPSG:3006")


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(0.0, 71.0), (1e-9, 71.0), (1e-6, 71.0), (0.5 * TOUCH_TOLERANCE_M, 71.0), (0.01, 341.0)],
)
def test_a_shared_corner_stays_an_entrance_when_moved_less_than_a_millimetre(gap, expected):
    """A corner nudged off the street end by less than the tolerance (a reprojection's
    nanometres) still lets the square's walk start at C2 (71 m, see the sketch); a
    real gap of 1 cm does not, and the walk starts at the other corner (341 m)."""
    net, node = _square_between_two_streets()
    od = place_distances(net, _square(gap), node, routes=False).od
    assert od["total_m"].iloc[0] == pytest.approx(expected, abs=1e-3)


def test_an_entrance_is_counted_once():
    """A street crossing the boundary exactly at a polygon vertex gives one entrance there,
    not one per boundary segment meeting at the vertex."""
    net = prepare_network(make_lines([[(20, -20), (20, 50)]]), merge_pass_through=False)
    # a diamond whose bottom and top vertices (20, 0) and (20, 30) lie on the street
    diamond = shapely.Polygon([(X0 + x, Y0 + y) for x, y in [(20, 0), (35, 15), (20, 30), (5, 15)]])
    places = gpd.GeoDataFrame({"place_id": ["D"]}, geometry=[diamond], crs="EPSG:3006")
    links = link_features(net, places)
    assert sorted(np.round(links.pos, 6)) == [20.0, 50.0]
    assert (links.link_m == 0).all()


def test_places_round_tripped_through_wgs84_give_the_same_distances(sample_network, sample_layers):
    """The sample city's places in EPSG:4326 (vertices moved by nanometres on the way
    back to EPSG:3067) give every OD distance within 1 mm of the places as they are.
    Kolmensepänaukio shares corners with its streets and lost four of its six
    entrances that way (distances up to 66 m longer)."""
    places, nodes = sample_layers["places"], sample_layers["nodes"]
    assert places.crs == sample_network.crs
    wgs84 = places.to_crs("EPSG:4326")
    moved = max(
        shapely.hausdorff_distance(a, b)
        for a, b in zip(places.geometry, wgs84.to_crs(places.crs).geometry, strict=True)
    )
    assert 0 < moved < 1e-6  # the round trip moves vertices, by far less than a millimetre
    base = place_distances(sample_network, places, nodes, routes=False).od
    trip = place_distances(sample_network, wgs84, nodes, routes=False).od
    assert len(base) == len(places) * len(nodes) == 583
    assert (base["place_id"].to_numpy() == trip["place_id"].to_numpy()).all()
    assert (base["node_id"].to_numpy() == trip["node_id"].to_numpy()).all()
    assert base["total_m"].notna().sum() > 500
    np.testing.assert_allclose(trip["total_m"], base["total_m"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(trip["network_m"], base["network_m"], rtol=0, atol=1e-3)

    kolmen = int(np.where(places["place_id"] == "kolmensepanaukio")[0][0])
    for layer in (places, wgs84):
        links = link_features(sample_network, layer.iloc[[kolmen]])
        assert len(links.owner) == 6, layer.crs  # where its streets meet it, as in OSM


@pytest.mark.parametrize(("seed", "scale"), [(1.0, 1e-8), (2.0, 1e-6), (3.0, 1e-4)])
def test_jittering_the_places_below_the_tolerance_changes_no_distance(
    sample_network, sample_layers, seed, scale
):
    """Every vertex of every sample place moved by up to ``scale`` metres in x and y (at
    most 0.14 mm, below the 1 mm tolerance), in a direction that looks random but is the
    same for equal points (rings stay closed): every OD distance within 1 mm."""
    places, nodes = sample_layers["places"], sample_layers["nodes"]

    def jitter(xy: np.ndarray) -> np.ndarray:
        phase = seed * (xy[:, 0] * 12.9898 + xy[:, 1] * 78.233)
        return xy + scale * np.stack([np.sin(phase), np.cos(1.7 * phase)], axis=1)

    jittered = places.copy()
    jittered.geometry = shapely.transform(np.asarray(places.geometry.array, dtype=object), jitter)
    moved = max(
        shapely.hausdorff_distance(a, b)
        for a, b in zip(places.geometry, jittered.geometry, strict=True)
    )
    assert scale / 10 < moved < 1.5 * scale
    base = place_distances(sample_network, places, nodes, routes=False).od
    trip = place_distances(sample_network, jittered, nodes, routes=False).od
    np.testing.assert_allclose(trip["total_m"], base["total_m"], rtol=0, atol=1e-3)


def test_every_reprojection_is_said(sample_network, sample_layers):
    places, nodes = sample_layers["places"], sample_layers["nodes"]
    said: list[str] = []
    run_distances(
        sample_network,
        places.iloc[:2].to_crs("EPSG:4326"),
        nodes.iloc[:3],
        None,
        routes=False,
        progress=Progress(on_message=said.append),
    )
    assert "places: reprojected from EPSG:4326 to the network's EPSG:3067" in said
    assert not [line for line in said if line.startswith("nodes: reprojected")]

"""Linking prefers the street level a point stands on; the walk filter drops service tunnels."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.io.osm import read_osm_lines
from stadsrum.measures.proximity import place_distances
from stadsrum.network.links import (
    ENTRANCE_SLACK_M,
    LEVEL_ANY,
    edge_levels,
    feature_levels,
    link_features,
)


@pytest.fixture(scope="module")
def sample_layers():
    from stadsrum.workflows import sample_data_dir

    path = sample_data_dir() / "helsinki.gpkg"
    return {name: gpd.read_file(path, layer=name) for name in ("places", "nodes")}


def pts(coords, crs="EPSG:3006", **cols):
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=crs)


def _street_over_tunnel(levels: bool = True):
    """A ground street and a tunnel 30 m apart in plan, joined by ramps at both ends:

    y=30   +====================+    tunnel (tunnel=yes, layer=-1)
           |          P         |    P at (100, 25): 5 m from the tunnel, 25 m from the street
    y=0    +--------------------+    ground street
           0          N        200   N at (100, -10)

    Joined at ground level, P and N meet the street at (100, 0): network 0 m,
    access 25 + 10 = 35 m. Joined to the nearest line, P would enter the
    tunnel at (100, 30) and walk 100 + 30 + 100 = 230 m round by a ramp:
    5 + 230 + 10 = 245 m.
    """
    lines = [[(0, 0), (200, 0)], [(0, 30), (200, 30)], [(0, 0), (0, 30)], [(200, 0), (200, 30)]]
    # kept apart: preparation would merge each ramp into the tunnel it meets
    if not levels:
        return prepare_network(make_lines(lines), merge_pass_through=False)
    return prepare_network(
        make_lines(lines, tunnel=[None, "yes", None, None], layer=[0, -1, 0, 0], bridge=[None] * 4),
        merge_pass_through=False,
    )


def test_ground_point_joins_the_ground_street_not_the_tunnel():
    net = _street_over_tunnel()
    od = place_distances(net, pts([(100, 25)], place_id=["P"]), pts([(100, -10)], node_id=["N"])).od
    row = od.iloc[0]
    assert row.link_m == pytest.approx(35)
    assert row.network_m == pytest.approx(0, abs=1e-9)
    assert row.total_m == pytest.approx(35)


@pytest.mark.parametrize(
    "columns",
    [{"layer": [-1]}, {"level": ["-1"]}, {"railway": ["subway_entrance"]}, {"station": ["subway"]}],
)
def test_a_point_that_says_it_is_underground_joins_the_tunnel(columns):
    """Same sketch: P tagged as below ground (or an entrance, any level) takes the
    tunnel 5 m away: 5 + 230 + 10 = 245 m."""
    net = _street_over_tunnel()
    places = pts([(100, 25)], place_id=["P"], **columns)
    od = place_distances(net, places, pts([(100, -10)], node_id=["N"])).od
    assert od.iloc[0].total_m == pytest.approx(245)


def test_without_level_columns_linking_is_nearest_street_as_before():
    """No tunnel/bridge/layer columns (most non-OSM data): P joins the nearest line, 245 m."""
    net = _street_over_tunnel(levels=False)
    od = place_distances(net, pts([(100, 25)], place_id=["P"]), pts([(100, -10)], node_id=["N"])).od
    assert od.iloc[0].total_m == pytest.approx(245)


def test_tunnel_is_the_fallback_when_no_ground_street_is_in_reach():
    """With max_link 20 m the ground street (25 m) is out of reach: P joins the
    tunnel (5 m), and the link says it is off its level."""
    net = _street_over_tunnel()
    links = link_features(net, pts([(100, 25)]), max_link=20)
    assert links.linked.all()
    assert links.link_m[0] == pytest.approx(5)
    assert links.network_level.tolist() == [-1]
    assert links.off_level.tolist() == [True]
    assert link_features(net, pts([(100, 25)]), max_link=200).off_level.tolist() == [False]


def test_edge_and_feature_levels_from_osm_tags():
    edges = gpd.GeoDataFrame(
        {
            "tunnel": ["yes", "building_passage", "no", None, None, None, None, None],
            "bridge": [None, None, None, None, "yes", "boardwalk", None, None],
            "layer": [0, -1, 0, None, 0, 1, -1, "1"],
        },
        geometry=[shapely.LineString([(0, 0), (1, 0)])] * 8,
    )
    # tunnel wins, a building passage is at street level (layer -1 then says below),
    # a boardwalk is not a bridge, an untagged layer counts by its sign
    assert edge_levels(edges).tolist() == [-1, -1, 0, 0, 1, 1, -1, 1]
    assert edge_levels(edges[["geometry"]]).tolist() == [0] * 8
    features = gpd.GeoDataFrame(
        {
            "layer": [None, "-2", None, None, None, "1"],
            "level": [None, None, "-1;0", None, None, None],
            "railway": [None, None, None, "subway_entrance", None, None],
            "location": [None, None, None, None, "underground", None],
        },
        geometry=[shapely.Point(0, 0)] * 6,
    )
    assert feature_levels(features).tolist() == [0, -1, -1, LEVEL_ANY, -1, 1]


def test_square_over_a_tunnel_has_only_its_ground_entrances():
    """A 40 m square (x 80-120, y 10-50) with a tunnel passing under it along
    y = 30 and a footway entering from the south along x = 100 to (100, 15):

            +--------+ y=50
      ======|========|====== tunnel, y = 30
            |   |    |
            +---|----+ y=10
                |  footway from (100, -20)

    Entrances: where the footway crosses the boundary (100, 10) and its end
    inside (100, 15); never the tunnel's crossings at x = 80 and x = 120.
    """
    net = prepare_network(
        make_lines(
            [[(0, 30), (200, 30)], [(100, -20), (100, 15)], [(0, 30), (0, -20), (100, -20)]],
            tunnel=["yes", None, None],
            layer=[-1, 0, 0],
        ),
        merge_pass_through=False,
    )
    square = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 80, Y0 + 10, X0 + 120, Y0 + 50)], crs=3006)
    links = link_features(net, square)
    xy = links.xy - [X0, Y0]
    assert sorted(map(tuple, np.round(xy, 6))) == [(100, 10), (100, 15)]
    assert (links.network_level == 0).all()


def test_polygon_no_street_enters_joins_every_street_beside_it():
    """A 100 × 50 m park (y 10-60) no street enters; streets along y = 0 (10 m
    below), y = 72 (12 m above) and y = 100 (40 m above). The nearest is 10 m
    away, so streets within 10 + ENTRANCE_SLACK_M = 25 m join: y = 0 at 10 m and
    y = 72 at 12 m, not y = 100.
    """
    assert ENTRANCE_SLACK_M == 15
    net = prepare_network(
        make_lines(
            [
                [(-50, 0), (150, 0)],
                [(-50, 72), (150, 72)],
                [(-50, 100), (150, 100)],
                [(-50, 0), (-50, 72)],
                [(-50, 72), (-50, 100)],
            ]
        )
    )
    park = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0 + 10, X0 + 100, Y0 + 60)], crs=3006)
    links = link_features(net, park)
    y = np.round(links.xy[:, 1] - Y0, 6)
    assert sorted(set(y)) == [0, 72]
    assert sorted(set(np.round(links.link_m, 6))) == [10, 12]


_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="60.0" lon="24.0"/><node id="2" lat="60.0" lon="24.001"/>
  <node id="3" lat="60.001" lon="24.0"/><node id="4" lat="60.001" lon="24.001"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="service"/><tag k="tunnel" v="yes"/>
    <tag k="layer" v="-4"/><tag k="access" v="destination"/><tag k="motorcar" v="no"/></way>
  <way id="11"><nd ref="1"/><nd ref="3"/><tag k="highway" v="service"/><tag k="tunnel" v="yes"/>
    <tag k="access" v="destination"/><tag k="foot" v="yes"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/><tag k="tunnel" v="yes"/>
    <tag k="layer" v="-1"/></way>
  <way id="13"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/>
    <tag k="access" v="destination"/></way>
  <way id="14"><nd ref="1"/><nd ref="4"/><tag k="highway" v="secondary"/>
    <tag k="foot" v="use_sidepath"/></way>
</osm>
"""


def test_walk_filter_leaves_out_restricted_road_tunnels(tmp_path):
    """Way 10 is a goods-vehicle service tunnel (access=destination): out. Way 11
    is the same with foot=yes: in. A footway in a tunnel (12) and a destination-only
    street in the open (13) stay; a road whose walkers must use the sidewalk (14)
    goes."""
    path = tmp_path / "tiny.osm"
    path.write_text(_OSM, encoding="utf-8")
    kept = set(read_osm_lines(path, mode="walk")["osm_id"])
    assert kept == {11, 12, 13}
    assert set(read_osm_lines(path, mode="all")["osm_id"]) == {10, 11, 12, 13, 14}


def test_sample_city_key_nodes_and_places_stay_on_the_ground(sample_network, sample_layers):
    """No key node or place of the sample city joins a tunnel or bridge (8 nodes did),
    and the service tunnel is out of the walking network."""
    edges = sample_network.edges
    service_tunnel = (
        (edges["highway"] == "service")
        & edges["tunnel"].notna()
        & (edges["access"] == "destination")
    )
    assert not service_tunnel.any()
    for layer in ("nodes", "places"):
        links = link_features(sample_network, sample_layers[layer])
        assert links.linked.all()
        assert not links.off_level.any(), layer
        assert (links.network_level == 0).all(), layer


def test_sample_city_squares_a_few_minutes_apart(sample_network, sample_layers):
    """Rautatientori → Kolmensepänaukio is 252 m as the crow flies; the walk was
    21.9 min through the service tunnel. Along the streets it is a few minutes:
    within 2.5 × the straight line (a city-centre grid gives about 1.3)."""
    od = place_distances(
        sample_network,
        sample_layers["places"],
        sample_layers["nodes"],
        node_category="category",
        routes=False,
    ).od.set_index(["place_id", "node_id"])
    for place, node in [
        ("rautatientori", "square-kolmensepanaukio"),
        ("lasipalatsinaukio", "square-kolmensepanaukio"),
        ("esplanadinpuisto", "tram_stop-senaatintori"),
        ("vanha-kirkkopuisto", "square-kolmensepanaukio"),
    ]:
        row = od.loc[(place, node)]
        assert row.status == "ok"
        assert row.total_m <= 2.5 * row.straight_m, (place, node, row.total_m, row.straight_m)
        assert row.walk_min < 10


@pytest.mark.parametrize("extra_place", [False, True])
def test_route_from_a_polygon_no_street_enters_counts_its_access(extra_place):
    """The park of the sketch above (y 10-60, x 0-100) joins y = 0 at 10 m and
    y = 72 at 12 m; a node at (50, 80) is 8 m above y = 72. Whichever point of the
    park's top edge the access line leaves from (x = 0 or 100, the edge is parallel
    to the street), the walk is 12 m access + 50 m along y = 72 + 8 m access = 70 m:
    link_m 20, network_m 50, and the route line is 70 m long. With a second place
    the search runs from the node instead (fewer nodes than places): same numbers.
    """
    net = prepare_network(
        make_lines(
            [
                [(-50, 0), (150, 0)],
                [(-50, 72), (150, 72)],
                [(-50, 100), (150, 100)],
                [(-50, 0), (-50, 72)],
                [(-50, 72), (-50, 100)],
            ]
        )
    )
    geoms = [shapely.box(X0, Y0 + 10, X0 + 100, Y0 + 60)]
    ids = ["park"]
    if extra_place:
        geoms.append(shapely.Point(X0 + 140, Y0 - 5))
        ids.append("corner")
    places = gpd.GeoDataFrame({"place_id": ids}, geometry=geoms, crs=3006)
    od = place_distances(net, places, pts([(50, 80)], node_id=["N"])).od.set_index("place_id")
    row = od.loc["park"]
    assert row.link_m == pytest.approx(20)
    assert row.network_m == pytest.approx(50)
    assert row.total_m == pytest.approx(70)
    assert row.geometry.length == pytest.approx(70)

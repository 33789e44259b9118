"""Place-to-node distances, routes, service areas: hand-made cases and networkx checks."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import InputError, NetworkError, prepare_network
from stadsrum.measures.proximity import place_distances, place_summary, service_areas
from stadsrum.network.links import edge_levels


def pts(coords, crs="EPSG:3006", **cols):
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=crs)


def square(x, y, size):
    return shapely.box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def test_place_and_node_on_one_street():
    """A 200 m street along y = 0. The place stands 10 m off it at x = 100, the
    node 5 m off at x = 180: they join at (100, 0) and (180, 0).

    network 80 m, access 10 + 5 = 15 m, total 95 m; straight line
    hypot(80, 15); no junction passed: 0° and 0 turns.
    """
    net = prepare_network(make_lines([[(0, 0), (200, 0)]]))
    places = pts([(100, 10)], place_id=["torget"])
    nodes = pts([(180, -5)], node_id=["station"])
    od = place_distances(net, places, nodes).od
    row = od.iloc[0]
    assert row.status == "ok"
    assert row.network_m == pytest.approx(80)
    assert row.link_m == pytest.approx(15)
    assert row.total_m == pytest.approx(95)
    assert row.walk_min == pytest.approx(95 / 1.3 / 60)
    assert row.straight_m == pytest.approx(np.hypot(80, 15))
    assert row.detour_ratio == pytest.approx(95 / np.hypot(80, 15))
    assert row.angular_deg == 0
    assert row.turns == 0
    # the route runs from the place to the node, access lines included
    assert row.geometry.length == pytest.approx(95)
    assert row.geometry.coords[0] == pytest.approx((X0 + 100, Y0 + 10))
    assert row.geometry.coords[-1] == pytest.approx((X0 + 180, Y0 - 5))


def _river():
    """Two banks joined only by a bridge at x = 500 (metres):

    y=100  ----------------+----------------   north bank
                           |  bridge (100 m)
    y=0    ----------------+----------------   south bank
           0              500             1000
    """
    return make_lines(
        [
            [(0, 0), (500, 0)],
            [(500, 0), (1000, 0)],
            [(0, 100), (500, 100)],
            [(500, 100), (1000, 100)],
            [(500, 0), (500, 100)],
        ]
    )


def test_node_across_a_bridge():
    """Place at (100, -5) on the south bank, node at (100, 105) on the north bank:
    400 m east, 100 m over the bridge, 400 m back west: 900 m plus 10 m access;
    two right-angle turns at the bridge ends: 180° and 2 turns. Straight 110 m."""
    net = prepare_network(_river())
    od = place_distances(
        net, pts([(100, -5)], place_id=["a"]), pts([(100, 105)], node_id=["b"])
    ).od.iloc[0]
    assert od.network_m == pytest.approx(900)
    assert od.total_m == pytest.approx(910)
    assert od.angular_deg == pytest.approx(180)
    assert od.turns == 2
    assert od.detour_ratio == pytest.approx(910 / 110)
    assert od.geometry.length == pytest.approx(910)


def test_polygon_place_joins_at_its_nearest_entrance():
    """A square park from (300, -20) to (340, 20) straddles the south bank: the
    street enters it at x = 300 and leaves at x = 340. The node at (700, 0) is
    reached from the east entrance: 360 m, with no access distance."""
    net = prepare_network(_river())
    park = gpd.GeoDataFrame(
        {"place_id": ["parken"]}, geometry=[square(300, -20, 40)], crs="EPSG:3006"
    )
    od = place_distances(net, park, pts([(700, 0)], node_id=["n"])).od.iloc[0]
    assert od.network_m == pytest.approx(360)
    assert od.link_m == pytest.approx(0)
    # west of the park the west entrance is nearer
    od2 = place_distances(net, park, pts([(100, 0)], node_id=["w"])).od.iloc[0]
    assert od2.network_m == pytest.approx(200)


def test_polygon_without_streets_joins_at_its_boundary():
    net = prepare_network(_river())
    diamond = shapely.Polygon(
        [(X0 + x, Y0 + y) for x, y in [(215, 20), (235, 40), (215, 60), (195, 40)]]
    )
    yard = gpd.GeoDataFrame({"place_id": ["gard"]}, geometry=[diamond], crs="EPSG:3006")
    od = place_distances(net, yard, pts([(215, -10)], node_id=["n"])).od.iloc[0]
    # no street reaches the yard; its corner (215, 20) is 20 m from the south bank
    assert od.link_m == pytest.approx(20 + 10)
    assert od.network_m == pytest.approx(0, abs=1e-6)


def test_unlinked_places_are_reported_not_dropped():
    net = prepare_network(_river())
    places = pts([(100, -5), (100, -900)], place_id=["near", "far"])
    od = place_distances(net, places, pts([(600, 110)], node_id=["n"]), max_link=100).od
    assert list(od.place_id) == ["near", "far"]
    far = od[od.place_id == "far"].iloc[0]
    assert far.status.startswith("place unlinked: farther than 100 m")
    assert np.isnan(far.total_m)
    with pytest.raises(NetworkError, match="none of the 1 places"):
        place_distances(net, places.iloc[1:], pts([(600, 110)], node_id=["n"]), max_link=100)


def test_unconnected_pairs_say_so():
    lines = make_lines([[(0, 0), (100, 0)], [(0, 500), (100, 500)]])
    net = prepare_network(lines, components="all")
    od = place_distances(
        net, pts([(50, 5)], place_id=["a"]), pts([(50, 505)], node_id=["b"])
    ).od.iloc[0]
    assert od.status.startswith("not connected")
    assert np.isnan(od.network_m)


@pytest.mark.parametrize(
    ("places", "match"),
    [
        (pts([], place_id=[]), "empty"),
        (pts([(1, 1)], name=["x"]), "no column 'place_id'"),
        (pts([(1, 1), (2, 2)], place_id=["a", "a"]), "duplicate ids: a"),
    ],
)
def test_bad_places_are_named(places, match):
    net = prepare_network(_river())
    with pytest.raises(InputError, match=match):
        place_distances(net, places, pts([(600, 110)], node_id=["n"]))


def test_layers_in_another_crs_are_reprojected():
    net = prepare_network(_river())
    places = pts([(100, -5)], place_id=["a"])
    nodes = pts([(100, 105)], node_id=["b"])
    a = place_distances(net, places, nodes).od.iloc[0]
    b = place_distances(net, places.to_crs("EPSG:4326"), nodes.to_crs("EPSG:3857")).od.iloc[0]
    assert b.total_m == pytest.approx(a.total_m, abs=1e-3)


def test_nearest_filters_and_categories():
    net = prepare_network(_river())
    nodes = pts(
        [(200, 5), (800, 5), (100, 105), (700, 95)],
        node_id=["s1", "s2", "k1", "k2"],
        category=["shop", "shop", "school", "school"],
    )
    places = pts([(100, -5)], place_id=["a"])
    near2 = place_distances(net, places, nodes, nearest=2).od
    assert list(near2.node_id) == ["s1", "s2"]
    per_cat = place_distances(
        net, places, nodes, node_category="category", nearest_per_category=True
    ).od
    assert set(per_cat.node_id) == {"s1", "k2"}
    summary = place_summary(
        place_distances(net, places, nodes, node_category="category").od, thresholds=[5, 15]
    )
    # s1 110 m (1.4 min), s2 710 m, k2 400 + 100 + 200 + 10 = 710 m (9.1 min), k1 910 m
    assert summary.loc[0, "nodes_within_5min"] == 1
    assert summary.loc[0, "nodes_within_15min"] == 4
    assert summary.loc[0, "nearest_school_m"] == pytest.approx(710)
    assert summary.loc[0, "nearest_shop_m"] == pytest.approx(110)


def test_service_area_on_a_street_is_cut_where_time_runs_out():
    """Place at the middle of a 1000 m street, 10 m off it. At 1.0 m/s one minute
    is 60 m: 50 m left after the access, so 100 m of street, centred on 500."""
    net = prepare_network(make_lines([[(0, 0), (1000, 0)]]))
    areas, lines = service_areas(
        net, pts([(500, 10)], place_id=["p"]), thresholds=[1, 5], speed=1.0
    )
    one = lines[lines.threshold_min == 1].iloc[0]
    assert one.length_m == pytest.approx(100)
    lo, _, hi, _ = one.geometry.bounds
    assert (lo - X0, hi - X0) == pytest.approx((450, 550))
    five = lines[lines.threshold_min == 5].iloc[0]
    assert five.length_m == pytest.approx(580)
    assert set(areas.threshold_min) == {1, 5}
    assert areas.iloc[0].geometry.contains(shapely.Point(X0 + 500, Y0 + 10))


def test_service_area_around_a_corner_matches_hand_count():
    """From (100, -5) on the river network, 8 minutes at 1 m/s = 480 m, 475 after
    access: west 100 m to the dead end, east 475 m: 400 to the bridge, then 75 m
    on each of the bridge and the east bank: 100 + 400 + 75 + 75 = 650 m."""
    net = prepare_network(_river())
    _, lines = service_areas(net, pts([(100, -5)], place_id=["p"]), thresholds=[8], speed=1.0)
    assert lines.iloc[0].length_m == pytest.approx(650)


def test_distances_equal_networkx_on_the_sample_city(sample_network):
    """Random points on the sample city's ground-level streets: network distances
    equal networkx's Dijkstra on the street graph with the points spliced in, to
    1e-6 m. (A point without a level stands on the ground, so one drawn on a tunnel
    would rightly join the street above it: tests/test_linking_levels.py.)"""
    net = sample_network
    rng = np.random.default_rng(42)
    n_places, n_nodes = 6, 8
    ground = np.flatnonzero(edge_levels(net.edges) == 0)
    assert len(ground) > 0.9 * net.n_edges
    edges = rng.choice(ground, n_places + n_nodes, replace=False)
    frac = rng.uniform(0.1, 0.9, len(edges))
    geoms = np.asarray(net.edges.geometry.array)[edges]
    points = shapely.line_interpolate_point(geoms, frac, normalized=True)
    pos = frac * net.length[edges]
    places = gpd.GeoDataFrame(
        {"place_id": np.arange(n_places)}, geometry=points[:n_places], crs=net.edges.crs
    )
    nodes = gpd.GeoDataFrame(
        {"node_id": np.arange(n_nodes)}, geometry=points[n_places:], crs=net.edges.crs
    )
    od = place_distances(net, places, nodes, routes=False).od

    g = nx.Graph()
    for e, (a, b, length) in enumerate(zip(net.u, net.v, net.length, strict=True)):
        if e not in set(edges):
            key = (min(a, b), max(a, b))
            if not g.has_edge(*key) or g.edges[key]["weight"] > length:
                g.add_edge(*key, weight=length)
    for k, e in enumerate(edges):
        g.add_edge(("p", k), net.u[e], weight=pos[k])
        g.add_edge(("p", k), net.v[e], weight=net.length[e] - pos[k])
    for i in range(n_places):
        lengths = nx.single_source_dijkstra_path_length(g, ("p", i), weight="weight")
        for j in range(n_nodes):
            expected = lengths[("p", n_places + j)]
            got = od[(od.place_id == i) & (od.node_id == j)].network_m.iloc[0]
            assert got == pytest.approx(expected, abs=1e-6)

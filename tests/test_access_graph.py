"""The access engine: features joined to the streets, one search per feature.

Every expected distance here is derived by hand (docstrings) or by networkx on
a graph built independently from the same coordinates, never from the
engine's own output.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import InputError, NetworkError, prepare_network
from stadsrum.measures.access_graph import (
    AccessGraph,
    LinkedSide,
    link_side,
    linked_od_matrix,
    od_matrix,
    street_view,
)
from stadsrum.measures.proximity import place_distances
from stadsrum.network.barriers import add_links
from stadsrum.progress import as_progress

# A small irregular grid (metres): three east-west and three north-south streets.
XS, YS = (0.0, 120.0, 300.0), (0.0, 100.0, 250.0)


def _grid():
    lines = [[(XS[0], y), (XS[1], y), (XS[2], y)] for y in YS]
    lines += [[(x, YS[0]), (x, YS[1]), (x, YS[2])] for x in XS]
    return prepare_network(make_lines(lines))


def pts(coords, **cols):
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3006")


def _nx_grid():
    """The grid as a networkx graph of its junctions (x, y) and street lengths."""
    g = nx.Graph()
    for y in YS:
        for a, b in itertools.pairwise(XS):
            g.add_edge((a, y), (b, y), weight=b - a)
    for x in XS:
        for a, b in itertools.pairwise(YS):
            g.add_edge((x, a), (x, b), weight=b - a)
    return g


def _nx_with_points(points):
    """The grid with each foot point ``(x, y)`` (on a street) spliced in as a node."""
    g = _nx_grid()
    for p in points:
        for a, b in list(g.edges):
            on_h = a[1] == b[1] == p[1] and min(a[0], b[0]) < p[0] < max(a[0], b[0])
            on_v = a[0] == b[0] == p[0] and min(a[1], b[1]) < p[1] < max(a[1], b[1])
            if on_h or on_v:
                g.remove_edge(a, b)
                g.add_edge(a, p, weight=float(np.hypot(*np.subtract(a, p))))
                g.add_edge(p, b, weight=float(np.hypot(*np.subtract(b, p))))
                break
    return g


def test_link_side_points_polygons_and_unlinked():
    """A point 10 m north of the street y = 0 at x = 60 joins it at (60, 0),
    10 m away; a point 500 m off every street stays unlinked (no access point);
    a square across the junction (120, 100) has that junction inside and
    meets four streets at its edges: entrances, each at link distance 0."""
    net = _grid()
    side = link_side(
        net,
        gpd.GeoDataFrame(
            {"pid": ["a", "far", "sq"]},
            geometry=[
                shapely.Point(X0 + 60, Y0 + 10),
                shapely.Point(X0 + 60, Y0 + 800),
                shapely.box(X0 + 110, Y0 + 90, X0 + 130, Y0 + 110),
            ],
            crs="EPSG:3006",
        ),
        "pid",
        what="places",
        option="--place-id",
        max_link=200.0,
        polygons="entrances",
    )
    assert isinstance(side, LinkedSide)
    assert list(side.ids) == ["a", "far", "sq"]
    assert len(side) == 3
    a = side.access(0)
    assert a.stop - a.start == 1
    assert side.links.link_m[a][0] == pytest.approx(10.0)
    np.testing.assert_allclose(side.links.xy[a][0], (X0 + 60, Y0))
    assert side.start_link(0) == pytest.approx(10.0)
    assert side.starts(1) is None
    assert side.links.status[1].startswith("unlinked")
    sq = side.access(2)
    assert sq.stop - sq.start >= 4
    assert np.all(side.links.link_m[sq] == 0.0)
    assert side.start_link(2) == 0.0  # entered at an entrance
    assert not side.separate_starts(2)
    assert side.max_access == sq.stop - sq.start


def test_link_side_without_ids_numbers_rows_and_refuses_empty():
    net = _grid()
    side = link_side(
        net, pts([(60, 10), (200, 240)]), None, what="attractions", max_link=50, polygons="centroid"
    )
    assert list(side.ids) == [0, 1]
    with pytest.raises(InputError, match="attractions: the layer is empty"):
        link_side(net, pts([]), None, what="attractions", max_link=50, polygons="centroid")
    with pytest.raises(InputError, match="places: column 'pid' has duplicate ids: x"):
        link_side(
            net,
            pts([(0, 5), (10, 5)], pid=["x", "x"]),
            "pid",
            what="places",
            option="--place-id",
            max_link=50,
            polygons="entrances",
        )


def test_junction_search_matches_networkx():
    """From a point 10 m off the street y = 100 at x = 200 (foot (200, 100)),
    the distance to each junction is 10 m plus networkx's shortest path from
    the foot point spliced into the graph."""
    net = _grid()
    side = link_side(
        net, pts([(200, 110)], pid=["p"]), "pid", what="places", max_link=50, polygons="entrances"
    )
    graph = AccessGraph(net)
    got = graph.junction_search(side.starts(0), graph.scratch(side.max_access))
    ref = nx.single_source_dijkstra_path_length(
        _nx_with_points([(200.0, 100.0)]), (200.0, 100.0), weight="weight"
    )
    for j, (x, y) in enumerate(net.node_xy - (X0, Y0)):
        assert got[j] == pytest.approx(10.0 + ref[(round(x, 6), round(y, 6))]), (x, y)


def test_od_matrix_matches_networkx_and_place_distances():
    """Every place→node total is both link distances plus networkx's street
    distance between the two foot points, and equals place_distances' total_m;
    the junction rows hold each side's distances to every junction."""
    net = _grid()
    place_xy = [(60, 10), (300 - 5, 180), (120, 260)]
    node_xy = [(200, -8), (30, 250 - 4), (120, 150)]
    feet_p = [(60.0, 0.0), (300.0, 180.0), (120.0, 250.0)]
    feet_n = [(200.0, 0.0), (30.0, 250.0), (120.0, 150.0)]
    link_p, link_n = [10, 5, 10], [8, 4, 0]
    places = pts(place_xy, place_id=["p0", "p1", "p2"])
    nodes = pts(node_xy, node_id=["n0", "n1", "n2"])
    od = od_matrix(net, places, nodes)
    g = _nx_with_points(feet_p + feet_n)
    for i, fp in enumerate(feet_p):
        lengths = nx.single_source_dijkstra_path_length(g, fp, weight="weight")
        for j, fn in enumerate(feet_n):
            expected = link_p[i] + lengths[fn] + link_n[j]
            assert od.total_m[i, j] == pytest.approx(expected), (i, j)
        for k, (x, y) in enumerate(net.node_xy - (X0, Y0)):
            junction = (round(x, 6), round(y, 6))
            assert od.to_junction_places[i, k] == pytest.approx(link_p[i] + lengths[junction])
    table = place_distances(net, places, nodes, routes=False).od
    np.testing.assert_allclose(
        table["total_m"].to_numpy().reshape(3, 3), od.total_m, rtol=0, atol=1e-9
    )


def test_to_side_walks_along_a_shared_segment():
    """Place and node on one 120 m segment (y = 0, x 0..120) at x = 30 and
    x = 90: 60 m along it, not out to a junction and back; plus 10 + 20 m
    of links: 90 m."""
    net = _grid()
    od = od_matrix(net, pts([(30, 10)], place_id=["p"]), pts([(90, -20)], node_id=["n"]))
    assert od.total_m[0, 0] == pytest.approx(90.0)


def test_linked_once_equals_linking_again_on_a_network_with_a_link():
    """A new diagonal link crosses the block from (120, 0) to (300, 100); a
    node stands beside its middle, 48 m from the nearest street. Sides linked
    once, on the streets, give what linking again on the network with the link
    gives: both join the streets only, never the new link, so with max_link
    40 m that node is unlinked in both. The other node, (200, 5), is 140 m
    along y = 0 from the place's foot (60, 0), plus links 10 + 5 m: 155 m."""
    net = _grid()
    places = pts([(60, 10)], place_id=["p"])
    nodes = pts([(212, 48), (200, 5)], node_id=["n0", "n1"])
    link = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 + 120, Y0), (X0 + 300, Y0 + 100)])], crs="EPSG:3006"
    )
    after = add_links(net, link, what="proposal")
    assert street_view(after).n_edges == net.n_edges
    once = od_matrix(net, places, nodes, max_link=40.0)
    again = od_matrix(after, places, nodes, max_link=40.0)
    assert once.places.joined_to(after)  # a link between junctions splits no street
    reused = linked_od_matrix(after, once.places, once.nodes, progress=as_progress(None))
    np.testing.assert_array_equal(reused.total_m, again.total_m)
    np.testing.assert_array_equal(reused.to_junction_nodes, again.to_junction_nodes)
    assert np.isinf(reused.total_m[0, 0])  # the node by the link's end is unlinked
    # place (60, 0) to node (200, 0) along y = 0: 140 m, links 10 + 5 m
    assert reused.total_m[0, 1] == pytest.approx(155.0)


def test_linked_od_matrix_refuses_sides_of_a_bigger_network():
    """A node linked on the grid with an added diagonal link joins that link
    (1.6 m away), a segment the plain grid does not have: refused, not misread."""
    net = _grid()
    link = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 + 0, Y0 + 250), (X0 + 120, Y0 + 100)])],
        crs="EPSG:3006",
    )
    bigger = add_links(net, link, what="proposal")
    node = link_side(
        bigger,
        pts([(62, 175)], node_id=["n"]),
        "node_id",
        what="nodes",
        max_link=20,
        polygons="entrances",
    )
    assert node.links.edge[0] >= net.n_edges  # an added segment, after the streets
    place = link_side(
        net,
        pts([(10, 5)], place_id=["p"]),
        "place_id",
        what="places",
        max_link=20,
        polygons="entrances",
    )
    with pytest.raises(NetworkError, match="nodes were joined to other streets"):
        linked_od_matrix(net, place, node)


def test_a_link_ending_mid_street_needs_the_sides_joined_again():
    """A link from (60, 0), mid-street, to (60, 100) splits both streets it
    ends on: the segment numbers of the sides joined before no longer hold."""
    net = _grid()
    od = od_matrix(net, pts([(30, 10)], place_id=["p"]), pts([(90, 90)], node_id=["n"]))
    link = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 + 60, Y0), (X0 + 60, Y0 + 100)])], crs="EPSG:3006"
    )
    after = add_links(net, link, what="proposal")
    assert not od.places.joined_to(after)
    with pytest.raises(NetworkError, match="places were joined to other streets"):
        linked_od_matrix(after, od.places, od.nodes)

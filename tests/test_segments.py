"""The directed-state segment graph: states, transitions and turn angles."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from helpers import make_lines

from stadsrum import prepare_network
from stadsrum.network.segments import turn_angles


def _transitions(sg):
    return {(int(s), int(d)): float(t) for s, d, t in zip(sg.src, sg.dst, sg.turn_deg, strict=True)}


def test_straight_continuation_states_and_zero_turn():
    """Segment 0 runs (0,0)->(10,0), segment 1 (10,0)->(20,0).

    State 0 (along 0 towards its end 1) continues into state 2 (along 1
    towards its end 1) and state 3 (back along 1) into state 1; both straight.
    Dead ends have no transitions.
    """
    net = prepare_network(make_lines([[(0, 0), (10, 0)], [(10, 0), (20, 0)]]), prepare="none")
    sg = net.segment_graph()
    assert _transitions(sg) == {(0, 2): 0.0, (3, 1): 0.0}
    np.testing.assert_array_equal(sg.indptr, [0, 1, 1, 1, 2])


def test_t_junction_turns():
    """T-junction: the bar's halves continue straight (0°), the stem turns 90°.

         a       b
     ---------+---------
              | c

    Three segment ends meet: 3·2 = 6 transitions.
    """
    gdf = make_lines([[(0, 0), (50, 0)], [(50, 0), (100, 0)], [(50, 0), (50, -40)]])
    sg = prepare_network(gdf, prepare="none").segment_graph()
    assert sg.n_transitions == 6
    t = _transitions(sg)
    assert t[(0, 2)] == 0.0  # a -> b straight on
    assert t[(3, 1)] == 0.0  # b -> a
    assert t[(0, 4)] == 90.0  # a -> c: right angle
    assert t[(5, 1)] == 90.0  # c -> a
    assert t[(5, 2)] == 90.0  # c -> b


def test_thirty_degree_turn():
    """Leaving (10,0) at 30° off the straight continuation of (0,0)->(10,0)."""
    end = (10 + 10 * np.cos(np.radians(30)), 10 * np.sin(np.radians(30)))
    sg = prepare_network(
        make_lines([[(0, 0), (10, 0)], [(10, 0), end]]), prepare="none"
    ).segment_graph()
    assert sg.turn_deg == pytest.approx([30.0, 30.0])


def test_vertex_split_follows_depthmapx():
    """One polyline with a 45° bend becomes two straight segments with a 45° turn;
    the edge split keeps it one segment."""
    gdf = make_lines([[(0, 0), (10, 0), (20, 10)]])
    net = prepare_network(gdf, prepare="none")
    assert net.segment_graph(split="edge").n_segments == 1
    sv = net.segment_graph(split="vertex")
    assert sv.n_segments == 2
    np.testing.assert_allclose(sv.length, [10, np.hypot(10, 10)])
    assert sv.turn_deg == pytest.approx([45.0, 45.0])
    np.testing.assert_array_equal(sv.edge, [0, 0])


def test_turn_angles_are_symmetric_and_bounded():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
    t = turn_angles(a, b)
    np.testing.assert_allclose(t, turn_angles(b, a))
    assert ((t >= 0) & (t <= 180)).all()
    assert turn_angles(np.array([[1.0, 0]]), np.array([[-1.0, 0]]))[0] == 0.0
    assert turn_angles(np.array([[1.0, 0]]), np.array([[1.0, 0]]))[0] == 180.0


def test_transitions_match_junction_degrees_on_the_sample_city(sample_network):
    """Every junction with k segment ends gives k·(k−1) transitions, and the
    state graph reaches the same segments as the street graph."""
    for split in ("edge", "vertex"):
        sg = sample_network.segment_graph(split=split)
        k = np.bincount(sg.end_node.ravel())
        assert sg.n_transitions == int((k * (k - 1)).sum())
        assert np.all(np.diff(sg.indptr) >= 0)
        assert ((sg.turn_deg >= 0) & (sg.turn_deg <= 180)).all()
        street = nx.Graph()
        street.add_edges_from(map(tuple, sg.end_node))
        assert nx.number_connected_components(street) == 1
    edge = sample_network.segment_graph(split="edge")
    vertex = sample_network.segment_graph(split="vertex")
    assert vertex.length.sum() == pytest.approx(edge.length.sum())
    assert vertex.n_segments > edge.n_segments

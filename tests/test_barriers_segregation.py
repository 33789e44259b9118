"""Barriers and segregation: per barrier, and candidate crossings between areas."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import InputError, prepare_network
from stadsrum.measures.barriers import barrier_segregation
from stadsrum.network.barriers import read_barrier_layer

SPEED = 100.0 / 60.0  # 1 minute = 100 m, so the 2-minute environment is 200 m

# resident: (x, y, area, g1, g2); every one 10 m west/east of its street
RESIDENTS = {
    "A1": (-10, 180, "west", 2, 0),
    "A2": (-10, 20, "west", 1, 0),
    "B1": (110, 190, "east", 0, 3),
    "B2": (110, 50, "east", 0, 1),
}


def city():
    """Two areas on either side of a river (x = 50) joined by one bridge (y = 0).

    y=200  +          +      west street x = 0, east street x = 100, each one
           | A1  B1  |       segment from y = 0 to y = 200; residents link
           |   ~~    | B2    10 m to them. The bridge (0,0)-(100,0) is 100 m.
           | A2 ~~   |       The one candidate crossing is (0,200)-(100,200),
    y=0    +----------+      100 m (diagonals are over 150 m; the bridge's
           0   50    100     own line runs along a street).
    """
    net = prepare_network(
        make_lines([[(0, 0), (0, 200)], [(100, 0), (100, 200)], [(0, 0), (100, 0)]])
    )
    water = make_lines([[(50, -100), (50, 300)]], category=["water"])
    pop = gpd.GeoDataFrame(
        {
            "population": [r[3] + r[4] for r in RESIDENTS.values()],
            "g1": [r[3] for r in RESIDENTS.values()],
            "g2": [r[4] for r in RESIDENTS.values()],
        },
        geometry=[shapely.Point(X0 + r[0], Y0 + r[1]) for r in RESIDENTS.values()],
        crs="EPSG:3006",
    )
    areas = gpd.GeoDataFrame(
        {"area_id": ["west", "east"]},
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 50, Y0 + 300),
            shapely.box(X0 + 50, Y0 - 100, X0 + 200, Y0 + 300),
        ],
        crs="EPSG:3006",
    )
    return net, water, pop, areas


def brute_distances(with_candidate: bool) -> dict[tuple[str, str], float]:
    """Resident-to-resident walking metres on a graph drawn by hand (networkx)."""
    g = nx.Graph()
    g.add_edge((0, 0), (100, 0), weight=100.0)  # the bridge
    for x in (0, 100):
        feet = sorted({(x, r[1]) for r in RESIDENTS.values() if abs(r[0] - x) == 10})
        chain = [(x, 0), *feet, (x, 200)]
        for p, q in itertools.pairwise(chain):
            g.add_edge(p, q, weight=float(q[1] - p[1]))
    if with_candidate:
        g.add_edge((0, 200), (100, 200), weight=100.0)
    out = {}
    for (i, ri), (j, rj) in itertools.product(RESIDENTS.items(), repeat=2):
        foot_i = (0 if ri[0] < 50 else 100, ri[1])
        foot_j = (0 if rj[0] < 50 else 100, rj[1])
        out[i, j] = 10 + nx.shortest_path_length(g, foot_i, foot_j, weight="weight") + 10
    return out


def test_candidate_and_barrier_between_two_areas():
    """Every number derived by hand.

    Distances across today (via the bridge): 10 + y_i + 100 + y_j + 10, so
    A1-B1 490, A1-B2 350, A2-B1 330, A2-B2 190; with the crossing at y = 200:
    10 + (200 - y_i) + 100 + (200 - y_j) + 10, so 150, 290, 310, 450.
    Pair weights p_i p_j: A1-B1 6, A1-B2 2, A2-B1 3, A2-B2 1 (total 12).
    Gain = 6·340 + 2·60 + 3·20 + 1·0 = 2220 person-pair metres; the mean
    distance between residents of the two areas falls by 2220 / 12 = 185 m.

    The three streets are one line (its bends at (0,0) and (100,0) are no
    junctions), so the permeable river adds one link, (0,200)-(100,200),
    west-east: the candidate itself. mean_m west-east is
    (6·490 + 2·350 + 3·330 + 190) / 12 = 4820 / 12 today and
    (6·150 + 2·290 + 3·310 + 190) / 12 = 2600 / 12 after: change -185.

    Environments within 200 m (2 minutes at 100 m/min), counts (g1, g2);
    within a bank A1-A2 180 m, B1-B2 160 m:
    today A1 (3,0), A2 (3,1) (B2 at 190), B1 (0,4), B2 (1,4);
    after A1 (3,3) (B1 at 150), A2 (3,1), B1 (2,4), B2 (1,4).
    City shares pi = (3/7, 4/7), I = 24/49; D~ = sum_j tau_j 2|p_j1 - 3/7| /
    (2·7·I) and H~ = 1 - sum_j tau_j E_j / (7 E), computed below from these
    environments.
    """
    net, water, pop, areas = city()
    bset = read_barrier_layer(water, net)
    per_barrier, ranking = barrier_segregation(
        net,
        bset,
        pop,
        areas,
        groups=["g1", "g2"],
        environment=[2],
        speed=SPEED,
        threads=1,
    )
    # the candidate: its gain against networkx on the graph with and without it
    assert len(ranking) == 1
    before, after = brute_distances(False), brute_distances(True)
    area = {k: r[2] for k, r in RESIDENTS.items()}
    people = {k: r[3] + r[4] for k, r in RESIDENTS.items()}
    brute = sum(
        people[i] * people[j] * (before[i, j] - after[i, j])
        for i, j in itertools.combinations(RESIDENTS, 2)
        if area[i] != area[j]
    )
    assert brute == pytest.approx(2220.0)
    row = ranking.iloc[0]
    assert row["gain_m"] == pytest.approx(brute)
    assert row["mean_m_reduction"] == pytest.approx(185.0)
    assert row["pairs_improved"] == 3  # A1-B1, A1-B2, A2-B1
    assert row["rank"] == 1
    assert row["length_m"] == pytest.approx(100.0)

    # the barrier: one row, west-east, mean_m before/after and the indices
    assert len(per_barrier) == 1
    b = per_barrier.iloc[0]
    assert (b["from_area"], b["to_area"]) == ("east", "west")
    assert b["links_added"] == 1
    assert b["area_links"] == 1
    assert b["mean_m"] == pytest.approx(4820 / 12)
    assert b["mean_m_after"] == pytest.approx(2600 / 12)
    assert b["mean_m_change"] == pytest.approx(-185.0)

    tau = np.array([2, 1, 3, 1], dtype=float)
    env_before = np.array([[3, 0], [3, 1], [0, 4], [1, 4]], dtype=float)
    env_after = np.array([[3, 3], [3, 1], [2, 4], [1, 4]], dtype=float)
    pi = np.array([3 / 7, 4 / 7])
    interaction = 2 * pi[0] * pi[1]

    def entropy(p):
        return -sum(x * math.log2(x) for x in p if x > 0)

    def d_h(env):
        p = env / env.sum(axis=1, keepdims=True)
        d = float(np.sum(tau * 2 * np.abs(p[:, 0] - pi[0]))) / (2 * 7 * interaction)
        h = 1 - sum(t * entropy(q) for t, q in zip(tau, p, strict=True)) / (7 * entropy(pi))
        return d, h

    d0, h0 = d_h(env_before)
    d1, h1 = d_h(env_after)
    assert d0 == pytest.approx(5.957142857 / 6.857142857)  # hand arithmetic, docstring
    assert d1 == pytest.approx(1.957142857 / 6.857142857)
    assert b["dissimilarity_2min"] == pytest.approx(d0)
    assert b["dissimilarity_2min_after"] == pytest.approx(d1)
    assert b["dissimilarity_2min_change"] == pytest.approx(d1 - d0)
    assert b["information_2min"] == pytest.approx(h0)
    assert b["information_2min_after"] == pytest.approx(h1)
    assert b["information_2min_change"] == pytest.approx(h1 - h0)
    assert d1 < d0
    assert h1 < h0


def test_same_area_pairs_count_nothing():
    """With both banks in one area no resident pair is between areas: nothing to gain."""
    net, water, pop, _ = city()
    one = gpd.GeoDataFrame(
        {"area_id": ["all", "empty"]},
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 200, Y0 + 300),
            shapely.box(X0 + 500, Y0, X0 + 600, Y0 + 100),
        ],
        crs="EPSG:3006",
    )
    with pytest.raises(InputError, match="fewer than two of the areas"):
        barrier_segregation(net, read_barrier_layer(water, net), pop, one, speed=SPEED)


def test_sample_city_gain_equals_areas_on_the_rebuilt_network(sample_network, tmp_path):
    """The fast ranking against another engine: the areas analysis on the network rebuilt
    with the best link. Sum over pairs of different areas of people·people·mean_m,
    halved (each pair twice in the matrix), falls by exactly the link's ``gain_m``.
    Then the CLI writes both layers.
    """
    import pyogrio
    from typer.testing import CliRunner

    from stadsrum.cli import app
    from stadsrum.measures.areas import area_analysis
    from stadsrum.network.barriers import add_links
    from stadsrum.workflows import sample_data_dir

    data = sample_data_dir()
    pop = pyogrio.read_dataframe(data / "population.gpkg", layer="population")
    districts = pyogrio.read_dataframe(data / "population.gpkg", layer="districts")
    bars = pyogrio.read_dataframe(data / "helsinki.gpkg", layer="barriers")
    net = sample_network
    bset = read_barrier_layer(bars, net).select(["railway"])
    groups = ["born_sweden", "born_abroad"]
    per_barrier, ranking = barrier_segregation(net, bset, pop, districts, groups=groups, threads=1)
    assert len(ranking) >= 2
    assert (ranking["gain_m"].diff().dropna() <= 1e-6).all()

    def between(n):
        r = area_analysis(n, pop, areas=districts, groups=groups, threads=1)
        people = r.areas.set_index("area_id")["population"]
        m = r.area_matrix[r.area_matrix.from_area != r.area_matrix.to_area]
        assert (m.unreached_share.fillna(0) < 1e-12).all()
        w = people[m.from_area].to_numpy() * people[m.to_area].to_numpy()
        return float((w * m.mean_m).sum()) / 2, float(w.sum()) / 2

    before, weight = between(net)
    best = ranking.iloc[[0]]
    after, _ = between(add_links(net, best[["from_node", "to_node", "geometry"]]))
    assert best["gain_m"].iloc[0] > 0
    assert before - after == pytest.approx(best["gain_m"].iloc[0], rel=1e-6)
    assert best["mean_m_reduction"].iloc[0] == pytest.approx((before - after) / weight, rel=1e-6)
    # the railway made permeable brings the areas on its sides closer, never farther
    assert len(per_barrier)
    assert (per_barrier["mean_m_change"] <= 1e-6).all()
    assert (per_barrier["mean_m_change"] < -1).any()

    out = tmp_path / "seg.gpkg"
    res = CliRunner().invoke(
        app,
        [
            "barriers",
            "--network", str(data / "helsinki.osm.pbf"),
            "--barriers", f"{data / 'helsinki.gpkg'}|layername=barriers",
            "--categories", "railway", "--no-effect",
            "--population", f"{data / 'population.gpkg'}|layername=population",
            "--areas", f"{data / 'population.gpkg'}|layername=districts",
            "--groups", "born_sweden,born_abroad", "--threads", "1",
            "--out", str(out), "--quiet",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"barrier_segregation", "candidate_links_segregation"} <= layers
    written = pyogrio.read_dataframe(out, layer="candidate_links_segregation")
    assert written["gain_m"].iloc[0] == pytest.approx(best["gain_m"].iloc[0], rel=1e-9)


def test_population_without_areas_is_refused(tmp_path):
    from typer.testing import CliRunner

    from stadsrum.cli import app
    from stadsrum.workflows import sample_data_dir

    data = sample_data_dir()
    res = CliRunner().invoke(
        app,
        [
            "barriers",
            "--network", str(data / "helsinki.osm.pbf"),
            "--barriers", f"{data / 'helsinki.gpkg'}|layername=barriers",
            "--population", f"{data / 'population.gpkg'}|layername=population",
            "--out", str(tmp_path / "x.gpkg"),
        ],
    )  # fmt: skip
    assert res.exit_code != 0
    assert "need both --population and --areas" in res.output


def test_without_groups_only_the_distances():
    """No groups, no indices: the per-barrier row has mean_m alone (4820/12 → 2600/12)."""
    net, water, pop, areas = city()
    per_barrier, ranking = barrier_segregation(
        net, read_barrier_layer(water, net), pop[["population", "geometry"]], areas, speed=SPEED
    )
    assert not [c for c in per_barrier.columns if c.startswith(("dissimilarity", "information"))]
    assert per_barrier["mean_m_change"].iloc[0] == pytest.approx(-185.0)
    assert ranking["gain_m"].iloc[0] == pytest.approx(2220.0)


def test_too_many_resident_points_is_one_clear_error(monkeypatch):
    import stadsrum.measures.barriers.segregation as seg

    net, water, pop, areas = city()
    monkeypatch.setattr(seg, "MAX_RESIDENT_POINTS", 3)
    with pytest.raises(InputError, match="4 resident points"):
        barrier_segregation(net, read_barrier_layer(water, net), pop, areas, speed=SPEED)

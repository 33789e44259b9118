"""Typed radii (straight, steps, angular) in attraction reach and service areas.

References: PST's Attraction Reach with typed radii (``tests/data/peers/
pst_attractions_typed_*.csv``, provenance in ``tests/data/peers/README.md``),
a brute-force networkx oracle on a seeded grid, and hand derivations.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import InputError, prepare_network, read_network
from stadsrum.measures.accessibility import attraction_accessibility
from stadsrum.measures.proximity import service_areas

PEERS = Path(__file__).parent / "data" / "peers"
TYPED = (
    "straight:150,straight:300,steps:0,steps:1,steps:2,steps:3,angular:60,angular:100,angular:200"
)
# PST's weight functions as ours: decay, constant
DECAYS = {"": ("none", 1.0), "_linear": ("linear", 1.0), "_scurve2": ("curve", 2.0)}
DECAYS["_divide"] = ("divide", 1.0)


@pytest.fixture(scope="module", params=["grid", "irregular"])
def peer(request):
    name = request.param
    net = read_network(PEERS / f"{name}.gpkg", prepare="none")
    att = gpd.read_file(PEERS / f"attractions_{name}.gpkg")
    pst = pd.read_csv(PEERS / f"pst_attractions_typed_{name}.csv")
    assert (net.edges["id"].to_numpy() == pst["id"].to_numpy()).all()
    return name, net, att, pst


def _ours(net, att, decay, constant, value, *, points=False):
    origins = None
    if points:  # PST's point origins: the segments' midpoints (on the segment, link 0)
        mid = net.edges.geometry.interpolate(0.5, normalized=True)
        origins = gpd.GeoDataFrame(geometry=mid.to_numpy(), crs=net.edges.crs)
    return attraction_accessibility(
        net, att, radii=TYPED, decay=decay, decay_constant=constant, value=value, origins=origins
    )


def _pairs(pst, prefix):
    """(our column, PST column, radius label) for every typed PST column."""
    for col in pst.columns:
        if col.startswith(prefix + "reach_"):
            label = col.rsplit("_r", 1)[1]
            yield f"reach_r{label}", col, label


@pytest.mark.parametrize("points", [False, True], ids=["segments", "midpoints"])
@pytest.mark.parametrize("weighted", [False, True], ids=["count", "value"])
@pytest.mark.parametrize("suffix", list(DECAYS))
def test_typed_reach_equals_pst(peer, suffix, weighted, points):
    """Steps, angular (60°, 100°) and straight (point origins) equal PST where it is exact.

    Steps and angular: the least direction changes / degrees from the
    attraction's segment (0 on it) to the origin's; PST's float32 sums, so a
    relative 1e-5. Where our definitions and PST's differ by design, the test
    shows the difference is that alone:

    * ``steps:0`` with ``linear``/``curve``: PST divides 0 steps by a radius of
      0 (NaN); ours weighs the attractions at 0 steps 1. The NaN segments are
      exactly those with an attraction on them.
    * ``angular:200``: counts equal; PST's angle search (one checkpoint per
      junction and direction, first come) misses the least-angle route on some
      two-turn routes (≈180°), so its angles are larger and each decayed
      weight at most ours; the networkx oracle below confirms our angles.
    * ``straight`` with segment origins: PST looks up lines near the
      attraction with a spatial index that misses most of them (its counts at
      300 m are below its counts at 150 m's double); its point origins at the
      midpoints are exact and equal ours.
    """
    _, net, att, pst = peer
    decay, constant = DECAYS[suffix]
    value = "value" if weighted else None
    ours = _ours(net, att, decay, constant, value, points=points)
    kind = "value" if weighted else "count"
    prefix = "mid_" if points else ""
    compared = 0
    for col, pcol, label in _pairs(pst, prefix):
        if not pcol.startswith(f"{prefix}reach_{kind}{suffix}_r"):
            continue
        got = ours[col].to_numpy()
        want = pst[pcol].to_numpy(dtype=float)
        tol = 1e-5 * max(1.0, np.abs(want[np.isfinite(want)]).max(initial=1.0))
        if label.endswith("_straight") and not points:
            continue  # PST's line lookup misses lines (see docstring); checked below
        if label == "0_steps" and suffix in ("_linear", "_scurve2"):
            counts = _ours(net, att, "none", 1.0, value)["reach_r0_steps"].to_numpy()
            assert (np.isnan(want) == (counts > 0)).all()
            np.testing.assert_allclose(got, counts)  # weight 1 at 0 steps
            continue
        if label == "200_angular" and suffix != "":
            assert (got >= want * (1 - 1e-4) - tol).all()  # float32 angles and sums
            continue
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=tol, err_msg=pcol)
        compared += 1
    assert compared >= 5


def test_straight_segment_origins_are_midpoint_distances(peer):
    """``straight:R`` from a segment counts the attractions within R of its midpoint.

    Independent: shapely's point distances; PST's point origins at the same
    midpoints (``mid_reach_count_*_straight``) agree too.
    """
    _, net, att, pst = peer
    ours = attraction_accessibility(net, att, radii="straight:150,straight:300")
    mid = net.edges.geometry.interpolate(0.5, normalized=True).to_numpy()
    d = shapely.distance(mid[:, None], np.asarray(att.geometry.array)[None, :])
    for r in (150, 300):
        np.testing.assert_array_equal(ours[f"reach_r{r}_straight"], (d <= r).sum(1))
        np.testing.assert_array_equal(
            ours[f"reach_r{r}_straight"], pst[f"mid_reach_count_r{r}_straight"]
        )


# --- networkx oracle on a seeded grid ---------------------------------------------------


def _seeded_grid(seed=11, n=7, spacing=80.0):
    rng = np.random.default_rng(seed)
    xy = {
        (i, j): (i * spacing + rng.uniform(-8, 8), j * spacing + rng.uniform(-8, 8))
        for i in range(n)
        for j in range(n)
    }
    lines = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                k = (i + di, j + dj)
                if k in xy and rng.random() > 0.15:
                    lines.append([xy[(i, j)], xy[k]])
    pts = []
    for _ in range(25):
        line = lines[rng.integers(len(lines))]
        t = rng.uniform(0.25, 0.75)
        (x1, y1), (x2, y2) = line
        nx_, ny_ = -(y2 - y1), x2 - x1
        norm = math.hypot(nx_, ny_)
        off = rng.uniform(2, 10) * rng.choice([-1, 1])
        pts.append((x1 + t * (x2 - x1) + off * nx_ / norm, y1 + t * (y2 - y1) + off * ny_ / norm))
    values = np.round(rng.uniform(1, 4, len(pts)), 1)
    return lines, pts, values


def _oracle(lines, att_segments):
    """Least steps and degrees from each attraction's segment to every segment (networkx).

    Steps: breadth-first depth in the graph of segments sharing an end point.
    Angular: Dijkstra over (segment, end it heads for), a move at junction J
    from e onto f costing the deflection between e's direction into J and
    f's out of it; both directions of the start segment at 0.
    """
    ends = [tuple(map(tuple, np.round(line, 9))) for line in lines]
    adj = nx.Graph()
    adj.add_nodes_from(range(len(lines)))
    at_junction: dict[tuple, list[int]] = {}
    for e, (a, b) in enumerate(ends):
        at_junction.setdefault(a, []).append(e)
        at_junction.setdefault(b, []).append(e)
    for segs in at_junction.values():
        for i in segs:
            for j in segs:
                if i < j:
                    adj.add_edge(i, j)
    states = nx.DiGraph()
    for e, (a, b) in enumerate(ends):
        for head, tail in ((b, a), (a, b)):
            din = np.subtract(head, tail)
            for f in at_junction[head]:
                if f == e:
                    continue
                fa, fb = ends[f]
                far = fb if fa == head else fa
                dout = np.subtract(far, head)
                cos = din @ dout / (np.linalg.norm(din) * np.linalg.norm(dout))
                states.add_edge(
                    (e, head), (f, far), weight=math.degrees(math.acos(np.clip(cos, -1, 1)))
                )
    steps, angles = [], []
    for s in att_segments:
        depth = nx.single_source_shortest_path_length(adj, s)
        steps.append(np.array([depth.get(g, np.inf) for g in range(len(lines))], dtype=float))
        a, b = ends[s]
        dist = nx.multi_source_dijkstra_path_length(states, {(s, a), (s, b)})
        best = np.full(len(lines), np.inf)
        for (g, _), d in dist.items():
            best[g] = min(best[g], d)
        angles.append(best)
    return np.array(steps), np.array(angles)


def test_typed_reach_equals_networkx_oracle():
    """Steps, angular and straight reach, linear decay and values, on a seeded grid.

    Each attraction joins its nearest segment (found here with shapely); the
    oracle sums value × (1 − d/R) over the attractions within R, d in the
    radius's own units.
    """
    lines, pts, values = _seeded_grid()
    gdf = gpd.GeoDataFrame(
        {"id": range(len(lines))},
        geometry=[shapely.LineString(line) for line in lines],
        crs="EPSG:3006",
    )
    net = prepare_network(gdf, prepare="none")
    att = gpd.GeoDataFrame(
        {"value": values}, geometry=[shapely.Point(p) for p in pts], crs="EPSG:3006"
    )
    radii = "straight:120,steps:1,steps:3,angular:45,angular:150"
    ours = attraction_accessibility(net, att, radii=radii, decay="linear", value="value")
    order = net.edges["id"].to_numpy()
    geoms = np.asarray(gdf.geometry.array)
    nearest = [int(np.argmin(shapely.distance(geoms, shapely.Point(p)))) for p in pts]
    steps, angles = _oracle(lines, nearest)
    mid = shapely.get_coordinates(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    straight = np.hypot(
        mid[None, :, 0] - np.array(pts)[:, :1], mid[None, :, 1] - np.array(pts)[:, 1:]
    )
    for label, d, r in [
        ("120_straight", straight, 120),
        ("1_steps", steps, 1),
        ("3_steps", steps, 3),
        ("45_angular", angles, 45),
        ("150_angular", angles, 150),
    ]:
        inside = d <= r + 1e-9 * (1 + r)
        w = np.where(inside, values[:, None] * (1 - np.where(inside, d, 0) / r), 0).sum(0)
        np.testing.assert_allclose(ours[f"reach_r{label}"].to_numpy(), w[order], atol=1e-9)
    assert (ours["reach_r3_steps"] > 0).mean() > 0.5  # the oracle is not vacuous


# --- hand-made T -------------------------------------------------------------------------


def _t_network():
    r"""A street of three 100 m segments 0, 1, 2 along y = 0 (x 0–300) and a 100 m arm 3
    north from x = 100::

              3
              |
        0-----+-----1-----2
       x=0   100   200   300
    """
    return prepare_network(
        make_lines(
            [[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(200, 0), (300, 0)], [(100, 0), (100, 100)]]
        ),
        prepare="none",
    )


def _points(xy, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:3006"
    )


def test_typed_reach_by_hand():
    """One attraction P at (250, −10), joining segment 2.

    Steps from 2: segment 2 → 0, 1 → 1 (at x = 200), 0 and 3 → 2 (at x = 100).
    Degrees: 1 and 0 straight on → 0°, 3 → 90°.
    Straight from P to the midpoints (50, 0), (150, 0), (250, 0), (100, 50):
    200.25, 100.50, 10, 161.55 m. So ``steps:1`` reaches 1, 2; ``angular:45``
    0, 1, 2; ``angular:90`` (inclusive) all; ``straight:150`` 1, 2, and under
    linear decay segment 1 weighs 1 − 100.499/150 = 0.33001.
    """
    net = _t_network()
    att = _points([(250, -10)])
    r = attraction_accessibility(net, att, radii="steps:1,angular:45,angular:90,straight:150")
    assert list(r["reach_r1_steps"]) == [0, 1, 1, 0]
    assert list(r["reach_r45_angular"]) == [1, 1, 1, 0]
    assert list(r["reach_r90_angular"]) == [1, 1, 1, 1]
    assert list(r["reach_r150_straight"]) == [0, 1, 1, 0]
    lin = attraction_accessibility(net, att, radii="straight:150", decay="linear")
    assert lin["reach_r150_straight"][1] == pytest.approx(1 - math.hypot(100, 10) / 150)
    assert lin["reach_r150_straight"][2] == pytest.approx(1 - 10 / 150)
    # the nearest columns keep the walking meaning (no walking radius: no bound)
    # segment 0's midpoint to P: 50 to x = 100, 100 along segment 1, 50 to x = 250, 10 off
    assert r["nearest_m"][0] == pytest.approx(50 + 100 + 50 + 10)


def test_point_group_counts_once_at_its_nearest_member():
    """A group of two points, P (250, −10) on segment 2 and Q (50, 10) on segment 0,
    value 3: ``steps:0`` gives 3 on segments 0 and 2; ``steps:1`` reaches segment 1
    from both members but counts the group once (3, not 6), and segment 3 from Q
    (one step at x = 100)."""
    net = _t_network()
    att = _points([(250, -10), (50, 10)], building="b", value=[3.0, 3.0])
    r = attraction_accessibility(
        net, att, radii="steps:0,steps:1,straight:60", value="value", attraction_group="building"
    )
    assert list(r["reach_r0_steps"]) == [3, 0, 3, 0]
    assert list(r["reach_r1_steps"]) == [3, 3, 3, 3]
    # straight: Q to (50, 0) is 10 m, P to (250, 0) 10 m, Q to (100, 50) 64 m > 60
    assert list(r["reach_r60_straight"]) == [3, 0, 3, 0]


def test_point_origins_take_their_nearest_access_point():
    """Origins as points: O at (150, 5) joins segment 1; from P (segment 2) it is
    1 step and 0°; O's straight distance to P is hypot(100, 15) = 101.1 m."""
    net = _t_network()
    att = _points([(250, -10)])
    origins = _points([(150, 5), (100, 60)])
    r = attraction_accessibility(
        net, att, radii="steps:0,steps:1,angular:10,straight:101,straight:102", origins=origins
    )
    assert list(r["reach_r0_steps"]) == [0, 0]
    assert list(r["reach_r1_steps"]) == [1, 0]  # the second joins arm 3: 2 steps
    assert list(r["reach_r10_angular"]) == [1, 0]
    assert list(r["reach_r101_straight"]) == [0, 0]
    assert list(r["reach_r102_straight"]) == [1, 0]


def test_walking_columns_unchanged_by_typed_radii(peer):
    """Adding typed radii leaves the walking columns exactly as before."""
    _, net, att, _ = peer
    plain = attraction_accessibility(net, att, radii="300,n", decay="linear", cost="metric,angular")
    mixed = attraction_accessibility(
        net, att, radii="300,n,steps:2,straight:300", decay="linear", cost="metric,angular"
    )
    pd.testing.assert_frame_equal(plain, mixed[plain.columns])
    assert set(mixed.columns) - set(plain.columns) == {"reach_r300_straight", "reach_r2_steps"}


def test_bad_typed_radius_is_one_clear_error():
    net = _t_network()
    with pytest.raises(InputError, match="steps"):
        attraction_accessibility(net, _points([(250, -10)]), radii="steps:1.5")


# --- service areas within typed radii ------------------------------------------------------


def test_service_areas_within_typed_radii_by_hand():
    """Place P at (250, −10) joins segment 2 at x = 250, 10 m off.

    ``steps:1``: segments 1, 2 whole (200 m); ``steps:2``: all four (400 m);
    ``angular:45``: 0, 1, 2 (300 m; the arm turns 90°). ``straight:60``: the
    circle of 60 m round P cuts y = 0 at x = 250 ± √(60² − 10²) = 250 ± 59.16,
    so the street from 190.84 to its end at 300: 109.16 m. Walking ``100``:
    10 m to the street, then 90 m west (to x = 160) and 50 m east to the end: 140 m.
    """
    net = _t_network()
    places = _points([(250, -10)], place_id=["p"])
    areas, lines = service_areas(
        net,
        places,
        thresholds=[1],
        radii="100,straight:60,steps:1,steps:2,angular:45",
        polygons="centroid",
    )
    got = dict(zip(lines["radius"].fillna("1 min"), lines["length_m"], strict=True))
    assert got["steps:1"] == pytest.approx(200)
    assert got["steps:2"] == pytest.approx(400)
    assert got["angular:45"] == pytest.approx(300)
    assert got["straight:60"] == pytest.approx(50 + math.sqrt(60**2 - 10**2), abs=1e-6)
    assert got["100"] == pytest.approx(90 + 50)
    # the minutes' row: 1 min at 1.3 m/s = 78 m, 68 m along the street each way
    assert got["1 min"] == pytest.approx(68 + 50)
    assert lines.loc[lines["radius"].isna(), "threshold_min"].tolist() == [1.0]
    assert lines.loc[lines["radius"].notna(), "threshold_min"].isna().all()
    assert list(areas.columns) == ["place_id", "threshold_min", "radius", "area_m2", "geometry"]
    assert (areas["area_m2"] > 0).all()


def test_service_areas_without_radii_are_unchanged(peer):
    """No ``radii``: the same columns and rows as before; with radii the minutes' rows
    are the same too."""
    _, net, att, _ = peer
    places = att.iloc[:4].assign(place_id=range(4))
    _, l0 = service_areas(net, places, thresholds=[3, 6], polygons="centroid")
    assert list(l0.columns) == ["place_id", "threshold_min", "length_m", "geometry"]
    _, l1 = service_areas(net, places, thresholds=[3, 6], polygons="centroid", radii="steps:2")
    minutes = l1[l1["radius"].isna()].drop(columns="radius").reset_index(drop=True)
    pd.testing.assert_frame_equal(minutes, l0)
    assert (l1["radius"] == "steps:2").sum() == 4


# --- the command line ------------------------------------------------------------------------


def _run(args, capsys):
    from stadsrum.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code, capsys.readouterr().err


def test_accessibility_command_writes_typed_reach(tmp_path, capsys):
    """``stadsrum accessibility --radii 300,steps:2,straight:300 --step-threshold``: the
    file holds what the function gives (a threshold above every grid turn, ~90°,
    makes every move free: all attractions within 0 steps of everything connected)."""
    out = tmp_path / "acc.gpkg"
    att = PEERS / "attractions_grid.gpkg"
    base = ["accessibility", str(PEERS / "grid.gpkg"), "--attractions", str(att)]
    base += ["--prepare", "none", "-q", "--radii", "300,steps:2,straight:300"]
    code, err = _run([*base, "--out", str(out), "--step-threshold", "120"], capsys)
    assert code == 0, err
    res = gpd.read_file(out, layer="accessibility")
    assert (res["reach_r2_steps"] == 32).all()
    net = read_network(PEERS / "grid.gpkg", prepare="none")
    want = attraction_accessibility(net, gpd.read_file(att), radii="300,steps:2,straight:300")
    code, err = _run([*base, "--out", str(tmp_path / "b.gpkg")], capsys)
    assert code == 0, err
    res = gpd.read_file(tmp_path / "b.gpkg", layer="accessibility")
    for col in ("reach_r300", "reach_r2_steps", "reach_r300_straight"):
        np.testing.assert_array_equal(res[col], want[col])


def test_distances_command_service_radii(tmp_path, capsys):
    out = tmp_path / "d.gpkg"
    att = str(PEERS / "attractions_grid.gpkg")
    args = ["distances", "--network", str(PEERS / "grid.gpkg"), "--places", att, "--nodes", att]
    args += ["--place-id", "attraction_id", "--node-id", "attraction_id", "--prepare", "none"]
    args += ["--thresholds", "5", "-q"]
    code, err = _run([*args, "--service-radii", "steps:1,straight:200", "--out", str(out)], capsys)
    assert code == 0, err
    lines = gpd.read_file(out, layer="service_area_lines")
    assert lines["radius"].value_counts().to_dict() == {"steps:1": 32, "straight:200": 32}
    assert (lines.loc[lines["radius"].isna(), "threshold_min"] == 5).all()
    bad = tmp_path / "bad.gpkg"
    code, err = _run([*args, "--service-radii", "steps:1.5", "--out", str(bad)], capsys)
    assert code != 0
    assert err.startswith("error:")
    assert "steps:1.5" in err
    assert not bad.exists()


def test_straight_service_area_equals_a_fine_circle_clip(peer):
    """``straight:R`` lines: the network clipped by the circles round the place's points
    (a two-point group here), measured against shapely's clip by a 2048-gon circle
    (within its 1e-6 relative error)."""
    _, net, att, _ = peer
    places = att.iloc[[0, 1, 5, 6]].assign(group=["a", "a", "b", "c"])
    _, lines = service_areas(
        net, places, place_id="group", place_group="group", thresholds=[1], radii="straight:180"
    )
    got = lines[lines["radius"] == "straight:180"].set_index("place_id")["length_m"]
    streets = shapely.union_all(np.asarray(net.edges.geometry.array))
    for gid, members in places.groupby("group"):
        circle = shapely.union_all(
            shapely.buffer(np.asarray(members.geometry.array), 180, quad_segs=512)
        )
        want = shapely.intersection(streets, circle).length
        assert got[gid] == pytest.approx(want, rel=1e-5)


def test_straight_service_area_cuts_a_bent_street_per_piece():
    """One street bending at (100, 0): (0, 0)–(100, 0)–(100, 100); P at (100, −10), R = 50.
    First piece: within 50 m where (x − 100)² + 10² ≤ 50², x ≥ 100 − √2400 = 51.01 (48.99 m);
    second: y + 10 ≤ 50, y ≤ 40 (40 m). Together 88.99 m."""
    net = prepare_network(make_lines([[(0, 0), (100, 0), (100, 100)]]), prepare="none")
    _, lines = service_areas(
        net, _points([(100, -10)], place_id=["p"]), thresholds=[1], radii="straight:50"
    )
    got = lines.loc[lines["radius"] == "straight:50", "length_m"].item()
    assert got == pytest.approx(math.sqrt(2400) + 40)

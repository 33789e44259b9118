"""Attraction and OD betweenness: hand-derived networks and a brute-force networkx oracle.

Every expected value is derived in the docstrings from the drawn geometry, or
computed by networkx (all shortest paths, each route an equal share, as
``choice`` splits them) on a graph built from the network's own lines, never
from the output under test.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import CancelledError, InputError, Progress, prepare_network, read_network
from stadsrum.measures.betweenness import betweenness


def pts(coords, **cols):
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3006")


def seg_at(net, x, y):
    """The segment passing through local point (x, y)."""
    d = net.edges.geometry.distance(shapely.Point(X0 + x, Y0 + y)).to_numpy()
    assert d.min() < 1e-6
    return int(np.argmin(d))


def _ring():
    """A 100 m square ring A(0,0) B(100,0) C(100,100) D(0,100) with stubs.

    West stub (-50,0)-A, east stub C-(150,100). B and D have two streets each,
    so the ring is two 200 m segments A-B-C and A-D-C of equal length and equal
    turning (one 90° turn inside each, none counted at B, D as they are no
    junctions; the turn at A and at C is 90° either way).
    """
    return prepare_network(
        make_lines(
            [
                [(0, 0), (100, 0), (100, 100)],
                [(0, 0), (0, 100), (100, 100)],
                [(-50, 0), (0, 0)],
                [(100, 100), (150, 100)],
            ]
        )
    )


@pytest.mark.parametrize("cost", ["metric", "angular", "steps"])
def test_two_equal_routes_split_half_and_half(cost):
    """Origin O (-25, 5), weight 3, links 5 m to the west stub; destination (125, 105),
    weight 2, links 5 m to the east stub.

    OD (all): O's weight 3 is shared over its one destination: 3·2/2 = 3 trips.
    Both stubs are walked by every route: 3 each. The two ring halves are
    equal routes (200 m, and the same turns), so each carries 3/2 = 1.5.
    Attraction betweenness sends W·w = 3·2 = 6: stubs 6, halves 3.
    """
    net = _ring()
    o = pts([(-25, 5)], w=[3])
    d = pts([(125, 105)], w=[2])
    west, east = seg_at(net, -25, 0), seg_at(net, 125, 100)
    south, north = seg_at(net, 50, 0), seg_at(net, 0, 50)
    od = betweenness(net, o, d, origin_weight="w", destination_weight="w", cost=cost, threads=1)
    col = od[f"od_betweenness_{cost}_rn"].to_numpy()
    assert col[[west, east, south, north]] == pytest.approx([3, 3, 1.5, 1.5])
    att = betweenness(
        net, o, attractions=d, origin_weight="w", destination_weight="w", cost=cost, threads=2
    )
    col = att[f"attraction_betweenness_{cost}_rn"].to_numpy()
    assert col[[west, east, south, north]] == pytest.approx([6, 6, 3, 3])


def _line():
    """Main street y=0 from x=0 to x=300, crossed at x=150 by a street x=150, y -50..50.

    Segments: west [0,150] (W), east [150,300] (E), and the two halves of the
    cross street. Origin O at (100, 5), weight 4 (link 5 m, on W at 100 m).
    d1 at (50, 5), weight 1: route 5 + 50 + 5 = 60 m, walks W only.
    d2 at (250, 5), weight 3: route 5 + 150 + 5 = 160 m, walks W and E.
    """
    net = prepare_network(make_lines([[(0, 0), (150, 0), (300, 0)], [(150, -50), (150, 50)]]))
    o = pts([(100, 5)], w=[4])
    d = pts([(50, 5), (250, 5)], w=[1, 3])
    return net, o, d, seg_at(net, 75, 0), seg_at(net, 225, 0)


def test_all_closest_and_attraction_on_a_line():
    """All: d1 gets 4·1/(1+3) = 1, d2 gets 4·3/4 = 3; W carries both (4), E d2's 3.
    Closest: d1 (60 m < 160 m) gets all 4: W 4, E 0.
    Attraction: d1 gets 4·1 = 4, d2 4·3 = 12: W 16, E 12.
    The cross street carries nothing in every mode.
    """
    net, o, d, w, e = _line()
    kw = {"origin_weight": "w", "destination_weight": "w", "threads": 1}
    cross = [i for i in range(len(net.edges)) if i not in (w, e)]
    all_ = betweenness(net, o, d, **kw)["od_betweenness_metric_rn"].to_numpy()
    assert all_[[w, e]] == pytest.approx([4, 3])
    closest = betweenness(net, o, d, mode="closest", **kw)["od_betweenness_metric_rn"]
    assert closest.to_numpy()[[w, e]] == pytest.approx([4, 0])
    att = betweenness(net, o, attractions=d, **kw)["attraction_betweenness_metric_rn"]
    assert att.to_numpy()[[w, e]] == pytest.approx([16, 12])
    for col in (all_, closest.to_numpy(), att.to_numpy()):
        assert np.all(col[cross] == 0)


def test_closest_finds_every_tie_before_it_stops():
    """Closest mode stops its search early, yet finds an equally close destination
    that lies just past the start of a long segment.

    Street y=0 from x=-20 to x=3000, junctions (cross streets x=0 and x=1000,
    y -50..50) split it into S0 [-20, 0], S1 [0, 1000], S2 [1000, 3000].
    Origin O at (500, 5), weight 4 (link 5 m). d1 at (-10, 5), weight 1:
    5 + 510 + 5 = 520 m. d2 at (1010, 5), weight 3: 5 + 510 + 5 = 520 m, an
    exact tie, but its segment S2 is 2000 m long, so the search reaches S2's
    far end at 2505 m, far past 520. d3 at (2500, 5), 2010 m: not closest.
    The tie shares O's 4 in proportion to the weights: d1 1, d2 3. S0 carries
    1, S1 both (4), S2 d2's 3, the cross streets nothing.
    """
    net = prepare_network(
        make_lines(
            [
                [(-20, 0), (0, 0), (1000, 0), (3000, 0)],
                [(0, -50), (0, 50)],
                [(1000, -50), (1000, 50)],
            ]
        )
    )
    o = pts([(500, 5)], w=[4])
    d = pts([(-10, 5), (1010, 5), (2500, 5)], w=[1, 3, 2])
    s0, s1, s2 = seg_at(net, -10, 0), seg_at(net, 500, 0), seg_at(net, 2000, 0)
    out = betweenness(net, o, d, origin_weight="w", destination_weight="w", mode="closest")
    col = out["od_betweenness_metric_rn"].to_numpy()
    assert col[[s0, s1, s2]] == pytest.approx([1, 4, 3])
    assert col.sum() == pytest.approx(8)  # nothing on the cross streets


def test_angular_equal_routes_on_a_grid_share_equally():
    """Angular cost on a 3 × 3 block grid (junctions x, y = 0..300 every 100 m):
    a west stub (-50..0, y=0) holds the origin, an east stub (300..350, y=300)
    the destination, both 5 m off their stubs. Spurs make the NW and SE corners
    junctions. The least turning is 180° (left 90°, right 90°): east along the
    bottom row to column k = 0..3, north to the top row, east into the stub;
    four routes, each a quarter of the trip (weight 1). Any other route turns
    more. Bottom row segments (x 0-100, 100-200, 200-300) carry the routes with
    k above them: 3/4, 1/2, 1/4; the top row those with k at or below: 1/4,
    1/2, 3/4; each vertical segment of column k its route's 1/4; the middle rows
    nothing. Every top-row state is queued at 180° before any is taken, each
    reached both from its column and straight on from its western neighbour
    (one more route each time), so the heap's order among these equal costs is
    not an order of the routes.
    """
    lines = [[(-50, 0), (0, 0)], [(300, 300), (350, 300)]]
    lines += [[(0, 300), (-20, 300)], [(300, 0), (300, -20)]]  # spurs
    for i in range(3):
        for j in range(4):
            lines.append([(100 * i, 100 * j), (100 * i + 100, 100 * j)])  # rows
            lines.append([(100 * j, 100 * i), (100 * j, 100 * i + 100)])  # columns
    net = prepare_network(make_lines(lines))
    o, d = pts([(-25, 5)]), pts([(325, 305)])
    col = betweenness(net, o, d, cost="angular")["od_betweenness_angular_rn"].to_numpy()
    bottom = [seg_at(net, 100 * i + 50, 0) for i in range(3)]
    top = [seg_at(net, 100 * i + 50, 300) for i in range(3)]
    middle = [seg_at(net, 100 * i + 50, y) for i in range(3) for y in (100, 200)]
    assert col[bottom] == pytest.approx([0.75, 0.5, 0.25])
    assert col[top] == pytest.approx([0.25, 0.5, 0.75])
    for k in range(4):
        assert col[[seg_at(net, 100 * k, 100 * j + 50) for j in range(3)]] == pytest.approx(
            [0.25] * 3
        )
    assert col[middle] == pytest.approx([0] * 6)
    assert col[[seg_at(net, -25, 0), seg_at(net, 325, 300)]] == pytest.approx([1, 1])


def test_unweighted_and_zero_weights():
    """Without weight columns every weight is 1: all mode gives d1 and d2 1/2 each
    (W 1, E 0.5). A destination of weight 0 is no destination: with d1 at 0,
    d2 takes the whole origin weight 4 (W 4, E 4)."""
    net, o, d, w, e = _line()
    plain = betweenness(net, o, d, threads=1)["od_betweenness_metric_rn"].to_numpy()
    assert plain[[w, e]] == pytest.approx([1, 0.5])
    d0 = d.assign(w=[0, 3])
    col = betweenness(net, o, d0, origin_weight="w", destination_weight="w", threads=1)
    assert col["od_betweenness_metric_rn"].to_numpy()[[w, e]] == pytest.approx([4, 4])


def test_radius_limits_routes_links_included():
    """Routes are 60 m (d1) and 160 m (d2), links included.

    r100: only d1 is reachable and takes all 4 (W 4, E 0); r60 still reaches
    d1 (inclusive); r59: nothing (all 0); r160 both (W 4, E 3, as without a
    radius).
    """
    net, o, d, w, e = _line()
    out = betweenness(
        net, o, d, origin_weight="w", destination_weight="w", radii="59,60,100,160", threads=1
    )
    got = {r: out[f"od_betweenness_metric_r{r}"].to_numpy()[[w, e]] for r in (59, 60, 100, 160)}
    assert got[59] == pytest.approx([0, 0])
    assert got[60] == pytest.approx([4, 0])
    assert got[100] == pytest.approx([4, 0])
    assert got[160] == pytest.approx([4, 3])


def test_attractions_as_their_own_origins_count_each_pair_once():
    """Without origins the attractions route to each other, each pair once:
    d1 (w 1) and d2 (w 3) are one pair of weight 1·3 = 3, its route walks W
    (from 50 m to its east end) and E: W 3, E 3, the cross street 0."""
    net, _, d, w, e = _line()
    out = betweenness(net, attractions=d, destination_weight="w", threads=1)
    assert out["attraction_betweenness_metric_rn"].to_numpy()[[w, e]] == pytest.approx([3, 3])


def test_steps_prefer_fewer_turns_than_metres():
    """An L-route and a staircase between the same two stubs.

    Origin on the west stub (-50..0, y=0), destination on the north stub
    (200, 200..250). Route L: east along y=0 to (200,0), north to (200,200):
    400 m, 1 turn between streets. Staircase: (0,0)-(0,100)-(100,100)-
    (100,200)-(200,200): 400 m as well but 4 segment changes. Metric: equal
    routes, half each. Steps (every change of segment): L has 3 moves (stub,
    south street, east street, north stub), the staircase 5: the L takes all.
    Angular: the L turns 90° once (the stub runs straight on into the south
    street, the east street into the north stub); the staircase turns 90° five
    times (450°): the L takes all again.
    """
    lines = [
        [(-50, 0), (0, 0)],
        [(0, 0), (200, 0)],
        [(200, 0), (200, 200)],
        [(0, 0), (0, 100)],
        [(0, 100), (100, 100)],
        [(100, 100), (100, 200)],
        [(100, 200), (200, 200)],
        [(200, 200), (200, 250)],
        # spurs make the staircase corners junctions (separate segments)
        [(0, 100), (-20, 100)],
        [(100, 100), (100, 80)],
        [(100, 200), (80, 200)],
    ]
    net = prepare_network(make_lines(lines))
    o, d = pts([(-25, 5)]), pts([(205, 225)])
    south, east = seg_at(net, 100, 0), seg_at(net, 200, 100)
    stair = [seg_at(net, 0, 50), seg_at(net, 50, 100), seg_at(net, 100, 150), seg_at(net, 150, 200)]
    out = betweenness(net, o, d, cost="metric,steps,angular", threads=1)
    m = out["od_betweenness_metric_rn"].to_numpy()
    s = out["od_betweenness_steps_rn"].to_numpy()
    assert m[[south, east, *stair]] == pytest.approx([0.5] * 6)
    assert s[[south, east, *stair]] == pytest.approx([1, 1, 0, 0, 0, 0])
    a = out["od_betweenness_angular_rn"].to_numpy()
    assert a[[south, east, *stair]] == pytest.approx([1, 1, 0, 0, 0, 0])


def _random_network(seed):
    """A 5×5 grid of 100 m blocks with a seeded third of its streets removed
    (integer lengths: many exact ties), kept connected."""
    rng = np.random.default_rng(seed)
    nodes = list(itertools.product(range(5), range(5)))
    edges = [((x, y), (x + 1, y)) for x, y in nodes if x < 4]
    edges += [((x, y), (x, y + 1)) for x, y in nodes if y < 4]
    while True:
        keep = [e for e in edges if rng.random() > 0.3]
        g = nx.Graph(keep)
        if len(g) == 25 and nx.is_connected(g):
            break
    lines = [[(a[0] * 100, a[1] * 100), (b[0] * 100, b[1] * 100)] for a, b in keep]
    return prepare_network(make_lines(lines)), rng


def _oracle(net, origins, dests, w_o, w_d, radius, mode, attraction):
    """Route every origin to its destinations with networkx; split equal routes equally.

    Points are on streets (link 0) at known positions: each is spliced into its
    street as a node, and the street's pieces remember the street.
    """
    geoms = net.edges.geometry.to_numpy()
    g = nx.Graph()
    on_edge: dict[int, list[tuple[float, object]]] = {}
    points = [(("o", i), p) for i, p in enumerate(origins.geometry)]
    points += [(("d", j), p) for j, p in enumerate(dests.geometry)]
    for key, p in points:
        e = int(np.argmin([geom.distance(p) for geom in geoms]))
        on_edge.setdefault(e, []).append((geoms[e].project(p), key))
    for e, geom in enumerate(geoms):
        chain = [(0.0, ("j", int(net.u[e])))]
        chain += sorted(on_edge.get(e, []))
        chain += [(geom.length, ("j", int(net.v[e])))]
        for (pa, a), (pb, b) in itertools.pairwise(chain):
            g.add_edge(a, b, weight=pb - pa, seg=e)
    out = np.zeros(len(geoms))
    for i in range(len(origins)):
        dist = nx.single_source_dijkstra_path_length(g, ("o", i), weight="weight")
        reach = [j for j in range(len(dests)) if dist.get(("d", j), np.inf) <= radius + 1e-9]
        reach = [j for j in reach if w_d[j] > 0]
        if not reach:
            continue
        if mode == "closest":
            best = min(dist[("d", j)] for j in reach)
            reach = [j for j in reach if dist[("d", j)] <= best + 1e-9]
        total = sum(w_d[j] for j in reach)
        for j in reach:
            flow = w_o[i] * w_d[j] * (1.0 if attraction else 1.0 / total)
            paths = list(nx.all_shortest_paths(g, ("o", i), ("d", j), weight="weight"))
            for path in paths:
                segs = {g.edges[a, b]["seg"] for a, b in itertools.pairwise(path)}
                for s in segs:
                    out[s] += flow / len(paths)
    return out


def _points_on_streets(net, rng, n):
    """``n`` points on random streets, 20–80 % along (on the line: link 0)."""
    geoms = net.edges.geometry.to_numpy()
    edges = rng.integers(0, len(geoms), n)
    fr = rng.uniform(0.2, 0.8, n)
    pts_ = [geoms[e].interpolate(f, normalized=True) for e, f in zip(edges, fr, strict=True)]
    return gpd.GeoDataFrame(
        {"w": rng.integers(0, 5, n).astype(float)}, geometry=pts_, crs="EPSG:3006"
    )


@pytest.mark.parametrize("seed", [1, 7])
@pytest.mark.parametrize("kind", ["all", "closest", "attraction"])
def test_matches_networkx_on_a_random_grid(seed, kind):
    net, rng = _random_network(seed)
    o = _points_on_streets(net, rng, 12)
    d = _points_on_streets(net, rng, 8)
    radii = [350.0, np.inf]
    if kind == "attraction":
        got = betweenness(
            net,
            o,
            attractions=d,
            origin_weight="w",
            destination_weight="w",
            radii=radii,
            threads=2,
        )
    else:
        got = betweenness(
            net,
            o,
            d,
            origin_weight="w",
            destination_weight="w",
            radii=radii,
            mode=kind,
            threads=2,
        )
    stem = "attraction" if kind == "attraction" else "od"
    for r, label in zip(radii, ["350", "n"], strict=True):
        want = _oracle(
            net,
            o,
            d,
            o["w"].to_numpy(),
            d["w"].to_numpy(),
            r,
            "closest" if kind == "closest" else "all",
            kind == "attraction",
        )
        assert want.sum() > 0
        np.testing.assert_allclose(
            got[f"{stem}_betweenness_metric_r{label}"].to_numpy(), want, rtol=1e-9, atol=1e-9
        )


def test_bad_input_is_one_clear_error():
    net, o, d, _, _ = _line()
    with pytest.raises(InputError, match="either destinations"):
        betweenness(net, o)
    with pytest.raises(InputError, match="no column 'pop'"):
        betweenness(net, o, d, origin_weight="pop")
    with pytest.raises(InputError, match="negative weights"):
        betweenness(net, o.assign(w=[-1]), d, origin_weight="w")
    with pytest.raises(InputError, match="not supported"):
        betweenness(net, o, d, cost="time")
    with pytest.raises(InputError, match="closest is for OD"):
        betweenness(net, o, attractions=d, mode="closest")


# --- PST's OD betweenness (tests/data/peers/README.md) ----------------------------------------

PEERS = Path(__file__).parent / "data" / "peers"


@pytest.mark.parametrize("name", ["grid", "irregular"])
def test_od_betweenness_equals_pst(name):
    """PST's OD Betweenness (walking: both modes, 600 m and no radius; angular: no radius).

    Angular with a walking radius differs by design (README: PST keeps any route
    within the radius, ours the least-angle route's metres) and is not compared.
    """
    net = read_network(PEERS / f"{name}.gpkg", prepare="none")
    att = gpd.read_file(PEERS / f"attractions_{name}.gpkg")
    n_o = len(att) * 2 // 3
    pst = pd.read_csv(PEERS / f"pst_odbetweenness_{name}.csv")
    assert (pst["id"].to_numpy() == np.arange(len(net.edges))).all()
    kw = {"origin_weight": "value", "destination_weight": "value", "threads": 2}
    for mode in ("all", "closest"):
        ours = betweenness(
            net,
            att.iloc[:n_o],
            att.iloc[n_o:],
            radii="600,n",
            cost="metric,angular",
            mode=mode,
            **kw,
        )
        pairs = [("metric_r600", "walking", "r600"), ("metric_rn", "walking", "rn")]
        pairs.append(("angular_rn", "angular", "rn"))
        for col, dist, r in pairs:
            want = pst[f"od_{dist}_{mode}_{r}"].to_numpy()
            assert want.sum() > 0
            got = ours[f"od_betweenness_{col}"].to_numpy()
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-5, err_msg=f"{mode} {col}")


def test_cancel_stops_between_origins():
    """A cancel request stops the run after the origins in hand (12 origins, 1 thread:
    one origin per kernel call)."""
    net, _ = _random_network(3)
    rng = np.random.default_rng(3)
    o, d = _points_on_streets(net, rng, 12), _points_on_streets(net, rng, 4)
    progress = Progress()
    seen = []

    def update(label, done, total):
        seen.append(done)
        if done >= 3:
            progress.cancel()

    progress._on_update = update
    with pytest.raises(CancelledError):
        betweenness(net, o, d, threads=1, progress=progress)
    assert max(seen) < 12


def test_cli_writes_a_styled_layer(tmp_path):
    """`stadsrum betweenness` writes the layer betweenness with its style and the
    numbers of :func:`test_all_closest_and_attraction_on_a_line` (closest: W 4, E 0)."""
    from typer.testing import CliRunner

    from stadsrum.cli import app

    net, o, d, w, e = _line()
    net.edges.to_file(tmp_path / "net.gpkg")
    o.to_file(tmp_path / "o.gpkg")
    d.to_file(tmp_path / "d.gpkg")
    out = tmp_path / "out.gpkg"
    args = ["betweenness", str(tmp_path / "net.gpkg"), "--origins", str(tmp_path / "o.gpkg")]
    args += ["--destinations", str(tmp_path / "d.gpkg"), "--origin-weight", "w"]
    args += ["--destination-weight", "w", "--destinations-mode", "closest", "--radii", "100,n"]
    result = CliRunner().invoke(app, [*args, "--prepare", "none", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    layer = gpd.read_file(out, layer="betweenness")
    for col in ("od_betweenness_metric_r100", "od_betweenness_metric_rn"):
        assert layer[col].to_numpy()[[w, e]] == pytest.approx([4, 0])
    with sqlite3.connect(out) as con:
        styled = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
    assert "betweenness" in styled
    both = [*args[:4], "--attractions", str(tmp_path / "d.gpkg"), "--out", str(tmp_path / "x.gpkg")]
    result = CliRunner().invoke(
        app, [*both[:4], "--destinations", str(tmp_path / "d.gpkg"), *both[4:]]
    )
    assert result.exit_code != 0
    assert "either --destinations" in result.output

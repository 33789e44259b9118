"""Buildings with entrances as point groups: the reader, the engine, distances,
accessibility and the command line.

Every test uses one hand-drawn block in SWEREF 99 TM (coordinates relative to
(X0, Y0), metres)::

    y=60  (0,60) +---------------- north street ----------------+ (200,60)   M (200,65)
                 |                      E2                       |
                 |                 +----*----+        +-----+
                 west          H1  | (90..110)|    H2  |150..|
                 street            | y 10..46 |        |170  |  y 16..40
                 |                 +----*----+        +-----+
                 |                      E1
    y=0   (0,0)  +---------------- south street ----------------+ (200,0)    N (200,-5)

The north and south streets meet only through the west street; their east
ends are open. H1 has two entrances, E1 (100, 10) on its south wall and E2
(100, 46) on its north wall; H2 has none. Key nodes: N 5 m below the south
street's east end, M 5 m above the north street's.

OpenStreetMap stores coordinates to 1e-7 degrees (about a centimetre), so values
that went through an .osm file are compared within :data:`OSM_CM` metres.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines
from pyproj import Transformer
from typer.testing import CliRunner

import stadsrum as sr
from stadsrum import InputError, prepare_network
from stadsrum.cli import app
from stadsrum.io.buildings import read_buildings
from stadsrum.measures.access_graph import group_points
from stadsrum.measures.accessibility import attraction_accessibility
from stadsrum.measures.proximity import place_distances, service_areas
from stadsrum.network.links import boundary_points, link_features, parse_polygon_mode

H1 = [(90, 10), (110, 10), (110, 46), (90, 46)]
H2 = [(150, 16), (170, 16), (170, 40), (150, 40)]
E1, E2 = (100, 10), (100, 46)
NODES = {"N": (200, -5), "M": (200, 65)}
STREETS = [[(0, 0), (200, 0)], [(0, 60), (200, 60)], [(0, 0), (0, 60)]]
#: Metres within which lengths that went through an .osm file agree (several 1e-7° roundings).
OSM_CM = 0.05

_TO_LONLAT = Transformer.from_crs(SWEREF, "EPSG:4326", always_xy=True)


def network():
    return prepare_network(make_lines(STREETS))


def write_osm(path, *, loose_entrance=False):
    """The block's buildings as OpenStreetMap XML: H1 a closed way whose south and
    north wall nodes 11 and 12 are tagged entrance=main/yes, H2 a closed way with
    no entrance. With ``loose_entrance``, a third entrance node lies 1 m south of
    H2's wall, on no way (matched within the tolerance)."""
    nodes = {
        1: H1[0],
        11: E1,
        2: H1[1],
        3: H1[2],
        12: E2,
        4: H1[3],
        21: H2[0],
        22: H2[1],
        23: H2[2],
        24: H2[3],
    }
    tags = {11: {"entrance": "main"}, 12: {"entrance": "yes"}}
    if loose_entrance:
        nodes[30] = (160, 15)
        tags[30] = {"entrance": "service"}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (x, y) in nodes.items():
        lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
        inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.get(nid, {}).items())
        lines.append(
            f'<node id="{nid}" version="1" lat="{lat:.10f}" lon="{lon:.10f}">{inner}</node>'
        )
    for wid, refs, name in (
        (101, [1, 11, 2, 3, 12, 4, 1], "Hus 1"),
        (102, [21, 22, 23, 24, 21], ""),
    ):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        extra = f'<tag k="name" v="{name}"/>' if name else ""
        lines.append(f'<way id="{wid}" version="1">{nds}<tag k="building" v="yes"/>{extra}</way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def pts(coords, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in coords], crs=SWEREF
    )


def nodes_layer():
    return pts(list(NODES.values()), node_id=list(NODES))


# --- an independent oracle: perpendicular feet on the three straight streets + networkx


def _foot(p):
    """Nearest point on the nearest of the three axis-aligned streets, and the distance."""
    x, y = p
    options = [
        ((min(max(x, 0), 200), 0.0), "S"),
        ((min(max(x, 0), 200), 60.0), "N"),
        ((0.0, min(max(y, 0), 60)), "W"),
    ]
    best = min(options, key=lambda o: np.hypot(o[0][0] - x, o[0][1] - y))
    return best[0], best[1], float(np.hypot(best[0][0] - x, best[0][1] - y))


def oracle(members, target):
    """Least over members of link + street distance + the target's link (metres)."""
    g = nx.Graph()
    on = {"S": [(0.0, 0.0), (200.0, 0.0)], "N": [(0.0, 60.0), (200.0, 60.0)]}
    on["W"] = [(0.0, 0.0), (0.0, 60.0)]
    feet = [_foot(p) for p in [*members, target]]
    for at, street, _ in feet:
        on[street].append(at)
    for street, points in on.items():
        axis = 1 if street == "W" else 0
        points = sorted(set(points), key=lambda q: q[axis])
        for a, b in itertools.pairwise(points):
            g.add_edge(a, b, weight=float(np.hypot(b[0] - a[0], b[1] - a[1])))
    t_at, _, t_link = feet[-1]
    dist = nx.single_source_dijkstra_path_length(g, t_at, weight="weight")
    return min(link + dist[at] + t_link for at, _, link in feet[:-1])


# --- the reader


def test_osm_buildings_and_entrances_share_an_id(tmp_path):
    """H1's entrances are nodes of its outline: both carry H1's id (w101), matched by
    the shared node; H2 (w102) has none; the loose entrance 1 m from H2's wall is
    matched to H2 within the 2 m tolerance, and with tolerance 0.5 m to nothing."""
    osm = write_osm(tmp_path / "block.osm", loose_entrance=True)
    found = read_buildings(osm)
    b = found.buildings.set_index("building_id")
    assert list(b.index) == ["w101", "w102"]
    assert b.loc["w101", "name"] == "Hus 1"
    assert b.loc["w101", "entrances"] == 2
    assert b.loc["w102", "entrances"] == 1
    e = found.entrances.set_index("entrance_id")
    assert e.loc["n11", "building_id"] == "w101"
    assert e.loc["n11", "matched"] == "shared_node"
    assert e.loc["n12", "entrance"] == "yes"
    assert e.loc["n30", "building_id"] == "w102"
    assert e.loc["n30", "matched"] == "within_tolerance"
    strict = read_buildings(osm, tolerance=0.5).entrances.set_index("entrance_id")
    assert strict.loc["n30", "matched"] == "none"
    assert strict["building_id"].isna().sum() == 1
    # the outline comes back where it was drawn (to a millimetre after the round trip)
    h1 = found.buildings.to_crs(SWEREF).geometry.iloc[0]
    assert h1.area == pytest.approx(20 * 36, abs=0.05)


def test_layer_pairs_match_on_the_id_column_else_spatially():
    """A Byggnad-like layer (id column objektidentitet) with an entrance layer: the
    first entrance names its building, the second carries no id and lies 1 m off
    H2's wall, the third lies 50 m from any building."""
    bld = gpd.GeoDataFrame(
        {"objektidentitet": ["uuid-1", "uuid-2"]},
        geometry=[
            shapely.Polygon([(X0 + x, Y0 + y) for x, y in H1]),
            shapely.Polygon([(X0 + x, Y0 + y) for x, y in H2]),
        ],
        crs=SWEREF,
    )
    ent = pts([E1, (160, 15), (40, 30)], objektidentitet=["uuid-1", None, None])
    found = read_buildings(bld, entrances=ent)
    assert list(found.buildings["building_id"]) == ["uuid-1", "uuid-2"]
    assert list(found.buildings["entrances"]) == [1, 1]
    assert list(found.entrances["matched"]) == ["id", "within_tolerance", "none"]
    assert found.entrances["building_id"].tolist()[:2] == ["uuid-1", "uuid-2"]
    with pytest.raises(InputError, match="expected points"):
        read_buildings(bld, entrances=bld)
    with pytest.raises(InputError, match="no column 'nyckel'"):
        read_buildings(bld, building_id="nyckel")


# --- the engine: point groups


def test_building_distance_is_the_least_over_its_entrances(tmp_path):
    """Distances from H1 to N and M.

    E1 (100, 10) joins the south street at (100, 0), 10 m; E2 (100, 46) the north
    street at (100, 60), 14 m. N joins the south street at (200, 0), M the north
    street at (200, 60), 5 m each.

    H1 → N: via E1 10 + 100 + 5 = 115; via E2 14 + 100 + 60 + 200 + 5 = 379: 115.
    H1 → M: via E2 14 + 100 + 5 = 119; via E1 10 + 100 + 60 + 200 + 5 = 375: 119.
    At its centroid (100, 28), 28 m from the south street and 32 m from the
    north: N 28 + 100 + 5 = 133, M 28 + 100 + 60 + 200 + 5 = 393.
    """
    found = read_buildings(write_osm(tmp_path / "block.osm"))
    od = place_distances(
        network(),
        found.buildings,
        nodes_layer(),
        place_id="building_id",
        place_entrances=found.entrances,
    ).od.set_index(["place_id", "node_id"])
    assert od.loc[("w101", "N"), "total_m"] == pytest.approx(115, abs=OSM_CM)
    assert od.loc[("w101", "M"), "total_m"] == pytest.approx(119, abs=OSM_CM)
    assert od.loc[("w101", "N"), "total_m"] == pytest.approx(
        oracle([E1, E2], NODES["N"]), abs=OSM_CM
    )
    assert od.loc[("w101", "M"), "total_m"] == pytest.approx(
        oracle([E1, E2], NODES["M"]), abs=OSM_CM
    )
    # the link counted is the entrance used: E1's 10 m + N's 5 m, E2's 14 m + M's 5 m
    assert od.loc[("w101", "N"), "link_m"] == pytest.approx(15, abs=OSM_CM)
    assert od.loc[("w101", "M"), "link_m"] == pytest.approx(19, abs=OSM_CM)
    # the route starts at the door it leaves by
    start = od.loc[("w101", "M"), "geometry"].coords[0]
    assert start == pytest.approx((X0 + 100, Y0 + 46), abs=OSM_CM)

    centroid = place_distances(
        network(), found.buildings, nodes_layer(), place_id="building_id", polygons="centroid"
    ).od.set_index(["place_id", "node_id"])
    assert centroid.loc[("w101", "N"), "total_m"] == pytest.approx(133, abs=OSM_CM)
    assert centroid.loc[("w101", "M"), "total_m"] == pytest.approx(393, abs=OSM_CM)


def test_building_without_entrances_by_boundary_interval_or_centroid():
    """H2 (150..170 x 16..40) has no entrance. Its outline is 88 m, so boundary:20
    puts ceil(88 / 20) = 5 points 17.6 m apart, clockwise from its lowest-left
    corner: (150, 16), (150, 33.6), (161.2, 40), (170, 31.2), (167.6, 16). They
    join the south street 16 m below ((150, 16), (167.6, 16)) and the north
    street 26.4, 20 and 28.8 m above. Drawn from another corner or the other
    way round, the outline gives the same points.

    H2 → N: (167.6, 16): 16 + 32.4 + 5 = 53.4 (the best).
    H2 → M: (170, 31.2): 28.8 + 30 + 5 = 63.8, tied with (161.2, 40): 20 + 38.8 + 5.
    At its centroid (160, 28), 28 m from the south street: N 28 + 40 + 5 = 73,
    M 28 + 160 + 60 + 200 + 5 = 453.
    """
    h2 = gpd.GeoDataFrame(
        {"place_id": ["H2"]},
        geometry=[shapely.Polygon([(X0 + x, Y0 + y) for x, y in H2])],
        crs=SWEREF,
    )
    owner, points = boundary_points(np.asarray(h2.geometry.array), 20.0)
    assert list(owner) == [0] * 5
    xy = shapely.get_coordinates(points) - [X0, Y0]
    expected = [(150, 16), (150, 33.6), (161.2, 40), (170, 31.2), (167.6, 16)]
    assert xy == pytest.approx(np.array(expected), abs=1e-9)
    turned = shapely.Polygon([(X0 + x, Y0 + y) for x, y in H2[2:] + H2[:2]][::-1])
    again = shapely.get_coordinates(boundary_points(np.array([turned]), 20.0)[1]) - [X0, Y0]
    assert again == pytest.approx(np.array(expected), abs=1e-9)

    od = place_distances(network(), h2, nodes_layer(), polygons="boundary:20").od
    total = dict(zip(od["node_id"], od["total_m"], strict=True))
    assert total["N"] == pytest.approx(53.4, abs=1e-6)
    assert total["M"] == pytest.approx(63.8, abs=1e-6)
    for node in ("N", "M"):
        assert total[node] == pytest.approx(oracle(expected, NODES[node]), abs=1e-6)

    od = place_distances(network(), h2, nodes_layer(), polygons="centroid").od
    total = dict(zip(od["node_id"], od["total_m"], strict=True))
    assert total["N"] == pytest.approx(73)
    assert total["M"] == pytest.approx(453)


def test_service_area_of_a_building_reaches_from_every_door(tmp_path):
    """Within 1 minute at 1 m/s (60 m) H1 reaches from E1 (10 m link) 50 m each way
    along the south street and from E2 (14 m link) 46 m each way along the north
    street: 100 + 92 = 192 m of street."""
    found = read_buildings(write_osm(tmp_path / "block.osm"))
    _, lines = service_areas(
        network(),
        found.buildings,
        place_id="building_id",
        place_entrances=found.entrances,
        thresholds=[1],
        speed=1.0,
    )
    h1 = lines.set_index("place_id").loc["w101"]
    assert h1["length_m"] == pytest.approx(192, abs=OSM_CM)


def test_group_id_points_equal_the_entrances():
    """The two doors as a point layer with a group id: the same 115 and 119 m as
    H1's entrances, one row per group and node, the group id as place_id."""
    doors = pts([E1, E2, (20, 30)], house=["H1", "H1", "shed"])
    od = place_distances(network(), doors, nodes_layer(), place_group="house").od
    assert sorted(od["place_id"].unique()) == ["H1", "shed"]
    h1 = od[od["place_id"] == "H1"].set_index("node_id")["total_m"]
    assert h1["N"] == pytest.approx(115)
    assert h1["M"] == pytest.approx(119)
    grouped = group_points(doors, "house", what="places")
    assert list(grouped["members"]) == [2, 1]
    assert list(grouped.geom_type) == ["MultiPoint", "MultiPoint"]
    with pytest.raises(InputError, match="no column 'hus'"):
        place_distances(network(), doors, nodes_layer(), place_group="hus")


def test_polygon_mode_is_checked():
    assert parse_polygon_mode("boundary:12.5") == ("boundary", 12.5)
    assert parse_polygon_mode("boundary") == ("boundary", 20.0)
    for bad in ("boundary:0", "boundary:x", "corners"):
        with pytest.raises(InputError, match="boundary"):
            parse_polygon_mode(bad)
    with pytest.raises(InputError, match="boundary:N"):
        link_features(network(), pts([E1]), polygons="edges")


# --- accessibility: a group counts once


def test_attraction_value_counts_once_at_its_nearest_door(tmp_path):
    """H1 as an attraction of value 10, H2 of value 1 (joined by boundary:20).

    From the origin O (50, -3), 3 m below the south street: H1 via E1 is
    3 + 50 + 10 = 63 m, via E2 3 + 50 + 60 + 50 + 14 = 177 m; H2 via (150, 16)
    3 + 100 + 16 = 119 m. nearest_m 63; reach within 100 m: 10 (H1 once, not
    twice); within n: 11. The three streets are one segment (a U of 460 m with no
    junction; its midpoint is (0, 30)): H1 via E1 30 + 100 + 10 = 140 m, via E2
    30 + 100 + 14 = 144 m, so nearest 140 and reach 11 at radius n, never 21.
    """
    found = read_buildings(write_osm(tmp_path / "block.osm"))
    att = found.buildings.assign(area=[10.0, 1.0])
    kwargs = {
        "value": "area",
        "radii": "100,n",
        "polygons": "boundary:20",
        "attraction_entrances": found.entrances,
    }
    origin = pts([(50, -3)], origin_id=["O"])
    res = attraction_accessibility(network(), att, origins=origin, **kwargs)
    assert res["nearest_m"].iloc[0] == pytest.approx(63, abs=OSM_CM)
    assert res["reach_r100"].iloc[0] == pytest.approx(10)
    assert res["reach_rn"].iloc[0] == pytest.approx(11)
    seg = attraction_accessibility(network(), att, **kwargs)
    assert len(seg) == 1
    assert seg["reach_rn"].iloc[0] == pytest.approx(11.0)
    assert seg["reach_r100"].iloc[0] == 0
    assert seg["nearest_m"].iloc[0] == pytest.approx(140, abs=OSM_CM)


def test_attraction_and_origin_groups_from_point_layers():
    """Shops grouped by building: H1's two doors (value 5 each, one shop) count 5
    once; origins grouped too: the origin group {(50, -3), (50, 63)} is as near as
    its nearer point. Its south point reaches E1 in 3 + 50 + 10 = 63 m, its north
    point E2 in 3 + 50 + 14 = 67 m: nearest 63."""
    shops = pts([E1, E2], shop=["H1", "H1"], area=[5.0, 5.0])
    homes = pts([(50, -3), (50, 63)], home=["A", "A"])
    res = attraction_accessibility(
        network(), shops, origins=homes, value="area", attraction_group="shop", origin_group="home"
    )
    assert len(res) == 1
    assert res["home"].iloc[0] == "A"
    assert res["nearest_m"].iloc[0] == pytest.approx(63)
    assert res["reach_rn"].iloc[0] == pytest.approx(5)
    shops.loc[1, "area"] = 7.0
    with pytest.raises(InputError, match="different values"):
        attraction_accessibility(network(), shops, value="area", attraction_group="shop")


# --- the command line


def test_cli_buildings_then_distances_and_accessibility(tmp_path):
    """`stadsrum buildings` writes the two layers; distances with them gives H1 the
    115/119 m of its doors and H2 (boundary:20) 53.4/63.8 m; an OSM file given as
    --places directly gives the same; accessibility from the buildings as origins."""
    runner = CliRunner()
    osm = write_osm(tmp_path / "block.osm")
    net = tmp_path / "net.gpkg"
    make_lines(STREETS).to_file(net, layer="streets")
    nodes = tmp_path / "nodes.gpkg"
    nodes_layer().to_file(nodes)
    b = tmp_path / "buildings.gpkg"
    result = runner.invoke(app, ["buildings", str(osm), "--out", str(b), "-q"])
    assert result.exit_code == 0, result.output
    assert set(sr.read_layer(f"{b}|layername=entrances")["building_id"]) == {"w101"}

    expected = {("w101", "N"): 115, ("w101", "M"): 119, ("w102", "N"): 53.4, ("w102", "M"): 63.8}
    for places in (
        [f"{b}|layername=buildings", "--place-entrances", f"{b}|layername=entrances"],
        [str(osm)],
    ):
        out = tmp_path / f"od{len(places)}.gpkg"
        args = ["distances", "--network", str(net), "--nodes", str(nodes), "--out", str(out)]
        args += ["--places", *places, "--place-id", "building_id", "--polygons", "boundary:20"]
        result = runner.invoke(app, [*args, "-q"])
        assert result.exit_code == 0, result.output
        od = sr.read_layer(f"{out}|layername=od").set_index(["place_id", "node_id"])
        for key, metres in expected.items():
            assert od.loc[key, "total_m"] == pytest.approx(metres, abs=OSM_CM)

    out = tmp_path / "access.gpkg"
    args = ["accessibility", str(net), "--attractions", str(nodes), "--out", str(out), "-q"]
    args += ["--origins", f"{b}|layername=buildings", "--origin-entrances"]
    args += [f"{b}|layername=entrances", "--polygons", "boundary:20"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    acc = sr.read_layer(f"{out}|layername=accessibility").set_index("building_id")
    assert acc.loc["w101", "nearest_m"] == pytest.approx(115, abs=OSM_CM)
    assert acc.loc["w102", "nearest_m"] == pytest.approx(53.4, abs=OSM_CM)

    bad = runner.invoke(app, [*args[:-1], "boundary:-3"])
    assert bad.exit_code != 0
    assert "error: " in bad.output
    assert "boundary" in bad.output


def test_cli_node_entrances_bring_a_station_nearer(tmp_path):
    """--node-entrances: a station building joins the streets through its doors.

    The nodes are two buildings: the station S (H1) with doors E1 (100, 10) and
    E2 (100, 46), and T (H2) with none. The place P (150, 65) joins the north
    street at (150, 60), 5 m. With --polygons centroid and no entrances, S joins
    at its centroid (100, 28), 28 m from the south street at (100, 0) (32 m from
    the north): P → S = 5 + 150 (north street west) + 60 (west street) + 100
    (south street east) + 28 = 343. With its doors S is as near as the nearer:
    via E2, 14 m from the north street at (100, 60): 5 + 50 + 14 = 69; via E1
    (10 m from the south street): 5 + 150 + 60 + 100 + 10 = 325; so 69 m, the
    far (north) door making the station 274 m nearer. T keeps its centroid
    (160, 28): 5 + 150 + 60 + 160 + 28 = 403 either way.
    """
    runner = CliRunner()
    net = tmp_path / "net.gpkg"
    make_lines(STREETS).to_file(net, layer="streets")
    places = tmp_path / "places.gpkg"
    pts([(150, 65)], place_id=["P"]).to_file(places)
    stations = tmp_path / "stations.gpkg"
    gpd.GeoDataFrame(
        {"node_id": ["S", "T"], "station": ["S", "T"]},
        geometry=[shapely.Polygon([(X0 + x, Y0 + y) for x, y in h]) for h in (H1, H2)],
        crs=SWEREF,
    ).to_file(stations)
    doors = tmp_path / "doors.gpkg"
    pts([E1, E2], node_id=["S", "S"]).to_file(doors)

    found = {}
    for name, extra in (("plain", []), ("doors", ["--node-entrances", str(doors)])):
        out = tmp_path / f"od_{name}.gpkg"
        args = ["distances", "--network", str(net), "--places", str(places)]
        args += ["--nodes", str(stations), "--out", str(out), "--polygons", "centroid"]
        result = runner.invoke(app, [*args, *extra, "-q"])
        assert result.exit_code == 0, result.output
        od = sr.read_layer(f"{out}|layername=od").set_index("node_id")
        found[name] = od["total_m"]
    assert found["plain"]["S"] == pytest.approx(343)
    assert found["doors"]["S"] == pytest.approx(69)
    assert found["doors"]["S"] == pytest.approx(oracle([E1, E2], (150, 65)))
    assert found["plain"]["T"] == pytest.approx(403)
    assert found["doors"]["T"] == pytest.approx(403)

    # doors naming their station in another column: one clear line, then --building-id
    other = tmp_path / "other.gpkg"
    pts([E1, E2], station=["S", "S"]).to_file(other)
    bad = runner.invoke(app, [*args, "--node-entrances", str(other), "-q"])
    assert bad.exit_code != 0
    assert "error: nodes entrances: no column 'node_id'" in bad.output
    assert "--building-id" in bad.output
    assert "Traceback" not in bad.output
    named = runner.invoke(
        app, [*args, "--node-entrances", str(other), "--building-id", "station", "-q"]
    )
    assert named.exit_code == 0, named.output
    od = sr.read_layer(f"{out}|layername=od").set_index("node_id")
    assert od.loc["S", "total_m"] == pytest.approx(69)


def test_population_multipoints_stand_at_their_centre():
    """The areas analysis joins each resident point at one place, so a multi-part
    point (which elsewhere is a point group) is placed at the centre of its parts,
    said in a note, and the caller's layer is left as it was."""
    from stadsrum.io.population import read_population

    layer = gpd.GeoDataFrame(
        {"population": [3, 4]},
        geometry=[shapely.MultiPoint([E1, (110, 10)]), shapely.Point(5, 5)],
        crs=SWEREF,
    )
    pop = read_population(layer, crs=SWEREF)
    assert shapely.get_coordinates(pop.points.geometry.iloc[0]).tolist() == [[105.0, 10.0]]
    assert any("multi-part" in note for note in pop.notes)
    assert layer.geometry.iloc[0].geom_type == "MultiPoint"

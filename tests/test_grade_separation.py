"""Grade separation in non-OSM line data: bridges and tunnels stay unjoined.

The fixtures are drawn by the tests in the schemas of the real data (see
tests/data/README.md): a noded NVDB-like layer (Trafikverket's "Vägnät med
attribut", with "Bro och tunnel/Konstruktion" as ``Konst_190``), the same
streets as a municipal centre-line layer without any level attribute, and an
un-noded drawing. Shortest routes on the prepared network are found by
networkx (the oracle); the expected lengths are derived by hand below.

The noded layer (metres from the SWEREF 99 TM origin of ``helpers``)::

    y
    600 +---+---+---+---+---+---+     a 7 x 7 street grid, 100 m blocks, every
        |   |   |   |   |   |   |     link between neighbouring junctions
    500 +---+---+---R---+---+---+     (shared end points, as NVDB has them)
        |   |   |  /B   |   |   |
    400 +---+---+-/-+---+---+---+     B: a bridge, (-100, 50) -> (325, 475), at
        |   |   |/  |   |   |   |        45 degrees over the grid, crossing 7
    300 +---+---/---+---+---+---+        links mid-block and no junction; ramps
        |   |  /|   |   |   |   |        R1 (-100, 50) -> (-100, 0) -> (0, 0)
    200 +---+-/-+---+---+---+---+        and R2 (325, 475) -> (300, 500)
        |   |/  |   |   |   |   |
    100 +---/---+---+-P-+---+---+     P: a footpath under the street
        |  /|   |   | |_|   |   |        (300, 100)-(400, 100): (300, 50) ->
      0 +-/-+---+---+---+---+---+        (350, 50) -> (350, 150) -> (400, 150),
       B/R1                x            joined to split links at both ends

Meeting places: 49 grid junctions, P's two ends, B's two ramp joints (all at
shared end points) and 8 crossings without a shared vertex (7 under B, 1 over
P): 8 of 61 = 13.1 %, under the 20 % that marks a noded layer.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import X0, Y0, local, make_lines

from stadsrum import InputError, prepare_network
from stadsrum.io.readers import read_lines
from stadsrum.network.prepare import AUTO_SPLIT_SHARE

#: Where B crosses a grid link (mid-block) and where P passes under one.
BRIDGE_CROSSINGS = [(0, 150), (100, 250), (200, 350), (300, 450), (50, 200), (150, 300), (250, 400)]
UNDERPASS_CROSSING = (350, 100)


def _grid_links() -> list[list[tuple[float, float]]]:
    links = []
    for i in range(7):
        for j in range(6):
            x, y = 100 * i, 100 * j
            # P's ends split two links, as a noded layer has a junction there
            if (x, y) == (300, 0):
                links += [[(300, 0), (300, 50)], [(300, 50), (300, 100)]]
            elif (x, y) == (400, 100):
                links += [[(400, 100), (400, 150)], [(400, 150), (400, 200)]]
            else:
                links.append([(x, y), (x, y + 100)])
            links.append([(y, x), (y + 100, x)])
    return links


BRIDGE = [(-100, 50), (325, 475)]
RAMPS = [[(-100, 50), (-100, 0), (0, 0)], [(325, 475), (300, 500)]]
UNDERPASS = [(300, 50), (350, 50), (350, 150), (400, 150)]


def nvdb_layer() -> gpd.GeoDataFrame:
    """The noded layer in NVDB's export schema: ``Konst_190`` 1 on a bridge (B, and the
    street over P), 3 in an underpass (P); ``Ident_191``/``Namn_193`` name the
    construction, ``Namn_130`` is the street name."""
    grid = _grid_links()
    over_p = grid.index([(300, 100), (400, 100)])
    coords = [*grid, BRIDGE, *RAMPS, UNDERPASS]
    n = len(coords)
    konst: list[object] = [None] * n
    ident: list[object] = [None] * n
    namn_bro: list[object] = [None] * n
    konst[over_p], ident[over_p], namn_bro[over_p] = 1, "18-1234-1", "Bro över gångtunnel"
    konst[len(grid)], ident[len(grid)], namn_bro[len(grid)] = 1, "18-1000-1", "Bro över gator"
    konst[-1], ident[-1], namn_bro[-1] = 3, "18-1234-1", "Gångtunnel"
    return make_lines(
        coords,
        ROUTE_ID=[f"{{R-{k}}}" for k in range(n)],
        Namn_130=[f"Gata {k}" for k in range(n)],
        Konst_190=konst,
        Ident_191=ident,
        Namn_193=namn_bro,
    )


def municipal_layer() -> gpd.GeoDataFrame:
    """The same streets as a municipality's noded centre lines, with no level column."""
    layer = nvdb_layer()
    return layer[["geometry"]].assign(
        GATUNAMN=layer["Namn_130"], GATUTYP=["lokalgata"] * len(layer)
    )


def _graph(net) -> nx.Graph:
    graph = nx.Graph()
    for u, v, length in zip(net.u, net.v, net.length, strict=True):
        if not graph.has_edge(u, v) or graph[u][v]["length"] > length:
            graph.add_edge(int(u), int(v), length=float(length))
    return graph


def _node_at(net, x: float, y: float) -> int:
    hit = np.where(np.hypot(*(local(net.node_xy) - (x, y)).T) < 1e-6)[0]
    assert len(hit) == 1, f"no junction at ({x}, {y})"
    return int(hit[0])


def _route(net, a: tuple[float, float], b: tuple[float, float]) -> float:
    return nx.shortest_path_length(
        _graph(net), _node_at(net, *a), _node_at(net, *b), weight="length"
    )


def _has_node(net, x: float, y: float) -> bool:
    return bool((np.hypot(*(local(net.node_xy) - (x, y)).T) < 1e-6).any())


#: (0, 100) to (200, 400) along the grid: 200 m east and 300 m north.
TRUE_ROUTE = 500.0
#: ... and through false junctions on the bridge: 50 m north to B at (0, 150),
#: along B to (200, 350) (200 * sqrt 2), 50 m north.
FALSE_ROUTE = 100 + 200 * math.sqrt(2)


def _crossing_points(net, issue: str) -> list[tuple[float, float]]:
    diag = net.diagnostics()
    pts = diag[diag["issue"] == issue].geometry
    return sorted((round(p.x - X0, 6), round(p.y - Y0, 6)) for p in pts)


@pytest.mark.parametrize("layer", [nvdb_layer, municipal_layer], ids=["nvdb", "municipal"])
def test_noded_layer_keeps_the_bridge_and_the_underpass_unjoined(layer):
    """Auto: a noded layer is not split where lines cross without a shared vertex,
    with or without NVDB's ``Konst_190``. The route from (0, 100) to (200, 400)
    is the grid's 500 m, not the 382.8 m a false junction on the bridge gives."""
    net = prepare_network(layer())
    report = net.report
    assert report.split_crossings == "auto"
    assert (report.meeting_places, report.meeting_places_unshared) == (61, 8)
    assert report.unshared_share == pytest.approx(8 / 61, abs=1e-4)
    assert report.unshared_share <= AUTO_SPLIT_SHARE
    assert "noded layer" in report.split_decision
    assert "13.1 %" in report.split_decision
    assert "13.1 %" in net.summary()
    assert report.crossing_splits == 0
    assert _route(net, (0, 100), (200, 400)) == pytest.approx(TRUE_ROUTE)
    for x, y in [*BRIDGE_CROSSINGS, UNDERPASS_CROSSING]:
        assert not _has_node(net, x, y)
    # the street over the underpass is one 100 m segment from junction to junction
    assert _route(net, (300, 100), (400, 100)) == pytest.approx(100.0)
    expected = sorted([*BRIDGE_CROSSINGS, UNDERPASS_CROSSING])
    assert _crossing_points(net, "unjoined_crossing") == expected
    assert _crossing_points(net, "split_crossing") == []
    assert net.diagnostics().crs == net.crs


def test_forced_split_joins_a_layer_without_level_attributes():
    """``split_crossings="yes"`` on the municipal layer: 8 junctions appear where
    the lines cross, each listed as ``split_crossing``, and the route shrinks to
    the false 382.8 m; the same option on the NVDB layer still keeps its
    ``Konst_190`` bridge and underpass apart."""
    net = prepare_network(municipal_layer(), split_crossings="yes")
    assert net.report.crossing_splits == 8
    assert _route(net, (0, 100), (200, 400)) == pytest.approx(FALSE_ROUTE)
    assert _crossing_points(net, "split_crossing") == sorted(
        [*BRIDGE_CROSSINGS, UNDERPASS_CROSSING]
    )
    nvdb = prepare_network(nvdb_layer(), split_crossings="yes")
    assert nvdb.report.crossing_splits == 0
    assert nvdb.report.crossings_not_split == 8
    assert _route(nvdb, (0, 100), (200, 400)) == pytest.approx(TRUE_ROUTE)
    assert all(
        "bridge or tunnel" in d
        for d in nvdb.diagnostics().query("issue == 'unjoined_crossing'")["description"]
    )


def test_no_split_reports_every_crossing():
    net = prepare_network(municipal_layer(), split_crossings="no")
    assert net.report.split_decision.startswith("never split")
    assert len(_crossing_points(net, "unjoined_crossing")) == 8


def test_undrawn_layer_is_split_at_its_crossings():
    """An un-noded drawing: two streets east-west and two north-south drawn across
    each other (a '#'), nothing shared::

          |   |
        --+---+--   y = 100
          |   |
        --+---+--   y = 0
          |   |
        x=0  x=100

    All 4 meeting places lack a shared vertex (100 %), so auto splits them: each
    300 m line becomes three 100 m pieces, and the four crossings are junctions
    of degree 4 at (0, 0), (100, 0), (0, 100), (100, 100)."""
    gdf = make_lines(
        [
            [(-100, 0), (200, 0)],
            [(-100, 100), (200, 100)],
            [(0, -100), (0, 200)],
            [(100, -100), (100, 200)],
        ]
    )
    net = prepare_network(gdf, merge_pass_through=False)
    assert net.report.unshared_share == 1.0
    assert "un-noded drawing" in net.report.split_decision
    assert net.n_edges == 12
    np.testing.assert_allclose(net.length, 100.0)
    corners = [(0, 0), (0, 100), (100, 0), (100, 100)]
    assert _crossing_points(net, "split_crossing") == corners
    for x, y in corners:
        assert net.degree[_node_at(net, x, y)] == 4
    assert _route(net, (-100, 0), (200, 100)) == pytest.approx(400.0)


def test_osm_input_keeps_its_behaviour():
    """OSM lines (``stadsrum_noded``) are never split by auto, as before; a crossing of
    two ways without a shared node is reported, not joined."""
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]])
    gdf.attrs["stadsrum_noded"] = True
    net = prepare_network(gdf, components="all")
    assert net.n_edges == 2
    assert "OSM input" in net.report.split_decision
    assert _crossing_points(net, "unjoined_crossing") == [(50, 0)]


def test_text_values_of_nvdb_construction_are_read():
    """An export that decodes the code list ('Bro', 'Tunnel') is read like the codes."""
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]], Konst_190=["Bro", None])
    net = prepare_network(gdf, split_crossings="yes", components="all")
    assert net.n_edges == 2
    assert net.report.crossings_not_split == 1


def test_bad_split_option_is_named():
    with pytest.raises(InputError, match="--split-crossings: unknown value 'maybe'"):
        prepare_network(municipal_layer(), split_crossings="maybe")  # type: ignore[arg-type]


# --- read-time filters ------------------------------------------------------------


@pytest.fixture
def nvdb_gpkg(tmp_path):
    path = tmp_path / "nvdb.gpkg"
    nvdb_layer().to_file(path, layer="vagnat")
    return path


def test_where_filters_in_the_file(nvdb_gpkg):
    """``--where`` keeps the links whose ``Konst_190`` is empty: all but the bridge,
    the street over P and P (87 of 90), counted on the fixture by pandas."""
    layer = nvdb_layer()
    expected = int(layer["Konst_190"].isna().sum())
    lines = read_lines(nvdb_gpkg, where="Konst_190 IS NULL")
    assert len(lines) == expected == len(layer) - 3


def test_where_with_bad_sql_names_the_option_and_the_columns(nvdb_gpkg):
    with pytest.raises(InputError, match=r"--where 'Konst = 1'.*Konst_190"):
        read_lines(nvdb_gpkg, where="Konst = 1")


def test_clip_by_box_and_by_polygon_file(nvdb_gpkg, tmp_path):
    """A box around the south-west block (0..100 m) keeps the lines meeting it,
    counted by shapely on the fixture itself, never by the reader under test; the
    same box as a boundary polygon in another CRS (WGS 84) keeps the same lines."""
    layer = nvdb_layer()
    box = shapely.box(X0 - 1, Y0 - 1, X0 + 101, Y0 + 101)
    expected = int(shapely.intersects(np.asarray(layer.geometry.array), box).sum())
    bounds = ",".join(str(v) for v in box.bounds)
    assert len(read_lines(nvdb_gpkg, clip=bounds)) == expected
    boundary = tmp_path / "kommun.gpkg"
    gpd.GeoDataFrame({"kommunnamn": ["Test"]}, geometry=[box], crs=layer.crs).to_crs(4326).to_file(
        boundary
    )
    clipped = read_lines(nvdb_gpkg, clip=str(boundary))
    assert len(clipped) == expected
    with pytest.raises(InputError, match="--clip"):
        read_lines(nvdb_gpkg, clip="5,5,1,1")


def test_filters_apply_to_a_geodataframe_too():
    layer = nvdb_layer()
    out = read_lines(layer, where="Konst_190 = 1")
    assert len(out) == 2
    with pytest.raises(InputError, match="--where"):
        read_lines(layer, where="Konst_190 = = 1")


def test_network_command_writes_the_crossings_and_says_what_it_chose(nvdb_gpkg, tmp_path):
    """The CLI end to end: filters, the choice in the summary and in run_metadata, and
    the crossings in the diagnostics layer with their own styled categories."""
    import json

    import pyogrio
    from typer.testing import CliRunner

    from stadsrum.cli import app

    out = tmp_path / "net.gpkg"
    args = ["network", str(nvdb_gpkg), "--out", str(out), "--where", "Namn_130 <> 'none'"]
    result = CliRunner().invoke(app, [*args, "--clip", "-1e9,-1e9,1e9,1e9"])
    assert result.exit_code == 0, result.output
    assert "noded layer" in result.output
    diag = gpd.read_file(out, layer="diagnostics")
    assert set(diag["issue"]) == {"unjoined_crossing"}  # the grid has no dead end
    assert (diag["issue"] == "unjoined_crossing").sum() == 8
    meta = pyogrio.read_dataframe(out, layer="run_metadata", read_geometry=False)
    text = json.dumps(meta.to_dict())
    assert "split_crossings" in text
    assert "unshared_share" in text
    styles = pyogrio.read_dataframe(out, layer="layer_styles", read_geometry=False)
    qml = styles.loc[styles["f_table_name"] == "diagnostics", "styleQML"].iloc[0]
    assert "unjoined_crossing" in qml
    bad = CliRunner().invoke(app, [*args[:4], "--where", "nosuch = 1"])
    assert bad.exit_code != 0
    assert "error: network: --where 'nosuch = 1'" in bad.output


@pytest.mark.parametrize(
    "value",
    [
        "underground",
        "http://inspire.ec.europa.eu/codelist/VerticalPositionValue/suspendedOrElevated",
    ],
)
def test_inspire_vertical_position_is_read(value):
    gdf = make_lines(
        [[(0, 0), (100, 0)], [(50, -50), (50, 50)]], verticalPosition=[value, "onGroundSurface"]
    )
    net = prepare_network(gdf, split_crossings="yes", components="all")
    assert net.n_edges == 2
    assert net.report.crossings_not_split == 1


def test_study_file_takes_the_network_options(nvdb_gpkg, tmp_path):
    """``split_crossings``, ``where`` and ``clip`` in ``[network]``: a box stays text, a
    file is resolved next to the study file, a wrong choice is named."""
    from stadsrum.study import load_study

    study = tmp_path / "study.toml"
    body = (
        '[network]\nsource = "nvdb.gpkg"\nsplit_crossings = "{s}"\nclip = "{c}"\n'
        'where = "Konst_190 IS NULL"\n[segments]\nradii = "n"\n'
    )
    study.write_text(body.format(s="no", c="1,2,3,4"), encoding="utf-8")
    opts = load_study(study).network
    assert opts["split_crossings"] == "no"
    assert opts["clip"] == "1,2,3,4"
    assert opts["where"] == "Konst_190 IS NULL"
    study.write_text(body.format(s="maybe", c="kommun.gpkg"), encoding="utf-8")
    with pytest.raises(InputError, match=r"split_crossings must be one of auto, yes, no") as err:
        load_study(study)
    assert "kommun.gpkg' does not exist" in str(err.value)


def test_noded_layer_still_joins_a_street_ending_on_another():
    """A dead-end street added to the municipal layer ends on the interior of the link
    (400, 0)-(500, 0) at (450, 0), without a shared vertex: a T, not a bridge. 9 of 62
    places now lack a shared vertex (14.5 %, still noded); the T is joined (a junction
    of degree 3, listed as ``split_crossing``) while the 8 crossings stay apart."""
    layer = municipal_layer()
    stub = gpd.GeoDataFrame(
        {"GATUNAMN": ["Återvändsgränd"], "GATUTYP": ["lokalgata"]},
        geometry=[shapely.LineString([(X0 + 450, Y0 + 50), (X0 + 450, Y0)])],
        crs=layer.crs,
    )
    net = prepare_network(pd.concat([layer, stub], ignore_index=True))
    assert (net.report.meeting_places, net.report.meeting_places_unshared) == (62, 9)
    assert "noded layer" in net.report.split_decision
    assert _crossing_points(net, "split_crossing") == [(450, 0)]
    assert net.degree[_node_at(net, 450, 0)] == 3
    assert len(_crossing_points(net, "unjoined_crossing")) == 8

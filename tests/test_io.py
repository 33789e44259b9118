"""Readers: OGR layers, OSM files, graphs, and clear errors for bad input."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import make_lines

from stadsrum import InputError, InputFileError, from_graph, read_lines, read_network
from stadsrum.io.osm import read_osm_lines
from stadsrum.io.readers import split_layer_spec

# A street (ways 1, 2 share node 3) with a footbridge (way 3) over it, and a
# way that refers to a node missing from the extract (node 99).
OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="58.2800" lon="12.2800" version="1"/>
  <node id="2" lat="58.2800" lon="12.2820" version="1"/>
  <node id="3" lat="58.2800" lon="12.2840" version="1"/>
  <node id="4" lat="58.2790" lon="12.2810" version="1"/>
  <node id="5" lat="58.2810" lon="12.2810" version="1"/>
  <node id="6" lat="58.2810" lon="12.2840" version="1"/>
  <node id="7" lat="58.2790" lon="12.2840" version="1"/>
  <way id="1" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="Storgatan"/></way>
  <way id="2" version="1"><nd ref="6"/><nd ref="3"/><nd ref="7"/><nd ref="99"/>
    <tag k="highway" v="footway"/><tag k="name:sv" v="Gångvägen"/></way>
  <way id="3" version="1"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="footway"/><tag k="bridge" v="yes"/><tag k="layer" v="1"/></way>
  <way id="4" version="1"><nd ref="4"/><nd ref="7"/><tag k="highway" v="motorway"/></way>
  <way id="5" version="1"><nd ref="1"/><nd ref="4"/><tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture
def osm_file(tmp_path):
    path = tmp_path / "town.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


def test_osm_xml_walk_network(osm_file):
    """Walk mode keeps the street and footways, not the motorway or the building;
    way 2 is split at node 3, which it shares with way 1; the missing node is dropped."""
    gdf = read_osm_lines(osm_file, mode="walk")
    assert sorted(gdf.osm_id) == [1, 2, 2, 3]
    assert gdf.attrs["stadsrum_missing_node_refs"] == 1
    assert set(gdf.name_sv.dropna()) == {"Gångvägen"}
    bridge = gdf[gdf.osm_id == 3].iloc[0]
    assert bridge.bridge == "yes"
    assert bridge.layer == 1
    net = read_network(osm_file, components="all")
    assert net.crs.to_epsg() == 3006
    # the bridge crosses Storgatan without a junction
    assert net.report.components == 2


def test_osm_modes(osm_file):
    drive = read_osm_lines(osm_file, mode="drive")
    assert sorted(drive.osm_id) == [1, 4]
    every = read_osm_lines(osm_file, mode="all")
    assert sorted(set(every.osm_id)) == [1, 2, 3, 4]
    with pytest.raises(InputError, match="unknown mode"):
        read_osm_lines(osm_file, mode="fly")


def test_sample_pbf_reads_bridges_and_swedish_names(sample_pbf):
    gdf = read_osm_lines(sample_pbf, mode="walk")
    assert len(gdf) > 3000
    assert gdf.name_sv.notna().sum() > 100
    assert (gdf.bridge == "yes").any()
    assert (gdf.tunnel.notna()).any()


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"garbage", "bad.osm.pbf"), (b"<osm><node", "bad.osm")],
)
def test_corrupt_osm_files(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="could not read OpenStreetMap file"):
        read_lines(path)


def test_truncated_pbf(tmp_path, sample_pbf):
    path = tmp_path / "cut.osm.pbf"
    path.write_bytes(sample_pbf.read_bytes()[:300_000])
    with pytest.raises(InputFileError, match="truncated"):
        read_lines(path)


def test_missing_file_and_unsupported_format(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        read_lines(tmp_path / "nowhere.gpkg")
    text = tmp_path / "notes.txt"
    text.write_text("not a map")
    with pytest.raises(InputFileError, match="GDAL"):
        read_lines(text)


def test_layer_selection(tmp_path):
    path = tmp_path / "city.gpkg"
    make_lines([[(0, 0), (10, 0)]]).to_file(path, layer="streets")
    make_lines([[(0, 0), (10, 0)], [(10, 0), (10, 10)]]).to_file(path, layer="paths")
    assert len(read_lines(path, layer="paths")) == 2
    assert len(read_lines(f"{path}|layername=paths")) == 2
    with pytest.raises(InputError, match="layer 'roads' is not in"):
        read_lines(path, layer="roads")
    assert split_layer_spec("a.gpkg|layername=x") == (split_layer_spec("a.gpkg")[0], "x")


def test_empty_layer():
    empty = make_lines([]).iloc[:0]
    with pytest.raises(InputError, match="empty"):
        read_lines(empty)


def test_missing_crs():
    gdf = make_lines([[(0, 0), (10, 0)]]).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="coordinate reference system"):
        read_lines(gdf)


def test_non_line_geometries():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(1, 1)], crs="EPSG:3006")
    with pytest.raises(InputError, match="expected lines but found Point"):
        read_lines(gdf)


def test_empty_geometry_is_named():
    gdf = make_lines([[(0, 0), (10, 0)], [(0, 0), (10, 0)]])
    gdf.loc[1, "geometry"] = shapely.LineString()
    with pytest.raises(InputError, match="feature ids 1"):
        read_lines(gdf)


def test_multilinestrings_are_exploded():
    geom = shapely.MultiLineString([[(0, 0), (10, 0)], [(20, 0), (30, 0)]])
    gdf = gpd.GeoDataFrame({"name": ["x"]}, geometry=[geom], crs="EPSG:3006")
    out = read_lines(gdf)
    assert len(out) == 2
    assert list(out.name) == ["x", "x"]


def test_from_osmnx_style_graph():
    """A MultiDiGraph with both directions of each street gives one line per street."""
    g = nx.MultiDiGraph(crs="EPSG:3006")
    g.add_node(1, x=335_000.0, y=6_460_000.0)
    g.add_node(2, x=335_100.0, y=6_460_000.0)
    g.add_node(3, x=335_100.0, y=6_460_100.0)
    bend = shapely.LineString([(335_100, 6_460_000), (335_150, 6_460_050), (335_100, 6_460_100)])
    for u, v, data in [(1, 2, {"name": "a"}), (2, 3, {"name": "b", "geometry": bend})]:
        g.add_edge(u, v, **data)
        rev = dict(data)
        if "geometry" in rev:
            rev["geometry"] = shapely.reverse(rev["geometry"])
        g.add_edge(v, u, **rev)
    lines = from_graph(g)
    assert len(lines) == 2
    net = read_network(lines)
    assert net.n_edges == 1  # node 2 is a pass-through junction
    assert net.length[0] == pytest.approx(100 + 2 * np.hypot(50, 50))
    with pytest.raises(InputError):
        from_graph("not a graph")

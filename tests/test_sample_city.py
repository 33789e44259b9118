"""The embedded sample city end to end: structural invariants, not copied numbers."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from stadsrum.io.osm import read_osm_lines
from stadsrum.network.projection import to_metric
from stadsrum.workflows import run_demo, sample_data_dir


def test_prepared_sample_network_is_clean(sample_network, sample_pbf):
    net = sample_network
    rep = net.report
    assert net.crs.to_epsg() == 3067  # Helsinki: ETRS-TM35FIN
    # every edge starts and ends exactly on its junctions
    geoms = net.edges.geometry.array
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    np.testing.assert_array_equal(start, net.node_xy[net.u])
    np.testing.assert_array_equal(end, net.node_xy[net.v])
    # no pass-through junction survives merging, except on loops closing on themselves
    # and where the street changes grade (into a tunnel, onto a bridge, another layer)
    two = np.where(net.degree == 2)[0]
    loops = set(net.u[net.u == net.v])
    edges = net.edges

    def grade(e: int) -> tuple[bool, bool, float]:
        row = edges.iloc[e]
        return (
            str(row.get("bridge")) not in {"None", "nan", "<NA>", "no"},
            str(row.get("tunnel")) not in {"None", "nan", "<NA>", "no"},
            float(np.nan_to_num(pd.to_numeric(row.get("layer"), errors="coerce"))),
        )

    for node in set(two) - loops:
        pair = np.where((net.u == node) | (net.v == node))[0]
        assert len(pair) == 2
        assert grade(pair[0]) != grade(pair[1]), f"junction {node} joins two lines of one grade"
    assert len(set(two) - loops) < 0.1 * net.n_nodes
    assert rep.components >= 1
    assert (net.edges.component == 0).all()
    assert rep.dangles == int((net.degree == 1).sum())
    # length is conserved up to what was dropped: compare with the raw ways, projected
    raw, _ = to_metric(read_osm_lines(sample_pbf, mode="walk"))
    raw_length = raw.length.sum()
    assert net.report.total_length_m <= raw_length
    assert net.report.total_length_m > 0.9 * raw_length


def test_demo_writes_the_prepared_network(tmp_path):
    result = run_demo(tmp_path / "demo")
    gpkg = tmp_path / "demo" / "network.gpkg"
    layers = {str(n) for n in pyogrio.list_layers(gpkg)[:, 0]}
    assert {"network", "diagnostics", "run_metadata"} <= layers
    net = pyogrio.read_dataframe(gpkg, layer="network")
    assert len(net) == result["network"].network.n_edges
    assert net["length_m"].sum() == pytest.approx(result["network"].network.report.total_length_m)
    summary = (tmp_path / "demo" / "summary.txt").read_text(encoding="utf-8")
    for word in ("segments:", "total length:", "components:", "dangling ends:"):
        assert word in summary
    segments = pyogrio.read_dataframe(tmp_path / "demo" / "segments.gpkg", layer="segments")
    assert len(segments) == len(net)
    for col in ("integration_angular_r400", "choice_metric_rn", "nach_angular_r800"):
        assert segments[col].notna().any()
    # every place-node pair has a row, and the sample places all reach every node
    dist = tmp_path / "demo" / "distances.gpkg"
    od = pyogrio.read_dataframe(dist, layer="od")
    places = pyogrio.read_dataframe(sample_data_dir() / "helsinki.gpkg", layer="places")
    nodes = pyogrio.read_dataframe(sample_data_dir() / "helsinki.gpkg", layer="nodes")
    assert len(od) == len(places) * len(nodes)
    assert (od.status == "ok").all()
    # the route lines run the whole way: access lines plus streets
    np.testing.assert_allclose(od.geometry.length, od.total_m, rtol=1e-6)
    areas = pyogrio.read_dataframe(dist, layer="service_areas")
    assert len(areas) == 3 * len(places)
    access = pyogrio.read_dataframe(tmp_path / "demo" / "accessibility.gpkg", layer="accessibility")
    assert (access.reach_rn == len(nodes)).all()
    # styled GeoPackages, the comparison for the sample proposal and the report
    with sqlite3.connect(tmp_path / "demo" / "segments.gpkg") as con:
        assert con.execute(
            "SELECT useAsDefault FROM layer_styles WHERE f_table_name = 'segments'"
        ).fetchone() == (1,)
    compare = tmp_path / "demo" / "compare.gpkg"
    diff_layers = {"segments_diff", "od_diff", "places_diff", "accessibility_diff"}
    assert diff_layers <= {str(n) for n in pyogrio.list_layers(compare)[:, 0]}
    seg_diff = pyogrio.read_dataframe(compare, layer="segments_diff")
    assert seg_diff["new"].sum() == 2
    od_diff = pyogrio.read_dataframe(compare, layer="od_diff")
    assert (od_diff["walk_min_change"] <= 1e-9).all()
    assert (od_diff["walk_min_change"] < -1).any()
    for name in ("report.html", "report.pdf"):
        assert (tmp_path / "demo" / "report" / name).stat().st_size > 100_000
    assert "proposal:" in summary
    _check_demo_areas(tmp_path / "demo", net)


def _check_demo_areas(demo, net):
    """The demo's people and areas: every synthetic resident counted once, plausible layers.

    Checked against the committed sample population itself (an independent sum), the
    network (one co-presence row per segment) and the places (every one listed as an
    existing meeting place), and against the pattern the generator built in on purpose:
    the east holds more residents born abroad, so that group is more isolated over the
    districts than its city share, and D lies strictly between 0 and 1.
    """
    gpkg = demo / "areas.gpkg"
    sample = sample_data_dir() / "population.gpkg"
    people = pyogrio.read_dataframe(sample, layer="population")
    districts = pyogrio.read_dataframe(sample, layer="districts")
    assert people["synthetic"].all()
    assert (people["population"] == people["born_sweden"] + people["born_abroad"]).all()
    pop = pyogrio.read_dataframe(gpkg, layer="population")
    assert pop["population"].sum() == people["population"].sum()
    assert pop["synthetic"].all()  # the label travels into the result, and so into the report
    areas = pyogrio.read_dataframe(gpkg, layer="areas")
    assert sorted(areas["area_id"]) == sorted(districts["area_id"])
    assert areas["population"].sum() == people["population"].sum()  # every point in a district
    by_area = areas.set_index("area_id")["population"]
    assert (by_area == districts.set_index("area_id")["residents"].loc[by_area.index]).all()
    for c in ("station", "library", "school"):
        assert areas[f"unreached_{c}"].sum() == 0  # the sample city is one connected network
        assert areas[f"mean_min_{c}"].between(0, 30).all()
    matrix = pyogrio.read_dataframe(gpkg, layer="area_matrix")
    assert len(matrix) == len(areas) ** 2
    square = matrix.pivot(index="from_area", columns="to_area", values="mean_m")
    np.testing.assert_allclose(square.to_numpy(), square.to_numpy().T, rtol=1e-9)
    copresence = pyogrio.read_dataframe(gpkg, layer="copresence", read_geometry=False)
    assert len(copresence) == len(net)
    assert copresence["mix_10min"].dropna().between(0, 1).all()
    sites = pyogrio.read_dataframe(gpkg, layer="meeting_places", read_geometry=False)
    places = pyogrio.read_dataframe(sample_data_dir() / "helsinki.gpkg", layer="places")
    assert sites["existing"].sum() == len(places) == len(sites)  # their own layer
    seg = pyogrio.read_dataframe(gpkg, layer="segregation")
    value = seg.set_index(["index", "group", "scale"])["value"]
    assert 0 < value["dissimilarity", "all", "areas"] < 1
    abroad_share = people["born_abroad"].sum() / people["population"].sum()
    assert value["isolation", "born_abroad", "areas"] > abroad_share
    assert {"network_5min", "network_10min"} <= set(seg["scale"])
    report = (demo / "report" / "report.html").read_text(encoding="utf-8")
    assert "Människor och områden" in report
    assert "påhittad (syntetisk)" in report


def test_sample_population_is_what_its_script_makes(sample_pbf):
    """sample_data/population.gpkg is the seeded output of sample_data/make_population.py."""
    import importlib.util

    path = sample_data_dir() / "make_population.py"
    if not path.is_file():  # an installed wheel carries the data, not the maintainer's script
        pytest.skip("make_population.py is only in a source checkout")
    spec = importlib.util.spec_from_file_location("make_population", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.population(module.buildings(sample_pbf))
    committed = pyogrio.read_dataframe(sample_data_dir() / "population.gpkg", layer="population")
    for column in ("building_ref", "population", "born_sweden", "born_abroad"):
        assert made[column].tolist() == committed[column].tolist()
    grid = module.districts(made)
    committed = pyogrio.read_dataframe(sample_data_dir() / "population.gpkg", layer="districts")
    assert grid["area_id"].tolist() == committed["area_id"].tolist()
    assert grid["residents"].tolist() == committed["residents"].tolist()

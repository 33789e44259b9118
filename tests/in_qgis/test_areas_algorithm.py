"""``stadsrum:areas`` in a real QGIS: the core's numbers, cancel, styles, SCB tables.

The town is ``tests/test_areas.py``'s bridge town (two areas, W all group x and E all
group y, joined by one bridge; a school at the east end), whose numbers are derived
there: W→E 420 m on average, the school 5.6 min from W and 1.6 min from E.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import NULL, QgsProcessingException, QgsVectorLayer

from stadsrum import workflows

pytestmark = pytest.mark.qgis

SPEED = 100 / 60


def table(layer: QgsVectorLayer) -> pd.DataFrame:
    names = layer.fields().names()
    rows = [
        [None if v is None or v == NULL else v for v in f.attributes()] for f in layer.getFeatures()
    ]
    return pd.DataFrame(rows, columns=names)


def _layer(value, name: str) -> QgsVectorLayer:
    layer = value if isinstance(value, QgsVectorLayer) else QgsVectorLayer(value, name, "ogr")
    assert layer.isValid(), value
    return layer


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> dict[str, str]:
    from test_areas import _bridge_town

    folder = tmp_path_factory.mktemp("town")
    net, pop, areas, school = _bridge_town()
    files = {}
    for name, frame in (
        ("streets", net.edges[["geometry"]]),
        ("pop", pop),
        ("areas", areas),
        ("school", school),
    ):
        files[name] = str(folder / f"{name}.gpkg")
        frame.to_file(files[name])
    return files


def _params(town: dict[str, str], out: Path | None = None) -> dict:
    sink = (lambda name: f"ogr:dbname='{out}' table=\"{name}\" (geom)") if out else None
    params = {
        "NETWORK": town["streets"],
        "POPULATION": town["pop"],
        "GROUPS": "x,y",
        "AREAS": town["areas"],
        "AREA_ID": "district",
        "NODES": town["school"],
        "NODE_CATEGORY": "kind",
        "THRESHOLDS": "2,4",
        "ENVIRONMENT": "2",
        "SPEED": SPEED,
    }
    for sink_name in ("OUTPUT", "AREA_MATRIX", "COPRESENCE", "MEETING_SITES", "SEGREGATION"):
        params[sink_name] = "TEMPORARY_OUTPUT" if sink is None else sink(sink_name.lower())
    params["RESIDENTS"] = "TEMPORARY_OUTPUT"
    return params


def test_areas_algorithm_equals_the_core(plugin, town, make_feedback):
    import processing

    feedback = make_feedback()
    result = processing.run("stadsrum:areas", _params(town), feedback=feedback)
    core = workflows.run_areas(
        town["streets"],
        town["pop"],
        None,
        groups="x,y",
        areas=town["areas"],
        area_id="district",
        nodes=town["school"],
        node_category="kind",
        thresholds="2,4",
        environment="2",
        speed=SPEED,
    ).layers
    areas = table(_layer(result["OUTPUT"], "areas")).set_index("area_id").sort_index()
    want = core["areas"].set_index("area_id").sort_index()
    assert areas.loc["W", "mean_min_school"] == pytest.approx(5.6)  # derived in test_areas
    numeric = [
        c for c in want.columns if c != "geometry" and pd.api.types.is_numeric_dtype(want[c])
    ]
    assert "share_school_4min_y" in numeric
    for column in numeric:
        assert np.allclose(
            areas[column].astype(float), want[column].astype(float), equal_nan=True
        ), column
    matrix = table(_layer(result["AREA_MATRIX"], "m")).set_index(["from_area", "to_area"])
    assert matrix.loc[("W", "E"), "mean_m"] == pytest.approx(420.0)
    want_m = core["area_matrix"].set_index(["from_area", "to_area"])
    assert np.allclose(matrix.loc[want_m.index, "mean_m"], want_m["mean_m"])
    cop = table(_layer(result["COPRESENCE"], "c")).set_index("segment_id").sort_index()
    want_c = core["copresence"].set_index("segment_id").sort_index()
    for column in ("reach_pop_2min", "reach_x_4min", "mix_2min", "other_area_share_2min"):
        assert np.allclose(cop[column].astype(float), want_c[column], equal_nan=True), column
    seg = table(_layer(result["SEGREGATION"], "s"))
    assert seg["value"].astype(float).tolist() == pytest.approx(core["segregation"]["value"])
    sites = table(_layer(result["MEETING_SITES"], "ms"))
    assert sorted(sites["rank"]) == sorted(core["meeting_sites"]["rank"])
    residents = table(_layer(result["RESIDENTS"], "r"))
    assert residents["link_m"].tolist() == pytest.approx([10.0] * 4)
    assert feedback.progress_values
    assert max(feedback.progress_values) == pytest.approx(100.0)


def test_areas_outputs_carry_their_styles(plugin, town, tmp_path):
    """Written to a GeoPackage: the areas as a choropleth of the walk to the school, the
    streets graduated by co-presence, the meeting sites with their rank labelled."""
    import processing

    out = tmp_path / "people.gpkg"
    processing.run("stadsrum:areas", _params(town, out))
    with sqlite3.connect(out) as con:
        styles = dict(con.execute('SELECT "f_table_name", "styleQML" FROM "layer_styles"'))
    assert {"output", "copresence", "meeting_sites"} <= styles.keys()
    assert 'attr="mean_min_school"' in styles["output"]
    assert 'attr="mix_' in styles["copresence"] or 'attr="reach_pop_' in styles["copresence"]
    assert "rank" in styles["meeting_sites"]
    areas = QgsVectorLayer(f"{out}|layername=output", "areas", "ogr")
    assert areas.renderer().type() == "graduatedSymbol"
    assert areas.renderer().classAttribute() == "mean_min_school"
    streets = QgsVectorLayer(f"{out}|layername=copresence", "copresence", "ogr")
    assert streets.renderer().type() == "graduatedSymbol"


def test_areas_cancel_writes_nothing(plugin, town, tmp_path, make_feedback):
    import processing

    out = tmp_path / "cancelled.gpkg"
    feedback = make_feedback()
    seen = []

    def cancel_once(value: float) -> None:
        if 0 < value < 100 and not seen:
            seen.append(value)
            feedback.cancel()

    feedback.progressChanged.connect(cancel_once)
    with pytest.raises(QgsProcessingException) as info:
        processing.run("stadsrum:areas", _params(town, out), feedback=feedback)
    assert "cancelled" in str(info.value).lower()
    assert seen, "the run never reported progress"
    assert not out.exists()


def test_areas_with_scb_tables_in_qgis(plugin, tmp_path):
    """The DeSO town of tests/test_areas_scb.py, the DeSO layer as population and areas,
    folkmangd_bakgrund.csv as the groups: each area holds its table's sum (1600, 2100,
    1813), and the areas' dissimilarity is 0.345109 (derived there)."""
    import processing
    from test_areas_scb import GROUPS, SCB, _town

    streets, deso = _town(tmp_path)
    params = {
        "NETWORK": str(streets),
        "POPULATION": str(deso),
        "AREAS": str(deso),
        "AREA_STATS": [str(SCB / "folkmangd_bakgrund.csv")],
        "GROUPS": GROUPS,
        "THRESHOLDS": "5",
        "ENVIRONMENT": "5",
    }
    for sink in ("OUTPUT", "AREA_MATRIX", "COPRESENCE", "MEETING_SITES", "SEGREGATION"):
        params[sink] = "TEMPORARY_OUTPUT"
    result = processing.run("stadsrum:areas", params)
    areas = table(_layer(result["OUTPUT"], "a")).set_index("area_id")
    assert areas["population"].to_dict() == {
        "0114A0010": 1600,
        "0114C1010": 2100,
        "0114C1020": 1813,
    }
    seg = table(_layer(result["SEGREGATION"], "s"))
    d = seg[(seg["index"] == "dissimilarity") & (seg["scale"] == "areas")]["value"]
    assert d.tolist() == pytest.approx([0.345109], abs=1e-6)


def test_existing_places_are_their_own_layer(plugin, town):
    """Candidates are street segments (lines) and the existing place is a point: a QGIS
    layer holds one geometry type, so the candidates stay lines in Meeting sites (the
    bridge, x 300..400 at y = 0, ranks first at 2 min, derived in tests/test_areas.py)
    and the school is a point in its own layer, ranked among them."""
    import processing
    from helpers import X0, Y0

    params = _params(town) | {
        "MEETING_PLACES": town["school"],
        "EXISTING_PLACES": "TEMPORARY_OUTPUT",
    }
    result = processing.run("stadsrum:areas", params)
    layer = _layer(result["MEETING_SITES"], "sites")
    assert {f.geometry().type() for f in layer.getFeatures()} == {1}  # LineGeometry
    rows = {f["rank_2min"]: f.geometry().asPolyline() for f in layer.getFeatures()}
    ends = sorted((p.x() - X0, p.y() - Y0) for p in rows[1])
    assert [v for end in ends for v in end] == pytest.approx([300.0, 0.0, 400.0, 0.0])
    assert table(layer)["existing"].sum() == 0
    places = _layer(result["EXISTING_PLACES"], "places")
    assert {f.geometry().type() for f in places.getFeatures()} == {0}  # PointGeometry
    assert table(places)["existing"].tolist() == [True]

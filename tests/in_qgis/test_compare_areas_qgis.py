"""``stadsrum:compare`` with two areas runs (AREAS_BEFORE, AREAS_AFTER): run_compare's numbers.

The town is ``tests/test_areas.py``'s bridge town (West all group x, East all group
y, a school at the east end). Before the proposal the bridge (300..400) is missing,
so nobody in the West reaches the East or the school; after, it is there, and the
numbers derived in ``test_areas.py`` hold: W→E 420 m on average. Both runs are made
by the QGIS algorithm ``stadsrum:areas`` with all outputs written to one GeoPackage
given as a plain path, so that its layers get their standard names (areas,
segregation, ...) as ``stadsrum areas`` writes them.
"""

from __future__ import annotations

import math
import sqlite3

import pandas as pd
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from helpers import make_lines
from qgis.core import NULL, QgsProcessingException, QgsVectorLayer

from stadsrum import workflows

pytestmark = pytest.mark.qgis

SPEED = 100 / 60
WITHOUT_BRIDGE = [[(0, 0), (300, 0)], [(400, 0), (700, 0)], [(300, 0), (300, -50)]]
WITHOUT_BRIDGE += [[(400, 0), (400, -50)]]
SINKS = ("OUTPUT", "AREA_MATRIX", "COPRESENCE", "MEETING_SITES", "SEGREGATION")
DIFFS = {
    "AREAS_DIFF": ("areas_diff", ["area_id"]),
    "AREA_MATRIX_DIFF": ("area_matrix_diff", ["from_area", "to_area"]),
    "SEGREGATION_DIFF": ("segregation_diff", ["index", "group", "scale"]),
}


def _table(layer) -> pd.DataFrame:
    layer = layer if isinstance(layer, QgsVectorLayer) else QgsVectorLayer(layer, "t", "ogr")
    assert layer.isValid()
    rows = [
        [None if v is None or v == NULL else v for v in f.attributes()] for f in layer.getFeatures()
    ]
    return pd.DataFrame(rows, columns=layer.fields().names())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, str]:
    """The areas runs before (no bridge) and after (bridge), each one GeoPackage."""
    import processing
    from test_areas import _bridge_town

    folder = tmp_path_factory.mktemp("compare_areas")
    net, pop, areas, school = _bridge_town()
    files = {}
    for name, frame in (
        ("after_net", net.edges[["geometry"]]),
        ("before_net", make_lines(WITHOUT_BRIDGE)),
        ("pop", pop),
        ("areas", areas),
        ("school", school),
    ):
        files[name] = str(folder / f"{name}.gpkg")
        frame.to_file(files[name])
    for when in ("before", "after"):
        out = str(folder / f"areas_{when}.gpkg")
        params = {
            "NETWORK": files[f"{when}_net"],
            "POPULATION": files["pop"],
            "GROUPS": "x,y",
            "AREAS": files["areas"],
            "AREA_ID": "district",
            "NODES": files["school"],
            "NODE_CATEGORY": "kind",
            "THRESHOLDS": "2,4",
            "ENVIRONMENT": "2",
            "SPEED": SPEED,
            **dict.fromkeys(SINKS, out),
            "RESIDENTS": "TEMPORARY_OUTPUT",
        }
        processing.run("stadsrum:areas", params)
        files[when] = out
    return files


def test_the_areas_algorithm_writes_standard_layer_names(plugin, runs):
    """What AREAS_BEFORE/AFTER read: the layers named as the command line names them."""
    with sqlite3.connect(runs["after"]) as con:
        names = {row[0] for row in con.execute('SELECT "table_name" FROM "gpkg_contents"')}
    assert {"areas", "area_matrix", "copresence", "segregation", "run_metadata"} <= names


def test_compare_of_two_areas_runs_equals_run_compare(plugin, runs, tmp_path):
    """Without network or proposal, the *_diff outputs hold run_compare's values, and
    the bridge's effect is the hand-derived one: W→E unreached before, 420 m after."""
    import processing

    params = {"AREAS_BEFORE": runs["before"], "AREAS_AFTER": runs["after"]}
    params |= {sink: "TEMPORARY_OUTPUT" for sink in (*DIFFS, "COPRESENCE_DIFF")}
    result = processing.run("stadsrum:compare", params)
    core = workflows.run_compare(
        None, None, None, areas_before=runs["before"], areas_after=runs["after"]
    ).layers
    for sink, (layer, keys) in DIFFS.items():
        got = _table(result[sink]).set_index(keys).sort_index()
        want = core[layer].set_index(keys).sort_index()
        assert len(got) == len(want) > 0, sink
        numeric = [c for c in want.columns if pd.api.types.is_numeric_dtype(want[c])]
        assert numeric, sink
        for column in numeric:
            a = got[column].astype(float).to_numpy()
            b = want[column].astype(float).to_numpy()
            both_nan = pd.isna(a) & pd.isna(b)
            assert ((abs(a - b) < 1e-9) | both_nan).all(), (sink, column)
    matrix = _table(result["AREA_MATRIX_DIFF"]).set_index(["from_area", "to_area"])
    assert matrix.loc[("W", "E"), "mean_m_after"] == pytest.approx(420.0)
    before = matrix.loc[("W", "E"), "mean_m_before"]
    assert before is None or math.isnan(before)
    assert matrix.loc[("W", "E"), "unreached_share_before"] == pytest.approx(1.0)
    assert matrix.loc[("W", "E"), "unreached_share_after"] == pytest.approx(0.0)
    streets = _table(result["COPRESENCE_DIFF"])
    assert len(streets) == len(core["copresence_diff"])
    assert set(streets["status"]) == set(core["copresence_diff"]["status"])


def test_compare_needs_both_areas_runs(plugin, runs):
    import processing

    with pytest.raises(QgsProcessingException, match="both areas runs"):
        processing.run(
            "stadsrum:compare",
            {"AREAS_BEFORE": runs["before"], "AREAS_DIFF": "TEMPORARY_OUTPUT"},
        )


def test_compare_with_nothing_to_compare_says_what_to_give(plugin):
    import processing

    with pytest.raises(QgsProcessingException, match="Nothing to compare"):
        processing.run("stadsrum:compare", {"AREAS_DIFF": "TEMPORARY_OUTPUT"})

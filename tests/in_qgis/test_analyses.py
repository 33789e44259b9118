"""The analyses (distances, accessibility, barriers, compare) via processing.run: core numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import NULL, QgsVectorLayer, QgsWkbTypes

from stadsrum import workflows
from stadsrum.workflows import sample_data_dir

pytestmark = pytest.mark.qgis

TEMP = "TEMPORARY_OUTPUT"


def sample(layer: str) -> str:
    return f"{sample_data_dir() / 'helsinki.gpkg'}|layername={layer}"


def table(layer: QgsVectorLayer) -> pd.DataFrame:
    """A result layer's attributes as a DataFrame, NULL as missing."""
    names = layer.fields().names()
    rows = [
        [None if v is None or v == NULL else v for v in f.attributes()] for f in layer.getFeatures()
    ]
    return pd.DataFrame(rows, columns=names)


def assert_same(got: pd.DataFrame, want: pd.DataFrame, key: list[str], columns: list[str]):
    """Equal rows by ``key``, and equal numbers (or both missing) in ``columns``."""
    assert len(got) == len(want)
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    for column in key:
        assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column
    for column in columns:
        g = pd.to_numeric(got[column], errors="coerce").to_numpy(float)
        w = pd.to_numeric(want[column], errors="coerce").to_numpy(float)
        assert np.allclose(g, w, equal_nan=True), column


# --- distances ------------------------------------------------------------------------------

# the network layer was written by QGIS (no run_metadata table): say it is prepared
DISTANCE_OPTIONS = {
    "prepare": "none",
    "node_category": "category",
    "thresholds": "5,10",
    "nearest_per_category": True,
    "max_link": 250.0,
    "speed": 1.2,
}


@pytest.fixture(scope="module")
def distances(plugin, network_layer, make_feedback):
    import processing

    feedback = make_feedback()
    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "PLACES": sample("places"),
        "NODES": sample("nodes"),
        "NODE_CATEGORY": "category",
        "THRESHOLDS": "5,10",
        "NEAREST_PER_CATEGORY": True,
        "MAX_LINK": 250.0,
        "SPEED": 1.2,
        "OUTPUT": TEMP,
        "SERVICE_AREAS": TEMP,
        "SERVICE_AREA_LINES": TEMP,
        "PLACE_SUMMARY": TEMP,
        "WARNINGS": TEMP,
    }
    result = processing.run("stadsrum:distances", params, feedback=feedback)
    core = workflows.run_distances(
        network_layer, sample("places"), sample("nodes"), None, **DISTANCE_OPTIONS
    )
    return result, core.layers, feedback


def test_distances_od_matches_the_core(distances):
    result, core, feedback = distances
    layer = result["OUTPUT"]
    assert QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.LineGeometry
    got, want = table(layer), core["od"]
    assert "place_name" in got.columns  # the places' own columns come along
    # the nearest node of each category only: 11 places x 7 categories
    assert len(want) == 11 * want["node_category"].nunique()
    numbers = ["network_m", "link_m", "total_m", "walk_min", "straight_m", "detour_ratio", "turns"]
    assert_same(got, want, ["place_id", "node_id"], numbers)
    assert got["status"].tolist().count("ok") == int((want["status"] == "ok").sum())
    assert max(feedback.progress_values) == pytest.approx(100.0)


def test_distances_service_areas_and_summary_match_the_core(distances):
    result, core, _ = distances
    key = ["place_id", "threshold_min"]
    areas = result["SERVICE_AREAS"]
    assert QgsWkbTypes.geometryType(areas.wkbType()) == QgsWkbTypes.PolygonGeometry
    assert_same(table(areas), core["service_areas"], key, ["area_m2"])
    assert sorted(set(table(areas)["threshold_min"])) == [5.0, 10.0]
    assert_same(table(result["SERVICE_AREA_LINES"]), core["service_area_lines"], key, ["length_m"])
    summary = result["PLACE_SUMMARY"]
    assert summary.wkbType() == QgsWkbTypes.NoGeometry  # a table
    want = core["place_summary"]
    assert summary.fields().names() == list(want.columns)
    assert_same(table(summary), want, ["place_id"], [c for c in want.columns if c != "place_id"])


def test_distances_warnings_match_the_core(distances):
    """The plausibility warnings reach the planner as a layer, one feature per core row."""
    result, core, _ = distances
    layer = result["WARNINGS"]
    want = core["warnings"]
    got = table(layer)
    assert len(got) == len(want)
    assert sorted(got["kind"]) == sorted(want["kind"])
    if len(want):
        assert QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.LineGeometry


# --- accessibility --------------------------------------------------------------------------


def test_accessibility_from_segments_matches_the_core(plugin, network_layer):
    import processing

    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "ATTRACTIONS": sample("nodes"),
        "COST": [0, 1],  # metric, time
        "RADII": "400,800",
        "DECAY": 1,  # linear
        "CATEGORY": "category",
        "OUTPUT": TEMP,
    }
    layer = processing.run("stadsrum:accessibility", params)["OUTPUT"]
    want = workflows.run_accessibility(
        network_layer,
        sample("nodes"),
        None,
        prepare="none",
        cost="metric,time",
        radii="400,800",
        decay="linear",
        category="category",
    ).accessibility
    got = table(layer)
    columns = ["nearest_m", "nearest_min", "reach_r400", "reach_r800", "nearest_station_m"]
    assert_same(got, want, ["edge_id"], columns)
    assert "osm_id" in got.columns  # the network's own columns survive
    assert np.nanmax(got["reach_r800"].astype(float)) > 0


def test_accessibility_from_origin_points_matches_the_core(plugin, network_layer):
    import processing

    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "ATTRACTIONS": sample("nodes"),
        "ORIGINS": sample("places"),
        "RADII": "600,n",
        "DECAY": 2,  # exponential
        "OUTPUT": TEMP,
    }
    layer = processing.run("stadsrum:accessibility", params)["OUTPUT"]
    want = workflows.run_accessibility(
        network_layer,
        sample("nodes"),
        None,
        prepare="none",
        origins=sample("places"),
        radii="600,n",
        decay="exponential",
    ).accessibility
    assert QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry
    assert_same(table(layer), want, ["place_id"], ["nearest_m", "reach_r600", "reach_rn"])


# --- barriers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def barriers(plugin, network_layer, make_feedback):
    import processing

    feedback = make_feedback()
    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "BARRIERS": sample("barriers"),
        "PLACES": sample("places"),
        "NODES": sample("nodes"),
        "NODE_CATEGORY": "category",
        "PROPOSAL": sample("proposal"),
        "PROPOSAL_ID": "proposal_id",
        "BEST_K": 3,
        "THRESHOLDS": "10",
    }
    outputs = {
        "CROSSINGS": TEMP,
        "BARRIER_STRETCHES": TEMP,
        "DETOUR": TEMP,
        "DETOUR_PLACES": TEMP,
        "BARRIER_EFFECT": TEMP,
        "CANDIDATE_LINKS": TEMP,
        "SCENARIO": TEMP,
        "SCENARIO_PLACES": TEMP,
    }
    result = processing.run("stadsrum:barriers", params | outputs, feedback=feedback)
    core = workflows.run_barriers(
        network_layer,
        sample("barriers"),
        None,
        prepare="none",
        places=sample("places"),
        nodes=sample("nodes"),
        proposal=sample("proposal"),
        node_category="category",
        proposal_id="proposal_id",
        best_k=3,
        thresholds="10",
        effect_segments=False,
    )
    return result, core.layers, feedback


def test_barrier_inventory_matches_the_core(barriers):
    result, core, _ = barriers
    crossings = table(result["CROSSINGS"])
    assert_same(crossings, core["crossings"], ["crossing_id"], ["lines_crossed"])
    assert crossings.sort_values("crossing_id")["crossing_type"].tolist() == (
        core["crossings"].sort_values("crossing_id")["crossing_type"].tolist()
    )
    stretches = table(result["BARRIER_STRETCHES"])
    want = core["barrier_stretches"]
    assert len(stretches) == len(want)
    for column in ("stretch_m", "stretch_line_m"):
        assert np.allclose(
            np.sort(stretches[column].astype(float)), np.sort(want[column].to_numpy(float))
        )


def test_barrier_rankings_and_effect_match_the_core(barriers):
    result, core, feedback = barriers
    links = table(result["CANDIDATE_LINKS"])
    assert_same(links, core["candidate_links"], ["rank"], ["gain_m", "length_m", "greedy_step"])
    assert links["rank"].min() == 1
    effect = table(result["BARRIER_EFFECT"])
    loss = [c for c in core["barrier_effect"].columns if c.endswith("_loss")]
    assert "reach_10min_loss" in loss
    assert_same(effect, core["barrier_effect"], ["place_id", "barrier_id"], loss)
    assert_same(
        table(result["DETOUR_PLACES"]), core["detour_places"], ["place_id"], ["barrier_excess_m"]
    )
    detour = table(result["DETOUR"])
    assert np.allclose(
        np.sort(detour["detour_ratio"].astype(float)),
        np.sort(core["detour"]["detour_ratio"].to_numpy(float)),
        equal_nan=True,
    )
    assert max(feedback.progress_values) == pytest.approx(100.0)


def test_barrier_scenario_matches_the_core(barriers):
    result, core, _ = barriers
    numbers = ["before_m", "after_m", "change_m"]
    assert_same(table(result["SCENARIO"]), core["scenario"], ["place_id", "node_id"], numbers)
    assert (table(result["SCENARIO"])["change_m"].astype(float) < 0).any()
    change = [c for c in core["scenario_places"].columns if c.endswith("_change")]
    assert_same(table(result["SCENARIO_PLACES"]), core["scenario_places"], ["place_id"], change)


def test_barriers_without_places_skip_the_outputs_that_need_them(plugin, network_layer):
    import processing

    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "BARRIERS": sample("barriers"),
        "CATEGORIES": "railway",
        "CROSSINGS": TEMP,
        "BARRIER_STRETCHES": TEMP,
        "CANDIDATE_LINKS": TEMP,
    }
    result = processing.run("stadsrum:barriers", params)
    assert {"CROSSINGS", "BARRIER_STRETCHES"} <= result.keys()
    assert "CANDIDATE_LINKS" not in result
    categories = {f["category"] for f in result["CROSSINGS"].getFeatures()}
    assert categories == {"railway"}


# --- compare --------------------------------------------------------------------------------


def test_compare_matches_the_core(plugin, network_layer, make_feedback):
    import processing

    feedback = make_feedback()
    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "PROPOSAL": sample("proposal"),
        "COST": [1],  # metric
        "RADII": "400",
        "PLACES": sample("places"),
        "NODES": sample("nodes"),
        "THRESHOLDS": "10",
        "SEGMENTS_DIFF": TEMP,
        "OD_DIFF": TEMP,
        "PLACES_DIFF": TEMP,
        "ACCESSIBILITY_DIFF": TEMP,
    }
    result = processing.run("stadsrum:compare", params, feedback=feedback)
    core = workflows.run_compare(
        network_layer,
        sample("proposal"),
        None,
        prepare="none",
        cost="metric",
        radii="400",
        places=sample("places"),
        nodes=sample("nodes"),
        thresholds="10",
    ).layers
    assert "ACCESSIBILITY_DIFF" not in result  # no attractions given: skipped
    segments = table(result["SEGMENTS_DIFF"])
    change = [c for c in core["segments_diff"].columns if c.endswith("_change")]
    assert "integration_metric_r400_change" in change
    assert_same(segments, core["segments_diff"], ["segment_id"], change)
    assert (segments["integration_metric_r400_change"].astype(float) > 0).any()
    numbers = ["total_m_before", "total_m_after", "total_m_change", "walk_min_change"]
    assert_same(table(result["OD_DIFF"]), core["od_diff"], ["place_id", "node_id"], numbers)
    places = [c for c in core["places_diff"].columns if c.endswith(("_change", "_before"))]
    assert_same(table(result["PLACES_DIFF"]), core["places_diff"], ["place_id"], places)
    assert any(line.startswith("links_added: 2") for line in feedback.infos)

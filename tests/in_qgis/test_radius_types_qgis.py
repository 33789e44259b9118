"""Radius types in QGIS: accessibility RADII and STEP_THRESHOLD, distances SERVICE_RADII."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from in_qgis.test_analyses import TEMP, sample, table
from stadsrum import workflows

pytestmark = pytest.mark.qgis


def test_accessibility_typed_radii_match_the_core(plugin, network_layer):
    import processing

    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "ATTRACTIONS": sample("nodes"),
        "RADII": "400,straight:400,steps:2,angular:90",
        "STEP_THRESHOLD": 30.0,
        "OUTPUT": TEMP,
    }
    got = table(processing.run("stadsrum:accessibility", params)["OUTPUT"])
    want = workflows.run_accessibility(
        network_layer,
        sample("nodes"),
        None,
        prepare="none",
        radii="400,straight:400,steps:2,angular:90",
        step_threshold=30.0,
    ).accessibility
    got = got.sort_values("edge_id").reset_index(drop=True)
    want = want.sort_values("edge_id").reset_index(drop=True)
    for col in ("reach_r400", "reach_r400_straight", "reach_r2_steps", "reach_r90_angular"):
        np.testing.assert_allclose(pd.to_numeric(got[col]), want[col], err_msg=col)
    assert want["reach_r2_steps"].max() > 0


def test_distances_service_radii_match_the_core(plugin, network_layer):
    import processing

    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "PLACES": sample("places"),
        "NODES": sample("nodes"),
        "THRESHOLDS": "5",
        "SERVICE_RADII": "steps:2,straight:300",
        "STEP_THRESHOLD": 30.0,
        "OUTPUT": TEMP,
        "SERVICE_AREAS": TEMP,
        "SERVICE_AREA_LINES": TEMP,
        "PLACE_SUMMARY": TEMP,
    }
    got = table(processing.run("stadsrum:distances", params)["SERVICE_AREA_LINES"])
    want = workflows.run_distances(
        network_layer,
        sample("places"),
        sample("nodes"),
        None,
        prepare="none",
        thresholds="5",
        service_radii="steps:2,straight:300",
        step_threshold=30.0,
    ).layers["service_area_lines"]
    key = ["place_id", "radius"]
    got = got.fillna({"radius": ""}).sort_values(key).reset_index(drop=True)
    want = want.fillna({"radius": ""}).sort_values(key).reset_index(drop=True)
    assert got["radius"].tolist() == want["radius"].tolist()
    assert set(want["radius"]) == {"", "steps:2", "straight:300"}
    np.testing.assert_allclose(pd.to_numeric(got["length_m"]), want["length_m"])

"""``stadsrum:betweenness`` via processing.run: the core's numbers, styled."""

from __future__ import annotations

import numpy as np
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from stadsrum import workflows
from stadsrum.workflows import sample_data_dir

pytestmark = pytest.mark.qgis


def sample(layer: str) -> str:
    return f"{sample_data_dir() / 'helsinki.gpkg'}|layername={layer}"


@pytest.mark.parametrize("mode", [0, 1])  # all, closest
def test_od_betweenness_matches_the_core(plugin, network_layer, mode):
    """Places (polygons at their centroid) to the key nodes within 800 m, and within
    two steps (a typed radius passes through as typed)."""
    import processing

    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,  # none: the network layer is prepared already
        "ORIGINS": sample("places"),
        "DESTINATIONS": sample("nodes"),
        "KIND": 0,  # OD
        "DESTINATIONS_MODE": mode,
        "COST": [0],
        "RADII": "800,steps:2",
        "OUTPUT": "TEMPORARY_OUTPUT",
    }
    layer = processing.run("stadsrum:betweenness", params)["OUTPUT"]
    want = workflows.run_betweenness(
        network_layer,
        None,
        origins=sample("places"),
        destinations=sample("nodes"),
        prepare="none",
        radii="800,steps:2",
        betweenness_mode=["all", "closest"][mode],
    ).betweenness
    for column in ("od_betweenness_metric_r800", "od_betweenness_metric_r2_steps"):
        got = np.array([f[column] for f in layer.getFeatures()], dtype=float)
        assert len(got) == len(want)
        assert want[column].sum() > 0
        assert np.allclose(np.sort(got), np.sort(want[column].to_numpy()))

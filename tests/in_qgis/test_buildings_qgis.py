"""Buildings with entrances through the QGIS algorithms: the same numbers as the core."""

from __future__ import annotations

import numpy as np
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from stadsrum import workflows
from stadsrum.workflows import sample_data_dir

pytestmark = pytest.mark.qgis

TEMP = "TEMPORARY_OUTPUT"


@pytest.fixture(scope="module")
def buildings(tmp_path_factory):
    """30 of the sample city's buildings (15 with entrances, 15 without) and their
    entrances, as `stadsrum buildings` reads them (a few, to keep service areas quick)."""
    from stadsrum.io.writers import write_gpkg

    out = tmp_path_factory.mktemp("buildings") / "buildings.gpkg"
    found = workflows.run_buildings(sample_data_dir() / "helsinki.osm.pbf", None)
    bld = found.buildings
    doors = bld["entrances"] > 0
    some = bld[doors].head(15).index.union(bld[~doors].head(15).index)
    bld = bld.loc[some]
    ent = found.entrances[found.entrances["building_id"].isin(bld["building_id"])]
    write_gpkg(out, {"buildings": bld, "entrances": ent})
    return f"{out}|layername=buildings", f"{out}|layername=entrances"


def _values(layer, key, column):
    return {f[key]: f[column] for f in layer.getFeatures()}


def test_distances_from_buildings_through_their_entrances(plugin, network_layer, buildings):
    """stadsrum:distances with PLACE_ENTRANCES and POLYGONS boundary:20 gives the core's
    total_m for every building and node."""
    import processing

    places, entrances = buildings
    nodes = f"{sample_data_dir() / 'helsinki.gpkg'}|layername=nodes"
    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "PLACES": places,
        "PLACE_ID": "building_id",
        "PLACE_ENTRANCES": entrances,
        "NODES": nodes,
        "POLYGONS": 2,  # boundary:20
        "NEAREST": 1,
        "ROUTES": False,
        "THRESHOLDS": "5",
        "OUTPUT": TEMP,
        "SERVICE_AREAS": TEMP,
        "SERVICE_AREA_LINES": TEMP,
        "PLACE_SUMMARY": TEMP,
    }
    layer = processing.run("stadsrum:distances", params)["OUTPUT"]
    core = workflows.run_distances(
        network_layer,
        places,
        nodes,
        None,
        prepare="none",
        place_id="building_id",
        place_entrances=entrances,
        polygons="boundary:20",
        nearest=1,
        routes=False,
        thresholds="5",
    ).layers["od"]
    got = _values(layer, "place_id", "total_m")
    want = dict(zip(core["place_id"], core["total_m"], strict=True))
    assert len(got) == len(want) == 30
    assert np.allclose([got[k] for k in want], list(want.values()))


def test_accessibility_from_buildings_through_their_entrances(plugin, network_layer, buildings):
    import processing

    places, entrances = buildings
    nodes = f"{sample_data_dir() / 'helsinki.gpkg'}|layername=nodes"
    params = {
        "NETWORK": network_layer,
        "PREPARE": 1,
        "ATTRACTIONS": nodes,
        "ORIGINS": places,
        "ORIGIN_ENTRANCES": entrances,
        "POLYGONS": 2,  # boundary:20
        "RADII": "600,n",
        "OUTPUT": TEMP,
    }
    layer = processing.run("stadsrum:accessibility", params)["OUTPUT"]
    core = workflows.run_accessibility(
        network_layer,
        nodes,
        None,
        origins=places,
        origin_entrances=entrances,
        polygons="boundary:20",
        radii="600,n",
        prepare="none",
    ).accessibility
    got = _values(layer, "building_id", "reach_r600")
    want = dict(zip(core["building_id"], core["reach_r600"], strict=True))
    assert np.allclose([got[k] for k in want], list(want.values()))

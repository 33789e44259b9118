"""``stadsrum:nodes_from_gtfs`` in a real QGIS: the same nodes as the core."""

from __future__ import annotations

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import QgsVectorLayer

pytestmark = pytest.mark.qgis


def test_nodes_from_gtfs_in_qgis(plugin, tmp_path):
    """The feed of tests/test_gtfs.py on Tue 5 March, 07:00-09:00: CEN 2.0, PARK
    1.0, HAMN 0.5, ON 0.0 departures per hour (derived there); trains only leave
    CEN 1.0, PARK 0.5, HAMN 0.0 (train1 07:10 and train2 07:50 at CEN, train2
    07:40 at PARK, HAMN its last stop)."""
    import processing
    from test_gtfs import write_feed

    feed = write_feed(tmp_path / "feed.zip")
    params = {"INPUT": str(feed), "DATE": "2024-03-05", "WINDOW": "07:00-09:00"}
    result = processing.run("stadsrum:nodes_from_gtfs", params | {"OUTPUT": "TEMPORARY_OUTPUT"})
    layer = result["OUTPUT"]
    layer = layer if isinstance(layer, QgsVectorLayer) else QgsVectorLayer(layer, "n", "ogr")
    got = {f["node_id"]: f["departures_per_hour"] for f in layer.getFeatures()}
    assert got == {"CEN": 2.0, "PARK": 1.0, "HAMN": 0.5, "ON": 0.0}
    assert layer.crs().authid() == "EPSG:4326"
    trains = processing.run(
        "stadsrum:nodes_from_gtfs", params | {"MODES": [0], "OUTPUT": "TEMPORARY_OUTPUT"}
    )["OUTPUT"]
    got = {f["node_id"]: f["departures_per_hour"] for f in trains.getFeatures()}
    assert got == {"CEN": 1.0, "PARK": 0.5, "HAMN": 0.0}

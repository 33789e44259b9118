"""Run the plugin's algorithms with processing.run on the sample city; same numbers as the core."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import NULL, QgsProcessingContext, QgsProcessingException, QgsVectorLayer

import stadsrum as sr

pytestmark = pytest.mark.qgis

SEGMENT_PARAMS = {"COST": [0], "RADII": "400,n", "PREPARE": 1}


def number(value):
    """A feature's attribute as a float, NULL as NaN."""
    return np.nan if value is None or value == NULL else float(value)


def features(layer):
    return list(layer.getFeatures())


def as_layer(result, key="OUTPUT"):
    value = result[key]
    return value if isinstance(value, QgsVectorLayer) else QgsVectorLayer(value, key, "ogr")


def test_network_matches_the_core(network_run, sample_pbf):
    result, _out, feedback = network_run
    net = sr.read_network(sample_pbf)
    lines = as_layer(result)
    assert lines.featureCount() == net.n_edges
    assert lines.crs().authid() == f"EPSG:{net.crs.to_epsg()}"
    got = {f["edge_id"]: f["length_m"] for f in features(lines)}
    want = dict(zip(net.edges["edge_id"], net.edges["length_m"], strict=True))
    assert got.keys() == want.keys()
    assert np.allclose([got[k] for k in want], list(want.values()))
    names = lines.fields().names()
    for column in ("osm_id", "highway", "name", "u", "v", "component"):
        assert column in names
    diagnostics = result["DIAGNOSTICS"]
    assert diagnostics.featureCount() == len(net.diagnostics())
    # dead ends, and the sample city's bridges and tunnels: OSM ways that cross without a
    # shared node stay unjoined and are listed
    assert {f["issue"] for f in features(diagnostics)} == {"dangling_end", "unjoined_crossing"}
    assert any("OpenStreetMap" in line for line in feedback.infos)
    assert feedback.progress_values
    assert max(feedback.progress_values) == pytest.approx(100.0)


@pytest.fixture(scope="module")
def core_segments(network_run):
    _, out, _ = network_run
    return sr.run_segments(
        f"{out}|layername=network", None, prepare="none", cost="angular", radii="400,n"
    ).segments


def test_segments_matches_the_core(plugin, network_run, core_segments, tmp_path, make_feedback):
    import processing

    _, out, _ = network_run
    target = tmp_path / "segments.gpkg"
    feedback = make_feedback()
    params = {"INPUT": f"{out}|layername=network", "OUTPUT": str(target)} | SEGMENT_PARAMS
    result = processing.run("stadsrum:segments", params, feedback=feedback)
    layer = as_layer(result)
    rows = sorted(features(layer), key=lambda f: f["segment_id"])
    assert len(rows) == len(core_segments)
    measures = [c for c in core_segments.columns if c.endswith(("_r400", "_rn"))]
    assert "integration_angular_rn" in measures
    assert "choice_angular_r400" in measures
    names = layer.fields().names()
    for column in measures:
        got = np.array([number(f[column]) for f in rows], dtype=float)
        want = core_segments.sort_values("segment_id")[column].to_numpy(float)
        assert np.allclose(got, want, equal_nan=True), column
        assert column in names
    assert "osm_id" in names  # the input's own columns survive
    assert max(feedback.progress_values) == pytest.approx(100.0)


def test_cancel_stops_promptly_and_writes_nothing(plugin, network_run, tmp_path, make_feedback):
    import processing

    _, out, _ = network_run
    target = tmp_path / "cancelled.gpkg"
    feedback = make_feedback()
    cancelled_at = []

    def cancel_once(value: float) -> None:
        if 0 < value < 100 and not cancelled_at:
            cancelled_at.append(time.perf_counter())
            feedback.cancel()

    feedback.progressChanged.connect(cancel_once)
    params = {
        "INPUT": f"{out}|layername=network",
        "OUTPUT": str(target),
        "COST": [0],
        "RADII": "n",
        "PREPARE": 1,
    }
    with pytest.raises(QgsProcessingException) as info:
        processing.run("stadsrum:segments", params, feedback=feedback)
    assert "cancelled" in str(info.value).lower()
    assert cancelled_at, "the run never reported progress"
    assert time.perf_counter() - cancelled_at[0] < 5.0
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_core_errors_become_processing_errors_with_the_same_text(plugin, network_run):
    from qgis import processing

    _, out, _ = network_run
    params = {"INPUT": f"{out}|layername=network", "OUTPUT": "TEMPORARY_OUTPUT", "RADII": "400,far"}
    with pytest.raises(QgsProcessingException) as info:
        processing.run("stadsrum:segments", params)
    with pytest.raises(sr.StadsrumError) as core:
        sr.segment_analysis(sr.read_network(f"{out}|layername=network"), radii="400,far")
    # the same text, less the Python function's name that leads the core's message
    assert str(info.value) == core.value.message
    assert str(core.value).endswith(core.value.message)


def test_weight_field_is_used(plugin, network_run):
    import processing

    _, out, _ = network_run
    params = {
        "INPUT": f"{out}|layername=network",
        "OUTPUT": "TEMPORARY_OUTPUT",
        "COST": [1],
        "RADII": "400",
        "PREPARE": 1,
        "WEIGHT": "length_m",
    }
    weighted = processing.run("stadsrum:segments", params, context=QgsProcessingContext())
    plain = processing.run("stadsrum:segments", params | {"WEIGHT": None})
    w = {f["segment_id"]: f["node_count_metric_r400"] for f in features(weighted["OUTPUT"])}
    p = {f["segment_id"]: f["node_count_metric_r400"] for f in features(plain["OUTPUT"])}
    assert w != p
    assert max(w.values()) > max(p.values())


def test_a_second_run_waits_and_can_be_cancelled(plugin, network_layer, make_feedback):
    """Two analyses never share numba's thread pool: the second waits, cancellably."""
    import processing

    base = sys.modules["stadsrum_plugin.algorithms.base"]
    feedback = make_feedback()
    feedback.pushInfo = lambda text: (feedback.infos.append(text), feedback.cancel())
    params = {"INPUT": network_layer, "OUTPUT": "TEMPORARY_OUTPUT", "RADII": "400"}
    assert base._CORE_LOCK.acquire(timeout=1)  # as a run on another thread would
    try:
        with pytest.raises(QgsProcessingException, match="Cancelled"):
            processing.run("stadsrum:segments", params, feedback=feedback)
    finally:
        base._CORE_LOCK.release()
    assert feedback.infos == ["Waiting for another Stadsrum analysis to finish"]

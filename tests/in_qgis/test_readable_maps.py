"""The default maps of a barriers, a distances and a compare run, drawn as QGIS draws them.

A planner in a Swedish QGIS runs each analysis on a small hand-made town and
gets: at most the N best candidate crossings, the barrier run's layers in one
group with only the key ones switched on, service areas as outlines with one
symbol per threshold, and legends in Swedish whose class limits differ
(never "−0 – −0"). Each map is rendered offscreen to a PNG (kept under
``$STADSRUM_MAP_PNG_DIR`` when that is set, to look at).

The town: a 100 m street grid, 7 × 7 junctions (EPSG:3006), cut by a railway
between its rows 3 and 4 (y = 350 m) that the streets cross at grade only at
x = 0 and x = 600. Homes south of it, a school and a station north of it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsGeometry,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsRuleBasedRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtGui import QColor

pytestmark = pytest.mark.qgis

X0, Y0 = 670000.0, 6580000.0
STEP = 100.0
N = 7
RAIL_Y = 350.0
OPEN = (0, 6)  # grid columns whose street crosses the railway


def _layer(kind: str, fields: str, rows: list[tuple[str, list]]) -> QgsVectorLayer:
    """A memory layer in EPSG:3006 from WKT and attribute rows."""
    layer = QgsVectorLayer(f"{kind}?crs=EPSG:3006&{fields}", kind, "memory")
    features = []
    for wkt, attrs in rows:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromWkt(wkt))
        f.setAttributes(attrs)
        features.append(f)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    return layer


def _xy(i: float, j: float) -> str:
    return f"{X0 + i * STEP} {Y0 + j * STEP}"


@pytest.fixture(scope="module")
def town():
    streets = []
    for j in range(N):
        for i in range(N - 1):
            streets.append((f"LINESTRING({_xy(i, j)}, {_xy(i + 1, j)})", [len(streets)]))
    for i in range(N):
        for j in range(N - 1):
            if j == 3 and i not in OPEN:
                continue  # the railway cuts this street
            streets.append((f"LINESTRING({_xy(i, j)}, {_xy(i, j + 1)})", [len(streets)]))
    rail_y = Y0 + RAIL_Y
    layers = {
        "network": _layer("LineString", "field=id:integer", streets),
        "barriers": _layer(
            "LineString",
            "field=category:string",
            [(f"LINESTRING({X0 - 50} {rail_y}, {X0 + 650} {rail_y})", ["railway"])],
        ),
        "places": _layer(
            "Point",
            "field=place_id:string",
            [(f"POINT({_xy(i + 0.5, 0.8)})", [f"home{i}"]) for i in range(1, 5)],
        ),
        "nodes": _layer(
            "Point",
            "field=node_id:string&field=category:string",
            [
                (f"POINT({_xy(3.5, 5.2)})", ["school", "school"]),
                (f"POINT({_xy(2.2, 6)})", ["station", "station"]),
            ],
        ),
        # a footbridge over the railway in the middle of the town
        "proposal": _layer(
            "LineString",
            "field=proposal_id:string",
            [(f"LINESTRING({_xy(3, 3)}, {_xy(3, 4)})", ["bridge"])],
        ),
    }
    for layer in layers.values():
        assert layer.isValid()
        assert layer.featureCount() > 0
    return layers


@pytest.fixture
def project():
    yield QgsProject.instance()
    QgsProject.instance().clear()


def _render(layers: list[QgsVectorLayer], name: str, tmp_path: Path) -> Path:
    """Draw ``layers`` (first on top) offscreen to a PNG, as the map canvas would."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[-1].crs())
    settings.setBackgroundColor(QColor("white"))
    settings.setOutputSize(QSize(500, 500))
    extent = QgsRectangle(X0 - 60, Y0 - 60, X0 + (N - 1) * STEP + 60, Y0 + (N - 1) * STEP + 60)
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    out = tmp_path / f"{name}.png"
    assert image.save(str(out), "PNG")
    keep = os.environ.get("STADSRUM_MAP_PNG_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    # something besides the white background was drawn
    colours = {image.pixel(x, y) for x in range(0, 500, 5) for y in range(0, 500, 5)}
    assert len(colours) > 3
    return out


def _numbers(label: str) -> list[float]:
    """The numbers of a Swedish legend label ("−1,5 – +3 min" → [-1.5, 3.0])."""
    text = label.replace("\u2212", "-").replace("\u202f", "").replace(",", ".")
    return [float(v) for v in re.findall(r"[-+]?\d+(?:\.\d+)?", text)]


def test_barriers_map_keeps_the_best_crossings_in_one_group(
    swedish_plugin, town, project, tmp_path
):
    import processing
    from qgis.core import QgsApplication, QgsProcessingFeedback

    messages = []

    class Recording(QgsProcessingFeedback):
        def pushInfo(self, info):  # noqa: N802 (QGIS's name)
            messages.append(info)
            super().pushInfo(info)

    keep = 3
    params = {
        "NETWORK": town["network"],
        "BARRIERS": town["barriers"],
        "PLACES": town["places"],
        "NODES": town["nodes"],
        "NODE_CATEGORY": "category",
        "PROPOSAL": town["proposal"],
        "BEST_K": 1,
        "CANDIDATE_SPACING": 0.0,
        "CANDIDATES_KEEP": keep,
        "THRESHOLDS": "5",
        "EFFECT": False,
    }
    sinks = [
        "CROSSINGS",
        "BARRIER_STRETCHES",
        "DETOUR",
        "DETOUR_PLACES",
        "CANDIDATE_LINKS",
        "SCENARIO",
        "SCENARIO_PLACES",
    ]
    result = processing.runAndLoadResults(
        "stadsrum:barriers", params | dict.fromkeys(sinks, "TEMPORARY_OUTPUT"), feedback=Recording()
    )
    layers = {sink: project.mapLayer(result[sink]) for sink in sinks}
    assert all(layer is not None for layer in layers.values())

    # the best `keep` of more candidates: the five closed streets and the diagonals between them
    candidates = layers["CANDIDATE_LINKS"]
    ranks = sorted(f["rank"] for f in candidates.getFeatures())
    chosen = [f for f in candidates.getFeatures() if f["greedy_step"] > 0]
    assert ranks[:keep] == list(range(1, keep + 1))
    assert len(ranks) <= keep + len(chosen)
    kept = [m for m in messages if "bästa av" in m]
    assert len(kept) == 1, messages
    total = int(re.findall(r"av (\d+)", kept[0])[0])
    assert total >= 5 > keep

    # one group, named as the algorithm in Swedish, key layers on, the rest off
    root = project.layerTreeRoot()
    groups = root.findGroups()
    assert len(groups) == 1
    group = groups[0]
    algorithm = QgsApplication.processingRegistry().algorithmById("stadsrum:barriers")
    assert group.name() == algorithm.displayName()
    assert group.name() != "Barrier analysis"
    assert {n.layerId() for n in group.findLayers()} == {layer.id() for layer in layers.values()}
    assert [n for n in root.children() if n is not group] == []
    on = {s for s, layer in layers.items() if group.findLayer(layer.id()).isVisible()}
    assert on == {"CROSSINGS", "BARRIER_STRETCHES", "CANDIDATE_LINKS", "SCENARIO"}

    # Swedish legend of the crossings: both at-grade crossings are level crossings
    crossings = layers["CROSSINGS"].renderer()
    assert isinstance(crossings, QgsCategorizedSymbolRenderer)
    assert [c.label() for c in crossings.categories()] == ["plankorsning"]
    scenario = layers["SCENARIO"].renderer()
    labels = [r.label() for r in scenario.rootRule().children()]
    assert "0 m (ingen förändring)" in labels

    drawn = [layers[s] for s in ("CROSSINGS", "CANDIDATE_LINKS", "SCENARIO", "BARRIER_STRETCHES")]
    _render([*drawn, town["barriers"], town["network"]], "barriers", tmp_path)


def test_service_areas_are_outlines_one_symbol_per_threshold(
    swedish_plugin, town, project, tmp_path
):
    import processing

    params = {
        "NETWORK": town["network"],
        "PLACES": town["places"],
        "NODES": town["nodes"],
        "THRESHOLDS": "2,4,6",
        "SPEED": 1.2,
        "OUTPUT": "TEMPORARY_OUTPUT",
        "SERVICE_AREAS": "TEMPORARY_OUTPUT",
        "SERVICE_AREA_LINES": "TEMPORARY_OUTPUT",
        "PLACE_SUMMARY": "TEMPORARY_OUTPUT",
    }
    result = processing.runAndLoadResults("stadsrum:distances", params)
    areas = project.mapLayer(result["SERVICE_AREAS"])
    thresholds = sorted({f["threshold_min"] for f in areas.getFeatures()})
    # every place and node gets an area per threshold: they overlap
    assert areas.featureCount() > len(thresholds) == 3

    renderer = areas.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "threshold_min"
    categories = renderer.categories()
    assert [c.label() for c in categories] == ["2 min", "4 min", "6 min"]
    looks = set()
    for category in categories:
        fill = category.symbol().symbolLayer(0)
        assert fill.brushStyle() == Qt.NoBrush  # an outline, the areas below show through
        assert fill.strokeWidth() >= 0.5
        looks.add((fill.strokeColor().name(), int(fill.strokeStyle())))
    assert len(looks) == len(categories)
    assert len({colour for colour, _ in looks}) == len(categories)

    _render([areas, town["nodes"], town["network"]], "service_areas", tmp_path)


def test_compare_legend_has_distinct_rounded_limits_in_swedish(
    swedish_plugin, town, project, tmp_path
):
    import processing

    params = {
        "NETWORK": town["network"],
        "PROPOSAL": town["proposal"],
        "COST": [1],  # metric
        "RADII": "300,n",
        "PLACES": town["places"],
        "NODES": town["nodes"],
        "THRESHOLDS": "5",
        "SEGMENTS_DIFF": "TEMPORARY_OUTPUT",
        "OD_DIFF": "TEMPORARY_OUTPUT",
    }
    result = processing.runAndLoadResults("stadsrum:compare", params)
    drawn = []
    for sink in ("SEGMENTS_DIFF", "OD_DIFF"):
        layer = project.mapLayer(result[sink])
        renderer = layer.renderer()
        assert isinstance(renderer, QgsRuleBasedRenderer)
        labels = [r.label() for r in renderer.rootRule().children()]
        classes = [lab for lab in labels if " – " in lab]
        assert classes, labels
        assert any("ingen förändring" in lab for lab in labels)
        assert "ny länk" in labels or sink == "OD_DIFF"
        assert len(set(classes)) == len(classes)  # never four times the same
        for text in classes:
            low, high = _numbers(text)
            assert low < high, text
            assert not re.search(r"−0(?![,\d])", text), text  # a signed zero
        # symmetric around zero: the limits of the classes mirror each other
        limits = sorted({v for text in classes for v in _numbers(text)})
        assert limits == sorted(-v for v in limits)
        drawn.append(layer)
    _render([*drawn, town["network"]], "compare", tmp_path)

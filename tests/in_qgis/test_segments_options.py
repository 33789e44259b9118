"""``stadsrum:segments`` as a PST user expects it: measure selection, PST's
normalisation, the step angle threshold, and multiple choices that show their ticks."""

from __future__ import annotations

import math

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

pytestmark = pytest.mark.qgis


def zigzag() -> QgsVectorLayer:
    """Three streets A, B, C, each meeting the next at a right angle:

        A (0,0)-(100,0), B (100,0)-(100,100), C (100,100)-(200,100)

    By hand, at radius n with angular cost (90° = 1): from A, B is 1 away and
    C 2 (two right-angle turns), so N = 3 (origin included), TD = 3; from B,
    A and C are 1 away: TD = 2; C mirrors A. Choice: only B lies between two
    others, on the routes A→C and C→A (ordered pairs): 2; A and C: 0.
    """
    layer = QgsVectorLayer("LineString?crs=EPSG:3006&field=name:string", "zigzag", "memory")
    lines = {
        "A": [(0, 0), (100, 0)],
        "B": [(100, 0), (100, 100)],
        "C": [(100, 100), (200, 100)],
    }
    features = []
    for name, points in lines.items():
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in points]))
        feature["name"] = name
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def run(params: dict) -> dict[str, dict]:
    import processing

    base = {
        "INPUT": zigzag(),
        "COST": [0],
        "RADII": "n",
        "PREPARE": 1,  # none: keep each line as a segment of its own
        "OUTPUT": "TEMPORARY_OUTPUT",
    }
    layer = processing.run("stadsrum:segments", base | params)["OUTPUT"]
    names = layer.fields().names()
    return {f["name"]: dict(zip(names, f.attributes(), strict=True)) for f in layer.getFeatures()}


def test_pst_normalisation_follows_psts_formulas(plugin):
    """N and TD as derived in :func:`zigzag`. PST: integration N²/(TD+1),
    NAIN N^1.2/(TD+1), NACH log(C+1)/log(TD+2); stadsrum: N²/TD, N^1.2/(TD+2),
    log(C+1)/log(TD+3)."""
    pst = run({"NORMALISATION": 1})
    assert pst["A"]["integration_pst_angular_rn"] == pytest.approx(9 / 4)
    assert pst["B"]["integration_pst_angular_rn"] == pytest.approx(9 / 3)
    assert pst["A"]["nain_pst_angular_rn"] == pytest.approx(3**1.2 / 4)
    assert pst["B"]["nain_pst_angular_rn"] == pytest.approx(3**1.2 / 3)
    assert pst["B"]["nach_pst_angular_rn"] == pytest.approx(math.log(3) / math.log(4))
    assert pst["A"]["nach_pst_angular_rn"] == pytest.approx(0.0)
    # the stadsrum-normalised columns are not written beside them: one meaning per name
    own_names = ("integration_angular", "nain_angular", "nach_angular")
    assert not any(c.startswith(own_names) for c in pst["A"])

    own = run({"NORMALISATION": 0})
    assert own["B"]["integration_angular_rn"] == pytest.approx(9 / 2)
    assert own["B"]["nain_angular_rn"] == pytest.approx(3**1.2 / 4)
    assert own["B"]["nach_angular_rn"] == pytest.approx(math.log(3) / math.log(5))


def test_only_the_chosen_measures_are_written(plugin):
    """Integration and choice only (options 3 and 5): 2 measure columns per
    cost and radius instead of 12, and the input's own column kept. With PST's
    normalisation the total depth it needs is computed but not written."""
    got = run({"MEASURES": [3, 5], "COST": [0, 1], "RADII": "150,n"})
    measures = sorted(c for c in got["B"] if c.startswith(("integration", "choice", "node")))
    assert measures == [
        "choice_angular_r150",
        "choice_angular_rn",
        "choice_metric_r150",
        "choice_metric_rn",
        "integration_angular_r150",
        "integration_angular_rn",
        "integration_metric_r150",
        "integration_metric_rn",
    ]
    assert got["B"]["choice_angular_rn"] == pytest.approx(2.0)
    assert got["B"]["name"] == "B"
    pst = run({"MEASURES": [4], "NORMALISATION": 1})
    measure_columns = [c for c in pst["A"] if c.endswith("_rn")]
    assert measure_columns == ["nain_pst_angular_rn"]


def test_step_threshold_reaches_the_core(plugin):
    """Steps cost: from A, B is 1 step and C 2, so TD(A) = 3. With a threshold
    of 100°, the 90° turns do not count as steps: every depth is 0."""
    plain = run({"COST": [2], "MEASURES": [1]})
    assert plain["A"]["total_depth_steps_rn"] == pytest.approx(3.0)
    loose = run({"COST": [2], "MEASURES": [1], "STEP_THRESHOLD": 100.0})
    assert loose["A"]["total_depth_steps_rn"] == pytest.approx(0.0)


def test_no_measure_chosen_is_refused_naming_the_parameter(plugin):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="MEASURES"):
        run({"MEASURES": []})


@pytest.mark.parametrize(
    ("algorithm", "name", "ticked"),
    [
        ("segments", "COST", ["angular (turns)"]),
        ("segments", "MEASURES", None),
        ("accessibility", "COST", ["metric (metres)"]),
        ("nodes_from_gtfs", "MODES", []),
    ],
)
def test_multiple_choices_show_their_ticks(plugin, algorithm, name, ticked):
    """The dialog's widget for multiple choices is a panel of check boxes,
    the default ones ticked (all measures; no mode, which means all), not a
    line reading "1 options selected"."""
    from qgis.core import QgsApplication, QgsProcessingContext
    from qgis.gui import QgsGui, QgsProcessingGui
    from qgis.PyQt.QtWidgets import QCheckBox

    alg = QgsApplication.processingRegistry().algorithmById(f"stadsrum:{algorithm}")
    param = alg.parameterDefinition(name)
    wrapper = QgsGui.processingGuiRegistry().createParameterWidgetWrapper(
        param, QgsProcessingGui.WidgetType.Standard
    )
    widget = wrapper.createWrappedWidget(QgsProcessingContext())
    wrapper.setParameterValue(param.defaultValue(), QgsProcessingContext())
    boxes = widget.findChildren(QCheckBox)
    assert len(boxes) == len(param.options())
    checked = [b.text() for b in boxes if b.isChecked()]
    assert checked == (ticked if ticked is not None else param.options())

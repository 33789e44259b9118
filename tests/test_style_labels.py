"""Legends a planner can read: rounded diverging limits, Swedish labels, service-area outlines.

The expected legends are derived by hand in each docstring from the values
the test writes (numpy's linear quantiles, two significant digits, the
unit's resolution), not taken from the output.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import shapely

from stadsrum.io.styles import OUTLINES, layer_qml


def _lines(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    geoms = [shapely.LineString([(i, 0), (i, 1)]) for i in range(n)]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=3006)


def _rules(qml: str) -> list[ET.Element]:
    return ET.fromstring(qml).findall("renderer-v2/rules/rule")


def _classes_of(value: float, rules: list[ET.Element]) -> list[str]:
    """Labels of the rules whose filter holds for ``value`` (a plain evaluator for
    the ``"col" >= a AND "col" < b`` filters the style writes)."""
    hits = []
    ops = {">=": float.__ge__, ">": float.__gt__, "<": float.__lt__, "<=": float.__le__}
    for rule in rules:
        tests = re.findall(r'"[^"]+" (>=|<=|>|<) (\S+)', rule.get("filter", ""))
        if tests and all(ops[op](float(value), float(limit)) for op, limit in tests):
            hits.append(rule.get("label"))
    return hits


def test_metre_changes_below_a_metre_make_no_degenerate_classes():
    """50 routes change by 0.3 m, four by 12, 47, 130 and −95 m, five not at all.

    The 54 absolute changes have quartiles 0.3, 0.3, 0.3 (50 of them are 0.3):
    before, the legend read "−0 – −0" (whole metres, as the range is 260 m).
    Rounded to whole metres the quartiles are 0, so one class holds the
    changes under a metre: limits 1 and 130 (130 m has two significant
    digits already) either side of zero.
    """
    values = np.r_[np.full(50, 0.3), [12.0, 47.0, 130.0, -95.0], np.zeros(5)]
    rules = _rules(layer_qml("scenario", _lines(change_m=values)) or "")
    labels = [r.get("label") for r in rules]
    assert labels == [
        "−130 – −1 m",
        "−1 – 0 m",
        "0 m (no change)",
        "0 – +1 m",
        "+1 – +130 m",
    ]
    for v in values:
        assert len(_classes_of(v, rules)) == 1, v


def test_minute_changes_round_to_tenths_in_swedish():
    """Walking-time changes −2.34, 0.05, 0.05, 1.26 and 7.7 min.

    Absolute values sorted: 0.05, 0.05, 1.26, 2.34, 7.7; linear quartiles at
    positions 1, 2, 3: 0.05, 1.26, 2.34 → two significant digits 0.05, 1.3,
    2.3 → tenths of a minute 0 (so the tenth itself: 0.1), 1.3, 2.3; the
    largest, 7.7, is the outer limit. Swedish: decimal comma, "ingen
    förändring". Every value lands in exactly one class.
    """
    values = np.array([-2.34, 0.05, 0.05, 1.26, 7.7, 0.0])
    rules = _rules(layer_qml("od_diff", _lines(walk_min_change=values), "sv") or "")
    labels = [r.get("label") for r in rules]
    assert labels == [
        "−7,7 – −2,3 min",
        "−2,3 – −1,3 min",
        "−1,3 – −0,1 min",
        "−0,1 – 0 min",
        "0 min (ingen förändring)",
        "0 – +0,1 min",
        "+0,1 – +1,3 min",
        "+1,3 – +2,3 min",
        "+2,3 – +7,7 min",
    ]
    assert _classes_of(1.26, rules) == ["+0,1 – +1,3 min"]
    for v in values:
        assert len(_classes_of(v, rules)) == 1, v


def test_the_outer_limit_is_rounded_up_and_still_holds_the_largest_change():
    """Largest change 1234.5 m: two significant digits, rounded up, give 1300 m."""
    values = np.array([1234.5, -20.0, 40.0, 300.0])
    rules = _rules(layer_qml("scenario", _lines(change_m=values), "en") or "")
    labels = [r.get("label") for r in rules]
    assert labels[-1].endswith("+1,300 m")
    assert labels[0].startswith("−1,300")
    assert len(_classes_of(1234.5, rules)) == 1


def test_category_labels_are_swedish_only_when_asked():
    """The command line (no language) keeps the values; Swedish gives words."""
    crossings = gpd.GeoDataFrame(
        {"crossing_type": ["bridge", "level_crossing", "tunnel"]},
        geometry=[shapely.Point(i, 0) for i in range(3)],
        crs=3006,
    )

    def labels(layer, frame, lang=None):
        root = ET.fromstring(layer_qml(layer, frame, lang) or "")
        return [c.get("label") for c in root.findall("renderer-v2/categories/category")]

    assert labels("crossings", crossings) == ["bridge", "level_crossing", "tunnel"]
    assert labels("crossings", crossings, "sv") == ["bro", "plankorsning", "tunnel"]
    assert labels("crossings", crossings, "en") == ["bridge", "level crossing", "tunnel"]
    diagnostics = crossings.rename(columns={"crossing_type": "issue"})
    diagnostics["issue"] = ["dangling_end", "unjoined_crossing", "dangling_end"]
    assert labels("diagnostics", diagnostics, "sv") == [
        "återvändsgränd",
        "korsning utan förbindelse",
    ]
    assert labels("diagnostics", diagnostics) == ["dangling_end", "unjoined_crossing"]


def test_service_areas_are_outlines_with_a_colour_and_pattern_per_threshold():
    areas = gpd.GeoDataFrame(
        {"threshold_min": [5.0, 7.5, 10.0, 5.0]},
        geometry=[shapely.Point(0, 0).buffer(r) for r in (5, 7.5, 10, 4)],
        crs=3006,
    )
    root = ET.fromstring(layer_qml("service_areas", areas, "sv") or "")
    categories = root.findall("renderer-v2/categories/category")
    assert [c.get("label") for c in categories] == ["5 min", "7,5 min", "10 min"]
    looks = []
    for symbol in root.findall("renderer-v2/symbols/symbol"):
        props = {p.get("k"): p.get("v") for p in symbol.findall("layer/prop")}
        assert props["style"] == "no"  # no fill: the areas below show through
        looks.append((props["outline_color"], props["outline_style"]))
    assert len(set(looks)) == 3
    assert looks[0][0] == "26,152,80,255"  # OUTLINES[0], the nearest threshold
    assert OUTLINES[0] == "#1a9850"

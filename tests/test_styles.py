"""Default QML styles for result layers (stadsrum.io.styles)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from stadsrum.io.styles import (
    RAMP,
    graduated_line_qml,
    layer_qml,
    point_qml,
    simple_line_qml,
    style_column,
)


def _root(qml: str) -> ET.Element:
    assert qml.startswith("<!DOCTYPE qgis")
    return ET.fromstring(qml.split("\n", 1)[1])


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            ["integration_metric_r400", "integration_angular_r800", "integration_angular_rn"],
            "integration_angular_rn",
        ),
        (
            ["integration_metric_rn", "integration_angular_r400", "integration_angular_r1200"],
            "integration_angular_r1200",
        ),
        (["integration_time_r10", "integration_steps_r400"], "integration_steps_r400"),
        (["integration_wl_angular_rn", "choice_angular_rn"], None),
        (["integration_metric_r400_5", "integration_metric_r400"], "integration_metric_r400_5"),
    ],
)
def test_style_column_prefers_angular_and_the_whole_network(columns, expected):
    assert style_column(columns) == expected


def test_graduated_style_has_quantile_classes_from_blue_to_red():
    values = np.r_[np.arange(1.0, 101.0), np.nan]
    root = _root(graduated_line_qml("integration_angular_rn", values, classes=5))
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "integration_angular_rn"
    ranges = renderer.findall("ranges/range")
    assert len(ranges) == 5
    lows = [float(r.get("lower", "nan")) for r in ranges]
    highs = [float(r.get("upper", "nan")) for r in ranges]
    assert lows[0] == 1.0
    assert highs[-1] == 100.0
    assert lows[1:] == highs[:-1]
    assert highs[0] == pytest.approx(np.quantile(values[:-1], 0.2))
    colours = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "line_color"]
    assert colours[0] == "44,123,182,255"
    assert colours[-1] == "215,25,28,255"
    assert len(colours) == 5
    clause = renderer.find("orderby/orderByClause")
    assert clause is not None
    assert clause.text == '"integration_angular_rn"'


def test_graduated_style_survives_constant_or_missing_values():
    for values in ([3.0, 3.0, 3.0], [np.nan, np.nan], []):
        ranges = _root(graduated_line_qml("x", values)).findall("renderer-v2/ranges/range")
        assert 1 <= len(ranges) <= 2


def test_layer_styles_by_layer_name():
    frame = pd.DataFrame({"integration_angular_r800": [1.0, 2.0, 4.0], "id": [1, 2, 3]})
    assert 'attr="integration_angular_r800"' in (layer_qml("segments", frame) or "")
    assert layer_qml("network", frame) == simple_line_qml()
    assert layer_qml("diagnostics", frame) == point_qml()
    assert layer_qml("segments", frame[["id"]]) == simple_line_qml()
    assert layer_qml("od", frame) is None
    assert len(RAMP) == 9


def test_field_names_are_escaped():
    qml = graduated_line_qml('a"b<c', [1.0, 2.0])
    root = _root(qml)
    assert root.find("renderer-v2").get("attr") == 'a"b<c'  # type: ignore[union-attr]
    assert root.find("renderer-v2/orderby/orderByClause").text == '"a""b<c"'  # type: ignore[union-attr]

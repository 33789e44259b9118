"""The Toolbox's walking speed is the core's one default (``stadsrum.options.DEFAULT_SPEED``)."""

from __future__ import annotations

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import QgsApplication

from stadsrum.options import DEFAULT_SPEED

pytestmark = pytest.mark.qgis


def test_every_speed_parameter_defaults_to_the_core_speed(plugin):
    """Each algorithm with a SPEED parameter offers 1.3 m/s, as the command line does."""
    provider = QgsApplication.processingRegistry().providerById("stadsrum")
    with_speed = [a for a in provider.algorithms() if a.parameterDefinition("SPEED") is not None]
    # distances, accessibility, barriers, compare, areas and segments (time cost) at least
    assert len(with_speed) >= 5, [a.id() for a in with_speed]
    for alg in with_speed:
        assert alg.parameterDefinition("SPEED").defaultValue() == DEFAULT_SPEED, alg.id()

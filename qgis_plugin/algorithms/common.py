"""Parameters shared by the analyses that take a street network and places."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ..i18n import tr
from .base import StadsrumAlgorithm
from .network import PREPARE, SPLIT_CROSSINGS

POINTS_OR_POLYGONS = [
    QgsProcessing.SourceType.TypeVectorPoint,
    QgsProcessing.SourceType.TypeVectorPolygon,
]


def add_network_input(alg: StadsrumAlgorithm) -> None:
    """The ``NETWORK`` line layer; ``PREPARE`` and ``SPLIT_CROSSINGS`` as advanced options."""
    alg.add(
        QgsProcessingParameterFeatureSource(
            "NETWORK", tr("Street network (lines)"), [QgsProcessing.SourceType.TypeVectorLine]
        )
    )
    alg.add_enum("PREPARE", "Preparation", PREPARE, default="full", advanced=True)
    alg.add_enum(
        "SPLIT_CROSSINGS",
        "Join lines that cross without a shared vertex",
        SPLIT_CROSSINGS,
        default="auto",
        advanced=True,
    )


def add_metres(
    alg: StadsrumAlgorithm, name: str, label: str, default: float, *, advanced: bool = False
) -> None:
    """A distance in metres (always metres, whatever the layers' CRS); ``label`` translated."""
    alg.add(
        QgsProcessingParameterNumber(
            name,
            label,
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=default,
            minValue=0.0,
        ),
        advanced=advanced,
    )


def add_speed(alg: StadsrumAlgorithm) -> None:
    """``SPEED``: walking speed in metres per second (advanced)."""
    # the core's default, so the Toolbox and the command line agree; options.py imports
    # only the standard library, so this works before numpy or geopandas are installed
    from stadsrum.options import DEFAULT_SPEED

    alg.add(
        QgsProcessingParameterNumber(
            "SPEED",
            tr("Walking speed (metres per second)"),
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=DEFAULT_SPEED,
            minValue=0.01,
        ),
        advanced=True,
    )


def add_step_threshold(alg: StadsrumAlgorithm) -> None:
    """``STEP_THRESHOLD``: the least turn that counts as a step (advanced), for steps
    costs and ``steps:K`` radii."""
    alg.add(
        QgsProcessingParameterNumber(
            "STEP_THRESHOLD",
            tr("Steps: least turn in degrees that counts (0: every change of street)"),
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=0.0,
            minValue=0.0,
            maxValue=180.0,
        ),
        advanced=True,
    )

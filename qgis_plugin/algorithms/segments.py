"""``stadsrum:segments``: space syntax segment analysis at many radii."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import StadsrumAlgorithm
from .network import PREPARE, SPLIT_CROSSINGS

COSTS = {
    "angular": "angular (turns)",
    "metric": "metric (metres)",
    "steps": "steps (moves)",
    "time": "time (walking minutes)",
}
RADIUS_MODES = {
    "catchment": "catchment: streets within the radius by the shortest walk",
    "route": "route: length along the least-cost route (depthmapX, PST)",
}
SPLITS = {
    "edge": "per street between junctions",
    "vertex": "per straight piece (depthmapX segment map)",
}


class SegmentsAlgorithm(StadsrumAlgorithm):
    NAME = "segments"
    LABEL = "Segment analysis (space syntax)"
    GROUP = "Space syntax"
    GROUP_ID = "spacesyntax"
    STYLES: ClassVar[dict[str, str]] = {"OUTPUT": "segments"}

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add(
            QgsProcessingParameterFeatureSource(
                "INPUT", tr("Street network (lines)"), [QgsProcessing.TypeVectorLine]
            )
        )
        self.add_enum("COST", "Distance types", COSTS, default=["angular"], multiple=True)
        self.add(
            QgsProcessingParameterString(
                "RADII", tr("Radii in metres, n = whole network (e.g. 400,800,n)"), "400,800,n"
            )
        )
        self.add_enum("RADIUS_MODE", "Radius mode", RADIUS_MODES, default="catchment")
        self.add(
            QgsProcessingParameterField(
                "WEIGHT",
                tr("Weight (numeric field, e.g. population)"),
                parentLayerParameterName="INPUT",
                type=QgsProcessingParameterField.Numeric,
                optional=True,
            )
        )
        self.add_enum("PREPARE", "Preparation", PREPARE, default="full")
        self.add_enum(
            "SPLIT_CROSSINGS",
            "Join lines that cross without a shared vertex",
            SPLIT_CROSSINGS,
            default="auto",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterNumber(
                "TULIP_BINS",
                tr("Tulip bins (0 = exact angles, 1024 as depthmapX)"),
                QgsProcessingParameterNumber.Integer,
                defaultValue=0,
                minValue=0,
            ),
            advanced=True,
        )
        self.add_enum("SPLIT", "Segments", SPLITS, default="edge", advanced=True)
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Segment analysis"), QgsProcessing.TypeVectorLine
            )
        )

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.workflows import run_segments

        weight = self.parameterAsString(parameters, "WEIGHT", context) or None
        result = run_segments(
            self.input_frame(parameters, "INPUT", context, feedback),
            None,
            prepare=self.enum_value(parameters, "PREPARE", context),
            split_crossings=self.enum_value(parameters, "SPLIT_CROSSINGS", context),
            cost=self.enum_values(parameters, "COST", context),
            radii=self.parameterAsString(parameters, "RADII", context),
            radius_mode=self.enum_value(parameters, "RADIUS_MODE", context),
            weight=weight,
            tulip_bins=self.parameterAsInt(parameters, "TULIP_BINS", context),
            split=self.enum_value(parameters, "SPLIT", context),
            progress=progress,
        )
        return {"OUTPUT": result.segments}

"""``stadsrum:accessibility``: distance to the nearest attraction and attraction reach."""

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
from .common import (
    POINTS_OR_POLYGONS,
    add_metres,
    add_network_input,
    add_speed,
    add_step_threshold,
)
from .segments import checkboxes

ACCESS_COSTS = {
    "metric": "metric (metres)",
    "time": "time (walking minutes)",
    "angular": "angular (turns)",
    "steps": "steps (moves)",
}
DECAYS = {
    "none": "none: every attraction in reach counts fully",
    "linear": "linear: falls evenly to nothing at the radius",
    "exponential": "exponential: falls fast, then slowly",
    "gaussian": "gaussian: stays high, then falls towards the radius",
    "pow": "pow: 1 - (distance/radius)^c (PST)",
    "curve": "curve: S-shaped, half at half the radius (PST)",
    "divide": "divide: (distance + 1)^-c (PST)",
}


ACCESS_POLYGONS = {
    "centroid": "at their centroid",
    "entrances": "at their entrances (where the outline meets the streets)",
    "boundary:20": "through points every 20 m round the outline",
}


class AccessibilityAlgorithm(StadsrumAlgorithm):
    NAME = "accessibility"
    LABEL = "Attraction accessibility (place syntax)"
    GROUP = "Distances and accessibility"
    GROUP_ID = "accessibility"
    STYLES: ClassVar[dict[str, str]] = {"OUTPUT": "accessibility", "WARNINGS": "warnings"}
    TEMPLATE_INPUT = "NETWORK"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        add_network_input(self)
        self.add(
            QgsProcessingParameterFeatureSource(
                "ATTRACTIONS",
                tr("Attractions: shops, schools, stops... (points or polygons)"),
                POINTS_OR_POLYGONS,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "ORIGINS",
                tr("Origins: address points or places (empty: every street segment)"),
                POINTS_OR_POLYGONS,
                optional=True,
            )
        )
        checkboxes(
            self.add_enum(
                "COST", "Distance types", ACCESS_COSTS, default=["metric"], multiple=True
            ),
            columns=2,
        )
        self.add(
            QgsProcessingParameterString(
                "RADII",
                tr(
                    "Radii: walking metres, n = no limit, and radius types straight:500, "
                    "steps:2, angular:90 (e.g. 300,600,n)"
                ),
                "300,600,n",
            )
        )
        self.add_enum("DECAY", "Distance decay of reach", DECAYS, default="none")
        self.add(
            QgsProcessingParameterNumber(
                "DECAY_CONSTANT",
                tr("Decay exponent c (pow, curve, divide)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=1.0,
                minValue=0.0,
            ),
            advanced=True,
        )
        add_step_threshold(self)
        self.add(
            QgsProcessingParameterField(
                "VALUE",
                tr("Value of each attraction (numeric field, e.g. floor area)"),
                parentLayerParameterName="ATTRACTIONS",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "CATEGORY",
                tr("Attraction category field"),
                parentLayerParameterName="ATTRACTIONS",
                optional=True,
            )
        )
        add_metres(
            self,
            "MAX_LINK",
            tr("Largest distance from an attraction or origin to a street (metres)"),
            200.0,
        )
        add_speed(self)
        self.add_enum("POLYGONS", "Polygons join the streets", ACCESS_POLYGONS, default="centroid")
        entrances = (
            ("ATTRACTION_ENTRANCES", tr("Entrance points of the attractions (field building_id)")),
            ("ORIGIN_ENTRANCES", tr("Entrance points of the origins (field building_id)")),
        )
        for name, label in entrances:
            self.add(
                QgsProcessingParameterFeatureSource(
                    name, label, [QgsProcessing.SourceType.TypeVectorPoint], optional=True
                ),
                advanced=True,
            )
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Accessibility"), QgsProcessing.SourceType.TypeVectorAnyGeometry
            )
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "WARNINGS",
                tr("Plausibility warnings: doubtful distances and links"),
                QgsProcessing.SourceType.TypeVectorLine,
                optional=True,
            )
        )

    def template_input(self, output: str) -> str:
        return "ORIGINS" if "ORIGINS" in self._templates else "NETWORK"

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import AccessibilityOptions, NetworkOptions
        from stadsrum.workflows import run_accessibility

        scheduler = self.scheduler(feedback)  # checked before any layer is read
        self._templates.pop("ORIGINS", None)
        result = run_accessibility(
            self.input_frame(parameters, "NETWORK", context, feedback),
            self.input_frame(parameters, "ATTRACTIONS", context, feedback, allow_osm_file=False),
            None,
            origins=self.optional_frame(parameters, "ORIGINS", context, feedback),
            attraction_entrances=self.optional_frame(
                parameters, "ATTRACTION_ENTRANCES", context, feedback
            ),
            origin_entrances=self.optional_frame(parameters, "ORIGIN_ENTRANCES", context, feedback),
            **self.options(parameters, context, NetworkOptions),
            **self.options(parameters, context, AccessibilityOptions),
            scheduler=scheduler,
            progress=progress,
        )
        return {"OUTPUT": result.accessibility, "WARNINGS": result.warnings}

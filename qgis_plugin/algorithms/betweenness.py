"""``stadsrum:betweenness``: attraction and OD betweenness (PST), trips along each street."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import StadsrumAlgorithm
from .common import POINTS_OR_POLYGONS, add_metres, add_network_input, add_step_threshold
from .segments import checkboxes

KINDS = {
    "od": "OD betweenness: each origin's weight shared over the destinations",
    "attraction": "Attraction betweenness: to every attraction within the radius",
}
BETWEENNESS_COSTS = {
    "metric": "metric (shortest routes)",
    "angular": "angular (fewest degrees of turning)",
    "steps": "steps (fewest changes of street)",
}
DESTINATION_MODES = {
    "all": "all reachable destinations",
    "closest": "the closest destination only",
}
BETWEENNESS_POLYGONS = {
    "centroid": "at their centroid",
    "entrances": "at their entrances (where the outline meets the streets)",
    "boundary:20": "through points every 20 m round the outline",
}


class BetweennessAlgorithm(StadsrumAlgorithm):
    NAME = "betweenness"
    LABEL = "Attraction and OD betweenness (PST)"
    GROUP = "Distances and accessibility"
    GROUP_ID = "accessibility"
    STYLES: ClassVar[dict[str, str]] = {"OUTPUT": "betweenness", "WARNINGS": "warnings"}
    TEMPLATE_INPUT = "NETWORK"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        add_network_input(self)
        self.add(
            QgsProcessingParameterFeatureSource(
                "ORIGINS",
                tr("Origins: where trips start (points or polygons)"),
                POINTS_OR_POLYGONS,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "DESTINATIONS",
                tr("Destinations or attractions: where trips end (points or polygons)"),
                POINTS_OR_POLYGONS,
            )
        )
        self.add_enum("KIND", "Analysis", KINDS, default="od")
        self.add(
            QgsProcessingParameterField(
                "ORIGIN_WEIGHT",
                tr("Weight of each origin (numeric field, e.g. residents; empty: 1 each)"),
                parentLayerParameterName="ORIGINS",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "DESTINATION_WEIGHT",
                tr("Weight of each destination (numeric field, e.g. jobs; empty: 1 each)"),
                parentLayerParameterName="DESTINATIONS",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.add_enum(
            "DESTINATIONS_MODE", "OD betweenness: destinations", DESTINATION_MODES, default="all"
        )
        checkboxes(
            self.add_enum(
                "COST", "Routes minimise", BETWEENNESS_COSTS, default=["metric"], multiple=True
            ),
            columns=3,
        )
        self.add(
            QgsProcessingParameterString(
                "RADII",
                tr(
                    "Longest route in metres, links included; n = no limit; or a type: "
                    "straight:500, steps:2, angular:90 (e.g. 800,n)"
                ),
                "n",
            )
        )
        add_metres(
            self,
            "MAX_LINK",
            tr("Largest distance from an origin or destination to a street (metres)"),
            200.0,
        )
        self.add_enum(
            "POLYGONS", "Polygons join the streets", BETWEENNESS_POLYGONS, default="centroid"
        )
        add_step_threshold(self)
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Betweenness"), QgsProcessing.SourceType.TypeVectorLine
            )
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "WARNINGS",
                tr("Plausibility warnings: doubtful links"),
                QgsProcessing.SourceType.TypeVectorLine,
                optional=True,
            )
        )

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import BetweennessOptions, NetworkOptions
        from stadsrum.workflows import run_betweenness

        scheduler = self.scheduler(feedback)  # checked before any layer is read
        kind = self.enum_value(parameters, "KIND", context)
        targets = self.input_frame(
            parameters, "DESTINATIONS", context, feedback, allow_osm_file=False
        )
        result = run_betweenness(
            self.input_frame(parameters, "NETWORK", context, feedback),
            None,
            origins=self.optional_frame(parameters, "ORIGINS", context, feedback),
            destinations=targets if kind == "od" else None,
            attractions=targets if kind == "attraction" else None,
            **self.options(parameters, context, NetworkOptions),
            **self.options(parameters, context, BetweennessOptions),
            scheduler=scheduler,
            progress=progress,
        )
        return {"OUTPUT": result.betweenness, "WARNINGS": result.warnings}

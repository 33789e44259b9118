"""``stadsrum:distances``: place-to-node distances, routes, service areas, a summary per place."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
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

POLYGONS = {
    "entrances": "at their entrances (where the outline meets the streets)",
    "centroid": "at their centroid",
    "boundary:20": "through points every 20 m round the outline",
}


class DistancesAlgorithm(StadsrumAlgorithm):
    NAME = "distances"
    LABEL = "Place-to-node distances and service areas"
    GROUP = "Distances and accessibility"
    GROUP_ID = "accessibility"
    STYLES: ClassVar[dict[str, str]] = {
        "OUTPUT": "od",
        "SERVICE_AREAS": "service_areas",
        "SERVICE_AREA_LINES": "service_area_lines",
        "PLACE_SUMMARY": "place_summary",
        "WARNINGS": "warnings",
    }
    TEMPLATE_INPUT = "PLACES"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        add_network_input(self)
        self.add(
            QgsProcessingParameterFeatureSource(
                "PLACES", tr("Places (points or polygons)"), POINTS_OR_POLYGONS
            )
        )
        self.add(
            QgsProcessingParameterField(
                "PLACE_ID",
                tr("Place id field"),
                "place_id",
                parentLayerParameterName="PLACES",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "PLACE_ENTRANCES",
                tr("Entrance points of the places (with the place id field)"),
                [QgsProcessing.SourceType.TypeVectorPoint],
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "PLACE_GROUP",
                tr("Group field: points sharing a value are one place"),
                parentLayerParameterName="PLACES",
                optional=True,
            ),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "NODES",
                tr("Key nodes: stations, schools, squares... (points or polygons)"),
                POINTS_OR_POLYGONS,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "NODE_ID",
                tr("Node id field"),
                "node_id",
                parentLayerParameterName="NODES",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "NODE_CATEGORY",
                tr("Node category field (station, school, ...)"),
                parentLayerParameterName="NODES",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "NODE_ENTRANCES",
                tr("Entrance points of the key nodes (with the node id field)"),
                [QgsProcessing.SourceType.TypeVectorPoint],
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterString(
                "THRESHOLDS",
                tr("Service area limits, minutes of walking (e.g. 5,10,15)"),
                "5,10,15",
            )
        )
        self.add(
            QgsProcessingParameterString(
                "SERVICE_RADII",
                tr(
                    "Service areas within radii too: walking metres, straight:500, steps:2, "
                    "angular:90 (empty = none)"
                ),
                "",
                optional=True,
            ),
            advanced=True,
        )
        add_step_threshold(self)
        self.add(
            QgsProcessingParameterNumber(
                "NEAREST",
                tr("Keep only the nearest nodes of each place (0 = all)"),
                QgsProcessingParameterNumber.Type.Integer,
                defaultValue=0,
                minValue=0,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterBoolean(
                "NEAREST_PER_CATEGORY",
                tr("Keep only the nearest node of each category"),
                defaultValue=False,
            )
        )
        add_metres(
            self,
            "MAX_LINK",
            tr("Largest distance from a place or node to a street (metres)"),
            200.0,
        )
        add_speed(self)
        self.add_enum("POLYGONS", "Polygons join the streets", POLYGONS, default="entrances")
        self.add(
            QgsProcessingParameterBoolean(
                "ROUTES", tr("Draw the routes (otherwise straight lines)"), defaultValue=True
            ),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT",
                tr("Distances and routes (place to node)"),
                QgsProcessing.SourceType.TypeVectorLine,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "SERVICE_AREAS", tr("Service areas"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "SERVICE_AREA_LINES",
                tr("Service area streets"),
                QgsProcessing.SourceType.TypeVectorLine,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "PLACE_SUMMARY",
                tr("Summary per place (table)"),
                QgsProcessing.SourceType.TypeVector,
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

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import DistanceOptions, NetworkOptions
        from stadsrum.workflows import run_distances

        scheduler = self.scheduler(feedback)  # checked before any layer is read
        options = self.options(parameters, context, DistanceOptions)
        if not options.get("nearest"):  # 0: every node
            options.pop("nearest", None)
        result = run_distances(
            self.input_frame(parameters, "NETWORK", context, feedback),
            self.input_frame(parameters, "PLACES", context, feedback, allow_osm_file=False),
            self.input_frame(parameters, "NODES", context, feedback, allow_osm_file=False),
            None,
            place_entrances=self.optional_frame(parameters, "PLACE_ENTRANCES", context, feedback),
            node_entrances=self.optional_frame(parameters, "NODE_ENTRANCES", context, feedback),
            **self.options(parameters, context, NetworkOptions),
            **options,
            scheduler=scheduler,
            progress=progress,
        )
        layers = result.layers
        return {
            "OUTPUT": layers["od"],
            "SERVICE_AREAS": layers["service_areas"],
            "SERVICE_AREA_LINES": layers["service_area_lines"],
            "PLACE_SUMMARY": layers["place_summary"],
            "WARNINGS": layers.get("warnings"),
        }

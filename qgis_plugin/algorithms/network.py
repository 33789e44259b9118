"""``stadsrum:network``: read and prepare a street network, with a diagnostics layer."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import StadsrumAlgorithm

MODES = {"walk": "walk", "bike": "bike", "drive": "drive", "all": "all streets and paths"}
PREPARE = {
    "full": "full: clean and node the lines",
    "none": "none: keep every line as one segment",
}
SPLIT_CROSSINGS = {
    "auto": "auto: decide from the data (a noded layer keeps bridges unjoined)",
    "yes": "yes: join lines wherever they cross",
    "no": "no: never join lines that cross",
}
COMPONENTS = {
    "auto": "automatic (largest with full preparation, all with none)",
    "largest": "largest connected part only",
    "all": "all parts",
}


class NetworkAlgorithm(StadsrumAlgorithm):
    NAME = "network"
    LABEL = "Prepare street network"
    GROUP = "Network"
    GROUP_ID = "network"
    STYLES: ClassVar[dict[str, str]] = {"OUTPUT": "network", "DIAGNOSTICS": "diagnostics"}

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add(
            QgsProcessingParameterFeatureSource(
                "INPUT", tr("Street centre lines"), [QgsProcessing.SourceType.TypeVectorLine]
            )
        )
        self.add_enum("MODE", "Travel mode (OpenStreetMap files)", MODES, default="walk")
        self.add_enum("PREPARE", "Preparation", PREPARE, default="full")
        self.add_enum(
            "SPLIT_CROSSINGS",
            "Join lines that cross without a shared vertex",
            SPLIT_CROSSINGS,
            default="auto",
        )
        self.add(
            QgsProcessingParameterString(
                "WHERE", tr("Filter on the lines' columns (SQL)"), optional=True
            ),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "CLIP",
                tr("Clip: only lines meeting this area (polygons)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            ),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "UNLINKS",
                tr("Unlinks: crossings that do not join (points)"),
                [QgsProcessing.SourceType.TypeVectorPoint],
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterNumber(
                "SNAP_TOLERANCE",
                tr("Snap tolerance (metres)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=0.5,
                minValue=0.0,
            ),
            advanced=True,
        )
        self.add_enum("COMPONENTS", "Connected parts to keep", COMPONENTS, default="auto")
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Prepared network"), QgsProcessing.SourceType.TypeVectorLine
            )
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "DIAGNOSTICS", tr("Diagnostics"), QgsProcessing.SourceType.TypeVectorPoint
            )
        )

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.workflows import network_layers, read_network

        components = self.enum_value(parameters, "COMPONENTS", context)
        net = read_network(
            self.input_frame(parameters, "INPUT", context, feedback),
            mode=self.enum_value(parameters, "MODE", context),
            prepare=self.enum_value(parameters, "PREPARE", context),
            split_crossings=self.enum_value(parameters, "SPLIT_CROSSINGS", context),
            where=self.parameterAsString(parameters, "WHERE", context) or None,
            clip=self.optional_frame(parameters, "CLIP", context, feedback),
            unlinks=self.optional_frame(parameters, "UNLINKS", context, feedback),
            snap_tolerance=self.parameterAsDouble(parameters, "SNAP_TOLERANCE", context),
            components=None if components == "auto" else components,
            progress=progress,
        )
        feedback.pushInfo(net.summary())
        layers = network_layers(net)
        return {"OUTPUT": layers["network"], "DIAGNOSTICS": layers["diagnostics"]}

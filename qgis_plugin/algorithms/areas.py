"""``stadsrum:areas``: people and areas (area accessibility, co-presence, segregation)."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import StadsrumAlgorithm
from .common import POINTS_OR_POLYGONS, add_metres, add_network_input, add_speed

# sink → (core layer, geometry type, optional: left out where its inputs are missing)
OUTPUTS: dict[str, tuple[str, int, bool]] = {
    "OUTPUT": ("areas", QgsProcessing.SourceType.TypeVectorPolygon, False),
    "AREA_MATRIX": ("area_matrix", QgsProcessing.SourceType.TypeVector, True),
    "COPRESENCE": ("copresence", QgsProcessing.SourceType.TypeVectorLine, False),
    "MEETING_SITES": ("meeting_sites", QgsProcessing.SourceType.TypeVectorAnyGeometry, False),
    # today's meeting places, ranked among the candidates: their own layer, of their own type
    "EXISTING_PLACES": ("meeting_places", QgsProcessing.SourceType.TypeVectorAnyGeometry, True),
    "SEGREGATION": ("segregation", QgsProcessing.SourceType.TypeVector, False),
    "RESIDENTS": ("population", QgsProcessing.SourceType.TypeVectorPoint, True),
}


class AreasAlgorithm(StadsrumAlgorithm):
    NAME = "areas"
    LABEL = "People and areas (segregation, co-presence)"
    GROUP = "Distances and accessibility"
    GROUP_ID = "accessibility"
    STYLES: ClassVar[dict[str, str]] = {
        sink: layer for sink, (layer, _kind, _optional) in OUTPUTS.items()
    }
    # no template: a result column may share its name with an input field of another type
    TEMPLATE_INPUT = ""

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        add_network_input(self)
        self.add(
            QgsProcessingParameterFeatureSource(
                "POPULATION",
                tr("Population: address or building points, or DeSO polygons"),
                POINTS_OR_POLYGONS,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "POPULATION_COLUMN",
                tr("Total population field"),
                parentLayerParameterName="POPULATION",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterString(
                "GROUPS",
                tr("Group fields, a comma list (e.g. born_sweden,born_abroad)"),
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "AREAS",
                tr("Areas: DeSO, RegSO, districts (polygons)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "AREA_ID",
                tr("Area id field"),
                parentLayerParameterName="AREAS",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterMultipleLayers(
                "AREA_STATS",
                tr("SCB statistics tables for the areas (CSV or JSON-stat)"),
                QgsProcessing.SourceType.TypeFile,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "NODES",
                tr("Key nodes: stations, schools, squares... (points or polygons)"),
                POINTS_OR_POLYGONS,
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
                "SITES",
                tr("Candidate meeting sites (empty: every street segment)"),
                POINTS_OR_POLYGONS,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "MEETING_PLACES",
                tr("Existing meeting places (points or polygons)"),
                POINTS_OR_POLYGONS,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterString(
                "THRESHOLDS", tr("Limits, minutes of walking (e.g. 5,10,15)"), "5,10,15"
            )
        )
        self.add(
            QgsProcessingParameterString(
                "ENVIRONMENT",
                tr("Local environment, minutes of walking (e.g. 10)"),
                "10",
            )
        )
        self.add(
            QgsProcessingParameterString(
                "CRITERIA",
                tr("2012 criteria: employment=FIELD,income_support=FIELD,eligibility=FIELD"),
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "BUILDINGS",
                tr("Buildings to spread polygon population over (polygons)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            ),
            advanced=True,
        )
        add_metres(
            self,
            "MAX_LINK",
            tr("Largest distance from a resident or node to a street (metres)"),
            200.0,
            advanced=True,
        )
        add_speed(self)
        labels = {
            "OUTPUT": tr("Areas: accessibility by group"),
            "AREA_MATRIX": tr("Area to area: mean walk between residents (table)"),
            "COPRESENCE": tr("Potential co-presence per street"),
            "MEETING_SITES": tr("Meeting sites, ranked by balanced reach"),
            "EXISTING_PLACES": tr("Existing meeting places, ranked among the sites"),
            "SEGREGATION": tr("Segregation indices (table)"),
            "RESIDENTS": tr("Residents as points, with their local environment"),
        }
        for sink, (_layer, kind, optional) in OUTPUTS.items():
            self.add(QgsProcessingParameterFeatureSink(sink, labels[sink], kind, optional=optional))

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import AreaOptions, PrepareOptions
        from stadsrum.workflows import run_areas

        scheduler = self.scheduler(feedback)  # checked before any layer is read

        def frame(name: str) -> Any:
            return self.optional_frame(parameters, name, context, feedback)

        population = self.input_frame(
            parameters, "POPULATION", context, feedback, allow_osm_file=False
        )
        # the DeSO layer as both population and areas: one frame, so that the SCB
        # tables joined to the areas give the population its group columns too
        same = parameters.get("AREAS") not in (None, "") and self._same_layer(
            parameters, "POPULATION", "AREAS", context
        )
        areas = population if same else frame("AREAS")
        # an optional file list left empty reads back as one empty name
        stats = [f for f in self.parameterAsFileList(parameters, "AREA_STATS", context) if f]
        result = run_areas(
            self.input_frame(parameters, "NETWORK", context, feedback),
            population,
            None,
            areas=areas,
            area_stats=stats or None,
            buildings=frame("BUILDINGS"),
            nodes=frame("NODES"),
            sites=frame("SITES") if parameters.get("SITES") not in (None, "") else "segments",
            meeting_places=frame("MEETING_PLACES"),
            **self.options(parameters, context, PrepareOptions),
            **self.options(parameters, context, AreaOptions),
            scheduler=scheduler,
            progress=progress,
        )
        for note in result.notes:
            feedback.pushInfo(note)
        layers = result.layers
        out = {sink: layers.get(spec[0]) for sink, spec in OUTPUTS.items()}
        if areas is None:  # without areas there is no matrix, only the city as one area
            out["AREA_MATRIX"] = None
        return out

    def _same_layer(
        self, parameters: dict[str, Any], first: str, second: str, context: Any
    ) -> bool:
        """Whether two source parameters name the same layer (the same source, no filter)."""
        one = self.parameterAsVectorLayer(parameters, first, context)
        two = self.parameterAsVectorLayer(parameters, second, context)
        if one is None or two is None:
            return False
        return one.id() == two.id() or (
            one.source() == two.source() and one.subsetString() == two.subsetString()
        )

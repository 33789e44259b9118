"""``stadsrum:compare``: the same analyses before and after a plan proposal, and the change."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .accessibility import DECAYS
from .base import StadsrumAlgorithm
from .common import POINTS_OR_POLYGONS, add_metres, add_network_input, add_speed
from .segments import COSTS, RADIUS_MODES

# sink → core layer; each is made only when its inputs are given
OUTPUTS = {
    "SEGMENTS_DIFF": "segments_diff",
    "OD_DIFF": "od_diff",
    "PLACES_DIFF": "places_diff",
    "ACCESSIBILITY_DIFF": "accessibility_diff",
    # from two finished areas runs (stadsrum areas or stadsrum:areas), not the network
    "AREAS_DIFF": "areas_diff",
    "AREA_MATRIX_DIFF": "area_matrix_diff",
    "COPRESENCE_DIFF": "copresence_diff",
    "SEGREGATION_DIFF": "segregation_diff",
    "MEETING_PLACES_DIFF": "meeting_places_diff",
    "WARNINGS": "warnings",
}


class CompareAlgorithm(StadsrumAlgorithm):
    NAME = "compare"
    LABEL = "Compare before and after a proposal"
    GROUP = "Plan proposals"
    GROUP_ID = "proposals"
    STYLES: ClassVar[dict[str, str]] = dict(OUTPUTS)
    TEMPLATE_INPUT = ""

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        add_network_input(self)
        # two areas runs alone need no network: each file holds what it measured
        network = self.parameterDefinition("NETWORK")
        network.setFlags(network.flags() | QgsProcessingParameterDefinition.Flag.FlagOptional)
        self.add(
            QgsProcessingParameterFeatureSource(
                "PROPOSAL",
                tr("Proposal: streets the plan adds or removes (lines)"),
                [QgsProcessing.SourceType.TypeVectorLine],
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "ACTION",
                tr("Field saying add or remove (empty: every line is added)"),
                "action",
                parentLayerParameterName="PROPOSAL",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterBoolean(
                "SEGMENTS", tr("Compare the segment analysis (space syntax)"), defaultValue=True
            )
        )
        self.add_enum("COST", "Distance types", COSTS, default=["angular"], multiple=True)
        self.add(
            QgsProcessingParameterString(
                "RADII", tr("Radii in metres, n = whole network (e.g. 400,800,n)"), "400,800,n"
            )
        )
        self.add(
            QgsProcessingParameterString(
                "MEASURES",
                tr("Segment measures to compare"),
                "integration,choice,reach_length",
            ),
            advanced=True,
        )
        self.add_enum(
            "RADIUS_MODE", "Radius mode", RADIUS_MODES, default="catchment", advanced=True
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "PLACES",
                tr("Places, for distances before and after (points or polygons)"),
                POINTS_OR_POLYGONS,
                optional=True,
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
                "NODES",
                tr("Key nodes: stations, schools, squares... (points or polygons)"),
                POINTS_OR_POLYGONS,
                optional=True,
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
            QgsProcessingParameterString(
                "THRESHOLDS", tr("Reach limits, minutes of walking (e.g. 10,15)"), "10,15"
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "ATTRACTIONS",
                tr("Attractions, for accessibility before and after (points or polygons)"),
                POINTS_OR_POLYGONS,
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
        self.add(
            QgsProcessingParameterField(
                "VALUE",
                tr("Value of each attraction (numeric field, e.g. floor area)"),
                parentLayerParameterName="ATTRACTIONS",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            ),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterString(
                "ACCESS_RADII",
                tr("Accessibility radii in metres, n = no limit (e.g. 300,600,n)"),
                "n",
            )
        )
        self.add_enum("DECAY", "Distance decay of reach", DECAYS, default="none", advanced=True)
        for name, label in (
            ("AREAS_BEFORE", tr("People and areas before: GeoPackage of an areas run")),
            ("AREAS_AFTER", tr("People and areas after: GeoPackage of an areas run")),
        ):
            self.add(
                QgsProcessingParameterFile(
                    name,
                    label,
                    QgsProcessingParameterFile.Behavior.File,
                    extension="gpkg",
                    optional=True,
                )
            )
        add_metres(
            self,
            "MAX_LINK",
            tr("Largest distance from a place or node to a street (metres)"),
            200.0,
            advanced=True,
        )
        add_metres(
            self,
            "SNAP_TOLERANCE",
            tr("Largest distance from a proposal's end to a street (metres)"),
            1.0,
            advanced=True,
        )
        add_speed(self)
        labels = {
            "SEGMENTS_DIFF": tr("Segment analysis: change"),
            "OD_DIFF": tr("Distances: change per route"),
            "PLACES_DIFF": tr("Distances: change per place"),
            "ACCESSIBILITY_DIFF": tr("Accessibility: change"),
            "AREAS_DIFF": tr("People and areas: change per area"),
            "AREA_MATRIX_DIFF": tr("People and areas: change between areas (table)"),
            "COPRESENCE_DIFF": tr("People and areas: change in co-presence per street"),
            "SEGREGATION_DIFF": tr("People and areas: change in segregation indices (table)"),
            "MEETING_PLACES_DIFF": tr(
                "People and areas: change in who reaches today's meeting places"
            ),
            "WARNINGS": tr("Plausibility warnings: doubtful distances and links"),
        }
        for sink in OUTPUTS:
            self.add(
                QgsProcessingParameterFeatureSink(
                    sink,
                    labels[sink],
                    QgsProcessing.SourceType.TypeVectorAnyGeometry,
                    optional=True,
                )
            )

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import CompareOptions, NetworkOptions
        from stadsrum.workflows import run_compare

        def frame(name: str) -> Any:
            return self.optional_frame(parameters, name, context, feedback)

        def given(name: str) -> bool:
            return parameters.get(name) not in (None, "")

        areas = {
            name: self.parameterAsFile(parameters, name, context) or None
            for name in ("AREAS_BEFORE", "AREAS_AFTER")
        }
        if (areas["AREAS_BEFORE"] is None) != (areas["AREAS_AFTER"] is None):
            raise QgsProcessingException(tr("Give both areas runs, before and after, or neither."))
        if given("NETWORK") != given("PROPOSAL"):
            raise QgsProcessingException(
                tr("Give both the street network and the proposal, or neither.")
            )
        if not given("NETWORK") and areas["AREAS_BEFORE"] is None:
            raise QgsProcessingException(
                tr(
                    "Nothing to compare: give a street network and a proposal, or two "
                    "areas runs (before and after)."
                )
            )
        network, proposal = None, None
        if given("NETWORK"):
            network = self.input_frame(parameters, "NETWORK", context, feedback)
            proposal = self.input_frame(
                parameters, "PROPOSAL", context, feedback, allow_osm_file=False
            )
        options = self.options(parameters, context, CompareOptions)
        # ACTION left empty means every line is added, not the record's column "action"
        options["action"] = self.field_value(parameters, "ACTION", context)
        result = run_compare(
            network,
            proposal,
            None,
            areas_before=areas["AREAS_BEFORE"],
            areas_after=areas["AREAS_AFTER"],
            places=frame("PLACES"),
            nodes=frame("NODES"),
            attractions=frame("ATTRACTIONS"),
            **self.options(parameters, context, NetworkOptions),
            **options,
            progress=progress,
        )
        for key, figure in (getattr(result.comparison, "summary", None) or {}).items():
            feedback.pushInfo(f"{key}: {figure}")
        if result.areas_summary:
            from stadsrum.workflows import area_summary_line

            feedback.pushInfo(area_summary_line(result.areas_summary))
        return {sink: result.layers.get(layer) for sink, layer in OUTPUTS.items()}

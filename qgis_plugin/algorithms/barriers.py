"""``stadsrum:barriers``: crossings, detours, barrier effect, new-crossing ranking, scenario."""

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
from .common import POINTS_OR_POLYGONS, add_metres, add_network_input, add_speed

LINES_OR_POLYGONS = [
    QgsProcessing.SourceType.TypeVectorLine,
    QgsProcessing.SourceType.TypeVectorPolygon,
]
DETOUR_ORIGINS = {
    "grid": "a regular grid of points near the streets",
    "segments": "the midpoint of every street segment",
}
# sink → (core layer, geometry type, needs places and nodes or a proposal: optional)
OUTPUTS: dict[str, tuple[str, int, bool]] = {
    "CROSSINGS": ("crossings", QgsProcessing.SourceType.TypeVectorPoint, False),
    "BARRIER_STRETCHES": ("barrier_stretches", QgsProcessing.SourceType.TypeVectorLine, False),
    "DETOUR": ("detour", QgsProcessing.SourceType.TypeVectorPoint, True),
    "DETOUR_PLACES": ("detour_places", QgsProcessing.SourceType.TypeVectorAnyGeometry, True),
    "BARRIER_EFFECT": ("barrier_effect", QgsProcessing.SourceType.TypeVectorAnyGeometry, True),
    "CANDIDATE_LINKS": ("candidate_links", QgsProcessing.SourceType.TypeVectorLine, True),
    "SCENARIO": ("scenario", QgsProcessing.SourceType.TypeVectorLine, True),
    "SCENARIO_PLACES": ("scenario_places", QgsProcessing.SourceType.TypeVectorAnyGeometry, True),
    "WARNINGS": ("warnings", QgsProcessing.SourceType.TypeVectorLine, True),
}


#: Candidate crossings kept by default: a city has tens of thousands, which cover
#: the map; the best fifty are the ones a planner reads (0 keeps all).
CANDIDATES_KEEP = 50
#: Layers of a run in the layer panel, top first, and the ones switched on: the
#: crossings, the stretches between them, the best new crossings and the
#: proposal's routes; the per-place tables and the detours stay a click away.
LAYER_ORDER = [
    "WARNINGS",
    "CROSSINGS",
    "CANDIDATE_LINKS",
    "SCENARIO",
    "BARRIER_STRETCHES",
    "DETOUR",
    "SCENARIO_PLACES",
    "DETOUR_PLACES",
    "BARRIER_EFFECT",
]
VISIBLE = {"CROSSINGS", "BARRIER_STRETCHES", "CANDIDATE_LINKS", "SCENARIO"}


class BarriersAlgorithm(StadsrumAlgorithm):
    NAME = "barriers"
    LABEL = "Barrier analysis"
    GROUP = "Barriers"
    GROUP_ID = "barriers"
    STYLES: ClassVar[dict[str, str]] = {sink: spec[0] for sink, spec in OUTPUTS.items()}
    PER_PLACE = ("DETOUR_PLACES", "BARRIER_EFFECT", "SCENARIO_PLACES")

    def __init__(self) -> None:
        super().__init__()
        self._group: Any = None

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        add_network_input(self)
        self.add(
            QgsProcessingParameterFeatureSource(
                "BARRIERS",
                tr("Barriers: railways, motorways, water... (lines or polygons)"),
                LINES_OR_POLYGONS,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "CATEGORY",
                tr("Barrier category field (default: category)"),
                parentLayerParameterName="BARRIERS",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterString(
                "CATEGORIES",
                tr("Only these barrier categories (e.g. railway,water; empty: all)"),
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "PLACES",
                tr("Places, for detours and rankings (points or polygons)"),
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
            QgsProcessingParameterFeatureSource(
                "PROPOSAL",
                tr("Proposal: new streets or bridges (lines)"),
                [QgsProcessing.SourceType.TypeVectorLine],
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterField(
                "PROPOSAL_ID",
                tr("Proposal id field"),
                parentLayerParameterName="PROPOSAL",
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFeatureSource(
                "BUILDINGS",
                tr("Buildings no new crossing may pass through (polygons)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            ),
            advanced=True,
        )
        add_metres(self, "MAX_LINK_LENGTH", tr("Longest new crossing to consider (metres)"), 150.0)
        self.add(
            QgsProcessingParameterNumber(
                "BEST_K",
                tr("Choose this many new crossings together (0: none)"),
                QgsProcessingParameterNumber.Type.Integer,
                defaultValue=5,
                minValue=0,
            )
        )
        add_metres(
            self,
            "CANDIDATE_SPACING",
            tr("Spacing between new crossings: closer to a better one is left out (m, 0: off)"),
            100.0,
            advanced=True,
        )
        self.add(
            QgsProcessingParameterNumber(
                "CANDIDATES_KEEP",
                tr("Keep the best this many candidate new crossings (0: all)"),
                QgsProcessingParameterNumber.Type.Integer,
                defaultValue=CANDIDATES_KEEP,
                minValue=0,
            )
        )
        self.add(
            QgsProcessingParameterString(
                "THRESHOLDS", tr("Reach limits, minutes of walking (e.g. 10,15)"), "10,15"
            )
        )
        self.add(
            QgsProcessingParameterBoolean(
                "EFFECT", tr("Compute the barrier effect (slower)"), defaultValue=True
            )
        )
        add_metres(
            self,
            "GAP",
            tr("Widest gap bridged when a barrier is made permeable (metres)"),
            150.0,
            advanced=True,
        )
        add_metres(
            self,
            "MERGE_GAP",
            tr("Barrier features and crossings closer than this are one (metres)"),
            25.0,
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField(
                "BARRIER_ID",
                tr("Field naming the barrier each feature belongs to"),
                parentLayerParameterName="BARRIERS",
                optional=True,
            ),
            advanced=True,
        )
        for name, parent, label in (
            ("PLACE_WEIGHT", "PLACES", tr("Weight of the places (numeric field, e.g. population)")),
            ("NODE_WEIGHT", "NODES", tr("Weight of the nodes (numeric field)")),
        ):
            self.add(
                QgsProcessingParameterField(
                    name,
                    label,
                    parentLayerParameterName=parent,
                    type=QgsProcessingParameterField.DataType.Numeric,
                    optional=True,
                ),
                advanced=True,
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
        self.add_enum(
            "DETOUR_ORIGINS", "Detour measured from", DETOUR_ORIGINS, default="grid", advanced=True
        )
        add_metres(self, "GRID_SPACING", tr("Detour grid spacing (metres)"), 100.0, advanced=True)
        add_speed(self)
        labels = {
            "CROSSINGS": tr("Crossings"),
            "BARRIER_STRETCHES": tr("Barrier stretches between crossings"),
            "DETOUR": tr("Detour"),
            "DETOUR_PLACES": tr("Detour per place"),
            "BARRIER_EFFECT": tr("Barrier effect per place"),
            "CANDIDATE_LINKS": tr("Candidate new crossings, ranked"),
            "SCENARIO": tr("Scenario: routes before and after the proposal"),
            "SCENARIO_PLACES": tr("Scenario per place"),
            "WARNINGS": tr("Plausibility warnings: doubtful distances and links"),
        }
        for sink, (_layer, kind, optional) in OUTPUTS.items():
            self.add(QgsProcessingParameterFeatureSink(sink, labels[sink], kind, optional=optional))

    def template_input(self, output: str) -> str:
        return "PLACES" if output in self.PER_PLACE else ""

    def write_output(
        self, parameters: dict[str, Any], name: str, context: Any, frame: Any, feedback: Any
    ) -> str:
        """Write as every algorithm does, then have QGIS load the layer into the run's group."""
        from ..adapters import LayerGroup, StylePostProcessor
        from .base import STYLE_KEEPALIVE

        dest_id = super().write_output(parameters, name, context, frame, feedback)
        if context.willLoadLayerOnCompletion(dest_id):
            if self._group is None:
                self._group = LayerGroup(self.displayName(), LAYER_ORDER, VISIBLE)
            details = context.layerToLoadOnCompletionDetails(dest_id)
            styled = details.postProcessor()
            qml = getattr(styled, "qml", None)
            processor = StylePostProcessor(qml, self._group, name)
            STYLE_KEEPALIVE.append(processor)
            details.setPostProcessor(processor)
        return dest_id

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import BarrierOptions, NetworkOptions
        from stadsrum.workflows import run_barriers

        def frame(name: str) -> Any:
            return self.optional_frame(parameters, name, context, feedback)

        result = run_barriers(
            self.input_frame(parameters, "NETWORK", context, feedback),
            self.input_frame(parameters, "BARRIERS", context, feedback, allow_osm_file=False),
            None,
            places=frame("PLACES"),
            nodes=frame("NODES"),
            proposal=frame("PROPOSAL"),
            buildings=frame("BUILDINGS"),
            **self.options(parameters, context, NetworkOptions),
            **self.options(parameters, context, BarrierOptions),
            effect_segments=False,  # not an output here
            progress=progress,
        )
        layers = dict(result.layers)
        keep = self.parameterAsInt(parameters, "CANDIDATES_KEEP", context)
        ranked = layers.get("candidate_links")
        if keep > 0 and ranked is not None and len(ranked) > keep:
            layers["candidate_links"] = best_candidates(ranked, keep)
            feedback.pushInfo(
                tr("Kept the best {kept} of {total} candidate new crossings").format(
                    kept=len(layers["candidate_links"]), total=len(ranked)
                )
            )
        self._group = None  # a new group for this run's layers
        return {sink: layers.get(spec[0]) for sink, spec in OUTPUTS.items()}


def best_candidates(ranked: Any, keep: int) -> Any:
    """The ``keep`` best-ranked candidate links, and every one the greedy choice took.

    The greedy choice of several links together may take a link ranked lower
    on its own (it gains most given the others), so it is kept too.
    """
    chosen = ranked["rank"] <= keep
    if "greedy_step" in ranked.columns:
        chosen |= ranked["greedy_step"] > 0
    return ranked[chosen]

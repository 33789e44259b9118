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
MEASURES = {
    "node_count": "node count",
    "total_depth": "total depth",
    "mean_depth": "mean depth",
    "integration": "integration",
    "nain": "NAIN (normalised integration)",
    "choice": "choice (through-movement)",
    "nach": "NACH (normalised choice)",
    "reach_length": "reach length (metres of street)",
    "total_depth_wl": "total depth, length-weighted",
    "integration_wl": "integration, length-weighted",
    "choice_wl": "choice, length-weighted",
    "harmonic": "harmonic closeness",
}
NORMALISATIONS = {
    "stadsrum": "Hillier, Yang & Turner 2012, as depthmapX",
    "pst": "as PST: integration_pst, nain_pst, nach_pst",
}
# the measures PST normalises differently, and what its formulas are computed from
PST_NORMALISED = ("integration", "nain", "nach")
PST_INPUTS = ("node_count", "total_depth", "choice")
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
                "INPUT", tr("Street network (lines)"), [QgsProcessing.SourceType.TypeVectorLine]
            )
        )
        checkboxes(
            self.add_enum("COST", "Distance types", COSTS, default=["angular"], multiple=True),
            columns=2,
        )
        self.add(
            QgsProcessingParameterString(
                "RADII",
                tr(
                    "Radii in metres, n = whole network, or a type: straight:500, steps:2, "
                    "angular:90 (e.g. 400,800,n)"
                ),
                "400,800,n",
            )
        )
        self.add_enum("RADIUS_MODE", "Radius mode", RADIUS_MODES, default="catchment")
        self.add(
            QgsProcessingParameterField(
                "WEIGHT",
                tr("Weight (numeric field, e.g. population)"),
                parentLayerParameterName="INPUT",
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        checkboxes(
            self.add_enum(
                "MEASURES", "Measures to write", MEASURES, default=list(MEASURES), multiple=True
            ),
            columns=2,
        )
        self.add_enum("NORMALISATION", "Normalisation", NORMALISATIONS, default="stadsrum")
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
                QgsProcessingParameterNumber.Type.Integer,
                defaultValue=0,
                minValue=0,
            ),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterNumber(
                "STEP_THRESHOLD",
                tr("Angle threshold for steps in degrees (0 = every move is a step)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=0.0,
                minValue=0.0,
                maxValue=180.0,
            ),
            advanced=True,
        )
        self.add_enum("SPLIT", "Segments", SPLITS, default="edge", advanced=True)
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Segment analysis"), QgsProcessing.SourceType.TypeVectorLine
            )
        )

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.records import NetworkOptions, SegmentOptions
        from stadsrum.workflows import run_segments

        scheduler = self.scheduler(feedback)  # checked before any layer is read
        chosen = self.enum_values(parameters, "MEASURES", context)
        pst = self.enum_value(parameters, "NORMALISATION", context) == "pst"
        # PST's variants are computed here from the core's counts and depths, which are
        # then asked for even when they are not written
        wanted = [m for m in MEASURES if m in chosen or (pst and m in PST_INPUTS)]
        result = run_segments(
            self.input_frame(parameters, "INPUT", context, feedback),
            None,
            **self.options(parameters, context, NetworkOptions),
            **(self.options(parameters, context, SegmentOptions) | {"measures": wanted}),
            scheduler=scheduler,
            progress=progress,
        )
        segments = result.segments
        if pst:
            segments = pst_normalised(segments, chosen)
        return {"OUTPUT": segments}


def checkboxes(param: Any, *, columns: int) -> Any:
    """Show a multiple-choice enum as ticked boxes, so the chosen values are visible.

    QGIS's default widget for a multiple enum is a line reading "1 options
    selected"; the checkbox panel lists every option with its tick.
    """
    param.setMetadata({"widget_wrapper": {"useCheckBoxes": True, "columns": columns}})
    return param


def _suffixes(frame: Any) -> list[str]:
    """The ``{cost}_r{radius}`` ends of the frame's measure columns."""
    head = "total_depth_"
    ends = [c[len(head) :] for c in frame.columns if c.startswith(head)]
    return [end for end in ends if not end.startswith("wl_")]


def pst_normalised(frame: Any, chosen: list[str]) -> Any:
    """Replace integration, NAIN and NACH by PST's variants; keep only the chosen measures.

    With N the node count (origin included), TD the total depth and C the
    choice of a segment at one cost and radius (docs/measures.md):
    ``integration_pst`` = N² / (TD + 1) (PST's "Hillier" integration),
    ``nain_pst`` = N^1.2 / (TD + 1) and ``nach_pst`` = log(C + 1) / log(TD + 2),
    where stadsrum's own columns use TD, TD + 2 and log(TD + 3). The ``_pst``
    names keep a file honest: ``nain_angular_r800`` always means the formula
    of Hillier, Yang and Turner (2012).
    """
    import numpy as np

    out = frame.copy()
    for suffix in _suffixes(frame):
        n = out[f"node_count_{suffix}"].to_numpy(float)
        td = out[f"total_depth_{suffix}"].to_numpy(float)
        choice = out[f"choice_{suffix}"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = {
                "integration": n**2 / (td + 1.0),
                "nain": n**1.2 / (td + 1.0),
                "nach": np.log(choice + 1.0) / np.log(td + 2.0),
            }
        for measure in PST_NORMALISED:
            if measure in chosen:
                # in the place of the column it replaces, so the file reads in the usual order
                place = out.columns.get_loc(f"{measure}_{suffix}")
                out.insert(place, f"{measure}_pst_{suffix}", values[measure])
    drop = [
        f"{m}_{s}"
        for s in _suffixes(frame)
        for m in MEASURES
        if f"{m}_{s}" in out.columns and (m not in chosen or m in PST_NORMALISED)
    ]
    return out.drop(columns=drop)

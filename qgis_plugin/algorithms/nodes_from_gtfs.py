"""``stadsrum:nodes_from_gtfs``: stations of a GTFS feed as key nodes."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ..i18n import tr
from .base import StadsrumAlgorithm
from .segments import checkboxes

TRANSIT_MODES = {
    "train": "train",
    "metro": "metro",
    "tram": "tram",
    "ferry": "ferry",
    "bus": "bus",
    "taxi": "taxi (on demand)",
    "other": "other",
}


class NodesFromGtfsAlgorithm(StadsrumAlgorithm):
    NAME = "nodes_from_gtfs"
    LABEL = "Key nodes from a GTFS feed"
    GROUP = "Network"
    GROUP_ID = "network"
    STYLES: ClassVar[dict[str, str]] = {"OUTPUT": "nodes"}

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add(
            QgsProcessingParameterFile(
                "INPUT",
                tr("GTFS feed (.zip)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter="GTFS (*.zip *.ZIP)",
            )
        )
        self.add(
            QgsProcessingParameterString(
                "DATE",
                tr("Service day YYYY-MM-DD (empty: the feed's first full weekday)"),
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterString(
                "WINDOW", tr("Time window for departures per hour (HH:MM-HH:MM)"), "07:00-09:00"
            )
        )
        checkboxes(
            self.add_enum(
                "MODES", "Modes (none chosen: all)", TRANSIT_MODES, multiple=True, optional=True
            ),
            columns=2,
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Key nodes"), QgsProcessing.SourceType.TypeVectorPoint
            )
        )

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.workflows import run_nodes_from_gtfs

        result = run_nodes_from_gtfs(
            self.parameterAsFile(parameters, "INPUT", context),
            None,
            date=self.parameterAsString(parameters, "DATE", context).strip() or None,
            window=self.parameterAsString(parameters, "WINDOW", context),
            # an optional multiple enum left empty reads back as its first option
            modes=self.enum_values(parameters, "MODES", context)
            if parameters.get("MODES") not in (None, "", [])
            else None,
            progress=progress,
        )
        used = result.nodes.attrs["gtfs"]
        feedback.pushInfo(
            tr("{count} key nodes, departures per hour on {date} {window}").format(
                count=len(result.nodes), date=used["date"], window=used["window"]
            )
        )
        return {"OUTPUT": result.nodes}

"""``stadsrum:run``: a whole study from its TOML file, as ``stadsrum run``."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingParameterFile,
)

from ..i18n import tr
from .report import FileResultsAlgorithm


class RunAlgorithm(FileResultsAlgorithm):
    NAME = "run"
    LABEL = "Run a study file"
    GROUP = "Results"
    GROUP_ID = "results"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add(
            QgsProcessingParameterFile(
                "INPUT",
                tr("Study file (.toml)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=tr("Study files (*.toml)"),
            )
        )
        self.addOutput(QgsProcessingOutputFolder("OUTPUT", tr("Results folder")))
        self.addOutput(QgsProcessingOutputFile("REPORT", tr("Report (HTML)")))

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.study import load_study, run_study

        path = self.parameterAsFile(parameters, "INPUT", context)
        # the study is read and checked by run_study again; here only for its folder
        out = load_study(path).out
        results = run_study(path, progress=progress)
        for written in results["paths"]:
            feedback.pushInfo(tr("Written: {path}").format(path=written))
        report = results.get("report")
        return {"OUTPUT": str(out), "REPORT": str(report.html) if report is not None else ""}

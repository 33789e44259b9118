"""``stadsrum:report``: the HTML and PDF report of result GeoPackages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
    QgsProviderRegistry,
)

from ..i18n import language, tr
from .base import StadsrumAlgorithm

LANGUAGES = {"sv": "Swedish", "en": "English"}


class FileResultsAlgorithm(StadsrumAlgorithm):
    """An algorithm whose results are files it writes itself, not layers for sinks.

    ``analyse`` returns ``{output name: path}``; the paths are passed on as they are.
    """

    def skipped(self, parameters: dict[str, Any], name: str) -> bool:
        # outputs such as HTML are not parameters and cannot be left out
        if self.parameterDefinition(name) is None:
            return False
        return super().skipped(parameters, name)

    def write_output(
        self,
        parameters: dict[str, Any],
        name: str,
        context: QgsProcessingContext,
        frame: Any,
        feedback: Any,
    ) -> str:
        return str(frame)


def source_file(layer: Any) -> Path | None:
    """The file behind a layer (``x.gpkg|layername=segments`` → ``x.gpkg``)."""
    parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
    path = parts.get("path") or ""
    return Path(path) if path else None


def has_run_metadata(path: Path) -> bool:
    """Whether a GeoPackage has the ``run_metadata`` table that tells the report its analysis.

    The command line and studies write it; single runs of the plugin's
    algorithms do not (yet), and their files are reported as other results.
    """
    import pyogrio

    try:
        return "run_metadata" in {str(n) for n in pyogrio.list_layers(path)[:, 0]}
    except Exception:  # a damaged file: the report itself says so, in its own words
        return True


class ReportAlgorithm(FileResultsAlgorithm):
    NAME = "report"
    LABEL = "Report of results (HTML and PDF)"
    GROUP = "Results"
    GROUP_ID = "results"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add(
            QgsProcessingParameterMultipleLayers(
                "INPUT",
                tr("Result layers or GeoPackages written by Stadsrum"),
                QgsProcessing.SourceType.TypeVector,
                optional=True,
            )
        )
        self.add(
            QgsProcessingParameterFile(
                "FOLDER",
                tr("Or a folder of result GeoPackages"),
                behavior=QgsProcessingParameterFile.Behavior.Folder,
                optional=True,
            )
        )
        default = "sv" if language() == "sv" else "en"
        self.add_enum("LANG", "Report language", LANGUAGES, default=default)
        self.add(
            QgsProcessingParameterString(
                "TITLE", tr("Title (empty: Urban space analysis)"), optional=True
            )
        )
        self.add(QgsProcessingParameterFolderDestination("OUTPUT", tr("Report folder")))
        self.addOutput(QgsProcessingOutputFile("HTML", tr("Report (HTML)")))
        self.addOutput(QgsProcessingOutputFile("PDF", tr("Report (PDF)")))

    def analyse(
        self, parameters: dict[str, Any], context: Any, feedback: Any, progress: Any
    ) -> dict[str, Any]:
        from stadsrum.workflows import run_report

        sources: list[Path] = []
        for layer in self.parameterAsLayerList(parameters, "INPUT", context):
            path = source_file(layer)
            if path is None or path.suffix.lower() != ".gpkg":
                raise QgsProcessingException(
                    tr(
                        "The layer {layer} is not in a GeoPackage: choose layers of the "
                        "GeoPackages Stadsrum wrote."
                    ).format(layer=layer.name())
                )
            if path not in sources:  # several layers of one file: the file once
                sources.append(path)
        folder = self.parameterAsFile(parameters, "FOLDER", context)
        if folder:
            sources.append(Path(folder))
        if not sources:
            raise QgsProcessingException(
                tr("Choose result layers or a folder of result GeoPackages.")
            )
        for path in sources:
            if path.is_file() and not has_run_metadata(path):
                feedback.pushWarning(
                    tr(
                        "{path} does not say which analysis wrote it (it has no run_metadata "
                        "table): the report shows it under other results. Results of a study "
                        "(Run a study file) or of the command line are reported in full."
                    ).format(path=path.name)
                )
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        report = run_report(
            sources,
            out,
            lang=self.enum_value(parameters, "LANG", context),
            title=self.parameterAsString(parameters, "TITLE", context).strip() or None,
            progress=progress,
        )
        feedback.pushInfo(tr("Report written to {path}").format(path=report.html))
        return {"OUTPUT": out, "HTML": report.html, "PDF": report.pdf}

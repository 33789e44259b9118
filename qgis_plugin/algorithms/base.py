"""The shared base of every Stadsrum algorithm.

An algorithm declares its parameters in ``initAlgorithm`` and implements
:meth:`StadsrumAlgorithm.analyse`: read the inputs into GeoDataFrames, call one
core function, return ``{sink parameter: GeoDataFrame}``. The base class does
the rest: names, translated help, icon, the dependency check, progress and
cancel, turning core errors into processing errors, writing each frame to its
sink with proper field types, and giving output layers their default style.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProviderRegistry,
)
from qgis.PyQt.QtGui import QIcon

from .. import deps
from ..i18n import core_text, help_text, tr

ICON = Path(__file__).resolve().parent.parent / "icon.svg"
HELP_URL = "https://github.com/stadsrum/stadsrum#readme"
OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf")

#: A command-line option in a core message (``--node-id``), named in the dialog instead.
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
#: Options whose dialog parameter is not the option's name in capitals.
FLAG_PARAMETERS = {
    "--network": ("NETWORK", "INPUT"),
    "--network-layer": ("NETWORK", "INPUT"),
    "--layer": ("INPUT", "NETWORK"),
}
#: Advice of the command line that reads otherwise in QGIS: a layer's CRS is set
#: in its properties there, not with an option.
QGIS_ADVICE = (
    (
        "give the layer's real coordinate system with --crs, such as --crs EPSG:3006 "
        "(SWEREF 99 TM) or --crs EPSG:3067 (ETRS-TM35FIN)",
        "set the layer's real coordinate system (Layer Properties > Source, or "
        "Processing's Assign projection), such as EPSG:3006 (SWEREF 99 TM) or "
        "EPSG:3067 (ETRS-TM35FIN)",
    ),
)

#: The provider's setting for where the large analyses run (Settings > Options >
#: Processing > Providers > Stadsrum), as ``--scheduler`` on the command line: its
#: key in Processing's configuration (QGIS's settings: Processing/Configuration/…).
SCHEDULER_SETTING = "STADSRUM_SCHEDULER"

# post-processors must outlive the algorithm run that created them
STYLE_KEEPALIVE: list[Any] = []
_INTEGER = QgsProcessingParameterNumber.Type.Integer
# QGIS runs algorithms on worker threads, and two at once may not share numba's thread pool
_CORE_LOCK = threading.Lock()


class StadsrumAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses set the class attributes and implement ``analyse``."""

    NAME: ClassVar[str] = ""
    """Algorithm id without the provider prefix (``"segments"``)."""
    LABEL: ClassVar[str] = ""
    """English display name; translated through the ``.ts`` file."""
    GROUP: ClassVar[str] = ""
    GROUP_ID: ClassVar[str] = ""
    STYLES: ClassVar[dict[str, str]] = {}
    """Sink parameter → result layer name whose default style it gets."""
    TEMPLATE_INPUT: ClassVar[str] = "INPUT"
    """Input whose field definitions the outputs keep for its columns."""

    def __init__(self) -> None:
        super().__init__()
        self._templates: dict[str, Any] = {}
        self._enum_words: dict[str, list[str]] = {}
        self._gpkg_files: set[Path] = set()  # GeoPackages this run has written to
        self._scheduler: str | None = None  # where the analysis ran, for run_metadata

    # --- identity -------------------------------------------------------------------------
    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:
        return tr(self.LABEL)

    def group(self) -> str:
        return tr(self.GROUP) if self.GROUP else ""

    def groupId(self) -> str:
        return self.GROUP_ID

    def shortHelpString(self) -> str:
        return help_text(self.NAME)

    def helpUrl(self) -> str:
        return HELP_URL

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def svgIconPath(self) -> str:
        return str(ICON)

    def createInstance(self) -> StadsrumAlgorithm:
        return type(self)()

    def tr(self, text: str) -> str:
        return tr(text)

    def canExecute(self) -> tuple[bool, str]:
        problems = deps.cached_problems()
        if problems:
            return False, deps.message(problems, tr=tr)
        return True, ""

    # --- the run --------------------------------------------------------------------------
    def analyse(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
        progress: Any,
    ) -> dict[str, Any]:
        """Read inputs, call the core, return ``{sink parameter: GeoDataFrame}``.

        A plain DataFrame is written as a table without geometry; a sink left
        out of the dictionary (an optional output whose inputs were not given)
        is not created.
        """
        raise NotImplementedError

    def processAlgorithm(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        try:
            deps.import_native_packages()
            from stadsrum.errors import StadsrumError

            from ..adapters import progress_for
        except ImportError as exc:
            problems = deps.find_problems()
            text = deps.message(problems, tr=tr) if problems else str(exc)
            raise QgsProcessingException(text) from exc
        self._wait_for_other_runs(feedback)
        try:
            frames = self.analyse(parameters, context, feedback, progress_for(feedback))
        except StadsrumError as exc:
            # the text without a Python function's name (run_segments: …), which a
            # planner in the dialog has never seen
            raise QgsProcessingException(self.dialog_message(exc.message or str(exc))) from exc
        finally:
            _CORE_LOCK.release()
        if feedback.isCanceled():
            raise QgsProcessingException(tr("Cancelled by the user; nothing was written."))
        # sinks are made only now, so a failed or cancelled run creates no output
        results = {}
        for key, frame in frames.items():
            if frame is not None and not self.skipped(parameters, key):
                results[key] = self.write_output(parameters, key, context, frame, feedback)
        return results

    def dialog_message(self, text: str) -> str:
        """A core message as the dialog's user reads it.

        In QGIS's language (the core's catalogue), and with the command line's
        options named as this dialog's parameters: ``--node-id`` becomes the
        label of ``NODE_ID`` (see :data:`FLAG_PARAMETERS` for names that differ),
        and the command line's advice on a layer's CRS as QGIS's (:data:`QGIS_ADVICE`).
        A flag this dialog has no parameter for stays as it is.
        """
        for cli_words, qgis_words in QGIS_ADVICE:
            text = text.replace(cli_words, qgis_words)
        text = core_text(text)

        def label(match: re.Match[str]) -> str:
            flag = match.group(0)
            for name in FLAG_PARAMETERS.get(flag, (flag[2:].replace("-", "_").upper(),)):
                definition = self.parameterDefinition(name)
                if definition is not None:
                    return f"\u201c{definition.description()}\u201d"
            return flag

        return FLAG.sub(label, text)

    def skipped(self, parameters: dict[str, Any], name: str) -> bool:
        """Whether the user chose to skip the optional output ``name``."""
        definition = self.parameterDefinition(name)
        optional = bool(definition.flags() & QgsProcessingParameterDefinition.Flag.FlagOptional)
        return optional and parameters.get(name) in (None, "")

    def _wait_for_other_runs(self, feedback: QgsProcessingFeedback) -> None:
        """Take the core lock, waiting (cancellable) while another analysis runs."""
        told = False
        while not _CORE_LOCK.acquire(timeout=0.2):
            if feedback.isCanceled():
                raise QgsProcessingException(tr("Cancelled by the user; nothing was written."))
            if not told:
                feedback.pushInfo(tr("Waiting for another Stadsrum analysis to finish"))
                told = True

    # --- helpers for subclasses -----------------------------------------------------------
    def scheduler(self, feedback: QgsProcessingFeedback) -> str:
        """The provider's scheduler setting, for the workflow's ``scheduler=``.

        Called first in ``analyse``, so a value the analysis cannot use stops
        the run with one message before any layer is read. ``local`` (the
        default) is the threaded engine as always and imports no Dask.
        """
        value = scheduler_setting()
        self._scheduler = value
        if value == "local":
            return value
        problem = check_scheduler_setting(value)
        if problem:
            raise QgsProcessingException(problem)
        if value == "local-cluster":
            _python_for_worker_processes()
        feedback.pushInfo(
            tr("The analysis runs on Dask ({0}), as Stadsrum's setting “{1}” says").format(
                value, scheduler_label()
            )
        )
        return value

    def add_enum(
        self,
        name: str,
        description: str,
        options: dict[str, str],
        *,
        default: str | list[str] | None = None,
        multiple: bool = False,
        optional: bool = False,
        advanced: bool = False,
    ) -> QgsProcessingParameterEnum:
        """Add an enum parameter with translated labels that stand for core words.

        ``options`` maps the core's word (``"angular"``) to its English label;
        :meth:`enum_value` gives back the word of the chosen option.
        """
        words = list(options)
        default_index: Any = None
        if isinstance(default, list):
            default_index = [words.index(w) for w in default]
        elif default is not None:
            default_index = words.index(default)
        param = QgsProcessingParameterEnum(
            name,
            tr(description),
            options=[tr(label) for label in options.values()],
            allowMultiple=multiple,
            defaultValue=default_index,
            optional=optional,
        )
        self._enum_words[name] = words
        self.add(param, advanced=advanced)
        return param

    def add(self, param: Any, *, advanced: bool = False) -> Any:
        """Add a parameter, optionally in the dialog's collapsed Advanced group."""
        if advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(param)
        return param

    def enum_value(
        self, parameters: dict[str, Any], name: str, context: QgsProcessingContext
    ) -> str:
        """The core's word for the chosen option of an enum parameter."""
        return self._enum_words[name][self.parameterAsEnum(parameters, name, context)]

    def enum_values(
        self, parameters: dict[str, Any], name: str, context: QgsProcessingContext
    ) -> list[str]:
        """The core's words for the chosen options of a multiple-choice enum."""
        words = self._enum_words[name]
        return [words[i] for i in self.parameterAsEnums(parameters, name, context)]

    def options(
        self, parameters: dict[str, Any], context: QgsProcessingContext, record: Any
    ) -> dict[str, Any]:
        """The options of ``record`` (a :mod:`stadsrum.records` class) that this dialog
        offers, as keywords: each is read from its parameter (the option's name in
        capitals, INTERFACES.md) by the parameter's kind; one left empty keeps the
        record's default. An algorithm passes them on with ``**``."""
        values: dict[str, Any] = {}
        kinds = {f.name: str(f.type) for f in record.fields()}
        for option, name in record.qgis_parameters().items():
            definition = self.parameterDefinition(name)
            if definition is None:  # not offered here: the default
                continue
            if parameters.get(name, definition.defaultValue()) in (None, ""):
                continue
            kind = definition.type()
            if kind == "enum":
                multiple = definition.allowMultiple()
                read = self.enum_values if multiple else self.enum_value
                value: Any = read(parameters, name, context)
                if multiple and kinds[option] == "str":  # an option taking a comma list only
                    value = ",".join(value)
            elif kind == "field":
                value = self.field_value(parameters, name, context)
            elif kind == "boolean":
                value = self.parameterAsBool(parameters, name, context)
            elif kind == "number" and definition.dataType() == _INTEGER:
                value = self.parameterAsInt(parameters, name, context)
            elif kind in ("number", "distance"):
                value = self.parameterAsDouble(parameters, name, context)
            else:
                value = self.parameterAsString(parameters, name, context).strip()
            if value not in (None, ""):
                values[option] = value
        return values

    def osm_file(
        self, parameters: dict[str, Any], name: str, context: QgsProcessingContext
    ) -> str | None:
        """The file behind an input layer when it is a whole OpenStreetMap file.

        Stadsrum reads such files itself, with its travel-mode filter and the
        bridge, tunnel and layer tags, instead of QGIS's generic OSM layer.
        """
        value = parameters.get(name)
        if isinstance(value, QgsProcessingFeatureSourceDefinition) and (
            value.selectedFeaturesOnly or value.featureLimit > 0
        ):
            return None
        layer = self.parameterAsVectorLayer(parameters, name, context)
        if layer is None or layer.providerType() != "ogr" or layer.subsetString():
            return None
        path = QgsProviderRegistry.instance().decodeUri("ogr", layer.source()).get("path") or ""
        return path if path.lower().endswith(OSM_SUFFIXES) else None

    def input_frame(
        self,
        parameters: dict[str, Any],
        name: str,
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
        *,
        allow_osm_file: bool = True,
    ) -> Any:
        """An input layer as a GeoDataFrame, or the path of a whole OSM file."""
        from ..adapters import source_to_geodataframe

        if allow_osm_file:
            path = self.osm_file(parameters, name, context)
            if path:
                feedback.pushInfo(tr("Reading the OpenStreetMap file {path}").format(path=path))
                return path
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        self._templates[name] = source.fields()
        return source_to_geodataframe(source, feedback=feedback)

    def optional_frame(
        self,
        parameters: dict[str, Any],
        name: str,
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> Any:
        """An optional input layer as a GeoDataFrame, ``None`` when not given."""
        if parameters.get(name) in (None, ""):
            return None
        return self.input_frame(parameters, name, context, feedback, allow_osm_file=False)

    def template_input(self, output: str) -> str:
        """The input whose field definitions the sink ``output`` keeps for its columns."""
        return self.TEMPLATE_INPUT

    def field_value(
        self, parameters: dict[str, Any], name: str, context: QgsProcessingContext
    ) -> str | None:
        """The chosen field of a field parameter, ``None`` when none is chosen."""
        return self.parameterAsString(parameters, name, context) or None

    def write_output(
        self,
        parameters: dict[str, Any],
        name: str,
        context: QgsProcessingContext,
        frame: Any,
        feedback: QgsProcessingFeedback,
    ) -> str:
        """Write a GeoDataFrame to the sink parameter ``name``; returns the output id."""
        from ..adapters import (
            StylePostProcessor,
            crs_from_pyproj,
            default_style,
            geometry_column,
            qgis_fields,
            wkb_type,
            write_frame,
        )

        template = self._templates.get(self.template_input(name))
        fields = qgis_fields(frame, template)
        crs = crs_from_pyproj(frame.crs if geometry_column(frame) else None)
        layer_name = self.STYLES.get(name)
        gpkg, named = self._gpkg_destination(parameters, name, context)
        if gpkg is not None and layer_name and not named:
            if gpkg not in self._gpkg_files and gpkg.is_file():
                # a named layer is written into the file as it is: without this, layers
                # of an earlier run would stay beside the new ones, as they never did
                _remove_quietly(gpkg)
            self._gpkg_files.add(gpkg)
            parameters = {**parameters, name: _named_gpkg_layer(parameters[name], gpkg, layer_name)}
        sink, dest_id = self.parameterAsSink(
            parameters, name, context, fields, wkb_type(frame), crs
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        write_frame(frame, sink, fields, feedback=feedback)
        del sink  # closes the file, so that its style can be stored in it
        if gpkg is not None:
            self._write_run_metadata(gpkg, parameters, context, feedback)
        qml = None
        if layer_name:
            try:
                qml = default_style(layer_name, frame)
            except Exception as exc:  # a style is a nicety: never fail a finished analysis
                feedback.pushWarning(
                    tr("No default style for {layer}: {error}").format(layer=layer_name, error=exc)
                )
        if qml:
            store_style(dest_id, qml, feedback)
            if context.willLoadLayerOnCompletion(dest_id):
                processor = StylePostProcessor(qml)
                STYLE_KEEPALIVE.append(processor)
                context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(processor)
        return dest_id

    def _gpkg_destination(
        self, parameters: dict[str, Any], name: str, context: QgsProcessingContext
    ) -> tuple[Path | None, bool]:
        """The GeoPackage file the sink ``name`` writes to (None for another format or a
        temporary output), and whether the user named the layer (``ogr:dbname=...
        table=...`` or ``|layername=``)."""
        value = parameters.get(name)
        if isinstance(value, QgsProcessingOutputLayerDefinition):
            value = value.sink.staticValue()
        if not isinstance(value, str) or value == QgsProcessing.TEMPORARY_OUTPUT:
            return None, False
        if value.startswith("ogr:"):
            from qgis.core import QgsDataSourceUri

            database = QgsDataSourceUri(value[4:]).database()
            return (Path(database) if database.lower().endswith(".gpkg") else None), True
        path, _, layer = value.partition("|")
        return (Path(path) if path.lower().endswith(".gpkg") else None), bool(layer)

    def _write_run_metadata(
        self,
        path: Path,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> None:
        """The ``run_metadata`` table the command line writes, so that ``stadsrum report``
        reads the file as this analysis (INTERFACES.md: a table in every file)."""
        try:
            import pyogrio
            from stadsrum.workflows import run_metadata  # the command line's table

            values, inputs = {}, {}
            for definition in self.parameterDefinitions():
                key = definition.name()
                if key not in parameters or parameters[key] is None:
                    continue
                if definition.isDestination():
                    continue
                values[key.lower()] = definition.valueAsPythonString(parameters[key], context)
                layer = self.parameterAsVectorLayer(parameters, key, context)
                if layer is not None and layer.providerType() == "ogr":
                    uri = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
                    inputs[key.lower()] = uri.get("path") or None
            from .. import metadata

            extra = {"written_by": f"QGIS plugin {metadata.plugin_version()}".strip()}
            if self._scheduler:  # as the command line records it
                extra["scheduler"] = self._scheduler
            table = run_metadata(self.NAME, values, inputs=inputs, extra=extra)
            pyogrio.write_dataframe(
                table, path, layer="run_metadata", driver="GPKG", layer_options={"OVERWRITE": "YES"}
            )
        except Exception as exc:  # the analysis is written; its record is a nicety
            feedback.pushWarning(
                tr("No run_metadata table in {path}: {error}").format(path=path, error=exc)
            )


def scheduler_label() -> str:
    """The scheduler setting's label in QGIS's options."""
    return tr(
        "Dask scheduler for large analyses (local, local-cluster, tcp://host:port or a .json file)"
    )


def scheduler_setting() -> str:
    """The scheduler setting's value; ``local`` where it is empty or not registered."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:  # no Processing plugin: nothing to read
        return "local"
    value = ProcessingConfig.getSetting(SCHEDULER_SETTING)
    return (str(value).strip() or "local") if value is not None else "local"


def check_scheduler_setting(value: str) -> str | None:
    """What is wrong with a scheduler setting, in one line naming the setting; ``None``
    when the analyses can use it (or the core, missing, cannot say: the dependency
    check does). The core's check, as for ``--scheduler``: imports Dask for a cluster."""
    value = value.strip()
    if value in ("", "local"):
        return None
    try:
        from stadsrum.errors import InputError
        from stadsrum.workflows import check_scheduler
    except ImportError:
        return None
    try:
        check_scheduler(value)
    except InputError as exc:
        # the setting stands where the command line's option does
        text = core_text(exc.message or str(exc)).replace("--scheduler ", "")
        return tr(
            "Stadsrum's setting “{0}” (Settings > Options > Processing > Providers > Stadsrum): {1}"
        ).format(scheduler_label(), text)
    return None


def _python_for_worker_processes() -> None:
    """Start a local cluster's worker processes with Python, not with QGIS.

    Dask starts them with :mod:`multiprocessing`, which runs ``sys.executable``;
    inside QGIS that is QGIS's own program (``qgis``, ``qgis-bin.exe``), which
    would open QGIS again instead of a worker. The workers get this process's
    ``sys.path``, so they import the same stadsrum.
    """
    import multiprocessing

    if Path(sys.executable).name.lower().startswith("python"):
        return
    from ..installer import InstallError, find_python

    try:
        python = find_python().executable
    except InstallError as exc:
        raise QgsProcessingException(
            tr("A local cluster's worker processes need QGIS's Python interpreter: {0}").format(exc)
        ) from exc
    multiprocessing.set_executable(python)


def _remove_quietly(path: Path) -> None:
    """Remove an earlier output and its SQLite side files; QGIS overwrites what remains."""
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        # open elsewhere (Windows): QGIS replaces the layer itself
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)


def _named_gpkg_layer(value: Any, path: Path, layer: str) -> Any:
    """The sink ``value`` writing the layer ``layer`` of the GeoPackage ``path``.

    QGIS names a new GeoPackage's layer after the file; the standard names
    (``segments``, ``od``, ... in INTERFACES.md) let ``stadsrum report``, models and
    scripts find it. The ``ogr:dbname=... table=...`` destination is QGIS's own
    way to name the layer; options the user set (load on completion, encoding)
    are kept.
    """
    from qgis.core import QgsProperty

    quoted = str(path).replace("'", "\\'")
    destination = f"ogr:dbname='{quoted}' table=\"{layer}\" (geom)"
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        copy = QgsProcessingOutputLayerDefinition(value)
        copy.sink = QgsProperty.fromValue(destination)
        return copy
    return destination


def store_style(dest_id: str, qml: str, feedback: QgsProcessingFeedback) -> bool:
    """Keep the default style with an output file, so it opens styled wherever it is opened.

    A GeoPackage gets it as the layer's default style in its ``layer_styles``
    table (as the command line's files do, and as QGIS's "Save style to
    database" writes it); another file format a ``.qml`` beside it, which
    QGIS loads with the file. Outputs in memory or in a database server are
    left alone (the style is applied when the run loads them). Returns
    whether a style was stored.
    """
    from qgis.core import QgsVectorLayer

    from ..adapters import apply_qml

    parts = QgsProviderRegistry.instance().decodeUri("ogr", dest_id)
    path = Path(parts.get("path") or "")
    if not parts.get("path") or not path.is_file():
        return False
    layer = QgsVectorLayer(dest_id, parts.get("layerName") or path.stem, "ogr")
    if not layer.isValid() or not apply_qml(layer, qml):
        return False
    if path.suffix.lower() == ".gpkg":
        from .. import metadata

        description = f"stadsrum {metadata.plugin_version()} default style".strip()
        error = layer.saveStyleToDatabase(
            parts.get("layerName") or path.stem, description, True, ""
        )
    else:
        error, ok = layer.saveNamedStyle(str(path.with_suffix(".qml")))
        error = "" if ok else error
    if error:
        feedback.pushWarning(
            tr("The style could not be stored in {path}: {error}").format(path=path, error=error)
        )
        return False
    return True

"""Adapters between QGIS and the stadsrum core; no analysis here.

- feature sources → GeoDataFrames through WKB, keeping attributes and the CRS;
- GeoDataFrames → feature sinks, with field types mapped to QGIS's;
- QGIS feedback ⇄ stadsrum's progress protocol (progress, messages, cancel);
- default styles (QML from :mod:`stadsrum.io.styles`) for output layers.

Heavy libraries are imported inside the functions, so loading the plugin
never imports them and never fails for want of them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant
from qgis.PyQt.QtXml import QDomDocument

if TYPE_CHECKING:
    import geopandas as gpd

# GeoPackage's internal feature id: kept under another name, as segments repeat it
FID_RENAMED = "input_fid"
_INTEGER_TYPES = (QVariant.Int, QVariant.UInt, QVariant.LongLong, QVariant.ULongLong)


# --- progress ----------------------------------------------------------------------------


def progress_for(feedback: QgsProcessingFeedback) -> Any:
    """A :class:`stadsrum.progress.Progress` reporting to ``feedback``.

    Each step's share done goes to ``setProgress`` (0–100) and its label to
    ``setProgressText``; messages go to ``pushInfo``; ``isCanceled`` is the
    cancel check the core polls between chunks of work.
    """
    from stadsrum.progress import Progress

    from .i18n import core_text

    state = {"label": None}

    def on_update(label: str, done: int, total: int) -> None:
        if label != state["label"]:
            state["label"] = label
            feedback.setProgressText(core_text(label))
        if total > 0:
            feedback.setProgress(100.0 * min(done, total) / total)

    def on_message(text: str) -> None:
        feedback.pushInfo(core_text(text))

    return Progress(on_update=on_update, on_message=on_message, is_cancelled=feedback.isCanceled)


# --- QGIS → GeoDataFrame -------------------------------------------------------------------


def crs_to_pyproj(crs: QgsCoordinateReferenceSystem) -> Any:
    """The same CRS for pyproj (``None`` when the layer has none)."""
    import pyproj

    if not crs.isValid():
        return None
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return pyproj.CRS.from_user_input(authid)
    return pyproj.CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT_PREFERRED))


def crs_from_pyproj(crs: Any) -> QgsCoordinateReferenceSystem:
    """A pyproj CRS (or anything it reads) as QGIS's CRS."""
    import pyproj

    if crs is None:
        return QgsCoordinateReferenceSystem()
    crs = pyproj.CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    if epsg is not None:
        return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


def source_to_geodataframe(source: Any, *, feedback: QgsProcessingFeedback | None = None) -> Any:
    """Features of a QGIS feature source as a GeoDataFrame.

    Geometries travel as WKB (curves are segmentised first); attributes keep
    their types (integers as nullable integers, dates as datetimes, NULL as
    missing). The layer's CRS is kept. A GeoPackage ``fid`` field becomes
    ``input_fid``.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    fields = source.fields()
    names = [fields.at(i).name() for i in range(fields.count())]
    columns: list[list[Any]] = [[] for _ in names]
    wkb: list[bytes | None] = []
    for feature in source.getFeatures():
        if feedback is not None and feedback.isCanceled():
            break
        geom = feature.geometry()
        if geom is None or geom.isNull() or geom.isEmpty():
            wkb.append(None)
        else:
            if QgsWkbTypes.isCurvedType(geom.wkbType()):
                geom = QgsGeometry(geom.constGet().segmentize())
            wkb.append(bytes(geom.asWkb()))
        for column, value in zip(columns, feature.attributes(), strict=False):
            column.append(_python_value(value))
    data = {}
    for i, name in enumerate(names):
        out_name = FID_RENAMED if name.lower() == "fid" else name
        data[out_name] = _series(columns[i], fields.at(i), pd)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(wkb)))
    geometry = shapely.from_wkb(wkb)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs_to_pyproj(source.sourceCrs()))


def _python_value(value: Any) -> Any:
    if value is None or value == NULL or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def _series(values: list[Any], field: QgsField, pd: Any) -> Any:
    kind = field.type()
    if kind in _INTEGER_TYPES:
        return pd.array(values, dtype="Int64")
    if kind == QVariant.Double:
        return pd.array([math.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == QVariant.Bool:
        return pd.array(values, dtype="boolean")
    if kind in (QVariant.Date, QVariant.DateTime):
        return pd.to_datetime(pd.Series(values, dtype=object))
    return pd.Series(values, dtype=object)


# --- GeoDataFrame → QGIS -------------------------------------------------------------------


def qgis_fields(frame: Any, template: QgsFields | None = None) -> QgsFields:
    """QGIS fields for the frame's columns (geometry left out).

    Columns that came from the input layer keep that layer's field
    definition (type, length, precision); the others are mapped from their
    dtype: integers → 64-bit integers, floats → doubles, booleans, dates and
    date-times, anything else → text.
    """
    import pandas as pd

    known = {}
    if template is not None:
        for i in range(template.count()):
            field = template.at(i)
            name = FID_RENAMED if field.name().lower() == "fid" else field.name()
            known[name] = field
    fields = QgsFields()
    geometry_name = geometry_column(frame)
    for name in frame.columns:
        if name == geometry_name:
            continue
        dtype = frame[name].dtype
        if name in known and name != FID_RENAMED:
            field = QgsField(known[name])
        elif pd.api.types.is_bool_dtype(dtype):
            field = QgsField(str(name), QVariant.Bool)
        elif pd.api.types.is_integer_dtype(dtype):
            field = QgsField(str(name), QVariant.LongLong)
        elif pd.api.types.is_float_dtype(dtype):
            field = QgsField(str(name), QVariant.Double)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            field = QgsField(str(name), QVariant.DateTime)
        else:
            field = QgsField(str(name), QVariant.String)
        fields.append(field)
    return fields


def geometry_column(frame: Any) -> str | None:
    """Name of the frame's geometry column; ``None`` for a table (a plain DataFrame)."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        return str(frame.geometry.name)
    except AttributeError:  # a GeoDataFrame whose geometry column was dropped
        return None


def wkb_type(frame: Any) -> int:
    """The QGIS geometry type for a frame's geometries (multi when any is multi-part).

    A table without geometry (a plain DataFrame) is ``NoGeometry``.
    """
    import shapely

    if geometry_column(frame) is None:
        return QgsWkbTypes.Type.NoGeometry
    geoms = frame.geometry.array
    types = set(frame.geom_type.dropna())
    multi = any(t.startswith("Multi") for t in types)
    base = next(iter(types), "LineString").replace("Multi", "")
    kind = {
        "Point": QgsWkbTypes.Type.Point,
        "LineString": QgsWkbTypes.Type.LineString,
        "Polygon": QgsWkbTypes.Type.Polygon,
    }.get(base, QgsWkbTypes.Type.Unknown)
    if multi:
        kind = QgsWkbTypes.multiType(kind)
    if len(geoms) and bool(shapely.has_z(geoms).any()):
        kind = QgsWkbTypes.addZ(kind)
    return kind


def write_frame(
    frame: Any,
    sink: QgsFeatureSink,
    fields: QgsFields,
    *,
    feedback: QgsProcessingFeedback | None = None,
) -> int:
    """Add the frame's rows to ``sink`` as features; returns the number written.

    A plain DataFrame (a table) gives features without geometry.
    """
    import shapely

    geometry_name = geometry_column(frame)
    names = [fields.at(i).name() for i in range(fields.count())]
    columns = [_column_values(frame[name], fields.at(i)) for i, name in enumerate(names)]
    wkbs: Any
    if geometry_name is None:
        wkbs = [None] * len(frame)
    else:
        # An explicit dimension: inside QGIS on Linux, shapely's wheel may call QGIS's own,
        # older GEOS (its symbols come first), which rejects shapely's default of 4.
        has_z = bool(shapely.has_z(frame[geometry_name].array).any())
        wkbs = shapely.to_wkb(frame[geometry_name].array, output_dimension=3 if has_z else 2)
    features = []
    for row, wkb in enumerate(wkbs):
        feature = QgsFeature(fields)
        if wkb is not None:
            geom = QgsGeometry()
            geom.fromWkb(wkb)
            feature.setGeometry(geom)
        feature.setAttributes([column[row] for column in columns])
        features.append(feature)
    if not sink.addFeatures(features, QgsFeatureSink.Flag.FastInsert):
        from qgis.core import QgsProcessingException

        raise QgsProcessingException(sink.lastError() or "could not write the output features")
    if feedback is not None:
        feedback.pushInfo(f"{len(features):,} features written")
    return len(features)


def _column_values(series: Any, field: QgsField) -> list[Any]:
    """Python values for one column, missing values as ``None`` (NULL)."""
    import pandas as pd

    kind = field.type()
    convert: Any
    if kind in _INTEGER_TYPES:
        convert = int
    elif kind == QVariant.Double:
        convert = float
    elif kind == QVariant.Bool:
        convert = bool
    elif kind in (QVariant.Date, QVariant.DateTime):
        convert = lambda value: _qdatetime(value, kind)  # noqa: E731
    else:
        convert = _text
    missing = pd.isna(series).to_numpy()
    return [
        None if gap else convert(value) for value, gap in zip(series.tolist(), missing, strict=True)
    ]


def _qdatetime(value: Any, kind: int) -> Any:
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if kind == QVariant.Date:
        return QDate(value.year, value.month, value.day)
    if isinstance(value, dt.datetime):
        return QDateTime(value)
    return QDateTime(QDate(value.year, value.month, value.day), QTime(0, 0))


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple | dict):
        import json

        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


# --- styles --------------------------------------------------------------------------------


def apply_qml(layer: Any, qml: str) -> bool:
    """Apply a QML style text to a map layer; returns whether it took."""
    doc = QDomDocument()
    ok, *_ = doc.setContent(qml)
    if not ok:
        return False
    ok, _error = layer.importNamedStyle(doc)
    if ok:
        layer.triggerRepaint()
    return bool(ok)


class LayerGroup:
    """One layer-tree group that the layers of one run are loaded into.

    Made on the first layer that arrives (QGIS loads the results after the
    run), at the top of the layer tree, so a run's layers sit together under
    one name instead of on top of each other in the panel; each layer keeps
    its place in ``order`` (first on top) and is switched on only if listed
    in ``visible``.
    """

    def __init__(self, name: str, order: list[str], visible: set[str]) -> None:
        self.name = name
        self.order = order
        self.visible = visible
        self.group: Any = None
        self.placed: dict[str, str] = {}  # sink → layer id

    def place(self, layer: Any, sink: str, project: Any) -> None:
        from qgis.core import QgsLayerTreeLayer

        root = project.layerTreeRoot()
        if self.group is None or root.findGroup(self.name) is not self.group:
            self.group = root.insertGroup(0, self.name)
        node = root.findLayer(layer.id())
        if node is None:
            return
        # below the layers of the run placed already that come before it in ``order``
        index = sum(self._rank(s) <= self._rank(sink) for s in self.placed)
        clone = QgsLayerTreeLayer(layer)
        # the copy first: a layer that leaves the tree altogether leaves the project
        self.group.insertChildNode(index, clone)
        node.parent().removeChildNode(node)
        clone.setItemVisibilityChecked(sink in self.visible)
        self.placed[sink] = layer.id()

    def _rank(self, sink: str) -> int:
        return self.order.index(sink) if sink in self.order else len(self.order)


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies a default style to an output layer when QGIS loads it, and puts it
    into its run's layer group when there is one."""

    def __init__(self, qml: str | None, group: LayerGroup | None = None, sink: str = "") -> None:
        super().__init__()
        self.qml = qml
        self.group = group
        self.sink = sink

    def postProcessLayer(self, layer: Any, context: Any, feedback: Any) -> None:
        if layer is None or not layer.isValid():
            return
        if self.qml:
            apply_qml(layer, self.qml)
        if self.group is not None:
            project = context.project()
            if project is not None:
                self.group.place(layer, self.sink, project)


def default_style(layer_name: str, frame: gpd.GeoDataFrame) -> str | None:
    """QML of the default style for a result layer (see :mod:`stadsrum.io.styles`),
    with its legend in QGIS's language (Swedish category and class labels in a
    Swedish QGIS)."""
    from stadsrum.io.styles import layer_qml

    from .i18n import language

    lang = language()
    return layer_qml(layer_name, frame, lang if lang in ("sv", "en") else "en")

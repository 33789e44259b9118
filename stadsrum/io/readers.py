"""Read line layers from OGR files, GeoDataFrames, OSM files and networkx graphs."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from stadsrum.errors import InputError, InputFileError
from stadsrum.io.osm import is_osm_path, read_osm_lines
from stadsrum.messages import count

__all__ = [
    "NO_CRS",
    "assign_crs",
    "check_coordinates",
    "clip_geometry",
    "clip_is_box",
    "filter_frame",
    "from_graph",
    "parse_crs",
    "read_layer",
    "read_lines",
    "split_layer_spec",
    "validate_lines",
]

log = logging.getLogger(__name__)

_LINE_TYPES = {"LineString", "MultiLineString"}

#: What to do about a layer without a coordinate reference system.
NO_CRS = (
    "the layer has no coordinate reference system; give it with --crs "
    "(e.g. --crs EPSG:3006 for SWEREF 99 TM) or set it in QGIS"
)


#: No place on Earth lies further than this from a projected CRS's origin, in metres
#: (the equator is 40 075 km long); coordinates beyond it (such as 1e300) are garbage
#: that GEOS fails on later without a message.
MAX_METRES = 1e8


def _outside_degrees(bounds: np.ndarray) -> np.ndarray:
    """Features (rows of ``shapely.bounds``) whose coordinates cannot be longitudes/latitudes.

    360 rather than 180 for x: some data use longitudes 0-360.
    """
    with np.errstate(invalid="ignore"):
        return (np.abs(bounds[:, [0, 2]]) > 360).any(axis=1) | (
            np.abs(bounds[:, [1, 3]]) > 90 + 1e-9
        ).any(axis=1)


def _number(value: float) -> str:
    return f"{value:.0f}" if value < 1e9 else f"{value:.3g}"


def check_coordinates(gdf: gpd.GeoDataFrame, *, what: str = "input") -> None:
    """Refuse coordinates that cannot lie in the layer's CRS.

    Raises
    ------
    InputError
        For a geographic CRS whose coordinates are not longitudes/latitudes
        (metres in a GeoJSON file, which always reads as WGS 84), or
        coordinates more than :data:`MAX_METRES` from the origin, naming the
        features.
    """
    if len(gdf) == 0:
        return
    bounds = shapely.bounds(np.asarray(gdf.geometry.array, dtype=object))
    # non-finite values are refused with their own message where lines are validated
    finite = np.where(np.isfinite(bounds), bounds, 0.0)
    crs = gdf.crs
    if crs is not None and crs.is_geographic:
        bad = _outside_degrees(finite)
        if bad.any():
            x, y = (_number(np.abs(finite[bad][:, cols]).max()) for cols in ([0, 2], [1, 3]))
            raise InputError(
                f"{what}: the coordinates reach ({x}, {y}) in {_ids(gdf, bad)}, which "
                f"are not longitudes/latitudes, yet the layer's CRS is {crs.to_string()} (a "
                'GeoJSON file without a "crs" member always reads as WGS 84): give the '
                "layer's real coordinate system with --crs, such as --crs EPSG:3006 "
                "(SWEREF 99 TM) or --crs EPSG:3067 (ETRS-TM35FIN)"
            )
        return
    far = np.asarray((np.abs(finite) > MAX_METRES).any(axis=1))
    if far.any():
        where = f" of {crs.to_string()}" if crs is not None else ""
        raise InputError(
            f"{what}: coordinates out of range in {_ids(gdf, far)}: they reach "
            f"{np.abs(finite[far]).max():.3g}, more than 100 000 km from the origin{where}; "
            "fix or delete these features"
        )


def split_layer_spec(
    source: str | Path, layer: str | None = None, *, what: str | None = None
) -> tuple[Path, str | None]:
    """Split QGIS's ``FILE|layername=NAME`` form into a path and a layer name.

    Spaces around the parts are dropped and ``~`` is the home folder (a quoted
    path reaches stadsrum unexpanded by the shell). ``layerid=N``, which QGIS
    writes for files of one layer, is left to the layer choice; any other option
    (``subset=``: a filter) is refused rather than silently dropped. ``what``
    names the input in messages (``"places"``).
    """
    text = str(source)
    if "|" in text:
        text, *options = text.split("|")
        for option in options:
            key, _, value = (part.strip() for part in option.partition("="))
            if key.lower() == "layername" and value:
                if layer is not None and layer != value:
                    raise InputError(f"two layer names given for '{text}': '{value}' and '{layer}'")
                layer = value
            elif key.lower() != "layerid" and option.strip():
                flag = f"--{what}-layer or " if what in _LAYER_OPTIONS else ""
                raise InputError(
                    f"{what or 'input'}: '{source}': only '|layername=NAME' is understood after "
                    f"the file name, not '|{option.strip()}'; choose the layer with "
                    f"{flag}'FILE|layername=NAME' (and filter it in QGIS or GDAL first)"
                )
    return Path(text.strip()).expanduser(), layer


def _not_found(what: str, source: str | Path, path: Path) -> InputFileError:
    """'file not found', with what a planner may have meant: the folder a relative path
    was looked for in, and ``FILE:LAYER`` (another program's way to name a layer)."""
    hint = ""
    head, sep, tail = str(path).rpartition(":")
    if sep and tail and Path(head).is_file():
        flag = f" or give --{what}-layer {tail}" if what in _LAYER_OPTIONS else ""
        hint = f"; to read layer '{tail}' of '{head}' write '{head}|layername={tail}'{flag}"
    elif not path.is_absolute():
        hint = f" (looked for in the current folder {Path.cwd()})"
    return InputFileError(f"{what}: file not found: '{path}'{hint}")


def read_layer(
    source: str | Path,
    *,
    layer: str | None = None,
    what: str = "input",
    crs: Any = None,
    where: str | None = None,
    clip: Any = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer from any OGR file, with clear errors.

    Parameters
    ----------
    source
        A path, or ``FILE|layername=NAME`` as QGIS writes it.
    layer
        Layer name inside a multi-layer file such as a GeoPackage. Needed when
        the file has several layers with geometry; a file with one is read
        without it (tables such as ``layer_styles`` do not count).
    what
        How the layer is called in error messages (``"network"``, ``"places"``).
    crs
        Coordinate reference system for a layer that has none (``EPSG:3006``,
        ``3006`` or anything :func:`parse_crs` takes); a layer with one keeps it.
    where
        An SQL ``WHERE`` expression on the layer's columns (``"vagtyp IN (1, 2)"``):
        only matching features are read. GDAL evaluates it in the file (the
        SQLite dialect for a GeoPackage, OGR SQL for other formats), so a
        national file is never loaded whole.
    clip
        Only features that intersect this area are read (kept whole, not cut):
        a polygon file such as the municipality boundary (path or
        ``FILE|layername=NAME``), a GeoDataFrame or shapely polygon, or a box
        ``(minx, miny, maxx, maxy)`` / ``"minx,miny,maxx,maxy"`` in the
        layer's own CRS (see :func:`clip_geometry`).
    """
    import pyogrio

    path, layer = split_layer_spec(source, layer, what=what)
    if not path.exists():
        raise _not_found(what, source, path)
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError subclasses
        raise InputFileError(
            f"{what}: '{path}' is not a vector file that GDAL can read ({exc})"
        ) from exc
    names = [str(n) for n in layers[:, 0]]
    if layer is not None and layer not in names:
        raise InputError(
            f"{what}: layer '{layer}' is not in '{path}'; its layers are: {', '.join(names)}"
        )
    if layer is None:
        spatial = [str(n) for n, geometry in layers if geometry is not None]
        if len(spatial) > 1:
            # reading the first layer silently would fail later with an unrelated
            # message (a missing id column), so ask which one is meant
            raise InputError(
                f"{what}: '{path}' has several layers ({', '.join(spatial)}): choose one with "
                f"{_layer_option(what)}FILE|layername=NAME"
            )
        layer = spatial[0] if spatial else None
    filters: dict[str, Any] = {}
    if where is not None and str(where).strip():
        filters["where"] = str(where)
    if clip is not None:
        layer_crs = pyogrio.read_info(path, layer=layer).get("crs") or (
            parse_crs(crs) if crs is not None else None
        )
        area = clip_geometry(clip, layer_crs, what=what)
        if isinstance(clip, tuple | list) or _is_bbox_text(clip):
            filters["bbox"] = tuple(area.bounds)
        else:
            filters["mask"] = area
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer, **filters)
    except Exception as exc:
        if "where" in filters and "SQL" in str(exc):
            raise InputError(
                f"{what}: --where '{where}' is not a valid filter on '{path}' ({exc}); "
                "its columns are: "
                + ", ".join(map(str, pyogrio.read_info(path, layer=layer)["fields"]))
            ) from exc
        raise InputFileError(f"{what}: could not read '{path}': {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what}: layer in '{path}' has no geometry column")
    if filters and len(gdf) == 0:
        raise InputError(f"{what}: no features in '{path}' pass {_filter_words(where, clip)}")
    gdf = assign_crs(gdf, crs, what=what)
    check_coordinates(gdf, what=what)
    gdf.attrs["stadsrum_source"] = str(path) + (f"|layername={layer}" if layer else "")
    return gdf


def _filter_words(where: str | None, clip: Any) -> str:
    parts = [f"--where '{where}'"] if where else []
    if clip is not None:
        parts.append(f"--clip {clip if isinstance(clip, str | Path | tuple | list) else '(area)'}")
    return " and ".join(parts) + "; widen the filter or check it against the layer"


def clip_is_box(clip: Any) -> bool:
    """Whether ``clip`` is the text ``"minx,miny,maxx,maxy"`` (four numbers)."""
    return _is_bbox_text(clip)


def _is_bbox_text(clip: Any) -> bool:
    return (
        isinstance(clip, str)
        and re.fullmatch(r"\s*" + r"\s*,\s*".join([_NUMBER] * 4) + r"\s*", clip) is not None
    )


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def clip_geometry(clip: Any, crs: Any, *, what: str = "input") -> shapely.Geometry:
    """The area ``clip`` stands for, in ``crs`` (the layer it filters).

    ``clip`` is a box ``(minx, miny, maxx, maxy)`` or ``"minx,miny,maxx,maxy"``
    (taken in ``crs``), a shapely geometry (taken in ``crs``), a GeoDataFrame,
    or a path to a polygon layer (``FILE|layername=NAME``); layers are
    reprojected to ``crs`` when both have a CRS and their polygons merged.

    Raises
    ------
    InputError
        For a box with its corners the wrong way round, or a layer without
        polygons.
    """
    if isinstance(clip, tuple | list) or _is_bbox_text(clip):
        values = [float(v) for v in (clip.split(",") if isinstance(clip, str) else clip)]
        if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
            raise InputError(
                f"{what}: --clip {clip} is not a box: give minx,miny,maxx,maxy with "
                "minx < maxx and miny < maxy, in the layer's coordinates"
            )
        return shapely.box(*values)
    if isinstance(clip, shapely.Geometry):
        return clip
    if isinstance(clip, gpd.GeoDataFrame):
        frame = clip
    elif isinstance(clip, str | Path):
        frame = read_layer(clip, what="clip")
    else:
        raise InputError(
            f"{what}: --clip must be a polygon file or minx,miny,maxx,maxy, "
            f"not {type(clip).__name__}"
        )
    polygons = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(polygons) == 0:
        raise InputError(
            f"{what}: --clip {clip if isinstance(clip, str | Path) else 'layer'} holds no "
            "polygons; give an area such as the municipality boundary, or minx,miny,maxx,maxy"
        )
    if crs is not None and polygons.crs is not None:
        polygons = polygons.to_crs(crs)
    return shapely.union_all(np.asarray(polygons.geometry.array, dtype=object))


def filter_frame(
    gdf: gpd.GeoDataFrame, *, where: str | None = None, clip: Any = None, what: str = "input"
) -> gpd.GeoDataFrame:
    """``gdf`` less the features that fail ``where`` or miss ``clip`` (see :func:`read_layer`).

    For layers already in memory (an OSM file, a GeoDataFrame): ``where`` is
    evaluated by SQLite on the attribute columns, as for a GeoPackage.
    """
    keep = np.ones(len(gdf), dtype=bool)
    if where is not None and str(where).strip():
        keep &= _where_rows(gdf, str(where), what)
    if clip is not None:
        area = clip_geometry(clip, gdf.crs, what=what)
        keep &= np.asarray(shapely.intersects(np.asarray(gdf.geometry.array, dtype=object), area))
    if keep.all():
        return gdf
    attrs = dict(gdf.attrs)
    out = gdf[keep]
    out.attrs.update(attrs)
    if len(out) == 0:
        raise InputError(f"{what}: no features pass {_filter_words(where, clip)}")
    return out


def _where_rows(gdf: gpd.GeoDataFrame, where: str, what: str) -> np.ndarray:
    import sqlite3

    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    for col in table.columns:
        if table[col].dtype == object:
            table[col] = table[col].map(
                lambda v: v if v is None or isinstance(v, int | float | str) else str(v)
            )
    table.insert(0, "stadsrum_row", np.arange(len(table)))
    con = sqlite3.connect(":memory:")
    try:
        table.to_sql("layer", con, index=False)
        rows = [r[0] for r in con.execute(f'SELECT stadsrum_row FROM "layer" WHERE {where}')]
    except sqlite3.Error as exc:
        columns = ", ".join(str(c) for c in table.columns[1:])
        raise InputError(
            f"{what}: --where '{where}' is not a valid filter ({exc}); its columns are: {columns}"
        ) from exc
    finally:
        con.close()
    keep = np.zeros(len(gdf), dtype=bool)
    keep[np.asarray(rows, dtype=np.int64)] = True
    return keep


#: Inputs whose layer the CLI chooses with ``--{what}-layer``.
_LAYER_OPTIONS = {
    "network",
    "places",
    "nodes",
    "attractions",
    "origins",
    "barriers",
    "proposal",
    "buildings",
}


def _layer_option(what: str) -> str:
    return f"--{what}-layer or " if what in _LAYER_OPTIONS else ""


def parse_crs(crs: Any) -> CRS:
    """A :class:`pyproj.CRS` from an EPSG code (``3006``, ``"EPSG:3006"``), another
    ``AUTHORITY:CODE``, WKT or a PROJ string.

    A bare name is refused: pyproj would match ``"SWEREF"`` to the geographic
    SWEREF99, not the SWEREF 99 TM a planner means.

    Raises
    ------
    InputError
        When the text is none of these or pyproj does not know it.
    """
    text = str(crs).strip()
    message = (
        f"--crs: '{text}' is not a coordinate reference system; give an EPSG code "
        "such as EPSG:3006 (SWEREF 99 TM)"
    )
    if isinstance(crs, str):
        if text.isdigit():
            crs = f"EPSG:{text}"
        elif not (re.fullmatch(r"[A-Za-z]+:\d+", text) or "[" in text or "+proj" in text):
            raise InputError(message)
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise InputError(message) from exc


def assign_crs(gdf: gpd.GeoDataFrame, crs: Any, *, what: str = "input") -> gpd.GeoDataFrame:
    """``gdf`` with ``crs`` set when it has none; unchanged when it has one or ``crs`` is None.

    A layer's own CRS wins: ``crs`` only says what a layer without one (a
    Shapefile without its ``.prj``, a CSV turned into points) is in, or a
    geographic layer whose coordinates cannot be degrees: GDAL reads every
    GeoJSON file as WGS 84 when it has no ``crs`` member (RFC 7946 allows no
    other), so metres there are in no CRS of their own.

    Raises
    ------
    InputError
        When ``crs`` is geographic but the coordinates cannot be degrees.
    """
    if crs is None:
        return gdf
    if gdf.crs is not None:
        if not (gdf.crs.is_geographic and len(gdf)):
            return gdf
        bounds = shapely.bounds(np.asarray(gdf.geometry.array, dtype=object))
        if not _outside_degrees(np.where(np.isfinite(bounds), bounds, 0.0)).any():
            return gdf
        log.info("%s: coordinates are not degrees; the layer is taken as in %s", what, crs)
    parsed = parse_crs(crs)
    if parsed.is_geographic and len(gdf):
        minx, miny, maxx, maxy = gdf.total_bounds
        if minx < -180 or miny < -90 or maxx > 180 or maxy > 90:
            raise InputError(
                f"{what}: --crs {crs} is in degrees, but the coordinates reach "
                f"({maxx:.0f}, {maxy:.0f}); give the layer's projected CRS, such as EPSG:3006"
            )
    attrs = dict(gdf.attrs)
    out = gdf.set_crs(parsed, allow_override=True)
    out.attrs.update(attrs)
    return out


def read_lines(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    mode: str = "walk",
    crs: Any = None,
    where: str | None = None,
    clip: Any = None,
) -> gpd.GeoDataFrame:
    """Read street centre lines from a file or a GeoDataFrame.

    ``.osm``/``.osm.pbf`` files are read with the travel-mode filter ``mode``;
    other files through OGR (GeoPackage, Shapefile, GeoJSON, ...). ``crs`` is
    the CRS of lines that have none (see :func:`assign_crs`). ``where`` and
    ``clip`` keep only some lines (see :func:`read_layer`: in the file for OGR
    layers; after reading for OSM files, whose tags are the columns, and
    GeoDataFrames). The result is validated (see :func:`validate_lines`) but
    not yet projected or cleaned.
    """
    if isinstance(source, gpd.GeoDataFrame):
        gdf = assign_crs(source.copy(), crs, what="network")
        check_coordinates(gdf, what="network")
        gdf = filter_frame(gdf, where=where, clip=clip, what="network")
    elif is_osm_path(split_layer_spec(source, what="network")[0]):
        gdf = read_osm_lines(split_layer_spec(source)[0], mode=mode)
        gdf = filter_frame(gdf, where=where, clip=clip, what="network")
    else:
        gdf = read_layer(source, layer=layer, what="network", crs=crs, where=where, clip=clip)
    return validate_lines(gdf, what="network")


def validate_lines(gdf: gpd.GeoDataFrame, *, what: str = "network") -> gpd.GeoDataFrame:
    """Check a line layer and return it with multi-part lines exploded.

    Raises
    ------
    InputError
        For an empty layer, a missing CRS, geometries that are not lines, or
        empty, missing or non-finite geometries (naming the feature ids).
    """
    if len(gdf) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    if gdf.crs is None:
        raise InputError(f"{what}: {NO_CRS}")
    geoms = gdf.geometry.array
    missing = pd.isna(gdf.geometry.values) | shapely.is_empty(geoms)
    if missing.any():
        ids = _ids(gdf, missing)
        raise InputError(
            f"{what}: {count(missing.sum(), 'feature')} with empty or missing geometry: {ids}"
        )
    types = gdf.geom_type
    wrong = ~types.isin(list(_LINE_TYPES))
    if wrong.any():
        found = ", ".join(sorted(set(types[wrong])))
        raise InputError(
            f"{what}: expected lines but found {found} ({_ids(gdf, wrong.to_numpy())}); "
            "choose a line layer"
        )
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():
        bad = ~np.array([np.isfinite(shapely.get_coordinates(g)).all() for g in geoms])
        raise InputError(f"{what}: non-finite coordinates in features {_ids(gdf, bad)}")
    if (types == "MultiLineString").any():
        n_before = len(gdf)
        attrs = dict(gdf.attrs)
        gdf = gdf.explode(index_parts=False)
        gdf.attrs.update(attrs)
        log.info("%s: split %d multi-part lines into parts", what, len(gdf) - n_before)
    return gdf


def _ids(gdf: gpd.GeoDataFrame, mask: np.ndarray, limit: int = 10) -> str:
    index = gdf.index[np.asarray(mask)]
    shown = ", ".join(str(i) for i in index[:limit])
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return f"feature ids {shown}{more}"


def from_graph(graph: Any) -> gpd.GeoDataFrame:
    """Convert an osmnx/networkx (Multi)(Di)Graph with node ``x``/``y`` to centre lines.

    Edge ``geometry`` attributes are used where present, straight lines
    otherwise. Reverse twins of a directed graph (the same street stored in
    both directions) become one line. The graph's ``crs`` attribute is used,
    EPSG:4326 if it has none.
    """
    import networkx as nx

    if not isinstance(graph, nx.Graph):
        raise InputError(f"expected a networkx graph, got {type(graph).__name__}")
    if graph.number_of_edges() == 0:
        raise InputError("the graph has no edges")
    rows, geoms, seen = [], [], set()
    multi = graph.is_multigraph()
    edges = graph.edges(keys=True, data=True) if multi else graph.edges(data=True)
    for edge in edges:
        u, v, data = edge[0], edge[1], edge[-1]
        key = edge[2] if multi else 0
        twin = (min(u, v), max(u, v), key)
        if twin in seen:
            continue
        seen.add(twin)
        geom = data.get("geometry")
        if geom is None:
            try:
                a, b = graph.nodes[u], graph.nodes[v]
                geom = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
            except KeyError as exc:
                raise InputError(f"graph node {exc} has no 'x'/'y' coordinates") from exc
        rows.append(
            {
                k: (v2 if not isinstance(v2, list) else ";".join(map(str, v2)))
                for k, v2 in data.items()
                if k != "geometry"
            }
            | {"u_node": u, "v_node": v}
        )
        geoms.append(geom)
    crs = graph.graph.get("crs", "EPSG:4326")
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=crs)

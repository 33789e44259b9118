"""Read line layers from OGR files, GeoDataFrames, OSM files and networkx graphs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError, InputFileError
from stadsrum.io.osm import is_osm_path, read_osm_lines

__all__ = [
    "from_graph",
    "read_layer",
    "read_lines",
    "split_layer_spec",
    "validate_lines",
]

log = logging.getLogger(__name__)

_LINE_TYPES = {"LineString", "MultiLineString"}


def split_layer_spec(source: str | Path, layer: str | None = None) -> tuple[Path, str | None]:
    """Split QGIS's ``FILE|layername=NAME`` form into a path and a layer name."""
    text = str(source)
    if "|" in text:
        text, *options = text.split("|")
        for option in options:
            key, _, value = option.partition("=")
            if key.strip().lower() == "layername" and value:
                if layer is not None and layer != value:
                    raise InputError(f"two layer names given for '{text}': '{value}' and '{layer}'")
                layer = value
    return Path(text), layer


def read_layer(
    source: str | Path, *, layer: str | None = None, what: str = "input"
) -> gpd.GeoDataFrame:
    """Read one vector layer from any OGR file, with clear errors.

    Parameters
    ----------
    source
        A path, or ``FILE|layername=NAME`` as QGIS writes it.
    layer
        Layer name inside a multi-layer file such as a GeoPackage.
    what
        How the layer is called in error messages (``"network"``, ``"places"``).
    """
    import pyogrio

    path, layer = split_layer_spec(source, layer)
    if not path.exists():
        raise InputFileError(f"{what}: file not found: '{path}'")
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
    if layer is None and len(names) > 1:
        log.info(
            "%s: '%s' has %d layers, reading the first, '%s'", what, path, len(names), names[0]
        )
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise InputFileError(f"{what}: could not read '{path}': {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what}: layer in '{path}' has no geometry column")
    gdf.attrs["stadsrum_source"] = str(path) + (f"|layername={layer}" if layer else "")
    return gdf


def read_lines(
    source: str | Path | gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    mode: str = "walk",
) -> gpd.GeoDataFrame:
    """Read street centre lines from a file or a GeoDataFrame.

    ``.osm``/``.osm.pbf`` files are read with the travel-mode filter ``mode``;
    other files through OGR (GeoPackage, Shapefile, GeoJSON, ...). The result
    is validated (see :func:`validate_lines`) but not yet projected or cleaned.
    """
    if isinstance(source, gpd.GeoDataFrame):
        gdf = source.copy()
    elif is_osm_path(split_layer_spec(source)[0]):
        gdf = read_osm_lines(split_layer_spec(source)[0], mode=mode)
    else:
        gdf = read_layer(source, layer=layer, what="network")
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
        raise InputError(
            f"{what}: the layer has no coordinate reference system; "
            "set one (e.g. EPSG:3006 for SWEREF 99 TM) and try again"
        )
    geoms = gdf.geometry.array
    missing = pd.isna(gdf.geometry.values) | shapely.is_empty(geoms)
    if missing.any():
        ids = _ids(gdf, missing)
        raise InputError(f"{what}: {missing.sum()} features have empty or missing geometry: {ids}")
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

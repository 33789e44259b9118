"""Check the kind of each input the Python API is given, before any work is done.

A list, a dict, a number or a plain DataFrame where a network or a layer is
due would otherwise fail deep inside (``AttributeError: ... 'segment_graph'``)
or be taken for a file name ("file not found: '   place_id ...'"). These
checks name the argument, what it accepts and how to get that, as an
:class:`~stadsrum.errors.InputTypeError` (a ``TypeError``).
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd
import pandas as pd

from stadsrum.errors import InputTypeError
from stadsrum.network.model import StreetNetwork

__all__ = ["check_layer", "check_network", "check_paths"]


def _got(value: Any) -> str:
    """``value``'s kind in words: 'a list', 'an int (3)', 'a pandas DataFrame without geometry'."""
    kind = type(value)
    if isinstance(value, pd.DataFrame) and not isinstance(value, gpd.GeoDataFrame):
        return "a pandas DataFrame without geometry"
    if isinstance(value, bool | int | float):
        return f"{_article(kind.__name__)} ({value!r})"
    module = kind.__module__.split(".")[0]
    name = kind.__name__ if module == "builtins" else f"{module} {kind.__name__}"
    return _article(name)


def _article(name: str) -> str:
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def _who(function: str, argument: str) -> str:
    return f"{function}: {argument}" if function else argument


def _is_path(value: Any) -> bool:
    return isinstance(value, str | os.PathLike)


def _hint(value: Any, *, lines: bool = False) -> str:
    if not isinstance(value, pd.DataFrame) or isinstance(value, gpd.GeoDataFrame):
        return ""
    if lines:
        return (
            "; make it a GeoDataFrame of lines first, e.g. geopandas.GeoDataFrame(df, "
            "geometry=shapely.from_wkt(df.wkt), crs='EPSG:3006')"
        )
    return (
        "; make it a GeoDataFrame first, e.g. geopandas.GeoDataFrame(df, "
        "geometry=geopandas.points_from_xy(df.x, df.y), crs='EPSG:3006')"
    )


def check_network(
    value: Any, *, function: str = "", argument: str = "network", sources: bool = False
) -> None:
    """Refuse a ``network`` argument of the wrong kind.

    Parameters
    ----------
    value
        What the caller gave.
    function
        The public function called, for the message ('' to name the argument only).
    argument
        Its parameter name.
    sources
        Whether, besides a :class:`StreetNetwork`, a line GeoDataFrame or the
        path of a network file is accepted (the workflows read and prepare it).

    Raises
    ------
    InputTypeError
        Naming ``argument`` and what it accepts.
    """
    if isinstance(value, StreetNetwork):
        return
    if sources:
        if isinstance(value, gpd.GeoDataFrame) or _is_path(value):
            return
        accepts = (
            "a StreetNetwork (from stadsrum.read_network), a GeoDataFrame of street "
            "lines, or the path of a network file (GeoPackage, Shapefile, .osm.pbf, ...)"
        )
        raise InputTypeError(
            f"{_who(function, argument)} must be {accepts}; "
            f"got {_got(value)}{_hint(value, lines=True)}"
        )
    if isinstance(value, gpd.GeoDataFrame) or _is_path(value):
        how = "stadsrum.read_network(" + ("gdf" if not _is_path(value) else repr(str(value))) + ")"
        hint = f"; prepare it first with {how}"
    else:
        hint = _hint(value, lines=True)
    raise InputTypeError(
        f"{_who(function, argument)} must be a StreetNetwork (from stadsrum.read_network); "
        f"got {_got(value)}{hint}"
    )


def check_layer(
    value: Any,
    *,
    function: str = "",
    argument: str,
    accepts: str = "points or polygons",
    paths: bool = False,
    files: str = "GeoPackage, Shapefile, GeoJSON, ...",
    optional: bool = False,
) -> None:
    """Refuse a layer argument (places, nodes, attractions, ...) of the wrong kind.

    Parameters
    ----------
    value
        What the caller gave.
    function, argument
        The public function (or '') and its parameter name, for the message.
    accepts
        The geometries the layer holds, in words.
    paths
        Whether the path of a vector file is accepted too (the workflows read it).
    files
        The kinds of file accepted, in words.
    optional
        Whether ``None`` is accepted.

    Raises
    ------
    InputTypeError
        Naming ``argument`` and what it accepts.
    """
    if isinstance(value, gpd.GeoDataFrame) or (optional and value is None):
        return
    if paths and _is_path(value):
        return
    wanted = f"a GeoDataFrame of {accepts}"
    if paths:
        wanted += f" or the path of a vector file ({files})"
    if optional:
        wanted += " or None"
    hint = _hint(value, lines="lines" in accepts)
    if not paths and _is_path(value):
        hint = f"; read the file first with stadsrum.read_layer({str(value)!r})"
    raise InputTypeError(f"{_who(function, argument)} must be {wanted}; got {_got(value)}{hint}")


def check_paths(value: Any, *, function: str, argument: str, accepts: str) -> None:
    """Refuse a ``sources`` argument that is not a path or a list of paths.

    Raises
    ------
    InputTypeError
        Naming ``argument``, what it accepts (``accepts``, in words) and the
        first item of the wrong kind.
    """
    if _is_path(value):
        return
    wanted = f"{accepts}: a path or a list of paths"
    if isinstance(value, list | tuple):
        wrong = [item for item in value if not _is_path(item)]
        if value and not wrong:
            return
        got = f"a {type(value).__name__} holding {_got(wrong[0])}" if wrong else "an empty list"
    else:
        got = _got(value)
    raise InputTypeError(f"{_who(function, argument)} must be {wanted}; got {got}")

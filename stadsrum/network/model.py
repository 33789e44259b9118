"""The street network model: centre lines plus compact arrays for the kernels."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

if TYPE_CHECKING:
    from stadsrum.network.prepare import PreparationReport
    from stadsrum.network.segments import SegmentGraph

__all__ = ["StreetNetwork"]


@dataclass(eq=False)
class StreetNetwork:
    """A prepared street network in a projected metric CRS.

    Attributes
    ----------
    edges
        One LineString per street segment between junctions (or per input
        line with ``prepare="none"``), keeping the input's attribute columns,
        plus ``edge_id``, ``line_id`` (row of the input line), ``u``/``v``
        (junction ids at the first and last vertex), ``length_m``,
        ``component`` (0 = largest) and ``n_merged`` (input pieces merged).
    node_xy
        Junction and dead-end coordinates, shape ``(n_nodes, 2)``, metres.
    report
        What preparation did (:class:`~stadsrum.network.prepare.PreparationReport`).
    prepare
        ``"full"`` or ``"none"``: how the network was prepared.
    """

    edges: gpd.GeoDataFrame
    node_xy: np.ndarray
    report: PreparationReport
    prepare: str = "full"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def crs(self) -> pyproj.CRS:
        return pyproj.CRS.from_user_input(self.edges.crs)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def u(self) -> np.ndarray:
        return self.edges["u"].to_numpy(np.int64)

    @property
    def v(self) -> np.ndarray:
        return self.edges["v"].to_numpy(np.int64)

    @property
    def length(self) -> np.ndarray:
        """Edge lengths in metres."""
        return self.edges["length_m"].to_numpy(np.float64)

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of edge ends at each node (a loop counts twice)."""
        return np.bincount(np.concatenate([self.u, self.v]), minlength=self.n_nodes)

    @cached_property
    def node_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Node → incident edge ends as CSR: ``indptr`` and ``edge*2 + end`` (end 0 = u)."""
        ends = np.concatenate([self.u, self.v])
        ids = np.concatenate([np.arange(self.n_edges) * 2, np.arange(self.n_edges) * 2 + 1])
        order = np.argsort(ends, kind="stable")
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=self.n_nodes), out=indptr[1:])
        return indptr, ids[order].astype(np.int64)

    def nodes(self) -> gpd.GeoDataFrame:
        """Junctions and dead ends as points with their ``node_id`` and ``degree``."""
        return gpd.GeoDataFrame(
            {"node_id": np.arange(self.n_nodes), "degree": self.degree},
            geometry=shapely.points(self.node_xy),
            crs=self.edges.crs,
        )

    def diagnostics(self) -> gpd.GeoDataFrame:
        """Points to check on a map, with a plain ``issue`` text.

        ``dangling_end`` (a street ends without meeting another), and from
        preparation ``unjoined_crossing`` (lines cross without a junction: a
        bridge, a tunnel, an unlink, or a crossing without a shared vertex in a
        noded layer) and ``split_crossing`` (lines crossed without a shared
        vertex and were joined by a split). ``node_id`` is empty for crossings.
        """
        dangles = np.where(self.degree == 1)[0]
        points = list(getattr(self.report, "crossing_points", []))
        xy = np.array([(x, y) for x, y, _, _ in points], dtype=np.float64).reshape(-1, 2)
        return gpd.GeoDataFrame(
            {
                "node_id": pd.array(list(dangles) + [None] * len(points), dtype="Int64"),
                "issue": ["dangling_end"] * len(dangles) + [p[2] for p in points],
                "description": ["street ends here without meeting another street"] * len(dangles)
                + [p[3] for p in points],
            },
            geometry=shapely.points(np.vstack([self.node_xy[dangles], xy])),
            crs=self.edges.crs,
        )

    def segment_graph(self, *, split: Literal["edge", "vertex"] = "edge") -> SegmentGraph:
        """The segment (dual) graph used by space syntax analysis.

        Parameters
        ----------
        split
            ``"edge"``: one segment per network edge (road-centre-line
            segments); ``"vertex"``: one straight segment between every pair
            of consecutive vertices, as depthmapX's segment maps.
        """
        key = f"segment_graph:{split}"
        if key not in self._cache:
            from stadsrum.network.segments import build_segment_graph

            self._cache[key] = build_segment_graph(self, split=split)
        graph: SegmentGraph = self._cache[key]
        return graph

    def summary(self) -> str:
        return self.report.summary()

"""The segment (dual) graph over directed states, as flat arrays for the kernels.

Every segment ``i`` has two directed states: ``2*i`` travels towards its end 1
(having entered at end 0), ``2*i + 1`` travels towards its end 0. A transition
leads from a state arriving at a junction into a state of another segment
leaving that junction, with the turn between them in degrees (0 = straight
on, 90 = right angle, 180 = reversal). There is no transition inside a
segment, so a search never makes a U-turn halfway along a street, and every
pair of segment ends at a junction gets its own transition: no junction node,
no extra cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import shapely

if TYPE_CHECKING:
    from stadsrum.network.model import StreetNetwork

__all__ = ["SegmentGraph", "build_segment_graph", "turn_angles"]


@dataclass(eq=False)
class SegmentGraph:
    """Directed-state segment graph.

    Attributes
    ----------
    length
        Segment lengths, metres, shape ``(n,)``.
    edge
        Index of the network edge each segment belongs to, shape ``(n,)``.
    end_node
        Junction id at end 0 and end 1 of each segment, shape ``(n, 2)``.
    indptr, dst, turn_deg
        CSR over the ``2n`` states: transitions from state ``s`` are
        ``dst[indptr[s]:indptr[s+1]]`` with turns ``turn_deg[...]`` (degrees).
    geometry
        The segments as shapely LineStrings (network CRS).
    crs
        The network's CRS.
    split
        ``"edge"`` or ``"vertex"``.
    """

    length: np.ndarray
    edge: np.ndarray
    end_node: np.ndarray
    indptr: np.ndarray
    dst: np.ndarray
    turn_deg: np.ndarray
    geometry: np.ndarray
    crs: object
    split: str

    @property
    def n_segments(self) -> int:
        return len(self.length)

    @property
    def n_transitions(self) -> int:
        return len(self.dst)

    @property
    def src(self) -> np.ndarray:
        """Source state of every transition (expanded from ``indptr``)."""
        return np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))

    def midpoints(self) -> np.ndarray:
        """Midpoint (half-way along) of every segment, shape ``(n, 2)``."""
        return shapely.get_coordinates(
            shapely.line_interpolate_point(self.geometry, 0.5, normalized=True)
        )

    def transitions(self) -> gpd.GeoDataFrame:
        """Transitions as a table: from/to segment and end, turn in degrees and 0–2 units."""
        src, dst = self.src, self.dst
        return gpd.GeoDataFrame(
            {
                "from_segment": src // 2,
                "from_end": 1 - src % 2,
                "to_segment": dst // 2,
                "to_end": dst % 2,
                "turn_deg": self.turn_deg,
                "turn_dmx": self.turn_deg / 90.0,
            }
        )


def turn_angles(away_a: np.ndarray, away_b: np.ndarray) -> np.ndarray:
    """Turn (degrees, 0–180) between two segments leaving one junction.

    ``away_a`` and ``away_b`` are direction vectors pointing away from the
    junction along each segment; arriving along ``a`` and leaving along ``b``
    turns by 180° minus the angle between them (straight on = 0°).
    """
    cross = away_a[:, 0] * away_b[:, 1] - away_a[:, 1] * away_b[:, 0]
    dot = (away_a * away_b).sum(axis=1)
    between = np.degrees(np.arctan2(np.abs(cross), dot))
    return np.clip(180.0 - between, 0.0, 180.0)


def _pieces(net: StreetNetwork, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment geometries, parent edges and end nodes for one split variant."""
    geoms = shapely.remove_repeated_points(np.asarray(net.edges.geometry.array, dtype=object))
    u, v = net.u, net.v
    if split == "edge":
        return geoms, np.arange(net.n_edges), np.column_stack([u, v])
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    same = owner[1:] == owner[:-1]
    a = np.where(same)[0]  # piece k runs from coordinate a[k] to a[k] + 1
    first = np.r_[True, ~same]
    last = np.r_[~same, True]
    node = net.n_nodes + np.arange(len(coords))  # interior vertices: fresh ids
    node[first] = u[owner[first]]
    node[last] = v[owner[last]]
    lines = shapely.linestrings(
        np.stack([coords[a], coords[a + 1]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(len(a)), 2),
    )
    ends = np.column_stack([node[a], node[a + 1]])
    _, relabel = np.unique(ends, return_inverse=True)
    return np.asarray(lines, dtype=object), owner[a], relabel.reshape(-1, 2)


def build_segment_graph(
    net: StreetNetwork, *, split: Literal["edge", "vertex"] = "edge"
) -> SegmentGraph:
    """Build the directed-state segment graph of a network (see :class:`SegmentGraph`)."""
    if split not in ("edge", "vertex"):
        raise ValueError(f"unknown split '{split}': choose 'edge' or 'vertex'")
    geoms, edge, end_node = _pieces(net, split)
    n = len(geoms)
    length = shapely.length(geoms).astype(np.float64)

    # direction pointing into the segment from each end
    c0 = shapely.get_coordinates(shapely.get_point(geoms, 0))
    c1 = shapely.get_coordinates(shapely.get_point(geoms, 1))
    d0 = c1 - c0
    cl = shapely.get_coordinates(shapely.get_point(geoms, -1))
    cl2 = shapely.get_coordinates(shapely.get_point(geoms, -2))
    d1 = cl2 - cl
    away = np.empty((2 * n, 2))
    away[0::2], away[1::2] = d0, d1  # end id p = 2*segment + end

    # every ordered pair of distinct segment ends meeting at one junction
    node_of_end = end_node.ravel()
    order = np.argsort(node_of_end, kind="stable")
    nodes_sorted = node_of_end[order]
    size = np.bincount(nodes_sorted)
    start = np.cumsum(size) - size
    k = size[nodes_sorted]
    total = int(k.sum())
    rep_from = np.repeat(np.arange(len(order)), k)
    offset = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
    rep_to = np.repeat(start[nodes_sorted], k) + offset
    keep = rep_from != rep_to
    p, q = order[rep_from[keep]], order[rep_to[keep]]

    src = 2 * (p // 2) + (1 - p % 2)  # arriving at end p%2 of segment p//2
    dst = 2 * (q // 2) + q % 2  # leaving from end q%2 of segment q//2
    turn = turn_angles(away[p], away[q])
    by_src = np.lexsort((dst, src))
    src, dst, turn = src[by_src], dst[by_src], turn[by_src]
    indptr = np.zeros(2 * n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=2 * n), out=indptr[1:])
    return SegmentGraph(
        length=length,
        edge=np.asarray(edge, dtype=np.int64),
        end_node=np.asarray(end_node, dtype=np.int64),
        indptr=indptr,
        dst=dst.astype(np.int64),
        turn_deg=turn.astype(np.float64),
        geometry=geoms,
        crs=net.edges.crs,
        split=split,
    )

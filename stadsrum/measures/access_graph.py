"""Features joined to the streets, and one search per feature behind every distance.

Every place-to-node measure (distances, accessibility, barriers, areas) does
the same two things, and this module is where they live:

1. *Linking.* A layer of features (places, key nodes, attractions, population
   points) is one **side** of an analysis: each feature joins the street
   network at one or more **access points** (a point at the foot of the
   perpendicular on its nearest street of its own level; a polygon at its
   entrances; a point group, such as a building's entrances or the points of
   a layer that share a group id, at each of its members), see
   :func:`~stadsrum.network.links.link_features` and :func:`link_side`. The
   straight distance from the feature to its access point is its **link
   distance** (``link_m``, metres); it is walked at both ends of every route
   and added to the distance along the streets. Entrances of a polygon that
   streets reach have link distance 0. A feature farther than ``max_link``
   metres from every street stays unlinked (no access point) and is reported,
   never dropped. :func:`link_side` makes a :class:`LinkedSide`.
2. *Searching.* :class:`AccessGraph` holds the network's edge-level state
   graph (a state is a segment walked in one direction) once per analysis.
   One search from one feature's access points (their link distances as
   starting costs) gives its distance to every target access point
   (:meth:`AccessGraph.od_search`), to every junction
   (:meth:`AccessGraph.junction_search`), or the streets within reach
   (:meth:`AccessGraph.reach_search`). :func:`od_matrix` runs one search per
   place and per node and keeps both sides' distances to every junction, from
   which any place-to-node distance, with or without a new link, follows.

Distances are metres along the streets; ``inf`` marks "not reached".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from stadsrum.errors import InputError, NetworkError
from stadsrum.measures._parallel import Scratch, run_groups, thread_count
from stadsrum.network.links import Links, PolygonMode, link_features
from stadsrum.network.model import StreetNetwork
from stadsrum.network.projection import align_crs
from stadsrum.progress import ProgressLike, as_progress

__all__ = [
    "AccessGraph",
    "LinkedSide",
    "ODMatrix",
    "Starts",
    "group_points",
    "link_places_and_nodes",
    "link_side",
    "linked_od_matrix",
    "od_matrix",
    "street_view",
    "validate_ids",
]

log = logging.getLogger(__name__)

#: Start points of one search: segment, metres along it, starting cost (link metres).
Starts = tuple[np.ndarray, np.ndarray, np.ndarray]


def validate_ids(gdf: gpd.GeoDataFrame, column: str, *, what: str, option: str) -> pd.Series:
    """The id column of a layer, checked: present, complete and unique.

    Parameters
    ----------
    gdf
        The layer.
    column
        Name of its id column.
    what, option
        The layer's name and the option naming its id column, for messages.

    Returns
    -------
    pandas.Series
        The ids, in row order.

    Raises
    ------
    InputError
        The layer is empty, or the column is missing, has empty or duplicate ids.
    """
    if len(gdf) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    if column not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(
            f"{what}: no column '{column}'; name the id column with {option} "
            f"(columns: {cols or 'none'})"
        )
    ids = gdf[column]
    if ids.isna().any():
        raise InputError(f"{what}: column '{column}' has empty ids (rows {_rows(ids.isna())})")
    dup = ids.duplicated(keep=False)
    if dup.any():
        shown = ", ".join(map(str, pd.unique(ids[dup])[:10]))
        raise InputError(f"{what}: column '{column}' has duplicate ids: {shown}")
    return ids


def _rows(mask: pd.Series) -> str:
    return ", ".join(map(str, np.where(mask.to_numpy())[0][:10]))


@dataclass
class LinkedSide:
    """One side of an analysis (places, nodes, attractions, ...) joined to the streets.

    Attributes
    ----------
    gdf
        The features, in the network's coordinate system, index reset to 0..n-1.
    ids
        The features' ids (the id column's values; row numbers where the layer
        has none), shape ``(n,)``.
    links
        Their access points (:class:`~stadsrum.network.links.Links`): segment,
        metres along it (``pos``) and link distance (``link_m``, metres from
        the feature to the street) of each, grouped by feature.
    start_of
        CSR offsets, shape ``(n + 1,)``: feature ``i``'s access points are rows
        ``start_of[i]:start_of[i + 1]`` of ``links`` (none: unlinked).
    category
        The features' categories as text (``""`` where empty), or ``None``.
    streets
        The street lines the features were joined to (their segment numbers
        index it): a search on another network may reuse the side only where
        its streets are these (see :meth:`joined_to`).
    """

    gdf: gpd.GeoDataFrame
    ids: np.ndarray
    links: Links
    start_of: np.ndarray
    category: np.ndarray | None
    streets: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object), repr=False)

    def joined_to(self, net: StreetNetwork) -> bool:
        """Whether the features' access points are valid on ``net``'s streets.

        True where ``street_view(net)`` has the very streets the side was
        joined to, in the same order: the same network, or it with links
        added between junctions. A link ending mid-street splits that street,
        and the side must be joined again.
        """
        view = street_view(net)
        if view.n_edges != len(self.streets):
            return False
        mine = np.asarray(view.edges.geometry.array, dtype=object)
        same = np.fromiter(
            (a is b for a, b in zip(mine, self.streets, strict=True)), bool, len(mine)
        )
        # the same objects where add_links kept them; compare coordinates elsewhere
        return bool(same.all() or shapely.equals_exact(mine[~same], self.streets[~same], 0).all())

    def __len__(self) -> int:
        return len(self.ids)

    def access(self, i: int) -> slice:
        """Rows of ``links`` that are feature ``i``'s access points."""
        return slice(int(self.start_of[i]), int(self.start_of[i + 1]))

    def starts(self, i: int) -> Starts | None:
        """Feature ``i``'s access points as a search's start points; ``None`` if unlinked."""
        sl = self.access(i)
        if sl.stop == sl.start:
            return None
        return self.links.edge[sl], self.links.pos[sl], self.links.link_m[sl]

    @property
    def max_access(self) -> int:
        """The most access points one feature has (at least 1): a search's scratch size."""
        return max(int(np.max(np.diff(self.start_of))) if len(self.ids) else 1, 1)

    def start_link(self, i: int) -> float:
        """Link distance counted at this feature's end of a route (metres).

        A feature with one access point walks its link; a polygon with several
        entrances is entered at one of them, at link distance 0.
        """
        sl = self.access(i)
        return float(self.links.link_m[sl][0]) if sl.stop - sl.start == 1 else 0.0

    def separate_starts(self, i: int) -> bool:
        """Whether each access point must be searched on its own to know which one a
        route starts from: several of them, with access distances (a polygon no
        street enters), whose distance belongs in ``link_m`` and in the route line."""
        sl = self.access(i)
        return sl.stop - sl.start > 1 and bool(self.links.link_m[sl].max() > 0)


def group_points(
    gdf: gpd.GeoDataFrame, column: str, *, what: str, option: str = ""
) -> gpd.GeoDataFrame:
    """The points of ``gdf`` that share a value of ``column``, each group one feature.

    A group becomes one row: a MultiPoint of its members (a point group, see
    :func:`~stadsrum.network.links.link_features`), the other columns of its
    first member, and ``members`` (how many points it has). Groups keep the
    order of their first member; the index is reset.

    Raises
    ------
    InputError
        The column is missing or has empty values, or the layer holds other
        geometries than points.
    """
    if len(gdf) == 0:
        raise InputError(f"{what}: the layer is empty (no features)")
    if column not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(
            f"{what}: no column '{column}' for the group id{f' ({option})' if option else ''} "
            f"(columns: {cols or 'none'})"
        )
    key = gdf[column]
    if key.isna().any():
        raise InputError(
            f"{what}: column '{column}' (group id) is empty in rows {_rows(key.isna())}; "
            "give every point its group"
        )
    kinds = shapely.get_type_id(np.asarray(gdf.geometry.array, dtype=object))
    if not np.isin(kinds, [0, 4]).all():
        raise InputError(
            f"{what}: a group id ({column}) groups points, but the layer holds other "
            f"geometries (rows {_rows(pd.Series(~np.isin(kinds, [0, 4])))})"
        )
    codes, uniques = pd.factorize(key, sort=False)
    first = np.unique(codes, return_index=True)[1]
    parts, owner = shapely.get_parts(
        np.asarray(gdf.geometry.array, dtype=object), return_index=True
    )
    group_of = codes[owner]
    order = np.argsort(group_of, kind="stable")
    sizes = np.bincount(group_of, minlength=len(uniques))
    multi = shapely.multipoints(parts[order], indices=group_of[order])
    out = gdf.iloc[first].drop(columns=gdf.geometry.name).reset_index(drop=True)
    out["members"] = sizes
    return gpd.GeoDataFrame(out, geometry=np.asarray(multi), crs=gdf.crs)


def _entrance_members(
    gdf: gpd.GeoDataFrame,
    ids: np.ndarray,
    entrances: gpd.GeoDataFrame,
    key: str,
    *,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """``(owner, points)`` of the entrances of ``gdf``'s features (matched on ``key``)."""
    if key not in entrances.columns:
        cols = ", ".join(str(c) for c in entrances.columns if c != entrances.geometry.name)
        raise InputError(
            f"{what} entrances: no column '{key}' naming the feature each entrance belongs "
            f"to (columns: {cols or 'none'}); name it with --building-id"
        )
    ent, _ = align_crs(entrances, gdf.crs, what=f"{what} entrances")
    geoms = np.asarray(ent.geometry.array, dtype=object)
    kinds = shapely.get_type_id(geoms)
    if not np.isin(kinds, [0, 4]).all():
        raise InputError(f"{what} entrances: expected points, found other geometries")
    position = pd.Series(np.arange(len(ids)), index=pd.Index(ids).astype("string"))
    owner = ent[key].astype("string").map(position)
    unknown = owner.isna().to_numpy()
    if unknown.any():
        # entrances of buildings outside the layer (clipped, filtered): not an error
        log.info(
            "%s entrances: %d of %d name no feature of the layer and are left out",
            what,
            int(unknown.sum()),
            len(ent),
        )
    keep = ~unknown & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    parts, idx = shapely.get_parts(geoms[keep], return_index=True)
    return owner.to_numpy()[keep].astype(np.int64)[idx], np.asarray(parts, dtype=object)


def link_side(
    net: StreetNetwork,
    gdf: gpd.GeoDataFrame,
    id_column: str | None,
    *,
    what: str,
    option: str = "",
    max_link: float,
    polygons: PolygonMode,
    category: str | None = None,
    group: str | None = None,
    entrances: gpd.GeoDataFrame | None = None,
    building_id: str | None = None,
) -> LinkedSide:
    """Join one layer to the streets of ``net``.

    Parameters
    ----------
    net
        The street network (for a network with added links, join to
        :func:`street_view` so that no feature joins a new footbridge).
    gdf
        Points, point groups (MultiPoints) or polygons, in any coordinate
        system (reprojected, and said so).
    id_column
        Column of unique ids (checked, see :func:`validate_ids`); ``None``: the
        features are numbered by row.
    what, option
        The layer's name and the option naming its id column, for messages.
    max_link
        Largest link distance in metres; farther features stay unlinked.
    polygons
        ``"entrances"``: polygons join where streets meet them; ``"centroid"``:
        at their centroid, like a point; ``"boundary:N"``: through points
        every N metres round their outline (a point group).
    category
        Column of categories (read as text), or ``None``.
    group
        Column of group ids of a point layer: the points that share one form
        one feature (:func:`group_points`), whose id is the group id
        (``id_column`` is then not used) and whose distance to anything is
        the least over its points.
    entrances
        Entrance points of the features (a building's doors), each naming
        its feature in the column ``building_id``: a feature with entrances
        joins the streets through them alone (a point group); one without,
        by ``polygons``.
    building_id
        The column naming the feature in both ``gdf`` and ``entrances``;
        by default ``id_column``, else ``building_id``.
    """
    if group is not None:
        gdf = group_points(gdf, group, what=what, option=option.replace("-id", "-group"))
        id_column = group
    if id_column is None:
        if len(gdf) == 0:
            raise InputError(f"{what}: the layer is empty (no features)")
        ids = np.arange(len(gdf))
    else:
        ids = validate_ids(gdf, id_column, what=what, option=option).to_numpy()
    gdf, note = align_crs(gdf, net.crs, what=what)
    if note:
        log.info(note)
    cats = None
    if category is not None:
        if category not in gdf.columns:
            raise InputError(f"{what}: no column '{category}' for the node category")
        cats = gdf[category].astype("string").fillna("").to_numpy(dtype=object)
    members = None
    if entrances is not None:
        key = building_id or id_column or "building_id"
        key_ids = (
            ids
            if key == id_column
            else validate_ids(gdf, key, what=what, option="--building-id").to_numpy()
        )
        members = _entrance_members(gdf, key_ids, entrances, key, what=what)
        log.info(
            "%s: %d of %d features join through their %d entrances",
            what,
            len(np.unique(members[0])),
            len(gdf),
            len(members[0]),
        )
    links = link_features(
        net, gdf, max_link=max_link, polygons=polygons, what=what, members=members
    )
    start_of = np.zeros(len(gdf) + 1, dtype=np.int64)
    np.cumsum(np.bincount(links.owner, minlength=len(gdf)), out=start_of[1:])
    streets = np.asarray(net.edges.geometry.array, dtype=object)
    return LinkedSide(gdf.reset_index(drop=True), ids, links, start_of, cats, streets)


def link_places_and_nodes(
    net: StreetNetwork,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    place_group: str | None = None,
    place_entrances: gpd.GeoDataFrame | None = None,
    node_entrances: gpd.GeoDataFrame | None = None,
    building_id: str | None = None,
) -> tuple[LinkedSide, LinkedSide]:
    """The two sides of a place→node analysis, joined to the streets of ``net``.

    Each as :func:`link_side` (ids from ``--place-id`` and ``--node-id``, the
    nodes' category from ``node_category``; places grouped by
    ``place_group``, places and nodes joined through their entrances where
    ``place_entrances``/``node_entrances`` are given, matched on ``building_id``).

    Raises
    ------
    NetworkError
        No place is within ``max_link`` metres of a street: nothing could be
        measured (most often the layers' coordinate systems disagree).
    """
    place = link_side(
        net,
        places,
        place_id,
        what="places",
        option="--place-id",
        max_link=max_link,
        polygons=polygons,
        group=place_group,
        entrances=place_entrances,
        building_id=building_id,
    )
    node = link_side(
        net,
        nodes,
        node_id,
        what="nodes",
        option="--node-id",
        max_link=max_link,
        polygons=polygons,
        category=node_category,
        entrances=node_entrances,
        building_id=building_id,
    )
    if not place.links.linked.any():
        raise NetworkError(
            f"places: none of the {len(place.ids)} places is within {max_link:g} m of the "
            "network; check the layers' coordinate systems or raise --max-link"
        )
    return place, node


def street_view(network: StreetNetwork) -> StreetNetwork:
    """The network without added links, for joining features (not onto a footbridge).

    :func:`~stadsrum.network.barriers.add_links` keeps the existing streets
    first and in order, so access points found here are valid on the network
    with the links too.
    """
    if "added_link" not in network.edges.columns:
        return network
    streets = network.edges["added_link"].to_numpy() < 0
    n = int(streets.sum())
    if not streets[:n].all():  # add_links puts the existing streets first
        raise NetworkError("added links must follow the streets in the network's edges")
    return StreetNetwork(
        edges=network.edges.iloc[:n], node_xy=network.node_xy, report=network.report
    )


class AccessGraph:
    """The network's edge-level state graph, built once per analysis.

    A state is a segment walked in one direction (``2e``: from ``u`` to ``v``,
    ``2e + 1``: back); moving on costs the next segment's length in metres.
    Each search method takes start points (segment, metres along it,
    starting cost: a feature's link distances) and a per-worker
    :class:`~stadsrum.measures._parallel.Scratch` from :meth:`scratch`.
    """

    def __init__(self, net: StreetNetwork) -> None:
        g = net.segment_graph(split="edge")
        self.indptr = g.indptr
        self.dst = g.dst
        self.src = g.src
        self.length = g.length
        self.tcost = g.length[g.dst >> 1]
        self.turn = g.turn_deg
        self.geometry = np.asarray(net.edges.geometry.array, dtype=object)
        self.u, self.v, self.n_nodes = net.u, net.v, net.n_nodes
        # the junction each state heads for: 2e -> v, 2e + 1 -> u
        self.head = np.empty(2 * net.n_edges, dtype=np.int64)
        self.head[0::2] = net.v
        self.head[1::2] = net.u

    def scratch(self, max_sources: int) -> Scratch:
        """Search arrays for one worker; ``max_sources``: most start points of one search."""
        return Scratch(len(self.indptr) - 1, len(self.dst), max_sources)

    def state_graph(self) -> Any:
        """The graph as the kernels take it (:class:`~stadsrum.kernels.search.StateGraph`)."""
        from stadsrum.kernels.search import StateGraph

        return StateGraph(self.indptr, self.dst, self.tcost, self.tcost, self.length)

    def od_search(
        self,
        starts: Starts,
        t_edge: np.ndarray,
        t_pos: np.ndarray,
        scratch: Scratch,
        *,
        limit: float = np.inf,
        turn_threshold: float = 180.0,
        routes: bool = False,
    ) -> tuple[np.ndarray, ...]:
        """Distances from the start points to target points (``t_edge``, ``t_pos``).

        Returns ``(network_m, angular_deg, turns, route_ptr, piece_seg,
        piece_from, piece_to)`` per target point, see
        :func:`stadsrum.kernels.od.od_group`: ``network_m`` includes the
        starting cost and is ``inf`` beyond ``limit`` metres; the targets'
        own link distances are not added.
        """
        from stadsrum.kernels.od import od_group

        result: tuple[np.ndarray, ...] = od_group(
            *starts,
            t_edge,
            t_pos,
            limit,
            self.state_graph(),
            self.src,
            self.turn,
            turn_threshold,
            routes,
            scratch.search,
        )
        return result

    def reach_search(
        self, starts: Starts, limit: float, scratch: Scratch
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Segments reached within ``limit`` metres, with the cost at each of their ends.

        See :func:`stadsrum.kernels.od.reach_group`.
        """
        from stadsrum.kernels.od import reach_group

        segs, at0, at1 = reach_group(*starts, limit, self.state_graph(), scratch.search)
        return segs, at0, at1

    def junction_search(self, starts: Starts, scratch: Scratch) -> np.ndarray:
        """Metres from the start points (starting costs included) to every junction."""
        from stadsrum.kernels.barriers import junction_distances

        out: np.ndarray = junction_distances(
            *starts, self.head, self.n_nodes, self.state_graph(), scratch.search
        )
        return out

    def junction_rows(
        self,
        starts: list[Starts | None],
        *,
        threads: int | None,
        progress: ProgressLike,
        label: str,
    ) -> np.ndarray:
        """One row of junction distances per start group (``None``: a row of ``inf``).

        Shape ``(len(starts), n_nodes)``, metres.
        """
        max_sources = max((len(s[0]) for s in starts if s is not None), default=1)

        def work(i: int, scratch: Scratch) -> np.ndarray | None:
            s = starts[i]
            return None if s is None else self.junction_search(s, scratch)

        results = run_groups(
            range(len(starts)),
            work,
            lambda: self.scratch(max(max_sources, 1)),
            threads=thread_count(threads),
            progress=progress,
            label=label,
            total=len(starts),
        )
        rows = np.full((len(starts), self.n_nodes), np.inf)
        for i, r in enumerate(results):
            if r is not None:
                rows[i] = r
        return rows

    def side_rows(
        self,
        side: LinkedSide,
        *,
        threads: int | None,
        progress: ProgressLike,
        label: str,
    ) -> np.ndarray:
        """Metres from each feature of ``side`` to every junction, shape ``(n, n_nodes)``."""
        starts = [side.starts(i) for i in range(len(side))]
        return self.junction_rows(starts, threads=threads, progress=progress, label=label)

    def to_side(self, rows: np.ndarray, source: LinkedSide, target: LinkedSide) -> np.ndarray:
        """Metres from each source (its junction rows) to each target feature.

        A target access point at ``q`` on segment ``f`` (ends ``u``, ``v``) is
        reached from an end, ``D(u) + q`` or ``D(v) + len - q``, or directly
        along ``f`` from a source access point on it; its link distance is
        added, and each target takes its best access point. Shape
        ``(len(source), len(target))``, ``inf`` where there is no route.
        """
        u, v, length = self.u, self.v, self.length
        links = target.links
        f, q = links.edge, links.pos
        via = np.minimum(rows[:, u[f]] + q[None, :], rows[:, v[f]] + (length[f] - q)[None, :])
        for i in range(len(source)):
            sl = source.access(i)
            for e, p, c in zip(
                source.links.edge[sl], source.links.pos[sl], source.links.link_m[sl], strict=True
            ):
                same = f == e
                if same.any():
                    via[i, same] = np.minimum(via[i, same], c + np.abs(q[same] - p))
        via = via + links.link_m[None, :]
        out = np.full((rows.shape[0], len(target)), np.inf)
        if len(links.owner):
            np.minimum.at(out.T, links.owner, via.T)
        return out

    def route_lines(
        self,
        route_ptr: np.ndarray,
        seg: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        start_xy: np.ndarray,
        end_xy: np.ndarray,
    ) -> np.ndarray:
        """LineStrings of routes given as walked pieces (see kernels.routes)."""
        from stadsrum.kernels.routes import Polylines, route_coordinates

        if len(route_ptr) <= 1:
            return np.empty(0, dtype=object)
        if not hasattr(self, "_lines"):
            coords, owner = shapely.get_coordinates(self.geometry, return_index=True)
            step = np.r_[0.0, np.hypot(*np.diff(coords, axis=0).T)]
            first = np.r_[True, owner[1:] != owner[:-1]]
            step[first] = 0.0
            cum = np.cumsum(step)
            cum -= np.repeat(cum[first], np.bincount(owner))
            ptr = np.r_[0, np.cumsum(np.bincount(owner, minlength=len(self.length)))]
            self._lines = Polylines(ptr, coords, cum)
        n_vertices = np.diff(self._lines.ptr)
        bound = int(n_vertices[seg].sum() + 2 * len(seg) + 3 * (len(route_ptr) - 1))
        ptr, xy = route_coordinates(route_ptr, seg, a, b, start_xy, end_xy, self._lines, bound)
        lines = shapely.linestrings(xy, indices=np.repeat(np.arange(len(ptr) - 1), np.diff(ptr)))
        return np.asarray(lines, dtype=object)


@dataclass(eq=False)
class ODMatrix:
    """Place→node distances with each side's distances to every junction.

    Attributes
    ----------
    places, nodes
        The linked sides (ids, access points).
    to_junction_places, to_junction_nodes
        ``D(s, x)`` and ``D(t, x)``: metres from each place/node (its access
        distance included) to each junction ``x``; ``inf`` where unlinked or
        unreachable. Shapes ``(P, J)`` and ``(N, J)``.
    total_m
        Place→node distances along the streets plus both access distances,
        shape ``(P, N)``, ``inf`` where there is no route.
    extra
        ``"graph"``: the :class:`AccessGraph` searched, for further searches.
    """

    places: LinkedSide
    nodes: LinkedSide
    to_junction_places: np.ndarray
    to_junction_nodes: np.ndarray
    total_m: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)

    def within(self, metres: float) -> np.ndarray:
        """Per place: how many nodes are within ``metres`` (``total_m``, inclusive)."""
        counts: np.ndarray = (self.total_m <= metres + 1e-9).sum(axis=1)
        return counts


def od_matrix(
    network: StreetNetwork,
    places: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    *,
    place_id: str = "place_id",
    node_id: str = "node_id",
    node_category: str | None = None,
    max_link: float = 200.0,
    polygons: PolygonMode = "entrances",
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> ODMatrix:
    """Place→node distances and both sides' distances to every junction.

    One search per place and per node. Places and nodes join the streets as
    in :func:`~stadsrum.measures.proximity.place_distances` (``total_m``
    equals its column of that name); on a network with added links
    (:func:`~stadsrum.network.barriers.add_links`) they join the existing
    streets only, never a new footbridge.
    """
    progress = as_progress(progress)
    place, node = link_places_and_nodes(
        street_view(network),
        places,
        nodes,
        place_id=place_id,
        node_id=node_id,
        node_category=node_category,
        max_link=max_link,
        polygons=polygons,
    )
    return linked_od_matrix(network, place, node, threads=threads, progress=progress)


def linked_od_matrix(
    network: StreetNetwork,
    places: LinkedSide,
    nodes: LinkedSide,
    *,
    threads: int | None = None,
    progress: ProgressLike | None = None,
) -> ODMatrix:
    """:func:`od_matrix` for sides linked already (once per analysis, not per network).

    The sides must have been joined to the streets of ``network`` (see
    :meth:`LinkedSide.joined_to`): the same network, or it with links added
    between junctions, so that their access points name its segments.
    """
    progress = as_progress(progress)
    for side, what in ((places, "places"), (nodes, "nodes")):
        if not side.joined_to(network):
            raise NetworkError(
                f"{what} were joined to other streets than those of the network searched: "
                "join them to this network (od_matrix)"
            )
    graph = AccessGraph(network)
    d_p = graph.side_rows(places, threads=threads, progress=progress, label="distances from places")
    d_n = graph.side_rows(nodes, threads=threads, progress=progress, label="distances from nodes")
    total = graph.to_side(d_p, places, nodes)
    return ODMatrix(places, nodes, d_p, d_n, total, extra={"graph": graph})

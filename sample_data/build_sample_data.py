"""Build the embedded sample data set ``helsinki.gpkg`` from ``helsinki.osm.pbf``.

How to run (offline; needs only pyosmium, shapely, geopandas, pyogrio and pyproj, which
are all stadsrum dependencies)::

    python sample_data/build_sample_data.py
    python sample_data/build_sample_data.py --pbf other.osm.pbf --out /tmp/other.gpkg

The defaults read ``helsinki.osm.pbf`` beside this script and (re)write ``helsinki.gpkg``
beside it. The output is replaced atomically: a failed run leaves any existing file as it
was. The result is deterministic for a given PBF.

Layers, all in EPSG:3067 (ETRS-TM35FIN, metres), names in Finnish (``name``) and Swedish
(``name_sv``, empty where OpenStreetMap has no ``name:sv``):

``places``    (MultiPolygon) a chosen set of named squares and parks (``PLACES`` below).
``nodes``     (Point) key nodes: stations, tram stops (one per stop name), libraries,
              schools, universities, culture (theatres, arts centres, museums) and the
              chosen squares' centroids. Areas become their centroid.
``barriers``  (LineString) railways and tram lines not in a tunnel, motorways/trunk roads
              not in a tunnel, rivers/canals, and the outlines of water areas and coastline.
``proposal``  (LineString) two proposed footbridges, each a straight line between two
              existing walkable-way vertices (``PROPOSALS`` below).

The extract is clipped to a bounding box: ways crossing its edge keep references to nodes
that are not in the file. Lines are cut at such gaps (each run of present nodes becomes
one feature; no chords are drawn across the gap). Areas that cannot be closed are skipped
(places, water) or reduced to the centroid of their present part (nodes).

Data © OpenStreetMap contributors, ODbL 1.0, https://www.openstreetmap.org/copyright
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

HERE = Path(__file__).resolve().parent
DEFAULT_PBF = HERE / "helsinki.osm.pbf"
DEFAULT_OUT = HERE / "helsinki.gpkg"
CRS = "EPSG:3067"

# The places a planner studies here: (osm_type, osm_id, kind). Chosen by hand among the
# named squares and parks whose outline is complete in the clipped extract. Kansalaistori,
# Narinkkatori, Kauppatori, Hakaniemen tori, Paasikivenaukio, Mauno Koiviston aukio and
# Töölönlahden puisto are cut by the extract's edge and cannot be used.
PLACES: list[tuple[str, int, str]] = [
    ("relation", 2919118, "square"),  # Rautatientori / Järnvägstorget
    ("relation", 2919121, "square"),  # Senaatintori / Senatstorget
    ("relation", 8513460, "square"),  # Lasipalatsinaukio / Glaspalatstorget
    ("relation", 2919214, "square"),  # Mannerheimin aukio / Mannerheimplatsen
    ("relation", 8924786, "square"),  # Kasarmitori / Kaserntorget
    ("relation", 2919196, "square"),  # Kolmensepänaukio / Tre smedersplatsen
    ("way", 28328802, "park"),  # Esplanadinpuisto / Esplanadparken
    ("way", 28238099, "park"),  # Vanha kirkkopuisto / Gamla kyrkoparken
    ("relation", 6627217, "park"),  # Kaisaniemen puisto / Kajsaniemiparken
    ("way", 224477247, "park"),  # Makasiinipuisto / Magasinparken
    ("way", 123911186, "park"),  # Kolmikulma / Trekanten
]


@dataclass(frozen=True)
class Proposal:
    proposal_id: str
    name: str
    name_sv: str
    kind: str
    from_node: int
    to_node: int
    crosses: str  # barrier category the link must cross, as a check that it is one


# Two footbridges for the before/after demo. Both ends are junctions of existing footways,
# cycleways or streets in the main walkable component, on opposite sides of a barrier; in
# plan neither line crosses a building or another walkable way, only the barrier.
PROPOSALS: list[Proposal] = [
    Proposal(
        "railyard-footbridge",
        "Uusi kävelysilta ratapihan yli",
        "Ny gångbro över bangården",
        "footbridge",
        6357738376,  # sidewalk junction where Töölönlahdenkatu ends at the rail yard, by Oodi
        443141106,  # footway junction on Kaisaniemen puistokuja, Kaisaniemen puisto
        "railway",
    ),
    Proposal(
        "kaisaniemenlahti-footbridge",
        "Uusi kävelysilta Kaisaniemenlahden yli",
        "Ny gångbro över Kajsaniemiviken",
        "footbridge",
        251643663,  # Kaisaniemenranta at the footway into Kaisaniemen puisto
        485354439,  # Siltasaarenkärki at the shore footway
        "water",
    ),
]

RAIL_BARRIERS = {"rail": "railway", "light_rail": "railway", "subway": "railway", "tram": "tram"}
ROAD_BARRIERS = {"motorway", "motorway_link", "trunk", "trunk_link"}
WATERWAY_BARRIERS = {"river", "canal"}
# Ornamental ponds (4 in Kaisaniemi park, 2 by Kiasma, 10-420 m²) are not barriers to
# movement across the city; water areas smaller than this are left out.
MIN_WATER_AREA_M2 = 1000.0

WALKABLE_HIGHWAYS = {
    "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
    "unclassified", "residential", "living_street", "service", "road", "pedestrian",
    "footway", "path", "steps", "cycleway", "track", "bridleway", "trail", "platform",
    "corridor", "crossing",
}  # fmt: skip

CULTURE = {("amenity", "theatre"), ("amenity", "arts_centre"), ("tourism", "museum")}
CATEGORY_ORDER = ["station", "tram_stop", "library", "school", "university", "culture", "square"]

_TO_3067 = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


def project(geom: BaseGeometry) -> BaseGeometry:
    """Reproject a lon/lat geometry to EPSG:3067."""

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = _TO_3067.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _xy)


def slug(text: str) -> str:
    """ASCII slug for ids: ``'Mannerheimin aukio'`` → ``'mannerheimin-aukio'``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def parse_layer(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def in_tunnel(tags: dict[str, str]) -> bool:
    return tags.get("tunnel", "no") != "no" or parse_layer(tags.get("layer")) < 0


@dataclass
class OsmData:
    """What the builder needs from the PBF, read in a few plain passes."""

    lonlat: dict[int, tuple[float, float]] = field(default_factory=dict)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: dict[int, tuple[dict[str, str], list[int]]] = field(default_factory=dict)
    walk_adjacency: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    walk_vertices: set[int] = field(default_factory=set)
    stop_areas: list[set[tuple[str, int]]] = field(default_factory=list)
    water_relations: dict[int, tuple[dict[str, str], list[int]]] = field(default_factory=dict)
    areas: dict[tuple[str, int], tuple[dict[str, str], BaseGeometry]] = field(default_factory=dict)
    ways_with_gaps: int = 0
    missing_refs: int = 0

    def runs(self, refs: Iterable[int]) -> Iterator[list[tuple[float, float]]]:
        """Yield the runs of consecutive present nodes of a way (lon/lat)."""
        run: list[tuple[float, float]] = []
        for ref in refs:
            loc = self.lonlat.get(ref)
            if loc is None:
                if len(run) > 1:
                    yield run
                run = []
            else:
                run.append(loc)
        if len(run) > 1:
            yield run

    def present_part(self, refs: list[int]) -> BaseGeometry | None:
        """Polygon (or line) through the present nodes of a closed way, gaps bridged."""
        pts = [self.lonlat[r] for r in refs if r in self.lonlat]
        if len(pts) >= 4:
            poly = Polygon(pts)
            if poly.is_valid and poly.area > 0:
                return poly
        if len(pts) >= 2:
            return LineString(pts)
        return Point(pts[0]) if pts else None


def _is_poi(tags: dict[str, str]) -> bool:
    return (
        tags.get("railway") in ("station", "tram_stop")
        or tags.get("public_transport") == "station"
        or tags.get("amenity") in ("library", "school", "university", "college")
        or any(tags.get(k) == v for k, v in CULTURE)
    )


def _is_water_area(tags: dict[str, str]) -> bool:
    return tags.get("natural") == "water" or tags.get("waterway") == "riverbank"


def read_osm(pbf: Path) -> OsmData:
    data = OsmData()
    water_members: set[int] = set()

    for rel in osmium.FileProcessor(str(pbf), osmium.osm.RELATION):
        tags = dict(rel.tags)
        if tags.get("public_transport") == "stop_area":
            data.stop_areas.append({(m.type, m.ref) for m in rel.members})
        elif tags.get("type") == "multipolygon" and _is_water_area(tags):
            member_ways = [m.ref for m in rel.members if m.type == "w"]
            data.water_relations[rel.id] = (tags, member_ways)
            water_members.update(member_ways)

    for node in osmium.FileProcessor(str(pbf), osmium.osm.NODE):
        if not node.location.valid():
            continue
        data.lonlat[node.id] = (node.location.lon, node.location.lat)
        tags = dict(node.tags)
        if _is_poi(tags) and "name" in tags:
            data.node_tags[node.id] = tags

    for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
        tags = dict(way.tags)
        refs = [n.ref for n in way.nodes]
        missing = sum(1 for r in refs if r not in data.lonlat)
        if missing:
            data.ways_with_gaps += 1
            data.missing_refs += missing
        highway = tags.get("highway")
        if (
            highway in WALKABLE_HIGHWAYS
            and tags.get("area") != "yes"
            and tags.get("foot") not in ("no", "private")
            and not (tags.get("access") in ("no", "private") and tags.get("foot") != "yes")
        ):
            prev = None
            for ref in refs:
                if ref not in data.lonlat:
                    prev = None
                    continue
                if not in_tunnel(tags):
                    data.walk_vertices.add(ref)
                if prev is not None:
                    data.walk_adjacency[prev].add(ref)
                    data.walk_adjacency[ref].add(prev)
                prev = ref
        if (
            tags.get("railway") in RAIL_BARRIERS
            or highway in ROAD_BARRIERS
            or tags.get("waterway") in WATERWAY_BARRIERS
            or tags.get("natural") == "coastline"
            or _is_water_area(tags)
            or way.id in water_members
            or (_is_poi(tags) and "name" in tags)
        ):
            data.ways[way.id] = (tags, refs)

    wanted_areas = {(t, i) for t, i, _ in PLACES}
    factory = osmium.geom.WKBFactory()
    processor = (
        osmium.FileProcessor(str(pbf))
        .with_areas()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
    )
    for area in processor:
        osm_type = "way" if area.from_way() else "relation"
        key = (osm_type, area.orig_id())
        tags = dict(area.tags)
        if key in wanted_areas or _is_water_area(tags) or (_is_poi(tags) and "name" in tags):
            geom = project(shapely.from_wkb(factory.create_multipolygon(area)))
            data.areas[key] = (tags, geom)
    return data


def build_places(data: OsmData) -> gpd.GeoDataFrame:
    rows = []
    for osm_type, osm_id, kind in PLACES:
        if (osm_type, osm_id) not in data.areas:
            raise RuntimeError(f"place {osm_type} {osm_id} is missing or not a closed area")
        tags, geom = data.areas[(osm_type, osm_id)]
        if not isinstance(geom, MultiPolygon):
            geom = MultiPolygon([geom])
        rows.append(
            {
                "place_id": slug(tags["name"]),
                "name": tags["name"],
                "name_sv": tags.get("name:sv"),
                "kind": kind,
                "osm_type": osm_type,
                "osm_id": osm_id,
                "area_m2": round(geom.area, 1),
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    assert gdf["place_id"].is_unique
    return gdf


def _node_category(tags: dict[str, str]) -> str | None:
    if tags.get("railway") == "station" or tags.get("public_transport") == "station":
        return "station"
    if tags.get("railway") == "tram_stop":
        return "tram_stop"
    amenity = tags.get("amenity")
    if amenity == "library":
        return "library"
    if amenity == "school":
        return "school"
    if amenity in ("university", "college"):
        return "university"
    if any(tags.get(k) == v for k, v in CULTURE):
        return "culture"
    return None


def build_nodes(data: OsmData, places: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Key nodes; returns the layer and how many came from areas cut by the extract's edge."""
    # (category, name, name_sv, osm_type, osm_id, point in EPSG:3067)
    candidates: list[tuple[str, str, str | None, str, int, Point]] = []
    partial = 0
    for osm_id, tags in data.node_tags.items():
        category = _node_category(tags)
        if category:
            pt = project(Point(data.lonlat[osm_id]))
            candidates.append((category, tags["name"], tags.get("name:sv"), "node", osm_id, pt))
    seen_areas: set[tuple[str, int]] = set()
    for (osm_type, osm_id), (tags, geom) in data.areas.items():
        category = _node_category(tags)
        if category and "name" in tags:
            seen_areas.add((osm_type, osm_id))
            candidates.append(
                (category, tags["name"], tags.get("name:sv"), osm_type, osm_id, _centre(geom))
            )
    for way_id, (tags, refs) in data.ways.items():
        category = _node_category(tags)
        if category and "name" in tags and ("way", way_id) not in seen_areas:
            part = data.present_part(refs)
            if part is None:
                continue
            partial += 1
            candidates.append(
                (category, tags["name"], tags.get("name:sv"), "way", way_id, _centre(project(part)))
            )

    # A station mapped both as a node and as a building/area in the same stop_area
    # relation is one station: keep the node.
    station_nodes = {(c[3], c[4]) for c in candidates if c[0] == "station" and c[3] == "node"}
    shadowed = set()
    for members in data.stop_areas:
        typed = {("node" if t == "n" else "way" if t == "w" else "relation", i) for t, i in members}
        if typed & station_nodes:
            shadowed |= typed - station_nodes
    candidates = [c for c in candidates if not (c[0] == "station" and (c[3], c[4]) in shadowed)]

    # One feature per (category, name): tram stops have a node per platform and direction
    # (keep the one nearest the group's mean, preferring one with a Swedish name); other
    # POIs mapped twice (a node and its building) keep the node.
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for c in candidates:
        groups[(c[0], c[1])].append(c)
    chosen = []
    for (category, _name), members in groups.items():
        if category == "tram_stop":
            mean = np.mean([[m[5].x, m[5].y] for m in members], axis=0)
            members = sorted(
                members, key=lambda m: (m[2] is None, m[5].distance(Point(mean)), m[4])
            )
            best = members[0]
            name_sv = best[2] or next((m[2] for m in members if m[2]), None)
            chosen.append((*best[:2], name_sv, *best[3:]))
        else:
            order = {"node": 0, "way": 1, "relation": 2}
            chosen.append(min(members, key=lambda m: (order[m[3]], m[4])))

    for row in places[places["kind"] == "square"].itertuples():
        chosen.append(
            ("square", row.name, row.name_sv, row.osm_type, row.osm_id, _centre(row.geometry))
        )

    chosen.sort(key=lambda c: (CATEGORY_ORDER.index(c[0]), slug(c[1]), c[4]))
    rows = []
    used: set[str] = set()
    for category, name, name_sv, osm_type, osm_id, pt in chosen:
        node_id = base = f"{category}-{slug(name)}"
        k = 2
        while node_id in used:
            node_id = f"{base}-{k}"
            k += 1
        used.add(node_id)
        rows.append(
            {
                "node_id": node_id,
                "name": name,
                "name_sv": name_sv,
                "category": category,
                "osm_type": osm_type,
                "osm_id": osm_id,
                "geometry": pt,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS), partial


def _centre(geom: BaseGeometry) -> Point:
    """Centroid, or a point inside the polygon where the centroid falls outside it."""
    centroid = geom.centroid
    if geom.geom_type in ("Point", "LineString") or geom.contains(centroid):
        return centroid
    return geom.representative_point()


def build_barriers(data: OsmData) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    rows: list[dict] = []
    notes = {"water_areas_too_small": 0, "water_areas_cut_by_edge": 0}

    def add(geom: BaseGeometry, category: str, subtype: str, tags: dict[str, str],
            osm_type: str, osm_id: int) -> None:  # fmt: skip
        rows.append(
            {
                "category": category,
                "subtype": subtype,
                "name": tags.get("name"),
                "name_sv": tags.get("name:sv"),
                "osm_type": osm_type,
                "osm_id": osm_id,
                "bridge": tags.get("bridge"),
                "tunnel": tags.get("tunnel"),
                "layer": parse_layer(tags.get("layer")),
                "geometry": geom,
            }
        )

    def add_runs(refs: list[int], *args) -> None:
        for run in data.runs(refs):
            add(project(LineString(run)), *args)

    water_ways_done: set[int] = set()
    for way_id, (tags, refs) in sorted(data.ways.items()):
        railway, highway, waterway = tags.get("railway"), tags.get("highway"), tags.get("waterway")
        if railway in RAIL_BARRIERS and not in_tunnel(tags):
            add_runs(refs, RAIL_BARRIERS[railway], railway, tags, "way", way_id)
        elif highway in ROAD_BARRIERS and not in_tunnel(tags):
            add_runs(refs, "road", highway, tags, "way", way_id)
        elif waterway in WATERWAY_BARRIERS and not in_tunnel(tags):
            add_runs(refs, "water", waterway, tags, "way", way_id)
        elif tags.get("natural") == "coastline":
            add_runs(refs, "water", "coastline", tags, "way", way_id)
        elif _is_water_area(tags):
            water_ways_done.add(way_id)
            subtype = tags.get("natural") or tags.get("waterway", "water")
            area = data.areas.get(("way", way_id))
            if area is not None:
                if area[1].area < MIN_WATER_AREA_M2:
                    notes["water_areas_too_small"] += 1
                    continue
                for line in _outline_lines(area[1]):
                    add(line, "water", subtype, tags, "way", way_id)
            else:
                notes["water_areas_cut_by_edge"] += 1
                add_runs(refs, "water", subtype, tags, "way", way_id)

    for rel_id, (tags, member_ways) in sorted(data.water_relations.items()):
        subtype = tags.get("natural") or tags.get("waterway", "water")
        area = data.areas.get(("relation", rel_id))
        if area is not None:
            if area[1].area < MIN_WATER_AREA_M2:
                notes["water_areas_too_small"] += 1
                continue
            for line in _outline_lines(area[1]):
                add(line, "water", subtype, tags, "relation", rel_id)
        else:
            notes["water_areas_cut_by_edge"] += 1
            for way_id in member_ways:
                if way_id in data.ways and way_id not in water_ways_done:
                    add_runs(data.ways[way_id][1], "water", subtype, tags, "relation", rel_id)

    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    gdf["layer"] = gdf["layer"].astype("int32")
    return gdf, notes


def _outline_lines(geom: BaseGeometry) -> list[LineString]:
    boundary = geom.boundary
    return list(getattr(boundary, "geoms", [boundary]))


def build_proposal(data: OsmData, barriers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    component = _walk_component(data, PROPOSALS[0].from_node)
    rows = []
    for p in PROPOSALS:
        for ref in (p.from_node, p.to_node):
            if ref not in data.walk_vertices:
                raise RuntimeError(f"{p.proposal_id}: node {ref} is not on a walkable way")
            if ref not in component:
                raise RuntimeError(f"{p.proposal_id}: node {ref} is off the main network")
        line = project(LineString([data.lonlat[p.from_node], data.lonlat[p.to_node]]))
        if not barriers[barriers["category"] == p.crosses].intersects(line).any():
            raise RuntimeError(f"{p.proposal_id} crosses no {p.crosses} barrier")
        rows.append(
            {
                "proposal_id": p.proposal_id,
                "name": p.name,
                "name_sv": p.name_sv,
                "kind": p.kind,
                "highway": "footway",
                "bridge": "yes",
                "layer": 1,
                "from_osm_node": p.from_node,
                "to_osm_node": p.to_node,
                "length_m": round(line.length, 1),
                "geometry": line,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    gdf["layer"] = gdf["layer"].astype("int32")
    return gdf


def _walk_component(data: OsmData, start: int) -> set[int]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in data.walk_adjacency[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], out: Path) -> None:
    """Write all layers to a temporary file, then move it over ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=out.parent, prefix=f".{out.stem}-")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pbf", type=Path, default=DEFAULT_PBF, help="input .osm.pbf")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output GeoPackage")
    args = parser.parse_args(argv)

    data = read_osm(args.pbf)
    places = build_places(data)
    nodes, partial_nodes = build_nodes(data, places)
    barriers, notes = build_barriers(data)
    proposal = build_proposal(data, barriers)
    layers = {"places": places, "nodes": nodes, "barriers": barriers, "proposal": proposal}
    write_gpkg(layers, args.out)

    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {CRS})")
    for name, gdf in layers.items():
        print(f"  {name:9s} {len(gdf):4d} features")
    print(f"  nodes by category: {nodes['category'].value_counts().to_dict()}")
    print(f"  barriers by category: {barriers['category'].value_counts().to_dict()}")
    print(
        f"  ways cut by the extract's edge: {data.ways_with_gaps} "
        f"({data.missing_refs} node references outside); nodes from cut areas: "
        f"{partial_nodes}; water areas cut: {notes['water_areas_cut_by_edge']}, "
        f"left out as under {MIN_WATER_AREA_M2:.0f} m²: {notes['water_areas_too_small']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

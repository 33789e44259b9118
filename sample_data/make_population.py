"""Write ``population.gpkg``: a SYNTHETIC population on the sample city's real buildings.

Nobody was counted. The people in this file are made up, so that ``stadsrum demo``
and the tests can show the people-and-areas analysis (``stadsrum areas``) on a real
street network. Only the building footprints are real (OpenStreetMap, ODbL).

How to run (offline; needs only stadsrum's own dependencies)::

    python sample_data/make_population.py
    python sample_data/make_population.py --pbf other.osm.pbf --out /tmp/other_population.gpkg

Layers, both in EPSG:3067 (ETRS-TM35FIN, metres):

``population`` (Point) one point per residential building (the representative point of
               its footprint): ``population`` = ``born_sweden`` + ``born_abroad``.
``districts``  (Polygon) a 400 m grid over the buildings, one square per district that
               holds residents, ``area_id`` from ``A1`` (south-west) to ``C5`` (north-east).
               The extract has no administrative or suburb boundaries, so a grid stands in.

How the numbers are made (all seeded, so every run gives the same file):

- residents per building: footprint area × 4 storeys / 60 m² of floor per resident,
  times a random factor between 0.5 and 1.5, rounded, at least 1;
- the deliberate spatial pattern: the share born abroad rises from 8 % at the western
  edge of the buildings to 68 % at the eastern edge, as 0.08 + 0.60·x² with x from 0
  (west) to 1 (east); each building's residents born abroad are a binomial draw with
  that share.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

HERE = Path(__file__).resolve().parent
SEED = 2012  # the year of the national urban-development criteria; any fixed number works
CRS = "EPSG:3067"
#: OSM ``building`` values taken as homes; everything else (churches, offices, kiosks,
#: the station) houses nobody here. ``yes`` is kept: most of central Helsinki's
#: blocks are mapped without a finer type.
RESIDENTIAL = ("yes", "apartments", "residential", "block", "house")
MIN_FOOTPRINT_M2 = 50.0  # sheds, pavilions and mapping slivers hold no homes
STOREYS = 4
FLOOR_PER_RESIDENT_M2 = 60.0
WEST_SHARE, EAST_RISE = 0.08, 0.60  # share born abroad: WEST_SHARE + EAST_RISE * x**2
GRID_M = 400.0

DESCRIPTION_POPULATION = (
    "SYNTHETIC population (made up, nobody was counted) on real OpenStreetMap building "
    "footprints of central Helsinki, for the stadsrum demo. Share born abroad rises from "
    "8 % in the west to 68 % in the east by design. See sample_data/README.md."
)
DESCRIPTION_DISTRICTS = (
    "Districts of the SYNTHETIC sample population: a 400 m grid (the extract has no "
    "administrative boundaries), not real districts. See sample_data/README.md."
)


def buildings(pbf: Path) -> gpd.GeoDataFrame:
    """Residential building footprints of the extract, in EPSG:3067, in OSM id order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's notes on ways cut by the extract's box
        frame = pyogrio.read_dataframe(
            pbf,
            layer="multipolygons",
            columns=["osm_id", "osm_way_id", "building"],
            where="building IS NOT NULL",
            on_invalid="ignore",  # rings the box cut open cannot be footprints
        )
    frame = frame[frame.geometry.notna() & frame["building"].isin(RESIDENTIAL)]
    frame = frame.to_crs(CRS)
    frame = frame[frame.geometry.area >= MIN_FOOTPRINT_M2]
    # a way is 'w<id>', a relation 'r<id>': a stable order whatever GDAL reads first
    frame["osm_ref"] = np.where(
        frame["osm_way_id"].notna(),
        "w" + frame["osm_way_id"].astype(str),
        "r" + frame["osm_id"].astype(str),
    )
    return frame.sort_values("osm_ref").reset_index(drop=True)


def population(footprints: gpd.GeoDataFrame, seed: int = SEED) -> gpd.GeoDataFrame:
    """Synthetic residents per building, two groups, with the east-west pattern."""
    rng = np.random.default_rng(seed)
    area = footprints.geometry.area.to_numpy()
    people = np.round(area * STOREYS / FLOOR_PER_RESIDENT_M2 * rng.uniform(0.5, 1.5, len(area)))
    people = np.maximum(people, 1).astype(np.int64)
    points = footprints.geometry.representative_point()
    x = points.x.to_numpy()
    east = (x - x.min()) / (x.max() - x.min())
    abroad = rng.binomial(people, WEST_SHARE + EAST_RISE * east**2)
    return gpd.GeoDataFrame(
        {
            "building_ref": footprints["osm_ref"].to_numpy(),
            "building": footprints["building"].to_numpy(),
            "footprint_m2": np.round(area, 1),
            "population": people,
            "born_sweden": people - abroad,
            "born_abroad": abroad,
            "synthetic": np.ones(len(people), dtype=bool),
        },
        geometry=points.to_numpy(),
        crs=CRS,
    )


def districts(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A 400 m grid from the points' south-west corner; squares without residents are left out."""
    x0, y0, x1, y1 = points.total_bounds
    x0, y0 = np.floor(x0 / 100) * 100, np.floor(y0 / 100) * 100  # round corners, easy to read
    ids, cells = [], []
    for i, gx in enumerate(np.arange(x0, x1, GRID_M)):
        for j, gy in enumerate(np.arange(y0, y1, GRID_M)):
            ids.append(f"{'ABCDEFGH'[i]}{j + 1}")
            cells.append(shapely.box(gx, gy, gx + GRID_M, gy + GRID_M))
    grid = gpd.GeoDataFrame({"area_id": ids}, geometry=cells, crs=CRS)
    # the same rule as stadsrum's: a point on a shared edge belongs to the first square
    inside = gpd.sjoin(points[["population", "geometry"]], grid, predicate="intersects")
    inside = inside[~inside.index.duplicated(keep="first")]
    residents = inside.groupby("area_id")["population"].sum()
    grid["residents"] = grid["area_id"].map(residents).fillna(0).astype(np.int64)
    grid["synthetic"] = True
    return grid[grid["residents"] > 0].reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbf", type=Path, default=HERE / "helsinki.osm.pbf")
    parser.add_argument("--out", type=Path, default=HERE / "population.gpkg")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    people = population(buildings(args.pbf), args.seed)
    grid = districts(people)
    fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=args.out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # GDAL makes the file itself
    try:
        pyogrio.write_dataframe(
            people, tmp, layer="population", layer_options={"DESCRIPTION": DESCRIPTION_POPULATION}
        )
        pyogrio.write_dataframe(
            grid, tmp, layer="districts", layer_options={"DESCRIPTION": DESCRIPTION_DISTRICTS}
        )
        os.replace(tmp, args.out)
    finally:
        tmp.unlink(missing_ok=True)
    total, abroad = int(people["population"].sum()), int(people["born_abroad"].sum())
    print(
        f"{args.out}: {len(people)} buildings with {total} synthetic residents "
        f"({abroad} born abroad, {abroad / total:.0%}), {len(grid)} grid districts"
    )


if __name__ == "__main__":
    main()

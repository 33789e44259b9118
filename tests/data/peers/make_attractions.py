"""Generate the attraction point layers used for the PST attraction fixtures.

Run from the repository root:  python tests/data/peers/make_attractions.py
Writes attractions_grid.gpkg and attractions_irregular.gpkg next to this file
(EPSG:3006, Point, columns ``attraction_id`` (int), ``value`` (float), ``category`` (text)).

Each point is placed off the street, 2-40 m perpendicular from a randomly drawn segment
(of length >= 40 m), at a position along it between 20 % and 80 % of its length and at least
15 m from either end. A candidate is kept only if that segment is unambiguously its closest one:
every other segment is at least 5 m farther away (and the perpendicular foot lies strictly inside
the segment). Points are at least 25 m apart from each other.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

HERE = Path(__file__).resolve().parent
CRS = "EPSG:3006"
SEEDS = {"grid": 20261202, "irregular": 20261203}
COUNTS = {"grid": 32, "irregular": 30}
CATEGORIES = np.array(["school", "shop", "park"])
MIN_MARGIN = 5.0  # second-closest segment at least this much farther than the closest
MIN_END_DIST = 15.0  # foot of the perpendicular at least this far from either segment end
MIN_SPACING = 25.0  # between attraction points


def seg_dist(p, seg):
    """Distance from point p (2,) to each segment in seg (n, 4), and parameter t of the foot."""
    a, b = seg[:, :2], seg[:, 2:]
    v = b - a
    L2 = (v * v).sum(1)
    t = np.clip(((p - a) * v).sum(1) / L2, 0.0, 1.0)
    foot = a + t[:, None] * v
    return np.hypot(*(p - foot).T), t


def make(name):
    net = gpd.read_file(HERE / f"{name}.gpkg")
    seg = np.array([np.asarray(g.coords).ravel() for g in net.geometry])
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    rng = np.random.default_rng(SEEDS[name])
    eligible = np.flatnonzero(length >= 40.0)
    pts, rows = [], []
    while len(pts) < COUNTS[name]:
        i = int(rng.choice(eligible))
        L = length[i]
        t = rng.uniform(0.2, 0.8)
        off = rng.uniform(2.0, 40.0)
        side = rng.choice([-1.0, 1.0])
        if t * L < MIN_END_DIST or (1 - t) * L < MIN_END_DIST:
            continue
        a, b = seg[i, :2], seg[i, 2:]
        u = (b - a) / L
        n = np.array([-u[1], u[0]])
        p = a + t * (b - a) + side * off * n
        d, tt = seg_dist(p, seg)
        order = np.argsort(d)
        if order[0] != i or d[order[1]] - d[order[0]] < MIN_MARGIN or not (0.0 < tt[i] < 1.0):
            continue
        if any(np.hypot(*(p - q)) < MIN_SPACING for q in pts):
            continue
        pts.append(p)
        rows.append((i, d[i], tt[i]))
    k = len(pts)
    value = np.round(rng.uniform(1.0, 5.0, k), 2)
    category = CATEGORIES[rng.integers(0, len(CATEGORIES), k)]
    gdf = gpd.GeoDataFrame(
        {
            "attraction_id": np.arange(k, dtype="int64"),
            "value": value.astype("float64"),
            "category": category,
        },
        geometry=[Point(*p) for p in pts],
        crs=CRS,
    )
    path = HERE / f"attractions_{name}.gpkg"
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer=f"attractions_{name}", driver="GPKG", engine="pyogrio")
    return gdf, rows


if __name__ == "__main__":
    for name in ("grid", "irregular"):
        gdf, rows = make(name)
        segs = [r[0] for r in rows]
        print(
            name,
            len(gdf),
            "points; segments",
            len(set(segs)),
            "distinct; access",
            f"{min(r[1] for r in rows):.1f}-{max(r[1] for r in rows):.1f} m",
        )

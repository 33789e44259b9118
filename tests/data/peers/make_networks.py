"""Generate the three small test networks used for the peer fixtures.

Run from the repository root:  python tests/data/peers/make_networks.py
Writes tiny.gpkg, grid.gpkg and irregular.gpkg next to this file
(EPSG:3006, one straight 2-point LineString per feature, column ``id``).
Shared end points are taken from one vertex array, so they are bit-identical.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString

HERE = Path(__file__).resolve().parent
CRS = "EPSG:3006"


def _write(name, vertices, edges):
    vertices = np.asarray(vertices, dtype=float)
    geoms = [LineString([tuple(vertices[a]), tuple(vertices[b])]) for a, b in edges]
    gdf = gpd.GeoDataFrame({"id": np.arange(len(geoms), dtype="int64")}, geometry=geoms, crs=CRS)
    path = HERE / f"{name}.gpkg"
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return gdf


def tiny():
    c30, s30 = np.cos(np.radians(30.0)), np.sin(np.radians(30.0))
    V = {
        "A": (1000.0, 2000.0),  # dead end (west)
        "B": (1100.0, 2000.0),  # T-junction
        "C": (1200.0, 2000.0),  # plus crossing
        "D": (1300.0, 2000.0),  # 30 degree turn
        "Bs": (1100.0, 1900.0),  # dead end (stem of the T)
        "N": (1200.0, 2100.0),  # ring corner (joins the crossing's north arm)
        "S": (1200.0, 1900.0),  # straight continuation (collinear)
        "S2": (1200.0, 1800.0),  # dead end
        "R1": (1300.0, 2100.0),
        "R2": (1300.0, 2200.0),
        "R3": (1200.0, 2200.0),
        "I1": (1500.0, 1800.0),  # isolated segment (own component: node count 1)
        "I2": (1550.0, 1800.0),
    }
    V["E"] = (V["D"][0] + 100.0 * c30, V["D"][1] + 100.0 * s30)  # 30 deg left of east
    V["F"] = (
        V["E"][0] + 60.0 * np.cos(np.radians(-30.0)),
        V["E"][1] + 60.0 * np.sin(np.radians(-30.0)),
    )  # 60 deg right turn, 60 m
    names = list(V)
    idx = {k: i for i, k in enumerate(names)}
    E = [
        ("A", "B"),
        ("B", "C"),
        ("C", "D"),
        ("B", "Bs"),
        ("C", "N"),
        ("C", "S"),
        ("S", "S2"),
        ("D", "E"),
        ("E", "F"),
        ("N", "R1"),
        ("R1", "R2"),
        ("R2", "R3"),
        ("R3", "N"),
        ("I1", "I2"),
    ]
    return _write("tiny", [V[k] for k in names], [(idx[a], idx[b]) for a, b in E])


def grid(seed=20240611, n=12, spacing=100.0, jitter=3.0):
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    xy = np.stack([1000.0 + jj * spacing, 1000.0 + ii * spacing], axis=-1).reshape(-1, 2)
    xy = xy + rng.uniform(-jitter, jitter, size=xy.shape)
    edges = []
    for i in range(n):
        for j in range(n):
            k = i * n + j
            if j + 1 < n:
                edges.append((k, k + 1))
            if i + 1 < n:
                edges.append((k, k + n))
    return _write("grid", xy, edges)


def irregular(seed=7, rings=8, spokes=16, dr=100.0):
    """Jittered radial ('spider web') layout around (2000, 2000)."""
    rng = np.random.default_rng(seed)
    cx, cy = 2000.0, 2000.0
    base = np.linspace(0.0, 2 * np.pi, spokes, endpoint=False) + rng.uniform(-0.15, 0.15, spokes)
    # per-spoke lateral wobble: half of the spokes almost straight (turns < 1 deg), the rest wavy
    wobble = np.where(np.arange(spokes) % 2 == 0, 0.4, 12.0)
    verts = []
    vid = {}
    for r in range(1, rings + 1):
        radius = r * dr + rng.uniform(-10.0, 10.0)
        for s in range(spokes):
            t = base[s]
            lat = rng.uniform(-wobble[s], wobble[s])
            rad = radius + rng.uniform(-3.0, 3.0)
            x = cx + rad * np.cos(t) - lat * np.sin(t)
            y = cy + rad * np.sin(t) + lat * np.cos(t)
            vid[(r, s)] = len(verts)
            verts.append((x, y))
    edges = []
    # radial segments between consecutive rings
    for r in range(1, rings):
        for s in range(spokes):
            edges.append((vid[(r, s)], vid[(r + 1, s)]))
    # ring segments; ring 1 is a closed roundabout, outer rings lose some links
    for r in range(1, rings + 1):
        for s in range(spokes):
            if r > 2 and rng.random() < 0.25:
                continue
            edges.append((vid[(r, s)], vid[((r), (s + 1) % spokes)]))
    # dead-end stubs pointing outwards from the outer ring at varied angles
    for s in range(0, spokes, 2):
        (a,) = [vid[(rings, s)]]
        x, y = verts[a]
        t = base[s] + rng.uniform(-0.6, 0.6)
        L = rng.uniform(30.0, 90.0)
        verts.append((x + L * np.cos(t), y + L * np.sin(t)))
        edges.append((a, len(verts) - 1))
    # remove a few inner radial links to create dead-end spokes (keep graph connected by rings)
    drop = set(rng.choice(len(edges) // 3, size=6, replace=False).tolist())
    edges = [e for k, e in enumerate(edges) if k not in drop]
    return _write("irregular", verts, edges)


if __name__ == "__main__":
    for f in (tiny, grid, irregular):
        g = f()
        print(f.__name__, len(g))

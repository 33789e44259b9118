"""Test networks for the segment-analysis benchmark.

Every network is returned as an ``(n, 4)`` float array of straight 2-point
segments ``x1, y1, x2, y2`` (metres, EPSG:3006 for the generated city), with
coordinates on a 0.1 m grid, no zero-length and no duplicate segments. That is
the one input every tool receives: stadsrum takes it with ``prepare="none"``,
PST joins bit-identical end points, cityseer rounds to 0.1 m (a no-op here).

- :func:`helsinki` -- the sample city's walking network, one segment per
  straight piece between vertices (``segment_graph(split="vertex")``, ~6.7k);
  :func:`helsinki_edges` gives its ~3.5k road-centre-line edges (polylines,
  stadsrum and cityseer only).
- :func:`generated_city` -- a seeded, perturbed street grid with two diagonal
  avenues, a river (a band with no streets but a few bridges), a railway (a
  line crossed at a few level crossings) and some missing streets and
  mid-block vertices, sized to a target number of segments.

Run ``python benchmarks/networks.py`` to print the sizes and generation times.
"""

from __future__ import annotations

import math
import time

import numpy as np

CRS = "EPSG:3006"  # SWEREF 99 TM
ORIGIN = (674_000.0, 6_580_000.0)  # around Stockholm; nowhere near (0, 0)

SIZES = {"5k": 5_000, "20k": 20_000, "100k": 100_000}


def clean(coords: np.ndarray) -> np.ndarray:
    """Round to 0.1 m, drop zero-length and duplicate (either direction) segments."""
    c = np.round(np.asarray(coords, dtype=np.float64).reshape(-1, 4), 1)
    c = c[(c[:, 0] != c[:, 2]) | (c[:, 1] != c[:, 3])]
    a, b = c[:, :2], c[:, 2:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    key = np.where(swap[:, None], np.hstack([b, a]), c)
    _, first = np.unique(key, axis=0, return_index=True)
    return c[np.sort(first)]


def _grid_city(side: int, seed: int, spacing: float) -> np.ndarray:
    """One generated city on a ``side`` x ``side`` node grid (see module docs)."""
    rng = np.random.default_rng(seed)
    s = side
    ii, jj = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")  # i: column (x), j: row (y)
    jitter = rng.uniform(-0.18, 0.18, size=(s, s, 2)) * spacing
    # a gentle large-scale warp so streets are not all parallel
    warp_x = 0.25 * spacing * np.sin(jj / 7.0 + 0.5)
    warp_y = 0.25 * spacing * np.sin(ii / 9.0 + 1.3)
    x = ORIGIN[0] + ii * spacing + jitter[..., 0] + warp_x
    y = ORIGIN[1] + jj * spacing + jitter[..., 1] + warp_y
    node_xy = np.stack([x, y], axis=-1).reshape(-1, 2)

    def nid(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return i * s + j

    # river: rows river_j0 .. river_j0+1 hold no nodes; bridges at a few columns
    river_j0 = round(s * 0.58)
    river_rows = {river_j0, river_j0 + 1}
    n_bridges = int(np.clip(s // 40 + 2, 2, 4))
    bridge_cols = set(np.linspace(s * 0.15, s * 0.85, n_bridges).round().astype(int).tolist())
    # railway: between columns rail_i0 and rail_i0 + 1, crossed at a few rows
    rail_i0 = round(s * 0.33)
    n_cross = int(np.clip(s // 20 + 2, 3, 8))
    rail_rows = set(np.linspace(s * 0.08, s * 0.92, n_cross).round().astype(int).tolist())

    def alive(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        in_river = np.isin(j, list(river_rows))
        return ~in_river | np.isin(i, list(bridge_cols))

    edges = []
    # horizontal streets (i, j) - (i + 1, j)
    i, j = ii[:-1, :].ravel(), jj[:-1, :].ravel()
    keep = alive(i, j) & alive(i + 1, j) & ~np.isin(j, list(river_rows))
    keep &= ~((i == rail_i0) & ~np.isin(j, list(rail_rows)))  # only level crossings cross
    edges.append(np.column_stack([nid(i, j), nid(i + 1, j)])[keep])
    # vertical streets (i, j) - (i, j + 1)
    i, j = ii[:, :-1].ravel(), jj[:, :-1].ravel()
    keep = alive(i, j) & alive(i, j + 1)
    edges.append(np.column_stack([nid(i, j), nid(i, j + 1)])[keep])
    # two diagonal avenues through grid nodes
    for di in (1, -1):
        k = np.arange(s - 1)
        i0 = k if di == 1 else (s - 1 - k)
        i1 = i0 + di
        j0, j1 = k, k + 1
        keep = alive(i0, j0) & alive(i1, j1)
        keep &= ~(np.isin(j0, list(river_rows)) | np.isin(j1, list(river_rows)))
        crosses_rail = np.minimum(i0, i1) == rail_i0
        keep &= ~crosses_rail  # the avenues stop at the railway
        edges.append(np.column_stack([nid(i0, j0), nid(i1, j1)])[keep])
    e = np.vstack(edges)
    # some missing streets (not the avenues or bridges: only grid streets)
    n_grid = len(edges[0]) + len(edges[1])
    drop = np.zeros(len(e), dtype=bool)
    drop[:n_grid] = rng.random(n_grid) < 0.07
    e = e[~drop]

    a, b = node_xy[e[:, 0]], node_xy[e[:, 1]]
    # a third of the streets get a mid-block vertex, slightly off the straight line
    mid = rng.random(len(e)) < 0.33
    m = 0.5 * (a[mid] + b[mid])
    d = b[mid] - a[mid]
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    m = m + normal * rng.uniform(-0.04, 0.04, size=(len(m), 1)) * spacing
    pieces = [
        np.hstack([a[~mid], b[~mid]]),
        np.hstack([a[mid], m]),
        np.hstack([m, b[mid]]),
    ]
    return clean(np.vstack(pieces))


def generated_city(n_segments: int = 20_000, seed: int = 42, spacing: float = 90.0) -> np.ndarray:
    """A seeded generated city of about ``n_segments`` straight segments (EPSG:3006)."""
    side = max(8, round(math.sqrt(n_segments / 2.6)))
    coords = _grid_city(side | 1, seed, spacing)
    side = max(8, round(side * math.sqrt(n_segments / len(coords))))
    # an odd side makes the two avenues meet at a grid node: the network stays planar
    return _grid_city(side | 1, seed, spacing)


def _helsinki_network():
    import stadsrum as sr

    return sr.read_network(sr.sample_data_dir() / "helsinki.osm.pbf")


def helsinki() -> tuple[np.ndarray, str]:
    """The sample city as straight pieces between vertices (~6.7k segments) and its CRS."""
    import shapely

    net = _helsinki_network()
    g = net.segment_graph(split="vertex")
    xy = shapely.get_coordinates(np.asarray(g.geometry, dtype=object)).reshape(-1, 4)
    return clean(xy), str(net.edges.crs)


def helsinki_edges():
    """The sample city's prepared network edges (~3.5k polylines) as a GeoDataFrame."""
    return _helsinki_network().edges


def network(name: str) -> tuple[np.ndarray, str]:
    """A benchmark network: ``helsinki``, ``city5k``, ``city20k``, ``city100k`` (any ``cityNk``)."""
    if name == "helsinki":
        return helsinki()
    size = name[4:].lower()
    if name.startswith("city") and size.endswith("k") and size[:-1].replace(".", "").isdigit():
        return generated_city(SIZES.get(size, round(float(size[:-1]) * 1000))), CRS
    raise ValueError(f"unknown network '{name}': helsinki or city{'/city'.join(SIZES)}")


def to_gdf(coords: np.ndarray, crs: str):
    """The segments as a GeoDataFrame of 2-point LineStrings."""
    import geopandas as gpd
    import shapely

    lines = shapely.linestrings(coords.reshape(-1, 2, 2))
    return gpd.GeoDataFrame({"seg": np.arange(len(coords))}, geometry=lines, crs=crs)


if __name__ == "__main__":
    for name in ["helsinki", "city5k", "city20k", "city100k"]:
        t0 = time.perf_counter()
        c, crs = network(name)
        dt = time.perf_counter() - t0
        length = np.hypot(c[:, 2] - c[:, 0], c[:, 3] - c[:, 1])
        print(f"{name:9s} {len(c):7d} segments  mean {length.mean():5.1f} m  {crs}  {dt:.2f} s")

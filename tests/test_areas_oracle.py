"""People and areas against a brute-force networkx oracle on seeded random towns.

The oracle knows nothing of stadsrum's searches: it splits every street at the
feet of the resident points, the key nodes and the street's midpoint (found
with shapely, nearest street by brute force), runs networkx's Dijkstra from
every foot over the whole town and applies the definitions of docs/areas.md
to the full resident-by-resident distance matrix.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.measures.areas import area_analysis, segregation_indices
from stadsrum.report.areas import city_mean_walk

SPEED = 100 / 60  # 100 m a minute
THRESHOLDS = (3.0, 6.0)
ENVIRONMENTS = (2.0, 5.0)
GROUPS = ["g1", "g2", "g3"]


def _town(seed: int):
    rng = np.random.default_rng(seed)
    step, n = 80.0, 6
    lines = []
    for i in range(n):
        for j in range(n):
            if i + 1 < n and rng.random() > 0.2:
                lines.append([(i * step, j * step), ((i + 1) * step, j * step)])
            if j + 1 < n and rng.random() > 0.2:
                lines.append([(i * step, j * step), (i * step, (j + 1) * step)])
    # an island the town's streets do not reach: its residents reach nobody else
    lines += [[(560, 0), (640, 0)], [(640, 0), (640, 80)]]
    net = prepare_network(make_lines(lines), components="all")
    k = 45
    xy = rng.uniform(0, (n - 1) * step, size=(k, 2))
    xy[-4:] = rng.uniform([570, 5], [630, 75], size=(4, 2))
    counts = rng.integers(0, 9, size=(k, 3)).astype(float)
    counts[:5, 1:] = 0  # a few one-group points
    pop = gpd.GeoDataFrame(
        dict(zip(GROUPS, counts.T, strict=True)),
        geometry=shapely.points(xy + np.array([X0, Y0])),
        crs=SWEREF,
    )
    half = (n - 1) * step / 2
    # three districts, the south-east one with the island; the north-east quarter is in none
    boxes = [(0, 0, half, half), (half, 0, 700, half), (0, half, half, 2 * half)]
    areas = gpd.GeoDataFrame(
        {"district": ["sw", "se", "nw"]},
        geometry=[shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes],
        crs=SWEREF,
    )
    nxy = rng.uniform(0, (n - 1) * step, size=(6, 2))
    nodes = gpd.GeoDataFrame(
        {"kind": ["school", "shop"] * 3},
        geometry=shapely.points(nxy + np.array([X0, Y0])),
        crs=SWEREF,
    )
    return net, pop, areas, nodes


class _Oracle:
    """Feet on the nearest street, a networkx graph split at them, all distances."""

    def __init__(self, net, points: np.ndarray, nodes: np.ndarray) -> None:
        lines = np.asarray(net.edges.geometry.array, dtype=object)
        self.lines = lines
        g = nx.Graph()
        stops: dict[int, list[tuple[float, object]]] = {k: [] for k in range(len(lines))}

        def foot(p, key):
            dist = shapely.distance(lines, p)
            k = int(np.argmin(dist))
            stops[k].append((float(lines[k].project(p)), key))
            return float(dist[k])

        self.point_link = np.array([foot(p, ("pt", i)) for i, p in enumerate(points)])
        self.node_link = np.array([foot(p, ("node", i)) for i, p in enumerate(nodes)])
        for k, line in enumerate(lines):
            stops[k].append((line.length / 2, ("mid", k)))
            a, b = line.coords[0], line.coords[-1]
            chain = [(0.0, ("j", round(a[0], 3), round(a[1], 3)))]
            chain += sorted(stops[k], key=lambda s: s[0])
            chain.append((line.length, ("j", round(b[0], 3), round(b[1], 3))))
            for (p0, n0), (p1, n1) in itertools.pairwise(chain):
                w = p1 - p0
                if g.has_edge(n0, n1):
                    w = min(w, g[n0][n1]["weight"])
                g.add_edge(n0, n1, weight=w)
        self.graph = g
        n = len(points)
        self.d = np.full((n, n), np.inf)  # resident to resident, metres
        self.to_mid = np.full((n, len(lines)), np.inf)
        self.to_node = np.full((n, len(nodes)), np.inf)
        for i in range(n):
            dist = nx.single_source_dijkstra_path_length(g, ("pt", i))
            li = self.point_link[i]
            for j in range(n):
                if ("pt", j) in dist:
                    self.d[i, j] = li + dist[("pt", j)] + self.point_link[j]
            self.d[i, i] = 0.0
            for k in range(len(lines)):
                if ("mid", k) in dist:
                    self.to_mid[i, k] = li + dist[("mid", k)]
            for k in range(len(nodes)):
                if ("node", k) in dist:
                    self.to_node[i, k] = li + dist[("node", k)] + self.node_link[k]


def _area_of(areas: gpd.GeoDataFrame, geoms: np.ndarray) -> np.ndarray:
    polys = np.asarray(areas.geometry.array, dtype=object)
    out = np.full(len(geoms), -1)
    for i, p in enumerate(geoms):
        hit = np.where(shapely.intersects(polys, p))[0]
        if len(hit):
            out[i] = hit[0]
    return out


@pytest.mark.parametrize("seed", [3, 11])
def test_every_column_against_networkx(seed: int) -> None:
    net, pop, areas, nodes = _town(seed)
    r = area_analysis(
        net,
        pop,
        groups=GROUPS,
        areas=areas,
        area_id="district",
        nodes=nodes,
        node_category="kind",
        thresholds=THRESHOLDS,
        environment=ENVIRONMENTS,
        speed=SPEED,
        threads=1,
    )
    o = _Oracle(net, np.asarray(pop.geometry.array), np.asarray(nodes.geometry.array))
    counts = pop[GROUPS].to_numpy()
    p = counts.sum(axis=1)
    area = _area_of(areas, np.asarray(pop.geometry.array))
    ids = areas["district"].to_numpy()
    assert r.population["link_m"].to_numpy() == pytest.approx(o.point_link, abs=1e-6)
    got_area = [None if pd.isna(v) else v for v in r.population["area_id"]]
    assert got_area == [ids[a] if a >= 0 else None for a in area]

    # area accessibility: minutes to the nearest node of each category
    kinds = nodes["kind"].to_numpy()
    for cat in ("school", "shop"):
        t = o.to_node[:, kinds == cat].min(axis=1) / SPEED / 60
        for a, name in enumerate(ids):
            mine = area == a
            row = r.areas.set_index("area_id").loc[name]
            ok = mine & np.isfinite(t)
            assert row[f"mean_min_{cat}"] == pytest.approx(np.sum(p[ok] * t[ok]) / p[ok].sum())
            assert row[f"unreached_{cat}"] == pytest.approx(p[mine & ~np.isfinite(t)].sum())
            for gi, gname in enumerate(GROUPS):
                lost = counts[mine & ~np.isfinite(t), gi].sum()
                assert row[f"unreached_{cat}_{gname}"] == pytest.approx(lost)
        # the report's city-wide walk per group: every resident in an area who reaches one
        # (the island's residents in se reach none and must not pull se's weight)
        assert (~np.isfinite(t[area >= 0])).any()
        for gi, gname in enumerate(GROUPS):
            ok = (area >= 0) & np.isfinite(t)
            w = counts[:, gi]
            expected = np.sum(w[ok] * t[ok]) / w[ok].sum()
            assert city_mean_walk(r.areas, cat, gname) == pytest.approx(expected)
            for limit in THRESHOLDS:
                share = p[mine & (t <= limit)].sum() / p[mine].sum()
                assert row[f"share_{cat}_{limit:g}min"] == pytest.approx(share)
                for gi, gname in enumerate(GROUPS):
                    w = counts[:, gi]
                    expected = w[mine & (t <= limit)].sum() / w[mine].sum()
                    assert row[f"share_{cat}_{limit:g}min_{gname}"] == pytest.approx(expected)

    # area to area: population-weighted mean distance over pairs with a path
    m = r.area_matrix.set_index(["from_area", "to_area"])
    for a, an in enumerate(ids):
        for b, bn in enumerate(ids):
            w = np.outer(p * (area == a), p * (area == b))
            reached = np.isfinite(o.d)
            mean = np.sum(w[reached] * o.d[reached]) / w[reached].sum()
            assert m.loc[(an, bn), "mean_m"] == pytest.approx(mean)
            assert m.loc[(an, bn), "unreached_share"] == pytest.approx(
                1 - w[reached].sum() / w.sum(), abs=1e-12
            )

    # potential co-presence per segment
    mids = shapely.line_interpolate_point(o.lines, 0.5, normalized=True)
    seg_area = _area_of(areas, mids)
    c = r.copresence
    for limit in THRESHOLDS:
        inside = o.to_mid <= limit * 60 * SPEED + 1e-9  # (residents, segments)
        reach = p @ inside
        assert c[f"reach_pop_{limit:g}min"].to_numpy() == pytest.approx(reach)
        per_group = counts.T @ inside  # (groups, segments)
        for gi, gname in enumerate(GROUPS):
            assert c[f"reach_{gname}_{limit:g}min"].to_numpy() == pytest.approx(per_group[gi])
        n_areas = [
            len({area[i] for i in np.where(inside[:, s])[0] if area[i] >= 0})
            for s in range(len(o.lines))
        ]
        assert c[f"reach_areas_{limit:g}min"].tolist() == n_areas
        other = np.array(
            [
                p[inside[:, s] & (area != seg_area[s])].sum() / reach[s]
                if reach[s] > 0 and seg_area[s] >= 0
                else np.nan
                for s in range(len(o.lines))
            ]
        )
        np.testing.assert_allclose(c[f"other_area_share_{limit:g}min"], other, rtol=1e-9)
        with np.errstate(invalid="ignore", divide="ignore"):
            pi = per_group / reach
            ent = -np.nansum(np.where(pi > 0, pi * np.log(pi), 0.0), axis=0) / np.log(3)
        np.testing.assert_allclose(
            c[f"mix_{limit:g}min"], np.where(reach > 0, ent, np.nan), atol=1e-12
        )
        # balanced reach of every segment: the least-reached group's share of its whole
        balanced = (per_group / counts.sum(axis=0)[:, None]).min(axis=0)
        sites = r.meeting_sites.set_index("site_id")
        got = sites.loc[[str(s) for s in range(len(o.lines))], f"balanced_reach_{limit:g}min"]
        np.testing.assert_allclose(got, balanced, rtol=1e-9)

    # local environments and the network indices built on them
    seg = r.segregation.set_index(["index", "group", "scale"])["value"]
    for minutes in ENVIRONMENTS:
        near = o.d <= minutes * 60 * SPEED + 1e-9
        env = near.astype(float) @ counts  # (residents, groups)
        for gi, gname in enumerate(GROUPS):
            with np.errstate(invalid="ignore", divide="ignore"):
                expected = env[:, gi] / env.sum(axis=1)
            np.testing.assert_allclose(
                r.population[f"local_share_{gname}_{minutes:g}min"], expected, rtol=1e-9
            )
        for index, group, value in segregation_indices(counts, GROUPS, environment=env):
            assert seg[index, group, f"network_{minutes:g}min"] == pytest.approx(value)
    by_area = np.array([counts[area == a].sum(axis=0) for a in range(len(ids))])
    for index, group, value in segregation_indices(by_area, GROUPS):
        assert seg[index, group, "areas"] == pytest.approx(value)


def test_same_results_with_one_and_two_threads() -> None:
    net, pop, areas, nodes = _town(5)
    kw = dict(
        groups=GROUPS,
        areas=areas,
        area_id="district",
        nodes=nodes,
        node_category="kind",
        thresholds=THRESHOLDS,
        environment=ENVIRONMENTS,
        speed=SPEED,
    )
    one = area_analysis(net, pop, threads=1, **kw)
    two = area_analysis(net, pop, threads=2, **kw)
    for name, layer in one.layers.items():
        pd.testing.assert_frame_equal(
            pd.DataFrame(layer), pd.DataFrame(two.layers[name]), check_exact=True, obj=name
        )


@pytest.mark.parametrize("seed", [3, 8])
def test_bounded_searches_against_networkx(seed: int) -> None:
    """Without areas each resident's search stops at the largest threshold or
    environment (6 minutes = 600 m here): co-presence, environments and meeting-site
    reach from a site layer must still equal the oracle's full-town distances."""
    net, pop, _, nodes = _town(seed)
    r = area_analysis(
        net,
        pop,
        groups=GROUPS,
        sites=nodes,
        thresholds=THRESHOLDS,
        environment=ENVIRONMENTS,
        speed=SPEED,
        threads=2,
    )
    o = _Oracle(net, np.asarray(pop.geometry.array), np.asarray(nodes.geometry.array))
    counts = pop[GROUPS].to_numpy()
    p = counts.sum(axis=1)
    for limit in THRESHOLDS:
        inside = o.to_mid <= limit * 60 * SPEED + 1e-9
        assert r.copresence[f"reach_pop_{limit:g}min"].to_numpy() == pytest.approx(p @ inside)
        for gi, gname in enumerate(GROUPS):
            got = r.copresence[f"reach_{gname}_{limit:g}min"].to_numpy()
            assert got == pytest.approx(counts[:, gi] @ inside)
        # sites: residents within the threshold of each node point (both links walked)
        near = o.to_node <= limit * 60 * SPEED + 1e-9  # (residents, sites)
        sites = r.meeting_sites.set_index("site_id")
        got = sites.loc[[str(k) for k in range(len(nodes))], f"reach_pop_{limit:g}min"]
        np.testing.assert_allclose(got, p @ near)
    for minutes in ENVIRONMENTS:
        env = (o.d <= minutes * 60 * SPEED + 1e-9).astype(float) @ counts
        for gi, gname in enumerate(GROUPS):
            with np.errstate(invalid="ignore", divide="ignore"):
                expected = env[:, gi] / env.sum(axis=1)
            np.testing.assert_allclose(
                r.population[f"local_share_{gname}_{minutes:g}min"], expected, rtol=1e-9
            )

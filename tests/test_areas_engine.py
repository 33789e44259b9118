"""The shared resident searches against the one-search-per-resident reference.

``_resident_searches`` runs one junction search per segment end of a chunk of
neighbouring populated segments (or one per resident where a chunk has fewer
residents than segment ends) and adds everybody's sums from those. The
reference here is the implementation it replaced: one segment-state search
(:meth:`AccessGraph.reach_search`) from every resident point over the whole
network (or to the largest threshold), and each target's distance read from
the arrival costs at the ends of its segment. The two add the same numbers in
different orders, so they agree to float rounding (1e-9 relative), and
``reach_areas`` exactly.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.io.population import read_population
from stadsrum.measures.areas import analysis as engine
from stadsrum.progress import as_progress

SPEED = 100 / 60  # 100 m a minute
LIMITS = [3.0, 6.0, 9.0]
ENVS = [2.0, 5.0]
GROUPS = ["g1", "g2", "g3"]


def _town(seed: int):
    """A 10 x 10 grid of 70 m blocks with streets missing at random, an island, some
    crowded streets in the south-west (many residents per segment: searched from the
    segment ends) and scattered residents elsewhere (searched one by one), in four
    districts that leave the north-east outside every district."""
    rng = np.random.default_rng(seed)
    step, n = 70.0, 10
    lines = []
    for i in range(n):
        for j in range(n):
            if i + 1 < n and rng.random() > 0.15:
                lines.append([(i * step, j * step), ((i + 1) * step, j * step)])
            if j + 1 < n and rng.random() > 0.15:
                lines.append([(i * step, j * step), (i * step, (j + 1) * step)])
    lines += [[(800, 0), (900, 0)], [(900, 0), (900, 90)]]  # the island
    net = prepare_network(make_lines(lines), components="all")
    scattered = rng.uniform(0, (n - 1) * step, size=(50, 2))
    crowded = []
    for _ in range(12):  # a street in the south-west with 4 to 9 residents along one side
        x, y = rng.integers(0, 4, 2) * step
        k = int(rng.integers(4, 10))
        crowded += [(x + t, y + 8.0) for t in np.linspace(5, step - 5, k)]
    island = rng.uniform([810, 5], [890, 85], size=(5, 2))
    xy = np.vstack([scattered, np.asarray(crowded), island])
    counts = rng.integers(0, 7, size=(len(xy), 3)).astype(float)
    pop = gpd.GeoDataFrame(
        dict(zip(GROUPS, counts.T, strict=True)),
        geometry=shapely.points(xy + np.array([X0, Y0])),
        crs=SWEREF,
    )
    half = (n - 1) * step / 2
    boxes = [(0, 0, half, half), (half, 0, 950, half), (0, half, half, 2 * half), (-5, -5, 40, 40)]
    areas = gpd.GeoDataFrame(
        {"district": ["sw", "se", "nw", "corner"]},
        geometry=[shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes],
        crs=SWEREF,
    )
    return net, pop, areas


def _context(seed: int) -> engine._Context:
    net, pop, areas = _town(seed)
    people = read_population(pop, crs=net.crs, total=None, groups=GROUPS, streets=net.edges)
    ctx = engine._Context.build(net, people, 200.0, SPEED, [], as_progress(None))
    ctx.assign_areas(areas, whole_city=False)
    return ctx


def _reference(ctx: engine._Context, need_matrix: bool) -> engine._Walk:
    """One state search per resident, as before the shared searches (plain Python)."""
    n, s, g = ctx.n_points, ctx.n_segments, ctx.group_counts.shape[1]
    t_m = np.asarray(LIMITS) * 60 * SPEED
    r_m = np.asarray(ENVS) * 60 * SPEED
    limit = np.inf if need_matrix else max(t_m[-1], r_m[-1])
    a1 = ctx.n_areas + 1
    walk = engine._Walk(
        env=np.zeros((len(ENVS), n, g)),
        reach=np.zeros((len(LIMITS), s)),
        reach_g=np.zeros((len(LIMITS), s, g)),
        other=np.zeros((len(LIMITS), s)),
        seen=np.zeros((len(LIMITS), s, ctx.n_areas), dtype=bool),
        pair_m=np.zeros((a1, a1)),
        pair_w=np.zeros((a1, a1)),
    )
    for r in range(len(ENVS)):
        walk.env[r, ~ctx.linked] = ctx.group_counts[~ctx.linked]
    length = ctx.graph.length
    scratch = ctx.scratch(1)
    for i in np.flatnonzero(ctx.linked):
        e, q, li = ctx.edge[i], ctx.pos[i], ctx.link[i]
        segs, at0, at1 = ctx.graph.reach_search(
            (ctx.edge[i : i + 1], ctx.pos[i : i + 1], ctx.link[i : i + 1]), limit, scratch
        )
        tgt, dist, mids, mid_m = [], [], [], []
        for f, c0, c1 in zip(segs, at0, at1, strict=True):
            half = length[f] / 2
            dm = min(c0 + half, c1 + half, li + abs(half - q) if f == e else np.inf)
            mids.append(f)
            mid_m.append(dm)
            for j in ctx.pt_index[ctx.pt_ptr[f] : ctx.pt_ptr[f + 1]]:
                qj = ctx.pos[j]
                d = min(c0 + qj, c1 + length[f] - qj, li + abs(qj - q) if f == e else np.inf)
                tgt.append(j)
                dist.append(0.0 if j == i else d + ctx.link[j])
        tgt_a, d_a = np.asarray(tgt, dtype=np.int64), np.asarray(dist)
        for r, radius in enumerate(r_m):
            near = tgt_a[d_a <= radius + 1e-9 * (1 + radius)]
            walk.env[r, i] = ctx.group_counts[near].sum(axis=0)
        p, a = ctx.total[i], ctx.area_of[i]
        for t, lim in enumerate(t_m):
            within = np.asarray(mids)[np.asarray(mid_m) <= lim + 1e-9 * (1 + lim)]
            walk.reach[t, within] += p
            walk.reach_g[t, within] += ctx.group_counts[i]
            other = within[(ctx.seg_area[within] >= 0) & (ctx.seg_area[within] != a)]
            walk.other[t, other] += p
            if a >= 0:
                walk.seen[t, within, a] = True
        if need_matrix:
            ok = np.isfinite(d_a)
            w = ctx.total[tgt_a[ok]]
            cols = ctx.area_of[tgt_a[ok]] + 1
            walk.pair_m[a + 1] += p * np.bincount(cols, weights=w * d_a[ok], minlength=a1)
            walk.pair_w[a + 1] += p * np.bincount(cols, weights=w, minlength=a1)
    return walk


def _assert_same(new: engine._Walk, ref: engine._Walk) -> None:
    for name in ("env", "reach", "reach_g", "other", "pair_m", "pair_w"):
        np.testing.assert_allclose(getattr(new, name), getattr(ref, name), rtol=1e-9, err_msg=name)
    assert np.array_equal(new.seen, ref.seen)


@pytest.mark.parametrize("need_matrix", [True, False])
@pytest.mark.parametrize("seed", [1, 4])
def test_shared_searches_equal_one_search_per_resident(seed: int, need_matrix: bool) -> None:
    ctx = _context(seed)
    # both ways of searching occur: chunks searched from their segment ends, and
    # chunks (here: a few of the scattered residents) searched resident by resident
    segs, ptr = engine._chunks(ctx, ctx.pt_ptr, engine.CHUNK_JUNCTIONS)
    ways = set()
    for c in range(len(ptr) - 1):
        chunk = segs[ptr[c] : ptr[c + 1]]
        ends = len(np.unique(np.r_[ctx.graph.u[chunk], ctx.graph.v[chunk]]))
        ways.add(ends <= int(np.diff(ctx.pt_ptr)[chunk].sum()))
    assert ways == {True, False}
    new = engine._resident_searches(
        ctx, LIMITS, ENVS, need_matrix=need_matrix, threads=1, progress=as_progress(None)
    )
    ref = _reference(ctx, need_matrix)
    _assert_same(new, ref)
    assert new.pair_w.sum() > 0 if need_matrix else new.pair_w.sum() == 0
    assert new.reach[-1].max() > 0
    assert new.seen.any()


def test_small_chunks_and_threads_give_the_same_bits(monkeypatch) -> None:
    """Many small chunks on two threads: the same numbers as the reference, and the
    same bits as one thread (the sums are added in chunk order)."""
    ctx = _context(7)
    monkeypatch.setattr(engine, "CHUNK_POINTS", 5)
    runs = [
        engine._resident_searches(
            ctx, LIMITS, ENVS, need_matrix=True, threads=t, progress=as_progress(None)
        )
        for t in (1, 2)
    ]
    _assert_same(runs[0], _reference(ctx, True))
    for name in ("env", "reach", "reach_g", "other", "seen", "pair_m", "pair_w"):
        assert np.array_equal(getattr(runs[0], name), getattr(runs[1], name)), name

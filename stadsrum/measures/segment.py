"""Space syntax segment analysis: integration, choice and their relatives.

Definitions follow ``docs/measures.md``: the search runs over directed
segment states (no U-turn inside a segment), every origin starts at depth 0
and expands from both ends, and radii are metric, midpoint to midpoint,
inclusive. One traversal per origin and cost computes every measure at every
radius.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from stadsrum.errors import InputError, NetworkError
from stadsrum.measures._parallel import thread_count
from stadsrum.measures.naming import (
    RADIUS_KINDS,
    Radius,
    input_renames,
    parse_costs,
    parse_radius_specs,
    renamed_note,
    segment_column,
)
from stadsrum.network.inputs import check_network
from stadsrum.network.model import StreetNetwork
from stadsrum.network.segments import SegmentGraph
from stadsrum.options import DEFAULT_SPEED, check_options
from stadsrum.progress import ProgressLike, as_progress, check_cancelled, compile_notice

__all__ = ["SEGMENT_MEASURES", "SegmentCosts", "segment_analysis", "segment_measures"]

log = logging.getLogger(__name__)

SEGMENT_MEASURES = (
    "node_count",
    "total_depth",
    "mean_depth",
    "integration",
    "nain",
    "choice",
    "nach",
    "reach_length",
    "total_depth_wl",
    "integration_wl",
    "choice_wl",
    "harmonic",
)
_CHOICE_MEASURES = {"choice", "nach", "choice_wl"}

RadiusMode = Literal["catchment", "route"]


@dataclass(frozen=True)
class SegmentCosts:
    """Transition costs of one cost type, as the kernel takes them."""

    tcost: np.ndarray
    depth_scale: float
    harmonic_offset: float
    metric: bool


def transition_costs(
    graph: SegmentGraph,
    cost: str,
    *,
    tulip_bins: int = 0,
    step_threshold: float = 0.0,
    speed: float = DEFAULT_SPEED,
) -> SegmentCosts:
    """Per-transition cost for ``cost`` (``MEASURES.md``), and how to report depths.

    angular: turn/90 (depthmapX's 0–2 scale), or with ``tulip_bins`` the
    integer bin count ``floor(turn·tb/180)`` with ``tb = bins/2 + 1``, reported
    as steps/((tb−1)/2); metric: metres between midpoints; time: minutes at
    ``speed`` m/s; steps: 1 for a move turning at least ``step_threshold``
    degrees (every move when 0).
    """
    tlen = transition_lengths(graph)
    if cost == "angular":
        if tulip_bins:
            if tulip_bins < 4 or tulip_bins % 2:
                raise InputError("tulip_bins must be an even number of at least 4 (e.g. 1024)")
            tb = tulip_bins // 2 + 1
            steps = np.floor(graph.turn_deg * tb / 180.0 + 1e-9)
            return SegmentCosts(steps, 1.0 / ((tb - 1) / 2), 1.0, False)
        return SegmentCosts(graph.turn_deg / 90.0, 1.0, 1.0, False)
    if cost == "metric":
        return SegmentCosts(tlen, 1.0, 0.0, True)
    if cost == "time":
        if not speed > 0:
            raise InputError("speed must be positive (metres per second)")
        return SegmentCosts(tlen / (speed * 60.0), 1.0, 0.0, True)
    if cost == "steps":
        if not 0 <= step_threshold <= 180:
            raise InputError("step_threshold must be between 0 and 180 degrees")
        moves = (graph.turn_deg >= step_threshold).astype(np.float64)
        return SegmentCosts(moves, 1.0, 1.0, False)
    raise InputError(f"unknown cost '{cost}'")


def transition_lengths(graph: SegmentGraph) -> np.ndarray:
    """Metres from one segment's midpoint to the next one's, per transition."""
    return 0.5 * (graph.length[graph.src >> 1] + graph.length[graph.dst >> 1])


def segment_measures(
    graph: SegmentGraph,
    *,
    cost: str = "angular",
    radii: Sequence[float | str | Radius] = (math.inf,),
    radius_mode: RadiusMode = "catchment",
    measures: Iterable[str] | None = None,
    weights: np.ndarray | None = None,
    tulip_bins: int = 0,
    step_threshold: float = 0.0,
    speed: float = DEFAULT_SPEED,
    threads: int | None = None,
    batch_size: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> dict[str, np.ndarray]:
    """Segment measures of one cost at several radii, as arrays keyed by column name.

    The engine behind :func:`segment_analysis`; takes a :class:`SegmentGraph`
    and returns ``{"integration_angular_r800": array, ...}`` in segment order.
    With a Dask ``client`` the origins run as tasks on its cluster
    (:mod:`stadsrum.distributed`; ``batch_size`` is then origins per task).
    ``radii`` may be typed (:class:`~stadsrum.measures.naming.Radius`,
    ``"straight:500"``): each type is searched as its own group of radii.
    """
    import numba

    from stadsrum.kernels.search import TOL, StateGraph, undirected_exact
    from stadsrum.kernels.segment import (
        N_SUMS,
        SegmentSettings,
        reverse_moves,
        segment_chunk,
        segment_scratch,
    )

    progress = as_progress(progress)
    measures = None if measures is None else list(measures)  # a generator is read once
    _check_choices(radius_mode=radius_mode, measures=measures, tulip_bins=tulip_bins)
    wanted = list(SEGMENT_MEASURES if measures is None else measures)
    specs = parse_radius_specs(radii)  # walking first, then each type, ascending
    radii_arr = np.asarray([r.limit for r in specs], dtype=np.float64)
    n = graph.n_segments
    if n == 0:
        raise NetworkError("the network has no segments")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
        raise InputError("weights must be one finite, non-negative number per segment")
    costs = transition_costs(
        graph, cost, tulip_bins=tulip_bins, step_threshold=step_threshold, speed=speed
    )
    tlen = transition_lengths(graph)
    want_choice = bool(_CHOICE_MEASURES & set(wanted))
    if client is not None and any(not r.is_walking for r in specs):
        # the cluster's tiles take their halos in walking metres, which bound no
        # other type's catchment (two steps can span a city)
        raise InputError(
            "radius types (" + ", ".join(r.spec for r in specs if not r.is_walking) + ") run on "
            "this machine only: leave out the scheduler, or give walking radii"
        )
    if client is not None:  # before the local engine's per-thread arrays are allocated
        from stadsrum.distributed import segment_sums
        from stadsrum.tiles import segment_points

        progress.start(f"segment analysis ({cost})", n)
        sums, choice, choice_wl = segment_sums(
            client,
            n_segments=n,
            radii=radii_arr,
            catchment=radius_mode == "catchment",
            metric_cost=costs.metric,
            has_free_moves=bool((costs.tcost <= TOL).any()),
            indptr=graph.indptr.astype(np.int32),
            dst=graph.dst.astype(np.int32),
            tcost=costs.tcost,
            tlen=tlen,
            seglen=graph.length,
            weight=w,
            depth_scale=costs.depth_scale,
            harmonic_offset=costs.harmonic_offset,
            want_choice=want_choice,
            chunk_size=batch_size or None,
            progress=progress,
            xy=segment_points(graph.geometry),  # orders the origins into compact tiles
        )
        progress.finish()
        return _measure_columns(sums, choice, choice_wl, w, specs, wanted, cost)

    n_threads = thread_count(threads)
    n_threads = min(n_threads, numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    # origins per chunk: small enough that the threads share the work evenly and
    # progress moves, large enough that a call's start costs nothing (~1 ms of work)
    batch = batch_size or int(np.clip(-(-n // (64 * n_threads)), 16, 256))
    indptr = graph.indptr.astype(np.int32)
    dst = graph.dst.astype(np.int32)
    sums = np.zeros((n, len(radii_arr), N_SUMS))
    has_free_moves = bool((costs.tcost <= TOL).any())
    origins = np.arange(n, dtype=np.int64)
    progress.start(f"segment analysis ({cost})", n)

    # one kernel call per radius type (its radii ascending), each with its own
    # catchment search; one partial choice sum per type and worker, added up at the end
    groups = _radius_groups(graph, specs, step_threshold)
    # The kernel runs on the segments renumbered along a Hilbert curve through their
    # midpoints: a search then reads arrays at nearby places (12-20% less CPU on a
    # 100k city whose segments come in no spatial order); results are put back in
    # the graph's order below. The same moves in the same order per state, so the
    # same searches.
    tcost, seglen = costs.tcost, graph.length
    perm = _locality_order(graph)
    if perm is not None:
        indptr, dst, moved = _renumbered(indptr, dst, perm)
        tcost, tlen, seglen, w_run = tcost[moved], tlen[moved], seglen[perm], w[perm]
        for _, _, extra in groups:
            if "tcatch" in extra:
                extra["tcatch"] = np.ascontiguousarray(extra["tcatch"][moved])
            if "mid" in extra:
                extra["mid"] = np.ascontiguousarray(extra["mid"][perm])
    else:
        w_run = w
    state_graph = StateGraph(indptr, dst, tcost, tlen, seglen)
    # whether a walking catchment may search segments rather than states (the same
    # metres, half the states): checked once here, not on every batch's kernel call
    catchment = radius_mode == "catchment" and not costs.metric
    undirected = int(catchment and undirected_exact(indptr, dst, tlen))
    # several catchments of one type: each smaller one is made from the larger
    # one's search (it needs the moves into each state)
    moves_in: dict[str, Any] = (
        reverse_moves(indptr, dst) if catchment and len(radii_arr) > 1 else {}
    )
    settings = [
        SegmentSettings(
            radii=radii_arr[first:stop],
            weight=w_run,
            catchment=radius_mode == "catchment",
            metric_cost=costs.metric,
            has_free_moves=has_free_moves,
            depth_scale=costs.depth_scale,
            harmonic_offset=costs.harmonic_offset,
            want_choice=want_choice,
            undirected=undirected,
            **(moves_in if stop - first > 1 else {}),
            **extra,
        )
        for first, stop, extra in groups
    ]
    n_states, n_transitions = len(indptr) - 1, len(dst)
    local = threading.local()
    # one set of per-worker arrays for the whole call: the search scratch and a
    # partial choice sum per radius group (added up at the end)
    parts: list[list[np.ndarray]] = []

    def worker_arrays() -> tuple[Any, list[np.ndarray]]:
        if not hasattr(local, "scratch"):
            local.scratch = segment_scratch(n_states, n_transitions)
            local.part = [
                np.zeros((2, n if want_choice else 1, stop - first)) for first, stop, _ in groups
            ]
            parts.append(local.part)  # list.append is atomic: workers may start at once
        return local.scratch, local.part

    def analyse(start: int) -> int:
        chunk = origins[start : start + batch]
        scratch, part = worker_arrays()
        for g, (first, stop, _) in enumerate(groups):
            chunk_sums = np.zeros((len(chunk), stop - first, N_SUMS))
            segment_chunk(
                chunk, state_graph, settings[g], scratch, chunk_sums, part[g][0], part[g][1]
            )
            sums[start : start + len(chunk), first:stop] = chunk_sums  # rows of its own
        return len(chunk)

    # Many small chunks of origins on a pool of threads (the kernel releases the
    # GIL), each worker with its own arrays: no worker waits for the slowest one
    # of a batch, and progress and cancel come between chunks.
    starts = list(range(0, n, batch))
    with compile_notice(progress):
        if n_threads <= 1:
            for start in starts:
                check_cancelled(progress)
                progress.advance(analyse(start))
        else:
            with ThreadPoolExecutor(max_workers=n_threads) as pool:
                pending: set[Any] = set()
                nxt = 0
                while nxt < len(starts) or pending:
                    while nxt < len(starts) and len(pending) < 2 * n_threads:
                        pending.add(pool.submit(analyse, starts[nxt]))
                        nxt += 1
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for job in done:
                        progress.advance(job.result())
                    try:
                        check_cancelled(progress)
                    except BaseException:
                        for job in pending:
                            job.cancel()
                        raise
    if perm is not None:
        sums[perm] = sums.copy()  # row j was segment perm[j]'s
    if want_choice:
        choice = np.concatenate([sum(p[g][0] for p in parts) for g in range(len(groups))], axis=1)
        choice_wl = np.concatenate(
            [sum(p[g][1] for p in parts) for g in range(len(groups))], axis=1
        )
        if perm is not None:
            choice[perm], choice_wl[perm] = choice.copy(), choice_wl.copy()
    else:
        choice = np.zeros((n, len(radii_arr)))
        choice_wl = np.zeros((n, len(radii_arr)))
    progress.finish()
    return _measure_columns(sums, choice, choice_wl, w, specs, wanted, cost)


def _locality_order(graph: SegmentGraph) -> np.ndarray | None:
    """The segments along a Hilbert curve through their midpoints (``perm[j]`` is
    the segment numbered ``j`` for the run); None without geometry or when the
    graph is too small to gain from it."""
    from stadsrum.tiles import hilbert_keys, segment_points

    if graph.n_segments < 2_000:
        return None
    xy = segment_points(graph.geometry)
    if xy is None:
        return None
    perm = np.argsort(hilbert_keys(xy), kind="stable")
    if (perm == np.arange(len(perm))).all():
        return None
    return perm


def _renumbered(
    indptr: np.ndarray, dst: np.ndarray, perm: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The state CSR with segment ``perm[j]`` renumbered ``j`` (its states ``2j``,
    ``2j + 1``), every state's moves kept in their order: ``indptr``, ``dst`` (int32)
    and, per new transition, the old transition it is (to reorder per-move arrays)."""
    n = len(perm)
    new_of_old = np.empty(n, dtype=np.int64)
    new_of_old[perm] = np.arange(n)
    old_state = (2 * perm[:, None] + np.arange(2)).ravel()  # new state -> old state
    counts = np.diff(indptr)[old_state]
    new_indptr = np.zeros(2 * n + 1, dtype=np.int64)
    np.cumsum(counts, out=new_indptr[1:])
    moved = np.repeat(indptr[old_state] - new_indptr[:-1], counts) + np.arange(new_indptr[-1])
    old_dst = dst[moved].astype(np.int64)
    new_dst = 2 * new_of_old[old_dst >> 1] + (old_dst & 1)
    return new_indptr.astype(np.int32), new_dst.astype(np.int32), moved


def _radius_groups(
    graph: SegmentGraph, specs: Sequence[Radius], step_threshold: float
) -> list[tuple[int, int, dict[str, Any]]]:
    """``(first, stop, settings)`` per radius type: the radii ``specs[first:stop]``
    (consecutive, as :func:`parse_radius_specs` orders them) and the kernel's
    settings for that type's catchment."""
    from stadsrum.kernels.segment import ANGULAR, STEPS, STRAIGHT

    groups: list[tuple[int, int, dict[str, Any]]] = []
    first = 0
    for stop in range(1, len(specs) + 1):
        if stop < len(specs) and specs[stop].kind == specs[first].kind:
            continue
        kind = RADIUS_KINDS.index(specs[first].kind)
        extra: dict[str, Any] = {"radius_kind": kind}
        if kind == STEPS:
            # a step as the steps cost counts it: a move turning at least step_threshold
            if not 0 <= step_threshold <= 180:
                raise InputError("step_threshold must be between 0 and 180 degrees")
            extra["tcatch"] = (graph.turn_deg >= step_threshold).astype(np.float64)
        elif kind == ANGULAR:
            # exact degrees, also where the angular cost counts in tulip bins
            extra["tcatch"] = np.ascontiguousarray(graph.turn_deg, dtype=np.float64)
        elif kind == STRAIGHT:
            extra["mid"] = np.ascontiguousarray(graph.midpoints(), dtype=np.float64)
        groups.append((first, stop, extra))
        first = stop
    return groups


def _measure_columns(
    sums: np.ndarray,
    choice: np.ndarray,
    choice_wl: np.ndarray,
    w: np.ndarray,
    specs: Sequence[Radius],
    wanted: list[str],
    cost: str,
) -> dict[str, np.ndarray]:
    """The measure columns from the per-origin sums and the choice sums."""
    from stadsrum.kernels.segment import (
        S_COUNT,
        S_DEPTH,
        S_DEPTH_WL,
        S_HARMONIC,
        S_REACH,
        S_SEGMENTS,
    )

    out: dict[str, np.ndarray] = {}
    for r_i, radius in enumerate(specs):
        count = sums[:, r_i, S_COUNT]
        depth = sums[:, r_i, S_DEPTH]
        reach = sums[:, r_i, S_REACH]
        depth_wl = sums[:, r_i, S_DEPTH_WL]
        alone = sums[:, r_i, S_SEGMENTS] <= 1
        with np.errstate(divide="ignore", invalid="ignore"):
            total_depth = np.where(alone, np.nan, depth)
            others = count - w
            values = {
                "node_count": count,
                "total_depth": total_depth,
                "mean_depth": np.where(others > 0, total_depth / others, np.nan),
                "integration": np.where(total_depth > 0, count**2 / total_depth, np.nan),
                "nain": count**1.2 / (total_depth + 2.0),
                "choice": choice[:, r_i],
                "nach": np.log(choice[:, r_i] + 1.0) / np.log(total_depth + 3.0),
                "reach_length": reach,
                "total_depth_wl": np.where(alone, np.nan, depth_wl),
                "integration_wl": np.where(~alone & (depth_wl > 0), reach**2 / depth_wl, np.nan),
                "choice_wl": choice_wl[:, r_i],
                "harmonic": sums[:, r_i, S_HARMONIC],
            }
        for name in wanted:
            out[segment_column(name, cost, radius)] = values[name]
    return out


def _check_choices(*, radius_mode: str, measures: Iterable[str] | None, tulip_bins: int) -> None:
    """The options that name a choice, checked before any work."""
    if radius_mode not in ("catchment", "route"):
        raise InputError(f"unknown radius_mode '{radius_mode}': choose 'catchment' or 'route'")
    wanted = list(SEGMENT_MEASURES if measures is None else measures)
    unknown = set(wanted) - set(SEGMENT_MEASURES)
    if unknown:
        raise InputError(
            f"unknown measures {sorted(unknown)}: choose from {', '.join(SEGMENT_MEASURES)}"
        )
    if tulip_bins and (tulip_bins < 4 or tulip_bins % 2):
        raise InputError("tulip_bins must be an even number of at least 4 (e.g. 1024)")


def segment_analysis(
    network: StreetNetwork,
    *,
    cost: str | Iterable[str] = "angular",
    radii: str | Iterable[float | int | str | Radius] = ("n",),
    radius_mode: RadiusMode = "catchment",
    measures: Iterable[str] | None = None,
    weight: str | None = None,
    tulip_bins: int = 0,
    split: Literal["edge", "vertex"] = "edge",
    step_threshold: float = 0.0,
    speed: float = DEFAULT_SPEED,
    threads: int | None = None,
    batch_size: int | None = None,
    progress: ProgressLike | None = None,
    client: Any = None,
) -> gpd.GeoDataFrame:
    """Space syntax segment analysis of a street network.

    Parameters
    ----------
    network
        A prepared :class:`~stadsrum.network.model.StreetNetwork`.
    cost
        One or more of ``angular`` (turns, 0–2 per 180°), ``metric``
        (metres), ``steps`` (moves) and ``time`` (walking minutes); a list or
        ``"angular,metric"``.
    radii
        Walking radii in metres and/or ``"n"`` (whole network), and radius
        types as PST's: ``straight:M`` (metres as the crow flies), ``steps:K``
        (direction changes), ``angular:D`` (degrees of turning); e.g.
        ``"400,800,n,straight:500,steps:2,angular:90"`` or ``[400, "n"]``.
        Columns end in ``r400``, ``rn``, ``r500_straight``, ``r2_steps``,
        ``r90_angular`` (``docs/measures.md``).
    radius_mode
        ``"catchment"`` (default): a radius holds the segments whose midpoint
        is within it by the least walk (least steps, least angle; straight: as
        the crow flies, reached without leaving the disc), and every measure
        is computed on that sub-network. ``"route"``: depthmapX's and PST's
        convention, where the metres (steps, degrees) are carried along the
        least-cost route (results at finite radii then depend on tie order);
        a straight radius is the same in both modes. Identical at radius n.
    measures
        Subset of :data:`SEGMENT_MEASURES`; all by default.
    weight
        Column of the network (e.g. population) weighting origins and
        destinations; counts become weighted sums.
    tulip_bins
        0 (exact angles, default) or depthmapX's tulip bin count (1024).
    split
        ``"edge"``: one segment per network edge; ``"vertex"``: one per
        straight piece between vertices (depthmapX segment maps).
    step_threshold
        Degrees a move must turn to count as a step (0: every move counts).
    speed
        Walking speed for the ``time`` cost, metres per second.
    threads
        Worker threads (default: numba's thread count, all cores).
    batch_size
        Origins per batch between progress reports and cancel checks.
    progress
        Optional progress reporter; cancelling stops between batches.
    client
        A ``dask.distributed.Client``: run the origins as tasks on its cluster
        (``docs/scale.md``), with the same results; ``None`` (default): the
        threaded engine on this machine.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per segment with the network's columns (the input's own
        attributes included), ``segment_id`` and the measure columns named
        ``{measure}_{cost}_r{radius}``, e.g. ``integration_angular_r800``.

    Examples
    --------
    Angular integration of the sample city within 400 and 800 metres:

    >>> import stadsrum as sr
    >>> net = sr.read_network(sr.sample_data_dir() / "helsinki.osm.pbf")
    >>> seg = sr.segment_analysis(net, cost="angular", radii="400,800")
    >>> [c for c in seg.columns if c.startswith("integration_angular")]
    ['integration_angular_r400', 'integration_angular_r800']

    A catchment of 400 m holds no more segments than one of 800 m:

    >>> bool((seg["node_count_angular_r400"] <= seg["node_count_angular_r800"]).all())
    True
    """
    check_network(network, function="segment_analysis")
    # every option before the segment graph is built (seconds on a city): a mistake
    # found after that would waste them
    check_options(
        "segment_analysis",
        {
            "tulip_bins": tulip_bins,
            "step_threshold": step_threshold,
            "speed": speed,
            "threads": threads,
            "batch_size": batch_size,
        },
        numeric={
            "tulip_bins": int,
            "step_threshold": float,
            "speed": float,
            "threads": int,
            "batch_size": int,
        },
    )
    costs = parse_costs(cost)
    radii_list = parse_radius_specs(radii)
    measures = None if measures is None else list(measures)  # a generator is read once
    _check_choices(radius_mode=radius_mode, measures=measures, tulip_bins=tulip_bins)
    if split not in ("edge", "vertex"):
        raise InputError(f"unknown split '{split}': choose 'edge' or 'vertex'")
    weight_col = None
    if weight is not None:
        if weight not in network.edges.columns:
            raise InputError(
                f"weight column '{weight}' is not in the network; its columns are: "
                f"{', '.join(map(str, network.edges.columns.drop('geometry')))}"
            )
        weight_col = pd.to_numeric(network.edges[weight], errors="coerce")
        if weight_col.isna().any():
            raise InputError(f"weight column '{weight}' has missing or non-numeric values")
    graph = network.segment_graph(split=split)
    weights = None if weight_col is None else weight_col.to_numpy(np.float64)[graph.edge]
    progress = as_progress(progress)
    frame = network.edges.iloc[graph.edge].reset_index(drop=True)
    if split == "vertex":
        frame = frame.set_geometry(list(graph.geometry))
        frame["length_m"] = graph.length
    # an earlier result as input holds these names already: keep its columns as *_input
    wanted = [
        m for m in (SEGMENT_MEASURES if measures is None else measures) if m in SEGMENT_MEASURES
    ]
    outputs = ["segment_id"] + [
        segment_column(m, c, r) for c in costs for r in radii_list for m in wanted
    ]
    renames = input_renames(frame.columns, outputs)
    if renames:
        frame = frame.rename(columns=renames)
        progress.message(renamed_note("segments", renames))
    frame.insert(0, "segment_id", np.arange(graph.n_segments))
    columns: dict[str, np.ndarray] = {}
    for c in costs:
        labels = ", ".join(r.spec for r in radii_list)
        progress.message(f"segment analysis: {c} cost, radii {labels}")
        columns |= segment_measures(
            graph,
            cost=c,
            radii=radii_list,
            radius_mode=radius_mode,
            measures=measures,
            weights=weights,
            tulip_bins=tulip_bins,
            step_threshold=step_threshold,
            speed=speed,
            threads=threads,
            batch_size=batch_size,
            progress=progress,
            client=client,
        )
    result = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
    return gpd.GeoDataFrame(result, geometry=frame.geometry.name, crs=network.edges.crs)

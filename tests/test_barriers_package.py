"""The barriers package: its public face, its seams, prompt cancellation, stable output."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.errors import CancelledError
from stadsrum.progress import Progress

PACKAGE = Path(__file__).resolve().parents[1] / "stadsrum"

#: Every public name of stadsrum.measures.barriers before it became a package.
FORMER_NAMES = (
    "ALONG_MAX_M",
    "ALONG_TOLERANCE_M",
    "COMPARABLE_FACTOR",
    "CROSSING_TYPES",
    "JUNCTION_TOLERANCE_M",
    "MIN_COMPARABLE",
    "WATER_CATEGORIES",
    "BarrierResult",
    "ODMatrix",
    "barrier_analysis",
    "barrier_effect",
    "barrier_inventory",
    "candidate_links",
    "compare_od",
    "detour_pairs",
    "detour_surface",
    "evaluate_scenario",
    "od_matrix",
    "permeable_links",
    "rank_candidates",
)


def test_every_former_name_is_importable_from_the_package():
    import stadsrum.measures.barriers as barriers

    for name in FORMER_NAMES:
        assert hasattr(barriers, name), name
    # names added since the split: barriers and segregation (issue 15 item 8)
    assert set(barriers.__all__) <= {*FORMER_NAMES, "barrier_segregation"}
    assert barriers.od_matrix.__module__ == "stadsrum.measures.access_graph"


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stadsrum"):
            out += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return out


def test_place_to_node_measures_import_no_private_name():
    """The engine's users take only public names from each other (the package's
    modules from each other too): no `_Graph`, `_side`, `_cut_line` borrowed."""
    files = [
        *(PACKAGE / "measures" / "barriers").glob("*.py"),
        PACKAGE / "measures" / "access_graph.py",
        PACKAGE / "measures" / "proximity.py",
        PACKAGE / "measures" / "accessibility.py",
        PACKAGE / "network" / "barriers.py",
    ]
    for path in files:
        assert _private_imports(path) == [], path


def _river():
    """Two banks (y = 0 and y = 100, x 0..1000) joined by a bridge at x = 500
    and a river along y = 50 (the net of tests/test_barriers.py)."""
    net = prepare_network(
        make_lines(
            [
                [(0, 0), (500, 0)],
                [(500, 0), (1000, 0)],
                [(0, 100), (500, 100)],
                [(500, 100), (1000, 100)],
                [(500, 0), (500, 100)],
            ]
        )
    )
    water = make_lines([[(-50, 50), (1050, 50)]], category=["water"])
    return net, water


def _pts(coords, **cols):
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3006")


class _CancelAt(Progress):
    """Cancels at the first message holding ``word``, and records what starts after."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word
        self.after: list[str] = []

    def message(self, text: str) -> None:
        if self.word in text:
            self.cancel()
        super().message(text)

    def start(self, label: str, total: int) -> None:
        if self.is_cancelled():
            self.after.append(label)
        super().start(label, total)


def test_cancel_while_pricing_candidates_stops_there():
    """A cancel that arrives as the candidates are priced stops the ranking
    itself (the pricing and the greedy steps run no search the run_groups
    checks would catch), so nothing of the greedy choice, the barrier effect or
    the scenario starts after it, with one thread as with many."""
    from stadsrum.measures.barriers import barrier_analysis

    net, water = _river()
    progress = _CancelAt("pricing")
    with pytest.raises(CancelledError):
        barrier_analysis(
            net,
            water,
            places=_pts([(100, -5), (900, -5)], place_id=["a", "b"]),
            nodes=_pts([(100, 105), (900, 105)], node_id=["x", "y"]),
            threads=1,
            progress=progress,
        )
    assert progress.is_cancelled()
    assert progress.after == []


def test_cancel_before_the_greedy_steps_stops_them():
    """Cancelled as the ranked list is thinned out, just before the greedy
    choice: rank_candidates raises rather than running its greedy steps (their
    searches draw no bar of their own, yet must hear the cancel)."""
    from stadsrum.measures.barriers import candidate_links, od_matrix, rank_candidates
    from stadsrum.network.barriers import read_barrier_layer

    net, water = _river()
    bset = read_barrier_layer(water, net)
    cands = candidate_links(net, bset, max_length=150)
    od = od_matrix(net, _pts([(100, -5)], place_id=["a"]), _pts([(100, 105)], node_id=["x"]))
    ranked = rank_candidates(net, od, cands, best_k=2, progress=Progress())
    assert ranked["greedy_step"].max() == 1  # uncancelled, the greedy choice runs
    progress = _CancelAt("candidate links at least")
    with pytest.raises(CancelledError):
        rank_candidates(net, od, cands, best_k=2, progress=progress)


def test_stretches_are_drawn_the_same_way_in_every_run():
    """Stretches come from a graph whose cut points have string keys; Python
    hashes strings differently in each process, and the stretch lines used to
    flip direction between runs. Two processes with other hash seeds agree."""
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "import shapely\n"
        "from test_barriers_package import _river\n"
        "from stadsrum.measures.barriers import barrier_inventory\n"
        "from stadsrum.network.barriers import read_barrier_layer\n"
        "net, water = _river()\n"
        "s = barrier_inventory(net, read_barrier_layer(water, net))[2]\n"
        "print(';'.join(shapely.to_wkt(g, rounding_precision=6) for g in s.geometry))\n"
    )
    root = Path(__file__).resolve().parents[1]
    runs = []
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        runs.append(out.stdout)
    assert runs[0].count("LINESTRING") == 2
    assert runs[0] == runs[1] == runs[2]


def test_the_plugin_zip_bundles_every_module_of_the_package(tmp_path):
    """The QGIS plugin runs the bundled copy of the core: a package two folders
    deep (measures/barriers/) must be in it whole, or the plugin's barrier
    algorithm fails on import."""
    import zipfile

    from stadsrum.plugin_zip import PLUGIN_FOLDER, build_plugin_zip

    with zipfile.ZipFile(build_plugin_zip(tmp_path)) as zf:
        names = set(zf.namelist())
    prefix = f"{PLUGIN_FOLDER}/bundled/stadsrum/measures/barriers/"
    here = PACKAGE / "measures" / "barriers"
    wanted = {prefix + p.name for p in here.glob("*.py")}
    assert len(wanted) == 8  # segregation.py added (issue 15 item 8)
    assert wanted <= names

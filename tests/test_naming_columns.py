"""Column names come from stadsrum.measures.naming and are the documented ones.

The expected names are spelled out here as the interface contract and the
docs spell them (``reach_r600``, ``nearest_{category}_m``, ``reach_{T}min``),
never built with the functions under test.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import shapely
from helpers import X0, Y0, make_lines

from stadsrum import prepare_network
from stadsrum.measures.naming import (
    mean_column,
    minutes_column,
    nearest_column,
    reach_column,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _documented(doc: str) -> set[str]:
    """Every `code` name with a placeholder in a doc page, e.g. ``reach_r{R}``."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    return {m for m in re.findall(r"`([a-z_]*\{[A-Za-z]+\}[a-z_]*)`", text)}


def test_builders_spell_the_documented_patterns():
    access = _documented("accessibility.md")
    barriers = _documented("barriers.md")
    assert {"reach_r{R}", "nearest_{category}_m"} <= access
    assert {"reach_gain_{T}min", "reach_{T}min", "reach_{T}min_loss"} <= barriers
    assert reach_column(600) == f"reach_r{600}" == "reach_r600"
    assert reach_column(math.inf) == "reach_rn"
    assert reach_column(450.5) == "reach_r450_5"
    assert nearest_column("school") == "nearest_{category}_m".format(category="school")
    assert nearest_column("bus stop") == "nearest_bus_stop_m"
    assert nearest_column("") == "nearest_uncategorised_m"
    assert mean_column("school") == "mean_school_m"
    assert minutes_column("reach_gain", 10) == f"reach_gain_{10}min"
    assert minutes_column("reach", 7.5) == "reach_7_5min"
    assert minutes_column("nodes_within", 15.0) == "nodes_within_15min"


def _pts(coords, **cols):
    geoms = [shapely.Point(X0 + x, Y0 + y) for x, y in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3006")


def test_results_carry_the_contract_names():
    """The names a planner's scripts and QGIS models pick, read off real results."""
    from stadsrum.measures.accessibility import attraction_accessibility
    from stadsrum.measures.proximity import place_distances, place_summary

    net = prepare_network(make_lines([[(0, 0), (500, 0)], [(500, 0), (500, 400)]]))
    nodes = _pts([(100, 5), (480, 300)], node_id=["a", "b"], kind=["school", "bus stop"])
    acc = attraction_accessibility(net, nodes, radii="600,n", category="kind")
    assert {"nearest_m", "reach_r600", "reach_rn", "nearest_school_m", "nearest_bus_stop_m"} <= (
        set(acc.columns)
    )
    od = place_distances(net, _pts([(10, -5)], place_id=["p"]), nodes, node_category="kind").od
    summary = place_summary(od, thresholds=(5, 7.5))
    assert {
        "nodes_within_5min",
        "nodes_within_7_5min",
        "nearest_school_m",
        "mean_school_m",
        "nearest_bus_stop_m",
    } <= set(summary.columns)

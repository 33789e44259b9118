"""``stadsrum:compare`` reads its options from the record (stadsrum.records.CompareOptions).

The dialog's parameters are the record's options in capitals; what it hands
``run_compare`` is caught here (the analysis itself is held to the core by
``test_analyses.py``'s compare test). The values expected are the dialog's own
defaults as it declares them in ``qgis_plugin/algorithms/compare.py``, written
out, and what the algorithm passed before the record: an empty ACTION field
means every line is added (``action=None``), not the record's column.
"""

from __future__ import annotations

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from helpers import make_lines

from stadsrum import workflows
from stadsrum.records import CompareOptions, NetworkOptions

pytestmark = pytest.mark.qgis


@pytest.fixture
def handed(monkeypatch, tmp_path):
    """Run ``stadsrum:compare`` with ``extra`` parameters; the keywords it hands
    ``run_compare`` (which returns no layers here)."""
    path = tmp_path / "plan.gpkg"
    make_lines([[(0, 0), (200, 0)], [(0, 0), (0, 100)]]).to_file(path, layer="streets")
    make_lines([[(200, 0), (0, 100)]]).to_file(path, layer="proposal")
    seen: dict = {}

    def fake(network, proposal, out, **kwargs):
        seen.clear()
        seen.update(kwargs)
        return workflows.CompareResult(comparison=None, layers={}, path=None)

    monkeypatch.setattr(workflows, "run_compare", fake)

    def run(**extra):
        import processing

        params = {
            "NETWORK": f"{path}|layername=streets",
            "PROPOSAL": f"{path}|layername=proposal",
        }
        processing.run("stadsrum:compare", params | extra)
        return dict(seen)

    return run


def _options(kwargs: dict) -> CompareOptions:
    return CompareOptions(**{k: v for k, v in kwargs.items() if k in CompareOptions.names()})


def test_the_dialogs_defaults_reach_run_compare_as_before(plugin, handed):
    kwargs = handed()
    assert _options(kwargs) == CompareOptions(
        cost=["angular"],
        radii="400,800,n",  # the dialog's default, not the command line's n
        measures="integration,choice,reach_length",
        radius_mode="catchment",
        segments=True,
        action="action",
        snap_tolerance=1.0,
        place_id="place_id",
        node_id="node_id",
        thresholds="10,15",
        access_radii="n",
        decay="none",
        max_link=200.0,
        speed=1.3,
    )
    assert NetworkOptions(**{k: kwargs[k] for k in ("prepare", "split_crossings")}) == (
        NetworkOptions(prepare="full", split_crossings="auto")
    )
    # what the dialog does not offer keeps the record's default
    assert not {"proposal_id", "access_cost", "mode", "where", "clip"} & set(kwargs)


def test_the_dialogs_choices_reach_run_compare(plugin, handed):
    kwargs = handed(
        ACTION="",
        SEGMENTS=False,
        COST=[1, 2],  # metric, steps
        RADIUS_MODE=1,  # route
        DECAY=1,  # linear
        MEASURES=" integration ",
        THRESHOLDS=" 5,10 ",
        MAX_LINK=50.0,
        PREPARE=1,  # none
    )
    assert kwargs["action"] is None  # every line added
    opts = _options(kwargs)
    assert (opts.segments, opts.cost, opts.radius_mode, opts.decay) == (
        False,
        ["metric", "steps"],
        "route",
        "linear",
    )
    assert (opts.measures, opts.thresholds, opts.max_link) == ("integration", "5,10", 50.0)
    assert kwargs["prepare"] == "none"

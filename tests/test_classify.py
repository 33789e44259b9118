"""Fisher–Jenks natural breaks (``stadsrum.io.classify``) against brute force and mapclassify."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stadsrum.io.classify import fisher_jenks
from stadsrum.io.styles import class_breaks


def sdcm(values: np.ndarray, limits: np.ndarray) -> float:
    """Sum of squared deviations from the class means, classes given by upper limits."""
    cls = np.searchsorted(limits, values, side="left")
    return float(sum(((values[cls == c] - values[cls == c].mean()) ** 2).sum() for c in set(cls)))


def brute_force_sdcm(values: np.ndarray, classes: int) -> float:
    """The least SDCM over every way to cut the distinct values into ``classes`` classes."""
    levels = np.unique(values)
    k = min(classes, levels.size)
    best = np.inf
    for cuts in itertools.combinations(range(levels.size - 1), k - 1):
        limits = np.append(levels[list(cuts)], levels[-1])
        best = min(best, sdcm(values, limits))
    return best


def test_three_obvious_groups():
    """1 2 3 | 10 11 12 | 30: any other cut puts a gap of 7 or more inside a class.

    SDCM of the cut above: 2 + 2 + 0 = 4; moving 10 down instead gives a class
    {1, 2, 3, 10} with SS 50.75 alone.
    """
    values = [12, 1, 30, 3, 10, 2, 11]
    assert fisher_jenks(values, 3).tolist() == [3.0, 12.0, 30.0]
    assert sdcm(np.array(values, dtype=float), fisher_jenks(values, 3)) == pytest.approx(4.0)


def test_equal_values_share_a_class_and_few_levels_give_few_classes():
    """Four 5s and one 6 in two classes: {5 5 5 5} {6}, SDCM 0; never a cut between 5s."""
    assert fisher_jenks([5, 5, 6, 5, 5], 2).tolist() == [5.0, 6.0]
    assert fisher_jenks([5, 5, 6, 5, 5], 7).tolist() == [5.0, 6.0]
    assert fisher_jenks([4.0], 3).tolist() == [4.0]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        fisher_jenks([], 3)
    with pytest.raises(ValueError, match="finite"):
        fisher_jenks([1.0, np.nan], 2)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=-50, max_value=50), min_size=1, max_size=10),
    st.integers(min_value=1, max_value=5),
)
def test_optimal_as_brute_force(ints, classes):
    values = np.array(ints, dtype=float) / 4.0
    limits = fisher_jenks(values, classes)
    assert limits[-1] == values.max()
    assert np.all(np.diff(limits) > 0)
    assert len(limits) == min(classes, np.unique(values).size)
    assert sdcm(values, limits) == pytest.approx(brute_force_sdcm(values, classes), abs=1e-9)


def test_same_breaks_as_mapclassify():
    """mapclassify's FisherJenks (the reference the styles used before) on skewed data."""
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(11)
    for trial in range(60):
        n, k = int(rng.integers(8, 400)), int(rng.integers(2, 8))
        values = rng.lognormal(size=n) if trial % 2 else rng.normal(size=n)
        ours = fisher_jenks(values, k)
        theirs = mapclassify.FisherJenks(values, k=k).bins
        np.testing.assert_array_equal(ours, theirs)
    # integers tie often: an equally good grouping may be chosen, never a worse one
    for _ in range(60):
        values = rng.integers(0, 20, int(rng.integers(20, 200))).astype(float)
        ours = fisher_jenks(values, 6)
        theirs = mapclassify.FisherJenks(values, k=6).bins
        assert sdcm(values, ours) == pytest.approx(sdcm(values, theirs), rel=1e-12)


def test_natural_breaks_style_of_a_large_layer():
    """class_breaks classifies 1,000 quantiles of 50,000 values: the minimum first, max last."""
    values = np.random.default_rng(3).lognormal(size=50_000)
    breaks = class_breaks(values, 7, "natural_breaks")
    assert len(breaks) == 8
    assert breaks[0] == values.min()
    assert breaks[-1] == values.max()
    sample = np.quantile(values, np.linspace(0.0, 1.0, 1000))
    assert breaks[1:] == fisher_jenks(sample, 7).tolist()

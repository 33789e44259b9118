"""Segregation indices and the 2012 criteria against hand derivations and PySAL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stadsrum.errors import InputError
from stadsrum.measures.areas import parse_criteria, segregation_indices
from stadsrum.measures.areas.criteria import criteria_flags


def _values(rows: list[tuple[str, str, float]]) -> dict[tuple[str, str], float]:
    return {(i, g): v for i, g, v in rows}


def test_two_areas_by_hand() -> None:
    """Two areas: A holds 30 of group x and 10 of y, B holds 10 of x and 30 of y.

    T = 80, T_x = T_y = 40, pi = (1/2, 1/2), I = 1/2, E = 1 (log base 2).
    Area shares: A (3/4, 1/4), B (1/4, 3/4); |p - pi| = 1/4 for each group.
    D = sum_m sum_j tau_j |p_jm - pi_m| / (2 T I) = (40*(1/4+1/4) * 2) / (2*80*1/2) = 40/80 = 0.5.
    Isolation of x = (30/40)(3/4) + (10/40)(1/4) = 9/16 + 1/16 = 0.625; exposure x:y = 0.375.
    Entropy of (3/4, 1/4) in base 2: E_j = 0.811278...; H = 1 - E_j = 0.188722...
    Interaction of an area: I_j = 2 * 3/4 * 1/4 = 3/8; R = 1 - (3/8)/(1/2) = 0.25.
    """
    v = _values(segregation_indices(np.array([[30, 10], [10, 30]]), ["x", "y"]))
    e_j = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    assert v["dissimilarity", "all"] == pytest.approx(0.5)
    assert v["isolation", "x"] == pytest.approx(0.625)
    assert v["isolation", "y"] == pytest.approx(0.625)
    assert v["exposure", "x:y"] == pytest.approx(0.375)
    assert v["information", "all"] == pytest.approx(1 - e_j)
    assert v["diversity", "all"] == pytest.approx(0.25)


def test_even_mix_is_zero_and_isolation_the_city_share() -> None:
    """Every area holds the groups in the city's shares (1:3): D = H = R = 0 and the
    isolation of a group is its city share (x: 1/4, y: 3/4); exposure x:y = 3/4."""
    counts = np.array([[10, 30], [5, 15], [1, 3]])
    v = _values(segregation_indices(counts, ["x", "y"]))
    for index in ("dissimilarity", "information", "diversity"):
        assert v[index, "all"] == pytest.approx(0.0, abs=1e-12)
    assert v["isolation", "x"] == pytest.approx(0.25)
    assert v["isolation", "y"] == pytest.approx(0.75)
    assert v["exposure", "x:y"] == pytest.approx(0.75)


# Six units with two and three groups; the expected values were computed with PySAL
# `segregation` 2.5.4 (Dissim, Isolation, Interaction, Entropy, MultiDissim,
# MultiInfoTheory, MultiRelativeDiversity) in a separate environment, not by stadsrum.
X = np.array([30, 5, 12, 40, 0, 8.0])
Y = np.array([10, 25, 12, 5, 20, 30.0])
Z = np.array([3, 7, 20, 1, 9, 4.0])
PYSAL_TWO = {
    ("dissimilarity", "all"): 0.5984520123839009,
    ("isolation", "x"): 0.7007694675284702,
    ("exposure", "x:y"): 0.2992305324715297,
    ("information", "all"): 0.35569250117184753,
    ("diversity", "all"): 0.42207436375596713,
}
PYSAL_THREE = {
    ("dissimilarity", "all"): 0.5259287504085413,
    ("information", "all"): 0.27069066120294577,
    ("diversity", "all"): 0.2928107061750794,
}


def test_equal_to_pysal_segregation() -> None:
    two = _values(segregation_indices(np.c_[X, Y], ["x", "y"]))
    for key, expected in PYSAL_TWO.items():
        assert two[key] == pytest.approx(expected, rel=1e-12), key
    three = _values(segregation_indices(np.c_[X, Y, Z], ["x", "y", "z"]))
    for key, expected in PYSAL_THREE.items():
        assert three[key] == pytest.approx(expected, rel=1e-12), key


def test_exposures_of_a_group_add_up_to_one() -> None:
    """sum_n P_mn (n != m) + P_mm = sum_j tau_jm / T_m * sum_n p_jn = 1 for every group."""
    v = _values(segregation_indices(np.c_[X, Y, Z], ["x", "y", "z"]))
    for m in "xyz":
        total = v["isolation", m] + sum(v["exposure", f"{m}:{n}"] for n in "xyz" if n != m)
        assert total == pytest.approx(1.0)


def test_environment_replaces_own_shares() -> None:
    """Unit 1 holds 10 x, unit 2 holds 10 y, but each one's environment is the whole
    city (10 x + 10 y): every p = 1/2 = pi, so D = H = R = 0 and isolation = 1/2."""
    counts = np.array([[10, 0], [0, 10]])
    env = np.array([[10, 10], [10, 10]])
    v = _values(segregation_indices(counts, ["x", "y"], environment=env))
    assert v["dissimilarity", "all"] == pytest.approx(0.0, abs=1e-12)
    assert v["information", "all"] == pytest.approx(0.0, abs=1e-12)
    assert v["diversity", "all"] == pytest.approx(0.0, abs=1e-12)
    assert v["isolation", "x"] == pytest.approx(0.5)
    own = _values(segregation_indices(counts, ["x", "y"]))
    assert own["dissimilarity", "all"] == pytest.approx(1.0)


def test_criteria_flags() -> None:
    """Employment below 52, income support above 4.8, eligibility below 70 (percent).
    Area a: 50 / 5.0 / 80 → true, true, false (2 met). Area b: 60 / 4.8 / 65 → false,
    false (4.8 is not above 4.8), true (1 met). Area c: missing employment → empty flag."""
    areas = pd.DataFrame(
        {"ff": [50.0, 60.0, None], "fs": [5.0, 4.8, 1.0], "gb": [80.0, 65.0, 90.0]}
    )
    crit = parse_criteria("employment=ff,income_support=fs,eligibility=gb")
    flags = criteria_flags(areas, crit)
    assert flags["crit_employment"].tolist()[:2] == [True, False]
    assert pd.isna(flags["crit_employment"].iloc[2])
    assert flags["crit_income_support"].tolist() == [True, False, False]
    assert flags["crit_eligibility"].tolist() == [False, True, False]
    assert flags["criteria_met"].tolist() == [2, 1, 0]
    stricter = criteria_flags(areas, parse_criteria("employment=ff:55"))
    assert stricter["crit_employment"].tolist()[:2] == [True, False]
    assert pd.isna(stricter["crit_income_support"]).all()


def test_criteria_refused_clearly() -> None:
    with pytest.raises(InputError, match="unknown indicator 'jobs'"):
        parse_criteria("jobs=ff")
    with pytest.raises(InputError, match="not name=COLUMN"):
        parse_criteria("ff")
    with pytest.raises(InputError, match="no column 'nope'"):
        criteria_flags(pd.DataFrame({"ff": [1.0]}), parse_criteria("employment=nope"))

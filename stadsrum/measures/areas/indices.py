"""Segregation indices for any number of groups, aspatial and along the streets.

Counts ``tau[j, m]`` of group ``m`` at unit ``j`` (an area, or a resident
point), totals ``T``, ``T_m`` and city shares ``pi_m = T_m / T``; Simpson's
interaction ``I = sum_m pi_m (1 - pi_m)`` and the entropy
``E = -sum_m pi_m log_M pi_m``. Each unit is judged by the group shares
``p[j, m]`` of its *environment*: its own counts for the aspatial indices,
the counts of everyone within ``R`` minutes' walk for the network indices
(Reardon and O'Sullivan 2004, with distances along the streets)::

    dissimilarity D = sum_m sum_j tau_j / (2 T I) |p_jm - pi_m|
    isolation     P_mm = sum_j (tau_jm / T_m) p_jm
    exposure      P_mn = sum_j (tau_jm / T_m) p_jn
    information   H = 1 - sum_j tau_j E_j / (T E)
    diversity     R = 1 - sum_j tau_j I_j / (T I)

with ``E_j``, ``I_j`` the entropy and interaction of ``p[j, :]``. For two
groups these are the two-group indices of Massey and Denton (1988) (``D``,
``xPx``, ``xPy``) and Theil's ``H``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["INDICES", "segregation_indices"]

INDICES = ("dissimilarity", "isolation", "exposure", "information", "diversity")


def _entropy(shares: np.ndarray, base: int) -> np.ndarray:
    """``-sum p log_base p`` along the last axis, with 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(shares > 0, shares * np.log(shares), 0.0)
    return -terms.sum(axis=-1) / np.log(base)


def segregation_indices(
    counts: np.ndarray,
    groups: Sequence[str],
    *,
    environment: np.ndarray | None = None,
) -> list[tuple[str, str, float]]:
    """The five indices as ``(index, group, value)`` rows.

    Parameters
    ----------
    counts
        ``(units, groups)`` population counts ``tau[j, m]``.
    groups
        The groups' names, in the columns' order (at least two).
    environment
        ``(units, groups)`` counts of each unit's environment (``tau~``);
        ``None`` for the aspatial indices (the unit's own counts).
        Units whose environment is empty and whose own count is zero add
        nothing; one with people but an empty environment is an error
        upstream (a point's environment includes itself).

    Returns
    -------
    list of (index, group, value)
        ``group`` is ``all`` for dissimilarity, information and diversity,
        the group's name for isolation, ``m:n`` for the exposure of m to n.
        Values are NaN where undefined (no people, or a single group present
        city-wide, where ``I`` and ``E`` are 0).
    """
    tau = np.asarray(counts, dtype=float)
    env = tau if environment is None else np.asarray(environment, dtype=float)
    n_groups = tau.shape[1]
    if n_groups < 2 or len(groups) != n_groups:
        raise ValueError("segregation indices need counts of at least two named groups")
    tau_j = tau.sum(axis=1)
    keep = tau_j > 0
    tau, env, tau_j = tau[keep], env[keep], tau_j[keep]
    total = tau_j.sum()
    t_m = tau.sum(axis=0)
    env_j = env.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = env / env_j[:, None]
        pi = t_m / total
    interaction = float(np.sum(pi * (1 - pi)))
    entropy = float(_entropy(pi, n_groups))
    rows: list[tuple[str, str, float]] = []

    def ratio(num: float, den: float) -> float:
        return float(num / den) if den > 0 and np.isfinite(num) else float("nan")

    d_num = float(np.sum(tau_j[:, None] * np.abs(p - pi)))
    rows.append(("dissimilarity", "all", ratio(d_num, 2 * total * interaction)))
    for m, name in enumerate(groups):
        rows.append(("isolation", str(name), ratio(float(np.sum(tau[:, m] * p[:, m])), t_m[m])))
    for m, a in enumerate(groups):
        for n, b in enumerate(groups):
            if m != n:
                value = ratio(float(np.sum(tau[:, m] * p[:, n])), t_m[m])
                rows.append(("exposure", f"{a}:{b}", value))
    e_j = _entropy(p, n_groups)
    h = 1.0 - ratio(float(np.sum(tau_j * e_j)), total * entropy)
    rows.append(("information", "all", h))
    i_j = np.sum(p * (1 - p), axis=1)
    r = 1.0 - ratio(float(np.sum(tau_j * i_j)), total * interaction)
    rows.append(("diversity", "all", r))
    return rows

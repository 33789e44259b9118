"""The one place that names output columns (see the interface contract)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from stadsrum.errors import InputError

__all__ = ["COSTS", "WARNING_COLUMNS", "parse_radii", "radius_label", "segment_column"]

COSTS = ("angular", "metric", "steps", "time")


def radius_label(radius: float) -> str:
    """``400`` → ``"400"``, ``inf`` → ``"n"``; fractional metres keep their decimals."""
    if math.isinf(radius):
        return "n"
    return str(int(radius)) if float(radius).is_integer() else f"{radius:g}".replace(".", "_")


def segment_column(measure: str, cost: str, radius: float) -> str:
    """Column name ``{measure}_{cost}_r{radius}``, e.g. ``integration_angular_r800``."""
    return f"{measure}_{cost}_r{radius_label(radius)}"


def parse_radii(radii: Iterable[float | int | str] | str) -> list[float]:
    """Radii in metres as ascending floats, ``"n"`` (whole network) as ``inf``.

    Accepts ``"400,800,n"`` or a list such as ``[400, 800, "n"]``.
    """
    items: Sequence[float | int | str]
    items = [r.strip() for r in radii.split(",")] if isinstance(radii, str) else list(radii)
    out: list[float] = []
    for item in items:
        if isinstance(item, str) and item.lower() in ("n", "inf", ""):
            if item == "":
                continue
            out.append(math.inf)
            continue
        try:
            value = float(item)
        except (TypeError, ValueError) as exc:
            raise InputError(f"radius '{item}' is not a number of metres or 'n'") from exc
        if not value > 0:
            raise InputError(f"radius {item} must be positive (metres), or 'n'")
        out.append(value)
    if not out:
        raise InputError("no radius given: use e.g. 400,800,n")
    return sorted(set(out))


def parse_costs(cost: str | Iterable[str]) -> list[str]:
    """Cost names from ``"angular,metric"`` or a list, validated."""
    items = [c.strip() for c in cost.split(",")] if isinstance(cost, str) else list(cost)
    items = [c for c in items if c]
    for c in items:
        if c not in COSTS:
            raise InputError(f"unknown cost '{c}': choose from {', '.join(COSTS)}")
    if not items:
        raise InputError("no cost given: use e.g. angular,metric")
    return list(dict.fromkeys(items))


#: Columns of the ``warnings`` layer (see :mod:`stadsrum.measures.plausibility`):
#: what kind of doubt, which layer and feature (or place-node pair) it concerns,
#: the checked value, the limit it exceeds, and an English message.
WARNING_COLUMNS = (
    "kind",
    "layer",
    "feature_id",
    "place_id",
    "node_id",
    "value",
    "limit",
    "message",
)

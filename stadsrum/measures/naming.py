"""The one place that names output columns (see the interface contract)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from stadsrum.errors import InputError
from stadsrum.messages import count

__all__ = [
    "COSTS",
    "WARNING_COLUMNS",
    "input_renames",
    "mean_column",
    "minutes_column",
    "nearest_column",
    "parse_radii",
    "radius_label",
    "reach_column",
    "renamed_note",
    "segment_column",
]

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
        # an empty item ("400,,800", a trailing comma) is more likely a radius lost
        # in typing than one meant to be left out: refuse it rather than guess
        if isinstance(item, str) and item.strip() == "":
            raise InputError(
                f"radii {radii!r} has an empty item: give radii in metres or n, "
                "separated by single commas, e.g. 400,800,n"
            )
        if isinstance(item, str) and item.lower() in ("n", "inf"):
            out.append(math.inf)
            continue
        try:
            value = float(item)
        except (TypeError, ValueError) as exc:
            raise InputError(f"radius '{item}' is not a number of metres or 'n'") from exc
        if not value > 0:  # nan and negative radii included
            raise InputError(f"radius {item} must be positive (metres), or 'n'")
        out.append(value)
    if not out:
        raise InputError("no radius given: use e.g. 400,800,n")
    return sorted(set(out))


def parse_costs(cost: str | Iterable[str]) -> list[str]:
    """Cost names from ``"angular,metric"`` or a list, validated."""
    items = [c.strip() for c in cost.split(",")] if isinstance(cost, str) else list(cost)
    if not any(items):
        raise InputError("no cost given: use e.g. angular,metric")
    # An empty item ("angular,,metric") is more likely a cost lost in typing than one
    # meant to be left out: refused like an empty radius, not guessed away.
    if not all(isinstance(c, str) and c for c in items):
        raise InputError(f"cost {cost!r} has an empty item: use e.g. angular,metric")
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


def input_renames(columns: Iterable[object], outputs: Iterable[str]) -> dict[str, str]:
    """New names for the input columns that an analysis is about to write itself.

    An input that is an earlier result (segment analysis run on a
    ``segments`` layer, a network with a column ``integration_angular_rn``)
    holds columns with the names of the outputs. The rule, the same as
    network preparation's for its own columns: the input's column is kept as
    ``{name}_input`` (``{name}_input2``, … where that is taken too), so
    nothing is lost, the new result has the plain name, and running an
    analysis again on its own result keeps working.
    """
    names = [str(c) for c in columns]
    reserved = set(outputs)
    taken = set(names) | reserved
    renames: dict[str, str] = {}
    for name in names:
        if name not in reserved:
            continue
        kept, n = f"{name}_input", 2
        while kept in taken:
            kept, n = f"{name}_input{n}", n + 1
        taken.add(kept)
        renames[name] = kept
    return renames


def renamed_note(what: str, renames: Mapping[str, str]) -> str:
    """One line saying which input columns were kept under another name."""
    shown = [f"{old} → {new}" for old, new in list(renames.items())[:4]]
    more = len(renames) - len(shown)
    tail = f" and {more} more" if more else ""
    verb = "has" if len(renames) == 1 else "have"
    return (
        f"{what}: {count(len(renames), 'input column')} {verb} the name of a result column "
        f"(an earlier result as input?) and {'is' if len(renames) == 1 else 'are'} kept as "
        f"*_input: {', '.join(shown)}{tail}"
    )


# --- place-to-node measures: distances, accessibility, barriers ----------------------


def reach_column(radius: float) -> str:
    """``reach_r{R}``: attractions reached within a walking radius: ``reach_r600``, ``reach_rn``."""
    return f"reach_r{radius_label(radius)}"


def minutes_column(stem: str, minutes: float) -> str:
    """``{stem}_{T}min``: ``reach_10min``, ``nodes_within_7_5min``, ``reach_gain_15min``."""
    return f"{stem}_{minutes_label(minutes)}min"


def nearest_column(category: object) -> str:
    """``nearest_{category}_m``: metres to the nearest node or attraction of a category."""
    return f"nearest_{name_slug(category)}_m"


def mean_column(category: object) -> str:
    """``mean_{category}_m``: mean metres to the nodes of a category."""
    return f"mean_{name_slug(category)}_m"


# --- people and areas (AREAS.md): columns of the areas analysis ---------------------


def minutes_label(minutes: float) -> str:
    """``10`` → ``"10"``, ``7.5`` → ``"7_5"`` (a threshold in a column name)."""
    return f"{float(minutes):g}".replace(".", "_")


def name_slug(text: object) -> str:
    """A category or group as it appears in a column name (spaces as ``_``)."""
    return str(text).strip().replace(" ", "_") or "uncategorised"


def people_column(stem: str, *, minutes: float | None = None, group: str | None = None) -> str:
    """``{stem}[_{T}min][_{group}]``: ``share_school_10min_born_abroad``, ``reach_pop_5min``."""
    name = stem if minutes is None else f"{stem}_{minutes_label(minutes)}min"
    return name if group is None else f"{name}_{group}"

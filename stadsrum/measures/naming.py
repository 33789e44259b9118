"""The one place that names output columns (see the interface contract)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from stadsrum.errors import InputError
from stadsrum.messages import count

__all__ = [
    "COSTS",
    "RADIUS_KINDS",
    "WARNING_COLUMNS",
    "Radius",
    "input_renames",
    "mean_column",
    "metric_radii",
    "minutes_column",
    "nearest_column",
    "parse_radii",
    "parse_radius_specs",
    "radius_label",
    "reach_column",
    "renamed_note",
    "segment_column",
]

COSTS = ("angular", "metric", "steps", "time")


#: Radius types (PST's ``DistanceType``): walking metres along the least-metre
#: route, straight-line metres, steps (direction changes) and angular degrees
#: along the least-steps / least-angle route. ``walking`` is the plain radius.
RADIUS_KINDS = ("walking", "straight", "steps", "angular")


@dataclass(frozen=True)
class Radius:
    """One typed radius: ``kind`` in :data:`RADIUS_KINDS` and its ``limit``.

    ``limit`` is metres (walking, straight), direction changes (steps) or
    degrees (angular); ``inf`` is radius n (the whole connected component,
    always of kind walking). Made by :func:`parse_radius_specs`.
    """

    kind: str
    limit: float

    @property
    def is_walking(self) -> bool:
        """A plain metric radius (``400``, ``n``), the only kind every analysis takes."""
        return self.kind == "walking"

    @property
    def spec(self) -> str:
        """As the user writes it: ``400``, ``n``, ``straight:500``, ``steps:2``."""
        number = radius_label(self.limit).replace("_", ".")
        return number if self.is_walking else f"{self.kind}:{number}"


def _number_label(value: float) -> str:
    if math.isinf(value):
        return "n"
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", "_")


def radius_label(radius: float | Radius) -> str:
    """``400`` → ``"400"``, ``inf`` → ``"n"``; fractional metres keep their decimals.

    A typed radius carries its kind after the number: ``Radius("straight", 500)``
    → ``"500_straight"``, ``Radius("steps", 2)`` → ``"2_steps"``,
    ``Radius("angular", 90)`` → ``"90_angular"``; walking radii read as plain numbers.
    """
    if isinstance(radius, Radius):
        label = _number_label(radius.limit)
        return label if radius.is_walking else f"{label}_{radius.kind}"
    return _number_label(radius)


def segment_column(measure: str, cost: str, radius: float | Radius) -> str:
    """Column name ``{measure}_{cost}_r{radius}``, e.g. ``integration_angular_r800``,
    ``choice_metric_r500_straight``."""
    return f"{measure}_{cost}_r{radius_label(radius)}"


def _radius_item(item: float | int | str | Radius, radii: object) -> Radius:
    """One item of a radius list as a :class:`Radius` (one clear error if it is none)."""
    if isinstance(item, Radius):
        if item.kind not in RADIUS_KINDS:
            raise InputError(
                f"radius type '{item.kind}' is unknown: choose from {', '.join(RADIUS_KINDS)}"
            )
        return _radius_item(item.spec, radii)
    if isinstance(item, str) and item.strip() == "":
        # an empty item ("400,,800", a trailing comma) is more likely a radius lost
        # in typing than one meant to be left out: refuse it rather than guess
        raise InputError(
            f"radii {radii!r} has an empty item: give radii in metres or n, "
            "separated by single commas, e.g. 400,800,n"
        )
    kind, text = "walking", item
    if isinstance(item, str) and ":" in item:
        head, _, text = item.partition(":")
        kind = head.strip().lower()
        text = text.strip()
        if kind not in RADIUS_KINDS:
            raise InputError(
                f"radius '{item}' has an unknown type '{head.strip()}': choose from "
                f"{', '.join(RADIUS_KINDS)}, e.g. 400,800,n,straight:500,steps:2,angular:90"
            )
    if isinstance(text, str) and text.strip().lower() in ("n", "inf"):
        # every kind without a limit reaches the whole connected component: one radius n
        return Radius("walking", math.inf)
    try:
        value = float(text)
    except (TypeError, ValueError) as exc:
        if kind == "walking":
            raise InputError(f"radius '{item}' is not a number of metres or 'n'") from exc
        raise InputError(f"radius '{item}' is not a number or 'n', e.g. {kind}:2") from exc
    if kind == "walking" and not value > 0:  # nan and negative radii included
        raise InputError(f"radius {item} must be positive (metres), or 'n'")
    if math.isinf(value) and value > 0:
        return Radius("walking", math.inf)
    if kind == "steps":
        # a step is one direction change: a count, and 0 (no change at all) is a
        # catchment too, the segments straight ahead
        if value < 0 or not value.is_integer():
            raise InputError(
                f"radius '{item}' must be a whole number of steps (direction changes), "
                "0 or more, e.g. steps:2"
            )
    elif not value > 0:  # nan and -inf included
        raise InputError(f"radius '{item}' must be more than 0, or 'n'")
    return Radius(kind, value)


def parse_radius_specs(radii: Iterable[float | int | str | Radius] | str) -> list[Radius]:
    """Typed radii, validated: ``"400,800,n,straight:500,steps:2,angular:90"``.

    Items are walking metres (``400``, also ``walking:400``), ``n`` (whole
    network), ``straight:M`` (straight-line metres), ``steps:K`` (whole
    direction changes, 0 or more) or ``angular:D`` (degrees, more than 0);
    ``kind:n`` is radius n. A list may mix numbers, texts and :class:`Radius`.
    Returned without duplicates, walking radii first and then by type in the
    order of :data:`RADIUS_KINDS`, each type ascending (``n`` last of walking).

    Raises
    ------
    InputError
        One message naming the item at fault and what to write instead.
    """
    items: Sequence[float | int | str | Radius]
    items = [r.strip() for r in radii.split(",")] if isinstance(radii, str) else list(radii)
    out = [_radius_item(item, radii) for item in items]
    if not out:
        raise InputError("no radius given: use e.g. 400,800,n")
    return sorted(set(out), key=lambda r: (RADIUS_KINDS.index(r.kind), r.limit))


def metric_radii(radii: Sequence[Radius], what: str) -> list[float]:
    """The limits of walking radii; one clear error for a typed radius ``what`` cannot take."""
    typed = [r for r in radii if not r.is_walking]
    if typed:
        raise InputError(
            f"{what} takes walking radii only (metres or n), not "
            f"{', '.join(r.spec for r in typed)}: radius types work in segments, "
            "accessibility and service areas"
        )
    return [r.limit for r in radii]


def parse_radii(
    radii: Iterable[float | int | str] | str, what: str = "this analysis"
) -> list[float]:
    """Radii in metres as ascending floats, ``"n"`` (whole network) as ``inf``.

    Accepts ``"400,800,n"`` or a list such as ``[400, 800, "n"]``; a typed
    radius (``straight:500``) is refused in one line naming ``what`` (the
    analyses that take types read :func:`parse_radius_specs`).
    """
    return metric_radii(parse_radius_specs(radii), what)


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


def reach_column(radius: float | Radius) -> str:
    """``reach_r{R}``: attractions reached within a radius: ``reach_r600``, ``reach_rn``,
    ``reach_r500_straight``."""
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

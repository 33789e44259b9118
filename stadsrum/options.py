"""Option values checked before any work is done, by one set of rules.

The command line (:mod:`stadsrum.cli`), the Python API (the ``run_*`` functions
of :mod:`stadsrum.workflows`) and study files share these rules, so that a
value that means nothing (``nan`` metres, a negative speed, an empty item in
``"400,,800"``, ``threads="2"``) is refused the same way everywhere, in one
line naming the option, before a layer is read or a network prepared: found
only after minutes of preparation, it would waste them.

This module imports nothing heavy: the command line uses it for its usage
errors before numpy and geopandas are loaded.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from stadsrum.errors import InputError, InputTypeError

__all__ = [
    "DEFAULT_SPEED",
    "check_options",
    "checked_options",
    "number_problem",
    "numeric_kind",
    "parse_minutes",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Walking speed in metres per second (about 4.7 km/h), the default of every analysis
#: that turns metres into minutes: the one place it is written, so the command line's
#: help, the QGIS default, the Python API and the docs cannot drift apart.
DEFAULT_SPEED = 1.3

#: Numeric options that must be more than 0; every other one may be 0 but not less.
MORE_THAN_ZERO = frozenset(
    {"speed", "grid_spacing", "max_link_length", "threads", "nearest", "batch_size"}
)
#: Upper limits where a larger value means nothing (degrees of a turn).
AT_MOST = {"step_threshold": 180.0, "turn_threshold": 180.0}
#: Text options holding radii (metres or n) and minutes, checked as the analyses read them.
RADII = frozenset({"radii", "access_radii"})
MINUTES = frozenset({"thresholds", "environment"})
COSTS = frozenset({"cost"})
#: Annotations (as text: the modules use postponed annotations) of numeric parameters.
_NUMERIC = {"float": float, "float | None": float, "int": int, "int | None": int}


def numeric_kind(annotation: object) -> type | None:
    """``int`` or ``float`` for the annotation (as text) of a numeric option, else None."""
    return _NUMERIC.get(str(annotation))


def parse_minutes(
    thresholds: str | float | Iterable[float | int | str], *, what: str = "thresholds"
) -> list[float]:
    """Minutes such as ``"5,10,15"`` or ``[5, 10, 15]`` as ascending, distinct floats.

    ``what`` names the option in messages (``"environment"`` for the areas' local
    environments), so a planner is pointed at the option that holds the bad item.

    An empty item (``"5,,10"``, a trailing comma, ``None`` in a list) is refused
    like an empty radius: more likely a threshold lost in typing than one meant
    to be left out, so it is not guessed away.

    Raises
    ------
    InputError
        Naming the item that is empty, no number, not positive or not finite.
    """
    one = what.removesuffix("s")  # "threshold 0 in …", "environment 0 in …"
    items: list[Any]
    if isinstance(thresholds, str):
        items = [t.strip() for t in thresholds.split(",")]
    elif isinstance(thresholds, numbers.Real) and not isinstance(thresholds, bool):
        items = [thresholds]
    elif isinstance(thresholds, Iterable):
        items = list(thresholds)
    else:
        raise InputTypeError(
            f"{what} must be minutes as text ('5,10,15') or a list of numbers, "
            f"not {type(thresholds).__name__}"
        )
    values: list[float] = []
    for item in items:
        if item is None or (isinstance(item, str) and not item.strip()):
            raise InputError(
                f"{what} {thresholds!r} has an empty item: give minutes separated by "
                "single commas, e.g. 5,10,15"
            )
        try:
            if isinstance(item, bool):  # True is 1 to float(), never a number of minutes
                raise TypeError
            minutes = float(item)
        except (TypeError, ValueError):
            raise InputError(
                f"{one} {item!r} in {thresholds!r} is not a number of minutes (e.g. 5,10,15)"
            ) from None
        if not (math.isfinite(minutes) and minutes > 0):
            raise InputError(
                f"{one} {item} in {thresholds!r} is not a positive, finite number of minutes"
            )
        values.append(minutes)
    if not values:
        raise InputError(f"no {what} given: use minutes such as 5,10,15")
    return sorted(set(values))


def number_problem(name: str, value: Any) -> str | None:
    """What is wrong with the value of option ``name``, or None (flags, None and
    options with no rule here pass)."""
    if isinstance(value, bool) or value is None:
        return None
    if name in RADII | COSTS | MINUTES:
        return _list_problem(name, value)
    if isinstance(value, numbers.Real):
        value = float(value)  # numpy numbers too
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        if name in MORE_THAN_ZERO and value <= 0:
            return f"must be more than 0, got {value:g}"
        if value < 0:
            return f"must be 0 or more, got {value:g}"
        limit = AT_MOST.get(name)
        if limit is not None and value > limit:
            return f"must be at most {limit:g}, got {value:g}"
    return None


def _list_problem(name: str, value: Any) -> str | None:
    """Radii, costs or minutes: read as the analyses read them (the message names
    the item at fault, or the option when the value is no text or list)."""
    # radii of any type pass here: the analysis that cannot take a type refuses it
    from stadsrum.measures.naming import parse_costs, parse_radius_specs

    if name in MINUTES:
        parse: Callable[[Any], Any] = functools.partial(parse_minutes, what=name)
    elif isinstance(value, str | Iterable):
        parse = parse_radius_specs if name in RADII else parse_costs
    else:
        example = "400,800,n" if name in RADII else "angular,metric"
        return f"{name} must be text such as {example} or a list, not {value!r}"
    try:
        parse(value)
    except (InputError, InputTypeError) as exc:
        return str(exc)
    return None


def check_options(function: str, values: dict[str, Any], numeric: dict[str, type]) -> None:
    """Refuse, in one line naming ``function`` and the option, a value that means nothing.

    ``numeric`` maps the numeric options to ``int`` or ``float``: text there
    (``threads="2"``) is refused as the wrong kind, and an ``int`` option takes
    whole numbers only.

    Raises
    ------
    InputTypeError
        A numeric option given as text, a flag or a fraction where a whole number is due.
    InputError
        A value :func:`number_problem` finds wrong.
    """
    for name, value in values.items():
        kind = numeric.get(name)
        if kind is not None and value is not None:
            whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            real = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not (whole if kind is int else real):
                wanted = "a whole number" if kind is int else "a number"
                raise InputTypeError(
                    f"{name} must be {wanted}, not {type(value).__name__} {value!r}",
                    where=function,
                )
        problem = number_problem(name, value)
        if problem:
            # the readers of radii, costs and minutes name the item at fault themselves
            named = problem if name in RADII | COSTS | MINUTES else f"{name} {problem}"
            raise InputError(named, where=function)


def checked_options(func: F) -> F:
    """Check ``func``'s option values (see :func:`check_options`) before it runs.

    The numeric options are those annotated ``int``, ``float`` or either ``| None``.
    """
    signature = inspect.signature(func)
    numeric = {
        name: _NUMERIC[str(p.annotation)]
        for name, p in signature.parameters.items()
        if str(p.annotation) in _NUMERIC
    }

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:  # a missing or unknown argument: the call itself says which
            return func(*args, **kwargs)
        check_options(func.__name__, bound.arguments, numeric)
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

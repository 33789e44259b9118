"""One frozen options record per analysis: each option declared once.

A record (:class:`SegmentOptions`, :class:`BarrierOptions`, …) lists what an
analysis computes with: each field is an option, with its default, its type
(the Python API's), and an :class:`OptionSpec` holding what the faces need —
the command line's help text and names, the allowed words, whether
``run_metadata`` records it, the QGIS parameter it is read from. The faces
build from it instead of spelling the option again:

- the command line makes one ``--option`` per field (:func:`stadsrum.cli`'s
  ``_with_options``), help text and default from here;
- the workflows (:func:`takes_options`) offer every field as a keyword, so
  ``run_segments(net, out, radii="400,n")`` works as it always did, and
  hand the analysis one record; ``options=SegmentOptions(...)`` is taken too;
- a study file's sections are checked against the workflows' signatures,
  which now come from here, and its allowed words from :meth:`Options.choices`;
- ``run_metadata`` records :meth:`Options.metadata`.

What is no option stays a plain parameter of the workflow: the input layers
and their layer names, ``crs`` (it applies to every input), and how a run is
executed (``threads``, ``scheduler``, ``progress``, a Dask ``client``).

A record checks its values when made (:func:`stadsrum.options.check_options`),
so a record that exists means something. This module imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from stadsrum.errors import InputError, InputTypeError
from stadsrum.options import DEFAULT_SPEED, check_options, numeric_kind

__all__ = [
    "RECORDS",
    "AccessibilityOptions",
    "AreaOptions",
    "BarrierOptions",
    "BetweennessOptions",
    "CompareOptions",
    "DistanceOptions",
    "NetworkOptions",
    "OptionSpec",
    "Options",
    "PrepareOptions",
    "SegmentOptions",
    "comma_words",
    "option",
    "option_of",
    "read_centre",
    "spec_of",
    "takes_options",
]

R = TypeVar("R")
RecordT = TypeVar("RecordT", bound="Options")

#: Key of a field's :class:`OptionSpec` in its ``dataclasses.Field.metadata``.
SPEC = "stadsrum"


@dataclasses.dataclass(frozen=True)
class OptionSpec:
    """What the faces need to know of one option, beside its name, type and default."""

    help: str
    """The command line's help text (``--help``)."""
    flags: tuple[str, ...] = ()
    """The command line's names; none: ``--`` and the field's name with ``-`` for ``_``."""
    choices: tuple[str, ...] = ()
    """The words allowed (shown as ``<a|b>`` by ``--help``, checked in study files)."""
    text: bool = False
    """The command line takes the value as text (a comma list, ``X,Y``) the API also
    takes as a list or tuple; the command line reads it into the record's form."""
    cli: bool = True
    """An option of the command line (False: of the Python API and study files only)."""
    metadata: bool = True
    """Recorded in ``run_metadata``."""
    qgis: str | None = None
    """The QGIS Processing parameter it is read from, where the plugin offers it
    (none: the option's name in capitals)."""
    read: Callable[[str], Any] | None = None
    """Reads the command line's text into the record's form (``"a,b"`` → a list)."""
    cli_default: Any = None
    """The command line's default, where it is not the record's (none: the record's):
    ``compare --measures`` names the measures it compares, where the Python API's
    None means the same ones."""
    cli_negated: bool = False
    """The command line offers a ``True`` option as a flag that turns it off (``flags``,
    e.g. ``--no-segments``; ``help`` says what the flag does): given, the option is False."""


def option(
    default: Any,
    help: str,
    *,
    flags: tuple[str, ...] = (),
    choices: tuple[str, ...] = (),
    text: bool = False,
    cli: bool = True,
    metadata: bool = True,
    qgis: str | None = None,
    read: Callable[[str], Any] | None = None,
    cli_default: Any = None,
    cli_negated: bool = False,
) -> Any:
    """A record field: its default and its :class:`OptionSpec`."""
    spec = OptionSpec(
        help, flags, choices, text, cli, metadata, qgis, read, cli_default, cli_negated
    )
    return dataclasses.field(default=default, metadata={SPEC: spec})


def option_of(record: type[Options], name: str, **changes: Any) -> Any:
    """The option ``name`` of ``record`` as a field of another record: one option
    declared once where two analyses share it (compare's ``max_link`` is that of
    the distances it runs), its default and spec as there but for ``changes``
    (``default=`` and any :class:`OptionSpec` attribute, such as ``help=``)."""
    found = [f for f in record.fields() if f.name == name]
    if not found:
        raise TypeError(f"{record.__name__} has no option '{name}'")
    default = changes.pop("default", found[0].default)
    spec = dataclasses.replace(spec_of(found[0]), **changes)
    return dataclasses.field(default=default, metadata={SPEC: spec})


@dataclasses.dataclass(frozen=True)
class Options:
    """Base of the options records: frozen, made from keywords, checked when made."""

    #: The function named in messages about a bad value (the workflow's, as before).
    WHERE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        kinds = {f.name: numeric_kind(f.type) for f in self.fields()}
        numeric = {name: kind for name, kind in kinds.items() if kind is not None}
        # the words of choices are checked by the analyses that read them, in their words
        check_options(self.WHERE or type(self).__name__, self.values(), numeric)

    @classmethod
    def fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        return dataclasses.fields(cls)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in cls.fields())

    @classmethod
    def choices(cls) -> dict[str, tuple[str, ...]]:
        """The options that take one of a few words, and those words."""
        return {f.name: spec_of(f).choices for f in cls.fields() if spec_of(f).choices}

    @classmethod
    def from_kwargs(cls: type[RecordT], **kwargs: Any) -> RecordT:
        """The record from keywords (any not given: the default); an unknown one is
        refused naming the nearest known option."""
        known = cls.names()
        for name in kwargs:
            if name not in known:
                match = difflib.get_close_matches(name, known, n=1)
                near = f" (did you mean '{match[0]}'?)" if match else ""
                raise TypeError(f"{cls.__name__} has no option '{name}'{near}")
        return cls(**kwargs)

    def values(self) -> dict[str, Any]:
        """Every option and its value, in the record's order."""
        return {f.name: getattr(self, f.name) for f in self.fields()}

    @classmethod
    def qgis_parameters(cls) -> dict[str, str]:
        """Each option and the QGIS Processing parameter a dialog offers it as (the
        option's name in capitals, INTERFACES.md, unless its spec names another)."""
        return {f.name: spec_of(f).qgis or f.name.upper() for f in cls.fields()}

    def metadata(self) -> dict[str, Any]:
        """The options ``run_metadata`` records, with their values."""
        return {f.name: getattr(self, f.name) for f in self.fields() if spec_of(f).metadata}


def spec_of(f: dataclasses.Field[Any]) -> OptionSpec:
    spec = f.metadata.get(SPEC)
    if spec is None:
        raise TypeError(f"option {f.name} is declared without stadsrum.records.option()")
    return spec


def record_parameters(cls: type[Options]) -> list[inspect.Parameter]:
    """The record's options as keyword-only parameters (annotations as text, as the
    workflows' own: :func:`stadsrum.options.checked_options` reads them)."""
    return [
        inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=str(f.type)
        )
        for f in cls.fields()
    ]


def takes_options(**records: type[Options]) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Offer the options of ``records`` as keywords of the decorated workflow.

    ``records`` maps a parameter of the workflow (``options``) to its record
    class (:class:`SegmentOptions`). The workflow's signature, as
    :func:`inspect.signature`, ``help()`` and study files see it, gains each
    option of the record as a keyword-only parameter after that one; a call
    gathers them into the record, on top of the record given as that
    parameter, if any (so ``options=base, radii="800"`` changes one option).
    """

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(func)
        params: list[inspect.Parameter] = []
        seen: set[str] = set(signature.parameters)
        for p in signature.parameters.values():
            if p.name in records:
                params.append(
                    p.replace(
                        kind=inspect.Parameter.KEYWORD_ONLY,
                        default=None,
                        annotation=f"{records[p.name].__name__} | None",
                    )
                )
                for q in record_parameters(records[p.name]):
                    if q.name in seen:  # two records, or a record and the workflow, share it
                        raise TypeError(f"{func.__name__}: option {q.name} declared twice")
                    seen.add(q.name)
                    params.append(q)
            else:
                params.append(p)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            for name, cls in records.items():
                kwargs[name] = _gather(cls, kwargs.pop(name, None), kwargs, func.__name__)
            return func(*args, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _gather(cls: type[RecordT], given: Any, kwargs: dict[str, Any], function: str) -> RecordT:
    """The record of ``cls``: ``given`` (or the defaults) with the options in ``kwargs``
    (taken out of it) put in."""
    if given is not None and not isinstance(given, cls):
        raise InputTypeError(
            f"options must be a {cls.__name__}, not {type(given).__name__}", where=function
        )
    values = {name: kwargs.pop(name) for name in cls.names() if name in kwargs}
    if given is None:
        return cls(**values)
    return dataclasses.replace(given, **values) if values else given


def comma_words(text: str) -> list[str] | None:
    """``"a, b"`` → ``["a", "b"]``: a comma list of words as the command line takes it
    (empty text: none given)."""
    return [word.strip() for word in text.split(",")] if text else None


# --- the records -----------------------------------------------------------------------------

PREPARE_HELP = (
    "full: clean and node the lines; none: keep every input line as one segment, "
    "joined only where end points coincide (as depthmapX and PST take them). Default: "
    "full (none for a stadsrum network GeoPackage)."
)
SPLIT_CROSSINGS_HELP = (
    "Join lines that cross without a shared vertex? auto: decide from the data (a "
    "noded layer such as NVDB keeps them apart as bridges and tunnels, an un-noded "
    "drawing is split); yes: always split; no: never. Each crossing is listed in the "
    "diagnostics layer."
)


@dataclasses.dataclass(frozen=True)
class PrepareOptions(Options):
    """How the street network is read and prepared: the travel mode of an OSM file,
    the preparation and the crossings (``stadsrum areas``; the other analyses take
    :class:`NetworkOptions`, these and a filter and a clip).

    ``run_metadata`` records ``prepare`` as the network was prepared (a stadsrum
    GeoPackage is read as it is), so the workflows write it themselves.
    """

    mode: str = option(
        "walk",
        "Travel mode for OSM input.",
        choices=("walk", "bike", "drive", "all"),
        metadata=False,
    )
    prepare: str | None = option(None, PREPARE_HELP, choices=("full", "none"))
    split_crossings: str | bool | None = option(
        "auto", SPLIT_CROSSINGS_HELP, choices=("auto", "yes", "no")
    )


@dataclasses.dataclass(frozen=True)
class NetworkOptions(PrepareOptions):
    """How the street network is read and prepared, where an analysis reads it:
    :class:`PrepareOptions`, a filter and a clip (recorded as text in
    ``run_metadata``, by the workflows)."""

    where: str | None = option(
        None,
        "SQL filter on the network layer's columns, applied as it is read, e.g. "
        "\"highway <> 'motorway'\".",
    )
    clip: Any = option(
        None,
        "Read only network lines meeting this area: a polygon file (e.g. the "
        "municipality boundary) or minx,miny,maxx,maxy in the layer's coordinates.",
        text=True,
    )

    def metadata(self) -> dict[str, Any]:
        meta = super().metadata()
        del meta["clip"]  # the workflow records it as text
        return meta


@dataclasses.dataclass(frozen=True)
class SegmentOptions(Options):
    """The options of the space syntax segment analysis (``stadsrum segments``,
    :func:`stadsrum.measures.segment.segment_analysis`)."""

    WHERE: ClassVar[str] = "run_segments"

    cost: str | list[str] = option(
        "angular",
        "Comma list of costs: angular, metric, steps, time.",
        text=True,
    )
    radii: str | list[float | int | str] = option(
        "n",
        "Comma list of radii: walking metres, n for the whole network, or a type as PST's: "
        "straight:500 (metres as the crow flies), steps:2 (direction changes), angular:90 "
        "(degrees of turning); e.g. 400,800,n,straight:500.",
        text=True,
    )
    radius_mode: str = option(
        "catchment",
        "catchment: segments within R by the shortest walk (default); route: the "
        "metric length of the least-cost route, as depthmapX and PST.",
        choices=("catchment", "route"),
    )
    weight: str | None = option(None, "Column weighting origins and destinations.")
    tulip_bins: int = option(0, "0 = exact angles; 1024 as depthmapX's tulip analysis.")
    split: str = option(
        "edge",
        "edge: a segment per street between junctions; vertex: per straight "
        "piece (depthmapX segment map).",
        choices=("edge", "vertex"),
    )
    measures: list[str] | None = option(
        None,
        "Comma list of measures (default: all).",
        text=True,
        read=comma_words,
    )
    step_threshold: float = option(0.0, "Degrees a move must turn to count as a step.")
    speed: float = option(DEFAULT_SPEED, "Walking speed for the time cost, m/s.")


def read_centre(text: str) -> tuple[float, float]:
    """``--centre X,Y`` (the network's CRS) as a point."""
    import math

    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise InputError(f"--centre must be X,Y in the network's CRS, got '{text}'") from exc
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError(f"--centre must be two finite coordinates X,Y, got '{text}'")
    return (x, y)


@dataclasses.dataclass(frozen=True)
class BarrierOptions(Options):
    """The options of the barrier analysis (``stadsrum barriers``,
    :func:`stadsrum.measures.barriers.barrier_analysis`; ``area_id`` to
    ``environment`` for :func:`~stadsrum.measures.barriers.barrier_segregation`)."""

    WHERE: ClassVar[str] = "run_barriers"
    #: The options of barriers and segregation only (with population and areas).
    SEGREGATION: ClassVar[tuple[str, ...]] = (
        "area_id",
        "population_column",
        "groups",
        "environment",
    )

    max_link_length: float = option(150.0, "Longest candidate link across a barrier, metres.")
    best_k: int = option(5, "Choose this many candidate links together, greedily (0: off).")
    candidate_spacing: float = option(
        100.0, "Leave out candidate links closer (m) to a better one (0: keep all)."
    )
    category: str | None = option(None, "Category column of the barriers (default: category).")
    categories: str | list[str] | None = option(
        None, "Only these barrier categories, e.g. railway,water.", text=True
    )
    barrier_id: str | None = option(None, "Column naming the barrier each feature belongs to.")
    merge_gap: float = option(25.0, "Features (and crossings) closer than this (m) are one.")
    gap: float = option(150.0, "Widest gap (m) bridged when a barrier is made permeable.")
    place_id: str = option("place_id", "Id column of the places.")
    node_id: str = option("node_id", "Id column of the nodes.")
    node_category: str | None = option(None, "Category column of the nodes.")
    proposal_id: str | None = option(None, "Id column of the proposal.")
    place_weight: str | None = option(None, "Weight column of the places (e.g. population).")
    node_weight: str | None = option(None, "Weight column of the nodes.")
    thresholds: str | list[float] = option(
        "10,15", "Reach thresholds, minutes of walking.", text=True
    )
    speed: float = option(DEFAULT_SPEED, "Walking speed, metres per second.")
    max_link: float = option(200.0, "Largest distance (m) from a place or node to the network.")
    snap_tolerance: float = option(
        1.0, "Largest distance (m) from a proposal's end to the network."
    )
    detour_origins: str = option(
        "grid",
        "Detour surface from a grid or segment midpoints.",
        choices=("grid", "segments"),
    )
    grid_spacing: float = option(100.0, "Detour grid spacing, metres.")
    centre: tuple[float, float] | None = option(
        None, "X,Y (network CRS): detour surface to this point.", text=True, read=read_centre
    )
    effect: bool = option(True, "Compute the barrier effect (permeable counterfactual).")
    effect_segments: bool = option(True, "The barrier effect per street segment too.", cli=False)
    area_id: str | None = option(None, "Id column of the areas.")
    population_column: str | None = option(None, "Total column of the population.")
    groups: str | Sequence[str] | None = option(
        None, "Group columns, e.g. born_sweden,born_abroad.", text=True
    )
    environment: str | list[float] = option(
        "10", "Minutes of the local environments (network segregation).", text=True
    )


POLYGONS_HELP = (
    "How polygons without entrance points join the streets: entrances (where streets "
    "meet them), centroid, or boundary:N (a point every N metres round the outline, "
    "as near as the nearest)."
)
BUILDING_ID_HELP = (
    "Column naming the building (place) in both a layer and its entrance points "
    "(default: building_id, for distances the --place-id column)."
)


@dataclasses.dataclass(frozen=True)
class DistanceOptions(Options):
    """The options of place-to-node distances and service areas (``stadsrum
    distances``, :func:`stadsrum.measures.proximity.place_distances` and
    :func:`~stadsrum.measures.proximity.service_areas`)."""

    WHERE: ClassVar[str] = "run_distances"

    place_id: str = option("place_id", "Id column of the places.")
    node_id: str = option("node_id", "Id column of the nodes.")
    node_category: str | None = option(None, "Category column of the nodes (station, school, ...).")
    max_link: float = option(200.0, "Largest distance (m) from a place or node to the network.")
    speed: float = option(DEFAULT_SPEED, "Walking speed, metres per second.")
    thresholds: str | list[float] = option(
        "5,10,15", "Service-area thresholds, minutes of walking.", text=True
    )
    service_radii: str | list[float | int | str] | None = option(
        None,
        "Service areas within radii besides the minutes: walking metres (400), "
        "straight:500 (as the crow flies), steps:2 (direction changes), angular:90 "
        "(degrees of turning); rows with a radius column.",
        text=True,
    )
    step_threshold: float = option(
        0.0, "steps radii: least turn (degrees) that counts as a step; 0: every move."
    )
    nearest: int | None = option(None, "Keep only the k nearest nodes of each place.")
    nearest_per_category: bool = option(
        False, "Keep only the nearest node of each category per place."
    )
    polygons: str = option("entrances", POLYGONS_HELP, flags=("--polygons",))
    place_group: str | None = option(
        None,
        "Column of point places: the points sharing a value are one place (a "
        "building's entrances), as near as its nearest point.",
    )
    building_id: str | None = option(None, BUILDING_ID_HELP)
    routes: bool = option(True, "Draw the route lines.")


@dataclasses.dataclass(frozen=True)
class AccessibilityOptions(Options):
    """The options of attraction distance and reach (``stadsrum accessibility``,
    :func:`stadsrum.measures.accessibility.attraction_accessibility`)."""

    WHERE: ClassVar[str] = "run_accessibility"

    cost: str = option("metric", "Comma list: metric, time, angular, steps.", text=True)
    radii: str | list[float | int | str] = option(
        "n",
        "Radii: walking metres, n for no limit, and radius types as PST's: "
        "straight:500, steps:2, angular:90 (reach only).",
        text=True,
    )
    decay: str = option(
        "none",
        "Distance decay of reach.",
        choices=("none", "linear", "exponential", "gaussian", "pow", "curve", "divide"),
    )
    decay_constant: float = option(1.0, "Exponent c of the pow, curve and divide decays.")
    value: str | None = option(None, "Value column of the attractions.")
    category: str | None = option(None, "Category column of the attractions.")
    max_link: float = option(200.0, "Largest distance (m) from an attraction to the network.")
    speed: float = option(DEFAULT_SPEED, "Walking speed, metres per second.")
    polygons: str = option("centroid", POLYGONS_HELP, flags=("--polygons",))
    attraction_group: str | None = option(
        None,
        "Column of point attractions: the points sharing a value are one attraction, "
        "counted once, as near as its nearest point.",
    )
    origin_group: str | None = option(
        None, "Column of point origins: the points sharing a value are one origin."
    )
    building_id: str | None = option(None, BUILDING_ID_HELP)
    step_threshold: float = option(
        0.0, "steps cost and radii: least turn (degrees) that counts as a step; 0: every move."
    )


@dataclasses.dataclass(frozen=True)
class BetweennessOptions(Options):
    """The options of attraction and OD betweenness (``stadsrum betweenness``,
    :func:`stadsrum.measures.betweenness.betweenness`, whose ``mode`` is
    ``betweenness_mode`` here: ``mode`` is the network's travel mode)."""

    WHERE: ClassVar[str] = "run_betweenness"

    origin_weight: str | None = option(None, "Weight column of the origins (default 1 each).")
    destination_weight: str | None = option(
        None, "Weight column of the destinations or attractions (default 1 each)."
    )
    radii: str | list[float | int | str] = option(
        "n",
        "Most metres of a route, links included; comma list, n for no limit; or a type as "
        "PST's: straight:500 (routes within 500 m of the origin as the crow flies), steps:2 "
        "or angular:90 (direction changes or degrees of the least-cost route).",
        flags=("--radii", "--radius"),
        text=True,
    )
    cost: str = option(
        "metric", "What routes minimise; comma list: metric, angular, steps.", text=True
    )
    betweenness_mode: str = option(
        "all",
        "OD betweenness: all reachable destinations, or the closest only.",
        flags=("--destinations-mode",),
        choices=("all", "closest"),
        qgis="DESTINATIONS_MODE",
    )
    max_link: float = option(200.0, "Largest distance (m) from a feature to the network.")
    polygons: str = option("centroid", POLYGONS_HELP, flags=("--polygons",))
    step_threshold: float = option(
        0.0, "steps cost: least turn (degrees) that counts as a step; 0: every move."
    )


@dataclasses.dataclass(frozen=True)
class AreaOptions(Options):
    """The options of people and areas (``stadsrum areas``,
    :func:`stadsrum.measures.areas.area_analysis`)."""

    WHERE: ClassVar[str] = "run_areas"

    population_column: str | None = option(
        None, "Total column (default: population, pop, ..., else the groups' sum)."
    )
    groups: str | Sequence[str] | None = option(
        None, "Group columns that add up to the total, e.g. born_se,born_abroad.", text=True
    )
    area_id: str | None = option(None, "Id column of the areas (default: deso, regso, area_id).")
    node_category: str | None = option(None, "Category column of the nodes (station, school, ...).")
    thresholds: str | list[float] = option(
        "5,10,15", "Walking minutes for shares, co-presence and reach.", text=True
    )
    environment: str | list[float] = option(
        "10", "Minutes of the local environments (network segregation).", text=True
    )
    speed: float = option(DEFAULT_SPEED, "Walking speed, metres per second.")
    max_link: float = option(200.0, "Largest distance (m) from a resident or node to the network.")
    criteria: str | None = option(
        None,
        "2012 criteria: employment=COL,income_support=COL,eligibility=COL "
        "(a threshold after a colon, e.g. employment=ff:50).",
    )


@dataclasses.dataclass(frozen=True)
class CompareOptions(Options):
    """The options of a before/after comparison (``stadsrum compare``,
    :func:`stadsrum.measures.compare.compare`, whose ``proposal_label`` is
    ``proposal_id`` here).

    Compare runs the segment analysis, the distances and the accessibility
    before and after: an option it hands one of them is that analysis's own
    (:func:`option_of`), so its default, words and help follow it, but where
    compare has always said otherwise (``--thresholds`` 10,15; help texts that
    name the analysis). The options of the proposal are compare's own.
    """

    WHERE: ClassVar[str] = "run_compare"

    cost: str | list[str] = option_of(
        SegmentOptions, "cost", help="Segment analysis costs: angular, metric, steps, time."
    )
    radii: str | list[float | int | str] = option_of(
        SegmentOptions, "radii", help="Segment analysis radii in metres, n for the whole network."
    )
    # None: the measures compare compares (measures.compare.COMPARE_MEASURES), which
    # the command line names; given as text there, read by run_compare
    measures: str | list[str] | None = option_of(
        SegmentOptions,
        "measures",
        help="Segment measures compared (comma list).",
        read=None,
        cli_default="integration,choice,reach_length",
    )
    radius_mode: str = option_of(
        SegmentOptions, "radius_mode", help="catchment or route (see stadsrum segments)."
    )
    segments: bool = option(
        True, "Skip the segment analysis.", flags=("--no-segments",), cli_negated=True
    )
    action: str | None = option("action", "Column of the proposal saying add or remove.")
    proposal_id: str | None = option(None, "Id column of the proposal (for messages).")
    snap_tolerance: float = option(
        1.0, "Largest distance (m) from a proposal's end to the network."
    )
    place_id: str = option_of(DistanceOptions, "place_id")
    node_id: str = option_of(DistanceOptions, "node_id")
    node_category: str | None = option_of(
        DistanceOptions, "node_category", help="Category column of the nodes."
    )
    thresholds: str | list[float] = option_of(
        DistanceOptions,
        "thresholds",
        default="10,15",
        help="Minutes of walking: nodes within each, per place.",
    )
    access_cost: str = option_of(AccessibilityOptions, "cost", cli=False)
    access_radii: str | list[float | int | str] = option_of(
        AccessibilityOptions, "radii", help="Accessibility radii in metres, n for no limit."
    )
    decay: str = option_of(AccessibilityOptions, "decay", cli=False)
    value: str | None = option_of(AccessibilityOptions, "value", cli=False)
    category: str | None = option_of(AccessibilityOptions, "category")
    max_link: float = option_of(DistanceOptions, "max_link")
    speed: float = option_of(DistanceOptions, "speed")


#: Every options record, for the faces that check a value against any of them.
RECORDS: tuple[type[Options], ...] = (
    NetworkOptions,
    AreaOptions,
    SegmentOptions,
    DistanceOptions,
    AccessibilityOptions,
    BetweennessOptions,
    BarrierOptions,
    CompareOptions,
)

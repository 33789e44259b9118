"""The ``stadsrum`` command line: argument parsing only, the work is in :mod:`workflows`."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

#: The one line every interrupt (Ctrl-C, SIGTERM) ends with, at any moment.
CANCELLED_LINE = "cancelled; nothing was written"


def _leave_at_once(signum: int, frame: Any) -> None:
    """Ctrl-C or SIGTERM while the command line's modules load.

    Nothing has been read or written yet, so the process leaves at once: the
    default handler would print a traceback of the import instead.
    """
    os.write(2, f"{CANCELLED_LINE}\n".encode())
    os._exit(130)


def _set_interrupt_handlers(handler: Any) -> dict[int, Any]:
    """Handle SIGINT and SIGTERM with ``handler``; the previous handlers, to restore.

    Only the main thread may set handlers. A signal the parent process ignores
    (``nohup``, a shell's background job) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        old = signal.getsignal(sig)
        if old == signal.SIG_IGN:
            continue
        signal.signal(sig, handler)
        previous[sig] = signal.SIG_DFL if old is None else old
    return previous


def _restore_interrupt_handlers(previous: dict[int, Any]) -> None:
    for sig, old in previous.items():
        signal.signal(sig, old)


# the console script imports this module before main() runs; typer and rich take
# a noticeable part of a second to load, and an interrupt then must not print a
# traceback. Restored at the end of this module, so importing it (tests, scripts)
# leaves no handler behind.
_handlers_while_loading = _set_interrupt_handlers(_leave_at_once)

import functools  # noqa: E402
import inspect  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from enum import StrEnum  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Annotated, TypeVar, get_type_hints  # noqa: E402

import typer  # noqa: E402

from stadsrum.errors import CancelledError, InputError, StadsrumError  # noqa: E402
from stadsrum.i18n import LANGUAGES, set_language, translate  # noqa: E402
from stadsrum.progress import TqdmProgress, check_cancelled  # noqa: E402
from stadsrum.records import (  # noqa: E402
    POLYGONS_HELP,
    AccessibilityOptions,
    AreaOptions,
    BarrierOptions,
    BetweennessOptions,
    CompareOptions,
    DistanceOptions,
    NetworkOptions,
    Options,
    PrepareOptions,
    SegmentOptions,
    read_centre,
    spec_of,
)

if TYPE_CHECKING:
    from stadsrum import workflows
else:  # the analyses' imports (numpy, geopandas, numba) wait for a command that runs
    from stadsrum._lazy import LazyModule

    workflows = LazyModule("stadsrum.workflows")

app = typer.Typer(
    name="stadsrum",
    help="Urban space analysis in a whole-city perspective (stadsrumsanalys).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _top_level_options(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of messages, progress and summaries: sv or en (default: from "
            "LANGUAGE, LC_ALL, LC_MESSAGES or LANG). `report --lang` chooses the report's.",
        ),
    ] = None,
) -> None:
    """Urban space analysis in a whole-city perspective (stadsrumsanalys)."""
    if lang is not None and lang.lower() not in LANGUAGES:
        raise typer.BadParameter(f"choose {' or '.join(LANGUAGES)}, not {lang!r}")
    # set on every run, so that a run without --lang follows the environment again
    set_language(lang)


F = TypeVar("F", bound=Callable[..., Any])

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Hide progress bars and messages.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]
#: ``--network-layer`` too, the name the commands with several inputs use and messages give.
InputLayer = Annotated[
    str | None,
    typer.Option("--layer", "--network-layer", help="Layer name in a multi-layer file."),
]


class Mode(StrEnum):
    walk = "walk"
    bike = "bike"
    drive = "drive"
    all = "all"


class PrepareChoice(StrEnum):
    full = "full"
    none = "none"


class ComponentsChoice(StrEnum):
    largest = "largest"
    all = "all"


Crs = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="Coordinate reference system of input layers that have none, e.g. EPSG:3006 "
        "(SWEREF 99 TM); layers with one keep theirs.",
    ),
]


class SplitCrossingsChoice(StrEnum):
    auto = "auto"
    yes = "yes"
    no = "no"


SplitCrossings = Annotated[
    SplitCrossingsChoice,
    typer.Option(
        "--split-crossings",
        help="Join lines that cross without a shared vertex? auto: decide from the data (a "
        "noded layer such as NVDB keeps them apart as bridges and tunnels, an un-noded "
        "drawing is split); yes: always split; no: never. Each crossing is listed in the "
        "diagnostics layer.",
    ),
]
Where = Annotated[
    str | None,
    typer.Option(
        "--where",
        help="SQL filter on the network layer's columns, applied as it is read, e.g. "
        "\"highway <> 'motorway'\".",
    ),
]
Clip = Annotated[
    str | None,
    typer.Option(
        "--clip",
        help="Read only network lines meeting this area: a polygon file (e.g. the "
        "municipality boundary) or minx,miny,maxx,maxy in the layer's coordinates.",
    ),
]
Prepare = Annotated[
    PrepareChoice | None,
    typer.Option(
        help="full: clean and node the lines; none: keep every input line as one segment, "
        "joined only where end points coincide (as depthmapX and PST take them). Default: "
        "full (none for a stadsrum network GeoPackage)."
    ),
]


@functools.cache
def _choice_type(name: str, choices: tuple[str, ...]) -> type[StrEnum]:
    """The words of an option as an enum, which typer shows as ``<a|b>`` and checks."""
    return StrEnum(name.title().replace("_", ""), [(c, c) for c in choices])  # type: ignore[return-value]


def _option_parameters(record: type[Options]) -> list[inspect.Parameter]:
    """One typer option per option of ``record`` that the command line offers."""
    hints = get_type_hints(record)
    params = []
    for f in record.fields():
        spec = spec_of(f)
        if not spec.cli:
            continue
        kind: Any = str if spec.text else hints[f.name]
        default = f.default if spec.cli_default is None else spec.cli_default
        if spec.cli_negated:  # a flag that turns the option off (--no-segments)
            default = not default
        if spec.choices:
            kind = _choice_type(f.name, spec.choices)
            default = None if default is None else kind(default)
        if default is None:
            kind = kind | None
        option = typer.Option(*spec.flags, help=spec.help)
        params.append(
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=Annotated[kind, option],
            )
        )
    return params


def _with_options(func: F) -> F:
    """A command with one option per option of each record among its parameters.

    A parameter annotated with an options record (``options: SegmentOptions``)
    stands for the record's options: ``--help`` lists them in its place, and the
    command receives the record made from them. No ``functools.wraps``: the
    command's signature, for typer and for the tests that read its options, is
    the one made here.
    """
    hints = get_type_hints(func, include_extras=True)
    params: list[inspect.Parameter] = []
    records: dict[str, type[Options]] = {}
    for p in inspect.signature(func).parameters.values():
        hint = hints[p.name]
        if isinstance(hint, type) and issubclass(hint, Options):
            records[p.name] = hint
            params.extend(_option_parameters(hint))
        else:
            params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hint))

    def command(**kwargs: Any) -> Any:
        for name, record in records.items():
            values = {}
            for f in record.fields():
                if f.name not in kwargs:
                    continue
                value = kwargs.pop(f.name)
                read = spec_of(f).read
                if spec_of(f).cli_negated:
                    value = not value
                elif isinstance(value, StrEnum):
                    value = value.value
                elif read is not None and isinstance(value, str):
                    value = read(value)
                values[f.name] = value
            kwargs[name] = record(**values)
        return func(**kwargs)

    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(command, attr, getattr(func, attr))
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command  # type: ignore[return-value]


#: Set by the first Ctrl-C or SIGTERM of a command (see :func:`_interrupt`).
_interrupted = threading.Event()


def _interrupt(signum: int, frame: Any) -> None:
    """Ctrl-C or SIGTERM during a command: stop, and write nothing.

    The KeyboardInterrupt unwinds from wherever the main thread is: through the
    writers, which remove their temporary files, and the worker pools, which hand
    out no more work while the kernels run on worker threads. The flag catches
    interrupts that do not unwind as such: one a library swallows (an import-lock
    callback does) stops at the next progress step, and one a compiled kernel's
    dispatcher wraps in a SystemError still reads as an interrupt.
    """
    _interrupted.set()
    raise KeyboardInterrupt


def _interrupted_by(exc: BaseException) -> bool:
    """Whether ``exc`` is an interrupt in another guise: a ``SystemError`` ("returned
    a result with an exception set") around the KeyboardInterrupt raised while numba
    code ran, or any failure after the user asked to stop."""
    if _interrupted.is_set():
        return True
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt | CancelledError):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


class _CommandProgress(TqdmProgress):
    """The commands' progress: cancelled once the user interrupted, and checked at
    every step and message too, so that no step starts (and nothing is written)
    after an interrupt that did not unwind."""

    def is_cancelled(self) -> bool:
        return _interrupted.is_set() or super().is_cancelled()

    def start(self, label: str, total: int) -> None:
        check_cancelled(self)
        super().start(translate(label), total)

    def message(self, text: str) -> None:
        check_cancelled(self)
        super().message(_translated_lines(text))


def _translated_lines(text: str) -> str:
    """``text`` in the chosen language (``--lang``, ``LANG``), line by line: a
    summary of several lines has an entry per line in the catalogue."""
    return "\n".join(translate(line) for line in str(text).split("\n"))


def _echo(message: Any = None, *, err: bool = False) -> None:
    """``typer.echo`` in the chosen language (see :mod:`stadsrum.i18n`)."""
    typer.echo(None if message is None else _translated_lines(message), err=err)


def _guarded(func: F) -> F:
    """Turn errors into one ``error: ...`` line and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.get("debug", False)
        logging.basicConfig(
            level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s"
        )
        try:
            return func(*args, **kwargs)
        except (CancelledError, KeyboardInterrupt) as exc:
            stop = _cancelled(exc)  # with --debug too: main() ends with the right line
            if debug:
                raise
            raise stop from None
        except (StadsrumError, OSError) as exc:
            if debug:
                raise
            if _interrupted_by(exc):
                raise _cancelled(exc) from None
            _print_notes(exc)
            _echo(f"error: {_explained(exc, kwargs.get('out')) or exc}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if debug:
                raise
            if _interrupted_by(exc):
                raise _cancelled(exc) from None
            _print_notes(exc)
            known = _explained(exc, kwargs.get("out"))
            if known:
                _echo(f"error: {known}", err=True)
                raise typer.Exit(1) from None
            _echo(
                f"error: unexpected {type(exc).__name__}: {exc} (run again with --debug "
                "for details)",
                err=True,
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


#: The one line main() ends an interrupted command with (see :func:`_cancelled`).
_cancel_line = CANCELLED_LINE


def _cancelled(exc: BaseException) -> typer.Exit:
    """Exit 130, and the line main() ends with: nothing was written, or, for a run of
    several outputs (a study, the demo) stopped part way, the whole files it had
    written before the interrupt (they stay; the one being written is gone)."""
    global _cancel_line
    from stadsrum.io.outputs_check import written_before

    done = written_before(exc)
    if done:
        listed = ", ".join(str(p) for p in done)
        _cancel_line = (
            f"cancelled; written before the interrupt: {listed}; nothing else was written"
        )
    return typer.Exit(130)


def _print_notes(exc: BaseException) -> None:
    """Lines added to an error on its way up (such as what a study wrote before it
    failed), printed before the one ``error:`` line so that line stays the last."""
    for note in getattr(exc, "__notes__", ()):
        _echo(note, err=True)


def _explained(exc: BaseException, out: Any) -> str | None:
    """What a failure from a library below stadsrum means, in a planner's words.

    These come from GDAL, GEOS or the disk rather than from a check of stadsrum's
    own, and their texts (an empty GEOS message, "Failed to commit transaction")
    do not say what to do. None when ``exc`` is none of them.
    """
    from stadsrum.io.outputs_check import disk_full_message

    if isinstance(exc, StadsrumError):  # stadsrum's own messages say it already
        return None
    full = disk_full_message(exc, out)
    if full:
        return full
    name, text = type(exc).__name__, str(exc).strip()
    if name == "GEOSException" and not text:
        return (
            "a geometry operation failed without saying why: an input layer has "
            "coordinates out of range (such as 1e300) or broken geometries; check the "
            "layers' extents in QGIS"
        )
    if "Unable to determine UTM CRS" in text:
        return (
            "the coordinates are not longitudes/latitudes, yet the layer is read as "
            'geographic (a GeoJSON file without a "crs" member always reads as WGS 84): '
            "give its coordinate system with --crs, e.g. --crs EPSG:3006 (SWEREF 99 TM)"
        )
    if name == "DataSourceError" and ("malformed" in text or "not a database" in text):
        return (
            f"a file is damaged or not a GeoPackage (GDAL: {text.split(';')[0][-120:]}); "
            "write it again or give another file"
        )
    return None


def _without_notes(summary: str, net: Any) -> str:
    """``summary`` less the network's notes (such as the reprojection), which were
    already printed as progress messages when they happened."""
    notes = set(net.report.notes)
    return "\n".join(line for line in summary.splitlines() if line not in notes)


@app.command()
@_guarded
def network(
    input: Annotated[
        str,
        typer.Argument(help="Line layer (GeoPackage, Shapefile, GeoJSON, ...) or .osm/.osm.pbf"),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    layer: InputLayer = None,
    mode: Annotated[Mode, typer.Option(help="Travel mode for OSM input.")] = Mode.walk,
    unlinks: Annotated[
        str | None, typer.Option(help="Point layer of crossings that must not join (unlinks).")
    ] = None,
    prepare: Prepare = None,
    split_crossings: SplitCrossings = SplitCrossingsChoice.auto,
    where: Where = None,
    clip: Clip = None,
    snap_tolerance: Annotated[
        float, typer.Option(help="Metres within which line ends are joined.")
    ] = 0.5,
    components: Annotated[
        ComponentsChoice | None,
        typer.Option(help="Keep the largest connected component or all of them."),
    ] = None,
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Prepare a street network, with a diagnostics layer.

    Writes the prepared lines (layer network) and the points to check (layer
    diagnostics), and prints what preparation did.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_network(
        input,
        out,
        layer=layer,
        mode=mode.value,
        prepare=prepare.value if prepare else None,
        split_crossings=split_crossings.value,
        where=where,
        clip=clip,
        unlinks=unlinks,
        snap_tolerance=snap_tolerance,
        components=components.value if components else None,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        _echo(_without_notes(result.network.summary(), result.network))
        _echo(f"written: {result.path}")


@app.command()
@_guarded
@_with_options
def segments(
    input: Annotated[
        str, typer.Argument(help="Line layer, .osm/.osm.pbf, or a stadsrum network GeoPackage")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    *,
    options: SegmentOptions,
    layer: InputLayer = None,
    network_options: NetworkOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    scheduler: Annotated[
        str,
        typer.Option(
            help="local: threads on this machine (default); local-cluster: Dask worker "
            "processes on this machine; a Dask scheduler address (tcp://host:8786) or "
            "scheduler file (.json): a cluster (docs/scale.md)."
        ),
    ] = "local",
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Space syntax segment analysis at many radii.

    Integration, choice and their relatives per street segment, for several
    costs and radii in one pass; written as the layer segments.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_segments(
        input,
        out,
        layer=layer,
        network_options=network_options,
        options=options,
        threads=threads,
        crs=crs,
        progress=progress,
        scheduler=scheduler,
    )
    if not quiet:
        _echo(f"segments: {len(result.segments):,}")
        _echo(f"written: {result.path}")


class PolygonChoice(StrEnum):
    entrances = "entrances"
    centroid = "centroid"


#: ``--polygons``: a text, for ``boundary:N`` takes a number (checked by the analyses).
Polygons = typer.Option("--polygons", help=POLYGONS_HELP)


NetworkLayer = Annotated[str | None, typer.Option(help="Layer name in the network file.")]
#: ``--scheduler`` of the commands besides ``segments`` (the same text as its own).
Scheduler = Annotated[
    str,
    typer.Option(
        help="local: threads on this machine (default); local-cluster: Dask worker "
        "processes on this machine; a Dask scheduler address (tcp://host:8786) or "
        "scheduler file (.json): a cluster (docs/scale.md)."
    ),
]


@app.command()
@_guarded
@_with_options
def distances(
    network: Annotated[
        str,
        typer.Option("--network", help="Street network: line layer, .osm/.pbf or network GPKG."),
    ],
    places: Annotated[str, typer.Option("--places", help="Places: points or polygons.")],
    nodes: Annotated[str, typer.Option("--nodes", help="Key nodes: points or polygons.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    *,
    place_entrances: Annotated[
        str | None,
        typer.Option(
            help="Entrance points of polygon places (stadsrum buildings writes them): a place "
            "joins the streets through its entrances, as near as its nearest one."
        ),
    ] = None,
    node_entrances: Annotated[
        str | None,
        typer.Option(
            help="Entrance points of polygon nodes (a station building's doors, column "
            "node_id or --building-id): a node joins the streets through its entrances, "
            "as near as its nearest one."
        ),
    ] = None,
    options: DistanceOptions,
    network_layer: NetworkLayer = None,
    places_layer: Annotated[str | None, typer.Option(help="Layer in the places file.")] = None,
    nodes_layer: Annotated[str | None, typer.Option(help="Layer in the nodes file.")] = None,
    network_options: NetworkOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    scheduler: Scheduler = "local",
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Place-to-node distances, routes and service areas.

    Writes the layers od (a route per place and key node), service_areas,
    service_area_lines and place_summary (a summary per place).
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_distances(
        network,
        places,
        nodes,
        out,
        network_layer=network_layer,
        places_layer=places_layer,
        nodes_layer=nodes_layer,
        place_entrances=place_entrances,
        node_entrances=node_entrances,
        network_options=network_options,
        options=options,
        threads=threads,
        scheduler=scheduler,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        od = result.layers["od"]
        _echo(f"od rows: {len(od):,} ({int((od['status'] == 'ok').sum()):,} with a route)")
        _echo(f"written: {result.path}")


@app.command()
@_guarded
@_with_options
def accessibility(
    network: Annotated[str, typer.Argument(help="Street network (line layer, .osm/.pbf, GPKG).")],
    attractions: Annotated[str, typer.Option("--attractions", help="Attraction points.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    *,
    origins: Annotated[
        str, typer.Option(help="segments (every street segment) or a point layer.")
    ] = "segments",
    attraction_entrances: Annotated[
        str | None,
        typer.Option(help="Entrance points of polygon attractions (stadsrum buildings)."),
    ] = None,
    origin_entrances: Annotated[
        str | None,
        typer.Option(help="Entrance points of polygon origins (stadsrum buildings)."),
    ] = None,
    options: AccessibilityOptions,
    layer: InputLayer = None,
    attractions_layer: Annotated[
        str | None, typer.Option(help="Layer in the attractions file.")
    ] = None,
    origins_layer: Annotated[str | None, typer.Option(help="Layer in the origins file.")] = None,
    network_options: NetworkOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    scheduler: Scheduler = "local",
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Distance to and reach of attractions from every origin.

    Place syntax: the nearest attraction and the attractions within each radius,
    from every street segment or from the points given with --origins.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_accessibility(
        network,
        attractions,
        out,
        network_layer=layer,
        attractions_layer=attractions_layer,
        origins=origins,
        origins_layer=origins_layer,
        attraction_entrances=attraction_entrances,
        origin_entrances=origin_entrances,
        network_options=network_options,
        options=options,
        threads=threads,
        scheduler=scheduler,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        _echo(f"origins: {len(result.accessibility):,}")
        _echo(f"written: {result.path}")


@app.command(short_help="Attraction and OD betweenness (PST): trips per street.")
@_guarded
@_with_options
def betweenness(
    network: Annotated[str, typer.Argument(help="Street network (line layer, .osm/.pbf, GPKG).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    *,
    origins: Annotated[
        str | None,
        typer.Option(
            help="Where trips start (points or polygons). With --attractions it may be left "
            "out: the attractions route to each other."
        ),
    ] = None,
    destinations: Annotated[
        str | None,
        typer.Option(help="OD betweenness: where trips end; each origin's weight is shared."),
    ] = None,
    attractions: Annotated[
        str | None,
        typer.Option(help="Attraction betweenness: every attraction within the radius."),
    ] = None,
    options: BetweennessOptions,
    layer: InputLayer = None,
    origins_layer: Annotated[str | None, typer.Option(help="Layer in the origins file.")] = None,
    destinations_layer: Annotated[
        str | None, typer.Option(help="Layer in the destinations or attractions file.")
    ] = None,
    network_options: NetworkOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    scheduler: Scheduler = "local",
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Attraction betweenness and OD betweenness of every street segment (PST).

    How many trips pass along each segment when every trip takes a least-cost
    route: from the origins to every attraction within the radius
    (--attractions), or from weighted origins to weighted destinations, each
    origin's weight shared over them (--destinations, --destinations-mode all)
    or sent to the closest one (closest). Equal routes share a trip equally.
    Writes the layer betweenness (see docs/betweenness.md).
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_betweenness(
        network,
        out,
        origins=origins,
        destinations=destinations,
        attractions=attractions,
        network_layer=layer,
        origins_layer=origins_layer,
        destinations_layer=destinations_layer,
        options=options,
        network_options=network_options,
        threads=threads,
        scheduler=scheduler,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        _echo(f"segments: {len(result.betweenness):,}")
        _echo(f"written: {result.path}")


@app.command(short_help="People and areas: reach by group, co-presence, segregation.")
@_guarded
@_with_options
def areas(
    network: Annotated[
        str,
        typer.Option("--network", help="Street network: line layer, .osm/.pbf or network GPKG."),
    ],
    population: Annotated[
        str,
        typer.Option(
            "--population",
            help="Population: points (addresses, buildings) or polygons (DeSO, grid squares).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    *,
    areas: Annotated[
        str | None, typer.Option("--areas", help="Area polygons (DeSO, RegSO, districts).")
    ] = None,
    buildings: Annotated[
        str | None,
        typer.Option(help="Building footprints to spread polygon population over (by area)."),
    ] = None,
    nodes: Annotated[
        str | None, typer.Option("--nodes", help="Key nodes: points or polygons.")
    ] = None,
    sites: Annotated[
        str,
        typer.Option(help="Candidate meeting sites: segments (every street) or a layer."),
    ] = "segments",
    meeting_places: Annotated[
        str | None, typer.Option(help="Existing meeting places, reported beside the sites.")
    ] = None,
    options: AreaOptions,
    proposal: Annotated[
        str | None,
        typer.Option(
            "--proposal",
            help="Lines a plan adds (action=remove removes streets): the analysis runs on the "
            "network after it, for stadsrum compare --areas-before/--areas-after.",
        ),
    ] = None,
    area_stats: Annotated[
        str | None,
        typer.Option(
            help="SCB statistics tables (CSV or JSON-stat 2.0, comma list; PREFIX=FILE for a "
            "prefix) joined to --areas by DeSO/RegSO code: their columns serve --criteria "
            "and, when --population is the areas file, --groups (see docs/scb.md)."
        ),
    ] = None,
    network_layer: NetworkLayer = None,
    population_layer: Annotated[
        str | None, typer.Option(help="Layer in the population file.")
    ] = None,
    areas_layer: Annotated[str | None, typer.Option(help="Layer in the areas file.")] = None,
    buildings_layer: Annotated[
        str | None, typer.Option(help="Layer in the buildings file.")
    ] = None,
    nodes_layer: Annotated[str | None, typer.Option(help="Layer in the nodes file.")] = None,
    network_options: PrepareOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    scheduler: Scheduler = "local",
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """People and areas: who reaches what, which areas the streets keep apart, where
    residents of different areas could meet, and how segregated the city is.

    Writes the layers population, areas, area_matrix, copresence, meeting_sites,
    meeting_places (with --meeting-places) and segregation (see docs/areas.md).
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_areas(
        network,
        population,
        out,
        network_layer=network_layer,
        population_layer=population_layer,
        areas=areas,
        areas_layer=areas_layer,
        buildings=buildings,
        buildings_layer=buildings_layer,
        nodes=nodes,
        nodes_layer=nodes_layer,
        sites=sites,
        meeting_places=meeting_places,
        area_stats=area_stats,
        proposal=proposal,
        network_options=network_options,
        options=options,
        threads=threads,
        scheduler=scheduler,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        seg = result.layers["segregation"]
        if len(seg):
            _echo(
                f"residents: {len(result.layers['population']):,} points, "
                f"areas: {len(result.layers['areas']):,}, indices: {len(seg):,}"
            )
        else:  # without groups nothing can be segregated: say so, not "indices: 0"
            _echo(
                f"residents: {len(result.layers['population']):,} points, "
                f"areas: {len(result.layers['areas']):,}, no segregation indices "
                "(give --groups)"
            )
        _echo(f"written: {result.path}")


def _centre(text: str | None) -> tuple[float, float] | None:
    return None if text is None else read_centre(text)


@app.command()
@_guarded
@_with_options
def barriers(
    network: Annotated[
        str,
        typer.Option("--network", help="Street network: line layer, .osm/.pbf or network GPKG."),
    ],
    barriers: Annotated[
        str, typer.Option("--barriers", help="Barriers: lines or polygons (railway, water, ...).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    *,
    places: Annotated[
        str | None, typer.Option("--places", help="Places (for detours and rankings).")
    ] = None,
    nodes: Annotated[str | None, typer.Option("--nodes", help="Key nodes.")] = None,
    proposal: Annotated[
        str | None, typer.Option("--proposal", help="Proposed links (lines), before vs after.")
    ] = None,
    buildings: Annotated[
        str | None, typer.Option(help="Building polygons no candidate link may pass through.")
    ] = None,
    population: Annotated[
        str | None,
        typer.Option(
            "--population",
            help="Residents (points or polygons): with --areas, barriers and segregation.",
        ),
    ] = None,
    areas: Annotated[
        str | None, typer.Option("--areas", help="Area polygons (DeSO, RegSO, ...).")
    ] = None,
    options: BarrierOptions,
    population_layer: Annotated[
        str | None, typer.Option(help="Layer in the population file.")
    ] = None,
    areas_layer: Annotated[str | None, typer.Option(help="Layer in the areas file.")] = None,
    network_layer: NetworkLayer = None,
    barriers_layer: Annotated[str | None, typer.Option(help="Layer in the barriers file.")] = None,
    places_layer: Annotated[str | None, typer.Option(help="Layer in the places file.")] = None,
    nodes_layer: Annotated[str | None, typer.Option(help="Layer in the nodes file.")] = None,
    proposal_layer: Annotated[str | None, typer.Option(help="Layer in the proposal file.")] = None,
    buildings_layer: Annotated[
        str | None, typer.Option(help="Layer in the buildings file.")
    ] = None,
    network_options: NetworkOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Barriers: crossings, detours, effect and new crossings.

    Crossings and stretches without one, detours across the barriers, their
    effect on accessibility, a ranking of candidate new crossings and a proposal's
    before/after (docs/barriers.md).
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_barriers(
        network,
        barriers,
        out,
        places=places,
        nodes=nodes,
        proposal=proposal,
        buildings=buildings,
        network_layer=network_layer,
        barriers_layer=barriers_layer,
        places_layer=places_layer,
        nodes_layer=nodes_layer,
        proposal_layer=proposal_layer,
        buildings_layer=buildings_layer,
        population=population,
        areas=areas,
        population_layer=population_layer,
        areas_layer=areas_layer,
        network_options=network_options,
        options=options,
        threads=threads,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        layers = result.layers
        _echo(
            f"barriers: {len(layers['barriers'])}, crossings: {len(layers['crossings'])}"
            + (
                f", candidate links: {len(layers['candidate_links']):,}"
                if "candidate_links" in layers
                else ""
            )
        )
        _echo(f"written: {result.path}")


@app.command()
@_guarded
@_with_options
def compare(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    base: Annotated[
        str | None,
        typer.Option(
            "--base", help="Street network before: line layer, .osm/.pbf or network GPKG."
        ),
    ] = None,
    proposal: Annotated[
        str | None,
        typer.Option(
            "--proposal",
            help="Lines the plan adds; rows with action=remove remove the streets they follow.",
        ),
    ] = None,
    areas_before: Annotated[
        str | None,
        typer.Option(help="A file of stadsrum areas on the network before (with --areas-after)."),
    ] = None,
    areas_after: Annotated[
        str | None,
        typer.Option(help="The same areas analysis on the network after the proposal."),
    ] = None,
    places: Annotated[
        str | None, typer.Option("--places", help="Places: distances before and after.")
    ] = None,
    nodes: Annotated[str | None, typer.Option("--nodes", help="Key nodes (with --places).")] = None,
    attractions: Annotated[
        str | None, typer.Option("--attractions", help="Attractions: accessibility before/after.")
    ] = None,
    *,
    options: CompareOptions,
    network_layer: NetworkLayer = None,
    proposal_layer: Annotated[str | None, typer.Option(help="Layer in the proposal file.")] = None,
    places_layer: Annotated[str | None, typer.Option(help="Layer in the places file.")] = None,
    nodes_layer: Annotated[str | None, typer.Option(help="Layer in the nodes file.")] = None,
    attractions_layer: Annotated[
        str | None, typer.Option(help="Layer in the attractions file.")
    ] = None,
    network_options: NetworkOptions,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Before and after a plan proposal (*_diff layers).

    The same analyses on the network before and after the proposal's links are
    added (or removed), and their differences. Two files of stadsrum areas
    (--areas-before, --areas-after) add areas_diff, area_matrix_diff,
    copresence_diff, segregation_diff and meeting_places_diff; they may be given
    without --base and --proposal.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_compare(
        base,
        proposal,
        out,
        areas_before=areas_before,
        areas_after=areas_after,
        places=places,
        nodes=nodes,
        attractions=attractions,
        network_layer=network_layer,
        proposal_layer=proposal_layer,
        places_layer=places_layer,
        nodes_layer=nodes_layer,
        attractions_layer=attractions_layer,
        network_options=network_options,
        options=options,
        threads=threads,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        if result.comparison is not None:
            summary = result.comparison.summary
            _echo(
                f"links added: {summary['links_added']}, segments removed: "
                f"{summary['segments_removed']}"
                + (
                    f", place-node routes shorter: {summary['od_pairs_shorter']} of "
                    f"{summary['od_pairs']}"
                    if "od_pairs" in summary
                    else ""
                )
            )
        if result.areas_summary:
            _echo(workflows.area_summary_line(result.areas_summary))
        _echo(f"written: {result.path}")


class LangChoice(StrEnum):
    sv = "sv"
    en = "en"


@app.command(
    "nodes-from-gtfs", short_help="Key nodes from a GTFS feed (stations, modes, departures)."
)
@_guarded
def nodes_from_gtfs(
    feed: Annotated[
        str,
        typer.Argument(help="GTFS feed: the .zip as downloaded, or a folder of its .txt files."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    date: Annotated[
        str | None,
        typer.Option(help="Service day YYYY-MM-DD. Default: the feed's first full weekday."),
    ] = None,
    window: Annotated[
        str, typer.Option(help="Time window on that day for departures per hour, HH:MM-HH:MM.")
    ] = "07:00-09:00",
    modes: Annotated[
        str | None,
        typer.Option(
            help="Keep only these modes (comma list): train, metro, tram, ferry, bus, taxi, "
            "other, or tåg, tunnelbana, spårväg, båt, buss. Default: all."
        ),
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Key nodes from a GTFS feed: stations with the modes, lines and departures served.

    Writes the layer nodes: one point per station (platforms merged into their
    parent station), with node_id, name, category (the leading mode), modes,
    departures_per_hour in the window, routes and lines. Use it with
    --nodes/--node-category category, or give the feed itself as --nodes.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_nodes_from_gtfs(
        feed, out, date=date, window=window, modes=modes, progress=progress
    )
    if not quiet:
        used = result.nodes.attrs["gtfs"]
        counts = result.nodes["category"].value_counts()
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in counts.items())
        _echo(f"nodes: {len(result.nodes):,} ({kinds}) on {used['date']}, {used['window']}")
        _echo(f"written: {result.path}")


@app.command(short_help="Buildings and their entrances (OSM, Byggnad).")
@_guarded
def buildings(
    source: Annotated[
        str,
        typer.Argument(help="Buildings: an .osm/.osm.pbf file or a polygon layer (Byggnad)."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    entrances: Annotated[
        str | None, typer.Option(help="Entrance points for a polygon layer (not for OSM).")
    ] = None,
    building_id: Annotated[
        str | None,
        typer.Option(
            help="Id column of the buildings, also looked for in the entrances "
            "(default: building_id, objektidentitet, id)."
        ),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option(
            help="Metres from a building within which an entrance off its outline "
            "still belongs to it."
        ),
    ] = 2.0,
    layer: Annotated[str | None, typer.Option(help="Layer in the buildings file.")] = None,
    entrances_layer: Annotated[
        str | None, typer.Option(help="Layer in the entrances file.")
    ] = None,
    crs: Crs = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Buildings and their entrances, each entrance carrying its building's id.

    Writes the layers buildings (building_id, entrances: how many) and entrances
    (building_id, matched: shared_node, id, within_tolerance or none). Use them
    with distances --places FILE|layername=buildings --place-id building_id
    --place-entrances FILE|layername=entrances (and likewise --attraction-entrances,
    --origin-entrances in accessibility): a building is as near as its nearest door.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_buildings(
        source,
        out,
        entrances=entrances,
        layer=layer,
        entrances_layer=entrances_layer,
        building_id=building_id,
        tolerance=tolerance,
        crs=crs,
        progress=progress,
    )
    if not quiet:
        _echo(f"written: {result.path}")


@app.command()
@_guarded
def report(
    results: Annotated[
        list[str],
        typer.Argument(help="Result GeoPackages written by stadsrum, or folders holding them."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for report.html and .pdf.")],
    lang: Annotated[
        LangChoice, typer.Option(help="Language of the report: sv (Swedish) or en (English).")
    ] = LangChoice.sv,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """HTML and PDF report of result GeoPackages.

    Maps, tables and a plain-language text per analysis.
    """
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_report(results, out, lang=lang.value, title=title, progress=progress)
    if not quiet:
        _echo(f"written: {result.html}")
        _echo(f"written: {result.pdf}")


@app.command("run")
@_guarded
def run_study(
    study: Annotated[
        Path, typer.Argument(help="Study file (TOML): network, analyses, options, outputs.")
    ],
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """A whole study from one TOML file, checked before it runs."""
    from stadsrum.study import run_study as run

    progress = _CommandProgress(disable=quiet)
    result = run(study, progress=progress)
    if not quiet:
        for path in result["paths"]:
            _echo(f"written: {path}")


@app.command()
@_guarded
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "stadsrum-demo"
    ),
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The whole chain on the sample data (central Helsinki)."""
    progress = _CommandProgress(disable=quiet)
    result = workflows.run_demo(out, progress=progress)
    if not quiet:
        _echo(_without_notes(result["summary"], result["network"].network))
        for path in result["paths"]:
            _echo(f"written: {path}")


@app.command("plugin-zip")
@_guarded
def plugin_zip(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the zip.")] = Path("dist"),
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Build the installable QGIS plugin zip.

    The zip holds the plugin and the stadsrum core; install it in QGIS with
    Plugins > Manage and Install Plugins > Install from ZIP.
    """
    from stadsrum.plugin_zip import build_plugin_zip

    path = build_plugin_zip(out)
    if not quiet:
        _echo(f"written: {path}")


def _number_problem(name: str, value: Any) -> str | None:
    """What is wrong with the value of option ``name``, or None: the rules the Python
    API applies too (:mod:`stadsrum.options`), and the form of ``--centre``."""
    from stadsrum.options import number_problem

    if isinstance(value, str) and name == "centre":
        try:
            _centre(value)
        except InputError as exc:
            return str(exc).removeprefix("--centre ")
        return None
    return number_problem(name, value)


def _numbers_checked(func: F) -> F:
    """Refuse option values that mean nothing (nan, inf, negative distances, empty
    radii) as usage errors, before anything is read or computed."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            problem = _number_problem(name, value)
            if problem:
                raise typer.BadParameter(problem, param_hint=f"'--{name.replace('_', '-')}'")
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


for _info in app.registered_commands:
    if _info.callback is not None:
        _info.callback = _numbers_checked(_info.callback)


def _usage_line(exc: Any) -> str:
    """click's usage error (a usage line, a hint and the message, or typer's box) as
    one ``error:`` line that says where the options are explained."""
    message = " ".join(line.strip() for line in exc.format_message().splitlines())
    ctx = getattr(exc, "ctx", None)
    where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
    return f"error: {message}{where}"


def _run(args: list[str] | None) -> int:
    """Run the app and return its exit code, usage errors said in one line."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    # rich's boxes help on a terminal; piped into a file, a pager or a log they turn
    # into box-drawing characters around clipped option names, so plain help there
    if not sys.stdout.isatty():
        app.rich_markup_mode = None
    try:
        result = app(args=args, prog_name="stadsrum", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # plain `stadsrum`: the help, as it always was
        exc.show()
        return exc.exit_code
    except ClickException as exc:
        _echo(_usage_line(exc), err=True)
        return exc.exit_code
    except typer.Abort:  # end of input at a prompt
        _echo("error: aborted", err=True)
        return 1
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def main(args: list[str] | None = None) -> None:
    """Console entry point; exits 0, 1 (bad input), 2 (usage error, unexpected
    failure) or 130 (Ctrl-C or SIGTERM, with the one line :data:`CANCELLED_LINE`, or for a
    study or the demo stopped part way the files it had written before)."""
    global _cancel_line
    _interrupted.clear()
    _cancel_line = CANCELLED_LINE
    _set_interrupt_handlers(_interrupt)
    try:
        code = _run(args)
    except KeyboardInterrupt:  # outside a command: while parsing the options
        code = 130
    # the outcome is decided: a late Ctrl-C must not add a traceback to it
    _set_interrupt_handlers(signal.SIG_IGN)
    if code == 130:
        print(translate(_cancel_line), file=sys.stderr, flush=True)
    sys.exit(code)


_restore_interrupt_handlers(_handlers_while_loading)

if __name__ == "__main__":  # pragma: no cover
    main()

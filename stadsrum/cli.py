"""The ``stadsrum`` command line: argument parsing only, the work is in :mod:`workflows`."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from stadsrum import workflows
from stadsrum.errors import CancelledError, StadsrumError
from stadsrum.progress import TqdmProgress

app = typer.Typer(
    name="stadsrum",
    help="Urban space analysis in a whole-city perspective (stadsrumsanalys).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Hide progress bars and messages.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]


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
        except CancelledError as exc:
            if debug:
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(130) from None
        except (StadsrumError, OSError) as exc:
            if debug:
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if debug:
                raise
            typer.echo(
                f"error: unexpected {type(exc).__name__}: {exc} (run again with --debug "
                "for details)",
                err=True,
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@_guarded
def network(
    input: Annotated[
        str,
        typer.Argument(help="Line layer (GeoPackage, Shapefile, GeoJSON, ...) or .osm/.osm.pbf"),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    layer: Annotated[str | None, typer.Option(help="Layer name in a multi-layer file.")] = None,
    mode: Annotated[Mode, typer.Option(help="Travel mode for OSM input.")] = Mode.walk,
    unlinks: Annotated[
        str | None, typer.Option(help="Point layer of crossings that must not join (unlinks).")
    ] = None,
    prepare: Annotated[
        PrepareChoice | None,
        typer.Option(
            help="full: clean and node the lines; none: keep every input line as one segment, "
            "joined only where end points coincide. Default: full (none for a stadsrum network "
            "GeoPackage)."
        ),
    ] = None,
    snap_tolerance: Annotated[
        float, typer.Option(help="Metres within which line ends are joined.")
    ] = 0.5,
    components: Annotated[
        ComponentsChoice | None,
        typer.Option(help="Keep the largest connected component or all of them."),
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Read and prepare a street network; write it with a diagnostics layer."""
    progress = TqdmProgress(disable=quiet)
    result = workflows.run_network(
        input,
        out,
        layer=layer,
        mode=mode.value,
        prepare=prepare.value if prepare else None,
        unlinks=unlinks,
        snap_tolerance=snap_tolerance,
        components=components.value if components else None,
        progress=progress,
    )
    if not quiet:
        typer.echo(result.network.summary())
        typer.echo(f"written: {result.path}")


class RadiusModeChoice(StrEnum):
    catchment = "catchment"
    route = "route"


class SplitChoice(StrEnum):
    edge = "edge"
    vertex = "vertex"


@app.command()
@_guarded
def segments(
    input: Annotated[
        str, typer.Argument(help="Line layer, .osm/.osm.pbf, or a stadsrum network GeoPackage")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output GeoPackage (.gpkg).")],
    cost: Annotated[
        str, typer.Option(help="Comma list of costs: angular, metric, steps, time.")
    ] = "angular",
    radii: Annotated[
        str, typer.Option(help="Comma list of radii in metres, n for the whole network.")
    ] = "n",
    radius_mode: Annotated[
        RadiusModeChoice,
        typer.Option(
            help="catchment: segments within R by the shortest walk (default); route: the "
            "metric length of the least-cost route, as depthmapX and PST."
        ),
    ] = RadiusModeChoice.catchment,
    weight: Annotated[
        str | None, typer.Option(help="Column weighting origins and destinations.")
    ] = None,
    tulip_bins: Annotated[
        int, typer.Option(help="0 = exact angles; 1024 as depthmapX's tulip analysis.")
    ] = 0,
    split: Annotated[
        SplitChoice,
        typer.Option(
            help="edge: a segment per street between junctions; vertex: per straight "
            "piece (depthmapX segment map)."
        ),
    ] = SplitChoice.edge,
    measures: Annotated[
        str | None, typer.Option(help="Comma list of measures (default: all).")
    ] = None,
    step_threshold: Annotated[
        float, typer.Option(help="Degrees a move must turn to count as a step.")
    ] = 0.0,
    speed: Annotated[float, typer.Option(help="Walking speed for the time cost, m/s.")] = 1.3,
    layer: Annotated[str | None, typer.Option(help="Layer name in a multi-layer file.")] = None,
    mode: Annotated[Mode, typer.Option(help="Travel mode for OSM input.")] = Mode.walk,
    prepare: Annotated[
        PrepareChoice | None,
        typer.Option(help="full: clean and node; none: every input line one segment."),
    ] = None,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all).")] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Space syntax segment analysis: integration, choice and more at many radii."""
    progress = TqdmProgress(disable=quiet)
    result = workflows.run_segments(
        input,
        out,
        layer=layer,
        mode=mode.value,
        prepare=prepare.value if prepare else None,
        cost=cost,
        radii=radii,
        radius_mode=radius_mode.value,
        measures=[m.strip() for m in measures.split(",")] if measures else None,
        weight=weight,
        tulip_bins=tulip_bins,
        split=split.value,
        step_threshold=step_threshold,
        speed=speed,
        threads=threads,
        progress=progress,
    )
    if not quiet:
        typer.echo(f"segments: {len(result.segments):,}")
        typer.echo(f"written: {result.path}")


@app.command()
@_guarded
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "stadsrum-demo"
    ),
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Run the whole chain on the embedded sample data (central Helsinki)."""
    progress = TqdmProgress(disable=quiet)
    result = workflows.run_demo(out, progress=progress)
    if not quiet:
        typer.echo(result["summary"])
        for path in result["paths"]:
            typer.echo(f"written: {path}")


def main() -> None:
    """Console entry point."""
    app(prog_name="stadsrum")


if __name__ == "__main__":  # pragma: no cover
    main()

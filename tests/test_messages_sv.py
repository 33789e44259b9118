"""Swedish messages through the one catalogue (stadsrum/locale/sv.po): core, CLI --lang, LANG."""

from __future__ import annotations

import ast
import itertools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from stadsrum import i18n
from stadsrum.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture(autouse=True)
def _language_from_the_environment():
    yield
    i18n.set_language(None)


def test_po_reader_and_placeholders_kept():
    """Every translation keeps its id's placeholders: a value lost or misspelt in the
    Swedish text would print '{path}' instead of the file."""
    table = i18n.read_po(i18n.LOCALE_DIR / "sv.po")
    assert len(table) >= 100
    assert "" not in table  # the header is no message
    for msgid, msgstr in table.items():
        want = sorted(i18n._PLACEHOLDER.findall(msgid))
        assert sorted(i18n._PLACEHOLDER.findall(msgstr)) == want, msgid


def test_po_reader_skips_fuzzy_and_untranslated_and_joins_lines(tmp_path):
    po = tmp_path / "xx.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: xx\\n"\n\n'
        'msgid "a"\nmsgstr ""\n"b"\n"c"\n\n'
        '#, fuzzy\nmsgid "d"\nmsgstr "e"\n\n'
        'msgid "f"\nmsgstr ""\n\n'
        'msgid "quote \\"q\\""\nmsgstr "citat \\"q\\""\n',
        encoding="utf-8",
    )
    assert i18n.read_po(po) == {"a": "bc", 'quote "q"': 'citat "q"'}


def test_translate_exact_patterns_and_nested_layer_names():
    assert i18n.translate("preparing network", "sv") == "förbereder nätverket"
    # a message formatted where it was raised: the values are carried over, the
    # layer's name that leads it is a message of its own
    text = "places: file not found: 'C:/data/skolor.gpkg' (did you mean x?)"
    assert (
        i18n.translate(text, "sv")
        == "platserna: filen finns inte: 'C:/data/skolor.gpkg' (did you mean x?)"
    )
    # numbers in Swedish form: "3,484" would read as three and a bit
    assert i18n.translate("segments: 3,484", "sv") == "segment: 3 484"
    assert i18n.translate("total length: 85.03 km", "sv") == "total längd: 85,03 km"
    assert i18n.translate("segments: 12", "sv") == "segment: 12"
    # a value that is no number stays as it is, commas and points included
    assert i18n.translate("file not found: '1,234.5.gpkg'", "sv") == (
        "filen finns inte: '1,234.5.gpkg'"
    )
    # the more specific of two matching ids wins
    long = "barriers: 4, crossings: 12, candidate links: 1,200"
    assert i18n.translate(long, "sv") == "barriärer: 4, passager: 12, kandidatlänkar: 1 200"
    assert i18n.translate("barriers: 4, crossings: 12", "sv") == "barriärer: 4, passager: 12"
    # English and unknown texts stay as they are
    assert i18n.translate("preparing network", "en") == "preparing network"
    assert i18n.translate("something new", "sv") == "something new"


def test_quoted_names_stay_as_written():
    """A column or file named like a layer ('population', 'network') is the user's name:
    translated, the planner would look for a column 'befolkningen' that is not there."""
    assert (
        i18n.translate(
            "error: population: no column 'population' for the group (columns: a, b)", "sv"
        )
        == "fel: befolkningen: ingen kolumn 'population' för gruppen (kolumner: a, b)"
    )
    assert i18n.translate("error: network: file not found: 'network'", "sv") == (
        "fel: nätverket: filen finns inte: 'network'"
    )
    # a count that leads a message after "error: " is split at the right colon
    assert (
        i18n.translate(
            "error: nodes: 3 features with empty or missing geometry: feature ids 1, 2, 3", "sv"
        )
        == "fel: noderna: 3 objekt med tom eller saknad geometri: objekt-id 1, 2, 3"
    )
    # a command's name in a usage error is no count of segments
    assert (
        i18n.translate("error: Invalid value for '--radii': x (see stadsrum segments --help)", "sv")
        == "fel: Ogiltigt värde för '--radii': x (se stadsrum segments --help)"
    )


def test_crs_error_in_swedish():
    """The one-line error for metres in a layer tagged EPSG:4326, as the core raises it."""
    from stadsrum.errors import InputError
    from stadsrum.io.readers import check_coordinates

    gdf = gpd.GeoDataFrame(
        geometry=[LineString([(384000, 6672000), (384100, 6672000)])], crs="EPSG:4326"
    )
    with pytest.raises(InputError) as info:
        check_coordinates(gdf, what="network")
    swedish = i18n.translate(str(info.value), "sv")
    assert "\n" not in swedish
    assert swedish.startswith("nätverket: koordinaterna når (384100, 6672000) i objekt-id 0,")
    assert "men lagrets koordinatsystem är EPSG:4326" in swedish
    assert swedish.endswith("--crs EPSG:3067 (ETRS-TM35FIN)")


@pytest.mark.parametrize(
    ("environ", "want"),
    [
        ({}, "en"),
        ({"LANG": "sv_SE.UTF-8"}, "sv"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "sv_SE.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL overrides LANG
        ({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "sv_FI.UTF-8"}, "sv"),
        ({"LANG": "C", "LANGUAGE": "fi:sv:en"}, "sv"),  # first language we speak
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_language_from_the_environment(environ, want):
    assert i18n.language_from_environment(environ) == want


def test_cli_lang_sv_error_line(tmp_path, capsys):
    missing = tmp_path / "saknas.gpkg"
    code, _out, err = run_cli(
        ["--lang", "sv", "segments", str(missing), "-o", str(tmp_path / "ut.gpkg")], capsys
    )
    assert code == 1
    assert err.strip().splitlines()[-1] == f"fel: nätverket: filen finns inte: '{missing}'"
    # the next run without --lang follows the environment (English here) again
    code, _out, err = run_cli(["segments", str(missing), "-o", str(tmp_path / "ut.gpkg")], capsys)
    assert err.strip().splitlines()[-1] == f"error: network: file not found: '{missing}'"


def test_cli_refuses_an_unknown_language(tmp_path, capsys):
    code, _out, err = run_cli(["--lang", "fi", "segments", "x.gpkg", "-o", "y.gpkg"], capsys)
    assert code == 2
    assert "choose en or sv" in err


def _grid(tmp_path: Path) -> Path:
    """A 3 x 3 street grid at 100 m spacing in SWEREF 99 TM: 6 streets of 200 m."""
    lines = [LineString([(0, y), (200, y)]) for y in (0, 100, 200)]
    lines += [LineString([(x, 0), (x, 200)]) for x in (0, 100, 200)]
    path = tmp_path / "rutnat.gpkg"
    gpd.GeoDataFrame(geometry=lines, crs="EPSG:3006").to_file(path, layer="gator")
    return path


def test_cli_summary_and_progress_in_swedish(tmp_path, capsys):
    grid = _grid(tmp_path)
    out = tmp_path / "segment.gpkg"
    code, stdout, err = run_cli(
        ["--lang", "sv", "segments", str(grid), "--radii", "n", "-o", str(out)], capsys
    )
    assert code == 0, err
    # each of the 6 streets is split at its middle crossing: 12 pieces; at each of the
    # 4 corners only two pieces meet, a pass-through the preparation merges: 12 - 4 = 8
    assert stdout.splitlines() == ["segment: 8", f"skrivet: {out}"]
    assert "förbereder nätverket" in err
    assert "segmentanalys (angular)" in err
    assert "preparing network" not in err


def test_lang_from_the_environment_in_a_fresh_process(tmp_path):
    """LANG=sv_SE.UTF-8 in a new process, as a planner's terminal sets it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env["LANG"] = "sv_SE.UTF-8"
    missing = tmp_path / "saknas.gpkg"
    done = subprocess.run(
        [sys.executable, "-m", "stadsrum.cli", "segments", str(missing), "-o", "x.gpkg"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"fel: nätverket: filen finns inte: '{missing}'"
    )


def test_catalogue_ships_in_the_wheel_and_the_plugin_zip():
    from stadsrum import plugin_zip

    bundled = [
        p.relative_to(ROOT / "stadsrum").as_posix()
        for p in plugin_zip._files(ROOT / "stadsrum", plugin_zip.CORE_FILES, packages=True)
    ]
    assert "locale/sv.po" in bundled
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "locale/*.po" in config["tool"]["setuptools"]["package-data"]["stadsrum"]


REQUIRED = [
    # progress steps
    "preparing network",
    "reading network from {source}",
    "segment analysis ({cost})",
    "distances from places",
    "service areas",
    "accessibility",
    # summary lines of the commands
    "written: {path}",
    "segments: {n_segments}",
    "od rows: {n_od} ({value} with a route)",
    "origins: {n_accessibility}",
    "residents: {n_layers} points, areas: {n_layers2}, indices: {n_seg}",
    # the most common errors: file, column, CRS, network
    "{what}: file not found: '{path}'{hint}",
    "{what}: no column '{column}'; name the id column with {option} (columns: {value})",
    "{what}: no column '{column}' for the {role} (columns: {value})",
    "{what}: CRS {crs} is in {unit}; stadsrum measures in metres, reproject the layer to a "
    "metric CRS first",
    "network: every line has zero length",
]


def test_the_required_messages_are_in_the_source_and_translated():
    ids = set(i18n.message_ids())
    table = i18n.catalogue("sv")
    for msgid in REQUIRED:
        assert msgid in ids, f"no longer in the source: {msgid}"
        assert msgid in table, f"not translated: {msgid}"


def _pieces(node: ast.expr) -> list[list[ast.expr]]:
    """Each text ``node`` can give, as f-string parts: ``a + (b if c else "")`` gives
    ``a + b`` and ``a``; any other expression is a value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [[node]]
    if isinstance(node, ast.JoinedStr):
        return [list(node.values)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a, b in itertools.product(_pieces(node.left), _pieces(node.right))]
    if isinstance(node, ast.IfExp):
        return _pieces(node.body) + _pieces(node.orelse)
    return [[ast.FormattedValue(value=node, conversion=-1)]]


def built_message_ids(files: list[Path] | None = None) -> list[str]:
    """Messages that :func:`i18n.message_ids` does not see: those built by ``+`` of
    strings (a tail added when a count is not zero) or first assigned to a variable in
    the same function (``message = f"..."; raise InputError(message)``). A message
    made in another function (a helper returning the line) is still not found."""
    if files is None:
        files = sorted(Path(i18n.__file__).resolve().parent.rglob("*.py"))
    ids: set[str] = set()
    for file in files:
        if file.parent.name == "report" or file.name == "styles.py":
            continue  # as in i18n.message_ids: they have their own word lists
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            assigned: dict[str, list[ast.expr]] = {}
            for node in ast.walk(scope):
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    assigned.setdefault(node.targets[0].id, []).append(node.value)
            for node in ast.walk(scope):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name not in i18n.MESSAGE_CALLS:
                    continue
                arg = node.args[0]
                sources = assigned.get(arg.id, []) if isinstance(arg, ast.Name) else [arg]
                for source in sources:
                    if not (
                        isinstance(source, (ast.BinOp, ast.IfExp, ast.JoinedStr))
                        or (isinstance(source, ast.Constant) and isinstance(source.value, str))
                    ):
                        continue
                    for parts in _pieces(source):
                        text = i18n._message_text(ast.JoinedStr(values=parts))
                        if text and re.search(r"[A-Za-z]{2}", i18n._PLACEHOLDER.sub("", text)):
                            ids.add(text)
    return sorted(ids - set(i18n.message_ids(files)))


def test_built_messages_are_found(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text(
        "def f(n, what, gdf):\n"
        "    note = f'{what}: {n} dropped' + (' (see the log)' if n else '')\n"
        "    progress.message(note)\n"
        "    raise InputError('layer: found ' + ', '.join(gdf.geom_type))\n",
        encoding="utf-8",
    )
    assert built_message_ids([source]) == [
        "layer: found {value}",
        "{what}: {n} dropped",
        "{what}: {n} dropped (see the log)",
    ]


def test_every_message_id_is_translated():
    """Every message the source gives (errors, progress steps, summaries, warnings)
    has its Swedish in sv.po: a new message fails here, named, until it has one."""
    ids = sorted(set(i18n.message_ids()) | set(built_message_ids()))
    assert len(ids) > 300  # the collection still finds the source's messages
    left = i18n.untranslated("sv", ids)
    assert not left, f"{len(left)} of {len(ids)} message ids lack Swedish in sv.po:\n" + (
        "\n".join(left)
    )


def _wrongly_tagged(geometry, column=None):
    """Metres (SWEREF 99 TM, central Stockholm) in a layer tagged EPSG:4326."""
    data = {column: ["a"]} if column else {}
    return gpd.GeoDataFrame(data, geometry=[geometry], crs="EPSG:4326")


@pytest.mark.parametrize("layer", ["places", "nodes", "attractions", "barriers"])
def test_metres_tagged_wgs84_in_any_input_is_one_clear_line(layer):
    """Before, nodes in metres tagged EPSG:4326 ended in an IndexError (a traceback in
    QGIS), attractions were silently dropped and barriers reprojected to infinities."""
    from shapely.geometry import Point

    from stadsrum import workflows
    from stadsrum.errors import InputError

    streets = [
        LineString([(674000, 6580000), (674200, 6580000)]),
        LineString([(674100, 6579900), (674100, 6580100)]),
    ]
    net = gpd.GeoDataFrame(geometry=streets, crs="EPSG:3006")
    good = gpd.GeoDataFrame(geometry=[Point(674150, 6580005)], crs="EPSG:3006")
    bad_point = Point(674010, 6580005)
    wall = LineString([(674050, 6579000), (674050, 6581000)])
    runs = {
        "places": lambda: workflows.run_distances(
            net, _wrongly_tagged(bad_point, "place_id"), good.assign(node_id=["n"]), None
        ),
        "nodes": lambda: workflows.run_distances(
            net, good.assign(place_id=["p"]), _wrongly_tagged(bad_point, "node_id"), None
        ),
        "attractions": lambda: workflows.run_accessibility(
            net, out=None, attractions=_wrongly_tagged(bad_point)
        ),
        "barriers": lambda: workflows.run_barriers(net, out=None, barriers=_wrongly_tagged(wall)),
    }
    with pytest.raises(InputError) as info:
        runs[layer]()
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{layer}: the coordinates reach (")
    assert "not longitudes/latitudes, yet the layer's CRS is EPSG:4326" in text

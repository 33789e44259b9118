"""The QGIS plugin's packaging, metadata, translations and dependency check (no QGIS needed)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stadsrum.cli import app
from stadsrum.plugin_zip import PLUGIN_FOLDER, build_plugin_zip, compile_ts, stamp_version

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "qgis_plugin"
TS = PLUGIN / "i18n" / "stadsrum_sv.ts"
REQUIRED_METADATA = (
    "name",
    "qgisMinimumVersion",
    "description",
    "about",
    "version",
    "author",
    "email",
    "repository",
    "tracker",
    "tags",
    "category",
    "icon",
    "experimental",
    "license",
)


def _metadata() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return dict(parser["general"])


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def _deps_module():
    """``qgis_plugin/deps.py`` alone: it imports no QGIS."""
    spec = importlib.util.spec_from_file_location("stadsrum_plugin_deps", PLUGIN / "deps.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_metadata_has_every_field_the_plugin_repository_requires():
    meta = _metadata()
    for key in REQUIRED_METADATA:
        assert meta.get(key, "").strip(), key
    assert meta["name"] == "Stadsrum"
    assert meta["qgisMinimumVersion"] == "3.22"
    assert meta["category"] == "Analysis"
    assert meta["experimental"] == "True"
    assert meta["hasProcessingProvider"] == "yes"  # qgis_process loads only such plugins
    assert (PLUGIN / meta["icon"]).is_file()


def test_metadata_version_equals_pyproject():
    assert _metadata()["version"] == _pyproject()["project"]["version"]


def test_stamp_version_replaces_the_one_version_line():
    text = "[general]\nname=Stadsrum\nversion=0.0.1\nabout=version=x is text\n"
    assert "version=9.9.9\n" in stamp_version(text, "9.9.9")
    assert "about=version=x is text" in stamp_version(text, "9.9.9")


def test_plugin_zip_command_builds_an_installable_zip(tmp_path):
    result = CliRunner().invoke(app, ["plugin-zip", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    version = _pyproject()["project"]["version"]
    path = tmp_path / f"{PLUGIN_FOLDER}-{version}.zip"
    assert f"written: {path}" in result.output
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"{PLUGIN_FOLDER}/metadata.txt").decode("utf-8")
    assert {n.split("/")[0] for n in names} == {PLUGIN_FOLDER}
    for name in (
        "__init__.py",
        "metadata.txt",
        "LICENSE",
        "icon.png",
        "icon.svg",
        "provider.py",
        "algorithms/base.py",
        "algorithms/segments.py",
        "help/sv/segments.html",
        "i18n/stadsrum_sv.qm",
        "bundled/stadsrum/__init__.py",
        "bundled/stadsrum/workflows.py",
        "bundled/stadsrum/kernels/segment.py",
    ):
        assert f"{PLUGIN_FOLDER}/{name}" in names, name
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", "ruff.toml"))]
    assert f"version={version}" in meta


def test_bundled_core_is_what_the_plugin_imports(tmp_path):
    """The plugin folder's ``bundled/`` goes first on sys.path; its stadsrum imports cleanly."""
    with zipfile.ZipFile(build_plugin_zip(tmp_path)) as zf:
        zf.extractall(tmp_path / "plugins")
    folder = tmp_path / "plugins" / PLUGIN_FOLDER
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import stadsrum_plugin; stadsrum_plugin.use_bundled_core(); "
        "import stadsrum; print(stadsrum.__file__); print(stadsrum.__version__)"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code, str(folder.parent)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    path, version = out.stdout.split()
    assert Path(path).is_relative_to(folder / "bundled" / "stadsrum")
    # the bundled copy is no installed distribution, yet knows its version
    assert version == _pyproject()["project"]["version"]
    # the checkout's _version.py reads the installed metadata; only the zip's states the number
    assert version not in (ROOT / "stadsrum" / "_version.py").read_text(encoding="utf-8")
    stamped = folder / "bundled" / "stadsrum" / "_version.py"
    assert f"__version__ = {version!r}" in stamped.read_text(encoding="utf-8")


def test_plugin_zip_needs_a_source_checkout(tmp_path):
    from stadsrum.errors import InputError
    from stadsrum.plugin_zip import source_root

    assert source_root() == ROOT
    with pytest.raises(FileNotFoundError):
        build_plugin_zip(tmp_path, root=tmp_path)
    with pytest.raises(InputError, match="exactly one 'version='"):
        stamp_version("[general]\nname=x\n", "1.0")


def _copy_checkout(root: Path) -> Path:
    """The parts of this checkout the zip is built from, copied to ``root``."""
    ignore = shutil.ignore_patterns("__pycache__", ".*_cache")
    shutil.copytree(PLUGIN, root / "qgis_plugin", ignore=ignore)
    shutil.copytree(ROOT / "stadsrum", root / "stadsrum", ignore=ignore)
    for name in ("metadata.txt", "LICENSE", "pyproject.toml"):
        shutil.copy2(ROOT / name, root / name)
    return root


def _zip_names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf:
        return set(zf.namelist())


def test_plugin_zip_ships_only_the_plugin_never_stray_files_or_outside_links(tmp_path):
    """A checkout with a .env, virtual environments, editor backups, tests and links
    out of the tree gives the same zip as a clean one, and no outside file's text."""
    clean = _zip_names(build_plugin_zip(tmp_path / "clean", root=_copy_checkout(tmp_path / "a")))
    root = _copy_checkout(tmp_path / "b")
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("SECRET-outside-the-tree", encoding="utf-8")
    (secret.parent / "sneaky.py").write_text("SECRET = 1\n", encoding="utf-8")
    for folder in (root / "qgis_plugin", root / "stadsrum"):
        (folder / ".env").write_text("PASSWORD=SECRET-outside-the-tree\n", encoding="utf-8")
        (folder / ".venv" / "lib").mkdir(parents=True)
        (folder / ".venv" / "lib" / "site.py").write_text("x = 1\n", encoding="utf-8")
        (folder / "venv").mkdir()
        (folder / "venv" / "activate.py").write_text("x = 1\n", encoding="utf-8")
        (folder / "tests").mkdir()
        (folder / "tests" / "test_it.py").write_text("x = 1\n", encoding="utf-8")
        (folder / "test_here.py").write_text("x = 1\n", encoding="utf-8")
        (folder / "__init__.py~").write_text("x = 1\n", encoding="utf-8")
        (folder / "notes.txt").write_text("x\n", encoding="utf-8")
        (folder / "hostname.py").symlink_to("/etc/hostname")
        (folder / "secret.py").symlink_to(secret)
        (folder / "linked").symlink_to(secret.parent, target_is_directory=True)
    (root / "qgis_plugin" / "algorithms" / "segments.py.swp").write_text("x", encoding="utf-8")
    (root / "qgis_plugin" / "help" / "en" / "secret.html").symlink_to(secret)
    (root / "stadsrum" / "io" / "secret.py").symlink_to(secret)
    # a link inside the tree is packed as the file it points to
    (root / "qgis_plugin" / "algorithms" / "alias.py").symlink_to(
        root / "qgis_plugin" / "algorithms" / "common.py"
    )
    path = build_plugin_zip(tmp_path / "planted", root=root)
    names = _zip_names(path)
    assert names - clean == {f"{PLUGIN_FOLDER}/algorithms/alias.py"}
    assert clean - names == set()
    with zipfile.ZipFile(path) as zf:
        for name in names:
            assert b"SECRET" not in zf.read(name), name


def test_plugin_zip_holds_every_plugin_file_git_tracks(tmp_path):
    """The allow-list keeps up with the plugin: a new kind of file must be added to it."""
    try:
        tracked = subprocess.run(
            ["git", "ls-files", "qgis_plugin"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    if not tracked:
        pytest.skip("not a git checkout")
    names = _zip_names(build_plugin_zip(tmp_path))
    for rel in tracked:
        inside = rel.removeprefix("qgis_plugin/")
        if inside == "ruff.toml":  # the developers' lint settings
            continue
        assert f"{PLUGIN_FOLDER}/{inside}" in names, rel


# --- translations ---------------------------------------------------------------------------


def _read_qm(data: bytes) -> dict[int, list[str]]:
    """Hash → translations, read back from a .qm file (Qt's format)."""
    assert data[:16] == bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")
    sections, pos = {}, 16
    while pos < len(data):
        tag, length = struct.unpack(">BI", data[pos : pos + 5])
        sections[tag] = data[pos + 5 : pos + 5 + length]
        pos += 5 + length
    table, messages = sections[0x42], sections[0x69]
    out: dict[int, list[str]] = {}
    for i in range(0, len(table), 8):
        h, offset = struct.unpack(">II", table[i : i + 8])
        assert messages[offset] == 3  # a translation comes first
        (length,) = struct.unpack(">I", messages[offset + 1 : offset + 5])
        text = messages[offset + 5 : offset + 5 + length].decode("utf-16-be")
        out.setdefault(h, []).append(text)
    return out


def test_compiled_translation_holds_every_message():
    ts = ET.parse(TS).getroot()
    qm = _read_qm(compile_ts(TS.read_text(encoding="utf-8")))
    translations = sorted(t for texts in qm.values() for t in texts)
    expected = sorted(m.findtext("translation") or "" for m in ts.iter("message"))
    assert translations == expected
    assert len(expected) > 40


@pytest.mark.skipif(shutil.which("lrelease") is None, reason="Qt's lrelease is not installed")
def test_compiled_translation_equals_lrelease(tmp_path):
    qm = tmp_path / "lrelease.qm"
    subprocess.run(["lrelease", "-silent", str(TS), "-qm", str(qm)], check=True)
    assert _read_qm(compile_ts(TS.read_text(encoding="utf-8"))) == _read_qm(qm.read_bytes())


def _labels_in_plugin() -> set[str]:
    """Every English label the plugin shows: tr("..."), add_enum texts, LABEL and GROUP."""
    labels: set[str] = set()
    dicts: dict[str, list[str]] = {}
    enum_calls: list[ast.Call] = []
    for path in PLUGIN.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        dicts[target.id] = [
                            v.value for v in node.value.values if isinstance(v, ast.Constant)
                        ]
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if names & {"LABEL", "GROUP"} and node.value.value:
                    labels.add(node.value.value)
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "tr" and node.args and isinstance(node.args[0], ast.Constant):
                    labels.add(node.args[0].value)
                if name == "add_enum":
                    enum_calls.append(node)
    for call in enum_calls:
        description, options = call.args[1], call.args[2]
        assert isinstance(description, ast.Constant)
        assert isinstance(options, ast.Name)
        labels.add(description.value)
        labels.update(dicts[options.id])
    return labels


def test_every_label_has_a_swedish_translation_and_none_is_stale():
    ts = {
        m.findtext("source"): m.findtext("translation")
        for m in ET.parse(TS).getroot().iter("message")
    }
    labels = _labels_in_plugin()
    assert "Segment analysis (space syntax)" in labels
    assert "angular (turns)" in labels
    assert sorted(labels - ts.keys()) == []
    assert sorted(ts.keys() - labels) == []
    assert all(ts[label] for label in labels)


def test_every_algorithm_has_help_in_english_and_swedish():
    for module in (PLUGIN / "algorithms").glob("*.py"):
        if module.stem in ("__init__", "base", "common"):
            continue
        for lang in ("en", "sv"):
            text = (PLUGIN / "help" / lang / f"{module.stem}.html").read_text(encoding="utf-8")
            assert len(text) > 300
            ET.fromstring(f"<div>{text}</div>")  # well-formed, as QGIS shows it as HTML
    segments = (PLUGIN / "help" / "sv" / "segments.html").read_text(encoding="utf-8")
    for measure in ("integration", "choice", "nain", "nach", "mean_depth", "harmonic"):
        assert measure in segments
    # each output explained to a planner, in both languages
    for lang in ("en", "sv"):
        barriers = (PLUGIN / "help" / lang / "barriers.html").read_text(encoding="utf-8")
        for column in ("stretch_m", "detour_ratio", "gain_m", "change_m", "reach_10min_loss"):
            assert column in barriers, (lang, column)
        distances = (PLUGIN / "help" / lang / "distances.html").read_text(encoding="utf-8")
        for column in ("total_m", "walk_min", "detour_ratio", "area_m2", "nodes_within_10min"):
            assert column in distances, (lang, column)


# --- architecture ---------------------------------------------------------------------------


def test_plugin_calls_workflows_never_kernels_or_measures():
    allowed = {
        "stadsrum.workflows",
        "stadsrum.study",  # `stadsrum run`'s entry point, for stadsrum:run
        "stadsrum.errors",
        "stadsrum.progress",
        "stadsrum.i18n",  # the core's message catalogue, in QGIS's language
        "stadsrum.io.styles",
        "stadsrum.plugin_zip",
        "stadsrum.options",  # the core's defaults (walking speed); only the standard library
        "stadsrum.records",  # the options records the parameters are built from
    }
    for path in PLUGIN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").split(".")[0] == "stadsrum"
            ):
                assert node.module in allowed, (path, node.module)


def test_plugin_loads_without_importing_the_scientific_stack():
    """Loading the plugin (QGIS start-up) must not import, nor fail for want of, the core."""
    heavy = {"geopandas", "numba", "pandas", "shapely", "pyproj", "numpy", "stadsrum"}
    for name in ("__init__", "plugin", "provider", "i18n", "deps", "metadata"):
        tree = ast.parse((PLUGIN / f"{name}.py").read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        for node in top:
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert (module or "").split(".")[0] not in heavy, (name, module)


# --- dependency check -----------------------------------------------------------------------


def test_dependency_minimums_match_pyproject():
    deps = _deps_module()
    pinned = {}
    for requirement in _pyproject()["project"]["dependencies"]:
        name, _, minimum = requirement.partition(">=")
        pinned[name.strip()] = minimum.strip()
    for dist, (_module, minimum) in deps.REQUIREMENTS.items():
        assert pinned[dist] == minimum, dist
    # the rest are for the command line only, and matplotlib for the report
    assert set(pinned) - set(deps.REQUIREMENTS) == {"typer", "tqdm", "matplotlib"}


def test_dependency_check_names_missing_and_old_packages():
    deps = _deps_module()
    found = {"numpy": "2.1.0", "geopandas": "0.12.2", "numba": None}
    problems = deps.find_problems(
        {k: (k, v) for k, v in {"numpy": "1.26", "geopandas": "0.14", "numba": "0.59"}.items()},
        version_of=found.get,
    )
    assert [(p.package, p.found) for p in problems] == [("geopandas", "0.12.2"), ("numba", None)]
    assert deps.find_problems() == []  # this environment has everything
    assert deps.version_tuple("2.0.1rc1") == (2, 0, 1)
    assert deps.version_tuple("0.14") > deps.version_tuple("0.9.3")


def test_missing_packages_message_points_at_the_install_button_not_pip():
    """The old advice (pip install --user --upgrade numpy>=...) broke QGIS's own numpy users."""
    deps = _deps_module()
    problems = [deps.Problem("geopandas", "0.14", "0.12.2"), deps.Problem("numba", "0.59", None)]
    text = deps.message(problems, folder=Path("/profile/stadsrum/python3.11-linux-x86_64"))
    assert "geopandas 0.12.2 (needs 0.14 or newer)" in text
    assert "numba (missing)" in text
    assert "Plugins > Stadsrum > Install Python packages" in text
    assert "/profile/stadsrum/python3.11-linux-x86_64" in text
    for dangerous in ("pip install", "--user", "--break-system-packages", "--upgrade"):
        assert dangerous not in text

"""The one message catalogue of stadsrum's own messages: English and Swedish.

The command line (``stadsrum --lang sv`` or the ``LANGUAGE``/``LC_ALL``/
``LC_MESSAGES``/``LANG`` environment) and the QGIS plugin (QGIS's user
interface language) translate the core's errors, progress steps and summary
lines through :func:`translate`.

The catalogue is a gettext ``.po`` file per language (``locale/<lang>.po``),
the format translators' tools (Poedit, Lokalize, Weblate) edit. It is read at
run time by a small reader here rather than compiled to ``.mo`` at build time:
the wheel, an editable install and the plugin zip's bundled core then all carry
the same text file, with no build step that one of them could miss.

Messages are mostly formatted where they are raised (f-strings with the layer,
column or file in them). A message id may therefore hold ``{name}``
placeholders: ``"{what}: file not found: '{path}'{hint}"`` translates any text
of that shape, the values carried over as they are. Ids are found in the source
by :func:`message_ids` (the f-strings given to the error classes, progress
steps and the command line's output), which is how the untranslated ones are
listed.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "catalogue",
    "language",
    "language_from_environment",
    "message_ids",
    "normalise_language",
    "read_po",
    "set_language",
    "translate",
    "untranslated",
]

LANGUAGES = ("en", "sv")
"""Languages stadsrum speaks; English is the source language."""

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

_chosen: str | None = None


def normalise_language(name: str | None) -> str | None:
    """``"sv_SE.UTF-8"``, ``"sv-SE"``, ``"Swedish"``, ``"sv"`` → ``"sv"``; None if unknown.

    ``"C"`` and ``"POSIX"`` (no locale chosen) are English.
    """
    if not name:
        return None
    text = name.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if text in ("c", "posix"):
        return "en"
    if text in ("swedish", "svenska"):
        return "sv"
    if text in ("english",):
        return "en"
    code = text.split("_")[0]
    return code if code in LANGUAGES else None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, as gettext reads it.

    ``LANGUAGE`` (a colon-separated list of preferences) first, then the first
    set of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``; English when none names a
    language stadsrum speaks.
    """
    env = os.environ if environ is None else environ
    for preference in (env.get("LANGUAGE") or "").split(":"):
        lang = normalise_language(preference)
        if lang:
            return lang
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key)
        if value:  # the first one set decides, as in setlocale
            return normalise_language(value) or "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Use ``lang`` for messages from now on (None: the environment's); returns the language."""
    global _chosen
    _chosen = normalise_language(lang) if lang else None
    return language()


def language() -> str:
    """The language messages are given in: the one set, else the environment's."""
    return _chosen or language_from_environment()


# --- the catalogue -----------------------------------------------------------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(text) if text else ""


def read_po(path: str | Path) -> dict[str, str]:
    """``{msgid: msgstr}`` of a ``.po`` file; untranslated and fuzzy entries left out."""
    entries: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal msgid, msgstr, fuzzy
        key, value = "".join(msgid), "".join(msgstr)
        if key and value and not fuzzy:
            entries[key] = value
        msgid, msgstr, fuzzy = [], [], False

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            target = None
        elif line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            if msgid or msgstr:
                flush()
            msgid = [_unquote(line[6:])]
            target = msgid
        elif line.startswith("msgstr "):
            msgstr = [_unquote(line[7:])]
            target = msgstr
        elif line.startswith('"') and target is not None:
            target.append(_unquote(line))
    flush()
    return entries


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The translations into ``lang`` (empty for English and for a language without a file)."""
    path = LOCALE_DIR / f"{lang}.po"
    return read_po(path) if lang != "en" and path.is_file() else {}


@functools.cache
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """Regular expressions for the ids with placeholders, the most specific first, with
    the names of the placeholders quoted in the id (``'{column}'``, ``'{path}'``)."""
    found = []
    for msgid, msgstr in catalogue(lang).items():
        if not _PLACEHOLDER.search(msgid):
            continue
        parts, seen, pos = [], set(), 0
        for match in _PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[pos : match.start()]))
            name = match.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
            pos = match.end()
        parts.append(re.escape(msgid[pos:]))
        literal = len(_PLACEHOLDER.sub("", msgid))
        quoted = frozenset(re.findall(r"'\{([A-Za-z_][A-Za-z0-9_]*)\}'", msgid))
        found.append((literal, re.compile("".join(parts), re.DOTALL), msgstr, quoted))
    found.sort(key=lambda item: -item[0])  # more fixed text: a closer match
    return [(pattern, msgstr, quoted) for _, pattern, msgstr, quoted in found]


def translate(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default :func:`language`); as it is when the catalogue lacks it.

    A text matching an id with placeholders is translated with the values carried
    over; a value that is itself a message (a layer's name such as ``network``, the
    message after ``error:``) is translated too.
    """
    lang = normalise_language(lang) if lang else language()
    if not lang or lang == "en" or not text:
        return text
    table = catalogue(lang)
    exact = table.get(text)
    if exact is not None:
        return exact
    for pattern, msgstr, quoted in _patterns(lang):
        match = pattern.fullmatch(text)
        if match:
            # each value is shorter than the text, so this ends; a quoted value is a
            # column, file or layer name as the user wrote it ('population', 'network'),
            # never translated
            values = {
                k: v if k in quoted else _number(translate(v, lang), lang)
                for k, v in match.groupdict().items()
            }
            return _fill(msgstr, values)
    return text


#: A number as the core formats it (``3,605``, ``85.03``), alone or before a unit (``0.3 s``).
_ENGLISH_NUMBER = re.compile(r"(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?((?: [a-zµ%]+)?)")


def _number(value: str, lang: str) -> str:
    """A value that is a number in Swedish form: ``3,605`` → ``3 605``, ``85.03`` →
    ``85,03``. Left in English form, ``3,605`` reads as three and a bit in Swedish.
    Other values (paths, ids, ``EPSG:3067``, a list of numbers) stay as they are."""
    match = _ENGLISH_NUMBER.fullmatch(value) if lang == "sv" else None
    if not match:
        return value
    sign, whole, decimals, unit = match.groups()
    text = sign + whole.replace(",", " ")  # a plain space: any console shows it
    return text + ("," + decimals if decimals else "") + unit


def _fill(msgstr: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), msgstr)


# --- the message ids in the source -------------------------------------------------------

#: Calls whose first argument is a message: the error classes, progress steps and
#: messages, and the command line's output.
MESSAGE_CALLS = frozenset(
    {
        "StadsrumError",
        "InputError",
        "InputFileError",
        "InputTypeError",
        "NetworkError",
        "OutputError",
        "CancelledError",
        "message",
        "start",
        "echo",
        "_echo",
    }
)


def _placeholder_name(node: ast.expr) -> str:
    """A readable placeholder for the value an f-string inserts."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        inner = _placeholder_name(node.args[0])
        return f"n_{inner}" if node.func.id == "len" else inner
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _placeholder_name(node.func.value)
    if isinstance(node, ast.Subscript):
        return _placeholder_name(node.value)
    return "value"


def _message_text(node: ast.expr) -> str | None:
    """The message id of a string or f-string argument, None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    pieces, used = [], set()
    for value in node.values:
        if isinstance(value, ast.Constant):
            pieces.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        elif isinstance(value, ast.FormattedValue):
            name = _placeholder_name(value.value)
            base, i = name, 2
            while name in used:
                name, i = f"{base}{i}", i + 1
            used.add(name)
            pieces.append("{" + name + "}")
    return "".join(pieces).replace("{{", "{").replace("}}", "}")


def message_ids(files: Iterable[str | Path] | None = None) -> list[str]:
    """The message ids in stadsrum's source (default: every module of the package)."""
    if files is None:
        files = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    ids: set[str] = set()
    for file in files:
        # the report and the styles have their own word lists in both languages
        if Path(file).parent.name == "report" or Path(file).name == "styles.py":
            continue
        tree = ast.parse(Path(file).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            texts = [_message_text(node.args[0])] if name in MESSAGE_CALLS and node.args else []
            # progress steps named by the worker pools' ``label=``
            texts += [_message_text(k.value) for k in node.keywords if k.arg == "label"]
            for text in texts:
                # a bare placeholder ("{text}") or a word without letters is no message
                if text and re.search(r"[A-Za-z]{2}", _PLACEHOLDER.sub("", text)):
                    ids.add(text)
    return sorted(ids)


def untranslated(lang: str = "sv", ids: Iterable[str] | None = None) -> list[str]:
    """The message ids that ``lang``'s catalogue does not translate yet.

    An id counts as translated when :func:`translate` changes it: an entry of its
    own, or one with placeholders that matches it (``written: {html}`` by
    ``written: {path}``).
    """
    return [i for i in (message_ids() if ids is None else ids) if translate(i, lang) == i]

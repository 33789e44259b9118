"""Translations: Qt's translator for labels, help files per language.

Labels are translated with :func:`tr` (Qt context ``stadsrum``) from
``i18n/stadsrum_<lang>.qm``, compiled from the ``.ts`` source when the plugin
zip is built. Help texts are HTML files in ``help/<lang>/``.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "stadsrum"
LANGUAGES = ("en", "sv")
HERE = Path(__file__).resolve().parent

_translator: QTranslator | None = None


def tr(text: str) -> str:
    """Translate a label into QGIS's language."""
    return QCoreApplication.translate(CONTEXT, text)


def language() -> str:
    """Two-letter language of QGIS's user interface (``"sv"``, ``"en"``, ...).

    The translation QGIS loaded comes first: ``qgis --lang sv`` sets it (and so
    does the "Override system locale" option at start-up), while
    :meth:`QgsApplication.locale` still gives the system's locale then. Without
    it (a bare ``QgsApplication``, as in scripts and tests) the user's override
    in the settings (``locale/overrideFlag``, ``locale/userLocale``) decides,
    then the system's locale. ``"C"`` (no locale) is English.
    """
    for name in (_loaded_translation(), _settings_locale(), QLocale.system().name()):
        code = (name or "").strip()[:2].lower()
        if code.isalpha() and len(code) == 2:
            return code
    return "en"


def _loaded_translation() -> str:
    app = QgsApplication.instance()
    try:
        return str(app.translation() or "") if app is not None else ""
    except (AttributeError, TypeError):  # older QGIS: no translation() to ask
        return ""


def _settings_locale() -> str:
    from qgis.core import QgsSettings

    settings = QgsSettings()
    if str(settings.value("locale/overrideFlag", False)).lower() in ("true", "1"):
        return str(settings.value("locale/userLocale", "") or "")
    return ""


def core_text(text: str) -> str:
    """A message of the stadsrum core (error, progress step, summary) in QGIS's language.

    The core's one catalogue (``stadsrum/locale/<lang>.po``) translates it, the
    same the command line uses with ``--lang``.
    """
    try:
        from stadsrum.i18n import translate
    except ImportError:  # the core is not importable: the dependency check says why
        return text
    return "\n".join(translate(line, language()) for line in str(text).split("\n"))


def install_translator(lang: str | None = None) -> bool:
    """Load the ``.qm`` file for ``lang`` (default: QGIS's language).

    Replaces a translator installed earlier. Returns ``True`` when one was loaded.
    """
    global _translator
    remove_translator()
    lang = lang or language()
    qm = HERE / "i18n" / f"stadsrum_{lang}.qm"
    if not qm.is_file():
        return False
    translator = QTranslator()
    if not translator.load(str(qm)):
        return False
    QCoreApplication.installTranslator(translator)
    _translator = translator
    return True


def remove_translator() -> None:
    global _translator
    if _translator is not None:
        QCoreApplication.removeTranslator(_translator)
        _translator = None


def help_text(name: str, lang: str | None = None) -> str:
    """The help file ``help/<lang>/<name>.html``, in English when there is none."""
    lang = lang or language()
    for candidate in (lang, "en"):
        path = HERE / "help" / candidate / f"{name}.html"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""

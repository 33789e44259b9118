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
    """Two-letter language of QGIS's user interface (``"sv"``, ``"en"``, ...)."""
    name = QgsApplication.locale() or QLocale().name()
    return (name or "en")[:2].lower()


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

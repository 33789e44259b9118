"""Each algorithm's dialog renders offscreen, in English and in Swedish."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QLabel

pytestmark = pytest.mark.qgis

ALGORITHMS = (
    "stadsrum:network",
    "stadsrum:segments",
    "stadsrum:distances",
    "stadsrum:accessibility",
    "stadsrum:barriers",
    "stadsrum:compare",
    "stadsrum:areas",
    "stadsrum:report",
    "stadsrum:run",
)
SWEDISH = {
    "stadsrum:network": ["Gatumittlinjer", "Förberedelse", "Färdsätt (OpenStreetMap-filer)"],
    "stadsrum:segments": [
        "Avståndstyper",
        "Radieläge",
        "Vikt (numeriskt fält, t.ex. befolkning)",
        "Mått att skriva",
        "Normering",
    ],
    "stadsrum:distances": [
        "Platser (punkter eller polygoner)",
        "Fält med nodens kategori (station, skola, ...)",
        "Serviceområden",
        "Sammanfattning per plats (tabell)",
    ],
    "stadsrum:accessibility": [
        "Målpunkter: butiker, skolor, hållplatser... (punkter eller polygoner)",
        "Avståndsavtagande för räckvidden",
        "Tillgänglighet",
    ],
    "stadsrum:barriers": [
        "Barriärer: järnvägar, motorleder, vatten... (linjer eller polygoner)",
        "Passager",
        "Tänkbara nya passager, rangordnade",
    ],
    "stadsrum:compare": [
        "Förslag: gator som planen lägger till eller tar bort (linjer)",
        "Segmentanalys: förändring",
    ],
    "stadsrum:areas": [
        "Befolkning: adress- eller byggnadspunkter, eller DeSO-polygoner",
        "Potentiell samnärvaro per gata",
    ],
    "stadsrum:report": ["Resultatlager eller GeoPackage-filer som Stadsrum skrev", "Rapportmapp"],
    "stadsrum:run": ["Studiefil (.toml)"],
}
ENGLISH = {
    "stadsrum:network": ["Street centre lines", "Preparation"],
    "stadsrum:segments": ["Distance types", "Radius mode", "Measures to write", "Normalisation"],
    "stadsrum:distances": ["Places (points or polygons)", "Service areas"],
    "stadsrum:accessibility": ["Distance decay of reach", "Accessibility"],
    "stadsrum:barriers": ["Crossings", "Candidate new crossings, ranked"],
    "stadsrum:compare": ["Segment analysis: change", "Distances: change per place"],
    "stadsrum:areas": ["Areas: DeSO, RegSO, districts (polygons)", "Segregation indices (table)"],
    "stadsrum:report": ["Report language", "Report folder"],
    "stadsrum:run": ["Study file (.toml)"],
}


def render(algorithm_id: str, folder: Path) -> tuple[Path, list[str], str]:
    """Open the algorithm's dialog, grab it as PNG; return the PNG, its labels and title."""
    import processing

    dialog = processing.createAlgorithmDialog(algorithm_id, {})
    assert dialog is not None
    dialog.resize(900, 720)
    dialog.show()
    for _ in range(5):
        QCoreApplication.processEvents()
    pixmap = dialog.grab()
    path = folder / (algorithm_id.replace(":", "_") + ".png")
    assert pixmap.save(str(path), "PNG")
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible()]
    title = dialog.windowTitle()
    dialog.close()
    dialog.deleteLater()
    QCoreApplication.processEvents()
    return path, labels, title


def assert_not_blank(path: Path) -> None:
    from qgis.PyQt.QtGui import QImage

    image = QImage(str(path))
    assert image.width() >= 600
    assert image.height() >= 400
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20, "the dialog rendered as a blank image"


def screenshot_folder(tmp_path: Path, lang: str) -> Path:
    """Where the PNGs go: STADSRUM_SCREENSHOTS when set (to look at them), else tmp."""
    base = Path(os.environ.get("STADSRUM_SCREENSHOTS", tmp_path))
    folder = base / lang
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("algorithm_id", ALGORITHMS)
def test_dialog_renders_in_english(plugin, algorithm_id, tmp_path):
    path, labels, _title = render(algorithm_id, screenshot_folder(tmp_path, "en"))
    assert_not_blank(path)
    text = "\n".join(labels)
    for label in ENGLISH[algorithm_id]:
        assert label in text


def test_dialogs_render_in_swedish(swedish_plugin, tmp_path):
    titles = {}
    for algorithm_id in ALGORITHMS:
        path, labels, titles[algorithm_id] = render(algorithm_id, screenshot_folder(tmp_path, "sv"))
        assert_not_blank(path)
        text = "\n".join(labels)
        for label in SWEDISH[algorithm_id]:
            assert label in text, (label, labels)
    assert titles["stadsrum:segments"] == "Segmentanalys (space syntax)"
    assert titles["stadsrum:barriers"] == "Barriäranalys"
    assert titles["stadsrum:compare"] == "Jämför före och efter ett förslag"
    assert titles["stadsrum:distances"] == "Avstånd från platser till noder och serviceområden"

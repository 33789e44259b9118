"""What the reader sees instead of column names, ids and Python's number format.

The result layers keep their stable machine names (``integration_angular_rn``,
``reach_10min_before``, ``kolmensepanaukio``); the report shows
"Integration (vinkel, hela staden)", "Målpunkter inom 10 min, före" and
"Tre smedersplatsen", with numbers as a Swedish planner writes them
(``1 234 567,9``: decimal comma, narrow no-break space between thousands).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "NameBook",
    "barrier_label",
    "category_label",
    "column_label",
    "format_number",
    "format_signed",
    "format_value",
    "group_label",
    "parameter_label",
]

#: Swedish thousands separator: U+202F NARROW NO-BREAK SPACE, the thin space
#: of Swedish typography that also keeps a number on one line in a table cell.
THIN = "\u202f"
MINUS = "\u2212"


def format_number(value: float, lang: str, digits: int | None = None) -> str:
    """``value`` as the report's readers write numbers.

    ``sv``: decimal comma and a narrow no-break space between thousands
    (``1234567.891`` → ``1 234 567,9``); ``en``: ``1,234,567.9``. Both use
    the minus sign U+2212. ``digits`` defaults to 0 for whole numbers and 1
    otherwise. Missing and infinite values give an en dash.
    """
    number = float(value)
    if not math.isfinite(number):
        return "–"
    if digits is None:
        digits = 0 if number.is_integer() else 1
    text = f"{abs(number):,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", THIN).replace(".", ",")
    # a value that rounds to zero is shown without a sign
    negative = number < 0 and any(ch not in "0.,\u202f" for ch in text)
    return (MINUS if negative else "") + text


def format_signed(value: float, lang: str, digits: int | None = None) -> str:
    """Like :func:`format_number`, with ``+`` on positive values (changes)."""
    text = format_number(value, lang, digits)
    return "+" + text if float(value) > 0 and text.strip("0,. \u202f") else text


def format_value(value: Any, lang: str, digits: int | None = None) -> str:
    """A table cell: numbers formatted, booleans as words, missing as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return {"sv": ("nej", "ja"), "en": ("no", "yes")}[lang][bool(value)]
    if isinstance(value, int | np.integer):
        return format_number(int(value), lang, 0)
    if isinstance(value, float | np.floating):
        return format_number(float(value), lang, digits)
    if isinstance(value, list | tuple):
        parts = [format_value(v, lang, digits) for v in value]
        # a list of Swedish decimals would be ambiguous with commas between them
        joiner = "; " if lang == "sv" and any("," in p for p in parts) else ", "
        return joiner.join(parts)
    text = str(value)
    return "–" if text in ("", "nan", "None", "NaT") else text


_CATEGORIES: dict[str, tuple[str, str]] = {
    "station": ("station", "station"),
    "tram_stop": ("spårvagnshållplats", "tram stop"),
    "bus_stop": ("busshållplats", "bus stop"),
    "subway_entrance": ("tunnelbaneuppgång", "metro entrance"),
    "library": ("bibliotek", "library"),
    "school": ("skola", "school"),
    "preschool": ("förskola", "preschool"),
    "kindergarten": ("förskola", "kindergarten"),
    "university": ("universitet", "university"),
    "culture": ("kultur", "culture"),
    "square": ("torg", "square"),
    "park": ("park", "park"),
    "playground": ("lekplats", "playground"),
    "shop": ("butik", "shop"),
    "grocery": ("livsmedelsbutik", "grocery"),
    "healthcare": ("vårdcentral", "health centre"),
    "sport": ("idrottsplats", "sports ground"),
    "all": ("alla", "all"),
    # barriers
    "railway": ("järnväg", "railway"),
    "tram": ("spårväg", "tramway"),
    "water": ("vatten", "water"),
    "motorway": ("motorväg", "motorway"),
    "road": ("större väg", "major road"),
    "major_road": ("större väg", "major road"),
    # plausibility warnings (the ``kind`` of the ``warnings`` layer)
    "detour": ("omväg", "detour"),
    "long_link": ("lång väg ut till gatan", "long way out to the street"),
    "tunnel_link": ("ansluten till en tunnel", "joined to a tunnel"),
    "bridge_link": ("ansluten till en bro", "joined to a bridge"),
    # network diagnostics
    "dangling_end": ("återvändsgränd", "dead end"),
    "near_miss": ("nästan-möte", "near miss"),
    "unjoined_crossing": ("korsning utan förbindelse", "crossing not joined"),
    "split_crossing": ("korsning sammanfogad genom delning", "crossing joined by a split"),
}


def category_label(category: Any, lang: str, *, capital: bool = False) -> str:
    """A category value (``tram_stop``) in words (``spårvagnshållplats``)."""
    key = str(category)
    words = _CATEGORIES.get(key)
    text = words[0 if lang == "sv" else 1] if words else key.replace("_", " ")
    return text[:1].upper() + text[1:] if capital else text


def barrier_label(barrier_id: Any, lang: str) -> str:
    """``railway-1`` → ``Järnväg 1``: the barrier's category in words and its number."""
    text = str(barrier_id)
    match = re.fullmatch(r"([a-z_]+)-(\d+)", text)
    if match is None:
        return text
    return f"{category_label(match.group(1), lang, capital=True)} {match.group(2)}"


_SUFFIXES = {
    "before": ("före", "before"),
    "after": ("efter", "after"),
    "change": ("förändring", "change"),
    "loss": ("förlust med barriären", "loss with the barrier"),
}

_MEASURES: dict[str, tuple[str, str]] = {
    "integration": ("Integration", "Integration"),
    # choice: "genomströmning", the word of Swedish space syntax practice and the plugin's help
    "choice": ("Genomströmning", "Choice"),
    "node_count": ("Antal segment inom radien", "Segments within the radius"),
    "total_depth": ("Totalt djup", "Total depth"),
    "mean_depth": ("Medeldjup", "Mean depth"),
    "nain": ("Normerad integration (NAIN)", "Normalised integration (NAIN)"),
    "nach": ("Normerad genomströmning (NACH)", "Normalised choice (NACH)"),
    "harmonic": ("Harmonisk närhet", "Harmonic closeness"),
    "reach_length": ("Gatulängd inom radien", "Street length within the radius"),
    "total_depth_wl": ("Totalt djup, längdviktat", "Total depth, length-weighted"),
    "integration_wl": ("Integration, längdviktad", "Integration, length-weighted"),
    "choice_wl": ("Genomströmning, längdviktad", "Choice, length-weighted"),
    "od_betweenness": ("Flöde mellan platser och målpunkter", "Place–node flow"),
    "attraction_betweenness": ("Flöde till målpunkter", "Flow to attractions"),
}

_COSTS = {
    "angular": ("vinkel", "angular"),
    "metric": ("meter", "metric"),
    "steps": ("steg", "steps"),
    "time": ("tid", "time"),
}

_COLUMNS: dict[str, tuple[str, str]] = {
    "place_id": ("Plats", "Place"),
    "node_id": ("Målpunkt", "Node"),
    "node_category": ("Kategori", "Category"),
    "category": ("Kategori", "Category"),
    "walk_min": ("Gångtid (min)", "Walking time (min)"),
    "total_m": ("Gångavstånd (m)", "Walking distance (m)"),
    "network_m": ("Avstånd längs gatorna (m)", "Distance along the streets (m)"),
    "link_m": ("Väg ut till gatan (m)", "Way out to the street (m)"),
    "straight_m": ("Fågelvägen (m)", "Straight line (m)"),
    "detour_ratio": ("Omvägskvot", "Detour ratio"),
    "detour_ratio_max": ("Största omvägskvot", "Largest detour ratio"),
    "angular_deg": ("Sammanlagd vinkeländring (grader)", "Total turning (degrees)"),
    "turns": ("Antal svängar", "Turns"),
    "mean_walk_min": ("Medelgångtid (min)", "Mean walking time (min)"),
    "rank": ("Rang", "Rank"),
    "threshold_min": ("Gångtid (min)", "Walking time (min)"),
    "area_m2": ("Yta (m²)", "Area (m²)"),
    "length_m": ("Längd (m)", "Length (m)"),
    "nearest_m": ("Avstånd till närmaste målpunkt (m)", "Distance to the nearest node (m)"),
    "issue": ("Diagnostik", "Diagnostics"),
    "stretch_m": ("Sträcka utan passage (m)", "Stretch without a crossing (m)"),
    "gain_m": ("Sammanlagd vägförkortning (m)", "Total route shortening (m)"),
    "saving_m": ("Vägförkortning (m)", "Route shortening (m)"),
    "barrier_id": ("Barriär", "Barrier"),
    "pairs_improved": ("Förbättrade vägar", "Routes improved"),
    "pairs_connected": ("Nya förbindelser plats–målpunkt", "Place–node pairs connected"),
    "change_m": ("Förändring av väglängd (m)", "Change in route length (m)"),
    "mean_change_m": ("Medelförändring av väglängd (m)", "Mean change in route length (m)"),
    "total_change_m": ("Total förändring av väglängd (m)", "Total change in route length (m)"),
    "pairs_shorter": ("Kortare vägar", "Shorter routes"),
    "pairs_longer": ("Längre vägar", "Longer routes"),
    "largest_saving_min": ("Största tidsvinst (min)", "Largest time saving (min)"),
    "mean_walk_min_change": ("Medelgångtid (min), förändring", "Mean walking time (min), change"),
    "share_crossing": ("Andel vägar över barriär", "Share of routes crossing a barrier"),
    # people and areas (stadsrum areas)
    "area_id": ("Område", "Area"),
    "population": ("Boende", "Residents"),
    "site_id": ("Plats", "Site"),
    "existing": ("Finns i dag", "Exists today"),
    "mean_m": ("Medelavstånd (m)", "Mean distance (m)"),
    "mean_min": ("Medelgångtid (min)", "Mean walking time (min)"),
}

#: Population groups the report names in words (the sample data's and SCB's usual split);
#: other group columns are shown by their name.
_GROUPS: dict[str, tuple[str, str]] = {
    "born_sweden": ("födda i Sverige", "born in Sweden"),
    "born_abroad": ("födda utomlands", "born abroad"),
}


def group_label(group: Any, lang: str, *, capital: bool = False) -> str:
    """A population group column (``born_abroad``) in words (``födda utomlands``)."""
    key = str(group)
    words = _GROUPS.get(key)
    text = words[0 if lang == "sv" else 1] if words else key.replace("_", " ")
    return text[:1].upper() + text[1:] if capital else text


def _radius(radius: str, lang: str) -> str:
    if radius == "n":
        return "hela staden" if lang == "sv" else "whole city"
    return f"{format_number(float(radius), lang)} m"


_SEGMENT = re.compile(
    r"(?P<measure>[a-z_]+?)_(?P<cost>angular|metric|steps|time)_r(?P<radius>n|\d+(?:\.\d+)?)"
)


def _base_label(column: str, lang: str) -> str | None:
    i = 0 if lang == "sv" else 1
    if column in _COLUMNS:
        return _COLUMNS[column][i]
    match = _SEGMENT.fullmatch(column)
    if match and match.group("measure") in _MEASURES:
        measure = _MEASURES[match.group("measure")][i]
        cost = _COSTS[match.group("cost")][i]
        return f"{measure} ({cost}, {_radius(match.group('radius'), lang)})"
    if match := re.fullmatch(r"reach_r(n|\d+)", column):
        radius = match.group(1)
        if radius == "n":
            return "Målpunkter i hela nätet" if lang == "sv" else "Nodes in the whole network"
        within = _radius(radius, lang)
        return f"Målpunkter inom {within}" if lang == "sv" else f"Nodes within {within}"
    if match := re.fullmatch(r"(?:reach|nodes_within)_(\d+)min", column):
        t = match.group(1)
        return f"Målpunkter inom {t} min" if lang == "sv" else f"Nodes within {t} min"
    if match := re.fullmatch(r"(mix|balanced_reach|reach_pop|other_area_share)_(\d+)min", column):
        t = match.group(2)
        return {
            "mix": (
                f"Gruppblandning inom {t} min (0 = en grupp ensam, 1 = jämn blandning)",
                f"Group mix within {t} min (0 = one group alone, 1 = evenly mixed)",
            ),
            "balanced_reach": (
                f"Andel av minst nådda grupp inom {t} min",
                f"Share of the least-reached group within {t} min",
            ),
            "reach_pop": (f"Boende inom {t} min", f"Residents within {t} min"),
            "other_area_share": (
                f"Andel från andra områden inom {t} min",
                f"Share from other areas within {t} min",
            ),
        }[match.group(1)][i]
    if match := re.fullmatch(r"reach_gain_(\d+)min", column):
        t = match.group(1)
        return f"Fler målpunkter inom {t} min" if lang == "sv" else f"More nodes within {t} min"
    if match := re.fullmatch(r"(nearest|mean)_([a-z_]+)_m", column):
        what = category_label(match.group(2), lang)
        if match.group(1) == "nearest":
            return f"Avstånd till närmaste {what} (m)" if lang == "sv" else f"Nearest {what} (m)"
        return f"Medelavstånd till {what} (m)" if lang == "sv" else f"Mean distance to {what} (m)"
    return None


def column_label(column: str, lang: str) -> str:
    """A result column in words: ``integration_angular_rn`` → ``Integration (vinkel, hela staden)``.

    ``_before``, ``_after``, ``_change`` and ``_loss`` are named after the
    measure ("…, förändring"). A column the report does not know is shown
    with spaces for underscores rather than not at all.
    """
    label = _base_label(column, lang)
    if label is not None:
        return label
    stem, _, suffix = column.rpartition("_")
    if stem and suffix in _SUFFIXES:
        base = _base_label(stem, lang)
        if base is not None:
            return f"{base}, {_SUFFIXES[suffix][0 if lang == 'sv' else 1]}"
    text = column.replace("_", " ")
    return text[:1].upper() + text[1:]


_PARAMETERS: dict[str, tuple[str, str]] = {
    "cost": ("Avståndsmått", "Cost"),
    "radii": ("Radier", "Radii"),
    "radius_mode": ("Radie räknad som", "Radius mode"),
    "measures": ("Mått", "Measures"),
    "weight": ("Vikt", "Weight"),
    "tulip_bins": ("Vinkelklasser (tulip)", "Angular bins (tulip)"),
    "split": ("Delning av gator", "Split"),
    "snap_threshold": ("Sammanfogning av ändpunkter (m)", "Snap threshold (m)"),
    "snap_tolerance": ("Tolerans vid sammanfogning (m)", "Snap tolerance (m)"),
    "speed": ("Gånghastighet (m/s)", "Walking speed (m/s)"),
    "prepare": ("Förberedelse av nätet", "Network preparation"),
    "layer": ("Lager", "Layer"),
    "mode": ("Färdsätt", "Mode"),
    "place_id": ("Platsernas id-kolumn", "Place id column"),
    "node_id": ("Målpunkternas id-kolumn", "Node id column"),
    "node_category": ("Kategorikolumn", "Category column"),
    "category": ("Kategorikolumn", "Category column"),
    "categories": ("Kategorier", "Categories"),
    "max_link": ("Längsta väg ut till gatan (m)", "Longest way out to the street (m)"),
    "max_link_length": ("Längsta nya passage (m)", "Longest new crossing (m)"),
    "polygons": ("Ytor ansluts via", "Areas joined at"),
    "thresholds": ("Gångtider (min)", "Walking times (min)"),
    "nearest": ("Bara närmaste", "Nearest only"),
    "nearest_per_category": ("Närmaste per kategori", "Nearest per category"),
    "routes": ("Vägar som linjer", "Routes as lines"),
    "decay": ("Avtagande med avstånd", "Distance decay"),
    "decay_constant": ("Avtagandekonstant", "Decay constant"),
    "value": ("Värdekolumn", "Value column"),
    "origins": ("Startpunkter", "Origins"),
    "barrier_id": ("Barriärernas id-kolumn", "Barrier id column"),
    "proposal_id": ("Förslagets id-kolumn", "Proposal id column"),
    "place_weight": ("Platsernas vikt", "Place weight"),
    "node_weight": ("Målpunkternas vikt", "Node weight"),
    "merge_gap": ("Sammanslagning av barriärer (m)", "Merge gap (m)"),
    "gap": ("Lucka som räknas som passage (m)", "Gap (m)"),
    "best_k": ("Kandidater per par", "Candidates per pair"),
    "detour_origins": ("Startpunkter för omvägskvot", "Detour origins"),
    "grid_spacing": ("Rutnätets täthet (m)", "Grid spacing (m)"),
    "centre": ("Centrum", "Centre"),
    "effect": ("Barriäreffekt per plats", "Barrier effect per place"),
    "effect_segments": ("Barriäreffekt per gata", "Barrier effect per street"),
    "segments": ("Segmentanalys", "Segment analysis"),
    "action": ("Kolumn för åtgärd", "Action column"),
    "access_cost": ("Avståndsmått för tillgänglighet", "Accessibility cost"),
    "access_radii": ("Radier för tillgänglighet", "Accessibility radii"),
    "crs": ("Koordinatsystem", "Coordinate system"),
    "unlinks": ("Lager med planskilda korsningar", "Unlinks layer"),
    "components": ("Delnät som behålls", "Components kept"),
    "population_column": ("Kolumn med antal boende", "Population column"),
    "groups": ("Grupper", "Groups"),
    "area_id": ("Områdenas id-kolumn", "Area id column"),
    "sites": ("Möjliga mötesplatser", "Candidate meeting sites"),
    "environment": ("Lokal miljö längs gatorna (min)", "Local environment along the streets (min)"),
    "criteria": ("Kriterier 2012", "2012 criteria"),
    "area_stats": ("Områdesstatistik", "Area statistics"),
    "stadsrum_version": ("stadsrum-version", "stadsrum version"),
    "created_utc": ("Skapad (UTC)", "Created (UTC)"),
}


def parameter_label(key: str, lang: str) -> str:
    """A run parameter or metadata key in words (``speed`` → ``Gånghastighet (m/s)``)."""
    if key in _PARAMETERS:
        return _PARAMETERS[key][0 if lang == "sv" else 1]
    if key.startswith("input:"):
        rest = key[len("input:") :]
        name, _, sha = rest.partition(":")
        word = "Indata" if lang == "sv" else "Input"
        return f"{word}: {name}" + (" (sha256)" if sha else "")
    return key


@dataclass
class NameBook:
    """Names of places and nodes by id, in the report's language.

    Swedish reports use ``name_sv``, then ``name``; English ones ``name_en``,
    then ``name``, then ``name_sv``. An id is shown only where no name is known.
    """

    lang: str
    places: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)

    def _order(self) -> tuple[str, ...]:
        return ("name_sv", "name") if self.lang == "sv" else ("name_en", "name", "name_sv")

    def add(self, kind: str, ids: Iterable[Any], columns: Mapping[str, Iterable[Any]]) -> None:
        """Learn names of ``kind`` (``"places"`` or ``"nodes"``) from name columns by suffix."""
        book = self.places if kind == "places" else self.nodes
        found = [list(columns[c]) for c in self._order() if c in columns]
        for i, key in enumerate(ids):
            if key is None or str(key) in book:
                continue
            for values in found:
                text = values[i]
                if text is not None and str(text).strip() and str(text) != "nan":
                    book[str(key)] = str(text).strip()
                    break

    def place(self, key: Any) -> str:
        return self.places.get(str(key), str(key))

    def node(self, key: Any) -> str:
        return self.nodes.get(str(key), str(key))

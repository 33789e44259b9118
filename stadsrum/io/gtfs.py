"""Key nodes from a GTFS feed: stations and stops with the modes and departures served.

A feed (a ``.zip`` or a folder holding ``stops.txt``) becomes one point per
**station**: platforms, boarding areas and the stops of a station roll up to
their parent (``location_type`` 1); a stop without a parent is a node of its
own. Each node gets

* ``category``: the leading mode served, in the order train, metro, tram,
  ferry, bus, taxi, other (a station served by commuter trains and buses is a
  train station), ``category_sv`` the same in Swedish, ``modes`` all of them;
* ``departures_per_hour``: departures in a time window of one service day,
  divided by the window's length in hours. A departure is a ``stop_times`` row
  of a trip running that day, except the trip's last stop and stops without
  pickup (``pickup_type`` 1); a trip of ``frequencies.txt`` counts once per
  run. Times past 24:00:00 belong to the service day before, so a 00:00-01:00
  window counts the 24:30:00 departures of the previous day's trips;
* ``lines``: the ``route_short_name`` (else ``route_long_name``) of the routes
  departing in the window, and ``routes`` their count.

Which trips run on a date follows ``calendar.txt`` (weekday flags between
``start_date`` and ``end_date``) and ``calendar_dates.txt`` (exception 1 adds a
service on a date, 2 removes it); a feed may have either file or both, as the
GTFS reference allows. Plain pandas reads the tables: see ``docs/gtfs.md`` for
why no GTFS library.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from stadsrum.errors import InputError, InputFileError
from stadsrum.progress import ProgressLike, as_progress, check_cancelled

__all__ = [
    "CATEGORIES",
    "CATEGORY_SV",
    "gtfs_source",
    "is_gtfs",
    "nodes_from_gtfs",
    "parse_window",
    "read_gtfs_nodes",
    "route_category",
]

log = logging.getLogger(__name__)

#: Modes in the order that picks a node's leading ``category``.
CATEGORIES = ("train", "metro", "tram", "ferry", "bus", "taxi", "other")

#: Swedish words for :data:`CATEGORIES` (the words of Swedish timetables).
CATEGORY_SV = {
    "train": "tåg",
    "metro": "tunnelbana",
    "tram": "spårväg",
    "ferry": "båt",
    "bus": "buss",
    "taxi": "taxi",
    "other": "övrigt",
}

_SWEDISH = {sv: en for en, sv in CATEGORY_SV.items()}

# the basic GTFS route types (GTFS reference, routes.txt)
_BASIC = {
    0: "tram",  # tram, streetcar, light rail
    1: "metro",  # subway, metro
    2: "train",  # rail
    3: "bus",
    4: "ferry",
    5: "tram",  # cable tram
    6: "other",  # aerial lift
    7: "other",  # funicular
    11: "bus",  # trolleybus
    12: "metro",  # monorail
}

# Google's extended route types (TPEG hierarchical vehicle types), by hundreds.
# Swedish feeds use them: 100-117 rail, 401 metro (tunnelbana), 700-717 bus,
# 900-906 tram, 1000 water transport, 1200 ferry, 1501 communal taxi.
_EXTENDED = {
    1: "train",  # 100-117 railway services
    2: "bus",  # 200-209 coach services
    3: "train",  # 300 suburban railway
    4: "metro",  # 400-405 urban railway, metro, underground, monorail
    5: "metro",  # 500 metro (older list)
    6: "metro",  # 600 underground (older list)
    7: "bus",  # 700-717 bus services
    8: "bus",  # 800 trolleybus
    9: "tram",  # 900-906 tram services
    10: "ferry",  # 1000 water transport
    12: "ferry",  # 1200 ferry
    15: "taxi",  # 1500-1507 taxi, communal taxi (anropsstyrd trafik)
}


def route_category(route_type: Any) -> str:
    """The mode (:data:`CATEGORIES`) of a GTFS ``route_type``, basic or extended.

    Examples
    --------
    >>> route_category(2), route_category(401), route_category(717), route_category(1200)
    ('train', 'metro', 'bus', 'ferry')
    """
    try:
        code = int(str(route_type).strip())
    except ValueError:
        return "other"
    if code in _BASIC:
        return _BASIC[code]
    if code >= 100:
        return _EXTENDED.get(code // 100, "other")
    return "other"


def is_gtfs(source: Any) -> bool:
    """Whether ``source`` is a GTFS feed: a zip or folder with ``stops.txt`` and
    ``stop_times.txt``, optionally followed by options as in
    ``feed.zip|date=2024-03-05|window=07:00-09:00`` (see :func:`gtfs_source`)."""
    return gtfs_source(source) is not None


_OPTIONS = ("date", "window", "modes")


def gtfs_source(source: Any) -> tuple[Path, dict[str, str]] | None:
    """A feed's path and options from ``FEED|date=…|window=…|modes=…``.

    Where key nodes are read (``--nodes``, ``--attractions``) a feed may carry
    the options of :func:`nodes_from_gtfs` after ``|``, the way QGIS writes a
    layer name after a file. ``None`` when ``source`` is not a GTFS feed (a
    GeoPackage, or any ``FILE|layername=NAME``).
    """
    if not isinstance(source, str | Path):
        return None
    text, *parts = str(source).split("|")
    options: dict[str, str] = {}
    for part in parts:
        key, _, value = part.partition("=")
        if key.strip().lower() not in _OPTIONS:
            return None  # a vector layer's option such as layername=
        options[key.strip().lower()] = value.strip()
    path = Path(text)
    try:
        if path.is_dir():
            found = (path / "stops.txt").is_file() and (path / "stop_times.txt").is_file()
        elif path.suffix.lower() == ".zip" and path.is_file():
            with zipfile.ZipFile(path) as archive:
                names = {Path(n).name for n in archive.namelist()}
            found = {"stops.txt", "stop_times.txt"} <= names
        else:
            found = False
    except (OSError, zipfile.BadZipFile):
        return None
    return (path, options) if found else None


def read_gtfs_nodes(
    source: str | Path, *, progress: ProgressLike | None = None
) -> gpd.GeoDataFrame:
    """Key nodes from ``FEED`` or ``FEED|date=…|window=…|modes=…`` (see
    :func:`gtfs_source`), saying which service day and window were used."""
    found = gtfs_source(source)
    if found is None:
        raise InputError(f"'{source}' is not a GTFS feed (a .zip or folder with stops.txt)")
    path, options = found
    progress = as_progress(progress)
    nodes = nodes_from_gtfs(
        path,
        date=options.get("date") or None,
        window=options.get("window") or "07:00-09:00",
        modes=options.get("modes") or None,
        progress=progress,
    )
    used = nodes.attrs["gtfs"]
    progress.message(
        f"key nodes from the GTFS feed {path.name}: {len(nodes):,} stations and stops, "
        f"departures per hour on {used['date']} {used['window']}"
    )
    return nodes


# --- reading ------------------------------------------------------------------------------
class _Feed:
    """The text files of a feed, read on demand as string tables."""

    def __init__(self, source: str | Path) -> None:
        self.path = Path(source)
        if not self.path.exists():
            raise InputFileError(f"GTFS feed: file not found: '{self.path}'")
        self._zip: zipfile.ZipFile | None = None
        self._names: dict[str, str] = {}
        if self.path.is_dir():
            self._names = {p.name: str(p) for p in self.path.iterdir() if p.is_file()}
        else:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (OSError, zipfile.BadZipFile) as exc:
                raise InputFileError(
                    f"GTFS feed: '{self.path}' is not a zip file ({exc}); give the feed's "
                    ".zip as downloaded or a folder holding its .txt files"
                ) from exc
            # some feeds keep their files in a folder inside the zip
            for name in self._zip.namelist():
                if name.endswith(".txt"):
                    self._names.setdefault(Path(name).name, name)

    def has(self, name: str) -> bool:
        return name in self._names

    def table(
        self, name: str, columns: Sequence[str] = (), *, required: Sequence[str] = ()
    ) -> pd.DataFrame:
        """``name`` as strings (codes such as ``0180`` keep their zeros), the
        optional ``columns`` filled with empty text where the file lacks them."""
        if name not in self._names:
            raise InputError(
                f"GTFS feed '{self.path}': {name} is missing; a feed needs stops.txt, "
                "routes.txt, trips.txt, stop_times.txt and calendar.txt or calendar_dates.txt"
            )
        wanted = set(columns) | set(required)
        try:
            if self._zip is not None:
                with self._zip.open(self._names[name]) as raw:
                    data = raw.read()
                handle: Any = io.BytesIO(data)
            else:
                handle = self._names[name]
            # utf-8-sig: many feeds begin with a byte-order mark that would
            # otherwise stick to the first column's name
            frame = pd.read_csv(
                handle,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skipinitialspace=True,
                usecols=lambda c: c.strip() in wanted,
            )
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise InputError(f"GTFS feed '{self.path}': {name} cannot be read ({exc})") from exc
        frame.columns = [c.strip() for c in frame.columns]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise InputError(
                f"GTFS feed '{self.path}': {name} lacks the column(s) {', '.join(missing)} "
                "that the GTFS reference requires"
            )
        for column in wanted:
            if column not in frame.columns:
                frame[column] = ""
        return frame.apply(lambda s: s.str.strip())

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


# --- service days -------------------------------------------------------------------------
def _parse_dates(values: pd.Series, *, what: str) -> pd.Series:
    parsed = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    bad = values[parsed.isna() & (values != "")]
    if len(bad):
        raise InputError(
            f"GTFS feed: {what} has dates that are not YYYYMMDD, such as '{bad.iloc[0]}'"
        )
    return parsed.dt.date


class _Calendar:
    """Which services run on a date, from calendar.txt and calendar_dates.txt."""

    _DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    def __init__(self, feed: _Feed) -> None:
        if not (feed.has("calendar.txt") or feed.has("calendar_dates.txt")):
            raise InputError(
                f"GTFS feed '{feed.path}': neither calendar.txt nor calendar_dates.txt is "
                "there, so no trip can be placed on a date"
            )
        if feed.has("calendar.txt"):
            cal = feed.table(
                "calendar.txt", required=("service_id", *self._DAYS, "start_date", "end_date")
            )
            cal = cal[cal["service_id"] != ""]
            self.start = _parse_dates(cal["start_date"], what="calendar.txt start_date")
            self.end = _parse_dates(cal["end_date"], what="calendar.txt end_date")
            self.service = cal["service_id"].to_numpy()
            self.weekdays = np.column_stack([cal[d].to_numpy() == "1" for d in self._DAYS])
        else:
            self.service = np.array([], dtype=object)
            self.start = self.end = pd.Series([], dtype=object)
            self.weekdays = np.zeros((0, 7), dtype=bool)
        if feed.has("calendar_dates.txt"):
            ex = feed.table("calendar_dates.txt", required=("service_id", "date", "exception_type"))
            ex = ex[ex["service_id"] != ""]
            ex["date"] = _parse_dates(ex["date"], what="calendar_dates.txt date")
            self.added = ex[ex["exception_type"] == "1"].groupby("date")["service_id"].apply(set)
            self.removed = ex[ex["exception_type"] == "2"].groupby("date")["service_id"].apply(set)
        else:
            self.added = self.removed = pd.Series([], dtype=object)

    def services(self, day: dt.date) -> set[str]:
        """The service ids that run on ``day``."""
        running: set[str] = set()
        if len(self.service):
            on = (
                (self.start.to_numpy() <= day)
                & (self.end.to_numpy() >= day)
                & self.weekdays[:, day.weekday()]
            )
            running = set(self.service[on])
        running |= self.added.get(day, set())
        running -= self.removed.get(day, set())
        return running

    def span(self) -> tuple[dt.date, dt.date] | None:
        """First and last date any service runs, ``None`` for an empty calendar."""
        dates = [*self.start, *self.end, *self.added.index]
        if not dates:
            return None
        return min(dates), max(dates)


def _first_full_weekday(calendar: _Calendar, trips_per_service: pd.Series) -> dt.date:
    """The feed's first Monday-Friday with at least 90 % of the trips of a typical
    (median) weekday in its first four weeks: this passes over a holiday or a
    half-filled first day at the start of a feed, which would understate the
    service, while one day with extra trips does not raise the bar."""
    span = calendar.span()
    if span is None:
        raise InputError("GTFS feed: its calendar has no dates; give --date YYYY-MM-DD")
    first, last = span
    days = [
        first + dt.timedelta(days=i)
        for i in range(min(28, (last - first).days + 1))
        if (first + dt.timedelta(days=i)).weekday() < 5
    ]
    counts = {
        d: int(trips_per_service.reindex(list(calendar.services(d))).fillna(0).sum()) for d in days
    }
    typical = float(np.median(list(counts.values()))) if counts else 0.0
    if typical == 0:
        raise InputError(
            f"GTFS feed: no trip runs on most weekdays between {first} and "
            f"{first + dt.timedelta(days=27)}; give a date with --date YYYY-MM-DD"
        )
    return next(d for d in days if counts[d] >= 0.9 * typical)


# --- times ----------------------------------------------------------------------------------
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.]([0-5]\d))?(?::([0-5]\d))?\s*$")


def _clock(text: str, *, what: str) -> int:
    match = _TIME.match(text)
    if not match:
        raise InputError(f"{what}: '{text}' is not a time such as 07:00")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)


def parse_window(window: str | tuple[str, str]) -> tuple[int, int]:
    """``"07:00-09:00"`` as seconds after midnight ``(25200, 32400)``.

    The end may pass midnight: ``"23:00-01:00"`` is ``(82800, 90000)``, the hour
    before and the hour after midnight of the chosen day.
    """
    if isinstance(window, str):
        parts = window.replace("–", "-").split("-")
        if len(parts) != 2:
            raise InputError(f"window: '{window}' is not a time window such as 07:00-09:00")
        start_text, end_text = parts
    else:
        start_text, end_text = window
    start = _clock(start_text, what="window")
    end = _clock(end_text, what="window")
    if end <= start:
        end += 24 * 3600
    if end - start > 24 * 3600:
        raise InputError(f"window: '{window}' is longer than a day")
    return start, end


def _seconds(times: pd.Series) -> np.ndarray:
    """GTFS ``H:MM:SS`` (hours may pass 24) as seconds, -1 where empty.

    A feed repeats the same few thousand clock times millions of times, so each
    distinct text is parsed once.
    """
    codes, texts = pd.factorize(times)
    parts = pd.Series(texts, dtype=object).str.extract(r"^(\d+):(\d\d):(\d\d)$")
    valid = parts[0].notna().to_numpy()
    seconds = np.full(len(texts) + 1, -1, dtype=np.int64)  # the last for code -1 (missing)
    if valid.any():
        numbers = parts[valid].astype(np.int64).to_numpy()
        seconds[:-1][valid] = numbers[:, 0] * 3600 + numbers[:, 1] * 60 + numbers[:, 2]
    return seconds[codes]


# --- modes ----------------------------------------------------------------------------------
def _mode_filter(modes: Iterable[str] | str | None) -> set[str] | None:
    if modes is None:
        return None
    items = modes.split(",") if isinstance(modes, str) else list(modes)
    chosen: set[str] = set()
    for item in (str(i).strip().lower() for i in items):
        if not item:
            continue
        if item in CATEGORIES:
            chosen.add(item)
        elif item in _SWEDISH:
            chosen.add(_SWEDISH[item])
        else:
            raise InputError(
                f"modes: '{item}' is not a mode; choose from {', '.join(CATEGORIES)} "
                f"(or in Swedish {', '.join(CATEGORY_SV.values())})"
            )
    return chosen or None


def _line_key(name: str) -> tuple[int, str]:
    """Lines in the order timetables list them: 4 before 17 before 172 before X."""
    digits = re.match(r"\d+", name)
    return (int(digits.group()) if digits else 1 << 30, name)


# --- the nodes ------------------------------------------------------------------------------
def nodes_from_gtfs(
    feed: str | Path,
    *,
    date: str | dt.date | None = None,
    window: str | tuple[str, str] = "07:00-09:00",
    modes: Iterable[str] | str | None = None,
    progress: ProgressLike | None = None,
) -> gpd.GeoDataFrame:
    """Stations and stops of a GTFS feed as key nodes.

    Parameters
    ----------
    feed
        A GTFS ``.zip`` or a folder with its ``.txt`` files.
    date
        Service day, ``YYYY-MM-DD``. Default: the feed's first full weekday (the
        first Monday-Friday with at least 90 % of the trips of the median
        weekday in the feed's first four weeks).
    window
        Clock times on that day, ``HH:MM-HH:MM`` (or whole hours, ``7-9``);
        the end may pass midnight.
    modes
        Keep only routes of these modes (:data:`CATEGORIES`, or their Swedish
        words), e.g. ``"train,metro,tram"``. Default: all.
    progress
        Optional progress reporter (messages, cancel).

    Returns
    -------
    GeoDataFrame
        One point per station (WGS 84, EPSG:4326), served by at least one trip on
        that day, with ``node_id`` (the parent station's ``stop_id``, else the
        stop's), ``name``, ``category``, ``category_sv``, ``modes``,
        ``departures`` (in the window), ``departures_per_hour``, ``routes``,
        ``lines`` and ``stops`` (stop ids merged). ``attrs["gtfs"]`` holds the
        date and window used.
    """
    progress = as_progress(progress)
    start, end = parse_window(window)
    wanted = _mode_filter(modes)
    source = _Feed(feed)
    try:
        return _nodes(source, date, (start, end), wanted, progress)
    finally:
        source.close()


def _nodes(
    feed: _Feed,
    date: str | dt.date | None,
    window: tuple[int, int],
    wanted: set[str] | None,
    progress: ProgressLike,
) -> gpd.GeoDataFrame:
    progress.message(f"reading the GTFS feed {feed.path.name}")
    stops = feed.table(
        "stops.txt",
        ("stop_name", "location_type", "parent_station"),
        required=("stop_id", "stop_lat", "stop_lon"),
    )
    # a stop listed twice would break the lookups by stop_id; the first one counts
    stops = stops.drop_duplicates("stop_id")
    routes = feed.table(
        "routes.txt", ("route_short_name", "route_long_name"), required=("route_id", "route_type")
    )
    trips = feed.table("trips.txt", required=("route_id", "service_id", "trip_id"))
    calendar = _Calendar(feed)
    check_cancelled(progress)

    routes["category"] = routes["route_type"].map(route_category)
    routes["line"] = routes["route_short_name"].where(
        routes["route_short_name"] != "", routes["route_long_name"]
    )
    routes.loc[routes["line"] == "", "line"] = routes["route_id"]
    if wanted is not None:
        routes = routes[routes["category"].isin(wanted)]
    trips = trips.merge(routes[["route_id", "category", "line"]], on="route_id", how="inner")

    if date is None:
        day = _first_full_weekday(calendar, trips.groupby("service_id").size())
        progress.message(
            f"GTFS service day: {day:%Y-%m-%d} ({day:%A}), the feed's first full weekday"
        )
    else:
        day = _date(date)
    # a window near midnight also sees the trips of the days before and after,
    # whose times run past 24:00 or start just after midnight
    services = {offset: calendar.services(day + dt.timedelta(days=offset)) for offset in (-1, 0, 1)}
    trips = trips[trips["service_id"].isin(set().union(*services.values()))]
    if not trips["service_id"].isin(services[0]).any():
        span = calendar.span()
        within = f" (its calendar runs {span[0]} to {span[1]})" if span else ""
        raise InputError(
            f"GTFS feed '{feed.path}': no trip{' of the chosen modes' if wanted else ''} runs "
            f"on {day:%Y-%m-%d} ({day:%A}){within}; choose another --date"
        )

    progress.message("reading the feed's stop times")
    times = feed.table(
        "stop_times.txt",
        ("departure_time", "arrival_time", "pickup_type"),
        required=("trip_id", "stop_id", "stop_sequence"),
    )
    times = times[times["trip_id"].isin(set(trips["trip_id"]))]
    check_cancelled(progress)
    times = times.assign(
        seq=pd.to_numeric(times["stop_sequence"], errors="coerce"),
        t=_seconds(
            times["departure_time"].where(times["departure_time"] != "", times["arrival_time"])
        ),
    )
    # no one boards at a trip's last stop, nor where pickup_type 1 says there is no
    # pickup: those are arrivals, not departures; the stop is still a node
    last = times.groupby("trip_id")["seq"].transform("max")
    times = times.assign(departs=((times["seq"] < last) & (times["pickup_type"] != "1")).to_numpy())
    if feed.has("frequencies.txt"):
        times = _run_frequencies(feed, times)

    start, end = window
    events = []
    for offset, ids in services.items():
        on_day = trips.loc[trips["service_id"].isin(ids), ["trip_id", "category", "line"]]
        rows = times.merge(on_day, on="trip_id")
        clock = rows["t"].to_numpy() + offset * 86400
        in_window = rows["departs"].to_numpy() & (rows["t"].to_numpy() >= 0)
        rows = rows.assign(in_window=in_window & (clock >= start) & (clock < end))
        # the nodes are the stops visited on the day itself; the days beside it
        # only add departures that fall in the window
        events.append(rows if offset == 0 else rows[rows["in_window"]])
    rows = pd.concat(events, ignore_index=True)

    station = _stations(stops)
    rows["node_id"] = rows["stop_id"].map(station)
    unknown = rows["node_id"].isna()
    if unknown.any():
        missing = rows.loc[unknown, "stop_id"].unique()
        raise InputError(
            f"GTFS feed '{feed.path}': stop_times.txt names {len(missing)} stop(s) not in "
            f"stops.txt, such as '{missing[0]}'"
        )
    hours = (end - start) / 3600
    in_window = rows[rows["in_window"]]
    by_node = rows.groupby("node_id")
    nodes = pd.DataFrame(index=pd.Index(sorted(by_node.groups), name="node_id"))
    counted = in_window.groupby("node_id").size()
    nodes["departures"] = counted.reindex(nodes.index).fillna(0).astype(np.int64)
    nodes["departures_per_hour"] = np.round(nodes["departures"] / hours, 2)
    # modes and lines: those departing in the window, else those of the whole day,
    # so a node served only outside the window still says what serves it
    source = pd.concat([in_window, rows[~rows["node_id"].isin(counted.index)]])
    grouped = source.groupby("node_id")
    order = {c: i for i, c in enumerate(CATEGORIES)}
    modes = grouped["category"].agg(lambda s: sorted(set(s), key=order.__getitem__))
    lines = grouped["line"].agg(lambda s: sorted(set(s), key=_line_key))
    nodes["category"] = modes.str[0]
    nodes["category_sv"] = nodes["category"].map(CATEGORY_SV)
    nodes["modes"] = modes.str.join(",")
    nodes["routes"] = lines.str.len().astype(np.int64)
    nodes["lines"] = lines.str.join(",")
    nodes["stops"] = by_node["stop_id"].nunique().astype(np.int64)

    info = stops.set_index("stop_id")
    place = info.reindex(nodes.index)
    lon = pd.to_numeric(place["stop_lon"], errors="coerce")
    lat = pd.to_numeric(place["stop_lat"], errors="coerce")
    bad = lon.isna() | lat.isna() | (lon.abs() > 180) | (lat.abs() > 90)
    if bad.any():
        raise InputError(
            f"GTFS feed '{feed.path}': stops.txt has no valid stop_lat/stop_lon for "
            f"{int(bad.sum())} station(s), such as '{bad[bad].index[0]}'"
        )
    nodes["name"] = place["stop_name"].to_numpy()
    columns = ["name", "category", "category_sv", "modes", "departures_per_hour", "departures"]
    nodes = nodes[[*columns, "routes", "lines", "stops"]]
    out = gpd.GeoDataFrame(
        nodes.reset_index(),
        geometry=gpd.points_from_xy(lon.to_numpy(), lat.to_numpy()),
        crs="EPSG:4326",
    )
    out = out.sort_values(["departures_per_hour", "node_id"], ascending=[False, True])
    out = out.reset_index(drop=True)
    out.attrs["gtfs"] = {
        "feed": str(feed.path),
        "date": f"{day:%Y-%m-%d}",
        "window": f"{_hhmm(start)}-{_hhmm(end)}",
        "modes": ",".join(sorted(wanted)) if wanted else "all",
    }
    log.info("GTFS: %d nodes served on %s", len(out), day)
    return out


def _run_frequencies(feed: _Feed, times: pd.DataFrame) -> pd.DataFrame:
    """Trips of ``frequencies.txt`` as the runs they stand for.

    Such a trip's stop times give only the pattern: it runs every
    ``headway_secs`` from ``start_time`` until before ``end_time``, each run
    keeping the pattern's times relative to its first stop (GTFS reference,
    frequencies.txt). The trip's own stop times are replaced by its runs.
    """
    freq = feed.table(
        "frequencies.txt", required=("trip_id", "start_time", "end_time", "headway_secs")
    )
    freq = freq[freq["trip_id"].isin(set(times["trip_id"]))]
    if freq.empty:
        return times
    start = _seconds(freq["start_time"])
    end = _seconds(freq["end_time"])
    headway = pd.to_numeric(freq["headway_secs"], errors="coerce").fillna(0).to_numpy()
    bad = (start < 0) | (end < 0) | (headway <= 0)
    if bad.any():
        raise InputError(
            f"GTFS feed '{feed.path}': frequencies.txt has a row without valid times or a "
            f"positive headway_secs (trip '{freq['trip_id'].iloc[int(np.argmax(bad))]}')"
        )
    counts = np.maximum(np.ceil((end - start) / headway).astype(np.int64), 0)
    runs = pd.DataFrame(
        {
            "trip_id": np.repeat(freq["trip_id"].to_numpy(), counts),
            "run_start": np.concatenate(
                [s + h * np.arange(n) for s, h, n in zip(start, headway, counts, strict=True)]
            ).astype(np.int64),
        }
    )
    pattern = times[times["trip_id"].isin(set(freq["trip_id"]))]
    first = pattern.loc[pattern.groupby("trip_id")["seq"].idxmin(), ["trip_id", "t"]]
    pattern = pattern.merge(first.rename(columns={"t": "t0"}), on="trip_id")
    expanded = pattern.merge(runs, on="trip_id")
    expanded["t"] = expanded["run_start"] + (expanded["t"] - expanded["t0"])
    expanded = expanded.drop(columns=["t0", "run_start"])
    rest = times[~times["trip_id"].isin(set(freq["trip_id"]))]
    return pd.concat([rest, expanded], ignore_index=True)


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(f"date: '{value}' is not a date such as 2024-03-12 (YYYY-MM-DD)")


def _stations(stops: pd.DataFrame) -> pd.Series:
    """stop_id → the station it belongs to (itself where it has no parent).

    Boarding areas (type 4) hang under a platform that hangs under a station, so
    parents are followed until a stop without one; a parent missing from
    stops.txt or a loop of parents stops the walk at the last known stop.
    """
    parent = stops.set_index("stop_id")["parent_station"]
    parent = parent[~parent.index.duplicated()]
    known = set(parent.index)
    top = pd.Series(parent.index, index=parent.index)
    for _ in range(4):  # stop → platform → station is the deepest the reference allows
        up = parent.reindex(top.to_numpy()).fillna("").to_numpy()
        move = (up != "") & np.isin(up, list(known))
        if not move.any():
            break
        top = top.where(~move, up)
    return top

"""GTFS stops as key nodes: stations, modes, departures per hour, calendars.

The feed written by :func:`write_feed` follows the GTFS Schedule reference
(gtfs.org/schedule/reference: stops, routes, trips, stop_times, calendar,
calendar_dates) with Google's extended route types (109 suburban railway, 700
bus, 1200 ferry) beside a basic one (3 bus)::

    stations and stops            routes (route_type)      services
    CEN  Centralen (station)      T40 "40"  109 train      WD  Mon-Fri, March 2024,
      CEN1, CEN2 platforms        B4  "4"   700 bus            removed on Fri 1 March
      CENE entrance               B17 "17"  3   bus        EX  added on Tue 5 March
    PARK Parken                   F80 "80"  1200 ferry     SA  Saturdays
    HAMN Hamnen
    ON   Ön
    IDLE Ödet (never served)

    trip     route service  stops and departure times
    train1   T40   WD   CEN1 07:10 -> PARK 07:20
    train2   T40   WD   PARK 07:40 -> CEN2 07:50 -> HAMN 08:05
    bus1     B4    WD   CEN2 08:30 -> PARK 08:45 -> HAMN 09:00
    bus2     B17   WD   HAMN 06:50 -> CEN1 07:00 -> PARK 07:15
    bus3     B17   WD   CEN1 09:00 -> PARK 09:10
    night    B4    WD   CEN1 23:50 -> PARK 24:20 -> HAMN 24:40   (past midnight)
    ferry    F80   EX   HAMN 07:30 -> ON 07:50
    sat      B4    SA   CEN1 08:00 -> PARK 08:10

A departure is a stop time that is not its trip's last; the window is
start-inclusive, end-exclusive.
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from helpers import SWEREF, X0, Y0, make_lines
from pyproj import Transformer
from typer.testing import CliRunner

from stadsrum.cli import app
from stadsrum.errors import InputError
from stadsrum.io.gtfs import is_gtfs, nodes_from_gtfs, parse_window, route_category

# stations along one east-west street 10 m north of it (SWEREF 99 TM, relative
# to the helpers' origin), so that network distances are plain differences of x
STATION_X = {"CEN": 100.0, "PARK": 400.0, "HAMN": 700.0, "ON": 900.0, "IDLE": 1000.0}
_TO_WGS84 = Transformer.from_crs(SWEREF, "EPSG:4326", always_xy=True)


def _lonlat(x: float, y: float = 10.0) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(X0 + x, Y0 + y)
    return lon, lat


def _stops_txt() -> str:
    rows = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"]

    def row(stop_id: str, name: str, x: float, y: float, kind: str, parent: str) -> None:
        lon, lat = _lonlat(x, y)
        rows.append(f"{stop_id},{name},{lat:.8f},{lon:.8f},{kind},{parent}")

    row("CEN", "Centralen", STATION_X["CEN"], 10.0, "1", "")
    # platforms and the entrance stand apart from the station point: the node
    # must sit at the station's own coordinates
    row("CEN1", "Centralen spår 1", STATION_X["CEN"] - 20, 25.0, "0", "CEN")
    row("CEN2", "Centralen läge B", STATION_X["CEN"] + 20, 25.0, "0", "CEN")
    row("CENE", "Centralen entré", STATION_X["CEN"], 40.0, "2", "CEN")
    for stop_id, name in (("PARK", "Parken"), ("HAMN", "Hamnen"), ("ON", "Ön"), ("IDLE", "Ödet")):
        row(stop_id, name, STATION_X[stop_id], 10.0, "", "")
    return "\n".join(rows) + "\n"


ROUTES = """route_id,agency_id,route_short_name,route_long_name,route_type
T40,SL,40,Pendeltåg,109
B4,SL,4,Blåbuss,700
B17,SL,17,,3
F80,SL,80,Pendelbåt,1200
"""

TRIPS = """route_id,service_id,trip_id
T40,WD,train1
T40,WD,train2
B4,WD,bus1
B17,WD,bus2
B17,WD,bus3
B4,WD,night
F80,EX,ferry
B4,SA,sat
"""

STOP_TIMES = """trip_id,arrival_time,departure_time,stop_id,stop_sequence
train1,07:10:00,07:10:00,CEN1,1
train1,07:20:00,07:20:00,PARK,2
train2,07:40:00,07:40:00,PARK,1
train2,07:50:00,07:50:00,CEN2,2
train2,08:05:00,08:05:00,HAMN,3
bus1,08:30:00,08:30:00,CEN2,1
bus1,08:45:00,08:45:00,PARK,2
bus1,09:00:00,09:00:00,HAMN,3
bus2,06:50:00,06:50:00,HAMN,1
bus2,07:00:00,07:00:00,CEN1,2
bus2,07:15:00,07:15:00,PARK,3
bus3,09:00:00,09:00:00,CEN1,1
bus3,09:10:00,09:10:00,PARK,2
night,23:50:00,23:50:00,CEN1,1
night,24:20:00,24:20:00,PARK,2
night,24:40:00,24:40:00,HAMN,3
ferry,07:30:00,07:30:00,HAMN,1
ferry,07:50:00,07:50:00,ON,2
sat,08:00:00,08:00:00,CEN1,1
sat,08:10:00,08:10:00,PARK,2
"""

CALENDAR = """\
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WD,1,1,1,1,1,0,0,20240301,20240331
SA,0,0,0,0,0,1,0,20240301,20240331
"""

CALENDAR_DATES = """service_id,date,exception_type
WD,20240301,2
EX,20240305,1
"""


def write_feed(path, *, zipped=True, **extra):
    """The feed above as a zip (with a byte-order mark on stops.txt, as some
    exports have) or as a folder; ``extra`` replaces or adds files
    (``stop_times_txt="..."``)."""
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "SL,SL,https://sl.se,Europe/Stockholm\n",
        "stops.txt": "\ufeff" + _stops_txt(),
        "routes.txt": ROUTES,
        "trips.txt": TRIPS,
        "stop_times.txt": STOP_TIMES,
        "calendar.txt": CALENDAR,
        "calendar_dates.txt": CALENDAR_DATES,
    } | {name.replace("_txt", ".txt"): text for name, text in extra.items()}
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            for name, text in files.items():
                archive.writestr(name, text.encode("utf-8"))
    else:
        path.mkdir()
        for name, text in files.items():
            (path / name).write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def feed(tmp_path):
    return write_feed(tmp_path / "feed.zip")


def _by_id(nodes):
    return nodes.set_index("node_id")


def test_route_types_basic_and_extended():
    """Basic types and Google's extended (TPEG) ones map to the same modes."""
    assert [route_category(t) for t in (0, 1, 2, 3, 4, 5, 11, 12)] == [
        "tram",
        "metro",
        "train",
        "bus",
        "ferry",
        "tram",
        "bus",
        "metro",
    ]
    extended = {
        "train": (100, 101, 106, 109, 117),
        "metro": (400, 401, 402, 405),
        "bus": (200, 700, 701, 714, 717, 800),
        "tram": (900, 906),
        "ferry": (1000, 1200),
        "taxi": (1500, 1501),
        "other": (1100, 1300, 1400, 1700, 99, "x"),
    }
    for mode, codes in extended.items():
        assert {route_category(c) for c in codes} == {mode}, mode


def test_a_weekday_with_an_added_service(feed):
    """Tuesday 5 March, 07:00-09:00 (2 h): WD and the added EX run, SA does not.

    Departures in [07:00, 09:00):
    - CEN (platforms CEN1, CEN2 roll up): train1 07:10, train2 07:50, bus1 08:30,
      bus2 07:00 (start included); bus3 09:00 (end excluded) and night 23:50 are
      outside -> 4, 2.0 per hour; lines 4, 17, 40; modes train, bus -> train.
    - PARK: train2 07:40, bus1 08:45 (train1, bus2, bus3 end there) -> 2, 1.0/h;
      lines 4, 40.
    - HAMN: ferry 07:30 (bus2 06:50 is before the window; train2, bus1 end
      there) -> 1, 0.5/h; mode ferry.
    - ON: the ferry's last stop -> a node with 0 departures, mode ferry.
    - IDLE: no stop time -> no node. Entrances never become nodes.
    """
    nodes = nodes_from_gtfs(feed, date="2024-03-05")
    got = _by_id(nodes)
    assert set(got.index) == {"CEN", "PARK", "HAMN", "ON"}
    assert got["departures"].to_dict() == {"CEN": 4, "PARK": 2, "HAMN": 1, "ON": 0}
    assert got["departures_per_hour"].to_dict() == {"CEN": 2.0, "PARK": 1.0, "HAMN": 0.5, "ON": 0.0}
    assert got.loc["CEN", "lines"] == "4,17,40"
    assert got.loc["CEN", "routes"] == 3
    assert got.loc["CEN", "modes"] == "train,bus"
    assert got.loc["CEN", "category"] == "train"
    assert got.loc["CEN", "category_sv"] == "tåg"
    assert got.loc["CEN", "name"] == "Centralen"
    assert got.loc["CEN", "stops"] == 2
    assert got.loc["PARK", "lines"] == "4,40"
    assert got.loc["HAMN", "category"] == "ferry"
    assert got.loc["HAMN", "category_sv"] == "båt"
    assert got.loc["ON", "lines"] == "80"
    # the station's own point, not a platform's
    lon, lat = _lonlat(STATION_X["CEN"], 10.0)
    point = got.loc["CEN", "geometry"]
    assert point.x == pytest.approx(lon, abs=1e-7)
    assert point.y == pytest.approx(lat, abs=1e-7)
    assert nodes.crs.to_epsg() == 4326
    # busiest first
    assert list(nodes["node_id"][:2]) == ["CEN", "PARK"]
    assert nodes.attrs["gtfs"]["date"] == "2024-03-05"
    assert nodes.attrs["gtfs"]["window"] == "07:00-09:00"


def test_a_removed_day_and_a_saturday(feed):
    """Friday 1 March: WD is removed by calendar_dates and nothing else runs ->
    a clear error. Saturday 2 March: only SA (sat: CEN1 08:00 -> PARK) -> CEN 1
    departure (0.5/h, bus), PARK 0 departures."""
    with pytest.raises(InputError, match="no trip runs on 2024-03-01"):
        nodes_from_gtfs(feed, date="2024-03-01")
    got = _by_id(nodes_from_gtfs(feed, date="2024-03-02"))
    assert got["departures"].to_dict() == {"CEN": 1, "PARK": 0}
    assert got.loc["CEN", "category"] == "bus"


def test_the_default_date_is_the_first_full_weekday(feed):
    """The calendar spans 1-31 March. Weekday trip counts in the first four weeks
    (1-28 March): Fri 1st 0 (WD removed), Mon 4th 6 (WD's six trips), Tue 5th 7
    (+ ferry), then 6 on every other weekday; median 6, 90 % of it 5.4 -> Monday
    4 March, the first weekday with at least 5.4 trips. On it HAMN has no ferry
    (EX runs only on the 5th): bus2 06:50 is before the window -> 0 departures."""
    nodes = nodes_from_gtfs(feed)
    assert nodes.attrs["gtfs"]["date"] == "2024-03-04"
    got = _by_id(nodes)
    assert got["departures"].to_dict() == {"CEN": 4, "PARK": 2, "HAMN": 0}


def test_trips_past_midnight(feed):
    """Times past 24:00 belong to the service day before.

    Wed 6 March 00:00-01:00 (1 h): the night trip of Tuesday's service departs
    PARK at 24:20 = 00:20 on the 6th -> PARK 1 (line 4); its CEN departure was
    at 23:50 on the 5th -> CEN 0.
    Tue 5 March 23:00-01:00 (2 h, across midnight): night departs CEN 23:50 and
    PARK 24:20 -> 1 each, 0.5 per hour; Monday's night trip (PARK at 00:20 on
    the 5th) is before the window.
    """
    got = _by_id(nodes_from_gtfs(feed, date="2024-03-06", window="00:00-01:00"))
    assert got.loc["PARK", "departures"] == 1
    assert got.loc["PARK", "lines"] == "4"
    assert got.loc["CEN", "departures"] == 0
    got = _by_id(nodes_from_gtfs(feed, date="2024-03-05", window="23:00-01:00"))
    assert got.loc["CEN", "departures"] == 1
    assert got.loc["PARK", "departures"] == 1
    assert got.loc["PARK", "departures_per_hour"] == 0.5
    assert got.loc["HAMN", "departures"] == 0


def test_frequencies_and_stops_without_pickup(tmp_path):
    """Two more weekday trips on Tue 5 March, 07:00-09:00:

    - ``every15`` (frequencies.txt): pattern CEN1 +0 min -> PARK +5 min, run
      every 900 s from 07:00:00 until before 08:00:00 -> runs at 07:00, 07:15,
      07:30, 07:45: CEN +4 (PARK is the last stop).
    - ``nopick``: CEN1 08:00 with pickup_type 1 (no boarding) -> PARK 08:10 ->
      HAMN 08:20: CEN +0, PARK +1.

    So CEN 4 + 4 = 8, PARK 2 + 1 = 3, HAMN unchanged 1.
    """
    header, *rows = STOP_TIMES.strip().splitlines()
    stop_times = "\n".join(
        [
            header + ",pickup_type",
            *(row + "," for row in rows),
            "every15,00:00:00,00:00:00,CEN1,1,",
            "every15,00:05:00,00:05:00,PARK,2,",
            "nopick,08:00:00,08:00:00,CEN1,1,1",
            "nopick,08:10:00,08:10:00,PARK,2,0",
            "nopick,08:20:00,08:20:00,HAMN,3,0",
        ]
    )
    feed = write_feed(
        tmp_path / "freq.zip",
        trips_txt=TRIPS + "B4,WD,every15\nB4,WD,nopick\n",
        stop_times_txt=stop_times + "\n",
        frequencies_txt="trip_id,start_time,end_time,headway_secs\nevery15,07:00:00,08:00:00,900\n",
    )
    got = _by_id(nodes_from_gtfs(feed, date="2024-03-05"))
    assert got["departures"].to_dict() == {"CEN": 8, "PARK": 3, "HAMN": 1, "ON": 0}


def test_modes_filter_and_a_folder_feed(tmp_path):
    """Only trains on Tue 5 March: CEN train1 07:10 + train2 07:50 -> 2 (1.0/h),
    PARK train2 07:40 -> 1, HAMN train2's last stop -> 0; ON (ferry only) is no
    node. The Swedish word works as well as the English one."""
    folder = write_feed(tmp_path / "feed", zipped=False)
    assert is_gtfs(folder)
    for word in ("train", "tåg"):
        got = _by_id(nodes_from_gtfs(folder, date="2024-03-05", modes=word))
        assert got["departures"].to_dict() == {"CEN": 2, "PARK": 1, "HAMN": 0}
        assert set(got["category"]) == {"train"}
    with pytest.raises(InputError, match="not a mode"):
        nodes_from_gtfs(folder, modes="zeppelin")


def test_bad_input_is_explained(tmp_path, feed):
    assert parse_window("23:00-01:00") == (82800, 90000)
    assert parse_window("7-9") == (25200, 32400)
    with pytest.raises(InputError, match="not a time"):
        parse_window("7:60-9")
    with pytest.raises(InputError, match="not a date"):
        nodes_from_gtfs(feed, date="5 March")
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nA,a,59.3,18.0\n")
        archive.writestr("stop_times.txt", "trip_id,stop_id\n")
    with pytest.raises(InputError, match=r"routes\.txt is missing"):
        nodes_from_gtfs(broken)
    with zipfile.ZipFile(broken, "a") as archive:
        archive.writestr("routes.txt", "route_id,route_short_name\nR,1\n")
    with pytest.raises(InputError, match=r"routes\.txt lacks the column\(s\) route_type"):
        nodes_from_gtfs(broken)
    gpkg = tmp_path / "nodes.gpkg"
    assert not is_gtfs(gpkg)
    assert not is_gtfs(str(feed) + "|layername=x")
    assert is_gtfs(str(feed) + "|date=2024-03-05|window=07:00-08:00")


def test_nodes_from_gtfs_command(feed, tmp_path):
    """The command writes the styled layer ``nodes`` with the columns above."""
    out = tmp_path / "nodes.gpkg"
    result = CliRunner().invoke(
        app, ["nodes-from-gtfs", str(feed), "--out", str(out), "--date", "2024-03-05", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    nodes = gpd.read_file(out, layer="nodes")
    assert dict(zip(nodes["node_id"], nodes["departures_per_hour"], strict=True)) == {
        "CEN": 2.0,
        "PARK": 1.0,
        "HAMN": 0.5,
        "ON": 0.0,
    }
    layers = {str(n) for n in pyogrio.list_layers(out)[:, 0]}
    assert {"nodes", "run_metadata", "layer_styles"} <= layers
    bad = CliRunner().invoke(
        app, ["nodes-from-gtfs", str(feed), "--out", str(tmp_path / "x.gpkg"), "--window", "7"]
    )
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines()[-1].startswith("error: window")
    assert not (tmp_path / "x.gpkg").exists()


def test_a_feed_is_read_as_the_nodes_of_distances(feed):
    """``distances`` takes the feed where it takes a node layer.

    One street along y = 0 from x = 0 to 1000; stations 10 m north at x = 100
    (CEN), 400 (PARK), 700 (HAMN), 900 (ON); a place 10 m south at x = 0. The
    feed's nodes on its first full weekday (Mon 4 March: CEN, PARK, HAMN; the
    ferry stop ON is served only on the 5th) link straight down, so
    network_m = x and total_m = x + 10 + 10.
    """
    from stadsrum.workflows import run_distances

    net = make_lines([[(0, 0), (1000, 0)]])
    places = gpd.GeoDataFrame(
        {"place_id": ["home"]}, geometry=[shapely.Point(X0, Y0 - 10)], crs=SWEREF
    )
    result = run_distances(net, places, str(feed), None, node_category="category")
    od = result.layers["od"].set_index("node_id")
    assert set(od.index) == {"CEN", "PARK", "HAMN"}
    for node, x in (("CEN", 100.0), ("PARK", 400.0), ("HAMN", 700.0)):
        assert od.loc[node, "network_m"] == pytest.approx(x, abs=0.01)
        assert od.loc[node, "total_m"] == pytest.approx(x + 20.0, abs=0.01)
    assert od.loc["CEN", "node_category"] == "train"
    assert np.all(od["status"] == "ok")


def test_a_feed_with_options_is_read_as_attractions(feed):
    """``FEED|date=…|window=…`` chooses the day: on Tue 5 March the ferry stop ON
    (x = 900) is served too. From the street's one segment (0-1000, midpoint 500),
    weighted by departures per hour 07:00-09:00 (CEN 2.0, PARK 1.0, HAMN 0.5, ON 0)
    the reach without radius limit is 2 + 1 + 0.5 + 0 = 3.5, and the nearest
    station is PARK: 100 m along the street plus 10 m up."""
    from stadsrum.workflows import run_accessibility

    net = make_lines([[(0, 0), (1000, 0)]])
    result = run_accessibility(
        net, f"{feed}|date=2024-03-05|window=07:00-09:00", None, value="departures_per_hour"
    )
    row = result.accessibility.iloc[0]
    assert row["reach_rn"] == pytest.approx(3.5)
    assert row["nearest_m"] == pytest.approx(110.0, abs=0.01)

"""The metric CRS chosen for geographic data, from PROJ's areas of use.

Expected grids are those the national mapping agencies prescribe: SWEREF 99 TM
(EPSG:3006, Lantmäteriet) for Sweden, ETRS-TM35FIN (EPSG:3067, the National
Land Survey of Finland) for all of Finland, the Baltic grids for the Baltic
states, else the UTM zone of the centre (Oslo lies at 10.75 E: zone 32).
City coordinates are the towns' centres to a hundredth of a degree.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from helpers import make_lines

from stadsrum import prepare_network
from stadsrum.network.projection import align_crs, metric_crs_for, to_metric

CITIES = {
    # Sweden
    "Stockholm": ((18.07, 59.33), 3006),
    "Malmö": ((13.00, 55.60), 3006),
    "Göteborg": ((11.97, 57.71), 3006),
    "Kiruna": ((20.22, 67.86), 3006),  # inside ETRS-TM35FIN's box, not in Finland
    "Luleå": ((22.15, 65.58), 3006),
    "Helsingborg": ((12.69, 56.05), 3006),
    "Visby": ((18.29, 57.64), 3006),
    # Finland, west of 24.2 E too (inside SWEREF 99 TM's box, not in Sweden)
    "Turku": ((22.27, 60.45), 3067),
    "Vaasa": ((21.62, 63.10), 3067),
    "Tampere": ((23.76, 61.50), 3067),
    "Mariehamn": ((19.94, 60.10), 3067),
    "Helsinki": ((24.94, 60.17), 3067),
    "Oulu": ((25.47, 65.01), 3067),
    # neighbours
    "Tallinn": ((24.75, 59.44), 3301),
    "Riga": ((24.11, 56.95), 3059),
    "Oslo": ((10.75, 59.91), 32632),
    "Berlin": ((13.40, 52.52), 32633),
}


def _town(lon: float, lat: float) -> gpd.GeoDataFrame:
    """A few streets around a town centre, about 2 km across, in WGS 84."""
    lines = [
        shapely.LineString([(lon - 0.02, lat), (lon + 0.02, lat)]),
        shapely.LineString([(lon, lat - 0.01), (lon, lat + 0.01)]),
    ]
    return gpd.GeoDataFrame({"id": [0, 1]}, geometry=lines, crs="EPSG:4326")


@pytest.mark.parametrize("city", list(CITIES))
def test_geographic_data_gets_its_countrys_grid(city):
    (lon, lat), epsg = CITIES[city]
    assert metric_crs_for(_town(lon, lat)).to_epsg() == epsg


def test_finnish_west_coast_network_is_prepared_in_tm35fin():
    """Today's bug: Turku was sent to SWEREF 99 TM. The prepared network says so."""
    net = prepare_network(_town(22.27, 60.45))
    assert net.crs.to_epsg() == 3067
    assert "EPSG:3067" in net.report.reprojected


def test_data_across_the_gulf_of_bothnia_falls_back_to_utm():
    """Umeå to Vaasa: no one country holds the whole extent, so UTM (zone 34 at 21 E)."""
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(20.26, 63.83), (21.62, 63.10)])], crs="EPSG:4326"
    )
    assert metric_crs_for(gdf).to_epsg() == 32634


@pytest.mark.parametrize("epsg", [3007, 3010, 3014, 3018, 3067, 3006])
def test_metric_layers_keep_their_crs(epsg):
    """A municipality's local SWEREF 99 zone (or any metric CRS) is kept as it is."""
    lines = make_lines([[(0, 0), (100, 0)], [(100, 0), (100, 50)]]).to_crs(epsg)
    out, note = to_metric(lines, what="network")
    assert note == ""
    assert out.crs.to_epsg() == epsg
    net = prepare_network(lines)
    assert net.crs.to_epsg() == epsg
    assert net.report.reprojected == ""
    # the two lines merge into one street; a zone far from Trollhättan (12.3 E, where
    # the fixture lies) stretches it by its scale error: 0.9 % in 23 15 (EPSG:3018)
    np.testing.assert_allclose(net.length, [150.0], rtol=1e-2)


def test_other_layers_are_aligned_to_the_networks_crs_and_said_so():
    """Places in WGS 84 or another SWEREF zone are reprojected to the network's local
    zone, with a note naming both; a layer already in it is left alone."""
    network = make_lines([[(0, 0), (100, 0)]]).to_crs(3007)
    target = pyproj.CRS.from_epsg(3007)
    places = gpd.GeoDataFrame(geometry=[shapely.Point(11.98, 58.28)], crs="EPSG:4326")
    moved, note = align_crs(places, target, what="places")
    assert moved.crs.to_epsg() == 3007
    assert "places" in note
    assert "EPSG:4326" in note
    assert "EPSG:3007" in note
    same, none = align_crs(network, target, what="nodes")
    assert none == ""
    assert same is network

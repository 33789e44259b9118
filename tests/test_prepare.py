"""Preparation steps on hand-drawn geometries with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from helpers import X0, Y0, local, make_lines

from stadsrum import InputError, prepare_network


def test_two_crossing_lines_become_four_segments():
    """Two streets crossing at (50, 0) with no shared vertex:

        |
     ---+---
        |

    Split at the crossing: four segments of 50 m meeting at one junction.
    """
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]])
    net = prepare_network(gdf)
    assert net.n_edges == 4
    assert net.report.crossing_splits == 1
    np.testing.assert_allclose(np.sort(net.length), [50, 50, 50, 50])
    assert net.degree.max() == 4
    centre = np.where(net.degree == 4)[0][0]
    np.testing.assert_allclose(local(net.node_xy[centre]), [50, 0])
    assert net.report.dangles == 4


@pytest.mark.parametrize(
    ("column", "values"),
    [("bridge", ["yes", None]), ("tunnel", [None, "yes"]), ("layer", [1, 0])],
)
def test_crossing_at_another_level_stays_unsplit(column, values):
    """A bridge, a tunnel or another ``layer`` over a street: no junction, two segments."""
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]], **{column: values})
    net = prepare_network(gdf, components="all")
    assert net.n_edges == 2
    assert net.report.crossings_not_split == 1
    assert net.report.components == 2


def test_unlink_point_keeps_crossing_unsplit():
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]])
    unlinks = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 50.3, Y0 + 0.2)], crs=gdf.crs)
    net = prepare_network(gdf, unlinks=unlinks, components="all")
    assert net.n_edges == 2
    assert net.report.unlinked_crossings == 1


def test_t_junction_splits_the_through_street():
    """A side street ends exactly on the interior of a through street:

     ----+----
         |

    The through street is split into two 50 m pieces; the stem stays whole.
    """
    gdf = make_lines([[(0, 0), (100, 0)], [(50, 0), (50, -30)]])
    net = prepare_network(gdf)
    assert net.n_edges == 3
    np.testing.assert_allclose(np.sort(net.length), [30, 50, 50])


def test_near_miss_end_is_snapped_onto_the_street():
    """A side street stops 0.3 m short of the through street (tolerance 0.5 m):
    it joins it, and the through street is split there."""
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -0.3), (50, -30)]])
    net = prepare_network(gdf, snap_tolerance=0.5)
    assert net.n_edges == 3
    assert net.report.near_miss_splits == 1
    assert net.report.components == 1
    assert net.degree.max() == 3


def test_snapping_respects_the_tolerance():
    """Ends 0.3 m apart join; ends 0.8 m apart do not (tolerance 0.5 m)."""
    near = make_lines([[(0, 0), (100, 0)], [(100.3, 0), (200, 0)]])
    far = make_lines([[(0, 0), (100, 0)], [(100.8, 0), (200, 0)]])
    joined = prepare_network(near, merge_pass_through=False)
    apart = prepare_network(far, merge_pass_through=False, components="all")
    assert joined.report.components == 1
    assert joined.report.snapped_endpoints == 2
    assert joined.n_nodes == 3
    assert apart.report.components == 2
    assert apart.n_nodes == 4


def test_duplicates_and_zero_length_lines_are_dropped():
    gdf = make_lines(
        [
            [(0, 0), (100, 0)],
            [(100, 0), (0, 0)],  # the same street drawn backwards
            [(0, 0), (100, 0)],  # and again
            [(100, 0), (100, 50)],
            [(30, 30), (30, 30)],  # a zero-length line
        ]
    )
    net = prepare_network(gdf, merge_pass_through=False)
    assert net.report.zero_length_dropped == 1
    assert net.report.duplicates_dropped == 2
    assert net.n_edges == 2


def test_pass_through_junctions_are_merged():
    """Three pieces of one street in a row (a 90° bend in the middle piece),
    joined to a cross street at the far end:

        A---B---C---D
                    |
                    E---F

    B and C join exactly two lines: A-D becomes one segment of 3 pieces.
    """
    gdf = make_lines(
        [
            [(0, 0), (10, 0)],
            [(10, 0), (20, 0)],
            [(20, 0), (30, 0)],
            [(30, 0), (30, -10)],
            [(30, -10), (40, -10)],
            [(30, 0), (40, 0)],
        ],
        name=["a", "b", "long", "d", "e", "f"],
    )
    net = prepare_network(gdf)
    assert net.report.pass_through_merged == 3
    assert net.n_edges == 3
    merged = net.edges.loc[net.edges["n_merged"] == 3]
    assert len(merged) == 1
    assert merged.length_m.iloc[0] == pytest.approx(30)
    assert net.edges["n_merged"].sum() == 6


def test_pass_through_merging_stops_where_the_grade_changes():
    """One street that dives into a tunnel and comes back up, a bridge beyond:

        A---B===C---D~~~E
            tunnel   bridge

    B, C and D join exactly two lines, but at each the grade changes (street →
    tunnel → street → bridge), so nothing merges: four segments whose tags stay
    true, never a 20 m "tunnel" that is half street. The two street pieces at the
    same grade as their neighbours would merge (previous test); here none does.
    """
    gdf = make_lines(
        [[(0, 0), (10, 0)], [(10, 0), (20, 0)], [(20, 0), (30, 0)], [(30, 0), (40, 0)]],
        tunnel=[None, "yes", None, None],
        bridge=[None, None, None, "yes"],
    )
    net = prepare_network(gdf)
    assert net.report.pass_through_merged == 0
    assert net.n_edges == 4
    assert net.edges["tunnel"].notna().sum() == 1

    # a layer change alone also keeps the junction; equal grades still merge
    gdf = make_lines(
        [[(0, 0), (10, 0)], [(10, 0), (20, 0)], [(20, 0), (30, 0)]],
        layer=["0", "1", "1"],
    )
    net = prepare_network(gdf)
    assert net.report.pass_through_merged == 1
    assert sorted(net.length.round(6)) == [10.0, 20.0]


def test_isolated_ring_becomes_one_loop():
    ring = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    gdf = make_lines([ring[i : i + 2] for i in range(4)])
    net = prepare_network(gdf)
    assert net.n_edges == 1
    assert net.edges.u.iloc[0] == net.edges.v.iloc[0]
    assert net.length[0] == pytest.approx(40)


def test_components_largest_or_all():
    gdf = make_lines([[(0, 0), (100, 0)], [(100, 0), (100, 100)], [(500, 0), (600, 0)]])
    largest = prepare_network(gdf, merge_pass_through=False)
    every = prepare_network(gdf, merge_pass_through=False, components="all")
    assert largest.n_edges == 2
    assert largest.report.dropped_component_edges == 1
    assert every.n_edges == 3
    assert sorted(every.edges.component) == [0, 0, 1]


def test_prepare_none_keeps_every_line_as_it_is():
    """Crossing lines stay whole; only identical end points join; attributes survive."""
    gdf = make_lines(
        [[(0, 0), (40, 0), (100, 10)], [(50, -50), (50, 50)], [(100, 10), (120, 30)]],
        name=["Storgatan", "Kyrkogatan", "Torget"],
    )
    net = prepare_network(gdf, prepare="none")
    assert net.n_edges == 3
    assert list(net.edges["name"]) == ["Storgatan", "Kyrkogatan", "Torget"]
    assert list(net.edges["id"]) == [0, 1, 2]
    for a, b in zip(net.edges.geometry, gdf.geometry, strict=True):
        assert a.equals_exact(b, 0)
    assert net.report.components == 2  # the crossing did not join
    assert net.edges.v.iloc[0] == net.edges.u.iloc[2]


def test_input_attribute_columns_survive_full_preparation():
    gdf = make_lines([[(0, 0), (100, 0)], [(50, -50), (50, 50)]], name=["Storgatan", "Kyrkogatan"])
    net = prepare_network(gdf)
    assert sorted(net.edges["name"]) == ["Kyrkogatan", "Kyrkogatan", "Storgatan", "Storgatan"]
    assert set(net.edges["id"]) == {0, 1}


def test_geographic_input_is_reprojected_and_said_so():
    """Lines in WGS84 inside Sweden go to SWEREF 99 TM; lengths come out in metres."""
    gdf = make_lines([[(0, 0), (100, 0)], [(100, 0), (100, 80)]]).to_crs("EPSG:4326")
    net = prepare_network(gdf)
    assert net.crs.to_epsg() == 3006
    assert "reprojected" in net.report.reprojected
    assert net.report.total_length_m == pytest.approx(180, abs=0.01)


def test_geographic_input_outside_the_nordics_uses_utm():
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(2.35, 48.85), (2.36, 48.85)])], crs="EPSG:4326"
    )
    net = prepare_network(gdf)
    assert net.crs.to_epsg() == 32631  # UTM zone 31N, Paris
    assert net.length[0] == pytest.approx(733, rel=0.01)


def test_unknown_options_are_rejected():
    gdf = make_lines([[(0, 0), (100, 0)]])
    with pytest.raises(InputError, match="prepare"):
        prepare_network(gdf, prepare="some")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="components"):
        prepare_network(gdf, components="biggest")  # type: ignore[arg-type]

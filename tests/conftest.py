"""Shared fixtures: the sample city."""

from __future__ import annotations

import pytest

from stadsrum.workflows import sample_data_dir


@pytest.fixture(scope="session")
def sample_pbf():
    return sample_data_dir() / "helsinki.osm.pbf"


@pytest.fixture(scope="session")
def sample_network(sample_pbf):
    from stadsrum import read_network

    return read_network(sample_pbf)

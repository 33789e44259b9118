"""Shared fixtures: the sample city."""

from __future__ import annotations

import signal

import pytest

from stadsrum.workflows import sample_data_dir

# A shell starts a background job (`make test &`, a CI script run with `&`) with SIGINT
# ignored, and a child process inherits that: a CLI run started by a test would then not
# hear the Ctrl-C the test sends it. Python's own handler is reset to the default in a
# child, so putting it back here gives every child a Ctrl-C again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def sample_pbf():
    return sample_data_dir() / "helsinki.osm.pbf"


@pytest.fixture(scope="session")
def sample_network(sample_pbf):
    from stadsrum import read_network

    return read_network(sample_pbf)


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """Put SIGINT and SIGTERM back after each test.

    ``stadsrum.cli.main`` ignores both once a run's outcome is decided (a late Ctrl-C
    must not add a traceback as the process exits). A test that calls ``main`` in this
    process would otherwise leave SIGTERM ignored for the rest of the session, and every
    child started later inherits that: a later test's ``terminate()`` would then go
    unheard (seen as a 10 s cancel and a CLI run that ignored SIGTERM)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) != handler and handler is not None:
            signal.signal(sig, handler)


@pytest.fixture(scope="module")
def client():
    """A real Dask LocalCluster of two worker processes on loopback, one per test module
    (starting worker processes is the slow part; a module's kill-a-worker test must not
    disturb another module's)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c

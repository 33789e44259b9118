"""The docstring examples run, on the shipped sample city, and show what they say.

An example a planner copies must work as printed: each docstring with ``>>>``
lines in :mod:`stadsrum` is run as a doctest, as ``pytest --doctest-modules``
would, but inside the suite's own settings (``filterwarnings = error``) and
without a second way of running tests to keep in step.
Every example runs (none is skipped), from a scratch folder, so one that
writes files writes them there.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import stadsrum

# every module of the package (the message catalogue is data); importing each also
# checks that it imports on its own
MODULES = [
    "stadsrum",
    *sorted(
        m.name
        for m in pkgutil.walk_packages(stadsrum.__path__, "stadsrum.")
        if not m.name.startswith("stadsrum.locale")
    ),
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found: dict[str, doctest.DocTest] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for test in finder.find(module, name):
            # a name re-exported by a package is found twice: run it where it is defined
            if test.examples and test.name not in found:
                found[test.name] = test
    return sorted(found.values(), key=lambda t: t.name)


EXAMPLES = _examples()


def test_examples_are_found_and_none_is_skipped():
    """Every example runs: a skipped one could show what no longer works."""
    names = {t.name for t in EXAMPLES}
    assert {"stadsrum", "stadsrum.report", "stadsrum.workflows.read_network"} <= names
    assert len(EXAMPLES) >= 10
    skipped = [t.name for t in EXAMPLES for e in t.examples if e.options.get(doctest.SKIP)]
    assert not skipped, skipped


@pytest.mark.parametrize("example", EXAMPLES, ids=[t.name for t in EXAMPLES])
def test_docstring_example(example, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes files writes them here
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    out: list[str] = []
    runner.run(example, out=out.append)
    assert runner.failures == 0, "".join(out)
    assert runner.tries > 0

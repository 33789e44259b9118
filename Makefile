# Set-up and checks. `make demo` and `make test` work on a fresh machine:
# each creates the virtual environment in .venv on first use.
PYTHON ?= python3
# QGIS's Python bindings (Debian's python3-qgis) live in the system Python. When they
# are there, .venv is built on that Python with its system packages, so the QGIS plugin
# tests run; otherwise on $(PYTHON), and those tests are skipped. An existing .venv is
# kept as it is: `make clean test` rebuilds it after QGIS was installed or removed.
# numpy, scipy, matplotlib and pandas go into .venv itself (--ignore-installed): Debian's
# scipy and matplotlib are built for numpy 1.x and break beside pip's numpy 2.
QGIS_PYTHON ?= /usr/bin/python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stadsrum-installed
# Wheels for tests/test_qgis_installer.py, which installs offline (tests never download).
WHEELHOUSE ?= .wheelhouse

.PHONY: demo test lint format clean benchmark plugin wheelhouse

# The environment itself, before stadsrum goes in.
$(BIN)/python:
	@if [ -x $(QGIS_PYTHON) ] && $(QGIS_PYTHON) -c 'import qgis.core' >/dev/null 2>&1; then \
	  echo "QGIS found: creating $(VENV) on $(QGIS_PYTHON) with its system packages"; \
	  $(QGIS_PYTHON) -m venv --system-site-packages $(VENV) && \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet --ignore-installed numpy scipy matplotlib pandas; \
	else \
	  echo "QGIS not found: creating $(VENV) on $(PYTHON); the QGIS plugin tests will be skipped"; \
	  $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip; \
	fi

# Debian's python3-matplotlib installs matplotlib-*-nspkg.pth, which puts its own
# mpl_toolkits into sys.modules when Python starts; in a venv with system packages, pip's
# matplotlib then gets Debian's old mplot3d and warns "Unable to import Axes3D" on every
# command. .pth files run in sys.path order, so one in the venv that imports mpl_toolkits
# first makes the venv's copy (the one that matches its matplotlib) come first; Debian's
# file then only appends its folder behind it. Nothing is written where no copy shadows it
# (or where matplotlib is not installed).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@site=$$($(BIN)/python -c 'import pathlib as p, matplotlib as m, mpl_toolkits as t; \
	  own = p.Path(m.__file__).parents[1]; \
	  print(own if p.Path(list(t.__path__)[0]) != own / "mpl_toolkits" else "")' \
	  2>/dev/null || true); \
	if [ -n "$$site" ]; then \
	  echo "mpl_toolkits: the system's copy shadows matplotlib's; $$site/stadsrum-mpl-toolkits.pth"; \
	  printf '%s\n' "# from stadsrum's Makefile: this venv's mpl_toolkits before the system's" \
	    "import mpl_toolkits" > "$$site/stadsrum-mpl-toolkits.pth"; \
	fi
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/stadsrum demo --out stadsrum-demo

lint: $(STAMP)
	$(BIN)/ruff check stadsrum tests qgis_plugin $(wildcard benchmarks/*.py)
	$(BIN)/ruff format --check stadsrum tests qgis_plugin $(wildcard benchmarks/*.py)
	$(BIN)/mypy

test: lint wheelhouse
	$(BIN)/python -m pytest

# The plugin's installer downloads them as it would for QGIS's Python here (pinned to its numpy,
# scipy, matplotlib, GDAL), once: kept until qgis_plugin/deps.py or installer.py changes. About
# 140 MB. Without QGIS, or offline, there is none and the installer test is skipped.
$(WHEELHOUSE)/.complete: qgis_plugin/deps.py qgis_plugin/installer.py
	@if $(QGIS_PYTHON) -c 'import qgis.core' >/dev/null 2>&1; then \
	  start=$$(date +%s); \
	  if $(QGIS_PYTHON) qgis_plugin/installer.py download --dest $(WHEELHOUSE) >$(WHEELHOUSE).log 2>&1; then \
	    echo "wheelhouse: $$(ls $(WHEELHOUSE)/*.whl | wc -l) wheels for the installer test in $$(( $$(date +%s) - start )) s"; \
	    touch $@; \
	  else \
	    echo "wheelhouse: download failed (see $(WHEELHOUSE).log); the installer test will be skipped"; \
	  fi; \
	fi

wheelhouse: $(WHEELHOUSE)/.complete

# The installable QGIS plugin: dist/stadsrum_plugin-VERSION.zip (the CI keeps it as an artifact).
plugin: $(STAMP)
	$(BIN)/stadsrum plugin-zip --out dist

format: $(STAMP)
	$(BIN)/ruff format stadsrum tests qgis_plugin $(wildcard benchmarks/*.py)
	$(BIN)/ruff check --fix stadsrum tests qgis_plugin $(wildcard benchmarks/*.py)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) stadsrum-demo .pytest_cache .ruff_cache .mypy_cache $(WHEELHOUSE) $(WHEELHOUSE).log

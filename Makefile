# `make lab` and `make test` both set up .venv first; every step is idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# configurable-http-proxy for the JupyterHub tests, pinned in deploy/hub's lock
HUB_NODE := deploy/hub/node_modules/.installed
# Datumaro, the dataset-ops bench's baseline, in a virtualenv of its own: in .venv it
# would change Pillow's version under the tests
DATUMARO := bench/.venv-datumaro
DATUMARO_STAMP := $(DATUMARO)/.installed
export NO_ALBUMENTATIONS_UPDATE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv lab test bench fuzz labext clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	# pip would write the shared data through an existing link into the source tree
	rm -rf $(VENV)/share/jupyter/labextensions/jupyter-cvstudio
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) -m cvstudio_widgets.lab_settings $(VENV)
	# the lab extension as a link to the committed bundle (what `jupyter labextension
	# develop` does, without its build), so that a rebuild is live
	rm -rf $(VENV)/share/jupyter/labextensions/jupyter-cvstudio
	ln -s $(abspath cvstudio_ext/labextension) $(VENV)/share/jupyter/labextensions/jupyter-cvstudio
	touch $(STAMP)

# npm ci empties node_modules first, so the stamp inside it goes with a stale install;
# CHP 5.3 asks for node >= 22 through a dependency and runs on node 20 (EBADENGINE warns)
$(HUB_NODE): deploy/hub/package-lock.json
	npm ci --prefix deploy/hub --no-audit --no-fund
	touch $(HUB_NODE)

$(DATUMARO_STAMP):
	test -x $(DATUMARO)/bin/python || $(PYTHON) -m venv $(DATUMARO)
	$(DATUMARO)/bin/python -m pip install -q datumaro==1.13.12
	touch $(DATUMARO_STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS)

test: $(STAMP) $(HUB_NODE)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP) $(DATUMARO_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# schemathesis against a seeded live server for FUZZ_SECONDS (default 900) with FUZZ_SEED
fuzz: $(STAMP)
	$(PY) -m tests.fuzzing $(FUZZ_ARGS)

# the lab extension and the widgets' ES modules from labextension/ (needs node and npm's
# registry): type check, lint, then the production bundles that are committed
labext: $(STAMP)
	cd labextension && PATH="$(abspath $(VENV))/bin:$$PATH" jlpm install --immutable
	cd labextension && PATH="$(abspath $(VENV))/bin:$$PATH" jlpm check
	cd labextension && PATH="$(abspath $(VENV))/bin:$$PATH" jlpm build

clean:
	rm -rf $(VENV) build dist *.egg-info

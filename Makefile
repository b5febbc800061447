# Two commands on a fresh machine with Python 3.10+:
#   make handouts   install into .venv, check the content, build the handouts
#   make test       install the test extras into .venv and run the whole suite
# Both are safe to run again: installs happen only when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PDF_STAMP  := $(VENV)/.installed-pdf
PORT ?= 8866

.PHONY: handouts pdf test lab app serve validate lint format clean bench schemas

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "This kit needs Python 3.10 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(RUN_STAMP)

validate: $(RUN_STAMP)
	$(BIN)/datasharing-workshop validate

handouts: validate
	$(BIN)/datasharing-workshop build --config workshop.yml --output build/handouts

# The handouts as PDFs too (build/handouts/pdf/), printed by Debian's chromium package.
$(PDF_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[pdf]'
	@touch $@ $(RUN_STAMP)

pdf: $(PDF_STAMP) validate
	$(BIN)/datasharing-workshop build --config workshop.yml --output build/handouts --pdf

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_build.py

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(TEST_STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# JupyterLab at the repository root, so the notebooks' links to facilitator_guide/ open;
# jupyter-config/ switches off the news pop-up and the update check. Jupyter refuses to run
# as root: use an ordinary account, or ALLOW_ROOT=1 on a machine of your own.
lab: $(RUN_STAMP)
	@if [ "$$(id -u)" = 0 ] && [ -z "$(ALLOW_ROOT)" ]; then \
	  echo "make lab: you are root, and Jupyter refuses to run as root (anyone who can reach"; \
	  echo "the server could then run commands as root). Run make lab as an ordinary user,"; \
	  echo "or, on a machine of your own: make lab ALLOW_ROOT=1"; \
	  exit 2; \
	fi
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter-config" $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(if $(ALLOW_ROOT),--allow-root) $(LAB_ARGS)

# make app GROUP="Group A": serve the breakouts for one group, saving its answers under
# workshop.yml's workshop_id; without GROUP nothing is saved (a demonstration copy).
app: $(RUN_STAMP)
	$(BIN)/datasharing-workshop app --port $(PORT) $(if $(GROUP),--group "$(GROUP)" $(if $(WORKSHOP),--workshop-id "$(WORKSHOP)"))

# make serve [CONFIG=workshop.yml] [SERVE_ARGS="--lan"]: the whole room from this computer:
# start page, every participant page, the facilitator console and the table cards.
serve: $(RUN_STAMP)
	$(BIN)/datasharing-workshop serve --config $(or $(CONFIG),workshop.yml) $(SERVE_ARGS)

# JSON Schemas of the content YAML (exercises/schemas/) from the models, and the
# `# yaml-language-server: $schema=` line of each content file. Run after changing a model.
schemas: $(RUN_STAMP)
	$(BIN)/python -m datasharing_workshop.cli.schemas

clean:
	rm -rf build

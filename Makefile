# agglo: the two commands a new user needs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Old DuckDB clients for tests/clients/ (docs/clients.md): Python duckdb 1.1 + duckdb_engine, Node.
CLIENTS_VENV := .venv-clients
CLIENTS_STAMP := $(CLIENTS_VENV)/.installed
NODE_DIR := tests/clients/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

.PHONY: setup clients run test demo bench lint clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

$(CLIENTS_STAMP): tests/clients/requirements.txt
	test -x $(CLIENTS_VENV)/bin/python || $(PY) -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/pip install --quiet -r tests/clients/requirements.txt
	touch $(CLIENTS_STAMP)

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

## Install the old DuckDB clients the tests in tests/clients/ open the warehouse with.
clients: $(CLIENTS_STAMP) $(NODE_STAMP)

## Build the warehouse from the bundled (synthetic) demo data, check it, run every study, write reports/.
run: $(STAMP)
	$(BIN)/agglo run

## Run the test suite (installs the old DuckDB clients first; their tests skip, loudly, if that fails, and fail under CI).
test: $(STAMP)
	$(MAKE) --no-print-directory clients || echo "WARNING: could not install the DuckDB clients of tests/clients/ (registry unreachable?); their tests will be skipped"
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/agglo demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check analysis tests bench

clean:
	rm -rf $(VENV) $(CLIENTS_VENV) $(NODE_DIR)/node_modules target logs warehouse/*.duckdb reports

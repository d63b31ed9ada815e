# agglo: the two commands a new user needs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup setup-spark run test test-spark demo bench lint clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

SPARK_STAMP := $(VENV)/.installed-spark

$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	$(BIN)/pip install --quiet -r requirements-spark.lock
	touch $(SPARK_STAMP)

## The optional Spark engine (docs/spark.md): dbt-spark + pyspark (~450 MB); needs Java 17/21.
setup-spark: $(SPARK_STAMP)

## Build the warehouse from the bundled (synthetic) demo data, check it, run every study, write reports/.
run: $(STAMP)
	$(BIN)/agglo run

## Run the test suite.
test: $(STAMP)
	$(BIN)/python -m pytest -q

## The Spark tests (slow: builds tests/fixtures/raw_small on Spark and on DuckDB and compares the marts).
test-spark: $(SPARK_STAMP)
	$(BIN)/python -m pytest -q -m spark tests/spark

demo: $(STAMP)
	$(BIN)/agglo demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check analysis tests bench

clean:
	rm -rf $(VENV) target logs warehouse/*.duckdb reports

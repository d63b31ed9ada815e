"""Shared pytest fixtures.

``demo_warehouse``: the demo warehouse built ONCE per test session into a temporary directory (raw-file
validation and the GE checkpoint skipped: ``build(..., run_checks=False)``). Tests that need the
built marts take it as an argument and open it read-only::

    def test_something(demo_warehouse):
        con = duckdb.connect(str(demo_warehouse), read_only=True)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# Tests never write into the user's reports/ (Data Docs, tables, report): everything they write goes
# to a per-session temporary folder. Set before analysis.paths is imported, which reads it once.
os.environ.setdefault("AGGLO_REPORTS_DIR", tempfile.mkdtemp(prefix="agglo-test-reports-"))

from analysis.paths import DEFAULT_RAW_DIR  # noqa: E402


def demo_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``data/demo`` when it holds the demo CSVs, else a freshly generated copy in a temporary directory."""
    if any(DEFAULT_RAW_DIR.glob("*.csv")):
        return DEFAULT_RAW_DIR
    from analysis.demo.generate import write_demo

    out = tmp_path_factory.mktemp("demo_raw")
    write_demo(out)
    return out


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Path of a DuckDB warehouse built from the demo raw data (session-scoped, built once).

    Published as ``agglo build`` publishes it, in the default storage version (v1.1.0, whatever
    ``$AGGLO_STORAGE_VERSION`` says), so that tests/clients/ can open it with old DuckDB clients.
    """
    from analysis.pipeline import build
    from analysis.warehouse.storage import DEFAULT_STORAGE_VERSION

    raw_dir = demo_raw_dir(tmp_path_factory)
    target = tmp_path_factory.mktemp("demo_warehouse") / "agglo.duckdb"
    yield build(raw_dir, target, run_checks=False, quiet=True, storage_version=DEFAULT_STORAGE_VERSION)


def validation_file(name: str) -> Path:
    """Path of a file in ../shared/validation, or skip the test when the shared folder is absent."""
    from analysis.paths import SHARED_DIR

    path = SHARED_DIR / "validation" / name
    if not path.is_file():
        pytest.skip(f"shared validation data absent ({path})")
    return path


@pytest.fixture(scope="module")
def cigar() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """plm's ``Cigar`` panel as ``(y, X, W)`` from ../shared/validation (skips when absent).

    ``y = log(sales)`` and ``X = [log(price/cpi), log(ndi/cpi)]`` as ``(T, 46)`` and ``(T, 46, 2)``
    arrays (years x states in alphabetical order), W the row-standardised 46-state contiguity matrix.
    """
    from analysis.formulas.weights import row_standardise, weights_matrix

    c = pd.read_csv(validation_file("cigar.csv"))
    w = pd.read_csv(validation_file("usa46_contiguity_long.csv"))
    states = sorted(c["state_name"].unique())
    W = row_standardise(weights_matrix(w, states))
    c = c.sort_values(["year", "state_name"])
    T = c["year"].nunique()
    y = np.log(c["sales"]).to_numpy().reshape(T, 46)
    X = np.stack([np.log(c["price"] / c["cpi"]), np.log(c["ndi"] / c["cpi"])], axis=1).reshape(T, 46, 2)
    return y, X, W


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spark tests run only when asked for: ``pytest -m spark`` (``make test-spark``, a CI step of its own).

    Without a ``-m`` expression that names ``spark``, every test marked ``spark`` is deselected, so
    ``make test`` never starts a Spark build. (Here, not in a ``tests/spark/conftest.py``: a second
    conftest module would shadow this one for the tests that ``from conftest import ...``.)
    """
    if "spark" in (config.getoption("-m") or ""):
        return
    keep = [it for it in items if it.get_closest_marker("spark") is None]
    dropped = [it for it in items if it.get_closest_marker("spark") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep

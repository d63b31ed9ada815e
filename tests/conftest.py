"""Shared pytest fixtures.

``demo_warehouse``: the demo warehouse built ONCE per test session into a temporary directory (raw-file
validation and the GE checkpoint skipped: ``build(..., run_checks=False)``). Tests that need the
built marts take it as an argument and open it read-only::

    def test_something(demo_warehouse):
        con = duckdb.connect(str(demo_warehouse), read_only=True)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.paths import DEFAULT_RAW_DIR


def demo_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``data/demo`` when it holds the demo CSVs, else a freshly generated copy in a temporary directory."""
    if any(DEFAULT_RAW_DIR.glob("*.csv")):
        return DEFAULT_RAW_DIR
    from analysis.demo import write_demo

    out = tmp_path_factory.mktemp("demo_raw")
    write_demo(out)
    return out


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Path of a DuckDB warehouse built from the demo raw data (session-scoped, built once)."""
    from analysis.pipeline import build

    raw_dir = demo_raw_dir(tmp_path_factory)
    target = tmp_path_factory.mktemp("demo_warehouse") / "agglo.duckdb"
    yield build(raw_dir, target, run_checks=False, quiet=True)


def validation_file(name: str) -> Path:
    """Path of a file in ../shared/validation, or skip the test when the shared folder is absent."""
    from analysis.paths import SHARED_DIR

    path = SHARED_DIR / "validation" / name
    if not path.is_file():
        pytest.skip(f"shared validation data absent ({path})")
    return path

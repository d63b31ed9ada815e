"""The dbt unit tests (``warehouse/models/**/_*__unit_tests.yml``) run here, in the test suite.

``agglo build`` / ``agglo run`` leave them out (``--exclude-resource-type unit_test``; dbt advises
running unit tests in development and CI, not in every production build): they check the models' SQL
on fixed fixture rows, whatever the raw data. Each unit test's expected rows are hand-worked in its
YAML file; this test runs them all against a copy of the demo warehouse (dbt reads the column types of
the models a unit test's inputs refer to from the database).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from analysis.paths import PROJECT_ROOT
from analysis.pipeline import DBT_BUILD_EXCLUDES
from analysis.warehouse.dbt_runner import run_dbt


def _unit_test_names() -> set[str]:
    names: set[str] = set()
    for path in (PROJECT_ROOT / "warehouse" / "models").rglob("_*__unit_tests.yml"):
        names |= {t["name"] for t in yaml.safe_load(path.read_text(encoding="utf-8")).get("unit_tests", [])}
    return names


def test_agglo_build_leaves_the_unit_tests_to_the_test_suite():
    assert DBT_BUILD_EXCLUDES == ("--exclude-resource-type", "unit_test")
    assert len(_unit_test_names()) >= 14


@pytest.mark.warehouse
def test_every_dbt_unit_test_passes(demo_warehouse: Path, tmp_path: Path):
    db = tmp_path / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, db)
    result = run_dbt(["test", "--select", "test_type:unit"], env={"AGGLO_DUCKDB_PATH": str(db)},
                     dbt_vars={"raw_dir": str(PROJECT_ROOT / "data" / "demo"), "has_firms": False},
                     log_dir=tmp_path / "logs")
    assert result.ok, "\n".join(f.describe() for f in result.failures) or result.tail
    assert result.counts["unit_test"] == {"pass": len(_unit_test_names())}, result.counts

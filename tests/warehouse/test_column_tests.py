"""The per-model column tests ``not_null_columns`` and ``in_range_columns`` (warehouse/tests/generic/).

One test node per model checks every not-null column (and one every bounded column), instead of one
node per column. A planted null and a planted out-of-range value in a copy of the demo warehouse must
each fail their model's test, and the build's error text must name the column and show the row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from analysis.paths import PROJECT_ROOT
from analysis.warehouse.dbt_runner import run_dbt

MART = "fct_province_sector_location_quotients"


@pytest.mark.warehouse
def test_planted_null_and_out_of_range_fail_and_are_named(demo_warehouse: Path, tmp_path: Path):
    db = tmp_path / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, db)
    con = duckdb.connect(str(db))
    con.execute(f"update {MART} set employment_10k = null "
                "where province_code = '510000' and year = 2010 and sector_code = 'C'")
    con.execute(f"update {MART} set location_quotient = -1 "
                "where province_code = '110000' and year = 2011 and sector_code = 'C'")
    con.close()
    result = run_dbt(["test", "--select", f"{MART},test_name:not_null_columns {MART},test_name:in_range_columns"],
                     env={"AGGLO_DUCKDB_PATH": str(db)},
                     dbt_vars={"raw_dir": str(PROJECT_ROOT / "data" / "demo"), "has_firms": False},
                     log_dir=tmp_path / "logs")
    failed = {f.name: f for f in result.failures}
    assert set(failed) == {f"{MART}_not_null", f"{MART}_in_range"}, result.tail
    assert all(f.failures == 1 and f.model == MART for f in failed.values())
    null_text = failed[f"{MART}_not_null"].describe(db=db)
    assert "null_columns=employment_10k, province_code=510000, year=2010, sector_code=C" in null_text, null_text
    range_text = failed[f"{MART}_in_range"].describe(db=db)
    assert "out_of_range_columns=location_quotient, province_code=110000, year=2011" in range_text, range_text


@pytest.mark.warehouse
def test_the_column_tests_pass_on_the_demo_warehouse(demo_warehouse: Path, tmp_path: Path):
    db = tmp_path / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, db)
    result = run_dbt(["test", "--select", "test_name:not_null_columns test_name:in_range_columns"],
                     env={"AGGLO_DUCKDB_PATH": str(db)},
                     dbt_vars={"raw_dir": str(PROJECT_ROOT / "data" / "demo"), "has_firms": False},
                     log_dir=tmp_path / "logs")
    assert result.ok, "\n".join(f.describe(db=db) for f in result.failures)
    assert result.counts["test"]["pass"] >= 40

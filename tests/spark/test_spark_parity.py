"""The same dbt project on Spark and on DuckDB gives the same marts (issue 13).

Builds ``tests/fixtures/raw_small`` (hand-made, SYNTHETIC) with ``agglo build --engine spark --export``
and ``--engine duckdb --export`` (every model, contract and dbt test on both), then compares
every exported mart: the same marts, the same columns in the same order with the same types, the same
rows matched on their key (every non-float column), text/integer/boolean values exactly equal and
floats equal to 1e-9 (``|spark - duckdb| <= 1e-9 * max(1, |duckdb|)``), nulls in the same places.

Marked ``spark``: deselected by ``make test`` (pytest's addopts), run by ``make test-spark`` (a few
minutes: Spark starts a JVM and runs ~370 dbt nodes one by one). Needs ``make setup-spark``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT
from analysis.warehouse.export import MANIFEST, list_marts, read_mart

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "raw_small"
# The fixture has a single province, whose row of the economic-distance weights has no neighbour to
# spread over (row sum 0): this one dbt test fails on it on both engines, by design of the fixture.
# Raw validation and the GE checkpoint are skipped for the same reason (the fixture plants
# implausible values that the warehouse tests need); both run in the DuckDB and demo tests.
EXCLUDE = "assert_spatial_weights_rows_sum_to_one"
REL_TOL = 1e-9

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # No skip when Spark is missing: this module runs only when asked for (-m spark, make test-spark),
    # and then a missing engine must fail (AggloError: "run `make setup-spark`"), not pass silently.
    from analysis.pipeline import build_export

    root = tmp_path_factory.mktemp("parity")
    out = {"duckdb": root / "duckdb", "spark": root / "spark"}
    build_export("duckdb", FIXTURE, out["duckdb"], root / "agglo.duckdb", quiet=True, run_checks=False,
                 exclude=EXCLUDE)
    start = time.perf_counter()
    build_export("spark", FIXTURE, out["spark"], quiet=True, run_checks=False, exclude=EXCLUDE)
    # Printed for the record (bench/RESULTS.md has the timings); never asserted.
    print(f"\nSpark build + export + checks on raw_small: {time.perf_counter() - start:.0f} s")
    return out


def _is_float(s: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(s)


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys, kind="mergesort", na_position="first").reset_index(drop=True)


def compare_marts(duck: pd.DataFrame, spark: pd.DataFrame, name: str) -> float:
    """Assert two exports of one mart are equal (module docstring); return the max abs float diff."""
    assert list(spark.columns) == list(duck.columns), f"{name}: columns differ"
    for col in duck.columns:
        assert _is_float(duck[col]) == _is_float(spark[col]), f"{name}.{col}: {duck[col].dtype} vs {spark[col].dtype}"
    assert len(spark) == len(duck), f"{name}: {len(spark)} rows on Spark, {len(duck)} on DuckDB"
    keys = [c for c in duck.columns if not _is_float(duck[c])]
    floats = [c for c in duck.columns if _is_float(duck[c])]
    assert keys, f"{name}: no key column"
    # Rows are matched on the key; a key that repeats would pair rows arbitrarily, so require unique keys.
    assert not duck.duplicated(keys).any(), f"{name}: key {keys} is not unique"
    d, s = _sorted(duck, keys), _sorted(spark, keys)
    for col in keys:
        a, b = d[col].astype(object), s[col].astype(object)
        same = (a.isna() & b.isna()) | (a == b)
        assert same.all(), f"{name}.{col}: first difference at row {int(np.argmin(same))}: {a[~same].iloc[0]!r} vs {b[~same].iloc[0]!r}"
    worst = 0.0
    for col in floats:
        a, b = d[col].to_numpy(dtype=float), s[col].to_numpy(dtype=float)
        assert (np.isnan(a) == np.isnan(b)).all(), f"{name}.{col}: nulls differ"
        ok = ~np.isnan(a)
        diff = np.abs(a[ok] - b[ok])
        bound = REL_TOL * np.maximum(1.0, np.abs(a[ok]))
        assert (diff <= bound).all(), f"{name}.{col}: max |diff| {diff.max():.3g} over 1e-9"
        worst = max(worst, float(diff.max()) if diff.size else 0.0)
    return worst


def test_compare_marts_catches_a_difference() -> None:
    """The comparison itself: equal frames pass; a 1e-6 change, a changed key, a lost null fail."""
    duck = pd.DataFrame({"code": ["a", "b"], "year": [2011, 2012], "v": [1.0, np.nan]})
    assert compare_marts(duck, duck.iloc[::-1].copy(), "t") == 0.0
    near = duck.assign(v=[1.0 + 5e-10, np.nan])
    assert compare_marts(duck, near, "t") == pytest.approx(5e-10, rel=1e-3)
    for bad in (duck.assign(v=[1.0 + 1e-6, np.nan]), duck.assign(code=["a", "c"]), duck.assign(v=[1.0, 0.0])):
        with pytest.raises(AssertionError):
            compare_marts(duck, bad, "t")


def test_spark_and_duckdb_export_the_same_marts(exports: dict[str, Path]) -> None:
    duck, spark = list_marts(exports["duckdb"]), list_marts(exports["spark"])
    assert spark == duck
    assert len(duck) >= 20  # every mart of warehouse/models/marts (dims, panels, index marts)
    for engine, out in exports.items():
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        assert manifest["engine"] == engine
        assert sorted(manifest["marts"]) == duck
    # Spark writes a folder of part files per mart; DuckDB one file
    assert all((exports["spark"] / f"{m}.parquet").is_dir() for m in spark)
    assert all((exports["duckdb"] / f"{m}.parquet").is_file() for m in duck)


def test_every_mart_equal_to_1e9(exports: dict[str, Path]) -> None:
    worst, rows = 0.0, 0
    for name in list_marts(exports["duckdb"]):
        duck, spark = read_mart(exports["duckdb"], name), read_mart(exports["spark"], name)
        worst = max(worst, compare_marts(duck, spark, name))
        rows += len(duck)
    assert rows > 0 and math.isfinite(worst)
    print(f"\n{len(list_marts(exports['duckdb']))} marts, {rows} rows, max |spark - duckdb| = {worst:.3g}")

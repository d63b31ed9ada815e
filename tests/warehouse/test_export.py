"""The Parquet export of the marts (analysis.warehouse.export) and the readers the studies use.

The Spark side (a build on Spark compared with DuckDB) is tests/spark; these run without Spark.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import AggloError, SpecError
from analysis.studies.spec import load_data, load_spec, read_table
from analysis.warehouse.export import (
    MANIFEST,
    export_duckdb,
    finalize_export,
    list_marts,
    parquet_to_duckdb,
    read_mart,
    read_parquet,
    staging_dir,
)

PANEL = pd.DataFrame({"province_code": ["110000", "120000", "110000"], "year": [2011, 2011, 2012],
                      "gdp": [1.5, 2.5, None]})


def _write(df: pd.DataFrame, path: Path) -> None:
    con = duckdb.connect(":memory:")
    con.register("df", df)
    con.execute(f"copy (select * from df) to '{path}' (format parquet)")
    con.close()


def _spark_like_folder(df: pd.DataFrame, folder: Path) -> None:
    """What Spark writes for one mart: a folder of part files (+ a _SUCCESS marker)."""
    folder.mkdir(parents=True)
    _write(df.iloc[:2], folder / "part-00000-a.snappy.parquet")
    _write(df.iloc[2:], folder / "part-00001-a.snappy.parquet")
    (folder / "_SUCCESS").write_text("")


def test_read_parquet_file_and_spark_folder_alike(tmp_path: Path) -> None:
    _write(PANEL, tmp_path / "one.parquet")
    _spark_like_folder(PANEL, tmp_path / "parts.parquet")
    for p in ("one.parquet", "parts.parquet"):
        got = read_parquet(tmp_path / p).sort_values(["year", "province_code"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, PANEL.sort_values(["year", "province_code"]).reset_index(drop=True),
                                      check_dtype=False)
    with pytest.raises(AggloError, match="not found"):
        read_parquet(tmp_path / "missing.parquet")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(AggloError, match="cannot read as Parquet"):
        read_parquet(tmp_path / "bad.parquet")


def test_finalize_export_replaces_marts_and_keeps_out_unchanged_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _write(PANEL.iloc[:1], out / "fct_old.parquet")  # a mart of an earlier build: removed
    _write(PANEL.iloc[:1], out / "fct_a.parquet")    # replaced
    (out / "notes.txt").write_text("mine")           # not a mart: left alone
    stage = staging_dir(out)
    _spark_like_folder(PANEL, stage / "fct_a.parquet")
    _write(PANEL.iloc[:2], stage / "dim_b.parquet")
    counts = finalize_export(stage, out, engine="spark", raw_dir=tmp_path)
    assert counts == {"dim_b": 2, "fct_a": 3}
    assert list_marts(out) == ["dim_b", "fct_a"] and (out / "notes.txt").read_text() == "mine"
    assert not stage.exists()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["engine"] == "spark" and manifest["marts"] == counts
    # an empty export (a build that exported nothing) is an error and leaves out as it was
    with pytest.raises(AggloError, match="no mart"):
        finalize_export(staging_dir(out), out, engine="duckdb", raw_dir=tmp_path)
    assert list_marts(out) == ["dim_b", "fct_a"]


def test_read_mart_names_what_is_there(tmp_path: Path) -> None:
    _write(PANEL, tmp_path / "fct_province_years.parquet")
    assert len(read_mart(tmp_path, "fct_province_years")) == 3
    with pytest.raises(AggloError, match=r"not in the export .*fct_province_years"):
        read_mart(tmp_path, "fct_county_years")
    with pytest.raises(AggloError, match="not a mart name"):
        read_mart(tmp_path, "x; drop table y")


def test_spec_reads_parquet_data_and_marts_dir(tmp_path: Path) -> None:
    _write(PANEL, tmp_path / "fct_province_years.parquet")
    spec_file = tmp_path / "s.yml"
    spec_file.write_text(textwrap.dedent("""\
        title: t
        kind: descriptives
        data: {parquet: fct_province_years.parquet}
        panel: {entity: province_code, time: year}
        variables: [gdp]
        """), encoding="utf-8")
    df = load_data(load_spec(spec_file))
    assert sorted(df["gdp"].dropna()) == [1.5, 2.5] and pd.api.types.is_string_dtype(df["province_code"])
    # data: {table: ...} against an export directory (agglo estimate --marts DIR)
    assert len(read_table(tmp_path, "fct_province_years")) == 3
    with pytest.raises(SpecError, match="not in the export"):
        read_table(tmp_path, "fct_county_years")


def test_spark_engine_needs_export() -> None:
    assert main(["build", "--engine", "spark"]) == 2


@pytest.mark.warehouse
def test_export_duckdb_writes_every_mart(demo_warehouse: Path, tmp_path: Path) -> None:
    marts = export_duckdb(demo_warehouse, tmp_path)
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_type = 'BASE TABLE' and (table_name like 'fct\\_%' escape '\\' "
            "or table_name like 'dim\\_%' escape '\\')").fetchall()}
        assert set(marts) == tables and list_marts(tmp_path) == sorted(tables)
        for name in ("fct_province_years", "dim_counties", "fct_spatial_weights"):
            want = con.execute(f"select * from {name}").df()
            got = read_mart(tmp_path, name)
            pd.testing.assert_frame_equal(got.sort_values(list(got.columns[:3])).reset_index(drop=True),
                                          want.sort_values(list(want.columns[:3])).reset_index(drop=True))
    finally:
        con.close()
    # and back into a DuckDB file (what the GE checkpoint reads after a Spark build)
    db = tmp_path / "again.duckdb"
    assert parquet_to_duckdb(tmp_path, db) == sorted(marts)


@pytest.mark.warehouse
def test_checkpoint_passes_on_the_parquet_export(demo_warehouse: Path, tmp_path: Path,
                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """What a Spark build checks: the GE checkpoint on the exported marts loaded into a scratch file."""
    from conftest import demo_raw_dir

    from analysis.checks.checkpoint import run_checkpoint

    export_duckdb(demo_warehouse, tmp_path / "out")
    db = tmp_path / "marts.duckdb"
    parquet_to_duckdb(tmp_path / "out", db)
    report = run_checkpoint(db, demo_raw_dir(tmp_path_factory), docs_dir=tmp_path / "docs")
    assert report.success and report.n_expectations > 0

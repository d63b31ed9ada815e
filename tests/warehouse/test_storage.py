"""Publishing in an older DuckDB storage version (analysis/warehouse/storage.py, publish.py; issue 11).

A small hand-made warehouse (two schemas, a view, a macro, table/view/column comments) written by
DuckDB 2.0 in its newest format is converted, and everything in it is compared with the source.
The old clients themselves open the real demo warehouse in tests/clients/.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analysis.errors import AggloError
from analysis.warehouse.publish import building_path, publish
from analysis.warehouse.storage import (
    DEFAULT_STORAGE_VERSION,
    LATEST,
    catalog_comments,
    convert_storage,
    file_storage_version,
    reapply_comments,
    resolve_storage_version,
)

COMMENTS = {
    ("TABLE", "main", "fct_x", ""): "one row per x; SYNTHETIC",
    ("COLUMN", "main", "fct_x", "v"): "value, it's in 10k persons",
    ("VIEW", "main", "v_x", ""): "x above 1",
    ("COLUMN", "results", "runs", "run_id"): "run id",
}


def make_warehouse(path: Path, *, marker: str = "first") -> Path:
    con = duckdb.connect(str(path), config={"storage_compatibility_version": "latest"})
    con.execute("create table fct_x (k varchar, v double)")
    con.execute("insert into fct_x select 'k' || range, range / 7 from range(5000)")
    con.execute("create view v_x as select * from fct_x where v > 1")
    con.execute("create macro plus_one(a) as a + 1")
    con.execute("create schema results")
    con.execute("create table results.runs as select ? as run_id", [marker])
    reapply_comments(con, con.execute("select current_database()").fetchone()[0], COMMENTS)
    con.close()
    return path


def test_resolve_storage_version(monkeypatch) -> None:
    monkeypatch.delenv("AGGLO_STORAGE_VERSION", raising=False)
    assert resolve_storage_version() == DEFAULT_STORAGE_VERSION == "v1.1.0"
    assert resolve_storage_version("1.2.0") == "v1.2.0"
    assert resolve_storage_version("LATEST") == LATEST
    monkeypatch.setenv("AGGLO_STORAGE_VERSION", "latest")
    assert resolve_storage_version() == LATEST
    assert resolve_storage_version("v1.3.0") == "v1.3.0"  # the option wins over the variable
    monkeypatch.setenv("AGGLO_STORAGE_VERSION", "one.one")
    with pytest.raises(AggloError, match="AGGLO_STORAGE_VERSION='vone.one'"):
        resolve_storage_version()


def test_convert_keeps_data_views_macros_and_comments(tmp_path) -> None:
    src = make_warehouse(tmp_path / "src.duckdb")
    assert file_storage_version(src) == "v2.0.0+"
    conv = convert_storage(src, tmp_path / "dst.duckdb", "v1.1.0")
    assert (conv.storage_version, conv.tables, conv.views, conv.comments) == ("v1.1.0", 2, 1, 4)
    dst = tmp_path / "dst.duckdb"
    assert file_storage_version(dst) == "v1.0.0+"  # format 64: DuckDB >= 1.0 reads it
    con = duckdb.connect(str(dst), read_only=True)
    assert catalog_comments(con, "dst") == COMMENTS
    assert con.execute("select count(*), sum(v) * 7 from fct_x").fetchone() == (5000, sum(range(5000)))
    assert con.execute("select count(*) from v_x").fetchone() == (5000 - 8,)  # v = i/7 > 1 from i = 8
    assert con.execute("select plus_one(41)").fetchone() == (42,)
    assert con.execute("select run_id from results.runs").fetchall() == [("first",)]
    con.close()


def test_reapply_comments_restores_lost_comments(tmp_path) -> None:
    """The fallback used when COPY FROM DATABASE drops comments: COMMENT ON from the source catalog."""
    src = make_warehouse(tmp_path / "src.duckdb")
    con = duckdb.connect()
    con.execute(f"attach '{src}' as src (read_only)")
    con.execute(f"attach '{tmp_path / 'bare.duckdb'}' as bare (storage_version 'v1.1.0')")
    con.execute("create table bare.fct_x (k varchar, v double)")
    con.execute("create view bare.v_x as select 1 as a")
    con.execute("create schema bare.results")
    con.execute("create table bare.results.runs (run_id varchar)")
    assert catalog_comments(con, "bare") == {}
    reapply_comments(con, "bare", catalog_comments(con, "src"))
    assert catalog_comments(con, "bare") == COMMENTS
    con.close()


def test_later_writer_keeps_the_old_storage_version(tmp_path) -> None:
    """``agglo analyze`` writes into the published file with DuckDB 2.0: the file stays readable by 1.x."""
    src = make_warehouse(tmp_path / "src.duckdb")
    dst = tmp_path / "dst.duckdb"
    convert_storage(src, dst, "v1.1.0")
    con = duckdb.connect(str(dst))
    con.execute("create table results.estimates as select range as i from range(200000)")
    con.execute("insert into results.runs values ('second')")
    con.execute("checkpoint")
    con.close()
    assert file_storage_version(dst) == "v1.0.0+"


def test_publish_converts_and_replaces(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("AGGLO_STORAGE_VERSION", raising=False)
    warehouse = tmp_path / "agglo.duckdb"
    new = make_warehouse(building_path(warehouse))
    progress: list[str] = []
    assert publish(new, warehouse, progress=progress.append) == warehouse
    assert not new.exists() and not warehouse.with_name(".agglo.publishing.duckdb").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agglo.duckdb"]  # no .wal, no leftovers
    assert file_storage_version(warehouse) == "v1.0.0+"
    assert "storage version v1.1.0" in progress[0] and progress[1].startswith("converted in ")
    # 'latest' skips the conversion
    new = make_warehouse(building_path(warehouse), marker="second")
    publish(new, warehouse, storage_version="latest")
    assert file_storage_version(warehouse) == "v2.0.0+"
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select run_id from results.runs").fetchall() == [("second",)]
    con.close()


def test_failed_conversion_publishes_nothing(tmp_path) -> None:
    warehouse = tmp_path / "agglo.duckdb"
    make_warehouse(warehouse, marker="published")
    before = warehouse.read_bytes()
    new = building_path(warehouse)
    new.write_bytes(b"not a duckdb file")
    with pytest.raises(AggloError, match="nothing was published"):
        publish(new, warehouse)
    assert warehouse.read_bytes() == before
    assert not new.exists() and not warehouse.with_name(".agglo.publishing.duckdb").exists()


def test_cli_rejects_a_bad_storage_version_before_building(tmp_path, capsys) -> None:
    from analysis.cli import main

    warehouse = tmp_path / "agglo.duckdb"
    for command in ("build", "run"):
        assert main([command, "--warehouse", str(warehouse), "--storage-version", "1.1"]) == 2
        err = capsys.readouterr().err
        assert f"agglo {command}: error: --storage-version='v1.1' is not a storage version" in err
    assert list(tmp_path.iterdir()) == []  # nothing built, no lock left

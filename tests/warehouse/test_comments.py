"""``agglo build`` writes the dbt descriptions as comments itself (analysis/warehouse/comments.py).

The comments must be exactly the ones dbt's ``persist_docs`` writes: a part of the project is built
twice, once with dbt persisting the docs and once without, the second then given the manifest's
descriptions; the two catalogs' comments must be equal (and not empty).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import demo_raw_dir

from analysis.warehouse.comments import PERSIST_DOCS_ENV, persist_docs
from analysis.warehouse.dbt_runner import run_dbt
from analysis.warehouse.storage import catalog_comments

SELECT = "+dim_provinces +stg_raw__province_indicators sectors"


def _build(tmp_path: Path, raw_dir: Path, *, dbt_persists: bool) -> tuple[Path, Path]:
    db = tmp_path / f"persist_{dbt_persists}.duckdb"
    result = run_dbt(["build", "--select", SELECT, "--exclude-resource-type", "test", "unit_test"],
                     env={"AGGLO_DUCKDB_PATH": str(db), PERSIST_DOCS_ENV: "true" if dbt_persists else "false"},
                     dbt_vars={"raw_dir": str(raw_dir), "has_firms": False},
                     log_dir=tmp_path / f"logs_{dbt_persists}")
    assert result.ok, result.tail
    return db, result.target_dir / "manifest.json"


def _comments(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return catalog_comments(con, con.execute("select current_database()").fetchone()[0])
    finally:
        con.close()


@pytest.mark.warehouse
def test_comments_from_the_manifest_equal_dbt_persist_docs(tmp_path, tmp_path_factory):
    raw_dir = demo_raw_dir(tmp_path_factory)
    by_dbt, _ = _build(tmp_path, raw_dir, dbt_persists=True)
    ours, manifest = _build(tmp_path, raw_dir, dbt_persists=False)
    assert _comments(ours) == {}  # dbt wrote none: the switch works
    n = persist_docs(ours, manifest)
    want = _comments(by_dbt)
    kinds = {k[0] for k in want}
    assert kinds == {"TABLE", "VIEW", "COLUMN"}, kinds  # a seed, a view (staging) and a table (mart)
    assert _comments(ours) == want
    assert n == len(want) > 20

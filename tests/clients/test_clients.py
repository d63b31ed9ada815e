"""Every DuckDB client opens the published warehouse READ-ONLY and reads a mart, the results schema,
comments and every view (issue 11).

Clients and versions: the DuckDB CLI 1.5.x, Python duckdb 1.1.x (own venv), Node @duckdb/node-api
1.5.x, SQLAlchemy + duckdb_engine on duckdb 1.1.x (Superset's path). Each client's answers must equal
what the project's DuckDB 2.0 reads from the same file; on top, values known without DuckDB: the
demo panel is 31 provinces x 2003-2021 (DESIGN.md), the ami column comment is the dbt description in
_marts__models.yml, and the fixture wrote two analysis runs (conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from clients_fixtures import ami_description, client_warehouse  # noqa: F401 (fixtures)
from clients_support import (
    LATER_SPEC,
    client_queries,
    expected_answers,
    run_cli,
    run_node,
    run_python,
)

pytestmark = pytest.mark.warehouse


@pytest.fixture(scope="module")
def queries_and_expected(client_warehouse: Path) -> tuple[dict[str, str], dict[str, Any]]:
    con = duckdb.connect(str(client_warehouse), read_only=True)
    try:
        queries = client_queries(con)
        return queries, expected_answers(con, queries)
    finally:
        con.close()


def check_answers(out: dict[str, Any], expected: dict[str, Any], ami_description: str) -> None:
    got = out["results"]
    assert got["access_mode"] == [["read_only"]], out["client"]
    for name, rows in expected.items():
        assert got[name] == rows, f"{out['client']} {out['version']}: query {name!r} differs"
    # independent of DuckDB 2.0: the demo panel's size, the dbt description, the fixture's two runs
    n, provinces, first, last, _ = got["mart"][0]
    assert (n, provinces, first, last) == (31 * 19, 31, 2003, 2021)
    assert got["column_comment"] == [[ami_description]]
    assert "SYNTHETIC" in got["table_comment"][0][0]
    runs, descriptives, estimates, est_specs = got["results"][0]
    assert runs == 2 and descriptives > 0 and estimates > 0 and est_specs == LATER_SPEC
    assert len(got["views"][0]) >= 10 and sum(c > 0 for c in got["views"][0]) >= 10  # firm views are empty


def test_published_file_is_in_storage_v1(client_warehouse: Path, demo_warehouse: Path) -> None:
    from analysis.warehouse.storage import file_storage_version

    # the dbt build published by pipeline.build, and the same file after a later DuckDB 2.0 writer
    assert file_storage_version(demo_warehouse) == "v1.0.0+"
    assert file_storage_version(client_warehouse) == "v1.0.0+"


def test_agglo_estimate_only_reads_the_published_file(client_warehouse, tmp_path) -> None:
    """``agglo estimate`` on the published file (DuckDB 2.0, read-only) leaves it byte-identical."""
    import hashlib

    from analysis.paths import SPECS_DIR
    from analysis.studies.manifest import find_spec
    from analysis.studies.runner import estimate_cli

    before = hashlib.sha256(client_warehouse.read_bytes()).hexdigest()
    doc = estimate_cli(find_spec(LATER_SPEC, SPECS_DIR), warehouse=client_warehouse, json_out=tmp_path / "r.json")
    assert doc["is_synthetic"] is True
    assert hashlib.sha256(client_warehouse.read_bytes()).hexdigest() == before


def test_duckdb_cli_1_5(client_warehouse, queries_and_expected, ami_description) -> None:
    queries, expected = queries_and_expected
    out = run_cli(client_warehouse, queries)
    assert out["version"].startswith("v1.5."), out["version"]
    check_answers(out, expected, ami_description)


def test_python_duckdb_1_1(client_warehouse, queries_and_expected, ami_description) -> None:
    queries, expected = queries_and_expected
    out = run_python(client_warehouse, queries, "duckdb")
    assert out["version"].startswith("1.1."), out["version"]
    check_answers(out, expected, ami_description)


def test_node_api(client_warehouse, queries_and_expected, ami_description) -> None:
    queries, expected = queries_and_expected
    out = run_node(client_warehouse, queries)
    assert out["version"].startswith("v1.5."), out["version"]
    check_answers(out, expected, ami_description)


def test_sqlalchemy_duckdb_engine(client_warehouse, queries_and_expected, ami_description) -> None:
    queries, expected = queries_and_expected
    out = run_python(client_warehouse, queries, "sqlalchemy")
    assert out["version"].startswith("duckdb 1.1."), out["version"]
    check_answers(out, expected, ami_description)
    # what Superset's dataset editor asks the dialect: schemas, tables, column comments
    insp = out["inspector"]
    assert {"main", "results"} <= {s.split(".")[-1] for s in insp["schemas"]}
    assert {"runs", "estimates", "descriptives"} <= set(insp["results_tables"])
    assert insp["ami_column_comment"] == ami_description


def test_old_clients_refuse_the_newest_format(client_warehouse, tmp_path) -> None:
    """Without the conversion the old clients cannot open the file: the tests above are not vacuous."""
    from analysis.warehouse.storage import convert_storage

    latest = tmp_path / "latest.duckdb"
    convert_storage(client_warehouse, latest, "latest")
    with pytest.raises(AssertionError, match="version number"):
        run_python(latest, {"one": "select 1"}, "duckdb")
    with pytest.raises(AssertionError, match="version number"):
        run_cli(latest, {"one": "select 1"})

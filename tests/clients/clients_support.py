"""The DuckDB clients of tests/clients/: where they are installed, the queries they run, how to run them.

Clients (installed by ``make clients``, which ``make test`` runs first):

- the DuckDB CLI 1.5.x: ``.venv/bin/duckdb`` (PyPI ``duckdb-cli``, in requirements.lock);
- Python duckdb 1.1.x and SQLAlchemy + ``duckdb_engine`` in their own venv ``.venv-clients/``
  (tests/clients/requirements.txt), running tests/clients/query_python.py;
- Node ``@duckdb/node-api`` 1.5.x: ``npm ci`` in tests/clients/node/, running query.mjs.

Each client opens the published warehouse READ-ONLY and runs :func:`client_queries`; the tests compare
its answers with the project's DuckDB 2.0 reading the same file, and with values known independently
(the panel's size, the dbt description behind a column comment, the number of analysis runs).

When a client is not installed, its test is skipped with the reason (e.g. a registry was unreachable
during ``make clients``); under CI (``CI`` set) it fails instead, so CI always runs the four clients.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS_PY = ROOT / ".venv-clients" / "bin" / "python"
NODE_DIR = ROOT / "tests" / "clients" / "node"
QUERY_PY = ROOT / "tests" / "clients" / "query_python.py"
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
PRE_PUBLISH_SPEC = "p001_table3"  # analysed into the new file before publishing: results.descriptives
LATER_SPEC = "p001_table4"        # analysed into the published file afterwards: results.estimates


def missing(what: str) -> None:
    """Skip (or, under CI, fail) because client ``what`` is not installed."""
    msg = (f"CLIENT NOT INSTALLED: {what}. Run `make clients` (needs PyPI and npm); "
           "if that failed, a package registry was unreachable")
    if os.environ.get("CI"):
        pytest.fail(msg + " (CI must run every client test)")
    pytest.skip(msg)


def client_queries(con: Any) -> dict[str, str]:
    """The named queries every client runs: a mart, the results schema, comments, every view.

    ``con`` is a DuckDB connection to the warehouse, used to list its views. Every query returns
    integers and text only, so that answers compare exactly across clients and versions.
    """
    views = [v for (v,) in con.execute(
        "select view_name from duckdb_views() where not internal and schema_name = 'main' "
        "order by view_name").fetchall()]
    return {
        "access_mode": "select current_setting('access_mode') as access_mode",
        "mart": "select count(*) as n, count(distinct province_code) as provinces, min(year) as first_year, "
                "max(year) as last_year, cast(round(sum(ami) * 1000) as bigint) as ami_sum_milli "
                "from main.fct_province_years",
        "mart_rows": "select province_code, year, cast(round(coagglo * 1000000) as bigint) as coagglo_micro "
                     "from main.fct_province_years order by province_code, year limit 3",
        "results": "select (select count(*) from results.runs) as runs, "
                   "(select count(*) from results.descriptives) as descriptives, "
                   "(select count(*) from results.estimates) as estimates, "
                   "(select string_agg(distinct spec, ',' order by spec) from results.estimates) as est_specs",
        "column_comment": "select comment from duckdb_columns() where schema_name = 'main' "
                          "and table_name = 'fct_province_years' and column_name = 'ami'",
        "table_comment": "select comment from duckdb_tables() where schema_name = 'main' "
                         "and table_name = 'fct_province_years'",
        "views": "select " + ", ".join(f'(select count(*) from main."{v}") as "{v}"' for v in views),
    }


def rows_json(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows as JSON would carry them (lists; values through ``json``)."""
    return json.loads(json.dumps([list(r) for r in rows], default=str))


def expected_answers(con: Any, queries: dict[str, str]) -> dict[str, list[list[Any]]]:
    """The answers of the project's DuckDB (2.0) to ``queries``."""
    return {name: rows_json(con.execute(sql).fetchall()) for name, sql in queries.items()}


def _run(cmd: list[str], *, stdin: str | None = None, cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd[:3]))} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def run_cli(db: Path, queries: dict[str, str]) -> dict[str, Any]:
    """Run ``queries`` with the DuckDB CLI (``duckdb -readonly -json FILE -c SQL``, one call each)."""
    if not DUCKDB_CLI.is_file():
        missing(f"DuckDB CLI {DUCKDB_CLI} (PyPI duckdb-cli, installed by `make setup`)")
    version = _run([str(DUCKDB_CLI), "--version"]).split()[0]
    results = {}
    for name, sql in queries.items():
        out = _run([str(DUCKDB_CLI), "-readonly", "-json", str(db), "-c", sql]).strip()
        results[name] = [list(obj.values()) for obj in json.loads(out)] if out else []
    return {"client": "duckdb CLI", "version": version, "results": results}


def run_python(db: Path, queries: dict[str, str], via: str) -> dict[str, Any]:
    """Run ``queries`` in the old-client venv, through ``duckdb`` or ``sqlalchemy`` (duckdb_engine)."""
    if not CLIENTS_PY.is_file():
        missing(f"old-client venv {CLIENTS_PY.parent.parent} (duckdb 1.1, duckdb_engine)")
    return json.loads(_run([str(CLIENTS_PY), str(QUERY_PY), via, str(db)], stdin=json.dumps(queries)))


def run_node(db: Path, queries: dict[str, str]) -> dict[str, Any]:
    """Run ``queries`` with Node's ``@duckdb/node-api`` (tests/clients/node/query.mjs)."""
    if shutil.which("node") is None:
        missing("Node.js (`node` on PATH; Debian package nodejs)")
    if not (NODE_DIR / "node_modules" / "@duckdb" / "node-api").is_dir():
        missing(f"Node @duckdb/node-api in {NODE_DIR}/node_modules (`npm ci`)")
    return json.loads(_run(["node", "query.mjs", str(db)], stdin=json.dumps(queries), cwd=NODE_DIR))

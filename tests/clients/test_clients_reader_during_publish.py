"""A reader holding the published warehouse open while a build publishes (issue 11, docs/clients.md).

``agglo run``/``agglo build`` publish with :func:`analysis.warehouse.publish.publish` (convert, then
``os.replace``). A read-only connection opened before keeps working on the old build (it holds the old
file); a new connection, in another process, sees the new build at once; in the same process only
after the old connection is closed (DuckDB reuses an open database of the same path).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from clients_fixtures import client_warehouse  # noqa: F401 (a pytest fixture)
from clients_support import CLIENTS_PY, DUCKDB_CLI, missing, run_cli

from analysis.warehouse.publish import building_path, publish
from analysis.warehouse.storage import convert_storage

pytestmark = pytest.mark.warehouse

MARKER = "select count(*) from duckdb_tables() where schema_name = 'results' and table_name = 'second_build'"
# An old client (duckdb 1.1) that opens the file read-only, answers, waits for a line on stdin,
# answers again on the same connection.
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
q = "select count(*) from main.fct_province_years"
m = sys.argv[2]
print(con.execute(q).fetchone()[0], con.execute(m).fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute(q).fetchone()[0], con.execute(m).fetchone()[0], flush=True)
"""


def second_build(published: Path) -> Path:
    """Another built file next to ``published`` (newest format, as dbt writes it) with a marker table."""
    new = building_path(published)
    convert_storage(published, new, "latest")
    con = duckdb.connect(str(new))
    con.execute("create table results.second_build as select 'second' as build")
    con.close()
    return new


def test_reader_keeps_working_and_new_connections_see_the_new_build(client_warehouse, tmp_path) -> None:
    published = tmp_path / "agglo.duckdb"
    shutil.copyfile(client_warehouse, published)
    if not CLIENTS_PY.is_file():
        missing(f"old-client venv {CLIENTS_PY.parent.parent}")
    holder = subprocess.Popen([str(CLIENTS_PY), "-c", HOLDER, str(published), MARKER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().split() == ["589", "0"]
        old = duckdb.connect(str(published), read_only=True)  # a reader in this process too
        assert old.execute(MARKER).fetchone() == (0,)

        publish(second_build(published), published)  # what agglo run / agglo build do

        # the readers opened before keep working, on the build they opened
        assert old.execute("select count(*) from main.fct_province_years").fetchone() == (589,)
        assert old.execute(MARKER).fetchone() == (0,)
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().split() == ["589", "0"]
        # a new connection from another process (here the DuckDB CLI 1.5) sees the new build
        if not DUCKDB_CLI.is_file():
            missing(f"DuckDB CLI {DUCKDB_CLI}")
        assert run_cli(published, {"m": MARKER})["results"]["m"] == [[1]]
        # in this process, DuckDB hands out the database it already has open: reconnect = close all first
        again = duckdb.connect(str(published), read_only=True)
        assert again.execute(MARKER).fetchone() == (0,)
        again.close()
        old.close()
        fresh = duckdb.connect(str(published), read_only=True)
        assert fresh.execute(MARKER).fetchone() == (1,)
        assert fresh.execute("select build from results.second_build").fetchall() == [("second",)]
        fresh.close()
    finally:
        holder.stdin.close()
        try:
            holder.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover
            holder.kill()
    assert holder.returncode == 0, holder.stderr.read()


def test_old_reader_blocks_in_place_writers_not_publishing(client_warehouse, tmp_path) -> None:
    """A BI tool holding the file (read-only) blocks ``agglo analyze`` (writes in place, DuckDB's file
    lock) but not ``agglo run``/``agglo build``, which publish a new file."""
    published = tmp_path / "agglo.duckdb"
    shutil.copyfile(client_warehouse, published)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(published), MARKER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().split() == ["589", "0"]
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(published))  # read-write, as agglo analyze opens it
        publish(second_build(published), published)
        con = duckdb.connect(str(published))  # the new file is not locked by the old reader
        assert con.execute(MARKER).fetchone() == (1,)
        con.close()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)

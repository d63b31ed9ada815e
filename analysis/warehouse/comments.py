"""The dbt model and seed descriptions as DuckDB comments, written in one connection after ``dbt build``.

dbt's ``persist_docs`` writes them node by node (a ``COMMENT ON`` per column through dbt's adapter,
plus a catalog query per relation): about 2-3 s of dbt's time on the demo. ``agglo build`` turns it
off (``AGGLO_DBT_PERSIST_DOCS=false``, read by the override in
``warehouse/macros/engine/persist_docs.sql``) and calls :func:`persist_docs` on the new file instead:
the same comments (every model and seed description on its table or view, every described column
that exists), taken from the build's ``manifest.json``. A hand-run ``dbt build`` still persists them
itself. BI tools and the DuckDB CLI show them (docs/clients.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from analysis.warehouse.storage import reapply_comments

PERSIST_DOCS_ENV = "AGGLO_DBT_PERSIST_DOCS"


def manifest_comments(manifest: dict[str, Any], con: Any, db: str, schema: str = "main"
                      ) -> dict[tuple[str, str, str, str], str]:
    """``(kind, schema, object, column) -> comment`` for the models and seeds of ``manifest`` present in ``db``."""
    views = {r[0] for r in con.execute(
        "select view_name from duckdb_views() where database_name = ? and schema_name = ? and not internal",
        [db, schema]).fetchall()}
    tables = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ?", [db, schema]).fetchall()}
    columns: dict[str, set[str]] = defaultdict(set)
    for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where database_name = ? and schema_name = ?",
            [db, schema]).fetchall():
        columns[table].add(column)
    out: dict[tuple[str, str, str, str], str] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "seed"):
            continue
        name = node.get("alias") or node["name"]
        kind = "VIEW" if name in views else "TABLE" if name in tables else None
        if kind is None:  # not built (a partial selection) or in another schema
            continue
        if node.get("description"):
            out[(kind, schema, name, "")] = node["description"]
        for column, doc in (node.get("columns") or {}).items():
            if doc.get("description") and column in columns[name]:
                out[("COLUMN", schema, name, column)] = doc["description"]
    return out


def persist_docs(db_path: Path, manifest_path: Path) -> int:
    """Write the descriptions of ``manifest_path`` as comments into ``db_path``; return how many."""
    import duckdb

    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    con = duckdb.connect(str(db_path))
    try:
        db = con.execute("select current_database()").fetchone()[0]
        comments = manifest_comments(manifest, con, db)
        con.execute("begin transaction")
        reapply_comments(con, db, comments)
        con.execute("commit")
    finally:
        con.close()
    return len(comments)

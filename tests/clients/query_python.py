"""Open a DuckDB file READ-ONLY from Python and run named queries (run in the old-client venv).

Usage: ``python query_python.py duckdb|sqlalchemy DB_FILE < queries.json`` (``{"name": "sql", ...}``).
Prints ``{"client": ..., "version": ..., "results": {"name": [[v, ...], ...]}}`` as JSON.

``duckdb`` uses the Python duckdb package of the interpreter running this script (1.1.x in
``.venv-clients/``). ``sqlalchemy`` goes through SQLAlchemy and ``duckdb_engine``, as Superset does:
``create_engine("duckdb:///FILE", connect_args={"read_only": True})``, plus the inspector calls a BI
tool makes to list schemas, tables and column comments (``inspector`` in the output).

This file runs under another Python and duckdb than the project's: it imports nothing from the project.
"""

import json
import sys


def via_duckdb(db, queries):
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        results = {name: [list(row) for row in con.execute(sql).fetchall()] for name, sql in queries.items()}
    finally:
        con.close()
    return {"client": "python duckdb", "version": duckdb.__version__, "results": results}


def via_sqlalchemy(db, queries):
    import duckdb
    import duckdb_engine
    import sqlalchemy as sa

    engine = sa.create_engine(f"duckdb:///{db}", connect_args={"read_only": True})
    try:
        with engine.connect() as conn:
            results = {name: [list(row) for row in conn.execute(sa.text(sql)).fetchall()]
                       for name, sql in queries.items()}
            insp = sa.inspect(conn)
            columns = {c["name"]: c for c in insp.get_columns("fct_province_years", schema="main")}
            inspector = {
                "schemas": sorted(insp.get_schema_names()),
                "results_tables": sorted(insp.get_table_names(schema="results")),
                "ami_column_comment": columns["ami"].get("comment"),
            }
    finally:
        engine.dispose()
    return {"client": "sqlalchemy+duckdb_engine", "version": f"duckdb {duckdb.__version__}, duckdb_engine "
            f"{duckdb_engine.__version__}, SQLAlchemy {sa.__version__}", "results": results,
            "inspector": inspector}


def main():
    via, db = sys.argv[1], sys.argv[2]
    queries = json.load(sys.stdin)
    out = via_duckdb(db, queries) if via == "duckdb" else via_sqlalchemy(db, queries)
    sys.stdout.write(json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main()

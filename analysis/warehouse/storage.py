"""The storage version of the published warehouse, so that every DuckDB client can open it.

The project builds with DuckDB 2.0, which writes storage format 69 by default. Older clients (the
DuckDB CLI and Node ``@duckdb/node-api`` 1.5.x, Python duckdb 1.1 bundled by BI drivers, DBeaver's
JDBC driver, Metabase...) refuse that file ("Trying to read a database file with version number 69").
:func:`convert_storage` rewrites a built file in an older storage version with::

    ATTACH 'new' AS dst (STORAGE_VERSION 'v1.1.0');
    COPY FROM DATABASE src TO dst;

which copies schemas, tables, views, macros and sequences with their comments (dbt ``persist_docs``);
any table, view or column comment the copy lost is re-applied from the source catalog, and the copy is
checked (every table's row count, every comment) before it is used.

The target version is a setting: ``--storage-version`` on ``agglo build``/``agglo run``, else the
environment variable ``AGGLO_STORAGE_VERSION``, else :data:`DEFAULT_STORAGE_VERSION` (``v1.1.0``:
readable by DuckDB >= 1.1). ``latest`` skips the conversion (DuckDB >= 2.0 clients only). A file
written in an older version keeps that version when DuckDB 2.0 later writes into it (``agglo analyze``
appending to the ``results`` schema), so one conversion at publish time is enough.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import AggloError

DEFAULT_STORAGE_VERSION = "v1.1.0"
"""Readable by DuckDB >= 1.1 (storage format 64), the oldest engine still common in BI drivers."""

STORAGE_VERSION_ENV = "AGGLO_STORAGE_VERSION"
LATEST = "latest"
_VERSION_RE = re.compile(r"^v\d+\.\d+\.\d+$")


def resolve_storage_version(value: str | None = None) -> str:
    """The storage version to publish in: ``value``, else ``$AGGLO_STORAGE_VERSION``, else ``v1.1.0``.

    Raises
    ------
    AggloError
        When the value is neither ``latest`` nor a DuckDB version like ``v1.1.0``.
    """
    source = "--storage-version"
    if value is None or not str(value).strip():
        value, source = os.environ.get(STORAGE_VERSION_ENV, "").strip(), STORAGE_VERSION_ENV
    if not value:
        return DEFAULT_STORAGE_VERSION
    value = str(value).strip()
    if value.lower() == LATEST:
        return LATEST
    if not value.startswith("v"):
        value = "v" + value
    if not _VERSION_RE.match(value):
        raise AggloError(f"{source}={value!r} is not a storage version: use a DuckDB version such as "
                         f"{DEFAULT_STORAGE_VERSION} (the oldest DuckDB that must read the warehouse) "
                         f"or '{LATEST}'")
    return value


@dataclass(frozen=True)
class Conversion:
    """What :func:`convert_storage` did: target version, seconds, objects copied, comments re-applied."""

    storage_version: str
    seconds: float
    tables: int
    views: int
    comments: int
    comments_reapplied: int


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def catalog_comments(con, db: str) -> dict[tuple[str, str, str, str], str]:
    """``(kind, schema, object, column) -> comment`` of every table, view and column of ``db``."""
    out: dict[tuple[str, str, str, str], str] = {}
    for schema, name, comment in con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "where database_name = ? and comment is not null", [db]).fetchall():
        out[("TABLE", schema, name, "")] = comment
    for schema, name, comment in con.execute(
            "select schema_name, view_name, comment from duckdb_views() "
            "where database_name = ? and not internal and comment is not null", [db]).fetchall():
        out[("VIEW", schema, name, "")] = comment
    for schema, name, column, comment in con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            "where database_name = ? and comment is not null", [db]).fetchall():
        out[("COLUMN", schema, name, column)] = comment
    return out


def _catalog(con, db: str) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    tables = {(s, t): 0 for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [db]).fetchall()}
    for s, t in tables:
        tables[(s, t)] = con.execute(f"select count(*) from {_q(db)}.{_q(s)}.{_q(t)}").fetchone()[0]
    views = set(con.execute("select schema_name, view_name from duckdb_views() "
                            "where database_name = ? and not internal", [db]).fetchall())
    return tables, views


def reapply_comments(con, db: str, comments: dict[tuple[str, str, str, str], str]) -> None:
    """``COMMENT ON`` every ``(kind, schema, object, column) -> comment`` in database ``db``."""
    for (kind, schema, name, column), comment in comments.items():
        target = f"{_q(db)}.{_q(schema)}.{_q(name)}" + (f".{_q(column)}" if column else "")
        con.execute(f"comment on {kind} {target} is {_lit(comment)}")


def file_storage_version(path: Path) -> str:
    """The oldest DuckDB that reads ``path``, as DuckDB reports it (e.g. ``v1.0.0+``, ``v2.0.0+``)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach {_lit(str(path))} as f (read_only)")
        tags = con.execute("select tags from duckdb_databases() where database_name = 'f'").fetchone()[0]
        return str(dict(tags).get("storage_version", "unknown"))
    finally:
        con.close()


def convert_storage(src: Path, dst: Path, storage_version: str = DEFAULT_STORAGE_VERSION) -> Conversion:
    """Copy the DuckDB file ``src`` into a new file ``dst`` written in ``storage_version``.

    Parameters
    ----------
    src : Path
        The built warehouse (opened read-only; not changed).
    dst : Path
        The new file (must not exist); removed again when the conversion fails.
    storage_version : str
        A DuckDB version such as ``v1.1.0``; ``latest`` writes the newest format.

    Returns
    -------
    Conversion
        The version, the time taken and what was copied.

    Raises
    ------
    AggloError
        When the copy fails or differs from ``src`` (row counts, views, comments).

    Examples
    --------
    >>> convert_storage(Path("warehouse/.agglo.building.duckdb"), Path("/tmp/agglo_v11.duckdb"))  # doctest: +SKIP
    Conversion(storage_version='v1.1.0', seconds=1.2, tables=60, views=25, comments=900, comments_reapplied=0)
    """
    import duckdb

    src, dst = Path(src), Path(dst)
    if dst.exists():
        raise AggloError(f"{dst} exists already; remove it before converting {src} into it")
    t0 = time.perf_counter()
    con = duckdb.connect()
    try:
        con.execute(f"attach {_lit(str(src))} as src (read_only)")
        con.execute(f"attach {_lit(str(dst))} as dst (storage_version {_lit(storage_version)})")
        con.execute("copy from database src to dst")
        want = catalog_comments(con, "src")
        have = catalog_comments(con, "dst")
        missing = {k: v for k, v in want.items() if have.get(k) != v}
        reapply_comments(con, "dst", missing)
        src_tables, src_views = _catalog(con, "src")
        dst_tables, dst_views = _catalog(con, "dst")
        lost = catalog_comments(con, "dst") != want
        if src_tables != dst_tables or src_views != dst_views or lost:
            diff = sorted({f"{s}.{t}" for s, t in set(src_tables.items()) ^ set(dst_tables.items())}
                          | {f"{s}.{t}" for s, t in src_views ^ dst_views})
            raise AggloError(f"converting {src} to storage version {storage_version}: the copy differs "
                             f"from the built file ({', '.join(map(str, diff[:10])) or 'comments'}); "
                             f"nothing was published. Publish in the newest format with "
                             f"--storage-version latest and report this")
        con.execute("detach dst")
    except duckdb.Error as exc:
        con.close()
        for p in (dst, dst.with_name(dst.name + ".wal")):
            p.unlink(missing_ok=True)
        raise AggloError(f"converting {src} to storage version {storage_version} failed: {exc}; nothing "
                         f"was published (--storage-version latest skips the conversion)") from None
    except BaseException:
        con.close()
        for p in (dst, dst.with_name(dst.name + ".wal")):
            p.unlink(missing_ok=True)
        raise
    con.close()
    return Conversion(storage_version=storage_version, seconds=time.perf_counter() - t0,
                      tables=len(src_tables), views=len(src_views), comments=len(want),
                      comments_reapplied=len(missing))

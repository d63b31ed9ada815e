"""The Parquet export of the marts: ``OUT/<mart>.parquet``, written by either engine, read by either.

``agglo build --engine duckdb|spark --export OUT`` leaves one ``<mart>.parquet`` per mart (the table
models under ``warehouse/models/marts/``) in ``OUT``, plus ``_export.json`` (engine, raw directory,
time, the marts and their row counts):

- DuckDB writes one file per mart (:func:`export_duckdb`, from the published warehouse file);
- Spark writes a folder of part files with that name (the dbt on-run-end hook
  ``export_marts``, run by :func:`analysis.warehouse.spark.build_spark`).

Both are read the same way (:func:`read_parquet`), so the studies (``data: {parquet: ...}`` or
``agglo estimate/analyze --marts OUT``) and the comparison test read marts from either engine.

An export is written into a staging folder next to ``OUT`` and moved into ``OUT`` only when the
build, its dbt tests and its checks have passed (:func:`staging_dir`, :func:`finalize_export`):
a failed build leaves ``OUT`` as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.errors import AggloError

ENGINES = ("duckdb", "spark")
MANIFEST = "_export.json"
_MART = re.compile(r"^(dim|fct)_[a-z0-9_]+$")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def parquet_glob(path: Path) -> str:
    """What DuckDB reads for one exported mart: the file, or every part file of Spark's folder."""
    return str(path / "*.parquet") if path.is_dir() else str(path)


def read_parquet(path: str | Path) -> pd.DataFrame:
    """Read one exported mart (a Parquet file, or a folder of Parquet part files) into a data frame.

    Raises
    ------
    AggloError
        When the path does not exist or is not Parquet.
    """
    import duckdb

    p = Path(path)
    if not p.exists():
        raise AggloError(f"{p}: Parquet export not found (write one with "
                         "`agglo build --export DIR`, docs/spark.md)")
    con = duckdb.connect(":memory:")
    try:
        return con.execute("select * from read_parquet(?)", [parquet_glob(p)]).df()
    except duckdb.Error as exc:
        raise AggloError(f"{p}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()


def read_mart(marts_dir: str | Path, name: str) -> pd.DataFrame:
    """Read mart ``name`` from an export directory (``<marts_dir>/<name>.parquet``)."""
    if not _MART.match(name):
        raise AggloError(f"{name!r} is not a mart name (dim_* or fct_*)")
    path = Path(marts_dir) / f"{name}.parquet"
    if not path.exists():
        have = ", ".join(list_marts(marts_dir)) or "none"
        raise AggloError(f"mart {name!r} is not in the export {marts_dir} (marts there: {have})")
    return read_parquet(path)


def list_marts(marts_dir: str | Path) -> list[str]:
    """Names of the marts in an export directory (sorted)."""
    d = Path(marts_dir)
    if not d.is_dir():
        return []
    return sorted(p.name.removesuffix(".parquet") for p in d.glob("*.parquet")
                  if _MART.match(p.name.removesuffix(".parquet")))


def duckdb_marts(con) -> list[str]:  # noqa: ANN001 - a duckdb connection
    """The marts of a DuckDB warehouse: base tables ``dim_*`` / ``fct_*`` of schema ``main``."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name").fetchall()
    return [r[0] for r in rows if _MART.match(r[0])]


def export_duckdb(warehouse: Path, out: Path) -> list[str]:
    """Write every mart of the DuckDB file ``warehouse`` as ``out/<mart>.parquet``; return the marts."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = duckdb_marts(con)
        for name in marts:
            con.execute(f'copy (select * from main."{name}") to {_sql_text(str(out / f"{name}.parquet"))} '
                        "(format parquet)")
    finally:
        con.close()
    return marts


def parquet_to_duckdb(marts_dir: Path, db_path: Path | None, *, con=None) -> list[str]:  # noqa: ANN001
    """Make every exported mart a table of the DuckDB file ``db_path``, or a view of ``con``.

    Tables go to schema main (the checks read them there); with an open connection ``con`` (e.g.
    in-memory) views over the Parquet files are made instead. Returns the marts.
    """
    import duckdb

    marts = list_marts(marts_dir)
    own = con is None
    con = duckdb.connect(str(db_path)) if own else con
    kind = "table" if own else "view"
    try:
        for name in marts:
            glob = _sql_text(parquet_glob(marts_dir / f"{name}.parquet"))
            con.execute(f'create or replace {kind} main."{name}" as select * from read_parquet({glob})')
    finally:
        if own:
            con.close()
    return marts


def row_counts(marts_dir: Path) -> dict[str, int]:
    """Rows of every exported mart."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        return {name: int(con.execute("select count(*) from read_parquet(?)",
                                      [parquet_glob(marts_dir / f"{name}.parquet")]).fetchone()[0])
                for name in list_marts(marts_dir)}
    finally:
        con.close()


def staging_dir(out: Path) -> Path:
    """A fresh, empty folder next to ``out`` that an export is written into before it is final."""
    stage = out.parent / f".{out.name}.exporting-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    return stage


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def finalize_export(stage: Path, out: Path, *, engine: str, raw_dir: Path,
                    extra: Iterable[str] = ()) -> dict[str, int]:
    """Move a passed export from ``stage`` into ``out`` and write ``out/_export.json``.

    Each ``<mart>.parquet`` of ``out`` (file or Spark folder) is replaced by the new one, as are the
    entries named in ``extra`` (e.g. the checks' data docs); other files in ``out`` are left alone.
    Marts that were in ``out`` but are not in the new export are removed, so ``out`` holds exactly
    one build's marts. Returns the row count of every mart.
    """
    marts = list_marts(stage)
    if not marts:
        raise AggloError(f"the build exported no mart into {stage}; nothing was written to {out}")
    counts = row_counts(stage)
    out.mkdir(parents=True, exist_ok=True)
    for old in list_marts(out):
        if old not in marts:
            _remove(out / f"{old}.parquet")
    for name in [f"{m}.parquet" for m in marts] + [e for e in extra if (stage / e).exists()]:
        _remove(out / name)
        os.replace(stage / name, out / name)
    manifest = {
        "engine": engine,
        "raw_dir": str(raw_dir),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "marts": counts,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(stage, ignore_errors=True)
    return counts

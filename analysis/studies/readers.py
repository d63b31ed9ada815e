"""Readers of study data: panel CSVs, warehouse tables (read-only) and Parquet mart exports.

Panel CSVs may start with ``#`` comment lines; Parquet exports come from ``agglo build --export``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.errors import SpecError

__all__ = ["read_csv_panel", "read_parquet_panel", "read_table"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def read_csv_panel(path: str | Path, *, string_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a panel CSV, skipping leading ``#`` comment lines; ``string_columns`` stay text."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"data file {str(p)!r} not found")
    skip = 0
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                skip += 1
            else:
                break
    try:
        df = pd.read_csv(p, skiprows=skip, dtype={c: str for c in string_columns})
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SpecError(f"data file {str(p)!r}: cannot read CSV: {exc}") from None
    return df


def read_parquet_panel(path: str | Path, *, mart: str | None = None) -> pd.DataFrame:
    """Read a Parquet mart export (a file or Spark's folder of parts; ``agglo build --export``).

    With ``mart``, ``path`` is an export directory and ``<path>/<mart>.parquet`` is read.
    """
    from analysis.errors import AggloError
    from analysis.warehouse.export import read_mart, read_parquet

    try:
        return read_mart(path, mart) if mart is not None else read_parquet(path)
    except AggloError as exc:
        raise SpecError(str(exc)) from None


def read_table(warehouse: str | Path, table: str) -> pd.DataFrame:
    """Read a whole table or view from a DuckDB warehouse file (read-only).

    When ``warehouse`` is a directory, it is a Parquet export (``agglo estimate --marts DIR``) and
    the mart ``<warehouse>/<table>.parquet`` is read.
    """
    import duckdb

    if not _IDENT.match(table):
        raise SpecError(f"data table {table!r} is not a valid table name")
    wh = Path(warehouse)
    if wh.is_dir():
        return read_parquet_panel(wh, mart=table)
    if not wh.is_file():
        raise SpecError(
            f"warehouse {str(wh)!r} not found (build it with `agglo build`, or pass --data CSV)"
        )
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(f"select * from {table}").df()
    except duckdb.CatalogException:
        raise SpecError(f"table {table!r} not found in warehouse {str(wh)!r}") from None
    finally:
        con.close()

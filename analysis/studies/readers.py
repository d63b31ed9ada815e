"""Readers of study data: panel CSVs (with leading ``#`` comment lines) and warehouse tables (read-only)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.errors import SpecError

__all__ = ["read_csv_panel", "read_table"]

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


def read_table(warehouse: str | Path, table: str) -> pd.DataFrame:
    """Read a whole table or view from a DuckDB warehouse file (read-only)."""
    import duckdb

    if not _IDENT.match(table):
        raise SpecError(f"data table {table!r} is not a valid table name")
    wh = Path(warehouse)
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

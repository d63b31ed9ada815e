"""What the report reads from the warehouse besides study tables: catalog, header facts, GE verdict.

:func:`connect` opens the warehouse read-only; :func:`catalog` lists its tables and columns;
:func:`collect_header` gathers what the report header says about the data (raw directory, synthetic
flag and its evidence, mart row counts and years, the latest analysis run, the data-check verdict).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT
from analysis.studies.store import latest_run

SYNTHETIC_MARKER = "SYNTHETIC DEMO DATA"


class ReportError(AggloError):
    """The report cannot be written (message names the warehouse, table or column).

    A :class:`analysis.errors.AggloError`, so ``agglo report`` prints it without a traceback (exit code 2).
    """


@dataclass
class Header:
    """What the report header says about the data."""

    warehouse: str
    built_at: str
    raw_dir: str
    is_synthetic: bool
    synthetic_evidence: str
    marts: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] | None = None
    checks: dict[str, Any] | None = None
    checks_link: str | None = None
    generated_at: str = ""


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open ``warehouse`` read-only (:class:`ReportError` when it is missing or cannot be opened)."""
    if not warehouse.exists():
        raise ReportError(f"warehouse {warehouse} does not exist: run `agglo build` (or `agglo run`) first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open warehouse {warehouse} read-only: {exc}") from exc


def catalog(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """``{"schema.table": [columns]}`` of every base table and view."""
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for schema, table, column in rows:
        out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run ``sql`` with ``params`` and return a DataFrame."""
    return con.execute(sql, list(params)).df()


SOURCE_MARTS = ("fct_province_indicator_values", "fct_county_indicator_values", "fct_county_industry_years")


def _synthetic(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], raw_dir: Path | None,
    run: Mapping[str, Any] | None,
) -> tuple[bool, str]:
    """Whether the data are synthetic, and the evidence.

    Synthetic when ANY of: the first line of a raw CSV says SYNTHETIC DEMO DATA; results.runs says
    ``is_synthetic``; a ``source`` value of the long marts mentions "synthetic".
    """
    if raw_dir is not None and raw_dir.is_dir():
        for f in sorted(raw_dir.glob("*.csv")):
            with f.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
            if SYNTHETIC_MARKER in first.upper():
                return True, f"first line of {f.name}: {first.strip()[:120]}"
    if run is not None and run.get("is_synthetic"):
        return True, "results.runs.is_synthetic = true"
    for table in SOURCE_MARTS:
        if "source" in tables.get(f"main.{table}", []):
            hit = con.execute(f"select source from main.{table} where source ilike '%synthetic%' limit 1").fetchone()
            if hit:
                return True, f"source column of {table}: {hit[0]!r}"
    return False, "no synthetic-data marker in the raw files, results.runs or the marts' source columns"


def _mart_counts(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    out = []
    for name, cols in tables.items():
        schema, table = name.split(".", 1)
        if schema != "main" or not table.startswith(("fct_", "dim_")):
            continue
        sel = "count(*)" + (", min(year), max(year)" if "year" in cols else "")
        row = con.execute(f'select {sel} from main."{table}"').fetchone()
        assert row is not None
        years = f"{row[1]}–{row[2]}" if len(row) > 1 and row[1] is not None else ""
        out.append({"table": table, "rows": int(row[0]), "years": years})
    return out


def _checks_summary(out_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The GE verdict written by analysis/checks/checkpoint.py (docs/data_contract.md, "Report inputs")."""
    docs = out_dir / "data_docs"
    summary = docs / "summary.json"
    link = None
    if summary.exists():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return {"success": None, "error": f"cannot read {summary}: {exc}"}, None
        index = data.get("data_docs_index")
        if index and (docs / index).exists():
            link = f"data_docs/{index}"
    else:
        data = None
    if link is None:
        found = sorted(docs.rglob("index.html")) if docs.is_dir() else []
        if found:
            link = found[0].relative_to(out_dir).as_posix()
    return data, link


def _checks_apply(checks: Mapping[str, Any], warehouse: Path) -> bool:
    """Whether the GE summary was written for ``warehouse`` (or for the build file it was published from)."""
    from analysis.warehouse.publish import building_path

    checked = checks.get("warehouse")
    if not checked:
        return False
    checked_path = Path(str(checked)).expanduser().resolve()
    wh = warehouse.expanduser().resolve()
    return checked_path in (wh, building_path(wh).resolve())


def collect_header(
    con: duckdb.DuckDBPyConnection, warehouse: Path, out_dir: Path, tables: Mapping[str, list[str]]
) -> Header:
    """Gather the header facts: data used, counts, years, synthetic flag, build time, GE verdict."""
    run = latest_run(con)
    checks, link = _checks_summary(out_dir)
    if checks is not None and not _checks_apply(checks, warehouse):
        checks = {"success": None, "error": f"reports/data_docs/summary.json is for another warehouse "
                                             f"({checks.get('warehouse')}); run `agglo check` on this one"}
        link = None
    raw = (run.get("raw_dir") if run else None) or (checks.get("raw_dir") if checks else None)
    raw_dir = Path(str(raw)) if raw else None
    if raw_dir is not None and not raw_dir.is_absolute():
        raw_dir = PROJECT_ROOT / raw_dir
    is_syn, evidence = _synthetic(con, tables, raw_dir, run)
    built = dt.datetime.fromtimestamp(warehouse.stat().st_mtime, tz=dt.UTC)
    return Header(
        warehouse=str(warehouse),
        built_at=built.strftime("%Y-%m-%d %H:%M:%S UTC"),
        raw_dir=str(raw_dir) if raw_dir else "unknown (recorded neither in results.runs nor by the data checks)",
        is_synthetic=is_syn,
        synthetic_evidence=evidence,
        marts=_mart_counts(con, tables),
        run=run,
        checks=checks,
        checks_link=link,
        generated_at=dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )




def need(tables: Mapping[str, list[str]], table: str, columns: Sequence[str]) -> None:
    """Raise :class:`ReportError` unless mart ``table`` exists with ``columns``."""
    have = tables.get(f"main.{table}")
    if have is None:
        raise ReportError(f"mart {table} is not in the warehouse")
    missing = [c for c in columns if c not in have]
    if missing:
        raise ReportError(f"mart {table} lacks column(s) {missing}")

"""Compare two ``agglo run`` outputs: marts, the results schema, reports/tables and the report's numbers.

Used to show that a refactor keeps behaviour identical (issue 14)::

    .venv/bin/python bench/compare_runs.py BEFORE.duckdb BEFORE_REPORTS/ AFTER.duckdb AFTER_REPORTS/

Prints one line per compared object and a summary; exits 1 when anything differs beyond the
tolerance (floats compared to 1e-9 relative; run ids, timestamps, durations and file paths ignored).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import duckdb

# Columns that legitimately differ between two runs (ids, clocks, paths, package version).
VOLATILE = re.compile(r"(^run_id$|_at$|^started|^finished|seconds|duration|elapsed|^raw_dir$|^warehouse$|"
                      r"^published|^path$|^version$|^agglo_version$)")


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute("""
        select table_schema || '.' || table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_schema in ('main', 'results') group by all order by 1""").fetchall()
    return {name: cols for name, cols in rows}


def _equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def compare_db(before: Path, after: Path) -> list[str]:
    """Differences between the marts and results of two warehouse files."""
    problems: list[str] = []
    a = duckdb.connect(str(before), read_only=True)
    b = duckdb.connect(str(after), read_only=True)
    ta, tb = _tables(a), _tables(b)
    for name in sorted(set(ta) | set(tb)):
        if name not in ta or name not in tb:
            problems.append(f"{name}: only in {'after' if name in tb else 'before'}")
            continue
        if ta[name] != tb[name]:
            problems.append(f"{name}: columns differ: {ta[name]} vs {tb[name]}")
            continue
        cols = [c for c in ta[name] if not VOLATILE.search(c)]
        sel = ", ".join(f'"{c}"' for c in cols)
        order = ", ".join(str(i + 1) for i in range(len(cols)))
        ra = a.execute(f"select {sel} from {name} order by {order}").fetchall()
        rb = b.execute(f"select {sel} from {name} order by {order}").fetchall()
        if len(ra) != len(rb):
            problems.append(f"{name}: {len(ra)} rows before, {len(rb)} after")
            continue
        bad = sum(1 for x, y in zip(ra, rb, strict=True) if not all(map(_equal, x, y)))
        status = "same" if not bad else f"{bad} rows differ"
        print(f"{name:60s} {len(ra):7d} rows  {status}")
        if bad:
            problems.append(f"{name}: {bad} of {len(ra)} rows differ")
    return problems


def compare_tables(before: Path, after: Path) -> list[str]:
    """Differences between the files of two reports/tables folders (byte comparison)."""
    problems: list[str] = []
    fa = {p.name for p in before.glob("*") if p.is_file()}
    fb = {p.name for p in after.glob("*") if p.is_file()}
    for name in sorted(fa | fb):
        if name not in fa or name not in fb:
            problems.append(f"tables/{name}: only in {'after' if name in fb else 'before'}")
        elif (before / name).read_bytes() != (after / name).read_bytes():
            problems.append(f"tables/{name}: content differs")
    print(f"reports/tables: {len(fa)} files before, {len(fb)} after, "
          f"{sum(p.startswith('tables/') for p in problems)} differ")
    return problems


NUM = re.compile(r'data-value="([^"]*)"')


def compare_report(before: Path, after: Path) -> list[str]:
    """Differences between the unrounded numbers (``data-value``) of two HTML reports, in order."""
    na = NUM.findall((before / "index.html").read_text(encoding="utf-8"))
    nb = NUM.findall((after / "index.html").read_text(encoding="utf-8"))
    print(f"report numbers: {len(na)} before, {len(nb)} after")
    if len(na) != len(nb):
        return [f"index.html: {len(na)} number cells before, {len(nb)} after"]
    bad = 0
    for x, y in zip(na, nb, strict=True):
        try:
            same = _equal(float(x), float(y))
        except ValueError:
            same = x == y
        bad += not same
    return [f"index.html: {bad} number cells differ"] if bad else []


def main(argv: list[str] | None = None) -> int:
    """Compare BEFORE and AFTER runs; print differences; exit 1 if any."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before_db", type=Path)
    p.add_argument("before_reports", type=Path)
    p.add_argument("after_db", type=Path)
    p.add_argument("after_reports", type=Path)
    args = p.parse_args(argv)
    problems = compare_db(args.before_db, args.after_db)
    problems += compare_tables(args.before_reports / "tables", args.after_reports / "tables")
    problems += compare_report(args.before_reports, args.after_reports)
    print("\n".join(["", "DIFFERENCES:", *problems]) if problems else "\nno differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

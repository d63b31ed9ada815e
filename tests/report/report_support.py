"""Checks shared by the report tests: every number shown in a study table against the warehouse.

``check_table_numbers`` parses the report HTML, and for every cell of every study table:

- a cell whose text is a number (optionally with stars, parentheses or brackets) must carry its
  provenance (``data-key``: table, key columns, column);
- the test re-queries that value from the warehouse itself (``is not distinct from`` on each key,
  so NULL keys match) and requires exactly one row;
- the unrounded ``data-value`` must equal the warehouse value, and the shown text must be that value
  rounded: with k decimals in fixed notation |shown - value| <= 0.5 * 10^-k; in scientific notation
  the same on the mantissa's last digit;
- stars must match the p-value of the same row (results.estimates.p_value for coefficients,
  results.moran.p_normal for Moran's I; *** < 0.01, ** < 0.05, * < 0.1) and appear nowhere else.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import duckdb
from bs4 import BeautifulSoup

#: Values shown with significance stars, and the column of the same row holding their p-value.
STARRED = {
    ("results.estimates", "estimate"): "p_value",
    ("results.moran", "moran_i"): "p_normal",
}
NUMBER = re.compile(r"^[\(\[]?(?P<num>-?\d+(?:\.(?P<dec>\d+))?(?:e(?P<exp>[+-]\d+))?)(?P<stars>\**)[\)\]]?$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class NumberCheck:
    """How many cells were checked, and the problems found."""

    n_cells: int
    problems: list[str]


def _query(con: duckdb.DuckDBPyConnection, key: dict) -> list[tuple]:
    schema_table = key["table"]
    schema, table = schema_table.split(".")
    assert _IDENT.match(schema) and _IDENT.match(table) and _IDENT.match(key["column"]), key
    conds, params = [], []
    for col, val in key["where"].items():
        assert _IDENT.match(col), col
        conds.append(f'"{col}" is not distinct from ?')
        params.append(val)
    sql = f'select "{key["column"]}" from {schema}."{table}"' + (" where " + " and ".join(conds) if conds else "")
    return con.execute(sql, params).fetchall()


def _tolerance(m: re.Match) -> float:
    dec = len(m.group("dec") or "")
    if m.group("exp"):
        return 0.5 * 10.0 ** (int(m.group("exp")) - dec)
    return 0.5 * 10.0 ** (-dec)


def expected_stars(p: float | None) -> str:
    """Stars by the documented thresholds (independent of analysis.report.writer.stars)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    if p < 0.01:
        return "***"
    if p < 0.05:
        return "**"
    if p < 0.1:
        return "*"
    return ""


def check_table_numbers(html: str, con: duckdb.DuckDBPyConnection) -> NumberCheck:
    """Check every number of every study table in ``html`` against the warehouse ``con``."""
    soup = BeautifulSoup(html, "html.parser")
    problems: list[str] = []
    n = 0
    for table in soup.select("table.study-table"):
        tid = table.get("id")
        for td in table.select("tbody td"):
            text = td.get_text(strip=True)
            if not text:
                continue
            m = NUMBER.match(text)
            if m is None:
                continue
            n += 1
            if not td.has_attr("data-key"):
                problems.append(f"{tid}: number {text!r} without provenance")
                continue
            key = json.loads(td["data-key"])
            rows = _query(con, key)
            if len(rows) != 1:
                problems.append(f"{tid}: {key} matches {len(rows)} rows")
                continue
            value = rows[0][0]
            if value is None:
                problems.append(f"{tid}: {key} is NULL in the warehouse but shown as {text!r}")
                continue
            value = float(value)
            if float(td["data-value"]) != value:
                problems.append(f"{tid}: data-value {td['data-value']} != warehouse {value!r} ({key})")
            shown = float(m.group("num"))
            if abs(shown - value) > _tolerance(m) * (1 + 1e-9) + 1e-15:
                problems.append(f"{tid}: shown {text!r} is not {value!r} rounded ({key})")
            p_col = STARRED.get((key["table"], key["column"]))
            if p_col is not None:
                p = _query(con, {**key, "column": p_col})[0][0]
                if m.group("stars") != expected_stars(p):
                    problems.append(f"{tid}: stars {m.group('stars')!r} but {p_col} = {p} ({key})")
            elif m.group("stars"):
                problems.append(f"{tid}: stars on a value that has no p-value {text!r} ({key})")
    return NumberCheck(n, problems)


def assert_no_external_references(html: str) -> None:
    """No src/href/url()/srcset/@import pointing off the machine (http:, https:, protocol-relative //)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        for attr in ("src", "href", "srcset", "action", "poster", "data", "xlink:href"):
            v = tag.get(attr)
            if v and re.match(r"^\s*(https?:|//|ftp:)", str(v), re.I):
                raise AssertionError(f"<{tag.name} {attr}={v!r}> points off the machine")
    for css in [s.get_text() for s in soup.find_all("style")] + [t.get("style", "") for t in soup.find_all(True)]:
        assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", css, re.I), css
        assert "@import" not in css

"""The row checks of one raw file, run in DuckDB over the table ``raw_text`` of :mod:`raw_reader`.

Columns with few distinct values (division codes and names, years, sector and industry codes,
indicator codes and units) are resolved in Python once per distinct value, with the messages of
:mod:`analysis.warehouse.reference` and :mod:`analysis.warehouse.problems`, and joined back in SQL;
columns with many distinct values (numbers, firm identifiers) are parsed in SQL as the dbt macro
``clean_number`` does (thousands separators and spaces removed, yearbook dashes and ``NA`` missing).
Unknown codes, duplicate keys (after names are resolved), negative and non-numeric values, years
outside the panel, units that do not convert and values outside the catalog's plausible range are SQL
predicates; only the offending rows come back to Python, with their file line numbers (at most
:data:`MAX_ROWS_PER_CHECK` per check; the rest are counted in one further line).

The result is the table ``checked``: ``_line``, the contract columns with codes resolved (an
unresolved code keeps its text), numbers as DOUBLE (NULL when missing or not a number), ``year`` as
INTEGER, indicator values converted into the catalog unit with ``unit_factor``, ``min_plausible`` and
``max_plausible``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from analysis.warehouse.contract import RawFileSpec
from analysis.warehouse.problems import (
    MISSING_TOKENS,
    Problem,
    number_fix,
    parse_number,
    scale_hint,
    unit_fix,
    unknown_code_fix,
    unknown_indicator_fix,
)
from analysis.warehouse.raw_reader import MAX_ROWS_PER_CHECK, more_problem, sql_strip, sql_text
from analysis.warehouse.reference import Reference, resolve_division

INDICATOR_TERMS = ("unit_factor", "min_plausible", "max_plausible")
NON_NEGATIVE_FIX = ("counts, employment and amounts cannot be negative; check the sign and the yearbook "
                    "table, or leave the cell empty if the value is unknown")


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class SqlChecker:
    """Checks of one raw table in DuckDB: builds ``checked`` and lists the problems.

    ``typed`` holds per row only what the checks need (resolved values, numbers, rule flags); the
    text shown in a message comes from ``raw_text`` for the offending rows only.
    """

    def __init__(self, con: Any, spec: RawFileSpec, ref: Reference) -> None:
        self.con, self.spec, self.ref = con, spec, ref
        self.problems: list[Problem] = []
        self.select: list[str] = ["r._line"]  # columns of the table `typed`
        self.joins: list[str] = []
        # (condition on typed_ok, column, rule, raw columns fetched, describe(raw values) -> (shown, fix))
        self.checks: list[tuple[str, str, str, list[str], Callable[..., tuple[str, str]]]] = []
        self.blocking: list[str] = []  # conditions that exclude a row from the duplicate check

    # ---------------------------------------------------------------- distinct-value mappings

    def _mapping(self, name: str, cols: list[str], func: Callable[..., tuple[Any, ...]],
                 out: list[str]) -> dict[tuple[str, ...], tuple[Any, ...]]:
        """Register ``func`` applied to every distinct value (tuple) of ``cols`` as table ``name``."""
        distinct = self.con.execute(
            f"select distinct {', '.join(q(c) for c in cols)} from raw_text").fetchall()
        result = {tuple(v or "" for v in values): func(*(v or "" for v in values)) for values in distinct}
        frame = pd.DataFrame([(*k, *v) for k, v in result.items()], columns=[f"raw_{c}" for c in cols] + out,
                             dtype=object)
        self.con.register(f"{name}_df", frame)
        casts = ", ".join(f"cast(raw_{c} as varchar) as raw_{c}" for c in cols)
        self.con.execute(f"create or replace temp table {name} as select {casts}, * exclude "
                         f"({', '.join(f'raw_{c}' for c in cols)}) from {name}_df")
        self.con.unregister(f"{name}_df")
        on = " and ".join(f"coalesce(r.{q(c)}, '') = {name}.raw_{c}" for c in cols)
        self.joins.append(f"left join {name} on {on}")
        return result

    def division(self, col: str, level: str) -> None:
        """Resolve codes and names through the alias seed."""
        def resolve(value: str) -> tuple[Any, ...]:
            text = value.strip()
            if not text:
                return text, "not_null", text, f"every row needs its {level} (code or name)"
            code, fix = resolve_division(text, level, self.ref)
            return code or text, None if code else "known_code", text, fix
        found = self._mapping(f"map_{col}", [col], resolve, ["value", "rule", "shown", "fix"])
        m = f"map_{col}"
        self.select += [f"{m}.value as {q(col)}", f"{m}.rule as {q('_rule_' + col)}"]
        for rule in ("not_null", "known_code"):
            self.checks.append((f"{q('_rule_' + col)} = '{rule}'", col, rule, [col],
                                lambda raw, f=found: f[(raw or "",)][2:4]))
        self.blocking.append(f"{q('_rule_' + col)} is not null")

    def year(self) -> None:
        """Integer years inside the panel of dbt_project.yml."""
        first, last = self.ref.years[self.spec.panel]

        def parse(value: str) -> tuple[Any, ...]:
            n = parse_number(value.strip())
            year = int(n) if n is not None and n == int(n) else None
            rule = "integer_year" if year is None else None if first <= year <= last else "year_in_panel"
            return year, rule
        self._mapping("map_year", ["year"], parse, ["year", "rule"])
        self.select += ["cast(map_year.year as integer) as year", "map_year.rule as _rule_year"]
        fixes = {"integer_year": "write the year as four digits, e.g. 2015",
                 "year_in_panel": f"the {self.spec.panel} panel covers {first}-{last}; drop the row or change the "
                                  f"vars {self.spec.panel}_first_year/{self.spec.panel}_last_year in dbt_project.yml"}
        for rule, fix in fixes.items():
            self.checks.append((f"_rule_year = '{rule}'", "year", rule, ["year"],
                                lambda raw, fix=fix: ((raw or "").strip(), fix)))
        self.blocking.append("_rule_year is not null")

    def lookup(self, col: str, kind: str) -> None:
        """Sector / industry codes known to the seeds."""
        if kind == "industries4":
            known = self.ref.codes["industries"]
            fix4 = ("write a CIC 4-digit industry code whose first two digits are a manufacturing "
                    "division 13-43 (warehouse/seeds/cic_divisions.csv)")

            def check(value: str) -> tuple[Any, ...]:
                text = value.strip()
                ok = bool(re.fullmatch(r"\d{4}", text)) and text[:2] in known
                return text, None if ok else "known_code", fix4
        else:
            known = self.ref.codes[kind]

            def check(value: str) -> tuple[Any, ...]:
                text = value.strip().upper() if kind == "sectors" else value.strip()
                ok = text in known
                return text, None if ok else "known_code", "" if ok else unknown_code_fix(text, kind, known)
        found = self._mapping(f"map_{col}", [col], check, ["value", "rule", "fix"])
        m = f"map_{col}"
        self.select += [f"{m}.value as {q(col)}", f"{m}.rule as {q('_rule_' + col)}"]
        self.checks.append((f"{q('_rule_' + col)} is not null", col, "known_code", [col],
                            lambda raw, f=found: (f[(raw or "",)][0], f[(raw or "",)][2])))
        self.blocking.append(f"{q('_rule_' + col)} is not null")

    def indicator(self, level: str) -> None:
        """Indicator codes in the catalog, units that convert (the range check runs on ``typed_ok``)."""
        known_codes = sorted(c for lv, c in self.ref.indicators if lv == level)

        def terms(code_raw: str, unit_raw: str) -> tuple[Any, ...]:
            code, given = code_raw.strip().lower(), unit_raw.strip().lower()
            entry = self.ref.indicators.get((level, code))
            if entry is None:
                return code, given, "known_code", None, None, None, unknown_indicator_fix(code, level, known_codes)
            unit, lo, hi = entry
            # An empty unit means the catalog unit (as in the int_*_indicators_cleaned models).
            factor = 1.0 if given in ("", unit) else self.ref.conversions.get((given, unit))
            rule = None if factor is not None else "unit_mismatch"
            return code, given, rule, factor, lo, hi, unit_fix(code, given, unit) if rule else ""
        found = self._mapping("map_indicator", ["indicator_code", "unit"], terms,
                              ["code", "given", "rule", *INDICATOR_TERMS, "fix"])
        m = "map_indicator"
        self.select += [f"{m}.code as indicator_code", f"{m}.given as unit", f"{m}.rule as _rule_indicator"]
        self.select += [f"cast({m}.{t} as double) as {t}" for t in INDICATOR_TERMS]
        describe = {"indicator_code": lambda c, u: (found[(c or "", u or "")][0], found[(c or "", u or "")][-1]),
                    "unit": lambda c, u: (found[(c or "", u or "")][1], found[(c or "", u or "")][-1])}
        self.checks.append(("_rule_indicator = 'known_code'", "indicator_code", "known_code",
                            ["indicator_code", "unit"], describe["indicator_code"]))
        self.checks.append(("_rule_indicator = 'unit_mismatch'", "unit", "unit_mismatch",
                            ["indicator_code", "unit"], describe["unit"]))
        self.blocking.append("_rule_indicator = 'known_code'")

    # ---------------------------------------------------------------- columns parsed in SQL

    def not_null(self, col: str) -> None:
        """Free text that must not be empty (``firm_id``)."""
        self.select.append(f"nullif({sql_strip('r.' + q(col))}, '') as {q(col)}")
        self.checks.append((f"{q(col)} is null", col, "not_null", [col],
                            lambda raw: ((raw or "").strip(), "give every firm an identifier")))
        self.blocking.append(f"{q(col)} is null")

    def number(self, col: str) -> None:
        """Numbers (missing tokens allowed), non-negative and integer where the contract says so.

        A value DuckDB casts to a finite double as it is takes the fast path; the rest are stripped,
        checked for missing tokens and cast again without thousands separators and spaces.
        """
        raw = f"r.{q(col)}"
        fast = f"try_cast({raw} as double)"
        text = sql_strip(raw)
        tokens = ", ".join(sql_text(t) for t in sorted(MISSING_TOKENS))
        missing = f"lower({text}) in ({tokens})"
        parsed = f"try_cast(replace(replace({text}, ',', ''), ' ', '') as double)"
        self.select.append(f"case when isfinite({fast}) then {fast} when {missing} or not isfinite({parsed}) "
                           f"then null else {parsed} end as {q(col)}")
        self.select.append(f"case when isfinite({fast}) then false when {missing} then false "
                           f"else coalesce(not isfinite({parsed}), true) end as {q('_bad_' + col)}")
        shown = lambda raw: ((raw or "").strip(),)  # noqa: E731
        self.checks.append((q("_bad_" + col), col, "numeric", [col], lambda r: (*shown(r), number_fix(r))))
        if col in self.spec.non_negative:
            self.checks.append((f"{q(col)} < 0", col, "non_negative", [col], lambda r: (*shown(r), NON_NEGATIVE_FIX)))
        if col in self.spec.integer:
            self.checks.append((f"{q(col)} % 1 <> 0", col, "integer", [col],
                                lambda r: (*shown(r), "counts are whole numbers")))

    # ---------------------------------------------------------------- run

    def run(self) -> list[Problem]:
        """Build ``checked``; return the problems (in line order)."""
        spec = self.spec
        for col, level in spec.divisions.items():
            self.division(col, level)
        self.year()
        for col, kind in spec.lookups.items():
            self.lookup(col, kind)
        for col in spec.not_null:
            self.not_null(col)
        for col in spec.numeric:
            self.number(col)
        if spec.indicator_level:
            self.indicator(spec.indicator_level)
        done = {s.split(" as ")[-1].strip('"') for s in self.select}
        self.select += [f"r.{q(c)} as {q(c)}" for c in spec.columns if c not in done]
        self.con.execute(f"create or replace temp table typed as select {', '.join(self.select)} "
                         f"from raw_text as r {' '.join(self.joins)}")
        blocked = " or ".join(self.blocking) or "false"
        # indicator values in the catalog unit
        scaled = " replace (value * unit_factor as value)" if spec.indicator_level else ""
        self.con.execute(f"create or replace temp view typed_ok as select *{scaled}, "
                         f"not coalesce({blocked}, false) as _ok from typed")
        for cond, column, rule, raw_cols, describe in self.checks:
            self._flag(cond, column, rule, raw_cols, describe)
        if spec.indicator_level:
            self._range()
        self._duplicates()
        extra = list(INDICATOR_TERMS) if spec.indicator_level else []
        self.con.execute(f"create or replace table checked as select _line, "
                         f"{', '.join(q(c) for c in [*spec.columns, *extra])} from typed_ok")
        self.con.execute("drop view typed_ok")
        for table in ("typed", "raw_text"):
            self.con.execute(f"drop table {table}")
        return sorted(self.problems, key=lambda p: p.line)

    def _offending(self, cond: str, raw_cols: list[str], extra: str = "") -> tuple[int, list[tuple[Any, ...]]]:
        """How many rows of ``typed_ok`` meet ``cond``, and the first of them with their raw text."""
        n = self.con.execute(f"select count(*) from typed_ok where {cond}").fetchone()[0]
        if not n:
            return 0, []
        raw = ", ".join(f"r.{q(c)}" for c in raw_cols)
        rows = self.con.execute(
            f"select t._line, {raw}{extra} from (select * from typed_ok where {cond} order by _line "
            f"limit {MAX_ROWS_PER_CHECK}) as t join raw_text as r on r._line = t._line order by t._line").fetchall()
        return n, rows

    def _flag(self, cond: str, column: str, rule: str, raw_cols: list[str],
              describe: Callable[..., tuple[str, str]]) -> None:
        """Problems for the rows of ``typed_ok`` where ``cond`` holds."""
        n, rows = self._offending(cond, raw_cols)
        for line, *raw in rows:
            shown, fix = describe(*raw)
            self.problems.append(Problem(self.spec.name, int(line), column, rule, str(shown), str(fix)))
        if n > len(rows):
            self.problems.append(more_problem(self.spec.name, int(rows[-1][0]), column, rule, n - len(rows)))

    def _range(self) -> None:
        """Values (in the catalog unit) outside the catalog's plausible range."""
        cond = "value is not null and not (value between min_plausible and max_plausible)"
        n, rows = self._offending(cond, ["value"], ", t.indicator_code, t.unit, t.value")
        level = self.spec.indicator_level or ""
        for line, raw, code, given, value in rows:
            unit, lo, hi = self.ref.indicators[(level, code)]
            raw = (raw or "").strip()
            shown = raw if given in ("", unit) else f"{raw} {given} = {value:g} {unit}"
            self.problems.append(Problem(
                self.spec.name, int(line), "value", "plausible_range", shown,
                f"{code} must lie in [{lo:g}, {hi:g}] {unit} (indicator_catalog.csv "
                f"min_plausible/max_plausible).{scale_hint(float(value), lo, hi)}"))
        if n > len(rows):
            self.problems.append(more_problem(self.spec.name, int(rows[-1][0]), "value", "plausible_range",
                                              n - len(rows)))

    def _duplicates(self) -> None:
        """One row per key (after resolution); later duplicates point at the first line."""
        key = list(self.spec.key)
        cols = ", ".join(q(k) for k in key)
        on = " and ".join(f"t.{q(k)} is not distinct from d.{q(k)}" for k in key)
        self.con.execute(f"create or replace temp table dup_keys as select {cols}, min(_line) as _first "
                         f"from typed_ok where _ok group by {cols} having count(*) > 1")
        dups = (f"from typed_ok as t join dup_keys as d on {on} where t._ok and t._line <> d._first")
        n = self.con.execute(f"select count(*) {dups}").fetchone()[0]
        rows = self.con.execute(f"select t._line, d._first, {', '.join(f't.{q(k)}' for k in key)} {dups} "
                                f"order by t._line limit {MAX_ROWS_PER_CHECK}").fetchall()
        self.con.execute("drop table dup_keys")
        for line, first, *values in rows:
            shown = ", ".join(f"{k}={_show(v)}" for k, v in zip(key, values, strict=True))
            self.problems.append(Problem(
                self.spec.name, int(line), ",".join(key), "unique_key", shown,
                f"the same key is on line {first}; keep one row per {', '.join(key)} "
                "(a duplicated year, or a name and a code of the same division?)"))
        if n > len(rows):
            self.problems.append(more_problem(self.spec.name, int(rows[-1][0]), ",".join(key), "unique_key",
                                              n - len(rows)))


def _show(value: Any) -> str:
    """A key value as the pandas checks printed it (``2005``, not ``2005.0``)."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)

"""The GX raw suites: expectations derived from the raw contract, and large files checked in SQL.

A raw suite file (``expectations/suites/raw_<stem>.yml``) names its contract table under
``meta.contract``; :func:`expand_suite` puts the expectations the contract implies in front of the
suite's own (:func:`contract_expectations`: not empty, codes known to the seeds, years inside the
panel, the key unique, non-negative values, identifiers present), so a column or key changed in
``warehouse/models/staging/_staging__sources.yml`` changes the suite too.

Scale: a raw file of more than ``raw_sample_rows`` rows (a setting of ``expectations/checkpoint.yml``,
default 200,000; e.g. a national ``firms.csv`` of millions of firm-years) is validated by Great
Expectations on a reproducible sample of that many rows (for Data Docs), and every expectation of
its suite is also evaluated exactly, over all rows, in DuckDB SQL (:func:`exact_failures`); the suite
passes only when both do. Smaller files are validated whole by Great Expectations, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from analysis.warehouse.contract import RawFileSpec, raw_file
from analysis.warehouse.raw_validation import INDICATOR_TERMS, CheckedFile

DEFAULT_SAMPLE_ROWS = 200_000
ROWS_SHOWN = 5
CIC4_REGEX = "^(?:1[3-9]|2[0-9]|3[0-9]|4[0-3])[0-9]{2}$"

_LOOKUP_PARAMS = {"sectors": "sector_codes", "industries": "industry_codes"}
_LOOKUP_FIX = {
    "sectors": "use a GB/T 4754-2017 section letter of warehouse/seeds/sectors.csv",
    "industries": "use a CIC 2-digit manufacturing division 13..43 (warehouse/seeds/cic_divisions.csv)",
    "industries4": "write a CIC 4-digit code whose division (first two digits) is 13..43",
}


def _exp(kind: str, kwargs: dict[str, Any], rule: str, fix: str) -> dict[str, Any]:
    return {"type": f"expect_{kind}", "kwargs": kwargs, "meta": {"rule": rule, "fix": fix, "from": "contract"}}


def contract_expectations(spec: RawFileSpec) -> list[dict[str, Any]]:
    """The expectations the raw contract implies for one raw file (GX 1.x suite entries).

    Parameters
    ----------
    spec : RawFileSpec
        The file's contract (:mod:`analysis.warehouse.contract`).

    Returns
    -------
    list of dict
        ``{type, kwargs, meta: {rule, fix, from: contract}}``; values that follow the seeds and
        ``dbt_project.yml`` are ``$PARAMETER`` references (:func:`analysis.checks.suites.suite_parameters`).
    """
    panel = spec.panel
    out = [_exp("table_row_count_to_be_between", {"min_value": 1}, "not_empty",
                "the file has no data rows; export the yearbook table again")]
    for col in spec.not_null:
        out.append(_exp("column_values_to_not_be_null", {"column": col}, "not_null", f"give every row its {col}"))
    for col, level in spec.divisions.items():
        out.append(_exp("column_values_to_not_be_null", {"column": col}, "not_null",
                        f"every row needs its {level} (code or name)"))
        out.append(_exp("column_values_to_be_in_set", {"column": col, "value_set": {"$PARAMETER": f"{level}_codes"}},
                        "known_code", f"use a GB/T 2260 {level} code or a name in warehouse/seeds/division_aliases.csv"))
    out.append(_exp("column_values_to_not_be_null", {"column": "year"}, "integer_year", "write the year as four digits"))
    out.append(_exp("column_values_to_be_between",
                    {"column": "year", "min_value": {"$PARAMETER": f"{panel}_first_year"},
                     "max_value": {"$PARAMETER": f"{panel}_last_year"}}, "year_in_panel",
                    f"years must lie in the {panel} panel (vars {panel}_first_year/{panel}_last_year of "
                    "dbt_project.yml)"))
    for col, kind in spec.lookups.items():
        if kind == "industries4":
            out.append(_exp("column_values_to_match_regex", {"column": col, "regex": CIC4_REGEX}, "known_code",
                            _LOOKUP_FIX[kind]))
        else:
            out.append(_exp("column_values_to_be_in_set",
                            {"column": col, "value_set": {"$PARAMETER": _LOOKUP_PARAMS[kind]}}, "known_code",
                            _LOOKUP_FIX[kind]))
    if spec.indicator_level:
        level = spec.indicator_level
        out.append(_exp("column_values_to_be_in_set",
                        {"column": "indicator_code", "value_set": {"$PARAMETER": f"{level}_indicator_codes"}},
                        "known_code", f"use an indicator_code of level {level} in warehouse/seeds/indicator_catalog.csv"))
    out.append(_exp("compound_columns_to_be_unique", {"column_list": list(spec.key)}, "unique_key",
                    f"keep one row per {', '.join(spec.key)}"))
    for col in spec.non_negative:
        out.append(_exp("column_values_to_be_between", {"column": col, "min_value": 0}, "non_negative",
                        f"{col} cannot be negative; check the sign against the yearbook"))
    return out


def expand_suite(suite: dict[str, Any]) -> dict[str, Any]:
    """A suite with the contract's expectations in front when ``meta.contract`` names a raw file."""
    stem = (suite.get("meta") or {}).get("contract")
    if not stem:
        return suite
    derived = contract_expectations(raw_file(str(stem)))
    return {**suite, "expectations": [*derived, *(suite.get("expectations") or [])]}


def suite_columns(suite: dict[str, Any]) -> set[str]:
    """Every column an expanded suite's expectations name."""
    cols: set[str] = set()
    for e in suite.get("expectations", []):
        kw = e["kwargs"]
        cols |= {kw[k] for k in ("column", "column_A", "column_B") if k in kw}
        cols |= set(kw.get("column_list", ()))
    return cols


def checked_columns(spec: RawFileSpec) -> set[str]:
    """The columns of a checked raw file (what a raw suite may name)."""
    return {"_line", *spec.columns, *(INDICATOR_TERMS if spec.indicator_level else ())}


# --------------------------------------------------------------------------------------------------
# Large raw files: a GX sample plus exact SQL
# --------------------------------------------------------------------------------------------------


@dataclass
class RawSuiteData:
    """The data of one raw suite: the frame GX validates, and the checked file when it is a sample."""

    frame: pd.DataFrame
    checked: CheckedFile | None = None

    @property
    def sampled(self) -> bool:
        """Whether GX sees a sample (and SQL checks the whole file)."""
        return self.checked is not None

    def validate(self, run_gx: Callable[[pd.DataFrame], Any], suite: dict[str, Any], params: dict[str, Any]) -> Any:
        """Run GX on the frame; for a sample, also every expectation in SQL over all rows.

        ``run_gx`` returns a ``SuiteOutcome``; the returned outcome fails when either pass fails and,
        for a sample, lists the exact failures (with file lines) instead of the sample's.
        """
        outcome = run_gx(self.frame)
        if self.checked is None:
            return outcome
        failed, failures = exact_failures(self.checked, suite, params)
        data = (f"{outcome.data} (GX on a sample of {len(self.frame)} of {self.checked.n_rows} rows; "
                "every expectation exact in SQL)")
        return replace(outcome, data=data, success=outcome.success and not failed,
                       n_failed=max(failed, outcome.n_failed), failures=tuple(failures) or outcome.failures)


def raw_suite_data(checked: CheckedFile, sample_rows: int = DEFAULT_SAMPLE_ROWS) -> RawSuiteData:
    """The whole checked frame, or a reproducible sample of ``sample_rows`` rows of a larger file."""
    if checked.n_rows <= sample_rows:
        return RawSuiteData(checked.frame())
    return RawSuiteData(checked.sample(sample_rows), checked)


def _param(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return params[value["$PARAMETER"]]
    return value


def _predicate(kind: str, kw: dict[str, Any], params: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL condition selecting the rows that FAIL one column expectation, with its parameters."""
    col = f'"{kw.get("column", "")}"'
    if kind == "expect_column_values_to_not_be_null":
        return f"{col} is null", []
    if kind == "expect_column_values_to_be_in_set":
        return f"{col} is not null and cast({col} as varchar) not in (select unnest(?::varchar[]))", [
            [str(v) for v in _param(kw["value_set"], params)]]
    if kind == "expect_column_values_to_be_between":
        lo, hi = _param(kw.get("min_value"), params), _param(kw.get("max_value"), params)
        parts = ([f"{col} < {float(lo)!r}"] if lo is not None else []) + (
            [f"{col} > {float(hi)!r}"] if hi is not None else [])
        return f"{col} is not null and ({' or '.join(parts) or 'false'})", []
    if kind == "expect_column_values_to_match_regex":
        return f"{col} is not null and not regexp_matches(cast({col} as varchar), ?)", [kw["regex"]]
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = f'"{kw["column_A"]}"', f'"{kw["column_B"]}"'
        op = ">=" if kw.get("or_equal") else ">"
        return f"{a} is not null and {b} is not null and not ({a} {op} {b})", []
    if kind == "expect_compound_columns_to_be_unique":  # rows whose columns are all missing are ignored
        names = [f'"{c}"' for c in kw["column_list"]]
        cols = ", ".join(names)
        on = " and ".join(f"c.{c} is not distinct from d.{c}" for c in names)
        return (f"_line in (select c._line from checked as c join (select {cols} from checked where not "
                f"({' and '.join(f'{c} is null' for c in names)}) group by {cols} having count(*) > 1) as d "
                f"on {on})"), []
    raise ValueError(f"{kind}: no SQL translation; add one to analysis/checks/raw_suites.py or keep the "
                     "file under raw_sample_rows")


def exact_failures(checked: CheckedFile, suite: dict[str, Any], params: dict[str, Any]) -> tuple[int, list[str]]:
    """Evaluate every expectation of an expanded raw suite over all rows of ``checked`` in SQL.

    Returns
    -------
    n_failed : int
        Failed expectations.
    failures : list of str
        ``file:line: column <c>: rule <r>: value <col>=<v> — <fix>`` for the first rows of each failed
        expectation (and how many more).
    """
    con, name = checked.con, checked.spec.name
    n_failed, failures = 0, []
    for e in suite.get("expectations", []):
        kind, kw, meta = e["type"], e["kwargs"], e.get("meta") or {}
        rule, fix = meta.get("rule", kind), meta.get("fix", f"see expectations/suites/{suite['name']}.yml")
        if kind == "expect_table_row_count_to_be_between":
            lo, hi = _param(kw.get("min_value"), params), _param(kw.get("max_value"), params)
            if (lo is not None and checked.n_rows < lo) or (hi is not None and checked.n_rows > hi):
                n_failed += 1
                failures.append(f"{name}: column -: rule {rule}: observed {checked.n_rows} rows — {fix}")
            continue
        cond, args = _predicate(kind, kw, params)
        cols = kw.get("column_list") or [kw[k] for k in ("column", "column_A", "column_B") if k in kw]
        shown = ", ".join(f'"{c}"' for c in cols)
        n = con.execute(f"select count(*) from checked where {cond}", args).fetchone()[0]
        if not n:
            continue
        n_failed += 1
        rows = con.execute(f"select _line, {shown} from checked where {cond} order by _line limit {ROWS_SHOWN}",
                           args).fetchall()
        for line, *values in rows:
            value = ", ".join(f"{c}={v}" for c, v in zip(cols, values, strict=True))
            failures.append(f"{name}:{line}: column {','.join(cols)}: rule {rule}: value {value} — {fix}")
        if n > len(rows):
            failures.append(f"{name}: column {','.join(cols)}: rule {rule}: ... and {n - len(rows)} more rows")
    return n_failed, failures

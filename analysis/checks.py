"""Data checks: fast pre-validation of the raw files and the Great Expectations checkpoint.

Two layers guard the warehouse (docs/data_contract.md; ``expectations/README.md``):

1. :func:`validate_raw` reads every raw CSV of a raw directory in plain Python *before* dbt runs and
   reports every problem as ``file:line: column <name>: rule <rule>: value <v> — what to do``
   (line numbers are 1-based lines of the file, counting comment and header lines). It is tolerant
   where yearbooks are messy (division names with stray spaces or suffixes resolve through the alias
   seed ``division_aliases``; units convertible through ``unit_conversions`` are accepted) and strict
   where it matters (unknown codes, duplicate keys, values outside the panel or the plausible range).
2. :func:`run_checkpoint` runs the Great Expectations suites of ``expectations/suites/`` (reviewable
   YAML files, listed in ``expectations/checkpoint.yml``) against the raw inputs and the marts of a
   freshly built warehouse file, writes Data Docs under ``reports/data_docs/`` and raises on failure.

:func:`check` (``agglo check``) runs both against a given warehouse.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.cli import CliError
from analysis.paths import PROJECT_ROOT, REPORTS_DIR

SEEDS_DIR = PROJECT_ROOT / "warehouse" / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"
MAX_LISTED_PROBLEMS = 200

# --------------------------------------------------------------------------------------------------
# Raw file contract (docs/data_contract.md, "Raw input files")
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawFileSpec:
    """What one raw CSV of the contract must look like.

    Attributes
    ----------
    name : str
        File name inside the raw directory.
    columns : tuple of str
        Header, in order.
    key : tuple of str
        Columns that identify a row (after codes are resolved).
    divisions : dict
        Column -> division level (``province``, ``prefecture``, ``county``) resolved through the
        alias seed.
    panel : str
        ``province`` or ``county``: which year range of ``dbt_project.yml`` applies.
    lookups : dict
        Column -> reference set (``sectors``, ``industries``, ``industries4``) the value must be in.
    numeric : tuple of str
        Columns that must be numbers when not empty.
    non_negative : tuple of str
        Numeric columns that must be >= 0.
    integer : tuple of str
        Numeric columns that must be whole numbers.
    indicator_level : str or None
        For long indicator files, the catalog level (``province`` / ``county``): ``indicator_code``
        must be in the catalog, ``unit`` must equal or convert to the catalog unit, and ``value``
        must lie in the catalog's plausible range.
    required : bool
        Whether the file must be present.
    """

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    divisions: dict[str, str]
    panel: str
    lookups: dict[str, str] = field(default_factory=dict)
    numeric: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    integer: tuple[str, ...] = ()
    indicator_level: str | None = None
    required: bool = True


RAW_FILES: tuple[RawFileSpec, ...] = (
    RawFileSpec(
        name="province_sector_employment.csv",
        columns=("province_code", "year", "sector_code", "employment_10k", "source"),
        key=("province_code", "year", "sector_code"),
        divisions={"province_code": "province"},
        panel="province",
        lookups={"sector_code": "sectors"},
        numeric=("employment_10k",),
        non_negative=("employment_10k",),
    ),
    RawFileSpec(
        name="prefecture_sector_employment.csv",
        columns=("prefecture_code", "year", "sector_code", "employment_10k", "source"),
        key=("prefecture_code", "year", "sector_code"),
        divisions={"prefecture_code": "prefecture"},
        panel="province",
        lookups={"sector_code": "sectors"},
        numeric=("employment_10k",),
        non_negative=("employment_10k",),
    ),
    RawFileSpec(
        name="province_indicators.csv",
        columns=("province_code", "year", "indicator_code", "value", "unit", "source"),
        key=("province_code", "year", "indicator_code"),
        divisions={"province_code": "province"},
        panel="province",
        numeric=("value",),
        indicator_level="province",
    ),
    RawFileSpec(
        name="county_indicators.csv",
        columns=("county_code", "year", "indicator_code", "value", "unit", "source"),
        key=("county_code", "year", "indicator_code"),
        divisions={"county_code": "county"},
        panel="county",
        numeric=("value",),
        indicator_level="county",
    ),
    RawFileSpec(
        name="county_industry.csv",
        columns=(
            "county_code", "year", "industry_code", "enterprises", "output_value_10k_yuan",
            "value_added_10k_yuan", "employment_persons", "total_assets_10k_yuan", "source",
        ),
        key=("county_code", "year", "industry_code"),
        divisions={"county_code": "county"},
        panel="county",
        lookups={"industry_code": "industries"},
        numeric=(
            "enterprises", "output_value_10k_yuan", "value_added_10k_yuan", "employment_persons",
            "total_assets_10k_yuan",
        ),
        non_negative=("enterprises", "output_value_10k_yuan", "employment_persons", "total_assets_10k_yuan"),
        integer=("enterprises",),
    ),
    RawFileSpec(
        name="firms.csv",
        columns=("firm_id", "year", "county_code", "industry_code", "employment", "output_10k_yuan", "source"),
        key=("firm_id", "year"),
        divisions={"county_code": "county"},
        panel="county",
        lookups={"industry_code": "industries4"},
        numeric=("employment", "output_10k_yuan"),
        non_negative=("employment", "output_10k_yuan"),
        required=False,
    ),
)

# --------------------------------------------------------------------------------------------------
# Reference data (seeds) and panel years
# --------------------------------------------------------------------------------------------------


def norm_alias(text: str) -> str:
    """Normalise a division name or code as the ``division_aliases`` seed does.

    Lowercase, every whitespace character (also the full-width space U+3000) removed.

    Examples
    --------
    >>> norm_alias(" 四川 省 ")
    '四川省'
    """
    return "".join(text.lower().split())


def _read_seed(name: str, seeds_dir: Path) -> list[dict[str, str]]:
    path = seeds_dir / f"{name}.csv"
    if not path.exists():
        raise CliError(f"{path}: reference seed missing; restore it from the repository (git checkout)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Reference:
    """Reference facts the raw files are checked against (from ``warehouse/seeds``).

    Attributes
    ----------
    aliases : dict
        level -> alias_norm -> code.
    alias_names : dict
        level -> alias_norm -> alias as written in the seed (for suggestions).
    codes : dict
        level -> set of codes (``province``, ``prefecture``, ``county``, ``sectors``,
        ``industries``).
    province_names : dict
        province code -> Chinese name.
    indicators : dict
        (level, indicator_code) -> (unit, min_plausible, max_plausible).
    conversions : dict
        (from_unit, to_unit) -> factor.
    years : dict
        panel (``province`` / ``county``) -> (first_year, last_year).
    """

    aliases: dict[str, dict[str, str]]
    alias_names: dict[str, dict[str, str]]
    codes: dict[str, set[str]]
    province_names: dict[str, str]
    indicators: dict[tuple[str, str], tuple[str, float, float]]
    conversions: dict[tuple[str, str], float]
    years: dict[str, tuple[int, int]]


def panel_years(dbt_project: Path = DBT_PROJECT) -> dict[str, tuple[int, int]]:
    """Panel year ranges from the ``vars`` of ``dbt_project.yml`` (the one place they are set).

    Returns
    -------
    dict
        ``{"province": (first, last), "county": (first, last)}``.
    """
    with dbt_project.open(encoding="utf-8") as fh:
        dbt_vars = (yaml.safe_load(fh) or {}).get("vars", {})
    try:
        return {
            level: (int(dbt_vars[f"{level}_first_year"]), int(dbt_vars[f"{level}_last_year"]))
            for level in ("province", "county")
        }
    except KeyError as exc:
        raise CliError(f"{dbt_project}: vars: {exc.args[0]} missing; it sets the panel years") from exc


def load_reference(seeds_dir: Path = SEEDS_DIR, dbt_project: Path = DBT_PROJECT) -> Reference:
    """Read the seeds the raw checks need.

    Parameters
    ----------
    seeds_dir : Path
        Directory of the reference seeds (default ``warehouse/seeds``).
    dbt_project : Path
        ``dbt_project.yml`` whose vars give the panel years.

    Returns
    -------
    Reference
    """
    aliases: dict[str, dict[str, str]] = {"province": {}, "prefecture": {}, "county": {}}
    alias_names: dict[str, dict[str, str]] = {"province": {}, "prefecture": {}, "county": {}}
    for row in _read_seed("division_aliases", seeds_dir):
        aliases.setdefault(row["level"], {})[row["alias_norm"]] = row["code"]
        alias_names.setdefault(row["level"], {})[row["alias_norm"]] = row["alias"]
    provinces = _read_seed("provinces", seeds_dir)
    indicators = {
        (r["level"], r["indicator_code"]): (
            r["unit"],
            float(r["min_plausible"]) if r["min_plausible"] else -math.inf,
            float(r["max_plausible"]) if r["max_plausible"] else math.inf,
        )
        for r in _read_seed("indicator_catalog", seeds_dir)
    }
    codes = {
        "province": {r["province_code"] for r in provinces},
        "prefecture": {r["prefecture_code"] for r in _read_seed("prefectures", seeds_dir)},
        "county": {r["county_code"] for r in _read_seed("counties", seeds_dir)},
        "sectors": {
            r["sector_code"] for r in _read_seed("sectors", seeds_dir)
            if r.get("in_employment_yearbook", "true").lower() == "true"
        },
        "industries": {r["industry_code"] for r in _read_seed("cic_divisions", seeds_dir)},
    }
    conversions = {
        (r["from_unit"], r["to_unit"]): float(r["factor"])
        for r in _read_seed("unit_conversions", seeds_dir)
    }
    return Reference(
        aliases=aliases,
        alias_names=alias_names,
        codes=codes,
        province_names={r["province_code"]: r["name_zh"] for r in provinces},
        indicators=indicators,
        conversions=conversions,
        years=panel_years(dbt_project),
    )


# --------------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem in a raw file, with what to do about it."""

    file: str
    line: int
    column: str
    rule: str
    value: str
    fix: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"{self.file}:{self.line}: column {self.column}: rule {self.rule}: value {value!r} — {self.fix}"


def format_problems(problems: Sequence[Problem | str], what: str, limit: int = MAX_LISTED_PROBLEMS) -> str:
    """Render problems as one message: a count line, then one problem per line (at most ``limit``)."""
    lines = [f"{len(problems)} problem(s) in {what}:"]
    lines += [f"  {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more (fix the ones above and run again)")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Reading a raw CSV with line numbers
# --------------------------------------------------------------------------------------------------


class _Lines:
    """Iterator over the non-comment lines of a text, remembering each served line's number."""

    def __init__(self, text: str) -> None:
        self._it = enumerate(io.StringIO(text, newline=""), start=1)
        self.served: list[int] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            lineno, line = next(self._it)
            if not line.lstrip().startswith("#"):
                self.served.append(lineno)
                return line


def _decode(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "the file looks GBK/GB18030-encoded (Excel's Chinese default); save it as CSV UTF-8"
        except UnicodeDecodeError:
            hint = "the file is not UTF-8 text; save it as CSV UTF-8"
        bad = data[exc.start : exc.start + 4].hex(" ")
        return None, [Problem(name, line, "-", "encoding", f"bytes {bad}", hint)]


def read_rows(path: Path, spec: RawFileSpec) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """Read a raw CSV into ``(line, row)`` pairs, checking encoding, header and field counts.

    Parameters
    ----------
    path : Path
        The CSV file.
    spec : RawFileSpec
        Its contract.

    Returns
    -------
    rows : list of (int, dict)
        1-based line number of the row's first line in the file and the row by column name
        (rows with a wrong number of fields are left out and reported).
    problems : list of Problem
    """
    name = spec.name
    text, problems = _decode(path, name)
    if text is None:
        return [], problems
    lines = _Lines(text)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(name, 1, "-", "empty_file", "", _empty_fix(spec))]
    header_line = lines.served[0]
    problems = _header_problems(name, header_line, header, spec)
    if problems:
        return [], problems
    rows: list[tuple[int, dict[str, str]]] = []
    width = len(header)
    n_served = len(lines.served)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, lines.served[-1], "-", "csv_syntax", str(exc),
                                    "fix the quoting of this line (a quote opened and never closed?)"))
            break
        line = lines.served[n_served]
        n_served = len(lines.served)
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != width:
            problems.append(_field_count_problem(name, line, fields, width, spec, text, lines))
            continue
        rows.append((line, dict(zip(header, fields, strict=True))))
    if not rows and not problems:
        problems.append(Problem(name, header_line, "-", "empty_file", "", _empty_fix(spec)))
    return rows, problems


def _empty_fix(spec: RawFileSpec) -> str:
    return (f"the file has no data rows; write the header {','.join(spec.columns)} and one row per "
            "value" + ("" if spec.required else ", or remove the optional file"))


def _header_problems(name: str, line: int, header: list[str], spec: RawFileSpec) -> list[Problem]:
    """Header checks: names must be the contract's (dbt matches columns by name, in any order)."""
    expected = list(spec.columns)
    if sorted(header) == sorted(expected):
        return []
    if len(header) == 1:
        for delim, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delim in header[0]:
                return [Problem(name, line, "-", "delimiter", header[0],
                                f"the file is {label}-delimited; save it comma-separated (CSV) with "
                                f"the header {','.join(expected)}")]
    problems = []
    for col in header:
        if col not in expected or header.count(col) > 1:
            near = difflib.get_close_matches(col, expected, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}? " if near and near[0] != col else ""
            rule = "header" if col not in expected else "header_duplicate"
            problems.append(Problem(name, line, col or "(blank)", rule, col,
                                    f"{hint}expected header: {','.join(expected)}"))
    for col in expected:
        if col not in header:
            problems.append(Problem(name, line, col, "header", "(missing)",
                                    f"add the column; expected header: {','.join(expected)}"))
    return problems


def _field_count_problem(
    name: str, line: int, fields: list[str], width: int, spec: RawFileSpec, text: str, lines: _Lines
) -> Problem:
    value = ",".join(fields)
    is_last = line == lines.served[-1] and not text.endswith(("\n", "\r"))
    if len(fields) < width and is_last:
        fix = (f"the last line has {len(fields)} of {width} fields and no line end: the file looks "
               "truncated; export it again completely")
    elif len(fields) < width:
        fix = (f"the line has {len(fields)} of {width} fields ({','.join(spec.columns)}); fill the "
               "missing fields (leave a missing value empty, keep the commas)")
    else:
        fix = (f"the line has {len(fields)} fields, the header {width}: quote a value that contains "
               'a comma ("1,234" -> 1234 or "a, b") or remove the extra fields')
    return Problem(name, line, "-", "field_count", value, fix)


# --------------------------------------------------------------------------------------------------
# Row checks
# --------------------------------------------------------------------------------------------------


def _suggest(value: str, level: str, ref: Reference) -> str:
    names = ref.alias_names.get(level, {})
    near = difflib.get_close_matches(norm_alias(value), list(names), n=8, cutoff=0.4)
    by_code: dict[str, str] = {}
    for n in near:  # one name per code, best match first
        by_code.setdefault(ref.aliases[level][n], names[n])
    if not by_code:
        return ""
    shown = ", ".join(f"{name} ({code})" for code, name in list(by_code.items())[:3])
    return f"nearest known names: {shown}; "


def resolve_division(value: str, level: str, ref: Reference) -> tuple[str | None, str]:
    """Resolve a code or name to a division code through the alias seed.

    Parameters
    ----------
    value : str
        Code or name as written in the raw file.
    level : str
        ``province``, ``prefecture`` or ``county``.
    ref : Reference
        Reference data.

    Returns
    -------
    code : str or None
        The current code, or None when the value does not resolve.
    fix : str
        When unresolved, what to do (with the nearest known names).
    """
    code = ref.aliases.get(level, {}).get(norm_alias(value))
    if code is not None:
        return code, ""
    raw = norm_alias(value)
    if level in ("county", "prefecture") and re.fullmatch(r"\d{6}", raw):
        prov = raw[:2] + "0000"
        if level == "county" and prov != "510000" and prov in ref.province_names:
            return None, (f"{raw} is a county of {ref.province_names[prov]} ({prov}), not of Sichuan: "
                          "the county panel covers Sichuan's counties only; remove the row or correct "
                          "the code (warehouse/seeds/counties.csv lists the valid codes)")
    seed = {"province": "provinces", "prefecture": "prefectures", "county": "counties"}[level]
    return None, (f"unknown {level} {value!r}; {_suggest(value, level, ref)}use a GB/T 2260 code or a "
                  f"name listed in warehouse/seeds/division_aliases.csv (level {level}); a new "
                  f"spelling is a new alias row there, a new {level} a row in {seed}.csv")


# Text read as "no value" (as the dbt macro ``missing_tokens`` in warehouse/macros/cleaning.sql).
MISSING_TOKENS = frozenset(["", "-", "--", "—", "–", "..", "...", "…", "na", "n/a", "nan", "null", "none"])


def _parse_number(text: str) -> float | None:
    """Parse a number as the dbt macro ``clean_number`` does (thousands separators, spaces removed)."""
    try:
        number = float(text.replace(",", "").replace(" ", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _number_fix(text: str) -> str:
    return "write a plain number (decimal point, no units or notes); leave the cell empty if the value is missing"


def _scale_hint(value: float, lo: float, hi: float) -> str:
    for factor, label in ((1e4, "10^4"), (1e8, "10^8"), (1e3, "10^3"), (100.0, "100")):
        if lo <= value / factor <= hi:
            return (f" It is {label} times too large: it looks entered in a unit {label} times smaller "
                    "(e.g. yuan where 10k yuan is expected); convert it or fix the unit column.")
        if lo <= value * factor <= hi:
            return (f" It is {label} times too small: it looks entered in a unit {label} times larger; "
                    "convert it or fix the unit column.")
    return ""


@dataclass
class _FileCheck:
    """State of checking one raw file."""

    spec: RawFileSpec
    ref: Reference
    problems: list[Problem] = field(default_factory=list)
    seen_keys: dict[tuple[str, ...], int] = field(default_factory=dict)

    def add(self, line: int, column: str, rule: str, value: str, fix: str) -> None:
        self.problems.append(Problem(self.spec.name, line, column, rule, value, fix))

    def row(self, line: int, row: dict[str, str]) -> dict[str, Any]:
        """Check one row; return it typed and resolved (an unresolved code keeps its text)."""
        out: dict[str, Any] = {"_line": line}
        ok = True
        for col, level in self.spec.divisions.items():
            code = self._division(line, col, level, row[col].strip())
            out[col] = code if code is not None else row[col].strip()
            ok = ok and code is not None
        out["year"], year_ok = self._year(line, row["year"].strip())
        ok = ok and year_ok
        for col, kind in self.spec.lookups.items():
            value = row[col].strip()
            value = value.upper() if kind == "sectors" else value
            ok = self._lookup(line, col, kind, value) and ok
            out[col] = value
        if "firm_id" in row:
            out["firm_id"] = row["firm_id"].strip() or None
            if out["firm_id"] is None:
                self.add(line, "firm_id", "not_null", "", "give every firm an identifier")
                ok = False
        for col in self.spec.numeric:
            out[col] = self._number(line, col, row[col].strip())
        if self.spec.indicator_level:
            ok = self._indicator(line, row, out) and ok
        out["source"] = row["source"]
        if ok:
            self._key(line, out)
        return out

    def _division(self, line: int, col: str, level: str, value: str) -> str | None:
        if not value:
            self.add(line, col, "not_null", value, f"every row needs its {level} (code or name)")
            return None
        code, fix = resolve_division(value, level, self.ref)
        if code is None:
            self.add(line, col, "known_code", value, fix)
        return code

    def _year(self, line: int, value: str) -> tuple[int | None, bool]:
        """The year (None when not an integer) and whether it lies in the panel."""
        number = _parse_number(value)
        if number is None or number != int(number):
            self.add(line, "year", "integer_year", value, "write the year as four digits, e.g. 2015")
            return None, False
        year = int(number)
        first, last = self.ref.years[self.spec.panel]
        if not first <= year <= last:
            self.add(line, "year", "year_in_panel", value,
                     f"the {self.spec.panel} panel covers {first}-{last}; drop the row or change the "
                     f"vars {self.spec.panel}_first_year/{self.spec.panel}_last_year in dbt_project.yml")
            return year, False
        return year, True

    def _lookup(self, line: int, col: str, kind: str, value: str) -> bool:
        if kind == "industries4":
            known = self.ref.codes["industries"]
            if re.fullmatch(r"\d{4}", value) and value[:2] in known:
                return True
            self.add(line, col, "known_code", value,
                     "write a CIC 4-digit industry code whose first two digits are a manufacturing "
                     "division 13-43 (warehouse/seeds/cic_divisions.csv)")
            return False
        known = self.ref.codes[kind]
        if value in known:
            return True
        seed = {"sectors": "sectors.csv (GB/T 4754-2017 section letters A..S)",
                "industries": "cic_divisions.csv (CIC 2-digit divisions 13..43)"}[kind]
        near = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
        hint = f"nearest: {', '.join(near)}; " if near else ""
        self.add(line, col, "known_code", value, f"unknown code; {hint}use a code of warehouse/seeds/{seed}")
        return False

    def _number(self, line: int, col: str, value: str) -> float | None:
        if value.lower() in MISSING_TOKENS:
            return None
        number = _parse_number(value)
        if number is None:
            self.add(line, col, "numeric", value, _number_fix(value))
            return None
        if col in self.spec.non_negative and number < 0:
            self.add(line, col, "non_negative", value,
                     "counts, employment and amounts cannot be negative; check the sign and the "
                     "yearbook table, or leave the cell empty if the value is unknown")
        if col in self.spec.integer and number != int(number):
            self.add(line, col, "integer", value, "counts are whole numbers")
        return number

    def _indicator(self, line: int, row: dict[str, str], out: dict[str, Any]) -> bool:
        """Indicator code, unit and plausible range; sets unit, unit_factor and the bounds in ``out``."""
        level = self.spec.indicator_level or ""
        code = row["indicator_code"].strip().lower()
        given = row["unit"].strip().lower()
        out.update(indicator_code=code, unit=given, unit_factor=None, min_plausible=None, max_plausible=None)
        if (level, code) not in self.ref.indicators:
            known = sorted(c for lv, c in self.ref.indicators if lv == level)
            near = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
            hint = f"nearest: {', '.join(near)}; " if near else ""
            self.add(line, "indicator_code", "known_code", code,
                     f"unknown {level} indicator; {hint}use an indicator_code of level {level} in "
                     "warehouse/seeds/indicator_catalog.csv (a new indicator is a new row there)")
            return False
        unit, lo, hi = self.ref.indicators[(level, code)]
        out.update(min_plausible=lo, max_plausible=hi)
        # An empty unit means the catalog unit (as in the int_*_indicators_cleaned models).
        factor = 1.0 if given in ("", unit) else self.ref.conversions.get((given, unit))
        out["unit_factor"] = factor
        if factor is None:
            self.add(line, "unit", "unit_mismatch", given,
                     f"{code} is measured in {unit!r} (indicator_catalog.csv) and "
                     f"warehouse/seeds/unit_conversions.csv has no {given!r} -> {unit!r} factor; "
                     f"convert the value to {unit} or add the conversion row")
            out["value"] = None
            return True
        if out["value"] is not None:
            out["value"] *= factor
            if not lo <= out["value"] <= hi:
                shown = row["value"].strip() + ("" if given in ("", unit) else f" {given} = {out['value']:g} {unit}")
                self.add(line, "value", "plausible_range", shown,
                         f"{code} must lie in [{lo:g}, {hi:g}] {unit} (indicator_catalog.csv "
                         f"min_plausible/max_plausible).{_scale_hint(out['value'], lo, hi)}")
        return True

    def _key(self, line: int, out: dict[str, Any]) -> None:
        key = tuple(str(out[c]) for c in self.spec.key)
        first = self.seen_keys.setdefault(key, line)
        if first != line:
            shown = ", ".join(f"{c}={out[c]}" for c in self.spec.key)
            self.add(line, ",".join(self.spec.key), "unique_key", shown,
                     f"the same key is on line {first}; keep one row per {', '.join(self.spec.key)} "
                     "(a duplicated year or a name and a code of the same division?)")


def check_raw_file(path: Path, spec: RawFileSpec, ref: Reference) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check one raw file; return its typed, resolved rows and its problems.

    Parameters
    ----------
    path : Path
        The CSV file.
    spec : RawFileSpec
        Its contract.
    ref : Reference
        Reference data.

    Returns
    -------
    records : list of dict
        Every row that has the header's field count, with codes resolved (an unresolved code
        keeps its text), numbers parsed (null when missing or not a number), indicator values
        converted to the catalog unit and the file line in ``_line``.
    problems : list of Problem
    """
    if path.stat().st_size == 0:
        return [], [Problem(spec.name, 1, "-", "empty_file", "", _empty_fix(spec))]
    rows, problems = read_rows(path, spec)
    state = _FileCheck(spec, ref, problems)
    records = [state.row(line, row) for line, row in rows]
    return records, state.problems


def validate_raw(raw_dir: Path, *, ref: Reference | None = None) -> None:
    """Check every raw CSV of ``raw_dir`` against the contract before dbt runs.

    Parameters
    ----------
    raw_dir : Path
        Directory of the raw input files (docs/data_contract.md).
    ref : Reference, optional
        Reference data (default: read from ``warehouse/seeds`` and ``dbt_project.yml``).

    Raises
    ------
    CliError
        Listing every problem as ``file:line: column <name>: rule <rule>: value <v> — what to do``.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise CliError(f"{raw_dir}: raw directory not found; pass --raw-dir DIR with the raw CSV files")
    ref = ref or load_reference()
    problems: list[Problem] = []
    for spec in RAW_FILES:
        path = raw_dir / spec.name
        if not path.exists():
            if spec.required:
                problems.append(Problem(spec.name, 1, "-", "required_file", "(missing)",
                                        f"put {spec.name} in {raw_dir} (columns {','.join(spec.columns)})"))
            continue
        problems += sorted(check_raw_file(path, spec, ref)[1], key=lambda p: p.line)
    if problems:
        raise CliError(format_problems(problems, f"the raw files in {raw_dir}")
                       + "\nNothing was built or published; the last good warehouse is unchanged.")


# --------------------------------------------------------------------------------------------------
# Great Expectations checkpoint
# --------------------------------------------------------------------------------------------------

CHECKPOINT_FILE = EXPECTATIONS_DIR / "checkpoint.yml"
SUITES_DIR = EXPECTATIONS_DIR / "suites"
FAILED_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Validation:
    """One entry of ``expectations/checkpoint.yml``: a suite and the data it validates."""

    suite: str
    kind: str  # "raw" | "table" | "query"
    target: str  # file name, table name or SQL text
    index: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Short name of the data in messages."""
        return self.suite if self.kind == "query" else self.target


@dataclass(frozen=True)
class SuiteOutcome:
    """Result of one suite on its data."""

    suite: str
    data: str
    success: bool
    n_expectations: int
    n_failed: int = 0
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """What the checkpoint found.

    Attributes
    ----------
    outcomes : tuple of SuiteOutcome
        One per validation that ran (an absent optional raw file is skipped).
    seconds : float
        Wall time of the checkpoint (reading data, validating, writing Data Docs).
    data_docs : Path
        The Data Docs ``index.html``.
    """

    outcomes: tuple[SuiteOutcome, ...]
    seconds: float
    data_docs: Path

    @property
    def success(self) -> bool:
        """Whether every suite passed."""
        return all(o.success for o in self.outcomes)

    @property
    def n_expectations(self) -> int:
        """Expectations evaluated over all suites."""
        return sum(o.n_expectations for o in self.outcomes)

    @property
    def failures(self) -> list[str]:
        """Every failure message, suite by suite."""
        return [f for o in self.outcomes for f in o.failures]

    def summary(self) -> str:
        """One line: suites, expectations, failures, time, Data Docs."""
        n_ok = sum(o.success for o in self.outcomes)
        return (f"GE checkpoint: {n_ok}/{len(self.outcomes)} suites passed, "
                f"{self.n_expectations} expectations, {sum(o.n_failed for o in self.outcomes)} failed, "
                f"{self.seconds:.1f} s; Data Docs: {self.data_docs}")


def load_checkpoint(path: Path = CHECKPOINT_FILE) -> tuple[dict[str, Any], list[Validation]]:
    """Read the checkpoint definition.

    Returns
    -------
    settings : dict
    validations : list of Validation
    """
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    validations = []
    for entry in doc["validations"]:
        kind = next(k for k in ("raw", "table", "query") if k in entry)
        validations.append(Validation(entry["suite"], kind, str(entry[kind]).strip(), tuple(entry.get("index", ()))))
    return doc.get("settings", {}), validations


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> dict[str, Any]:
    """Read one suite file (``expectations/suites/<name>.yml``) as a GX suite dict."""
    path = suites_dir / f"{name}.yml"
    if not path.exists():
        raise CliError(f"{path}: suite file missing (listed in {CHECKPOINT_FILE.name})")
    with path.open(encoding="utf-8") as fh:
        suite = yaml.safe_load(fh)
    if suite.get("name") != name:
        raise CliError(f"{path}: name {suite.get('name')!r} differs from the file name {name!r}")
    return suite


def suite_parameters(ref: Reference, settings: dict[str, Any]) -> dict[str, Any]:
    """The values of ``$PARAMETER`` in the suites, from the seeds, dbt vars and checkpoint settings.

    Expected row counts are the seeds' division counts times the panel's years, so that adding a
    county to the seed or a year to the panel needs no change to a suite.
    """
    (p0, p1), (c0, c1) = ref.years["province"], ref.years["county"]
    n_prov, n_cnty = len(ref.codes["province"]), len(ref.codes["county"])
    return {
        "province_codes": sorted(ref.codes["province"]),
        "prefecture_codes": sorted(ref.codes["prefecture"]),
        "county_codes": sorted(ref.codes["county"]),
        "sector_codes": sorted(ref.codes["sectors"]),
        "industry_codes": sorted(ref.codes["industries"]),
        "province_indicator_codes": sorted(c for lv, c in ref.indicators if lv == "province"),
        "county_indicator_codes": sorted(c for lv, c in ref.indicators if lv == "county"),
        "province_first_year": p0,
        "province_last_year": p1,
        "county_first_year": c0,
        "county_last_year": c1,
        "n_provinces": n_prov,
        "n_counties": n_cnty,
        "n_prefectures": len(ref.codes["prefecture"]),
        "n_province_years": n_prov * (p1 - p0 + 1),
        "n_county_years": n_cnty * (c1 - c0 + 1),
        "max_imputed_share": float(settings.get("max_imputed_share", 0.2)),
    }


def _raw_frame(raw_dir: Path, name: str, ref: Reference) -> Any:
    import pandas as pd

    spec = next(s for s in RAW_FILES if s.name == name)
    path = raw_dir / name
    if not path.exists():
        return None
    records, problems = check_raw_file(path, spec, ref)
    columns = ["_line", *spec.columns] + (
        ["unit_factor", "min_plausible", "max_plausible"] if spec.indicator_level else []
    )
    frame = pd.DataFrame.from_records(records, columns=columns)
    for col in [*spec.numeric, "unit_factor", "min_plausible", "max_plausible"]:
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    return frame


def _load_frames(
    validations: list[Validation], db_path: Path, raw_dir: Path, ref: Reference
) -> dict[str, Any]:
    """DataFrames by suite name; a string value is why the data could not be read."""
    import duckdb

    frames: dict[str, Any] = {}
    for v in validations:
        if v.kind == "raw":
            frames[v.suite] = _raw_frame(raw_dir, v.target, ref)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
        for v in validations:
            if v.kind == "table" and v.target not in tables:
                frames[v.suite] = (f"table {v.target} is missing from {db_path}: rebuild the warehouse "
                                   "(agglo build) from a complete dbt project")
            elif v.kind == "table":
                frames[v.suite] = con.execute(f'select * from main."{v.target}"').df()
            elif v.kind == "query":
                try:
                    frames[v.suite] = con.execute(v.target).df()
                except duckdb.Error as exc:
                    frames[v.suite] = f"query of suite {v.suite} failed on {db_path}: {exc}"
    finally:
        con.close()
    return frames


def _gx_context(docs_dir: Path) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name="agglo",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _failure_messages(v: Validation, result: Any) -> list[str]:
    """Actionable messages for one failed expectation result."""
    config = result.expectation_config
    meta = config.meta or {}
    rule = meta.get("rule", config.type)
    fix = meta.get("fix", "see the expectation in expectations/suites/" + v.suite + ".yml")
    kwargs = config.kwargs
    column = kwargs.get("column") or ",".join(
        kwargs.get("column_list") or [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
    ) or "-"
    if result.exception_info and result.exception_info.get("raised_exception"):
        error = result.exception_info.get("exception_message", "")
        return [f"{v.label}: column {column}: rule {rule}: could not be evaluated ({error}) — {fix}"]
    res = result.result or {}
    rows = res.get("unexpected_index_list") or []
    if not rows:
        observed = res.get("observed_value", res.get("partial_unexpected_list", "?"))
        expected = {k: kwargs[k] for k in ("value", "min_value", "max_value", "value_set") if k in kwargs}
        shown = ", ".join(f"{k} {_short(x)}" for k, x in expected.items())
        return [f"{v.label}: column {column}: rule {rule}: observed {_short(observed)} (expected {shown}) — {fix}"]
    out = []
    for row in rows[:FAILED_ROWS_SHOWN]:
        where = _row_location(v, row)
        value = ", ".join(f"{k}={_short(x)}" for k, x in row.items() if k not in v.index) or "?"
        out.append(f"{where}: column {column}: rule {rule}: value {value} — {fix}")
    if len(rows) > FAILED_ROWS_SHOWN:
        out.append(f"{v.label}: column {column}: rule {rule}: ... and {len(rows) - FAILED_ROWS_SHOWN} more rows")
    return out


def _row_location(v: Validation, row: dict[str, Any]) -> str:
    if v.index == ("_line",):
        return f"{v.target}:{row.get('_line')}"
    keys = ", ".join(f"{k}={row.get(k)}" for k in v.index)
    return f"{v.label} ({keys})" if keys else v.label


def _validate(context: Any, v: Validation, frame: Any, params: dict[str, Any], run_id: Any) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    suite = context.suites.add(ExpectationSuite(**load_suite(v.suite)))
    asset = context.data_sources.get("agglo").add_dataframe_asset(v.suite)
    batch = asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=v.suite, data=batch, suite=suite))
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if v.index:
        result_format["unexpected_index_column_names"] = list(v.index)
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=f"agglo_{v.suite}", validation_definitions=[definition], result_format=result_format)
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=params, run_id=run_id)
    vr = next(iter(result.run_results.values()))
    failures = [m for r in vr.results if not r.success for m in _failure_messages(v, r)]
    n_failed = sum(not r.success for r in vr.results)
    return SuiteOutcome(v.suite, v.label, bool(vr.success), len(vr.results), n_failed, tuple(failures))


def _write_summary(report: CheckReport, docs_dir: Path, db_path: Path, raw_dir: Path) -> None:
    import datetime as dt
    import json

    summary = {
        "success": report.success,
        "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "warehouse": str(db_path),
        "raw_dir": str(raw_dir),
        "n_suites": len(report.outcomes),
        "n_expectations": report.n_expectations,
        "n_failed": sum(o.n_failed for o in report.outcomes),
        "suites": [
            {"name": o.suite, "success": o.success, "n_expectations": o.n_expectations, "n_failed": o.n_failed}
            for o in report.outcomes
        ],
        "data_docs_index": "index.html",
    }
    (docs_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def run_checkpoint(
    db_path: Path,
    raw_dir: Path,
    *,
    docs_dir: Path | None = None,
    ref: Reference | None = None,
    checkpoint_file: Path = CHECKPOINT_FILE,
) -> CheckReport:
    """Run the GE checkpoint against a (freshly built, not yet published) warehouse file.

    Parameters
    ----------
    db_path : Path
        DuckDB warehouse file to check (opened read-only).
    raw_dir : Path
        Raw directory it was built from (the raw suites read its files).
    docs_dir : Path, optional
        Where Data Docs and ``summary.json`` go (default ``<reports>/data_docs``; replaced).
    ref : Reference, optional
        Reference data (default: the seeds and ``dbt_project.yml``).
    checkpoint_file : Path
        Checkpoint definition (default ``expectations/checkpoint.yml``).

    Returns
    -------
    CheckReport

    Raises
    ------
    CliError
        When a suite fails, listing every failure with the file and line (raw inputs) or the
        table and key (marts), the column, the rule, the value and what to do.
    """
    import shutil

    import great_expectations as gx

    start = time.perf_counter()
    db_path, raw_dir = Path(db_path), Path(raw_dir)
    if not db_path.exists():
        raise CliError(f"{db_path}: warehouse file not found; build it first (agglo build)")
    ref = ref or load_reference()
    settings, validations = load_checkpoint(checkpoint_file)
    docs_dir = docs_dir or REPORTS_DIR / settings.get("data_docs_subdir", "data_docs")
    params = suite_parameters(ref, settings)
    frames = _load_frames(validations, db_path, raw_dir, ref)
    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = _gx_context(docs_dir)
    context.data_sources.add_pandas("agglo")
    run_id = gx.RunIdentifier(run_name="agglo")
    outcomes = []
    for v in validations:
        frame = frames.get(v.suite)
        if frame is None:  # an absent optional raw file
            continue
        if isinstance(frame, str):
            outcomes.append(SuiteOutcome(v.suite, v.label, False, 0, 1, (f"{v.label}: rule table_exists: {frame}",)))
            continue
        outcomes.append(_validate(context, v, frame, params, run_id))
    context.build_data_docs()
    report = CheckReport(tuple(outcomes), time.perf_counter() - start, docs_dir / "index.html")
    _write_summary(report, docs_dir, db_path, raw_dir)
    if not report.success:
        raise CliError(format_problems(report.failures, f"the GE checkpoint on {db_path}")
                       + f"\n{report.summary()}")
    return report


def check(warehouse: Path, raw_dir: Path) -> None:
    """``agglo check``: validate the raw files, then run the GE checkpoint on ``warehouse``.

    Parameters
    ----------
    warehouse : Path
        DuckDB warehouse file.
    raw_dir : Path
        Raw directory the warehouse was built from.

    Raises
    ------
    CliError
        On the first layer that fails (exit code 2 from the CLI).
    """
    ref = load_reference()
    validate_raw(raw_dir, ref=ref)
    report = run_checkpoint(warehouse, raw_dir, ref=ref)
    print(report.summary())

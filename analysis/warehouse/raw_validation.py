"""Fast checks of the raw input files before dbt runs (used by :mod:`analysis.checks.checkpoint`).

Each raw CSV of docs/data_contract.md is read with the line number of every row (1-based lines of
the file, counting comment and header lines) and checked column by column, vectorised over the
distinct values. Every problem is a :class:`Problem`:
``file:line: column <name>: rule <rule>: value <v> — what to do``.

Tolerant where yearbooks are messy, as the dbt staging models are (warehouse/macros/cleaning.sql):
division names with stray spaces or suffixes resolve through the alias seed ``division_aliases``;
numbers may carry thousands separators; yearbook dashes and ``NA`` mean "missing"; an empty unit
means the catalog unit; a unit that ``unit_conversions`` converts is accepted; columns may come in
any order. Strict where it matters: unknown codes (with the nearest known names), duplicate keys,
years outside the panel, negative counts, units that do not convert, values outside the catalog's
plausible range, truncated lines, wrong delimiters, header typos, files that are not UTF-8.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "warehouse" / "seeds"
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


def _sector_employment_spec(name: str, level: str) -> RawFileSpec:
    """A ``<level>_code, year, sector_code, employment_10k, source`` file (province-panel years)."""
    code = f"{level}_code"
    return RawFileSpec(
        name=name,
        columns=(code, "year", "sector_code", "employment_10k", "source"),
        key=(code, "year", "sector_code"),
        divisions={code: level},
        panel="province",
        lookups={"sector_code": "sectors"},
        numeric=("employment_10k",),
        non_negative=("employment_10k",),
    )


def _indicator_spec(name: str, level: str) -> RawFileSpec:
    """A long ``<level>_code, year, indicator_code, value, unit, source`` file checked against the catalog."""
    code = f"{level}_code"
    return RawFileSpec(
        name=name,
        columns=(code, "year", "indicator_code", "value", "unit", "source"),
        key=(code, "year", "indicator_code"),
        divisions={code: level},
        panel=level,
        numeric=("value",),
        indicator_level=level,
    )


RAW_FILES: tuple[RawFileSpec, ...] = (
    _sector_employment_spec("province_sector_employment.csv", "province"),
    _sector_employment_spec("prefecture_sector_employment.csv", "prefecture"),
    _indicator_spec("province_indicators.csv", "province"),
    _indicator_spec("county_indicators.csv", "county"),
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


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    """Rows of ``<seeds_dir>/<name>.csv`` as dicts (an AggloError names a missing seed)."""
    path = seeds_dir / f"{name}.csv"
    if not path.exists():
        raise AggloError(f"{path}: reference seed missing; restore it from the repository (git checkout)")
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
    fingerprint : tuple
        Path, size and modification time of every file read (seeds, dbt_project.yml): a cache of
        checked raw files is valid only for the same fingerprint.
    """

    aliases: dict[str, dict[str, str]]
    alias_names: dict[str, dict[str, str]]
    codes: dict[str, set[str]]
    province_names: dict[str, str]
    indicators: dict[tuple[str, str], tuple[str, float, float]]
    conversions: dict[tuple[str, str], float]
    years: dict[str, tuple[int, int]]
    fingerprint: tuple[tuple[str, int, int], ...] = ()


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
        raise AggloError(f"{dbt_project}: vars: {exc.args[0]} missing; it sets the panel years") from exc


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
    for row in read_seed("division_aliases", seeds_dir):
        aliases.setdefault(row["level"], {})[row["alias_norm"]] = row["code"]
        alias_names.setdefault(row["level"], {})[row["alias_norm"]] = row["alias"]
    provinces = read_seed("provinces", seeds_dir)
    indicators = {
        (r["level"], r["indicator_code"]): (
            r["unit"],
            float(r["min_plausible"]) if r["min_plausible"] else -math.inf,
            float(r["max_plausible"]) if r["max_plausible"] else math.inf,
        )
        for r in read_seed("indicator_catalog", seeds_dir)
    }
    codes = {
        "province": {r["province_code"] for r in provinces},
        "prefecture": {r["prefecture_code"] for r in read_seed("prefectures", seeds_dir)},
        "county": {r["county_code"] for r in read_seed("counties", seeds_dir)},
        "sectors": {
            r["sector_code"] for r in read_seed("sectors", seeds_dir)
            if r.get("in_employment_yearbook", "true").lower() == "true"
        },
        "industries": {r["industry_code"] for r in read_seed("cic_divisions", seeds_dir)},
    }
    conversions = {
        (r["from_unit"], r["to_unit"]): float(r["factor"])
        for r in read_seed("unit_conversions", seeds_dir)
    }
    return Reference(
        aliases=aliases,
        alias_names=alias_names,
        codes=codes,
        province_names={r["province_code"]: r["name_zh"] for r in provinces},
        indicators=indicators,
        conversions=conversions,
        years=panel_years(dbt_project),
        fingerprint=tuple(file_key(p) for p in (*sorted(seeds_dir.glob("*.csv")), dbt_project)),
    )


def file_key(path: Path) -> tuple[str, int, int]:
    """(resolved path, size, mtime in ns): changes whenever the file is rewritten."""
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


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


def _decode(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    """The file's text (UTF-8, BOM allowed), or an ``encoding`` problem at the first bad byte."""
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


def read_table(path: Path, spec: RawFileSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a raw CSV as text, checking encoding, header and field counts.

    Parameters
    ----------
    path : Path
        The CSV file.
    spec : RawFileSpec
        Its contract.

    Returns
    -------
    table : DataFrame or None
        One row per data row with the right number of fields: ``_line`` (1-based line of the row
        in the file) and every contract column as text; None when the header is unusable.
    problems : list of Problem
    """
    name = spec.name
    if path.stat().st_size == 0:
        return None, [Problem(name, 1, "-", "empty_file", "", _empty_fix(spec))]
    text, problems = _decode(path, name)
    if text is None:
        return None, problems
    physical = io.StringIO(text, newline="").readlines()
    kept_no = [i for i, line in enumerate(physical, start=1) if not line.lstrip().startswith("#")]
    reader = csv.reader([physical[i - 1] for i in kept_no])
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        line = kept_no[0] if kept_no else 1
        return None, [Problem(name, line, "-", "empty_file", "", _empty_fix(spec))]
    problems = _header_problems(name, kept_no[0], header, spec)
    if problems:
        return None, problems
    ends_cleanly = text.endswith(("\n", "\r"))
    body = _split_lines(physical, kept_no[1:], name, header, ends_cleanly)
    if body is None:  # a quoted field spans lines: parse with the csv module
        body = _read_records(reader, kept_no, name, header, ends_cleanly)
    rows, lines, problems = body
    if not rows and not problems:
        problems.append(Problem(name, kept_no[0], "-", "empty_file", "", _empty_fix(spec)))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    table = pd.DataFrame({"_line": np.asarray(lines, dtype=np.int64)}
                         | {h: pd.Series(c, dtype=object) for h, c in zip(header, columns, strict=True)})
    return table[["_line", *spec.columns]], problems


Body = tuple[list[list[str]], list[int], list[Problem]]


def _split_lines(physical: list[str], body_no: list[int], name: str, header: list[str],
                 ends_cleanly: bool) -> Body | None:
    """Split one record per line (fast path); None when a quoted field spans lines."""
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    width, last = len(header), (body_no[-1] if body_no else 0)
    for i in body_no:
        text = physical[i - 1].rstrip("\r\n")
        if not text.replace(",", "").strip():
            continue
        if '"' in text:
            if text.count('"') % 2:
                return None
            fields = next(csv.reader([text]))
        else:
            fields = text.split(",")
        if len(fields) != width:
            problems.append(_field_count_problem(name, i, fields, header, i == last and not ends_cleanly))
            continue
        rows.append(fields)
        lines.append(i)
    return rows, lines, problems


def _read_records(reader: Any, kept_no: list[int], name: str, header: list[str], ends_cleanly: bool) -> Body:
    """Parse records with the csv module (quoted fields may span lines)."""
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    width, consumed = len(header), reader.line_num
    try:
        for fields in reader:
            line, consumed = kept_no[consumed], reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != width:
                is_last = consumed == len(kept_no) and not ends_cleanly
                problems.append(_field_count_problem(name, line, fields, header, is_last))
                continue
            rows.append(fields)
            lines.append(line)
    except csv.Error as exc:
        problems.append(Problem(name, kept_no[min(consumed, len(kept_no) - 1)], "-", "csv_syntax", str(exc),
                                "fix the quoting: a quote opened and never closed?"))
    return rows, lines, problems


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
                return [Problem(name, line, "(header)", "delimiter", header[0],
                                f"the file is {label}-delimited; save it comma-separated (CSV) with "
                                f"the header {','.join(expected)}")]
    missing = [c for c in expected if c not in header]
    problems = []
    for col in header:
        if col in expected and header.count(col) == 1:
            continue
        near = difflib.get_close_matches(col, missing, n=1, cutoff=0.6)
        if near and col not in expected:  # a typo of a missing column: one problem, not two
            missing.remove(near[0])
            fix = f"did you mean {near[0]!r}? expected header: {','.join(expected)}"
        else:
            fix = f"expected header: {','.join(expected)}"
        rule = "header" if col not in expected else "header_duplicate"
        problems.append(Problem(name, line, col or "(blank)", rule, col, fix))
    problems += [Problem(name, line, col, "header", "(missing)",
                         f"add the column; expected header: {','.join(expected)}") for col in missing]
    return problems


def _field_count_problem(name: str, line: int, fields: list[str], header: list[str], is_last: bool) -> Problem:
    """A line with the wrong number of fields; ``column`` names the fields it lacks."""
    width, value = len(header), ",".join(fields)
    lacking = ",".join(header[len(fields):]) or "-"
    if len(fields) < width and is_last:
        fix = (f"the last line has {len(fields)} of {width} fields and no line end: the file looks "
               "truncated; export it again completely")
    elif len(fields) < width:
        fix = (f"the line has {len(fields)} of {width} fields ({','.join(header)}); fill the "
               "missing fields (leave a missing value empty, keep the commas)")
    else:
        fix = (f"the line has {len(fields)} fields, the header {width}: quote a value that contains "
               'a comma ("a, b") or remove the extra fields')
    return Problem(name, line, lacking, "field_count", value, fix)


# --------------------------------------------------------------------------------------------------
# Division names, numbers and unit-scale hints
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
        if level == "county" and prov in ref.province_names:
            return None, (f"{raw} is not a current county code of {ref.province_names[prov]} ({prov}) and "
                          "has no single successor in warehouse/seeds/county_code_changes.csv (an abolished, "
                          "merged or split unit, or a typo): use the current code of the unit the data "
                          "belong to (warehouse/seeds/counties.csv lists them)")
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
    """Say which power of ten would bring a far-off value into range (a unit mix-up)."""
    if lo / 5 <= value <= hi * 5:
        return ""
    for factor, label in ((1e4, "10^4"), (1e8, "10^8"), (1e3, "10^3"), (100.0, "100")):
        if lo <= value / factor <= hi:
            return (f" It is {label} times too large: it looks entered in a unit {label} times smaller "
                    "(e.g. yuan where 10k yuan is expected); convert it or fix the unit column.")
        if lo <= value * factor <= hi:
            return (f" It is {label} times too small: it looks entered in a unit {label} times larger; "
                    "convert it or fix the unit column.")
    return ""

# --------------------------------------------------------------------------------------------------
# Column checks (vectorised over distinct values)
# --------------------------------------------------------------------------------------------------

INDICATOR_TERMS = ("unit_factor", "min_plausible", "max_plausible")
Fix = str | Callable[[Any], str] | pd.Series


@dataclass
class _Checker:
    """Checks of one raw table: fills ``out`` (typed, resolved rows) and ``problems``."""

    spec: RawFileSpec
    ref: Reference
    table: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out = pd.DataFrame({"_line": self.table["_line"]})
        self.ok = pd.Series(True, index=self.table.index)

    def text(self, col: str) -> pd.Series:
        """A column's text, stripped."""
        return self.table[col].astype(object).map(str.strip)

    def flag(self, mask: pd.Series, column: str, rule: str, shown: pd.Series, fix: Fix) -> None:
        """Record a problem for every row of ``mask``; ``fix`` may depend on the value or the row."""
        for i in self.table.index[mask.to_numpy(dtype=bool)]:
            value = shown[i]
            text = fix[i] if isinstance(fix, pd.Series) else fix(value) if callable(fix) else fix
            self.problems.append(Problem(self.spec.name, int(self.table.at[i, "_line"]), column, rule,
                                         str(value), text))

    def run(self) -> pd.DataFrame:
        """Run every check; return the typed frame."""
        for col, level in self.spec.divisions.items():
            self.division(col, level)
        self.year()
        for col, kind in self.spec.lookups.items():
            self.lookup(col, kind)
        if "firm_id" in self.spec.columns:
            firm = self.text("firm_id")
            self.flag(firm == "", "firm_id", "not_null", firm, "give every firm an identifier")
            self.ok &= firm != ""
            self.out["firm_id"] = firm.where(firm != "", None)
        for col in self.spec.numeric:
            self.number(col)
        if self.spec.indicator_level:
            self.indicator(self.spec.indicator_level)
        self.out["source"] = self.table["source"]
        self.duplicates()
        extra = INDICATOR_TERMS if self.spec.indicator_level else ()
        return self.out[["_line", *self.spec.columns, *extra]]

    def division(self, col: str, level: str) -> None:
        """Resolve codes and names through the alias seed."""
        text = self.text(col)
        resolved = {v: resolve_division(v, level, self.ref) for v in text.unique() if v}
        code = text.map(lambda v: resolved[v][0] if v else None)
        empty, unknown = text == "", code.isna() & (text != "")
        self.flag(empty, col, "not_null", text, f"every row needs its {level} (code or name)")
        self.flag(unknown, col, "known_code", text, lambda v: resolved[v][1])
        self.ok &= ~(empty | unknown)
        self.out[col] = code.where(code.notna(), text)

    def year(self) -> None:
        """Integer years inside the panel of dbt_project.yml."""
        text = self.text("year")
        first, last = self.ref.years[self.spec.panel]
        parsed = {v: _parse_number(v) for v in text.unique()}
        years = {v: int(n) for v, n in parsed.items() if n is not None and n == int(n)}
        year = text.map(years)
        not_int = year.isna()
        outside = ~not_int & ~year.between(first, last)
        self.flag(not_int, "year", "integer_year", text, "write the year as four digits, e.g. 2015")
        self.flag(outside, "year", "year_in_panel", text,
                  f"the {self.spec.panel} panel covers {first}-{last}; drop the row or change the vars "
                  f"{self.spec.panel}_first_year/{self.spec.panel}_last_year in dbt_project.yml")
        self.ok &= ~(not_int | outside)
        self.out["year"] = year.astype("Int64")

    def lookup(self, col: str, kind: str) -> None:
        """Sector / industry codes known to the seeds."""
        text = self.text(col)
        text = text.str.upper() if kind == "sectors" else text
        fix: Fix
        if kind == "industries4":
            known = self.ref.codes["industries"]
            bad = ~text.map(lambda v: bool(re.fullmatch(r"\d{4}", v)) and v[:2] in known).astype(bool)
            fix = ("write a CIC 4-digit industry code whose first two digits are a manufacturing "
                   "division 13-43 (warehouse/seeds/cic_divisions.csv)")
        else:
            known = self.ref.codes[kind]
            bad = ~text.isin(known)
            fix = lambda v: _unknown_code_fix(v, kind, known)  # noqa: E731
        self.flag(bad, col, "known_code", text, fix)
        self.ok &= ~bad
        self.out[col] = text

    def number(self, col: str) -> None:
        """Numbers (missing tokens allowed), non-negative and integer where the contract says so."""
        text = self.text(col)
        missing = text.str.lower().isin(MISSING_TOKENS)
        cleaned = text.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
        value = pd.to_numeric(cleaned.where(~missing, None), errors="coerce").astype("float64")
        bad = ~missing & ~np.isfinite(value)
        value = value.where(~bad, np.nan)
        self.flag(bad, col, "numeric", text, _number_fix)
        if col in self.spec.non_negative:
            self.flag(value < 0, col, "non_negative", text,
                      "counts, employment and amounts cannot be negative; check the sign and the "
                      "yearbook table, or leave the cell empty if the value is unknown")
        if col in self.spec.integer:
            self.flag((value % 1).fillna(0) != 0, col, "integer", text, "counts are whole numbers")
        self.out[col] = value

    def indicator(self, level: str) -> None:
        """Indicator codes in the catalog, units that convert, values in the plausible range."""
        code = self.text("indicator_code").str.lower()
        given = self.text("unit").str.lower()
        unknown = ~code.map(lambda c: (level, c) in self.ref.indicators).astype(bool)
        known_codes = sorted(c for lv, c in self.ref.indicators if lv == level)
        self.flag(unknown, "indicator_code", "known_code", code,
                  lambda c: _unknown_indicator_fix(c, level, known_codes))
        self.ok &= ~unknown
        pairs = {p: self._unit_terms(level, *p) for p in set(zip(code, given, strict=True))}
        terms = pd.DataFrame([pairs[p] for p in zip(code, given, strict=True)], index=self.table.index,
                             columns=list(INDICATOR_TERMS), dtype="float64")
        no_factor = ~unknown & terms["unit_factor"].isna()
        fixes = pd.Series([_unit_fix(c, g, self.ref.indicators.get((level, c), ("?",))[0])
                           if bad else "" for c, g, bad in zip(code, given, no_factor, strict=True)],
                          index=self.table.index, dtype=object)
        self.flag(no_factor, "unit", "unit_mismatch", given, fixes)
        value = self.out["value"] * terms["unit_factor"]
        outside = value.notna() & ~value.between(terms["min_plausible"], terms["max_plausible"])
        for i in self.table.index[outside.to_numpy(dtype=bool)]:
            self.problems.append(self._range_problem(i, code[i], given[i], float(value[i])))
        self.out["indicator_code"] = code
        self.out["value"] = value
        self.out["unit"] = given
        self.out[list(INDICATOR_TERMS)] = terms

    def _unit_terms(self, level: str, code: str, given: str) -> tuple[float, float, float]:
        entry = self.ref.indicators.get((level, code))
        if entry is None:
            return (np.nan, np.nan, np.nan)
        unit, lo, hi = entry
        # An empty unit means the catalog unit (as in the int_*_indicators_cleaned models).
        factor = 1.0 if given in ("", unit) else self.ref.conversions.get((given, unit), np.nan)
        return (factor, lo, hi)

    def _range_problem(self, i: Any, code: str, given: str, value: float) -> Problem:
        unit, lo, hi = self.ref.indicators[(self.spec.indicator_level or "", code)]
        raw = str(self.table.at[i, "value"]).strip()
        shown = raw if given in ("", unit) else f"{raw} {given} = {value:g} {unit}"
        return Problem(self.spec.name, int(self.table.at[i, "_line"]), "value", "plausible_range", shown,
                       f"{code} must lie in [{lo:g}, {hi:g}] {unit} (indicator_catalog.csv "
                       f"min_plausible/max_plausible).{_scale_hint(value, lo, hi)}")

    def duplicates(self) -> None:
        """One row per key (after resolution); later duplicates point at the first line."""
        key = list(self.spec.key)
        good = self.out.loc[self.ok.to_numpy(dtype=bool), ["_line", *key]]
        first = good.groupby(key, sort=False, dropna=False)["_line"].transform("min")
        for i in good.index[(good["_line"] != first).to_numpy(dtype=bool)]:
            shown = ", ".join(f"{k}={good.at[i, k]}" for k in key)
            self.problems.append(Problem(
                self.spec.name, int(good.at[i, "_line"]), ",".join(key), "unique_key", shown,
                f"the same key is on line {first[i]}; keep one row per {', '.join(key)} "
                "(a duplicated year, or a name and a code of the same division?)"))


def _unknown_code_fix(value: str, kind: str, known: set[str]) -> str:
    seed = {"sectors": "sectors.csv (GB/T 4754-2017 section letters A..S)",
            "industries": "cic_divisions.csv (CIC 2-digit divisions 13..43)"}[kind]
    near = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
    hint = f"nearest: {', '.join(near)}; " if near else ""
    return f"unknown code; {hint}use a code of warehouse/seeds/{seed}"


def _unknown_indicator_fix(code: str, level: str, known: list[str]) -> str:
    near = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    hint = f"nearest: {', '.join(near)}; " if near else ""
    return (f"unknown {level} indicator; {hint}use an indicator_code of level {level} in "
            "warehouse/seeds/indicator_catalog.csv (a new indicator is a new row there)")


def _unit_fix(code: str, given: str, unit: str) -> str:
    return (f"{code} is measured in {unit!r} (indicator_catalog.csv) and "
            f"warehouse/seeds/unit_conversions.csv has no {given!r} -> {unit!r} factor; "
            f"convert the value to {unit} or add the conversion row")


def check_raw_file(path: Path, spec: RawFileSpec, ref: Reference) -> tuple[pd.DataFrame | None, list[Problem]]:
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
    frame : DataFrame or None
        Every row with the header's field count: ``_line``, the contract columns with codes
        resolved (an unresolved code keeps its text), numbers parsed (NaN when missing or not a
        number), indicator values converted into the catalog unit with ``unit_factor``,
        ``min_plausible`` and ``max_plausible``; None when the file could not be read.
    problems : list of Problem
        Sorted by line.
    """
    table, problems = read_table(path, spec)
    if table is None:
        return None, problems
    checker = _Checker(spec, ref, table, problems)
    frame = checker.run()
    return frame, sorted(checker.problems, key=lambda p: p.line)


CacheKey = tuple[tuple[str, int, int], tuple[tuple[str, int, int], ...]]


def cache_key(path: Path, ref: Reference) -> CacheKey:
    """Key of a checked raw file in a cache: the file's and the reference data's fingerprints."""
    return (file_key(path), ref.fingerprint)


def find_problems(raw_dir: Path, ref: Reference, cache: MutableMapping[CacheKey, pd.DataFrame] | None = None
                  ) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Check every raw file of ``raw_dir``.

    Parameters
    ----------
    raw_dir : Path
        The raw directory.
    ref : Reference
        Reference data.
    cache : mapping, optional
        Checked frames of files without problems by :func:`cache_key`: a file found there is not
        read again, and every clean file checked is added.

    Returns
    -------
    frames : dict
        File name -> checked frame (files that could be read).
    problems : list of Problem
        File by file, in line order; a missing required file is a problem.
    """
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for spec in RAW_FILES:
        path = raw_dir / spec.name
        if not path.exists():
            if spec.required:
                problems.append(Problem(spec.name, 1, "-", "required_file", "(missing)",
                                        f"put {spec.name} in {raw_dir} (columns {','.join(spec.columns)})"))
            continue
        key = cache_key(path, ref)
        if cache is not None and key in cache:
            frames[spec.name] = cache[key]
            continue
        frame, found = check_raw_file(path, spec, ref)
        problems += found
        if frame is not None:
            frames[spec.name] = frame
            if cache is not None and not found:
                cache[key] = frame
    return frames, problems

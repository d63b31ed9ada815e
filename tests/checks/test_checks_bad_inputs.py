"""Bad raw inputs: each fault fails with file, line, column and rule, and publishes nothing.

Every case copies the (synthetic) demo raw directory, makes one small edit to one file, and runs
it through the real entry point ``analysis.pipeline.build`` against a "published" warehouse file
whose sha256 must be the same afterwards. The faults are caught by ``validate_raw`` before dbt runs,
so these runs are cheap. The expected line numbers are computed here by scanning the edited file
(1-based, counting the comment and header lines), independently of the checks' own reader.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import demo_raw_dir

from analysis.checks.checkpoint import validate_raw
from analysis.cli import main
from analysis.errors import AggloError
from analysis.pipeline import build

Edit = Callable[[list[str]], list[str]]


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_raw_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for the last good published warehouse: a small DuckDB file with a table in it."""
    import duckdb

    path = tmp_path_factory.mktemp("published") / "agglo.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table fct_province_years as select 1 as marker")
    con.close()
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_with_edit(src: Path, dst: Path, name: str, edit: Edit | None) -> Path:
    """Copy the raw dir (symlinks for untouched files); apply ``edit`` to the lines of ``name``."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.csv"):
        if f.name != name:
            (dst / f.name).symlink_to(f)
    if edit is not None:
        lines = (src / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (dst / name).write_text("".join(edit(lines)), encoding="utf-8")
    return dst


def first_data_line(lines: list[str], pattern: str) -> int:
    """Index (0-based) of the first non-comment, non-header line matching ``pattern``."""
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return next(i for i in range(header + 1, len(lines)) if re.search(pattern, lines[i]))


def replace_field(line: str, index: int, value: str) -> str:
    fields = line.rstrip("\n").split(",")
    fields[index] = value
    return ",".join(fields) + "\n"


@dataclass
class Fault:
    """One bad input: which file, how it is edited, and what the error must name."""

    id: str
    file: str
    edit: Edit | None  # None: the file is deleted
    rule: str
    column: str
    line: Callable[[list[str]], int]  # 1-based expected line, from the ORIGINAL lines
    also: tuple[str, ...] = ()  # further text the message must contain

    def expected(self, lines: list[str]) -> str:
        return f"{self.file}:{self.line(lines)}: column {self.column}: rule {self.rule}:"


# --- edits ----------------------------------------------------------------------------------------


def at(pattern: str, index: int, value: str) -> Edit:
    """Replace field ``index`` of the first data line matching ``pattern``."""

    def edit(lines: list[str]) -> list[str]:
        i = first_data_line(lines, pattern)
        return lines[:i] + [replace_field(lines[i], index, value)] + lines[i + 1:]

    return edit


def line_of(pattern: str) -> Callable[[list[str]], int]:
    return lambda lines: first_data_line(lines, pattern) + 1


def header_line(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if not line.startswith("#")) + 1


def truncate(lines: list[str]) -> list[str]:
    """Cut the file inside its last line, before the third comma (an interrupted export)."""
    last = lines[-1]
    cut = [i for i, ch in enumerate(last) if ch == ","][2]
    return lines[:-1] + [last[:cut]]


def semicolons(lines: list[str]) -> list[str]:
    return [line if line.startswith("#") else line.replace(",", ";") for line in lines]


def header_typo(lines: list[str]) -> list[str]:
    h = header_line(lines) - 1
    return lines[:h] + [lines[h].replace("province_code", "provnce_code")] + lines[h + 1:]


def duplicated_year(lines: list[str]) -> list[str]:
    """The 2006 row of Beijing/section A relabelled 2005 (a typo that duplicates a year)."""
    i = first_data_line(lines, r"^110000,2006,A,")
    return lines[:i] + [lines[i].replace(",2006,", ",2005,", 1)] + lines[i + 1:]


def duplicate_row(lines: list[str]) -> list[str]:
    """The first data row appended again at the end."""
    i = first_data_line(lines, r".")
    return lines + [lines[i]]


def times_10k(pattern: str) -> Edit:
    """Multiply the value of the first matching row by 10,000 (yuan entered where 10k yuan expected)."""

    def edit(lines: list[str]) -> list[str]:
        i = first_data_line(lines, pattern)
        value = float(lines[i].split(",")[3]) * 10_000
        return lines[:i] + [replace_field(lines[i], 3, f"{value:.1f}")] + lines[i + 1:]

    return edit


def empty(lines: list[str]) -> list[str]:
    return []


GDP_ROW = r"^[^,]+,\d+,gdp_10k_yuan,[^,]+,10k_yuan,"
FAULTS = [
    Fault("truncated_csv", "province_sector_employment.csv", truncate, "field_count",
          "employment_10k,source", lambda lines: len(lines), ("truncated",)),
    Fault("wrong_delimiter", "province_indicators.csv", semicolons, "delimiter", "(header)", header_line,
          ("semicolon",)),
    Fault("header_typo", "province_sector_employment.csv", header_typo, "header", "provnce_code", header_line,
          ("did you mean 'province_code'",)),
    Fault("duplicated_year", "province_sector_employment.csv", duplicated_year, "unique_key",
          "province_code,year,sector_code",
          lambda lines: max(first_data_line(lines, r"^110000,2006,A,"), first_data_line(lines, r"^110000,2005,A,")) + 1,
          ("year=2005",)),
    Fault("string_in_numeric", "province_sector_employment.csv", at(r"^110000,2010,C,", 3, "n.a. (see note)"),
          "numeric", "employment_10k", line_of(r"^110000,2010,C,")),
    # every province's counties are known now (national seed); an abolished code without a single
    # successor (崇文区, merged into 东城区 in 2010) is still an unknown code
    Fault("abolished_county_code", "county_indicators.csv", at(r"^510104,", 0, "110103"), "known_code",
          "county_code", line_of(r"^510104,"), ("北京市 (110000)", "county_code_changes")),
    Fault("empty_file", "county_industry.csv", empty, "empty_file", "-", lambda lines: 1),
    Fault("unknown_province_name", "province_indicators.csv", at(r"^510000,", 0, "泗川省"), "known_code",
          "province_code", line_of(r"^510000,"), ("nearest known names", "四川省 (510000)")),
    Fault("unit_mismatch", "province_indicators.csv", at(r",gdp_100m_yuan,", 4, "pct"), "unit_mismatch", "unit",
          line_of(r",gdp_100m_yuan,"), ("100m_yuan",)),
    Fault("yuan_for_10k_yuan", "county_indicators.csv", times_10k(GDP_ROW), "plausible_range", "value",
          line_of(GDP_ROW), ("10^4 times too large",)),
    Fault("negative_employment", "prefecture_sector_employment.csv", at(r"^510100,2012,C,", 3, "-12.5"),
          "non_negative", "employment_10k", line_of(r"^510100,2012,C,")),
    Fault("year_outside_panel", "county_industry.csv", at(r"^510104,2011,13,", 1, "2030"), "year_in_panel",
          "year", line_of(r"^510104,2011,13,"), ("2011-2022",)),
    Fault("duplicate_key", "county_industry.csv", duplicate_row, "unique_key",
          "county_code,year,industry_code", lambda lines: len(lines) + 1),
    Fault("unknown_sector", "province_sector_employment.csv", at(r"^120000,2003,B,", 2, "Z"), "known_code",
          "sector_code", line_of(r"^120000,2003,B,")),
    Fault("unknown_indicator", "province_indicators.csv", at(r",gdp_per_capita_yuan,", 2, "gdp_per_capita_yaun"),
          "known_code", "indicator_code", line_of(r",gdp_per_capita_yuan,"), ("nearest: gdp_per_capita_yuan",)),
    Fault("unknown_industry", "county_industry.csv", at(r"^510104,2012,13,", 2, "44"), "known_code",
          "industry_code", line_of(r"^510104,2012,13,")),
    Fault("fractional_year", "county_indicators.csv", at(r"^510105,", 1, "2015.5"), "integer_year", "year",
          line_of(r"^510105,")),
    Fault("missing_code", "prefecture_sector_employment.csv", at(r"^510300,", 0, ""), "not_null",
          "prefecture_code", line_of(r"^510300,")),
    Fault("fractional_enterprises", "county_industry.csv", at(r"^510105,2013,", 3, "2.5"), "integer",
          "enterprises", line_of(r"^510105,2013,")),
    Fault("missing_file", "province_indicators.csv", None, "required_file", "-", lambda lines: 1),
]


def make_bad_dir(raw_dir: Path, tmp_path: Path, fault: Fault) -> tuple[Path, list[str]]:
    original = (raw_dir / fault.file).read_text(encoding="utf-8").splitlines(keepends=True)
    bad = copy_with_edit(raw_dir, tmp_path / "raw", fault.file, fault.edit)
    if fault.edit is None:
        (bad / fault.file).unlink(missing_ok=True)
    return bad, original


def test_there_are_at_least_15_distinct_faults():
    assert len({f.id for f in FAULTS}) == len(FAULTS) >= 15
    assert len({f.rule for f in FAULTS}) >= 12


def test_demo_raw_data_passes(raw_dir):
    validate_raw(raw_dir)  # the baseline the faults are edits of


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_fault_fails_validation_with_file_line_column_rule(fault, raw_dir, tmp_path):
    bad, original = make_bad_dir(raw_dir, tmp_path, fault)
    with pytest.raises(AggloError) as exc:
        validate_raw(bad)
    message = str(exc.value)
    if fault.id == "missing_file":
        assert f"{fault.file}:1: column -: rule required_file:" in message
        return
    assert fault.expected(original) in message, message[:2000]
    for text in fault.also:
        assert text in message, message[:2000]
    assert " — " in message  # every problem says what to do
    # exactly one problem: the edit, nothing else (the rest of the demo is clean)
    assert message.startswith("1 problem(s)"), message[:2000]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_fault_through_build_leaves_published_warehouse_identical(fault, raw_dir, published, tmp_path):
    bad, original = make_bad_dir(raw_dir, tmp_path, fault)
    before = sha256(published)
    with pytest.raises(AggloError) as exc:
        build(bad, published, quiet=True)
    assert sha256(published) == before
    message = str(exc.value)
    assert fault.file in message
    if fault.id != "missing_file":  # the pipeline's own file check reports a missing file first
        assert fault.expected(original) in message, message[:2000]
    assert not list(published.parent.glob(".*building*.duckdb")), "the half-built file must be removed"


def test_not_utf8_file_names_encoding_and_line(raw_dir, tmp_path):
    bad = copy_with_edit(raw_dir, tmp_path / "raw", "county_indicators.csv", None)
    text = (raw_dir / "county_indicators.csv").read_text(encoding="utf-8")
    (bad / "county_indicators.csv").write_bytes(text.encode("gb18030"))
    first_non_ascii = next(i for i, line in enumerate(text.splitlines(), start=1) if not line.isascii())
    with pytest.raises(AggloError) as exc:
        validate_raw(bad)
    assert f"county_indicators.csv:{first_non_ascii}: column -: rule encoding:" in str(exc.value)
    assert "GB18030" in str(exc.value)


def test_agglo_check_exits_nonzero_with_the_message(raw_dir, published, tmp_path, capsys):
    fault = next(f for f in FAULTS if f.id == "negative_employment")
    bad, original = make_bad_dir(raw_dir, tmp_path, fault)
    code = main(["check", "--raw-dir", str(bad), "--warehouse", str(published)])
    assert code == 2
    assert fault.expected(original) in capsys.readouterr().err


def test_messy_but_valid_input_is_accepted(raw_dir, tmp_path):
    """Stray spaces and suffixes in names, thousands separators, dash for missing, Chinese units."""

    def messy(lines: list[str]) -> list[str]:
        out = list(lines)
        i = first_data_line(out, r"^510000,\d+,gdp_100m_yuan,")
        code, year, indicator, value, _unit, source = out[i].rstrip("\n").split(",")
        # GDP in 10k yuan (万元, converted with factor 1e-4) with thousands separators, quoted
        out[i] = f' 四川 省 ,{year},{indicator},"{float(value) * 10000:,.0f}",万元,{source}\n'
        j = first_data_line(out, r"^110000,\d+,patents_granted,")
        out[j] = replace_field(replace_field(out[j], 0, "北京"), 3, "—")  # a yearbook dash: missing
        return out

    bad = copy_with_edit(raw_dir, tmp_path / "raw", "province_indicators.csv", messy)
    lines = (bad / "province_indicators.csv").read_text(encoding="utf-8")
    assert ' 四川 省 ,' in lines and "万元" in lines
    validate_raw(bad)
    shutil.rmtree(bad)


def test_agglo_run_with_bad_raw_dir_exits_2_and_keeps_the_published_file(raw_dir, published, tmp_path, capsys):
    fault = next(f for f in FAULTS if f.id == "unknown_province_name")
    bad, original = make_bad_dir(raw_dir, tmp_path, fault)
    before = sha256(published)
    code = main(["run", "--raw-dir", str(bad), "--warehouse", str(published)])
    err = capsys.readouterr().err
    assert code == 2
    assert fault.expected(original) in err and "四川省 (510000)" in err
    assert sha256(published) == before

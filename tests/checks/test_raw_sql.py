"""Raw validation in DuckDB SQL: the same problems as the pandas checks before it, and large files.

The bad-input faults of test_checks_bad_inputs.py are compared line for line with the problems the
previous (pandas) implementation printed, recorded in tests/fixtures/raw_fault_messages.json by
tests/fixtures/record_raw_fault_messages.py. The large-file tests generate a SYNTHETIC firms.csv of
200,000 firm-years with faults planted on known lines.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import demo_raw_dir
from test_checks_bad_inputs import FAULTS, make_bad_dir

from analysis.checks.raw_suites import exact_failures, expand_suite, raw_suite_data
from analysis.checks.suites import suite_parameters
from analysis.paths import PROJECT_ROOT
from analysis.warehouse.contract import raw_file
from analysis.warehouse.raw_validation import check_raw_table, find_problems, load_reference

RECORDED = json.loads((PROJECT_ROOT / "tests" / "fixtures" / "raw_fault_messages.json").read_text(encoding="utf-8"))
N_FIRMS = 200_000


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_raw_dir(tmp_path_factory)


def test_every_fault_is_recorded():
    assert set(RECORDED) - {"_how"} == {f.id for f in FAULTS}


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_sql_checks_print_the_recorded_problems(fault, raw_dir, ref, tmp_path):
    bad, _ = make_bad_dir(raw_dir, tmp_path, fault)
    _, problems = find_problems(bad, ref)
    assert [str(p).replace(str(bad), "<raw_dir>") for p in problems] == RECORDED[fault.id]
    shutil.rmtree(bad)


# --------------------------------------------------------------------------- a large firms file


def write_firms(path: Path, ref, n: int) -> dict[str, int]:
    """A SYNTHETIC firms.csv of ``n`` valid rows (comment line 1, header line 2, row i on line i + 3)
    with faults planted on known lines; returns fault -> line."""
    counties = sorted(ref.codes["county"])
    divisions = sorted(ref.codes["industries"])
    first, last = ref.years["county"]
    n_years = last - first + 1
    lines = ["# SYNTHETIC TEST DATA (tests/checks/test_raw_sql.py) - not real firms",
             ",".join(raw_file("firms").columns)]
    for i in range(n):
        firm, year = divmod(i, n_years)
        lines.append(f"F{firm:07d},{first + year},{counties[firm % len(counties)]},"
                     f"{divisions[firm % len(divisions)]}{firm % 90 + 10},{firm % 500 + 1},{(i % 997) * 1.5},synthetic")
    planted = {"negative": 1_003, "unknown_county": 50_001, "year_outside": 120_000, "non_numeric": 150_002,
               "bad_industry": 180_000, "duplicate": n + 3}

    def edit(line_no: int, index: int, value: str) -> None:
        fields = lines[line_no - 1].split(",")
        fields[index] = value
        lines[line_no - 1] = ",".join(fields)

    edit(planted["negative"], 4, "-7")
    edit(planted["unknown_county"], 2, "999999")
    edit(planted["year_outside"], 1, str(last + 5))
    edit(planted["non_numeric"], 5, "about 12")
    edit(planted["bad_industry"], 3, "4412")
    lines.append(lines[10 - 1])  # line 10 again: a duplicate key
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return planted


@pytest.fixture(scope="module")
def large(tmp_path_factory, ref):
    path = tmp_path_factory.mktemp("large") / "firms.csv"
    planted = write_firms(path, ref, N_FIRMS)
    checked, problems = check_raw_table(path, raw_file("firms"), ref)
    yield checked, problems, planted
    checked.con.close()


def test_large_file_problems_name_the_planted_lines(large):
    checked, problems, planted = large
    got = [(p.line, p.column, p.rule) for p in problems]
    assert got == [
        (planted["negative"], "employment", "non_negative"),
        (planted["unknown_county"], "county_code", "known_code"),
        (planted["year_outside"], "year", "year_in_panel"),
        (planted["non_numeric"], "output_10k_yuan", "numeric"),
        (planted["bad_industry"], "industry_code", "known_code"),
        (planted["duplicate"], "firm_id,year", "unique_key"),
    ]
    assert "the same key is on line 10" in problems[-1].fix
    assert checked.n_rows == N_FIRMS + 1


def test_large_file_rows_keep_their_lines_and_values(large):
    checked, _, planted = large
    rows = dict(checked.con.execute(
        "select _line, employment from checked where _line in (3, 100002, ?)", [planted["negative"]]).fetchall())
    # row i (0-based) is on line i + 3 with employment (i // n_years) % 500 + 1, see write_firms
    n_years = 12
    assert rows == {3: 1.0, 100_002: float((99_999 // n_years) % 500 + 1), planted["negative"]: -7.0}


def test_sample_is_reproducible_and_sql_checks_every_row(large, ref):
    checked, _, planted = large
    data = raw_suite_data(checked, sample_rows=1_000)
    assert data.sampled and len(data.frame) == 1_000
    assert data.frame["_line"].is_monotonic_increasing
    assert data.frame["_line"].tolist() == raw_suite_data(checked, sample_rows=1_000).frame["_line"].tolist()
    suite = expand_suite({"name": "raw_firms", "meta": {"contract": "firms"}, "expectations": []})
    n_failed, failures = exact_failures(checked, suite, suite_parameters(ref, {}))
    text = "\n".join(failures)
    assert f"firms.csv:{planted['negative']}: column employment: rule non_negative: value employment=-7.0" in text
    assert f"firms.csv:{planted['unknown_county']}: column county_code: rule known_code: value county_code=999999" in text
    assert f"firms.csv:{planted['year_outside']}: column year: rule year_in_panel:" in text
    assert f"firms.csv:{planted['bad_industry']}: column industry_code: rule known_code: value industry_code=4412" in text
    assert "firms.csv:10: column firm_id,year: rule unique_key:" in text
    assert f"firms.csv:{planted['duplicate']}: column firm_id,year: rule unique_key:" in text
    # non_negative, known_code (county), year_in_panel, known_code (CIC4 regex), unique_key
    assert n_failed == 5
    assert raw_suite_data(checked, sample_rows=N_FIRMS + 1).sampled is False

"""Raw-file validation on small hand-made files (hand-worked expected values in each test)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from conftest import demo_raw_dir

from analysis.checks.checkpoint import validate_raw
from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT
from analysis.warehouse.raw_validation import (
    MISSING_TOKENS,
    RAW_FILES,
    _scale_hint,
    check_raw_file,
    load_reference,
    norm_alias,
    resolve_division,
)

SPEC = {s.name: s for s in RAW_FILES}


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_raw_file_columns_match_the_data_contract():
    contract = (PROJECT_ROOT / "docs" / "data_contract.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+\.csv)`(?: \(optional\))? \| `([^`]+)` \|", contract, flags=re.M))
    assert set(rows) == set(SPEC)
    for name, columns in rows.items():
        assert tuple(c.strip() for c in columns.split(",")) == SPEC[name].columns
    assert {s.name for s in RAW_FILES if not s.required} == {"firms.csv"}


def test_missing_tokens_match_the_dbt_cleaning_macro():
    macro = (PROJECT_ROOT / "warehouse" / "macros" / "cleaning.sql").read_text(encoding="utf-8")
    listed = re.search(r"missing_tokens\(\)[^\[]*\[([^\]]*)\]", macro).group(1)
    assert set(re.findall(r'"([^"]*)"', listed)) == MISSING_TOKENS


def test_alias_normalisation_matches_the_seed_rule():
    assert norm_alias(" 四川\u3000省 ") == "四川省"
    assert norm_alias("Inner  Mongolia") == "innermongolia"


def test_values_are_resolved_converted_and_numbered(tmp_path, ref):
    path = write(tmp_path / "province_indicators.csv", (
        "# SYNTHETIC TEST FILE\n"                                          # line 1
        "province_code,year,indicator_code,value,unit,source\n"            # line 2
        ' 四川 省 ,2005,gdp_100m_yuan,"8,000",100m_yuan,p.1\n'              # line 3: 8000
        "Beijing,2003,GDP_100M_YUAN,36000000,万元,p.2\n"                   # line 4: 3.6e7 * 1e-4 = 3600
        "\n"                                                               # line 5: blank
        "# a comment inside\n"                                             # line 6
        "北京市,2004,gdp_100m_yuan,..,100m_yuan,p.3\n"                     # line 7: missing
        '110000,2005,gdp_100m_yuan,4000,,"two-line\nsource"\n'             # lines 8-9: empty unit
        "510000,2006,gdp_100m_yuan,9000,100m_yuan,p.5\n"                   # line 10
    ))
    frame, problems = check_raw_file(path, SPEC["province_indicators.csv"], ref)
    assert problems == []
    assert frame["_line"].tolist() == [3, 4, 7, 8, 10]
    assert frame["province_code"].tolist() == ["510000", "110000", "110000", "110000", "510000"]
    assert frame["indicator_code"].tolist() == ["gdp_100m_yuan"] * 5
    values = frame["value"].tolist()
    assert values[0] == 8000 and values[1] == pytest.approx(3600) and math.isnan(values[2])
    assert values[3:] == [4000, 9000]
    assert frame["unit_factor"].tolist()[:2] == [1.0, pytest.approx(1e-4)]
    assert frame["source"].tolist()[3] == "two-line\nsource"


def test_every_problem_of_a_file_is_listed_with_its_line(tmp_path, ref):
    path = write(tmp_path / "province_sector_employment.csv", (
        "# SYNTHETIC TEST FILE\n"
        "province_code,year,sector_code,employment_10k,source\n"
        "510000,2003,C,100,ok\n"          # 3
        "510000,2003,c,101,dup\n"         # 4: sector upper-cased -> same key as line 3
        "510000,2002,C,100,early\n"       # 5: before the panel
        "510000,2004,Z,1,bad sector\n"    # 6
        "510000,2005,C,-3,negative\n"     # 7
        "510000,2006,C,abc,text\n"        # 8
        "510000,2007,C\n"                 # 9: two fields missing (not the last line)
        "510000,2008,C,—,dash means missing\n"  # 10: fine
    ))
    _, problems = check_raw_file(path, SPEC["province_sector_employment.csv"], ref)
    got = [(p.line, p.column, p.rule) for p in problems]
    assert got == [
        (4, "province_code,year,sector_code", "unique_key"),
        (5, "year", "year_in_panel"),
        (6, "sector_code", "known_code"),
        (7, "employment_10k", "non_negative"),
        (8, "employment_10k", "numeric"),
        (9, "employment_10k,source", "field_count"),
    ]
    assert "the same key is on line 3" in problems[0].fix


def test_unknown_names_list_the_nearest_known_names(ref):
    code, fix = resolve_division("泗川", "province", ref)
    assert code is None and "四川 (510000)" in fix
    assert resolve_division("520102", "county", ref)[0] == "520102"  # every province's counties are known
    code, fix = resolve_division("110103", "county", ref)  # 崇文区, merged into 东城区 in 2010
    assert code is None and "北京市 (110000)" in fix and "county_code_changes" in fix
    assert resolve_division("139002", "county", ref)[0] == "130181"  # 辛集市, older vintage code
    assert resolve_division(" 郫县 ", "county", ref)[0] == "510117"  # 2011 name -> current code
    assert resolve_division("510124", "county", ref)[0] == "510117"  # 2011 code -> current code


def test_scale_hint_arithmetic():
    # county GDP range [1000, 3e8] (10k yuan); 2.3e9 / 1e4 = 2.3e5 lies inside -> entered in yuan
    assert "10^4 times too large" in _scale_hint(2.3e9, 1000, 3e8)
    # 0.5 * 1e4 = 5000 lies inside -> entered in a unit 10^4 times larger (100m yuan)
    assert "10^4 times too small" in _scale_hint(0.5, 1000, 3e8)
    # 4e8 is within 5x of the maximum: an outlier, not a unit mix-up
    assert _scale_hint(4e8, 1000, 3e8) == ""


def test_an_edited_file_is_checked_again_after_a_clean_run(tmp_path_factory, tmp_path):
    raw = demo_raw_dir(tmp_path_factory)
    copy = tmp_path / "raw"
    copy.mkdir()
    for f in raw.glob("*.csv"):
        (copy / f.name).write_bytes(f.read_bytes())
    validate_raw(copy)  # clean: the checked frames are cached
    path = copy / "province_sector_employment.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.append("510000,2003,C,1,duplicate\n")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(AggloError, match=rf"province_sector_employment.csv:{len(lines)}: .*rule unique_key"):
        validate_raw(copy)


def test_optional_firms_file_is_checked_when_present(tmp_path, ref):
    path = write(tmp_path / "firms.csv", (
        "# SYNTHETIC TEST FILE\n"
        "firm_id,year,county_code,industry_code,employment,output_10k_yuan,source\n"
        "F1,2015,双流区,3911,120,5000,ok\n"      # 3: name resolves to 510116
        "F1,2015,510116,3911,121,5001,dup\n"     # 4: same firm and year
        "F2,2015,510116,4499,10,10,bad code\n"   # 5: division 44 is not manufacturing 13..43
        ",2016,510116,3911,10,10,no id\n"        # 6
    ))
    frame, problems = check_raw_file(path, SPEC["firms.csv"], ref)
    assert frame["county_code"].tolist()[0] == "510116"
    assert [(p.line, p.column, p.rule) for p in problems] == [
        (4, "firm_id,year", "unique_key"),
        (5, "industry_code", "known_code"),
        (6, "firm_id", "not_null"),
    ]

"""The dbt warehouse: panel sizes, county code harmonisation, interpolation, aliases, units, safe publishing.

Two warehouses are used: the session-wide ``demo_warehouse`` (conftest) for the demo-size checks, and
a small one built here from the hand-made raw files in ``tests/fixtures/raw_small`` (marked
SYNTHETIC), whose expected values are worked out by hand in each test.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT
from analysis.pipeline import build

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "raw_small"
SEEDS = PROJECT_ROOT / "warehouse" / "seeds"
# Only the warehouse-core part of the project: the cleaned panels, their parents and tests.
CORE_SELECT = (
    "resource_type:seed +fct_province_years +fct_county_years +fct_county_industry_years "
    "+fct_province_indicator_values +fct_county_indicator_values +dim_industries +dim_indicators +dim_prefectures "
    "+int_firms_cleaned +int_prefecture_sector_employments_cleaned"
)

pytestmark = pytest.mark.warehouse


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _changed_old_codes() -> set[str]:
    with (SEEDS / "sichuan_county_code_changes.csv").open(encoding="utf-8") as fh:
        return {r["old_code"] for r in csv.DictReader(fh) if r["old_code"] and r["old_code"] != r["new_code"]}


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "agglo.duckdb"
    return build(FIXTURE, out, run_checks=False, quiet=True, select=CORE_SELECT)


@pytest.fixture(scope="module")
def con(small_warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(small_warehouse), read_only=True)


def _value(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> object:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None, sql
    return row[0]


# ------------------------------------------------------------------------------------------------
# demo warehouse
# ------------------------------------------------------------------------------------------------


def test_demo_panels_have_one_row_per_unit_year(demo_warehouse: Path) -> None:
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    assert _value(con, "select count(*) from fct_province_years") == 31 * (2021 - 2003 + 1)  # 589
    assert _value(con, "select count(*) from fct_county_years") == 183 * (2022 - 2011 + 1)  # 2196
    assert _value(con, "select count(distinct province_code) from fct_province_years") == 31
    assert _value(con, "select count(distinct county_code) from fct_county_years") == 183


def test_demo_counties_keyed_by_current_codes(demo_warehouse: Path) -> None:
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    with (SEEDS / "counties.csv").open(encoding="utf-8") as fh:
        current = {r["county_code"] for r in csv.DictReader(fh)}
    old = _changed_old_codes()
    assert len(old) == 15 and not old & current
    for table in ("fct_county_years", "fct_county_indicator_values", "fct_county_industry_years"):
        codes = {r[0] for r in con.execute(f"select distinct county_code from {table}").fetchall()}
        assert codes <= current, table
        assert not codes & old, f"{table} keeps 2011-vintage codes {sorted(codes & old)}"
    # every county has all 12 years, also those whose code changed inside the period
    per_county = con.execute("select county_code, count(*) from fct_county_years group by 1").fetchall()
    assert {n for _, n in per_county} == {12}


# ------------------------------------------------------------------------------------------------
# small hand-made warehouse
# ------------------------------------------------------------------------------------------------


def test_interior_gap_interpolated_exactly_and_flagged(con: duckdb.DuckDBPyConnection) -> None:
    # Sichuan GDP: 5000 (2003) and 8000 (2006) observed; 2004 = 5000 + (8000-5000)*1/3 = 6000,
    # 2005 = 5000 + 3000*2/3 = 7000; both flagged and their source names the bracketing years.
    rows = con.execute(
        "select year, value, is_imputed, source from fct_province_indicator_values "
        "where province_code = '510000' and indicator_code = 'gdp_100m_yuan' order by year"
    ).fetchall()
    assert [(y, v, i) for y, v, i, _ in rows] == [
        (2003, 5000.0, False), (2004, 6000.0, True), (2005, 7000.0, True), (2006, 8000.0, False),
        (2007, 9000.0, False),
    ]
    assert rows[1][3] == "linear interpolation between 2003 and 2006"
    # Beijing 2004 is the yearbook's '..' (missing): (3600 + 4000) / 2 = 3800
    assert _value(con, "select value from fct_province_indicator_values where province_code = '110000' "
                       "and indicator_code = 'gdp_100m_yuan' and year = 2004") == pytest.approx(3800.0)
    # ends are not extrapolated: 2008..2021 stay null in the wide panel and are not flagged
    tail = con.execute("select count(*), count(gdp_100m_yuan) from fct_province_years "
                       "where province_code = '510000' and year > 2007").fetchone()
    assert tail == (14, 0)
    # county series across the code change: 100 (2011, old code 510124) and 160 (2014, 510117):
    # 2012 = 100 + 60/3 = 120, 2013 = 140
    county = con.execute("select year, gdp_10k_yuan from fct_county_years where county_code = '510117' "
                         "and year between 2011 and 2015 order by year").fetchall()
    assert county == [(2011, 100.0), (2012, 120.0), (2013, 140.0), (2014, 160.0), (2015, 170.0)]
    # n_imputed_values counts the row's interpolated indicators: Sichuan 2004 has gdp and gdp per capita
    assert _value(con, "select n_imputed_values from fct_province_years where province_code = '510000' "
                       "and year = 2004") == 2


def test_messy_names_resolve_to_codes(con: duckdb.DuckDBPyConnection) -> None:
    # ' 四川 省' (stray spaces), 'Sichuan', '四川' and '510000' are the same province
    sources = dict(con.execute(
        "select year, source from fct_province_indicator_values "
        "where province_code = '510000' and indicator_code = 'gdp_100m_yuan' and not is_imputed"
    ).fetchall())
    assert sources == {2003: "fixture p.1", 2006: "fixture p.2", 2007: "fixture p.3"}
    # '郫县' (2011 name) and '510124' (2011 code) land on 郫都区 510117; '双流区' and '510122' on 510116
    assert _value(con, "select count(*) from fct_county_indicator_values where county_code = '510117' "
                       "and indicator_code = 'gdp_10k_yuan'") == 5
    assert _value(con, "select gdp_10k_yuan from fct_county_years where county_code = '510116' and year = 2012") == 330.0
    # prefectures: '成都' -> 510100, '绵阳市' -> 510700, '东城区' -> Beijing's district 110101
    rows = con.execute("select prefecture_code, sector_code, employment_10k from int_prefecture_sector_employments_cleaned "
                       "order by 1, 2").fetchall()
    assert ("510100", "G", 6.0) in rows and ("510700", "C", 12.0) in rows and ("110101", "C", 5.0) in rows


def test_alias_normalisation_matches_seed(con: duckdb.DuckDBPyConnection) -> None:
    aliases = {r[0]: r[1] for r in con.execute(
        "select alias_norm, code from division_aliases where level = 'province'").fetchall()}
    for messy in (" 四川 省", "Sichuan", "SICHUAN", "四川\u3000省", "四 川"):
        norm = "".join(messy.lower().split())
        assert aliases[norm] == "510000", messy
    county = {r[0]: r[1] for r in con.execute(
        "select alias_norm, code from division_aliases where level = 'county'").fetchall()}
    assert county["郫县"] == county["510124"] == county["郫都区"] == "510117"


def test_units_converted_to_catalog_unit(con: duckdb.DuckDBPyConnection) -> None:
    def v(table: str, key: str, code: str, ind: str, year: int) -> float:
        return float(_value(con, f"select value from {table} where {key} = ? and indicator_code = ? and year = ?",
                            code, ind, year))

    # 1,700,000 元 -> 万元: x 0.0001 = 170
    assert v("fct_county_indicator_values", "county_code", "510117", "gdp_10k_yuan", 2015) == pytest.approx(170.0)
    # 90,000,000 万元 -> 亿元: x 0.0001 = 9000
    assert v("fct_province_indicator_values", "province_code", "510000", "gdp_100m_yuan", 2007) == pytest.approx(9000.0)
    # 2.5 x 100m USD -> 10k USD: x 10,000 = 25,000
    assert v("fct_province_indicator_values", "province_code", "110000", "fdi_10k_usd", 2003) == pytest.approx(25000.0)
    # a share 0.8 given as a ratio -> pct: x 100 = 80
    assert v("fct_province_indicator_values", "province_code", "110000", "urbanisation_rate_pct", 2003) == pytest.approx(80.0)
    # '8,000' with a thousands separator parses as 8000
    assert v("fct_province_indicator_values", "province_code", "510000", "gdp_per_capita_yuan", 2005) == 8000.0


def test_paper_variables_and_employment(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("select pdgp, pgdp, mfg_employment_10k, employment_total_10k from fct_province_years "
                      "where province_code = '510000' and year = 2003").fetchone()
    assert row[0] == pytest.approx(math.log(6000.0)) and row[1] == 6000.0
    assert row[2] == 100.0
    assert row[3] is None  # only 2 of the 19 yearbook sections present -> no total
    # fdi = ln(10000 * 25000 USD); urb = 80 / 100
    fdi, urb = con.execute("select fdi, urb from fct_province_years where province_code = '110000' and year = 2003").fetchone()
    assert fdi == pytest.approx(math.log(2.5e8)) and urb == pytest.approx(0.8)
    # manufacturing employment 2004: (100 + 130) / 2 = 115, interpolated
    assert _value(con, "select employment_10k from int_province_sector_employments_cleaned where province_code = '510000' "
                       "and sector_code = 'C' and year = 2004") == 115.0


def test_optional_firms_file_is_read_and_resolved(con: duckdb.DuckDBPyConnection) -> None:
    # firms.csv is present in the fixture, so the pipeline passes has_firms: true
    rows = con.execute("select firm_id, year, county_code, industry_division_code, employment "
                       "from int_firms_cleaned order by 1, 2").fetchall()
    assert rows == [("F001", 2011, "510117", "13", 120.0), ("F001", 2012, "510117", "13", 130.0),
                    ("F002", 2012, "510116", "39", 45.0)]


def test_failing_build_names_test_and_file_and_keeps_published(tmp_path: Path, small_warehouse: Path) -> None:
    published = tmp_path / "agglo.duckdb"
    shutil.copy(small_warehouse, published)
    before = _sha256(published)
    bad = tmp_path / "raw_bad"
    shutil.copytree(FIXTURE, bad)
    with (bad / "province_indicators.csv").open("a", encoding="utf-8") as fh:
        fh.write("510000,2003,gdp_100m_yuan,5000,100m_yuan,duplicate of line 3\n")  # duplicate key
    with pytest.raises(AggloError) as err:
        build(bad, published, run_checks=False, quiet=True, select=CORE_SELECT)
    msg = str(err.value)
    assert "test stg_province_indicators_duplicate_key failed (1 offending row)" in msg
    assert str(bad / "province_indicators.csv") in msg
    # the offending row itself, read from the failed build's file before it was removed
    assert re.search(r"\n    \S*510000\S*, .*2003.*gdp_100m_yuan.*n_rows=2", msg), msg
    assert _sha256(published) == before
    assert not list(tmp_path.glob(".agglo.building*"))


def test_unit_without_exact_conversion_fails_the_build(tmp_path: Path) -> None:
    bad = tmp_path / "raw_bad_unit"
    shutil.copytree(FIXTURE, bad)
    with (bad / "county_indicators.csv").open("a", encoding="utf-8") as fh:
        fh.write("510116,2013,population_10k,150,kg,a unit with no conversion to 10k_persons\n")
    with pytest.raises(AggloError) as err:
        build(bad, tmp_path / "agglo.duckdb", run_checks=False, quiet=True, select=CORE_SELECT)
    msg = str(err.value)
    assert "test county_indicators_unit_not_convertible_to_catalog_unit failed (1 offending row)" in msg
    assert str(bad / "county_indicators.csv") in msg
    assert not (tmp_path / "agglo.duckdb").exists()

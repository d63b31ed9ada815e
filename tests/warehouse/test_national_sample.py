"""A SMALL national sample (``agglo demo --scale national --provinces ... --firms N``) through the warehouse.

The sample: the counties of three provinces (Beijing, Sichuan, Xinjiang: a municipality, Sichuan's
five regions, province-administered units without a prefecture) and 20,000 SYNTHETIC firm-years. Checks:
dim_counties covers every province of the seed; fct_county_years builds for every province of the raw
data; Ellison-Glaeser gamma, the locational Gini and the employment LQ over the firm rows equal the
Python references of analysis/formulas/indices.py (independent loops over the raw firms.csv) to 1e-9.
The full national size is a benchmark (bench/bench_national.py), not a test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.demo.national import write_national
from analysis.formulas import indices as ix
from analysis.paths import PROJECT_ROOT
from analysis.pipeline import build

pytestmark = pytest.mark.warehouse

PROVINCES = ["110000", "510000", "650000"]
N_FIRM_YEARS = 20_000
SELECT = ("resource_type:seed +dim_counties +fct_county_years +fct_industry_eg_gamma "
          "+fct_industry_firm_concentration +fct_county_firm_industry_years")


def _seed_counties() -> list[dict[str, str]]:
    with (PROJECT_ROOT / "warehouse" / "seeds" / "counties.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    raw = tmp_path_factory.mktemp("national_raw")
    counts = write_national(raw, n_firm_years=N_FIRM_YEARS, provinces=PROVINCES, progress=lambda _m: None)
    return raw, counts


@pytest.fixture(scope="module")
def con(sample: tuple[Path, dict[str, int]], tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    out = tmp_path_factory.mktemp("national_wh") / "agglo.duckdb"
    build(sample[0], out, run_checks=False, quiet=True, select=SELECT)
    return duckdb.connect(str(out), read_only=True)


@pytest.fixture(scope="module")
def firms(sample: tuple[Path, dict[str, int]]) -> pd.DataFrame:
    return pd.read_csv(sample[0] / "firms.csv", comment="#", dtype={"county_code": str, "industry_code": str})


def test_sample_files_are_synthetic_and_sized(sample: tuple[Path, dict[str, int]], firms: pd.DataFrame) -> None:
    raw, counts = sample
    for path in raw.glob("*.csv"):
        assert path.read_text(encoding="utf-8").startswith("# SYNTHETIC DEMO DATA"), path.name
    assert counts["firms"] == len(firms) == N_FIRM_YEARS
    assert not firms.duplicated(["firm_id", "year"]).any()
    seed = {r["county_code"]: r["province_code"] for r in _seed_counties()}
    assert set(firms["county_code"].map(seed)) <= set(PROVINCES)
    divisions = {str(d) for d in range(13, 44)}
    assert firms["industry_code"].str.fullmatch(r"\d{4}").all()
    assert set(firms["industry_code"].str[:2]) <= divisions
    assert firms["year"].between(2011, 2022).all() and (firms["employment"] > 0).all()


def test_dim_counties_covers_every_province_of_the_seed(con: duckdb.DuckDBPyConnection) -> None:
    seed = _seed_counties()
    provinces = {r["province_code"] for r in seed}
    assert len(provinces) == 31 and len(seed) >= 2800
    got = con.execute("select count(*), count(distinct province_code) from dim_counties").fetchone()
    assert got == (len(seed), 31)
    # Sichuan keeps its five regions; no other province has one
    rows = con.execute("select province_code = '510000', count(*) from dim_counties "
                       "where sichuan_region is not null group by 1").fetchall()
    assert rows == [(True, 183)]


def test_fct_county_years_builds_for_every_province_of_the_raw_data(con: duckdb.DuckDBPyConnection) -> None:
    seed = _seed_counties()
    expected = {p: sum(r["province_code"] == p for r in seed) for p in PROVINCES}
    got = dict(con.execute("select province_code, count(distinct county_code) from fct_county_years "
                           "group by 1").fetchall())
    assert got == expected
    per_county = con.execute("select min(n), max(n) from (select count(*) as n from fct_county_years "
                             "group by county_code)").fetchone()
    assert per_county == (12, 12)
    # the indices of the county panel are computed outside Sichuan too
    n_lq = con.execute("select count(mfg_lq), count(gem_in) from fct_county_years "
                       "where province_code = '650000'").fetchone()
    assert n_lq[0] > 0 and n_lq[1] > 0


def test_eg_gamma_over_firm_rows_equals_python_reference(con: duckdb.DuckDBPyConnection, firms: pd.DataFrame) -> None:
    sql = con.execute("select year, industry_code, gamma, g_raw, plant_herfindahl, n_plants "
                      "from fct_industry_eg_gamma where industry_level = 'cic4'").df()
    assert int(sql["n_plants"].sum()) == N_FIRM_YEARS
    checked = 0
    for year, fy in firms.groupby("year"):
        totals = fy.groupby("county_code")["employment"].sum().to_dict()
        x = pd.Series(totals) / sum(totals.values())
        for code, grp in fy.groupby("industry_code"):
            row = sql[(sql["year"] == year) & (sql["industry_code"] == code)].iloc[0]
            if len(grp) == 1:  # H = 1: gamma undefined (null in SQL; the reference divides by zero)
                s = (x.index == grp["county_code"].iloc[0]).astype(float)
                assert row["g_raw"] == pytest.approx(float(((s - x.to_numpy()) ** 2).sum()), abs=1e-9)
                assert row["plant_herfindahl"] == 1.0 and pd.isna(row["gamma"])
            else:
                ref = ix.eg_gamma(grp["employment"].to_numpy(float), grp["county_code"].tolist(), totals)
                assert row["g_raw"] == pytest.approx(ref["g"], abs=1e-9)
                assert row["plant_herfindahl"] == pytest.approx(ref["h"], abs=1e-9)
                assert row["gamma"] == pytest.approx(ref["gamma"], rel=1e-9, abs=1e-9)
            checked += 1
    assert checked == len(sql)


def test_locational_gini_and_lq_over_firm_rows_equal_python_reference(
    con: duckdb.DuckDBPyConnection, firms: pd.DataFrame,
) -> None:
    gini = con.execute("select year, industry_code, locational_gini from fct_industry_firm_concentration "
                       "where industry_level = 'cic4'").df().set_index(["year", "industry_code"])["locational_gini"]
    for year, fy in list(firms.groupby("year"))[:3]:
        totals = fy.groupby("county_code")["employment"].sum()
        for code, grp in list(fy.groupby("industry_code"))[:40]:
            subject = grp.groupby("county_code")["employment"].sum().reindex(totals.index, fill_value=0)
            assert gini[(year, code)] == pytest.approx(ix.locational_gini(subject, totals), abs=1e-9)
    lq = con.execute("select county_code, year, industry_code, lq_employment "
                     "from fct_county_firm_industry_years").df()
    cell = firms.groupby(["county_code", "year", "industry_code"])["employment"].sum()
    e_c = firms.groupby(["county_code", "year"])["employment"].sum()
    e_i = firms.groupby(["year", "industry_code"])["employment"].sum()
    e = firms.groupby("year")["employment"].sum()
    for (county, year, code), value in list(cell.items())[:500]:
        ref = ix.location_quotient(value, e_c[(county, year)], e_i[(year, code)], e[year])
        got = lq[(lq["county_code"] == county) & (lq["year"] == year) & (lq["industry_code"] == code)]
        assert float(got["lq_employment"].iloc[0]) == pytest.approx(float(ref), rel=1e-9)
    assert len(lq) == len(cell)

"""The index marts of the demo warehouse against the plain-Python reimplementation (analysis/formulas/indices.py).

The Python side reads only the cleaned inputs (the ``int_*`` models and the seeds) and recomputes every
index with numpy/pandas; every mart value must agree to 1e-9 (absolute, or relative for values above 1,
e.g. capital stocks in 10k yuan). The demo data is synthetic: these tests check arithmetic, not China.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.formulas import indices as ix

pytestmark = pytest.mark.warehouse
TOL = 1e-9


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    yield lambda name: con.execute(f"select * from {name}").df()
    con.close()


@pytest.fixture(scope="module")
def inputs(wh) -> dict[str, pd.DataFrame]:
    names = ["int_province_sector_employments_cleaned", "int_prefecture_sector_employments_cleaned",
             "int_province_indicators_interpolated", "int_county_indicators_interpolated",
             "int_county_industries_harmonised", "sectors", "indicator_catalog", "provinces",
             "counties", "prefectures"]
    return {n: wh(n) for n in names}


def assert_agree(mart: pd.DataFrame, python: pd.DataFrame, keys: list[str], cols: list[str]) -> None:
    """Same keys on both sides and every value within TOL (both null counts as agreement)."""
    m = mart[keys + cols].merge(python[keys + cols], on=keys, how="outer", suffixes=("_sql", "_py"),
                                indicator=True)
    missing = m[m["_merge"] != "both"]
    assert missing.empty, f"key sets differ:\n{missing[keys + ['_merge']].head()}"
    assert len(m) > 0
    for c in cols:
        a = m[f"{c}_sql"].astype(float).to_numpy()
        b = m[f"{c}_py"].astype(float).to_numpy()
        both_nan = np.isnan(a) & np.isnan(b)
        diff = np.abs(a - b) / np.maximum(1.0, np.abs(b))
        bad = ~both_nan & ~(diff <= TOL)
        assert not bad.any(), f"{c}: {bad.sum()} of {len(m)} rows differ, e.g.\n{m.loc[bad, keys + [c + '_sql', c + '_py']].head()}"


def test_location_quotients(wh, inputs):
    assert_agree(wh("fct_province_sector_location_quotients"),
                 ix.province_sector_lq(inputs["int_province_sector_employments_cleaned"]),
                 ["province_code", "year", "sector_code"], ["location_quotient"])
    assert_agree(wh("fct_prefecture_sector_location_quotients"),
                 ix.prefecture_sector_lq(inputs["int_prefecture_sector_employments_cleaned"]),
                 ["prefecture_code", "year", "sector_code"], ["location_quotient"])
    assert_agree(wh("fct_county_industry_location_quotients"),
                 ix.county_industry_lq(inputs["int_county_industries_harmonised"],
                                       inputs["int_county_indicators_interpolated"]),
                 ["county_code", "year", "industry_code"],
                 ["lq_output", "lq_employment", "gdp_10k_yuan", "lq_output_gdp"])
    # the county x division panel carries the same lq_output_gdp
    assert_agree(wh("fct_county_industry_years"), wh("fct_county_industry_location_quotients"),
                 ["county_code", "year", "industry_code"], ["lq_output_gdp"])


def test_coagglomeration_and_eg(wh, inputs):
    emp = inputs["int_province_sector_employments_cleaned"]
    groups = ix.province_group_indices(emp, inputs["sectors"])
    assert_agree(wh("int_province_year_indices").dropna(subset=["magglo"]), groups,
                 ["province_code", "year"], ["magglo", "psagglo", "coagglo"])
    assert_agree(wh("fct_industry_pair_coagglomeration"), ix.industry_pair_eg(emp, inputs["sectors"]),
                 ["year", "sector_code_i", "sector_code_j"], ["eg", "h_i", "h_j", "h_ij", "w_i"])
    assert_agree(wh("fct_province_eg_coagglomeration"),
                 ix.province_eg(inputs["int_prefecture_sector_employments_cleaned"], inputs["sectors"]),
                 ["province_code", "year"], ["eg", "h_mfg", "h_ps", "h_joint", "w_mfg", "n_prefectures"])


def test_concentration_and_specialisation(wh, inputs):
    values = ix.region_industry_values(inputs["int_province_sector_employments_cleaned"],
                                       inputs["int_county_industries_harmonised"])
    assert_agree(wh("fct_industry_concentration"), ix.industry_concentration(values),
                 ["level", "industry_code", "year"],
                 ["n_regions", "gini", "locational_gini", "herfindahl", "herfindahl_normalised", "hoover",
                  "theil_t", "theil_l", "krugman"])
    assert_agree(wh("fct_region_specialisation"), ix.region_specialisation(values),
                 ["level", "region_code", "year"],
                 ["n_industries", "krugman", "herfindahl", "herfindahl_normalised", "gini", "hoover"])


def test_entropy_composite(wh, inputs):
    weights, scores = ix.ami_weights_and_scores(inputs["int_province_indicators_interpolated"],
                                                inputs["indicator_catalog"])
    mart_w = wh("fct_ami_weights")
    assert len(mart_w) == 21 and mart_w["weight_year"].isna().all()
    assert_agree(mart_w.drop(columns="weight_year"), weights.drop(columns="weight_year"), ["indicator_code"],
                 ["n_obs", "divergence", "overall_weight", "within_dimension_weight"])
    assert_agree(wh("fct_ami_scores"), scores, ["province_code", "year"],
                 ["ami", "amt", "amm", "amw", "gam", "ame"])


def test_gem_in(wh, inputs):
    assert_agree(wh("fct_gem_in_scores"),
                 ix.gem_in_scores(inputs["int_county_indicators_interpolated"], inputs["indicator_catalog"]),
                 ["county_code", "year"], ["gem_g", "gem_e", "gem_m", "gem_in_factor", "gem_in"])


def test_tfp(wh, inputs):
    assert_agree(wh("fct_county_tfp"), ix.county_tfp(inputs["int_county_indicators_interpolated"]),
                 ["county_code", "year"], ["capital_stock_10k_yuan", "alpha", "ln_tfp", "tfp"])


def test_sichuan_regions_and_paper_002(wh, inputs):
    lq = ix.county_mfg_lq(inputs["int_county_industries_harmonised"], inputs["int_county_indicators_interpolated"])
    assert_agree(wh("int_county_year_indices").dropna(subset=["mfg_lq"]), lq, ["county_code", "year"], ["mfg_lq"])
    assert_agree(wh("fct_sichuan_region_agglomeration"), ix.sichuan_region_agglomeration(lq, inputs["counties"]),
                 ["row_code", "year"], ["mfg_lq"])
    assert_agree(wh("fct_province_agglomeration_indices"),
                 ix.province_agglomeration_indices(inputs["int_province_indicators_interpolated"]),
                 ["province_code", "year"], ["agg_enterprises", "agg_value_added", "agg_capital", "agg_employment"])


def test_spatial_weights(wh, inputs):
    units = ix.spatial_units(inputs["provinces"], inputs["counties"], inputs["prefectures"],
                             inputs["int_province_indicators_interpolated"],
                             inputs["int_county_indicators_interpolated"])
    assert_agree(wh("fct_spatial_weights"), ix.spatial_weights(units), ["matrix_name", "level", "i", "j"], ["w"])


def test_per_year_and_estimated_alpha_options(demo_warehouse, tmp_path, monkeypatch):
    """vars entropy_normalisation / gem_in_normalisation = per_year and tfp_alpha = estimated."""
    import shutil

    from dbt.cli.main import dbtRunner

    from analysis.paths import PROJECT_ROOT

    copy = tmp_path / "agglo_vars.duckdb"
    shutil.copy(demo_warehouse, copy)
    monkeypatch.setenv("AGGLO_DUCKDB_PATH", str(copy))
    monkeypatch.chdir(PROJECT_ROOT)
    # only models downstream of the (already built) cleaned views are rebuilt: no raw_dir needed
    res = dbtRunner().invoke([
        "build", "--quiet", "--exclude", "test_type:unit",
        "--select", "int_ami_indicators_normalised+", "fct_county_tfp+", "fct_gem_in_scores+",
        "--vars", "{entropy_normalisation: per_year, gem_in_normalisation: per_year, tfp_alpha: estimated}"])
    assert res.success, res.exception
    con = duckdb.connect(str(copy))  # dbt (in-process) may still hold it read-write
    try:
        def wh(n):
            return con.execute(f"select * from {n}").df()
        pi, cat = wh("int_province_indicators_interpolated"), wh("indicator_catalog")
        ci = wh("int_county_indicators_interpolated")
        weights, scores = ix.ami_weights_and_scores(pi, cat, per_year=True)
        mart_w = wh("fct_ami_weights")
        assert mart_w["weight_year"].notna().all() and mart_w["weight_year"].nunique() == 19
        assert_agree(mart_w, weights, ["weight_year", "indicator_code"],
                     ["overall_weight", "within_dimension_weight"])
        assert_agree(wh("fct_ami_scores"), scores, ["province_code", "year"], ["ami", "amt", "ame"])
        assert_agree(wh("fct_gem_in_scores"), ix.gem_in_scores(ci, cat, per_year=True),
                     ["county_code", "year"], ["gem_in"])
        assert_agree(wh("fct_county_tfp"), ix.county_tfp(ci, alpha="estimated"),
                     ["county_code", "year"], ["alpha", "ln_tfp"])
    finally:
        con.close()

"""Tests of the SYNTHETIC demo generator (analysis/demo/generate.py, data/demo/).

(a) determinism: two runs give byte-identical files;
(b) shape: the panels the contract promises, every catalog indicator, the SYNTHETIC banner;
(c) the planted relationships (analysis.demo.generate.PLANTED, documented in data/demo/README.md) are
    recoverable from the RAW files with plain pandas/numpy: the indices are recomputed here from the
    raw rows (no warehouse, no analysis.formulas.indices), and regressions are two-way-demeaned OLS or a
    just-identified Anderson-Hsiao IV written out below, except the county manufacturing dynamic
    panel, which uses the project's array-core system GMM (analysis.estimators.gmm.dpd_gmm,
    validated against Arellano-Bond and pydynpd in tests/estimators/test_gmm.py): the Anderson-Hsiao IV is too
    noisy there (0.02-0.81 across generator seeds for a planted 0.6).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.demo.generate import COUNTY_YEARS, PLANTED, PROVINCE_YEARS, SEEDS_DIR, write_demo
from analysis.estimators.gmm import GmmFit, GmmStyle, IvStyle, dpd_gmm
from analysis.formulas.indices import (
    coagglomeration,
    economic_geographic_matrix,
    location_quotient,
    perpetual_inventory,
    solow_ln_tfp,
)
from analysis.paths import PROJECT_ROOT

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
FILES = [
    "province_sector_employment.csv",
    "prefecture_sector_employment.csv",
    "province_indicators.csv",
    "county_indicators.csv",
    "county_industry.csv",
]
PS = ["G", "I", "J", "L", "M"]


# --------------------------------------------------------------------------------------------------
# plain-pandas readers that resolve names, old county codes and units the way the contract says
# --------------------------------------------------------------------------------------------------


def _seed(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / f"{name}.csv", dtype=str)


def _alias_map(level: str) -> dict[str, str]:
    al = _seed("division_aliases")
    al = al[al["level"] == level]
    return dict(zip(al["alias_norm"], al["code"], strict=True))


def _resolve(col: pd.Series, level: str) -> pd.Series:
    """Codes stay; names go through the alias seed (normalised: stripped, lower-case)."""
    aliases = _alias_map(level)
    norm = col.str.strip().str.lower()
    out = norm.where(norm.str.fullmatch(r"\d{6}"), norm.map(aliases))
    assert out.notna().all(), f"unresolved {level} names: {sorted(col[out.isna()].unique())}"
    return out


def _current_county(codes: pd.Series) -> pd.Series:
    ch = _seed("sichuan_county_code_changes")
    ch = ch[ch["old_code"].str.fullmatch(r"\d{6}")]
    return codes.replace(dict(zip(ch["old_code"], ch["new_code"], strict=True)))


def _to_catalog_units(df: pd.DataFrame, level: str) -> pd.DataFrame:
    cat = _seed("indicator_catalog")
    cat = cat[cat["level"] == level].set_index("indicator_code")["unit"]
    conv = _seed("unit_conversions").astype({"factor": float})
    factors = {(a, b): f for a, b, f in conv[["from_unit", "to_unit", "factor"]].itertuples(index=False)}
    target = df["indicator_code"].map(cat)
    factor = [1.0 if u == t else factors[(u, t)] for u, t in zip(df["unit"], target, strict=True)]
    return df.assign(value=df["value"] * np.asarray(factor), unit=target)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype={0: str, "sector_code": str, "industry_code": str})


def _interpolate_inside(wide: pd.DataFrame) -> pd.DataFrame:
    """Linear interpolation of interior gaps per entity (columns = indicators, index = entity, year)."""
    return wide.groupby(level=0, group_keys=False).apply(
        lambda g: g.interpolate(method="linear", limit_area="inside"))


def province_wide(raw: Path) -> pd.DataFrame:
    """province x year x indicator (catalog units), interior gaps interpolated."""
    df = _read(raw / "province_indicators.csv")
    df["province_code"] = _resolve(df["province_code"], "province")
    df = _to_catalog_units(df, "province")
    wide = df.pivot(index=["province_code", "year"], columns="indicator_code", values="value")
    return _interpolate_inside(wide.sort_index())


def province_agglomeration(raw: Path) -> pd.DataFrame:
    """Magglo, PSagglo and coagglo (paper 001 eq. 18-20) from the raw sector employment."""
    df = _read(raw / "province_sector_employment.csv")
    df["province_code"] = _resolve(df["province_code"], "province")
    e = df.pivot_table(index=["province_code", "year"], columns="sector_code", values="employment_10k",
                       aggfunc="sum")
    total = e.sum(axis=1)
    out = pd.DataFrame(index=e.index)
    for name, cols in (("magglo", ["C"]), ("psagglo", PS)):
        g = e[cols].sum(axis=1)
        out[name] = location_quotient(g, total, g.groupby(level="year").transform("sum"),
                                      total.groupby(level="year").transform("sum"))
    out["coagglo"] = coagglomeration(out["magglo"], out["psagglo"])
    return out


def entropy_composite(wide: pd.DataFrame, catalog: pd.DataFrame) -> pd.Series:
    """Paper 001 eq. 11-17 with pooled min-max normalisation (log first where transform=log)."""
    ys = {}
    for code, row in catalog.iterrows():
        x = wide[code]
        if row["transform"] == "log":
            x = np.log(x)
        y = (x - x.min()) / (x.max() - x.min())
        ys[code] = y if int(row["direction"]) == 1 else 1 - y
    y = pd.DataFrame(ys)
    p = y / y.sum()
    plogp = (p * np.log(p.where(p > 0, 1.0))).sum()
    e = -plogp / np.log(len(y))
    d = 1 - e
    w = d / d.sum()
    return 100 * (y * w).sum(axis=1)


def twoway_ols(df: pd.DataFrame, y: str, xs: list[str], entity: str, time: str) -> pd.DataFrame:
    """OLS of two-way-demeaned y on two-way-demeaned xs (balanced panel): coef and classic SE."""
    d = df[[y, *xs]].astype(float)
    d = d - d.groupby(df[entity]).transform("mean") - d.groupby(df[time]).transform("mean") + d.mean()
    X, Y = d[xs].to_numpy(), d[y].to_numpy()
    beta, *_ = np.linalg.lstsq(X, Y, rcond=None)
    resid = Y - X @ beta
    dof = len(Y) - len(xs) - df[entity].nunique() - df[time].nunique() + 1
    cov = resid @ resid / dof * np.linalg.inv(X.T @ X)
    return pd.DataFrame({"coef": beta, "se": np.sqrt(np.diag(cov))}, index=xs)


def _fe_residualise(a: np.ndarray, groups: list[np.ndarray], iters: int = 200) -> np.ndarray:
    """Partial out several sets of fixed effects by alternating projections (columns of ``a``)."""
    out = a.astype(float).copy()
    for _ in range(iters):
        prev = out.copy()
        for g in groups:
            n = g.max() + 1
            cnt = np.bincount(g, minlength=n)
            for j in range(out.shape[1]):
                out[:, j] -= (np.bincount(g, weights=out[:, j], minlength=n) / cnt)[g]
        if np.max(np.abs(out - prev)) < 1e-12:
            break
    return out


def anderson_hsiao(df: pd.DataFrame, unit: list[str], y: str, exog: list[str],
                   fe: list[list[str]]) -> pd.Series:
    """Just-identified IV of dy_t on dy_{t-1} (instrument y_{t-2}) and d(exog), with FE in differences.

    ``df`` is sorted by unit and year with consecutive years; ``fe`` lists the column sets whose
    combinations are fixed effects in the differenced equation.
    """
    d = df.copy()
    g = d.groupby(unit, sort=False)
    d["dy"] = g[y].diff()
    d["dy_l1"] = g["dy"].shift(1)
    d["y_l2"] = g[y].shift(2)
    for x in exog:
        d["d_" + x] = g[x].diff()
    cols = ["dy", "dy_l1", "y_l2", *["d_" + x for x in exog]]
    d = d.dropna(subset=cols)
    groups = [d.groupby(f, sort=False).ngroup().to_numpy() for f in fe]
    r = _fe_residualise(d[cols].to_numpy(), groups)
    yv, x, z = r[:, 0], r[:, [1, *range(3, r.shape[1])]], r[:, [2, *range(3, r.shape[1])]]
    beta = np.linalg.solve(z.T @ x, z.T @ yv)
    return pd.Series(beta, index=["rho", *exog])


# --------------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw() -> Path:
    """The committed demo directory (the tests also check it equals a fresh generation)."""
    return DEMO_DIR


@pytest.fixture(scope="module")
def province(raw: Path) -> pd.DataFrame:
    wide = province_wide(raw)
    cat = _seed("indicator_catalog")
    cat = cat[(cat["level"] == "province") & cat["dimension"].isin(["amt", "amm", "amw", "gam", "ame"])]
    cat = cat.set_index("indicator_code")
    wide["ami"] = entropy_composite(wide, cat)
    df = wide.join(province_agglomeration(raw)).reset_index()
    mi = df["robot_imports_musd"]
    icc = df["icc_pct"]
    df["mi_z"] = (mi - mi.mean()) / mi.std(ddof=0)
    df["icc_z"] = (icc - icc.mean()) / icc.std(ddof=0)
    df["uic"] = df["invention_patents_granted_10k"]
    df["coagglo_x_mi"] = df["coagglo"] * df["mi_z"]
    df["uic_x_mi"] = df["uic"] * df["mi_z"]
    df["coagglo_x_icc"] = df["coagglo"] * df["icc_z"]
    df["uic_x_icc"] = df["uic"] * df["icc_z"]
    df["pdgp"] = np.log(df["gdp_per_capita_yuan"])
    df["fdi"] = np.log(1e4 * df["fdi_10k_usd"])
    df["hcl"] = df["avg_schooling_years"]
    df["gov"] = np.log(1e8 * df["fiscal_expenditure_100m_yuan"])
    df["inv"] = np.log(1e8 * df["fixed_asset_investment_100m_yuan"])
    df["str"] = df["secondary_industry_share_pct"]
    df["inf"] = np.log(1e8 * df["postal_telecom_volume_100m_yuan"])
    df["W_coagglo"] = _economic_geographic_lag(df, "coagglo")
    return df


def _economic_geographic_lag(df: pd.DataFrame, col: str) -> pd.Series:
    """Spatial lag of ``col`` per year on the economic-geographic W (data/demo/README.md item 3).

    ``w_ij = (1/d_ij) (Ybar_j / mean Ybar)``, d the haversine distance between capitals (seed
    provinces), Ybar_j the mean of ``gdp_100m_yuan`` over the panel, zero diagonal, row-standardised.
    """
    prov = _seed("provinces").set_index("province_code")
    codes = sorted(df["province_code"].unique())
    ybar = df.groupby("province_code")["gdp_100m_yuan"].mean().loc[codes].to_numpy()
    w = economic_geographic_matrix(prov.loc[codes, "capital_lat"].astype(float).to_numpy(),
                                   prov.loc[codes, "capital_lon"].astype(float).to_numpy(), ybar)
    wide = df.pivot(index="province_code", columns="year", values=col).loc[codes]
    lag = pd.DataFrame(w @ wide.to_numpy(), index=wide.index, columns=wide.columns).stack()
    return pd.Series(lag.loc[list(zip(df["province_code"], df["year"], strict=True))].to_numpy(), index=df.index)


@pytest.fixture(scope="module")
def county(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    ci = _read(raw / "county_indicators.csv")
    ci["county_code"] = _current_county(_resolve(ci["county_code"], "county"))
    ci = _to_catalog_units(ci, "county")
    wide = _interpolate_inside(
        ci.pivot(index=["county_code", "year"], columns="indicator_code", values="value").sort_index())
    ind = _read(raw / "county_industry.csv")
    ind["county_code"] = _current_county(ind["county_code"])
    return wide, ind


# --------------------------------------------------------------------------------------------------
# (a) determinism and (b) shape
# --------------------------------------------------------------------------------------------------


def _digests(d: Path) -> dict[str, str]:
    return {f: hashlib.sha256((d / f).read_bytes()).hexdigest() for f in FILES}


@pytest.mark.slow
def test_two_runs_are_byte_identical_and_equal_the_committed_files(tmp_path: Path) -> None:
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a == b
    assert a == _digests(DEMO_DIR), "data/demo is stale: run `agglo demo` and commit the files"


@pytest.mark.slow
def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    write_demo(tmp_path, seed=1)
    assert _digests(tmp_path)["province_indicators.csv"] != _digests(DEMO_DIR)["province_indicators.csv"]


def test_every_file_says_synthetic_and_has_the_contract_header(raw: Path) -> None:
    expected = {
        "province_sector_employment.csv": "province_code,year,sector_code,employment_10k,source",
        "prefecture_sector_employment.csv": "prefecture_code,year,sector_code,employment_10k,source",
        "province_indicators.csv": "province_code,year,indicator_code,value,unit,source",
        "county_indicators.csv": "county_code,year,indicator_code,value,unit,source",
        "county_industry.csv": ("county_code,year,industry_code,enterprises,output_value_10k_yuan,"
                                "value_added_10k_yuan,employment_persons,total_assets_10k_yuan,source"),
    }
    for f, header in expected.items():
        data = (raw / f).read_bytes()
        assert b"\r" not in data
        first, second = data.decode("utf-8").split("\n", 2)[:2]
        assert first.startswith("# SYNTHETIC DEMO DATA generated by agglo demo (seed=20240601)"), f
        assert "not real statistics" in first
        assert second == header, f
    readme = (raw / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "not real statistics" in readme


def test_readme_lists_every_planted_parameter_with_its_value(raw: Path) -> None:
    readme = (raw / "README.md").read_text(encoding="utf-8")
    for key, value in PLANTED.items():
        assert f"| `{key}` | {value:g} |" in readme, key


def test_province_panels_are_complete(raw: Path, province: pd.DataFrame) -> None:
    assert len(province) == 31 * 19 == 589
    assert sorted(province["year"].unique()) == list(PROVINCE_YEARS)
    provinces = set(_seed("provinces")["province_code"])
    assert set(province["province_code"]) == provinces
    cat = _seed("indicator_catalog")
    for code in cat.loc[cat["level"] == "province", "indicator_code"]:
        assert code in province.columns, code
        lo, hi = cat.set_index(["level", "indicator_code"]).loc[("province", code),
                                                               ["min_plausible", "max_plausible"]]
        vals = province[code].dropna()
        assert vals.between(float(lo), float(hi)).all(), code
    # every series is complete after interior interpolation except innovation centres (from 2016)
    complete = province.drop(columns=["mfg_innovation_centers"]).notna().all()
    assert complete.all(), list(complete[~complete].index)
    centres, year = province["mfg_innovation_centers"], province["year"]
    assert centres[year < 2016].isna().all() and centres[year >= 2016].notna().all()
    # employment: 31 x 19 x 19 sections, province totals in a realistic range (10k persons)
    emp = _read(raw / "province_sector_employment.csv")
    assert len(emp) == 589 * 19 and set(emp["sector_code"]) == set("ABCDEFGHIJKLMNOPQRS")
    emp["province_code"] = _resolve(emp["province_code"], "province")
    totals = emp.groupby(["province_code", "year"])["employment_10k"].sum()
    assert totals.between(15, 2500).all()
    by_sector = emp.groupby(["province_code", "sector_code"])["employment_10k"].mean().unstack()
    for east in ["320000", "330000", "440000"]:
        assert by_sector.loc[east].idxmax() == "C"


def test_interior_gaps_about_one_percent(raw: Path) -> None:
    for f, key, years in (("province_indicators.csv", "province_code", PROVINCE_YEARS),
                          ("county_indicators.csv", "county_code", COUNTY_YEARS)):
        df = _read(raw / f)
        level = "province" if key == "province_code" else "county"
        df[key] = _resolve(df[key], level)
        if level == "county":
            df[key] = _current_county(df[key])
        counts = df.groupby([key, "indicator_code"])["year"].agg(["min", "max", "count"])
        counts = counts.drop(index="mfg_innovation_centers", level="indicator_code", errors="ignore")
        assert (counts["min"] == years[0]).all() and (counts["max"] == years[-1]).all()
        missing = (len(years) - counts["count"]).sum()
        assert 0.005 < missing / (len(counts) * len(years)) < 0.02, (f, missing)


def test_prefecture_rows_sum_to_the_province(raw: Path) -> None:
    pref = _read(raw / "prefecture_sector_employment.csv")
    seed = _seed("prefectures")
    assert set(pref["prefecture_code"]) == set(seed["prefecture_code"])
    pref["province_code"] = pref["prefecture_code"].map(dict(zip(seed["prefecture_code"],
                                                                 seed["province_code"], strict=True)))
    prov = _read(raw / "province_sector_employment.csv")
    prov["province_code"] = _resolve(prov["province_code"], "province")
    key = ["province_code", "year", "sector_code"]
    s = pref.groupby(key)["employment_10k"].sum().round(2)
    p = prov.set_index(key)["employment_10k"].sort_index()
    assert len(s) == len(p) == 589 * 19
    np.testing.assert_allclose(s.loc[p.index].to_numpy(), p.to_numpy(), atol=1e-6)


def test_county_panel_after_code_mapping(raw: Path, county: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    wide, ind = county
    seed = _seed("counties")
    current = set(seed.loc[seed["province_code"] == "510000", "county_code"])  # the demo covers Sichuan
    assert len(current) == 183
    assert len(wide) == 183 * 12 == 2196
    assert set(wide.index.get_level_values(0)) == current
    assert sorted(set(wide.index.get_level_values(1))) == list(COUNTY_YEARS)
    cat = _seed("indicator_catalog")
    assert set(cat.loc[cat["level"] == "county", "indicator_code"]) == set(wide.columns)
    assert wide.notna().all().all()
    # the old codes really are used (so the warehouse must map them), and only before the change
    raw_ci = _read(raw / "county_indicators.csv")
    ch = _seed("sichuan_county_code_changes")
    ch = ch[ch["old_code"].str.fullmatch(r"\d{6}") & (ch["old_code"] != ch["new_code"])]
    for old, year in zip(ch["old_code"], ch["approx_effective"].str[:4].astype(int), strict=True):
        years = raw_ci.loc[raw_ci["county_code"] == old, "year"]
        assert len(years) > 0 and years.max() < year, old
    assert not set(raw_ci["county_code"].str.strip()) - current - set(ch["old_code"]) - {
        "郫都区", "江油市", "武侯区"}
    # county x division rows: keys unique, divisions 13..43, GDP magnitudes as stated
    key = ["county_code", "year", "industry_code"]
    assert not ind.duplicated(key).any()
    assert set(ind["industry_code"]) <= {str(d) for d in range(13, 44)}
    assert set(ind["county_code"]) == current
    gdp = wide["gdp_10k_yuan"]
    assert 1e4 < gdp.min() and gdp.max() < 5e7
    top = gdp.groupby(level=0).mean().nlargest(5).index
    assert all(c.startswith("5101") for c in top)
    assert (raw / "county_industry.csv").stat().st_size < 5e6
    assert sum(p.stat().st_size for p in raw.iterdir()) < 15e6


# --------------------------------------------------------------------------------------------------
# (c) planted relationships, recovered from the raw files
# --------------------------------------------------------------------------------------------------

CONTROLS = ["pdgp", "fdi", "hcl", "gov", "inv", "str", "inf"]
MODERATED = ["coagglo", "uic", "coagglo_x_mi", "uic_x_mi", "coagglo_x_icc", "uic_x_icc", "mi_z", "icc_z"]


def test_coagglo_spread_and_persistence(province: pd.DataFrame) -> None:
    c = province["coagglo"]
    # realistic rather than paper 001's table (3.99 / 2.49): the README states mean ~2.7, sd ~0.35
    assert 2.3 < c.mean() < 3.1 and 0.25 < c.std() < 0.6 and c.min() > 1.0 and c.max() < 6.0
    s = province.sort_values(["province_code", "year"])
    lag = s.groupby("province_code")["coagglo"].shift(1)
    within = s["coagglo"] - s.groupby("province_code")["coagglo"].transform("mean")
    lag_within = lag - s.groupby("province_code")["coagglo"].transform("mean")
    assert within.corr(lag_within) > 0.5  # persistent (AR(1) LQ shocks, phi = 0.8)


def test_coagglo_raises_uic(province: pd.DataFrame) -> None:
    """ln uic = a_i + d_t + gamma coagglo + e (gamma planted 0.6, noise sd 0.05): +-0.1."""
    df = province.assign(ln_uic=np.log(province["uic"]))
    r = twoway_ols(df, "ln_uic", ["coagglo"], "province_code", "year")
    assert r.loc["coagglo", "coef"] == pytest.approx(PLANTED["gamma_uic"], abs=0.1)
    # in levels (what paper 001's mediation regresses) the sign is positive and significant too
    lv = twoway_ols(df, "uic", ["coagglo"], "province_code", "year")
    assert lv.loc["coagglo", "coef"] / lv.loc["coagglo", "se"] > 2


def test_coagglo_raises_ami_partly_through_uic_moderated_by_mi_and_icc(province: pd.DataFrame) -> None:
    """ami = const + c A + noise, so coefficients are c x the planted b's (c unknown, > 0).

    Tolerances: signs with |t| > 3 for coagglo; ratios to the coagglo coefficient within 0.15 of the
    planted ratio for the two coagglo interactions (uic's ratio within 0.1); SAR spillovers and the
    composite's noise are omitted from this plain OLS, hence the loose bands. The planted spillover
    ``theta_coagglo W coagglo`` is a regressor (within the two-way FE it correlates with coagglo).
    """
    r = twoway_ols(province, "ami", [*MODERATED, "W_coagglo", *CONTROLS], "province_code", "year")
    b = r["coef"]
    assert b["coagglo"] / r.loc["coagglo", "se"] > 3
    c = b["coagglo"] / PLANTED["b_coagglo"]  # implied scale of the composite
    assert 2 < c < 20
    assert b["uic"] / c == pytest.approx(PLANTED["b_uic"], abs=0.1)
    assert b["coagglo_x_mi"] / c == pytest.approx(PLANTED["b_coagglo_x_mi"], abs=0.15)
    assert b["coagglo_x_icc"] / c == pytest.approx(PLANTED["b_coagglo_x_icc"], abs=0.15)
    assert b["coagglo_x_mi"] > 0 and b["coagglo_x_icc"] > 0
    # spillover theta = 3.5 (ratio SE about 0.5 on this seed): within +-1.0, and |t| > 3
    assert b["W_coagglo"] / c == pytest.approx(PLANTED["theta_coagglo"], abs=1.0)
    assert b["W_coagglo"] / r.loc["W_coagglo", "se"] > 3
    # baseline (paper 001 table 4 col. 1): ami on coagglo and the controls -> positive, |t| > 5
    base = twoway_ols(province, "ami", ["coagglo", *CONTROLS], "province_code", "year")
    assert base.loc["coagglo", "coef"] / base.loc["coagglo", "se"] > 5
    # total effect exceeds the direct one (mediation through uic is positive)
    total = twoway_ols(province, "ami", ["coagglo"], "province_code", "year").loc["coagglo", "coef"]
    assert total > b["coagglo"]


def test_debt_ratio_falls_and_every_other_indicator_rises_with_coagglo(province: pd.DataFrame) -> None:
    cat = _seed("indicator_catalog")
    cat = cat[(cat["level"] == "province") & cat["dimension"].isin(["amt", "amm", "amw", "gam", "ame"])]
    for code, direction in zip(cat["indicator_code"], cat["direction"].astype(int), strict=True):
        assert np.sign(province[code].corr(province["ami"])) == direction, code


def test_patents_elasticity_on_manufacturing_lq(province: pd.DataFrame) -> None:
    """Paper 004: ln pat = a_i + d_t + 0.4 ln Magglo + e (sd 0.05): recovered within +-0.08."""
    df = province.assign(ln_pat=np.log(province["patents_granted"]), ln_m=np.log(province["magglo"]))
    r = twoway_ols(df, "ln_pat", ["ln_m"], "province_code", "year")
    assert r.loc["ln_m", "coef"] == pytest.approx(PLANTED["elasticity_pat_magglo"], abs=0.08)


def test_growth_on_paper_002_agglomeration_indices(province: pd.DataFrame) -> None:
    """Each planted beta recovered within +-0.5 (index sd ~0.2-0.3, noise sd 0.3)."""
    df = province.copy()
    gdp_total = df.groupby("year")["gdp_100m_yuan"].transform("sum")
    cols = {"enterprises": "industrial_enterprises", "value_added": "industrial_value_added_100m_yuan",
            "capital": "industrial_total_assets_100m_yuan", "employment": "industrial_employment_10k"}
    for name, col in cols.items():
        df["agg_" + name] = location_quotient(df[col], df["gdp_100m_yuan"],
                                              df.groupby("year")[col].transform("sum"), gdp_total)
    r = twoway_ols(df, "gdp_growth_pct", ["agg_" + k for k in cols], "province_code", "year")
    for name in cols:
        assert r.loc["agg_" + name, "coef"] == pytest.approx(PLANTED[f"beta_agg_{name}"], abs=0.5), name


def _county_tfp(wide: pd.DataFrame) -> pd.Series:
    """Solow residual from the raw county rows (DESIGN.md section 5), alpha 0.4, delta 0.096."""
    alpha, delta = PLANTED["alpha"], PLANTED["delta"]
    out = []
    for _code, g in wide.groupby(level=0):
        real = (g["fixed_asset_investment_10k_yuan"] / (g["investment_price_index"] / 100)).to_numpy()
        k = perpetual_inventory(real, delta=delta)
        out.append(pd.Series(solow_ln_tfp(g["gdp_10k_yuan"], k, g["labor_force_10k"], alpha=alpha), index=g.index))
    return pd.concat(out)


def _lag(a: np.ndarray) -> np.ndarray:
    """One-period lag along axis 1 of an entities x years array (NaN in the first year)."""
    out = np.full_like(a, np.nan)
    out[:, 1:] = a[:, :-1]
    return out


def county_mfg_sys_gmm(m: np.ndarray, ln_tfp: np.ndarray, op: np.ndarray) -> GmmFit:
    """Two-step system GMM of ``m_t`` on ``m_t-1``, ln TFP, openness and year effects (counties x years).

    The instruments follow the generator (data/demo/README.md item 9; ``_county_manufacturing`` in
    analysis/demo/generate.py): ``m_0 = mu_c + e_0``, so the deviations from the county's steady state are
    unrelated to its effect (Blundell-Bond's initial condition holds) and ``D.m_t-1`` instruments the
    levels equation; ln TFP and openness are drawn before ``m`` and independently of its shocks
    (strictly exogenous), but their levels carry the county effect (the generator centres them on
    the county mean), so the levels equation uses only their differences. xtabond2 equivalent:
    ``xtabond2 m L.m ln_tfp op yr*, gmm(m, lag(2 4) collapse) gmm(ln_tfp op, lag(1 1) collapse
    eq(level)) iv(ln_tfp op L.ln_tfp L.op, eq(diff)) iv(yr*, eq(both)) twostep robust``. The lagged
    differences of the exogenous variables are the strong instruments of ``D.m_t-1`` (its variation
    comes mostly from ``beta_tfp D.ln_tfp_t-1``); the lagged levels of ``m`` alone are weak here
    (difference GMM with them only gives 0.10-0.98 across seeds).
    """
    n, t = m.shape
    years = np.broadcast_to(np.eye(t)[None], (n, t, t))
    exog = np.stack([ln_tfp, op], axis=2)
    dummies = [f"yr{k}" for k in range(t)]
    X = np.concatenate([np.stack([_lag(m), ln_tfp, op], axis=2), years], axis=2)
    return dpd_gmm(
        m, X, ["L.m", "ln_tfp", "op", *dummies],
        gmm=[GmmStyle(m[:, :, None], 2, 4, collapse=True),
             GmmStyle(exog, 1, 1, collapse=True, equation="level")],
        iv=[IvStyle(np.concatenate([exog, np.stack([_lag(ln_tfp), _lag(op)], axis=2)], axis=2), "diff"),
            IvStyle(years, "both")],
        system=True, steps=2, droppable=dummies)


def test_county_manufacturing_lq_persistent_and_rising_with_tfp_and_openness(
    county: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Two-step system GMM (``county_mfg_sys_gmm``): rho 0.6 +-0.15, TFP 0.4 +-0.15, op 0.006 +-0.002.

    On the committed data rho is 0.575 (Windmeijer SE 0.064), ln TFP 0.425, op 0.0058; on generator
    seeds 1-6 rho is 0.57-0.68, ln TFP 0.34-0.45, op 0.0052-0.0067. (The just-identified
    Anderson-Hsiao IV used before gave 0.45 here and 0.02-0.81 across seeds.)
    """
    wide, ind = county
    out = ind.groupby(["county_code", "year"])["output_value_10k_yuan"].sum()
    df = pd.DataFrame({"m": np.log(out / wide["gdp_10k_yuan"]), "ln_tfp": _county_tfp(wide),
                       "op": wide["policy_openness_index"]})
    grid = {c: df[c].unstack("year").reindex(columns=COUNTY_YEARS).to_numpy() for c in df}
    assert grid["m"].shape == (183, len(COUNTY_YEARS)) and np.isfinite(grid["m"]).all()
    fit = county_mfg_sys_gmm(grid["m"], grid["ln_tfp"], grid["op"])
    est = dict(zip(fit.names, fit.params, strict=True))
    assert est["L.m"] == pytest.approx(PLANTED["rho_mfg"], abs=0.15)
    assert est["ln_tfp"] == pytest.approx(PLANTED["beta_mfg_ln_tfp"], abs=0.15)
    assert est["op"] == pytest.approx(PLANTED["beta_mfg_op"], abs=0.002)


def test_division_output_lq_persistent_and_high_tech_rising_with_tfp(
    county: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """ln LQ_cd,t = rho ln LQ_cd,t-1 + h_d (b1 ln tfp + b2 op) + county-year + division-year + e.

    Anderson-Hsiao IV (instrument ln LQ_t-2) on the differenced equation with county-year and
    division-year effects: rho 0.6 within +-0.15; b1 (0.5) within +-0.25; b2 > 0.
    """
    wide, ind = county
    o = ind.set_index(["county_code", "year", "industry_code"])["output_value_10k_yuan"]
    share_c = o / o.groupby(level=[0, 1]).transform("sum")
    nat = o.groupby(level=[1, 2]).sum()
    share_n = nat / nat.groupby(level=0).transform("sum")
    lq = share_c / share_n.reindex(o.index.droplevel(0)).to_numpy()
    div = _seed("cic_divisions")
    high = set(div.loc[div["is_high_tech"].str.lower() == "true", "industry_code"])
    df = lq.rename("ln_lq").apply(np.log).reset_index()
    tfp = _county_tfp(wide).rename("ln_tfp")
    df = df.join(tfp, on=["county_code", "year"]).join(wide["policy_openness_index"], on=["county_code", "year"])
    h = df["industry_code"].isin(high).astype(float)
    df["h_tfp"] = h * df["ln_tfp"]
    df["h_op"] = h * df["policy_openness_index"]
    df = df.sort_values(["county_code", "industry_code", "year"])
    # keep pairs observed in every year (the generator keeps a county's divisions fixed)
    n_years = df.groupby(["county_code", "industry_code"])["year"].transform("count")
    df = df[n_years == len(COUNTY_YEARS)]
    est = anderson_hsiao(df, ["county_code", "industry_code"], "ln_lq", ["h_tfp", "h_op"],
                         fe=[["county_code", "year"], ["industry_code", "year"]])
    assert est["rho"] == pytest.approx(PLANTED["rho_lq"], abs=0.15)
    assert est["h_tfp"] == pytest.approx(PLANTED["beta_lq_ln_tfp_high_tech"], abs=0.25)
    assert est["h_op"] > 0

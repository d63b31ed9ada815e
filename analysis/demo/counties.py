"""County panel of the SYNTHETIC demo (Sichuan's 183 counties x 2011-2022: size classes, GDP, TFP, GEM-IN inputs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.demo.common import (
    COUNTY_YEARS,
    PLANTED,
    FloatArray,
    Reference,
    _ar1,
    _catalog,
    _rnd,
    ln_tfp_solow,
)
from analysis.demo.county_industry import (
    _county_manufacturing,
)

# --------------------------------------------------------------------------------------------------
# Sichuan counties
# --------------------------------------------------------------------------------------------------

#: Sichuan investment price index, 2011 = 100 (one province-wide series; synthetic but realistic)
_INVESTMENT_PRICE = np.array([100.0, 101.2, 101.0, 101.5, 100.2, 99.1, 104.9, 110.5, 112.8, 115.5,
                              122.3, 127.0])


@dataclass
class CountyPanel:
    """County x year arrays (rows: counties by current code; columns: COUNTY_YEARS)."""

    codes: list[str]
    values: dict[str, FloatArray]
    industry_rows: list[tuple[str, str, str, float, float, float, float, float]]
    ln_tfp: FloatArray


#: provinces whose counties are all drawn as "highland" at national scale (Tibet, Qinghai)
HIGHLAND_PROVINCES = ("54", "63")


def _county_class(row: dict[str, str]) -> str:
    """Size class of a county for the generator (Chengdu core, districts, counties, highland)."""
    code, region, kind = row["county_code"], row["sichuan_region"], row["county_type"]
    if code in {"510104", "510105", "510106", "510107", "510108"}:
        return "core"
    if region == "northwest" or code[:2] in HIGHLAND_PROVINCES:
        return "highland"
    if row["prefecture_code"] == "510100":
        return "chengdu"
    if region == "panxi" and kind != "district":
        return "panxi"
    return "district" if kind == "district" else "county"


#: by class: (population 10k lo, hi; GDP per capita 2011 yuan lo, hi; mfg VA share of GDP lo, hi;
#: number of CIC divisions lo, hi; policy openness level lo, hi; higher-education share lo, hi)
_CLASS = {
    "core": (60, 110, 60000, 80000, 0.04, 0.10, 14, 24, 65, 85, 28, 40),
    "chengdu": (40, 110, 35000, 60000, 0.25, 0.45, 14, 26, 50, 75, 10, 22),
    "district": (25, 90, 28000, 55000, 0.20, 0.45, 9, 20, 35, 60, 8, 16),
    "county": (25, 110, 12000, 30000, 0.12, 0.35, 6, 15, 20, 45, 4, 10),
    "panxi": (15, 50, 12000, 35000, 0.08, 0.25, 4, 10, 15, 40, 3, 8),
    "highland": (1.0, 9.0, 15000, 30000, 0.02, 0.08, 2, 5, 5, 25, 3, 8),
}


def _county_base(rng: np.random.Generator, counties: list[dict[str, str]]) -> dict[str, FloatArray]:
    """Population, labour, GDP, investment, openness, education (rounded as written)."""
    n, t = len(counties), COUNTY_YEARS.size
    yrs = np.arange(t)
    cls = [_CLASS[_county_class(r)] for r in counties]
    u = rng.uniform(size=(n, 6))
    pick = np.array([[c[2 * j] + u[i, j] * (c[2 * j + 1] - c[2 * j]) for j in range(6)]
                     for i, c in enumerate(cls)])
    core = np.array([_county_class(r) in {"core", "chengdu"} for r in counties])
    pop_growth = np.where(core, 0.02, 0.0) + rng.normal(0, 0.004, n)
    pop = pick[:, 0:1] * np.exp(pop_growth[:, None] * yrs[None, :] + _ar1(rng, (n, t), 0.9, 0.004))
    v: dict[str, FloatArray] = {"population_10k": _rnd(pop, "10k_persons")}
    lf = v["population_10k"] * rng.uniform(0.5, 0.65, (n, 1)) * np.exp(_ar1(rng, (n, t), 0.7, 0.02))
    v["labor_force_10k"] = _rnd(lf, "10k_persons")
    gpc = pick[:, 1:2] * np.exp((0.075 + rng.normal(0, 0.01, (n, 1))) * yrs[None, :]
                                + _ar1(rng, (n, t), 0.6, 0.04))
    v["gdp_10k_yuan"] = _rnd(v["population_10k"] * gpc, "10k_yuan")
    gdp = v["gdp_10k_yuan"]
    highland = np.array([_county_class(r) == "highland" for r in counties])
    inv_ratio = (rng.uniform(0.6, 1.1, (n, 1)) + 0.6 * highland[:, None]) * np.exp(
        _ar1(rng, (n, t), 0.6, 0.12))
    v["fixed_asset_investment_10k_yuan"] = _rnd(gdp * inv_ratio, "10k_yuan")
    v["investment_price_index"] = np.broadcast_to(_INVESTMENT_PRICE, (n, t)).copy()
    v["infrastructure_investment_10k_yuan"] = _rnd(
        v["fixed_asset_investment_10k_yuan"] * rng.uniform(0.15, 0.35, (n, 1))
        * np.exp(_ar1(rng, (n, t), 0.5, 0.05)), "10k_yuan")
    op = pick[:, 4:5] + 1.5 * yrs[None, :] + _ar1(rng, (n, t), 0.7, 3.0)
    v["policy_openness_index"] = _rnd(np.clip(op, 0.0, 100.0), "index")
    edu = pick[:, 5:6] + 0.4 * yrs[None, :] + _ar1(rng, (n, t), 0.7, 0.3)
    v["higher_edu_share_pct"] = _rnd(np.clip(edu, 0.5, 79.0), "pct")
    v["_mfg_share_2011"] = pick[:, 2]
    v["_n_divisions"] = np.round(pick[:, 3])
    return v


def _county_other(rng: np.random.Generator, v: dict[str, FloatArray], core: FloatArray) -> None:
    """The GEM-IN market, enterprise and innovation indicators (in place)."""
    gdp, pop = v["gdp_10k_yuan"], v["population_10k"]
    n, t = gdp.shape
    yrs = np.arange(t)
    gpc = gdp / pop * 1e4 / 1e4  # yuan per person (10k yuan / 10k persons)
    edu = v["higher_edu_share_pct"]
    inc = (0.22 + 0.18 * core[:, None]) * gpc * np.exp(_ar1(rng, (n, t), 0.7, 0.03) + 0.01 * yrs)
    v["per_capita_income_yuan"] = _rnd(np.clip(inc, 1500, 190000), "yuan")
    retail = gpc * rng.uniform(0.3, 0.5, (n, 1)) * np.exp(_ar1(rng, (n, t), 0.7, 0.04))
    v["per_capita_retail_sales_yuan"] = _rnd(np.clip(retail, 150, 290000), "yuan")
    ex = np.exp(1.1 * np.log(gdp) - 9.0 + rng.normal(0, 1.0, (n, 1)) + 0.5 * core[:, None]
                + _ar1(rng, (n, t), 0.7, 0.25))
    v["exports_10k_usd"] = _rnd(np.clip(ex, 1.0, 4.9e7), "10k_usd")
    svc_share = np.clip(0.35 + 0.35 * core + rng.normal(0, 0.05, n), 0.2, 0.85)
    v["service_output_10k_yuan"] = _rnd(
        gdp * (svc_share[:, None] + 0.01 * yrs[None, :]) * np.exp(_ar1(rng, (n, t), 0.6, 0.03)),
        "10k_yuan")
    pat = np.exp(np.log(gdp) - 9.0 + 0.05 * edu + 0.08 * yrs[None, :] + rng.normal(0, 0.4, (n, 1))
                 + _ar1(rng, (n, t), 0.6, 0.15))
    v["patent_applications"] = _rnd(np.clip(pat, 1.0, 1.9e5), "items")
    v["hightech_enterprises"] = _rnd(np.clip(v["patent_applications"] / rng.uniform(8, 20, (n, 1)), 0, 1.9e4),
                                     "count")
    v["producer_service_enterprises"] = _rnd(
        np.clip(gdp / 1500.0 * np.exp(_ar1(rng, (n, t), 0.7, 0.08)) * (1 + core[:, None]), 10, 4.9e4), "count")
    lam = 0.5 + gdp / 4e5
    v["industry_associations"] = np.minimum(rng.poisson(lam).astype(float), 200.0)



def _county_panel(rng: np.random.Generator, ref: Reference) -> CountyPanel:
    """Generate every county series and the county x division rows."""
    counties = ref.counties
    codes = [r["county_code"] for r in counties]
    v = _county_base(rng, counties)
    ln_tfp = ln_tfp_solow(
        v["gdp_10k_yuan"], v["fixed_asset_investment_10k_yuan"], v["investment_price_index"],
        v["labor_force_10k"], alpha=PLANTED["alpha"], delta=PLANTED["delta"])
    core = np.array([_county_class(r) in {"core", "chengdu"} for r in counties], dtype=float)
    _county_other(rng, v, core)
    rows = _county_manufacturing(rng, v, ln_tfp, ref.divisions)
    n, t = v["gdp_10k_yuan"].shape
    va = np.zeros((n, t))
    ent = np.zeros((n, t))
    for r in rows:
        i, ti = int(r[0]), int(r[1]) - int(COUNTY_YEARS[0])
        va[i, ti] += r[5]
        ent[i, ti] += r[3]
    v["mfg_output_share_pct"] = _rnd(np.clip(100 * va / v["gdp_10k_yuan"], 0, 100), "pct")
    v["mfg_enterprises"] = ent
    rows = [(codes[int(r[0])],) + r[1:] for r in rows]
    for key in [k for k in v if k.startswith("_")]:
        del v[key]
    absent = sorted(set(_catalog(ref, "county")) - set(v))
    if absent:
        raise ValueError(f"agglo demo: no generator for county indicators {absent}")
    return CountyPanel(codes, v, rows, ln_tfp)

"""Province panel of the SYNTHETIC demo: sector employment, indicators, planted relationships (papers 001/002/004)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.demo.common import (
    PLANTED,
    PROVINCE_YEARS,
    PS_SECTIONS,
    SECTIONS,
    FloatArray,
    Reference,
    _ar1,
    _catalog,
    _loglin,
    _rnd,
)
from analysis.formulas.indices import coagglomeration, economic_geographic_matrix, location_quotient

# --------------------------------------------------------------------------------------------------
# Province parameters: rough real magnitudes (2003 and 2021 anchors) used only to shape the synthetic
# series. (urban-unit employment 10k, population 10k, GDP per capita yuan, manufacturing and
# productive-service intensity multipliers.)
# --------------------------------------------------------------------------------------------------
_PROV = {
    #          emp03 emp21 pop03 pop21 gpc03  gpc21  m_mult ps_mult
    "110000": (450, 850, 1456, 2189, 34000, 184000, 0.45, 2.60),
    "120000": (190, 300, 1011, 1373, 26000, 114000, 1.30, 1.10),
    "130000": (500, 550, 6769, 7448, 10500, 54000, 0.90, 0.85),
    "140000": (380, 420, 3314, 3480, 7400, 65000, 0.65, 0.90),
    "150000": (240, 280, 2380, 2400, 9000, 85000, 0.50, 1.00),
    "210000": (480, 490, 4210, 4229, 14000, 65000, 1.00, 1.00),
    "220000": (260, 270, 2704, 2375, 9300, 55000, 0.90, 0.95),
    "230000": (470, 330, 3815, 3125, 11600, 47000, 0.60, 0.95),
    "310000": (270, 750, 1766, 2489, 46000, 174000, 1.20, 1.80),
    "320000": (600, 1450, 7406, 8505, 17000, 137000, 1.50, 0.85),
    "330000": (500, 1050, 4680, 6540, 20000, 113000, 1.45, 0.90),
    "340000": (320, 550, 6410, 6113, 6400, 70000, 1.05, 0.90),
    "350000": (390, 700, 3488, 4187, 15000, 117000, 1.40, 0.85),
    "360000": (300, 480, 4254, 4517, 6700, 66000, 1.15, 0.85),
    "370000": (850, 1050, 9125, 10170, 13000, 82000, 1.30, 0.80),
    "410000": (780, 1150, 9667, 9883, 7500, 59000, 1.10, 0.80),
    "420000": (520, 700, 5685, 5830, 9000, 86000, 1.00, 0.95),
    "430000": (470, 560, 6663, 6622, 7600, 69000, 0.90, 0.90),
    "440000": (900, 2050, 7954, 12684, 17000, 98000, 1.60, 0.95),
    "450000": (320, 430, 4857, 5037, 5900, 49000, 0.80, 0.90),
    "460000": (70, 110, 811, 1020, 8300, 63000, 0.35, 1.30),
    "500000": (230, 420, 2803, 3212, 7200, 87000, 1.10, 1.00),
    "510000": (500, 850, 8176, 8372, 6400, 64000, 0.80, 1.00),
    "520000": (200, 320, 3870, 3852, 3600, 50000, 0.55, 0.95),
    "530000": (250, 420, 4376, 4690, 5600, 58000, 0.55, 0.95),
    "540000": (20, 45, 270, 366, 6900, 56000, 0.15, 1.40),
    "610000": (320, 500, 3690, 3954, 6500, 75000, 0.70, 1.10),
    "620000": (200, 250, 2603, 2490, 5000, 41000, 0.55, 1.00),
    "630000": (45, 65, 534, 594, 7300, 57000, 0.50, 1.20),
    "640000": (45, 70, 580, 725, 6700, 62000, 0.55, 1.10),
    "650000": (240, 350, 1934, 2589, 9700, 62000, 0.45, 1.10),
}

#: national urban-unit employment structure by section (shares before the province multipliers)
_SECTION_SHARE = dict(zip(SECTIONS, [
    2.0, 4.0, 28.0, 2.0, 12.0, 5.0, 5.0, 1.5, 1.5, 4.0, 2.0, 2.5, 2.5, 1.5, 0.5, 12.0, 5.0, 1.0, 12.0,
], strict=True))



# --------------------------------------------------------------------------------------------------
# provinces: sector employment
# --------------------------------------------------------------------------------------------------


@dataclass
class ProvincePanel:
    """Province x year arrays (rows: provinces sorted by code; columns: PROVINCE_YEARS)."""

    codes: list[str]
    employment: FloatArray  # provinces x years x sections, 10k persons (rounded to 0.01)
    values: dict[str, FloatArray]  # indicator_code -> provinces x years (rounded; NaN = absent)
    magglo: FloatArray
    psagglo: FloatArray
    coagglo: FloatArray
    latent_a: FloatArray


def _province_employment(rng: np.random.Generator, codes: Sequence[str]) -> FloatArray:
    """Urban-unit employment by section (10k persons, two decimals)."""
    n, t, s = len(codes), PROVINCE_YEARS.size, len(SECTIONS)
    par = np.array([_PROV[c] for c in codes], dtype=float)
    total = _loglin(par[:, 0], par[:, 1], t, curve=0.3) * np.exp(_ar1(rng, (n, t), 0.7, 0.015))
    base = np.log(np.array([_SECTION_SHARE[x] for x in SECTIONS]))
    # national structural change per year (agriculture and mining fall, services rise)
    trend = dict(A=-0.04, B=-0.02, C=-0.006, E=0.02, I=0.045, J=0.02, K=0.03, L=0.03, M=0.02)
    yrs = np.arange(t)
    log_share = np.broadcast_to(base[None, None, :], (n, t, s)).copy()
    for j, sec in enumerate(SECTIONS):
        log_share[:, :, j] += trend.get(sec, 0.0) * yrs[None, :]
    fixed = rng.normal(0.0, 0.25, size=(n, s))  # province-specific structure (other sections)
    log_share += fixed[:, None, :] + rng.normal(0.0, 0.02, size=(n, t, s))
    ic = SECTIONS.index("C")
    ps_idx = [SECTIONS.index(x) for x in PS_SECTIONS]
    dev = np.log(par[:, 5])
    dev = (dev - dev.mean()) / dev.std()
    # developed provinces shift towards productive services (PS LQ rises, M LQ eases): their
    # coagglomeration rises over time; plus persistent AR(1) shocks
    m_slope = -0.004 * dev + rng.normal(0.0, 0.006, size=n)
    ps_slope = 0.012 * dev + rng.normal(0.0, 0.006, size=n)
    m_path = (np.log(par[:, 6])[:, None] + m_slope[:, None] * yrs[None, :]
              + _ar1(rng, (n, t), 0.8, 0.10))
    ps_path = (np.log(par[:, 7])[:, None] + ps_slope[:, None] * yrs[None, :]
               + _ar1(rng, (n, t), 0.8, 0.10))
    log_share[:, :, ic] += m_path - fixed[:, None, ic]
    for j in ps_idx:
        log_share[:, :, j] += ps_path - fixed[:, None, j] + 0.3 * fixed[:, None, j]
    share = np.exp(log_share)
    share /= share.sum(axis=2, keepdims=True)
    return np.round(total[:, :, None] * share, 2) + 0.0


def _group_lq(emp: FloatArray, idx: Sequence[int]) -> FloatArray:
    """LQ of a group of sections for every province-year (national = sum over the panel)."""
    group = emp[:, :, idx].sum(axis=2)
    total = emp.sum(axis=2)
    return location_quotient(group, total, group.sum(axis=0)[None, :], total.sum(axis=0)[None, :])



# --------------------------------------------------------------------------------------------------
# provinces: indicators
# --------------------------------------------------------------------------------------------------

#: the 21 advanced-manufacturing indicators: (mean, slope on the standardised latent, noise sd,
#: change per year). Log-transformed indicators are given on the log scale (mean = None: set from
#: the province's size, see ``_ami_indicators``).
_AMI_SHAPE: dict[str, tuple[float | None, float, float, float]] = {
    "new_product_output_share_pct": (12.0, 4.0, 1.0, 0.25),
    "rd_institution_firm_share_pct": (15.0, 4.5, 1.2, 0.45),
    "rd_expenditure_revenue_pct": (0.9, 0.25, 0.06, 0.03),
    "self_funded_rd_share_pct": (88.0, 2.2, 0.8, 0.10),
    "inventory_turnover_times": (10.0, 2.0, 0.5, -0.05),
    "cost_profit_ratio_pct": (6.5, 2.0, 0.6, 0.0),
    "equity_ratio_pct": (140.0, 22.0, 6.0, -1.0),
    "debt_asset_ratio_pct": (58.0, 3.5, 1.0, -0.2),
    "total_asset_contribution_pct": (12.0, 2.2, 0.6, 0.0),
    "mfg_employment_persons": (None, 0.15, 0.03, 0.02),
    "mfg_avg_wage_yuan": (np.log(34000.0), 0.08, 0.02, np.log(90000.0 / 13000.0) / 18.0),
    "rd_high_edu_share_pct": (30.0, 5.5, 1.5, 0.6),
    "rd_personnel_share_pct": (2.5, 0.8, 0.2, 0.10),
    "wastewater_compliance_pct": (86.0, 2.4, 0.7, 0.3),
    "so2_compliance_pct": (80.0, 3.0, 1.0, 0.5),
    "pm_compliance_pct": (79.0, 3.0, 1.0, 0.5),
    "solid_waste_utilisation_pct": (60.0, 7.0, 2.5, 0.5),
    "capital_preservation_pct": (110.0, 4.5, 1.5, 0.0),
    "value_added_rate_pct": (27.0, 1.8, 0.5, -0.1),
    "operating_profit_share_pct": (6.0, 1.8, 0.5, 0.0),
    "main_business_profit_100m_yuan": (None, 0.35, 0.06, 0.09),
}
NOISE_SCALE = 1.5
AMI_DIMENSIONS = ("amt", "amm", "amw", "gam", "ame")


def _shift_log_mean(z: FloatArray, target: float) -> FloatArray:
    """exp(z) rescaled so that its pooled arithmetic mean equals ``target``."""
    return np.exp(z) * (target / np.exp(z).mean())


def _controls(
    rng: np.random.Generator, codes: Sequence[str], region: Sequence[str],
) -> dict[str, FloatArray]:
    """GDP, population and the paper-001/004 controls (rounded to the written decimals)."""
    n, t = len(codes), PROVINCE_YEARS.size
    par = np.array([_PROV[c] for c in codes], dtype=float)
    yrs = np.arange(t)
    frac = yrs / (t - 1)
    west = np.array([r == "West" for r in region])
    east = np.array([r == "East" for r in region])
    tibet = np.array([c == "540000" for c in codes])
    v: dict[str, FloatArray] = {}
    pop = _rnd(_loglin(par[:, 2], par[:, 3], t) * np.exp(_ar1(rng, (n, t), 0.9, 0.003)), "10k_persons")
    gpc = _rnd(_loglin(par[:, 4], par[:, 5], t, curve=0.25) * np.exp(_ar1(rng, (n, t), 0.6, 0.01)), "yuan")
    v["population_10k"] = pop
    v["gdp_per_capita_yuan"] = gpc
    v["gdp_100m_yuan"] = _rnd(pop * gpc / 1e4, "100m_yuan")
    gdp = v["gdp_100m_yuan"]
    dev = np.log(par[:, 5])
    dev = (dev - dev.mean()) / dev.std()

    z = 1.0 * np.log(gdp) + 0.6 * dev[:, None] + rng.normal(0, 0.4, (n, 1)) + _ar1(rng, (n, t), 0.7, 0.1)
    z = z - 1.5 * tibet[:, None]
    v["fdi_10k_usd"] = _rnd(np.clip(_shift_log_mean(z, 2.5e5), 50.0, 4.9e6), "10k_usd")
    hcl = (9.4 + 0.9 * dev[:, None] + 0.09 * (yrs[None, :] - 9) + rng.normal(0, 0.3, (n, 1))
           + _ar1(rng, (n, t), 0.5, 0.04) - 2.8 * tibet[:, None])
    v["avg_schooling_years"] = _rnd(np.clip(hcl, 3.5, 14.5), "years")
    ratio = (0.11 + 0.05 * (~east) + 0.10 * west + 0.85 * tibet + rng.normal(0, 0.02, n).clip(-0.03, 0.03))
    ratio = ratio[:, None] * (1.0 + 0.6 * frac[None, :]) * np.exp(_ar1(rng, (n, t), 0.6, 0.02))
    v["fiscal_expenditure_100m_yuan"] = _rnd(gdp * ratio, "100m_yuan")
    hump = 0.42 + 0.45 * np.sin(np.pi * np.clip(frac * 1.15, 0, 1)) ** 1.5
    inv_ratio = hump[None, :] * np.exp(0.15 * west[:, None] + rng.normal(0, 0.1, (n, 1))
                                       + _ar1(rng, (n, t), 0.7, 0.03))
    v["fixed_asset_investment_100m_yuan"] = _rnd(gdp * inv_ratio, "100m_yuan")
    s03 = np.clip(50 + 10 * (par[:, 6] - 0.9) + rng.normal(0, 3, n), 30, 62)
    s03[[codes.index("110000"), codes.index("460000"), codes.index("540000")]] = [32.0, 24.0, 26.0]
    decline = 3 + 4 * np.clip(dev, 0, None) + rng.uniform(0, 4, n)
    strc = s03[:, None] - decline[:, None] * frac[None, :] + _ar1(rng, (n, t), 0.8, 0.6)
    v["secondary_industry_share_pct"] = _rnd(np.clip(strc, 12, 85), "pct")
    post_path = np.log(0.06) - 0.6 * np.sin(np.pi * np.clip(frac * 1.4, 0, 1)) + 1.8 * np.clip(frac - 0.72, 0, None) / 0.28
    post = gdp * np.exp(post_path[None, :] + rng.normal(0, 0.15, (n, 1)) + _ar1(rng, (n, t), 0.5, 0.03))
    v["postal_telecom_volume_100m_yuan"] = _rnd(np.maximum(post, 1.0), "100m_yuan")
    u03 = np.clip(40 + 12 * dev + rng.normal(0, 4, n), 20, 89)
    for c, u in (("110000", 79.0), ("310000", 88.0), ("120000", 72.0), ("540000", 20.0)):
        u03[codes.index(c)] = u
    u21 = u03 + (90 - u03) * rng.uniform(0.35, 0.55, n)
    urb = u03[:, None] + (u21 - u03)[:, None] * frac[None, :] + _ar1(rng, (n, t), 0.8, 0.15)
    v["urbanisation_rate_pct"] = _rnd(np.clip(urb, 12, 95), "pct")
    open_base = {"440000": 1.5, "310000": 1.4, "110000": 0.9, "120000": 0.9, "320000": 0.9,
                 "330000": 0.65, "350000": 0.6, "210000": 0.4, "370000": 0.35, "460000": 0.25,
                 "650000": 0.2}
    ob = np.array([open_base.get(c, 0.0) for c in codes])
    ob = np.where(ob > 0, ob, np.exp(rng.normal(np.log(0.1), 0.4, n)))
    open_path = 1.0 + 0.25 * np.sin(np.pi * np.clip(frac * 2.5, 0, 1)) - 0.35 * frac
    v["imports_exports_100m_yuan"] = _rnd(
        gdp * ob[:, None] * open_path[None, :] * np.exp(_ar1(rng, (n, t), 0.7, 0.05)), "100m_yuan")
    return v


def _ami_indicators(
    rng: np.random.Generator, catalog: dict[str, dict[str, str]], latent_a: FloatArray,
    mfg_emp_10k: FloatArray, gdp: FloatArray,
) -> dict[str, FloatArray]:
    """The 21 indicators: affine in (A + dimension sub-latent) on the transformed scale, plus noise.

    ``T_k = mean_k + level_k,i + trend_k * year + direction_k * slope_k * Z_d + noise``, with
    ``Z_d`` the pooled-standardised ``A + u_d`` (``u_d``: the dimension's own sub-latent, a
    province effect plus an AR(1)); ``T_k`` is the value itself, or its log for ``transform=log``.
    """
    n, t = latent_a.shape
    yrs = np.arange(t) - (t - 1) / 2
    out: dict[str, FloatArray] = {}
    sub = {d: rng.normal(0, 0.5, (n, 1)) + _ar1(rng, (n, t), 0.6, 0.15) for d in AMI_DIMENSIONS}
    for code, (mean, slope, noise, trend) in _AMI_SHAPE.items():
        row = catalog[code]
        z = latent_a + sub[row["dimension"]]
        z = (z - z.mean()) / z.std()
        direction = float(row["direction"])
        if mean is None:
            if code == "mfg_employment_persons":
                level = np.log(1.4e4 * mfg_emp_10k.mean(axis=1))
            else:
                level = np.log(0.06 * gdp.mean(axis=1))
            base = level[:, None]
        else:
            base = np.full((n, 1), mean)
        tr = (base + trend * yrs[None, :] + direction * slope * z
              + rng.normal(0, NOISE_SCALE * noise, (n, t)))
        val = np.exp(tr) if row["transform"] == "log" else tr
        lo, hi = float(row["min_plausible"]), float(row["max_plausible"])
        out[code] = _rnd(np.clip(val, lo, hi), row["unit"])
    return out


def _zscore(x: FloatArray) -> FloatArray:
    return (x - x.mean()) / x.std()


def province_regressors(v: dict[str, FloatArray], coagglo: FloatArray) -> dict[str, FloatArray]:
    """The paper-001 regressors of the latent A, from the written (rounded) values.

    ``mi`` and ``icc`` enter as pooled z-scores (population sd over all province-years); the
    interactions use the pooled-centred coagglo and uic, so that a regression on the raw products
    plus main effects recovers the interaction coefficients unchanged.
    """
    mi_z = _zscore(v["robot_imports_musd"])
    icc_z = _zscore(v["icc_pct"])
    uic = v["invention_patents_granted_10k"]
    c_c = coagglo - coagglo.mean()
    u_c = uic - uic.mean()
    return {
        "coagglo": coagglo, "uic": uic,
        "coagglo_x_mi": c_c * mi_z, "uic_x_mi": u_c * mi_z,
        "coagglo_x_icc": c_c * icc_z, "uic_x_icc": u_c * icc_z,
        "mi": mi_z, "icc": icc_z,
        "pdgp": np.log(v["gdp_per_capita_yuan"]),
        "fdi": np.log(1e4 * v["fdi_10k_usd"]),
        "hcl": v["avg_schooling_years"],
        "gov": np.log(1e8 * v["fiscal_expenditure_100m_yuan"]),
        "inv": np.log(1e8 * v["fixed_asset_investment_100m_yuan"]),
        "str": v["secondary_industry_share_pct"],
        "inf": np.log(1e8 * v["postal_telecom_volume_100m_yuan"]),
    }


def _latent_a(
    rng: np.random.Generator, regs: dict[str, FloatArray], w: FloatArray, dev: FloatArray,
) -> FloatArray:
    """A = (I - rho W)^-1 (X b + theta W coagglo + alpha_i + delta_t + e_t) year by year; e is AR(1).

    ``W coagglo`` is the spatial lag of coagglomeration in each year (``w`` the row-standardised
    economic-geographic matrix, equal to the warehouse's ``fct_spatial_weights``
    ``economic_geographic`` province matrix).
    """
    n, t = regs["coagglo"].shape
    xb = sum(PLANTED[f"b_{name}"] * x for name, x in regs.items())
    xb = xb + PLANTED["theta_coagglo"] * (w @ regs["coagglo"])
    alpha = 0.5 * dev[:, None] + rng.normal(0, 0.2, (n, 1))
    delta = 0.03 * np.arange(t)[None, :]
    e = _ar1(rng, (n, t), PLANTED["phi_A"], PLANTED["sd_A"])
    rhs = xb + alpha + delta + e
    inv = np.linalg.inv(np.eye(n) - PLANTED["rho_W"] * w)
    a = inv @ rhs
    return a - a.mean()


def _mechanisms(
    rng: np.random.Generator, codes: Sequence[str], gdp: FloatArray, dev: FloatArray,
    coagglo: FloatArray, mult_m: FloatArray,
) -> dict[str, FloatArray]:
    """Mechanism and moderators: uic (planted on coagglo), mi (robot imports), icc."""
    n, t = gdp.shape
    frac = np.arange(t) / (t - 1)
    size = np.log(gdp.mean(axis=1))
    a_uic = 1.0 * (size - size.mean()) + 0.5 * dev + rng.normal(0, 0.3, n)
    z = (a_uic[:, None] + np.log(50.0) * frac[None, :] + PLANTED["gamma_uic"] * coagglo
         + rng.normal(0, PLANTED["sd_uic"], (n, t)))
    # national total about 40 (10k items) in the last year
    z = z + np.log(40.0 / np.exp(z[:, -1]).sum())
    v = {"invention_patents_granted_10k": _rnd(np.exp(z), "10k_items")}
    a_mi = 0.9 * (size - size.mean()) + 0.4 * dev + 0.8 * np.log(mult_m) + rng.normal(0, 0.35, n)
    zm = a_mi[:, None] + np.log(30.0) * frac[None, :] + _ar1(rng, (n, t), 0.6, 0.15)
    v["robot_imports_musd"] = _rnd(np.clip(_shift_log_mean(zm, 97.0), 0.01, 4900), "musd")
    a_icc = 0.8 * dev + 0.4 * (size - size.mean()) + rng.normal(0, 0.7, n)
    zi = a_icc[:, None] + 0.8 * np.sin(np.pi * frac)[None, :] + _ar1(rng, (n, t), 0.6, 0.3)
    v["icc_pct"] = _rnd(np.clip(_shift_log_mean(zi, 0.13), 0.0, 20.0), "pct")
    return v


def _industrial_and_growth(
    rng: np.random.Generator, v: dict[str, FloatArray], emp: FloatArray, mult_m: FloatArray,
    dev: FloatArray, region: Sequence[str],
) -> dict[str, FloatArray]:
    """Paper 002 numerators (industrial enterprises, value added, assets, employment) and growth."""
    gdp = v["gdp_100m_yuan"]
    n, t = gdp.shape
    frac = np.arange(t) / (t - 1)
    lm = np.log(mult_m)[:, None]
    out: dict[str, FloatArray] = {}
    specs = {
        "industrial_enterprises": (np.log(1.4) + (np.log(0.39) - np.log(1.4)) * frac, 0.8, "count"),
        "industrial_value_added_100m_yuan": (np.log(0.40) - 0.22 * frac, 0.3, "100m_yuan"),
        "industrial_total_assets_100m_yuan": (np.log(1.2) - 0.08 * frac, 0.3, "100m_yuan"),
        "industrial_employment_10k": (np.log(0.044) + (np.log(0.0066) - np.log(0.044)) * frac, 0.6,
                                      "10k_persons"),
    }
    for code, (path, m_el, unit) in specs.items():
        z = path[None, :] + m_el * lm + rng.normal(0, 0.15, (n, 1)) + _ar1(rng, (n, t), 0.7, 0.07)
        val = gdp * np.exp(z)
        out[code] = _rnd(np.maximum(val, 12.0) if unit == "count" else val, unit)
    idx = {
        "enterprises": agglomeration_index(out["industrial_enterprises"], gdp),
        "value_added": agglomeration_index(out["industrial_value_added_100m_yuan"], gdp),
        "capital": agglomeration_index(out["industrial_total_assets_100m_yuan"], gdp),
        "employment": agglomeration_index(out["industrial_employment_10k"], gdp),
    }
    path = np.interp(PROVINCE_YEARS, [2003, 2007, 2008, 2009, 2010, 2012, 2015, 2019, 2020, 2021],
                     [11.5, 13.0, 11.0, 11.5, 12.5, 10.5, 8.5, 6.5, 3.0, 8.5])
    west = np.array([r == "West" for r in region], dtype=float)
    fe = 0.8 * west + rng.normal(0, 0.6, n) - 0.3 * dev
    signal = sum(PLANTED[f"beta_agg_{k}"] * x for k, x in idx.items())
    g = (path[None, :] + fe[:, None] + signal - signal.mean()
         + rng.normal(0, PLANTED["sd_growth"], (n, t)))
    out["gdp_growth_pct"] = _rnd(np.clip(g, -19.0, 39.0), "pct")
    return out


def agglomeration_index(x: FloatArray, gdp: FloatArray) -> FloatArray:
    """Paper 002's index ``(x_r / X) / (GDP_r / GDP)`` per year (national = sum over regions)."""
    return location_quotient(x, gdp, x.sum(axis=0)[None, :], gdp.sum(axis=0)[None, :])


def _patents_and_centres(
    rng: np.random.Generator, v: dict[str, FloatArray], magglo: FloatArray, latent_a: FloatArray,
    dev: FloatArray,
) -> dict[str, FloatArray]:
    """patents_granted (paper 004: elasticity on Magglo) and innovation centres (from 2016)."""
    gdp = v["gdp_100m_yuan"]
    n, t = gdp.shape
    frac = np.arange(t) / (t - 1)
    size = np.log(gdp.mean(axis=1))
    a = 1.1 * (size - size.mean()) + 0.5 * dev + rng.normal(0, 0.3, n)
    z = (a[:, None] + np.log(30.0) * frac[None, :] + PLANTED["elasticity_pat_magglo"] * np.log(magglo)
         + rng.normal(0, PLANTED["sd_pat"], (n, t)))
    pat = _shift_log_mean(z, 6.0e4)
    out = {"patents_granted": _rnd(np.clip(pat, 12.0, 1.9e6), "items")}
    first = int(np.searchsorted(PROVINCE_YEARS, 2016))
    za = _zscore(latent_a)
    centres = np.full((n, t), np.nan)
    prev = np.zeros(n)
    for ti in range(first, t):
        lam = np.exp(-3.2 + 1.0 * za[:, ti] + 0.3 * (ti - first))
        prev = np.minimum(np.maximum(prev, rng.poisson(lam)), 10)
        centres[:, ti] = prev
    out["mfg_innovation_centers"] = centres
    return out


def _province_panel(rng: np.random.Generator, ref: Reference) -> ProvincePanel:
    """Generate every province series (rounded values; absent = NaN)."""
    codes = [r["province_code"] for r in ref.provinces]
    region = [r["region_nbs4"] for r in ref.provinces]
    missing = sorted(set(codes) ^ set(_PROV))
    if missing:
        raise ValueError(f"agglo demo: provinces seed and generator parameters differ: {missing}")
    par = np.array([_PROV[c] for c in codes], dtype=float)
    emp = _province_employment(rng, codes)
    magglo = _group_lq(emp, [SECTIONS.index("C")])
    psagglo = _group_lq(emp, [SECTIONS.index(x) for x in PS_SECTIONS])
    coagglo = coagglomeration(magglo, psagglo)
    v = _controls(rng, codes, region)
    dev = np.log(par[:, 5])
    dev = (dev - dev.mean()) / dev.std()
    v.update(_mechanisms(rng, codes, v["gdp_100m_yuan"], dev, coagglo, par[:, 6]))
    lat = np.array([float(r["capital_lat"]) for r in ref.provinces])
    lon = np.array([float(r["capital_lon"]) for r in ref.provinces])
    w = economic_geographic_matrix(lat, lon, v["gdp_100m_yuan"].mean(axis=1))
    regs = province_regressors(v, coagglo)
    a = _latent_a(rng, regs, w, dev)
    cat = _catalog(ref, "province")
    v.update(_ami_indicators(rng, cat, a, emp[:, :, SECTIONS.index("C")], v["gdp_100m_yuan"]))
    v.update(_patents_and_centres(rng, v, magglo, a, dev))
    v.update(_industrial_and_growth(rng, v, emp, par[:, 6], dev, region))
    absent = sorted(set(cat) - set(v))
    if absent:
        raise ValueError(f"agglo demo: no generator for province indicators {absent}")
    return ProvincePanel(codes, emp, v, magglo, psagglo, coagglo, a)

"""``agglo demo``: a deterministic generator of SYNTHETIC raw input data.

Everything written here is invented. The files follow the raw-input contract of
``docs/data_contract.md`` (file names, column order, ``source`` and ``unit`` columns, the catalog's
units) and are shaped like the real yearbooks (31 provinces x 2003-2021, every prefecture, Sichuan's
183 counties x 2011-2022, realistic magnitudes), with known relationships planted so that the
studies' signs are recoverable. ``data/demo/README.md`` documents every planted parameter; the
numbers below (``PLANTED``) are the single source of those values.

The generator reads the reference seeds in ``warehouse/seeds/`` (provinces, prefectures, counties,
code changes, CIC divisions, indicator catalog) so that codes and units always match the warehouse.

Determinism: one :class:`numpy.random.Generator` seeded once, draws in a fixed order, values rounded
to a fixed number of decimals per unit *before* anything is derived from them, rows sorted by key,
Unix line endings. Two runs with the same seed give byte-identical files.

Examples
--------
>>> from pathlib import Path
>>> from analysis.demo.generate import write_demo
>>> write_demo(Path("/tmp/agglo-demo"), seed=20240601)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from analysis.formulas.indices import (
    coagglomeration,
    economic_geographic_matrix,
    location_quotient,
    perpetual_inventory,
    solow_ln_tfp,
)
from analysis.paths import PROJECT_ROOT

FloatArray = npt.NDArray[np.float64]

SEEDS_DIR = PROJECT_ROOT / "warehouse" / "seeds"
DEFAULT_SEED = 20240601

PROVINCE_YEARS = np.arange(2003, 2022)
COUNTY_YEARS = np.arange(2011, 2023)
SECTIONS = list("ABCDEFGHIJKLMNOPQRS")
PS_SECTIONS = ["G", "I", "J", "L", "M"]
SOURCE = "synthetic demo"

#: Planted parameters (documented in data/demo/README.md; tests/demo/test_demo.py recovers them).
PLANTED: dict[str, float] = {
    # advanced-manufacturing latent A (province-year): spatial Durbin in A within each year, the
    # spillover through W*coagglo (theta, about 3.5 x the direct effect, as paper 001 table 11)
    "b_coagglo": 1.00,
    "b_uic": 0.10,
    "b_coagglo_x_mi": 0.25,
    "b_uic_x_mi": 0.008,
    "b_coagglo_x_icc": 0.20,
    "b_uic_x_icc": 0.01,
    "b_mi": 0.05,
    "b_icc": 0.05,
    "b_pdgp": 0.20,
    "b_fdi": 0.03,
    "b_hcl": 0.03,
    "b_gov": 0.05,
    "b_inv": 0.05,
    "b_str": 0.003,
    "b_inf": 0.05,
    "theta_coagglo": 3.50,
    "rho_W": 0.00,
    "phi_A": 0.50,
    "sd_A": 0.06,
    # uic (invention patents granted, 10k): ln uic = a_i + d_t + gamma * coagglo + e
    "gamma_uic": 0.60,
    "sd_uic": 0.05,
    # paper 004: ln patents_granted = a_i + d_t + 0.4 ln Magglo + e
    "elasticity_pat_magglo": 0.40,
    "sd_pat": 0.05,
    # paper 002: gdp_growth_pct = a_i + d_t + sum beta * agglomeration index + e
    "beta_agg_enterprises": 1.50,
    "beta_agg_value_added": 2.00,
    "beta_agg_capital": 1.40,
    "beta_agg_employment": -1.20,
    "sd_growth": 0.30,
    # county x division output-value LQ (latent, before the LQ normalisation)
    "rho_lq": 0.60,
    "beta_lq_ln_tfp_high_tech": 0.50,
    "beta_lq_op_high_tech": 0.010,
    "sd_lq": 0.10,
    # county manufacturing intensity ln(mfg value added / GDP)
    "rho_mfg": 0.60,
    "beta_mfg_ln_tfp": 0.40,
    "beta_mfg_op": 0.006,
    "sd_mfg": 0.05,
    # Solow residual used by the generator (same definition as the warehouse)
    "alpha": 0.40,
    "delta": 0.096,
}

#: decimals written per unit (values are rounded to this before anything is derived from them)
UNIT_DECIMALS: dict[str, int] = {
    "pct": 3, "times": 3, "persons": 0, "yuan": 0, "100m_yuan": 2, "10k_yuan": 1, "10k_persons": 2,
    "10k_usd": 1, "usd": 0, "years": 2, "10k_items": 4, "items": 0, "musd": 3, "count": 0, "index": 2,
}


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


@dataclass(frozen=True)
class Tables:
    """The six raw tables as rows ready to be written (already sorted)."""

    province_sector_employment: list[tuple[str, ...]]
    prefecture_sector_employment: list[tuple[str, ...]]
    province_indicators: list[tuple[str, ...]]
    county_indicators: list[tuple[str, ...]]
    county_industry: list[tuple[str, ...]]


# --------------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------------


def _read_seed(name: str) -> list[dict[str, str]]:
    """Read ``warehouse/seeds/<name>.csv`` as a list of dicts (codes stay strings)."""
    path = SEEDS_DIR / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"agglo demo: reference seed {path} is missing (needed for codes)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _fmt(value: float, decimals: int) -> str:
    """Format a number with fixed decimals (no ``-0``)."""
    return f"{round(float(value), decimals) + 0.0:.{decimals}f}"


def _rnd(x: FloatArray | float, unit: str) -> FloatArray:
    """Round to the decimals written for ``unit`` (so derived quantities use the written values)."""
    return np.round(np.asarray(x, dtype=float), UNIT_DECIMALS[unit]) + 0.0


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sd: float) -> FloatArray:
    """Stationary AR(1) paths along axis 1 (entities x periods) with innovation sd ``sd``."""
    e = rng.normal(0.0, sd, size=shape)
    out = np.empty(shape)
    out[:, 0] = e[:, 0] / np.sqrt(1.0 - phi**2)
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + e[:, t]
    return out


def _two_way_demean(x: FloatArray) -> FloatArray:
    """Remove entity and period means from an entities x periods array (balanced)."""
    return x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + x.mean()


def _loglin(a: FloatArray, b: FloatArray, n: int, curve: float = 0.0) -> FloatArray:
    """Paths from ``a`` to ``b`` (per entity) log-linearly over ``n`` periods, concave if curve > 0."""
    s = np.linspace(0.0, 1.0, n)
    s = s + curve * s * (1.0 - s)
    return np.exp(np.log(a)[:, None] + (np.log(b) - np.log(a))[:, None] * s[None, :])


def _apportion(total: int, weights: FloatArray) -> npt.NDArray[np.int64]:
    """Split an integer ``total`` by ``weights`` with largest remainders (exact sum, deterministic)."""
    raw = total * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:rest]] += 1
    return base


def ln_tfp_solow(
    gdp: FloatArray, investment: FloatArray, price_index: FloatArray, labour: FloatArray,
    *, alpha: float, delta: float,
) -> FloatArray:
    """Solow residual per entity (rows) over periods (columns), as the warehouse computes it.

    Real investment ``I / (P / 100)``, capital by :func:`~analysis.formulas.indices.perpetual_inventory`
    and ``ln TFP`` by :func:`~analysis.formulas.indices.solow_ln_tfp` (the shared reference formulas).
    """
    real = investment / (price_index / 100.0)
    k = np.vstack([perpetual_inventory(row, delta=delta) for row in real])
    return solow_ln_tfp(gdp, k, labour, alpha=alpha)


# --------------------------------------------------------------------------------------------------
# reference data
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Codes and facts read from the seeds."""

    provinces: list[dict[str, str]]
    prefectures: list[dict[str, str]]
    counties: list[dict[str, str]]
    code_changes: list[dict[str, str]]
    divisions: list[dict[str, str]]
    catalog: list[dict[str, str]]


def load_reference() -> Reference:
    """Read the seeds the generator needs (sorted by code, so draws are order-stable)."""
    return Reference(
        provinces=sorted(_read_seed("provinces"), key=lambda r: r["province_code"]),
        prefectures=sorted(_read_seed("prefectures"), key=lambda r: r["prefecture_code"]),
        counties=sorted(_read_seed("counties"), key=lambda r: r["county_code"]),
        code_changes=_read_seed("sichuan_county_code_changes"),
        divisions=sorted(_read_seed("cic_divisions"), key=lambda r: r["industry_code"]),
        catalog=_read_seed("indicator_catalog"),
    )


def _catalog(ref: Reference, level: str) -> dict[str, dict[str, str]]:
    return {r["indicator_code"]: r for r in ref.catalog if r["level"] == level}


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


def _prefecture_employment(
    rng: np.random.Generator, ref: Reference, prov_codes: Sequence[str], emp: FloatArray,
) -> list[tuple[str, ...]]:
    """Split every province-year-section value over the province's prefectures (exact sums)."""
    rows: list[tuple[str, ...]] = []
    t, s = PROVINCE_YEARS.size, len(SECTIONS)
    for i, pcode in enumerate(prov_codes):
        prefs = [r["prefecture_code"] for r in ref.prefectures if r["province_code"] == pcode]
        k = len(prefs)
        size = rng.dirichlet(np.full(k, 2.0))
        capital = [j for j, c in enumerate(prefs) if c.endswith("0100")]
        size[capital] *= 2.5
        dev = rng.normal(0.0, 0.5, size=(k, 1, s))
        drift = np.cumsum(rng.normal(0.0, 0.02, size=(k, t, s)), axis=1)
        size_drift = np.cumsum(rng.normal(0.0, 0.02, size=(k, t, 1)), axis=1)
        w = size[:, None, None] * np.exp(dev + drift + size_drift)
        for ti in range(t):
            for j in range(s):
                total = int(round(emp[i, ti, j] * 100))
                parts = _apportion(total, w[:, ti, j])
                for code, v in zip(prefs, parts, strict=True):
                    rows.append((code, str(PROVINCE_YEARS[ti]), SECTIONS[j], f"{v / 100:.2f}", SOURCE))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


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


# --------------------------------------------------------------------------------------------------
# Sichuan counties
# --------------------------------------------------------------------------------------------------

#: Sichuan investment price index, 2011 = 100 (one province-wide series; synthetic but realistic)
_INVESTMENT_PRICE = np.array([100.0, 101.2, 101.0, 101.5, 100.2, 99.1, 104.9, 110.5, 112.8, 115.5,
                              122.3, 127.0])
#: relative prevalence of CIC divisions 13..43 among Sichuan counties (liquor 15, chemicals 26,
#: non-metallic minerals 30, electronics 39 are large in Sichuan)
_DIVISION_WEIGHT = dict(zip([str(d) for d in range(13, 44)], [
    3.0, 2.0, 3.0, 0.3, 1.0, 0.6, 0.5, 1.0, 0.8, 1.0, 0.6, 0.4, 0.8, 2.5, 1.8, 0.4, 1.2, 3.0, 1.2,
    1.0, 1.5, 1.5, 1.2, 1.0, 0.8, 1.2, 1.5, 0.4, 0.6, 0.5, 0.3,
], strict=True))


@dataclass
class CountyPanel:
    """County x year arrays (rows: counties by current code; columns: COUNTY_YEARS)."""

    codes: list[str]
    values: dict[str, FloatArray]
    industry_rows: list[tuple[str, str, str, float, float, float, float, float]]
    ln_tfp: FloatArray


def _county_class(row: dict[str, str]) -> str:
    """Size class of a county for the generator (Chengdu core, districts, counties, highland)."""
    code, region, kind = row["county_code"], row["sichuan_region"], row["county_type"]
    if code in {"510104", "510105", "510106", "510107", "510108"}:
        return "core"
    if region == "northwest":
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


def _county_manufacturing(
    rng: np.random.Generator, v: dict[str, FloatArray], ln_tfp: FloatArray,
    divisions: list[dict[str, str]],
) -> list[tuple[str, str, str, float, float, float, float, float]]:
    """County manufacturing intensity and the county x division rows (current codes).

    County intensity ``m = ln(mfg output / GDP)``:
    ``m_t = (1 - rho) mu_c + rho m_{t-1} + beta_tfp (ln tfp - mean_c) + beta_op (op - mean_c) + e``.
    Division latent ``y_cd,t = (1 - rho) mu_cd + rho y_cd,t-1 + h_d [beta_tfp (ln tfp - mean_c) +
    beta_op (op - mean_c)] + tau_d,t + e``; division output = county output x softmax_d(y).
    """
    gdp, op = v["gdp_10k_yuan"], v["policy_openness_index"]
    n, t = gdp.shape
    tfp_c = ln_tfp - ln_tfp.mean(axis=1, keepdims=True)
    op_c = op - op.mean(axis=1, keepdims=True)
    va_rate_c = rng.uniform(0.24, 0.32, n)
    mu = np.log(v["_mfg_share_2011"] / va_rate_c)  # ln(mfg output / GDP)
    m = np.empty((n, t))
    m[:, 0] = mu + rng.normal(0, PLANTED["sd_mfg"], n)
    for ti in range(1, t):
        m[:, ti] = ((1 - PLANTED["rho_mfg"]) * mu + PLANTED["rho_mfg"] * m[:, ti - 1]
                    + PLANTED["beta_mfg_ln_tfp"] * tfp_c[:, ti] + PLANTED["beta_mfg_op"] * op_c[:, ti]
                    + rng.normal(0, PLANTED["sd_mfg"], n))
    county_output = gdp * np.exp(m)
    div_codes = [d["industry_code"] for d in divisions]
    high = np.array([d["is_high_tech"].strip().lower() == "true" for d in divisions])
    prevalence = np.array([_DIVISION_WEIGHT[c] for c in div_codes])
    tau = np.cumsum(rng.normal(0, 0.05, (len(div_codes), t)), axis=1)
    tau[div_codes.index("39")] += 0.06 * np.arange(t)
    va_rate_d = rng.uniform(0.2, 0.38, len(div_codes))
    asset_d = rng.uniform(0.6, 1.3, len(div_codes))
    prod_d = rng.uniform(60, 160, len(div_codes))  # output per worker, 10k yuan
    rows: list[tuple[str, str, str, float, float, float, float, float]] = []
    for i in range(n):
        k = int(v["_n_divisions"][i])
        present = np.sort(rng.choice(len(div_codes), size=k, replace=False, p=prevalence / prevalence.sum()))
        mu_cd = np.log(prevalence[present]) + rng.normal(0, 0.8, k)
        y = np.empty((k, t))
        y[:, 0] = mu_cd + rng.normal(0, PLANTED["sd_lq"], k)
        shock = (PLANTED["beta_lq_ln_tfp_high_tech"] * tfp_c[i]
                 + PLANTED["beta_lq_op_high_tech"] * op_c[i])
        for ti in range(1, t):
            y[:, ti] = ((1 - PLANTED["rho_lq"]) * mu_cd + PLANTED["rho_lq"] * y[:, ti - 1]
                        + high[present] * shock[ti] + tau[present, ti] - PLANTED["rho_lq"] * tau[present, ti - 1]
                        + rng.normal(0, PLANTED["sd_lq"], k))
        share = np.exp(y - y.max(axis=0, keepdims=True))
        share /= share.sum(axis=0, keepdims=True)
        firm_size = 2.0e4 * np.exp(rng.normal(0, 0.5, k))
        for j, d in enumerate(present):
            out = np.round(county_output[i] * share[j], 1)
            noise = np.exp(rng.normal(0, 0.03, (3, t)))
            for ti in range(t):
                if out[ti] <= 0:
                    continue
                rows.append((
                    "", str(COUNTY_YEARS[ti]), div_codes[d], float(max(1, round(out[ti] / firm_size[j]))),
                    float(out[ti]), round(out[ti] * va_rate_d[d] * noise[0, ti], 1),
                    float(max(1, round(out[ti] / prod_d[d] * noise[1, ti]))),
                    round(out[ti] * asset_d[d] * noise[2, ti], 1),
                ))
                rows[-1] = (str(i),) + rows[-1][1:]
    return rows


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


# --------------------------------------------------------------------------------------------------
# long rows, gaps, aliases, alternative units, writing
# --------------------------------------------------------------------------------------------------

#: indicators that may get interior gaps (never the regressors of the planted relationships)
_GAP_PROVINCE = set(_AMI_SHAPE) | {"urbanisation_rate_pct", "imports_exports_100m_yuan"}
_GAP_COUNTY = {
    "infrastructure_investment_10k_yuan", "industry_associations", "producer_service_enterprises",
    "per_capita_income_yuan", "per_capita_retail_sales_yuan", "exports_10k_usd",
    "service_output_10k_yuan", "patent_applications", "hightech_enterprises", "higher_edu_share_pct",
}
GAP_SHARE = 0.01


def _interior_gaps(
    rng: np.random.Generator, values: dict[str, FloatArray], eligible: set[str],
) -> dict[str, FloatArray]:
    """Drop about GAP_SHARE of all values, only strictly inside a series and never two in a row."""
    out = {k: v.copy() for k, v in values.items()}
    n_total = sum(int(np.isfinite(v).sum()) for v in values.values())
    target = int(round(GAP_SHARE * n_total))
    keys = sorted(eligible & set(values))
    dropped = 0
    while dropped < target:
        code = keys[int(rng.integers(len(keys)))]
        arr = out[code]
        i = int(rng.integers(arr.shape[0]))
        ok = np.flatnonzero(np.isfinite(arr[i]))
        if ok.size < 5:
            continue
        ti = int(rng.integers(ok[1], ok[-1]))  # strictly inside [first, last]
        if ti == ok[0] or not np.isfinite(arr[i, ti]) or not np.isfinite(arr[i, ti - 1]) \
                or not np.isfinite(arr[i, ti + 1]):
            continue
        arr[i, ti] = np.nan
        dropped += 1
    return out


def _indicator_rows(
    codes: Sequence[str], years: npt.NDArray[np.int64], values: dict[str, FloatArray],
    catalog: dict[str, dict[str, str]],
) -> list[list[str]]:
    rows: list[list[str]] = []
    for code, arr in values.items():
        unit = catalog[code]["unit"]
        for i, key in enumerate(codes):
            for ti, year in enumerate(years):
                x = arr[i, ti]
                if np.isfinite(x):
                    rows.append([key, str(year), code, _fmt(x, UNIT_DECIMALS[unit]), unit, SOURCE])
    return rows


def _old_code_map(ref: Reference) -> dict[str, tuple[str, int]]:
    """Map current code -> (2011-vintage code, first year of the current code)."""
    out: dict[str, tuple[str, int]] = {}
    for r in ref.code_changes:
        old, new = r["old_code"].strip(), r["new_code"].strip()
        if old.isdigit() and len(old) == 6 and old != new:
            out[new] = (old, int(r["approx_effective"][:4]))
    return out


def _vintage(code: str, year: int, old: dict[str, tuple[str, int]]) -> str:
    """The code a yearbook of ``year`` would print: the old code before the change year."""
    if code in old and year < old[code][1]:
        return old[code][0]
    return code


#: rows written with a name instead of a code (alias resolution): (code, year, written name)
_PROVINCE_NAME_ROWS = [("510000", 2005, " 四川省"), ("510000", 2012, " 四川省"), ("510000", 2019, "四川"),
                       ("440000", 2010, "广东"), ("330000", 2015, "Zhejiang")]
_COUNTY_NAME_ROWS = [("510117", 2018, " 郫都区 "), ("510117", 2021, "郫都区"), ("510781", 2014, "江油市"),
                     ("510107", 2020, "武侯区 ")]


def _apply_names(rows: list[list[str]], named: Sequence[tuple[str, int, str]], per_key: int) -> None:
    """Replace the code by a name in the first ``per_key`` rows of each (code, year)."""
    for code, year, name in named:
        hits = [r for r in rows if r[0] == code and r[1] == str(year)][:per_key]
        for r in hits:
            r[0] = name


def _alt_units(rows: list[list[str]]) -> None:
    """A handful of rows in another unit that ``unit_conversions`` converts exactly."""
    for r in rows:
        if r[2] == "fdi_10k_usd" and r[0] in {"350000", "520000"} and r[1] in {"2007", "2013"}:
            r[3], r[4] = f"{round(float(r[3]) * 10):d}000", "usd"
        elif r[2] == "gdp_10k_yuan" and r[0] in {"510603", "511302"} and r[1] in {"2012", "2020"}:
            r[4] = "万元"


def _sort_key(r: Sequence[str]) -> tuple[str, ...]:
    return tuple(r[:3])


def _province_tables(
    rng: np.random.Generator, ref: Reference, panel: ProvincePanel,
) -> tuple[list[list[str]], list[list[str]]]:
    emp_rows: list[list[str]] = []
    for i, code in enumerate(panel.codes):
        for ti, year in enumerate(PROVINCE_YEARS):
            for j, sec in enumerate(SECTIONS):
                emp_rows.append([code, str(year), sec, f"{panel.employment[i, ti, j]:.2f}", SOURCE])
    values = _interior_gaps(rng, panel.values, _GAP_PROVINCE)
    ind_rows = _indicator_rows(panel.codes, PROVINCE_YEARS, values, _catalog(ref, "province"))
    _alt_units(ind_rows)
    emp_rows.sort(key=_sort_key)
    ind_rows.sort(key=_sort_key)
    _apply_names(emp_rows, _PROVINCE_NAME_ROWS, per_key=2)
    _apply_names(ind_rows, _PROVINCE_NAME_ROWS, per_key=3)
    emp_rows.sort(key=_sort_key)
    ind_rows.sort(key=_sort_key)
    return emp_rows, ind_rows


def _county_tables(
    rng: np.random.Generator, ref: Reference, panel: CountyPanel,
) -> tuple[list[list[str]], list[list[str]]]:
    values = _interior_gaps(rng, panel.values, _GAP_COUNTY)
    ind_rows = _indicator_rows(panel.codes, COUNTY_YEARS, values, _catalog(ref, "county"))
    _alt_units(ind_rows)
    ind_rows.sort(key=_sort_key)
    _apply_names(ind_rows, _COUNTY_NAME_ROWS, per_key=2)
    old = _old_code_map(ref)
    for r in ind_rows:
        if r[0].isdigit():
            r[0] = _vintage(r[0], int(r[1]), old)
    ind_rows.sort(key=_sort_key)
    ind_out: list[list[str]] = []
    for code, year, div, ent, out, va, emp, assets in panel.industry_rows:
        ind_out.append([_vintage(code, int(year), old), year, div, f"{ent:.0f}", f"{out:.1f}",
                        f"{va:.1f}", f"{emp:.0f}", f"{assets:.1f}", SOURCE])
    ind_out.sort(key=_sort_key)
    return ind_rows, ind_out


HEADERS = {
    "province_sector_employment": ["province_code", "year", "sector_code", "employment_10k", "source"],
    "prefecture_sector_employment": ["prefecture_code", "year", "sector_code", "employment_10k", "source"],
    "province_indicators": ["province_code", "year", "indicator_code", "value", "unit", "source"],
    "county_indicators": ["county_code", "year", "indicator_code", "value", "unit", "source"],
    "county_industry": ["county_code", "year", "industry_code", "enterprises", "output_value_10k_yuan",
                        "value_added_10k_yuan", "employment_persons", "total_assets_10k_yuan", "source"],
}


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], seed: int) -> None:
    buf = io.StringIO(newline="")
    buf.write(f"# SYNTHETIC DEMO DATA generated by agglo demo (seed={seed}) - not real statistics\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def generate(seed: int = DEFAULT_SEED, ref: Reference | None = None) -> dict[str, list[list[str]]]:
    """Generate every demo table as rows of strings (header excluded), keyed by file stem."""
    ref = ref or load_reference()
    rng = np.random.default_rng(seed)
    # the Sichuan counties draw from their own stream, so that a change to the province generator
    # (e.g. a planted parameter that alters how many Poisson draws the innovation centres consume)
    # never reshuffles the county data
    county_rng = np.random.default_rng([seed, 1])
    prov = _province_panel(rng, ref)
    pref_rows = _prefecture_employment(rng, ref, prov.codes, prov.employment)
    county = _county_panel(county_rng, ref)
    emp_rows, prov_ind = _province_tables(rng, ref, prov)
    county_ind, county_industry = _county_tables(county_rng, ref, county)
    return {
        "province_sector_employment": emp_rows,
        "prefecture_sector_employment": [list(r) for r in pref_rows],
        "province_indicators": prov_ind,
        "county_indicators": county_ind,
        "county_industry": county_industry,
    }


def write_demo(out_dir: Path, *, seed: int = DEFAULT_SEED) -> None:
    """Write the synthetic demo raw files to ``out_dir`` (data/demo/README.md documents them).

    Parameters
    ----------
    out_dir
        Directory to write ``<table>.csv`` files into (created if missing).
    seed
        Seed of the one :class:`numpy.random.Generator`; the same seed gives byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = generate(seed)
    for stem, rows in tables.items():
        _write_csv(out_dir / f"{stem}.csv", HEADERS[stem], rows, seed)
    print(f"agglo demo: wrote SYNTHETIC demo data (seed={seed}) to {out_dir}")

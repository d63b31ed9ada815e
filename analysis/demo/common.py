"""Shared constants, planted parameters, helpers and seed readers of the SYNTHETIC demo generator.

See :mod:`analysis.demo.generate` for what the generator writes and how it stays deterministic.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analysis.formulas.indices import perpetual_inventory, solow_ln_tfp
from analysis.paths import PROJECT_ROOT

FloatArray = npt.NDArray[np.float64]

SEEDS_DIR = PROJECT_ROOT / "warehouse" / "seeds"
DEFAULT_SEED = 20240601

PROVINCE_YEARS = np.arange(2003, 2022)
COUNTY_YEARS = np.arange(2011, 2023)
SECTIONS = list("ABCDEFGHIJKLMNOPQRS")
PS_SECTIONS = ["G", "I", "J", "L", "M"]
SOURCE = "synthetic demo"
SICHUAN = "510000"

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


def load_reference(county_provinces: Collection[str] | None = (SICHUAN,)) -> Reference:
    """Read the seeds the generator needs (sorted by code, so draws are order-stable).

    ``county_provinces``: the provinces whose counties the county panel covers (the demo: Sichuan's;
    None = every province, ``agglo demo --scale national``).
    """
    return Reference(
        provinces=sorted(_read_seed("provinces"), key=lambda r: r["province_code"]),
        prefectures=sorted(_read_seed("prefectures"), key=lambda r: r["prefecture_code"]),
        # the demo's county panel is Sichuan's (paper 000); the seed lists every province's counties
        counties=sorted((r for r in _read_seed("counties")
                         if county_provinces is None or r["province_code"] in county_provinces),
                        key=lambda r: r["county_code"]),
        code_changes=_read_seed("sichuan_county_code_changes"),
        divisions=sorted(_read_seed("cic_divisions"), key=lambda r: r["industry_code"]),
        catalog=_read_seed("indicator_catalog"),
    )


def _catalog(ref: Reference, level: str) -> dict[str, dict[str, str]]:
    return {r["indicator_code"]: r for r in ref.catalog if r["level"] == level}

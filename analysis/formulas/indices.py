"""Plain-Python reimplementation of every agglomeration and composite index (DESIGN.md section 5).

The warehouse computes the indices in SQL (``warehouse/macros/indices/``); this module computes the
same quantities with numpy/pandas only, so that the tests can check the SQL against an independent
implementation (worked examples in ``../shared/validation/README.md`` and the whole demo warehouse).

Two layers:

- array cores (``location_quotient``, ``gini_of_ratios``, ``devereux_eg``, ``eg_gamma``, ...) that take
  plain arrays and return floats or arrays;
- panel functions (``province_sector_lq``, ``ami_weights_and_scores``, ``county_tfp``,
  ``spatial_weights``, ...) at the end of this module, which take the cleaned input tables (the
  ``int_*`` models) as DataFrames and return frames laid out like the index marts.

Definitions follow the model docs (``warehouse/models/marts/indices/_indices__docs.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.formulas.weights import row_standardise, weights_long

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0088
"""Mean earth radius (IUGG) used by the great-circle distance."""


def _arr(x: ArrayLike, *, name: str) -> FloatArray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name}: empty array")
    return a


def _shares(x: ArrayLike, *, name: str) -> FloatArray:
    a = _arr(x, name=name)
    total = a.sum()
    if total == 0:
        raise ValueError(f"{name}: values sum to zero, shares are undefined")
    return a / total


# --------------------------------------------------------------------------------------------------
# location quotients and coagglomeration
# --------------------------------------------------------------------------------------------------


def location_quotient(e_rs: ArrayLike, e_r: ArrayLike, e_s: ArrayLike, e: ArrayLike) -> FloatArray:
    """Location quotient ``(e_rs / e_r) / (E_s / E)``.

    Parameters
    ----------
    e_rs : array_like
        Employment (or output) of sector s in region r.
    e_r : array_like
        Total of region r over all sectors.
    e_s : array_like
        Total of sector s over all regions.
    e : array_like
        Grand total.

    Returns
    -------
    numpy.ndarray
        The location quotient (broadcast over the inputs).

    Examples
    --------
    >>> round(float(location_quotient(1714, 79006, 879213, 15593224)), 7)
    0.3847623
    """
    return (np.asarray(e_rs, float) / np.asarray(e_r, float)) / (
        np.asarray(e_s, float) / np.asarray(e, float)
    )


def coagglomeration(magglo: ArrayLike, psagglo: ArrayLike) -> FloatArray:
    """Industrial synergy (co-)agglomeration of paper 001 eq. (20).

    ``coagglo = 1 - |M - PS| / (M + PS) + (M + PS)`` with M and PS the location quotients of
    manufacturing and of productive services.

    Examples
    --------
    >>> float(coagglomeration(1.0, 1.0))
    3.0
    """
    m = np.asarray(magglo, float)
    ps = np.asarray(psagglo, float)
    return 1.0 - np.abs(m - ps) / (m + ps) + (m + ps)


def devereux_h(x: ArrayLike) -> float:
    """Devereux et al. (2004) concentration ``H = sum_k S_k^2 - 1/n`` over n sub-regions."""
    s = _shares(x, name="devereux_h")
    return float(np.sum(s**2) - 1.0 / s.size)


def devereux_eg(e_i: ArrayLike, e_j: ArrayLike) -> dict[str, float]:
    """Ellison-Glaeser coagglomeration in the Devereux, Griffith and Simpson (2004) form.

    ``EG = [H_ij - (H_i w_i^2 + H_j w_j^2)] / [1 - (w_i^2 + w_j^2)]`` (paper 001 eq. 21-22), where
    ``H_i``, ``H_j`` are the concentrations of sectors i and j over the sub-regions, ``H_ij`` that of
    the two sectors combined, and ``w_i`` each sector's share of the two sectors' employment.

    Parameters
    ----------
    e_i, e_j : array_like
        Employment of sector i and of sector j in each of the n sub-regions (same order).

    Returns
    -------
    dict
        ``eg``, ``h_i``, ``h_j``, ``h_ij``, ``w_i``, ``w_j``, ``n``.
    """
    a = _arr(e_i, name="e_i")
    b = _arr(e_j, name="e_j")
    if a.shape != b.shape:
        raise ValueError(f"devereux_eg: e_i has {a.size} sub-regions, e_j has {b.size}")
    h_i, h_j, h_ij = devereux_h(a), devereux_h(b), devereux_h(a + b)
    w_i = a.sum() / (a.sum() + b.sum())
    w_j = 1.0 - w_i
    eg = (h_ij - (h_i * w_i**2 + h_j * w_j**2)) / (1.0 - (w_i**2 + w_j**2))
    return {"eg": float(eg), "h_i": h_i, "h_j": h_j, "h_ij": h_ij, "w_i": float(w_i),
            "w_j": float(w_j), "n": int(a.size)}


def eg_gamma(
    plant_employment: ArrayLike, plant_region: Sequence[object], region_total: dict[object, float]
) -> dict[str, float]:
    """Ellison and Glaeser (1997) agglomeration index gamma of one industry.

    ``gamma = [G - (1 - sum x^2) H] / [(1 - sum x^2)(1 - H)]`` with the raw geographic concentration
    ``G = sum_k (s_k - x_k)^2``, ``s_k`` the region's share of the industry's employment, ``x_k`` the
    region's share of aggregate employment and ``H = sum_j z_j^2`` the plant Herfindahl.

    Parameters
    ----------
    plant_employment : array_like
        Employment of each plant of the industry.
    plant_region : sequence
        Region of each plant (same order).
    region_total : dict
        Aggregate employment of every region (all industries); defines ``x_k``.

    Returns
    -------
    dict
        ``gamma``, ``g``, ``h``, ``sum_x2``.

    Examples
    --------
    >>> r = eg_gamma([200, 650, 12000, 100, 50, 16000, 13000, 1500, 1500, 25000],
    ...              ["W"] * 5 + ["L"] * 4 + ["G"], {"W": 500000, "L": 400000, "G": 100000})
    >>> round(r["gamma"], 8)
    0.05990628
    """
    z = _shares(plant_employment, name="plant_employment")
    regions = list(region_total)
    if len(plant_region) != z.size:
        raise ValueError("eg_gamma: plant_region and plant_employment differ in length")
    unknown = set(plant_region) - set(regions)
    if unknown:
        raise ValueError(f"eg_gamma: plants in regions without a total: {sorted(map(str, unknown))}")
    x = _shares([region_total[k] for k in regions], name="region_total")
    emp = np.asarray(plant_employment, float)
    pr = np.asarray(plant_region, dtype=object)
    s = np.array([emp[pr == k].sum() for k in regions]) / emp.sum()
    g = float(np.sum((s - x) ** 2))
    h = float(np.sum(z**2))
    sx2 = float(np.sum(x**2))
    gamma = (g - (1.0 - sx2) * h) / ((1.0 - sx2) * (1.0 - h))
    return {"gamma": float(gamma), "g": g, "h": h, "sum_x2": sx2}


# --------------------------------------------------------------------------------------------------
# concentration and specialisation
# --------------------------------------------------------------------------------------------------


def gini_of_ratios(subject: ArrayLike, reference: ArrayLike) -> float:
    """Gini coefficient of the ratios ``v_k = s_k / x_k`` (Farhauer and Kroell 2014; REAT ``gini.conc``).

    ``G = 2 sum_i i v_(i) / (n sum v) - (n + 1) / n`` with ``v_(i)`` sorted ascending. With the
    industry's regional distribution as ``subject`` and total employment by region as ``reference`` it
    is the Gini of industry concentration; with a region's sector distribution against the nation's it
    is the Gini of regional specialisation.

    Examples
    --------
    >>> round(gini_of_ratios([500, 500, 1000, 7000, 1000], [20000, 15000, 20000, 40000, 5000]), 7)
    0.4068966
    """
    v = np.sort(_shares(subject, name="subject") / _shares(reference, name="reference"))
    n = v.size
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * v) / (n * v.sum()) - (n + 1.0) / n)


def locational_gini(subject: ArrayLike, reference: ArrayLike) -> float:
    """Locational Gini from the Lorenz curve (Krugman 1991; Amiti 1999).

    Regions sorted by ``s_k / x_k`` ascending; ``G = 1 - sum_k (X_k - X_{k-1}) (S_k + S_{k-1})`` with
    ``S``, ``X`` the cumulative subject and reference shares.
    """
    s = _shares(subject, name="subject")
    x = _shares(reference, name="reference")
    order = np.argsort(s / x, kind="stable")
    cs = np.concatenate([[0.0], np.cumsum(s[order])])
    cx = np.concatenate([[0.0], np.cumsum(x[order])])
    return float(1.0 - np.sum((cx[1:] - cx[:-1]) * (cs[1:] + cs[:-1])))


def herfindahl(values: ArrayLike, *, normalised: bool = False) -> float:
    """Herfindahl index ``H = sum s^2`` of the shares of ``values``; normalised ``(H - 1/n)/(1 - 1/n)``.

    Examples
    --------
    >>> round(herfindahl([20, 50, 20, 10]), 10), round(herfindahl([20, 50, 20, 10], normalised=True), 10)
    (0.34, 0.12)
    """
    s = _shares(values, name="values")
    h = float(np.sum(s**2))
    if not normalised:
        return h
    n = s.size
    if n < 2:
        raise ValueError("herfindahl: the normalised index needs at least two units")
    return (h - 1.0 / n) / (1.0 - 1.0 / n)


def hoover(subject: ArrayLike, reference: ArrayLike) -> float:
    """Hoover (dissimilarity) index ``0.5 * sum |s_k - x_k|`` of two distributions."""
    return float(0.5 * np.sum(np.abs(_shares(subject, name="subject") - _shares(reference, name="reference"))))


def theil(
    values: ArrayLike, reference: ArrayLike | None = None, *, kind: Literal["L", "T"] = "L"
) -> float:
    """Theil index of ``values`` relative to ``reference`` weights (uniform when None).

    With shares ``s_k`` of the values and ``x_k`` of the reference:
    ``T = sum s_k ln(s_k / x_k)`` (0 ln 0 = 0) and ``L = sum x_k ln(x_k / s_k)``, the mean log deviation
    when the reference is uniform (REAT ``theil``; Farhauer and Kroell 2014).

    Examples
    --------
    >>> round(theil([10, 10, 10, 20, 50]), 7)
    0.2326302
    """
    s = _shares(values, name="values")
    x = np.full(s.size, 1.0 / s.size) if reference is None else _shares(reference, name="reference")
    if x.size != s.size:
        raise ValueError("theil: values and reference differ in length")
    if kind == "T":
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(s > 0, s * np.log(s / x), 0.0)
        return float(np.sum(terms))
    if kind == "L":
        if np.any(s <= 0):
            raise ValueError("theil: kind 'L' is undefined when a value is zero")
        return float(np.sum(x * np.log(x / s)))
    raise ValueError(f"theil: kind must be 'L' or 'T', got {kind!r}")


def krugman(subject: ArrayLike, others: Sequence[ArrayLike]) -> float:
    """Krugman dissimilarity index against the unweighted mean of other units' distributions.

    ``K = sum_k |v_k - mean_{o} v_ok|`` with ``v`` shares (Midelfart-Knarvik, Overman, Redding and
    Venables 2000; REAT ``krugman.spec2``). With one other unit it is the two-region index (max 2).

    Examples
    --------
    >>> krugman([20, 10, 70, 0, 0], [[0, 0, 0, 60, 40]])
    2.0
    """
    v = _shares(subject, name="subject")
    if len(others) == 0:
        raise ValueError("krugman: need at least one other unit")
    o = np.vstack([_shares(r, name="others") for r in others])
    if o.shape[1] != v.size:
        raise ValueError("krugman: the other units' distributions differ in length from the subject")
    return float(np.sum(np.abs(v - o.mean(axis=0))))


# --------------------------------------------------------------------------------------------------
# composite indices
# --------------------------------------------------------------------------------------------------


def minmax_normalise(values: ArrayLike, *, direction: int = 1) -> FloatArray:
    """Min-max normalisation by direction (paper 001 eq. 11-12); NaN stays NaN.

    ``y = (v - min)/(max - min)`` for a positive indicator (direction 1), ``(max - v)/(max - min)`` for
    a negative one (direction -1).
    """
    v = np.asarray(values, float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    if hi == lo:
        raise ValueError("minmax_normalise: the indicator is constant, normalisation is undefined")
    if direction == 1:
        return (v - lo) / (hi - lo)
    if direction == -1:
        return (hi - v) / (hi - lo)
    raise ValueError(f"minmax_normalise: direction must be 1 or -1, got {direction!r}")


def entropy_divergence(y: ArrayLike) -> float:
    """Divergence ``d = 1 - e`` of one normalised indicator (paper 001 eq. 13-15).

    ``p = y / sum y``, ``e = -(1 / ln N) sum p ln p`` with ``0 ln 0 = 0`` over the N non-missing values.
    """
    a = np.asarray(y, float)
    a = a[~np.isnan(a)]
    n = a.size
    if n < 2:
        raise ValueError("entropy_divergence: need at least two observations")
    p = a / a.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    return float(1.0 + np.sum(plogp) / np.log(n))


def entropy_weights(y: npt.ArrayLike) -> FloatArray:
    """Entropy weights ``w = d / sum d`` of the columns of a normalised indicator matrix (eq. 16)."""
    m = np.asarray(y, float)
    if m.ndim != 2:
        raise ValueError("entropy_weights: expected a 2-d array (observations x indicators)")
    d = np.array([entropy_divergence(m[:, j]) for j in range(m.shape[1])])
    return d / d.sum()


def gem_factor_score(normalised: ArrayLike) -> float:
    """GEM-IN factor score ``2 + 18 * mean`` of the factor's min-max normalised indicators (2..20)."""
    return float(2.0 + 18.0 * np.mean(_arr(normalised, name="normalised")))


def gem_in_score(factor_scores: ArrayLike) -> float:
    """GEM-IN cluster score ``2.5 * (prod of the 4 factor scores)^(2/4)`` (10..1000; Padmore-Gibson)."""
    f = _arr(factor_scores, name="factor_scores")
    if f.size != 4:
        raise ValueError(f"gem_in_score: expected 4 factor scores, got {f.size}")
    return float(2.5 * np.prod(f) ** (2.0 / 4.0))


# --------------------------------------------------------------------------------------------------
# productivity
# --------------------------------------------------------------------------------------------------


def perpetual_inventory(investment: ArrayLike, *, delta: float = 0.096) -> FloatArray:
    """Capital stock by perpetual inventory, ``K_t = (1 - delta) K_{t-1} + I_t``.

    ``K_0 = I_0 / (g + delta)`` with ``g`` the average geometric growth rate of investment over the
    series, ``(I_T / I_0)^(1/T) - 1`` (Hall and Jones 1999). ``investment`` is real (deflated),
    annual and without gaps.
    """
    i = _arr(investment, name="investment")
    if np.any(np.isnan(i)) or np.any(i <= 0):
        raise ValueError("perpetual_inventory: investment must be positive and without gaps")
    if i.size < 2:
        raise ValueError("perpetual_inventory: need at least two years to estimate g")
    g = (i[-1] / i[0]) ** (1.0 / (i.size - 1)) - 1.0
    if g + delta <= 0:
        raise ValueError(f"perpetual_inventory: g + delta = {g + delta:.4f} <= 0, K_0 is undefined")
    k = np.empty_like(i)
    k[0] = i[0] / (g + delta)
    for t in range(1, i.size):
        k[t] = (1.0 - delta) * k[t - 1] + i[t]
    return k


def solow_ln_tfp(y: ArrayLike, k: ArrayLike, labour: ArrayLike, *, alpha: float) -> FloatArray:
    """Solow residual ``ln TFP = ln Y - alpha ln K - (1 - alpha) ln L``."""
    return (np.log(np.asarray(y, float)) - alpha * np.log(np.asarray(k, float))
            - (1.0 - alpha) * np.log(np.asarray(labour, float)))


def fe_slope(y: ArrayLike, x: ArrayLike, groups: Sequence[object]) -> float:
    """Within (fixed-effects) OLS slope of y on x with one intercept per group."""
    ya = np.asarray(y, float)
    xa = np.asarray(x, float)
    g = np.asarray(groups, dtype=object)
    yd = ya.copy()
    xd = xa.copy()
    for key in dict.fromkeys(g.tolist()):
        m = g == key
        yd[m] -= ya[m].mean()
        xd[m] -= xa[m].mean()
    sxx = float(np.sum(xd * xd))
    if sxx == 0:
        raise ValueError("fe_slope: x has no within-group variation")
    return float(np.sum(xd * yd) / sxx)


# --------------------------------------------------------------------------------------------------
# spatial weights
# --------------------------------------------------------------------------------------------------


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Great-circle distance in km (haversine, earth radius 6371.0088 km)."""
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def inverse_distance_matrix(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Row-standardised inverse great-circle distance matrix (zero pairs get weight 0)."""
    la, lo = _arr(lat, name="lat"), _arr(lon, name="lon")
    d = haversine_km(la[:, None], lo[:, None], la[None, :], lo[None, :])
    with np.errstate(divide="ignore"):
        raw = np.where(d > 0, 1.0 / d, 0.0)
    return row_standardise(raw)


def economic_distance_matrix(mean_pc_gdp: ArrayLike) -> FloatArray:
    """Row-standardised economic-distance matrix ``1 / |pcGDP_i - pcGDP_j|`` (ties get weight 0)."""
    v = _arr(mean_pc_gdp, name="mean_pc_gdp")
    diff = np.abs(v[:, None] - v[None, :])
    with np.errstate(divide="ignore"):
        raw = np.where(diff > 0, 1.0 / diff, 0.0)
    return row_standardise(raw)


def economic_geographic_matrix(lat: ArrayLike, lon: ArrayLike, mean_gdp: ArrayLike) -> FloatArray:
    """Nested economic-geographic matrix ``W_geo diag(Ybar_j / Ybar)``, row-standardised.

    ``W_geo`` is the unstandardised inverse-distance matrix, ``Ybar_j`` region j's mean GDP over the
    years and ``Ybar`` the mean of ``Ybar_j`` over all regions.
    """
    la, lo, y = _arr(lat, name="lat"), _arr(lon, name="lon"), _arr(mean_gdp, name="mean_gdp")
    d = haversine_km(la[:, None], lo[:, None], la[None, :], lo[None, :])
    with np.errstate(divide="ignore"):
        raw = np.where(d > 0, 1.0 / d, 0.0)
    return row_standardise(raw * (y / y.mean())[None, :])


# ==================================================================================================
# panel functions: the index marts recomputed from the cleaned inputs (pandas, no SQL)
# ==================================================================================================

AMI_DIMENSIONS = ("amt", "amm", "amw", "gam", "ame")
GEM_FACTORS = ("gem_g", "gem_e", "gem_m", "gem_in")


def _lq_frame(df: pd.DataFrame, region: str, sector: str, value: str) -> pd.Series:
    """Location quotients of ``value`` by (region, sector, year); totals over the non-null rows."""
    d = df[df[value].notna()]
    e_r = d.groupby([region, "year"])[value].transform("sum")
    e_s = d.groupby([sector, "year"])[value].transform("sum")
    e = d.groupby("year")[value].transform("sum")
    return pd.Series(location_quotient(d[value], e_r, e_s, e), index=d.index)


def province_sector_lq(employment: pd.DataFrame) -> pd.DataFrame:
    """``fct_province_sector_location_quotients`` from ``int_province_sector_employments_cleaned``."""
    d = employment[employment["employment_10k"].notna()].copy()
    d["location_quotient"] = _lq_frame(d, "province_code", "sector_code", "employment_10k")
    return d[["province_code", "year", "sector_code", "location_quotient"]]


def prefecture_sector_lq(employment: pd.DataFrame) -> pd.DataFrame:
    """``fct_prefecture_sector_location_quotients`` from the prefecture employment."""
    d = employment[employment["employment_10k"].notna()].copy()
    d["location_quotient"] = _lq_frame(d, "prefecture_code", "sector_code", "employment_10k")
    return d[["prefecture_code", "year", "sector_code", "location_quotient"]]


def _county_gdp(county_indicators: pd.DataFrame) -> pd.DataFrame:
    """County-year GDP (``gdp_10k_yuan``) rows with a value, columns county_code, year, y."""
    g = county_indicators[(county_indicators["indicator_code"] == "gdp_10k_yuan")
                          & county_indicators["value"].notna()]
    return g[["county_code", "year", "value"]].rename(columns={"value": "y"})


def county_industry_lq(industries: pd.DataFrame,
                       county_indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """``fct_county_industry_location_quotients`` (output and employment LQs within the county's province).

    With ``county_indicators`` (``int_county_indicators_interpolated``) also ``gdp_10k_yuan`` and
    ``lq_output_gdp = (o_cd / Y_c) / (O_d / Y)``: the division's output relative to county GDP,
    totals over the counties with an output value and a GDP value in the year.
    """
    d = industries.copy()
    prov = d["county_code"].str[:2]
    d["lq_output"] = pd.concat([_lq_frame(g, "county_code", "industry_code", "output_value_10k_yuan")
                                for _, g in d.groupby(prov)])
    d["lq_employment"] = pd.concat([_lq_frame(g, "county_code", "industry_code", "employment_persons")
                                    for _, g in d.groupby(prov)])
    cols = ["county_code", "year", "industry_code", "lq_output", "lq_employment"]
    if county_indicators is None:
        return d[cols]
    g = d[d["output_value_10k_yuan"].notna()].merge(_county_gdp(county_indicators),
                                                     on=["county_code", "year"])
    g["prov"] = g["county_code"].str[:2]
    o_d = g.groupby(["prov", "industry_code", "year"])["output_value_10k_yuan"].transform("sum")
    y_tot = g.drop_duplicates(["county_code", "year"]).groupby(["prov", "year"])["y"].sum()
    g["lq_output_gdp"] = location_quotient(g["output_value_10k_yuan"], g["y"], o_d,
                                           pd.Series(list(zip(g["prov"], g["year"], strict=True)), index=g.index).map(y_tot))
    keys = ["county_code", "year", "industry_code"]
    d = d.merge(g[[*keys, "y", "lq_output_gdp"]].rename(columns={"y": "gdp_10k_yuan"}), on=keys, how="left")
    return d[[*cols, "gdp_10k_yuan", "lq_output_gdp"]]


def _group_employment(employment: pd.DataFrame, sectors: pd.DataFrame, region: str) -> pd.DataFrame:
    """Manufacturing and productive-service employment by region-year (null unless complete)."""
    d = employment[employment["employment_10k"].notna()].merge(
        sectors[["sector_code", "is_manufacturing", "is_productive_service"]], on="sector_code")
    n_mfg = int(sectors["is_manufacturing"].sum())
    n_ps = int(sectors["is_productive_service"].sum())
    rows = []
    for key, g in d.groupby([region, "year"]):
        mfg = g[g["is_manufacturing"]]
        ps = g[g["is_productive_service"]]
        rows.append({region: key[0], "year": key[1],
                     "mfg": mfg["employment_10k"].sum() if len(mfg) == n_mfg else np.nan,
                     "ps": ps["employment_10k"].sum() if len(ps) == n_ps else np.nan,
                     "total": g["employment_10k"].sum()})
    return pd.DataFrame(rows)


def province_group_indices(employment: pd.DataFrame, sectors: pd.DataFrame) -> pd.DataFrame:
    """Magglo, PSagglo (group LQs) and coagglo (paper 001 eq. 18-20) by province-year."""
    g = _group_employment(employment, sectors, "province_code")
    for col, out in (("mfg", "magglo"), ("ps", "psagglo")):
        ok = g[col].notna()
        num = g[col].where(ok).groupby(g["year"]).transform("sum")
        den = g["total"].where(ok).groupby(g["year"]).transform("sum")
        g[out] = location_quotient(g[col], g["total"], num, den)
    g["coagglo"] = coagglomeration(g["magglo"], g["psagglo"])
    return g[["province_code", "year", "magglo", "psagglo", "coagglo"]]


def industry_pair_eg(employment: pd.DataFrame, sectors: pd.DataFrame) -> pd.DataFrame:
    """``fct_industry_pair_coagglomeration``: Devereux EG of every section pair (and C vs PS) per year."""
    d = employment[employment["employment_10k"].notna()]
    groups = _group_employment(employment, sectors, "province_code")
    rows = []
    for year, gy in d.groupby("year"):
        wide = gy.pivot(index="province_code", columns="sector_code", values="employment_10k")
        codes = sorted(wide.columns)
        for a_i, a in enumerate(codes):
            for b in codes[a_i + 1:]:
                both = wide[[a, b]].dropna()
                r = devereux_eg(both[a], both[b])
                rows.append({"year": year, "sector_code_i": a, "sector_code_j": b, **r})
        gg = groups[groups["year"] == year].dropna(subset=["mfg", "ps"])
        r = devereux_eg(gg["mfg"], gg["ps"])
        rows.append({"year": year, "sector_code_i": "C", "sector_code_j": "PS", **r})
    return pd.DataFrame(rows)


def province_eg(prefecture_employment: pd.DataFrame, sectors: pd.DataFrame) -> pd.DataFrame:
    """``fct_province_eg_coagglomeration``: EG of C vs productive services over each province's prefectures."""
    d = prefecture_employment.copy()
    d["unit"] = d["province_code"] + "|" + d["prefecture_code"]
    g = _group_employment(d, sectors, "unit")
    g[["province_code", "prefecture_code"]] = g["unit"].str.split("|", expand=True)
    g = g[g["ps"].notna()]
    rows = []
    for (prov, year), gp in g.groupby(["province_code", "year"]):
        r = devereux_eg(gp["mfg"], gp["ps"])
        rows.append({"province_code": prov, "year": year, "eg": r["eg"], "h_mfg": r["h_i"],
                     "h_ps": r["h_j"], "h_joint": r["h_ij"], "w_mfg": r["w_i"], "n_prefectures": r["n"]})
    return pd.DataFrame(rows)


def region_industry_values(employment: pd.DataFrame, industries: pd.DataFrame) -> pd.DataFrame:
    """The long region x industry values the concentration/specialisation indices use."""
    p = employment[employment["employment_10k"].notna()].rename(
        columns={"province_code": "region_code", "sector_code": "industry_code", "employment_10k": "value"})
    c = industries[industries["output_value_10k_yuan"].notna()].rename(
        columns={"county_code": "region_code", "output_value_10k_yuan": "value"})
    return pd.concat([p.assign(level="province")[["level", "region_code", "year", "industry_code", "value"]],
                      c.assign(level="county")[["level", "region_code", "year", "industry_code", "value"]]],
                     ignore_index=True)


def _krugman_all(values: pd.DataFrame, unit: str, item: str) -> pd.DataFrame:
    rows = []
    for (level, year), g in values.groupby(["level", "year"]):
        wide = g.pivot(index=unit, columns=item, values="value").fillna(0.0)
        mats = wide.to_numpy(float)
        for k, u in enumerate(wide.index):
            others = [mats[o] for o in range(len(mats)) if o != k]
            rows.append({"level": level, "year": year, unit: u, "krugman": krugman(mats[k], others)})
    return pd.DataFrame(rows)


def _distribution_measures(values: pd.DataFrame, *, unit: str, across: str, count: str,
                           measures: Callable[[np.ndarray, np.ndarray], dict[str, float]]) -> pd.DataFrame:
    """One row per ``(level, unit, year)`` of ``measures(s, x)`` plus Krugman's index.

    ``s`` are the unit's values over ``across`` and ``x`` the ``across`` totals (over all units) they
    are compared with; ``count`` names the column holding the number of ``across`` cells.
    """
    v = values.copy()
    v["across_total"] = v.groupby(["level", across, "year"])["value"].transform("sum")
    rows = []
    for (level, key, year), g in v.groupby(["level", unit, "year"]):
        s, x = g["value"].to_numpy(float), g["across_total"].to_numpy(float)
        rows.append({"level": level, unit: key, "year": year, count: len(g), **measures(s, x)})
    out = pd.DataFrame(rows)
    kr = _krugman_all(v, unit, across)
    return out.merge(kr, on=["level", "year", unit], how="left")


def _herfindahl_normalised(s: np.ndarray) -> float:
    return herfindahl(s, normalised=True) if len(s) > 1 else np.nan


def industry_concentration(values: pd.DataFrame) -> pd.DataFrame:
    """``fct_industry_concentration`` from :func:`region_industry_values`."""
    return _distribution_measures(values, unit="industry_code", across="region_code", count="n_regions",
                                  measures=lambda s, x: {
                                      "gini": gini_of_ratios(s, x), "locational_gini": locational_gini(s, x),
                                      "herfindahl": herfindahl(s),
                                      "herfindahl_normalised": _herfindahl_normalised(s),
                                      "hoover": hoover(s, x), "theil_t": theil(s, x, kind="T"),
                                      "theil_l": theil(s, x, kind="L") if np.all(s > 0) else np.nan})


def region_specialisation(values: pd.DataFrame) -> pd.DataFrame:
    """``fct_region_specialisation`` from :func:`region_industry_values`."""
    return _distribution_measures(values, unit="region_code", across="industry_code", count="n_industries",
                                  measures=lambda s, x: {
                                      "herfindahl": herfindahl(s),
                                      "herfindahl_normalised": _herfindahl_normalised(s),
                                      "gini": gini_of_ratios(s, x), "hoover": hoover(s, x)})


def _normalise_long(d: pd.DataFrame, value: str, keys: list[str]) -> pd.Series:
    """Min-max normalisation by direction within ``keys`` (NaN where the range is zero)."""
    grp = d.groupby(keys, dropna=False)[value]
    lo, hi = grp.transform("min"), grp.transform("max")
    num = np.where(d["direction"] == -1, hi - d[value], d[value] - lo)
    rng = (hi - lo).replace(0, np.nan)
    return pd.Series(num / rng, index=d.index)


def ami_weights_and_scores(
    indicators: pd.DataFrame, catalog: pd.DataFrame, *, per_year: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``fct_ami_weights`` and ``fct_ami_scores`` (entropy method, paper 001 eq. 11-17, 0-100 scale)."""
    cat = catalog[(catalog["level"] == "province") & catalog["dimension"].isin(AMI_DIMENSIONS)]
    d = indicators[indicators["value"].notna()].merge(
        cat[["indicator_code", "dimension", "direction", "transform"]], on="indicator_code")
    d["tv"] = np.where(d["transform"] == "log",
                       np.log(d["value"].where(d["value"] > 0)), d["value"].astype(float))
    d = d[d["tv"].notna()].copy()
    d["weight_year"] = d["year"] if per_year else -1
    d["y"] = _normalise_long(d, "tv", ["indicator_code", "weight_year"])
    wrows = []
    for (wy, code), g in d.groupby(["weight_year", "indicator_code"]):
        dv = entropy_divergence(g["y"].to_numpy(float))
        wrows.append({"weight_year": wy, "indicator_code": code, "dimension": g["dimension"].iloc[0],
                      "n_obs": int(g["y"].notna().sum()), "divergence": dv})
    w = pd.DataFrame(wrows)
    w["overall_weight"] = w["divergence"] / w.groupby("weight_year")["divergence"].transform("sum")
    w["within_dimension_weight"] = w["divergence"] / w.groupby(
        ["weight_year", "dimension"])["divergence"].transform("sum")
    n_all = w.groupby("weight_year").size()
    n_dim = w.groupby(["weight_year", "dimension"]).size()
    m = d.merge(w[["weight_year", "indicator_code", "overall_weight", "within_dimension_weight"]],
                on=["weight_year", "indicator_code"])
    srows = []
    for (prov, year, wy), g in m.groupby(["province_code", "year", "weight_year"]):
        row = {"province_code": prov, "year": year, "n_indicators": len(g),
               "ami": 100 * float((g["overall_weight"] * g["y"]).sum())
               if g["y"].notna().sum() == n_all[wy] else np.nan}
        for dim in AMI_DIMENSIONS:
            gd = g[g["dimension"] == dim]
            expected = n_dim.get((wy, dim), 0)
            row[dim] = (100 * float((gd["within_dimension_weight"] * gd["y"]).sum())
                        if expected and gd["y"].notna().sum() == expected else np.nan)
        srows.append(row)
    w["weight_year"] = w["weight_year"].where(w["weight_year"] != -1)
    return w, pd.DataFrame(srows)


def gem_in_scores(county_indicators: pd.DataFrame, catalog: pd.DataFrame, *,
                  per_year: bool = False) -> pd.DataFrame:
    """``fct_gem_in_scores``: factor scores 2 + 18 * mean normalised value and GEM-IN."""
    cat = catalog[(catalog["level"] == "county") & catalog["dimension"].isin(GEM_FACTORS)]
    d = county_indicators[county_indicators["value"].notna()].merge(
        cat[["indicator_code", "dimension", "direction"]], on="indicator_code")
    d["value"] = d["value"].astype(float)
    d["prov"] = d["county_code"].str[:2]  # normalised within the county's province
    d["y"] = _normalise_long(d, "value", ["indicator_code", "prov"] + (["year"] if per_year else []))
    sizes = cat.groupby("dimension").size()
    agg = d.groupby(["county_code", "year", "dimension"])["y"].agg(["mean", "count"]).reset_index()
    agg["score"] = np.where(agg["count"] == agg["dimension"].map(sizes), 2 + 18 * agg["mean"], np.nan)
    wide = agg.pivot(index=["county_code", "year"], columns="dimension", values="score").reset_index()
    wide = wide.rename(columns={"gem_in": "gem_in_factor"})
    wide["gem_in"] = 2.5 * np.sqrt(wide["gem_g"] * wide["gem_e"] * wide["gem_m"] * wide["gem_in_factor"])
    return wide


def county_tfp(county_indicators: pd.DataFrame, *, delta: float = 0.096,
               alpha: float | Literal["estimated"] = 0.4) -> pd.DataFrame:
    """``fct_county_tfp``: perpetual-inventory capital and the Solow residual."""
    codes = ["gdp_10k_yuan", "labor_force_10k", "fixed_asset_investment_10k_yuan", "investment_price_index"]
    d = county_indicators[county_indicators["indicator_code"].isin(codes)]
    wide = d.pivot_table(index=["county_code", "year"], columns="indicator_code", values="value",
                         aggfunc="max").reindex(columns=codes).reset_index()
    wide["inv"] = wide["fixed_asset_investment_10k_yuan"] / (wide["investment_price_index"] / 100.0)
    wide["capital"] = np.nan
    for _, g in wide.sort_values("year").groupby("county_code"):
        inv = g["inv"].to_numpy(float)
        pos = np.flatnonzero(inv > 0)
        if pos.size == 0:
            continue
        start = pos[0]
        run = start
        while run + 1 < inv.size and inv[run + 1] > 0:
            run += 1
        series = inv[start:run + 1]
        if series.size < 2:
            continue
        g_rate = (series[-1] / series[0]) ** (1.0 / (series.size - 1)) - 1.0
        if g_rate + delta <= 0:
            continue
        wide.loc[g.index[start:run + 1], "capital"] = perpetual_inventory(series, delta=delta)
    ok = (wide["gdp_10k_yuan"] > 0) & (wide["labor_force_10k"] > 0) & (wide["capital"] > 0)
    if alpha == "estimated":
        f = wide[ok]
        a = fe_slope(np.log(f["gdp_10k_yuan"] / f["labor_force_10k"]),
                     np.log(f["capital"] / f["labor_force_10k"]), f["county_code"].tolist())
    else:
        a = float(alpha)
    wide["alpha"] = a
    wide["ln_tfp"] = np.where(ok, solow_ln_tfp(wide["gdp_10k_yuan"].where(ok, 1.0),
                                               wide["capital"].where(ok, 1.0),
                                               wide["labor_force_10k"].where(ok, 1.0), alpha=a), np.nan)
    wide["tfp"] = np.exp(wide["ln_tfp"])
    return wide.rename(columns={"capital": "capital_stock_10k_yuan"})[
        ["county_code", "year", "capital_stock_10k_yuan", "alpha", "ln_tfp", "tfp"]]


def county_mfg_lq(industries: pd.DataFrame, county_indicators: pd.DataFrame) -> pd.DataFrame:
    """County manufacturing LQ (O_c / Y_c) / (sum O / sum Y) within the county's province, per year."""
    o = (industries[industries["output_value_10k_yuan"].notna()]
         .groupby(["county_code", "year"])["output_value_10k_yuan"].sum().rename("o").reset_index())
    d = o.merge(_county_gdp(county_indicators), on=["county_code", "year"])
    by = [d["county_code"].str[:2], d["year"]]
    d["mfg_lq"] = location_quotient(d["o"], d["y"], d.groupby(by)["o"].transform("sum"),
                                    d.groupby(by)["y"].transform("sum"))
    return d


def sichuan_region_agglomeration(mfg_lq: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """``fct_sichuan_region_agglomeration`` (paper 000 table 2) from :func:`county_mfg_lq`."""
    d = mfg_lq.merge(counties[["county_code", "sichuan_region"]], on="county_code")
    d = d[d["sichuan_region"].notna()]
    tot = d.groupby("year")[["o", "y"]].sum()
    reg = d.groupby(["sichuan_region", "year"])[["o", "y"]].sum().reset_index()
    reg["mfg_lq"] = location_quotient(reg["o"], reg["y"], reg["year"].map(tot["o"]), reg["year"].map(tot["y"]))
    out = [reg.rename(columns={"sichuan_region": "row_code"})[["row_code", "year", "mfg_lq"]]]
    stats = d.groupby("year")["mfg_lq"].agg(["mean", "std"]).reset_index()
    out.append(stats.assign(row_code="county_mean").rename(columns={"mean": "mfg_lq"})[["row_code", "year", "mfg_lq"]])
    out.append(stats.assign(row_code="county_sd").rename(columns={"std": "mfg_lq"})[["row_code", "year", "mfg_lq"]])
    return pd.concat(out, ignore_index=True)


def province_agglomeration_indices(indicators: pd.DataFrame) -> pd.DataFrame:
    """``fct_province_agglomeration_indices`` (paper 002): (x_r / X) / (GDP_r / GDP)."""
    measures = {"enterprises": "industrial_enterprises", "value_added": "industrial_value_added_100m_yuan",
                "capital": "industrial_total_assets_100m_yuan", "employment": "industrial_employment_10k"}
    d = indicators[indicators["value"].notna()]
    wide = d.pivot_table(index=["province_code", "year"], columns="indicator_code", values="value",
                         aggfunc="max").reset_index()
    gdp = wide["gdp_100m_yuan"]
    for name, code in measures.items():
        x = wide[code] if code in wide else pd.Series(np.nan, index=wide.index)
        ok = x.notna() & gdp.notna()
        big_x = x.where(ok).groupby(wide["year"]).transform("sum")
        big_y = gdp.where(ok).groupby(wide["year"]).transform("sum")
        wide[f"agg_{name}"] = location_quotient(x, gdp, big_x, big_y)
    return wide[["province_code", "year"] + [f"agg_{n}" for n in measures]]


def spatial_units(provinces: pd.DataFrame, counties: pd.DataFrame, prefectures: pd.DataFrame,
                  province_indicators: pd.DataFrame, county_indicators: pd.DataFrame) -> pd.DataFrame:
    """Coordinates and mean GDP / GDP per capita of every province and of the counties with county data.

    ``unit_group``: the units one weight matrix spans ('CN' for provinces, the province code for
    counties: county matrices are within a province).
    """
    pv = province_indicators[province_indicators["value"].notna()]
    pm = pv.pivot_table(index="province_code", columns="indicator_code", values="value", aggfunc="mean")
    prov = pd.DataFrame({"level": "province", "unit_group": "CN", "unit_code": provinces["province_code"],
                         "lat": provinces["capital_lat"], "lon": provinces["capital_lon"]})
    prov["mean_gdp"] = prov["unit_code"].map(pm.get("gdp_100m_yuan"))
    prov["mean_gdp_per_capita"] = prov["unit_code"].map(pm.get("gdp_per_capita_yuan"))
    cv = county_indicators[county_indicators["value"].notna()
                           & county_indicators["indicator_code"].isin(["gdp_10k_yuan", "population_10k"])]
    cw = cv.pivot_table(index=["county_code", "year"], columns="indicator_code", values="value",
                        aggfunc="max")
    cm = pd.DataFrame({"mean_gdp": cw["gdp_10k_yuan"].groupby(level=0).mean(),
                       "mean_gdp_per_capita": (cw["gdp_10k_yuan"] / cw["population_10k"].replace(0, np.nan))
                       .groupby(level=0).mean()})
    c = counties[counties["county_code"].isin(set(county_indicators["county_code"]))]
    c = c.merge(prefectures[["prefecture_code", "lat", "lon"]], on="prefecture_code", how="left")
    capital = provinces.set_index("province_code")
    cty = pd.DataFrame({"level": "county", "unit_group": c["province_code"], "unit_code": c["county_code"],
                        "lat": c["seat_lat"].fillna(c["centroid_lat"]).fillna(c["lat"])
                        .fillna(c["province_code"].map(capital["capital_lat"])),
                        "lon": c["seat_lon"].fillna(c["centroid_lon"]).fillna(c["lon"])
                        .fillna(c["province_code"].map(capital["capital_lon"]))})
    cty["mean_gdp"] = cty["unit_code"].map(cm["mean_gdp"])
    cty["mean_gdp_per_capita"] = cty["unit_code"].map(cm["mean_gdp_per_capita"])
    return pd.concat([prov, cty], ignore_index=True)


def spatial_weights(units: pd.DataFrame) -> pd.DataFrame:
    """``fct_spatial_weights`` (long: matrix_name, level, i, j, w) from :func:`spatial_units`."""
    frames = []
    if "unit_group" not in units:  # one matrix per level
        units = units.assign(unit_group=units["level"])
    for (level, _group), u in units.groupby(["level", "unit_group"]):
        codes = u["unit_code"].to_numpy()
        mats = {"inverse_distance": (codes, inverse_distance_matrix(u["lat"], u["lon"]))}
        e = u[u["mean_gdp_per_capita"].notna()]
        if len(e) > 1:
            mats["economic"] = (e["unit_code"].to_numpy(), economic_distance_matrix(e["mean_gdp_per_capita"]))
        g = u[u["mean_gdp"].notna()]
        if len(g) > 1:
            mats["economic_geographic"] = (g["unit_code"].to_numpy(),
                                           economic_geographic_matrix(g["lat"], g["lon"], g["mean_gdp"]))
        for name, (cc, w) in mats.items():
            lw = weights_long(w, cc)
            frames.append(pd.DataFrame({"matrix_name": name, "level": level, "i": lw["from"].to_numpy(),
                                        "j": lw["to"].to_numpy(), "w": lw["w"].to_numpy()}))
    return pd.concat(frames, ignore_index=True)

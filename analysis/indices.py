"""Plain-Python reimplementation of every agglomeration and composite index (DESIGN.md section 5).

The warehouse computes the indices in SQL (``warehouse/macros/indices/``); this module computes the
same quantities with numpy/pandas only, so that the tests can check the SQL against an independent
implementation (worked examples in ``../shared/validation/README.md`` and the whole demo warehouse).

Two layers:

- array cores (``location_quotient``, ``gini_of_ratios``, ``devereux_eg``, ``eg_gamma``, ...) that take
  plain arrays and return floats or arrays;
- panel functions (``province_sector_lq``, ``ami_scores``, ``county_tfp``, ``spatial_weights``, ...) in
  :mod:`analysis.indices_panel` that take the cleaned input tables as DataFrames and return frames laid
  out like the index marts.

Definitions follow the model docs (``warehouse/models/marts/indices/_indices__docs.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

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


def row_standardise(w: ArrayLike) -> FloatArray:
    """Zero the diagonal and divide every row by its sum (rows summing to zero stay zero)."""
    m = np.array(w, dtype=float)
    np.fill_diagonal(m, 0.0)
    sums = m.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums > 0, m / sums, 0.0)


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

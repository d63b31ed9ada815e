"""The shared formulas give the numbers the copies they replaced gave.

Issue 14 replaced formula copies in the demo generator, ``tests/demo/test_demo.py``, the spec terms
(``W*x``), the report's Moran scatter and ``indices.py`` by imports of ``analysis/formulas/indices.py``
and ``analysis/formulas/weights.py``. Each ``_old_*`` function below is the replaced code, verbatim
but for names; each test feeds it and the shared function the same random panel. Where the operations
are the same, in the same order, the results are equal to the bit (or to one ulp); where the shared
formula orders them differently (or uses the IUGG earth radius, which row standardisation cancels),
to 1e-12 relative. Independently of both, the demo files generated with the shared formulas are byte-identical
to the committed ones (``tests/demo/test_demo.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from analysis.estimators.moran import moran_i
from analysis.formulas.indices import (
    coagglomeration,
    economic_geographic_matrix,
    location_quotient,
    perpetual_inventory,
    solow_ln_tfp,
    spatial_weights,
)
from analysis.formulas.weights import (
    SpatialWeights,
    row_standardise,
    standardize_weights,
    weights_long,
    weights_matrix,
)

RNG = np.random.default_rng(14)
N, T = 31, 19


def _random_long(n: int = 12, density: float = 0.4) -> tuple[pd.DataFrame, list[str]]:
    ids = [f"{510000 + 100 * i}" for i in range(n)]
    m = RNG.uniform(0.1, 2.0, size=(n, n)) * (RNG.uniform(size=(n, n)) < density)
    np.fill_diagonal(m, 0.0)
    r, c = np.nonzero(m)
    long = pd.DataFrame({"from": np.array(ids)[r], "to": np.array(ids)[c], "w": m[r, c]})
    return long.sample(frac=1.0, random_state=1).reset_index(drop=True), ids


# ------------------------------------------------------------------------------- the replaced code
def _old_terms_matrix(weights: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """analysis/estimators/terms.py, spatial_lag (before)."""
    wmat = np.zeros((len(ids), len(ids)))
    wmat[ids.get_indexer(weights["from"].astype(str)), ids.get_indexer(weights["to"].astype(str))] = (
        weights["w"].to_numpy(dtype=float)
    )
    return wmat


def _old_figures_matrix(w: pd.DataFrame, units: pd.Index) -> np.ndarray:
    """analysis/report/figures.py, moran_scatter_data (before), with standardize_rows."""
    w = w[w["from"].isin(units) & w["to"].isin(units) & (w["from"] != w["to"])]
    mat = (w.pivot_table(index="from", columns="to", values="w", aggfunc="sum")
           .reindex(index=units, columns=units).fillna(0.0).to_numpy())
    return mat / mat.sum(axis=1, keepdims=True)


def _old_figures_moran(mat: np.ndarray, x: np.ndarray) -> float:
    """analysis/report/figures.py, moran_i (before): z'Wz / z'z with row-standardised W."""
    z = (x - x.mean()) / x.std()
    wz = mat @ z
    return float(z @ wz / (z @ z))


def _old_row_standardise(w: np.ndarray) -> np.ndarray:
    """analysis/formulas/indices.py, row_standardise (before; moved to weights.py)."""
    m = np.array(w, dtype=float)
    np.fill_diagonal(m, 0.0)
    sums = m.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums > 0, m / sums, 0.0)


def _old_demo_nested_weights(lat: np.ndarray, lon: np.ndarray, mean_gdp: np.ndarray) -> np.ndarray:
    """analysis/demo/generate.py, nested_weights and _great_circle_km (before)."""
    la, lo = np.radians(lat), np.radians(lon)
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlon / 2) ** 2
    d = 2.0 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    with np.errstate(divide="ignore"):
        w = np.where(d > 0, 1.0 / d, 0.0)
    w = w * (mean_gdp / mean_gdp.mean())[None, :]
    np.fill_diagonal(w, 0.0)
    return w / w.sum(axis=1, keepdims=True)


def _old_test_demo_weights(lat_deg: np.ndarray, lon_deg: np.ndarray, ybar: np.ndarray) -> np.ndarray:
    """tests/demo/test_demo.py, _economic_geographic_lag (before): its W."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    h = (np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
         + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2)
    d = 2 * np.arcsin(np.sqrt(h))
    w = np.where(d > 0, 1 / np.where(d > 0, d, 1), 0.0) * (ybar / ybar.mean())[None, :]
    return w / w.sum(axis=1, keepdims=True)


def _old_demo_group_lq(emp: np.ndarray, idx: list[int]) -> np.ndarray:
    """analysis/demo/generate.py, _group_lq (before)."""
    group = emp[:, :, idx].sum(axis=2)
    total = emp.sum(axis=2)
    return (group / total) / (group.sum(axis=0) / total.sum(axis=0))[None, :]


def _old_demo_coagglomeration(m: np.ndarray, ps: np.ndarray) -> np.ndarray:
    """analysis/demo/generate.py, coagglomeration (before)."""
    return 1.0 - np.abs(m - ps) / (m + ps) + (m + ps)


def _old_demo_agglomeration_index(x: np.ndarray, gdp: np.ndarray) -> np.ndarray:
    """analysis/demo/generate.py, agglomeration_index (before)."""
    return (x / x.sum(axis=0)[None, :]) / (gdp / gdp.sum(axis=0)[None, :])


def _old_demo_ln_tfp(gdp: np.ndarray, investment: np.ndarray, price_index: np.ndarray, labour: np.ndarray,
                     *, alpha: float, delta: float) -> np.ndarray:
    """analysis/demo/generate.py, ln_tfp_solow (before)."""
    real = investment / (price_index / 100.0)
    n = real.shape[1]
    g = (real[:, -1] / real[:, 0]) ** (1.0 / (n - 1)) - 1.0
    k = np.empty_like(real)
    k[:, 0] = real[:, 0] / (g + delta)
    for t in range(1, n):
        k[:, t] = (1.0 - delta) * k[:, t - 1] + real[:, t]
    return np.log(gdp) - alpha * np.log(k) - (1.0 - alpha) * np.log(labour)


def _old_test_demo_agglomeration(e: pd.DataFrame, ps: list[str]) -> pd.DataFrame:
    """tests/demo/test_demo.py, province_agglomeration (before), from the pivoted employment."""
    total = e.sum(axis=1)
    out = pd.DataFrame(index=e.index)
    for name, cols in (("magglo", ["C"]), ("psagglo", ps)):
        g = e[cols].sum(axis=1)
        nat = g.groupby(level="year").transform("sum") / total.groupby(level="year").transform("sum")
        out[name] = (g / total) / nat
    m, p = out["magglo"], out["psagglo"]
    out["coagglo"] = 1 - (m - p).abs() / (m + p) + (m + p)
    return out


def _old_spatial_weights_long(name: str, level: str, cc: np.ndarray, w: np.ndarray) -> pd.DataFrame:
    """analysis/formulas/indices.py, spatial_weights (before): one matrix to long rows."""
    n = len(cc)
    return pd.DataFrame({"matrix_name": name, "level": level, "i": np.repeat(cc, n),
                         "j": np.tile(cc, n), "w": w.ravel()})


# ------------------------------------------------------------------------------- weights
def test_long_to_matrix_equals_the_spec_terms_copy() -> None:
    long, ids = _random_long()
    idx = pd.Index(sorted(ids))
    assert_array_equal(weights_matrix(long, idx), _old_terms_matrix(long, idx))


def test_long_to_matrix_and_row_standardisation_equal_the_report_copy() -> None:
    long, ids = _random_long(density=0.6)
    units = pd.Index(sorted(ids))
    old = _old_figures_matrix(long, units)
    assert (old.sum(axis=1) > 0).all()
    assert_array_equal(row_standardise(weights_matrix(long, units)), old)


def test_row_standardise_equals_the_indices_copy_and_the_long_form() -> None:
    long, ids = _random_long()
    m = weights_matrix(long, ids) + np.diag(RNG.uniform(size=len(ids)))  # a diagonal to be zeroed
    assert_array_equal(row_standardise(m), _old_row_standardise(m))
    # long-form row standardisation gives the same matrix as the matrix form
    assert_allclose(weights_matrix(standardize_weights(long), ids), row_standardise(m), rtol=0, atol=1e-15)


def test_economic_geographic_matrix_equals_the_demo_and_test_demo_copies() -> None:
    lat, lon = RNG.uniform(18, 50, N), RNG.uniform(80, 130, N)
    gdp = RNG.lognormal(9, 1, N)
    new = economic_geographic_matrix(lat, lon, gdp)
    assert_allclose(new, _old_demo_nested_weights(lat, lon, gdp), rtol=1e-12, atol=0)
    assert_allclose(new, _old_test_demo_weights(lat, lon, gdp), rtol=1e-12, atol=0)


def test_matrix_to_long_equals_the_indices_copy() -> None:
    lat, lon = RNG.uniform(18, 50, 5), RNG.uniform(80, 130, 5)
    cc = np.array(["11", "12", "13", "14", "15"], dtype=object)
    w = economic_geographic_matrix(lat, lon, RNG.lognormal(9, 1, 5))
    lw = weights_long(w, cc)
    new = pd.DataFrame({"matrix_name": "m", "level": "province", "i": lw["from"].to_numpy(),
                        "j": lw["to"].to_numpy(), "w": lw["w"].to_numpy()})
    pd.testing.assert_frame_equal(new, _old_spatial_weights_long("m", "province", cc, w))


def test_spatial_weights_mart_round_trips_through_the_matrix() -> None:
    units = pd.DataFrame({"level": "province", "unit_code": ["11", "12", "13", "14"],
                          "lat": [39.9, 39.1, 38.0, 37.9], "lon": [116.4, 117.2, 114.5, 112.5],
                          "mean_gdp": [3.0, 1.5, 3.5, 1.7], "mean_gdp_per_capita": [15.0, 10.0, 5.0, 4.5]})
    long = spatial_weights(units)
    eg = long[long["matrix_name"] == "economic_geographic"].rename(columns={"i": "from", "j": "to"})
    assert_array_equal(weights_matrix(eg, units["unit_code"]),
                       economic_geographic_matrix(units["lat"], units["lon"], units["mean_gdp"]))


def test_spatial_weights_type_dense_sparse_and_long_agree() -> None:
    long, ids = _random_long(n=40, density=0.1)
    dense = SpatialWeights.from_long(long, ids)
    sparse = SpatialWeights.from_long(long, ids, sparse=True)
    assert sp.issparse(sparse.matrix) and sparse.n == dense.n == 40
    assert_array_equal(sparse.dense(), dense.dense())
    assert_allclose(sparse.row_standardised().dense(), dense.row_standardised().dense(), rtol=0, atol=1e-15)
    back = dense.to_long().sort_values(["from", "to"]).reset_index(drop=True)
    assert_array_equal(SpatialWeights.from_long(back, ids).dense(), dense.dense())
    pd.testing.assert_frame_equal(back, sparse.to_long().sort_values(["from", "to"]).reset_index(drop=True))
    # default ids: every code, sorted
    assert SpatialWeights.from_long(long).ids == tuple(sorted(set(long["from"]) | set(long["to"])))


def test_weights_matrix_sums_duplicate_pairs_and_reads_codes_as_text() -> None:
    long = pd.DataFrame({"from": [11, 11, 12], "to": [12, 12, 11], "w": [0.25, 0.5, 1.0]})
    assert_array_equal(weights_matrix(long, ["11", "12"]), [[0.0, 0.75], [1.0, 0.0]])
    assert_array_equal(weights_matrix(long, ["11", "12"], sparse=True).toarray(), [[0.0, 0.75], [1.0, 0.0]])


def test_moran_i_of_the_report_equals_the_estimator() -> None:
    long, ids = _random_long(density=0.6)
    units = pd.Index(sorted(ids))
    mat = _old_figures_matrix(long, units)
    x = RNG.normal(size=len(units))
    assert moran_i(x, row_standardise(weights_matrix(long, units))).I == pytest.approx(
        _old_figures_moran(mat, x), rel=1e-12, abs=1e-14)


# ------------------------------------------------------------------------------- LQ, coagglo, TFP
def test_group_lq_and_coagglomeration_equal_the_demo_copies() -> None:
    emp = RNG.lognormal(3, 1, size=(N, T, 19))
    lq = location_quotient(emp[:, :, [2]].sum(axis=2), emp.sum(axis=2),
                           emp[:, :, [2]].sum(axis=2).sum(axis=0)[None, :], emp.sum(axis=2).sum(axis=0)[None, :])
    assert_array_equal(lq, _old_demo_group_lq(emp, [2]))
    m, ps = _old_demo_group_lq(emp, [2]), _old_demo_group_lq(emp, [6, 8, 9])
    assert_array_equal(coagglomeration(m, ps), _old_demo_coagglomeration(m, ps))


def test_agglomeration_index_equals_the_demo_copy() -> None:
    x, gdp = RNG.lognormal(5, 1, (N, T)), RNG.lognormal(8, 1, (N, T))
    new = location_quotient(x, gdp, x.sum(axis=0)[None, :], gdp.sum(axis=0)[None, :])
    assert_allclose(new, _old_demo_agglomeration_index(x, gdp), rtol=1e-13, atol=0)


def test_lq_and_coagglomeration_equal_the_test_demo_copy() -> None:
    idx = pd.MultiIndex.from_product([[f"{i}0000" for i in range(11, 20)], range(2003, 2008)],
                                     names=["province_code", "year"])
    e = pd.DataFrame(RNG.lognormal(3, 1, (len(idx), 6)), index=idx, columns=list("CGIJLM"))
    ps = ["G", "I", "J", "L", "M"]
    total = e.sum(axis=1)
    new = pd.DataFrame(index=e.index)
    for name, cols in (("magglo", ["C"]), ("psagglo", ps)):
        g = e[cols].sum(axis=1)
        new[name] = location_quotient(g, total, g.groupby(level="year").transform("sum"),
                                      total.groupby(level="year").transform("sum"))
    new["coagglo"] = coagglomeration(new["magglo"], new["psagglo"])
    pd.testing.assert_frame_equal(new, _old_test_demo_agglomeration(e, ps), check_exact=False, rtol=1e-13)


def test_tfp_equals_the_demo_copy() -> None:
    gdp, inv = RNG.lognormal(12, 1, (N, 12)), RNG.lognormal(10, 0.5, (N, 12)) * np.linspace(1, 2, 12)
    price, lab = 100 + RNG.uniform(0, 15, (N, 12)), RNG.lognormal(3, 0.5, (N, 12))
    real = inv / (price / 100.0)
    k = np.vstack([perpetual_inventory(r, delta=0.096) for r in real])
    # the same operations, but the growth rate's power is taken per entity (a scalar) instead of on
    # the vector: equal to 1 ulp
    assert_allclose(solow_ln_tfp(gdp, k, lab, alpha=0.4),
                    _old_demo_ln_tfp(gdp, inv, price, lab, alpha=0.4, delta=0.096), rtol=1e-15, atol=0)

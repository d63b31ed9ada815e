"""SAR / SEM / SDM with fixed effects against R splm, spreg, and a planted-parameter simulation.

References (../shared/validation/README.md), produced with R splm 1.6-5 on plm's ``Cigar`` and the
row-standardised 46-state contiguity matrix::

    fm <- logc ~ logp + logy   # logc = log(sales), logp = log(price/cpi), logy = log(ndi/cpi)
    spml(fm, data = Cigar, listw = lw, model = "within", effect = "individual", lag = TRUE)
    spml(logc ~ logp + logy + Wlogp + Wlogy, data = Cigar, listw = lw, model = "within",
         effect = "twoways", lag = TRUE)            # W x entered as regressors
    impacts(...)                                     # LeSage-Pace direct / indirect effects

LM tests are checked against spreg (an independent implementation): the cross-sectional case
(one period, no effects) against ``spreg.OLS(spat_diag=True)`` exactly, and the panel LM-error tests
against ``spreg.diagnostics_panel`` up to its sigma^2 = e'e/(NT - k) convention.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import validation_file
from numpy.testing import assert_allclose

from analysis.estimators.spatial import (
    demean,
    fit_spatial_panel,
    lesage_pace_effects,
    lm_tests,
    sdm_restriction_tests,
    spatial_lag_panel,
)


def test_sar_individual_fe_matches_splm(cigar):
    y, X, W = cigar
    f = fit_spatial_panel(y, X, W, model="sar", effects="entity", names=["logp", "logy"])
    assert f.spatial == pytest.approx(0.29815505, abs=1e-6)
    assert_allclose(f.beta, [-0.53167402, -0.00068965], atol=1e-6)
    assert_allclose(f.std_errors, [0.02544208, 0.01521311, 0.02843439], atol=1e-6)


def test_sdm_twoways_matches_splm_with_effects(cigar):
    y, X, W = cigar
    f = fit_spatial_panel(y, X, W, model="sdm", effects="twoways", names=["logp", "logy"])
    assert f.names == ["logp", "logy", "W*logp", "W*logy"]
    assert f.spatial == pytest.approx(0.22687946, abs=1e-6)
    assert_allclose(f.beta, [-1.00260098, 0.60073089, 0.05366329, -0.29422251], atol=1e-6)
    assert_allclose(f.std_errors, [0.04008261, 0.05719105, 0.08075113, 0.07812826, 0.03274672],
                    atol=1e-6)
    eff = lesage_pace_effects(f, W, ["logp", "logy"], draws=500, seed=3)
    assert eff["logp"]["direct"][0] == pytest.approx(-1.01336, abs=1e-5)
    assert eff["logy"]["direct"][0] == pytest.approx(0.59096, abs=1e-5)
    assert eff["logp"]["indirect"][0] == pytest.approx(-0.21406, abs=1e-5)
    assert eff["logy"]["indirect"][0] == pytest.approx(-0.19450, abs=1e-5)
    # total = (beta + theta) / (1 - rho) for a row-standardised W
    assert eff["logp"]["total"][0] == pytest.approx((-1.00260098 + 0.05366329) / (1 - 0.22687946), abs=1e-6)
    # simulated SEs: the direct effect's SE is close to beta's SE (diag of S is ~1.01 beta)
    assert eff["logp"]["direct"][1] == pytest.approx(0.0401, rel=0.15)


def test_sparse_lu_path_equals_eigen_path(cigar):
    y, X, W = cigar
    import scipy.sparse as sp

    a = fit_spatial_panel(y, X, W, model="sdm", effects="twoways", logdet="eigen")
    b = fit_spatial_panel(y, X, sp.csr_matrix(W), model="sdm", effects="twoways", logdet="lu")
    assert b.spatial == pytest.approx(a.spatial, abs=1e-7)
    assert_allclose(b.std_errors, a.std_errors, rtol=1e-6)


def test_lm_tests_cross_section_match_spreg(cigar):
    spreg = pytest.importorskip("spreg")
    libpysal = pytest.importorskip("libpysal")
    y, X, W = cigar
    X1 = np.concatenate([X[:1], np.ones((1, 46, 1))], axis=2)
    ours = lm_tests(y[:1], X1, W, effects="none")
    w = libpysal.weights.full2W(W)
    o = spreg.OLS(y[0].reshape(-1, 1), X[0], w=w, spat_diag=True)
    for name, ref in (("lm_lag", o.lm_lag), ("lm_error", o.lm_error), ("rlm_lag", o.rlm_lag),
                      ("rlm_error", o.rlm_error)):
        assert ours[name][0] == pytest.approx(ref[0], rel=1e-6, abs=1e-9), name


def test_panel_lm_error_matches_spreg_panel(cigar):
    pytest.importorskip("spreg")
    libpysal = pytest.importorskip("libpysal")
    from spreg import diagnostics_panel as dp

    y, X, W = cigar
    ours = lm_tests(y, X, W, effects="entity")
    w = libpysal.weights.full2W(W)
    Y = demean(y, "entity").reshape(-1, 1)
    XX = demean(X, "entity").reshape(-1, 2)
    nt, k = Y.shape[0], 3  # spreg adds a constant and uses sigma^2 = e'e / (NT - k)
    scale = (nt / (nt - k)) ** 2
    assert ours["lm_error"][0] == pytest.approx(dp.panel_LMerror(Y, XX, w)[0] * scale, rel=1e-8)
    assert ours["rlm_error"][0] == pytest.approx(dp.panel_rLMerror(Y, XX, w)[0] * scale, rel=2e-3)


def test_wald_sar_is_squared_z_with_one_lagged_term(cigar):
    """With a single W*x, the Wald test of theta = 0 is the square of its z statistic."""
    y, X, W = cigar
    f = fit_spatial_panel(y, X, W, model="sdm", effects="twoways", durbin=[0])
    t = sdm_restriction_tests(f)
    assert t["wald_sar"][0] == pytest.approx((f.beta[2] / f.std_errors[2]) ** 2)
    assert t["wald_sar"][2] == 1


def _simulate_sdm(seed: int, N: int = 100, T: int = 20, rho: float = 0.4,
                  beta: tuple[float, float] = (1.0, -0.5), theta: tuple[float, float] = (0.5, 0.3)):
    rng = np.random.default_rng(seed)
    coords = rng.uniform(size=(N, 2))
    d = np.linalg.norm(coords[:, None] - coords[None], axis=2)
    np.fill_diagonal(d, np.inf)
    W = np.zeros((N, N))
    nn = np.argsort(d, axis=1)[:, :6]
    W[np.repeat(np.arange(N), 6), nn.ravel()] = 1.0
    W /= W.sum(axis=1, keepdims=True)
    X = rng.normal(size=(T, N, 2))
    mu = rng.normal(size=N)
    alpha = rng.normal(size=T)
    A_inv = np.linalg.inv(np.eye(N) - rho * W)
    y = np.empty((T, N))
    WX = spatial_lag_panel(W, X)
    for t in range(T):
        xb = X[t] @ np.array(beta) + WX[t] @ np.array(theta) + mu + alpha[t] + rng.normal(scale=0.5, size=N)
        y[t] = A_inv @ xb
    return y, X, W


def test_simulated_twoway_sdm_recovers_planted_parameters():
    """Planted rho = 0.4, beta = (1, -0.5), theta = (0.5, 0.3) on 100 regions x 20 years (6-NN W).

    Each estimate must lie within 3 of its own standard errors of the planted value.
    """
    y, X, W = _simulate_sdm(seed=20240601)
    f = fit_spatial_panel(y, X, W, model="sdm", effects="twoways", names=["x1", "x2"])
    truth = np.array([1.0, -0.5, 0.5, 0.3, 0.4])
    est = np.append(f.beta, f.spatial)
    assert np.all(np.abs(est - truth) < 3 * f.std_errors), (est, f.std_errors)
    assert f.sigma2 == pytest.approx(0.25, rel=0.15)


def test_spec_layer_sdm_on_cigar():
    from analysis.estimators import FitContext, get_estimator
    from analysis.studies.spec import load_weights

    c = pd.read_csv(validation_file("cigar.csv"))
    c = c.assign(logc=np.log(c["sales"]), logp=np.log(c["price"] / c["cpi"]),
                 logy=np.log(c["ndi"] / c["cpi"]))
    w = load_weights(csv=validation_file("usa46_contiguity_long.csv"))
    ctx = FitContext(entity="state_name", time="year", weights=w)
    r = get_estimator("sdm")({"id": "SDM", "y": "logc", "x": ["logp", "logy"],
                              "effects": ["entity", "time"], "impacts": {"draws": 200, "seed": 1}},
                             c, ctx)
    assert list(r.params.index) == ["logp", "logy", "W*logp", "W*logy", "rho"]
    assert r.params["rho"] == pytest.approx(0.22687946, abs=1e-6)
    assert r.effects["logp"]["indirect"].estimate == pytest.approx(-0.21406, abs=1e-5)
    for name in ("lm_lag", "lm_error", "rlm_lag", "rlm_error", "wald_sar", "wald_sem", "lr_sar",
                 "lr_sem", "log_likelihood"):
        assert name in r.diagnostics
    assert r.diagnostics["lr_sar"].df == 2


def test_sdm_table_layout_on_cigar():
    from analysis.estimators import FitContext, get_estimator
    from analysis.report.spatial_tables import sdm_table, spatial_tests_table
    from analysis.studies.spec import load_weights

    c = pd.read_csv(validation_file("cigar.csv"))
    c = c.assign(logc=np.log(c["sales"]), logp=np.log(c["price"] / c["cpi"]),
                 logy=np.log(c["ndi"] / c["cpi"]))
    ctx = FitContext(entity="state_name", time="year",
                     weights=load_weights(csv=validation_file("usa46_contiguity_long.csv")))
    r = get_estimator("sdm")({"id": "SDM", "y": "logc", "x": ["logp", "logy"],
                              "effects": ["entity", "time"], "impacts": {"draws": 100, "seed": 1}}, c, ctx)
    tab = sdm_table(r).to_frame()
    assert list(tab.columns) == ["Main", "Wx", "Direct", "Indirect", "Total"]
    # splm: logp -1.00260098 (SE 0.04008261) -> z = -25.01; W*logp 0.05366 is not significant
    assert tab.loc["logp", "Main"] == "-1.003***"
    assert tab.iloc[1]["Main"] == "(-25.01)"
    assert tab.loc["logp", "Wx"] == "0.054"
    assert tab.loc["logp", "Direct"].startswith("-1.013")
    tests = spatial_tests_table(r)
    assert tests["test"].tolist()[:2] == ["LM (lag)", "Robust LM (lag)"]


def test_sar_entity_fe_matches_spreg_panel_fe_lag(cigar):
    """spreg.Panel_FE_Lag (long data, time-major) is a third implementation of the same model."""
    spreg = pytest.importorskip("spreg")
    libpysal = pytest.importorskip("libpysal")
    import contextlib
    import io

    y, X, W = cigar
    w = libpysal.weights.full2W(W)
    w.transform = "r"
    with contextlib.redirect_stdout(io.StringIO()):
        m = spreg.Panel_FE_Lag(y.reshape(-1, 1), X.reshape(-1, 2), w)
    f = fit_spatial_panel(y, X, W, model="sar", effects="entity")
    assert f.spatial == pytest.approx(float(m.rho), abs=1e-6)
    assert_allclose(f.beta, m.betas.ravel()[:2], atol=1e-6)

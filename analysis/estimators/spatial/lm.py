"""Specification tests of spatial panels: LM lag/error (and robust) tests, SDM restriction tests."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import stats as _st

from analysis.estimators.spatial.ml import Effects, SpatialFit, _ols, demean, spatial_lag_panel


def lm_tests(y: np.ndarray, X: np.ndarray, W: np.ndarray | sp.spmatrix, *,
             effects: Effects = "entity") -> dict[str, tuple[float, float]]:
    """LM-lag, LM-error and their robust versions for a fixed-effects panel (Elhorst's LMsarsem_panel).

    With ``e`` the residuals of the demeaned OLS regression, ``s2 = e'e/NT``,
    ``T_W = T tr(W'W + WW)`` and ``J = [(WXb)'M(WXb) + T_W s2] / s2``:
    ``LM_lag = (e'Wy/s2)^2 / J``, ``LM_err = (e'We/s2)^2 / T_W``,
    ``RLM_lag = (e'Wy/s2 - e'We/s2)^2 / (J - T_W)``,
    ``RLM_err = (e'We/s2 - T_W/J e'Wy/s2)^2 / (T_W (1 - T_W/J))``; each chi2(1).

    Returns
    -------
    dict
        ``{"lm_lag": (stat, p), "lm_error": ..., "rlm_lag": ..., "rlm_error": ...}``.
    """
    X = X[:, :, None] if X.ndim == 2 else X
    T, N = y.shape
    yd = demean(y, effects)
    Xd = demean(X, effects)
    Xf = Xd.reshape(N * T, -1)
    b = _ols(Xf, yd.ravel())
    e = yd.ravel() - Xf @ b
    s2 = float(e @ e) / (N * T)
    Wy = spatial_lag_panel(W, yd).ravel()
    We = spatial_lag_panel(W, e.reshape(T, N)).ravel()
    WXb = spatial_lag_panel(W, (Xf @ b).reshape(T, N)).ravel()
    Wd = W.toarray() if sp.issparse(W) else np.asarray(W)
    TW = T * float(np.sum(Wd * Wd) + np.sum(Wd * Wd.T))
    proj = Xf @ _ols(Xf, WXb)
    J = (float(WXb @ WXb - WXb @ proj) + TW * s2) / s2
    lm1 = float(e @ Wy) / s2
    lm2 = float(e @ We) / s2
    stats_ = {
        "lm_lag": lm1**2 / J,
        "lm_error": lm2**2 / TW,
        "rlm_lag": (lm1 - lm2) ** 2 / (J - TW),
        "rlm_error": (lm2 - TW / J * lm1) ** 2 / (TW * (1 - TW / J)),
    }
    return {k: (v, float(_st.chi2.sf(v, 1))) for k, v in stats_.items()}


def sdm_restriction_tests(sdm: SpatialFit, sar: SpatialFit | None = None,
                          sem: SpatialFit | None = None) -> dict[str, tuple[float, float, int]]:
    """Wald and LR tests of an SDM against the SAR (theta = 0) and SEM (theta + rho beta = 0).

    Returns
    -------
    dict
        ``{"wald_sar": (stat, p, df), "wald_sem": ..., "lr_sar": ..., "lr_sem": ...}`` (LR only when
        the restricted fit is given).
    """
    pos = {n: i for i, n in enumerate(sdm.names)}
    lagged = [n for n in sdm.names if n.startswith("W*")]
    bi = np.array([pos[n[2:]] for n in lagged])
    ti = np.array([pos[n] for n in lagged])
    q = len(lagged)
    k = len(sdm.beta)
    theta = sdm.beta[ti]
    Vt = sdm.vcov[np.ix_(ti, ti)]
    out: dict[str, tuple[float, float, int]] = {}
    w_sar = float(theta @ np.linalg.solve(Vt, theta))
    out["wald_sar"] = (w_sar, float(_st.chi2.sf(w_sar, q)), q)
    rho = sdm.spatial
    r = theta + rho * sdm.beta[bi]
    R = np.zeros((q, k + 1))
    R[np.arange(q), bi] = rho
    R[np.arange(q), ti] = 1.0
    R[:, k] = sdm.beta[bi]
    w_sem = float(r @ np.linalg.solve(R @ sdm.vcov @ R.T, r))
    out["wald_sem"] = (w_sem, float(_st.chi2.sf(w_sem, q)), q)
    for name, fit in (("lr_sar", sar), ("lr_sem", sem)):
        if fit is not None:
            lr = 2.0 * (sdm.loglik - fit.loglik)
            out[name] = (lr, float(_st.chi2.sf(lr, q)), q)
    return out

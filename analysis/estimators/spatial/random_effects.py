"""Random-effects spatial panel ML and the spatial Hausman test of fixed against random effects.

Elhorst (2014), ch. 3.4; MATLAB ``sar_panel_RE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy import optimize

from analysis.estimators.spatial.ml import (
    LogDet,
    LogDeterminant,
    SpatialFit,
    _bounded_max,
    _ols,
    _panel_inputs,
    demean,
    spatial_lag_panel,
)


def _re_transform(a: np.ndarray, phi: float) -> np.ndarray:
    """``a_it - (1 - phi) abar_i`` for a ``(T, N, ...)`` array (quasi-demeaning)."""
    return a - (1.0 - phi) * a.mean(axis=0, keepdims=True)


def _re_loglik(theta: np.ndarray, y: np.ndarray, Wy: np.ndarray, X: np.ndarray, ld: LogDeterminant) -> float:
    """Full RE-SAR log-likelihood at ``theta = (beta, rho, phi, sigma2)``."""
    k = X.shape[2]
    beta, rho, phi, s2 = theta[:k], theta[k], theta[k + 1], theta[k + 2]
    if not (0 < phi <= 1.0 + 1e-12) or s2 <= 0:
        return -np.inf
    T, N = y.shape
    e = (_re_transform(y, phi) - rho * _re_transform(Wy, phi)).ravel() - _re_transform(X, phi).reshape(N * T, k) @ beta
    return float(-N * T / 2 * np.log(2 * np.pi * s2) + N * np.log(phi) + T * ld(rho) - e @ e / (2 * s2))


def _re_hessian(theta: np.ndarray, y: np.ndarray, Wy: np.ndarray, X: np.ndarray, ld: LogDeterminant) -> np.ndarray:
    """Analytic Hessian of :func:`_re_loglik` at ``theta = (beta, rho, phi, sigma2)``.

    With ``e = y* - rho (Wy)* - X* beta`` and ``a* = a - (1 - phi) abar_i``, ``de/dbeta = -X*``,
    ``de/drho = -(Wy)*`` and ``de/dphi = d = ybar - rho (Wy)bar - Xbar beta`` (broadcast over periods);
    ``d2 ln|I - rho W| / drho2 = -tr(GG)``, ``G = W (I - rho W)^-1``. Exact second derivatives, so the
    covariance (and the Hausman test built on it) does not carry the rounding noise of a
    finite-difference Hessian, which amplified perturbations of 1e-12 in the data to 1e-3 in the
    Hausman statistic.
    """
    k = X.shape[2]
    beta, rho, phi, s2 = theta[:k], theta[k], theta[k + 1], theta[k + 2]
    T, N = y.shape
    NT = N * T
    Xs = _re_transform(X, phi).reshape(NT, k)
    wys = _re_transform(Wy, phi).ravel()
    e = _re_transform(y, phi).ravel() - rho * wys - Xs @ beta
    xbar = np.broadcast_to(X.mean(axis=0, keepdims=True), X.shape).reshape(NT, k)
    wybar = np.broadcast_to(Wy.mean(axis=0, keepdims=True), Wy.shape).ravel()
    d = np.broadcast_to(y.mean(axis=0, keepdims=True), y.shape).ravel() - rho * wybar - xbar @ beta
    tr_gg = ld.traces(rho)[1]
    H = np.empty((k + 3, k + 3))
    b, r, f, v = slice(0, k), k, k + 1, k + 2
    H[b, b] = -(Xs.T @ Xs) / s2
    H[b, r] = -(Xs.T @ wys) / s2
    H[b, f] = (Xs.T @ d + xbar.T @ e) / s2
    H[b, v] = -(Xs.T @ e) / s2**2
    H[r, r] = -T * tr_gg - (wys @ wys) / s2
    H[r, f] = (wys @ d + wybar @ e) / s2
    H[r, v] = -(wys @ e) / s2**2
    H[f, f] = -N / phi**2 - (d @ d) / s2
    H[f, v] = (e @ d) / s2**2
    H[v, v] = NT / (2 * s2**2) - (e @ e) / s2**3
    return np.triu(H) + np.triu(H, 1).T


@dataclass(frozen=True)
class RandomEffectsFit:
    """Result of :func:`fit_spatial_panel_re`.

    Attributes
    ----------
    fit : SpatialFit
        ``beta`` (x terms, ``W*`` terms, ``const`` when there are no time effects), ``rho``, ``sigma2``,
        ``vcov`` of ``(beta, rho)`` and the log-likelihood.
    phi : float
        ``sigma2 / (sigma2 + T sigma2_mu)`` as a weight: the transformation is ``y - (1 - phi) ybar_i``
        (Elhorst's phi; 1 = pooled, 0 = fixed effects).
    sigma2_mu : float
        Variance of the random individual effect, ``sigma2 (1/phi^2 - 1) / T``.
    phi_se : float
        Standard error of phi (observed information).
    """

    fit: SpatialFit
    phi: float
    sigma2_mu: float
    phi_se: float


def fit_spatial_panel_re(
    y: np.ndarray,
    X: np.ndarray,
    W: np.ndarray | sp.spmatrix,
    *,
    model: Literal["sar", "sdm"] = "sar",
    time_effects: bool = False,
    names: Sequence[str] | None = None,
    durbin: Sequence[int] | None = None,
    logdet: LogDet | None = None,
) -> RandomEffectsFit:
    """Random-effects SAR or SDM by maximum likelihood (Elhorst 2014, sec. 3.4; ``sar_panel_RE``).

    ``y = rho W y + X beta [+ W X theta] + mu_i [+ alpha_t] + e`` with ``mu_i ~ N(0, sigma2_mu)``
    independent of X. With ``phi^2 = sigma2 / (sigma2 + T sigma2_mu)`` every variable (and the constant)
    is quasi-demeaned, ``a*_it = a_it - (1 - phi) abar_i``, and the log-likelihood is
    ``-NT/2 ln(2 pi sigma2) + N/2 ln phi^2 + T ln|I - rho W| - e'e / (2 sigma2)`` with
    ``e = y* - rho (Wy)* - X* beta``. Concentrating out beta and sigma2, it is maximised over rho (as in
    the fixed-effects fit) inside a bounded search over phi in (0, 1]. Time effects, when asked, are
    fixed: all variables are demeaned by period first (and the constant is dropped). Standard errors
    from the observed information (analytic Hessian, :func:`_re_hessian`) of ``(beta, rho, phi, sigma2)``.

    Parameters
    ----------
    y, X, W, names, durbin, logdet
        As in :func:`fit_spatial_panel`.
    model : {"sar", "sdm"}
        Spatial lag or spatial Durbin model.
    time_effects : bool
        Sweep out period fixed effects first.

    Returns
    -------
    RandomEffectsFit
    """
    y, X, names = _panel_inputs(y, X, W, model=model, names=names, durbin=durbin)
    T, N = y.shape
    if model not in ("sar", "sdm"):
        raise ValueError(f"random effects are implemented for sar and sdm, got {model!r}")
    Wy = spatial_lag_panel(W, y)
    if time_effects:
        y, Wy, X = (demean(a, "time") for a in (y, Wy, X))
    else:
        X = np.concatenate([X, np.ones((T, N, 1))], axis=2)
        names = names + ["const"]
    k = X.shape[2]
    ld = LogDeterminant(W, logdet or ("eigen" if N <= 1000 else "lu"))
    lo, hi = ld.bounds[0] + 1e-6, ld.bounds[1] - 1e-6
    NT = N * T

    def profile(phi: float) -> tuple[float, float, np.ndarray]:
        Xs = _re_transform(X, phi).reshape(NT, k)
        ys, wys = _re_transform(y, phi).ravel(), _re_transform(Wy, phi).ravel()
        b0, b1 = _ols(Xs, ys), _ols(Xs, wys)
        e0, e1 = ys - Xs @ b0, wys - Xs @ b1

        def negll(r: float) -> float:
            e = e0 - r * e1
            return NT / 2 * np.log(e @ e) - T * ld(r)

        rho = _bounded_max(negll, lo, hi)
        return negll(rho) - N * np.log(phi), rho, b0 - rho * b1

    res = optimize.minimize_scalar(lambda p: profile(p)[0], bounds=(1e-4, 1.0), method="bounded",
                                   options={"xatol": 1e-9, "maxiter": 500})
    phi = float(res.x)
    _, rho, beta = profile(phi)
    e = (_re_transform(y, phi) - rho * _re_transform(Wy, phi)).ravel() - _re_transform(X, phi).reshape(NT, k) @ beta
    sigma2 = float(e @ e) / NT
    theta = np.concatenate([beta, [rho, phi, sigma2]])
    H = _re_hessian(theta, y, Wy, X, ld)
    # beta-phi block: its expectation is zero (E[X*' ubar] = 0 when the effects are independent of X),
    # as in the block-diagonal information of the (non-spatial) RE model; the sample value of that
    # block would otherwise let the estimated correlation of the effects with X inflate var(beta).
    H[:k, k + 1] = H[k + 1, :k] = 0.0
    V_all = np.linalg.inv(-H)
    loglik = _re_loglik(theta, y, Wy, X, ld)
    fit = SpatialFit(model=model, names=names, beta=beta, spatial=float(rho), sigma2=sigma2,
                     vcov=V_all[: k + 1, : k + 1], loglik=loglik, nobs=NT, N=N, T=T,
                     residuals=e.reshape(T, N), effects="time" if time_effects else "none")
    return RandomEffectsFit(fit=fit, phi=phi, sigma2_mu=sigma2 * (1.0 / phi**2 - 1.0) / T,
                            phi_se=float(np.sqrt(max(V_all[k + 1, k + 1], 0.0))))


def spatial_hausman(fe: SpatialFit, re: SpatialFit) -> tuple[float, float | None, int, str | None]:
    """Hausman test of fixed against random effects on the common ``(beta, rho)`` of two spatial fits.

    ``H = d' (V_FE - V_RE)^- d`` with ``d = b_FE - b_RE`` over the coefficients both fits have (the x and
    ``W*`` terms and rho; not the RE constant), chi-squared with as many degrees of freedom; a
    generalised inverse when ``V_FE - V_RE`` is not positive definite, as Stata's ``hausman`` / xsmle and
    Elhorst's code do (:func:`analysis.estimators.linear.hausman`). Both covariances are put on the
    FE fit's error variance (``V_RE`` times ``sigma2_FE / sigma2_RE``; Stata's ``hausman, sigmamore``):
    with the two fits' own variances the small difference ``V_FE - V_RE`` is swamped by the noise of
    the two estimates of sigma2 (over-rejection under the null in the simulation of
    ``tests/estimators/test_spatial_hausman.py``).

    Returns
    -------
    tuple
        ``(statistic, p_value or None, df, note or None)``.
    """
    from analysis.estimators.linear import hausman

    common = [n for n in fe.names if n in re.names]
    fi = [fe.names.index(n) for n in common] + [len(fe.names)]
    ri = [re.names.index(n) for n in common] + [len(re.names)]
    b_fe = np.append(fe.beta, fe.spatial)[fi]
    b_re = np.append(re.beta, re.spatial)[ri]
    t = hausman(b_fe, fe.vcov[np.ix_(fi, fi)], b_re, re.vcov[np.ix_(ri, ri)] * (fe.sigma2 / re.sigma2))
    return t.value, t.p_value, int(t.df), t.note  # type: ignore[arg-type]

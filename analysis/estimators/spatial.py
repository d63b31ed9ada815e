"""Spatial panel models with fixed effects by maximum likelihood: SAR, SEM and SDM.

Two layers, as elsewhere in :mod:`analysis.estimators`:

- array cores (:func:`fit_spatial_panel`, :func:`lm_tests`, :func:`lesage_pace_effects`) on a
  balanced panel stored as ``(T, N)`` arrays with an ``N x N`` weights matrix (dense or sparse);
- the spec layer (:func:`fit_sar`, :func:`fit_sem`, :func:`fit_sdm`, registered as ``sar``, ``sem``
  and ``sdm``) that evaluates the spec's terms, builds W from the spec's weights and returns a
  :class:`~analysis.estimators.results.ModelResult`.

Method (Elhorst 2014, *Spatial Econometrics*, ch. 3; the same estimator as R splm's
``spml(model = "within", lag = TRUE | spatial.error = "b")``):

- Fixed effects are removed by demeaning: entity (``y_it - ybar_i``), time (``y_it - ybar_t``) or both
  (``y_it - ybar_i - ybar_t + ybar``). As in splm, the spatial lag of the dependent variable is the
  lag of the demeaned y (option ``wy``); regressors, including the ``W*x`` of an SDM, are formed
  first and then demeaned.
- SAR/SDM: the log-likelihood concentrated in ``rho`` is
  ``-NT/2 ln(e(rho)'e(rho)) + T ln|I - rho W|`` with ``e(rho) = e0 - rho e1`` (residuals of ``y`` and
  ``Wy`` on X); it is maximised over ``(1/w_min, 1/w_max)``. SEM is concentrated in ``lambda`` with
  GLS for beta at each lambda.
- ``ln|I - rho W|``: from the eigenvalues of W (``logdet="eigen"``, the default for N <= 1000), or a
  sparse LU factorisation (``logdet="lu"``) for large N.
- Standard errors from the analytic information matrix of (beta, rho, sigma^2) (Elhorst 2014,
  eq. 3.12 for SAR/SDM; the analogue for SEM), ``sigma^2 = e'e / NT``.
- Random effects (SAR/SDM; :func:`fit_spatial_panel_re`, Elhorst's ``sar_panel_RE``) and the spatial
  Hausman test of FE against RE (:func:`spatial_hausman`; ``hausman: true`` in a spec model).
- LeSage-Pace effects of each x: ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)``; direct = mean
  diagonal, total = mean row sum, indirect = total - direct; standard errors from seeded draws of
  (beta, theta, rho) from their estimated asymptotic normal distribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize
from scipy import stats as _st
from scipy.sparse.linalg import splu

Effects = Literal["entity", "time", "twoways", "none"]
LogDet = Literal["eigen", "lu"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def demean(a: np.ndarray, effects: Effects) -> np.ndarray:
    """Within transformation of a balanced ``(T, N, ...)`` array.

    Parameters
    ----------
    a : numpy.ndarray
        Values with time on axis 0 and entities on axis 1.
    effects : {"entity", "time", "twoways", "none"}
        Which means to sweep out.
    """
    if effects == "none":
        return a.copy()
    ent = a.mean(axis=0, keepdims=True)
    tim = a.mean(axis=1, keepdims=True)
    if effects == "entity":
        return a - ent
    if effects == "time":
        return a - tim
    if effects == "twoways":
        return a - ent - tim + a.mean(axis=(0, 1), keepdims=True)
    raise ValueError(f"effects must be entity, time, twoways or none, got {effects!r}")


def spatial_lag_panel(W: np.ndarray | sp.spmatrix, a: np.ndarray) -> np.ndarray:
    """``(I_T kron W) a`` for a ``(T, N)`` or ``(T, N, K)`` array."""
    if a.ndim == 2:
        return np.asarray((W @ a.T).T)
    T, N, K = a.shape
    out = np.asarray(W @ a.transpose(1, 0, 2).reshape(N, T * K))
    return out.reshape(N, T, K).transpose(1, 0, 2)


_LU_BOUNDS: dict[tuple[Any, ...], tuple[float, float]] = {}


def _lu_bounds(Ws: sp.csc_matrix) -> tuple[float, float]:
    """``(1 / lambda_min, 1 / lambda_max)`` of a sparse W by ARPACK, cached by W's content.

    A fit and its effects (or a spec's several models) on the same W then pay for the two
    eigenvalue searches once.
    """
    import hashlib

    h = hashlib.sha1()
    for a in (Ws.indptr, Ws.indices, Ws.data):
        h.update(np.ascontiguousarray(a).tobytes())
    key = (Ws.shape, h.hexdigest())
    if key not in _LU_BOUNDS:
        # for a row-standardised (or any non-negative) W the largest eigenvalue is <= max row sum
        # and the smallest is >= -1 times it; use the Perron root and -1 as the search interval
        from scipy.sparse.linalg import eigs

        lmax = float(np.real(eigs(Ws, k=1, which="LR", return_eigenvectors=False)[0]))
        try:
            lmin = float(np.real(eigs(Ws, k=1, which="SR", return_eigenvectors=False, maxiter=5000)[0]))
        except Exception:  # pragma: no cover - ARPACK failure: fall back to -lmax
            lmin = -lmax
        if len(_LU_BOUNDS) >= 8:
            _LU_BOUNDS.pop(next(iter(_LU_BOUNDS)))
        _LU_BOUNDS[key] = (1.0 / lmin, 1.0 / lmax)
    return _LU_BOUNDS[key]


class LogDeterminant:
    """``ln|I - rho W|`` and the traces the information matrix needs, for any rho.

    Parameters
    ----------
    W : array or sparse matrix
        ``N x N`` weights.
    method : {"eigen", "lu"}
        Eigenvalues (exact, O(N^3) once) or sparse LU at each rho.
    """

    def __init__(self, W: np.ndarray | sp.spmatrix, method: LogDet = "eigen") -> None:
        self.W = W
        self.N = W.shape[0]
        self.method = method
        if method == "eigen":
            dense = W.toarray() if sp.issparse(W) else np.asarray(W)
            self.eig = np.linalg.eigvals(dense)
            real = self.eig.real[np.abs(self.eig.imag) < 1e-10]
            self.bounds = (1.0 / real.min(), 1.0 / real.max())
        elif method == "lu":
            self.Ws = sp.csc_matrix(W)
            self.eig = None
            self.bounds = _lu_bounds(self.Ws)
        else:
            raise ValueError(f"logdet method must be 'eigen' or 'lu', got {method!r}")

    def __call__(self, rho: float) -> float:
        """``ln|I - rho W|``."""
        if self.eig is not None:
            return float(np.sum(np.log(np.abs(1.0 - rho * self.eig))))
        A = sp.identity(self.N, format="csc") - rho * self.Ws
        lu = splu(A)
        return float(np.sum(np.log(np.abs(lu.U.diagonal()))) + np.sum(np.log(np.abs(lu.L.diagonal()))))

    def traces(self, rho: float) -> tuple[float, float, float]:
        """``tr(G)``, ``tr(GG)``, ``tr(G'G)`` with ``G = W (I - rho W)^-1``."""
        dense = self.W.toarray() if sp.issparse(self.W) else np.asarray(self.W)
        if self.method == "lu":
            # G = (I - rho W)^-1 W (W commutes with its resolvent): solve with the sparse LU, a few
            # columns at a time (SuperLU's many-column solve is much slower), instead of the O(N^3)
            # dense inverse; same matrix up to rounding
            lu = splu(sp.identity(self.N, format="csc") - rho * self.Ws)
            G = np.empty((self.N, self.N))
            for j in range(0, self.N, 4):
                G[:, j:j + 4] = lu.solve(np.ascontiguousarray(dense[:, j:j + 4]))
        else:
            G = dense @ np.linalg.inv(np.eye(self.N) - rho * dense)
        return float(np.trace(G)), float(np.sum(G * G.T)), float(np.sum(G * G))


# ---------------------------------------------------------------------------------------------
# core: ML fit
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpatialFit:
    """Result of :func:`fit_spatial_panel` (arrays only).

    Attributes
    ----------
    model : {"sar", "sem", "sdm"}
    names : list of str
        Coefficient names of ``beta`` (for SDM the x terms then ``W*<term>``).
    beta : numpy.ndarray
    spatial : float
        rho (SAR/SDM) or lambda (SEM).
    sigma2 : float
        ``e'e / NT``.
    vcov : numpy.ndarray
        Covariance of ``(beta, spatial)`` from the information matrix (sigma^2 integrated out).
    loglik : float
        Maximised log-likelihood (with the constants, Elhorst's convention).
    nobs, N, T : int
    residuals : numpy.ndarray
        ``(T, N)`` residuals of the demeaned model.
    """

    model: str
    names: list[str]
    beta: np.ndarray
    spatial: float
    sigma2: float
    vcov: np.ndarray
    loglik: float
    nobs: int
    N: int
    T: int
    residuals: np.ndarray
    effects: str

    @property
    def std_errors(self) -> np.ndarray:
        """Standard errors of ``(beta, spatial)``."""
        return np.sqrt(np.diag(self.vcov))


def _ols(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _panel_inputs(y: np.ndarray, X: np.ndarray, W: np.ndarray | sp.spmatrix, *, model: str,
                  names: Sequence[str] | None, durbin: Sequence[int] | None
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Check a balanced ``(T, N)`` panel against W and append the ``W*x`` columns of an SDM.

    Parameters
    ----------
    y, X, W, names, durbin
        As in :func:`fit_spatial_panel` (``X`` may be ``(T, N)`` for one regressor).
    model : str
        ``"sdm"`` appends the spatial lags of the ``durbin`` columns (default: all) to X.

    Returns
    -------
    tuple
        ``(y, X, names)``: float arrays, X as ``(T, N, K)``, and the regressor names.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[:, :, None]
    _, N = y.shape
    K = X.shape[2]
    if W.shape != (N, N):
        raise ValueError(f"W is {W.shape}, panel has N = {N} entities")
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise ValueError("spatial panel ML needs a balanced panel without missing values")
    names = list(names) if names is not None else [f"x{k}" for k in range(K)]
    if model == "sdm":
        cols = list(range(K)) if durbin is None else list(durbin)
        X = np.concatenate([X, spatial_lag_panel(W, X[:, :, cols])], axis=2)
        names = names + [f"W*{names[c]}" for c in cols]
    return y, X, names


def fit_spatial_panel(
    y: np.ndarray,
    X: np.ndarray,
    W: np.ndarray | sp.spmatrix,
    *,
    model: Literal["sar", "sem", "sdm"],
    effects: Effects = "entity",
    names: Sequence[str] | None = None,
    durbin: Sequence[int] | None = None,
    logdet: LogDet | None = None,
    constant: bool | None = None,
    wy: Literal["lag_of_demeaned", "demeaned_lag"] = "lag_of_demeaned",
    lee_yu: bool = False,
) -> SpatialFit:
    """Fit a fixed-effects spatial panel model by (concentrated) maximum likelihood.

    Parameters
    ----------
    y : numpy.ndarray
        ``(T, N)`` dependent variable (balanced, no missing values).
    X : numpy.ndarray
        ``(T, N, K)`` regressors (no constant).
    W : array or sparse matrix
        ``N x N`` spatial weights (zero diagonal; row-standardised for the usual interpretation).
    model : {"sar", "sem", "sdm"}
        Spatial lag, spatial error or spatial Durbin model.
    effects : {"entity", "time", "twoways", "none"}
        Fixed effects swept out by demeaning.
    names : sequence of str, optional
        Names of the K regressors.
    durbin : sequence of int, optional
        For SDM, the columns of X whose spatial lags enter (default: all).
    logdet : {"eigen", "lu"}, optional
        Log-determinant method (default eigen for N <= 1000, else sparse LU).
    constant : bool, optional
        Add a constant (default: only when ``effects="none"``).
    wy : {"lag_of_demeaned", "demeaned_lag"}
        ``W (Q y)`` (the spatial lag of the demeaned y; R splm's ``spfeml``, the default) or
        ``Q (W y)`` (demeaning the spatial lag; Elhorst's MATLAB code). They coincide with entity
        effects only; with time effects they differ unless ``1'W = 1'``.
    lee_yu : bool
        Lee and Yu's (2010) transformation approach instead of the direct approach
        (splm's default). The likelihood of the data after eliminating the fixed effects by
        orthonormal transformations counts ``(N - 1)`` cross-sections when time effects are swept
        out and ``(T - 1)`` periods when entity effects are, adds ``-T' ln(1 - rho)`` for time effects
        (row-standardised W), uses ``Q (W y)``, and estimates ``sigma^2 = e'e / ((N - 1)(T - 1))``
        (two-way case). Standard errors from the observed Hessian. It removes the O(1/N) bias of rho
        that the direct approach has with time effects and few regions.

    Returns
    -------
    SpatialFit
    """
    y, X, names = _panel_inputs(y, X, W, model=model, names=names, durbin=durbin)
    T, N = y.shape
    if constant is None:
        constant = effects == "none"
    Xd = demean(X, effects)
    yd = demean(y, effects)
    if constant:
        Xd = np.concatenate([Xd, np.ones((T, N, 1))], axis=2)
        names = names + ["const"]
    method: LogDet = logdet or ("eigen" if N <= 1000 else "lu")
    ld = LogDeterminant(W, method)
    lo, hi = ld.bounds
    lo, hi = lo + 1e-6, hi - 1e-6
    NT = N * T
    Xf = Xd.reshape(NT, -1)
    if model in ("sar", "sdm"):
        if lee_yu:
            wy = "demeaned_lag"
        Wy = spatial_lag_panel(W, yd) if wy == "lag_of_demeaned" else demean(spatial_lag_panel(W, y), effects)
        has_t = effects in ("time", "twoways")
        has_e = effects in ("entity", "twoways")
        n_eff = (N - int(lee_yu and has_t)) * (T - int(lee_yu and has_e))
        t_eff = T - int(lee_yu and has_e)
        b0 = _ols(Xf, yd.ravel())
        b1 = _ols(Xf, Wy.ravel())
        e0 = yd.ravel() - Xf @ b0
        e1 = Wy.ravel() - Xf @ b1

        def jac(r: float) -> float:
            return ld(r) - (np.log(1.0 - r) if lee_yu and has_t else 0.0)

        def negll(r: float) -> float:
            e = e0 - r * e1
            return n_eff / 2 * np.log(e @ e) - t_eff * jac(r)

        rho = _bounded_max(negll, lo, hi)
        beta = b0 - rho * b1
        e = e0 - rho * e1
        sigma2 = float(e @ e) / n_eff
        trG, trGG, trGtG = ld.traces(rho)
        if lee_yu:
            # observed information (minus the Hessian) of the transformed likelihood
            k = Xf.shape[1]
            info = np.zeros((k + 2, k + 2))
            info[:k, :k] = Xf.T @ Xf / sigma2
            info[:k, k] = info[k, :k] = Xf.T @ Wy.ravel() / sigma2
            info[k, k] = Wy.ravel() @ Wy.ravel() / sigma2 + t_eff * (
                trGG - (1.0 / (1.0 - rho) ** 2 if has_t else 0.0))
            info[k, k + 1] = info[k + 1, k] = float(Wy.ravel() @ e) / sigma2**2
            info[k + 1, k + 1] = n_eff / (2 * sigma2**2)
            V = np.linalg.inv(info)[:k + 1, :k + 1]
            loglik = -n_eff / 2 * np.log(2 * np.pi * sigma2) + t_eff * jac(rho) - n_eff / 2
            return SpatialFit(
                model=model, names=names, beta=beta, spatial=float(rho), sigma2=sigma2, vcov=V,
                loglik=float(loglik), nobs=NT, N=N, T=T, residuals=e.reshape(T, N), effects=effects,
            )
        # G Xb = W (I - rho W)^-1 X b  per period
        Xb = (Xf @ beta).reshape(T, N)
        GXb = _g_apply(W, rho, Xb).ravel()
        k = Xf.shape[1]
        info = np.zeros((k + 2, k + 2))
        info[:k, :k] = Xf.T @ Xf / sigma2
        info[:k, k] = info[k, :k] = Xf.T @ GXb / sigma2
        info[k, k] = T * (trGG + trGtG) + GXb @ GXb / sigma2
        info[k, k + 1] = info[k + 1, k] = T * trG / sigma2
        info[k + 1, k + 1] = NT / (2 * sigma2**2)
    elif model == "sem":
        yv = yd
        has_t = effects in ("time", "twoways")
        has_e = effects in ("entity", "twoways")
        n_eff = (N - int(lee_yu and has_t)) * (T - int(lee_yu and has_e))
        t_eff = T - int(lee_yu and has_e)
        beta, lam = _sem_ml(yv, Xd, W, ld, lo, hi, n_eff=n_eff, t_eff=t_eff,
                            time_jac=lee_yu and has_t)
        rho = lam
        yf = yv - lam * spatial_lag_panel(W, yv)
        Xs = Xd - lam * spatial_lag_panel(W, Xd)
        Xsf = Xs.reshape(NT, -1)
        e = yf.ravel() - Xsf @ beta
        sigma2 = float(e @ e) / n_eff
        if lee_yu:
            trG, trGG, trGtG = ld.traces(lam)
            k = Xsf.shape[1]
            info = np.zeros((k + 2, k + 2))
            info[:k, :k] = Xsf.T @ Xsf / sigma2
            info[k, k] = t_eff * (trGG + trGtG - (1.0 / (1.0 - lam) ** 2 if has_t else 0.0))
            info[k, k + 1] = info[k + 1, k] = t_eff * (trG - (1.0 / (1.0 - lam) if has_t else 0.0)) / sigma2
            info[k + 1, k + 1] = n_eff / (2 * sigma2**2)
            V = np.linalg.inv(info)[:k + 1, :k + 1]
            jac = ld(lam) - (np.log(1.0 - lam) if has_t else 0.0)
            loglik = -n_eff / 2 * np.log(2 * np.pi * sigma2) + t_eff * jac - n_eff / 2
            return SpatialFit(
                model=model, names=names, beta=beta, spatial=float(lam), sigma2=sigma2, vcov=V,
                loglik=float(loglik), nobs=NT, N=N, T=T, residuals=e.reshape(T, N), effects=effects,
            )
        trG, trGG, trGtG = ld.traces(lam)
        k = Xsf.shape[1]
        info = np.zeros((k + 2, k + 2))
        info[:k, :k] = Xsf.T @ Xsf / sigma2
        info[k, k] = T * (trGG + trGtG)
        info[k, k + 1] = info[k + 1, k] = T * trG / sigma2
        info[k + 1, k + 1] = NT / (2 * sigma2**2)
    else:
        raise ValueError(f"model must be sar, sem or sdm, got {model!r}")
    V = np.linalg.inv(info)[: info.shape[0] - 1, : info.shape[0] - 1]
    loglik = -NT / 2 * np.log(2 * np.pi * sigma2) + T * ld(rho) - NT / 2
    return SpatialFit(
        model=model, names=names, beta=beta, spatial=float(rho), sigma2=sigma2, vcov=V,
        loglik=float(loglik), nobs=NT, N=N, T=T, residuals=e.reshape(T, N), effects=effects,
    )


def _g_apply(W: np.ndarray | sp.spmatrix, rho: float, a: np.ndarray) -> np.ndarray:
    """``W (I - rho W)^-1 a_t`` for each period of a ``(T, N)`` array."""
    N = W.shape[0]
    if sp.issparse(W):
        A = sp.identity(N, format="csc") - rho * sp.csc_matrix(W)
        sol = splu(A).solve(np.ascontiguousarray(a.T))
    else:
        sol = np.linalg.solve(np.eye(N) - rho * np.asarray(W), a.T)
    return np.asarray(W @ sol).T


def _bounded_max(negll: Any, lo: float, hi: float) -> float:
    """Minimise a smooth 1-d function on (lo, hi): coarse grid then bounded Brent."""
    grid = np.linspace(lo, hi, 41)
    vals = [negll(g) for g in grid]
    i = int(np.argmin(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(negll, bounds=(a, b), method="bounded",
                                   options={"xatol": 1e-10, "maxiter": 500})
    return float(res.x)


def _sem_ml(yd: np.ndarray, Xd: np.ndarray, W: Any, ld: LogDeterminant, lo: float,
            hi: float, *, n_eff: int | None = None, t_eff: int | None = None,
            time_jac: bool = False) -> tuple[np.ndarray, float]:
    T, N = yd.shape
    NT = N * T
    Wy = spatial_lag_panel(W, yd)
    WX = spatial_lag_panel(W, Xd)

    def beta_at(lam: float) -> tuple[np.ndarray, np.ndarray]:
        ys = (yd - lam * Wy).ravel()
        Xs = (Xd - lam * WX).reshape(NT, -1)
        b = _ols(Xs, ys)
        return b, ys - Xs @ b

    n_e = NT if n_eff is None else n_eff
    t_e = T if t_eff is None else t_eff

    def negll(lam: float) -> float:
        _, e = beta_at(lam)
        return n_e / 2 * np.log(e @ e) - t_e * (ld(lam) - (np.log(1.0 - lam) if time_jac else 0.0))

    lam = _bounded_max(negll, lo, hi)
    return beta_at(lam)[0], lam


# ---------------------------------------------------------------------------------------------
# random effects (Elhorst 2014, ch. 3.4; MATLAB sar_panel_RE) and the spatial Hausman test
# ---------------------------------------------------------------------------------------------
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


def _numerical_hessian(f: Any, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of a scalar function (steps scaled to each parameter)."""
    n = x.size
    h = 1e-4 * np.maximum(np.abs(x), 1e-2)
    H = np.zeros((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H


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
    from the observed information (numerical Hessian) of ``(beta, rho, phi, sigma2)``.

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
    H = _numerical_hessian(lambda t: _re_loglik(t, y, Wy, X, ld), theta)
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
    Elhorst's code do (:func:`analysis.estimators.panel.hausman`). Both covariances are put on the
    FE fit's error variance (``V_RE`` times ``sigma2_FE / sigma2_RE``; Stata's ``hausman, sigmamore``):
    with the two fits' own variances the small difference ``V_FE - V_RE`` is swamped by the noise of
    the two estimates of sigma2 (over-rejection under the null in the simulation of
    ``tests/estimators/test_spatial_hausman.py``).

    Returns
    -------
    tuple
        ``(statistic, p_value or None, df, note or None)``.
    """
    from analysis.estimators.panel import hausman

    common = [n for n in fe.names if n in re.names]
    fi = [fe.names.index(n) for n in common] + [len(fe.names)]
    ri = [re.names.index(n) for n in common] + [len(re.names)]
    b_fe = np.append(fe.beta, fe.spatial)[fi]
    b_re = np.append(re.beta, re.spatial)[ri]
    t = hausman(b_fe, fe.vcov[np.ix_(fi, fi)], b_re, re.vcov[np.ix_(ri, ri)] * (fe.sigma2 / re.sigma2))
    return t.value, t.p_value, int(t.df), t.note  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# LeSage-Pace effects
# ---------------------------------------------------------------------------------------------
class _EffectKernels:
    """Mean diagonal and mean row sum of ``(I - rho W)^-1`` and ``(I - rho W)^-1 W`` at any rho."""

    def __init__(self, W: np.ndarray | sp.spmatrix, ld: LogDeterminant, *, seed: int = 1,
                 mc_vectors: int = 50, mc_order: int = 100) -> None:
        self.W = W
        self.N = W.shape[0]
        rs = np.asarray(W.sum(axis=1)).ravel()
        self.row_std = bool(np.allclose(rs, 1.0))
        self.eig = ld.eig
        if self.eig is None:
            # Hutchinson estimates of tr(W^k)/N, k = 0..q (LeSage-Pace 2009, sec. 4.3)
            rng = np.random.default_rng(seed)
            U = rng.choice([-1.0, 1.0], size=(self.N, mc_vectors))
            tr = np.empty(mc_order + 2)
            V = U.copy()
            for k in range(mc_order + 2):
                tr[k] = float(np.sum(U * V)) / (mc_vectors * self.N)
                V = np.asarray(W @ V)
            tr[0] = 1.0
            tr[1] = float(W.diagonal().sum()) / self.N if sp.issparse(W) else float(np.trace(W)) / self.N
            self.tr = tr

    def mean_diag(self, rho: float) -> tuple[float, float]:
        """``mean diag((I - rho W)^-1)`` and ``mean diag((I - rho W)^-1 W)``."""
        if self.eig is not None:
            d = 1.0 - rho * self.eig
            return float(np.mean(1.0 / d).real), float(np.mean(self.eig / d).real)
        pw = rho ** np.arange(len(self.tr) - 1)
        return float(pw @ self.tr[:-1]), float(pw @ self.tr[1:])

    def mean_rowsum(self, rho: float) -> tuple[float, float]:
        """Mean row sums of ``(I - rho W)^-1`` and ``(I - rho W)^-1 W``."""
        if self.row_std:
            return 1.0 / (1.0 - rho), 1.0 / (1.0 - rho)
        one = np.ones((1, self.N))
        a = _g_apply(self.W, rho, one)
        # W (I - rho W)^-1 1 = ((I - rho W)^-1 - I) 1 / rho; avoid the division at rho = 0
        w1 = np.asarray(self.W.sum(axis=1)).ravel()[None, :]
        b = _g_apply(self.W, rho, w1)
        inv1 = 1.0 + rho * a  # (I - rho W)^-1 1 = 1 + rho W (I - rho W)^-1 1
        invw1 = w1 + rho * b
        return float(inv1.mean()), float(invw1.mean())


def lesage_pace_effects(
    fit: SpatialFit,
    W: np.ndarray | sp.spmatrix,
    x_names: Sequence[str],
    *,
    draws: int = 1000,
    seed: int = 1,
) -> dict[str, dict[str, tuple[float, float | None]]]:
    """Direct, indirect and total effects of each x of a SAR or SDM fit, with simulated SEs.

    Parameters
    ----------
    fit : SpatialFit
        A ``sar`` or ``sdm`` fit.
    W : array or sparse matrix
        The weights used in the fit.
    x_names : sequence of str
        The x terms (their spatial lags, if any, are ``W*<term>`` in ``fit.names``).
    draws : int
        Draws of (beta, theta, rho) from ``N(estimate, vcov)`` (0: no standard errors).
    seed : int
        Seed of the draws.

    Returns
    -------
    dict
        ``{term: {"direct": (estimate, se), "indirect": ..., "total": ...}}``.
    """
    if fit.model not in ("sar", "sdm"):
        raise ValueError("effects are defined for SAR and SDM fits")
    ld = LogDeterminant(W, "eigen" if fit.N <= 1000 else "lu")
    ker = _EffectKernels(W, ld, seed=seed)
    k = len(fit.beta)
    pos = {n: i for i, n in enumerate(fit.names)}
    theta_hat = np.append(fit.beta, fit.spatial)

    def eff(par: np.ndarray, kernels: tuple[float, float, float, float]) -> np.ndarray:
        m0, m1, r0, r1 = kernels
        out = np.empty((len(x_names), 3))
        for j, name in enumerate(x_names):
            b = par[pos[name]]
            t = par[pos[f"W*{name}"]] if f"W*{name}" in pos else 0.0
            direct = b * m0 + t * m1
            total = b * r0 + t * r1
            out[j] = (direct, total - direct, total)
        return out

    def kern(rho: float) -> tuple[float, float, float, float]:
        return (*ker.mean_diag(rho), *ker.mean_rowsum(rho))

    point = eff(theta_hat, kern(fit.spatial))
    se = np.full_like(point, np.nan)
    if draws > 0:
        rng = np.random.default_rng(seed)
        sims = rng.multivariate_normal(theta_hat, fit.vcov, size=draws, method="cholesky")
        lo, hi = ld.bounds
        sims[:, k] = np.clip(sims[:, k], lo + 1e-6, hi - 1e-6)
        res = np.stack([eff(s, kern(float(s[k]))) for s in sims])
        se = res.std(axis=0, ddof=1)
    kinds = ("direct", "indirect", "total")
    return {name: {kinds[c]: (float(point[j, c]), None if draws <= 0 else float(se[j, c]))
                   for c in range(3)} for j, name in enumerate(x_names)}


# ---------------------------------------------------------------------------------------------
# specification tests
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# spec layer
# ---------------------------------------------------------------------------------------------
_EFFECTS_MAP = {(): "none", ("entity",): "entity", ("time",): "time", ("entity", "time"): "twoways"}



def spatial_panel_arrays(model: Mapping[str, Any], data: pd.DataFrame, ctx: Any
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], str, list[str]]:
    """Evaluate a spatial spec model into ``y (T, N)``, ``X (T, N, K)`` and a dense W.

    Returns
    -------
    tuple
        ``y, X, W, x_terms, effects, entity_ids``.
    """
    from analysis.estimators import SpecError
    from analysis.estimators.panel import model_where
    from analysis.estimators.terms import evaluate_terms
    from analysis.formulas.weights import weights_matrix

    where = model_where(model)
    if ctx.weights is None:
        raise SpecError(f"{where}: a spatial model needs weights: {{table: ..., matrix: ...}} or {{csv: ...}}")
    y_term = str(model.get("y") or "")
    x_terms = [str(t) for t in (model.get("x") or [])]
    if not y_term or not x_terms:
        raise SpecError(f"{where}: y and x are required")
    if any(t.startswith("W*") for t in x_terms):
        raise SpecError(f"{where}: do not list W* terms in x; use durbin: (the SDM adds them)")
    eff = tuple(e for e in ("entity", "time") if e in (model.get("effects") or []))
    effects = _EFFECTS_MAP[eff]
    vals = evaluate_terms(data, [y_term, *x_terms], entity=ctx.entity, time=ctx.time,
                          model_id=str(model.get("id")))
    ok = np.isfinite(vals.to_numpy(dtype=float)).all(axis=1)
    d = pd.concat([data.loc[ok, [ctx.entity, ctx.time]].astype({ctx.entity: str}), vals[ok]], axis=1)
    ids = sorted(d[ctx.entity].unique())
    periods = sorted(d[ctx.time].unique())
    if len(d) != len(ids) * len(periods) or d.duplicated([ctx.entity, ctx.time]).any():
        raise SpecError(
            f"{where}: spatial panel ML needs a balanced panel without missing values; "
            f"{len(d)} complete rows for {len(ids)} entities x {len(periods)} periods"
        )
    wl = ctx.weights
    missing = sorted(set(ids) - set(wl["from"].astype(str)))
    if missing:
        raise SpecError(f"{where}: entities without a row in the weights: {missing[:5]}")
    W = weights_matrix(wl, ids)
    if np.any(W.sum(axis=1) == 0):
        bad = [ids[i] for i in np.flatnonzero(W.sum(axis=1) == 0)][:5]
        raise SpecError(f"{where}: entities without neighbours in the weights: {bad}")
    d = d.sort_values([ctx.time, ctx.entity])
    T, N = len(periods), len(ids)
    y = d[y_term].to_numpy(dtype=float).reshape(T, N)
    X = d[x_terms].to_numpy(dtype=float).reshape(T, N, len(x_terms))
    return y, X, W, x_terms, effects, ids


def _fit_spatial_spec(model: Mapping[str, Any], data: pd.DataFrame, ctx: Any, kind: str) -> Any:
    from analysis.estimators import SpecError
    from analysis.estimators.panel import model_where
    from analysis.estimators.results import EffectEstimate, ModelResult, TestStat

    where = model_where(model)
    y, X, W, x_terms, effects, _ids = spatial_panel_arrays(model, data, ctx)
    durbin_spec = model.get("durbin", "all")
    if kind == "sdm":
        if durbin_spec in ("all", None, True):
            durbin = list(range(len(x_terms)))
        else:
            unknown = [t for t in durbin_spec if t not in x_terms]
            if unknown:
                raise SpecError(f"{where}: durbin terms not in x: {unknown}")
            durbin = [x_terms.index(t) for t in durbin_spec]
    else:
        durbin = None
    lee_yu = bool(model.get("lee_yu", False))
    fit = fit_spatial_panel(y, X, W, model=kind, effects=effects, names=x_terms,  # type: ignore[arg-type]
                            durbin=durbin, lee_yu=lee_yu)
    sname = "lambda" if kind == "sem" else "rho"
    terms = fit.names + [sname]
    params = np.append(fit.beta, fit.spatial)
    se = fit.std_errors
    z = fit.spatial / se[-1]
    diags: dict[str, TestStat] = {
        sname: TestStat(fit.spatial, float(2 * _st.norm.sf(abs(z))), dist="normal"),
        "sigma2": TestStat(fit.sigma2),
        "log_likelihood": TestStat(fit.loglik),
    }
    if model.get("tests", True):
        for k, (v, p) in lm_tests(y, X, W, effects=effects).items():  # type: ignore[arg-type]
            diags[k] = TestStat(v, p, 1, dist="chi2")
        if kind == "sdm":
            sar = fit_spatial_panel(y, X, W, model="sar", effects=effects, names=x_terms,  # type: ignore[arg-type]
                                    lee_yu=lee_yu)
            sem = fit_spatial_panel(y, X, W, model="sem", effects=effects, names=x_terms,  # type: ignore[arg-type]
                                    lee_yu=lee_yu)
            for k2, (v, p, df) in sdm_restriction_tests(fit, sar, sem).items():
                diags[k2] = TestStat(v, p, df, dist="chi2")
    if model.get("hausman"):
        diags["hausman"] = _hausman_stat(model, fit, y, X, W, kind=kind, effects=effects, x_terms=x_terms,
                                         durbin=durbin)
    effects_out: dict[str, dict[str, EffectEstimate]] = {}
    if kind in ("sar", "sdm"):
        imp = model.get("impacts") or {}
        draws = int(imp.get("draws", 1000))
        seed = int(imp.get("seed", ctx.options.get("seed", 1) if ctx.options else 1))
        for term, kinds in lesage_pace_effects(fit, W, x_terms, draws=draws, seed=seed).items():
            effects_out[term] = {
                k3: EffectEstimate(est, s, None if not s else float(2 * _st.norm.sf(abs(est / s))))
                for k3, (est, s) in kinds.items()
            }
    fe = tuple(e for e in ("entity", "time") if e in (model.get("effects") or []))
    return ModelResult.from_arrays(
        model_id=str(model.get("id")), estimator=kind, dependent=str(model.get("y")), terms=terms,
        params=params, std_errors=se, nobs=fit.nobs, dist="normal", n_entities=fit.N,
        cov_type="ml", fixed_effects=fe, diagnostics=diags, effects=effects_out,
        info={"n_periods": fit.T, "effects": effects, "lee_yu": lee_yu},
    )


def _hausman_stat(model: Mapping[str, Any], fit: SpatialFit, y: np.ndarray, X: np.ndarray, W: np.ndarray, *,
                  kind: str, effects: str, x_terms: list[str], durbin: list[int] | None) -> Any:
    """``hausman: true``: the spatial Hausman test of this FE fit against the RE fit of the same model."""
    from analysis.estimators import SpecError
    from analysis.estimators.panel import model_where
    from analysis.estimators.results import TestStat

    where = model_where(model)
    if kind not in ("sar", "sdm"):
        raise SpecError(f"{where}: hausman: true needs estimator sar or sdm (random-effects SEM is not implemented)")
    if effects not in ("entity", "twoways"):
        raise SpecError(f"{where}: hausman: true compares entity fixed effects with random effects; "
                        "add entity to effects")
    re = fit_spatial_panel_re(y, X, W, model=kind, time_effects=effects == "twoways",  # type: ignore[arg-type]
                              names=x_terms, durbin=durbin)
    value, p, df, note = spatial_hausman(fit, re.fit)
    extra = (f"RE: rho = {re.fit.spatial:.4g}, phi = {re.phi:.4g}, sigma2_mu = {re.sigma2_mu:.4g}; "
             "covariances on the FE sigma2 (sigmamore)")
    return TestStat(value, p, df, dist="chi2", note=f"{note}; {extra}" if note else extra)


def _register() -> None:
    from analysis.estimators import FitContext, register
    from analysis.estimators.results import ModelResult

    @register("sar")
    def fit_sar(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
        """Spatial lag model with fixed effects (ML) from a spec model."""
        return _fit_spatial_spec(model, data, ctx, "sar")

    @register("sem")
    def fit_sem(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
        """Spatial error model with fixed effects (ML) from a spec model."""
        return _fit_spatial_spec(model, data, ctx, "sem")

    @register("sdm")
    def fit_sdm(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
        """Spatial Durbin model with fixed effects (ML) from a spec model."""
        return _fit_spatial_spec(model, data, ctx, "sdm")


_register()

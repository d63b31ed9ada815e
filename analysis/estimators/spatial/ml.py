"""Fixed-effects spatial panel ML (SAR, SEM, SDM): the array core.

Demeaning, spatial lags, ``ln|I - rho W|`` (:class:`LogDeterminant`) and :func:`fit_spatial_panel`.
The method is described in :mod:`analysis.estimators.spatial`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy import optimize
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
            # G = (I - rho W)^-1 W (W commutes with its resolvent): solve with the sparse LU, a
            # block of columns at a time (one solve of all N columns is slower), instead of the O(N^3)
            # dense inverse; same matrix up to rounding
            lu = splu(sp.identity(self.N, format="csc") - rho * self.Ws)
            G = np.empty((self.N, self.N))
            for j in range(0, self.N, 128):  # 128 Fortran-ordered columns a solve: fastest at N = 2,850
                G[:, j:j + 128] = lu.solve(np.asfortranarray(dense[:, j:j + 128]))
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
    grid = np.linspace(lo, hi, 21)  # the concentrated likelihood is smooth: a spacing of ~0.1 brackets it
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

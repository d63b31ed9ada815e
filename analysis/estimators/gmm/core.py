"""Difference and system GMM on rectangular panel arrays: the array core (conventions in :mod:`analysis.estimators.gmm`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats as _st

from analysis.estimators.gmm.arrays import _fd, _fod, _one_blas_thread, _rank_keep

Equation = Literal["diff", "level", "both"]
Transformation = Literal["fd", "fod"]


# ---------------------------------------------------------------------------------------------
# array core
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GmmStyle:
    """A block of GMM-style instruments (xtabond2 ``gmm(vars, lag(a b) collapse eq())``).

    Attributes
    ----------
    series : numpy.ndarray
        ``(N, T, m)`` levels of the ``m`` instrumenting variables (NaN where missing).
    lag_min, lag_max : int, int or None
        Lag limits for the difference equation (``None`` = all available lags).
    collapse : bool
        One column per lag instead of one per period and lag.
    equation : {"both", "diff", "level"}
        Equations the block instruments (``level`` and ``both`` only matter in system GMM).
    names : tuple of str
        Variable names (for the instrument list).
    """

    series: np.ndarray
    lag_min: int = 1
    lag_max: int | None = None
    collapse: bool = False
    equation: Equation = "both"
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class IvStyle:
    """A block of IV-style instruments (xtabond2 ``iv(vars, eq() passthru)``).

    Attributes
    ----------
    series : numpy.ndarray
        ``(N, T, m)`` levels.
    equation : {"both", "diff", "level"}
        Equations instrumented.
    passthru : bool
        Use the levels, untransformed, in the difference equation too.
    names : tuple of str
        Variable names.
    """

    series: np.ndarray
    equation: Equation = "both"
    passthru: bool = False
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class GmmFit:
    """Result of :func:`dpd_gmm` (arrays only).

    Attributes
    ----------
    names : list of str
        Regressor names (collinear time dummies removed; ``const`` last in system GMM).
    params, std_errors : numpy.ndarray
        Final-step estimates and standard errors (robust one-step, or Windmeijer-corrected two-step
        when ``robust``; otherwise the conventional ones).
    vcov : numpy.ndarray
        Their covariance matrix.
    std_errors_uncorrected : numpy.ndarray or None
        Two-step conventional standard errors (before the Windmeijer correction).
    params_onestep : numpy.ndarray
        One-step estimates.
    nobs : int
        Observations (levels-equation rows in system GMM, transformed rows in difference GMM).
    n_groups : int
        Entities with at least one observation.
    n_instruments : int
        Instrument columns used.
    hansen, sargan : tuple (stat, df, p)
        Overidentification tests.
    ar : dict of int to (z, p)
        Arellano-Bond AR(j) tests.
    instruments : list of str
        Description of each instrument column.
    """

    names: list[str]
    params: np.ndarray
    std_errors: np.ndarray
    vcov: np.ndarray
    std_errors_uncorrected: np.ndarray | None
    params_onestep: np.ndarray
    nobs: int
    n_groups: int
    n_instruments: int
    hansen: tuple[float, int, float]
    sargan: tuple[float, int, float]
    ar: dict[int, tuple[float, float]]
    instruments: list[str] = field(default_factory=list)
    steps: int = 1
    robust: bool = True


@_one_blas_thread
def dpd_gmm(
    y: np.ndarray,
    X: np.ndarray,
    names: Sequence[str],
    *,
    gmm: Sequence[GmmStyle],
    iv: Sequence[IvStyle] = (),
    system: bool = False,
    transformation: Transformation = "fd",
    steps: int = 1,
    robust: bool = True,
    constant: bool = True,
    droppable: Sequence[str] = (),
    ar_orders: Sequence[int] = (1, 2),
) -> GmmFit:
    """Arellano-Bond difference GMM or Blundell-Bond system GMM on a rectangular panel.

    Parameters
    ----------
    y : numpy.ndarray
        ``(N, T)`` dependent variable in levels (NaN where missing).
    X : numpy.ndarray
        ``(N, T, K)`` regressors in levels (lags already formed on the period grid).
    names : sequence of str
        The ``K`` regressor names.
    gmm, iv : sequences of GmmStyle, IvStyle
        Instrument blocks.
    system : bool
        System GMM (levels equation added) instead of difference GMM.
    transformation : {"fd", "fod"}
        First differences or forward orthogonal deviations.
    steps : {1, 2}
        One-step or two-step.
    robust : bool
        Robust one-step / Windmeijer-corrected two-step standard errors.
    constant : bool
        Include a constant in system GMM (ignored in difference GMM, where it is differenced away).
    droppable : sequence of str
        Regressors (time dummies) that may be dropped when collinear; the earliest are dropped first.
    ar_orders : sequence of int
        Orders of the Arellano-Bond tests.

    Returns
    -------
    GmmFit
    """
    if steps not in (1, 2):
        raise ValueError(f"steps must be 1 or 2, got {steps!r}")
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    N, T = y.shape
    K = X.shape[2]
    names = list(names)
    ivs_ok = np.ones((N, T), dtype=bool)
    for blk in iv:
        ivs_ok &= np.isfinite(blk.series).all(axis=2)
    complete = np.isfinite(y) & np.isfinite(X).all(axis=2)

    # ---- transformed equation
    if transformation == "fd":
        yd, Xd = _fd(y[:, :, None])[:, :, 0], _fd(X)
    elif transformation == "fod":
        yd, Xd = _fod(y, complete), _fod(X, complete)
    else:
        raise ValueError(f"transformation must be 'fd' or 'fod', got {transformation!r}")
    d_ok = np.isfinite(yd) & np.isfinite(Xd).all(axis=2)
    # IV-style instruments of the difference equation must exist for the row (transformed unless passthru)
    iv_d_series: list[np.ndarray] = []
    for blk in iv:
        if blk.equation in ("diff", "both"):
            s = blk.series if blk.passthru else (_fd(blk.series) if transformation == "fd"
                                                   else _fod(blk.series, complete))
            iv_d_series.append(s)
            d_ok &= np.isfinite(s).all(axis=2)
    l_ok = complete & ivs_ok if system else np.zeros((N, T), dtype=bool)

    R = 2 * T if system else T
    # stacked rows: [diff rows t=0..T-1, level rows t=0..T-1]
    Xs = np.zeros((N, R, K + (1 if system and constant else 0)))
    ys = np.zeros((N, R))
    Xs[:, :T, :K] = np.where(d_ok[:, :, None], Xd, 0.0)
    ys[:, :T] = np.where(d_ok, yd, 0.0)
    if system:
        Xs[:, T:, :K] = np.where(l_ok[:, :, None], X, 0.0)
        ys[:, T:] = np.where(l_ok, y, 0.0)
        if constant:
            Xs[:, T:, K] = l_ok.astype(float)
    rows_ok = np.concatenate([d_ok, l_ok], axis=1) if system else d_ok
    all_names = names + (["const"] if system and constant else [])

    # ---- drop collinear regressors (time dummies, earliest first)
    Xs2 = Xs.reshape(N * R, -1)
    gram = Xs2.T @ Xs2
    order = [j for j, n in enumerate(all_names) if n not in droppable]
    order += [j for j, n in reversed(list(enumerate(all_names))) if n in droppable]
    kept = _rank_keep(gram[np.ix_(order, order)])
    keep_idx = sorted(order[k] for k in kept)
    dropped = [all_names[j] for j in range(len(all_names)) if j not in keep_idx]
    nondroppable_dropped = [d for d in dropped if d not in droppable]
    if nondroppable_dropped:
        raise ValueError(f"regressors collinear in the GMM sample: {nondroppable_dropped}")
    # (kept as fancy indexing: its result is laid out (K, N, R) in memory, and the BLAS products
    # below sum in an order that depends on that layout; np.take would change the last bits)
    Xs = Xs[:, :, keep_idx]
    all_names = [all_names[j] for j in keep_idx]

    # ---- instruments
    # a GMM-style column is kept as (first row, values): an (N, w) block of the stacked rows
    # first..first+w-1, zero elsewhere; all columns are written into one preallocated (N, R, L)
    # array below (no (N, R) array per column and no np.stack of them)
    gcols: list[tuple[int, np.ndarray]] = []
    zdesc: list[str] = []
    t_idx = np.arange(T)
    for blk in gmm:
        m = blk.series.shape[2]
        lmax = blk.lag_max if blk.lag_max is not None else T
        for v in range(m):
            z = blk.series[:, :, v]
            vname = blk.names[v] if blk.names else f"gmm{v}"
            if blk.equation in ("diff", "both"):
                for lag in range(blk.lag_min, lmax + 1):
                    zl = np.full((N, T), np.nan)
                    if lag < T:
                        zl[:, lag:] = z[:, : T - lag]
                    zl = np.where(np.isfinite(zl) & d_ok, zl, 0.0)
                    if blk.collapse:
                        gcols.append((0, zl))
                        zdesc.append(f"gmm diff L{lag}.{vname} (collapsed)")
                    else:
                        for t in t_idx:
                            if not zl[:, t].any():
                                continue
                            gcols.append((t, zl[:, t : t + 1]))
                            zdesc.append(f"gmm diff L{lag}.{vname} t={t}")
            if system and blk.equation in ("level", "both"):
                lag = max(blk.lag_min - 1, 0)
                dz = _fd(z[:, :, None])[:, :, 0]
                zl = np.full((N, T), np.nan)
                zl[:, lag:] = dz[:, : T - lag]
                zl = np.where(np.isfinite(zl) & l_ok, zl, 0.0)
                if blk.collapse:
                    gcols.append((T, zl))
                    zdesc.append(f"gmm level DL{lag}.{vname} (collapsed)")
                else:
                    for t in t_idx:
                        if not zl[:, t].any():
                            continue
                        gcols.append((T + t, zl[:, t : t + 1]))
                        zdesc.append(f"gmm level DL{lag}.{vname} t={t}")
    ivdesc: list[str] = []
    for blk in iv:
        for v in range(blk.series.shape[2]):
            vname = blk.names[v] if blk.names else f"iv{v}"
            ivdesc.append(f"iv {blk.equation if system else 'diff'} {vname}")
    if system and constant:
        ivdesc.append("iv level const")
    # IV-style columns, one per variable: transformed values in the difference rows, levels in the
    # levels rows (xtabond2 eq(both) and pydynpd iv()), a block of variables at a time. The rows
    # kept (d_ok, l_ok) have finite instruments, so copying them into zeros is
    # np.where(ok, np.nan_to_num(values), 0) without its temporaries.
    niv = len(ivdesc)
    Ziv = np.zeros((N, R, niv))
    j = 0
    di = 0
    for blk in iv:
        m = blk.series.shape[2]
        if blk.equation in ("diff", "both"):
            np.copyto(Ziv[:, :T, j : j + m], iv_d_series[di], where=d_ok[:, :, None])
            di += 1
        if system and blk.equation in ("level", "both"):
            np.copyto(Ziv[:, T:, j : j + m], blk.series, where=l_ok[:, :, None])
        j += m
    if system and constant:
        Ziv[:, T:, j] = l_ok
    kiv: list[int] = []
    if niv:
        Ziv2 = Ziv.reshape(N * R, niv)
        kiv = [int(k) for k in _rank_keep(Ziv2.T @ Ziv2)]
    if not gcols and not kiv:
        raise ValueError("no instruments")
    # drop all-zero columns: GMM-style ones by their values (finite, so nonzero iff np.abs(c).sum() > 0);
    # an all-zero IV-style column has a zero row in the Gram matrix, so the rank check dropped it
    gnz = [k for k, (_, vals) in enumerate(gcols) if vals.any()]
    zdesc = [zdesc[k] for k in gnz] + [ivdesc[k] for k in kiv]
    if not zdesc:
        raise ValueError("need at least one array to stack")  # what the former np.stack of no columns raised
    # one C-ordered (N, R, L) array, the layout of the former np.stack of per-column (N, R) arrays
    # (the BLAS products below sum in an order that depends on it)
    ng = len(gnz)
    Z = np.zeros((N, R, ng + len(kiv)))
    for c, k in enumerate(gnz):
        r0, vals = gcols[k]
        Z[:, r0 : r0 + vals.shape[1], c] = vals
    if kiv:
        Z[:, :, ng:] = Ziv if len(kiv) == niv else np.take(Ziv, kiv, axis=2)
    del gcols, Ziv
    L = Z.shape[2]
    Kf = Xs.shape[2]

    # ---- H (xtabond2 h(3))
    if transformation == "fd":
        Kop = np.eye(T) - np.eye(T, k=-1)  # row t: e_t - e_{t-1}
        Hd = Kop @ Kop.T
    else:
        Kop = np.eye(T)
        Hd = np.eye(T)
    if system:
        H = np.block([[Hd, Kop], [Kop.T, np.eye(T)]])
    else:
        H = Hd

    # moment matrices as BLAS products of the stacked (N R, L) instruments (einsum over the 3-d
    # arrays copied and looped; same sums up to rounding).
    # NB the estimates are sensitive to the rounding of Z'HZ and Z_i'e_i (a last-bit change there,
    # e.g. symmetrising Z'HZ or Z'HZ = W'W with W_i = B'Z_i and H = BB', moves the coefficients by
    # ~1e-8 relative through the pinv), so these products are kept exactly as they are.
    Z2 = Z.reshape(N * R, L)
    Xs2 = Xs.reshape(N * R, Kf)
    ZX = Z2.T @ Xs2
    Zy = Z2.T @ ys.ravel()
    ZHZ = Z2.T @ np.matmul(H, Z).reshape(N * R, L)
    A1 = np.linalg.pinv(ZHZ)

    def _step(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        M = np.linalg.inv(ZX.T @ A @ ZX)
        b = M @ (ZX.T @ A @ Zy)
        e = ys - (Xs2 @ b).reshape(N, R)
        return b, M, e

    b1, M1, e1 = _step(A1)
    Ze1 = np.matmul(e1[:, None, :], Z)[:, 0, :]  # per-entity moment contributions Z_i'e_i
    S1 = Ze1.T @ Ze1
    G1 = M1 @ ZX.T @ A1  # b1 - beta ~ G1 Z'e
    V1r = G1 @ S1 @ G1.T
    # one-step homoskedastic sigma^2 of the idiosyncratic error from the transformed-equation residuals
    # (e'e / 2n for first differences, e'e / n for orthogonal deviations; xtabond2, no df correction)
    ed = e1[:, :T]
    nd = int(d_ok.sum())
    sig2 = float((ed**2).sum()) / (2.0 if transformation == "fd" else 1.0) / max(nd, 1)
    gz1 = Ze1.sum(axis=0)
    sargan_v = float(gz1 @ A1 @ gz1) / sig2
    A2 = np.linalg.pinv(S1)
    b2, M2, e2 = _step(A2)
    Ze2 = np.matmul(e2[:, None, :], Z)[:, 0, :]
    gz2 = Ze2.sum(axis=0)
    hansen_v = float(gz2 @ A2 @ gz2)
    df_over = L - Kf

    se_unc: np.ndarray | None = None
    if steps == 1:
        b, V, G, Ze, e = b1, (V1r if robust else sig2 * M1), G1, Ze1, e1
    else:
        G2 = M2 @ ZX.T @ A2
        if robust:
            # Windmeijer (2005): D[:, k] = -G2 (dS/db_k) A2 Z'e2 with dS/db_k = -sum_i Z_i'(x_k e' + e x_k')Z_i
            a2g = A2 @ gz2
            # dS_k a2g = -(C_k + C_k') a2g with C_k = sum_i (Z_i' x_k)(Z_i' e1_i)', for all k at once:
            # C_k a2g = sum_i (Z_i' x_k) (e1_i' Z_i a2g) = Z' diag(c) x_k with c_i = e1_i' Z_i a2g, and
            # C_k' a2g = sum_i (Z_i' e1_i) (x_k' Z_i a2g) = Ze1' q_k with q_ik = x_ik' (Z_i a2g)
            # (two BLAS products over the stacked rows; neither the L x L matrices dS_k nor the
            # (N, L, K) array of the Z_i'X_i)
            c = Ze1 @ a2g
            q = np.matmul((Z2 @ a2g).reshape(N, 1, R), Xs)[:, 0, :]
            dS_a = -(Z2.T @ (Xs * c[:, None, None]).reshape(N * R, Kf) + Ze1.T @ q)
            D = -G2 @ dS_a
            V = M2 + D @ M2 + M2 @ D.T + D @ V1r @ D.T
        else:
            V = M2
        se_unc = np.sqrt(np.diag(M2))
        b, G, Ze, e = b2, G2, Ze2, e2

    # ---- Arellano-Bond AR tests on first-differenced residuals
    ar: dict[int, tuple[float, float]] = {}
    if transformation == "fd" and keep_idx:
        # the first-difference rows of the stacked arrays already are the differenced residuals and
        # regressors on the AR sample (d_ok; zero elsewhere, and the constant's column zero there)
        w = e[:, :T]

        def _xw(wl: np.ndarray) -> np.ndarray:
            """sum_it wl_it x_it as one product over the stacked rows (wl zero-padded in the level rows)."""
            wr = np.zeros((N, R))
            wr[:, :T] = wl
            return Xs2.T @ wr.ravel()
    else:
        Xlev_k = X[:, :, [j for j in keep_idx if j < K]] if keep_idx else X
        bk = b[: Xlev_k.shape[2]]
        ylev_fd = _fd(y[:, :, None])[:, :, 0]
        Xlev_fd = _fd(Xlev_k)
        fd_ok = np.isfinite(ylev_fd) & np.isfinite(Xlev_fd).all(axis=2) & (d_ok if transformation == "fd" else complete)
        if transformation == "fod":
            fd_ok &= np.roll(complete, 1, axis=1) & (t_idx[None, :] >= 1)
        w = np.where(fd_ok, ylev_fd - np.einsum("ntk,k->nt", np.nan_to_num(Xlev_fd), bk), 0.0)
        Xw = np.zeros((N, T, Kf))
        Xw[:, :, : Xlev_k.shape[2]] = np.where(fd_ok[:, :, None], np.nan_to_num(Xlev_fd), 0.0)

        def _xw(wl: np.ndarray) -> np.ndarray:
            return np.einsum("nt,ntk->k", wl, Xw)
    for j in ar_orders:
        wl = np.zeros_like(w)
        wl[:, j:] = w[:, :-j]
        c_i = (wl * w).sum(axis=1)
        d0 = c_i.sum()
        d1 = float((c_i**2).sum())
        ex = _xw(wl)
        d2 = -2.0 * float(ex @ G @ (Ze.T @ c_i))
        d3 = float(ex @ V @ ex)
        z = d0 / np.sqrt(d1 + d2 + d3)
        ar[j] = (float(z), float(2 * _st.norm.sf(abs(z))))

    return GmmFit(
        names=all_names,
        params=b,
        std_errors=np.sqrt(np.diag(V)),
        vcov=V,
        std_errors_uncorrected=se_unc,
        params_onestep=b1,
        nobs=int(l_ok.sum()) if system else nd,
        n_groups=int(rows_ok.any(axis=1).sum()),
        n_instruments=L,
        hansen=(hansen_v, df_over, float(_st.chi2.sf(hansen_v, df_over))),
        sargan=(sargan_v, df_over, float(_st.chi2.sf(sargan_v, df_over))),
        ar=ar,
        instruments=zdesc,
        steps=steps,
        robust=robust,
    )

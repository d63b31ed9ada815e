"""Least squares on panel arrays: the array core of the linear panel estimators (no pandas frames, no spec).

:func:`absorb` (the within transformation), :func:`linear_fit` (least squares with classic, robust or
clustered covariance, :func:`sandwich_cov`), :func:`fe_arrays` (within-transformed arrays with Stata's
constant), :func:`random_effects` (Swamy-Arora) and :func:`hausman`. The small-sample conventions are
those documented in :mod:`analysis.estimators.panel`; IV, mediation and GMM reuse these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as st

from analysis.estimators import SpecError
from analysis.estimators.results import TestStat


@dataclass(frozen=True)
class LinearFit:
    """Array-level least-squares result.

    Attributes
    ----------
    params, cov : numpy.ndarray
        Coefficients and their covariance matrix.
    resid : numpy.ndarray
        Residuals of the (transformed) regression.
    nobs : int
    df_resid : float
        Degrees of freedom for t inference (``G - 1`` when clustered).
    ssr : float
    n_clusters : int or None
    """

    params: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    nobs: int
    df_resid: float
    ssr: float
    n_clusters: int | None = None

    @property
    def std_errors(self) -> np.ndarray:
        """Square roots of the covariance diagonal."""
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    codes, uniq = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), len(uniq)


def group_demean(a: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract group means (rows grouped by integer ``codes``) from every column of ``a``."""
    a2 = a.reshape(len(a), -1)
    sums = np.zeros((n_groups, a2.shape[1]))
    np.add.at(sums, codes, a2)
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    out = a2 - (sums / counts[:, None])[codes]
    return out.reshape(a.shape)


def absorb(a: np.ndarray, entity: np.ndarray, time: np.ndarray,
           effects: Sequence[str]) -> tuple[np.ndarray, int]:
    """Within transformation removing entity and/or time effects exactly.

    Parameters
    ----------
    a : numpy.ndarray
        ``N x m`` columns to transform.
    entity, time : numpy.ndarray
        Integer codes ``0..n-1`` and ``0..T-1``.
    effects : sequence of str
        Subset of ``("entity", "time")``.

    Returns
    -------
    transformed : numpy.ndarray
    n_absorbed : int
        Number of fixed-effect parameters absorbed, *including* the one that plays the constant
        (0 without effects). For two-way effects on an unbalanced panel the entity-demeaned time
        dummies are partialled out by least squares, which is exact; their rank gives the count.
    """
    a = np.asarray(a, dtype=float)
    eff = set(effects)
    if not eff:
        return a.copy(), 0
    n_e = int(entity.max()) + 1 if len(entity) else 0
    n_t = int(time.max()) + 1 if len(time) else 0
    if eff == {"entity"}:
        return group_demean(a, entity, n_e), n_e
    if eff == {"time"}:
        return group_demean(a, time, n_t), n_t
    # two-way: entity-demean, then project out the entity-demeaned time dummies
    ad = group_demean(a, entity, n_e)
    if n_t < 2:
        return ad, n_e
    dummies = np.zeros((len(time), n_t - 1))
    rows = np.nonzero(time > 0)[0]
    dummies[rows, time[rows] - 1] = 1.0
    dd = group_demean(dummies, entity, n_e)
    # project out span(dd) through its small Gram matrix (eigendecomposition handles rank loss)
    lam, vec = np.linalg.eigh(dd.T @ dd)
    keep = lam > 1e-10 * max(float(lam.max(initial=0.0)), 1.0)
    proj = (vec[:, keep] / lam[keep]) @ vec[:, keep].T
    a2 = ad.reshape(len(ad), -1)
    out = a2 - dd @ (proj @ (dd.T @ a2))
    return out.reshape(a.shape), n_e + int(keep.sum())


def _collinear_columns(x: np.ndarray, names: Sequence[str]) -> list[str]:
    """Names of columns that add nothing to the span of the columns before them."""
    bad: list[str] = []
    kept: list[int] = []
    scale = np.linalg.norm(x, axis=0)
    for j in range(x.shape[1]):
        if scale[j] <= 1e-12 * max(1.0, float(scale.max(initial=0.0))):
            bad.append(names[j])
            continue
        cand = kept + [j]
        xs = x[:, cand] / scale[cand]
        if np.linalg.matrix_rank(xs, tol=1e-9) < len(cand):
            bad.append(names[j])
        else:
            kept.append(j)
    return bad


def sandwich_cov(xs: np.ndarray, e: np.ndarray, bread: np.ndarray, *, cov_type: str,
                 clusters: np.ndarray | None, df_resid: float, big_k: int,
                 where: str = "model") -> tuple[np.ndarray, float, int | None]:
    """Covariance ``bread @ meat @ bread`` with the small-sample factors of the module notes.

    Parameters
    ----------
    xs : numpy.ndarray
        ``N x k`` score regressors (``X`` for OLS, the fitted ``X-hat`` for 2SLS).
    e : numpy.ndarray
        Residuals.
    bread : numpy.ndarray
        ``(xs' xs)^-1``.
    cov_type : str
        ``classic``, ``robust`` or ``clustered``.
    clusters : numpy.ndarray or None
        Cluster labels for ``clustered``.
    df_resid : float
        ``N - k - A`` (classic variance divisor and robust factor).
    big_k : int
        ``K`` of the cluster factor ``G/(G-1) (N-1)/(N-K)``.

    Returns
    -------
    cov, t_df, n_clusters
    """
    n, k = xs.shape
    if cov_type in ("classic", "unadjusted", "homoskedastic"):
        return float(e @ e) / df_resid * bread, float(df_resid), None
    if cov_type in ("robust", "heteroskedastic"):
        xe = xs * e[:, None]
        return n / df_resid * bread @ (xe.T @ xe) @ bread, float(df_resid), None
    if cov_type == "clustered":
        if clusters is None:
            raise SpecError(f"{where}: clustered covariance needs cluster labels")
        codes, g = _codes(np.asarray(clusters))
        if g < 2:
            raise SpecError(f"{where}: clustered covariance needs at least 2 clusters, got {g}")
        scores = np.zeros((g, k))
        np.add.at(scores, codes, xs * e[:, None])
        factor = g / (g - 1) * (n - 1) / (n - big_k)
        return factor * bread @ (scores.T @ scores) @ bread, float(g - 1), g
    raise SpecError(f"{where}: unknown covariance type {cov_type!r}")


def linear_fit(y: np.ndarray, x: np.ndarray, *, cov_type: str = "classic",
               clusters: np.ndarray | None = None, n_absorbed: int = 0,
               n_absorbed_not_nested: int | None = None,
               names: Sequence[str] | None = None, where: str = "model") -> LinearFit:
    """Least squares with a classic, HC1 or clustered covariance.

    Parameters
    ----------
    y : numpy.ndarray
        ``N`` dependent values (already transformed).
    x : numpy.ndarray
        ``N x k`` regressors (already transformed; include the constant column if any).
    cov_type : {"classic", "robust", "clustered"}
        See the module notes for the small-sample factors.
    clusters : numpy.ndarray, optional
        Cluster labels, required when ``cov_type == "clustered"``.
    n_absorbed : int
        Fixed-effect parameters absorbed beyond the columns of ``x`` (for the residual degrees of
        freedom).
    n_absorbed_not_nested : int, optional
        Absorbed parameters *not* nested in the clusters (counted in ``K`` of the cluster factor).
        Defaults to ``n_absorbed``.
    names : sequence of str, optional
        Column names (for error messages).
    where : str
        Prefix of error messages (the model).

    Returns
    -------
    LinearFit
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    names = list(names) if names is not None else [f"x{j}" for j in range(k)]
    df_resid = n - k - n_absorbed
    if df_resid <= 0:
        raise SpecError(
            f"{where}: too few observations: N = {n} for {k} coefficients and {n_absorbed} fixed "
            f"effects (residual degrees of freedom {df_resid})"
        )
    if k and np.linalg.matrix_rank(x) < k:
        bad = _collinear_columns(x, names)
        raise SpecError(
            f"{where}: singular design: {', '.join(repr(b) for b in bad)} "
            "collinear with the other regressors or absorbed by the fixed effects"
        )
    xtx_inv = np.linalg.inv(x.T @ x)
    b = xtx_inv @ (x.T @ y)
    e = y - x @ b
    ssr = float(e @ e)
    big_k = k + (n_absorbed if n_absorbed_not_nested is None else n_absorbed_not_nested)
    cov, t_df, n_clusters = sandwich_cov(x, e, xtx_inv, cov_type=cov_type, clusters=clusters,
                                         df_resid=df_resid, big_k=big_k, where=where)
    return LinearFit(params=b, cov=cov, resid=e, nobs=n, df_resid=float(t_df), ssr=ssr,
                     n_clusters=n_clusters)


@dataclass(frozen=True)
class FEArrays:
    """Within-transformed arrays of a fixed-effects model (see :func:`fe_arrays`)."""

    y: np.ndarray
    x: np.ndarray
    y_within: np.ndarray
    n_absorbed: int
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    x_within: np.ndarray | None = None

    def check_rank(self, names: Sequence[str], where: str) -> None:
        """Fail naming the regressors that are collinear or absorbed by the fixed effects.

        Checked on the within-transformed regressors (before the grand means are added back), so a
        variable constant within entities is reported by name rather than as the constant.
        """
        n, k = self.x.shape
        if n - k - self.n_absorbed <= 0:
            raise SpecError(f"{where}: too few observations: N = {n} for {k} coefficients and "
                            f"{self.n_absorbed} fixed effects")
        xw = self.x_within if self.x_within is not None else self.x
        xn = list(names)[: xw.shape[1]]
        if xw.shape[1] and np.linalg.matrix_rank(xw) < xw.shape[1]:
            bad = _collinear_columns(xw, xn)
            raise SpecError(f"{where}: singular design: {', '.join(repr(b) for b in bad)} collinear "
                            "with the other regressors or absorbed by the fixed effects")


def fe_arrays(y: np.ndarray, x: np.ndarray, entity: np.ndarray, time: np.ndarray,
              effects: Sequence[str], *, add_constant: bool = True,
              extra: Mapping[str, np.ndarray] | None = None) -> FEArrays:
    """Transform ``y``, ``x`` (and ``extra`` blocks) for an FE regression with Stata's constant.

    Without effects the constant column is appended as is (pooled OLS). With effects the data are
    within-transformed, the grand means are added back and a constant column is appended, so the
    constant is ``mean(y) - mean(x) b``; ``n_absorbed`` then counts the fixed effects beyond it.
    """
    blocks = {"y": y.reshape(-1, 1), "x": x.reshape(len(y), -1)}
    for name, arr in (extra or {}).items():
        blocks[name] = arr.reshape(len(y), -1)
    widths = {k: v.shape[1] for k, v in blocks.items()}
    stacked = np.hstack(list(blocks.values()))
    transformed, n_abs = absorb(stacked, entity, time, effects)
    y_within = transformed[:, 0].copy()
    x_within = transformed[:, 1:1 + widths["x"]].copy() if effects else None
    if effects and add_constant:
        transformed = transformed + stacked.mean(axis=0)
    out: dict[str, np.ndarray] = {}
    pos = 0
    for name, w in widths.items():
        out[name] = transformed[:, pos:pos + w]
        pos += w
    xx = out.pop("x")
    yy = out.pop("y")[:, 0]
    if add_constant:
        xx = np.hstack([xx, np.ones((len(yy), 1))])
    n_extra = max(n_abs - 1, 0) if add_constant else n_abs
    return FEArrays(y=yy, x=xx, y_within=y_within, n_absorbed=n_extra, extra=out, x_within=x_within)


def not_nested_absorbed(effects: Sequence[str], cluster_by: str | None, entity: np.ndarray,
                        time: np.ndarray, n_absorbed: int) -> int:
    """Absorbed parameters (beyond the constant) not nested in the clusters, for the cluster ``K``."""
    eff = set(effects)
    if cluster_by is None or not eff:
        return n_absorbed
    n_e = int(entity.max()) + 1
    n_t = int(time.max()) + 1
    if eff == {"entity"}:
        return 0 if cluster_by == "entity" else n_absorbed
    if eff == {"time"}:
        return 0 if cluster_by == "time" else n_absorbed
    # two-way: n_absorbed = (n_e - 1) + rank of the time part
    time_part = n_absorbed - (n_e - 1)
    if cluster_by == "entity":
        return time_part
    if cluster_by == "time":
        return n_e - 1 if time_part == n_t - 1 else n_absorbed
    return n_absorbed


@dataclass(frozen=True)
class REFit:
    """Random-effects (Swamy-Arora) array result."""

    fit: LinearFit
    sigma2_e: float
    sigma2_u: float
    theta: np.ndarray
    r2: float


def random_effects(y: np.ndarray, x: np.ndarray, entity: np.ndarray, *, cov_type: str = "classic",
                   clusters: np.ndarray | None = None, names: Sequence[str] | None = None,
                   where: str = "model") -> REFit:
    """Swamy-Arora random-effects GLS (``x`` without the constant; one is added).

    Returns
    -------
    REFit
        ``fit.params`` ends with the constant.
    """
    n = len(y)
    k = x.shape[1]
    names = list(names or [f"x{j}" for j in range(k)])
    codes, n_e = _codes(entity)
    zero_t = np.zeros(n, dtype=np.int64)
    # within
    fa = fe_arrays(y, x, codes, zero_t, ["entity"], add_constant=False)
    wfit = linear_fit(fa.y, fa.x, n_absorbed=n_e, names=names, where=where)
    s2e = wfit.ssr / (n - n_e - k)
    # between on entity means (with constant)
    counts = np.bincount(codes, minlength=n_e).astype(float)
    z = np.column_stack([y, x])
    means = np.zeros((n_e, k + 1))
    np.add.at(means, codes, z)
    means /= counts[:, None]
    xb = np.column_stack([means[:, 1:], np.ones(n_e)])
    if n_e - (k + 1) <= 0:
        raise SpecError(f"{where}: too few entities ({n_e}) for the between regression of RE")
    bfit = linear_fit(means[:, 0], xb, names=[*names, "const"], where=f"{where} (between)")
    t_harm = n_e / np.sum(1.0 / counts)
    s2u = max(bfit.ssr / (n_e - (k + 1)) - s2e / t_harm, 0.0)
    theta_g = 1.0 - np.sqrt(s2e / (counts * s2u + s2e))
    theta = theta_g[codes]
    ys = y - theta * means[codes, 0]
    xs = np.column_stack([x - theta[:, None] * means[codes, 1:], 1.0 - theta])
    fit = linear_fit(ys, xs, cov_type=cov_type, clusters=clusters, names=[*names, "const"], where=where)
    r2 = 1.0 - fit.ssr / float(np.sum((ys - ys.mean()) ** 2))
    return REFit(fit=fit, sigma2_e=s2e, sigma2_u=s2u, theta=theta, r2=r2)


def hausman(b_fe: np.ndarray, v_fe: np.ndarray, b_re: np.ndarray, v_re: np.ndarray) -> TestStat:
    """Hausman chi-squared statistic ``d' (V_fe - V_re)^-1 d`` with ``d = b_fe - b_re``."""
    d = np.asarray(b_fe) - np.asarray(b_re)
    vd = np.asarray(v_fe) - np.asarray(v_re)
    note = None
    try:
        eig = np.linalg.eigvalsh(vd)
        if eig.min() <= 0:
            note = "V_fe - V_re not positive definite; generalised inverse used"
        stat = float(d @ np.linalg.pinv(vd) @ d)
    except np.linalg.LinAlgError:  # pragma: no cover
        stat, note = float("nan"), "covariance difference not invertible"
    df = len(d)
    if stat < 0:  # as Stata: a negative statistic means the test's assumptions fail; no p-value
        return TestStat(value=stat, p_value=None, df=df, dist="chi2",
                        note="negative statistic: V_fe - V_re not positive semi-definite")
    return TestStat(value=stat, p_value=float(st.chi2.sf(stat, df)), df=df, dist="chi2", note=note)

"""Linear panel estimators: pooled OLS, fixed effects (entity, time, two-way), random effects.

Array cores (no pandas, no spec) come first: :func:`absorb` (the within transformation),
:func:`linear_fit` (least squares with classic, robust or clustered covariance), :func:`random_effects`
and :func:`hausman`. The spec layer (:func:`build_design` and the functions registered as ``ols``,
``fe`` and ``re``) turns a model mapping and a panel into arrays and a
:class:`~analysis.estimators.results.ModelResult`.

Small-sample conventions (tested in ``tests/estimators/test_panel_reference.py``)
---------------------------------------------------------------------
``N`` observations, ``k`` regressors including the constant, ``A`` fixed-effect parameters absorbed
beyond the constant (entity: ``n - 1``; time: ``T - 1``; two-way: ``n - 1 + T - 1`` for a connected
panel, computed as a rank), ``G`` clusters.

- classic: ``s^2 = SSR / (N - k - A)`` (Stata ``xtreg, fe``/``areg``, R ``plm``/``lm`` with dummies);
- robust (heteroskedasticity-consistent, HC1): ``N / (N - k - A)`` times the White sandwich (Stata
  ``regress``/``areg, vce(robust)``, R ``sandwich::vcovHC(type = "HC1")`` on the dummy regression).
  Note that Stata's ``xtreg, fe vce(robust)`` is in fact clustered by entity; ask for
  ``cov: {type: clustered, by: entity}`` to get it;
- clustered: ``G/(G-1) * (N-1)/(N-K)`` times the cluster sandwich, where ``K = k`` plus the
  absorbed fixed effects that are *not* nested in the clusters (entity effects are nested in entity
  clusters, time effects in time clusters). This is Stata's ``xtreg, fe vce(cluster id)`` (and
  ``reghdfe``, ``fixest``'s default ``ssc``): for two-way FE clustered by entity ``K = k + T - 1``.
  Inference uses a t distribution with ``G - 1`` degrees of freedom, as Stata does.

The fixed-effects constant is Stata's: the grand means are added back after the within
transformation, so ``const = mean(y) - mean(X) b`` with a standard error from the same covariance.
The within R^2 (``r2_within``) is ``1 - SSR / TSS`` of the dependent variable after removing every
absorbed effect (R ``plm``'s R^2 of a within model; ``reghdfe``'s "Within R-sq.").

Random effects are Swamy-Arora: ``s2_e`` from the within regression, ``s2_u = SSR_b/(n - k_b) -
s2_e / T_h`` from the between regression on entity means (``T_h`` the harmonic mean of the entity
sizes; on a balanced panel this is R ``plm``'s ``random.method = "swar"`` exactly), quasi-demeaning with
``theta_i = 1 - sqrt(s2_e / (T_i s2_u + s2_e))`` and OLS on the transformed data. Time effects in an
RE model enter as year dummies. ``hausman`` compares the FE and RE slopes with the classic
covariances (``plm::phtest``, Stata ``hausman``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from analysis.estimators import FitContext, SpecError, register
from analysis.estimators.results import ModelResult, TestStat
from analysis.estimators.terms import evaluate_terms

__all__ = [
    "LinearFit",
    "Design",
    "absorb",
    "sandwich_cov",
    "linear_fit",
    "random_effects",
    "hausman",
    "build_design",
    "fit_ols",
    "fit_fe",
    "fit_re",
    "fe_arrays",
]


# =====================================================================================  array core
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


# =====================================================================================  spec layer
@dataclass(frozen=True)
class Design:
    """Evaluated model data after dropping incomplete rows.

    Attributes
    ----------
    blocks : dict of str to (names, array)
        ``"y"``, ``"x"``, and any other named group of terms (``"endog"``, ``"instruments"``).
    entity, time : numpy.ndarray
        Integer codes (sorted order of the labels).
    entity_labels : numpy.ndarray
        Entity label of every row (for clustering and bootstraps).
    index : pandas.Index
        Rows of the input data used.
    """

    blocks: dict[str, tuple[list[str], np.ndarray]]
    entity: np.ndarray
    time: np.ndarray
    entity_labels: np.ndarray
    time_labels: np.ndarray
    index: pd.Index

    def names(self, block: str) -> list[str]:
        """Term names of a block."""
        return self.blocks[block][0]

    def arr(self, block: str) -> np.ndarray:
        """Array of a block (``N x m``; ``y`` is 1-D)."""
        return self.blocks[block][1]

    @property
    def nobs(self) -> int:
        """Rows used."""
        return len(self.index)

    @property
    def n_entities(self) -> int:
        """Entities in the sample."""
        return int(self.entity.max()) + 1 if len(self.entity) else 0


def model_where(model: Mapping[str, Any]) -> str:
    """``model '<id>'`` for error messages."""
    return f"model {str(model.get('id', '?'))!r}"


def build_design(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext, *,
                 groups: Mapping[str, Sequence[str]], min_obs: int = 1) -> Design:
    """Evaluate the model's terms on ``data`` and drop rows with a missing value.

    Parameters
    ----------
    model : mapping
        The model (for its id in messages).
    data : pandas.DataFrame
        The panel after sample filters.
    ctx : FitContext
        Entity and time columns (and weights for ``W*`` terms).
    groups : mapping of str to sequence of str
        Named term groups, e.g. ``{"y": ["ami"], "x": [...]}``.
    min_obs : int
        Fewer complete rows than this is an error.
    """
    where = model_where(model)
    all_terms: list[str] = []
    for terms in groups.values():
        all_terms.extend(terms)
    for col in (ctx.entity, ctx.time):
        if col not in data.columns:
            raise SpecError(f"{where}: panel column {col!r} is not in the data")
    vals = evaluate_terms(data, all_terms, entity=ctx.entity, time=ctx.time, weights=ctx.weights,
                          model_id=str(model.get("id")))
    arr = vals.to_numpy(dtype=float)
    ok = np.all(np.isfinite(arr), axis=1) & data[ctx.entity].notna().to_numpy() & data[ctx.time].notna().to_numpy()
    n_ok = int(ok.sum())
    if n_ok < min_obs:
        raise SpecError(
            f"{where}: too few observations: {n_ok} complete rows (of {len(data)}) for the terms "
            f"{all_terms}; at least {min_obs} needed"
        )
    sub = vals.loc[ok]
    blocks: dict[str, tuple[list[str], np.ndarray]] = {}
    for name, terms in groups.items():
        terms = [str(t).strip() for t in terms]
        a = sub[terms].to_numpy(dtype=float) if terms else np.zeros((n_ok, 0))
        blocks[name] = (terms, a[:, 0] if name == "y" else a)
    ent_labels = data.loc[ok, ctx.entity].astype(str).to_numpy()
    time_labels = data.loc[ok, ctx.time].to_numpy()
    ent, _ = _codes(ent_labels)
    tim, _ = _codes(time_labels)
    return Design(blocks=blocks, entity=ent, time=tim, entity_labels=ent_labels,
                  time_labels=time_labels, index=sub.index)


def cov_options(model: Mapping[str, Any], design: Design) -> tuple[str, np.ndarray | None, str | None]:
    """``(cov_type, cluster labels, cluster dimension)`` from the model's ``cov:``."""
    cov = dict(model.get("cov") or {"type": "classic"})
    ctype = str(cov.get("type", "classic"))
    if ctype != "clustered":
        return ctype, None, None
    by = str(cov.get("by", "entity"))
    if by == "entity":
        return ctype, design.entity, "entity"
    if by == "time":
        return ctype, design.time, "time"
    raise SpecError(f"{model_where(model)}: cov.by must be entity or time, got {by!r}")


def cov_label(ctype: str, by: str | None) -> str:
    """``classic``, ``robust`` or ``clustered:<by>``."""
    return f"clustered:{by}" if ctype == "clustered" else ctype


def model_terms(model: Mapping[str, Any], key: str = "x") -> list[str]:
    """The model's term list under ``key`` (a single string or a list; missing: empty), stripped."""
    v = model.get(key) or []
    return [str(t).strip() for t in ([v] if isinstance(v, str) else v)]


def within_r2(ssr: float, y_within: np.ndarray) -> float:
    """Within R^2 ``1 - ssr / sum(y_within^2)``, NaN when the within variation of y is zero."""
    tss_w = float(np.sum(y_within ** 2))
    return 1.0 - ssr / tss_w if tss_w > 0 else float("nan")


@dataclass(frozen=True)
class FELinearFit:
    """An FE (or pooled OLS) least-squares fit with the model's covariance (:func:`fe_linear_fit`)."""

    arrays: FEArrays
    fit: LinearFit
    cov_type: str
    cluster_by: str | None


def fe_linear_fit(model: Mapping[str, Any], design: Design, y: np.ndarray, x: np.ndarray, *,
                  effects: Sequence[str], names: Sequence[str]) -> FELinearFit:
    """Regress ``y`` on ``x`` and a constant after absorbing ``effects``, with the model's ``cov:``.

    Parameters
    ----------
    model : mapping
        The model (``cov:`` and its id for messages).
    design : Design
        The evaluated design (entity and time codes, cluster labels).
    y, x : numpy.ndarray
        Dependent variable and regressors (rows of ``design``).
    effects : sequence of str
        Fixed effects to absorb (empty: pooled OLS).
    names : sequence of str
        Names of the columns of ``x`` and ``"const"`` (for rank errors and the fit).
    """
    where = model_where(model)
    fa = fe_arrays(y, x, design.entity, design.time, effects)
    ctype, clusters, by = cov_options(model, design)
    nn = not_nested_absorbed(effects, by, design.entity, design.time, fa.n_absorbed)
    fa.check_rank(names, where)
    fit = linear_fit(fa.y, fa.x, cov_type=ctype, clusters=clusters, n_absorbed=fa.n_absorbed,
                     n_absorbed_not_nested=nn, names=list(names), where=where)
    return FELinearFit(arrays=fa, fit=fit, cov_type=ctype, cluster_by=by)


def fit_fe_design(model: Mapping[str, Any], design: Design, *, effects: Sequence[str],
                  estimator: str) -> ModelResult:
    """Fit OLS (no effects) or FE on an evaluated design."""
    names = [*design.names("x"), "const"]
    fe = fe_linear_fit(model, design, design.arr("y"), design.arr("x"), effects=effects, names=names)
    fa, fit, ctype, by = fe.arrays, fe.fit, fe.cov_type, fe.cluster_by
    diags: dict[str, TestStat] = {}
    if effects:
        diags["r2_within"] = TestStat(within_r2(fit.ssr, fa.y_within))
    y = design.arr("y")
    tss = float(np.sum((y - y.mean()) ** 2))
    if not effects:
        diags["r2"] = TestStat(1.0 - fit.ssr / tss)
    else:
        # R^2 of the model including the fixed effects (LSDV R^2, Stata areg/reghdfe "R-squared")
        diags["r2_lsdv"] = TestStat(1.0 - fit.ssr / tss)
    info: dict[str, Any] = {"n_absorbed": fa.n_absorbed}
    if fit.n_clusters:
        info["n_clusters"] = fit.n_clusters
    return ModelResult.from_arrays(
        model_id=str(model["id"]), estimator=estimator, dependent=design.names("y")[0], terms=names,
        params=fit.params, std_errors=fit.std_errors, nobs=fit.nobs, df_resid=fit.df_resid,
        n_entities=design.n_entities, cov_type=cov_label(ctype, by), fixed_effects=tuple(effects),
        diagnostics=diags, info=info,
    )


@register("ols")
def fit_ols(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Pooled OLS with a constant (``effects:`` is not allowed; use ``fe``)."""
    if model.get("effects"):
        raise SpecError(f"{model_where(model)}: ols takes no effects; use estimator: fe")
    design = build_design(model, data, ctx, groups={"y": [str(model["y"])], "x": model_terms(model, "x")})
    return fit_fe_design(model, design, effects=(), estimator="ols")


@register("fe")
def fit_fe(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Fixed effects (``effects: [entity]``, ``[time]`` or ``[entity, time]``; default entity)."""
    effects = list(model.get("effects") or ["entity"])
    design = build_design(model, data, ctx, groups={"y": [str(model["y"])], "x": model_terms(model, "x")})
    return fit_fe_design(model, design, effects=effects, estimator="fe")


@register("re")
def fit_re(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Swamy-Arora random effects, with ``hausman`` against FE with the same effects."""
    where = model_where(model)
    effects = list(model.get("effects") or ["entity"])
    if "entity" not in effects:
        raise SpecError(f"{where}: re needs entity effects (effects: [entity] or [entity, time])")
    xterms = model_terms(model, "x")
    design = build_design(model, data, ctx, groups={"y": [str(model["y"])], "x": xterms})
    x = design.arr("x")
    names = list(xterms)
    if "time" in effects:
        t_codes = design.time
        n_t = int(t_codes.max()) + 1
        dummies = np.zeros((len(t_codes), n_t - 1))
        r = np.nonzero(t_codes > 0)[0]
        dummies[r, t_codes[r] - 1] = 1.0
        labels = pd.unique(np.sort(design.time_labels))
        x = np.hstack([x, dummies])
        names += [f"time[{labels[j]}]" for j in range(1, n_t)]
    ctype, clusters, by = cov_options(model, design)
    re = random_effects(design.arr("y"), x, design.entity_labels, cov_type=ctype, clusters=clusters,
                        names=names, where=where)
    fe_res = fit_fe_design({**dict(model), "cov": {"type": "classic"}}, design, effects=effects,
                           estimator="fe")
    re_classic = re if ctype == "classic" else random_effects(
        design.arr("y"), x, design.entity_labels, names=names, where=where)
    k = len(xterms)
    fe_b = fe_res.params.iloc[:k].to_numpy()
    fe_cov = _fe_cov_classic(design, effects, where)
    h = hausman(fe_b, fe_cov[:k, :k], re_classic.fit.params[:k], re_classic.fit.cov[:k, :k])
    diags = {"r2": TestStat(re.r2), "hausman": h,
             "sigma2_e": TestStat(re.sigma2_e), "sigma2_u": TestStat(re.sigma2_u)}
    keep = list(range(k)) + [x.shape[1]]  # slopes and the constant; year dummies not reported
    terms = [*xterms, "const"]
    return ModelResult.from_arrays(
        model_id=str(model["id"]), estimator="re", dependent=design.names("y")[0], terms=terms,
        params=re.fit.params[keep], std_errors=re.fit.std_errors[keep], nobs=re.fit.nobs,
        df_resid=re.fit.df_resid, n_entities=design.n_entities, cov_type=cov_label(ctype, by),
        fixed_effects=("time",) if "time" in effects else (), diagnostics=diags,
        info={"random_effects": "entity (Swamy-Arora)", "theta_mean": float(np.mean(re.theta))},
    )


def _fe_cov_classic(design: Design, effects: Sequence[str], where: str) -> np.ndarray:
    fa = fe_arrays(design.arr("y"), design.arr("x"), design.entity, design.time, effects)
    fit = linear_fit(fa.y, fa.x, n_absorbed=fa.n_absorbed, names=[*design.names("x"), "const"],
                     where=where)
    return fit.cov

"""Fixed-effects two-stage least squares with weak-instrument diagnostics.

Array core: :func:`tsls` (2SLS on already within-transformed data) and :func:`iv_diagnostics`
(first-stage F, Kleibergen-Paap rk LM and rk Wald F, Anderson-Rubin Wald test). Spec layer:
``fe_iv`` (the second stage) and ``first_stage`` (the first-stage regression as its own column).

Conventions
-----------
Coefficients and standard errors follow ``ivreghdfe`` / ``xtivreg2, fe small``: the same
small-sample factors as the FE estimator (:mod:`analysis.estimators.panel`), with ``X-hat`` in the
sandwich. Let ``X1`` be the endogenous regressors (``K1``), ``Z1`` the excluded instruments (``L1``),
and ``~`` denote partialling out the exogenous regressors and fixed effects.

- ``first_stage_f``: Wald test that the excluded instruments' coefficients are zero in the
  first-stage regression of the (first) endogenous regressor, divided by ``L1``, using the model's
  covariance (classic/robust/clustered, same small-sample factors); p-value from ``F(L1, df)``
  with ``df`` the residual (or ``G - 1``) degrees of freedom.
- ``kp_lm`` (``K1 = 1``): Kleibergen-Paap (2006) rk LM statistic, which for one endogenous regressor
  is the robust score test of ``pi = 0`` in ``X1~ = Z1~ pi + v``: ``s' S0^-1 s`` with ``s = Z1~' X1~``
  and ``S0`` the (cluster) outer product of ``Z1~ * X1~`` (the null-restricted residual), no
  small-sample factor; chi-squared with ``L1 - K1 + 1`` degrees of freedom. With classic
  covariance this is Anderson's canonical-correlation LM ``N R^2``.
- ``kp_wald_f``: the rk Wald statistic ``pi' V^-1 pi`` (``V`` the HC0/CR0 sandwich of ``pi``) scaled
  as ivreg2 does: ``chi2 / (N - 1) * (N - K - A) / L1 * (G - 1) / G`` when clustered and
  ``chi2 / N * (N - K - A) / L1`` otherwise (``K`` regressors including the exogenous ones and
  the constant, ``A`` absorbed fixed effects beyond the constant); with classic covariance the
  Cragg-Donald F. Compared with the Stock-Yogo (2005) critical values shipped in
  ``analysis/estimators/data/stock_yogo.csv`` (10% maximal IV size by default; stored in the statistic's note).
- ``anderson_rubin``: Wald test that ``Z1`` has zero coefficients in the regression of ``y`` on
  ``Z1`` and the exogenous regressors (``H0: beta_endog = 0``), as ``F(L1, df)`` with the model's
  covariance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from analysis.estimators import FitContext, Key, SpecError, register
from analysis.estimators.design import (
    Design,
    build_design,
    cov_label,
    cov_options,
    model_terms,
    model_where,
    within_r2,
)
from analysis.estimators.linear import (
    FEArrays,
    LinearFit,
    _codes,
    _collinear_columns,
    absorb,
    fe_arrays,
    linear_fit,
    not_nested_absorbed,
    sandwich_cov,
)
from analysis.estimators.results import ModelResult, TestStat

__all__ = ["tsls", "iv_diagnostics", "stock_yogo", "fit_fe_iv", "fit_first_stage"]

STOCK_YOGO_CSV = Path(__file__).resolve().parent / "data" / "stock_yogo.csv"


@lru_cache(maxsize=1)
def _stock_yogo_table() -> pd.DataFrame:
    return pd.read_csv(STOCK_YOGO_CSV, comment="#")


def stock_yogo(n_endog: int, n_instruments: int, *, test: str = "size",
               threshold: float = 0.10) -> float | None:
    """Stock-Yogo (2005) critical value, or ``None`` where the tables have none.

    Parameters
    ----------
    n_endog, n_instruments : int
        ``K1`` and ``L1``.
    test : {"size", "relative_bias"}
        Table 5.2 (maximal size of a nominal 5% Wald test) or 5.1 (maximal relative bias).
    threshold : float
        0.10, 0.15, 0.20, 0.25 for size; 0.05, 0.10, 0.20, 0.30 for relative bias.

    Examples
    --------
    >>> stock_yogo(1, 1)
    16.38
    """
    t = _stock_yogo_table()
    hit = t[(t["test"] == test) & (t["n_endog"] == n_endog) & (t["n_instruments"] == n_instruments)
            & np.isclose(t["threshold"], threshold)]
    return None if hit.empty else float(hit["critical_value"].iloc[0])


# =====================================================================================  array core
def _check_rank(a: np.ndarray, names: list[str], where: str, what: str) -> None:
    if a.shape[1] and np.linalg.matrix_rank(a) < a.shape[1]:
        bad = _collinear_columns(a, names)
        raise SpecError(f"{where}: singular {what}: {', '.join(repr(b) for b in bad)} collinear "
                        "with the other columns or absorbed by the fixed effects")


def tsls(y: np.ndarray, x_endog: np.ndarray, x_exog: np.ndarray, z_excl: np.ndarray, *,
         cov_type: str = "classic", clusters: np.ndarray | None = None, n_absorbed: int = 0,
         n_absorbed_not_nested: int | None = None, names: list[str] | None = None,
         instrument_names: list[str] | None = None, where: str = "model") -> LinearFit:
    """Two-stage least squares; regressors ordered ``[x_endog, x_exog]``.

    Data must already be within-transformed (and include the constant column in ``x_exog``).
    """
    x = np.hstack([x_endog, x_exog])
    z = np.hstack([z_excl, x_exog])
    n, k = x.shape
    names = names or [f"x{j}" for j in range(k)]
    inames = (instrument_names or [f"z{j}" for j in range(z_excl.shape[1])]) + names[x_endog.shape[1]:]
    if z_excl.shape[1] < x_endog.shape[1]:
        raise SpecError(f"{where}: underidentified: {z_excl.shape[1]} excluded instrument(s) for "
                        f"{x_endog.shape[1]} endogenous regressor(s)")
    df_resid = n - k - n_absorbed
    if df_resid <= 0:
        raise SpecError(f"{where}: too few observations: N = {n} for {k} coefficients and "
                        f"{n_absorbed} fixed effects")
    _check_rank(x, names, where, "design")
    _check_rank(z, inames, where, "instrument matrix")
    zz_inv = np.linalg.inv(z.T @ z)
    xhat = z @ (zz_inv @ (z.T @ x))
    bread = np.linalg.inv(xhat.T @ x)
    b = bread @ (xhat.T @ y)
    e = y - x @ b
    bread_s = np.linalg.inv(xhat.T @ xhat)
    big_k = k + (n_absorbed if n_absorbed_not_nested is None else n_absorbed_not_nested)
    cov, t_df, g = sandwich_cov(xhat, e, bread_s, cov_type=cov_type, clusters=clusters,
                                df_resid=df_resid, big_k=big_k, where=where)
    return LinearFit(params=b, cov=cov, resid=e, nobs=n, df_resid=t_df, ssr=float(e @ e),
                     n_clusters=g)


def _partial(a: np.ndarray, x2: np.ndarray) -> np.ndarray:
    if x2.shape[1] == 0:
        return a
    coef, *_ = np.linalg.lstsq(x2, a, rcond=None)
    return a - x2 @ coef


def _outer_scores(z: np.ndarray, u: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    s = z * u[:, None]
    if clusters is None:
        return s.T @ s
    codes, g = _codes(clusters)
    agg = np.zeros((g, z.shape[1]))
    np.add.at(agg, codes, s)
    return agg.T @ agg


def _wald_excluded(y: np.ndarray, z_excl: np.ndarray, x_exog: np.ndarray, *, cov_type: str,
                   clusters: np.ndarray | None, n_absorbed: int, n_absorbed_not_nested: int,
                   where: str) -> tuple[float, float, float]:
    """Wald F that the ``z_excl`` coefficients are zero in ``y ~ z_excl + x_exog``: (F, p, df)."""
    x = np.hstack([z_excl, x_exog])
    fit = linear_fit(y, x, cov_type=cov_type, clusters=clusters, n_absorbed=n_absorbed,
                     n_absorbed_not_nested=n_absorbed_not_nested, where=where)
    l1 = z_excl.shape[1]
    b = fit.params[:l1]
    v = fit.cov[:l1, :l1]
    w = float(b @ np.linalg.solve(v, b))
    f = w / l1
    return f, float(st.f.sf(f, l1, fit.df_resid)), fit.df_resid


def iv_diagnostics(y: np.ndarray, x_endog: np.ndarray, x_exog: np.ndarray, z_excl: np.ndarray, *,
                   cov_type: str, clusters: np.ndarray | None, n_absorbed: int,
                   n_absorbed_not_nested: int, where: str = "model") -> dict[str, TestStat]:
    """First-stage F, Kleibergen-Paap rk LM / Wald F (one endogenous regressor) and Anderson-Rubin.

    Inputs are within-transformed arrays (``x_exog`` includes the constant column).
    """
    n = len(y)
    k1, l1 = x_endog.shape[1], z_excl.shape[1]
    out: dict[str, TestStat] = {}
    for j in range(k1):
        f, p, df = _wald_excluded(x_endog[:, j], z_excl, x_exog, cov_type=cov_type, clusters=clusters,
                                  n_absorbed=n_absorbed, n_absorbed_not_nested=n_absorbed_not_nested,
                                  where=f"{where} (first stage)")
        name = "first_stage_f" if j == 0 else f"first_stage_f_{j + 1}"
        out[name] = TestStat(f, p, (l1, df), "F")
    cl = clusters if cov_type == "clustered" else None
    robust = cov_type in ("robust", "heteroskedastic", "clustered")
    n_k = k1 + x_exog.shape[1]  # regressors incl. exogenous ones and the constant
    if k1 == 1:
        x1 = _partial(x_endog[:, 0], x_exog)
        z1 = _partial(z_excl, x_exog)
        zz = z1.T @ z1
        pi = np.linalg.solve(zz, z1.T @ x1)
        u = x1 - z1 @ pi
        dof_lm = l1 - k1 + 1
        if robust:
            s = z1.T @ x1
            lm = float(s @ np.linalg.solve(_outer_scores(z1, x1, cl), s))
            vpi = np.linalg.solve(zz, np.linalg.solve(zz, _outer_scores(z1, u, cl)).T)
            chi2 = float(pi @ np.linalg.solve(vpi, pi))
            if cl is not None:
                g = len(np.unique(cl))
                wf = chi2 / (n - 1) * (n - n_k - n_absorbed) / l1 * (g - 1) / g
            else:
                wf = chi2 / n * (n - n_k - n_absorbed) / l1
            note = "Kleibergen-Paap rk"
        else:
            r2 = float(x1 @ (z1 @ pi)) / float(x1 @ x1)
            lm = n * r2
            sigma_v = float(u @ u) / (n - n_k - n_absorbed)
            wf = float(pi @ zz @ pi) / l1 / sigma_v
            note = "iid errors: Anderson canonical-correlation LM and Cragg-Donald Wald F"
        out["kp_lm"] = TestStat(lm, float(st.chi2.sf(lm, dof_lm)), dof_lm, "chi2", note)
        cv = stock_yogo(k1, l1, test="size", threshold=0.10)
        sy = f"Stock-Yogo 10% maximal IV size critical value {cv}" if cv is not None else None
        out["kp_wald_f"] = TestStat(wf, None, None, "F", f"{note}; {sy}" if sy else note)
        if cv is not None:
            out["stock_yogo_10"] = TestStat(cv, None, (k1, l1), None, "Stock-Yogo (2005) table 5.2, 10% maximal size")
    f, p, df = _wald_excluded(y, z_excl, x_exog, cov_type=cov_type, clusters=clusters,
                              n_absorbed=n_absorbed, n_absorbed_not_nested=n_absorbed_not_nested,
                              where=f"{where} (Anderson-Rubin)")
    out["anderson_rubin"] = TestStat(f, p, (l1, df), "F", "Wald F of H0: endogenous coefficients = 0")
    return out


# =====================================================================================  spec layer
@dataclass(frozen=True)
class _IVData:
    design: Design
    y: np.ndarray
    endog: np.ndarray
    exog: np.ndarray
    z: np.ndarray
    n_absorbed: int
    n_not_nested: int
    cov_type: str
    clusters: np.ndarray | None
    by: str | None
    effects: list[str]


def _prepare(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> _IVData:
    where = model_where(model)
    endog = model_terms(model, "endog")
    inst = model_terms(model, "instruments")
    if not endog:
        raise SpecError(f"{where}: fe_iv needs endog: (the endogenous regressors)")
    if not inst:
        raise SpecError(f"{where}: fe_iv needs instruments: (the excluded instruments)")
    effects = list(model.get("effects") or ["entity"])
    design = build_design(model, data, ctx, groups={"y": [str(model["y"])], "x": model_terms(model, "x"),
                                                    "endog": endog, "instruments": inst})
    fa = fe_arrays(design.arr("y"), design.arr("x"), design.entity, design.time, effects,
                   extra={"endog": design.arr("endog"), "instruments": design.arr("instruments")})
    fa.check_rank(design.names("x"), where)
    if effects:
        endo_w, _ = absorb(np.hstack([design.arr("endog"), design.arr("instruments")]), design.entity,
                           design.time, effects)
        FEArrays(y=fa.y, x=fa.x, y_within=fa.y_within, n_absorbed=fa.n_absorbed,
                 x_within=np.hstack([endo_w, fa.x_within])).check_rank(
                     [*design.names("endog"), *design.names("instruments"), *design.names("x")], where)
    ctype, clusters, by = cov_options(model, design)
    nn = not_nested_absorbed(effects, by, design.entity, design.time, fa.n_absorbed)
    return _IVData(design=design, y=fa.y, endog=fa.extra["endog"], exog=fa.x,
                   z=fa.extra["instruments"], n_absorbed=fa.n_absorbed, n_not_nested=nn,
                   cov_type=ctype, clusters=clusters, by=by, effects=effects)


#: Spec keys of ``fe_iv`` and of its ``first_stage`` (the runner builds the first stage from the fe_iv model).
IV_KEYS = (
    Key("endog", "endogenous regressors (terms), instrumented"),
    Key("instruments", "excluded instruments (terms)"),
    Key("first_stage", "`true`: report the first stage as its own column before this one"),
    Key("first_stage_id", "id of that first-stage column (default `<id> first stage`)"),
)


@register("fe_iv", keys=IV_KEYS)
def fit_fe_iv(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """FE-2SLS: ``y`` on ``endog`` (instrumented by ``instruments``) and exogenous ``x``."""
    where = model_where(model)
    d = _prepare(model, data, ctx)
    names = [*d.design.names("endog"), *d.design.names("x"), "const"]
    fit = tsls(d.y, d.endog, d.exog, d.z, cov_type=d.cov_type, clusters=d.clusters,
               n_absorbed=d.n_absorbed, n_absorbed_not_nested=d.n_not_nested, names=names,
               instrument_names=d.design.names("instruments"), where=where)
    diags = iv_diagnostics(d.y, d.endog, d.exog, d.z, cov_type=d.cov_type, clusters=d.clusters,
                           n_absorbed=d.n_absorbed, n_absorbed_not_nested=d.n_not_nested, where=where)
    # within R^2 of the structural equation (residuals from the 2SLS coefficients), as ivreghdfe
    fa_w = fe_arrays(d.design.arr("y"), d.design.arr("x"), d.design.entity, d.design.time, d.effects)
    diags = {"r2_within": TestStat(within_r2(fit.ssr, fa_w.y_within)), **diags}
    return ModelResult.from_arrays(
        model_id=str(model["id"]), estimator="fe_iv", dependent=d.design.names("y")[0], terms=names,
        params=fit.params, std_errors=fit.std_errors, nobs=fit.nobs, df_resid=fit.df_resid,
        n_entities=d.design.n_entities, cov_type=cov_label(d.cov_type, d.by),
        fixed_effects=tuple(d.effects), diagnostics=diags,
        info={"endog": d.design.names("endog"), "instruments": d.design.names("instruments")},
    )


@register("first_stage", keys=IV_KEYS)
def fit_first_stage(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """First-stage regression of the (first) endogenous regressor on instruments and exogenous x.

    Uses the same sample as the second stage (rows complete for ``y`` too), and reports
    ``first_stage_f`` and ``r2_within``.
    """
    where = model_where(model)
    d = _prepare(model, data, ctx)
    inames = d.design.names("instruments")
    names = [*inames, *d.design.names("x"), "const"]
    x = np.hstack([d.z, d.exog])
    target = d.endog[:, 0]
    fit = linear_fit(target, x, cov_type=d.cov_type, clusters=d.clusters, n_absorbed=d.n_absorbed,
                     n_absorbed_not_nested=d.n_not_nested, names=names, where=f"{where} (first stage)")
    f, p, df = _wald_excluded(target, d.z, d.exog, cov_type=d.cov_type, clusters=d.clusters,
                              n_absorbed=d.n_absorbed, n_absorbed_not_nested=d.n_not_nested,
                              where=where)
    fa_w = fe_arrays(d.design.arr("endog")[:, 0], d.design.arr("x"), d.design.entity,
                     d.design.time, d.effects)
    diags = {"r2_within": TestStat(within_r2(fit.ssr, fa_w.y_within)),
             "first_stage_f": TestStat(f, p, (len(inames), df), "F")}
    return ModelResult.from_arrays(
        model_id=str(model["id"]), estimator="first_stage", dependent=d.design.names("endog")[0],
        terms=names, params=fit.params, std_errors=fit.std_errors, nobs=fit.nobs,
        df_resid=fit.df_resid, n_entities=d.design.n_entities, cov_type=cov_label(d.cov_type, d.by),
        fixed_effects=tuple(d.effects), diagnostics=diags,
        info={"instruments": inames, "second_stage_dependent": d.design.names("y")[0]},
    )

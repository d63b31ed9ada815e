"""Linear panel estimators: pooled OLS, fixed effects (entity, time, two-way), random effects.

The array core (no pandas, no spec) is :mod:`analysis.estimators.linear`: :func:`absorb` (the within
transformation), :func:`linear_fit` (least squares with classic, robust or clustered covariance),
:func:`random_effects` and :func:`hausman`. The spec layer (:func:`~analysis.estimators.design.build_design`
and the functions registered here as ``ols``, ``fe`` and ``re``) turns a model mapping and a panel into
arrays and a :class:`~analysis.estimators.results.ModelResult`. The core names are re-exported here.

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
from typing import Any

import numpy as np
import pandas as pd

from analysis.estimators import FitContext, SpecError, register
from analysis.estimators.design import (
    Design,
    build_design,
    cov_label,
    cov_options,
    fe_linear_fit,
    model_terms,
    model_where,
    within_r2,
)
from analysis.estimators.linear import (
    LinearFit,
    absorb,
    fe_arrays,
    hausman,
    linear_fit,
    random_effects,
    sandwich_cov,
)
from analysis.estimators.results import ModelResult, TestStat

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

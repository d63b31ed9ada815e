"""Spec layer of the spatial panel models: ``sar``, ``sem`` and ``sdm`` from a spec model.

Evaluates the spec's terms, builds W from the spec's weights and returns a
:class:`~analysis.estimators.results.ModelResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from analysis.estimators import FitContext, Key, SpecError, register
from analysis.estimators.design import model_where
from analysis.estimators.results import EffectEstimate, ModelResult, TestStat
from analysis.estimators.spatial.impacts import lesage_pace_effects
from analysis.estimators.spatial.lm import lm_tests, sdm_restriction_tests
from analysis.estimators.spatial.ml import SpatialFit, fit_spatial_panel
from analysis.estimators.spatial.random_effects import fit_spatial_panel_re, spatial_hausman
from analysis.estimators.terms import evaluate_terms
from analysis.formulas.weights import weights_matrix

_EFFECTS_MAP = {(): "none", ("entity",): "entity", ("time",): "time", ("entity", "time"): "twoways"}


def spatial_panel_arrays(model: Mapping[str, Any], data: pd.DataFrame, ctx: Any
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], str, list[str]]:
    """Evaluate a spatial spec model into ``y (T, N)``, ``X (T, N, K)`` and a dense W.

    Returns
    -------
    tuple
        ``y, X, W, x_terms, effects, entity_ids``.
    """
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


_LEE_YU = Key("lee_yu", "`true`: Lee and Yu's (2010) transformation approach (bias-corrected with time effects); "
              "default `false` (the direct approach, splm's default)")
_TESTS = Key("tests", "`false`: skip the LM tests (and, for sdm, the Wald/LR restriction tests); default `true`")
_HAUSMAN = Key("hausman", "`true`: spatial Hausman test of these fixed effects against random effects "
               "(sar and sdm with entity effects)")
_IMPACTS = Key("impacts", "LeSage-Pace effects: `{draws: 1000, seed: <spec seed or 1>}`", ("draws", "seed"))


@register("sar", keys=(_LEE_YU, _TESTS, _HAUSMAN, _IMPACTS))
def fit_sar(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Spatial lag model with fixed effects (ML) from a spec model."""
    return _fit_spatial_spec(model, data, ctx, "sar")


@register("sem", keys=(_LEE_YU, _TESTS, _HAUSMAN))
def fit_sem(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Spatial error model with fixed effects (ML) from a spec model."""
    return _fit_spatial_spec(model, data, ctx, "sem")


@register("sdm", keys=(
    Key("durbin", "`all` (default) or the list of x terms whose spatial lags `W*x` enter"),
    _LEE_YU, _TESTS, _HAUSMAN, _IMPACTS,
))
def fit_sdm(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Spatial Durbin model with fixed effects (ML) from a spec model."""
    return _fit_spatial_spec(model, data, ctx, "sdm")

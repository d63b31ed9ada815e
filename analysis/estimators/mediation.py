"""Stepwise mediation (paper 001, eq. 2-4) with a seeded cluster bootstrap.

With treatment ``T``, mediator ``M``, outcome ``Y``, controls ``X`` and the model's fixed effects:

- eq. 2  ``Y = c T + X g + FE``       (total effect ``c``)
- eq. 3  ``M = a T + X g + FE``       (path ``a``)
- eq. 4  ``Y = c' T + b M + X g + FE`` (direct effect ``c'``, path ``b``)

indirect effect ``a b``, direct ``c'``, total ``c' + a b`` (equal to ``c`` on a common sample, an
identity of least squares). The reported coefficient table is eq. 4's with the model's covariance.
The bootstrap resamples whole entities with replacement (each drawn copy of an entity is its own
entity for the fixed effects), re-estimates ``a``, ``b`` and ``c'``, and gives bootstrap standard
errors, percentile intervals and bias-corrected intervals (Efron: ``z0 = Phi^-1(share of draws below
the estimate)``, bounds at ``Phi(2 z0 +- z_{1-alpha/2})``). A fixed ``seed`` gives identical intervals.

Moderated mediation (paper 001 eq. 5-9) needs no estimator of its own: it is a set of ``fe`` models
with interaction terms (``coagglo*mi``), see ``analysis/studies/specs/p001/p001_table9.yml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from analysis.estimators import FitContext, Key, SpecError, register
from analysis.estimators.design import (
    build_design,
    cov_label,
    fe_linear_fit,
    model_terms,
    model_where,
)
from analysis.estimators.linear import (
    absorb,
)
from analysis.estimators.results import EffectEstimate, ModelResult, TestStat

__all__ = ["MediationPaths", "mediation_paths", "cluster_bootstrap", "bootstrap_intervals", "fit_mediation"]


@dataclass(frozen=True)
class MediationPaths:
    """Point estimates of the mediation paths."""

    a: float
    b: float
    direct: float

    @property
    def indirect(self) -> float:
        """``a * b``."""
        return self.a * self.b

    @property
    def total(self) -> float:
        """``direct + a * b``."""
        return self.direct + self.a * self.b


def mediation_paths(y: np.ndarray, t: np.ndarray, m: np.ndarray, x: np.ndarray, entity: np.ndarray,
                    time: np.ndarray, effects: Sequence[str]) -> MediationPaths:
    """Estimate ``a`` (eq. 3), ``b`` and ``c'`` (eq. 4) by least squares after absorbing effects."""
    stacked = np.column_stack([y, t, m, x]) if x.size else np.column_stack([y, t, m])
    z, _ = absorb(stacked, entity, time, effects)
    if not effects:
        z = np.column_stack([z, np.ones(len(z))])
    yy, tt, mm, xx = z[:, 0], z[:, 1], z[:, 2], z[:, 3:]
    xa = np.column_stack([tt, xx])
    a = np.linalg.lstsq(xa, mm, rcond=None)[0][0]
    xb = np.column_stack([tt, mm, xx])
    coef = np.linalg.lstsq(xb, yy, rcond=None)[0]
    return MediationPaths(a=float(a), b=float(coef[1]), direct=float(coef[0]))


def cluster_bootstrap(y: np.ndarray, t: np.ndarray, m: np.ndarray, x: np.ndarray,
                      entity: np.ndarray, time: np.ndarray, effects: Sequence[str], *, reps: int,
                      seed: int) -> np.ndarray:
    """Bootstrap draws of ``(indirect, direct, total)`` resampling whole entities.

    Returns
    -------
    numpy.ndarray
        ``reps x 3``.
    """
    rng = np.random.default_rng(seed)
    n_e = int(entity.max()) + 1
    rows_of = [np.nonzero(entity == g)[0] for g in range(n_e)]
    out = np.empty((reps, 3))
    for r in range(reps):
        draw = rng.integers(0, n_e, size=n_e)
        idx = np.concatenate([rows_of[g] for g in draw])
        ent = np.concatenate([np.full(len(rows_of[g]), j) for j, g in enumerate(draw)])
        tim_raw = time[idx]
        _, tim = np.unique(tim_raw, return_inverse=True)
        p = mediation_paths(y[idx], t[idx], m[idx], x[idx], ent, tim, effects)
        out[r] = (p.indirect, p.direct, p.total)
    return out


def bootstrap_intervals(draws: np.ndarray, estimate: float, *, level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Percentile and bias-corrected intervals of one statistic's bootstrap draws."""
    alpha = 1 - level
    d = np.asarray(draws, dtype=float)
    d = d[np.isfinite(d)]
    pct = (float(np.quantile(d, alpha / 2)), float(np.quantile(d, 1 - alpha / 2)))
    share = (np.sum(d < estimate) + 0.5 * np.sum(d == estimate)) / len(d)
    share = min(max(share, 0.5 / len(d)), 1 - 0.5 / len(d))
    z0 = st.norm.ppf(share)
    zl, zu = st.norm.ppf(alpha / 2), st.norm.ppf(1 - alpha / 2)
    bc = (float(np.quantile(d, st.norm.cdf(2 * z0 + zl))), float(np.quantile(d, st.norm.cdf(2 * z0 + zu))))
    return {"percentile": pct, "bias_corrected": bc}


@register("mediation", keys=(
    Key("treatment", "the treatment (a term)"),
    Key("mediator", "the mediator (a term)"),
    Key("bootstrap", "`{reps: 1000, seed: <spec seed or 1>, level: 0.95, cluster: entity}`; `ci:` may list "
        "`[percentile, bias_corrected]` for the reader (both intervals are always reported)",
        ("reps", "seed", "ci", "level", "cluster")),
))
def fit_mediation(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Stepwise mediation with bootstrap effects.

    Spec keys: treatment, mediator, y, x, effects, cov, ``bootstrap: {reps, seed, ci, level}``.
    """
    where = model_where(model)
    for key in ("treatment", "mediator", "y"):
        if not model.get(key):
            raise SpecError(f"{where}: mediation needs {key}:")
    treat, med, yname = (str(model[k]).strip() for k in ("treatment", "mediator", "y"))
    xterms = model_terms(model, "x")
    effects = list(model.get("effects") or [])
    boot = dict(model.get("bootstrap") or {})
    reps = int(boot.get("reps", 1000))
    seed = int(boot.get("seed", ctx.options.get("seed", 1) if ctx.options else 1))
    level = float(boot.get("level", 0.95))
    cluster = str(boot.get("cluster", "entity"))
    if cluster != "entity":
        raise SpecError(f"{where}: bootstrap.cluster must be entity (whole entities are resampled)")
    if reps < 50:
        raise SpecError(f"{where}: bootstrap.reps must be at least 50, got {reps}")
    design = build_design(model, data, ctx, groups={"y": [yname], "treatment": [treat],
                                                    "mediator": [med], "x": xterms})
    y, t, m = design.arr("y"), design.arr("treatment")[:, 0], design.arr("mediator")[:, 0]
    x = design.arr("x")
    # eq. 4 with the model's covariance (the reported coefficient table)
    names = [treat, med, *xterms, "const"]
    fe = fe_linear_fit(model, design, y, np.column_stack([t, m, x]), effects=effects, names=names)
    fa, fit, ctype, by = fe.arrays, fe.fit, fe.cov_type, fe.cluster_by
    paths = mediation_paths(y, t, m, x, design.entity, design.time, effects)
    draws = cluster_bootstrap(y, t, m, x, design.entity, design.time, effects, reps=reps, seed=seed)
    eff: dict[str, EffectEstimate] = {}
    for j, (kind, est) in enumerate((("indirect", paths.indirect), ("direct", paths.direct),
                                     ("total", paths.total))):
        ci = bootstrap_intervals(draws[:, j], est, level=level)
        se = float(np.std(draws[:, j], ddof=1))
        p = float(2 * st.norm.sf(abs(est / se))) if se > 0 else None
        eff[kind] = EffectEstimate(estimate=est, std_error=se, p_value=p, ci=ci)
    tss_w = float(np.sum(fa.y_within ** 2))
    diags = {"r2_within" if effects else "r2": TestStat(1 - fit.ssr / (tss_w if effects else float(np.sum((y - y.mean()) ** 2)))),
             "a_path": TestStat(paths.a), "b_path": TestStat(paths.b)}
    return ModelResult.from_arrays(
        model_id=str(model["id"]), estimator="mediation", dependent=yname, terms=names,
        params=fit.params, std_errors=fit.std_errors, nobs=fit.nobs, df_resid=fit.df_resid,
        n_entities=design.n_entities, cov_type=cov_label(ctype, by), fixed_effects=tuple(effects),
        diagnostics=diags, effects={treat: eff},
        info={"mediator": med, "bootstrap_reps": reps, "seed": seed, "level": level},
    )

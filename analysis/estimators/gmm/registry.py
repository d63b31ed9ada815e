"""Spec layer of difference and system GMM: ``diff_gmm`` and ``sys_gmm`` from a spec model (keys follow xtabond2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.estimators import FitContext, Key, SpecError, register
from analysis.estimators.design import model_where
from analysis.estimators.gmm.core import GmmStyle, IvStyle, dpd_gmm
from analysis.estimators.results import ModelResult, TestStat
from analysis.estimators.terms import evaluate_terms

TIME_DUMMIES = "time_dummies"


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _panel_grid(data: pd.DataFrame, ctx: Any, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entity and period positions of each row on the full integer period grid."""
    t = pd.to_numeric(data[ctx.time], errors="coerce")
    if t.isna().any() or not np.all(np.mod(t, 1) == 0):
        raise SpecError(f"{where}: GMM needs an integer time column; {ctx.time!r} is not")
    if data.duplicated([ctx.entity, ctx.time]).any():
        raise SpecError(f"{where}: duplicate ({ctx.entity}, {ctx.time}) rows")
    ents, ei = np.unique(data[ctx.entity].astype(str).to_numpy(), return_inverse=True)
    t0 = int(t.min())
    periods = np.arange(t0, int(t.max()) + 1)
    return ents, ei, (t.to_numpy().astype(int) - t0), periods  # type: ignore[return-value]


def _to_grid(values: np.ndarray, ei: np.ndarray, ti: np.ndarray, N: int, T: int) -> np.ndarray:
    """Rows of ``(n, m)`` values onto an ``(N, T, m)`` grid (NaN elsewhere)."""
    out = np.full((N, T, values.shape[1]), np.nan)
    out[ei, ti] = values
    return out


def _fit_gmm_spec(model: Mapping[str, Any], data: pd.DataFrame, ctx: Any, *, system: bool) -> Any:

    where = model_where(model)
    y_term = str(model.get("y") or "")
    if not y_term:
        raise SpecError(f"{where}: y is required")
    x_terms = [str(t) for t in _as_list(model.get("x"))]
    gmm_specs = _as_list(model.get("gmm"))
    if not gmm_specs:
        raise SpecError(f"{where}: gmm: [{{vars: [...], lags: [a, b]}}] is required")
    iv_specs = _as_list(model.get("iv"))
    dummies = [str(d) for d in _as_list(model.get("dummies"))]
    steps = int(model.get("steps", 2 if system else 1))
    transformation = str(model.get("transformation", "fd"))
    if transformation not in ("fd", "fod"):
        raise SpecError(f"{where}: transformation must be fd or fod, got {transformation!r}")
    cov = model.get("cov") or {"type": "robust"}
    robust = str(cov.get("type", "robust")) != "classic"
    collapse_all = bool(model.get("collapse", False))

    gmm_terms = [str(v) for g in gmm_specs for v in _as_list(g.get("vars"))]
    iv_terms = [str(v) for g in iv_specs for v in _as_list(g.get("vars")) if str(v) != TIME_DUMMIES]
    terms = list(dict.fromkeys([y_term, *x_terms, *gmm_terms, *iv_terms]))
    vals = evaluate_terms(data, terms, entity=ctx.entity, time=ctx.time, weights=ctx.weights,
                          model_id=str(model.get("id")))
    ents, ei, ti, periods = _panel_grid(data, ctx, where)
    N, T = len(ents), len(periods)
    grid = _to_grid(vals.to_numpy(dtype=float), ei, ti, N, T)
    col = {t: i for i, t in enumerate(vals.columns)}
    y = grid[:, :, col[y_term]]
    Xparts = [grid[:, :, [col[t] for t in x_terms]]] if x_terms else []
    names = list(x_terms)
    present = np.isfinite(y)
    yr_names: list[str] = []
    time_effects = bool(model.get("time_effects", False))
    if time_effects:
        yr = np.where(present[:, :, None], np.eye(T)[None, :, :], np.nan)
        Xparts.append(yr)
        yr_names = [f"year_{p}" for p in periods]
        names += yr_names
    dummy_names: list[str] = []
    for d in dummies:
        if d not in data.columns:
            raise SpecError(f"{where}: dummies column {d!r} is not in the data")
        cats = sorted(data[d].astype(str).unique())[1:]
        lab = data[d].astype(str).to_numpy()
        dm = np.stack([(lab == c).astype(float) for c in cats], axis=1)
        Xparts.append(_to_grid(dm, ei, ti, N, T))
        dummy_names += [f"{d}_{c}" for c in cats]
    names += dummy_names
    if not Xparts:
        raise SpecError(f"{where}: no regressors (x, time_effects or dummies)")
    X = np.concatenate(Xparts, axis=2)

    gblocks = []
    for g in gmm_specs:
        vs = [str(v) for v in _as_list(g.get("vars"))]
        lags = _as_list(g.get("lags", [1, None]))
        if len(lags) != 2:
            raise SpecError(f"{where}: gmm lags must be [min, max] (max null = all), got {lags!r}")
        eq = str(g.get("equation", "both"))
        gblocks.append(GmmStyle(grid[:, :, [col[v] for v in vs]], int(lags[0]),
                                None if lags[1] is None else int(lags[1]),
                                bool(g.get("collapse", collapse_all)), eq, tuple(vs)))  # type: ignore[arg-type]
    iblocks = []
    for g in iv_specs:
        vs = [str(v) for v in _as_list(g.get("vars"))]
        eq = str(g.get("equation", "both" if system else "diff"))
        if eq not in ("diff", "level", "both"):
            raise SpecError(f"{where}: iv equation must be diff, level or both, got {eq!r}")
        parts, nm = [], []
        for v in vs:
            if v == TIME_DUMMIES:
                if not time_effects:
                    raise SpecError(f"{where}: iv uses time_dummies but time_effects is not true")
                parts.append(X[:, :, [names.index(n) for n in yr_names]])
                nm += yr_names
            else:
                parts.append(grid[:, :, [col[v]]])
                nm.append(v)
        iblocks.append(IvStyle(np.concatenate(parts, axis=2), eq, bool(g.get("passthru", False)),  # type: ignore[arg-type]
                               tuple(nm)))
    if dummy_names and system:
        iblocks.append(IvStyle(X[:, :, [names.index(n) for n in dummy_names]], "level", False,
                               tuple(dummy_names)))
    try:
        f = dpd_gmm(y, X, names, gmm=gblocks, iv=iblocks, system=system,
                    transformation=transformation, steps=steps, robust=robust,  # type: ignore[arg-type]
                    droppable=yr_names + dummy_names)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise SpecError(f"{where}: {exc}") from None
    diags = {
        "ar1": TestStat(f.ar[1][0], f.ar[1][1], dist="normal"),
        "ar2": TestStat(f.ar[2][0], f.ar[2][1], dist="normal"),
        "hansen_j": TestStat(f.hansen[0], f.hansen[2], f.hansen[1], dist="chi2"),
        "sargan": TestStat(f.sargan[0], f.sargan[2], f.sargan[1], dist="chi2"),
        "n_instruments": TestStat(float(f.n_instruments)),
    }
    cov_type = ("windmeijer" if steps == 2 else "robust") if robust else "classic"
    fe = ("entity",) + (("time",) if time_effects else ())
    return ModelResult.from_arrays(
        model_id=str(model.get("id")), estimator="sys_gmm" if system else "diff_gmm",
        dependent=y_term, terms=f.names, params=f.params, std_errors=f.std_errors, nobs=f.nobs,
        dist="normal", n_entities=f.n_groups, cov_type=cov_type, fixed_effects=fe,
        diagnostics=diags,
        info={"instruments": f.instruments, "steps": steps, "transformation": transformation,
              "n_groups": f.n_groups},
    )


#: Spec keys of ``diff_gmm`` and ``sys_gmm`` (xtabond2's options).
GMM_KEYS = (
    Key("gmm", "GMM-style instruments, a list of `{vars: [...], lags: [min, max or null], collapse: true, "
        "equation: both | diff | level}` (xtabond2 `gmm()`; required)", ("vars", "lags", "collapse", "equation")),
    Key("iv", "IV-style instruments, a list of `{vars: [...], equation: diff | level | both, passthru: true}`; "
        "`time_dummies` as a var uses the year dummies (xtabond2 `iv()`)", ("vars", "equation", "passthru")),
    Key("time_effects", "`true`: year dummies among the regressors (collinear ones dropped)"),
    Key("dummies", "columns whose categories enter as dummies (levels-equation instruments in sys_gmm)"),
    Key("steps", "`1` or `2` (default: 2 for sys_gmm, 1 for diff_gmm; two-step SEs Windmeijer-corrected)"),
    Key("transformation", "`fd` (first differences, default) or `fod` (forward orthogonal deviations)"),
    Key("collapse", "`true`: collapse every gmm block (xtabond2 `collapse`)"),
)


@register("diff_gmm", keys=GMM_KEYS)
def fit_diff_gmm(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Arellano-Bond difference GMM from a spec model (keys follow xtabond2)."""
    return _fit_gmm_spec(model, data, ctx, system=False)


@register("sys_gmm", keys=GMM_KEYS)
def fit_sys_gmm(model: Mapping[str, Any], data: pd.DataFrame, ctx: FitContext) -> ModelResult:
    """Blundell-Bond system GMM from a spec model (keys follow xtabond2)."""
    return _fit_gmm_spec(model, data, ctx, system=True)

"""Spec-to-array layer shared by the estimators: evaluate a model's terms into a :class:`Design`.

:func:`build_design` evaluates the model's terms on the panel and drops incomplete rows;
:func:`cov_options` reads ``cov:``; :func:`fe_linear_fit` runs an FE (or pooled) least-squares fit with
the model's covariance. Used by :mod:`.panel`, :mod:`.iv` and :mod:`.mediation`; :func:`model_where`
names a model in error messages everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.estimators import FitContext, SpecError
from analysis.estimators.linear import (
    FEArrays,
    LinearFit,
    _codes,
    fe_arrays,
    linear_fit,
    not_nested_absorbed,
)
from analysis.estimators.terms import evaluate_terms


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

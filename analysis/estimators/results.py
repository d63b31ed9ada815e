"""One immutable result type shared by every estimator.

Every estimator in :mod:`analysis.estimators` returns a :class:`ModelResult`. It carries the
coefficient table (``params``, ``std_errors``, ``stats``, ``pvalues``), the sample size, the
covariance type, the fixed effects included, named diagnostics (:class:`TestStat`) and, for
spatial and mediation models, effect decompositions (:class:`EffectEstimate`).

``ModelResult.to_dict()`` renders the model block of the results JSON documented in DESIGN.md
section 6; :func:`results_to_json` renders a whole spec run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st


def _clean(x: Any) -> Any:
    """Turn numpy scalars and non-finite floats into JSON-safe Python values."""
    if x is None:
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        xf = float(x)
        return xf if math.isfinite(xf) else None
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    return x


@dataclass(frozen=True)
class TestStat:
    """A named test statistic (Hausman, first-stage F, AR(2), Hansen J, LM-lag, ...).

    Attributes
    ----------
    value : float
        The statistic.
    p_value : float or None
        Its p-value, where the test has one.
    df : float, tuple or None
        Degrees of freedom (a pair for F statistics).
    dist : str or None
        Reference distribution: ``"chi2"``, ``"F"``, ``"normal"``, ``"t"`` or ``None``.
    note : str or None
        Free text (for example the Stock-Yogo critical value used).
    """

    value: float
    p_value: float | None = None
    df: float | tuple[float, ...] | None = None
    dist: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON layout ``{"value", "p_value", "df"}`` (plus ``note`` when set)."""
        out: dict[str, Any] = {"value": self.value, "p_value": self.p_value, "df": self.df}
        if self.note:
            out["note"] = self.note
        return _clean(out)


@dataclass(frozen=True)
class EffectEstimate:
    """One effect (direct, indirect or total) with its standard error and intervals."""

    estimate: float
    std_error: float | None = None
    p_value: float | None = None
    ci: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON layout ``{"estimate", "std_error", ["p_value"], ["ci"]}``."""
        out: dict[str, Any] = {"estimate": self.estimate, "std_error": self.std_error}
        if self.p_value is not None:
            out["p_value"] = self.p_value
        if self.ci:
            out["ci"] = {k: list(v) for k, v in self.ci.items()}
        return _clean(out)


@dataclass(frozen=True)
class ModelResult:
    """Immutable result of one model (one column of a study table).

    Attributes
    ----------
    model_id : str
        The ``id`` of the model in its spec.
    estimator : str
        ``ols``, ``fe``, ``re``, ``fe_iv``, ``diff_gmm``, ``sys_gmm``, ``sar``, ``sem``, ``sdm``,
        ``mediation`` (or ``first_stage`` for a reported first stage).
    dependent : str
        The dependent variable as written in the spec.
    params, std_errors, stats, pvalues : pandas.Series
        Indexed by term, exactly as written in the spec (``const`` for the constant,
        ``W*<term>`` for spatially lagged regressors).
    nobs : int
        Observations used.
    n_entities : int or None
        Entities in the estimation sample (panels).
    cov_type : str
        ``classic``, ``robust``, ``clustered:entity``, ``windmeijer``, ``ml``, ...
    fixed_effects : tuple of str
        Fixed effects absorbed (``"entity"``, ``"time"``) or included as dummies.
    diagnostics : mapping of str to TestStat
        Named statistics (names from DESIGN.md section 6: ``r2``, ``r2_within``, ``hausman``...).
    effects : mapping of str to mapping of str to EffectEstimate
        ``{term: {"direct": ..., "indirect": ..., "total": ...}}`` for spatial and mediation models.
    dist : str
        ``"t"`` or ``"normal"``: the reference distribution of ``stats``.
    df_resid : float or None
        Residual degrees of freedom used for t inference.
    info : mapping
        Anything else worth keeping (sample filter, instrument list, warnings).
    """

    model_id: str
    estimator: str
    dependent: str
    params: pd.Series
    std_errors: pd.Series
    stats: pd.Series
    pvalues: pd.Series
    nobs: int
    n_entities: int | None = None
    cov_type: str = "classic"
    fixed_effects: tuple[str, ...] = ()
    diagnostics: Mapping[str, TestStat] = field(default_factory=dict)
    effects: Mapping[str, Mapping[str, EffectEstimate]] = field(default_factory=dict)
    dist: str = "t"
    df_resid: float | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Freeze the containers so the result really is immutable.
        for name in ("params", "std_errors", "stats", "pvalues"):
            object.__setattr__(self, name, getattr(self, name).copy())
        object.__setattr__(self, "diagnostics", MappingProxyType(dict(self.diagnostics)))
        object.__setattr__(
            self,
            "effects",
            MappingProxyType({k: MappingProxyType(dict(v)) for k, v in self.effects.items()}),
        )
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))
        object.__setattr__(self, "fixed_effects", tuple(self.fixed_effects))

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_arrays(
        cls,
        *,
        model_id: str,
        estimator: str,
        dependent: str,
        terms: Sequence[str],
        params: Sequence[float],
        std_errors: Sequence[float],
        nobs: int,
        dist: str = "t",
        df_resid: float | None = None,
        **kwargs: Any,
    ) -> ModelResult:
        """Build a result from arrays, computing t/z statistics and two-sided p-values."""
        b = np.asarray(params, dtype=float)
        se = np.asarray(std_errors, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            st = b / se
        if dist == "t" and df_resid is not None and df_resid > 0:
            p = 2 * _st.t.sf(np.abs(st), df_resid)
        else:
            p = 2 * _st.norm.sf(np.abs(st))
        idx = pd.Index(list(terms), name="term")
        return cls(
            model_id=model_id,
            estimator=estimator,
            dependent=dependent,
            params=pd.Series(b, index=idx, name="estimate"),
            std_errors=pd.Series(se, index=idx, name="std_error"),
            stats=pd.Series(st, index=idx, name="stat"),
            pvalues=pd.Series(p, index=idx, name="p_value"),
            nobs=int(nobs),
            dist=dist,
            df_resid=df_resid,
            **kwargs,
        )

    # ------------------------------------------------------------------ views
    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals for ``params`` from ``std_errors`` and the reference distribution."""
        a = 1 - (1 - level) / 2
        if self.dist == "t" and self.df_resid:
            q = _st.t.ppf(a, self.df_resid)
        else:
            q = _st.norm.ppf(a)
        return pd.DataFrame(
            {"lower": self.params - q * self.std_errors, "upper": self.params + q * self.std_errors}
        )

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table: estimate, std_error, stat, p_value, lower, upper."""
        ci = self.conf_int()
        return pd.concat(
            [self.params, self.std_errors, self.stats, self.pvalues, ci["lower"], ci["upper"]],
            axis=1,
        )

    def stat(self, name: str) -> float | None:
        """Value of diagnostic ``name`` or ``None``."""
        t = self.diagnostics.get(name)
        return None if t is None else t.value

    def to_dict(self) -> dict[str, Any]:
        """The model block of the results JSON (DESIGN.md section 6)."""
        params = {
            term: {
                "estimate": self.params[term],
                "std_error": self.std_errors[term],
                "stat": self.stats[term],
                "p_value": self.pvalues[term],
            }
            for term in self.params.index
        }
        out: dict[str, Any] = {
            "id": self.model_id,
            "estimator": self.estimator,
            "dependent": self.dependent,
            "nobs": self.nobs,
            "n_entities": self.n_entities,
            "cov_type": self.cov_type,
            "fixed_effects": list(self.fixed_effects),
            "params": params,
            "stats": {k: v.to_dict() for k, v in self.diagnostics.items()},
            "effects": {
                term: {kind: e.to_dict() for kind, e in kinds.items()}
                for term, kinds in self.effects.items()
            },
        }
        return _clean(out)

    def summary(self) -> str:
        """Plain-text summary."""
        lines = [
            f"Model {self.model_id!r} ({self.estimator}); dependent: {self.dependent}",
            f"N = {self.nobs}" + (f", entities = {self.n_entities}" if self.n_entities else "")
            + f"; cov: {self.cov_type}; FE: {', '.join(self.fixed_effects) or 'none'}",
            self.to_frame().to_string(float_format=lambda v: f"{v: .6g}"),
        ]
        if self.diagnostics:
            lines.append("Diagnostics:")
            for k, v in self.diagnostics.items():
                p = "" if v.p_value is None else f"  p = {v.p_value:.4g}"
                lines.append(f"  {k:<16} {v.value: .6g}{p}")
        if self.effects:
            lines.append("Effects:")
            for term, kinds in self.effects.items():
                parts = [
                    f"{k} {e.estimate: .4g}" + ("" if e.std_error is None else f" ({e.std_error:.4g})")
                    for k, e in kinds.items()
                ]
                lines.append(f"  {term:<16} " + "; ".join(parts))
        return "\n".join(lines)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.summary()


def results_to_json(spec_name: str, results: Sequence[ModelResult], **extra: Any) -> str:
    """Serialise a spec run to the results JSON of DESIGN.md section 6."""
    doc: dict[str, Any] = {"spec": spec_name, **extra, "models": [r.to_dict() for r in results]}
    return json.dumps(_clean(doc), indent=2, ensure_ascii=False)

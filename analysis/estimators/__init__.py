"""Estimator registry.

Every estimator is a function ``fit(model, data, ctx) -> ModelResult`` registered under the name a spec
uses in ``estimator:`` (``ols``, ``fe``, ``re``, ``fe_iv``, ``mediation``, ``diff_gmm``, ``sys_gmm``,
``sar``, ``sem``, ``sdm``, ...). ``model`` is the model's mapping from the spec YAML; ``data`` is the
panel after the spec's ``sample:`` filter; ``ctx`` says which columns are entity and time and carries
the spatial weights when the spec names them.

The array cores live beside the registry functions (``panel.py``, ``iv.py``, ``gmm.py``,
``spatial/``...) and can be used without a spec.

Each ``@register(name, keys=...)`` also declares the spec keys the estimator accepts beyond the common
ones (:mod:`analysis.estimators.keys`); the spec reader rejects any other key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import SpecError
from analysis.estimators.keys import COMMON_KEYS, Key
from analysis.estimators.results import ModelResult

__all__ = ["ESTIMATORS", "ESTIMATOR_KEYS", "FitContext", "Key", "SpecError", "get_estimator", "register"]


@dataclass(frozen=True)
class FitContext:
    """What an estimator needs besides the model mapping and the data.

    Attributes
    ----------
    entity, time : str
        Column names of the panel identifiers.
    weights : pandas.DataFrame or None
        Long spatial weights ``from, to, w`` (already row-standardised unless the spec said
        ``standardize: false``), for spatial estimators.
    spec_path : Path or None
        The spec file (relative CSV paths resolve against its folder).
    options : mapping
        Spec-level options (for example ``seed``).
    """

    entity: str
    time: str
    weights: pd.DataFrame | None = None
    spec_path: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


Estimator = Callable[[Mapping[str, Any], pd.DataFrame, FitContext], ModelResult]
ESTIMATORS: dict[str, Estimator] = {}
ESTIMATOR_KEYS: dict[str, tuple[Key, ...]] = {}
_COMMON_NAMES = frozenset(k.name for k in COMMON_KEYS)


def register(name: str, *, keys: Sequence[Key] = ()) -> Callable[[Estimator], Estimator]:
    """Register ``fn`` as the estimator called ``name`` in specs.

    Parameters
    ----------
    name : str
        The name a spec gives in ``estimator:``.
    keys : sequence of Key
        The spec keys the estimator reads beyond :data:`~analysis.estimators.keys.COMMON_KEYS`.
    """
    own = tuple(keys)
    clash = sorted(_COMMON_NAMES & {k.name for k in own})
    if clash or len({k.name for k in own}) != len(own):
        raise RuntimeError(f"estimator {name!r}: keys {clash or [k.name for k in own]} declared twice")

    def deco(fn: Estimator) -> Estimator:
        if name in ESTIMATORS and ESTIMATORS[name] is not fn:
            raise RuntimeError(f"estimator {name!r} registered twice")
        ESTIMATORS[name] = fn
        ESTIMATOR_KEYS[name] = own
        return fn

    return deco


def get_estimator(name: str) -> Estimator:
    """Look up a registered estimator, importing the modules that register them."""
    _load_all()
    try:
        return ESTIMATORS[name]
    except KeyError:
        known = ", ".join(sorted(ESTIMATORS))
        raise SpecError(f"unknown estimator {name!r}; known: {known}") from None


def _load_all() -> None:
    """Import the estimator modules so that their ``@register`` decorators run."""
    from analysis.estimators import gmm, iv, mediation, panel, spatial  # noqa: F401

"""Spatial weights in long form (``from, to, w``) and as dense matrices.

``from`` is row i (whose spatial lag is formed), ``to`` is column j. These are the reference
implementations the spec runner, the estimators, the demo generator and the tests share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import SpecError


def standardize_weights(w: pd.DataFrame) -> pd.DataFrame:
    """Row-standardise long weights so every row with neighbours sums to 1."""
    sums = w.groupby("from")["w"].transform("sum")
    out = w.copy()
    out["w"] = np.where(sums != 0, out["w"] / sums.where(sums != 0, 1.0), 0.0)
    return out


def weights_matrix(weights: pd.DataFrame, ids: Sequence[str]) -> np.ndarray:
    """Dense ``n x n`` matrix of long weights in the order ``ids`` (entities not in ``ids`` dropped).

    Rows are *not* re-standardised: pass weights already standardised (or not) as wanted.
    """
    idx = pd.Index([str(i) for i in ids])
    if idx.has_duplicates:
        raise SpecError("weights_matrix: duplicate entity ids")
    w = weights[weights["from"].isin(idx) & weights["to"].isin(idx)]
    mat = np.zeros((len(idx), len(idx)))
    mat[idx.get_indexer(w["from"]), idx.get_indexer(w["to"])] = w["w"].to_numpy(dtype=float)
    return mat

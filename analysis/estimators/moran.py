"""Global Moran's I with normal-approximation and permutation inference, per period.

``I = (n / S0) z'Wz / z'z`` with ``z`` the deviations from the mean and ``S0`` the sum of weights.
Under the normality assumption (Cliff and Ord 1981) ``E[I] = -1/(n-1)`` and
``Var[I] = (n^2 S1 - n S2 + 3 S0^2) / ((n^2 - 1) S0^2) - E[I]^2`` with
``S1 = 1/2 sum_ij (w_ij + w_ji)^2`` and ``S2 = sum_i (w_i. + w_.i)^2``. The permutation p-value is
esda's: ``(1 + #{I_perm >= I}) / (1 + perms)`` in the tail of the observed value (seeded).

The Moran scatter (``z`` against ``Wz``) is :func:`analysis.report.figures.moran_scatter_data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I and its inference.

    Attributes
    ----------
    I, EI, VI_norm, z_norm : float
        Statistic, its expectation and variance under normality, and the z-score.
    p_norm : float
        One-tailed p-value under normality (in the direction of the observed I).
    p_sim : float or None
        Permutation p-value (one-tailed), when permutations were run.
    n : int
        Units.
    """

    I: float  # noqa: E741 - the conventional name
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    p_sim: float | None
    n: int


def moran_i(y: np.ndarray, W: np.ndarray, *, permutations: int = 0, seed: int = 1) -> MoranResult:
    """Global Moran's I of ``y`` under weights ``W`` (dense ``n x n``, zero diagonal).

    Parameters
    ----------
    y : numpy.ndarray
        Values of the ``n`` units.
    W : numpy.ndarray
        Weights as used (no re-standardisation here).
    permutations : int
        Random permutations for the pseudo p-value (0: none).
    seed : int
        Seed of the permutations.

    Returns
    -------
    MoranResult

    Examples
    --------
    Three units on a line, W binary contiguity, y = (1, 2, 3): z = (-1, 0, 1), z'Wz = 0, I = 0.

    >>> import numpy as np
    >>> moran_i(np.array([1.0, 2.0, 3.0]), np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0.0]])).I
    0.0
    """
    y = np.asarray(y, dtype=float)
    W = np.asarray(W, dtype=float)
    n = y.size
    z = y - y.mean()
    s0 = W.sum()
    zz = float(z @ z)
    i_val = float(n / s0 * (z @ W @ z) / zz)
    ei = -1.0 / (n - 1)
    s1 = 0.5 * float(((W + W.T) ** 2).sum())
    s2 = float(((W.sum(axis=1) + W.sum(axis=0)) ** 2).sum())
    vi = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - ei * ei
    zn = (i_val - ei) / np.sqrt(vi)
    pn = float(_st.norm.sf(abs(zn)))
    psim = None
    if permutations > 0:
        rng = np.random.default_rng(seed)
        sims = np.empty(permutations)
        for k in range(permutations):
            zp = rng.permutation(z)
            sims[k] = n / s0 * (zp @ W @ zp) / zz
        larger = int((sims >= i_val).sum())
        if permutations - larger < larger:
            larger = permutations - larger
        psim = (larger + 1.0) / (permutations + 1.0)
    return MoranResult(I=i_val, EI=ei, VI_norm=float(vi), z_norm=float(zn), p_norm=pn, p_sim=psim, n=n)


def moran_by_period(data: pd.DataFrame, variables: Sequence[str], W: np.ndarray, ids: Sequence[str], *,
                    entity: str, time: str, permutations: int = 999, seed: int = 1) -> pd.DataFrame:
    """Moran's I of each variable in each period (the layout of a Moran's I table).

    Parameters
    ----------
    data : pandas.DataFrame
        Panel with ``entity``, ``time`` and the variables.
    variables : sequence of str
        Columns to test.
    W : numpy.ndarray
        Weights in the order ``ids``.
    ids : sequence of str
        Entity codes, the order of W's rows.
    entity, time : str
        Panel identifiers.
    permutations, seed : int
        Permutation inference.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, period, I, EI, z, p_norm, p_sim, n``.

    Raises
    ------
    ValueError
        A period where some entity of ``ids`` has no value.
    """
    rows = []
    d = data.assign(**{entity: data[entity].astype(str)})
    for v in variables:
        for t, g in d.groupby(time, sort=True):
            s = g.set_index(entity)[v].reindex(list(ids))
            if s.isna().any():
                raise ValueError(f"Moran's I of {v!r} in {time} {t}: missing for {list(s[s.isna()].index[:5])}")
            r = moran_i(s.to_numpy(dtype=float), W, permutations=permutations, seed=seed)
            rows.append({"variable": v, "period": t, "I": r.I, "EI": r.EI, "z": r.z_norm,
                         "p_norm": r.p_norm, "p_sim": r.p_sim, "n": r.n})
    return pd.DataFrame(rows)

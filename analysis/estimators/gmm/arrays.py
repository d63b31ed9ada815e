"""Array helpers of the GMM core: panel transformations, rank selection, one BLAS thread."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np


def _fd(a: np.ndarray) -> np.ndarray:
    """First difference along axis 1 of an ``(N, T, ...)`` array (NaN in period 0)."""
    out = np.empty(a.shape)
    out[:, 0] = np.nan
    np.subtract(a[:, 1:], a[:, :-1], out=out[:, 1:])  # (no temporary)
    return out


def _fod(a: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """Forward orthogonal deviations stored one period late (xtabond2), over complete periods.

    ``out[:, t+1] = c_t (a_t - mean(a_s, s > t, complete))`` with ``c_t = sqrt(n_t / (n_t + 1))``
    and ``n_t`` the number of complete later periods; NaN where ``t`` is incomplete or ``n_t = 0``.
    """
    a2 = a.reshape(a.shape[0], a.shape[1], -1)
    w = complete.astype(float)[:, :, None]
    vals = np.where(complete[:, :, None], a2, 0.0)
    # sums over s > t: reverse cumulative sums shifted by one
    csum = np.cumsum(vals[:, ::-1], axis=1)[:, ::-1]
    ccnt = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    fsum = np.zeros_like(csum)
    fcnt = np.zeros_like(ccnt)
    fsum[:, :-1] = csum[:, 1:]
    fcnt[:, :-1] = ccnt[:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = np.sqrt(fcnt / (fcnt + 1)) * (a2 - fsum / fcnt)
    ok = complete[:, :, None] & (fcnt > 0)
    dev = np.where(ok, dev, np.nan)
    out = np.full_like(dev, np.nan)
    out[:, 1:] = dev[:, :-1]
    return out.reshape(a.shape[:2] + a.shape[2:]) if a.ndim == 3 else out[:, :, 0]


def _rank_keep(cols: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Indices of columns (in order) that add rank, from a Gram matrix, by sequential Cholesky."""
    g = cols
    keep: list[int] = []
    for j in range(g.shape[0]):
        idx = keep + [j]
        sub = g[np.ix_(idx, idx)]
        scale = max(float(np.max(np.abs(np.diag(sub)))), 1e-300)
        ev = np.linalg.eigvalsh(sub / scale)
        if ev.min() > tol:
            keep.append(j)
    return np.array(keep, dtype=int)


def _one_blas_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` with one BLAS thread.

    The GMM products have small outputs (L x L) over long inner dimensions; threaded OpenBLAS gains
    little there and, on a loaded machine, its spinning threads cost several times the CPU time of
    the single-threaded product (bench/RESULTS.md, "system GMM").
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _blas_controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


@functools.cache
def _blas_controller() -> Any:
    """One threadpoolctl controller for every call.

    ``threadpool_limits`` scans every loaded shared library each time (3-7 ms a call in a pipeline
    process); the BLAS libraries this module uses (numpy's, and scipy's, loaded by the imports
    above) are there before the first call.
    """
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()

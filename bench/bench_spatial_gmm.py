"""Benchmark: SDM two-way FE with effects and system GMM on 2,850 regions x 20 years.

Run with ``.venv/bin/python bench/bench_spatial_gmm.py`` (not part of pytest). Synthetic data (seeded);
the figures are appended to bench/RESULTS.md under their own heading. Compared with spreg's entity-FE
spatial lag (``spreg.Panel_FE_Lag``) and pydynpd's system GMM on the same data.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.estimators.gmm import GmmStyle, dpd_gmm  # noqa: E402
from analysis.estimators.spatial import (  # noqa: E402
    fit_spatial_panel,
    lesage_pace_effects,
    spatial_lag_panel,
)

N, T, K_NN, SEED = 2850, 20, 8, 20240601


def knn_weights(n: int, k: int, rng: np.random.Generator) -> sp.csr_matrix:
    """Row-standardised k-nearest-neighbour W on random points (sparse)."""
    from scipy.spatial import cKDTree

    pts = rng.uniform(size=(n, 2))
    _, idx = cKDTree(pts).query(pts, k=k + 1)
    rows = np.repeat(np.arange(n), k)
    return sp.csr_matrix((np.full(n * k, 1.0 / k), (rows, idx[:, 1:].ravel())), shape=(n, n))


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds and peak traced Python memory (MB) of one call."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return wall, peak, out


def main() -> None:
    rng = np.random.default_rng(SEED)
    W = knn_weights(N, K_NN, rng)
    X = rng.normal(size=(T, N, 2))
    mu, alpha = rng.normal(size=N), rng.normal(size=T)
    xb = X @ np.array([1.0, -0.5]) + spatial_lag_panel(W, X) @ np.array([0.5, 0.3]) + mu + alpha[:, None]
    xb += rng.normal(scale=0.5, size=(T, N))
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(N) - 0.4 * W))
    y = lu.solve(np.ascontiguousarray(xb.T)).T
    rows: list[tuple[str, float, float, str]] = []

    def sdm() -> Any:
        f = fit_spatial_panel(y, X, W, model="sdm", effects="twoways", names=["x1", "x2"], logdet="lu")
        return f, lesage_pace_effects(f, W, ["x1", "x2"], draws=1000, seed=1)

    wall, peak, (f, eff) = measure(sdm)
    rows.append(("agglo SDM two-way FE + effects (1000 draws), sparse LU", wall, peak,
                 f"rho {f.spatial:.4f} (planted 0.4); direct x1 {eff['x1']['direct'][0]:.3f}"))

    def sar_entity() -> Any:
        return fit_spatial_panel(y, X, W, model="sar", effects="entity", names=["x1", "x2"], logdet="lu")

    wall, peak, f2 = measure(sar_entity)
    rows.append(("agglo SAR entity FE, sparse LU (same model as spreg below)", wall, peak,
                 f"rho {f2.spatial:.4f}"))

    import libpysal
    import spreg

    w_obj = libpysal.weights.WSP(W).to_W(silence_warnings=True)
    w_obj.transform = "r"

    def spreg_fe_lag() -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return spreg.Panel_FE_Lag(y.reshape(-1, 1), X.reshape(-1, 2), w_obj)  # long, time-major

    wall, peak, m = measure(spreg_fe_lag)
    rows.append(("spreg.Panel_FE_Lag entity FE (no effects SEs)", wall, peak,
                 f"rho {float(m.rho):.4f}"))

    # dynamic panel with the same size: y_it = 0.5 y_i,t-1 + 0.3 x_it + mu_i + e_it
    yd = np.zeros((N, T))
    xg = rng.normal(size=(N, T)) + 0.5 * mu[:, None]
    yd[:, 0] = mu + rng.normal(size=N)
    for t in range(1, T):
        yd[:, t] = 0.5 * yd[:, t - 1] + 0.3 * xg[:, t] + mu + rng.normal(size=N)
    ylag = np.full_like(yd, np.nan)
    ylag[:, 1:] = yd[:, :-1]

    def sysgmm() -> Any:
        return dpd_gmm(yd, np.stack([ylag, xg], axis=2), ["L.y", "x"],
                       gmm=[GmmStyle(yd[:, :, None], 2, None, True), GmmStyle(xg[:, :, None], 1, None, True)],
                       system=True, steps=2)

    wall, peak, g = measure(sysgmm)
    rows.append(("agglo system GMM two-step, collapsed", wall, peak,
                 f"L.y {g.params[0]:.4f} (planted 0.5; y_0 is not mean-stationary, so the levels "
                 f"moments are biased: agreement with pydynpd is the check), {g.n_instruments} instruments"))

    from pydynpd import regression

    df = pd.DataFrame({"id": np.repeat(np.arange(N), T), "t": np.tile(np.arange(T), N),
                       "y": yd.ravel(), "x": xg.ravel()})

    def pyd() -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return regression.abond("y L1.y x | gmm(y, 2:.) gmm(x, 1:.) | collapse", df, ["id", "t"])

    wall, peak, r = measure(pyd)
    rows.append(("pydynpd 0.2.2 system GMM two-step, collapsed", wall, peak,
                 f"L1.y {float(r.models[0].regression_table['coefficient'][0]):.4f}"))

    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        "",
        f"## Spatial and GMM estimators ({stamp}, bench/bench_spatial_gmm.py)",
        "",
        f"Synthetic data (seed {SEED}): {N} regions x {T} years, sparse {K_NN}-nearest-neighbour W "
        f"(row-standardised); Python {platform.python_version()}, 2-core machine shared with other jobs. "
        "Peak memory is tracemalloc's peak of Python allocations during the call.",
        "",
        "| task | wall s | peak MB | check |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {a} | {b:.2f} | {c:.0f} | {d} |" for a, b, c, d in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()

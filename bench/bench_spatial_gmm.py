"""Benchmark: SDM two-way FE with effects and system GMM on 2,850 regions x 20 years, vs the peers.

Run with ``.venv/bin/python bench/bench_spatial_gmm.py [--install-r] [--skip spreg,pydynpd,r] [--memory]``
(not part of pytest). Synthetic data (seeded); the figures are appended to bench/RESULTS.md under their
own heading. Every comparison is measured in this one run on the same data:

- agglo SDM two-way FE + LeSage-Pace effects vs R (``bench/r/sdm_twoways.R``: spatialreg::lagsarlm on
  the two-way demeaned data + impacts; R splm is not installable here, see that script) and vs
  ``spreg.Panel_FE_Lag`` (entity-FE SAR, the panel model spreg has) against agglo's same model;
- agglo system GMM vs pydynpd and R ``plm::pgmm`` (``bench/r/pgmm_system.R``).

R is never a product dependency: ``--install-r`` runs ``apt-get install -y r-base-core r-cran-plm
r-cran-spdep r-cran-spatialreg`` (Debian, as root) when ``Rscript`` is missing; without R the R rows
are skipped and say so. Wall times are measured without tracing; ``--memory`` adds a second, traced
run of each agglo task for tracemalloc's peak of Python allocations.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
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



R_PACKAGES = ["r-base-core", "r-cran-plm", "r-cran-spdep", "r-cran-spatialreg"]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call (no tracing)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def make_data() -> dict[str, Any]:
    """The seeded benchmark data: W, a static SDM panel (T, N) and a dynamic panel (N, T)."""
    rng = np.random.default_rng(SEED)
    W = knn_weights(N, K_NN, rng)
    X = rng.normal(size=(T, N, 2))
    mu, alpha = rng.normal(size=N), rng.normal(size=T)
    xb = X @ np.array([1.0, -0.5]) + spatial_lag_panel(W, X) @ np.array([0.5, 0.3]) + mu + alpha[:, None]
    xb += rng.normal(scale=0.5, size=(T, N))
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(N) - 0.4 * W))
    y = lu.solve(np.ascontiguousarray(xb.T)).T
    # dynamic panel with the same size: y_it = 0.5 y_i,t-1 + 0.3 x_it + mu_i + e_it
    yd = np.zeros((N, T))
    xg = rng.normal(size=(N, T)) + 0.5 * mu[:, None]
    yd[:, 0] = mu + rng.normal(size=N)
    for t in range(1, T):
        yd[:, t] = 0.5 * yd[:, t - 1] + 0.3 * xg[:, t] + mu + rng.normal(size=N)
    return {"W": W, "X": X, "y": y, "yd": yd, "xg": xg}


def write_r_inputs(data: dict[str, Any], out: Path) -> None:
    """CSV files the R scripts read: panel.csv (id, t, y, x1, x2), w.csv (i, j, w), dyn.csv (id, t, y, x)."""
    X, y, W = data["X"], data["y"], sp.coo_matrix(data["W"])
    pd.DataFrame({"id": np.tile(np.arange(N), T), "t": np.repeat(np.arange(T), N), "y": y.ravel(),
                  "x1": X[:, :, 0].ravel(), "x2": X[:, :, 1].ravel()}).to_csv(out / "panel.csv", index=False,
                                                                               float_format="%.17g")
    pd.DataFrame({"i": W.row, "j": W.col, "w": W.data}).to_csv(out / "w.csv", index=False, float_format="%.17g")
    pd.DataFrame({"id": np.repeat(np.arange(N), T), "t": np.tile(np.arange(T), N),
                  "y": data["yd"].ravel(), "x": data["xg"].ravel()}).to_csv(out / "dyn.csv", index=False,
                                                                           float_format="%.17g")


def ensure_r(install: bool) -> str | None:
    """Path of Rscript, installing the Debian packages first when asked; None when unavailable."""
    exe = shutil.which("Rscript")
    if exe or not install:
        return exe
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *R_PACKAGES], check=True, env=env,
                   capture_output=True)
    return shutil.which("Rscript")


def run_r(rscript: str, script: str, data_dir: Path) -> tuple[float, dict[str, float], dict[str, float]]:
    """Run one R script; its wall time (incl. starting R and loading packages), TIME and COEF lines."""
    cmd = [rscript, str(ROOT / "bench" / "r" / script), str(data_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    times, coefs = {}, {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("TIME", "COEF"):
            (times if parts[0] == "TIME" else coefs)[parts[1]] = float(parts[2])
    return wall, times, coefs


def r_version(rscript: str) -> str:
    """R and package versions, e.g. ``R 4.2.2, spatialreg 1.2.6, plm 2.6.2``."""
    expr = ('cat(paste0("R ", getRversion(), ", spatialreg ", packageVersion("spatialreg"), ", spdep ", '
            'packageVersion("spdep"), ", plm ", packageVersion("plm")))')
    return subprocess.run([rscript, "-e", expr], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and append its table to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install-r", action="store_true", help="apt-get install R and its packages if missing")
    parser.add_argument("--skip", default="", help="comma-separated peers to skip: spreg, pydynpd, r")
    parser.add_argument("--memory", action="store_true", help="also trace peak Python memory of agglo's tasks")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    load0 = os.getloadavg()[0]
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    data = make_data()
    W, X, y, yd, xg = data["W"], data["X"], data["y"], data["yd"], data["xg"]
    rows: list[tuple[str, float, str, str]] = []  # task, wall s, ratio, check
    peaks: dict[str, float] = {}

    def sdm() -> Any:
        f = fit_spatial_panel(y, X, W, model="sdm", effects="twoways", names=["x1", "x2"], logdet="lu")
        return f, lesage_pace_effects(f, W, ["x1", "x2"], draws=1000, seed=1)

    def sar_entity() -> Any:
        return fit_spatial_panel(y, X, W, model="sar", effects="entity", names=["x1", "x2"], logdet="lu")

    ylag = np.full_like(yd, np.nan)
    ylag[:, 1:] = yd[:, :-1]

    def sysgmm() -> Any:
        return dpd_gmm(yd, np.stack([ylag, xg], axis=2), ["L.y", "x"],
                       gmm=[GmmStyle(yd[:, :, None], 2, None, True), GmmStyle(xg[:, :, None], 1, None, True)],
                       system=True, steps=2)

    t_sdm, (f, eff) = timed(sdm)
    t_sar, f2 = timed(sar_entity)
    t_gmm, g = timed(sysgmm)
    t_gmm = min(t_gmm, timed(sysgmm)[0])  # best of two: sub-second, so noise on a shared machine matters
    if args.memory:
        for name, fn in (("sdm", sdm), ("sar", sar_entity), ("gmm", sysgmm)):
            peaks[name] = measure(fn)[1]

    def mem(key: str) -> str:
        return f", peak {peaks[key]:.0f} MB" if key in peaks else ""

    rows.append(("agglo SDM two-way FE + effects (1000 draws), sparse LU", t_sdm, "1",
                 f"rho {f.spatial:.4f} (planted 0.4); x1 {f.beta[0]:.4f}, W*x1 {f.beta[2]:.4f}; "
                 f"direct x1 {eff['x1']['direct'][0]:.4f} (se {eff['x1']['direct'][1]:.4f}){mem('sdm')}"))

    rscript = None if "r" in skip else ensure_r(args.install_r)
    rver = r_version(rscript) if rscript else ""
    with tempfile.TemporaryDirectory() as tmp:
        if rscript:
            write_r_inputs(data, Path(tmp))
            wall, rt, rc = run_r(rscript, "sdm_twoways.R", Path(tmp))
            r_exact = rt["setup"] + rt["fit_exact"]
            r_user = rt["setup"] + rt["fit_durbin"] + rt["impacts"]
            rows.append(("R spatialreg::lagsarlm, same model (demeaned data, W*x before demeaning), sparse LU; "
                         "no effects", r_exact, f"{r_exact / t_sdm:.1f}",
                         f"rho {rc['exact_rho']:.4f}; x1 {rc['exact_x1']:.4f}, W*x1 {rc['exact_Wx1']:.4f} "
                         f"(must equal agglo's)"))
            rows.append(("R spatialreg::lagsarlm(Durbin = TRUE) on the demeaned data + impacts(R = 1000, MC traces)",
                         r_user, f"{r_user / t_sdm:.1f}",
                         f"rho {rc['durbin_rho']:.4f}; direct x1 {rc['durbin_direct_x1']:.4f} "
                         f"(se {rc['durbin_direct_x1_se']:.4f}); W*x of the demeaned x, so not identical; "
                         f"R process wall incl. start-up, reading CSV, both fits: {wall:.1f} s"))
        else:
            rows.append(("R spatialreg (splm stand-in)", float("nan"), "-",
                         "skipped: Rscript not found (run with --install-r)"))
        rows.append(("agglo SAR entity FE, sparse LU (same model as spreg below)", t_sar, "1",
                     f"rho {f2.spatial:.4f}{mem('sar')}"))
        if "spreg" not in skip:
            import libpysal
            import spreg

            w_obj = libpysal.weights.WSP(W).to_W(silence_warnings=True)
            w_obj.transform = "r"

            def spreg_fe_lag() -> Any:
                with contextlib.redirect_stdout(io.StringIO()):
                    return spreg.Panel_FE_Lag(y.reshape(-1, 1), X.reshape(-1, 2), w_obj)  # long, time-major

            wall, m = timed(spreg_fe_lag)
            rows.append((f"spreg {spreg.__version__} Panel_FE_Lag entity FE (no effects SEs)", wall,
                         f"{wall / t_sar:.1f}", f"rho {float(m.rho):.4f}"))
        rows.append(("agglo system GMM two-step, collapsed (best of 2)", t_gmm, "1",
                     f"L.y {g.params[0]:.4f}, x {g.params[1]:.4f} (planted 0.5, 0.3; y_0 is not mean-stationary, "
                     f"so the levels moments are biased: agreement with pydynpd is the check), "
                     f"{g.n_instruments} instruments{mem('gmm')}"))
        if "pydynpd" not in skip:
            from pydynpd import regression

            df = pd.DataFrame({"id": np.repeat(np.arange(N), T), "t": np.tile(np.arange(T), N),
                               "y": yd.ravel(), "x": xg.ravel()})

            def pyd() -> Any:
                with contextlib.redirect_stdout(io.StringIO()):
                    return regression.abond("y L1.y x | gmm(y, 2:.) gmm(x, 1:.) | collapse", df, ["id", "t"])

            wall, r = timed(pyd)
            tab = r.models[0].regression_table
            rows.append(("pydynpd 0.2.2 system GMM two-step, collapsed", wall, f"{wall / t_gmm:.0f}",
                         f"L1.y {float(tab['coefficient'][0]):.4f}, x {float(tab['coefficient'][1]):.4f}"))
        if rscript:
            wall, rt, rc = run_r(rscript, "pgmm_system.R", Path(tmp))
            rows.append(("R plm::pgmm system GMM two-step, collapsed (transformation ld)", rt["fit"],
                         f"{rt['fit'] / t_gmm:.0f}",
                         f"L.y {rc['L.y']:.4f}, x {rc['x']:.4f} (no constant in pgmm's levels equation)"))

    load1 = os.getloadavg()[0]
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        "",
        f"## Spatial and GMM estimators vs peers ({stamp}, bench/bench_spatial_gmm.py; commit {rev or '?'})",
        "",
        f"Command: `.venv/bin/python bench/bench_spatial_gmm.py{' ' + ' '.join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else ''}`. "
        f"Synthetic data (seed {SEED}): {N} regions x {T} years, sparse {K_NN}-nearest-neighbour W "
        f"(row-standardised); Python {platform.python_version()}{', ' + rver if rver else ''}; 2-core machine "
        f"shared with other engineers, load average (1 min) {load0:.1f} at the start, {load1:.1f} at the end. "
        "Ratio = peer wall time / agglo's wall time for the same task, measured in this run. Targets: SDM <= 10 s "
        "and >= 10x the R reference; system GMM <= 0.5 s.",
        "",
        "| task | wall s | ratio to agglo | check |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {a} | {b:.2f} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()

"""Layout of a spatial Durbin table: Main, Wx, Direct, Indirect, Total (paper 001 table 11).

:func:`sdm_table` turns one SDM :class:`~analysis.estimators.results.ModelResult` into a frame with one row pair
per x term (estimate with stars, then the z statistic or standard error in parentheses) and the five
columns, plus rho / sigma2 / N rows. :func:`spatial_tests_table` lists the LM, robust LM, Wald and LR
statistics of a fit and its spatial Hausman test (FE vs RE, ``hausman: true``).
:func:`moran_table` lays out a Moran's I table (one row per period; I, z and p-values per variable).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.estimators.results import ModelResult

COLUMNS = ("Main", "Wx", "Direct", "Indirect", "Total")
TEST_ROWS = (("lm_lag", "LM (lag)"), ("rlm_lag", "Robust LM (lag)"), ("lm_error", "LM (error)"),
             ("rlm_error", "Robust LM (error)"), ("wald_sar", "Wald (SAR)"), ("wald_sem", "Wald (SEM)"),
             ("lr_sar", "LR (SAR)"), ("lr_sem", "LR (SEM)"), ("hausman", "Hausman (FE vs RE)"))


def _stars(p: float | None) -> str:
    if p is None or p != p:
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def _cell(est: float, se: float | None, p: float | None, second: str) -> tuple[str, str]:
    top = f"{est:.3f}{_stars(p)}"
    if se is None or se != se or se == 0:
        return top, ""
    return top, f"({est / se:.2f})" if second == "z" else f"({se:.3f})"


def sdm_table(res: ModelResult, *, second: str = "z") -> pd.DataFrame:
    """Main / Wx / Direct / Indirect / Total table of an SDM result.

    Parameters
    ----------
    res : ModelResult
        An ``sdm`` result with ``effects``.
    second : {"z", "se"}
        What goes in parentheses under each estimate (the paper prints z statistics).

    Returns
    -------
    pandas.DataFrame
        Index: term, then ``""`` for the parenthesis row; columns :data:`COLUMNS`.
    """
    if res.estimator != "sdm":
        raise ValueError(f"sdm_table needs an sdm result, got {res.estimator!r} ({res.model_id!r})")
    terms = [t for t in res.params.index if not t.startswith("W*") and t not in ("rho", "lambda", "const")]
    rows: list[tuple[str, dict[str, str]]] = []
    for t in terms:
        top: dict[str, str] = {}
        bottom: dict[str, str] = {}
        for col, name in (("Main", t), ("Wx", f"W*{t}")):
            if name in res.params.index:
                top[col], bottom[col] = _cell(res.params[name], res.std_errors[name], res.pvalues[name], second)
        for col in ("Direct", "Indirect", "Total"):
            e = res.effects.get(t, {}).get(col.lower())
            if e is not None:
                top[col], bottom[col] = _cell(e.estimate, e.std_error, e.p_value, second)
        rows += [(t, top), ("", bottom)]
    if "rho" in res.params.index:
        top, bottom = {}, {}
        top["Main"], bottom["Main"] = _cell(res.params["rho"], res.std_errors["rho"], res.pvalues["rho"], second)
        rows += [("rho", top), ("", bottom)]
    if "sigma2" in res.diagnostics:
        rows.append(("sigma2_e", {"Main": f"{res.diagnostics['sigma2'].value:.3f}"}))
    rows.append(("N", {c: str(res.nobs) for c in COLUMNS}))
    frame = pd.DataFrame([r for _, r in rows], index=[i for i, _ in rows], columns=list(COLUMNS))
    return frame.fillna("")


def spatial_tests_table(res: ModelResult) -> pd.DataFrame:
    """LM / robust LM / Wald / LR statistics of a spatial result (statistic, df, p-value)."""
    out = []
    for key, label in TEST_ROWS:
        s = res.diagnostics.get(key)
        if s is not None:
            out.append({"test": label, "statistic": s.value, "df": s.df, "p_value": s.p_value,
                        "stars": _stars(s.p_value)})
    return pd.DataFrame(out)


def moran_table(moran: pd.DataFrame, *, labels: Mapping[str, str] | None = None, digits: int = 3) -> pd.DataFrame:
    """Display table of a Moran's I run: one row per period, four columns per variable.

    Parameters
    ----------
    moran : pandas.DataFrame
        Columns ``variable, period, moran_i, z_normal, p_normal, p_permutation`` (the runner's
        ``results.moran`` layout).
    labels : mapping, optional
        Display names of the variables.
    digits : int
        Decimals of I and z (p-values get ``digits`` too).

    Returns
    -------
    pandas.DataFrame
        Index ``Year`` (the periods); per variable ``<label> I`` (with stars from the normal p-value),
        ``<label> z``, ``<label> p`` and ``<label> p (perm.)``.
    """
    labels = labels or {}
    variables = list(dict.fromkeys(moran["variable"]))
    periods = list(dict.fromkeys(moran.sort_values("period")["period"]))
    by = moran.set_index(["variable", "period"])
    cols: dict[str, list[str]] = {}
    for v in variables:
        lab = str(labels.get(v, v))
        rows = [by.loc[(v, t)] if (v, t) in by.index else None for t in periods]
        cols[f"{lab} I"] = ["" if r is None else f"{r['moran_i']:.{digits}f}{_stars(r['p_normal'])}" for r in rows]
        cols[f"{lab} z"] = ["" if r is None else f"{r['z_normal']:.{digits}f}" for r in rows]
        cols[f"{lab} p"] = ["" if r is None else f"{r['p_normal']:.{digits}f}" for r in rows]
        cols[f"{lab} p (perm.)"] = ["" if r is None or pd.isna(r["p_permutation"]) else f"{r['p_permutation']:.{digits}f}"
                                    for r in rows]
    return pd.DataFrame(cols, index=pd.Index([str(t) for t in periods], name="Year"))

"""Spatial layouts as :class:`~analysis.report.table.Table` s: the spatial Durbin table, spatial tests, Moran's I.

:func:`sdm_table` turns one SDM :class:`~analysis.estimators.results.ModelResult` into a table with one
row pair per x term (estimate with stars, then the z statistic or standard error in parentheses) and
the columns Main, Wx, Direct, Indirect, Total (paper 001 table 11), plus rho / sigma2 / N rows.
:func:`spatial_tests_table` lists the LM, robust LM, Wald and LR statistics of a fit and its spatial
Hausman test (FE vs RE, ``hausman: true``) as numbers. :func:`moran_table` lays out a Moran's I table
(one row per period; I, z and p-values per variable).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.estimators.results import ModelResult
from analysis.report.table import BLANK, Cell, Row, Table, number, stars

COLUMNS = ("Main", "Wx", "Direct", "Indirect", "Total")
TEST_ROWS = (("lm_lag", "LM (lag)"), ("rlm_lag", "Robust LM (lag)"), ("lm_error", "LM (error)"),
             ("rlm_error", "Robust LM (error)"), ("wald_sar", "Wald (SAR)"), ("wald_sem", "Wald (SEM)"),
             ("lr_sar", "LR (SAR)"), ("lr_sem", "LR (SEM)"), ("hausman", "Hausman (FE vs RE)"))


def _cell(est: float, se: float | None, p: float | None, second: str) -> tuple[Cell, Cell]:
    top = number(est, p=p)
    if se is None or se != se or se == 0:
        return top, BLANK
    return top, number(est / se, digits=2, wrap="()") if second == "z" else number(se, wrap="()")


def sdm_table(res: ModelResult, *, second: str = "z") -> Table:
    """Main / Wx / Direct / Indirect / Total table of an SDM result.

    Parameters
    ----------
    res : ModelResult
        An ``sdm`` result with ``effects``.
    second : {"z", "se"}
        What goes in parentheses under each estimate (the paper prints z statistics).

    Returns
    -------
    Table
        Rows: term, then ``""`` for the parenthesis row; columns :data:`COLUMNS`.
    """
    if res.estimator != "sdm":
        raise ValueError(f"sdm_table needs an sdm result, got {res.estimator!r} ({res.model_id!r})")
    terms = [t for t in res.params.index if not t.startswith("W*") and t not in ("rho", "lambda", "const")]
    rows: list[tuple[str, dict[str, Cell]]] = []
    for t in terms:
        top: dict[str, Cell] = {}
        bottom: dict[str, Cell] = {}
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
        rows.append(("sigma2_e", {"Main": number(res.diagnostics["sigma2"].value)}))
    rows.append(("N", {c: number(res.nobs, integer=True) for c in COLUMNS}))
    return Table(columns=COLUMNS, rows=tuple(Row(label, tuple(r.get(c, BLANK) for c in COLUMNS),
                                                 "se" if not label else "coef") for label, r in rows))


def spatial_tests_table(res: ModelResult) -> pd.DataFrame:
    """LM / robust LM / Wald / LR statistics of a spatial result (statistic, df, p-value)."""
    out = []
    for key, label in TEST_ROWS:
        s = res.diagnostics.get(key)
        if s is not None:
            out.append({"test": label, "statistic": s.value, "df": s.df, "p_value": s.p_value,
                        "stars": stars(s.p_value)})
    return pd.DataFrame(out)


def moran_table(moran: pd.DataFrame, *, labels: Mapping[str, str] | None = None, digits: int = 3,
                title: str = "", notes: tuple[str, ...] = ()) -> Table:
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
    Table
        Stub ``Year`` (the periods); per variable ``<label> I`` (with stars from the normal p-value),
        ``<label> z``, ``<label> p`` and ``<label> p (perm.)``.
    """
    labels = labels or {}
    variables = list(dict.fromkeys(moran["variable"]))
    periods = list(dict.fromkeys(moran.sort_values("period")["period"]))
    by = moran.set_index(["variable", "period"])
    columns: list[str] = []
    cells: list[list[Cell]] = [[] for _ in periods]
    for v in variables:
        lab = str(labels.get(v, v))
        columns += [f"{lab} I", f"{lab} z", f"{lab} p", f"{lab} p (perm.)"]
        for i, t in enumerate(periods):
            if (v, t) not in by.index:
                cells[i] += [BLANK] * 4
                continue
            r = by.loc[(v, t)]
            cells[i] += [number(r["moran_i"], digits=digits, p=r["p_normal"]), number(r["z_normal"], digits=digits),
                         number(r["p_normal"], digits=digits), number(r["p_permutation"], digits=digits)]
    rows = tuple(Row(str(t), tuple(c)) for t, c in zip(periods, cells, strict=True))
    return Table(columns=tuple(columns), rows=rows, stub_header="Year", title=title, notes=notes)

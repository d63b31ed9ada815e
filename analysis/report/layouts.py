"""Publication tables in the papers' layout (``reports/tables/``), built as :class:`~analysis.report.table.Table` s.

- :func:`comparison_table`: one column per model; for every term a coefficient row with stars
  (:func:`~analysis.report.table.stars`) and a standard-error row in parentheses; then fixed-effect
  rows (Yes/No), one Yes/No row per dummy set (``indicate``), test-statistic rows (value, p-value in
  brackets, Stock-Yogo critical value in braces), N and R^2, as in paper 001 table 4.
- :func:`effects_table`: mediation effects (paper 001 table 8): effect, SE and bootstrap interval.
- :func:`descriptives_table`: Obs, Mean, Sd, Min, Max (paper 001 table 3, paper 004 table 1).
- :func:`indicate_for`: the dummy sets of a spec shown as one row each.

Numbers go through :func:`analysis.report.table.format_number` (the one number format).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.estimators.results import ModelResult
from analysis.report.table import BLANK, Row, Table, indicate_rows, number, text

__all__ = ["comparison_table", "effects_table", "descriptives_table", "indicate_for", "TEST_ROWS", "FE_KINDS"]

#: Fixed-effect kinds of :attr:`ModelResult.fixed_effects`; an ``indicate`` label equal to one of these
#: folds its dummy terms into that fixed-effect row.
FE_KINDS = ("entity", "time")

# (stat name, row label, what goes under the value: "p" -> [p], "sy" -> {Stock-Yogo})
TEST_ROWS: tuple[tuple[str, str, str], ...] = (
    ("first_stage_f", "First-stage F statistic", ""),
    ("kp_lm", "Kleibergen-Paap rk LM statistic", "p"),
    ("kp_wald_f", "Kleibergen-Paap rk Wald F statistic", "sy"),
    ("anderson_rubin", "Anderson-Rubin Wald statistic", "p"),
    ("hausman", "Hausman test", "p"),
    # spatial specification tests (paper 001 sec. 5.6), each with its p-value below
    ("lm_lag", "LM (lag)", "p"),
    ("rlm_lag", "Robust LM (lag)", "p"),
    ("lm_error", "LM (error)", "p"),
    ("rlm_error", "Robust LM (error)", "p"),
    ("wald_sar", "Wald (SAR)", "p"),
    ("wald_sem", "Wald (SEM)", "p"),
    ("lr_sar", "LR (SAR)", "p"),
    ("lr_sem", "LR (SEM)", "p"),
)


def indicate_for(models: Sequence[Mapping[str, Any]], configured: Mapping[str, str] | None = None) -> dict[str, str]:
    """The dummy sets shown as one Yes/No row each: ``{label: fnmatch pattern}``.

    ``configured`` (a paper manifest's ``indicate:``) wins; otherwise the sets follow from the models:
    ``time_effects: true`` (year dummies ``year_<t>``) folds into the time fixed-effects row, and each
    column of ``dummies: [...]`` (terms ``<column>_<value>``) gets a row ``<column> dummies``.
    """
    if configured:
        return dict(configured)
    out: dict[str, str] = {}
    for m in models:
        if m.get("time_effects"):
            out["time"] = "year_*"
        dummies = m.get("dummies") or []
        for d in [dummies] if isinstance(dummies, str) else dummies:
            out[f"{d} dummies"] = f"{d}_*"
    return out


def _r2(res: ModelResult) -> float | None:
    for name in ("r2_within", "r2"):
        if name in res.diagnostics:
            return res.diagnostics[name].value
    return None


def comparison_table(results: Sequence[ModelResult], *, labels: Mapping[str, str] | None = None,
                     term_order: Sequence[str] | None = None, digits: int = 3,
                     fe_labels: Mapping[str, str] | None = None,
                     column_labels: Sequence[str] | None = None,
                     show_const: bool = True, indicate: Mapping[str, str] | None = None,
                     title: str = "", notes: Sequence[str] = ()) -> Table:
    """Comparison table across models.

    Parameters
    ----------
    results : sequence of ModelResult
        One per column.
    labels : mapping, optional
        Display labels of terms (default: the term as written).
    term_order : sequence of str, optional
        Row order of terms (default: order of first appearance; ``const`` last).
    digits : int
        Decimals.
    fe_labels : mapping, optional
        Labels of the fixed-effect rows, keys ``entity`` and ``time``.
    column_labels : sequence of str, optional
        Column headers (default: model ids).
    show_const : bool
        Include the constant row.
    indicate : mapping, optional
        ``{label: pattern}`` dummy sets (:func:`indicate_for`): their terms get no coefficient rows but
        one row "Yes"/"No" per set (a label ``entity`` or ``time`` marks that fixed-effects row instead).
    title, notes
        Carried into the table.

    Returns
    -------
    Table
        Stub header ``Variables``; SE rows have an empty label.
    """
    labels = dict(labels or {})
    indicate = dict(indicate or {})
    fe_labels = {"entity": "Entity fixed effects", "time": "Time fixed effects", **dict(fe_labels or {})}
    cols = list(column_labels) if column_labels else [r.model_id for r in results]
    if term_order is None:
        seen: list[str] = []
        for r in results:
            seen.extend(t for t in r.params.index if t not in seen and t != "const")
        term_order = seen + (["const"] if show_const else [])
    elif show_const and "const" not in term_order:
        term_order = [*term_order, "const"]
    term_order, _ = indicate_rows(list(term_order), indicate)
    dummy_sets = [indicate_rows([str(t) for t in r.params.index], indicate)[1] for r in results]
    rows: list[Row] = []
    for term in term_order:
        if not any(term in r.params.index for r in results):
            continue
        coef, se = [], []
        for r in results:
            if term in r.params.index:
                coef.append(number(r.params[term], digits=digits, p=r.pvalues[term], star_sep=" "))
                se.append(number(r.std_errors[term], digits=digits, wrap="()"))
            else:
                coef.append(BLANK)
                se.append(BLANK)
        rows.append(Row(labels.get(term, "constant" if term == "const" else term), tuple(coef), "coef"))
        rows.append(Row("", tuple(se), "se"))
    for kind in FE_KINDS:
        has = [kind in r.fixed_effects or bool(d.get(kind)) for r, d in zip(results, dummy_sets, strict=True)]
        rows.append(Row(fe_labels[kind], tuple(text("Yes" if h else "No") for h in has), "fe"))
    for label in indicate:
        if label not in FE_KINDS:
            rows.append(Row(label, tuple(text("Yes" if d[label] else "No") for d in dummy_sets), "fe"))
    for name, label, below in TEST_ROWS:
        if not any(name in r.diagnostics for r in results):
            continue
        vals, extra = [], []
        for r in results:
            t = r.diagnostics.get(name)
            vals.append(BLANK if t is None else number(t.value, digits=digits))
            if t is None or not below:
                extra.append(BLANK)
            elif below == "p":
                extra.append(number(t.p_value, digits=digits, wrap="[]"))
            else:
                sy = r.diagnostics.get("stock_yogo_10")
                extra.append(BLANK if sy is None else number(sy.value, digits=2, wrap="{}"))
        rows.append(Row(label, tuple(vals), "stat"))
        if any(c.text for c in extra):
            rows.append(Row("", tuple(extra), "stat-p"))
    rows.append(Row("N", tuple(number(r.nobs, integer=True) for r in results), "count"))
    rows.append(Row("R^2", tuple(number(_r2(r), digits=digits) for r in results), "stat"))
    return Table(columns=tuple(cols), rows=tuple(rows), stub_header="Variables", title=title, notes=tuple(notes))


def effects_table(results: Sequence[ModelResult], *, digits: int = 3, ci: str = "bias_corrected",
                  labels: Mapping[str, str] | None = None, title: str = "", notes: Sequence[str] = ()) -> Table:
    """Mediation effects: one row per (model, effect) with estimate, SE and interval bounds.

    The stub is the explained variable; columns: mediating variable, treatment, effect, effect size,
    standard error, lower and upper limit of the ``ci`` interval.
    """
    labels = dict(labels or {})
    rows = []
    for r in results:
        for term, kinds in r.effects.items():
            for kind in ("indirect", "direct", "total"):
                if kind not in kinds:
                    continue
                e = kinds[kind]
                lo, hi = e.ci.get(ci, (None, None))
                mediator = str(r.info.get("mediator", ""))
                rows.append(Row(labels.get(r.dependent, r.dependent), (
                    text(labels.get(mediator, mediator)), text(labels.get(term, term)),
                    text(f"{kind.capitalize()} effect"), number(e.estimate, digits=digits),
                    number(e.std_error, digits=digits), number(lo, digits=digits), number(hi, digits=digits))))
    columns = ("Mediating variable", "Treatment", "Effect", "Effect size", "Standard error", "Lower limit",
               "Upper limit")
    return Table(columns=columns, rows=tuple(rows), stub_header="Explained variable", title=title, notes=tuple(notes))


def descriptives_table(df: pd.DataFrame, digits: int = 2, *, title: str = "", notes: Sequence[str] = ()) -> Table:
    """Descriptive statistics (:func:`analysis.studies.runner.descriptives`) for display."""
    rows = []
    for _, r in df.iterrows():
        rows.append(Row(str(r["Variable names"]), (
            text(r["Variables"]), number(r["Obs"], integer=True),
            *(number(r[c], digits=digits) for c in ("Mean", "Sd", "Min", "Max")))))
    return Table(columns=("Variables", "Obs", "Mean", "Sd", "Min", "Max"), rows=tuple(rows),
                 stub_header="Variable names", title=title, notes=tuple(notes))

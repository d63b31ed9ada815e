"""Publication tables in the papers' layout.

- :func:`comparison_table`: one column per model; for every term a coefficient row with stars
  (``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1) and a standard-error row in parentheses; then
  rows N and R^2, fixed-effect rows (Yes/No) and test-statistic rows (value, p-value in brackets,
  Stock-Yogo critical value in braces), as in paper 001 table 4.
- :func:`effects_table`: mediation effects (paper 001 table 8): effect, SE and bootstrap interval.
- :func:`descriptives_table`: Obs, Mean, Sd, Min, Max (paper 001 table 3, paper 004 table 1).
- :func:`to_markdown`, :func:`to_latex`: render a table (a DataFrame of strings) with its title and
  notes; CSV is ``DataFrame.to_csv``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.estimators.results import ModelResult

__all__ = [
    "stars",
    "comparison_table",
    "effects_table",
    "descriptives_table",
    "to_markdown",
    "to_latex",
    "TEST_ROWS",
    "DEFAULT_NOTES",
]

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
DEFAULT_NOTES = (
    "Standard errors in parentheses; p-values of test statistics in square brackets; Stock-Yogo (2005) "
    "10% maximal IV size critical values in curly braces. *, ** and *** denote significance at the "
    "10%, 5% and 1% levels."
)


def stars(p: float | None) -> str:
    """Significance stars: ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1."""
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def _fmt(v: float | None, digits: int) -> str:
    if v is None or not np.isfinite(v):
        return ""
    return f"{v:.{digits}f}"


def _r2(res: ModelResult) -> float | None:
    for name in ("r2_within", "r2"):
        if name in res.diagnostics:
            return res.diagnostics[name].value
    return None


def comparison_table(results: Sequence[ModelResult], *, labels: Mapping[str, str] | None = None,
                     term_order: Sequence[str] | None = None, digits: int = 3,
                     fe_labels: Mapping[str, str] | None = None,
                     column_labels: Sequence[str] | None = None,
                     show_const: bool = True) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Strings; index = row labels (SE rows have an empty label), columns = models.
    """
    labels = dict(labels or {})
    fe_labels = {"entity": "Entity fixed effects", "time": "Time fixed effects", **dict(fe_labels or {})}
    cols = list(column_labels) if column_labels else [r.model_id for r in results]
    if term_order is None:
        seen: list[str] = []
        for r in results:
            seen.extend(t for t in r.params.index if t not in seen and t != "const")
        term_order = seen + (["const"] if show_const else [])
    elif show_const and "const" not in term_order:
        term_order = [*term_order, "const"]
    rows: list[tuple[str, list[str]]] = []
    for term in term_order:
        if not any(term in r.params.index for r in results):
            continue
        coef, se = [], []
        for r in results:
            if term in r.params.index:
                coef.append(_fmt(r.params[term], digits) + (" " + stars(r.pvalues[term]) if stars(r.pvalues[term]) else ""))
                se.append(f"({_fmt(r.std_errors[term], digits)})")
            else:
                coef.append("")
                se.append("")
        rows.append((labels.get(term, "constant" if term == "const" else term), coef))
        rows.append(("", se))
    for kind in ("entity", "time"):
        rows.append((fe_labels[kind], ["Yes" if kind in r.fixed_effects else "No" for r in results]))
    for name, label, below in TEST_ROWS:
        if not any(name in r.diagnostics for r in results):
            continue
        vals, extra = [], []
        for r in results:
            t = r.diagnostics.get(name)
            vals.append("" if t is None else _fmt(t.value, digits))
            if t is None or not below:
                extra.append("")
            elif below == "p":
                extra.append("" if t.p_value is None else f"[{t.p_value:.{digits}f}]")
            else:
                sy = r.diagnostics.get("stock_yogo_10")
                extra.append("" if sy is None else f"{{{sy.value:.2f}}}")
        rows.append((label, vals))
        if any(extra):
            rows.append(("", extra))
    rows.append(("N", [str(r.nobs) for r in results]))
    rows.append(("R^2", [_fmt(_r2(r), digits) for r in results]))
    index = [r[0] for r in rows]
    return pd.DataFrame([r[1] for r in rows], index=pd.Index(index, name="Variables"), columns=cols)


def effects_table(results: Sequence[ModelResult], *, digits: int = 3, ci: str = "bias_corrected",
                  labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mediation effects: one row per (model, effect) with estimate, SE and interval bounds."""
    labels = dict(labels or {})
    recs = []
    for r in results:
        for term, kinds in r.effects.items():
            for kind in ("indirect", "direct", "total"):
                if kind not in kinds:
                    continue
                e = kinds[kind]
                lo, hi = e.ci.get(ci, (None, None))
                recs.append({
                    "Explained variable": labels.get(r.dependent, r.dependent),
                    "Mediating variable": labels.get(str(r.info.get("mediator", "")), str(r.info.get("mediator", ""))),
                    "Treatment": labels.get(term, term),
                    "Effect": f"{kind.capitalize()} effect",
                    "Effect size": _fmt(e.estimate, digits),
                    "Standard error": _fmt(e.std_error, digits),
                    "Lower limit": _fmt(lo, digits),
                    "Upper limit": _fmt(hi, digits),
                })
    return pd.DataFrame(recs)


def descriptives_table(data: pd.DataFrame, variables: Sequence[str], *,
                       labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Obs, Mean, Sd (n - 1), Min, Max of each variable (columns of ``data``, named as written).

    Returns numbers (not strings); see :func:`format_descriptives` for display.
    """
    labels = dict(labels or {})
    recs = []
    for v in variables:
        s = pd.to_numeric(data[v], errors="coerce").dropna()
        recs.append({"Variable names": labels.get(v, v), "Variables": v, "Obs": int(s.size),
                     "Mean": float(s.mean()) if s.size else np.nan,
                     "Sd": float(s.std(ddof=1)) if s.size > 1 else np.nan,
                     "Min": float(s.min()) if s.size else np.nan,
                     "Max": float(s.max()) if s.size else np.nan})
    return pd.DataFrame(recs)


def format_descriptives(df: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """Descriptive statistics as display strings."""
    out = df.copy()
    for c in ("Mean", "Sd", "Min", "Max"):
        out[c] = out[c].map(lambda v: _fmt(v, digits))
    out["Obs"] = out["Obs"].astype(str)
    return out.set_index("Variable names")


def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|")


def to_markdown(table: pd.DataFrame, *, title: str = "", notes: str = "") -> str:
    """GitHub-flavoured Markdown with a bold title line and notes below."""
    head = [str(table.index.name or "")] + [str(c) for c in table.columns]
    lines = []
    if title:
        lines += [f"**{title}**", ""]
    lines.append("| " + " | ".join(_md_escape(h) for h in head) + " |")
    lines.append("|" + "|".join([":---"] + [":---:"] * len(table.columns)) + "|")
    for idx, row in table.iterrows():
        lines.append("| " + " | ".join(_md_escape(x) for x in [idx, *row.tolist()]) + " |")
    if notes:
        lines += ["", notes]
    return "\n".join(lines) + "\n"


def _tex_escape(s: str) -> str:
    rep = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
           "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(rep.get(ch, ch) for ch in str(s))


def to_latex(table: pd.DataFrame, *, title: str = "", notes: str = "", label: str = "") -> str:
    r"""A ``table`` environment with booktabs rules (needs ``\usepackage{booktabs}``)."""
    ncol = len(table.columns)
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if title:
        lines.append(rf"\caption{{{_tex_escape(title)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines.append(r"\begin{tabular}{l" + "c" * ncol + "}")
    lines.append(r"\toprule")
    lines.append(" & ".join([_tex_escape(table.index.name or "")] + [_tex_escape(c) for c in table.columns]) + r" \\")
    lines.append(r"\midrule")
    for idx, row in table.iterrows():
        cells = [_tex_escape(idx)] + [_tex_escape(x) for x in row.tolist()]
        lines.append(" & ".join(cells).replace("R\\^{}2", "$R^2$") + r" \\")
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if notes:
        lines.append(r"\par\smallskip\footnotesize " + _tex_escape(notes))
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"

"""The report's study tables, read from the ``results`` schema (:mod:`analysis.studies.store`), newest run.

One :class:`ReportTable` per table family:

- :func:`results_table`: models side by side (paper layout: coefficient with stars over its standard
  error; effect decompositions with SEs and bootstrap intervals; N and entities; fixed-effect and
  dummy-set rows; every named statistic with its p-value);
- :func:`spatial_table`: one spatial model as Main / W× / Direct / Indirect / Total (paper 001 table 11);
- :func:`moran_report_table`, :func:`descriptives_report_table`, :func:`mediation_effects_table`.

Every number cell carries its provenance (:func:`key`: table, key columns, column) and unrounded value,
so a test can re-query each one; numbers and stars come from :mod:`analysis.report.table`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis.report.data import ReportError
from analysis.report.layouts import FE_KINDS
from analysis.report.table import BLANK, STARS_NOTE, Cell, Row, Table, indicate_rows, number, text
from analysis.studies.spec import Spec
from analysis.studies.store import has_rows, spec_frames

STAT_ORDER = (
    "r2", "r2_within", "hausman", "first_stage_f", "kp_lm", "kp_wald_f", "anderson_rubin", "hansen_j",
    "sargan", "ar1", "ar2", "n_instruments", "rho", "lambda", "log_likelihood", "lm_lag", "lm_error",
    "rlm_lag", "rlm_error", "wald_sar", "wald_sem", "lr_sar", "lr_sem", "moran_i",
)
STAT_LABELS = {
    "r2": "R²", "r2_within": "Within R²", "hausman": "Hausman χ²", "first_stage_f": "First-stage F",
    "kp_lm": "Kleibergen-Paap rk LM", "kp_wald_f": "Kleibergen-Paap rk Wald F",
    "anderson_rubin": "Anderson-Rubin Wald", "hansen_j": "Hansen J", "sargan": "Sargan",
    "ar1": "AR(1) z", "ar2": "AR(2) z", "n_instruments": "Instruments", "rho": "ρ (spatial lag)",
    "lambda": "λ (spatial error)", "log_likelihood": "Log-likelihood", "lm_lag": "LM-lag",
    "lm_error": "LM-error", "rlm_lag": "Robust LM-lag", "rlm_error": "Robust LM-error",
    "wald_sar": "Wald test SDM vs SAR", "wald_sem": "Wald test SDM vs SEM", "lr_sar": "LR test SDM vs SAR",
    "lr_sem": "LR test SDM vs SEM", "moran_i": "Moran's I", "r2_lsdv": "LSDV R²",
    "stock_yogo_10": "Stock-Yogo 10% maximal IV size critical value", "sigma2": "σ² (residual variance)",
    "sigma2_e": "σ²ₑ (idiosyncratic variance)", "sigma2_u": "σ²ᵤ (individual-effect variance)",
    "a_path": "a path (treatment → mediator)", "b_path": "b path (mediator → outcome)",
}
INTEGER_STATS = {"n_instruments"}
FE_ROWS = (("entity", "Entity fixed effects"), ("time", "Year fixed effects"))
SPATIAL_ESTIMATORS = {"sar", "sem", "sdm"}
SPATIAL_COLUMNS = ("Main", "W×", "Direct", "Indirect", "Total")
MORAN_COLUMNS = (("moran_i", "I"), ("z_normal", "z"), ("p_normal", "p"), ("p_permutation", "p (perm.)"))
DESCRIPTIVE_COLUMNS = (("obs", "Obs", True), ("mean", "Mean", False), ("sd", "Sd", False),
                       ("min", "Min", False), ("max", "Max", False))
CI_KINDS = (("bias_corrected", "bias-corrected"), ("percentile", "percentile"))


@dataclass(frozen=True)
class ReportTable(Table):
    """A table of the report: the :class:`~analysis.report.table.Table` plus where it comes from."""

    id: str = ""
    paper: str = ""
    number: str | None = None
    source: str = ""
    spec_file: str | None = None
    exports: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpecSource:
    """What a spec table needs to know about its spec: the parsed spec (or None), its file, dummy sets."""

    name: str
    spec: Spec | None
    spec_file: str | None
    indicate: Mapping[str, str]
    paper: str
    number: str | None = None

    @property
    def labels(self) -> dict[str, str]:
        """Display labels of terms."""
        return dict(self.spec.labels) if self.spec is not None else {}

    @property
    def source(self) -> str:
        """The data the spec read (``mart <table>`` or ``CSV <path>``)."""
        if self.spec is None:
            return "unknown (spec file not found)"
        data = self.spec.data
        return f"mart {data['table']}" if "table" in data else f"CSV {data.get('csv')}"

    def order(self, kind: str) -> list[str]:
        """The spec's column order: model ids (``kind`` models) or variables (descriptives, moran)."""
        if self.spec is None or self.spec.kind != kind:
            return []
        if kind == "models":
            return [str(m["id"]) for m in self.spec.models]
        return list(self.spec.variables)

    def report_table(self, table_id: str, **kw: Any) -> ReportTable:
        """A :class:`ReportTable` of this spec."""
        return ReportTable(id=table_id, paper=self.paper, number=self.number, source=self.source,
                           spec_file=self.spec_file, **kw)


def key(table: str, where: Mapping[str, Any], column: str) -> dict[str, Any]:
    """Provenance of a number: ``{"table", "where": {column: value}, "column"}`` (NaN keys as null)."""
    return {"table": table, "where": {k: (None if pd.isna(v) else v) for k, v in where.items()}, "column": column}


def ordered(first_seen: Sequence[str], preferred: Sequence[str]) -> list[str]:
    """``preferred`` items that were seen, then the rest in order of first appearance."""
    seen = list(dict.fromkeys(first_seen))
    return [m for m in preferred if m in seen] + [m for m in seen if m not in preferred]


def label(term: str, labels: Mapping[str, str]) -> str:
    """``Label (term)``, or the term when it has no label of its own."""
    lab = labels.get(term)
    return f"{lab} ({term})" if lab and lab != term else term


def _first(df: pd.DataFrame, col: str) -> Any:
    if col not in df.columns or df.empty:
        return None
    vals = df[col].dropna()
    return None if vals.empty else vals.iloc[0]


def _p(v: Any) -> float | None:
    return None if pd.isna(v) else float(v)


def _fe_flags(value: Any) -> set[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return set()
    if isinstance(value, str):
        return {p.strip().strip("[]'\" ") for p in value.replace(";", ",").split(",") if p.strip()}
    return {str(v) for v in value}


# ------------------------------------------------------------------------------------- models side by side
def results_table(con: duckdb.DuckDBPyConnection, *, run_id: Any, src: SpecSource, table_id: str) -> ReportTable:
    """A study table in the papers' layout from the ``results`` schema (one column per model).

    Descriptives and Moran's I specs get their own layouts; a single spatial model with effects gets
    :func:`spatial_table`. Terms of a dummy set (``src.indicate``) get no rows of their own: one
    Yes/No row per set says which models include it.
    """
    if has_rows(con, "descriptives", run_id, src.name):
        return descriptives_report_table(con, run_id=run_id, src=src, table_id=table_id)
    if has_rows(con, "moran", run_id, src.name):
        return moran_report_table(con, run_id=run_id, src=src, table_id=table_id)
    fr = spec_frames(con, run_id, src.name)
    if fr["models"].empty and fr["estimates"].empty:
        raise ReportError(f"no rows for spec {src.name!r} in results.models/estimates of run {run_id}")
    preferred = src.order("models") or (list(src.spec.variables) if src.spec is not None else [])
    model_ids = ordered(list(fr["models"]["model_id"]) + list(fr["estimates"]["model_id"]), preferred)
    base = {"run_id": run_id, "spec": src.name}
    title = str((src.spec.title if src.spec is not None else None) or _first(fr["estimates"], "table_title")
                or src.name)
    if _is_single_spatial(fr, model_ids):
        return spatial_table(fr, model_ids[0], base, src, table_id=table_id, title=title)
    labels = src.labels
    shown, _ = indicate_rows(term_order(fr["estimates"], model_ids), src.indicate)
    rows = [*_dependent_rows(fr, model_ids), *_coefficient_rows(fr["estimates"], model_ids, base, labels, shown),
            *_effect_rows(fr["effects"], model_ids, base, labels),
            *_model_rows(fr["models"], model_ids, base, indicate_sets(fr["estimates"], model_ids, src.indicate)),
            *_stat_rows(fr["stats"], model_ids, base)]
    return src.report_table(table_id, title=title, columns=tuple(model_ids), rows=tuple(rows),
                            notes=(f"Standard errors in parentheses; {STARS_NOTE}.",))


def indicate_sets(est: pd.DataFrame, model_ids: Sequence[str], indicate: Mapping[str, str]) -> dict[str, dict[str, bool]]:
    """``{label: {model_id: has a term of the set}}`` of every dummy set of ``indicate``."""
    out: dict[str, dict[str, bool]] = {lab: {} for lab in indicate}
    for m in model_ids:
        _, hidden = indicate_rows([str(t) for t in est.loc[est["model_id"] == m, "term"]], indicate)
        for lab, terms in hidden.items():
            out[lab][m] = bool(terms)
    return out


def term_order(est: pd.DataFrame, model_ids: Sequence[str]) -> list[str]:
    """Terms in the order the models list them (model by model), the constant last."""
    order: list[str] = []
    for m in model_ids:
        order += [str(t) for t in est.loc[est["model_id"] == m, "term"]]
    order += [str(t) for t in est["term"]]
    terms = list(dict.fromkeys(order))
    return [t for t in terms if t != "const"] + (["const"] if "const" in terms else [])


def _is_single_spatial(fr: Mapping[str, pd.DataFrame], model_ids: Sequence[str]) -> bool:
    est = fr["estimates"]
    return (len(model_ids) == 1 and not fr["effects"].empty and not est.empty
            and set(est["estimator"].dropna()) <= SPATIAL_ESTIMATORS)


def _coef_cells(r: Any, where: Mapping[str, Any]) -> tuple[Cell, Cell]:
    return (number(r.estimate, p=_p(r.p_value), key=key("results.estimates", where, "estimate")),
            number(r.std_error, wrap="()", key=key("results.estimates", where, "std_error")))


def _dependent_rows(fr: Mapping[str, pd.DataFrame], model_ids: Sequence[str]) -> list[Row]:
    src = fr["models"] if not fr["models"].empty else fr["estimates"]
    if "dependent" not in src.columns:
        return []
    first = src.drop_duplicates("model_id").set_index("model_id")
    rows = [Row("Dependent variable", tuple(text(first["dependent"].get(m, "") or "") for m in model_ids), "meta")]
    if "estimator" in first.columns:
        rows.append(Row("Estimator", tuple(text(first["estimator"].get(m, "") or "") for m in model_ids), "meta"))
    return rows


def _coefficient_rows(est: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any],
                      labels: Mapping[str, str], terms: Sequence[str]) -> list[Row]:
    if est.empty:
        return []
    rows: list[Row] = []
    by = {(r.model_id, r.term): r for r in est.itertuples(index=False)}
    for term in terms:
        pairs = [_coef_cells(by[(m, term)], {**base, "model_id": m, "term": term}) if (m, term) in by
                 else (BLANK, BLANK) for m in model_ids]
        rows += [Row(label(term, labels), tuple(p[0] for p in pairs), "coef"),
                 Row("", tuple(p[1] for p in pairs), "se")]
    return rows


def _effect_rows(eff: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any],
                 labels: Mapping[str, str]) -> list[Row]:
    if eff.empty:
        return []
    rows: list[Row] = []
    first = eff.drop_duplicates(["model_id", "term", "effect"])
    by = {(r.model_id, r.term, r.effect): r for r in first.itertuples(index=False)}
    ci = {(r.model_id, r.term, r.effect, r.ci_kind): r for r in eff.itertuples(index=False) if not pd.isna(r.ci_kind)}
    kinds = list(dict.fromkeys(eff["ci_kind"].dropna()))
    for term, effect in dict.fromkeys(zip(first["term"], first["effect"], strict=True)):
        est_cells, se_cells = [], []
        for m in model_ids:
            r = by.get((m, term, effect))
            if r is None:
                est_cells.append(BLANK)
                se_cells.append(BLANK)
                continue
            where = {**base, "model_id": m, "term": term, "effect": effect, "ci_kind": r.ci_kind}
            est_cells.append(number(r.estimate, key=key("results.effects", where, "estimate")))
            se_cells.append(number(r.std_error, wrap="()", key=key("results.effects", where, "std_error")))
        rows += [Row(f"{effect} effect: {label(str(term), labels)}", tuple(est_cells), "coef"),
                 Row("", tuple(se_cells), "se")]
        for kind in kinds:
            for bound in ("ci_lower", "ci_upper"):
                cells = []
                for m in model_ids:
                    r = ci.get((m, term, effect, kind))
                    where = {**base, "model_id": m, "term": term, "effect": effect, "ci_kind": kind}
                    cells.append(BLANK if r is None else number(getattr(r, bound),
                                                                key=key("results.effects", where, bound)))
                if any(c.text for c in cells):
                    side = "lower" if bound == "ci_lower" else "upper"
                    rows.append(Row(f"  95% CI {side} ({kind.replace('_', '-')})", tuple(cells), "ci"))
    return rows


def _model_rows(models: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any],
                sets: Mapping[str, Mapping[str, bool]] | None = None) -> list[Row]:
    """N, entities, fixed-effect rows, one row per other dummy set, standard-error type.

    A dummy set labelled ``entity`` or ``time`` marks that fixed-effects row.
    """
    if models.empty:
        return []
    sets = sets or {}
    by = models.drop_duplicates("model_id").set_index("model_id")
    rows: list[Row] = []
    for col, lab in (("nobs", "N"), ("n_entities", "Entities")):
        if col not in by.columns:
            continue
        cells = tuple(number(by.at[m, col], integer=True, key=key("results.models", {**base, "model_id": m}, col))
                      if m in by.index else BLANK for m in model_ids)
        if any(c.text for c in cells):
            rows.append(Row(lab, cells, "count"))
    if "fixed_effects" in by.columns:
        flags = {m: _fe_flags(by.at[m, "fixed_effects"]) if m in by.index else set() for m in model_ids}
        for fe, lab in FE_ROWS:
            has = [fe in flags[m] or sets.get(fe, {}).get(m, False) for m in model_ids]
            rows.append(Row(lab, tuple(text("Yes" if h else "No") for h in has), "fe"))
    for lab, has_set in sets.items():
        if lab not in FE_KINDS:
            rows.append(Row(lab, tuple(text("Yes" if has_set.get(m) else "No") for m in model_ids), "fe"))
    if "cov_type" in by.columns:
        rows.append(Row("Standard errors", tuple(
            text(by.at[m, "cov_type"]) if m in by.index and not pd.isna(by.at[m, "cov_type"]) else BLANK
            for m in model_ids), "meta"))
    return rows


def _stat_rows(st: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any]) -> list[Row]:
    if st.empty:
        return []
    by = {(r.model_id, r.name): r for r in st.itertuples(index=False)}
    rows: list[Row] = []
    for name in ordered(list(st["name"]), STAT_ORDER):
        lab = STAT_LABELS.get(name, name)
        vals, ps = [], []
        for m in model_ids:
            r = by.get((m, name))
            where = {**base, "model_id": m, "name": name}
            vals.append(BLANK if r is None else number(r.value, integer=name in INTEGER_STATS,
                                                       key=key("results.stats", where, "value")))
            ps.append(BLANK if r is None else number(r.p_value, wrap="[]", key=key("results.stats", where, "p_value")))
        rows.append(Row(lab, tuple(vals), "stat"))
        if any(c.text for c in ps):
            rows.append(Row(f"  {lab} p-value", tuple(ps), "stat-p"))
    return rows


# ------------------------------------------------------------------------------------- one spatial model
def spatial_table(fr: Mapping[str, pd.DataFrame], model_id: str, base: Mapping[str, Any], src: SpecSource, *,
                  table_id: str, title: str) -> ReportTable:
    """One spatial model in the layout of paper 001 table 11.

    Per regressor: the coefficient (Main), the coefficient of its spatial lag (W×) and the direct,
    indirect and total effects.
    """
    est = fr["estimates"]
    by = {str(r.term): r for r in est.itertuples(index=False)}
    eff = {(str(r.term), str(r.effect)): r
           for r in fr["effects"].drop_duplicates(["term", "effect"]).itertuples(index=False)}
    where = {**base, "model_id": model_id}

    def coef(term: str) -> tuple[Cell, Cell]:
        r = by.get(term)
        return (BLANK, BLANK) if r is None else _coef_cells(r, {**where, "term": term})

    def effect(term: str, kind: str) -> tuple[Cell, Cell]:
        r = eff.get((term, kind))
        if r is None:
            return BLANK, BLANK
        w = {**where, "term": term, "effect": kind, "ci_kind": r.ci_kind}
        return (number(r.estimate, key=key("results.effects", w, "estimate")),
                number(r.std_error, wrap="()", key=key("results.effects", w, "std_error")))

    terms = [t for t in term_order(est, [model_id]) if not t.startswith("W*")]
    rows: list[Row] = [Row("Dependent variable", (text(_first(est, "dependent") or ""), *[BLANK] * 4), "meta")]
    for term in terms:
        pairs = [coef(term), coef(f"W*{term}"), *(effect(term, k) for k in ("direct", "indirect", "total"))]
        rows += [Row(label(term, src.labels), tuple(p[0] for p in pairs), "coef"),
                 Row("", tuple(p[1] for p in pairs), "se")]
    for term in [t for t in by if t.startswith("W*") and t[2:] not in terms]:
        c, e = coef(term)
        rows += [Row(term, (BLANK, c, BLANK, BLANK, BLANK), "coef"), Row("", (BLANK, e, BLANK, BLANK, BLANK), "se")]
    pad = (BLANK,) * 4
    for r in _model_rows(fr["models"], [model_id], base) + _stat_rows(fr["stats"], [model_id], base):
        rows.append(Row(r.label, r.cells + pad, r.kind))
    return src.report_table(
        table_id, title=title, columns=SPATIAL_COLUMNS, rows=tuple(rows), stub_header=str(model_id),
        notes=("Main: coefficient of the regressor; W×: coefficient of its spatial lag; direct, indirect "
               "(spillover) and total effects after LeSage and Pace (2009), simulated standard errors in "
               f"parentheses. {STARS_NOTE} (coefficients only).",))


# ------------------------------------------------------------------------------------- Moran, descriptives
def moran_report_table(con: duckdb.DuckDBPyConnection, *, run_id: Any, src: SpecSource, table_id: str) -> ReportTable:
    """A Moran's I table (paper 001 section 5.6): a row per period, I / z / p / p (perm.) per variable."""
    d = spec_frames(con, run_id, src.name, tables=("moran",))["moran"]
    variables = ordered(list(d["variable"]), src.order("moran"))
    periods = sorted(dict.fromkeys(d["period"]), key=lambda t: (len(str(t)), str(t)))
    by = {(r.variable, r.period): r for r in d.itertuples(index=False)}
    base = {"run_id": run_id, "spec": src.name}
    rows = []
    for t in periods:
        cells: list[Cell] = []
        for v in variables:
            r = by.get((v, t))
            for col, _ in MORAN_COLUMNS:
                if r is None:
                    cells.append(BLANK)
                    continue
                where = key("results.moran", {**base, "variable": v, "period": t}, col)
                cells.append(number(getattr(r, col), p=_p(r.p_normal) if col == "moran_i" else None, key=where))
        rows.append(Row(str(t), tuple(cells), "value"))
    columns = tuple(f"{label(str(v), src.labels)} {lab}" for v in variables for _, lab in MORAN_COLUMNS)
    title = src.spec.title if src.spec is not None else src.name
    return src.report_table(
        table_id, title=str(title), columns=columns, rows=tuple(rows), stub_header="Year",
        notes=("Global Moran's I; z and p from the normal approximation, p (perm.) from random permutations; "
               f"one-tailed p-values in the direction of I. {STARS_NOTE} (normal p).",))


def descriptives_report_table(con: duckdb.DuckDBPyConnection, *, run_id: Any, src: SpecSource,
                              table_id: str) -> ReportTable:
    """A descriptive-statistics table (paper 001 table 3, paper 004 table 1) from results.descriptives."""
    d = spec_frames(con, run_id, src.name, tables=("descriptives",))["descriptives"]
    variables = ordered(list(d["variable"]), src.order("descriptives"))
    by = d.drop_duplicates("variable").set_index("variable")
    base = {"run_id": run_id, "spec": src.name}
    rows = []
    for v in variables:
        cells = tuple(number(by.at[v, col], integer=integer,
                             key=key("results.descriptives", {**base, "variable": v}, col))
                      for col, _, integer in DESCRIPTIVE_COLUMNS)
        rows.append(Row(label(str(v), src.labels), cells, "value"))
    title = src.spec.title if src.spec is not None else src.name
    return src.report_table(table_id, title=str(title), columns=tuple(c[1] for c in DESCRIPTIVE_COLUMNS),
                            rows=tuple(rows), stub_header="Variable", notes=("Sd: standard deviation.",))


# ------------------------------------------------------------------------------------- mediation
def is_mediation_only(con: duckdb.DuckDBPyConnection, run_id: Any, spec_name: str) -> bool:
    """Whether every model of the spec is a bootstrap mediation with stored effects."""
    fr = spec_frames(con, run_id, spec_name, tables=("models", "effects"))
    models = fr["models"]
    return bool(len(models)) and bool((models["estimator"] == "mediation").all()) and not fr["effects"].empty


def mediation_effects_table(con: duckdb.DuckDBPyConnection, *, run_id: Any, src: SpecSource,
                            table_id: str) -> ReportTable:
    """Bootstrap mediation effects in the layout of paper 001 table 8.

    One row per model and effect: explained variable, mediating variable, effect, its size and
    standard error, and the 95% bias-corrected and percentile intervals.
    """
    base = {"run_id": run_id, "spec": src.name}
    fr = spec_frames(con, run_id, src.name, tables=("models", "effects"))
    eff = fr["effects"]
    dep = dict(zip(fr["models"]["model_id"], fr["models"]["dependent"], strict=True))
    mediators = ({str(m["id"]): str(m["mediator"]) for m in src.spec.models if "mediator" in m}
                 if src.spec is not None else {})
    model_ids = ordered(list(eff["model_id"]), src.order("models"))
    kinds = [(k, lab) for k, lab in CI_KINDS if k in set(eff["ci_kind"].dropna())]
    rank = {"indirect": 0, "direct": 1, "total": 2}
    rows: list[Row] = []
    for m in model_ids:
        e = eff[eff["model_id"] == m]
        first = e.drop_duplicates(["term", "effect"])
        first = first.assign(_r=first["effect"].map(rank).fillna(9)).sort_values("_r", kind="mergesort")
        for r in first.itertuples(index=False):
            w = {**base, "model_id": m, "term": r.term, "effect": r.effect, "ci_kind": r.ci_kind}
            cells = [text(dep.get(m, "")), text(mediators.get(m, "")), text(f"{r.effect} effect"),
                     number(r.estimate, key=key("results.effects", w, "estimate")),
                     number(r.std_error, key=key("results.effects", w, "std_error"))]
            for kind, _ in kinds:
                ci = e[(e["term"] == r.term) & (e["effect"] == r.effect) & (e["ci_kind"] == kind)]
                wk = {**w, "ci_kind": kind}
                for bound in ("ci_lower", "ci_upper"):
                    cells.append(BLANK if ci.empty else number(ci.iloc[0][bound], key=key("results.effects", wk, bound)))
            rows.append(Row(label(str(r.term), src.labels), tuple(cells), "value"))
    columns = ("Explained variable", "Mediating variable", "Effect", "Effect size", "Standard error",
               *(f"95% CI {side} ({lab})" for _, lab in kinds for side in ("lower", "upper")))
    return src.report_table(
        table_id, title=src.spec.title if src.spec else src.name, columns=columns, rows=tuple(rows),
        stub_header="Treatment",
        notes=("Bootstrap standard errors and 95% intervals (bias-corrected and percentile), resampling whole "
               "entities; the coefficients of the equations follow in the next table.",))


def spec_tables(con: duckdb.DuckDBPyConnection, *, run_id: Any, src: SpecSource) -> list[ReportTable]:
    """The report tables of one spec.

    Its table in the paper's layout, plus, for a bootstrap mediation spec, the coefficient table of the
    model behind the effects.
    """
    if is_mediation_only(con, run_id, src.name):
        from dataclasses import replace

        effects = mediation_effects_table(con, run_id=run_id, src=src, table_id=src.name)
        coefs = results_table(con, run_id=run_id, src=src, table_id=f"{src.name}-coefficients")
        return [effects, replace(coefs, title=f"{coefs.title} — coefficients and effects of the estimated model")]
    return [results_table(con, run_id=run_id, src=src, table_id=src.name)]


def spec_file_label(path: Path | None, root: Path) -> str | None:
    """The spec file as shown in captions: relative to the project root when inside it."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)

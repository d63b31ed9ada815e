"""``reports/tables/<spec>.md|.tex|.csv``: each spec run as one table in its paper's layout.

:func:`paper_table` builds the :class:`~analysis.report.table.Table` of a
:class:`~analysis.studies.runner.SpecRun` (comparison table, mediation effects, descriptive
statistics or Moran's I, by what the spec produced) with its notes; :func:`write_tables` renders it to
Markdown, LaTeX and CSV. ``agglo analyze`` calls :func:`write_tables` for each spec as it is fitted
(:func:`tables_writer`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.report.layouts import (
    comparison_table,
    descriptives_table,
    effects_table,
    indicate_for,
)
from analysis.report.spatial_tables import moran_table
from analysis.report.table import Table, to_csv, to_latex, to_markdown
from analysis.studies.manifest import Study, studies_for, table_entry
from analysis.studies.runner import SYNTHETIC_NOTE, SpecRun, expand_models

__all__ = ["notes", "paper_table", "render_table", "write_tables", "tables_writer"]

_SE_NOTES = {"clustered:entity": "Standard errors clustered by entity in parentheses",
             "clustered:time": "Standard errors clustered by period in parentheses",
             "robust": "Heteroskedasticity-robust (HC1) standard errors in parentheses",
             "classic": "Standard errors in parentheses"}
_TEST_STATS = {"kp_lm", "anderson_rubin", "hausman", "lm_lag", "lm_error", "wald_sar", "lr_sar", "hansen_j", "sargan",
               "ar1", "ar2"}


def notes(run: SpecRun) -> str:
    """The note under a spec's table: the spec's ``notes:`` or what its standard errors and rows mean."""
    spec = run.spec
    if spec.raw.get("notes"):
        text = str(spec.raw["notes"])
    elif run.descriptives is not None:
        text = "Sd is the sample standard deviation (n - 1)."
    elif run.moran is not None:
        wname = spec.weights.get("matrix") or spec.weights.get("csv") if spec.weights else None
        text = (f"Global Moran's I per period under the weights {wname} (row-standardised); z and p: "
                "normal approximation (Cliff and Ord); p (perm.): "
                f"{spec.permutations} random permutations (seed {spec.seed}); "
                "p-values one-tailed in the direction of I. "
                "*, ** and *** denote significance at the 10%, 5% and 1% levels (normal p).")
    else:
        covs = {r.cov_type for r in run.results}
        parts = [_SE_NOTES.get(covs.pop(), "Standard errors in parentheses") if len(covs) == 1
                 else "Standard errors in parentheses (covariance per model in the results schema)"]
        stats = {n for r in run.results for n in r.diagnostics}
        if stats & _TEST_STATS:
            parts.append("p-values of test statistics in square brackets")
        if "stock_yogo_10" in stats:
            parts.append("Stock-Yogo (2005) 10% maximal IV size critical values in curly braces")
        if any(r.effects for r in run.results if r.estimator == "mediation"):
            parts.append("bootstrap standard errors and 95% intervals from resampling whole entities")
        if any(r.effects for r in run.results if r.estimator in ("sar", "sem", "sdm")):
            parts.append("direct, indirect and total effects after LeSage and Pace (2009), standard errors "
                         "from simulated draws of the estimates")
        text = "; ".join(parts) + ". *, ** and *** denote significance at the 10%, 5% and 1% levels."
    return f"{SYNTHETIC_NOTE} {text}" if run.is_synthetic else text


def paper_table(run: SpecRun, studies: list[Study] | None = None) -> Table:
    """The table of a spec run in its paper's layout, titled and with its notes.

    ``studies`` (the paper manifests; default: those of ``analysis/studies/specs/``) give the dummy sets
    shown as one row (``indicate:``); without an entry they follow from the models
    (:func:`~analysis.report.layouts.indicate_for`).
    """
    spec = run.spec
    title, note = spec.title, (notes(run),)
    if run.descriptives is not None:
        return descriptives_table(run.descriptives, title=title, notes=note)
    if run.moran is not None:
        return moran_table(run.moran, labels=spec.labels, title=title, notes=note)
    if run.results and all(r.estimator == "mediation" for r in run.results):
        return effects_table(run.results, labels=spec.labels, title=title, notes=note)
    if studies is None:
        studies = studies_for(None)
    entry = table_entry(spec.name, studies)
    models = expand_models(spec)
    columns = [str(m.get("column") or m["id"]) for m in models]
    return comparison_table(run.results, labels=spec.labels, term_order=spec.raw.get("term_order"),
                            fe_labels=spec.raw.get("fe_labels") or {},
                            column_labels=columns if len(columns) == len(run.results) else None,
                            show_const=bool(spec.raw.get("show_const", True)),
                            indicate=indicate_for(models, entry.indicate if entry else None),
                            title=title, notes=note)


def render_table(run: SpecRun, studies: list[Study] | None = None) -> tuple[pd.DataFrame, str]:
    """The shown texts of a spec run's table (a DataFrame) and its notes."""
    t = paper_table(run, studies)
    return t.to_frame(), " ".join(t.notes)


def write_tables(run: SpecRun, out_dir: Path, studies: list[Study] | None = None) -> list[Path]:
    """Write ``<spec>.md``, ``.tex`` and ``.csv`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = paper_table(run, studies)
    base = out_dir / run.spec.name
    paths = [base.with_suffix(".md"), base.with_suffix(".tex"), base.with_suffix(".csv")]
    paths[0].write_text(to_markdown(table), encoding="utf-8")
    paths[1].write_text(to_latex(table, label=f"tab:{run.spec.name}"), encoding="utf-8")
    paths[2].write_text(to_csv(table, comment=SYNTHETIC_NOTE if run.is_synthetic else None), encoding="utf-8")
    return paths


def tables_writer(out_dir: Path, specs_dir: Path | None = None) -> Callable[[SpecRun], list[Path]]:
    """The ``on_run`` callback of :func:`analysis.studies.runner.analyze` writing into ``out_dir``."""
    studies = studies_for(specs_dir)
    return lambda run: write_tables(run, out_dir, studies)

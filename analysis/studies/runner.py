"""The spec runner: ``agglo estimate`` (one spec, any panel) and ``agglo analyze`` (every study spec).

:func:`run_spec` fits every model of a spec (a model per column) and returns a :class:`SpecRun`;
:func:`write_tables` renders it to ``reports/tables/<spec>.md|.tex|.csv`` in the papers' layout;
:func:`write_results` appends the long tables ``results.runs``, ``results.models``,
``results.estimates``, ``results.stats``, ``results.effects``, ``results.descriptives`` and
``results.moran`` (docs/data_contract.md) to a DuckDB warehouse in one transaction.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import __version__
from analysis.estimators import FitContext, SpecError, get_estimator
from analysis.estimators.results import ModelResult, results_to_json
from analysis.estimators.terms import evaluate_terms
from analysis.report.spatial_tables import moran_table
from analysis.report.tables import (
    comparison_table,
    descriptives_table,
    effects_table,
    format_descriptives,
    to_latex,
    to_markdown,
)
from analysis.studies.spec import (
    Spec,
    apply_sample,
    check_columns,
    load_data,
    load_spec,
    load_weights,
    model_data,
)

__all__ = ["SpecRun", "run_spec", "expand_models", "write_tables", "write_results", "estimate_cli",
           "analyze"]

SYNTHETIC_NOTE = ("SYNTHETIC DEMO DATA: these numbers come from generated data with planted "
                  "relationships; they are not findings about China.")


@dataclass
class SpecRun:
    """Everything one spec produced."""

    spec: Spec
    results: list[ModelResult] = field(default_factory=list)
    descriptives: pd.DataFrame | None = None
    moran: pd.DataFrame | None = None
    is_synthetic: bool | None = None


# ------------------------------------------------------------------------------------- fitting
def expand_models(spec: Spec) -> list[Mapping[str, Any]]:
    """The spec's models, each ``fe_iv`` with ``first_stage: true`` preceded by its first stage.

    The first-stage column gets the id ``first_stage_id`` or ``"<id> first stage"``.
    """
    out: list[Mapping[str, Any]] = []
    for m in spec.models:
        if m.get("estimator") == "fe_iv" and m.get("first_stage"):
            fs = {**dict(m), "estimator": "first_stage",
                  "id": str(m.get("first_stage_id") or f"{m['id']} first stage")}
            out.append(fs)
        out.append(m)
    return out


def _with_model(msg: str, spec: Spec, model_id: str) -> str:
    msg = str(msg)
    if f"model {model_id!r}" not in msg:
        msg = f"model {model_id!r}: {msg}"
    return msg if msg.startswith(f"spec {spec.name}") else f"spec {spec.name}: {msg}"


def _weights_for(spec: Spec, model: Mapping[str, Any], *, weights_csv: Path | None,
                 warehouse: Path | None, cache: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    wspec = model.get("weights") or spec.raw.get("weights")
    if wspec is None and weights_csv is None:
        return None
    key = json.dumps([str(weights_csv), wspec], sort_keys=True, default=str)
    if key not in cache:
        cache[key] = load_weights(wspec if isinstance(wspec, Mapping) else None, csv=weights_csv,
                                  base_dir=spec.base_dir, warehouse=warehouse,
                                  where=f"spec {spec.name}, model {model['id']!r}")
    return cache[key]


MORAN_COLUMNS = ("variable", "period", "moran_i", "expected_i", "z_normal", "p_normal", "p_permutation", "n")


def run_moran(spec: Spec, panel: pd.DataFrame, *, weights_csv: Path | None = None,
              warehouse: Path | None = None) -> pd.DataFrame:
    """Global Moran's I of every variable of a ``kind: moran`` spec in every period.

    The weights are read as for the spatial models (row-standardised unless ``standardize: false``)
    and laid out in the order of the entities of ``panel``; every entity needs a row with neighbours.
    Values come from :func:`analysis.estimators.moran.moran_by_period`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MORAN_COLUMNS` (``p_normal`` and ``p_permutation`` one-tailed in the direction
        of the observed I; ``p_permutation`` null without permutations).
    """
    from analysis.estimators.moran import moran_by_period
    from analysis.formulas.weights import weights_matrix

    where = f"spec {spec.name}"
    w = load_weights(spec.weights, csv=weights_csv, base_dir=spec.base_dir, warehouse=warehouse, where=where)
    vals = evaluate_terms(panel, list(spec.variables), entity=spec.entity, time=spec.time,
                          model_id=f"{spec.name} moran")
    frame = pd.concat([panel[[spec.entity, spec.time]], vals], axis=1)
    ids = sorted(frame[spec.entity].astype(str).unique())
    W = weights_matrix(w, ids)
    lonely = [ids[i] for i in np.flatnonzero(W.sum(axis=1) == 0)]
    if lonely:
        raise SpecError(f"{where}: entities without neighbours in the weights: {lonely[:5]}")
    try:
        out = moran_by_period(frame, list(spec.variables), W, ids, entity=spec.entity, time=spec.time,
                              permutations=spec.permutations, seed=spec.seed)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None
    out = out.rename(columns={"I": "moran_i", "EI": "expected_i", "z": "z_normal", "p_norm": "p_normal",
                              "p_sim": "p_permutation"})
    return out[list(MORAN_COLUMNS)]


def run_spec(spec: Spec, *, data: pd.DataFrame | None = None, data_csv: Path | None = None,
             weights_csv: Path | None = None, warehouse: Path | None = None) -> SpecRun:
    """Fit every model of ``spec`` (or compute its descriptive statistics or Moran's I table).

    Parameters
    ----------
    spec : Spec
    data : pandas.DataFrame, optional
        The panel, if already loaded (the spec-level ``sample:`` is still applied).
    data_csv : Path, optional
        A CSV overriding the spec's ``data:``.
    weights_csv : Path, optional
        A weights CSV overriding every ``weights:``.
    warehouse : Path, optional
        DuckDB file for ``table:`` data and weights.

    Raises
    ------
    SpecError
        With the spec, the model and the problem in the message.
    """
    if data is None:
        panel = load_data(spec, data=data_csv, warehouse=warehouse)
    else:
        panel = data.copy()
        panel[spec.entity] = panel[spec.entity].astype(str)
        if spec.sample:
            panel = apply_sample(panel, spec.sample, where=f"spec {spec.name}")
    run = SpecRun(spec=spec)
    if spec.kind == "descriptives":
        vals = evaluate_terms(panel, list(spec.variables), entity=spec.entity, time=spec.time,
                              model_id=f"{spec.name} descriptives")
        run.descriptives = descriptives_table(vals, list(spec.variables), labels=spec.labels)
        return run
    if spec.kind == "moran":
        run.moran = run_moran(spec, panel, weights_csv=weights_csv, warehouse=warehouse)
        return run
    cache: dict[str, pd.DataFrame] = {}
    for model in expand_models(spec):
        mid = str(model["id"])
        try:
            est = get_estimator(str(model["estimator"]))
            check_columns(spec, model, panel)
            mdata = model_data(spec, model, panel)
            w = _weights_for(spec, model, weights_csv=weights_csv, warehouse=warehouse, cache=cache)
            ctx = FitContext(entity=spec.entity, time=spec.time, weights=w, spec_path=spec.path,
                             options=dict(spec.raw.get("options") or {}))
            res = est(model, mdata, ctx)
        except SpecError as exc:
            raise SpecError(_with_model(str(exc), spec, mid)) from None
        except np.linalg.LinAlgError as exc:
            raise SpecError(_with_model(f"numerical failure ({exc}); check for a singular design", spec, mid)) from None
        if model.get("sample"):
            res = _with_info(res, sample=str(model["sample"]))
        run.results.append(res)
    return run


def _with_info(res: ModelResult, **info: Any) -> ModelResult:
    from dataclasses import replace

    return replace(res, info={**dict(res.info), **info})


# ------------------------------------------------------------------------------------- output
def _notes(run: SpecRun) -> str:
    spec = run.spec
    if spec.raw.get("notes"):
        notes = str(spec.raw["notes"])
    elif run.descriptives is not None:
        notes = "Sd is the sample standard deviation (n - 1)."
    elif run.moran is not None:
        wname = spec.weights.get("matrix") or spec.weights.get("csv") if spec.weights else None
        notes = (f"Global Moran's I per period under the weights {wname} (row-standardised); z and p: "
                 "normal approximation (Cliff and Ord); p (perm.): "
                 f"{spec.permutations} random permutations (seed {spec.seed}); "
                 "p-values one-tailed in the direction of I. "
                 "*, ** and *** denote significance at the 10%, 5% and 1% levels (normal p).")
    else:
        covs = {r.cov_type for r in run.results}
        se = {"clustered:entity": "Standard errors clustered by entity in parentheses",
              "clustered:time": "Standard errors clustered by period in parentheses",
              "robust": "Heteroskedasticity-robust (HC1) standard errors in parentheses",
              "classic": "Standard errors in parentheses"}
        parts = [se.get(covs.pop(), "Standard errors in parentheses") if len(covs) == 1
                 else "Standard errors in parentheses (covariance per model in the results schema)"]
        stats = {n for r in run.results for n in r.diagnostics}
        if stats & {"kp_lm", "anderson_rubin", "hausman", "lm_lag", "lm_error", "wald_sar", "lr_sar",
                     "hansen_j", "sargan", "ar1", "ar2"}:
            parts.append("p-values of test statistics in square brackets")
        if "stock_yogo_10" in stats:
            parts.append("Stock-Yogo (2005) 10% maximal IV size critical values in curly braces")
        if any(r.effects for r in run.results if r.estimator == "mediation"):
            parts.append("bootstrap standard errors and 95% intervals from resampling whole entities")
        if any(r.effects for r in run.results if r.estimator in ("sar", "sem", "sdm")):
            parts.append("direct, indirect and total effects after LeSage and Pace (2009), standard errors "
                         "from simulated draws of the estimates")
        notes = "; ".join(parts) + ". *, ** and *** denote significance at the 10%, 5% and 1% levels."
    return f"{SYNTHETIC_NOTE} {notes}" if run.is_synthetic else notes


def render_table(run: SpecRun) -> tuple[pd.DataFrame, str]:
    """The display table of a spec run and its notes."""
    spec = run.spec
    notes = _notes(run)
    if run.descriptives is not None:
        return format_descriptives(run.descriptives), notes
    if run.moran is not None:
        return moran_table(run.moran, labels=spec.labels), notes
    if run.results and all(r.estimator == "mediation" for r in run.results):
        t = effects_table(run.results, labels=spec.labels)
        return t.set_index("Explained variable"), notes
    fe_labels = spec.raw.get("fe_labels") or {}
    order = spec.raw.get("term_order")
    columns = [str(m.get("column") or m["id"]) for m in expand_models(spec)]
    t = comparison_table(run.results, labels=spec.labels, term_order=order, fe_labels=fe_labels,
                         column_labels=columns if len(columns) == len(run.results) else None,
                         show_const=bool(spec.raw.get("show_const", True)))
    return t, notes


def write_tables(run: SpecRun, out_dir: Path) -> list[Path]:
    """Write ``<spec>.md``, ``.tex`` and ``.csv`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table, notes = render_table(run)
    title = run.spec.title
    base = out_dir / run.spec.name
    paths = [base.with_suffix(".md"), base.with_suffix(".tex"), base.with_suffix(".csv")]
    paths[0].write_text(to_markdown(table, title=title, notes=notes), encoding="utf-8")
    paths[1].write_text(to_latex(table, title=title, notes=notes, label=f"tab:{run.spec.name}"), encoding="utf-8")
    csv_text = table.to_csv()
    if run.is_synthetic:
        csv_text = f"# {SYNTHETIC_NOTE}\n" + csv_text
    paths[2].write_text(csv_text, encoding="utf-8")
    return paths


def _long_frames(run_id: str, runs: Sequence[SpecRun]) -> dict[str, pd.DataFrame]:
    est, stats, eff, models, desc, moran = [], [], [], [], [], []
    for sr in runs:
        name, title = sr.spec.name, sr.spec.title
        if sr.moran is not None:
            for r in sr.moran.itertuples(index=False):
                moran.append((run_id, name, str(r.variable), str(r.period), float(r.moran_i),
                              float(r.expected_i), float(r.z_normal), float(r.p_normal),
                              None if pd.isna(r.p_permutation) else float(r.p_permutation), int(r.n)))
        if sr.descriptives is not None:
            for _, r in sr.descriptives.iterrows():
                desc.append((run_id, name, r["Variables"], int(r["Obs"]), r["Mean"], r["Sd"], r["Min"], r["Max"]))
        for res in sr.results:
            models.append((run_id, name, res.model_id, res.estimator, res.dependent, int(res.nobs),
                           None if res.n_entities is None else int(res.n_entities), res.cov_type,
                           ",".join(res.fixed_effects)))
            for term in res.params.index:
                est.append((run_id, name, title, res.model_id, res.estimator, res.dependent, str(term),
                            float(res.params[term]), float(res.std_errors[term]), float(res.stats[term]),
                            float(res.pvalues[term])))
            for sname, t in res.diagnostics.items():
                df = None if t.df is None else (",".join(f"{v:g}" for v in t.df) if isinstance(t.df, tuple) else f"{t.df:g}")
                stats.append((run_id, name, res.model_id, sname, float(t.value),
                              None if t.p_value is None else float(t.p_value), df))
            for term, kinds in res.effects.items():
                for kind, e in kinds.items():
                    cis = list(e.ci.items()) or [(None, (None, None))]
                    for ci_kind, (lo, hi) in cis:
                        eff.append((run_id, name, res.model_id, str(term), kind, float(e.estimate),
                                    None if e.std_error is None else float(e.std_error), ci_kind, lo, hi))
    cols = {
        "estimates": ["run_id", "spec", "table_title", "model_id", "estimator", "dependent", "term",
                      "estimate", "std_error", "stat", "p_value"],
        "stats": ["run_id", "spec", "model_id", "name", "value", "p_value", "df"],
        "effects": ["run_id", "spec", "model_id", "term", "effect", "estimate", "std_error", "ci_kind",
                    "ci_lower", "ci_upper"],
        "models": ["run_id", "spec", "model_id", "estimator", "dependent", "nobs", "n_entities",
                   "cov_type", "fixed_effects"],
        "descriptives": ["run_id", "spec", "variable", "obs", "mean", "sd", "min", "max"],
        "moran": ["run_id", "spec", *MORAN_COLUMNS],
    }
    rows = {"estimates": est, "stats": stats, "effects": eff, "models": models, "descriptives": desc,
            "moran": moran}
    return {k: pd.DataFrame(rows[k], columns=cols[k]) for k in cols}


_DDL = {
    "runs": "run_id varchar, started_at timestamp, finished_at timestamp, warehouse varchar, "
            "raw_dir varchar, is_synthetic boolean, agglo_version varchar",
    "models": "run_id varchar, spec varchar, model_id varchar, estimator varchar, dependent varchar, "
              "nobs integer, n_entities integer, cov_type varchar, fixed_effects varchar",
    "estimates": "run_id varchar, spec varchar, table_title varchar, model_id varchar, estimator varchar, "
                 "dependent varchar, term varchar, estimate double, std_error double, stat double, "
                 "p_value double",
    "stats": "run_id varchar, spec varchar, model_id varchar, name varchar, value double, "
             "p_value double, df varchar",
    "effects": "run_id varchar, spec varchar, model_id varchar, term varchar, effect varchar, "
               "estimate double, std_error double, ci_kind varchar, ci_lower double, ci_upper double",
    "descriptives": "run_id varchar, spec varchar, variable varchar, obs integer, mean double, "
                    "sd double, min double, max double",
    "moran": "run_id varchar, spec varchar, variable varchar, period varchar, moran_i double, "
             "expected_i double, z_normal double, p_normal double, p_permutation double, n integer",
}


def write_results(warehouse: Path, runs: Sequence[SpecRun], *, run_id: str,
                  started_at: _dt.datetime, raw_dir: str | None = None,
                  is_synthetic: bool | None = None, published_as: Path | None = None) -> None:
    """Append a run's long tables to the ``results`` schema of ``warehouse`` (one transaction)."""
    import duckdb

    frames = _long_frames(run_id, runs)
    frames["runs"] = pd.DataFrame([{
        "run_id": run_id, "started_at": started_at, "finished_at": _dt.datetime.now(_dt.UTC).replace(tzinfo=None),
        "warehouse": str(published_as or warehouse), "raw_dir": raw_dir, "is_synthetic": is_synthetic,
        "agglo_version": __version__}])
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists results")
        for table, ddl in _DDL.items():
            con.execute(f"create table if not exists results.{table} ({ddl})")
            df = frames[table]
            if df.empty:
                continue
            con.register("_frame", df)
            cols = ", ".join(df.columns)
            con.execute(f"insert into results.{table} ({cols}) select {cols} from _frame")
            con.unregister("_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.close()


def warehouse_is_synthetic(warehouse: Path) -> bool | None:
    """True if the warehouse's provenance says its data are the synthetic demo (None: unknown)."""
    import duckdb

    if Path(warehouse).is_dir():  # a Parquet export (agglo build --export): its marts, in memory
        from analysis.warehouse.export import parquet_to_duckdb

        con = duckdb.connect(":memory:")
        try:
            parquet_to_duckdb(Path(warehouse), None, con=con)
        except duckdb.Error:
            con.close()
            return None
    else:
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
        except Exception:  # noqa: BLE001
            return None
    try:
        for table in ("fct_province_indicator_values", "fct_county_indicator_values"):
            try:
                hit = con.execute(
                    f"select count(*) from (select 1 from {table} where lower(source) like '%synthetic%' limit 1)"
                ).fetchone()
            except duckdb.Error:
                continue
            if hit is not None:
                return bool(hit[0])
        return None
    finally:
        con.close()


def _csv_is_synthetic(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return "synthetic" in fh.readline().lower()
    except OSError:
        return False


# ------------------------------------------------------------------------------------- CLI entry points
def estimate_cli(spec: Path, data: Path | None = None, weights: Path | None = None,
                 json_out: Path | None = None, warehouse: Path | None = None) -> dict[str, Any]:
    """``agglo estimate``: run one spec on any panel and write the results JSON.

    Returns the results document; prints it to stdout when ``json_out`` is None.
    """
    from analysis.errors import AggloError

    try:
        sp = load_spec(spec)
        run = run_spec(sp, data_csv=data, weights_csv=weights, warehouse=warehouse)
    except SpecError as exc:
        raise AggloError(str(exc)) from None
    if data is not None:
        synthetic: bool | None = _csv_is_synthetic(Path(data))
    elif "csv" in sp.data:
        p = Path(str(sp.data["csv"]))
        synthetic = _csv_is_synthetic(p if p.is_absolute() else sp.base_dir / p)
    else:
        synthetic = warehouse_is_synthetic(Path(warehouse)) if warehouse else None
    extra: dict[str, Any] = {"title": sp.title, "is_synthetic": synthetic}
    if synthetic:
        extra["note"] = SYNTHETIC_NOTE
    if run.descriptives is not None:
        extra["descriptives"] = json.loads(run.descriptives.to_json(orient="records"))
    if run.moran is not None:
        extra["moran"] = json.loads(run.moran.to_json(orient="records"))
    text = results_to_json(sp.name, run.results, **extra)
    if json_out is None:
        sys.stdout.write(text + "\n")
    else:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(text, encoding="utf-8")
    return json.loads(text)


def analyze(warehouse: Path, specs_dir: Path | None = None, only: Sequence[str] | None = None,
            *, tables_dir: Path | None = None, quiet: bool = False,
            raw_dir: Path | None = None, published_as: Path | None = None) -> list[SpecRun]:
    """``agglo analyze``: run every spec in ``specs_dir`` against ``warehouse``.

    ``raw_dir`` (the raw directory the warehouse was built from) and ``published_as`` (the path the
    warehouse will be published to, when ``warehouse`` is a file still being built) are recorded in
    ``results.runs``.

    Tables go to ``reports/tables/`` (or ``tables_dir``); the long tables go into the warehouse's
    ``results`` schema under a new run id. A failing spec is reported and the others still run; the
    command then fails, listing the failed specs (the results of the others are written).
    """
    from analysis.errors import AggloError
    from analysis.paths import REPORTS_DIR, SPECS_DIR

    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise AggloError(f"warehouse {warehouse} not found (run `agglo build` first)")
    specs_dir = Path(specs_dir) if specs_dir else SPECS_DIR
    tables_dir = Path(tables_dir) if tables_dir else REPORTS_DIR / "tables"
    files = sorted(specs_dir.glob("*.yml")) + sorted(specs_dir.glob("*.yaml"))
    if only:
        wanted = set(only)
        files = [f for f in files if f.stem in wanted]
        missing = wanted - {f.stem for f in files}
        if missing:
            raise AggloError(f"no spec named {', '.join(sorted(missing))} in {specs_dir}")
    synthetic = warehouse_is_synthetic(warehouse)
    started = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    runs: list[SpecRun] = []
    failed: list[str] = []
    cache: dict[tuple[str, str], pd.DataFrame] = {}

    def say(msg: str) -> None:
        if not quiet:
            print(msg, flush=True)

    for i, f in enumerate(files, 1):
        t0 = _dt.datetime.now()
        try:
            sp = load_spec(f)
            key = (json.dumps(sp.data, sort_keys=True, default=str), sp.entity)
            if "table" in sp.data:
                if key not in cache:
                    from analysis.studies.spec import read_table

                    cache[key] = read_table(warehouse, str(sp.data["table"]))
                run = run_spec(sp, data=cache[key], warehouse=warehouse)
            else:
                run = run_spec(sp, warehouse=warehouse)
            run.is_synthetic = synthetic
            write_tables(run, tables_dir)
            runs.append(run)
            if run.moran is not None:
                n, what = len(run.moran), "variable-periods"
            elif run.descriptives is not None:
                n, what = len(run.descriptives), "variables"
            else:
                n, what = len(run.results), "models"
            say(f"[{i}/{len(files)}] {f.stem}: {n} {what} ({(_dt.datetime.now() - t0).total_seconds():.1f}s)")
        except SpecError as exc:
            failed.append(f.stem)
            say(f"[{i}/{len(files)}] {f.stem}: FAILED: {exc}")
    if runs:
        write_results(warehouse, runs, run_id=run_id, started_at=started, is_synthetic=synthetic,
                      raw_dir=None if raw_dir is None else str(raw_dir), published_as=published_as)
        say(f"results: run {run_id} written to the results schema of {published_as or warehouse}; "
            f"tables in {tables_dir}")
    if failed:
        raise AggloError(f"{len(failed)} of {len(files)} specs failed: {', '.join(failed)}")
    return runs

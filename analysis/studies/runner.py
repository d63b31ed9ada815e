"""The spec runner: ``agglo estimate`` (one spec, any panel) and ``agglo analyze`` (every study spec).

:func:`run_spec` fits every model of a spec (a model per column) and returns a :class:`SpecRun`;
:func:`analyze` runs every spec of a specs directory and appends the run to the ``results`` schema
(:mod:`analysis.studies.store`, docs/data_contract.md). Studies estimate and store; the tables of
``reports/tables/`` are drawn by :mod:`analysis.report.exports`, which the pipeline hands to
:func:`analyze` as its ``on_run`` callback.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.estimators import FitContext, SpecError, get_estimator
from analysis.estimators.results import ModelResult, results_to_json
from analysis.estimators.terms import evaluate_terms
from analysis.studies.spec import (
    Spec,
    apply_sample,
    check_columns,
    load_data,
    load_spec,
    load_weights,
    model_data,
)
from analysis.studies.store import MORAN_COLUMNS, write_results

__all__ = ["SpecRun", "run_spec", "expand_models", "descriptives", "write_results", "estimate_cli", "analyze",
           "MORAN_COLUMNS", "SYNTHETIC_NOTE"]

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
        run.descriptives = descriptives(vals, list(spec.variables), labels=spec.labels)
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


def descriptives(data: pd.DataFrame, variables: Sequence[str], *,
                 labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Obs, Mean, Sd (n - 1), Min, Max of each variable (columns of ``data``, named as written).

    Returns numbers, one row per variable: ``Variable names`` (the label), ``Variables`` (as
    written), ``Obs``, ``Mean``, ``Sd``, ``Min``, ``Max``.
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


def _with_info(res: ModelResult, **info: Any) -> ModelResult:
    from dataclasses import replace

    return replace(res, info={**dict(res.info), **info})


# ------------------------------------------------------------------------------------- provenance
def warehouse_is_synthetic(warehouse: Path) -> bool | None:
    """True if the warehouse's provenance says its data are the synthetic demo (None: unknown)."""
    import duckdb

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
            *, on_run: Callable[[SpecRun], object] | None = None, outputs_note: str = "", quiet: bool = False,
            raw_dir: Path | None = None, published_as: Path | None = None) -> list[SpecRun]:
    """``agglo analyze``: run every spec under ``specs_dir`` against ``warehouse``.

    The specs are every ``*.yml`` under ``specs_dir`` (default ``analysis/studies/specs/``, one folder
    per paper) except the paper manifests, run in file-name order. ``on_run`` is called with each
    spec's :class:`SpecRun` as soon as it is fitted (the pipeline writes its ``reports/tables/`` files
    there; ``outputs_note`` is appended to the closing message). ``raw_dir`` (the raw directory the
    warehouse was built from) and ``published_as`` (the path the warehouse will be published to, when
    ``warehouse`` is a file still being built) are recorded in ``results.runs``.

    The long tables go into the warehouse's ``results`` schema under a new run id. A failing spec is
    reported and the others still run; the command then fails, listing the failed specs (the results
    of the others are written).
    """
    from analysis.errors import AggloError
    from analysis.paths import SPECS_DIR
    from analysis.studies.manifest import spec_files

    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise AggloError(f"warehouse {warehouse} not found (run `agglo build` first)")
    specs_dir = Path(specs_dir) if specs_dir else SPECS_DIR
    files = spec_files(specs_dir)
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
            if on_run is not None:
                on_run(run)
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
        say(f"results: run {run_id} written to the results schema of {published_as or warehouse}{outputs_note}")
    if failed:
        raise AggloError(f"{len(failed)} of {len(files)} specs failed: {', '.join(failed)}")
    return runs

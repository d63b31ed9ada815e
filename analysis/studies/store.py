"""The ``results`` schema of the warehouse: its one declaration, writing and reading it back.

Seven long tables (docs/data_contract.md): ``results.runs`` (one row per ``agglo analyze``),
``results.models``, ``results.estimates``, ``results.stats``, ``results.effects``,
``results.descriptives`` and ``results.moran``. :data:`SCHEMA` declares their columns once; the DDL,
the frames written and the readers all come from it.

- :func:`write_results` appends a run's tables in one transaction;
- :func:`read_results` gives the :class:`~analysis.estimators.results.ModelResult` s of a spec back
  (the round trip keeps everything the schema stores: terms in order with estimate, standard error,
  statistic and p-value; N, entities, covariance type, fixed effects; statistics with p-value and
  degrees of freedom; effects with standard errors and intervals. Not stored: a statistic's reference
  distribution and note, an effect's p-value, ``dist``, ``df_resid`` and ``info``);
- :func:`latest_run`, :func:`result_specs`, :func:`spec_frames` and :func:`has_rows` are what the report
  reads (newest run only; rows in the order they were written).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import __version__
from analysis.estimators.results import EffectEstimate, ModelResult, TestStat

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

    from analysis.studies.runner import SpecRun

__all__ = ["SCHEMA", "MORAN_COLUMNS", "ddl", "long_frames", "write_results", "read_results", "latest_run",
           "result_specs", "spec_frames", "has_rows"]

MORAN_COLUMNS = ("variable", "period", "moran_i", "expected_i", "z_normal", "p_normal", "p_permutation", "n")

#: Every table of the results schema: (column, DuckDB type), in column order.
SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "runs": (("run_id", "varchar"), ("started_at", "timestamp"), ("finished_at", "timestamp"),
             ("warehouse", "varchar"), ("raw_dir", "varchar"), ("is_synthetic", "boolean"),
             ("agglo_version", "varchar")),
    "models": (("run_id", "varchar"), ("spec", "varchar"), ("model_id", "varchar"), ("estimator", "varchar"),
               ("dependent", "varchar"), ("nobs", "integer"), ("n_entities", "integer"), ("cov_type", "varchar"),
               ("fixed_effects", "varchar")),
    "estimates": (("run_id", "varchar"), ("spec", "varchar"), ("table_title", "varchar"), ("model_id", "varchar"),
                  ("estimator", "varchar"), ("dependent", "varchar"), ("term", "varchar"), ("estimate", "double"),
                  ("std_error", "double"), ("stat", "double"), ("p_value", "double")),
    "stats": (("run_id", "varchar"), ("spec", "varchar"), ("model_id", "varchar"), ("name", "varchar"),
              ("value", "double"), ("p_value", "double"), ("df", "varchar")),
    "effects": (("run_id", "varchar"), ("spec", "varchar"), ("model_id", "varchar"), ("term", "varchar"),
                ("effect", "varchar"), ("estimate", "double"), ("std_error", "double"), ("ci_kind", "varchar"),
                ("ci_lower", "double"), ("ci_upper", "double")),
    "descriptives": (("run_id", "varchar"), ("spec", "varchar"), ("variable", "varchar"), ("obs", "integer"),
                     ("mean", "double"), ("sd", "double"), ("min", "double"), ("max", "double")),
    "moran": (("run_id", "varchar"), ("spec", "varchar"), ("variable", "varchar"), ("period", "varchar"),
              ("moran_i", "double"), ("expected_i", "double"), ("z_normal", "double"), ("p_normal", "double"),
              ("p_permutation", "double"), ("n", "integer")),
}
#: The tables written per spec (all but ``runs``), in the order a run writes them.
SPEC_TABLES = ("models", "estimates", "stats", "effects", "descriptives", "moran")


def columns(table: str) -> list[str]:
    """The column names of ``results.<table>``."""
    return [c for c, _ in SCHEMA[table]]


def ddl(table: str) -> str:
    """``create table if not exists results.<table> (...)``."""
    return f"create table if not exists results.{table} ({', '.join(f'{c} {t}' for c, t in SCHEMA[table])})"


# ------------------------------------------------------------------------------------- writing
def _df_text(df: Any) -> str | None:
    if df is None:
        return None
    return ",".join(f"{v:g}" for v in df) if isinstance(df, tuple) else f"{df:g}"


def long_frames(run_id: str, runs: Sequence[SpecRun]) -> dict[str, pd.DataFrame]:
    """The rows a run adds to every spec table of the schema (one frame per table)."""
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in SPEC_TABLES}
    for sr in runs:
        name, title = sr.spec.name, sr.spec.title
        if sr.moran is not None:
            for r in sr.moran.itertuples(index=False):
                rows["moran"].append((run_id, name, str(r.variable), str(r.period), float(r.moran_i),
                                      float(r.expected_i), float(r.z_normal), float(r.p_normal),
                                      None if pd.isna(r.p_permutation) else float(r.p_permutation), int(r.n)))
        if sr.descriptives is not None:
            for _, r in sr.descriptives.iterrows():
                rows["descriptives"].append((run_id, name, r["Variables"], int(r["Obs"]), r["Mean"], r["Sd"],
                                             r["Min"], r["Max"]))
        for res in sr.results:
            rows["models"].append((run_id, name, res.model_id, res.estimator, res.dependent, int(res.nobs),
                                   None if res.n_entities is None else int(res.n_entities), res.cov_type,
                                   ",".join(res.fixed_effects)))
            for term in res.params.index:
                rows["estimates"].append((run_id, name, title, res.model_id, res.estimator, res.dependent, str(term),
                                          float(res.params[term]), float(res.std_errors[term]),
                                          float(res.stats[term]), float(res.pvalues[term])))
            for sname, t in res.diagnostics.items():
                rows["stats"].append((run_id, name, res.model_id, sname, float(t.value),
                                      None if t.p_value is None else float(t.p_value), _df_text(t.df)))
            for term, kinds in res.effects.items():
                for kind, e in kinds.items():
                    cis = list(e.ci.items()) or [(None, (None, None))]
                    for ci_kind, (lo, hi) in cis:
                        rows["effects"].append((run_id, name, res.model_id, str(term), kind, float(e.estimate),
                                                None if e.std_error is None else float(e.std_error), ci_kind, lo, hi))
    return {t: pd.DataFrame(rows[t], columns=columns(t)) for t in SPEC_TABLES}


def write_results(warehouse: Path, runs: Sequence[SpecRun], *, run_id: str,
                  started_at: _dt.datetime, raw_dir: str | None = None,
                  is_synthetic: bool | None = None, published_as: Path | None = None) -> None:
    """Append a run's long tables to the ``results`` schema of ``warehouse`` (one transaction)."""
    import duckdb

    frames = long_frames(run_id, runs)
    frames["runs"] = pd.DataFrame([{
        "run_id": run_id, "started_at": started_at, "finished_at": _dt.datetime.now(_dt.UTC).replace(tzinfo=None),
        "warehouse": str(published_as or warehouse), "raw_dir": raw_dir, "is_synthetic": is_synthetic,
        "agglo_version": __version__}], columns=columns("runs"))
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        con.execute("create schema if not exists results")
        for table in SCHEMA:
            con.execute(ddl(table))
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


# ------------------------------------------------------------------------------------- reading
def _schema_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = 'results' "
                       "and table_catalog = current_database()").fetchall()
    return {r[0] for r in rows}


def latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest row of ``results.runs`` (by start time, then run id), or None."""
    if "runs" not in _schema_tables(con):
        return None
    runs = con.execute("select * from results.runs order by started_at desc nulls last, run_id desc limit 1").df()
    return None if runs.empty else {k: (None if pd.isna(v) else v) for k, v in runs.iloc[0].items()}


def result_specs(con: duckdb.DuckDBPyConnection, run_id: Any) -> list[str]:
    """The specs with rows in ``run_id`` (estimates, models, descriptives or Moran's I), sorted."""
    have = _schema_tables(con)
    if "estimates" not in have or run_id is None:
        return []
    parts = [f"select spec from results.{t} where run_id = ?" for t in ("estimates", "models", "descriptives", "moran")
             if t in have]
    rows = con.execute(f"select distinct spec from ({' union all '.join(parts)}) order by spec",
                       [run_id] * len(parts)).fetchall()
    return [r[0] for r in rows]


def has_rows(con: duckdb.DuckDBPyConnection, table: str, run_id: Any, spec: str) -> bool:
    """Whether ``results.<table>`` has rows of ``spec`` in ``run_id`` (False when the table is absent)."""
    if table not in _schema_tables(con):
        return False
    row = con.execute(f"select count(*) from results.{table} where run_id = ? and spec = ?", [run_id, spec]).fetchone()
    return bool(row and row[0])


def spec_frames(con: duckdb.DuckDBPyConnection, run_id: Any, spec: str,
                tables: Sequence[str] = ("models", "estimates", "stats", "effects")) -> dict[str, pd.DataFrame]:
    """The rows of ``spec`` in ``run_id``, per table, in the order they were written (empty when absent)."""
    have = _schema_tables(con)
    out = {}
    for t in tables:
        if t in have:
            out[t] = con.execute(f"select * from results.{t} where run_id = ? and spec = ? order by rowid",
                                 [run_id, spec]).df()
        else:
            out[t] = pd.DataFrame(columns=columns(t))
    return out


def _opt(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _parse_df(v: Any) -> float | tuple[float, ...] | None:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    parts = [float(p) for p in str(v).split(",")]
    return parts[0] if len(parts) == 1 else tuple(parts)


def read_results(con: duckdb.DuckDBPyConnection, run_id: Any, spec: str) -> list[ModelResult]:
    """The :class:`ModelResult` s of ``spec`` in ``run_id``, in the order they were written."""
    fr = spec_frames(con, run_id, spec)
    out: list[ModelResult] = []
    for m in fr["models"].itertuples(index=False):
        est = fr["estimates"][fr["estimates"]["model_id"] == m.model_id]
        idx = pd.Index([str(t) for t in est["term"]], name="term")
        st = fr["stats"][fr["stats"]["model_id"] == m.model_id]
        diags = {str(r.name): TestStat(float(r.value), _opt(r.p_value), _parse_df(r.df))
                 for r in st.itertuples(index=False)}
        effects: dict[str, dict[str, EffectEstimate]] = {}
        ef = fr["effects"][fr["effects"]["model_id"] == m.model_id]
        for (term, kind), g in ef.groupby(["term", "effect"], sort=False):
            first = g.iloc[0]
            ci = {str(r.ci_kind): (float(r.ci_lower), float(r.ci_upper))
                  for r in g.itertuples(index=False) if not pd.isna(r.ci_kind)}
            effects.setdefault(str(term), {})[str(kind)] = EffectEstimate(
                float(first["estimate"]), _opt(first["std_error"]), None, ci)
        fe = str(m.fixed_effects) if not pd.isna(m.fixed_effects) else ""
        out.append(ModelResult(
            model_id=str(m.model_id), estimator=str(m.estimator), dependent=str(m.dependent),
            params=pd.Series(est["estimate"].to_numpy(dtype=float), index=idx, name="estimate"),
            std_errors=pd.Series(est["std_error"].to_numpy(dtype=float), index=idx, name="std_error"),
            stats=pd.Series(est["stat"].to_numpy(dtype=float), index=idx, name="stat"),
            pvalues=pd.Series(est["p_value"].to_numpy(dtype=float), index=idx, name="p_value"),
            nobs=int(m.nobs), n_entities=None if pd.isna(m.n_entities) else int(m.n_entities),
            cov_type=str(m.cov_type), fixed_effects=tuple(p for p in fe.split(",") if p),
            diagnostics=diags, effects=effects))
    return out

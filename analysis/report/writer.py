"""The study report: one static HTML page (and a Markdown twin) with every table and figure.

:func:`write_report` (``agglo report``; the last step of ``agglo run``) reads a built warehouse and
writes

- ``reports/index.html``: self-contained (inline CSS, figures embedded as ``data:`` URIs); it fetches
  nothing, so it works offline and from a mail attachment;
- ``reports/report.md``: the same content in Markdown, images linked from ``reports/figures/``;
- ``reports/figures/<name>.png`` (200 dpi) and ``.svg``: the figures (:mod:`analysis.report.figures`).

Where the numbers come from
---------------------------
Study tables are read from the ``results`` schema of the warehouse (docs/data_contract.md), newest run
only; the index tables of paper 000 (table 2) and paper 001 (table 2) straight from their marts. Every
number cell of the HTML carries its provenance (``data-key``: table, key columns and column) and the
unrounded value (``data-value``), so a test can re-query each one.

Rounding rules (one place: :func:`format_number`): estimates, standard errors, statistics, p-values,
effects, weights and indices are shown with 3 decimals; a non-zero value whose magnitude is below
0.001 is shown in scientific notation with 3 significant digits (so a small coefficient is never
shown as 0.000); counts (N, entities, instruments) as integers. Significance stars on coefficients:
``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1 (from ``results.estimates.p_value``); effects carry no
stars (the results schema stores no p-value for them).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analysis.errors import AggloError
from analysis.paths import DEFAULT_WAREHOUSE, PROJECT_ROOT, REPORTS_DIR, SPECS_DIR
from analysis.report.tables import stars  # the same thresholds as reports/tables/

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DECIMALS = 3
SYNTHETIC_MARKER = "SYNTHETIC DEMO DATA"

#: Every study table the report must show: (table id, paper, table number, where it comes from).
#: ``spec:<stem>`` = a spec in analysis/specs (results schema); ``mart:<name>`` = an index mart.
REQUIRED_TABLES: tuple[tuple[str, str, str], ...] = (
    ("p000_table2", "000", "mart:fct_sichuan_region_agglomeration"),
    ("p000_table4", "000", "spec:p000_table4"),
    ("p000_table5", "000", "spec:p000_table5"),
    ("p001_table2", "001", "mart:fct_ami_weights"),
    *((f"p001_table{n}", "001", f"spec:p001_table{n}") for n in range(3, 12)),
    ("p002", "002", "spec:p002*"),
    *((f"p004_table{n}", "004", f"spec:p004_table{n}") for n in range(1, 4)),
)

#: Every figure the report must show (figure id -> short title).
REQUIRED_FIGURES: tuple[str, ...] = (
    "fig-p001-fig2-top10-ami",
    "fig-p001-fig3-coagglo-ami",
    "fig-p003-fig2-spatial-gini",
    "fig-p004-fig1-mfg-lq-regions",
    "fig-p000-table2-sichuan-regions",
    "fig-moran-ami",
    "fig-p001-table2-entropy-weights",
    "fig-map-provinces-ami",
    "fig-map-sichuan-counties",
)


class ReportError(AggloError):
    """The report cannot be written (message names the warehouse, table or column).

    A :class:`analysis.errors.AggloError`, so ``agglo report`` prints it without a traceback (exit code 2).
    """


# ============================================================================================ model
@dataclass(frozen=True)
class Cell:
    """One table cell: its text and, for numbers, the warehouse value and where it lives.

    Attributes
    ----------
    text : str
        What is shown.
    value : float or None
        The unrounded warehouse value (numbers only).
    key : mapping or None
        Provenance: ``{"table": "results.estimates", "where": {column: value, ...},
        "column": "estimate"}``; re-querying it must give ``value``.
    """

    text: str
    value: float | None = None
    key: Mapping[str, Any] | None = None

    @property
    def key_json(self) -> str:
        """The provenance as compact JSON (for the ``data-key`` attribute)."""
        return json.dumps(self.key, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @property
    def value_repr(self) -> str:
        """The unrounded value as a round-trippable string."""
        return repr(float(self.value)) if self.value is not None else ""


@dataclass(frozen=True)
class Row:
    """A table row: a label and one cell per column; ``kind`` styles it (coef, se, stat, fe...)."""

    label: str
    cells: tuple[Cell, ...]
    kind: str = "value"


@dataclass(frozen=True)
class ReportTable:
    """A rendered study table with its caption and provenance."""

    id: str
    paper: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    source: str
    spec_file: str | None = None
    notes: tuple[str, ...] = ()
    stub_header: str = ""
    exports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportFigure:
    """A figure: files written, caption, and the embedded SVG (base64)."""

    id: str
    title: str
    caption: str
    png: Path
    svg: Path
    svg_b64: str


@dataclass(frozen=True)
class Missing:
    """A table or figure that could not be produced, and why (shown in the report)."""

    id: str
    reason: str


@dataclass
class Header:
    """What the report header says about the data."""

    warehouse: str
    built_at: str
    raw_dir: str
    is_synthetic: bool
    synthetic_evidence: str
    marts: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] | None = None
    checks: dict[str, Any] | None = None
    checks_link: str | None = None
    generated_at: str = ""


@dataclass
class Report:
    """Everything the templates render."""

    header: Header
    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# ============================================================================================ numbers
def format_number(x: float | None, *, integer: bool = False) -> str:
    """Format a number by the report's rounding rules (module docstring).

    Examples
    --------
    >>> format_number(0.12345), format_number(-0.00012345), format_number(589.0, integer=True)
    ('0.123', '-1.23e-04', '589')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    if integer:
        return f"{int(round(float(x))):d}"
    xf = float(x)
    if xf != 0.0 and abs(xf) < 10 ** (-DECIMALS):
        return f"{xf:.2e}"
    out = f"{xf:.{DECIMALS}f}"
    return "0.000" if out == "-0.000" else out


def _num(value: Any, key: Mapping[str, Any], *, integer: bool = False, fmt: Callable[[str], str] | None = None) -> Cell:
    if value is None or pd.isna(value):
        return Cell("")
    v = float(value)
    text = format_number(v, integer=integer)
    return Cell(fmt(text) if fmt else text, v, key)


def _key(table: str, where: Mapping[str, Any], column: str) -> dict[str, Any]:
    return {"table": table, "where": {k: (None if pd.isna(v) else v) for k, v in where.items()}, "column": column}


# ============================================================================================ warehouse
def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise ReportError(f"warehouse {warehouse} does not exist: run `agglo build` (or `agglo run`) first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open warehouse {warehouse} read-only: {exc}") from exc


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """``{"schema.table": [columns]}`` of every base table and view."""
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for schema, table, column in rows:
        out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


# ============================================================================================ header
def _latest_run(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> dict[str, Any] | None:
    if "results.runs" not in tables:
        return None
    runs = _df(con, "select * from results.runs order by started_at desc nulls last, run_id desc limit 1")
    return None if runs.empty else {k: (None if pd.isna(v) else v) for k, v in runs.iloc[0].items()}


SOURCE_MARTS = ("fct_province_indicator_values", "fct_county_indicator_values", "fct_county_industry_years")


def _synthetic(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], raw_dir: Path | None,
    run: Mapping[str, Any] | None,
) -> tuple[bool, str]:
    """Whether the data are synthetic, and the evidence.

    Synthetic when ANY of: the first line of a raw CSV says SYNTHETIC DEMO DATA; results.runs says
    ``is_synthetic``; a ``source`` value of the long marts mentions "synthetic".
    """
    if raw_dir is not None and raw_dir.is_dir():
        for f in sorted(raw_dir.glob("*.csv")):
            with f.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
            if SYNTHETIC_MARKER in first.upper():
                return True, f"first line of {f.name}: {first.strip()[:120]}"
    if run is not None and run.get("is_synthetic"):
        return True, "results.runs.is_synthetic = true"
    for table in SOURCE_MARTS:
        if "source" in tables.get(f"main.{table}", []):
            hit = con.execute(f"select source from main.{table} where source ilike '%synthetic%' limit 1").fetchone()
            if hit:
                return True, f"source column of {table}: {hit[0]!r}"
    return False, "no synthetic-data marker in the raw files, results.runs or the marts' source columns"


def _mart_counts(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    out = []
    for name, cols in tables.items():
        schema, table = name.split(".", 1)
        if schema != "main" or not table.startswith(("fct_", "dim_")):
            continue
        sel = "count(*)" + (", min(year), max(year)" if "year" in cols else "")
        row = con.execute(f'select {sel} from main."{table}"').fetchone()
        assert row is not None
        years = f"{row[1]}–{row[2]}" if len(row) > 1 and row[1] is not None else ""
        out.append({"table": table, "rows": int(row[0]), "years": years})
    return out


def _checks_summary(out_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The GE verdict written by analysis/checks/checkpoint.py (docs/data_contract.md, "Report inputs")."""
    docs = out_dir / "data_docs"
    summary = docs / "summary.json"
    link = None
    if summary.exists():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return {"success": None, "error": f"cannot read {summary}: {exc}"}, None
        index = data.get("data_docs_index")
        if index and (docs / index).exists():
            link = f"data_docs/{index}"
    else:
        data = None
    if link is None:
        found = sorted(docs.rglob("index.html")) if docs.is_dir() else []
        if found:
            link = found[0].relative_to(out_dir).as_posix()
    return data, link


def _checks_apply(checks: Mapping[str, Any], warehouse: Path) -> bool:
    """Whether the GE summary was written for ``warehouse`` (or for the build file it was published from)."""
    from analysis.pipeline import building_path

    checked = checks.get("warehouse")
    if not checked:
        return False
    checked_path = Path(str(checked)).expanduser().resolve()
    wh = warehouse.expanduser().resolve()
    return checked_path in (wh, building_path(wh).resolve())


def collect_header(
    con: duckdb.DuckDBPyConnection, warehouse: Path, out_dir: Path, tables: Mapping[str, list[str]]
) -> Header:
    """Gather the header facts: data used, counts, years, synthetic flag, build time, GE verdict."""
    run = _latest_run(con, tables)
    checks, link = _checks_summary(out_dir)
    if checks is not None and not _checks_apply(checks, warehouse):
        checks = {"success": None, "error": f"reports/data_docs/summary.json is for another warehouse "
                                             f"({checks.get('warehouse')}); run `agglo check` on this one"}
        link = None
    raw = (run.get("raw_dir") if run else None) or (checks.get("raw_dir") if checks else None)
    raw_dir = Path(str(raw)) if raw else None
    if raw_dir is not None and not raw_dir.is_absolute():
        raw_dir = PROJECT_ROOT / raw_dir
    is_syn, evidence = _synthetic(con, tables, raw_dir, run)
    built = dt.datetime.fromtimestamp(warehouse.stat().st_mtime, tz=dt.UTC)
    return Header(
        warehouse=str(warehouse),
        built_at=built.strftime("%Y-%m-%d %H:%M:%S UTC"),
        raw_dir=str(raw_dir) if raw_dir else "unknown (recorded neither in results.runs nor by the data checks)",
        is_synthetic=is_syn,
        synthetic_evidence=evidence,
        marts=_mart_counts(con, tables),
        run=run,
        checks=checks,
        checks_link=link,
        generated_at=dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


# ============================================================================================ tables
_STAT_ORDER = (
    "r2", "r2_within", "hausman", "first_stage_f", "kp_lm", "kp_wald_f", "anderson_rubin", "hansen_j",
    "sargan", "ar1", "ar2", "n_instruments", "rho", "lambda", "log_likelihood", "lm_lag", "lm_error",
    "rlm_lag", "rlm_error", "wald_sar", "wald_sem", "lr_sar", "lr_sem", "moran_i",
)
_STAT_LABELS = {
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
_INTEGER_STATS = {"n_instruments"}


@dataclass(frozen=True)
class SpecInfo:
    """What the report needs from a spec file: title, data source, column and row order, labels.

    Read with plain YAML (the spec runner validates specs; the report only reads these keys and
    so does not import the estimators).
    """

    name: str
    title: str
    kind: str
    data: Mapping[str, Any]
    model_ids: tuple[str, ...]
    variables: tuple[str, ...]
    labels: Mapping[str, str]
    mediators: Mapping[str, str] = field(default_factory=dict)


def _spec_for(name: str, specs_dir: Path) -> SpecInfo | None:
    """The spec ``specs_dir/name.yml`` (or ``.yaml``), or ``None`` when absent or unreadable."""
    import yaml

    path = next((p for p in (specs_dir / f"{name}.yml", specs_dir / f"{name}.yaml") if p.exists()), None)
    if path is None:
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(raw, Mapping):
        return None
    models = raw.get("models") if isinstance(raw.get("models"), list) else []
    variables = raw.get("variables") if isinstance(raw.get("variables"), list) else []
    labels = raw.get("labels") if isinstance(raw.get("labels"), Mapping) else {}
    data = raw.get("data") if isinstance(raw.get("data"), Mapping) else {}
    return SpecInfo(
        name=name, title=str(raw.get("title", name)), kind=str(raw.get("kind", "models")), data=dict(data),
        model_ids=tuple(str(m["id"]) for m in models if isinstance(m, Mapping) and "id" in m),
        variables=tuple(str(v) for v in variables), labels={str(k): str(v) for k, v in labels.items()},
        mediators={str(m["id"]): str(m["mediator"]) for m in models
                   if isinstance(m, Mapping) and "id" in m and "mediator" in m},
    )


def _ordered(first_seen: Sequence[str], preferred: Sequence[str]) -> list[str]:
    seen = list(dict.fromkeys(first_seen))
    return [m for m in preferred if m in seen] + [m for m in seen if m not in preferred]


def _results_frames(con: duckdb.DuckDBPyConnection, run_id: Any, spec: str) -> dict[str, pd.DataFrame]:
    out = {}
    for t in ("models", "estimates", "stats", "effects"):
        out[t] = _df(con, f"select * from results.{t} where run_id = ? and spec = ? order by rowid", [run_id, spec])
    return out


def _fe_flags(value: Any) -> set[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return set()
    if isinstance(value, str):
        return {p.strip().strip("[]'\" ") for p in value.replace(";", ",").split(",") if p.strip()}
    return {str(v) for v in value}


def results_table(
    con: duckdb.DuckDBPyConnection, *, run_id: Any, spec_name: str, table_id: str, paper: str,
    specs_dir: Path = SPECS_DIR,
) -> ReportTable:
    """A study table in the papers' layout from the ``results`` schema (one column per model).

    Rows: each term's coefficient (with stars) and standard error (in parentheses); effect
    decompositions (spatial and mediation models) with their SEs and bootstrap intervals; N and
    entities; every named statistic (value, then p-value where stored); fixed-effect rows.
    """
    spec = _spec_for(spec_name, specs_dir)
    if _has_descriptives(con, run_id, spec_name):
        return descriptives_table(con, run_id=run_id, spec_name=spec_name, table_id=table_id, paper=paper, spec=spec)
    if _has_rows(con, "results.moran", run_id, spec_name):
        return moran_report_table(con, run_id=run_id, spec_name=spec_name, table_id=table_id, paper=paper, spec=spec)
    fr = _results_frames(con, run_id, spec_name)
    if fr["models"].empty and fr["estimates"].empty:
        raise ReportError(f"no rows for spec {spec_name!r} in results.models/estimates of run {run_id}")
    preferred = list(spec.model_ids) if spec is not None and spec.kind == "models" else []
    preferred = preferred or (list(spec.variables) if spec is not None else [])
    model_ids = _ordered(list(fr["models"]["model_id"]) + list(fr["estimates"]["model_id"]), preferred)
    labels = dict(spec.labels) if spec is not None else {}
    base = {"run_id": run_id, "spec": spec_name}
    title = (spec.title if spec is not None else None) or _first(fr["estimates"], "table_title") or spec_name
    if _is_single_spatial(fr, model_ids):
        return _spatial_table(fr, model_ids[0], base, labels, table_id=table_id, paper=paper, title=str(title),
                              source=_spec_source(spec), spec_name=spec_name)
    rows: list[Row] = []
    rows += _dependent_rows(fr, model_ids, labels)
    rows += _coefficient_rows(fr["estimates"], model_ids, base, labels)
    rows += _effect_rows(fr["effects"], model_ids, base, labels)
    rows += _model_rows(fr["models"], model_ids, base)
    rows += _stat_rows(fr["stats"], model_ids, base)
    mart = _spec_source(spec)
    return ReportTable(
        id=table_id, paper=paper, title=str(title), columns=tuple(model_ids), rows=tuple(rows),
        source=mart, spec_file=f"analysis/studies/specs/{spec_name}.yml",
        notes=("Standard errors in parentheses; *** p < 0.01, ** p < 0.05, * p < 0.1.",),
    )


SPATIAL_ESTIMATORS = {"sar", "sem", "sdm"}
SPATIAL_COLUMNS = ("Main", "W×", "Direct", "Indirect", "Total")


def _is_single_spatial(fr: Mapping[str, pd.DataFrame], model_ids: Sequence[str]) -> bool:
    est = fr["estimates"]
    return (len(model_ids) == 1 and not fr["effects"].empty and not est.empty
            and set(est["estimator"].dropna()) <= SPATIAL_ESTIMATORS)


def _spatial_table(
    fr: Mapping[str, pd.DataFrame], model_id: str, base: Mapping[str, Any], labels: Mapping[str, str], *,
    table_id: str, paper: str, title: str, source: str, spec_name: str,
) -> ReportTable:
    """One spatial model in the layout of paper 001 table 11.

    Per regressor: the coefficient (Main), the coefficient of its spatial lag (W×) and the direct,
    indirect and total effects.
    """
    est = fr["estimates"]
    by = {str(r.term): r for r in est.itertuples(index=False)}
    eff = {(str(r.term), str(r.effect)): r for r in fr["effects"].drop_duplicates(["term", "effect"]).itertuples(index=False)}
    where = {**base, "model_id": model_id}
    blank = Cell("")

    def coef(term: str) -> tuple[Cell, Cell]:
        r = by.get(term)
        if r is None:
            return blank, blank
        w = {**where, "term": term}
        p = None if pd.isna(r.p_value) else float(r.p_value)
        return (_num(r.estimate, _key("results.estimates", w, "estimate"), fmt=lambda t: t + stars(p)),
                _num(r.std_error, _key("results.estimates", w, "std_error"), fmt=lambda t: f"({t})"))

    def effect(term: str, kind: str) -> tuple[Cell, Cell]:
        r = eff.get((term, kind))
        if r is None:
            return blank, blank
        w = {**where, "term": term, "effect": kind, "ci_kind": r.ci_kind}
        return (_num(r.estimate, _key("results.effects", w, "estimate")),
                _num(r.std_error, _key("results.effects", w, "std_error"), fmt=lambda t: f"({t})"))

    terms = [t for t in _term_order(est, [model_id]) if not t.startswith("W*")]
    rows: list[Row] = [Row("Dependent variable", (Cell(str(_first(est, "dependent") or "")), *[blank] * 4), "meta")]
    for term in terms:
        pairs = [coef(term), coef(f"W*{term}"), *(effect(term, k) for k in ("direct", "indirect", "total"))]
        rows += [Row(_label(term, labels), tuple(p[0] for p in pairs), "coef"),
                 Row("", tuple(p[1] for p in pairs), "se")]
    orphans = [t for t in by if t.startswith("W*") and t[2:] not in terms]
    for term in orphans:
        c, e = coef(term)
        rows += [Row(term, (blank, c, blank, blank, blank), "coef"), Row("", (blank, e, blank, blank, blank), "se")]
    pad = (blank,) * 4
    for r in _model_rows(fr["models"], [model_id], base) + _stat_rows(fr["stats"], [model_id], base):
        rows.append(Row(r.label, r.cells + pad, r.kind))
    return ReportTable(
        id=table_id, paper=paper, title=title, columns=SPATIAL_COLUMNS, rows=tuple(rows), source=source,
        spec_file=f"analysis/studies/specs/{spec_name}.yml", stub_header=str(model_id),
        notes=("Main: coefficient of the regressor; W×: coefficient of its spatial lag; direct, indirect "
               "(spillover) and total effects after LeSage and Pace (2009), simulated standard errors in "
               "parentheses. *** p < 0.01, ** p < 0.05, * p < 0.1 (coefficients only).",),
    )


def _has_descriptives(con: duckdb.DuckDBPyConnection, run_id: Any, spec_name: str) -> bool:
    try:
        row = con.execute("select count(*) from results.descriptives where run_id = ? and spec = ?",
                          [run_id, spec_name]).fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


def _has_rows(con: duckdb.DuckDBPyConnection, table: str, run_id: Any, spec_name: str) -> bool:
    try:
        row = con.execute(f"select count(*) from {table} where run_id = ? and spec = ?", [run_id, spec_name]).fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


MORAN_COLUMNS = (("moran_i", "I"), ("z_normal", "z"), ("p_normal", "p"), ("p_permutation", "p (perm.)"))


def moran_report_table(
    con: duckdb.DuckDBPyConnection, *, run_id: Any, spec_name: str, table_id: str, paper: str, spec: Any,
) -> ReportTable:
    """A Moran's I table (paper 001 section 5.6) from results.moran: a row per period, I / z / p / p (perm.) per variable."""
    d = _df(con, "select * from results.moran where run_id = ? and spec = ? order by rowid", [run_id, spec_name])
    order = list(spec.variables) if spec is not None and spec.kind == "moran" else []
    variables = _ordered(list(d["variable"]), order)
    periods = sorted(dict.fromkeys(d["period"]), key=lambda t: (len(str(t)), str(t)))
    by = {(r.variable, r.period): r for r in d.itertuples(index=False)}
    labels = dict(spec.labels) if spec is not None else {}
    base = {"run_id": run_id, "spec": spec_name}
    rows = []
    for t in periods:
        cells = []
        for v in variables:
            r = by.get((v, t))
            for col, _ in MORAN_COLUMNS:
                if r is None:
                    cells.append(Cell(""))
                    continue
                where = _key("results.moran", {**base, "variable": v, "period": t}, col)
                p = r.p_normal
                fmt = (lambda x, p=p: x + stars(p)) if col == "moran_i" else None
                cells.append(_num(getattr(r, col), where, fmt=fmt))
        rows.append(Row(str(t), tuple(cells), "value"))
    columns = tuple(f"{_label(str(v), labels)} {lab}" for v in variables for _, lab in MORAN_COLUMNS)
    title = spec.title if spec is not None else spec_name
    return ReportTable(
        id=table_id, paper=paper, title=str(title), columns=columns, rows=tuple(rows), source=_spec_source(spec),
        spec_file=f"analysis/studies/specs/{spec_name}.yml", stub_header="Year",
        notes=("Global Moran's I; z and p from the normal approximation, p (perm.) from random permutations; "
               "one-tailed p-values in the direction of I. *** p < 0.01, ** p < 0.05, * p < 0.1 (normal p).",),
    )


DESCRIPTIVE_COLUMNS = (("obs", "Obs", True), ("mean", "Mean", False), ("sd", "Sd", False),
                       ("min", "Min", False), ("max", "Max", False))


def descriptives_table(
    con: duckdb.DuckDBPyConnection, *, run_id: Any, spec_name: str, table_id: str, paper: str, spec: Any,
) -> ReportTable:
    """A descriptive-statistics table (paper 001 table 3, paper 004 table 1) from results.descriptives."""
    d = _df(con, "select * from results.descriptives where run_id = ? and spec = ? order by rowid", [run_id, spec_name])
    order = list(spec.variables) if spec is not None and spec.kind == "descriptives" else []
    variables = _ordered(list(d["variable"]), order)
    by = d.drop_duplicates("variable").set_index("variable")
    labels = dict(spec.labels) if spec is not None else {}
    base = {"run_id": run_id, "spec": spec_name}
    rows = []
    for v in variables:
        cells = tuple(
            _num(by.at[v, col], _key("results.descriptives", {**base, "variable": v}, col), integer=integer)
            for col, _, integer in DESCRIPTIVE_COLUMNS
        )
        rows.append(Row(_label(str(v), labels), cells, "value"))
    title = spec.title if spec is not None else spec_name
    return ReportTable(
        id=table_id, paper=paper, title=str(title), columns=tuple(c[1] for c in DESCRIPTIVE_COLUMNS),
        rows=tuple(rows), source=_spec_source(spec), spec_file=f"analysis/studies/specs/{spec_name}.yml",
        stub_header="Variable", notes=("Sd: standard deviation.",),
    )


def _first(df: pd.DataFrame, col: str) -> Any:
    if col not in df.columns or df.empty:
        return None
    vals = df[col].dropna()
    return None if vals.empty else vals.iloc[0]


def _spec_source(spec: SpecInfo | None) -> str:
    if spec is None:
        return "unknown (spec file not found)"
    data = spec.data
    if "table" in data:
        return f"mart {data['table']}"
    return f"CSV {data.get('csv')}"


def _label(term: str, labels: Mapping[str, str]) -> str:
    lab = labels.get(term)
    return f"{lab} ({term})" if lab and lab != term else term


def _dependent_rows(fr: Mapping[str, pd.DataFrame], model_ids: Sequence[str], labels: Mapping[str, str]) -> list[Row]:
    src = fr["models"] if not fr["models"].empty else fr["estimates"]
    if "dependent" not in src.columns:
        return []
    dep = src.drop_duplicates("model_id").set_index("model_id")["dependent"]
    est = src.drop_duplicates("model_id").set_index("model_id").get("estimator")
    rows = [Row("Dependent variable", tuple(Cell(str(dep.get(m, "") or "")) for m in model_ids), "meta")]
    if est is not None:
        rows.append(Row("Estimator", tuple(Cell(str(est.get(m, "") or "")) for m in model_ids), "meta"))
    return rows


def _coefficient_rows(est: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any], labels: Mapping[str, str]) -> list[Row]:
    if est.empty:
        return []
    rows: list[Row] = []
    by = {(r.model_id, r.term): r for r in est.itertuples(index=False)}
    for term in _term_order(est, model_ids):
        coef, se = [], []
        for m in model_ids:
            r = by.get((m, term))
            if r is None:
                coef.append(Cell(""))
                se.append(Cell(""))
                continue
            where = {**base, "model_id": m, "term": term}
            p = None if pd.isna(r.p_value) else float(r.p_value)
            coef.append(_num(r.estimate, _key("results.estimates", where, "estimate"), fmt=lambda t, p=p: t + stars(p)))
            se.append(_num(r.std_error, _key("results.estimates", where, "std_error"), fmt=lambda t: f"({t})"))
        rows += [Row(_label(str(term), labels), tuple(coef), "coef"), Row("", tuple(se), "se")]
    return rows


def _term_order(est: pd.DataFrame, model_ids: Sequence[str]) -> list[str]:
    """Terms in the order the models list them (model by model), the constant last."""
    order: list[str] = []
    for m in model_ids:
        order += [str(t) for t in est.loc[est["model_id"] == m, "term"]]
    order += [str(t) for t in est["term"]]
    terms = list(dict.fromkeys(order))
    return [t for t in terms if t != "const"] + (["const"] if "const" in terms else [])


def _effect_rows(eff: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any], labels: Mapping[str, str]) -> list[Row]:
    if eff.empty:
        return []
    rows: list[Row] = []
    first = eff.drop_duplicates(["model_id", "term", "effect"])
    by = {(r.model_id, r.term, r.effect): r for r in first.itertuples(index=False)}
    ci = {(r.model_id, r.term, r.effect, r.ci_kind): r for r in eff.itertuples(index=False) if not pd.isna(r.ci_kind)}
    kinds = [k for k in dict.fromkeys(eff["ci_kind"].dropna())]
    for term, effect in dict.fromkeys(zip(first["term"], first["effect"], strict=True)):
        label = f"{effect} effect: {_label(str(term), labels)}"
        est_cells, se_cells = [], []
        for m in model_ids:
            r = by.get((m, term, effect))
            if r is None:
                est_cells.append(Cell(""))
                se_cells.append(Cell(""))
                continue
            where = {**base, "model_id": m, "term": term, "effect": effect, "ci_kind": r.ci_kind}
            est_cells.append(_num(r.estimate, _key("results.effects", where, "estimate")))
            se_cells.append(_num(r.std_error, _key("results.effects", where, "std_error"), fmt=lambda t: f"({t})"))
        rows += [Row(label, tuple(est_cells), "coef"), Row("", tuple(se_cells), "se")]
        for kind in kinds:
            for bound in ("ci_lower", "ci_upper"):
                cells = []
                for m in model_ids:
                    r = ci.get((m, term, effect, kind))
                    where = {**base, "model_id": m, "term": term, "effect": effect, "ci_kind": kind}
                    cells.append(Cell("") if r is None else _num(getattr(r, bound), _key("results.effects", where, bound)))
                if any(c.text for c in cells):
                    side = "lower" if bound == "ci_lower" else "upper"
                    rows.append(Row(f"  95% CI {side} ({kind.replace('_', '-')})", tuple(cells), "ci"))
    return rows


def _model_rows(models: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any]) -> list[Row]:
    if models.empty:
        return []
    by = models.drop_duplicates("model_id").set_index("model_id")
    rows: list[Row] = []
    for col, label in (("nobs", "N"), ("n_entities", "Entities")):
        if col not in by.columns:
            continue
        cells = tuple(
            _num(by.at[m, col], _key("results.models", {**base, "model_id": m}, col), integer=True)
            if m in by.index else Cell("")
            for m in model_ids
        )
        if any(c.text for c in cells):
            rows.append(Row(label, cells, "count"))
    if "fixed_effects" in by.columns:
        flags = {m: _fe_flags(by.at[m, "fixed_effects"]) if m in by.index else set() for m in model_ids}
        for fe, label in (("entity", "Entity fixed effects"), ("time", "Year fixed effects")):
            rows.append(Row(label, tuple(Cell("Yes" if fe in flags[m] else "No") for m in model_ids), "fe"))
    if "cov_type" in by.columns:
        rows.append(Row("Standard errors", tuple(Cell(str(by.at[m, "cov_type"]) if m in by.index and not pd.isna(by.at[m, "cov_type"]) else "") for m in model_ids), "meta"))
    return rows


def _stat_rows(st: pd.DataFrame, model_ids: Sequence[str], base: Mapping[str, Any]) -> list[Row]:
    if st.empty:
        return []
    by = {(r.model_id, r.name): r for r in st.itertuples(index=False)}
    names = _ordered(list(st["name"]), _STAT_ORDER)
    rows: list[Row] = []
    for name in names:
        label = _STAT_LABELS.get(name, name)
        vals, ps = [], []
        for m in model_ids:
            r = by.get((m, name))
            where = {**base, "model_id": m, "name": name}
            vals.append(Cell("") if r is None else _num(r.value, _key("results.stats", where, "value"), integer=name in _INTEGER_STATS))
            ps.append(Cell("") if r is None else _num(r.p_value, _key("results.stats", where, "p_value"), fmt=lambda t: f"[{t}]"))
        rows.append(Row(label, tuple(vals), "stat"))
        if any(c.text for c in ps):
            rows.append(Row(f"  {label} p-value", tuple(ps), "stat-p"))
    return rows


# ============================================================================================ figures
@dataclass(frozen=True)
class FigurePlan:
    """How to make one figure: its id, title, the marts it reads and a builder."""

    id: str
    name: str
    title: str
    source: str
    build: Callable[[duckdb.DuckDBPyConnection, Mapping[str, list[str]]], tuple[Any, str]]


def _need(tables: Mapping[str, list[str]], table: str, columns: Sequence[str]) -> None:
    have = tables.get(f"main.{table}")
    if have is None:
        raise ReportError(f"mart {table} is not in the warehouse")
    missing = [c for c in columns if c not in have]
    if missing:
        raise ReportError(f"mart {table} lacks column(s) {missing}")


def _embed(fig_path: Path) -> str:
    return base64.b64encode(fig_path.read_bytes()).decode("ascii")


def build_figures(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], fig_dir: Path, plans: Sequence[FigurePlan],
    *, synthetic: bool = False,
) -> tuple[list[ReportFigure], list[Missing], dict[str, float]]:
    """Make every planned figure; a figure whose data are missing is reported, not fatal.

    With ``synthetic`` every figure is stamped "SYNTHETIC DEMO DATA" (:func:`analysis.report.figures.mark_synthetic`).
    """
    from analysis.report.figures import FigureDataError, mark_synthetic, save_figure

    figures: list[ReportFigure] = []
    missing: list[Missing] = []
    timings: dict[str, float] = {}
    for plan in plans:
        t0 = time.perf_counter()
        try:
            fig, note = plan.build(con, tables)
        except (ReportError, FigureDataError, duckdb.Error) as exc:
            missing.append(Missing(plan.id, f"{plan.title}: {exc}"))
            continue
        if synthetic:
            mark_synthetic(fig)
        saved = save_figure(fig, fig_dir, plan.name)
        caption = f"Source: {plan.source}." + (f" {note}" if note else "")
        figures.append(ReportFigure(plan.id, plan.title, caption, saved.png, saved.svg, _embed(saved.svg)))
        timings[plan.id] = time.perf_counter() - t0
    return figures, missing, timings


def _province_panel(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], cols: Sequence[str]) -> pd.DataFrame:
    _need(tables, "fct_province_years", ["province_code", "year", *cols])
    sel = ", ".join(["province_code", "year", *(f'"{c}"' for c in cols)])
    return _df(con, f"select {sel} from main.fct_province_years order by province_code, year")


def _fig_top10(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_top_trends

    d = _province_panel(con, tables, ["name_en", "ami"])
    fig = fig_top_trends(d, entity="province_code", label="name_en", value="ami",
                         ylabel="Advanced mfg. index ami (0–100)")
    return fig, "Provinces ranked by ami in the latest year; the legend lists them in that order."


def _fig_scatter(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_scatter_fit, ols_line

    d = _province_panel(con, tables, ["coagglo", "ami"]).dropna(subset=["coagglo", "ami"])
    fig = fig_scatter_fit(d, x="coagglo", y="ami", xlabel="Industrial synergy agglomeration coagglo (index)",
                          ylabel="Advanced mfg. index ami (0–100)")
    line = ols_line(d["coagglo"], d["ami"])
    return fig, (f"Pooled province-years, n = {line.n}; OLS line ami = {line.intercept:.3f} + "
                 f"{line.slope:.3f} × coagglo (R² = {line.r2:.3f}).")


GINI_MART = "fct_industry_concentration"


def _fig_gini(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_band

    _need(tables, GINI_MART, ["level", "industry_code", "year", "locational_gini"])
    d = _df(con, f"""
        select year,
               max(locational_gini) filter (where industry_code = 'C') as mfg,
               quantile_cont(locational_gini, 0.25) as q25, quantile_cont(locational_gini, 0.75) as q75,
               count(locational_gini) as n
        from main.{GINI_MART} where level = 'province' group by year order by year""")
    if d.empty or d["mfg"].isna().all():
        raise ReportError(f"mart {GINI_MART} has no province-level locational_gini for sector C")
    fig = fig_band(d, line="mfg", line_label="Manufacturing (section C)", low="q25", high="q75",
                   band_label="Interquartile range over the 19 sections", ylabel="Locational Gini coefficient (0–1)")
    return fig, (f"Mart {GINI_MART}, column locational_gini (Krugman 1991), level = province: the spatial "
                 f"Gini of each GB/T 4754 section's employment across provinces, by year.")


def _fig_lq_regions(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_group_lines

    _need(tables, "fct_province_years", ["region_p004", "magglo"])
    d = _df(con, """
        select region_p004 as region, year, avg(magglo) as lq, count(*) as n
        from main.fct_province_years where region_p004 is not null and magglo is not null
        group by 1, 2 order by 1, 2""")
    order = [r for r in ("East", "Central", "West") if r in set(d["region"])]
    fig = fig_group_lines(d, group="region", value="lq", order=order or None, reference=1.0,
                          reference_label="LQ = 1 (national share)",
                          ylabel="Mfg. LQ, mean of provinces")
    return fig, "Unweighted mean of magglo over the provinces of each region of paper 004 (Tibet excluded)."


SICHUAN_MART = "fct_sichuan_region_agglomeration"
SICHUAN_REGIONS = ("chengdu_plain", "south", "northeast", "panxi", "northwest")
SICHUAN_SUMMARY_ROWS = ("county_mean", "county_sd")


def _sichuan_regions(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> pd.DataFrame:
    _need(tables, SICHUAN_MART, ["row_code", "row_label_en", "year", "mfg_lq"])
    return _df(con, f"select row_code, row_label_en, year, mfg_lq from main.{SICHUAN_MART} order by row_code, year")


def _fig_sichuan(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_group_lines

    d = _sichuan_regions(con, tables)
    d = d[d["row_code"].isin(SICHUAN_REGIONS)]
    labels = d.drop_duplicates("row_code").set_index("row_code")["row_label_en"]
    order = [str(labels[c]) for c in SICHUAN_REGIONS if c in labels.index]
    fig = fig_group_lines(d, group="row_label_en", value="mfg_lq", order=order, reference=1.0,
                          reference_label="LQ = 1 (Sichuan share)", ylabel="Mfg. location quotient (ratio)")
    return fig, "Column mfg_lq of the five economic regions (paper 000 table 2)."


def _weights(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], matrix: str, level: str) -> pd.DataFrame:
    """Long weights ``from, to, w`` of one matrix and level of fct_spatial_weights (i = row, j = column)."""
    _need(tables, "fct_spatial_weights", ["matrix_name", "level", "i", "j", "w"])
    w = _df(con, 'select i as "from", j as "to", w from main.fct_spatial_weights where matrix_name = ? and level = ?',
            [matrix, level])
    if w.empty:
        raise ReportError(f"fct_spatial_weights has no rows for matrix {matrix!r} at level {level!r}")
    return w


def _fig_moran(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_moran_scatter, moran_scatter_data

    d = _province_panel(con, tables, ["ami"]).dropna(subset=["ami"])
    year = int(d["year"].max())
    v = d[d["year"] == year].set_index("province_code")["ami"]
    sc = moran_scatter_data(v, _weights(con, tables, "economic_geographic", "province"))
    i_val = float(sc["z"] @ sc["wz"] / (sc["z"] @ sc["z"]))
    fig = fig_moran_scatter(sc, variable=f"ami {year}", year=year, matrix="economic-geographic")
    return fig, (f"ami in {year} across {len(sc)} provinces; W = economic_geographic (province level) of "
                 f"fct_spatial_weights, row-standardised; Moran's I = {i_val:.3f} (slope of the line).")


def _fig_weights(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_weights_bar

    d = _ami_weights_latest(con, tables)
    d = d.assign(dim_label=d["dimension"].map(AMI_DIMENSIONS_SHORT).fillna(d["dimension"]))
    fig = fig_weights_bar(d, label="indicator_code", group="dim_label", weight="overall_weight")
    return fig, "Overall entropy weights (overall_weight) of the 21 indicators of ami, coloured by dimension."


def _fig_map_provinces(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import ISO_3166_2_CN, fig_tile_map, tile_grid_layout

    _need(tables, "dim_provinces", ["province_code", "capital_lat", "capital_lon"])
    dim = _df(con, "select province_code, capital_lat, capital_lon from main.dim_provinces")
    d = _province_panel(con, tables, ["ami"]).dropna(subset=["ami"])
    year = int(d["year"].max())
    v = d[d["year"] == year].set_index("province_code")["ami"]
    lay = tile_grid_layout(dim, code="province_code", lon="capital_lon", lat="capital_lat")
    labels = pd.Series({c: ISO_3166_2_CN.get(str(c)[:2], str(c)[:2]) for c in dim["province_code"]})
    fig = fig_tile_map(lay, v, labels=labels, colorbar_label=f"Advanced manufacturing index ami, {year} (0–100)")
    return fig, (f"One tile per province, placed by quantising its capital's coordinates (dim_provinces) "
                 f"to a grid; {int(lay['moved'].sum())} tiles moved to the nearest free cell. Labels: ISO 3166-2:CN.")


def _county_values(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], col: str) -> tuple[pd.DataFrame, str]:
    """``county_code, year, col`` from fct_county_years (contract) or, before the join, fct_gem_in_scores."""
    for table in ("fct_county_years", "fct_gem_in_scores"):
        if col in tables.get(f"main.{table}", []):
            return _df(con, f'select county_code, year, "{col}" from main.{table} where "{col}" is not null'), table
    raise ReportError(f"no county mart has a column {col} (fct_county_years, fct_gem_in_scores)")


def _fig_map_counties(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_tile_map, tile_grid_layout

    _need(tables, "dim_counties", ["county_code", "centroid_lat", "centroid_lon", "seat_lat", "seat_lon"])
    dim = _df(con, """select county_code, coalesce(centroid_lat, seat_lat) as lat,
                             coalesce(centroid_lon, seat_lon) as lon from main.dim_counties""")
    d, table = _county_values(con, tables, "gem_in")
    year = int(d["year"].max())
    v = d[d["year"] == year].set_index("county_code")["gem_in"]
    dim = dim[dim["county_code"].isin(set(d["county_code"]))]  # the seed lists every province's counties
    lay = tile_grid_layout(dim.dropna(subset=["lat", "lon"]), code="county_code", lon="lon", lat="lat")
    fig = fig_tile_map(lay, v, colorbar_label=f"GEM-IN cluster score, {year} (10–1000)")
    return fig, (f"gem_in from {table}. One tile per Sichuan county-level unit ({len(lay)}), placed by its "
                 f"centroid (seat where no centroid) quantised to a grid; {int(lay['moved'].sum())} moved to the "
                 f"nearest free cell.")


def figure_plans() -> list[FigurePlan]:
    """The report's figures, in page order."""
    return [
        FigurePlan("fig-p001-fig2-top10-ami", "p001_fig2_top10_ami",
                   "Paper 001, fig. 2: advanced manufacturing index of the top-10 provinces",
                   "mart fct_province_years (ami)", _fig_top10),
        FigurePlan("fig-p001-fig3-coagglo-ami", "p001_fig3_coagglo_ami",
                   "Paper 001, fig. 3: coagglomeration and advanced manufacturing",
                   "mart fct_province_years (coagglo, ami)", _fig_scatter),
        FigurePlan("fig-p003-fig2-spatial-gini", "p003_fig2_spatial_gini",
                   "Paper 003, fig. 2: spatial Gini coefficient of industry by year",
                   f"mart {GINI_MART} (locational_gini, province level)", _fig_gini),
        FigurePlan("fig-p004-fig1-mfg-lq-regions", "p004_fig1_mfg_lq_regions",
                   "Paper 004, fig. 1: manufacturing location quotient by region",
                   "mart fct_province_years (magglo, region_p004)", _fig_lq_regions),
        FigurePlan("fig-p000-table2-sichuan-regions", "p000_table2_sichuan_regions",
                   "Paper 000, table 2 as a chart: manufacturing agglomeration of Sichuan's five regions",
                   "mart fct_sichuan_region_agglomeration", _fig_sichuan),
        FigurePlan("fig-moran-ami", "moran_ami", "Moran scatter of ami (the SDM variable of paper 001 table 11)",
                   "marts fct_province_years (ami) and fct_spatial_weights (economic_geographic)", _fig_moran),
        FigurePlan("fig-p001-table2-entropy-weights", "p001_table2_entropy_weights",
                   "Paper 001, table 2 as a chart: entropy weights of the ami indicators",
                   "mart fct_ami_weights", _fig_weights),
        FigurePlan("fig-map-provinces-ami", "map_provinces_ami", "Tile-grid map of provinces: ami in the latest year",
                   "marts dim_provinces (capital coordinates) and fct_province_years (ami)", _fig_map_provinces),
        FigurePlan("fig-map-sichuan-counties", "map_sichuan_counties_gem_in",
                   "Tile-grid map of Sichuan counties: GEM-IN cluster score in the latest year",
                   "marts dim_counties (coordinates) and fct_county_years (gem_in)", _fig_map_counties),
    ]


# ============================================================================================ mart tables
AMI_DIMENSIONS = {"amt": "Technology (amt)", "amm": "Management (amm)", "amw": "Workforce (amw)",
                  "gam": "Green (gam)", "ame": "Efficiency (ame)"}
AMI_DIMENSIONS_SHORT = {"amt": "Technology", "amm": "Management", "amw": "Workforce", "gam": "Green",
                        "ame": "Efficiency"}


def _ami_weights_latest(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> pd.DataFrame:
    """The pooled weights (weight_year null) or, with per-year normalisation, the latest year's."""
    _need(tables, "fct_ami_weights", ["weight_year", "indicator_code", "dimension", "direction",
                                      "overall_weight", "within_dimension_weight"])
    d = _df(con, """select * from main.fct_ami_weights
                    where weight_year is not distinct from (
                        select case when count(*) filter (where weight_year is null) > 0 then null
                                    else max(weight_year) end from main.fct_ami_weights)""")
    rank = {k: i for i, k in enumerate(AMI_DIMENSIONS)}
    return d.assign(_r=d["dimension"].map(rank).fillna(len(rank))).sort_values(
        ["_r", "indicator_code"], kind="mergesort").drop(columns="_r").reset_index(drop=True)


def ami_weights_table(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> ReportTable:
    """Paper 001 table 2: entropy weights of the advanced-manufacturing indicators (fct_ami_weights)."""
    d = _ami_weights_latest(con, tables)
    name = "indicator_name_en" if "indicator_name_en" in d.columns else None
    rows = []
    for r in d.to_dict("records"):
        where = {"weight_year": r["weight_year"], "indicator_code": r["indicator_code"]}
        label = f"{r[name]} ({r['indicator_code']})" if name else str(r["indicator_code"])
        sign = {1: "+", -1: "−"}.get(int(r["direction"]), str(r["direction"])) if not pd.isna(r["direction"]) else ""
        cells = (
            Cell(AMI_DIMENSIONS.get(str(r["dimension"]), str(r["dimension"]))),
            Cell(sign),
            _num(r["overall_weight"], _key("main.fct_ami_weights", where, "overall_weight")),
            _num(r["within_dimension_weight"], _key("main.fct_ami_weights", where, "within_dimension_weight")),
        )
        rows.append(Row(label, cells, "value"))
    wy = d["weight_year"].dropna()
    basis = "pooled over all years" if wy.empty else f"normalised within {int(wy.iloc[0])}"
    return ReportTable(
        id="p001_table2", paper="001", title="Evaluation indicator system for advanced manufacturing: entropy weights",
        columns=("Dimension", "Direction", "Overall weight", "Within-dimension weight"), rows=tuple(rows),
        source="mart fct_ami_weights", stub_header="Indicator",
        notes=(f"Entropy weights (paper 001 eq. 11-17), {basis}: overall weights sum to 1 over all indicators, "
               "within-dimension weights sum to 1 within each dimension.",),
    )


def sichuan_regions_table(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> ReportTable:
    """Paper 000 table 2: manufacturing LQ of Sichuan's five regions by year, with county mean and SD."""
    d = _sichuan_regions(con, tables)
    years = sorted(int(y) for y in d["year"].unique())
    codes = list(dict.fromkeys(d["row_code"]))
    order = [c for c in (*SICHUAN_REGIONS, *SICHUAN_SUMMARY_ROWS) if c in codes]
    order += [c for c in codes if c not in order]
    by = {(r["row_code"], int(r["year"])): r for r in d.to_dict("records")}
    labels = d.drop_duplicates("row_code").set_index("row_code")["row_label_en"]
    rows = []
    for code in order:
        cells = tuple(
            _num(by[(code, y)]["mfg_lq"], _key(f"main.{SICHUAN_MART}", {"row_code": code, "year": y}, "mfg_lq"))
            if (code, y) in by else Cell("")
            for y in years
        )
        rows.append(Row(str(labels[code]), cells, "stat" if code in SICHUAN_SUMMARY_ROWS else "value"))
    return ReportTable(
        id="p000_table2", paper="000",
        title="Agglomeration degree of the manufacturing industry in Sichuan's five major regions",
        columns=tuple(str(y) for y in years), rows=tuple(rows), source=f"mart {SICHUAN_MART}",
        stub_header="Region",
        notes=("Manufacturing location quotient (mfg_lq) of each region; mean and standard deviation of the "
               "county LQs.",),
    )


MART_TABLES: dict[str, Callable[[duckdb.DuckDBPyConnection, Mapping[str, list[str]]], ReportTable]] = {
    "fct_ami_weights": ami_weights_table,
    SICHUAN_MART: sichuan_regions_table,
}


def _result_specs(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], run_id: Any) -> list[str]:
    if "results.estimates" not in tables or run_id is None:
        return []
    parts = [f"select spec from results.{t} where run_id = ?" for t in ("estimates", "models", "descriptives", "moran")
             if f"results.{t}" in tables]
    rows = con.execute(f"select distinct spec from ({' union all '.join(parts)}) order by spec",
                       [run_id] * len(parts)).fetchall()
    return [r[0] for r in rows]


def _table_sort_key(name: str) -> tuple[str, int, str]:
    """Sort key (paper, table number, rest) of a spec name.

    ``p001_table11_economic`` -> ("001", 11, "_economic"); a spec without a table number
    (``p001_spatial_tests``) sorts after the paper's numbered tables.
    """
    import re

    m = re.match(r"p(\d{3})_table(\d+)(.*)", name)
    if m:
        return m.group(1), int(m.group(2)), m.group(3)
    m = re.match(r"p(\d{3})_?(.*)", name)
    return (m.group(1), 10_000, m.group(2)) if m else ("999", 10_000, name)


def study_tables(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], run: Mapping[str, Any] | None,
    specs_dir: Path = SPECS_DIR,
) -> tuple[list[ReportTable], list[Missing]]:
    """Every required study table (and any other spec with results), in paper/table order."""
    import fnmatch

    run_id = run.get("run_id") if run else None
    have_specs = _result_specs(con, tables, run_id)
    out: list[ReportTable] = []
    missing: list[Missing] = []
    used: set[str] = set()
    for table_id, paper, source in REQUIRED_TABLES:
        kind, name = source.split(":", 1)
        if kind == "mart":
            try:
                out.append(MART_TABLES[name](con, tables))
            except (ReportError, duckdb.Error) as exc:
                missing.append(Missing(table_id, f"paper {paper}: {exc}"))
            continue
        matches = [s for s in have_specs if fnmatch.fnmatch(s, name)] or ([name] if name in have_specs else [])
        if not matches:
            where = f"run {run_id}" if run_id is not None else "the warehouse (no results.runs row)"
            missing.append(Missing(table_id, f"paper {paper}: no results for spec {name} in {where}; "
                                             "run 'agglo analyze'"))
            continue
        for spec_name in matches:
            out += spec_tables(con, tables, run_id=run_id, spec_name=spec_name, paper=paper, specs_dir=specs_dir)
            used.add(spec_name)
    for spec_name in have_specs:
        if spec_name not in used:
            out += spec_tables(con, tables, run_id=run_id, spec_name=spec_name, paper=_table_sort_key(spec_name)[0],
                               specs_dir=specs_dir)
    out.sort(key=lambda t: _table_sort_key(t.id))
    return out, missing


CI_KINDS = (("bias_corrected", "bias-corrected"), ("percentile", "percentile"))


def _is_mediation_only(con: duckdb.DuckDBPyConnection, run_id: Any, spec_name: str) -> bool:
    row = con.execute(
        "select count(*) filter (where estimator = 'mediation'), count(*) from results.models "
        "where run_id = ? and spec = ?", [run_id, spec_name]).fetchone()
    if not row or not row[1] or row[0] != row[1]:
        return False
    eff = con.execute("select count(*) from results.effects where run_id = ? and spec = ?", [run_id, spec_name]).fetchone()
    return bool(eff and eff[0])


def mediation_effects_table(
    con: duckdb.DuckDBPyConnection, *, run_id: Any, spec_name: str, table_id: str, paper: str,
    specs_dir: Path = SPECS_DIR,
) -> ReportTable:
    """Bootstrap mediation effects in the layout of paper 001 table 8.

    One row per model and effect: explained variable, mediating variable, effect, its size and
    standard error, and the 95% bias-corrected and percentile intervals.
    """
    spec = _spec_for(spec_name, specs_dir)
    base = {"run_id": run_id, "spec": spec_name}
    eff = _df(con, "select * from results.effects where run_id = ? and spec = ? order by rowid", [run_id, spec_name])
    dep = dict(con.execute("select model_id, dependent from results.models where run_id = ? and spec = ?",
                           [run_id, spec_name]).fetchall())
    model_ids = _ordered(list(eff["model_id"]), list(spec.model_ids) if spec else [])
    kinds = [(k, lab) for k, lab in CI_KINDS if k in set(eff["ci_kind"].dropna())]
    rank = {"indirect": 0, "direct": 1, "total": 2}
    rows: list[Row] = []
    for m in model_ids:
        e = eff[eff["model_id"] == m]
        first = e.drop_duplicates(["term", "effect"])
        first = first.assign(_r=first["effect"].map(rank).fillna(9)).sort_values("_r", kind="mergesort")
        for r in first.itertuples(index=False):
            w = {**base, "model_id": m, "term": r.term, "effect": r.effect, "ci_kind": r.ci_kind}
            cells = [Cell(str(dep.get(m, ""))), Cell(spec.mediators.get(m, "") if spec else ""),
                     Cell(f"{r.effect} effect"),
                     _num(r.estimate, _key("results.effects", w, "estimate")),
                     _num(r.std_error, _key("results.effects", w, "std_error"))]
            for kind, _ in kinds:
                ci = e[(e["term"] == r.term) & (e["effect"] == r.effect) & (e["ci_kind"] == kind)]
                wk = {**w, "ci_kind": kind}
                for bound in ("ci_lower", "ci_upper"):
                    cells.append(Cell("") if ci.empty else _num(ci.iloc[0][bound], _key("results.effects", wk, bound)))
            rows.append(Row(_label(str(r.term), dict(spec.labels) if spec else {}), tuple(cells), "value"))
    columns = ("Explained variable", "Mediating variable", "Effect", "Effect size", "Standard error",
               *(f"95% CI {side} ({lab})" for _, lab in kinds for side in ("lower", "upper")))
    return ReportTable(
        id=table_id, paper=paper, title=spec.title if spec else spec_name, columns=columns, rows=tuple(rows),
        source=_spec_source(spec), spec_file=f"analysis/studies/specs/{spec_name}.yml", stub_header="Treatment",
        notes=("Bootstrap standard errors and 95% intervals (bias-corrected and percentile), resampling whole "
               "entities; the coefficients of the equations follow in the next table.",),
    )


def spec_tables(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], *, run_id: Any, spec_name: str, paper: str,
    specs_dir: Path = SPECS_DIR,
) -> list[ReportTable]:
    """The report tables of one spec.

    Its table in the paper's layout, plus, for a bootstrap mediation spec, the coefficient table of the
    model behind the effects.
    """
    if {"results.models", "results.effects"} <= set(tables) and _is_mediation_only(con, run_id, spec_name):
        effects = mediation_effects_table(con, run_id=run_id, spec_name=spec_name, table_id=spec_name, paper=paper,
                                          specs_dir=specs_dir)
        coefs = results_table(con, run_id=run_id, spec_name=spec_name, table_id=f"{spec_name}-coefficients",
                              paper=paper, specs_dir=specs_dir)
        from dataclasses import replace

        return [effects, replace(coefs, title=f"{coefs.title} — coefficients and effects of the estimated model")]
    return [results_table(con, run_id=run_id, spec_name=spec_name, table_id=spec_name, paper=paper,
                          specs_dir=specs_dir)]


# ============================================================================================ rendering
PAPERS = {
    "000": "Paper 000 — Sichuan county manufacturing clusters (GEM-IN, system GMM)",
    "001": "Paper 001 — Industrial synergy agglomeration and advanced manufacturing",
    "002": "Paper 002 — Industrial clusters and regional growth",
    "003": "Paper 003 — China's industrial clusters: an overview",
    "004": "Paper 004 — Manufacturing agglomeration and regional innovation",
}


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    return env


def _caption(t: ReportTable) -> str:
    if t.title.lower().startswith(f"paper {t.paper}"):
        return t.title
    num = t.id.split("_table", 1)[1] if "_table" in t.id else ""
    head = f"Paper {t.paper}, table {num}" if num else f"Paper {t.paper}"
    return f"{head}. {t.title}"


def _provenance(t: ReportTable, run: Mapping[str, Any] | None) -> str:
    parts = []
    if t.spec_file:
        parts.append(f"Spec: {t.spec_file}")
        parts.append(f"data: {t.source}")
        if run:
            parts.append(f"results schema, run {run.get('run_id')}")
    else:
        parts.append(f"Read from {t.source}")
    return "; ".join(parts) + "."


def _with_exports(t: ReportTable, out_dir: Path) -> ReportTable:
    """Attach the Markdown/LaTeX/CSV files the spec runner wrote for this table (reports/tables/)."""
    from dataclasses import replace

    found = tuple(f"tables/{t.id}.{ext}" for ext in ("md", "tex", "csv") if (out_dir / "tables" / f"{t.id}.{ext}").is_file())
    return replace(t, exports=found)


def render(report: Report, *, template: str) -> str:
    """Render the report with ``analysis/report/templates/<template>``."""
    env = _environment()
    if template.endswith(".md.j2"):
        env.autoescape = False
    tables_by_paper: dict[str, list[ReportTable]] = {}
    for t in report.tables:
        tables_by_paper.setdefault(t.paper, []).append(t)
    return env.get_template(template).render(
        r=report, h=report.header, papers=PAPERS, tables_by_paper=tables_by_paper,
        caption=_caption, provenance=_provenance, decimals=DECIMALS,
    )


def write_report(warehouse: Path = DEFAULT_WAREHOUSE, out_dir: Path = REPORTS_DIR, *,
                 specs_dir: Path = SPECS_DIR) -> Path:
    """Write ``out_dir/index.html``, ``out_dir/report.md`` and ``out_dir/figures/`` from a warehouse.

    Parameters
    ----------
    warehouse : Path
        The built DuckDB warehouse (opened read-only).
    out_dir : Path
        Report directory (default ``reports/``; ``AGGLO_REPORTS_DIR`` overrides the default).
    specs_dir : Path
        Where the study specs live (for titles, model order and the mart each spec reads).

    Returns
    -------
    Path
        The HTML file.

    Raises
    ------
    ReportError
        When the warehouse is missing or cannot be opened. Missing marts or results do not raise:
        the page lists what is missing and why.
    """
    t0 = time.perf_counter()
    warehouse, out_dir = Path(warehouse), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = _connect(warehouse)
    try:
        tables = _tables(con)
        header = collect_header(con, warehouse, out_dir, tables)
        study, missing = study_tables(con, tables, header.run, specs_dir)
        t1 = time.perf_counter()
        figures, fig_missing, timings = build_figures(con, tables, out_dir / "figures", figure_plans(),
                                                      synthetic=header.is_synthetic)
    finally:
        con.close()
    study = [_with_exports(t, out_dir) for t in study]
    report = Report(header=header, tables=study, figures=figures, missing=missing + fig_missing)
    report.timings = {"tables_s": t1 - t0, "figures_s": sum(timings.values())}
    html_path = out_dir / "index.html"
    html_path.write_text(render(report, template="report.html.j2"), encoding="utf-8")
    (out_dir / "report.md").write_text(render(report, template="report.md.j2"), encoding="utf-8")
    for m in report.missing:
        print(f"agglo report: warning: {m.id}: {m.reason}")
    print(f"agglo report: wrote {html_path} ({len(study)} tables, {len(figures)} figures, "
          f"{len(report.missing)} missing) in {time.perf_counter() - t0:.1f} s")
    return html_path

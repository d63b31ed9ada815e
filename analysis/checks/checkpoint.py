"""Data checks: fast pre-validation of the raw files and the Great Expectations checkpoint.

Two layers guard the warehouse (docs/data_contract.md; expectations/README.md):

1. :func:`validate_raw` reads every raw CSV of a raw directory *before* dbt runs and reports every
   problem as ``file:line: column <name>: rule <rule>: value <v> — what to do`` (line numbers are
   1-based lines of the file, counting comment and header lines); the checks themselves live in
   :mod:`analysis.warehouse.raw_validation`.
2. :func:`run_checkpoint` runs the Great Expectations suites of ``expectations/suites/`` (reviewable
   YAML files, listed in ``expectations/checkpoint.yml``) against the raw inputs and the marts of a
   freshly built warehouse file, writes Data Docs and ``summary.json`` under ``reports/data_docs/``
   and raises on failure.

:func:`check` (``agglo check``) runs both against a given warehouse.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT, REPORTS_DIR
from analysis.warehouse.raw_validation import (
    INDICATOR_TERMS,
    RAW_FILES,
    CacheKey,
    Reference,
    cache_key,
    check_raw_file,
    find_problems,
    format_problems,
    load_reference,
)

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# Checked frames of clean raw files, by file and seed fingerprints (raw_validation.cache_key): the
# checkpoint, run after dbt in the same process (agglo build / run), and later validations of the
# same unchanged files reuse them instead of reading the files again.
_RAW_CACHE: dict[CacheKey, pd.DataFrame] = {}
_RAW_CACHE_SIZE = 24


def _trim_cache() -> None:
    while len(_RAW_CACHE) > _RAW_CACHE_SIZE:
        _RAW_CACHE.pop(next(iter(_RAW_CACHE)))


def validate_raw(raw_dir: Path, *, ref: Reference | None = None) -> None:
    """Check every raw CSV of ``raw_dir`` against the contract before dbt runs.

    Parameters
    ----------
    raw_dir : Path
        Directory of the raw input files (docs/data_contract.md).
    ref : Reference, optional
        Reference data (default: read from ``warehouse/seeds`` and ``dbt_project.yml``).

    Raises
    ------
    AggloError
        Listing every problem as ``file:line: column <name>: rule <rule>: value <v> — what to do``.

    Examples
    --------
    >>> validate_raw(Path("data/demo"))  # doctest: +SKIP
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise AggloError(f"{raw_dir}: raw directory not found; pass --raw-dir DIR with the raw CSV files")
    _, problems = find_problems(raw_dir, ref or load_reference(), cache=_RAW_CACHE)
    _trim_cache()
    if problems:
        raise AggloError(format_problems(problems, f"the raw files in {raw_dir}")
                       + "\nNothing was built or published; the last good warehouse is unchanged.")


# --------------------------------------------------------------------------------------------------
# Great Expectations checkpoint
# --------------------------------------------------------------------------------------------------

CHECKPOINT_FILE = EXPECTATIONS_DIR / "checkpoint.yml"
SUITES_DIR = EXPECTATIONS_DIR / "suites"
FAILED_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Validation:
    """One entry of ``expectations/checkpoint.yml``: a suite and the data it validates."""

    suite: str
    kind: str  # "raw" | "table" | "query" | "study_columns"
    target: str  # file name, table name, SQL text or specs directory
    index: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Short name of the data in messages."""
        return self.target if self.kind in ("raw", "table") else self.suite


@dataclass(frozen=True)
class SuiteOutcome:
    """Result of one suite on its data."""

    suite: str
    data: str
    success: bool
    n_expectations: int
    n_failed: int = 0
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """What the checkpoint found.

    Attributes
    ----------
    outcomes : tuple of SuiteOutcome
        One per validation that ran (an absent optional raw file is skipped).
    seconds : float
        Wall time of the checkpoint (reading data, validating, writing Data Docs).
    data_docs : Path
        The Data Docs ``index.html``.
    """

    outcomes: tuple[SuiteOutcome, ...]
    seconds: float
    data_docs: Path

    @property
    def success(self) -> bool:
        """Whether every suite passed."""
        return all(o.success for o in self.outcomes)

    @property
    def n_expectations(self) -> int:
        """Expectations evaluated over all suites."""
        return sum(o.n_expectations for o in self.outcomes)

    @property
    def failures(self) -> list[str]:
        """Every failure message, suite by suite."""
        return [f for o in self.outcomes for f in o.failures]

    def summary(self) -> str:
        """One line: suites, expectations, failures, time, Data Docs."""
        n_ok = sum(o.success for o in self.outcomes)
        return (f"GE checkpoint: {n_ok}/{len(self.outcomes)} suites passed, "
                f"{self.n_expectations} expectations, {sum(o.n_failed for o in self.outcomes)} failed, "
                f"{self.seconds:.1f} s; Data Docs: {self.data_docs}")


def load_checkpoint(path: Path = CHECKPOINT_FILE) -> tuple[dict[str, Any], list[Validation]]:
    """Read the checkpoint definition.

    Returns
    -------
    settings : dict
    validations : list of Validation
    """
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    validations = []
    for entry in doc["validations"]:
        kind = next((k for k in ("raw", "table", "query", "study_columns") if k in entry), None)
        if kind is None:
            raise AggloError(f"{path}: validation {entry.get('suite')!r} names no data "
                           "(one of raw:, table:, query:, study_columns:)")
        validations.append(Validation(entry["suite"], kind, str(entry[kind]).strip(), tuple(entry.get("index", ()))))
    return doc.get("settings", {}), validations


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> dict[str, Any]:
    """Read one suite file (``expectations/suites/<name>.yml``) as a GX suite dict."""
    path = suites_dir / f"{name}.yml"
    if not path.exists():
        raise AggloError(f"{path}: suite file missing (listed in {CHECKPOINT_FILE.name})")
    with path.open(encoding="utf-8") as fh:
        suite = yaml.safe_load(fh)
    if suite.get("name") != name:
        raise AggloError(f"{path}: name {suite.get('name')!r} differs from the file name {name!r}")
    return suite


def suite_parameters(ref: Reference, settings: dict[str, Any]) -> dict[str, Any]:
    """The values of ``$PARAMETER`` in the suites, from the seeds, dbt vars and checkpoint settings.

    Expected row counts are the seeds' division counts times the panel's years, so that adding a
    county to the seed or a year to the panel needs no change to a suite.
    """
    (p0, p1), (c0, c1) = ref.years["province"], ref.years["county"]
    n_prov, n_cnty = len(ref.codes["province"]), len(ref.codes["county"])
    return {
        "province_codes": sorted(ref.codes["province"]),
        "prefecture_codes": sorted(ref.codes["prefecture"]),
        "county_codes": sorted(ref.codes["county"]),
        "sector_codes": sorted(ref.codes["sectors"]),
        # sections plus PS, the productive-service group G+I+J+L+M of paper 001 (pair indices)
        "sector_group_codes": [*sorted(ref.codes["sectors"]), "PS"],
        "industry_codes": sorted(ref.codes["industries"]),
        "province_indicator_codes": sorted(c for lv, c in ref.indicators if lv == "province"),
        "county_indicator_codes": sorted(c for lv, c in ref.indicators if lv == "county"),
        "province_first_year": p0,
        "province_last_year": p1,
        "county_first_year": c0,
        "county_last_year": c1,
        "n_provinces": n_prov,
        "n_counties": n_cnty,
        "n_prefectures": len(ref.codes["prefecture"]),
        "n_province_years": n_prov * (p1 - p0 + 1),
        "n_county_years": n_cnty * (c1 - c0 + 1),
        "n_county_panel_years": c1 - c0 + 1,
        "max_imputed_share": float(settings.get("max_imputed_share", 0.2)),
    }


def _raw_frame(raw_dir: Path, name: str, ref: Reference) -> pd.DataFrame | None:
    """The checked frame of one raw file (from the cache of :func:`validate_raw` when fresh)."""
    path = raw_dir / name
    if not path.exists():
        return None
    cached = _RAW_CACHE.get(cache_key(path, ref))
    if cached is not None:
        return cached
    spec = next(s for s in RAW_FILES if s.name == name)
    frame, _ = check_raw_file(path, spec, ref)
    if frame is None:  # unreadable: give GX an empty frame of the right columns, it reports not_empty
        extra = INDICATOR_TERMS if spec.indicator_level else ()
        frame = pd.DataFrame(columns=["_line", *spec.columns, *extra])
    return frame


def _load_frames(
    validations: list[Validation], db_path: Path, raw_dir: Path, ref: Reference,
    on_closed: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """DataFrames by suite name; a string value is why the data could not be read.

    The warehouse is read first; ``on_closed`` is called once it is closed (the raw files follow).
    """
    import duckdb

    frames: dict[str, Any] = {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
        for v in validations:
            if v.kind == "table" and v.target not in tables:
                frames[v.suite] = (f"table {v.target} is missing from {db_path}: rebuild the warehouse "
                                   "(agglo build) from a complete dbt project")
            elif v.kind == "table":
                frames[v.suite] = con.execute(f'select * from main."{v.target}"').df()
            elif v.kind == "query":
                try:
                    frames[v.suite] = con.execute(v.target).df()
                except duckdb.Error as exc:
                    frames[v.suite] = f"query of suite {v.suite} failed on {db_path}: {exc}"
            elif v.kind == "study_columns":
                frames[v.suite] = _study_columns(con, PROJECT_ROOT / v.target, tables)
    finally:
        con.close()
    if on_closed is not None:
        on_closed()
    for v in validations:
        if v.kind == "raw":
            frames[v.suite] = _raw_frame(raw_dir, v.target, ref)
    return frames


def study_column_uses(specs_dir: Path) -> list[tuple[str, str, str]]:
    """Every (spec, table, column) a study spec reads from a warehouse table.

    Parameters
    ----------
    specs_dir : Path
        Directory of study specs (``analysis/studies/specs``, one folder per paper; the paper
        manifests ``study.yml`` are not specs).

    Returns
    -------
    list of tuple
        Sorted, without duplicates; specs whose data is a CSV are left out.
    """
    from analysis.estimators.terms import required_columns
    from analysis.studies.manifest import spec_files
    from analysis.studies.spec import load_spec, model_terms

    paths = spec_files(specs_dir)
    if not paths:  # a moved or mistyped folder must not pass the suite with nothing checked
        raise AggloError(f"{specs_dir}: no study specs (*.yml) found; fix study_columns in "
                         f"{CHECKPOINT_FILE.name}")
    uses: set[tuple[str, str, str]] = set()
    for path in paths:
        spec = load_spec(path)
        table = spec.data.get("table")
        if not table:
            continue
        terms = [t for m in spec.models for t in model_terms(m)] + list(spec.variables)
        uses |= {(spec.name, str(table), c) for c in required_columns(terms)}
    return sorted(uses)


def _study_columns(con: Any, specs_dir: Path, tables: set[str]) -> Any:
    """Profile (present, non-null count, distinct count) of every (table, column) a study spec uses."""
    try:
        uses = study_column_uses(specs_dir)
    except Exception as exc:  # a spec that does not load is reported, not hidden
        return f"could not read the specs in {specs_dir}: {exc}"
    specs: dict[tuple[str, str], list[str]] = {}
    for spec, table, column in uses:
        specs.setdefault((table, column), []).append(spec)
    columns = {t: {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'main' and table_name = ?",
        [t]).fetchall()} for t in {t for t, _ in specs} & tables}
    rows = []
    for (table, column), names in specs.items():
        present = column in columns.get(table, set())
        n_non_null = n_distinct = None  # absent: only column_exists fails
        if present:
            n_non_null, n_distinct = con.execute(
                f'select count("{column}"), count(distinct "{column}") from main."{table}"').fetchone()
        rows.append({"table": table, "column": column, "specs": ", ".join(names), "is_present": present,
                     "n_non_null": n_non_null, "n_distinct": n_distinct})
    frame = pd.DataFrame(rows, columns=["table", "column", "specs", "is_present", "n_non_null", "n_distinct"])
    return frame.astype({"n_non_null": "Int64", "n_distinct": "Int64", "is_present": bool})


def _gx_context(docs_dir: Path) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name="agglo",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _failure_messages(v: Validation, result: Any) -> list[str]:
    """Actionable messages for one failed expectation result."""
    config = result.expectation_config
    meta = config.meta or {}
    rule = meta.get("rule", config.type)
    fix = meta.get("fix", "see the expectation in expectations/suites/" + v.suite + ".yml")
    kwargs = config.kwargs
    column = kwargs.get("column") or ",".join(
        kwargs.get("column_list") or [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
    ) or "-"
    if result.exception_info and result.exception_info.get("raised_exception"):
        error = result.exception_info.get("exception_message", "")
        return [f"{v.label}: column {column}: rule {rule}: could not be evaluated ({error}) — {fix}"]
    res = result.result or {}
    rows = res.get("unexpected_index_list") or []
    if not rows:
        observed = res.get("observed_value", res.get("partial_unexpected_list", "?"))
        expected = {k: kwargs[k] for k in ("value", "min_value", "max_value", "value_set") if k in kwargs}
        shown = ", ".join(f"{k} {_short(x)}" for k, x in expected.items())
        return [f"{v.label}: column {column}: rule {rule}: observed {_short(observed)} (expected {shown}) — {fix}"]
    out = []
    for row in rows[:FAILED_ROWS_SHOWN]:
        where = _row_location(v, row)
        value = ", ".join(f"{k}={_short(x)}" for k, x in row.items()
                          if k not in v.index or k in column.split(",")) or "?"
        out.append(f"{where}: column {column}: rule {rule}: value {value} — {fix}")
    if len(rows) > FAILED_ROWS_SHOWN:
        out.append(f"{v.label}: column {column}: rule {rule}: ... and {len(rows) - FAILED_ROWS_SHOWN} more rows")
    return out


def _row_location(v: Validation, row: dict[str, Any]) -> str:
    if v.index == ("_line",):
        return f"{v.target}:{row.get('_line')}"
    keys = ", ".join(f"{k}={row.get(k)}" for k in v.index)
    return f"{v.label} ({keys})" if keys else v.label


def _validate(context: Any, v: Validation, frame: Any, params: dict[str, Any], run_name: str) -> SuiteOutcome:
    """Run one suite: a fast pass (pass/fail only); when it fails, a detailed pass for the messages.

    Both passes are checkpoint runs, so Data Docs show every suite's verdict and, for a failed
    suite, a second result (run ``<run_name>-details``) with the unexpected rows.
    """
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    suite = context.suites.add(ExpectationSuite(**load_suite(v.suite)))
    asset = context.data_sources.get("agglo").add_dataframe_asset(v.suite)
    batch = asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=v.suite, data=batch, suite=suite))
    detailed: dict[str, Any] = {"result_format": "COMPLETE"}
    if v.index:
        detailed["unexpected_index_column_names"] = list(v.index)
    vr = None
    for label, result_format in (("", {"result_format": "BOOLEAN_ONLY"}), ("-details", detailed)):
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"agglo_{v.suite}{label}", validation_definitions=[definition], result_format=result_format))
        result = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=params,
                                run_id=gx.RunIdentifier(run_name=run_name + label))
        vr = next(iter(result.run_results.values()))
        if vr.success:
            break
    failures = [m for r in vr.results if not r.success for m in _failure_messages(v, r)]
    n_failed = sum(not r.success for r in vr.results)
    return SuiteOutcome(v.suite, v.label, bool(vr.success), len(vr.results), n_failed, tuple(failures))


def _published_name(db_path: Path) -> Path:
    """The file a build publishes ``db_path`` as (``.agglo.building.duckdb`` -> ``agglo.duckdb``).

    The pipeline checks a new file next to the published one (analysis.pipeline.building_path) and
    renames it only when every check passes; the summary names the file users will read.
    """
    m = re.fullmatch(r"\.(.+)\.building(\.[^.]+)", db_path.name)
    return db_path.with_name(m.group(1) + m.group(2)) if m else db_path


def _write_summary(report: CheckReport, docs_dir: Path, db_path: Path, raw_dir: Path) -> None:
    import datetime as dt
    import json

    summary = {
        "success": report.success,
        "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "warehouse": str(_published_name(db_path)),
        "raw_dir": str(raw_dir),
        "n_suites": len(report.outcomes),
        "n_expectations": report.n_expectations,
        "n_failed": sum(o.n_failed for o in report.outcomes),
        "suites": [
            {"name": o.suite, "success": o.success, "n_expectations": o.n_expectations, "n_failed": o.n_failed}
            for o in report.outcomes
        ],
        "data_docs_index": "index.html",
    }
    (docs_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def run_checkpoint(
    db_path: Path,
    raw_dir: Path,
    *,
    docs_dir: Path | None = None,
    ref: Reference | None = None,
    checkpoint_file: Path = CHECKPOINT_FILE,
    on_data_loaded: Callable[[], None] | None = None,
) -> CheckReport:
    """Run the GE checkpoint against a (freshly built, not yet published) warehouse file.

    Parameters
    ----------
    db_path : Path
        DuckDB warehouse file to check (opened read-only).
    raw_dir : Path
        Raw directory it was built from (the raw suites read its files).
    docs_dir : Path, optional
        Where Data Docs and ``summary.json`` go (default ``<reports>/data_docs``; replaced).
    ref : Reference, optional
        Reference data (default: the seeds and ``dbt_project.yml``).
    checkpoint_file : Path
        Checkpoint definition (default ``expectations/checkpoint.yml``).
    on_data_loaded : callable, optional
        Called once every table has been read and the warehouse file closed (from then on the
        checkpoint no longer touches ``db_path``; ``agglo run`` then starts the specs); the raw
        files are read after it.

    Returns
    -------
    CheckReport

    Raises
    ------
    AggloError
        When a suite fails, listing every failure with the file and line (raw inputs) or the
        table and key (marts), the column, the rule, the value and what to do.
    """
    import shutil

    start = time.perf_counter()  # includes importing Great Expectations (in _gx_context)
    db_path, raw_dir = Path(db_path), Path(raw_dir)
    if not db_path.exists():
        raise AggloError(f"{db_path}: warehouse file not found; build it first (agglo build)")
    ref = ref or load_reference()
    settings, validations = load_checkpoint(checkpoint_file)
    docs_dir = docs_dir or REPORTS_DIR / settings.get("data_docs_subdir", "data_docs")
    params = suite_parameters(ref, settings)
    frames = _load_frames(validations, db_path, raw_dir, ref, on_closed=on_data_loaded)
    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = _gx_context(docs_dir)
    context.data_sources.add_pandas("agglo")
    run_name = f"agglo-{time.strftime('%Y%m%dT%H%M%S')}"
    outcomes = []
    for v in validations:
        frame = frames.get(v.suite)
        if frame is None:  # an absent optional raw file
            continue
        if isinstance(frame, str):
            outcomes.append(SuiteOutcome(v.suite, v.label, False, 0, 1, (f"{v.label}: rule data_available: {frame}",)))
            continue
        outcomes.append(_validate(context, v, frame, params, run_name))
    context.build_data_docs()
    report = CheckReport(tuple(outcomes), time.perf_counter() - start, docs_dir / "index.html")
    _write_summary(report, docs_dir, db_path, raw_dir)
    if not report.success:
        raise AggloError(format_problems(report.failures, f"the GE checkpoint on {db_path}")
                       + f"\n{report.summary()}")
    return report


def check(warehouse: Path, raw_dir: Path) -> None:
    """``agglo check``: validate the raw files, then run the GE checkpoint on ``warehouse``.

    Parameters
    ----------
    warehouse : Path
        DuckDB warehouse file.
    raw_dir : Path
        Raw directory the warehouse was built from.

    Raises
    ------
    AggloError
        On the first layer that fails (exit code 2 from the CLI).
    """
    ref = load_reference()
    validate_raw(raw_dir, ref=ref)
    report = run_checkpoint(warehouse, raw_dir, ref=ref)
    print(report.summary())

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.checks.raw_suites import (
    DEFAULT_SAMPLE_ROWS,
    RawSuiteData,
    raw_suite_data,
)
from analysis.checks.suites import (
    CHECKPOINT_FILE,
    Validation,
    load_checkpoint,
    load_suite,
    study_columns_profile,
    suite_parameters,
)
from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT, REPORTS_DIR
from analysis.warehouse.raw_validation import (
    INDICATOR_TERMS,
    RAW_FILES,
    CacheKey,
    CheckedFile,
    Reference,
    cache_key,
    check_raw_table,
    find_problems,
    format_problems,
    load_reference,
)

# Checked clean raw files (rows held in DuckDB), by file and seed fingerprints (raw_validation.cache_key):
# the checkpoint, run after dbt in the same process (agglo build / run), and later validations of the
# same unchanged files reuse them instead of reading the files again.
_RAW_CACHE: dict[CacheKey, CheckedFile] = {}
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

FAILED_ROWS_SHOWN = 5


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


def _raw_frame(raw_dir: Path, name: str, ref: Reference, sample_rows: int = DEFAULT_SAMPLE_ROWS
               ) -> RawSuiteData | None:
    """The checked rows of one raw file, whole or (a larger file) a sample of ``sample_rows`` rows.

    From the cache of :func:`validate_raw` when fresh; see :mod:`analysis.checks.raw_suites`.
    """
    path = raw_dir / name
    if not path.exists():
        return None
    checked = _RAW_CACHE.get(cache_key(path, ref))
    if checked is None:
        spec = next(s for s in RAW_FILES if s.name == name)
        checked, _ = check_raw_table(path, spec, ref)
        if checked is None:  # unreadable: give GX an empty frame of the right columns, it reports not_empty
            extra = INDICATOR_TERMS if spec.indicator_level else ()
            return RawSuiteData(pd.DataFrame(columns=["_line", *spec.columns, *extra]))
    return raw_suite_data(checked, sample_rows)


def _load_frames(
    validations: list[Validation], db_path: Path, raw_dir: Path, ref: Reference,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> dict[str, Any]:
    """DataFrames by suite name (RawSuiteData for raw files); a string value is why the data could not be read."""
    import duckdb

    frames: dict[str, Any] = {}
    for v in validations:
        if v.kind == "raw":
            frames[v.suite] = _raw_frame(raw_dir, v.target, ref, sample_rows)
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
                frames[v.suite] = study_columns_profile(con, PROJECT_ROOT / v.target, tables)
    finally:
        con.close()
    return frames


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


@dataclass
class PreparedCheckpoint:
    """Everything a checkpoint run needs once the data is read: the GX context, suites and frames.

    Made by :func:`prepare_checkpoint`; the suites run with :func:`run_suites` and the run ends with
    :func:`finish_checkpoint`. :func:`run_checkpoint` does the three in turn; ``agglo run`` runs the
    mart suites in a child process alongside the study specs (:mod:`analysis.checks.background`).
    """

    db_path: Path
    raw_dir: Path
    docs_dir: Path
    context: Any
    validations: list[Validation]
    frames: dict[str, Any]
    params: dict[str, Any]
    run_name: str
    start: float


def prepare_checkpoint(db_path: Path, raw_dir: Path, *, docs_dir: Path | None = None,
                       ref: Reference | None = None, checkpoint_file: Path = CHECKPOINT_FILE) -> PreparedCheckpoint:
    """Read every frame the suites check (the warehouse is closed again) and set up the GX context."""
    start = time.perf_counter()  # includes importing Great Expectations (in _gx_context)
    db_path, raw_dir = Path(db_path), Path(raw_dir)
    if not db_path.exists():
        raise AggloError(f"{db_path}: warehouse file not found; build it first (agglo build)")
    ref = ref or load_reference()
    settings, validations = load_checkpoint(checkpoint_file)
    docs_dir = docs_dir or REPORTS_DIR / settings.get("data_docs_subdir", "data_docs")
    params = suite_parameters(ref, settings)
    frames = _load_frames(validations, db_path, raw_dir, ref,
                          int(settings.get("raw_sample_rows", DEFAULT_SAMPLE_ROWS)))
    import shutil

    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = _gx_context(docs_dir)
    context.data_sources.add_pandas("agglo")
    return PreparedCheckpoint(db_path, raw_dir, docs_dir, context, validations, frames, params,
                              f"agglo-{time.strftime('%Y%m%dT%H%M%S')}", start)


def run_suites(prepared: PreparedCheckpoint, validations: list[Validation]) -> list[SuiteOutcome]:
    """Run ``validations`` (a part of ``prepared.validations``, in order) on their frames."""
    p = prepared
    outcomes = []
    for v in validations:
        frame = p.frames.get(v.suite)
        if frame is None:  # an absent optional raw file
            continue
        if isinstance(frame, str):
            outcomes.append(SuiteOutcome(v.suite, v.label, False, 0, 1, (f"{v.label}: rule data_available: {frame}",)))
            continue
        if isinstance(frame, RawSuiteData):  # a large raw file: GX on a sample, every expectation in SQL
            outcomes.append(frame.validate(lambda f, v=v: _validate(p.context, v, f, p.params, p.run_name),
                                           load_suite(v.suite), p.params))
            continue
        outcomes.append(_validate(p.context, v, frame, p.params, p.run_name))
    return outcomes


def finish_checkpoint(prepared: PreparedCheckpoint, outcomes: list[SuiteOutcome]) -> CheckReport:
    """Write Data Docs and ``summary.json``; raise :class:`AggloError` when a suite failed."""
    p = prepared
    p.context.build_data_docs()
    report = CheckReport(tuple(outcomes), time.perf_counter() - p.start, p.docs_dir / "index.html")
    _write_summary(report, p.docs_dir, p.db_path, p.raw_dir)
    if not report.success:
        raise AggloError(format_problems(report.failures, f"the GE checkpoint on {p.db_path}")
                       + f"\n{report.summary()}")
    return report


def run_checkpoint(
    db_path: Path,
    raw_dir: Path,
    *,
    docs_dir: Path | None = None,
    ref: Reference | None = None,
    checkpoint_file: Path = CHECKPOINT_FILE,
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

    Returns
    -------
    CheckReport

    Raises
    ------
    AggloError
        When a suite fails, listing every failure with the file and line (raw inputs) or the
        table and key (marts), the column, the rule, the value and what to do.
    """
    prepared = prepare_checkpoint(db_path, raw_dir, docs_dir=docs_dir, ref=ref, checkpoint_file=checkpoint_file)
    return finish_checkpoint(prepared, run_suites(prepared, prepared.validations))


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

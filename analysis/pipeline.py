"""``agglo build`` and ``agglo run``: build a new warehouse file, check it, publish it atomically.

A build never touches the published warehouse until everything has passed::

    raw dir --validate_raw--> dbt build (into warehouse/.agglo.building.duckdb)
            --run_checkpoint--> [analyze] --copy in storage v1.1.0, os.replace--> warehouse/agglo.duckdb
            --> [report]

Any failure before the publish step deletes the new file, leaves the published file byte-identical
and raises :class:`analysis.errors.AggloError` naming the failing dbt test or model and the raw file
behind it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import AggloError
from analysis.paths import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE, PROJECT_ROOT
from analysis.warehouse.comments import PERSIST_DOCS_ENV, persist_docs
from analysis.warehouse.contract import raw_file, required_files
from analysis.warehouse.dbt_runner import DbtResult, run_dbt
from analysis.warehouse.publish import build_lock, building_path, publish, remove_db
from analysis.warehouse.storage import resolve_storage_version

if TYPE_CHECKING:  # pragma: no cover
    from analysis.checks.background import CheckpointAlongside
    from analysis.studies.runner import SpecRun

LOG_ROOT = PROJECT_ROOT / "logs"
KEEP_BUILD_LOGS = 10
RAW_FILES_REQUIRED = required_files()  # from the raw contract (warehouse/models/staging/_staging__sources.yml)

# dbt unit tests check the models' SQL on fixed fixture rows, not the user's data: they run in the test
# suite (tests/warehouse/test_dbt_unit_tests.py) and in a hand-run `dbt build`, not in every `agglo build`
# (dbt's docs advise running them in development and CI, not in production builds).
DBT_BUILD_EXCLUDES = ("--exclude-resource-type", "unit_test")

# Modules the steps after dbt import (Great Expectations alone takes about 3 s): imported in a thread
# while the dbt subprocess runs and the main thread only reads its output lines (see _prefetch).
CHECK_MODULES = ("great_expectations", "analysis.checks.checkpoint")
ANALYSIS_MODULES = ("analysis.studies.runner", "analysis.report.exports", "analysis.report.writer")


def analyze(warehouse: Path, specs_dir: Path | None = None, only: Sequence[str] | None = None, *,
            tables_dir: Path | None = None, quiet: bool = False, raw_dir: Path | None = None,
            published_as: Path | None = None) -> list[SpecRun]:
    """``agglo analyze``: estimate every study spec into the ``results`` schema and write ``reports/tables/``.

    The studies layer fits and stores (:func:`analysis.studies.runner.analyze`); each spec's table is
    written to ``tables_dir`` (default ``reports/tables/``) by :mod:`analysis.report.exports` as soon
    as the spec is fitted. Arguments as :func:`analysis.studies.runner.analyze`.
    """
    from analysis.paths import REPORTS_DIR
    from analysis.report.exports import tables_writer
    from analysis.studies.runner import analyze as run_specs

    tables_dir = Path(tables_dir) if tables_dir else REPORTS_DIR / "tables"
    return run_specs(warehouse, specs_dir, only, on_run=tables_writer(tables_dir, specs_dir),
                     outputs_note=f"; tables in {tables_dir}", quiet=quiet, raw_dir=raw_dir,
                     published_as=published_as)


class Progress:
    """Prints one line per pipeline step with the seconds elapsed since the start."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.start = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        """Print ``[ 12.3s] message`` (unless quiet)."""
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f}s] {message}", flush=True)


def _target_dir(warehouse: Path) -> Path:
    """The dbt target directory reused by every build of ``warehouse`` (keeps partial_parse.msgpack)."""
    digest = hashlib.sha1(str(warehouse).encode("utf-8")).hexdigest()[:10]
    root = PROJECT_ROOT / "target"
    others = sorted((p for p in root.glob("agglo-build-*") if p.name != f"agglo-build-{digest}"),
                    key=lambda p: p.stat().st_mtime)
    for p in others[: max(0, len(others) - KEEP_BUILD_LOGS)]:  # e.g. from temporary test warehouses
        shutil.rmtree(p, ignore_errors=True)
    return root / f"agglo-build-{digest}"


def _log_dir() -> Path:
    """A fresh per-build log directory under logs/ (older ones beyond the last few are removed)."""
    LOG_ROOT.mkdir(parents=True, exist_ok=True)
    old = sorted(p for p in LOG_ROOT.glob("build-*") if p.is_dir())
    for p in old[: max(0, len(old) - KEEP_BUILD_LOGS + 1)]:
        shutil.rmtree(p, ignore_errors=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return LOG_ROOT / f"build-{stamp}-{os.getpid()}"


def _check_raw_dir(raw_dir: Path) -> None:
    if not raw_dir.is_dir():
        raise AggloError(f"{raw_dir}: raw directory not found; pass --raw-dir DIR with the raw CSV files "
                       "described in docs/data_contract.md")
    missing = [f for f in RAW_FILES_REQUIRED if not (raw_dir / f).is_file()]
    if missing:
        raise AggloError(f"{raw_dir}: missing raw file(s) {', '.join(missing)} (docs/data_contract.md lists "
                       "their columns); nothing was built or published")


def dbt_failure_message(result: DbtResult, raw_dir: Path, published: Path, db: Path | None = None) -> str:
    """The error text of a failed ``dbt build``: every failing node with its model and raw file.

    With ``db`` (the file the build wrote), a failed test's first offending rows too.
    """
    n_tests = sum(f.resource_type == "test" for f in result.failures)
    n_other = len(result.failures) - n_tests
    head = f"dbt build failed: {n_tests} test(s) failed, {n_other} model/seed error(s)"
    if result.skipped:
        head += f", {result.skipped} downstream node(s) skipped (fix these and rerun: tests further downstream did not run)"
    lines = [head + "."]
    lines += [f.describe(raw_dir, db) for f in result.failures]
    if not result.failures:
        lines.append("dbt stopped before running any node; its last output:\n" + result.tail)
    lines.append(f"Full dbt log: {result.log_file}")
    if published.exists():
        lines.append(f"Nothing was published; the published warehouse {published} is unchanged.")
    else:
        lines.append(f"Nothing was published ({published} does not exist yet).")
    return "\n".join(lines)


def _dbt_progress(progress: Progress) -> Callable[[str], None]:
    """Echo dbt's failure lines as they happen (everything else is in the log)."""

    def on_line(line: str) -> None:
        text = line.split("  ", 1)[-1].strip() if line[:2].isdigit() else line.strip()
        if " ERROR " in f" {text} " or text.startswith(("FAIL ", "Failure in", "Compilation Error", "Runtime Error")) \
                or " FAIL " in text:
            progress(f"  dbt: {text[:160]}")

    return on_line


def _prefetch(modules: Sequence[str]) -> threading.Thread:
    """Import ``modules`` in a daemon thread; the caller joins it before importing anything itself.

    Run while dbt works in its subprocess, when the main thread only waits for dbt's output: the
    imports of the later steps then cost no wall time. An import error is ignored here; the step that
    needs the module imports it again and reports the error where it always did.
    """
    if "great_expectations" in modules:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # as checkpoint._gx_context, before the import

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S110 - reported by the step that imports it
                pass

    thread = threading.Thread(target=work, name="agglo-prefetch-imports", daemon=True)
    thread.start()
    return thread


def _build_unpublished(raw_dir: Path, warehouse: Path, *, run_checks: bool, progress: Progress,
                       select: str | None = None, exclude: str | None = None,
                       prefetch: Sequence[str] = (), checks_alongside: bool = False
                       ) -> tuple[Path, CheckpointAlongside | None]:
    """Validate, dbt build and check into a new file next to ``warehouse``; return the new file.

    ``prefetch``: modules of the steps after dbt, imported while dbt runs (:func:`_prefetch`).
    ``checks_alongside``: start the GE checkpoint and return it still running (its mart suites in a
    child process; :mod:`analysis.checks.background`) instead of waiting for it; the caller finishes it.
    The caller holds :func:`build_lock` of ``warehouse``.
    """
    _check_raw_dir(raw_dir)
    if run_checks:
        from analysis.checks.checkpoint import validate_raw

        progress(f"validating raw files in {raw_dir}")
        validate_raw(raw_dir)
    new = building_path(warehouse)
    remove_db(new)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    dbt_vars = {"raw_dir": str(raw_dir), "has_firms": (raw_dir / raw_file("firms").name).is_file()}
    log_dir = _log_dir()
    progress(f"dbt build -> {new.name} (raw dir {raw_dir})")
    try:
        # with a selection, run only the tests whose parents are all selected (cautious)
        args = ["build", "--select", select, "--indirect-selection", "cautious"] if select else ["build"]
        args += ["--exclude", exclude] if exclude else []
        args += DBT_BUILD_EXCLUDES
        modules = [*(CHECK_MODULES if run_checks else ()), *prefetch]
        imports = _prefetch(modules) if modules else None
        # descriptions -> comments in one connection afterwards (analysis/warehouse/comments.py)
        env = {"AGGLO_DUCKDB_PATH": str(new), PERSIST_DOCS_ENV: "false"}
        result = run_dbt(args, env=env, dbt_vars=dbt_vars,
                         log_dir=log_dir, target_dir=_target_dir(warehouse), on_line=_dbt_progress(progress))
        if imports is not None:
            imports.join()  # no import runs in two threads at once
        if not result.ok:
            raise AggloError(dbt_failure_message(result, raw_dir, warehouse, new))
        n_comments = persist_docs(new, result.target_dir / "manifest.json")
        progress(f"dbt build passed in {result.elapsed:.1f}s: {result.summary()}; {n_comments} descriptions "
                 f"written as comments (log {result.log_file})")
        if run_checks and checks_alongside:
            from analysis.checks.background import CheckpointAlongside

            progress("running the Great Expectations checkpoint (its mart suites alongside the next step)")
            return new, CheckpointAlongside.start(new, raw_dir)
        if run_checks:
            from analysis.checks.checkpoint import run_checkpoint

            progress("running the Great Expectations checkpoint")
            progress(run_checkpoint(new, raw_dir).summary())
    except BaseException:
        remove_db(new)
        raise
    return new, None


def _print_where(warehouse: Path) -> None:
    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(Path.cwd()))
        except ValueError:
            return str(p)

    wh, py = rel(warehouse), rel(Path(sys.executable))
    cli = Path(sys.executable).with_name("duckdb")
    duckdb_cli = rel(cli) if cli.is_file() else "duckdb"
    print(
        f"\nWarehouse: {warehouse}\n"
        "Query it read-only (the project's DuckDB CLI or Python; other clients: docs/clients.md):\n"
        f'  {duckdb_cli} -readonly {wh} -c "select * from fct_county_years limit 5"\n'
        f"  {py} -c \"import duckdb; print(duckdb.connect('{wh}', read_only=True)"
        ".sql('select count(*) from fct_province_years'))\"\n"
        "Tables: dim_provinces, dim_prefectures, dim_counties, dim_industries, dim_indicators, "
        "fct_province_years, fct_county_years, fct_county_industry_years, fct_*_indicator_values, "
        "index marts (fct_*_location_quotients, fct_ami_scores, fct_gem_in_scores, fct_spatial_weights, ...), "
        "and the results schema.",
        flush=True,
    )


def _build_and_publish(raw_dir: Path, warehouse: Path, *, run_checks: bool, progress: Progress,
                       select: str | None = None,
                       before_publish: Callable[[Path], None] | None = None,
                       exclude: str | None = None,
                       storage_version: str | None = None,
                       prefetch: Sequence[str] = ()) -> None:
    """Under the build lock: build a new file, run ``before_publish`` on it, then publish it.

    When ``before_publish`` raises, the new file is removed and the published one stays unchanged. With
    ``before_publish``, the GE checkpoint's mart suites run alongside it; a failed checkpoint is
    reported in its place (it is the first problem: the data), and nothing is published.
    """
    with build_lock(warehouse):
        new, checkpoint = _build_unpublished(raw_dir, warehouse, run_checks=run_checks, progress=progress,
                                             select=select, exclude=exclude, prefetch=prefetch,
                                             checks_alongside=before_publish is not None)
        try:
            if before_publish is not None:
                try:
                    if checkpoint is not None and checkpoint.process is not None:
                        # the child takes one core: BLAS threads that wait for the other one spin
                        from threadpoolctl import threadpool_limits

                        with threadpool_limits(limits=1):
                            before_publish(new)
                    else:
                        before_publish(new)
                except Exception:
                    if checkpoint is not None:
                        checkpoint.finish()  # raises the checkpoint's failure, which comes first
                    raise
            if checkpoint is not None:
                progress(checkpoint.finish().summary())
        except BaseException:
            if checkpoint is not None:
                checkpoint.kill()
            remove_db(new)
            raise
        publish(new, warehouse, storage_version=storage_version, progress=progress)
    progress(f"published {warehouse}")


def build(raw_dir: Path = DEFAULT_RAW_DIR, warehouse: Path = DEFAULT_WAREHOUSE, run_checks: bool = True, *,
          quiet: bool = False, select: str | None = None, storage_version: str | None = None) -> Path:
    """Build the warehouse from ``raw_dir`` and publish it over ``warehouse`` if every test passes.

    Parameters
    ----------
    raw_dir : Path
        Directory of the raw CSV files (absolute or relative to the current directory).
    warehouse : Path
        Published DuckDB file (replaced atomically on success, untouched on failure).
    run_checks : bool
        Run the raw-file validation and the Great Expectations checkpoint (when available).
    quiet : bool, keyword-only
        Do not print progress.
    select : str, optional, keyword-only
        dbt node selection (``--select``) to build a part of the project only (tests, debugging),
        with the tests whose parents are all selected; default: everything.
    storage_version : str, optional, keyword-only
        DuckDB storage version of the published file (``v1.1.0``: readable by DuckDB >= 1.1; ``latest``:
        no conversion); default ``$AGGLO_STORAGE_VERSION``, else ``v1.1.0``. See docs/clients.md.

    Returns
    -------
    Path
        The published warehouse file.

    Raises
    ------
    AggloError
        When validation, a dbt test or model, or a check fails; the message names the failing test or
        model and the raw file involved.

    Examples
    --------
    >>> from analysis.pipeline import build
    >>> build("data/demo", "warehouse/agglo.duckdb")  # doctest: +SKIP
    """
    raw_dir, warehouse = Path(raw_dir).expanduser().resolve(), Path(warehouse).expanduser().resolve()
    version = resolve_storage_version(storage_version)  # a bad value fails before the build
    _build_and_publish(raw_dir, warehouse, run_checks=run_checks, progress=Progress(quiet=quiet), select=select,
                       storage_version=version)
    if not quiet:
        _print_where(warehouse)
    return warehouse


def run(raw_dir: Path = DEFAULT_RAW_DIR, warehouse: Path = DEFAULT_WAREHOUSE, analysis: bool = True, *,
        quiet: bool = False, storage_version: str | None = None) -> Path:
    """``agglo run``: build -> checks -> analyze (on the new file) -> publish -> report.

    Parameters
    ----------
    raw_dir : Path
        Directory of the raw CSV files.
    warehouse : Path
        Published DuckDB file.
    analysis : bool
        Run every study spec and write the report (when those modules exist).
    quiet : bool, keyword-only
        Do not print progress.
    storage_version : str, optional, keyword-only
        DuckDB storage version of the published file (see :func:`build`).

    Returns
    -------
    Path
        The published warehouse file.

    Raises
    ------
    AggloError
        When any step before publishing fails (the published file is then unchanged).
    """
    raw_dir, warehouse = Path(raw_dir).expanduser().resolve(), Path(warehouse).expanduser().resolve()
    version = resolve_storage_version(storage_version)  # a bad value fails before the build
    progress = Progress(quiet=quiet)

    def analyze_new(new: Path) -> None:
        if analysis:
            progress("running the study specs")
            analyze(warehouse=new, raw_dir=raw_dir, published_as=warehouse)

    _build_and_publish(raw_dir, warehouse, run_checks=True, progress=progress, before_publish=analyze_new,
                       storage_version=version, prefetch=ANALYSIS_MODULES if analysis else ())
    if analysis:
        from analysis.report.writer import write_report

        progress("writing the report")
        out = write_report(warehouse=warehouse)
        progress(f"report: {out}")
    if not quiet:
        _print_where(warehouse)
    return warehouse


def build_export(engine: str, raw_dir: Path, out: Path, warehouse: Path = DEFAULT_WAREHOUSE, *,
                 run_checks: bool = True, quiet: bool = False, select: str | None = None,
                 exclude: str | None = None, storage_version: str | None = None) -> dict[str, int]:
    """``agglo build --engine duckdb|spark --export OUT``: build, check, write every mart as Parquet.

    - ``duckdb``: the usual :func:`build` (validate -> dbt build -> checks -> publish ``warehouse``),
      then every mart of the published file as ``OUT/<mart>.parquet``.
    - ``spark``: validate -> ``dbt build --target spark`` in a fresh Spark work directory, whose
      on-run-end hook writes the marts as Parquet folders -> the GE checkpoint on those Parquet marts
      (loaded into a scratch DuckDB file; data docs in ``OUT/_data_docs``). No DuckDB file is
      published: the export is the product.

    ``OUT`` is changed only when everything passed (analysis.warehouse.export.finalize_export).
    ``select`` / ``exclude`` are dbt node selections (tests, debugging); default: everything.
    ``storage_version``: of the published DuckDB file (as :func:`build`; not used by Spark).

    Returns
    -------
    dict
        Rows of every exported mart.

    Raises
    ------
    AggloError
        When the engine is unknown or unavailable, or validation, a dbt test or a check fails.
    """
    from analysis.warehouse import export

    if engine not in export.ENGINES:
        raise AggloError(f"unknown engine {engine!r}: one of {', '.join(export.ENGINES)}")
    raw_dir, out = Path(raw_dir).expanduser().resolve(), Path(out).expanduser().resolve()
    warehouse = Path(warehouse).expanduser().resolve()
    progress = Progress(quiet=quiet)
    stage = export.staging_dir(out)
    extra: list[str] = []
    try:
        if engine == "duckdb":
            version = resolve_storage_version(storage_version)  # a bad value fails before the build
            _build_and_publish(raw_dir, warehouse, run_checks=run_checks, progress=progress, select=select,
                               exclude=exclude, storage_version=version)
            progress(f"exporting the marts of {warehouse.name} as Parquet")
            export.export_duckdb(warehouse, stage)
        else:
            _build_spark(raw_dir, stage, run_checks=run_checks, progress=progress, select=select,
                         exclude=exclude)
            extra.append("_data_docs")
        counts = export.finalize_export(stage, out, engine=engine, raw_dir=raw_dir, extra=extra)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    progress(f"exported {len(counts)} marts ({sum(counts.values())} rows) from {engine} to {out}")
    return counts


def _build_spark(raw_dir: Path, stage: Path, *, run_checks: bool, progress: Progress,
                 select: str | None, exclude: str | None) -> None:
    """Validate, build on Spark exporting into ``stage``, and check the exported marts."""
    import tempfile

    from analysis.warehouse import export
    from analysis.warehouse.spark import build_spark, require_spark

    require_spark()
    _check_raw_dir(raw_dir)
    if run_checks:
        from analysis.checks.checkpoint import validate_raw

        progress(f"validating raw files in {raw_dir}")
        validate_raw(raw_dir)
    log_dir = _log_dir()
    (PROJECT_ROOT / "target").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agglo-spark-", dir=PROJECT_ROOT / "target") as work:
        progress(f"dbt build on Spark (local session, work dir {work}; raw dir {raw_dir})")
        result = build_spark(raw_dir, stage, work_dir=Path(work), log_dir=log_dir,
                             on_line=_dbt_progress(progress), select=select, exclude=exclude)
        if not result.ok:
            lines = [f"dbt build on Spark failed: {len(result.failures)} failing node(s); nothing was exported."]
            lines += [f.describe(raw_dir) for f in result.failures]
            if not result.failures:
                lines.append("dbt stopped before running any node; its last output:\n" + result.tail)
            lines.append(f"Full dbt log: {result.log_file}")
            raise AggloError("\n".join(lines))
        progress(f"dbt build on Spark passed in {result.elapsed:.1f}s: {result.summary()} (log {result.log_file})")
    if run_checks:
        from analysis.checks.checkpoint import run_checkpoint

        with tempfile.TemporaryDirectory(prefix="agglo-check-") as tmp:
            db = Path(tmp) / "marts.duckdb"
            export.parquet_to_duckdb(stage, db)
            progress("running the Great Expectations checkpoint on the exported marts")
            run_checkpoint(db, raw_dir, docs_dir=stage / "_data_docs")

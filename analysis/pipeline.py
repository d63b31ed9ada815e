"""``agglo build`` and ``agglo run``: build a new warehouse file, check it, publish it atomically.

A build never touches the published warehouse until everything has passed::

    raw dir --validate_raw--> dbt build (into warehouse/.agglo.building.duckdb)
            --run_checkpoint--> [analyze] --copy in storage v1.1.0, os.replace--> warehouse/agglo.duckdb
            --> [report]

(Overlapped where the data allow, with the same outcome: validate_raw runs while dbt starts, dbt's
output held back until it passed; ``agglo run`` runs the checkpoint in a child process next to the
specs, see :mod:`analysis.checks.background`.)

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
from analysis.warehouse.dbt_runner import DbtResult, run_dbt
from analysis.warehouse.publish import build_lock, building_path, publish, remove_db
from analysis.warehouse.storage import resolve_storage_version

if TYPE_CHECKING:  # pragma: no cover
    from analysis.studies.runner import SpecRun

LOG_ROOT = PROJECT_ROOT / "logs"
KEEP_BUILD_LOGS = 10
RAW_FILES_REQUIRED = (
    "province_sector_employment.csv",
    "prefecture_sector_employment.csv",
    "province_indicators.csv",
    "county_indicators.csv",
    "county_industry.csv",
)


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


# Modules the steps after dbt import (Great Expectations alone takes seconds): imported in a background
# thread while the dbt subprocess runs, when the main thread only waits for dbt's output lines.
CHECK_MODULES = ("analysis.checks.checkpoint", "great_expectations", "great_expectations.core",
                 "great_expectations.data_context.types.base")
ANALYSIS_MODULES = ("analysis.studies.runner", "analysis.estimators.panel", "analysis.estimators.iv",
                    "analysis.estimators.gmm", "analysis.estimators.spatial", "analysis.estimators.mediation",
                    "analysis.estimators.moran", "analysis.report.exports", "analysis.report.writer",
                    "analysis.report.figures")


def _prefetch(modules: tuple[str, ...], after: _Background | None = None) -> threading.Thread:
    """Import ``modules`` in a daemon thread; join it before the main thread imports anything itself.

    Failures are ignored here: the step that needs a module imports it again and reports the error
    where it always did. With ``after``, the imports start once that task has passed (a failing raw
    validation is then reported without waiting for them) and are skipped if it failed.
    """
    if any(m.startswith("great_expectations") for m in modules):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # as checkpoint._gx_context, before the import

    def work() -> None:
        if after is not None:
            after.thread.join()
            if after.error is not None:
                return
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported by the step that imports it
                pass

    thread = threading.Thread(target=work, name="agglo-prefetch-imports", daemon=True)
    thread.start()
    return thread


class _Background:
    """``fn(*args)`` in a daemon thread; :meth:`result` joins it and re-raises its exception."""

    def __init__(self, fn: Callable[..., object], *args: object) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, args=(fn, args), name="agglo-validate-raw",
                                       daemon=True)
        self.thread.start()

    def _work(self, fn: Callable[..., object], args: tuple[object, ...]) -> None:
        try:
            fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread by result()
            self.error = exc

    @property
    def failed(self) -> bool:
        """Finished with an exception."""
        return not self.thread.is_alive() and self.error is not None

    def result(self) -> None:
        """Wait; re-raise the thread's exception, if any."""
        self.thread.join()
        if self.error is not None:
            raise self.error


class _Gate:
    """dbt's output handler that holds lines back until ``validation`` has passed, then replays them."""

    def __init__(self, on_line: Callable[[str], None], validation: _Background | None) -> None:
        self.on_line, self.validation, self.held = on_line, validation, []

    def __call__(self, line: str) -> None:
        """Pass ``line`` on, or hold it while the validation is still running."""
        if self.validation is not None and (self.validation.thread.is_alive() or self.validation.failed):
            self.held.append(line)
            return
        self.flush()
        self.on_line(line)

    def flush(self) -> None:
        """Pass on the held lines."""
        while self.held:
            self.on_line(self.held.pop(0))

    def stop(self) -> bool:
        """Whether dbt should be stopped (the raw files failed: its output no longer matters)."""
        return self.validation is not None and self.validation.failed


def _check_raw_dir(raw_dir: Path) -> None:
    if not raw_dir.is_dir():
        raise AggloError(f"{raw_dir}: raw directory not found; pass --raw-dir DIR with the raw CSV files "
                       "described in docs/data_contract.md")
    missing = [f for f in RAW_FILES_REQUIRED if not (raw_dir / f).is_file()]
    if missing:
        raise AggloError(f"{raw_dir}: missing raw file(s) {', '.join(missing)} (docs/data_contract.md lists "
                       "their columns); nothing was built or published")


def dbt_failure_message(result: DbtResult, raw_dir: Path, published: Path) -> str:
    """The error text of a failed ``dbt build``: every failing node with its model and raw file."""
    n_tests = sum(f.resource_type == "test" for f in result.failures)
    n_other = len(result.failures) - n_tests
    head = f"dbt build failed: {n_tests} test(s) failed, {n_other} model/seed error(s)"
    if result.skipped:
        head += f", {result.skipped} downstream node(s) skipped (fix these and rerun: tests further downstream did not run)"
    lines = [head + "."]
    lines += [f.describe(raw_dir) for f in result.failures]
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


def _build_unpublished(raw_dir: Path, warehouse: Path, *, run_checks: bool, progress: Progress,
                       select: str | None = None, prefetch: tuple[str, ...] = (),
                       defer_checkpoint: bool = False) -> Path:
    """Validate, dbt build and check into a new file next to ``warehouse``; return the new file.

    The caller holds :func:`build_lock` of ``warehouse``. ``prefetch``: modules of later steps to
    import while dbt runs (the checkpoint's are added when it runs here). ``defer_checkpoint``: the
    caller runs the GE checkpoint itself (``run`` overlaps it with the specs).
    """
    _check_raw_dir(raw_dir)
    validation = None
    if run_checks:
        from analysis.checks.checkpoint import validate_raw

        progress(f"validating raw files in {raw_dir}")
        # in a thread while dbt starts (its start-up and parse do not read the raw files); dbt's
        # output is held back until the files passed, and a failed validation stops dbt and is
        # reported exactly as when it ran first
        validation = _Background(validate_raw, raw_dir)
    new = building_path(warehouse)
    remove_db(new)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    dbt_vars = {"raw_dir": str(raw_dir), "has_firms": (raw_dir / "firms.csv").is_file()}
    log_dir = _log_dir()
    progress(f"dbt build -> {new.name} (raw dir {raw_dir})")
    try:
        # with a selection, run only the tests whose parents are all selected (cautious)
        args = ["build", "--select", select, "--indirect-selection", "cautious"] if select else ["build"]
        modules = (CHECK_MODULES if run_checks and not defer_checkpoint else ()) + tuple(prefetch)
        importer = _prefetch(modules, after=validation) if modules else None
        gate = _Gate(_dbt_progress(progress), validation)
        try:
            result = run_dbt(args, env={"AGGLO_DUCKDB_PATH": str(new)}, dbt_vars=dbt_vars, log_dir=log_dir,
                             target_dir=_target_dir(warehouse), on_line=gate, stop=gate.stop)
        finally:
            if importer is not None:
                importer.join()
        if validation is not None:
            validation.result()  # raises the validation's AggloError: nothing is published
            gate.flush()
        if not result.ok:
            raise AggloError(dbt_failure_message(result, raw_dir, warehouse))
        progress(f"dbt build passed in {result.elapsed:.1f}s: {result.summary()} (log {result.log_file})")
        if run_checks and not defer_checkpoint:
            from analysis.checks.checkpoint import run_checkpoint

            progress("running the Great Expectations checkpoint")
            run_checkpoint(new, raw_dir)
    except BaseException:
        remove_db(new)
        raise
    return new


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
                       storage_version: str | None = None,
                       prefetch: tuple[str, ...] = (), defer_checkpoint: bool = False) -> None:
    """Under the build lock: build a new file, run ``before_publish`` on it, then publish it.

    When ``before_publish`` raises, the new file is removed and the published one stays unchanged.
    """
    with build_lock(warehouse):
        new = _build_unpublished(raw_dir, warehouse, run_checks=run_checks, progress=progress, select=select,
                                 prefetch=prefetch, defer_checkpoint=defer_checkpoint)
        if before_publish is not None:
            try:
                before_publish(new)
            except BaseException:
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

    def check_and_analyze(new: Path) -> None:
        # the GE checkpoint in a child process overlaps the specs (both only read `new` until the
        # specs write their results, after the child has closed it); a failed checkpoint is
        # reported first, as when it ran before the specs, and nothing is published
        from analysis.checks.background import CheckpointProcess

        progress("running the Great Expectations checkpoint")
        checker = CheckpointProcess.start(new, raw_dir)
        try:
            checker.wait_data_loaded()
            progress("running the study specs")
            try:
                analyze(warehouse=new, raw_dir=raw_dir, published_as=warehouse)
            except Exception:
                checker.finish()
                raise
            checker.finish()
        except BaseException:
            checker.kill()
            raise

    _build_and_publish(raw_dir, warehouse, run_checks=True, progress=progress,
                       before_publish=check_and_analyze if analysis else None, storage_version=version,
                       prefetch=ANALYSIS_MODULES if analysis else (), defer_checkpoint=analysis)
    if analysis:
        from analysis.report.writer import write_report

        progress("writing the report")
        out = write_report(warehouse=warehouse)
        progress(f"report: {out}")
    if not quiet:
        _print_where(warehouse)
    return warehouse

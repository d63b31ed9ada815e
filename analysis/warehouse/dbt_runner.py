"""Run dbt as a subprocess and summarise the outcome: counts, failing nodes and the raw files behind them.

dbt runs in a child process so that the warehouse file it writes (``AGGLO_DUCKDB_PATH``) and dbt's
global state stay isolated from the calling Python process. Its full output goes to
``<log_dir>/dbt.log``; its ``target/`` (manifest, run results, compiled SQL of every test) to
``<log_dir>/target`` so that a failing test's SQL can be rerun by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.paths import PROJECT_ROOT

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
RAW_SOURCE_PREFIX = "source.agglo.raw."


@dataclass(frozen=True)
class DbtFailure:
    """One dbt node that errored or whose test failed.

    Attributes
    ----------
    name : str
        Node name (test names say what was violated, e.g. ``stg_province_indicators_duplicate_key``).
    resource_type : str
        ``test``, ``model``, ``seed`` ...
    status : str
        dbt status (``fail``, ``error``).
    message : str
        dbt's message (first lines).
    failures : int or None
        Number of failing rows of a test.
    model : str or None
        The model or seed a test is attached to.
    raw_files : tuple of str
        Raw input files (``<name>.csv``) upstream of the node; empty for reference seeds.
    compiled_path : Path or None
        Compiled SQL of the node (run it to see the offending rows).
    """

    name: str
    resource_type: str
    status: str
    message: str
    failures: int | None = None
    model: str | None = None
    raw_files: tuple[str, ...] = ()
    compiled_path: Path | None = None

    def describe(self, raw_dir: Path | None = None, db: Path | None = None) -> str:
        """Multi-line, user-facing description naming the node, its model and its raw files.

        With ``db`` (the file the failed build wrote), a failed test's first offending rows are shown
        (e.g. the ``null_columns`` of a ``not_null_columns`` test name the null column).
        """
        what = f"test {self.name} failed" if self.resource_type == "test" else f"{self.resource_type} {self.name} {self.status}"
        if self.failures:
            what += f" ({self.failures} offending row{'s' if self.failures != 1 else ''})"
        if self.model:
            what += f" on {self.model}"
        lines = [f"- {what}"]
        if self.raw_files:
            files = [str(raw_dir / f) if raw_dir else f for f in self.raw_files]
            lines.append(f"  raw file{'s' if len(files) > 1 else ''}: {', '.join(files)}")
        elif self.resource_type in {"seed", "test"} and self.model and not self.model.startswith(("stg_", "int_", "fct_")):
            lines.append("  (a reference seed in warehouse/seeds/, not a raw file)")
        if self.message:
            said = [ln.strip() for ln in self.message.strip().splitlines() if ln.strip()][:4]
            lines.append("  dbt: " + "\n       ".join(s[:300] for s in said))
        if self.compiled_path and self.compiled_path.exists():
            label = "offending rows: run the SQL in" if self.resource_type == "test" else "compiled SQL:"
            lines.append(f"  {label} {self.compiled_path}")
            if db is not None and self.resource_type == "test" and self.status == "fail":
                lines += [f"    {row}" for row in offending_rows(db, self.compiled_path)]
        return "\n".join(lines)


def offending_rows(db: Path, sql_path: Path, limit: int = 3) -> list[str]:
    """The first ``limit`` rows a failed test's compiled SQL returns on ``db``, one line each ([] if it cannot run)."""
    import duckdb

    sql = sql_path.read_text(encoding="utf-8").strip().rstrip(";")
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            cur = con.execute(f"select * from ({sql}) as offending limit {int(limit)}")
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - the SQL path above is enough to look by hand
        return []
    return [", ".join(f"{n}={v}" for n, v in zip(names, row, strict=True))[:300] for row in rows]


@dataclass(frozen=True)
class DbtResult:
    """Outcome of one dbt invocation.

    Attributes
    ----------
    returncode : int
        dbt's exit code (0 = success).
    counts : dict
        Result statuses by resource type, e.g. ``{"model": {"success": 27}, "test": {"pass": 160}}``.
    failures : list of DbtFailure
        Errored or failed nodes.
    elapsed : float
        Wall time in seconds.
    log_file : Path
        Full dbt output.
    target_dir : Path
        dbt's target directory of this run.
    tail : str
        The last lines of dbt's output (useful when dbt failed before running any node).
    """

    returncode: int
    counts: dict[str, dict[str, int]]
    failures: list[DbtFailure]
    elapsed: float
    log_file: Path
    target_dir: Path
    tail: str = ""
    skipped: int = field(default=0)

    @property
    def ok(self) -> bool:
        """True when dbt exited with 0 and no node failed."""
        return self.returncode == 0 and not self.failures

    def summary(self) -> str:
        """One line: node counts by type and status."""
        parts = []
        for rtype in ("seed", "model", "test", "unit_test"):
            if rtype in self.counts:
                c = self.counts[rtype]
                ok = sum(v for k, v in c.items() if k in {"success", "pass"})
                bad = sum(v for k, v in c.items() if k not in {"success", "pass"})
                parts.append(f"{ok} {rtype}s ok" + (f" / {bad} not" if bad else ""))
        return ", ".join(parts) or "no nodes ran"


def dbt_executable() -> list[str]:
    """Command prefix that runs the dbt CLI of the current Python environment."""
    exe = Path(sys.executable).with_name("dbt")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("dbt")
    if found:
        return [found]
    return [sys.executable, "-m", "dbt.cli.main"]


def raw_files_upstream(unique_id: str, manifest: Mapping[str, Any]) -> tuple[str, ...]:
    """Raw CSV names (``<source table>.csv``) that ``unique_id`` depends on, through the manifest's parent map.

    Parameters
    ----------
    unique_id : str
        A dbt node id (test, model, seed).
    manifest : mapping
        dbt's ``manifest.json``.

    Returns
    -------
    tuple of str
        Sorted file names; empty when the node depends on seeds only.
    """
    parents: Mapping[str, list[str]] = manifest.get("parent_map", {})
    seen: set[str] = set()
    queue = deque([unique_id])
    files: set[str] = set()
    while queue:
        uid = queue.popleft()
        for parent in parents.get(uid, []):
            if parent in seen:
                continue
            seen.add(parent)
            if parent.startswith(RAW_SOURCE_PREFIX):
                files.add(manifest["sources"][parent]["name"] + ".csv")
            else:
                queue.append(parent)
    return tuple(sorted(files))


def _attached_model(node: Mapping[str, Any], manifest: Mapping[str, Any]) -> str | None:
    attached = node.get("attached_node")
    if not attached:
        deps = [d for d in node.get("depends_on", {}).get("nodes", []) if not d.startswith("macro.")]
        attached = deps[0] if len(deps) == 1 else None
    if attached is None:
        return None
    target = manifest.get("nodes", {}).get(attached) or manifest.get("sources", {}).get(attached) or {}
    return target.get("name")


def parse_results(target_dir: Path) -> tuple[dict[str, dict[str, int]], list[DbtFailure], int]:
    """Read ``run_results.json`` and ``manifest.json`` of a dbt run.

    Returns
    -------
    counts : dict
        Statuses by resource type.
    failures : list of DbtFailure
        Failed or errored nodes, with their raw files.
    skipped : int
        Nodes skipped because something upstream failed.
    """
    rr_path, mf_path = target_dir / "run_results.json", target_dir / "manifest.json"
    if not rr_path.exists():
        return {}, [], 0
    run_results = json.loads(rr_path.read_text(encoding="utf-8"))
    manifest = json.loads(mf_path.read_text(encoding="utf-8")) if mf_path.exists() else {}
    nodes: Mapping[str, Any] = manifest.get("nodes", {})
    counts: dict[str, Counter[str]] = {}
    failures: list[DbtFailure] = []
    skipped = 0
    for res in run_results.get("results", []):
        uid: str = res["unique_id"]
        rtype = uid.split(".", 1)[0]
        status = str(res.get("status"))
        counts.setdefault(rtype, Counter())[status] += 1
        skipped += status == "skipped"
        if status not in FAILED_STATUSES:
            continue
        node = nodes.get(uid, {})
        compiled = node.get("compiled_path")
        failures.append(
            DbtFailure(
                name=node.get("name", uid.split(".")[-1]),
                resource_type=rtype,
                status=status,
                message=res.get("message") or "",
                failures=res.get("failures"),
                model=_attached_model(node, manifest) if rtype in {"test", "unit_test"} else None,
                raw_files=raw_files_upstream(uid, manifest) if manifest else (),
                compiled_path=target_dir / compiled if compiled else None,
            )
        )
    return {k: dict(v) for k, v in counts.items()}, failures, skipped


def run_dbt(
    args: Iterable[str],
    *,
    env: Mapping[str, str] | None = None,
    dbt_vars: Mapping[str, Any] | None = None,
    log_dir: Path,
    target_dir: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    project_dir: Path = PROJECT_ROOT,
) -> DbtResult:
    """Run ``dbt <args>`` from the project root and summarise the run.

    Parameters
    ----------
    args : iterable of str
        dbt sub-command and its options, e.g. ``["build"]``.
    env : mapping, optional
        Extra environment variables (``AGGLO_DUCKDB_PATH`` selects the warehouse file).
    dbt_vars : mapping, optional
        Passed as ``--vars`` (JSON).
    log_dir : Path
        Receives ``dbt.log`` (full output).
    target_dir : Path, optional
        dbt's target directory (default ``<log_dir>/target``). Reusing one directory between runs
        lets dbt parse only what changed (partial parsing); it must not be shared by concurrent runs.
    on_line : callable, optional
        Called with each output line of dbt (progress display).
    project_dir : Path
        dbt project (and profiles) directory.

    Returns
    -------
    DbtResult
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    target_dir = target_dir or log_dir / "target"
    for stale in ("run_results.json",):
        (target_dir / stale).unlink(missing_ok=True)
    cmd = [*dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
           "--target-path", str(target_dir), "--log-path", str(log_dir), "--log-level-file", "none",
           "--no-use-colors"]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dict(dbt_vars))]
    child_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                 **(env or {})}
    log_file = log_dir / "dbt.log"
    tail: deque[str] = deque(maxlen=25)
    start = time.perf_counter()
    with log_file.open("w", encoding="utf-8") as log, subprocess.Popen(
        cmd, cwd=project_dir, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, encoding="utf-8", errors="replace",
    ) as proc:
        log.write("$ " + " ".join(cmd) + "\n")
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            tail.append(line.rstrip())
            if on_line:
                on_line(line.rstrip())
        returncode = proc.wait()
    counts, failures, skipped = parse_results(target_dir)
    return DbtResult(returncode, counts, failures, time.perf_counter() - start, log_file, target_dir,
                     "\n".join(tail), skipped)

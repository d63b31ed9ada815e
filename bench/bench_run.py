"""Benchmark: ``agglo run`` on the demo data from a fresh clone (cold), then again (warm).

Run: ``.venv/bin/python bench/bench_run.py [--reps N] [--commit REV] [--clone DIR] [--label TEXT]``
(not part of pytest; ``python bench/run.py run`` runs it too). Appends a dated table to bench/RESULTS.md.

1. ``git clone`` this repository (the committed state of the current branch, or ``--commit``) into a
   temporary directory and run ``make setup`` there (not timed; the pip cache is warm). With
   ``--clone DIR``, an existing clone with its venv is reused instead: the revision is fetched from
   this repository and checked out there, and ``make setup`` only installs what changed.
2. Per repetition:

   - cold: ``git clean -xdfq -e .venv -e '*.egg-info'`` leaves exactly what a fresh clone has (no dbt
     ``target/`` with its manifest and partial-parse file, no ``logs/``, ``reports/``,
     ``warehouse/*.duckdb`` or ``__pycache__``), then ``.venv/bin/agglo run``;
   - warm: ``.venv/bin/agglo run`` again in the same clone.

Each run records the wall time, the CPU time (user + system of agglo and its children, i.e. dbt), the
1-minute load average before and after (the machine is shared: on a loaded machine the wall time
grows with the load while the CPU time stays comparable), and the wall time of each step from the
moment each progress line arrived. The demo data is synthetic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"

# progress line prefix (after "[   1.2s] ") -> event name
EVENTS = (
    ("validating raw files", "validate"),
    ("dbt build ->", "dbt"),
    ("dbt build passed", "dbt_done"),
    ("running the Great Expectations checkpoint", "checkpoint"),
    ("running the study specs", "specs"),
    ("published ", "published"),
    ("writing the report", "report"),
    ("report: ", "report_done"),
)
STEPS = (  # column, from event, to event
    ("start-up", None, "validate"),
    ("validate raw", "validate", "dbt"),
    ("dbt build", "dbt", "dbt_done"),
    # agglo run reads the checkpoint's data and runs its raw suites, then fits the specs while a child
    # process runs the mart suites (analysis/checks/background.py): the second column holds both
    ("GE checkpoint (data + raw suites)", "checkpoint", "specs"),
    ("specs + results (mart suites alongside) + storage conversion", "specs", "published"),
    ("report", "report", "report_done"),
)


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed_run(clone: Path) -> dict[str, float]:
    """Run ``agglo run`` in ``clone``; wall, CPU, load and the time each progress event arrived."""
    load0 = os.getloadavg()[0]
    cpu0 = _cpu_children()
    t0 = time.perf_counter()
    events: dict[str, float] = {}
    lines: list[str] = []
    env = {k: v for k, v in os.environ.items() if k != "AGGLO_REPORTS_DIR"}
    with subprocess.Popen([str(clone / ".venv" / "bin" / "agglo"), "run"], cwd=clone, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.perf_counter() - t0
            lines.append(line)
            text = line.split("] ", 1)[-1] if line.startswith("[") else ""
            for prefix, name in EVENTS:
                if text.startswith(prefix) and name not in events:
                    events[name] = now
        rc = proc.wait()
    wall = time.perf_counter() - t0
    if rc != 0:
        sys.stderr.write("".join(lines[-60:]))
        raise SystemExit(f"agglo run failed in {clone} (exit {rc})")
    return {"wall": wall, "cpu": _cpu_children() - cpu0, "load0": load0, "load1": os.getloadavg()[0], **events}


def _row(label: str, r: dict[str, float]) -> str:
    cells = []
    for _, a, b in STEPS:
        start = 0.0 if a is None else r.get(a)
        end = r.get(b)
        cells.append(f"{end - start:.1f}" if start is not None and end is not None else "-")
    return (f"| {label} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['load0']:.1f} / {r['load1']:.1f} | "
            + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    """Clone, set up, time cold and warm ``agglo run``; append the table to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2, help="cold + warm pairs (default 2)")
    parser.add_argument("--commit", default=None, help="revision to check out in the clone (default: HEAD)")
    parser.add_argument("--label", default="", help="text in the table heading, e.g. 'before'")
    parser.add_argument("--clone", type=Path, default=None, help="reuse this clone (and its .venv)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agglo-bench-run-") as tmp:
        if args.clone:
            clone = args.clone.resolve()
            rev_here = subprocess.run(["git", "rev-parse", args.commit or "HEAD"], cwd=ROOT, check=True,
                                      capture_output=True, text=True).stdout.strip()
            subprocess.run(["git", "fetch", "-q", str(ROOT), "+refs/heads/*:refs/remotes/bench/*"], cwd=clone,
                           check=True)
            subprocess.run(["git", "checkout", "-q", rev_here], cwd=clone, check=True)
        else:
            clone = Path(tmp) / "agglo"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            if args.commit:
                subprocess.run(["git", "checkout", "-q", args.commit], cwd=clone, check=True)
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True,
                             capture_output=True, text=True).stdout.strip()
        print(f"clone of {rev} in {clone}: make setup ...", flush=True)
        subprocess.run(["make", "setup"], cwd=clone, check=True, capture_output=True)
        rows = []
        for i in range(1, args.reps + 1):
            subprocess.run(["git", "clean", "-xdfq", "-e", ".venv", "-e", "*.egg-info"], cwd=clone, check=True)
            for kind in ("cold", "warm"):
                r = timed_run(clone)
                rows.append(_row(f"{kind} {i}", r))
                print(rows[-1], flush=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    label = f", {args.label}" if args.label else ""
    text = "\n".join([
        "",
        f"### agglo run on the demo data, cold and warm ({stamp}; commit {rev}{label}; bench/bench_run.py)",
        "",
        f"Command: `.venv/bin/python bench/bench_run.py --reps {args.reps}"
        f"{' --commit ' + args.commit if args.commit else ''}`; {platform.machine()}, {os.cpu_count()} cores "
        f"shared with other engineers, Python {platform.python_version()}. Cold = fresh clone state "
        "(`git clean -xdf` except the venv: no dbt target/ or partial-parse file); warm = the same command "
        "again. CPU = user + system seconds of agglo and dbt. Step columns are wall seconds between "
        "progress lines. Target: cold <= 45 s wall on 2 cores.",
        "",
        "| run | wall s | CPU s | load 1 min (start / end) | " + " | ".join(s for s, _, _ in STEPS) + " |",
        "|---|---:|---:|---|" + "---:|" * len(STEPS),
        *rows,
    ]) + "\n"
    print(text)
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

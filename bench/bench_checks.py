"""Benchmark: what the data checks add to ``agglo run`` (target: the GE checkpoint under 15 s).

Builds the demo warehouse once into a temporary directory (dbt only, checks skipped), then times in
fresh subprocesses, so that the one-off cost of importing Great Expectations is counted as it is in
``agglo run``:

- ``validate_raw`` on the demo raw directory (runs before dbt);
- ``run_checkpoint`` on the built warehouse, cold (raw files read again, as in ``agglo check``);
- ``validate_raw`` followed by ``run_checkpoint`` in one process (what ``agglo build`` / ``agglo run``
  do: the checkpoint reuses the raw files checked before dbt), reporting the checkpoint's share.

Appends a dated table to bench/RESULTS.md. Run: ``python bench/bench_checks.py [--reps N]``.
The demo data is synthetic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"

SNIPPET = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from analysis.checks.checkpoint import validate_raw, run_checkpoint
raw, wh, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
t1 = time.perf_counter()
if mode in ("raw", "both"):
    validate_raw(raw)
t2 = time.perf_counter()
if mode in ("checkpoint", "both"):
    import great_expectations  # counted: agglo run imports it only for the checkpoint
    t3 = time.perf_counter()
    report = run_checkpoint(wh, raw)
    assert report.success
else:
    t3 = t2
t4 = time.perf_counter()
print(f"{t2 - t1:.3f} {t4 - t2:.3f} {t3 - t2:.3f}")
"""


def _machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"


def _run(raw: Path, wh: Path, mode: str, env: dict[str, str]) -> tuple[float, float, float]:
    proc = subprocess.run([sys.executable, "-c", SNIPPET, str(raw), str(wh), mode], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench_checks: {mode} failed")
    raw_s, check_s, import_s = (float(x) for x in proc.stdout.split()[-3:])
    return raw_s, check_s, import_s


def main(argv: list[str] | None = None) -> int:
    """Time the checks on the demo data and append the figures to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from analysis.checks.suites import load_checkpoint
    from analysis.paths import DEFAULT_RAW_DIR
    from analysis.pipeline import build

    with tempfile.TemporaryDirectory() as tmp:
        wh = build(DEFAULT_RAW_DIR, Path(tmp) / "agglo.duckdb", run_checks=False, quiet=True)
        env = {**os.environ, "AGGLO_REPORTS_DIR": str(Path(tmp) / "reports")}
        rows = {"validate_raw (before dbt)": [], "run_checkpoint, cold (agglo check)": [],
                "run_checkpoint after validate_raw (agglo run)": []}
        for _ in range(args.reps):
            rows["validate_raw (before dbt)"].append(_run(DEFAULT_RAW_DIR, wh, "raw", env)[0])
            rows["run_checkpoint, cold (agglo check)"].append(_run(DEFAULT_RAW_DIR, wh, "checkpoint", env)[1])
            rows["run_checkpoint after validate_raw (agglo run)"].append(_run(DEFAULT_RAW_DIR, wh, "both", env)[1])
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [f"\n### data checks on the demo data ({stamp}; {_machine()})\n",
             f"GE checkpoint = {len(load_checkpoint()[1])} validations (raw_firms skipped without firms.csv) over the raw files and the marts, incl. importing Great "
             "Expectations and writing Data Docs. Target: the checkpoint adds < 15 s to `agglo run`.\n",
             "| step | best | median | runs |", "|---|---|---|---|"]
    for name, times in rows.items():
        times.sort()
        lines.append(f"| {name} | {times[0]:.1f} s | {times[len(times) // 2]:.1f} s | {len(times)} |")
    text = "\n".join(lines) + "\n"
    print(text)
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmarks of agglo (their own command: `make bench`, or `python bench/run.py [names...]`).

Each benchmark prints its figures and appends a dated line to bench/RESULTS.md. Benchmarks:

- ``pipeline``: wall time of ``agglo build`` (dbt only) and of ``agglo run`` end to end on the demo
  data, into a temporary warehouse file (the published warehouse is not touched).
- ``checks``: bench/bench_checks.py (GE checkpoint cost).
- ``raw_checks``: bench/bench_raw_checks.py (raw validation and checkpoint on the demo and a large
  synthetic firms.csv: time and peak RSS).
- ``spatial_gmm``: bench/bench_spatial_gmm.py (SDM and system GMM at 2,850 x 20 vs spreg, pydynpd, R).
- ``storage``: bench/bench_storage.py (publishing in storage version v1.1.0).
- ``run``: bench/bench_run.py (``agglo run`` from a fresh clone, cold and warm, with CPU time and load).

Not in the default list (it needs the national raw data, ``agglo demo --scale national``):
bench/bench_national.py (national build and the firm-level indices, SQL vs pandas); see its docstring.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
AGGLO = [sys.executable, "-m", "analysis.cli"]


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return elapsed


def bench_pipeline(reps: int = 3) -> list[str]:
    """Time `agglo build` and `agglo run` on the demo data (best and median of ``reps``)."""
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        wh = Path(tmp) / "bench.duckdb"
        env = {**os.environ, "AGGLO_REPORTS_DIR": str(Path(tmp) / "reports")}
        for name, args in (
            ("agglo build (dbt build, no checks)", ["build", "--skip-checks"]),
            ("agglo run (build, checks, analyses, report)", ["run"]),
        ):
            times = sorted(_timed(AGGLO + args + ["--warehouse", str(wh)], env) for _ in range(reps))
            med = times[len(times) // 2]
            lines.append(f"| {name} | {times[0]:.1f} s | {med:.1f} s | {reps} |")
            print(lines[-1], flush=True)
    return lines


def main(argv: list[str]) -> int:
    """Run the named benchmarks (default: all) and append their figures to bench/RESULTS.md."""
    names = argv or ["pipeline", "checks", "raw_checks", "spatial_gmm", "storage", "run"]
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    for name in names:
        if name == "pipeline":
            rows = bench_pipeline()
            with RESULTS.open("a", encoding="utf-8") as fh:
                fh.write(f"\n### pipeline on the demo data ({stamp}; {_machine()})\n\n")
                fh.write("| command | best | median | runs |\n|---|---|---|---|\n")
                fh.write("\n".join(rows) + "\n")
        else:
            script = ROOT / "bench" / f"bench_{name}.py"
            if not script.exists():
                print(f"skip {name}: {script.name} not present")
                continue
            subprocess.run([sys.executable, str(script)], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

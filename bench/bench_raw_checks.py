"""Benchmark: raw validation and the GE checkpoint on the demo and on a large firms.csv (issue 12).

Measures, each in a fresh subprocess (so the peak RSS is that step's process alone):

- demo: ``validate_raw`` (before dbt) and ``run_checkpoint`` after it in the same process (what
  ``agglo build`` / ``agglo run`` do), for this tree and, with ``--before DIR``, for another source
  tree (e.g. ``git archive main | tar -x -C DIR``: the pandas checks before issue 12);
- large: a SYNTHETIC ``firms.csv`` of ``--firms`` rows (default 5,040,000 = 420,000 firms x 12 years;
  valid county, CIC 4-digit codes; written by DuckDB into a temporary directory next to symlinks of
  the demo files), with ``validate_raw`` and then ``run_checkpoint`` on the demo warehouse (the raw
  suites read the raw directory, so ``raw_firms`` validates the large file: GX on a sample, every
  expectation in SQL). ``--before-firms N`` also runs the other tree's ``validate_raw`` on N rows.

Appends a dated section to bench/RESULTS.md. Run:
``python bench/bench_raw_checks.py [--reps 3] [--firms 5040000] [--before DIR] [--before-firms 1000000]``.
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
import resource, sys, time
from pathlib import Path
raw, wh, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
from analysis.checks.checkpoint import validate_raw, run_checkpoint
t0 = time.perf_counter()
validate_raw(raw)
t1 = time.perf_counter()
if mode == "both":
    report = run_checkpoint(wh, raw)
    assert report.success, report.failures
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {rss:.0f}")
"""


def _machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"


def _run(tree: Path, raw: Path, wh: Path, mode: str, reports: Path) -> tuple[float, float, float]:
    """(validate_raw s, run_checkpoint s, peak RSS MB) of one subprocess on source tree ``tree``."""
    env = {**os.environ, "AGGLO_REPORTS_DIR": str(reports), "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, "-c", SNIPPET, str(raw), str(wh), mode], cwd=tree, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench_raw_checks: {mode} on {raw} with {tree} failed")
    raw_s, check_s, rss = (float(x) for x in proc.stdout.split()[-3:])
    return raw_s, check_s, rss


def write_firms(raw: Path, n_rows: int) -> None:
    """A SYNTHETIC firms.csv of ``n_rows`` valid firm-years (DuckDB COPY; codes from the seeds)."""
    import duckdb

    from analysis.warehouse.contract import panel_years, raw_file, read_seed

    counties = [r["county_code"] for r in read_seed("counties")]
    first, last = panel_years()["county"]
    n_years = last - first + 1
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute("create table c as select unnest(?::varchar[]) as code, generate_subscripts(?::varchar[], 1) - 1 as i",
                [counties, counties])
    body = raw / "firms.body.csv"
    con.execute(f"""
        copy (
            select 'F' || lpad(cast(f as varchar), 8, '0') as firm_id, y as year, c.code as county_code,
                   cast(13 + f % 31 as varchar) || lpad(cast(f % 97 as varchar), 2, '0') as industry_code,
                   (f * 7919) % 500 + 8 as employment,
                   round(((f * 104729) % 100000) / 10.0 + 50, 1) as output_10k_yuan,
                   'synthetic bench' as source
            from range({-(-n_rows // n_years)}) as r(f), range({first}, {last + 1}) as ys(y), c
            where c.i = f % {len(counties)}
            order by f, y
            limit {n_rows}
        ) to '{body}' (header false)""")
    con.close()
    with (raw / "firms.csv").open("wb") as out:
        out.write(b"# SYNTHETIC BENCHMARK DATA (bench/bench_raw_checks.py) - not real firms\n")
        out.write((",".join(raw_file("firms").columns) + "\n").encode())
        with body.open("rb") as src:
            while chunk := src.read(1 << 24):
                out.write(chunk)
    body.unlink()


def _row(label: str, runs: list[tuple[float, float, float]], both: bool) -> str:
    runs = sorted(runs)
    med = runs[len(runs) // 2]
    check = f"{med[1]:.1f} s" if both else "-"
    return f"| {label} | {med[0]:.1f} s | {check} | {max(r[2] for r in runs):.0f} MB | {len(runs)} |"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and append its table to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--firms", type=int, default=5_040_000, help="rows of the large firms.csv (0: skip)")
    parser.add_argument("--before", type=Path, help="another source tree to compare (e.g. main, extracted)")
    parser.add_argument("--before-firms", type=int, default=0, help="rows of firms.csv for the --before tree")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from analysis.paths import DEFAULT_RAW_DIR
    from analysis.pipeline import build

    trees = [("this branch", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    lines = [f"\n### raw validation and GE checkpoint, demo and large firms.csv ({dt.datetime.now():%Y-%m-%d %H:%M}; "
             f"{_machine()})\n",
             f"Command: `python bench/bench_raw_checks.py --reps {args.reps} --firms {args.firms}"
             + (f" --before {args.before} --before-firms {args.before_firms}" if args.before else "") + "`. "
             "Median of the runs; peak RSS = the largest maxrss of the measuring subprocess. The checkpoint "
             "column runs after validate_raw in the same process (as agglo build/run). Synthetic data.\n",
             "| data | code | validate_raw | run_checkpoint | peak RSS | runs |", "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        wh = build(DEFAULT_RAW_DIR, tmp_path / "agglo.duckdb", run_checks=False, quiet=True)
        if not args.skip_demo:  # the trees alternate, so that both see the same load on a shared machine
            runs: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in trees}
            for _ in range(args.reps):
                for label, tree in trees:
                    runs[label].append(_run(tree, DEFAULT_RAW_DIR, wh, "both", tmp_path / "reports"))
            for label, _ in trees:
                lines.append(_row(f"demo ({DEFAULT_RAW_DIR.name})", runs[label], True).replace(" | ", f" | {label} | ", 1))
                print(lines[-1], flush=True)
        for label, tree, n in ([("this branch", ROOT, args.firms)] if args.firms else []) + (
                [("before", args.before.resolve(), args.before_firms)] if args.before and args.before_firms else []):
            raw = tmp_path / f"raw_{n}"
            raw.mkdir()
            for f in DEFAULT_RAW_DIR.glob("*.csv"):
                (raw / f.name).symlink_to(f)
            write_firms(raw, n)
            size = (raw / "firms.csv").stat().st_size / 1e6
            mode = "both" if tree == ROOT else "raw"
            runs = [_run(tree, raw, wh, mode, tmp_path / "reports") for _ in range(1 if n > 1e6 else args.reps)]
            lines.append(_row(f"demo + firms.csv {n:,} rows ({size:.0f} MB)", runs, mode == "both")
                         .replace(" | ", f" | {label} | ", 1))
            print(lines[-1], flush=True)
            (raw / "firms.csv").unlink()
    text = "\n".join(lines) + "\n"
    print(text)
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

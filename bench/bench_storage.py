"""Benchmark: what publishing in an older DuckDB storage version adds to ``agglo build`` / ``agglo run``.

Builds the demo warehouse once into a temporary directory in DuckDB 2.0's newest format
(``--storage-version latest``, checks skipped), then times, best and median of ``--reps``:

- ``convert_storage`` to v1.1.0 (the publish step: ATTACH ... STORAGE_VERSION + COPY FROM DATABASE, then
  the checks of row counts, views and comments);
- the bare ``COPY FROM DATABASE`` alone (the same SQL without the checks), to show their share.

Appends a dated table to bench/RESULTS.md with the file sizes. Run: ``python bench/bench_storage.py``.
The demo data is synthetic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "RESULTS.md"


def _machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"


def _bare_copy(src: Path, dst: Path, version: str) -> float:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"attach '{src}' as src (read_only)")
    con.execute(f"attach '{dst}' as dst (storage_version '{version}')")
    con.execute("copy from database src to dst")
    con.close()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Build once, time the conversion, append the figures to bench/RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--version", default="v1.1.0")
    args = ap.parse_args(argv)

    from analysis.paths import DEFAULT_RAW_DIR
    from analysis.pipeline import build
    from analysis.warehouse.storage import convert_storage

    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "built.duckdb"
        print("building the demo warehouse (newest storage format) ...", flush=True)
        build(DEFAULT_RAW_DIR, built, run_checks=False, quiet=True, storage_version="latest")
        full, bare = [], []
        conv = None
        for i in range(args.reps):
            out = Path(tmp) / f"conv{i}.duckdb"
            conv = convert_storage(built, out, args.version)
            full.append(conv.seconds)
            bare.append(_bare_copy(built, Path(tmp) / f"bare{i}.duckdb", args.version))
            print(f"rep {i + 1}: convert_storage {full[-1]:.2f} s, bare COPY FROM DATABASE {bare[-1]:.2f} s",
                  flush=True)
        size_in = built.stat().st_size / 2**20
        size_out = (Path(tmp) / "conv0.duckdb").stat().st_size / 2**20
    full.sort()
    bare.sort()
    assert conv is not None
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    rows = [
        f"| convert_storage to {args.version} (copy + checks: publish step) | {full[0]:.2f} s | "
        f"{full[len(full) // 2]:.2f} s | {args.reps} |",
        f"| bare COPY FROM DATABASE to {args.version} | {bare[0]:.2f} s | {bare[len(bare) // 2]:.2f} s | "
        f"{args.reps} |",
    ]
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(f"\n### storage-version conversion at publish, demo data ({stamp}; {_machine()})\n\n")
        fh.write(f"Built file {size_in:.1f} MB (newest format) -> published file {size_out:.1f} MB "
                 f"({args.version}); {conv.tables} tables, {conv.views} views, {conv.comments} comments "
                 f"copied, {conv.comments_reapplied} re-applied.\n\n")
        fh.write("| step | best | median | runs |\n|---|---|---|---|\n")
        fh.write("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

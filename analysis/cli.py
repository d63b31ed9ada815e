"""The ``agglo`` command line.

Sub-commands (each documented in ``agglo <command> --help`` and in docs/cli.md):

- ``agglo demo``      write the synthetic demo raw data to ``data/demo/``
- ``agglo ingest``    read NBS portal exports / yearbook tables into the raw contract CSVs
- ``agglo build``     dbt build into a new DuckDB file; publish it only if every test passes
- ``agglo check``     run the Great Expectations checkpoint against a warehouse
- ``agglo analyze``   run every study spec against the published warehouse
- ``agglo estimate``  run one spec on any panel (mart or CSV), write the results JSON
- ``agglo report``    write reports/index.html (+ Markdown) from the results schema
- ``agglo run``       build -> check -> analyze -> report, on the demo data by default
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import __version__
from analysis.errors import AggloError
from analysis.paths import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE, PROJECT_ROOT, REPORTS_DIR


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--warehouse",
        type=Path,
        default=DEFAULT_WAREHOUSE,
        help=f"published DuckDB warehouse file (default: {DEFAULT_WAREHOUSE.relative_to(PROJECT_ROOT)})",
    )


def _add_storage_version(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--storage-version", default=None, metavar="VERSION",
        help="DuckDB storage version of the published file: the oldest DuckDB that must read it, e.g. "
             "v1.1.0, or 'latest' (no conversion; DuckDB >= 2.0 only). Default: $AGGLO_STORAGE_VERSION, "
             "else v1.1.0 (docs/clients.md)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="agglo",
        description="Research data warehouse for regional industrial agglomeration in China.",
    )
    parser.add_argument("--version", action="version", version=f"agglo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="write the synthetic demo raw data (fixed seed)")
    p.add_argument("--out", type=Path, default=DEFAULT_RAW_DIR, help="output directory")
    p.add_argument("--seed", type=int, default=20240601, help="random seed")
    p.add_argument("--scale", choices=["demo", "national"], default="demo",
                   help="demo: the small committed data/demo (default); national: every county of the 31 "
                        "provinces and a firms.csv (write it to a scratch --out, about 0.5 GB)")
    p.add_argument("--firms", type=int, default=None, metavar="N",
                   help="national scale: firm-years in firms.csv (default 5,400,000; 0 = none)")
    p.add_argument("--provinces", default=None, metavar="CODES",
                   help="national scale: comma-separated province codes whose counties are generated "
                        "(default: all 31; a small sample for tests)")

    p = sub.add_parser("ingest", help="read NBS portal exports and yearbook tables into a raw directory")
    p.add_argument("inputs", nargs="+", type=Path, metavar="FILE_OR_DIR", help="files or directories to read")
    p.add_argument("--out", type=Path, required=True, metavar="RAW_DIR",
                   help="raw directory to write or merge the contract CSVs into (docs/data_contract.md)")
    p.add_argument("--indicator", default=None, metavar="CODE",
                   help="indicator of files that name none (2025/26 portal CSV): a catalog code or 'name(unit)'")
    p.add_argument("--level", choices=("province", "prefecture", "county"), default=None,
                   help="level of the regions in the files (default: from the file; province)")
    p.add_argument("--region", default=None, metavar="NAME",
                   help="region of a one-region (transposed) portal export, e.g. 北京")

    p = sub.add_parser("build", help="dbt build into a new warehouse file and publish it if it passes")
    _add_common(p)
    p.add_argument("--raw-dir", type=Path, default=DEFAULT_RAW_DIR, help="directory of raw input files")
    p.add_argument("--skip-checks", action="store_true", help="do not run the GE checkpoint before publishing")
    _add_storage_version(p)

    p = sub.add_parser("check", help="run the Great Expectations checkpoint")
    _add_common(p)
    p.add_argument("--raw-dir", type=Path, default=DEFAULT_RAW_DIR, help="directory of raw input files")

    p = sub.add_parser("analyze", help="run every study spec against the published warehouse")
    _add_common(p)
    p.add_argument("--specs", type=Path, default=None, help="directory of specs, searched recursively (default: analysis/studies/specs)")
    p.add_argument("--only", nargs="*", default=None, help="spec file stems to run (default: all)")

    p = sub.add_parser("estimate", help="run one spec on any panel and write the results JSON")
    _add_common(p)
    p.add_argument("spec", type=Path, help="spec YAML file")
    p.add_argument("--data", type=Path, default=None, help="panel CSV (overrides the spec's data:)")
    p.add_argument("--weights", type=Path, default=None, help="weights CSV from,to,w (overrides weights:)")
    p.add_argument("--json", type=Path, default=None, help="write the results JSON here (default: stdout)")

    p = sub.add_parser("report", help="write reports/index.html and reports/report.md")
    _add_common(p)
    p.add_argument("--out", type=Path, default=REPORTS_DIR, help="report directory (default: reports/, or $AGGLO_REPORTS_DIR)")

    p = sub.add_parser("run", help="build -> check -> analyze -> report (demo data by default)")
    _add_common(p)
    p.add_argument("--raw-dir", type=Path, default=DEFAULT_RAW_DIR, help="directory of raw input files")
    p.add_argument("--skip-analysis", action="store_true", help="stop after build and checks")
    _add_storage_version(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``agglo`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    try:
        if args.command == "demo":
            if args.scale == "national":
                from analysis.demo.national import DEFAULT_FIRM_YEARS, write_national

                if args.out.resolve() == DEFAULT_RAW_DIR.resolve():
                    raise AggloError("agglo demo --scale national: give a scratch --out DIR "
                                     "(data/demo holds the small committed demo)")
                provinces = [c.strip() for c in args.provinces.split(",")] if args.provinces else None
                write_national(args.out, seed=args.seed, provinces=provinces,
                               n_firm_years=DEFAULT_FIRM_YEARS if args.firms is None else args.firms)
            else:
                if args.firms is not None or args.provinces:
                    raise AggloError("agglo demo: --firms and --provinces need --scale national")
                from analysis.demo.generate import write_demo

                write_demo(args.out, seed=args.seed)
        elif args.command == "ingest":
            from analysis.ingest import ingest

            ingest(args.inputs, args.out, indicator=args.indicator, level=args.level, region=args.region)
        elif args.command == "build":
            from analysis.pipeline import build

            build(raw_dir=args.raw_dir, warehouse=args.warehouse, run_checks=not args.skip_checks,
                  storage_version=args.storage_version)
        elif args.command == "check":
            from analysis.checks.checkpoint import check

            check(warehouse=args.warehouse, raw_dir=args.raw_dir)
        elif args.command == "analyze":
            from analysis.pipeline import analyze

            analyze(warehouse=args.warehouse, specs_dir=args.specs, only=args.only)
        elif args.command == "estimate":
            from analysis.studies.runner import estimate_cli

            estimate_cli(
                spec=args.spec, data=args.data, weights=args.weights, json_out=args.json,
                warehouse=args.warehouse,
            )
        elif args.command == "report":
            from analysis.report.writer import write_report

            write_report(warehouse=args.warehouse, out_dir=args.out)
        elif args.command == "run":
            from analysis.pipeline import run

            run(raw_dir=args.raw_dir, warehouse=args.warehouse, analysis=not args.skip_analysis,
                storage_version=args.storage_version)
    except AggloError as exc:
        print(f"agglo {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

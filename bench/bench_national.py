"""National-scale benchmark (issue 12): build time and peak memory, firm-level EG gamma in SQL vs pandas.

Its own command, not a timed test::

    .venv/bin/agglo demo --scale national --out /tmp/agglo-national          # ~0.5 GB of SYNTHETIC data
    .venv/bin/python bench/bench_national.py build --raw-dir /tmp/agglo-national --warehouse /tmp/national.duckdb
    .venv/bin/python bench/bench_national.py indices --warehouse /tmp/national.duckdb

``build`` runs ``agglo build --skip-checks`` under ``/usr/bin/time -v`` (wall time and the peak RSS of the
largest process, dbt + DuckDB) and lists the slowest dbt nodes from ``run_results.json``. ``indices``
computes Ellison-Glaeser gamma (plant Herfindahl) per CIC 4-digit class and year over the firm rows of
the built warehouse twice: the warehouse's SQL (the compiled ``int_firm_cells_aggregated`` pass and
``fct_industry_eg_gamma`` select, run in DuckDB) and a straightforward pandas groupby implementation of
the same formula, asserts they agree to 1e-9 and prints the ratios of wall and CPU time. Each appends its figures to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.pipeline import _target_dir

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def _append(lines: list[str]) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(f"\n### national ({stamp})\n\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))


def bench_build(raw_dir: Path, warehouse: Path) -> None:
    """Time ``agglo build --skip-checks`` on the national raw data; peak RSS via /usr/bin/time -v."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "analysis.cli", "build", "--raw-dir", str(raw_dir),
           "--warehouse", str(warehouse), "--skip-checks"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    print(proc.stdout[-3000:])
    if proc.returncode != 0:
        print(proc.stderr[-5000:])
        raise SystemExit(f"agglo build failed ({proc.returncode})")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", proc.stderr).group(1)) for k in ("User", "System"))
    load = os.getloadavg()[0]
    results = sorted(_target_dir(warehouse).rglob("run_results.json"), key=lambda p: p.stat().st_mtime)
    nodes: list[tuple[float, str]] = []
    if results:
        doc = json.loads(results[-1].read_text(encoding="utf-8"))
        nodes = sorted(((r["execution_time"], r["unique_id"].split(".")[-1]) for r in doc["results"]), reverse=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("dim_counties", "fct_county_years", "fct_county_industry_years", "int_firms_cleaned",
                        "fct_industry_eg_gamma")}
    n_prov = con.execute("select count(distinct province_code) from dim_counties").fetchone()[0]
    plant_years = con.execute("select sum(n_plants) from fct_industry_eg_gamma where industry_level = 'cic4'").fetchone()[0]
    con.close()
    lines = [
        f"- national build (`agglo build --skip-checks`, raw dir {raw_dir}): wall {wall:.1f} s "
        f"(CPU user+sys {cpu:.1f} s; load average {load:.1f} at the end), "
        f"peak RSS {rss_kb / 1024 / 1024:.2f} GB (largest process, /usr/bin/time -v); targets <= 300 s, <= 8 GB",
        f"- rows: dim_counties {counts['dim_counties']:,} in {n_prov} provinces; fct_county_years "
        f"{counts['fct_county_years']:,}; fct_county_industry_years {counts['fct_county_industry_years']:,}; "
        f"firm-years {counts['int_firms_cleaned']:,}; EG gamma rows {counts['fct_industry_eg_gamma']:,} "
        f"over {plant_years:,} plant-years (cic4)",
        "- slowest dbt nodes (s): " + ", ".join(f"{name} {sec:.1f}" for sec, name in nodes[:8]),
    ]
    _append(lines)


def eg_gamma_pandas(firms: pd.DataFrame) -> pd.DataFrame:
    """EG (1997) gamma per (year, industry) with regions = counties, x_k = county share of all firms' employment."""
    f = firms[["year", "industry_code", "county_code", "employment"]]
    region = f.groupby(["year", "county_code"], as_index=False)["employment"].sum()
    region["x"] = region["employment"] / region.groupby("year")["employment"].transform("sum")
    sum_x2 = (region["x"] ** 2).groupby(region["year"]).sum().rename("sum_x_squared")
    ind = f.groupby(["year", "industry_code"])["employment"].agg(["sum", "count"])
    plant_h = (f["employment"] ** 2).groupby([f["year"], f["industry_code"]]).sum() / ind["sum"] ** 2
    cell = f.groupby(["year", "industry_code", "county_code"], as_index=False)["employment"].sum()
    cell = cell.merge(region[["year", "county_code", "x"]], on=["year", "county_code"])
    cell["s"] = cell["employment"] / cell.groupby(["year", "industry_code"])["employment"].transform("sum")
    part = (cell["s"] ** 2 - 2 * cell["s"] * cell["x"]).groupby([cell["year"], cell["industry_code"]]).sum()
    out = pd.DataFrame({"plant_herfindahl": plant_h, "part": part}).reset_index()
    out = out.merge(sum_x2.reset_index(), on="year")
    out["g_raw"] = out["part"] + out["sum_x_squared"]
    one = 1 - out["sum_x_squared"]
    out["gamma"] = (out["g_raw"] - one * out["plant_herfindahl"]) / (one * (1 - out["plant_herfindahl"]))
    return out[["year", "industry_code", "g_raw", "plant_herfindahl", "gamma"]]


def _compiled(warehouse: Path, model: str) -> str:
    """The compiled select of ``model`` from the build's dbt target directory."""
    path = next(p for p in _target_dir(warehouse).rglob(f"{model}.sql") if "compiled" in p.parts)
    return path.read_text(encoding="utf-8")


def eg_gamma_pandas_apply(firms: pd.DataFrame) -> pd.DataFrame:
    """The straightforward way: per year, the county shares x; per industry, the EG formula on its firms."""
    out = []
    for year, fy in firms.groupby("year", sort=True):
        totals = fy.groupby("county_code")["employment"].sum()
        x = totals / totals.sum()
        sum_x2 = float((x**2).sum())
        for code, grp in fy.groupby("industry_code", sort=True):
            emp = grp["employment"].astype(float)
            s = (grp.groupby("county_code")["employment"].sum() / emp.sum()).reindex(x.index, fill_value=0.0)
            g = float(((s - x) ** 2).sum())
            h = float(((emp / emp.sum()) ** 2).sum())
            gamma = (g - (1 - sum_x2) * h) / ((1 - sum_x2) * (1 - h)) if h < 1 else np.nan
            out.append((year, code, g, h, gamma))
    return pd.DataFrame(out, columns=["year", "industry_code", "g_raw", "plant_herfindahl", "gamma"])


def bench_indices(warehouse: Path) -> None:
    """EG gamma over the firm rows: the warehouse's SQL vs pandas on the same rows; assert 1e-9.

    The SQL side is what the build runs from the cleaned firm rows: the one grouped pass
    (int_firm_cells_aggregated) and the fct_industry_eg_gamma select, both compiled by dbt.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    # the same rows for both: the cleaned firm rows, materialised once outside the timing
    con.execute("create temp table firm_rows as select * from main.int_firms_cleaned "
                "where employment is not null and county_code is not null")
    cells_sql = re.sub(r'"[^"]+"\."main"\."int_firms_cleaned"', "firm_rows", _compiled(warehouse, "int_firm_cells_aggregated"))
    eg_sql = re.sub(r'"[^"]+"\."main"\."int_firm_cells_aggregated"', "firm_cells", _compiled(warehouse, "fct_industry_eg_gamma"))
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute(f"create temp table firm_cells as {cells_sql}")
    got = con.execute(f"select * from ({eg_sql}) where industry_level = 'cic4'").df()
    t_sql, c_sql = time.perf_counter() - t0, time.process_time() - c0
    firms = con.execute("select year, industry_code, county_code, employment from firm_rows").df()
    con.close()
    lines = [f"- firm-level EG gamma (cic4 x year, {len(firms):,} firm rows, {len(got):,} industry-years; "
             f"load average {os.getloadavg()[0]:.1f}): SQL (compiled int_firm_cells_aggregated + "
             f"fct_industry_eg_gamma, DuckDB) {t_sql:.2f} s wall / {c_sql:.2f} s CPU"]
    for label, fn in (("pandas, per-industry loop (straightforward)", eg_gamma_pandas_apply),
                      ("pandas, vectorised groupby", eg_gamma_pandas)):
        t0, c0 = time.perf_counter(), time.process_time()
        ref = fn(firms)
        t_pd, c_pd = time.perf_counter() - t0, time.process_time() - c0
        m = got.merge(ref, on=["year", "industry_code"], suffixes=("_sql", "_pd"))
        assert len(m) == len(got) == len(ref), (len(m), len(got), len(ref))
        for col in ("g_raw", "plant_herfindahl", "gamma"):
            np.testing.assert_allclose(m[f"{col}_sql"], m[f"{col}_pd"], rtol=1e-9, atol=1e-12)
        lines.append(f"  - vs {label}: {t_pd:.2f} s wall / {c_pd:.2f} s CPU; SQL is {t_pd / t_sql:.1f}x "
                     f"(wall), {c_pd / c_sql:.1f}x (CPU) faster (target >= 10x); equal to 1e-9")
    _append(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``build`` or ``indices``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["build", "indices"])
    p.add_argument("--raw-dir", type=Path)
    p.add_argument("--warehouse", type=Path, required=True)
    a = p.parse_args(argv)
    if a.what == "build":
        bench_build(a.raw_dir.resolve(), a.warehouse.resolve())
    else:
        bench_indices(a.warehouse.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())

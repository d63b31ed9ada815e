"""National-scale benchmark (issue 12): build time and peak memory; the firm-level indices in SQL vs pandas.

Its own command, not a timed test::

    .venv/bin/agglo demo --scale national --out /tmp/agglo-national          # ~0.5 GB of SYNTHETIC data
    .venv/bin/python bench/bench_national.py build --raw-dir /tmp/agglo-national --warehouse /tmp/national.duckdb
    .venv/bin/python bench/bench_national.py indices --warehouse /tmp/national.duckdb [--wait-load 1.2]

``build`` runs ``agglo build --skip-checks`` under ``/usr/bin/time -v`` (wall time and the peak RSS of the
largest process, dbt + DuckDB) and lists the slowest dbt nodes from ``run_results.json``.

``indices`` computes the three firm-level indices of the warehouse from its cleaned firm rows
(``int_firms_cleaned`` with employment and a county), in one process on the same rows:

- Ellison-Glaeser gamma per CIC 4-digit class and year (``fct_industry_eg_gamma``, level cic4),
- the locational Gini per CIC 4-digit class and year (``fct_industry_firm_concentration``, level cic4),
- the county x year x CIC 4-digit employment location quotient (``fct_county_firm_industry_years``).

SQL (timed): the warehouse's compiled dbt models run in DuckDB, the one grouped pass over the firm rows
(``int_firm_cells_aggregated``) and then each mart, every one created as a temp table. The compiled SQL
comes from the warehouse's dbt target directory; when that has none (cleaned), ``dbt compile`` of the four
models runs into a temporary target directory against a temporary copy of the warehouse file (the
warehouse itself is only opened read-only). pandas (timed, on the same rows fetched to a DataFrame outside
the timing), two versions with the same outputs:

- straightforward: what a researcher writes: EG gamma and the Gini as a Python function of the formula
  per (year, class) group, the LQ with groupby sums and transforms, each index from the firm rows;
- vectorised: whole-frame groupby code: one grouped pass into (year, class, county) cells, then EG gamma
  by groupby sums, the Gini by sorting within groups and a cumulative sum, the LQ by transforms.

Every pandas output is asserted equal to the SQL output to 1e-9 (relative) on every row (merged on the
keys, same row counts). It prints the wall and CPU times and their ratios (pandas / SQL, target >= 10x)
per index and for all three, with the load average at the start and end, and appends them to
``bench/RESULTS.md`` (not with ``--limit N``, which runs on the first N firm rows to check correctness).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.pipeline import _target_dir
from analysis.warehouse.dbt_runner import run_dbt

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
CELLS = "int_firm_cells_aggregated"
MARTS = {"eg": "fct_industry_eg_gamma", "gini": "fct_industry_firm_concentration",
         "lq": "fct_county_firm_industry_years"}
LABELS = {"cells": "cells pass (int_firm_cells_aggregated)", "eg": "EG gamma (cic4 x year)",
          "gini": "locational Gini (cic4 x year)", "lq": "location quotient (county x year x cic4)"}
KEYS = {"eg": ["year", "industry_code"], "gini": ["year", "industry_code"],
        "lq": ["county_code", "year", "industry_code"]}
VALUES = {"eg": ["n_plants", "n_regions_with_plants", "g_raw", "sum_x_squared", "plant_herfindahl", "gamma"],
          "gini": ["n_counties_with_firms", "locational_gini"],
          "lq": ["industry_division_code", "n_firms", "employment_persons", "output_10k_yuan", "lq_employment"]}


def _append(lines: list[str], title: str = "national") -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(f"\n### {title} ({stamp})\n\n" + "\n".join(lines) + "\n")
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


# --- pandas, straightforward: per (year, class) group a Python function of the formula ------------------


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
            out.append((year, code, len(grp), int((s > 0).sum()), g, sum_x2, h, gamma))
    return pd.DataFrame(out, columns=["year", "industry_code", *VALUES["eg"]])


def gini_pandas_apply(firms: pd.DataFrame) -> pd.DataFrame:
    """Locational Gini G = 1 - sum_k x_k (2 S_k - s_k), counties sorted by s_k / x_k, per year and industry."""
    out = []
    for year, fy in firms.groupby("year", sort=True):
        totals = fy.groupby("county_code")["employment"].sum()
        x = totals / totals.sum()
        for code, grp in fy.groupby("industry_code", sort=True):
            e = grp.groupby("county_code")["employment"].sum()
            s = e / e.sum()
            xk = x.reindex(s.index)
            order = np.argsort((s / xk).to_numpy(), kind="stable")
            s_sorted, x_sorted = s.to_numpy()[order], xk.to_numpy()[order]
            gini = 1 - float(np.sum(x_sorted * (2 * np.cumsum(s_sorted) - s_sorted)))
            out.append((year, code, len(s), gini))
    return pd.DataFrame(out, columns=["year", "industry_code", *VALUES["gini"]])


def lq_pandas_groupby(firms: pd.DataFrame) -> pd.DataFrame:
    """County x year x class sums and LQ = (e_ci / e_c) / (E_i / E) with groupby sums and transforms."""
    cell = firms.groupby(["county_code", "year", "industry_code"], as_index=False).agg(
        n_firms=("employment", "size"), employment_persons=("employment", "sum"),
        output_10k_yuan=("output_10k_yuan", "sum"))
    cell["industry_division_code"] = cell["industry_code"].str[:2]
    e_c = cell.groupby(["county_code", "year"])["employment_persons"].transform("sum")
    e_i = cell.groupby(["industry_code", "year"])["employment_persons"].transform("sum")
    e = cell.groupby("year")["employment_persons"].transform("sum")
    cell["lq_employment"] = (cell["employment_persons"] / e_c) / (e_i / e)
    return cell[KEYS["lq"] + VALUES["lq"]]


# --- pandas, vectorised: one grouped pass into cells, then whole-frame groupby code -----------------------


def firm_cells_pandas(firms: pd.DataFrame) -> pd.DataFrame:
    """(year, class, county) cells of the firm rows: n_firms, employment, its sum of squares, output."""
    f = firms.assign(employment_squared=firms["employment"] * firms["employment"])
    return f.groupby(["year", "industry_code", "county_code"], sort=False).agg(
        n_firms=("employment", "size"), employment=("employment", "sum"),
        employment_squared=("employment_squared", "sum"), output_10k_yuan=("output_10k_yuan", "sum"),
    ).reset_index()


def _cell_x(cells: pd.DataFrame) -> pd.Series:
    """Per cell, x_k = its county's share of the year's employment of all firms."""
    county = cells.groupby(["year", "county_code"], sort=False)["employment"].transform("sum")
    return county / cells.groupby("year", sort=False)["employment"].transform("sum")


def eg_gamma_pandas(cells: pd.DataFrame) -> pd.DataFrame:
    """EG (1997) gamma per (year, industry) from the cells, regions = counties (vectorised groupby)."""
    region = cells.groupby(["year", "county_code"], sort=False)["employment"].sum()
    x = region / region.groupby(level="year").transform("sum")
    sum_x2 = (x**2).groupby(level="year").sum().rename("sum_x_squared")
    key = [cells["year"], cells["industry_code"]]
    e_ind = cells.groupby(key, sort=False)["employment"].transform("sum")
    s = cells["employment"] / e_ind
    part = pd.DataFrame({"part": s**2 - 2 * s * _cell_x(cells), "pos": s > 0, "n": cells["n_firms"],
                         "e": cells["employment"], "e2": cells["employment_squared"]})
    out = part.groupby(key, sort=False).sum().reset_index()
    out = out.merge(sum_x2.reset_index(), on="year")
    out["plant_herfindahl"] = out["e2"] / (out["e"] * out["e"])
    out["g_raw"] = out["part"] + out["sum_x_squared"]
    one = 1 - out["sum_x_squared"]
    denominator = (one * (1 - out["plant_herfindahl"])).replace(0.0, np.nan)  # one plant: H = 1, no gamma
    out["gamma"] = (out["g_raw"] - one * out["plant_herfindahl"]) / denominator
    out = out.rename(columns={"n": "n_plants", "pos": "n_regions_with_plants"})
    return out[["year", "industry_code", *VALUES["eg"]]]


def gini_pandas(cells: pd.DataFrame) -> pd.DataFrame:
    """Locational Gini per (year, industry) from the cells: sort by s/x within groups, cumulative sum of s."""
    gid = cells.groupby(["year", "industry_code"], sort=False).ngroup().to_numpy()
    emp = cells["employment"].to_numpy()
    s = emp / np.bincount(gid, weights=emp)[gid]
    x = _cell_x(cells).to_numpy()
    order = np.lexsort((s / x, gid))
    g_sorted, s_sorted, x_sorted = gid[order], s[order], x[order]
    cum = np.cumsum(s_sorted)
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    cum -= np.repeat(np.r_[0.0, cum[starts[1:] - 1]], np.diff(np.r_[starts, len(cum)]))
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    terms = np.bincount(g_sorted, weights=x_sorted * (2 * cum - s_sorted), minlength=n_groups)
    first = np.unique(gid, return_index=True)[1]  # the first cell of each group
    return pd.DataFrame({"year": cells["year"].to_numpy()[first],
                         "industry_code": cells["industry_code"].to_numpy()[first],
                         "n_counties_with_firms": np.bincount(gid, minlength=n_groups),
                         "locational_gini": 1 - terms})


def lq_pandas(cells: pd.DataFrame) -> pd.DataFrame:
    """County x year x class LQ from the cells by transforms."""
    e_ci = cells["employment"]
    e_c = cells.groupby(["county_code", "year"], sort=False)["employment"].transform("sum")
    e_i = cells.groupby(["industry_code", "year"], sort=False)["employment"].transform("sum")
    e = cells.groupby("year", sort=False)["employment"].transform("sum")
    return pd.DataFrame({"county_code": cells["county_code"], "year": cells["year"],
                         "industry_code": cells["industry_code"],
                         "industry_division_code": cells["industry_code"].str[:2],
                         "n_firms": cells["n_firms"], "employment_persons": e_ci,
                         "output_10k_yuan": cells["output_10k_yuan"], "lq_employment": (e_ci / e_c) / (e_i / e)})


# --- SQL: the compiled dbt models ---------------------------------------------------------------------------


def _compiled_in(target: Path, model: str) -> Path | None:
    return next((p for p in target.rglob(f"{model}.sql") if "compiled" in p.parts), None) if target.is_dir() else None


def _compiled_models(warehouse: Path, tmp: Path) -> tuple[dict[str, str], str]:
    """The compiled select of the cells model and the three marts, and where it came from.

    From the build's dbt target directory; when any is missing there (the target was cleaned), ``dbt
    compile`` of the four models into ``tmp/target`` against a copy of the warehouse file in ``tmp``.
    """
    models = [CELLS, *MARTS.values()]
    target = _target_dir(warehouse)
    paths = {m: _compiled_in(target, m) for m in models}
    source = f"compiled by the build ({target.relative_to(ROOT)})"
    if any(p is None for p in paths.values()):
        copy, raw = tmp / warehouse.name, tmp / "raw"
        raw.mkdir()
        print(f"no compiled SQL in {target}: dbt compile against a copy of the warehouse in {tmp}", flush=True)
        shutil.copyfile(warehouse, copy)
        t0 = time.perf_counter()
        res = run_dbt(["compile", "--select", *models], env={"AGGLO_DUCKDB_PATH": str(copy)},
                      dbt_vars={"raw_dir": str(raw), "has_firms": True}, log_dir=tmp / "logs",
                      target_dir=tmp / "target")
        if res.returncode != 0:
            raise SystemExit(f"dbt compile failed ({res.returncode}):\n{res.tail}")
        copy.unlink()
        paths = {m: _compiled_in(tmp / "target", m) for m in models}
        missing = [m for m, p in paths.items() if p is None]
        if missing:
            raise SystemExit(f"dbt compile gave no compiled SQL for {missing}")
        source = f"compiled now by `dbt compile` into a temporary target ({time.perf_counter() - t0:.0f} s)"
    return {m: p.read_text(encoding="utf-8") for m, p in paths.items()}, source


def _rewrite(sql: str, model: str, table: str) -> str:
    """Point the compiled refs ``"<db>"."main"."<model>"`` at a temp table."""
    return re.sub(rf'"[^"]+"\."main"\."{model}"', table, sql)


def _timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _wait_for_load(below: float, max_wait: float) -> None:
    start = time.monotonic()
    while (load := os.getloadavg()[0]) >= below and time.monotonic() - start < max_wait:
        print(f"load average {load:.2f} >= {below}: waiting ({time.monotonic() - start:.0f} s)", flush=True)
        time.sleep(30)
    print(f"load average {os.getloadavg()[0]:.2f} after {time.monotonic() - start:.0f} s: timing", flush=True)


def _check(label: str, index: str, sql: pd.DataFrame, ref: pd.DataFrame) -> None:
    """Every row of ``ref`` equals ``sql``: same keys, numbers to rtol 1e-9."""
    m = sql.merge(ref, on=KEYS[index], suffixes=("_sql", "_pd"))
    assert len(m) == len(sql) == len(ref), (label, index, len(m), len(sql), len(ref))
    for col in VALUES[index]:
        a, b = m[f"{col}_sql"], m[f"{col}_pd"]
        if a.dtype == object:
            assert (a == b).all(), (label, index, col)
        else:
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{label}, {index}, {col}")


def _ratio(pd_t: tuple[float, float], sql_t: tuple[float, float]) -> str:
    return f"{pd_t[0] / sql_t[0]:.1f}x / {pd_t[1] / sql_t[1]:.1f}x"


def bench_indices(warehouse: Path, limit: int | None = None, wait_load: float | None = None,
                  max_wait: float = 1200.0) -> None:
    """The three firm-level indices over the firm rows: the warehouse's SQL vs pandas on the same rows."""
    with tempfile.TemporaryDirectory(prefix="agglo-bench-") as tmp:
        sqls, compiled_from = _compiled_models(warehouse, Path(tmp))
    con = duckdb.connect(str(warehouse), read_only=True)
    # the same rows for both: the cleaned firm rows, materialised once outside the timing
    con.execute("create temp table firm_rows as select * from main.int_firms_cleaned "
                "where employment is not null and county_code is not null"
                + (f" limit {int(limit)}" if limit else ""))
    firms = con.execute("select year, industry_code, county_code, employment, output_10k_yuan from firm_rows").df()
    n_rows = len(firms)
    steps = {"cells": f"create temp table firm_cells as {_rewrite(sqls[CELLS], 'int_firms_cleaned', 'firm_rows')}"}
    for index, mart in MARTS.items():
        sql = _rewrite(sqls[mart], CELLS, "firm_cells")
        where = " where industry_level = 'cic4'" if index in ("eg", "gini") else ""
        steps[index] = f"create temp table sql_{index} as select * from ({sql}){where}"
    if wait_load is not None:
        _wait_for_load(wait_load, max_wait)
    load_start = os.getloadavg()[0]

    t_sql: dict[str, tuple[float, float]] = {}
    for step, stmt in steps.items():
        _, wall, cpu = _timed(lambda stmt=stmt: con.execute(stmt))
        t_sql[step] = (wall, cpu)
        print(f"SQL {step}: {wall:.2f} s wall / {cpu:.2f} s CPU", flush=True)
    got = {index: con.execute(f"select * from sql_{index}").df() for index in MARTS}
    con.close()

    t_apply: dict[str, tuple[float, float]] = {}
    for index, fn in (("eg", eg_gamma_pandas_apply), ("gini", gini_pandas_apply), ("lq", lq_pandas_groupby)):
        ref, wall, cpu = _timed(lambda fn=fn: fn(firms))
        t_apply[index] = (wall, cpu)
        print(f"pandas straightforward {index}: {wall:.2f} s wall / {cpu:.2f} s CPU", flush=True)
        _check("straightforward", index, got[index], ref)
    t_vec: dict[str, tuple[float, float]] = {}
    cells, wall, cpu = _timed(lambda: firm_cells_pandas(firms))
    t_vec["cells"] = (wall, cpu)
    print(f"pandas vectorised cells: {wall:.2f} s wall / {cpu:.2f} s CPU", flush=True)
    for index, fn in (("eg", eg_gamma_pandas), ("gini", gini_pandas), ("lq", lq_pandas)):
        ref, wall, cpu = _timed(lambda fn=fn: fn(cells))
        t_vec[index] = (wall, cpu)
        print(f"pandas vectorised {index}: {wall:.2f} s wall / {cpu:.2f} s CPU", flush=True)
        _check("vectorised", index, got[index], ref)
    load_end = os.getloadavg()[0]

    def with_cells(t: dict[str, tuple[float, float]], index: str) -> tuple[float, float]:
        return (t["cells"][0] + t[index][0], t["cells"][1] + t[index][1])

    def total(t: dict[str, tuple[float, float]]) -> tuple[float, float]:
        return (sum(v[0] for v in t.values()), sum(v[1] for v in t.values()))

    def fmt(t: tuple[float, float]) -> str:
        return f"{t[0]:.2f} / {t[1]:.2f}"

    rows = [f"| {LABELS['cells']} | {fmt(t_sql['cells'])} | - | - | {fmt(t_vec['cells'])} | - |"]
    for index in MARTS:
        s, v = with_cells(t_sql, index), with_cells(t_vec, index)
        rows.append(f"| {LABELS[index]}, incl. the cells pass | {fmt(s)} | {fmt(t_apply[index])} | "
                    f"{_ratio(t_apply[index], s)} | {fmt(v)} | {_ratio(v, s)} |")
    s_all, a_all, v_all = total(t_sql), total(t_apply), total(t_vec)
    rows.append(f"| **all three** (cells pass once) | {fmt(s_all)} | {fmt(a_all)} | **{_ratio(a_all, s_all)}** | "
                f"{fmt(v_all)} | **{_ratio(v_all, s_all)}** |")

    def verdict(name: str, t: tuple[float, float]) -> str:
        rw, rc = t[0] / s_all[0], t[1] / s_all[1]
        if rw >= 10 and rc >= 10:
            said = "**met** (wall and CPU)"
        elif rw >= 10 or rc >= 10:
            said = f"met on {'wall' if rw >= 10 else 'CPU'} time only"
        else:
            said = "**not met**"
        return f"vs the {name} pandas version {said}: {rw:.1f}x wall, {rc:.1f}x CPU"

    counts = {index: len(df) for index, df in got.items()}
    lines = [
        f"Command: `.venv/bin/python bench/bench_national.py indices --warehouse {warehouse}"
        + (f" --limit {limit}" if limit else "") + (f" --wait-load {wait_load}" if wait_load is not None else "")
        + f"` (one run). {n_rows:,} firm rows (int_firms_cleaned with employment and a county; SYNTHETIC "
        f"data) -> EG gamma {counts['eg']:,} and locational Gini {counts['gini']:,} class-years (cic4), "
        f"LQ {counts['lq']:,} county x year x class rows. Load average (1 min) {load_start:.2f} at the start, "
        f"{load_end:.2f} at the end; 2 cores shared with other engineers. SQL: the dbt models' compiled SQL "
        f"({compiled_from}) in DuckDB {duckdb.__version__}, the cells pass then each mart as a temp table. "
        f"pandas {pd.__version__} on the same rows, fetched to a DataFrame outside the timing: "
        "straightforward = EG gamma and the Gini as a Python function per (year, class) group, the LQ by "
        "groupby sums + transforms, each index from the firm rows; vectorised = one groupby into cells, "
        "then whole-frame groupby sums / sort + cumsum / transforms. Every pandas output equals the SQL "
        "output on every row (merged on the keys, same row counts; numbers to rtol 1e-9). CPU = process time "
        "(DuckDB's threads included). Ratio = pandas / SQL (wall / CPU); an index alone includes the cells "
        "pass on the SQL and vectorised sides, since each needs it.",
        "",
        "| step | SQL wall / CPU s | pandas straightforward wall / CPU s | ratio | pandas vectorised wall / CPU s | ratio |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Target >= 10x (all three): {verdict('straightforward', a_all)}; {verdict('vectorised', v_all)}.",
    ]
    if limit:
        print("\n".join(lines))
        print("(--limit: a correctness run, not appended to bench/RESULTS.md)")
    else:
        _append(lines, "national: firm-level indices (EG gamma, locational Gini, LQ), SQL vs pandas")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``build`` or ``indices``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["build", "indices"])
    p.add_argument("--raw-dir", type=Path)
    p.add_argument("--warehouse", type=Path, required=True)
    p.add_argument("--limit", type=int, help="indices: only the first N firm rows (correctness; not appended)")
    p.add_argument("--wait-load", type=float, help="indices: before timing, wait until the 1-min load average is below this")
    p.add_argument("--max-wait", type=float, default=1200.0, help="indices: longest wait for --wait-load, s")
    a = p.parse_args(argv)
    if a.what == "build":
        bench_build(a.raw_dir.resolve(), a.warehouse.resolve())
    else:
        bench_indices(a.warehouse.resolve(), a.limit, a.wait_load, a.max_wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``agglo demo --scale national``: SYNTHETIC raw data for every province, prefecture and county, and firms.

The province and prefecture files are the demo's (all 31 provinces x 2003-2021, every prefecture); the
county files cover every county-level unit of ``warehouse/seeds/counties.csv`` (2,848 in 31 provinces)
over the county panel years 2011-2022, drawn by the demo's county generator (size classes by county
type; Tibet and Qinghai as highland); ``firms.csv`` has ``n_firm_years`` firm-years
(:mod:`analysis.demo.firms`). Everything is invented and says so. Nothing here is written to
``data/demo/``: write it to a scratch directory (it is about 0.5 GB with 5.4 million firm-years).

Examples
--------
>>> from pathlib import Path
>>> from analysis.demo.national import write_national
>>> write_national(Path("/tmp/agglo-national"), n_firm_years=100_000, provinces=["510000", "110000"])  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from pathlib import Path

import numpy as np

from analysis.demo.common import COUNTY_YEARS, DEFAULT_SEED, load_reference
from analysis.demo.counties import _county_panel
from analysis.demo.firms import generate_firms, write_firms
from analysis.demo.prefectures import _prefecture_employment
from analysis.demo.provinces import _province_panel
from analysis.demo.rows import HEADERS, _county_tables, _province_tables, _write_csv
from analysis.errors import AggloError

#: default size: about 450k firms a year over the 12 county-panel years (>= 5 million firm-years)
DEFAULT_FIRM_YEARS = 5_400_000


def write_national(out_dir: Path, *, seed: int = DEFAULT_SEED, n_firm_years: int = DEFAULT_FIRM_YEARS,
                   provinces: Collection[str] | None = None,
                   progress: Callable[[str], None] = print) -> dict[str, int]:
    """Write the national-scale SYNTHETIC raw files to ``out_dir``; return the rows written per file.

    Parameters
    ----------
    out_dir
        Directory to write the raw CSV files into (created if missing). Not ``data/demo/``.
    seed
        Seed of the generators (same seed, same files).
    n_firm_years
        Rows of ``firms.csv`` (0 = no firms file).
    provinces
        Province codes (``510000``) whose counties are generated (default: all 31); a small sample
        for tests. The province and prefecture files always cover every province.
    progress
        Called with one line per step.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ref = load_reference(county_provinces=None if provinces is None else set(provinces))
    unknown = sorted(set(provinces or []) - {r["province_code"] for r in ref.provinces})
    if unknown or not ref.counties:
        raise AggloError(f"--provinces {','.join(sorted(provinces or []))}: unknown province code(s) "
                         f"{unknown or sorted(provinces or [])}; use six-digit codes of warehouse/seeds/provinces.csv "
                         "(e.g. 510000 for Sichuan)")
    progress(f"agglo demo --scale national: {len(ref.counties):,} counties, seed {seed} -> {out_dir}")
    rng = np.random.default_rng(seed)
    county_rng = np.random.default_rng([seed, 1])
    prov = _province_panel(rng, ref)
    pref_rows = _prefecture_employment(rng, ref, prov.codes, prov.employment)
    county = _county_panel(county_rng, ref)
    progress(f"  county panel drawn ({time.perf_counter() - t0:.1f} s)")
    emp_rows, prov_ind = _province_tables(rng, ref, prov)
    county_ind, county_industry = _county_tables(county_rng, ref, county)
    tables = {"province_sector_employment": emp_rows, "prefecture_sector_employment": [list(r) for r in pref_rows],
              "province_indicators": prov_ind, "county_indicators": county_ind, "county_industry": county_industry}
    counts = {}
    for stem, rows in tables.items():
        _write_csv(out_dir / f"{stem}.csv", HEADERS[stem], rows, seed)
        counts[stem] = len(rows)
        progress(f"  {stem}.csv: {len(rows):,} rows ({time.perf_counter() - t0:.1f} s)")
    if n_firm_years > 0:
        divisions = [d["industry_code"] for d in ref.divisions]
        index = {c: i for i, c in enumerate(county.codes)}
        output = np.zeros((len(county.codes), len(divisions)))
        for code, _year, div, _ent, out, *_ in county.industry_rows:
            output[index[code], divisions.index(div)] += out
        firm_rng = np.random.default_rng([seed, 2])
        firms = generate_firms(firm_rng, county.codes, output / COUNTY_YEARS.size, divisions, n_firm_years)
        progress(f"  {len(firms):,} firm-years drawn ({time.perf_counter() - t0:.1f} s)")
        write_firms(out_dir / "firms.csv", firms, seed, progress)
        counts["firms"] = len(firms)
    (out_dir / "README.md").write_text(
        "# SYNTHETIC national-scale data (agglo demo --scale national)\n\n"
        "Invented numbers shaped like the yearbooks and the industrial enterprise survey, for testing and\n"
        "benchmarking the warehouse at national scale. Not real statistics; no finding about China.\n"
        "Industry codes in firms.csv are synthetic 4-digit classes inside the real CIC divisions.\n",
        encoding="utf-8")
    progress(f"agglo demo --scale national: done in {time.perf_counter() - t0:.1f} s")
    return counts

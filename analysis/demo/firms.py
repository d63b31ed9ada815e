"""SYNTHETIC firm-year rows (``firms.csv``) for ``agglo demo --scale national``, vectorised with numpy.

Firms are invented. Each firm has a county, a CIC division drawn in proportion to the county's
synthetic division output (``county_industry``), a 4-digit class within the division, a size and a
contiguous run of years inside the county panel. Classes are SYNTHETIC 4-digit codes inside the real
CIC divisions (``dd`` + two digits; the seed has no 4-digit list). Geographic concentration is planted:
in each county x division one class is the county's specialty and takes ``SPECIALTY_SHARE`` of the
firms, so EG gamma is positive on average.

The rows are written through DuckDB (one ``COPY``), with the SYNTHETIC banner as the first line.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.demo.common import COUNTY_YEARS, SOURCE

IntArray = npt.NDArray[np.int64]
SPECIALTY_SHARE = 0.6
MEAN_LN_EMPLOYMENT = 3.6  # about 37 persons at the median; the NBS survey's floor is 20m yuan revenue
SD_LN_EMPLOYMENT = 1.0
EXIT_RATE = 0.10  # yearly probability that a firm leaves the panel
FIRMS_HEADER = ["firm_id", "year", "county_code", "industry_code", "employment", "output_10k_yuan", "source"]


@dataclass(frozen=True)
class FirmRows:
    """Firm-year rows as arrays (county and class as indices into ``county_codes`` / ``class_codes``)."""

    firm: IntArray
    year: IntArray
    county: IntArray
    klass: IntArray
    employment: IntArray
    output_10k_yuan: npt.NDArray[np.float64]
    county_codes: list[str]
    class_codes: list[str]

    def __len__(self) -> int:
        return int(self.firm.size)


def class_codes(rng: np.random.Generator, divisions: list[str]) -> tuple[list[str], IntArray, IntArray]:
    """Synthetic 4-digit classes per division: codes, the division of each class, first class per division."""
    codes: list[str] = []
    div_of: list[int] = []
    first = np.zeros(len(divisions) + 1, dtype=np.int64)
    for d, div in enumerate(divisions):
        n_groups = int(rng.integers(2, 7))
        for g in range(1, n_groups + 1):
            for c in range(1, int(rng.integers(1, 6)) + 1):
                codes.append(f"{div}{g}{c}")
                div_of.append(d)
        first[d + 1] = len(codes)
    return codes, np.asarray(div_of, dtype=np.int64), first


def generate_firms(
    rng: np.random.Generator, county_codes: list[str], division_output: npt.NDArray[np.float64],
    divisions: list[str], n_firm_years: int,
) -> FirmRows:
    """Draw firms until the firm-years reach ``n_firm_years`` (then cut to exactly that many rows).

    ``division_output`` is counties x divisions (mean synthetic output); a county or division without
    output gets no firms.
    """
    years = COUNTY_YEARS
    codes, div_of, first = class_codes(rng, divisions)
    n_class = np.diff(first)
    weights = division_output.ravel() / division_output.sum()
    specialty = rng.integers(0, np.maximum(n_class, 1)[None, :].repeat(len(county_codes), 0))
    # expected years per firm in the window (entry: 40% present in the first year, else uniform)
    mean_years = 1.0 / EXIT_RATE * 0.6
    n_firms = int(n_firm_years / mean_years * 1.1) + 10
    cell = rng.choice(weights.size, size=n_firms, p=weights)
    county, div = cell // len(divisions), cell % len(divisions)
    in_spec = rng.uniform(size=n_firms) < SPECIALTY_SHARE
    other = (rng.uniform(size=n_firms) * n_class[div]).astype(np.int64)
    klass = first[div] + np.where(in_spec, specialty[county, div], other)
    start = np.where(rng.uniform(size=n_firms) < 0.4, 0, rng.integers(0, years.size, n_firms))
    duration = np.minimum(rng.geometric(EXIT_RATE, n_firms), years.size - start)
    total = int(duration.sum())
    if total < n_firm_years:
        raise RuntimeError(f"agglo demo: drew {total} firm-years, fewer than {n_firm_years}; raise mean_years")
    firm = np.repeat(np.arange(n_firms, dtype=np.int64), duration)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(duration) - duration, duration)
    year_idx = start[firm] + offsets
    keep = slice(0, n_firm_years)
    firm, year_idx = firm[keep], year_idx[keep]
    ln_size = MEAN_LN_EMPLOYMENT + SD_LN_EMPLOYMENT * rng.standard_normal(n_firms)
    ln_emp = ln_size[firm] + 0.03 * offsets[keep] + 0.1 * rng.standard_normal(firm.size)
    employment = np.maximum(np.rint(np.exp(ln_emp)), 1).astype(np.int64)
    ln_prod = np.log(80.0) + 0.4 * rng.standard_normal(n_firms)  # output per worker, 10k yuan
    output = np.round(employment * np.exp(ln_prod[firm] + 0.04 * year_idx), 1)
    return FirmRows(firm, years[year_idx].astype(np.int64), county[firm], klass[firm], employment, output,
                    list(county_codes), codes)


def write_firms(path: Path, rows: FirmRows, seed: int, progress: Callable[[str], None] = print) -> None:
    """Write ``firms.csv`` (banner line, header, rows sorted by firm and year) through one DuckDB COPY."""
    t0 = time.perf_counter()
    frame = pd.DataFrame({"firm": rows.firm, "year": rows.year, "county": rows.county, "klass": rows.klass,
                          "employment": rows.employment, "output": rows.output_10k_yuan})
    counties = pd.DataFrame({"county": np.arange(len(rows.county_codes)), "county_code": rows.county_codes})
    classes = pd.DataFrame({"klass": np.arange(len(rows.class_codes)), "industry_code": rows.class_codes})
    body = path.with_suffix(".body.tmp")
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        con.register("frame", frame)
        con.register("counties", counties)
        con.register("classes", classes)
        con.execute(f"""
            copy (
                select 'F' || lpad(cast(f.firm + 1 as varchar), 8, '0') as firm_id, f.year,
                       c.county_code, k.industry_code, f.employment,
                       printf('%.1f', f.output) as output_10k_yuan, '{SOURCE}' as source
                from frame as f
                join counties as c using (county)
                join classes as k using (klass)
                order by f.firm, f.year
            ) to '{body}' (header true, delimiter ',', quote '"')
        """)
    finally:
        con.close()
    with path.open("wb") as out, body.open("rb") as src:
        out.write(f"# SYNTHETIC DEMO DATA generated by agglo demo --scale national (seed={seed}) "
                  "- not real statistics\n".encode())
        shutil.copyfileobj(src, out, length=16 << 20)
    body.unlink()
    progress(f"  firms.csv: {len(rows):,} firm-years written in {time.perf_counter() - t0:.1f} s")

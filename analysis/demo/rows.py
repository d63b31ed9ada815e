"""Long rows of the SYNTHETIC demo: interior gaps, names instead of codes, old county codes, other units, CSV writing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from analysis.demo.common import (
    COUNTY_YEARS,
    PROVINCE_YEARS,
    SECTIONS,
    SOURCE,
    UNIT_DECIMALS,
    FloatArray,
    Reference,
    _catalog,
    _fmt,
)
from analysis.demo.counties import (
    CountyPanel,
)
from analysis.demo.provinces import (
    _AMI_SHAPE,
    ProvincePanel,
)

# --------------------------------------------------------------------------------------------------
# long rows, gaps, aliases, alternative units, writing
# --------------------------------------------------------------------------------------------------

#: indicators that may get interior gaps (never the regressors of the planted relationships)
_GAP_PROVINCE = set(_AMI_SHAPE) | {"urbanisation_rate_pct", "imports_exports_100m_yuan"}
_GAP_COUNTY = {
    "infrastructure_investment_10k_yuan", "industry_associations", "producer_service_enterprises",
    "per_capita_income_yuan", "per_capita_retail_sales_yuan", "exports_10k_usd",
    "service_output_10k_yuan", "patent_applications", "hightech_enterprises", "higher_edu_share_pct",
}
GAP_SHARE = 0.01


def _interior_gaps(
    rng: np.random.Generator, values: dict[str, FloatArray], eligible: set[str],
) -> dict[str, FloatArray]:
    """Drop about GAP_SHARE of all values, only strictly inside a series and never two in a row."""
    out = {k: v.copy() for k, v in values.items()}
    n_total = sum(int(np.isfinite(v).sum()) for v in values.values())
    target = int(round(GAP_SHARE * n_total))
    keys = sorted(eligible & set(values))
    dropped = 0
    while dropped < target:
        code = keys[int(rng.integers(len(keys)))]
        arr = out[code]
        i = int(rng.integers(arr.shape[0]))
        ok = np.flatnonzero(np.isfinite(arr[i]))
        if ok.size < 5:
            continue
        ti = int(rng.integers(ok[1], ok[-1]))  # strictly inside [first, last]
        if ti == ok[0] or not np.isfinite(arr[i, ti]) or not np.isfinite(arr[i, ti - 1]) \
                or not np.isfinite(arr[i, ti + 1]):
            continue
        arr[i, ti] = np.nan
        dropped += 1
    return out


def _indicator_rows(
    codes: Sequence[str], years: npt.NDArray[np.int64], values: dict[str, FloatArray],
    catalog: dict[str, dict[str, str]],
) -> list[list[str]]:
    rows: list[list[str]] = []
    for code, arr in values.items():
        unit = catalog[code]["unit"]
        for i, key in enumerate(codes):
            for ti, year in enumerate(years):
                x = arr[i, ti]
                if np.isfinite(x):
                    rows.append([key, str(year), code, _fmt(x, UNIT_DECIMALS[unit]), unit, SOURCE])
    return rows


def _old_code_map(ref: Reference) -> dict[str, tuple[str, int]]:
    """Map current code -> (2011-vintage code, first year of the current code)."""
    out: dict[str, tuple[str, int]] = {}
    for r in ref.code_changes:
        old, new = r["old_code"].strip(), r["new_code"].strip()
        if old.isdigit() and len(old) == 6 and old != new:
            out[new] = (old, int(r["approx_effective"][:4]))
    return out


def _vintage(code: str, year: int, old: dict[str, tuple[str, int]]) -> str:
    """The code a yearbook of ``year`` would print: the old code before the change year."""
    if code in old and year < old[code][1]:
        return old[code][0]
    return code


#: rows written with a name instead of a code (alias resolution): (code, year, written name)
_PROVINCE_NAME_ROWS = [("510000", 2005, " 四川省"), ("510000", 2012, " 四川省"), ("510000", 2019, "四川"),
                       ("440000", 2010, "广东"), ("330000", 2015, "Zhejiang")]
_COUNTY_NAME_ROWS = [("510117", 2018, " 郫都区 "), ("510117", 2021, "郫都区"), ("510781", 2014, "江油市"),
                     ("510107", 2020, "武侯区 ")]


def _apply_names(rows: list[list[str]], named: Sequence[tuple[str, int, str]], per_key: int) -> None:
    """Replace the code by a name in the first ``per_key`` rows of each (code, year)."""
    for code, year, name in named:
        hits = [r for r in rows if r[0] == code and r[1] == str(year)][:per_key]
        for r in hits:
            r[0] = name


def _alt_units(rows: list[list[str]]) -> None:
    """A handful of rows in another unit that ``unit_conversions`` converts exactly."""
    for r in rows:
        if r[2] == "fdi_10k_usd" and r[0] in {"350000", "520000"} and r[1] in {"2007", "2013"}:
            r[3], r[4] = f"{round(float(r[3]) * 10):d}000", "usd"
        elif r[2] == "gdp_10k_yuan" and r[0] in {"510603", "511302"} and r[1] in {"2012", "2020"}:
            r[4] = "万元"


def _sort_key(r: Sequence[str]) -> tuple[str, ...]:
    return tuple(r[:3])


def _province_tables(
    rng: np.random.Generator, ref: Reference, panel: ProvincePanel,
) -> tuple[list[list[str]], list[list[str]]]:
    emp_rows: list[list[str]] = []
    for i, code in enumerate(panel.codes):
        for ti, year in enumerate(PROVINCE_YEARS):
            for j, sec in enumerate(SECTIONS):
                emp_rows.append([code, str(year), sec, f"{panel.employment[i, ti, j]:.2f}", SOURCE])
    values = _interior_gaps(rng, panel.values, _GAP_PROVINCE)
    ind_rows = _indicator_rows(panel.codes, PROVINCE_YEARS, values, _catalog(ref, "province"))
    _alt_units(ind_rows)
    emp_rows.sort(key=_sort_key)
    ind_rows.sort(key=_sort_key)
    _apply_names(emp_rows, _PROVINCE_NAME_ROWS, per_key=2)
    _apply_names(ind_rows, _PROVINCE_NAME_ROWS, per_key=3)
    emp_rows.sort(key=_sort_key)
    ind_rows.sort(key=_sort_key)
    return emp_rows, ind_rows


def _county_tables(
    rng: np.random.Generator, ref: Reference, panel: CountyPanel,
) -> tuple[list[list[str]], list[list[str]]]:
    values = _interior_gaps(rng, panel.values, _GAP_COUNTY)
    ind_rows = _indicator_rows(panel.codes, COUNTY_YEARS, values, _catalog(ref, "county"))
    _alt_units(ind_rows)
    ind_rows.sort(key=_sort_key)
    _apply_names(ind_rows, _COUNTY_NAME_ROWS, per_key=2)
    old = _old_code_map(ref)
    for r in ind_rows:
        if r[0].isdigit():
            r[0] = _vintage(r[0], int(r[1]), old)
    ind_rows.sort(key=_sort_key)
    ind_out: list[list[str]] = []
    for code, year, div, ent, out, va, emp, assets in panel.industry_rows:
        ind_out.append([_vintage(code, int(year), old), year, div, f"{ent:.0f}", f"{out:.1f}",
                        f"{va:.1f}", f"{emp:.0f}", f"{assets:.1f}", SOURCE])
    ind_out.sort(key=_sort_key)
    return ind_rows, ind_out


HEADERS = {
    "province_sector_employment": ["province_code", "year", "sector_code", "employment_10k", "source"],
    "prefecture_sector_employment": ["prefecture_code", "year", "sector_code", "employment_10k", "source"],
    "province_indicators": ["province_code", "year", "indicator_code", "value", "unit", "source"],
    "county_indicators": ["county_code", "year", "indicator_code", "value", "unit", "source"],
    "county_industry": ["county_code", "year", "industry_code", "enterprises", "output_value_10k_yuan",
                        "value_added_10k_yuan", "employment_persons", "total_assets_10k_yuan", "source"],
}


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], seed: int) -> None:
    buf = io.StringIO(newline="")
    buf.write(f"# SYNTHETIC DEMO DATA generated by agglo demo (seed={seed}) - not real statistics\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))

"""NBS data-portal exports (CSV classic, CSV 2025/26, XLS/XLSX): one layout on any container.

The portal writes the same lines whatever the container::

    数据库：分省年度数据
    指标：地区生产总值(亿元)          (absent in the 2025/26 export)
    时间：最近20年
    地区,2024年,2023年,...           (years descending)
    北京市,49670.2,47353.7,...
    ...
    注：1.……                         (continuation lines start with U+3000)
    数据来源：国家统计局

:mod:`analysis.ingest.cells` has already decoded the bytes (GBK or UTF-8 with BOM), removed the TAB
before each comma (2025/26) and turned spreadsheet cells into text, so this module only reads the
grid. The header lines may be missing (a user deleted them in Excel): the header row ``地区`` (or
``指标`` for a one-region transposed export) is what identifies the layout.
"""

from __future__ import annotations

import re

from analysis.errors import AggloError
from analysis.ingest.cells import Sheet
from analysis.ingest.records import (
    MISSING,
    Observation,
    ParsedFile,
    header_year,
    norm_text,
    split_unit,
)

META_RE = re.compile(r"^(数据库|指标|时间)\s*[:：]\s*(.*)$")
FOOT_RE = re.compile(r"^(注|数据来源)\s*[:：]")


def find_header(sheet: Sheet) -> tuple[int, str] | None:
    """Row index and kind (``地区`` or ``指标``) of the portal header row, or None."""
    for r, row in enumerate(sheet.rows[:12]):
        first = norm_text(row[0]) if row else ""
        if first in ("地区", "指标") and sum(header_year(c) is not None for c in row[1:]) >= 1:
            return r, first
    return None


def parse_nbs(sheet: Sheet, parsed: ParsedFile, *, known_units: set[str], indicator: str | None,
              region: str | None) -> None:
    """Fill ``parsed`` from a portal sheet (wide: regions x years; transposed: indicators x years).

    Parameters
    ----------
    sheet : Sheet
        The grid.
    parsed : ParsedFile
        Filled in place (database, series, notes, observations).
    known_units : set of str
        Units recognised in ``name(unit)`` labels (``unit_conversions.from_unit`` and catalog units).
    indicator : str or None
        ``--indicator``: the indicator name (or catalog code) when the file names none (2025/26).
    region : str or None
        ``--region``: the region of a one-region transposed export.
    """
    found = find_header(sheet)
    if found is None:
        raise AggloError(f"{parsed.display}: no header row 地区,<year>年,... in the first 12 rows")
    header_row, kind = found
    meta: dict[str, str] = {}
    for row in sheet.rows[:header_row]:
        m = META_RE.match(row[0].strip()) if row else None
        if m:
            meta[m.group(1)] = m.group(2).strip()
    parsed.database = meta.get("数据库", "")
    years = {c: header_year(t) for c, t in enumerate(sheet.rows[header_row]) if c > 0}
    year_cols = {c: y for c, y in years.items() if y is not None}
    body_end = _footer(sheet, header_row, parsed)
    if kind == "指标":
        _transposed(sheet, parsed, header_row, body_end, year_cols, known_units, region)
        return
    name, unit = _indicator(meta, parsed, known_units, indicator)
    parsed.series = name
    for r in range(header_row + 1, body_end):
        label = sheet.cell(r, 0)
        if label:
            _row_observations(sheet, r, year_cols, parsed, region=label, series=name, unit=unit)


def _row_observations(sheet: Sheet, r: int, year_cols: dict[int, int], parsed: ParsedFile, *,
                      region: str, series: str, unit: str) -> None:
    """One observation per filled year cell of row ``r`` (empty, ``…``, ``-`` cells are counted missing)."""
    for c, year in year_cols.items():
        text = sheet.cell(r, c)
        if text.strip().lower() in MISSING:
            parsed.missing_cells += 1
            continue
        parsed.observations.append(Observation(
            region=region, region_en="", year=year, series=series, column="", unit=unit,
            value=text.strip(), where=sheet.where(r, c), row_where=sheet.row_where(r)))


def _footer(sheet: Sheet, header_row: int, parsed: ParsedFile) -> int:
    """Collect ``注：`` footnotes (with continuation lines); return the first row after the data."""
    end = len(sheet.rows)
    for r in range(header_row + 1, len(sheet.rows)):
        first = sheet.cell(r, 0).strip()
        if FOOT_RE.match(first):
            end = r
            break
    for r in range(end, len(sheet.rows)):
        text = " ".join(c.strip() for c in sheet.rows[r] if c.strip())
        if text and not text.startswith("数据来源"):
            parsed.notes.append(" ".join(text.split()))
    return end


def _indicator(meta: dict[str, str], parsed: ParsedFile, known_units: set[str],
               indicator: str | None) -> tuple[str, str]:
    if "指标" in meta and meta["指标"]:
        return split_unit(meta["指标"], known_units)
    if indicator:
        return split_unit(indicator, known_units)
    raise AggloError(
        f"{parsed.display}: the file names no indicator (no 指标： line: the 2025/26 portal export "
        "leaves it out); give it with --indicator, e.g. --indicator gdp_100m_yuan or "
        "--indicator '地区生产总值(亿元)', one file at a time")


def _transposed(sheet: Sheet, parsed: ParsedFile, header_row: int, body_end: int,
                year_cols: dict[int, int], known_units: set[str], region: str | None) -> None:
    """One region, indicators as rows: the region comes from ``--region``."""
    if not region:
        raise AggloError(
            f"{parsed.display}: a one-region export (first header cell 指标, indicators as rows) names "
            "no region anywhere; give it with --region NAME (e.g. --region 北京), one file at a time")
    parsed.series = "(transposed: one indicator per row)"
    for r in range(header_row + 1, body_end):
        label = sheet.cell(r, 0)
        if not label:
            continue
        name, unit = split_unit(label, known_units)
        _row_observations(sheet, r, year_cols, parsed, region=region, series=name, unit=unit)

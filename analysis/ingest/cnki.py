r"""China (Science and Technology) Statistical Yearbook tables as CNKI and 搜数网 deliver them.

Layout (any container: encrypted BIFF8 ``.xls`` decrypted by :mod:`analysis.ingest.cells`, a re-saved
``.xls``/``.xlsx``, or an HTML table saved as ``.xls``)::

    [中国科技统计年鉴—2014 | 七、科技活动成果]        optional first row (2013 files)
    8-8 国内三种专利授权数按地区分布(2017年)            table number, title, data year
    Three Kinds of Domestic Patents ...                English title
    单位:件 / 单位：件                                   unit (half- or full-width colon)
    (piece)
    地 区 | Region | 合计\r\nTotal |                   two-row bilingual header, merged cells
          |        |            | 发明\r\nInvention | ...
    全 国 | National Total | '1720828' | ...            numbers often stored as text
    北 京 | Beijing | '106948' | ...

A sheet may hold two stacked parts (``7-6 续表1``), and a workbook continues a table on another
sheet (``3``); the sheet ``CNKI`` (only a URL) is ignored. The column label is the Chinese text of the
header cells above the column, whitespace and English lines removed (``合计``, ``发明``,
``地方一般公共预算支出``).
"""

from __future__ import annotations

import re

from analysis.errors import AggloError
from analysis.ingest.cells import Sheet
from analysis.ingest.records import MISSING, Observation, ParsedFile, norm_text

TITLE_RE = re.compile(r"^\s*(?P<table>\d{1,2}\s*-\s*\d{1,3})\s*(?P<title>.*)$")
YEAR_IN_TITLE_RE = re.compile(r"[（(]\s*(\d{4})\s*年\s*[)）]")
SOSHU_RE = re.compile(r"^中国\s*(?P<year>\d{4})\s*年(?P<title>.+?)(统计)?$")
UNIT_LINE_RE = re.compile(r"^单位\s*[:：]\s*(?P<unit>.+)$")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
NUMBER_RE = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?$|^[-+]?\.\d+$")


def is_number(text: str) -> bool:
    """True for ``1163226``, ``'7408.19``, ``-2.5``, ``1,234`` (the published forms)."""
    return bool(NUMBER_RE.match(text.strip()))


def yearbook_title(sheet: Sheet) -> tuple[str, str, int | None] | None:
    """(table number, title, data year) from the first rows, or None if the sheet has no title."""
    for row in sheet.rows[:4]:
        first = row[0].strip() if row else ""
        m = TITLE_RE.match(first)
        if m and CJK_RE.search(m.group("title")) and "续表" not in first:
            title = m.group("title")
            ym = YEAR_IN_TITLE_RE.search(title)
            title = YEAR_IN_TITLE_RE.sub("", title).strip()
            return re.sub(r"\s+", "", m.group("table")), title, int(ym.group(1)) if ym else None
        s = SOSHU_RE.match(first)
        if s:
            return "", s.group("title").strip(), int(s.group("year"))
    return None


def is_yearbook(sheets: list[Sheet]) -> bool:
    """A yearbook table: a titled first data sheet with a ``地区``/``行业`` header row."""
    data = [s for s in sheets if (s.name or "").upper() != "CNKI"]
    return bool(data) and yearbook_title(data[0]) is not None


def _column_label(texts: list[str]) -> str:
    """Chinese label of a column from its header cells: English lines and whitespace removed."""
    parts = []
    for text in texts:
        for line in re.split(r"[\r\n]+", text):
            if CJK_RE.search(line):
                parts.append(line)
    return norm_text("".join(parts)).lstrip("#")


def _is_header_start(first: str) -> bool:
    n = norm_text(first)
    return n in ("地区", "行业") or "续表" in first or bool(TITLE_RE.match(first) and CJK_RE.search(first))


def parse_yearbook(sheets: list[Sheet], parsed: ParsedFile) -> None:
    """Fill ``parsed`` with every value cell of a yearbook table (all sheets but ``CNKI``)."""
    data = [s for s in sheets if (s.name or "").upper() != "CNKI"]
    titled = yearbook_title(data[0])
    assert titled is not None
    parsed.table, parsed.series, year = titled
    if year is None:
        raise AggloError(f"{parsed.display}: the title {parsed.series!r} gives no data year ((2018年)); "
                         "the year of a yearbook table comes from its title")
    unit = ""
    for sheet in data:
        unit = _sheet_unit(sheet) or unit
        _parse_sheet(sheet, parsed, year, unit)


def _sheet_unit(sheet: Sheet) -> str:
    for row in sheet.rows[:8]:
        for cell in row[:4]:
            m = UNIT_LINE_RE.match(cell.strip())
            if m:
                return m.group("unit").strip()
    return ""


def _parse_sheet(sheet: Sheet, parsed: ParsedFile, year: int, unit: str) -> None:
    header: list[int] = []
    labels: dict[int, str] = {}
    en_col: int | None = None
    in_data = False
    for r, row in enumerate(sheet.rows):
        first = row[0].strip() if row else ""
        if first.startswith(("注", "Note")) and in_data:
            parsed.notes.append(" ".join(" ".join(c for c in row if c.strip()).split()))
            continue
        if in_data and _is_header_start(first):
            header, in_data = [r], False
            continue
        values_start = 2 if len(row) > 1 and re.search(r"[A-Za-z]", row[1]) and not is_number(row[1]) else 1
        is_data = bool(first) and not UNIT_LINE_RE.match(first) and any(
            is_number(c) for c in row[values_start:])
        if not in_data:
            if not is_data:
                header.append(r)
                continue
            in_data = True
            en_col = 1 if values_start == 2 else None
            width = max(len(sheet.rows[h]) for h in header) if header else len(row)
            start = 2 if en_col is not None else 1
            labels = {c: _column_label([sheet.cell(h, c) for h in header]) for c in range(start, width)}
        if not first:
            continue
        for c, label in labels.items():
            text = sheet.cell(r, c).strip()
            if text.lower() in MISSING:
                parsed.missing_cells += 1
                continue
            parsed.observations.append(Observation(
                region=first, region_en=sheet.cell(r, en_col).strip() if en_col is not None else "",
                year=year, series=parsed.series, column=label or f"column {c + 1}", unit=unit,
                value=text, where=sheet.where(r, c), row_where=sheet.row_where(r)))

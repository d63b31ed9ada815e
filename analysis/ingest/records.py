"""What a layout parser hands on: one :class:`ParsedFile` of :class:`Observation` records.

A parser (:mod:`analysis.ingest.nbs`, :mod:`analysis.ingest.cnki`) turns a sheet's cells into
observations exactly as published (region label as printed, value text as printed, unit as printed);
:mod:`analysis.ingest.run` resolves names, indicators and units afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# Text read as "no value" (empty cells, yearbook dashes and ellipses): never zero.
MISSING = frozenset(["", "-", "--", "—", "——", "–", "…", "……", "...", "..", "na", "n/a", "null", "nan"])


@dataclass(frozen=True)
class Observation:
    """One published value: a region, a year, a series (indicator or table column) and its text."""

    region: str
    region_en: str
    year: int
    series: str
    column: str
    unit: str
    value: str
    where: str
    row_where: str


@dataclass
class ParsedFile:
    """A file read by a layout parser.

    Attributes
    ----------
    path : Path
        The file.
    display : str
        The name written into ``source`` (path relative to the ingest argument's parent).
    format : str
        Detected format (``nbs_portal_csv_classic``, ``nbs_portal_csv_2025``, ``nbs_portal_xls``,
        ``cnki_xls_encrypted``, ``cnki_html``, ...).
    database : str
        NBS ``数据库：`` line (empty for yearbooks).
    table : str
        Yearbook table number (``8-8``) or empty.
    series : str
        Indicator name (NBS) or table title (yearbook), without unit, table number and year.
    notes : list of str
        Footnotes (``注：...`` with continuation lines), kept in ``source``.
    observations : list of Observation
    """

    path: Path
    display: str
    format: str
    database: str = ""
    table: str = ""
    series: str = ""
    notes: list[str] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    missing_cells: int = 0


def norm_text(text: str) -> str:
    """NFKC (full-width -> ASCII punctuation), whitespace removed, lower case: the matching form."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[（(](?P<unit>[^()（）]{1,12})[)）]\s*$")


def split_unit(label: str, known_units: set[str]) -> tuple[str, str]:
    """Split ``地区生产总值(亿元)`` into (``地区生产总值``, ``亿元``); the unit must be a known one.

    Examples
    --------
    >>> split_unit("人口数(人口抽样调查)(人)", {"人"})
    ('人口数(人口抽样调查)', '人')
    >>> split_unit("地区生产总值", {"亿元"})
    ('地区生产总值', '')
    """
    label = label.strip()
    m = UNIT_RE.match(label)
    if m and m.group("unit").strip() in known_units:
        return m.group("name").strip(), m.group("unit").strip()
    return label, ""


YEAR_RE = re.compile(r"^(\d{4})(?:\.0+)?\s*年?$")


def header_year(text: str) -> int | None:
    """``2021年`` / ``2021`` / ``2021.0`` -> 2021, else None."""
    m = YEAR_RE.match(text.strip())
    return int(m.group(1)) if m and 1900 <= int(m.group(1)) <= 2100 else None

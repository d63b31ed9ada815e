"""Read any supported file into sheets of text cells (the container layer of ``agglo ingest``).

The container is recognised from the file's bytes, never from its name:

- OLE2 compound file (``D0 CF 11 E0``): a BIFF8 ``.xls``. CNKI's yearbook files are encrypted with
  Excel's default read-only password ``VelvetSweatshop``; they are decrypted in memory with
  ``msoffcrypto-tool`` and then read with ``xlrd``.
- ZIP (``PK``): an ``.xlsx`` workbook read with ``openpyxl``.
- Text starting (after blank lines and comments) with HTML markup: an HTML page saved with the
  ``.xls`` extension (搜数网 / soshoo); every ``<table>`` becomes rows of cells.
- Any other text: CSV, UTF-8 (with or without BOM) or else GBK/GB18030 (the classic NBS portal
  export). A TAB before each comma (2025/26 portal) is removed.

Every cell is text: numeric cells are written without a spurious ``.0`` (``100578.0`` -> ``100578``),
so the values of CSV, text-in-Excel and numeric-Excel files compare equal. Each cell keeps where it
was read (``cell C7`` of a sheet, ``line 6, field 3`` of a CSV), for the ``source`` column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from analysis.errors import AggloError

DEFAULT_PASSWORD = "VelvetSweatshop"  # Excel's built-in "write protection" password (CNKI files)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    """One sheet (or CSV file, or HTML table) as rows of text cells.

    Attributes
    ----------
    name : str or None
        Sheet name (None for a CSV file).
    rows : list of list of str
        Cell texts, row by row (ragged rows allowed).
    is_text : bool
        True for CSV/HTML (cells located by line and field), False for spreadsheets (A1 cells).
    line_numbers : list of int
        For CSV: the 1-based physical line of each row (records may span lines).
    """

    name: str | None
    rows: list[list[str]]
    is_text: bool = False
    line_numbers: list[int] = field(default_factory=list)

    def cell(self, r: int, c: int) -> str:
        """Text of row ``r``, column ``c`` (0-based; empty outside the row)."""
        row = self.rows[r] if r < len(self.rows) else []
        return row[c] if c < len(row) else ""

    def where(self, r: int, c: int) -> str:
        """Human location of a cell: ``sheet 1-2 cell C7`` or ``line 6 field 3``."""
        if self.is_text:
            line = self.line_numbers[r] if r < len(self.line_numbers) else r + 1
            return f"line {line} field {c + 1}"
        prefix = f"sheet {self.name} " if self.name else ""
        return f"{prefix}cell {column_letter(c)}{r + 1}"

    def row_where(self, r: int) -> str:
        """Human location of a row (for error messages)."""
        if self.is_text:
            return f"line {self.line_numbers[r] if r < len(self.line_numbers) else r + 1}"
        return (f"sheet {self.name} " if self.name else "") + f"row {r + 1}"


@dataclass
class Container:
    """A file read into sheets, with what it was recognised as."""

    kind: str  # csv_utf8_bom, csv_utf8, csv_gbk, xls, xls_encrypted, xlsx, html
    sheets: list[Sheet]
    text_has_tabs: bool = False  # CSV cells ended in TAB (2025/26 portal)


def column_letter(c: int) -> str:
    """Excel column letters of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def number_text(value: float) -> str:
    """A numeric cell as text without float noise (``100578.0`` -> ``100578``)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def read_container(path: Path) -> Container:
    """Read ``path`` into sheets, recognising the container from its bytes.

    Raises
    ------
    AggloError
        When the file cannot be opened as any supported container (message names the file).
    """
    data = path.read_bytes()
    if not data.strip():
        raise AggloError(f"{path}: the file is empty; download it again")
    if data.startswith(OLE2_MAGIC):
        return _read_xls(path, data)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, data)
    text, kind = _decode_text(path, data)
    head = re.sub(r"<!--.*?-->", "", text[:4000], flags=re.S).lstrip().lower()
    if head.startswith(("<html", "<!doctype html", "<table", "<head", "<meta")):
        return Container("html", _read_html(text))
    return _read_csv(text, kind)


def _decode_text(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:2000]:
        raise AggloError(f"{path}: binary file of no supported kind (CSV, XLS, XLSX, HTML table); "
                         "export the table from the NBS portal or open it in Excel and save as XLSX")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "csv_utf8_bom"
    try:
        return data.decode("utf-8"), "csv_utf8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "csv_gbk"
    except UnicodeDecodeError as exc:
        raise AggloError(f"{path}: text is neither UTF-8 nor GBK (byte {exc.start}); save it as CSV UTF-8") from exc


def _read_csv(text: str, kind: str) -> Container:
    physical = io.StringIO(text, newline="").readlines()
    reader = csv.reader(physical)
    rows: list[list[str]] = []
    lines: list[int] = []
    has_tabs = False
    start = 1
    try:
        for record in reader:
            if any(f.endswith("\t") for f in record):
                has_tabs = True
            rows.append([f.rstrip("\t").strip() for f in record])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise AggloError(f"line {start}: CSV syntax error ({exc}); export the file again") from exc
    return Container(kind, [Sheet(None, rows, is_text=True, line_numbers=lines)], text_has_tabs=has_tabs)


def decrypt_office(data: bytes, password: str = DEFAULT_PASSWORD) -> tuple[bytes, bool]:
    """Decrypt an encrypted Office file (CNKI's read-only protection); return (bytes, was_encrypted)."""
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    if not office.is_encrypted():
        return data, False
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue(), True


def _read_xls(path: Path, data: bytes) -> Container:
    import xlrd

    try:
        data, encrypted = decrypt_office(data)
    except Exception as exc:  # msoffcrypto raises several types for a wrong password or a bad file
        raise AggloError(f"{path}: encrypted workbook that the default password {DEFAULT_PASSWORD!r} does "
                         f"not open ({exc}); open it in Excel, remove the password and save it again") from exc
    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:  # xlrd.XLRDError and struct errors on damaged files
        raise AggloError(f"{path}: not a readable Excel 97-2003 workbook ({exc}); open it in Excel and "
                         "save it as XLSX") from exc
    sheets = []
    for sh in book.sheets():
        rows = []
        for r in range(sh.nrows):
            row = []
            for cell in sh.row(r):
                if cell.ctype in (xlrd.XL_CELL_NUMBER,):
                    row.append(number_text(cell.value))
                else:
                    row.append(str(cell.value).strip() if cell.value is not None else "")
            rows.append(row)
        sheets.append(Sheet(sh.name, rows))
    return Container("xls_encrypted" if encrypted else "xls", sheets)


def _read_xlsx(path: Path, data: bytes) -> Container:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException
        raise AggloError(f"{path}: a ZIP file that is not an Excel workbook ({exc})") from exc
    sheets = []
    for ws in book.worksheets:
        ws.reset_dimensions()  # the declared dimension of hand-edited files can be wrong (1 row)
        rows = []
        for values in ws.iter_rows(values_only=True):
            row = []
            for v in values:
                if isinstance(v, bool) or v is None:
                    row.append("" if v is None else str(v))
                elif isinstance(v, int | float):
                    row.append(number_text(float(v)))
                else:
                    row.append(str(v).strip())
            rows.append(row)
        sheets.append(Sheet(ws.title, rows))
    book.close()
    return Container("xlsx", sheets)


class _TableParser(HTMLParser):
    """Collect the cells of every ``<table>`` (one :class:`Sheet` per table)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.titles: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._div: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "div" and dict(attrs).get("id") == "tti":
            self._div = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "div" and self._div is not None:
            self.titles.append("".join(self._div).strip())
            self._div = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._div is not None:
            self._div.append(data)


def _read_html(text: str) -> list[Sheet]:
    parser = _TableParser()
    parser.feed(text)
    rows: list[list[str]] = [[t] for t in parser.titles]
    for table in parser.tables:  # the unit line and the data table are separate <table>s
        rows += table
    return [Sheet("html", rows, is_text=False)]

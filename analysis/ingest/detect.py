"""Recognise a file's format from its content and hand it to the right layout parser.

Container (bytes) first (:func:`analysis.ingest.cells.read_container`), then layout (cells):

| format | container | layout |
|---|---|---|
| ``nbs_portal_csv_classic`` | GBK (or UTF-8 without tabs) CSV | ``地区,<year>年,...`` portal grid |
| ``nbs_portal_csv_2025`` | UTF-8 with BOM, TAB before every comma | portal grid, no ``指标：`` line |
| ``nbs_portal_xls`` / ``nbs_portal_xlsx`` | BIFF8 / OOXML workbook | portal grid in cells |
| ``..._transposed`` suffix | any of the above | ``指标,<year>年,...``: one region, indicators as rows |
| ``cnki_xls_encrypted`` / ``cnki_xls`` / ``cnki_xlsx`` / ``cnki_html`` | workbook or HTML table | yearbook table (title ``8-8 ...(2017年)``) |

A file that is none of these is refused with a message naming it.
"""

from __future__ import annotations

from pathlib import Path

from analysis.errors import AggloError
from analysis.ingest.cells import read_container
from analysis.ingest.cnki import is_yearbook, parse_yearbook
from analysis.ingest.nbs import find_header, parse_nbs
from analysis.ingest.records import ParsedFile


def read_file(path: Path, display: str, *, known_units: set[str], indicator: str | None = None,
              region: str | None = None) -> ParsedFile:
    """Detect the format of ``path`` and parse it.

    Parameters
    ----------
    path : Path
        The file.
    display : str
        Its name in ``source`` and messages.
    known_units : set of str
        Units recognised in ``name(unit)`` labels.
    indicator, region : str, optional
        ``--indicator`` / ``--region`` (needed by 2025/26 portal CSVs and transposed exports).

    Returns
    -------
    ParsedFile

    Raises
    ------
    AggloError
        A file of none of the supported formats, or one that needs ``--indicator``/``--region``.
    """
    try:
        container = read_container(path)
    except AggloError as exc:
        msg = str(exc)
        raise AggloError(msg if msg.startswith(str(path)) else f"{display}: {msg}") from exc
    sheets = [s for s in container.sheets if s.rows]
    if not sheets:
        raise AggloError(f"{display}: no sheet with data")
    portal = next((s for s in sheets if find_header(s) is not None), None)
    if portal is not None:
        kind = find_header(portal)
        fmt = {"csv_gbk": "nbs_portal_csv_classic", "csv_utf8": "nbs_portal_csv_classic",
               "csv_utf8_bom": "nbs_portal_csv_classic", "xls": "nbs_portal_xls",
               "xls_encrypted": "nbs_portal_xls", "xlsx": "nbs_portal_xlsx",
               "html": "nbs_portal_html"}[container.kind]
        if container.text_has_tabs:
            fmt = "nbs_portal_csv_2025"
        if kind and kind[1] == "指标":
            fmt += "_transposed"
        parsed = ParsedFile(path=path, display=display, format=fmt)
        parse_nbs(portal, parsed, known_units=known_units, indicator=indicator, region=region)
        return parsed
    if is_yearbook(sheets):
        fmt = {"xls_encrypted": "cnki_xls_encrypted", "xls": "cnki_xls", "xlsx": "cnki_xlsx",
               "html": "cnki_html"}.get(container.kind, "cnki_" + container.kind)
        parsed = ParsedFile(path=path, display=display, format=fmt)
        parse_yearbook(sheets, parsed)
        return parsed
    raise AggloError(
        f"{display}: not a recognised table (read as {container.kind}): neither an NBS portal export "
        "(a header row 地区,<year>年,... or 指标,<year>年,...) nor a yearbook table (a title such as "
        "'8-8 国内三种专利授权数按地区分布(2017年)' in the first rows). Export the table again from "
        "data.stats.gov.cn or CNKI, or write the contract CSV by hand (docs/data_contract.md)")

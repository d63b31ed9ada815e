"""Reading a raw CSV into DuckDB with the file line of every row.

:func:`load_raw` checks the encoding (streamed, so a file of millions of rows is never held as one
Python string), the header and the field count of every line, and leaves a DuckDB table ``raw_text``:
``_line`` (1-based line of the row in the file, counting comment and header lines) and every contract
column as text. Lines are read by DuckDB one per row (``read_csv`` with one VARCHAR column, no
quoting: the row number is the line number); a line without quotes is split on commas in SQL, a line
with quotes is parsed by Python's :mod:`csv` (exact RFC 4180 quoting). A file whose quoted fields span
lines, with lone carriage returns, or with bytes DuckDB cannot read line by line is parsed wholly by
:mod:`csv` instead (slower, same result).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.warehouse.contract import RawFileSpec
from analysis.warehouse.problems import Problem

CHUNK_BYTES = 1 << 24
#: Every character Python's str.strip() removes (the Python checks strip text the same way).
WHITESPACE = "".join(chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace())
#: Offending rows fetched per check (the rest are counted): a message lists at most 200 anyway.
MAX_ROWS_PER_CHECK = 1000


def sql_text(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


#: An RE2 character class of exactly those characters.
WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"


def sql_strip(expr: str) -> str:
    """SQL for Python's ``str.strip()`` of a text expression (a regex only where an end is not plain ASCII)."""
    both = sql_text(f"^{WS_CLASS}+|{WS_CLASS}+$")
    plain = f"ord(left({expr}, 1)) between 33 and 126 and ord(right({expr}, 1)) between 33 and 126"
    return f"(case when {expr} = '' or ({plain}) then {expr} else regexp_replace({expr}, {both}, '', 'g') end)"


def sql_is_comment(expr: str) -> str:
    """SQL: the line is a comment (``#`` after optional whitespace)."""
    return f"regexp_matches({expr}, {sql_text('^' + WS_CLASS + '*#')})"


def sql_is_blank(expr: str) -> str:
    """SQL: the line has nothing but commas and whitespace."""
    return f"regexp_full_match(replace({expr}, ',', ''), {sql_text(WS_CLASS + '*')})"


@dataclass(frozen=True)
class Scan:
    """What one streamed pass over the bytes found."""

    ends_cleanly: bool
    lone_cr: bool
    unit_separator: bool
    has_cr: bool


def _decode_problem(path: Path, name: str) -> list[Problem]:
    """An ``encoding`` problem at the first byte that is not UTF-8 (BOM allowed)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
        return []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "the file looks GBK/GB18030-encoded (Excel's Chinese default); save it as CSV UTF-8"
        except UnicodeDecodeError:
            hint = "the file is not UTF-8 text; save it as CSV UTF-8"
        bad = data[exc.start : exc.start + 4].hex(" ")
        return [Problem(name, line, "-", "encoding", f"bytes {bad}", hint)]


def scan_bytes(path: Path, name: str) -> tuple[Scan | None, list[Problem]]:
    """Stream the file once: UTF-8 validity, line endings, the last byte."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    n_cr = n_crlf = 0
    unit_sep, prev, last = False, b"", b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return None, _decode_problem(path, name)
            n_cr += chunk.count(b"\r")
            n_crlf += chunk.count(b"\r\n") + (prev == b"\r" and chunk[:1] == b"\n")
            unit_sep |= b"\x1f" in chunk
            prev = last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None, _decode_problem(path, name)
    return Scan(last in (b"\n", b"\r"), n_cr != n_crlf, unit_sep, n_cr > 0), []


def empty_fix(spec: RawFileSpec) -> str:
    """Advice for a file without data rows."""
    return (f"the file has no data rows; write the header {','.join(spec.columns)} and one row per "
            "value" + ("" if spec.required else ", or remove the optional file"))


def _header(path: Path) -> tuple[int, list[str] | None]:
    """The first line that is not a comment (1-based) and its fields."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.lstrip().startswith("#"):
                return i, next(csv.reader([line.rstrip("\r\n")]), [])
    return 1, None


def header_problems(name: str, line: int, header: list[str], spec: RawFileSpec) -> list[Problem]:
    """Header checks: names must be the contract's (dbt matches columns by name, in any order)."""
    expected = list(spec.columns)
    if sorted(header) == sorted(expected):
        return []
    if len(header) == 1:
        for delim, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delim in header[0]:
                return [Problem(name, line, "(header)", "delimiter", header[0],
                                f"the file is {label}-delimited; save it comma-separated (CSV) with "
                                f"the header {','.join(expected)}")]
    missing = [c for c in expected if c not in header]
    problems = []
    for col in header:
        if col in expected and header.count(col) == 1:
            continue
        near = difflib.get_close_matches(col, missing, n=1, cutoff=0.6)
        if near and col not in expected:  # a typo of a missing column: one problem, not two
            missing.remove(near[0])
            fix = f"did you mean {near[0]!r}? expected header: {','.join(expected)}"
        else:
            fix = f"expected header: {','.join(expected)}"
        rule = "header" if col not in expected else "header_duplicate"
        problems.append(Problem(name, line, col or "(blank)", rule, col, fix))
    problems += [Problem(name, line, col, "header", "(missing)",
                         f"add the column; expected header: {','.join(expected)}") for col in missing]
    return problems


def field_count_problem(name: str, line: int, fields: list[str], header: list[str], is_last: bool) -> Problem:
    """A line with the wrong number of fields; ``column`` names the fields it lacks."""
    width, value = len(header), ",".join(fields)
    lacking = ",".join(header[len(fields):]) or "-"
    if len(fields) < width and is_last:
        fix = (f"the last line has {len(fields)} of {width} fields and no line end: the file looks "
               "truncated; export it again completely")
    elif len(fields) < width:
        fix = (f"the line has {len(fields)} of {width} fields ({','.join(header)}); fill the "
               "missing fields (leave a missing value empty, keep the commas)")
    else:
        fix = (f"the line has {len(fields)} fields, the header {width}: quote a value that contains "
               'a comma ("a, b") or remove the extra fields')
    return Problem(name, line, lacking, "field_count", value, fix)


def load_raw(con: Any, path: Path, spec: RawFileSpec) -> tuple[bool, list[Problem]]:
    """Read ``path`` into the DuckDB table ``raw_text`` (``_line`` + the contract columns as text).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Where the table is created (replaced).
    path : Path
        The CSV file.
    spec : RawFileSpec
        Its contract.

    Returns
    -------
    loaded : bool
        False when the file could not be read (encoding, header): no table then.
    problems : list of Problem
        Encoding, header, field-count and quoting problems, and an empty file. Rows with another
        field count than the header are not in ``raw_text``.
    """
    name = spec.name
    if path.stat().st_size == 0:
        return False, [Problem(name, 1, "-", "empty_file", "", empty_fix(spec))]
    scan, problems = scan_bytes(path, name)
    if scan is None:
        return False, problems
    header_line, header = _header(path)
    if header is None or not any(h.strip() for h in header):
        return False, [Problem(name, header_line, "-", "empty_file", "", empty_fix(spec))]
    problems = header_problems(name, header_line, header, spec)
    if problems:
        return False, problems
    layout = _Layout(name, header, [header.index(c) for c in spec.columns])
    found = None
    if not scan.lone_cr and not scan.unit_separator:
        found = _load_duckdb(con, path, header_line, scan, layout)
    if found is None:  # quoted fields span lines, or lines DuckDB does not split as Python does
        found = _load_python(con, path, layout, scan.ends_cleanly)
    n_rows = con.execute("select count(*) from raw_text").fetchone()[0]
    if n_rows == 0 and not found:
        found.append(Problem(name, header_line, "-", "empty_file", "", empty_fix(spec)))
    return True, found


@dataclass(frozen=True)
class _Layout:
    """Where the contract columns are in the header."""

    name: str
    header: list[str]
    index: list[int]  # 0-based field of each contract column, in contract order

    def columns_sql(self, fields: str) -> str:
        return ", ".join(f"{fields}[{i + 1}] as c{k}" for k, i in enumerate(self.index))

    def frame(self, rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
        """``_line``, ``c0``.. (the contract columns by position; None when the row is short), ``_n``."""
        width = len(self.header)
        data: dict[str, Any] = {"_line": pd.Series([n for n, _ in rows], dtype="int64")}
        for k, i in enumerate(self.index):
            data[f"c{k}"] = pd.Series([f[i] if len(f) == width else None for _, f in rows], dtype=object)
        data["_n"] = pd.Series([len(f) for _, f in rows], dtype="int64")
        return pd.DataFrame(data)


def _create_raw_text(con: Any, layout: _Layout, select_sql: str) -> None:
    names = ", ".join(f'cast(c{k} as varchar) as "{c}"' for k, c in enumerate(_contract_columns(layout)))
    con.execute(f"create or replace temp table raw_text as select _line, {names}, _n from ({select_sql})")


def _contract_columns(layout: _Layout) -> list[str]:
    return [layout.header[i] for i in layout.index]


def _load_duckdb(con: Any, path: Path, header_line: int, scan: Scan, layout: _Layout) -> list[Problem] | None:
    """``raw_text`` from DuckDB's line reader (row number = line number); None to fall back to Python."""
    import duckdb

    # '\r\n' accepts \n too but only in the single-threaded reader; a file without \r reads in parallel
    new_line, parallel = ("\\r\\n", "false") if scan.has_cr else ("\\n", "true")
    try:
        con.execute(
            "create or replace temp table lines as select * from read_csv(?, columns={'line': 'VARCHAR'}, "
            "header=false, delim=chr(31), quote='', escape='', comment='', auto_detect=false, strict_mode=false, "
            f"new_line='{new_line}', parallel={parallel}, max_line_size=16777216)", [str(path)])
    except duckdb.Error:
        return None
    plain = "ord(left(line, 1)) between 33 and 126 and left(line, 1) not in ('#', ',')"  # fast path
    keep = (f"rowid + 1 > {header_line} and line is not null and ({plain} or (not {sql_is_comment('line')} "
            f"and not {sql_is_blank('line')}))")
    quoted = con.execute(f"select rowid + 1, line from lines where contains(line, '\"') and {keep} "
                         "order by 1").fetchall()
    if any(line.count('"') % 2 for _, line in quoted):
        con.execute("drop table lines")
        return None
    last = con.execute(f"select coalesce(max(rowid + 1), 0) from lines where line is null or {plain} "
                       f"or not {sql_is_comment('line')}").fetchone()[0]
    width = len(layout.header)
    _create_raw_text(con, layout, f"select _line, {layout.columns_sql('f')}, len(f) as _n from ("
                                  f"select rowid + 1 as _line, string_split(line, ',') as f from lines "
                                  f"where not contains(line, '\"') and {keep})")
    parsed = [(n, next(csv.reader([line]))) for n, line in quoted]
    if parsed:
        con.register("quoted_rows", layout.frame(parsed))
        con.execute("insert into raw_text select * from quoted_rows")
        con.unregister("quoted_rows")
    n_bad = con.execute(f"select count(*) from raw_text where _n <> {width}").fetchone()[0]
    bad = con.execute(f"select r._line, l.line from raw_text as r join lines as l on l.rowid + 1 = r._line "
                      f"where r._n <> {width} order by r._line limit {MAX_ROWS_PER_CHECK}").fetchall()
    con.execute("drop table lines")
    fields = [(n, next(csv.reader([line]))) for n, line in bad]
    return _field_count_problems(con, layout, fields, n_bad, last, scan.ends_cleanly)


def _field_count_problems(con: Any, layout: _Layout, bad: list[tuple[int, list[str]]], n_bad: int, last: int,
                          ends_cleanly: bool) -> list[Problem]:
    """A problem for every line with another field count than the header; those rows leave ``raw_text``."""
    problems = [field_count_problem(layout.name, n, f, layout.header, n == last and not ends_cleanly)
                for n, f in bad]
    if n_bad > len(bad):
        problems.append(more_problem(layout.name, bad[-1][0], ",".join(layout.header), "field_count",
                                     n_bad - len(bad)))
    con.execute(f"delete from raw_text where _n <> {len(layout.header)}")
    return problems


def more_problem(name: str, line: int, column: str, rule: str, n_more: int) -> Problem:
    """One line standing for the offending rows not fetched (after ``line``)."""
    return Problem(name, line, column, rule, f"... and {n_more} more line(s) after this one",
                   "fix the lines listed and run again: the same problem is on further lines")


def _load_python(con: Any, path: Path, layout: _Layout, ends_cleanly: bool) -> list[Problem]:
    """``raw_text`` parsed by the csv module (quoted fields may span lines)."""
    text = path.read_text(encoding="utf-8-sig")
    physical = io.StringIO(text, newline="").readlines()
    kept_no = [i for i, line in enumerate(physical, start=1) if not line.lstrip().startswith("#")]
    reader = csv.reader([physical[i - 1] for i in kept_no])
    next(reader, None)  # the header
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    consumed = reader.line_num
    try:
        for fields in reader:
            line, consumed = kept_no[consumed], reader.line_num
            if any(f.strip() for f in fields):
                rows.append((line, fields))
    except csv.Error as exc:
        problems.append(Problem(layout.name, kept_no[min(consumed, len(kept_no) - 1)], "-", "csv_syntax", str(exc),
                                "fix the quoting: a quote opened and never closed?"))
    con.register("parsed_rows", layout.frame(rows))
    _create_raw_text(con, layout, "select * from parsed_rows")
    con.unregister("parsed_rows")
    width = len(layout.header)
    bad = [(n, f) for n, f in rows if len(f) != width]
    found = _field_count_problems(con, layout, bad[:MAX_ROWS_PER_CHECK], len(bad), kept_no[-1] if kept_no else 0,
                                  ends_cleanly)
    return found + problems

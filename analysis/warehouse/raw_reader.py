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
    """SQL for Python's ``str.strip()`` of a text expression (regex only where needed: fast)."""
    edge = sql_text(f"^{WS_CLASS}|{WS_CLASS}$")
    both = sql_text(f"^{WS_CLASS}+|{WS_CLASS}+$")
    return f"(case when regexp_matches({expr}, {edge}) then regexp_replace({expr}, {both}, '', 'g') else {expr} end)"


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
    return Scan(last in (b"\n", b"\r"), n_cr != n_crlf, unit_sep), []


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
        Encoding, header, field-count and quoting problems, and an empty file.
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
    fields = None
    if not scan.lone_cr and not scan.unit_separator:
        fields = _fields_duckdb(con, path, header_line, scan, name, header)
    if fields is None:  # quoted fields span lines, or lines DuckDB does not split as Python does
        fields = _fields_python(con, path, name, header, scan.ends_cleanly)
    n_rows, problems, unordered = fields
    positions = {h: i + 1 for i, h in enumerate(header)}
    cols = ", ".join(f'f[{positions[c]}] as "{c}"' for c in spec.columns)
    order = " order by _line" if unordered else ""
    con.execute(f"create or replace table raw_text as select _line, {cols} from fields "
                f"where len(f) = {len(header)}{order}")
    con.execute("drop table fields")
    if n_rows == 0 and not problems:
        problems.append(Problem(name, header_line, "-", "empty_file", "", empty_fix(spec)))
    return True, problems


def _fields_duckdb(con: Any, path: Path, header_line: int, scan: Scan, name: str,
                   header: list[str]) -> tuple[int, list[Problem], bool] | None:
    """Table ``fields(_line, f)`` from DuckDB's line reader; None to fall back to Python.

    Also returns whether rows were appended out of line order (quoted lines parsed in Python).
    """
    import duckdb

    try:
        con.execute(
            "create or replace temp table lines as select * from read_csv(?, columns={'line': 'VARCHAR'}, "
            "header=false, delim=chr(31), quote='', escape='', comment='', auto_detect=false, "
            "strict_mode=false, new_line='\\r\\n', max_line_size=16777216)", [str(path)])
    except duckdb.Error:
        return None
    keep = (f"rowid + 1 > {header_line} and line is not null and not {sql_is_comment('line')} "
            f"and not {sql_is_blank('line')}")
    quoted = con.execute(f"select rowid + 1, line from lines where contains(line, '\"') and {keep} "
                         "order by 1").fetchall()
    if any(line.count('"') % 2 for _, line in quoted):
        con.execute("drop table lines")
        return None
    last = con.execute(f"select coalesce(max(rowid + 1), 0) from lines where line is null "
                       f"or not {sql_is_comment('line')}").fetchone()[0]
    con.execute("create or replace temp table fields as select rowid + 1 as _line, string_split(line, ',') as f "
                f"from lines where not contains(line, '\"') and {keep}")
    con.execute("drop table lines")
    if quoted:
        parsed = pd.DataFrame({"_line": [n for n, _ in quoted],
                               "f": [next(csv.reader([line])) for _, line in quoted]})
        con.register("quoted_fields", parsed)
        con.execute("insert into fields select _line, f from quoted_fields")
        con.unregister("quoted_fields")
    n_rows, problems = _field_count(con, name, header, last, scan.ends_cleanly)
    return n_rows, problems, bool(quoted)


def _field_count(con: Any, name: str, header: list[str], last: int, ends_cleanly: bool
                 ) -> tuple[int, list[Problem]]:
    """Rows with the header's field count; a problem for every line with another count."""
    width = len(header)
    n_rows, n_bad = con.execute(f"select count(*) filter (len(f) = {width}), count(*) filter (len(f) <> {width}) "
                                "from fields").fetchone()
    bad = con.execute(f"select _line, f from fields where len(f) <> {width} order by _line "
                      f"limit {MAX_ROWS_PER_CHECK}").fetchall()
    problems = [field_count_problem(name, n, list(f), header, n == last and not ends_cleanly) for n, f in bad]
    if n_bad > len(bad):
        problems.append(more_problem(name, bad[-1][0], ",".join(header), "field_count", n_bad - len(bad)))
    return n_rows, problems


def more_problem(name: str, line: int, column: str, rule: str, n_more: int) -> Problem:
    """One line standing for the offending rows not fetched (after ``line``)."""
    return Problem(name, line, column, rule, f"... and {n_more} more line(s) after this one",
                   "fix the lines listed and run again: the same problem is on further lines")


def _fields_python(con: Any, path: Path, name: str, header: list[str], ends_cleanly: bool
                   ) -> tuple[int, list[Problem], bool]:
    """Table ``fields(_line, f)`` parsed by the csv module (quoted fields may span lines)."""
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
        problems.append(Problem(name, kept_no[min(consumed, len(kept_no) - 1)], "-", "csv_syntax", str(exc),
                                "fix the quoting: a quote opened and never closed?"))
    frame = pd.DataFrame({"_line": pd.Series([n for n, _ in rows], dtype="int64"),
                          "f": pd.Series([f for _, f in rows], dtype=object)})
    con.execute("create or replace temp table fields (_line bigint, f varchar[])")
    if rows:
        con.register("parsed_fields", frame)
        con.execute("insert into fields select _line, f from parsed_fields")
        con.unregister("parsed_fields")
    n_rows, found = _field_count(con, name, header, kept_no[-1] if kept_no else 0, ends_cleanly)
    return n_rows, found + problems, False

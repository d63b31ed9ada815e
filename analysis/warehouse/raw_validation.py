"""Fast checks of the raw input files before dbt runs (used by :mod:`analysis.checks.checkpoint`).

Each raw CSV of the contract (:mod:`analysis.warehouse.contract`, read from the dbt sources) is read
into DuckDB with the line number of every row (1-based lines of the file, counting comment and header
lines; :mod:`analysis.warehouse.raw_reader`) and checked column by column in SQL
(:mod:`analysis.warehouse.raw_checks`), so that a national firms file of millions of rows is checked
without holding it in pandas. Every problem is a :class:`Problem`:
``file:line: column <name>: rule <rule>: value <v> — what to do``.

Tolerant where yearbooks are messy, as the dbt staging models are (warehouse/macros/cleaning.sql):
division names with stray spaces or suffixes resolve through the alias seed ``division_aliases``;
numbers may carry thousands separators; yearbook dashes and ``NA`` mean "missing"; an empty unit
means the catalog unit; a unit that ``unit_conversions`` converts is accepted; columns may come in
any order. Strict where it matters: unknown codes (with the nearest known names), duplicate keys,
years outside the panel, negative counts, units that do not convert, values outside the catalog's
plausible range, truncated lines, wrong delimiters, header typos, files that are not UTF-8.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.warehouse.contract import RAW_FILES, SEEDS_DIR, RawFileSpec, panel_years, read_seed
from analysis.warehouse.problems import (
    MAX_LISTED_PROBLEMS,
    MISSING_TOKENS,
    Problem,
    format_problems,
    scale_hint,
)
from analysis.warehouse.raw_checks import INDICATOR_TERMS, SqlChecker
from analysis.warehouse.raw_reader import load_raw
from analysis.warehouse.reference import (
    Reference,
    file_key,
    load_reference,
    norm_alias,
    resolve_division,
)

__all__ = [
    "INDICATOR_TERMS", "MAX_LISTED_PROBLEMS", "MISSING_TOKENS", "RAW_FILES", "CheckedFile", "Problem",
    "RawFileSpec", "Reference", "cache_key", "check_raw_file", "check_raw_table", "file_key",
    "find_problems", "format_problems", "load_reference", "norm_alias", "panel_years", "read_seed",
    "resolve_division", "scale_hint", "SEEDS_DIR",
]

#: DuckDB memory limit of the raw checks (beyond it DuckDB spills to a temporary directory).
MEMORY_LIMIT = os.environ.get("AGGLO_CHECK_MEMORY", "4GB")


def connect() -> Any:
    """An in-memory DuckDB connection for checking one raw file (no progress bar, bounded memory)."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("set enable_progress_bar = false")
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"set temp_directory = '{Path(tempfile.gettempdir()) / 'agglo-duckdb-spill'}'")
    return con


@dataclass
class CheckedFile:
    """The checked rows of one raw file, held in DuckDB (table ``checked``).

    Attributes
    ----------
    spec : RawFileSpec
        Its contract.
    con : duckdb.DuckDBPyConnection
        The in-memory database holding ``checked``: ``_line``, the contract columns with codes
        resolved, numbers parsed, indicator values in the catalog unit with ``unit_factor``,
        ``min_plausible`` and ``max_plausible``.
    n_rows : int
        Rows of ``checked``.
    """

    spec: RawFileSpec
    con: Any
    n_rows: int

    def frame(self, limit: int | None = None) -> pd.DataFrame:
        """The checked rows as a DataFrame (in line order; the first ``limit`` rows when given)."""
        tail = f" limit {int(limit)}" if limit is not None else ""
        return self.con.execute(f"select * from checked order by _line{tail}").df()

    def sample(self, n: int, seed: int = 20240601) -> pd.DataFrame:
        """A reproducible sample of ``n`` rows (those with the smallest ``hash(_line + seed)``), in line order."""
        return self.con.execute(
            f"select * from (select * from checked order by hash(_line + {int(seed)}) limit {int(n)}) "
            "order by _line").df()


def check_raw_table(path: Path, spec: RawFileSpec, ref: Reference) -> tuple[CheckedFile | None, list[Problem]]:
    """Check one raw file in DuckDB; return its checked rows and its problems.

    Parameters
    ----------
    path : Path
        The CSV file.
    spec : RawFileSpec
        Its contract.
    ref : Reference
        Reference data.

    Returns
    -------
    checked : CheckedFile or None
        None when the file could not be read (encoding, header).
    problems : list of Problem
        Sorted by line.
    """
    con = connect()
    loaded, problems = load_raw(con, Path(path), spec)
    if not loaded:
        con.close()
        return None, problems
    problems = sorted(problems + SqlChecker(con, spec, ref).run(), key=lambda p: p.line)
    n_rows = con.execute("select count(*) from checked").fetchone()[0]
    return CheckedFile(spec, con, int(n_rows)), problems


def check_raw_file(path: Path, spec: RawFileSpec, ref: Reference) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check one raw file; return its typed, resolved rows as a DataFrame and its problems.

    The DataFrame form of :func:`check_raw_table`, for small files.

    Returns
    -------
    frame : DataFrame or None
        Every row with the header's field count: ``_line``, the contract columns with codes
        resolved (an unresolved code keeps its text), numbers parsed (NaN when missing or not a
        number), indicator values converted into the catalog unit with ``unit_factor``,
        ``min_plausible`` and ``max_plausible``; None when the file could not be read.
    problems : list of Problem
        Sorted by line.
    """
    checked, problems = check_raw_table(path, spec, ref)
    if checked is None:
        return None, problems
    frame = checked.frame()
    checked.con.close()
    return frame, problems


CacheKey = tuple[tuple[str, int, int], tuple[tuple[str, int, int], ...]]


def cache_key(path: Path, ref: Reference) -> CacheKey:
    """Key of a checked raw file in a cache: the file's and the reference data's fingerprints."""
    return (file_key(path), ref.fingerprint)


def find_problems(raw_dir: Path, ref: Reference, cache: MutableMapping[CacheKey, CheckedFile] | None = None
                  ) -> tuple[dict[str, CheckedFile], list[Problem]]:
    """Check every raw file of ``raw_dir``.

    Parameters
    ----------
    raw_dir : Path
        The raw directory.
    ref : Reference
        Reference data.
    cache : mapping, optional
        Checked files without problems by :func:`cache_key`: a file found there is not read again,
        and every clean file checked is added.

    Returns
    -------
    checked : dict
        File name -> checked rows (files that could be read).
    problems : list of Problem
        File by file, in line order; a missing required file is a problem.
    """
    checked: dict[str, CheckedFile] = {}
    problems: list[Problem] = []
    for spec in RAW_FILES:
        path = raw_dir / spec.name
        if not path.exists():
            if spec.required:
                problems.append(Problem(spec.name, 1, "-", "required_file", "(missing)",
                                        f"put {spec.name} in {raw_dir} (columns {','.join(spec.columns)})"))
            continue
        key = cache_key(path, ref)
        if cache is not None and key in cache:
            checked[spec.name] = cache[key]
            continue
        table, found = check_raw_table(path, spec, ref)
        problems += found
        if table is not None:
            checked[spec.name] = table
            if cache is not None and not found:
                cache[key] = table
    return checked, problems

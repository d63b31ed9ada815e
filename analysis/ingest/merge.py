"""Merge ingested rows into the contract CSVs of a raw directory, never silently overwriting.

A row's key is the contract key (``province_code, year, indicator_code`` or ``..., sector_code``)
with the region resolved to its code. A key already present (in the raw directory, or from another
file of the same run) keeps its first row when the two values agree in the catalog unit (relative
difference below 1e-9: the same number published in two places), and is an error naming both
sources when they differ. Nothing is written until every file has been read and checked: the new
files are written to a temporary directory next to the raw directory and moved into place one by one
with ``os.replace`` (each file is replaced atomically; a failure before the moves leaves the raw
directory untouched).
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import AggloError
from analysis.ingest.indicators import unit_factor
from analysis.warehouse.raw_validation import RAW_FILES, Reference, resolve_division

SPECS = {spec.name.removesuffix(".csv"): spec for spec in RAW_FILES}
REL_TOL = 1e-9


@dataclass
class Row:
    """One contract row and what identifies it."""

    file: str  # contract file stem
    key: tuple[str, int, str]  # (region code, year, indicator or sector code)
    fields: list[str]  # the contract columns, in order
    value: float  # in the catalog unit, for comparisons
    source: str
    origin: str = ""  # file and cell only (for messages)
    display: str = ""  # file only


@dataclass
class Existing:
    """Rows already in one contract file of the raw directory (by resolved key)."""

    text: str = ""
    keys: dict[tuple[str, int, str], tuple[float | None, str, int]] = field(default_factory=dict)


def same_value(a: float | None, b: float | None) -> bool:
    """Equal within :data:`REL_TOL` (both missing also counts as equal)."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def read_existing(raw_dir: Path, stem: str, ref: Reference) -> Existing:
    """Read a contract file already in ``raw_dir`` (comments kept in ``text``), keyed by resolved code."""
    path = raw_dir / f"{stem}.csv"
    if not path.exists():
        return Existing()
    text = path.read_text(encoding="utf-8-sig")
    spec = SPECS[stem]
    lines = text.splitlines()
    body = [(i, line) for i, line in enumerate(lines, start=1) if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in body)))
    if reader.fieldnames is None or sorted(reader.fieldnames) != sorted(spec.columns):
        raise AggloError(f"{path}: header {reader.fieldnames} is not the contract's {','.join(spec.columns)}; "
                         "ingest into an empty directory or fix the file (docs/data_contract.md)")
    out = Existing(text=text)
    region_col, level = next(iter(spec.divisions.items()))
    third = "indicator_code" if "indicator_code" in spec.columns else "sector_code"
    for n, rec in enumerate(reader, start=1):
        line = body[n][0] if n < len(body) else n + 1
        code, _ = resolve_division(rec[region_col].strip(), level, ref)
        try:
            year = int(float(rec["year"]))
        except (TypeError, ValueError):
            continue  # raw validation reports it; ingest only needs comparable keys
        key = (code or rec[region_col].strip(), year, rec[third].strip().lower() if third == "indicator_code"
               else rec[third].strip().upper())
        out.keys[key] = (_existing_value(rec, spec.columns, third, level, ref), rec["source"], line)
    return out


def _existing_value(rec: dict[str, str], columns: tuple[str, ...], third: str, level: str,
                    ref: Reference) -> float | None:
    col = "value" if "value" in columns else "employment_10k"
    try:
        value = float(rec[col].replace(",", "").strip())
    except (ValueError, AttributeError):
        return None
    if third != "indicator_code":
        return value
    entry = ref.indicators.get((level, rec[third].strip().lower()))
    factor = unit_factor(rec.get("unit", "") or entry[0], entry[0], ref) if entry else None
    return value * factor if factor is not None else None


def write_atomically(raw_dir: Path, new_rows: dict[str, list[Row]], existing: dict[str, Existing],
                     extra_files: dict[str, str]) -> dict[str, int]:
    """Write merged contract files and the report files; return rows added per contract file.

    Files are first written to a temporary directory beside ``raw_dir`` and then moved in.
    """
    raw_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".agglo-ingest-", dir=raw_dir.parent))
    added: dict[str, int] = {}
    try:
        staged: list[tuple[Path, Path]] = []
        for stem, rows in sorted(new_rows.items()):
            if not rows:
                continue
            spec = SPECS[stem]
            buf = io.StringIO()
            old = existing.get(stem, Existing()).text
            if old:
                buf.write(old if old.endswith("\n") else old + "\n")
            writer = csv.writer(buf, lineterminator="\n")
            if not old:
                writer.writerow(spec.columns)
            for row in sorted(rows, key=lambda r: r.key):
                writer.writerow(row.fields)
            target = tmp / spec.name
            target.write_text(buf.getvalue(), encoding="utf-8")
            staged.append((target, raw_dir / spec.name))
            added[stem] = len(rows)
        for name, text in extra_files.items():
            target = tmp / name
            target.write_text(text, encoding="utf-8")
            staged.append((target, raw_dir / name))
        raw_dir.mkdir(parents=True, exist_ok=True)
        for src, dst in staged:
            os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return added

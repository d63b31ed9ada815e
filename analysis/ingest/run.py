"""``agglo ingest``: read NBS portal exports and yearbook tables, write/merge the raw contract CSVs.

Steps: find the files -> detect and parse each (:mod:`analysis.ingest.detect`) -> map series and
columns to targets (:mod:`analysis.ingest.indicators`) -> resolve region labels
(:mod:`analysis.ingest.names`) -> parse numbers, check units, drop years outside the panel (with a
notice) -> check duplicates within a file, across files and against the raw directory
(:mod:`analysis.ingest.merge`) -> write everything or nothing, with the ingest report
(:mod:`analysis.ingest.report`).

Every problem of every file is collected first; any problem stops the run with one AggloError that
lists them all (file and row or cell each), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from analysis.errors import AggloError
from analysis.ingest.cnki import is_number
from analysis.ingest.detect import read_file
from analysis.ingest.indicators import IndicatorMap, Target, known_units, unit_factor
from analysis.ingest.merge import Existing, Row, read_existing, same_value, write_atomically
from analysis.ingest.names import RegionNameError, resolve_label
from analysis.ingest.records import Observation, ParsedFile
from analysis.ingest.report import FileReport, render_json, render_markdown
from analysis.warehouse.raw_validation import Reference, load_reference

TABLE_SUFFIXES = (".csv", ".xls", ".xlsx", ".htm", ".html")
REPORT_STEM = "ingest_report"
MAX_LISTED = 60


def find_inputs(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Files to read (with their display names) and files of a directory that were ignored.

    A file given by name is always read. In a directory (recursively, sorted), only ``*.csv``,
    ``*.xls``, ``*.xlsx``, ``*.htm(l)`` are read; other files are listed as ignored.
    """
    files: list[tuple[Path, str]] = []
    ignored: list[str] = []
    for p in paths:
        if not p.exists():
            raise AggloError(f"{p}: no such file or directory")
        if p.is_file():
            files.append((p, f"{p.parent.name}/{p.name}" if p.parent.name else p.name))
            continue
        for f in sorted(q for q in p.rglob("*") if q.is_file()):
            display = str(Path(p.name) / f.relative_to(p))
            if f.name.startswith((".", REPORT_STEM)):
                continue
            if f.suffix.lower() in TABLE_SUFFIXES:
                files.append((f, display))
            else:
                ignored.append(display)
    return files, ignored


def file_level(parsed: ParsedFile, level: str | None) -> str:
    """The level of the file's regions: ``--level``, else from the NBS database line, else province."""
    if level:
        return level
    return "prefecture" if "城市" in parsed.database else "province"


def ingest(paths: Sequence[Path], out: Path, *, indicator: str | None = None, level: str | None = None,
           region: str | None = None, ref: Reference | None = None,
           progress: Callable[[str], None] | None = print) -> dict:
    """Read ``paths`` and write/merge the contract files of ``out`` (see the module docstring).

    Parameters
    ----------
    paths : sequence of Path
        Files and directories.
    out : Path
        The raw directory (created when absent).
    indicator : str, optional
        Indicator of files that name none (2025/26 portal CSV, ``--indicator``): a catalog code
        (unit = catalog unit) or an NBS name with its unit (``国内专利申请授权量(项)``).
    level : str, optional
        ``province``, ``prefecture`` or ``county`` (default: from the file; province).
    region : str, optional
        Region of a one-region transposed export (``--region``).
    ref : Reference, optional
        Reference data (default: the seeds).
    progress : callable, optional
        Called with one line per file read.

    Returns
    -------
    dict
        The ingest report (also written as ``ingest_report.json`` / ``.md`` in ``out``).
    """
    ref = ref or load_reference()
    imap = IndicatorMap(ref)
    units = known_units(ref)
    files, ignored = find_inputs(paths)
    if not files:
        raise AggloError(f"no table files (*.csv, *.xls, *.xlsx, *.html) in {', '.join(map(str, paths))}")
    errors: list[str] = []
    reports: list[FileReport] = []
    rows: dict[str, list[Row]] = {}
    seen: dict[tuple[str, tuple[str, int, str]], Row] = {}
    existing: dict[str, Existing] = {}
    conflicts: dict[tuple[str, str], list[str]] = {}
    for path, display in files:
        try:
            parsed = read_file(path, display, known_units=units, indicator=indicator, region=region)
        except AggloError as exc:
            errors.append(str(exc))
            continue
        rep = FileReport(file=display, format=parsed.format, table=parsed.table, series=parsed.series,
                         database=parsed.database, notes=parsed.notes, values_read=len(parsed.observations),
                         missing_cells=parsed.missing_cells)
        reports.append(rep)
        lvl = file_level(parsed, level)
        file_rows = _map_file(parsed, lvl, imap, ref, rep, errors, indicator)
        for row in file_rows:
            if row.file not in existing:
                existing[row.file] = read_existing(out, row.file, ref)
            _merge_row(row, seen, existing[row.file], rows, rep, conflicts, out)
        if progress:
            progress(f"ingest: {display}: {parsed.format}, {rep.values_read} values read, "
                     f"{sum(rep.rows_written.values())} rows to write")
    report = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "raw_dir": str(out),
        "panel_years": {k: list(v) for k, v in ref.years.items()},
        "files": [r.as_dict() for r in reports],
        "ignored_files": ignored,
        "rows_added": {k: len(v) for k, v in sorted(rows.items())},
    }
    for (first, second), examples in conflicts.items():
        errors.append(f"{len(examples)} conflicting value(s) between {first} and {second} (two vintages or "
                      f"sources of the same numbers?), e.g. {'; '.join(examples[:3])}. Keep one: ingest them into "
                      "different raw directories, or leave one out")
    if errors:
        shown = errors[:MAX_LISTED]
        more = f"\n  ... and {len(errors) - MAX_LISTED} more" if len(errors) > MAX_LISTED else ""
        raise AggloError(f"{len(errors)} problem(s); nothing was written to {out}:\n  "
                         + "\n  ".join(shown) + more)
    write_atomically(out, rows, existing, {f"{REPORT_STEM}.json": render_json(report),
                                           f"{REPORT_STEM}.md": render_markdown(report)})
    if progress:
        added = ", ".join(f"{k}.csv +{n}" for k, n in report["rows_added"].items()) or "no rows"
        progress(f"ingest: wrote {added} and {REPORT_STEM}.md/.json in {out}")
    return report


def _map_file(parsed: ParsedFile, level: str, imap: IndicatorMap, ref: Reference, rep: FileReport,
              errors: list[str], indicator: str | None) -> list[Row]:
    """Contract rows of one parsed file (problems appended to ``errors``)."""
    out: list[Row] = []
    by_key: dict[tuple[str, tuple[str, int, str]], Observation] = {}
    targets: dict[tuple[str, str], Target | None] = {}
    names: dict[tuple[str, str], object] = {}
    for obs in parsed.observations:
        tkey = (obs.series, obs.column)
        if tkey not in targets:
            targets[tkey] = imap.lookup(obs.series, obs.column, level)
            if targets[tkey] is None:
                what = f"table {obs.series!r} column {obs.column!r}" if obs.column else f"indicator {obs.series!r}"
                errors.append(
                    f"{parsed.display}: {obs.where}: unknown {level} {what}; add a row to "
                    "warehouse/seeds/indicator_aliases.csv (alias, level, column_label, target, indicator_code) "
                    "mapping it to a code of indicator_catalog.csv, or target 'skip' with a note")
        target = targets[tkey]
        if target is None:
            continue
        if target.file == "skip":
            rep.skip_column(obs.column or obs.series, target.note)
            _note_corrections(obs, level, ref, names, rep)
            continue
        region_level = "prefecture" if target.file.startswith("prefecture") else (
            "county" if target.file.startswith("county") else "province")
        res = _resolve(obs, region_level, ref, names, parsed, errors)
        if res is None:
            continue
        if res.code is None:
            rep.skip_region(obs.region, res.kind, res.reading)
            continue
        if res.how:
            rep.correction(obs.region if res.how != "English name cut off" else obs.region_en,
                           res.reading, res.code, res.how)
        first, last = ref.years[target.panel]
        if not first <= obs.year <= last:
            rep.out_of_panel(obs.year)
            continue
        text = obs.value.replace(",", "").strip()
        if not is_number(text):
            errors.append(f"{parsed.display}: {obs.where} ({obs.region} {obs.year}): {obs.value!r} is not a "
                          "number; correct the cell or leave it empty (missing)")
            continue
        unit = obs.unit or (target.unit if indicator and imap.catalog_target(indicator, level) else "")
        factor = unit_factor(unit, target.unit, ref) if unit else None
        if factor is None:
            errors.append(f"{parsed.display}: {obs.where}: unit {unit or '(none)'!r} of {obs.series!r} "
                          f"{obs.column} does not convert to {target.unit!r} (warehouse/seeds/unit_conversions.csv); "
                          "add the conversion row, or give the unit with --indicator 'name(unit)'")
            targets[tkey] = Target("skip", "", "", "unit error reported")
            continue
        key = (res.code, obs.year, target.code)
        dup = by_key.get((target.file, key))
        if dup is not None:
            errors.append(f"{parsed.display}: {obs.row_where}: region {obs.region!r} ({res.code}) {obs.year} "
                          f"{target.code} appears twice in the file ({dup.row_where} and {obs.row_where}); "
                          "delete the duplicated row in a copy of the file")
            continue
        by_key[(target.file, key)] = obs
        value = float(text) * factor
        source = _source(parsed, obs)
        if target.file.endswith("sector_employment"):
            fields = [res.code, str(obs.year), target.code, _fmt(value), source]
        else:
            fields = [res.code, str(obs.year), target.code, text, unit, source]
        out.append(Row(target.file, key, fields, value, source, f"{parsed.display} {obs.where}", parsed.display))
        rep.written(target.file)
    return out


def _note_corrections(obs: Observation, level: str, ref: Reference, cache: dict, rep: FileReport) -> None:
    """List name corrections in columns that are not written too (labels that fail are ignored there)."""
    for label in (obs.region, obs.region_en):
        ck = ("skip", label)
        if not label or ck in cache:
            continue
        try:
            cache[ck] = resolve_label(label, level, ref)
        except RegionNameError:
            cache[ck] = None
        res = cache[ck]
        if res is not None and res.how:
            rep.correction(label, res.reading, res.code or res.kind, res.how + " (in a column not written)")


def _resolve(obs: Observation, level: str, ref: Reference, cache: dict, parsed: ParsedFile,
             errors: list[str]):
    """Resolve the Chinese label (and the English one when present); None after an error."""
    ck = (obs.region, obs.region_en)
    if ck in cache:
        return cache[ck]
    res = None
    try:
        res = resolve_label(obs.region, level, ref)
    except RegionNameError as exc:
        if not obs.region_en:
            errors.append(f"{parsed.display}: {obs.row_where}: {exc}")
    if obs.region_en:
        try:
            en = resolve_label(obs.region_en, level, ref)
        except RegionNameError as exc:
            en = None
            if res is None:
                errors.append(f"{parsed.display}: {obs.row_where}: {exc}")
        if res is None:
            res = en
        elif en is not None and en.code != res.code:
            errors.append(f"{parsed.display}: {obs.row_where}: the Chinese label {obs.region!r} ({res.code or res.kind}) "
                          f"and the English label {obs.region_en!r} ({en.code or en.kind}) disagree")
            res = None
        elif en is not None and en.how and not res.how:
            res = en  # report the English correction (Tianji -> Tianjin)
    cache[ck] = res
    return res


def _merge_row(row: Row, seen: dict, existing: Existing, rows: dict[str, list[Row]], rep: FileReport,
               conflicts: dict[tuple[str, str], list[str]], out: Path) -> None:
    """Keep a new row, count it as already there (same value), or record a conflict."""
    prior = seen.get((row.file, row.key))
    if prior is not None:
        if same_value(prior.value, row.value):
            rep.same_as_earlier += 1
            rep.unwrite(row.file)
            return
        conflicts.setdefault((prior.display, row.display), []).append(
            f"{row.file}.csv {row.key}: {prior.value:.10g} ({prior.origin.removeprefix(prior.display).strip()}) "
            f"vs {row.value:.10g} ({row.origin.removeprefix(row.display).strip()})")
        return
    old = existing.keys.get(row.key)
    if old is not None:
        if same_value(old[0], row.value):
            rep.already_present += 1
            rep.unwrite(row.file)
            return
        conflicts.setdefault((f"{out / (row.file + '.csv')} (already there)", row.display), []).append(
            f"{row.key}: {old[0]} (line {old[2]}, source {old[1][:60]}) vs {row.value:.10g} "
            f"({row.origin.removeprefix(row.display).strip()})")
        return
    seen[(row.file, row.key)] = row
    rows.setdefault(row.file, []).append(row)


def _source(parsed: ParsedFile, obs: Observation) -> str:
    parts = [f"{parsed.display} {obs.where}", parsed.format]
    if parsed.table or obs.column:
        parts.append(f"table {parsed.table} {parsed.series}".replace("  ", " ")
                     + (f" / {obs.column}" if obs.column else ""))
    elif obs.series:
        parts.append(f"{obs.series}({obs.unit})" if obs.unit else obs.series)
    if parsed.notes:
        parts.append(" ".join(parsed.notes))
    return " | ".join(parts)


def _fmt(value: float) -> str:
    return f"{value:.10g}"

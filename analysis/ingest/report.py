"""The ingest report: what was read, written, skipped and corrected (``ingest_report.md`` / ``.json``).

Each ``agglo ingest`` run writes both files into the raw directory (replacing the previous run's
report; the contract CSVs themselves keep every earlier row).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FileReport:
    """Counts and lists for one file read."""

    file: str
    format: str
    table: str
    series: str
    database: str
    notes: list[str]
    values_read: int
    missing_cells: int
    rows_written: Counter = field(default_factory=Counter)
    same_as_earlier: int = 0
    already_present: int = 0
    out_of_panel_years: Counter = field(default_factory=Counter)
    skipped_columns: dict[str, list] = field(default_factory=dict)
    skipped_regions: dict[str, list] = field(default_factory=dict)
    corrections: dict[str, list] = field(default_factory=dict)

    def written(self, stem: str) -> None:
        """Count one row to write."""
        self.rows_written[stem] += 1

    def unwrite(self, stem: str) -> None:
        """A row not written after all (same value already present)."""
        self.rows_written[stem] -= 1

    def out_of_panel(self, year: int) -> None:
        """A value of a year outside the panel (dropped)."""
        self.out_of_panel_years[year] += 1

    def skip_column(self, column: str, why: str) -> None:
        """A value of a series/column the seed maps to ``skip``."""
        entry = self.skipped_columns.setdefault(column, [why, 0])
        entry[1] += 1

    def skip_region(self, label: str, kind: str, reading: str) -> None:
        """A value of an aggregate row or a region outside the panel."""
        entry = self.skipped_regions.setdefault(label, [kind, reading, 0])
        entry[2] += 1

    def correction(self, label: str, reading: str, code: str, how: str) -> None:
        """A label resolved after a correction."""
        entry = self.corrections.setdefault(label, [reading, code, how, 0])
        entry[3] += 1

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "file": self.file, "format": self.format, "table": self.table, "series": self.series,
            "database": self.database, "notes": self.notes, "values_read": self.values_read,
            "missing_cells": self.missing_cells,
            "rows_written": {k: v for k, v in sorted(self.rows_written.items()) if v},
            "same_value_in_earlier_file": self.same_as_earlier,
            "same_value_already_in_raw_dir": self.already_present,
            "dropped_outside_panel": {"values": sum(self.out_of_panel_years.values()),
                                      "years": sorted(self.out_of_panel_years)},
            "skipped_columns": [{"column": k, "reason": v[0], "values": v[1]}
                                for k, v in self.skipped_columns.items()],
            "skipped_regions": [{"label": k, "kind": v[0], "read_as": v[1], "values": v[2]}
                                for k, v in self.skipped_regions.items()],
            "names_corrected": [{"label": k, "read_as": v[0], "code": v[1], "how": v[2], "values": v[3]}
                                for k, v in self.corrections.items()],
        }


def render_json(report: dict) -> str:
    """The report as JSON text."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def render_markdown(report: dict) -> str:
    """The report as Markdown: a summary table, then per-file details."""
    lines = [
        "# Ingest report",
        "",
        f"Created {report['created_at']} for raw directory `{report['raw_dir']}`. Panel years: "
        + ", ".join(f"{k} {a}-{b}" for k, (a, b) in report["panel_years"].items())
        + "; values of other years are dropped (counted below), never written.",
        "",
        "Rows added: " + (", ".join(f"`{k}.csv` +{n}" for k, n in report["rows_added"].items()) or "none"),
        "",
        "| file | format | table / indicator | values read | rows written | same value elsewhere | "
        "outside panel | names corrected | regions skipped |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in report["files"]:
        written = ", ".join(f"{k} {v}" for k, v in f["rows_written"].items()) or "0"
        same = f["same_value_in_earlier_file"] + f["same_value_already_in_raw_dir"]
        series = f"{f['table']} {f['series']}".strip()
        lines.append(f"| `{f['file']}` | {f['format']} | {series} | {f['values_read']} | {written} | {same} | "
                     f"{f['dropped_outside_panel']['values']} | {len(f['names_corrected'])} | "
                     f"{len(f['skipped_regions'])} |")
    for f in report["files"]:
        lines += ["", f"## `{f['file']}`", "", f"- format: {f['format']}"]
        if f["database"]:
            lines.append(f"- database: {f['database']}")
        if f["notes"]:
            lines.append("- footnotes (kept in `source`): " + " ".join(f["notes"]))
        drop = f["dropped_outside_panel"]
        if drop["values"]:
            lines.append(f"- dropped outside the panel: {drop['values']} values, years "
                         + ", ".join(map(str, drop["years"])))
        for c in f["names_corrected"]:
            lines.append(f"- name corrected: `{c['label']}` -> {c['read_as']} ({c['code']}, {c['how']}), "
                         f"{c['values']} values")
        for s in f["skipped_regions"]:
            lines.append(f"- region skipped ({s['kind']}): `{s['label']}`, {s['values']} values")
        for s in f["skipped_columns"]:
            lines.append(f"- not written: `{s['column']}` ({s['reason']}), {s['values']} values")
    if report["ignored_files"]:
        lines += ["", "## Files ignored (not *.csv / *.xls / *.xlsx / *.html)", ""]
        lines += [f"- `{name}`" for name in report["ignored_files"]]
    return "\n".join(lines) + "\n"

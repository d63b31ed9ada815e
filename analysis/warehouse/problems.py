"""Problems found in raw files, and the advice each one carries.

Every problem renders as ``file:line: column <name>: rule <rule>: value <v> — what to do`` (line
numbers are 1-based lines of the file, counting comment and header lines).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

MAX_LISTED_PROBLEMS = 200

# Text read as "no value" (as the dbt macro ``missing_tokens`` in warehouse/macros/cleaning.sql).
MISSING_TOKENS = frozenset(["", "-", "--", "—", "–", "..", "...", "…", "na", "n/a", "nan", "null", "none"])

@dataclass(frozen=True)
class Problem:
    """One problem in a raw file, with what to do about it."""

    file: str
    line: int
    column: str
    rule: str
    value: str
    fix: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"{self.file}:{self.line}: column {self.column}: rule {self.rule}: value {value!r} — {self.fix}"


def format_problems(problems: Sequence[Problem | str], what: str, limit: int = MAX_LISTED_PROBLEMS) -> str:
    """Render problems as one message: a count line, then one problem per line (at most ``limit``)."""
    lines = [f"{len(problems)} problem(s) in {what}:"]
    lines += [f"  {p}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more (fix the ones above and run again)")
    return "\n".join(lines)


def parse_number(text: str) -> float | None:
    """Parse a number as the dbt macro ``clean_number`` does (thousands separators, spaces removed)."""
    try:
        number = float(text.replace(",", "").replace(" ", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def number_fix(text: str) -> str:
    """Advice for a value that is not a number."""
    return "write a plain number (decimal point, no units or notes); leave the cell empty if the value is missing"


def scale_hint(value: float, lo: float, hi: float) -> str:
    """Say which power of ten would bring a far-off value into range (a unit mix-up)."""
    if lo / 5 <= value <= hi * 5:
        return ""
    for factor, label in ((1e4, "10^4"), (1e8, "10^8"), (1e3, "10^3"), (100.0, "100")):
        if lo <= value / factor <= hi:
            return (f" It is {label} times too large: it looks entered in a unit {label} times smaller "
                    "(e.g. yuan where 10k yuan is expected); convert it or fix the unit column.")
        if lo <= value * factor <= hi:
            return (f" It is {label} times too small: it looks entered in a unit {label} times larger; "
                    "convert it or fix the unit column.")
    return ""


def unknown_code_fix(value: str, kind: str, known: set[str]) -> str:
    """Advice for an unknown sector or CIC division code (with the nearest known codes)."""
    seed = {"sectors": "sectors.csv (GB/T 4754-2017 section letters A..S)",
            "industries": "cic_divisions.csv (CIC 2-digit divisions 13..43)"}[kind]
    near = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
    hint = f"nearest: {', '.join(near)}; " if near else ""
    return f"unknown code; {hint}use a code of warehouse/seeds/{seed}"


def unknown_indicator_fix(code: str, level: str, known: list[str]) -> str:
    """Advice for an indicator code not in the catalog (with the nearest known codes)."""
    near = difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    hint = f"nearest: {', '.join(near)}; " if near else ""
    return (f"unknown {level} indicator; {hint}use an indicator_code of level {level} in "
            "warehouse/seeds/indicator_catalog.csv (a new indicator is a new row there)")


def unit_fix(code: str, given: str, unit: str) -> str:
    """Advice for a unit that neither equals nor converts to the catalog unit."""
    return (f"{code} is measured in {unit!r} (indicator_catalog.csv) and "
            f"warehouse/seeds/unit_conversions.csv has no {given!r} -> {unit!r} factor; "
            f"convert the value to {unit} or add the conversion row")


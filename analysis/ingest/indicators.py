"""Indicator names and yearbook table columns -> contract targets, through the seed ``indicator_aliases``.

``warehouse/seeds/indicator_aliases.csv`` has one row per name a source uses:

| column | meaning |
|---|---|
| ``alias`` | NBS indicator name without its unit (``地区生产总值``) or yearbook table title without number and year (``国内三种专利授权数按地区分布``) |
| ``level`` | ``province`` / ``prefecture`` / ``county``: the level of the file's regions |
| ``column_label`` | yearbook column label (Chinese header text, e.g. ``合计``, ``发明``); empty for NBS files (one indicator per file); ``*`` = every other column of that table |
| ``target`` | ``province_indicators``, ``county_indicators``, ``province_sector_employment``, ``prefecture_sector_employment``, or ``skip`` |
| ``indicator_code`` / ``sector_code`` | the catalog code (indicator files) or GB/T 4754 section (employment files) |
| ``note`` | why (for ``skip`` rows it is printed in the ingest report) |

Matching ignores whitespace, case and full-/half-width differences. A new source name is a new row
here, not new code. A name that is not in the seed is an error (the message says to add the row).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.errors import AggloError
from analysis.ingest.records import norm_text
from analysis.warehouse.raw_validation import SEEDS_DIR, Reference, read_seed

TARGETS = ("province_indicators", "county_indicators", "province_sector_employment",
           "prefecture_sector_employment", "skip")
SECTOR_UNIT = "10k_persons"


@dataclass(frozen=True)
class Target:
    """Where the values of one (series, column) go.

    Attributes
    ----------
    file : str
        Contract file stem (``province_indicators``) or ``skip``.
    code : str
        ``indicator_code`` (indicator files) or ``sector_code`` (employment files); empty for skip.
    unit : str
        Catalog unit the value is converted into for comparison (``100m_yuan``; ``10k_persons`` for
        employment files, where the value is written in that unit).
    note : str
        From the seed (the reason of a skip).
    """

    file: str
    code: str
    unit: str
    note: str = ""

    @property
    def panel(self) -> str:
        """Which panel years apply (``province`` or ``county``)."""
        return "county" if self.file.startswith("county") else "province"


class IndicatorMap:
    """Lookup of (series, column, level) in the seed and the catalog."""

    def __init__(self, ref: Reference, seeds_dir: Path = SEEDS_DIR) -> None:
        self.ref = ref
        self.rows: dict[tuple[str, str, str], Target] = {}
        for i, row in enumerate(read_seed("indicator_aliases", seeds_dir), start=2):
            target, level = row["target"].strip(), row["level"].strip()
            if target not in TARGETS:
                raise AggloError(f"{seeds_dir / 'indicator_aliases.csv'}:{i}: target {target!r} is not one of "
                                 f"{', '.join(TARGETS)}")
            code = (row["sector_code"] if target.endswith("sector_employment") else row["indicator_code"]).strip()
            unit = SECTOR_UNIT if target.endswith("sector_employment") else ""
            if target.endswith("indicators"):
                entry = ref.indicators.get((target.split("_")[0], code))
                if entry is None:
                    raise AggloError(f"{seeds_dir / 'indicator_aliases.csv'}:{i}: indicator_code {code!r} is "
                                     f"not in indicator_catalog.csv at level {target.split('_')[0]}")
                unit = entry[0]
            key = (norm_text(row["alias"]), level, norm_text(row["column_label"]))
            self.rows[key] = Target(target, code, unit, row["note"].strip())

    def catalog_target(self, code: str, level: str) -> Target | None:
        """A catalog code given directly (``--indicator gdp_100m_yuan``)."""
        if level in ("province", "county") and (level, code.strip().lower()) in self.ref.indicators:
            code = code.strip().lower()
            return Target(f"{level}_indicators", code, self.ref.indicators[(level, code)][0], "catalog code")
        return None

    def lookup(self, series: str, column: str, level: str) -> Target | None:
        """The target of a series (and yearbook column), or None when the seed does not know it."""
        direct = self.catalog_target(series, level)
        if direct is not None and not column:
            return direct
        s, c = norm_text(series), norm_text(column)
        return self.rows.get((s, level, c)) or (self.rows.get((s, level, "*")) if c else None)

    def knows_series(self, series: str, level: str) -> bool:
        """Whether any row of the seed names this series at this level."""
        s = norm_text(series)
        return any(k[0] == s and k[1] == level for k in self.rows)


def known_units(ref: Reference) -> set[str]:
    """Units recognised in ``name(unit)`` labels: every unit of unit_conversions and the catalog."""
    units = {u for pair in ref.conversions for u in pair}
    units |= {u for (_, _), (u, _, _) in ref.indicators.items()}
    return units | {"人年", "万人年", "%", "‰"}


def unit_factor(given: str, target_unit: str, ref: Reference) -> float | None:
    """Factor from the published unit to the target unit, or None when unit_conversions has none."""
    given = given.strip()
    if given.lower() == target_unit.lower():
        return 1.0
    return ref.conversions.get((given, target_unit)) or ref.conversions.get((given.lower(), target_unit))

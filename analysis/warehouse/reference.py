"""Reference facts the raw files are checked against: division aliases, codes, the indicator catalog.

Read from the seeds (``warehouse/seeds``, through :func:`analysis.warehouse.contract.read_seed`) and the
panel years of ``dbt_project.yml``. :func:`resolve_division` resolves a division code or name as the
dbt staging models do (``division_aliases``, key ``alias_norm``) and says what to do when it does not.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.warehouse.contract import DBT_PROJECT, SEEDS_DIR, panel_years, read_seed


def norm_alias(text: str) -> str:
    """Normalise a division name or code as the ``division_aliases`` seed does.

    Lowercase, every whitespace character (also the full-width space U+3000) removed.

    Examples
    --------
    >>> norm_alias(" 四川 省 ")
    '四川省'
    """
    return "".join(text.lower().split())


@dataclass(frozen=True)
class Reference:
    """Reference facts the raw files are checked against (from ``warehouse/seeds``).

    Attributes
    ----------
    aliases : dict
        level -> alias_norm -> code.
    alias_names : dict
        level -> alias_norm -> alias as written in the seed (for suggestions).
    codes : dict
        level -> set of codes (``province``, ``prefecture``, ``county``, ``sectors``,
        ``industries``).
    province_names : dict
        province code -> Chinese name.
    indicators : dict
        (level, indicator_code) -> (unit, min_plausible, max_plausible).
    conversions : dict
        (from_unit, to_unit) -> factor.
    years : dict
        panel (``province`` / ``county``) -> (first_year, last_year).
    fingerprint : tuple
        Path, size and modification time of every file read (seeds, dbt_project.yml): a cache of
        checked raw files is valid only for the same fingerprint.
    """

    aliases: dict[str, dict[str, str]]
    alias_names: dict[str, dict[str, str]]
    codes: dict[str, set[str]]
    province_names: dict[str, str]
    indicators: dict[tuple[str, str], tuple[str, float, float]]
    conversions: dict[tuple[str, str], float]
    years: dict[str, tuple[int, int]]
    fingerprint: tuple[tuple[str, int, int], ...] = ()


def load_reference(seeds_dir: Path = SEEDS_DIR, dbt_project: Path = DBT_PROJECT) -> Reference:
    """Read the seeds the raw checks need.

    Parameters
    ----------
    seeds_dir : Path
        Directory of the reference seeds (default ``warehouse/seeds``).
    dbt_project : Path
        ``dbt_project.yml`` whose vars give the panel years.

    Returns
    -------
    Reference
    """
    aliases: dict[str, dict[str, str]] = {"province": {}, "prefecture": {}, "county": {}}
    alias_names: dict[str, dict[str, str]] = {"province": {}, "prefecture": {}, "county": {}}
    for row in read_seed("division_aliases", seeds_dir):
        aliases.setdefault(row["level"], {})[row["alias_norm"]] = row["code"]
        alias_names.setdefault(row["level"], {})[row["alias_norm"]] = row["alias"]
    provinces = read_seed("provinces", seeds_dir)
    indicators = {
        (r["level"], r["indicator_code"]): (
            r["unit"],
            float(r["min_plausible"]) if r["min_plausible"] else -math.inf,
            float(r["max_plausible"]) if r["max_plausible"] else math.inf,
        )
        for r in read_seed("indicator_catalog", seeds_dir)
    }
    codes = {
        "province": {r["province_code"] for r in provinces},
        "prefecture": {r["prefecture_code"] for r in read_seed("prefectures", seeds_dir)},
        "county": {r["county_code"] for r in read_seed("counties", seeds_dir)},
        "sectors": {
            r["sector_code"] for r in read_seed("sectors", seeds_dir)
            if r.get("in_employment_yearbook", "true").lower() == "true"
        },
        "industries": {r["industry_code"] for r in read_seed("cic_divisions", seeds_dir)},
    }
    conversions = {
        (r["from_unit"], r["to_unit"]): float(r["factor"])
        for r in read_seed("unit_conversions", seeds_dir)
    }
    return Reference(
        aliases=aliases,
        alias_names=alias_names,
        codes=codes,
        province_names={r["province_code"]: r["name_zh"] for r in provinces},
        indicators=indicators,
        conversions=conversions,
        years=panel_years(dbt_project),
        fingerprint=tuple(file_key(p) for p in (*sorted(seeds_dir.glob("*.csv")), dbt_project)),
    )


def file_key(path: Path) -> tuple[str, int, int]:
    """(resolved path, size, mtime in ns): changes whenever the file is rewritten."""
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _suggest(value: str, level: str, ref: Reference) -> str:
    names = ref.alias_names.get(level, {})
    near = difflib.get_close_matches(norm_alias(value), list(names), n=8, cutoff=0.4)
    by_code: dict[str, str] = {}
    for n in near:  # one name per code, best match first
        by_code.setdefault(ref.aliases[level][n], names[n])
    if not by_code:
        return ""
    shown = ", ".join(f"{name} ({code})" for code, name in list(by_code.items())[:3])
    return f"nearest known names: {shown}; "


def resolve_division(value: str, level: str, ref: Reference) -> tuple[str | None, str]:
    """Resolve a code or name to a division code through the alias seed.

    Parameters
    ----------
    value : str
        Code or name as written in the raw file.
    level : str
        ``province``, ``prefecture`` or ``county``.
    ref : Reference
        Reference data.

    Returns
    -------
    code : str or None
        The current code, or None when the value does not resolve.
    fix : str
        When unresolved, what to do (with the nearest known names).
    """
    code = ref.aliases.get(level, {}).get(norm_alias(value))
    if code is not None:
        return code, ""
    raw = norm_alias(value)
    if level in ("county", "prefecture") and re.fullmatch(r"\d{6}", raw):
        prov = raw[:2] + "0000"
        if level == "county" and prov in ref.province_names:
            return None, (f"{raw} is not a current county code of {ref.province_names[prov]} ({prov}) and "
                          "has no single successor in warehouse/seeds/county_code_changes.csv (an abolished, "
                          "merged or split unit, or a typo): use the current code of the unit the data "
                          "belong to (warehouse/seeds/counties.csv lists them)")
    seed = {"province": "provinces", "prefecture": "prefectures", "county": "counties"}[level]
    return None, (f"unknown {level} {value!r}; {_suggest(value, level, ref)}use a GB/T 2260 code or a "
                  f"name listed in warehouse/seeds/division_aliases.csv (level {level}); a new "
                  f"spelling is a new alias row there, a new {level} a row in {seed}.csv")



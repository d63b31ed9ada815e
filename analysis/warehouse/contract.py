"""The raw input contract, read from its one source: the dbt sources of the staging layer.

``warehouse/models/staging/_staging__sources.yml`` names every raw file (a dbt source table ``<stem>``
is the file ``<stem>.csv``), its columns in order with the type each must parse to (``data_type``) and,
under ``config.meta.contract``, the key, the panel whose years apply, whether the file is required and
the column rules (division resolution, code lookups, non-negative, not null). The panel years are the
``vars`` of ``dbt_project.yml``. Everything else reads the contract from here: the raw-file
validation (:mod:`analysis.warehouse.raw_validation`), the pipeline's file check, the GX raw suites
(:mod:`analysis.checks.raw_suites`), the demo generator's headers and years; docs/data_contract.md is
checked against it by ``tests/warehouse/test_contract.py``.

:func:`read_seed` is the one reader of the reference seeds (``warehouse/seeds/*.csv``) in Python.

Examples
--------
>>> from analysis.warehouse.contract import RAW_FILES, raw_file
>>> raw_file("firms.csv").key
('firm_id', 'year')
>>> [f.name for f in RAW_FILES if f.required][:2]
['province_sector_employment.csv', 'prefecture_sector_employment.csv']
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT

SOURCES_YML = PROJECT_ROOT / "warehouse" / "models" / "staging" / "_staging__sources.yml"
DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"
SEEDS_DIR = PROJECT_ROOT / "warehouse" / "seeds"

DIVISION_LEVELS = ("province", "prefecture", "county")
LOOKUPS = ("sectors", "industries", "industries4")
PANELS = ("province", "county")
NUMERIC_TYPES = ("double", "integer")
COLUMN_RULES = ("division", "lookup", "non_negative", "not_null")
TABLE_KEYS = ("key", "panel", "required", "indicator_level")


@dataclass(frozen=True)
class RawFileSpec:
    """What one raw CSV of the contract must look like.

    Attributes
    ----------
    name : str
        File name inside the raw directory (``<stem>.csv``).
    columns : tuple of str
        Header, in order.
    key : tuple of str
        Columns that identify a row (after codes are resolved).
    divisions : dict
        Column -> division level (``province``, ``prefecture``, ``county``) resolved through the
        alias seed.
    panel : str
        ``province`` or ``county``: which year range of ``dbt_project.yml`` applies.
    lookups : dict
        Column -> reference set (``sectors``, ``industries``, ``industries4``) the value must be in.
    numeric : tuple of str
        Columns that must be numbers when not empty (``data_type`` double or integer, except ``year``).
    non_negative : tuple of str
        Numeric columns that must be >= 0.
    integer : tuple of str
        Numeric columns that must be whole numbers (``data_type: integer``).
    indicator_level : str or None
        For long indicator files, the catalog level (``province`` / ``county``): ``indicator_code``
        must be in the catalog, ``unit`` must equal or convert to the catalog unit, and ``value``
        must lie in the catalog's plausible range.
    required : bool
        Whether the file must be present.
    not_null : tuple of str
        Free-text columns that must not be empty (``firm_id``).
    types : dict
        Column -> ``data_type`` (``varchar``, ``integer``, ``double``).
    descriptions : dict
        Column -> description (the dbt docs).
    """

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    divisions: dict[str, str]
    panel: str
    lookups: dict[str, str] = field(default_factory=dict)
    numeric: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    integer: tuple[str, ...] = ()
    indicator_level: str | None = None
    required: bool = True
    not_null: tuple[str, ...] = ()
    types: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        """The dbt source table name (the file name without ``.csv``)."""
        return self.name.removesuffix(".csv")


def _contract_meta(node: dict[str, Any]) -> dict[str, Any]:
    return ((node.get("config") or {}).get("meta") or {}).get("contract") or {}


def _spec(table: dict[str, Any], where: str) -> RawFileSpec:
    """One :class:`RawFileSpec` from a dbt source table entry."""
    meta = _contract_meta(table)
    unknown = set(meta) - set(TABLE_KEYS)
    if unknown:
        raise AggloError(f"{where}: config.meta.contract: unknown key(s) {sorted(unknown)}; allowed {TABLE_KEYS}")
    columns = [c["name"] for c in table.get("columns", [])]
    types = {c["name"]: str(c.get("data_type", "")).lower() for c in table.get("columns", [])}
    rules = {c["name"]: _contract_meta(c) for c in table.get("columns", [])}
    problems = [f"column {c}: data_type {t!r} (use varchar, integer or double)"
                for c, t in types.items() if t not in ("varchar", *NUMERIC_TYPES)]
    problems += [f"column {c}: unknown rule(s) {sorted(set(r) - set(COLUMN_RULES))}"
                 for c, r in rules.items() if set(r) - set(COLUMN_RULES)]
    problems += [f"column {c}: division {r['division']!r} (one of {DIVISION_LEVELS})"
                 for c, r in rules.items() if "division" in r and r["division"] not in DIVISION_LEVELS]
    problems += [f"column {c}: lookup {r['lookup']!r} (one of {LOOKUPS})"
                 for c, r in rules.items() if "lookup" in r and r["lookup"] not in LOOKUPS]
    key = tuple(meta.get("key") or ())
    problems += [f"key column {k} is not a column" for k in key if k not in columns]
    if not key:
        problems.append("config.meta.contract.key missing")
    if meta.get("panel") not in PANELS:
        problems.append(f"config.meta.contract.panel {meta.get('panel')!r} (one of {PANELS})")
    if "year" not in columns or "source" not in columns:
        problems.append("every raw file has a year and a source column")
    if problems:
        raise AggloError(f"{where}: " + "; ".join(problems))
    numeric = tuple(c for c in columns if types[c] in NUMERIC_TYPES and c != "year")
    return RawFileSpec(
        name=f"{table['name']}.csv",
        columns=tuple(columns),
        key=key,
        divisions={c: r["division"] for c, r in rules.items() if "division" in r},
        panel=str(meta["panel"]),
        lookups={c: r["lookup"] for c, r in rules.items() if "lookup" in r},
        numeric=numeric,
        non_negative=tuple(c for c in numeric if rules[c].get("non_negative")),
        integer=tuple(c for c in numeric if types[c] == "integer"),
        indicator_level=meta.get("indicator_level"),
        required=bool(meta.get("required", True)),
        not_null=tuple(c for c in columns if rules[c].get("not_null")),
        types=types,
        descriptions={c["name"]: str(c.get("description", "")) for c in table.get("columns", [])},
    )


@cache
def load_contract(path: Path = SOURCES_YML) -> tuple[RawFileSpec, ...]:
    """Read the raw contract from the dbt sources file.

    Parameters
    ----------
    path : Path
        The dbt sources YAML (default ``warehouse/models/staging/_staging__sources.yml``).

    Returns
    -------
    tuple of RawFileSpec
        One per table of the source ``raw``, in the file's order.

    Raises
    ------
    AggloError
        When the file is missing or a table's contract metadata is incomplete or unknown.
    """
    if not path.exists():
        raise AggloError(f"{path}: the raw contract (dbt sources) is missing; restore it (git checkout)")
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    source = next((s for s in doc.get("sources", []) if s.get("name") == "raw"), None)
    if source is None:
        raise AggloError(f"{path}: no dbt source named 'raw' (the raw contract)")
    return tuple(_spec(t, f"{path.name}: table {t.get('name')}") for t in source.get("tables", []))


RAW_FILES: tuple[RawFileSpec, ...] = load_contract()


def raw_file(name: str) -> RawFileSpec:
    """The contract of one raw file, by file name (``firms.csv``) or stem (``firms``)."""
    stem = name.removesuffix(".csv")
    for spec in RAW_FILES:
        if spec.stem == stem:
            return spec
    raise KeyError(f"{name}: not a raw file of the contract ({', '.join(s.name for s in RAW_FILES)})")


def required_files() -> tuple[str, ...]:
    """File names every raw directory must hold."""
    return tuple(s.name for s in RAW_FILES if s.required)


def headers() -> dict[str, list[str]]:
    """File stem -> header (columns in order), for writers of raw files (the demo generator)."""
    return {s.stem: list(s.columns) for s in RAW_FILES}


def panel_years(dbt_project: Path = DBT_PROJECT) -> dict[str, tuple[int, int]]:
    """Panel year ranges from the ``vars`` of ``dbt_project.yml`` (the one place they are set).

    Returns
    -------
    dict
        ``{"province": (first, last), "county": (first, last)}``.
    """
    with dbt_project.open(encoding="utf-8") as fh:
        dbt_vars = (yaml.safe_load(fh) or {}).get("vars", {})
    try:
        return {
            level: (int(dbt_vars[f"{level}_first_year"]), int(dbt_vars[f"{level}_last_year"]))
            for level in PANELS
        }
    except KeyError as exc:
        raise AggloError(f"{dbt_project}: vars: {exc.args[0]} missing; it sets the panel years") from exc


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    """Read ``<seeds_dir>/<name>.csv`` as a list of dicts (every value a string, codes keep zeros).

    Raises
    ------
    AggloError
        When the seed file is missing.
    """
    path = seeds_dir / f"{name}.csv"
    if not path.exists():
        raise AggloError(f"{path}: reference seed missing; restore it from the repository (git checkout)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))

"""What the GE checkpoint validates: ``expectations/checkpoint.yml``, the suite files, their parameters.

:func:`load_checkpoint` reads the list of validations, :func:`load_suite` one suite (a raw suite gets
the expectations of the raw contract, :mod:`analysis.checks.raw_suites`), :func:`suite_parameters` the
``$PARAMETER`` values from the seeds and the panel years, and :func:`study_column_uses` the columns the
study specs read (the ``study_columns`` suite). :mod:`analysis.checks.checkpoint` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.checks.raw_suites import expand_suite
from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT
from analysis.warehouse.raw_validation import Reference

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
CHECKPOINT_FILE = EXPECTATIONS_DIR / "checkpoint.yml"
SUITES_DIR = EXPECTATIONS_DIR / "suites"


@dataclass(frozen=True)
class Validation:
    """One entry of ``expectations/checkpoint.yml``: a suite and the data it validates."""

    suite: str
    kind: str  # "raw" | "table" | "query" | "study_columns"
    target: str  # file name, table name, SQL text or specs directory
    index: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Short name of the data in messages."""
        return self.target if self.kind in ("raw", "table") else self.suite


def load_checkpoint(path: Path = CHECKPOINT_FILE) -> tuple[dict[str, Any], list[Validation]]:
    """Read the checkpoint definition.

    Returns
    -------
    settings : dict
    validations : list of Validation
    """
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    validations = []
    for entry in doc["validations"]:
        kind = next((k for k in ("raw", "table", "query", "study_columns") if k in entry), None)
        if kind is None:
            raise AggloError(f"{path}: validation {entry.get('suite')!r} names no data "
                           "(one of raw:, table:, query:, study_columns:)")
        validations.append(Validation(entry["suite"], kind, str(entry[kind]).strip(), tuple(entry.get("index", ()))))
    return doc.get("settings", {}), validations


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> dict[str, Any]:
    """Read one suite file (``expectations/suites/<name>.yml``) as a GX suite dict."""
    path = suites_dir / f"{name}.yml"
    if not path.exists():
        raise AggloError(f"{path}: suite file missing (listed in {CHECKPOINT_FILE.name})")
    with path.open(encoding="utf-8") as fh:
        suite = yaml.safe_load(fh)
    if suite.get("name") != name:
        raise AggloError(f"{path}: name {suite.get('name')!r} differs from the file name {name!r}")
    return expand_suite(suite)  # a raw suite gets the expectations of the raw contract


def suite_parameters(ref: Reference, settings: dict[str, Any]) -> dict[str, Any]:
    """The values of ``$PARAMETER`` in the suites, from the seeds, dbt vars and checkpoint settings.

    Expected row counts are the seeds' division counts times the panel's years, so that adding a
    county to the seed or a year to the panel needs no change to a suite.
    """
    (p0, p1), (c0, c1) = ref.years["province"], ref.years["county"]
    n_prov, n_cnty = len(ref.codes["province"]), len(ref.codes["county"])
    return {
        "province_codes": sorted(ref.codes["province"]),
        "prefecture_codes": sorted(ref.codes["prefecture"]),
        "county_codes": sorted(ref.codes["county"]),
        "sector_codes": sorted(ref.codes["sectors"]),
        # sections plus PS, the productive-service group G+I+J+L+M of paper 001 (pair indices)
        "sector_group_codes": [*sorted(ref.codes["sectors"]), "PS"],
        "industry_codes": sorted(ref.codes["industries"]),
        "province_indicator_codes": sorted(c for lv, c in ref.indicators if lv == "province"),
        "county_indicator_codes": sorted(c for lv, c in ref.indicators if lv == "county"),
        "province_first_year": p0,
        "province_last_year": p1,
        "county_first_year": c0,
        "county_last_year": c1,
        "n_provinces": n_prov,
        "n_counties": n_cnty,
        "n_prefectures": len(ref.codes["prefecture"]),
        "n_province_years": n_prov * (p1 - p0 + 1),
        "n_county_years": n_cnty * (c1 - c0 + 1),
        "n_county_panel_years": c1 - c0 + 1,
        "max_imputed_share": float(settings.get("max_imputed_share", 0.2)),
    }


def study_column_uses(specs_dir: Path) -> list[tuple[str, str, str]]:
    """Every (spec, table, column) a study spec reads from a warehouse table.

    Parameters
    ----------
    specs_dir : Path
        Directory of study specs (``analysis/studies/specs``, one folder per paper; the paper
        manifests ``study.yml`` are not specs).

    Returns
    -------
    list of tuple
        Sorted, without duplicates; specs whose data is a CSV are left out.
    """
    from analysis.estimators.terms import required_columns
    from analysis.studies.manifest import spec_files
    from analysis.studies.spec import load_spec, model_terms

    paths = spec_files(specs_dir)
    if not paths:  # a moved or mistyped folder must not pass the suite with nothing checked
        raise AggloError(f"{specs_dir}: no study specs (*.yml) found; fix study_columns in "
                         f"{CHECKPOINT_FILE.name}")
    uses: set[tuple[str, str, str]] = set()
    for path in paths:
        spec = load_spec(path)
        table = spec.data.get("table")
        if not table:
            continue
        terms = [t for m in spec.models for t in model_terms(m)] + list(spec.variables)
        uses |= {(spec.name, str(table), c) for c in required_columns(terms)}
    return sorted(uses)


def study_columns_profile(con: Any, specs_dir: Path, tables: set[str]) -> Any:
    """Profile (present, non-null count, distinct count) of every (table, column) a study spec uses."""
    try:
        uses = study_column_uses(specs_dir)
    except Exception as exc:  # a spec that does not load is reported, not hidden
        return f"could not read the specs in {specs_dir}: {exc}"
    specs: dict[tuple[str, str], list[str]] = {}
    for spec, table, column in uses:
        specs.setdefault((table, column), []).append(spec)
    columns = {t: {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'main' and table_name = ?",
        [t]).fetchall()} for t in {t for t, _ in specs} & tables}
    rows = []
    for (table, column), names in specs.items():
        present = column in columns.get(table, set())
        n_non_null = n_distinct = None  # absent: only column_exists fails
        if present:
            n_non_null, n_distinct = con.execute(
                f'select count("{column}"), count(distinct "{column}") from main."{table}"').fetchone()
        rows.append({"table": table, "column": column, "specs": ", ".join(names), "is_present": present,
                     "n_non_null": n_non_null, "n_distinct": n_distinct})
    frame = pd.DataFrame(rows, columns=["table", "column", "specs", "is_present", "n_non_null", "n_distinct"])
    return frame.astype({"n_non_null": "Int64", "n_distinct": "Int64", "is_present": bool})

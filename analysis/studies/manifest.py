"""Paper manifests: which spec or mart is which table of which paper, in the paper's order.

Each paper has a folder ``analysis/studies/specs/p<NNN>/`` with its spec files and one ``study.yml``::

    paper: "001"
    title: Paper 001 — Industrial synergy agglomeration and advanced manufacturing
    marts: [fct_province_years, fct_ami_weights, fct_spatial_weights]   # the marts its tables read
    tables:                                   # in the order the report shows them
      - {id: p001_table2, table: 2, mart: fct_ami_weights}             # an index table read from a mart
      - {id: p001_table3, table: 3, spec: p001_table3.yml}             # a study table from a spec
      - {id: p001_moran, spec: p001_moran.yml, required: false}
      - id: p000_table4
        table: 4
        spec: p000_table4.yml
        indicate: {time: "year_*", Division (CIC) dummies: "industry_code_*"}

``id`` is the table's id (for a spec: its file stem, which is also the spec name in the results
schema and the name of ``reports/tables/<id>.*``); ``table`` its number in the paper (for captions);
``required`` (default true) whether the report lists the table as missing when it has no results.
``indicate`` (as esttab's ``indicate()``) maps a row label to an ``fnmatch`` pattern of terms: the
matching coefficients (dummy sets) stay in the results schema but the tables show one "Yes/No" row
for them; the labels ``entity`` and ``time`` fold the terms into that fixed-effects row.

:func:`load_studies` reads every manifest of a specs directory; :func:`spec_files` lists the spec
files ``agglo analyze`` runs (every ``*.yml`` except the manifests, in any sub-folder, by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.estimators import SpecError

__all__ = ["MANIFEST", "TableEntry", "Study", "load_studies", "studies_for", "spec_files", "find_spec", "table_entry"]

MANIFEST = "study.yml"
_TABLE_KEYS = {"id", "table", "spec", "mart", "required", "indicate"}
_STUDY_KEYS = {"paper", "title", "marts", "tables"}


@dataclass(frozen=True)
class TableEntry:
    """One table of a paper (an entry of ``tables:``)."""

    id: str
    paper: str
    number: str | None = None
    spec: Path | None = None
    mart: str | None = None
    required: bool = True
    indicate: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """A paper: its title, the marts it reads and its tables in order."""

    paper: str
    title: str
    marts: tuple[str, ...]
    tables: tuple[TableEntry, ...]
    path: Path


def _entry(raw: Any, paper: str, folder: Path, where: str) -> TableEntry:
    if not isinstance(raw, Mapping) or "id" not in raw:
        raise SpecError(f"{where}: every entry of tables: needs an id, got {raw!r}")
    unknown = set(raw) - _TABLE_KEYS
    if unknown:
        raise SpecError(f"{where}: table {raw['id']!r}: unknown key(s) {sorted(unknown)} "
                        f"(allowed: {sorted(_TABLE_KEYS)})")
    if ("spec" in raw) == ("mart" in raw):
        raise SpecError(f"{where}: table {raw['id']!r} needs exactly one of spec: or mart:")
    spec = None
    if "spec" in raw:
        spec = folder / str(raw["spec"])
        if not spec.is_file():
            raise SpecError(f"{where}: table {raw['id']!r}: spec file {spec} not found")
        if spec.stem != str(raw["id"]):
            raise SpecError(f"{where}: table {raw['id']!r}: the id of a spec table is its file stem "
                            f"({spec.stem!r})")
    indicate = raw.get("indicate") or {}
    if not isinstance(indicate, Mapping):
        raise SpecError(f"{where}: table {raw['id']!r}: indicate must map a label to a term pattern")
    return TableEntry(id=str(raw["id"]), paper=paper, number=None if raw.get("table") is None else str(raw["table"]),
                      spec=spec, mart=None if "mart" not in raw else str(raw["mart"]),
                      required=bool(raw.get("required", True)),
                      indicate={str(k): str(v) for k, v in indicate.items()})


def load_study(path: Path) -> Study:
    """Read and check one ``study.yml``."""
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{where}: cannot read the manifest: {exc}") from None
    if not isinstance(raw, Mapping) or "paper" not in raw:
        raise SpecError(f"{where}: a manifest needs paper:, title: and tables:")
    unknown = set(raw) - _STUDY_KEYS
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)} (allowed: {sorted(_STUDY_KEYS)})")
    paper = str(raw["paper"])
    tables = tuple(_entry(t, paper, path.parent, where) for t in (raw.get("tables") or []))
    ids = [t.id for t in tables]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SpecError(f"{where}: table id(s) listed twice: {dup}")
    return Study(paper=paper, title=str(raw.get("title") or f"Paper {paper}"),
                 marts=tuple(str(m) for m in (raw.get("marts") or [])), tables=tables, path=path)


def load_studies(specs_dir: Path) -> list[Study]:
    """Every manifest ``specs_dir/*/study.yml``, by paper."""
    studies = [load_study(p) for p in sorted(Path(specs_dir).glob(f"*/{MANIFEST}"))]
    return sorted(studies, key=lambda s: s.paper)


def studies_for(specs_dir: Path | None) -> list[Study]:
    """The manifests under ``specs_dir``, or those of ``analysis/studies/specs/`` when it has none.

    A flat folder of specs given with ``--specs`` has no manifests; its tables then follow the papers'.
    """
    from analysis.paths import SPECS_DIR

    return (load_studies(Path(specs_dir)) if specs_dir else []) or load_studies(SPECS_DIR)


def spec_files(specs_dir: Path) -> list[Path]:
    """The spec files under ``specs_dir`` (any depth; not the manifests): ``.yml`` by name, then ``.yaml``."""
    d = Path(specs_dir)
    files = [p for p in d.rglob("*.y*ml") if p.suffix in (".yml", ".yaml") and p.name != MANIFEST]
    return sorted(files, key=lambda p: (p.suffix != ".yml", p.name))


def find_spec(name: str, specs_dir: Path) -> Path | None:
    """The spec file named ``name`` (its stem) under ``specs_dir``, or None."""
    return next((p for p in spec_files(specs_dir) if p.stem == name), None)


def table_entry(spec_name: str, studies: list[Study]) -> TableEntry | None:
    """The manifest entry of the spec table ``spec_name``, or None."""
    return next((t for s in studies for t in s.tables if t.id == spec_name and t.spec is not None), None)

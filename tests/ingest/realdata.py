"""Helpers of the ingest tests: real files of ../shared/realdata (skipped when absent), reference data.

Not a conftest.py: test modules elsewhere import the root ``conftest`` by name, which a second
conftest module would shadow. Test modules define ``ref``/``units`` fixtures from these helpers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from analysis.paths import SHARED_DIR

REALDATA = SHARED_DIR / "realdata"
NBS = REALDATA / "nbs_portal_export"
CNKI = REALDATA / "yearbook_cnki" / "huhuaping_techme"
PATENT_GRANTS = CNKI / "tech-yearbook" / "part08-output" / "01-patent" / "02-authority"
BUDGET = CNKI / "nation-yearbook" / "part07-finance" / "02-public-budget"


def real_file(relative: str | Path) -> Path:
    """Path of a file in ../shared/realdata, or skip the test when the shared folder is absent."""
    path = REALDATA / relative
    if not path.is_file():
        pytest.skip(f"shared real data absent ({path})")
    return path


def real_files() -> list[Path]:
    """Every file of ../shared/realdata (empty when absent: parametrised tests then skip)."""
    if not REALDATA.is_dir():
        return []
    return sorted(p for p in REALDATA.rglob("*") if p.is_file() and p.name not in ("README.md", "MANIFEST.tsv"))


@functools.cache
def load_ref():
    """The seeds' reference data (read once)."""
    from analysis.warehouse.raw_validation import load_reference

    return load_reference()


def load_units() -> set[str]:
    """Units recognised in indicator labels."""
    from analysis.ingest.indicators import known_units

    return known_units(load_ref())

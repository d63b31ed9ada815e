"""Fixtures of tests/clients/ (imported by its test modules: a conftest.py here would shadow the
``conftest`` module that other test folders import ``validation_file`` from).

``client_warehouse``: the demo warehouse as ``agglo run`` publishes it, plus a later ``agglo analyze``
writing into the published file.

From the session's ``demo_warehouse`` (dbt build, published by :func:`analysis.pipeline.build` in the
default storage version):

1. copy it into ``.agglo.building.duckdb`` in DuckDB 2.0's newest storage format (what dbt writes);
2. ``agglo analyze`` into that new file (spec p001_table3), as ``agglo run`` does before publishing;
3. :func:`analysis.warehouse.publish.publish` it (default storage version v1.1.0);
4. ``agglo analyze`` (spec p001_table4) with DuckDB 2.0 into the PUBLISHED file, as a user would later.

So the file has a ``results`` schema written before and after publishing: two runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from clients_support import LATER_SPEC, PRE_PUBLISH_SPEC

from analysis.paths import PROJECT_ROOT


@pytest.fixture(scope="session")
def client_warehouse(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Published warehouse (storage v1.1.0) with results from before and after publishing."""
    from analysis.pipeline import analyze
    from analysis.warehouse.publish import building_path, publish
    from analysis.warehouse.storage import convert_storage

    out = tmp_path_factory.mktemp("client_warehouse")
    published = out / "agglo.duckdb"
    new = building_path(published)
    convert_storage(demo_warehouse, new, "latest")
    analyze(new, only=[PRE_PUBLISH_SPEC], tables_dir=out / "tables", quiet=True, published_as=published)
    publish(new, published)
    analyze(published, only=[LATER_SPEC], tables_dir=out / "tables", quiet=True)
    return published


@pytest.fixture(scope="session")
def ami_description() -> str:
    """The dbt description of fct_province_years.ami (what persist_docs writes as its column comment)."""
    doc = yaml.safe_load((PROJECT_ROOT / "warehouse" / "models" / "marts" / "_marts__models.yml").read_text())
    model = next(m for m in doc["models"] if m["name"] == "fct_province_years")
    return next(c["description"] for c in model["columns"] if c["name"] == "ami").strip()

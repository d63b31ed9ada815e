"""The raw contract has one source (the dbt sources YAML) and every other copy agrees with it.

docs/data_contract.md (its table of raw files), the staging models, the GX raw suites, the pipeline's
required files and the demo generator's headers are compared with analysis.warehouse.contract, which
reads warehouse/models/staging/_staging__sources.yml.
"""

from __future__ import annotations

import re

import pytest
import yaml

from analysis.checks.raw_suites import checked_columns, contract_expectations, suite_columns
from analysis.checks.suites import load_checkpoint, load_suite
from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT
from analysis.warehouse.contract import (
    DBT_PROJECT,
    RAW_FILES,
    SOURCES_YML,
    load_contract,
    panel_years,
    raw_file,
    required_files,
)

DOCS = (PROJECT_ROOT / "docs" / "data_contract.md").read_text(encoding="utf-8")
STAGING = PROJECT_ROOT / "warehouse" / "models" / "staging"


def docs_table() -> dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]]:
    """file -> (columns, key, optional) from the table "Raw input files" of docs/data_contract.md."""
    rows = re.findall(r"^\| `(\w+\.csv)`( \(optional\))? \| `([^`]+)` \| ([^|]+) \|$", DOCS, flags=re.M)
    return {name: (tuple(c.strip() for c in cols.split(",")), tuple(k.strip() for k in key.split(",")), bool(opt))
            for name, opt, cols, key in rows}


def test_docs_table_equals_the_contract():
    table = docs_table()
    assert list(table) == [s.name for s in RAW_FILES]
    for spec in RAW_FILES:
        assert table[spec.name] == (spec.columns, spec.key, not spec.required), spec.name


def test_docs_panel_years_equal_the_dbt_vars():
    with DBT_PROJECT.open(encoding="utf-8") as fh:
        v = yaml.safe_load(fh)["vars"]
    years = panel_years()
    assert years == {"province": (v["province_first_year"], v["province_last_year"]),
                     "county": (v["county_first_year"], v["county_last_year"])}
    (p0, p1), (c0, c1) = years["province"], years["county"]
    assert f"provinces {p0}-{p1}" in DOCS and f"counties\n  {c0}-{c1}" in DOCS


def test_staging_models_read_every_contract_column():
    for spec in RAW_FILES:
        model = next(p for p in STAGING.glob("stg_raw__*.sql")
                     if f"source('raw', '{spec.stem}')" in p.read_text(encoding="utf-8"))
        sql = model.read_text(encoding="utf-8")
        for col in spec.columns:
            assert re.search(rf"\b{col}\b", sql), (model.name, col)


def test_firms_stub_columns_are_the_contract_columns():
    """Without firms.csv the staging model selects typed nulls: the same columns, in order."""
    sql = (STAGING / "stg_raw__firms.sql").read_text(encoding="utf-8")
    stub = re.findall(r"cast\(null as (?:varchar|\{\{ dbt.type_string\(\) \}\})\) as (\w+)", sql)
    assert tuple(stub) == raw_file("firms").columns


def test_pipeline_and_demo_read_the_contract():
    from analysis.demo.generate import COUNTY_YEARS, HEADERS, PROVINCE_YEARS
    from analysis.pipeline import RAW_FILES_REQUIRED

    assert RAW_FILES_REQUIRED == required_files() == tuple(
        n for n, (_, _, optional) in docs_table().items() if not optional)
    assert {f"{stem}.csv": tuple(cols) for stem, cols in HEADERS.items()} == {s.name: s.columns for s in RAW_FILES}
    (p0, p1), (c0, c1) = panel_years()["province"], panel_years()["county"]
    assert (PROVINCE_YEARS[0], PROVINCE_YEARS[-1], COUNTY_YEARS[0], COUNTY_YEARS[-1]) == (p0, p1, c0, c1)


def test_one_gx_raw_suite_per_contract_file_naming_only_its_columns():
    _, validations = load_checkpoint()
    raw = {v.target: v.suite for v in validations if v.kind == "raw"}
    assert raw == {s.name: f"raw_{s.stem}" for s in RAW_FILES}
    for spec in RAW_FILES:
        suite = load_suite(raw[spec.name])
        assert suite["meta"]["contract"] == spec.stem
        assert suite_columns(suite) <= checked_columns(spec), spec.name
        unique = [e["kwargs"]["column_list"] for e in suite["expectations"]
                  if e["type"] == "expect_compound_columns_to_be_unique"]
        assert unique == [list(spec.key)]


def test_contract_expectations_follow_the_rules(tmp_path):
    """A hand-written contract table gives exactly the expectations its rules imply."""
    path = tmp_path / "_sources.yml"
    path.write_text("""
sources:
  - name: raw
    tables:
      - name: toy
        config: {meta: {contract: {key: [county_code, year], panel: county, required: false}}}
        columns:
          - {name: county_code, data_type: varchar, config: {meta: {contract: {division: county}}}}
          - {name: year, data_type: integer}
          - {name: n_plants, data_type: integer, config: {meta: {contract: {non_negative: true}}}}
          - {name: share, data_type: double}
          - {name: source, data_type: varchar}
""", encoding="utf-8")
    (spec,) = load_contract(path)
    assert (spec.name, spec.numeric, spec.integer, spec.non_negative, spec.required) == (
        "toy.csv", ("n_plants", "share"), ("n_plants",), ("n_plants",), False)
    got = [(e["type"].removeprefix("expect_"), e["meta"]["rule"], e["kwargs"].get("column") or
            e["kwargs"].get("column_list")) for e in contract_expectations(spec)]
    assert got == [
        ("table_row_count_to_be_between", "not_empty", None),
        ("column_values_to_not_be_null", "not_null", "county_code"),
        ("column_values_to_be_in_set", "known_code", "county_code"),
        ("column_values_to_not_be_null", "integer_year", "year"),
        ("column_values_to_be_between", "year_in_panel", "year"),
        ("compound_columns_to_be_unique", "unique_key", ["county_code", "year"]),
        ("column_values_to_be_between", "non_negative", "n_plants"),
    ]


@pytest.mark.parametrize("bad, named", [
    ("{name: x, data_type: text}", "data_type 'text'"),
    ("{name: x, data_type: varchar, config: {meta: {contract: {divison: county}}}}", "unknown rule(s) ['divison']"),
    ("{name: x, data_type: varchar, config: {meta: {contract: {lookup: cities}}}}", "lookup 'cities'"),
])
def test_a_mistake_in_the_contract_is_an_error_naming_it(tmp_path, bad, named):
    path = tmp_path / "_sources.yml"
    path.write_text(f"""
sources:
  - name: raw
    tables:
      - name: toy
        config: {{meta: {{contract: {{key: [year], panel: county}}}}}}
        columns:
          - {{name: year, data_type: integer}}
          - {bad}
          - {{name: source, data_type: varchar}}
""", encoding="utf-8")
    with pytest.raises(AggloError, match=re.escape(named)):
        load_contract(path)


def test_the_contract_is_the_dbt_sources_file():
    with SOURCES_YML.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    (source,) = [s for s in doc["sources"] if s["name"] == "raw"]
    assert [t["name"] for t in source["tables"]] == [s.stem for s in RAW_FILES]
    assert "external_location" in source["config"]["meta"]

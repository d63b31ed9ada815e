"""The Great Expectations checkpoint: suite files, the demo warehouse passing, mart faults caught.

The demo data is synthetic (``agglo demo``); passing the suites says the pipeline is consistent,
not anything about China.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import demo_raw_dir

from analysis.checks.checkpoint import run_checkpoint
from analysis.checks.suites import (
    CHECKPOINT_FILE,
    SUITES_DIR,
    load_checkpoint,
    load_suite,
    study_column_uses,
    suite_parameters,
)
from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT, SPECS_DIR
from analysis.warehouse.raw_validation import load_reference


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_raw_dir(tmp_path_factory)


# --------------------------------------------------------------------------- suite files


def test_every_suite_file_is_in_the_checkpoint_and_vice_versa():
    _, validations = load_checkpoint()
    listed = [v.suite for v in validations]
    assert len(listed) == len(set(listed))
    assert set(listed) == {p.stem for p in SUITES_DIR.glob("*.yml")}


def test_suites_load_as_gx_suites_with_rule_and_fix():
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    context = gx.get_context(mode="ephemeral")
    for path in sorted(SUITES_DIR.glob("*.yml")):
        doc = load_suite(path.stem)
        suite = context.suites.add(ExpectationSuite(**doc))  # validates types and kwargs
        assert len(suite.expectations) == len(doc["expectations"]) > 0
        for exp in doc["expectations"]:
            assert exp["meta"]["rule"] and exp["meta"]["fix"], (path.name, exp)


def test_one_suite_per_raw_input_of_the_contract():
    contract = (PROJECT_ROOT / "docs" / "data_contract.md").read_text(encoding="utf-8")
    _, validations = load_checkpoint()
    raw = {v.target for v in validations if v.kind == "raw"}
    for name in ("province_sector_employment", "prefecture_sector_employment", "province_indicators",
                 "county_indicators", "county_industry", "firms"):
        assert f"`{name}.csv`" in contract
        assert f"{name}.csv" in raw


def test_panel_sizes_come_from_seeds_times_years():
    """589 = 31 provinces x 19 years (2003-2021); the county panel is balanced per county over 12 years
    (2011-2022) for whichever counties (of 2,848 in the seed) the raw data cover."""
    params = suite_parameters(load_reference(), {"max_imputed_share": 0.2})
    assert params["n_province_years"] == 31 * (2021 - 2003 + 1) == 589
    assert params["n_counties"] == 2848 and params["n_county_panel_years"] == 2022 - 2011 + 1 == 12
    assert (params["province_first_year"], params["county_last_year"]) == (2003, 2022)


def test_checkpoint_settings_are_documented_threshold():
    with CHECKPOINT_FILE.open(encoding="utf-8") as fh:
        assert yaml.safe_load(fh)["settings"]["max_imputed_share"] == 0.20


def test_study_column_uses_follow_the_specs(tmp_path):
    (tmp_path / "t.yml").write_text(
        "title: toy\ndata: {table: fct_province_years}\npanel: {entity: province_code, time: year}\n"
        "models:\n  - id: m\n    estimator: fe\n    y: ami\n    x: ['log(pdgp)', 'lag(fdi, 1)', 'coagglo*mi']\n"
        "    effects: [entity]\n", encoding="utf-8")
    uses = {c for _, _, c in study_column_uses(tmp_path)}
    assert uses == {"ami", "pdgp", "fdi", "coagglo", "mi"}


# --------------------------------------------------------------------------- demo warehouse


@pytest.mark.warehouse
def test_demo_warehouse_passes_every_suite(demo_warehouse, raw_dir, tmp_path):
    docs = tmp_path / "data_docs"
    report = run_checkpoint(demo_warehouse, raw_dir, docs_dir=docs)
    _, validations = load_checkpoint()
    optional_absent = {v.suite for v in validations if v.kind == "raw" and not (raw_dir / v.target).exists()}
    assert report.success, report.failures
    assert {o.suite for o in report.outcomes} == {v.suite for v in validations} - optional_absent
    assert report.n_expectations > 200
    assert (docs / "index.html").exists()
    assert list((docs / "validations").rglob("*.html"))
    summary = json.loads((docs / "summary.json").read_text(encoding="utf-8"))
    assert summary["success"] is True and summary["n_failed"] == 0
    assert summary["n_suites"] == len(report.outcomes) == len(summary["suites"])
    assert summary["n_expectations"] == sum(s["n_expectations"] for s in summary["suites"])
    assert (docs / summary["data_docs_index"]).exists()


@pytest.fixture(scope="module")
def broken_warehouse(demo_warehouse, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A copy of the demo warehouse with one fault planted per rule; returns it and what was planted."""
    path = tmp_path_factory.mktemp("broken") / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, path)
    uses = study_column_uses(SPECS_DIR)
    used = sorted({c for _, t, c in uses if t == "fct_province_years"} - {"province_code", "year", "ami"})
    constant, all_missing = used[0], used[1]
    con = duckdb.connect(str(path))
    con.execute("delete from fct_province_years where province_code = '110000' and year = 2010")
    con.execute("update fct_province_years set urb = 55 where province_code = '320000' and year = 2015")
    con.execute(f'update fct_province_years set "{constant}" = 1.5')
    con.execute(f'update fct_province_years set "{all_missing}" = null')
    con.execute("insert into fct_county_years select * from fct_county_years "
                "where county_code = '510104' and year = 2015")
    con.execute("update fct_province_sector_location_quotients set location_quotient = -0.5 "
                "where province_code = '510000' and year = 2010 and sector_code = 'C'")
    con.execute("update fct_ami_scores set ami = 120 where province_code = '440000' and year = 2020")
    con.execute("update fct_gem_in_scores set gem_in = 5 where county_code = '510105' and year = 2016")
    con.execute("update fct_province_indicator_values set is_imputed = true "
                "where indicator_code = 'gdp_100m_yuan'")
    con.execute("update fct_county_indicator_values set value = value * 10000 "
                "where county_code = '510104' and year = 2015 and indicator_code = 'gdp_10k_yuan'")
    con.execute("update fct_ami_weights set overall_weight = overall_weight / 2 "
                "where indicator_code = (select min(indicator_code) from fct_ami_weights)")
    con.execute("drop table fct_industry_concentration")
    con.close()
    return path, {"constant": constant, "all_missing": all_missing}


@pytest.fixture(scope="module")
def broken_run(broken_warehouse, raw_dir, tmp_path_factory) -> tuple[str, Path]:
    """One checkpoint run on the broken warehouse: the error message and the Data Docs directory."""
    path, _ = broken_warehouse
    docs = tmp_path_factory.mktemp("docs")
    with pytest.raises(AggloError) as exc:
        run_checkpoint(path, raw_dir, docs_dir=docs)
    return str(exc.value), docs


@pytest.fixture(scope="module")
def broken_message(broken_run) -> str:
    return broken_run[0]


@pytest.mark.warehouse
@pytest.mark.parametrize("expected", [
    "fct_province_years: column -: rule panel_balance: observed 588 (expected value 589)",
    # the duplicated county-year gives county 510104 13 rows where the panel has 12 years
    "fct_county_years (county_code=510104, year=",
    "column n_panel_years: rule panel_balance: value n_panel_years=13",
    "fct_county_years (county_code=510104, year=2015): column county_code,year: rule unique_key:",
    "fct_province_years (province_code=320000, year=2015): column urb: rule share: value urb=55",
    "fct_province_sector_location_quotients (province_code=510000, year=2010, sector_code=C): "
    "column location_quotient: rule lq_range: value location_quotient=-0.5",
    "fct_ami_scores (province_code=440000, year=2020): column ami: rule composite_range: value ami=120",
    "fct_gem_in_scores (county_code=510105, year=2016): column gem_in: rule gem_in_range: value gem_in=5",
    "imputation_shares (level=province, indicator_code=gdp_100m_yuan): column imputed_share: "
    "rule imputed_share: value imputed_share=1",
    "fct_county_indicator_values (county_code=510104, year=2015, indicator_code=gdp_10k_yuan): "
    "column max_plausible,value: rule plausible_range:",
    "column overall_weight_sum: rule weights_sum_to_one:",
    "fct_industry_concentration: rule data_available: table fct_industry_concentration is missing",
])
def test_mart_fault_is_named(broken_message, expected):
    assert expected in broken_message, broken_message[:4000]


@pytest.mark.warehouse
def test_constant_and_all_missing_study_columns_are_named(broken_message, broken_warehouse):
    _, planted = broken_warehouse
    c, m = planted["constant"], planted["all_missing"]
    assert f"study_columns (table=fct_province_years, column={c}, specs=" in broken_message
    assert "column n_distinct: rule not_constant: value n_distinct=1" in broken_message
    assert f"study_columns (table=fct_province_years, column={m}, specs=" in broken_message
    assert "column n_non_null: rule not_all_missing: value n_non_null=0" in broken_message


@pytest.mark.warehouse
def test_failed_checkpoint_writes_a_failing_summary(broken_run):
    _, docs = broken_run
    summary = json.loads((docs / "summary.json").read_text(encoding="utf-8"))
    assert summary["success"] is False
    failed = {s["name"] for s in summary["suites"] if not s["success"]}
    assert {"fct_province_years", "fct_county_years", "fct_ami_scores", "imputation_shares",
            "study_columns", "fct_industry_concentration"} <= failed
    assert summary["n_failed"] == sum(s["n_failed"] for s in summary["suites"]) >= 12


@pytest.mark.warehouse
@pytest.mark.slow
@pytest.mark.parametrize("command", ["build", "run"])
def test_checkpoint_failure_after_dbt_publishes_nothing(raw_dir, tmp_path, command):
    """A gap that passes the raw checks and dbt (interior years are interpolated) but leaves 16 of 19
    values of an indicator imputed: the checkpoint fails after dbt and nothing is published.

    avg_schooling_years is kept for 2003, 2020 and 2021 only; 2004-2019 are interpolated, so the
    imputed share is 16 / 19 = 0.842105 > 0.20 for every province (pooled: 31*16 / (31*19)).
    ``agglo run`` runs the checkpoint's mart suites alongside the specs (analysis.checks.background):
    its failure must still stop the run before publishing, with the same message.
    """
    import hashlib

    from analysis.pipeline import build, run

    bad = tmp_path / "raw"
    bad.mkdir()
    for f in raw_dir.glob("*.csv"):
        if f.name != "province_indicators.csv":
            (bad / f.name).symlink_to(f)
    keep = [line for line in (raw_dir / "province_indicators.csv").read_text(encoding="utf-8").splitlines(True)
            if not re.search(r",(200[4-9]|201\d),avg_schooling_years,", line)]
    (bad / "province_indicators.csv").write_text("".join(keep), encoding="utf-8")
    published = tmp_path / "published" / "agglo.duckdb"
    published.parent.mkdir()
    con = duckdb.connect(str(published))
    con.execute("create table marker as select 'last good warehouse' as note")
    con.close()
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    with pytest.raises(AggloError) as exc:
        if command == "build":
            build(bad, published, quiet=True)
        else:
            run(bad, published, quiet=True)
    message = str(exc.value)
    assert "imputation_shares (level=province, indicator_code=avg_schooling_years): column imputed_share: " \
           "rule imputed_share: value imputed_share=0.842105" in message, message[:3000]
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert not list(published.parent.glob(".*building*.duckdb"))


def test_summary_names_the_file_the_build_publishes():
    from analysis.checks.checkpoint import _published_name
    from analysis.pipeline import building_path

    published = Path("/data/warehouse/agglo.duckdb")
    assert _published_name(building_path(published)) == published
    assert _published_name(published) == published


def test_study_columns_refuses_a_folder_without_specs(tmp_path) -> None:
    # A moved specs folder once made the study_columns suite pass with nothing checked.
    with pytest.raises(AggloError, match="no study specs"):
        study_column_uses(tmp_path)

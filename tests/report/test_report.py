"""analysis/report/writer.py on a small hand-built warehouse (no dbt, no Chromium needed).

The warehouse below has the marts and results tables the report reads, filled with seeded random
numbers. The tests check what the page must show: the synthetic banner and header facts, every
required table and figure by id, and every number of every table equal to (the rounding of) the value
in the warehouse, re-queried independently (tests/report/report_support.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from report_support import assert_no_external_references, check_table_numbers, expected_stars

from analysis.report import writer as R

RUN_ID = "run-0001"
PROVINCES = [f"{c}0000" for c in (11, 12, 13, 31, 32, 33, 44, 51, 52, 61, 62, 65)]
REGION = {"11": "East", "12": "East", "13": "East", "31": "East", "32": "East", "33": "East", "44": "East",
          "51": "West", "52": "West", "61": "West", "62": "West", "65": "West"}


def _spec_files(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "p001_table4.yml").write_text(
        "title: Baseline regression and robustness\n"
        "data: {table: fct_province_years}\n"
        "panel: {entity: province_code, time: year}\n"
        "labels: {coagglo: Industrial synergy agglomeration}\n"
        "models:\n"
        "  - {id: '(1) fe', estimator: fe, y: ami, x: [coagglo, pdgp], effects: [entity, time]}\n"
        "  - {id: '(2) ols', estimator: ols, y: ami, x: [coagglo]}\n",
        encoding="utf-8",
    )
    (d / "p001_table11.yml").write_text(
        "title: Spatial spillover effect test\n"
        "data: {table: fct_province_years}\n"
        "panel: {entity: province_code, time: year}\n"
        "models:\n"
        "  - id: SDM\n    estimator: sdm\n    y: ami\n    x: [coagglo]\n"
        "    weights: {table: fct_spatial_weights, matrix: economic_geographic}\n",
        encoding="utf-8",
    )
    (d / "p001_table8.yml").write_text(MEDIATION_SPEC, encoding="utf-8")


MEDIATION_SPEC = (
    "title: Bootstrap mediation analysis\n"
    "data: {table: fct_province_years}\n"
    "panel: {entity: province_code, time: year}\n"
    "models:\n"
    "  - {id: ami via uic, estimator: mediation, treatment: coagglo, mediator: uic, y: ami, x: [pdgp]}\n"
)


def build_mini_warehouse(path: Path, raw_dir: Path, seed: int = 3) -> None:
    """A warehouse with the report's inputs (random values; structure as in docs/data_contract.md)."""
    rng = np.random.default_rng(seed)
    raw_dir.mkdir(parents=True, exist_ok=True)
    (raw_dir / "province_indicators.csv").write_text(
        "# SYNTHETIC DEMO DATA generated for a test\nprovince_code,year,indicator_code,value,unit,source\n",
        encoding="utf-8")
    con = duckdb.connect(str(path))
    years = list(range(2015, 2022))
    dimp = pd.DataFrame({
        "province_code": PROVINCES, "name_en": [f"Prov{c[:2]}" for c in PROVINCES],
        "capital_lat": rng.uniform(20, 46, len(PROVINCES)), "capital_lon": rng.uniform(87, 126, len(PROVINCES)),
        "region_p004": [REGION[c[:2]] for c in PROVINCES]})
    py = pd.DataFrame([
        {"province_code": c, "year": y, "name_en": f"Prov{c[:2]}", "region_p004": REGION[c[:2]],
         "ami": rng.uniform(20, 50), "coagglo": rng.uniform(1, 10), "magglo": rng.uniform(0.3, 2.0)}
        for c in PROVINCES for y in years])
    counties = [f"51{p:02d}{k:02d}" for p in (1, 3, 4) for k in range(1, 9)]
    dimc = pd.DataFrame({"county_code": counties, "centroid_lat": rng.uniform(26, 34, len(counties)),
                         "centroid_lon": rng.uniform(97, 108, len(counties)),
                         "seat_lat": rng.uniform(26, 34, len(counties)), "seat_lon": rng.uniform(97, 108, len(counties))})
    dimc.loc[0, "centroid_lat"] = None  # falls back to the seat
    cy = pd.DataFrame([{"county_code": c, "year": y, "gem_in": rng.uniform(10, 1000)} for c in counties for y in years])
    regions = ["chengdu_plain", "south", "northeast", "panxi", "northwest", "county_mean", "county_sd"]
    sra = pd.DataFrame([{"row_code": r, "row_label_en": r.replace("_", " ").title(), "year": y,
                         "mfg_lq": rng.uniform(0.8, 1.8), "n_counties": 10}
                        for r in regions for y in years])
    weights = pd.DataFrame({"weight_year": [None] * 6, "indicator_code": [f"ind{i:02d}" for i in range(6)],
                            "indicator_name_en": [f"Indicator {i}" for i in range(6)],
                            "dimension": ["amm", "amt", "amm", "amt", "gam", "gam"],
                            "direction": [1, 1, -1, 1, 1, 1]})
    weights["weight_year"] = weights["weight_year"].astype("Int64")
    ow = rng.uniform(0.05, 0.3, 6)
    weights["overall_weight"] = ow / ow.sum()
    weights["within_dimension_weight"] = weights.groupby("dimension")["overall_weight"].transform(lambda s: s / s.sum())
    weights.loc[5, "overall_weight"] = 0.00042  # a small number: shown in scientific notation
    gini = pd.DataFrame([{"level": "province", "industry_code": s, "year": y, "locational_gini": rng.uniform(0.2, 0.6)}
                         for s in "ABCDE" for y in years])
    sw = pd.DataFrame([{"matrix_name": "economic_geographic", "level": "province", "i": a, "j": b,
                        "w": rng.uniform(0.1, 1)} for a in PROVINCES for b in PROVINCES if a != b])
    for name, df in {"dim_provinces": dimp, "fct_province_years": py, "dim_counties": dimc,
                     "fct_county_years": cy, "fct_sichuan_region_agglomeration": sra, "fct_ami_weights": weights,
                     "fct_industry_concentration": gini, "fct_spatial_weights": sw}.items():
        con.register("df_", df)
        con.execute(f"create table main.{name} as select * from df_")
        con.unregister("df_")
    _results(con, raw_dir, rng)
    con.close()


def _results(con: duckdb.DuckDBPyConnection, raw_dir: Path, rng: np.random.Generator) -> None:
    con.execute("create schema results")
    con.execute("create table results.runs(run_id varchar, started_at timestamp, finished_at timestamp, "
                "warehouse varchar, raw_dir varchar, is_synthetic boolean, agglo_version varchar)")
    con.execute("insert into results.runs values ('run-0000', '2020-01-01', '2020-01-01', 'w', 'old', false, '0'),"
                "(?, now(), now(), 'w', ?, true, '0.1.0')", [RUN_ID, str(raw_dir)])
    con.execute("create table results.estimates(run_id varchar, spec varchar, table_title varchar, model_id varchar, "
                "estimator varchar, dependent varchar, term varchar, estimate double, std_error double, stat double, "
                "p_value double)")
    con.execute("create table results.models(run_id varchar, spec varchar, model_id varchar, estimator varchar, "
                "dependent varchar, nobs integer, n_entities integer, cov_type varchar, fixed_effects varchar)")
    con.execute("create table results.stats(run_id varchar, spec varchar, model_id varchar, name varchar, "
                "value double, p_value double, df double)")
    con.execute("create table results.effects(run_id varchar, spec varchar, model_id varchar, term varchar, "
                "effect varchar, estimate double, std_error double, ci_kind varchar, ci_lower double, ci_upper double)")
    # an older run with the same spec: must not be shown
    con.execute("insert into results.estimates values ('run-0000', 'p001_table4', 't', '(1) fe', 'fe', 'ami', "
                "'coagglo', 99.0, 1.0, 99.0, 0.0)")
    models = [("p001_table4", "(2) ols", "ols", ["coagglo", "const"]),  # stored out of spec order
              ("p001_table4", "(1) fe", "fe", ["coagglo", "pdgp"]),
              ("p001_table11", "SDM", "sdm", ["coagglo", "W*coagglo"])]
    for spec, mid, est, terms in models:
        for term in terms:
            b, se = rng.normal(0, 1), rng.uniform(0.01, 1)
            p = float(rng.choice([0.001, 0.03, 0.07, 0.4]))
            con.execute("insert into results.estimates values (?, ?, 'title', ?, ?, 'ami', ?, ?, ?, ?, ?)",
                        [RUN_ID, spec, mid, est, term, b, se, b / se, p])
        fe = {"fe": "entity,time", "ols": "", "sdm": "entity,time"}[est]
        con.execute("insert into results.models values (?, ?, ?, ?, 'ami', ?, ?, 'clustered:entity', ?)",
                    [RUN_ID, spec, mid, est, int(rng.integers(50, 100)), 12, fe])
        con.execute("insert into results.stats values (?, ?, ?, 'r2', ?, null, null)", [RUN_ID, spec, mid, rng.uniform()])
    con.execute("insert into results.stats values (?, 'p001_table4', '(1) fe', 'hausman', 12.5, 0.0021, 2)", [RUN_ID])
    for effect in ("direct", "indirect", "total"):
        con.execute("insert into results.effects values (?, 'p001_table11', 'SDM', 'coagglo', ?, ?, ?, null, null, null)",
                    [RUN_ID, effect, rng.normal(), rng.uniform(0.01, 0.5)])
    # a bootstrap mediation model: two terms, three effects, each with two kinds of interval
    con.execute("insert into results.models values (?, 'p001_table8', 'ami via uic', 'mediation', 'ami', 84, 12, "
                "'clustered:entity', 'entity,time')", [RUN_ID])
    for term in ("coagglo", "uic"):
        con.execute("insert into results.estimates values (?, 'p001_table8', 't', 'ami via uic', 'mediation', 'ami', "
                    "?, ?, ?, 1.0, 0.2)", [RUN_ID, term, rng.normal(), rng.uniform(0.1, 1)])
    for effect in ("direct", "indirect", "total"):  # stored direct first: the table shows indirect first
        b, se = rng.normal(), rng.uniform(0.1, 1)
        for kind in ("percentile", "bias_corrected"):
            con.execute("insert into results.effects values (?, 'p001_table8', 'ami via uic', 'coagglo', ?, ?, ?, ?, ?, ?)",
                        [RUN_ID, effect, b, se, kind, b - 2 * se + rng.normal(0, 0.01), b + 2 * se])


@pytest.fixture(scope="module")
def mini_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mini")
    wh, raw, specs, out = tmp / "mini.duckdb", tmp / "raw", tmp / "specs", tmp / "reports"
    build_mini_warehouse(wh, raw)
    _spec_files(specs)
    (out / "data_docs").mkdir(parents=True)
    (out / "data_docs" / "index.html").write_text("<html></html>", encoding="utf-8")
    (out / "data_docs" / "summary.json").write_text(json.dumps(
        {"success": True, "checked_at": "2026-01-01T00:00:00+00:00", "warehouse": str(wh), "n_suites": 3,
         "n_expectations": 40,
         "n_failed": 0, "suites": [], "data_docs_index": "index.html"}), encoding="utf-8")
    (out / "tables").mkdir()
    (out / "tables" / "p001_table4.md").write_text("| table |\n", encoding="utf-8")
    html_path = R.write_report(wh, out, specs_dir=specs)
    return wh, out, html_path.read_text(encoding="utf-8")


def test_header_says_synthetic_raw_dir_counts_and_verdict(mini_report):
    wh, out, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    banner = soup.find(id="synthetic-banner")
    assert banner is not None and "not findings about China" in banner.get_text()
    assert soup.find(id="raw-dir").get_text(strip=True).endswith("raw")
    counts = {tr.th.get_text(): int(tr.td.get_text()) for tr in soup.select("#mart-counts tbody tr")}
    con = duckdb.connect(str(wh), read_only=True)
    assert counts["fct_province_years"] == con.execute("select count(*) from fct_province_years").fetchone()[0] == 84
    con.close()
    verdict = soup.find(id="ge-verdict")
    assert "PASSED" in verdict.get_text() and "40 expectations" in verdict.get_text()
    assert soup.find(id="data-docs-link")["href"] == "data_docs/index.html"
    assert "run-0001" in soup.find(id="run-id").get_text()


def test_every_table_number_equals_the_warehouse(mini_report):
    wh, _, html = mini_report
    con = duckdb.connect(str(wh), read_only=True)
    try:
        res = check_table_numbers(html, con)
    finally:
        con.close()
    assert res.problems == []
    # 3 models x 2 terms x (coef + se) + 3 effects x 2 + 3 N + 3 entities + 3 R2 + hausman (value, p)
    # + weights 6 x 2 + Sichuan (5 regions + mean + SD) x 7 years
    base = 12 + 6 + 3 + 3 + 3 + 2 + 12 + 35 + 14
    # mediation: effects table 3 effects x (size, SE, 2 kinds x 2 bounds) = 18; coefficient table
    # 2 terms x 2 + the same 18 effect cells + N + entities = 24
    assert res.n_cells == base + 18 + 24


def test_small_value_in_scientific_notation_and_stars(mini_report):
    wh, _, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    cell = soup.select_one('#tab-p001_table2 td[data-value="0.00042"]')
    assert cell is not None and cell.get_text() == "4.20e-04"
    con = duckdb.connect(str(wh), read_only=True)
    b, p = con.execute("select estimate, p_value from results.estimates where run_id = ? and model_id = '(1) fe' "
                       "and term = 'coagglo'", [RUN_ID]).fetchone()
    con.close()
    td = soup.select_one('#tab-p001_table4 tbody tr.coef td[data-key*="(1) fe"]')
    assert td.get_text() == f"{b:.3f}" + expected_stars(p)


def test_models_follow_spec_order_and_old_run_ignored(mini_report):
    wh, _, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    t = soup.find(id="tab-p001_table4")
    assert [th.get_text() for th in t.select("thead th")] == ["", "(1) fe", "(2) ols"]
    assert "99.000" not in t.get_text()
    # terms model by model as stored, the constant last
    coef_rows = [tr.th.get_text() for tr in t.select("tbody tr.coef")]
    assert coef_rows == ["Industrial synergy agglomeration (coagglo)", "pdgp", "const"]
    assert "Industrial synergy agglomeration (coagglo)" in t.get_text()
    fe = {tr.th.get_text(): [td.get_text() for td in tr.select("td")] for tr in t.select("tr.fe")}
    assert fe == {"Entity fixed effects": ["Yes", "No"], "Year fixed effects": ["Yes", "No"]}
    cap = t.caption.get_text()
    # the spec file actually read (the fixture's specs folder, outside the project: shown as its path)
    assert f"Spec: {wh.parent / 'specs' / 'p001_table4.yml'};" in cap and "mart fct_province_years" in cap


def test_missing_tables_listed_and_figures_present(mini_report):
    _, out, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    missing = soup.find(id="missing").get_text()
    assert "p000_table4" in missing and "no results for spec p000_table4" in missing
    for fid in R.REQUIRED_FIGURES:
        fig = soup.find(id=fid)
        assert fig is not None, fid
        assert fig.img["src"].startswith("data:image/svg+xml;base64,")
        name = fig.select("figcaption a")[0]["href"]
        assert (out / name).exists() and (out / name).with_suffix(".svg").exists()
        # the data are synthetic: every figure file says so (matplotlib keeps the text as an SVG comment)
        assert "SYNTHETIC DEMO DATA" in (out / name).with_suffix(".svg").read_text(encoding="utf-8")
    for tid in ("p000_table2", "p001_table2", "p001_table4", "p001_table11"):
        assert soup.find(id=f"tab-{tid}") is not None


def test_html_fetches_nothing(mini_report):
    _, _, html = mini_report
    assert_no_external_references(html)


def test_markdown_twin_links_figures(mini_report):
    _, out, _ = mini_report
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.count("SYNTHETIC DEMO DATA") >= 1
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (out / link).exists(), link
    assert len(re.findall(r"!\[", md)) == len(R.REQUIRED_FIGURES)
    # the table rows of p001_table4 are pipe tables with one cell per model
    rows = [ln for ln in md.splitlines() if ln.startswith("| Industrial synergy")]
    assert rows and rows[0].count("|") == 4


def test_format_number_rules():
    assert R.format_number(0.12345) == "0.123"
    assert R.format_number(-0.0004567) == "-4.57e-04"
    assert R.format_number(-0.0) == "0.000"
    assert R.format_number(-0.0004) == "-4.00e-04"
    assert R.format_number(1234.5678) == "1234.568"
    assert R.format_number(589.0, integer=True) == "589"
    assert R.format_number(float("nan")) == ""


def test_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(R.ReportError, match="does not exist.*agglo build"):
        R.write_report(tmp_path / "nope.duckdb", tmp_path / "out")


def test_weights_table_in_dimension_order_with_direction(mini_report):
    _, _, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    rows = soup.select("#tab-p001_table2 tbody tr")
    labels = [r.th.get_text() for r in rows]
    # dimensions in paper order amt, amm, ..., gam; indicators by code within a dimension
    assert labels == [f"Indicator {i} (ind0{i})" for i in (1, 3, 0, 2, 4, 5)]
    signs = [r.select("td")[1].get_text() for r in rows]
    assert signs == ["+", "+", "+", "−", "+", "+"]


def test_ge_summary_of_another_warehouse_is_not_claimed(mini_report, tmp_path):
    wh, _, _ = mini_report
    out = tmp_path / "reports"
    (out / "data_docs").mkdir(parents=True)
    (out / "data_docs" / "index.html").write_text("<html></html>", encoding="utf-8")
    (out / "data_docs" / "summary.json").write_text(json.dumps(
        {"success": True, "warehouse": str(tmp_path / "other.duckdb"), "n_suites": 1, "n_expectations": 2,
         "n_failed": 0, "data_docs_index": "index.html"}), encoding="utf-8")
    html = R.write_report(wh, out, specs_dir=tmp_path).read_text(encoding="utf-8")
    verdict = BeautifulSoup(html, "html.parser").find(id="ge-verdict").get_text(" ", strip=True)
    assert "PASSED" not in verdict and "another warehouse" in verdict


def test_links_to_the_runner_exports_that_exist(mini_report):
    _, out, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [a["href"] for a in soup.select("a[href^='tables/']")]
    assert hrefs == ["tables/p001_table4.md"]
    assert all((out / h).is_file() for h in hrefs)


def test_cli_report_on_a_missing_warehouse_exits_2_with_the_path(tmp_path, capsys):
    from analysis.cli import main

    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "agglo report: error:" in err and "none.duckdb" in err and "does not exist" in err


def test_mediation_effects_in_paper_layout(mini_report):
    wh, _, html = mini_report
    soup = BeautifulSoup(html, "html.parser")
    t = soup.find(id="tab-p001_table8")
    head = [th.get_text() for th in t.select("thead th")]
    assert head[:6] == ["Treatment", "Explained variable", "Mediating variable", "Effect", "Effect size",
                        "Standard error"]
    assert head[6:] == ["95% CI lower (bias-corrected)", "95% CI upper (bias-corrected)",
                        "95% CI lower (percentile)", "95% CI upper (percentile)"]
    rows = [[td.get_text() for td in tr.select("td")] for tr in t.select("tbody tr")]
    assert [r[:3] for r in rows] == [["ami", "uic", "indirect effect"], ["ami", "uic", "direct effect"],
                                     ["ami", "uic", "total effect"]]
    con = duckdb.connect(str(wh), read_only=True)
    lo = con.execute("select ci_lower from results.effects where spec = 'p001_table8' and effect = 'indirect' "
                     "and ci_kind = 'bias_corrected'").fetchone()[0]
    con.close()
    assert rows[0][5] == f"{lo:.3f}"
    # the model's coefficients follow in their own table
    assert soup.find(id="tab-p001_table8-coefficients") is not None

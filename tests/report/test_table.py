"""The one table model (analysis/report/table.py): number format, stars, renderers, dummy-set rows.

Every expected string below is worked by hand from the documented rules: 3 decimals; a non-zero
value below 10^-digits in magnitude in scientific notation with 3 significant digits; no sign on a
value that rounds to zero; NaN and None as an empty cell; *** p < 0.01, ** p < 0.05, * p < 0.1.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import numpy as np
import pytest
from bs4 import BeautifulSoup

from analysis.estimators.results import ModelResult
from analysis.report.layouts import comparison_table, indicate_for
from analysis.report.table import (
    Row,
    Table,
    format_number,
    number,
    stars,
    text,
    to_csv,
    to_html,
    to_latex,
    to_markdown,
)

NAN = float("nan")


@pytest.mark.parametrize(("x", "kw", "shown"), [
    (-0.00012, {}, "-1.20e-04"),
    (1234.5, {}, "1234.500"),
    (NAN, {}, ""),
    (None, {}, ""),
    (math.inf, {}, ""),
    (0.12345, {}, "0.123"),
    (-0.0004, {}, "-4.00e-04"),
    (-0.0, {}, "0.000"),
    (0.0, {}, "0.000"),
    (0.001, {}, "0.001"),
    (-0.0009996, {}, "-1.00e-03"),
    (1234.5, {"digits": 2}, "1234.50"),
    (0.004, {"digits": 2}, "4.00e-03"),
    (16.3849, {"digits": 2}, "16.38"),
    (589.0, {"integer": True}, "589"),
    (NAN, {"integer": True}, ""),
])
def test_format_number(x, kw, shown):
    assert format_number(x, **kw) == shown


@pytest.mark.parametrize(("p", "mark"), [
    (0.0, "***"), (0.0099, "***"), (0.01, "**"), (0.0499, "**"), (0.05, "*"), (0.0999, "*"), (0.1, ""),
    (0.5, ""), (None, ""), (NAN, ""),
])
def test_stars_at_the_thresholds(p, mark):
    assert stars(p) == mark


def test_number_cell_parts():
    c = number(-0.00012, p=0.03, star_sep=" ", key={"table": "t", "where": {}, "column": "c"})
    assert (c.text, c.value, c.p_value) == ("-1.20e-04 **", -0.00012, 0.03)
    assert number(0.25, wrap="()").text == "(0.250)"
    assert number(0.0421, wrap="[]").text == "[0.042]"
    assert number(16.3849, digits=2, wrap="{}").text == "{16.38}"
    empty = number(NAN, p=0.001, wrap="()")  # a missing value: no stars, no brackets, no provenance
    assert (empty.text, empty.value, empty.key) == ("", None, None)


@pytest.fixture()
def small() -> Table:
    key = {"table": "results.estimates", "where": {"term": "x"}, "column": "estimate"}
    return Table(
        columns=("(1)", "(2)"), stub_header="Variables", title="A small table", notes=("Note one.", "Note two."),
        rows=(Row("x", (number(-0.00012, p=0.0099, star_sep=" ", key=key), number(1234.5, p=0.05)), "coef"),
              Row("", (number(0.00003, wrap="()"), number(NAN, wrap="()")), "se"),
              Row("Entity FE", (text("Yes"), text("No")), "fe"),
              Row("N", (number(120, integer=True), number(NAN, integer=True)), "count")))


def test_markdown(small):
    assert to_markdown(small).splitlines() == [
        "**A small table**", "",
        "| Variables | (1) | (2) |",
        "|:---|:---:|:---:|",
        "| x | -1.20e-04 *** | 1234.500* |",
        "|  | (3.00e-05) |  |",
        "| Entity FE | Yes | No |",
        "| N | 120 |  |",
        "", "Note one. Note two."]
    assert to_markdown(small, title=False, notes=False, align="right").splitlines()[1] == "|---|---:|---:|"


def test_latex(small):
    tex = to_latex(small, label="tab:small")
    assert r"\caption{A small table}" in tex and r"\label{tab:small}" in tex
    assert r"\begin{tabular}{lcc}" in tex
    assert "Variables & (1) & (2) \\\\" in tex
    assert "x & -1.20e-04 *** & 1234.500* \\\\" in tex
    assert " & (3.00e-05) &  \\\\" in tex
    assert r"\footnotesize Note one. Note two." in tex


def test_csv(small):
    assert to_csv(small) == ("Variables,(1),(2)\n"
                             "x,-1.20e-04 ***,1234.500*\n"
                             ",(3.00e-05),\n"
                             "Entity FE,Yes,No\n"
                             "N,120,\n")
    assert to_csv(small, comment="SYNTHETIC").startswith("# SYNTHETIC\nVariables,")


def test_html(small):
    soup = BeautifulSoup(str(to_html(small, attrs={"class": "study-table", "id": "tab-s", "data-spec": None},
                                     caption="A <small> table")), "html.parser")
    t = soup.table
    assert t["id"] == "tab-s" and not t.has_attr("data-spec")
    assert t.caption.get_text() == "A <small> table"  # escaped, shown as text
    assert [th.get_text() for th in t.select("thead th")] == ["Variables", "(1)", "(2)"]
    rows = [[td.get_text() for td in tr.select("td")] for tr in t.select("tbody tr")]
    assert rows == [["-1.20e-04 ***", "1234.500*"], ["(3.00e-05)", ""], ["Yes", "No"], ["120", ""]]
    first = t.select_one("tbody td")
    assert first["data-value"] == "-0.00012"
    assert json.loads(first["data-key"]) == {"table": "results.estimates", "where": {"term": "x"}, "column": "estimate"}
    assert [tr["class"] for tr in t.select("tbody tr")] == [["coef"], ["se"], ["fe"], ["count"]]


def test_one_value_prints_the_same_in_every_renderer(small):
    shown_html = BeautifulSoup(str(to_html(small)), "html.parser").get_text(" ")  # the text, not data-value
    for out in (to_markdown(small), to_latex(small), to_csv(small), shown_html):
        assert "-1.20e-04" in out and "1234.500" in out and "-0.000" not in out


# ------------------------------------------------------------------------------------- dummy sets (indicate)
def _result(model_id: str, terms: list[str], fe: tuple[str, ...]) -> ModelResult:
    k = len(terms)
    return ModelResult.from_arrays(model_id=model_id, estimator="sys_gmm", dependent="y", terms=terms,
                                   params=np.linspace(0.1, 0.5, k), std_errors=np.full(k, 0.1), nobs=100,
                                   dist="normal", fixed_effects=fe)


def test_dummy_sets_are_one_row_each():
    a = _result("A", ["x", "year_2001", "year_2002", "industry_code_14", "industry_code_15", "const"], ("entity",))
    b = _result("B", ["x", "const"], ())
    t = comparison_table([a, b], indicate={"time": "year_*", "Industry FE": "industry_code_*"})
    labels = [r.label for r in t.rows]
    assert labels == ["x", "", "constant", "", "Entity fixed effects", "Time fixed effects", "Industry FE", "N",
                      "R^2"]
    rows = {r.label: r.texts for r in t.rows if r.label}
    assert rows["Time fixed effects"] == ["Yes", "No"]  # model A has year dummies, B none
    assert rows["Industry FE"] == ["Yes", "No"]
    assert rows["Entity fixed effects"] == ["Yes", "No"]
    assert rows["x"] == ["0.100", "0.100"]  # 0.1 / 0.1: z = 1, p = 0.317, no stars
    # without indicate every dummy is a coefficient row
    plain = [r.label for r in comparison_table([a, b]).rows]
    assert {"year_2001", "year_2002", "industry_code_14", "industry_code_15"} <= set(plain)


def test_indicate_follows_the_models_without_a_manifest_entry():
    models = [{"id": "m", "time_effects": True, "dummies": ["industry_code"]}, {"id": "n"}]
    assert indicate_for(models) == {"time": "year_*", "industry_code dummies": "industry_code_*"}
    assert indicate_for(models, {"Year FE": "year_*"}) == {"Year FE": "year_*"}
    assert indicate_for([{"id": "m"}]) == {}


def test_report_section_shows_dummy_sets_as_rows(tmp_path):
    """The HTML layout reads the results schema: dummies stored, shown as one row per set."""
    from analysis.report.sections import SpecSource, results_table
    from analysis.studies.runner import SpecRun
    from analysis.studies.spec import parse_spec
    from analysis.studies.store import write_results

    spec = parse_spec({"title": "Paper 999 Table 1: GMM", "data": {"csv": "p.csv"}, "panel": {"entity": "e", "time": "t"},
                       "models": [{"id": "A", "estimator": "ols", "y": "y", "x": ["x"]},
                                  {"id": "B", "estimator": "ols", "y": "y", "x": ["x"]}]},
                      path=tmp_path / "p999_table1.yml")
    a = _result("A", ["x", "year_2001", "year_2002", "industry_code_14", "const"], ("entity", "time"))
    b = _result("B", ["x", "const"], ("entity",))
    wh = tmp_path / "wh.duckdb"
    write_results(wh, [SpecRun(spec=spec, results=[a, b])], run_id="r1", started_at=dt.datetime(2026, 1, 1))
    con = duckdb.connect(str(wh), read_only=True)
    try:
        src = SpecSource(name="p999_table1", spec=spec, spec_file="p999_table1.yml", paper="999",
                         indicate={"time": "year_*", "Division dummies": "industry_code_*"})
        t = results_table(con, run_id="r1", src=src, table_id="p999_table1")
        stored = con.execute("select count(*) from results.estimates where term like 'year%' or "
                             "term like 'industry%'").fetchone()[0]
    finally:
        con.close()
    assert stored == 3  # the dummies stay in the results schema
    coef = [r.label for r in t.rows if r.kind == "coef"]
    assert coef == ["x", "const"]
    fe = {r.label: r.texts for r in t.rows if r.kind == "fe"}
    assert fe == {"Entity fixed effects": ["Yes", "Yes"], "Year fixed effects": ["Yes", "No"],
                  "Division dummies": ["Yes", "No"]}

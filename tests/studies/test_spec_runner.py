"""The spec runner on a synthetic province panel: every non-spatial study spec of papers 001, 004
and 002 runs, tables have the papers' shape, planted signs come out, results land in DuckDB, and
bad specs fail with messages naming the model and the problem.

The panel is generated here (31 provinces x 2003-2021, seeded) with planted effects: coagglo raises
ami (+0.8) partly through uic (a = 0.3, b = 1.5), moderated by mi (+0.5 on coagglo*mi); maggl raises
pat (elasticity 0.4); growth rises with agg_enterprises (+0.15) and agg_capital (+1.4).
It is synthetic and says nothing about China.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.estimators import SpecError
from analysis.paths import SPECS_DIR
from analysis.pipeline import analyze
from analysis.report.exports import render_table
from analysis.studies.manifest import find_spec
from analysis.studies.runner import estimate_cli, run_spec
from analysis.studies.spec import load_spec, parse_spec

MY_SPECS = ["p001_table3", "p001_table4", "p001_table5", "p001_table6", "p001_table7", "p001_table8",
            "p001_table9", "p001_table10", "p002_growth", "p004_table1", "p004_table2", "p004_table3",
            "p004_hausman"]
REGIONS = (["East"] * 10 + ["Central"] * 6 + ["West"] * 12 + ["Northeast"] * 3)


def synth_panel(seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, years = 31, np.arange(2003, 2022)
    t = len(years)
    code = np.repeat([f"{11 + i:02d}0000" for i in range(n)], t)
    year = np.tile(years, n)
    ids = np.repeat(np.arange(n), t)
    ui = rng.normal(size=n)[ids]
    tau = 0.05 * (year - 2003)
    ctrl = {c: rng.normal(size=n * t) + 0.3 * ui for c in ["pdgp", "fdi", "hcl", "gov", "inv", "str", "inf"]}
    coagglo = 4 + 0.5 * ui + np.cumsum(rng.normal(scale=0.3, size=(n, t)), axis=1).ravel()
    mi = np.abs(rng.normal(size=n * t)) + 0.2
    icc = np.abs(rng.normal(size=n * t)) + 0.1
    uic = 0.3 * coagglo + 0.2 * ui + rng.normal(scale=0.5, size=n * t)
    ami = (0.8 * coagglo + 1.5 * uic + 0.5 * (coagglo - 4) * mi + 0.3 * ctrl["pdgp"] + 2 * ui + tau
           + rng.normal(size=n * t))
    df = pd.DataFrame({"province_code": code, "year": year, "coagglo": coagglo, "uic": uic, "ami": ami,
                       "mi": mi, "icc": icc, **ctrl})
    for k, name in enumerate(["amt", "amm", "amw", "gam", "ame"]):
        df[name] = (0.5 + 0.2 * k) * coagglo + 3 * ui + rng.normal(size=n * t)
    df["eg"] = 0.05 * coagglo + rng.normal(scale=0.02, size=n * t)
    df["center"] = np.where(year >= 2016, 0.4 * coagglo + rng.normal(size=n * t), np.nan)
    df["region_nbs4"] = np.repeat(REGIONS, t)
    df["region_p004"] = np.where(df["region_nbs4"] == "Northeast", "Central", df["region_nbs4"])
    df.loc[df["province_code"] == "300000", "region_p004"] = None  # a West province stands in for Tibet
    df["has_national_adv_mfg_cluster"] = np.repeat(np.arange(n) % 2 == 0, t)
    maggl = np.exp(rng.normal(scale=0.5, size=n * t))
    df["maggl"] = maggl
    df["pgdp"] = np.exp(10 + 0.05 * (year - 2003) + rng.normal(scale=0.3, size=n * t))
    df["gov_gdp_ratio"] = np.exp(rng.normal(np.log(0.2), 0.3, size=n * t))
    df["urb"] = np.clip(0.5 + rng.normal(scale=0.1, size=n * t), 0.2, 0.95)
    df["open"] = np.exp(rng.normal(np.log(0.3), 0.5, size=n * t))
    df["pat"] = np.exp(8 + 0.4 * np.log(maggl) + 0.5 * ui + rng.normal(scale=0.3, size=n * t))
    aggs = {c: np.abs(rng.normal(1, 0.4, size=n * t)) for c in ["agg_enterprises", "agg_value_added", "agg_capital", "agg_employment"]}
    df = df.assign(**aggs)
    df["growth"] = 8 + 0.15 * df["agg_enterprises"] + 1.4 * df["agg_capital"] - 0.1 * df["agg_employment"] + rng.normal(scale=0.5, size=n * t)
    return df


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("panel") / "province_panel.csv"
    with p.open("w") as fh:
        fh.write("# SYNTHETIC test panel (tests/studies/test_spec_runner.py)\n")
        synth_panel().to_csv(fh, index=False)
    return p


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    wh = tmp_path_factory.mktemp("wh") / "test.duckdb"
    con = duckdb.connect(str(wh))
    df = synth_panel()
    con.register("df", df)
    con.execute("create table fct_province_years as select * from df")
    con.execute("create table fct_province_indicator_values as select 'x' as province_code, "
                "'SYNTHETIC DEMO DATA' as source")
    con.close()
    return wh


def _run(name: str, panel_csv: Path):
    return run_spec(load_spec(find_spec(name, SPECS_DIR)), data_csv=panel_csv)


def test_table4_shape_and_iv_rows(panel_csv: Path) -> None:
    run = _run("p001_table4", panel_csv)
    table, _ = render_table(run)
    assert list(table.columns) == ["(1) ami", "(2) coagglo", "(3) ami", "(4) ami", "(5) center"]
    for label in ["coagglo", "EG", "L.coagglo", "pdgp", "inf", "constant", "Provincial Fixed Effects",
                  "Temporal Fixed Effects", "First-stage F statistic", "Kleibergen-Paap rk LM statistic",
                  "Kleibergen-Paap rk Wald F statistic", "Anderson-Rubin Wald statistic", "N", "R^2"]:
        assert label in table.index, label
    n = dict(zip(table.columns, table.loc["N"], strict=True))
    # 589 rows; the lag drops the first year (31 rows); 2016-2021 for centres
    assert n == {"(1) ami": "589", "(2) coagglo": "558", "(3) ami": "558", "(4) ami": "589", "(5) center": "186"}
    res = {r.model_id: r for r in run.results}
    assert res["(1) ami"].params["coagglo"] > 0 and res["(1) ami"].pvalues["coagglo"] < 0.01
    assert res["(3) ami"].params["coagglo"] > 0
    assert res["(2) coagglo"].params["lag(coagglo, 1)"] > 0
    assert "{16.38}" in table.loc[""].to_numpy().ravel().tolist() or any("{16.38}" in str(v) for v in table.to_numpy().ravel())


def test_table5_6_7_9_10_shapes(panel_csv: Path) -> None:
    t5, _ = render_table(_run("p001_table5", panel_csv))
    assert list(t5.columns) == ["(1) amt", "(2) amm", "(3) amw", "(4) gam", "(5) ame"]
    r6 = _run("p001_table6", panel_csv)
    n6 = [r.nobs for r in r6.results]
    assert n6 == [190, 114, 228, 57, 16 * 19, 15 * 19]  # 10/6/12/3 provinces; 16 vs 15 clusters
    r7 = _run("p001_table7", panel_csv)
    assert [r.dependent for r in r7.results] == ["ami", "ami", "uic", "ami"]
    assert r7.results[2].params["coagglo"] > 0 and r7.results[3].params["uic"] > 0
    r9 = _run("p001_table9", panel_csv)
    assert r9.results[0].params["coagglo*mi"] > 0 and r9.results[0].pvalues["coagglo*mi"] < 0.01
    assert "uic*mi" in r9.results[4].params.index
    t10, _ = render_table(_run("p001_table10", panel_csv))
    assert "coagglo*icc" in t10.index and "uic*icc" in t10.index


def test_table8_mediation_planted_and_reproducible(panel_csv: Path) -> None:
    r1 = _run("p001_table8", panel_csv).results[0]
    e = r1.effects["coagglo"]
    assert e["indirect"].estimate > 0 and e["indirect"].ci["bias_corrected"][0] > 0
    assert e["direct"].estimate > 0
    table, notes = render_table(_run("p001_table8", panel_csv))
    assert "bootstrap" in notes and "LeSage" not in notes
    assert list(table.columns) == ["Mediating variable", "Treatment", "Effect", "Effect size",
                                   "Standard error", "Lower limit", "Upper limit"]
    r2 = _run("p001_table8", panel_csv).results[0]
    assert r2.effects["coagglo"]["indirect"].ci == e["indirect"].ci


def test_descriptives(panel_csv: Path) -> None:
    t3 = _run("p001_table3", panel_csv).descriptives
    assert len(t3) == 17 and list(t3.columns[2:]) == ["Obs", "Mean", "Sd", "Min", "Max"]
    df = synth_panel()
    row = t3.set_index("Variables").loc["ami"]
    assert row["Obs"] == 589
    assert row["Mean"] == pytest.approx(df["ami"].mean()) and row["Sd"] == pytest.approx(df["ami"].std())
    t1 = _run("p004_table1", panel_csv).descriptives
    assert (t1["Obs"] == 360).all()  # 30 provinces x 2006-2017


def test_paper004_and_002(panel_csv: Path) -> None:
    r2 = _run("p004_table2", panel_csv)
    assert [r.nobs for r in r2.results] == [360, 360]
    assert r2.results[1].params["log(maggl)"] == pytest.approx(0.4, abs=0.08)
    assert r2.results[1].fixed_effects == ("time",)
    r3 = _run("p004_table3", panel_csv)
    assert [r.nobs for r in r3.results] == [10 * 12, 9 * 12, 11 * 12]
    # Hausman: make maggl correlated with the province effect of log(pat) -> RE inconsistent -> reject
    df = synth_panel()
    eff = np.log(df["pat"]).groupby(df["province_code"]).transform("mean")
    df["maggl"] = df["maggl"] * np.exp(6.0 * (eff - eff.mean()))
    h = run_spec(load_spec(find_spec("p004_hausman", SPECS_DIR)), data=df).results[1].diagnostics["hausman"]
    assert h.df == 5 and h.value > 0 and h.p_value < 0.01
    g = _run("p002_growth", panel_csv).results[0]
    assert g.params["agg_capital"] == pytest.approx(1.4, abs=0.15)
    assert g.params["agg_enterprises"] == pytest.approx(0.15, abs=0.15)


def test_estimate_cli_on_csv_writes_json(panel_csv: Path, tmp_path: Path) -> None:
    spec = tmp_path / "my.yml"
    spec.write_text(f"""
title: my own spec
data: {{csv: {panel_csv.name}}}
panel: {{entity: province_code, time: year}}
models:
  - {{id: fe, estimator: fe, y: ami, x: [coagglo, "log(maggl)", "lag(pdgp, 1)"], effects: [entity, time],
     cov: {{type: clustered, by: entity}}}}
""")
    import shutil

    shutil.copy(panel_csv, tmp_path / panel_csv.name)
    out = tmp_path / "out.json"
    doc = estimate_cli(spec=spec, json_out=out)
    disk = json.loads(out.read_text())
    assert disk == doc and disk["is_synthetic"] is True
    m = disk["models"][0]
    assert set(m["params"]) == {"coagglo", "log(maggl)", "lag(pdgp, 1)", "const"}
    assert m["nobs"] == 558 and m["n_entities"] == 31
    assert set(m["params"]["coagglo"]) == {"estimate", "std_error", "stat", "p_value"}
    assert m["stats"]["r2_within"]["value"] > 0


def _bad(tmp_path: Path, model: str) -> Path:
    p = tmp_path / "bad.yml"
    p.write_text("title: bad\ndata: {csv: x.csv}\npanel: {entity: province_code, time: year}\n"
                 f"models:\n  - {model}\n")
    return p


def test_errors_name_model_and_problem(panel_csv: Path, tmp_path: Path) -> None:
    from analysis.errors import AggloError

    cases = [
        ('{id: "typo", estimator: fe, y: ami, x: [coaglo], effects: [entity]}', r"'typo'.*'coaglo'.*did you mean 'coagglo'"),
        ('{id: "sing", estimator: fe, y: ami, x: [coagglo, region_dummy], effects: [entity]}', r"'sing'.*singular design.*'region_dummy'"),
        ('{id: "few", estimator: fe, y: ami, x: [coagglo, pdgp, fdi], effects: [entity, time], sample: "year = 2003 and province_code < \'140000\'"}', r"'few'.*too few observations"),
        ('{id: "unk", estimator: fancy, y: ami, x: [coagglo]}', r"'unk'.*unknown estimator 'fancy'"),
        ('{id: "badsample", estimator: fe, y: ami, x: [coagglo], sample: "yeer > 2010"}', r"'badsample'.*yeer"),
    ]
    df = synth_panel()
    df["region_dummy"] = (df["region_nbs4"] == "East").astype(float)  # time-invariant: absorbed by FE
    csv = tmp_path / "x.csv"
    df.to_csv(csv, index=False)
    for model, pattern in cases:
        with pytest.raises(AggloError, match=pattern) as err:
            estimate_cli(spec=_bad(tmp_path, model), data=csv, json_out=tmp_path / "o.json")
        # the spec is named once, not repeated by each layer the error passes through
        assert not re.search(r"spec (\S+?)[:,].*spec \1[:,]", str(err.value)), str(err.value)


def test_spec_validation_messages() -> None:
    with pytest.raises(SpecError, match="duplicate model ids"):
        parse_spec({"data": {"csv": "a.csv"}, "panel": {"entity": "e", "time": "t"},
                    "models": [{"id": "a", "estimator": "fe", "y": "y"}, {"id": "a", "estimator": "fe", "y": "y"}]})
    with pytest.raises(SpecError, match="model 'm'.*no dependent"):
        parse_spec({"data": {"csv": "a.csv"}, "panel": {"entity": "e", "time": "t"},
                    "models": [{"id": "m", "estimator": "fe"}]})
    with pytest.raises(SpecError, match="model 'm'.*cannot parse|model 'm'.*unknown function"):
        parse_spec({"data": {"csv": "a.csv"}, "panel": {"entity": "e", "time": "t"},
                    "models": [{"id": "m", "estimator": "fe", "y": "y", "x": ["lgo(x)"]}]})


def test_analyze_writes_tables_and_results(warehouse: Path, tmp_path: Path) -> None:
    runs = analyze(warehouse=warehouse, only=MY_SPECS, tables_dir=tmp_path / "tables", quiet=True)
    assert len(runs) == len(MY_SPECS)
    for name in MY_SPECS:
        for ext in (".md", ".tex", ".csv"):
            assert (tmp_path / "tables" / f"{name}{ext}").is_file()
    assert "SYNTHETIC" in (tmp_path / "tables" / "p001_table4.md").read_text()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        run = con.execute("select run_id, is_synthetic from results.runs").fetchall()
        assert len(run) == 1 and run[0][1] is True
        b = con.execute("select estimate from results.estimates where spec = 'p001_table4' and "
                        "model_id = '(1) ami' and term = 'coagglo'").fetchone()[0]
        assert b == pytest.approx(next(r for r in runs if r.spec.name == "p001_table4").results[0].params["coagglo"])
        kinds = con.execute("select distinct ci_kind from results.effects where spec = 'p001_table8' order by 1").fetchall()
        assert [k[0] for k in kinds] == ["bias_corrected", "percentile"]
        names = {r[0] for r in con.execute("select name from results.stats where spec = 'p001_table4'").fetchall()}
        assert {"first_stage_f", "kp_lm", "kp_wald_f", "anderson_rubin", "r2_within"} <= names
        assert con.execute("select count(*) from results.descriptives where spec = 'p001_table3'").fetchone()[0] == 17
        fx = con.execute("select fixed_effects from results.models where spec = 'p004_table2' order by model_id").fetchall()
        assert [f[0] for f in fx] == ["", "time"]
    finally:
        con.close()

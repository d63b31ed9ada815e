"""analysis/studies/store.py: the results schema declared once, written and read back; paper manifests.

- round trip: ModelResults written with :func:`write_results` and read with :func:`read_results` are
  equal in everything the schema stores (terms in order with estimate, SE, statistic and p-value; N,
  entities, covariance, fixed effects; statistics with p-value and df; effects with SE and intervals);
- the tables DuckDB holds have exactly the columns and types :data:`SCHEMA` declares;
- the studies layer does not import the report layer;
- every study spec is listed in exactly one paper manifest, and bad manifests fail naming the problem.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.estimators import SpecError
from analysis.estimators.results import EffectEstimate, ModelResult
from analysis.estimators.results import TestStat as Stat
from analysis.paths import PROJECT_ROOT, SPECS_DIR
from analysis.studies.manifest import load_studies, load_study, spec_files
from analysis.studies.runner import SpecRun
from analysis.studies.spec import parse_spec
from analysis.studies.store import SCHEMA, latest_run, read_results, result_specs, write_results


def _spec(tmp_path: Path, name: str):
    return parse_spec({"title": f"Title of {name}", "data": {"csv": "p.csv"}, "panel": {"entity": "e", "time": "t"},
                       "models": [{"id": "m", "estimator": "ols", "y": "y", "x": ["x"]}]},
                      path=tmp_path / f"{name}.yml")


def _results() -> list[ModelResult]:
    fe = ModelResult.from_arrays(
        model_id="(1) fe", estimator="fe_iv", dependent="ami", terms=["coagglo", "log(pdgp)", "const"],
        params=[0.52, -0.00012, 3.1], std_errors=[0.1, 0.00004, 1.2], nobs=589, df_resid=557,
        n_entities=31, cov_type="clustered:entity", fixed_effects=("entity", "time"),
        diagnostics={"kp_wald_f": Stat(21.5, None, (1.0, 30.0)), "hausman": Stat(12.5, 0.0021, 2),
                     "r2_within": Stat(0.41)})
    sdm = ModelResult.from_arrays(
        model_id="SDM", estimator="sdm", dependent="ami", terms=["coagglo", "W*coagglo", "rho"],
        params=[0.3, 0.1, 0.25], std_errors=[0.05, 0.08, 0.04], nobs=589, dist="normal", n_entities=31,
        cov_type="ml", fixed_effects=("entity", "time"), diagnostics={"lm_lag": Stat(5.2, 0.022, 1)},
        effects={"coagglo": {"direct": EffectEstimate(0.31, 0.05), "indirect": EffectEstimate(0.2, 0.1),
                             "total": EffectEstimate(0.51, 0.12)}})
    med = ModelResult.from_arrays(
        model_id="ami via uic", estimator="mediation", dependent="ami", terms=["coagglo", "uic"],
        params=[0.2, 0.4], std_errors=[0.1, 0.1], nobs=589, n_entities=31, cov_type="clustered:entity",
        fixed_effects=("entity", "time"),
        effects={"coagglo": {"indirect": EffectEstimate(0.08, 0.02, None, {"percentile": (0.04, 0.12),
                                                                            "bias_corrected": (0.045, 0.125)}),
                             "direct": EffectEstimate(0.2, 0.1, None, {"percentile": (0.01, 0.39)})}})
    ols = ModelResult.from_arrays(model_id="(2) ols", estimator="ols", dependent="y", terms=["x"], params=[1.0],
                                  std_errors=[float("nan")], nobs=10)
    return [fe, sdm, med, ols]


def _same(a: ModelResult, b: ModelResult) -> None:
    assert (a.model_id, a.estimator, a.dependent, a.nobs, a.n_entities, a.cov_type, a.fixed_effects) == \
        (b.model_id, b.estimator, b.dependent, b.nobs, b.n_entities, b.cov_type, b.fixed_effects)
    for name in ("params", "std_errors", "stats", "pvalues"):
        pd.testing.assert_series_equal(getattr(a, name), getattr(b, name), check_names=False)
    assert list(a.diagnostics) == list(b.diagnostics)
    for k, t in a.diagnostics.items():
        u = b.diagnostics[k]
        assert (t.value, t.p_value, t.df) == (u.value, u.p_value, u.df), k
    assert {k: dict(v) for k, v in a.effects.items()} == {k: dict(v) for k, v in b.effects.items()}


def test_round_trip(tmp_path):
    wh = tmp_path / "wh.duckdb"
    written = _results()
    moran = pd.DataFrame({"variable": ["ami"], "period": ["2003"], "moran_i": [0.21], "expected_i": [-1 / 30],
                          "z_normal": [2.5], "p_normal": [0.006], "p_permutation": [np.nan], "n": [31]})
    desc = pd.DataFrame({"Variable names": ["Advanced mfg."], "Variables": ["ami"], "Obs": [589], "Mean": [30.5],
                         "Sd": [8.2], "Min": [12.0], "Max": [61.0]})
    runs = [SpecRun(spec=_spec(tmp_path, "s1"), results=written[:2]),
            SpecRun(spec=_spec(tmp_path, "s2"), results=written[2:]),
            SpecRun(spec=_spec(tmp_path, "s3"), moran=moran), SpecRun(spec=_spec(tmp_path, "s4"), descriptives=desc)]
    write_results(wh, runs, run_id="r1", started_at=dt.datetime(2026, 1, 1), is_synthetic=True)
    write_results(wh, runs[:1], run_id="r2", started_at=dt.datetime(2026, 1, 2))
    con = duckdb.connect(str(wh), read_only=True)
    try:
        got = read_results(con, "r1", "s1") + read_results(con, "r1", "s2")
        assert len(got) == 4
        for a, b in zip(written, got, strict=True):
            _same(a, b)
        assert latest_run(con)["run_id"] == "r2"
        assert result_specs(con, "r1") == ["s1", "s2", "s3", "s4"] and result_specs(con, "r2") == ["s1"]
        assert con.execute("select moran_i, p_permutation from results.moran").fetchall() == [(0.21, None)]
        assert con.execute("select variable, obs, mean from results.descriptives").fetchall() == [("ami", 589, 30.5)]
        # the schema DuckDB holds is the one declared
        for table, cols in SCHEMA.items():
            have = con.execute("select column_name, data_type from information_schema.columns where "
                               "table_schema = 'results' and table_name = ? order by ordinal_position",
                               [table]).fetchall()
            assert have == [(c, t.upper()) for c, t in cols], table
    finally:
        con.close()


def test_studies_do_not_import_the_report():
    for path in sorted((PROJECT_ROOT / "analysis" / "studies").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith(("analysis.report", "analysis.pipeline", "analysis.cli")) for n in names), \
                f"{path.name} imports {names}"


def test_every_spec_is_in_exactly_one_manifest():
    listed = [t.spec for s in load_studies(SPECS_DIR) for t in s.tables if t.spec is not None]
    assert sorted(p.name for p in listed) == sorted(p.name for p in spec_files(SPECS_DIR))
    assert len(set(listed)) == len(listed)
    papers = {s.paper: [t.id for t in s.tables] for s in load_studies(SPECS_DIR)}
    assert papers["000"] == ["p000_table2", "p000_table4", "p000_table5"]
    assert papers["001"][:3] == ["p001_table2", "p001_table3", "p001_table4"]


@pytest.mark.parametrize(("body", "message"), [
    ("paper: '9'\ntables:\n  - {id: p9_t1, spec: missing.yml}\n", "spec file .*missing.yml not found"),
    ("paper: '9'\ntables:\n  - {id: p9_t1, spec: p9_t1.yml, indicat: {}}\n", r"unknown key\(s\) \['indicat'\]"),
    ("paper: '9'\ntables:\n  - {id: other, spec: p9_t1.yml}\n", "id of a spec table is its file stem"),
    ("paper: '9'\ntables:\n  - {id: p9_t1, spec: p9_t1.yml, mart: fct_x}\n", "exactly one of spec: or mart:"),
    ("paper: '9'\ntables:\n  - {id: p9_t1, spec: p9_t1.yml}\n  - {id: p9_t1, spec: p9_t1.yml}\n", "listed twice"),
    ("title: x\n", "needs paper:"),
])
def test_bad_manifest_names_the_problem(tmp_path, body, message):
    (tmp_path / "p9_t1.yml").write_text("title: t\n", encoding="utf-8")
    (tmp_path / "study.yml").write_text(body, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        load_study(tmp_path / "study.yml")

"""Spec terms (log, lag, diff, interactions, W*), sample filters and weights loading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.cli import main
from analysis.estimators import SpecError
from analysis.estimators.terms import evaluate_terms, is_spatial, parse_term, required_columns
from analysis.formulas.weights import weights_matrix
from analysis.studies.spec import apply_sample, load_spec, load_weights


@pytest.fixture()
def panel() -> pd.DataFrame:
    # entity "b" has a gap: 2002 is missing, so lag(x, 1) in 2003 must be missing (Stata's L.)
    return pd.DataFrame({
        "id": ["a", "a", "a", "b", "b"],
        "t": [2001, 2002, 2003, 2001, 2003],
        "x": [1.0, 2.0, 4.0, 10.0, 30.0],
        "m": [3.0, 5.0, 7.0, 1.0, 2.0],
    })


def test_lag_respects_time_gaps_and_order(panel: pd.DataFrame) -> None:
    shuffled = panel.sample(frac=1, random_state=0)
    out = evaluate_terms(shuffled, ["lag(x, 1)", "lag(x, 2)", "diff(x)", "lead(x, 1)"], entity="id", time="t")
    out = out.loc[panel.index]
    assert_allclose(out["lag(x, 1)"], [np.nan, 1.0, 2.0, np.nan, np.nan])
    assert_allclose(out["lag(x, 2)"], [np.nan, np.nan, 1.0, np.nan, 10.0])
    assert_allclose(out["diff(x)"], [np.nan, 1.0, 2.0, np.nan, np.nan])
    assert_allclose(out["lead(x, 1)"], [2.0, 4.0, np.nan, np.nan, np.nan])


def test_transforms_named_as_written(panel: pd.DataFrame) -> None:
    terms = ["log(x)", "x*m", "lag(log(x), 1)", "ln(m)*x", "sq(m)"]
    out = evaluate_terms(panel, terms, entity="id", time="t")
    assert list(out.columns) == terms
    assert_allclose(out["log(x)"], np.log(panel["x"]))
    assert_allclose(out["x*m"], [3.0, 10.0, 28.0, 10.0, 60.0])
    assert_allclose(out["lag(log(x), 1)"], [np.nan, 0.0, np.log(2.0), np.nan, np.nan])
    assert_allclose(out["ln(m)*x"], np.log(panel["m"]) * panel["x"])
    assert_allclose(out["sq(m)"], panel["m"] ** 2)
    assert required_columns(terms) == {"x", "m"}


def test_spatial_lag_hand_example(panel: pd.DataFrame) -> None:
    # a <- b with weight 1, b <- a with weight 1: W*x of a in 2001 = x_b = 10; a in 2002: b missing
    w = pd.DataFrame({"from": ["a", "b"], "to": ["b", "a"], "w": [1.0, 1.0]})
    out = evaluate_terms(panel, ["W*x"], entity="id", time="t", weights=w)["W*x"]
    assert_allclose(out, [10.0, np.nan, 30.0, 1.0, 4.0])
    assert is_spatial("W*log(x)") and not is_spatial("x*m")
    with pytest.raises(SpecError, match="needs weights"):
        evaluate_terms(panel, ["W*x"], entity="id", time="t")


def test_term_errors(panel: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="unknown function 'lgo'"):
        parse_term("lgo(x)")
    with pytest.raises(SpecError, match="cannot parse|unexpected"):
        parse_term("x + m")
    with pytest.raises(SpecError, match="model 'q': variable 'xx'.*did you mean 'x'"):
        evaluate_terms(panel, ["lag(xx, 1)"], entity="id", time="t", model_id="q")
    bad = panel.assign(x=[1.0, 0.0, 2.0, 3.0, 4.0])
    with pytest.raises(SpecError, match="log of 1 non-positive"):
        evaluate_terms(bad, ["log(x)"], entity="id", time="t")


def test_sample_filter(panel: pd.DataFrame) -> None:
    out = apply_sample(panel, "t >= 2002 and id = 'a'")
    assert list(out.index) == [1, 2]
    for evil in ["1=1; drop table panel", "t in (select 1)", "read_csv('/etc/passwd') is not null"]:
        with pytest.raises(SpecError, match="plain boolean expression"):
            apply_sample(panel, evil)
    with pytest.raises(SpecError, match="selects no rows"):
        apply_sample(panel, "t > 3000")


def test_weights_csv_row_standardised(tmp_path) -> None:
    p = tmp_path / "w.csv"
    p.write_text("from,to,w\n11,12,1\n11,13,3\n12,11,2\n13,13,5\n")
    w = load_weights({"csv": "w.csv"}, base_dir=tmp_path)
    m = weights_matrix(w, ["11", "12", "13"])
    # diagonal dropped; rows scaled to sum to 1: row 11 = (0, 1/4, 3/4), row 12 = (1, 0, 0)
    assert_allclose(m, [[0, 0.25, 0.75], [1, 0, 0], [0, 0, 0]])
    raw = load_weights({"csv": str(p), "standardize": False})
    assert_allclose(weights_matrix(raw, ["11", "12", "13"]), [[0, 1, 3], [2, 0, 0], [0, 0, 0]])


def test_weights_from_warehouse_table(tmp_path) -> None:
    import duckdb

    wh = tmp_path / "w.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create table fct_spatial_weights as select * from (values "
                "('geo', '11', '12', 2.0), ('geo', '12', '11', 1.0), ('eco', '11', '12', 5.0)) "
                "as t(matrix, from_code, to_code, w)")
    con.close()
    w = load_weights({"table": "fct_spatial_weights", "matrix": "geo"}, warehouse=wh)
    assert sorted(zip(w["from"], w["to"], w["w"], strict=True)) == [("11", "12", 1.0), ("12", "11", 1.0)]
    with pytest.raises(SpecError, match="no weights for matrix 'nested'"):
        load_weights({"table": "fct_spatial_weights", "matrix": "nested"}, warehouse=wh)


def test_cli_estimate_error_exit_code(tmp_path, capsys) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text("title: t\ndata: {csv: d.csv}\npanel: {entity: id, time: t}\n"
                    "models:\n  - {id: m1, estimator: fe, y: y, x: [z]}\n")
    pd.DataFrame({"id": [1, 1, 2, 2], "t": [1, 2, 1, 2], "y": [1.0, 2, 3, 5], "x": [0.0, 1, 0, 2]}).to_csv(
        tmp_path / "d.csv", index=False)
    assert main(["estimate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "model 'm1'" in err and "variable 'z'" in err
    assert load_spec(spec).models[0]["effects"] == []

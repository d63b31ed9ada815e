"""``agglo analyze`` on the demo warehouse: every non-spatial study table of papers 001/004/002 is
produced with the papers' shape, and the signs planted by the demo generator (analysis/demo/generate.py
``PLANTED``; synthetic data, not findings about China) come out."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.pipeline import analyze

pytestmark = pytest.mark.warehouse
SPECS = ["p001_table3", "p001_table4", "p001_table5", "p001_table6", "p001_table7", "p001_table8",
         "p001_table9", "p001_table10", "p002_growth", "p004_table1", "p004_table2", "p004_table3",
         "p004_hausman"]
# (spec, columns of the paper's table)
SHAPES = {
    "p001_table4": ["(1) ami", "(2) coagglo", "(3) ami", "(4) ami", "(5) center"],
    "p001_table5": ["(1) amt", "(2) amm", "(3) amw", "(4) gam", "(5) ame"],
    "p001_table6": ["(1) East", "(2) Central", "(3) West", "(4) Northeast", "(5) Clusters", "(6) No clusters"],
    "p001_table7": ["(1) ami", "(2) ami", "(3) uic", "(4) ami"],
    "p001_table9": ["(1) ami", "(2) uic", "(3) uic", "(4) ami", "(5) ami"],
    "p001_table10": ["(1) ami", "(2) uic", "(3) uic", "(4) ami", "(5) ami"],
    "p004_table2": ["(1) OLS", "(2) OLS(FE)"],
    "p004_table3": ["(1) east", "(2) central", "(3) west"],
    "p002_growth": ["(1) growth"],
}


@pytest.fixture(scope="module")
def analysed(demo_warehouse: Path, tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("analysed")
    wh = d / "agglo.duckdb"
    shutil.copy(demo_warehouse, wh)
    analyze(warehouse=wh, only=SPECS, tables_dir=d / "tables", quiet=True)
    return wh, d / "tables"


def _est(con, spec: str, model: str, term: str) -> tuple[float, float]:
    return con.execute("select estimate, p_value from results.estimates where spec = ? and model_id = ? "
                       "and term = ?", [spec, model, term]).fetchone()


def test_tables_have_the_papers_shape(analysed) -> None:
    _, tables = analysed
    for spec, cols in SHAPES.items():
        t = pd.read_csv(tables / f"{spec}.csv", comment="#", index_col=0, keep_default_na=False)
        assert list(t.columns) == cols, spec
        assert {"N", "R^2"} <= set(t.index), spec
    t3 = pd.read_csv(tables / "p001_table3.csv", comment="#", index_col=0)
    assert len(t3) == 17 and (t3["Obs"] == 589).all()
    t1 = pd.read_csv(tables / "p004_table1.csv", comment="#", index_col=0)
    assert len(t1) == 6 and (t1["Obs"] == 360).all()
    t8 = pd.read_csv(tables / "p001_table8.csv", comment="#")
    assert list(t8["Effect"]) == ["Indirect effect", "Direct effect", "Total effect"]
    assert "SYNTHETIC" in (tables / "p001_table4.md").read_text()


def test_planted_signs(analysed) -> None:
    wh, _ = analysed
    con = duckdb.connect(str(wh), read_only=True)
    try:
        b, p = _est(con, "p001_table4", "(1) ami", "coagglo")
        assert b > 0 and p < 0.05
        assert _est(con, "p001_table4", "(3) ami", "coagglo")[0] > 0
        assert _est(con, "p001_table7", "(3) uic", "coagglo")[0] > 0
        b, p = _est(con, "p001_table9", "(1) ami", "coagglo*mi")
        assert b > 0 and p < 0.05
        assert _est(con, "p001_table10", "(1) ami", "coagglo*icc")[0] > 0
        ind = con.execute("select estimate, ci_lower from results.effects where spec = 'p001_table8' "
                          "and effect = 'indirect' and ci_kind = 'bias_corrected'").fetchone()
        assert ind[0] > 0
        b = _est(con, "p004_hausman", "(1) FE", "log(maggl)")[0]
        assert b == pytest.approx(0.40, abs=0.1)
        assert _est(con, "p002_growth", "(1) growth", "agg_capital")[0] > 0
        assert con.execute("select is_synthetic from results.runs").fetchone()[0] is True
    finally:
        con.close()

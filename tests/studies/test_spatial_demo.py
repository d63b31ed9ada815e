"""``agglo analyze`` on the demo warehouse: paper 001 table 11 (two-way FE SDM, economic-geographic W)
recovers the spillover the demo generator plants through ``W coagglo`` (analysis/demo/generate.py
``PLANTED["theta_coagglo"]`` = 3.5 x the direct effect, ``rho_W`` = 0; synthetic data, not findings
about China)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from analysis.demo.generate import PLANTED
from analysis.pipeline import analyze

pytestmark = pytest.mark.warehouse
SPEC = "p001_table11"


@pytest.fixture(scope="module")
def effects(demo_warehouse: Path, tmp_path_factory) -> dict[str, tuple[float, float, float]]:
    """effect -> (estimate, std_error, p_value) of coagglo in p001_table11 (p from the normal)."""
    from scipy.stats import norm

    d = tmp_path_factory.mktemp("spatial_demo")
    wh = d / "agglo.duckdb"
    shutil.copy(demo_warehouse, wh)  # analyze writes a results schema: never into the shared fixture
    analyze(warehouse=wh, only=[SPEC], tables_dir=d / "tables", quiet=True)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("select effect, estimate, std_error from results.effects where spec = ? "
                       "and term = 'coagglo'", [SPEC]).fetchall()
    con.close()
    return {e: (b, se, 2 * norm.sf(abs(b / se))) for e, b, se in rows}


def test_planted_spillover_of_coagglo_is_positive_and_significant(effects) -> None:
    assert PLANTED["theta_coagglo"] > 0 and PLANTED["rho_W"] == 0  # what the assertions below rely on
    for effect in ("indirect", "total"):
        b, se, p = effects[effect]
        assert b > 0 and p < 0.05, (effect, b, se, p)
    b, se, p = effects["direct"]
    assert b > 0 and p < 0.05, ("direct", b, se, p)
    # with rho = 0 the indirect effect is theta x the composite's scale (the direct effect / b_coagglo)
    ratio = effects["indirect"][0] / (effects["direct"][0] / PLANTED["b_coagglo"])
    assert ratio == pytest.approx(PLANTED["theta_coagglo"], abs=2 * effects["indirect"][1] / effects["direct"][0])

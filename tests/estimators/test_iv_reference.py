"""FE-2SLS and weak-instrument statistics against independent results on the Cigar panel.

Two sources:

1. Stata numbers quoted in the test-suite of FixedEffectModels.jl (test/fit.jl, where they are
   asserted to match ``ivreghdfe`` / ``ivreg2``), on the same public data (plm's Cigar):
   ivreghdfe SEs of ``sales ~ ndi + (price ~ pimin) + fe(state), cluster(state)`` = 0.0019704 (ndi),
   0.1893396 (price); ivreg2 Kleibergen-Paap rk Wald F with ``robust``: 23160.06350
   (``sales ~ (price ~ pimin)``), 37662.82808 (``+ fe(state)``), 2093.46609 (``cpi + (price ~ pimin)``),
   16418.21196 (``(price ~ pimin + cpi)``); reghdfe/areg SEs for ``sales ~ price + fe(state)``.
2. R (AER::ivreg + sandwich) output committed in tests/reference/iv_cigar.out, produced by
   tests/reference/iv_cigar.R: 2SLS coefficients and clustered SEs, the first-stage F, the
   Anderson-Rubin F, and the KP rk LM statistic computed by a different route (auxiliary regression of
   ones on the cluster scores, LM = G - SSR) from the Python code (quadratic form).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.estimators import FitContext, get_estimator
from analysis.estimators.iv import iv_diagnostics, stock_yogo
from analysis.paths import SHARED_DIR

CIGAR = SHARED_DIR / "validation" / "cigar.csv"
OUT = (Path(__file__).parent.parent / "reference" / "iv_cigar.out")
pytestmark = pytest.mark.skipif(not CIGAR.is_file(), reason="shared validation data absent")
CTX = FitContext(entity="state_name", time="year")


def _r(name: str) -> float:
    return float(re.search(rf"^{name} (\S+)", OUT.read_text(), re.M).group(1))


def _r_coef(term: str) -> tuple[float, float]:
    m = re.search(rf"^fe_iv_cluster {term} estimate (\S+) se (\S+)", OUT.read_text(), re.M)
    return float(m.group(1)), float(m.group(2))


@pytest.fixture(scope="module")
def cigar() -> pd.DataFrame:
    return pd.read_csv(CIGAR)


def _iv(cigar: pd.DataFrame, cov: str, x=("ndi",)):
    model = {"id": "iv", "y": "sales", "x": list(x), "endog": ["price"], "instruments": ["pimin"],
             "effects": ["entity"], "cov": {"type": cov, "by": "entity"}}
    return get_estimator("fe_iv")(model, cigar, CTX)


def test_fe_iv_cluster_against_r_and_ivreghdfe(cigar: pd.DataFrame) -> None:
    res = _iv(cigar, "clustered")
    for term in ("ndi", "price"):
        b, se = _r_coef(term)
        assert_allclose(res.params[term], b, rtol=1e-6)
        assert_allclose(res.std_errors[term], se, rtol=1e-4)
    assert_allclose(res.std_errors[["ndi", "price"]], [0.0019704, 0.1893396], rtol=5e-5)


def test_iv_diagnostics_against_r(cigar: pd.DataFrame) -> None:
    d = _iv(cigar, "clustered").diagnostics
    assert_allclose(d["first_stage_f"].value, _r("first_stage_f"), rtol=1e-6)
    assert_allclose(d["kp_lm"].value, _r("kp_lm_cluster"), rtol=1e-6)
    assert d["kp_lm"].df == 1
    assert_allclose(d["anderson_rubin"].value, _r("anderson_rubin_f"), rtol=1e-6)
    assert_allclose(_iv(cigar, "robust").diagnostics["kp_lm"].value, _r("kp_lm_robust"), rtol=1e-6)
    assert d["stock_yogo_10"].value == 16.38


@pytest.mark.parametrize(
    ("exog", "inst", "fe", "expected"),
    [
        ([], ["pimin"], False, 23160.06350),
        ([], ["pimin"], True, 37662.82808),
        (["cpi"], ["pimin"], False, 2093.46609),
        ([], ["pimin", "cpi"], False, 16418.21196),
    ],
)
def test_kp_wald_f_matches_ivreg2_robust(cigar, exog, inst, fe, expected) -> None:
    if fe:
        model = {"id": "kp", "y": "sales", "x": exog, "endog": ["price"], "instruments": inst,
                 "effects": ["entity"], "cov": {"type": "robust"}}
        value = get_estimator("fe_iv")(model, cigar, CTX).stat("kp_wald_f")
    else:  # pooled 2SLS with a constant: call the array core
        x_exog = np.column_stack([cigar[exog].to_numpy(), np.ones(len(cigar))]) if exog else np.ones((len(cigar), 1))
        d = iv_diagnostics(cigar["sales"].to_numpy(), cigar[["price"]].to_numpy(), x_exog,
                           cigar[inst].to_numpy(), cov_type="robust", clusters=None, n_absorbed=0,
                           n_absorbed_not_nested=0)
        value = d["kp_wald_f"].value
    assert_allclose(value, expected, rtol=1e-8)


@pytest.mark.parametrize(
    ("cov", "by", "expected"),
    [("clustered", "entity", 0.0357498), ("clustered", "time", 0.0220563),
     ("robust", "entity", 0.0110005), ("classic", "entity", 0.0098003)],
)
def test_fe_se_match_stata(cigar, cov, by, expected) -> None:
    # reghdfe (cluster state), areg & reghdfe (cluster year), areg robust, areg classic
    model = {"id": "fe", "y": "sales", "x": ["price"], "effects": ["entity"], "cov": {"type": cov, "by": by}}
    res = get_estimator("fe")(model, cigar, CTX)
    assert_allclose(res.std_errors["price"], expected, atol=1e-7)


def test_first_stage_column(cigar: pd.DataFrame) -> None:
    model = {"id": "fs", "y": "sales", "x": ["ndi"], "endog": ["price"], "instruments": ["pimin"],
             "effects": ["entity"], "cov": {"type": "clustered", "by": "entity"}}
    res = get_estimator("first_stage")(model, cigar, CTX)
    assert res.dependent == "price"
    assert_allclose(res.stat("first_stage_f"), _r("first_stage_f"), rtol=1e-6)
    assert_allclose(res.stats["pimin"] ** 2, _r("first_stage_f"), rtol=1e-6)


def test_stock_yogo_table() -> None:
    # Stock & Yogo (2005) table 5.2 (size) and 5.1 (relative bias), spot values
    assert stock_yogo(1, 1) == 16.38
    assert stock_yogo(1, 3, threshold=0.25) == 7.80
    assert stock_yogo(2, 2) == 7.03
    assert stock_yogo(1, 3, test="relative_bias", threshold=0.10) == 9.08
    assert stock_yogo(3, 1) is None


def test_underidentified_is_an_error(cigar: pd.DataFrame) -> None:
    from analysis.estimators import SpecError

    model = {"id": "under", "y": "sales", "x": [], "endog": ["price", "ndi"], "instruments": ["pimin"],
             "effects": ["entity"], "cov": {"type": "classic"}}
    with pytest.raises(SpecError, match="'under'.*underidentified"):
        get_estimator("fe_iv")(model, cigar, CTX)

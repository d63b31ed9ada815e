"""Stepwise mediation with the entity cluster bootstrap: identities, reproducibility, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.estimators import FitContext, SpecError, get_estimator
from analysis.estimators.mediation import bootstrap_intervals, cluster_bootstrap, mediation_paths

CTX = FitContext(entity="id", time="t")


def simulate(n: int, t: int, a: float, b: float, c: float, seed: int) -> pd.DataFrame:
    """Panel with entity and time effects: M = a T + u_i + e, Y = c T + b M + v_i + tau_t + e."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n), t)
    years = np.tile(np.arange(2000, 2000 + t), n)
    ui = rng.normal(size=n)[ids]
    x = rng.normal(size=n * t)
    treat = 0.5 * ui + rng.normal(size=n * t)
    med = a * treat + 0.3 * x + ui + rng.normal(size=n * t)
    y = c * treat + b * med + 0.2 * x + 2 * ui + 0.1 * (years - 2000) + rng.normal(size=n * t)
    return pd.DataFrame({"id": ids.astype(str), "t": years, "T": treat, "M": med, "Y": y, "x": x})


def _model(**kw):
    m = {"id": "med", "estimator": "mediation", "treatment": "T", "mediator": "M", "y": "Y", "x": ["x"],
         "effects": ["entity", "time"], "cov": {"type": "clustered", "by": "entity"},
         "bootstrap": {"reps": 200, "seed": 7}}
    m.update(kw)
    return m


def test_total_equals_eq2_coefficient_and_eq4_table() -> None:
    df = simulate(40, 8, a=0.5, b=0.6, c=0.2, seed=1)
    res = get_estimator("mediation")(_model(), df, CTX)
    eq2 = get_estimator("fe")({"id": "eq2", "y": "Y", "x": ["T", "x"], "effects": ["entity", "time"],
                               "cov": {"type": "classic"}}, df, CTX)
    eq4 = get_estimator("fe")({"id": "eq4", "y": "Y", "x": ["T", "M", "x"], "effects": ["entity", "time"],
                               "cov": {"type": "clustered", "by": "entity"}}, df, CTX)
    eq3 = get_estimator("fe")({"id": "eq3", "y": "M", "x": ["T", "x"], "effects": ["entity", "time"],
                               "cov": {"type": "classic"}}, df, CTX)
    e = res.effects["T"]
    assert_allclose(e["total"].estimate, eq2.params["T"], rtol=1e-10)
    assert_allclose(e["direct"].estimate, eq4.params["T"], rtol=1e-10)
    assert_allclose(e["indirect"].estimate, eq3.params["T"] * eq4.params["M"], rtol=1e-10)
    assert_allclose(res.std_errors[["T", "M", "x"]], eq4.std_errors[["T", "M", "x"]], rtol=1e-12)


def test_fixed_seed_is_reproducible() -> None:
    df = simulate(30, 6, a=0.5, b=0.6, c=0.2, seed=2)
    r1 = get_estimator("mediation")(_model(), df, CTX).effects["T"]["indirect"]
    r2 = get_estimator("mediation")(_model(), df, CTX).effects["T"]["indirect"]
    r3 = get_estimator("mediation")(_model(bootstrap={"reps": 200, "seed": 8}), df, CTX).effects["T"]["indirect"]
    assert r1.ci == r2.ci and r1.std_error == r2.std_error
    assert r1.ci["percentile"] != r3.ci["percentile"]


def test_bias_corrected_interval_hand_example() -> None:
    # draws 1..100, estimate 50.5 -> share below = 0.5, z0 = 0, BC interval equals percentile interval
    d = np.arange(1, 101, dtype=float)
    ci = bootstrap_intervals(d, 50.5)
    assert ci["bias_corrected"] == pytest.approx(ci["percentile"])
    assert ci["percentile"] == pytest.approx((np.quantile(d, 0.025), np.quantile(d, 0.975)))
    # estimate 84.5: 84 of 100 draws below -> z0 = Phi^-1(0.84) = 0.994458;
    # lower level Phi(2 * 0.994458 - 1.959964) = Phi(0.028952) = 0.511549 -> 1 + 0.511549 * 99 = 51.6433;
    # upper level Phi(1.988916 + 1.959964) = Phi(3.948880) = 0.9999607 -> 1 + 0.9999607 * 99 = 99.9961
    ci2 = bootstrap_intervals(d, 84.5)
    assert ci2["bias_corrected"] == pytest.approx((51.6433, 99.9961), abs=2e-4)


def test_planted_indirect_effect_recovered() -> None:
    df = simulate(300, 10, a=0.5, b=0.6, c=0.2, seed=3)
    res = get_estimator("mediation")(_model(bootstrap={"reps": 100, "seed": 1}), df, CTX)
    e = res.effects["T"]
    assert abs(e["indirect"].estimate - 0.30) < 0.03  # about 4 bootstrap SEs
    assert abs(e["direct"].estimate - 0.20) < 0.04
    lo, hi = e["indirect"].ci["bias_corrected"]
    assert lo < 0.30 < hi


def test_errors_name_the_model() -> None:
    df = simulate(10, 5, 0.5, 0.6, 0.2, seed=4)
    with pytest.raises(SpecError, match="'med'.*mediator"):
        get_estimator("mediation")(_model(mediator=None), df, CTX)
    with pytest.raises(SpecError, match="'med'.*'Mx'"):
        get_estimator("mediation")(_model(mediator="Mx"), df, CTX)


@pytest.mark.slow
def test_bootstrap_coverage_near_nominal() -> None:
    # 200 simulated panels (40 entities x 5 years, entity effects), 199 bootstrap draws each:
    # the 95% percentile interval should cover the planted indirect effect 0.3 about 95% of the time.
    # With 200 replications the Monte Carlo SE of the coverage is about 1.5 points; accept 0.89-0.99.
    covered_p = covered_bc = 0
    reps = 200
    for r in range(reps):
        df = simulate(40, 5, a=0.5, b=0.6, c=0.2, seed=1000 + r)
        codes = pd.factorize(df["id"])[0]
        tcodes = pd.factorize(df["t"])[0]
        args = (df["Y"].to_numpy(), df["T"].to_numpy(), df["M"].to_numpy(), df[["x"]].to_numpy(), codes, tcodes, ["entity"])
        est = mediation_paths(*args).indirect
        draws = cluster_bootstrap(*args, reps=199, seed=r)
        ci = bootstrap_intervals(draws[:, 0], est)
        covered_p += ci["percentile"][0] <= 0.3 <= ci["percentile"][1]
        covered_bc += ci["bias_corrected"][0] <= 0.3 <= ci["bias_corrected"][1]
    assert 0.89 <= covered_p / reps <= 0.99, covered_p / reps
    assert 0.89 <= covered_bc / reps <= 0.99, covered_bc / reps

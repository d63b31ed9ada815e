"""County x CIC division rows of the SYNTHETIC demo (county_industry.csv: planted LQ dynamics, TFP and openness effects)."""

from __future__ import annotations

import numpy as np

from analysis.demo.common import (
    COUNTY_YEARS,
    PLANTED,
    FloatArray,
)

#: relative prevalence of CIC divisions 13..43 among Sichuan counties (liquor 15, chemicals 26,
#: non-metallic minerals 30, electronics 39 are large in Sichuan)
_DIVISION_WEIGHT = dict(zip([str(d) for d in range(13, 44)], [
    3.0, 2.0, 3.0, 0.3, 1.0, 0.6, 0.5, 1.0, 0.8, 1.0, 0.6, 0.4, 0.8, 2.5, 1.8, 0.4, 1.2, 3.0, 1.2,
    1.0, 1.5, 1.5, 1.2, 1.0, 0.8, 1.2, 1.5, 0.4, 0.6, 0.5, 0.3,
], strict=True))


def _county_manufacturing(
    rng: np.random.Generator, v: dict[str, FloatArray], ln_tfp: FloatArray,
    divisions: list[dict[str, str]],
) -> list[tuple[str, str, str, float, float, float, float, float]]:
    """County manufacturing intensity and the county x division rows (current codes).

    County intensity ``m = ln(mfg output / GDP)``:
    ``m_t = (1 - rho) mu_c + rho m_{t-1} + beta_tfp (ln tfp - mean_c) + beta_op (op - mean_c) + e``.
    Division latent ``y_cd,t = (1 - rho) mu_cd + rho y_cd,t-1 + h_d [beta_tfp (ln tfp - mean_c) +
    beta_op (op - mean_c)] + tau_d,t + e``; division output = county output x softmax_d(y).
    """
    gdp, op = v["gdp_10k_yuan"], v["policy_openness_index"]
    n, t = gdp.shape
    tfp_c = ln_tfp - ln_tfp.mean(axis=1, keepdims=True)
    op_c = op - op.mean(axis=1, keepdims=True)
    va_rate_c = rng.uniform(0.24, 0.32, n)
    mu = np.log(v["_mfg_share_2011"] / va_rate_c)  # ln(mfg output / GDP)
    m = np.empty((n, t))
    m[:, 0] = mu + rng.normal(0, PLANTED["sd_mfg"], n)
    for ti in range(1, t):
        m[:, ti] = ((1 - PLANTED["rho_mfg"]) * mu + PLANTED["rho_mfg"] * m[:, ti - 1]
                    + PLANTED["beta_mfg_ln_tfp"] * tfp_c[:, ti] + PLANTED["beta_mfg_op"] * op_c[:, ti]
                    + rng.normal(0, PLANTED["sd_mfg"], n))
    county_output = gdp * np.exp(m)
    div_codes = [d["industry_code"] for d in divisions]
    high = np.array([d["is_high_tech"].strip().lower() == "true" for d in divisions])
    prevalence = np.array([_DIVISION_WEIGHT[c] for c in div_codes])
    tau = np.cumsum(rng.normal(0, 0.05, (len(div_codes), t)), axis=1)
    tau[div_codes.index("39")] += 0.06 * np.arange(t)
    va_rate_d = rng.uniform(0.2, 0.38, len(div_codes))
    asset_d = rng.uniform(0.6, 1.3, len(div_codes))
    prod_d = rng.uniform(60, 160, len(div_codes))  # output per worker, 10k yuan
    rows: list[tuple[str, str, str, float, float, float, float, float]] = []
    for i in range(n):
        k = int(v["_n_divisions"][i])
        present = np.sort(rng.choice(len(div_codes), size=k, replace=False, p=prevalence / prevalence.sum()))
        mu_cd = np.log(prevalence[present]) + rng.normal(0, 0.8, k)
        y = np.empty((k, t))
        y[:, 0] = mu_cd + rng.normal(0, PLANTED["sd_lq"], k)
        shock = (PLANTED["beta_lq_ln_tfp_high_tech"] * tfp_c[i]
                 + PLANTED["beta_lq_op_high_tech"] * op_c[i])
        for ti in range(1, t):
            y[:, ti] = ((1 - PLANTED["rho_lq"]) * mu_cd + PLANTED["rho_lq"] * y[:, ti - 1]
                        + high[present] * shock[ti] + tau[present, ti] - PLANTED["rho_lq"] * tau[present, ti - 1]
                        + rng.normal(0, PLANTED["sd_lq"], k))
        share = np.exp(y - y.max(axis=0, keepdims=True))
        share /= share.sum(axis=0, keepdims=True)
        firm_size = 2.0e4 * np.exp(rng.normal(0, 0.5, k))
        for j, d in enumerate(present):
            out = np.round(county_output[i] * share[j], 1)
            noise = np.exp(rng.normal(0, 0.03, (3, t)))
            for ti in range(t):
                if out[ti] <= 0:
                    continue
                rows.append((
                    "", str(COUNTY_YEARS[ti]), div_codes[d], float(max(1, round(out[ti] / firm_size[j]))),
                    float(out[ti]), round(out[ti] * va_rate_d[d] * noise[0, ti], 1),
                    float(max(1, round(out[ti] / prod_d[d] * noise[1, ti]))),
                    round(out[ti] * asset_d[d] * noise[2, ti], 1),
                ))
                rows[-1] = (str(i),) + rows[-1][1:]
    return rows

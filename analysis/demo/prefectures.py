"""Prefecture x year x section employment of the SYNTHETIC demo (within-province EG coagglomeration)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.demo.common import (
    PROVINCE_YEARS,
    SECTIONS,
    SOURCE,
    FloatArray,
    Reference,
    _apportion,
)


def _prefecture_employment(
    rng: np.random.Generator, ref: Reference, prov_codes: Sequence[str], emp: FloatArray,
) -> list[tuple[str, ...]]:
    """Split every province-year-section value over the province's prefectures (exact sums)."""
    rows: list[tuple[str, ...]] = []
    t, s = PROVINCE_YEARS.size, len(SECTIONS)
    for i, pcode in enumerate(prov_codes):
        prefs = [r["prefecture_code"] for r in ref.prefectures if r["province_code"] == pcode]
        k = len(prefs)
        size = rng.dirichlet(np.full(k, 2.0))
        capital = [j for j, c in enumerate(prefs) if c.endswith("0100")]
        size[capital] *= 2.5
        dev = rng.normal(0.0, 0.5, size=(k, 1, s))
        drift = np.cumsum(rng.normal(0.0, 0.02, size=(k, t, s)), axis=1)
        size_drift = np.cumsum(rng.normal(0.0, 0.02, size=(k, t, 1)), axis=1)
        w = size[:, None, None] * np.exp(dev + drift + size_drift)
        for ti in range(t):
            for j in range(s):
                total = int(round(emp[i, ti, j] * 100))
                parts = _apportion(total, w[:, ti, j])
                for code, v in zip(prefs, parts, strict=True):
                    rows.append((code, str(PROVINCE_YEARS[ti]), SECTIONS[j], f"{v / 100:.2f}", SOURCE))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows

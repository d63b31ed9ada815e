"""Global Moran's I against the libpysal/esda reference case and a hand-worked example.

Reference: ../shared/validation/README.md: libpysal example ``stl`` (ships inside the installed
libpysal wheel: ``libpysal.examples.get_path('stl.gal')`` resolves offline), weights stl.gal
row-standardised, variable HR8893: I = 0.24365582621771659, one-tailed normal p = 0.000135739
(esda's tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.estimators.moran import moran_by_period, moran_i


def test_moran_stl_hr8893():
    libpysal = pytest.importorskip("libpysal")
    from libpysal import examples

    w = libpysal.io.open(examples.get_path("stl.gal")).read()
    w.transform = "r"
    y = np.array(libpysal.io.open(examples.get_path("stl_hom.txt")).by_col["HR8893"], dtype=float)
    dense, ids = w.full()
    order = [w.id_order.index(i) for i in ids]
    r = moran_i(y[order], dense, permutations=99, seed=7)
    assert r.I == pytest.approx(0.24365582621771659, abs=1e-9)
    assert r.p_norm == pytest.approx(0.000135739, abs=5e-10)
    assert r.EI == pytest.approx(-1 / 77)
    assert r.p_sim is not None and r.p_sim == pytest.approx(0.01)  # no permutation beats I: 1/100


def test_moran_hand_worked_ring():
    """Four units on a ring (binary W, each unit has 2 neighbours), y = (1, 0, 1, 0).

    z = (.5, -.5, .5, -.5); every neighbour pair has opposite signs: z'Wz = 8 * (-.25) = -2,
    z'z = 1, S0 = 8, n = 4 -> I = 4/8 * -2 / 1 = -1. E[I] = -1/3.
    S1 = 1/2 * 8 * 2^2 = 16, S2 = 4 * (2 + 2)^2 = 64;
    Var = (16*16 - 4*64 + 3*64) / (15 * 64) - 1/9 = 192/960 - 1/9 = 0.2 - 0.1111 = 0.0888...
    """
    W = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]], dtype=float)
    r = moran_i(np.array([1.0, 0.0, 1.0, 0.0]), W)
    assert r.I == pytest.approx(-1.0)
    assert r.VI_norm == pytest.approx(0.2 - 1 / 9)
    assert r.z_norm == pytest.approx((-1 + 1 / 3) / np.sqrt(0.2 - 1 / 9))


def test_moran_by_period_layout():
    W = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]], dtype=float) / 2
    df = pd.DataFrame({"e": list("abcd") * 2, "t": [1] * 4 + [2] * 4,
                       "v": [1.0, 0, 1, 0, 1, 1, 0, 0]})
    out = moran_by_period(df, ["v"], W, list("abcd"), entity="e", time="t", permutations=0)
    # period 1 is the alternating pattern (I = -1); period 2: z = (.5,.5,-.5,-.5), each unit has one
    # like and one unlike neighbour -> z'Wz = 0, I = 0
    assert out["I"].tolist() == pytest.approx([-1.0, 0.0])
    with pytest.raises(ValueError, match="missing"):
        moran_by_period(df.iloc[:-1], ["v"], W, list("abcd"), entity="e", time="t")

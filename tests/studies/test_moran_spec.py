"""``kind: moran`` specs: the runner's Moran's I table against the estimator and against esda.

The panel is simulated (seeded): 25 regions on a 5 x 5 lattice with rook contiguity, 4 periods; ``v``
is spatially autocorrelated (``(I - 0.6 W)^-1 e``), ``u`` is noise. The runner must return exactly
what :func:`analysis.estimators.moran.moran_i` gives on the same cross-section, and esda (an
independent implementation) must agree on I, E[I], z and the one-tailed normal p-value to 1e-9.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.estimators import SpecError
from analysis.estimators.moran import moran_i
from analysis.formulas.weights import row_standardise, weights_long
from analysis.paths import SPECS_DIR
from analysis.report.exports import write_tables
from analysis.studies.manifest import find_spec
from analysis.studies.runner import MORAN_COLUMNS, run_spec, write_results
from analysis.studies.spec import load_spec, parse_spec

TOL = 1e-9


def _lattice(k: int = 5) -> np.ndarray:
    n = k * k
    W = np.zeros((n, n))
    for i in range(k):
        for j in range(k):
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                a, b = i + di, j + dj
                if 0 <= a < k and 0 <= b < k:
                    W[i * k + j, a * k + b] = 1.0
    return W


@pytest.fixture
def case(tmp_path):
    rng = np.random.default_rng(3)
    W = _lattice()
    n = W.shape[0]
    Wr = row_standardise(W)
    ids = [f"r{i:02d}" for i in range(n)]
    rows = []
    for t in range(2001, 2005):
        v = np.linalg.solve(np.eye(n) - 0.6 * Wr, rng.normal(size=n))
        rows.append(pd.DataFrame({"region": ids, "year": t, "v": v, "u": rng.normal(size=n) + 5}))
    panel = pd.concat(rows, ignore_index=True)
    weights_long(W, ids, drop_zeros=True).to_csv(tmp_path / "w.csv", index=False)
    raw = {"title": "Moran test", "kind": "moran", "data": {"csv": "unused.csv"},
           "panel": {"entity": "region", "time": "year"}, "variables": ["v", "log(u)"],
           "weights": {"csv": "w.csv"}, "permutations": 199, "seed": 5}
    spec = parse_spec(raw, path=tmp_path / "moran_case.yml")
    return spec, panel, Wr, ids


def test_runner_moran_equals_estimator_and_esda(case):
    spec, panel, Wr, ids = case
    run = run_spec(spec, data=panel.sample(frac=1.0, random_state=1))  # row order must not matter
    out = run.moran
    assert list(out.columns) == list(MORAN_COLUMNS)
    assert len(out) == 2 * 4
    for r in out.itertuples(index=False):
        g = panel[panel["year"] == r.period].set_index("region").loc[ids]
        y = g["v"].to_numpy() if r.variable == "v" else np.log(g["u"].to_numpy())
        ref = moran_i(y, Wr, permutations=199, seed=5)
        assert (r.moran_i, r.expected_i, r.z_normal, r.p_normal, r.p_permutation, r.n) == (
            ref.I, ref.EI, ref.z_norm, ref.p_norm, ref.p_sim, 25)
    # esda on one year (an independent implementation; its p_norm is one-tailed with two_tailed=False)
    esda = pytest.importorskip("esda")
    from libpysal.weights import full2W

    y = panel[panel["year"] == 2003].set_index("region").loc[ids, "v"].to_numpy()
    w = full2W(Wr, ids=ids)
    w.transform = "r"
    m = esda.Moran(y, w, permutations=0, two_tailed=False)
    r = out[(out["variable"] == "v") & (out["period"] == 2003)].iloc[0]
    assert r.moran_i == pytest.approx(m.I, abs=TOL)
    assert r.expected_i == pytest.approx(m.EI, abs=TOL)
    assert r.z_normal == pytest.approx(m.z_norm, abs=TOL)
    assert r.p_normal == pytest.approx(m.p_norm, abs=TOL)
    # the planted autocorrelation (rho = 0.6 on rook contiguity) shows up in every period of v
    assert (out.loc[out["variable"] == "v", "moran_i"] > 0).all()


def test_moran_results_schema_and_tables(case, tmp_path):
    import datetime as dt

    spec, panel, _, _ = case
    run = run_spec(spec, data=panel)
    paths = write_tables(run, tmp_path / "tables")
    md = paths[0].read_text(encoding="utf-8")
    first = run.moran.iloc[0]
    assert f"{first.moran_i:.3f}" in md and "log(u) p (perm.)" in md
    wh = tmp_path / "wh.duckdb"
    write_results(wh, [run], run_id="r1", started_at=dt.datetime(2026, 1, 1))
    con = duckdb.connect(str(wh), read_only=True)
    got = con.execute("select * from results.moran order by variable, period").df()
    con.close()
    assert len(got) == 8 and set(got["spec"]) == {"moran_case"}
    exp = run.moran.sort_values(["variable", "period"]).reset_index(drop=True)
    np.testing.assert_array_equal(got["moran_i"].to_numpy(), exp["moran_i"].to_numpy())
    np.testing.assert_array_equal(got["p_permutation"].to_numpy(), exp["p_permutation"].to_numpy())


def test_moran_spec_errors(case, tmp_path):
    spec, panel, _, _ = case
    with pytest.raises(SpecError, match="needs weights"):
        parse_spec({**spec.raw, "weights": None}, path=tmp_path / "x.yml")
    with pytest.raises(SpecError, match="permutations"):
        parse_spec({**spec.raw, "permutations": -1}, path=tmp_path / "x.yml")
    with pytest.raises(SpecError, match="missing"):
        run_spec(spec, data=panel.drop(index=3))


def test_paper001_moran_spec_parses():
    spec = load_spec(find_spec("p001_moran", SPECS_DIR))
    assert spec.kind == "moran" and spec.variables == ("coagglo", "ami")
    assert spec.weights["matrix"] == "economic_geographic" and spec.permutations == 999


def test_report_shows_the_moran_table(case, tmp_path):
    """analysis.report.writer discovers a spec from results.moran and every number traces back to its row."""
    import datetime as dt

    from analysis.report import writer as report
    from analysis.report.data import catalog

    spec, panel, _, _ = case
    run = run_spec(spec, data=panel)
    wh = tmp_path / "wh.duckdb"
    write_results(wh, [run], run_id="r1", started_at=dt.datetime(2026, 1, 1))
    con = duckdb.connect(str(wh), read_only=True)
    tables = catalog(con)
    out, _ = report.study_tables(con, tables, {"run_id": "r1"}, specs_dir=tmp_path)
    (t,) = [x for x in out if x.id == "moran_case"]
    assert len(t.rows) == 4 and len(t.columns) == 2 * 4
    n = 0
    for row in t.rows:
        for cell in row.cells:
            if cell.key is None:
                continue
            k = cell.key
            w = k["where"]
            got = con.execute(f"select {k['column']} from {k['table']} where run_id = ? and spec = ? and "
                              "variable = ? and period = ?",
                              [w["run_id"], w["spec"], w["variable"], w["period"]]).fetchone()[0]
            assert got == cell.value
            n += 1
    con.close()
    assert n == 4 * 8

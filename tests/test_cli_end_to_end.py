"""`agglo run` end to end on the bundled demo data, as a user runs it (a subprocess).

Builds, checks, analyses, publishes and reports into a temporary warehouse and reports folder, then
checks what a user would look at: exit code, the published file and its panels, the results schema
(with the raw directory and the synthetic flag recorded), the report, and no leftover building file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analysis.paths import DEFAULT_RAW_DIR, PROJECT_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    tmp = tmp_path_factory.mktemp("e2e")
    wh, reports = tmp / "agglo.duckdb", tmp / "reports"
    env = {**os.environ, "AGGLO_REPORTS_DIR": str(reports)}
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "run", "--warehouse", str(wh)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    return proc, wh, reports


def test_run_succeeds_and_says_where_things_are(run_result):
    proc, wh, _ = run_result
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"Warehouse: {wh}" in proc.stdout
    assert "select count(*) from fct_province_years" in proc.stdout


def test_published_warehouse_has_the_panels(run_result):
    _, wh, _ = run_result
    assert wh.is_file()
    assert not list(wh.parent.glob(".agglo.building*.duckdb")), "building file left behind"
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("select count(*) from fct_province_years").fetchone()[0] == 31 * 19
        assert con.execute("select count(*) from fct_county_years").fetchone()[0] == 183 * 12
        run = con.execute("select raw_dir, is_synthetic, warehouse from results.runs").fetchall()
    finally:
        con.close()
    assert len(run) == 1
    raw_dir, is_synthetic, recorded = run[0]
    assert Path(raw_dir) == DEFAULT_RAW_DIR.resolve()
    assert is_synthetic is True
    assert Path(recorded) == wh


def test_report_written(run_result):
    _, _, reports = run_result
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "Synthetic demo data" in html
    assert (reports / "report.md").is_file()
    assert len(list((reports / "tables").glob("*.md"))) >= 19

"""The GE checkpoint in a child process (analysis.checks.background, used by ``agglo run``).

Its verdict and error message must be the in-process :func:`run_checkpoint`'s. The demo data is
synthetic.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import demo_raw_dir

from analysis.checks.background import CheckpointProcess
from analysis.checks.checkpoint import run_checkpoint
from analysis.errors import AggloError


def _without_summary(message: str) -> list[str]:
    """The message's lines without the summary line (it carries the elapsed seconds)."""
    return [ln for ln in message.splitlines() if not ln.startswith("GE checkpoint:")]


def test_missing_warehouse_fails_before_loading_with_the_in_process_message(tmp_path, tmp_path_factory):
    raw = demo_raw_dir(tmp_path_factory)
    missing = tmp_path / "absent.duckdb"
    with pytest.raises(AggloError) as direct:
        run_checkpoint(missing, raw, docs_dir=tmp_path / "docs1")
    child = CheckpointProcess.start(missing, raw)
    with pytest.raises(AggloError) as background:
        child.wait_data_loaded()
    assert str(background.value) == str(direct.value)
    assert "warehouse file not found" in str(background.value)


@pytest.mark.warehouse
def test_passes_on_the_demo_and_reports_a_planted_fault_like_in_process(demo_warehouse, tmp_path, tmp_path_factory):
    raw = demo_raw_dir(tmp_path_factory)
    good = CheckpointProcess.start(demo_warehouse, raw)
    good.wait_data_loaded()
    good.finish()  # the demo passes: no error

    broken = tmp_path / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, broken)
    con = duckdb.connect(str(broken))
    con.execute("update fct_ami_scores set ami = 120 where province_code = '440000' and year = 2020")
    con.close()
    with pytest.raises(AggloError) as direct:
        run_checkpoint(broken, raw, docs_dir=tmp_path / "docs")
    child = CheckpointProcess.start(broken, raw)
    child.wait_data_loaded()
    # the child has closed the file: a read-write connection (the specs' results) opens meanwhile
    duckdb.connect(str(broken)).close()
    with pytest.raises(AggloError) as background:
        child.finish()
    assert _without_summary(str(background.value)) == _without_summary(str(direct.value))
    assert "ami" in str(background.value)


def test_kill_stops_a_running_child(tmp_path_factory):
    child = CheckpointProcess.start(Path("/nonexistent/agglo.duckdb"), demo_raw_dir(tmp_path_factory))
    child.kill()
    assert child.proc.returncode is not None

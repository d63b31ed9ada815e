"""The GE checkpoint alongside ``agglo run``'s study specs (analysis.checks.background).

The mart suites run in a forked child while the parent fits the specs: the verdict, the messages and
Data Docs must be those of the checkpoint run in sequence, the warehouse must stay writable for the
parent, and a child that fails or dies must never pass for a checkpoint that passed. The demo data is
synthetic.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import demo_raw_dir

import analysis.checks.background as background
from analysis.checks.background import CheckpointAlongside, fork_available
from analysis.checks.checkpoint import run_checkpoint
from analysis.checks.suites import CHECKPOINT_FILE
from analysis.errors import AggloError


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_raw_dir(tmp_path_factory)


def _copy(demo_warehouse: Path, tmp_path: Path) -> Path:
    db = tmp_path / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, db)
    return db


def _without_seconds(text: str) -> str:
    return re.sub(r"failed, [\d.]+ s; Data Docs: \S+", "failed, <s> s; Data Docs: <path>", text)


def _small_checkpoint(tmp_path: Path) -> Path:
    """The checkpoint file with one raw and one mart validation (fast tests of the process plumbing)."""
    spec = yaml.safe_load(CHECKPOINT_FILE.read_text(encoding="utf-8"))
    raw = next(v for v in spec["validations"] if "raw" in v)
    mart = next(v for v in spec["validations"] if v.get("suite") == "fct_ami_scores")
    spec["validations"] = [raw, mart]
    path = tmp_path / "checkpoint.yml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_fork_is_used_on_linux():
    assert fork_available() == os.sys.platform.startswith("linux")


@pytest.mark.warehouse
def test_alongside_gives_the_report_of_the_sequential_run(demo_warehouse, raw_dir, tmp_path):
    db = _copy(demo_warehouse, tmp_path)
    pending = CheckpointAlongside.start(db, raw_dir, docs_dir=tmp_path / "alongside")
    assert (pending.process is not None) == fork_available()
    # while the child validates, the parent writes the warehouse (as the specs write the results schema)
    con = duckdb.connect(str(db))
    con.execute("create schema probe; create table probe.written as select 1 as x")
    con.close()
    got = pending.finish()
    want = run_checkpoint(db, raw_dir, docs_dir=tmp_path / "sequential")
    assert got.success and want.success
    assert got.outcomes == want.outcomes  # same suites in the same order, same counts
    a, s = (json.loads((tmp_path / d / "summary.json").read_text(encoding="utf-8"))
            for d in ("alongside", "sequential"))
    assert {k: v for k, v in a.items() if k != "checked_at"} == {k: v for k, v in s.items() if k != "checked_at"}
    assert (tmp_path / "alongside" / "index.html").exists()
    assert list((tmp_path / "alongside" / "validations").rglob("*.html"))


@pytest.mark.warehouse
def test_alongside_failure_has_the_sequential_message(demo_warehouse, raw_dir, tmp_path):
    db = _copy(demo_warehouse, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("update fct_ami_scores set ami = 120 where province_code = '440000' and year = 2020")
    con.close()
    with pytest.raises(AggloError) as alongside:
        CheckpointAlongside.start(db, raw_dir, docs_dir=tmp_path / "a").finish()
    with pytest.raises(AggloError) as sequential:
        run_checkpoint(db, raw_dir, docs_dir=tmp_path / "s")
    assert "fct_ami_scores (province_code=440000, year=2020): column ami: rule composite_range: " \
           "value ami=120" in str(alongside.value)
    assert _without_seconds(str(alongside.value)) == _without_seconds(str(sequential.value))
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["success"] is False


def _broken_finish(prepared, outcomes):
    raise RuntimeError("disk full while writing Data Docs")


def _start_small(demo_warehouse: Path, raw_dir: Path, tmp_path: Path) -> CheckpointAlongside:
    return CheckpointAlongside.start(_copy(demo_warehouse, tmp_path), raw_dir, docs_dir=tmp_path / "d",
                                     checkpoint_file=_small_checkpoint(tmp_path))


@pytest.mark.warehouse
@pytest.mark.skipif(not fork_available(), reason="the child process is Linux-only")
@pytest.mark.parametrize("finish, message", [
    (_broken_finish, "crashed: RuntimeError: disk full while writing Data Docs"),
    (lambda prepared, outcomes: os._exit(3), "crashed: the child process ended with exit code 3"),
], ids=["raises", "dies"])
def test_a_child_that_fails_is_reported_never_passed(demo_warehouse, raw_dir, tmp_path, monkeypatch,
                                                     finish, message):
    monkeypatch.setattr(background, "finish_checkpoint", finish)  # the forked child inherits it
    pending = _start_small(demo_warehouse, raw_dir, tmp_path)
    with pytest.raises(AggloError, match=message):
        pending.finish()


@pytest.mark.warehouse
@pytest.mark.skipif(not fork_available(), reason="the child process is Linux-only")
def test_kill_stops_the_child(demo_warehouse, raw_dir, tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(background, "finish_checkpoint", lambda prepared, outcomes: time.sleep(60))
    pending = _start_small(demo_warehouse, raw_dir, tmp_path)
    process = pending.process
    started = time.perf_counter()
    pending.kill()
    assert time.perf_counter() - started < 10
    assert process is not None and not process.is_alive()


@pytest.mark.warehouse
def test_without_fork_it_runs_in_sequence_and_fails_at_once(demo_warehouse, raw_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(background, "fork_available", lambda: False)  # as on macOS or Windows
    (tmp_path / "ok").mkdir()
    pending = _start_small(demo_warehouse, raw_dir, tmp_path / "ok")
    assert pending.process is None
    assert pending.finish().success
    db = _copy(demo_warehouse, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("update fct_ami_scores set ami = 120 where province_code = '440000' and year = 2020")
    con.close()
    with pytest.raises(AggloError, match="rule composite_range: value ami=120"):
        CheckpointAlongside.start(db, raw_dir, docs_dir=tmp_path / "d", checkpoint_file=_small_checkpoint(tmp_path))

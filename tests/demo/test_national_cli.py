"""``agglo demo --scale national``: the command-line guards (the generator itself is tested on a small
sample in tests/warehouse/test_national_sample.py; the full size is a benchmark, bench/bench_national.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.cli import main
from analysis.paths import DEFAULT_RAW_DIR


def test_national_scale_refuses_the_committed_demo_dir(capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in DEFAULT_RAW_DIR.glob("*")}
    assert main(["demo", "--scale", "national", "--out", str(DEFAULT_RAW_DIR)]) == 2
    assert "scratch --out" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in DEFAULT_RAW_DIR.glob("*")} == before


def test_sample_options_need_national_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--firms", "10"]) == 2
    assert "--scale national" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_unknown_province_sample_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--scale", "national", "--out", str(tmp_path), "--provinces", "990000",
                 "--firms", "0"]) == 2
    assert "990000" in capsys.readouterr().err

"""`agglo ingest` end to end on files: rows written, merges, conflicts, bad input (nothing written)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.errors import AggloError
from analysis.ingest import ingest
from analysis.warehouse.raw_validation import RAW_FILES, find_problems
from tests.ingest.realdata import BUDGET, CNKI, PATENT_GRANTS, load_ref, real_file

RENJIYI_GDP = "nbs_portal_export/RenJiyi163_panel_data_analysis_for_thesis/分省年度数据.csv"
TOBBY_GDP = "nbs_portal_export/Tobby-star_dynamic_datas/分省年度数据.csv"


@pytest.fixture(scope="module")
def ref():
    return load_ref()


def rows(raw: Path, name: str = "province_indicators.csv") -> list[dict[str, str]]:
    with (raw / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def lookup(raw: Path, code: str, year: int, indicator: str) -> dict[str, str]:
    hits = [r for r in rows(raw) if (r["province_code"], r["year"], r["indicator_code"]) == (code, str(year), indicator)]
    assert len(hits) == 1, hits
    return hits[0]


def snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())} if d.exists() else {}


def quiet(*a, **k):
    return ingest(*a, progress=None, **k)


# --- real files -----------------------------------------------------------------------------------


def test_patent_grants_and_budget_rows(tmp_path):
    raw = tmp_path / "raw"
    report = quiet([real_file(PATENT_GRANTS / "raw-2016.xls"), real_file(BUDGET / "raw-2019.xls"),
                    real_file(PATENT_GRANTS / "raw-2012.xls")], raw)
    r = lookup(raw, "110000", 2016, "patents_granted")
    assert (r["value"], r["unit"]) == ("100578", "件")
    assert r["source"].startswith("02-authority/raw-2016.xls sheet 1 cell C12 | cnki_xls_encrypted | table 8-8")
    assert lookup(raw, "110000", 2016, "invention_patents_granted_10k")["value"] == "40602"
    assert lookup(raw, "640000", 2016, "patents_granted")["value"] == "2677"
    assert lookup(raw, "110000", 2019, "fiscal_expenditure_100m_yuan")["value"] == "7408.19"
    assert lookup(raw, "140000", 2012, "patents_granted")["value"] == "7196"  # printed 山两
    assert report["rows_added"] == {"province_indicators": 31 * 2 + 31 + 31 * 2}
    files = {f["file"].rsplit("/", 1)[-1]: f for f in report["files"]}
    corrected = {c["label"]: (c["code"], c["how"]) for c in files["raw-2012.xls"]["names_corrected"]}
    assert corrected == {"山两": ("140000", "OCR 两->西"), "两藏": ("540000", "OCR 两->西")}
    skipped = {s["label"] for s in files["raw-2016.xls"]["skipped_regions"]}
    assert {"全 国", "东部地区", "香 港"} <= skipped
    tianji = [c for c in files["raw-2019.xls"]["names_corrected"] if c["label"] == "Tianji"]
    assert tianji and tianji[0]["code"] == "120000"
    assert json.loads((raw / "ingest_report.json").read_text(encoding="utf-8"))["rows_added"] == report["rows_added"]
    assert "山两" in (raw / "ingest_report.md").read_text(encoding="utf-8")


def test_years_outside_the_panel_are_dropped_with_a_notice(tmp_path):
    report = quiet([real_file(RENJIYI_GDP)], tmp_path / "raw")
    f = report["files"][0]
    assert f["rows_written"] == {"province_indicators": 31 * 16}  # 2006-2021
    assert f["dropped_outside_panel"] == {"values": 31 * 3, "years": [2022, 2023, 2024]}
    assert lookup(tmp_path / "raw", "120000", 2017, "gdp_100m_yuan")["value"] == "12468.2"
    assert "第五次全国经济普查" in lookup(tmp_path / "raw", "120000", 2017, "gdp_100m_yuan")["source"]


def test_original_and_edited_copy_agree_no_conflict(tmp_path):
    edited = real_file(CNKI / "repo_edited_xlsx" / PATENT_GRANTS.relative_to(CNKI) / "raw-2016.xlsx")
    report = quiet([real_file(PATENT_GRANTS / "raw-2016.xls"), edited], tmp_path / "raw")
    assert report["rows_added"] == {"province_indicators": 62}
    assert report["files"][1]["same_value_in_earlier_file"] == 62


def test_two_gdp_vintages_conflict_nothing_written(tmp_path):
    raw = tmp_path / "raw"
    with pytest.raises(AggloError) as err:
        quiet([real_file(RENJIYI_GDP), real_file(TOBBY_GDP)], raw)
    msg = str(err.value)
    assert "nothing was written" in msg and "conflict" in msg
    assert "Tobby-star_dynamic_datas/分省年度数据.csv" in msg and "RenJiyi163" in msg
    assert not raw.exists()


def test_merge_into_existing_raw_dir(tmp_path):
    raw = tmp_path / "raw"
    quiet([real_file(RENJIYI_GDP)], raw)
    again = quiet([real_file(RENJIYI_GDP)], raw)
    assert again["rows_added"] == {}
    assert again["files"][0]["same_value_already_in_raw_dir"] == 496
    quiet([real_file(PATENT_GRANTS / "raw-2016.xls")], raw)
    assert len(rows(raw)) == 496 + 62
    # a different value already present is an error naming the line, and nothing changes
    text = (raw / "province_indicators.csv").read_text(encoding="utf-8").replace(",12468.2,", ",12468.3,")
    (raw / "province_indicators.csv").write_text(text, encoding="utf-8")
    before = snapshot(raw)
    with pytest.raises(AggloError, match=r"1 conflicting value\(s\) between .*province_indicators.csv \(already there\) .*line \d+"):
        quiet([real_file(RENJIYI_GDP)], raw)
    assert snapshot(raw) == before


def test_ingested_rows_pass_raw_validation(tmp_path, ref):
    raw = tmp_path / "raw"
    quiet([real_file(RENJIYI_GDP), real_file(PATENT_GRANTS / "raw-2012.xls"), real_file(BUDGET / "raw-2021.xls")], raw)
    _, problems = find_problems(raw, ref)
    mine = [p for p in problems if p.file == "province_indicators.csv"]
    assert mine == []
    assert {p.rule for p in problems} == {"required_file"}  # the other contract files are not there
    assert len([s for s in RAW_FILES if s.required]) - 1 == len(problems)


# --- constructed files: formats described in the README but absent from the folder; bad input ------

NEW_FORMAT = ("\ufeff数据库：分省年度数据 \r\n时间：2011年-2025年 \r\n地区\t,2025年\t,2024年\t,2016年\t,\r\n"
              "北京市\t,\t,\t,100578\t,\r\n天津市\t,\t,\t,39734\t,\r\n注：示例\t,\r\n数据来源：国家统计局\t,")
TRANSPOSED = ("\ufeff数据库：分省年度数据 \r\n时间： \r\n指标\t,2024年\t,2016年\t,\r\n"
              "地方财政一般公共预算支出 (亿元)\t,\t,6406.77\t,\r\n地方财政国防支出 (亿元) \t,\t,7.53\t,\r\n"
              "数据来源：国家统计局\t,")


def classic(tmp_path: Path, name: str, indicator: str, body: str) -> Path:
    path = tmp_path / name
    text = f"数据库：分省年度数据\r\n指标：{indicator}\r\n时间：最近5年\r\n地区,2019年,2018年\r\n{body}数据来源：国家统计局\r\n"
    path.write_bytes(text.encode("gb18030"))
    return path


def test_new_format_needs_indicator(tmp_path):
    src = tmp_path / "in" / "分省年度数据_5.csv"
    src.parent.mkdir()
    src.write_bytes(NEW_FORMAT.encode("utf-8"))
    raw = tmp_path / "raw"
    with pytest.raises(AggloError, match="--indicator"):
        quiet([src], raw)
    assert not raw.exists()
    report = quiet([src], raw, indicator="国内专利申请授权量(项)")
    assert report["files"][0]["format"] == "nbs_portal_csv_2025"
    assert lookup(raw, "110000", 2016, "patents_granted")["unit"] == "项"
    assert lookup(raw, "120000", 2016, "patents_granted")["value"] == "39734"
    raw2 = tmp_path / "raw2"
    quiet([src], raw2, indicator="patents_granted")
    assert lookup(raw2, "110000", 2016, "patents_granted")["unit"] == "items"


def test_transposed_export_needs_region(tmp_path):
    src = tmp_path / "分省年度数据.csv"
    src.write_bytes(TRANSPOSED.encode("utf-8"))
    with pytest.raises(AggloError, match="--region"):
        quiet([src], tmp_path / "raw")
    with pytest.raises(AggloError, match="地方财政国防支出"):  # known region, unknown indicator row
        quiet([src], tmp_path / "raw", region="北京")
    assert not (tmp_path / "raw").exists()


def test_unknown_indicator(tmp_path):
    src = classic(tmp_path, "x.csv", "某新指标(亿元)", "北京市,1,2\r\n")
    with pytest.raises(AggloError, match=r"x.csv: line 5 field 2: unknown province indicator '某新指标'.*indicator_aliases.csv"):
        quiet([src], tmp_path / "raw")
    assert not (tmp_path / "raw").exists()


def test_ambiguous_name(tmp_path):
    src = classic(tmp_path, "x.csv", "地区生产总值(亿元)", "北京市,1,2\r\nGuang,3,4\r\n")
    with pytest.raises(AggloError, match=r"x.csv: line 6: ambiguous province name 'Guang'.*Guangdong, Guangxi"):
        quiet([src], tmp_path / "raw")
    assert not (tmp_path / "raw").exists()


def test_duplicated_region_row(tmp_path):
    src = classic(tmp_path, "x.csv", "地区生产总值(亿元)", "北京市,1,2\r\n天津市,3,4\r\n北 京,1,2\r\n")
    with pytest.raises(AggloError, match=r"x.csv: line 7: region '北 京' \(110000\) 2019 gdp_100m_yuan appears twice "
                                         r"in the file \(line 5 and line 7\)"):
        quiet([src], tmp_path / "raw")


def test_none_of_the_formats_and_nothing_written_to_existing_dir(tmp_path):
    raw = tmp_path / "raw"
    quiet([real_file(RENJIYI_GDP)], raw)
    before = snapshot(raw)
    junk = tmp_path / "notes.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    good = real_file(PATENT_GRANTS / "raw-2016.xls")
    with pytest.raises(AggloError, match=r"notes.csv: not a recognised table"):
        quiet([good, junk], raw)
    assert snapshot(raw) == before


def test_cli_ingest_exit_codes(tmp_path, capsys):
    src = classic(tmp_path, "x.csv", "地区生产总值(亿元)", "北京市,35371.28,33105.97\r\n")
    assert main(["ingest", str(src), "--out", str(tmp_path / "raw")]) == 0
    assert lookup(tmp_path / "raw", "110000", 2019, "gdp_100m_yuan")["value"] == "35371.28"
    bad = classic(tmp_path, "y.csv", "某新指标(亿元)", "北京市,1,2\r\n")
    assert main(["ingest", str(bad), "--out", str(tmp_path / "raw2")]) == 2
    assert "unknown province indicator" in capsys.readouterr().err


def test_unit_without_conversion(tmp_path):
    src = classic(tmp_path, "x.csv", "地区生产总值(万美元)", "北京市,1,2\r\n")
    with pytest.raises(AggloError, match=r"x.csv: line 5 field 2: unit '万美元' of '地区生产总值'.*'100m_yuan'"):
        quiet([src], tmp_path / "raw")


def test_text_that_is_not_a_number(tmp_path):
    src = classic(tmp_path, "x.csv", "地区生产总值(亿元)", "北京市,35371.28a,…\r\n")
    with pytest.raises(AggloError, match=r"x.csv: line 5 field 2 \(北京市 2019\): '35371.28a' is not a number"):
        quiet([src], tmp_path / "raw")

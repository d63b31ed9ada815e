"""A value read from each format reaches the marts unchanged (after the catalog's unit conversion).

One raw directory: the hand-made fixture files of tests/fixtures/raw_small for everything but
province_indicators.csv, which is ingested from real files of five formats (classic portal CSV,
portal XLS, encrypted CNKI XLS, unencrypted CNKI re-save, hand-edited XLSX). The pre-revision GDP
vintage of the CSV (1993-2017) and the XLS (2015-2019, unrevised up to 2017) agree where they
overlap, so they merge without a conflict. Expected values were read by hand from the files.

Three formats the README describes have no real file in the folder (the 2025/26 portal CSV, the
one-region transposed export) or none that maps to a catalog indicator (搜数网 HTML saved as .xls):
they are built here to the README's description, with values copied from real tables (yearbook 7-8
2015 发明 column; 7-6 2020 re-save), and ingested into the same raw directory in later runs (merge).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from analysis.ingest import ingest
from analysis.paths import PROJECT_ROOT
from tests.ingest.realdata import BUDGET, CNKI, PATENT_GRANTS, real_file

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "raw_small"
SELECT = ("resource_type:seed +fct_province_years +fct_province_indicator_values "
          "+int_prefecture_sector_employments_cleaned")

pytestmark = pytest.mark.warehouse

# (format, province, year, indicator, value as published, factor of the catalog unit conversion)
EXPECTED = [
    ("nbs_portal_csv_classic", "120000", 2016, "gdp_100m_yuan", 17885.39, 1.0),  # Tobby-star CSV
    ("nbs_portal_xls", "120000", 2018, "gdp_100m_yuan", 13362.92, 1.0),  # only in the portal XLS
    ("cnki_xls_encrypted", "110000", 2016, "patents_granted", 100578, 1.0),  # 8-8, 件 -> items
    ("cnki_xls_encrypted", "110000", 2016, "invention_patents_granted_10k", 40602, 1e-4),  # 件 -> 10k_items
    ("cnki_xls_encrypted", "110000", 2019, "fiscal_expenditure_100m_yuan", 7408.19, 1.0),  # 7-6
    ("cnki_xls", "110000", 2021, "fiscal_expenditure_100m_yuan", 7205.1201, 1.0),  # 7-6 re-save
    ("cnki_xlsx", "110000", 2017, "patents_granted", 106948, 1.0),  # hand-edited xlsx 8-8
    ("cnki_xls_encrypted", "140000", 2012, "patents_granted", 7196, 1.0),  # printed 山两 (OCR)
    ("nbs_portal_csv_2025", "110000", 2015, "invention_patents_granted_10k", 35308, 1e-4),  # 项 -> 10k_items
    ("nbs_portal_csv_2025_transposed", "110000", 2020, "fiscal_expenditure_100m_yuan", 7116.18, 1.0),
    ("cnki_html", "120000", 2020, "fiscal_expenditure_100m_yuan", 3151.35, 1.0),
]

NEW_FORMAT = ("\ufeff数据库：分省年度数据 \r\n时间：2011年-2025年 \r\n地区\t,2016年\t,2015年\t,\r\n"
              "北京市\t,\t,35308\t,\r\n天津市\t,\t,4624\t,\r\n数据来源：国家统计局\t,")
TRANSPOSED = ("\ufeff数据库：分省年度数据 \r\n时间： \r\n指标\t,2021年\t,2020年\t,\r\n"
              "地方财政一般公共预算支出 (亿元) \t,\t,7116.18\t,\r\n数据来源：国家统计局\t,")
HTML = """<!-- 以上这行设定本网页为excel格式的网页 -->
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>
<div id="tti">中国2020年分地区一般公共预算支出统计</div>
<table class="exp" id="tab0"><tr><td>单位:亿元</td></tr></table>
<table id="tab1" class="tb"><tr><td class="biaotou">地区</td><td class="biaotou">地方一般公共预算支出</td></tr>
<tr><td class="zhibiao">地方合计</td><td class="shuju">210583.46</td></tr>
<tr><td class="zhibiao">天津</td><td class="shuju">3151.35</td></tr></table></body></html>
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from analysis.pipeline import build

    files = [
        real_file("nbs_portal_export/Tobby-star_dynamic_datas/分省年度数据.csv"),
        real_file("nbs_portal_export/2020-data-integration_data-collection/分省年度数据.xls"),
        real_file(PATENT_GRANTS / "raw-2016.xls"),
        real_file(PATENT_GRANTS / "raw-2012.xls"),
        real_file(BUDGET / "raw-2019.xls"),
        real_file(BUDGET / "raw-2021.xls"),
        real_file(CNKI / "repo_edited_xlsx" / PATENT_GRANTS.relative_to(CNKI) / "raw-2017.xlsx"),
    ]
    raw = tmp_path_factory.mktemp("ingested") / "raw"
    raw.mkdir()
    for f in FIXTURE.glob("*.csv"):
        if f.name != "province_indicators.csv":
            shutil.copy(f, raw / f.name)
    built = tmp_path_factory.mktemp("built")
    (built / "分省年度数据_8.csv").write_bytes(NEW_FORMAT.encode("utf-8"))
    (built / "分省年度数据.csv").write_bytes(TRANSPOSED.encode("utf-8"))
    (built / "raw-2020-soshu.xls").write_bytes(HTML.encode("utf-8"))
    report = ingest(files + [built / "raw-2020-soshu.xls"], raw, progress=None)
    formats = {f["format"] for f in report["files"]}
    formats |= {ingest([built / "分省年度数据_8.csv"], raw, indicator="国内发明专利申请授权量(项)",
                       progress=None)["files"][0]["format"]}
    formats |= {ingest([built / "分省年度数据.csv"], raw, region="北京", progress=None)["files"][0]["format"]}
    assert {e[0] for e in EXPECTED} <= formats
    out = tmp_path_factory.mktemp("wh") / "agglo.duckdb"
    # run_checks=False: the raw_small fixture is deliberately tiny (outside plausible ranges); the ingested
    # file passes the raw checks in test_ingest_run.py::test_ingested_rows_pass_raw_validation
    return build(raw, out, run_checks=False, quiet=True, select=SELECT)


@pytest.mark.parametrize(("fmt", "code", "year", "indicator", "published", "factor"), EXPECTED,
                         ids=[f"{e[0]}-{e[3]}-{e[2]}" for e in EXPECTED])
def test_value_reaches_marts(warehouse, fmt, code, year, indicator, published, factor):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        wide = con.execute(f"select {indicator} from fct_province_years where province_code = ? and year = ?",
                           [code, year]).fetchone()
        long = con.execute("select value, is_imputed, source from fct_province_indicator_values "
                           "where province_code = ? and year = ? and indicator_code = ?",
                           [code, year, indicator]).fetchone()
    finally:
        con.close()
    assert wide is not None and long is not None
    assert wide[0] == pytest.approx(published * factor, rel=1e-12)
    assert long[0] == pytest.approx(published * factor, rel=1e-12)
    assert long[1] is False
    assert fmt in long[2]  # the source names the format (and the file and cell)

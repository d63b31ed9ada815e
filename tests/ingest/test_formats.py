"""Every real file of ../shared/realdata read by format; values checked against the files as published.

Expected values were read by hand from the files (the NBS CSVs with `iconv -f gb18030`, the CNKI
workbooks after decryption with msoffcrypto-tool and a plain xlrd cell dump), and are quoted in
../shared/realdata/README.md where it gives them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import AggloError
from analysis.ingest.detect import read_file
from analysis.ingest.names import RegionNameError, resolve_label
from tests.ingest.realdata import (
    BUDGET,
    CNKI,
    NBS,
    PATENT_GRANTS,
    REALDATA,
    load_ref,
    load_units,
    real_file,
    real_files,
)

RENJIYI = "nbs_portal_export/RenJiyi163_panel_data_analysis_for_thesis"

@pytest.fixture(scope="module")
def ref():
    return load_ref()


@pytest.fixture(scope="module")
def units():
    return load_units()



def values(parsed, column: str = "") -> dict[tuple[str, int], str]:
    """(region label without spaces, year) -> value text of one column."""
    return {("".join(o.region.split()), o.year): o.value for o in parsed.observations if o.column == column}


def read(path: Path, units, **kw):
    return read_file(path, str(path.relative_to(REALDATA)), known_units=units, **kw)


# --- NBS portal CSV, classic ------------------------------------------------------------------------


def test_classic_gdp_fifth_census_vintage(units):
    p = read(real_file(f"{RENJIYI}/分省年度数据.csv"), units)
    assert p.format == "nbs_portal_csv_classic"
    assert (p.database, p.series) == ("分省年度数据", "地区生产总值")
    v = values(p)
    assert v[("北京市", 2024)] == "49670.2"
    assert v[("天津市", 2017)] == "12468.2"  # 5th-census revision
    assert v[("新疆维吾尔自治区", 2006)] == "2984.5"
    assert len({o.region for o in p.observations}) == 31
    assert {o.unit for o in p.observations} == {"亿元"}
    assert any("第五次全国经济普查" in n for n in p.notes)


def test_classic_gdp_pre_revision_vintage_with_quoted_footnote(units):
    p = read(real_file("nbs_portal_export/Tobby-star_dynamic_datas/分省年度数据.csv"), units)
    v = values(p)
    assert v[("天津市", 2017)] == "18549.19"
    assert v[("北京市", 2015)] == "23014.59"
    assert min(o.year for o in p.observations) == 1993
    assert any(n.startswith("注：本表按当年价格计算") for n in p.notes)  # quoted because it holds a comma


def test_classic_gdp_fourth_census_vintage_five_footnotes(units):
    p = read(real_file("nbs_portal_export/nwljy_EchartMapFilm/分省年度数据.csv"), units)
    assert values(p)[("天津市", 2017)] == "12450.6"
    assert len(p.notes) == 5  # 注：1. plus four U+3000 continuation lines
    assert any("第四次全国经济普查" in n for n in p.notes)


def test_classic_sample_survey_columns_empty_are_missing_not_zero(units):
    p = read(real_file(f"{RENJIYI}/分省年度数据 (1).csv"), units)
    assert p.series == "人口数(人口抽样调查)" and {o.unit for o in p.observations} == {"人"}
    v = values(p)
    assert v[("北京市", 2015)] == "335775"  # the 1 % sample year
    assert v[("北京市", 2016)] == "18132"
    years = {o.year for o in p.observations}
    assert not years & {2025, 2020, 2010}
    assert p.missing_cells == 3 * 31
    assert len(p.notes) == 2


@pytest.mark.parametrize(("name", "series", "unit", "cell", "value", "absent_years"), [
    ("分省年度数据 (3).csv", "城镇单位就业人员", "万人", ("北京市", 2024), "763.6", {2025, 2006, 2007}),
    ("分省年度数据 (4).csv", "私营企业和个体就业人员", "万人", ("北京市", 2019), "1187.5", set(range(2020, 2026))),
    ("分省年度数据 (5).csv", "固定资产投资(不含农户)实际到位资金_比上年增长", "%", ("北京市", 2024), "-4.7",
     set(range(2006, 2018))),
    ("分省年度数据 (6).csv", "公有经济企事业单位专业技术人员数", "人", ("北京市", 2011), "364568",
     set(range(2012, 2026))),
])
def test_classic_other_exports(units, name, series, unit, cell, value, absent_years):
    p = read(real_file(f"{RENJIYI}/{name}"), units)
    assert (p.series, {o.unit for o in p.observations}) == (series, {unit})
    assert values(p)[cell] == value
    assert not {o.year for o in p.observations} & absent_years


# --- NBS portal XLS -------------------------------------------------------------------------------


def test_portal_xls_vintage_break_inside_the_file(units):
    p = read(real_file("nbs_portal_export/2020-data-integration_data-collection/分省年度数据.xls"), units)
    assert p.format == "nbs_portal_xls" and p.series == "地区生产总值"
    v = values(p)
    assert v[("天津市", 2018)] == "13362.92" and v[("天津市", 2017)] == "18549.19"
    assert p.observations[0].where == "sheet 分省年度数据 cell B5"


def test_portal_xls_cities_short_names_empty_strings_missing(units, ref):
    p = read(real_file("nbs_portal_export/2020-data-integration_data-collection/主要城市年度数据.xls"), units)
    assert p.database == "主要城市年度数据" and p.series == "国内生产总值"
    v = values(p)
    assert v[("北京", 2019)] == "35371.28"
    assert ("石家庄", 2019) not in v and v[("石家庄", 2018)] == "6082.62"
    assert resolve_label("石家庄", "prefecture", ref).code == "130100"


# --- CNKI yearbook tables -------------------------------------------------------------------------


def test_cnki_encrypted_patent_grants_2016(units):
    p = read(real_file(PATENT_GRANTS / "raw-2016.xls"), units)
    assert p.format == "cnki_xls_encrypted"
    assert (p.table, p.series) == ("8-8", "国内三种专利申请授权数按地区分布")
    total, invention = values(p, "合计"), values(p, "发明")
    assert total[("北京", 2016)] == "100578" and invention[("北京", 2016)] == "40602"
    assert total[("宁夏", 2016)] == "2677" and total[("新疆", 2016)] == "7116"
    assert {o.unit for o in p.observations} == {"件"}
    assert {o.column for o in p.observations} == {"合计", "发明", "实用新型", "外观设计"}


def test_cnki_2010_numeric_cells_and_wide_spaces(units):
    p = read(real_file(PATENT_GRANTS / "raw-2010.xls"), units)
    assert p.table == "7-8"
    assert values(p, "合计")[("北京", 2010)] == "33511"  # numeric cell 33511.0
    assert values(p, "合计")[("全国", 2010)] == "740620"


def test_cnki_2012_ocr_damage_resolves(units, ref):
    p = read(real_file(PATENT_GRANTS / "raw-2012.xls"), units)
    v = values(p, "合计")
    assert v[("山两", 2012)] == "7196" and v[("两藏", 2012)] == "133"
    assert resolve_label("山两", "province", ref).code == "140000"
    assert resolve_label("两藏", "province", ref).code == "540000"


def test_cnki_2013_extra_first_row(units):
    p = read(real_file(PATENT_GRANTS / "raw-2013.xls"), units)
    assert (p.table, p.series) == ("7-8", "国内三种专利申请授权数按地区分布")
    assert values(p, "合计")[("全国", 2013)] == "1228413"


def test_cnki_title_wording_changes_in_2017(units):
    p = read(real_file(PATENT_GRANTS / "raw-2017.xls"), units)
    assert p.series == "国内三种专利授权数按地区分布"
    assert values(p, "合计")[("北京", 2017)] == "106948"


def test_repo_edited_xlsx_same_values_as_original(units):
    orig = read(real_file(PATENT_GRANTS / "raw-2012.xls"), units)
    edited = read(real_file(CNKI / "repo_edited_xlsx" / PATENT_GRANTS.relative_to(CNKI) / "raw-2012.xlsx"), units)
    assert edited.format == "cnki_xlsx"
    for col in ("合计", "发明"):
        assert values(edited, col) == values(orig, col)


def test_cnki_budget_two_sheets_bilingual_headers_tianji(units, ref):
    p = read(real_file(BUDGET / "raw-2019.xls"), units)
    assert (p.table, p.series) == ("7-6", "分地区一般公共预算支出")
    assert values(p, "地方一般公共预算支出")[("北京", 2019)] == "7408.19"
    assert values(p, "金融支出")[("天津", 2019)] == "4.71"  # continuation sheet '3'
    tianji = {o.region_en for o in p.observations if o.where.startswith("sheet 3 ")}
    assert "Tianji" in tianji
    assert resolve_label("Tianji", "province", ref).code == "120000"


def test_budget_resaves_unencrypted(units):
    p20 = read(real_file(BUDGET / "raw-2020.xls"), units)
    assert p20.format == "cnki_xls" and p20.series == "分地区一般公共预算支出"  # soshu title 中国2020年...统计
    assert values(p20, "地方一般公共预算支出")[("北京", 2020)] == "7116.18"
    p21 = read(real_file(BUDGET / "raw-2021.xls"), units)
    assert values(p21, "地方一般公共预算支出")[("北京", 2021)] == "7205.1201"  # label split over two rows


def test_html_saved_as_xls(units):
    p = read(real_file("yearbook_cnki/huhuaping_techme/tech-yearbook/part02-firm/00-firms/raw-2020-soshu.xls"), units)
    assert p.format == "cnki_html"
    assert (p.series, {o.unit for o in p.observations}) == ("各地区规上工业企业数量情况", {"个"})
    assert values(p, "有研发机构的企业数")[("全国", 2020)] == "94072"
    assert values(p, "有r&d活动的企业数")[("全国", 2020)] == "146691"


def test_by_industry_table_in_a_by_region_folder(units):
    p = read(real_file("yearbook_cnki/huhuaping_techme/tech-yearbook/part02-firm/08-patent/raw-2022.xls"), units)
    assert p.series == "按行业分规上工业企业专利情况"
    assert values(p, "专利申请数")[("煤炭开采和洗选业", 2022)] == "5966"


# --- every file -----------------------------------------------------------------------------------

EXPECTED_FORMAT = {
    "nbs_portal_export": ("nbs_portal_csv_classic", "nbs_portal_xls"),
    "yearbook_cnki": ("cnki_xls_encrypted", "cnki_xls", "cnki_xlsx", "cnki_html"),
}


@pytest.mark.parametrize("path", real_files(), ids=lambda p: str(p.relative_to(REALDATA)))
def test_every_real_file(path, units, ref):
    """Portal and yearbook files parse, every region label resolves; researcher panels are refused."""
    top = path.relative_to(REALDATA).parts[0]
    if top == "researcher_panel":  # hand-made panels: none of the supported formats
        with pytest.raises(AggloError, match=r"not a recognised table|binary file of no supported kind"):
            read(path, units)
        return
    p = read(path, units)
    assert p.format in EXPECTED_FORMAT[top]
    assert len(p.observations) >= 70
    if "按行业" in p.series:
        return  # rows are industries
    level = "prefecture" if "城市" in p.database else "province"
    codes = set()
    for label in {o.region for o in p.observations}:
        try:
            res = resolve_label(label, level, ref)
        except RegionNameError as exc:
            if level == "prefecture" and label in ("北京", "天津", "上海", "重庆"):
                continue  # the municipalities are provinces in the seeds, their districts prefectures
            pytest.fail(f"{label!r}: {exc}")
        codes.add(res.code)
    # 31 provinces (Tibet has only empty cells in 5-8 high-tech trade 2018); 32 cities + 4 municipalities
    assert len(codes - {None}) in ((30, 31) if level == "province" else (32,))


def test_new_format_files_listed_in_readme_are_absent():
    """The README describes 2025/26 exports (tec_expenditure/*_N.csv) that are not in the folder: the
    2025/26 reader is tested on a file built to that description (test_ingest_run.py)."""
    if not NBS.is_dir():
        pytest.skip("shared real data absent")
    assert not list(NBS.rglob("*_5.csv"))

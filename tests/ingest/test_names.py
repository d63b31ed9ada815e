"""Region labels as printed in the real files -> codes (the damaged labels are listed in
../shared/realdata/README.md, section 2, "OCR damage in the region column")."""

from __future__ import annotations

import pytest

from analysis.ingest.names import RegionNameError, resolve_label
from tests.ingest.realdata import load_ref


@pytest.fixture(scope="module")
def ref():
    return load_ref()



@pytest.mark.parametrize(("label", "code", "reading"), [
    ("山两", "140000", "山西"), ("两藏", "540000", "西藏"), ("江两", "360000", "江西"),
    ("四藏", "540000", "西藏"), ("浙汀", "330000", "浙江"), ("江四", "360000", "江西"),
    ("内蒙占", "150000", "内蒙古"), ("陕两", "610000", "陕西"), ("Tianji", "120000", "Tianjin"),
    ("廣東", "440000", "广东"), ("黑龍江", "230000", "黑龙江"),
])
def test_corrections(ref, label, code, reading):
    res = resolve_label(label, "province", ref)
    assert (res.code, res.kind, res.reading) == (code, "corrected", reading)


@pytest.mark.parametrize(("label", "code"), [
    ("北    京", "110000"), ("北 京", "110000"), (" 北  京", "110000"), ("北京市", "110000"),
    ("内蒙古自治区", "150000"), ("新疆维吾尔自治区", "650000"), ("Inner Mongolia", "150000"), ("四川", "510000"),
])
def test_exact(ref, label, code):
    res = resolve_label(label, "province", ref)
    assert (res.code, res.kind, res.how) == (code, "exact", "")


@pytest.mark.parametrize(("label", "kind"), [
    ("全 国", "aggregate"), ("全    国", "aggregate"), ("地方合计", "aggregate"), ("东部地区", "aggregate"),
    ("尔部地区", "aggregate"), ("National Total", "aggregate"), ("香 港", "outside_panel"), ("Macao", "outside_panel"),
])
def test_skipped(ref, label, kind):
    res = resolve_label(label, "province", ref)
    assert res.code is None and res.kind == kind


def test_ambiguous_and_unknown(ref):
    with pytest.raises(RegionNameError, match="ambiguous province name 'Guang'"):
        resolve_label("Guang", "province", ref)
    with pytest.raises(RegionNameError, match="unknown province '火星'"):
        resolve_label("火星", "province", ref)
    with pytest.raises(RegionNameError, match="unknown province 'Tian'"):  # too short for a prefix
        resolve_label("Tian", "province", ref)

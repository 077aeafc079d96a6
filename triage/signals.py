"""Severity signals read from a complaint at registration. Each signal carries its evidence so
staff can see why a complaint was marked. A later release adds trained classifiers."""

import re
from dataclasses import dataclass
from decimal import Decimal

LARGE_AMOUNT = Decimal("50000")

KEYWORDS: dict[str, tuple[str, ...]] = {
    "regulator": ("12378", "12363", "银保监", "金融监管总局", "监管局", "人民银行", "人行",
                  "银监", "cfpb", "consumer financial protection", "ombudsman", "fos",
                  "regulator", "attorney general"),
    # A platform's name alone is no threat ("在抖音上看到广告"): posting there is.
    "media": ("媒体", "曝光", "记者", "发到网上", "发微博", "发到微博", "发抖音", "发到抖音",
              "上头条", "news", "newspaper", "reporter", "social media", "journalist"),
    "litigation": ("起诉", "律师", "法院", "诉讼", "仲裁", "lawsuit", "attorney", "lawyer",
                   "sue", "court", "legal action"),
    "group": ("集体投诉", "多名", "群体", "维权群", "class action", "other customers"),
    "vulnerable": ("老人", "老年", "残疾", "病重", "癌症", "低保", "elderly", "disabled",
                   "disability", "veteran", "servicemember", "senior citizen"),
    "aggressive": ("自杀", "跳楼", "同归于尽", "kill myself", "suicide"),
    # NFRA Order 2020 No. 3 Art. 29(1): arising from a major natural disaster, safety accident
    # or public-health event. A hint for staff to judge, not a major complaint by itself: 14% of
    # the zh_heimao complaints name the epidemic in passing ("疫情期间无法还款"), and a
    # mortgage's flood insurance is no flood.
    "disaster": ("自然灾害", "地震", "洪水", "洪灾", "洪涝", "台风", "泥石流", "山体滑坡",
                 "安全事故", "重大事故", "公共卫生事件", "疫情", "传染病", "natural disaster",
                 "earthquake", "flood", "typhoon", "hurricane", "pandemic", "epidemic",
                 "public health emergency"),
}
# Where a word inside another one is not the signal: English words and numbers stand alone
# ("news" is not in "renews", "sue" not in "issue", 12378 not inside a longer number; a plural
# counts), and a few Chinese words are told from the longer words that contain them (个人行为,
# 人行道 are not the central bank; 法律师资 holds no lawyer).
_CONTEXT = {"人行": (r"(?<![个本他私步行路众])", r"(?![道为走驶使动])"), "律师": (r"(?<!法)", ""),
            "群体": (r"(?<!弱势)", "")}
# An age of 60 or more (老年人权益保障法 Art. 2) is a vulnerable-customer hint: "82岁", "aged 82".
ELDERLY_AGE = 60
_AGE_RE = re.compile(r"(?<!\d)(\d{2,3})\s*(?:周岁|岁)|(?<![a-z0-9])(?:aged\s+(\d{2,3})|"
                     r"(\d{2,3})[- ]years?[- ]old)(?![a-z0-9])")


def _pattern(word: str) -> re.Pattern[str]:
    if word.isascii():
        return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?:e?s)?(?![a-z0-9])")
    before, after = _CONTEXT.get(word, ("", ""))
    return re.compile(before + re.escape(word) + after)


# Each keyword with its pattern: the pattern (word boundaries, context) runs only where the
# plain substring is present, a scan in C that costs a fraction of a regular expression's.
_PATTERNS = {name: [(w, _pattern(w)) for w in words] for name, words in KEYWORDS.items()}
MAJOR_SIGNALS = frozenset({"regulator", "media", "litigation", "aggressive"})
COMPLEX_SIGNALS = frozenset({"vulnerable", "large_amount", "repeat", "disaster"})
# NFRA Order 2020 No. 3 Art. 29(2): a joint complaint made in person by 20 or more complainants
# is major. A group named in the text only is a hint for staff to judge until the number of
# complainants is recorded; then the number decides.
GROUP_MAJOR_SIZE = 20
_AMOUNT_RE = re.compile(r"(?:[¥￥$]\s?|\{\$)?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)\s*(万)?元?")


@dataclass(frozen=True)
class Signal:
    name: str
    evidence: str


def read_signals(text: str, amount: Decimal | None = None) -> list[Signal]:
    lowered = text.lower()
    found: list[Signal] = []
    for name, patterns in _PATTERNS.items():
        hit = next((m for m in (p.search(lowered) for w, p in patterns if w in lowered) if m),
                   None)
        if hit:
            found.append(Signal(name, hit.group(0)))
    if not any(f.name == "vulnerable" for f in found) and ("岁" in lowered or "age" in lowered
                                                           or "old" in lowered):
        age = next((m for m in _AGE_RE.finditer(lowered)
                    if ELDERLY_AGE <= int(next(g for g in m.groups() if g)) <= 120), None)
        if age:
            found.append(Signal("vulnerable", age.group(0)))
    largest = max([amount or Decimal(0), *_amounts_in(text)])
    if largest >= LARGE_AMOUNT:
        found.append(Signal("large_amount", f"{largest:.2f}"))
    return found


def _amounts_in(text: str) -> list[Decimal]:
    amounts = []
    for match in _AMOUNT_RE.finditer(text[:5000]):
        if not (match.group(0).strip()[:1] in "¥￥${" or "元" in match.group(0) or match.group(2)):
            continue
        value = Decimal(match.group(1).replace(",", ""))
        amounts.append(value * 10000 if match.group(2) else value)
    return amounts


def group_signal(size: int | None, in_person: bool) -> Signal | None:
    """The recorded number of complainants as a signal, when more than one complains."""
    if size is None or size < 2:
        return None
    if in_person:
        return Signal("group", f"{size} 名投诉人到场 / {size} complainants in person")
    return Signal("group", f"{size} 名投诉人 / {size} complainants")


def severity_for(signals: list[Signal], regulator_source: bool, *,
                 group_size: int | None = None, in_person: bool = False) -> str:
    names = {s.name for s in signals}
    large_group = group_size is not None and group_size >= GROUP_MAJOR_SIZE
    if regulator_source or names & MAJOR_SIGNALS or (large_group and in_person):
        return "major"
    # A group not counted yet, or a large one that did not come in person: staff judge.
    if names & COMPLEX_SIGNALS or large_group or ("group" in names and group_size is None):
        return "complex"
    return "normal"

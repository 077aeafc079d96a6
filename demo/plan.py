"""The deterministic plan of the demo complaints: for index i, which story it follows, which real
text it carries, who complains, where, through which channel and how long ago.

Guarantees: `build_plans(n, ...)` is a prefix of `build_plans(m, ...)` for n <= m (given the same
texts and `now`), apart from `received_at`, which is always `now` less the planned age; every
40 consecutive plans starting at a multiple of 40 contain every story of DECK, so any 40-complaint
prefix already covers every complaint state."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from complaints.choices import Channel, Source
from demo.data import SourceText
from demo.people import SUB_BRANCHES
from demo.wording import claim_for

KEY_PREFIX = "demo-"
DEFAULT_COUNT = 240

# One deck of 40 stories, repeated. A story's name is the state it ends in, or a variant of it.
DECK: tuple[str, ...] = (
    "closed", "responded", "registered", "closed", "investigating", "closed_approved",
    "accepted", "closed", "assigned", "closed", "declined", "follow_up", "closed",
    "awaiting_approval", "closed_review", "closed", "withdrawn", "closed", "responded",
    "merge_primary", "merged", "closed", "reviewing", "closed_approved", "closed", "referred",
    "investigating", "closed", "closed_referral", "responded", "closed", "closed_reopened",
    "assigned", "closed", "follow_up", "closed_approved", "investigating", "closed",
    "responded", "closed",
)
# How long ago (days) a story's complaint was received: open work is recent, closed work older.
AGES: dict[str, tuple[float, float]] = {
    "registered": (0.05, 1.0), "accepted": (0.5, 2.5), "assigned": (1.0, 4.0),
    "investigating": (3.0, 20.0), "merge_primary": (4.0, 12.0), "awaiting_approval": (5.0, 12.0),
    "responded": (6.0, 16.0), "follow_up": (8.0, 18.0), "closed": (15.0, 60.0),
    "closed_approved": (16.0, 60.0), "closed_review": (32.0, 60.0),
    "closed_referral": (20.0, 60.0), "closed_reopened": (32.0, 60.0), "declined": (1.0, 50.0),
    "withdrawn": (4.0, 50.0), "reviewing": (22.0, 40.0), "referred": (12.0, 45.0),
}
CHANNEL_WEIGHTS: tuple[tuple[str, int], ...] = (
    (Channel.PHONE, 30), (Channel.COUNTER, 14), (Channel.MOBILE, 15), (Channel.WEB, 10),
    (Channel.EMAIL, 6), (Channel.LETTER, 4), (Channel.VISIT, 6), (Channel.SMS, 4),
    (Channel.API, 7), (Channel.REGULATOR, 4),
)
OFFICE_HOURS_ONLY = frozenset({Channel.COUNTER, Channel.VISIT})
PRODUCT_BUSINESS: tuple[tuple[str, str], ...] = (
    ("credit report", "B05"), ("debt collection", "B13"), ("card", "B02"), ("mortgage", "B03"),
    ("loan", "B03"), ("checking or savings", "B01"), ("bank account", "B01"),
    ("money transfer", "B04"),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏"
    "魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏方白邹孟熊秦江薛段雷侯龙史陶贺顾毛郝邵钱严武戴孔汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国玉兰秀文辉鹏飞宇欣怡浩然涵萱"
FIRST_NAMES = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
               "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph",
               "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew",
               "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
              "Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson",
              "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
              "Allen", "King", "Wright", "Scott", "Green", "Baker")
CN_MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "158", "159", "186", "187", "188")
US_AREA_CODES = ("202", "312", "415", "617", "713", "305", "206", "404")
AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60-69")


def mix(*parts: object) -> int:
    """A stable 64-bit number from `parts` (the demo's only source of variety)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def frac(*parts: object) -> float:
    """A stable number in [0, 1) from `parts`."""
    return mix(*parts) / 2**64


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    phone: str
    email: str
    language: str
    vulnerable: tuple[str, ...]
    age_band: str


@dataclass(frozen=True)
class Plan:
    index: int
    key: str  # the idempotency key
    story: str
    text: SourceText
    customer: CustomerSpec
    unit: str
    channel: str
    source: str
    external_ref: str
    received_at: dt.datetime
    claim: str
    codes: dict[str, str]
    primary_key: str = ""  # for "merged": the key of the complaint it duplicates


def _customer(i: int, language: str) -> CustomerSpec:
    elderly = frac(i, "elderly") < 0.06
    band = "70+" if elderly else AGE_BANDS[mix(i, "age_band") % len(AGE_BANDS)]
    vulnerable = ("elderly",) if elderly else ()
    if language == "en":
        first = FIRST_NAMES[mix(i, "first") % len(FIRST_NAMES)]
        last = LAST_NAMES[mix(i, "last") % len(LAST_NAMES)]
        area = US_AREA_CODES[(i // 100) % len(US_AREA_CODES)]
        email = f"{first}.{last}{i}@example.com".lower() if frac(i, "email") < 0.4 else ""
        return CustomerSpec(f"{first} {last}", f"+1 {area}-555-{100 + i % 100:04d}", email,
                            "en", vulnerable, band)
    given = GIVEN[mix(i, "g1") % len(GIVEN)]
    if frac(i, "two") < 0.6:
        given += GIVEN[mix(i, "g2") % len(GIVEN)]
    prefix = CN_MOBILE_PREFIXES[mix(i, "prefix") % len(CN_MOBILE_PREFIXES)]
    phone = f"{prefix}{mix(i, 'phone') % 10**8:08d}"
    email = f"user{i:04d}@example.com" if frac(i, "email") < 0.2 else ""
    return CustomerSpec(SURNAMES[mix(i, "surname") % len(SURNAMES)] + given, phone, email,
                        "zh-Hans", vulnerable, band)


def _channel(i: int, received_at: dt.datetime, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The channel, and the receipt time moved into opening hours (9:00-16:30 local, that day or
    the day before) for a complaint made in person."""
    point = frac(i, "channel") * sum(w for _, w in CHANNEL_WEIGHTS)
    channel = CHANNEL_WEIGHTS[-1][0]
    for name, weight in CHANNEL_WEIGHTS:
        if point < weight:
            channel = name
            break
        point -= weight
    local = received_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    if channel not in OFFICE_HOURS_ONLY or 9 <= local.hour < 16:
        return channel, received_at
    opening = local.replace(hour=9, minute=0, second=0, microsecond=0)
    moved = opening + dt.timedelta(hours=7.5 * frac(i, "office_hours"))
    if moved > now - dt.timedelta(hours=1):
        moved -= dt.timedelta(days=1)
    return channel, moved


def _source(i: int, channel: str, received_at: dt.datetime) -> tuple[str, str]:
    if channel == Channel.REGULATOR:
        nfra = mix(i, "regulator") % 2 == 0
        source = Source.REGULATOR_NFRA if nfra else Source.REGULATOR_PBOC
        return source, f"{'NFRA' if nfra else 'PBOC'}-{received_at:%Y%m}-{i:05d}"
    point = frac(i, "source")
    if point < 0.05:
        return Source.HEAD_OFFICE, f"HO-{received_at:%Y%m}-{i:05d}"
    if point < 0.07:
        return Source.MEDIA, ""
    return Source.DIRECT, ""


def _codes(text: SourceText) -> dict[str, str]:
    if text.language != "en":
        codes = {"cause": text.cause} if text.cause else {}
        if text.cause == "C12":
            codes["business"] = "B13"
        return codes
    lowered = text.product.lower()
    business = next((code for needle, code in PRODUCT_BUSINESS if needle in lowered), "")
    return {"business": business} if business else {}


def _age(i: int, story: str) -> dt.timedelta:
    low, high = AGES[story]
    return dt.timedelta(days=low + (high - low) * frac(i, "age"))


class NotEnoughTexts(ValueError):
    pass


def build_plans(count: int, chinese: list[SourceText], english: list[SourceText],
                now: dt.datetime) -> list[Plan]:
    """Plans 0..count-1. Roughly half the complaints are Chinese, half English; a "merged"
    complaint repeats the customer, text and unit of the "merge_primary" just before it."""
    plans: list[Plan] = []
    next_text = {"zh-Hans": 0, "en": 0}
    pools = {"zh-Hans": chinese, "en": english}
    for i in range(count):
        story = DECK[i % len(DECK)]
        if story == "merged" and plans:
            primary = plans[-1]
            age = now - primary.received_at - dt.timedelta(days=0.5 + 1.5 * frac(i, "dup"))
            received_at = now - max(age, dt.timedelta(hours=3))
            text, customer, unit = primary.text, primary.customer, primary.unit
            primary_key = primary.key
        else:
            language = "en" if mix(i, "language") % 2 else "zh-Hans"
            pool = pools[language]
            if next_text[language] >= len(pool):
                raise NotEnoughTexts(f"only {len(pool)} usable {language} texts for {count} "
                                     "demo complaints")
            text = pool[next_text[language]]
            next_text[language] += 1
            customer = _customer(i, language)
            unit = SUB_BRANCHES[mix(i, "unit") % len(SUB_BRANCHES)]
            received_at = now - _age(i, story if story != "merged" else "registered")
            primary_key = ""
        channel, received_at = _channel(i, received_at, now)
        source, external_ref = _source(i, channel, received_at)
        plans.append(Plan(
            index=i, key=f"{KEY_PREFIX}{i}", story=story, text=text, customer=customer,
            unit=unit, channel=channel, source=source, external_ref=external_ref,
            received_at=received_at, claim=claim_for(text.language, text.cause, text.product),
            codes=_codes(text), primary_key=primary_key,
        ))
    return plans

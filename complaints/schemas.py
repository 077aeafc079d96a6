"""Typed input and output of the complaint API. Field names of ComplaintIn are fixed for
integrators by DESIGN.md."""

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from clocks import packs
from clocks.choices import ClockFlag
from complaints import choices as ch
from triage.pii import cn_id_valid
from triage.schemas import TriageOut

MAX_TEXT = settings.TOUSU_MAX_TEXT
CENT = Decimal("0.01")
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
OptText = Annotated[str, Field(max_length=MAX_TEXT)]
Short = Annotated[str, Field(min_length=1, max_length=200)]
# In cents, however it was written ("1e2", 100): answers, events and letters show "100.00".
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2),
                  AfterValidator(lambda amount: amount.quantize(CENT))]
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_CN_MOBILE = re.compile(r"^(?:\+86|0086)?(1[3-9]\d{9})$")


def canonical_phone(value: str) -> str:
    """A phone as stored and hashed, so a returning customer is found however it was typed:
    spaces and dashes dropped, a mainland mobile without its +86 / 0086 prefix."""
    compact = re.sub(r"[ \-]", "", value)
    found = _CN_MOBILE.match(compact)
    return found.group(1) if found else compact


def is_mobile(value: str) -> bool:
    """Whether a text message can reach the number: a mainland mobile, or a number abroad given
    with its country code (a mainland landline such as 010-12345678 cannot take one)."""
    phone = canonical_phone(value)
    return bool(re.fullmatch(r"1[3-9]\d{9}", phone)) or (
        phone.startswith("+") and not phone.startswith("+86"))
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _no_nul(value: object) -> object:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("含有 NUL 字符 / contains a NUL character")
    if isinstance(value, list | tuple | set):
        for item in value:
            _no_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        """A NUL character is never meant, and PostgreSQL cannot store one (a 500 otherwise)."""
        return _no_nul(value)


class CustomerIn(Strict):
    name: Short
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    id_number: str = Field("", max_length=32)
    language: Literal["zh-Hans", "en"] = "zh-Hans"
    vulnerable: list[ch.Vulnerability] = Field(default_factory=list, max_length=6)
    age_band: str = Field("", max_length=16)
    representative_name: str = Field("", max_length=200)
    representative_kind: str = Field("", max_length=32)
    representative_proof: str = Field("", max_length=500)

    @field_validator("phone", "email", "id_number", mode="before")
    @classmethod
    def _halfwidth(cls, value: object) -> object:
        """As a Chinese input method in full-width mode types it (１３８ …, ＠): folded to ASCII
        (NFKC), so every channel stores, hashes and finds the same customer."""
        return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not _PHONE.match(value):
            raise ValueError("不是有效的电话号码 / not a phone number")
        return canonical_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not _EMAIL.match(value):
            raise ValueError("不是有效的邮箱地址 / not an email address")
        return value

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        value = value.upper()
        if re.fullmatch(r"\d{17}[\dX]", value) and not cn_id_valid(value):
            raise ValueError(
                "居民身份证号码校验位错误 / the resident ID number's check digit is wrong")
        return value


class ComplaintIn(Strict):
    channel: ch.Channel
    source: ch.Source = ch.Source.DIRECT
    external_ref: str = Field("", max_length=100)
    received_at: AwareDatetime | None = None
    customer: CustomerIn
    unit: str = Field("", max_length=32)
    account_branch: str = Field("", max_length=32)
    product: str = Field("", max_length=200)
    content: Text
    claim: OptText = ""
    amount: Money | None = None
    codes: dict[str, str] = Field(default_factory=dict, max_length=10)
    staff_complained_about: str = Field("", max_length=150)
    # Facts that add clocks in the rule pack (uk-fca payment_services; us-cfpb reg_e, reg_z …).
    clock_flags: list[ClockFlag] = Field(default_factory=list, max_length=5)
    group_size: int | None = Field(
        None, ge=1, le=1_000_000,
        description="Number of complainants of a joint complaint; 20 or more at the counter or "
                    "in a visit make it major (NFRA Order 2020 No. 3 Art. 29(2)). Empty: not "
                    "recorded.")
    regulator_due: AwareDatetime | None = Field(
        None, description="The regulator's own deadline for the bank's feedback on a complaint "
                          "it transferred (source regulator_nfra or regulator_pboc): ISO 8601 "
                          "with offset, or a date alone (YYYY-MM-DD), which ends at 24:00 local "
                          "time. Tracked as the clock `regulator_due`.")

    @field_validator("regulator_due", mode="before")
    @classmethod
    def _date_ends_at_midnight(cls, value: object) -> object:
        """A date alone is due by the end of that day in the rule pack's zone."""
        if isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                return value  # not a day of the calendar: refused as a date by the field
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, packs.END_OF_DAY, tzinfo=packs.get().zone)
        return value


class CustomerOut(BaseModel):
    name: str
    phone: str
    email: str
    id_number: str
    language: str
    vulnerable: list[str]


class DeadlineOut(BaseModel):
    obligation: str
    due_at: dt.datetime
    status: str
    remaining_s: int | None
    extensions: list[dict[str, object]]
    paused_intervals: list[dict[str, object]]
    kind: str = "duty"  # "window": the customer's time to act, which expires instead of breaching
    rule_pack: str = ""
    started_at: dt.datetime | None = None
    breached_at: dt.datetime | None = None
    restarts: list[dict[str, object]] = []


class ComplaintOut(BaseModel):
    number: str
    state: str
    version: int
    channel: str
    source: str
    external_ref: str
    received_at: dt.datetime
    unit: str
    handler: str | None
    severity: str
    codes: dict[str, str]
    tags: list[str]
    signals: list[dict[str, str]]
    product: str
    content: str
    claim: str
    amount: Decimal | None
    group_size: int | None = None
    customer: CustomerOut
    allowed_actions: list[str]
    deadlines: list[DeadlineOut]
    primary: str | None
    suggestions: TriageOut = Field(default_factory=TriageOut)  # triage's, for staff to decide


class ComplaintListItem(BaseModel):
    number: str
    state: str
    version: int
    channel: str
    source: str
    received_at: dt.datetime
    unit: str
    severity: str
    codes: dict[str, str]
    customer: str
    summary: str


class EventOut(BaseModel):
    seq: int
    type: str
    actor: str
    at: dt.datetime
    state_after: str
    payload: dict[str, object]
    hash: str


class ErrorItem(BaseModel):
    field: str
    message: str
    code: str = ""


class ErrorOut(BaseModel):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)

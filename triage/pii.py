"""Detection and masking of customer identifiers, for screens, lists, logs and exports.

`find_pii` names what a text holds: mainland resident ID numbers (check digit verified, GB 11643),
bank card numbers (Luhn verified), Chinese mobile and landline numbers (also written 3-4-4 with
spaces or hyphens, or in full-width digits), international numbers written with a `+` and North
American ones written (415) 555-0132 or 415-555-0132, emails, and account numbers (a long run
of digits next to a word that says "account", or any other run of 10 or more digits that is
neither an ID nor a card). `mask_text` masks all of them: a run of digits that fails a check is
still masked, as an account number, because showing a mistyped identifier is no safer than
showing a correct one."""

import re
from dataclasses import dataclass
from typing import Any

_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"


def cn_id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11]


def cn_id_valid(value: str) -> bool:
    """A mainland resident ID number (18 characters) with a correct check digit (GB 11643)."""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    return cn_id_check_digit(value[:17]) == value[17]


def luhn_check_digit(payload: str) -> str:
    """The digit that completes `payload` to a Luhn-valid number."""
    total = 0
    for i, d in enumerate(reversed(payload)):
        n = int(d)
        if i % 2 == 0:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return str((10 - total % 10) % 10)


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 12:
        return False
    return luhn_check_digit(digits[:-1]) == digits[-1]


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id(value: str) -> str:
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    if not domain:
        return mask_id(email)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    if re.search(r"[\u4e00-\u9fff]", name):
        return name[0] + "*" * (len(name) - 1)
    return " ".join(part[0] + "***" for part in name.split())


@dataclass(frozen=True)
class Found:
    kind: str  # cn_id, card, phone, email, account
    start: int
    end: int
    valid: bool  # the check digit holds (cn_id, card); True where there is no check


# Each digit pattern starts with the character it needs and checks what comes before it just
# after (1(?<!\d1) rather than (?<!\d)1): a pattern with a known first character is searched
# for by that character, several times faster than one tried at every position of the text.
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A run of digits, or digits in groups of four split by single spaces or hyphens (as card and
# account numbers are written); nothing else is joined, so "13812345678 300" stays two numbers.
_DIGITS_RE = re.compile(
    r"\d(?<!\d\d)(?:\d{3}(?:[ -]\d{4}){2,5}(?:[ -]\d{1,4})?|\d{6,29}[Xx]?)(?!\d)"
)
_INTL_PHONE_RE = re.compile(r"\+(?<![\w+]\+)\d{1,3}(?:[ -]?\(?\d{1,4}\)?){2,5}(?!\d)")
_CN_LANDLINE_RE = re.compile(r"0(?<!\d0)\d{2,3}-\d{7,8}(?!\d)")
# A North American number written without +1: (415) 555-0132, 415-555-0132, 415.555.0132.
_NANP_RE = re.compile(
    r"(?:\((?<![A-Za-z0-9_+-]\()\d{3}\) ?|\d(?<![A-Za-z0-9_+-]\d)\d{2}([-.]))\d{3}(?(1)\1|[-.])"
    r"\d{4}(?![A-Za-z0-9_-])"
)
# A mobile number written 3-4-4 with spaces or hyphens, and an ID number written 6-8-4.
_CN_MOBILE_RE = re.compile(r"1(?<!\d1)[3-9]\d(?:[ -]\d{4}){2}(?!\d)")
_CN_ID_SPACED_RE = re.compile(r"\d(?<!\d\d)\d{5}([ -])\d{8}\1\d{3}[\dXx](?![\dXx])")
# Full-width characters (１３８－１２３４…, as typed with a Chinese input method) are read as
# their ASCII forms, one character for one, so that positions in the text still hold.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－　＋（）＠．", "0123456789Xx- +()@.")
_FULL_WIDTH_HINT = re.compile("[０-９＠]")
_ACCOUNT_WORDS = re.compile(
    r"(账号|账户|帐号|帐户|卡号|account|acct|a/c)\W{0,3}(?:no\.?|number|#)?\W{0,3}$", re.IGNORECASE
)


def _kind_of_digits(raw: str, before: str) -> tuple[str, bool] | None:
    digits = re.sub(r"[ -]", "", raw)
    plain = digits.rstrip("Xx")
    if len(digits) == 18 and " " not in raw and cn_id_valid(digits):
        return "cn_id", True
    if digits != plain:  # a trailing X belongs only to an ID number; a long run is masked
        if len(digits) == 18:
            return "cn_id", False
        return ("account", False) if len(plain) >= 10 else None
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return "phone", True
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "card", True
    if _ACCOUNT_WORDS.search(before[-20:]) and len(digits) >= 8:
        return "account", True
    if len(digits) == 18 and " " not in raw:
        return "cn_id", False
    if len(digits) >= 10:
        return "account", False
    return None


def find_pii(text: str) -> list[Found]:
    """Every identifier in `text`, in order, without overlaps."""
    if not text.isascii() and _FULL_WIDTH_HINT.search(text):
        text = text.translate(_FULL_WIDTH)
    found = ([Found("email", m.start(), m.end(), True) for m in _EMAIL_RE.finditer(text)]
             if "@" in text else [])
    for pattern in (_INTL_PHONE_RE, _CN_LANDLINE_RE, _CN_MOBILE_RE, _NANP_RE):
        found += [Found("phone", m.start(), m.end(), True) for m in pattern.finditer(text)]
    found += [Found("cn_id", m.start(), m.end(), cn_id_valid(re.sub(r"[ -]", "", m.group(0))))
              for m in _CN_ID_SPACED_RE.finditer(text)]
    for m in _DIGITS_RE.finditer(text):
        kind = _kind_of_digits(m.group(0), text[: m.start()])
        if kind:
            found.append(Found(kind[0], m.start(), m.end(), kind[1]))
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Found] = []
    for item in found:
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


def _masked(kind: str, raw: str) -> str:
    if kind == "email":
        return mask_email(raw)
    digits = re.sub(r"[^\dXx]", "", raw)
    if kind == "cn_id":
        return digits[:6] + "********" + digits[-4:]
    if kind == "card":
        return digits[:4] + " **** **** " + digits[-4:]
    if kind == "phone":
        return (("+" if raw.startswith("+") else "") + digits[:3] + "****" + digits[-4:]
                if len(digits) >= 9 else "*" * len(digits))
    return "*" * (len(digits) - 4) + digits[-4:]  # account


def mask_text(text: str) -> str:
    """Mask ID numbers, card numbers, phone numbers, emails and account numbers in free text."""
    parts, last = [], 0
    for item in find_pii(text):
        parts += [text[last:item.start], _masked(item.kind, text[item.start:item.end])]
        last = item.end
    parts.append(text[last:])
    return "".join(parts)


# Payload keys whose values are the system's own identifiers, never a customer's (a file's
# SHA-256 holds digit runs that would read as account numbers).
NOT_PERSONAL = frozenset({"sha256", "hash", "number", "into", "primary", "duplicate_of"})


def mask_payload(value: Any, key: str = "") -> Any:
    """An event payload (or any JSON value) with identifiers masked in every string."""
    if isinstance(value, dict):
        return {k: mask_payload(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_payload(v, key) for v in value]
    if isinstance(value, str) and key not in NOT_PERSONAL:
        return mask_text(value)
    return value


def pii_kinds(text: str) -> list[str]:
    return sorted({f.kind for f in find_pii(text)})

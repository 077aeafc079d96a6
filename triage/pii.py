"""Masking of customer identifiers for screens, lists, logs and exports."""

import re

_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"


def cn_id_valid(value: str) -> bool:
    """A mainland resident ID number (18 characters) with a correct check digit (GB 11643)."""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == value[17]


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


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


_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])")
_CARD_RE = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
_EMAIL_RE = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_text(text: str) -> str:
    """Mask ID numbers, card numbers, mobile numbers and emails inside free text."""
    text = _ID_RE.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _CARD_RE.sub(lambda m: m.group(1) + " **** **** " + m.group(2), text)
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _EMAIL_RE.sub(lambda m: m.group(1) + "***@" + m.group(2), text)

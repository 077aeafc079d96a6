"""Encryption at rest for customer identifiers (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from TOUSU_FIELD_KEYS, newest first; older keys still decrypt, so keys rotate without a
migration. With no key configured, one is derived from SECRET_KEY (embedded default)."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.TOUSU_FIELD_KEYS)
    if not keys:
        derived = hashlib.sha256(f"tousu-field-key:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def lookup_hash(value: str) -> str:
    """A keyed hash for finding equal values without decrypting (empty for an empty value)."""
    if not value:
        return ""
    key = hashlib.sha256(f"tousu-lookup:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()

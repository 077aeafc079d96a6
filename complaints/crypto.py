"""Encryption at rest for customer identifiers (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from TOUSU_FIELD_KEYS, newest first; older keys still decrypt, so keys rotate without a
migration: `manage.py rotate_field_keys` re-encrypts every field in ENCRYPTED_FIELDS with the
newest key, after which the older keys can be removed. With no key configured, one is derived
from SECRET_KEY (embedded default); once keys are configured the derived key still decrypts (last,
never encrypts), so an installation that starts configuring keys does not lose what it stored
before — rotation moves those values to the newest key too."""

import base64
import hashlib
import hmac
from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# Every encrypted column, as (app label, model, field): what key rotation re-encrypts.
ENCRYPTED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("complaints", "Customer", "id_number_enc"),
    ("complaints", "Customer", "phone_enc"),
    ("complaints", "Customer", "email_enc"),
)


def _derived_key() -> str:
    derived = hashlib.sha256(f"tousu-field-key:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(derived).decode()


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.TOUSU_FIELD_KEYS)
    derived = _derived_key()
    if derived not in keys:
        keys.append(derived)
    return MultiFernet([Fernet(key) for key in keys])


@cache
def _newest() -> Fernet:
    keys = list(settings.TOUSU_FIELD_KEYS) or [_derived_key()]
    return Fernet(keys[0])


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in {"TOUSU_FIELD_KEYS", "SECRET_KEY"}:
        reset_keys()


def reset_keys() -> None:
    """Read the keys from the settings again (after a change of TOUSU_FIELD_KEYS)."""
    _fernet.cache_clear()
    _newest.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def is_current(token: str) -> bool:
    """Whether the token is encrypted with the newest key (an empty value always is)."""
    if not token:
        return True
    try:
        _newest().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same value encrypted with the newest key (raises InvalidToken if no key opens it)."""
    return _fernet().rotate(token.encode()).decode() if token else ""


def lookup_hash(value: str) -> str:
    """A keyed hash for finding equal values without decrypting (empty for an empty value)."""
    if not value:
        return ""
    key = hashlib.sha256(f"tousu-lookup:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def phone_hash(phone: str) -> str:
    """The keyed hash a customer is found by phone with (apart from ID numbers' hashes)."""
    return lookup_hash(f"phone:{phone}") if phone else ""


def sealed(column: str, hash_column: str = "", hasher: Callable[[str], str] = lookup_hash
           ) -> property:
    """A model attribute stored encrypted in `column` (and, with `hash_column`, findable by the
    keyed hash `hasher` gives): reads decrypt, writes encrypt. A property, so that the model's
    constructor takes it as a keyword like a field."""

    remembered = f"_{column}_clear"  # (token, clear value): one decryption per token

    def read(obj: Any) -> str:
        token = getattr(obj, column)
        known = obj.__dict__.get(remembered)
        if known is None or known[0] != token:
            known = obj.__dict__[remembered] = (token, decrypt(token))
        return str(known[1])

    def write(obj: Any, value: str | None) -> None:
        token = encrypt(value or "")
        setattr(obj, column, token)
        obj.__dict__[remembered] = (token, value or "")
        if hash_column:
            setattr(obj, hash_column, hasher(value or ""))

    return property(read, write)

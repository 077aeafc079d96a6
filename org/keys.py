"""Issuing and checking integration API keys."""

import hashlib
import hmac
import secrets

from org.models import ApiKey, OrgUnit

SCOPES = {
    "complaints:create": "register complaints",
    "complaints:read": "read complaints, events and deadlines in the key's unit subtree",
    "complaints:act": "customer-side actions: note, add_evidence, withdraw, request_review, "
    "follow_up_result",
}
KEY_PREFIX = "tsk"


class KeyError_(ValueError):
    pass


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(name: str, scopes: list[str], unit: OrgUnit) -> tuple[ApiKey, str]:
    """Create a key and return it with the plain token, which is never stored."""
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        raise KeyError_(f"unknown scopes: {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise KeyError_("at least one scope is required")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"{KEY_PREFIX}_{prefix}_{secret}"
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=digest(token), scopes=sorted(set(scopes)), unit=unit
    )
    return key, token


def check_key(token: str) -> ApiKey | None:
    """The active key this token belongs to, or None. A key of a deactivated unit is refused,
    as a staff grant on one is."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("unit").filter(
        prefix=parts[1], active=True, unit__active=True
    ).first()
    if key is None or not hmac.compare_digest(key.key_hash, digest(token)):
        return None
    return key

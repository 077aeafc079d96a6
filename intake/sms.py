"""Complaints by SMS: the gateway's inbound webhook. A request is accepted only when its HMAC
signature matches the shared secret, its timestamp is within the window and its nonce has not
been seen (a row inserted under a primary key, so a replay fails even when two arrive at once).

Signature: hex HMAC-SHA256 over `{timestamp}.{nonce}.` followed by the raw body, sent in
`X-Tousu-Signature` with `X-Tousu-Timestamp` (Unix seconds) and `X-Tousu-Nonce`."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from complaints.errors import ActionError
from intake.actions import (
    CLOSED,
    Inbound,
    IntakeError,
    Received,
    find_numbers,
    message_key,
    phone_forms,
    receive,
)
from intake.models import WebhookNonce
from notify.customer import SIGNATURE

MAX_BODY = 64 * 1024
logger = logging.getLogger(__name__)
_CJK = re.compile(r"[\u3400-\u9fff]")


class Unauthorised(ActionError):
    status = 401


class Disabled(ActionError):
    status = 404


class Replayed(ActionError):
    status = 409


class InboundSms(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    message_id: str = Field(min_length=1, max_length=150)
    sender: str = Field(alias="from", min_length=3, max_length=32, pattern=r"^\+?[0-9][0-9 \-]+$")
    text: str = Field(min_length=1, max_length=5000)
    received_at: AwareDatetime | None = None


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(headers: dict[str, str], body: bytes, now: dt.datetime | None = None) -> None:
    """Raise unless the request is signed with the shared secret, fresh and not seen before.
    The nonce is recorded in the caller's transaction."""
    secret = settings.TOUSU_SMS_WEBHOOK_SECRET
    if not secret:
        raise Disabled("The SMS webhook is not configured", [("webhook", "no shared secret")],
                       code="not_found")
    timestamp = headers.get("X-Tousu-Timestamp", "")
    nonce = headers.get("X-Tousu-Nonce", "")
    signature = headers.get("X-Tousu-Signature", "")
    if not (timestamp and nonce and signature) or len(nonce) > 100:
        raise Unauthorised("The request is not signed",
                           [("X-Tousu-Signature", "timestamp, nonce and signature required")],
                           code="unauthenticated")
    if not hmac.compare_digest(sign(secret, timestamp, nonce, body), signature.lower()):
        raise Unauthorised("The signature does not match",
                           [("X-Tousu-Signature", "invalid signature")], code="unauthenticated")
    now = now or timezone.now()
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise Unauthorised("Bad timestamp", [("X-Tousu-Timestamp", "Unix seconds")],
                           code="unauthenticated") from None
    window = dt.timedelta(seconds=settings.TOUSU_SMS_WEBHOOK_WINDOW_S)
    if abs(now - sent) > window:
        raise Unauthorised("The request is too old or from the future",
                           [("X-Tousu-Timestamp", f"outside the {window.seconds} s window")],
                           code="unauthenticated")
    try:
        with transaction.atomic():
            WebhookNonce.objects.create(nonce=nonce, seen_at=now)
    except IntegrityError:
        raise Replayed("This request was already received",
                       [("X-Tousu-Nonce", "replayed")], code="replayed") from None


def purge_nonces(now: dt.datetime | None = None) -> int:
    """Forget nonces whose timestamp window has passed: a replay of them is refused as stale."""
    now = now or timezone.now()
    cutoff = now - 2 * dt.timedelta(seconds=settings.TOUSU_SMS_WEBHOOK_WINDOW_S)
    deleted, _ = WebhookNonce.objects.filter(seen_at__lt=cutoff).delete()
    return deleted


def parse(body: bytes) -> InboundSms:
    try:
        return InboundSms.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise IntakeError(f"unreadable SMS payload: {exc}") from exc


def to_inbound(sms: InboundSms, raw: bytes, origin: str = "sms-webhook",
               held_since: dt.datetime | None = None) -> Inbound:
    from complaints.crypto import phone_hash
    from complaints.models import Customer

    phone = sms.sender.replace(" ", "").replace("-", "")
    # Stored by the number's canonical form; a gateway may give it as +86… or 0086….
    known = Customer.objects.filter(
        phone_hash__in=[phone_hash(p) for p in phone_forms(phone)],
    ).order_by("-pk").values_list("name", "language").first()
    now = held_since or timezone.now()
    text = sms.text
    guessed = "zh-Hans" if _CJK.search(text) else "en"
    name, language = known or ("短信投诉人" if guessed == "zh-Hans" else "SMS customer", guessed)
    for signature in SIGNATURE.values():  # a reply quoting our own notice
        text = text.replace(signature, "")
    refs = [] if find_numbers(text) else only_open_complaint(phone)
    return Inbound(
        channel="sms", key=message_key(sms.message_id, raw), sender=phone, subject="",
        text=text, customer={"name": name, "phone": phone, "language": language},
        received_at=min(sms.received_at or now, now), raw=raw,
        origin=origin, refs=refs,
    )


def only_open_complaint(phone: str) -> list[str]:
    """The number of the one open complaint of the customers with this phone number, as a
    reference the SMS is threaded onto; nothing when they have none or several (the SMS is
    then a complaint of its own)."""
    from complaints.crypto import phone_hash
    from complaints.models import Complaint

    numbers = list(Complaint.objects.filter(
        customer__phone_hash__in=[phone_hash(p) for p in phone_forms(phone)],
    ).exclude(state__in=CLOSED).values_list("number", flat=True)[:2])
    return numbers if len(numbers) == 1 else []


def read_for_retry(raw: bytes, origin: str, held_since: dt.datetime) -> Inbound:
    """A quarantined SMS read again: received no later than when it was held."""
    return to_inbound(parse(raw), raw, origin, held_since)


def handle(headers: dict[str, str], body: bytes) -> Received:
    """Verify and ingest one webhook call. A verified call whose payload cannot be registered
    is quarantined (and acknowledged to the gateway): it is never lost."""
    from intake.actions import quarantine

    if len(body) > MAX_BODY:
        raise ActionError("The request is too large", [("body", "请求过大 / too large")],
                          code="too_large")
    with transaction.atomic():
        verify(headers, body)
    try:
        return receive(to_inbound(parse(body), body))
    except Exception as exc:  # kept whatever went wrong, with the reason
        if not isinstance(exc, IntakeError | ActionError):
            logger.exception("intake: unexpected error on an inbound SMS")
        reason = f"{exc.detail}: {exc.errors}" if isinstance(exc, ActionError) else str(exc)
        row = quarantine(channel="sms", raw=body, origin="sms-webhook", error=reason)
        return Received("quarantined", f"Q{row.pk}")

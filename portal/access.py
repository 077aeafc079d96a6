"""Who the portal acts as, and the one-time codes that let a customer follow a complaint."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint
from notify.customer import notify_customer
from org.access import INTEGRATION, Principal
from org.models import OrgUnit
from portal.models import TrackingCode

CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
PORTAL_SCOPES = frozenset({"complaints:create", "complaints:read", "complaints:act"})


def portal_principal() -> Principal:
    """The portal acts like an integration on the head office: it may register anywhere and
    take only the customer's own actions (`INTEGRATION_ACTIONS`). `api_key_id=0` marks it as a
    channel, not a staff member, so `may_act` applies the integration limits."""
    root = OrgUnit.objects.filter(parent__isnull=True, active=True).order_by("pk").first()
    grants = ((INTEGRATION, root.path),) if root else ()
    return Principal(label="portal", api_key_id=0, grants=grants, scopes=PORTAL_SCOPES)


def _digest(number: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{number}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def send_code(number: str) -> None:
    """Send a fresh code to the contact on file when the complaint exists; do nothing visible
    otherwise (the caller answers the same either way)."""
    complaint = Complaint.objects.select_related("customer").filter(number=number).first()
    if complaint is None:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        TrackingCode.objects.filter(number=number, used=False).update(used=True)
        TrackingCode.objects.create(number=number, code_hash=_digest(number, code),
                                    created_at=now, expires_at=now + CODE_TTL)
        notify_customer(complaint, "portal_code",
                        zh=f"您查询投诉{number}的验证码为{code}，10分钟内有效。",
                        en=f"Your code to follow complaint {number} is {code}. "
                           f"It is valid for 10 minutes.",
                        key=secrets.token_hex(8))


def check_code(number: str, code: str) -> bool:
    """True once for the latest unexpired code of this number; counts every attempt."""
    with transaction.atomic():
        row = (TrackingCode.objects.select_for_update()
               .filter(number=number, used=False, expires_at__gt=timezone.now())
               .order_by("-pk").first())
        if row is None or row.attempts >= MAX_ATTEMPTS:
            return False
        ok = hmac.compare_digest(row.code_hash, _digest(number, code.strip()))
        row.attempts += 1
        row.used = ok
        row.save(update_fields=["attempts", "used"])
        return ok


def code_exhausted(number: str) -> bool:
    """True when the latest unexpired code of this number has had all its attempts."""
    return (TrackingCode.objects.filter(number=number, used=False, expires_at__gt=timezone.now())
            .order_by("-pk").values_list("attempts", flat=True).first() or 0) >= MAX_ATTEMPTS

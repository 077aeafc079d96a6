"""Writes the workspace makes besides lifecycle actions: an audited reveal of a customer's
identifiers. And what a refused form needs to know of the complaint's recent past."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from complaints import crypto
from complaints.audit import append_event
from complaints.errors import ActionError, Forbidden
from complaints.lifecycle import STAFF
from complaints.models import Complaint, Event
from complaints.selectors import access_complaint
from org.access import Principal


def reveal_customer(principal: Principal, number: str, purpose: str) -> dict[str, str]:
    """The customer's identifiers unmasked, for staff who act on the complaint. Every reveal is
    an event on the complaint's tamper-evident timeline (who, when, why); the version is not
    bumped because nothing the forms act on changed. The row is locked so the event chain
    cannot fork with a concurrent action. A reveal needs a purpose: the audit trail must say
    why, so without one nothing is revealed and nothing is recorded."""
    purpose = purpose.strip()
    with transaction.atomic():
        complaint = access_complaint(principal, number, for_update=True)
        if not principal.roles_on(complaint.unit.path) & STAFF:
            raise Forbidden("无权查看此客户信息 / You may not reveal this customer's details",
                            [("reveal", "无权执行此操作 / not permitted")], code="forbidden")
        if not purpose:
            raise ActionError("请填写查看目的 / Give the purpose of the reveal",
                              [("purpose", "必填 / required")],
                              code="purpose_required")
        customer = complaint.customer
        append_event(complaint, "reveal_customer", actor_label=principal.label,
                     actor_id=principal.user_id, at=timezone.now(),
                     payload={"fields": ["name", "phone", "email", "id_number"],
                              "purpose": purpose[:200]})
        complaint.save(update_fields=["last_event_seq", "last_event_hash", "updated_at"])
    return {"name": customer.name, "phone": customer.phone, "email": customer.email,
            "id_number": crypto.decrypt(customer.id_number_enc)}


RESENT_WITHIN = dt.timedelta(minutes=10)


def own_recent_act(complaint: Complaint, user_id: int | None, action: str,
                   now: dt.datetime) -> Event | None:
    """The complaint's latest event when it is the user's own `action`, taken within the last
    minutes: a form sent twice (a double click, a resend after a slow answer) is refused as
    stale by the version its own first sending moved on, and must not look like someone else's
    change to be submitted once more. Anything since (another user's act) is a real change."""
    if user_id is None:
        return None
    latest = complaint.events.order_by("-seq").first()
    if latest is None or latest.actor_id != user_id or latest.type != action:
        return None
    return latest if latest.at >= now - RESENT_WITHIN else None

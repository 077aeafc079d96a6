"""Moves the system makes by itself, each recorded on the timeline as the system's event."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from complaints.audit import append_event
from complaints.choices import State
from complaints.models import Complaint
from notify.staff import nearest_managers, tell_staff
from org.choices import StaffEvent

SYSTEM = "system"


def overdue_work_orders(now: dt.datetime) -> list[int]:
    """Work orders waiting to be claimed past their unit's time (few: only `assigned` ones)."""
    waiting = Complaint.objects.filter(state=State.ASSIGNED, assigned_at__lt=now).values_list(
        "pk", "assigned_at", "unit__claim_minutes")
    return [pk for pk, at, minutes in waiting
            if at is not None and at < now - dt.timedelta(minutes=minutes)]


def return_unclaimed(now: dt.datetime | None = None) -> int:
    """Send every work order not claimed within its unit's time back to the unit's managers:
    the handler is cleared, an event recorded and the managers told. The row is re-checked
    under the lock, so a claim that wins the race is never undone and nothing happens twice."""
    now = now or timezone.now()
    returned = 0
    for pk in overdue_work_orders(now):
        with transaction.atomic():
            c = Complaint.objects.select_for_update().select_related("unit").get(pk=pk)
            limit = dt.timedelta(minutes=c.unit.claim_minutes)
            if c.state != State.ASSIGNED or c.assigned_at is None or c.assigned_at >= now - limit:
                continue
            handler = c.handler.get_username() if c.handler else ""
            c.handler, c.assigned_at = None, None
            c.version += 1
            append_event(c, "return_unclaimed", actor_label=SYSTEM, actor_id=None, at=now,
                         payload={"handler": handler, "claim_minutes": c.unit.claim_minutes})
            c.save(update_fields=["handler", "assigned_at", "version", "last_event_seq",
                                  "last_event_hash", "updated_at"])
            tell_staff(unit=c.unit, event=StaffEvent.UNCLAIMED, key=f"{c.number}:{c.version}",
                       user_ids=nearest_managers(c.unit), complaint_id=c.pk,
                       text=f"工单超时未认领 Work order {c.number} was not claimed "
                            f"({handler or '—'}); please dispatch it again.")
            returned += 1
    return returned

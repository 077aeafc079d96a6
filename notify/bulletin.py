"""The daily work-order bulletin (每日工单通报) of each unit, for its managers and
consumer-protection officers."""

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from clocks import selectors as clock_reads
from clocks.models import Deadline
from complaints.lifecycle import END
from complaints.models import Complaint
from notify.staff import tell_staff, unit_managers
from org.choices import StaffEvent
from org.models import OrgUnit

DUE_SOON = dt.timedelta(days=3)


@dataclass(frozen=True)
class Counts:
    new: int  # registered in the 24 hours before the bulletin
    open: int
    due_soon: int  # an open deadline falls due within 3 days
    overdue: int  # an open deadline has passed
    major: int  # open and major


def unit_counts(unit: OrgUnit, now: dt.datetime) -> Counts:
    """Counts over the unit's subtree."""
    open_ = ~Q(state__in=[*END, "closed"])
    deadline = Deadline.objects.filter(complaint=OuterRef("pk"))
    row = Complaint.objects.filter(unit__path__startswith=unit.path).aggregate(
        new=Count("pk", filter=Q(registered_at__gte=now - dt.timedelta(days=1))),
        open=Count("pk", filter=open_),
        due_soon=Count("pk", filter=open_ & Q(Exists(deadline.filter(
            clock_reads.due_soon(now, DUE_SOON))))),
        overdue=Count("pk", filter=open_ & Q(Exists(deadline.filter(clock_reads.overdue(now))))),
        major=Count("pk", filter=open_ & Q(severity="major")),
    )
    return Counts(**row)


def send_bulletins(now: dt.datetime | None = None) -> int:
    """Queue today's bulletin for every active unit that has managers or subscriptions; a
    second run on the same day sends nothing new. Returns the number of units covered."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    sent = 0
    for unit in OrgUnit.objects.filter(active=True).order_by("path"):
        counts = unit_counts(unit, now)
        people = unit_managers(unit)
        text = (f"{day:%Y-%m-%d} 每日工单通报 {unit.name}: 新增 new {counts.new}, "
                f"在办 open {counts.open}, 即将到期 due soon {counts.due_soon}, "
                f"已超时 overdue {counts.overdue}, 重大 major {counts.major}")
        tell_staff(unit=unit, event=StaffEvent.BULLETIN, key=f"{unit.code}:{day}",
                   user_ids=people, text=text)
        sent += 1
    return sent


def counts_dict(unit: OrgUnit, now: dt.datetime) -> dict[str, int]:
    return asdict(unit_counts(unit, now))

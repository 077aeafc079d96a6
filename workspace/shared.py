"""What the workspace's pages share: who is asking, and complaints as table rows."""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest

from clocks.choices import DeadlineKind, DeadlineStatus
from clocks.models import Deadline
from complaints.selectors import list_summary
from org.access import Principal, staff_principal
from triage.pii import mask_name

DUE_SOON = dt.timedelta(days=3)


def principal_of(request: HttpRequest) -> Principal:
    principal = staff_principal(request.user)
    if principal is None:
        raise Http404
    return principal


SUMMARY_CHARS = 80


def table_rows(complaints: Any) -> list[dict[str, Any]]:
    """Table rows from a queryset made by for_listing(..., SUMMARY_CHARS)."""
    return [{"c": c, "customer": mask_name(c.customer.name),
             "summary": list_summary(c, SUMMARY_CHARS)} for c in complaints]


def with_deadline(condition: Q) -> Q:
    """Complaints with a deadline matching `condition` (a subquery, so rows are not repeated)."""
    return Q(Exists(Deadline.objects.filter(condition, complaint=OuterRef("pk"))))


def add_next_due(rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """Each row's most pressing duty deadline (a breached one first, else the next due), for
    the pages that watch deadlines (home, list, major board): one query for the page."""
    ids = [row["c"].pk for row in rows]
    pressing: dict[int, Deadline] = {}
    for d in (Deadline.objects.filter(complaint_id__in=ids, kind=DeadlineKind.DUTY,
                                      status__in=[DeadlineStatus.OPEN, DeadlineStatus.PAUSED,
                                                  DeadlineStatus.BREACHED])
              .order_by("due_at")):
        known = pressing.get(d.complaint_id)
        if known is None or (d.status == DeadlineStatus.BREACHED
                             and known.status != DeadlineStatus.BREACHED):
            pressing[d.complaint_id] = d
    for row in rows:
        due = pressing.get(row["c"].pk)
        row["due"] = None if due is None else {
            "at": due.due_at, "label": due.label, "soon": due.due_at - now < DUE_SOON,
            "paused": due.status == DeadlineStatus.PAUSED,
            "breached": due.status == DeadlineStatus.BREACHED or due.overdue(now)}

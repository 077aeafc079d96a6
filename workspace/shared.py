"""What the workspace's pages share: who is asking, and complaints as table rows."""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest

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

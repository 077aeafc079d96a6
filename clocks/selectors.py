"""Reads of deadlines that other apps filter on, so "overdue" means the same everywhere: a duty
past its due time and not fulfilled, whether the sweeper has marked it breached yet or not."""

import datetime as dt

from django.db.models import Q, QuerySet

from clocks.choices import DeadlineKind, DeadlineStatus
from clocks.models import Deadline
from org.access import Principal


def overdue(now: dt.datetime) -> Q:
    """Deadlines (a filter on Deadline) that are overdue at `now`."""
    return Q(kind=DeadlineKind.DUTY) & (
        Q(status=DeadlineStatus.OPEN, due_at__lt=now)
        | Q(status=DeadlineStatus.BREACHED, met_at__isnull=True)
    )


def due_soon(now: dt.datetime, within: dt.timedelta) -> Q:
    """Running duties falling due between `now` and `now + within`."""
    return Q(kind=DeadlineKind.DUTY, status=DeadlineStatus.OPEN, due_at__gte=now,
             due_at__lt=now + within)


def board(principal: Principal, now: dt.datetime, within: dt.timedelta) -> QuerySet[Deadline]:
    """The deadlines a member of staff must watch: overdue or due within `within`, on open
    complaints in their scope, soonest first."""
    from complaints.lifecycle import OPEN

    return (Deadline.objects.filter(overdue(now) | due_soon(now, within))
            .filter(principal.visibility("complaint__unit__path"), complaint__state__in=OPEN)
            .select_related("complaint", "complaint__unit", "complaint__handler")
            .order_by("due_at", "pk"))

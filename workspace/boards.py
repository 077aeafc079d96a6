"""The overviews: home (my work), the major complaints board and the dashboard."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks import packs
from clocks import selectors as clock_reads
from clocks.calendar import missing_schedule
from clocks.choices import DeadlineKind, DeadlineStatus
from clocks.models import Deadline
from complaints.choices import Severity, State
from complaints.lifecycle import END, OPEN
from complaints.models import Survey
from complaints.selectors import filter_complaints, for_listing
from triage.codes import DIMENSIONS
from workspace.forms import bilingual
from workspace.shared import (
    DUE_SOON,
    SUMMARY_CHARS,
    add_next_due,
    principal_of,
    table_rows,
    with_deadline,
)

# Each home section as list filters, so its "all" link opens the list filtered the same way.
SECTION_FILTERS = {"mine": "open=1&handler=me", "queue": "open=1&handler=none",
                   "due_soon": "open=1&due_soon=1", "overdue": "open=1&overdue=1",
                   "major": "open=1&severity=major"}
HOME_ROWS = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My work orders, my unit's queue, due soon, overdue and major, each with its count and a
    link to all of it on the list."""
    principal = principal_of(request)
    now = timezone.now()
    live = filter_complaints(principal).exclude(state__in=[*END, State.CLOSED])
    boxes = {
        "mine": (_("My work orders"), live.filter(handler_id=principal.user_id)),
        "queue": (_("My unit's queue"), live.filter(handler__isnull=True)),
        # Live from the deadlines, so a breach shows before the sweeper has marked it.
        "due_soon": (_("Due within 3 days"), live.filter(
            with_deadline(clock_reads.due_soon(now, DUE_SOON)))),
        "overdue": (_("Overdue"), live.filter(with_deadline(clock_reads.overdue(now)))),
        "major": (_("Major complaints"), live.filter(severity=Severity.MAJOR)),
    }
    sections, shown_rows = [], []
    for key, (title, queryset) in boxes.items():
        queryset = queryset.distinct().order_by("received_at", "id")
        rows = table_rows(for_listing(queryset, SUMMARY_CHARS)[:HOME_ROWS])
        shown_rows += rows
        sections.append({"key": key, "title": title, "count": queryset.count(), "rows": rows,
                         "more": f"{SECTION_FILTERS[key]}&sort=received"})
    add_next_due(shown_rows, now)
    return render(request, "workspace/home.html", {
        "sections": sections, "shown": HOME_ROWS,
        "missing_schedule": missing_schedule(packs.get().calendar, timezone.localdate())})


@login_required
def major_board(request: HttpRequest) -> HttpResponse:
    """Every open major complaint in the user's scope, oldest first, until it is closed."""
    principal = principal_of(request)
    queryset = (filter_complaints(principal, severity="major")
                .exclude(state__in=[*END, State.CLOSED]).order_by("received_at", "id"))
    page = Paginator(for_listing(queryset, SUMMARY_CHARS), 50).get_page(request.GET.get("page"))
    rows = table_rows(page.object_list)
    add_next_due(rows, timezone.now())
    return render(request, "workspace/major_board.html", {"page": page, "rows": rows})


def _category(code: str | None) -> str:
    """A business category for a chart: its code and name in the active language."""
    if not code:
        return str(_("Unclassified"))
    name = DIMENSIONS.get("business", {}).get(code)
    return f"{code} {bilingual(name)}" if name else code


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Charts over the user's scope: volume trend, category, unit, deadline compliance and
    satisfaction (the last 90 days)."""
    principal = principal_of(request)
    since = timezone.now() - dt.timedelta(days=90)
    scope = filter_complaints(principal, received_from=since).order_by()
    trend = (scope.annotate(day=TruncDate("received_at")).values("day")
             .annotate(n=Count("id")).order_by("day"))
    by_category = (scope.values("codes__business").annotate(n=Count("id")).order_by("-n")[:12])
    # By code: unit names repeat across branches (every branch has its 营业部).
    by_unit = (scope.values("unit__code", "unit__name").annotate(n=Count("id"))
               .order_by("-n", "unit__code")[:12])
    # The bank's own deadlines only: a customer's review window is not a duty (it expires).
    deadlines = (Deadline.objects.filter(complaint__in=scope.values("pk"),
                                         kind=DeadlineKind.DUTY)
                 .values("status").annotate(n=Count("id")).order_by("status"))
    surveys = (Survey.objects.filter(complaint__in=scope.values("pk")).values("score")
               .annotate(n=Count("id")).order_by("score"))
    data = {
        "trend": [[str(r["day"]), r["n"]] for r in trend],
        "category": [[_category(r["codes__business"]), r["n"]] for r in by_category],
        "unit": [[f"{r['unit__code']} {r['unit__name']}", r["n"]] for r in by_unit],
        "compliance": [[bilingual(DeadlineStatus(r["status"]).label)
                        if r["status"] in DeadlineStatus.values else r["status"], r["n"]]
                       for r in deadlines],
        "satisfaction": [[str(r["score"]), r["n"]] for r in surveys],
        "open": scope.filter(state__in=OPEN).count(),
    }
    return render(request, "workspace/dashboard.html",
                  {"data": data, "charts": chart_tables(data)})


def chart_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each chart's text alternative: its title, the headers of its two columns and the very
    rows the chart draws (the same lists, so the table cannot disagree with the chart)."""
    specs = [("trend", _("Volume trend"), _("Day received"), _("Complaints received")),
             ("category", _("By category"), _("Business category"), _("Complaints received")),
             ("unit", _("By unit"), _("Unit"), _("Complaints received")),
             ("compliance", _("Deadline compliance"), _("Status"), _("Deadlines")),
             ("satisfaction", _("Satisfaction"), _("Score"), _("Survey answers"))]
    return [{"key": key, "title": title, "label": label, "value": value, "rows": data[key]}
            for key, title, label, value in specs]


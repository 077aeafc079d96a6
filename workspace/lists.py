"""The complaint list: filters, search, sorting, pagination and bulk assign."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from clocks import selectors as clock_reads
from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.choices import Channel, Severity, State
from complaints.errors import ActionError
from complaints.lifecycle import END
from complaints.selectors import access_complaint, filter_complaints, for_listing
from org.access import Principal
from org.models import OrgUnit
from tousu.messages import validation_message
from workspace.forms import FIELD_LABELS, bilingual
from workspace.pickers import handlers, units
from workspace.search import search
from workspace.shared import (
    DUE_SOON,
    SUMMARY_CHARS,
    add_next_due,
    principal_of,
    table_rows,
    with_deadline,
)

SORTS = {"received": ("received_at", "id"), "-received": ("-received_at", "-id"),
         "number": ("number",), "-number": ("-number",), "state": ("state", "-received_at"),
         "severity": ("-severity", "-received_at")}


NO_UNIT_PATH = "//"  # no unit's path (they are "/HO/BJ/"): an unknown unit code lists nothing


def _list_filters(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """The list's filters from the query string, and a message for each one that is not valid
    (that filter is then left out; the others still apply)."""
    get = _without_nul(request.GET)
    errors: list[str] = []

    def choice(name: str, values: list[str], label: str) -> str:
        value = get.get(name, "")
        if value and value not in values:
            errors.append(_("Unknown %(filter)s: %(value)s") % {"filter": label,
                                                                 "value": value[:40]})
            return ""
        return value

    def date(name: str, label: str) -> dt.date | None:
        value = get.get(name, "") or ""
        try:
            parsed = parse_date(value) if value else None
        except ValueError:
            parsed = None
        if value and parsed is None:
            errors.append(_("%(filter)s is not a date (YYYY-MM-DD): %(value)s")
                          % {"filter": label, "value": value[:40]})
        return parsed

    # Any unit by its code, a deactivated one too (its open complaints are what a manager must
    # find and move); the scope still applies. An unknown code lists nothing, not everything.
    code = get.get("unit", "")[:32]
    unit = OrgUnit.objects.filter(code=code).first() if code else None
    if get.get("unit") and unit is None:
        errors.append(_("Unknown %(filter)s: %(value)s") % {"filter": _("Unit code"),
                                                             "value": get["unit"][:40]})
    unit_path = unit.path if unit else (NO_UNIT_PATH if get.get("unit") else "")
    start, end = date("from", _("Received from")), date("to", _("Received to"))
    if start and end and end < start:
        errors.append(_("%(to)s is before %(from)s") % {"to": _("Received to"),
                                                        "from": _("Received from")})
        start = end = None
    tz = timezone.get_current_timezone()
    found = {
        "state": choice("state", State.values, _("State")),
        "unit_path": unit_path,
        "severity": choice("severity", Severity.values, _("Severity")),
        "channel": choice("channel", Channel.values, _("Channel")),
        "code": get.get("code", "")[:32],
        "received_from": dt.datetime.combine(start, dt.time(), tz) if start else None,
        "received_to": (dt.datetime.combine(end, dt.time(), tz) + dt.timedelta(days=1)
                        if end else None),
        "overdue": True if get.get("overdue") == "1" else None,
    }
    choice("handler", ["me", "none"], _("Handler"))
    for flag, label in (("open", _("Open only (not closed or ended)")),
                        ("due_soon", _("Due within 3 days")), ("overdue", _("Overdue"))):
        choice(flag, ["1"], label)  # a checkbox: "1" or absent, anything else is named
    return found, errors


def _without_nul(get: QueryDict) -> QueryDict:
    """The query string without NUL characters: PostgreSQL refuses them in any text compared
    (an error, not an empty list), and no code, unit or state holds one."""
    if not any("\x00" in value for _key, values in get.lists() for value in values):
        return get
    clean = QueryDict(mutable=True)
    for key, values in get.lists():
        clean.setlist(key, [value.replace("\x00", "") for value in values])
    return clean


def _narrow(queryset: Any, principal: Principal, get: QueryDict) -> Any:
    """The list's filters that mirror the home sections: whose work order, still open, due
    soon."""
    if get.get("handler") == "me":
        queryset = queryset.filter(handler_id=principal.user_id)
    elif get.get("handler") == "none":
        queryset = queryset.filter(handler__isnull=True)
    if get.get("open") == "1":
        queryset = queryset.exclude(state__in=[*END, State.CLOSED])
    if get.get("due_soon") == "1":
        queryset = queryset.filter(with_deadline(clock_reads.due_soon(timezone.now(), DUE_SOON)))
    return queryset


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    filters, errors = _list_filters(request)
    queryset = _narrow(filter_complaints(principal, **filters), principal, request.GET)
    query = request.GET.get("q", "").strip()[:200]
    queryset = search(queryset, query)
    sort = request.GET.get("sort", "-received")
    queryset = for_listing(queryset.order_by(*SORTS.get(sort, SORTS["-received"])),
                           SUMMARY_CHARS)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    rows = table_rows(page.object_list)
    add_next_due(rows, timezone.now())
    return render(request, "workspace/complaint_list.html", {
        "page": page, "rows": rows, "query": query, "sort": sort,
        "filter_errors": errors,
        "handlers": [("me", _("My work orders")), ("none", _("Not yet claimed"))],
        "f": request.GET, "params": params.urlencode(),
        "states": [(v, bilingual(lb)) for v, lb in State.choices],
        "severities": [(v, bilingual(lb)) for v, lb in Severity.choices],
        "channels": [(v, bilingual(lb)) for v, lb in Channel.choices],
        "units": units(principal), "handlers_offered": handlers(principal),
        "sorts": [("-received", _("Newest first")), ("received", _("Oldest first")),
                  ("number", _("Number")), ("state", _("State")), ("severity", _("Severity"))],
    })


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign each selected complaint through the `assign` action; report each failure."""
    principal = principal_of(request)
    done = 0
    numbers = request.POST.getlist("numbers")[:200]
    if not numbers:
        messages.error(request, _("Select the complaints to assign: none was selected."))
    for number in numbers:
        try:
            c = access_complaint(principal, number)
            params = ACTION_SCHEMAS["assign"].model_validate({
                "version": c.version, "unit": request.POST.get("unit", ""),
                "handler": request.POST.get("handler", ""),
                "reason": request.POST.get("reason", "")})
            run_action(principal, number, "assign", params)
            done += 1
        except ActionError as exc:
            problems = [m for _f, m in exc.errors] or [exc.detail]
            messages.error(request, f"{number}: {'; '.join(problems)}")
        except ValidationError as exc:
            messages.error(request, f"{number}: {'; '.join(_field_errors(exc))}")
    if done:
        text = ngettext("%(n)d complaint assigned.", "%(n)d complaints assigned.", done)
        messages.success(request, text % {"n": done})
    return redirect(f"{request.path.replace('bulk-assign/', '')}?{request.GET.urlencode()}")


def _field_errors(exc: ValidationError) -> list[str]:
    """A schema's errors as "field label: message", in the page's language."""
    return [f"{FIELD_LABELS.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else ''}: "
            f"{validation_message(dict(e))}" for e in exc.errors()]

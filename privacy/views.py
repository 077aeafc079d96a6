"""The auditor's page: who revealed which customer's details and why, which reports and
customer data left the system, and whether complaints' event chains still verify — for the units
where the user is an auditor or consumer-protection officer."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from complaints.audit import anchored_heads, cutover_event_id, first_broken_link
from complaints.models import Complaint, Event
from org.access import Principal, staff_principal
from org.choices import Role
from org.models import ApiKey
from privacy.models import AccessKind, AccessLog

AUDIT_ROLES = frozenset({Role.AUDITOR, Role.CONSUMER_PROTECTION})
PAGE_SIZE = 50
VERIFY_LIMIT = 2000  # the most recent chains checked from the page; verify_audit checks all


def audit_paths(principal: Principal | None) -> tuple[str, ...]:
    """The unit paths on which the principal audits (empty: no audit role)."""
    if principal is None or principal.api_key_id is not None:
        return ()
    return tuple(path for role, path in principal.grants if role in AUDIT_ROLES)


def _within(paths: tuple[str, ...], field: str) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def _keys_within(paths: tuple[str, ...]) -> Q:
    """The exports by the integration keys of these units (a key has no user: its rows carry
    its label, `key:<name>`, and key names are unique)."""
    names = ApiKey.objects.filter(_within(paths, "unit__path")).values_list("name", flat=True)
    return Q(actor__isnull=True, actor_label__in=[f"key:{name}" for name in names])


def _log_within(paths: tuple[str, ...]) -> Q:
    """The access log rows of actors who held roles within these units when they acted (older
    rows, which do not say: by the actors' roles now)."""
    recorded = Q(pk__in=[])
    for path in paths:
        recorded |= Q(unit_paths__contains=f" {path}")
    return recorded | (Q(unit_paths="") & (_within(paths, "actor__grants__unit__path")
                                           | _keys_within(paths)))


def _dates(request: HttpRequest) -> tuple[dt.date | None, dt.date | None, list[str]]:
    errors, found = [], []
    for name in ("from", "to"):
        raw = request.GET.get(name, "").strip()
        try:
            value = parse_date(raw) if raw else None
        except ValueError:  # well formed but no such day: 2026-02-30
            value = None
        if raw and value is None:
            errors.append(_("%(field)s: not a date (YYYY-MM-DD)") % {"field": name})
        found.append(value)
    return found[0], found[1], errors


def _by_date(queryset: QuerySet[Any], start: dt.date | None, end: dt.date | None) -> QuerySet[Any]:
    if start:
        queryset = queryset.filter(at__date__gte=start)
    if end:
        queryset = queryset.filter(at__date__lte=end)
    return queryset


def check_chains(paths: tuple[str, ...], number: str) -> dict[str, Any]:
    """Verify one complaint's chain (by number) or the VERIFY_LIMIT most recent in scope."""
    complaints = Complaint.objects.filter(_within(paths, "unit__path"))
    if number:
        # In no number; PostgreSQL refuses to compare text holding a NUL (a 500).
        complaint = None if "\x00" in number else complaints.filter(number=number).first()
        if complaint is None:
            return {"number": number, "checked": 0, "broken": [],
                    "error": _("No such complaint in your audit scope")}
        return {"number": number, "checked": 1, "broken": [p for p in [first_broken_link(complaint)]
                                                          if p]}
    recent = list(complaints.order_by("-pk")[:VERIFY_LIMIT])
    cutover, heads = cutover_event_id(), anchored_heads(c.pk for c in recent)
    broken = [p for c in recent if (p := first_broken_link(c, cutover, heads))]
    return {"number": "", "checked": len(recent), "broken": broken,
            "total": complaints.count(), "limit": VERIFY_LIMIT}


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    paths = audit_paths(staff_principal(request.user))
    if not paths:
        raise PermissionDenied(_("Only auditors and consumer-protection officers see the audit "
                                 "page."))
    start, end, errors = _dates(request)
    kind = request.GET.get("kind", "")
    if kind and kind not in AccessKind.values:
        errors.append(_("kind: unknown access kind"))
        kind = ""
    reveals = _by_date(Event.objects.filter(_within(paths, "complaint__unit__path"),
                                            type="reveal_customer"), start, end)
    log = _by_date(AccessLog.objects.filter(_log_within(paths)), start, end)
    if kind:
        log = log.filter(kind=kind)
    chains = None
    if "verify" in request.GET:
        chains = check_chains(paths, request.GET.get("number", "").strip())
    return render(request, "privacy/audit.html", {
        "reveals": Paginator(reveals.select_related("complaint").order_by("-at", "-pk"),
                             PAGE_SIZE).get_page(request.GET.get("rpage")),
        "log": Paginator(log.distinct().order_by("-at", "-pk"), PAGE_SIZE)
        .get_page(request.GET.get("page")),
        "kinds": AccessKind.choices, "kind": kind, "errors": errors, "chains": chains,
        "start": request.GET.get("from", ""), "end": request.GET.get("to", ""),
    })

"""The staff workspace: home, the complaint list (filters, search, sorting, bulk assign), a
complaint with a form for every action allowed now, and the dashboard. Every read goes through
`complaints.selectors`, every write through `run_action` (or `workspace.actions`)."""

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from clocks import packs
from clocks import selectors as clock_reads
from clocks import service as clock_service
from clocks.calendar import missing_schedule
from clocks.choices import DeadlineKind, DeadlineStatus
from clocks.models import Deadline
from complaints import crypto
from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.choices import Channel, Severity, State
from complaints.errors import ActionError, Conflict, Forbidden, NotFound
from complaints.lifecycle import END, OPEN, STAFF
from complaints.models import Complaint, Survey
from complaints.selectors import (
    access_complaint,
    allowed_actions,
    filter_complaints,
    for_listing,
    list_summary,
    may_act,
    on_higher_unit,
)
from org.access import Principal, staff_principal
from org.models import OrgUnit
from tousu.messages import validation_message
from triage.actions import decide_suggestion
from triage.codes import DIMENSIONS
from triage.models import SuggestionStatus
from triage.pii import mask_email, mask_id, mask_name, mask_phone, mask_text
from triage.service import triage_out
from triage.similar import similar_cases
from workspace.actions import reveal_customer
from workspace.forms import ACTION_LABELS, FIELD_LABELS, ActionForm, action_form, bilingual
from workspace.pickers import handlers, suggestions, units
from workspace.search import search

SORTS = {"received": ("received_at", "id"), "-received": ("-received_at", "-id"),
         "number": ("number",), "-number": ("-number",), "state": ("state", "-received_at"),
         "severity": ("-severity", "-received_at")}
DUE_SOON = dt.timedelta(days=3)


def _principal(request: HttpRequest) -> Principal:
    principal = staff_principal(request.user)
    if principal is None:
        raise Http404
    return principal


SUMMARY_CHARS = 80


def _rows(complaints: Any) -> list[dict[str, Any]]:
    """Table rows from a queryset made by for_listing(..., SUMMARY_CHARS)."""
    return [{"c": c, "customer": mask_name(c.customer.name),
             "summary": list_summary(c, SUMMARY_CHARS)} for c in complaints]


def _deadlines(condition: Q) -> Q:
    return Q(Exists(Deadline.objects.filter(condition, complaint=OuterRef("pk"))))


# Each home section as list filters, so its "all" link opens the list filtered the same way.
SECTION_FILTERS = {"mine": "open=1&handler=me", "queue": "open=1&handler=none",
                   "due_soon": "open=1&due_soon=1", "overdue": "open=1&overdue=1",
                   "major": "open=1&severity=major"}
HOME_ROWS = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My work orders, my unit's queue, due soon, overdue and major, each with its count and a
    link to all of it on the list."""
    principal = _principal(request)
    now = timezone.now()
    live = filter_complaints(principal).exclude(state__in=[*END, State.CLOSED])
    boxes = {
        "mine": (_("My work orders"), live.filter(handler_id=principal.user_id)),
        "queue": (_("My unit's queue"), live.filter(handler__isnull=True)),
        # Live from the deadlines, so a breach shows before the sweeper has marked it.
        "due_soon": (_("Due within 3 days"), live.filter(
            _deadlines(clock_reads.due_soon(now, DUE_SOON)))),
        "overdue": (_("Overdue"), live.filter(_deadlines(clock_reads.overdue(now)))),
        "major": (_("Major complaints"), live.filter(severity=Severity.MAJOR)),
    }
    sections = []
    for key, (title, queryset) in boxes.items():
        queryset = queryset.distinct().order_by("received_at", "id")
        sections.append({"key": key, "title": title, "count": queryset.count(),
                         "rows": _rows(for_listing(queryset, SUMMARY_CHARS)[:HOME_ROWS]),
                         "more": f"{SECTION_FILTERS[key]}&sort=received"})
    return render(request, "workspace/home.html", {
        "sections": sections, "shown": HOME_ROWS,
        "missing_schedule": missing_schedule(packs.get().calendar, timezone.localdate())})


NO_UNIT_PATH = "//"  # no unit's path (they are "/HO/BJ/"): an unknown unit code lists nothing


def _list_filters(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """The list's filters from the query string, and a message for each one that is not valid
    (that filter is then left out; the others still apply)."""
    get = request.GET
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
    return found, errors


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
        queryset = queryset.filter(_deadlines(clock_reads.due_soon(timezone.now(), DUE_SOON)))
    return queryset


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
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
    return render(request, "workspace/complaint_list.html", {
        "page": page, "rows": _rows(page.object_list), "query": query, "sort": sort,
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
    principal = _principal(request)
    done = 0
    for number in request.POST.getlist("numbers")[:200]:
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
    messages.success(request, _("%(n)d complaints assigned.") % {"n": done})
    return redirect(f"{request.path.replace('bulk-assign/', '')}?{request.GET.urlencode()}")


def _field_errors(exc: ValidationError) -> list[str]:
    """A schema's errors as "field label: message", in the page's language."""
    return [f"{FIELD_LABELS.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else ''}: "
            f"{validation_message(dict(e))}" for e in exc.errors()]


def _offered(principal: Principal, complaint: Complaint) -> list[str]:
    """The allowed actions less those the action would refuse now: resuming a clock that is
    not paused, pausing or extending when no duty clock is running, deciding a review from the
    complaint's own unit."""
    found = allowed_actions(principal, complaint)
    statuses = {d.status for d in complaint.deadlines.all() if d.kind == DeadlineKind.DUTY}
    if "resume" in found and DeadlineStatus.PAUSED not in statuses:
        found.remove("resume")
    if "pause" in found and DeadlineStatus.OPEN not in statuses:
        found.remove("pause")
    if "extend" in found and not statuses & {DeadlineStatus.OPEN, DeadlineStatus.PAUSED}:
        found.remove("extend")
    if "decide_review" in found and not on_higher_unit(principal, complaint):
        found.remove("decide_review")
    return found


def _masked(customer: Any) -> dict[str, str]:
    return {"name": mask_name(customer.name), "phone": mask_phone(customer.phone),
            "email": mask_email(customer.email),
            "id_number": mask_id(crypto.decrypt(customer.id_number_enc))}


def _detail_context(principal: Principal, complaint: Complaint,
                    bound: ActionForm | None = None) -> dict[str, Any]:
    now = timezone.now()
    customer = complaint.customer
    forms = [(bound if bound is not None and bound.action == a
              else action_form(a, complaint.version)).offer(suggestions(principal, complaint, a))
             for a in _offered(principal, complaint)]
    deadlines = [{"d": d, "overdue": d.overdue(now),
                  "due": f"{clock_service.local_due(d):%Y-%m-%d %H:%M %Z}"}
                 for d in complaint.deadlines.all()]
    return {
        "c": complaint, "forms": forms, "deadlines": deadlines,
        # Identifiers in the customer's words are masked like the customer card; the audited
        # reveal shows them in full.
        "content": mask_text(complaint.content), "claim": mask_text(complaint.claim),
        "may_write": principal.api_key_id is None and may_act(principal, complaint, "contact"),
        "state_label": bilingual(complaint.get_state_display()),
        "severity_label": bilingual(complaint.get_severity_display()),
        "customer": _masked(customer),
        "events": [{"e": e, "label": ACTION_LABELS.get(e.type, e.type),
                    "state": bilingual(State(e.state_after).label)
                    if e.state_after in State.values else e.state_after}
                   for e in complaint.events.order_by("seq")],
        "attachments": complaint.attachments.order_by("uploaded_at"),
        "contacts": complaint.contacts.order_by("at"),
        "visits": complaint.visits.order_by("proposed_at"),
        "may_reveal": bool(principal.roles_on(complaint.unit.path) - {"auditor"}),
        "triage": _triage_panel(principal, complaint),
    }


DIMENSION_LABELS = {"business": _lazy("Business category"), "cause": _lazy("Cause"),
                    "channel": _lazy("Channel")}


def _triage_panel(principal: Principal, complaint: Complaint) -> dict[str, Any]:
    """What triage suggested, for the page: each classifier's top options with their
    confidence, and the choices staff may override with (the options, then every installation
    code of the dimension). Who may decide is checked again by `decide_suggestion`."""
    found = triage_out(complaint)
    codes = []
    for s in found.codes:
        choices = [(f"label:{o.label}", bilingual(o.name or o.label)
                    + (f" ({o.code})" if o.code else "")) for o in s.options]
        choices += [(f"code:{code}", f"{code} {bilingual(name)}")
                    for code, name in DIMENSIONS.get(s.dimension, {}).items()]
        codes.append({
            "s": s, "title": DIMENSION_LABELS.get(s.dimension, s.head),
            "status": bilingual(SuggestionStatus(s.status).label)
            if s.status in SuggestionStatus.values else s.status,
            "options": [{"o": o, "percent": round(o.confidence * 100)} for o in s.options],
            "choices": choices, "pending": s.status == SuggestionStatus.PENDING,
        })
    return {
        "codes": codes, "duplicates": found.duplicates, "pii": found.pii,
        "classification": [(dimension, DIMENSION_LABELS.get(dimension, dimension), code,
                            bilingual(DIMENSIONS.get(dimension, {}).get(code, "")))
                           for dimension, code in complaint.codes.items()],
        "may_decide": complaint.state in OPEN and principal.api_key_id is None
        and bool(principal.roles_on(complaint.unit.path) & STAFF),
    }


def _get(principal: Principal, number: str) -> Complaint:
    try:
        return access_complaint(principal, number)
    except NotFound:
        raise Http404 from None


@login_required
def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    principal = _principal(request)
    complaint = _get(principal, number)
    return render(request, "workspace/complaint_detail.html",
                  _detail_context(principal, complaint))


@login_required
@require_POST
def complaint_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Validate the action's form with its schema and run it; on an error the page comes back
    with the form open and the error under its field (409 when the complaint moved on)."""
    principal = _principal(request)
    complaint = _get(principal, number)
    if action not in ACTION_SCHEMAS:
        raise Http404
    form = action_form(action, complaint.version, request.POST, request.FILES)
    status, stale, action_error = 422, False, ""
    params = form.to_params() if form.is_valid() else None
    if params is not None:
        try:
            run_action(principal, number, action, params)
            messages.success(request, _("Done: %(action)s") % {"action": ACTION_LABELS[action]})
            return redirect("workspace:complaint_detail", number=number)
        except ActionError as exc:
            # Only a stale version is "someone changed it"; other conflicts (a state that no
            # longer allows the action, an approval still needed) say what they are.
            stale = isinstance(exc, Conflict) and exc.code == "stale_version"
            status = exc.status
            if stale:  # the form comes back with what was typed, at the version now current
                form = _at_current_version(form, _get(principal, number).version)
            for field, message in exc.errors:
                form.add_error(field if field in form.fields and field != "version" else None,
                               message)
            if not exc.errors:
                form.add_error(None, exc.detail)
            if not stale:  # also above the page: the form may not be offered any more
                action_error = "; ".join(m for _f, m in exc.errors) or exc.detail
    context = _detail_context(principal, _get(principal, number), bound=form)
    context.update({"stale": stale, "failed": action, "action_error": action_error})
    return render(request, "workspace/complaint_detail.html", context, status=status)


def _at_current_version(form: ActionForm, version: int) -> ActionForm:
    """The same input bound again with the complaint's current version, so that submitting the
    page again after a 409 does not send the stale version a second time."""
    data = cast(QueryDict, form.data).copy()  # request.POST: a mutable copy, lists kept
    data[form.add_prefix("version")] = str(version)
    fresh = action_form(form.action, version, data, form.files)
    fresh.is_valid()
    return fresh


@login_required
@require_POST
def decide(request: HttpRequest, number: str, head: str) -> HttpResponse:
    """Accept a triage suggestion (no choice sent) or override it with a chosen label or code,
    through `triage.actions.decide_suggestion`, which checks scope, role, state and version and
    writes the `classify` event."""
    principal = _principal(request)
    _get(principal, number)
    choice = "" if request.POST.get("accept") else request.POST.get("choice", "")
    kind, _sep, value = choice.partition(":")
    if not request.POST.get("accept") and (kind not in ("label", "code") or not value.strip()):
        # Neither an acceptance nor one of the offered choices: refused, never taken as an
        # acceptance of the model's best option.
        context = _detail_context(principal, _get(principal, number))
        context["triage_error"] = _("Choose one of the offered classifications (%(choice)s is "
                                    "not one).") % {"choice": choice[:40] or "—"}
        return render(request, "workspace/complaint_detail.html", context, status=422)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        decide_suggestion(principal, number, version=version, head=head[:32],
                          label=value[:200] if kind == "label" else "",
                          code=value[:16] if kind == "code" else "")
    except ActionError as exc:
        context = _detail_context(principal, _get(principal, number))
        context.update({"stale": isinstance(exc, Conflict) and exc.code == "stale_version",
                        "triage_error": "; ".join(m for _f, m in exc.errors) or exc.detail})
        return render(request, "workspace/complaint_detail.html", context, status=exc.status)
    messages.success(request, _("Classification saved."))
    return redirect("workspace:complaint_detail", number=number)


@login_required
def similar(request: HttpRequest, number: str) -> HttpResponse:
    """Similar resolved cases in the user's scope (loaded into the complaint page on demand:
    the first lookup of a process builds its index)."""
    principal = _principal(request)
    complaint = _get(principal, number)
    return render(request, "workspace/_similar.html",
                  {"cases": similar_cases(principal, complaint)})


@login_required
@require_POST
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's details and the complaint's words in full, for a stated purpose (audited);
    without a purpose the form comes back with the error and nothing is revealed."""
    principal = _principal(request)
    try:
        revealed = reveal_customer(principal, number, request.POST.get("purpose", ""))
    except NotFound:
        raise Http404 from None
    except Forbidden:
        return HttpResponse(status=403)
    except ActionError:
        complaint = _get(principal, number)
        # htmx swaps only 2xx answers: it gets the card back with the error under the field.
        return render(request, "workspace/_customer_slot.html",
                      {"c": complaint, "customer": _masked(complaint.customer),
                       "may_reveal": True, "purpose_error": True},
                      status=200 if request.headers.get("HX-Request") else 422)
    complaint = _get(principal, number)
    return render(request, "workspace/_customer_revealed.html",
                  {"customer": revealed, "c": complaint})


@login_required
def evidence(request: HttpRequest, number: str, pk: int) -> FileResponse:
    principal = _principal(request)
    complaint = _get(principal, number)
    attachment = complaint.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=not attachment.content_type.startswith("image/"),
                            filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


@login_required
def major_board(request: HttpRequest) -> HttpResponse:
    """Every open major complaint in the user's scope, oldest first, until it is closed."""
    principal = _principal(request)
    queryset = (filter_complaints(principal, severity="major")
                .exclude(state__in=[*END, State.CLOSED]).order_by("received_at", "id"))
    page = Paginator(for_listing(queryset, SUMMARY_CHARS), 50).get_page(request.GET.get("page"))
    rows = _rows(page.object_list)
    _add_next_due(rows, timezone.now())
    return render(request, "workspace/major_board.html", {"page": page, "rows": rows})


def _add_next_due(rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """Each row's most pressing duty deadline (a breached one first, else the next due), for
    boards that oversee complaints until they close: one query for the page."""
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
            "at": due.due_at, "label": due.label, "soon": due.due_at - now < dt.timedelta(days=3),
            "breached": due.status == DeadlineStatus.BREACHED or due.overdue(now)}


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
    principal = _principal(request)
    since = timezone.now() - dt.timedelta(days=90)
    scope = filter_complaints(principal, received_from=since).order_by()
    trend = (scope.annotate(day=TruncDate("received_at")).values("day")
             .annotate(n=Count("id")).order_by("day"))
    by_category = (scope.values("codes__business").annotate(n=Count("id")).order_by("-n")[:12])
    by_unit = scope.values("unit__name").annotate(n=Count("id")).order_by("-n")[:12]
    # The bank's own deadlines only: a customer's review window is not a duty (it expires).
    deadlines = (Deadline.objects.filter(complaint__in=scope.values("pk"),
                                         kind=DeadlineKind.DUTY)
                 .values("status").annotate(n=Count("id")).order_by("status"))
    surveys = (Survey.objects.filter(complaint__in=scope.values("pk")).values("score")
               .annotate(n=Count("id")).order_by("score"))
    data = {
        "trend": [[str(r["day"]), r["n"]] for r in trend],
        "category": [[_category(r["codes__business"]), r["n"]] for r in by_category],
        "unit": [[r["unit__name"], r["n"]] for r in by_unit],
        "compliance": [[bilingual(DeadlineStatus(r["status"]).label)
                        if r["status"] in DeadlineStatus.values else r["status"], r["n"]]
                       for r in deadlines],
        "satisfaction": [[str(r["score"]), r["n"]] for r in surveys],
        "open": scope.filter(state__in=OPEN).count(),
    }
    return render(request, "workspace/dashboard.html", {"data": data})

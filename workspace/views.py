"""The staff workspace's complaint page: a complaint with a form for every action allowed now,
its triage panel, similar cases, the audited reveal and evidence (home and boards:
`workspace.boards`; the list: `workspace.lists`). Every read goes through
`complaints.selectors`, every write through `run_action` (or `workspace.actions`)."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clocks import service as clock_service
from complaints import crypto
from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.choices import State
from complaints.errors import ActionError, Conflict, Forbidden, NotFound
from complaints.lifecycle import OPEN, STAFF
from complaints.models import Complaint
from complaints.selectors import access_complaint, allowed_actions, may_act
from org.access import Principal
from privacy.actions import log_access
from privacy.models import AccessKind
from triage.actions import decide_suggestion
from triage.codes import DIMENSIONS
from triage.models import SuggestionStatus
from triage.pii import mask_email, mask_id, mask_name, mask_phone, mask_text
from triage.service import triage_out
from triage.similar import similar_cases
from workspace.actions import own_recent_act, reveal_customer
from workspace.forms import ACTION_LABELS, ActionForm, action_form, bilingual
from workspace.pickers import accepted_choices, suggestions
from workspace.shared import principal_of


def _masked(customer: Any) -> dict[str, str]:
    return {"name": mask_name(customer.name), "phone": mask_phone(customer.phone),
            "email": mask_email(customer.email),
            "id_number": mask_id(crypto.decrypt(customer.id_number_enc))}


def _detail_context(principal: Principal, complaint: Complaint,
                    bound: ActionForm | None = None) -> dict[str, Any]:
    now = timezone.now()
    customer = complaint.customer
    clocks = list(complaint.deadlines.all())
    forms = [(bound if bound is not None and bound.action == a
              else action_form(a, complaint.version)).offer(suggestions(principal, complaint, a))
             .accept_only(accepted_choices(complaint, a))
             for a in allowed_actions(principal, complaint, clocks)]
    deadlines = [{"d": d, "overdue": d.overdue(now),
                  "due": f"{clock_service.local_due(d):%Y-%m-%d %H:%M %Z}"}
                 for d in clocks]
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
        "awaiting": _awaiting_approval(complaint),
    }


def _awaiting_approval(complaint: Complaint) -> dict[str, Any] | None:
    """Whose approval the proposal waiting for one needs (a manager of the unit, or of the unit
    above past its senior limit), so that a manager not offered "approve" knows why."""
    if complaint.state != State.AWAITING_APPROVAL:
        return None
    pending = (complaint.resolutions.filter(approved_at__isnull=True, returned_reason="")
               .order_by("-pk").first())
    if pending is None:
        return None
    unit = complaint.unit
    if pending.approval_level == "above" and unit.parent is not None:
        unit = unit.parent
    return {"unit": f"{unit.name} ({unit.code})", "proposed_by": pending.proposed_by}


DIMENSION_LABELS = {"business": gettext_lazy("Business category"), "cause": gettext_lazy("Cause"),
                    "channel": gettext_lazy("Channel")}


def _triage_panel(principal: Principal, complaint: Complaint) -> dict[str, Any]:
    """What triage suggested, for the page: each classifier's top options with their
    confidence, and the choices staff may override with (the options, then every installation
    code of the dimension). Who may decide is checked again by `decide_suggestion`."""
    found = triage_out(complaint, principal=principal)
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
    principal = principal_of(request)
    complaint = _get(principal, number)
    return render(request, "workspace/complaint_detail.html",
                  _detail_context(principal, complaint))


@login_required
@require_POST
def complaint_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Validate the action's form with its schema and run it; on an error the page comes back
    with the form open and the error under its field (409 when the complaint moved on)."""
    principal = principal_of(request)
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
    complaint = _get(principal, number)
    context = _detail_context(principal, complaint, bound=form)
    context.update({"stale": stale, "failed": action,
                    "action_error": action_error or _unshown_errors(form, context["forms"]),
                    "already": _sent_before(principal, complaint, form) if stale else None})
    return render(request, "workspace/complaint_detail.html", context, status=status)


def _sent_before(principal: Principal, complaint: Complaint,
                 form: ActionForm) -> dict[str, str] | None:
    """When a stale form is the second sending of the user's own act: what and when."""
    done = own_recent_act(complaint, principal.user_id, form.action, timezone.now())
    if done is None:
        return None
    return {"action": str(form.title), "at": f"{timezone.localtime(done.at):%H:%M:%S}"}


def _unshown_errors(form: ActionForm, offered: list[ActionForm]) -> str:
    """What the page would not show of a refused form: all of it when the form is no longer
    offered (the complaint moved on meanwhile, or the action is not the user's), and the errors
    of its hidden version field."""
    if any(f is form for f in offered):
        errors = {name: found for name, found in form.errors.items() if name == "version"}
        lead = ""
    else:
        errors = dict(form.errors)
        lead = _("%(action)s is not open to you in this state; nothing was saved.") % {
            "action": form.title}
    named = [f"{_field_label(form, name)}{' '.join(str(m) for m in found)}"
             for name, found in errors.items()]
    return " ".join(part for part in [lead, "; ".join(named)] if part)


def _field_label(form: ActionForm, name: str) -> str:
    if name not in form.fields:  # errors of the whole form
        return ""
    return f"{form.fields[name].label or _('Version')}: "


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
    principal = principal_of(request)
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
    principal = principal_of(request)
    complaint = _get(principal, number)
    return render(request, "workspace/_similar.html",
                  {"cases": similar_cases(principal, complaint)})


@login_required
@require_POST
@never_cache  # the customer's identifiers in full: never kept by a browser or a proxy
def reveal(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's details and the complaint's words in full, for a stated purpose (audited);
    without a purpose the form comes back with the error and nothing is revealed."""
    principal = principal_of(request)
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
    principal = principal_of(request)
    complaint = _get(principal, number)
    attachment = complaint.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    # A customer's file leaving the system, as a report or a data export does: on the audit page.
    log_access(principal, AccessKind.EVIDENCE_DOWNLOAD, channel="web",
               target=f"{complaint.number}: {attachment.name}"[:300],
               detail={"complaints": [complaint.number], "attachment": attachment.pk,
                       "sha256": attachment.sha256})
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=not attachment.content_type.startswith("image/"),
                            filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


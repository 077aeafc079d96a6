"""The customer portal: file a complaint, follow it with a one-time code, and take the customer's
own actions. No staff login: the portal acts as `portal_principal()`, and a browser session may
see only the complaints whose code it verified."""

import base64
import hashlib
import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import register_complaint, run_action
from complaints.choices import State
from complaints.errors import ActionError
from complaints.lifecycle import END
from complaints.models import Complaint, Event, Visit
from complaints.schemas import ComplaintIn
from complaints.selectors import review_requestable
from portal import forms as pf
from portal.access import check_code, portal_principal, send_code
from portal.ratelimit import allow, client_ip
from workspace.forms import bilingual

SESSION_KEY = "portal_numbers"
DECISION_SENT = gettext_lazy("We sent you our decision")
# Events a customer sees, with what they mean to the customer; staff notes are never shown.
CUSTOMER_EVENTS = {
    "register": gettext_lazy("Your complaint was registered"),
    "accept": gettext_lazy("Your complaint was accepted"),
    "decline": gettext_lazy("Your complaint was not accepted"),
    "claim": gettext_lazy("A handler is working on it"),
    "contact": gettext_lazy("We contacted you"),
    "schedule_visit": gettext_lazy("We proposed a visit"),
    "record_visit": gettext_lazy("The visit took place"),
    "respond": DECISION_SENT,
    "approve": DECISION_SENT,
    "start_follow_up": gettext_lazy("We asked for your feedback"),
    "follow_up_result": gettext_lazy("You gave your feedback"),
    "request_review": gettext_lazy("You asked for a review"),
    "decide_review": gettext_lazy("The review was decided"),
    "refer": gettext_lazy("Referred to an outside body"),
    "record_referral_outcome": gettext_lazy("The outside body decided"),
    "extend": gettext_lazy("The deadline was extended"),
    "pause": gettext_lazy("The clock was paused"),
    "resume": gettext_lazy("The clock resumed"),
    "withdraw": gettext_lazy("You withdrew the complaint"),
    "reopen": gettext_lazy("Your complaint was reopened"),
    "add_evidence": gettext_lazy("Evidence was added"),
}


# Where a schema error lands on the filing form, and the one line the customer reads there:
# pydantic's own messages are English and name internal fields.
FILE_FIELDS = {("customer", "phone"): "phone", ("customer", "email"): "email",
               ("customer", "name"): "name", ("content",): "content", ("claim",): "claim",
               ("product",): "product", ("amount",): "amount", ("unit",): "account_branch",
               ("account_branch",): "account_branch"}
FIELD_MESSAGES = {"phone": gettext_lazy("Enter a valid mobile phone number."),
                  "email": gettext_lazy("Enter a valid email address.")}


def show_schema_errors(form: forms.Form, exc: ValidationError,
                       where: dict[tuple[str, ...], str] | None = None) -> None:
    """Put each schema error under the form field it concerns, as one localized line; an error
    on no field of the form becomes one general line (never pydantic's raw text)."""
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        field = (where or {}).get(loc) or (loc[0] if loc and loc[0] in form.fields else None)
        if field is not None and field in form.fields:
            if field not in form.errors:
                form.add_error(field, FIELD_MESSAGES.get(field, _("This value is not valid.")))
        elif "__all__" not in form.errors:
            form.add_error(None, _("Some of the information is not valid; check and try again."))


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/index.html", {"track": pf.TrackForm()})


def _evidence(principal: Any, number: str, upload: Any, version: int) -> Complaint:
    params = ACTION_SCHEMAS["add_evidence"].model_validate({
        "version": version, "name": (upload.name or "evidence")[-200:],
        "content_base64": base64.b64encode(upload.read()).decode()})
    return run_action(principal, number, "add_evidence", params)


def file_complaint(request: HttpRequest) -> HttpResponse:
    form = pf.FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if not allow("file", client_ip(request), 10, 3600):
            form.add_error(None, _("Too many complaints from this connection; try later."))
            return render(request, "portal/file.html", {"form": form}, status=429)
        d = form.cleaned_data
        language = "en" if (get_language() or "").startswith("en") else "zh-Hans"
        body = {"channel": "web", "content": d["content"], "claim": d["claim"],
                "product": d["product"], "unit": d["account_branch"],
                "account_branch": d["account_branch"],
                "amount": str(d["amount"]) if d["amount"] is not None else None,
                "customer": {"name": d["name"], "phone": d["phone"], "email": d["email"],
                             "language": language}}
        principal = portal_principal()
        try:
            data = ComplaintIn.model_validate(body)
            complaint = register_complaint(
                principal, data, idempotency_key=f"portal-{uuid.uuid4()}",
                request_hash=hashlib.sha256(repr(body).encode()).hexdigest()).complaint
            if d["evidence"]:
                _evidence(principal, complaint.number, d["evidence"], complaint.version)
        except ActionError as exc:
            form.add_error(None, exc.detail)
        except ValidationError as exc:
            show_schema_errors(form, exc, FILE_FIELDS)
        else:
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []),
                                            complaint.number][-10:]
            return redirect("portal:filed", number=complaint.number)
    return render(request, "portal/file.html", {"form": form})


def _own(request: HttpRequest, number: str) -> Complaint:
    """The complaint, if this browser session verified its code (404 otherwise)."""
    if number not in request.session.get(SESSION_KEY, []):
        raise Http404
    complaint = (Complaint.objects.select_related("customer", "unit")
                 .filter(number=number).first())
    if complaint is None:
        raise Http404
    return complaint


def filed(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _own(request, number)
    return render(request, "portal/filed.html", {
        "c": complaint, "decision": complaint.deadlines.filter(obligation="decision").first()})


def track(request: HttpRequest) -> HttpResponse:
    """Send a code to the contact on file. The answer is the same whether the number exists or
    not, so the page cannot be used to find numbers in use."""
    form = pf.TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip().upper()
        if not (allow("track-ip", client_ip(request), 10, 600)
                and allow("track-number", number, 3, 600)):
            form.add_error(None, _("Too many requests; wait a few minutes and try again."))
            return render(request, "portal/index.html", {"track": form}, status=429)
        send_code(number)
        return render(request, "portal/verify.html",
                      {"form": pf.VerifyForm(initial={"number": number})})
    return render(request, "portal/index.html", {"track": form})


@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    form = pf.VerifyForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"]
        if allow("verify-ip", client_ip(request), 20, 600) and check_code(
                number, form.cleaned_data["code"]):
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []),
                                            number][-10:]
            return redirect("portal:status", number=number)
        form.add_error("code", _("The code is wrong or has expired."))
    return render(request, "portal/verify.html", {"form": form}, status=400)


def _forms(c: Complaint) -> dict[str, forms.Form]:
    found: dict[str, forms.Form] = {}
    if c.state in END:
        return found
    found["note"] = pf.InfoForm(prefix="note")
    found["add_evidence"] = pf.EvidenceForm(prefix="add_evidence")
    if c.state == State.FOLLOW_UP:
        found["follow_up_result"] = pf.SurveyForm(prefix="follow_up_result")
    if c.state in (State.RESPONDED, State.FOLLOW_UP, State.CLOSED) and review_requestable(
            c, timezone.now()):
        found["request_review"] = pf.ReasonForm(prefix="request_review")
    if c.state != State.CLOSED:
        found["withdraw"] = pf.ReasonForm(prefix="withdraw")
    return found


def _customer_label(event: Event) -> Any:
    """What the event means to the customer, or None when it is not shown: a proposal is the
    decision sent only when it needed no approval (else `approve` sends it)."""
    if event.type == "propose_resolution":
        return DECISION_SENT if event.payload.get("needs_approval") is False else None
    return CUSTOMER_EVENTS.get(event.type)


def _awaiting_answer(c: Complaint) -> QuerySet[Visit]:
    """The visits the customer may still agree to or decline: not yet made, and still ahead."""
    return c.visits.filter(visited_at__isnull=True, proposed_at__gt=timezone.now())


def _status_context(c: Complaint, bound: tuple[str, forms.Form] | None = None) -> dict[str, Any]:
    events = [{"at": e.at, "label": label, "mine": e.actor_label == "portal"}
              for e in c.events.order_by("seq") if (label := _customer_label(e)) is not None]
    action_forms = _forms(c)
    if bound and not bound[0].startswith("visit"):
        action_forms[bound[0]] = bound[1]
    visits = [(v, bound[1] if bound and bound[0] == f"visit{v.pk}" else
               pf.VisitForm(prefix=f"visit{v.pk}", initial={"visit": v.pk}))
              for v in _awaiting_answer(c).order_by("proposed_at")]
    resolution = c.resolutions.exclude(approved_at__isnull=True, needs_approval=True)
    return {"c": c, "state": bilingual(c.get_state_display()), "events": events,
            "forms": action_forms, "visits": visits if c.state not in END else [],
            "resolution": resolution.order_by("-pk").first()
            if c.state in (State.RESPONDED, State.FOLLOW_UP, State.CLOSED, State.REVIEWING)
            else None,
            "deadline": c.deadlines.filter(obligation="decision").first()}


def status(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "portal/status.html", _status_context(_own(request, number)))


def _params(action: str, form: forms.Form, c: Complaint) -> Any:
    d = dict(form.cleaned_data)
    if action == "add_evidence":
        upload = d.pop("file")
        d = {"name": (upload.name or "evidence")[-200:],
             "content_base64": base64.b64encode(upload.read()).decode()}
    elif action == "withdraw":
        d["via"] = "web"
    elif action.startswith("visit"):
        agreed = d["answer"] == "accept"
        action, d = "note", {"text": (
            f"客户{'同意' if agreed else '拒绝'}上门核实（#{d['visit']}） / The customer "
            f"{'accepts' if agreed else 'declines'} the proposed visit #{d['visit']}")}
    return action, ACTION_SCHEMAS[action].model_validate({"version": c.version, **d})


@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    c = _own(request, number)
    form_class = {"note": pf.InfoForm, "add_evidence": pf.EvidenceForm,
                  "follow_up_result": pf.SurveyForm, "request_review": pf.ReasonForm,
                  "withdraw": pf.ReasonForm}.get(action)
    if action.startswith("visit"):
        visit = action.removeprefix("visit")
        if not (visit.isdigit() and request.POST.get(f"{action}-visit") == visit
                and _awaiting_answer(c).filter(pk=int(visit)).exists()):
            raise Http404
        form_class = pf.VisitForm
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            name, params = _params(action, form, c)
            run_action(portal_principal(), number, name, params)
            return redirect("portal:status", number=number)
        except ActionError as exc:
            form.add_error(None, "; ".join(m for _f, m in exc.errors) or exc.detail)
        except ValidationError as exc:
            show_schema_errors(form, exc)
    return render(request, "portal/status.html",
                  _status_context(c, (action, form)), status=422)

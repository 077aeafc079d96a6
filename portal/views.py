"""The customer portal: file a complaint, follow it with a one-time code, and take the customer's
own actions. No staff login: the portal acts as `portal_principal()`, and a browser session may
see only the complaints whose code it verified."""

import base64
import hashlib
import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import register_complaint, run_action
from complaints.choices import State
from complaints.errors import ActionError, Conflict
from complaints.lifecycle import END, allowed_from
from complaints.models import Complaint, Event, Visit
from complaints.schemas import ComplaintIn
from complaints.selectors import review_requestable, visits_awaiting_answer
from intake.identifiers import halfwidth
from portal import forms as pf
from portal.access import check_code, code_exhausted, portal_principal, send_code
from portal.outcome import decision_context, outcome_context
from portal.ratelimit import allow, client_ip, retry_after
from workspace.forms import bilingual

SESSION_KEY = "portal_numbers"
YOU_CONTACTED_US = gettext_lazy("You contacted us")
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
# The customer's own acts on the portal, as the customer reads them; staff notes stay hidden.
MINE = {"note": gettext_lazy("You added information"),
        "add_evidence": gettext_lazy("You added evidence")}
VISIT_ANSWERS = {True: gettext_lazy("You agreed to the proposed visit"),
                 False: gettext_lazy("You declined the proposed visit")}
DONE = {"note": gettext_lazy("Thank you: we received your information."),
        "add_evidence": gettext_lazy("Thank you: we received your file."),
        "answer_visit": gettext_lazy("Thank you: we received your answer."),
        "follow_up_result": gettext_lazy("Thank you for your feedback."),
        "request_review": gettext_lazy("We received your request for a review."),
        "withdraw": gettext_lazy("Your complaint is withdrawn.")}
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


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


def in_language(message: str) -> str:
    """One half of a bilingual "中文 / English" message: the half of the page's language."""
    zh, sep, en = message.partition(" / ")
    if not sep:
        return message
    return en if (get_language() or "").startswith("en") else zh


def _evidence_fields(upload: Any) -> dict[str, str]:
    """The file as add_evidence takes it; the form's EvidenceField checked its size first."""
    upload.seek(0)
    return {"name": (upload.name or "evidence")[-200:],
            "content_base64": base64.b64encode(upload.read()).decode()}


def _evidence(principal: Any, number: str, upload: Any, version: int) -> Complaint:
    params = ACTION_SCHEMAS["add_evidence"].model_validate(
        {"version": version, **_evidence_fields(upload)})
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
        # The form's one-time token: a second submit of the same form (a double click, the
        # back button) returns the complaint the first one filed.
        token = d["token"] if TOKEN.fullmatch(d["token"] or "") else str(uuid.uuid4())
        try:
            data = ComplaintIn.model_validate(body)
            registered = register_complaint(
                principal, data, idempotency_key=f"portal-{token}",
                request_hash=hashlib.sha256(repr(body).encode()).hexdigest())
        except ActionError as exc:
            if exc.code == "idempotency_mismatch":  # the form sent before, then changed
                fresh = request.POST.copy()
                fresh["token"] = pf.one_time_token()
                form.data = fresh
                form.add_error(None, _("You already sent this form and your complaint was "
                                       "registered. Send it again only to file another one."))
            else:
                form.add_error(None, in_language(exc.detail))
        except ValidationError as exc:
            show_schema_errors(form, exc, FILE_FIELDS)
        else:
            complaint = registered.complaint
            if d["evidence"] and registered.created:
                try:  # checked by the form already; a refusal now (virus scan) is told apart
                    _evidence(principal, complaint.number, d["evidence"], complaint.version)
                except (ActionError, ValidationError):
                    messages.warning(request, _("Your complaint is registered, but the file "
                                                "could not be attached."))
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


@never_cache
def filed(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _own(request, number)
    return render(request, "portal/filed.html", {
        "c": complaint, "decision": complaint.deadlines.filter(obligation="decision").first()})


def track(request: HttpRequest) -> HttpResponse:
    """Send a code to the contact on file. The answer is the same whether the number exists or
    not, so the page cannot be used to find numbers in use."""
    form = pf.TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = halfwidth(form.cleaned_data["number"]).upper()
        if not (allow("track-ip", client_ip(request), 10, 600)
                and allow("track-number", number, 3, 600)):
            form.add_error(None, _too_many(600))
            return render(request, "portal/index.html", {"track": form}, status=429)
        send_code(number)
        return render(request, "portal/verify.html",
                      {"form": pf.VerifyForm(initial={"number": number})})
    return render(request, "portal/index.html", {"track": form})


def _too_many(window_s: int) -> str:
    minutes = -(-retry_after(window_s) // 60)
    return ngettext("Too many attempts; try again in %(minutes)d minute.",
                    "Too many attempts; try again in %(minutes)d minutes.",
                    minutes) % {"minutes": minutes}


@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    form = pf.VerifyForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"]
        if not allow("verify-ip", client_ip(request), 20, 600):
            form.add_error("code", _too_many(600))
            return render(request, "portal/verify.html", {"form": form}, status=429)
        if check_code(number, halfwidth(form.cleaned_data["code"])):
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []),
                                            number][-10:]
            return redirect("portal:status", number=number)
        form.add_error("code", _("Too many wrong codes: ask for a new code.")
                       if code_exhausted(number) else _("The code is wrong or has expired."))
    return render(request, "portal/verify.html", {"form": form}, status=400)


FORMS: dict[str, type[forms.Form]] = {
    "note": pf.InfoForm, "add_evidence": pf.EvidenceForm, "follow_up_result": pf.SurveyForm,
    "request_review": pf.ReasonForm, "withdraw": pf.WithdrawForm}


def _forms(c: Complaint) -> dict[str, forms.Form]:
    """The forms of the customer's actions the complaint's state accepts, and only those."""
    allowed = set(allowed_from(c.state))
    if "request_review" in allowed and not review_requestable(c, timezone.now()):
        allowed.discard("request_review")
    return {action: form_class(prefix=action) for action, form_class in FORMS.items()
            if action in allowed}


def _customer_label(event: Event) -> Any:
    """What the event means to the customer, or None when it is not shown: a proposal is the
    decision sent only when it needed no approval (else `approve` sends it); a note only when
    the customer wrote it on the portal."""
    if event.type == "propose_resolution":
        return DECISION_SENT if event.payload.get("needs_approval") is False else None
    if event.type == "answer_visit":
        return VISIT_ANSWERS[bool(event.payload.get("consent"))]
    if event.type == "contact" and event.payload.get("outbound") is False:
        return YOU_CONTACTED_US
    if event.actor_label == "portal" and event.type in MINE:
        return MINE[event.type]
    return CUSTOMER_EVENTS.get(event.type)


def _awaiting_answer(c: Complaint) -> QuerySet[Visit]:
    """The visits the customer may still agree to or decline: not yet made, still ahead, not
    answered (nor agreed to with staff), while the complaint's state accepts an answer."""
    if "answer_visit" not in allowed_from(c.state):
        return c.visits.none()
    return visits_awaiting_answer(c).filter(proposed_at__gt=timezone.now())


def _status_context(c: Complaint, bound: tuple[str, forms.Form] | None = None) -> dict[str, Any]:
    events = [{"at": e.at, "label": label, "mine": e.actor_label == "portal",
               "text": e.payload.get("text", "") if e.type == "note" else ""}
              for e in c.events.order_by("seq") if (label := _customer_label(e)) is not None]
    action_forms = _forms(c)
    if bound and not bound[0].startswith("visit"):
        action_forms[bound[0]] = bound[1]
    visits = [(v, bound[1] if bound and bound[0] == f"visit{v.pk}" else
               pf.VisitForm(prefix=f"visit{v.pk}", initial={"visit": v.pk}))
              for v in _awaiting_answer(c).order_by("proposed_at")]
    return {"c": c, "state": bilingual(c.get_state_display()), "events": events,
            "forms": action_forms, "visits": visits if c.state not in END else [],
            **decision_context(c), **outcome_context(c),
            "deadline": c.deadlines.filter(obligation="decision").first()}


@never_cache
def status(request: HttpRequest, number: str) -> HttpResponse:
    c = _own(request, number)
    if c.state == State.MERGED and c.primary is not None:
        # The same customer's primary complaint, which they follow from now on (merge refuses
        # another customer's): it opens without a second code.
        numbers = request.session.get(SESSION_KEY, [])
        if c.primary.number not in numbers:
            request.session[SESSION_KEY] = [*numbers, c.primary.number][-10:]
    return render(request, "portal/status.html", _status_context(c))


def _params(action: str, form: forms.Form, version: int) -> Any:
    d = dict(form.cleaned_data)
    if action == "add_evidence":
        d = _evidence_fields(d.pop("file"))
    elif action == "withdraw":
        d.pop("confirm")
        d["via"] = "web"
    elif action.startswith("visit"):
        action, d = "answer_visit", {"visit_id": d["visit"], "consent": d["answer"] == "accept"}
    return action, ACTION_SCHEMAS[action].model_validate({"version": version, **d})


def _version(request: HttpRequest, c: Complaint) -> int:
    """The version of the complaint the customer's page showed: a second post of the same form
    (a double click) then meets the first one's change instead of repeating it."""
    sent = request.POST.get("version", "")
    return int(sent) if sent.isdigit() else c.version


@require_POST
@never_cache
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    c = _own(request, number)
    form_class = FORMS.get(action)
    if action.startswith("visit"):
        visit = action.removeprefix("visit")
        if not (visit.isdigit() and request.POST.get(f"{action}-visit") == visit):
            raise Http404
        if not _awaiting_answer(c).filter(pk=int(visit)).exists():
            if c.events.filter(type="answer_visit", payload__visit_id=int(visit)).exists():
                return redirect("portal:status", number=number)  # answered: a second post
            raise Http404
        form_class = pf.VisitForm
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            name, params = _params(action, form, _version(request, c))
            run_action(portal_principal(), number, name, params)
            messages.success(request, DONE[name])
            return redirect("portal:status", number=number)
        except ActionError as exc:
            form.add_error(None, _(
                "Your complaint changed since this page was shown (or this form was sent twice): "
                "check what has happened above before sending again.")
                if isinstance(exc, Conflict) and exc.code == "stale_version" else
                "; ".join(in_language(m) for _f, m in exc.errors) or in_language(exc.detail))
        except ValidationError as exc:
            show_schema_errors(form, exc)
    return render(request, "portal/status.html",
                  _status_context(c, (action, form)), status=422)

"""Staff pages of the intake: the entry form for phone, counter, letter and visit complaints,
sending a letter with its proof, and the quarantine's held messages that an agent registers as
complaints. Plain server-rendered pages; every write is an action."""

import hashlib
import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from pydantic import ValidationError

from complaints.errors import ActionError, Conflict, NotFound
from complaints.lifecycle import STAFF
from complaints.schemas import ComplaintIn
from complaints.selectors import access_complaint
from intake import letters, override
from intake.actions import IntakeError, register_with_evidence
from intake.choices import QuarantineStatus
from intake.forms import FIELD_OF, HeldMessageForm, IntakeForm, LetterForm
from intake.models import QuarantinedMessage
from org.access import Principal, staff_principal
from tousu.messages import validation_message
from triage.pii import mask_text

LETTERS_PER_PAGE = 50


def _staff(request: HttpRequest) -> Principal:
    principal = staff_principal(request.user)
    if principal is None or not {role for role, _ in principal.grants} & STAFF:
        raise Http404
    return principal


def _add_errors(form: IntakeForm | LetterForm | HeldMessageForm,
                errors: list[tuple[str, str]]) -> None:
    """Each error under its field; above the form when the field is not one the page shows
    (a hidden one, as the version, would hide it)."""
    for field, message in errors:
        name = FIELD_OF.get(field, field)
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if shown else None, message)


@login_required
def new_complaint(request: HttpRequest) -> HttpResponse:
    """Register a complaint received by phone, at the counter, by letter or in a visit, with its
    evidence; the agent and the channel are recorded on the register event."""
    principal = _staff(request)
    form = IntakeForm(request.POST or None, request.FILES or None,
                      initial={"token": uuid.uuid4().hex, "language": "zh-Hans"})
    if request.method == "POST" and form.is_valid():
        payload = form.payload()
        try:
            data = ComplaintIn.model_validate(payload)
            files = [(f.name or "upload", f.read()) for f in form.cleaned_data["evidence"]]
            fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str)
                                         .encode()).hexdigest()
            complaint, created = register_with_evidence(
                principal, data, files, idempotency_key=f"form:{form.cleaned_data['token']}",
                request_hash=fingerprint)
        except ValidationError as exc:
            _add_errors(form, [(".".join(str(p) for p in e["loc"]), validation_message(dict(e)))
                               for e in exc.errors()])
        except ActionError as exc:
            if exc.code == "idempotency_mismatch":  # sent before (the back button), then changed
                fresh = request.POST.copy()
                fresh["token"] = uuid.uuid4().hex
                form.data = fresh
                form.add_error(None, _("This form was already sent and registered a complaint. "
                                       "Submit it again only to register another one."))
            else:
                _add_errors(form, exc.errors or [("", exc.detail)])
        else:
            if created:
                messages.success(request, f"已登记 Registered {complaint.number}")
            else:  # the form sent twice (a double click): the first sending registered it
                messages.info(request, _("This form was sent twice; the complaint was "
                                         "registered once, as %(number)s.")
                              % {"number": complaint.number})
            return redirect("workspace:complaint_detail", complaint.number)
    if "token" in form.errors:  # a form without its one-time token: it gets one to send again
        fresh = request.POST.copy()
        fresh["token"] = uuid.uuid4().hex
        form.data = fresh
    return render(request, "intake/new_complaint.html", {"form": form})


@login_required
def send_letter(request: HttpRequest, number: str) -> HttpResponse:
    """Preview a letter from its template and send it (SMS, email) or record it as sent (post,
    call, hand delivery) with its proof."""
    principal = _staff(request)
    try:
        complaint = access_complaint(principal, number)
    except NotFound:
        raise Http404 from None
    kind = request.POST.get("kind") or request.GET.get("kind") or "decision_notice"
    form = LetterForm(request.POST or None,
                      initial={"kind": kind, "channel": "post", "version": complaint.version})
    preview, kind_errors = None, []
    try:
        subject, body, _letter = letters.preview(complaint, kind)
        preview = {"subject": subject,
                   "body": letters.masked_letter(body, complaint.customer.name)}
    except ActionError as exc:
        kind_errors = [message for _, message in exc.errors] or [exc.detail]
    except ValueError as exc:
        kind_errors = [str(exc)]
    if form.is_bound:  # an unbound form takes no errors: the page shows them beside `kind`
        for message in kind_errors:
            form.add_error("kind", message)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            letter = letters.send_letter(principal, number, kind=d["kind"], channel=d["channel"],
                                         version=d["version"], proof=d["proof"])
        except ActionError as exc:
            _add_errors(form, exc.errors or [("", exc.detail)])
            if isinstance(exc, Conflict):  # sent already or changed meanwhile: the page says why
                status = exc.status
            if exc.code == "stale_version":  # sent again, the form acts on the version now
                fresh = request.POST.copy()
                fresh["version"] = str(access_complaint(principal, number).version)
                form.data = fresh
        else:
            messages.success(request,
                             f"函件已记录 Letter recorded ({letter.get_channel_display()})")
            return redirect("workspace:complaint_detail", number)
    return render(request, "intake/send_letter.html",
                  {"form": form, "c": complaint, "preview": preview,
                   "kind_errors": form.errors.get("kind", kind_errors),
                   "letters": Paginator(complaint.letters.order_by("-created_at", "-id"),
                                        LETTERS_PER_PAGE).get_page(request.GET.get("page"))},
                  status=status)


def _quarantine_staff(request: HttpRequest) -> Principal:
    principal = override.quarantine_principal(request.user)
    if principal is None:
        raise Http404
    return principal


@login_required
def held_messages(request: HttpRequest) -> HttpResponse:
    """The held and ignored mail and SMS, sender and subject masked."""
    _quarantine_staff(request)
    rows = [{"row": r, "sender": mask_text(r.sender), "subject": mask_text(r.subject),
             "error": mask_text(r.error)} for r in override.held_rows()]
    return render(request, "intake/held_messages.html", {"rows": rows})


@login_required
def held_message(request: HttpRequest, pk: int) -> HttpResponse:
    """One held message, its text masked, with the form that registers it as a complaint."""
    principal = _quarantine_staff(request)
    row = get_object_or_404(QuarantinedMessage, pk=pk)
    form, status = HeldMessageForm(request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        try:
            complaint = override.register_held(principal, row.pk, **form.cleaned_data)
        except ActionError as exc:
            _add_errors(form, exc.errors or [("", exc.detail)])
            status = exc.status
            row.refresh_from_db()
        else:
            messages.success(request, _("Registered as %(number)s.") % {"number": complaint.number})
            return redirect("intake:held_messages")
    try:
        text = mask_text(override.read(row).text) if row.status == QuarantineStatus.HELD else ""
    except IntakeError as exc:
        text = str(exc)
    return render(request, "intake/held_message.html",
                  {"row": row, "form": form, "text": text, "sender": mask_text(row.sender),
                   "subject": mask_text(row.subject), "error": mask_text(row.error)},
                  status=status)

"""One handler per lifecycle action. A handler validates what only it knows, records the
action's own rows, takes the transition and returns the event payload. It runs inside
run_action's transaction, after the role, version and state checks."""

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from clocks import service as clocks
from clocks.choices import Obligation
from complaints import action_schemas as s
from complaints.actions.run import Ctx
from complaints.choices import SEVERITY_RANK, DeclineReason, PauseReason, Severity, State
from complaints.errors import ActionError, Forbidden
from complaints.lifecycle import END, MANAGERS
from complaints.models import (
    Attachment,
    Complaint,
    Contact,
    Referral,
    Resolution,
    ReviewRequest,
    Survey,
    Visit,
)
from complaints.scan import ScanRefused, scan
from complaints.sniff import sniff_type
from notify.customer import notify_customer
from notify.staff import ancestor_paths, announce_major, tell_staff, unit_managers
from org.choices import StaffEvent
from org.models import OrgUnit, RoleGrant
from org.routing import pick_handler
from reports import rulings

RETENTION = dt.timedelta(days=3 * 366)
Handler = Callable[[Ctx, Complaint, Any], dict[str, Any]]


def _bad(field: str, message: str) -> ActionError:
    return ActionError(message, [(field, message)])


def _staff(username: str, field: str, unit: OrgUnit, roles: frozenset[str]) -> Any:
    """An active staff member holding one of `roles` on `unit` (directly or above it)."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise _bad(field, f"no active staff member {username!r}")
    paths = RoleGrant.objects.filter(user=user, role__in=roles).values_list("unit__path", flat=True)
    if not any(unit.path.startswith(p) for p in paths):
        raise _bad(field, f"{username} holds no suitable role for unit {unit.code}")
    return user


def _close(ctx: Ctx, c: Complaint) -> None:
    c.closed_at = ctx.now
    c.retention_until = (ctx.now + RETENTION).date()
    ctx.changed |= {"closed_at", "retention_until"}


def _on_higher_unit(ctx: Ctx, c: Complaint) -> bool:
    """Whether the actor holds a managing role on a unit above the complaint's unit."""
    above = [p for role, p in ctx.principal.grants if role in MANAGERS]
    if c.unit.parent_id is None:
        return any(c.unit.path == p for p in above)
    return any(c.unit.path.startswith(p) and c.unit.path != p for p in above)


def accept(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    ctx.move(c)
    return {"comment": p.comment}


def decline(ctx: Ctx, c: Complaint, p: s.DeclineIn) -> dict[str, Any]:
    ctx.move(c)
    clocks.cancel_open(c.pk)
    _close(ctx, c)
    sent = notify_customer(
        c, "decline_notice", key=str(c.version),
        zh=f"您的投诉{c.number}不予办理，原因：{DeclineReason(p.reason).label}（{p.detail}）。"
           "如有异议可向上级机构或监管部门反映。",
        en=f"We cannot take complaint {c.number} forward: {p.detail}. "
           "You may raise this with our head office or the regulator.",
    )
    return {"reason": p.reason, "detail": p.detail, "notified_by": sent}


def assign(ctx: Ctx, c: Complaint, p: s.AssignIn) -> dict[str, Any]:
    """Dispatch the work order to a unit and a handler; with no handler named, the unit's
    assignment mode picks one. Sending it to another unit is a transfer: the reason is kept and
    the receiving unit's managers are told."""
    unit = OrgUnit.objects.filter(code=p.unit, active=True).first()
    if unit is None or not ctx.principal.can_read(unit.path):
        raise _bad("unit", f"no org unit {p.unit!r} within your scope")
    transfer = unit.pk != c.unit_id
    if transfer and c.state != State.ACCEPTED and not p.reason:
        raise _bad("reason", "a transfer to another unit needs a reason")
    if p.handler:
        handler = _staff(p.handler, "handler", unit, frozenset({"handler", "manager"}))
        if c.staff_complained_about_id == handler.pk:
            raise _bad("handler", "the staff member complained about may not handle it (回避)")
    else:
        handler = pick_handler(unit, exclude_user_id=c.staff_complained_about_id)
    previous = c.unit
    c.unit, c.handler, c.assigned_at = unit, handler, ctx.now
    ctx.changed |= {"unit", "handler", "assigned_at"}
    ctx.move(c)
    key = f"{c.number}:{c.version}"
    if handler:
        tell_staff(unit=unit, event=StaffEvent.WORK_ORDER, key=key, user_ids=[handler.pk],
                   text=f"新工单 New work order {c.number}", complaint_id=c.pk)
    if transfer:
        tell_staff(unit=unit, event=StaffEvent.TRANSFER, key=key, user_ids=unit_managers(unit),
                   text=f"转办 {c.number}: {previous.code} → {unit.code}. {p.reason}",
                   complaint_id=c.pk)
    return {"from_unit": previous.code, "unit": unit.code,
            "handler": handler.get_username() if handler else "", "reason": p.reason,
            "picked": bool(handler and not p.handler)}


def claim(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    user_id = ctx.principal.user_id
    if c.handler_id and c.handler_id != user_id and not (
        ctx.principal.roles_on(c.unit.path) & MANAGERS
    ):
        raise Forbidden("This work order is assigned to someone else", [("handler", "not you")])
    if c.staff_complained_about_id == user_id:
        raise Forbidden("You are the staff member complained about (回避)",
                        [("handler", "recusal")])
    c.handler_id = user_id
    ctx.changed.add("handler")
    ctx.move(c)
    return {"handler": ctx.principal.label}


def contact(ctx: Ctx, c: Complaint, p: s.ContactIn) -> dict[str, Any]:
    at = p.at or ctx.now
    row = Contact.objects.create(complaint=c, kind=p.kind, at=at, outbound=p.outbound,
                                 summary=p.summary, staff_label=ctx.principal.label)
    ctx.move(c)
    return {"contact_id": row.pk, "kind": p.kind, "at": at, "outbound": p.outbound,
            "summary": p.summary}


def add_evidence(ctx: Ctx, c: Complaint, p: s.EvidenceIn) -> dict[str, Any]:
    limit = settings.TOUSU_MAX_ATTACHMENT_BYTES
    if len(p.content_base64) > limit * 4 // 3 + 8:
        raise _bad("content_base64", f"the file exceeds {limit} bytes")
    try:
        data = base64.b64decode(p.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("content_base64", "not valid base64") from None
    if not data or len(data) > limit:
        raise _bad("content_base64", f"the file must be 1 to {limit} bytes")
    content_type = sniff_type(data)
    if content_type is None:
        raise _bad("content_base64", "file type not accepted (PDF, images, Office, text, audio)")
    try:
        scan(data)  # clamd, when configured
    except ScanRefused as exc:
        raise _bad("content_base64", str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    row = Attachment(complaint=c, name=p.name, content_type=content_type, size=len(data),
                     sha256=digest, uploaded_by=ctx.principal.label, uploaded_at=ctx.now)
    row.file.save(f"{c.number}-{digest[:12]}", ContentFile(data), save=False)
    row.save()
    ctx.move(c)
    return {"attachment_id": row.pk, "name": p.name, "content_type": content_type,
            "size": len(data), "sha256": digest, "description": p.description}


def schedule_visit(ctx: Ctx, c: Complaint, p: s.ScheduleVisitIn) -> dict[str, Any]:
    row = Visit.objects.create(complaint=c, proposed_at=p.proposed_at, place=p.place,
                               customer_consent=p.customer_consent)
    ctx.move(c)
    return {"visit_id": row.pk, "proposed_at": p.proposed_at, "place": p.place,
            "customer_consent": p.customer_consent}


def record_visit(ctx: Ctx, c: Complaint, p: s.RecordVisitIn) -> dict[str, Any]:
    visits = c.visits.filter(visited_at__isnull=True).order_by("-proposed_at")
    visit = visits.filter(pk=p.visit_id).first() if p.visit_id else visits.first()
    if visit is None:
        raise _bad("visit_id", "no scheduled visit to record")
    if not visit.customer_consent:
        raise _bad("visit_id", "the customer has not consented to this visit")
    visit.visited_at, visit.outcome = p.visited_at or ctx.now, p.outcome
    visit.save(update_fields=["visited_at", "outcome"])
    ctx.move(c)
    return {"visit_id": visit.pk, "visited_at": visit.visited_at, "outcome": p.outcome}


def note(ctx: Ctx, c: Complaint, p: s.NoteIn) -> dict[str, Any]:
    ctx.move(c)
    return {"text": p.text}


def _respond(ctx: Ctx, c: Complaint, r: Resolution, p: s.NoticeIn) -> dict[str, Any]:
    """What every response does: stop the decision clock, open the review window and send the
    decision notice (verification, basis, reasons and the remedies open: CN Art. 19)."""
    c.responded_at = ctx.now
    ctx.changed.add("responded_at")
    clocks.stop(c.pk, Obligation.DECISION, ctx.now)
    clocks.open_review_window(c.pk, ctx.now)
    sent = notify_customer(
        c, "decision_notice", key=str(c.version),
        zh=(f"投诉{c.number}处理决定：{r.get_decision_display()}。核实情况：{r.verification}"
            f"依据：{r.basis}理由：{r.reasons}如不服，可在收到本决定之日起30日内申请复核，"
            "也可申请调解、仲裁或提起诉讼。"),
        en=(f"Decision on complaint {c.number}: {r.get_decision_display()}. How we checked: "
            f"{r.verification} Basis: {r.basis} Reasons: {r.reasons} If you disagree you may ask "
            "for a review within 30 days of receiving this decision, or go to mediation, "
            "arbitration or court."),
    )
    return {"resolution_id": r.pk, "decision": r.decision, "remedy": r.remedy,
            "amount": r.amount, "sent_via": p.sent_via, "notified_by": sent,
            "proof_of_sending": p.proof_of_sending}


def approval_level(c: Complaint, amount: Decimal | None) -> str:
    """'' (none needed), 'unit' (the unit's manager) or 'above' (a manager one level up):
    by the unit's two amount limits; a major complaint always needs approval."""
    if (amount or 0) > c.unit.senior_approval_limit:
        return "above"
    if c.severity == "major" or (amount or 0) > c.unit.approval_limit:
        return "unit"
    return ""


def propose_resolution(ctx: Ctx, c: Complaint, p: s.ProposeIn) -> dict[str, Any]:
    level = approval_level(c, p.amount)
    needs = bool(level)
    r = Resolution.objects.create(
        complaint=c, decision=p.decision, remedy=p.remedy, amount=p.amount,
        verification=p.verification, basis=p.basis, reasons=p.reasons, needs_approval=needs,
        approval_level=level, proposed_by=ctx.principal.label, proposed_at=ctx.now,
    )
    if needs:
        ctx.move(c, State.AWAITING_APPROVAL)
        return {"resolution_id": r.pk, "decision": p.decision, "remedy": p.remedy,
                "amount": p.amount, "needs_approval": True, "approval_level": level}
    ctx.move(c, State.RESPONDED)
    return {**_respond(ctx, c, r, p), "needs_approval": False}


def _pending_resolution(c: Complaint) -> Resolution:
    r = c.resolutions.filter(approved_at__isnull=True, returned_reason="").order_by("-pk").first()
    if r is None:
        raise _bad("resolution", "no resolution awaits approval")
    return r


def _check_approver(ctx: Ctx, c: Complaint, r: Resolution) -> None:
    if r.proposed_by == ctx.principal.label:
        raise Forbidden("You may not approve your own proposal", [("approver", "four eyes")])
    if r.approval_level == "above" and not _on_higher_unit(ctx, c):
        raise Forbidden("This amount needs approval by a manager of the unit above",
                        [("approver", "approval one level up required")])


def approve(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    r = _pending_resolution(c)
    _check_approver(ctx, c, r)
    r.approved_by, r.approved_at = ctx.principal.label, ctx.now
    r.save(update_fields=["approved_by", "approved_at"])
    ctx.move(c)
    notice = s.NoticeIn.model_validate({"version": 1, "decision": r.decision,
                                        "verification": r.verification, "basis": r.basis,
                                        "reasons": r.reasons})
    return {**_respond(ctx, c, r, notice), "comment": p.comment}


def return_(ctx: Ctx, c: Complaint, p: s.ReturnIn) -> dict[str, Any]:
    r = _pending_resolution(c)
    r.returned_reason = p.reason
    r.save(update_fields=["returned_reason"])
    ctx.move(c)
    return {"resolution_id": r.pk, "reason": p.reason}


def respond(ctx: Ctx, c: Complaint, p: s.NoticeIn) -> dict[str, Any]:
    """Respond directly. From awaiting_approval this approves the pending resolution with the
    notice's wording (managers only, never one's own proposal), keeping its remedy and amount."""
    if c.state == State.AWAITING_APPROVAL:
        r = _pending_resolution(c)
        _check_approver(ctx, c, r)
        r.decision, r.verification, r.basis, r.reasons = (
            p.decision, p.verification, p.basis, p.reasons)
        r.approved_by, r.approved_at = ctx.principal.label, ctx.now
        r.save(update_fields=["decision", "verification", "basis", "reasons", "approved_by",
                              "approved_at"])
    else:
        r = Resolution.objects.create(
            complaint=c, decision=p.decision, remedy="explanation", verification=p.verification,
            basis=p.basis, reasons=p.reasons, proposed_by=ctx.principal.label,
            proposed_at=ctx.now, approved_by=ctx.principal.label, approved_at=ctx.now,
        )
    ctx.move(c)
    return _respond(ctx, c, r, p)


def start_follow_up(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    ctx.move(c)
    return {"comment": p.comment}


def follow_up_result(ctx: Ctx, c: Complaint, p: s.FollowUpResultIn) -> dict[str, Any]:
    Survey.objects.create(complaint=c, score=p.score, satisfied=p.satisfied, comment=p.comment,
                          at=ctx.now)
    if p.satisfied:
        ctx.move(c, State.CLOSED)
        _close(ctx, c)
    else:
        ctx.move(c, State.INVESTIGATING)
        clocks.restart_decision(c.pk, ctx.now)
    return {"satisfied": p.satisfied, "score": p.score, "comment": p.comment}


def request_review(ctx: Ctx, c: Complaint, p: s.RequestReviewIn) -> dict[str, Any]:
    if not clocks.review_window_open(c.pk, ctx.now):
        raise _bad("requested_at", "the 30-day review window has closed")
    ReviewRequest.objects.create(complaint=c, requested_at=ctx.now, reason=p.reason)
    clocks.stop(c.pk, Obligation.REVIEW_REQUEST_WINDOW, ctx.now)
    clocks.open_review_decision(c.pk, ctx.now)
    c.closed_at = None
    ctx.changed.add("closed_at")
    ctx.move(c)
    return {"reason": p.reason}


def decide_review(ctx: Ctx, c: Complaint, p: s.DecideReviewIn) -> dict[str, Any]:
    if not _on_higher_unit(ctx, c):
        raise Forbidden("A review is decided by the unit above", [("action", "higher unit only")])
    review = c.reviews.filter(decided_at__isnull=True).order_by("-pk").first()
    if review is None:
        raise _bad("review", "no open review request")
    review.decided_at, review.outcome = ctx.now, p.outcome
    review.reasons, review.decided_by = p.reasons, ctx.principal.label
    review.save(update_fields=["decided_at", "outcome", "reasons", "decided_by"])
    clocks.stop(c.pk, Obligation.REVIEW_DECISION, ctx.now)
    ctx.move(c)
    _close(ctx, c)
    sent = notify_customer(
        c, "review_decision", key=str(c.version),
        zh=f"您对投诉{c.number}的复核申请已有结论：{review.get_outcome_display()}。理由：{p.reasons}",
        en=f"Review of complaint {c.number}: {review.get_outcome_display()}. Reasons: {p.reasons}",
    )
    return {"outcome": p.outcome, "reasons": p.reasons, "notified_by": sent}


def refer(ctx: Ctx, c: Complaint, p: s.ReferIn) -> dict[str, Any]:
    row = Referral.objects.create(complaint=c, kind=p.kind, body=p.body, reference=p.reference,
                                  referred_at=ctx.now)
    ctx.move(c)
    return {"referral_id": row.pk, "kind": p.kind, "body": p.body, "reference": p.reference}


def record_referral_outcome(ctx: Ctx, c: Complaint, p: s.ReferralOutcomeIn) -> dict[str, Any]:
    row = c.referrals.filter(outcome_at__isnull=True).order_by("-pk").first()
    if row is None:
        raise _bad("referral", "no open referral")
    row.outcome, row.outcome_at = p.outcome, ctx.now
    row.save(update_fields=["outcome", "outcome_at"])
    clocks.cancel_open(c.pk)
    ctx.move(c)
    _close(ctx, c)
    return {"referral_id": row.pk, "outcome": p.outcome}


def extend(ctx: Ctx, c: Complaint, p: s.ExtendIn) -> dict[str, Any]:
    approver = _staff(p.approver, "approver", c.unit, MANAGERS)
    senior_paths = RoleGrant.objects.filter(
        user=approver, role__in=MANAGERS, unit__kind__in=["head_office", "branch"]
    ).values_list("unit__path", flat=True)
    senior = any(c.unit.path.startswith(path) for path in senior_paths)
    try:
        deadline = clocks.extend(c.pk, p.obligation, p.total_days, p.reason, p.approver,
                                 senior, conditions=p.conditions, flags=c.tags, at=ctx.now)
    except clocks.ClockError as exc:
        raise _bad(exc.field, str(exc)) from None
    due = clocks.local_due(deadline).date()
    sent = notify_customer(
        c, "extension_notice", key=str(c.version),
        zh=f"因{p.reason}，您的投诉{c.number}处理期限延长至{due:%Y年%m月%d日}。",
        en=f"We need more time on complaint {c.number} ({p.reason}). "
           f"We will give you our decision by {due:%d %B %Y}.",
    )
    ctx.move(c)
    return {"obligation": deadline.obligation, "total_days": p.total_days, "reason": p.reason,
            "approver": p.approver, "conditions": p.conditions, "due_at": deadline.due_at,
            "notified_by": sent}


def pause(ctx: Ctx, c: Complaint, p: s.PauseIn) -> dict[str, Any]:
    try:
        clocks.pause_decision(c.pk, ctx.now, p.reason)
    except clocks.ClockError as exc:
        raise _bad(exc.field, str(exc)) from None
    ctx.move(c)
    label = PauseReason(p.reason).label.split(" ", 1)
    sent = notify_customer(
        c, "pause_notice", key=str(c.version),
        zh=f"您的投诉{c.number}因{label[0]}，相关期间不计入处理期限，该情形消除后将恢复处理。",
        en=f"The time limit for complaint {c.number} is paused while {label[-1]} takes place.",
    )
    return {"reason": p.reason, "detail": p.detail, "notified_by": sent}


def resume(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    try:
        deadline = clocks.resume_decision(c.pk, ctx.now)
    except clocks.ClockError as exc:
        raise _bad(exc.field, str(exc)) from None
    ctx.move(c)
    return {"due_at": deadline.due_at, "comment": p.comment}


def escalate(ctx: Ctx, c: Complaint, p: s.EscalateIn) -> dict[str, Any]:
    if SEVERITY_RANK[p.severity] <= SEVERITY_RANK[c.severity]:  # type: ignore[index]
        raise _bad("severity", f"must be higher than the current {c.severity}")
    previous, c.severity = c.severity, p.severity
    ctx.changed.add("severity")
    ctx.move(c)
    if p.severity == Severity.MAJOR:
        announce_major(c, p.reason)
    else:
        paths = ancestor_paths(c.unit)
        managers = RoleGrant.objects.filter(role__in=MANAGERS, unit__path__in=paths)
        tell_staff(unit=c.unit, event=StaffEvent.ESCALATION, key=f"{c.number}:{c.version}",
                   user_ids=list(managers.values_list("user_id", flat=True)),
                   text=f"升级 Escalated {c.number}: {previous} → {p.severity}. {p.reason}",
                   complaint_id=c.pk)
    return {"from": previous, "to": p.severity, "reason": p.reason}


def withdraw(ctx: Ctx, c: Complaint, p: s.WithdrawIn) -> dict[str, Any]:
    ctx.move(c)
    clocks.cancel_open(c.pk)
    _close(ctx, c)
    return {"reason": p.reason, "via": p.via}


def merge(ctx: Ctx, c: Complaint, p: s.MergeIn) -> dict[str, Any]:
    primary = Complaint.objects.filter(ctx.principal.visibility(), number=p.into).first()
    if primary is None or primary.pk == c.pk:
        raise _bad("into", f"no other complaint {p.into!r} within your scope")
    if primary.customer_id != c.customer_id:
        raise _bad("into", "the primary complaint belongs to another customer")
    if primary.state in END:
        raise _bad("into", f"the primary complaint is {primary.state}")
    c.primary = primary
    ctx.changed.add("primary")
    ctx.move(c)
    clocks.cancel_open(c.pk)
    _close(ctx, c)
    # New facts or reasons restart the primary's clock from their receipt (CN Art. 18 ¶3).
    restarted = p.new_facts and clocks.restart_on_new_facts(
        primary.pk, c.received_at, f"new facts in {c.number}")
    return {"into": primary.number, "new_facts": p.new_facts, "clock_restarted": restarted}


def reopen(ctx: Ctx, c: Complaint, p: s.ReasonIn) -> dict[str, Any]:
    c.closed_at = None
    c.retention_until = None
    ctx.changed |= {"closed_at", "retention_until"}
    ctx.move(c)
    clocks.restart_decision(c.pk, ctx.now)
    return {"reason": p.reason}


def rule_validity(ctx: Ctx, c: Complaint, p: s.RuleValidityIn) -> dict[str, Any]:
    """The consumer-protection officer's ruling: only valid complaints count against a unit."""
    previous, c.validity = c.validity, p.validity
    ctx.changed.add("validity")
    rulings.record_validity(c, p.validity, p.reason, ctx.principal.label, ctx.now)
    ctx.move(c)
    return {"validity": p.validity, "previous": previous, "reason": p.reason}


def tag_root_cause(ctx: Ctx, c: Complaint, p: s.RootCauseIn) -> dict[str, Any]:
    cause = rulings.tag_root_cause(c, p.root_cause, p.note, ctx.principal.label, ctx.now)
    ctx.move(c)
    return {"root_cause": cause.code, "label": cause.label, "note": p.note}


HANDLERS: dict[str, Handler] = {
    "accept": accept, "decline": decline, "assign": assign, "claim": claim,
    "contact": contact, "add_evidence": add_evidence, "schedule_visit": schedule_visit,
    "record_visit": record_visit, "note": note, "propose_resolution": propose_resolution,
    "approve": approve, "return": return_, "respond": respond,
    "start_follow_up": start_follow_up, "follow_up_result": follow_up_result,
    "request_review": request_review, "decide_review": decide_review, "refer": refer,
    "record_referral_outcome": record_referral_outcome, "extend": extend, "pause": pause,
    "resume": resume, "escalate": escalate, "withdraw": withdraw, "merge": merge,
    "reopen": reopen, "rule_validity": rule_validity, "tag_root_cause": tag_root_cause,
}

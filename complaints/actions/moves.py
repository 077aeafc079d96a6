"""One handler per lifecycle action. A handler validates what only it knows, records the
action's own rows, takes the transition and returns the event payload. It runs inside
run_action's transaction, after the role, version and state checks."""

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from clocks import service as clocks
from complaints import action_schemas as s
from complaints.actions.common import (
    Handler,
    bad,
    close,
    megabytes,
    raise_severity,
    staff_member,
)
from complaints.actions.facts import record_group_size
from complaints.actions.resolutions import (
    approve,
    decide_review,
    follow_up_result,
    propose_resolution,
    request_review,
    respond,
    return_,
    start_follow_up,
)
from complaints.actions.run import Ctx
from complaints.audit import append_event
from complaints.choices import (
    PAUSE_WHILE_EN,
    SEVERITY_RANK,
    DeclineReason,
    PauseReason,
    ReferralKind,
    Severity,
    State,
)
from complaints.errors import Forbidden
from complaints.lifecycle import END, MANAGERS
from complaints.models import (
    Attachment,
    Complaint,
    Contact,
    Referral,
    Visit,
)
from complaints.scan import ScanRefused, scan
from complaints.selectors import visits_awaiting_answer
from complaints.sniff import sniff_type
from notify.customer import notify_customer
from notify.staff import announce_major, nearest_managers, tell_staff
from org.choices import StaffEvent
from org.models import OrgUnit, RoleGrant
from org.routing import pick_handler
from reports import rollups, rulings


def accept(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    ctx.move(c)
    return {"comment": p.comment}


def decline(ctx: Ctx, c: Complaint, p: s.DeclineIn) -> dict[str, Any]:
    ctx.move(c)
    clocks.cancel_open(c.pk)
    close(ctx, c)
    zh_reason, en_reason = DeclineReason(p.reason).label.split(" ", 1)
    sent = notify_customer(
        c, "decline_notice", key=str(c.version),
        zh=f"您的投诉{c.number}不予办理，原因：{zh_reason}（{p.detail}）。"
           "如有异议可向上级机构或监管部门反映。",
        en=f"We cannot take complaint {c.number} forward. Reason: {en_reason} ({p.detail}). "
           "You may raise this with our head office or the regulator.",
    )
    return {"reason": p.reason, "detail": p.detail, "notified_by": sent}


def assign(ctx: Ctx, c: Complaint, p: s.AssignIn) -> dict[str, Any]:
    """Dispatch the work order to a unit and a handler; with no handler named, the unit's
    assignment mode picks one. Sending it to another unit is a transfer: the reason is kept and
    the receiving unit's managers are told."""
    # Read fresh, not from the unit cache: round robin keeps its place on this row.
    unit = OrgUnit.objects.filter(code=p.unit, active=True).first()
    if unit is None or not ctx.principal.can_read(unit.path):
        raise bad("unit", f"您的权限范围内没有机构 {p.unit!r} / no org unit {p.unit!r} within "
                          "your scope")
    transfer = unit.pk != c.unit_id
    if transfer and c.state != State.ACCEPTED and not p.reason:
        raise bad("reason", "转办到其他机构须说明理由 / a transfer to another unit needs a reason")
    if p.handler:
        handler = staff_member(p.handler, "handler", unit, frozenset({"handler", "manager"}))
        if c.staff_complained_about_id == handler.pk:
            raise bad("handler", "被投诉的员工须回避，不能处理此投诉 / the staff member "
                             "complained about may not handle it (recusal)")
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
        tell_staff(unit=unit, event=StaffEvent.TRANSFER, key=key,
                   user_ids=nearest_managers(unit),
                   text=f"转办 Transferred {c.number}: {previous.code} → {unit.code}. {p.reason}",
                   complaint_id=c.pk)
        if c.severity == Severity.MAJOR:  # the new chain answers for it too (told once each)
            announce_major(c, f"转办 Transferred {previous.code} → {unit.code}. {p.reason}")
    return {"from_unit": previous.code, "unit": unit.code,
            "handler": handler.get_username() if handler else "", "reason": p.reason,
            "picked": bool(handler and not p.handler)}


def claim(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    user_id = ctx.principal.user_id
    if c.handler_id and c.handler_id != user_id and not (
        ctx.principal.roles_on(c.unit.path) & MANAGERS
    ):
        raise Forbidden("工单已派给他人 / This work order is assigned to someone else",
                        [("handler", "工单已派给他人 / not you")])
    if c.staff_complained_about_id == user_id:
        raise Forbidden("您是被投诉员工，须回避 / You are the staff member complained about",
                        [("handler", "须回避 / recusal")])
    c.handler_id = user_id
    ctx.changed.add("handler")
    ctx.move(c)
    return {"handler": ctx.principal.label}


SLACK = dt.timedelta(minutes=5)  # clocks of the machines that enter times disagree a little
VISIT_AHEAD = dt.timedelta(days=366)


def _check_time(field: str, at: dt.datetime, c: Complaint, latest: dt.datetime) -> None:
    """A time a person entered lies between the complaint's receipt and `latest` (a mistyped
    year would otherwise move service measures such as the first-contact time)."""
    if at < c.received_at - SLACK:
        raise bad(field, f"早于投诉收到时间 {timezone.localtime(c.received_at):%Y-%m-%d %H:%M} / "
                         "before the complaint was received")
    if at > latest + SLACK:
        raise bad(field, f"不能晚于 {timezone.localtime(latest):%Y-%m-%d %H:%M} / may not be "
                         "later than that")


def contact(ctx: Ctx, c: Complaint, p: s.ContactIn) -> dict[str, Any]:
    at = p.at or ctx.now
    _check_time("at", at, c, ctx.now)
    row = Contact.objects.create(complaint=c, kind=p.kind, at=at, outbound=p.outbound,
                                 summary=p.summary, staff_label=ctx.principal.label)
    ctx.meets_clocks = p.outbound  # the customer's own call is not the bank contacting them
    ctx.move(c)
    return {"contact_id": row.pk, "kind": p.kind, "at": at, "outbound": p.outbound,
            "summary": p.summary}


def add_evidence(ctx: Ctx, c: Complaint, p: s.EvidenceIn) -> dict[str, Any]:
    limit = settings.TOUSU_MAX_ATTACHMENT_BYTES
    if len(p.content_base64) > limit * 4 // 3 + 8:
        raise bad("content_base64", f"文件超过 {megabytes(limit)} 上限 / the file exceeds "
                                     f"{megabytes(limit)}")
    try:
        data = base64.b64decode(p.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise bad("content_base64", "不是有效的 base64 编码 / not valid base64") from None
    if not data or len(data) > limit:
        raise bad("content_base64", f"文件须为 1 字节至 {megabytes(limit)} / the file must be 1 "
                                     f"byte to {megabytes(limit)}")
    content_type = sniff_type(data)
    if content_type is None:
        raise bad("content_base64", "不接受的文件类型（PDF、图片、Office、文本、音频） / file type "
                                     "not accepted (PDF, images, Office, text, audio)")
    try:
        scan(data)  # clamd, when configured
    except ScanRefused as exc:
        raise bad("content_base64", f"病毒扫描未通过 / {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    row = Attachment(complaint=c, name=p.name, content_type=content_type, size=len(data),
                     sha256=digest, uploaded_by=ctx.principal.label, uploaded_at=ctx.now)
    row.file.save(f"{c.number}-{digest[:12]}", ContentFile(data), save=False)
    row.save()
    ctx.move(c)
    return {"attachment_id": row.pk, "name": p.name, "content_type": content_type,
            "size": len(data), "sha256": digest, "description": p.description}


def schedule_visit(ctx: Ctx, c: Complaint, p: s.ScheduleVisitIn) -> dict[str, Any]:
    _check_time("proposed_at", p.proposed_at, c, ctx.now + VISIT_AHEAD)
    row = Visit.objects.create(complaint=c, proposed_at=p.proposed_at, place=p.place,
                               customer_consent=p.customer_consent)
    ctx.move(c)
    return {"visit_id": row.pk, "proposed_at": p.proposed_at, "place": p.place,
            "customer_consent": p.customer_consent}


def record_visit(ctx: Ctx, c: Complaint, p: s.RecordVisitIn) -> dict[str, Any]:
    visits = c.visits.filter(visited_at__isnull=True).order_by("-proposed_at")
    visit = visits.filter(pk=p.visit_id).first() if p.visit_id else visits.first()
    if visit is None:
        raise bad("visit_id", "没有待记录的上门核实 / no scheduled visit to record")
    if not visit.customer_consent:
        raise bad("visit_id", "客户未同意此次上门 / the customer has not consented to this visit")
    visited_at = p.visited_at or ctx.now
    _check_time("visited_at", visited_at, c, ctx.now)
    visit.visited_at, visit.outcome = visited_at, p.outcome
    visit.save(update_fields=["visited_at", "outcome"])
    ctx.move(c)
    return {"visit_id": visit.pk, "visited_at": visit.visited_at, "outcome": p.outcome}


def answer_visit(ctx: Ctx, c: Complaint, p: s.AnswerVisitIn) -> dict[str, Any]:
    """The customer agrees to a proposed visit (record_visit needs the consent) or declines it;
    one answer per visit."""
    visit = c.visits.filter(pk=p.visit_id, visited_at__isnull=True).first()
    if visit is None:
        raise bad("visit_id", "没有待答复的上门核实 / no proposed visit to answer")
    if not visits_awaiting_answer(c).filter(pk=visit.pk).exists():
        raise bad("visit_id", "已答复过此次上门 / this visit has already been answered")
    if p.consent:
        visit.customer_consent = True
        visit.save(update_fields=["customer_consent"])
    ctx.move(c)
    return {"visit_id": visit.pk, "consent": p.consent}


def note(ctx: Ctx, c: Complaint, p: s.NoteIn) -> dict[str, Any]:
    ctx.move(c)
    return {"text": p.text}


def refer(ctx: Ctx, c: Complaint, p: s.ReferIn) -> dict[str, Any]:
    row = Referral.objects.create(complaint=c, kind=p.kind, body=p.body, reference=p.reference,
                                  referred_at=ctx.now)
    ended = clocks.end_duties(c.pk)
    ctx.move(c)
    zh_kind, en_kind = ReferralKind(p.kind).label.split(" ", 1)
    sent = notify_customer(
        c, "referral_notice", key=str(c.version),
        zh=f"您的投诉{c.number}已转交{p.body}（{zh_kind}）处理"
           + (f"，编号{p.reference}。" if p.reference else "。"),
        en=f"We have referred complaint {c.number} to {p.body} ({en_kind.lower()})"
           + (f", reference {p.reference}." if p.reference else "."),
    )
    return {"referral_id": row.pk, "kind": p.kind, "body": p.body, "reference": p.reference,
            "notified_by": sent, "deadlines_ended": ended}


def record_referral_outcome(ctx: Ctx, c: Complaint, p: s.ReferralOutcomeIn) -> dict[str, Any]:
    row = c.referrals.filter(outcome_at__isnull=True).order_by("-pk").first()
    if row is None:
        raise bad("referral", "没有未结的外部转介 / no open referral")
    row.outcome, row.outcome_at = p.outcome, ctx.now
    row.save(update_fields=["outcome", "outcome_at"])
    clocks.cancel_open(c.pk)
    ctx.move(c)
    close(ctx, c)
    return {"referral_id": row.pk, "outcome": p.outcome}


def extend(ctx: Ctx, c: Complaint, p: s.ExtendIn) -> dict[str, Any]:
    approver = staff_member(p.approver, "approver", c.unit, MANAGERS)
    # CN Art. 18: the superior institution or a head-office senior manager; a branch's own
    # manager is not above a complaint the branch itself handles.
    senior_grants = RoleGrant.objects.filter(
        user=approver, role__in=MANAGERS, unit__kind__in=["head_office", "branch"]
    ).values_list("unit__path", "unit__kind")
    senior = any(c.unit.path.startswith(path) and (path != c.unit.path or kind == "head_office")
                 for path, kind in senior_grants)
    try:
        deadline = clocks.extend(c.pk, p.obligation, p.total_days, p.reason, p.approver,
                                 senior, conditions=p.conditions, flags=c.tags, at=ctx.now)
    except clocks.ClockError as exc:
        raise bad(exc.field, str(exc)) from None
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
        raise bad(exc.field, str(exc)) from None
    ctx.move(c)
    reason = PauseReason(p.reason)
    sent = notify_customer(
        c, "pause_notice", key=str(c.version),
        zh=f"您的投诉{c.number}因{reason.label.split(' ', 1)[0]}，相关期间不计入处理期限，"
           "该情形消除后将恢复处理。",
        en=f"The time limit for complaint {c.number} is paused while {PAUSE_WHILE_EN[reason]}.",
    )
    return {"reason": p.reason, "detail": p.detail, "notified_by": sent}


def resume(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    try:
        deadline = clocks.resume_decision(c.pk, ctx.now)
    except clocks.ClockError as exc:
        raise bad(exc.field, str(exc)) from None
    # The pause notice promised to tell the customer when work resumes, and the new date.
    due = clocks.local_due(deadline).date()
    sent = notify_customer(
        c, "resume_notice", key=str(c.version),
        zh=f"您的投诉{c.number}已恢复处理，处理期限顺延至{due:%Y年%m月%d日}。",
        en=f"We have resumed work on complaint {c.number}. We will give you our decision by "
           f"{due:%d %B %Y}.",
    )
    ctx.move(c)
    return {"due_at": deadline.due_at, "comment": p.comment, "notified_by": sent}


def escalate(ctx: Ctx, c: Complaint, p: s.EscalateIn) -> dict[str, Any]:
    if SEVERITY_RANK[p.severity] <= SEVERITY_RANK[c.severity]:  # type: ignore[index]
        zh, _space, en = Severity(c.severity).label.partition(" ")
        raise bad("severity", f"须高于当前等级（{zh}）/ must be higher than the current one "
                              f"({en.lower()})")
    previous = raise_severity(ctx, c, p.severity, p.reason)
    ctx.move(c)
    return {"from": previous, "to": p.severity, "reason": p.reason}


def withdraw(ctx: Ctx, c: Complaint, p: s.WithdrawIn) -> dict[str, Any]:
    ctx.move(c)
    clocks.cancel_open(c.pk)
    close(ctx, c)
    return {"reason": p.reason, "via": p.via}


def merge(ctx: Ctx, c: Complaint, p: s.MergeIn) -> dict[str, Any]:
    primary = Complaint.objects.filter(ctx.principal.visibility(), number=p.into).first()
    if primary is None or primary.pk == c.pk:
        raise bad("into", f"您的权限范围内没有其他投诉 {p.into!r} / no other complaint {p.into!r} "
                          "within your scope")
    if primary.customer_id != c.customer_id:
        raise bad("into", "主投诉属于其他客户 / the primary complaint belongs to another customer")
    if primary.state in END:
        raise bad("into", f"主投诉已是 {primary.get_state_display()} / the primary complaint is "
                          f"{primary.state}")
    c.primary = primary
    ctx.changed.add("primary")
    ctx.move(c)
    clocks.cancel_open(c.pk)
    close(ctx, c)
    # New facts or reasons restart the primary's clock from their receipt (CN Art. 18 ¶3).
    restarted = p.new_facts and clocks.restart_on_new_facts(
        primary.pk, c.received_at, f"new facts in {c.number}")
    _inherit_severity(ctx, primary, c)
    return {"into": primary.number, "new_facts": p.new_facts, "clock_restarted": restarted}


def _inherit_severity(ctx: Ctx, primary: Complaint, merged: Complaint) -> None:
    """The primary carries on the merged complaint's matter: a higher severity goes with it,
    on the primary's timeline, and a major one is announced (CN Art. 29)."""
    if SEVERITY_RANK[merged.severity] <= SEVERITY_RANK[primary.severity]:  # type: ignore[index]
        return
    locked = Complaint.objects.select_for_update().get(pk=primary.pk)
    previous, locked.severity = locked.severity, merged.severity
    locked.version += 1
    reason = f"合并 Merged {merged.number}"
    append_event(locked, "escalate", actor_label=ctx.principal.label,
                 actor_id=ctx.principal.user_id, at=ctx.now,
                 payload={"from": previous, "to": locked.severity, "reason": reason})
    rollups.on_action(locked)  # before the save: it compares with the row as stored
    locked.save(update_fields=["severity", "version", "last_event_seq", "last_event_hash",
                               "updated_at"])
    if locked.severity == Severity.MAJOR:
        announce_major(locked, reason)


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
    "record_visit": record_visit, "answer_visit": answer_visit, "note": note,
    "propose_resolution": propose_resolution,
    "approve": approve, "return": return_, "respond": respond,
    "start_follow_up": start_follow_up, "follow_up_result": follow_up_result,
    "request_review": request_review, "decide_review": decide_review, "refer": refer,
    "record_referral_outcome": record_referral_outcome, "extend": extend, "pause": pause,
    "resume": resume, "escalate": escalate, "withdraw": withdraw, "merge": merge,
    "reopen": reopen, "rule_validity": rule_validity, "tag_root_cause": tag_root_cause,
    "record_group_size": record_group_size,
}

"""Handlers from the decision on: resolution, approval, response, follow-up and review."""

from decimal import Decimal
from typing import Any

from clocks import service as clocks
from clocks.choices import Obligation
from complaints import action_schemas as s
from complaints.actions.common import bad, close
from complaints.actions.run import Ctx
from complaints.choices import RemedyKind, ReviewOutcome, State
from complaints.errors import Conflict, Forbidden
from complaints.lifecycle import always_needs_approval
from complaints.models import Complaint, Resolution, ReviewRequest, Survey
from complaints.selectors import on_higher_unit, review_requested
from notify.customer import notify_customer
from notify.staff import tell_approvers, tell_returned, tell_review_requested


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
    if always_needs_approval(c.severity) or (amount or 0) > c.unit.approval_limit:
        return "unit"
    return ""


PAID_REMEDIES = frozenset({RemedyKind.REFUND, RemedyKind.COMPENSATION})


def check_remedy_amount(remedy: str, amount: Decimal | None) -> None:
    """A remedy that pays money names the sum: the notice tells it and the approval limits
    weigh it."""
    if remedy in PAID_REMEDIES and not amount:
        raise bad("amount", f"退款或补偿须填写大于 0 的金额 / a {remedy} needs an amount above 0")


def propose_resolution(ctx: Ctx, c: Complaint, p: s.ProposeIn) -> dict[str, Any]:
    check_remedy_amount(p.remedy, p.amount)
    level = approval_level(c, p.amount)
    needs = bool(level)
    r = Resolution.objects.create(
        complaint=c, decision=p.decision, remedy=p.remedy, amount=p.amount,
        verification=p.verification, basis=p.basis, reasons=p.reasons, needs_approval=needs,
        approval_level=level, proposed_by=ctx.principal.label, proposed_at=ctx.now,
    )
    if needs:
        ctx.move(c, State.AWAITING_APPROVAL)
        tell_approvers(c, level=level, proposer_id=ctx.principal.user_id, resolution_id=r.pk)
        return {"resolution_id": r.pk, "decision": p.decision, "remedy": p.remedy,
                "amount": p.amount, "needs_approval": True, "approval_level": level}
    ctx.move(c, State.RESPONDED)
    return {**_respond(ctx, c, r, p), "needs_approval": False}


def _pending_resolution(c: Complaint) -> Resolution:
    r = c.resolutions.filter(approved_at__isnull=True, returned_reason="").order_by("-pk").first()
    if r is None:
        raise bad("resolution", "没有待审批的处理方案 / no resolution awaits approval")
    return r


def _check_approver(ctx: Ctx, c: Complaint, r: Resolution) -> None:
    if r.proposed_by == ctx.principal.label:
        raise Forbidden("不能审批自己提出的方案 / You may not approve your own proposal",
                        [("approver", "不能审批自己提出的方案（双人复核） / four eyes")])
    if r.approval_level == "above" and not on_higher_unit(ctx.principal, c):
        raise Forbidden("须由上一级机构的管理人员审批 / This amount needs approval by a manager "
                        "of the unit above",
                        [("approver",
                          "须由上一级机构的管理人员审批 / approval one level up required")])


def approve(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    r = _pending_resolution(c)
    _check_approver(ctx, c, r)
    check_remedy_amount(r.remedy, r.amount)
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
    tell_returned(c, reason=p.reason, resolution_id=r.pk)
    return {"resolution_id": r.pk, "reason": p.reason}


def respond(ctx: Ctx, c: Complaint, p: s.NoticeIn) -> dict[str, Any]:
    """Respond directly. From awaiting_approval this approves the pending resolution with the
    notice's wording (managers only, never one's own proposal), keeping its decision, remedy and
    amount: another decision means returning the proposal first. From investigating it needs
    no approval, so it is refused where one is always needed (a major complaint)."""
    if c.state == State.AWAITING_APPROVAL:
        r = _pending_resolution(c)
        _check_approver(ctx, c, r)
        check_remedy_amount(r.remedy, r.amount)
        if p.decision != r.decision:
            raise Conflict(
                "与待审批方案不一致 / The pending proposal says otherwise: return it and propose "
                "again",
                [("decision", f"与待审批方案的决定（{r.get_decision_display()}）不一致：请先退回"
                              "方案再重新提出 / differs from the decision of the proposal "
                              f"awaiting approval ({r.decision}): return the proposal and "
                              "propose again, or approve it")],
                code="proposal_pending")
        reworded = (r.verification, r.basis, r.reasons) != (p.verification, p.basis, p.reasons)
        r.verification, r.basis, r.reasons = p.verification, p.basis, p.reasons
        r.approved_by, r.approved_at = ctx.principal.label, ctx.now
        r.save(update_fields=["verification", "basis", "reasons", "approved_by", "approved_at"])
    elif always_needs_approval(c.severity):
        raise Conflict(
            "重大投诉须经审批方可答复 / A major complaint is answered only with an approved "
            "resolution",
            [("action", "重大投诉须先提出处理方案（propose_resolution）并经审批后方可答复 / a "
                        "major complaint needs an approved resolution: propose a resolution "
                        "(propose_resolution) and have it approved before responding")],
            code="approval_required")
    else:
        reworded = False
        r = Resolution.objects.create(
            complaint=c, decision=p.decision, remedy="explanation", verification=p.verification,
            basis=p.basis, reasons=p.reasons, proposed_by=ctx.principal.label,
            proposed_at=ctx.now, approved_by=ctx.principal.label, approved_at=ctx.now,
        )
    ctx.move(c)
    return {**_respond(ctx, c, r, p), "approved_by": r.approved_by,
            "proposed_by": r.proposed_by, "reworded": reworded}


def start_follow_up(ctx: Ctx, c: Complaint, p: s.ApproveIn) -> dict[str, Any]:
    ctx.move(c)
    return {"comment": p.comment}


def follow_up_result(ctx: Ctx, c: Complaint, p: s.FollowUpResultIn) -> dict[str, Any]:
    Survey.objects.create(complaint=c, score=p.score, satisfied=p.satisfied, comment=p.comment,
                          at=ctx.now)
    if p.satisfied:
        ctx.move(c, State.CLOSED)
        close(ctx, c)
    else:
        ctx.move(c, State.INVESTIGATING)
        clocks.restart_decision(c.pk, ctx.now)
    return {"satisfied": p.satisfied, "score": p.score, "comment": p.comment}


def request_review(ctx: Ctx, c: Complaint, p: s.RequestReviewIn) -> dict[str, Any]:
    if review_requested(c):
        message = ("此处理决定已申请过复核，每个决定只能申请一次复核 / A review of this decision "
                   "has already been requested: each decision may be reviewed once")
        raise Conflict(message, [("review", message)], code="review_requested")
    if not clocks.review_window_open(c.pk, ctx.now):
        raise bad("requested_at", "30 日复核申请期限已过 / the 30-day review window has closed")
    ReviewRequest.objects.create(complaint=c, requested_at=ctx.now, reason=p.reason)
    clocks.stop(c.pk, Obligation.REVIEW_REQUEST_WINDOW, ctx.now)
    clocks.open_review_decision(c.pk, ctx.now)
    c.closed_at = None
    ctx.changed.add("closed_at")
    ctx.move(c)
    tell_review_requested(c)
    # The customer learns the request arrived and by when the review will be decided.
    deadline = c.deadlines.filter(obligation=Obligation.REVIEW_DECISION).first()
    due = clocks.local_due(deadline).date() if deadline else None
    sent = notify_customer(
        c, "review_received", key=str(c.version), due_at=deadline.due_at if deadline else None,
        zh=f"我们已收到您对投诉{c.number}处理决定的复核申请，"
           + (f"将于{due:%Y年%m月%d日}前作出复核决定并告知您。" if due
              else "将尽快告知您复核结论。"),
        en=f"We have received your request for a review of our decision on complaint "
           f"{c.number}. " + (f"We will give you the review decision by {due:%d %B %Y}." if due
                              else "We will tell you its outcome."),
    )
    return {"reason": p.reason, "notified_by": sent}


def decide_review(ctx: Ctx, c: Complaint, p: s.DecideReviewIn) -> dict[str, Any]:
    if not on_higher_unit(ctx.principal, c):
        raise Forbidden("复核须由上一级机构决定 / A review is decided by the unit above",
                        [("action", "复核须由上一级机构决定 / higher unit only")])
    review = c.reviews.filter(decided_at__isnull=True).order_by("-pk").first()
    if review is None:
        raise bad("review", "没有待决定的复核申请 / no open review request")
    changed = _changed_decision(ctx, c, p) if p.outcome == ReviewOutcome.CHANGED else None
    review.decided_at, review.outcome = ctx.now, p.outcome
    review.reasons, review.decided_by = p.reasons, ctx.principal.label
    review.save(update_fields=["decided_at", "outcome", "reasons", "decided_by"])
    clocks.stop(c.pk, Obligation.REVIEW_DECISION, ctx.now)
    ctx.move(c)
    close(ctx, c)
    zh_new = en_new = ""
    if changed is not None:  # the decision it changed to, in full
        decision, remedy = changed.get_decision_display(), changed.get_remedy_display()
        amount = f" {changed.amount}" if changed.amount is not None else ""
        zh_new = (f"变更后的处理决定：{decision.split(' ', 1)[0]}，"
                  f"{remedy.split(' ', 1)[0]}{amount}。")
        en_new = (f"Our decision is now: {decision.split(' ', 1)[-1]}, "
                  f"{remedy.split(' ', 1)[-1]}{amount}. ")
    sent = notify_customer(
        c, "review_decision", key=str(c.version),
        zh=f"您对投诉{c.number}的复核申请已有结论：{review.get_outcome_display()}。{zh_new}"
           f"理由：{p.reasons}",
        en=f"Review of complaint {c.number}: {review.get_outcome_display()}. {en_new}"
           f"Reasons: {p.reasons}",
    )
    new = {} if changed is None else {"resolution_id": changed.pk, "decision": changed.decision,
                                      "remedy": changed.remedy, "amount": changed.amount}
    return {"outcome": p.outcome, "reasons": p.reasons, **new, "notified_by": sent}


def _changed_decision(ctx: Ctx, c: Complaint, p: s.DecideReviewIn) -> Resolution:
    """The decision a review changed to, taken by the reviewing unit (its approval is the
    review itself); how the facts were verified carries over from the decision reviewed."""
    if p.decision is None or p.remedy is None:
        field = "decision" if p.decision is None else "remedy"
        raise bad(field, "变更原决定须写明新的处理决定和补救措施 / a changed decision needs the "
                         "new decision and remedy")
    check_remedy_amount(p.remedy, p.amount)
    before = c.resolutions.filter(approved_at__isnull=False).order_by("-approved_at", "-pk").first()
    return Resolution.objects.create(
        complaint=c, decision=p.decision, remedy=p.remedy, amount=p.amount,
        verification=before.verification if before else p.reasons,
        basis=before.basis if before else p.reasons, reasons=p.reasons,
        proposed_by=ctx.principal.label, proposed_at=ctx.now,
        approved_by=ctx.principal.label, approved_at=ctx.now)

"""The stories demo complaints follow, as sequences of real lifecycle actions. Each story names
the state it ends in (STORY_END); the loader checks that the complaint really got there.

Hours between steps are (low, high) ranges; the walk picks a stable point in each."""

import base64
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from complaints.choices import State
from complaints.models import Complaint
from demo.walk import HOTLINE, Walk, registrar

Story = Callable[[Walk], None]


# Stages shared by the stories.
def accept(w: Walk) -> None:
    w.act(registrar(w.plan), "accept", (0.3, 4), comment=w.say("accept"))


def dispatch(w: Walk, *, claim: bool = True) -> None:
    w.act(w.cast.manager, "assign", (1, 6), unit=w.plan.unit, handler=w.cast.handler)
    if claim:
        w.act(w.cast.handler, "claim", (0.5, 3))


def first_contact(w: Walk) -> None:
    w.act(w.cast.handler, "contact", (2, 20), kind="call", summary=w.say("first_contact"))


def start(w: Walk) -> None:
    """Registered, accepted, dispatched, claimed, first contact made: investigating."""
    w.register()
    accept(w)
    dispatch(w)
    first_contact(w)


def note(w: Walk) -> None:
    w.act(w.cast.handler, "note", (3, 20), text=w.say("note"))


def evidence(w: Walk) -> None:
    content = f"{w.say('evidence_text')}\n{w.number}\n".encode()
    w.act(registrar(w.plan), "add_evidence", (4, 30), name=w.say("evidence_name"),
          content_base64=base64.b64encode(content).decode(),
          description=w.say("evidence_description"))


def visit(w: Walk) -> None:
    proposed = w.clock.now + dt.timedelta(hours=30)
    w.act(w.cast.handler, "schedule_visit", (2, 10), proposed_at=proposed,
          place=w.say("visit_place"), customer_consent=True)
    w.act(w.cast.handler, "record_visit", (24, 30), outcome=w.say("visit_outcome"))


def sms_update(w: Walk) -> None:
    w.act(w.cast.handler, "contact", (6, 30), kind="sms", summary=w.say("sms_update"))


def escalate(w: Walk) -> None:
    if w.severity != "major":
        w.act(w.cast.handler, "escalate", (1, 8), severity="major", reason=w.say("escalate"))


def extend(w: Walk, *, again: bool = False) -> None:
    w.act(w.cast.manager, "extend", (4, 24), total_days=30, reason=w.say("extend"),
          approver=w.cast.manager)
    if again:
        w.act(w.cast.manager, "extend", (48, 96), total_days=60,
              reason=w.say("extend_again"), approver=w.cast.senior)


def pause(w: Walk, reason: str = "appraisal") -> None:
    key = "pause_appraisal" if reason == "appraisal" else "pause_correction"
    w.act(w.cast.handler, "pause", (2, 24), reason=reason, detail=w.say(key))


def resume(w: Walk) -> None:
    w.act(w.cast.handler, "resume", (48, 120), comment=w.say("resume"))


def extras(w: Walk) -> None:
    """Zero to a few of the everyday steps of an investigation, chosen per complaint."""
    if w.plan.customer.vulnerable or w.chance("visit") < 0.08:
        visit(w)
    if w.chance("note") < 0.35:
        note(w)
    if w.chance("evidence") < 0.12:
        evidence(w)
    if w.chance("sms") < 0.25:
        sms_update(w)
    if w.chance("escalate") < 0.06:
        escalate(w)
    if w.chance("extend") < 0.06:
        extend(w)
    elif w.chance("pause") < 0.05:
        pause(w, "correction")
        resume(w)


def _decision(w: Walk) -> str:
    point = w.chance("decision")
    return "upheld" if point < 0.45 else "partially_upheld" if point < 0.75 else "rejected"


def resolve(w: Walk, *, large: bool = False, approve: bool = True) -> None:
    """Propose a resolution (or answer directly with an explanation); a proposal that needs
    approval (major, or above the unit's limit) is approved by the unit's manager."""
    decision = "upheld" if large else _decision(w)
    notice = {"decision": decision, "verification": w.say("verification"),
              "basis": w.say("basis"), "sent_via": "sms",
              "reasons": w.say({"upheld": "reasons_upheld", "partially_upheld": "reasons_partial",
                                "rejected": "reasons_rejected"}[decision])}
    if decision == "rejected" and w.severity != "major" and w.chance("direct") < 0.6:
        w.act(w.cast.handler, "respond", (24, 96), **notice)
        return
    if large:
        remedy, amount = "compensation", Decimal(8000 + 500 * (w.plan.index % 40))
    elif decision == "rejected":
        remedy, amount = "explanation", None
    else:
        remedy = ("refund", "apology", "correction")[w.plan.index % 3]
        amount = Decimal(50 + 37 * (w.plan.index % 50)) if remedy == "refund" else None
    took = (24.0, 96.0) if w.chance("slow") >= 0.05 else (15 * 24.0, 18 * 24.0)  # a few late
    w.act(w.cast.handler, "propose_resolution", took, remedy=remedy, amount=amount, **notice)
    if approve and w.state == State.AWAITING_APPROVAL:
        w.act(w.cast.manager, "approve", (3, 24), comment=w.say("approve"))


def follow_up(w: Walk, *, result: bool | None = True) -> None:
    """Start the follow-up; record the customer's answer unless `result` is None."""
    w.act(HOTLINE, "start_follow_up", (24, 72), comment=w.say("follow_up"))
    if result is None:
        return
    score = 4 + w.plan.index % 2 if result else 1 + w.plan.index % 2
    w.act(HOTLINE, "follow_up_result", (0.5, 4), satisfied=result, score=score,
          comment=w.say("satisfied" if result else "unsatisfied"))


def request_review(w: Walk) -> None:
    w.act(HOTLINE, "request_review", (48, 120), reason=w.say("request_review"))


# The stories.
def registered(w: Walk) -> None:
    w.register()


def accepted(w: Walk) -> None:
    w.register()
    accept(w)


def assigned(w: Walk) -> None:
    w.register()
    accept(w)
    dispatch(w, claim=False)


def investigating(w: Walk) -> None:
    start(w)
    variant = (w.plan.index // 40 + w.plan.index % 40) % 6
    if variant == 0:
        note(w)
        evidence(w)
    elif variant == 1:
        pause(w, "appraisal")  # still waiting for the external examination
    elif variant == 2:
        extend(w, again=w.chance("again") < 0.5)
    elif variant == 3:
        w.act(w.cast.handler, "propose_resolution", (24, 96), decision="upheld",
              remedy="compensation", amount=Decimal("12000"), verification=w.say("verification"),
              basis=w.say("basis"), reasons=w.say("reasons_upheld"))
        w.act(w.cast.manager, "return", (3, 24), reason=w.say("return"))
    elif variant == 4:
        resolve(w)
        follow_up(w, result=False)  # not satisfied: reprocessed
    else:
        pause(w, "correction")
        resume(w)


def merge_primary(w: Walk) -> None:
    start(w)


def merged(w: Walk) -> None:
    primary = Complaint.objects.values_list("number", flat=True).get(
        idempotency_key=w.plan.primary_key)
    w.register()
    w.act(w.cast.handler, "merge", (1, 24), into=primary)


def awaiting_approval(w: Walk) -> None:
    start(w)
    extras(w)
    resolve(w, large=True, approve=False)


def responded(w: Walk) -> None:
    start(w)
    extras(w)
    resolve(w)


def follow_up_pending(w: Walk) -> None:
    responded(w)
    follow_up(w, result=None)


def closed(w: Walk) -> None:
    responded(w)
    follow_up(w)


def closed_approved(w: Walk) -> None:
    start(w)
    extras(w)
    resolve(w, large=True)
    follow_up(w)


def closed_review(w: Walk) -> None:
    closed(w)
    request_review(w)
    outcome = "upheld" if w.chance("review") < 0.7 else "changed"
    # A changed decision states the new one: here, a refund after all.
    new = ({"decision": "upheld", "remedy": "refund",
            "amount": Decimal(80 + 23 * (w.plan.index % 40))} if outcome == "changed" else {})
    w.act(w.cast.reviewer, "decide_review", (72, 240), outcome=outcome,
          reasons=w.say(f"review_{outcome}"), **new)


def closed_referral(w: Walk) -> None:
    start(w)
    w.act(w.cast.handler, "refer", (24, 96), kind="mediation",
          body=w.say("referral_mediation_body"), reference=f"MED-{w.plan.index:05d}")
    w.act(w.cast.handler, "record_referral_outcome", (72, 300), outcome=w.say("referral_outcome"))


def closed_reopened(w: Walk) -> None:
    closed(w)
    w.act(w.cast.manager, "reopen", (72, 168), reason=w.say("reopen"))
    note(w)
    notice = {"decision": "partially_upheld", "verification": w.say("verification"),
              "basis": w.say("basis"), "reasons": w.say("reasons_partial")}
    if w.severity == "major":  # answered only with an approved resolution
        w.act(w.cast.handler, "propose_resolution", (48, 120), remedy="explanation",
              sent_via="sms", **notice)
        w.act(w.cast.manager, "approve", (3, 24), comment=w.say("approve"))
    else:
        w.act(w.cast.handler, "respond", (48, 120), **notice)
    follow_up(w)


def declined(w: Walk) -> None:
    w.register()
    reason = ("not_a_complaint", "no_standing", "already_decided")[w.plan.index // 40 % 3]
    detail = {"not_a_complaint": "decline_query", "no_standing": "decline_no_standing",
              "already_decided": "decline_decided"}[reason]
    w.act(registrar(w.plan), "decline", (0.5, 24), reason=reason, detail=w.say(detail))


def withdrawn(w: Walk) -> None:
    w.register()
    accept(w)
    if w.chance("withdraw_late") < 0.6:
        dispatch(w)
        first_contact(w)
    w.act(HOTLINE, "withdraw", (12, 96), reason=w.say("withdraw"), via="phone")


def reviewing(w: Walk) -> None:
    closed(w)
    request_review(w)


def referred(w: Walk) -> None:
    start(w)
    escalate(w)
    kind = ("litigation", "regulator", "arbitration")[w.plan.index // 40 % 3]
    body = {"litigation": "referral_litigation_body", "regulator": "referral_regulator_body",
            "arbitration": "referral_mediation_body"}[kind]
    w.act(w.cast.handler, "refer", (24, 96), kind=kind, body=w.say(body),
          reference=f"REF-{w.plan.index:05d}")


STORIES: dict[str, Story] = {
    "registered": registered, "accepted": accepted, "assigned": assigned,
    "investigating": investigating, "merge_primary": merge_primary, "merged": merged,
    "awaiting_approval": awaiting_approval, "responded": responded,
    "follow_up": follow_up_pending, "closed": closed, "closed_approved": closed_approved,
    "closed_review": closed_review, "closed_referral": closed_referral,
    "closed_reopened": closed_reopened, "declined": declined, "withdrawn": withdrawn,
    "reviewing": reviewing, "referred": referred,
}
STORY_END: dict[str, str] = {
    "registered": State.REGISTERED, "accepted": State.ACCEPTED, "assigned": State.ASSIGNED,
    "investigating": State.INVESTIGATING, "merge_primary": State.INVESTIGATING,
    "merged": State.MERGED, "awaiting_approval": State.AWAITING_APPROVAL,
    "responded": State.RESPONDED, "follow_up": State.FOLLOW_UP, "closed": State.CLOSED,
    "closed_approved": State.CLOSED, "closed_review": State.CLOSED,
    "closed_referral": State.CLOSED, "closed_reopened": State.CLOSED,
    "declined": State.DECLINED, "withdrawn": State.WITHDRAWN, "reviewing": State.REVIEWING,
    "referred": State.REFERRED,
}

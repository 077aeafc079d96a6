"""Writes to a complaint's clocks. Called from complaint actions inside their transaction (the
complaint row is locked there, so two writers never race on one complaint's deadlines) and from
registration. Every function applies the rule pack the complaint's deadlines were computed with,
so changing TOUSU_RULE_PACK affects new complaints only."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from clocks import packs, rules
from clocks.choices import DeadlineKind
from clocks.choices import DeadlineStatus as DS
from clocks.models import Deadline
from clocks.packs import ObligationRule, RulePack

RUNNING = (DS.OPEN, DS.PAUSED)
REGULATOR_DUE = "regulator_due"
# What fulfilling each of these obligations means for the pack's other obligations.
_EVENT_OF = {"decision": "decision", "review_request_window": "review_request",
             "review_decision": "review_decision"}


class ClockError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _rows(complaint_id: int) -> list[Deadline]:
    return list(Deadline.objects.filter(complaint_id=complaint_id))


def _pack_of(rows: list[Deadline]) -> RulePack:
    return packs.get(rows[0].rule_pack) if rows else packs.get()


def _pack_for(complaint_id: int) -> RulePack:
    code = (Deadline.objects.filter(complaint_id=complaint_id)
            .values_list("rule_pack", flat=True).first())
    return packs.get(code)


def _flags(complaint_id: int) -> frozenset[str]:
    from complaints.models import Complaint

    tags = Complaint.objects.filter(pk=complaint_id).values_list("tags", flat=True).first()
    return frozenset(tags or ())


def _new(pack: RulePack, rule: ObligationRule, complaint_id: int, start: dt.datetime,
         due_at: dt.datetime | None = None) -> Deadline:
    return Deadline(
        complaint_id=complaint_id, obligation=rule.name, rule_pack=pack.code, kind=rule.kind,
        started_at=start, due_at=due_at or rules.due_at(pack, rule, start),
    )


def _current(deadline: Deadline, rule: ObligationRule) -> tuple[int, str]:
    """The period now in force: the rule's, or the last extension's."""
    if deadline.extensions:
        last = deadline.extensions[-1]
        return int(last["total_days"]), str(last.get("day_type", rule.day_type))
    return rule.count, rule.day_type


def _paused_units(deadline: Deadline) -> int:
    return sum(int(interval.get("days", 0)) for interval in deadline.paused_intervals)


def _recompute(pack: RulePack, rule: ObligationRule, deadline: Deadline) -> None:
    count, day_type = _current(deadline, rule)
    due = rules.due_at(pack, rule, deadline.started_at, count=count, day_type=day_type,
                       extra_days=_paused_units(deadline))
    if due != deadline.due_at:
        deadline.due_at = due
        deadline.warn_stage = 0  # warnings are owed again for the new due time


# Registration ------------------------------------------------------------------------------------

def decision_deadline(complaint_id: int, received_at: dt.datetime,
                      due_at: dt.datetime | None = None) -> Deadline:
    """The unsaved headline (decision) deadline of a newly registered complaint."""
    pack = packs.get()
    return _new(pack, pack.headline(frozenset()), complaint_id, received_at, due_at)


def open_receipt_clocks(complaint: Any, received_at: dt.datetime,
                        headline_due: dt.datetime | None = None) -> list[Deadline]:
    """Save every obligation the installation's pack starts at receipt for this complaint (its
    tags carry the clock flags); `headline_due`, when the caller computed it already, is used
    for the headline obligation. One INSERT for the usual single clock."""
    pack = packs.get()
    flags = frozenset(complaint.tags)
    headline = pack.headline(flags)
    deadlines = [
        _new(pack, rule, complaint.pk, received_at, headline_due if rule is headline else None)
        for rule in pack.starting("receipt", flags)
    ]
    if len(deadlines) == 1:
        deadlines[0].save()
    else:
        Deadline.objects.bulk_create(deadlines)
    return sorted(deadlines, key=lambda d: (d.due_at, d.pk or 0))


def sync_obligations(complaint: Any) -> list[Deadline]:
    """Add the receipt obligations a complaint has gained since registration (a clock flag set
    by triage or an override), counted from its receipt. Returns the new rows."""
    rows = _rows(complaint.pk)
    pack = _pack_of(rows)
    have = {d.obligation for d in rows}
    new = [_new(pack, rule, complaint.pk, complaint.received_at)
           for rule in pack.starting("receipt", frozenset(complaint.tags)) if rule.name not in have]
    Deadline.objects.bulk_create(new)
    return new


# Fulfilment --------------------------------------------------------------------------------------

def _meet(deadline: Deadline, at: dt.datetime) -> None:
    if deadline.status not in (*RUNNING, DS.BREACHED) or (
            deadline.status == DS.BREACHED and deadline.met_at is not None):
        return
    if deadline.status == DS.PAUSED and deadline.paused_since is not None:
        # Fulfilled while stopped: the paused days are added back first, as a resume would.
        _close_pause(deadline, at)
        pack = packs.get(deadline.rule_pack)
        rule = pack.rule(deadline.obligation)
        if rule is not None:
            _recompute(pack, rule, deadline)
    deadline.met_at = at
    if deadline.status != DS.BREACHED:
        late = not rules.in_time(at, deadline.due_at)
        if deadline.kind == DeadlineKind.WINDOW:
            deadline.status = DS.EXPIRED if late else DS.MET
        else:
            deadline.status = DS.BREACHED if late else DS.MET
    if deadline.status == DS.BREACHED and deadline.breached_at is None:
        deadline.breached_at = deadline.due_at
    deadline.paused_since = None
    deadline.save(update_fields=["met_at", "status", "breached_at", "paused_since",
                                 "paused_intervals", "due_at", "warn_stage"])


def stop(complaint_id: int, obligation: str, at: dt.datetime) -> None:
    """The obligation is fulfilled at `at`: met if in time, breached otherwise. Fulfilling the
    decision also fulfils every obligation of the pack that the decision notice answers (e.g.
    the CFPB responses and the Reg E investigation)."""
    rows = _rows(complaint_id)
    pack = _pack_of(rows)
    event = _EVENT_OF.get(obligation)
    for deadline in rows:
        rule = pack.rule(deadline.obligation)
        if deadline.obligation == obligation or (event and rule and event in rule.met_by) or (
                event == "decision" and deadline.obligation == REGULATOR_DUE):
            _meet(deadline, at)


def track_regulator_due(complaint_id: int, started_at: dt.datetime,
                        due_at: dt.datetime) -> Deadline:
    """The regulator's own deadline on a transferred complaint, kept beside the pack's: it is
    warned and breached like any duty and met by the decision, but never paused or extended."""
    return Deadline.objects.create(
        complaint_id=complaint_id, obligation=REGULATOR_DUE, rule_pack=_pack_for(complaint_id).code,
        kind=DeadlineKind.DUTY, started_at=started_at, due_at=due_at)


def on_action(complaint_id: int, action: str, at: dt.datetime) -> None:
    """Fulfil the obligations a lifecycle action meets in the complaint's pack (acceptance,
    dispatch, first contact …). No query for an action that meets nothing in any pack."""
    names = packs.actions_meeting().get(action)
    if not names:
        return
    for deadline in Deadline.objects.filter(complaint_id=complaint_id, obligation__in=names,
                                            status__in=RUNNING):
        rule = packs.get(deadline.rule_pack).rule(deadline.obligation)
        if rule is not None and action in rule.met_by:
            _meet(deadline, at)


def cancel_open(complaint_id: int) -> None:
    Deadline.objects.filter(complaint_id=complaint_id, status__in=RUNNING).update(
        status=DS.CANCELLED)


def end_duties(complaint_id: int) -> list[str]:
    """Cancel the bank's running duties (not the customer's windows): the complaint went to a
    body outside the bank (mediation, arbitration, a court, the regulator), whose time is not
    the bank's to answer in. Returns the obligations ended."""
    rows = Deadline.objects.filter(complaint_id=complaint_id, status__in=RUNNING,
                                   kind=DeadlineKind.DUTY)
    ended = sorted(rows.values_list("obligation", flat=True))
    rows.update(status=DS.CANCELLED, paused_since=None)
    return ended


# Restarts ----------------------------------------------------------------------------------------

def _restart(pack: RulePack, rule: ObligationRule, deadline: Deadline, at: dt.datetime,
             reason: str) -> None:
    if deadline.pk is not None:
        deadline.restarts = [*deadline.restarts, {
            "at": at.isoformat(), "reason": reason,
            "started_at": deadline.started_at.isoformat(),
            "due_at": deadline.due_at.isoformat(), "status": deadline.status,
            "extensions": deadline.extensions, "paused_intervals": deadline.paused_intervals,
        }]
    deadline.started_at = at
    deadline.extensions = []
    deadline.paused_intervals = []
    deadline.paused_since = None
    deadline.status = DS.OPEN
    deadline.met_at = deadline.warned_at = deadline.breached_at = deadline.escalated_at = None
    deadline.warn_stage = 0
    deadline.due_at = rules.due_at(pack, rule, at)
    deadline.save()


def restart_decision(complaint_id: int, at: dt.datetime) -> None:
    """A reopened or reprocessed complaint gets fresh decision clocks from `at` (every duty from
    receipt that the decision notice answers; a window such as uk-fca's summary resolution is
    not opened again)."""
    rows = {d.obligation: d for d in _rows(complaint_id)}
    pack = _pack_of(list(rows.values()))
    for rule in pack.starting("receipt", _flags(complaint_id)):
        if "decision" in rule.met_by and rule.kind == DeadlineKind.DUTY:
            deadline = rows.get(rule.name) or _new(pack, rule, complaint_id, at)
            _restart(pack, rule, deadline, at, "reopened")


def restart_on_new_facts(complaint_id: int, at: dt.datetime, reason: str) -> bool:
    """New facts or reasons in a repeat submission: the running clocks the pack restarts on new
    facts start again from `at`, the receipt of the new material (CN Art. 18 ¶3). Returns
    whether any clock restarted (never, in a pack without that rule)."""
    rows = _rows(complaint_id)
    pack = _pack_of(rows)
    restarted = False
    for deadline in rows:
        rule = pack.rule(deadline.obligation)
        if rule and rule.restarts_on_new_facts and deadline.status in RUNNING:
            _restart(pack, rule, deadline, at, reason)
            restarted = True
    return restarted


# Extensions and pauses ---------------------------------------------------------------------------

def extend(complaint_id: int, obligation: str, total_days: int, reason: str, approver: str,
           senior: bool, conditions: Iterable[str] = (), flags: Iterable[str] = (),
           at: dt.datetime | None = None) -> Deadline:
    """Extend an obligation (by default the first extendable one running) to `total_days`
    within the pack's steps: e.g. cn 15 → 30, → 60 only with a senior approver; Reg E 10
    business days → 45 calendar days only with provisional credit. Refuses anything beyond the
    last step, a step whose approver or conditions are missing, and a deadline already past."""
    at = at or timezone.now()
    rows = _rows(complaint_id)
    pack = _pack_of(rows)
    field = "obligation" if obligation else "total_days"
    if obligation:
        deadline = next((d for d in rows if d.obligation == obligation), None)
    else:
        extendable = [d for d in rows if (r := pack.rule(d.obligation)) and r.extensions]
        if not extendable:
            raise ClockError(field, f"{pack.code} 规则不允许在此延期 / The {pack.code} rule pack "
                                    "allows no extension here")
        deadline = next((d for d in extendable if d.status in RUNNING), extendable[0])
    if deadline is None or deadline.status not in RUNNING:
        raise ClockError(field, f"没有可延期的进行中期限 / No running "
                                f"{obligation or 'decision'} deadline to extend")
    rule = pack.rule(deadline.obligation)
    steps = rule.steps(frozenset(flags)) if rule else ()
    if rule is None or not steps:
        raise ClockError(field, f"{pack.code} 规则不允许延长此期限 / The {pack.code} rule pack "
                                f"allows no extension of {deadline.obligation}")
    if deadline.status == DS.OPEN and not rules.in_time(at, deadline.due_at):
        raise ClockError("total_days", "期限已过，不能再延期 / The deadline has passed and can no "
                                        "longer be extended")
    if total_days > steps[-1].to:
        raise ClockError("total_days", f"不能超过 {steps[-1].to} 天 / May not exceed "
                                        f"{steps[-1].to} days")
    step = next(s for s in steps if s.to >= total_days)
    count, day_type = _current(deadline, rule)
    if step.day_type == day_type and total_days <= count:
        raise ClockError("total_days", f"须超过当前的 {count} 天 / Must exceed the current "
                                        f"{count} days")
    if step.senior and not senior:
        below = max((s.to for s in steps if s.to < step.to), default=rule.count)
        raise ClockError("approver", f"超过 {below} 天须由上级审批 / Beyond {below} days needs a "
                                      "senior approver")
    missing = sorted(step.requires - set(conditions))
    if missing:
        raise ClockError("conditions", f"延期至 {total_days} 天须满足：{'、'.join(missing)} / "
                                       f"Extending to {total_days} days needs: "
                                       f"{', '.join(missing)}")
    due = rules.due_at(pack, rule, deadline.started_at, count=total_days,
                       day_type=step.day_type, extra_days=_paused_units(deadline))
    if due <= deadline.due_at:
        raise ClockError("total_days", "新的到期时间须晚于当前到期时间 / The new due time must be "
                                        "later than the current one")
    deadline.extensions = [*deadline.extensions, {
        "total_days": total_days, "day_type": step.day_type, "reason": reason,
        "approver": approver, "senior": senior, "conditions": sorted(set(conditions)),
        "at": at.isoformat(), "from_due_at": deadline.due_at.isoformat(),
        "due_at": due.isoformat(),
    }]
    deadline.due_at = due
    deadline.warn_stage = 0
    deadline.save(update_fields=["extensions", "due_at", "warn_stage"])
    return deadline


def extend_decision(complaint_id: int, total_days: int, reason: str, approver: str,
                    senior: bool) -> Deadline:
    return extend(complaint_id, "", total_days, reason, approver, senior)


def _close_pause(deadline: Deadline, at: dt.datetime) -> None:
    pack = packs.get(deadline.rule_pack)
    rule = pack.rule(deadline.obligation)
    day_type = _current(deadline, rule)[1] if rule else "calendar"
    if deadline.paused_since is None:
        return
    intervals = list(deadline.paused_intervals)
    intervals[-1] = {**intervals[-1], "to": at.isoformat(),
                     "days": rules.paused_units(pack, day_type, deadline.paused_since, at)}
    deadline.paused_intervals = intervals


def pause_decision(complaint_id: int, at: dt.datetime, reason: str) -> None:
    """Stop the pack's pausable clocks for one of the reasons it allows (cn: external appraisal
    or testing, mediation, awaiting the customer's correction); the interval is kept."""
    rows = _rows(complaint_id)
    pack = _pack_of(rows)
    if reason not in pack.pause_reasons:
        allowed = ", ".join(sorted(pack.pause_reasons)) or "none"
        raise ClockError("reason", f"{pack.code} 规则不因此原因中止计时 / The {pack.code} rule "
                                   f"pack does not stop the clock for {reason} (allowed: "
                                   f"{allowed})")
    running = [d for d in rows if d.status == DS.OPEN
               and (r := pack.rule(d.obligation)) is not None and r.pausable]
    if not running:
        raise ClockError("reason", "处理期限未在计时 / The decision clock is not running")
    # A clock past its due second is breached (whether or not the sweeper has marked it yet):
    # pausing it now would add the paused days back and move the breach away.
    if any(not rules.in_time(at, d.due_at) for d in running):
        raise ClockError("reason", "期限已过，不能再中止计时 / The deadline has passed: its clock "
                                   "can no longer be paused")
    for deadline in running:
        deadline.status = DS.PAUSED
        deadline.paused_since = at
        deadline.paused_intervals = [*deadline.paused_intervals,
                                     {"reason": reason, "from": at.isoformat()}]
        deadline.save(update_fields=["status", "paused_since", "paused_intervals"])


def resume_decision(complaint_id: int, at: dt.datetime) -> Deadline:
    """Restart paused clocks; the paused days are added to their periods."""
    rows = _rows(complaint_id)
    pack = _pack_of(rows)
    paused = [d for d in rows if d.status == DS.PAUSED and d.paused_since is not None]
    if not paused:
        raise ClockError("state", "处理期限未中止 / The decision clock is not paused")
    for deadline in paused:
        rule = pack.rule(deadline.obligation)
        _close_pause(deadline, at)
        deadline.paused_since = None
        deadline.status = DS.OPEN
        if rule is not None:
            _recompute(pack, rule, deadline)
        deadline.save(update_fields=["paused_intervals", "paused_since", "status", "due_at",
                                     "warn_stage"])
    return paused[0]


# Windows and reviews -----------------------------------------------------------------------------

def _open(complaint_id: int, start: str, at: dt.datetime) -> None:
    pack = _pack_for(complaint_id)
    starting = [r for r in pack.obligations if r.start == start]
    if any(r.when or r.unless for r in starting):
        starting = pack.starting(start, _flags(complaint_id))
    for rule in starting:
        Deadline.objects.update_or_create(
            complaint_id=complaint_id, obligation=rule.name,
            defaults={"rule_pack": pack.code, "kind": rule.kind, "started_at": at,
                      "due_at": rules.due_at(pack, rule, at), "status": DS.OPEN,
                      "met_at": None, "warn_stage": 0, "warned_at": None, "breached_at": None,
                      "escalated_at": None},
        )


def open_review_window(complaint_id: int, responded_at: dt.datetime) -> None:
    """Open what the decision notice starts: cn the 30-day review window, uk-fca the customer's
    six months to go to the Financial Ombudsman."""
    _open(complaint_id, "decision", responded_at)


def review_window_from_receipt(complaint_id: int, received_at: dt.datetime) -> None:
    """The customer's review window runs from their receipt of the decision (CN Art. 20): a
    decision notice that reaches them later than the decision was taken (a letter in the post)
    starts the running window anew from then. Never earlier than it already runs."""
    pack = _pack_for(complaint_id)
    names = {r.name for r in pack.obligations
             if r.kind == DeadlineKind.WINDOW and "review_request" in r.met_by}
    for deadline in Deadline.objects.filter(complaint_id=complaint_id, obligation__in=names,
                                            status=DS.OPEN, started_at__lt=received_at):
        rule = pack.rule(deadline.obligation)
        if rule is not None:
            deadline.started_at, deadline.due_at = received_at, rules.due_at(pack, rule,
                                                                             received_at)
            deadline.save(update_fields=["started_at", "due_at"])


def review_window_open(complaint_id: int, at: dt.datetime) -> bool:
    """Whether a review may be requested at `at`: within the pack's review window, its last
    second included, and not yet met by a request (one review per decision: the next decision
    opens the window anew); always in a pack that sets no such window."""
    rows = _rows(complaint_id)
    pack = _pack_of(rows)
    names = {r.name for r in pack.obligations
             if r.kind == DeadlineKind.WINDOW and "review_request" in r.met_by}
    if not names:
        return True
    return any(d.obligation in names and d.status != DS.CANCELLED and d.met_at is None
               and rules.in_time(at, d.due_at) for d in rows)


def open_review_decision(complaint_id: int, requested_at: dt.datetime) -> None:
    _open(complaint_id, "review_request", requested_at)


# Reading -----------------------------------------------------------------------------------------

def in_pack_zone(at: dt.datetime, code: str | None = None) -> dt.datetime:
    """`at` in the zone of a pack (by default the installation's): the zone its days count in."""
    try:
        return at.astimezone(packs.get(code).zone)
    except ImproperlyConfigured:  # a pack retired since: the installation's zone
        return timezone.localtime(at)


def local_due(deadline: Deadline) -> dt.datetime:
    """The due time in the zone of the deadline's pack."""
    return in_pack_zone(deadline.due_at, deadline.rule_pack)


def remaining_s(deadline: Deadline, now: dt.datetime) -> int | None:
    left = deadline.remaining(now)
    return None if left is None else int(left.total_seconds())

"""Writes to a complaint's clocks. Called only from complaint actions, inside their transaction."""

import datetime as dt

from django.utils import timezone

from clocks import rules
from clocks.choices import DeadlineStatus as DS
from clocks.choices import Obligation
from clocks.models import Deadline

PACK = "cn"


class ClockError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def decision_deadline(complaint_id: int, received_at: dt.datetime,
                      due_at: dt.datetime | None = None) -> Deadline:
    """The unsaved decision deadline of a newly registered complaint."""
    return Deadline(
        complaint_id=complaint_id, obligation=Obligation.DECISION, rule_pack=PACK,
        started_at=received_at, due_at=due_at or rules.decision_due(received_at),
    )


def _get(complaint_id: int, obligation: str) -> Deadline | None:
    return Deadline.objects.filter(complaint_id=complaint_id, obligation=obligation).first()


def _total_days(deadline: Deadline) -> int:
    return deadline.extensions[-1]["total_days"] if deadline.extensions else rules.CN_DECISION_DAYS


def _paused_days(deadline: Deadline) -> int:
    return sum(interval["days"] for interval in deadline.paused_intervals)


def _recompute(deadline: Deadline) -> None:
    deadline.due_at = rules.cn_days_due(
        deadline.started_at, _total_days(deadline) + _paused_days(deadline)
    )


def stop(complaint_id: int, obligation: str, at: dt.datetime) -> None:
    """The obligation is fulfilled at `at`: met if in time, breached otherwise."""
    deadline = _get(complaint_id, obligation)
    if deadline is None or deadline.status in {DS.MET, DS.CANCELLED}:
        return
    deadline.met_at = at
    deadline.status = DS.MET if at <= deadline.due_at else DS.BREACHED
    if deadline.status == DS.BREACHED and deadline.breached_at is None:
        deadline.breached_at = deadline.due_at
    deadline.paused_since = None
    deadline.save(update_fields=["met_at", "status", "breached_at", "paused_since"])


def restart_decision(complaint_id: int, at: dt.datetime) -> None:
    """A reopened or reprocessed complaint gets a fresh decision clock from `at`."""
    deadline = _get(complaint_id, Obligation.DECISION)
    if deadline is None:
        decision_deadline(complaint_id, at).save()
        return
    deadline.started_at = at
    deadline.extensions = []
    deadline.paused_intervals = []
    deadline.paused_since = None
    deadline.status = DS.OPEN
    deadline.met_at = deadline.warned_at = deadline.breached_at = None
    _recompute(deadline)
    deadline.save()


def cancel_open(complaint_id: int) -> None:
    Deadline.objects.filter(
        complaint_id=complaint_id, status__in=[DS.OPEN, DS.PAUSED]
    ).update(status=DS.CANCELLED)


def extend_decision(
    complaint_id: int, total_days: int, reason: str, approver: str, senior: bool
) -> Deadline:
    """Extend the decision period to `total_days` (15 → 30; → 60 only with a senior approver)."""
    deadline = _get(complaint_id, Obligation.DECISION)
    if deadline is None or deadline.status not in {DS.OPEN, DS.PAUSED}:
        raise ClockError("total_days", "No running decision deadline to extend")
    first_limit, last_limit = rules.CN_EXTENSION_LIMITS
    if total_days <= _total_days(deadline):
        raise ClockError("total_days", f"Must exceed the current {_total_days(deadline)} days")
    if total_days > last_limit:
        raise ClockError("total_days", f"May not exceed {last_limit} days")
    if total_days > first_limit and not senior:
        raise ClockError("approver", f"Beyond {first_limit} days needs a senior approver")
    deadline.extensions = [
        *deadline.extensions,
        {"total_days": total_days, "reason": reason, "approver": approver,
         "at": timezone.now().isoformat()},
    ]
    _recompute(deadline)
    deadline.save(update_fields=["extensions", "due_at"])
    return deadline


def pause_decision(complaint_id: int, at: dt.datetime, reason: str) -> None:
    deadline = _get(complaint_id, Obligation.DECISION)
    if deadline is None or deadline.status != DS.OPEN:
        raise ClockError("reason", "The decision clock is not running")
    deadline.status = DS.PAUSED
    deadline.paused_since = at
    deadline.paused_intervals = [*deadline.paused_intervals, {"reason": reason,
                                                              "from": at.isoformat()}]
    deadline.save(update_fields=["status", "paused_since", "paused_intervals"])


def resume_decision(complaint_id: int, at: dt.datetime) -> Deadline:
    deadline = _get(complaint_id, Obligation.DECISION)
    if deadline is None or deadline.status != DS.PAUSED or deadline.paused_since is None:
        raise ClockError("state", "The decision clock is not paused")
    zone = rules.CN_ZONE
    days = (at.astimezone(zone).date() - deadline.paused_since.astimezone(zone).date()).days
    intervals = list(deadline.paused_intervals)
    intervals[-1] = {**intervals[-1], "to": at.isoformat(), "days": days}
    deadline.paused_intervals = intervals
    deadline.paused_since = None
    deadline.status = DS.OPEN
    _recompute(deadline)
    deadline.save(update_fields=["paused_intervals", "paused_since", "status", "due_at"])
    return deadline


def open_review_window(complaint_id: int, responded_at: dt.datetime) -> None:
    due = rules.cn_days_due(responded_at, rules.CN_REVIEW_WINDOW_DAYS, roll_to_working_day=True)
    Deadline.objects.update_or_create(
        complaint_id=complaint_id, obligation=Obligation.REVIEW_REQUEST_WINDOW,
        defaults={"rule_pack": PACK, "started_at": responded_at, "due_at": due,
                  "status": DS.OPEN, "met_at": None},
    )


def review_window_open(complaint_id: int, at: dt.datetime) -> bool:
    window = _get(complaint_id, Obligation.REVIEW_REQUEST_WINDOW)
    return window is not None and at <= window.due_at


def open_review_decision(complaint_id: int, requested_at: dt.datetime) -> None:
    due = rules.cn_days_due(requested_at, rules.CN_REVIEW_DECISION_DAYS)
    Deadline.objects.update_or_create(
        complaint_id=complaint_id, obligation=Obligation.REVIEW_DECISION,
        defaults={"rule_pack": PACK, "started_at": requested_at, "due_at": due,
                  "status": DS.OPEN, "met_at": None},
    )

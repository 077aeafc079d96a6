"""What one complaint contributes to the statistics: its dimensions and its measures, computed
from the complaint and its records by one pure function (`compute`). The rollup hook and the
full rebuild both call it, so they cannot disagree about a definition."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from clocks.models import Deadline
from complaints.models import Contact, Event, Resolution, ReviewRequest, Survey
from reports.choices import DIMS, MEASURES, SPREAD_CAP
from reports.models import RootCauseTag

# The obligation whose fulfilment is "the decision", in the order the packs are tried.
DECISION_OBLIGATIONS = ("decision", "final_response", "cfpb_final_response")
MONETARY = frozenset({"refund", "compensation"})
NON_MONETARY = frozenset({"correction", "apology"})
EIGHT_WEEKS = dt.timedelta(weeks=8)
_INDEX = {name: i for i, name in enumerate(MEASURES)}


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(zone()).date()


def ack_limit() -> dt.timedelta:
    """Registration (which sends the acknowledgement) counts as in time this long after
    receipt."""
    return dt.timedelta(hours=getattr(settings, "TOUSU_REPORTS_ACK_HOURS", 24))


def withdraw_window() -> dt.timedelta:
    """A withdrawal this soon after a contact by the bank 'follows the contact closely'."""
    return dt.timedelta(hours=getattr(settings, "TOUSU_REPORTS_WITHDRAW_WINDOW_HOURS", 24))


@dataclass
class Related:
    """The records of one complaint that its measures depend on."""

    decision: tuple[dt.datetime | None, dt.datetime] | None = None  # (met_at, due_at)
    contacts: list[dt.datetime] = field(default_factory=list)  # outbound, any order
    surveys: list[tuple[dt.datetime, int, bool, int]] = field(default_factory=list)
    reviews: list[tuple[int, dt.datetime | None, str]] = field(default_factory=list)
    resolution: tuple[str, str, Decimal | None] | None = None  # latest approved
    withdrawn_at: dt.datetime | None = None
    root_cause: str = ""


@dataclass(frozen=True)
class Facts:
    """A complaint's contribution: received `day`, responsible unit, DIMS values in order,
    MEASURES values in order."""

    day: dt.date
    unit_id: int
    dims: tuple[str, ...]
    measures: tuple[int, ...]

    def get(self, measure: str) -> int:
        return self.measures[_INDEX[measure]]

    def spreads(self) -> list[tuple[str, int]]:
        """(metric, value) pairs for the exact distributions."""
        out = []
        if self.get("decided"):
            out.append(
                ("handling_days", min(self.get("handling_days"), SPREAD_CAP["handling_days"]))
            )
        if self.get("contacted"):
            out.append(
                ("contact_hours", min(self.get("contact_hours"), SPREAD_CAP["contact_hours"]))
            )
        return out

    @property
    def business(self) -> str:
        return self.dims[0]


def business_days_after(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days after `start` up to and including `end` (public holidays are not
    known here: the FCA band is an approximation on weekdays)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (start + dt.timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def compute(c: Any, r: Related) -> Facts:
    """The facts of complaint `c` (a Complaint, or any object with its fields) given its
    records `r`. Definitions are in reports.choices.MEASURES."""
    m = dict.fromkeys(MEASURES, 0)
    m["n"] = 1
    m["ack_ok"] = int(c.registered_at - c.received_at <= ack_limit())
    m["repeat"] = int("repeat" in (c.tags or []))
    m["closed"] = int(c.state == "closed")
    m["withdrawn"] = int(c.state == "withdrawn")
    received_day = local_day(c.received_at)
    met_at = r.decision[0] if r.decision is not None else None
    if r.decision is not None and met_at is not None:
        due_at = r.decision[1]
        m["decided"] = 1
        m["on_time"] = int(met_at <= due_at)
        m["handling_days"] = max(0, (local_day(met_at) - received_day).days)
        if business_days_after(received_day, local_day(met_at)) <= 3:
            m["band_3bd"] = 1
        elif met_at - c.received_at <= EIGHT_WEEKS:
            m["band_8w"] = 1
        else:
            m["band_over"] = 1
    if r.contacts:
        m["contacted"] = 1
        first = min(r.contacts)
        m["contact_hours"] = max(0, int((first - c.received_at).total_seconds() // 3600))
    if r.surveys:
        latest = max(r.surveys)
        m["surveyed"] = 1
        m["satisfied"] = int(latest[2])
        m["score"] = latest[3]
        m["reprocessed"] = int(any(not s[2] for s in r.surveys))
    if r.reviews:
        m["reviewed"] = 1
        decided = [rv for rv in r.reviews if rv[1] is not None]
        if decided:
            outcome = max(decided, key=lambda rv: (rv[1], rv[0]))[2]
            m["review_changed"] = int(outcome == "changed")
            m["review_upheld"] = int(outcome == "upheld")
    if r.resolution is not None:
        decision, remedy, amount = r.resolution
        m["upheld"] = int(decision in {"upheld", "partially_upheld"})
        if remedy in MONETARY:
            m["monetary"] = 1
            m["redress"] = int((amount or Decimal(0)) * 100)
        elif remedy in NON_MONETARY:
            m["non_monetary"] = 1
        else:
            m["explanation"] = 1
    if m["withdrawn"] and r.withdrawn_at is not None:
        window = withdraw_window()
        m["withdrawn_after_contact"] = int(
            any(r.withdrawn_at - window <= at <= r.withdrawn_at for at in r.contacts)
        )
    codes = c.codes or {}
    dims = {
        "business": codes.get("business", ""),
        "cause": codes.get("cause", ""),
        "code_channel": codes.get("channel", ""),
        "channel": c.channel,
        "source": c.source,
        "severity": c.severity,
        "state": c.state,
        "validity": c.validity or "",
        "root_cause": r.root_cause,
    }
    return Facts(
        day=received_day,
        unit_id=c.unit_id,
        dims=tuple(dims[d] for d in DIMS),
        measures=tuple(m[name] for name in MEASURES),
    )


EMPTY = Related()


def load_related(ids: Iterable[int], withdrawn: Iterable[int] = ()) -> dict[int, Related]:
    """The records of these complaints, in six or seven queries whatever their number (the
    withdrawal events are read only for `withdrawn`)."""
    ids = list(ids)
    out: dict[int, Related] = defaultdict(Related)
    if not ids:
        return out
    rank = {name: i for i, name in enumerate(DECISION_OBLIGATIONS)}
    best: dict[int, int] = {}
    for cid, obligation, met_at, due_at in Deadline.objects.filter(
        complaint_id__in=ids, obligation__in=DECISION_OBLIGATIONS
    ).values_list("complaint_id", "obligation", "met_at", "due_at"):
        if cid not in best or rank[obligation] < best[cid]:
            best[cid] = rank[obligation]
            out[cid].decision = (met_at, due_at)
    for cid, at in Contact.objects.filter(complaint_id__in=ids, outbound=True).values_list(
        "complaint_id", "at"
    ):
        out[cid].contacts.append(at)
    for cid, at, pk, satisfied, score in Survey.objects.filter(complaint_id__in=ids).values_list(
        "complaint_id", "at", "pk", "satisfied", "score"
    ):
        out[cid].surveys.append((at, pk, satisfied, score))
    for cid, pk, decided_at, outcome in ReviewRequest.objects.filter(
        complaint_id__in=ids
    ).values_list("complaint_id", "pk", "decided_at", "outcome"):
        out[cid].reviews.append((pk, decided_at, outcome))
    latest: dict[int, tuple[Any, int]] = {}
    for cid, approved_at, pk, decision, remedy, amount in Resolution.objects.filter(
        complaint_id__in=ids, approved_at__isnull=False
    ).values_list("complaint_id", "approved_at", "pk", "decision", "remedy", "amount"):
        if cid not in latest or (approved_at, pk) > latest[cid]:
            latest[cid] = (approved_at, pk)
            out[cid].resolution = (decision, remedy, amount)
    wanted = set(ids)
    withdrawn = [i for i in withdrawn if i in wanted]
    if withdrawn:
        for cid, at in Event.objects.filter(
            complaint_id__in=withdrawn, type="withdraw"
        ).values_list("complaint_id", "at"):
            current = out[cid].withdrawn_at
            out[cid].withdrawn_at = at if current is None else max(current, at)
    for cid, code in RootCauseTag.objects.filter(complaint_id__in=ids).values_list(
        "complaint_id", "cause__code"
    ):
        out[cid].root_cause = code
    return out

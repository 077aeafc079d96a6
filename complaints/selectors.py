"""Permission-checked reads. Views and the API get complaints only through these functions."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from clocks import selectors as clock_reads
from clocks import service as clocks
from clocks.choices import DeadlineKind, DeadlineStatus
from clocks.models import Deadline
from complaints.choices import Severity, State
from complaints.errors import NotFound
from complaints.lifecycle import (
    INTEGRATION_ACTIONS,
    LIFECYCLE,
    MANAGERS,
    OPEN,
    allowed_from,
    always_needs_approval,
)
from complaints.models import Complaint, Visit
from org.access import Principal
from triage.pii import mask_text


def visible_complaints(principal: Principal) -> QuerySet[Complaint]:
    return Complaint.objects.filter(principal.visibility())


def access_complaint(principal: Principal, number: str, *, for_update: bool = False) -> Complaint:
    """The complaint if this principal may read it; NotFound otherwise, whether or not it exists,
    so that a refusal does not reveal which numbers are in use."""
    if "\x00" in number:  # in no number; PostgreSQL would refuse the comparison
        raise NotFound("No such complaint", [("number", "未找到 / not found")], code="not_found")
    queryset = visible_complaints(principal).select_related("unit", "customer", "handler")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    complaint = queryset.filter(number=number).first()
    if complaint is None:
        raise NotFound("No such complaint", [("number", "未找到 / not found")], code="not_found")
    return complaint


def may_act(principal: Principal, complaint: Complaint, action: str) -> bool:
    move = LIFECYCLE[action]
    if principal.api_key_id is not None:
        return (
            principal.has_scope("complaints:act")
            and action in INTEGRATION_ACTIONS
            and bool(principal.roles_on(complaint.unit.path) & move.roles)
        )
    roles = principal.roles_on(complaint.unit.path)
    if complaint.state == "awaiting_approval" and action == "respond":
        return bool(roles & MANAGERS)
    return bool(roles & move.roles)


def review_requested(complaint: Complaint) -> bool:
    """Whether the review of the current decision has been asked for (pending or decided): one
    review per decision, and a decision taken anew (after reopening or reprocessing) may be
    reviewed again within its own window."""
    return complaint.responded_at is not None and complaint.reviews.filter(
        requested_at__gte=complaint.responded_at).exists()


def review_requestable(complaint: Complaint, at: dt.datetime) -> bool:
    return not review_requested(complaint) and clocks.review_window_open(complaint.pk, at)


def on_higher_unit(principal: Principal, c: Complaint) -> bool:
    """Whether the principal holds a managing role on a unit above the complaint's unit."""
    above = [p for role, p in principal.grants if role in MANAGERS]
    if c.unit.parent_id is None:
        return any(c.unit.path == p for p in above)
    return any(c.unit.path.startswith(p) and c.unit.path != p for p in above)


def may_approve(principal: Principal, complaint: Complaint) -> bool:
    """Whether the principal may approve the proposal awaiting approval: not its proposer
    (four eyes), and a manager one level up where its amount needs that."""
    r = (complaint.resolutions.filter(approved_at__isnull=True, returned_reason="")
         .order_by("-pk").first())
    return r is not None and r.proposed_by != principal.label and (
        r.approval_level != "above" or on_higher_unit(principal, complaint))


def allowed_actions(principal: Principal, complaint: Complaint,
                    deadlines: list[Deadline] | None = None) -> list[str]:
    """The actions the principal may take now, less those the action would refuse: a major
    complaint under investigation answered directly, a review asked for twice or after its
    window, an approval by whom may not give it, a review decided from the complaint's own
    unit, a major complaint escalated, a visit recorded that was not scheduled, resuming a
    clock that is not paused, pausing or extending when no duty clock runs. `deadlines` are
    the complaint's, when the caller has them already."""
    direct_answer_refused = (complaint.state != State.AWAITING_APPROVAL
                             and always_needs_approval(complaint.severity))
    found = [a for a in allowed_from(complaint.state) if may_act(principal, complaint, a)
             and not (a == "respond" and direct_answer_refused)]
    if "request_review" in found and not review_requestable(complaint, timezone.now()):
        found.remove("request_review")
    if "escalate" in found and complaint.severity == Severity.MAJOR:
        found.remove("escalate")  # nothing above it: an escalation would be refused
    if {"record_visit", "answer_visit"} & set(found):
        found = _visit_actions(found, complaint)
    if (complaint.state == State.AWAITING_APPROVAL and {"approve", "respond"} & set(found)
            and not may_approve(principal, complaint)):
        found = [a for a in found if a not in ("approve", "respond")]
    if "decide_review" in found and not on_higher_unit(principal, complaint):
        found.remove("decide_review")
    if {"pause", "extend", "resume"} & set(found):
        found = _clock_actions(found, complaint.deadlines.all() if deadlines is None
                               else deadlines)
    return found


def visits_awaiting_answer(complaint: Complaint) -> QuerySet[Visit]:
    """Scheduled visits the customer has neither agreed to (with staff or on the portal) nor
    declined: each is answered once (`answer_visit`)."""
    answered = [e.payload.get("visit_id")
                for e in complaint.events.filter(type="answer_visit").only("payload")]
    return complaint.visits.filter(visited_at__isnull=True, customer_consent=False).exclude(
        pk__in=answered)


def _visit_actions(found: list[str], complaint: Complaint) -> list[str]:
    """Only a scheduled visit can be recorded, and answered once by the customer; one query
    when the complaint has no visit to come."""
    pending = list(complaint.visits.filter(visited_at__isnull=True)
                   .values_list("customer_consent", flat=True))
    refused = set()
    if not pending:
        refused = {"record_visit", "answer_visit"}
    elif "answer_visit" in found and (all(pending)
                                      or not visits_awaiting_answer(complaint).exists()):
        refused = {"answer_visit"}
    return [a for a in found if a not in refused]


def _clock_actions(found: list[str], deadlines: Iterable[Deadline]) -> list[str]:
    statuses = {d.status for d in deadlines if d.kind == DeadlineKind.DUTY}
    refused = set()
    if DeadlineStatus.PAUSED not in statuses:
        refused.add("resume")
    if DeadlineStatus.OPEN not in statuses:
        refused.add("pause")
    if not statuses & {DeadlineStatus.OPEN, DeadlineStatus.PAUSED}:
        refused.add("extend")
    return [a for a in found if a not in refused]


def overdue_filter(now: dt.datetime) -> Q:
    """Open complaints with a duty overdue (a closed, withdrawn or merged complaint keeps its
    breach on record, but nothing is owed on it any more)."""
    return Q(state__in=OPEN) & Q(Exists(Deadline.objects.filter(
        clock_reads.overdue(now), complaint=OuterRef("pk"))))


def filter_complaints(
    principal: Principal, *, state: str = "", unit_path: str = "", severity: str = "",
    code: str = "", channel: str = "", received_from: dt.datetime | None = None,
    received_to: dt.datetime | None = None, overdue: bool | None = None,
) -> QuerySet[Complaint]:
    queryset = visible_complaints(principal).select_related("unit", "customer")
    if state:
        queryset = queryset.filter(state=state)
    if unit_path:
        queryset = queryset.filter(unit__path__startswith=unit_path)
    if severity:
        queryset = queryset.filter(severity=severity)
    if channel:
        queryset = queryset.filter(channel=channel)
    if code:
        from triage.codes import DIMENSIONS

        match = Q(pk__in=[])
        for dimension in DIMENSIONS:
            match |= Q(**{f"codes__{dimension}": code})
        queryset = queryset.filter(match)
    if received_from:
        queryset = queryset.filter(received_at__gte=received_from)
    if received_to:
        queryset = queryset.filter(received_at__lt=received_to)
    if overdue is not None:
        flag = overdue_filter(timezone.now())
        queryset = queryset.filter(flag if overdue else ~flag)
    return queryset


# What a list of complaints shows (the API's and the workspace's).
LIST_FIELDS = ("number", "state", "version", "channel", "source", "received_at", "severity",
               "codes", "unit__code", "unit__name", "customer__name")


# Read past a summary's cut, so that an identifier across it is still whole when it is masked.
SUMMARY_MARGIN = 64


def for_listing(queryset: QuerySet[Complaint], summary_chars: int) -> QuerySet[Complaint]:
    """The rows of a list: only the fields lists show, and the start of the content
    (`summary`, for `list_summary`), never the whole of it."""
    return queryset.only(*LIST_FIELDS).annotate(
        summary=Substr("content", 1, summary_chars + SUMMARY_MARGIN))


def list_summary(c: Complaint, chars: int) -> str:
    """A listed complaint's summary: masked first, then cut to `chars`."""
    return mask_text(c.summary)[:chars]  # type: ignore[attr-defined]  # for_listing's

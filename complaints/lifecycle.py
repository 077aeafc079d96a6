"""The lifecycle of a complaint as one table: for each action, the states it may start from, the
state it leads to, and the roles that may take it. The model's transitions, the API's
`allowed_actions` and the web forms are all derived from this table."""

from dataclasses import dataclass

from complaints.choices import Severity
from complaints.choices import State as S
from org.access import INTEGRATION
from org.choices import Role as R

OPEN = (S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.INVESTIGATING, S.AWAITING_APPROVAL,
        S.RESPONDED, S.FOLLOW_UP, S.REVIEWING, S.REFERRED)
CLOCK_RUNNING = (S.ACCEPTED, S.ASSIGNED, S.INVESTIGATING, S.AWAITING_APPROVAL)
END = (S.DECLINED, S.WITHDRAWN, S.MERGED)

STAFF = frozenset({R.INTAKE_AGENT, R.HANDLER, R.MANAGER, R.CONSUMER_PROTECTION})
WORKERS = frozenset({R.HANDLER, R.MANAGER, R.CONSUMER_PROTECTION})
MANAGERS = frozenset({R.MANAGER, R.CONSUMER_PROTECTION})
ON_BEHALF = STAFF | {INTEGRATION}  # the customer's own acts, recorded by staff or a channel


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str | tuple[str, ...] | None  # None: the state stays; a tuple: the action decides
    roles: frozenset[str]


LIFECYCLE: dict[str, Move] = {
    "accept": Move((S.REGISTERED,), S.ACCEPTED, STAFF),
    "decline": Move((S.REGISTERED,), S.DECLINED, STAFF),
    "assign": Move((S.ACCEPTED, S.ASSIGNED, S.INVESTIGATING), S.ASSIGNED, MANAGERS),
    "claim": Move((S.ASSIGNED,), S.INVESTIGATING, frozenset({R.HANDLER, R.MANAGER})),
    "contact": Move(OPEN, None, STAFF),
    "add_evidence": Move(OPEN, None, ON_BEHALF),
    "schedule_visit": Move(OPEN, None, WORKERS),
    "record_visit": Move(OPEN, None, WORKERS),
    "answer_visit": Move(OPEN, None, ON_BEHALF),  # the customer agrees to a visit or declines
    "note": Move(OPEN, None, ON_BEHALF),
    "propose_resolution": Move((S.INVESTIGATING,), (S.AWAITING_APPROVAL, S.RESPONDED), WORKERS),
    "approve": Move((S.AWAITING_APPROVAL,), S.RESPONDED, MANAGERS),
    "return": Move((S.AWAITING_APPROVAL,), S.INVESTIGATING, MANAGERS),
    "respond": Move((S.INVESTIGATING, S.AWAITING_APPROVAL), S.RESPONDED, WORKERS),
    "start_follow_up": Move((S.RESPONDED,), S.FOLLOW_UP, STAFF),
    "follow_up_result": Move((S.FOLLOW_UP,), (S.CLOSED, S.INVESTIGATING), ON_BEHALF),
    "request_review": Move((S.RESPONDED, S.FOLLOW_UP, S.CLOSED), S.REVIEWING, ON_BEHALF),
    "decide_review": Move((S.REVIEWING,), S.CLOSED, MANAGERS),
    "refer": Move(tuple(s for s in OPEN if s != S.REFERRED), S.REFERRED, WORKERS),
    "record_referral_outcome": Move((S.REFERRED,), S.CLOSED, WORKERS),
    "extend": Move(CLOCK_RUNNING, None, MANAGERS),
    "pause": Move(CLOCK_RUNNING, None, WORKERS),
    "resume": Move(CLOCK_RUNNING, None, WORKERS),
    "escalate": Move(OPEN, None, STAFF),
    # The number of complainants, learnt or corrected after registration (CN Art. 29(2)).
    "record_group_size": Move(OPEN, None, WORKERS),
    "withdraw": Move(OPEN, S.WITHDRAWN, ON_BEHALF),
    "merge": Move((S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.INVESTIGATING), S.MERGED, WORKERS),
    "reopen": Move((S.CLOSED,), S.INVESTIGATING, MANAGERS),
    # After closure: the consumer-protection officer's validity ruling (only valid complaints
    # count against a unit) and the root cause (reports/), both repeatable.
    "rule_validity": Move((S.CLOSED, S.WITHDRAWN), None, frozenset({R.CONSUMER_PROTECTION})),
    "tag_root_cause": Move((S.CLOSED, S.WITHDRAWN), None, MANAGERS),
}

# What an integration key with the `complaints:act` scope may do for the customer.
INTEGRATION_ACTIONS = frozenset(
    {"note", "add_evidence", "answer_visit", "withdraw", "request_review", "follow_up_result"}
)


def method_name(action: str) -> str:
    """The model's transition method for an action (`return` is a keyword, `claim` a field)."""
    return {"return": "return_", "claim": "claim_work"}.get(action, action)


def allowed_from(state: str) -> list[str]:
    return [name for name, move in LIFECYCLE.items() if state in move.sources]


def always_needs_approval(severity: str) -> bool:
    """A major complaint always needs approval: it is answered only through an approved
    resolution, never by a direct `respond`."""
    return severity == Severity.MAJOR

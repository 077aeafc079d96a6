"""Walking one demo complaint through the real lifecycle: register_complaint, then run_action
with each action's schema-validated payload, acting as the staff member whose job it is.

Guarantees: every write goes through complaints.actions; a payload that its schema rejects, or an
action the lifecycle refuses, raises (nothing is forced). The demo clock moves forward before
each step, so the complaint's events are in time order and all lie in the past."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import register_complaint, request_fingerprint, run_action
from complaints.models import Complaint
from complaints.schemas import ComplaintIn
from demo.clock import DemoClock
from demo.plan import Plan, frac
from demo.wording import say
from org.access import Principal, staff_principal

HOTLINE = "agent_ho"  # the head-office hotline: registers and follows up remote complaints
REGULATOR_DESK = "cpo_ho"  # consumer protection receives regulator transfers


@dataclass(frozen=True)
class Cast:
    """Who does what for complaints of one sub-branch."""

    counter: str  # registers complaints made in person or by letter
    handler: str
    manager: str  # assigns, approves, extends up to 30 days
    senior: str  # branch-level manager: approves an extension beyond 30 days
    reviewer: str  # managing role on a unit above: decides reviews


CASTS: dict[str, Cast] = {
    "BJ01": Cast("agent_bj01", "handler_bj01", "manager_bj01", "manager_bj", "manager_bj"),
    "BJ02": Cast("manager_bj", "handler_bj02", "manager_bj", "manager_bj", "cpo_bj"),
    "SH01": Cast("agent_sh01", "handler_sh01", "manager_sh01", "manager_sh", "manager_sh"),
    "SH02": Cast("manager_sh", "handler_sh02", "manager_sh", "manager_sh", "cpo_ho"),
}


class Principals:
    """staff_principal of each demo user, looked up once per load."""

    def __init__(self) -> None:
        self._cache: dict[str, Principal] = {}

    def __call__(self, username: str) -> Principal:
        if username not in self._cache:
            user = get_user_model().objects.get(username=username)
            principal = staff_principal(user)
            if principal is None:
                raise ValueError(f"demo user {username} is not active")
            self._cache[username] = principal
        return self._cache[username]


def registrar(plan: Plan) -> str:
    if plan.channel == "regulator":
        return REGULATOR_DESK
    if plan.channel in {"counter", "visit", "letter"}:
        return CASTS[plan.unit].counter
    return HOTLINE


def complaint_in(plan: Plan) -> ComplaintIn:
    c = plan.customer
    return ComplaintIn.model_validate({
        "channel": plan.channel, "source": plan.source, "external_ref": plan.external_ref,
        "received_at": plan.received_at,
        "customer": {"name": c.name, "phone": c.phone, "email": c.email, "language": c.language,
                     "vulnerable": list(c.vulnerable), "age_band": c.age_band},
        "unit": plan.unit, "product": plan.text.product, "content": plan.text.text,
        "claim": plan.claim, "codes": plan.codes,
    })


@dataclass
class Walk:
    """One complaint on its way: its number, the version last seen, and who works on it."""

    plan: Plan
    clock: DemoClock
    principals: Principals
    number: str = ""
    version: int = 0
    state: str = ""
    severity: str = ""
    steps: int = 0
    trail: list[str] = field(default_factory=list)

    @property
    def cast(self) -> Cast:
        return CASTS[self.plan.unit]

    @property
    def language(self) -> str:
        return self.plan.customer.language

    def say(self, key: str) -> str:
        return say(key, self.language)

    def chance(self, salt: str) -> float:
        """A stable number in [0, 1) for this complaint and `salt`."""
        return frac(self.plan.index, salt)

    def later(self, low_hours: float, high_hours: float) -> dt.datetime:
        self.steps += 1
        hours = low_hours + (high_hours - low_hours) * frac(self.plan.index, "step", self.steps)
        return self.clock.advance(hours)

    def register(self) -> None:
        self.later(0.05, 2.0)
        data = complaint_in(self.plan)
        registered = register_complaint(
            self.principals(registrar(self.plan)), data, idempotency_key=self.plan.key,
            request_hash=request_fingerprint(data.model_dump_json().encode()),
        )
        if not registered.created:
            raise ValueError(f"{self.plan.key} was already registered")
        self._seen(registered.complaint, "register")

    def act(self, actor: str, action: str, hours: tuple[float, float], **fields: Any) -> None:
        """Run `action` as `actor` after `hours` (low, high) have passed on the demo clock."""
        self.later(*hours)
        params = ACTION_SCHEMAS[action].model_validate({"version": self.version, **fields})
        complaint = run_action(self.principals(actor), self.number, action, params)
        self._seen(complaint, action)

    def _seen(self, complaint: Complaint, action: str) -> None:
        self.number, self.version = complaint.number, complaint.version
        self.state, self.severity = complaint.state, complaint.severity
        self.trail.append(action)

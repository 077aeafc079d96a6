"""What the portal's complaint page says about how the complaint ended or where it went: the
decision as its notice gives it (how it was verified, the basis and reasons, the amount with its
currency, the remedies still open), why it was not accepted, the complaint it was merged into,
and the outside body it was referred to."""

from typing import Any

from django.utils import timezone

from clocks import packs
from clocks import service as clocks
from complaints.choices import DeclineReason, State
from complaints.models import Complaint
from complaints.selectors import review_requestable
from intake.letters import CURRENCY

DECIDED = (State.RESPONDED, State.FOLLOW_UP, State.CLOSED, State.REVIEWING)


def money(amount: Any) -> str:
    return f"{CURRENCY.get(packs.get().code, '')} {amount}".strip() if amount is not None else ""


def decision_context(c: Complaint) -> dict[str, Any]:
    """The decision card: the decision as sent, a review's outcome, and the remedies still open:
    a review only while it may be asked for, until the last day of its window."""
    if c.state not in DECIDED:
        return {"resolution": None}
    resolution = (c.resolutions.exclude(approved_at__isnull=True, needs_approval=True)
                  .order_by("-pk").first())
    review_open = c.state != State.REVIEWING and review_requestable(c, timezone.now())
    window = (c.deadlines.filter(obligation="review_request_window", met_at__isnull=True)
              .exclude(status="cancelled").order_by("-pk").first()) if review_open else None
    return {"resolution": resolution, "pack": packs.get().code, "review_open": review_open,
            "review_until": clocks.local_due(window).date() if window else None,
            "review": c.reviews.filter(decided_at__isnull=False).order_by("-pk").first(),
            "amount": money(resolution.amount) if resolution else ""}


def outcome_context(c: Complaint) -> dict[str, Any]:
    """Why a complaint was declined (its notice's reason and detail), the number it was merged
    into, and the referrals made."""
    payload = (c.events.filter(type="decline").order_by("-seq").values_list("payload", flat=True)
               .first() if c.state == State.DECLINED else None) or {}
    reason = payload.get("reason", "")
    declined = {"reason": dict(DeclineReason.choices).get(reason, reason),
                "detail": payload.get("detail", "")} if payload else None
    return {"declined": declined,
            "primary": c.primary if c.state == State.MERGED else None,
            "referrals": list(c.referrals.order_by("pk"))}

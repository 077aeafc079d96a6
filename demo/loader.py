"""`load_demo`: the demo bank, its staff, its integration key and a few hundred real complaints
walked through the real lifecycle.

Guarantees:
- Idempotent: a second run adds nothing. Units, users and the key are created only when missing;
  a complaint whose idempotency key (demo-<i>) exists is skipped and never walked again.
- A complaint is loaded whole or not at all: its registration and every action of its story
  commit together, and its final state is checked against the story.
- Deterministic: the same data files give the same texts, customers, units, channels and stories
  on every run; only the times move with the day of the load (received within the last 60 days,
  every event in the past, in time order).
- Notifications written during the load are not delivered by a background thread while it runs;
  they are delivered at the end (with the console SMS log muted) unless `deliver` is False."""

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from complaints.models import Complaint
from demo import clock as demo_clock
from demo.data import chinese_texts, data_dir, english_texts
from demo.people import NewAccount, ensure_api_key, ensure_staff, ensure_units
from demo.plan import DEFAULT_COUNT, KEY_PREFIX, Plan, build_plans
from demo.stories import STORIES, STORY_END
from demo.walk import Principals, Walk
from notify.outbox import deliver_due

# The demo clock stops this far short of the real time the load started.
MARGIN = dt.timedelta(minutes=2)


class StoryFailed(RuntimeError):
    """A demo complaint did not end in the state its story promises."""


@dataclass
class LoadReport:
    data_dir: Path
    data_missing: str = ""  # why no complaints were loaded, when the data files are missing
    units_created: int = 0
    accounts: list[NewAccount] = field(default_factory=list)
    api_token: str | None = None
    created: int = 0
    present: int = 0
    notifications_sent: int = 0
    states: dict[str, int] = field(default_factory=dict)  # every demo complaint in the database
    seconds: float = 0.0


def load_demo(count: int = DEFAULT_COUNT, directory: Path | None = None,
              deliver: bool = True) -> LoadReport:
    """Load the demo (see the module docstring); `count` complaints, demo-0 .. demo-<count-1>."""
    started = time.monotonic()
    report = LoadReport(data_dir=directory or data_dir())
    with transaction.atomic():
        report.units_created = ensure_units()
    report.accounts = ensure_staff()
    with transaction.atomic():
        report.api_token = ensure_api_key()
    if count > 0:
        if report.data_dir.is_dir():
            report.created, report.present = load_complaints(count, report.data_dir)
        else:
            report.data_missing = f"data directory not found: {report.data_dir}"
    if deliver:
        report.notifications_sent = deliver_quietly()
    report.states = demo_states()
    report.seconds = time.monotonic() - started
    return report


def load_complaints(count: int, directory: Path) -> tuple[int, int]:
    """Register and walk the demo complaints that are not there yet; returns (created, present)."""
    now = timezone.now()
    plans = build_plans(count, chinese_texts(directory, count), english_texts(directory, count),
                        now)
    existing = set(Complaint.objects.filter(idempotency_key__in=[p.key for p in plans])
                   .values_list("idempotency_key", flat=True))
    principals = Principals()
    created = 0
    with override_settings(TOUSU_TASKS="manual"), demo_clock.simulated_time():
        for plan in plans:
            if plan.key in existing:
                continue
            walk_one(plan, principals, limit=now - MARGIN)
            created += 1
    return created, len(existing)


def walk_one(plan: Plan, principals: Principals, *, limit: dt.datetime) -> Complaint:
    """Register one planned complaint and take it through its story, in one transaction."""
    walk = Walk(plan=plan, clock=demo_clock.DemoClock(plan.received_at, limit),
                principals=principals)
    demo_clock.use(walk.clock)
    with transaction.atomic():
        STORIES[plan.story](walk)
        if walk.state != STORY_END[plan.story]:
            raise StoryFailed(f"{plan.key} ({plan.story}) ended {walk.state} after "
                              f"{' → '.join(walk.trail)}")
    return Complaint.objects.get(number=walk.number)


def deliver_quietly() -> int:
    """Deliver what the outbox holds now, without writing every demo SMS to the log."""
    sms_log = logging.getLogger("tousu.sms")
    level = sms_log.level
    sms_log.setLevel(logging.WARNING)
    try:
        total = 0
        while (sent := deliver_due(limit=500)) > 0:
            total += sent
        return total
    finally:
        sms_log.setLevel(level)


def demo_states() -> dict[str, int]:
    rows = (Complaint.objects.filter(idempotency_key__startswith=KEY_PREFIX)
            .values("state").annotate(n=Count("id")))
    counts = Counter({row["state"]: row["n"] for row in rows})
    return dict(sorted(counts.items()))

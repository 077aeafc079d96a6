"""The retention purge: anonymise complaints past retention and delete the records kept only for
a while (staff notifications, handled quarantined mail, portal codes, sign-in logs, expired
sessions, old export logs). What the regulator requires is never touched: complaints stay (no
complaint is ever deleted), with their codes, dates, decisions and event chains."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from complaints.models import Complaint
from privacy.actions import anonymise_complaint, complaints_past_retention
from privacy.models import AccessLog, AnonymisedComplaint, PurgeRun, PurgeTrigger
from privacy.retention import Policy, add_years, current_policy

logger = logging.getLogger(__name__)

DB_SESSION_ENGINES = {"django.contrib.sessions.backends.db",
                      "django.contrib.sessions.backends.cached_db"}


@dataclass
class Outcome:
    """What a purge did (or, in a dry run, would do): record type → rows, with a line each."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def add(self, name: str, count: int, how: str) -> None:
        self.counts[name] = count
        verb = "would be" if self.dry_run else "were"
        self.lines.append(f"{name}: {count} {verb} {how}")


def purge(*, dry_run: bool = False, now: dt.datetime | None = None,
          policy: Policy | None = None, trigger: str = PurgeTrigger.MANUAL) -> Outcome:
    """Apply the retention policy once. Safe to run again at any time: each step only touches
    rows past their period, and a complaint is anonymised once."""
    policy = policy or current_policy()
    now = now or timezone.now()
    today = timezone.localdate(now)
    out = Outcome(dry_run=dry_run)
    _complaints(out, policy, now, today)
    _notifications(out, policy, now)
    _quarantine(out, policy, now)
    _portal_codes(out, policy, now)
    _sign_in_logs(out, policy, now)
    _sessions(out, now)
    cutoff = dt.datetime.combine(add_years(today, -policy.access_log_years), dt.time(),
                                 tzinfo=dt.UTC)
    old = AccessLog.objects.filter(at__lt=cutoff)
    out.add("export access log", old.count() if dry_run else AccessLog.objects.purge_before(
        cutoff), f"deleted (older than {policy.access_log_years} years)")
    if not dry_run:
        PurgeRun.objects.create(at=now, trigger=trigger, policy=policy.as_json(),
                                counts=out.counts)
    return out


def scheduled_purge(now: dt.datetime | None = None) -> Outcome | None:
    """The beat's daily job: the same purge as `purge_expired`, recorded as a scheduled run, when
    TOUSU_RETENTION_PURGE_AUTO is on (None otherwise). Runs at most once a local day: several
    server processes each run the in-process beat, and a Celery retry may repeat the task; a
    second run on the same day would only find nothing left to do and record an empty run."""
    if not settings.TOUSU_RETENTION_PURGE_AUTO:
        return None
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if PurgeRun.objects.filter(trigger=PurgeTrigger.SCHEDULED, at__gte=midnight).exists():
        return None
    outcome = purge(now=now, trigger=PurgeTrigger.SCHEDULED)
    logger.info("scheduled retention purge: %s", "; ".join(outcome.lines))
    return outcome


def _complaints(out: Outcome, policy: Policy, now: dt.datetime, today: dt.date) -> None:
    from privacy.models import AnonymisedCustomer

    due = list(complaints_past_retention(policy, today))
    how = (f"anonymised (ended, ≥ {policy.complaint_years} years after closure and past their "
           f"retention date; kept with their codes, dates and event chains)")
    customers_how = "anonymised (every complaint of theirs anonymised)"
    if out.dry_run:
        ids = [pk for pk, _ in due]
        customers: set[int] = set()
        for chunk in _chunks(ids):
            customers.update(Complaint.objects.filter(pk__in=chunk)
                             .values_list("customer_id", flat=True))
        due_ids, still_kept = set(ids), set[int]()
        for chunk in _chunks(sorted(customers)):
            rows = (Complaint.objects.filter(customer_id__in=chunk)
                    .exclude(pk__in=AnonymisedComplaint.objects.values("complaint_id"))
                    .values_list("pk", "customer_id"))
            still_kept.update(customer for pk, customer in rows if pk not in due_ids)
        out.add("complaints", len(due), how)
        out.add("customers", len(customers - still_kept), customers_how)
        return
    before = AnonymisedCustomer.objects.count()
    for pk, until in due:
        anonymise_complaint(pk, until, now)
    out.add("complaints", len(due), how)
    out.add("customers", AnonymisedCustomer.objects.count() - before, customers_how)


def _chunks(items: list[int], size: int = 500) -> list[list[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _delete(out: Outcome, name: str, queryset: object, how: str) -> None:
    from django.db.models import QuerySet

    assert isinstance(queryset, QuerySet)  # noqa: S101 - narrows the type for mypy
    if out.dry_run:
        out.add(name, queryset.count(), how)
        return
    with transaction.atomic():
        deleted, _ = queryset.delete()
    out.add(name, deleted, how)


def _notifications(out: Outcome, policy: Policy, now: dt.datetime) -> None:
    """Staff notifications go after a while; the customer's notices stay with their complaint
    (proof of sending) and are redacted when it is anonymised."""
    from notify.models import Notification, Status

    cutoff = now - dt.timedelta(days=policy.notification_days)
    staff = Q(complaint__isnull=True) | Q(user__isnull=False) | Q(subscription__isnull=False)
    rows = Notification.objects.filter(
        staff, status__in=[Status.SENT, Status.FAILED], created_at__lt=cutoff
    ).exclude(kind="portal_code")
    _delete(out, "staff notifications", rows,
            f"deleted (sent or failed more than {policy.notification_days} days ago)")


def _quarantine(out: Outcome, policy: Policy, now: dt.datetime) -> None:
    """Quarantined mail that staff released or dismissed; held mail waits for a person. Mail
    released into a complaint is that complaint's material (when the bank first had it): it
    stays until the complaint is anonymised, which redacts it, however long the complaint runs."""
    from intake.choices import QuarantineStatus
    from intake.models import QuarantinedMessage

    cutoff = now - dt.timedelta(days=policy.quarantine_days)
    rows = QuarantinedMessage.objects.filter(
        Q(complaint__isnull=True)
        | Q(complaint_id__in=AnonymisedComplaint.objects.values("complaint_id")),
        status__in=[QuarantineStatus.RELEASED, QuarantineStatus.DISMISSED], updated_at__lt=cutoff)
    if not out.dry_run:
        for message in rows:
            if message.raw:
                storage, name = message.raw.storage, message.raw.name
                transaction.on_commit(lambda s=storage, n=name: s.delete(n))  # type: ignore[misc]
    _delete(out, "quarantined mail", rows,
            f"deleted with its raw file (released or dismissed more than "
            f"{policy.quarantine_days} days ago; held mail is kept)")


def _portal_codes(out: Outcome, policy: Policy, now: dt.datetime) -> None:
    from notify.models import Notification, Status
    from portal.models import TrackingCode

    cutoff = now - dt.timedelta(days=policy.portal_code_days)
    how = f"deleted (expired more than {policy.portal_code_days} days ago)"
    _delete(out, "portal one-time codes", TrackingCode.objects.filter(expires_at__lt=cutoff), how)
    _delete(out, "portal code messages", Notification.objects.filter(
        kind="portal_code", created_at__lt=cutoff).exclude(status=Status.SENDING), how)


def _sign_in_logs(out: Outcome, policy: Policy, now: dt.datetime) -> None:
    from axes.models import AccessFailureLog
    from axes.models import AccessLog as SignInLog

    cutoff = now - dt.timedelta(days=policy.login_log_days)
    how = f"deleted (older than {policy.login_log_days} days)"
    _delete(out, "sign-in log", SignInLog.objects.filter(attempt_time__lt=cutoff), how)
    _delete(out, "failed sign-in log", AccessFailureLog.objects.filter(attempt_time__lt=cutoff),
            how)


def _sessions(out: Outcome, now: dt.datetime) -> None:
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        return
    from django.contrib.sessions.models import Session

    _delete(out, "sessions", Session.objects.filter(expire_date__lt=now), "deleted (expired)")

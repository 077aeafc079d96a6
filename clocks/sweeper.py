"""The deadline sweeper: warns before each due time, marks breaches at it and escalates, each
exactly once per deadline (per due time: an extension owes new warnings).

Exactly once, with any number of sweepers at once and across crashes: a sweeper claims a
deadline with a conditional UPDATE that must change exactly one row (status still open, still
past due or still inside the lead, warning stage still below the one it sends), and writes the
deadline's notices in the same transaction. A sweeper that loses the race changes nothing and
sends nothing; one that dies mid-batch rolls its claims back with its notices, and the next sweep
does them. Notices also carry dedupe keys, so even a replayed claim cannot send twice.

Every candidate query is a range on the (status, due_at) index: overdue deadlines, and those due
within a warning lead. Runs from `manage.py sweep_deadlines` and every TOUSU_SWEEP_INTERVAL_S in
the embedded default's beat (tousu/beat.py)."""

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from clocks import packs
from clocks.choices import DeadlineKind, DeadlineStatus, Obligation
from clocks.models import Deadline
from notify.models import Channel
from notify.outbox import enqueue_many
from org.choices import Role, StaffChannel, StaffEvent
from org.models import RoleGrant, Subscription

logger = logging.getLogger(__name__)
BATCH = 500
ONE_SECOND = dt.timedelta(seconds=1)
_LEAD = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def warning_leads() -> tuple[dt.timedelta, ...]:
    """TOUSU_DEADLINE_WARNINGS ("3d", "1d", "4h" …), longest first; a bad value fails fast."""
    leads = []
    for raw in settings.TOUSU_DEADLINE_WARNINGS:
        match = _LEAD.match(str(raw))
        if not match or int(match.group(1)) == 0:
            raise ImproperlyConfigured(
                f"TOUSU_DEADLINE_WARNINGS: {raw!r} is not a lead time like 3d, 12h or 30m")
        leads.append(dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
    return tuple(sorted(set(leads), reverse=True))


def _describe(lead: dt.timedelta) -> str:
    if lead % dt.timedelta(days=1) == dt.timedelta(0):
        return f"{lead.days}天 {lead.days} day(s)"
    hours = lead / dt.timedelta(hours=1)
    return f"{hours:g}小时 {hours:g} hour(s)"


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    expired: int = 0
    notices: int = 0
    by_stage: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Row:
    pk: int
    obligation: str
    rule_pack: str
    due_at: dt.datetime
    complaint_id: int
    number: str
    unit_id: int
    unit_path: str
    handler_id: int | None

    @property
    def label(self) -> str:
        try:
            return str(Obligation(self.obligation).label)
        except ValueError:
            return self.obligation

    def local_due(self) -> str:
        try:
            zone = packs.get(self.rule_pack).zone
        except ImproperlyConfigured:
            return f"{timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"
        return f"{self.due_at.astimezone(zone):%Y-%m-%d %H:%M %Z}"


_FIELDS = ("pk", "obligation", "rule_pack", "due_at", "complaint_id", "complaint__number",
           "complaint__unit_id", "complaint__unit__path", "complaint__handler_id")


def _candidates(**filters: Any) -> list[_Row]:
    """One index range scan; claims decide who acts, so a stale list is harmless."""
    rows = (Deadline.objects.filter(kind=DeadlineKind.DUTY, **filters)
            .order_by("due_at", "pk").values_list(*_FIELDS))
    return [_Row(*row) for row in rows]


def _chunks(rows: list[_Row]) -> Iterator[list[_Row]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


class _Audience:
    """Who hears of a complaint's deadlines, from the grants and subscriptions read once per
    sweep: warnings go to the handler and the managers and consumer-protection officers of the
    unit (or of the nearest unit above with any); breaches to the handler and every manager and
    consumer-protection officer on the unit or above it. Subscriptions add email and group-chat
    robots the way notify.staff.tell_staff does."""

    def __init__(self) -> None:
        self.grants: dict[str, set[int]] = defaultdict(set)
        for user_id, path in RoleGrant.objects.filter(
            role__in=[Role.MANAGER, Role.CONSUMER_PROTECTION], unit__active=True,
            user__is_active=True,
        ).values_list("user_id", "unit__path"):
            self.grants[path].add(user_id)
        self.subscriptions: dict[tuple[str, str], list[Subscription]] = defaultdict(list)
        for sub in Subscription.objects.filter(
            active=True, event__in=[StaffEvent.WARNING, StaffEvent.BREACH]
        ).select_related("unit"):
            self.subscriptions[(sub.event, sub.unit.path)].append(sub)
        self._emails: dict[int, str] = {}

    @staticmethod
    def _chain(path: str) -> list[str]:
        codes = path.strip("/").split("/")
        return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]

    def people(self, row: _Row, event: str) -> list[int]:
        chain = self._chain(row.unit_path)
        found: set[int] = set()
        if event == StaffEvent.BREACH:
            for path in chain:
                found |= self.grants.get(path, set())
        else:
            found = next((self.grants[p] for p in reversed(chain) if self.grants.get(p)), set())
        if row.handler_id:
            found = found | {row.handler_id}
        return sorted(found)

    def load_emails(self, user_ids: Iterable[int]) -> None:
        missing = set(user_ids) - set(self._emails)
        if missing and self.subscriptions:
            self._emails.update(get_user_model().objects.filter(pk__in=missing)
                                .exclude(email="").values_list("pk", "email"))

    def notices(self, row: _Row, event: str, key: str, text: str) -> list[dict[str, Any]]:
        """Outbox rows (notify.outbox.enqueue_many) for one deadline event."""
        people = self.people(row, event)
        subject = text[:300]

        def note(channel: str, address: str, suffix: str, **extra: Any) -> dict[str, Any]:
            return {"complaint_id": row.complaint_id, "kind": event, "channel": channel,
                    "address": address, "subject": subject, "body": text,
                    "dedupe_key": f"{event}:{key}:{suffix}"[:120], **extra}

        out = [note(Channel.IN_APP, "", f"u{u}", user_id=u) for u in people]
        for path in self._chain(row.unit_path):
            for sub in self.subscriptions.get((event, path), []):
                if not sub.subtree and path != row.unit_path:
                    continue
                if sub.channel == StaffChannel.IN_APP:
                    continue
                if sub.channel == StaffChannel.EMAIL:
                    self.load_emails(people)
                    out += [note(Channel.EMAIL, self._emails[u], f"e{u}", user_id=u)
                            for u in people if u in self._emails]
                    continue
                out.append(note(sub.channel, sub.webhook_url, f"s{sub.pk}",
                                subscription_id=sub.pk))
        return out


class _Claims:
    """The conditional UPDATEs, prepared once per sweep and run per deadline: each must change
    exactly one row, or another sweeper (or an action) got there first."""

    def __init__(self, now: dt.datetime) -> None:
        q = connection.ops.quote_name
        adapt = connection.ops.adapt_datetimefield_value
        table = q(Deadline._meta.db_table)
        self.adapt, self.now = adapt, adapt(now)
        self.cut = adapt(now - ONE_SECOND)  # the due second itself is still in time
        self.open = DeadlineStatus.OPEN.value
        # Table and column names are the model's own; every value is a bound parameter.
        self.breach_sql = (
            f"UPDATE {table} SET {q('status')} = %s, {q('breached_at')} = {q('due_at')}, "  # noqa: S608
            f"{q('escalated_at')} = %s WHERE {q('id')} = %s AND {q('status')} = %s "
            f"AND {q('due_at')} <= %s")
        self.warn_sql = (
            f"UPDATE {table} SET {q('warn_stage')} = %s, {q('warned_at')} = %s "  # noqa: S608
            f"WHERE {q('id')} = %s AND {q('status')} = %s AND {q('warn_stage')} < %s "
            f"AND {q('due_at')} > %s AND {q('due_at')} <= %s")

    def breach(self, cursor: Any, pk: int) -> bool:
        cursor.execute(self.breach_sql, [DeadlineStatus.BREACHED.value, self.now, pk,
                                         self.open, self.cut])
        return bool(cursor.rowcount == 1)

    def warn(self, cursor: Any, pk: int, stage: int, until: Any) -> bool:
        cursor.execute(self.warn_sql, [stage, self.now, pk, self.open, stage, self.cut, until])
        return bool(cursor.rowcount == 1)


def _breach(now: dt.datetime, claims: _Claims, audience: _Audience,
            result: SweepResult) -> None:
    rows = _candidates(status=DeadlineStatus.OPEN, due_at__lte=now - ONE_SECOND)
    for batch in _chunks(rows):
        with transaction.atomic(), connection.cursor() as cursor:
            notices: list[dict[str, Any]] = []
            for row in batch:
                if not claims.breach(cursor, row.pk):
                    continue  # another sweeper took it, or it was met, paused or extended
                result.breached += 1
                text = (f"时限已超 Deadline breached: {row.number} {row.label}, "
                        f"到期 due {row.local_due()}")
                key = f"{row.pk}:{int(row.due_at.timestamp())}"  # a reopened clock may breach again
                notices += audience.notices(row, StaffEvent.BREACH, key, text)
            enqueue_many(notices)
            result.notices += len(notices)


def _warn(now: dt.datetime, leads: tuple[dt.timedelta, ...], claims: _Claims,
          audience: _Audience, result: SweepResult) -> None:
    # The nearest lead first: a deadline found inside it gets that warning only, not the
    # earlier ones it is already past.
    for stage in range(len(leads), 0, -1):
        lead = leads[stage - 1]
        rows = _candidates(status=DeadlineStatus.OPEN, due_at__gt=now - ONE_SECOND,
                           due_at__lte=now + lead, warn_stage__lt=stage)
        until = claims.adapt(now + lead)
        for batch in _chunks(rows):
            with transaction.atomic(), connection.cursor() as cursor:
                notices: list[dict[str, Any]] = []
                for row in batch:
                    if not claims.warn(cursor, row.pk, stage, until):
                        continue
                    result.warned += 1
                    result.by_stage[stage] = result.by_stage.get(stage, 0) + 1
                    text = (f"时限预警 Deadline warning: {row.number} {row.label} "
                            f"{_describe(lead)}内到期 due within {_describe(lead)}: "
                            f"{row.local_due()}")
                    key = f"{row.pk}:{int(row.due_at.timestamp())}:{stage}"
                    notices += audience.notices(row, StaffEvent.WARNING, key, text)
                enqueue_many(notices)
                result.notices += len(notices)


def _expire_windows(now: dt.datetime, result: SweepResult) -> None:
    result.expired += Deadline.objects.filter(
        status=DeadlineStatus.OPEN, due_at__lte=now - ONE_SECOND, kind=DeadlineKind.WINDOW,
    ).update(status=DeadlineStatus.EXPIRED)


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """One pass: breaches (and their escalations) first, then warnings, then expired windows."""
    now = now or timezone.now()
    leads = warning_leads()
    audience = _Audience()
    claims = _Claims(now)
    result = SweepResult()
    _breach(now, claims, audience, result)
    _warn(now, leads, claims, audience, result)
    _expire_windows(now, result)
    if result.breached or result.warned or result.expired:
        logger.info("deadline sweep: %s breached, %s warned, %s windows expired, %s notices",
                    result.breached, result.warned, result.expired, result.notices)
    return result


def sweep_job() -> None:
    """The beat's periodic job."""
    sweep()

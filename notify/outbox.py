"""The notification outbox: enqueue inside a transaction, deliver after commit."""

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.constants import OnConflict
from django.utils import timezone

from notify.models import WEBHOOK_CHANNELS, Channel, Notification, Status

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
STALE_CLAIM = dt.timedelta(minutes=10)
DEACTIVATED = ("收件人或订阅已停用，未发送 / not sent: the recipient or the subscription was "
               "deactivated")
UNCERTAIN = ("发送群机器人消息时进程中断，消息可能已发出：请在群内核实，缺失时再重试 / the worker "
             "stopped while posting to the group robot, so the message may have been posted: "
             "check the group, and retry it only if it is missing")


def enqueue(
    *, kind: str, channel: str, address: str, subject: str, body: str, dedupe_key: str,
    complaint_id: int | None = None, user_id: int | None = None,
    subscription_id: int | None = None,
) -> None:
    """Write a notification to the outbox; delivery starts once the transaction commits. A
    notification whose dedupe key was already written is not written again (INSERT … ON
    CONFLICT DO NOTHING, so a duplicate costs no savepoint and no error)."""
    notification = Notification(
        complaint_id=complaint_id, user_id=user_id, kind=kind, channel=channel, address=address,
        subject=subject, body=body, dedupe_key=dedupe_key, next_attempt_at=timezone.now(),
        subscription_id=subscription_id,
    )
    Notification.objects.bulk_create([notification], ignore_conflicts=True)
    transaction.on_commit(kick)


def enqueue_many(rows: list[dict[str, Any]]) -> None:
    """`enqueue` for many notices at once (the deadline sweeper's): each row holds enqueue's
    keyword arguments. One prepared INSERT … ON CONFLICT DO NOTHING for all of them, so a row
    whose dedupe key was already written is skipped, as with enqueue; delivery starts after
    commit. Bypasses per-row model preparation, which costs more than the insert itself."""
    if not rows:
        return
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    template = Notification(next_attempt_at=timezone.now())
    static = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields]
    ops = connection.ops
    sql = (f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
           f"{ops.quote_name(Notification._meta.db_table)} "
           f"({', '.join(ops.quote_name(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) "
           f"{ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)}")
    names = [f.attname for f in fields]
    varying = {name: i for i, name in enumerate(names) if name in _ENQUEUED}
    params = []
    for row in rows:
        values = list(static)
        for key, value in row.items():
            values[varying[key]] = value
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    transaction.on_commit(kick)


_ENQUEUED = frozenset({"complaint_id", "user_id", "subscription_id", "kind", "channel", "address",
                       "subject", "body", "dedupe_key"})


def kick() -> None:
    """After a commit that wrote notifications: start their delivery. In-process runner in the
    embedded default; a Celery task in the production profile (TOUSU_TASKS=celery)."""
    if tasks_mode() == "celery":
        from tousu.tasks import enqueue_delivery

        enqueue_delivery()
        return
    from notify import runner

    runner.kick()


def _send(notification: Notification) -> str:
    """Hand the notification to its channel and return the proof of sending."""
    if notification.channel == Channel.EMAIL:
        message = EmailMessage(
            subject=notification.subject, body=notification.body, to=[notification.address],
            headers={"Message-ID": f"<{notification.dedupe_key}@tousu>"},
        )
        message.send()
        return f"email:{notification.dedupe_key}"
    if notification.channel == Channel.SMS:
        from notify.sms import gateway

        return gateway().send(notification.address, notification.body, notification.dedupe_key)
    if notification.channel in WEBHOOK_CHANNELS:
        from notify import webhooks

        secret = notification.subscription.secret if notification.subscription else ""
        return webhooks.post(notification.channel, notification.address, notification.body,
                             secret)
    return "in_app"


def _claim(now: dt.datetime, limit: int) -> list[Notification]:
    """Take up to `limit` due rows in one conditional update; a row can be won by one worker
    only. A row left `sending` by a crashed worker is taken again after STALE_CLAIM."""
    token = uuid.uuid4().hex
    due = Notification.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    ).order_by("next_attempt_at").values("pk")[:limit]
    claimed = Notification.objects.filter(
        Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM),
        pk__in=list(due.values_list("pk", flat=True)),
    ).update(status=Status.SENDING, claimed_at=now, claimed_by=token, attempts=F("attempts") + 1)
    if not claimed:
        return []
    return list(Notification.objects.filter(claimed_by=token, status=Status.SENDING)
                .select_related("subscription", "user"))


def deliver_due(limit: int = 100) -> int:
    """Deliver a batch of due notifications; returns how many were sent."""
    now = timezone.now()
    batch = _claim(now, limit)
    sent, failed, posted = [], [], 0
    for notification in batch:
        if (notification.user is not None and not notification.user.is_active) or (
                notification.subscription is not None and not notification.subscription.active):
            notification.status = Status.FAILED  # at once: no attempt, nothing to retry
            notification.last_error = DEACTIVATED
            failed.append(notification)
            continue
        if notification.channel in WEBHOOK_CHANNELS:
            posted += _post_to_robot(notification, now)
            continue
        try:
            notification.proof = _send(notification)[:200]
        except Exception as exc:  # any gateway failure is retried with backoff
            _retry_later(notification, now, exc)
            failed.append(notification)
            continue
        sent.append(notification)
    _mark_sent(sent, timezone.now())
    if failed:
        Notification.objects.bulk_update(
            failed, ["status", "next_attempt_at", "last_error"])
    return len(sent) + posted


def _retry_later(notification: Notification, now: dt.datetime, exc: Exception) -> None:
    logger.warning("notification %s failed (attempt %s): %s",
                   notification.pk, notification.attempts, exc)
    gave_up = notification.attempts >= MAX_ATTEMPTS
    notification.status = Status.FAILED if gave_up else Status.PENDING
    notification.next_attempt_at = now + dt.timedelta(seconds=30 * 2 ** notification.attempts)
    notification.last_error = str(exc)[:2000]


def _post_to_robot(notification: Notification, now: dt.datetime) -> int:
    """Post one claimed robot notice; 1 if it was sent. A robot has no idempotency key, so the
    post sits between two commits of its own: a worker that dies in between leaves `posting_at`
    set, and the row, once re-claimed, is flagged UNCERTAIN for a person to check instead of
    posted again. A bank would rather check one alert than have staff act twice on a repeat
    nothing marks as one. The first commit is also a per-row claim: a row another worker took
    over (this batch outlived STALE_CLAIM) is left to it."""
    rows = Notification.objects.filter(pk=notification.pk)
    if notification.posting_at is not None:
        logger.error("notification %s: a worker stopped while posting it; flagged for a check",
                     notification.pk)
        rows.update(status=Status.FAILED, last_error=UNCERTAIN)
        return 0
    with transaction.atomic(durable=True):
        if not rows.filter(claimed_by=notification.claimed_by, status=Status.SENDING,
                           posting_at=None).update(posting_at=now):
            return 0
    try:
        notification.proof = _send(notification)[:200]
    except Exception as exc:  # refused or unreachable: retried with backoff, as any channel
        _retry_later(notification, now, exc)
        rows.update(status=notification.status, next_attempt_at=notification.next_attempt_at,
                    last_error=notification.last_error, posting_at=None)
        return 0
    _mark_sent([notification], timezone.now())
    return 1


def _mark_sent(sent: list[Notification], at: dt.datetime) -> None:
    """One prepared UPDATE for the batch. bulk_update's CASE expressions cost several times the
    delivery's own Python, and in the embedded default that time holds the GIL that the same
    process's requests wait for."""
    if not sent:
        return
    column = {f.name: connection.ops.quote_name(f.column) for f in Notification._meta.fields}
    sql = (f"UPDATE {connection.ops.quote_name(Notification._meta.db_table)} SET "  # noqa: S608
           f"{column['status']} = %s, {column['sent_at']} = %s, {column['proof']} = %s, "
           f"{column['last_error']} = '' WHERE {column['id']} = %s")
    when = connection.ops.adapt_datetimefield_value(at)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [(Status.SENT.value, when, n.proof, n.pk) for n in sent])


def tasks_mode() -> str:
    return str(settings.TOUSU_TASKS)


def retry_failed(pks: list[int]) -> int:
    """Operations retry notifications that gave up: each is due again now for one more attempt
    (its attempts are kept, so a second failure gives up again); a robot notice flagged
    UNCERTAIN is posted again, the person having found it missing. Returns how many."""
    count = Notification.objects.filter(pk__in=pks, status=Status.FAILED).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), posting_at=None)
    if count:
        transaction.on_commit(kick)
    return count

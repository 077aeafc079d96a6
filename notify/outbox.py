"""The notification outbox: enqueue inside a transaction, deliver after commit."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from notify.models import Channel, Notification, Status

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
STALE_CLAIM = dt.timedelta(minutes=10)


def enqueue(
    *, kind: str, channel: str, address: str, subject: str, body: str, dedupe_key: str,
    complaint_id: int | None = None, user_id: int | None = None,
) -> Notification | None:
    """Write a notification to the outbox; delivery starts once the transaction commits.
    Returns None when a notification with the same dedupe key was already written."""
    notification = Notification(
        complaint_id=complaint_id, user_id=user_id, kind=kind, channel=channel, address=address,
        subject=subject, body=body, dedupe_key=dedupe_key, next_attempt_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    transaction.on_commit(kick)
    return notification


def kick() -> None:
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
    return "in_app"


def _claim(notification_id: int, now: dt.datetime) -> bool:
    """Take a row for sending; exactly one worker can win it."""
    return bool(
        Notification.objects.filter(pk=notification_id, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        or Notification.objects.filter(
            pk=notification_id, status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM
        ).update(claimed_at=now, attempts=F("attempts") + 1)
    )


def deliver_due(limit: int = 100) -> int:
    """Deliver notifications that are due; returns how many were sent."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for notification_id in ids:
        if not _claim(notification_id, now):
            continue
        notification = Notification.objects.get(pk=notification_id)
        try:
            proof = _send(notification)
        except Exception as exc:  # any gateway failure is retried with backoff
            failed = notification.attempts >= MAX_ATTEMPTS
            logger.warning("notification %s failed (attempt %s): %s",
                           notification_id, notification.attempts, exc)
            Notification.objects.filter(pk=notification_id).update(
                status=Status.FAILED if failed else Status.PENDING,
                next_attempt_at=now + dt.timedelta(seconds=30 * 2 ** notification.attempts),
                last_error=str(exc)[:2000],
            )
            continue
        Notification.objects.filter(pk=notification_id).update(
            status=Status.SENT, sent_at=timezone.now(), proof=proof[:200], last_error=""
        )
        sent += 1
    return sent


def tasks_mode() -> str:
    return str(settings.TOUSU_TASKS)

"""The production profile's background work on a real Celery worker and Redis: a notification
written in a transaction is delivered once after the commit, and a deadline sweep queued twice
(as a redelivered message would be) breaches and escalates once."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from ops.tests.conftest import wait_for

pytestmark = pytest.mark.slow


def test_a_notification_is_delivered_once_by_the_worker_after_commit(
        celery_worker: Any, celery_redis: Any) -> None:
    from notify import outbox
    from notify.models import Notification, Status

    with transaction.atomic():
        for n in range(3):  # three commits' worth of kicks coalesce into one queued delivery
            outbox.enqueue(kind="test", channel="email", address=f"c{n}@example.com",
                           subject="回执 Receipt", body="已受理 accepted", dedupe_key=f"celery-{n}")
    with transaction.atomic():
        outbox.enqueue(kind="test", channel="email", address="c3@example.com",
                       subject="回执 Receipt", body="已受理 accepted", dedupe_key="celery-3")

    def delivered() -> bool:
        return Notification.objects.filter(kind="test", status=Status.SENT).count() == 4

    wait_for(delivered, 20, "the worker to deliver the notifications")
    rows = list(Notification.objects.filter(kind="test"))
    assert {(r.attempts, r.proof) for r in rows} == {(1, f"email:celery-{n}") for n in range(4)}


def test_a_sweep_queued_twice_breaches_and_escalates_once(
        celery_worker: Any, celery_redis: Any, cast: Any, register: Any, settings: Any) -> None:
    from clocks.models import Deadline
    from notify.models import Notification, Status
    from tousu import tasks

    settings.TOUSU_TASKS = "manual"  # the registration's own notices stay queued
    c = register()
    settings.TOUSU_TASKS = "celery"
    due = timezone.now() - dt.timedelta(hours=1)
    Deadline.objects.filter(complaint=c, obligation="decision").update(due_at=due)
    for _ in range(2):
        tasks.run_job.delay("clocks.sweeper:sweep_job")

    def escalated() -> bool:
        notices = Notification.objects.filter(kind="breach", complaint=c)
        return notices.count() == 3 and all(n.status == Status.SENT for n in notices)

    wait_for(escalated, 30, "the sweep's breach notices to be delivered")
    decision = Deadline.objects.get(complaint=c, obligation="decision")
    assert (decision.status, decision.breached_at) == ("breached", due)
    breach = Notification.objects.filter(kind="breach", complaint=c)
    assert sorted(breach.values_list("user_id", flat=True)) == sorted(
        cast.users[name].pk for name in ("mia", "max", "cpo"))
    assert set(breach.values_list("attempts", flat=True)) == {1}

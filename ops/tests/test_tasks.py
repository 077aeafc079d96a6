"""The Celery side without a worker: beat's schedule is generated from tousu/beat.py's JOBS,
run_job runs only those, a burst of commits queues one delivery, and a commit never fails
because Redis is down."""

import datetime as dt
import socket
from types import SimpleNamespace
from typing import Any

import pytest
from celery.schedules import crontab
from django.db import transaction
from kombu import Queue

from tousu import beat, tasks
from tousu.celery import app, beat_schedule


def test_beats_schedule_is_generated_from_the_in_process_jobs() -> None:
    schedule = beat_schedule()
    for job in beat.JOBS:
        entry = schedule[job.name]
        assert (entry["task"], entry["args"]) == ("tousu.tasks.run_job", (job.target,))
        if job.every is not None:
            assert entry["schedule"] == job.every
            assert entry["options"]["expires"] == job.every.total_seconds()
        else:
            assert isinstance(entry["schedule"], crontab) and job.daily_at is not None
            assert entry["schedule"].hour == {job.daily_at.hour}
    assert schedule["deliver the outbox"]["task"] == "tousu.tasks.deliver_outbox"
    assert schedule["worker heartbeat"]["task"] == "tousu.tasks.heartbeat"
    assert str(app.conf.timezone) == "Asia/Shanghai"


def test_the_app_acknowledges_late_one_task_at_a_time_in_json() -> None:
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert conf.worker_prefetch_multiplier == 1
    assert (conf.task_serializer, list(conf.accept_content)) == ("json", ["json"])
    assert conf.task_time_limit > conf.task_soft_time_limit > 0
    assert conf.broker_transport_options["visibility_timeout"] > tasks.train_triage.time_limit
    for name in ("run_job", "deliver_outbox", "train_triage", "rebuild_rollups"):
        task = getattr(tasks, name)
        assert task.autoretry_for == (Exception,) and task.retry_backoff, name


def test_run_job_runs_a_beat_job_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(beat, "JOBS", [beat.Job("x", "ops.tests.test_tasks:job",
                                                 every=dt.timedelta(minutes=1))])
    monkeypatch.setattr(beat, "_resolve", lambda target: lambda: ran.append(target))
    tasks.run_job.run("ops.tests.test_tasks:job")
    assert ran == ["ops.tests.test_tasks:job"]
    with pytest.raises(tasks.UnknownJob):
        tasks.run_job.run("os:system")


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_commits_queues_one_delivery(celery_redis: Any) -> None:
    from notify import outbox

    for n in range(5):
        with transaction.atomic():
            outbox.enqueue(kind="test", channel="in_app", address="", subject="s", body="b",
                           dedupe_key=f"burst-{n}")
    assert celery_redis.llen("tousu") == 1
    tasks.deliver_outbox.run()  # what the worker does: clears the flag, then delivers
    assert not celery_redis.exists("tousu:outbox:queued")
    from notify.models import Notification

    assert Notification.objects.filter(kind="test", status="sent").count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_commit_succeeds_when_redis_is_down(settings: Any,
                                              caplog: pytest.LogCaptureFixture) -> None:
    from notify import outbox
    from notify.models import Notification

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TOUSU_TASKS, settings.REDIS_URL = "celery", f"redis://127.0.0.1:{port}/0"
    with transaction.atomic():
        outbox.enqueue(kind="test", channel="in_app", address="", subject="s", body="b",
                       dedupe_key="redis-down")
    assert Notification.objects.filter(dedupe_key="redis-down", status="pending").exists()
    assert "periodic delivery" in caplog.text


def _ready_consumer(*queues: str) -> Any:
    """What worker_ready sends: the consumer of a worker started with `-Q <queues>`."""
    return SimpleNamespace(task_consumer=SimpleNamespace(queues=[Queue(q) for q in queues]))


def test_only_a_worker_of_the_time_critical_queue_counts_as_alive_when_it_starts(
        celery_redis: Any) -> None:
    """A `-Q bulk` worker used to write the first heartbeat too: /healthz said ok for 90 s
    while no worker took the queue of the sweeper and the deliveries."""
    from ops import redis as ops_redis

    tasks._first_heartbeat(sender=_ready_consumer("bulk"))
    assert not celery_redis.exists(ops_redis.HEARTBEAT_KEY)
    tasks._first_heartbeat(sender=_ready_consumer("tousu", "bulk"))
    assert celery_redis.exists(ops_redis.HEARTBEAT_KEY)

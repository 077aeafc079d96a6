"""The Celery app of the production profile (TOUSU_TASKS=celery). `celery -A tousu worker`
runs tousu/tasks.py; `celery -A tousu beat` queues tousu/beat.py's JOBS on their schedules (the
one list both schedulers read) plus outbox delivery and the worker heartbeat. Configured from
the CELERY_* settings (tousu/settings.py), so from environment variables only."""

import datetime as dt
import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

app = Celery("tousu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("tousu.tasks",)
# Outbox rows whose kick was lost (a crash, Redis briefly down) or whose retry came due.
OUTBOX_SWEEP = dt.timedelta(seconds=30)
BULK_TIME_LIMIT_S = 3600  # a beat job on the bulk queue: training takes minutes


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat's schedule, generated from beat.JOBS. A queued run expires when the next one
    is due, so a backlog never piles up copies of the same job."""
    from django.conf import settings

    from tousu import beat

    schedule: dict[str, dict[str, Any]] = {}
    for job in beat.JOBS:
        if job.every is not None:
            every: Any = job.every
            expires = job.every.total_seconds()
        elif job.daily_at is not None:  # crontab reads the local time zone (CELERY_TIMEZONE)
            every = crontab(hour=job.daily_at.hour, minute=job.daily_at.minute)
            expires = 3600.0
        else:
            continue
        options: dict[str, Any] = {"expires": expires}
        if job.bulk:
            options |= {"queue": "bulk", "time_limit": BULK_TIME_LIMIT_S,
                        "soft_time_limit": BULK_TIME_LIMIT_S - 60}
        schedule[job.name] = {"task": "tousu.tasks.run_job", "schedule": every,
                              "args": (job.target,), "options": options}
    schedule["deliver the outbox"] = {
        "task": "tousu.tasks.deliver_outbox", "schedule": OUTBOX_SWEEP,
        "options": {"expires": OUTBOX_SWEEP.total_seconds()}}
    heartbeat = dt.timedelta(seconds=settings.TOUSU_HEARTBEAT_S)
    schedule["worker heartbeat"] = {
        "task": "tousu.tasks.heartbeat", "schedule": heartbeat,
        "options": {"expires": heartbeat.total_seconds()}}
    return schedule


@setup_logging.connect
def _django_logging(**kwargs: Any) -> None:
    """Workers and beat log as the web servers do: Django's LOGGING (LOG_LEVEL, TOUSU_LOG_FORMAT,
    the PII mask). Without this receiver Celery sets the root logger to its own --loglevel
    (WARNING unless given), which drops every INFO record: deliveries, beat's sent tasks."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@app.on_after_configure.connect
def _schedule(sender: Celery, **kwargs: Any) -> None:
    sender.conf.beat_schedule = beat_schedule()

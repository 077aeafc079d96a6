"""Celery tasks (TOUSU_TASKS=celery): thin wrappers around the functions the embedded default
runs in-process, so both profiles run the same code. Every task is idempotent (the outbox and
the sweeper claim their work with conditional updates, notices carry dedupe keys, rebuilds
recompute), which is what makes late acknowledgement and retries safe: a task retried after a
failure, or run again after its worker died, does nothing twice."""

import logging
import time
from typing import Any

from celery.signals import worker_ready
from django.conf import settings

from ops import redis
from tousu.celery import app
from triage.data import DataMissing

logger = logging.getLogger(__name__)
# Failures are retried with exponential backoff (5 s, 10 s, 20 s … at most 5 min, jittered).
RETRY: dict[str, Any] = {"autoretry_for": (Exception,), "retry_backoff": 5,
                         "retry_backoff_max": 300, "retry_jitter": True, "max_retries": 5}
# How long a queued delivery keeps later kicks from queueing another one (a lost one is
# covered by the periodic delivery every 30 s).
QUEUED_TTL_S = 60
MAX_DELIVERY_ROUNDS = 50


class UnknownJob(ValueError):
    """A run_job message naming a function that is not one of beat.JOBS."""


@app.task(name="tousu.tasks.run_job", dont_autoretry_for=(UnknownJob,), **RETRY)
def run_job(target: str) -> None:
    """Run one of beat.JOBS by its target. Only those targets: a message on the broker must not
    be able to call any function it names."""
    from tousu import beat

    if target not in {job.target for job in beat.JOBS}:
        raise UnknownJob(target)
    beat._resolve(target)()


@app.task(name="tousu.tasks.deliver_outbox", **RETRY)
def deliver_outbox() -> int:
    """Deliver every due notification; returns how many were sent."""
    from notify import outbox

    try:
        # First, so a commit from now on queues a new delivery instead of counting on this one.
        redis.client().delete(redis.OUTBOX_QUEUED_KEY)
    except Exception as exc:
        logger.warning("could not clear the outbox flag (%s); delivering anyway", exc)
    sent = 0
    for _ in range(MAX_DELIVERY_ROUNDS):
        batch = outbox.deliver_due()
        sent += batch
        if batch == 0:
            break
    return sent


def enqueue_delivery() -> None:
    """Called after a commit that wrote notifications: queue one delivery, unless one is
    already queued and not started (a Redis SET NX), so a burst of commits queues one task,
    not one each. Never raises: the committed rows wait for the periodic delivery instead."""
    client = redis.client()
    try:
        if client.set(redis.OUTBOX_QUEUED_KEY, "1", nx=True, ex=QUEUED_TTL_S):
            try:
                deliver_outbox.apply_async()
            except Exception:
                client.delete(redis.OUTBOX_QUEUED_KEY)
                raise
    except Exception as exc:
        logger.warning("could not queue outbox delivery (%s); the periodic delivery will", exc)


@app.task(name="tousu.tasks.heartbeat", **RETRY)
def heartbeat() -> None:
    """Write the time for /healthz: beat queued this and a worker ran it."""
    redis.client().set(redis.HEARTBEAT_KEY, repr(time.time()),
                       ex=10 * settings.TOUSU_HEARTBEAT_MAX_AGE_S)


@worker_ready.connect
def _first_heartbeat(sender: Any, **kwargs: Any) -> None:
    """A worker that just started counts as alive before beat's first heartbeat reaches it, if
    it takes the queue the heartbeat goes to (with the sweeper and deliveries): a `-Q bulk`
    worker alone must not make /healthz say ok while nothing takes the time-critical work."""
    queues = {queue.name for queue in sender.task_consumer.queues}
    if settings.CELERY_TASK_DEFAULT_QUEUE not in queues:
        return
    try:
        heartbeat()
    except Exception as exc:
        logger.warning("no heartbeat written at start: %s", exc)


@app.task(name="tousu.tasks.train_triage", time_limit=3600, soft_time_limit=3540,
          dont_autoretry_for=(DataMissing,), **{**RETRY, "max_retries": 2})
def train_triage(activate: bool = True) -> str:
    """Train the triage classifiers (as `manage.py train_triage`) and save a new version;
    returns it. Running it twice only saves two equal versions."""
    from triage import engine
    from triage.training import train_default

    model = train_default()
    engine.save(model, activate=activate)
    engine.forget()
    return model.version


@app.task(name="tousu.tasks.rebuild_rollups", time_limit=3600,
          soft_time_limit=3540, **{**RETRY, "max_retries": 2})
def rebuild_rollups() -> int:
    """Recompute the statistics' rollups from the complaints (as `manage.py rebuild_rollups`)."""
    from reports import rebuild

    return rebuild.rebuild()

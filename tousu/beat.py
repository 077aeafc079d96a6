"""The embedded default's stand-in for Celery beat: one daemon thread per server process runs
each periodic job on its schedule. Every job is safe to run in several processes at once (each
claims its work with conditional updates or dedupe keys), so two workers never act twice."""

import datetime as dt
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    target: str  # "module:function", called with no argument
    every: dt.timedelta | None = None  # run at this interval ...
    daily_at: dt.time | None = None  # ... or once a day at this local time
    bulk: bool = False  # Celery: on the `bulk` queue, with the long time limit of training


JOBS = [
    Job("sweep deadlines: warn, breach, escalate", "clocks.sweeper:sweep_job",
        every=dt.timedelta(seconds=settings.TOUSU_SWEEP_INTERVAL_S)),
    Job("return unclaimed work orders", "complaints.actions.system:return_unclaimed",
        every=dt.timedelta(minutes=1)),
    Job("daily work-order bulletin", "notify.bulletin:send_bulletins", daily_at=dt.time(8, 0)),
    Job("poll the complaints mailbox", "intake.tasks:poll_mailbox",
        every=dt.timedelta(seconds=settings.TOUSU_IMAP_POLL_S)),
    Job("letters onto timelines, expired nonces", "intake.tasks:housekeeping",
        every=dt.timedelta(minutes=1)),
    Job("import large regulator transfer files", "intake.regulator_batches:continue_imports",
        every=dt.timedelta(seconds=5)),
    # The chains' heads, for verify_audit to catch a chain cut at its tail (complaints.anchors).
    Job("anchor the audit chains", "complaints.anchors:scheduled_anchor",
        every=dt.timedelta(hours=1)),
    # Does nothing unless TOUSU_RETENTION_PURGE_AUTO is on (privacy.purge.scheduled_purge).
    Job("retention purge", "privacy.purge:scheduled_purge", daily_at=dt.time(2, 30)),
    # Does nothing unless TOUSU_TRIAGE_RETRAIN is on; trains at most once an ISO week.
    Job("retrain triage", "triage.retrain:scheduled_retrain", daily_at=dt.time(3, 30),
        bulk=True),
]
_started = threading.Event()


def due(job: Job, last: dt.datetime | None, now: dt.datetime) -> bool:
    if job.every is not None:
        return last is None or now - last >= job.every
    if job.daily_at is None:
        return False
    local = timezone.localtime(now)
    today_at = local.replace(hour=job.daily_at.hour, minute=job.daily_at.minute, second=0,
                             microsecond=0)
    return local >= today_at and (last is None or timezone.localtime(last) < today_at)


def _resolve(target: str) -> Callable[[], object]:
    module, _, name = target.partition(":")
    function: Callable[[], object] = getattr(importlib.import_module(module), name)
    return function


def run_due(last_runs: dict[str, dt.datetime], now: dt.datetime) -> list[str]:
    """Run every job that is due; returns their names. A failing job is logged, not fatal."""
    ran = []
    for job in JOBS:
        if not due(job, last_runs.get(job.name), now):
            continue
        last_runs[job.name] = now
        try:
            _resolve(job.target)()
            ran.append(job.name)
        except Exception:
            logger.exception("periodic job %r failed; it runs again on schedule", job.name)
    return ran


def _loop(tick_s: float) -> None:
    # A daily job whose time already passed today waits for tomorrow: treat it as just run.
    now = timezone.now()
    last_runs = {j.name: now for j in JOBS if j.daily_at is not None and due(j, None, now)}
    while True:
        try:
            run_due(last_runs, timezone.now())
        finally:
            close_old_connections()
        threading.Event().wait(tick_s)


def start(tick_s: float = 15.0) -> None:
    """Start the beat thread once per process (embedded default only)."""
    if settings.TOUSU_TASKS != "inprocess" or _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, args=(tick_s,), name="tousu-beat", daemon=True).start()

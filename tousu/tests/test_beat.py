"""The in-process scheduler runs each job on its schedule."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from tousu import beat

BJ = ZoneInfo("Asia/Shanghai")


def test_interval_jobs_run_when_their_interval_has_passed() -> None:
    job = beat.Job("x", "m:f", every=dt.timedelta(minutes=1))
    now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=BJ)
    assert beat.due(job, None, now)
    assert not beat.due(job, now, now + dt.timedelta(seconds=59))
    assert beat.due(job, now, now + dt.timedelta(seconds=60))


def test_daily_jobs_run_once_after_their_time() -> None:
    job = beat.Job("x", "m:f", daily_at=dt.time(8, 0))
    before = dt.datetime(2026, 11, 22, 7, 59, tzinfo=BJ)
    after = dt.datetime(2026, 11, 22, 8, 0, 30, tzinfo=BJ)
    assert not beat.due(job, None, before)
    assert beat.due(job, before, after)
    assert not beat.due(job, after, after + dt.timedelta(hours=3))
    assert beat.due(job, after, after + dt.timedelta(days=1))


def test_a_failing_job_does_not_stop_the_others(monkeypatch: Any) -> None:
    calls: list[str] = []

    def boom() -> None:
        raise RuntimeError("down")

    monkeypatch.setattr(beat, "JOBS", [
        beat.Job("boom", "x:boom", every=dt.timedelta(seconds=1)),
        beat.Job("ok", "x:ok", every=dt.timedelta(seconds=1)),
    ])
    monkeypatch.setattr(beat, "_resolve", lambda target: boom if target == "x:boom"
                        else (lambda: calls.append("ok")))
    ran = beat.run_due({}, dt.datetime(2026, 11, 22, tzinfo=BJ))
    assert ran == ["ok"] and calls == ["ok"]


def test_every_job_target_exists() -> None:
    for job in beat.JOBS:
        assert callable(beat._resolve(job.target))

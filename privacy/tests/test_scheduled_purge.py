"""The daily retention purge of the beat: off unless TOUSU_RETENTION_PURGE_AUTO, then the same
purge as `purge_expired`, recorded as a scheduled run, once a day, keeping what the regulator
requires."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from complaints.models import Complaint
from privacy.actions import REDACTED
from privacy.models import PurgeRun
from privacy.purge import scheduled_purge
from privacy.tests.helpers import act, close_long_ago
from tousu import beat

pytestmark = pytest.mark.django_db


def _old_and_young(cast: Any, register: Any) -> tuple[Complaint, Complaint]:
    old = register()
    act(cast, "alice", old.number, "note", text="客户称其身份证号为11010519491231002X")
    young = register(customer={"name": "王五", "phone": "13900002222"})
    return close_long_ago(cast, old), close_long_ago(cast, young, years=2)


def test_it_is_a_daily_job_of_the_beat_for_both_schedulers() -> None:
    from tousu.celery import beat_schedule

    job = next(j for j in beat.JOBS if j.target == "privacy.purge:scheduled_purge")
    assert job.daily_at == dt.time(2, 30) and callable(beat._resolve(job.target))
    assert beat_schedule()[job.name]["args"] == ("privacy.purge:scheduled_purge",)


def test_it_does_nothing_unless_the_setting_turns_it_on(cast: Any, register: Any,
                                                        settings: Any) -> None:
    old, _young = _old_and_young(cast, register)
    assert settings.TOUSU_RETENTION_PURGE_AUTO is False
    assert scheduled_purge() is None
    assert Complaint.objects.get(pk=old.pk).content != REDACTED
    assert not PurgeRun.objects.exists()


def test_on_it_purges_as_the_manual_run_does_and_keeps_what_is_required(
        cast: Any, register: Any, settings: Any) -> None:
    settings.TOUSU_RETENTION_PURGE_AUTO = True
    old, young = _old_and_young(cast, register)
    outcome = scheduled_purge()
    assert outcome is not None and outcome.counts["complaints"] == 1
    assert Complaint.objects.get(pk=old.pk).content == REDACTED
    assert Complaint.objects.get(pk=young.pk).content != REDACTED
    run = PurgeRun.objects.get()
    assert run.trigger == "scheduled" and run.counts["complaints"] == 1
    assert run.policy["complaint_years"] == 3
    audit = StringIO()
    call_command("verify_audit", stdout=audit)
    assert audit.getvalue().startswith("OK: 2 complaint chains verified")


def test_the_manual_run_is_recorded_as_manual(cast: Any, register: Any) -> None:
    call_command("purge_expired", stdout=StringIO())
    assert PurgeRun.objects.get().trigger == "manual"


def test_it_runs_once_a_day_however_often_the_beat_calls_it(cast: Any, register: Any,
                                                            settings: Any) -> None:
    settings.TOUSU_RETENTION_PURGE_AUTO = True
    old, _young = _old_and_young(cast, register)
    now = dt.datetime.now(dt.UTC)
    assert scheduled_purge(now) is not None
    seq = Complaint.objects.get(pk=old.pk).last_event_seq
    assert scheduled_purge(now + dt.timedelta(minutes=1)) is None
    assert PurgeRun.objects.count() == 1
    tomorrow = scheduled_purge(now + dt.timedelta(days=1))
    assert tomorrow is not None and tomorrow.counts["complaints"] == 0
    assert Complaint.objects.get(pk=old.pk).last_event_seq == seq


def test_the_in_process_beat_runs_it_at_its_time(cast: Any, register: Any, settings: Any,
                                                  monkeypatch: Any) -> None:
    settings.TOUSU_RETENTION_PURGE_AUTO = True
    old, _young = _old_and_young(cast, register)
    monkeypatch.setattr(beat, "JOBS", [j for j in beat.JOBS
                                       if j.target == "privacy.purge:scheduled_purge"])
    from django.utils import timezone

    today = timezone.localtime()
    before = today.replace(hour=2, minute=29)
    last = {"retention purge": before - dt.timedelta(days=1)}
    assert beat.run_due(last, before) == []
    assert beat.run_due(last, today.replace(hour=2, minute=31)) == ["retention purge"]
    assert Complaint.objects.get(pk=old.pk).content == REDACTED

"""The sweeper: a warning at each lead time, a breach at the due time escalated to the unit's
managers and consumer-protection officers up the tree — each exactly once, with two sweepers at
once and after a crash mid-run."""

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clocks import service as clocks
from clocks import sweeper
from clocks.models import Deadline
from notify.models import Notification

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def decision(c: Any) -> Deadline:
    return Deadline.objects.get(complaint=c, obligation="decision")


def due_in(c: Any, delta: dt.timedelta) -> None:
    Deadline.objects.filter(complaint=c, obligation="decision").update(due_at=NOW + delta)


def notices(kind: str) -> list[tuple[str, int | None]]:
    return sorted((n.complaint.number, n.user_id) for n in
                  Notification.objects.filter(kind=kind).select_related("complaint"))


def ids(cast: Any, *names: str) -> list[int]:
    return sorted(cast.users[n].pk for n in names)


@pytest.mark.django_db
def test_it_warns_three_days_and_one_day_before_and_escalates_at_breach(cast: Any,
                                                                        register: Any) -> None:
    c = register()
    due_in(c, dt.timedelta(days=2, hours=12))
    first = sweeper.sweep(NOW)
    assert (first.warned, first.breached, first.by_stage) == (1, 0, {1: 1})
    assert [u for _, u in notices("warning")] == ids(cast, "mia")  # the unit's manager
    assert sweeper.sweep(NOW + dt.timedelta(hours=1)).warned == 0  # once per lead
    second = sweeper.sweep(NOW + dt.timedelta(days=1, hours=13))  # now within one day
    assert (second.warned, second.by_stage) == (1, {2: 1})
    assert len(notices("warning")) == 2
    assert sweeper.sweep(NOW + dt.timedelta(days=2, hours=12)).breached == 0  # the due second
    breach = sweeper.sweep(NOW + dt.timedelta(days=2, hours=12, seconds=1))
    assert breach.breached == 1
    d = decision(c)
    assert (d.status, d.breached_at, d.warn_stage) == ("breached", d.due_at, 2)
    # Managers and consumer-protection officers on the unit and every unit above it.
    assert [u for _, u in notices("breach")] == ids(cast, "mia", "max", "cpo")
    again = sweeper.sweep(NOW + dt.timedelta(days=30))
    assert (again.breached, again.warned) == (0, 0)
    assert Notification.objects.filter(kind__in=["warning", "breach"]).count() == 5


@pytest.mark.django_db
def test_a_deadline_found_late_gets_only_the_nearest_warning_and_the_handler_hears(
        cast: Any, register: Any) -> None:
    from complaints.models import Complaint

    c = register()
    Complaint.objects.filter(pk=c.pk).update(handler=cast.users["alice"])
    due_in(c, dt.timedelta(hours=5))
    result = sweeper.sweep(NOW)
    assert (result.warned, result.by_stage) == (1, {2: 1})
    assert [u for _, u in notices("warning")] == ids(cast, "alice", "mia")
    assert "1天" in Notification.objects.get(kind="warning", user=cast.users["mia"]).body


@pytest.mark.django_db
def test_paused_met_and_window_deadlines_are_not_warned_or_breached(cast: Any,
                                                                    register: Any) -> None:
    paused, met, windowed = register(), register(), register()
    for c in (paused, met, windowed):
        due_in(c, -dt.timedelta(days=1))
    clocks.pause_decision(paused.pk, NOW - dt.timedelta(days=3), "appraisal")
    clocks.stop(met.pk, "decision", NOW - dt.timedelta(days=2))
    clocks.stop(windowed.pk, "decision", NOW - dt.timedelta(days=40))
    clocks.open_review_window(windowed.pk, NOW - dt.timedelta(days=40))
    result = sweeper.sweep(NOW)
    assert (result.breached, result.warned, result.expired) == (0, 0, 1)
    window = Deadline.objects.get(complaint=windowed, obligation="review_request_window")
    assert window.status == "expired"
    assert not Notification.objects.filter(kind__in=["warning", "breach"]).exists()


@pytest.mark.django_db
def test_an_extension_owes_new_warnings_for_the_new_due_time(cast: Any, register: Any) -> None:
    c = register()
    sweeper.sweep(c.received_at + dt.timedelta(days=13))  # 3-day warning for day 15
    assert decision(c).warn_stage == 1
    clocks.extend_decision(c.pk, 30, "复杂", "mia", senior=False)
    assert decision(c).warn_stage == 0
    later = sweeper.sweep(decision(c).due_at - dt.timedelta(days=2))
    assert later.warned == 1
    assert Notification.objects.filter(kind="warning").count() == 2  # one per due time


@pytest.mark.django_db
def test_a_crash_mid_run_rolls_back_its_claims_and_the_next_run_does_them_once(
        cast: Any, register: Any, monkeypatch: Any) -> None:
    complaints = [register() for _ in range(3)]
    for c in complaints:
        due_in(c, -dt.timedelta(hours=1))
    real = sweeper.enqueue_many

    def crash(rows: list[Notification]) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(sweeper, "enqueue_many", crash)
    with pytest.raises(RuntimeError):
        sweeper.sweep(NOW)
    assert not Deadline.objects.filter(status="breached").exists()
    monkeypatch.setattr(sweeper, "enqueue_many", real)
    assert sweeper.sweep(NOW).breached == 3
    assert sweeper.sweep(NOW).breached == 0
    assert len(notices("breach")) == 3 * 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_eight_sweepers_at_once_warn_and_breach_each_deadline_once(cast: Any,
                                                                register: Any) -> None:
    overdue = [register() for _ in range(12)]
    soon = [register() for _ in range(12)]
    for c in overdue:
        due_in(c, -dt.timedelta(hours=2))
    for c in soon:
        due_in(c, dt.timedelta(hours=20))
    barrier = threading.Barrier(8)
    results: list[sweeper.SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(sweeper.sweep(NOW))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(results) == 8
    assert sum(r.breached for r in results) == 12
    assert sum(r.warned for r in results) == 12
    assert len(notices("breach")) == 12 * 3  # mia, max, cpo for each
    assert len(notices("warning")) == 12  # mia for each
    assert sum(r.notices for r in results) == 12 * 4


@pytest.mark.django_db
def test_subscriptions_add_email_and_group_robots_like_other_staff_events(
        cast: Any, register: Any) -> None:
    from org.models import Subscription

    cast.users["max"].email = "max@bank.example"
    cast.users["max"].save()
    Subscription.objects.create(unit=cast.bj, event="breach", channel="email")
    Subscription.objects.create(unit=cast.ho, event="breach", channel="wecom",
                                webhook_url="https://robot.example/hook")
    c = register()
    due_in(c, -dt.timedelta(minutes=5))
    sweeper.sweep(NOW)
    channels = sorted(Notification.objects.filter(kind="breach").values_list("channel",
                                                                              flat=True))
    assert channels == ["email", "in_app", "in_app", "in_app", "wecom"]


@pytest.mark.django_db
def test_the_command_sweeps_once_and_reports(cast: Any, register: Any) -> None:
    c = register()
    Deadline.objects.filter(complaint=c).update(due_at=timezone.now() - dt.timedelta(hours=1))
    out = io.StringIO()
    call_command("sweep_deadlines", stdout=out)
    assert "1 breached" in out.getvalue()
    assert decision(c).status == "breached"


def test_bad_warning_leads_fail_fast(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.TOUSU_DEADLINE_WARNINGS = ["3d", "12h", "90m"]
    assert sweeper.warning_leads() == (dt.timedelta(days=3), dt.timedelta(hours=12),
                                       dt.timedelta(minutes=90))
    settings.TOUSU_DEADLINE_WARNINGS = ["soon"]
    with pytest.raises(ImproperlyConfigured):
        sweeper.warning_leads()


@pytest.mark.django_db
def test_a_manager_sees_due_soon_and_overdue_from_live_data_before_and_after_the_sweep(
        cast: Any, register: Any) -> None:
    import re

    soon, late = register(), register()
    now = timezone.now()
    Deadline.objects.filter(complaint=soon).update(due_at=now + dt.timedelta(days=1))
    Deadline.objects.filter(complaint=late).update(due_at=now - dt.timedelta(hours=1))
    client = cast.client("max")

    def counts() -> dict[str, str]:
        page = client.get("/home/").content.decode()
        return dict(re.findall(r'data-count="(\w+)">(\d+)<', page))

    assert (counts()["due_soon"], counts()["overdue"]) == ("1", "1")  # before any sweep
    sweeper.sweep()
    assert decision(late).status == "breached"
    assert (counts()["due_soon"], counts()["overdue"]) == ("1", "1")  # and after it
    detail = client.get(f"/complaints/{late.number}/").content.decode()
    assert 'class="overdue"' in detail and "CST" in detail  # due shown in Beijing time
    assert client.get("/?overdue=1").content.decode().count(late.number) >= 1

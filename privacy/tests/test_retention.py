"""The retention purge: what is past its period is anonymised or deleted, what the regulator
requires is kept, the audit chain still verifies, and a dry run changes nothing."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from complaints import crypto
from complaints.models import Complaint, Customer
from privacy.actions import REDACTED
from privacy.tests.helpers import act, close_long_ago

pytestmark = pytest.mark.django_db


def _purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def _old_complaint(cast: Any, register: Any, **overrides: Any) -> Complaint:
    c = register(**overrides)
    act(cast, "alice", c.number, "note", text="客户称其身份证号为11010519491231002X")
    return close_long_ago(cast, c)


def test_a_complaint_past_retention_is_anonymised_and_the_chain_still_verifies(
        cast: Any, register: Any) -> None:
    old = _old_complaint(cast, register)
    recent = register(customer={"name": "王五", "phone": "13900002222"})
    output = _purge()
    assert "complaints: 1 were anonymised" in output
    assert "customers: 1 were anonymised" in output
    old.refresh_from_db()
    assert old.content == REDACTED and old.claim == REDACTED
    assert old.state == "withdrawn" and old.codes == old.codes and old.amount is not None
    assert old.events.order_by("-seq").first().type == "anonymise"
    assert {n.body for n in old.notifications.all()} == {REDACTED}
    assert not any(n.address for n in old.notifications.all())
    customer = Customer.objects.get(pk=old.customer_id)
    assert (customer.name, customer.phone, customer.id_number_enc, customer.id_hash) == (
        REDACTED, "", "", "")
    assert Complaint.objects.get(pk=recent.pk).content != REDACTED
    # What staff wrote into the timeline goes too: the note's text is now its digest only.
    note = old.events.get(type="note")
    assert "11010519491231002X" not in str(note.payload)
    assert set(note.payload["text"]) == {"redacted_sha256"}
    assert "event_texts" in old.events.get(type="anonymise").payload["redacted"]
    audit = StringIO()
    call_command("verify_audit", stdout=audit)
    assert audit.getvalue().startswith("OK: 2 complaint chains verified")


def test_the_purge_runs_once_per_complaint(cast: Any, register: Any) -> None:
    old = _old_complaint(cast, register)
    _purge()
    seq = Complaint.objects.get(pk=old.pk).last_event_seq
    assert "complaints: 0 were anonymised" in _purge()
    assert Complaint.objects.get(pk=old.pk).last_event_seq == seq


def test_it_keeps_what_the_regulator_requires(cast: Any, register: Any) -> None:
    # Closed two years ago: inside the 3 years after closure the PBOC requires.
    young = close_long_ago(cast, register(), years=2)
    # Open for four years: never purged while open.
    open_one = register(customer={"name": "赵六", "phone": "13900003333"})
    Complaint.objects.filter(pk=open_one.pk).update(
        received_at=timezone.now() - dt.timedelta(days=4 * 365))
    # On legal hold.
    held = _old_complaint(cast, register, customer={"name": "钱七", "phone": "13900004444"})
    Complaint.objects.filter(pk=held.pk).update(tags=[*held.tags, "legal_hold"])
    # Its stored retention date is later than closure + 3 years.
    extended = _old_complaint(cast, register, customer={"name": "孙八", "phone": "13900005555"})
    Complaint.objects.filter(pk=extended.pk).update(
        retention_until=timezone.localdate() + dt.timedelta(days=30))
    assert "complaints: 0 were anonymised" in _purge()
    for c in (young, open_one, held, extended):
        assert Complaint.objects.get(pk=c.pk).content != REDACTED


def test_a_customer_with_a_complaint_still_kept_keeps_their_identity(
        cast: Any, register: Any) -> None:
    old = _old_complaint(cast, register)
    register()  # the same customer (same ID number) complains again
    _purge()
    customer = Customer.objects.get(pk=old.customer_id)
    assert customer.name == "张三"
    assert crypto.decrypt(customer.id_number_enc) == "11010519491231002X"


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(cast: Any, register: Any) -> None:
    from privacy.models import PurgeRun

    old = _old_complaint(cast, register)
    output = _purge("--dry-run")
    assert "complaints: 1 would be anonymised" in output
    assert "customers: 1 would be anonymised" in output
    assert Complaint.objects.get(pk=old.pk).content != REDACTED
    assert not PurgeRun.objects.exists()


def test_short_lived_records_are_deleted_after_their_period(cast: Any, register: Any) -> None:
    from django.contrib.sessions.models import Session

    from intake.models import QuarantinedMessage
    from notify.models import Notification
    from portal.models import TrackingCode
    from privacy.models import PurgeRun

    now = timezone.now()
    long_ago = now - dt.timedelta(days=400)
    c = register()
    staff = Notification.objects.create(
        kind="assigned", channel="email", address="alice@bank", subject="s", body="b",
        status="sent", next_attempt_at=now, dedupe_key="old-staff", user=cast.users["alice"])
    fresh = Notification.objects.create(
        kind="assigned", channel="email", address="alice@bank", subject="s", body="b",
        status="sent", next_attempt_at=now, dedupe_key="new-staff", user=cast.users["alice"])
    pending = Notification.objects.create(
        kind="assigned", channel="email", address="alice@bank", subject="s", body="b",
        status="pending", next_attempt_at=now, dedupe_key="old-pending",
        user=cast.users["alice"])
    customer_notice = c.notifications.get()  # the acknowledgement: proof kept with the complaint
    Notification.objects.filter(pk__in=[staff.pk, pending.pk, customer_notice.pk]).update(
        created_at=long_ago)
    code = TrackingCode.objects.create(number=c.number, code_hash="x", created_at=long_ago,
                                       expires_at=long_ago + dt.timedelta(minutes=10))
    live_code = TrackingCode.objects.create(number=c.number, code_hash="y", created_at=now,
                                            expires_at=now + dt.timedelta(minutes=10))
    handled = QuarantinedMessage.objects.create(channel="email", sha256="a" * 64, error="e",
                                                status="dismissed")
    held = QuarantinedMessage.objects.create(channel="email", sha256="b" * 64, error="e")
    QuarantinedMessage.objects.filter(pk__in=[handled.pk, held.pk]).update(
        updated_at=now - dt.timedelta(days=4 * 366))
    Session.objects.create(session_key="expired-session", session_data="x",
                           expire_date=now - dt.timedelta(days=1))
    output = _purge()
    assert "staff notifications: 1 were deleted" in output
    assert "quarantined mail: 1 were deleted" in output
    assert "portal one-time codes: 1 were deleted" in output
    assert "sessions: 1 were deleted" in output
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert staff.pk not in remaining and {fresh.pk, pending.pk, customer_notice.pk} <= remaining
    assert set(TrackingCode.objects.values_list("pk", flat=True)) == {live_code.pk}
    assert set(QuarantinedMessage.objects.values_list("pk", flat=True)) == {held.pk}
    assert code.pk not in TrackingCode.objects.values_list("pk", flat=True)
    assert PurgeRun.objects.get().counts["staff notifications"] == 1


def test_the_export_access_log_is_kept_for_its_period_only(cast: Any) -> None:
    from django.db.models import QuerySet

    from privacy.models import AccessLog

    cast.client("cpo").get("/api/v1/reports/statistics")
    cast.client("cpo").get("/api/v1/reports/statistics?format=xlsx")
    first = AccessLog.objects.order_by("pk").first()
    QuerySet.update(AccessLog.objects.filter(pk=first.pk),  # backdate past the default 5 years
                    at=timezone.now() - dt.timedelta(days=6 * 366))
    assert "export access log: 1 were deleted" in _purge()
    assert AccessLog.objects.get().detail["format"] == "xlsx"


def test_a_policy_below_the_regulators_minimum_is_refused(settings: Any) -> None:
    from privacy.retention import current_policy

    settings.TOUSU_RETENTION_COMPLAINT_YEARS = 2
    with pytest.raises(ImproperlyConfigured):
        current_policy()
    settings.TOUSU_RETENTION_COMPLAINT_YEARS = 5
    assert current_policy().complaint_years == 5


def test_a_longer_configured_period_keeps_complaints_longer(
        settings: Any, cast: Any, register: Any) -> None:
    _old_complaint(cast, register)
    settings.TOUSU_RETENTION_COMPLAINT_YEARS = 5
    assert "complaints: 0 were anonymised" in _purge()


def test_a_duplicate_is_kept_as_long_as_the_case_it_was_merged_into(
        cast: Any, register: Any) -> None:
    primary = register()
    duplicate = register(content="再次反映：年费300元仍未退还，附新的扣款截图。")
    act(cast, "mia", duplicate.number, "merge", into=primary.number, new_facts=True)
    merged_long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 366)
    Complaint.objects.filter(pk=duplicate.pk).update(
        closed_at=merged_long_ago, retention_until=(merged_long_ago + dt.timedelta(days=3 * 366))
        .date())
    assert Complaint.objects.get(pk=duplicate.pk).state == "merged"
    # The primary is still being handled: the duplicate's words and evidence are its case's.
    assert "complaints: 0 were anonymised" in _purge()
    # Closed a year ago: the case is kept three years from then, the duplicate with it.
    close_long_ago(cast, primary, years=1)
    assert "complaints: 0 were anonymised" in _purge()
    assert Complaint.objects.get(pk=duplicate.pk).content != REDACTED
    closed = dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 366)
    Complaint.objects.filter(pk=primary.pk).update(
        closed_at=closed, retention_until=(closed + dt.timedelta(days=3 * 366)).date())
    assert "complaints: 2 were anonymised" in _purge()


def test_mail_released_into_a_complaint_is_kept_until_the_complaint_is_anonymised(
        cast: Any, register: Any, settings: Any) -> None:
    from intake.models import QuarantinedMessage

    settings.TOUSU_RETENTION_QUARANTINE_DAYS = 30
    live, old = register(), _old_complaint(cast, register,
                                           customer={"name": "王五", "phone": "13900002222"})
    rows = [QuarantinedMessage.objects.create(channel="email", sha256=f"{n}" * 64, error="e",
                                              status="released", complaint=c)
            for n, c in ((1, live), (2, old))]
    QuarantinedMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
        updated_at=timezone.now() - dt.timedelta(days=400))
    # The old complaint is anonymised first in the same run: its mail may go then.
    assert "quarantined mail: 1 were deleted" in _purge()
    assert set(QuarantinedMessage.objects.values_list("complaint_id", flat=True)) == {live.pk}

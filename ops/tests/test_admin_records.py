"""Records the admin shows but must not give away or let anyone rewrite: staff's TOTP secrets
stay unreadable, and the sign-in log is read-only except the unlock of a locked account."""

from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import admin_client

pytestmark = pytest.mark.django_db


def _sign_in(password: str) -> int:
    return Client().post("/login/", {"username": "li.lei", "password": password}).status_code


def test_the_admin_never_shows_a_totp_secret(cast: Any) -> None:
    device = TOTPDevice.objects.create(user=cast.users["alice"], name="phone", confirmed=True)
    client = admin_client()
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert page.status_code == listing.status_code == 200
    assert device.key not in page.content.decode() + listing.content.decode()
    for view in ("config", "qrcode"):  # the QR code holds the secret too
        url = reverse(f"admin:otp_totp_totpdevice_{view}", args=[device.pk])
        assert client.get(url).status_code == 403


def test_the_sign_in_log_is_read_only_but_a_lock_can_be_lifted(settings: Any) -> None:
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    get_user_model().objects.create_user("li.lei", password="a-long-staff-password")
    assert [_sign_in("wrong") for _ in range(5)][-1] == 429
    assert _sign_in("a-long-staff-password") == 429  # locked
    client = admin_client()  # signs in too: a sign-in log row
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        opts = model._meta
        row = model.objects.first()
        assert row is not None, opts.model_name
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        change = reverse(f"{prefix}_change", args=[row.pk])
        assert client.get(reverse(f"{prefix}_add")).status_code == 403
        assert client.post(change, {"username": "someone-else"}).status_code == 403
        if model is not AccessAttempt:
            delete = reverse(f"{prefix}_delete", args=[row.pk])
            assert client.post(delete, {"post": "yes"}).status_code == 403
            assert model.objects.filter(pk=row.pk).exists()
    attempt = AccessAttempt.objects.get(username="li.lei")
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302  # the unlock
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(attempt.pk)).exists()
    assert _sign_in("a-long-staff-password") == 302


def test_a_sign_in_behind_the_proxy_is_recorded_with_the_clients_address(settings: Any) -> None:
    settings.TOUSU_TRUSTED_PROXIES = 1
    get_user_model().objects.create_user("li.lei", password="a-long-staff-password")
    Client(REMOTE_ADDR="127.0.0.1").post("/login/", {"username": "li.lei", "password": "wrong"},
                                         HTTP_X_FORWARDED_FOR="203.0.113.9")
    Client(REMOTE_ADDR="127.0.0.1").post("/login/", {"username": "li.lei", "password": "wrong"},
                                         HTTP_X_FORWARDED_FOR="not-an-address")
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        "127.0.0.1", "203.0.113.9"]

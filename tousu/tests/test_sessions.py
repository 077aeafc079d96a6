"""Staff sessions end after TOUSU_SESSION_IDLE_MINUTES without a request (default 30) and when
the browser closes; use renews them (at most once a minute)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_idle_timeout_is_30_minutes() -> None:
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert "ops.sessions.RenewSessionMiddleware" in django_settings.MIDDLEWARE
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_the_idle_timeout_comes_from_the_environment() -> None:
    env = {**os.environ, "TOUSU_SESSION_IDLE_MINUTES": "5",
           "DJANGO_SETTINGS_MODULE": "tousu.settings"}
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; "
                          "print(settings.SESSION_COOKIE_AGE)"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "300", out.stderr


@pytest.mark.django_db
def test_a_staff_session_is_a_browser_session_that_ends_when_idle(cast: Any) -> None:
    client = Client()
    signed_in = client.post("/login/", {"username": "alice", "password": "pw-for-tests-only"})
    assert signed_in.status_code == 302
    cookie = signed_in.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # gone when the browser closes
    session = Session.objects.get(session_key=cookie.value)
    idle = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < idle <= dt.timedelta(minutes=30)

    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/home/").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert renewed > dt.timedelta(minutes=29)  # every request renews it

    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/home/").status_code == 302  # idle too long: sign in again


@pytest.mark.django_db
def test_the_session_is_renewed_at_most_once_a_minute(cast: Any) -> None:
    client = cast.client("alice")
    client.get("/home/")  # renewed: first use
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    soon = timezone.now() + dt.timedelta(minutes=10)
    Session.objects.filter(pk=key).update(expire_date=soon)
    client.get("/home/")  # within the minute: not written again
    assert Session.objects.get(pk=key).expire_date == soon


def test_a_signed_in_page_is_never_cached(cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("alice")
    for path in ("/home/", f"/complaints/{c.number}/", "/"):
        assert client.get(path)["Cache-Control"] == "no-store, private", path

"""/metrics: Prometheus text with Tousu's gauges computed at scrape time by indexed counts,
answered only to loopback (not through a proxy) or to the bearer of TOUSU_METRICS_TOKEN."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone


def gauge(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing"
    return float(match.group(1))


@pytest.mark.django_db
def test_the_gauges_count_deadlines_due_soon_breached_and_the_outbox(
        client: Client, register: Any, django_assert_max_num_queries: Any) -> None:
    from clocks.models import Deadline
    from notify.models import Notification

    now = timezone.now()
    soon, late = register(), register()
    Deadline.objects.update(due_at=now + dt.timedelta(days=30))
    Deadline.objects.filter(complaint=soon, obligation="decision").update(
        due_at=now + dt.timedelta(hours=2))
    Deadline.objects.filter(complaint=late, obligation="decision").update(
        due_at=now - dt.timedelta(hours=1))
    pending = Notification.objects.filter(status="pending").count()
    assert pending > 0
    with django_assert_max_num_queries(6):
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert gauge(text, "tousu_deadlines_due_24h") == 1
    assert gauge(text, "tousu_deadlines_breached") == 1
    assert gauge(text, "tousu_deadlines_overdue_unswept") == 1
    assert gauge(text, "tousu_outbox_pending") == pending
    assert gauge(text, "tousu_outbox_oldest_due_seconds") >= 0
    assert "process_cpu_seconds_total" in text or "python_info" in text

    from clocks import sweeper

    sweeper.sweep()
    swept = client.get("/metrics").content.decode()
    assert gauge(swept, "tousu_deadlines_breached") == 1
    assert gauge(swept, "tousu_deadlines_overdue_unswept") == 0


@pytest.mark.django_db
@pytest.mark.django_db
def test_only_loopback_or_the_token_bearer_may_scrape(settings: Any) -> None:
    settings.TOUSU_METRICS_TOKEN = "s3cret-scrape-token"
    remote = Client(REMOTE_ADDR="10.0.0.7")
    assert remote.get("/metrics").status_code == 404
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert remote.get("/metrics",
                      HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    # A request a local proxy forwarded comes from loopback but is not local.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    settings.TOUSU_METRICS_ALLOW_LOOPBACK = False
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404

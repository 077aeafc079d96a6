"""The outbox posts to a group-chat robot only on the internet by https: a stored address inside
the bank's network, or a name that resolves to one, is refused when the notice is sent (a
subscription saved before the admin checked it, or a DNS name pointing at the metadata service)."""

import socket
from typing import Any

import pytest

from notify import webhooks
from notify.models import Notification
from notify.outbox import deliver_due
from notify.staff import tell_staff
from notify.tests.test_staff import Robot, robot  # noqa: F401 (a fixture)
from org.models import Subscription

pytestmark = pytest.mark.django_db


def test_a_stored_internal_robot_address_is_not_posted_to(cast: Any, robot: str,  # noqa: F811
                                                          settings: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = False
    Subscription.objects.create(unit=cast.bj, event="major", channel="slack",
                                webhook_url=f"{robot}/slack")
    tell_staff(unit=cast.bj01, event="major", text="重大投诉 test", key="k1", user_ids=[])
    deliver_due()
    assert Robot.received == []
    row = Notification.objects.get(channel="slack")
    assert row.status != "sent" and "https:// URL" in row.last_error


def test_a_name_that_resolves_inside_is_refused_before_sending(settings: Any,
                                                               monkeypatch: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = False
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 0))])
    url = "https://169.254.169.254.nip.io/latest/meta-data/"
    assert webhooks.url_problem(url) is None
    with pytest.raises(webhooks.WebhookError, match="resolves to an internal address"):
        webhooks.post("slack", url, "text")

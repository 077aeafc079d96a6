"""A group-chat robot has no idempotency key: a worker that dies right after posting to one,
or a batch that outlives its claim, never makes the robot post the same notice twice; the
notice whose post was cut off is flagged for a person to check. E-mail and SMS, which carry
their keys, are sent again as before."""

import datetime as dt
from collections import Counter
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core import mail

from notify import outbox, webhooks
from notify.models import Notification
from notify.outbox import UNCERTAIN, deliver_due, retry_failed
from notify.tests.test_staff import Robot, robot  # noqa: F401 (a fixture)
from org.models import Subscription

pytestmark = pytest.mark.django_db


class Crash(BaseException):
    """The worker dying: nothing in the delivery loop catches it."""


def _robots(cast: Any, url: str) -> None:
    for channel in ["wecom", "slack"]:
        Subscription.objects.create(unit=cast.bj, event="major", channel=channel,
                                    webhook_url=f"{url}/{channel}")


def _posted() -> Counter[str]:
    return Counter(urlparse(path).path for path, _ in Robot.received)


def test_a_worker_dying_after_a_robot_post_never_posts_it_again(
        cast: Any, register: Any, robot: str, monkeypatch: Any) -> None:  # noqa: F811
    _robots(cast, robot)
    register(content="已经找了律师准备起诉",
             customer={"name": "Jane Doe", "email": "jane@example.com", "language": "en"})
    register()
    post = webhooks.post

    def post_then_die(*args: Any) -> str:
        post(*args)
        raise Crash

    monkeypatch.setattr(webhooks, "post", post_then_die)
    with pytest.raises(Crash):
        deliver_due()
    monkeypatch.setattr(webhooks, "post", post)
    assert sum(_posted().values()) == 1
    monkeypatch.setattr(outbox, "STALE_CLAIM", dt.timedelta(0))  # the claim has gone stale
    deliver_due()
    deliver_due()
    assert _posted() == Counter({"/wecom": 1, "/slack": 1})
    rows = Notification.objects.exclude(channel="in_app")
    cut_off = rows.get(status="failed")
    assert cut_off.channel in {"wecom", "slack"} and cut_off.last_error == UNCERTAIN
    assert set(rows.exclude(pk=cut_off.pk).values_list("status", flat=True)) == {"sent"}
    email = rows.get(channel="email")  # sent again if it went before the crash: same key
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {f"<{email.dedupe_key}@tousu>"}
    assert rows.get(channel="sms").proof.startswith("console:")
    # Operations found it missing in the group and retry it: posted once more.
    assert retry_failed([cut_off.pk]) == 1
    assert deliver_due() == 1
    assert _posted()[f"/{cut_off.channel}"] == 2


def test_a_robot_notice_taken_over_by_another_worker_is_left_to_it(
        cast: Any, register: Any, robot: str, monkeypatch: Any) -> None:  # noqa: F811
    _robots(cast, robot)
    register(content="已经找了律师准备起诉")
    claim = outbox._claim

    def outlived(now: dt.datetime, limit: int) -> list[Notification]:
        batch = claim(now, limit)
        Notification.objects.update(claimed_by="another-worker")  # re-claimed once stale
        return batch

    monkeypatch.setattr(outbox, "_claim", outlived)
    deliver_due()
    assert Robot.received == []
    assert set(Notification.objects.filter(channel__in=["wecom", "slack"])
               .values_list("status", flat=True)) == {"sending"}

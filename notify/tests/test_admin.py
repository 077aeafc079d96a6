"""The outbox in the admin: why each failed notice failed, masked, on the list, and the robot
posts that need a person's check (UNCERTAIN) one filter away."""

import pytest
from django.utils import timezone

from conftest import admin_client
from notify.models import Notification
from notify.outbox import UNCERTAIN

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
LIST = "/admin/notify/notification/"


def _row(key: str, status: str, error: str = "") -> Notification:
    return Notification.objects.create(
        kind="major", channel="sms", address=PHONE, subject="s", body="b", dedupe_key=key,
        status=status, last_error=error, next_attempt_at=timezone.now())


def test_the_list_shows_each_rows_last_error_masked_and_cut_short() -> None:
    refused = _row("refused", "failed", f"gateway refused {PHONE}: " + "x" * 300)
    page = admin_client().get(LIST).content.decode()
    assert f"{LIST}{refused.pk}/change/" in page
    assert "gateway refused 138****5678: xxx" in page and PHONE not in page
    assert "x" * 100 not in page


def test_a_rows_page_shows_its_last_error_masked() -> None:
    refused = _row("refused", "failed", f"gateway refused {PHONE}")
    page = admin_client().get(f"{LIST}{refused.pk}/change/").content.decode()
    assert "gateway refused 138****5678" in page and PHONE not in page


def test_the_robot_posts_that_need_a_check_have_their_own_filter() -> None:
    uncertain = _row("uncertain", "failed", UNCERTAIN)
    refused = _row("refused", "failed", "HTTP 500")
    pending = _row("pending", "pending")
    client = admin_client()
    assert "Needs a check in the group" in client.get(LIST).content.decode()
    page = client.get(LIST, {"check": "uncertain"}).content.decode()
    assert f"{LIST}{uncertain.pk}/change/" in page
    assert f"{LIST}{refused.pk}/change/" not in page
    assert f"{LIST}{pending.pk}/change/" not in page

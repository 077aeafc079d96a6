"""The signed-in user's in-app notices: listed newest first, a page at a time and in a bounded
number of queries; marked read one by one or all at once, and never another user's."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notify.models import Notification
from notify.staff import tell_staff

pytestmark = pytest.mark.django_db


def _notices(cast: Any, c: Any, count: int, who: str = "alice") -> None:
    for i in range(count):
        tell_staff(unit=cast.bj01, event="work_order", key=f"{c.number}:{i}",
                   user_ids=[cast.users[who].pk], complaint_id=c.pk,
                   text=f"新工单 New work order {c.number} #{i} 13812345678")


def test_a_user_reads_their_own_notices_in_bounded_queries(cast: Any, register: Any) -> None:
    c = register()
    _notices(cast, c, 5)
    _notices(cast, c, 1, who="bob")
    client = cast.client("alice")
    client.get("/notices/")  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as few:
        page = client.get("/notices/")
    _notices(cast, c, 25)
    with CaptureQueriesContext(connection) as many:
        client.get("/notices/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("data-notice=") == 5 and c.number in html
    assert "13812345678" not in html and "138****5678" in html
    assert len(many) == len(few)


def test_the_notices_are_paginated(cast: Any, register: Any) -> None:
    c = register()
    _notices(cast, c, 35)
    client = cast.client("alice")
    first = client.get("/notices/").content.decode()
    second = client.get("/notices/?page=2").content.decode()
    assert first.count("data-notice=") == 30 and second.count("data-notice=") == 5
    assert "#34 " in first and "#0 " in second  # newest first


def test_a_notice_is_marked_read_and_never_another_users(cast: Any, register: Any) -> None:
    c = register()
    _notices(cast, c, 3)
    _notices(cast, c, 1, who="bob")
    alice = Notification.objects.filter(user=cast.users["alice"]).order_by("pk")
    bobs = Notification.objects.get(user=cast.users["bob"], channel="in_app")
    client = cast.client("alice")
    client.post("/notices/read/", {"notice": bobs.pk})
    bobs.refresh_from_db()
    assert bobs.read_at is None
    answer = client.post("/notices/read/", {"notice": alice[0].pk})
    assert answer.status_code == 302
    assert [n.read_at is not None for n in alice.all()] == [True, False, False]
    client.post("/notices/read/")
    assert not alice.filter(read_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_the_notices_page_speaks_the_users_language(cast: Any, register: Any) -> None:
    _notices(cast, register(), 1)
    client = cast.client("alice")
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/notices/", headers={"accept-language": "zh-hans"}).content
    assert "未读通知" in html.decode() and "标为已读" in html.decode()

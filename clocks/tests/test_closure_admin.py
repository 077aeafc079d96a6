"""Adding a bank closure or open day in the admin says that it moves no deadline already running
(they are stored, not recomputed), so the administrator does not take it for an extension or a
shortening; an open day outside the us calendar is refused with the reason."""

from typing import Any

import pytest
from django.urls import reverse

from clocks.models import ClosureDay
from conftest import admin_client

pytestmark = pytest.mark.django_db


def test_a_new_closure_day_warns_that_running_deadlines_do_not_move(cast: Any) -> None:
    page = admin_client().post(reverse("admin:clocks_closureday_add"),
                               {"calendar": "cn", "day": "2026-10-09", "kind": "closed",
                                "reason": "系统切换"},
                               follow=True)
    assert page.status_code == 200
    assert ClosureDay.objects.filter(calendar="cn").count() == 1
    assert "the deadlines already running do not move" in page.content.decode()


def test_a_new_open_day_warns_that_running_deadlines_do_not_move(cast: Any) -> None:
    client = admin_client()
    page = client.post(reverse("admin:clocks_closureday_add"),
                       {"calendar": "us", "day": "2026-10-12", "kind": "open",
                        "reason": "branches open on Columbus Day"}, follow=True)
    assert page.status_code == 200
    assert ClosureDay.objects.get(calendar="us").kind == "open"
    assert "an open day counts only for deadlines computed from now on" in page.content.decode()
    listed = client.get(reverse("admin:clocks_closureday_changelist"), {"kind__exact": "open"})
    assert "branches open on Columbus Day" in listed.content.decode()
    assert not client.get(reverse("admin:clocks_closureday_changelist"),
                          {"kind__exact": "closed"}).context["cl"].result_count


def test_an_open_day_in_the_cn_calendar_is_refused_with_the_reason(cast: Any) -> None:
    page = admin_client().post(reverse("admin:clocks_closureday_add"),
                               {"calendar": "cn", "day": "2026-10-01", "kind": "open",
                                "reason": "营业"})
    assert page.status_code == 200  # the form again, with the error
    assert "the cn calendar&#x27;s working and rest days are statutory" in page.content.decode()
    assert not ClosureDay.objects.exists()

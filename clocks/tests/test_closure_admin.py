"""Adding a bank closure day in the admin says that it moves no deadline already running (they
are stored, not recomputed), so the administrator does not take it for an extension."""

from typing import Any

import pytest
from django.urls import reverse

from clocks.models import ClosureDay
from conftest import admin_client

pytestmark = pytest.mark.django_db


def test_a_new_closure_day_warns_that_running_deadlines_do_not_move(cast: Any) -> None:
    page = admin_client().post(reverse("admin:clocks_closureday_add"),
                               {"calendar": "cn", "day": "2026-10-09", "reason": "系统切换"},
                               follow=True)
    assert page.status_code == 200
    assert ClosureDay.objects.filter(calendar="cn").count() == 1
    assert "the deadlines already running do not move" in page.content.decode()

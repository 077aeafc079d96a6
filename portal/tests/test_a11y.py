"""Accessibility of the customer portal as rendered (see workspace/tests/a11y.py)."""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from workspace.tests.a11y import problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


@pytest.mark.parametrize("path", ["/portal/", "/portal/file/"])
def test_the_portal_pages_pass(cast: Any, path: str) -> None:
    assert problems(Client().get(path).content.decode()) == []


def test_filing_errors_are_tied_to_their_field_and_announced(cast: Any) -> None:
    client = Client()
    token = re.search(r'name="token" value="([^"]+)"',
                      client.get("/portal/file/").content.decode()).group(1)
    page = client.post("/portal/file/", {"token": token, "name": "", "content": ""}
                       ).content.decode()
    assert 'aria-invalid="true"' in page and 'role="alert"' in page
    assert problems(page) == []


def test_touch_targets_are_at_least_44px(cast: Any) -> None:
    page = Client().get("/portal/").content.decode()
    assert "input, select, button { min-height: 44px; }" in page
    assert "input[type=checkbox], input[type=radio] { width: 44px; height: 44px;" in page
    assert re.search(r'<a class="button" href="/portal/file/">', page)


def test_the_status_page_and_its_forms_pass(cast: Any) -> None:
    from portal.tests.test_portal import _code, _file

    number = _file(Client())
    client = Client()
    client.post("/portal/track/", {"number": number})
    assert client.post("/portal/verify/", {"number": number, "code": _code(number)}
                       ).status_code == 302
    page = client.get(f"/portal/c/{number}/").content.decode()
    assert "portal-withdraw" in page
    assert problems(page) == []
    page = client.post(f"/portal/c/{number}/withdraw/", {"version": "1"}).content.decode()
    assert problems(page) == []

"""The minimal staff pages: a scoped list and a complaint with its timeline."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_sign_in_is_required(cast: Any) -> None:
    response = Client().get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_sign_in_with_a_password(cast: Any) -> None:
    client = Client()
    response = client.post("/login/", {"username": "mia", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_list_shows_only_the_users_scope_with_masked_customers(cast: Any,
                                                                   register: Any) -> None:
    c = register()
    page = cast.client("mia").get("/").content.decode()
    assert c.number in page and "张*" in page and "13812345678" not in page
    assert c.number not in cast.client("bob").get("/").content.decode()


def test_the_complaint_page_shows_the_timeline(cast: Any, register: Any) -> None:
    c = register()
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    assert "register" in page and "138****5678" in page and "13812345678" not in page
    assert "110***********002X" in page
    assert cast.client("bob").get(f"/complaints/{c.number}/").status_code == 404


def test_the_list_page_makes_a_bounded_number_of_queries(
    cast: Any, register: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(10):
        register()
    client = cast.client("mia")
    client.get("/")  # the session's first use renews its idle timeout (ops.sessions)
    with django_assert_max_num_queries(9):  # 8, and one for the rows' next deadlines
        client.get("/")


def test_the_major_board_shows_open_major_complaints_in_scope(cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    major = register(content="我要向12378投诉")
    normal = register()
    done = register(content="我要找媒体曝光")
    run_action(cast.principal("agent"), done.number, "withdraw", ACTION_SCHEMAS[
        "withdraw"].model_validate({"version": 1, "reason": "和解", "via": "phone"}))
    page = cast.client("max").get("/major/").content.decode()
    assert major.number in page
    assert normal.number not in page and done.number not in page
    assert major.number not in cast.client("bob").get("/major/").content.decode()


def test_page_links_keep_the_lists_filters() -> None:
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/", {"state": "accepted", "q": "年费", "page": "2"})
    html = render_to_string("workspace/_pager.html",
                            {"page": Paginator(range(120), 50).page(2)}, request=request)
    assert 'href="?state=accepted&amp;q=%E5%B9%B4%E8%B4%B9&amp;page=1"' in html
    assert 'href="?state=accepted&amp;q=%E5%B9%B4%E8%B4%B9&amp;page=3"' in html

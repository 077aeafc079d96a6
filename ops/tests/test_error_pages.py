"""The pages a person gets when a page does not exist or an account is locked: in the visitor's
language, never Django's or django-axes' bare English."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "lang", "words"), [
    ("zh-CN", "zh-Hans", "页面不存在"), ("en", "en", "Page not found")])
def test_an_unknown_page_is_a_404_in_the_visitors_language(language: str, lang: str,
                                                           words: str) -> None:
    response = Client(headers={"Accept-Language": language}).get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and words in page and f'lang="{lang}"' in page


def test_a_locked_account_is_told_for_how_long(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 2, 0.25  # hours
    get_user_model().objects.create_user("li.lei", password="right-password")
    client = Client()
    for _ in range(2):
        response = client.post("/login/", {"username": "li.lei", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 429
    assert "连续 2 次登录失败" in page and "15 分钟后" in page and "try again in 15 minutes" in page


@pytest.mark.parametrize(("language", "lang", "message"), [
    ("zh-CN", "zh-Hans", "只有内控合规人员和消保专员可以查看审计页面"),
    ("en", "en", "Only auditors and consumer-protection officers see the audit page")])
def test_a_refusal_is_a_403_in_both_languages_with_its_reason(
        cast: Any, language: str, lang: str, message: str) -> None:
    response = cast.client("alice").get("/audit/", headers={"Accept-Language": language})
    page = response.content.decode()
    assert response.status_code == 403 and f'lang="{lang}"' in page
    assert "无权访问" in page and "Not permitted" in page and message in page


def test_a_server_error_page_is_in_both_languages(rf: Any) -> None:
    from django.views.defaults import server_error

    page = server_error(rf.get("/")).content.decode()
    assert "系统错误" in page and "Server error" in page


def test_a_form_without_its_csrf_token_is_refused_in_both_languages() -> None:
    from django.test import Client as CsrfClient

    response = CsrfClient(enforce_csrf_checks=True).post("/login/", {"username": "x"})
    page = response.content.decode()
    assert response.status_code == 403 and "表单已失效" in page and "form has expired" in page


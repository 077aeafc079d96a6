"""API v1 validation errors: every kind of bad input names its field, in the client's language
(Chinese with nothing English but quoted values and codes; English without pydantic's prefix)."""

import re
from typing import Any

import pytest
from django.test import Client

from complaints.tests.test_api import errors_of, key_client, post
from conftest import complaint_body
from org.keys import issue_key

pytestmark = pytest.mark.django_db
__all__ = ["key_client"]  # the fixture, used by name


def test_errors_speak_the_clients_language(key_client: Client) -> None:
    body = complaint_body(content="", amount="1.234")
    zh = post(key_client, "/api/v1/complaints", body, **{"Idempotency-Key": "z",
                                                        "Accept-Language": "zh-CN"})
    assert errors_of(zh)["content"] == "至少 1 个字符"
    assert errors_of(zh)["amount"] == "最多 2 位小数"
    assert zh.json()["detail"].startswith("请求中有无效字段 / ")
    en = post(key_client, "/api/v1/complaints", body, **{"Idempotency-Key": "z",
                                                        "Accept-Language": "en"})
    assert errors_of(en)["content"] == "String should have at least 1 character"
    assert en.json()["detail"] == "The request has invalid fields"


BAD_INPUT = [  # (what is wrong, the body's change, the field the error names)
    ("missing", {"channel": None}, "channel"),
    ("wrong type", {"amount": [1]}, "amount"),
    ("bad choice", {"channel": "pigeon"}, "channel"),
    ("bad date", {"received_at": "2026-13-45"}, "received_at"),
    ("no time zone", {"received_at": "2026-03-01T10:00:00"}, "received_at"),
    ("too long", {"product": "x" * 201}, "product"),
    ("unknown field", {"colour": "red"}, "colour"),
    ("validator", {"customer": {"name": "张三", "phone": "abc"}}, "customer.phone"),
]
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.parametrize(("case", "change", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_every_kind_of_bad_input_names_the_field_in_the_clients_language(
        cast: Any, case: str, change: dict[str, Any], field: str) -> None:
    _, token = issue_key("cti", ["complaints:create"], cast.bj)
    body = {k: v for k, v in {**complaint_body(), **change}.items() if v is not None}
    for language in ("zh-hans", "en"):
        answer = post(Client(headers={"Authorization": f"Bearer {token}"}), "/api/v1/complaints",
                      body, **{"Idempotency-Key": f"bad-{language}", "Accept-Language": language})
        message = errors_of(answer)[field]
        assert answer.status_code == 422 and message, answer.json()
        if language == "zh-hans":  # Chinese, with nothing English but quoted values and codes
            words = re.sub(r"'[^']*'|/ .*$|ISO 8601|T\d\d:\d\d", "", message)
            assert CJK.search(message) and not re.search(r"[A-Za-z]{2,}", words), message
        else:  # English, or written "中文 / English" where it is raised
            assert not CJK.search(message) or " / " in message, message
            assert not message.startswith("Value error"), message


def test_a_bad_choice_lists_the_choices_the_chinese_way() -> None:
    from django.utils import translation

    from tousu.messages import validation_message

    error = {"type": "enum", "msg": "Input should be 'a', 'b' or 'c'",
             "ctx": {"expected": "'a', 'b' or 'c'"}}
    with translation.override("zh-hans"):
        assert validation_message(error) == "取值无效，可选：'a'、'b'、'c'"
        pattern = {"type": "string_pattern_mismatch", "ctx": {"pattern": "^x$"},
                   "msg": "String should match pattern '^x$'"}
        assert validation_message(pattern) == "格式不正确"


def test_contacts_typed_in_full_width_are_read_as_the_same_customers(key_client: Client) -> None:
    from complaints.crypto import lookup_hash
    from complaints.models import Complaint

    body = complaint_body(customer={"name": "张三", "phone": "＋８６ １３８ １２３４ ５６７８",
                                    "email": "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
                                    "id_number": "１１０１０５１９４９１２３１００２ｘ"})
    answer = post(key_client, "/api/v1/complaints", body, **{"Idempotency-Key": "fw"})
    assert answer.status_code == 201, answer.json()
    again = post(key_client, "/api/v1/complaints",
                 complaint_body(customer={"name": "张三", "phone": "13812345678"}),
                 **{"Idempotency-Key": "hw"})
    assert again.status_code == 201, again.json()
    first, second = (Complaint.objects.get(number=a.json()["number"]) for a in (answer, again))
    assert first.customer_id == second.customer_id
    assert first.customer.email == "zhang@example.com"
    assert first.customer.id_hash == lookup_hash("11010519491231002X")

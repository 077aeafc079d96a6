"""Error messages that reach staff and customers name the field in Chinese and English, in one
string ("中文 / English"), whatever language the page or the client asked for."""

import base64
import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint, ReviewRequest
from conftest import complaint_body

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
NOTICE = {"decision": "upheld", "verification": "核对账单与通话录音。",
          "basis": "信用卡章程第十条。", "reasons": "年费收取未经同意。"}


def assert_bilingual(message: str, english: str) -> None:
    assert CJK.search(message) and " / " in message, message
    assert english in message.split(" / ", 1)[1], message


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers=headers)


def act(client: Client, c: Complaint, action: str, **fields: Any) -> Any:
    c.refresh_from_db()
    return post(client, f"/api/v1/complaints/{c.number}/actions/{action}",
                {"version": c.version, **fields})


@pytest.mark.parametrize(("overrides", "field", "english"), [
    ({"customer": {"name": "张三", "phone": "call me"}}, "customer.phone", "not a phone number"),
    ({"customer": {"name": "张三", "email": "nobody"}}, "customer.email",
     "not an email address"),
    ({"customer": {"name": "张三", "id_number": "110105194912310021"}}, "customer.id_number",
     "check digit is wrong"),
    ({"unit": "XX99"}, "unit", "no active org unit 'XX99'"),
    ({"unit": "SH01"}, "unit", "outside your scope"),
    ({"received_at": "2099-01-01T10:00:00+08:00"}, "received_at", "is in the future"),
    ({"customer": {"name": "张三"}}, "customer.phone", "give at least one contact"),
    ({"channel": "email", "customer": {"name": "张三"}}, "customer.phone",
     "give at least one contact"),
])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_registration_errors_are_bilingual(cast: Any, overrides: dict[str, Any], field: str,
                                           english: str, language: str) -> None:
    response = post(cast.client("agent"), "/api/v1/complaints", complaint_body(**overrides),
                    **{"Idempotency-Key": "k", "Accept-Language": language})
    assert response.status_code in (403, 422), response.content
    assert_bilingual(errors_of(response)[field], english)


def test_action_errors_are_bilingual(cast: Any, register: Any, settings: Any) -> None:
    agent, mia = cast.client("agent"), cast.client("mia")
    c = register()
    other = register(customer={"name": "李四", "phone": "13900001111"})
    assert act(agent, c, "accept").status_code == 200
    cases = [
        (act(mia, c, "resume"), "state", "The decision clock is not paused"),
        (act(mia, c, "assign", unit="BJ01", handler="nobody"), "handler",
         "no active staff member 'nobody'"),
        (act(mia, c, "extend", total_days=90, reason="案情复杂", approver="max"), "total_days",
         "May not exceed 60 days"),
        (act(mia, c, "merge", into="TS-20000101-000001"), "into",
         "no other complaint 'TS-20000101-000001' within your scope"),
        (act(mia, c, "merge", into=other.number), "into",
         "the primary complaint belongs to another customer"),
        (act(agent, c, "add_evidence", name="a.exe",
             content_base64=base64.b64encode(b"MZ\x90\x00 not a document").decode()),
         "content_base64", "file type not accepted"),
        (post(agent, f"/api/v1/complaints/{c.number}/actions/note", {"version": 1, "text": "x"}),
         "version", "stale: you sent 1, current is"),
        (act(agent, c, "start_follow_up"), "action", "not allowed from state accepted"),
    ]
    for response, field, english in cases:
        assert response.status_code in (409, 422), (english, response.content)
        assert_bilingual(errors_of(response)[field], english)
    settings.TOUSU_MAX_ATTACHMENT_BYTES = 10 * 1048576
    big = base64.b64encode(b"%PDF-1.4" + b"x" * (10 * 1048576)).decode()
    too_big = act(agent, c, "add_evidence", name="big.pdf", content_base64=big)
    assert_bilingual(errors_of(too_big)["content_base64"], "the file exceeds 10 MB")


def test_a_review_decided_by_the_own_unit_is_refused_in_both_languages(
        cast: Any, register: Any) -> None:
    c = register()
    Complaint.objects.filter(pk=c.pk).update(state="reviewing")
    ReviewRequest.objects.create(complaint=c, requested_at=dt.datetime.now(dt.UTC), reason="不服")
    refused = act(cast.client("mia"), c, "decide_review", outcome="upheld", reasons="维持")
    assert refused.status_code == 403
    assert_bilingual(errors_of(refused)["action"], "higher unit only")


def test_a_received_time_long_past_is_refused_as_a_likely_typo(cast: Any, settings: Any) -> None:
    settings.TOUSU_MAX_RECEIVED_AGE_DAYS = 180
    agent = cast.client("agent")
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=181)).isoformat()
    response = post(agent, "/api/v1/complaints", complaint_body(received_at=old),
                    **{"Idempotency-Key": "old"})
    assert response.status_code == 422
    assert_bilingual(errors_of(response)["received_at"], "more than 180 days ago")
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(days=179)).isoformat()
    assert post(agent, "/api/v1/complaints", complaint_body(received_at=recent),
                **{"Idempotency-Key": "recent"}).status_code == 201


def test_a_counter_complaint_may_come_without_phone_or_email(cast: Any) -> None:
    response = post(cast.client("agent"), "/api/v1/complaints",
                    complaint_body(channel="counter", customer={"name": "张三"}),
                    **{"Idempotency-Key": "counter"})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(("action", "fields", "field", "english"), [
    ("contact", {"kind": "call", "summary": "x", "at": "2030-01-01T10:00:00+08:00"}, "at",
     "may not be later"),
    ("contact", {"kind": "call", "summary": "x", "at": "1990-01-01T10:00:00+08:00"}, "at",
     "before the complaint was received"),
    ("schedule_visit", {"proposed_at": "2001-01-01T10:00:00+08:00", "place": "网点",
                        "customer_consent": False},
     "proposed_at", "before the complaint was received"),
])
def test_contact_and_visit_times_outside_the_complaints_life_are_refused(
        cast: Any, register: Any, action: str, fields: dict[str, Any], field: str,
        english: str) -> None:
    c = register()
    mia = cast.client("mia")
    assert act(mia, c, "accept").status_code == 200
    response = act(mia, c, action, **fields)
    assert response.status_code == 422, response.content
    assert_bilingual(errors_of(response)[field], english)
    assert not c.contacts.exists() and not c.visits.exists()


def test_a_visit_recorded_in_the_future_is_refused(cast: Any, register: Any) -> None:
    c = register()
    mia = cast.client("mia")
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    for action, fields in (("accept", {}),
                           ("schedule_visit", {"proposed_at": soon, "place": "网点",
                                               "customer_consent": True})):
        assert act(mia, c, action, **fields).status_code == 200
    response = act(mia, c, "record_visit", outcome="核实完毕",
                   visited_at="2099-01-01T10:00:00+08:00")
    assert response.status_code == 422
    assert_bilingual(errors_of(response)["visited_at"], "may not be later")

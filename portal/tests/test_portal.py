"""The customer portal: filing, tracking by code, and the customer's own actions."""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def _code(number: str) -> str:
    from notify.models import Notification

    body = Notification.objects.filter(kind="portal_code").order_by("-pk").first().body
    assert number in body
    return re.search(r"(\d{6})", body.replace(number, "")).group(1)


def _file(client: Client, **extra: Any) -> str:
    response = client.post("/portal/file/", {
        "name": "李四", "phone": "13900001111", "account_branch": "BJ01", "product": "借记卡",
        "content": "借记卡被盗刷5000元", "claim": "赔偿损失", **extra})
    assert response.status_code == 302, response.content.decode()
    return response["Location"].rstrip("/").split("/")[-1]


def test_a_customer_files_with_evidence_and_sees_the_number(cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.models import Complaint

    client = Client()
    number = _file(client, evidence=SimpleUploadedFile("a.txt", b"statement"))
    c = Complaint.objects.get(number=number)
    assert c.unit.code == "BJ01" and c.channel == "web" and c.attachments.count() == 1
    assert number in client.get(f"/portal/filed/{number}/").content.decode()
    assert Client().get(f"/portal/c/{number}/").status_code == 404


def test_tracking_answers_the_same_whether_or_not_the_number_exists(cast: Any) -> None:
    number = _file(Client())
    client = Client()
    known = client.post("/portal/track/", {"number": number}).content.decode()
    unknown = client.post("/portal/track/", {"number": "TS-20000101-999999"}).content.decode()
    strip = re.compile(r'(value|nonce)="[^"]*"')  # the CSP nonce is fresh per response
    assert strip.sub("", known) == strip.sub("", unknown)
    assert client.post("/portal/verify/", {"number": number, "code": "000000"}).status_code in (
        400, 302)
    client.post("/portal/track/", {"number": number})
    response = client.post("/portal/verify/", {"number": number, "code": _code(number)})
    assert response.status_code == 302
    page = client.get(f"/portal/c/{number}/").content.decode()
    assert number in page and "portal-withdraw" in page


def test_tracking_is_rate_limited(cast: Any) -> None:
    client = Client()
    codes = [client.post("/portal/track/", {"number": "TS-20000101-000001"}).status_code
             for _ in range(5)]
    assert codes[-1] == 429


def test_staff_notes_are_not_shown_and_the_customer_can_withdraw(cast: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action
    from complaints.models import Complaint

    client = Client()
    number = _file(client)
    run_action(cast.principal("mia"), number, "note",
               ACTION_SCHEMAS["note"].model_validate({"version": 1, "text": "内部备注SECRET"}))
    page = client.get(f"/portal/c/{number}/").content.decode()
    assert "SECRET" not in page
    client.post(f"/portal/c/{number}/note/", {"note-text": "补充：交易时间为晚上"})
    response = client.post(f"/portal/c/{number}/withdraw/", {"withdraw-reason": "已自行解决",
                                                             "withdraw-confirm": "on"})
    assert response.status_code == 302
    assert Complaint.objects.get(number=number).state == "withdrawn"


def test_the_portal_speaks_chinese_whatever_the_browser_asks_for(cast: Any) -> None:
    client = Client(headers={"accept-language": "en-US,en;q=0.9"})
    page = client.get("/portal/")
    assert page["Content-Language"] == "zh-hans"
    assert 'lang="zh-Hans"' in page.content.decode() and "投诉" in page.content.decode()
    number = _file(client)
    status = client.get(f"/portal/c/{number}/").content.decode()
    assert 'lang="zh-Hans"' in status and "What has happened" not in status


def test_english_comes_from_the_language_switch_and_stays(cast: Any) -> None:
    client = Client(headers={"accept-language": "zh-CN,zh;q=0.9"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    page = client.get("/portal/")
    assert page["Content-Language"] == "en" and 'lang="en"' in page.content.decode()
    number = _file(client)
    status = client.get(f"/portal/c/{number}/").content.decode()
    assert "What has happened" in status
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/"})
    assert 'lang="zh-Hans"' in client.get("/portal/").content.decode()


def test_an_unknown_language_cookie_falls_back_to_chinese(cast: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    client.cookies["django_language"] = "xx-bogus"
    assert 'lang="zh-Hans"' in client.get("/portal/").content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_bad_phone_is_one_localized_line_under_the_field(cast: Any, language: str) -> None:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/portal/file/", {
        "name": "李四", "phone": "123", "content": "借记卡被盗刷", "claim": "赔偿"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "pydantic" not in page and "validation error" not in page
    assert "input_value" not in page and "ComplaintIn" not in page
    expected = ("Enter a valid mobile phone number." if language == "en"
                else "请输入有效的手机号码。")
    assert expected in page



def _act(cast: Any, who: str, number: str, action: str, **fields: Any) -> Any:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action
    from complaints.models import Complaint

    version = Complaint.objects.get(number=number).version
    return run_action(cast.principal(who), number, action,
                      ACTION_SCHEMAS[action].model_validate({"version": version, **fields}))


NOTICE = {"decision": "upheld", "verification": "调取交易记录", "basis": "借记卡章程",
          "reasons": "交易非本人所为"}


def _investigating(cast: Any, number: str) -> None:
    _act(cast, "agent", number, "accept")
    _act(cast, "mia", number, "assign", unit="BJ01", handler="alice")
    _act(cast, "alice", number, "claim")


def _decisions(page: Any) -> int:
    from portal.views import DECISION_SENT

    return sum(1 for e in page.context["events"] if e["label"] is DECISION_SENT)


def test_a_decision_that_needed_no_approval_is_on_the_customers_timeline(cast: Any) -> None:
    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "alice", number, "propose_resolution", **NOTICE, remedy="apology")
    assert _decisions(client.get(f"/portal/c/{number}/")) == 1


def test_a_proposal_awaiting_approval_is_not_a_decision_sent(cast: Any) -> None:
    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "mia", number, "escalate", reason="涉及多名客户")
    _act(cast, "alice", number, "propose_resolution", **NOTICE, remedy="apology")
    assert _decisions(client.get(f"/portal/c/{number}/")) == 0
    _act(cast, "mia", number, "approve")
    assert _decisions(client.get(f"/portal/c/{number}/")) == 1


def test_a_review_is_asked_for_once_per_decision(cast: Any) -> None:
    from complaints.models import Complaint

    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "alice", number, "respond", **NOTICE)
    assert "portal-request_review" in client.get(f"/portal/c/{number}/").content.decode()
    asked = client.post(f"/portal/c/{number}/request_review/",
                        {"request_review-reason": "对处理结果不满意"})
    assert asked.status_code == 302
    _act(cast, "max", number, "decide_review", outcome="upheld", reasons="原决定事实清楚。")
    assert "portal-request_review" not in client.get(f"/portal/c/{number}/").content.decode()
    again = client.post(f"/portal/c/{number}/request_review/",
                        {"request_review-reason": "再次申请复核"})
    assert again.status_code == 422 and "已申请过复核" in again.content.decode()
    c = Complaint.objects.get(number=number)
    assert c.state == "closed" and c.reviews.count() == 1


def test_only_the_complaints_own_visits_awaiting_an_answer_are_answered(cast: Any) -> None:
    import datetime as dt

    from complaints.models import Complaint, Visit

    client = Client()
    number = _file(client)
    other = _file(Client())
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    for where, when in [(number, ahead), (number, past), (number, ahead), (other, ahead)]:
        if when == past:  # a proposal whose time has gone (the action refuses to make one)
            Visit.objects.create(complaint=Complaint.objects.get(number=where), proposed_at=when,
                                 place="朝阳支行营业厅", customer_consent=True)
            continue
        _act(cast, "alice", where, "schedule_visit", proposed_at=when, place="朝阳支行营业厅",
             customer_consent=False)
    waiting, gone, done, elsewhere = Visit.objects.order_by("pk")
    Visit.objects.filter(pk=done.pk).update(customer_consent=True)
    _act(cast, "alice", number, "record_visit", visit_id=done.pk, outcome="客户出示扣费短信")
    page = client.get(f"/portal/c/{number}/")
    assert [v.pk for v, _form in page.context["visits"]] == [waiting.pk]
    for visit in (99999, gone.pk, done.pk, elsewhere.pk):
        answer = client.post(f"/portal/c/{number}/visit{visit}/",
                             {f"visit{visit}-visit": visit, f"visit{visit}-answer": "accept"})
        assert answer.status_code == 404, visit
    mismatched = client.post(f"/portal/c/{number}/visit{waiting.pk}/",
                             {f"visit{waiting.pk}-visit": 99999,
                              f"visit{waiting.pk}-answer": "accept"})
    assert mismatched.status_code == 404
    assert not Visit.objects.get(pk=waiting.pk).complaint.events.filter(
        type="answer_visit").exists()
    agreed = client.post(f"/portal/c/{number}/visit{waiting.pk}/",
                         {f"visit{waiting.pk}-visit": waiting.pk,
                          f"visit{waiting.pk}-answer": "accept"})
    assert agreed.status_code == 302
    answer = Visit.objects.get(pk=waiting.pk).complaint.events.get(type="answer_visit",
                                                                   actor_label="portal")
    assert answer.payload == {"visit_id": waiting.pk, "consent": True}


def test_a_call_from_the_customer_is_not_shown_as_ours(cast: Any) -> None:
    from portal.views import YOU_CONTACTED_US

    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "alice", number, "contact", kind="call", summary="客户来电询问进度",
         outbound=False)
    _act(cast, "alice", number, "contact", kind="call", summary="回电说明情况")
    labels = [str(e["label"]) for e in client.get(f"/portal/c/{number}/").context["events"]]
    assert labels.count(str(YOU_CONTACTED_US)) == 1 and labels.count("我们已与您联系") == 1

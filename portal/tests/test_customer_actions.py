"""The customer's own acts on the portal: a refused file registers nothing, a form sent twice
acts once, a visit is answered once (and staff may then record it), only the acts a state
accepts are offered, and the customer sees what they sent."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from portal.tests.test_portal import NOTICE, _act, _file, _investigating

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64  # a Windows program


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


FILING = {"name": "李四", "phone": "13900001111", "account_branch": "BJ01", "product": "借记卡",
          "content": "借记卡被盗刷5000元", "claim": "赔偿损失"}


def _token(client: Client) -> str:
    page = client.get("/portal/file/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("doc.exe", EXE),
    SimpleUploadedFile("big.txt", b"statement " * 20),  # over the limit set below
])
@override_settings(TOUSU_MAX_ATTACHMENT_BYTES=100)
def test_a_refused_evidence_file_registers_nothing(cast: Any, upload: Any) -> None:
    from complaints.models import Complaint
    from notify.models import Notification

    response = Client().post("/portal/file/", {**FILING, "evidence": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    assert not Complaint.objects.exists() and not Notification.objects.exists()


def test_the_evidence_size_is_checked_before_the_file_is_read() -> None:
    from django import forms

    from portal.forms import EvidenceField

    class Huge(SimpleUploadedFile):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("read before the size check")

    upload = Huge("big.pdf", b"%PDF-1.4")
    upload.size = 11 * 1024 * 1024
    with pytest.raises(forms.ValidationError):
        EvidenceField().clean(upload)


def test_submitting_the_same_form_twice_files_one_complaint(cast: Any) -> None:
    from complaints.models import Complaint

    client = Client()
    token = _token(client)
    first = client.post("/portal/file/", {**FILING, "token": token})
    again = client.post("/portal/file/", {**FILING, "token": token})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Complaint.objects.count() == 1
    assert client.get(again["Location"]).status_code == 200
    assert client.post("/portal/file/", {**FILING, "token": _token(client)}).status_code == 302
    assert Complaint.objects.count() == 2
    changed = client.post("/portal/file/", {**FILING, "token": token, "claim": "退款"})
    assert changed.status_code == 200 and "您的投诉已登记" in changed.content.decode()
    assert token not in changed.content.decode() and Complaint.objects.count() == 2


def test_information_sent_twice_is_added_once_and_shown_to_the_customer(cast: Any) -> None:
    from complaints.models import Complaint

    client = Client()
    number = _file(client)
    _act(cast, "mia", number, "note", text="内部备注SECRET")
    version = Complaint.objects.get(number=number).version
    sent = {"note-text": "补充：交易时间为晚上", "version": version}
    first = client.post(f"/portal/c/{number}/note/", sent)
    assert first.status_code == 302
    twice = client.post(f"/portal/c/{number}/note/", sent)
    assert twice.status_code == 422 and "补充：交易时间为晚上" in twice.content.decode()
    assert Complaint.objects.get(number=number).events.filter(type="note").count() == 2
    page = client.get(f"/portal/c/{number}/").content.decode()
    assert "补充：交易时间为晚上" in page and "SECRET" not in page
    assert page.count('class="mine"') == 2  # the registration and the addition
    assert "我们已收到您补充的信息" in client.get(
        client.post(f"/portal/c/{number}/note/", {"note-text": "再补充一点"})["Location"]
    ).content.decode()


def _schedule(cast: Any, number: str, days: int = 2) -> Any:
    from complaints.models import Visit

    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()
    _act(cast, "alice", number, "schedule_visit", proposed_at=when, place="朝阳支行营业厅",
         customer_consent=False)
    return Visit.objects.order_by("-pk").first()


def _answer(client: Client, number: str, visit: Any, answer: str) -> Any:
    return client.post(f"/portal/c/{number}/visit{visit.pk}/", {
        f"visit{visit.pk}-visit": visit.pk, f"visit{visit.pk}-answer": answer})


def test_a_visit_agreed_on_the_portal_can_be_recorded_and_is_answered_once(cast: Any) -> None:
    from complaints.errors import ActionError
    from complaints.models import Visit

    client = Client()
    number = _file(client)
    _investigating(cast, number)
    visit = _schedule(cast, number)
    assert _answer(client, number, visit, "accept").status_code == 302
    assert Visit.objects.get(pk=visit.pk).customer_consent
    page = client.get(f"/portal/c/{number}/")
    assert page.context["visits"] == [] and "您同意了上门核实" in page.content.decode()
    assert _answer(client, number, visit, "decline").status_code == 302  # a second post
    assert Visit.objects.get(pk=visit.pk).customer_consent
    with pytest.raises(ActionError):
        _act(cast, "agent", number, "answer_visit", visit_id=visit.pk, consent=False)
    assert visit.complaint.events.filter(type="answer_visit").count() == 1
    _act(cast, "alice", number, "record_visit", visit_id=visit.pk, outcome="客户出示扣费短信")


def test_a_declined_visit_cannot_be_recorded(cast: Any) -> None:
    from complaints.errors import ActionError
    from complaints.models import Visit

    client = Client()
    number = _file(client)
    _investigating(cast, number)
    visit = _schedule(cast, number)
    assert _answer(client, number, visit, "decline").status_code == 302
    assert not Visit.objects.get(pk=visit.pk).customer_consent
    assert "您拒绝了上门核实" in client.get(f"/portal/c/{number}/").content.decode()
    with pytest.raises(ActionError):
        _act(cast, "alice", number, "record_visit", visit_id=visit.pk, outcome="未上门")


def test_a_closed_complaint_offers_only_what_it_accepts(cast: Any) -> None:
    client = Client()
    number = _file(client)
    _investigating(cast, number)
    visit = _schedule(cast, number)
    _act(cast, "alice", number, "respond", **NOTICE)
    _act(cast, "alice", number, "start_follow_up")
    _act(cast, "agent", number, "follow_up_result", satisfied=True, score=5)
    page = client.get(f"/portal/c/{number}/")
    assert set(page.context["forms"]) == {"request_review"} and page.context["visits"] == []
    assert _answer(client, number, visit, "accept").status_code == 404


def test_the_status_page_is_not_cached_and_speaks_the_pages_language(cast: Any) -> None:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    number = _file(client)
    assert "no-store" in client.get(f"/portal/c/{number}/")["Cache-Control"]
    _investigating(cast, number)
    _act(cast, "alice", number, "respond", **NOTICE)
    client.post(f"/portal/c/{number}/request_review/", {"request_review-reason": "不满意"})
    _act(cast, "max", number, "decide_review", outcome="upheld", reasons="原决定事实清楚。")
    again = client.post(f"/portal/c/{number}/request_review/",
                        {"request_review-reason": "再次申请复核"})
    assert again.status_code == 422
    assert "already been requested" in again.content.decode()
    assert "已申请过复核" not in again.content.decode()


def test_withdrawing_needs_a_confirmation(cast: Any) -> None:
    from complaints.models import Complaint

    client = Client()
    number = _file(client)
    unconfirmed = client.post(f"/portal/c/{number}/withdraw/", {"withdraw-reason": "已解决"})
    assert unconfirmed.status_code == 422
    assert Complaint.objects.get(number=number).state == "registered"

"""SMS that QA found mishandled: a customer's SMS about their one open complaint is threaded
onto it rather than registered again, the handler hears of it, an SMS from another phone is
flagged on the complaint, and a known number written +86… or 0086… is still the customer's."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Complaint, Event
from intake.tests.test_sms import SECRET, body, post
from notify.models import Notification
from notify.staff import CUSTOMER_WROTE

pytestmark = pytest.mark.django_db
PHONE = "13812345678"  # the customer of complaint_body()


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.TOUSU_SMS_WEBHOOK_SECRET = SECRET


def _note(c: Complaint) -> str:
    return str(Event.objects.get(complaint=c, type="note").payload["text"])


def _notices() -> list[Notification]:
    return list(Notification.objects.filter(kind=CUSTOMER_WROTE))


@pytest.mark.parametrize("sender", [PHONE, "+86 138-1234-5678"])
def test_an_sms_without_a_number_goes_to_the_customers_one_open_complaint(
        register: Any, cast: Any, sender: str) -> None:
    c = register()
    acks = Notification.objects.filter(kind="acknowledgement").count()
    response = post(body(**{"from": sender, "text": "我还没收到回复"}))
    assert response.json() == {"status": "threaded", "number": c.number}
    assert Complaint.objects.count() == 1
    assert "我还没收到回复" in _note(c) and "different sender" not in _note(c)
    assert Notification.objects.filter(kind="acknowledgement").count() == acks
    [notice] = _notices()
    assert notice.user == cast.users["mia"] and c.number in notice.body


@pytest.mark.parametrize("open_complaints", [0, 2])
def test_with_no_or_several_open_complaints_the_sms_is_a_complaint_of_its_own(
        register: Any, open_complaints: int) -> None:
    first, second = register(), register(content="借记卡被盗刷3000元，银行不处理。")
    if open_complaints == 0:
        Complaint.objects.filter(pk__in=[first.pk, second.pk]).update(state="closed")
    response = post(body(**{"from": PHONE, "text": "我还没收到回复"}))
    assert response.json()["status"] == "created"
    assert Complaint.objects.count() == 3 and not _notices()


def test_an_sms_naming_a_complaint_tells_the_handler(register: Any, cast: Any) -> None:
    from complaints.tests.helpers import investigating

    c = investigating(cast, register())
    post(body(**{"from": PHONE, "text": f"{c.number} 我补充：扣费时间是3月1日"}))
    [notice] = _notices()
    assert notice.user == cast.users["alice"] and "different sender" not in notice.body


def test_an_sms_from_another_phone_is_kept_on_the_complaint_but_flagged(register: Any) -> None:
    # QA's sms3.py: 13800138000 writes about a complaint that is not theirs.
    c = register()
    response = post(body(**{"from": "13800138000", "text": f"{c.number} 我还没收到回复"}))
    assert response.json() == {"status": "threaded", "number": c.number}
    assert "from a different sender" in _note(c)
    [notice] = _notices()
    assert "different sender" in notice.body


@pytest.mark.parametrize("sender", ["+8613812345678", "0086 138-1234-5678"])
def test_a_new_sms_from_a_known_customer_in_international_form_is_theirs(
        register: Any, sender: str) -> None:
    earlier = register()  # 张三, 13812345678
    Complaint.objects.filter(pk=earlier.pk).update(state="closed")
    response = post(body(**{"from": sender, "text": "信用卡又被扣了年费"}))
    assert response.json()["status"] == "created"
    c = Complaint.objects.get(number=response.json()["number"])
    assert c.customer_id == earlier.customer_id and c.customer.name == "张三"


def test_a_held_sms_released_later_is_received_when_it_was_held(
        cast: Any, settings: Any) -> None:
    from intake.actions import release
    from intake.models import QuarantinedMessage

    settings.TOUSU_INTAKE_UNIT = "GONE"  # registration fails: the SMS is held
    assert post(body()).json()["status"] == "quarantined"
    since = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0)
    QuarantinedMessage.objects.update(created_at=since)
    settings.TOUSU_INTAKE_UNIT = ""
    row = release(QuarantinedMessage.objects.get(), "staff:cpo")
    assert row.complaint is not None and row.complaint.received_at == since

"""What a customer types with a Chinese input method in full-width mode — the mobile number, the
email, the tracking number, the one-time code — is read as its ASCII form, not refused or counted
as a wrong code."""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from complaints.models import Complaint
from notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_a_full_width_mobile_number_files_the_complaint(cast: Any) -> None:
    response = Client().post("/portal/file/", {
        "name": "李四", "phone": "１３９ ０００１ １１１１", "product": "借记卡",
        "content": "借记卡被盗刷５０００元，网点拒绝处理！", "claim": "赔偿损失"})
    assert response.status_code == 302, response.content.decode()[:3000]
    c = Complaint.objects.get()
    assert c.customer.phone == "13900011111"
    assert c.notifications.get(kind="acknowledgement").channel == "sms"


def test_a_full_width_email_files_the_complaint(cast: Any) -> None:
    response = Client().post("/portal/file/", {
        "name": "李四", "email": "ｌｉｓｉ＠ｅｘａｍｐｌｅ．ｃｎ", "content": "信用卡年费乱收"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Complaint.objects.get().customer.email == "lisi@example.cn"


def test_a_full_width_tracking_number_and_code_sign_the_customer_in(
        cast: Any, register: Any) -> None:
    c = register()
    client = Client()
    client.post("/portal/track/", {"number": _fullwidth(c.number.lower())})
    body = Notification.objects.get(kind="portal_code").body
    code = re.search(r"(\d{6})", body.replace(c.number, "")).group(1)
    response = client.post("/portal/verify/", {"number": c.number, "code": _fullwidth(code)})
    assert response.status_code == 302 and response["Location"].endswith(f"/c/{c.number}/")

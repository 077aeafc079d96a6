"""Web security: script in any free-text field is rendered inert on the staff pages and the
portal, every form refuses a POST without its CSRF token, and the portal's one-time codes give
up after a few wrong tries. (Sign-in lockout: org/tests/test_accounts.py; the portal tracking
rate limit: portal/tests/test_portal.py.)"""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from privacy.tests.helpers import act

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('xss')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}"
RAW = ("<script>alert(", "<img src=x onerror", "<img src=x")


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def _assert_inert(page: str) -> None:
    for raw in RAW:
        assert raw not in page, f"unescaped {raw!r}"


def _hostile_complaint(cast: Any, register: Any) -> Any:
    c = register(content=f"内容{PAYLOAD}", claim=f"诉求{PAYLOAD}", product=f"产品{PAYLOAD}",
                 customer={"name": f"{PAYLOAD}", "phone": "13812345678",
                           "email": "x@example.com"})
    act(cast, "alice", c.number, "note", text=f"备注{PAYLOAD}")
    act(cast, "alice", c.number, "contact", kind="call", summary=f"联系{PAYLOAD}")
    return c


def test_script_in_free_text_is_inert_on_the_staff_pages(cast: Any, register: Any) -> None:
    c = _hostile_complaint(cast, register)
    client = cast.client("alice")
    detail = client.get(f"/complaints/{c.number}/").content.decode()
    assert "&lt;script&gt;alert(" in detail  # shown, as text
    _assert_inert(detail)
    revealed = client.post(f"/complaints/{c.number}/reveal/", {"purpose": PAYLOAD})
    assert revealed.status_code == 200
    _assert_inert(revealed.content.decode())
    for url in ("/", f"/?q={PAYLOAD}", "/home/", "/major/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_inert(response.content.decode())


def _portal_session(number: str) -> Client:
    from notify.models import Notification

    client = Client()
    client.post("/portal/track/", {"number": number})
    body = Notification.objects.filter(kind="portal_code").order_by("-pk").first().body
    code = re.search(r"(\d{6})", body.replace(number, "")).group(1)
    assert client.post("/portal/verify/", {"number": number, "code": code}).status_code == 302
    return client


def test_script_in_portal_fields_is_inert_on_the_portal_and_staff_pages(cast: Any) -> None:
    client = Client()
    response = client.post("/portal/file/", {
        "name": PAYLOAD, "phone": "13900001111", "account_branch": "BJ01", "product": PAYLOAD,
        "content": f"借记卡被盗刷{PAYLOAD}", "claim": f"赔偿{PAYLOAD}"})
    assert response.status_code == 302, response.content.decode()[:500]
    number = response["Location"].rstrip("/").split("/")[-1]
    _assert_inert(client.get(f"/portal/filed/{number}/").content.decode())
    customer = _portal_session(number)
    customer.post(f"/portal/c/{number}/note/", {"note-text": f"补充{PAYLOAD}"})
    _assert_inert(customer.get(f"/portal/c/{number}/").content.decode())
    _assert_inert(cast.client("alice").get(f"/complaints/{number}/").content.decode())
    # An invalid form echoes what was typed: escaped too.
    echoed = Client().post("/portal/file/", {"name": PAYLOAD, "content": PAYLOAD})
    _assert_inert(echoed.content.decode())


def test_staff_forms_refuse_a_post_without_the_csrf_token(cast: Any, register: Any) -> None:
    c = register()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["alice"])
    for url, data in [
        (f"/complaints/{c.number}/reveal/", {"purpose": "x"}),
        (f"/complaints/{c.number}/actions/note/", {"note-version": "1", "note-text": "x"}),
        ("/bulk-assign/", {"numbers": c.number}),
        ("/intake/new/", {}),
        ("/logout/", {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    # The API with a session cookie is a browser too: no CSRF token, no write.
    response = client.post("/api/v1/complaints", data="{}", content_type="application/json")
    assert response.status_code in (401, 403)
    assert c.events.count() == 1  # nothing was written


def test_sign_in_and_portal_forms_refuse_a_post_without_the_csrf_token(
        cast: Any, register: Any) -> None:
    c = register()
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "alice",
                                   "password": "pw-for-tests-only"}).status_code == 403
    for url, data in [
        ("/portal/file/", {"name": "李四", "phone": "13900001111", "content": "x"}),
        ("/portal/track/", {"number": c.number}),
        ("/portal/verify/", {"number": c.number, "code": "000000"}),
        (f"/portal/c/{c.number}/withdraw/", {"withdraw-reason": "x"}),
    ]:
        assert client.post(url, data).status_code == 403, url


def test_a_portal_code_stops_working_after_five_wrong_tries(cast: Any, register: Any) -> None:
    from notify.models import Notification

    c = register()
    client = Client()
    client.post("/portal/track/", {"number": c.number})
    body = Notification.objects.filter(kind="portal_code").order_by("-pk").first().body
    code = re.search(r"(\d{6})", body.replace(c.number, "")).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert client.post("/portal/verify/", {"number": c.number, "code": wrong}
                           ).status_code != 302
    # The right code, now: refused, the code is spent.
    assert client.post("/portal/verify/", {"number": c.number, "code": code}).status_code != 302
    assert client.get(f"/portal/c/{c.number}/").status_code == 404


def test_code_guessing_from_one_address_is_rate_limited(cast: Any, register: Any) -> None:
    from notify.models import Notification

    numbers = [register(customer={"name": f"客户{i}", "phone": f"1390000{i:04d}"}).number
               for i in range(5)]
    client = Client()
    for i in range(20):  # four wrong guesses on each of five numbers: under each code's cap
        client.post("/portal/verify/", {"number": numbers[i % 5], "code": "123456"})
    target = register(customer={"name": "周九", "phone": "13900009999"}).number
    client.post("/portal/track/", {"number": target})
    body = Notification.objects.filter(kind="portal_code").order_by("-pk").first().body
    code = re.search(r"(\d{6})", body.replace(target, "")).group(1)
    # Even the right code is refused from this address until the window passes, saying so.
    refused = client.post("/portal/verify/", {"number": target, "code": code})
    assert refused.status_code == 429 and "分钟后再试" in refused.content.decode()
    assert Client(REMOTE_ADDR="10.0.0.2").post(
        "/portal/verify/", {"number": target, "code": code}).status_code == 302


def test_a_malformed_form_body_through_a_session_gets_the_json_error(
        cast: Any, register: Any) -> None:
    """Found by schemathesis: multipart without a boundary broke the session's CSRF check and
    Django's HTML 400 page came back instead of the API's error shape."""
    c = register()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["mia"])
    client.cookies["csrftoken"] = "k" * 32
    response = client.post(f"/api/v1/complaints/{c.number}/actions/note", data=b"{}",
                           content_type="multipart/form-data", headers={"X-CSRFToken": "k" * 32})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_a_nul_character_is_refused_by_name_not_a_server_error(cast: Any) -> None:
    """Found by the fuzzers on PostgreSQL, which cannot store NUL: the API answered 500 and the
    regulator import stopped half-way with a DataError."""
    import json

    from conftest import complaint_body
    from intake import regulator
    from org.keys import issue_key

    _, token = issue_key("k", ["complaints:create", "complaints:read"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    response = client.post("/api/v1/complaints", content_type="application/json",
                           data=json.dumps(complaint_body(content="盗刷\x00")),
                           headers={"Idempotency-Key": "nul"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "content"
    assert client.get("/api/v1/complaints/TS-%00").status_code in (400, 404)
    report = regulator.import_file(cast.principal("agent"), "t.csv", (
        "reference,regulator,customer_name,content\nR1,nfra,张三,盗刷\x00\n").encode())
    assert len(report.created) == 1

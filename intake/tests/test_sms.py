"""Complaints by SMS: the gateway's webhook is signed, fresh and used once; a forged or replayed
call is refused; the same SMS registers once; outbound SMS goes through the gateway interface."""

import datetime as dt
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint, Event
from intake import sms
from intake.models import WebhookNonce
from notify.models import Notification

pytestmark = pytest.mark.django_db
SECRET = "shared-with-the-gateway"
URL = "/api/v1/intake/sms"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.TOUSU_SMS_WEBHOOK_SECRET = SECRET


def post(body: dict[str, Any], *, secret: str = SECRET, timestamp: int | None = None,
         nonce: str = "", signature: str = "") -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    ts = str(timestamp if timestamp is not None else int(timezone.now().timestamp()))
    nonce = nonce or uuid.uuid4().hex
    headers = {"X-Tousu-Timestamp": ts, "X-Tousu-Nonce": nonce,
               "X-Tousu-Signature": signature or sms.sign(secret, ts, nonce, raw)}
    return Client().post(URL, data=raw, content_type="application/json", headers=headers)


def body(**overrides: Any) -> dict[str, Any]:
    return {"message_id": uuid.uuid4().hex, "from": "13912345678",
            "text": "你们的短信服务费每月扣5元，我从未开通，请退还。", **overrides}


def test_a_signed_sms_becomes_a_complaint_acknowledged_by_sms(cast: Any, templates: None) -> None:
    response = post(body())
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "created"
    c = Complaint.objects.get(number=response.json()["number"])
    assert (c.channel, c.customer.phone, c.customer.language) == ("sms", "13912345678", "zh-Hans")
    ack = Notification.objects.get(complaint=c, kind="acknowledgement")
    assert ack.channel == "sms" and ack.address == "13912345678" and c.number in ack.body


def test_the_same_sms_delivered_twice_registers_once(cast: Any) -> None:
    message = body(message_id="gw-42")
    first, second = post(message), post(message)  # the gateway retried with a fresh nonce
    assert second.status_code == 200 and second.json()["status"] == "duplicate"
    assert first.json()["number"] == second.json()["number"]
    assert Complaint.objects.count() == 1


def test_a_forged_signature_is_refused(cast: Any) -> None:
    response = post(body(), secret="guessed-secret")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "X-Tousu-Signature"
    unsigned = Client().post(URL, data=json.dumps(body()), content_type="application/json")
    assert unsigned.status_code == 401
    assert Complaint.objects.count() == 0


def test_a_tampered_body_is_refused(cast: Any) -> None:
    raw = json.dumps(body()).encode()
    ts, nonce = str(int(timezone.now().timestamp())), "n1"
    signature = sms.sign(SECRET, ts, nonce, raw)
    tampered = raw.replace(b"13912345678", b"13900000000")
    response = Client().post(URL, data=tampered, content_type="application/json", headers={
        "X-Tousu-Timestamp": ts, "X-Tousu-Nonce": nonce, "X-Tousu-Signature": signature})
    assert response.status_code == 401 and Complaint.objects.count() == 0


def test_a_replayed_call_is_refused(cast: Any) -> None:
    message = body()
    assert post(message, nonce="once-only").status_code == 200
    replay = post(message, nonce="once-only")
    assert replay.status_code == 409 and replay.json()["errors"][0]["code"] == "replayed"
    stale = post(body(), timestamp=int(timezone.now().timestamp()) - 3600)
    assert stale.status_code == 401
    assert stale.json()["errors"][0]["field"] == "X-Tousu-Timestamp"
    assert Complaint.objects.count() == 1


def test_old_nonces_are_purged_once_their_window_has_passed(cast: Any) -> None:
    now = timezone.now()
    WebhookNonce.objects.create(nonce="old", seen_at=now - dt.timedelta(hours=1))
    WebhookNonce.objects.create(nonce="fresh", seen_at=now)
    assert sms.purge_nonces(now) == 1
    assert list(WebhookNonce.objects.values_list("nonce", flat=True)) == ["fresh"]


def test_the_webhook_is_off_without_a_secret(cast: Any, settings: Any) -> None:
    settings.TOUSU_SMS_WEBHOOK_SECRET = ""
    assert post(body()).status_code == 404


def test_an_sms_naming_a_complaint_is_added_to_it(register: Any) -> None:
    c = register()
    response = post(body(**{"from": "13812345678", "text": f"{c.number} 我补充：扣费时间是3月1日"}))
    assert response.json() == {"status": "threaded", "number": c.number}
    note = Event.objects.get(complaint=c, type="note")
    assert "3月1日" in note.payload["text"] and note.actor_label == "intake:sms"


def test_an_unreadable_payload_is_quarantined_not_lost(cast: Any) -> None:
    from intake.models import QuarantinedMessage

    response = post({"message_id": "x", "from": "not a phone", "text": "hi"})
    assert response.status_code == 200 and response.json()["status"] == "quarantined"
    row = QuarantinedMessage.objects.get()
    assert row.channel == "sms" and b"not a phone" in row.raw.read()


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append({"body": json.loads(body),
                                  "signature": self.headers["X-Tousu-Signature"],
                                  "timestamp": self.headers["X-Tousu-Timestamp"], "raw": body})
        answer = json.dumps({"id": "gw-receipt-1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def test_outbound_sms_goes_through_the_http_gateway_with_its_receipt(
        register: Any, settings: Any) -> None:
    from notify.outbox import deliver_due

    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.TOUSU_SMS_GATEWAY = "http"
        settings.TOUSU_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.TOUSU_SMS_GATEWAY_SECRET = "outbound-secret"
        c = register()
        assert deliver_due() == 1
    finally:
        server.shutdown()
        server.server_close()
    sent = _Gateway.received[-1]
    assert sent["body"]["to"] == "13812345678" and c.number in sent["body"]["text"]
    nonce = sent["body"]["client_ref"]
    assert sent["signature"] == sms.sign("outbound-secret", sent["timestamp"], nonce, sent["raw"])
    assert Notification.objects.get(complaint=c).proof == "http:gw-receipt-1"

"""The staff entry form (phone, counter, letter, visit) and evidence: judged by content, within
the size limit, hashed, stored through the storage API, scanned when a scanner is configured."""

import base64
import json
import socket
import struct
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Attachment, Complaint
from intake.tests.messages import PDF

pytestmark = pytest.mark.django_db
URL = "/intake/new/"


def form(**overrides: Any) -> dict[str, Any]:
    data = {"channel": "counter", "source": "direct", "name": "刘洋", "phone": "13611112222",
            "email": "", "id_number": "", "language": "zh-Hans", "unit": "BJ01",
            "product": "借记卡", "content": "柜面办理转账时被收取未告知的手续费。",
            "claim": "退还手续费", "amount": "25.00", "token": "form-token-1"}
    data.update(overrides)
    return data


def test_an_agent_registers_a_counter_complaint_with_evidence(cast: Any, templates: None) -> None:
    client = cast.client("agent")
    assert client.get(URL).status_code == 200
    receipt = SimpleUploadedFile("回单.jpg", PDF, content_type="image/jpeg")  # a PDF, renamed
    response = client.post(URL, {**form(), "evidence": [receipt]})
    assert response.status_code == 302, response.content.decode()[:2000]
    c = Complaint.objects.get()
    assert response["Location"].endswith(f"/complaints/{c.number}/")
    assert (c.channel, c.created_by, c.unit.code) == ("counter", "staff:agent", "BJ01")
    register = c.events.get(type="register")
    assert register.actor_label == "staff:agent" and register.payload["channel"] == "counter"
    evidence = Attachment.objects.get(complaint=c)
    assert evidence.content_type == "application/pdf"  # recognised by content, not by .jpg
    assert evidence.file.read() == PDF and evidence.uploaded_by == "staff:agent"
    assert c.notifications.get(kind="acknowledgement").channel == "sms"


def test_the_same_form_sent_twice_registers_once(cast: Any) -> None:
    client = cast.client("agent")
    first = client.post(URL, form(channel="phone"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    again = client.post(URL, form(channel="phone"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert Complaint.objects.count() == 1
    number = Complaint.objects.get().number
    assert f"Registered {number}" in first.content.decode()
    page = again.content.decode()  # not a second "registered" for the agent to log
    assert f"Registered {number}" not in page and "sent twice" in page and number in page


def test_an_oversize_upload_is_refused_clearly_and_nothing_is_registered(
        cast: Any, settings: Any) -> None:
    settings.TOUSU_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("录音.mp3", b"ID3" + b"\0" * (2 * 1024 * 1024), "audio/mpeg")
    response = cast.client("agent").post(URL, {**form(), "evidence": [big]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "超过 1 MiB 上限" in page and "over the 1 MiB limit" in page and "录音.mp3" in page
    assert Complaint.objects.count() == 0


def test_a_file_of_a_kind_not_accepted_is_refused(cast: Any) -> None:
    exe = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04", "application/pdf")
    response = cast.client("agent").post(URL, {**form(), "evidence": [exe]})
    assert response.status_code == 200 and "file type not accepted" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_bad_fields_are_shown_on_the_form(cast: Any) -> None:
    response = cast.client("agent").post(URL, form(phone="not-a-phone"))
    assert response.status_code == 200 and "not a phone number" in response.content.decode()
    response = cast.client("agent").post(URL, form(unit="NOPE"))
    assert response.status_code == 200 and "no active org unit &#x27;NOPE&#x27;" in \
        response.content.decode()
    assert Complaint.objects.count() == 0


def test_the_form_is_for_staff_who_register_complaints(cast: Any) -> None:
    assert cast.client("audrey").get(URL).status_code == 404  # auditors change nothing
    assert cast.client("root").get(URL).status_code == 404
    assert cast.client("bob").post(URL, form()).status_code == 200  # BJ01 is not bob's unit
    assert Complaint.objects.count() == 0
    from django.test import Client

    assert Client().get(URL).status_code == 302  # sign in first


def test_the_api_refuses_an_oversize_evidence_upload_with_a_clear_error(
        register: Any, cast: Any, settings: Any) -> None:
    settings.TOUSU_MAX_ATTACHMENT_BYTES = 1000
    c = register()
    body = {"version": c.version, "name": "big.pdf",
            "content_base64": base64.b64encode(PDF + b"x" * 2000).decode()}
    response = cast.client("alice").post(f"/api/v1/complaints/{c.number}/actions/add_evidence",
                                         data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "content_base64" and "1000 bytes" in error["message"]


def test_the_api_recognises_a_pdf_renamed_jpg(register: Any, cast: Any) -> None:
    c = register()
    body = {"version": c.version, "name": "photo.jpg",
            "content_base64": base64.b64encode(PDF).decode()}
    response = cast.client("alice").post(f"/api/v1/complaints/{c.number}/actions/add_evidence",
                                         data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    attachment = Attachment.objects.get(complaint=c)
    assert (attachment.name, attachment.content_type) == ("photo.jpg", "application/pdf")


class FakeClamd:
    """A loopback server speaking clamd's INSTREAM protocol, flagging one signature."""

    def __init__(self, mode: str = "scan") -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.mode = mode
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\0\0\0\0") or len(data) < 14:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                assert data.startswith(b"zINSTREAM\0")
                stream, rest = b"", data[len(b"zINSTREAM\0"):]
                while rest:
                    (size,) = struct.unpack("!L", rest[:4])
                    if size == 0:
                        break
                    stream, rest = stream + rest[4:4 + size], rest[4 + size:]
                infected = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in stream
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if infected
                             else b"stream: OK\0")

    def close(self) -> None:
        self.sock.close()


def test_evidence_is_scanned_by_clamd_when_configured(register: Any, cast: Any,
                                                      settings: Any) -> None:
    clamd = FakeClamd()
    settings.TOUSU_CLAMD = f"tcp://127.0.0.1:{clamd.port}"
    c = register()
    url = f"/api/v1/complaints/{c.number}/actions/add_evidence"
    infected = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE plain text"
    try:
        bad = cast.client("alice").post(url, data=json.dumps({
            "version": c.version, "name": "readme.txt",
            "content_base64": base64.b64encode(infected).decode()}),
            content_type="application/json")
        good = cast.client("alice").post(url, data=json.dumps({
            "version": c.version, "name": "receipt.pdf",
            "content_base64": base64.b64encode(PDF).decode()}),
            content_type="application/json")
    finally:
        clamd.close()
    assert bad.status_code == 422 and "malware found" in bad.json()["errors"][0]["message"]
    assert good.status_code == 200
    assert list(Attachment.objects.values_list("name", flat=True)) == ["receipt.pdf"]


def test_an_unreachable_scanner_refuses_the_upload(register: Any, cast: Any,
                                                   settings: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TOUSU_CLAMD = f"tcp://127.0.0.1:{port}"  # nothing listens there
    c = register()
    response = cast.client("alice").post(
        f"/api/v1/complaints/{c.number}/actions/add_evidence", data=json.dumps({
            "version": c.version, "name": "a.pdf",
            "content_base64": base64.b64encode(PDF).decode()}),
        content_type="application/json")
    assert response.status_code == 422 and "unavailable" in response.json()["errors"][0]["message"]


def test_a_regulators_transfer_needs_its_reference_and_keeps_it(cast: Any) -> None:
    client = cast.client("agent")
    refused = client.post(URL, form(source="regulator_nfra"))
    assert refused.status_code == 200 and "转办须填写转办编号" in refused.content.decode()
    assert not Complaint.objects.exists()
    done = client.post(URL, form(source="regulator_nfra", external_ref="NFRA-2026-0001",
                                 token="form-token-2"))
    assert done.status_code == 302
    assert Complaint.objects.get().external_ref == "NFRA-2026-0001"


def test_an_email_received_by_staff_can_be_registered(cast: Any) -> None:
    response = cast.client("agent").post(URL, form(channel="email", email="liu@example.com"))
    assert response.status_code == 302
    assert Complaint.objects.get().channel == "email"


def test_contacts_typed_in_full_width_are_registered_as_the_customers(
        cast: Any, register: Any) -> None:
    earlier = register()  # 张三, 13812345678, 11010519491231002X
    typed = form(name="张三", phone="１３８ １２３４ ５６７８",
                 id_number="１１０１０５１９４９１２３１００２ｘ",
                 email="ＺＨＡＮＧ＠ＥＸＡＭＰＬＥ．ＣＮ")
    response = cast.client("agent").post(URL, typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    c = Complaint.objects.exclude(pk=earlier.pk).get()
    assert c.customer_id == earlier.customer_id  # the returning customer, found again
    assert (c.customer.phone, c.customer.email) == ("13812345678", "ZHANG@EXAMPLE.CN")

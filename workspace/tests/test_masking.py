"""Identifiers staff type into notes, contact summaries and reasons are masked wherever the
complaint is read (page and API), as its content is; a file's SHA-256 is never taken for one."""

from typing import Any

import pytest

from triage.pii import mask_payload

pytestmark = pytest.mark.django_db
SECRET = ("客户身份证110101199003077578 手机13912345678 卡号6222021234567890128 "
          "邮箱li.secret@example.com")
IN_CLEAR = ("110101199003077578", "13912345678", "6222021234567890128", "li.secret@example.com")


def test_contact_summaries_notes_and_reasons_are_masked_on_the_page_and_in_the_api(
        cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register()
    for action, params in (("accept", {}), ("note", {"text": SECRET}),
                           ("contact", {"kind": "call", "summary": SECRET})):
        c = run_action(cast.principal("mia"), c.number, action,
                       ACTION_SCHEMAS[action].model_validate({"version": c.version, **params}))
    mia = cast.client("mia")
    page = mia.get(f"/complaints/{c.number}/").content.decode()
    events = mia.get(f"/api/v1/complaints/{c.number}/events").content.decode()
    for clear in IN_CLEAR:
        assert clear not in page and clear not in events, clear
    assert "139****5678" in page and "139****5678" in events


def test_a_files_hash_is_not_masked() -> None:
    digest = "ede4e917cf678f87ae1d5e79dc84c7f63ff1234567890128714a7dc9b9b10671e0c4"
    masked = mask_payload({"sha256": digest, "description": "卡号6222021234567890128"})
    assert masked["sha256"] == digest
    assert "6222021234567890128" not in masked["description"]



@pytest.mark.parametrize(("content", "fragment"), [
    ("X" * 63 + " mail zhang.wei.1985@qq.com 其余内容", "zhang.wei"),  # cut at 80: "zhang.wei.1"
    ("X" * 70 + " call 13912345678 其余内容", "1391"),  # cut at 80: "1391"
])
def test_an_identifier_across_the_summarys_cut_is_masked_in_lists(
        cast: Any, register: Any, content: str, fragment: str) -> None:
    c = register(content=content)
    mia = cast.client("mia")
    for page in (mia.get("/").content.decode(), mia.get("/home/").content.decode()):
        assert c.number in page
        assert fragment not in page
    assert fragment not in mia.get("/api/v1/complaints").json()["results"][0]["summary"]


def test_an_evidence_files_name_is_masked_on_the_page(cast: Any, register: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = register()
    upload = SimpleUploadedFile("身份证110101199003077578_13912345678.txt", "收据".encode())
    response = cast.client("alice").post(f"/complaints/{c.number}/actions/add_evidence/",
                                         {"add_evidence-version": "1",
                                          "add_evidence-content_base64": upload})
    assert response.status_code == 302
    page = cast.client("alice").get(f"/complaints/{c.number}/").content.decode()
    assert "139****5678" in page
    assert "110101199003077578" not in page and "13912345678" not in page

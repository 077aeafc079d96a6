"""Letters, QA pass 3 (M4): sending a letter again is a resend, never a 500. By SMS or email a
resend is refused (409) only while the same letter is still in the outbox; by post, call or hand
the same proof is the same letter (409) and a new proof a resend."""

import json
from typing import Any

import pytest

from complaints.tests.helpers import act, investigating
from intake import letters
from intake.models import Letter
from notify.models import Notification
from notify.outbox import deliver_due

pytestmark = pytest.mark.django_db
NOTICE = {"decision": "partially_upheld", "verification": "调取了通话录音并核对了账单流水。",
          "basis": "《信用卡章程》第十条及领用合约第五条。",
          "reasons": "年费系在客户未确认的情况下收取。"}


def _responded(cast: Any, register: Any) -> Any:
    c = act(cast, "alice", investigating(cast, register(), "alice"), "respond", **NOTICE)
    deliver_due()  # the acknowledgement and the decision notice the lifecycle sent
    letters.record_letter_proofs()
    c.refresh_from_db()
    return c


def test_an_sms_letter_sent_again_is_refused_while_queued_then_resent(
        register: Any, cast: Any, templates: None) -> None:
    c = _responded(cast, register)
    client = cast.client("alice")
    url = f"/intake/complaints/{c.number}/letter/"
    form = {"kind": "decision_notice", "channel": "sms", "proof": "", "version": c.version}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)  # a double click: the first is still in the outbox
    assert again.status_code == 409
    assert "正在投递" in again.content.decode() and "being delivered" in again.content.decode()
    staff_letters = Letter.objects.filter(complaint=c, created_by="staff:alice")
    assert staff_letters.count() == 1
    assert deliver_due() == 1 and letters.record_letter_proofs() == 1
    # The customer says the SMS never arrived: the same form again is a resend.
    assert client.post(url, form).status_code == 302
    first, resent = staff_letters.order_by("pk")
    assert resent.dedupe_key != first.dedupe_key
    assert Notification.objects.filter(dedupe_key=resent.dedupe_key, channel="sms").exists()
    assert deliver_due() == 1 and letters.record_letter_proofs() == 1
    event = c.events.filter(type="letter_sent").latest("seq")
    assert (event.payload["letter_id"], event.payload["resend_of"]) == (resent.pk, first.pk)


def test_the_api_answers_a_queued_duplicate_with_409(register: Any, cast: Any,
                                                     templates: None) -> None:
    c = _responded(cast, register)
    client = cast.client("alice")
    url = f"/api/v1/complaints/{c.number}/letters"
    body = json.dumps({"version": c.version, "kind": "decision_notice", "channel": "sms"})
    assert client.post(url, data=body, content_type="application/json").status_code == 201
    again = client.post(url, data=body, content_type="application/json")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "channel"


def test_a_posted_letter_is_recorded_once_per_proof(register: Any, cast: Any,
                                                    templates: None) -> None:
    c = _responded(cast, register)
    client = cast.client("alice")
    url = f"/intake/complaints/{c.number}/letter/"
    form = {"kind": "decision_notice", "channel": "post", "proof": "EMS 1234567890CN"}
    assert client.post(url, {**form, "version": c.version}).status_code == 302
    c.refresh_from_db()  # the page opened again, so the version is current
    again = client.post(url, {**form, "version": c.version})
    assert again.status_code == 409
    assert "already recorded" in again.content.decode()
    posted = c.events.filter(type="letter_sent", payload__channel="post")
    assert posted.count() == 1
    resend = client.post(url, {**form, "proof": "EMS 9999999999CN", "version": c.version})
    assert resend.status_code == 302
    first, second = Letter.objects.filter(complaint=c, channel="post").order_by("pk")
    assert posted.count() == 2
    assert posted.latest("seq").payload["resend_of"] == first.pk != second.pk


def test_the_letters_sent_are_listed_page_by_page(register: Any, cast: Any, templates: None,
                                                  monkeypatch: Any) -> None:
    from intake import views

    monkeypatch.setattr(views, "LETTERS_PER_PAGE", 2)
    c = _responded(cast, register)
    client = cast.client("alice")
    url = f"/intake/complaints/{c.number}/letter/"
    for proof in ("EMS 1000000001CN", "EMS 1000000002CN", "EMS 1000000003CN"):
        c.refresh_from_db()
        sent = client.post(url, {"kind": "decision_notice", "channel": "post", "proof": proof,
                                 "version": c.version})
        assert sent.status_code == 302
    pages = -(-Letter.objects.filter(complaint=c).count() // 2)
    first = client.get(url).content.decode()
    assert "EMS 1000000003CN" in first and "EMS 1000000001CN" not in first  # newest first
    assert 'id="letter-pages"' in first and f"Page 1 of {pages}" in first
    shown = [client.get(url, {"page": n}).content.decode() for n in range(1, pages + 1)]
    for proof in ("EMS 1000000001CN", "EMS 1000000002CN", "EMS 1000000003CN"):
        assert sum(proof in page for page in shown) == 1

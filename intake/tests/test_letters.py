"""Letters from editable bilingual templates, each kept as sent with its proof on the timeline."""

import json
from typing import Any

import pytest

from complaints.errors import ActionError
from complaints.tests.helpers import act, investigating
from conftest import admin_client
from intake import letters
from intake.models import Letter, LetterTemplate
from notify.models import Notification
from notify.outbox import deliver_due

pytestmark = pytest.mark.django_db
NOTICE = {"decision": "partially_upheld", "verification": "调取了通话录音并核对了账单流水。",
          "basis": "《信用卡章程》第十条及领用合约第五条。",
          "reasons": "年费系在客户未确认的情况下收取。"}


def responded(cast: Any, c: Any) -> Any:
    return act(cast, "alice", investigating(cast, c, "alice"), "respond", **NOTICE)


def test_the_acknowledgement_comes_from_the_template_in_the_customers_language(
        register: Any, templates: None) -> None:
    zh = register()
    en = register(customer={"name": "Jane Doe", "email": "jane@example.com", "language": "en"})
    zh_letter, en_letter = Letter.objects.get(complaint=zh), Letter.objects.get(complaint=en)
    assert zh_letter.language == "zh-Hans" and "处理决定" in zh_letter.body
    assert zh_letter.body.startswith("【Tousu银行】张三：") and zh.number in zh_letter.body
    assert en_letter.language == "en" and en_letter.body.startswith("Tousu Bank: Dear Jane Doe")
    assert en_letter.subject == f"Complaint {en.number} received"
    sent = Notification.objects.get(complaint=en)
    assert (sent.body, sent.subject) == (en_letter.body, en_letter.subject)
    assert zh_letter.template and zh_letter.template_version == 1


def test_the_cn_decision_notice_states_verification_basis_reasons_and_remedies(
        register: Any, cast: Any, templates: None) -> None:
    c = responded(cast, register())
    letter = Letter.objects.get(complaint=c, kind="decision_notice")
    for part in ("核实情况：调取了通话录音", "处理依据：《信用卡章程》", "处理理由：年费系",
                 "部分支持", "30日内", "申请核查", "调解", "仲裁", "人民法院提起诉讼"):
        assert part in letter.body, part
    assert Notification.objects.get(dedupe_key=letter.dedupe_key).body == letter.body


def test_the_uk_final_response_carries_the_ombudsman_wording(register: Any, cast: Any,
                                                            settings: Any,
                                                            templates: None) -> None:
    c = responded(cast, register(customer={"name": "Jane Doe", "email": "jane@example.com",
                                           "language": "en"}))
    settings.TOUSU_RULE_PACK = "uk-fca"
    subject, body, template = letters.preview(c, "decision_notice")
    assert template is not None and template.pack == "uk-fca"
    assert subject == f"Final response to complaint {c.number}"
    assert "Financial Ombudsman Service" in body and "within six months of the date of this " \
        "letter" in body and "www.financial-ombudsman.org.uk" in body and "leaflet" in body


def test_pause_extension_and_review_decision_notices_are_sent_from_templates(
        register: Any, cast: Any, templates: None) -> None:
    c = act(cast, "alice", register(), "accept")
    c = act(cast, "alice", c, "pause", reason="appraisal", detail="委托司法鉴定")
    c = act(cast, "alice", c, "resume")
    c = act(cast, "mia", c, "extend", total_days=30, reason="案情复杂", approver="max")
    c = act(cast, "mia", c, "assign", unit="BJ01", handler="alice")
    c = act(cast, "alice", c, "claim")
    c = act(cast, "alice", c, "respond", **NOTICE)
    c = act(cast, "agent", c, "request_review", reason="对结果不满意")
    act(cast, "max", c, "decide_review", outcome="upheld", reasons="原决定事实清楚。")
    bodies = dict(Letter.objects.filter(complaint=c).values_list("kind", "body"))
    assert set(bodies) == {"acknowledgement", "pause_notice", "extension_notice",
                           "decision_notice", "review_decision"}
    assert "外部鉴定" in bodies["pause_notice"] and "不计入处理期限" in bodies["pause_notice"]
    assert "因案情复杂" in bodies["extension_notice"]
    review = bodies["review_decision"]
    assert "维持原决定" in review and "原决定事实清楚" in review


def test_a_delivered_letter_goes_on_the_timeline_once_with_its_proof(register: Any) -> None:
    c = register()
    assert letters.record_letter_proofs() == 0  # not delivered yet
    assert deliver_due() == 1
    assert letters.record_letter_proofs() == 1
    assert letters.record_letter_proofs() == 0
    event = c.events.get(type="letter_sent")
    letter = Letter.objects.get(complaint=c)
    assert event.payload["proof"] == letter.proof == Notification.objects.get().proof
    assert event.payload["proof"].startswith("console:") and event.actor_label == "system"
    assert event.payload["sha256"] == letter.sha256
    # Recorded in the background: the version a handler has open is still current.
    c.refresh_from_db()
    assert c.version == 1 and c.last_event_seq == event.seq


def test_the_in_process_runner_records_what_it_delivered_without_waiting_for_housekeeping(
        register: Any) -> None:
    """The embedded default's delivery thread puts each letter on the timeline as it delivers,
    instead of leaving a busy minute's events to one burst of the housekeeping job."""
    from notify import runner

    c = register()
    assert not c.events.filter(type="letter_sent").exists()
    runner.drain()
    assert Notification.objects.get().status == "sent"
    assert c.events.filter(type="letter_sent").count() == 1
    assert Letter.objects.get(complaint=c).recorded_at is not None
    runner.drain()  # nothing left: nothing recorded twice
    assert c.events.filter(type="letter_sent").count() == 1


def test_a_wake_that_delivered_nothing_does_not_look_for_letters(register: Any,
                                                                monkeypatch: Any) -> None:
    from notify import runner

    calls: list[int] = []
    monkeypatch.setattr(runner, "proof_hook", lambda: calls.append(1) or 0)
    runner.drain()
    assert calls == []
    register()
    runner.drain()
    assert calls == [1]


def test_housekeeping_records_a_backlog_larger_than_one_batch(register: Any,
                                                             monkeypatch: Any) -> None:
    from intake import tasks

    real = letters.record_letter_proofs
    monkeypatch.setattr(letters, "record_letter_proofs", lambda: real(limit=2))
    complaints = [register() for _ in range(5)]
    assert deliver_due() == 5
    assert tasks.housekeeping() == 5
    assert all(c.events.filter(type="letter_sent").count() == 1 for c in complaints)
    monkeypatch.setattr(tasks, "HOUSEKEEPING_BUDGET_S", 0.0)  # out of time: one batch, no more
    more = [register() for _ in range(3)]
    assert deliver_due() == 3
    assert tasks.housekeeping() == 2 and tasks.housekeeping() == 1
    assert sum(c.events.filter(type="letter_sent").count() for c in more) == 3


def test_a_letter_that_could_not_be_delivered_is_on_the_timeline_as_failed(register: Any) -> None:
    c = register()
    Notification.objects.update(status="failed", last_error="gateway down")
    assert letters.record_letter_proofs() == 1
    assert c.events.get(type="letter_failed").payload["error"] == "gateway down"


def test_a_posted_letter_is_recorded_with_its_post_reference(register: Any, cast: Any,
                                                             templates: None) -> None:
    c = responded(cast, register())
    url = f"/api/v1/complaints/{c.number}/letters"
    missing = cast.client("alice").post(url, data=json.dumps(
        {"version": c.version, "kind": "decision_notice", "channel": "post"}),
        content_type="application/json")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "proof"
    response = cast.client("alice").post(url, data=json.dumps(
        {"version": c.version, "kind": "decision_notice", "channel": "post",
         "proof": "EMS 1234567890CN"}), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["on_timeline"] and "核实情况" in response.json()["body"]
    event = c.events.get(type="letter_sent")
    assert (event.payload["channel"], event.payload["proof"]) == ("post", "EMS 1234567890CN")
    assert event.actor_label == "staff:alice"
    listed = cast.client("alice").get(url).json()
    assert [x["channel"] for x in listed] == ["sms", "sms", "post"]


def test_outsiders_may_not_send_letters(register: Any, cast: Any, templates: None) -> None:
    c = register()
    body = json.dumps({"version": c.version, "kind": "acknowledgement", "channel": "post",
                       "proof": "EMS1"})
    url = f"/api/v1/complaints/{c.number}/letters"
    assert cast.client("bob").post(url, data=body, content_type="application/json"
                                   ).status_code == 404
    assert cast.client("audrey").post(url, data=body, content_type="application/json"
                                      ).status_code == 403
    assert cast.client("bob").get(f"/intake/complaints/{c.number}/letter/").status_code == 404
    assert cast.client("bob").get(url).status_code == 404
    assert not c.events.filter(type="letter_sent").exists()


def test_the_letter_page_previews_and_records_a_letter(register: Any, cast: Any,
                                                       templates: None) -> None:
    c = register()
    client = cast.client("alice")
    page = client.get(f"/intake/complaints/{c.number}/letter/?kind=acknowledgement")
    assert page.status_code == 200 and c.number in page.content.decode()
    # the preview masks the customer's name, as every page does (the letter is sent in full)
    assert c.customer.name not in page.content.decode() and "张*" in page.content.decode()
    response = client.post(f"/intake/complaints/{c.number}/letter/", {
        "kind": "acknowledgement", "channel": "in_person", "proof": "客户签收单 No.88",
        "version": c.version})
    assert response.status_code == 302
    assert c.events.get(type="letter_sent").payload["proof"] == "客户签收单 No.88"


def test_an_edited_template_is_used_next_and_its_version_kept(register: Any, cast: Any,
                                                              templates: None) -> None:
    row = LetterTemplate.objects.get(kind="acknowledgement", language="zh-Hans", pack="")
    client = admin_client()
    response = client.post(f"/admin/intake/lettertemplate/{row.pk}/change/", {
        "kind": "acknowledgement", "language": "zh-Hans", "pack": "",
        "subject": "回执 {{ number }}", "body": "{{ customer_name }}您好，编号{{ number }}，"
                                                "{{ due_date }}前答复。"})
    assert response.status_code == 302, response.content.decode()[:3000]
    c = register()
    letter = Letter.objects.get(complaint=c)
    assert letter.body.startswith("【Tousu银行】张三您好，编号") and letter.template_version == 2
    broken = client.post(f"/admin/intake/lettertemplate/{row.pk}/change/", {
        "kind": "acknowledgement", "language": "zh-Hans", "pack": "",
        "subject": "x", "body": "{% if %}"})
    assert broken.status_code == 200 and "Template syntax error" in broken.content.decode()


def test_a_broken_template_falls_back_to_the_built_in_wording(register: Any,
                                                              templates: None) -> None:
    LetterTemplate.objects.filter(kind="acknowledgement", language="zh-Hans", pack="").update(
        body="{% if %}")
    c = register()
    letter = Letter.objects.get(complaint=c)
    assert letter.template is None and "您的投诉已登记" in letter.body


NO_DECISION = "尚未作出处理决定"


def test_no_decision_notice_goes_out_before_there_is_a_decision(register: Any, cast: Any,
                                                                templates: None) -> None:
    c = investigating(cast, register(), "alice")
    client = cast.client("alice")
    url = f"/intake/complaints/{c.number}/letter/"
    page = client.get(url, {"kind": "decision_notice"})
    assert page.status_code == 200
    assert NO_DECISION in page.content.decode() and "No decision has been recorded" in \
        page.content.decode()
    refused = client.post(url, {"kind": "decision_notice", "channel": "sms",
                                "version": c.version})
    assert refused.status_code == 200
    assert NO_DECISION in refused.context["form"].errors["kind"][0]
    api = cast.client("alice").post(f"/api/v1/complaints/{c.number}/letters", data=json.dumps(
        {"version": c.version, "kind": "decision_notice", "channel": "post", "proof": "EMS1"}),
        content_type="application/json")
    assert api.status_code == 422
    error = api.json()["errors"][0]
    assert error["field"] == "kind" and " / " in error["message"] and NO_DECISION in \
        error["message"]
    assert not Letter.objects.filter(complaint=c, kind="decision_notice").exists()
    assert not Notification.objects.filter(complaint=c, kind="decision_notice").exists()
    assert not c.events.filter(type="letter_sent").exists()


def test_a_proposal_awaiting_approval_is_no_decision_to_tell(register: Any, cast: Any,
                                                             templates: None) -> None:
    c = investigating(cast, register(), "alice")
    c = act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="refund",
            amount="80000.00")
    assert c.state == "awaiting_approval"
    with pytest.raises(ActionError) as refused:
        letters.send_letter(cast.principal("alice"), c.number, kind="decision_notice",
                            channel="sms", version=c.version)
    assert refused.value.errors[0][0] == "kind"
    assert not Letter.objects.filter(complaint=c, kind="decision_notice").exists()


def test_no_review_decision_notice_goes_out_before_the_review_is_decided(
        register: Any, cast: Any, templates: None) -> None:
    c = responded(cast, register())
    c = act(cast, "agent", c, "request_review", reason="对结果不满意")
    with pytest.raises(ActionError) as refused:
        letters.preview(c, "review_decision")
    assert refused.value.errors[0][0] == "kind" and "尚未作出复核决定" in refused.value.detail
    # the decision notice of the decision under review may still be sent again
    _, body, _ = letters.preview(c, "decision_notice")
    assert "核实情况：调取了通话录音" in body
    c = act(cast, "max", c, "decide_review", outcome="upheld", reasons="原决定事实清楚。")
    assert "原决定事实清楚" in letters.preview(c, "review_decision")[1]


def test_refusals_of_letters_and_evidence_speak_both_languages(register: Any, cast: Any,
                                                               settings: Any,
                                                               templates: None) -> None:
    from intake.actions import check_evidence

    c = register()
    stale = cast.client("alice").post(f"/api/v1/complaints/{c.number}/letters", data=json.dumps(
        {"version": c.version + 5, "kind": "acknowledgement", "channel": "post", "proof": "EMS1"}),
        content_type="application/json")
    assert stale.status_code == 409
    message = stale.json()["errors"][0]["message"]
    assert message.startswith("投诉已被他人修改") and "/ stale: you sent 6, current is 1" in message
    settings.TOUSU_MAX_ATTACHMENT_BYTES = 10 * 1048576
    with pytest.raises(ActionError) as refused:
        check_evidence("big.pdf", b"%PDF-1.4" + b"x" * (10 * 1048576))
    assert refused.value.errors == [
        ("evidence", "big.pdf: 文件须为 1 字节至 10 MB / must be 1 byte to 10 MB")]


@pytest.mark.parametrize(("kind", "refusal"), [("extension_notice", "处理期限未曾延长"),
                                                ("pause_notice", "处理期限未曾中止")])
def test_no_extension_or_pause_notice_without_an_extension_or_pause(
        register: Any, cast: Any, templates: None, kind: str, refusal: str) -> None:
    c = investigating(cast, register(), "alice")
    with pytest.raises(ActionError) as refused:
        letters.preview(c, kind)
    assert refused.value.errors[0][0] == "kind" and refusal in refused.value.detail
    assert " / " in refused.value.detail
    with pytest.raises(ActionError):
        letters.send_letter(cast.principal("alice"), c.number, kind=kind, channel="sms",
                            version=c.version)
    assert not Letter.objects.filter(complaint=c, kind=kind).exists()
    if kind == "extension_notice":
        c = act(cast, "mia", c, "extend", total_days=30, reason="案情复杂", approver="max")
        assert "因案情复杂" in letters.preview(c, kind)[1]
    else:
        c = act(cast, "alice", c, "pause", reason="appraisal", detail="委托司法鉴定")
        assert "外部鉴定" in letters.preview(c, kind)[1]
        c = act(cast, "alice", c, "resume")
        assert "外部鉴定" in letters.preview(c, kind)[1]  # a pause that has ended is still told


def test_a_decision_notice_names_the_currency_with_the_sum(cast: Any, register: Any,
                                                            templates: None) -> None:
    from intake.letters import context_for

    c = investigating(cast, register(customer={"name": "Jane Doe", "phone": "13700000005",
                                               "language": "en"}), "alice")
    act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="refund", amount="87.00")
    c.refresh_from_db()
    assert context_for(c, "decision_notice")["amount"] == "CNY 87.00"
    _subject, body, _template = letters.preview(c, "decision_notice")
    assert "Refund (CNY 87.00)" in body
    c.customer.language = "zh-Hans"
    assert context_for(c, "decision_notice")["amount"] == "87.00"  # "人民币87.00元" in the template


@pytest.mark.parametrize("reason, clause", [
    ("mediation", "is paused while the complaint is in mediation;"),
    ("appraisal", "is paused while an external appraisal or test is carried out;"),
    ("correction", "is paused while we wait for the correction or the material we asked you for;"),
])
def test_the_english_pause_letter_reads_as_a_sentence(
        register: Any, cast: Any, templates: None, reason: str, clause: str) -> None:
    c = register(customer={"name": "Jane Doe", "email": "jane@example.com", "language": "en"})
    act(cast, "alice", act(cast, "alice", c, "accept"), "pause", reason=reason, detail="awaiting")
    body = Letter.objects.get(complaint=c, kind="pause_notice").body
    assert clause in body and "takes place" not in body


def test_the_old_english_pause_wording_is_replaced_unless_the_bank_edited_it(
        templates: None) -> None:
    import importlib

    from django.apps import apps

    from intake.defaults import PAUSE_EN

    migration = importlib.import_module("intake.migrations.0003_pause_notice_wording")
    row = LetterTemplate.objects.get(kind="pause_notice", language="en", pack="")
    row.body = migration.OLD
    row.save()
    edited = LetterTemplate.objects.create(kind="pause_notice", language="en", pack="uk-fca",
                                           subject="s", body="Our own words {{ number }}")
    migration.reword(apps, None)
    row.refresh_from_db()
    edited.refresh_from_db()
    assert row.body == PAUSE_EN and row.version == 2
    assert edited.body == "Our own words {{ number }}" and edited.version == 1


@pytest.mark.parametrize("language, parts", [
    ("zh-Hans", ["变更原决定", "变更后的处理决定：支持", "处理措施：退款", "人民币120.00元",
                 "理由：应予全额退还。"]),
    ("en", ["Decision changed", "Our decision is now: Upheld", "what we will do: Refund",
            "(CNY 120.00)", "Reasons: 应予全额退还。"]),
])
def test_a_changed_review_decision_states_the_new_decision_remedy_and_amount(
        register: Any, cast: Any, templates: None, language: str, parts: list[str]) -> None:
    c = responded(cast, register(customer={"name": "Jane Doe", "phone": "13700000006",
                                           "language": language}))
    c = act(cast, "agent", c, "request_review", reason="对结果不满意")
    act(cast, "max", c, "decide_review", outcome="changed", reasons="应予全额退还。",
        decision="upheld", remedy="refund", amount="120.00")
    body = Letter.objects.get(complaint=c, kind="review_decision").body
    for part in parts:
        assert part in body, part


def test_the_customer_is_told_the_review_request_arrived_and_by_when_it_is_decided(
        register: Any, cast: Any, templates: None) -> None:
    from django.utils import timezone

    c = act(cast, "agent", responded(cast, register()), "request_review", reason="对结果不满意")
    due = timezone.localtime(c.deadlines.get(obligation="review_decision").due_at)
    sent = Notification.objects.get(complaint=c, kind="review_received")
    assert "已收到您对投诉" in sent.body and f"{due:%Y年%m月%d日}前作出复核决定" in sent.body
    assert sent.subject.startswith("投诉复核申请收到告知") or sent.channel == "sms"


def test_the_old_review_wording_is_replaced_unless_the_bank_edited_it(templates: None) -> None:
    import importlib

    from django.apps import apps

    from intake.defaults import REVIEW_EN, REVIEW_ZH

    migration = importlib.import_module("intake.migrations.0005_review_decision_wording")
    zh = LetterTemplate.objects.get(kind="review_decision", language="zh-Hans", pack="")
    en = LetterTemplate.objects.get(kind="review_decision", language="en", pack="")
    zh.body = migration.OLD["zh-Hans"]
    zh.save()
    en.body = "Our own words {{ number }}"
    en.save()
    migration.reword(apps, None)
    zh.refresh_from_db()
    en.refresh_from_db()
    assert zh.body == REVIEW_ZH and zh.version == 2
    assert en.body == "Our own words {{ number }}" and REVIEW_EN not in en.body


def test_a_decision_sent_by_post_starts_the_review_window_when_it_arrives(
        register: Any, cast: Any, templates: None, settings: Any) -> None:
    import datetime as dt

    settings.TOUSU_POST_DELIVERY_DAYS = 3
    c = responded(cast, register())
    window = c.deadlines.get(obligation="review_request_window")
    before = window.due_at
    letter = letters.send_letter(cast.principal("alice"), c.number, kind="decision_notice",
                                 channel="post", version=c.version, proof="EMS1234567890")
    window.refresh_from_db()
    assert window.started_at == letter.sent_at + dt.timedelta(days=3)  # Art. 20: from receipt
    assert window.due_at >= before + dt.timedelta(days=3)
    later = window.due_at
    c.refresh_from_db()
    letters.send_letter(cast.principal("alice"), c.number, kind="decision_notice",
                        channel="in_person", version=c.version, proof="客户签收单")
    window.refresh_from_db()
    assert window.due_at == later  # a window never runs from an earlier receipt than it does

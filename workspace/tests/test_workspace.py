"""Complaint page actions, the audited reveal, search, home counts and bulk assign."""

import json
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_the_page_offers_forms_for_exactly_the_allowed_actions(cast: Any, register: Any) -> None:
    c = register()
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    assert 'data-action="accept"' in page and 'data-action="decline"' in page
    assert 'data-action="claim"' not in page
    auditor = cast.client("audrey").get(f"/complaints/{c.number}/").content.decode()
    assert "data-action=" not in auditor


def test_a_major_complaint_offers_a_proposal_not_a_direct_answer(cast: Any,
                                                                  register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register()
    for who, action, params in (
            ("mia", "accept", {}), ("mia", "assign", {"unit": "BJ01", "handler": "alice"}),
            ("alice", "claim", {}), ("alice", "escalate", {"severity": "major", "reason": "媒体"})):
        c = run_action(cast.principal(who), c.number, action,
                       ACTION_SCHEMAS[action].model_validate({"version": c.version, **params}))
    page = cast.client("alice").get(f"/complaints/{c.number}/").content.decode()
    assert 'data-action="propose_resolution"' in page and 'data-action="respond"' not in page


def test_an_action_runs_and_a_stale_version_is_a_409(cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("mia")
    url = f"/complaints/{c.number}/actions/accept/"
    assert client.post(url, {"accept-version": "1"}).status_code == 302
    c.refresh_from_db()
    assert c.state == "accepted" and c.version == 2
    stale = client.post(f"/complaints/{c.number}/actions/note/",
                        {"note-version": "1", "note-text": "late"})
    assert stale.status_code == 409 and 'id="stale"' in stale.content.decode()
    # What was typed comes back at the current version: submitting the page again works.
    page = stale.content.decode()
    assert re.search(r'name="note-version" value="2"', page)
    assert re.search(r"note-text[^>]*>\s*late</textarea>", page)
    again = client.post(f"/complaints/{c.number}/actions/note/",
                        {"note-version": "2", "note-text": "late"})
    assert again.status_code == 302 and c.events.filter(type="note").count() == 1


def test_field_errors_come_back_under_the_field(cast: Any, register: Any) -> None:
    c = register()
    response = cast.client("mia").post(f"/complaints/{c.number}/actions/decline/",
                                       {"decline-version": "1", "decline-reason": "no_standing",
                                        "decline-detail": ""})
    assert response.status_code == 422
    assert 'id="id_decline-detail_error"' in response.content.decode()


def test_reveal_shows_the_full_details_and_is_on_the_timeline(cast: Any, register: Any) -> None:
    c = register()
    response = cast.client("alice").post(f"/complaints/{c.number}/reveal/",
                                         {"purpose": "call back"})
    assert "13812345678" in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    event = c.events.order_by("-seq").first()
    assert event.type == "reveal_customer" and event.actor_label == "staff:alice"
    assert cast.client("audrey").post(f"/complaints/{c.number}/reveal/").status_code == 403
    assert cast.client("bob").post(f"/complaints/{c.number}/reveal/").status_code == 404


def test_evidence_uploads_through_the_form(cast: Any, register: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = register()
    upload = SimpleUploadedFile("receipt.txt", "收据 receipt".encode())
    response = cast.client("alice").post(f"/complaints/{c.number}/actions/add_evidence/",
                                         {"add_evidence-version": "1",
                                          "add_evidence-content_base64": upload})
    assert response.status_code == 302
    attachment = c.attachments.get()
    page = cast.client("alice").get(f"/complaints/{c.number}/").content.decode()
    assert "receipt.txt" in page
    assert cast.client("alice").get(
        f"/complaints/{c.number}/evidence/{attachment.pk}/").status_code == 200
    assert cast.client("bob").get(
        f"/complaints/{c.number}/evidence/{attachment.pk}/").status_code == 404


def test_a_downloaded_evidence_file_is_on_the_audit_page(cast: Any, register: Any) -> None:
    from complaints.models import Attachment
    from privacy.models import AccessLog

    c = register()
    attachment = Attachment.objects.create(complaint=c, name="身份证复印件.pdf", size=3,
                                           content_type="application/pdf", sha256="0" * 64,
                                           uploaded_by="staff:alice", uploaded_at=timezone.now())
    attachment.file.save("id.pdf", ContentFile(b"%PDF"), save=True)
    url = f"/complaints/{c.number}/evidence/{attachment.pk}/"
    assert cast.client("alice").get(url).status_code == 200
    assert cast.client("bob").get(url).status_code == 404  # refused: nothing left, nothing logged
    row = AccessLog.objects.get()
    assert (row.kind, row.actor_label, row.detail["complaints"]) == (
        "evidence_download", "staff:alice", [c.number])
    page = cast.client("audrey").get("/audit/").content.decode()
    assert "身份证复印件.pdf" in page and "staff:alice" in page


def test_search_finds_chinese_and_english_content(cast: Any, register: Any) -> None:
    hit = register(content="理财产品到期未兑付 wealth product unpaid")
    miss = register(content="柜台排队时间太长")
    client = cast.client("mia")
    for q in ["到期未兑付", "wealth", "兑付"]:
        page = client.get("/", {"q": q}).content.decode()
        assert hit.number in page and miss.number not in page, q


def test_home_counts_the_unit_queue_and_bulk_assign_uses_the_action(cast: Any,
                                                                     register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register()
    run_action(cast.principal("mia"), c.number, "accept",
               ACTION_SCHEMAS["accept"].model_validate({"version": 1}))
    client = cast.client("mia")
    assert 'data-count="queue">1<' in client.get("/home/").content.decode()
    client.post("/bulk-assign/", {"numbers": [c.number], "unit": "BJ01", "handler": "alice"})
    c.refresh_from_db()
    assert c.state == "assigned" and c.handler == cast.users["alice"]
    assert 'data-count="mine">1<' in cast.client("alice").get("/home/").content.decode()


def test_the_dashboard_renders_its_data(cast: Any, register: Any) -> None:
    register()
    page = cast.client("cpo").get("/dashboard/").content.decode()
    assert 'id="dashboard-data"' in page and "echarts.min.js" in page
    # Deadlines by status and categories by name, in the page's language, not as stored codes.
    found = re.search(r'id="dashboard-data" type="application/json">(.*?)</script>', page)
    data = json.loads(found.group(1)) if found else {}
    assert [label for label, _n in data["compliance"]] == ["进行中"]
    assert data["category"] and all(" " in label or label == "未分类"
                                    for label, _n in data["category"])


@pytest.mark.parametrize("purpose", [None, "", "   "])
def test_a_reveal_without_a_purpose_reveals_nothing_and_is_not_audited(
        cast: Any, register: Any, purpose: str | None) -> None:
    c = register()
    data = {} if purpose is None else {"purpose": purpose}
    client = cast.client("alice")
    response = client.post(f"/complaints/{c.number}/reveal/", data,
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert response.status_code == 422
    assert "13812345678" not in page and "张三" not in page and "请说明查看目的" in page
    en = client.post(f"/complaints/{c.number}/reveal/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert "Give the purpose of the reveal" in en.content.decode()
    htmx = client.post(f"/complaints/{c.number}/reveal/", data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and 'id="purpose-error"' in htmx.content.decode()
    assert not c.events.filter(type="reveal_customer").exists()


def test_identifiers_in_the_content_are_masked_on_the_page_and_shown_by_the_reveal(
        cast: Any, register: Any) -> None:
    c = register(content="卡号 6222021234567890123 电话 13912345678", claim="退款到 13912345678")
    client = cast.client("alice")
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert "6222021234567890123" not in page and "13912345678" not in page
    assert "0123" in page and "139****5678" in page
    revealed = client.post(f"/complaints/{c.number}/reveal/",
                           {"purpose": "call back"}).content.decode()
    assert "6222021234567890123" in revealed and "13912345678" in revealed


def test_the_complaint_page_links_to_the_letters_for_those_who_may_write(
        cast: Any, register: Any) -> None:
    c = register()
    link = f'href="/intake/complaints/{c.number}/letter/"'
    assert link in cast.client("alice").get(f"/complaints/{c.number}/").content.decode()
    assert link not in cast.client("audrey").get(f"/complaints/{c.number}/").content.decode()


def test_the_menu_links_to_registration_for_roles_that_register(cast: Any) -> None:
    for name in ("agent", "alice", "mia", "cpo"):
        assert 'data-nav="register"' in cast.client(name).get("/home/").content.decode(), name
    for name in ("audrey", "root"):
        assert 'data-nav="register"' not in cast.client(name).get("/home/").content.decode()


def test_the_menu_links_to_held_messages_for_those_who_handle_them(cast: Any,
                                                                    settings: Any) -> None:
    settings.TOUSU_INTAKE_UNIT = "BJ01"  # the cast's agent is the intake unit's
    assert 'data-nav="held"' in cast.client("agent").get("/home/").content.decode()
    for name in ("alice", "audrey"):
        assert 'data-nav="held"' not in cast.client(name).get("/home/").content.decode(), name


def test_resume_is_offered_only_while_the_clock_is_paused(cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action
    from complaints.choices import PauseReason

    c = register()
    run_action(cast.principal("mia"), c.number, "accept",
               ACTION_SCHEMAS["accept"].model_validate({"version": 1}))
    client = cast.client("mia")
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert 'data-action="pause"' in page and 'data-action="resume"' not in page
    run_action(cast.principal("mia"), c.number, "pause", ACTION_SCHEMAS["pause"].model_validate(
        {"version": 2, "reason": PauseReason.CORRECTION.value, "detail": "等待客户补充材料"}))
    assert 'data-action="resume"' in client.get(f"/complaints/{c.number}/").content.decode()


def test_a_review_is_offered_to_the_unit_above_only_and_a_refusal_is_shown(
        cast: Any, register: Any) -> None:
    from complaints.models import Complaint

    c = register()
    Complaint.objects.filter(pk=c.pk).update(state="reviewing")
    url = f"/complaints/{c.number}/"
    assert 'data-action="decide_review"' not in cast.client("mia").get(url).content.decode()
    assert 'data-action="decide_review"' in cast.client("max").get(url).content.decode()
    refused = cast.client("mia").post(f"{url}actions/decide_review/", {
        "decide_review-version": str(c.version), "decide_review-outcome": "upheld",
        "decide_review-reasons": "理由充分"})
    assert refused.status_code == 403
    assert 'id="action-error"' in refused.content.decode()
    assert "higher unit only" in refused.content.decode()


def test_a_conflict_other_than_a_stale_version_says_what_it_is(cast: Any,
                                                               register: Any) -> None:
    c = register()
    client = cast.client("mia")
    assert client.post(f"/complaints/{c.number}/actions/accept/",
                       {"accept-version": "1"}).status_code == 302
    again = client.post(f"/complaints/{c.number}/actions/accept/", {"accept-version": "2"})
    page = again.content.decode()
    assert again.status_code == 409
    assert 'id="stale"' not in page and 'id="action-error"' in page


def test_timeline_details_are_written_for_people(cast: Any, register: Any) -> None:
    from django.utils import translation

    from workspace.templatetags.workspace_tags import event_details

    c = register()
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    due = c.events.get(type="register").payload["decision_due"]
    assert "T" in due and due not in page  # stored as ISO UTC, shown in local time
    assert "处理决定期限" in page
    assert "tags: []" not in page and "标签" not in page  # empty: left out
    with translation.override("en"):
        shown = dict(event_details({
            "picked": False, "amount": None, "tags": [], "proof": "call to 13812345678",
            "reason": {"redacted_sha256": "ab" * 32}, "decision_due": "2026-12-03T15:59:59+00:00",
            "outcome": {"kind": "call", "ok": True}}))
    assert shown == {"Handler picked automatically": "no", "Proof": "call to 138****5678",
                     "Reason": "[redacted]",
                     "Decision due": "2026-12-03 23:59", "Outcome": "Kind: call; ok: yes"}


def test_approval_is_offered_only_to_those_who_may_give_it(cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action
    from complaints.selectors import allowed_actions

    c = register()
    proposal = {"decision": "upheld", "verification": "核对账单", "basis": "章程第十条",
                "reasons": "未经同意", "remedy": "compensation", "amount": "80000.00"}
    for who, action, params in (
            ("mia", "accept", {}), ("mia", "assign", {"unit": "BJ01", "handler": "alice"}),
            ("alice", "claim", {}), ("alice", "propose_resolution", proposal)):
        c = run_action(cast.principal(who), c.number, action,
                       ACTION_SCHEMAS[action].model_validate({"version": c.version, **params}))
    assert c.state == "awaiting_approval"
    # 80,000 is above BJ01's senior limit: its own manager may not approve, BJ's may
    mia = allowed_actions(cast.principal("mia"), c)
    assert "approve" not in mia and "respond" not in mia and "return" in mia
    assert "approve" in allowed_actions(cast.principal("max"), c)
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    assert 'data-action="approve"' not in page and 'data-action="return"' in page


def test_timeline_values_are_shown_by_their_labels(cast: Any, register: Any) -> None:
    from django.utils import translation

    from workspace.templatetags.workspace_tags import event_details

    with translation.override("zh-hans"):
        shown = dict(event_details({"severity": "normal", "channel": "web", "source": "direct",
                                    "acknowledged_by": "sms", "needs_approval": False,
                                    "sha256": "ab12" * 16}))
    assert shown["严重程度"] == "普通" and shown["渠道"] == "网银"
    assert shown["受理告知方式"] == "短信" and shown["需审批"] == "否"
    assert shown["SHA-256"] == "ab12" * 16


def test_the_dashboard_counts_the_banks_deadlines_not_the_customers_windows(
        cast: Any, register: Any) -> None:
    import datetime as dt

    from clocks.models import Deadline

    c = register()
    duties = c.deadlines.count()
    now = dt.datetime.now(dt.UTC)
    Deadline.objects.create(complaint=c, obligation="review_request_window", rule_pack="cn",
                            kind="window", started_at=now, due_at=now + dt.timedelta(days=30))
    page = cast.client("cpo").get("/dashboard/").content.decode()
    found = re.search(r'id="dashboard-data" type="application/json">(.*?)</script>', page)
    data = json.loads(found.group(1)) if found else {}
    assert sum(n for _label, n in data["compliance"]) == duties


def test_pause_and_extend_are_offered_only_while_a_duty_clock_runs(cast: Any,
                                                                     register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register()
    for who, action, params in (
            ("mia", "accept", {}), ("mia", "assign", {"unit": "BJ01", "handler": "alice"}),
            ("alice", "claim", {})):
        c = run_action(cast.principal(who), c.number, action,
                       ACTION_SCHEMAS[action].model_validate({"version": c.version, **params}))
    client = cast.client("max")

    def offered() -> str:
        return client.get(f"/complaints/{c.number}/").content.decode()

    assert 'data-action="pause"' in offered() and 'data-action="resume"' not in offered()
    c = run_action(cast.principal("alice"), c.number, "pause", ACTION_SCHEMAS["pause"]
                   .model_validate({"version": c.version, "reason": "mediation",
                                    "detail": "双方调解中"}))
    page = offered()
    assert 'data-action="pause"' not in page and 'data-action="resume"' in page
    assert 'data-action="extend"' in page  # a paused clock may still be extended
    c.deadlines.update(status="breached", paused_since=None)
    page = offered()
    assert 'data-action="extend"' not in page and 'data-action="pause"' not in page


def test_the_major_board_shows_each_complaints_deadline_and_marks_a_breach(
        cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    ok, late = register(), register(customer={"name": "李四", "phone": "13900001111"})
    for c in (ok, late):
        run_action(cast.principal("mia"), c.number, "escalate", ACTION_SCHEMAS["escalate"]
                   .model_validate({"version": c.version, "severity": "major",
                                    "reason": "媒体曝光"}))
    late.deadlines.filter(kind="duty").update(status="breached")
    page = cast.client("max").get("/major/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "最近期限" in page
    rows = {n: page.split(n, 1)[1].split("</tr>", 1)[0] for n in (ok.number, late.number)}
    assert "已超时" in rows[late.number] and "已超时" not in rows[ok.number]
    assert "处理决定" in rows[ok.number]  # the deadline's name and its due time


def test_home_warns_when_next_years_official_holidays_are_missing(
        cast: Any, monkeypatch: Any) -> None:
    import datetime as dt

    from clocks.calendar import missing_schedule
    from workspace import boards

    assert missing_schedule("cn", dt.date(2099, 11, 15)) == 2099
    assert missing_schedule("cn", dt.date(2025, 6, 1)) is None  # the package has 2025
    assert missing_schedule("uk-eaw", dt.date(2099, 11, 15)) is None  # computed, never missing
    monkeypatch.setattr(boards, "missing_schedule", lambda calendar, today: 2099)
    page = cast.client("mia").get("/home/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="calendar-warning"' in page and "2099" in page
    monkeypatch.setattr(boards, "missing_schedule", lambda calendar, today: None)
    assert 'id="calendar-warning"' not in cast.client("mia").get("/home/").content.decode()

"""The workspace as its users drive it: confirmations, deadlines on every work list, errors the
page would otherwise hide, bulk assign feedback and the hotline's entry form sent again."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _run(cast: Any, who: str, c: Any, action: str, **params: Any) -> Any:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    return run_action(cast.principal(who), c.number, action,
                      ACTION_SCHEMAS[action].model_validate({"version": c.version, **params}))


def _alert(html: str) -> str:
    found = re.search(r'id="action-error">(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize("action", ["decline", "withdraw", "merge"])
def test_an_action_that_ends_the_complaint_asks_for_a_confirmation(cast: Any, register: Any,
                                                                   action: str) -> None:
    c = register()
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    assert f'name="{action}-confirm"' in page and f'id="id_{action}-confirm"' in page
    assert 'name="accept-confirm"' not in page  # only where there is no way back


def test_a_decline_without_the_confirmation_is_refused_and_keeps_what_was_typed(
        cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("mia")
    url = f"/complaints/{c.number}/actions/decline/"
    data = {"decline-version": "1", "decline-reason": "no_standing",
            "decline-detail": "客户咨询年费标准"}
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    page = refused.content.decode()
    assert refused.status_code == 422
    assert 'id="id_decline-confirm_error"' in page and "cannot be undone" in page
    assert "客户咨询年费标准" in page
    c.refresh_from_db()
    assert c.state == "registered"
    chinese = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "勾选" in chinese
    assert client.post(url, {**data, "decline-confirm": "on"}).status_code == 302
    c.refresh_from_db()
    assert c.state == "declined"


def _deadline(c: Any) -> Any:
    from clocks.models import Deadline

    return (Deadline.objects.filter(complaint=c, kind="duty", status="open")
            .order_by("due_at").first())


@pytest.mark.parametrize("url", ["/home/", "/?open=1", "/?open=1&handler=none"])
def test_the_work_lists_show_each_complaints_next_deadline(cast: Any, register: Any,
                                                           url: str) -> None:
    c = register()
    due = _deadline(c)
    assert due is not None
    page = cast.client("mia").get(url).content.decode()
    shown = f"{timezone.localtime(due.due_at):%Y-%m-%d %H:%M}"
    row = page[page.index(f">{c.number}</a>"):]
    row = row[:row.index("</tr>")]
    assert "data-due=" in row and shown in row


def test_a_paused_clock_is_shown_paused_not_due_soon(cast: Any, register: Any) -> None:
    c = _run(cast, "mia", register(), "accept")
    _run(cast, "mia", c, "pause", reason="appraisal", detail="送交外部鉴定")
    page = cast.client("mia").get("/").content.decode()
    row = page[page.index(f">{c.number}</a>"):]
    row = row[:row.index("</tr>")]
    assert 'data-due="paused"' in row


def test_the_deadlines_on_the_list_cost_one_query_however_many_rows(cast: Any,
                                                                     register: Any) -> None:
    register()
    client = cast.client("mia")
    client.get("/")  # the first request of a session reads what later ones find cached
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(8):
        register()
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_errors_of_a_form_no_longer_offered_are_shown_above_the_page(cast: Any,
                                                                     register: Any) -> None:
    c = _run(cast, "mia", register(), "accept")  # decline is no longer offered
    response = cast.client("agent").post(
        f"/complaints/{c.number}/actions/decline/",
        {"decline-version": str(c.version), "decline-reason": "no_standing",
         "decline-detail": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    alert = _alert(response.content.decode())
    assert response.status_code == 422
    assert "Decline is not open to you in this state" in alert
    assert "Details: " in alert and "at least 2 characters" in alert


def test_a_missing_version_is_named_not_silently_refused(cast: Any, register: Any) -> None:
    c = register()
    response = cast.client("agent").post(f"/complaints/{c.number}/actions/note/",
                                         {"note-text": "来电补充"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert _alert(response.content.decode()).startswith("Version: ")


def test_bulk_assign_with_nothing_selected_says_so_and_claims_no_success(cast: Any) -> None:
    response = cast.client("mia").post("/bulk-assign/", {"unit": "BJ01"}, follow=True,
                                       HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "none was selected" in page
    assert "complaints assigned" not in page


def test_the_entry_form_sent_again_with_other_details_gets_a_new_token(cast: Any) -> None:
    from complaints.models import Complaint

    agent = cast.client("agent")
    data = {"channel": "phone", "source": "direct", "name": "张三", "phone": "13812345678",
            "language": "zh-Hans", "unit": "BJ01", "content": "信用卡年费未经同意被扣收300元",
            "token": "first-form"}
    assert agent.post("/intake/new/", data).status_code == 302
    # The back button brings the sent form back; the agent types the next caller's complaint.
    other = {**data, "name": "李四", "content": "转账到账延迟三天"}
    again = agent.post("/intake/new/", other, HTTP_ACCEPT_LANGUAGE="en")
    page = again.content.decode()
    assert again.status_code == 200 and "already sent" in page and "转账到账延迟三天" in page
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None and token.group(1) != "first-form"
    assert agent.post("/intake/new/", {**other, "token": token.group(1)}).status_code == 302
    assert Complaint.objects.filter(content="转账到账延迟三天").count() == 1


def test_a_letter_sent_on_a_changed_complaint_says_so_and_can_be_sent_again(
        cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("mia")
    url = f"/intake/complaints/{c.number}/letter/"
    _run(cast, "mia", c, "accept")  # meanwhile, from another screen
    data = {"kind": "acknowledgement", "channel": "post", "proof": "EMS1234567", "version": "1"}
    stale = client.post(url, data)
    page = stale.content.decode()
    assert stale.status_code == 409
    assert re.search(r'class="alert error" role="alert">.*stale: you sent 1, current is 2', page)
    assert re.search(r'name="version" value="2"', page)
    sent = client.post(url, {**data, "version": "2"})
    assert sent.status_code == 302 and c.letters.filter(proof="EMS1234567").count() == 1


def _options(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, select_id
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_an_escalation_offers_only_a_severity_above_the_present_one(cast: Any,
                                                                    register: Any) -> None:
    c = register()
    assert c.severity == "normal"
    client = cast.client("mia")
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert _options(page, "id_escalate-severity") == ["complex", "major"]
    _run(cast, "mia", c, "escalate", severity="complex", reason="客户情绪激动")
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert _options(page, "id_escalate-severity") == ["major"]
    assert re.search(r'<option value="major" selected>', page)


def test_a_form_sent_twice_says_it_was_saved_once_not_that_someone_else_changed_it(
        cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("agent")
    url = f"/complaints/{c.number}/actions/contact/"
    data = {"contact-version": "1", "contact-kind": "call", "contact-summary": "客户来电补充情况",
            "contact-outbound": "on"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    page = again.content.decode()
    assert again.status_code == 409
    assert 'id="already"' in page and 'id="stale"' not in page and "sent this form twice" in page
    assert c.contacts.count() == 1
    # Someone else's change meanwhile is still told as such.
    c.refresh_from_db()
    c = _run(cast, "mia", c, "contact", kind="call", summary="经理回访")
    other = client.post(url, {**data, "contact-version": str(c.version - 1)})
    assert 'id="stale"' in other.content.decode() and 'id="already"' not in other.content.decode()


def test_bulk_assign_brings_the_manager_back_to_the_same_filtered_list(cast: Any,
                                                                       register: Any) -> None:
    c = _run(cast, "mia", register(), "accept")
    client = cast.client("mia")
    page = client.get("/?state=accepted&sort=received&page=1").content.decode()
    action = re.search(r'<form method="post" id="bulk" action="([^"]+)"', page)
    assert action is not None
    url = action.group(1).replace("&amp;", "&")
    done = client.post(url, {"unit": "BJ01", "handler": "alice", "numbers": [c.number]},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302
    assert "state=accepted" in done["Location"] and "sort=received" in done["Location"]
    c.refresh_from_db()
    assert c.state == "assigned"
    page = client.get(done["Location"]).content.decode()
    assert "1 complaint assigned." in page  # not "1 complaints"


def test_a_follow_up_result_left_unanswered_is_refused_not_taken_for_not_satisfied(
        cast: Any, register: Any) -> None:
    c = register()
    for who, action, params in (
            ("mia", "accept", {}), ("mia", "assign", {"unit": "BJ01", "handler": "alice"}),
            ("alice", "claim", {}),
            ("alice", "respond", {"decision": "upheld", "verification": "调取扣费记录",
                                  "basis": "信用卡章程", "reasons": "未经同意扣费"}),
            ("alice", "start_follow_up", {})):
        c = _run(cast, who, c, action, **params)
    client = cast.client("alice")
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert 'type="radio" name="follow_up_result-satisfied" value="true"' in page
    url = f"/complaints/{c.number}/actions/follow_up_result/"
    data = {"follow_up_result-version": str(c.version), "follow_up_result-score": "4"}
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert 'id="id_follow_up_result-satisfied_error"' in refused.content.decode()
    c.refresh_from_db()
    assert c.state == "follow_up"  # not sent back to investigation by an unticked box
    assert client.post(url, {**data, "follow_up_result-satisfied": "false"}).status_code == 302
    c.refresh_from_db()
    assert c.state == "investigating"


def test_an_entry_form_without_its_token_says_so_and_can_be_sent_again(cast: Any) -> None:
    agent = cast.client("agent")
    data = {"channel": "phone", "source": "direct", "name": "张三", "phone": "13812345678",
            "language": "zh-Hans", "unit": "BJ01", "content": "信用卡年费未经同意被扣收300元"}
    refused = agent.post("/intake/new/", data)
    page = refused.content.decode()
    assert refused.status_code == 200 and "The form was renewed" in page
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    assert agent.post("/intake/new/", {**data, "token": token.group(1)}).status_code == 302


def test_a_search_or_filter_with_a_nul_character_lists_instead_of_failing(
        cast: Any, register: Any) -> None:
    c = register(content="信用卡年费未经同意被扣收300元")
    client = cast.client("mia")
    found = client.get("/", {"q": "\x00年费未经", "code": "\x00", "unit": "BJ01\x00"})
    assert found.status_code == 200 and c.number in found.content.decode()
    assert client.get(f"/complaints/{c.number}\x00/").status_code == 404


def test_a_proposal_over_the_senior_limit_says_whose_approval_it_awaits(cast: Any,
                                                                          register: Any) -> None:
    c = register()
    for who, action, params in (
            ("mia", "accept", {}), ("mia", "assign", {"unit": "BJ01", "handler": "alice"}),
            ("alice", "claim", {}),
            ("alice", "propose_resolution", {
                "decision": "upheld", "verification": "调取扣费记录", "basis": "信用卡章程",
                "reasons": "未经同意扣费", "remedy": "refund", "amount": "999999"})):
        c = _run(cast, who, c, action, **params)
    assert c.state == "awaiting_approval"
    page = cast.client("mia").get(f"/complaints/{c.number}/",
                                  HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-action="approve"' not in page
    note = re.search(r'<p id="awaiting-approval">(.*?)</p>', page)
    assert note is not None and "北京分行 (BJ)" in note.group(1) and "alice" in note.group(1)
    assert 'data-action="approve"' in cast.client("max").get(
        f"/complaints/{c.number}/").content.decode()

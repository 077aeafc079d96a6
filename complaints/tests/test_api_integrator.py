"""API v1 as an integrator uses it: every action offered is one that would be accepted, the
answer masks every free text, filters refuse what they cannot match, refusals read
"中文 / English", and an amount reads the same however it was written."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from complaints.errors import ActionError
from complaints.tests.helpers import act, investigating
from conftest import complaint_body
from org.keys import issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(cast: Any) -> Client:
    _, token = issue_key("cti", ["complaints:create", "complaints:read"], cast.bj)
    return Client(headers={"Authorization": f"Bearer {token}"})


def create(client: Client, key: str = "k-1", **overrides: Any) -> Any:
    return client.post(
        "/api/v1/complaints",
        data=json.dumps(complaint_body(**overrides)),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def offered(cast: Any, who: str, number: str) -> list[str]:
    return cast.client(who).get(f"/api/v1/complaints/{number}").json()["allowed_actions"]


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_major_complaint_is_not_offered_an_escalation_it_would_refuse(
    cast: Any, register: Any
) -> None:
    c = register()
    assert "escalate" in offered(cast, "agent", c.number)
    c = act(cast, "agent", c, "escalate", severity="major", reason="客户称将向媒体曝光")
    assert "escalate" not in offered(cast, "agent", c.number)
    with pytest.raises(ActionError) as refused:  # sent anyway: the severity by its name
        act(cast, "agent", c, "escalate", severity="major", reason="再次升级")
    assert refused.value.errors == [
        ("severity", "须高于当前等级（重大）/ must be higher than the current one (major)")]


def test_a_visit_is_offered_for_recording_only_once_scheduled(cast: Any, register: Any) -> None:
    c = investigating(cast, register())
    assert "record_visit" not in offered(cast, "alice", c.number)
    proposed_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    c = act(
        cast,
        "alice",
        c,
        "schedule_visit",
        proposed_at=proposed_at,
        place="网点",
        customer_consent=True,
    )
    assert "record_visit" in offered(cast, "alice", c.number)
    c = act(cast, "alice", c, "record_visit", outcome="已上门核实")
    assert "record_visit" not in offered(cast, "alice", c.number)


def test_identifiers_in_the_product_are_masked_in_the_answer(cast: Any, key_client: Client) -> None:
    created = create(key_client, product="信用卡 6222021234567890123 13912345678").json()
    again = cast.client("mia").get(f"/api/v1/complaints/{created['number']}").json()
    for data in (created, again):
        assert "6222021234567890123" not in data["product"]
        assert "13912345678" not in data["product"] and "139****5678" in data["product"]


def test_an_unknown_classification_code_filter_is_refused(cast: Any, key_client: Client) -> None:
    create(key_client, codes={"business": "B02"})
    mia = cast.client("mia")
    assert mia.get("/api/v1/complaints", {"code": "B02"}).json()["count"] == 1
    refused = mia.get("/api/v1/complaints", {"code": "ZZ9"})
    assert refused.status_code == 422 and "ZZ9" in errors_of(refused)["code"]


def test_a_received_filter_without_an_offset_is_refused(cast: Any) -> None:
    refused = cast.client("mia").get("/api/v1/complaints", {"received_from": "2026-11-01T00:00"})
    assert refused.status_code == 422 and "received_from" in errors_of(refused)


def test_an_amount_is_answered_in_cents_however_it_was_written(
    cast: Any, key_client: Client
) -> None:
    first = create(key_client, "cents", amount="1e2")
    retry = create(key_client, "cents", amount="1e2")
    got = cast.client("mia").get(f"/api/v1/complaints/{first.json()['number']}")
    assert [r.json()["amount"] for r in (first, retry, got)] == ["100.00"] * 3


@pytest.mark.parametrize("case", ["codes", "unauthenticated", "media_type", "json", "int"])
def test_refusals_carry_chinese_and_english(case: str, key_client: Client) -> None:
    headers = {"Idempotency-Key": "bilingual"}
    if case == "codes":
        response = create(key_client, codes={"business": "ZZ9", "colour": "red"})
    elif case == "unauthenticated":
        response = Client().get("/api/v1/complaints")
    elif case == "media_type":
        response = key_client.post(
            "/api/v1/complaints",
            data="a=b",
            headers=headers,
            content_type="application/x-www-form-urlencoded",
        )
    elif case == "json":
        response = key_client.post(
            "/api/v1/complaints", data="{not json", headers=headers, content_type="application/json"
        )
    else:
        response = key_client.post(
            "/api/v1/complaints/TS-1/actions/note",
            headers=headers,
            data={"version": 1.5, "text": "x"},
            content_type="application/json",
        )
    assert 400 <= response.status_code < 500
    for message in errors_of(response).values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
        if case != "int":  # validation is worded in the client's language (Chinese by default)
            assert " / " in message, message


def test_an_extensions_reason_is_masked_on_the_deadlines(cast: Any, register: Any) -> None:
    c = act(cast, "agent", register(), "accept")
    act(
        cast,
        "mia",
        c,
        "extend",
        total_days=45,
        approver="max",
        reason="客户 13912345678 要求延期，卡 6222021234567890123",
    )
    mia = cast.client("mia")
    for data in (
        mia.get(f"/api/v1/complaints/{c.number}/deadlines").json(),
        mia.get(f"/api/v1/complaints/{c.number}").json()["deadlines"],
    ):
        reason = next(d for d in data if d["extensions"])["extensions"][0]["reason"]
        assert "13912345678" not in reason and "139****5678" in reason
        assert "6222021234567890123" not in reason


def test_a_session_without_its_csrf_token_is_refused_in_both_languages(
    cast: Any, register: Any
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["agent"])
    c = register()
    refused = client.post(
        f"/api/v1/complaints/{c.number}/actions/note",
        data=json.dumps({"version": 1, "text": "x"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert " / " in refused.json()["detail"] and " / " in errors_of(refused)["X-CSRFToken"]


@pytest.mark.parametrize(
    ("query", "field"), [("status=closed", "status"), ("state=closed&state=registered", "state")]
)
def test_a_misspelt_or_repeated_filter_is_refused(cast: Any, query: str, field: str) -> None:
    refused = cast.client("mia").get(f"/api/v1/complaints?{query}")
    assert refused.status_code == 422 and field in errors_of(refused)
    assert " / " in errors_of(refused)[field]


def test_a_breach_time_reads_in_the_packs_zone_like_the_due_date(cast: Any, register: Any) -> None:
    c = register()
    c.deadlines.update(status="breached", breached_at=dt.datetime(2026, 1, 5, 16, tzinfo=dt.UTC))
    deadline = cast.client("mia").get(f"/api/v1/complaints/{c.number}/deadlines").json()[0]
    assert deadline["due_at"].endswith("+08:00")
    assert deadline["breached_at"] == "2026-01-06T00:00:00+08:00"


def test_a_letter_reads_masked_as_on_the_workspace(cast: Any, key_client: Client) -> None:
    number = create(key_client, "letter").json()["number"]
    letters = key_client.get(f"/api/v1/complaints/{number}/letters").json()
    assert letters and letters[0]["kind"] == "acknowledgement"
    for letter in letters:
        assert "张三" not in letter["body"] and "张*" in letter["body"]
        assert "13812345678" not in letter["body"] + letter["subject"]


def test_answer_visit_is_listed_only_while_a_visit_awaits_the_customers_answer(
        cast: Any, register: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from complaints.selectors import allowed_actions
    from complaints.tests.helpers import act, investigating

    c = investigating(cast, register())
    assert "answer_visit" not in allowed_actions(cast.principal("alice"), c)
    when = (timezone.now() + dt.timedelta(days=2)).isoformat()
    c = act(cast, "alice", c, "schedule_visit", proposed_at=when, place="客户单位",
            customer_consent=False)
    assert "answer_visit" in allowed_actions(cast.principal("alice"), c)
    visit = c.visits.get()
    c = act(cast, "alice", c, "answer_visit", visit_id=visit.pk, consent=False)
    assert "answer_visit" not in allowed_actions(cast.principal("alice"), c)

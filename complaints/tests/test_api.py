"""API v1: create with Idempotency-Key, validation that names the field, the walk from registered
to closed, optimistic locking, scope, events and deadlines."""

import json
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint, Event
from conftest import complaint_body
from org.keys import issue_key

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers=headers)


@pytest.fixture
def key_client(cast: Any) -> Client:
    _, token = issue_key("cti", ["complaints:create", "complaints:read"], cast.bj)
    return Client(headers={"Authorization": f"Bearer {token}"})


def create(client: Client, key: str = "k-1", **overrides: Any) -> Any:
    headers = {"Idempotency-Key": key}
    return post(client, "/api/v1/complaints", complaint_body(**overrides), **headers)


def without_clock(value: Any) -> Any:
    """An answer without `remaining_s`, which counts down between two requests."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k != "remaining_s"}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    return value


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_it_registers_a_complaint_and_commits_it_before_answering(key_client: Client) -> None:
    response = create(key_client)
    assert response.status_code == 201
    data = response.json()
    assert data["number"].startswith("TS-") and len(data["number"]) == 18
    assert (data["state"], data["version"], data["unit"]) == ("registered", 1, "BJ01")
    assert data["customer"]["phone"] == "138****5678"
    assert data["customer"]["id_number"] == "110***********002X"
    assert data["customer"]["name"] == "张*"
    assert [d["obligation"] for d in data["deadlines"]] == ["decision"]
    stored = Complaint.objects.get(number=data["number"])
    assert stored.events.get().type == "register"
    assert stored.customer.id_number_enc and "1101051949" not in stored.customer.id_number_enc


def test_the_same_key_twice_gives_one_complaint_and_the_same_body(key_client: Client) -> None:
    first, second = create(key_client, "same"), create(key_client, "same")
    assert (first.status_code, second.status_code) == (201, 200)
    assert without_clock(first.json()) == without_clock(second.json())
    assert Complaint.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(key_client: Client) -> None:
    create(key_client, "same")
    response = create(key_client, "same", content="另一件事")
    assert response.status_code == 409
    assert "Idempotency-Key" in errors_of(response)
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(("overrides", "field"), [
    ({"channel": "pigeon"}, "channel"),
    ({"customer": {"phone": "13812345678"}}, "customer.name"),
    ({"customer": {"name": "张三", "phone": "call me"}}, "customer.phone"),
    ({"customer": {"name": "张三", "id_number": "110105194912310021"}}, "customer.id_number"),
    ({"content": ""}, "content"),
    ({"content": "长" * 20_001}, "content"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"received_at": "2026-01-01T10:00:00"}, "received_at"),
    ({"received_at": "2999-01-01T10:00:00+08:00"}, "received_at"),
    ({"unit": "NOPE"}, "unit"),
    ({"codes": {"business": "B99"}}, "codes.business"),
    ({"codes": {"colour": "B01"}}, "codes.colour"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_fields_are_named_and_nothing_is_written(
    key_client: Client, overrides: dict[str, Any], field: str
) -> None:
    response = create(key_client, **overrides)
    assert response.status_code == 422, response.content
    assert field in errors_of(response)
    assert response.json()["detail"]
    assert Complaint.objects.count() == 0


def test_a_missing_idempotency_key_is_named(key_client: Client) -> None:
    response = post(key_client, "/api/v1/complaints", complaint_body())
    assert response.status_code == 422
    assert "Idempotency-Key" in errors_of(response)


def test_invalid_json_and_wrong_content_type_are_refused(key_client: Client) -> None:
    bad = key_client.post("/api/v1/complaints", data="{oops", content_type="application/json",
                          headers={"Idempotency-Key": "x"})
    assert bad.status_code == 400 and "body" in errors_of(bad)
    form = key_client.post("/api/v1/complaints", data="a=b",
                           content_type="application/x-www-form-urlencoded",
                           headers={"Idempotency-Key": "x"})
    assert form.status_code == 415 and "Content-Type" in errors_of(form)
    assert Complaint.objects.count() == 0


def test_an_unknown_path_or_method_answers_in_the_error_shape(key_client: Client) -> None:
    method = key_client.delete("/api/v1/complaints", headers={"Accept-Language": "zh-Hans"})
    assert method.status_code == 405 and "method" in errors_of(method)
    assert set(method["Allow"].split(", ")) == {"GET", "POST"}
    assert method.json()["detail"].startswith("此路径不支持该请求方法 / DELETE is not allowed")
    missing = key_client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and "path" in errors_of(missing)
    page = Client().get("/no-such-page/")  # outside the API: Django's page, not JSON
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_it_refuses_without_credentials_and_without_the_scope(cast: Any) -> None:
    anonymous = create(Client())
    assert anonymous.status_code == 401 and "Authorization" in errors_of(anonymous)
    _, token = issue_key("reader", ["complaints:read"], cast.bj)
    reader = create(Client(headers={"Authorization": f"Bearer {token}"}))
    assert reader.status_code == 403
    assert "complaints:create" in errors_of(reader)["Authorization"]  # not "outside your scope"
    wrong = create(Client(headers={"Authorization": "Bearer tsk_nope_nope"}))
    assert wrong.status_code == 401
    assert Complaint.objects.count() == 0


def act(client: Client, number: str, action: str, version: int, **fields: Any) -> Any:
    return post(client, f"/api/v1/complaints/{number}/actions/{action}",
                {"version": version, **fields})


NOTICE = {"decision": "upheld", "verification": "核对账单与通话录音。",
          "basis": "信用卡章程第十条。", "reasons": "年费收取未经同意。"}


def test_staff_walk_a_complaint_from_registered_to_closed(cast: Any) -> None:
    agent, alice, mia = cast.client("agent"), cast.client("alice"), cast.client("mia")
    created = create(agent).json()
    number, v = created["number"], created["version"]
    steps = [
        (agent, "accept", {}, "accepted"),
        (mia, "assign", {"unit": "BJ01", "handler": "alice"}, "assigned"),
        (alice, "claim", {}, "investigating"),
        (alice, "contact", {"kind": "call", "summary": "已致电客户"}, "investigating"),
        (alice, "propose_resolution", {**NOTICE, "remedy": "refund", "amount": "300.00"},
         "responded"),
        (alice, "start_follow_up", {}, "follow_up"),
        (agent, "follow_up_result", {"satisfied": True, "score": 5}, "closed"),
    ]
    for client, action, fields, state in steps:
        response = act(client, number, action, v, **fields)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["state"] == state
        v = response.json()["version"]
    events = agent.get(f"/api/v1/complaints/{number}/events").json()
    assert [e["type"] for e in events] == ["register"] + [s[1] for s in steps]
    assert events[-1]["actor"] == "staff:agent"
    deadlines = agent.get(f"/api/v1/complaints/{number}/deadlines").json()
    decision = next(d for d in deadlines if d["obligation"] == "decision")
    assert decision["status"] == "met"
    complaint = Complaint.objects.get(number=number)
    assert complaint.closed_at and complaint.retention_until
    assert complaint.notifications.filter(kind="decision_notice").count() == 1


def test_a_large_amount_needs_approval_by_someone_else(cast: Any) -> None:
    alice, mia = cast.client("alice"), cast.client("mia")
    c = create(cast.client("agent"), amount="80000.00").json()
    number = c["number"]
    v = act(cast.client("agent"), number, "accept", 1).json()["version"]
    v = act(mia, number, "assign", v, unit="BJ01", handler="alice").json()["version"]
    v = act(alice, number, "claim", v).json()["version"]
    proposed = act(alice, number, "propose_resolution", v, **NOTICE, remedy="compensation",
                   amount="80000.00")
    assert proposed.json()["state"] == "awaiting_approval"
    v = proposed.json()["version"]
    assert act(alice, number, "approve", v).status_code == 403  # a handler does not approve
    assert act(alice, number, "respond", v, **NOTICE).status_code == 403  # nor bypasses it
    # 80,000 is above BJ01's senior limit (50,000): its own manager may not approve it
    assert act(mia, number, "approve", v).status_code == 403
    approved = act(cast.client("max"), number, "approve", v)
    assert approved.status_code == 200 and approved.json()["state"] == "responded"


def test_a_stale_version_is_refused_and_nothing_changes(cast: Any) -> None:
    agent = cast.client("agent")
    number = create(agent).json()["number"]
    assert act(agent, number, "note", 1, text="first").status_code == 200
    stale = act(agent, number, "accept", 1)
    assert stale.status_code == 409 and "version" in errors_of(stale)
    complaint = Complaint.objects.get(number=number)
    assert (complaint.state, complaint.version, complaint.events.count()) == ("registered", 2, 2)


def test_a_disallowed_action_is_a_409_naming_the_state(cast: Any) -> None:
    agent = cast.client("agent")
    number = create(agent).json()["number"]
    response = act(agent, number, "start_follow_up", 1)
    assert response.status_code == 409
    assert "registered" in errors_of(response)["action"]
    assert Event.objects.count() == 1


def test_an_action_on_a_closed_complaint_is_refused(cast: Any) -> None:
    agent = cast.client("agent")
    number = create(agent).json()["number"]
    v = act(agent, number, "withdraw", 1, reason="客户撤诉", via="phone").json()["version"]
    response = act(agent, number, "note", v, text="late")
    assert response.status_code == 409
    assert Complaint.objects.get(number=number).state == "withdrawn"


def test_action_fields_are_validated_by_name(cast: Any) -> None:
    agent = cast.client("agent")
    number = create(agent).json()["number"]
    response = act(agent, number, "decline", 1, reason="because", detail="x")
    assert response.status_code == 422
    assert {"reason", "detail"} <= set(errors_of(response))
    missing = post(agent, f"/api/v1/complaints/{number}/actions/accept", {})
    assert missing.status_code == 422 and "version" in errors_of(missing)
    assert act(agent, number, "fly", 1).status_code == 404


def test_an_outsider_cannot_see_or_act_and_learns_nothing(cast: Any) -> None:
    number = create(cast.client("agent")).json()["number"]
    bob = cast.client("bob")
    for path in ["", "/events", "/deadlines"]:
        assert bob.get(f"/api/v1/complaints/{number}{path}").status_code == 404
    assert bob.get("/api/v1/complaints/TS-20000101-000001").status_code == 404
    assert act(bob, number, "note", 1, text="x").status_code == 404
    assert bob.get("/api/v1/complaints").json()["count"] == 0
    assert cast.client("root").get(f"/api/v1/complaints/{number}").status_code == 404


def test_auditors_read_everything_and_change_nothing(cast: Any) -> None:
    number = create(cast.client("agent")).json()["number"]
    audrey = cast.client("audrey")
    detail = audrey.get(f"/api/v1/complaints/{number}")
    assert detail.status_code == 200 and detail.json()["allowed_actions"] == []
    assert act(audrey, number, "note", 1, text="x").status_code == 403


def test_the_list_filters_and_paginates(cast: Any, key_client: Client) -> None:
    for i in range(5):
        create(key_client, f"k{i}", channel="email" if i % 2 else "phone")
    mia = cast.client("mia")
    page = mia.get("/api/v1/complaints", {"page_size": 2, "page": 2}).json()
    assert (page["count"], page["page"], len(page["results"])) == (5, 2, 2)
    assert page["results"][0]["customer"] == "张*"
    emails = mia.get("/api/v1/complaints", {"channel": "email"}).json()
    assert emails["count"] == 2
    assert mia.get("/api/v1/complaints", {"unit": "BJ02"}).json()["count"] == 0
    assert mia.get("/api/v1/complaints", {"overdue": True}).json()["count"] == 0
    bad = mia.get("/api/v1/complaints", {"page_size": 5000})
    assert bad.status_code == 422 and "page_size" in errors_of(bad)


def test_a_list_row_summarises_the_content_masked(cast: Any, key_client: Client) -> None:
    content = "客户13812345678来电，" + "信用卡年费未经同意扣收。" * 20
    create(key_client, "long", content=content)
    row = cast.client("mia").get("/api/v1/complaints").json()["results"][0]
    assert row["summary"].startswith("客户138****5678来电，信用卡年费")
    assert len(row["summary"]) == 120  # the first 120 characters, the phone masked in place


def test_the_openapi_document_lists_every_action(cast: Any) -> None:
    from complaints.lifecycle import LIFECYCLE

    schema = Client().get("/api/v1/openapi.json").json()
    for action in LIFECYCLE:
        assert f"/api/v1/complaints/{{number}}/actions/{action}" in schema["paths"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_nobody_approves_their_own_proposal_by_responding(cast: Any) -> None:
    mia = cast.client("mia")
    number = create(cast.client("agent"), amount="90000.00").json()["number"]
    v = act(mia, number, "accept", 1).json()["version"]
    v = act(mia, number, "assign", v, unit="BJ01", handler="mia").json()["version"]
    v = act(mia, number, "claim", v).json()["version"]
    v = act(mia, number, "propose_resolution", v, **NOTICE, remedy="compensation",
            amount="90000.00").json()["version"]
    assert act(mia, number, "respond", v, **NOTICE).status_code == 403
    responded = act(cast.client("max"), number, "respond", v, **NOTICE)
    assert responded.status_code == 200 and responded.json()["state"] == "responded"
    resolution = Complaint.objects.get(number=number).resolutions.get()
    assert (resolution.remedy, str(resolution.amount)) == ("compensation", "90000.00")
    assert resolution.approved_by == "staff:max"


def test_the_api_docs_load_no_asset_from_the_internet() -> None:
    page = Client().get("/api/v1/docs").content.decode()
    assert "swagger" in page.lower()
    assert "cdn" not in page.lower() and "https://" not in page


def test_a_deactivated_key_is_refused_at_once(cast: Any) -> None:
    key, token = issue_key("gone", ["complaints:create", "complaints:read"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/complaints").status_code == 200
    key.active = False
    key.save()
    assert client.get("/api/v1/complaints").status_code == 401


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_two_staff_acting_at_once_one_wins_and_the_other_gets_409(cast: Any) -> None:
    import threading

    from django.db import connection

    number = create(cast.client("agent")).json()["number"]
    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def worker(name: str, action: str, fields: dict[str, Any]) -> None:
        client = cast.client(name)
        barrier.wait()
        try:
            answers[name] = act(client, number, action, 1, **fields)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=("agent", "note", {"text": "called back"})),
               threading.Thread(target=worker, args=("mia", "accept", {}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(r.status_code for r in answers.values())
    assert statuses == [200, 409]
    loser = next(r for r in answers.values() if r.status_code == 409)
    assert "version" in errors_of(loser)
    complaint = Complaint.objects.get(number=number)
    assert complaint.version == 2 and complaint.events.count() == 2  # register + the winner
    winner = next(n for n, r in answers.items() if r.status_code == 200)
    expected = {"agent": "note", "mia": "accept"}[winner]
    assert complaint.events.order_by("seq").last().type == expected


def investigating(cast: Any, **overrides: Any) -> tuple[str, int]:
    agent, alice, mia = cast.client("agent"), cast.client("alice"), cast.client("mia")
    number = create(agent, **overrides).json()["number"]
    v = act(agent, number, "accept", 1).json()["version"]
    v = act(mia, number, "assign", v, unit="BJ01", handler="alice").json()["version"]
    return number, act(alice, number, "claim", v).json()["version"]


def test_a_major_complaint_is_not_answered_without_an_approved_resolution(cast: Any) -> None:
    alice, mia = cast.client("alice"), cast.client("mia")
    number, v = investigating(cast)
    v = act(alice, number, "escalate", v, severity="major", reason="客户称将向媒体曝光"
            ).json()["version"]
    for who in (alice, mia):  # not even a manager answers it without the approval step
        refused = act(who, number, "respond", v, **NOTICE)
        assert refused.status_code == 409, refused.content
        message = errors_of(refused)["action"]
        assert "propose_resolution" in message and "重大投诉" in message and " / " in message
    complaint = Complaint.objects.get(number=number)
    assert (complaint.state, complaint.version) == ("investigating", v)
    assert not complaint.resolutions.exists()
    assert not complaint.notifications.filter(kind="decision_notice").exists()
    proposed = act(alice, number, "propose_resolution", v, **NOTICE, remedy="apology")
    assert proposed.json()["state"] == "awaiting_approval"
    approved = act(mia, number, "approve", proposed.json()["version"])
    assert approved.status_code == 200 and approved.json()["state"] == "responded"
    events = [e["type"] for e in alice.get(f"/api/v1/complaints/{number}/events").json()]
    assert events[-2:] == ["propose_resolution", "approve"]


def test_responding_to_a_pending_proposal_keeps_its_decision(cast: Any) -> None:
    alice, mia = cast.client("alice"), cast.client("mia")
    number, v = investigating(cast, amount="300.00")
    partial = {**NOTICE, "decision": "partially_upheld"}
    v = act(alice, number, "propose_resolution", v, **partial, remedy="refund",
            amount="30000.00").json()["version"]
    refused = act(mia, number, "respond", v, **{**NOTICE, "decision": "rejected"})
    assert refused.status_code == 409
    assert "return" in errors_of(refused)["decision"] and " / " in errors_of(refused)["decision"]
    resolution = Complaint.objects.get(number=number).resolutions.get()
    assert (resolution.decision, resolution.approved_at) == ("partially_upheld", None)
    assert Complaint.objects.get(number=number).state == "awaiting_approval"
    # the same decision, in the approver's words, is the approval DESIGN allows
    responded = act(mia, number, "respond", v, **{**partial, "reasons": "经审批，退还部分年费。"})
    assert responded.status_code == 200 and responded.json()["state"] == "responded"
    resolution.refresh_from_db()
    assert (resolution.decision, resolution.remedy, str(resolution.amount)) == (
        "partially_upheld", "refund", "30000.00")
    event = Complaint.objects.get(number=number).events.order_by("-seq").first()
    assert event is not None and event.payload["approved_by"] == "staff:mia"
    assert event.payload["proposed_by"] == "staff:alice" and event.payload["reworded"]


def test_identifiers_in_the_content_and_claim_are_masked_in_the_answer(
        cast: Any, key_client: Client) -> None:
    created = create(key_client, "pii", content="卡号 6222021234567890123 电话 13912345678",
                     claim="请退款到卡 6222021234567890123，联系 13912345678").json()
    for data in (created, cast.client("mia").get(f"/api/v1/complaints/{created['number']}"
                                                 ).json()):
        for field in ("content", "claim"):
            assert "6222021234567890123" not in data[field], field
            assert "13912345678" not in data[field] and "139****5678" in data[field], field
        assert data["content"] == "卡号 ***************0123 电话 139****5678"
    stored = Complaint.objects.get(number=created["number"])
    assert "13912345678" in stored.content  # the record keeps what the customer said


def test_a_reversed_date_range_is_refused(cast: Any) -> None:
    response = cast.client("mia").get("/api/v1/complaints", {
        "received_from": "2026-12-01T00:00:00+08:00", "received_to": "2026-01-01T00:00:00+08:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_to"


def test_clock_actions_are_listed_only_while_the_action_would_be_accepted(
        cast: Any, register: Any) -> None:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    c = register()
    c = run_action(cast.principal("mia"), c.number, "accept",
                   ACTION_SCHEMAS["accept"].model_validate({"version": c.version}))
    client = cast.client("mia")

    def listed() -> set[str]:
        return set(client.get(f"/api/v1/complaints/{c.number}").json()["allowed_actions"])

    assert {"pause", "extend"} <= listed() and "resume" not in listed()
    c = run_action(cast.principal("mia"), c.number, "pause", ACTION_SCHEMAS["pause"]
                   .model_validate({"version": c.version, "reason": "mediation",
                                    "detail": "双方调解中"}))
    assert {"resume", "extend"} <= listed() and "pause" not in listed()
    c.deadlines.update(status="breached", paused_since=None)
    assert not {"pause", "extend", "resume"} & listed()


def test_overdue_lists_only_complaints_on_which_something_is_still_owed(
        cast: Any, register: Any) -> None:
    from complaints.tests.helpers import act

    late, gone = register(), register(customer={"name": "李四", "phone": "13900001111"})
    for c in (late, gone):
        c.deadlines.filter(obligation="decision").update(status="breached")
    act(cast, "mia", gone, "withdraw", reason="客户撤诉", via="phone")
    found = cast.client("mia").get("/api/v1/complaints", {"overdue": True}).json()
    assert [r["number"] for r in found["results"]] == [late.number]


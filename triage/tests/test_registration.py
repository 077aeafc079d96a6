"""Suggestions at registration, on the complaint in the API, and staff accepting or overriding
them; registration without a model."""

import json
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint
from conftest import complaint_body
from org.keys import issue_key
from triage.models import Suggestion, SuggestionStatus, TriageRecord

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: Any, key: str = "") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers=headers)


def create(client: Client, key: str, **overrides: Any) -> Any:
    response = post(client, "/api/v1/complaints", complaint_body(**overrides), key)
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_new_complaint_arrives_with_suggested_codes(cast: Any, tiny_model: Any) -> None:
    data = create(cast.client("agent"), "s-1",
                  content="催收人员天天打电话骚扰我的家人，暴力催收。")
    (suggestion,) = data["suggestions"]["codes"]
    assert suggestion["head"] == "zh_cause" and suggestion["dimension"] == "cause"
    best = suggestion["options"][0]
    assert (best["label"], best["code"]) == ("0", "C12")
    assert best["name"].startswith("催收行为类")
    assert 0 < best["confidence"] <= 1 and len(suggestion["options"]) == 3
    assert suggestion["model_version"] == "test-tiny" and suggestion["status"] == "pending"
    assert "phone" not in data["suggestions"]["pii"]
    stored = Complaint.objects.get(number=data["number"])
    assert stored.codes == {}  # a suggestion is not a code until staff accept it
    again = cast.client("agent").get(f"/api/v1/complaints/{data['number']}").json()
    assert again["suggestions"] == data["suggestions"]


def test_an_english_complaint_gets_a_product_suggestion(cast: Any, tiny_model: Any) -> None:
    data = create(cast.client("agent"), "s-2",
                  content="A debt collector keeps calling my work about a debt I do not owe.")
    (suggestion,) = data["suggestions"]["codes"]
    assert suggestion["head"] == "cfpb_product"
    assert suggestion["options"][0]["label"] == "Debt collection"
    assert suggestion["options"][0]["code"] == "B13"


def test_registration_works_without_a_model(cast: Any) -> None:
    data = create(cast.client("agent"), "s-3", content="我的卡号6222021234567890128被盗刷")
    assert data["suggestions"]["codes"] == []
    assert data["suggestions"]["pii"] == ["card"]
    assert not Suggestion.objects.exists()
    assert TriageRecord.objects.get().model_version == ""


def test_staff_accept_the_best_option_and_the_code_is_set(cast: Any, tiny_model: Any) -> None:
    data = create(cast.client("agent"), "s-4", content="信用卡年费未经同意被扣收，要求退还费用。")
    response = post(cast.client("alice"), f"/api/v1/complaints/{data['number']}/suggestions/decide",
                    {"version": data["version"], "head": "zh_cause"})
    assert response.status_code == 200, response.json()
    out = response.json()
    assert out["codes"] == {"cause": "C07"} and out["version"] == data["version"] + 1
    assert out["suggestions"]["codes"][0]["status"] == "accepted"
    suggestion = Suggestion.objects.get()
    assert (suggestion.status, suggestion.chosen_label, suggestion.decided_by) == (
        SuggestionStatus.ACCEPTED, "3", "staff:alice")
    event = Complaint.objects.get(number=data["number"]).events.order_by("-seq").first()
    assert event is not None and event.type == "classify"
    assert event.payload["status"] == "accepted" and event.payload["model_version"] == "test-tiny"


def test_staff_override_with_another_code_and_it_is_kept_for_retraining(
    cast: Any, tiny_model: Any
) -> None:
    from triage.training import feedback

    data = create(cast.client("agent"), "s-5", content="信用卡年费未经同意被扣收，要求退还费用。")
    response = post(cast.client("alice"), f"/api/v1/complaints/{data['number']}/suggestions/decide",
                    {"version": data["version"], "head": "zh_cause", "label": "4"})
    assert response.status_code == 200, response.json()
    assert response.json()["codes"] == {"cause": "C01"}
    assert Suggestion.objects.get().status == SuggestionStatus.OVERRIDDEN
    (example,) = feedback()["zh_cause"]
    assert example.label == "4" and "年费" in example.text


def test_deciding_refuses_outsiders_integrations_stale_versions_and_bad_codes(
    cast: Any, tiny_model: Any
) -> None:
    data = create(cast.client("agent"), "s-6", content="客服态度很差，电话打不通。")
    path = f"/api/v1/complaints/{data['number']}/suggestions/decide"
    body = {"version": data["version"], "head": "zh_cause"}
    assert post(cast.client("bob"), path, body).status_code == 404
    assert post(cast.client("audrey"), path, body).status_code == 403
    _, token = issue_key("cti", ["complaints:read", "complaints:act"], cast.bj)
    integration = Client(headers={"Authorization": f"Bearer {token}"})
    assert post(integration, path, body).status_code == 403
    assert post(cast.client("alice"), path, {**body, "version": 99}).status_code == 409
    bad = post(cast.client("alice"), path, {**body, "code": "B01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
    assert post(cast.client("alice"), path, {**body, "head": "nope"}).status_code == 404
    # a label of the suggestion with a code of another dimension is refused too
    bad = post(cast.client("alice"), path, {**body, "label": "4", "code": "B01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
    assert Suggestion.objects.get().status == SuggestionStatus.PENDING
    assert Complaint.objects.get(number=data["number"]).codes == {}


def test_a_label_with_another_code_than_suggested_is_an_override(
    cast: Any, tiny_model: Any
) -> None:
    data = create(cast.client("agent"), "s-7", content="信用卡年费未经同意被扣收，要求退还费用。")
    response = post(cast.client("alice"), f"/api/v1/complaints/{data['number']}/suggestions/decide",
                    {"version": data["version"], "head": "zh_cause", "label": "3", "code": "C05"})
    assert response.status_code == 200, response.json()
    assert response.json()["codes"] == {"cause": "C05"}
    assert Suggestion.objects.get().status == SuggestionStatus.OVERRIDDEN


def test_a_repeat_of_the_same_customer_links_as_a_duplicate_and_proposes_a_merge(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    text = "信用卡年费未经同意被扣收300元，客服态度敷衍，多次联系没有结果，要求退还年费并道歉。"

    def create(client: Client, key: str, **overrides: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):  # as the commit would
            return globals()["create"](client, key, **overrides)

    first = create(cast.client("agent"), "d-1", content=text)
    second = create(cast.client("agent"), "d-2", content=text + "再次投诉。")
    (link,) = second["suggestions"]["duplicates"]
    assert link["number"] == first["number"] and link["kind"] == "duplicate"
    assert link["proposed_action"] == "merge" and link["score"] >= 0.5
    other = create(cast.client("agent"), "d-3", content=text,
                   customer={"name": "李四", "phone": "13900000000"})
    kinds = {d["number"]: d["kind"] for d in other["suggestions"]["duplicates"]}
    assert kinds == {first["number"]: "group", second["number"]: "group"}
    unrelated = create(cast.client("agent"), "d-4", content="理财产品收益与宣传不符，销售误导。")
    assert unrelated["suggestions"]["duplicates"] == []


def test_another_process_registrations_are_seen_after_a_sync(
    cast: Any, register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage import service

    text = "贷款提前还款被收取高额违约金，合同里没有写明，要求退还违约金。"
    first = register(content=text)  # its on-commit never runs here: as if another process's
    monkeypatch.setattr(service, "SYNC_EVERY_S", 0.0)
    second = register(content=text)
    (link,) = TriageRecord.objects.get(complaint=second).links
    assert link["number"] == first.number and link["same_customer"]


def test_refresh_classifies_again_and_keeps_decisions(cast: Any, tiny_model: Any) -> None:
    data = create(cast.client("agent"), "r-1", content="客服态度很差，电话打不通。")
    Suggestion.objects.update(options=[])
    path = f"/api/v1/complaints/{data['number']}/suggestions/refresh"
    assert post(cast.client("audrey"), path, {}).status_code == 403  # an auditor only reads
    assert post(cast.client("bob"), path, {}).status_code == 404
    assert Suggestion.objects.get().options == []
    response = post(cast.client("alice"), path, {})
    assert response.status_code == 200
    assert response.json()["suggestions"]["codes"][0]["options"][0]["label"] == "4"


def test_a_duplicate_link_never_names_a_complaint_the_viewer_may_not_see(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    text = "理财产品到期未兑付，客户经理承诺保本保收益，现在联系不上，要求全额退还本金。"
    with django_capture_on_commit_callbacks(execute=True):
        first = create(cast.client("agent"), "v-1", content=text)
    Complaint.objects.filter(number=first["number"]).update(unit=cast.sh01)  # Shanghai's now
    second = create(cast.client("agent"), "v-2", content=text,
                    customer={"name": "李四", "phone": "13900000000"})
    assert second["suggestions"]["duplicates"] == []  # the agent may not see Shanghai's
    path = f"/api/v1/complaints/{second['number']}"
    assert cast.client("alice").get(path).json()["suggestions"]["duplicates"] == []
    (link,) = cast.client("cpo").get(path).json()["suggestions"]["duplicates"]
    assert link["number"] == first["number"] and link["kind"] == "group"
    page = cast.client("alice").get(f"/complaints/{second['number']}/").content.decode()
    assert first["number"] not in page


def test_the_installation_map_sets_the_codes_and_a_broken_one_never_refuses_a_complaint(
    cast: Any, tiny_model: Any, settings: Any, tmp_path: Any, request: Any
) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from triage import mapping

    path = tmp_path / "map.json"
    path.write_text(json.dumps({"zh_cause": {"dimension": "cause", "codes": {"4": "C02"}}}))
    settings.TOUSU_TRIAGE_MAP = str(path)
    mapping.head_maps.cache_clear()
    request.addfinalizer(mapping.head_maps.cache_clear)
    data = create(cast.client("agent"), "m-1", content="客服态度很差，电话打不通。")
    assert data["suggestions"]["codes"][0]["options"][0]["code"] == "C02"
    path.write_text(json.dumps({"zh_cause": {"codes": {"4": "C02"}}}))  # no dimension
    mapping.head_maps.cache_clear()
    data = create(cast.client("agent"), "m-2", content="客服推诿敷衍，多次投诉无人回复。")
    assert data["suggestions"]["codes"] == []  # registered, without suggested codes
    with pytest.raises(SystemCheckError, match="TOUSU_TRIAGE_MAP"):
        call_command("check")


def test_an_override_by_a_code_outside_the_options_is_kept_for_retraining(
    cast: Any, tiny_model: Any
) -> None:
    from triage.training import feedback

    data = create(cast.client("agent"), "s-8", content="信用卡年费未经同意被扣收，要求退还费用。")
    options = Suggestion.objects.get().options
    code = next(c for c in ("C12", "C09", "C07", "C01", "C04")
                if c not in {o["code"] for o in options})
    response = post(cast.client("alice"), f"/api/v1/complaints/{data['number']}/suggestions/decide",
                    {"version": data["version"], "head": "zh_cause", "code": code})
    assert response.status_code == 200, response.json()
    assert response.json()["codes"] == {"cause": code}
    (example,) = feedback()["zh_cause"]
    label = {"C12": "0", "C09": "2", "C07": "3", "C01": "4", "C04": "5"}[code]
    assert example.label == label and "年费" in example.text

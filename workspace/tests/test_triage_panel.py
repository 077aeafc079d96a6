"""The complaint page shows triage's suggestions (top options with confidence, the uncertain
band, signals, duplicates, similar cases) and lets staff accept or override them through
`triage.actions.decide_suggestion`, audited as a `classify` event."""

from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _suggest(complaint: Any, uncertain: bool = True) -> Any:
    from triage.models import Suggestion

    return Suggestion.objects.create(
        complaint=complaint, head="zh_cause", dimension="cause", uncertain=uncertain,
        model_version="test-1", created_at=timezone.now(), options=[
            {"label": "fees", "name": "定价收费 Pricing and fees", "code": "C07",
             "confidence": 0.62},
            {"label": "service", "name": "服务态度 Service", "code": "C01", "confidence": 0.21},
            {"label": "contract", "name": "合同条款 Contract", "code": "C09",
             "confidence": 0.09}])


def test_the_page_shows_the_top_suggestions_with_accept_and_override(cast: Any,
                                                                     register: Any) -> None:
    c = register(content="我要向12378投诉，年费乱收")
    _suggest(c)
    page = cast.client("alice").get(f"/complaints/{c.number}/").content.decode()
    assert 'id="suggestion-zh_cause"' in page and 'data-status="pending"' in page
    assert "62%" in page and "21%" in page and "9%" in page and "C07" in page
    assert "请人工选择" in page  # the uncertain band
    assert 'data-decide="accept"' in page and 'data-decide="override"' in page
    assert 'value="code:C03"' in page  # any cause code of the installation
    assert "regulator" in page  # the severity signal with its evidence
    assert f"/complaints/{c.number}/similar/" in page


def test_accepting_sets_the_code_and_is_audited(cast: Any, register: Any) -> None:
    c = register()
    suggestion = _suggest(c)
    response = cast.client("alice").post(f"/complaints/{c.number}/suggestions/zh_cause/",
                                         {"version": c.version, "accept": "1",
                                          "choice": "code:C03"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    c.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.chosen_code == "C07"
    assert c.codes["cause"] == "C07" and c.version == 2
    event = c.events.order_by("-seq").first()
    assert event.type == "classify" and event.actor_label.endswith("alice")
    page = cast.client("alice").get(f"/complaints/{c.number}/").content.decode()
    assert 'data-status="accepted"' in page and "已确定分类" in page


def test_overriding_with_another_code_is_kept_for_retraining(cast: Any, register: Any) -> None:
    c = register()
    suggestion = _suggest(c)
    client = cast.client("mia")
    client.cookies["django_language"] = "en"
    response = client.post(f"/complaints/{c.number}/suggestions/zh_cause/",
                           {"version": c.version, "choice": "code:C03"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    c.refresh_from_db()
    assert suggestion.status == "overridden" and suggestion.decided_by.endswith("mia")
    assert c.codes["cause"] == "C03"
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert "Overridden" in page and "Classification saved." in page


def test_a_stale_version_or_an_unknown_code_changes_nothing(cast: Any, register: Any) -> None:
    c = register()
    suggestion = _suggest(c)
    client = cast.client("alice")
    url = f"/complaints/{c.number}/suggestions/zh_cause/"
    stale = client.post(url, {"version": c.version + 5, "accept": "1"})
    assert stale.status_code == 409 and 'id="stale"' in stale.content.decode()
    unknown = client.post(url, {"version": c.version, "choice": "code:Z99"})
    assert unknown.status_code == 422 and 'id="triage-error"' in unknown.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"


def test_auditors_see_no_controls_and_outsiders_nothing(cast: Any, register: Any) -> None:
    c = register()
    _suggest(c)
    auditor = cast.client("audrey")
    page = auditor.get(f"/complaints/{c.number}/").content.decode()
    assert 'id="suggestion-zh_cause"' in page and 'data-decide="accept"' not in page
    url = f"/complaints/{c.number}/suggestions/zh_cause/"
    assert auditor.post(url, {"version": c.version, "accept": "1"}).status_code == 403
    assert cast.client("bob").post(url, {"version": c.version, "accept": "1"}).status_code == 404
    assert cast.client("bob").get(f"/complaints/{c.number}/similar/").status_code == 404


def test_a_repeat_of_the_same_customer_shows_as_a_duplicate(
        cast: Any, register: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = register()  # joins the duplicate index when it commits
    second = register()
    page = cast.client("mia").get(f"/complaints/{second.number}/").content.decode()
    assert 'id="duplicates"' in page and first.number in page and "建议合并" in page


def test_similar_resolved_cases_are_listed_in_scope(cast: Any, register: Any) -> None:
    from complaints.models import Complaint

    closed = register(content="信用卡年费未经同意被扣收，要求退还年费")
    Complaint.objects.filter(pk=closed.pk).update(state="closed", closed_at=timezone.now())
    c = register(content="信用卡年费被扣收，未经我同意")
    page = cast.client("mia").get(f"/complaints/{c.number}/similar/").content.decode()
    assert closed.number in page
    outsider = cast.client("bob")
    assert outsider.get(f"/complaints/{c.number}/similar/").status_code == 404


def test_a_complaint_without_suggestions_says_so(cast: Any, register: Any) -> None:
    c = register()
    client = cast.client("mia")
    client.cookies["django_language"] = "en"
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert "No classification suggestions" in page


@pytest.mark.parametrize("choice", ["C01", "", "label:", "bogus:C01"])
def test_a_malformed_choice_is_refused_not_taken_as_acceptance(cast: Any, register: Any,
                                                               choice: str) -> None:
    c = register()
    suggestion = _suggest(c)
    client = cast.client("alice")
    url = f"/complaints/{c.number}/suggestions/zh_cause/"
    zh = client.post(url, {"version": c.version, "choice": choice},
                     HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 422 and "请从给出的分类中选择" in zh.content.decode()
    en = client.post(url, {"version": c.version, "choice": choice}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose one of the offered classifications" in en.content.decode()
    suggestion.refresh_from_db()
    c.refresh_from_db()
    assert suggestion.status == "pending" and c.version == 1
    assert not c.events.filter(type="classify").exists()

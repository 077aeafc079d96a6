"""A group complaint is major when 20 or more complainants come in person (NFRA Order 2020 No. 3
Art. 29(2)): the number recorded at registration decides, by the API, the staff form and the
regulator's file; a group named only in the text is marked complex for staff to judge."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint
from complaints.tests.test_api import create, errors_of, key_client
from intake.regulator import import_file
from notify.models import Notification
from triage.signals import GROUP_MAJOR_SIZE, Signal, read_signals, severity_for

pytestmark = pytest.mark.django_db
__all__ = ["key_client"]  # the fixture, used by name
GROUP_TEXT = "我们多名客户的理财产品到期无法兑付，集体投诉。"


@pytest.mark.parametrize(("size", "in_person", "severity"), [
    (None, False, "complex"),  # named in the text only: staff judge
    (GROUP_MAJOR_SIZE, True, "major"),
    (GROUP_MAJOR_SIZE - 1, True, "normal"),  # counted, and fewer than 20
    (GROUP_MAJOR_SIZE + 5, False, "complex"),  # a joint letter: not Art. 29(2), staff judge
])
def test_the_number_of_complainants_decides_over_a_word_in_the_text(
        size: int | None, in_person: bool, severity: str) -> None:
    signals = [s for s in read_signals(GROUP_TEXT) if s.name == "group"]
    assert signals == [Signal("group", "集体投诉")]
    assert severity_for(signals, False, group_size=size, in_person=in_person) == severity


def test_a_group_in_the_text_is_registered_complex_and_not_announced(register: Any) -> None:
    c = register(content=GROUP_TEXT)
    assert c.severity == "complex" and c.group_size is None
    assert "group" in c.tags
    assert not Notification.objects.filter(kind="major", complaint_id=c.pk).exists()


def test_twenty_complainants_at_the_counter_make_a_major_complaint(register: Any) -> None:
    c = register(channel="counter", group_size=20)
    assert (c.severity, c.group_size) == ("major", 20)
    assert {"name": "group", "evidence": "20 名投诉人到场 / 20 complainants in person"} \
        in c.signals
    assert c.events.get(type="register").payload["group_size"] == 20
    assert Notification.objects.filter(kind="major", complaint_id=c.pk).exists()


def test_a_small_counted_group_is_not_raised_by_its_text(register: Any) -> None:
    c = register(channel="visit", group_size=3, content=GROUP_TEXT)
    assert c.severity == "normal"
    assert [s for s in c.signals if s["name"] == "group"] == [
        {"name": "group", "evidence": "3 名投诉人到场 / 3 complainants in person"}]


def test_the_api_takes_and_answers_the_number_of_complainants(key_client: Client) -> None:
    answer = create(key_client, channel="visit", group_size=30)
    assert answer.status_code == 201, answer.content
    assert (answer.json()["group_size"], answer.json()["severity"]) == (30, "major")
    bad = create(key_client, key="k-2", group_size=0)
    assert bad.status_code == 422 and "group_size" in errors_of(bad)
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]["ComplaintIn"]
    assert "Art. 29(2)" in schema["properties"]["group_size"]["description"]


def test_the_staff_form_records_the_number_and_the_page_shows_it(cast: Any) -> None:
    client = cast.client("agent")
    response = client.post("/intake/new/", {
        "channel": "counter", "source": "direct", "name": "刘洋", "phone": "13611112222",
        "language": "zh-Hans", "unit": "BJ01", "content": GROUP_TEXT, "group_size": "25",
        "token": "form-token-group"})
    assert response.status_code == 302, response.content.decode()[:2000]
    c = Complaint.objects.get()
    assert (c.group_size, c.severity) == (25, "major")
    page = cast.client("mia").get(f"/complaints/{c.number}/").content.decode()
    assert '<span id="group-size">投诉人数: 25</span>' in page  # beside the receipt time
    english = cast.client("mia").get(f"/complaints/{c.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Number of complainants: 25" in english.content.decode()


def test_the_regulators_file_carries_the_number_of_complainants(cast: Any) -> None:
    day = timezone.localdate() - dt.timedelta(days=2)
    data = ("转办编号,来源,转办日期,投诉人,手机号码,被投诉机构,投诉内容,投诉人数\n"
            f"G-1,12378,{day},王五,13912345678,BJ01,理财无法兑付,26\n"
            f"G-2,12378,{day},赵六,13912345679,BJ01,理财无法兑付,很多\n"
            f"G-3,12378,{day},钱七,13912345670,BJ01,理财无法兑付,２５\n")
    report = import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert report.ignored == [] and len(report.created) == 2
    assert [(e.row, e.field) for e in report.errors] == [(3, "group_size")]
    assert Complaint.objects.get(external_ref="G-1").group_size == 26
    assert Complaint.objects.get(external_ref="G-3").group_size == 25  # typed in full width


def test_statistics_count_a_counted_group_as_major(cast: Any, register: Any) -> None:
    register(channel="counter", group_size=20)
    register(content=GROUP_TEXT)
    today = timezone.localdate().isoformat()
    body = cast.client("cpo").get(
        f"/api/v1/reports/statistics?group=severity&from={today}&to={today}").json()
    rows = {r["severity"]: r["n"] for r in body["tables"]["statistics"]["rows"]}
    assert rows == {"major": 1, "complex": 1}

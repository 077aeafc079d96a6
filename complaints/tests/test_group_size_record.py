"""The number of complainants recorded or corrected after registration (`record_group_size`):
Art. 29(2) then rates the complaint as at registration, a higher rating takes effect as an
escalation does (announced once, counted in the statistics), a lower one is never applied;
staff of the complaint's unit only, at the version they saw, on the timeline old → new."""

from typing import Any

import pytest
from django.utils import timezone

from complaints.tests.helpers import act
from complaints.tests.test_api import act as api_act
from complaints.tests.test_api import create, errors_of
from notify.models import Notification

pytestmark = pytest.mark.django_db
REASON = "次日二十余名客户到网点共同投诉"


def _majors(c: Any) -> int:
    return Notification.objects.filter(kind="major", complaint_id=c.pk).count()


def _last(c: Any) -> dict[str, Any]:
    return dict(c.events.order_by("-seq").first().payload)


def test_twenty_counted_later_at_the_counter_make_it_major_announced_once(
        cast: Any, register: Any) -> None:
    c = register(channel="counter")
    assert (c.severity, c.group_size, _majors(c)) == ("normal", None, 0)
    c = act(cast, "alice", c, "record_group_size", group_size=20, reason=REASON)
    c.refresh_from_db()
    assert (c.severity, c.group_size, c.version) == ("major", 20, 2)
    assert {"name": "group", "evidence": "20 名投诉人到场 / 20 complainants in person"} \
        in c.signals and "group" in c.tags
    assert _last(c) == {"group_size_before": None, "group_size": 20, "in_person": True,
                        "reason": REASON, "from": "normal", "to": "major"}
    told = _majors(c)
    assert told >= 2  # the unit's manager and the branch's
    c = act(cast, "mia", c, "record_group_size", group_size=26, reason="核对名单为26人")
    assert "from" not in _last(c) and _majors(c) == told


def test_an_escalated_complaint_is_not_announced_again(cast: Any, register: Any) -> None:
    c = act(cast, "alice", register(channel="visit"), "escalate", severity="major",
            reason="客户称将联系媒体")
    told = _majors(c)
    c = act(cast, "alice", c, "record_group_size", group_size=30, reason=REASON)
    assert (c.severity, _majors(c)) == ("major", told)


def test_a_group_that_called_first_and_came_in_person_later(cast: Any, register: Any) -> None:
    c = register(channel="phone")
    c = act(cast, "alice", c, "record_group_size", group_size=25, reason="来电称有25人")
    assert c.severity == "complex"  # not in person: staff judge, as at registration
    assert Notification.objects.filter(kind="escalation", complaint_id=c.pk).exists()
    c = act(cast, "alice", c, "record_group_size", group_size=25 + 1, in_person=True,
            reason=REASON)
    assert (c.severity, _last(c)["from"], _last(c)["to"]) == ("major", "complex", "major")
    assert _majors(c) >= 1
    c = act(cast, "mia", c, "record_group_size", group_size=27, reason="补登一人")
    assert _last(c)["in_person"] is True  # once in person, a correction does not unsay it


def test_a_lower_number_never_lowers_the_severity(cast: Any, register: Any) -> None:
    c = register(channel="counter", group_size=20)
    c = act(cast, "mia", c, "record_group_size", group_size=3, reason="名单核对后为3人")
    c.refresh_from_db()
    assert (c.severity, c.group_size) == ("major", 3)
    assert _last(c)["severity_kept"] == "major" and "to" not in _last(c)
    assert [s for s in c.signals if s["name"] == "group"] == [
        {"name": "group", "evidence": "3 名投诉人到场 / 3 complainants in person"}]


def test_statistics_follow_the_raise(cast: Any, register: Any) -> None:
    c = register(channel="counter")
    act(cast, "alice", c, "record_group_size", group_size=20, reason=REASON)
    today = timezone.localdate().isoformat()
    body = cast.client("cpo").get(
        f"/api/v1/reports/statistics?group=severity&from={today}&to={today}").json()
    assert {r["severity"]: r["n"] for r in body["tables"]["statistics"]["rows"]} == {"major": 1}


def test_the_api_takes_it_from_the_units_staff_at_the_current_version(cast: Any) -> None:
    created = create(cast.client("agent"), channel="counter").json()
    number = created["number"]
    assert "record_group_size" not in created["allowed_actions"]  # intake: at registration
    alice = cast.client("alice")
    body = {"group_size": 22, "reason": REASON}
    assert api_act(cast.client("bob"), number, "record_group_size", 1, **body).status_code \
        == 404  # a handler of another unit does not see it
    assert api_act(cast.client("agent"), number, "record_group_size", 1, **body).status_code \
        == 403
    done = api_act(alice, number, "record_group_size", 1, **body)
    assert done.status_code == 200, done.content
    assert (done.json()["group_size"], done.json()["severity"]) == (22, "major")
    stale = api_act(alice, number, "record_group_size", 1, **{**body, "group_size": 23})
    assert stale.status_code == 409 and "version" in errors_of(stale)
    same = api_act(alice, number, "record_group_size", 2, **body)
    assert same.status_code in (400, 422) and "already 22" in errors_of(same)["group_size"]
    for bad in ({"group_size": 0, "reason": REASON}, {"group_size": 5}):
        refused = api_act(alice, number, "record_group_size", 2, **bad)
        assert refused.status_code == 422, refused.content


def test_the_page_records_it_and_shows_old_and_new(cast: Any, register: Any) -> None:
    c = register(channel="counter", group_size=4)
    client = cast.client("mia")
    url = f"/complaints/{c.number}/actions/record_group_size/"
    fields = {"record_group_size-group_size": "21", "record_group_size-reason": REASON}
    assert client.post(url, {"record_group_size-version": "1", **fields}).status_code == 302
    stale = cast.client("alice").post(url, {"record_group_size-version": "1", **fields,
                                            "record_group_size-group_size": "22"})
    assert stale.status_code == 409 and 'id="stale"' in stale.content.decode()
    page = client.get(f"/complaints/{c.number}/").content.decode()
    assert "登记投诉人数" in page and "原投诉人数: 4" in page and "投诉人数: 21" in page
    english = client.get(f"/complaints/{c.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Number of complainants before: 4" in english
    assert "Severity before: Normal" in english and "Severity after: Major" in english
    outsider = cast.client("bob").post(url, {"record_group_size-version": "2", **fields})
    assert outsider.status_code == 404

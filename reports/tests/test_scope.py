"""Reports read only the caller's scope: a sub-branch manager sees its unit, an outsider gets
nothing, a unit outside the scope does not exist, and rulings need their role."""

from typing import Any

import pytest

from complaints.errors import Forbidden
from complaints.models import Complaint
from reports.models import RootCauseTag, ValidityRuling
from reports.tests.helpers import act, customer, register


@pytest.fixture
def spread(cast: Any) -> dict[str, Any]:
    return {
        "bj01": register(cast, customer=customer(1), codes={"business": "B02"}),
        "bj02": register(cast, who="max", unit="BJ02", customer=customer(2)),
        "sh01": register(cast, who="bob", unit="SH01", customer=customer(3)),
    }


def _units(body: dict[str, Any]) -> dict[str, int]:
    return {r["unit"]: r["n"] for r in body["tables"]["statistics"]["rows"]}


def test_a_sub_branch_manager_sees_only_its_unit(cast: Any, spread: Any) -> None:
    client = cast.client("mia")
    body = client.get("/api/v1/reports/statistics?group=unit").json()
    assert _units(body) == {"BJ01": 1}
    assert body["tables"]["statistics"]["totals"]["n"] == 1
    assert client.get("/api/v1/reports/statistics?unit=BJ").status_code == 404
    assert client.get("/api/v1/reports/statistics?unit=SH01").status_code == 404
    drill = client.get("/api/v1/reports/drill?measure=n").json()
    assert [r["number"] for r in drill["tables"]["complaints"]["rows"]] == [spread["bj01"].number]


def test_the_branch_manager_and_the_head_office_see_their_subtrees(cast: Any, spread: Any) -> None:
    body = cast.client("max").get("/api/v1/reports/statistics?group=unit").json()
    assert _units(body) == {"BJ01": 1, "BJ02": 1}
    body = cast.client("cpo").get("/api/v1/reports/statistics?group=unit").json()
    assert _units(body) == {"BJ": 2, "SH": 1}
    body = cast.client("audrey").get("/api/v1/reports/statistics?group=unit&unit=SH").json()
    assert _units(body) == {"SH01": 1}


def test_an_outsider_gets_nothing(cast: Any, spread: Any) -> None:
    for name in ("bob", "alice", "agent", "root"):
        res = cast.client(name).get("/api/v1/reports/statistics")
        assert res.status_code == 403, name
        assert res.json()["errors"][0]["field"] == "report"
    from django.test import Client

    assert Client().get("/api/v1/reports/statistics").status_code == 401
    assert cast.client("bob").get("/reports/statistics/").status_code == 403


def test_an_api_key_needs_the_read_scope(cast: Any, spread: Any) -> None:
    from org.keys import issue_key

    _, plain = issue_key("crm", ["complaints:create"], cast.bj)
    _, reader = issue_key("bi", ["complaints:read"], cast.bj)
    from django.test import Client

    res = Client().get("/api/v1/reports/statistics", headers={"Authorization": f"Bearer {plain}"})
    assert res.status_code == 403
    res = Client().get(
        "/api/v1/reports/statistics?group=unit", headers={"Authorization": f"Bearer {reader}"}
    )
    assert res.status_code == 200 and _units(res.json()) == {"BJ01": 1, "BJ02": 1}


def test_only_a_consumer_protection_officer_rules_validity(cast: Any, spread: Any) -> None:
    c = spread["bj01"]
    Complaint.objects.filter(pk=c.pk).update(state="closed")
    with pytest.raises(Forbidden):
        act(cast.principal("mia"), c.number, "rule_validity", validity="valid", reason="成立")
    act(cast.principal("cpo"), c.number, "rule_validity", validity="malicious", reason="恶意")
    act(cast.principal("mia"), c.number, "tag_root_cause", root_cause="RC02", note="操作失误")
    c.refresh_from_db()
    assert c.validity == "malicious"
    assert ValidityRuling.objects.get(pk=c.pk).reason == "恶意"
    assert RootCauseTag.objects.get(pk=c.pk).cause.code == "RC02"
    assert [e.type for e in c.events.order_by("seq")][-2:] == ["rule_validity", "tag_root_cause"]
    res = cast.client("cpo").post(
        f"/api/v1/complaints/{c.number}/actions/tag_root_cause",
        {"version": c.version, "root_cause": "NOPE"},
        content_type="application/json",
    )
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "root_cause"
    body = cast.client("cpo").get("/api/v1/reports/root_causes?unit_depth=2").json()
    rows = body["tables"]["root_causes"]["rows"]
    assert [
        (r["root_cause"], r["business"], r["unit"], r["n"]) for r in rows if r["root_cause"]
    ] == [("RC02", "B02", "BJ01", 1)]
    body = cast.client("cpo").get("/api/v1/reports/statistics?validity=valid").json()
    assert body["tables"]["statistics"]["totals"]["n"] == 0


def test_the_report_pages_render_for_staff(cast: Any, spread: Any) -> None:
    client = cast.client("cpo")
    for path in (
        "/reports/",
        "/reports/statistics/?group=unit,business",
        "/reports/regulator/",
        "/reports/alerts/",
        "/reports/assessment/",
        "/reports/disclosure/2026/",
    ):
        res = client.get(path)
        assert res.status_code == 200, path
    assert client.get("/reports/nope/").status_code == 404


def test_a_report_narrowed_to_a_unit_drills_down_within_that_unit(cast: Any, spread: Any) -> None:
    client = cast.client("max")
    for name in ("statistics", "service"):
        body = client.get(f"/api/v1/reports/{name}?unit=BJ01&group=state").json()
        rows = body["tables"][name]["rows"]
        assert [r["n"] for r in rows] == [1]
        link = rows[0]["drill"] if name == "statistics" else rows[0]["drill"]["n"]
        drill = client.get(link).json()
        numbers = [r["number"] for r in drill["tables"]["complaints"]["rows"]]
        assert numbers == [spread["bj01"].number]


def test_the_compliance_report_design_md_names_is_the_service_report(
    cast: Any, spread: Any
) -> None:
    client = cast.client("cpo")
    res = client.get("/api/v1/reports/compliance?group=unit")
    assert res.status_code == 200
    assert res.json()["report"] == "service"
    assert res.json()["tables"]["service"]["totals"]["n"] == 3
    assert client.get("/reports/compliance/").status_code == 200


def test_a_drill_page_past_the_last_says_so(cast: Any, spread: Any) -> None:
    body = cast.client("cpo").get("/api/v1/reports/drill?measure=n&page=5&page_size=1").json()
    assert body["tables"]["complaints"]["rows"] == []
    assert body["notes"] == ["共 3 件，此页之后没有了 / 3 complaints; none on this page"]

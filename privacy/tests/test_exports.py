"""Exports are audited: every report taken through the API and every subject-access export
leaves an access-log row; the subject-access export holds the customer's own data."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from privacy.models import AccessLog
from privacy.tests.helpers import act

pytestmark = pytest.mark.django_db


def test_an_xlsx_report_download_is_logged(cast: Any, register: Any) -> None:
    register()
    response = cast.client("cpo").get("/api/v1/reports/statistics?format=xlsx&period=2026")
    assert response.status_code == 200, response.content[:300]
    log = AccessLog.objects.get()
    assert (log.kind, log.actor_label, log.actor_id, log.channel, log.target) == (
        "report_export", "staff:cpo", cast.users["cpo"].pk, "api", "statistics")
    assert log.detail == {"format": "xlsx", "query": {"format": "xlsx", "period": "2026"}}


def test_a_json_report_through_the_api_is_logged_and_a_refused_one_is_not(cast: Any) -> None:
    client = cast.client("cpo")
    assert client.get("/api/v1/reports/statistics").status_code == 200
    assert client.get("/api/v1/reports/no-such-report").status_code == 404
    assert list(AccessLog.objects.values_list("target", flat=True)) == ["statistics"]


def test_the_access_log_is_append_only(cast: Any) -> None:
    cast.client("cpo").get("/api/v1/reports/statistics")
    log = AccessLog.objects.get()
    with pytest.raises(TypeError):
        log.save()
    with pytest.raises(TypeError):
        AccessLog.objects.all().delete()
    with pytest.raises(TypeError):
        AccessLog.objects.update(target="x")


def test_the_subject_access_export_holds_the_customers_data_and_is_logged(
        cast: Any, register: Any, tmp_path: Path) -> None:
    c = register()
    act(cast, "alice", c.number, "note", text="内部备注INTERNAL")
    act(cast, "alice", c.number, "contact", kind="call", summary="已致电客户说明情况")
    register(customer={"name": "王五", "phone": "13900002222", "id_number": ""})
    target = tmp_path / "export.json"
    call_command("export_customer_data", c.number, "--operator", "cpo", "--reason", "SAR-7",
                 "--output", str(target), stderr=StringIO())
    data = json.loads(target.read_text(encoding="utf-8"))
    assert target.stat().st_mode & 0o777 == 0o600  # unmasked identifiers: owner only
    assert data["customer"]["id_number"] == "11010519491231002X"
    assert data["customer"]["name"] == "张三"
    assert [x["number"] for x in data["complaints"]] == [c.number]
    assert data["complaints"][0]["contacts"][0]["summary"] == "已致电客户说明情况"
    assert "INTERNAL" not in target.read_text(encoding="utf-8")
    log = AccessLog.objects.get()
    assert (log.kind, log.actor_label, log.channel) == ("subject_export", "staff:cpo", "cli")
    assert log.detail["complaints"] == [c.number] and log.detail["reason"] == "SAR-7"


def test_the_export_finds_a_customer_by_id_number_and_refuses_the_unknown(
        cast: Any, register: Any) -> None:
    c = register()
    out = StringIO()
    call_command("export_customer_data", "11010519491231002X", "--operator", "cpo",
                 "--reason", "SAR-8", stdout=out)
    assert json.loads(out.getvalue())["complaints"][0]["number"] == c.number
    with pytest.raises(CommandError):
        call_command("export_customer_data", "TS-20000101-000001", "--operator", "cpo",
                     "--reason", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("export_customer_data", c.number, "--operator", "nobody",
                     "--reason", "x", stdout=StringIO())
    assert AccessLog.objects.count() == 1

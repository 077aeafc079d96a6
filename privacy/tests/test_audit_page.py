"""The auditor's page: reveals and exports in the auditor's scope, and chain verification."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from org.models import RoleGrant
from privacy.actions import log_access
from privacy.models import AccessKind
from workspace.actions import reveal_customer

pytestmark = pytest.mark.django_db


def _sh_auditor(cast: Any) -> Client:
    user = get_user_model().objects.create_user("shaun")
    RoleGrant.objects.create(user=user, role="auditor", unit=cast.sh)
    client = Client()
    client.force_login(user)
    return client


def test_auditors_see_reveals_and_exports_in_their_scope_only(cast: Any, register: Any) -> None:
    c = register()
    reveal_customer(cast.principal("alice"), c.number, "回电核实身份")
    log_access(cast.principal("mia"), AccessKind.REPORT_EXPORT, channel="web",
               target="statistics.xlsx", detail={})
    page = cast.client("audrey").get("/audit/").content.decode()
    assert 'data-nav="audit"' in page
    assert 'data-nav="audit"' not in cast.client("alice").get("/home/").content.decode()
    assert c.number in page and "回电核实身份" in page and "staff:alice" in page
    assert "statistics.xlsx" in page and "staff:mia" in page
    assert cast.client("cpo").get("/audit/").status_code == 200
    elsewhere = _sh_auditor(cast).get("/audit/").content.decode()  # BJ01 is not under SH
    assert "回电核实身份" not in elsewhere and "statistics.xlsx" not in elsewhere
    for name in ("alice", "mia", "agent", "root"):
        assert cast.client(name).get("/audit/").status_code == 403


def test_a_tampered_event_is_named_and_an_intact_chain_verifies(cast: Any, register: Any) -> None:
    intact, tampered = register(), register()
    audrey = cast.client("audrey")
    page = audrey.get("/audit/", {"verify": "1", "number": intact.number}).content.decode()
    assert 'id="chains-result"' in page and "alert success" in page
    with connection.cursor() as cursor:  # what a DBA editing the table behind the app would do
        cursor.execute("UPDATE complaints_event SET actor_label = 'staff:nobody' "
                       "WHERE complaint_id = %s", [tampered.pk])
    page = audrey.get("/audit/", {"verify": "1"}).content.decode()
    assert f"{tampered.number} event #1 (register): content does not match" in page
    assert intact.number + " event" not in page
    outside = _sh_auditor(cast).get("/audit/", {"verify": "1", "number": tampered.number})
    assert "content does not match" not in outside.content.decode()


def test_a_chain_cut_after_its_anchor_is_named(cast: Any, register: Any) -> None:
    from complaints.anchors import take_anchor

    c = register()
    reveal_customer(cast.principal("alice"), c.number, "回电核实身份")
    take_anchor()
    first = c.events.get(seq=1)
    with connection.cursor() as cursor:  # the last event deleted, the head rewound
        cursor.execute("DELETE FROM complaints_event WHERE complaint_id = %s AND seq = 2", [c.pk])
        cursor.execute("UPDATE complaints_complaint SET last_event_seq = 1, last_event_hash = %s "
                       "WHERE id = %s", [first.hash, c.pk])
    page = cast.client("audrey").get("/audit/", {"verify": "1"}).content.decode()
    assert f"{c.number}: the chain ends at event #1 but anchor #1 recorded #2" in page


def test_bad_filters_are_named_and_the_page_still_answers(cast: Any) -> None:
    response = cast.client("audrey").get("/audit/", {"from": "yesterday", "kind": "nope"})
    page = response.content.decode()
    assert response.status_code == 200 and "from" in page and "kind" in page
    assert page.count('class="alert error"') == 2


def test_an_integration_keys_exports_are_on_the_page_of_its_units_auditors(cast: Any) -> None:
    from org.keys import issue_key

    _, token = issue_key("crm-export", ["complaints:read"], cast.bj01)
    key = Client(headers={"Authorization": f"Bearer {token}"})
    assert key.get("/api/v1/reports/drill?format=xlsx").status_code == 200
    page = cast.client("audrey").get("/audit/").content.decode()
    assert "key:crm-export" in page
    assert "key:crm-export" not in _sh_auditor(cast).get("/audit/").content.decode()


def test_an_export_stays_on_the_audit_page_after_its_actors_roles_are_withdrawn(
        cast: Any) -> None:
    from privacy.models import AccessLog

    log_access(cast.principal("mia"), AccessKind.REPORT_EXPORT, channel="api",
               target="statistics", detail={"format": "xlsx"})
    log_access(cast.principal("max"), AccessKind.REPORT_EXPORT, channel="api",
               target="assessment", detail={})
    RoleGrant.objects.filter(user__username__in=["mia", "max"]).delete()  # both have left
    assert AccessLog.objects.count() == 2
    page = cast.client("audrey").get("/audit/").content.decode()
    assert "staff:mia" in page and "staff:max" in page
    branch = get_user_model().objects.create_user("bea")
    RoleGrant.objects.create(user=branch, role="auditor", unit=cast.bj)
    client = Client()
    client.force_login(branch)
    assert "staff:mia" in client.get("/audit/").content.decode()
    assert "staff:mia" not in _sh_auditor(cast).get("/audit/").content.decode()


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "yesterday"])
def test_a_date_that_does_not_exist_is_named_not_a_server_error(cast: Any, day: str) -> None:
    for language, message in (("zh-hans", "不是有效日期"), ("en", "not a date")):
        response = cast.client("audrey").get(f"/audit/?from={day}",
                                             HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert message in response.content.decode()


def test_a_reveal_whose_purpose_retention_redacted_says_so(cast: Any, register: Any) -> None:
    from django.core.management import call_command

    from privacy.tests.helpers import close_long_ago

    c = register()
    reveal_customer(cast.principal("alice"), c.number, "回电核实身份")
    close_long_ago(cast, c)
    call_command("purge_expired", stdout=None)
    page = cast.client("audrey").get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert c.number in page and "[redacted]" in page
    assert "redacted_sha256" not in page and "回电核实身份" not in page


def test_a_number_with_a_nul_is_no_complaint_and_never_reaches_the_database(
        cast: Any, django_assert_num_queries: Any) -> None:
    # PostgreSQL refuses to compare text holding a NUL: asked, it made the page a 500.
    from privacy.views import check_chains

    with django_assert_num_queries(0):
        found = check_chains(("/HO/",), "TS-20261122-000001\x00")
    assert found["checked"] == 0 and found["error"]
    page = cast.client("audrey").get("/audit/?verify=1&number=%00").content.decode()
    assert "您的审计范围内没有该投诉" in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_kind_filter_offers_every_kind_of_record_in_the_readers_language(
        cast: Any, language: str) -> None:
    """The log holds command-line records and evidence downloads besides exports: the column
    and its filter say "kind", and the filter offers each of them."""
    from privacy.actions import log_access

    log_access(cast.principal("mia"), AccessKind.UNITS_IMPORTED, channel="cli",
               target="org-units:units.csv", detail={})
    client = cast.client("audrey")
    client.cookies["django_language"] = language
    page = client.get("/audit/").content.decode()
    heading = "记录类型" if language == "zh-hans" else "Kind"
    assert f'<label for="kind">{heading}</label>' in page
    assert f'<th scope="col">{heading}</th>' in page and "导出类型" not in page
    for value, label in AccessKind.choices:
        chinese, english = label.split(" ", 1)
        shown = chinese if language == "zh-hans" else english
        assert f'<option value="{value}">{shown}</option>' in page
    assert f"<td>{'导入机构' if language == 'zh-hans' else 'Org units imported'}</td>" in page

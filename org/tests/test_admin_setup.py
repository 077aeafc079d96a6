"""The administrator's mistakes in the org tree and the staff channels are refused in the admin
with a reason in both languages, and an import through the admin is on the admin's log."""

from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import admin_client
from org.importer import import_units, read_rows
from org.models import ApiKey, OrgUnit, Subscription

pytestmark = pytest.mark.django_db


def unit_form(unit: OrgUnit, **changes: Any) -> dict[str, Any]:
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent": unit.parent_id or "", "approval_limit": unit.approval_limit,
            "senior_approval_limit": unit.senior_approval_limit, "assignment": unit.assignment,
            "claim_minutes": unit.claim_minutes, "active": "on"}
    data.update(changes)
    return data


@pytest.mark.parametrize("parent", ["ho", "bj01"])
def test_a_unit_cannot_be_moved_under_itself_or_its_own_descendant(cast: Any,
                                                                   parent: str) -> None:
    client = admin_client()
    target = cast.ho if parent == "ho" else cast.bj
    under = getattr(cast, parent)
    url = reverse("admin:org_orgunit_change", args=[target.pk])
    page = client.post(url, unit_form(target, parent=under.pk))
    assert page.status_code == 200
    assert "the parent cannot be the unit itself or a unit inside it" in page.content.decode()
    paths = dict(OrgUnit.objects.values_list("code", "path"))
    assert paths["HO"] == "/HO/" and paths["BJ"] == "/HO/BJ/" and paths["BJ01"] == "/HO/BJ/BJ01/"


def test_a_unit_code_with_a_slash_is_refused_as_it_would_land_in_another_subtree(
        cast: Any) -> None:
    client = admin_client()
    page = client.post(reverse("admin:org_orgunit_add"),
                       unit_form(cast.sh01, code="BJ/X", parent=cast.ho.pk))
    assert page.status_code == 200
    assert "a unit code may hold only letters" in page.content.decode()
    assert not OrgUnit.objects.filter(code="BJ/X").exists()
    result = import_units(read_rows("u.csv", b"code,name,kind,parent\nBJ/X,x,branch,HO\n"))
    assert [str(e) for e in result.errors or []] == [
        "row 2, code: 机构代码只能由字母、数字、“_”、“-”、“.”组成 / a unit code may hold only "
        "letters, digits, '_', '-' and '.'"]


def test_an_import_through_the_admin_is_on_the_admins_log(cast: Any) -> None:
    client = admin_client()
    upload = SimpleUploadedFile("u.csv", b"code,name,kind,parent\nGZ,gz,branch,HO\n"
                                         b"BJ01,moved,sub_branch,SH\n")
    assert client.post("/admin/org/orgunit/import/", {"file": upload}).status_code == 302
    entries = {e.object_repr.split()[0]: e for e in LogEntry.objects.all()}
    assert entries["GZ"].action_flag == ADDITION
    assert entries["BJ01"].action_flag == CHANGE
    assert entries["BJ01"].user.get_username() == "boss"
    assert "u.csv" in entries["BJ01"].get_change_message()


@pytest.mark.parametrize("url", [
    "http://robot.example/hook", "https://169.254.169.254/latest/meta-data/",
    "https://localhost/hook", "https://127.1/hook", "https://[::1]/hook", "https://10.1.2.3/h",
    "",
])
def test_a_robot_webhook_must_be_https_and_not_internal(cast: Any, url: str) -> None:
    client = admin_client()
    page = client.post(reverse("admin:org_subscription_add"),
                       {"unit": cast.bj.pk, "event": "major", "channel": "wecom",
                        "webhook_url": url, "secret": "", "subtree": "on", "active": "on"})
    assert page.status_code == 200
    assert "a robot&#x27;s address" in page.content.decode()
    assert not Subscription.objects.exists()


def test_a_public_https_robot_and_an_email_subscription_are_accepted(cast: Any) -> None:
    client = admin_client()
    for channel, url in [("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
                         ("email", "")]:
        page = client.post(reverse("admin:org_subscription_add"),
                           {"unit": cast.bj.pk, "event": "major", "channel": channel,
                            "webhook_url": url, "secret": "", "subtree": "on", "active": "on"})
        assert page.status_code == 302
    assert Subscription.objects.count() == 2


def test_an_api_key_is_revoked_in_the_admin_never_deleted(cast: Any) -> None:
    from org.keys import issue_key

    key, _ = issue_key("crm", ["complaints:read"], cast.bj)
    client = admin_client()
    assert client.get(reverse("admin:org_apikey_delete", args=[key.pk])).status_code == 403
    client.post(reverse("admin:org_apikey_changelist"),
                {"action": "delete_selected", "_selected_action": [key.pk], "post": "yes"})
    assert ApiKey.objects.filter(pk=key.pk).exists()


def test_a_role_on_a_deactivated_unit_is_refused_not_silently_void(cast: Any) -> None:
    from org.models import RoleGrant

    OrgUnit.objects.filter(pk=cast.sh01.pk).update(active=False)
    page = admin_client().post(reverse("admin:org_rolegrant_add"),
                               {"user": cast.users["bob"].pk, "role": "manager",
                                "unit": cast.sh01.pk})
    assert page.status_code == 200
    assert "a role granted on it would have no effect" in page.content.decode()
    assert not RoleGrant.objects.filter(user=cast.users["bob"], role="manager").exists()


def test_an_active_unit_cannot_be_placed_under_a_deactivated_one(cast: Any) -> None:
    OrgUnit.objects.filter(pk=cast.sh01.pk).update(active=False)
    page = admin_client().post(reverse("admin:org_orgunit_add"),
                               unit_form(cast.sh01, code="SH0101", parent=cast.sh01.pk))
    assert page.status_code == 200
    assert "the parent is deactivated" in page.content.decode()
    result = import_units(read_rows("u.csv", b"code,name,kind,parent\nSH0101,x,department,SH01\n"))
    assert [e.field for e in result.errors or []] == ["parent"]
    assert not OrgUnit.objects.filter(code="SH0101").exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"claim_minutes": 0}, "the time to claim must be at least 1 minute"),
    ({"approval_limit": "-1"}, "the approval limit cannot be negative"),
    ({"approval_limit": "60000", "senior_approval_limit": "50000"},
     "the senior approval limit cannot be below the approval limit"),
])
def test_a_units_limits_that_would_break_its_work_are_refused(cast: Any, changes: Any,
                                                              message: str) -> None:
    page = admin_client().post(reverse("admin:org_orgunit_change", args=[cast.bj01.pk]),
                               unit_form(cast.bj01, **changes))
    assert page.status_code == 200
    assert message in page.content.decode()
    cast.bj01.refresh_from_db()
    assert (cast.bj01.claim_minutes, cast.bj01.approval_limit) == (240, 5000)


def test_a_unit_left_without_a_parent_is_refused_as_a_second_root(cast: Any) -> None:
    page = admin_client().post(reverse("admin:org_orgunit_add"),
                               unit_form(cast.sh01, code="AUDIT", parent=""))
    assert page.status_code == 200
    assert "only the head office has no parent" in page.content.decode()
    result = import_units(read_rows("u.csv", b"code,name,kind,parent\nGZ,gz,branch,HO\n"
                                             b"AUDIT,audit,department,\n"))
    assert [(e.row, e.field) for e in result.errors or []] == [(3, "parent")]
    assert not OrgUnit.objects.filter(code__in=["GZ", "AUDIT"]).exists()


def test_a_new_head_office_above_the_old_one_is_one_root(cast: Any) -> None:
    result = import_units(read_rows("u.csv", b"code,name,kind,parent\nHO,hq,branch,GROUP\n"
                                             b"GROUP,group,head_office,\n"))
    assert result.errors == []
    assert OrgUnit.objects.get(code="BJ01").path == "/GROUP/HO/BJ/BJ01/"


def test_a_unit_cannot_be_taken_out_of_the_tree_as_a_second_root(cast: Any) -> None:
    client = admin_client()
    page = client.post(reverse("admin:org_orgunit_change", args=[cast.sh.pk]),
                       unit_form(cast.sh, parent=""))
    assert page.status_code == 200
    assert "only the head office has no parent" in page.content.decode()
    assert OrgUnit.objects.get(code="SH").path == "/HO/SH/"
    # The head office itself, the one root, stays editable.
    assert client.post(reverse("admin:org_orgunit_change", args=[cast.ho.pk]),
                       unit_form(cast.ho, name="总行（新）")).status_code == 302

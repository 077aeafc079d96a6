"""The configuration commands leave an audit record of who ran them: the staff member named
with --by (with the admin's history of each object, as an admin import writes), else the OS
account and host; the auditors of the units they touched see it."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from org.cli import os_account
from org.models import ApiKey, OrgUnit
from privacy.models import AccessLog

pytestmark = pytest.mark.django_db
UNITS = "code,name,kind,parent\nGZ,广州分行,branch,HO\nBJ01,朝阳支行新,sub_branch,BJ\n"


def _staff(name: str = "ops.wang") -> Any:
    return get_user_model().objects.create_user(name, password="x", is_staff=True)


def test_an_import_without_by_names_the_os_account(cast: Any, tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("code,name,kind,parent\nGZ,广州分行,nowhere,HO\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_units", str(path), stdout=io.StringIO())  # nothing to record
    path.write_text(UNITS, encoding="utf-8")
    call_command("import_units", str(path), stdout=io.StringIO())
    row = AccessLog.objects.get()
    assert (row.kind, row.channel, row.actor_id) == ("units_imported", "cli", None)
    assert row.actor_label == f"os:{os_account()}" and "@" in row.actor_label
    assert row.target == "org-units:units.csv"
    assert (row.detail["created"], row.detail["updated"]) == (1, 1)
    assert row.unit_paths == " /HO/BJ/BJ01/ /HO/GZ/ "
    assert not LogEntry.objects.exists()  # the admin's history needs a user


def test_an_import_by_a_staff_member_is_in_the_admin_history_too(cast: Any,
                                                                  tmp_path: Path) -> None:
    boss = _staff()
    path = tmp_path / "units.csv"
    path.write_text(UNITS, encoding="utf-8")
    call_command("import_units", str(path), "--by", "ops.wang", stdout=io.StringIO())
    assert AccessLog.objects.get().actor_label == "staff:ops.wang"
    entries = {(e.object_id, e.action_flag) for e in LogEntry.objects.filter(user=boss)}
    assert entries == {(str(OrgUnit.objects.get(code="GZ").pk), ADDITION),
                       (str(cast.bj01.pk), CHANGE)}


def test_an_issued_key_is_recorded_with_who_issued_it(cast: Any) -> None:
    boss = _staff()
    out = io.StringIO()
    call_command("create_api_key", "crm", "--scopes", "complaints:read", "--unit", "BJ",
                 "--by", "ops.wang", stdout=out, stderr=io.StringIO())
    key = ApiKey.objects.get(name="crm")
    row = AccessLog.objects.get()
    assert (row.kind, row.actor_id, row.target) == ("api_key_issued", boss.pk, "api-key:crm")
    assert row.detail["scopes"] == ["complaints:read"] and row.unit_paths == " /HO/BJ/ "
    assert out.getvalue().strip() not in str(row.detail)  # never the secret
    assert LogEntry.objects.get(user=boss).object_id == str(key.pk)
    call_command("create_api_key", "erp", "--scopes", "complaints:read", "--unit", "BJ",
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert AccessLog.objects.filter(actor_label=f"os:{os_account()}",
                                    target="api-key:erp").exists()


def test_by_must_name_an_active_staff_account(cast: Any) -> None:
    for name in ("nobody", "alice"):  # alice: a handler, not staff of the admin
        with pytest.raises(CommandError, match="no active staff account"):
            call_command("create_api_key", "crm", "--scopes", "complaints:read", "--unit", "BJ",
                         "--by", name, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiKey.objects.exists()

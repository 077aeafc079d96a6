"""A subject-access export is run only for an operator with a consumer-protection or
administrator role over the customer's complaints, and the audit page shows what was exported
and why."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from org.models import RoleGrant
from privacy.models import AccessLog

pytestmark = pytest.mark.django_db


def _export(number: str, operator: str) -> None:
    call_command("export_customer_data", number, "--operator", operator, "--reason", "SAR-42",
                 stdout=StringIO())


@pytest.mark.parametrize("operator", ["alice", "mia", "audrey", "bob"])
def test_an_operator_without_a_privacy_role_over_the_complaints_is_refused(
        cast: Any, register: Any, operator: str) -> None:
    c = register()
    with pytest.raises(CommandError, match="holds no consumer-protection or administrator"):
        _export(c.number, operator)
    assert not AccessLog.objects.exists()


def test_a_privacy_role_elsewhere_does_not_count(cast: Any, register: Any) -> None:
    c = register()  # in BJ01
    sh_officer = get_user_model().objects.create_user("cpo-sh")
    RoleGrant.objects.create(user=sh_officer, role="consumer_protection", unit=cast.sh)
    with pytest.raises(CommandError):
        _export(c.number, "cpo-sh")
    cast.bj.active = False  # a grant on an inactive unit counts for nothing
    bj_officer = get_user_model().objects.create_user("cpo-bj")
    RoleGrant.objects.create(user=bj_officer, role="consumer_protection", unit=cast.bj)
    cast.bj.save(update_fields=["active"])
    with pytest.raises(CommandError):
        _export(c.number, "cpo-bj")
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("operator", ["cpo", "root"])
def test_consumer_protection_and_administrators_over_the_units_may_export(
        cast: Any, register: Any, operator: str) -> None:
    c = register()
    _export(c.number, operator)
    assert AccessLog.objects.get().actor_label == f"staff:{operator}"


def test_the_audit_page_shows_the_exported_complaints_and_the_reason(
        cast: Any, register: Any) -> None:
    c = register()
    _export(c.number, "cpo")
    page = cast.client("audrey").get("/audit/").content.decode()
    table = page[page.index('id="access-log"'):]
    assert c.number in table and "SAR-42" in table and "stdout" in table

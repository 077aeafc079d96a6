"""verify_audit tells retention's redactions from a value hidden by hand (a digest in place of
a value keeps the event's hash, so only where and when it was redacted can give it away), and
the complaint's state from one set outside its timeline."""

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.audit import REDACTED, _digest, first_broken_link
from complaints.models import Complaint, Event
from privacy.tests.helpers import close_long_ago

pytestmark = pytest.mark.django_db


def _hide(event: Event, key: str) -> None:
    """What an insider with database access can do: swap a value for its digest."""
    payload = {**event.payload, key: {REDACTED: _digest(event.payload[key])}}
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Event._meta.db_table} SET payload = %s WHERE id = %s",
                       [json.dumps(payload), event.pk])


def _revealed(register: Any, cast: Any) -> Complaint:
    c = register()
    cast.client("mia").post(f"/complaints/{c.number}/reveal/", {"purpose": "私下查询亲友信息"})
    assert c.events.filter(type="reveal_customer").exists()
    return c


def test_a_reveals_purpose_hidden_by_hand_is_caught(register: Any, cast: Any,
                                                    capsys: Any) -> None:
    c = _revealed(register, cast)
    _hide(c.events.get(type="reveal_customer"), "purpose")
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "redacted though the complaint was not anonymised" in capsys.readouterr().out


def test_a_value_retention_never_redacts_is_caught_even_after_anonymisation(
        register: Any, cast: Any) -> None:
    c = register()
    run_action(cast.principal("mia"), c.number, "escalate", ACTION_SCHEMAS["escalate"]
               .model_validate({"version": 1, "severity": "major", "reason": "媒体关注"}))
    escalated = c.events.get(type="escalate")
    assert escalated.payload["to"] == "major"
    _hide(escalated, "to")
    c = close_long_ago(cast, Complaint.objects.get(pk=c.pk))
    call_command("purge_expired", stdout=None)
    assert c.events.filter(type="anonymise").exists()
    assert "'to' redacted, which retention never redacts" in (
        first_broken_link(Complaint.objects.get(pk=c.pk)) or "")


def test_retentions_own_redactions_still_verify(register: Any, cast: Any, capsys: Any) -> None:
    c = _revealed(register, cast)
    close_long_ago(cast, c)
    call_command("purge_expired")
    reveal = c.events.get(type="reveal_customer")
    assert set(reveal.payload["purpose"]) == {REDACTED}
    call_command("verify_audit")
    assert "OK: 1 complaint chains verified" in capsys.readouterr().out


def test_a_state_changed_outside_the_timeline_is_caught(register: Any, capsys: Any) -> None:
    c = register()
    with connection.cursor() as cursor:  # closed by hand: no event, no decision, no notice
        cursor.execute(f"UPDATE {Complaint._meta.db_table} SET state = 'closed' WHERE id = %s",
                       [c.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "state 'closed' is not where its timeline left it" in capsys.readouterr().out

"""The event chain is tamper-evident and verify_audit names the first broken link."""

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.models import Event

pytestmark = pytest.mark.django_db


def _with_three_events(register: Any, cast: Any) -> Any:
    c = register()
    agent = cast.principal("agent")
    run_action(agent, c.number, "note", ACTION_SCHEMAS["note"].model_validate(
        {"version": 1, "text": "客户来电补充"}))
    run_action(agent, c.number, "accept", ACTION_SCHEMAS["accept"].model_validate({"version": 2}))
    return c


def test_clean_chains_verify(register: Any, cast: Any, capsys: Any) -> None:
    _with_three_events(register, cast)
    _with_three_events(register, cast)
    call_command("verify_audit")
    assert "OK: 2 complaint chains verified" in capsys.readouterr().out


def test_an_altered_event_is_named(register: Any, cast: Any, capsys: Any) -> None:
    c = _with_three_events(register, cast)
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET payload = %s WHERE complaint_id = %s AND seq = 2",
                       ['{"text": "篡改"}', c.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"{c.number} event #2 (note): content does not match its hash" in out


def test_a_removed_last_event_is_caught(register: Any, cast: Any, capsys: Any) -> None:
    c = _with_three_events(register, cast)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Event._meta.db_table} WHERE complaint_id = %s AND seq = 3",
                       [c.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "events removed" in capsys.readouterr().out


def test_a_removed_middle_event_is_caught(register: Any, cast: Any, capsys: Any) -> None:
    c = _with_three_events(register, cast)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Event._meta.db_table} WHERE complaint_id = %s AND seq = 2",
                       [c.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"{c.number} event #2 is missing" in capsys.readouterr().out


def test_events_refuse_to_be_changed_or_deleted_through_the_orm(register: Any) -> None:
    event = Event.objects.get(complaint=register())
    event.payload = {"x": 1}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).update(type="x")
    with pytest.raises(TypeError):
        Event.objects.all().delete()

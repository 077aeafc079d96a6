"""The event chain is tamper-evident and verify_audit names the first broken link."""

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.audit import REDACTED, first_broken_link
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


def _set_payload(event_pk: int, payload: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Event._meta.db_table} SET payload = %s WHERE id = %s",
                       [payload, event_pk])


def _anonymised(c: Any) -> None:
    from complaints.audit import append_event

    c.refresh_from_db()
    append_event(c, "anonymise", actor_label="system:retention", actor_id=None,
                 at=dt.datetime.now(dt.UTC), payload={"redacted": ["event_texts"]})
    c.save(update_fields=["last_event_seq", "last_event_hash"])


def test_a_redacted_value_keeps_the_chain_and_nothing_else_may_change(
        register: Any, cast: Any, capsys: Any) -> None:
    c = _with_three_events(register, cast)
    c.refresh_from_db()
    assert c.events.filter(type="note").redact(["text"]) == 1
    note = c.events.get(type="note")
    assert set(note.payload["text"]) == {REDACTED} and "客户来电补充" not in str(note.payload)
    # Retention redacts as it anonymises the complaint; the chain holds once that is recorded.
    assert "not anonymised" in (first_broken_link(c) or "")
    _anonymised(c)
    assert first_broken_link(c) is None
    assert c.events.filter(type="note").redact(["text"]) == 0  # already redacted
    # A redacted digest cannot be swapped for another text's, nor a value slipped back in.
    forged = json.dumps({"text": {REDACTED: "0" * 64}})
    _set_payload(note.pk, forged)
    assert "content does not match its hash" in (first_broken_link(c) or "")
    _set_payload(note.pk, json.dumps({"text": "另一段文字"}))
    assert "content does not match its hash" in (first_broken_link(c) or "")


def test_events_cannot_be_changed_through_the_orm(register: Any, cast: Any) -> None:
    c = _with_three_events(register, cast)
    with pytest.raises(TypeError):
        c.events.update(payload={})
    with pytest.raises(TypeError):
        c.events.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_migration_reseals_intact_chains_and_leaves_broken_ones_broken(
        register: Any, cast: Any) -> None:
    """Chains sealed under the old scheme (the whole payload hashed at once) are re-sealed under
    the per-key one; one altered before the migration still fails verification after it."""
    import hashlib

    from django.db.migrations.executor import MigrationExecutor

    def old_hash(prev: str, number: str, e: Event) -> str:
        body = json.dumps([prev, number, e.seq, e.type, e.actor_label,
                           e.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                           e.state_after, e.payload],
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()

    intact, altered = _with_three_events(register, cast), _with_three_events(register, cast)
    with connection.cursor() as cursor:  # seal both chains as the old scheme did
        for c in (intact, altered):
            prev = ""
            for e in Event.objects.filter(complaint=c).order_by("seq"):
                prev_, prev = prev, old_hash(prev, c.number, e)
                cursor.execute(f"UPDATE {Event._meta.db_table} SET prev_hash = %s, hash = %s "
                               "WHERE id = %s", [prev_, prev, e.pk])
            cursor.execute("UPDATE complaints_complaint SET last_event_hash = %s WHERE id = %s",
                           [prev, c.pk])
    _set_payload(altered.events.get(seq=2).pk, json.dumps({"text": "篡改"}))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("complaints", "0004_customer_contact_encrypted")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("complaints"))
    intact.refresh_from_db()
    altered.refresh_from_db()
    assert first_broken_link(intact) is None
    assert "content does not match its hash" in (first_broken_link(altered) or "")

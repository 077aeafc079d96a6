"""Event hashes v2 cover the actor's user id; v1 events sealed before the cut-over still verify,
and an event rewritten as v1 after it does not."""

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.anchors import anchor_hash, take_anchor
from complaints.audit import HASH_VERSION, event_hash, first_broken_link
from complaints.models import AuditAnchor, Complaint, Event

pytestmark = pytest.mark.django_db


def _noted(register: Any, cast: Any) -> Complaint:
    c = register()
    run_action(cast.principal("alice"), c.number, "note", ACTION_SCHEMAS["note"].model_validate(
        {"version": 1, "text": "客户来电补充"}))
    return Complaint.objects.get(pk=c.pk)


def _sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(event=Event._meta.db_table), params)


def _reseal_as_v1(c: Complaint, **changes: Any) -> None:
    """What an insider with database access can do: rewrite the whole chain under v1, which
    does not cover the actor's id, with `changes` to its events."""
    prev = ""
    for e in Event.objects.filter(complaint=c).order_by("seq"):
        for name, value in changes.items():
            setattr(e, name, value)
        digest = event_hash(version=1, prev_hash=prev, number=c.number, seq=e.seq, type=e.type,
                            actor=e.actor_label, actor_id=None, at=e.at,
                            state_after=e.state_after, payload=e.payload)
        _sql("UPDATE {event} SET hash_version = 1, actor_id = %s, prev_hash = %s, hash = %s "
             "WHERE id = %s", [e.actor_id, prev, digest, e.pk])
        prev = digest
    _sql("UPDATE complaints_complaint SET last_event_hash = %s WHERE id = %s", [prev, c.pk])


def _cut_over_after_the_last_event() -> None:
    """Anchor #0 as complaints migration 0008 writes it on an installation whose events were
    sealed as v1 (or as an insider rewrites it, hash included)."""
    anchor = AuditAnchor.objects.get(seq=0)
    anchor.cutover_event_id = Event.objects.order_by("-pk").values_list("pk", flat=True)[0]
    _sql("UPDATE complaints_auditanchor SET cutover_event_id = %s, hash = %s WHERE seq = 0",
         [anchor.cutover_event_id, anchor_hash(anchor)])


def test_new_events_are_sealed_under_v2(register: Any, cast: Any) -> None:
    c = _noted(register, cast)
    assert set(c.events.values_list("hash_version", flat=True)) == {HASH_VERSION} == {2}
    assert AuditAnchor.objects.filter(seq=0).exists()  # the cut-over, from the migration


def test_an_event_given_to_another_user_is_caught(register: Any, cast: Any,
                                                  capsys: Any) -> None:
    c = _noted(register, cast)
    note = c.events.get(type="note")
    assert note.actor_id == cast.users["alice"].pk
    # Another account with alice's display name: the label stays, the user id changes.
    _sql("UPDATE {event} SET actor_id = %s WHERE id = %s", [cast.users["bob"].pk, note.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"{c.number} event #2 (note): content does not match its hash" in \
        capsys.readouterr().out


def test_events_sealed_as_v1_before_the_cut_over_still_verify(register: Any, cast: Any) -> None:
    c = _noted(register, cast)
    _reseal_as_v1(c)
    _cut_over_after_the_last_event()
    c.refresh_from_db()
    assert first_broken_link(c) is None
    call_command("verify_audit", stdout=None)
    # And appending to such a chain continues it under v2.
    run_action(cast.principal("alice"), c.number, "accept",
               ACTION_SCHEMAS["accept"].model_validate({"version": 2}))
    c.refresh_from_db()
    assert list(c.events.values_list("hash_version", flat=True)) == [1, 1, 2]
    assert first_broken_link(c) is None


def test_an_event_rewritten_as_v1_after_the_cut_over_is_caught(register: Any, cast: Any,
                                                               capsys: Any) -> None:
    c = _noted(register, cast)
    _reseal_as_v1(c, actor_id=cast.users["bob"].pk)
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"{c.number} event #1 (register): sealed under hash v1 after the cut-over to v2 " \
           f"(downgraded)" in capsys.readouterr().out


def test_the_cut_over_cannot_be_moved_once_anchored(register: Any, cast: Any,
                                                   capsys: Any) -> None:
    c = _noted(register, cast)
    take_anchor()  # the beat's hourly anchor, chained to anchor #0
    _reseal_as_v1(c, actor_id=cast.users["bob"].pk)
    _cut_over_after_the_last_event()  # to let the rewritten events pass as older than it
    with pytest.raises(CommandError):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert "BROKEN anchor #1: does not link to the previous anchor" in out
    assert f"BROKEN {c.number} event #2 (note): not the event anchor #1 recorded" in out


def test_an_unknown_hash_version_is_named(register: Any, cast: Any) -> None:
    c = _noted(register, cast)
    _sql("UPDATE {event} SET hash_version = 9 WHERE complaint_id = %s AND seq = 2", [c.pk])
    assert "event #2 (note): unknown hash version 9" in (first_broken_link(c) or "")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_v1_chains_and_records_the_cut_over(register: Any, cast: Any,
                                                                capsys: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    c = _noted(register, cast)
    _reseal_as_v1(c)  # as sealed before hash v2 existed
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("complaints")
    try:
        executor.migrate([("complaints", "0007_group_size")])
        MigrationExecutor(connection).migrate(latest)
        last = Event.objects.order_by("-pk").values_list("pk", flat=True)[0]
        assert AuditAnchor.objects.get(seq=0).cutover_event_id == last
        assert set(Event.objects.values_list("hash_version", flat=True)) == {1}
        call_command("verify_audit")
        assert "OK: 1 complaint chains verified" in capsys.readouterr().out
    finally:
        MigrationExecutor(connection).migrate(latest)

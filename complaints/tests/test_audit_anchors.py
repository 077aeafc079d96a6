"""Anchors of the chains' heads catch a chain cut at its tail, and are themselves chained and
escrowed, so that rewriting them shows too."""

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.anchors import anchor_hash, log_line, scheduled_anchor, take_anchor
from complaints.audit import first_broken_link
from complaints.models import AnchorHead, AuditAnchor, Complaint, Event
from triage.pii import mask_text

pytestmark = pytest.mark.django_db


def _accepted(register: Any, cast: Any) -> Complaint:
    c = register()
    agent = cast.principal("agent")
    run_action(agent, c.number, "note", ACTION_SCHEMAS["note"].model_validate(
        {"version": 1, "text": "客户来电补充"}))
    run_action(agent, c.number, "accept", ACTION_SCHEMAS["accept"].model_validate({"version": 2}))
    return Complaint.objects.get(pk=c.pk)


def _sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _cut_after_second_event(c: Complaint) -> None:
    """What an insider with database access can do: delete the last event and rewind the
    complaint's head (and state) to the one before, leaving a chain that holds."""
    second = c.events.get(seq=2)
    _sql(f"DELETE FROM {Event._meta.db_table} WHERE complaint_id = %s AND seq = 3", [c.pk])
    _sql("UPDATE complaints_complaint SET last_event_seq = 2, last_event_hash = %s, state = %s "
         "WHERE id = %s", [second.hash, second.state_after, c.pk])


def _verify(capsys: Any, *args: str) -> str:
    with pytest.raises(CommandError):
        call_command("verify_audit", *args)
    out: str = capsys.readouterr().out
    return out


def test_a_chain_cut_at_its_tail_after_an_anchor_is_caught(register: Any, cast: Any,
                                                           capsys: Any) -> None:
    c, other = _accepted(register, cast), _accepted(register, cast)
    anchor = take_anchor()
    assert (anchor.seq, anchor.complaints) == (1, 2)
    _cut_after_second_event(c)
    assert f"BROKEN {c.number}: the chain ends at event #2 but anchor #1 recorded #3 (events " \
           f"removed after anchoring)" in _verify(capsys)
    assert first_broken_link(other) is None


def test_without_an_anchor_a_cut_at_the_tail_goes_unseen(register: Any, cast: Any,
                                                         capsys: Any) -> None:
    """Why anchors exist: the chain alone still holds."""
    c = _accepted(register, cast)
    _cut_after_second_event(c)
    call_command("verify_audit")
    assert "No anchor of the chains' heads yet" in capsys.readouterr().out


def test_a_tail_rewritten_after_an_anchor_is_caught(register: Any, cast: Any) -> None:
    c = _accepted(register, cast)
    take_anchor()
    _cut_after_second_event(c)
    c.refresh_from_db()
    run_action(cast.principal("agent"), c.number, "note", ACTION_SCHEMAS["note"].model_validate(
        {"version": c.version, "text": "另一段记录"}))
    assert f"{c.number} event #3 (note): not the event anchor #1 recorded (rewritten)" == \
        first_broken_link(Complaint.objects.get(pk=c.pk))


def test_new_events_after_an_anchor_are_fine_and_the_next_anchor_records_them(
        register: Any, cast: Any, capsys: Any) -> None:
    c, untouched = _accepted(register, cast), _accepted(register, cast)
    first = take_anchor()
    assert AnchorHead.objects.filter(anchor=first).count() == 2
    run_action(cast.principal("agent"), c.number, "note", ACTION_SCHEMAS["note"].model_validate(
        {"version": 3, "text": "再次来电"}))
    call_command("verify_audit")
    later = timezone.now() + dt.timedelta(hours=1)
    _sql("UPDATE complaints_complaint SET updated_at = %s WHERE id = %s",
         [timezone.now() - dt.timedelta(hours=2), untouched.pk])
    second = take_anchor(now=later)
    # Only the heads that changed since the first anchor; the digest covers every complaint.
    assert list(AnchorHead.objects.filter(anchor=second).values_list("complaint", "seq")) == \
        [(c.pk, 4)]
    assert (second.complaints, second.prev_hash) == (2, first.hash)
    call_command("verify_audit")
    assert "Anchors #0-#2 verified" in capsys.readouterr().out


def test_an_altered_anchor_or_head_is_caught(register: Any, cast: Any, capsys: Any) -> None:
    c = _accepted(register, cast)
    take_anchor()
    _sql("UPDATE complaints_anchorhead SET seq = 2 WHERE complaint_id = %s", [c.pk])
    assert "BROKEN anchor #1: content does not match its hash (altered)" in _verify(capsys)
    _sql("UPDATE complaints_anchorhead SET seq = 3 WHERE complaint_id = %s", [c.pk])
    _sql("UPDATE complaints_auditanchor SET complaints = 7 WHERE seq = 1", [])
    assert "BROKEN anchor #1: content does not match its hash (altered)" in _verify(capsys)


def test_a_removed_anchor_is_caught(register: Any, cast: Any, capsys: Any) -> None:
    _accepted(register, cast)
    take_anchor()
    take_anchor()
    first = AuditAnchor.objects.get(seq=1).pk
    _sql("DELETE FROM complaints_anchorhead WHERE anchor_id = %s", [first])
    _sql("DELETE FROM complaints_auditanchor WHERE id = %s", [first])
    assert "BROKEN anchor #1 is missing" in _verify(capsys)


def test_anchors_removed_at_their_own_tail_are_warned_about(register: Any, cast: Any,
                                                            capsys: Any) -> None:
    """Deleting the latest anchors leaves a chain of anchors that holds; events far newer than
    the latest anchor give it away."""
    c = _accepted(register, cast)
    take_anchor(now=timezone.now() - dt.timedelta(hours=5))
    call_command("verify_audit")
    assert "WARNING the latest anchor (#1" in capsys.readouterr().out
    take_anchor()
    call_command("verify_audit")
    assert "WARNING" not in capsys.readouterr().out
    assert c.events.count() == 3


def test_a_head_changed_without_its_complaint_being_updated_is_caught(
        register: Any, cast: Any, capsys: Any) -> None:
    c = _accepted(register, cast)
    take_anchor()
    _cut_after_second_event(c)
    _sql("UPDATE complaints_complaint SET updated_at = %s WHERE id = %s",
         [timezone.now() - dt.timedelta(days=1), c.pk])
    take_anchor(now=timezone.now() + dt.timedelta(hours=1))
    assert "BROKEN anchor #2: its digest is not that of the heads recorded" in _verify(capsys)


def test_anchors_rewritten_whole_are_caught_against_an_escrowed_copy(
        register: Any, cast: Any, capsys: Any, tmp_path: Path) -> None:
    c = _accepted(register, cast)
    escrowed = tmp_path / "anchor.json"
    call_command("audit_anchor", "--take", "--output", str(escrowed))
    copy = json.loads(escrowed.read_text())
    assert copy["seq"] == 1 and copy["hash"] == AuditAnchor.objects.get(seq=1).hash
    call_command("verify_audit", "--anchor", str(escrowed))
    # The cut, then the anchor re-sealed over the cut head, as an insider could.
    _cut_after_second_event(c)
    c.refresh_from_db()
    _sql("UPDATE complaints_anchorhead SET seq = 2, hash = %s", [c.last_event_hash])
    anchor = AuditAnchor.objects.get(seq=1)
    line = f"{c.number} 2 {c.last_event_hash}\n".encode()
    anchor.digest = anchor.heads_digest = hashlib.sha256(line).hexdigest()
    anchor.hash = anchor_hash(anchor)
    _sql("UPDATE complaints_auditanchor SET digest = %s, heads_digest = %s, hash = %s "
         "WHERE seq = 1", [anchor.digest, anchor.heads_digest, anchor.hash])
    call_command("verify_audit")  # the database alone holds together again
    assert "BROKEN anchor #1 differs from its escrowed copy (anchors rewritten)" in \
        _verify(capsys, "--anchor", str(escrowed))


def test_audit_anchor_prints_the_latest_anchor(register: Any, cast: Any, capsys: Any) -> None:
    _sql("DELETE FROM complaints_auditanchor", [])
    with pytest.raises(CommandError, match="No anchor yet"):
        call_command("audit_anchor")
    _accepted(register, cast)
    call_command("audit_anchor", "--take")
    printed = json.loads(capsys.readouterr().out)
    anchor = AuditAnchor.objects.get()
    assert printed == {"seq": 0, "at": anchor.at.isoformat(timespec="microseconds"),
                       "complaints": 1, "digest": anchor.digest,
                       "heads_digest": anchor.heads_digest, "cutover_event_id": 0,
                       "prev_hash": "", "hash": anchor.hash}


def test_the_beat_anchors_once_an_hour(register: Any, cast: Any) -> None:
    _accepted(register, cast)
    first = scheduled_anchor()
    assert first is not None and first.seq == 1
    assert scheduled_anchor() is None  # another server process's beat, minutes later
    _sql("UPDATE complaints_auditanchor SET at = %s WHERE seq = 1",
         [timezone.now() - dt.timedelta(hours=1)])
    later = scheduled_anchor()
    assert later is not None and later.seq == 2


def test_the_logged_anchor_survives_the_logs_pii_mask(register: Any, cast: Any) -> None:
    _accepted(register, cast)
    anchor = take_anchor()
    line = log_line(anchor)
    assert mask_text(line) == line
    assert anchor.hash[:4] + ":" + anchor.hash[4:8] in line


def test_anchors_are_append_only_through_the_orm(register: Any, cast: Any) -> None:
    _accepted(register, cast)
    anchor = take_anchor()
    with pytest.raises(TypeError):
        anchor.save()
    with pytest.raises(TypeError):
        AuditAnchor.objects.all().delete()
    with pytest.raises(TypeError):
        AnchorHead.objects.update(seq=1)


def test_a_file_that_is_no_exported_anchor_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "anchor.json"
    bad.write_text('{"seq": "1"}')
    with pytest.raises(CommandError, match="not an anchor exported by audit_anchor"):
        call_command("verify_audit", "--anchor", str(bad))

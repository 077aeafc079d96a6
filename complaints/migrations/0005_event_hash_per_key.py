"""Event hashes cover the payload key by key (complaints/audit.py), so retention can redact a value
and the chain still verify. Every chain that verifies under the old scheme is re-sealed under the
new one; a chain that does not (altered before this migration) is left as it is, so
`verify_audit` goes on reporting it. Both schemes are frozen here."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import migrations


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal | dt.date):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _sha(value: Any) -> str:
    body = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _old_hash(prev: str, number: str, e: Any) -> str:
    return _sha([prev, number, e.seq, e.type, e.actor_label, _plain(e.at), e.state_after,
                 e.payload])


def _new_hash(prev: str, number: str, e: Any) -> str:
    covered = {k: _sha(v) for k, v in e.payload.items()}
    return _sha([prev, number, e.seq, e.type, e.actor_label, _plain(e.at), e.state_after,
                 covered])


def reseal(apps, schema_editor):  # type: ignore[no-untyped-def]
    Complaint = apps.get_model("complaints", "Complaint")
    Event = apps.get_model("complaints", "Event")
    for complaint in Complaint.objects.exclude(last_event_seq=0).order_by("pk").iterator(2000):
        events = list(Event.objects.filter(complaint_id=complaint.pk).order_by("seq"))
        prev, intact = "", True
        for seq, event in enumerate(events, start=1):
            if (event.seq != seq or event.prev_hash != prev
                    or _old_hash(prev, complaint.number, event) != event.hash):
                intact = False
                break
            prev = event.hash
        if not intact or prev != complaint.last_event_hash:
            continue
        prev = ""
        for event in events:
            event.prev_hash, event.hash = prev, _new_hash(prev, complaint.number, event)
            prev = event.hash
        Event.objects.bulk_update(events, ["prev_hash", "hash"])
        Complaint.objects.filter(pk=complaint.pk).update(last_event_hash=prev)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_customer_contact_encrypted"),
    ]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]

"""Phones stored as typed ("+86 139 1234 5678", "139-1234-5678") are rewritten in the one form
registration now stores (complaints.schemas.canonical_phone), with their lookup hash, so that a
returning customer is found by phone whichever way either complaint wrote the number."""

import re

from django.db import migrations

from complaints import crypto

CHUNK = 2000


def canonical_phone(value):  # type: ignore[no-untyped-def]
    """complaints.schemas.canonical_phone as of this migration (frozen here)."""
    compact = re.sub(r"[ \-]", "", value)
    found = re.match(r"^(?:\+86|0086)?(1[3-9]\d{9})$", compact)
    return found.group(1) if found else compact


def canonical_phones(apps, schema_editor):  # type: ignore[no-untyped-def]
    Customer = apps.get_model("complaints", "Customer")
    chunk = []
    for customer in (Customer.objects.exclude(phone_enc="").only("pk", "phone_enc")
                     .iterator(chunk_size=CHUNK)):
        phone = crypto.decrypt(customer.phone_enc)
        canonical = canonical_phone(phone)
        if canonical == phone:
            continue
        customer.phone_enc = crypto.encrypt(canonical)
        customer.phone_hash = crypto.phone_hash(canonical)
        chunk.append(customer)
        if len(chunk) == CHUNK:
            Customer.objects.bulk_update(chunk, ["phone_enc", "phone_hash"])
            chunk = []
    Customer.objects.bulk_update(chunk, ["phone_enc", "phone_hash"])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0005_event_hash_per_key")]

    operations = [migrations.RunPython(canonical_phones, migrations.RunPython.noop)]

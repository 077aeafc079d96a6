"""Event hashes v2 cover the actor's user id as well as their name; events already sealed keep
their v1 hashes. Anchor #0 records the cut-over — the newest event id now — so that an event
written after it and sealed as v1 (a downgrade) breaks verification (complaints.audit,
complaints.anchors). Anchor #0's hash is frozen here as complaints.anchors.anchor_hash."""

import datetime as dt
import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max

EMPTY = hashlib.sha256(b"").hexdigest()


def _sha(value):  # type: ignore[no-untyped-def]
    body = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def cutover(apps, schema_editor):  # type: ignore[no-untyped-def]
    Event = apps.get_model("complaints", "Event")
    AuditAnchor = apps.get_model("complaints", "AuditAnchor")
    last = Event.objects.aggregate(last=Max("id"))["last"] or 0
    at = dt.datetime.now(dt.UTC)
    sealed = _sha(["anchor", "", 0, at.isoformat(timespec="microseconds"), 0, EMPTY, EMPTY, last])
    AuditAnchor.objects.create(seq=0, at=at, complaints=0, digest=EMPTY, heads_digest=EMPTY,
                               cutover_event_id=last, prev_hash="", hash=sealed)


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0007_group_size'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveIntegerField(unique=True)),
                ('at', models.DateTimeField()),
                ('complaints', models.PositiveIntegerField()),
                ('digest', models.CharField(max_length=64)),
                ('heads_digest', models.CharField(max_length=64)),
                ('cutover_event_id', models.PositiveBigIntegerField(default=0)),
                ('prev_hash', models.CharField(blank=True, max_length=64)),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'ordering': ['seq'],
            },
        ),
        migrations.AddField(
            model_name='event',
            name='hash_version',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.CreateModel(
            name='AnchorHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='complaints.complaint')),
                ('anchor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='heads', to='complaints.auditanchor')),
            ],
            options={
                'indexes': [models.Index(fields=['complaint', 'anchor'], name='complaints__complai_e6a6d4_idx')],
            },
        ),
        migrations.RunPython(cutover, migrations.RunPython.noop),
    ]

"""Trigram indexes over complaint content and claim (PostgreSQL only): `ILIKE '%term%'` uses them,
for Chinese and English alike. pg_trgm ships with PostgreSQL; creating it needs a role allowed
to create extensions (or an administrator who ran `CREATE EXTENSION pg_trgm` beforehand)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS complaint_content_trgm ON complaints_complaint "
    "USING gin (content gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS complaint_claim_trgm ON complaints_complaint "
    "USING gin (claim gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS complaint_content_trgm", "DROP INDEX IF EXISTS complaint_claim_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("workspace", "0001_complaint_fts")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The FTS5 trigram index over complaint content and claim (SQLite only), maintained by
triggers so every writer (actions, imports, the demo) keeps it current."""

from django.db import migrations

TABLE = "workspace_complaint_fts"

CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
    "content, claim, content='complaints_complaint', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ai AFTER INSERT ON complaints_complaint BEGIN "
    f"INSERT INTO {TABLE}(rowid, content, claim) VALUES (new.id, new.content, new.claim); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ad AFTER DELETE ON complaints_complaint BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, content, claim) "
    "VALUES ('delete', old.id, old.content, old.claim); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_au AFTER UPDATE OF content, claim "
    f"ON complaints_complaint BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, content, claim) "
    "VALUES ('delete', old.id, old.content, old.claim); "
    f"INSERT INTO {TABLE}(rowid, content, claim) VALUES (new.id, new.content, new.claim); END",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_ai", f"DROP TRIGGER IF EXISTS {TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {TABLE}_au", f"DROP TABLE IF EXISTS {TABLE}",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in CREATE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_routing_and_approval_levels")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The default wording of the customer letters, editable afterwards in the admin. Rows already
present (edited by the bank) are left as they are."""

from django.db import migrations

from intake.defaults import ensure_defaults


def load(apps, schema_editor):
    ensure_defaults(apps.get_model("intake", "LetterTemplate"))


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The English pause notice said "paused while Mediation takes place"; it now takes a clause
("paused while the complaint is in mediation"). Only a default the bank has not edited is
replaced."""

from django.db import migrations

OLD = (
    "Dear {{ customer_name }}, the time limit for complaint {{ number }} is paused while "
    "{{ pause_reason }} takes place; this time does not count against the limit. We will tell "
    "you as soon as we resume."
)


def reword(apps, schema_editor):
    from intake.defaults import PAUSE_EN

    template = apps.get_model("intake", "LetterTemplate")
    for row in template.objects.filter(kind="pause_notice", language="en", body=OLD):
        row.body, row.version = PAUSE_EN, row.version + 1
        row.save(update_fields=["body", "version"])


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_default_letter_templates")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]

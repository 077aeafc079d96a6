"""The review decision letter said only "结论为：变更原决定" and the reasons: a changed decision
now states the new decision, remedy and amount. Only a default the bank has not edited is
replaced."""

from django.db import migrations

OLD = {
    "zh-Hans": (
        "{{ customer_name }}：您对投诉{{ number }}处理决定提出的核查（复核）申请，结论为："
        "{{ review_outcome }}。理由：{{ review_reasons }}\n如仍有异议，您可以向依法设立的调解组织"
        "申请调解，依据仲裁协议申请仲裁，或者向人民法院提起诉讼。"
    ),
    "en": (
        "Dear {{ customer_name }}, we have reviewed our decision on complaint {{ number }}: "
        "{{ review_outcome }}. Reasons: {{ review_reasons }}\nIf you still disagree, you may apply "
        "for mediation, go to arbitration under an arbitration agreement, or bring a claim in "
        "court."
    ),
}


def reword(apps, schema_editor):
    from intake.defaults import REVIEW_EN, REVIEW_ZH

    template = apps.get_model("intake", "LetterTemplate")
    for language, new in (("zh-Hans", REVIEW_ZH), ("en", REVIEW_EN)):
        for row in template.objects.filter(kind="review_decision", language=language, pack="",
                                           body=OLD[language]):
            row.body, row.version = new, row.version + 1
            row.save(update_fields=["body", "version"])


class Migration(migrations.Migration):
    dependencies = [("intake", "0004_regulator_batch_background")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]

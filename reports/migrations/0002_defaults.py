"""The default root-cause list and the bank's default assessment rules (editable in the admin)."""

from decimal import Decimal

from django.db import migrations

ROOT_CAUSES = [
    ("RC01", "制度流程缺陷 Policy or process gap"),
    ("RC02", "员工操作失误 Staff error"),
    ("RC03", "服务态度与行为 Staff conduct"),
    ("RC04", "系统或设备故障 System or equipment fault"),
    ("RC05", "产品设计缺陷 Product design"),
    ("RC06", "信息披露不充分 Insufficient disclosure"),
    ("RC07", "第三方原因 Third party"),
    ("RC08", "客户误解 Customer misunderstanding"),
    ("RC09", "外部因素 External factors"),
    ("RC99", "其他 Other"),
]
PEOPLE = ["responsible", "vice_president", "president"]
RULES = [
    # name, source, impact, priority, amount per person, unit points
    ("赔偿或舆情影响 Compensation or public-opinion impact", "", "either", 30, "4000", "5"),
    ("人民银行转办 PBOC transfer", "regulator_pboc", "", 20, "2500", "3"),
    ("金融监管总局转办 NFRA transfer", "regulator_nfra", "", 20, "2500", "3"),
    ("总行转办 Head-office transfer", "head_office", "", 10, "2000", "2"),
    ("其他有效投诉 Other valid complaint", "", "", 0, "0", "1"),
]


def seed(apps, schema_editor):
    RootCause = apps.get_model("reports", "RootCause")
    AssessmentRule = apps.get_model("reports", "AssessmentRule")
    AssessmentSetting = apps.get_model("reports", "AssessmentSetting")
    for order, (code, label) in enumerate(ROOT_CAUSES, start=1):
        RootCause.objects.get_or_create(code=code, defaults={"label": label, "order": order * 10})
    if not AssessmentRule.objects.exists():
        for name, source, impact, priority, amount, points in RULES:
            AssessmentRule.objects.create(
                name=name, source=source, impact=impact, priority=priority,
                amount=Decimal(amount), posts=PEOPLE if Decimal(amount) else [],
                unit_points=Decimal(points))
    if not AssessmentSetting.objects.exists():
        AssessmentSetting.objects.create(base_points=Decimal("100"), bonus_points=Decimal("5"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

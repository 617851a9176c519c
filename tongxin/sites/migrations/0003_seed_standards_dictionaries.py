from decimal import Decimal

from django.db import migrations

WORK_MODEL_DICT = "site_work_model"


def seed(apps, schema_editor):
    from tongxin.sites.models import WORK_MODELS
    from tongxin.sites.standards_data import STANDARDS

    DictType = apps.get_model("core", "DictType")
    DictItem = apps.get_model("core", "DictItem")
    dict_type, _ = DictType.objects.get_or_create(code=WORK_MODEL_DICT, defaults={"name": "阵地工作模式"})
    for sort, (item_code, label) in enumerate(WORK_MODELS, start=1):
        DictItem.objects.get_or_create(dict_type=dict_type, code=item_code, defaults={"label": label, "sort": sort * 10})
    Standard = apps.get_model("sites", "Standard")
    Criterion = apps.get_model("sites", "Criterion")
    for data in STANDARDS:
        if Standard.objects.filter(code=data["code"]).exists():
            continue
        standard = Standard.objects.create(
            code=data["code"], version=1, is_current=True, name=data["name"], source=data["source"],
            description=data["description"], all_required=data["all_required"], pass_score=Decimal("60"))
        Criterion.objects.bulk_create([
            Criterion(standard=standard, order=i, name=name, description=description, evidence=evidence,
                      evidence_rule=rule, stated_in_source=stated, weight=Decimal("10"))
            for i, (name, description, evidence, rule, stated) in enumerate(data["criteria"], start=1)])


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0002_standards_tasks_evaluation"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Units of kind 县（市、区）和园区; and 五有四见（实践创新基地） shipped with only what seed 003 states.

Earlier copies of the standard carried five placeholder criteria the seed does not state (a "第五个有" and the 四见
borrowed from seed 004). They are removed from an unused copy; a copy already used by assessments keeps them and
gets a corrected next version instead. Criteria an administrator has edited (renamed, or marked as stated) stay.
"""

from django.db import migrations, models
from django.db.models import Max

OLD_DESCRIPTION_START = "出处只写明成都“4个有”"


def correct_wuyou_sijian_sc(apps, schema_editor):
    from tongxin.sites.standards_data import WUYOU_SIJIAN_SC, WUYOU_SIJIAN_SC_UNSTATED

    Standard = apps.get_model("sites", "Standard")
    Criterion = apps.get_model("sites", "Criterion")
    Assessment = apps.get_model("sites", "Assessment")
    InspectionRound = apps.get_model("sites", "InspectionRound")
    code = WUYOU_SIJIAN_SC["code"]
    current = Standard.objects.filter(code=code, is_current=True).order_by("-version").first()
    if current is None:
        return
    unstated = Criterion.objects.filter(standard=current, name__in=WUYOU_SIJIAN_SC_UNSTATED, stated_in_source=False)
    if not unstated.exists():
        return
    description = current.description
    if description.startswith(OLD_DESCRIPTION_START):
        description = WUYOU_SIJIAN_SC["description"]
    kept = list(Criterion.objects.filter(standard=current).exclude(pk__in=unstated.values("pk"))
                .order_by("order", "id"))
    used = Assessment.objects.filter(standard=current).exists() or \
        InspectionRound.objects.filter(standard=current).exists()
    if not used:
        unstated.delete()
        for order, criterion in enumerate(kept, start=1):
            criterion.order = order
            criterion.save(update_fields=["order"])
        current.description = description
        current.save(update_fields=["description"])
        return
    latest = Standard.objects.filter(code=code).aggregate(v=Max("version"))["v"] or current.version
    Standard.objects.filter(code=code, is_current=True).update(is_current=False)
    new = Standard.objects.create(
        code=code, version=latest + 1, is_current=True, name=current.name, source=current.source,
        description=description, pass_score=current.pass_score, all_required=current.all_required)
    Criterion.objects.bulk_create([
        Criterion(standard=new, order=order, name=c.name, description=c.description, weight=c.weight,
                  evidence=c.evidence, evidence_rule=c.evidence_rule, stated_in_source=c.stated_in_source)
        for order, c in enumerate(kept, start=1)])


class Migration(migrations.Migration):

    dependencies = [
        ('sites', '0003_seed_standards_dictionaries'),
    ]

    operations = [
        migrations.AlterField(
            model_name='evaluationscheme',
            name='unit_kind',
            field=models.CharField(choices=[('township', '乡镇（街道）'), ('county', '县（市、区）'), ('park', '园区'), ('mixed', '县（市、区）和园区')], default='township', help_text='园区指开发区、高新区等功能区；同时评价县（市、区）和园区时选“县（市、区）和园区”', max_length=10, verbose_name='评价对象'),
        ),
        migrations.RunPython(correct_wuyou_sijian_sc, migrations.RunPython.noop),
    ]

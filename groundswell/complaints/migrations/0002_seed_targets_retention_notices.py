"""The published stage targets, retention rules and notice wording: data rows, editable after deployment."""

from django.db import migrations

from groundswell.complaints.defaults import NOTICES, RETENTION, RETENTION_SOURCE, SOURCE, TARGETS

def seed(apps, schema_editor):
    StageTarget = apps.get_model("complaints", "StageTarget")
    RetentionRule = apps.get_model("complaints", "RetentionRule")
    NoticeTemplate = apps.get_model("complaints", "NoticeTemplate")
    for stage, days in TARGETS.items():
        StageTarget.objects.update_or_create(stage=stage, defaults={"working_days": days, "source": SOURCE})
    for outcome, years, action in RETENTION:
        RetentionRule.objects.update_or_create(
            outcome=outcome, defaults={"years": years, "action": action, "source": RETENTION_SOURCE}
        )
    for kind, (subject, body) in NOTICES.items():
        NoticeTemplate.objects.update_or_create(kind=kind, defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_cases_stages_handlers_evidence")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""The membership types, their rates and the party's default rules of good standing, as rows a treasurer may change
(a rate change is a new row with its effective-from date). The figures are a starting point, not law: each party
sets its own in its rule book, so the source says so."""

import datetime as dt

from django.db import migrations

SOURCE = "Starting figures shipped with Groundswell; replace with the party's own (rule book / conference decision)"

# code, name, who qualifies, [(effective from, pence a month, pence a year)]
TYPES = [
    ("standard", "Standard", "Anyone in work", [(dt.date(2020, 1, 1), 500, 5500), (dt.date(2026, 1, 1), 550, 6000)]),
    ("reduced", "Reduced", "Low-waged, unwaged, carers, or anyone for whom the standard rate is a hardship",
     [(dt.date(2020, 1, 1), 250, 2750)]),
    ("retired", "Retired", "Retired members", [(dt.date(2020, 1, 1), 250, 2750)]),
    ("youth", "Youth", "Members aged 14 to 26", [(dt.date(2020, 1, 1), 100, 1200)]),
    ("student", "Student", "Members in full-time education", [(dt.date(2020, 1, 1), 100, 1200)]),
    ("union", "Union-affiliated", "Members of an affiliated trade union paying the political levy",
     [(dt.date(2020, 1, 1), 150, 1800)]),
]  # fmt: skip


def load(apps, schema_editor) -> None:
    MembershipType = apps.get_model("dues", "MembershipType")
    Rate = apps.get_model("dues", "Rate")
    DuesRules = apps.get_model("dues", "DuesRules")
    for position, (code, name, description, rates) in enumerate(TYPES):
        kind, _ = MembershipType.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "position": position}
        )
        for effective_from, monthly, yearly in rates:
            for interval, amount in (("month", monthly), ("year", yearly)):
                Rate.objects.get_or_create(
                    membership_type=kind, interval=interval, effective_from=effective_from,
                    defaults={"amount_pence": amount, "source": SOURCE},
                )  # fmt: skip
    if not DuesRules.objects.filter(unit__isnull=True).exists():
        DuesRules.objects.create(
            unit=None, grace_months=1, lapse_after_months=6, lapse_warning_months=4, renewal_notice_days=21,
            default_type=MembershipType.objects.get(code="standard"), source=SOURCE,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

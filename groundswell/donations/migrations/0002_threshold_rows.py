"""The thresholds as rows with their sources (uk-rules.md §4): what counts as a donation, and when a party reports
one. The 2023 uprating Order raised the reporting figures by 49.09% from 1 January 2024 (uk-rules.md R64)."""

import datetime as dt

from django.db import migrations

D = dt.date
PPERA_DONATION = (
    "PPERA 2000 s.52: a benefit of £500 or less is not a donation (Electoral Commission, political party donations "
    "and loans in Great Britain: which donations and loans do you need to report; uk-rules.md R18)"
)
CANDIDATE = (
    "RPA 1983 Sch 2A: a gift to a candidate of £50 or less is not a donation (Electoral Commission, guidance for "
    "candidates and agents, UKPGE: what counts as a donation; uk-rules.md R21)"
)
REPORT_2024 = (
    "PPERA 2000 s.62 as uprated from 1 Jan 2024 by the 2023 Order (Electoral Commission, which donations and "
    "loans do you need to report; grouping benefits; uk-rules.md R18, R90, R91)"
)
REPORT_OLD = "PPERA 2000 s.62 (Electoral Commission guidance before 2024: £7,500 central party, £1,500 accounting unit)"

# (kind, from, to, pounds, source)
THRESHOLDS = [
    ("donation_party", D(2009, 1, 1), None, 500, PPERA_DONATION),
    ("donation_candidate", D(2009, 1, 1), None, 50, CANDIDATE),
    ("report_central", D(2009, 1, 1), D(2023, 12, 31), 7_500, REPORT_OLD),
    ("report_unit", D(2009, 1, 1), D(2023, 12, 31), 1_500, REPORT_OLD),
    ("report_central_further", D(2009, 1, 1), D(2023, 12, 31), 1_500, REPORT_OLD),
    ("report_central", D(2024, 1, 1), None, 11_180, REPORT_2024),
    ("report_unit", D(2024, 1, 1), None, 2_230, REPORT_2024),
    ("report_central_further", D(2024, 1, 1), None, 2_230, REPORT_2024),
]


def load(apps, schema_editor):
    Threshold = apps.get_model("donations", "Threshold")
    for kind, start, end, pounds, source in THRESHOLDS:
        Threshold.objects.create(
            kind=kind, applies_from=start, applies_to=end, amount_pence=pounds * 100, source=source
        )


def unload(apps, schema_editor):
    apps.get_model("donations", "Threshold").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("donations", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

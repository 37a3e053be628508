"""The legal limits as rows with their sources (uk-rules.md §3), the Parliaments' first sittings (the long
campaign), and the general elections 2010–2024 with their dissolutions."""

import datetime as dt

from django.db import migrations

D = dt.date
EC_2024 = (
    "Electoral Commission, UKPGE candidates and agents guidance 2024; RPA 1983 s.76 as uprated by SI 2023/1235 "
    "(worked examples: Mole Valley RO; Brentford & Isleworth)"
)
EC_2015 = "Electoral Commission, UKPGE 2015/2017/2019 candidates and agents guidance; RPA 1983 s.76, SI 2014/1785"
EC_2010 = "Electoral Commission, UKPGE 2010 candidates and agents guidance; RPA 1983 s.76, PPERA 2009"
BY_2023 = (
    "RPA 1983 s.76(2)(aa) £100,000 × 1.8006 (SI 2023/1235, rounded down to £10): derived, not seen in a source; "
    "verify against the Commission's by-election guidance"
)
LOCAL_2023 = "Electoral Commission, local elections in England candidates and agents guidance 2024 (SI 2023/1235)"
LOCAL_OLD = "Electoral Commission, local elections in England guidance 2019–2023"
JOINT = "RPA 1983 s.76(4)-(5): joint candidates' limit reduced by a quarter (two) or a third (three or more)"
NAT_2023 = "PPERA 2000 Sch 9 para 3 as uprated by SI 2023/1235: £54,010 per seat; floors (Electoral Commission)"
NAT_OLD = "PPERA 2000 Sch 9 para 3: £30,000 per seat; floors £810,000 / £120,000 / £60,000 (Electoral Commission)"

# (election type, period, area type, from, to, fixed £, pence per elector, long start, scaled, source)
CANDIDATE_LIMITS = [
    ("parl", "short", "borough", D(2010, 1, 1), D(2014, 12, 31), 7_150, 5, None, True, EC_2010),
    ("parl", "short", "county", D(2010, 1, 1), D(2014, 12, 31), 7_150, 7, None, True, EC_2010),
    ("parl", "long", "borough", D(2010, 1, 1), D(2014, 12, 31), 25_000, 5, D(2010, 1, 1), False, EC_2010),
    ("parl", "long", "county", D(2010, 1, 1), D(2014, 12, 31), 25_000, 7, D(2010, 1, 1), False, EC_2010),
    ("parl", "short", "borough", D(2015, 1, 1), D(2023, 11, 16), 8_700, 6, None, True, EC_2015),
    ("parl", "short", "county", D(2015, 1, 1), D(2023, 11, 16), 8_700, 9, None, True, EC_2015),
    # 2015: the fixed-term Parliament's long campaign, from 19 Dec 2014, unscaled.
    ("parl", "long", "borough", D(2015, 1, 1), D(2015, 12, 31), 30_700, 6, D(2014, 12, 19), False, EC_2015),
    ("parl", "long", "county", D(2015, 1, 1), D(2015, 12, 31), 30_700, 9, D(2014, 12, 19), False, EC_2015),
    ("parl", "long", "borough", D(2016, 1, 1), D(2023, 11, 16), 30_700, 6, None, True, EC_2015),
    ("parl", "long", "county", D(2016, 1, 1), D(2023, 11, 16), 30_700, 9, None, True, EC_2015),
    ("parl", "short", "borough", D(2023, 11, 17), None, 11_390, 8, None, True, EC_2024),
    ("parl", "short", "county", D(2023, 11, 17), None, 11_390, 12, None, True, EC_2024),
    ("parl", "long", "borough", D(2023, 11, 17), None, 40_220, 8, None, True, EC_2024),
    ("parl", "long", "county", D(2023, 11, 17), None, 40_220, 12, None, True, EC_2024),
    ("parl_by", "short", "any", D(2010, 1, 1), D(2023, 11, 16), 100_000, 0, None, True, "RPA 1983 s.76(2)(aa)"),
    ("parl_by", "short", "any", D(2023, 11, 17), None, 180_060, 0, None, True, BY_2023),
    ("local", "short", "any", D(2014, 1, 1), D(2023, 11, 16), 740, 6, None, True, LOCAL_OLD),
    ("local", "short", "any", D(2023, 11, 17), None, 960, 8, None, True, LOCAL_2023),
]

PARLIAMENTS = [
    (D(2005, 5, 11), "House of Commons Journal: Parliament first met 11 May 2005"),
    (D(2010, 5, 18), "House of Commons Journal: Parliament first met 18 May 2010"),
    (D(2015, 5, 18), "House of Commons Journal: Parliament first met 18 May 2015"),
    (D(2017, 6, 13), "House of Commons Journal: Parliament first met 13 June 2017"),
    (D(2019, 12, 17), "House of Commons Journal: Parliament first met 17 December 2019 (long campaign from 18 Jul 2024)"),
    (D(2024, 7, 9), "House of Commons Journal: Parliament first met 9 July 2024"),
]

ELECTIONS = [
    ("parl.2010-05-06", D(2010, 5, 6), D(2010, 4, 12)),
    ("parl.2015-05-07", D(2015, 5, 7), D(2015, 3, 30)),
    ("parl.2017-06-08", D(2017, 6, 8), D(2017, 5, 3)),
    ("parl.2019-12-12", D(2019, 12, 12), D(2019, 11, 6)),
    ("parl.2024-07-04", D(2024, 7, 4), D(2024, 5, 30)),
]


def load(apps, schema_editor):
    CandidateLimit = apps.get_model("spending", "CandidateLimit")
    JointCandidateShare = apps.get_model("spending", "JointCandidateShare")
    NationalLimit = apps.get_model("spending", "NationalLimit")
    ParliamentSitting = apps.get_model("spending", "ParliamentSitting")
    Election = apps.get_model("spending", "Election")
    for etype, period, area, start, end, fixed, per, long_start, scaled, source in CANDIDATE_LIMITS:
        CandidateLimit.objects.create(
            election_type=etype,
            period=period,
            area_type=area,
            applies_from=start,
            applies_to=end,
            fixed_pence=fixed * 100,
            per_elector_pence=per,
            long_campaign_start=long_start,
            scaled_by_dissolution=scaled,
            source=source,
        )
    for candidates, num, den in [(2, 3, 4), (3, 2, 3)]:
        JointCandidateShare.objects.create(
            election_type="local", candidates=candidates, numerator=num, denominator=den,
            applies_from=D(2000, 1, 1), source=JOINT,
        )  # fmt: skip
    for part, per_seat, floor, start, end, source in [
        ("england", 30_000, 810_000, D(2000, 1, 1), D(2023, 11, 16), NAT_OLD),
        ("scotland", 30_000, 120_000, D(2000, 1, 1), D(2023, 11, 16), NAT_OLD),
        ("wales", 30_000, 60_000, D(2000, 1, 1), D(2023, 11, 16), NAT_OLD),
        ("northern_ireland", 30_000, 0, D(2000, 1, 1), D(2023, 11, 16), NAT_OLD),
        ("england", 54_010, 1_458_440, D(2023, 11, 17), None, NAT_2023),
        ("scotland", 54_010, 216_060, D(2023, 11, 17), None, NAT_2023),
        ("wales", 54_010, 108_030, D(2023, 11, 17), None, NAT_2023),
        ("northern_ireland", 54_010, 0, D(2023, 11, 17), None, NAT_2023),
    ]:
        NationalLimit.objects.create(
            part=part, per_seat_pence=per_seat * 100, floor_pence=floor * 100, applies_from=start, applies_to=end,
            source=source,
        )  # fmt: skip
    for first_met, source in PARLIAMENTS:
        ParliamentSitting.objects.create(first_met=first_met, source=source)
    for election_id, poll, dissolved in ELECTIONS:
        Election.objects.get_or_create(
            election_id=election_id,
            defaults={"poll_date": poll, "election_type": "parl", "dissolved": dissolved,
                      "source": "Democracy Club election id; dissolution from the House of Commons Library"},
        )  # fmt: skip


def unload(apps, schema_editor):
    for name in ("CandidateLimit", "JointCandidateShare", "NationalLimit", "ParliamentSitting"):
        apps.get_model("spending", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("spending", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

"""The selection rules as data rows with their sources (uk-rules.md §6.1), copied into each selection."""

from django.db import migrations

RULES = [
    {
        "name": "Labour parliamentary selections (NEC procedural guidelines, 2022)",
        "voter_min_months": 6,
        "applicant_min_months": 12,
        "require_good_standing": True,
        "applicant_requires_union": True,
        "nomination_quorum": 5,
        "one_nomination_per_body_per_category": True,
        "only_nominated_shortlisted": True,
        "min_women_percent": 50,
        "min_minority_ethnic": 1,
        "source": (
            "NEC procedural guidelines 2022 [R111]: 12 months' continuous membership and TUC-affiliated union "
            "membership to stand; longlist at least 50% women with at least one minority-ethnic candidate; "
            "shortlist only of nominated candidates [R113][R114]; freeze date usually 6 months' membership (?)"
        ),
    },
    {
        "name": "Labour local government selections (eliminating ballot, OMOV)",
        "voter_min_months": 6,
        "applicant_min_months": 12,
        "require_good_standing": True,
        "applicant_requires_union": False,
        "nomination_quorum": 5,
        "one_nomination_per_body_per_category": True,
        "only_nominated_shortlisted": False,
        "min_women_percent": 50,
        "min_minority_ethnic": None,
        "source": "Labour Rule Book, local government selections: 'a vote, by eliminating ballot, of all eligible "
        "individual members … on the basis of one member one vote' [R116]",
    },
    {
        "name": "Internal office (CLP standing orders)",
        "voter_min_months": 0,
        "applicant_min_months": 12,
        "require_good_standing": True,
        "applicant_requires_union": False,
        "nomination_quorum": 5,
        "one_nomination_per_body_per_category": True,
        "only_nominated_shortlisted": False,
        "min_women_percent": None,
        "min_minority_ethnic": None,
        "source": "A CLP's standing orders (edit to match yours)",
    },
]


def add(apps, schema_editor):
    RuleSet = apps.get_model("selections", "RuleSet")
    for row in RULES:
        RuleSet.objects.update_or_create(name=row["name"], defaults=row)


def remove(apps, schema_editor):
    apps.get_model("selections", "RuleSet").objects.filter(name__in=[r["name"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("selections", "0001_selections_snapshots_flags_nominations")]
    operations = [migrations.RunPython(add, remove)]

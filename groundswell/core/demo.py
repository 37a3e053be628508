"""The demo: Reading East (E14000889) on its real 2010–2024 boundaries, with synthetic people.

Everything personal here is made up (Faker en_GB, seeded) and flagged `synthetic`. Phone numbers come from
Ofcom's ranges reserved for drama (07700 900xxx, 0118 496 0xxx), emails from reserved example domains, and
postcodes are syntactically valid but invented, placed at random points inside the real wards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.geography.models import Constituency, Postcode, Ward
from groundswell.people.models import (
    Consent,
    EmailAddress,
    Membership,
    OrganisationUnit,
    Person,
    PhoneNumber,
    Suppression,
    Tag,
    Tagging,
    TimelineEntry,
)

DEMO_PASSWORD = "groundswell-demo"
# A fixed TOTP secret for the demo's privileged accounts, so a newcomer can add it to an authenticator app
# (or print the current code with `groundswell demo_totp EMAIL`). Never used outside synthetic demo accounts.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
READING_EAST = "E14000889"
READING_WEST = "E14000890"
SOURCE = "demo: synthetic data"

BOUNDARY_FILES = [
    ("gb_westminster_2010_topo.json", "constituency"),
    ("reading_wards.geojson", "ward"),
    ("west_berkshire_wards.geojson", "ward"),
    ("wokingham_wards.geojson", "ward"),
]

DEMO_USERS = [
    # email, display name, role, unit code ("" = the national unit)
    ("admin@example.org", "Demo administrator", Role.ADMINISTRATOR, "NATIONAL"),
    ("dpo@example.org", "Demo data-protection officer", Role.DATA_PROTECTION_OFFICER, "NATIONAL"),
    ("organiser@example.org", "Demo organiser (Reading East)", Role.ORGANISER, f"CLP-{READING_EAST}"),
    ("coordinator@example.org", "Demo coordinator (a Reading East branch)", Role.COORDINATOR, "FIRST_BRANCH"),
    ("caller@example.org", "Demo caller", Role.CALLER, f"CLP-{READING_EAST}"),
    ("canvasser@example.org", "Demo canvasser", Role.CANVASSER, f"CLP-{READING_EAST}"),
    ("teller@example.org", "Demo teller", Role.TELLER, f"CLP-{READING_EAST}"),
    ("volunteer@example.org", "Demo volunteer", Role.VOLUNTEER, f"CLP-{READING_EAST}"),
    ("member@example.org", "Demo member", Role.MEMBER, "FIRST_BRANCH"),
]
PRIVILEGED = {Role.ADMINISTRATOR, Role.DATA_PROTECTION_OFFICER, Role.ORGANISER, Role.COORDINATOR}

TAGS = ["volunteer", "donor", "canvasser", "phonebanker", "deliverer", "trade union", "student", "new joiner"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters allowed in the inward code
OUTWARD_CODES = ["RG1", "RG2", "RG4", "RG5", "RG6", "RG30", "RG31", "RG7", "RG10", "RG41"]


@dataclass
class DemoReport:
    created: bool
    people: int = 0
    members: int = 0
    constituencies: int = 0
    wards: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def build_demo(people: int = 3000, progress: Callable[[str], None] | None = None) -> DemoReport:
    say = progress or (lambda message: None)
    _import_boundaries(say)
    report = DemoReport(created=False)
    if not Person.objects.filter(synthetic=True).exists():
        with transaction.atomic():
            _build_people(people, say)
        report.created = True
    _ensure_users(say)
    report.people = Person.objects.filter(synthetic=True).count()
    report.members = Membership.objects.filter(person__synthetic=True).count()
    report.constituencies = Constituency.objects.count()
    report.wards = Ward.objects.count()
    report.logins = [(email, DEMO_PASSWORD, role.label) for email, _, role, _ in DEMO_USERS]
    return report


def _import_boundaries(say: Callable[[str], None]) -> None:
    from groundswell.geography.boundaries import import_boundaries

    data_dir = Path(settings.SHARED_DATA_DIR) / "boundaries"
    if Constituency.objects.count() >= 632 and Ward.objects.filter(constituency__code=READING_EAST).exists():
        say("Boundaries already loaded.")
        return
    for filename, level in BOUNDARY_FILES:
        say(f"Importing {filename} ({level})…")
        import_boundaries(data_dir / filename, level=level, progress=False)


def _ensure_units() -> dict[str, OrganisationUnit]:
    national, _ = OrganisationUnit.objects.get_or_create(
        code="NATIONAL", defaults={"name": "National party", "kind": OrganisationUnit.Kind.NATIONAL}
    )
    region, _ = OrganisationUnit.objects.get_or_create(
        code="REG-E12000008",
        defaults={"name": "South East", "kind": OrganisationUnit.Kind.REGION, "parent": national},
    )
    units = {"NATIONAL": national, "REGION": region}
    for code in (READING_EAST, READING_WEST):
        constituency = Constituency.objects.get(code=code)
        clp, _ = OrganisationUnit.objects.get_or_create(
            code=f"CLP-{code}",
            defaults={
                "name": f"{constituency.name} constituency party",
                "kind": OrganisationUnit.Kind.CONSTITUENCY,
                "parent": region,
                "constituency": constituency,
            },
        )
        units[f"CLP-{code}"] = clp
        for ward in Ward.objects.filter(constituency=constituency).order_by("name"):
            branch, _ = OrganisationUnit.objects.get_or_create(
                code=f"BR-{ward.code}",
                defaults={
                    "name": f"{ward.name} branch",
                    "kind": OrganisationUnit.Kind.BRANCH,
                    "parent": clp,
                    "constituency": constituency,
                    "ward": ward,
                },
            )
            units[branch.code] = branch
    return units


def _random_point_in(geometry, rng: random.Random) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = geometry.bounds
    from shapely.geometry import Point

    for _ in range(200):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if geometry.contains(Point(x, y)):
            return y, x
    point = geometry.representative_point()
    return point.y, point.x


def _build_people(total: int, say: Callable[[str], None]) -> None:
    import json

    from faker import Faker
    from shapely.geometry import shape

    rng = random.Random(2017)
    fake = Faker("en_GB")
    fake.seed_instance(2017)
    units = _ensure_units()
    branches = [u for code, u in units.items() if code.startswith("BR-")]
    # Reading East gets most people; Reading West a few, to show that organisers see only their own area.
    weights = [6 if b.constituency.code == READING_EAST else 1 for b in branches]
    say(f"Creating {total} synthetic people in {len(branches)} branches…")

    # Synthetic postcodes: about 15 addresses each, as real postcode units have.
    used_postcodes: set[str] = set(Postcode.objects.values_list("postcode", flat=True))
    postcode_rows: list[Postcode] = []
    postcodes_by_branch: dict[int, list[tuple[Postcode, str]]] = {}
    for index, branch in enumerate(branches):
        geometry = shape(json.loads(branch.ward.geometry))
        outward = OUTWARD_CODES[index % len(OUTWARD_CODES)]
        share = max(2, int(total * weights[index] / sum(weights) / 15) + 1)
        entries = []
        for _ in range(share):
            while True:
                code = f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
                if code not in used_postcodes:
                    used_postcodes.add(code)
                    break
            lat, lon = _random_point_in(geometry, rng)
            postcode = Postcode(
                postcode=code,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                constituency_code=branch.constituency.code,
                ward_code=branch.ward.code,
                local_authority_code=branch.ward.local_authority_code,
                country_code="E92000001",
                region_code="E12000008",
                synthetic=True,
            )
            postcode_rows.append(postcode)
            entries.append((postcode, fake.street_name()))
        postcodes_by_branch[branch.pk] = entries
    Postcode.objects.bulk_create(postcode_rows, batch_size=1000)

    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    now = timezone.now()
    people: list[Person] = []
    for _ in range(total):
        branch = rng.choices(branches, weights=weights)[0]
        postcode, street = rng.choice(postcodes_by_branch[branch.pk])
        given, family = fake.first_name(), fake.last_name()
        people.append(
            Person(
                unit=branch,
                given_name=given,
                family_name=family,
                normalised_name=f"{given} {family}".lower(),
                date_of_birth=(date(1940, 1, 1) + timedelta(days=rng.randint(0, 29000)))
                if rng.random() < 0.5
                else None,
                address_line1=f"{rng.randint(1, 180)} {street}",
                locality="Reading",
                postcode=postcode.postcode,
                latitude=postcode.latitude,
                longitude=postcode.longitude,
                constituency_code=postcode.constituency_code,
                ward_code=postcode.ward_code,
                synthetic=True,
                created_at=now - timedelta(days=rng.randint(0, 2000)),
                custom_fields={"demo": "synthetic"},
            )
        )
    people = Person.objects.bulk_create(people, batch_size=1000)

    emails, phones, memberships, consents, taggings, timeline, suppressions = [], [], [], [], [], [], []
    mobiles = iter(range(900000, 901000))
    landlines = iter(range(4960000, 4961000))
    statuses = [
        (Membership.Status.ACTIVE, 75),
        (Membership.Status.ARREARS, 8),
        (Membership.Status.LAPSED, 10),
        (Membership.Status.SUSPENDED, 2),
        (Membership.Status.RESIGNED, 5),
    ]
    for n, person in enumerate(people):
        domain = rng.choice(["example.org", "example.com", "example.net"])
        if rng.random() < 0.85:
            local = f"{person.given_name}.{person.family_name}".lower().replace(" ", "").replace("'", "")
            emails.append(EmailAddress(person=person, address=f"{local}.{n}@{domain}", primary=True))
        if rng.random() < 0.65:
            number = next(mobiles, None)
            if number is not None:
                phones.append(PhoneNumber(person=person, number=f"+447700{number}", kind="mobile", primary=True))
            else:
                number = next(landlines, None)
                if number is not None:
                    phones.append(PhoneNumber(person=person, number=f"+44118{number}", kind="home", primary=True))
        if rng.random() < 0.4:
            status = rng.choices([s for s, _ in statuses], weights=[w for _, w in statuses])[0]
            joined = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3500))
            memberships.append(
                Membership(
                    person=person,
                    number=f"DEMO{n:06d}",
                    status=status,
                    joined_on=joined,
                    lapsed_on=joined + timedelta(days=rng.randint(365, 1500))
                    if status in (Membership.Status.LAPSED, Membership.Status.RESIGNED)
                    else None,
                    branch=person.unit,
                    constituency_party=person.unit.parent,
                    payment_reference=f"DD-DEMO-{n:06d}",
                )
            )
            timeline.append(
                TimelineEntry(
                    person=person,
                    kind=TimelineEntry.Kind.MEMBERSHIP,
                    occurred_at=timezone.make_aware(timezone.datetime.combine(joined, timezone.datetime.min.time())),
                    summary="Joined the party",
                    data={"source": SOURCE},
                )
            )
        for channel, p_granted in (("email", 0.6), ("sms", 0.3), ("phone", 0.4), ("post", 0.5)):
            roll = rng.random()
            if roll < p_granted or roll > 0.95:
                granted = roll < p_granted
                timeline.append(
                    TimelineEntry(
                        person=person,
                        kind=TimelineEntry.Kind.CONSENT,
                        occurred_at=person.created_at,
                        summary=f"{channel.upper() if channel == 'sms' else channel.capitalize()} consent: "
                        f"{'granted' if granted else 'withdrawn'} ({SOURCE})",
                        data={"channel": channel, "source": SOURCE},
                    )
                )
                consents.append(
                    Consent(
                        person=person,
                        channel=channel,
                        status=Consent.Status.GRANTED if roll < p_granted else Consent.Status.WITHDRAWN,
                        source=SOURCE,
                        wording=f"Yes, you can contact me by {channel} about the campaign.",
                        recorded_at=person.created_at,
                    )
                )
        for tag in rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3])):
            taggings.append(Tagging(person=person, tag=tags[tag]))
        if rng.random() < 0.3:
            timeline.append(
                TimelineEntry(
                    person=person,
                    kind=TimelineEntry.Kind.CANVASS,
                    occurred_at=now - timedelta(days=rng.randint(1, 700)),
                    summary=rng.choice(["Doorstep: supporter", "Doorstep: undecided", "Not in", "Doorstep: against"]),
                    data={"source": SOURCE},
                )
            )
        if rng.random() < 0.01:
            suppressions.append(
                Suppression(kind=Suppression.Kind.DO_NOT_CONTACT, person=person, reason="Asked not to be contacted")
            )
    EmailAddress.objects.bulk_create(emails, batch_size=2000)
    PhoneNumber.objects.bulk_create(phones, batch_size=2000)
    for phone in rng.sample(phones, k=min(40, len(phones))):
        suppressions.append(
            Suppression(kind=Suppression.Kind.TPS, phone=phone.number, source="TPS screening (synthetic)")
        )
    Membership.objects.bulk_create(memberships, batch_size=2000)
    Consent.objects.bulk_create(consents, batch_size=2000)
    Tagging.objects.bulk_create(taggings, batch_size=2000)
    TimelineEntry.objects.bulk_create(timeline, batch_size=2000)
    Suppression.objects.bulk_create(suppressions, batch_size=2000)
    _add_duplicates(people[:12], rng)


def _add_duplicates(originals: list[Person], rng: random.Random) -> None:
    """A handful of near-duplicate records so the review-and-merge screen has work to show."""
    for n, original in enumerate(originals):
        duplicate = Person.objects.create(
            unit=original.unit,
            given_name=original.given_name,
            family_name=original.family_name,
            normalised_name=original.normalised_name,
            address_line1=original.address_line1,
            locality=original.locality,
            postcode=original.postcode,
            latitude=original.latitude,
            longitude=original.longitude,
            constituency_code=original.constituency_code,
            ward_code=original.ward_code,
            synthetic=True,
            custom_fields={"demo": "synthetic duplicate"},
        )
        if n % 2 == 0 and (email := original.email_addresses.first()):
            EmailAddress.objects.create(person=duplicate, address=email.address, primary=True)
        TimelineEntry.objects.create(
            person=duplicate, kind=TimelineEntry.Kind.NOTE, summary="Signed a petition at a street stall"
        )


def _ensure_users(say: Callable[[str], None]) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    units = _ensure_units()
    first_branch = (
        OrganisationUnit.objects.filter(parent=units[f"CLP-{READING_EAST}"]).order_by("name").first()
        or units[f"CLP-{READING_EAST}"]
    )
    units["FIRST_BRANCH"] = first_branch
    for email, name, role, unit_code in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
            say(f"Created demo login {email}")
        RoleAssignment.objects.get_or_create(user=user, role=role, unit=units[unit_code])
        if role in PRIVILEGED and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        if role == Role.MEMBER and user.person_id is None:
            person = (
                Person.objects.filter(unit=first_branch, synthetic=True, memberships__isnull=False)
                .exclude(user__isnull=False)
                .order_by("id")
                .first()
            )
            if person:
                user.person = person
                user.save(update_fields=["person"])


def current_demo_code(email: str) -> str:
    """The TOTP code a demo account needs right now (demo accounts only)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    if email not in {e for e, _, role, _ in DEMO_USERS if role in PRIVILEGED}:
        raise ValueError(f"{email} is not a privileged demo account")
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))

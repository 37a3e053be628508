"""The demo: Reading East (E14000889) on its real 2010–2024 boundaries, with synthetic people.

Both boundary sets are loaded: the campaign's register, branches and canvass are Reading East's (2010 set, the
seat the wards of 2013 and the register belong to); the 2024 set (Reading Central, Earley and Woodley, and the
other 648) is the current one, which events, targeting's hex map and lookups use.

Everything personal here is made up (Faker en_GB, seeded) and flagged `synthetic`. Phone numbers come from
Ofcom's ranges reserved for drama (07700 900xxx, 0118 496 0xxx), emails from reserved example domains, and
postcodes are syntactically valid but invented, placed at random points inside the real wards.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker
from shapely.geometry import shape

from groundswell.accounts.access import PRIVILEGED_ROLES
from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.accounts.totp import current_code
from groundswell.ballots.demo import build_ballots_demo
from groundswell.canvassing.models import CanvassCampaign, Contact
from groundswell.canvassing.services import create_campaign, record_contact
from groundswell.canvassing.targets import save_target, target_households
from groundswell.canvassing.walks.services import assign_walk, cut_walks
from groundswell.complaints.demo import build_complaints_demo
from groundswell.dues.demo import build_dues_demo
from groundswell.events.demo import build_events_demo
from groundswell.geography.boundaries import import_boundaries
from groundswell.geography.hexes import import_hexes
from groundswell.geography.models import Constituency, Postcode, Ward
from groundswell.geography.points import random_point_in
from groundswell.gotv import services as gotv
from groundswell.gotv.assignments import set_room_volunteers, set_station_tellers
from groundswell.gotv.board import TURNOUT_CURVE, polling_hours
from groundswell.gotv.knockup import complete_round, regenerate
from groundswell.gotv.models import Lift, PollingDay, TellingEntry
from groundswell.gotv.promises import promise_queryset
from groundswell.messaging.demo import build_messaging_demo
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
from groundswell.phonebank.demo import build_demo_phonebank
from groundswell.questions.support_codes import our_codes, set_our_party, support_codes_for
from groundswell.register.importing import import_register
from groundswell.register.models import Elector
from groundswell.register.synthetic import write_synthetic_register
from groundswell.selections.demo import build_selections_demo
from groundswell.spending.demo import build_spending_demo
from groundswell.surveys.demo import build_surveys_demo
from groundswell.targeting.demo import build_targeting

DEMO_PASSWORD = "groundswell-demo"
# A fixed TOTP secret for the demo's privileged accounts, so a newcomer can add it to an authenticator app
# (or print the current code with `groundswell demo_totp EMAIL`). Never used outside synthetic demo accounts.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
READING_EAST = "E14000889"
READING_WEST = "E14000890"
# Reading East's successors on the 2024 boundaries (most of its people are in one of these two).
READING_CENTRAL = "E14001438"
EARLEY_AND_WOODLEY = "E14001210"
SOURCE = "demo: synthetic data"

# (file, level, boundary set): the wards are 2013's, so they are placed in the 2010 set's constituencies.
BOUNDARY_FILES = [
    ("gb_westminster_2010_topo.json", "constituency", "2010"),
    ("uk_westminster_2024_bgc.topojson", "constituency", "2024"),
    ("reading_wards.geojson", "ward", "2010"),
    ("west_berkshire_wards.geojson", "ward", "2010"),
    ("wokingham_wards.geojson", "ward", "2010"),
]
HEX_FILE = "uk_westminster_2024.hexjson"
SEATS_IN_SET = {"2010": 632, "2024": 650}

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
    ("handler@example.org", "Demo complaints handler", Role.COMPLAINTS_HANDLER, "NATIONAL"),
    ("reviewer@example.org", "Demo independent complaints reviewer", Role.INDEPENDENT_REVIEWER, "NATIONAL"),
    ("leaders-office@example.org", "Demo leader's office (no complaints access)", Role.LEADERS_OFFICE, "NATIONAL"),
    ("agent@example.org", "Demo election agent (Reading East)", Role.ELECTION_AGENT, f"CLP-{READING_EAST}"),
    ("subagent@example.org", "Demo sub-agent (Reading East)", Role.SUB_AGENT, f"CLP-{READING_EAST}"),
    ("treasurer@example.org", "Demo treasurer", Role.TREASURER, "NATIONAL"),
    ("auditor@example.org", "Demo auditor (read-only)", Role.AUDITOR, "NATIONAL"),
    ("board@example.org", "Demo governing body member (read-only)", Role.GOVERNING_BODY, "NATIONAL"),
    (
        "secretary@example.org",
        "Demo procedures secretary (Reading East)",
        Role.PROCEDURES_SECRETARY,
        f"CLP-{READING_EAST}",
    ),
]
# The demo's privileged users get a TOTP secret: the roles the middleware asks two-factor of.
PRIVILEGED = PRIVILEGED_ROLES

TAGS = ["volunteer", "donor", "canvasser", "phonebanker", "deliverer", "trade union", "student", "new joiner"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters allowed in the inward code
OUTWARD_CODES = ["RG1", "RG2", "RG4", "RG5", "RG6", "RG30", "RG31", "RG7", "RG10", "RG41"]


class DemoDataMissing(FileNotFoundError):
    """The data folder (settings.DATA_DIR) lacks files the demo reads."""


@dataclass
class DemoReport:
    created: bool
    people: int = 0
    members: int = 0
    constituencies: int = 0
    constituencies_by_set: dict[str, int] = field(default_factory=dict)
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
    if not Elector.objects.filter(constituency__code=READING_EAST).exists():
        _build_register_and_canvass(say)
    # Each app builds its own part, lowest layer first (the events demo needs the phonebank and canvass ones).
    build_demo_phonebank(say)
    build_targeting(say)
    build_messaging_demo(say)
    # The meetup's sign-ups are confirmed by email to synthetic addresses: keep those out of the console.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        build_events_demo(say)
    build_surveys_demo(say)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        build_complaints_demo(say)
        build_spending_demo(say)
        build_dues_demo(say)  # reminders of failed charges go through messaging to synthetic addresses
    build_ballots_demo(say)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        build_selections_demo(say)
    report.people = Person.objects.filter(synthetic=True).count()
    report.members = Membership.objects.filter(person__synthetic=True).count()
    report.constituencies = Constituency.objects.count()
    report.constituencies_by_set = dict(
        Constituency.objects.order_by().values("boundary_set").annotate(n=Count("pk")).values_list("boundary_set", "n")
    )
    report.wards = Ward.objects.count()
    report.logins = [(email, DEMO_PASSWORD, role.label) for email, _, role, _ in DEMO_USERS]
    return report


def _import_boundaries(say: Callable[[str], None]) -> None:
    data_dir = Path(settings.DATA_DIR) / "boundaries"
    loaded = (
        all(Constituency.objects.filter(boundary_set=code).count() >= n for code, n in SEATS_IN_SET.items())
        and Constituency.objects.filter(boundary_set="2024", hex_q__isnull=False).exists()
    )
    if loaded and Ward.objects.filter(constituency__boundary_set="2010", constituency__code=READING_EAST).exists():
        say("Boundaries already loaded.")
        return
    missing = [name for name, _, _ in BOUNDARY_FILES if not (data_dir / name).is_file()]
    missing += [] if (data_dir / HEX_FILE).is_file() else [HEX_FILE]
    if missing:
        raise DemoDataMissing(
            f"{data_dir} lacks the demo's boundary files ({', '.join(missing)}). They ship in the repository's "
            "data/boundaries/: set GROUNDSWELL_DATA to the repository's data/ folder, or unset it to use that default."
        )
    for filename, level, boundary_set in BOUNDARY_FILES:
        say(f"Importing {filename} ({level}, {boundary_set} boundaries)…")
        import_boundaries(data_dir / filename, level=level, progress=False, boundary_set=boundary_set)
    say(f"Placing the 2024 seats on the hex map from {HEX_FILE}…")
    import_hexes(data_dir / HEX_FILE, boundary_set="2024")


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
        constituency = Constituency.objects.get(boundary_set="2010", code=code)  # the register's seats
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


def _build_people(total: int, say: Callable[[str], None]) -> None:
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
            lat, lon = random_point_in(geometry, rng)
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
    if email not in {e for e, _, role, _ in DEMO_USERS if role in PRIVILEGED}:
        raise ValueError(f"{email} is not a privileged demo account")
    return current_code(DEMO_TOTP_SECRET)


def _polling_district_codes(branches: list[OrganisationUnit]) -> dict[int, str]:
    """Invented polling-district codes in the usual shape (two letters and a digit), one per ward."""
    codes: dict[int, str] = {}
    used: set[str] = set()
    for branch in branches:
        letters = "".join(ch for ch in branch.ward.name.upper() if ch.isalpha())
        for digit in range(1, 10):
            code = f"{letters[:2]}{digit}"
            if code not in used:
                break
        used.add(code)
        codes[branch.pk] = code
    return codes


def _build_register_and_canvass(say: Callable[[str], None], households_per_ward: int = 350) -> None:
    """A synthetic register at the demo's addresses (in Xpress's full layout, through the real importer),
    then a canvass campaign with walks and some returns."""
    rng = random.Random(1945)
    constituency = Constituency.objects.get(boundary_set="2010", code=READING_EAST)  # the register's seat
    branches = list(
        OrganisationUnit.objects.filter(parent__code=f"CLP-{READING_EAST}", ward__isnull=False)
        .select_related("ward")
        .order_by("name")
    )
    pd_codes = _polling_district_codes(branches)
    properties: list[dict] = []
    for branch in branches:
        # The demo people's own addresses first, then more doors on the same streets and postcodes.
        addresses = sorted(
            set(Person.objects.filter(unit=branch, synthetic=True).values_list("address_line1", "postcode"))
        )
        streets = {}
        for line, postcode in addresses:
            number, _, street = line.partition(" ")
            if number.isdigit():
                streets.setdefault(street, set()).add((int(number), postcode))
        for doors in streets.values():
            postcodes = sorted({pc for _, pc in doors})
            for number in range(1, 120):
                if len(doors) >= households_per_ward / max(1, len(streets)):
                    break
                doors.add((number, postcodes[number % len(postcodes)]))
        for street in sorted(streets):
            for number, postcode in sorted(streets[street]):
                properties.append(
                    {
                        "address_lines": [f"{number} {street}", "Reading"],
                        "postcode": postcode,
                        "polling_district": pd_codes[branch.pk],
                    }
                )
    n_electors = int(len(properties) * 2.1)
    say(f"Writing and importing a synthetic register: {len(properties)} households, {n_electors} electors…")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "reading-east-register.tsv"
        write_synthetic_register(path, constituency, properties, n_electors=n_electors, seed=2024)
        report = import_register(path, constituency, synthetic=True, filename="demo: synthetic register (Xpress)")
        if report.errors:
            raise RuntimeError(f"demo register did not import: {report.errors[:3]}")
    _build_canvass(constituency, rng, say)
    _build_polling_day(say)


def _build_canvass(constituency: Constituency, rng: random.Random, say: Callable[[str], None]) -> None:
    clp = OrganisationUnit.objects.get(code=f"CLP-{READING_EAST}")
    campaign = create_campaign(
        unit=clp,
        constituency=constituency,
        name="Reading East voter ID",
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=180),
    )
    first_pds = sorted(
        set(Elector.objects.filter(constituency=constituency).values_list("polling_district", flat=True))
    )[:3]
    target = save_target(campaign, f"Polling districts {', '.join(first_pds)}", {"polling_districts": first_pds})
    walks = cut_walks(campaign, target_households(target), target_size=60, target=target, name_prefix="Walk")
    say(f"Cut {len(walks)} walks for the demo canvass campaign.")
    canvasser = User.objects.get(email="canvasser@example.org")
    if walks:
        assign_walk(walks[0], canvasser, actor=None)
    codes = list(support_codes_for(clp))
    outcomes = ["spoke"] * 6 + ["not_in"] * 3 + ["refused"]
    for walk in walks[1:5]:
        for stop in walk.stops.select_related("household")[:40]:
            for elector in stop.household.electors.filter(deleted_at__isnull=True):
                outcome = rng.choice(outcomes)
                record_contact(
                    elector,
                    campaign=campaign,
                    canvasser=canvasser,
                    outcome=outcome,
                    support_code=rng.choice(codes) if outcome == "spoke" else "",
                    likelihood=rng.randint(0, 10) if outcome == "spoke" else None,
                    walk=walk,
                    occurred_at=timezone.now() - timedelta(days=rng.randint(1, 25)),
                )


DEMO_POLLING_DAY = "Reading East polling day (synthetic demo)"


def _build_polling_day(say: Callable[[str], None]) -> None:
    """A polling day for Reading East today, part-way through: stations, committee rooms, promises from a
    synthetic eve-of-poll canvass, tellers' numbers spread over the hours since polls opened, postal votes known
    returned, knock-up rounds and lifts. Everything is synthetic and named so. Does nothing if it exists."""
    clp = OrganisationUnit.objects.get(code=f"CLP-{READING_EAST}")
    if PollingDay.objects.filter(unit=clp, name=DEMO_POLLING_DAY).exists():
        return
    rng = random.Random(1997)
    today = timezone.localdate()
    now = timezone.now()
    constituency = clp.constituency
    if not our_codes(clp):
        set_our_party(clp, "L")  # the demo's own party (synthetic); every other party stays "another party"
    ours = sorted(our_codes(clp))[0]
    campaign = CanvassCampaign.objects.filter(unit=clp, name="Reading East voter ID").first()
    teller = User.objects.get(email="teller@example.org")
    organiser = User.objects.get(email="organiser@example.org")
    coordinator = User.objects.get(email="coordinator@example.org")

    # An eve-of-poll canvass (synthetic) of electors nobody had reached, so the day has promises to count.
    electors = list(
        Elector.objects.filter(constituency=constituency, deleted_at__isnull=True).only(
            "pk", "polling_district", "number", "suffix", "last_contacted_at", "current_support"
        )
    )
    codes = [ours, "C", "D", "G", "R", "U", "A", "W"]
    weights = [40, 20, 8, 8, 6, 12, 3, 3]
    contacts, touched = [], []
    for elector in electors:
        if elector.last_contacted_at is not None or rng.random() > 0.45:
            continue
        code = rng.choices(codes, weights=weights)[0]
        likelihood = rng.randint(5, 10) if (code != ours or rng.random() < 0.85) else rng.randint(1, 4)
        at = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        contacts.append(
            Contact(
                elector_id=elector.pk,
                campaign=campaign,
                method=Contact.Method.DOOR,
                occurred_at=at,
                recorded_at=at,
                outcome="spoke",
                support_code=code,
                likelihood=likelihood,
                notes="synthetic demo (eve-of-poll canvass)",
            )
        )
        elector.current_support, elector.current_support_at = code, at
        elector.current_likelihood, elector.last_contacted_at = likelihood, at
        elector.postal_voter = rng.random() < 0.18  # about the share of UK voters with a postal vote
        touched.append(elector)
    Contact.objects.bulk_create(contacts, batch_size=2000)
    Elector.objects.bulk_update(
        touched,
        ["current_support", "current_support_at", "current_likelihood", "last_contacted_at", "postal_voter"],
        batch_size=1000,
    )

    districts = gotv.constituency_districts(constituency.pk)
    branches = list(
        OrganisationUnit.objects.filter(parent=clp, ward__isnull=False).select_related("ward").order_by("name")
    )
    pd_codes = _polling_district_codes(branches)
    ward_of = {pd_codes[unit.pk]: unit.ward for unit in branches}
    counts = dict(
        Elector.objects.filter(constituency=constituency, deleted_at__isnull=True)
        .values_list("polling_district")
        .annotate(n=Count("id"))
        .order_by()
    )
    day = gotv.create_polling_day(
        unit=clp,
        name=DEMO_POLLING_DAY,
        election=f"demo.{today.isoformat()}",
        date=today,
        campaign=campaign,
        promise_rule={"support_codes": [ours], "min_likelihood": 5},
        # Votes needed: a 60% turnout and 35% of the vote, rounded to tens.
        targets={pd: round(counts.get(pd, 0) * 0.6 * 0.35, -1) for pd in districts},
    )
    stations = []
    for i in range(0, len(districts), 2):
        pds = districts[i : i + 2]
        ward = ward_of.get(pds[0])
        postcode = Postcode.objects.filter(ward_code=getattr(ward, "code", ""), synthetic=True).first()
        stations.append(
            gotv.add_station(
                day,
                name=f"{ward.name if ward else pds[0]} community hall (synthetic)",
                polling_districts=pds,
                address=f"{i + 1} Example Street, Reading (synthetic)",
                postcode=postcode.postcode if postcode else "",
                latitude=postcode.latitude if postcode else None,
                longitude=postcode.longitude if postcode else None,
            )
        )
    rooms = []
    size = -(-len(districts) // 3)
    for n, i in enumerate(range(0, len(districts), size)):
        pds = districts[i : i + size]
        rooms.append(
            gotv.add_committee_room(
                day,
                name=f"Committee room {n + 1} (synthetic demo)",
                polling_districts=pds,
                coordinator=coordinator if n < 2 else organiser,
                address=f"{10 + n} Example Road, Reading (synthetic)",
            )
        )

    # Tellers and knock-up volunteers see only the stations and rooms they are posted at: the demo teller is
    # posted at every station, the demo volunteer and canvasser work from every room.
    knockers = list(User.objects.filter(email__in=["volunteer@example.org", "canvasser@example.org"]))
    for station in stations:
        set_station_tellers(station, [teller], actor=coordinator)
    for room in rooms:
        set_room_volunteers(room, knockers, actor=coordinator)

    # The day so far: a vote time for each voter drawn from the turnout curve; tellers catch most promises
    # and some other voters; postal votes of promises known returned were logged yesterday.
    opens, closes = polling_hours(day)
    station_of = {pd: s for s in stations for pd in s.polling_districts}
    promise_ids = set(promise_queryset(day).values_list("pk", flat=True))
    span = (closes - opens).total_seconds()
    steps = len(TURNOUT_CURVE) - 1

    def vote_time() -> timedelta:
        u = rng.random()
        for k in range(steps):
            if u <= TURNOUT_CURVE[k + 1]:
                within = (u - TURNOUT_CURVE[k]) / (TURNOUT_CURVE[k + 1] - TURNOUT_CURVE[k])
                return timedelta(seconds=span * (k + within) / steps)
        return timedelta(seconds=span)

    entries = []
    postal = {e.pk for e in touched if e.postal_voter}
    for elector in electors:
        promise = elector.pk in promise_ids
        client_id = f"demo-{today.isoformat()}-{elector.pk}"
        if elector.pk in postal:
            if promise and rng.random() < 0.6:
                entries.append(
                    TellingEntry(
                        polling_day=day, elector_id=elector.pk, raw_number=elector.elector_number,
                        source=TellingEntry.Source.POSTAL, client_id=client_id, entered_by=organiser,
                        entered_at=opens - timedelta(hours=rng.randint(12, 60)),
                    )
                )  # fmt: skip
            continue
        if rng.random() > (0.72 if promise else 0.55) or rng.random() > (0.85 if promise else 0.1):
            continue  # does not vote today, or voted while no teller was there
        at = opens + vote_time()
        if at > now:
            continue
        entries.append(
            TellingEntry(
                polling_day=day, elector_id=elector.pk, raw_number=elector.elector_number,
                station=station_of.get(elector.polling_district), source=TellingEntry.Source.TELLER,
                client_id=client_id, entered_by=teller, entered_at=at,
            )
        )  # fmt: skip
    if now > opens:
        for k in range(4):  # numbers that matched nobody, as tellers do type
            entries.append(
                TellingEntry(
                    polling_day=day, raw_number=f"{districts[k % len(districts)]}-9{k}99", station=stations[0],
                    client_id=f"demo-{today.isoformat()}-unknown-{k}", entered_by=teller,
                    entered_at=opens + (min(now, closes) - opens) * rng.random(),
                )
            )  # fmt: skip
    TellingEntry.objects.bulk_create(entries, batch_size=2000)
    say(f"Demo polling day: {len(promise_ids)} promises, {len(entries)} tellers' numbers so far.")

    if now > opens:
        first = regenerate(rooms[0], coordinator, round_size=60)
        complete_round(first, coordinator)
        regenerate(rooms[0], coordinator, round_size=60)
        not_voted = sorted(promise_ids - {e.elector_id for e in entries})
        waiting = Elector.objects.filter(pk__in=not_voted, polling_district__in=rooms[0].polling_districts)
        for n, elector_id in enumerate(waiting.order_by("pk").values_list("pk", flat=True)[:3]):
            Lift.objects.create(
                committee_room=rooms[0],
                elector_id=elector_id,
                status=[Lift.Status.NEEDED, Lift.Status.ARRANGED, Lift.Status.DONE][n],
                driver="" if n == 0 else "Demo driver (synthetic)",
                notes="synthetic demo",
            )

"""Bulk-join signals (Falkirk, 2013): patterns among the joins in the window before the freeze date.

Each signal raises a flag with its evidence in plain words for a named officer to review; none excludes anyone.
The Falkirk inquiry found members recruited without their knowledge, fees paid by a third party, join dates set
to the first receipt of incomplete forms, and forged signatures (uk-rules.md §6.2), hence these six signals.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction

from groundswell.people.models import EmailAddress, Membership, PhoneNumber

from . import standing
from .eligibility import memberships_in
from .models import JoinFlag, Selection, Snapshot

BURST_DAYS = 7


def _address_key(membership: Membership) -> str:
    person = membership.person
    line = " ".join((person.address_line1 or "").lower().replace(",", " ").split())
    postcode = (person.postcode or "").upper().replace(" ", "")
    return f"{line}, {postcode}" if line and postcode else ""


def _label(membership: Membership) -> str:
    return f"{membership.number} (joined {membership.joined_on:%-d %b %Y})"


def window_joins(selection: Selection, freeze: date) -> list[Membership]:
    start = freeze - timedelta(days=selection.flag_window_days)
    return [m for m in memberships_in(selection) if m.joined_on is not None and start <= m.joined_on <= freeze]


def detect(selection: Selection, freeze: date) -> list[dict]:
    """Every flag the joins in the window raise: {"signal", "key", "evidence": [lines], "memberships": [...]}."""
    joins = sorted(window_joins(selection, freeze), key=lambda m: (m.joined_on, m.number))
    found: list[dict] = []
    size = selection.flag_cluster_size

    def add(signal: str, key: str, lines: list[str], members: list[Membership]) -> None:
        found.append({"signal": signal, "key": key[:200], "evidence": lines, "memberships": members})

    by_address: dict[str, list[Membership]] = defaultdict(list)
    for m in joins:
        if key := _address_key(m):
            by_address[key].append(m)
    for key, members in by_address.items():
        if len(members) >= size:
            add(
                JoinFlag.Signal.SAME_ADDRESS,
                key,
                [f"{len(members)} memberships joined at {key} within {selection.flag_window_days} days of the freeze"]
                + [_label(m) for m in members],
                members,
            )

    sources = standing.payment_sources(joins)
    by_payer: dict[str, list[Membership]] = defaultdict(list)
    third_party: dict[str, list[Membership]] = defaultdict(list)
    for m in joins:
        source = sources.get(m.pk)
        if source is None:
            continue
        if source.fingerprint:
            by_payer[source.fingerprint].append(m)
        # dues sets payer_is_member False when someone other than the member pays (named or not on file).
        if (source.payer_person_id is not None and source.payer_person_id != m.person_id) or not source.payer_is_member:
            third_party[source.fingerprint or f"payer-{source.payer_person_id or 'unnamed'}"].append(m)
        if source.first_paid_on and m.joined_on:
            gap = (source.first_paid_on - m.joined_on).days
            if gap > selection.flag_payment_gap_days:
                add(
                    JoinFlag.Signal.JOIN_BEFORE_PAYMENT,
                    m.number,
                    [
                        f"Joined {m.joined_on:%-d %B %Y}, first payment {source.first_paid_on:%-d %B %Y}: {gap} days "
                        f"later (more than {selection.flag_payment_gap_days}). Falkirk: join dates were set to the "
                        "first receipt of incomplete forms."
                    ],
                    [m],
                )
    for fingerprint, members in by_payer.items():
        if len(members) >= size:
            method = sources[members[0].pk].method
            add(
                JoinFlag.Signal.SAME_PAYER,
                fingerprint,
                [f"{len(members)} memberships paid from one payment source (fingerprint {fingerprint[:8]}…, {method})"]
                + [_label(m) for m in members],
                members,
            )
    payers_with_membership = set(
        Membership.objects.filter(
            person_id__in={sources[m.pk].payer_person_id for ms in third_party.values() for m in ms}
        ).values_list("person_id", flat=True)
    )
    for key, members in third_party.items():
        source = sources[members[0].pk]
        payer = source.payer_person_id
        if payer is None:
            who = "someone not on file"
        elif payer in payers_with_membership:
            who = f"another member (record #{payer})"
        else:
            who = f"someone who is not a member (record #{payer})"
        add(
            JoinFlag.Signal.THIRD_PARTY,
            key,
            [f"{len(members)} membership(s) paid by {who}, not by the member"] + [_label(m) for m in members],
            members,
        )

    # Bursts: any 7-day run in the window with at least flag_burst_size joins (reported once per run, from its start).
    i = 0
    while i < len(joins):
        end = joins[i].joined_on + timedelta(days=BURST_DAYS - 1)
        run = [m for m in joins[i:] if m.joined_on <= end]
        if len(run) >= selection.flag_burst_size:
            add(
                JoinFlag.Signal.BURST,
                f"{joins[i].joined_on.isoformat()}..{run[-1].joined_on.isoformat()}",
                [f"{len(run)} joins between {joins[i].joined_on:%-d %B} and {run[-1].joined_on:%-d %B %Y}"]
                + [_label(m) for m in run],
                run,
            )
            i += len(run)
        else:
            i += 1

    by_contact: dict[str, list[Membership]] = defaultdict(list)
    people = {m.person_id: m for m in joins}
    for person_id, address in _emails(people):
        by_contact[f"email {address}"].append(people[person_id])
    for person_id, number in _phones(people):
        by_contact[f"phone {number}"].append(people[person_id])
    for key, members in by_contact.items():
        if len({m.person_id for m in members}) >= 2:
            add(
                JoinFlag.Signal.SHARED_CONTACT,
                key,
                [f"The same {key.split(' ', 1)[0]} ({key.split(' ', 1)[1]}) is on {len(members)} members"]
                + [_label(m) for m in members],
                members,
            )
    return found


def _emails(people: dict[int, Membership]) -> list[tuple[int, str]]:
    return list(EmailAddress.objects.filter(person_id__in=people).values_list("person_id", "address").distinct())


def _phones(people: dict[int, Membership]) -> list[tuple[int, str]]:
    return list(PhoneNumber.objects.filter(person_id__in=people).values_list("person_id", "number").distinct())


def raise_flags(selection: Selection, snapshot: Snapshot) -> list[JoinFlag]:
    """Store the snapshot's flags (a decision on the same cluster in an earlier snapshot is carried over)."""
    earlier = {
        (f.signal, f.key): f
        for f in JoinFlag.objects.filter(selection=selection).exclude(decision=JoinFlag.Decision.OPEN).order_by("pk")
    }
    made = []
    with transaction.atomic():
        for item in detect(selection, snapshot.freeze_date):
            previous = earlier.get((item["signal"], item["key"]))
            flag = JoinFlag.objects.create(
                selection=selection,
                snapshot=snapshot,
                signal=item["signal"],
                key=item["key"],
                evidence=item["evidence"],
                decision=previous.decision if previous else JoinFlag.Decision.OPEN,
                reason=(f"Carried over from list version {previous.snapshot.version}: {previous.reason}")
                if previous
                else "",
                reviewed_by=previous.reviewed_by if previous else None,
                reviewed_at=previous.reviewed_at if previous else None,
            )
            flag.memberships.set(item["memberships"])
            made.append(flag)
    return made

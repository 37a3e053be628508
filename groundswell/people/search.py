"""Reads behind the people list: search and filters, always within what the user may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from groundswell.accounts import access
from groundswell.geography.postcodes import InvalidPostcode, normalise_postcode

from .models import Consent, EmailAddress, Membership, OrganisationUnit, Person, PhoneNumber


@dataclass
class PeopleFilter:
    q: str = ""
    tag: str = ""
    membership_status: str = ""
    unit: str = ""  # unit code; includes the units below it
    consent: str = ""  # a channel with current consent granted

    @classmethod
    def from_params(cls, params) -> PeopleFilter:
        return cls(**{name: (params.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__})

    def as_query(self) -> str:
        return "&".join(f"{k}={v}" for k, v in self.__dict__.items() if v)


def _search_q(text: str) -> Q:
    text = text.strip()
    if "@" in text:
        return Q(Exists(EmailAddress.objects.filter(person=OuterRef("pk"), address__istartswith=text.lower())))
    digits = re.sub(r"[^\d+]", "", text)
    if len(digits) >= 6 and len(digits) >= len(text.replace(" ", "")) - 1:
        # A phone number: compare on the national significant number, whatever prefix was typed.
        national = digits.lstrip("+")
        national = national[2:] if national.startswith("44") else national.lstrip("0")
        return Q(Exists(PhoneNumber.objects.filter(person=OuterRef("pk"), number__endswith=national)))
    try:
        return Q(postcode=normalise_postcode(text))
    except InvalidPostcode:
        pass
    if re.fullmatch(r"[A-Za-z]{1,2}\d[A-Za-z\d]?", text):  # an outward code such as RG1
        return Q(postcode__istartswith=text.upper() + " ")
    q = Q()
    for word in text.lower().split():
        q &= Q(normalised_name__contains=word)
    return q


def search_people(user, flt: PeopleFilter, perm: access.Perm = access.Perm.VIEW_PEOPLE) -> QuerySet[Person]:
    qs = access.people_for(user, perm).filter(erased_at__isnull=True).select_related("unit")
    if flt.q:
        qs = qs.filter(_search_q(flt.q))
    if flt.tag:
        qs = qs.filter(taggings__tag__name=flt.tag)
    if flt.membership_status:
        qs = qs.filter(Exists(Membership.objects.filter(person=OuterRef("pk"), status=flt.membership_status)))
    if flt.unit:
        qs = qs.filter(access.within_units([_unit_path(flt.unit)]))
    if flt.consent:
        latest = Consent.objects.filter(person=OuterRef("pk"), channel=flt.consent).order_by("-recorded_at", "-id")
        qs = qs.annotate(_consent=Subquery(latest.values("status")[:1])).filter(_consent=Consent.Status.GRANTED)
    return qs.order_by("family_name", "given_name", "id").distinct()


def _unit_path(code: str) -> str:
    unit = OrganisationUnit.objects.filter(code=code).only("path").first()
    return unit.path if unit else "/nonexistent/"

"""The people CSV's columns, shared by import and export so an export re-imports cleanly."""

from __future__ import annotations

import re

# Export order; also the canonical names the importer maps headers onto.
COLUMNS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "additional_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "locality",
    "postcode",
    "date_of_birth",
    "membership_number",
    "membership_status",
    "joined_on",
    "lapsed_on",
    "branch_code",
    "unit_code",
    "tags",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "consent_post",
)
# Import-only: a single "Name" column, split at the last space when there are no separate name columns.
FULL_NAME = "full_name"

_ALIASES: dict[str, tuple[str, ...]] = {
    "given_name": ("firstname", "givenname", "forename", "forenames", "first", "christianname"),
    "family_name": ("surname", "lastname", "familyname", "last", "secondname"),
    "additional_name": ("middlename", "middlenames", "additionalname", "middle"),
    FULL_NAME: ("name", "fullname"),
    "email": ("email", "emailaddress", "mail", "emailaddr"),
    "phone": (
        "phone",
        "mobile",
        "telephone",
        "tel",
        "phonenumber",
        "mobilenumber",
        "mobilephone",
        "telephonenumber",
        "telno",
        "cell",
    ),
    "address_line1": ("address1", "addressline1", "street", "address", "streetaddress", "addr1", "line1"),
    "address_line2": ("address2", "addressline2", "addr2", "line2"),
    "locality": ("town", "city", "locality", "towncity", "posttown"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode", "postcodezip"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "birthday"),
    "membership_number": ("membershipnumber", "memberno", "membernumber", "membershipno", "memberid", "membershipid"),
    # Plain "Status" too, as the user guide documents: a value that is not a membership status is refused by
    # row rather than kept silently as a custom field, so a CRM's "Supporter"/"Deceased" column is noticed.
    "membership_status": ("membershipstatus", "memberstatus", "status"),
    "joined_on": ("joined", "joinedon", "joindate", "datejoined", "joineddate"),
    "lapsed_on": ("lapsed", "lapsedon", "lapsedate", "datelapsed", "lapseddate"),
    "branch_code": ("branchcode", "branch"),
    "unit_code": ("unitcode", "unit"),
    "tags": ("tags", "tag", "labels"),
    "consent_email": ("consentemail", "emailconsent", "emailoptin"),
    "consent_sms": ("consentsms", "smsconsent", "smsoptin", "consenttext"),
    "consent_phone": ("consentphone", "phoneconsent", "phoneoptin", "consentcall", "consentcalls"),
    "consent_post": ("consentpost", "postconsent", "postoptin", "consentmail"),
}

_NON_ALNUM = re.compile(r"[^a-z0-9]")


def header_key(header: str) -> str:
    """Case-, space-, underscore- and punctuation-insensitive key: 'First name' / 'first_name' → 'firstname'."""
    return _NON_ALNUM.sub("", (header or "").replace("\ufeff", "").strip().lower())


ALIASES: dict[str, str] = {}
for _field, _keys in _ALIASES.items():
    ALIASES[header_key(_field)] = _field
    for _key in _keys:
        ALIASES[_key] = _field


def field_for_header(header: str) -> str | None:
    """The canonical column a header means, or None (an unknown column → custom field)."""
    return ALIASES.get(header_key(header))

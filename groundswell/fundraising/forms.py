"""The appeal page's gift form and the organiser's appeal editor: parsing outside input into pence and checked
donor details. Errors are plain words keyed by the field they concern, so the page shows each beside its box."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from groundswell.people.normalise import InvalidValue, normalise_email, normalise_phone, normalise_postcode

from .models import Appeal

# A ceiling well above any plausible gift through a web page, so a typo of extra digits is refused, not charged.
MAX_GIFT_PENCE = 1_000_000_00
MIN_GIFT_PENCE = 100  # £1: below this the card fees take most of it
_POUNDS = re.compile(r"^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$|^£?\s*\.\d{1,2}$")

# The exact words beside each box; stored with the consent when a box is ticked (PECR: a party's appeal is direct
# marketing, email/SMS need prior consent and there is no soft opt-in for parties; uk-rules.md §5.2).
CONSENT_WORDING = {
    "email": "Email me with campaign news and appeals. You can unsubscribe at any time.",
    "sms": "Text me with campaign news and appeals. Reply STOP at any time.",
    "phone": "Phone me about the campaign and how I can help.",
    "post": "Send me campaign news and appeals by post.",
}
CONSENT_CHANNELS = tuple(CONSENT_WORDING)


def parse_pounds(text: Any, *, field: str = "amount") -> int:
    """'12', '12.5', '£1,250.00' → pence. Refuses blanks, negatives, fractions of a penny and anything else."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise ValidationError({field: "Enter an amount in pounds, for example 25 or 12.50."})
    if raw.lstrip("£ ").startswith("-"):
        raise ValidationError({field: "The amount cannot be negative."})
    if not _POUNDS.match(raw):
        if re.match(r"^£?\s*\d+\.\d{3,}$", raw):
            raise ValidationError({field: "Use at most two decimal places (whole pence)."})
        raise ValidationError({field: f"'{raw[:20]}' is not an amount in pounds; write it like 25 or 12.50."})
    try:
        pence = int(Decimal(raw.lstrip("£ ").replace(",", "")) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern refuses these already
        raise ValidationError({field: "Enter an amount in pounds, for example 25 or 12.50."}) from None
    return pence


def pounds(pence: int) -> str:
    """1250 → '£12.50'; whole pounds without pence (2500 → '£25')."""
    whole, part = divmod(int(pence), 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"


@dataclass(frozen=True)
class GiftRequest:
    """A checked gift: what the donor asked for and the details the ledger needs."""

    amount_pence: int
    interval: str  # "" one-off, "month"
    full_name: str
    address_line1: str
    address_line2: str
    town: str
    postcode: str
    country: str
    email: str
    phone: str
    on_register: bool | None  # None: not sure
    overseas_elector: bool
    consents: dict[str, bool]


class GiftForm(forms.Form):
    amount = forms.ChoiceField(label="How much?", widget=forms.RadioSelect, required=False)
    other_amount = forms.CharField(label="Other amount (£)", required=False, max_length=20)
    frequency = forms.ChoiceField(label="How often?", widget=forms.RadioSelect, required=False)
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    address_line1 = forms.CharField(label="Home address", max_length=200, required=False)
    address_line2 = forms.CharField(label="Address line 2 (optional)", max_length=200, required=False)
    town = forms.CharField(label="Town or city", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=20, required=False)
    overseas_elector = forms.BooleanField(
        label="I live abroad and am registered to vote in the UK as an overseas elector", required=False
    )
    country = forms.CharField(label="Country (if you live outside the UK)", max_length=100, required=False)
    on_register = forms.ChoiceField(
        label="Are you on a UK electoral register?",
        choices=[("yes", "Yes"), ("no", "No"), ("unsure", "I'm not sure")],
        widget=forms.RadioSelect,
        required=False,
    )
    email = forms.CharField(label="Email (for your receipt)", max_length=254, required=False, widget=forms.EmailInput)
    phone = forms.CharField(label="Phone (optional)", max_length=20, required=False)
    consent_email = forms.BooleanField(required=False, label=CONSENT_WORDING["email"])
    consent_sms = forms.BooleanField(required=False, label=CONSENT_WORDING["sms"])
    consent_phone = forms.BooleanField(required=False, label=CONSENT_WORDING["phone"])
    consent_post = forms.BooleanField(required=False, label=CONSENT_WORDING["post"])

    def __init__(self, appeal: Appeal, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appeal = appeal
        self.fields["amount"].choices = [(str(p), pounds(p)) for p in appeal.suggested_pence] + [("other", "Other")]
        frequencies = []
        if appeal.allow_one_off:
            frequencies.append(("once", "One-off"))
        if appeal.allow_monthly:
            frequencies.append(("month", "Monthly"))
        self.fields["frequency"].choices = frequencies
        if len(frequencies) == 1:
            self.fields["frequency"].initial = frequencies[0][0]
        self.gift: GiftRequest | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            self.gift = parse_gift(self.appeal, data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(None if field == "__all__" else field, messages)
        return data


def parse_gift(appeal: Appeal, data: dict[str, Any]) -> GiftRequest:
    """Check every field at once and raise one ValidationError naming each bad field (nothing is written here)."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return " ".join(str(data.get(name) or "").split())

    amount_pence = 0
    choice = text("amount")
    if choice and choice != "other":
        if choice.isdigit() and int(choice) in appeal.suggested_pence:
            amount_pence = int(choice)
        else:
            errors["amount"] = "Choose one of the amounts shown, or 'Other' and type an amount."
    else:
        if not text("other_amount"):
            errors["other_amount" if choice == "other" else "amount"] = (
                "Type the amount you would like to give." if choice == "other" else "Choose an amount to give."
            )
        else:
            try:
                amount_pence = parse_pounds(text("other_amount"), field="other_amount")
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if amount_pence and amount_pence < MIN_GIFT_PENCE:
        errors["other_amount"] = f"The smallest gift we can take is {pounds(MIN_GIFT_PENCE)}."
    elif amount_pence > MAX_GIFT_PENCE:
        errors["other_amount"] = f"Online gifts are limited to {pounds(MAX_GIFT_PENCE)}; please contact us."

    frequency = text("frequency") or ("once" if appeal.allow_one_off and not appeal.allow_monthly else "")
    if not frequency and appeal.allow_monthly and not appeal.allow_one_off:
        frequency = "month"
    if frequency == "once" and appeal.allow_one_off:
        interval = ""
    elif frequency == "month" and appeal.allow_monthly:
        interval = "month"
    else:
        interval = ""
        errors["frequency"] = "Choose whether this is a one-off gift or a monthly gift."

    full_name = text("full_name")
    if not full_name:
        errors["full_name"] = "Tell us your full name (the law asks us to record who gives to the party)."
    elif len(full_name.split()) < 2:
        errors["full_name"] = "Give your first name and surname, as they appear on the electoral register."
    address_line1 = text("address_line1")
    if not address_line1:
        errors["address_line1"] = "Give your home address (the law asks us to record it)."
    overseas = bool(data.get("overseas_elector"))
    country = text("country")
    postcode = text("postcode")
    if overseas:
        if not country or country.lower() in {"uk", "united kingdom", "great britain", "gb"}:
            errors["country"] = "Give the country you live in (overseas electors give their home address abroad)."
    else:
        country = "United Kingdom"
        if not postcode:
            errors["postcode"] = "Give your postcode."
        else:
            try:
                postcode = normalise_postcode(postcode)
            except InvalidValue:
                errors["postcode"] = f"'{postcode[:12]}' is not a UK postcode."
    register = text("on_register")
    if register not in {"yes", "no", "unsure"}:
        errors["on_register"] = "Tell us whether you are on a UK electoral register."
    email = ""
    if not text("email"):
        errors["email"] = "Give your email address, so we can send your receipt."
    else:
        try:
            email = normalise_email(text("email"))
        except InvalidValue as exc:
            errors["email"] = str(exc)
    phone = ""
    if text("phone"):
        try:
            phone = normalise_phone(text("phone"))
        except InvalidValue as exc:
            errors["phone"] = str(exc)
    consents = {channel: bool(data.get(f"consent_{channel}")) for channel in CONSENT_CHANNELS}
    if (consents["sms"] or consents["phone"]) and not phone and "phone" not in errors:
        errors["phone"] = "Give a phone number if you would like us to text or phone you (or untick those boxes)."
    if errors:
        raise ValidationError(errors)
    return GiftRequest(
        amount_pence=amount_pence,
        interval=interval,
        full_name=full_name[:200],
        address_line1=address_line1[:200],
        address_line2=text("address_line2")[:200],
        town=text("town")[:100],
        postcode=postcode[:12],
        country=country[:100],
        email=email,
        phone=phone,
        on_register={"yes": True, "no": False}.get(register),
        overseas_elector=overseas,
        consents=consents,
    )


def parse_suggested(text: str) -> list[int]:
    """'10, 25, 50' (pounds) → [1000, 2500, 5000], sorted, without repeats."""
    amounts: set[int] = set()
    for part in re.split(r"[,\s]+", text or ""):
        if part:
            try:
                amounts.add(parse_pounds(part, field="suggested"))
            except ValidationError:
                raise ValidationError({"suggested": f"'{part[:20]}' in the suggested amounts is not an amount in "
                                       "pounds; separate amounts with commas, e.g. 10, 25, 50."}) from None  # fmt: skip
    if any(a < MIN_GIFT_PENCE for a in amounts):
        raise ValidationError({"suggested": f"Suggested amounts must be at least {pounds(MIN_GIFT_PENCE)}."})
    if len(amounts) > 6:
        raise ValidationError({"suggested": "Suggest at most six amounts."})
    return sorted(amounts)


class AppealForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label="Unit the money goes to", empty_label=None)
    title = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=80, required=False, label="Web address (/give/…)",
                           help_text="Letters, numbers and hyphens; left blank, made from the title")  # fmt: skip
    campaign = forms.CharField(max_length=120, required=False, label="Campaign (optional)")
    story = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label="Story")
    target = forms.CharField(max_length=20, label="Target (£)")
    suggested = forms.CharField(max_length=100, required=False, label="Suggested amounts (£, comma-separated)",
                                initial="10, 25, 50")  # fmt: skip
    allow_one_off = forms.BooleanField(required=False, initial=True, label="Allow one-off gifts")
    allow_monthly = forms.BooleanField(required=False, initial=True, label="Allow monthly gifts")
    opens_on = forms.DateField(required=False, label="Opens on", widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(required=False, label="Closes on", widget=forms.DateInput(attrs={"type": "date"}))
    published = forms.BooleanField(required=False, label="Published (the page is public)")

    def __init__(self, units: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, parse in (("target", parse_pounds), ("suggested", parse_suggested)):
            if name in data:
                try:
                    data[f"{name}_pence"] = parse(data[name], field=name) if name == "target" else parse(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc.message_dict[name])
        if data.get("target_pence") == 0:
            self.add_error("target", "The target must be more than £0.")
        data["slug"] = slugify(data.get("slug") or data.get("title") or "")[:80]
        if not data["slug"] and "title" in data:
            self.add_error("slug", "Give a web address made of letters, numbers and hyphens.")
        if not (data.get("allow_one_off") or data.get("allow_monthly")):
            self.add_error("allow_monthly", "Allow one-off gifts, monthly gifts, or both.")
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "The appeal must close on or after the day it opens.")
        return data

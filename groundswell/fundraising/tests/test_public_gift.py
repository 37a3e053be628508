"""A stranger gives through an appeal page: the form, consent with its wording, the fake checkout, the gift marked
paid once (however often the provider repeats itself), the donations ledger entry, the receipt, the progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from groundswell.donations import services as donations_services
from groundswell.donations.models import Donation
from groundswell.fundraising import selectors
from groundswell.fundraising.forms import CONSENT_WORDING
from groundswell.fundraising.models import Gift, GiftPayment
from groundswell.fundraising.services import thanks_token
from groundswell.messaging.models import EmailRecipient, EmailSend
from groundswell.payments.models import Payment
from groundswell.payments.services import refund
from groundswell.payments.testing import fail_payment, pay_next_charge
from groundswell.people.models import Consent, Person
from groundswell.tests.factories import EmailFactory, PersonFactory

from .world import give, give_and_pay, pay

pytestmark = pytest.mark.django_db


def test_the_appeal_page_shows_story_progress_and_form_without_login(w):
    page = Client().get(reverse("fundraising:appeal", args=["fighting-fund"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "We need leaflets." in html and 'role="progressbar"' in html and "£0" in html
    assert "Are you on a UK electoral register?" in html
    for wording in CONSENT_WORDING.values():
        assert wording in html
    assert "checked" not in html.split("Keeping in touch")[1].split("</fieldset>")[0]  # every box starts unticked


def test_unpublished_and_unknown_appeals_are_not_found(w):
    w.appeal.published = False
    w.appeal.save()
    assert Client().get(reverse("fundraising:appeal", args=["fighting-fund"])).status_code == 404
    assert Client().get(reverse("fundraising:appeal", args=["nope"])).status_code == 404


def test_form_errors_are_shown_in_plain_words_and_nothing_is_written(w):
    response = give(w.appeal, postcode="not a postcode", email="", full_name="Ada")
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a UK postcode" in html and "Give your email address" in html and "first name and surname" in html
    assert not Gift.objects.exists() and not Person.objects.filter(family_name="Lovelace").exists()


def test_a_one_off_gift_paid_on_the_fake_checkout(w, django_capture_on_commit_callbacks, mailoutbox):
    response = give(w.appeal, consent_email="on")
    assert response.status_code == 302 and "/payments/fake/checkout/" in response["Location"]
    gift = Gift.objects.get()
    assert gift.status == Gift.Status.PENDING and gift.payment.amount_pence == 2500
    assert selectors.progress(w.appeal).raised_pence == 0  # a checkout started is not money raised
    person = gift.person
    assert person.family_name == "Lovelace" and person.unit == w.tree.clp_a
    consent = Consent.objects.get(person=person)
    assert (consent.channel, consent.status, consent.wording) == ("email", "granted", CONSENT_WORDING["email"])
    assert consent.source == f"Appeal form: appeal #{w.appeal.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        pay(gift)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    line = GiftPayment.objects.get(gift=gift)
    donation = line.donation
    assert donation.amount_pence == 2500 and donation.channel == "online" and donation.payment_id == gift.payment_id
    assert selectors.progress(w.appeal).raised_pence == 2500 and selectors.progress(w.appeal).donors == 1
    send = EmailSend.objects.get(source=f"fundraising receipt gift #{gift.pk}")
    assert send.purpose == "service" and "£25" in send.subject
    assert EmailRecipient.objects.filter(send=send, person=person).exists()
    thanks = Client().get(reverse("fundraising:thanks", args=[w.appeal.slug, thanks_token(gift)]))
    assert "has arrived" in thanks.content.decode()


def test_a_receipt_goes_even_without_marketing_consent(w):
    gift = give_and_pay(w.appeal)
    assert not Consent.objects.filter(person=gift.person).exists()
    send = EmailSend.objects.get(source=f"fundraising receipt gift #{gift.pk}")
    assert EmailRecipient.objects.filter(send=send).count() == 1


def test_a_repeated_notice_never_counts_a_pound_twice(w):
    gift = give_and_pay(w.appeal)
    pay(gift)  # the donor presses Pay again / the provider redelivers
    assert GiftPayment.objects.filter(gift=gift).count() == 1
    assert Donation.objects.filter(payment=gift.payment).count() == 1 and Donation.objects.count() == 1
    assert selectors.progress(w.appeal).raised_pence == 2500


@pytest.mark.parametrize("frequency", ["once", "month"])
def test_a_declined_card_is_a_failed_gift_and_raises_nothing(w, frequency):
    give(w.appeal, frequency=frequency)
    gift = Gift.objects.get()
    pay(gift, pay=False)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.FAILED
    assert selectors.progress(w.appeal).raised_pence == 0 and not Donation.objects.exists()


def test_an_existing_person_is_matched_by_email_and_never_overwritten(w):
    existing = PersonFactory(unit=w.tree.clp_b, given_name="Ada", family_name="King", postcode="RG30 1AA")
    EmailFactory(person=existing, address="ada@example.org")
    gift = give_and_pay(w.appeal, full_name="Someone Else", postcode="RG1 1AA", address_line1="9 Other Road")
    existing.refresh_from_db()
    assert gift.person == existing and Person.objects.filter(email_addresses__address="ada@example.org").count() == 1
    assert (existing.given_name, existing.family_name, existing.postcode) == ("Ada", "King", "RG30 1AA")
    assert (gift.full_name, gift.postcode) == ("Someone Else", "RG1 1AA")  # the ledger keeps what the donor gave


def test_a_monthly_gift_records_each_payment_as_its_own_donation(w):
    gift = give_and_pay(w.appeal, frequency="month", amount="1000")
    assert gift.monthly and gift.subscription is not None and gift.status == Gift.Status.PAID
    assert selectors.run_rate_pence(type(w.appeal).objects.all()) == 1000
    pay_next_charge(gift.subscription, on=dt.date.today())  # the second month's charge (dated today)
    lines = list(GiftPayment.objects.filter(gift=gift))
    assert len(lines) == 2 and len({line.donation_id for line in lines}) == 2
    assert selectors.progress(w.appeal).raised_pence == 2000
    assert Payment.objects.filter(subscription=gift.subscription, status="paid").count() == 2


def test_the_progress_fragment_is_what_the_page_polls(w):
    give_and_pay(w.appeal, amount="5000")
    html = Client().get(reverse("fundraising:progress", args=[w.appeal.slug])).content.decode()
    assert "£50" in html and 'hx-trigger="every 15s"' in html and "1</span> donor" in html


def test_a_closed_appeal_takes_no_gifts(w):
    w.appeal.closes_on = dt.date(2020, 1, 1)
    w.appeal.opens_on = dt.date(2019, 1, 1)
    w.appeal.save()
    html = give(w.appeal).content.decode()
    assert "not taking gifts" in html and not Gift.objects.exists()


@override_settings(FUNDRAISING_RATE_PER_ADDRESS=2)
def test_the_form_is_rate_limited_per_connection(w):
    assert give(w.appeal).status_code == 302
    assert give(w.appeal, email="b@example.org").status_code == 302
    refused = give(w.appeal, email="c@example.org")
    assert refused.status_code == 429 and "Too many gifts" in refused.content.decode()
    assert Gift.objects.count() == 2


def test_refunds_and_charge_backs_come_off_the_progress_and_the_ledger(w):
    gift = give_and_pay(w.appeal)
    refund(gift.payment, amount_pence=500, actor=w.organiser, reason="Asked for £5 back")
    assert selectors.progress(w.appeal).raised_pence == 2000
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    donation = Donation.objects.get(payment=gift.payment)
    assert (donation.amount_pence, donation.refunded_pence) == (2000, 500)  # the ledger keeps only what was kept
    refund(gift.payment, amount_pence=2000, actor=w.organiser, reason="All of it")
    gift.refresh_from_db()
    assert gift.status == Gift.Status.REFUNDED and selectors.progress(w.appeal).raised_pence == 0
    donation.refresh_from_db()
    assert (donation.amount_pence, donation.refunded_pence) == (0, 2500)
    assert donation.status == Donation.Status.RETURNED and "refunded in full" in donation.return_method

    other = give_and_pay(w.appeal, email="b@example.org", amount="5000")
    fail_payment(other.payment, reason="charge-back")
    other.refresh_from_db()
    assert other.status == Gift.Status.REFUNDED and selectors.progress(w.appeal).raised_pence == 0
    assert Donation.objects.get(payment=other.payment).amount_pence == 0


def test_a_part_refund_below_the_threshold_is_no_longer_a_ppera_donation(w):
    gift = give_and_pay(w.appeal, amount="other", other_amount="600")  # a donation awaiting its check
    donation = Donation.objects.get(payment=gift.payment)
    assert donation.is_donation and donation.status == Donation.Status.PENDING
    refund(gift.payment, amount_pence=150_00, actor=w.organiser, reason="Gave too much")
    donation.refresh_from_db()
    assert donation.amount_pence == 450_00 and not donation.is_donation
    assert donation.status == Donation.Status.BELOW_THRESHOLD
    again = donations_services.record_payment_refund(gift.payment, refunded_pence=150_00)
    assert again.amount_pence == 450_00  # the same figure again changes nothing

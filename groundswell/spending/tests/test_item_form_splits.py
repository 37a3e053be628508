"""The item form splits an item between the long and short campaign and between candidate and party, in exact
pence (amounts that must add up) or in proportion to days (rounding stated)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groundswell.spending.apportion import ROUNDING_NOTE
from groundswell.spending.elections import candidacy_dates
from groundswell.spending.models import Candidacy, Election, SpendingItem
from groundswell.spending.tests.test_pages import login, post_item

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def shares(it: SpendingItem) -> dict:
    return {(a.candidacy_id, a.period): a.amount_pence for a in it.allocations.all()}


def test_exact_amounts_between_the_candidate_and_the_party(w):
    client = login(w.agent)
    response = post_item(client, w.seat_a, amount="150.00", split="manual", part_short="100.00", part_party="50.00",
                         method_note="half the print run carried the national message")  # fmt: skip
    assert response.status_code == 302
    it = SpendingItem.objects.get()
    assert it.method == "manual"
    assert shares(it) == {(w.seat_a.pk, "short"): 100_00, (None, "regulated"): 50_00}
    page = client.get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    assert "short campaign £100.00 · party £50.00" in page


def test_exact_amounts_must_add_up_to_the_penny(w):
    client = login(w.agent)
    response = post_item(client, w.seat_a, amount="150.00", split="manual", part_short="100.00", part_party="49.99",
                         method_note="shared")  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="e-splits"' in page and "add up to £149.99, not the item&#x27;s £150.00" in page
    response = post_item(client, w.seat_a, amount="150.00", split="manual", part_short="1.005", part_party="50")
    assert response.status_code == 400 and 'id="e-part-short"' in response.content.decode()
    response = post_item(client, w.seat_a, amount="150.00", split="manual", part_short="100", part_party="50")
    assert response.status_code == 400 and 'id="e-method-note"' in response.content.decode()
    assert not SpendingItem.objects.exists()


def test_in_proportion_to_days_adds_up_with_the_rounding_stated(w):
    client = login(w.agent)
    # £100.00 as 10 : 3 days → 7,692.307… and 2,307.692… pence: floors 7,692 + 2,307, the spare penny to the
    # larger remainder (the party's).
    response = post_item(client, w.seat_a, amount="100.00", split="days", part_short="10", part_party="3")
    assert response.status_code == 302
    it = SpendingItem.objects.get()
    assert shares(it) == {(w.seat_a.pk, "short"): 76_92, (None, "regulated"): 23_08}
    assert ROUNDING_NOTE in it.method_note
    assert ROUNDING_NOTE in client.get(reverse("spending:seat", args=[w.seat_a.pk])).content.decode()
    response = post_item(client, w.seat_a, amount="100.00", split="days", part_short="ten", invoice_number="P-2")
    assert response.status_code == 400 and 'id="e-part-short"' in response.content.decode()


def test_long_and_short_campaign_split(w):
    # 2015: Parliament had sat 55 months by 19 December 2014, so the seat had a long campaign.
    election = Election.objects.get(election_id="parl.2015-05-07")
    seat = Candidacy.objects.create(election=election, constituency=w.borough, unit=w.units.clp_a, agent=w.agent,
                                    area_type="borough", electorate=70_000, electorate_source="test")  # fmt: skip
    assert candidacy_dates(seat).long_start is not None
    client = login(w.agent)
    response = post_item(client, seat, amount="1,000.01", split="manual", part_long="600.01", part_short="400.00",
                         method_note="leaflets delivered before and after dissolution", incurred_on="2015-03-20",
                         paid_on="2015-04-01")  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert shares(SpendingItem.objects.get()) == {(seat.pk, "long"): 600_01, (seat.pk, "short"): 400_00}

"""Whatever a stranger posts to the public pages, the answer is a page (form errors, a redirect to the checkout, or
the rate limit), a 404 for a bad link, never a server error, and a gift only ever with a checkout behind it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.fundraising.forms import GiftForm
from groundswell.fundraising.models import Gift

from .world import DONOR

pytestmark = pytest.mark.django_db

FIELDS = list(GiftForm.base_fields)
VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["2500", "other", "once", "month", "yes", "no", "on", "-1", "0.001", "1e9", "£1,000.00"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({}, optional={f: VALUES for f in FIELDS}), st.booleans())
def test_the_gift_form_never_fails_whatever_is_posted(w, data, start_valid):
    cache.clear()
    posted = {**(DONOR if start_valid else {}), **data}
    posted = {k: v.replace("\x00", "") for k, v in posted.items()}
    before = Gift.objects.count()
    response = Client().post(reverse("fundraising:appeal", args=[w.appeal.slug]), posted)
    assert response.status_code in (200, 302, 429)
    if response.status_code == 302:
        gift = Gift.objects.order_by("-id").first()
        assert Gift.objects.count() == before + 1 and (gift.payment_id or gift.subscription_id)
        assert 100 <= gift.amount_pence
    else:
        assert Gift.objects.count() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#%"), min_size=1,
               max_size=80))  # fmt: skip
def test_any_personal_link_that_was_not_issued_opens_nothing(w, token):
    assert Client().get(reverse("fundraising:manage", args=[token])).status_code == 404
    assert Client().get(reverse("fundraising:thanks", args=[w.appeal.slug, token])).status_code == 404

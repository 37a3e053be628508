"""The pages a payer sees: the fake card checkout (development and tests) and our Direct Debit page (bank details,
fingerprinted, passed to the provider), and the provider webhook endpoint."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import fakes
from ..errors import PaymentError, SignatureError
from ..models import Payment, Subscription
from ..providers import provider_names
from ..services import complete_direct_debit, handle_webhook

logger = logging.getLogger(__name__)


def _done(request: HttpRequest, url: str, message: str) -> HttpResponse:
    if url:
        return redirect(url)
    return render(request, "payments/done.html", {"message": message})


def fake_checkout(request: HttpRequest, ref: str) -> HttpResponse:
    """The fake card provider's hosted page: Pay or Decline."""
    payment = Payment.objects.filter(provider="fake_card", checkout_ref=ref).first()
    subscription = None if payment else Subscription.objects.filter(provider="fake_card", checkout_ref=ref).first()
    target = payment or subscription
    if target is None:
        raise Http404("No such checkout")
    if request.method == "POST":
        if target.status == "pending":
            if request.POST.get("outcome") == "pay":
                fakes.pay_checkout(ref, card_number=request.POST.get("card", "") or fakes.DEFAULT_CARD)
            else:
                fakes.decline_checkout(ref)
            target.refresh_from_db()
        if target.status in ("paid", "active"):
            return _done(request, target.success_url, "Thank you: the payment went through.")
        return _done(request, target.cancel_url, "The payment did not go through; nothing was taken.")
    return render(
        request,
        "payments/fake_checkout.html",
        {"target": target, "subscription": subscription, "default_card": fakes.DEFAULT_CARD},
    )


def direct_debit(request: HttpRequest, ref: str) -> HttpResponse:
    """Our Direct Debit page (any provider): account holder, sort code, account number."""
    subscription = Subscription.objects.filter(checkout_ref=ref, method="direct_debit").first()
    if subscription is None:
        raise Http404("No such Direct Debit")
    form = {"account_holder": subscription.payer_name, "sort_code": "", "account_number": ""}
    error = ""
    if request.method == "POST" and subscription.mandate_id is None:
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            complete_direct_debit(subscription, **form)
        except PaymentError as exc:
            error = str(exc)
        else:
            if subscription.provider == "fake_dd":
                fakes.activate_direct_debit(subscription)
            return _done(request, subscription.success_url, "Your Direct Debit is set up.")
    elif request.method == "POST":
        return _done(request, subscription.success_url, "Your Direct Debit is set up.")
    return render(
        request,
        "payments/direct_debit.html",
        {"subscription": subscription, "form": form, "error": error},
        status=400 if error else 200,
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider's webhook: 400 on a bad signature (nothing stored), 200 when stored (a duplicate included), 500
    when our own code failed on it (recorded; the provider redelivers)."""
    if provider not in provider_names():
        raise Http404("No such payment provider")
    try:
        result = handle_webhook(provider, request.body, request.headers)
    except SignatureError as exc:
        logger.warning("payments webhook %s refused: %s", provider, exc)
        return HttpResponseBadRequest(f"Bad signature: {exc}", content_type="text/plain")
    except PaymentError as exc:
        return HttpResponseBadRequest(f"Bad webhook: {exc}", content_type="text/plain")
    body = {"events": [e.__dict__ for e in result.events]}
    return JsonResponse(body, status=500 if result.crashed else 200)

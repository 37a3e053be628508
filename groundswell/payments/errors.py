"""The payments app's errors: each message is fit to show a treasurer or a donor as it stands."""


class PaymentError(ValueError):
    """A payment request that cannot be done, e.g. "Refund of £12.00 is more than the £10.00 left to refund."."""


class SignatureError(PaymentError):
    """A webhook whose signature does not verify (or is missing): answered with HTTP 400, nothing stored."""


class AmountError(PaymentError):
    """An amount that is not a whole, positive number of pence."""

"""The Stripe adapter: the only module that imports stripe (a heavy import, so
only the functions that take payments load this module)."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from renewal import config
from renewal.adapters import secrets
from renewal.errors import PaymentProviderError, PaymentProviderUnavailable


def _import_stripe() -> Any:
    """stripe, imported without `requests`. At import stripe picks the HTTP client
    it would use by default by importing requests (some 20 ms of the webhook's
    cold start); every client made here names its own (`_client`), so that
    default is never used, and requests is imported only where Stripe's API is
    called. The webhook, which only checks signatures, never loads it."""
    hidden = "requests" not in sys.modules
    if hidden:
        sys.modules["requests"] = None  # type: ignore[assignment]  # `import requests` raises ImportError
    try:
        import stripe
    finally:
        if hidden:
            del sys.modules["requests"]
    return stripe


stripe = _import_stripe()

TOLERANCE_S = 300  # how far a signature's timestamp may be from now


class InvalidWebhook(Exception):
    pass


@contextlib.contextmanager
def _answering() -> Iterator[None]:
    """Stripe's failures as the API's errors: 503 when it did not answer (the SDK
    has retried already), 502 when it answered with an error of its own."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise PaymentProviderUnavailable("The payment provider did not answer in time; nothing was charged. "
                                         "Please try again in a minute.") from error
    except (stripe.APIError, stripe.AuthenticationError, stripe.PermissionError, stripe.IdempotencyError) as error:
        raise PaymentProviderError("The payment provider answered with an error; nothing was charged. "
                                   "Please try again.") from error


def client() -> stripe.StripeClient:
    # The key comes from Secrets Manager (cached there for minutes): a rotated key
    # makes a new client, the old one is dropped.
    return _client(str(secrets.stripe().get("api_key") or ""))


@functools.lru_cache(maxsize=1)
def _client(api_key: str) -> stripe.StripeClient:
    base = config.stripe_api_base()
    # requests' client, the one stripe takes by default when requests is installed.
    return stripe.StripeClient(api_key, base_addresses={"api": base} if base else None, max_network_retries=2,
                               http_client=stripe.RequestsClient())


def reset() -> None:
    _client.cache_clear()


def create_checkout_session(
    *, invoice_id: str, member_id: str, renewal_year: int, currency: str, lines: Sequence[Mapping[str, Any]],
    email: str | None, success_url: str, cancel_url: str, idempotency_key: str,
) -> tuple[str, str]:
    """(checkout url, session id) of a hosted Checkout Session for the invoice."""
    ids = {"invoice_id": invoice_id, "member_id": member_id, "renewal_year": str(renewal_year)}
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {"quantity": 1, "price_data": {"currency": currency, "unit_amount": int(line["amount_cents"]),
                                           "product_data": {"name": line["description"]}}}
            for line in lines
        ],
        "client_reference_id": member_id,
        "metadata": ids,
        # Charge, refund and dispute events carry the PaymentIntent's metadata.
        "payment_intent_data": {"metadata": ids},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if email:
        params["customer_email"] = email
    with _answering():
        session = client().v1.checkout.sessions.create(params=params, options={"idempotency_key": idempotency_key})
    return session.url, session.id


def checkout_session(session_id: str) -> tuple[str, str | None]:
    """(status, url) of a Checkout Session: `open`, `complete` or `expired`."""
    with _answering():
        session = client().v1.checkout.sessions.retrieve(session_id)
    return session.status, session.url


def expire_checkout_session(session_id: str) -> str:
    """Closes an open Checkout Session so it can no longer be paid. Returns the
    session's status afterwards: `expired`, or `complete` when it was paid first."""
    try:
        with _answering():
            return client().v1.checkout.sessions.expire(session_id).status
    except stripe.InvalidRequestError:
        # Only an open session can be expired: say what it is instead.
        return checkout_session(session_id)[0]


def verify(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, once its signature over the raw body checks out (300 s tolerance)."""
    received = time.time()  # the moment it came, before the secret is read (a first read takes a while)
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")  # refused without reading the secret
    secret = str(secrets.stripe().get("webhook_secret") or "")
    if not secret:
        raise InvalidWebhook("no webhook secret configured")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE_S)
    except (stripe.SignatureVerificationError, ValueError, RecursionError) as error:
        raise InvalidWebhook(str(error) if not isinstance(error, RecursionError) else "body is nested too deep") \
            from error
    # Stripe's check refuses signatures older than the tolerance only; one dated
    # further ahead than it was not made now either (a replay kept for later).
    stamps = [value for key, _, value in (part.partition("=") for part in signature.split(",")) if key.strip() == "t"]
    if not stamps or not stamps[0].strip().isdigit() or int(stamps[0]) > received + TOLERANCE_S:
        raise InvalidWebhook("signature timestamp outside the tolerance")
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise InvalidWebhook("body is not JSON") from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"] \
            or not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict) \
            or not isinstance(event["data"].get("object"), dict):
        raise InvalidWebhook("body is not a Stripe event")
    return event

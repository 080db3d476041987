"""Stripe's events, mapped to payments. The event was verified before it got here.

A signed event is still read as untrusted input: the fields used are checked
against their types first, so an event of an unexpected shape is refused
(400) before anything is written.
"""

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError

from renewal import clock, payments
from renewal.errors import MalformedRequest


class _Expandable(BaseModel):
    """An id Stripe sends as a string, or expanded into its object."""

    model_config = ConfigDict(extra="ignore")

    id: str


class EventObject(BaseModel):
    """The fields of a Checkout Session, Charge or Dispute this service reads."""

    model_config = ConfigDict(extra="ignore")

    id: str
    payment_intent: str | _Expandable | None = None
    charge: str | _Expandable | None = None
    amount_total: StrictInt | None = None
    amount_refunded: StrictInt | None = None
    amount: StrictInt | None = None
    currency: str | None = None
    payment_status: str | None = None
    status: str | None = None
    metadata: dict[str, str] | None = None


def _checked(event: dict[str, Any]) -> dict[str, Any]:
    try:
        EventObject.model_validate(event["data"]["object"])
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
        raise MalformedRequest(f"The {event['type']} event's object is not one Stripe sends ({', '.join(fields)}).",
                               code="invalid_webhook", details=[{"field": f"data.object.{f}"} for f in fields]) from None
    return event["data"]["object"]

HANDLED = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.closed",
}


def _received_at(event: dict[str, Any]) -> str:
    created = event.get("created")
    if isinstance(created, int):
        return dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return clock.now_iso()


def _payment_intent(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def apply(event: dict[str, Any]) -> payments.Outcome | None:
    """The event's effect, applied once. None for events this service ignores."""
    kind = event["type"]
    if kind not in HANDLED:
        return None
    data = _checked(event)
    metadata = data.get("metadata") or {}
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if data.get("payment_status") != "paid":
            # An asynchronous method: the money is not there yet; async_payment_succeeded follows.
            payments.record_event_only(event["id"])
            return payments.Outcome("duplicate", "not paid yet")
        return payments.receive(payments.Incoming(
            fee_day=_quoted_on(event, data),
            payment_id=_payment_intent(data.get("payment_intent")) or data["id"],
            invoice_id=metadata.get("invoice_id"),
            method="card",
            amount_cents=int(data.get("amount_total") or 0),
            currency=str(data.get("currency") or ""),
            received_at=_received_at(event),
            reference=data.get("id"),
            event_id=event["id"],
            extra={"checkout_session_id": data.get("id"), "stripe_customer_email":
                   (data.get("customer_details") or {}).get("email")},
        ))
    if kind == "checkout.session.async_payment_failed":
        payments.record_event_only(event["id"])
        return payments.Outcome("duplicate", "payment failed")
    # charge.refunded (a Charge) and charge.dispute.* (a Dispute) name the PaymentIntent.
    payment_intent = _payment_intent(data.get("payment_intent"))
    if not payment_intent:
        payment_intent = _payment_intent(data.get("charge")) or data["id"]
    if kind == "charge.refunded":
        change, amount = "refund", int(data.get("amount_refunded") or 0)
    elif kind == "charge.dispute.created":
        change, amount = "dispute", int(data.get("amount") or 0)
    elif data.get("status") in ("won", "lost"):
        change, amount = f"dispute_{data['status']}", int(data.get("amount") or 0)
    else:
        # Closed otherwise (an inquiry that never became a dispute): nothing changes.
        payments.record_event_only(event["id"])
        return payments.Outcome("duplicate", f"dispute closed as {data.get('status')}")
    return payments.reverse(payment_intent, change, event_id=event["id"], invoice_id=metadata.get("invoice_id"),
                            amount_cents=amount, currency=str(data.get("currency") or "usd"))


def _quoted_on(event: dict[str, Any], session: dict[str, Any]) -> dt.date | None:
    """The day a Checkout Session quoted its amount: it is honoured when Stripe
    completes the session within its life, even after the grace period ended."""
    created, expires_at = session.get("created"), session.get("expires_at")
    if not isinstance(created, int):
        return None
    if isinstance(expires_at, int) and isinstance(event.get("created"), int) and event["created"] > expires_at:
        return None
    return clock.day_of(created)

"""Money in: card payments reported by verified Stripe events and payments that
staff record from the mail or fax. An invoice is paid at most once, by exactly
the amount due; anything else is recorded and flagged for a person, never
silently absorbed.

Every effect is one DynamoDB transaction: the Stripe event id (so a redelivered
event applies once), the payment keyed by its PaymentIntent (so the two events
that report one payment apply once), and the invoice, guarded by the state it
was read in (so a webhook racing an offline payment cannot pay twice).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field, StringConstraints
from typing_extensions import Annotated

from renewal import audit, clock, invoices, keys, notices, paging
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from renewal.model import Model

logger = Logger()

# A seen Stripe event is kept long past Stripe's three days of retries.
EVENT_RETENTION_S = 90 * 24 * 3600
MAX_ATTEMPTS = 3

APPLIED, NEEDS_ATTENTION, REFUNDED, DISPUTED = "applied", "needs_attention", "refunded", "disputed"


@dataclass
class Incoming:
    """A payment as it arrives, before it is matched to its invoice."""

    payment_id: str
    invoice_id: str | None
    method: str
    amount_cents: int
    currency: str
    received_at: str
    reference: str | None = None
    event_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    result: Literal["applied", "flagged", "duplicate"]
    reason: str | None = None
    invoice: dict[str, Any] | None = None


class PaymentRecord(Model):
    payment_id: str
    invoice_id: str | None = None
    member_id: str | None = None
    method: str
    amount_cents: int
    currency: str
    status: str
    reason: str | None = None
    needs_attention: bool
    reference: str | None = None
    received_at: str
    recorded_at: str


class PaymentList(Model):
    items: list[PaymentRecord]
    next_token: str | None = None


def _event_op(event_id: str | None) -> list[dict[str, Any]]:
    if not event_id:
        return []
    record = {**keys.stripe_event_key(event_id), "event_id": event_id, "seen_at": clock.now_iso(),
              "expires_at": int(time.time()) + EVENT_RETENTION_S}
    return [store.put_op(record, condition="attribute_not_exists(PK)")]


def _payment_record(incoming: Incoming, invoice: Mapping[str, Any] | None, status: str,
                    reason: str | None) -> dict[str, Any]:
    now = clock.now_iso()
    record: dict[str, Any] = {
        **keys.payment_key(incoming.payment_id),
        "payment_id": incoming.payment_id,
        "invoice_id": incoming.invoice_id,
        "member_id": invoice["member_id"] if invoice else None,
        "method": incoming.method,
        "amount_cents": incoming.amount_cents,
        "currency": incoming.currency,
        "reference": incoming.reference,
        "received_at": incoming.received_at,
        "recorded_at": now,
        "status": status,
        "reason": reason,
        "needs_attention": status == NEEDS_ATTENTION,
        **incoming.extra,
    }
    if status == NEEDS_ATTENTION:
        record.update(keys.attention_index(now, incoming.payment_id))
    return record


def _unchanged(invoice: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A condition that holds only while the invoice is as it was read."""
    return (
        "#status = :seen_status AND total_cents = :seen_total AND amount_paid_cents = :seen_paid",
        {":seen_status": invoice["status"], ":seen_total": invoice["total_cents"],
         ":seen_paid": invoice.get("amount_paid_cents", 0)},
    )


def _judge(incoming: Incoming, invoice: Mapping[str, Any] | None) -> str | None:
    """None when the payment settles the invoice, else why a person must look at it."""
    if invoice is None:
        return "unknown_invoice"
    if invoice["status"] == "paid":
        return "second_payment"  # refund it: the invoice was already paid
    if invoice["status"] != "open":
        return f"invoice_{invoice['status']}"
    if incoming.currency.lower() != invoice["currency"] or incoming.amount_cents != invoices.amount_due(invoice):
        return "amount_mismatch"
    return None


def _load_invoice(invoice_id: str | None) -> dict[str, Any] | None:
    key = keys.invoice_key_from_id(invoice_id) if invoice_id else None
    return store.get(key) if key else None


def receive(incoming: Incoming, *, offline_by: Principal | None = None) -> Outcome:
    """Applies a payment exactly once. Staff recording an offline payment get an
    error instead of a flag when it cannot settle the invoice."""
    for _ in range(MAX_ATTEMPTS):
        invoice = _load_invoice(incoming.invoice_id)
        reason = _judge(incoming, invoice)
        if offline_by is not None and reason is not None:
            _refuse_offline(reason, invoice)
        operations = _event_op(incoming.event_id)
        if reason is None:
            assert invoice is not None
            operations.append(store.put_op(_payment_record(incoming, invoice, APPLIED, None),
                                           condition="attribute_not_exists(PK)"))
            condition, values = _unchanged(invoice)
            entry = {"payment_id": incoming.payment_id, "method": incoming.method,
                     "amount_cents": incoming.amount_cents, "currency": incoming.currency,
                     "received_at": incoming.received_at, "reference": incoming.reference}
            operations.append(store.update_op(
                keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"]),
                "SET #status = :paid, amount_paid_cents = amount_paid_cents + :amount, paid_at = :now, "
                "payments = list_append(payments, :entry)",
                condition=condition,
                names={"#status": "status"},
                values={**values, ":paid": "paid", ":amount": incoming.amount_cents, ":now": clock.now_iso(),
                        ":entry": [entry]},
            ))
            if offline_by is not None:
                operations.append(audit.entry_op(
                    offline_by, history_pk=keys.member_history_pk(invoice["member_id"]), action="payment.offline",
                    changes={"invoice_id": {"from": None, "to": incoming.invoice_id},
                             "amount_cents": {"from": None, "to": incoming.amount_cents},
                             "method": {"from": None, "to": incoming.method},
                             "reference": {"from": None, "to": incoming.reference}}))
        else:
            operations.append(store.put_op(_payment_record(incoming, invoice, NEEDS_ATTENTION, reason),
                                           condition="attribute_not_exists(PK)"))
        try:
            store.transact(operations)
        except store.ConditionFailed as lost:
            reasons = lost.reasons
            if incoming.event_id and reasons and reasons[0] == "ConditionalCheckFailed":
                return Outcome("duplicate", "event already applied")
            payment_position = 1 if incoming.event_id else 0
            if len(reasons) > payment_position and reasons[payment_position] == "ConditionalCheckFailed":
                # The same payment reached us before (checkout completed, then async succeeded).
                if incoming.event_id:
                    record_event_only(incoming.event_id)
                return Outcome("duplicate", "payment already recorded")
            continue  # the invoice changed under us: judge again against its new state
        if reason is None:
            return Outcome("applied", invoice=invoice)
        logger.warning("payment needs attention", extra={"payment_id": incoming.payment_id, "reason": reason})
        return Outcome("flagged", reason, invoice)
    raise Conflict("The invoice kept changing while the payment was applied; try again.")


def _refuse_offline(reason: str, invoice: Mapping[str, Any] | None) -> None:
    if invoice is None:
        raise NotFound("No such invoice.")
    if reason == "amount_mismatch":
        raise RuleViolation(
            f"The amount must equal the amount due, {invoices.amount_due(invoice)} cents.",
            code="amount_mismatch",
            details=[{"field": "amount_cents", "amount_due_cents": invoices.amount_due(invoice)}],
        )
    raise Conflict(f"The invoice is {invoice['status']}, not open.", code="invoice_not_open")


def reverse(payment_id: str, kind: Literal["refunded", "disputed"], *, event_id: str, invoice_id: str | None,
            amount_cents: int, currency: str) -> Outcome:
    """A refund or a dispute made in Stripe: recorded, and the renewal is no longer paid."""
    for _ in range(MAX_ATTEMPTS):
        payment = store.get(keys.payment_key(payment_id))
        invoice_id = (payment or {}).get("invoice_id") or invoice_id
        invoice = _load_invoice(invoice_id)
        now = clock.now_iso()
        operations = _event_op(event_id)
        # A dispute always needs a person; a refund of a payment that never settled
        # the invoice (an extra one) resolves the attention it had.
        attention = kind == DISPUTED or payment is None
        reason = "dispute" if kind == DISPUTED else ("refund_before_payment" if payment is None else None)
        if payment is None:
            incoming = Incoming(payment_id=payment_id, invoice_id=invoice_id, method="card", amount_cents=amount_cents,
                                currency=currency, received_at=now)
            record = _payment_record(incoming, invoice, NEEDS_ATTENTION, reason)
            record["status"] = kind
            operations.append(store.put_op(record, condition="attribute_not_exists(PK)"))
        else:
            expression = "SET #status = :kind, reason = :reason, needs_attention = :attention, reversed_at = :now"
            values: dict[str, Any] = {":kind": kind, ":reason": reason, ":attention": attention, ":now": now,
                                      ":seen": payment["status"]}
            if attention:
                expression += ", GSI1PK = :gsi1pk, GSI1SK = :gsi1sk"
                index = keys.attention_index(now, payment_id)
                values.update({":gsi1pk": index["GSI1PK"], ":gsi1sk": index["GSI1SK"]})
            else:
                expression += " REMOVE GSI1PK, GSI1SK"
            operations.append(store.update_op(keys.payment_key(payment_id), expression, condition="#status = :seen",
                                              names={"#status": "status"}, values=values))
        settled = payment is not None and payment["status"] == APPLIED
        if invoice is not None and (settled or (payment is None and invoice["status"] == "open")):
            condition, seen = _unchanged(invoice)
            refund = payment["amount_cents"] if settled and kind == REFUNDED else 0
            operations.append(store.update_op(
                keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"]),
                "SET #status = :kind, amount_paid_cents = amount_paid_cents - :refund",
                condition=condition, names={"#status": "status"},
                values={**seen, ":kind": kind, ":refund": refund},
            ))
        try:
            store.transact(operations)
        except store.ConditionFailed as lost:
            if lost.reasons and lost.reasons[0] == "ConditionalCheckFailed":
                return Outcome("duplicate", "event already applied")
            continue
        return Outcome("flagged" if attention else "applied", reason, invoice)
    raise Conflict("The payment kept changing while the reversal was applied; try again.")


def record_event_only(event_id: str) -> bool:
    """Marks an event seen that changes nothing (e.g. an async payment failure)."""
    try:
        store.transact(_event_op(event_id))
        return True
    except store.ConditionFailed:
        return False


def send_receipt(invoice: Mapping[str, Any], amount_cents: int) -> None:
    """After the write committed: a failure here never undoes the payment."""
    notices.tell_member(invoice["member_id"], f"Receipt: your {invoice['renewal_year']} credential renewal",
                        f"We received ${amount_cents / 100:,.2f} for invoice {invoice['invoice_id']}. Thank you.")


# ---------------------------------------------------------------- offline payments (staff)


class OfflinePayment(Model):
    model_config = ConfigDict(extra="forbid")

    method: Literal["check", "money_order", "card_by_phone"]
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    amount_cents: Annotated[int, Field(gt=0)]
    received_on: dt.date


def record_offline(principal: Principal, invoice_id: str, payment: OfflinePayment) -> invoices.Invoice:
    principal.require_staff()
    if payment.received_on > clock.today():
        raise ValidationFailed("A payment cannot be received in the future.",
                               details=[{"field": "received_on", "today": clock.today().isoformat()}])
    if keys.invoice_key_from_id(invoice_id) is None:
        raise NotFound(f"No invoice {invoice_id}.")
    incoming = Incoming(
        payment_id=f"OFFLINE-{invoice_id}-{payment.method}-{payment.reference}".replace(" ", "_")[:200],
        invoice_id=invoice_id, method=payment.method, amount_cents=payment.amount_cents, currency="usd",
        received_at=payment.received_on.isoformat(), reference=payment.reference,
        extra={"recorded_by": principal.actor},
    )
    outcome = receive(incoming, offline_by=principal)
    if outcome.result == "duplicate":
        raise Conflict("This payment was recorded already.", code="invoice_not_open")
    record = _load_invoice(invoice_id)
    assert record is not None
    send_receipt(record, payment.amount_cents)
    return invoices.view(record)


def list_payments(principal: Principal, needs_attention: bool, limit: int, next_token: str | None) -> PaymentList:
    principal.require_staff()
    if not needs_attention:
        # Payments are read per invoice (its `payments`); only the attention list is kept as an index.
        raise ValidationFailed("Only needs_attention=true is listed here; an invoice lists its own payments.",
                               details=[{"field": "needs_attention"}])

    items, token = paging.page(keys.ATTENTION_PAYMENTS, index=keys.GSI1, limit=limit, next_token=next_token)
    return PaymentList(items=[PaymentRecord(**item) for item in items], next_token=token)

"""Money in: card payments reported by verified Stripe events and payments that
staff record from the mail or fax. An invoice is paid at most once, by exactly
the amount due; anything else is recorded and flagged for a person, never
silently absorbed.

Every effect is one DynamoDB transaction: the Stripe event id (so a redelivered
event applies once), the payment keyed by its PaymentIntent (so the two events
that report one payment apply once), and the invoice, guarded by the state it
was read in (so a webhook racing an offline payment cannot pay twice).
"""

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple
from types import MappingProxyType

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field, StringConstraints
from typing_extensions import Annotated

from renewal import audit, clock, dues, invoices, keys, notices, paging
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from renewal.model import Date, Model

logger = Logger()

# A seen Stripe event is kept long past Stripe's three days of retries.
EVENT_RETENTION_S = 90 * 24 * 3600
MAX_ATTEMPTS = 3

APPLIED, NEEDS_ATTENTION, REFUNDED, DISPUTED = "applied", "needs_attention", "refunded", "disputed"
PARTIALLY_REFUNDED = "partially_refunded"
# Payments that never settled their invoice: refunding them touches no invoice.
EXTRA_REASONS = frozenset({"unknown_invoice", "second_payment", "amount_mismatch", "refund_before_payment",
                           "invoice_void", "invoice_disputed", "invoice_refunded", "invoice_open"})


class Incoming(NamedTuple):
    """A payment as it arrives, before it is matched to its invoice."""

    payment_id: str
    invoice_id: str | None
    method: str
    amount_cents: int
    currency: str
    received_at: str
    reference: str | None = None
    event_id: str | None = None
    extra: Mapping[str, Any] = MappingProxyType({})  # read only: one default shared by all
    # The day whose amount due the payment must match: a check's `received_on`,
    # the day a Checkout Session quoted its amount. None: today.
    fee_day: dt.date | None = None


class Outcome(NamedTuple):
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
        "settled_invoice": status == APPLIED,
        **incoming.extra,
    }
    if status == NEEDS_ATTENTION:
        record.update(keys.attention_index(now, incoming.payment_id))
    return record


def _judge(incoming: Incoming, invoice: Mapping[str, Any] | None) -> str | None:
    """None when the payment settles the invoice, else why a person must look at it."""
    if invoice is None:
        return "unknown_invoice"
    if invoice["status"] == "paid":
        return "second_payment"  # refund it: the invoice was already paid
    if not dues.payable(invoice):
        return f"invoice_{invoice['status']}"
    due = dues.owed(invoice, incoming.fee_day or clock.today()).amount_due_cents
    if incoming.currency.lower() != invoice["currency"] or incoming.amount_cents != due:
        return "amount_mismatch"
    return None


def _settled(invoice: dict[str, Any], incoming: Incoming) -> tuple[dict[str, Any], str | None]:
    """The invoice once the payment settles it, and what happened to the fee line."""
    day = incoming.fee_day or clock.today()
    lines, fee_change = dues.settled_lines(invoice, day)
    entry = {"payment_id": incoming.payment_id, "method": incoming.method, "amount_cents": incoming.amount_cents,
             "currency": incoming.currency, "received_at": incoming.received_at, "reference": incoming.reference}
    return {**invoice, "lines": lines, "total_cents": dues.stored_total(lines), "status": "paid",
            "amount_paid_cents": int(invoice.get("amount_paid_cents", 0)) + incoming.amount_cents,
            "paid_at": clock.now_iso(), "settled_on": day.isoformat(),
            "payments": [*invoice.get("payments", []), entry]}, fee_change


def _load_invoice(invoice_id: str | None) -> dict[str, Any] | None:
    key = keys.invoice_key_from_id(invoice_id) if invoice_id else None
    return store.get(key) if key else None


def receive(incoming: Incoming, *, offline_by: Principal | None = None) -> Outcome:
    """Applies a payment exactly once. Staff recording an offline payment get an
    error instead of a flag when it cannot settle the invoice."""
    actor = offline_by or audit.SYSTEM
    for _ in range(MAX_ATTEMPTS):
        invoice = _load_invoice(incoming.invoice_id)
        reason = _judge(incoming, invoice)
        if offline_by is not None and reason is not None:
            _refuse_offline(reason, invoice, incoming)
        operations = _event_op(incoming.event_id)
        if reason is None:
            assert invoice is not None
            operations.append(store.put_op(_payment_record(incoming, invoice, APPLIED, None),
                                           condition="attribute_not_exists(PK)"))
            settled, fee_change = _settled(invoice, incoming)
            operations += invoices.save_ops(invoice, settled)
            history = keys.member_history_pk(invoice["member_id"])
            if offline_by is not None:
                operations.append(audit.entry_op(
                    offline_by, history_pk=history, action="payment.offline",
                    changes={"invoice_id": {"from": None, "to": incoming.invoice_id},
                             "amount_cents": {"from": None, "to": incoming.amount_cents},
                             "method": {"from": None, "to": incoming.method},
                             "reference": {"from": None, "to": incoming.reference},
                             "received_on": {"from": None, "to": incoming.received_at}}))
            if fee_change == "voided":
                operations.append(audit.entry_op(
                    actor, history_pk=history, action="reinstatement_fee.void",
                    changes={"invoice_id": {"from": None, "to": incoming.invoice_id},
                             "reason": {"from": None, "to": "payment received within the grace period"},
                             "received_on": {"from": None, "to": settled["settled_on"]}}))
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
            return Outcome("applied", invoice=settled)
        logger.warning("payment needs attention", extra={"payment_id": incoming.payment_id, "reason": reason})
        return Outcome("flagged", reason, invoice)
    raise Conflict("The invoice kept changing while the payment was applied; try again.")


def _refuse_offline(reason: str, invoice: Mapping[str, Any] | None, incoming: Incoming) -> None:
    if invoice is None:
        raise NotFound("No such invoice.")
    if reason == "amount_mismatch":
        day = incoming.fee_day or clock.today()
        due = dues.owed(invoice, day).amount_due_cents
        raise RuleViolation(
            f"The amount must equal the amount due on {day.isoformat()}, the day it was received: {due} cents.",
            code="amount_mismatch",
            details=[{"field": "amount_cents", "amount_due_cents": due, "received_on": day.isoformat()}],
        )
    raise Conflict(f"The invoice is {invoice['status']}, not open.", code="invoice_not_open")


def settled_invoice(payment: Mapping[str, Any]) -> bool:
    """Whether this payment is the one that paid its invoice (not an extra one)."""
    if "settled_invoice" in payment:
        return bool(payment["settled_invoice"])
    return payment["status"] != NEEDS_ATTENTION and payment.get("reason") not in EXTRA_REASONS


Reversal = Literal["refund", "dispute", "dispute_won", "dispute_lost"]


def _reversed_payment(payment: Mapping[str, Any], change: Reversal, amount_cents: int,
                      now: str) -> tuple[dict[str, Any], int]:
    """The payment record after the change, and how much money went back to the
    member with it (what the invoice's amount paid loses)."""
    settles = settled_invoice(payment)
    updated = {**payment, "reversed_at": now}
    returned = 0
    if change == "refund":
        # Stripe reports the refunded total so far: the new part is what we did not know.
        returned = max(0, amount_cents - int(payment.get("refunded_cents", 0)))
        full = amount_cents >= int(payment["amount_cents"])
        updated.update(refunded_cents=max(amount_cents, int(payment.get("refunded_cents", 0))),
                       status=REFUNDED if full else PARTIALLY_REFUNDED)
        # A partial refund needs a person (is the renewal still covered?); a full
        # one of an extra payment resolves the attention it had.
        updated.update(needs_attention=not full, reason=None if full else "partial_refund")
    elif change == "dispute":
        updated.update(status=DISPUTED, needs_attention=True, reason="dispute", dispute="open")
    elif change == "dispute_won":
        updated.update(status=APPLIED if settles else payment["status"], needs_attention=False, reason=None,
                       dispute="won")
    else:  # lost: as a full refund of what was disputed
        returned = max(0, min(amount_cents, int(payment["amount_cents"]) - int(payment.get("refunded_cents", 0))))
        updated.update(status=REFUNDED, needs_attention=False, reason=None, dispute="lost",
                       refunded_cents=int(payment.get("refunded_cents", 0)) + returned)
    return updated, (returned if settles else 0)


def _invoice_after(invoice: dict[str, Any], payment: Mapping[str, Any], change: Reversal,
                   returned: int) -> dict[str, Any]:
    if change == "dispute":
        changed = {**invoice, "status": dues.DISPUTED} if invoice["status"] == "paid" else dict(invoice)
    elif change == "dispute_won":
        changed = dues.after_dispute_won(invoice)
    else:
        changed = dues.after_refund(invoice, returned, dispute_closed=change == "dispute_lost")
    changed["payments"] = [{**entry, "refunded_cents": payment.get("refunded_cents", 0)}
                           if entry.get("payment_id") == payment["payment_id"] else entry
                           for entry in invoice.get("payments", [])]
    return changed


def reverse(payment_id: str, change: Reversal, *, event_id: str, invoice_id: str | None, amount_cents: int,
            currency: str) -> Outcome:
    """A refund or a dispute made in Stripe, recorded once. `amount_cents` is
    the refunded total so far for a refund, the disputed amount for a dispute."""
    for _ in range(MAX_ATTEMPTS):
        payment = store.get(keys.payment_key(payment_id))
        invoice_id = (payment or {}).get("invoice_id") or invoice_id
        invoice = _load_invoice(invoice_id)
        now = clock.now_iso()
        operations = _event_op(event_id)
        if payment is None:
            # Before its payment (Stripe does not promise the order of events): recorded
            # and flagged; the payment, when it arrives, finds its record and is not applied.
            incoming = Incoming(payment_id=payment_id, invoice_id=invoice_id, method="card", amount_cents=amount_cents,
                                currency=currency, received_at=now)
            record = _payment_record(incoming, invoice, NEEDS_ATTENTION,
                                     "dispute" if change.startswith("dispute") else "refund_before_payment")
            record.update(status=DISPUTED if change == "dispute" else REFUNDED,
                          refunded_cents=amount_cents if change == "refund" else 0)
            operations.append(store.put_op(record, condition="attribute_not_exists(PK)"))
            attention = True
            if invoice is not None and invoice["status"] == dues.OPEN and change in ("refund", "dispute"):
                # It ends as it would have in order: the payment, when it comes, pays nothing.
                operations += invoices.save_ops(invoice, {**invoice, "status": record["status"]})
        else:
            updated, returned = _reversed_payment(payment, change, amount_cents, now)
            if change == "refund" and returned == 0 and updated["status"] == payment["status"]:
                record_event_only(event_id)
                return Outcome("duplicate", "refund already recorded")
            attention = bool(updated["needs_attention"])
            if attention:
                updated.update(keys.attention_index(now, payment_id))
            else:
                updated.update(GSI1PK=None, GSI1SK=None)
            operations.append(_payment_update_op(payment, updated))
            if invoice is not None and settled_invoice(payment) and invoice.get("invoice_id") == payment.get("invoice_id"):
                operations += invoices.save_ops(invoice, _invoice_after(invoice, updated, change, returned))
        try:
            store.transact(operations)
        except store.ConditionFailed as lost:
            if lost.reasons and lost.reasons[0] == "ConditionalCheckFailed":
                return Outcome("duplicate", "event already applied")
            continue
        return Outcome("flagged" if attention else "applied", None, invoice)
    raise Conflict("The payment kept changing while the reversal was applied; try again.")


def _payment_update_op(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The payment record's changed attributes, guarded by the status it was read in."""
    names, values, sets, removes = {"#status": "status"}, {":seen": before["status"]}, [], []
    for n, name in enumerate(sorted((set(after) | set(before)) - {keys.PK, keys.SK})):
        if before.get(name) == after.get(name):
            continue
        names[f"#p{n}"] = name
        if after.get(name) is None:
            removes.append(f"#p{n}")
        else:
            sets.append(f"#p{n} = :p{n}")
            values[f":p{n}"] = after[name]
    expression = ("SET " + ", ".join(sets) if sets else "") + (" REMOVE " + ", ".join(removes) if removes else "")
    seen_refunded = "refunded_cents = :seen_refunded" if "refunded_cents" in before else \
        "attribute_not_exists(refunded_cents)"
    if "refunded_cents" in before:
        values[":seen_refunded"] = before["refunded_cents"]
    return store.update_op(keys.payment_key(before["payment_id"]), expression.strip(),
                           condition=f"#status = :seen AND {seen_refunded}", names=names, values=values)


def record_event_only(event_id: str) -> bool:
    """Marks an event seen that changes nothing (e.g. an async payment failure)."""
    try:
        store.transact(_event_op(event_id))
        return True
    except store.ConditionFailed:
        return False


def send_receipt(invoice: Mapping[str, Any], amount_cents: int) -> None:
    """After the write committed: a failure here never undoes the payment."""
    notices.tell_member(invoice["member_id"], *notices.receipt(invoice, amount_cents))


# ---------------------------------------------------------------- offline payments (staff)


class OfflinePayment(Model):
    model_config = ConfigDict(extra="forbid")

    method: Literal["check", "money_order", "card_by_phone"]
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    amount_cents: Annotated[int, Field(gt=0)]
    received_on: Date


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
        extra={"recorded_by": principal.actor}, fee_day=payment.received_on,
    )
    outcome = receive(incoming, offline_by=principal)
    if outcome.result == "duplicate":
        raise Conflict("This payment was recorded already.", code="invoice_not_open")
    record = _load_invoice(invoice_id)
    assert record is not None
    send_receipt(record, payment.amount_cents)
    return invoices.view(record)


class FeeWaiver(Model):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="Why the fee is waived: kept on the voided line and in the member's history.")


def waive_reinstatement_fee(principal: Principal, invoice_id: str, body: FeeWaiver) -> invoices.Invoice:
    """Staff drop the reinstatement fee of an open invoice: the line stays, voided."""
    principal.require_staff()
    if keys.invoice_key_from_id(invoice_id) is None:
        raise NotFound(f"No invoice {invoice_id}.")
    today = clock.today()
    for _ in range(MAX_ATTEMPTS):
        invoice = _load_invoice(invoice_id)
        if invoice is None:
            raise NotFound(f"No invoice {invoice_id}.")
        if not dues.payable(invoice):
            raise Conflict(f"The invoice is {invoice['status']}, not open.", code="invoice_not_open")
        if not dues.fee_owed(invoice, today):
            raise Conflict(f"Invoice {invoice_id} owes no reinstatement fee on {today.isoformat()}.",
                           code="no_reinstatement_fee")
        lines = dues.waive_fee(invoice, body.note)
        waived = {**invoice, "lines": lines, "total_cents": dues.stored_total(lines),
                  "fee_waived": {"by": principal.actor, "at": clock.now_iso(), "note": body.note}}
        paid = int(invoice.get("amount_paid_cents", 0))
        if paid > 0 and paid >= waived["total_cents"]:
            # What was paid already covers the invoice without the fee (a refund returned the fee).
            waived.update(status=dues.PAID, paid_at=clock.now_iso(), settled_on=today.isoformat())
        operations = invoices.save_ops(invoice, waived)
        operations.append(audit.entry_op(
            principal, history_pk=keys.member_history_pk(invoice["member_id"]), action="reinstatement_fee.waive",
            changes={"invoice_id": {"from": None, "to": invoice_id},
                     "amount_cents": {"from": dues.fee_cents(invoice), "to": 0},
                     "note": {"from": None, "to": body.note}}))
        try:
            store.transact(operations)
        except store.ConditionFailed:
            continue  # paid or changed meanwhile: look again
        return invoices.view(waived, today)
    raise Conflict("The invoice kept changing; try again.")


def list_payments(principal: Principal, needs_attention: bool, limit: int, next_token: str | None) -> PaymentList:
    principal.require_staff()
    if not needs_attention:
        # Payments are read per invoice (its `payments`); only the attention list is kept as an index.
        raise ValidationFailed("Only needs_attention=true is listed here; an invoice lists its own payments.",
                               details=[{"field": "needs_attention"}])

    items, token = paging.page(keys.ATTENTION_PAYMENTS, index=keys.GSI1, limit=limit, next_token=next_token)
    return PaymentList(items=[PaymentRecord(**item) for item in items], next_token=token)

"""Invoices: one per member and renewal year, issued by the invoice run. The
invoice is also the member's renewal record for that year: it keeps the terms
of the rule set it was issued under."""

from __future__ import annotations

from typing import Any, Literal



from renewal import keys
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import NotFound
from renewal.invoicing import InvoiceLine
from renewal.model import Model

InvoiceStatus = Literal["open", "paid", "void", "refunded", "disputed"]


class Payment(Model):
    payment_id: str
    method: str
    amount_cents: int
    currency: str
    received_at: str
    reference: str | None = None


class Invoice(Model):
    invoice_id: str
    member_id: str
    renewal_year: int
    status: InvoiceStatus
    currency: str
    lines: list[InvoiceLine]
    total_cents: int
    amount_paid_cents: int
    amount_due_cents: int
    cec_required: float
    in_network_required: float
    issued_at: str
    due_date: str
    paid_at: str | None = None
    payments: list[Payment]


class InvoiceList(Model):
    items: list[Invoice]
    next_token: str | None = None


def amount_due(record: dict[str, Any]) -> int:
    if record["status"] != "open":
        return 0
    return max(0, int(record["total_cents"]) - int(record.get("amount_paid_cents", 0)))


def view(record: dict[str, Any]) -> Invoice:
    return Invoice(
        invoice_id=record["invoice_id"],
        member_id=record["member_id"],
        renewal_year=record["renewal_year"],
        status=record["status"],
        currency=record["currency"],
        lines=record["lines"],
        total_cents=record["total_cents"],
        amount_paid_cents=record.get("amount_paid_cents", 0),
        amount_due_cents=amount_due(record),
        cec_required=record["cec_required"],
        in_network_required=record["in_network_required"],
        issued_at=record["issued_at"],
        due_date=record["due_date"],
        paid_at=record.get("paid_at"),
        payments=record.get("payments", []),
    )


def list_own_invoices(principal: Principal) -> InvoiceList:
    member_id = principal.require_member()
    records = store.query_all(keys.member_pk(member_id), sk_prefix=keys.INVOICE_PREFIX, forward=False)
    # A member has one invoice a year: the list is short, newest first, one page.
    return InvoiceList(items=[view(r) for r in records])


def own_invoice_record(member_id: str, invoice_id: str) -> dict[str, Any]:
    """The member's own invoice. Another member's reads as unknown: its existence must not leak."""
    key = keys.invoice_key_from_id(invoice_id)
    record = store.get(key) if key is not None and key[keys.PK] == keys.member_pk(member_id) else None
    if record is None:
        raise NotFound(f"No invoice {invoice_id}.")
    return record


def get_own_invoice(principal: Principal, invoice_id: str) -> Invoice:
    return view(own_invoice_record(principal.require_member(), invoice_id))

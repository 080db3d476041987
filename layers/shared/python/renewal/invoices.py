"""Invoices: one per member and renewal year, issued by the invoice run. The
invoice is also the member's renewal record for that year: it keeps the terms
of the rule set it was issued under."""

import datetime as dt
from typing import Any, Literal

from renewal import clock, dues, keys
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


def view(record: dict[str, Any], today: dt.date | None = None) -> Invoice:
    """The invoice as of today: the reinstatement fee is on it from the day it is owed."""
    owed = dues.owed(record, today or clock.today())
    return Invoice(
        invoice_id=record["invoice_id"],
        member_id=record["member_id"],
        renewal_year=record["renewal_year"],
        status=record["status"],
        currency=record["currency"],
        lines=list(owed.lines),
        total_cents=owed.total_cents,
        amount_paid_cents=owed.amount_paid_cents,
        amount_due_cents=owed.amount_due_cents,
        cec_required=record["cec_required"],
        in_network_required=record["in_network_required"],
        issued_at=record["issued_at"],
        due_date=record["due_date"],
        paid_at=record.get("paid_at"),
        payments=record.get("payments", []),
    )


def guard(invoice: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A condition that holds only while the invoice is as it was read: every
    write to an invoice moves its `version` on."""
    seen = invoice.get("version")
    if seen is None:
        return "attribute_not_exists(version)", {}
    return "version = :seen_version", {":seen_version": seen}


def save_ops(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The writes that turn the invoice as read (`before`) into `after`, for a
    transaction: only the attributes that changed, guarded by the version; its
    renewal record and the year's totals follow in the same transaction."""
    from renewal import records

    if before.get("record") or after.get("record"):
        after = records.with_record(after)
    condition, values = guard(before)
    names: dict[str, str] = {"#version": "version"}
    sets, removes = ["#version = :next_version"], []
    values = {**values, ":next_version": int(before.get("version") or 0) + 1}
    for n, name in enumerate(sorted(set(before) | set(after))):
        if name in (keys.PK, keys.SK, "version") or before.get(name) == after.get(name):
            continue
        names[f"#a{n}"] = name
        if after.get(name) is None or after.get(name) == set():  # DynamoDB keeps no empty sets
            removes.append(f"#a{n}")
        else:
            sets.append(f"#a{n} = :a{n}")
            values[f":a{n}"] = after[name]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    year = int(before["renewal_year"])
    operations = [store.update_op(keys.invoice_key(year, before["member_id"]), expression, condition=condition,
                                  names=names, values=values)]
    totals = records.totals_op(year, records.delta(before, after))
    return operations + ([totals] if totals else [])


def create_ops(invoice: dict[str, Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A new invoice with its renewal record (facts from the member's items) and
    its share of the year's totals; fails if the member has one for the year."""
    from renewal import records

    record = {**records.with_record(invoice, items), "version": 1}
    operations = [store.put_op(record, condition="attribute_not_exists(SK)")]
    totals = records.totals_op(int(invoice["renewal_year"]), records.delta(None, record))
    return operations + ([totals] if totals else [])


def _invoices_of(member_id: str, limit: int, next_token: str | None) -> InvoiceList:
    from renewal import paging

    records, token = paging.page(keys.member_pk(member_id), sk_prefix=keys.INVOICE_PREFIX, forward=False,
                                 limit=limit, next_token=next_token)
    return InvoiceList(items=[view(r) for r in records], next_token=token)


def list_own_invoices(principal: Principal, limit: int, next_token: str | None) -> InvoiceList:
    """The caller's invoices, newest year first, page by page."""
    return _invoices_of(principal.require_member(), limit, next_token)


def list_member_invoices(principal: Principal, member_id: str, limit: int, next_token: str | None) -> InvoiceList:
    """A member's invoices for staff, as the member sees them; an unknown member is
    404 rather than an empty list, so a mistyped id is not read as "never invoiced"."""
    principal.require_staff()
    if store.get(keys.member_key(member_id)) is None:
        raise NotFound(f"No member {member_id}.")
    return _invoices_of(member_id, limit, next_token)


def own_invoice_record(member_id: str, invoice_id: str) -> dict[str, Any]:
    """The member's own invoice. Another member's reads as unknown: its existence must not leak."""
    key = keys.invoice_key_from_id(invoice_id)
    record = store.get(key) if key is not None and key[keys.PK] == keys.member_pk(member_id) else None
    if record is None:
        raise NotFound(f"No invoice {invoice_id}.")
    return record


def get_own_invoice(principal: Principal, invoice_id: str) -> Invoice:
    return view(own_invoice_record(principal.require_member(), invoice_id))

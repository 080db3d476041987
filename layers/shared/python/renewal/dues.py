"""What an invoice owes on a given day: its lines, whether the reinstatement
fee is owed, the total and the amount due. Pure functions of the stored
invoice and a date; every read and every payment path asks `owed`.

- The reinstatement fee is owed from the first day after the grace end by an
  invoice that can still be paid (open, or refunded and so payable again),
  unless staff waived it. Nobody has to write it first: the daily run only
  records the line for good and sends the notice.
- A payment *received* on or before the grace end owes no fee: `received_on`
  of a check, the day a Checkout Session was created for a card. Settling
  with such a payment voids a fee line already written.
- A line that no longer applies stays on the invoice, marked void with a
  reason, and the totals leave it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

REINSTATEMENT = "REINSTATEMENT"
OPEN, PAID, VOID, REFUNDED, DISPUTED = "open", "paid", "void", "refunded", "disputed"
# A refunded invoice is owed again: checkout and offline payments accept it.
PAYABLE = frozenset({OPEN, REFUNDED})


class Owed(NamedTuple):
    lines: tuple[dict[str, Any], ...]  # every line, void ones included, the fee line when owed
    fee_owed: bool
    total_cents: int
    amount_paid_cents: int
    amount_due_cents: int

    @property
    def payable_lines(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if not line.get("void")]


def grace_ends(invoice: Mapping[str, Any]) -> dt.date:
    return dt.date.fromisoformat(invoice["terms"]["grace_ends"])


def fee_cents(invoice: Mapping[str, Any]) -> int:
    return int(invoice["terms"]["reinstatement_fee_cents"])


def payable(invoice: Mapping[str, Any]) -> bool:
    return invoice["status"] in PAYABLE


def fee_line(invoice: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": REINSTATEMENT, "description": f"Reinstatement fee {invoice['renewal_year']}",
            "amount_cents": fee_cents(invoice)}


def stored_fee(lines: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The fee line the daily run (or a payment after the grace end) wrote, unless voided."""
    return next((line for line in lines if line["code"] == REINSTATEMENT and not line.get("void")), None)


def fee_owed(invoice: Mapping[str, Any], on: dt.date) -> bool:
    """Whether the reinstatement fee is part of what the invoice owes on `on`."""
    if invoice.get("fee_waived") or fee_cents(invoice) <= 0:
        return False
    if payable(invoice):
        return on > grace_ends(invoice)
    # Paid (or since voided or disputed): what was written stays as written.
    return stored_fee(invoice["lines"]) is not None


def owed(invoice: Mapping[str, Any], on: dt.date) -> Owed:
    lines = [dict(line) for line in invoice["lines"]]
    fee = fee_owed(invoice, on)
    if payable(invoice):
        if fee and stored_fee(lines) is None:
            lines.append(fee_line(invoice))
        elif not fee:
            # Not owed on that day (before the grace end): a line written later does not count.
            lines = [{**line, "void": True, "void_reason": "not owed on this date"}
                     if line["code"] == REINSTATEMENT and not line.get("void") else line for line in lines]
    total = sum(int(line["amount_cents"]) for line in lines if not line.get("void"))
    paid = int(invoice.get("amount_paid_cents", 0))
    due = max(0, total - paid) if payable(invoice) else 0
    return Owed(lines=tuple(lines), fee_owed=fee, total_cents=total, amount_paid_cents=paid, amount_due_cents=due)


def base_total(lines: Sequence[Mapping[str, Any]]) -> int:
    """The total of the lines that are not the reinstatement fee and not void."""
    return sum(int(line["amount_cents"]) for line in lines if line["code"] != REINSTATEMENT and not line.get("void"))


def settled_lines(invoice: Mapping[str, Any], received_on: dt.date) -> tuple[list[dict[str, Any]], str | None]:
    """The lines an invoice keeps once a payment received on `received_on`
    settles it: the fee line written for good when the fee was owed that day,
    voided when it was not. Returns the lines and what changed about the fee
    ("added", "voided" or None)."""
    lines = [dict(line) for line in invoice["lines"]]
    written = stored_fee(lines)
    owed_then = fee_owed(invoice, received_on)
    if owed_then and written is None:
        return [*lines, fee_line(invoice)], "added"
    if not owed_then and written is not None:
        reason = f"payment received {received_on.isoformat()}, within the grace period"
        return [{**line, "void": True, "void_reason": reason} if line is written else line for line in lines], "voided"
    return lines, None


def waive_fee(invoice: Mapping[str, Any], note: str) -> list[dict[str, Any]]:
    """The lines once staff waive the fee: the fee line kept, voided."""
    lines = [dict(line) for line in invoice["lines"]]
    reason = f"waived by staff: {note}"
    written = stored_fee(lines)
    if written is None:
        return [*lines, {**fee_line(invoice), "void": True, "void_reason": reason}]
    return [{**line, "void": True, "void_reason": reason} if line is written else line for line in lines]


def stored_total(lines: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(line["amount_cents"]) for line in lines if not line.get("void"))


def after_refund(invoice: Mapping[str, Any], amount_cents: int, *, dispute_closed: bool = False) -> dict[str, Any]:
    """The invoice once `amount_cents` of what paid it went back to the member
    (a refund, or a dispute lost). The amount paid drops by it; the renewal
    stays paid only while what is left still covers the invoice's total; a
    full refund leaves it `refunded`, which can be paid again. An open dispute
    stays disputed until it closes."""
    net = max(0, int(invoice.get("amount_paid_cents", 0)) - amount_cents)
    status = invoice["status"]
    if status != VOID and (status != DISPUTED or dispute_closed):
        status = PAID if net > 0 and net >= stored_total(invoice["lines"]) else (REFUNDED if net <= 0 else OPEN)
    changed = {**invoice, "amount_paid_cents": net, "status": status}
    if status != PAID:
        changed["paid_at"] = None
        changed["settled_on"] = None
    return changed


def after_dispute_won(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """A dispute the institute won: the money stays, the invoice is paid again."""
    if invoice["status"] != DISPUTED:
        return dict(invoice)
    return after_refund(invoice, 0, dispute_closed=True)

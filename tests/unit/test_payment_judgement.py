"""Which payments settle an invoice, and why the others need a person."""

import datetime as dt

import pytest

from renewal.payments import Incoming, _judge

OPEN = {"status": "open", "currency": "usd", "renewal_year": 2027, "total_cents": 22500, "amount_paid_cents": 0,
        "lines": [{"code": "CAM", "description": "CAM renewal 2027", "amount_cents": 22500}],
        "terms": {"grace_ends": "2027-03-31", "reinstatement_fee_cents": 5000}}


def paying(amount=22500, currency="usd"):
    return Incoming(payment_id="pi_1", invoice_id="INV-2027-M-1", method="card", amount_cents=amount,
                    currency=currency, received_at="2026-12-01T00:00:00Z", fee_day=dt.date(2026, 12, 1))


def test_exactly_the_amount_due_in_the_invoice_currency_settles_it():
    assert _judge(paying(), OPEN) is None
    assert _judge(paying(currency="USD"), OPEN) is None
    # A refunded invoice is owed again, in full.
    assert _judge(paying(), {**OPEN, "status": "refunded"}) is None


@pytest.mark.parametrize(
    "payment, invoice, reason",
    [
        (paying(22499), OPEN, "amount_mismatch"),
        (paying(22501), OPEN, "amount_mismatch"),
        (paying(currency="eur"), OPEN, "amount_mismatch"),
        (paying(), None, "unknown_invoice"),
        (paying(), {**OPEN, "status": "paid", "amount_paid_cents": 22500}, "second_payment"),
        (paying(), {**OPEN, "status": "void"}, "invoice_void"),
        (paying(), {**OPEN, "status": "disputed"}, "invoice_disputed"),
    ],
)
def test_anything_else_is_flagged_with_its_reason(payment, invoice, reason):
    assert _judge(payment, invoice) == reason

"""What an invoice owes on a given day: the reinstatement fee exactly when it
is owed, whatever the order of the daily run, the payment and its recording.
Pure: no table."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal import dues

GRACE_ENDS = dt.date(2027, 3, 31)
DAY = dt.timedelta(days=1)
BASE, FEE = 9000, 5000


def invoice(**changes) -> dict:
    record = {
        "invoice_id": "INV-2027-M-1", "member_id": "M-1", "renewal_year": 2027, "status": "open", "currency": "usd",
        "lines": [{"code": "AIME", "description": "AIME renewal 2027", "amount_cents": BASE}],
        "total_cents": BASE, "amount_paid_cents": 0, "payments": [],
        "terms": {"grace_ends": GRACE_ENDS.isoformat(), "reinstatement_fee_cents": FEE},
    }
    record.update(changes)
    return record


def run_deadlines(record: dict, day: dt.date) -> dict:
    """What the daily run writes (its conditional update, as a pure step)."""
    if dues.payable(record) and dues.fee_owed(record, day) and not record.get("reinstated_on") \
            and not record.get("fee_waived"):
        return {**record, "lines": [*record["lines"], dues.fee_line(record)], "reinstated_on": day.isoformat()}
    return record


def pay(record: dict, amount: int, received_on: dt.date) -> dict | None:
    """A payment received on `received_on`: None when it is not the amount due that day."""
    if not dues.payable(record) or amount != dues.owed(record, received_on).amount_due_cents:
        return None
    lines, _ = dues.settled_lines(record, received_on)
    return {**record, "lines": lines, "status": "paid", "amount_paid_cents": record["amount_paid_cents"] + amount}


@pytest.mark.parametrize("day, due", [
    (GRACE_ENDS - 90 * DAY, BASE),
    (GRACE_ENDS, BASE),             # 31 March: the last day of grace owes no fee
    (GRACE_ENDS + DAY, BASE + FEE),  # 1 April: owed at once, before any run wrote it
    (GRACE_ENDS + 400 * DAY, BASE + FEE),
])
def test_the_fee_is_owed_from_the_first_day_after_the_grace_end(day, due):
    owed = dues.owed(invoice(), day)
    assert owed.amount_due_cents == owed.total_cents == due
    assert [line["code"] for line in owed.payable_lines] == (["AIME", "REINSTATEMENT"] if due > BASE else ["AIME"])


def test_a_written_fee_line_is_not_counted_twice():
    written = run_deadlines(invoice(), GRACE_ENDS + DAY)
    assert dues.owed(written, GRACE_ENDS + 5 * DAY).amount_due_cents == BASE + FEE
    assert [line["code"] for line in dues.owed(written, GRACE_ENDS + 5 * DAY).lines] == ["AIME", "REINSTATEMENT"]


def test_waived_paid_void_and_disputed_invoices_owe_no_fee():
    after = GRACE_ENDS + DAY
    waived = {**invoice(), "lines": dues.waive_fee(invoice(), "hardship"), "fee_waived": {"note": "hardship"}}
    assert dues.owed(waived, after).amount_due_cents == BASE
    assert dues.owed(waived, after).lines[-1] == {**dues.fee_line(invoice()), "void": True,
                                                  "void_reason": "waived by staff: hardship"}
    for status in ("paid", "void", "disputed"):
        assert dues.owed(invoice(status=status), after).amount_due_cents == 0
        assert not dues.owed(invoice(status=status), after).fee_owed


def test_a_refunded_invoice_owes_again_in_full():
    refunded = invoice(status="refunded")
    assert dues.owed(refunded, GRACE_ENDS).amount_due_cents == BASE
    assert dues.owed(refunded, GRACE_ENDS + DAY).amount_due_cents == BASE + FEE


def test_a_check_received_in_grace_voids_the_written_fee():
    lapsed = run_deadlines(invoice(), GRACE_ENDS + DAY)
    lines, change = dues.settled_lines(lapsed, GRACE_ENDS - DAY)
    assert change == "voided" and dues.stored_total(lines) == BASE
    assert lines[-1]["void"] and "within the grace period" in lines[-1]["void_reason"]


def test_a_payment_after_the_grace_end_writes_the_fee_for_good():
    lines, change = dues.settled_lines(invoice(), GRACE_ENDS + DAY)
    assert change == "added" and dues.stored_total(lines) == BASE + FEE


def test_a_partial_refund_keeps_the_renewal_paid_only_while_covered():
    paid = {**invoice(), "status": "paid", "amount_paid_cents": BASE}
    assert dues.after_refund(paid, 2000)["status"] == "open"
    assert dues.owed(dues.after_refund(paid, 2000), GRACE_ENDS).amount_due_cents == 2000
    assert dues.after_refund(paid, BASE)["status"] == "refunded"
    # Paid with the fee after the grace end, the fee refunded, then waived by staff: covered again.
    with_fee = {**invoice(), "lines": dues.settled_lines(invoice(), GRACE_ENDS + DAY)[0], "status": "paid",
                "amount_paid_cents": BASE + FEE}
    partly = dues.after_refund(with_fee, FEE)
    assert partly["status"] == "open" and partly["amount_paid_cents"] == BASE
    waived_lines = dues.waive_fee(partly, "fee returned")
    assert dues.stored_total(waived_lines) == partly["amount_paid_cents"]


def test_an_open_dispute_stays_disputed_until_it_closes():
    disputed = {**invoice(), "status": "disputed", "amount_paid_cents": BASE}
    assert dues.after_refund(disputed, 100)["status"] == "disputed"
    assert dues.after_dispute_won(disputed)["status"] == "paid"
    assert dues.after_refund(disputed, BASE, dispute_closed=True)["status"] == "refunded"


days = st.integers(min_value=-60, max_value=60).map(lambda n: GRACE_ENDS + n * DAY)


@given(run_day=days, received=days, recorded_after=st.integers(min_value=0, max_value=30),
       runs_first=st.booleans())
def test_whatever_the_order_a_payment_owes_the_fee_exactly_when_received_after_grace(
        run_day, received, recorded_after, runs_first):
    """The daily run on `run_day`, a payment received on `received` (a check's
    received_on, or the day a Checkout Session quoted its amount) and recorded
    `recorded_after` days later, the run before or after the recording."""
    recorded = received + recorded_after * DAY
    record = invoice()
    if runs_first and run_day <= recorded:
        record = run_deadlines(record, run_day)
    owes_fee = received > GRACE_ENDS
    expected = BASE + (FEE if owes_fee else 0)
    # The wrong amount is refused, the right one settles it.
    assert pay(record, BASE + FEE if not owes_fee else BASE, received) is None
    settled = pay(record, expected, received)
    assert settled is not None and settled["amount_paid_cents"] == expected
    record = run_deadlines(settled, max(run_day, recorded))  # a later run changes nothing
    assert record == settled
    fee_lines = [line for line in record["lines"] if line["code"] == "REINSTATEMENT"]
    assert [not line.get("void") for line in fee_lines] == ([True] if owes_fee else [False] * len(fee_lines))
    assert dues.stored_total(record["lines"]) == record["amount_paid_cents"]
    assert dues.owed(record, recorded).amount_due_cents == 0


@given(day=days, paid=st.integers(min_value=0, max_value=BASE + FEE), refunds=st.lists(
    st.integers(min_value=0, max_value=BASE + FEE), max_size=4))
def test_refunds_never_make_money_disappear(day, paid, refunds):
    record = {**invoice(), "status": "paid" if paid >= BASE else "open", "amount_paid_cents": paid}
    returned = 0
    for amount in refunds:
        amount = min(amount, record["amount_paid_cents"])
        record = dues.after_refund(record, amount)
        returned += amount
        assert record["amount_paid_cents"] == paid - returned
        assert record["status"] in ("paid", "open", "refunded")
        assert (record["status"] == "paid") == (0 < record["amount_paid_cents"] >= dues.stored_total(record["lines"]))

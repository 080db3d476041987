"""Money to the day, on moto: the reinstatement fee is owed in every read and
every payment path from 1 April, before any deadline run; a check received in
grace settles at the pre-fee amount whenever it is recorded; a Checkout
Session's quote is honoured; staff may waive the fee; partial refunds and
closed disputes."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from renewal import clock
from tests.integration.conftest import STAFF, member_claims, deadline_run
from tests.integration.test_payments import (INVOICE, attention, charge_event, deliver, gateway, invoice,  # noqa: F401
                                             invoiced, session_event)

FEE = 5000
CAM = 17500


def on(day: str) -> None:
    clock.set_today(dt.date.fromisoformat(day))


def renewal(api, member_id="M-1"):
    return api.request("GET", "/admin/members/M-1/renewals/2027", claims=STAFF).json()


def check(amount, received_on, reference="chk 7"):
    return {"method": "check", "reference": reference, "amount_cents": amount, "received_on": received_on}


def history(api, member_id="M-1"):
    return api.request("GET", f"/admin/members/{member_id}/history", claims=STAFF).json()["items"]


def test_on_1_april_before_any_run_every_path_sees_the_fee(invoiced, gateway):
    api = invoiced
    on("2027-04-01")
    assert renewal(api)["status"] == "lapsed" and renewal(api)["amount_due_cents"] == CAM + FEE
    read = invoice(api)
    assert [line["code"] for line in read["lines"]] == ["CAM", "REINSTATEMENT"]
    assert read["total_cents"] == read["amount_due_cents"] == CAM + FEE
    # Checkout charges the fee too.
    assert api.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=member_claims("M-1"), body={}).status == 200
    assert [line["amount_cents"] for line in gateway.calls[0]["lines"]] == [CAM, FEE]
    # A check received today must carry it: the pre-fee amount is refused, with the amount due that day.
    refused = api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF, body=check(CAM, "2027-04-01"))
    assert refused.status == 422 and refused.json()["error"]["details"][0]["amount_due_cents"] == CAM + FEE
    paid = api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF,
                       body=check(CAM + FEE, "2027-04-01"))
    assert paid.status == 200 and paid.json()["status"] == "paid"
    assert [line["code"] for line in paid.json()["lines"]] == ["CAM", "REINSTATEMENT"]  # written for good
    assert paid.json()["total_cents"] == paid.json()["amount_paid_cents"] == CAM + FEE


def test_a_check_received_in_grace_and_recorded_after_the_run_pays_the_pre_fee_amount(invoiced):
    api = invoiced
    on("2027-04-02")
    deadline_run(api)
    assert invoice(api)["amount_due_cents"] == CAM + FEE
    reply = api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF, body=check(CAM, "2027-03-30"))
    assert reply.status == 200, reply.text
    settled = reply.json()
    assert settled["status"] == "paid" and settled["amount_paid_cents"] == settled["total_cents"] == CAM
    fee_line = settled["lines"][-1]
    assert fee_line["code"] == "REINSTATEMENT" and fee_line["void"] and "2027-03-30" in fee_line["void_reason"]
    actions = {entry["action"]: entry["changes"] for entry in history(api)}
    assert actions["payment.offline"]["received_on"]["to"] == "2027-03-30"
    assert actions["reinstatement_fee.void"]["received_on"]["to"] == "2027-03-30"
    # A later run writes no fee on the paid invoice.
    deadline_run(api)
    assert invoice(api)["total_cents"] == CAM and renewal(api)["amount_due_cents"] == 0


def test_a_checkout_session_quoted_in_grace_is_honoured_after_the_grace_end(invoiced):
    api = invoiced
    on("2027-04-01")
    # Created yesterday (31 March, in grace) for the pre-fee amount, completed today.
    event = session_event("evt_quote")
    event["data"]["object"].update(created=int(time.time()) - 86400, expires_at=int(time.time()) + 3600)
    assert deliver(api, event)[0] == 200
    paid = invoice(api)
    assert paid["status"] == "paid" and paid["amount_paid_cents"] == CAM and attention(api) == []


def test_a_session_quoted_after_the_grace_end_must_carry_the_fee(invoiced):
    api = invoiced
    on("2027-04-01")
    event = session_event("evt_late")
    event["data"]["object"].update(created=int(time.time()), expires_at=int(time.time()) + 3600)
    deliver(api, event)
    assert invoice(api)["status"] == "open"
    assert [p["reason"] for p in attention(api)] == ["amount_mismatch"]


def test_staff_waive_the_fee_with_a_note(invoiced):
    api = invoiced
    path = f"/admin/invoices/{INVOICE}/reinstatement-waiver"
    on("2027-03-31")
    early = api.request("POST", path, claims=STAFF, body={"note": "hardship"})
    assert early.status == 409 and early.json()["error"]["code"] == "no_reinstatement_fee"
    on("2027-04-03")
    assert api.request("POST", path, claims=STAFF, body={}).status == 422  # the note is required
    assert api.request("POST", path, claims=member_claims("M-1"), body={"note": "x"}).status == 403
    assert api.request("POST", "/admin/invoices/INV-2027-NOBODY/reinstatement-waiver", claims=STAFF,
                       body={"note": "x"}).status == 404
    reply = api.request("POST", path, claims=STAFF, body={"note": "hardship"})
    assert reply.status == 200, reply.text
    waived = reply.json()
    assert waived["amount_due_cents"] == waived["total_cents"] == CAM
    assert waived["lines"][-1]["code"] == "REINSTATEMENT" and waived["lines"][-1]["void"]
    assert renewal(api)["amount_due_cents"] == CAM
    entry = next(e for e in history(api) if e["action"] == "reinstatement_fee.waive")
    assert entry["changes"]["note"]["to"] == "hardship"
    again = api.request("POST", path, claims=STAFF, body={"note": "again"})
    assert again.status == 409
    # A later run does not write the fee back.
    deadline_run(api)
    assert invoice(api)["amount_due_cents"] == CAM
    paid = api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF, body=check(CAM, "2027-04-03"))
    assert paid.status == 200
    assert api.request("POST", path, claims=STAFF, body={"note": "x"}).json()["error"]["code"] == "invoice_not_open"


def refund(event_id, refunded_total, payment_intent="pi_1"):
    event = charge_event(event_id, payment_intent=payment_intent)
    event["data"]["object"].update(amount=CAM, amount_refunded=refunded_total, refunded=refunded_total >= CAM)
    return event


def test_a_partial_refund_lowers_the_amount_paid_and_is_flagged(invoiced):
    api = invoiced
    deliver(api, session_event("evt_1"))
    assert deliver(api, refund("evt_r1", 5000))[0] == 200
    after = invoice(api)
    assert after["status"] == "open" and after["amount_paid_cents"] == CAM - 5000
    assert after["amount_due_cents"] == 5000
    assert renewal(api)["paid"] is False and renewal(api)["amount_due_cents"] == 5000
    (flagged,) = attention(api)
    assert flagged["reason"] == "partial_refund" and flagged["status"] == "partially_refunded"
    deliver(api, refund("evt_r1", 5000))  # the same event again: nothing more
    deliver(api, refund("evt_r2", 5000))  # another event with the same refunded total: nothing more
    assert invoice(api)["amount_paid_cents"] == CAM - 5000
    deliver(api, refund("evt_r3", 7500))  # a second refund of 25 dollars
    assert invoice(api)["amount_paid_cents"] == CAM - 7500
    deliver(api, refund("evt_r4", CAM))  # the rest: fully refunded, nothing left to look at
    assert invoice(api)["status"] == "refunded" and invoice(api)["amount_paid_cents"] == 0
    assert attention(api) == []


def test_a_partial_refund_of_a_waived_fee_leaves_the_renewal_paid(invoiced):
    api = invoiced
    on("2027-04-02")
    event = session_event("evt_1", amount=CAM + FEE)
    assert deliver(api, event)[0] == 200 and invoice(api)["status"] == "paid"
    deliver(api, {**refund("evt_r", FEE), "data": {"object": {
        **refund("evt_r", FEE)["data"]["object"], "amount": CAM + FEE}}})
    assert invoice(api)["status"] == "open" and invoice(api)["amount_due_cents"] == FEE
    reply = api.request("POST", f"/admin/invoices/{INVOICE}/reinstatement-waiver", claims=STAFF,
                        body={"note": "fee returned by refund"})
    assert reply.status == 200 and reply.json()["status"] == "paid" and reply.json()["amount_due_cents"] == 0
    assert renewal(api)["paid"] is True


@pytest.mark.parametrize("outcome, status, paid", [("won", "paid", CAM), ("lost", "refunded", 0)])
def test_a_closed_dispute_ends_paid_or_payable(invoiced, outcome, status, paid):
    api = invoiced
    deliver(api, session_event("evt_1"))
    deliver(api, charge_event("evt_d", kind="charge.dispute.created"))
    assert invoice(api)["status"] == "disputed"
    closed = charge_event("evt_c", kind="charge.dispute.created")
    closed.update(type="charge.dispute.closed")
    closed["data"]["object"]["status"] = outcome
    assert deliver(api, closed)[0] == 200
    assert (invoice(api)["status"], invoice(api)["amount_paid_cents"]) == (status, paid)
    assert attention(api) == []
    if outcome == "lost":
        # Payable again, in full.
        assert api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF,
                           body=check(CAM, "2026-11-28")).status == 200
        assert invoice(api)["status"] == "paid"

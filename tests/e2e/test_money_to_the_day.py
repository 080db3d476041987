"""Money to the day over HTTP on the local stack: the reinstatement fee owed on
1 April before any deadline run (every read, checkout, an offline payment), a
check received in grace and recorded after the run, a partial refund and a
lost dispute sent by the local Stripe, and paying again after it."""

from __future__ import annotations

import os
import uuid

import pytest

from .stack import run_deadlines, season_rule_set
from .test_checkout_local import local_session, pay, the_form, wait_for_run

pytestmark = [
    pytest.mark.xdist_group("e2e"),
    pytest.mark.skipif(bool(os.environ.get("STRIPE_API_KEY")), reason="STRIPE_API_KEY set: the stack uses real Stripe"),
]

YEAR = 2043  # a year no other e2e test uses: the session's stack is shared
CAM, FEE = 17500, 5000


@pytest.fixture(scope="module")
def members(server):
    """Four CAM holders invoiced for the year (the clock on 1 October before it)."""
    from .stack import Client

    client = Client(server)
    staff = client.staff_token()
    client.request("PUT", "/_local/clock", json={"today": f"{YEAR - 1}-10-01"})
    try:
        assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff,
                              json=season_rule_set(YEAR, CAM=(6, 4, CAM))).status_code == 200
        ids = [f"E2E-DAY-{uuid.uuid4().hex[:8]}" for _ in range(4)]
        for member_id in ids:
            body = {"first_name": "Dee", "last_name": member_id, "affiliate": "AASC",
                    "contact": {"email": f"{member_id.lower()}@example.org"},
                    "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
            assert client.request("PUT", f"/admin/members/{member_id}", token=staff, json=body).status_code == 201
        started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
        assert wait_for_run(client, staff, started.json()["run_id"])["status"] == "completed"
        yield ids
    finally:
        client.request("DELETE", "/_local/clock")


@pytest.fixture
def clock(client):
    yield lambda day: client.request("PUT", "/_local/clock", json={"today": day})
    client.request("DELETE", "/_local/clock")


def invoice_id(member_id):
    return f"INV-{YEAR}-{member_id}"


def check(amount, received_on):
    return {"method": "check", "reference": f"chk {uuid.uuid4().hex[:6]}", "amount_cents": amount,
            "received_on": received_on}


def test_on_1_april_before_any_run_the_fee_is_owed_everywhere(client, members, clock):
    staff, member_id = client.staff_token(), members[0]
    member = client.member_token(member_id)
    clock(f"{YEAR}-04-01")
    renewal = client.request("GET", f"/admin/members/{member_id}/renewals/{YEAR}", token=staff).json()
    assert renewal["status"] == "lapsed" and renewal["amount_due_cents"] == CAM + FEE
    invoice = client.request("GET", f"/me/invoices/{invoice_id(member_id)}", token=member).json()
    assert [line["code"] for line in invoice["lines"]] == ["CAM", "REINSTATEMENT"]
    started = client.request("POST", f"/me/invoices/{invoice_id(member_id)}/checkout", token=member, json={})
    assert started.status_code == 200, started.text
    assert local_session(client, started.json()["session_id"])["amount_total"] == CAM + FEE
    short = client.request("POST", f"/admin/invoices/{invoice_id(member_id)}/payments", token=staff,
                           json=check(CAM, f"{YEAR}-04-01"))
    assert short.status_code == 422 and short.json()["error"]["code"] == "amount_mismatch"
    # Paying through the page settles it, the fee line written for good.
    page = client.request("GET", started.json()["checkout_url"].removeprefix(client.url))
    assert pay(the_form(page), started.json()["checkout_url"]).status_code in (200, 303)
    paid = client.request("GET", f"/me/invoices/{invoice_id(member_id)}", token=member).json()
    assert paid["status"] == "paid" and paid["amount_paid_cents"] == CAM + FEE


def test_a_check_received_on_30_march_recorded_on_2_april_pays_the_pre_fee_amount(client, members, clock):
    staff, member_id = client.staff_token(), members[1]
    clock(f"{YEAR}-04-02")
    assert run_deadlines(client, staff)["status"] == "completed"
    recorded = client.request("POST", f"/admin/invoices/{invoice_id(member_id)}/payments", token=staff,
                              json=check(CAM, f"{YEAR}-03-30"))
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "paid" and recorded.json()["amount_paid_cents"] == CAM
    assert recorded.json()["lines"][-1]["void"] is True


def test_a_partial_refund_reopens_for_the_difference_and_a_lost_dispute_for_all(client, members):
    staff = client.staff_token()
    for member_id in members[2:]:
        member = client.member_token(member_id)
        started = client.request("POST", f"/me/invoices/{invoice_id(member_id)}/checkout", token=member, json={})
        page = client.request("GET", started.json()["checkout_url"].removeprefix(client.url))
        pay(the_form(page), started.json()["checkout_url"])
        assert client.request("GET", f"/me/invoices/{invoice_id(member_id)}", token=member).json()["status"] == "paid"

    partial = members[2]
    session = client.request("POST", f"/me/invoices/{invoice_id(partial)}/checkout",
                             token=client.member_token(partial), json={})
    assert session.status_code == 409  # paid: nothing to pay
    # The local Stripe refunds $50 of the $175 paid.
    paid_session = _session_of(client, partial)
    sent = client.request("POST", f"/_local/stripe/sessions/{paid_session}/events",
                          json={"type": "charge.refunded", "amount": 5000})
    assert sent.status_code == 200 and sent.json()["webhook_status"] == 200, sent.text
    after = client.request("GET", f"/me/invoices/{invoice_id(partial)}", token=client.member_token(partial)).json()
    assert (after["status"], after["amount_paid_cents"], after["amount_due_cents"]) == ("open", CAM - 5000, 5000)
    flagged = client.request("GET", "/admin/payments?needs_attention=true&limit=200", token=staff).json()["items"]
    assert any(p["invoice_id"] == invoice_id(partial) and p["reason"] == "partial_refund" for p in flagged)

    disputed = members[3]
    disputed_session = _session_of(client, disputed)
    for event in ({"type": "charge.dispute.created"}, {"type": "charge.dispute.closed", "status": "lost"}):
        assert client.request("POST", f"/_local/stripe/sessions/{disputed_session}/events",
                              json=event).json()["webhook_status"] == 200
    member = client.member_token(disputed)
    lost = client.request("GET", f"/me/invoices/{invoice_id(disputed)}", token=member).json()
    assert (lost["status"], lost["amount_paid_cents"], lost["amount_due_cents"]) == ("refunded", 0, CAM)
    # Payable again through checkout, and renewed by it.
    again = client.request("POST", f"/me/invoices/{invoice_id(disputed)}/checkout", token=member, json={})
    assert again.status_code == 200, again.text
    url = again.json()["checkout_url"]
    pay(the_form(client.request("GET", url.removeprefix(client.url))), url)
    repaid = client.request("GET", f"/me/invoices/{invoice_id(disputed)}", token=member).json()
    assert repaid["status"] == "paid" and repaid["amount_paid_cents"] == CAM


def _session_of(client, member_id):
    """The Checkout Session that paid the member's invoice (its payment's reference)."""
    invoice = client.request("GET", f"/me/invoices/{invoice_id(member_id)}", token=client.member_token(member_id))
    return invoice.json()["payments"][-1]["reference"]

"""Checkout Sessions against Stripe's API as the local stack answers it (the
real SDK, idempotency keys checked against their parameters): one session that
can be paid per invoice, whatever the member changes between two checkouts."""

from __future__ import annotations

from tests.integration.conftest import STAFF, member_claims
from tests.integration.local_stripe import local_stripe  # noqa: F401 (fixture)
from tests.integration.test_payments import INVOICE, attention, invoice, invoiced  # noqa: F401 (fixture)

M1 = member_claims("M-1")
PORTAL = "https://portal.example.org"


def checkout(api, body=None):
    return api.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=M1, body=body or {})


def test_checkout_after_an_email_change_opens_a_session_for_the_new_address(invoiced, local_stripe):
    api = invoiced
    first = checkout(api)
    assert first.status == 200, first.text
    assert local_stripe.session(first.json()["session_id"])["customer_email"] == "m-1@example.org"

    changed = api.request("PATCH", "/me/contact", claims=M1, body={"email": "ana.new@example.org"})
    assert changed.status == 200, changed.text
    second = checkout(api)
    assert second.status == 200, second.text  # was 500: Stripe refused the key reused with another e-mail
    assert local_stripe.session(second.json()["session_id"])["customer_email"] == "ana.new@example.org"
    assert local_stripe.session(first.json()["session_id"])["status"] == "expired"


def test_the_same_checkout_twice_gives_the_same_session(invoiced, local_stripe):
    api = invoiced
    first, again = checkout(api), checkout(api)
    assert first.status == again.status == 200
    assert again.json() == first.json()
    assert local_stripe.session(first.json()["session_id"])["status"] == "open"


def test_a_second_checkout_expires_the_first_so_only_one_session_can_be_paid(invoiced, local_stripe):
    api = invoiced
    first = checkout(api, {"success_url": f"{PORTAL}/a", "cancel_url": f"{PORTAL}/a"}).json()["session_id"]
    second = checkout(api, {"success_url": f"{PORTAL}/b", "cancel_url": f"{PORTAL}/b"}).json()["session_id"]
    assert first != second
    assert local_stripe.session(first)["status"] == "expired"

    assert local_stripe.pay(first).status_code == 410  # the old page can no longer take the money
    assert invoice(api)["status"] == "open"
    assert local_stripe.pay(second).status_code == 303
    paid = invoice(api)
    assert (paid["status"], paid["amount_paid_cents"], len(paid["payments"])) == ("paid", 17500, 1)
    assert attention(api) == []  # no second charge waiting for a manual refund


def test_checkout_after_the_old_session_was_paid_is_refused_not_doubled(invoiced, local_stripe):
    api = invoiced
    first = checkout(api, {"success_url": f"{PORTAL}/a"}).json()["session_id"]
    # Paid on Stripe's side; the webhook has not reached us yet.
    local_stripe.stripe.sessions[first]["session"].update(status="complete", payment_status="paid")
    reply = checkout(api, {"success_url": f"{PORTAL}/b"})
    assert reply.status == 409 and reply.json()["error"]["code"] == "payment_in_progress"
    assert len(local_stripe.stripe.sessions) == 1
    assert api.request("GET", f"/admin/payments", claims=STAFF, query="needs_attention=true").json()["items"] == []

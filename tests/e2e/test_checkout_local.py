"""Card payment end to end in the local stack, Stripe included: the members
function creates a Checkout Session with the real SDK (answered by the stack),
the local checkout page's Pay button makes the stack send a signed
checkout.session.completed to /webhooks/stripe, and the refund and dispute
helpers reverse payments the same way."""

from __future__ import annotations

import json
import os
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import requests
import stripe

from .stack import season_rule_set

pytestmark = [
    pytest.mark.xdist_group("e2e"),
    pytest.mark.skipif(bool(os.environ.get("STRIPE_API_KEY")), reason="STRIPE_API_KEY set: the stack uses real Stripe"),
]

YEAR = 2031  # a year no other e2e test uses: the session's stack is shared
RULE_SET = season_rule_set(YEAR, CAM=(6, 4, 17500))


class Forms(HTMLParser):
    """The page's forms: method, action and the named inputs' values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attributes.get("method") or "get").lower(),
                               "action": attributes.get("action") or "", "inputs": {}})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["inputs"][attributes["name"]] = attributes.get("value") or ""


def the_form(page: requests.Response) -> dict:
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text
    parser = Forms()
    parser.feed(page.text)
    (form,) = parser.forms
    assert form["method"] == "post"
    return form


def pay(form: dict, url: str) -> requests.Response:
    return requests.post(urljoin(url, form["action"]), data=form["inputs"], allow_redirects=False, timeout=10)


def wait_for_run(client, staff, run_id, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.request("GET", f"/admin/invoice-runs/{run_id}", token=staff).json()
        if run["status"] != "running":
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still running: {run}")


@pytest.fixture(scope="module")
def season(server):
    """Rule set, two members with a CAM credential, and their 2031 invoices (the clock on 1 Oct 2030)."""
    from .stack import Client

    client = Client(server)
    staff = client.staff_token()
    assert client.request("PUT", "/_local/clock", json={"today": f"{YEAR - 1}-10-01"}).status_code == 200
    try:
        assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json=RULE_SET).status_code == 200
        members = [f"E2E-PAY-{uuid.uuid4().hex[:8]}" for _ in range(2)]
        for member_id in members:
            body = {"first_name": "Pat", "last_name": member_id, "affiliate": "AASC",
                    "contact": {"email": f"{member_id.lower()}@example.org"},
                    "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
            created = client.request("PUT", f"/admin/members/{member_id}", token=staff, json=body)
            assert created.status_code in (200, 201), created.text
        started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
        assert started.status_code == 202, started.text
        assert wait_for_run(client, staff, started.json()["run_id"])["status"] == "completed"
        yield members
    finally:
        client.request("DELETE", "/_local/clock")


def open_invoice(client, token):
    (invoice,) = [i for i in client.request("GET", "/me/invoices", token=token).json()["items"]
                  if i["renewal_year"] == YEAR]
    return invoice


def local_session(client, session_id):
    """The session as Stripe's API answers it (here: the stack, with any sk_test_ key)."""
    response = client.request("GET", f"/_local/stripe/api/v1/checkout/sessions/{session_id}",
                              headers={"Authorization": "Bearer sk_test_e2e"})
    assert response.status_code == 200, response.text
    return response.json()


def test_checkout_through_the_local_page_pays_once_and_a_refund_reverses_it(client, season):
    member = client.member_token(season[0])
    invoice = open_invoice(client, member)
    assert invoice["status"] == "open" and invoice["amount_due_cents"] == 17500 and invoice["payments"] == []

    # A forged event changes nothing.
    forged = json.dumps({"id": f"evt_forged_{uuid.uuid4().hex}", "object": "event",
                         "type": "checkout.session.completed",
                         "data": {"object": {"id": "cs_forged", "object": "checkout.session", "amount_total": 17500,
                                             "currency": "usd", "payment_status": "paid", "payment_intent": "pi_forged",
                                             "metadata": {"invoice_id": invoice["invoice_id"]}}}})
    refused = client.request("POST", "/webhooks/stripe", data=forged, headers={
        "Content-Type": "application/json", "Stripe-Signature": f"t={int(time.time())},v1={'0' * 64}"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "invalid_webhook"
    assert open_invoice(client, member)["status"] == "open"

    started = client.request("POST", f"/me/invoices/{invoice['invoice_id']}/checkout", token=member, json={})
    assert started.status_code == 200, started.text
    checkout_url, session_id = started.json()["checkout_url"], started.json()["session_id"]
    assert session_id.startswith("cs_test_local_") and checkout_url.startswith(f"{client.url}/_local/stripe/checkout/")
    # A double click gets the same session (the SDK's idempotency key).
    again = client.request("POST", f"/me/invoices/{invoice['invoice_id']}/checkout", token=member, json={})
    assert again.json()["session_id"] == session_id

    session = local_session(client, session_id)
    assert session["status"] == "open" and session["payment_status"] == "unpaid"
    assert session["amount_total"] == 17500 and session["currency"] == "usd"
    assert session["client_reference_id"] == season[0]
    assert session["metadata"] == {"invoice_id": invoice["invoice_id"], "member_id": season[0],
                                   "renewal_year": str(YEAR)}

    page = requests.get(checkout_url, timeout=10)
    form = the_form(page)
    assert form["inputs"]["session_id"] == session_id and "175.00" in page.text
    paid = pay(form, checkout_url)
    assert paid.status_code == 303, paid.text
    assert paid.headers["Location"] == session["success_url"]

    after = client.request("GET", f"/me/invoices/{invoice['invoice_id']}", token=member).json()
    assert after["status"] == "paid" and after["amount_due_cents"] == 0 and after["amount_paid_cents"] == 17500
    assert len(after["payments"]) == 1
    assert local_session(client, session_id)["payment_status"] == "paid"

    # Paying the page again pays nothing twice.
    assert pay(form, checkout_url).status_code == 303
    assert len(client.request("GET", f"/me/invoices/{invoice['invoice_id']}", token=member).json()["payments"]) == 1
    assert client.request("GET", f"/me/renewals/{YEAR}", token=member).json()["paid"] is True
    # An invoice that is paid has nothing left to check out.
    assert client.request("POST", f"/me/invoices/{invoice['invoice_id']}/checkout", token=member,
                          json={}).status_code == 409

    refund = client.request("POST", f"/_local/stripe/sessions/{session_id}/events", json={"type": "charge.refunded"})
    assert refund.status_code == 200, refund.text
    assert refund.json()["type"] == "charge.refunded" and refund.json()["webhook_status"] == 200
    assert refund.json()["webhook_response"] == {"received": True}
    assert client.request("GET", f"/me/invoices/{invoice['invoice_id']}", token=member).json()["status"] == "refunded"
    assert client.request("GET", f"/me/renewals/{YEAR}", token=member).json()["paid"] is False


def test_a_dispute_on_a_paid_session_needs_attention(client, season):
    member = client.member_token(season[1])
    invoice = open_invoice(client, member)
    # Return URLs on the stack itself are allowed (its own origins are portal origins locally).
    success_url = f"{client.url}/health?session={{CHECKOUT_SESSION_ID}}"
    started = client.request("POST", f"/me/invoices/{invoice['invoice_id']}/checkout", token=member,
                             json={"success_url": success_url, "cancel_url": f"{client.url}/health"})
    assert started.status_code == 200, started.text
    checkout_url, session_id = started.json()["checkout_url"], started.json()["session_id"]

    paid = pay(the_form(requests.get(checkout_url, timeout=10)), checkout_url)
    assert paid.status_code == 303 and paid.headers["Location"] == f"{client.url}/health?session={session_id}"
    assert client.request("GET", f"/me/invoices/{invoice['invoice_id']}", token=member).json()["status"] == "paid"

    dispute = client.request("POST", f"/_local/stripe/sessions/{session_id}/events",
                             json={"type": "charge.dispute.created"})
    assert dispute.status_code == 200 and dispute.json()["webhook_status"] == 200, dispute.text
    assert client.request("GET", f"/me/invoices/{invoice['invoice_id']}", token=member).json()["status"] == "disputed"
    attention = client.request("GET", "/admin/payments?needs_attention=true&limit=200",
                               token=client.staff_token()).json()["items"]
    payment_intent = local_session(client, session_id)["payment_intent"]
    (flagged,) = [p for p in attention if p["invoice_id"] == invoice["invoice_id"]]
    assert flagged["payment_id"] == payment_intent and flagged["needs_attention"] is True


def test_the_local_stripe_api_and_event_helper_answer_like_stripe(client):
    api = "/_local/stripe/api/v1/checkout/sessions"
    missing_key = client.request("POST", api, data={"mode": "payment"})
    assert missing_key.status_code == 401 and missing_key.json()["error"]["type"] == "invalid_request_error"
    assert client.request("GET", f"{api}/cs_test_local_nope", headers={"Authorization": "Bearer sk_test_x"}
                          ).json()["error"]["code"] == "resource_missing"

    # The SDK against the stack: nested parameters, the idempotency key, a retrieve.
    sdk = stripe.StripeClient("sk_test_e2e", base_addresses={"api": f"{client.url}/_local/stripe/api"})
    params = {"mode": "payment", "success_url": "https://portal.example.org/ok", "metadata": {"invoice_id": "INV-X"},
              "line_items": [{"quantity": 2, "price_data": {"currency": "usd", "unit_amount": 1250,
                                                            "product_data": {"name": "Widget"}}},
                             {"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 500,
                                                            "product_data": {"name": "Fee"}}}]}
    key = f"e2e-{uuid.uuid4().hex}"
    created = sdk.v1.checkout.sessions.create(params=params, options={"idempotency_key": key})
    assert created.amount_total == 3000 and created.metadata["invoice_id"] == "INV-X" and created.status == "open"
    assert sdk.v1.checkout.sessions.create(params=params, options={"idempotency_key": key}).id == created.id
    with pytest.raises(stripe.IdempotencyError):
        sdk.v1.checkout.sessions.create(params={**params, "metadata": {"invoice_id": "INV-Y"}},
                                        options={"idempotency_key": key})
    assert sdk.v1.checkout.sessions.retrieve(created.id).url == created.url
    assert [item.quantity for item in sdk.v1.checkout.sessions.line_items.list(created.id).data] == [2, 1]

    events = f"/_local/stripe/sessions/{created.id}/events"
    unknown = client.request("POST", "/_local/stripe/sessions/cs_test_local_nope/events",
                             json={"type": "charge.refunded"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    wrong = client.request("POST", events, json={"type": "invoice.paid"})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "validation_error"
    # No such invoice here: the webhook still answers 200 (recorded, flagged), as it would to Stripe.
    failed = client.request("POST", events, json={"type": "checkout.session.async_payment_failed"})
    assert failed.status_code == 200 and failed.json()["webhook_status"] == 200, failed.text
    assert failed.json()["event_id"].startswith("evt_local_")


def test_stripe_form_encoding_parses_back_into_the_sdk_params():
    from urllib.parse import parse_qsl, urlencode

    from stripe._encode import _api_encode

    from local.stripe import parse_form

    params = {"mode": "payment", "metadata": {"invoice_id": "INV-1", "renewal_year": "2031"},
              "line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 17500,
                                                            "product_data": {"name": "CAM [annual]"}}}],
              "payment_intent_data": {"metadata": {"invoice_id": "INV-1"}}, "expand": ["a", "b"]}
    encoded = urlencode(list(_api_encode(params)))
    parsed = parse_form(parse_qsl(encoded))
    assert parsed["line_items"][0]["price_data"]["unit_amount"] == "17500"  # form values are strings
    assert parsed["line_items"][0]["price_data"]["product_data"]["name"] == "CAM [annual]"
    assert parsed["metadata"] == params["metadata"] and parsed["expand"] == ["a", "b"]
    with pytest.raises(ValueError):
        parse_form([("metadata", "x"), ("metadata[a]", "y")])

"""Payments on moto: signed Stripe webhooks, offline payments, refunds and
disputes. An invoice is paid at most once, by exactly the amount due."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import stripe

from renewal import webhooks
from tests.integration.conftest import STAFF, TABLE, drain, member_claims, sent_emails, stripe_keys
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

SECRET = "whsec_test_integration_secret"
INVOICE = "INV-2027-M-1"


@pytest.fixture
def invoiced(api, monkeypatch):
    stripe_keys(monkeypatch, webhook_secret=SECRET)
    monkeypatch.setenv("PORTAL_ORIGINS", "https://portal.example.org")
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    for member_id in ("M-1", "M-2"):
        body = fresh(ANA)
        body["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04"}]
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
    api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    return api


def session_event(event_id="evt_1", *, invoice_id=INVOICE, amount=17500, currency="usd", kind="checkout.session.completed",
                  payment_intent="pi_1", payment_status="paid", session_id="cs_1"):
    return {
        "id": event_id, "object": "event", "type": kind, "created": int(time.time()),
        "data": {"object": {"id": session_id, "object": "checkout.session", "amount_total": amount,
                            "currency": currency, "payment_status": payment_status, "payment_intent": payment_intent,
                            "client_reference_id": "M-1", "metadata": {"invoice_id": invoice_id, "member_id": "M-1",
                                                                       "renewal_year": "2027"}}},
    }


def charge_event(event_id, kind="charge.refunded", payment_intent="pi_1", amount=17500):
    obj = {"id": "ch_1", "object": "charge", "amount": amount, "amount_refunded": amount, "currency": "usd",
           "payment_intent": payment_intent, "metadata": {"invoice_id": INVOICE}}
    if kind == "charge.dispute.created":
        obj = {"id": "dp_1", "object": "dispute", "amount": amount, "charge": "ch_1", "currency": "usd",
               "payment_intent": payment_intent, "metadata": {"invoice_id": INVOICE}}
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()), "data": {"object": obj}}


def deliver(api, event, *, secret=SECRET, timestamp=None, signature=None, raw=None):
    payload = raw if raw is not None else json.dumps(event)
    header = signature if signature is not None else stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp or int(time.time()))
    from local import apigw

    function = api.functions["PaymentWebhookFunction"]
    headers = {"content-type": "application/json"}
    if header:
        headers["stripe-signature"] = header
    request = apigw.http_event(method="POST", path="/webhooks/stripe", route_key="POST /webhooks/stripe",
                               headers=headers, body=payload)
    response = api.handler(function)(request, apigw.LambdaContext("webhook"))
    return response["statusCode"], json.loads(response["body"])


def invoice(api, member_id="M-1"):
    return api.request("GET", f"/me/invoices/INV-2027-{member_id}", claims=member_claims(member_id)).json()


def attention(api):
    reply = api.request("GET", "/admin/payments", claims=STAFF, query="needs_attention=true")
    assert reply.status == 200, reply.text
    return reply.json()["items"]


def table_items():
    return boto3.client("dynamodb").scan(TableName=TABLE)["Items"]


def test_a_completed_checkout_delivered_three_times_pays_once(invoiced):
    api = invoiced
    for _ in range(3):
        assert deliver(api, session_event()) == (200, {"received": True})
    paid = invoice(api)
    assert paid["status"] == "paid" and paid["amount_paid_cents"] == 17500 and paid["amount_due_cents"] == 0
    assert [p["payment_id"] for p in paid["payments"]] == ["pi_1"] and paid["paid_at"]
    assert attention(api) == []
    renewal = api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()
    assert renewal["paid"] is True and renewal["status"] == "open"  # CECs still owed
    assert [e["subject"] for e in sent_emails() if e["to"] == ["m-1@example.org"]].count(
        "Receipt: your 2027 credential renewal") == 1


def test_twenty_concurrent_deliveries_give_one_payment(invoiced, serialized_calls):
    event = session_event("evt_race")
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda _: webhooks.apply(event).result, range(20)))
    assert outcomes.count("applied") == 1 and set(outcomes) == {"applied", "duplicate"}
    assert invoice(invoiced)["amount_paid_cents"] == 17500 and len(invoice(invoiced)["payments"]) == 1


def test_completed_then_async_succeeded_for_one_payment_intent_pay_once(invoiced):
    api = invoiced
    deliver(api, session_event("evt_a"))
    deliver(api, session_event("evt_b", kind="checkout.session.async_payment_succeeded"))
    assert len(invoice(api)["payments"]) == 1 and invoice(api)["amount_paid_cents"] == 17500
    assert attention(api) == []


def test_an_unpaid_completion_waits_for_async_success(invoiced):
    api = invoiced
    deliver(api, session_event("evt_u", payment_status="unpaid", payment_intent=None))
    assert invoice(api)["status"] == "open"
    deliver(api, session_event("evt_fail", kind="checkout.session.async_payment_failed", payment_status="unpaid"))
    assert invoice(api)["status"] == "open"
    deliver(api, session_event("evt_ok", kind="checkout.session.async_payment_succeeded"))
    assert invoice(api)["status"] == "paid"


@pytest.mark.parametrize("case", ["bad signature", "stale timestamp", "wrong secret", "missing header", "not json",
                                  "not an event"])
def test_an_unverifiable_webhook_is_400_and_writes_nothing(invoiced, case):
    api = invoiced
    before = table_items()
    event = session_event("evt_bad")
    if case == "bad signature":
        status, body = deliver(api, event, signature="t=1,v1=deadbeef")
    elif case == "stale timestamp":
        status, body = deliver(api, event, timestamp=int(time.time()) - 301)
    elif case == "wrong secret":
        status, body = deliver(api, event, secret="whsec_someone_else")
    elif case == "missing header":
        status, body = deliver(api, event, signature="")
    elif case == "not json":
        status, body = deliver(api, event, raw="this is not json")
    else:
        status, body = deliver(api, event, raw=json.dumps({"hello": "world"}))
    assert status == 400 and set(body["error"]) == {"code", "message", "details"}, body
    assert table_items() == before
    assert invoice(api)["status"] == "open"


def test_a_tampered_body_fails_its_signature(invoiced):
    api = invoiced
    payload = json.dumps(session_event("evt_t"))
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET, timestamp=int(time.time()))
    status, _ = deliver(api, None, raw=payload.replace("17500", "175"), signature=header)
    assert status == 400 and invoice(api)["status"] == "open"


@pytest.mark.parametrize("change", [{"amount": 1000}, {"currency": "eur"}])
def test_a_wrong_amount_or_currency_leaves_the_invoice_open_and_needs_attention(invoiced, change):
    api = invoiced
    assert deliver(api, session_event("evt_m", **change))[0] == 200
    assert invoice(api)["status"] == "open" and invoice(api)["amount_paid_cents"] == 0
    (flagged,) = attention(api)
    assert flagged["reason"] == "amount_mismatch" and flagged["invoice_id"] == INVOICE


def test_a_second_real_payment_is_flagged_for_refund_not_absorbed(invoiced):
    api = invoiced
    deliver(api, session_event("evt_1"))
    deliver(api, session_event("evt_2", payment_intent="pi_2", session_id="cs_2"))
    assert invoice(api)["amount_paid_cents"] == 17500 and len(invoice(api)["payments"]) == 1
    (flagged,) = attention(api)
    assert (flagged["payment_id"], flagged["reason"]) == ("pi_2", "second_payment")
    # Refunding the extra payment in Stripe resolves it and leaves the invoice paid.
    deliver(api, charge_event("evt_r2", payment_intent="pi_2"))
    assert attention(api) == [] and invoice(api)["status"] == "paid"


def test_an_unknown_invoice_is_recorded_and_flagged(invoiced):
    assert deliver(invoiced, session_event("evt_x", invoice_id="INV-2027-NOBODY"))[0] == 200
    (flagged,) = attention(invoiced)
    assert flagged["reason"] == "unknown_invoice"


def test_a_refund_reopens_the_renewal(invoiced):
    api = invoiced
    deliver(api, session_event("evt_1"))
    assert deliver(api, charge_event("evt_r"))[0] == 200
    refunded = invoice(api)
    assert refunded["status"] == "refunded" and refunded["amount_paid_cents"] == 0
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()["paid"] is False
    deliver(api, charge_event("evt_r"))  # redelivered refund: nothing more
    assert invoice(api)["amount_paid_cents"] == 0


def test_a_refund_before_the_completion_ends_the_same_as_in_order(invoiced):
    api = invoiced
    deliver(api, charge_event("evt_r"))
    deliver(api, session_event("evt_1"))
    out_of_order = invoice(api)
    assert out_of_order["status"] == "refunded" and out_of_order["amount_paid_cents"] == 0
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()["paid"] is False


def test_a_dispute_marks_the_invoice_and_needs_attention(invoiced):
    api = invoiced
    deliver(api, session_event("evt_1"))
    deliver(api, charge_event("evt_d", kind="charge.dispute.created"))
    assert invoice(api)["status"] == "disputed"
    (flagged,) = attention(api)
    assert flagged["reason"] == "dispute" and flagged["status"] == "disputed"
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()["paid"] is False


def test_other_event_types_are_acknowledged_and_ignored(invoiced):
    before = table_items()
    assert deliver(invoiced, {**session_event("evt_other"), "type": "customer.created"}) == (200, {"received": True})
    assert table_items() == before


# ---------------------------------------------------------------- offline payments

CHECK = {"method": "check", "reference": "chk 1042", "amount_cents": 17500, "received_on": "2026-11-20"}


def test_staff_record_a_check(invoiced):
    api = invoiced
    reply = api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF, body=CHECK)
    assert reply.status == 200, reply.text
    assert reply.json()["status"] == "paid" and reply.json()["payments"][0]["method"] == "check"
    again = api.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF, body=CHECK)
    assert again.status == 409
    assert len(invoice(api)["payments"]) == 1


@pytest.mark.parametrize(
    "change, status",
    [({"amount_cents": 17000}, 422), ({"method": "cash"}, 422), ({"received_on": "2026-12-25"}, 422),
     ({"amount_cents": -5}, 422), ({"reference": ""}, 422)],
)
def test_a_bad_offline_payment_is_refused_and_writes_nothing(invoiced, change, status):
    reply = invoiced.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=STAFF, body={**CHECK, **change})
    assert reply.status == status, reply.text
    assert invoice(invoiced)["status"] == "open" and invoice(invoiced)["payments"] == []


def test_offline_payments_are_for_staff_and_known_invoices(invoiced):
    assert invoiced.request("POST", f"/admin/invoices/{INVOICE}/payments", claims=member_claims("M-1"),
                            body=CHECK).status == 403
    assert invoiced.request("POST", "/admin/invoices/INV-2027-NOBODY/payments", claims=STAFF, body=CHECK).status == 404


def test_a_check_racing_a_webhook_pays_once_and_flags_the_other(invoiced, serialized_calls):
    from renewal import payments
    from renewal.auth import Principal

    staff = Principal(sub="staff-1", groups=frozenset({"naaei"}))
    start = threading.Barrier(2)
    results = {}

    def by_check():
        start.wait()
        try:
            payments.record_offline(staff, INVOICE, payments.OfflinePayment(**CHECK))
            results["check"] = "applied"
        except Exception as error:
            results["check"] = type(error).__name__

    def by_card():
        start.wait()
        results["card"] = webhooks.apply(session_event("evt_race_card")).result

    threads = [threading.Thread(target=by_check), threading.Thread(target=by_card)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    paid = invoice(invoiced)
    assert paid["status"] == "paid" and paid["amount_paid_cents"] == 17500 and len(paid["payments"]) == 1
    if results["check"] == "applied":
        assert results["card"] == "flagged"
        assert [p["reason"] for p in attention(invoiced)] == ["second_payment"]
    else:
        assert results == {"check": "Conflict", "card": "applied"}


# ---------------------------------------------------------------- checkout


class FakeGateway:
    def __init__(self):
        self.calls = []

    def create_checkout_session(self, **params):
        self.calls.append(params)
        return f"https://checkout.stripe.test/{len(self.calls)}", f"cs_test_{len(self.calls)}"


@pytest.fixture
def gateway(monkeypatch):
    from renewal.adapters import stripe_gateway

    fake = FakeGateway()
    monkeypatch.setattr(stripe_gateway, "create_checkout_session", fake.create_checkout_session)
    return fake


def test_checkout_for_the_owners_open_invoice(invoiced, gateway):
    reply = invoiced.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=member_claims("M-1"), body={})
    assert reply.status == 200 and reply.json() == {"checkout_url": "https://checkout.stripe.test/1",
                                                      "session_id": "cs_test_1"}
    (call,) = gateway.calls
    assert call["invoice_id"] == INVOICE and call["member_id"] == "M-1" and call["email"] == "m-1@example.org"
    assert [line["amount_cents"] for line in call["lines"]] == [17500]
    assert call["success_url"].startswith("https://portal.example.org/")
    assert call["idempotency_key"].startswith(f"checkout-{INVOICE}-1-")  # the first session of the invoice


def test_checkout_return_urls_stay_on_the_portal(invoiced, gateway):
    ok = {"success_url": "https://portal.example.org/done", "cancel_url": "https://portal.example.org/back"}
    assert invoiced.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=member_claims("M-1"),
                            body=ok).status == 200
    for evil in ("https://evil.example.com/phish", "javascript:alert(1)", "//evil.example.com"):
        reply = invoiced.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=member_claims("M-1"),
                                 body={"success_url": evil})
        assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "success_url"


def test_checkout_only_for_the_owner_and_only_while_open(invoiced, gateway):
    api = invoiced
    assert api.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=member_claims("M-2"), body={}).status == 404
    deliver(api, session_event("evt_1"))
    reply = api.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=member_claims("M-1"), body={})
    assert reply.status == 409 and reply.json()["error"]["code"] == "invoice_not_open"
    assert len(gateway.calls) == 0

"""Input an attacker sends: every one answers 4xx in the contract's error shape
(the webhook: 400) and writes nothing; none is a 500."""

from __future__ import annotations

import base64
import json
import time

from tests.integration.conftest import STAFF, member_claims
from tests.integration.test_payments import (  # noqa: F401 (invoiced is a fixture)
    INVOICE, FakeGateway, deliver, invoice, invoiced, session_event, table_items,
)

M1 = member_claims("M-1")
DEEP = "[" * 60_000 + "]" * 60_000
DEEP_OBJECT = '{"a":' * 60_000 + "1" + "}" * 60_000


def contract_error(reply, status):
    assert reply.status == status, reply.text
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_json_nested_60000_deep_is_malformed_not_a_crash(invoiced):
    before = table_items()
    for method, path, claims in [("PATCH", "/me/contact", M1), ("POST", "/me/cec-forms", M1),
                                 ("POST", f"/me/invoices/{INVOICE}/checkout", M1),
                                 ("PUT", "/admin/members/M-9", STAFF), ("POST", "/admin/invoice-runs", STAFF)]:
        for body in (DEEP, DEEP_OBJECT):
            reply = invoiced.request(method, path, claims=claims, raw=body)
            assert contract_error(reply, 400)["code"] == "malformed_json", path
    assert table_items() == before


def test_return_urls_that_are_no_urls_are_refused(invoiced, monkeypatch):
    from renewal.adapters import stripe_gateway

    gateway = FakeGateway()
    monkeypatch.setattr(stripe_gateway, "create_checkout_session", gateway.create_checkout_session)
    for url in ("http://[", "https://[::1", "https://portal.example.org\uff03@evil.example/",  # full-width number sign
                "https://portal.example.org\uff0fevil"):
        for field in ("success_url", "cancel_url"):
            reply = invoiced.request("POST", f"/me/invoices/{INVOICE}/checkout", claims=M1, body={field: url})
            assert contract_error(reply, 422)["details"][0]["field"] == field
    assert gateway.calls == []


def _unsigned(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_a_next_token_this_api_did_not_sign_is_refused(invoiced):
    tokens = [
        _unsigned({"PK": "MEMBER#M-1"}),  # decodes, lacks the sort key: DynamoDB refused the query (500)
        _unsigned({"PK": "MEMBER#M-2", "SK": "FORM#F-M-2-1", "GSI1PK": "x", "GSI1SK": "y"}),  # another list's key
        "e30",  # {}
    ]
    for path, claims, query in [("/me/cec-forms", M1, ""), ("/admin/payments", STAFF, "needs_attention=true&"),
                                ("/admin/members/M-1/history", STAFF, ""),
                                ("/admin/renewals", STAFF, "renewal_year=2027&"),
                                ("/review/cec-submissions", STAFF, ""), ("/admin/waiver-requests", STAFF, "")]:
        for token in tokens:
            reply = invoiced.request("GET", path, claims=claims, query=f"{query}next_token={token}")
            assert contract_error(reply, 422)["details"][0]["field"] == "next_token", path


def test_a_next_token_of_one_member_does_not_page_another_members_list(invoiced):
    api = invoiced
    for n in range(3):
        api.request("POST", "/me/cec-forms", claims=M1, body={"activities": [{
            "type": "conference", "title": f"Talk {n}", "provider": "NAA", "completed_on": "2026-06-01",
            "contact_minutes": 60}]})
    page = api.request("GET", "/me/cec-forms", claims=M1, query="limit=1").json()
    assert page["next_token"]
    assert api.request("GET", "/me/cec-forms", claims=M1, query=f"limit=1&next_token={page['next_token']}").status == 200
    other = api.request("GET", "/me/cec-forms", claims=member_claims("M-2"),
                        query=f"limit=1&next_token={page['next_token']}")
    assert contract_error(other, 422)["details"][0]["field"] == "next_token"


def _paid_session(**changes):
    event = session_event("evt_shape")
    event["data"]["object"].update(changes)
    return event


WRONG_SHAPES = {
    "amount-text": _paid_session(amount_total="17500 cents"),
    "amount-fraction": _paid_session(amount_total=17500.5),
    "amount-bool": _paid_session(amount_total=True),
    "metadata-list": _paid_session(metadata={"invoice_id": ["INV-2027-M-1"]}),
    "intent-number": _paid_session(payment_intent=17),
    "no-id": {**session_event("evt_shape"), "data": {"object": {k: v for k, v in session_event()["data"]["object"].items()
                                                               if k != "id"}}},
    "type-list": {**session_event("evt_shape"), "type": ["checkout.session.completed"]},
    "id-object": {**session_event("evt_shape"), "id": {"id": "evt_1"}},
    "object-list": {**session_event("evt_shape"), "data": {"object": []}},
    "deep": None,
}


def test_a_signed_event_of_the_wrong_shape_is_400_and_writes_nothing(invoiced):
    before = table_items()
    for name, event in WRONG_SHAPES.items():
        status, body = deliver(invoiced, event, raw=DEEP if event is None else None)
        assert status == 400 and body["error"]["code"] == "invalid_webhook", (name, body)
    assert table_items() == before
    assert invoice(invoiced)["status"] == "open"


def test_a_signed_event_dated_beyond_the_tolerance_in_the_future_is_refused(invoiced):
    before = table_items()
    status, body = deliver(invoiced, session_event("evt_future"), timestamp=int(time.time()) + 301)
    assert status == 400 and body["error"]["code"] == "invalid_webhook"
    assert table_items() == before
    # Within the tolerance a clock a little ahead is fine.
    assert deliver(invoiced, session_event("evt_now"), timestamp=int(time.time()) + 60)[0] == 200
    assert invoice(invoiced)["status"] == "paid"

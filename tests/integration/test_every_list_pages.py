"""Every list the API answers pages: each GET route whose answer is
`{"items", "next_token"}` (read from the generated OpenAPI document, so a new
list is walked as soon as it exists) is walked with `limit=1`, one item a
page, following `next_token`, and the pages together are exactly the list read
in one page of 200."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import STAFF, deadline_run, drain, member_claims
from tests.integration.payloads import ANA, RULE_SET_2027, fresh
from tests.integration.test_payments import SECRET, deliver, session_event

ROOT = Path(__file__).resolve().parents[2]
AASC = {"sub": "office-1", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
M1 = member_claims("M-1")


def list_routes() -> list[str]:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    schemas = document["components"]["schemas"]
    found = []
    for path, methods in sorted(document["paths"].items()):
        answer = (((methods.get("get") or {}).get("responses") or {}).get("200") or {}).get("content", {})
        name = answer.get("application/json", {}).get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
        if {"items", "next_token"} <= set(schemas.get(name, {}).get("properties", {})):
            found.append(path)
    return found


# What each list needs beyond limit and next_token, and who may read it.
QUERIES = {"/admin/members": "q=diaz", "/admin/renewals": "renewal_year=2027",
           "/affiliate/renewals": "renewal_year=2027", "/review/cec-submissions": "status=queued",
           "/admin/payments": "needs_attention=true"}


# The lists the fixture gives two items at least (a list added later is still walked).
FILLED = {"/me/invoices", "/me/cec-forms", "/me/cec-submissions", "/me/waiver-requests", "/affiliate/cec-forms",
          "/affiliate/members", "/affiliate/renewals", "/review/cec-submissions", "/admin/payments",
          "/admin/waiver-requests", "/admin/renewals", "/admin/members", "/admin/members/{member_id}/history",
          "/admin/members/{member_id}/invoices",
          "/admin/invoice-runs", "/admin/deadline-runs"}


def caller(path: str) -> dict:
    return M1 if path.startswith("/me") else AASC if path.startswith("/affiliate") else STAFF


@pytest.fixture
def two_of_everything(api, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    for year in (2027, 2028):
        rule_set = fresh(RULE_SET_2027)
        rule_set.update(renewal_year=year, due_date=f"{year}-01-01", grace_ends=f"{year}-03-31",
                        earning_window={"start": f"{year - 1}-01-01", "end": f"{year - 1}-12-31"},
                        require_complete_submission=False)
        assert api.request("PUT", f"/admin/rule-sets/{year}", claims=STAFF, body=rule_set).status == 200
    for member_id in ("M-1", "M-2"):
        body = fresh(ANA)
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
    for year in (2027, 2028):
        api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": year})
        drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    deadline_run(api)
    deadline_run(api)  # a second run the same day, once the first finished
    activity = {"type": "conference", "title": "Expo", "provider": "NAA Expo", "completed_on": "2026-06-01",
                "contact_minutes": 120, "break_minutes": 0}
    forms = [api.request("POST", "/me/cec-forms", claims=M1, body={"activities": [{**activity, "title": t}]}
                         ).json()["form_id"] for t in ("Expo 1", "Expo 2", "Expo 3", "Expo 4")]
    for form_id in forms[:2]:
        assert api.request("POST", f"/affiliate/cec-forms/{form_id}/decision", claims=AASC,
                           body={"decision": "verify"}).status == 200
        assert api.request("POST", "/me/cec-submissions", claims=M1,
                           body={"renewal_year": 2027, "form_ids": [form_id]}).status == 202
    for kind in ("military_deployment", "emeritus"):
        assert api.request("POST", "/me/waiver-requests", claims=M1,
                           body={"type": kind, "renewal_year": 2027, "reason": "Please"}).status == 201
    for n in (1, 2):
        deliver(api, session_event(f"evt_x{n}", invoice_id=f"INV-2027-NOBODY{n}", payment_intent=f"pi_x{n}"))
    return api


def test_every_list_pages_one_item_at_a_time(two_of_everything):
    api = two_of_everything
    routes = list_routes()
    assert "/me/invoices" in routes and "/admin/deadline-runs" in routes and "/affiliate/renewals" in routes
    for route in routes:
        path = route.replace("{member_id}", "M-1")
        query = QUERIES.get(route, "")
        whole = api.request("GET", path, claims=caller(route), query="&".join(filter(None, [query, "limit=200"])))
        assert whole.status == 200, (route, whole.text)
        everything = whole.json()["items"]
        if route in FILLED:
            assert len(everything) >= 2, f"{route}: the fixture should give it two items at least"
        walked, token, pages = [], None, 0
        while True:
            page_query = "&".join(filter(None, [query, "limit=1", f"next_token={token}" if token else ""]))
            reply = api.request("GET", path, claims=caller(route), query=page_query)
            assert reply.status == 200, (route, reply.text)
            assert len(reply.json()["items"]) <= 1, route
            walked += reply.json()["items"]
            token, pages = reply.json()["next_token"], pages + 1
            assert pages <= len(everything) + 2, f"{route} does not end"
            if not token:
                break
        assert walked == everything, route

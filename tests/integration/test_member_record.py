"""What staff read on a member's record beyond the profile, on moto through the
HTTP handlers: the member's invoices with their lines and payments, and the CEC
record of a year (the same one the member downloads), each for staff only."""

from __future__ import annotations

import pytest

from renewal import transcripts
from renewal.auth import Principal
from tests.integration.conftest import STAFF, drain, member_claims
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

AFFILIATE = {"sub": "office", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
ANA_ID = "M-1001"


@pytest.fixture
def invoiced(api):
    """Ana, invoiced for 2027 and 2028, with a check recorded against 2027 and a class credited."""
    for year in (2027, 2028):
        rule_set = fresh(RULE_SET_2027)
        rule_set.update(renewal_year=year, due_date=f"{year}-01-01", grace_ends=f"{year}-03-31",
                        earning_window={"start": f"{year - 1}-01-01", "end": f"{year - 1}-12-31"})
        assert api.request("PUT", f"/admin/rule-sets/{year}", claims=STAFF, body=rule_set).status == 200
    assert api.request("PUT", f"/admin/members/{ANA_ID}", claims=STAFF, body=fresh(ANA)).status == 201
    for year in (2027, 2028):
        assert api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": year}).status == 202
        drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    due = api.request("GET", f"/me/invoices/INV-2027-{ANA_ID}", claims=member_claims(ANA_ID)).json()["amount_due_cents"]
    paid = api.request("POST", f"/admin/invoices/INV-2027-{ANA_ID}/payments", claims=STAFF, body={
        "method": "check", "reference": "chk 1042", "amount_cents": due, "received_on": "2026-11-20"})
    assert paid.status == 200, paid.text
    posted = api.request("POST", "/affiliate/classes/FH-1/roster", claims=AFFILIATE, body={
        "title": "Fair Housing Update", "held_on": "2026-06-20", "contact_minutes": 240, "break_minutes": 60,
        "attendees": [ANA_ID]})
    assert posted.status == 200 and posted.json()["credited"] == [ANA_ID], posted.text
    return api


def test_staff_read_a_members_invoices_newest_first_with_the_payments_recorded(invoiced):
    reply = invoiced.request("GET", f"/admin/members/{ANA_ID}/invoices", claims=STAFF)
    assert reply.status == 200, reply.text
    items = reply.json()["items"]
    assert [i["invoice_id"] for i in items] == [f"INV-2028-{ANA_ID}", f"INV-2027-{ANA_ID}"]
    paid = items[1]
    assert paid["status"] == "paid" and paid["amount_due_cents"] == 0
    assert [(p["method"], p["reference"]) for p in paid["payments"]] == [("check", "chk 1042")]
    # Exactly what the member reads of the same invoice.
    own = invoiced.request("GET", f"/me/invoices/INV-2027-{ANA_ID}", claims=member_claims(ANA_ID)).json()
    assert paid == own


def test_a_members_invoices_page_one_at_a_time(invoiced):
    first = invoiced.request("GET", f"/admin/members/{ANA_ID}/invoices", claims=STAFF, query="limit=1").json()
    assert len(first["items"]) == 1 and first["next_token"]
    second = invoiced.request("GET", f"/admin/members/{ANA_ID}/invoices", claims=STAFF,
                              query=f"limit=1&next_token={first['next_token']}").json()
    assert [i["renewal_year"] for i in first["items"] + second["items"]] == [2028, 2027]


def test_staff_read_the_cec_record_the_member_downloads(invoiced):
    reply = invoiced.request("GET", f"/admin/members/{ANA_ID}/cec-transcript", claims=STAFF, query="renewal_year=2027")
    assert reply.status == 200, reply.text
    record = reply.json()
    assert [(a["title"], a["status"]) for a in record["activities"]] == [("Fair Housing Update", "approved")]
    # The record the member's own transcript is made from, field for field.
    own = transcripts.transcript(Principal.from_claims(member_claims(ANA_ID)), 2027).model_dump(mode="json")
    assert record == own and record["approved"] == 3.0
    # The next year's window holds nothing yet.
    later = invoiced.request("GET", f"/admin/members/{ANA_ID}/cec-transcript", claims=STAFF, query="renewal_year=2028")
    assert later.status == 200 and later.json()["activities"] == []


@pytest.mark.parametrize("path", ["/admin/members/M-404/invoices", "/admin/members/M-404/cec-transcript"])
def test_an_unknown_member_is_404_not_an_empty_record(invoiced, path):
    reply = invoiced.request("GET", path, claims=STAFF, query="renewal_year=2027")
    assert reply.status == 404 and reply.json()["error"]["code"] == "not_found"


def test_a_year_without_rules_is_404(invoiced):
    reply = invoiced.request("GET", f"/admin/members/{ANA_ID}/cec-transcript", claims=STAFF, query="renewal_year=2031")
    assert reply.status == 404 and "2031" in reply.json()["error"]["message"]


def test_bad_query_is_422_in_the_error_shape(invoiced):
    for query in ("", "renewal_year=1999", "renewal_year=abc"):
        reply = invoiced.request("GET", f"/admin/members/{ANA_ID}/cec-transcript", claims=STAFF, query=query)
        assert reply.status == 422 and reply.json()["error"]["code"] == "validation_error", (query, reply.text)
    reply = invoiced.request("GET", f"/admin/members/{ANA_ID}/invoices", claims=STAFF, query="limit=0")
    assert reply.status == 422


@pytest.mark.parametrize("claims", [member_claims(ANA_ID), AFFILIATE, {"sub": "nobody", "cognito:groups": []}])
@pytest.mark.parametrize("path", [f"/admin/members/{ANA_ID}/invoices", f"/admin/members/{ANA_ID}/cec-transcript"])
def test_only_staff_read_a_members_record(invoiced, claims, path):
    # Even the member themself: their own routes are under /me.
    reply = invoiced.request("GET", path, claims=claims, query="renewal_year=2027")
    assert reply.status == 403, reply.text

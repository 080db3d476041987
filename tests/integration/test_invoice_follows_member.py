"""An invoice follows the member, on moto: credentials added or removed and an
emeritus waiver granted after the invoice run change the year's invoice in the
same transaction (lines added, voided with a reason, re-priced), a paid invoice
reopens for the difference, an overpayment is flagged for a refund; each
change is audited and e-mailed, and the renewal record follows."""

from __future__ import annotations

import pytest

from tests.integration.conftest import STAFF, drain, member_claims, sent_emails
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

M1 = member_claims("M-1")


def put_member(api, *credentials, member_id="M-1"):
    body = fresh(ANA)
    body["credentials"] = [{"code": code, "earned_on": earned} for code, earned in credentials]
    body["contact"]["email"] = f"{member_id.lower()}@example.org"
    reply = api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
    assert reply.status in (200, 201), reply.text
    return reply


@pytest.fixture
def invoiced(api):
    rule_set = fresh(RULE_SET_2027)
    rule_set["credentials"]["CAPS"] = {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500,
                                       "renews_annually": True}
    rule_set["credentials"]["CAM"]["emeritus_fee_cents"] = 10000
    rule_set["credentials"]["CALP"]["emeritus_fee_cents"] = 10000
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=rule_set).status == 200
    put_member(api, ("CAM", "2019-05-04"))
    api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    return api


def invoice(api):
    return api.request("GET", "/me/invoices/INV-2027-M-1", claims=M1).json()


def renewal(api):
    return api.request("GET", "/admin/members/M-1/renewals/2027", claims=STAFF).json()


def report_row(api):
    rows = api.request("GET", "/admin/renewals", claims=STAFF, query="renewal_year=2027").json()["items"]
    return next(r for r in rows if r["member_id"] == "M-1")


def history(api):
    return [e for e in api.request("GET", "/admin/members/M-1/history", claims=STAFF).json()["items"]
            if e["action"] == "invoice.follow"]


def pay(api, amount):
    import uuid

    reply = api.request("POST", "/admin/invoices/INV-2027-M-1/payments", claims=STAFF,
                        body={"method": "check", "reference": f"chk {uuid.uuid4().hex[:6]}", "amount_cents": amount,
                              "received_on": "2026-11-20"})
    assert reply.status == 200, reply.text


def flagged(api):
    return api.request("GET", "/admin/payments", claims=STAFF, query="needs_attention=true").json()["items"]


def test_a_credential_added_after_the_run_is_charged_and_reopens_a_paid_invoice(invoiced):
    api = invoiced
    pay(api, 17500)
    assert invoice(api)["status"] == "paid"
    put_member(api, ("CAM", "2019-05-04"), ("CAPS", "2021-06-01"))
    after = invoice(api)
    assert [(l["code"], l["amount_cents"], l["void"]) for l in after["lines"]] == [
        ("CAM", 17500, False), ("CAPS", 17500, False)]
    assert (after["status"], after["amount_paid_cents"], after["amount_due_cents"]) == ("open", 17500, 17500)
    assert renewal(api)["credentials"] == ["CAM", "CAPS"] and renewal(api)["paid"] is False
    assert report_row(api)["amount_due_cents"] == 17500 and report_row(api)["paid"] is False
    (entry,) = history(api)
    assert entry["changes"]["added"]["to"] == ["CAPS"] and entry["changes"]["status"] == {"from": "paid", "to": "open"}
    (mail,) = [e for e in sent_emails() if e["subject"] == "Your 2027 renewal invoice changed"]
    assert "Added: CAPS ($175.00)" in mail["text"] and "Amount due: $175.00." in mail["text"]
    # The same PUT again changes nothing more.
    put_member(api, ("CAM", "2019-05-04"), ("CAPS", "2021-06-01"))
    assert len(history(api)) == 1 and invoice(api)["lines"] == after["lines"]
    # Paying the difference renews the invoice; the certificate follows the credentials held.
    pay(api, 17500)
    assert invoice(api)["status"] == "paid"


def test_a_credential_removed_voids_its_line_and_an_overpayment_is_flagged(invoiced):
    api = invoiced
    put_member(api, ("CAM", "2019-05-04"), ("CALP", "2020-02-01"))  # CALP added: $300 now
    pay(api, 30000)
    put_member(api, ("CAM", "2019-05-04"))  # CALP dropped after payment
    after = invoice(api)
    calp = next(l for l in after["lines"] if l["code"] == "CALP")
    assert calp["void"] and "no longer held" in calp["void_reason"]
    assert (after["status"], after["total_cents"], after["amount_due_cents"]) == ("paid", 17500, 0)
    assert [(p["reason"], p["amount_cents"]) for p in flagged(api)] == [("overpaid", 12500)]
    assert renewal(api)["credentials"] == ["CAM"]
    mail = [e for e in sent_emails() if e["subject"] == "Your 2027 renewal invoice changed"][-1]
    assert "Removed: CALP" in mail["text"] and "we will refund it" in mail["text"]


def test_an_unpaid_invoice_drops_the_line_and_the_lapse_notice_asks_for_the_new_amount(invoiced):
    api = invoiced
    put_member(api, ("CAM", "2019-05-04"), ("CALP", "2020-02-01"))
    assert invoice(api)["amount_due_cents"] == 30000
    put_member(api, ("CAM", "2019-05-04"))
    assert invoice(api)["amount_due_cents"] == 17500 and flagged(api) == []
    assert renewal(api)["cec"]["required"] == 8


def test_an_emeritus_grant_after_the_run_re_prices_the_invoice(invoiced):
    api = invoiced
    reply = api.request("POST", "/admin/members/M-1/waivers", claims=STAFF,
                        body={"type": "emeritus", "renewal_year": 2027, "note": "Retired"})
    assert reply.status == 201, reply.text
    after = invoice(api)
    assert [(l["code"], l["amount_cents"], l["void"]) for l in after["lines"]] == [
        ("CAM", 17500, True), ("CAM", 10000, False)]
    assert after["amount_due_cents"] == 10000 and after["cec_required"] == 0
    assert renewal(api)["cec"]["waived"] is True and report_row(api)["cec_complete"] is True
    (entry,) = history(api)
    assert entry["changes"]["repriced"]["to"] == ["CAM"]
    # Revoking the waiver re-prices it back.
    api.request("DELETE", f"/admin/members/M-1/waivers/{reply.json()['waiver_id']}", claims=STAFF, body={})
    assert invoice(api)["amount_due_cents"] == 17500 and invoice(api)["cec_required"] == 8

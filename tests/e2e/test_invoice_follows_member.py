"""Invoices and notices that follow the member, over HTTP on the local stack:
CAPS added after the run (a paid invoice reopens for the difference), CALP
removed (its line voided), an emeritus grant re-pricing; each audited and
e-mailed; paying again after a full refund; the lapse notice to a member who
paid but lacks CECs names them and asks for no money."""

from __future__ import annotations

import os
import uuid

import pytest

from .stack import run_deadlines, season_rule_set
from .test_checkout_local import pay, the_form, wait_for_run

pytestmark = [
    pytest.mark.xdist_group("e2e"),
    pytest.mark.skipif(bool(os.environ.get("STRIPE_API_KEY")), reason="STRIPE_API_KEY set: the stack uses real Stripe"),
]

YEAR = 2045  # a year no other e2e test uses: the session's stack is shared


@pytest.fixture(scope="module")
def season(server):
    from .stack import Client

    client = Client(server)
    staff = client.staff_token()
    rule_set = season_rule_set(YEAR, CAM=(8, 5, 17500), CALP=(5, 3, 12500), CAPS=(8, 5, 17500))
    rule_set["credentials"]["CAM"]["emeritus_fee_cents"] = 10000
    client.request("PUT", "/_local/clock", json={"today": f"{YEAR - 1}-10-01"})
    try:
        assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json=rule_set).status_code == 200
        ids = {name: f"E2E-FOL-{name}-{uuid.uuid4().hex[:6]}" for name in ("caps", "calp", "emeritus", "lapse")}
        credentials = {"caps": [("CAM", "2019-05-04")], "calp": [("CAM", "2019-05-04"), ("CALP", "2020-02-01")],
                       "emeritus": [("CAM", "2019-05-04")], "lapse": [("CAM", "2019-05-04")]}
        for name, member_id in ids.items():
            assert put(client, staff, member_id, credentials[name]).status_code == 201
        started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
        assert wait_for_run(client, staff, started.json()["run_id"])["status"] == "completed"
        yield client, staff, ids
    finally:
        client.request("DELETE", "/_local/clock")


def put(client, staff, member_id, credentials):
    body = {"first_name": "Fay", "last_name": member_id, "affiliate": "AASC",
            "contact": {"email": f"{member_id.lower()}@example.org"},
            "credentials": [{"code": code, "earned_on": earned} for code, earned in credentials]}
    return client.request("PUT", f"/admin/members/{member_id}", token=staff, json=body)


def invoice(client, member_id):
    return client.request("GET", f"/me/invoices/INV-{YEAR}-{member_id}", token=client.member_token(member_id)).json()


def check(client, staff, member_id, amount):
    return client.request("POST", f"/admin/invoices/INV-{YEAR}-{member_id}/payments", token=staff,
                          json={"method": "check", "reference": f"chk {uuid.uuid4().hex[:6]}", "amount_cents": amount,
                                "received_on": f"{YEAR - 1}-10-01"})


def mail_to(client, member_id, subject):
    return [m for m in client.request("GET", "/_local/outbox").json()["items"]
            if m["to"] == f"{member_id.lower()}@example.org" and m["subject"] == subject]


def followed(client, staff, member_id):
    history = client.request("GET", f"/admin/members/{member_id}/history", token=staff).json()["items"]
    return [e for e in history if e["action"] == "invoice.follow"]


def test_caps_added_after_the_run_reopens_a_paid_invoice_for_the_difference(season):
    client, staff, ids = season
    member_id = ids["caps"]
    assert check(client, staff, member_id, 17500).status_code == 200
    assert put(client, staff, member_id, [("CAM", "2019-05-04"), ("CAPS", "2021-06-01")]).status_code == 200
    after = invoice(client, member_id)
    assert [line["code"] for line in after["lines"]] == ["CAM", "CAPS"]
    assert (after["status"], after["amount_due_cents"]) == ("open", 17500)
    assert followed(client, staff, member_id)[0]["changes"]["added"]["to"] == ["CAPS"]
    (mail,) = mail_to(client, member_id, f"Your {YEAR} renewal invoice changed")
    assert "Added: CAPS ($175.00)" in mail["text"]
    assert check(client, staff, member_id, 17500).status_code == 200
    assert invoice(client, member_id)["status"] == "paid"


def test_calp_removed_voids_its_line(season):
    client, staff, ids = season
    member_id = ids["calp"]
    assert put(client, staff, member_id, [("CAM", "2019-05-04")]).status_code == 200
    after = invoice(client, member_id)
    calp = next(line for line in after["lines"] if line["code"] == "CALP")
    assert calp["void"] is True and "no longer held" in calp["void_reason"]
    assert after["amount_due_cents"] == 17500
    assert followed(client, staff, member_id)[0]["changes"]["voided"]["to"] == ["CALP"]
    assert mail_to(client, member_id, f"Your {YEAR} renewal invoice changed")


def test_an_emeritus_grant_re_prices(season):
    client, staff, ids = season
    member_id = ids["emeritus"]
    granted = client.request("POST", f"/admin/members/{member_id}/waivers", token=staff,
                             json={"type": "emeritus", "renewal_year": YEAR, "note": "Retired"})
    assert granted.status_code == 201, granted.text
    after = invoice(client, member_id)
    assert after["amount_due_cents"] == 10000 and after["cec_required"] == 0
    assert followed(client, staff, member_id)[0]["changes"]["repriced"]["to"] == ["CAM"]


def test_after_a_full_refund_the_member_pays_again_and_the_lapse_notice_asks_only_for_cecs(season):
    client, staff, ids = season
    member_id = ids["lapse"]
    member = client.member_token(member_id)
    started = client.request("POST", f"/me/invoices/INV-{YEAR}-{member_id}/checkout", token=member, json={})
    url = started.json()["checkout_url"]
    pay(the_form(client.request("GET", url.removeprefix(client.url))), url)
    session_id = invoice(client, member_id)["payments"][-1]["reference"]
    sent = client.request("POST", f"/_local/stripe/sessions/{session_id}/events", json={"type": "charge.refunded"})
    assert sent.json()["webhook_status"] == 200
    assert (invoice(client, member_id)["status"], invoice(client, member_id)["amount_due_cents"]) == ("refunded", 17500)
    again = client.request("POST", f"/me/invoices/INV-{YEAR}-{member_id}/checkout", token=member, json={})
    assert again.status_code == 200, again.text
    url = again.json()["checkout_url"]
    pay(the_form(client.request("GET", url.removeprefix(client.url))), url)
    assert invoice(client, member_id)["status"] == "paid"
    # 1 April: paid, CECs missing: the renewal lapses; the notice names the CECs and asks for no money.
    client.request("PUT", "/_local/clock", json={"today": f"{YEAR}-04-01"})
    try:
        run_deadlines(client, staff)
    finally:
        client.request("DELETE", "/_local/clock")
    (mail,) = mail_to(client, member_id, f"Your {YEAR} credentials have lapsed")
    assert "CECs still needed: 8 CECs, 5 of them in-network." in mail["text"]
    assert "$" not in mail["text"] and "reinstatement" not in mail["text"].lower()

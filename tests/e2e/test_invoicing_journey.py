"""The renewal season over HTTP against the local stack: a rule set, the
invoice run fanned out over SQS, the member's invoice, a second run that
changes nothing, and the lapse on 1 April."""

from __future__ import annotations

import time

import pytest

from .stack import run_deadlines, season_rule_set

pytestmark = pytest.mark.xdist_group("e2e")

YEAR = 2029  # a year no other e2e test uses: the session's stack is shared
RULE_SET = season_rule_set(YEAR, CAM=(6, 4, 17500), CALP=(3, 2, 12500))


def wait_for_run(client, staff, run_id, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.request("GET", f"/admin/invoice-runs/{run_id}", token=staff).json()
        if run["status"] != "running":
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still running: {run}")


@pytest.fixture
def clock(client):
    yield lambda day: client.request("PUT", "/_local/clock", json={"today": day})
    client.request("DELETE", "/_local/clock")


def test_invoice_season(client, clock):
    staff = client.staff_token()
    clock(f"{YEAR - 1}-10-01")
    assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json=RULE_SET).status_code == 200
    members = {
        "E2E-INV-1": [{"code": "CAM", "earned_on": "2019-05-04"}, {"code": "NALP", "earned_on": "2020-02-01"}],
        "E2E-INV-2": [{"code": "CAMT", "earned_on": "2012-01-01"}],
    }
    for member_id, credentials in members.items():
        body = {"first_name": "Eve", "last_name": member_id, "affiliate": "AASC",
                "contact": {"email": f"{member_id.lower()}@example.org"}, "credentials": credentials}
        assert client.request("PUT", f"/admin/members/{member_id}", token=staff, json=body).status_code in (200, 201)

    started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
    assert started.status_code == 202 and started.json()["status"] == "running"
    run = wait_for_run(client, staff, started.json()["run_id"])
    assert run["status"] == "completed"
    assert run["invoices_created"] >= 1 and run["members_seen"] == sum(
        run[k] for k in ("invoices_created", "already_invoiced", "not_required", "failed"))

    member = client.member_token("E2E-INV-1")
    (invoice,) = [i for i in client.request("GET", "/me/invoices", token=member).json()["items"]
                  if i["renewal_year"] == YEAR]
    assert invoice["cec_required"] == 6  # the larger requirement, not 6 + 3
    assert [line["code"] for line in invoice["lines"]] == ["CAM", "CALP"]
    assert invoice["total_cents"] == invoice["amount_due_cents"] == 30000
    camt_only = client.member_token("E2E-INV-2")
    assert client.request("GET", f"/me/renewals/{YEAR}", token=camt_only).json()["status"] == "not_required"

    # The rule set is locked now, and a second run invoices nobody twice.
    assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json=RULE_SET).status_code == 409
    again = wait_for_run(client, staff, client.request(
        "POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR}).json()["run_id"])
    assert again["invoices_created"] == 0 and again["already_invoiced"] == run["invoices_created"]
    assert len([i for i in client.request("GET", "/me/invoices", token=member).json()["items"]
                if i["renewal_year"] == YEAR]) == 1

    outbox = client.request("GET", "/_local/outbox").json()["items"]
    assert any(m["to"] == "e2e-inv-1@example.org" and str(YEAR) in m["subject"] for m in outbox)

    # 1 April, after a 31 March grace end: lapsed, owing the fees plus one reinstatement fee.
    clock(f"{YEAR}-04-01")
    first = run_deadlines(client, staff)
    assert first["status"] == "completed" and first["reinstatement_fees_added"] >= 1
    assert run_deadlines(client, staff)["reinstatement_fees_added"] == 0  # once, however often it runs
    renewal = client.request("GET", f"/me/renewals/{YEAR}", token=member).json()
    assert renewal["status"] == "lapsed" and renewal["amount_due_cents"] == 35000
    lapsed_invoice = client.request("GET", f"/me/invoices/{invoice['invoice_id']}", token=member).json()
    assert [line["code"] for line in lapsed_invoice["lines"]] == ["CAM", "CALP", "REINSTATEMENT"]
    me = client.request("GET", "/me", token=member).json()
    assert {c["status"] for c in me["credentials"]} == {"lapsed"}

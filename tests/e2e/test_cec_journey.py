"""A credential holder's CEC journey over HTTP against the local stack: the
invoice run, an affiliate class roster, a CEC Reporting Form signed by the
affiliate, the online submission through the SQS approval queue (the stack
polls it), the institute's review, an offline payment, and the renewal
`renewed` with `renewed_through` set."""

from __future__ import annotations

import time

import pytest

from .stack import season_rule_set

pytestmark = pytest.mark.xdist_group("e2e")

YEAR = 2033  # a year no other e2e test uses: the session's stack is shared
TODAY = f"{YEAR - 1}-12-15"
MEMBER = "E2E-CEC-1"
EMAIL = "e2e-cec-1@example.org"
RULE_SET = season_rule_set(YEAR, CAM=(8, 5, 17500))


def poll(fetch, done, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        if done(last):
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout} s; last: {last}")


@pytest.fixture
def clock(client):
    assert client.request("PUT", "/_local/clock", json={"today": TODAY}).status_code == 200
    yield
    client.request("DELETE", "/_local/clock")


def test_roster_form_submission_review_and_payment_renew_the_credential(client, clock):
    staff = client.staff_token()
    affiliate = client.token("aff-e2e-aasc", ["affiliate"], affiliate="AASC")
    member = client.member_token(MEMBER)

    assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json=RULE_SET).status_code == 200
    body = {"first_name": "Cora", "last_name": "Ellis", "affiliate": "AASC", "contact": {"email": EMAIL},
            "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
    assert client.request("PUT", f"/admin/members/{MEMBER}", token=staff, json=body).status_code in (200, 201)

    # The invoice run for the year, fanned out over SQS by the stack.
    started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
    assert started.status_code == 202, started.text
    run = poll(lambda: client.request("GET", f"/admin/invoice-runs/{started.json()['run_id']}", token=staff).json(),
               lambda r: r["status"] != "running", what="invoice run")
    assert run["status"] == "completed", run
    renewal = client.request("GET", f"/me/renewals/{YEAR}", token=member).json()
    assert renewal["status"] == "open" and renewal["invoice_id"] and renewal["amount_due_cents"] == 17500
    assert renewal["cec"]["required"] == 8 and renewal["cec"]["in_network_required"] == 5

    # The affiliate posts its class roster: 240 minutes with 60 of breaks are 3 CECs, credited once.
    roster = {"title": "Fair Housing Update", "held_on": f"{YEAR - 1}-05-12", "contact_minutes": 240,
              "break_minutes": 60, "attendees": [MEMBER, "E2E-NOBODY"]}
    posted = client.request("POST", "/affiliate/classes/E2E-FH-1/roster", token=affiliate, json=roster)
    assert posted.status_code == 200, posted.text
    assert posted.json() == {"credited": [MEMBER], "already_credited": [], "unknown_members": ["E2E-NOBODY"],
                             "cec": 3.0, "not_credited_self": []}
    assert client.request("POST", "/affiliate/classes/E2E-FH-1/roster", token=affiliate,
                          json=roster).json()["already_credited"] == [MEMBER]
    cec = client.request("GET", f"/me/renewals/{YEAR}", token=member).json()["cec"]
    assert (cec["approved"], cec["approved_in_network"], cec["outstanding"]) == (3.0, 3.0, 5.0)

    # The member reports the rest on a CEC Reporting Form; the affiliate signs it.
    activities = [
        {"type": "conference", "title": "Apartmentalize sessions", "provider": "NAA",
         "completed_on": f"{YEAR - 1}-06-20", "contact_minutes": 180, "break_minutes": 0},
        {"type": "committee", "title": "AASC education committee", "provider": "AASC",
         "completed_on": f"{YEAR - 1}-09-01", "contact_minutes": 120, "break_minutes": 0},
        {"type": "online_course", "title": "Risk management online", "provider": "NAAEI",
         "completed_on": f"{YEAR - 1}-10-03", "contact_minutes": 120, "break_minutes": 0},
    ]
    created = client.request("POST", "/me/cec-forms", token=member, json={"activities": activities})
    assert created.status_code == 201, created.text
    form = created.json()
    assert form["status"] == "awaiting_affiliate" and form["total_cec"] == 7.0
    waiting = client.request("GET", "/affiliate/cec-forms", token=affiliate,
                             params={"status": "awaiting_affiliate", "limit": 200}).json()
    assert form["form_id"] in [f["form_id"] for f in waiting["items"]]
    signed = client.request("POST", f"/affiliate/cec-forms/{form['form_id']}/decision", token=affiliate,
                            json={"decision": "verify"})
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "verified" and signed.json()["verified_by"] and signed.json()["verified_at"]

    # The online submission goes through the approval queue, which the stack polls.
    submitted = client.request("POST", "/me/cec-submissions", token=member,
                               json={"renewal_year": YEAR, "form_ids": [form["form_id"]]})
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["status"] == "queued"
    submission_id = submitted.json()["submission_id"]
    in_review = poll(lambda: client.request("GET", f"/me/cec-submissions/{submission_id}", token=member).json(),
                     lambda s: s["status"] != "queued", what="the approval queue")
    assert in_review["status"] == "in_review", in_review
    assert client.request("GET", f"/me/renewals/{YEAR}", token=member).json()["cec"]["in_review"] == 7.0

    # The institute's reviewer finds it in the queue and approves it.
    queue = client.request("GET", "/review/cec-submissions", token=staff,
                           params={"status": "in_review", "limit": 200}).json()
    assert submission_id in [s["submission_id"] for s in queue["items"]]
    approved = client.request("POST", f"/review/cec-submissions/{submission_id}/decision", token=staff,
                              json={"decision": "approve", "rejected_activity_ids": []})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    renewal = client.request("GET", f"/me/renewals/{YEAR}", token=member).json()
    assert renewal["cec_complete"] is True and renewal["paid"] is False and renewal["status"] == "open"
    assert (renewal["cec"]["approved"], renewal["cec"]["approved_in_network"]) == (10.0, 8.0)
    assert renewal["cec"]["outstanding"] == 0.0 and renewal["cec"]["in_review"] == 0.0

    # The fee arrives by check, recorded by staff.
    paid = client.request("POST", f"/admin/invoices/{renewal['invoice_id']}/payments", token=staff,
                          json={"method": "check", "reference": "chk 1", "amount_cents": renewal["amount_due_cents"],
                                "received_on": TODAY})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"

    renewed = client.request("GET", f"/me/renewals/{YEAR}", token=member).json()
    assert renewed["status"] == "renewed" and renewed["cec_complete"] is True and renewed["paid"] is True
    assert renewed["amount_due_cents"] == 0
    me = client.request("GET", "/me", token=member).json()
    (cam,) = [c for c in me["credentials"] if c["code"] == "CAM"]
    assert cam["renewed_through"] == YEAR

    # The member was told of both decisions.
    mail = poll(lambda: [m for m in client.request("GET", "/_local/outbox").json()["items"] if EMAIL in m["to"]],
                lambda found: {"Your CEC Reporting Form was signed", "Your CEC submission was approved"}
                <= {m["subject"] for m in found}, what="the decision e-mails")
    (approval_mail,) = [m for m in mail if m["subject"] == "Your CEC submission was approved"]
    assert submission_id in approval_mail["text"]

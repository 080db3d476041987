"""Staff and member tools over HTTP against the local stack: waivers and members'
requests, certificates with public verification, the CEC transcript, the
renewals report (JSON and CSV), the summary and the audit trail; and who may
call each of these routes."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
import requests
from pypdf import PdfReader

from .stack import season_rule_set

pytestmark = pytest.mark.xdist_group("e2e")

YEAR = 2035  # a year no other e2e test uses: the session's stack is shared
RULE_SET = season_rule_set(YEAR, CAM=(8, 5, 17500))
MIL, NEW, OPEN, REQ = "E2E-ST-MIL", "E2E-ST-NEW", "E2E-ST-OPEN", "E2E-ST-REQ"
MEMBERS = {
    MIL: ("Mia", "Lopez", "2019-05-04"),     # military deployment: waived
    NEW: ("Noah", "Reyes", "2034-03-01"),    # first year (no CECs), pays: renewed
    OPEN: ("Olga", "Petrov", "2019-05-04"),  # attends a class, owes the rest: open
    REQ: ("Raj", "Iyer", "2019-05-04"),      # asks for emeritus status: open, CECs waived
}
VERIFICATION_KEYS = {"certificate_number", "valid", "name", "credential", "renewed_through"}


@pytest.fixture
def clock(client):
    yield lambda day: client.request("PUT", "/_local/clock", json={"today": day})
    client.request("DELETE", "/_local/clock")


def wait_for_run(client, staff, run_id, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.request("GET", f"/admin/invoice-runs/{run_id}", token=staff).json()
        if run["status"] != "running":
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still running: {run}")


def pdf_text(response):
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def csv_rows(response):
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


def renewals_csv(client, staff, status):
    response = client.request("GET", "/admin/renewals", token=staff, params={"renewal_year": YEAR, "status": status},
                              headers={"Accept": "text/csv"})
    rows = csv_rows(response)
    assert rows[0] == ["member_id", "name", "affiliate", "status", "paid", "cec_complete", "amount_due_cents"]
    assert rows.count(rows[0]) == 1
    assert all(row[3] == status for row in rows[1:])
    return {row[0]: row for row in rows[1:]}


def outbox_to(client, member_id):
    return [m for m in client.request("GET", "/_local/outbox").json()["items"]
            if m["to"] == f"{member_id.lower()}@example.org"]


def test_staff_tools_over_http(client, clock):
    staff = client.staff_token()
    affiliate = client.token("aff-e2e-st", ["affiliate"], affiliate="AASC")
    member = {member_id: client.member_token(member_id) for member_id in MEMBERS}
    clock(f"{YEAR - 1}-10-01")
    assert client.request("PUT", f"/admin/rule-sets/{YEAR}", token=staff, json=RULE_SET).status_code == 200
    for member_id, (first, last, earned_on) in MEMBERS.items():
        body = {"first_name": first, "last_name": last, "affiliate": "AASC",
                "contact": {"email": f"{member_id.lower()}@example.org", "phone": "+17195550100"},
                "credentials": [{"code": "CAM", "earned_on": earned_on}]}
        assert client.request("PUT", f"/admin/members/{member_id}", token=staff, json=body).status_code in (200, 201)
    started = client.request("POST", "/admin/invoice-runs", token=staff, json={"renewal_year": YEAR})
    assert started.status_code == 202
    assert wait_for_run(client, staff, started.json()["run_id"])["status"] == "completed"
    invoice_id = f"INV-{YEAR}-{MIL}"

    # --- a military waiver voids the open invoice; the renewal reads waived
    assert client.request("GET", f"/me/invoices/{invoice_id}", token=member[MIL]).json()["status"] == "open"
    granted = client.request("POST", f"/admin/members/{MIL}/waivers", token=staff,
                             json={"type": "military_deployment", "renewal_year": YEAR, "note": "Deployed"})
    assert granted.status_code == 201, granted.text
    waiver = granted.json()
    assert waiver["type"] == "military_deployment" and waiver["renewal_year"] == YEAR
    voided = client.request("GET", f"/me/invoices/{invoice_id}", token=member[MIL]).json()
    assert voided["status"] == "void" and voided["amount_due_cents"] == 0
    renewal = client.request("GET", f"/me/renewals/{YEAR}", token=member[MIL]).json()
    assert renewal["status"] == "waived" and renewal["cec"]["waived"] is True and renewal["amount_due_cents"] == 0
    again = client.request("POST", f"/admin/members/{MIL}/waivers", token=staff,
                           json={"type": "military_deployment", "renewal_year": YEAR})
    assert again.status_code == 409
    shown = client.request("GET", f"/admin/members/{MIL}", token=staff).json()
    assert shown["waivers"] == [{"waiver_id": waiver["waiver_id"], "type": "military_deployment",
                                 "renewal_year": YEAR}]

    # --- an emeritus waiver granted and revoked (with a note)
    emeritus = client.request("POST", f"/admin/members/{OPEN}/waivers", token=staff,
                              json={"type": "emeritus", "renewal_year": YEAR, "note": "Entered by mistake"}).json()
    assert client.request("GET", f"/me/renewals/{YEAR}", token=member[OPEN]).json()["cec"]["waived"] is True
    revoked = client.request("DELETE", f"/admin/members/{OPEN}/waivers/{emeritus['waiver_id']}", token=staff,
                             json={"note": "Not retired"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] and revoked.json()["revoke_note"] == "Not retired"
    assert client.request("GET", f"/me/renewals/{YEAR}", token=member[OPEN]).json()["cec"]["waived"] is False

    # --- a member's request, approved by staff, with an e-mail
    requested = client.request("POST", "/me/waiver-requests", token=member[REQ],
                               json={"type": "emeritus", "renewal_year": YEAR, "reason": "Retired in June"})
    assert requested.status_code == 201, requested.text
    assert requested.json()["status"] == "pending"
    request_id = requested.json()["request_id"]
    queue = client.request("GET", "/admin/waiver-requests", token=staff, params={"status": "pending"})
    assert queue.status_code == 200 and request_id in [r["request_id"] for r in queue.json()["items"]]
    decided = client.request("POST", f"/admin/waiver-requests/{request_id}/decision", token=staff,
                             json={"decision": "approve", "note": "Welcome to emeritus status"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert client.request("POST", f"/admin/waiver-requests/{request_id}/decision", token=staff,
                          json={"decision": "approve"}).status_code == 409
    view = client.request("GET", f"/me/renewals/{YEAR}", token=member[REQ]).json()
    assert view["cec"]["waived"] is True and view["status"] == "open"
    assert any("approved" in m["subject"] for m in outbox_to(client, REQ))

    # --- a paid first-year renewal: its certificate, and the verification URL printed on it
    paid = client.request("POST", f"/admin/invoices/INV-{YEAR}-{NEW}/payments", token=staff,
                          json={"method": "check", "reference": "chk e2e", "amount_cents": 17500,
                                "received_on": f"{YEAR - 1}-09-30"})
    assert paid.status_code == 200, paid.text
    assert client.request("GET", f"/me/renewals/{YEAR}", token=member[NEW]).json()["status"] == "renewed"
    text = pdf_text(client.request("GET", "/me/certificates/CAM", token=member[NEW]))
    assert "Noah Reyes" in text and "CAM" in text
    assert "Earned on 2034-03-01" in text and f"Renewed through {YEAR}" in text
    number = re.search(r"Certificate number (\S+)", text).group(1)
    url = re.search(r"Verify at (\S+)", text).group(1)
    assert url.startswith(client.url) and url.endswith(f"/verify/{number}")
    verified = requests.get(url, timeout=10)  # public: no token
    assert verified.status_code == 200, verified.text
    assert set(verified.json()) == VERIFICATION_KEYS
    assert verified.json() == {"certificate_number": number, "valid": True, "name": "Noah Reyes",
                               "credential": "CAM", "renewed_through": YEAR}
    assert client.request("GET", "/verify/0000-0000-0000-0000").status_code == 404
    assert client.request("GET", "/me/certificates/CAMT", token=member[NEW]).status_code == 404

    # --- the transcript of a member who attended an affiliate class
    roster = client.request("POST", "/affiliate/classes/E2E-ST-FH/roster", token=affiliate,
                            json={"title": "Fair Housing Update", "held_on": f"{YEAR - 1}-05-12",
                                  "contact_minutes": 240, "break_minutes": 60, "attendees": [OPEN]})
    assert roster.status_code == 200 and roster.json()["credited"] == [OPEN]
    transcript = pdf_text(client.request("GET", "/me/cec-transcript", token=member[OPEN],
                                         params={"renewal_year": YEAR}))
    assert "Olga Petrov" in transcript and "Fair Housing Update (AASC)" in transcript
    assert "Required: 8" in transcript and "Approved (countable): 3" in transcript and "Outstanding: 5" in transcript
    rows = csv_rows(client.request("GET", "/me/cec-transcript", token=member[OPEN], params={"renewal_year": YEAR},
                                   headers={"Accept": "text/csv"}))
    assert rows[0][:2] == ["completed_on", "title"]
    assert [r[:5] for r in rows[1:] if r[3] != "total"] == [
        [f"{YEAR - 1}-05-12", "Fair Housing Update", "AASC", "affiliate_class", "3"]]
    assert {r[1]: r[4] for r in rows if r[3] == "total"}["Outstanding"] == "5"

    # --- reports: one status in CSV lists exactly its members
    assert set(renewals_csv(client, staff, "waived")) == {MIL}
    assert set(renewals_csv(client, staff, "renewed")) == {NEW}
    opened = renewals_csv(client, staff, "open")
    # Other e2e tests' CAM holders are invoiced for this year too: among ours, exactly these two.
    assert {m for m in opened if m.startswith("E2E-ST-")} == {OPEN, REQ}
    assert opened[OPEN] == [OPEN, "Olga Petrov", "AASC", "open", "false", "false", "17500"]
    page = client.request("GET", "/admin/renewals", token=staff, params={"renewal_year": YEAR, "status": "waived"})
    assert page.status_code == 200 and [r["member_id"] for r in page.json()["items"]] == [MIL]
    summary = client.request("GET", "/admin/summary", token=staff, params={"renewal_year": YEAR}).json()
    assert summary["by_status"]["waived"] == 1 and summary["by_status"]["renewed"] == 1
    assert summary["by_status"]["open"] == len(opened)
    assert summary["dues_invoiced_cents"] == summary["dues_collected_cents"] + summary["dues_outstanding_cents"]
    assert summary["dues_collected_cents"] == 17500

    # --- the audit trail
    entries = client.request("GET", f"/admin/members/{MIL}/history", token=staff).json()["items"]
    assert [e["action"] for e in entries] == ["member.create", "waiver.grant"]
    assert all(set(e) == {"at", "actor", "action", "changes"} for e in entries)
    assert entries[1]["actor"] == "naaei:staff-e2e"

    # --- the lapse: an unpaid member's certificate is refused and its number no longer verifies
    open_number = re.search(r"Certificate number (\S+)", pdf_text(
        client.request("GET", "/me/certificates/CAM", token=member[OPEN]))).group(1)
    clock(f"{YEAR}-04-01")
    refused = client.request("GET", "/me/certificates/CAM", token=member[OPEN])
    assert refused.status_code == 409 and refused.json()["error"]["message"]
    assert client.request("GET", f"/verify/{open_number}").json()["valid"] is False
    assert requests.get(url, timeout=10).json()["valid"] is True  # the renewed one still is
    assert set(renewals_csv(client, staff, "lapsed")) >= {OPEN, REQ}
    assert set(renewals_csv(client, staff, "waived")) == {MIL}


def test_who_may_call_the_staff_and_member_tools(client):
    tokens = {
        "naaei": client.staff_token(),
        "member": client.member_token("E2E-ST-NOBODY"),
        "affiliate": client.token("aff-e2e-st", ["affiliate"], affiliate="AASC"),
        "none": None,
    }
    routes = [
        ("naaei", "POST", "/admin/members/E2E-ST-NOBODY/waivers", {"type": "emeritus", "renewal_year": YEAR}),
        ("naaei", "DELETE", "/admin/members/E2E-ST-NOBODY/waivers/W-E2E-ST-NOBODY-2035E", {"note": "x"}),
        ("naaei", "GET", "/admin/waiver-requests?status=pending", None),
        ("naaei", "POST", "/admin/waiver-requests/R-E2E-ST-NOBODY-000000000000/decision", {"decision": "approve"}),
        ("naaei", "GET", f"/admin/renewals?renewal_year={YEAR}", None),
        ("naaei", "GET", f"/admin/summary?renewal_year={YEAR}", None),
        ("naaei", "GET", "/admin/members/E2E-ST-NOBODY/history", None),
        ("member", "GET", "/me/certificates/CAM", None),
        ("member", "GET", f"/me/cec-transcript?renewal_year={YEAR}", None),
        ("member", "POST", "/me/waiver-requests", {"type": "emeritus", "renewal_year": YEAR, "reason": "x"}),
    ]
    for allowed, method, path, body in routes:
        for role, token in tokens.items():
            response = client.request(method, path, token=token, json=body)
            if role == allowed:
                # Past the gate: the route answers (the member and the request do not exist, so 404 is fine).
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            elif token is None:
                assert response.status_code == 401, (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.text)
                assert response.json()["error"]["code"]
        bad = client.request(method, path, token="not-a-jwt", json=body)
        assert bad.status_code == 401, (method, path, bad.text)
    # Verification is public: every caller, with or without a token, gets the same answer.
    for token in tokens.values():
        assert client.request("GET", "/verify/0000-0000-0000-0000", token=token).status_code == 404

"""The renewal record on moto: after every kind of write (payment, refund,
dispute, offline payment, CEC decision, roster credit, waiver grant and
revoke, fee waiver, a member's new affiliate) the report row of each member
equals what their renewal says, and the summary equals the rows; the
affiliate's report; the 413 beyond the synchronous CSV; the backfill."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest

from renewal import clock, keys, reports
from renewal.adapters import store
from tests.integration.conftest import STAFF, TABLE, deadline_run, drain, member_claims
from tests.integration.payloads import ANA, RULE_SET_2027, fresh
from tests.integration.test_payments import SECRET, charge_event, deliver, session_event

AASC = {"sub": "aff-1", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
MEMBERS = ("M-1", "M-2", "M-3", "M-4")


@pytest.fixture
def season(api, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    for n, member_id in enumerate(MEMBERS):
        body = fresh(ANA)
        body.update(last_name=f"Member{n}", affiliate="AASC" if n < 3 else "AANY")
        body["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04"}]
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
    api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    return api


def rows(api, claims=STAFF, path="/admin/renewals", **query):
    found, token = [], None
    while True:
        params = "&".join(f"{k}={v}" for k, v in {"renewal_year": 2027, **query, "limit": 2}.items())
        reply = api.request("GET", path, claims=claims, query=params + (f"&next_token={token}" if token else ""))
        assert reply.status == 200, reply.text
        found += reply.json()["items"]
        token = reply.json()["next_token"]
        if not token:
            return {r["member_id"]: r for r in found}


def consistent(api):
    """Every report row says what the member's renewal says; the summary adds the rows up."""
    report = rows(api)
    for member_id in MEMBERS:
        renewal = api.request("GET", f"/admin/members/{member_id}/renewals/2027", claims=STAFF).json()
        row = report[member_id]
        assert (row["status"], row["paid"], row["cec_complete"], row["amount_due_cents"]) == (
            renewal["status"], renewal["paid"], renewal["cec_complete"], renewal["amount_due_cents"]), member_id
    summary = api.request("GET", "/admin/summary", claims=STAFF, query="renewal_year=2027").json()
    assert summary["members_invoiced"] == len(report)
    for status, count in summary["by_status"].items():
        assert count == sum(r["status"] == status for r in report.values()), status
    assert summary["dues_outstanding_cents"] == sum(r["amount_due_cents"] for r in report.values())
    assert summary["cec_complete"] == sum(r["cec_complete"] for r in report.values())
    return report


def on(day):
    clock.set_today(dt.date.fromisoformat(day))


def form_submitted_and_approved(api, member_id):
    claims = member_claims(member_id)
    activities = [{"type": "conference", "title": "Expo sessions", "provider": "NAA Expo", "completed_on": "2026-06-01",
                   "contact_minutes": 300, "break_minutes": 0},
                  {"type": "online_course", "title": "Law online", "provider": "NAAEI", "completed_on": "2026-07-01",
                   "contact_minutes": 180, "break_minutes": 0}]
    form_id = api.request("POST", "/me/cec-forms", claims=claims, body={"activities": activities}).json()["form_id"]
    assert api.request("POST", f"/affiliate/cec-forms/{form_id}/decision", claims=AASC,
                       body={"decision": "verify"}).status == 200
    submitted = api.request("POST", "/me/cec-submissions", claims=claims,
                            body={"renewal_year": 2027, "form_ids": [form_id]})
    assert submitted.status == 202, submitted.text
    consistent(api)  # in review
    drain("CecSubmissionQueue", "ApprovalQueueFunction")
    decided = api.request("POST", f"/review/cec-submissions/{submitted.json()['submission_id']}/decision",
                          claims=STAFF, body={"decision": "approve"})
    assert decided.status == 200, decided.text


def test_every_write_path_keeps_the_report_row_equal_to_the_renewal(season):
    api = season
    assert {r["status"] for r in consistent(api).values()} == {"open"}
    # Card payment, then a partial refund, then the rest refunded.
    deliver(api, session_event("evt_1", invoice_id="INV-2027-M-1"))
    assert consistent(api)["M-1"]["paid"] is True
    refund = charge_event("evt_r1", payment_intent="pi_1")
    refund["data"]["object"].update(amount_refunded=5000, metadata={"invoice_id": "INV-2027-M-1"})
    deliver(api, refund)
    assert consistent(api)["M-1"]["amount_due_cents"] == 5000
    deliver(api, charge_event("evt_r2", payment_intent="pi_1"))
    assert consistent(api)["M-1"]["paid"] is False
    # An offline payment, then a dispute on a card payment, then a roster credit and a CEC approval.
    assert api.request("POST", "/admin/invoices/INV-2027-M-2/payments", claims=STAFF,
                       body={"method": "check", "reference": "chk 1", "amount_cents": 17500,
                             "received_on": "2026-11-20"}).status == 200
    consistent(api)
    deliver(api, session_event("evt_3", invoice_id="INV-2027-M-3", payment_intent="pi_3", session_id="cs_3"))
    dispute = charge_event("evt_d3", kind="charge.dispute.created", payment_intent="pi_3")
    dispute["data"]["object"]["metadata"] = {"invoice_id": "INV-2027-M-3"}
    deliver(api, dispute)
    assert consistent(api)["M-3"]["paid"] is False
    roster = {"title": "Fair Housing", "held_on": "2026-05-12", "contact_minutes": 180, "break_minutes": 0,
              "attendees": ["M-2"]}
    assert api.request("POST", "/affiliate/classes/FH-1/roster", claims=AASC, body=roster).status == 200
    consistent(api)
    form_submitted_and_approved(api, "M-2")
    assert consistent(api)["M-2"]["status"] == "renewed"
    # Waivers: emeritus (CECs waived), military (the year waived), and revoking it.
    grant = api.request("POST", "/admin/members/M-4/waivers", claims=STAFF,
                        body={"type": "military_deployment", "renewal_year": 2027})
    assert grant.status == 201
    assert consistent(api)["M-4"]["status"] == "waived"
    assert api.request("DELETE", f"/admin/members/M-4/waivers/{grant.json()['waiver_id']}", claims=STAFF,
                       body={"note": "entered by mistake"}).status == 200
    assert consistent(api)["M-4"]["status"] == "open"
    assert api.request("POST", "/admin/members/M-1/waivers", claims=STAFF,
                       body={"type": "emeritus", "renewal_year": 2027}).status == 201
    assert consistent(api)["M-1"]["cec_complete"] is True
    # After grace, before any run: the fee in the rows and the summary; staff waive one; the run changes no fact.
    on("2027-04-02")
    assert consistent(api)["M-4"]["amount_due_cents"] == 17500 + 5000
    assert api.request("POST", "/admin/invoices/INV-2027-M-4/reinstatement-waiver", claims=STAFF,
                       body={"note": "hardship"}).status == 200
    assert consistent(api)["M-4"]["amount_due_cents"] == 17500
    deadline_run(api)
    consistent(api)
    # A member moving to another affiliate moves in the affiliate's report.
    body = fresh(ANA)
    body.update(last_name="Member1", affiliate="AANY", credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
    body["contact"]["email"] = "m-2@example.org"
    assert api.request("PUT", "/admin/members/M-2", claims=STAFF, body=body).status == 200
    assert consistent(api)["M-2"]["affiliate"] == "AANY"


def test_an_affiliate_reads_only_its_own_members_by_status(season):
    api = season
    assert set(rows(api, AASC, "/affiliate/renewals")) == {"M-1", "M-2", "M-3"}
    assert set(rows(api, AASC, "/affiliate/renewals", status="open")) == {"M-1", "M-2", "M-3"}
    assert rows(api, AASC, "/affiliate/renewals", status="renewed") == {}
    assert set(rows(api, affiliate="AANY")) == {"M-4"}  # staff filter by affiliate
    on("2027-02-01")
    assert set(rows(api, AASC, "/affiliate/renewals", status="grace")) == {"M-1", "M-2", "M-3"}
    assert rows(api, AASC, "/affiliate/renewals", status="open") == {}
    assert api.request("GET", "/affiliate/renewals", claims=STAFF, query="renewal_year=2027").status == 403
    assert api.request("GET", "/affiliate/renewals", claims=AASC, query="renewal_year=2031").status == 404
    bad = api.request("GET", "/affiliate/renewals", claims=AASC, query="renewal_year=2027&next_token=bm90IGEgdG9rZW4")
    assert bad.status == 422


def test_beyond_the_synchronous_limit_the_csv_asks_for_an_export(season, monkeypatch):
    api = season
    monkeypatch.setattr(reports, "MAX_CSV_ROWS", 3)
    from local import apigw

    event = apigw.http_event(method="GET", path="/admin/renewals", route_key="GET /admin/renewals",
                             query="renewal_year=2027", headers={"accept": "text/csv"}, claims=STAFF)
    function = api.functions["StaffApiFunction"]
    reply = apigw.load_handler(function)(event, apigw.LambdaContext("staff"))
    assert reply["statusCode"] == 413 and '"export_required"' in reply["body"]
    event = apigw.http_event(method="GET", path="/admin/renewals", route_key="GET /admin/renewals",
                             query="renewal_year=2027&affiliate=AANY", headers={"accept": "text/csv"}, claims=STAFF)
    assert apigw.load_handler(function)(event, apigw.LambdaContext("staff"))["statusCode"] == 200


def test_the_backfill_gives_old_invoices_their_record_once(season):
    from scripts.backfill_renewal_records import backfill

    api = season
    # An invoice as the first design wrote it: its index entry on GSI1, no record, no totals.
    client = boto3.client("dynamodb")
    old = store.get(keys.invoice_key(2027, "M-1"))
    legacy = {k: v for k, v in old.items() if k not in ("record", "GSI4PK", "GSI4SK", "affiliate")}
    legacy.update(GSI1PK=keys.legacy_renewals_partition(2027), GSI1SK="M-1")
    store.put(legacy)
    for shard in range(keys.RENEWAL_TOTAL_SHARDS):
        store.delete(keys.renewal_totals_key(2027, shard))
    client.delete_item(TableName=TABLE, Key=store.to_item(keys.invoice_key(2027, "M-9")))  # nothing there: harmless
    assert "M-1" not in rows(api)
    assert backfill([2027]) == {2027: 1}
    assert rows(api)["M-1"]["status"] == "open" and rows(api)["M-1"]["affiliate"] == "AASC"
    assert backfill() == {2027: 0}  # again: nothing to do
    assert store.get(keys.invoice_key(2027, "M-1")).get("GSI1PK") is None
    summary = api.request("GET", "/admin/summary", claims=STAFF, query="renewal_year=2027").json()
    assert summary["members_invoiced"] == 1  # the totals of the others were wiped above, M-1's came back


def test_an_export_writes_every_row_to_s3_with_formulas_neutralised(season):
    from tests.integration.conftest import EXPORTS_BUCKET

    api = season
    body = fresh(ANA)
    body.update(first_name="=HYPERLINK(\"http://evil\")", credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
    body["contact"]["email"] = "m-1@example.org"
    assert api.request("PUT", "/admin/members/M-1", claims=STAFF, body=body).status == 200
    started = api.request("POST", "/admin/exports", claims=STAFF, body={"report": "renewals", "renewal_year": 2027})
    assert started.status == 202 and started.json()["status"] == "running"
    export_id = started.json()["export_id"]
    assert api.request("GET", f"/admin/exports/{export_id}", claims=STAFF).json()["download_url"] is None
    drain("ExportJobQueue", "ExportsFunction")
    done = api.request("GET", f"/admin/exports/{export_id}", claims=STAFF).json()
    assert done["status"] == "completed" and done["rows"] == 4
    assert "Signature=" in done["download_url"] and done["expires_at"]  # presigned, for 15 minutes
    key = store.get(keys.export_key(export_id))["object_key"]
    text = boto3.client("s3").get_object(Bucket=EXPORTS_BUCKET, Key=key)["Body"].read().decode()
    lines = text.splitlines()
    assert lines[0] == ",".join(reports.COLUMNS) and len(lines) == 5
    assert any(line.startswith("M-1,\"'=HYPERLINK(") for line in lines)
    # Filtered by status and affiliate; refused without a rule set; for staff only.
    only = api.request("POST", "/admin/exports", claims=STAFF,
                       body={"report": "renewals", "renewal_year": 2027, "status": "open", "affiliate": "AANY"})
    drain("ExportJobQueue", "ExportsFunction")
    assert api.request("GET", f"/admin/exports/{only.json()['export_id']}", claims=STAFF).json()["rows"] == 1
    assert api.request("POST", "/admin/exports", claims=STAFF, body={"renewal_year": 2031}).status == 422
    assert api.request("POST", "/admin/exports", claims=AASC, body={"renewal_year": 2027}).status == 403
    assert api.request("GET", "/admin/exports/nope", claims=STAFF).status == 404
    # The synchronous CSV neutralises the same cell.
    from local import apigw

    event = apigw.http_event(method="GET", path="/admin/renewals", route_key="GET /admin/renewals",
                             query="renewal_year=2027", headers={"accept": "text/csv"}, claims=STAFF)
    csv_text = apigw.load_handler(api.functions["StaffApiFunction"])(event, apigw.LambdaContext("staff"))["body"]
    assert "\"'=HYPERLINK(" in csv_text

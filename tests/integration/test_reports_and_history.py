"""Staff reports on moto through the HTTP handlers: the renewals of a year by
status (JSON pages and CSV), the year's summary, and a member's audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from local import apigw
from renewal import clock
from tests.integration.conftest import STAFF, drain, member_claims, deadline_run
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

AFFILIATE = {"sub": "a", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
COLUMNS = ["member_id", "name", "affiliate", "status", "paid", "cec_complete", "amount_due_cents"]
FEE = 17500


# ------------------------------------------------------------------ helpers


def call(api, method, path, *, claims=None, headers=None, query="", body=None):
    match = api.router.match(method, path)
    assert match, f"no route for {method} {path}"
    event = apigw.http_event(method=method, path=path, route_key=match.route_key,
                             path_parameters=match.path_parameters, query=query,
                             headers={"content-type": "application/json", **(headers or {})},
                             body=json.dumps(body) if body is not None else None, claims=claims)
    function = api.functions[match.function]
    return apigw.load_handler(function)(event, apigw.LambdaContext(function.logical_id))


def put_member(api, member_id, first_name, last_name, *credentials):
    body = fresh(ANA)
    body.update(first_name=first_name, last_name=last_name)
    body["credentials"] = [{"code": code, "earned_on": earned_on} for code, earned_on in credentials]
    body["contact"]["email"] = f"{member_id.lower()}@example.org"
    reply = api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
    assert reply.status == 201, reply.text


def invoice_run(api, year=2027):
    assert api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": year}).status == 202
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")


def pay(api, member_id, amount=FEE, year=2027):
    reply = api.request("POST", f"/admin/invoices/INV-{year}-{member_id}/payments", claims=STAFF,
                        body={"method": "check", "reference": f"chk {member_id}", "amount_cents": amount,
                              "received_on": "2026-11-20"})
    assert reply.status == 200, reply.text


def roster(api, class_id, minutes, attendees, held_on="2026-06-15"):
    reply = api.request("POST", f"/affiliate/classes/{class_id}/roster", claims=AFFILIATE,
                        body={"title": f"Class {class_id}", "held_on": held_on, "contact_minutes": minutes,
                              "break_minutes": 0, "attendees": list(attendees)})
    assert reply.status == 200, reply.text
    return reply.json()


def on(day):
    clock.set_today(dt.date.fromisoformat(day))


def report_pages(api, status=None, limit=None, year=2027):
    """Every JSON page: (rows, number of pages)."""
    rows, token, pages = [], None, 0
    while True:
        query = f"renewal_year={year}" + (f"&status={status}" if status else "") + \
            (f"&limit={limit}" if limit else "") + (f"&next_token={token}" if token else "")
        reply = api.request("GET", "/admin/renewals", claims=STAFF, query=query)
        assert reply.status == 200, reply.text
        page = reply.json()
        assert set(page) == {"items", "next_token"}
        if limit:
            assert len(page["items"]) <= limit
        rows += page["items"]
        pages += 1
        token = page["next_token"]
        if not token:
            return rows, pages


def report_csv(api, status=None, year=2027, claims=STAFF):
    query = f"renewal_year={year}" + (f"&status={status}" if status else "")
    response = call(api, "GET", "/admin/renewals", claims=claims, query=query, headers={"accept": "text/csv"})
    assert response["statusCode"] == 200, response.get("body")
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["content-type"].startswith("text/csv")
    assert f"renewals-{year}" in headers["content-disposition"]
    text = response["body"]
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS) and lines.count(lines[0]) == 1  # one header line
    return list(csv.DictReader(io.StringIO(text)))


def summary(api, year=2027):
    reply = api.request("GET", "/admin/summary", claims=STAFF, query=f"renewal_year={year}")
    assert reply.status == 200, reply.text
    return reply.json()


def error(reply, status):
    assert reply.status == status, reply.text
    body = reply.json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


# ------------------------------------------------------------------ a season with every status


@pytest.fixture
def season(api):
    """2027 invoiced on 28 Nov 2026, every member a CAM holder ($175, 8 CECs) but M-CAMT:

    unpaid, owing CECs ......... M-OPEN-1, M-OPEN-2
    paid, CECs still missing ... M-PAID
    first year (no CECs) ....... M-NEW-1, M-NEW-2 paid; M-NEW-3 unpaid
    paid with 8 roster CECs .... M-FULL
    military waiver ............ M-MIL
    CAMT only (never invoiced) . M-CAMT
    """
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    for member_id in ("M-OPEN-1", "M-OPEN-2", "M-PAID", "M-FULL", "M-MIL"):
        put_member(api, member_id, "Pat", member_id, ("CAM", "2019-05-04"))
    for member_id in ("M-NEW-1", "M-NEW-2", "M-NEW-3"):
        put_member(api, member_id, "Nia", member_id, ("CAM", "2026-03-15"))
    put_member(api, "M-CAMT", "Cy", "Park", ("CAMT", "2010-06-30"))
    invoice_run(api)
    for member_id in ("M-PAID", "M-NEW-1", "M-NEW-2", "M-FULL"):
        pay(api, member_id)
    assert roster(api, "FULL-DAY", 480, ["M-FULL"])["credited"] == ["M-FULL"]
    assert api.request("POST", "/admin/members/M-MIL/waivers", claims=STAFF,
                       body={"type": "military_deployment", "renewal_year": 2027}).status == 201
    return api


OPEN = {"M-OPEN-1", "M-OPEN-2", "M-PAID", "M-NEW-3"}
RENEWED = {"M-NEW-1", "M-NEW-2", "M-FULL"}
WAIVED = {"M-MIL"}


def ids(rows):
    return {r["member_id"] for r in rows}


def test_each_status_lists_exactly_its_members_in_json_and_csv(season):
    api = season
    for status, expected in (("open", OPEN), ("renewed", RENEWED), ("waived", WAIVED), ("grace", set()),
                             ("lapsed", set()), ("not_required", set())):
        rows, pages = report_pages(api, status, limit=3)
        assert ids(rows) == expected and len(rows) == len(expected), status
        assert {r["status"] for r in rows} <= {status}
        # A page holds only rows of the status (the index has a key range for each): no empty pages.
        assert pages <= len(expected) // 3 + 2
        csv_rows = report_csv(api, status)
        assert ids(csv_rows) == expected and len(csv_rows) == len(expected), status
        assert {r["status"] for r in csv_rows} <= {status}

    everyone, _ = report_pages(api)
    assert ids(everyone) == OPEN | RENEWED | WAIVED  # the CAMT-only member was never invoiced
    assert len(report_csv(api)) == 8


def test_an_affiliate_downloads_its_own_members_renewals_as_csv(season):
    api = season
    body = fresh(ANA)
    body.update(first_name="Ola", last_name="Other", affiliate="NYAA",
                credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
    body["contact"]["email"] = "ola@example.org"
    assert api.request("PUT", "/admin/members/M-NYAA", claims=STAFF, body=body).status == 201
    invoice_run(api)  # invoices the member added since
    assert "M-NYAA" in ids(report_csv(api, "open"))  # staff see every office's members
    for status, expected in (("open", OPEN), (None, OPEN | RENEWED | WAIVED)):
        query = "renewal_year=2027" + (f"&status={status}" if status else "")
        response = call(api, "GET", "/affiliate/renewals", claims=AFFILIATE, query=query, headers={"accept": "text/csv"})
        assert response["statusCode"] == 200, response.get("body")
        headers = {k.lower(): v for k, v in response["headers"].items()}
        assert headers["content-type"].startswith("text/csv")
        assert f"renewals-2027{'-' + status if status else ''}.csv" in headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response["body"])))
        assert list(rows[0]) == COLUMNS
        assert ids(rows) == expected and {r["affiliate"] for r in rows} == {"AASC"}, status
    # Staff have their own report; the office's CSV is the office's.
    refused = call(api, "GET", "/affiliate/renewals", claims=STAFF, query="renewal_year=2027", headers={"accept": "text/csv"})
    assert refused["statusCode"] == 403


def test_rows_show_payment_cec_completion_and_amount_due(season):
    api = season
    rows = {r["member_id"]: r for r in report_pages(api)[0]}
    assert all(set(r) == set(COLUMNS) for r in rows.values())
    assert rows["M-OPEN-1"] == {"member_id": "M-OPEN-1", "name": "Pat M-OPEN-1", "affiliate": "AASC",
                                "status": "open", "paid": False, "cec_complete": False, "amount_due_cents": FEE}
    assert (rows["M-PAID"]["paid"], rows["M-PAID"]["cec_complete"], rows["M-PAID"]["amount_due_cents"]) == (True, False, 0)
    assert (rows["M-NEW-3"]["paid"], rows["M-NEW-3"]["cec_complete"]) == (False, True)
    assert (rows["M-FULL"]["status"], rows["M-FULL"]["paid"], rows["M-FULL"]["cec_complete"]) == ("renewed", True, True)
    assert (rows["M-MIL"]["paid"], rows["M-MIL"]["cec_complete"], rows["M-MIL"]["amount_due_cents"]) == (False, True, 0)
    by_csv = {r["member_id"]: r for r in report_csv(api)}
    assert by_csv["M-OPEN-1"] == {"member_id": "M-OPEN-1", "name": "Pat M-OPEN-1", "affiliate": "AASC",
                                  "status": "open", "paid": "false", "cec_complete": "false",
                                  "amount_due_cents": "17500"}
    assert by_csv["M-FULL"]["paid"] == "true" and by_csv["M-FULL"]["status"] == "renewed"


def test_the_report_follows_the_clock_through_grace_and_lapse(season):
    api = season
    on("2027-02-01")
    assert ids(report_csv(api, "grace")) == OPEN and report_csv(api, "open") == []
    on("2027-04-01")
    deadline_run(api)
    lapsed = report_csv(api, "lapsed")
    assert ids(lapsed) == OPEN and report_csv(api, "grace") == []
    assert {r["member_id"]: r["amount_due_cents"] for r in lapsed} == {
        "M-OPEN-1": "22500", "M-OPEN-2": "22500", "M-NEW-3": "22500", "M-PAID": "0"}
    assert ids(report_pages(api, "lapsed", limit=2)[0]) == OPEN
    assert ids(report_csv(api, "renewed")) == RENEWED and ids(report_csv(api, "waived")) == WAIVED


def test_the_summary_counts_by_status_and_its_dues_add_up(season):
    api = season
    totals = summary(api)
    assert totals["renewal_year"] == 2027 and totals["members_invoiced"] == 8
    assert totals["by_status"] == {"open": 4, "grace": 0, "lapsed": 0, "renewed": 3, "waived": 1, "not_required": 0}
    assert totals["dues_invoiced_cents"] == 7 * FEE  # the voided invoice is not dues
    assert totals["dues_collected_cents"] == 4 * FEE
    assert totals["dues_outstanding_cents"] == 3 * FEE
    assert totals["dues_invoiced_cents"] == totals["dues_collected_cents"] + totals["dues_outstanding_cents"]
    assert totals["cec_complete"] == 5 and totals["cec_completion_rate"] == pytest.approx(5 / 8)

    on("2027-04-01")
    deadline_run(api)
    lapsed = summary(api)
    assert lapsed["by_status"] == {"open": 0, "grace": 0, "lapsed": 4, "renewed": 3, "waived": 1, "not_required": 0}
    assert lapsed["dues_invoiced_cents"] == 7 * FEE + 3 * 5000  # reinstatement fees on the three unpaid
    assert lapsed["dues_outstanding_cents"] == 3 * (FEE + 5000)
    assert lapsed["dues_invoiced_cents"] == lapsed["dues_collected_cents"] + lapsed["dues_outstanding_cents"]
    # The summary and the report agree.
    rows = report_pages(api)[0]
    assert sum(r["amount_due_cents"] for r in rows) == lapsed["dues_outstanding_cents"]
    for status, count in lapsed["by_status"].items():
        assert sum(1 for r in rows if r["status"] == status) == count


def test_more_members_than_a_page_the_json_pages_and_one_csv_of_every_row(api):
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    members = [f"M-{n:03d}" for n in range(53)]
    for member_id in members:
        put_member(api, member_id, "Bulk", member_id, ("CAM", "2019-05-04"))
    invoice_run(api)
    for member_id in members[:2]:
        assert api.request("POST", f"/admin/members/{member_id}/waivers", claims=STAFF,
                           body={"type": "military_deployment", "renewal_year": 2027}).status == 201

    first = api.request("GET", "/admin/renewals", claims=STAFF, query="renewal_year=2027").json()
    assert len(first["items"]) == 50 and first["next_token"]  # the default page is 50
    second = api.request("GET", "/admin/renewals", claims=STAFF,
                         query=f"renewal_year=2027&next_token={first['next_token']}").json()
    assert len(second["items"]) == 3 and second["next_token"] is None
    assert ids(first["items"]) | ids(second["items"]) == set(members)
    assert not ids(first["items"]) & ids(second["items"])

    every = report_csv(api)
    assert len(every) == 53 and ids(every) == set(members)  # every page, one header line
    assert {r["member_id"] for r in every if r["status"] == "waived"} == set(members[:2])
    open_rows = report_csv(api, "open")
    assert ids(open_rows) == set(members[2:]) and len(open_rows) == 51  # more than one page of them


def test_report_parameters_are_checked(season):
    api = season
    for query in ("renewal_year=2027&status=bogus", "status=open", "renewal_year=1999",
                  "renewal_year=2027&limit=0", "renewal_year=2027&limit=201", "renewal_year=2027&next_token=garbage"):
        error(api.request("GET", "/admin/renewals", claims=STAFF, query=query), 422)
    error(api.request("GET", "/admin/renewals", claims=STAFF, query="renewal_year=2031"), 404)
    error(api.request("GET", "/admin/summary", claims=STAFF, query="renewal_year=2031"), 404)
    error(api.request("GET", "/admin/summary", claims=STAFF), 422)


def test_reports_and_history_are_for_institute_staff(season):
    api = season
    for claims, status in ((member_claims("M-OPEN-1"), 403), (AFFILIATE, 403), (None, 401)):
        for path, query in (("/admin/renewals", "renewal_year=2027"), ("/admin/summary", "renewal_year=2027"),
                            ("/admin/members/M-OPEN-1/history", "")):
            assert api.request("GET", path, claims=claims, query=query).status == status, (path, claims)
        csv_reply = call(api, "GET", "/admin/renewals", claims=claims, query="renewal_year=2027",
                         headers={"accept": "text/csv"})
        assert csv_reply["statusCode"] == status and "M-OPEN-1" not in csv_reply["body"]


# ------------------------------------------------------------------ audit trail


def history(api, member_id, limit=None):
    items, token = [], None
    while True:
        query = (f"limit={limit}" if limit else "") + (f"&next_token={token}" if token else "")
        reply = api.request("GET", f"/admin/members/{member_id}/history", claims=STAFF, query=query.lstrip("&"))
        assert reply.status == 200, reply.text
        page = reply.json()
        items += page["items"]
        token = page["next_token"]
        if not token:
            return items


def test_the_history_shows_who_did_what_and_when(api):
    staff, member = "naaei:staff-1", "member:user-M-1"
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    put_member(api, "M-1", "Ana", "Diaz", ("CAM", "2019-05-04"))
    renamed = fresh(ANA)
    renamed["last_name"] = "Diaz-Ruiz"
    renamed["contact"]["email"] = "m-1@example.org"
    renamed["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04"}]
    assert api.request("PUT", "/admin/members/M-1", claims=STAFF, body=renamed).status == 200
    assert api.request("PATCH", "/me/contact", claims=member_claims("M-1"),
                       body={"phone": "+17195550199"}).status == 200
    invoice_run(api)
    waiver = api.request("POST", "/admin/members/M-1/waivers", claims=STAFF,
                         body={"type": "military_deployment", "renewal_year": 2027, "note": "Deployed"}).json()
    assert api.request("DELETE", f"/admin/members/M-1/waivers/{waiver['waiver_id']}", claims=STAFF,
                       body={"note": "Orders cancelled"}).status == 200
    pay(api, "M-1")
    # A CEC form signed by the affiliate, submitted, and approved by a reviewer.
    form = api.request("POST", "/me/cec-forms", claims=member_claims("M-1"), body={"activities": [
        {"type": "conference", "title": "Expo sessions", "provider": "NAA Expo", "completed_on": "2026-06-01",
         "contact_minutes": 300, "break_minutes": 0},
        {"type": "online_course", "title": "Leasing law", "provider": "NAAEI", "completed_on": "2026-07-01",
         "contact_minutes": 180, "break_minutes": 0}]}).json()
    assert api.request("POST", f"/affiliate/cec-forms/{form['form_id']}/decision", claims=AFFILIATE,
                       body={"decision": "verify"}).status == 200
    submitted = api.request("POST", "/me/cec-submissions", claims=member_claims("M-1"),
                            body={"renewal_year": 2027, "form_ids": [form["form_id"]]})
    assert submitted.status == 202, submitted.text
    drain("CecSubmissionQueue", "ApprovalQueueFunction")
    decided = api.request("POST", f"/review/cec-submissions/{submitted.json()['submission_id']}/decision",
                          claims=STAFF, body={"decision": "approve", "rejected_activity_ids": []})
    assert decided.status == 200, decided.text
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()["status"] == "renewed"

    entries = history(api, "M-1", limit=3)  # several pages
    assert all(set(e) == {"at", "actor", "action", "changes"} for e in entries)
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("member.create", staff),
        ("member.update", staff),
        ("contact.update", member),
        ("waiver.grant", staff),
        ("waiver.revoke", staff),
        ("payment.offline", staff),
        ("cec_form.verified", "affiliate:a"),
        ("cec_submission.decide", staff),
    ]
    stamps = [dt.datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in entries]
    assert stamps == sorted(stamps) and all(s.tzinfo is not None for s in stamps)
    assert abs(dt.datetime.now(dt.UTC) - stamps[-1]) < dt.timedelta(minutes=5)  # real time, not the domain clock

    create, update, contact, grant, revoke, payment, signed, review = (e["changes"] for e in entries)
    assert create["last_name"] == {"from": None, "to": "Diaz"} and create["first_name"]["to"] == "Ana"
    assert update == {"last_name": {"from": "Diaz", "to": "Diaz-Ruiz"}}
    assert contact == {"contact.phone": {"from": "+17195550100", "to": "+17195550199"}}
    assert grant["waiver"]["to"] == {"waiver_id": waiver["waiver_id"], "type": "military_deployment",
                                     "renewal_year": 2027}
    assert grant["note"]["to"] == "Deployed"
    assert revoke["waiver_id"] == {"from": waiver["waiver_id"], "to": None}
    assert revoke["note"]["to"] == "Orders cancelled"
    assert payment["invoice_id"]["to"] == "INV-2027-M-1" and payment["amount_cents"]["to"] == FEE
    assert payment["method"]["to"] == "check" and payment["reference"]["to"] == "chk M-1"
    assert signed["form_id"]["to"] == form["form_id"] and signed["status"]["to"] == "verified"
    assert review["status"] == {"from": "in_review", "to": "approved"}


def test_the_history_of_one_member_holds_nothing_of_another(api):
    put_member(api, "M-1", "Ana", "Diaz", ("CAM", "2019-05-04"))
    put_member(api, "M-2", "Ben", "Ortiz", ("CAM", "2019-05-04"))
    api.request("PATCH", "/me/contact", claims=member_claims("M-2"), body={"phone": "+17195550111"})
    assert [e["action"] for e in history(api, "M-1")] == ["member.create"]
    assert [e["action"] for e in history(api, "M-2")] == ["member.create", "contact.update"]
    error(api.request("GET", "/admin/members/M-404/history", claims=STAFF), 404)


def test_a_renewed_year_waived_afterwards_is_reported_waived_like_the_renewal_reads(season):
    api = season
    deadline_run(api)  # the daily run marks renewals
    assert api.request("POST", "/admin/members/M-NEW-1/waivers", claims=STAFF,
                       body={"type": "military_deployment", "renewal_year": 2027}).status == 201
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-NEW-1")).json()["status"] == "waived"
    assert ids(report_csv(api, "waived")) == WAIVED | {"M-NEW-1"}
    assert summary(api)["by_status"]["waived"] == 2


def test_a_waiver_granted_before_the_years_invoice_run_still_shows_in_that_years_report(api):
    put_member(api, "M-1", "Ana", "Diaz", ("CAM", "2019-05-04"))
    put_member(api, "M-2", "Ben", "Ortiz", ("CAM", "2019-05-04"))
    # A waiver is for a year that exists (it has a rule set), even before the year is invoiced.
    assert api.request("POST", "/admin/members/M-1/waivers", claims=STAFF,
                       body={"type": "military_deployment", "renewal_year": 2027}).status == 422
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    assert api.request("POST", "/admin/members/M-1/waivers", claims=STAFF,
                       body={"type": "military_deployment", "renewal_year": 2027}).status == 201
    invoice_run(api)
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()["status"] == "waived"
    assert ids(report_csv(api, "open")) == {"M-2"}
    assert ids(report_csv(api, "waived")) == {"M-1"}

"""Invoices as members read them, and the deadline run around the exact dates."""

import datetime as dt

import pytest

from renewal import clock
from tests.integration.conftest import STAFF, deadline_run, drain, member_claims, sent_emails
from tests.integration.payloads import ANA, RULE_SET_2027, fresh


@pytest.fixture
def invoiced(api):
    """Two members invoiced for 2027 (rule set: due 1 January, grace ends 31 March)."""
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    for member_id in ("M-1", "M-2"):
        body = fresh(ANA)
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        body["credentials"] = [{"code": "CAM", "earned_on": "2019-05-04"}]
        api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
    api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    return api


def on(day):
    clock.set_today(dt.date.fromisoformat(day))


def renewal(api, member_id="M-1"):
    return api.request("GET", f"/me/renewals/2027", claims=member_claims(member_id)).json()


def invoice(api, member_id="M-1"):
    return api.request("GET", f"/me/invoices/INV-2027-{member_id}", claims=member_claims(member_id)).json()


def test_members_read_only_their_own_invoices(invoiced):
    api = invoiced
    mine = api.request("GET", "/me/invoices", claims=member_claims("M-1")).json()
    assert [i["invoice_id"] for i in mine["items"]] == ["INV-2027-M-1"] and mine["next_token"] is None
    assert api.request("GET", "/me/invoices/INV-2027-M-1", claims=member_claims("M-1")).status == 200
    # Another member's invoice, a malformed id and an unknown one all read as unknown.
    for invoice_id in ("INV-2027-M-2", "INV-2031-M-1", "garbage"):
        reply = api.request("GET", f"/me/invoices/{invoice_id}", claims=member_claims("M-1"))
        assert reply.status == 404 and reply.json()["error"]["code"] == "not_found"


def test_status_follows_the_calendar_to_the_day(invoiced):
    api = invoiced
    for day, expected, credential in [
        ("2026-12-31", "open", "active"),
        ("2027-01-01", "open", "active"),
        ("2027-01-02", "grace", "grace"),
        ("2027-03-31", "grace", "grace"),
        ("2027-04-01", "lapsed", "lapsed"),
    ]:
        on(day)
        assert renewal(api)["status"] == expected, day
        me = api.request("GET", "/me", claims=member_claims("M-1")).json()
        assert me["credentials"][0]["status"] == credential, day


def test_staff_see_the_same_renewal(invoiced):
    api = invoiced
    staff_view = api.request("GET", "/admin/members/M-1/renewals/2027", claims=STAFF).json()
    assert staff_view == renewal(api)
    assert staff_view["cec"]["required"] == 8 and staff_view["amount_due_cents"] == 17500
    assert api.request("GET", "/admin/members/M-1/renewals/2027", claims=member_claims("M-1")).status == 403
    assert api.request("GET", "/admin/members/M-1/renewals/2031", claims=STAFF).status == 404


def test_before_the_run_a_member_reads_open_without_invoice(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    api.request("PUT", "/admin/members/M-1", claims=STAFF, body=fresh(ANA))
    view = renewal(api)
    assert view["status"] == "open" and view["invoice_id"] is None
    assert view["credentials"] == ["CAM", "CALP"] and view["cec"]["required"] == 8
    assert view["cec"]["window"] == {"start": "2026-01-01", "end": "2026-12-31"}
    # The year's dates, so the member's dashboard can say when payment is due and when grace ends.
    assert (view["due_date"], view["grace_ends"]) == ("2027-01-01", "2027-03-31")


def test_on_1_april_the_renewal_lapses_and_owes_one_reinstatement_fee(invoiced):
    api = invoiced
    on("2027-03-31")
    assert deadline_run(api)["reinstatement_fees_added"] == 0
    assert [l["code"] for l in invoice(api)["lines"]] == ["CAM"]
    on("2027-04-01")
    report = deadline_run(api)
    assert (report["as_of"], report["renewals_seen"], report["lapsed"], report["reinstatement_fees_added"]) == (
        "2027-04-01", 2, 2, 2)
    lapsed = invoice(api)
    assert [l["code"] for l in lapsed["lines"]] == ["CAM", "REINSTATEMENT"]
    assert lapsed["total_cents"] == lapsed["amount_due_cents"] == 17500 + 5000
    assert renewal(api)["status"] == "lapsed"
    # However often the run repeats, the fee is added once.
    for day in ("2027-04-01", "2027-04-02", "2027-06-30"):
        on(day)
        assert deadline_run(api)["reinstatement_fees_added"] == 0
    assert invoice(api)["total_cents"] == 22500


def test_each_reminder_is_sent_once_per_member_and_year(invoiced):
    api = invoiced
    issued = [e for e in sent_emails() if "invoice" in e["subject"]]
    assert len(issued) == 2  # one per member, from the invoice run
    on("2026-12-01")  # 31 days before the due date: nothing new
    assert deadline_run(api)["reminders_sent"] == 0
    on("2026-12-02")  # 30 days before: the due-soon reminder
    assert deadline_run(api)["reminders_sent"] == 2
    assert deadline_run(api)["reminders_sent"] == 0
    on("2027-01-02")
    assert deadline_run(api)["reminders_sent"] == 2
    on("2027-04-01")
    assert deadline_run(api)["reminders_sent"] == 2
    assert deadline_run(api)["reminders_sent"] == 0
    subjects = sorted(e["subject"] for e in sent_emails() if e["to"] == ["m-1@example.org"])
    assert subjects == sorted([
        "Your 2027 credential renewal invoice",
        "Your 2027 credential renewal is due 2027-01-01",
        "Your 2027 credential renewal is past due",
        "Your 2027 credentials have lapsed",
    ])


def test_behind_on_an_earlier_year_keeps_that_invoice_open(invoiced):
    api = invoiced
    rule_set_2028 = fresh(RULE_SET_2027)
    rule_set_2028.update(renewal_year=2028, due_date="2028-01-01", grace_ends="2028-03-31",
                         earning_window={"start": "2027-01-01", "end": "2027-12-31"})
    on("2027-10-01")
    assert api.request("PUT", "/admin/rule-sets/2028", claims=STAFF, body=rule_set_2028).status == 200
    api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2028})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    deadline_run(api)
    invoices = api.request("GET", "/me/invoices", claims=member_claims("M-1")).json()["items"]
    assert [(i["renewal_year"], i["status"]) for i in invoices] == [(2028, "open"), (2027, "open")]
    assert [l["code"] for l in invoices[1]["lines"]] == ["CAM", "REINSTATEMENT"]
    assert renewal(api)["status"] == "lapsed"


def test_deadline_runs_are_for_staff(invoiced):
    assert invoiced.request("POST", "/admin/deadline-runs", claims=member_claims("M-1")).status == 403


def test_the_daily_schedule_runs_the_same_code(invoiced):
    import json

    from local import apigw, template

    on("2027-04-01")
    function = template.functions()["RenewalDeadlinesFunction"]
    (schedule,) = function.schedules
    started = apigw.load_handler(function)(json.loads(schedule["input"]), apigw.LambdaContext("daily"))
    assert started["status"] == "running" and started["as_of"] == "2027-04-01"
    drain("DeadlineJobQueue", "RenewalDeadlinesFunction")
    run = invoiced.request("GET", f"/admin/deadline-runs/{started['run_id']}", claims=STAFF).json()
    assert run["status"] == "completed" and run["reinstatement_fees_added"] == 2
    assert invoice(invoiced)["total_cents"] == 22500


def test_the_day_turns_at_midnight_in_the_institutes_zone(invoiced, monkeypatch):
    api = invoiced
    monkeypatch.setenv("INSTITUTE_TIME_ZONE", "America/New_York")
    clock.set_today(None)
    try:
        # 11:30 pm on 1 January in New York is already 2 January in UTC: still open, still active.
        clock.set_now(dt.datetime(2027, 1, 2, 4, 30, tzinfo=dt.UTC))
        assert renewal(api)["status"] == "open"
        assert api.request("GET", "/me", claims=member_claims("M-1")).json()["credentials"][0]["status"] == "active"
        clock.set_now(dt.datetime(2027, 1, 2, 5, 30, tzinfo=dt.UTC))  # 12:30 am on 2 January in New York
        assert renewal(api)["status"] == "grace"
        # The fee: owed from 12:00 am on 1 April in New York, not from 8 pm on 31 March (midnight UTC).
        clock.set_now(dt.datetime(2027, 4, 1, 3, 30, tzinfo=dt.UTC))
        assert renewal(api)["amount_due_cents"] == 17500
        clock.set_now(dt.datetime(2027, 4, 1, 4, 30, tzinfo=dt.UTC))
        assert renewal(api)["amount_due_cents"] == 17500 + 5000 and renewal(api)["status"] == "lapsed"
    finally:
        clock.set_now(None)


def test_a_deadline_run_answers_at_once_and_a_second_start_today_is_the_same_run(invoiced):
    api = invoiced
    on("2027-04-01")
    first = api.request("POST", "/admin/deadline-runs", claims=STAFF)
    second = api.request("POST", "/admin/deadline-runs", claims=STAFF)
    assert first.status == second.status == 202 and first.json() == second.json()
    run_id = first.json()["run_id"]
    assert api.request("GET", f"/admin/deadline-runs/{run_id}", claims=STAFF).json()["status"] == "running"
    drain("DeadlineJobQueue", "RenewalDeadlinesFunction")
    done = api.request("GET", f"/admin/deadline-runs/{run_id}", claims=STAFF).json()
    assert (done["status"], done["renewals_seen"], done["reinstatement_fees_added"]) == ("completed", 2, 2)
    assert done["finished_at"] and done["as_of"] == "2027-04-01"
    # Once it finished, another run the same day may start: it finds nothing left to do.
    again = deadline_run(api)
    assert again["run_id"] != run_id and again["reinstatement_fees_added"] == again["reminders_sent"] == 0
    listed = api.request("GET", "/admin/deadline-runs", claims=STAFF, query="limit=1").json()
    assert [r["run_id"] for r in listed["items"]] == [again["run_id"]] and listed["next_token"]
    older = api.request("GET", "/admin/deadline-runs", claims=STAFF,
                        query=f"limit=1&next_token={listed['next_token']}").json()
    assert [r["run_id"] for r in older["items"]] == [run_id]
    assert api.request("GET", "/admin/deadline-runs/nope", claims=STAFF).status == 404
    assert api.request("GET", "/admin/deadline-runs", claims=member_claims("M-1")).status == 403


def test_redelivered_pages_write_each_fee_and_notice_once(invoiced):
    import json as json_

    import boto3

    from renewal import deadlines
    from tests.integration.conftest import QUEUES

    api = invoiced
    on("2027-04-01")
    run_id = api.request("POST", "/admin/deadline-runs", claims=STAFF).json()["run_id"]
    sqs = boto3.client("sqs")
    pages = []
    while batch := sqs.receive_message(QueueUrl=QUEUES["DeadlineJobQueue"], MaxNumberOfMessages=10).get("Messages"):
        pages += [json_.loads(m["Body"]) for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=QUEUES["DeadlineJobQueue"], ReceiptHandle=m["ReceiptHandle"])
    before = len(sent_emails())
    for page in pages * 3:  # every page delivered three times
        deadlines.process_page(page)
    drain("DeadlineJobQueue", "RenewalDeadlinesFunction")
    run = api.request("GET", f"/admin/deadline-runs/{run_id}", claims=STAFF).json()
    assert (run["status"], run["renewals_seen"], run["reinstatement_fees_added"]) == ("completed", 2, 2)
    assert len(sent_emails()) - before == run["reminders_sent"] == 2  # one lapse notice each
    assert [line["code"] for line in invoice(api)["lines"]] == ["CAM", "REINSTATEMENT"]

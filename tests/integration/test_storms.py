"""Storms and races: the same thing many times at once, and the count that
proves nothing was lost or counted twice.

Threads race through the real handlers and domain code against one moto
backend; each AWS call is atomic (as DynamoDB's are), the interleaving between
calls is whatever the threads make of it. Each thread is a Lambda environment
of its own (the `api` fixture, local/environments.py: its own copy of each
handler module, and Powertools' request state kept per thread), so two
requests racing never read each other's event, as in Lambda, where they run
in separate processes. Each storm prints its figures
(`storm: ...`); docs/reliability.md quotes them from `make storms`, which runs
these with the full sizes (10,000 members, 50 submissions, 10 races); `make test`
runs them smaller (60 members, 10 submissions, 3 races).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from local import apigw, template
from local.environments import Environments
from local.sqs import records_to_delete, sqs_event
from renewal import keys
from renewal.adapters import store
from tests.integration.conftest import QUEUES, STAFF, TABLE, _Serialized, drain, member_claims
from tests.integration.payloads import RULE_SET_2027
from tests.integration.test_payments import (  # noqa: F401 (invoiced is a fixture)
    INVOICE, deliver, invoice, invoiced, session_event,
)

# `make storms` runs the full sizes; `make test` smaller ones, the same code.
FULL = os.environ.get("STORM_SCALE") == "full"
MEMBERS = int(os.environ.get("STORM_MEMBERS", "10000" if FULL else "60"))
SUBMISSIONS = 50 if FULL else 10
RACES = 10 if FULL else 3


def report(storm: str, **figures: Any) -> None:
    print(f"storm: {storm}: " + ", ".join(f"{name}={value}" for name, value in figures.items()), flush=True)


def at_once(calls: list[Callable[[], Any]], workers: int = 20) -> list[Any]:
    """Runs the calls on `workers` threads released together; their results, or the exceptions they raised."""
    start = threading.Barrier(min(workers, len(calls)))

    def run(call: Callable[[], Any]) -> Any:
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            return call()
        except Exception as error:  # the storm's outcome, counted by the test
            return error

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def items(pk_prefix: str) -> list[dict[str, Any]]:
    found = []
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE):
        found += [store.from_item(i) for i in page["Items"] if i["PK"]["S"].startswith(pk_prefix)]
    return found


# ------------------------------------------------------------------ Stripe: one event, 100 deliveries


def test_one_stripe_event_delivered_100_times_sequentially_and_interleaved_pays_once(invoiced, serialized_calls):
    api = invoiced
    event = session_event("evt_storm")
    sequential = Counter(deliver(api, event)[0] for _ in range(50))
    interleaved = Counter(status for status, _ in at_once([lambda: deliver(api, event)] * 50))
    paid = invoice(api)
    payments = items("PAYMENT#")
    events = items("STRIPE_EVENT#")
    report("stripe event x100", answers_200=sequential[200] + interleaved[200], payments_recorded=len(payments),
           invoice_payments=len(paid["payments"]), amount_paid_cents=paid["amount_paid_cents"],
           event_records=len(events))
    assert sequential == Counter({200: 50}) and interleaved == Counter({200: 50})
    assert (paid["status"], paid["amount_paid_cents"], len(paid["payments"])) == ("paid", 17500, 1)
    assert len(payments) == 1 and len(events) == 1
    assert api.request("GET", "/admin/payments", claims=STAFF, query="needs_attention=true").json()["items"] == []


# ------------------------------------------------------------------ three invoice runs over many members


def _seed_members(count: int) -> None:
    client = boto3.client("dynamodb")
    batch: list[dict[str, Any]] = []
    for n in range(count):
        member_id = f"S-{n:06d}"
        record = {**keys.member_key(member_id), **keys.credential_holders_index(member_id), "member_id": member_id,
                  "first_name": "Storm", "last_name": f"Member {n}", "affiliate": "AASC", "version": 1,
                  "contact": {"email": f"s{n}@example.org"},
                  "credentials": [{"code": "CAM", "earned_on": "2015-06-01"}]}
        batch.append({"PutRequest": {"Item": store.to_item(record)}})
        if len(batch) == 25 or n == count - 1:
            while batch:
                batch = client.batch_write_item(RequestItems={TABLE: batch}).get("UnprocessedItems", {}).get(TABLE, [])


def _drain_together(environments: Environments, queue: str, function_id: str, workers: int) -> int:
    """Lambda's pollers for the queue: `workers` concurrent consumers (each its own environment),
    partial batch failures honoured."""
    function = template.functions()[function_id]
    (source,) = function.sqs_sources
    sqs = _Serialized(boto3.client("sqs"))
    url = QUEUES[queue]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    delivered = Counter()

    def consume(worker: int) -> None:
        idle = 0
        while idle < 3:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, source["batch_size"]),
                                        VisibilityTimeout=30, MessageSystemAttributeNames=["All"]).get("Messages", [])
            if not batch:
                idle += 1
                time.sleep(0.05)
                continue
            idle = 0
            delivered[worker] += len(batch)
            response = environments.handler(function)(sqs_event(batch, arn), apigw.LambdaContext(function_id))
            for message in records_to_delete(batch, response, source["report_failures"]):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    threads = [threading.Thread(target=consume, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(delivered.values())


def test_three_invoice_runs_at_once_invoice_each_member_exactly_once(api, serialized_calls):
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    _seed_members(MEMBERS)
    started = at_once([lambda: api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
                       for _ in range(3)], workers=3)
    assert [reply.status for reply in started] == [202, 202, 202]
    run_ids = [reply.json()["run_id"] for reply in started]
    began = time.monotonic()
    messages = _drain_together(api.environments, "InvoiceJobQueue", "InvoiceGenerationFunction", workers=6)
    invoices = [i for i in items("MEMBER#S-") if i["SK"].startswith(keys.INVOICE_PREFIX)]
    per_member = Counter(i["member_id"] for i in invoices)
    runs = [api.request("GET", f"/admin/invoice-runs/{run_id}", claims=STAFF).json() for run_id in run_ids]
    created = sum(run["invoices_created"] for run in runs)
    report("three invoice runs", members=MEMBERS, runs=len(set(run_ids)), messages=messages,
           invoices=len(invoices), members_invoiced_twice=sum(1 for c in per_member.values() if c > 1),
           members_not_invoiced=MEMBERS - len(per_member), invoices_created_by_the_runs=created,
           seconds=round(time.monotonic() - began, 1))
    assert len(invoices) == MEMBERS and set(per_member.values()) == {1}
    assert created == MEMBERS  # each invoice counted by exactly one run
    assert all(run["status"] == "completed" and run["failed"] == 0 for run in runs), runs
    assert all(run["members_seen"] == MEMBERS for run in runs)


# ------------------------------------------------------------------ two reviewers, the same 50 submissions


def test_two_reviewers_deciding_the_same_submissions_decide_each_once(api, serialized_calls):
    from tests.integration.test_cec_submissions import AASC, activity
    from tests.integration.payloads import ANA, fresh

    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    submission_ids = []
    for n in range(SUBMISSIONS):
        member_id = f"R-{n:02d}"
        body = fresh(ANA)
        body.update(first_name=member_id, credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
        claims = member_claims(member_id)
        form = api.request("POST", "/me/cec-forms", claims=claims, body={"activities": [
            activity("conference", 300, title=f"Expo {n}"), activity("online_course", 180, title=f"Law {n}")]})
        form_id = form.json()["form_id"]
        api.request("POST", f"/affiliate/cec-forms/{form_id}/decision", claims=AASC, body={"decision": "verify"})
        submitted = api.request("POST", "/me/cec-submissions", claims=claims,
                                body={"renewal_year": 2027, "form_ids": [form_id]})
        assert submitted.status == 202, submitted.text
        submission_ids.append((member_id, submitted.json()["submission_id"]))
    drain("CecSubmissionQueue", "ApprovalQueueFunction")
    reviewers = [{"sub": "reviewer-a", "cognito:groups": ["naaei"]}, {"sub": "reviewer-b", "cognito:groups": ["naaei"]}]
    calls = [(lambda s=s, r=r: api.request("POST", f"/review/cec-submissions/{s}/decision", claims=r,
                                          body={"decision": "approve"}).status)
             for _, s in submission_ids for r in reviewers]
    statuses = Counter(at_once(calls))
    approved = sum(api.request("GET", "/me/renewals/2027", claims=member_claims(m)).json()["cec"]["approved"]
                   for m, _ in submission_ids)
    audits = sum(1 for m, _ in submission_ids for entry in items(f"HISTORY#MEMBER#{m}")
                 if entry.get("action") == "cec_submission.decide")
    report(f"two reviewers x {SUBMISSIONS} submissions", decisions=sum(statuses.values()), answered_200=statuses[200],
           answered_409=statuses[409], audit_entries=audits, cecs_approved=approved)
    assert statuses == Counter({200: SUBMISSIONS, 409: SUBMISSIONS})
    assert audits == SUBMISSIONS and approved == SUBMISSIONS * 8.0


# ------------------------------------------------------------------ one roster, 20 posts at once


def test_one_roster_posted_20_times_at_once_credits_each_attendee_once(api, serialized_calls):
    from tests.integration.test_cec_submissions import AASC
    from tests.integration.payloads import ANA, fresh

    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    attendees = [f"C-{n:02d}" for n in range(30)]
    for member_id in attendees:
        body = fresh(ANA)
        body.update(first_name=member_id, credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
    roster = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 240, "break_minutes": 60,
              "attendees": attendees}
    replies = at_once([lambda: api.request("POST", "/affiliate/classes/FH-STORM/roster", claims=AASC, body=roster)
                       for _ in range(20)])
    credited = Counter(m for reply in replies for m in reply.json()["credited"])
    activities = [i for m in attendees for i in items(f"MEMBER#{m}") if i["SK"].startswith(keys.CEC_PREFIX)]
    approved = [api.request("GET", "/me/renewals/2027", claims=member_claims(m)).json()["cec"]["approved"]
                for m in attendees]
    report("roster x20 at once", posts=len(replies), answered_200=sum(r.status == 200 for r in replies),
           attendees=len(attendees), credits_answered=sum(credited.values()), cec_records=len(activities),
           cecs_per_attendee=sorted(set(approved)))
    assert all(reply.status == 200 for reply in replies)
    assert credited == Counter({m: 1 for m in attendees})  # each named credited by exactly one post
    assert len(activities) == len(attendees) and set(approved) == {3.0}


# ------------------------------------------------------------------ checkout and an offline payment


def test_a_card_payment_and_an_offline_payment_racing_settle_the_invoice_once(invoiced, serialized_calls):
    api = invoiced
    results = []
    for round_ in range(RACES):
        member_id = f"M-{round_ + 10}"
        # A fresh invoice each round: a member of its own, invoiced by a rerun of the year.
        from tests.integration.payloads import ANA, fresh
        body = fresh(ANA)
        body.update(credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
        api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
        drain("InvoiceJobQueue", "InvoiceGenerationFunction")
        invoice_id = f"INV-2027-{member_id}"
        card = session_event(f"evt_race_{round_}", invoice_id=invoice_id, payment_intent=f"pi_race_{round_}",
                             session_id=f"cs_race_{round_}")
        check = {"method": "check", "reference": f"chk {round_}", "amount_cents": 17500, "received_on": "2026-11-20"}
        card_reply, check_reply = at_once([
            lambda: deliver(api, card)[0],
            lambda: api.request("POST", f"/admin/invoices/{invoice_id}/payments", claims=STAFF, body=check).status,
        ], workers=2)
        paid = api.request("GET", f"/me/invoices/{invoice_id}", claims=member_claims(member_id)).json()
        results.append((card_reply, check_reply, paid["amount_paid_cents"], len(paid["payments"])))
    flagged = api.request("GET", "/admin/payments", claims=STAFF, query="needs_attention=true").json()["items"]
    report(f"card and check racing x{RACES}", rounds=len(results), card_200=sum(r[0] == 200 for r in results),
           check_200=sum(r[1] == 200 for r in results), check_409=sum(r[1] == 409 for r in results),
           invoices_paid_once=sum(r[2] == 17500 and r[3] == 1 for r in results),
           second_payments_flagged=len([p for p in flagged if p["reason"] == "second_payment"]))
    for card_reply, check_reply, amount_paid, payments in results:
        assert card_reply == 200 and check_reply in (200, 409)
        assert (amount_paid, payments) == (17500, 1)  # settled by exactly one of them
    # Whenever the check won, the card's money is flagged for a refund, never absorbed.
    assert len([p for p in flagged if p["reason"] == "second_payment"]) == sum(r[1] == 200 for r in results)


# ------------------------------------------------------------------ a deadline run racing payments on 1 April

FEE = 5000  # RULE_SET_2027's reinstatement fee
CAM = 17500
# Four ways a renewal is paid on 1 April, the first day after the grace end, each racing
# the day's deadline run (which writes the fee line the calendar made owing):
#   (pays by, amount, quoted or received in grace: the fee is not owed)
ON_1_APRIL = {
    "card quoted in grace": ("card", CAM, True),  # a Checkout Session created on 31 March
    "card quoted on 1 April": ("card", CAM + FEE, False),
    "check received in grace": ("check", CAM, True),  # received 30 March, recorded today
    "check received on 1 April": ("check", CAM + FEE, False),
}


def _pay_on_1_april(api, member_id: str, how: str, amount: int, in_grace: bool, delay_s: float) -> Callable[[], int]:
    invoice_id = f"INV-2027-{member_id}"
    if how == "card":
        now = int(time.time())
        event = session_event(f"evt_{member_id}", invoice_id=invoice_id, amount=amount,
                              payment_intent=f"pi_{member_id}", session_id=f"cs_{member_id}")
        event["data"]["object"].update(client_reference_id=member_id, created=now - 86400 if in_grace else now,
                                       expires_at=now + 3600)
        event["data"]["object"]["metadata"]["member_id"] = member_id

        def pay() -> int:
            time.sleep(delay_s)
            return deliver(api, event)[0]
        return pay
    body = {"method": "check", "reference": f"chk {member_id}", "amount_cents": amount,
            "received_on": "2027-03-30" if in_grace else "2027-04-01"}

    def record() -> int:
        time.sleep(delay_s)
        return api.request("POST", f"/admin/invoices/{invoice_id}/payments", claims=STAFF, body=body).status
    return record


def test_a_deadline_run_racing_payments_on_1_april_charges_the_fee_once_or_not_at_all(invoiced, serialized_calls):
    import datetime as dt
    import random

    from renewal import clock
    from tests.integration.payloads import ANA, fresh

    api = invoiced
    members = {(round_, scenario): f"D-{round_:02d}-{n}"
               for round_ in range(RACES) for n, scenario in enumerate(ON_1_APRIL)}
    for member_id in members.values():
        body = fresh(ANA)
        body.update(first_name=member_id, credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
        body["contact"]["email"] = f"{member_id.lower()}@example.org"
        assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201
    api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    clock.set_today(dt.date(2027, 4, 1))
    jitter = random.Random(20270401)  # payments land before, during and after the run's writes
    outcomes: list[dict[str, Any]] = []
    fees_by_runs = 0
    for round_ in range(RACES):
        started = api.request("POST", "/admin/deadline-runs", claims=STAFF)
        assert started.status == 202, started.text
        payers = {scenario: _pay_on_1_april(api, members[(round_, scenario)], *terms, jitter.uniform(0, 0.15))
                  for scenario, terms in ON_1_APRIL.items()}
        statuses = at_once([lambda: _drain_together(api.environments, "DeadlineJobQueue",
                                                    "RenewalDeadlinesFunction", workers=1)]
                           + list(payers.values()), workers=1 + len(payers))
        run = api.request("GET", f"/admin/deadline-runs/{started.json()['run_id']}", claims=STAFF).json()
        assert run["status"] == "completed" and run["failed"] == 0, run
        fees_by_runs += run["reinstatement_fees_added"]
        for scenario, status in zip(payers, statuses[1:], strict=True):
            member_id = members[(round_, scenario)]
            paid = invoice(api, member_id)
            fee_lines = [line for line in paid["lines"] if line["code"] == "REINSTATEMENT"]
            outcomes.append({"scenario": scenario, "status": status, "invoice": paid["status"],
                             "paid": paid["amount_paid_cents"], "total": paid["total_cents"],
                             "payments": len(paid["payments"]), "fees": sum(not line.get("void") for line in fee_lines),
                             "voided": sum(bool(line.get("void")) for line in fee_lines),
                             "renewal": api.request("GET", f"/admin/members/{member_id}/renewals/2027",
                                                    claims=STAFF).json()})
    flagged = api.request("GET", "/admin/payments", claims=STAFF, query="needs_attention=true").json()["items"]
    flagged = [p for p in flagged if p["invoice_id"].startswith("INV-2027-D-")]
    owed = [o for o in outcomes if not ON_1_APRIL[o["scenario"]][2]]
    not_owed = [o for o in outcomes if ON_1_APRIL[o["scenario"]][2]]
    report(f"deadline run racing payments on 1 April x{RACES}", payments=len(outcomes),
           answered_200=sum(o["status"] == 200 for o in outcomes), invoices_paid=sum(o["invoice"] == "paid" for o in outcomes),
           fee_paid_once=sum(o["fees"] == 1 and o["paid"] == CAM + FEE for o in owed),
           fee_not_owed=sum(o["fees"] == 0 and o["paid"] == CAM for o in not_owed),
           fee_written_by_the_run_then_voided=sum(o["voided"] for o in not_owed),
           fee_lines_written_by_the_runs=fees_by_runs, fee_paid_twice=sum(o["fees"] > 1 for o in outcomes),
           payments_lost_or_doubled=sum(o["payments"] != 1 for o in outcomes), flagged_for_staff=len(flagged))
    for o in outcomes:
        assert o["status"] == 200 and o["invoice"] == "paid" and o["payments"] == 1, o
        assert o["paid"] == o["total"] and o["renewal"]["amount_due_cents"] == 0, o  # nothing owed, nothing over
        if ON_1_APRIL[o["scenario"]][2]:
            assert (o["fees"], o["paid"]) == (0, CAM), o  # paid in grace: the fee is not owed (a line written is void)
        else:
            assert (o["fees"], o["voided"], o["paid"]) == (1, 0, CAM + FEE), o  # owed: one fee line, paid once
    assert flagged == []  # no payment left unapplied or taken twice

"""The invoice run on moto: handlers, the invoice-job queue and its DLQ, as wired in template.yaml."""

import datetime as dt
import json
import threading
import traceback

import boto3
import pytest

from renewal import clock, invoice_runs, keys
from renewal.adapters import queue, store
from tests.integration.conftest import QUEUES, STAFF, drain, member_claims, sent_emails
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

SEED_ERA = {
    **fresh(RULE_SET_2027),
    "credentials": {
        "CAM": {"cec_required": 6, "in_network_min": 4, "fee_cents": 17500, "renews_annually": True},
        "CALP": {"cec_required": 3, "in_network_min": 2, "fee_cents": 12500, "renews_annually": True},
        "AIME": {"cec_required": 5, "in_network_min": 3, "fee_cents": 9000, "renews_annually": True},
        "CAMT": {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False},
    },
}


def member(api, member_id, *credentials, email=None):
    body = fresh(ANA)
    body["credentials"] = [{"code": code, "earned_on": earned_on} for code, earned_on in credentials]
    body["contact"]["email"] = email or f"{member_id.lower()}@example.org"
    assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status == 201


def start(api, year=2027):
    reply = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": year})
    assert reply.status == 202, reply.text
    assert reply.json()["status"] == "running"
    return reply.json()["run_id"]


def run_status(api, run_id):
    reply = api.request("GET", f"/admin/invoice-runs/{run_id}", claims=STAFF)
    assert reply.status == 200
    return reply.json()


def invoices_of(api, member_id):
    return api.request("GET", "/me/invoices", claims=member_claims(member_id)).json()["items"]


@pytest.fixture
def seed_era(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=SEED_ERA)
    return api


def test_cam_and_nalp_holder_owes_the_larger_requirement_and_both_fees(seed_era):
    api = seed_era
    member(api, "M-1", ("CAM", "2019-05-04"), ("NALP", "2020-02-01"))
    run_id = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    (invoice,) = invoices_of(api, "M-1")
    assert invoice["cec_required"] == 6 and invoice["in_network_required"] == 4
    assert [(l["code"], l["amount_cents"]) for l in invoice["lines"]] == [("CAM", 17500), ("CALP", 12500)]
    assert invoice["total_cents"] == invoice["amount_due_cents"] == 30000
    assert invoice["status"] == "open" and invoice["due_date"] == "2027-01-01"
    assert run_status(api, run_id)["status"] == "completed"


def test_camt_rules_and_first_year_holders(seed_era):
    api = seed_era
    member(api, "M-CAMT", ("CAMT", "2012-01-01"))
    member(api, "M-AIME", ("CAMT", "2012-01-01"), ("AIME", "2015-01-01"))
    member(api, "M-NEW", ("CAM", "2026-03-15"))
    member(api, "M-LATE", ("CAM", "2026-11-28"))  # earned inside the window too
    run_id = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    assert invoices_of(api, "M-CAMT") == []
    (aime,) = invoices_of(api, "M-AIME")
    assert [l["code"] for l in aime["lines"]] == ["AIME"] and aime["total_cents"] == 9000
    (first_year,) = invoices_of(api, "M-NEW")
    assert first_year["total_cents"] == 17500 and first_year["cec_required"] == 0
    renewal = api.request("GET", "/me/renewals/2027", claims=member_claims("M-CAMT")).json()
    assert renewal["status"] == "not_required" and renewal["invoice_id"] is None
    progress = run_status(api, run_id)
    assert progress["members_seen"] == 4
    assert progress["invoices_created"] == 3 and progress["not_required"] == 1


def test_running_the_same_year_twice_creates_no_second_invoice(seed_era):
    api = seed_era
    for n in range(5):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    first = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    second = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    assert run_status(api, first)["invoices_created"] == 5
    again = run_status(api, second)
    assert again["status"] == "completed"
    assert (again["invoices_created"], again["already_invoiced"], again["members_seen"]) == (0, 5, 5)
    for n in range(5):
        assert len(invoices_of(api, f"M-{n}")) == 1
    # The member got one "invoice issued" e-mail, not two.
    assert sum(1 for e in sent_emails() if e["to"] == ["m-0@example.org"]) == 1


def test_two_runs_at_once_make_one_invoice_per_member(seed_era, serialized_calls):
    api = seed_era
    for n in range(30):
        member(api, f"M-{n:02d}", ("CAM", "2019-05-04"))
    run_ids = [start(api), start(api)]
    # Four workers race on both runs' messages, as concurrent Lambda invocations
    # would (each its own process there, so each calls the domain directly here:
    # the handler module's batch processor is per process, not per thread).
    sqs = queue.client()
    url = QUEUES["InvoiceJobQueue"]
    errors = []

    def worker():
        idle = 0
        while idle < 3:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5, VisibilityTimeout=30,
                                           MessageSystemAttributeNames=["All"]).get("Messages", [])
            idle = 0 if messages else idle + 1
            for message in messages:
                try:
                    invoice_runs.process_job(json.loads(message["Body"]))
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                except Exception as error:  # reported by the assertion below
                    errors.append(traceback.format_exc())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0] if errors else None
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    runs = [run_status(api, run_id) for run_id in run_ids]
    assert all(r["status"] == "completed" for r in runs), runs
    assert sum(r["invoices_created"] for r in runs) == 30
    assert all(r["invoices_created"] + r["already_invoiced"] == 30 for r in runs)
    for n in range(30):
        assert len(invoices_of(api, f"M-{n:02d}")) == 1


def test_a_redelivered_batch_changes_nothing(seed_era):
    api = seed_era
    for n in range(3):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    run_id = start(api)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    before = run_status(api, run_id)
    shard = keys.member_shard("M-0")
    batch = {"kind": "members", "run_id": run_id, "renewal_year": 2027, "batch_id": f"{shard:02d}-00000",
             "member_ids": ["M-0"]}
    # SQS delivers at least once: the same shard and batch messages again.
    for job in (batch, {"kind": "shard", "run_id": run_id, "renewal_year": 2027, "shard": shard}):
        boto3.client("sqs").send_message(QueueUrl=QUEUES["InvoiceJobQueue"], MessageBody=json.dumps(job))
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    assert run_status(api, run_id) == before
    assert len(invoices_of(api, "M-0")) == 1


def test_a_worker_crash_half_way_is_finished_by_the_redelivery(seed_era, monkeypatch):
    api = seed_era
    for n in range(6):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    run_id = start(api)
    # First deliveries of member batches die after writing the invoices but before counting them.
    real_count = invoice_runs._count_batch
    crashes = {"left": 100}

    def crash_once(run, batch_id, counts):
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("worker killed")
        return real_count(run, batch_id, counts)

    monkeypatch.setattr(invoice_runs, "_count_batch", crash_once)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction", rounds=1, until_empty=False)  # shards listed
    crashes["left"] = 6
    monkeypatch.setattr(invoice_runs, "_count_batch", crash_once)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    progress = run_status(api, run_id)
    assert progress["status"] == "completed"
    assert progress["invoices_created"] == 6 and progress["already_invoiced"] == 0 and progress["failed"] == 0
    assert all(len(invoices_of(api, f"M-{n}")) == 1 for n in range(6))


def test_a_poison_batch_reaches_the_dlq_and_the_run_counts_it_failed(seed_era, monkeypatch):
    api = seed_era
    for n in range(8):
        member(api, f"M-{n}", ("CAM", "2019-05-04"))
    poisoned = "M-3"
    run_id = start(api)
    real = store.transact

    def broken(operations):
        # The batch's write fails every time it holds the poisoned member's invoice.
        if any(op.get("Put", {}).get("Item", {}).get("PK") == {"S": keys.member_pk(poisoned)} for op in operations):
            raise RuntimeError("poison")
        return real(operations)

    monkeypatch.setattr(store, "transact", broken)
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    sqs = boto3.client("sqs")
    dead = sqs.receive_message(QueueUrl=QUEUES["InvoiceJobDLQ"], MaxNumberOfMessages=10).get("Messages", [])
    assert len(dead) == 1 and poisoned in json.loads(dead[0]["Body"])["member_ids"]
    progress = run_status(api, run_id)
    assert progress["status"] == "failed"
    assert progress["failed"] == len(json.loads(dead[0]["Body"])["member_ids"])
    assert progress["members_seen"] == 8
    assert progress["invoices_created"] + progress["failed"] == 8
    assert invoices_of(api, poisoned) == []
    assert len(invoices_of(api, "M-0" if poisoned != "M-0" else "M-1")) == 1


def test_progress_counts_add_up_while_running(seed_era):
    api = seed_era
    for n in range(12):
        member(api, f"M-{n:02d}", ("CAM", "2019-05-04"))
    member(api, "M-CAMT", ("CAMT", "2012-01-01"))
    run_id = start(api)
    assert run_status(api, run_id)["members_seen"] == 0
    drain("InvoiceJobQueue", "InvoiceGenerationFunction", rounds=3, until_empty=False)  # shards, part of the batches
    partial = run_status(api, run_id)
    counted = partial["invoices_created"] + partial["already_invoiced"] + partial["not_required"] + partial["failed"]
    assert counted == partial["members_seen"] <= 13
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    done = run_status(api, run_id)
    assert done["status"] == "completed" and done["finished_at"]
    assert done["members_seen"] == 13 and done["invoices_created"] == 12 and done["not_required"] == 1


def test_no_rule_set_is_422_and_starting_locks_the_rule_set(api):
    reply = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2029})
    assert reply.status == 422 and reply.json()["error"]["code"] == "rule_set_missing"
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    start(api)
    locked = api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    assert locked.status == 409 and locked.json()["error"]["code"] == "rule_set_locked"


def test_only_staff_run_invoices(api):
    api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027)
    assert api.request("POST", "/admin/invoice-runs", claims=member_claims("M-1"), body={"renewal_year": 2027}).status == 403
    assert api.request("POST", "/admin/invoice-runs", claims=None, body={"renewal_year": 2027}).status == 401
    assert api.request("GET", "/admin/invoice-runs/nope", claims=STAFF).status == 404
    bad = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": "soon"})
    assert bad.status == 422


def test_the_annual_schedule_invoices_the_next_year(seed_era):
    from local import apigw, template

    api = seed_era
    member(api, "M-1", ("CAM", "2019-05-04"))
    clock.set_today(dt.date(2026, 10, 1))
    function = template.functions()["InvoiceGenerationFunction"]
    (schedule,) = function.schedules
    result = apigw.load_handler(function)(json.loads(schedule["input"]), apigw.LambdaContext("schedule"))
    assert result["renewal_year"] == 2027
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    assert [i["renewal_year"] for i in invoices_of(api, "M-1")] == [2027]


def test_max_receives_setting_matches_the_queue(aws):
    from local import template

    queue_limit = template.queues()["InvoiceJobQueue"]["RedrivePolicy"]["maxReceiveCount"]
    env = template.functions()["InvoiceGenerationFunction"].environment
    assert int(env["INVOICE_JOB_MAX_RECEIVES"]) == int(queue_limit)

"""Invoice-run throughput (`python -m bench --only invoice-run`).

N members (default 10,000; BENCH_MEMBERS) on moto, in process: the run starts
through the domain (as `POST /admin/invoice-runs` does) and the invoice-job
queue is drained through the real InvoiceGenerationFunction handler with SQS
events of the template's batch size, until the run reads `completed`. It
reports members per second, DynamoDB calls per member (goal: at most 2), and
in the same process and backend the throughput of bare conditional PutItem
calls of invoice-sized items, with the ratio of the two (how close the run
comes to the backend's own write speed).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench import harness

TABLE = "renewal-bench-invoice-run"
RENEWAL_YEAR = 2027
# A mix like the real membership: most hold CAM, some CAM + CALP, some CAMT only or CAMT + AIME.
MIX = (
    [("CAM", "2015-06-01")],
    [("CAM", "2015-06-01")],
    [("CAM", "2015-06-01")],
    [("CAM", "2015-06-01"), ("CALP", "2018-03-15")],
    [("CAMT", "2010-01-01")],
    [("CAMT", "2010-01-01"), ("AIME", "2016-01-01")],
    [("CAPS", "2021-02-01")],
    [("CAS", "2026-04-01")],  # first-year: owes the fee, no CECs
)


def _seed(client: Any, members: int) -> None:
    from renewal import keys
    from renewal.adapters import store
    from renewal.rules import RuleSet

    from bench.api_calls import RULE_SET

    rule_set = RuleSet(**RULE_SET, renewal_year=RENEWAL_YEAR)
    store.put({**keys.rule_set_key(RENEWAL_YEAR), **keys.rule_sets_index(RENEWAL_YEAR),
               **rule_set.model_dump(mode="json", exclude={"locked"})})
    batch: list[dict[str, Any]] = []
    for n in range(members):
        member_id = f"M-{n:06d}"
        record = {
            **keys.member_key(member_id), **keys.credential_holders_index(member_id), "member_id": member_id,
            "first_name": "Bench", "last_name": f"Member {n}", "affiliate": "AASC", "version": 1,
            "contact": {"email": f"m{n}@example.org"},
            "credentials": [{"code": code, "earned_on": earned} for code, earned in MIX[n % len(MIX)]],
        }
        batch.append({"PutRequest": {"Item": store.to_item(record)}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={TABLE: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={TABLE: batch})


def _bare_puts(client: Any, count: int) -> float:
    """Puts per second of conditional PutItem calls of an invoice's size, on the same backend."""
    from renewal.adapters import store

    item = {"status": "open", "currency": "usd", "total_cents": 30000, "amount_paid_cents": 0,
            "lines": [{"code": "CAM", "description": "CAM renewal 2027", "amount_cents": 17500},
                      {"code": "CALP", "description": "CALP renewal 2027", "amount_cents": 12500}],
            "cec_required": 8.0, "in_network_required": 5.0, "due_date": "2027-01-01", "payments": [],
            "terms": {"grace_ends": "2027-03-31", "participation_cap": 2,
                      "earning_window": {"start": "2026-01-01", "end": "2026-12-31"}}}
    started = time.perf_counter()
    for n in range(count):
        client.put_item(TableName=TABLE, Item=store.to_item({"PK": f"BARE#{n}", "SK": "INVOICE#2027", **item}),
                        ConditionExpression="attribute_not_exists(SK)")
    return count / (time.perf_counter() - started)


def run(members: int | None = None) -> dict[str, Any]:
    from local import template

    members = members or int(os.environ.get("BENCH_MEMBERS", "10000"))
    function = template.functions()["InvoiceGenerationFunction"]
    env = harness.template_environment(function, table_name=TABLE)
    harness.prepare_process({**env, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})

    import boto3
    from moto import mock_aws

    with mock_aws():
        from local.apigw import load_handler
        from renewal import auth, invoice_runs, keys
        from renewal.adapters import notify, queue, store

        for adapter in (store, queue, notify):
            adapter.reset()
        dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        template.create_table(dynamodb, TABLE)
        dlq = sqs.create_queue(QueueName="InvoiceJobDLQ")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = sqs.create_queue(QueueName="InvoiceJobQueue", Attributes={
            "VisibilityTimeout": "180",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        os.environ["INVOICE_JOB_QUEUE_URL"] = queue_url
        boto3.client("ses").verify_email_identity(EmailAddress=os.environ.get("SENDER_EMAIL", "renewals@example.org"))
        print(f"  seeding {members} members ...", flush=True)
        _seed(dynamodb, members)
        handler = load_handler(function)

        counter = harness.AwsCallCounter()
        counter.attach_default_session()
        counter.attach(store.client())
        staff = auth.Principal(sub="bench", groups=frozenset({auth.NAAEI}))
        print("  invoicing ...", flush=True)
        with counter.measure() as sample:
            started = time.perf_counter()
            run_id = invoice_runs.begin(RENEWAL_YEAR, actor=staff).run_id
            invocations = harness.drain_queue(
                sqs, queue_url, queue_arn, handler, function,
                lambda: store.get(keys.run_key(run_id))["status"] != "running")
            elapsed = time.perf_counter() - started
        result = store.get(keys.run_key(run_id))
        dynamodb_calls = {k: v for k, v in sample.calls.items() if k.startswith("DynamoDB.")}
        per_member = sum(dynamodb_calls.values()) / members
        print("  bare conditional puts ...", flush=True)
        bare = _bare_puts(dynamodb, min(2000, members))
        for adapter in (store, queue, notify):
            adapter.reset()
    rate = members / elapsed
    return {
        "members": members,
        "status": result["status"],
        "counts": {k: int(result[k]) for k in invoice_runs.COUNTERS},
        "seconds": round(elapsed, 2),
        "members_per_second": round(rate, 1),
        "lambda_invocations": invocations,
        "dynamodb_calls": dynamodb_calls,
        "dynamodb_calls_per_member": round(per_member, 3),
        "other_aws_calls": {k: v for k, v in sample.calls.items() if not k.startswith("DynamoDB.")},
        "bare_conditional_puts_per_second": round(bare, 1),
        "ratio_to_bare_puts": round(rate / bare, 3),
        "goal_calls_per_member": 2,
        "pass": per_member <= 2 and result["status"] == "completed",
    }

"""Staff work at scale (`python -m bench --only reports`): DynamoDB calls for
one page of `GET /admin/renewals?status=lapsed`, for `GET /admin/summary`, for
an export of every row, and per renewal for a deadline run, at 1,000 and
10,000 members (BENCH_REPORT_SIZES) on moto, in process, through the real
handlers. A page and the summary must cost the same at both sizes (the index
and the totals do not grow with the table); an export and a deadline run grow
linearly (calls per row, per renewal).

The year is seeded as the invoice run leaves it (each invoice with its renewal
record, the year's totals), then the clock is set to 1 April after the grace
end: every unpaid renewal is lapsed and owes the reinstatement fee, so the
deadline run has a fee line and a notice to write for most renewals (its
heaviest day).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from typing import Any

from bench import harness

TABLE = "renewal-bench-reports"
YEAR = 2027
AS_OF = dt.date(2027, 4, 1)
SIZES = tuple(int(n) for n in os.environ.get("BENCH_REPORT_SIZES", "1000,10000").split(","))
GOALS = {"page": 3, "summary": 5, "deadline_per_renewal": 1.5}


def _seed(client: Any, members: int) -> None:
    """Members, their invoices with records (one in four paid), and the year's totals."""
    from renewal import invoice_runs, invoicing, keys, records
    from renewal.adapters import store
    from renewal.rules import RuleSet

    from bench.api_calls import RULE_SET

    rule_set = RuleSet(**RULE_SET, renewal_year=YEAR)
    store.put({**keys.rule_set_key(YEAR), **keys.rule_sets_index(YEAR),
               **rule_set.model_dump(mode="json", exclude={"locked"})})
    totals: Counter[str] = Counter()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal batch
        if batch:
            client.batch_write_item(RequestItems={TABLE: batch})
            batch = []

    for n in range(members):
        member_id = f"M-{n:06d}"
        profile = {**keys.member_key(member_id), **keys.credential_holders_index(member_id), "member_id": member_id,
                   "first_name": "Bench", "last_name": f"Member {n}", "affiliate": f"AFF{n % 20:02d}", "version": 1,
                   "contact": {"email": f"m{n}@example.org"},
                   "credentials": [{"code": "CAM", "earned_on": "2015-06-01"}]}
        assessment = invoicing.assess(invoicing.held_from_profile(profile), rule_set)
        invoice = invoice_runs.invoice_record("bench", rule_set, profile, assessment)
        if n % 4 == 0:
            invoice.update(status="paid", amount_paid_cents=invoice["total_cents"], paid_at="2026-12-01T00:00:00Z",
                           settled_on="2026-12-01")
        record = {**records.with_record(invoice, [profile]), "version": 1}
        totals.update(records.contribution(record))
        for item in (profile, record):
            batch.append({"PutRequest": {"Item": store.to_item(item)}})
        if len(batch) >= 24:
            flush()
    flush()
    store.put({**keys.renewal_totals_key(YEAR, 0), **totals})


def _request(handler: Any, function: Any, method: str, path: str, route: str, *, query: str = "",
             body: Any = None, path_parameters: dict[str, str] | None = None) -> dict[str, Any]:
    from local import apigw

    event = apigw.http_event(method=method, path=path, route_key=route, query=query,
                             headers={"content-type": "application/json"}, path_parameters=path_parameters,
                             body=json.dumps(body) if body is not None else None,
                             claims={"sub": "bench-staff", "cognito:groups": ["naaei"]})
    response = handler(event, apigw.LambdaContext(function.logical_id, function.timeout))
    assert response["statusCode"] < 300, response
    return json.loads(response["body"])


def _drain(sqs: Any, queue_url: str, queue_arn: str, handler: Any, function: Any) -> int:
    from local.apigw import LambdaContext
    from local.sqs import records_to_delete, sqs_event

    (source,) = function.sqs_sources
    invocations = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, source["batch_size"]),
                                       MessageSystemAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return invocations
        response = handler(sqs_event(messages, queue_arn), LambdaContext(function.logical_id, function.timeout))
        invocations += 1
        for message in records_to_delete(messages, response, source["report_failures"]):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _dynamodb(sample: Any) -> dict[str, int]:
    return {k: v for k, v in sample.calls.items() if k.startswith("DynamoDB.")}


def _one_size(members: int) -> dict[str, Any]:
    from local import template

    functions = template.functions()
    staff_fn, export_fn, deadline_fn = (functions[n] for n in ("StaffApiFunction", "ExportsFunction",
                                                              "RenewalDeadlinesFunction"))
    env: dict[str, str] = {}
    for function in (staff_fn, export_fn, deadline_fn):
        env.update(harness.template_environment(function, table_name=TABLE))
    harness.prepare_process({**env, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR",
                             "EXPORTS_BUCKET": "renewal-bench-exports"})

    import boto3
    from moto import mock_aws

    with mock_aws():
        from local.apigw import load_handler
        from renewal import clock, keys
        from renewal.adapters import exports, notify, queue, store

        for adapter in (store, queue, notify, exports):
            adapter.reset()
        dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        template.create_table(dynamodb, TABLE)
        boto3.client("s3").create_bucket(Bucket="renewal-bench-exports")
        boto3.client("ses").verify_email_identity(EmailAddress=os.environ.get("SENDER_EMAIL", "renewals@example.org"))
        queues = {}
        for name in ("ExportJobQueue", "DeadlineJobQueue"):
            url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "900"})["QueueUrl"]
            queues[name] = (url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"])
        os.environ["EXPORT_JOB_QUEUE_URL"] = queues["ExportJobQueue"][0]
        os.environ["DEADLINE_JOB_QUEUE_URL"] = queues["DeadlineJobQueue"][0]
        print(f"  seeding {members} members with their renewal records ...", flush=True)
        _seed(dynamodb, members)
        clock.set_today(AS_OF)
        staff, export, deadline = (load_handler(f) for f in (staff_fn, export_fn, deadline_fn))
        counter = harness.AwsCallCounter()
        counter.attach_default_session()
        counter.attach(store.client())

        with counter.measure() as page_sample:
            page = _request(staff, staff_fn, "GET", "/admin/renewals", "GET /admin/renewals",
                            query=f"renewal_year={YEAR}&status=lapsed")
        with counter.measure() as summary_sample:
            summary = _request(staff, staff_fn, "GET", "/admin/summary", "GET /admin/summary",
                               query=f"renewal_year={YEAR}")
        print("  export of every row ...", flush=True)
        with counter.measure() as export_sample:
            started = _request(export, export_fn, "POST", "/admin/exports", "POST /admin/exports",
                               body={"report": "renewals", "renewal_year": YEAR})
            _drain(sqs, *queues["ExportJobQueue"], export, export_fn)
        done = store.get(keys.export_key(started["export_id"]))
        print("  deadline run ...", flush=True)
        with counter.measure() as start_sample:
            began = time.perf_counter()
            run = _request(deadline, deadline_fn, "POST", "/admin/deadline-runs", "POST /admin/deadline-runs")
            answered_s = time.perf_counter() - began
        with counter.measure() as run_sample:
            ran = time.perf_counter()
            invocations = _drain(sqs, *queues["DeadlineJobQueue"], deadline, deadline_fn)
            run_s = time.perf_counter() - ran
        finished = store.get(keys.run_key(run["run_id"]))
        clock.set_today(None)
        for adapter in (store, queue, notify, exports):
            adapter.reset()
    unpaid = members - (members + 3) // 4
    deadline_calls = sum(_dynamodb(start_sample).values()) + sum(_dynamodb(run_sample).values())
    return {
        "members": members,
        "page": {"rows": len(page["items"]), "dynamodb_calls": _dynamodb(page_sample),
                 "total": sum(_dynamodb(page_sample).values())},
        "summary": {"by_status": summary["by_status"], "dynamodb_calls": _dynamodb(summary_sample),
                    "total": sum(_dynamodb(summary_sample).values())},
        "export": {"rows": int(done["rows"]), "status": done["status"], "dynamodb_calls": _dynamodb(export_sample),
                   "total": sum(_dynamodb(export_sample).values()),
                   "per_row": round(sum(_dynamodb(export_sample).values()) / members, 4)},
        "deadline_run": {
            "answered_202_in_s": round(answered_s, 3), "status": finished["status"],
            "counts": {k: int(finished[k]) for k in ("renewals_seen", "lapsed", "reinstatement_fees_added",
                                                      "reminders_sent", "failed")},
            "expected": {"renewals_seen": members, "reinstatement_fees_added": unpaid},
            "exact": int(finished["renewals_seen"]) == members and int(finished["reinstatement_fees_added"]) == unpaid
            and int(finished["failed"]) == 0,
            "seconds": round(run_s, 1), "invocations": invocations,
            "dynamodb_calls": {**Counter(_dynamodb(start_sample)) + Counter(_dynamodb(run_sample))},
            "per_renewal": round(deadline_calls / members, 3),
        },
    }


def run() -> dict[str, Any]:
    by_size = [_one_size(members) for members in SIZES]
    small, large = by_size[0], by_size[-1]
    return {
        "sizes": by_size,
        "page_calls_constant": small["page"]["total"] == large["page"]["total"],
        "summary_calls_constant": small["summary"]["total"] == large["summary"]["total"],
        "goals": GOALS,
        "pass": all(s["page"]["total"] <= GOALS["page"] and s["summary"]["total"] <= GOALS["summary"]
                    and s["deadline_run"]["per_renewal"] <= GOALS["deadline_per_renewal"]
                    and s["deadline_run"]["exact"] and s["export"]["rows"] == s["members"] for s in by_size)
        and small["page"]["total"] == large["page"]["total"] and small["summary"]["total"] == large["summary"]["total"],
    }

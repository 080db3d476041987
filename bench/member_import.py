"""Member-import throughput (`python -m bench --only import`).

N rows (default 10,000; BENCH_IMPORT_ROWS) of a member file with a realistic
mix (accented names, multi-word last names, two credentials, an address,
renewal history) on moto, in process: the file is put in the imports bucket,
the run starts through the domain (as `POST /admin/imports` does) and the
import-job queue is drained through the real MemberOnboardingFunction handler
with SQS events of the template's batch size until the run completes. Then the
same file again, which must report every row unchanged.

Reports rows per second, DynamoDB calls per row (goal: at most 1.5) and, in the
same process and backend, the throughput of bare conditional PutItem calls of
member-sized items with the ratio of the two.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench import harness

TABLE = "renewal-bench-import"
BUCKET = "renewal-bench-imports"
FIRST = ("Ana", "Bruno", "Carla", "Diego", "Elena", "Fátima", "Gabriel", "Hélène", "Iván", "Julia", "Kwame", "Léa")
LAST = ("Díaz", "Núñez", "Smith", "O'Brien", "de la Cruz", "Nguyen", "Müller", "García", "Johnson", "Lee",
        "Van der Berg", "Okafor", "Kowalski")
CREDENTIALS = ("CAM:2015-06-01", "CAM:2015-06-01;NALP:2018-03-15", "CAMT:2010-01-01;AIME:2016-01-01",
               "CAPS:2021-02-01", "CAS:2026-04-01")
HEADER = ("member_id,first_name,last_name,email,phone,address_line1,address_line2,city,state,postal_code,country,"
          "affiliate,credentials,renewed_through")


def member_file(rows: int) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        lines.append(
            f"M-{n:06d},{FIRST[n % len(FIRST)]},\"{LAST[(n // len(FIRST)) % len(LAST)]}\",m{n}@example.org,"
            f"(303) 492-{1000 + n % 9000:04d},\"{n} Main St, Apt {n % 40}\",,Denver,CO,80202,US,"
            f"AFF{n % 40:02d},{CREDENTIALS[n % len(CREDENTIALS)]},{2024 + n % 3}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _bare_puts(client: Any, count: int) -> float:
    """Puts per second of conditional PutItem calls of a member profile's size, on the same backend."""
    from renewal.adapters import store

    item = {"first_name": "Hélène", "last_name": "de la Cruz", "affiliate": "AFF07", "version": 1,
            "contact": {"email": "m1@example.org", "phone": "+13034921411",
                        "address": {"line1": "1 Main St, Apt 1", "line2": None, "city": "Denver", "state": "CO",
                                    "postal_code": "80202", "country": "US"}},
            "credentials": [{"code": "CAM", "earned_on": "2015-06-01"}, {"code": "CALP", "earned_on": "2018-03-15"}],
            "settled_through": 2026, "created_at": "2026-11-28T00:00:00Z", "updated_at": "2026-11-28T00:00:00Z"}
    started = time.perf_counter()
    for n in range(count):
        client.put_item(TableName=TABLE, Item=store.to_item({"PK": f"BARE#{n}", "SK": "PROFILE", **item}),
                        ConditionExpression="attribute_not_exists(PK)")
    return count / (time.perf_counter() - started)


def _import(counter: Any, sqs: Any, queue_url: str, queue_arn: str, handler: Any, function: Any,
            staff: Any, upload_id: str) -> dict[str, Any]:
    from renewal import imports, keys
    from renewal.adapters import store

    with counter.measure() as sample:
        started = time.perf_counter()
        run = imports.start_import(staff, imports.ImportRequest(upload_id=upload_id, dry_run=False))
        invocations = harness.drain_queue(
            sqs, queue_url, queue_arn, handler, function,
            lambda: store.get(keys.import_key(run.import_id))["status"] != "running")
        elapsed = time.perf_counter() - started
    record = store.get(keys.import_key(run.import_id))
    return {"record": record, "seconds": elapsed, "invocations": invocations, "calls": sample.calls}


def run(rows: int | None = None) -> dict[str, Any]:
    from local import template

    rows = rows or int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
    function = template.functions()["MemberOnboardingFunction"]
    env = harness.template_environment(function, table_name=TABLE)
    harness.prepare_process({**env, "IMPORTS_BUCKET": BUCKET, "POWERTOOLS_TRACE_DISABLED": "true",
                             "POWERTOOLS_LOG_LEVEL": "ERROR"})

    import boto3
    from moto import mock_aws

    with mock_aws():
        from local.apigw import load_handler
        from renewal import auth, imports, keys
        from renewal.adapters import documents, queue, store

        for adapter in (store, queue, documents):
            adapter.reset()
        dynamodb, sqs, s3 = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("s3")
        template.create_table(dynamodb, TABLE)
        s3.create_bucket(Bucket=BUCKET)
        dlq = sqs.create_queue(QueueName="ImportJobDLQ")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = sqs.create_queue(QueueName="ImportJobQueue", Attributes={
            "VisibilityTimeout": "180",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        os.environ["IMPORT_JOB_QUEUE_URL"] = queue_url
        handler = load_handler(function)
        staff = auth.Principal(sub="bench", groups=frozenset({auth.NAAEI}))
        upload = imports.start_upload(staff, imports.ImportUploadRequest(content_type="text/csv", size_bytes=1))
        data = member_file(rows)
        s3.put_object(Bucket=BUCKET, Key=keys.import_upload_object_key(upload.upload_id), Body=data,
                      ContentType="text/csv")

        counter = harness.AwsCallCounter()
        counter.attach_default_session()
        counter.attach(store.client())
        print(f"  importing {rows} rows ({len(data) // 1024} KB) ...", flush=True)
        first = _import(counter, sqs, queue_url, queue_arn, handler, function, staff, upload.upload_id)
        print("  importing the same file again ...", flush=True)
        again = _import(counter, sqs, queue_url, queue_arn, handler, function, staff, upload.upload_id)
        print("  bare conditional puts ...", flush=True)
        bare = _bare_puts(dynamodb, min(2000, rows))
        for adapter in (store, queue, documents):
            adapter.reset()
    record, rate = first["record"], rows / first["seconds"]
    dynamodb_calls = {k: v for k, v in first["calls"].items() if k.startswith("DynamoDB.")}
    per_row = sum(dynamodb_calls.values()) / rows
    again_calls = {k: v for k, v in again["calls"].items() if k.startswith("DynamoDB.")}
    counts = {k: int(record[k]) for k in ("rows", *imports.COUNTERS)}
    again_counts = {k: int(again["record"][k]) for k in ("rows", *imports.COUNTERS)}
    exact = counts["created"] == rows and again_counts["unchanged"] == rows
    return {
        "rows": rows,
        "file_bytes": len(data),
        "status": record["status"],
        "counts": counts,
        "seconds": round(first["seconds"], 2),
        "rows_per_second": round(rate, 1),
        "lambda_invocations": first["invocations"],
        "dynamodb_calls": dynamodb_calls,
        "dynamodb_calls_per_row": round(per_row, 3),
        "other_aws_calls": {k: v for k, v in first["calls"].items() if not k.startswith("DynamoDB.")},
        "again": {"status": again["record"]["status"], "counts": again_counts, "seconds": round(again["seconds"], 2),
                  "rows_per_second": round(rows / again["seconds"], 1),
                  "dynamodb_calls_per_row": round(sum(again_calls.values()) / rows, 3),
                  "dynamodb_calls": again_calls},
        "bare_conditional_puts_per_second": round(bare, 1),
        "ratio_to_bare_puts": round(rate / bare, 3),
        "goal_calls_per_row": 1.5,
        "pass": per_row <= 1.5 and record["status"] == "completed" and exact,
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else None), indent=2))

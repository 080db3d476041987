"""What a user waits for at a cold start: the handler's import and then its
first request, in a fresh interpreter, packaged as Lambda runs it
(bench/cold_start.py's Package: code at /var/task, the layer at /opt/python,
compiled). It shows whether something taken out of the import only moved into
the first request: the first request's extra over the second one is the work
it does once (the DynamoDB client, any model built on first use, any module
imported late).

The child process starts moto (`mock_aws`) and loads a table seeded here
through the staff API (bench/api_calls.py: the 2027 rule set and two members)
before the clock starts, so moto's import and boto3's are outside the figures;
the import column is therefore the handler without boto3, not comparable with
the cold-start table's. CPU time (`time.process_time`), medians.

    python -m bench.first_request [--runs 5] [FunctionLogicalId ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import api_calls, harness
from bench.cold_start import Package

WEBHOOK_SECRET = "whsec_bench_first_request"

# Per function: (label, method, path, caller, body) of each request, sent in this order.
REQUESTS: dict[str, list[tuple[str, str, str, str, Callable[[], Any] | None]]] = {
    "StaffApiFunction": [("GET a member", "GET", f"/admin/members/{api_calls.OTHER_MEMBER_ID}", "staff", None),
                         ("PUT a member", "PUT", f"/admin/members/{api_calls.OTHER_MEMBER_ID}", "staff",
                          lambda: api_calls.member_body("Blair"))],
    "MembersApiFunction": [("GET /me", "GET", "/me", "member", None),
                           ("GET /me/invoices", "GET", "/me/invoices", "member", None)],
    "PaymentWebhookFunction": [("a signed event", "POST", "/webhooks/stripe", "stripe", None)],
}
CALLERS = {"staff": api_calls.STAFF, "member": api_calls.MEMBER, "stripe": None}

_CHILD = r"""
import importlib, json, os, sys, time
config = json.loads(sys.stdin.read())
sys.path[:0] = config["paths"]
sys.path.append(config["root"])
import boto3
from moto import mock_aws
mock_aws().start()
from local import template
dynamodb = boto3.client("dynamodb")
template.create_table(dynamodb, os.environ["TABLE_NAME"])
for item in config["items"]:
    dynamodb.put_item(TableName=os.environ["TABLE_NAME"], Item=item)
boto3.client("secretsmanager").create_secret(
    Name=os.environ.get("STRIPE_KEYS_SECRET", "unused"),
    SecretString=json.dumps({"api_key": "", "webhook_secret": config["webhook_secret"]}))

class Context:
    function_name = "bench"; function_version = "$LATEST"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"; log_group_name = "bench"; log_stream_name = "bench"
    def get_remaining_time_in_millis(self): return 10_000

started = time.process_time()
handler = getattr(importlib.import_module(config["module"]), config["attribute"])
figures = [time.process_time() - started]
from renewal import clock
import datetime as dt
clock.set_today(dt.date.fromisoformat(config["today"]))
for event in config["events"] + config["events"][:1]:  # the first request again: a warm one
    started = time.process_time()
    answer = handler(event, Context())
    figures.append(time.process_time() - started)
    if answer["statusCode"] >= 300:
        raise SystemExit(f"{event['routeKey']} -> {answer['statusCode']}: {answer.get('body')}")
print(json.dumps(figures))
"""


def _seeded_items() -> list[dict[str, Any]]:
    from local import template

    environment: dict[str, str] = {}
    for function in template.functions().values():
        environment.update(harness.template_environment(function, table_name=api_calls.TABLE))
    harness.prepare_process({**environment, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})
    import boto3
    from moto import mock_aws

    with mock_aws():
        from renewal import clock

        clock.set_today(api_calls.TODAY)
        try:
            dynamodb = boto3.client("dynamodb")
            template.create_table(dynamodb, api_calls.TABLE)
            api_calls.seed(api_calls.Api())
            return dynamodb.scan(TableName=api_calls.TABLE)["Items"]
        finally:
            clock.set_today(None)


def _events(function_id: str) -> list[dict[str, Any]]:
    import stripe

    api = api_calls.Api()
    events = []
    for _, method, path, caller, body in REQUESTS[function_id]:
        if caller == "stripe":
            payload = json.dumps({"id": "evt_bench", "object": "event", "type": "customer.created",
                                  "data": {"object": {"id": "cus_bench"}}})
            match = api.router.match(method, path)
            assert match is not None
            event = api._apigw.http_event(
                method=method, path=path, route_key=match.route_key, body=payload,
                headers={"content-type": "application/json",
                         "stripe-signature": stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)})
            routed = match.function
        else:
            routed, event = api.event(method, path, claims=CALLERS[caller], body=body() if body else None)
        assert routed == function_id, (method, path, routed)
        events.append(event)
    return events


def run(function_ids: list[str], runs: int = 5) -> list[dict[str, Any]]:
    from local import template

    functions = template.functions()
    items = _seeded_items()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-first-") as scratch:
        for function_id in function_ids:
            package = Package(functions[function_id], Path(scratch))
            samples = []
            for _ in range(runs + 1):  # the first run warms the disk cache
                config = {"paths": [str(package.task), str(package.opt_python)], "root": str(harness.ROOT),
                          "module": package.module, "attribute": package.attribute, "items": items,
                          "events": _events(function_id), "webhook_secret": WEBHOOK_SECRET,
                          "today": api_calls.TODAY.isoformat()}
                done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(config), text=True,
                                      capture_output=True, env={**package.env, "POWERTOOLS_LOG_LEVEL": "WARNING"},
                                      cwd=package.task, timeout=120)
                if done.returncode != 0:
                    raise RuntimeError(f"{function_id}: {done.stderr[-3000:]}")
                samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
            medians = [round(statistics.median(column) * 1000, 1) for column in zip(*samples[1:])]
            labels = [label for label, *_ in REQUESTS[function_id]]
            rows.append({"function": function_id, "import_cpu_ms": medians[0],
                         "requests": [{"request": label, "cpu_ms": ms} for label, ms in zip(labels, medians[1:-1])],
                         "warm_first_request_cpu_ms": medians[-1],
                         "import_and_first_request_cpu_ms": round(medians[0] + medians[1], 1), "runs": runs})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("functions", nargs="*", default=list(REQUESTS))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    rows = run(args.functions, args.runs)
    print("Import, then each request, in a fresh interpreter (CPU ms, medians of "
          f"{args.runs}; boto3 and moto loaded before the clock starts)\n")
    for row in rows:
        requests = ", ".join(f"{r['request']} {r['cpu_ms']}" for r in row["requests"])
        print(f"{row['function']:24s} import {row['import_cpu_ms']:6.1f}  then {requests}; "
              f"the first again, warm: {row['warm_first_request_cpu_ms']}  "
              f"(import + first request {row['import_and_first_request_cpu_ms']})")
    print(f"\n{time.perf_counter() - started:.0f} s; load average {load:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

"""AWS calls and latency per HTTP operation, in process on moto.

Each operation is a real API Gateway HTTP API v2 event (local.apigw) sent to
the real handler the template routes it to; the table is created from
template.yaml inside `moto.mock_aws`, and the data is seeded through the staff
API exactly as a client would. Latency is the handler call alone (the event is
built outside the timer) and includes moto's in-process DynamoDB, so it is a
relative number for comparing commits on one machine, not a production latency.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import harness

TABLE = "renewal-bench"
RENEWAL_YEAR = 2027
TODAY = dt.date(2026, 11, 28)
MEMBER_ID = "m-bench-0001"
OTHER_MEMBER_ID = "m-bench-0002"
STAFF = {"sub": "staff-bench", "cognito:groups": ["naaei"]}
MEMBER = {"sub": f"user-{MEMBER_ID}", "cognito:groups": ["member"], "custom:member_id": MEMBER_ID}
AFFILIATE = {"sub": "office-bench", "cognito:groups": ["affiliate"], "custom:affiliate": "aff-denver"}

# The default rule set for 2027 (docs/domain.md; the fees are example values).
RULE_SET = {
    "due_date": "2027-01-31",
    "grace_ends": "2027-03-31",
    "reinstatement_fee_cents": 5000,
    "earning_window": {"start": "2026-01-01", "end": "2026-12-31"},
    "participation_cap": 2,
    "require_complete_submission": True,
    "first_year_cec_waived": True,
    "credentials": {
        "CAM": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True},
        "CALP": {"cec_required": 5, "in_network_min": 3, "fee_cents": 12500, "renews_annually": True},
        "CAPS": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True},
        "CAS": {"cec_required": 5, "in_network_min": 3, "fee_cents": 12500, "renews_annually": True},
        "AIME": {"cec_required": 5, "in_network_min": 3, "fee_cents": 9000, "renews_annually": True},
        "CAMT": {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False},
    },
}


def member_body(first_name: str = "Avery") -> dict[str, Any]:
    return {
        "first_name": first_name,
        "last_name": "Bench",
        "affiliate": "aff-denver",
        "contact": {
            "email": "avery.bench@example.org",
            "phone": "+1 303 492 1411",
            "address": {"line1": "1 Main St", "city": "Denver", "state": "CO", "postal_code": "80202"},
        },
        "credentials": [
            {"code": "CAM", "earned_on": "2015-06-01"},
            {"code": "NALP", "earned_on": "2019-03-15"},
            {"code": "CAMT", "earned_on": "2012-09-30"},
        ],
    }


@dataclass
class Operation:
    """One row of the table: a request to send N times."""

    name: str
    method: str
    path: str
    claims: dict[str, Any] | None
    body: Callable[[int], Any] | None = None  # iteration -> JSON body
    expect: int = 200
    query: str = ""


OPERATIONS = [
    Operation("GET /me", "GET", "/me", MEMBER),
    Operation(
        "PATCH /me/contact", "PATCH", "/me/contact", MEMBER,
        # Alternate between two numbers so every request is a real change.
        body=lambda i: {"phone": ("+1 303 492 1411", "+1 720 865 9000")[i % 2]},
    ),
    Operation("GET /admin/members/{member_id}", "GET", f"/admin/members/{OTHER_MEMBER_ID}", STAFF),
    Operation(
        "PUT /admin/members/{member_id}", "PUT", f"/admin/members/{OTHER_MEMBER_ID}", STAFF,
        body=lambda i: member_body(("Blair", "Casey")[i % 2]),
    ),
    Operation("GET /admin/rule-sets/{renewal_year}", "GET", f"/admin/rule-sets/{RENEWAL_YEAR}", STAFF),
    Operation("GET /admin/members?q=", "GET", "/admin/members", STAFF, query="q=b%C3%A9nch"),
    Operation("GET /affiliate/members", "GET", "/affiliate/members", AFFILIATE),
    # No AWS call at all: the floor of the resolver and event handling.
    Operation("GET /health", "GET", "/health", None),
]


class Api:
    """Sends API Gateway HTTP API v2 events to the handlers template.yaml routes to."""

    def __init__(self) -> None:
        from local import apigw, template

        self._apigw = apigw
        self.functions = template.functions()
        self.router = apigw.Router(self.functions)
        self.handlers: dict[str, Callable[[dict, Any], dict]] = {}

    def event(self, method: str, path: str, *, claims: dict[str, Any] | None, body: Any = None,
              query: str = "") -> tuple[str, dict]:
        match = self.router.match(method, path)
        if match is None:
            raise LookupError(f"template.yaml routes nothing to {method} {path}")
        event = self._apigw.http_event(
            method=method, path=path, route_key=match.route_key, path_parameters=match.path_parameters,
            headers={"content-type": "application/json"}, query=query,
            body=None if body is None else json.dumps(body), claims=claims,
        )
        return match.function, event

    def call(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        if function not in self.handlers:  # loaded on first use, as Lambda does
            self.handlers[function] = self._apigw.load_handler(self.functions[function])
        context = self._apigw.LambdaContext(function, self.functions[function].timeout)
        return self.handlers[function](event, context)

    def request(self, method: str, path: str, *, claims: dict[str, Any] | None, body: Any = None,
                expect: tuple[int, ...] = (200,)) -> dict[str, Any]:
        response = self.call(*self.event(method, path, claims=claims, body=body))
        if response["statusCode"] not in expect:
            raise RuntimeError(f"{method} {path} -> {response['statusCode']}: {response.get('body')}")
        return response


def seed(api: Api) -> None:
    """The rule set and two members, through the staff API (as tests/integration do)."""
    api.request("PUT", f"/admin/rule-sets/{RENEWAL_YEAR}", claims=STAFF, body=RULE_SET)
    for member_id in (MEMBER_ID, OTHER_MEMBER_ID):
        api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=member_body(), expect=(200, 201))


def bench_operation(api: Api, counter: harness.AwsCallCounter, operation: Operation, iterations: int,
                    warmup: int) -> dict[str, Any]:
    timer, aws_timer = harness.Timer(), harness.Timer()
    per_call: Counter[tuple[tuple[str, int], ...]] = Counter()
    for i in range(warmup + iterations):
        body = operation.body(i) if operation.body else None
        function, event = api.event(operation.method, operation.path, claims=operation.claims, body=body,
                                    query=operation.query)
        with counter.measure() as sample:
            started = time.perf_counter()
            response = api.call(function, event)
            elapsed = time.perf_counter() - started
        if response["statusCode"] != operation.expect:
            raise RuntimeError(f"{operation.name} -> {response['statusCode']}: {response.get('body')}")
        if i < warmup:
            continue
        timer.add(elapsed)
        aws_timer.add(sample.aws_seconds)
        per_call[tuple(sample.calls.items())] += 1
    (calls, _), = per_call.most_common(1)
    calls_by_op = dict(calls)
    return {
        "operation": operation.name,
        "function": function,
        "aws_calls": calls_by_op,
        "aws_calls_total": sum(calls_by_op.values()),
        # False if some request made other calls than the usual ones (retries, pagination...).
        "aws_calls_stable": len(per_call) == 1,
        "latency": timer.summary_ms(),
        # Time inside botocore calls (moto's work); median latency minus this is the function's own code.
        "aws_time_median_ms": round(aws_timer.median * 1000, 3),
    }


def run(iterations: int = 200, warmup: int = 10) -> list[dict[str, Any]]:
    from local import template

    # Every function's settings: the operations run several functions in this one process.
    env: dict[str, str] = {}
    for function in template.functions().values():
        env.update(harness.template_environment(function, table_name=TABLE))
    # No X-Ray daemon in process; logs at WARNING keep the table readable.
    harness.prepare_process({**env, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})

    import boto3
    from moto import mock_aws

    with mock_aws():
        from renewal import clock
        from renewal.adapters import store

        # Hook the default session (clients made from it later inherit the hook),
        # then the store's own client however the store makes it; a call is
        # counted once even when both hooks see it.
        store.reset()
        counter = harness.AwsCallCounter()
        counter.attach_default_session()
        counter.attach(store.client())
        setup = boto3.client("dynamodb")
        clock.set_today(TODAY)
        try:
            api = Api()
            rows = []
            for number, operation in enumerate(OPERATIONS):
                # A fresh table per operation: moto copies a whole table for every
                # transaction, so each row starts from the same few items.
                os.environ["TABLE_NAME"] = f"{TABLE}-{number}"
                template.create_table(setup, os.environ["TABLE_NAME"])
                with counter.measure() as seeding:
                    seed(api)
                if seeding.calls.get("DynamoDB.TransactWriteItems", 0) < 3:
                    raise RuntimeError(f"the call counter missed the store's client (saw {seeding.calls})")
                rows.append(bench_operation(api, counter, operation, iterations, warmup))
            return rows
        finally:
            clock.set_today(None)
            store.reset()

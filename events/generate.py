"""Writes events/<Function>/<case>.json: what each function receives in AWS,
starting from `sam local generate-event` (no Docker needed) and adapted to the
routes, queues and schedules in template.yaml.

    SAM=.venv-sam/bin/sam .venv/bin/python events/generate.py

- every HttpApi route gets one sample (`apigateway http-api-proxy`), with the
  request body from BODIES, path parameters from EXAMPLE_IDS and the JWT claims
  API Gateway would pass for the route's audience (already flattened to strings);
- every SQS event source gets one sample per body in QUEUE_BODIES (`sqs receive-message`);
- every ScheduleV2 event gets its Input, which is exactly what Scheduler sends
  the function (without an Input: `cloudwatch scheduled-event`).

Re-run it after adding a route, a queue source or a schedule;
tests/integration/test_event_shapes.py checks the samples still match the
template and have the shape the local stack builds.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local import template  # noqa: E402
from local.sqs import queue_logical_id  # noqa: E402

EVENTS = ROOT / "events"
STAGE = "dev"  # the template's default Stage: a named stage is the first segment of rawPath
API_ID = "a1b2c3d4e5"
DOMAIN = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E"
CLIENT_ID = "4a5b6c7d8e9f0g1h2i3j4k5l6m"
TIME, TIME_EPOCH, AUTH_TIME = "28/Nov/2026:09:15:02 +0000", 1795857302000, 1795853702

EXAMPLE_IDS = {
    "member_id": "M-1001", "renewal_year": "2027", "invoice_id": "INV-2027-M-1001",
    "run_id": "5a8de374b5464149bc8613236ca04461", "code": "CAM", "export_id": "0c9e1b7a4d2f4e6a8b3c5d7e9f1a2b3c",
    "import_id": "9d1e4b7a2c8f4e3a9b6d5c0f1e2a3b4c",
}

BODIES: dict[str, Any] = {
    "PATCH /me/contact": {"phone": "+17195550123", "address": {
        "line1": "1 Main St", "line2": None, "city": "Colorado Springs", "state": "CO", "postal_code": "80903",
        "country": "US"}},
    "PUT /admin/members/{member_id}": {
        "first_name": "Ana", "last_name": "Diaz", "affiliate": "AASC",
        "contact": {"email": "ana@example.org", "phone": "+17195550100", "address": {
            "line1": "1 Main St", "line2": None, "city": "Colorado Springs", "state": "CO", "postal_code": "80903",
            "country": "US"}},
        "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}, {"code": "NALP", "earned_on": "2021-09-17"}]},
    "PUT /admin/rule-sets/{renewal_year}": json.loads((ROOT / "local" / "seed" / "demo.json").read_text())[
        "rule_sets"]["2027"],
    "POST /admin/invoice-runs": {"renewal_year": 2027},
    "POST /admin/deadline-runs": {},
    "POST /admin/invoices/{invoice_id}/reinstatement-waiver": {"note": "Hardship: check mailed in grace, lost in the post"},
    "POST /admin/exports": {"report": "renewals", "renewal_year": 2027, "status": "lapsed", "affiliate": "AASC"},
    "POST /admin/uploads": {"content_type": "text/csv", "size_bytes": 1314924},
    "POST /admin/imports": {"upload_id": "IU-3f9a1c2b7d4e5f60", "dry_run": True, "invite": False},
    "POST /admin/members/{member_id}/account": {"email": "ana@example.org"},
}

QUERIES = {"GET /me/invoices": "limit=20", "GET /admin/renewals": "renewal_year=2027&status=lapsed",
           "GET /affiliate/renewals": "renewal_year=2027&status=grace", "GET /admin/summary": "renewal_year=2027",
           "GET /admin/members": "q=diaz", "GET /affiliate/members": "q=ana"}

QUEUE_BODIES: dict[str, dict[str, Any]] = {
    "ImportJobQueue": {
        "split": {"kind": "split", "import_id": EXAMPLE_IDS["import_id"]},
        "rows": {"kind": "rows", "import_id": EXAMPLE_IDS["import_id"], "batch_id": "00000", "rows": [
            {"row": 2, "problems": [], "values": [
                "M-1001", "Ana", "Díaz", "ana@example.org", "(719) 555-0100", "1 Main St", "", "Colorado Springs",
                "CO", "80903", "US", "AASC", "CAM:2019-05-04;NALP:2021-09-17", "2026"]}]},
    },
    "InvoiceJobQueue": {
        "shard": {"kind": "shard", "run_id": EXAMPLE_IDS["run_id"], "renewal_year": 2027, "shard": 7},
        "members": {"kind": "members", "run_id": EXAMPLE_IDS["run_id"], "renewal_year": 2027,
                    "batch_id": "07-00000", "member_ids": ["M-1001", "M-1007", "M-1012"]},
    },
    "DeadlineJobQueue": {
        "page": {"kind": "deadline_page", "run_id": EXAMPLE_IDS["run_id"], "as_of": "2027-04-01",
                 "renewal_year": 2027, "shard": 1, "page": 0, "start_key": None},
    },
    "ExportJobQueue": {
        "export": {"kind": "export", "export_id": EXAMPLE_IDS["export_id"]},
    },
    "InvoiceJobDLQ": {
        "members": {"kind": "members", "run_id": EXAMPLE_IDS["run_id"], "renewal_year": 2027,
                    "batch_id": "07-00000", "member_ids": ["M-1001", "M-1007", "M-1012"]},
    },
    "ScheduledRunDLQ": {"annual-invoice-run": {"job": "annual_invoice_run", "scheduled_time": "2026-10-01T08:00:00Z"},
                        "deadline-run": {"job": "deadline_run", "scheduled_time": "2026-11-28T05:15:00Z"}},
    "CecSubmissionDLQ": {"submission": {"member_id": "M-1001", "submission_id": "S-M-1001-0001"}},
    # What the outbox pipe puts on the queue for a new MAIL# item (its input template).
    "EmailQueue": {"invoice-issued": {"kind": "email", "pk": "MAIL#NOTICE-2027-invoice_issued-M-1001"},
                   "throttled-again": {"kind": "email", "pk": "MAIL#NOTICE-2027-invoice_issued-M-1001",
                                       "attempt": 2}},
    "EmailDLQ": {"email": {"kind": "email", "pk": "MAIL#NOTICE-2027-invoice_issued-M-1001"}},
    "ImportJobDLQ": {"split": {"kind": "split", "import_id": EXAMPLE_IDS["import_id"]}},
    "DeadlineJobDLQ": {"page": {"kind": "deadline_page", "run_id": EXAMPLE_IDS["run_id"], "as_of": "2027-04-01",
                                "renewal_year": 2027, "shard": 1, "page": 0, "start_key": None}},
    "ExportJobDLQ": {"export": {"kind": "export", "export_id": EXAMPLE_IDS["export_id"]}},
}
# When the sample schedules fired (EventBridge Scheduler fills <aws.scheduler.scheduled-time> in).
SCHEDULED_TIME = "2026-10-01T08:00:00Z"

# Who calls each part of the API (the claims of a Cognito ID token, as API Gateway passes them on).
CALLERS: list[tuple[str, dict[str, str]]] = [
    ("/admin", {"cognito:groups": "[naaei]", "sub": "0f6c1e2a-7d3b-4c55-9e21-5b8f0a4d2c10",
                "email": "registrar@example.org"}),
    ("/review", {"cognito:groups": "[naaei]", "sub": "0f6c1e2a-7d3b-4c55-9e21-5b8f0a4d2c10",
                 "email": "registrar@example.org"}),
    ("/affiliate", {"cognito:groups": "[affiliate]", "sub": "6b2d9f40-1c8e-4a7f-b3d5-2e9c7a1f8b64",
                    "custom:affiliate": "AASC", "email": "education@example.org"}),
    ("/me", {"cognito:groups": "[member]", "sub": "3e7a2c91-5f4b-4d08-a6c3-8b1e9d2f7a05",
             "custom:member_id": "M-1001", "custom:affiliate": "AASC", "email": "ana@example.org"}),
]


# `sam local generate-event` has no user-pool triggers: these are the events Cognito
# documents for a post-confirmation trigger after a sign-up, and for a (version 1)
# pre token generation trigger at a managed-login sign-in.
COGNITO_TRIGGERS: dict[str, dict[str, Any]] = {
    "PostConfirmation": {
        "version": "1", "region": "us-east-1", "userPoolId": "us-east-1_Ab12Cd34E",
        "userName": "3e7a2c91-5f4b-4d08-a6c3-8b1e9d2f7a05",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {"userAttributes": {"sub": "3e7a2c91-5f4b-4d08-a6c3-8b1e9d2f7a05", "email": "ana@example.org",
                                       "email_verified": "true", "cognito:user_status": "CONFIRMED"}},
        "response": {},
    },
    "PreTokenGeneration": {
        "version": "1", "triggerSource": "TokenGeneration_HostedAuth", "region": "us-east-1",
        "userPoolId": "us-east-1_Ab12Cd34E", "userName": "0f6c1e2a-7d3b-4c55-9e21-5b8f0a4d2c10",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": CLIENT_ID},
        "request": {"userAttributes": {"sub": "0f6c1e2a-7d3b-4c55-9e21-5b8f0a4d2c10", "email": "staff@example.org",
                                       "email_verified": "true", "cognito:user_status": "CONFIRMED"},
                    "groupConfiguration": {"groupsToOverride": ["naaei"], "iamRolesToOverride": [],
                                           "preferredRole": None}},
        "response": {"claimsOverrideDetails": None},
    },
}


def sam(*args: str) -> dict[str, Any]:
    executable = os.environ.get("SAM") or shutil.which("sam") or str(ROOT / ".venv-sam" / "bin" / "sam")
    output = subprocess.run([executable, "local", "generate-event", *args], check=True, capture_output=True, text=True)
    return json.loads(output.stdout)


def kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def claims_for(path: str) -> dict[str, str]:
    for prefix, caller in CALLERS:
        if path == prefix or path.startswith(prefix + "/"):
            base = caller
            break
    else:
        base = CALLERS[-1][1]
    return {**base, "email_verified": "true", "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id",
            "cognito:username": base["sub"], "auth_time": str(AUTH_TIME), "iat": str(AUTH_TIME),
            "exp": str(AUTH_TIME + 3600)}


def http_sample(skeleton: dict[str, Any], route: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(skeleton)
    method, route_path = route["method"], route["path"]
    route_key = f"{method} {route_path}"
    parameters = {name: EXAMPLE_IDS.get(name, f"example-{name}") for name in re.findall(r"{(\w+)\+?}", route_path)}
    path = "/" + STAGE + re.sub(r"{(\w+)\+?}", lambda m: parameters[m.group(1)], route_path)
    body = BODIES.get(route_key)
    query = QUERIES.get(route_key, "")

    headers = {"accept": "application/json", "content-length": "0", "host": DOMAIN, "user-agent": "curl/8.5.0",
               "x-amzn-trace-id": "Root=1-6748b4e6-3c1f0a9b2d7e5f8a1b2c3d4e", "x-forwarded-for": "203.0.113.7",
               "x-forwarded-port": "443", "x-forwarded-proto": "https"}
    if not route["public"]:
        headers["authorization"] = "Bearer eyJraWQiOiJsb2NhbCIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl"
    if body is not None:
        encoded = json.dumps(body)
        headers["content-type"], headers["content-length"] = "application/json", str(len(encoded.encode()))
        event["body"], event["isBase64Encoded"] = encoded, False  # JSON arrives as text, not base64
    else:
        event.pop("body", None)
        event["isBase64Encoded"] = False

    event.update({"routeKey": route_key, "rawPath": path, "rawQueryString": query, "headers": dict(sorted(headers.items()))})
    event.pop("cookies", None)  # the API uses no cookies
    event.pop("stageVariables", None)  # the template defines none; API Gateway then omits the key
    if query:
        event["queryStringParameters"] = dict(pair.split("=", 1) for pair in query.split("&"))
    else:
        event.pop("queryStringParameters", None)
    if parameters:
        event["pathParameters"] = parameters
    else:
        event.pop("pathParameters", None)

    context = event["requestContext"]
    context.pop("authentication", None)  # only with mutual TLS, which the API does not use
    context.update({"apiId": API_ID, "domainName": DOMAIN, "domainPrefix": API_ID, "routeKey": route_key,
                    "stage": STAGE, "requestId": "CkNW7jpYoAMEbXw=", "time": TIME, "timeEpoch": TIME_EPOCH})
    context["http"].update({"method": method, "path": path, "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"})
    if route["public"]:
        context.pop("authorizer", None)
    else:
        # Scopes are null unless the route requires OAuth scopes (none here).
        context["authorizer"] = {"jwt": {"claims": claims_for(route_path), "scopes": None}}
    return event


def sqs_sample(skeleton: dict[str, Any], queue_logical_id: str, body: dict[str, Any], n: int) -> dict[str, Any]:
    event = copy.deepcopy(skeleton)
    (record,) = event["Records"]
    text = json.dumps(body, sort_keys=True)
    record.update({
        "messageId": f"0c9f5a3e-2b7d-4e61-9a84-{n:012d}",
        "receiptHandle": base64.b64encode(f"receipt-{queue_logical_id}-{n}".encode()).decode(),
        "body": text,
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:credential-renewal-{STAGE}-{queue_logical_id}-1Q2W3E4R5T6Y",
    })
    record["attributes"].update({"ApproximateReceiveCount": "1", "SenderId": "AROAEXAMPLEID:invoice-generation",
                                 "SentTimestamp": str(TIME_EPOCH), "ApproximateFirstReceiveTimestamp": str(TIME_EPOCH + 12)})
    return event


def write(function: str, case: str, event: Any) -> None:
    path = EVENTS / function / f"{case}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
    print(path.relative_to(ROOT))


def main() -> None:
    http_skeleton = sam("apigateway", "http-api-proxy")
    sqs_skeleton = sam("sqs", "receive-message")
    scheduled_skeleton = sam("cloudwatch", "scheduled-event")
    # Every sample is generated: start clean so a renamed or removed route leaves no stale file.
    for stale in EVENTS.glob("*/*.json"):
        stale.unlink()
    for function in template.functions().values():
        for route in function.http_routes:
            write(function.logical_id, kebab(route["name"]), http_sample(http_skeleton, route))
        for source in function.sqs_sources:
            queue = queue_logical_id(source["queue"])
            for n, (case, body) in enumerate(QUEUE_BODIES.get(queue, {"message": {}}).items(), start=1):
                write(function.logical_id, f"{kebab(source['name'])}-{case}", sqs_sample(sqs_skeleton, queue, body, n))
        for trigger in function.cognito_triggers:
            write(function.logical_id, kebab(trigger["name"]), COGNITO_TRIGGERS[trigger["trigger"]])
        for schedule in function.schedules:
            given = schedule.get("input")
            if given is not None:
                given = given.replace("<aws.scheduler.scheduled-time>", SCHEDULED_TIME) if isinstance(given, str) else given
                event = json.loads(given) if isinstance(given, str) else given
            else:
                event = {**scheduled_skeleton, "source": "aws.scheduler", "detail-type": "Scheduled Event"}
            write(function.logical_id, kebab(schedule["event"]), event)


if __name__ == "__main__":
    main()

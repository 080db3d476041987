"""The local stack's events have the shape of API Gateway's, Lambda's SQS
poller's and Scheduler's: compared with the samples in events/ (generated from
`sam local generate-event`), so the stack cannot drift from AWS.

The shape rule, kept simple:
- objects have the same keys, recursively, and every value the same JSON type
  (null matches only null);
- except in data maps (headers, query and path parameters, JWT claims, SQS
  attributes), whose keys are the request's own data: there both sides must be
  objects of strings;
- the local event is built for the same request as the sample (same method,
  path, query, body, claims), so keys API Gateway omits when empty (body,
  queryStringParameters, pathParameters, cookies) must be absent on both sides.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import apigw, cognito, schedules, sqs, template

EVENTS = Path(__file__).resolve().parents[2] / "events"
DATA_MAPS = {
    ("headers",), ("queryStringParameters",), ("pathParameters",), ("stageVariables",),
    ("requestContext", "authorizer", "jwt", "claims"),
    ("Records", "attributes"), ("Records", "messageAttributes"), ("request", "userAttributes"),
}


def samples(kind: str) -> list[Path]:
    found = []
    for path in sorted(EVENTS.glob("*/*.json")):
        event = json.loads(path.read_text())
        is_http = isinstance(event, dict) and "routeKey" in event
        is_sqs = isinstance(event, dict) and "Records" in event
        is_cognito = isinstance(event, dict) and "triggerSource" in event
        if {"http": is_http, "sqs": is_sqs, "cognito": is_cognito,
                "schedule": not (is_http or is_sqs or is_cognito)}[kind]:
            found.append(path)
    return found


def json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}[type(value)]


def shape_differences(sample: Any, built: Any, where: tuple[str, ...] = ()) -> list[str]:
    label = ".".join(where) or "<event>"
    if json_type(sample) != json_type(built):
        return [f"{label}: {json_type(sample)} in the sample, {json_type(built)} locally"]
    schema_path = tuple(part for part in where if not part.isdigit())
    if isinstance(sample, dict) and schema_path in DATA_MAPS:
        return [f"{label}.{key}: not a string" for key, value in {**sample, **built}.items()
                if not isinstance(value, str) and schema_path[-1] != "messageAttributes"]
    if isinstance(sample, dict):
        problems = [f"{label}.{key}: only in the sample" for key in sample.keys() - built.keys()]
        problems += [f"{label}.{key}: only in the local event" for key in built.keys() - sample.keys()]
        for key in sample.keys() & built.keys():
            problems += shape_differences(sample[key], built[key], (*where, key))
        return problems
    if isinstance(sample, list) and sample and built:
        return [p for index, item in enumerate(built) for p in shape_differences(sample[0], item, (*where, str(index)))]
    return []


def test_every_function_has_samples() -> None:
    functions = template.functions()
    folders = {path.name for path in EVENTS.iterdir() if path.is_dir() and any(path.glob("*.json"))}

    assert set(functions) - folders == set(), "run events/generate.py (see events/README.md)"
    assert folders - set(functions) == set(), "samples for a function that is not in template.yaml"


@pytest.mark.parametrize("path", samples("http"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_http_sample_routes_to_its_function_and_matches_the_local_event(path: Path) -> None:
    sample = json.loads(path.read_text())
    context = sample["requestContext"]
    method, stage = context["http"]["method"], context["stage"]
    # A named stage is the first segment of rawPath in AWS; routes are matched without it.
    route_path = sample["rawPath"].removeprefix(f"/{stage}") if stage != "$default" else sample["rawPath"]

    match = apigw.Router(template.functions()).match(method, route_path)

    assert match is not None, f"{method} {route_path} is no longer a route in template.yaml"
    assert (match.function, match.route_key) == (path.parent.name, sample["routeKey"])
    assert match.path_parameters == sample.get("pathParameters", {})

    headers = dict(sample["headers"])
    if sample.get("cookies"):
        headers["cookie"] = "; ".join(sample["cookies"])
    body = sample.get("body")
    if body is not None and sample["isBase64Encoded"]:
        body = base64.b64decode(body)
    claims = (context.get("authorizer") or {}).get("jwt", {}).get("claims")
    built = apigw.http_event(
        method=method, path=sample["rawPath"], route_key=match.route_key, path_parameters=match.path_parameters,
        query=sample["rawQueryString"], headers=headers, body=body, claims=claims, stage=stage,
    )

    assert shape_differences(sample, built) == []
    assert built["body"] == sample["body"] if "body" in sample else "body" not in built


@pytest.mark.parametrize("path", samples("sqs"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sqs_sample_matches_the_event_the_local_poller_builds(path: Path) -> None:
    sample = json.loads(path.read_text())
    function = template.functions()[path.parent.name]
    assert function.sqs_sources, f"{function.logical_id} has no SQS event source in template.yaml"
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        queue = client.create_queue(QueueName="samples")["QueueUrl"]
        for record in sample["Records"]:
            client.send_message(QueueUrl=queue, MessageBody=record["body"])
        received = client.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"],
                                          MessageAttributeNames=["All"])["Messages"]

    built = sqs.sqs_event(received, sample["Records"][0]["eventSourceARN"])

    assert shape_differences(sample, built) == []
    # The attributes Lambda always sends (moto may add more, which Lambda can too).
    assert sample["Records"][0]["attributes"].keys() <= built["Records"][0]["attributes"].keys()


@pytest.mark.parametrize("path", samples("schedule"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_schedule_sample_is_what_the_local_stack_sends(path: Path) -> None:
    sample = json.loads(path.read_text())
    function = template.functions()[path.parent.name]
    found = [s for s in function.schedules if s["event"].lower().replace("-", "") == path.stem.replace("-", "")]
    assert found, f"{path.stem} is no longer a schedule of {function.logical_id} in template.yaml"

    # The samples fired at 08:00 UTC on 1 October 2026 (events/generate.py).
    built = schedules.scheduled_event({**found[0], "name": found[0]["event"]},
                                      fired_at=dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC))

    if found[0].get("input") is not None:
        assert built == sample
    else:
        assert shape_differences(sample, built) == []


@pytest.mark.parametrize("path", samples("cognito"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_user_pool_trigger_sample_is_what_the_local_pool_sends(path: Path) -> None:
    sample = json.loads(path.read_text())
    function = template.functions()[path.parent.name]
    [trigger] = [t["trigger"] for t in function.cognito_triggers]

    if trigger == cognito.PRE_TOKEN_GENERATION:
        built = cognito.pre_token_generation_event(
            sample["userPoolId"], sample["callerContext"]["clientId"], sample["userName"],
            dict(sample["request"]["userAttributes"]), sample["request"]["groupConfiguration"]["groupsToOverride"],
            sample["triggerSource"])
    else:
        assert trigger == cognito.POST_CONFIRMATION
        built = cognito.post_confirmation_event(sample["userPoolId"], sample["callerContext"]["clientId"],
                                                sample["userName"], dict(sample["request"]["userAttributes"]))

    assert shape_differences(sample, built) == []
    assert built["triggerSource"] == sample["triggerSource"]

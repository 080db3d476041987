"""The stack's HTTP API emulation in-process (werkzeug's test client), with a
test-only function: what a template route, the Lambda response, a schedule and
the outbox look like on the wire. No subprocess, so each case is cheap."""

from __future__ import annotations

import base64
import datetime as dt
import json
import textwrap
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from werkzeug.test import Client

from local import template
from local.auth import Authority
from local.gateway import Gateway
from local.helpers import DomainClock, LocalHelpers
from local.invoke import Invoker
from local.outbox import Outbox

pytestmark = pytest.mark.xdist_group("e2e")

ECHO = '''
import base64, json

def handler(event, context):
    path = event.get("rawPath")
    if path == "/boom":
        raise RuntimeError("secret stack detail")
    if path == "/plain":
        return {"ok": True}
    if path == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "application/pdf"}, "isBase64Encoded": True,
                "body": base64.b64encode(b"%PDF-1.7 \\x00\\xff").decode(), "cookies": ["a=1; Path=/", "b=2"]}
    if "Records" in event or "job" in event or "detail-type" in event:
        return {"got": event}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
'''

ISSUER, AUDIENCE = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test", ["test-client"]


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority(rsa.generate_private_key(public_exponent=65537, key_size=2048), ISSUER, AUDIENCE)


@pytest.fixture
def function(tmp_path: Path) -> template.Function:
    (tmp_path / "app.py").write_text(textwrap.dedent(ECHO))
    return template.Function(
        logical_id=f"Echo{uuid.uuid4().hex[:8]}",
        code_uri=tmp_path,
        handler="app.handler",
        http_routes=[
            {"name": "Echo", "method": "POST", "path": "/echo/{thing}", "public": False},
            {"name": "Public", "method": "GET", "path": "/plain", "public": True},
            {"name": "Binary", "method": "GET", "path": "/binary", "public": True},
            {"name": "Boom", "method": "GET", "path": "/boom", "public": True},
        ],
        schedules=[
            {"name": {"Fn::Sub": "nightly-${Stage}"}, "event": "Nightly", "expression": "cron(0 7 * * ? *)",
             "input": '{"job": "nightly"}'},
            {"name": "Bare", "event": "BareEvent", "expression": "rate(1 day)", "input": None},
        ],
    )


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    with mock_aws():
        yield Outbox()


@pytest.fixture
def http(function: template.Function, authority: Authority, outbox: Outbox) -> Client:
    invoker = Invoker({function.logical_id: function})
    resolve = lambda value: value.get("Fn::Sub", value).replace("${Stage}", "dev") if isinstance(value, dict) else value  # noqa: E731
    helpers = LocalHelpers(authority, invoker, outbox, DomainClock(), resolve)
    return Client(Gateway(invoker, authority, helpers))


def token(authority: Authority) -> dict[str, str]:
    return {"Authorization": f"Bearer {authority.mint('u-1', ['member'], 'M-1')}"}


def test_event_carries_route_claims_and_the_exact_raw_body(http: Client, authority: Authority) -> None:
    raw = b'{"b": 1,  "a": "\xc3\xa9"}'  # odd spacing and UTF-8 kept byte for byte (signatures depend on it)

    response = http.post("/echo/x-1?limit=5&limit=6", data=raw, headers={**token(authority),
                                                                       "Content-Type": "application/json"})

    event = response.json
    assert response.status_code == 200
    assert event["routeKey"] == "POST /echo/{thing}"
    assert event["pathParameters"] == {"thing": "x-1"}
    assert event["queryStringParameters"] == {"limit": "5,6"}
    assert event["body"].encode() == raw and event["isBase64Encoded"] is False
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["custom:member_id"] == "M-1"
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] == "[member]"


def test_binary_body_reaches_the_function_base64_encoded(http: Client, authority: Authority) -> None:
    raw = bytes(range(256))

    event = http.post("/echo/x", data=raw, headers={**token(authority), "Content-Type": "application/octet-stream"}).json

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_authorizer_runs_before_the_function(http: Client) -> None:
    response = http.post("/echo/x", data=b"{}")

    assert response.status_code == 401
    assert response.json == {"message": "Unauthorized"}


def test_a_function_that_raises_is_a_500_without_its_trace(http: Client) -> None:
    response = http.get("/boom")

    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "secret stack detail" not in response.get_data(as_text=True)


def test_lambda_response_is_written_back_as_api_gateway_does(http: Client) -> None:
    binary = http.get("/binary")
    inferred = http.get("/plain")

    assert binary.get_data() == b"%PDF-1.7 \x00\xff"
    assert binary.headers["content-type"] == "application/pdf"
    assert binary.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2"]
    assert inferred.status_code == 200 and inferred.json == {"ok": True}


def test_wrong_method_on_a_helper_is_405(http: Client) -> None:
    response = http.get("/_local/token")

    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_schedule_fires_by_name_with_its_input(http: Client) -> None:
    by_name = http.post("/_local/schedules/nightly-dev")
    by_event = http.post("/_local/schedules/Nightly")

    assert by_name.status_code == 200
    assert by_name.json["schedule"] == "nightly-dev"
    assert by_name.json["result"] == {"got": {"job": "nightly"}}
    assert by_event.json["result"] == by_name.json["result"]


def test_schedule_without_input_gets_a_scheduled_event(http: Client) -> None:
    event = http.post("/_local/schedules/Bare").json["result"]["got"]

    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/Bare"]


def test_unknown_schedule_is_404(http: Client) -> None:
    assert http.post("/_local/schedules/weekly").status_code == 404


def test_outbox_lists_mail_sent_through_ses_newest_first(http: Client) -> None:
    ses = boto3.client("ses", region_name="us-east-1")
    ses.verify_email_identity(EmailAddress="renewals@example.org")
    ses.send_email(Source="renewals@example.org", Destination={"ToAddresses": ["ana@example.org"]},
                   Message={"Subject": {"Data": "Your 2027 invoice"}, "Body": {"Text": {"Data": "Amount due: $175.00"}}})
    raw = EmailMessage()
    raw["From"], raw["To"], raw["Subject"] = "renewals@example.org", "tom@example.org", "Reminder"
    raw.set_content("Your renewal is due on 2027-01-01.")
    boto3.client("sesv2", region_name="us-east-1").send_email(
        FromEmailAddress="renewals@example.org", Destination={"ToAddresses": ["tom@example.org"]},
        Content={"Raw": {"Data": raw.as_bytes()}})

    items = http.get("/_local/outbox").json["items"]

    assert [(i["to"], i["subject"]) for i in items] == [("tom@example.org", "Reminder"),
                                                        ("ana@example.org", "Your 2027 invoice")]
    assert items[0]["text"].strip() == "Your renewal is due on 2027-01-01."
    assert items[1]["text"] == "Amount due: $175.00"
    assert dt.datetime.fromisoformat(items[0]["sent_at"]).tzinfo is not None


def test_outbox_keeps_what_was_saved_before_a_restart(outbox: Outbox) -> None:
    saved = [{"to": "a@example.org", "subject": "Old", "text": "...", "sent_at": "2026-11-01T10:00:00Z"}]

    assert Outbox(saved).items() == saved

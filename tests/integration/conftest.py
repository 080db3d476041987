"""Handlers on moto: the table is built from template.yaml and every request is
a real API Gateway HTTP API event sent to the real handler."""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import apigw, template
from local.environments import Environments, isolated
from local.pipes import stream_pipes

TABLE = "renewal-test"
BUCKET = "renewal-documents-test"
EXPORTS_BUCKET = "renewal-exports-test"
IMPORTS_BUCKET = "renewal-imports-test"
POOL: dict[str, str] = {}  # logical id -> the mock user pool's and client's ids


def _reset_adapters() -> None:
    from renewal import emails
    from renewal.adapters import documents, exports, notify, queue, secrets, store, user_pool

    for adapter in (store, queue, notify, documents, exports, user_pool, secrets):
        adapter.reset()
    emails._pace = None


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    with mock_aws():
        _reset_adapters()
        client = boto3.client("dynamodb")
        template.create_table(client, TABLE)
        sqs = boto3.client("sqs")
        # The queues of template.yaml, with their dead-letter wiring and receive limits.
        arns = {}
        for name, props in sorted(template.queues().items(), key=lambda kv: "RedrivePolicy" in kv[1]):
            attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
            redrive = props.get("RedrivePolicy")
            if redrive:
                dlq = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
                attributes["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": arns[dlq], "maxReceiveCount": str(redrive["maxReceiveCount"])})
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            QUEUES[name] = url
        monkeypatch.setenv("INVOICE_JOB_QUEUE_URL", QUEUES["InvoiceJobQueue"])
        monkeypatch.setenv("CEC_SUBMISSION_QUEUE_URL", QUEUES["CecSubmissionQueue"])
        monkeypatch.setenv("EMAIL_QUEUE_URL", QUEUES["EmailQueue"])
        # The sender's pace is tested on its own (tests/unit/test_email_pace.py); here it does not wait.
        monkeypatch.setenv("EMAIL_SEND_RATE", "100000")
        monkeypatch.setenv("DEADLINE_JOB_QUEUE_URL", QUEUES["DeadlineJobQueue"])
        monkeypatch.setenv("IMPORT_JOB_QUEUE_URL", QUEUES["ImportJobQueue"])
        monkeypatch.setenv("SENDER_EMAIL", "renewals@example.org")
        # Where Stripe's keys are read; `stripe_keys` below puts them there for the tests that pay.
        monkeypatch.setenv("STRIPE_KEYS_SECRET", "StripeKeys")
        monkeypatch.setenv("DOCUMENTS_BUCKET", BUCKET)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        monkeypatch.setenv("EXPORTS_BUCKET", EXPORTS_BUCKET)
        monkeypatch.setenv("EXPORT_JOB_QUEUE_URL", QUEUES["ExportJobQueue"])
        boto3.client("s3").create_bucket(Bucket=EXPORTS_BUCKET)
        monkeypatch.setenv("IMPORTS_BUCKET", IMPORTS_BUCKET)
        boto3.client("s3").create_bucket(Bucket=IMPORTS_BUCKET)
        from local import cognito

        POOL.update(cognito.create_user_pool(boto3.client("cognito-idp")))
        monkeypatch.setenv("USER_POOL_ID", POOL["UserPool"])
        boto3.client("ses").verify_email_identity(EmailAddress="renewals@example.org")
        global OUTBOX_PIPE
        (OUTBOX_PIPE,) = stream_pipes(TABLE, lambda logical_id: QUEUES[logical_id], boto3)
        yield client
        assert_every_email_left_through_the_outbox()
        _reset_adapters()


QUEUES: dict[str, str] = {}


def drain(queue: str, function_id: str, *, rounds: int = 200, visibility: int = 0, until_empty: bool = True) -> int:
    """Delivers the queue's messages to the function the template wires to it, as
    Lambda's poller would (partial batch failures honoured), until it is empty.
    Failed messages come back at once (visibility 0) so redrive is quick to test."""
    from local.sqs import records_to_delete, sqs_event

    sqs = boto3.client("sqs")
    url = QUEUES[queue]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    function = template.functions()[function_id]
    from local.sqs import queue_logical_id

    (source,) = [s for s in function.sqs_sources if queue_logical_id(s["queue"]) == queue]
    handler = apigw.load_handler(function)
    delivered = 0
    for _ in range(rounds):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, source["batch_size"]),
                                    VisibilityTimeout=visibility, MessageSystemAttributeNames=["All"],
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return delivered
        delivered += len(batch)
        try:
            response = handler(sqs_event(batch, arn), apigw.LambdaContext(function_id))
        except Exception:
            FAILURES.append(traceback.format_exc())
            continue
        for message in records_to_delete(batch, response, source["report_failures"]):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    if until_empty:
        raise AssertionError(f"{queue} did not drain; last failures: {FAILURES[-3:]}")
    return delivered


FAILURES: list[str] = []


OUTBOX_PIPE: Any = None


def send_outbox() -> int:
    """What AWS does on its own after a write: the outbox pipe hands the new e-mails
    to the e-mail queue, and the e-mail sender sends them. Returns the messages delivered."""
    OUTBOX_PIPE.pump()
    return drain("EmailQueue", "EmailSenderFunction")


def stripe_keys(monkeypatch: pytest.MonkeyPatch, *, webhook_secret: str, api_key: str = "") -> None:
    """Stripe's keys where the functions read them: a Secrets Manager secret (on moto)."""
    from renewal.adapters import secrets

    client = boto3.client("secretsmanager")
    value = json.dumps({"api_key": api_key, "webhook_secret": webhook_secret})
    try:
        client.create_secret(Name="StripeKeys", SecretString=value)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId="StripeKeys", SecretString=value)
    monkeypatch.setenv("STRIPE_KEYS_SECRET", "StripeKeys")
    secrets.reset()


def _ses_sent() -> list[Any]:
    from moto.backends import get_backend

    return list(get_backend("ses")["123456789012"]["us-east-1"].sent_messages)


def sent_emails() -> list[dict[str, Any]]:
    """Every e-mail SES accepted, once the outbox has been sent."""
    send_outbox()
    assert_every_email_left_through_the_outbox()
    return [{"to": m.destinations["ToAddresses"], "subject": m.subject, "text": m.body} for m in _ses_sent()]


def assert_every_email_left_through_the_outbox() -> None:
    """Run after every test: each message SES accepted is an outbox e-mail the
    sender recorded as sent (its SES message id on a `MAIL#` item). An e-mail
    sent any other way (SES called from a service, a second sender) fails the test."""
    sent = _ses_sent()
    if not sent:
        return
    recorded = set()
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(
            TableName=TABLE, FilterExpression="begins_with(PK, :mail)",
            ExpressionAttributeValues={":mail": {"S": "MAIL#"}}, ProjectionExpression="ses_message_id"):
        recorded |= {item["ses_message_id"]["S"] for item in page["Items"] if "ses_message_id" in item}
    bypassed = [(m.destinations["ToAddresses"], m.subject) for m in sent if m.id not in recorded]
    assert not bypassed, f"e-mails sent without the outbox: {bypassed}"


@pytest.fixture(autouse=True)
def fixed_today() -> Iterator[None]:
    import datetime as dt

    from renewal import clock

    clock.set_today(dt.date(2026, 11, 28))
    yield
    clock.set_today(None)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


STAFF = {"sub": "staff-1", "cognito:groups": ["naaei"]}


def member_claims(member_id: str) -> dict[str, Any]:
    return {"sub": f"user-{member_id}", "cognito:groups": ["member"], "custom:member_id": member_id}


class Api:
    """Sends requests to the handlers the template routes them to. A test's own
    thread uses each function's module as loaded once; every other thread (a
    test racing requests) is a Lambda environment of its own, with its own copy
    of the handler module (local/environments.py): in Lambda, concurrent
    requests run in separate processes and never share a resolver or a batch
    processor."""

    def __init__(self) -> None:
        self.functions = template.functions()
        self.router = apigw.Router(self.functions)
        self.environments = Environments()

    def request(
        self, method: str, path: str, *, claims: dict[str, Any] | None = None, body: Any = None, raw: str | None = None,
        query: str = "",
    ) -> Reply:
        match = self.router.match(method, path)
        assert match, f"no route for {method} {path}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        event = apigw.http_event(
            method=method, path=path, route_key=match.route_key, path_parameters=match.path_parameters,
            query=query, headers={"content-type": "application/json"}, body=payload, claims=claims,
        )
        function = self.functions[match.function]
        response = self.handler(function)(event, apigw.LambdaContext(function.logical_id))
        return Reply(response["statusCode"], response.get("headers", {}), response.get("body", ""))

    def handler(self, function: template.Function) -> Any:
        if threading.current_thread() is threading.main_thread():
            return apigw.load_handler(function)
        return self.environments.handler(function)


@pytest.fixture
def api(aws: Any) -> Iterator[Api]:
    with isolated():  # Powertools' request state per thread while requests may race
        yield Api()


class _Serialized:
    """A boto3 client whose calls take turns. DynamoDB applies each call
    atomically; moto's in-process backend does not lock, so concurrent threads
    would corrupt it. Races between calls (read, then conditional write) are
    exactly as they would be against DynamoDB."""

    lock = threading.RLock()

    def __init__(self, client: Any):
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                return attribute(*args, **kwargs)

        return call


@pytest.fixture
def serialized_calls(aws: Any) -> Iterator[None]:
    """Lets threads race through the domain code against one moto backend."""
    from renewal.adapters import queue, store

    originals = {adapter: adapter.client for adapter in (store, queue)}
    for adapter, factory in originals.items():
        client = _Serialized(factory())
        adapter.client = lambda client=client: client
    yield
    for adapter, factory in originals.items():
        adapter.client = factory


def deadline_run(api: "Api") -> dict[str, Any]:
    """Starts a deadline run (202), lets the deadline-job queue carry it out, and reads the finished run."""
    reply = api.request("POST", "/admin/deadline-runs", claims=STAFF)
    assert reply.status == 202, reply.text
    drain("DeadlineJobQueue", "RenewalDeadlinesFunction")
    run = api.request("GET", f"/admin/deadline-runs/{reply.json()['run_id']}", claims=STAFF).json()
    assert run["status"] == "completed", run
    return run


def table_items_with_prefix(pk: str, sk_prefix: str) -> list[dict[str, Any]]:
    """The items of a partition whose sort key starts with `sk_prefix`, as stored."""
    from renewal.adapters import store

    return list(store.query_all(pk, sk_prefix=sk_prefix))

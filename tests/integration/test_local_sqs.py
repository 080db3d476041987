"""The local stack's SQS event sources: Lambda's batch, partial-failure and
dead-letter behaviour, with a test-only consumer function on moto."""

from __future__ import annotations

import json
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import sqs, template
from local.invoke import Invoker

CONSUMER = '''
CALLS = []
EXPLODED = []

def handler(event, context):
    bodies = [record["body"] for record in event["Records"]]
    CALLS.append(bodies)
    if "explode" in bodies and not EXPLODED:
        EXPLODED.append(True)
        raise RuntimeError("the first delivery of 'explode' fails the whole invocation")
    return {"batchItemFailures": [{"itemIdentifier": record["messageId"]}
                                  for record in event["Records"] if record["body"] == "poison"]}
'''


@pytest.fixture
def queues() -> Iterator[tuple[Any, str, str]]:
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        dlq = client.create_queue(QueueName="jobs-dlq")["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = client.create_queue(
            QueueName="jobs",
            Attributes={"VisibilityTimeout": "1",
                        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})},
        )["QueueUrl"]
        yield client, queue, dlq


def consumer(tmp_path: Path, batch_size: int = 5) -> template.Function:
    (tmp_path / "app.py").write_text(textwrap.dedent(CONSUMER))
    return template.Function(
        logical_id=f"TestConsumer{uuid.uuid4().hex[:8]}",  # handler modules are cached by logical id
        code_uri=tmp_path,
        handler="app.handler",
        sqs_sources=[{"name": "Jobs", "queue": {"Fn::GetAtt": ["JobQueue", "Arn"]}, "batch_size": batch_size,
                      "report_failures": True}],
    )


def run_pollers(client: Any, queue: str, function: template.Function, until, timeout_s: float = 10) -> Any:
    invoker = Invoker({function.logical_id: function})
    pollers = sqs.start_pollers(client, invoker, lambda _: queue, lambda _: "arn:aws:sqs:us-east-1:123456789012:jobs")
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not until():
            time.sleep(0.1)
    finally:
        sqs.stop_pollers(pollers)
    return sys.modules[f"lambda_{function.logical_id}"]  # the consumer, to read what it was called with


def count(client: Any, url: str) -> int:
    attributes = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_partial_failures_stay_and_poison_reaches_the_dlq(queues, tmp_path: Path) -> None:
    client, queue, dlq = queues
    for body in ("ok-1", "poison", "ok-2"):
        client.send_message(QueueUrl=queue, MessageBody=body)

    module = run_pollers(client, queue, consumer(tmp_path), until=lambda: count(client, dlq) == 1)

    delivered = [body for call in module.CALLS for body in call]
    assert sorted(delivered.count(b) for b in ("ok-1", "ok-2")) == [1, 1]  # deleted after their one success
    assert delivered.count("poison") == 2  # maxReceiveCount deliveries, then the DLQ
    assert count(client, queue) == 0
    moved = client.receive_message(QueueUrl=dlq)["Messages"]
    assert [m["Body"] for m in moved] == ["poison"]


def test_a_raising_function_deletes_nothing_and_the_batch_comes_back(queues, tmp_path: Path) -> None:
    client, queue, _ = queues
    client.send_message(QueueUrl=queue, MessageBody="explode")
    client.send_message(QueueUrl=queue, MessageBody="ok")

    module = run_pollers(client, queue, consumer(tmp_path, batch_size=10), until=lambda: count(client, queue) == 0)

    delivered = [body for call in module.CALLS for body in call]
    assert delivered.count("explode") == 2  # failed once, redelivered after the visibility timeout
    assert count(client, queue) == 0


def test_batches_never_exceed_batch_size(queues, tmp_path: Path) -> None:
    client, queue, _ = queues
    for n in range(7):
        client.send_message(QueueUrl=queue, MessageBody=f"ok-{n}")

    module = run_pollers(client, queue, consumer(tmp_path, batch_size=3), until=lambda: count(client, queue) == 0)

    assert max(len(call) for call in module.CALLS) <= 3
    assert sorted(body for call in module.CALLS for body in call) == sorted(f"ok-{n}" for n in range(7))


def test_records_have_lambdas_sqs_shape(queues) -> None:
    client, queue, _ = queues
    client.send_message(QueueUrl=queue, MessageBody='{"run_id": "r-1"}',
                        MessageAttributes={"kind": {"DataType": "String", "StringValue": "invoice"}})
    received = client.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["All"],
                                      MessageAttributeNames=["All"])["Messages"]

    event = sqs.sqs_event(received, "arn:aws:sqs:us-east-1:123456789012:jobs")

    (record,) = event["Records"]
    assert record["body"] == '{"run_id": "r-1"}'
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "invoice"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":jobs")
    assert record["awsRegion"] == "us-east-1"


def test_which_records_are_deleted() -> None:
    batch = [{"MessageId": "a"}, {"MessageId": "b"}]

    assert sqs.records_to_delete(batch, {"batchItemFailures": [{"itemIdentifier": "a"}]}, True) == [batch[1]]
    assert sqs.records_to_delete(batch, {"batchItemFailures": []}, True) == batch
    assert sqs.records_to_delete(batch, None, True) == batch
    # An identifier that is not in the batch fails the whole batch, as in Lambda.
    assert sqs.records_to_delete(batch, {"batchItemFailures": [{"itemIdentifier": "zzz"}]}, True) == []
    assert sqs.records_to_delete(batch, {"batchItemFailures": [{"itemIdentifier": "a"}]}, False) == batch


def test_queue_logical_id_from_the_template_forms() -> None:
    assert sqs.queue_logical_id({"Fn::GetAtt": ["InvoiceJobQueue", "Arn"]}) == "InvoiceJobQueue"
    assert sqs.queue_logical_id({"Fn::GetAtt": "InvoiceJobQueue.Arn"}) == "InvoiceJobQueue"
    assert sqs.queue_logical_id({"Ref": "InvoiceJobQueue"}) == "InvoiceJobQueue"

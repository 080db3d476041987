"""SQS event sources: one thread per source polls its queue and invokes the
function with Lambda's SQS event and partial-batch semantics.

What Lambda does, and so this does:
- up to BatchSize messages per invocation;
- with ReportBatchItemFailures, the records listed in `batchItemFailures` stay
  on the queue and every other record is deleted; a listed id that is not in
  the batch fails the whole batch;
- if the function raises (or, without ReportBatchItemFailures, at all fails),
  nothing is deleted;
- records left on the queue reappear after the visibility timeout, and the
  queue's redrive policy (moto applies it) moves a message to the DLQ after
  maxReceiveCount receives.
"""

from __future__ import annotations

import base64
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from local import template
from local.invoke import Invoker
from local.resources import REGION

MAX_RECEIVE = 10  # SQS returns at most ten messages per ReceiveMessage


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """ReceiveMessage's MessageAttributeValue -> the Lambda record's camel-cased
    form (stringValue or binaryValue, whichever the attribute has)."""
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    attribute["stringListValues"] = value.get("StringListValues", [])
    attribute["binaryListValues"] = value.get("BinaryListValues", [])
    attribute["dataType"] = value["DataType"]
    return attribute


def sqs_event(messages: Iterable[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller sends, from ReceiveMessage's Messages."""
    records = []
    for message in messages:
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": {
                    name: _message_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def records_to_delete(batch: list[dict[str, Any]], response: Any, report_failures: bool) -> list[dict[str, Any]]:
    """The messages Lambda would delete after a successful invocation."""
    if not report_failures:
        return batch
    failures = (response or {}).get("batchItemFailures") if isinstance(response, dict) else None
    failed = {str((f or {}).get("itemIdentifier") or "") for f in (failures or [])}
    ids = {m["MessageId"] for m in batch}
    if failed - ids:
        # Lambda treats an empty or unknown itemIdentifier as a failure of the whole batch.
        return []
    return [m for m in batch if m["MessageId"] not in failed]


class QueuePoller(threading.Thread):
    def __init__(self, sqs: Any, invoker: Invoker, function: template.Function, source: dict[str, Any],
                 queue_url: str, queue_arn: str, on_change: Callable[[], None] = lambda: None,
                 wait_seconds: int = 1):
        super().__init__(name=f"sqs-{function.logical_id}-{source['name']}", daemon=True)
        self.sqs, self.invoker, self.function, self.source = sqs, invoker, function, source
        self.queue_url, self.queue_arn = queue_url, queue_arn
        self.on_change, self.wait_seconds = on_change, wait_seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                batch = self._receive()
                if batch:
                    self._deliver(batch)
            except Exception:  # a poller must outlive any one bad batch or a moto hiccup
                if self.stopping.is_set():
                    return
                traceback.print_exc(file=sys.stderr)
                self.stopping.wait(1)

    def _receive(self) -> list[dict[str, Any]]:
        size = self.source["batch_size"]
        batch: list[dict[str, Any]] = []
        wait = self.wait_seconds
        while len(batch) < size and not self.stopping.is_set():
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(MAX_RECEIVE, size - len(batch)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages") or []
            batch.extend(messages)
            if len(messages) < MAX_RECEIVE:
                break
            wait = 0  # fill a large batch from what is already there, without waiting again
        return batch

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        try:
            response = self.invoker.invoke(self.function.logical_id, sqs_event(batch, self.queue_arn))
        except Exception:
            # Nothing is deleted: the whole batch comes back after the visibility timeout.
            print(f"local: {self.function.logical_id} failed on a batch from {self.source['queue']}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            return
        finally:
            self.on_change()
        done = records_to_delete(batch, response, self.source["report_failures"])
        if len(done) < len(batch):
            # Lambda's log would show the function's own error; here the stack says what stays queued.
            print(f"local: {self.function.logical_id} left {len(batch) - len(done)} of {len(batch)} records "
                  f"on {self.source['queue']} (receive {max(int(m.get('Attributes', {}).get('ApproximateReceiveCount', 1)) for m in batch)})",
                  file=sys.stderr, flush=True)
        for start in range(0, len(done), MAX_RECEIVE):
            chunk = done[start:start + MAX_RECEIVE]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )


def start_pollers(sqs: Any, invoker: Invoker, queue_url: Callable[[str], str], queue_arn: Callable[[str], str],
                  on_change: Callable[[], None] = lambda: None) -> list[QueuePoller]:
    """One poller per SQS event source of every function. `Queue` is the template's
    `!GetAtt Queue.Arn` (or a `!Ref`), naming the queue's logical id."""
    pollers = []
    for function in invoker.functions.values():
        for source in function.sqs_sources:
            logical_id = queue_logical_id(source["queue"])
            poller = QueuePoller(sqs, invoker, function, source, queue_url(logical_id), queue_arn(logical_id), on_change)
            poller.start()
            pollers.append(poller)
    return pollers


def queue_logical_id(queue: Any) -> str:
    if isinstance(queue, dict):
        (key, value), = queue.items()
        if key == "Fn::GetAtt":
            return value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
        if key == "Ref":
            return value
    raise ValueError(f"SQS event source Queue must be !GetAtt <Queue>.Arn or !Ref <Queue>, not {queue!r}")


def stop_pollers(pollers: list[QueuePoller]) -> None:
    for poller in pollers:
        poller.stopping.set()
    for poller in pollers:
        poller.join(timeout=5)

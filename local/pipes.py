"""EventBridge Pipes from the table's stream to a queue: the template's
AWS::Pipes::Pipe resources whose source is a DynamoDB stream and whose target
is an SQS queue (the e-mail outbox pipe).

What such a pipe does, and so this does: it reads the stream in order, keeps
the records that match any of its filter patterns (EventBridge's pattern
syntax, matched by moto's own matcher), renders each through its input
template (`<$.path>` replaced by the value at that path of the record) and
sends it to the queue, one message per record. A send that fails is tried
again from the same record (the stream keeps it).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import traceback
from typing import Any

from botocore.config import Config

from local import template
from local.sqs import queue_logical_id

_PLACEHOLDER = re.compile(r"<\$\.([^>]+)>")


def _value_at(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def render(input_template: str | None, record: dict[str, Any]) -> str:
    """The message a record becomes: the record itself without a template."""
    if not input_template:
        return json.dumps(record, default=str)
    return _PLACEHOLDER.sub(lambda m: str(_value_at(record, m.group(1)) or ""), input_template)


def _logical_id(value: Any) -> str:
    (key, arg), = value.items()
    if key == "Fn::GetAtt":
        return arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
    raise ValueError(f"a pipe's Source must be !GetAtt <Table>.StreamArn, not {value!r}")


class StreamPipe:
    """One pipe: `pump()` moves what the stream gained since the last pump to the queue."""

    def __init__(self, logical_id: str, props: dict[str, Any], table_name: str, queue_url: str, session: Any):
        from moto.events.models import EventPattern

        source_parameters = props.get("SourceParameters") or {}
        filters = ((source_parameters.get("FilterCriteria") or {}).get("Filters")) or []
        self.logical_id = logical_id
        self.patterns = [EventPattern.load(f["Pattern"]) for f in filters if f.get("Pattern")]
        self.input_template = (props.get("TargetParameters") or {}).get("InputTemplate")
        self.table_name, self.queue_url = table_name, queue_url
        # The regional streams endpoint: moto does not answer the account-id endpoints botocore would pick.
        streams_config = Config(account_id_endpoint_mode="disabled")
        self.dynamodb, self.streams, self.sqs = (session.client("dynamodb"),
                                                 session.client("dynamodbstreams", config=streams_config),
                                                 session.client("sqs"))
        self._iterator: str | None = None
        self._lock = threading.Lock()

    def _first_iterator(self) -> str:
        arn = self.dynamodb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        (shard,) = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        return self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    def matches(self, record: dict[str, Any]) -> bool:
        plain = json.loads(json.dumps(record, default=str))
        return not self.patterns or any(p.matches_event(plain) for p in self.patterns)

    def pump(self, at_most: int | None = None) -> int:
        """Sends every matching record the stream has gained (or, with `at_most`,
        steps of that many records until one matched: a benchmark feeds the queue
        as it drains, so moto's queue, whose every call costs its length, stays
        short); returns how many."""
        sent = 0
        with self._lock:
            iterator = self._iterator or self._first_iterator()
            while True:
                response = self.streams.get_records(ShardIterator=iterator, Limit=at_most or 1000)
                records = response.get("Records") or []
                messages = [render(self.input_template, r) for r in records if self.matches(r)]
                for start in range(0, len(messages), 10):
                    self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=[
                        {"Id": str(n), "MessageBody": body} for n, body in enumerate(messages[start:start + 10])])
                sent += len(messages)
                # Only once the batch is in the queue does the pipe move past it.
                iterator = self._iterator = response["NextShardIterator"]
                if not records or (at_most and sent):
                    return sent


def stream_pipes(table_name: str, queue_url: Any, session: Any) -> list[StreamPipe]:
    """Every pipe of the template from the table's stream to a queue. `queue_url`
    maps a queue's logical id to its URL."""
    pipes = []
    for logical_id, resource in template.resources("AWS::Pipes::Pipe").items():
        props = resource.get("Properties") or {}
        source, target = props.get("Source"), props.get("Target")
        if not (isinstance(source, dict) and isinstance(target, dict)):
            continue
        if "StreamArn" not in json.dumps(source):
            continue
        pipes.append(StreamPipe(logical_id, props, table_name, queue_url(queue_logical_id(target)), session))
    return pipes


class PipePoller(threading.Thread):
    """Pumps the pipes about twice a second (a pipe's batching window is one second)."""

    def __init__(self, pipes: list[StreamPipe], interval_s: float = 0.5):
        super().__init__(name="pipes", daemon=True)
        self.pipes, self.interval_s = pipes, interval_s
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            for pipe in self.pipes:
                try:
                    pipe.pump()
                except Exception:  # the next pump tries the same records again
                    if self.stopping.is_set():
                        return
                    print(f"local: pipe {pipe.logical_id} failed; trying again", file=sys.stderr)
                    traceback.print_exc(file=sys.stderr)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
